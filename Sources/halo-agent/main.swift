import HaloOCF
import HaloSystem

// halo-agent: every halo resource agent in one executable. Installed once; each agent is a
// symlink /usr/lib/ocf/resource.d/halo/<agent> → this binary, which dispatches on argv[0].
MultiCall.main(agents: Agents.all, commands: Agents.commands, arguments: CommandLine.arguments,
               environment: CurrentProcess.environment())
