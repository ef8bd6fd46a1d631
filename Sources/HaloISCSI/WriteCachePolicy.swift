/// How a LUN's writes are acknowledged, as the initiator learns it (the WCE bit) and as the
/// target stack carries it out.
public enum WriteCachePolicy: String, CaseIterable, Sendable {
    /// A write is acknowledged once the backing device has it (SCST `write_through=1`): what a
    /// failover needs, since nothing acknowledged is left in a cache of the node that failed.
    case writeThrough = "write_through"
    /// The initiator is told there is a volatile cache and must send SYNCHRONIZE CACHE (or FUA)
    /// for what must be durable; well-behaved file systems do. Faster, and safe only with them.
    case writeBack = "write_back"
    /// The target claims a non-volatile cache and ignores cache flushes (SCST `nv_cache=1`):
    /// only for a battery- or flash-backed controller cache on every node. SCST only.
    case nonVolatile = "non_volatile"
}
