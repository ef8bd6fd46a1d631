/// The parameters of one agent: a struct whose stored properties are `Parameter` values.
///
/// The order of the stored properties is the order in meta-data and documentation. The core
/// finds them by reflection, so a parameter is written down once and cannot be forgotten in a
/// second list.
public protocol ParameterDeclarations {
    init()
}

extension ParameterDeclarations {
    /// Every declared parameter, in declaration order.
    static var parameters: [any AnyParameter] {
        Mirror(reflecting: Self()).children.compactMap { $0.value as? any AnyParameter }
    }

    /// The specs of every declared parameter, in declaration order.
    public static var specs: [ParameterSpec] { parameters.map(\.spec) }
}
