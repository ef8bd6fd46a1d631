/// What a fence agent reads on its standard input: `key=value` lines, the convention every
/// agent of fence-agents follows and Pacemaker's fencer uses (`action`, `plug`, `nodename`,
/// then the device's own options). Options never go to argv: they hold passwords.
public enum FenceAgentInput {
    /// The input for one run of `device` against `victim`.
    ///
    /// - Parameters:
    ///   - action: `off`, `on` or `reboot`.
    ///   - plug: the outlet, port or VM name the device knows the victim by.
    public static func lines(device: FenceDevice, action: String, victim: String, plug: String) -> String {
        var text = "action=\(action)\nplug=\(plug)\nnodename=\(victim)\n"
        for (key, value) in device.options { text += "\(key)=\(value)\n" }
        return text
    }

    /// The input for a `monitor` of `device` (is it reachable and answering?), as haloctl
    /// check-health runs it: no victim, no plug.
    public static func monitorLines(device: FenceDevice) -> String {
        var text = "action=monitor\n"
        for (key, value) in device.options { text += "\(key)=\(value)\n" }
        return text
    }

    /// `text` with every option value of `device` that is at least 4 characters long replaced
    /// by `***`: what an agent prints goes into logs and status, and some agents echo what they
    /// were given.
    public static func redacted(_ text: String, device: FenceDevice) -> String {
        var result = text
        for (_, value) in device.options where value.count >= 4 { result = result.replacing(value, with: "***") }
        return result
    }
}
