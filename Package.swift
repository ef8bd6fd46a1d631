// swift-tools-version:6.0
//
// halo: the software layer of a highly available iSCSI SAN.
//
// Modules, bottom up (dependencies point one way; see docs/architecture.md):
//   CHalo, CHaloNet        C shims (with Glibc and corosync's libraries the only C surface)
//   HaloJSON               JSON values: rendering and parsing, without Foundation
//   HaloSystem             processes, sysfs/procfs, locks, state dir, journal (imports Glibc)
//   HaloNet                rtnetlink (links, VLANs, addresses, neighbours), ARP and ICMPv6 packets
//   HaloDRBD               DRBD's state (its generic-netlink family, events2 lines), configuration dumps
//   HaloPacemaker          Pacemaker's tools for the DRBD agent and its fence-peer handler
//   HaloOCF                the OCF contract: parameters, meta-data, environment, outcomes
//   CCryptsetup            libcryptsetup's declarations (loaded with dlopen, never linked)
//   HaloCryptsetup         the thin Swift wrapper of libcryptsetup (imports CCryptsetup)
//   HaloConformance        the conformance runner (ocf-tester's sequence and more), schema checks
//   HaloISCSI              iSCSI target definitions the SCST and LIO agents share, and their trees' readers
//   HaloSCSTModel, CFuse   test-only: the SCST sysfs model and its FUSE server halo-scst-model
//   CCorosync              corosync's client libraries (libcpg, libquorum, libcmap)
//   HaloCorosync           the thin Swift wrapper of them (process group, quorum, cmap)
//   HaloCluster            halod's pure core: configuration, the replicated state machine, placement
//   HaloControl            halod's control protocol and client (no corosync library)
//   HaloDaemon             halod's loop: corosync, fence agents, the control socket, LUN stacks
//   HaloFacts              one node's live facts and its local health checks, for haloctl and halo-facts
//   CPacemaker             Pacemaker's libraries for haloctl's reading (CIB, status; loaded with dlopen)
//   Agents/*               one module per resource agent
//   halo-agent             the one multi-call executable all agents are installed as (static)
//   halo-agent-dl          the luks agent linked dynamically, for the actions that load libcryptsetup
//   HaloCtl                haloctl's core: the Pacemaker and halod backends, status, moves, drains
//   halod                  the cluster daemon (corosync CPG membership, fencing, placement, stacks)
//   haloctl                the operator's tool (status, move, drain, check-health, rehearse)
//   halo-conformance       the conformance runner as a command
//   halo-writer            e2e's verifying writer, run on the lab's initiator (never on storage nodes)
//   halo-test-agent, HaloTesting   test-only: the core's test agent, shared test helpers
//   halo-facts-probe       test-only: prints a node's facts as JSON, for the facts tests
import PackageDescription

/// Where Pacemaker's headers and theirs (GLib, libxml2) are on Debian (pacemaker-dev); only
/// CPacemaker's C file includes them.
let pacemakerIncludes: [String] = {
    #if arch(arm64)
    let multiarch = "aarch64-linux-gnu"
    #else
    let multiarch = "x86_64-linux-gnu"
    #endif
    return ["/usr/include/pacemaker", "/usr/include/glib-2.0", "/usr/lib/\(multiarch)/glib-2.0/include", "/usr/include/libxml2"]
        .map { "-I\($0)" }
}()

