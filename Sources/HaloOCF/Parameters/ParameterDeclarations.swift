import Synchronization

/// The parameters of one agent: a struct whose stored `let` properties are `Parameter` values.
///
/// The order of the stored properties is the order in meta-data and documentation. The core
/// learns them by constructing the struct once while listening: each `Parameter` announces
/// itself as it is initialised, so a parameter is written down once and cannot be forgotten in
/// a second list. (Reflection with `Mirror` finds the same list, and a unit test checks that
/// it does, but it costs about 0.4 ms of every agent invocation in type demangling, measured
/// with callgrind: a third of a monitor's own work.)
public protocol ParameterDeclarations {
    init()
}

extension ParameterDeclarations {
    /// Every declared parameter, in declaration order.
    static var parameters: [any AnyParameter] { recorded().parameters }

    /// An instance, and the parameters its construction announced, in declaration order.
    static func recorded() -> (instance: Self, parameters: [any AnyParameter]) {
        let recorder = DeclarationRecorder()
        let instance = DeclarationRecorder.$current.withValue(recorder) { Self() }
        return (instance, recorder.entries.withLock { $0 })
    }

    /// The specs of every declared parameter, in declaration order.
    public static var specs: [ParameterSpec] { parameters.map(\.spec) }

    /// The declared parameters found by reflection, for the test that keeps both ways in step.
    static var reflectedParameters: [any AnyParameter] {
        Mirror(reflecting: Self()).children.compactMap { $0.value as? any AnyParameter }
    }
}

/// Collects the parameters initialised while a declarations struct is being constructed.
final class DeclarationRecorder: Sendable {
    /// The recorder of the construction in progress on this thread, if any.
    @TaskLocal static var current: DeclarationRecorder?

    let entries = Mutex<[any AnyParameter]>([])

    /// Called by every `Parameter` initialiser.
    static func announce(_ parameter: any AnyParameter) {
        current?.entries.withLock { $0.append(parameter) }
    }
}
