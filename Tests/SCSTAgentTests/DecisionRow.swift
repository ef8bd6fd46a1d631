import Testing

/// One row of a decision table: what it is called, what goes in, what must come out, and where
/// the row was written (a failing row points there, not at the test function).
struct DecisionRow<Input: Sendable, Expected: Sendable>: CustomTestStringConvertible, Sendable {
    let label: String
    let input: Input
    let expected: Expected
    let location: SourceLocation

    init(_ label: String, _ input: Input, _ expected: Expected, location: SourceLocation = #_sourceLocation) {
        self.label = label
        self.input = input
        self.expected = expected
        self.location = location
    }

    var testDescription: String { label }
}
