/// The body of a NACK or an unavailable frame (Spec §4.8): sequence numbers as ranges, each a
/// first sequence and a count, as RFC 4585's generic NACK lists lost packets compactly.
public struct SequenceRanges: Sendable, Hashable {
    /// One run of consecutive sequence numbers (it may cross the 2³² wrap).
    public struct Range: Sendable, Hashable {
        /// The first sequence number.
        public var first: UInt32
        /// How many, 1...``SequenceRanges/maximumCount``.
        public var count: UInt16

        /// Creates a range.
        public init(first: UInt32, count: UInt16) {
            self.first = first
            self.count = count
        }

        /// Its sequence numbers, in order.
        public var sequences: [UInt32] { (0..<UInt32(count)).map { first &+ $0 } }
    }

    /// The most ranges one frame carries.
    public static let maximumRanges = 32
    /// The most sequence numbers one range covers.
    public static let maximumCount: UInt16 = 1024

    /// The ranges, in the order given.
    public var ranges: [Range]

    /// Creates a body.
    public init(_ ranges: [Range]) {
        self.ranges = ranges
    }

    /// The ranges covering `sequences` (sorted by the caller, in stream order), merged where
    /// consecutive, split at ``maximumCount``; at most ``maximumRanges`` (the rest is left out).
    public init(covering sequences: [UInt32]) {
        var ranges: [Range] = []
        for sequence in sequences {
            if var last = ranges.last, last.first &+ UInt32(last.count) == sequence, last.count < Self.maximumCount {
                last.count += 1
                ranges[ranges.count - 1] = last
            } else if ranges.count < Self.maximumRanges {
                ranges.append(Range(first: sequence, count: 1))
            } else {
                break
            }
        }
        self.ranges = ranges
    }

    /// Every sequence number listed, in order.
    public var sequences: [UInt32] { ranges.flatMap(\.sequences) }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` when there are not 1...``maximumRanges`` ranges, or a
    ///   range's count is not 1...``maximumCount``.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard (1...Self.maximumRanges).contains(ranges.count) else {
            throw WireError(
                .outOfRange, field: "body.ranges", offset: writer.bytes.count,
                "\(ranges.count) ranges; expected 1...\(Self.maximumRanges)")
        }
        writer.writeUInt8(UInt8(ranges.count))
        for (index, range) in ranges.enumerated() {
            guard (1...Self.maximumCount).contains(range.count) else {
                throw WireError(
                    .outOfRange, field: "body.ranges[\(index)].count", offset: writer.bytes.count + 4,
                    "count \(range.count); expected 1...\(Self.maximumCount)")
            }
            writer.writeUInt32(range.first)
            writer.writeUInt16(range.count)
        }
    }

    /// Reads a body.
    static func read(from reader: inout ByteReader) throws(WireError) -> SequenceRanges {
        let countOffset = reader.offset
        let count = try reader.readUInt8(field: "body.ranges.count")
        guard (1...Self.maximumRanges).contains(Int(count)) else {
            throw WireError(.outOfRange, field: "body.ranges.count", offset: countOffset, "\(count) ranges; expected 1...\(Self.maximumRanges)")
        }
        var ranges: [Range] = []
        for index in 0..<Int(count) {
            let first = try reader.readUInt32(field: "body.ranges[\(index)].first")
            let lengthOffset = reader.offset
            let length = try reader.readUInt16(field: "body.ranges[\(index)].count")
            guard (1...Self.maximumCount).contains(length) else {
                throw WireError(
                    .outOfRange, field: "body.ranges[\(index)].count", offset: lengthOffset,
                    "count \(length); expected 1...\(Self.maximumCount)")
            }
            ranges.append(Range(first: first, count: length))
        }
        return SequenceRanges(ranges)
    }
}
