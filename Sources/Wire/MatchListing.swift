/// Where a match stands, as a listing reports it.
public enum MatchStatus: UInt8, Sendable, Hashable, CaseIterable, Codable {
    /// Not kicked off yet (waiting for clients, or for its feed's first event).
    case waiting = 0
    /// Being streamed.
    case live = 1
    /// Over (still answering repairs).
    case ended = 2

    /// A lower-case name, for reports.
    public var name: String {
        switch self {
        case .waiting: "waiting"
        case .live: "live"
        case .ended: "ended"
        }
    }
}

/// One match in a listing: what `client --list` prints.
public struct MatchSummary: Sendable, Hashable, Codable {
    /// The match's identifier (a welcome's `matchID`; what a register names).
    public var id: UInt32
    /// Where it stands.
    public var status: MatchStatus
    /// The match clock (minutes).
    public var minute: UInt8
    /// The score.
    public var score: Score
    /// Subscribed clients.
    public var viewers: UInt32
    /// The home team's name.
    public var home: String
    /// The away team's name.
    public var away: String

    /// Creates a summary.
    public init(id: UInt32, status: MatchStatus, minute: UInt8, score: Score, viewers: UInt32, home: String, away: String) {
        self.id = id
        self.status = status
        self.minute = minute
        self.score = score
        self.viewers = viewers
        self.home = home
        self.away = away
    }

    /// Its size on the wire.
    public var encodedSize: Int { 4 + 1 + 1 + 2 + 4 + 1 + home.utf8.count + 1 + away.utf8.count }

    func write(to writer: inout ByteWriter, index: Int) throws(WireError) {
        writer.writeUInt32(id)
        writer.writeUInt8(status.rawValue)
        writer.writeUInt8(minute)
        writer.writeUInt8(score.home)
        writer.writeUInt8(score.away)
        writer.writeUInt32(viewers)
        try writer.writeString8(home, field: "body.matches[\(index)].home")
        try writer.writeString8(away, field: "body.matches[\(index)].away")
    }

    static func read(from reader: inout ByteReader, index: Int) throws(WireError) -> MatchSummary {
        let id = try reader.readUInt32(field: "body.matches[\(index)].id")
        let statusOffset = reader.offset
        let code = try reader.readUInt8(field: "body.matches[\(index)].status")
        guard let status = MatchStatus(rawValue: code) else {
            throw WireError(
                .outOfRange, field: "body.matches[\(index)].status", offset: statusOffset,
                "status \(code); expected 0 (waiting), 1 (live) or 2 (ended)")
        }
        let minuteOffset = reader.offset
        let minute = try reader.readUInt8(field: "body.matches[\(index)].minute")
        guard minute <= FrameHeader.maximumMinute else {
            throw WireError(
                .outOfRange, field: "body.matches[\(index)].minute", offset: minuteOffset,
                "minute \(minute); expected 0...\(FrameHeader.maximumMinute)")
        }
        let home = try reader.readUInt8(field: "body.matches[\(index)].score.home")
        let away = try reader.readUInt8(field: "body.matches[\(index)].score.away")
        let viewers = try reader.readUInt32(field: "body.matches[\(index)].viewers")
        return MatchSummary(
            id: id, status: status, minute: minute, score: Score(home: home, away: away), viewers: viewers,
            home: try reader.readString8(field: "body.matches[\(index)].home"),
            away: try reader.readString8(field: "body.matches[\(index)].away"))
    }
}

/// The body of a listing frame (Spec §4.9): a page of the matches a server carries.
public struct MatchListing: Sendable, Hashable, Codable {
    /// How many matches the server carries in all.
    public var total: UInt16
    /// The index of this page's first match.
    public var offset: UInt16
    /// This page's matches (at most 255, within ``maximumFrameSize``).
    public var matches: [MatchSummary]

    /// The largest listing frame a server sends: one page fits any path's MTU.
    public static let maximumFrameSize = 1200

    /// Creates a page.
    public init(total: UInt16, offset: UInt16, matches: [MatchSummary]) {
        self.total = total
        self.offset = offset
        self.matches = matches
    }

    /// The page of `all` starting at `offset`: as many as fit in ``maximumFrameSize``.
    ///
    /// - Parameters:
    ///   - all: every match the server carries, in listing order.
    ///   - offset: the index of the page's first match; clamped to `0...all.count`.
    /// - Returns: at most 255 matches, with `total` the count of `all` (at most 65,535); empty past the end.
    public static func page(of all: [MatchSummary], from offset: Int) -> MatchListing {
        let start = min(max(0, offset), all.count)
        var size = FrameHeader.size + 5
        var page: [MatchSummary] = []
        for summary in all[start...] {
            guard page.count < 255, size + summary.encodedSize <= maximumFrameSize else { break }
            size += summary.encodedSize
            page.append(summary)
        }
        return MatchListing(total: UInt16(clamping: all.count), offset: UInt16(clamping: start), matches: page)
    }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` for more than 255 matches or matches past `total`;
    ///   ``WireError/Code/tooLarge`` for a team name over 255 bytes.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard matches.count <= 255, Int(offset) + matches.count <= Int(total) else {
            throw WireError(
                .outOfRange, field: "body.count", offset: writer.bytes.count + 4,
                "\(matches.count) matches from \(offset) of \(total)")
        }
        writer.writeUInt16(total)
        writer.writeUInt16(offset)
        writer.writeUInt8(UInt8(matches.count))
        for (index, summary) in matches.enumerated() { try summary.write(to: &writer, index: index) }
    }

    /// Reads the body.
    ///
    /// - Throws: ``WireError/Code/truncated`` when the body ends early; ``WireError/Code/outOfRange`` for matches
    ///   past `total`, an unknown status or a minute over ``FrameHeader/maximumMinute``;
    ///   ``WireError/Code/invalidUTF8`` for a team name that is not UTF-8.
    public static func read(from reader: inout ByteReader) throws(WireError) -> MatchListing {
        let total = try reader.readUInt16(field: "body.total")
        let offset = try reader.readUInt16(field: "body.offset")
        let countOffset = reader.offset
        let count = try reader.readUInt8(field: "body.count")
        guard Int(offset) + Int(count) <= Int(total) else {
            throw WireError(
                .outOfRange, field: "body.count", offset: countOffset,
                "\(count) matches from index \(offset) exceed the total of \(total)")
        }
        var matches: [MatchSummary] = []
        for index in 0..<Int(count) { matches.append(try MatchSummary.read(from: &reader, index: index)) }
        return MatchListing(total: total, offset: offset, matches: matches)
    }
}