let package = Package(
    name: "halo",
    products: [
        .executable(name: "halo-agent", targets: ["halo-agent"]),
        .executable(name: "halo-agent-dl", targets: ["halo-agent-dl"]),
        .executable(name: "halo-conformance", targets: ["halo-conformance"]),
        .executable(name: "halo-writer", targets: ["halo-writer"]),
        .executable(name: "halod", targets: ["halod"]),
        .executable(name: "haloctl", targets: ["haloctl"]),
    ],
    dependencies: [
        // Structured logging API the whole Swift server ecosystem shares (Logger, metadata,
        // levels). Small, no transitive dependencies.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Property-based tests of halod's state machine (random event sequences, shrinking).
        // Test-only.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // halod's and haloctl's command lines: help, man pages and completions from one
        // declaration.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // halod's Prometheus metrics (counters, gauges, histograms, the text format).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(name: "CHalo", path: "Sources/CHalo"),
        .target(name: "HaloJSON", path: "Sources/HaloJSON"),
        .target(name: "CHaloNet", path: "Sources/CHaloNet"),
        .target(
            name: "HaloSystem",
            dependencies: ["CHalo", .product(name: "Logging", package: "swift-log")],
            path: "Sources/HaloSystem"),
        .target(
            name: "HaloNet",
            dependencies: ["CHaloNet", "CHalo", "HaloSystem"],
            path: "Sources/HaloNet"),
        .target(
            name: "HaloDRBD",
            dependencies: ["HaloNet", "HaloSystem"],
            path: "Sources/HaloDRBD"),
        .target(
            name: "HaloPacemaker",
            dependencies: ["HaloSystem"],
            path: "Sources/HaloPacemaker"),
        .target(
            name: "HaloOCF",
            dependencies: ["HaloSystem", "HaloJSON", .product(name: "Logging", package: "swift-log")],
            path: "Sources/HaloOCF"),
        // Declarations only: libcryptsetup is loaded with dlopen by the actions that open, close
        // or verify, so no other agent pays its load time (docs/luks.md).
        .target(name: "CCryptsetup", path: "Sources/CCryptsetup"),
        .target(
            name: "HaloCryptsetup",
            dependencies: ["CCryptsetup", "HaloSystem"],
            path: "Sources/HaloCryptsetup"),
        // iSCSI target definitions both target-stack agents share: names, SCSI identity, portals,
        // CHAP credentials, session parameters, and their parameter declarations; the readers of
        // LIO's configfs and SCST's sysfs (the agents' and haloctl's facts).
        .target(
            name: "HaloISCSI",
            dependencies: ["HaloOCF", "HaloSystem", "HaloNet", .product(name: "Logging", package: "swift-log")],
            path: "Sources/HaloISCSI"),
        // Test-only: a strict model of SCST's sysfs interface, served over FUSE by
        // halo-scst-model (docs/scst.md). Never installed.
        .target(
            name: "HaloSCSTModel",
            dependencies: ["HaloSystem"],
            path: "Sources/HaloSCSTModel"),
        .target(name: "CFuse", path: "Sources/CFuse", linkerSettings: [.linkedLibrary("fuse3")]),
        .executableTarget(
            name: "halo-scst-model",
            dependencies: ["HaloSCSTModel", "HaloSystem", "CFuse"],
            path: "Sources/halo-scst-model"),
        // corosync's client libraries (Debian's libcpg-dev, libquorum-dev, libcmap-dev,
        // libcorosync-common-dev, libqb-dev), linked dynamically: halod is a long-running daemon.
        .target(
            name: "CCorosync", path: "Sources/CCorosync",
            linkerSettings: [.linkedLibrary("cpg"), .linkedLibrary("quorum"), .linkedLibrary("cmap"),
                             .linkedLibrary("corosync_common"), .linkedLibrary("qb")]),
        .target(
            name: "HaloCorosync",
            dependencies: ["CCorosync"],
            path: "Sources/HaloCorosync"),
        // halod's core: no C, no I/O, no clock. Tested with recorded and random event streams.
        .target(
            name: "HaloCluster",
            dependencies: ["HaloJSON"],
            path: "Sources/HaloCluster"),
        // halod's daemon: the poll loop, the corosync connection, fence agents, the control
        // socket. Everything it decides, HaloCluster decides.
        // halod's control socket protocol and client: for haloctl, DRBD's handlers in the static
        // halo-agent, and the tests (no corosync library needed).
        .target(
            name: "HaloControl",
            dependencies: ["HaloJSON", "HaloSystem"],
            path: "Sources/HaloControl"),
        .target(
            name: "HaloDaemon",
            dependencies: ["HaloCluster", "HaloControl", "HaloCorosync", "HaloSystem", "HaloNet", "HaloJSON", "HaloDRBD", "HaloPacemaker",
                           .product(name: "Prometheus", package: "swift-prometheus")],
            path: "Sources/HaloDaemon"),
        .executableTarget(
            name: "halod",
            dependencies: ["HaloDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/halod"),
        // One node's live facts (DRBD, targets, links, md, clock, modules; corosync's part comes
        // from haloctl's reader) and its local health checks, for haloctl on every node
        // (`haloctl facts`, and halo-agent's static `halo-facts`). Reads only; links no C library.
        .target(
            name: "HaloFacts",
            dependencies: ["HaloSystem", "HaloNet", "HaloDRBD", "HaloISCSI", "HaloJSON"],
            path: "Sources/HaloFacts"),
        // Pacemaker's libraries for haloctl's reading of the CIB and the status in-process:
        // loaded with dlopen when haloctl reads a Pacemaker cluster, never linked.
        .target(name: "CPacemaker", path: "Sources/CPacemaker", cSettings: [.unsafeFlags(pacemakerIncludes)]),
        .target(
            name: "HaloCtl",
            dependencies: ["CPacemaker", "HaloCluster", "HaloControl", "HaloCorosync", "HaloFacts", "HaloSystem", "HaloJSON", "HaloPacemaker"],
            path: "Sources/HaloCtl"),
        .executableTarget(
            name: "haloctl",
            dependencies: ["HaloCtl", "HaloFacts", "HaloJSON", "HaloSystem", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/haloctl"),
        .target(
            name: "HaloConformance",
            dependencies: ["HaloSystem", "HaloOCF"],
            path: "Sources/HaloConformance"),
        .target(
            name: "PortalAgent",
            dependencies: ["HaloOCF", "HaloSystem", "HaloNet", .product(name: "Logging", package: "swift-log")],
            path: "Agents/Portal"),
        .target(
            name: "DRBDAgent",
            dependencies: ["HaloOCF", "HaloSystem", "HaloDRBD", "HaloPacemaker", "HaloControl",
                           .product(name: "Logging", package: "swift-log")],
            path: "Agents/DRBD"),
        .target(
            name: "LuksAgent",
            dependencies: ["HaloOCF", "HaloSystem", "HaloCryptsetup", .product(name: "Logging", package: "swift-log")],
            path: "Agents/Luks"),
        .target(
            name: "SCSTAgent",
            dependencies: ["HaloOCF", "HaloSystem", "HaloISCSI", .product(name: "Logging", package: "swift-log")],
            path: "Agents/SCST"),
        .target(
            name: "LIOAgent",
            dependencies: ["HaloOCF", "HaloSystem", "HaloISCSI", .product(name: "Logging", package: "swift-log")],
            path: "Agents/LIO"),
        // Release builds are statically linked: without the dynamic loader an invocation costs a
        // tenth (docs/architecture.md, "One static binary"). Debug builds stay dynamic because
        // the test bundles link this target's module, and a static test bundle cannot load.
        .executableTarget(
            name: "halo-agent",
            dependencies: ["HaloOCF", "HaloFacts", "PortalAgent", "DRBDAgent", "LuksAgent", "SCSTAgent", "LIOAgent"],
            path: "Sources/halo-agent",
            linkerSettings: [.unsafeFlags(["-static-executable"], .when(configuration: .release))]),
        // The same luks agent linked dynamically: halo-agent hands it the actions that load
        // libcryptsetup (a static process cannot load shared libraries).
        .executableTarget(
            name: "halo-agent-dl",
            dependencies: ["HaloOCF", "HaloSystem", "LuksAgent"],
            path: "Sources/halo-agent-dl"),
        // The verifying writer of the end-to-end tests (runs on the initiator; never installed
        // on storage nodes).
        .executableTarget(
            name: "halo-writer",
            dependencies: ["CHalo", "HaloSystem"],
            path: "Sources/halo-writer"),
        .executableTarget(
            name: "halo-conformance",
            dependencies: ["HaloConformance"],
            path: "Sources/halo-conformance"),

        // Test-only: an agent that exercises every part of the core, with injectable faults
        // so the conformance runner can be shown to catch them. Never installed.
        .executableTarget(
            name: "halo-test-agent",
            dependencies: ["HaloOCF", "HaloSystem"],
            path: "Tests/TestAgent"),
        // Test-only: prints this node's facts as JSON (what `haloctl facts --output json` will
        // print), for the facts tests in network namespaces. Never installed.
        .executableTarget(
            name: "halo-facts-probe",
            dependencies: ["HaloFacts", "HaloSystem"],
            path: "Tests/FactsProbe"),
        .target(
            name: "HaloTesting",
            dependencies: ["HaloSystem", "HaloOCF", "HaloConformance", "HaloPacemaker", "HaloControl", "HaloJSON",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/HaloTesting"),
        .testTarget(
            name: "HaloClusterTests",
            dependencies: ["HaloCluster", "HaloJSON", .product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/HaloClusterTests"),
        .testTarget(
            name: "HaloCtlTests",
            dependencies: ["HaloCtl", "HaloCluster", "HaloFacts", "HaloDRBD", "HaloPacemaker", "HaloSystem", "HaloJSON", "HaloTesting",
                           "haloctl", "halod", "halo-agent"],
            path: "Tests/HaloCtlTests"),
        .testTarget(
            name: "HalodTests",
            dependencies: ["HaloDaemon", "HaloControl", "HaloCluster", "HaloCorosync", "HaloDRBD", "HaloJSON", "HaloSystem", "HaloPacemaker",
                           "HaloTesting", "halod"],
            path: "Tests/HalodTests"),
        .testTarget(
            name: "HaloFactsTests",
            dependencies: ["HaloFacts", "HaloDRBD", "HaloNet", "HaloSystem", "HaloJSON", "HaloTesting", "halo-facts-probe"],
            path: "Tests/HaloFactsTests"),
        .testTarget(
            name: "HaloSystemTests",
            dependencies: ["HaloSystem", "HaloTesting", "halo-agent"],
            path: "Tests/HaloSystemTests"),
        .testTarget(
            name: "HaloOCFTests",
            dependencies: ["HaloOCF", "HaloTesting"],
            path: "Tests/HaloOCFTests",
            exclude: ["Golden"]),
        .testTarget(
            name: "HaloNetTests",
            dependencies: ["HaloNet", "HaloTesting"],
            path: "Tests/HaloNetTests"),
        .testTarget(
            name: "PortalTests",
            dependencies: ["PortalAgent", "HaloNet", "HaloTesting", "HaloConformance"],
            path: "Tests/PortalTests"),
        .testTarget(
            name: "DRBDTests",
            dependencies: ["DRBDAgent", "HaloDRBD", "HaloNet", "HaloPacemaker", "HaloOCF", "HaloTesting", "HaloConformance"],
            path: "Tests/DRBDTests"),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["HaloConformance", "HaloTesting", "halo-test-agent"],
            path: "Tests/ConformanceTests"),
        .testTarget(
            name: "SCSTModelTests",
            dependencies: ["HaloSCSTModel", "HaloTesting", "halo-scst-model"],
            path: "Tests/SCSTModelTests"),
        .testTarget(
            name: "SCSTAgentTests",
            dependencies: ["SCSTAgent", "HaloISCSI", "HaloPacemaker", "HaloTesting", "HaloConformance", "halo-agent", "halo-scst-model"],
            path: "Tests/SCSTAgentTests"),
        .testTarget(
            name: "LIOAgentTests",
            dependencies: ["LIOAgent", "HaloISCSI", "HaloTesting", "HaloConformance", "halo-agent"],
            path: "Tests/LIOAgentTests"),
        .testTarget(
            name: "LuksAgentTests",
            dependencies: ["LuksAgent", "HaloCryptsetup", "HaloTesting", "halo-agent", "halo-agent-dl"],
            path: "Tests/LuksAgentTests",
            exclude: ["Fixtures"]),
        .testTarget(
            name: "HaloWriterTests",
            dependencies: ["halo-writer", "HaloSystem", "HaloTesting"],
            path: "Tests/HaloWriterTests"),
    ]
)
