/// A problem reading a capture file: what, and the byte offset in the file where it was found.
public struct CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A broad classification.
    public enum Code: String, Sendable, Hashable {
        /// The file is neither classic pcap nor pcapng.
        case unknownFormat
        /// The file ends inside a header, record or block.
        case truncated
        /// A length or field is impossible.
        case malformed
        /// A link type this reader does not decode.
        case unsupportedLinkType
    }

    /// What went wrong.
    public var code: Code
    /// The byte offset in the file.
    public var offset: Int
    /// Details.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(code.rawValue) at byte \(offset): \(message)" }
}

/// Bounds-checked reads of little- or big-endian integers from a byte array.
struct ByteCursor {
    let bytes: [UInt8]
    var bigEndian: Bool

    func has(_ offset: Int, _ count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= bytes.count && count <= bytes.count - offset
    }

    func u16(_ offset: Int) -> UInt16? {
        guard has(offset, 2) else { return nil }
        let a = UInt16(bytes[offset])
        let b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    func u32(_ offset: Int) -> UInt32? {
        guard has(offset, 4) else { return nil }
        var value: UInt32 = 0
        for index in 0..<4 {
            let byte = UInt32(bytes[offset + (bigEndian ? index : 3 - index)])
            value = value << 8 | byte
        }
        return value
    }
}

/// Big-endian (network order) reads from a slice of packet bytes.
extension ArraySlice where Element == UInt8 {
    func be16(_ at: Int) -> Int? {
        let index = startIndex + at
        guard at >= 0, index + 1 < endIndex else { return nil }
        return Int(self[index]) << 8 | Int(self[index + 1])
    }

    func be32(_ at: Int) -> UInt32? {
        let index = startIndex + at
        guard at >= 0, index + 3 < endIndex else { return nil }
        return UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8 | UInt32(self[index + 3])
    }
}
