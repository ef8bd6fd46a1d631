/// An XML element as Pacemaker's tools print it: a name, attributes in document order, child
/// elements and text. A small non-validating parser for their machine-readable output
/// (`cibadmin --query`, `crm_mon --output-as=xml`, `crm_resource --output-as=xml`) — no DTDs,
/// no namespaces, no external entities, so nothing in the input can make it fetch or expand
/// anything.
public struct XMLElement: Sendable, Hashable {
    public let name: String
    public let attributes: [(name: String, value: String)]
    public let children: [XMLElement]
    public let text: String

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.children == rhs.children && lhs.text == rhs.text
            && lhs.attributes.map(\.name) == rhs.attributes.map(\.name) && lhs.attributes.map(\.value) == rhs.attributes.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for attribute in attributes { hasher.combine(attribute.name); hasher.combine(attribute.value) }
        hasher.combine(children)
    }

    public subscript(_ attribute: String) -> String? {
        for item in attributes where item.name == attribute { return item.value }
        return nil
    }

    /// Direct children named `name`.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The first direct child named `name`.
    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }

    /// Every element below this one (depth first, document order) named `name`.
    public func descendants(_ name: String) -> [XMLElement] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.descendants(name) }
    }

    /// Parses a document and returns its root element.
    public static func parse(_ text: String) throws(XMLParseError) -> XMLElement {
        var parser = XMLParser(Array(text.utf8))
        return try parser.document()
    }
}

/// Why a document could not be read.
public struct XMLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let problem: String
    public var description: String { "XML: \(problem) at byte \(offset)" }
}

struct XMLParser {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ problem: String) -> XMLParseError { XMLParseError(offset: index, problem: problem) }

    var atEnd: Bool { index >= bytes.count }
    func peek(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        return bytes.count - index >= needle.count && Array(bytes[index..<index + needle.count]) == needle
    }

    mutating func skipSpace() {
        while !atEnd, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
    }

    /// Skips `<?…?>`, `<!--…-->` and `<!DOCTYPE …>` (without internal subsets: Pacemaker's tools print none).
    mutating func skipMisc() throws(XMLParseError) {
        while true {
            skipSpace()
            if peek("<?") { try skip(past: "?>") } else if peek("<!--") { try skip(past: "-->") } else if peek("<!DOCTYPE") {
                try skip(past: ">")
            } else { return }
        }
    }

    mutating func skip(past terminator: String) throws(XMLParseError) {
        while !atEnd && !peek(terminator) { index += 1 }
        guard !atEnd else { throw fail("unterminated \(terminator)") }
        index += terminator.utf8.count
    }

    mutating func document() throws(XMLParseError) -> XMLElement {
        try skipMisc()
        let root = try element()
        try skipMisc()
        guard atEnd else { throw fail("content after the root element") }
        return root
    }

    mutating func name() throws(XMLParseError) -> String {
        let start = index
        while !atEnd, !([0x20, 0x09, 0x0a, 0x0d, UInt8(ascii: ">"), UInt8(ascii: "/"), UInt8(ascii: "=")].contains(bytes[index])) {
            index += 1
        }
        guard index > start else { throw fail("a name was expected") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func element() throws(XMLParseError) -> XMLElement {
        guard !atEnd, bytes[index] == UInt8(ascii: "<") else { throw fail("an element was expected") }
        index += 1
        let elementName = try name()
        var attributes: [(String, String)] = []
        while true {
            skipSpace()
            guard !atEnd else { throw fail("unterminated tag \(elementName)") }
            if peek("/>") {
                index += 2
                return XMLElement(name: elementName, attributes: attributes, children: [], text: "")
            }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                break
            }
            let attributeName = try name()
            skipSpace()
            guard !atEnd, bytes[index] == UInt8(ascii: "=") else { throw fail("= expected after \(attributeName)") }
            index += 1
            skipSpace()
            guard !atEnd, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("a quoted value expected for \(attributeName)")
            }
            let quote = bytes[index]
            index += 1
            let start = index
            while !atEnd && bytes[index] != quote { index += 1 }
            guard !atEnd else { throw fail("unterminated value of \(attributeName)") }
            attributes.append((attributeName, try Self.decodeEntities(bytes[start..<index], at: start)))
            index += 1
        }
        var children: [XMLElement] = []
        var text = ""
        while true {
            guard !atEnd else { throw fail("unterminated element \(elementName)") }
            if peek("</") {
                index += 2
                let closing = try name()
                guard closing == elementName else { throw fail("</\(closing)> closes <\(elementName)>") }
                skipSpace()
                guard !atEnd, bytes[index] == UInt8(ascii: ">") else { throw fail("> expected") }
                index += 1
                return XMLElement(name: elementName, attributes: attributes, children: children, text: text)
            }
            if peek("<!--") { try skip(past: "-->"); continue }
            if peek("<![CDATA[") {
                index += 9
                let start = index
                try skip(past: "]]>")
                text += String(decoding: bytes[start..<(index - 3)], as: UTF8.self)
                continue
            }
            if bytes[index] == UInt8(ascii: "<") {
                children.append(try element())
                continue
            }
            let start = index
            while !atEnd && bytes[index] != UInt8(ascii: "<") { index += 1 }
            text += try Self.decodeEntities(bytes[start..<index], at: start)
        }
    }

    /// Replaces the five predefined entities and character references.
    static func decodeEntities(_ raw: ArraySlice<UInt8>, at offset: Int) throws(XMLParseError) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else {
                throw XMLParseError(offset: offset, problem: "unterminated entity")
            }
            let entity = rest[rest.index(after: ampersand)..<semicolon]
            switch entity {
            case "lt": result += "<"
            case "gt": result += ">"
            case "amp": result += "&"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalar: UInt32?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst())
                } else { scalar = nil }
                guard let scalar, let unicode = Unicode.Scalar(scalar) else {
                    throw XMLParseError(offset: offset, problem: "unknown entity &\(entity);")
                }
                result.unicodeScalars.append(unicode)
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }

    /// Escapes text for an attribute value or character data.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension XMLElement {
    /// Escapes `text` for use in XML halo writes (constraints for cibadmin).
    public static func escape(_ text: String) -> String { XMLParser.escape(text) }
}

extension XMLElement {
    public init(_ name: String, attributes: [(name: String, value: String)] = [], children: [XMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The element as XML text (attributes in their order, text escaped; comments and the
    /// original whitespace are not kept): for handing a modified CIB to Pacemaker's tools.
    public var rendered: String {
        var output = ""
        render(into: &output)
        return output
    }

    func render(into output: inout String) {
        output += "<\(name)"
        for attribute in attributes { output += " \(attribute.name)=\"\(Self.escape(attribute.value))\"" }
        if children.isEmpty && text.isEmpty {
            output += "/>"
            return
        }
        output += ">"
        // Indentation between child elements is not content.
        if children.isEmpty || text.contains(where: { !$0.isWhitespace }) { output += Self.escape(text) }
        for child in children { child.render(into: &output) }
        output += "</\(name)>"
    }

    /// A copy with `transform` applied to every element below (and including) this one, depth
    /// first; a transform returning nil removes the element.
    public func rewritten(_ transform: (XMLElement) -> XMLElement?) -> XMLElement? {
        let copy = XMLElement(name: name, attributes: attributes, children: children.compactMap { $0.rewritten(transform) }, text: text)
        return transform(copy)
    }

    /// A copy with `child` appended.
    public func appending(_ child: XMLElement) -> XMLElement {
        XMLElement(name: name, attributes: attributes, children: children + [child], text: text)
    }
}
