/// A cursor over a byte array that reads big-endian fields and reports where it failed.
///
/// Every read checks the bytes remaining first, so no read can trap or allocate more than
/// the input holds; errors carry the absolute offset (``base`` plus the cursor).
public struct ByteReader: Sendable {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// The position of the next byte to read, relative to the start of `bytes`.
    public private(set) var position: Int
    /// The offset that `bytes[0]` has in the enclosing datagram, used in error reports.
    public let base: Int

    /// Creates a reader at the start of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the bytes to read.
    ///   - base: the offset of `bytes[0]` in the enclosing datagram, added to every error's offset.
    public init(_ bytes: [UInt8], base: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.base = base
    }

    /// The number of bytes not yet read.
    public var remaining: Int { bytes.count - position }

    /// The absolute offset of the next byte.
    public var offset: Int { base + position }

    /// Throws ``WireError/Code/truncated`` unless `count` more bytes are present.
    ///
    /// - Parameters:
    ///   - count: the bytes needed from the cursor on.
    ///   - field: the field the error names (evaluated only when one is thrown).
    public func require(_ count: Int, field: @autoclosure () -> String) throws(WireError) {
        if count > remaining {
            throw WireError(
                .truncated, field: field(), offset: offset,
                "needs \(count) byte\(count == 1 ? "" : "s"), only \(remaining) left")
        }
    }

    /// The next byte without reading it, or `nil` at the end.
    public func peekUInt8() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    /// Reads one byte.
    ///
    /// - Parameter field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when no byte remains.
    public mutating func readUInt8(field: @autoclosure () -> String) throws(WireError) -> UInt8 {
        try require(1, field: field())
        let value = bytes[position]
        position += 1
        return value
    }

    /// Reads a big-endian unsigned 16-bit integer.
    ///
    /// - Parameter field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when fewer than 2 bytes remain.
    public mutating func readUInt16(field: @autoclosure () -> String) throws(WireError) -> UInt16 {
        try require(2, field: field())
        let value = UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
        position += 2
        return value
    }

    /// Reads a big-endian unsigned 32-bit integer.
    ///
    /// - Parameter field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when fewer than 4 bytes remain.
    public mutating func readUInt32(field: @autoclosure () -> String) throws(WireError) -> UInt32 {
        try require(4, field: field())
        var value: UInt32 = 0
        for index in position..<(position + 4) {
            value = value << 8 | UInt32(bytes[index])
        }
        position += 4
        return value
    }

    /// Reads a big-endian unsigned 64-bit integer.
    ///
    /// - Parameter field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when fewer than 8 bytes remain.
    public mutating func readUInt64(field: @autoclosure () -> String) throws(WireError) -> UInt64 {
        try require(8, field: field())
        let high = try readUInt32(field: field())
        return UInt64(high) << 32 | UInt64(try readUInt32(field: field()))
    }

    /// Reads `count` raw bytes.
    ///
    /// - Parameters:
    ///   - count: how many bytes to read.
    ///   - field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when fewer than `count` bytes remain.
    public mutating func readBytes(_ count: Int, field: @autoclosure () -> String) throws(WireError) -> [UInt8] {
        try require(count, field: field())
        let slice = Array(bytes[position..<(position + count)])
        position += count
        return slice
    }

    /// Reads a string prefixed by its UTF-8 length in one byte.
    ///
    /// - Parameter field: the field an error names (evaluated only when one is thrown).
    /// - Throws: ``WireError/Code/truncated`` when the length byte or the string's bytes are
    ///   missing, ``WireError/Code/invalidUTF8`` when the bytes are not valid UTF-8.
    public mutating func readString8(field: @autoclosure () -> String) throws(WireError) -> String {
        let start = offset
        let length = Int(try readUInt8(field: field()))
        try require(length, field: field())
        let slice = bytes[position..<(position + length)]
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw WireError(.invalidUTF8, field: field(), offset: start + 1, "string of \(length) bytes is not valid UTF-8")
        }
        position += length
        return text
    }

    /// Throws ``WireError/Code/lengthMismatch`` if any bytes are left unread.
    ///
    /// - Parameter field: the field the error names (evaluated only when one is thrown).
    public func expectEnd(field: @autoclosure () -> String) throws(WireError) {
        if remaining != 0 {
            throw WireError(
                .lengthMismatch, field: field(), offset: offset,
                "\(remaining) unexpected trailing byte\(remaining == 1 ? "" : "s")")
        }
    }
}
