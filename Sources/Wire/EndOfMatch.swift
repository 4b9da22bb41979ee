/// The body of an end frame. The header carries the final score, the last minute and the
/// sequence number of the last event sent, so a client also counts events lost at the tail.
public struct EndOfMatch: Sendable, Hashable, Codable {
    /// Why the stream ended.
    public var reason: EndReason

    /// Creates an end body.
    public init(reason: EndReason) {
        self.reason = reason
    }

    /// Appends the body.
    public func write(to writer: inout ByteWriter) {
        writer.writeUInt8(reason.rawValue)
    }

    /// Reads the body.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the body is empty, ``WireError/Code/outOfRange``
    ///   for a reason code outside 1...3.
    public static func read(from reader: inout ByteReader) throws(WireError) -> EndOfMatch {
        let offset = reader.offset
        let code = try reader.readUInt8(field: "body.reason")
        guard let reason = EndReason(rawValue: code) else {
            throw WireError(.outOfRange, field: "body.reason", offset: offset, "reason \(code); expected 1...3")
        }
        return EndOfMatch(reason: reason)
    }
}
