import HaloDRBD
import HaloOCF
import HaloSystem

/// What this node's kernel says about the DRBD resource: whether the module is loaded and, if
/// so, the resource's state from DRBD's generic-netlink family (`DRBDNetlink`: no process on
/// the monitor path). `drbdsetup events2 --now` is the fallback — for a family version halo
/// does not know, a message it cannot decode or a netlink failure, said in the log — and the
/// comparison `lab/lab bench` measures (`HALO_DRBD_STATE=events2`).
struct DRBDObservation: Sendable, Hashable {
    /// The loaded module's version; `nil` when DRBD is not loaded.
    let version: DRBDVersion?
    /// The resource's state; `nil` when it is not configured (down).
    let state: DRBDResourceState?

    /// Where the state is read from.
    enum Source: Sendable, Hashable {
        case netlink, events2

        /// `HALO_DRBD_STATE=events2` selects drbdsetup (the before-and-after benchmark, and an
        /// escape hatch); anything else, or nothing, netlink.
        init(environment: [String: String]) {
            self = environment["HALO_DRBD_STATE"] == "events2" ? .events2 : .netlink
        }
    }

    /// Reads the module version from sysfs, without a process.
    static func moduleVersion(_ attributes: KernelAttributes) -> DRBDVersion? {
        (try? attributes.readValue("/sys/module/drbd/version")).flatMap(DRBDVersion.init)
    }

    /// Observes the resource. A missing module means "not running" without running anything.
    static func read(_ resource: String, attributes: KernelAttributes, tools: DRBDTools, source: Source,
                     deadline: Deadline, fallback: (DRBDReadError) -> Void) throws(AgentFailure) -> DRBDObservation {
        guard let version = moduleVersion(attributes) else { return DRBDObservation(version: nil, state: nil) }
        return DRBDObservation(version: version, state: try state(of: resource, tools: tools, source: source, deadline: deadline,
                                                                   fallback: fallback))
    }

    /// The resource's state (nil: not configured), over netlink or from drbdsetup.
    static func state(of resource: String, tools: DRBDTools, source: Source, deadline: Deadline,
                      fallback: (DRBDReadError) -> Void) throws(AgentFailure) -> DRBDResourceState? {
        if source == .netlink {
            do {
                // nil: the family is not registered although sysfs showed the module — it is
                // being unloaded or loaded; drbdsetup answers for that moment.
                if let states = try DRBDNetlink.states(deadline: deadline) {
                    return states.first { $0.name == resource }
                }
            } catch {
                fallback(error)
            }
        }
        let output = try tools.events2(resource, deadline: deadline)
        do {
            return try Events2.state(of: resource, from: output)
        } catch {
            throw .generic(Reason("\(error)"))
        }
    }
}
