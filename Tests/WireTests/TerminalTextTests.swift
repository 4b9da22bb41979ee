import Testing
import Wire

@Suite("Terminal text: data made safe to print")
struct TerminalTextTests {
    /// The scalars a terminal acts on, which no escaped text may hold.
    static func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.filter(TerminalText.isControl).map(\.value)
    }

    @Test(
        "ESC sequences (CSI, OSC), BEL, NUL, DEL, C1 CSI and the bidi controls become visible \\u{…} escapes",
        arguments: [
            ("\u{1B}[2J\u{1B}]0;pwned\u{07}", #"\u{1B}[2J\u{1B}]0;pwned\u{07}"#),
            ("red\u{1B}[31mALERT\u{1B}[0m", #"red\u{1B}[31mALERT\u{1B}[0m"#),
            ("\u{9B}2J", #"\u{9B}2J"#),
            ("\u{90}q\u{9C}", #"\u{90}q\u{9C}"#),
            ("a\u{0}b", #"a\u{00}b"#),
            ("del\u{7F}", #"del\u{7F}"#),
            ("tab\tnew\nline\r", #"tab\u{09}new\u{0A}line\u{0D}"#),
            ("Real \u{202E}dirdaM\u{202C}", #"Real \u{202E}dirdaM\u{202C}"#),
            ("\u{202A}\u{202B}\u{202D}\u{2066}\u{2067}\u{2068}\u{2069}", #"\u{202A}\u{202B}\u{202D}\u{2066}\u{2067}\u{2068}\u{2069}"#),
        ])
    func hostile(text: String, expected: String) {
        let escaped = TerminalText.escaped(text)
        #expect(escaped == expected)
        #expect(Self.controls(in: escaped).isEmpty)
        #expect(TerminalText.escaped(escaped) == escaped, "escaping twice changes nothing")
    }

    @Test(
        "names with accents, other scripts and emoji pass unchanged",
        arguments: [
            "Galáticos", "Müller", "Mbappé", "São Paulo FC", "Ødegaard", "Łukasz Piszczek", "Ibrahimović",
            "東京ヴェルディ", "Москва", "القاهرة", "תל אביב", "서울", "⚽️ 2-1 🏆", "back\\slash", "\u{FFFD}", "",
        ])
    func benign(name: String) {
        #expect(TerminalText.escaped(name) == name)
    }

    @Test("bytes that are not UTF-8 show as \\x{…}, the valid characters around them as escaped(_:) shows them")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x4D, 0xC3, 0xBC, 0xFF, 0x6C, 0xC3, 0x1B, 0x5B, 0x32, 0x4A, 0xE2, 0x82, 0xED, 0xA0, 0x80]
        let escaped = TerminalText.escaped(utf8: bytes)
        #expect(escaped == #"Mü\x{FF}l\x{C3}\u{1B}[2J\x{E2}\x{82}\x{ED}\x{A0}\x{80}"#)
        #expect(TerminalText.escaped(utf8: Array("Mbappé ⚽️".utf8)) == "Mbappé ⚽️")
        #expect(TerminalText.escaped(utf8: [UInt8]()) == "")
    }

    @Test("escapedLines keeps a multi-line report's line feeds and escapes within each line")
    func lines() {
        #expect(TerminalText.escapedLines("{\n  \"a\": \"x\u{1B}c\"\n}\n") == "{\n  \"a\": \"x\\u{1B}c\"\n}\n")
    }

    @Test("an original-protocol text datagram's error quotes its bytes escaped, invalid UTF-8 included")
    func unknownTextPreview() {
        let bytes: [UInt8] = Array("\u{1B}[2J\u{1B}]0;pwned\u{07}".utf8) + [0xFF, 0xFE]
        let error = #expect(throws: WireError.self) { try OriginalPacket.decode(bytes) }
        let message = error?.message ?? ""
        #expect(message.contains(#""\u{1B}[2J\u{1B}]0;pwned\u{07}\x{FF}\x{FE}""#), "\(message)")
        #expect(Self.controls(in: message).isEmpty)
    }
}
