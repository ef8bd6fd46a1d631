@testable import DRBDAgent
import Glibc
import HaloDRBD
import HaloSystem
import HaloTesting
import Testing

/// DRBD's configuration read from its files (for `halo-drbd-helper`), checked against what
/// drbdadm itself makes of the same files (Tests/Fixtures/drbd-utils-9.22: halo-84.conf and
/// drbdadm-84's `dump all` of it).
@Suite("DRBD's configuration files, read as drbdadm reads them")
struct DRBDConfigurationFilesTests {
    /// `directory/drbd.conf` and the other files, written.
    static func etc(_ files: [String: String]) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for (name, text) in files {
            if let slash = name.lastIndex(of: "/") { try FileSystem.makeDirectories(directory.file(String(name[..<slash]))) }
            try FileSystem.writeAtomically(directory.file(name), Array(text.utf8), permissions: 0o644)
        }
        return directory
    }

    @Test func theFiles_readAsDrbdadmDumpsThem() throws {
        let etc = try Self.etc(["drbd.conf": try Fixtures.text("drbd-utils-9.22/halo-84.conf")])
        let fromFiles = try DRBDConfigurationFiles.resources(in: etc.path)
        let fromDrbdadm = try ConfigurationDump.resources(try Fixtures.text("drbd-utils-9.22/drbdadm-84-dump-all.txt"))
        #expect(fromFiles.map(\.name) == ["lun1", "lun2", "lun3"])
        #expect(fromFiles == fromDrbdadm)
        #expect(fromFiles[1].handlers["fence-peer"] == "/usr/lib/drbd/crm-fence-peer.sh --timeout 60")
    }

    @Test func includes_areResolvedRelativeToTheIncludingFile_inSortedOrder() throws {
        let etc = try Self.etc([
            "drbd.conf": "# the Debian layout\ninclude \"drbd.d/global_common.conf\";\ninclude \"drbd.d/*.res\";\n",
            "drbd.d/global_common.conf": "global { usage-count no; }\ncommon { handlers { fence-peer \"/usr/lib/halo/halo-agent drbd-fence-peer\"; } }\n",
            "drbd.d/lun2.res": "resource lun2 { handlers { fence-peer \"/bin/own --x\"; } }\n",
            "drbd.d/lun1.res": "resource lun1 { disk { fencing resource-and-stonith; } }\n",
            "drbd.d/lun3.res.off": "resource lun3 { }\n",
        ])
        let resources = try DRBDConfigurationFiles.resources(in: etc.path)
        #expect(resources.map(\.name) == ["lun1", "lun2"])
        #expect(resources[0].handlers["fence-peer"] == "/usr/lib/halo/halo-agent drbd-fence-peer")   // common's
        #expect(resources[0].fencing == "resource-and-stonith")
        #expect(resources[1].handlers["fence-peer"] == "/bin/own --x")   // its own over common's
    }

    @Test(arguments: [
        (["drbd.conf": "resource r0 { }\n", "drbd-84.conf": "resource r0 { }\n"], "drbd-84.conf exists"),
        (["drbd.conf": "include \"drbd.d/missing.res\";\n"], "does not exist"),
        (["drbd.conf": "resource r0 { handlers { fence-peer x; }\n"], "is not closed"),
        (["drbd.conf": "include \"a.conf\";\n", "a.conf": "include \"b.conf\";\n", "b.conf": "include \"c.conf\";\n", "c.conf": ""],
         "an include halo does not resolve"),
        (["drbd.conf": "resource r0 { include \"handlers.conf\"; }\n", "handlers.conf": ""], "an include inside a section"),
        ([:], "cannot read"),
    ])
    func whatDrbdadmMightReadDifferently_isAProblem(files: [String: String], problem: String) throws {
        let etc = try Self.etc(files)
        #expect { try DRBDConfigurationFiles.resources(in: etc.path) } throws: { error in
            (error as? ConfigurationDumpProblem)?.problem.contains(problem) == true
        }
    }

    @Test func aFIFO_isNotRead() throws {
        let etc = try Self.etc([:])
        #expect(mkfifo(etc.file("drbd.conf"), 0o644) == 0)
        #expect { try DRBDConfigurationFiles.resources(in: etc.path) } throws: { error in
            (error as? ConfigurationDumpProblem)?.problem.contains("as a regular file") == true
        }
    }
}

/// The path of halo's agent binary in the handler lines below.
private let halo = "/usr/lib/halo/halo-agent"

@Suite("halo-drbd-helper: halo's handler in-process, everything else to drbdadm")
struct DRBDHelperRouteTests {
    static func configuration(fencePeer: String?, unfence: String? = nil) -> () throws(ConfigurationDumpProblem) -> [DRBDResourceConfiguration] {
        var handlers: [String: String] = [:]
        handlers["fence-peer"] = fencePeer
        handlers["after-resync-target"] = unfence
        let resources = [DRBDResourceConfiguration(name: "lun1", fencing: "resource-and-stonith", handlers: handlers)]
        return { () throws(ConfigurationDumpProblem) in resources }
    }

