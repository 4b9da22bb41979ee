import FileAccess
import Wire

/// Why `soccer-stream fixtures --describe FILE` could not describe a file. Its description is
/// safe to print on a terminal (``TerminalText/escaped(_:)``): a datagram's error may quote
/// its bytes.
public enum DescribeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(FileReadError)
    /// The file's bytes are not a datagram.
    case notADatagram(path: String, WireError)

    public var description: String {
        switch self {
        case .unreadable(let error): TerminalText.escaped(error.description)
        case .notADatagram(let path, let error): TerminalText.escaped("\(path) is not a datagram: \(error)")
        }
    }
}

extension GoldenFixtures {
    /// What `soccer-stream fixtures --describe FILE` prints: the decoded form of the datagram
    /// in the file at `path` (its fixture's `.json` expectation), escaped line by line for a
    /// terminal (``TerminalText/escapedLines(_:)``; the JSON text is ASCII already, its
    /// strings' controls written `\u001b`).
    ///
    /// - Throws: ``DescribeError``, the file unreadable (in plain words) or not a datagram.
    public static func describe(file path: String) throws(DescribeError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path)
        } catch {
            throw .unreadable(error)
        }
        do {
            return TerminalText.escapedLines(try expectation(of: bytes))
        } catch {
            throw .notADatagram(path: path, error)
        }
    }
}
