// In the package Wire is a module; Fuzz/build.sh compiles it all as one.
#if canImport(Wire)
import Wire
#endif

/// A data file an importer cannot use, located: the file, where in it (a match's number, an
/// event's index), the field, the byte offset with its line and column, and what was expected.
public struct ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file, as the user named it.
    public var file: String
    /// Which record of the file ("match 64", "event 1234"), if the error is inside one.
    public var record: String?
    /// What was wrong: its field path, byte offset and message (``WireError``).
    public var error: WireError
    /// The line and column (from 1) of ``WireError/offset`` in the file, when known.
    public var line: Int?
    public var column: Int?

    public init(file: String, record: String? = nil, error: WireError, in bytes: [UInt8]? = nil) {
        self.file = file
        self.record = record
        self.error = error
        if let bytes, error.offset >= 0, error.offset <= bytes.count {
            var (line, column) = (1, 1)
            for byte in bytes[..<error.offset] {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            (self.line, self.column) = (line, column)
        }
    }

    /// The JSON text of `file` (`bytes`, at most `maximumSize` of them), parsed: the one way
    /// every importer reads a file, its errors located in it.
    static func parse(_ bytes: [UInt8], file: String, maximumSize: Int) throws(ImportError) -> JSONNode {
        guard bytes.count <= maximumSize else {
            throw ImportError(file: file, error: WireError(.tooLarge, field: "file", offset: 0, "\(bytes.count) bytes; at most \(maximumSize)"))
        }
        do {
            return try JSONNode.parse(bytes)
        } catch {
            throw ImportError(file: file, error: error, in: bytes)
        }
    }

    public var description: String {
        let place = line.map { "line \($0), column \(column ?? 1), byte \(error.offset)" } ?? "byte \(error.offset)"
        return "\(file): \(record.map { "\($0): " } ?? "")\(error.field): \(error.message) (\(place); \(error.code.rawValue))"
    }
}