    static func route(_ arguments: [String], version: String? = "8.4.11", fencePeer: String?, unfence: String? = nil) -> HelperCommand.Route {
        HelperCommand.route(arguments, moduleVersion: version.flatMap(DRBDVersion.init), isHalo: { $0 == halo },
                            configuration: configuration(fencePeer: fencePeer, unfence: unfence))
    }

    @Test func halosHandlers_runInProcess_withTheirArguments() {
        #expect(Self.route(["halo-drbd-helper", "fence-peer", "lun1"], fencePeer: "\(halo) drbd-fence-peer")
                == .handler(["drbd-fence-peer"]))
        #expect(Self.route(["halo-drbd-helper", "fence-peer", "lun1"], fencePeer: "\(halo) drbd-fence-peer --timeout 60")
                == .handler(["drbd-fence-peer", "--timeout", "60"]))
        // DRBD 8.4 names the device (minor-1), not the resource, in this one: drbdadm maps it.
        #expect(Self.route(["halo-drbd-helper", "after-resync-target", "minor-1"], fencePeer: nil, unfence: "\(halo) drbd-unfence-peer")
                == .drbdadm("not a handler halo answers"))
    }

    @Test(arguments: [
        (["halo-drbd-helper", "before-resync-target", "lun1"], "8.4.11", "\(halo) drbd-fence-peer"),   // not a handler halo answers
        (["halo-drbd-helper", "split-brain", "lun1"], "8.4.11", "\(halo) drbd-fence-peer"),
        (["halo-drbd-helper", "fence-peer"], "8.4.11", "\(halo) drbd-fence-peer"),                      // no resource
        (["halo-drbd-helper", "fence-peer", "lun1"], "9.2.12", "\(halo) drbd-fence-peer"),             // DRBD 9: drbdadm's variables
        (["halo-drbd-helper", "fence-peer", "lun1"], nil, "\(halo) drbd-fence-peer"),                   // module version unknown
        (["halo-drbd-helper", "fence-peer", "lun9"], "8.4.11", "\(halo) drbd-fence-peer"),             // not configured
        (["halo-drbd-helper", "fence-peer", "lun1\nx"], "8.4.11", "\(halo) drbd-fence-peer"),
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "/usr/lib/drbd/crm-fence-peer.sh"),     // someone else's handler
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "\(halo) drbd-unfence-peer"),            // halo's, the wrong one
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "/usr/local/bin/halo-agent drbd-fence-peer"),   // not this binary
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "\(halo) drbd-fence-peer; logger x"),    // shell syntax
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "\(halo) drbd-fence-peer --timeout $T"),
        (["halo-drbd-helper", "fence-peer", "lun1"], "8.4.11", "HOME=/ \(halo) drbd-fence-peer"),
    ] as [([String], String?, String)])
    func anythingElse_goesToDrbdadm(arguments: [String], version: String?, line: String) {
        guard case .drbdadm = Self.route(arguments, version: version, fencePeer: line) else {
            Issue.record("\(arguments) with \(line) was not handed to drbdadm")
            return
        }
    }

    @Test func noHandlerConfigured_orAnUnreadableConfiguration_goesToDrbdadm() {
        #expect(Self.route(["halo-drbd-helper", "fence-peer", "lun1"], fencePeer: nil) == .drbdadm("no fence-peer handler configured"))
        let unreadable = HelperCommand.route(["halo-drbd-helper", "fence-peer", "lun1"], moduleVersion: DRBDVersion("8.4.11"), isHalo: { _ in true },
                                             configuration: { () throws(ConfigurationDumpProblem) in throw ConfigurationDumpProblem(problem: "broken") })
        #expect(unreadable == .drbdadm("broken"))
    }

    /// The real binary under the helper's name: a call it does not answer reaches the fallback
    /// (`/bin/echo` here, drbdadm on a node) with the kernel's arguments.
    @Test func theInstalledName_dispatchesToTheHelper_andHandsTheRestOver() throws {
        let directory = TemporaryDirectory()
        try FileSystem.symlink(BuildProducts.executable("halo-agent"), at: directory.file("halo-drbd-helper"))
        let result = try ProcessRunner().run(
            Command(directory.file("halo-drbd-helper"), ["before-resync-target", "lun1"],
                    environment: ["HALO_DRBD_HELPER_FALLBACK": "/bin/echo"]),
            deadline: .after(.seconds(20)))
        #expect(result.succeeded)
        #expect(result.outputText == "before-resync-target lun1\n")
    }

    /// The kernel may start its helper without standard descriptors: the helper opens
    /// /dev/null there before anything else (and hands them on to drbdadm).
    @Test func missingStandardDescriptors_becomeDevNull() throws {
        let directory = TemporaryDirectory()
        try FileSystem.symlink(BuildProducts.executable("halo-agent"), at: directory.file("halo-drbd-helper"))
        let result = try ProcessRunner().run(
            Command("/bin/sh", ["-c", "exec 0<&- 2>&-; exec \"$0\" /proc/self/fd/0 /proc/self/fd/2", directory.file("halo-drbd-helper")],
                    environment: ["HALO_DRBD_HELPER_FALLBACK": "/bin/readlink", "PATH": "/usr/bin:/bin"]),
            deadline: .after(.seconds(20)))
        #expect(result.succeeded)
        #expect(result.outputText == "/dev/null\n/dev/null\n")
    }
}
