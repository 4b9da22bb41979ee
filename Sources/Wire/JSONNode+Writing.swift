extension JSONNode {
    /// The compact form Python's `json.dumps` writes by default: `", "` and `": "` separators,
    /// every character outside printable ASCII escaped as `\uXXXX` (lower-case hex).
    ///
    /// This is the canonical JSON encoding of SoccerStream: the original server wrote it, and
    /// the fixtures pin it byte for byte.
    public func pythonStyleBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(into: &output, indent: nil, level: 0)
        return output
    }

    /// An indented, human-readable form (two spaces a level), ASCII only, ending in a newline.
    public func prettyText() -> String {
        var output: [UInt8] = []
        write(into: &output, indent: 2, level: 0)
        output.append(0x0A)
        return String(decoding: output, as: UTF8.self)
    }

    private func write(into output: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number): output.append(contentsOf: "\(number)".utf8)
        case .string(let text): Self.writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            let scalarsOnly = elements.allSatisfy { if case .array = $0.value { false } else if case .object = $0.value { false } else { true } }
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if let indent, !scalarsOnly {
                    Self.newline(into: &output, spaces: indent * (level + 1))
                } else if position > 0 {
                    output.append(UInt8(ascii: " "))
                }
                element.write(into: &output, indent: indent, level: level + 1)
            }
            if let indent, !scalarsOnly, !elements.isEmpty { Self.newline(into: &output, spaces: indent * level) }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if let indent {
                    Self.newline(into: &output, spaces: indent * (level + 1))
                } else if position > 0 {
                    output.append(UInt8(ascii: " "))
                }
                Self.writeString(member.key, into: &output)
                output.append(contentsOf: ": ".utf8)
                member.node.write(into: &output, indent: indent, level: level + 1)
            }
            if let indent, !members.isEmpty { Self.newline(into: &output, spaces: indent * level) }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into output: inout [UInt8], spaces: Int) {
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal with Python's `ensure_ascii` escaping.
    public static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for unit in text.utf16 {
            switch unit {
            case 0x22: output.append(contentsOf: "\\\"".utf8)
            case 0x5C: output.append(contentsOf: "\\\\".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0x08: output.append(contentsOf: "\\b".utf8)
            case 0x0C: output.append(contentsOf: "\\f".utf8)
            case 0x20...0x7E: output.append(UInt8(unit))
            default:
                output.append(contentsOf: "\\u".utf8)
                output.append(hexDigits[Int(unit >> 12) & 0xF])
                output.append(hexDigits[Int(unit >> 8) & 0xF])
                output.append(hexDigits[Int(unit >> 4) & 0xF])
                output.append(hexDigits[Int(unit) & 0xF])
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
