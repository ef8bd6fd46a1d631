@testable import HaloSystem
import HaloTesting
import Testing

/// What halod tells systemd (`Type=notify`, `WatchdogSec=` in halod.service): the notifier reads
/// the variables systemd sets and sends `sd_notify(3)`'s datagrams.
@Suite("ServiceNotifier: sd_notify and the watchdog")
struct ServiceNotifierTests {
    @Test func watchdogInterval_isWatchdogUSecForThisProcess() {
        let notifier = ServiceNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": String(CurrentProcess.id)])
        #expect(notifier.watchdogInterval == .seconds(30))
    }

    @Test func watchdogInterval_withoutAPid_isStillThisProcesses() {
        #expect(ServiceNotifier(environment: ["WATCHDOG_USEC": "2000000"]).watchdogInterval == .seconds(2))
    }

    @Test(arguments: [
        ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"],     // meant for another process
        ["WATCHDOG_USEC": "0"],
        ["WATCHDOG_USEC": "soon"],
        [:],
    ])
    func watchdogInterval_isNil_whenThisProcessHasNoWatchdog(environment: [String: String]) {
        #expect(ServiceNotifier(environment: environment).watchdogInterval == nil)
    }

    @Test func watchdog_sendsWatchdog1_toTheNotifySocket() throws {
        let directory = TemporaryDirectory()
        let path = "\(directory.path)/notify.socket"
        let receiver = try DatagramReceiver(path: path)
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"])
        notifier.watchdog()
        #expect(String(decoding: receiver.receive(), as: UTF8.self) == "WATCHDOG=1")
        notifier.ready(status: "members 1\nquorate")
        #expect(String(decoding: receiver.receive(), as: UTF8.self) == "READY=1\nSTATUS=members 1 quorate")
    }

    @Test func withoutANotifySocket_nothingIsSent() throws {
        let directory = TemporaryDirectory()
        let receiver = try DatagramReceiver(path: "\(directory.path)/notify.socket")
        ServiceNotifier(environment: [:]).watchdog()
        #expect(receiver.receive().isEmpty)
        // No socket to send to, and no default one either (an empty NOTIFY_SOCKET is none).
        #expect(ServiceNotifier(environment: [:]).socketPath == nil)
        #expect(ServiceNotifier(environment: ["NOTIFY_SOCKET": ""]).socketPath == nil)
    }
}

@Suite("ServiceNotifier: when halod's loop pings the watchdog")
struct WatchdogScheduleTests {
    @Test func theNextPing_isDueAtHalfTheInterval() {
        let notifier = ServiceNotifier(environment: ["WATCHDOG_USEC": "30000000"])
        let last = ContinuousClock.now
        #expect(notifier.nextWatchdog(after: last) == last + .seconds(15))
    }

    @Test func withoutAWatchdog_noPingIsEverDue() {
        #expect(ServiceNotifier(environment: [:]).nextWatchdog(after: .now) == nil)
    }
}
