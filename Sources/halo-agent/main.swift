import HaloOCF
import HaloSystem

// halo-agent: every halo resource agent in one executable. Installed once; each agent is a
// symlink /usr/lib/ocf/resource.d/halo/<agent> → this binary, which dispatches on argv[0].
//
// Release builds link it statically (Package.swift): no dynamic loader runs, which is most of an
// invocation's cost (measured in the lab: 182 ms → 15 ms per luks monitor). Actions that load
// a shared library go to halo-agent-dl, the same agents linked dynamically.
MultiCall.main(agents: Agents.all, commands: Agents.commands, arguments: CommandLine.arguments,
               environment: CurrentProcess.environment(), dynamicTwin: "halo-agent-dl")
