/// Appends big-endian fields to a growing byte array; the encoding twin of ``ByteReader``.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer, reserving `capacity` bytes.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte.
    public mutating func writeUInt8(_ value: UInt8) {
        bytes.append(value)
    }

    /// Appends a big-endian unsigned 16-bit integer.
    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian unsigned 32-bit integer.
    public mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian unsigned 64-bit integer.
    public mutating func writeUInt64(_ value: UInt64) {
        writeUInt32(UInt32(truncatingIfNeeded: value >> 32))
        writeUInt32(UInt32(truncatingIfNeeded: value))
    }

    /// Appends raw bytes.
    public mutating func writeBytes<S: Sequence>(_ values: S) where S.Element == UInt8 {
        bytes.append(contentsOf: values)
    }

    /// Appends a string prefixed by its UTF-8 length in one byte.
    ///
    /// - Parameters:
    ///   - text: the string to append.
    ///   - field: the field an error names (`"body.text"`).
    /// - Throws: ``WireError/Code/tooLarge`` when the string is longer than 255 bytes.
    public mutating func writeString8(_ text: String, field: String) throws(WireError) {
        let utf8 = Array(text.utf8)
        guard utf8.count <= Int(UInt8.max) else {
            throw WireError(.tooLarge, field: field, offset: bytes.count, "string of \(utf8.count) bytes exceeds 255")
        }
        bytes.append(UInt8(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}
