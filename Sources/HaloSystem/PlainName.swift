/// Text an admin typed (a resource or instance name, which may contain `:` in a clone) as a
/// plain token for a state file's name or a CIB id: every character but letters, digits, `-`,
/// `_` and `.` becomes `_`.
public enum PlainName {
    public static func of(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
