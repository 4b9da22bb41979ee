/// Text taken from data (datagrams, captures, file names) made safe to print on a terminal.
///
/// A datagram's team name, phrase or refusal text is the sender's choice: written to a
/// terminal as it is, `ESC[2J` clears the screen, `ESC]0;…BEL` retitles the window, and a
/// RIGHT-TO-LEFT OVERRIDE makes a line read differently from what it holds. Every plain-text
/// report (`validate`, `fixtures`) passes what it prints through ``escaped(_:)``, the one
/// escaping function, which replaces each character a terminal could act on instead of
/// showing:
///
/// - the C0 controls, U+0000 to U+001F, tab and line feed included (data never carries them
///   legitimately into a one-line field, and a line feed could forge a report line);
/// - DEL, U+007F;
/// - the C1 controls, U+0080 to U+009F (U+009B is a one-character CSI for some terminals);
/// - the bidirectional embeddings, overrides and isolates, U+202A to U+202E and U+2066 to
///   U+2069.
///
/// **The escape** is Swift's own syntax for a character: a backslash, `u{`, the scalar's
/// value in upper-case hexadecimal (at least two digits), and `}`: ESC is `\u{1B}`, BEL
/// `\u{07}`, a line feed `\u{0A}`, CSI `\u{9B}`, RIGHT-TO-LEFT OVERRIDE `\u{202E}`. Bytes that
/// are not UTF-8 (``escaped(utf8:)``) become `\x{` their value `}`, `\x{FF}`: a byte, not a
/// character.
///
/// Everything else passes unchanged: accents ("Galáticos", "Müller", "Mbappé"), other scripts
/// ("東京", "Москва", "القاهرة"), emoji, U+FFFD. A backslash is not escaped: the result is
/// for reading, not for decoding back, and escaping it again changes nothing, so a line may
/// go through the function twice without harm.
public enum TerminalText {
    /// `text` with every terminal control character (see ``TerminalText``) replaced by its
    /// visible escape, `\u{1B}`; other characters unchanged.
    public static func escaped(_ text: String) -> String {
        // The common case, printable ASCII, in one pass over the bytes.
        if isPrintableASCII(text, lineFeeds: false) { return text }
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result.append(contentsOf: escape(scalar).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Bytes shown as text: decoded as UTF-8, each byte that is not part of a valid UTF-8
    /// sequence shown as `\x{FF}`, and the characters escaped as ``escaped(_:)`` does.
    public static func escaped(utf8 bytes: some Collection<UInt8>) -> String {
        var text = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var rest = bytes[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                text.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                rest = rest.dropFirst(encoded.count)
            case .error(let length):
                for byte in rest.prefix(length) {
                    text += "\\x{" + hexadecimal(UInt32(byte)) + "}"
                }
                rest = rest.dropFirst(length)
            case .emptyInput:
                return escaped(text)
            }
        }
    }

    /// A multi-line text (a pretty-printed JSON description, a report) with each line escaped
    /// as ``escaped(_:)`` does, its line feeds kept.
    public static func escapedLines(_ text: String) -> String {
        // A log line is usually printable ASCII: nothing to split or escape (every server log
        // line passes here, three per registration).
        if isPrintableASCII(text, lineFeeds: true) { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { escaped(String($0)) }
            .joined(separator: "\n")
    }

    /// Whether every byte of `text` is printable ASCII (0x20 to 0x7E), or a line feed when
    /// `lineFeeds`: then it holds no control character.
    static func isPrintableASCII(_ text: String, lineFeeds: Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte > 0x7E {
                guard lineFeeds && byte == 0x0A else { return false }
            }
            return true
        }
    }

    /// Whether a terminal could act on `scalar` instead of showing it: a C0 or C1 control, DEL,
    /// or a bidirectional embedding, override or isolate.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The visible escape of `scalar`: `\u{1B}`.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + hexadecimal(scalar.value) + "}"
    }

    /// `value` in upper-case hexadecimal, at least two digits.
    static func hexadecimal(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count < 2 ? "0" + digits : digits
    }
}
