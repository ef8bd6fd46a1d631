import HaloOCF
import HaloSystem
import LuksAgent

// halo-agent-dl: the agents whose actions load shared libraries (libcryptsetup), linked
// dynamically. The statically linked halo-agent hands those actions here with execv(2)
// (MultiCall.main's dynamicTwin); never installed under an agent's name, never run by hand.
// It has no twin of its own, so it never hands anything on.
MultiCall.main(agents: [AgentEntry(LuksAgent.self)], arguments: CommandLine.arguments,
               environment: CurrentProcess.environment(), programName: "halo-agent-dl")
