import HaloDRBD
import HaloTesting
import Testing

/// `drbdadm dump` as drbd-utils 9.22 prints it (Tests/Fixtures/drbd-8.4/drbdadm-dump-*: the
/// command and the configuration each was made from are in the file's header, which is a `#`
/// comment that itself mentions allow-two-primaries, as a substring check would be fooled by).
@Suite("drbdadm dump: allow-two-primaries for promoted-max=2")
struct ConfigurationDumpTests {
    @Test(arguments: [
        ("drbdadm-dump-two-primaries-flag-node1.txt", true),   // written as `allow-two-primaries;`
        ("drbdadm-dump-two-primaries-yes-node1.txt", true),
        ("drbdadm-dump-two-primaries-no-node1.txt", false),    // printed `allow-two-primaries  no;`
        ("drbdadm-dump-final-node1.txt", false),               // the lab's r0: not set at all
    ])
    func capturedDumps(file: String, allowed: Bool) throws {
        #expect(ConfigurationDump.allowsTwoPrimaries(try Fixtures.text("drbd-8.4/\(file)")) == allowed)
    }

    @Test func aCommentOrAnotherOptionIsNotTheStatement() {
        #expect(!ConfigurationDump.allowsTwoPrimaries("net { protocol C; } # allow-two-primaries yes;\n"))
        #expect(!ConfigurationDump.allowsTwoPrimaries("net { always-allow-two-primaries-note yes; }\n"))
        #expect(ConfigurationDump.allowsTwoPrimaries("net {\n\tallow-two-primaries\tyes;\n}\n"))
    }
}
