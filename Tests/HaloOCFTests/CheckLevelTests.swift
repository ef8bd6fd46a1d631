import HaloOCF
import Testing

@Suite("CheckLevel: an unsupported level runs the next lower one")
struct CheckLevelTests {
    @Test(arguments: [
        (0, [0], 0), (10, [0], 0), (20, [0, 10], 10), (15, [0, 10, 20], 10), (25, [0, 10, 20], 20),
        (9, [0, 10, 20], 0), (10, [0, 20], 0), (1000, [0, 10], 10),
    ])
    func resolve(requested: Int, supported: [Int], expected: Int) {
        #expect(CheckLevel.resolve(requested, supported: supported.map(CheckLevel.init)) == CheckLevel(rawValue: expected))
    }
}
