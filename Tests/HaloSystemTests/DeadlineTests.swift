import HaloSystem
import Testing

@Suite("Deadline: derived from CRM_meta_timeout minus a margin")
struct DeadlineTests {
    @Test(arguments: [
        (Duration.seconds(20), Duration.seconds(2)),
        (.seconds(2), .milliseconds(500)),
        (.seconds(100), .seconds(5)),
        (.seconds(240), .seconds(5)),
        (.seconds(5), .milliseconds(500)),
    ])
    func margin_isATenthBetweenHalfASecondAndFiveSeconds(timeout: Duration, margin: Duration) {
        #expect(Deadline.margin(for: timeout) == margin)
        let start = ContinuousClock.now
        #expect(Deadline.forAction(timeout: timeout, startedAt: start).instant == start + timeout - margin)
    }

    @Test func remaining_isNeverNegative_andPassedDeadlinesSaySo() {
        let now = ContinuousClock.now
        let past = Deadline(now - .seconds(1))
        #expect(past.remaining(now: now) == .zero)
        #expect(past.hasPassed(now: now))
        #expect(past.pollTimeout(now: now) == 0)
    }

    @Test func pollTimeout_roundsUp_soAPollNeverWakesEarly() {
        let now = ContinuousClock.now
        #expect(Deadline(now + .microseconds(1)).pollTimeout(now: now) == 1)
        #expect(Deadline(now + .milliseconds(1500)).pollTimeout(now: now) == 1500)
    }

    @Test func aPortion_leavesTheRestOfTheTime() {
        let now = ContinuousClock.now
        let deadline = Deadline(now + .seconds(10))
        #expect(deadline.portion(0.5, now: now).instant == now + .seconds(5))
        #expect(deadline.earlier(Deadline(now + .seconds(3))).instant == now + .seconds(3))
    }
}
