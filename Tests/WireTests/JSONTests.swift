import Testing
import Wire

@Suite("JSON")
struct JSONTests {
    func parse(_ text: String) throws(WireError) -> JSONNode { try JSONNode.parse(Array(text.utf8)) }

    @Test("writes Python json.dumps style with ensure_ascii escaping")
    func pythonStyle() {
        let node = JSONNode.object([
            ("a", .string("Galáticos \"x\"\n\u{7F}😀")), ("b", .array([.int(1), .int(-2)])), ("c", JSONNode(.bool(false))), ("d", JSONNode(.null)),
        ])
        #expect(
            String(decoding: node.pythonStyleBytes(), as: UTF8.self)
                == #"{"a": "Gal\u00e1ticos \"x\"\n\u007f\ud83d\ude00", "b": [1, -2], "c": false, "d": null}"#)
    }

    @Test("parses escapes, surrogate pairs, numbers and nesting, keeping member order and offsets")
    func parsing() throws {
        let node = try parse(#" {"z": "\u00e1\ud83d\ude00\/\t", "a": [1, -0, 2.5, 1e3, true, null], "m": {}} "#)
        guard case .object(let members) = node.value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
        #expect(members[0].node.value == .string("á😀/\t"))
        #expect(members[0].node.offset == 7)
        guard case .array(let elements) = members[1].node.value else {
            Issue.record("not an array")
            return
        }
        #expect(elements.map(\.value) == [.integer(1), .integer(0), .double(2.5), .double(1000), .bool(true), .null])
        #expect(elements.map(\.offset) == [39, 42, 46, 51, 56, 62])
        #expect(node.offset == 1)
    }

    @Test(
        "refuses malformed JSON with the offending byte's offset",
        arguments: [
            ("{\"a\": 1,}", 8), ("[1 2]", 3), ("{\"a\" 1}", 5), ("\"abc", 0), ("tru", 0), ("01", 0), ("1.", 2),
            ("\"\\x\"", 1), ("\"\\ud800\"", 1), ("\"\\udc00\"", 1), ("{\"a\": 1, \"a\": 2}", 9), ("[", 1), ("", 0),
            ("\"a\u{01}\"", 2), ("1e999", 0), ("{} {}", 3),
        ])
    func malformed(text: String, offset: Int) {
        do {
            _ = try parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.code == .invalidJSON || error.code == .invalidUTF8)
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test("refuses invalid UTF-8 inside strings and nesting past the depth limit")
    func limits() {
        #expect(throws: WireError.self) { try JSONNode.parse([0x22, 0xC3, 0x28, 0x22]) }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: WireError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect((try? parse(fine)) != nil)
    }
}
