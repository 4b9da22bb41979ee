extension Frame {
    /// Decodes one datagram as a SoccerStream frame.
    ///
    /// Total: every input yields a frame or a ``WireError`` naming the field and byte offset;
    /// no input traps, and no allocation exceeds the datagram or ``Compression/inflateLimit``.
    ///
    /// - Throws: ``WireError``: the header's errors (``FrameHeader/read(from:datagramSize:)``); a header
    ///   that breaks its kind's row of Spec §3 (``FrameKind/rules``); a body that does not inflate or
    ///   does not follow its kind's layout; ``WireError/Code/lengthMismatch`` for bytes after the body.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Frame {
        try decodeWithHeader(bytes).frame
    }

    /// Decodes one datagram, also returning its header as sent (with the compressed flag).
    ///
    /// - Returns: the header as sent and the frame.
    /// - Throws: ``WireError``, as ``decode(_:)`` does.
    public static func decodeWithHeader(_ bytes: [UInt8]) throws(WireError) -> (header: FrameHeader, frame: Frame) {
        var reader = ByteReader(bytes)
        let header = try FrameHeader.read(from: &reader, datagramSize: bytes.count)
        try checkKindRules(header)
        let sent = try reader.readBytes(Int(header.bodyLength), field: "body")
        let body: [UInt8]
        if header.compressed {
            // The header has checked that the dictionary is one this implementation holds.
            let dictionary = CompressionDictionary.withID(header.dictionary) ?? .none
            body = try Compression.inflate(sent, dictionary: dictionary.bytes, baseOffset: FrameHeader.size)
        } else {
            body = sent
        }
        // Offsets inside an inflated body are offsets in the inflated bytes, after the header.
        var bodyReader = ByteReader(body, base: FrameHeader.size)
        let eventType = EventType(rawValue: header.eventType)
        let frameBody: FrameBody
        switch header.kind {
        case .register:
            frameBody = .register(try RegisterRequest.read(from: &bodyReader))
        case .welcome:
            frameBody = .welcome(try Welcome.read(from: &bodyReader, header: header))
        case .refuse:
            frameBody = .refuse(try Refusal.read(from: &bodyReader))
        case .end:
            frameBody = .end(try EndOfMatch.read(from: &bodyReader))
        case .unregister:
            frameBody = .unregister
        case .heartbeat:
            frameBody = .heartbeat
        case .reset:
            frameBody = .reset
        case .challenge:
            frameBody = .challenge(try Challenge.read(from: &bodyReader))
        case .nack:
            frameBody = .nack(try SequenceRanges.read(from: &bodyReader))
        case .unavailable:
            frameBody = .unavailable(try SequenceRanges.read(from: &bodyReader))
        case .list:
            frameBody = .list(try ListRequest.read(from: &bodyReader))
        case .listing:
            frameBody = .listing(try MatchListing.read(from: &bodyReader))
        case .event where header.format == .json, .groupEvent where header.format == .json:
            let datagram = try OriginalDatagram(decoding: body, base: FrameHeader.size)
            try checkJSON(datagram, against: header)
            frameBody = .event(.json(datagram))
            bodyReader = ByteReader([], base: bytes.count)
        case .event, .groupEvent:
            frameBody = .event(
                .compact(
                    try CompactEvent.read(
                        from: &bodyReader, score: header.score, minute: header.minute, extended: header.extended, type: header.eventType)))
        }
        try bodyReader.expectEnd(field: "body")
        var frame = Frame(
            sequence: header.sequence, eventType: eventType, score: header.score, minute: header.minute, body: frameBody,
            subscription: header.subscription)
        frame.retransmission = header.retransmission
        frame.sourceLost = header.sourceLost
        frame.extended = header.extended
        if header.kind == .groupEvent {
            frame.groupSignature = try reader.readBytes(GroupSignature.size, field: "signature")
        }
        return (header, frame)
    }

    /// Checks the header against its kind's row of Spec §3 (``FrameKind/rules``): format,
    /// compression, body presence, event type, and the fields a kind leaves at 0.
    static func checkKindRules(_ header: FrameHeader) throws(WireError) {
        let rules = header.kind.rules
        let kind = header.kind.name
        guard rules.formats.contains(header.format) else {
            throw WireError(
                .unknownFormat, field: "header.flags.format", offset: 4,
                "\(kind) frames use \(rules.formats.map(\.name).joined(separator: " or ")), found \(header.format.name)")
        }
        if header.retransmission && header.kind != .event {
            throw WireError(.reservedBits, field: "header.flags.retransmission", offset: 4, "only event frames are retransmitted")
        }
        if header.extended && ![.welcome, .event, .groupEvent].contains(header.kind) {
            throw WireError(
                .reservedBits, field: "header.flags.extended", offset: 4,
                "only welcome, event and group event frames use the extended layout (Spec §4.13)")
        }
        if header.sourceLost && header.kind != .heartbeat {
            throw WireError(.reservedBits, field: "header.flags.sourceLost", offset: 4, "only heartbeat frames say the source is lost")
        }
        if header.compressed && !rules.allowsCompression(of: header.format) {
            throw WireError(.reservedBits, field: "header.flags.compressed", offset: 4, "only welcome and compact event bodies may be compressed")
        }
        if header.format == .none && header.bodyLength != 0 {
            throw WireError(
                .lengthMismatch, field: "header.bodyLength", offset: 13,
                "\(kind) frames have no body, found \(header.bodyLength) bytes")
        }
        if header.format != .none && header.bodyLength == 0 {
            throw WireError(.truncated, field: "body", offset: FrameHeader.size, "\(kind) frames need a body")
        }
        let eventTypes = rules.eventTypes(extended: header.extended)
        guard eventTypes.contains(header.eventType) else {
            let expected =
                eventTypes.count == 1
                ? "\(kind) frames carry event type \(eventTypes.lowerBound)"
                : "expected \(eventTypes.lowerBound)...\(eventTypes.upperBound)"
                    + (header.extended || eventTypes.upperBound != EventType.baseMaximum ? "" : " (9...13 only in extended frames)")
            throw WireError(
                rules.carriesScore ? .outOfRange : .reservedBits, field: "header.eventType", offset: 9,
                "event type \(header.eventType); \(expected)")
        }
        if !rules.carriesScore {
            guard header.score == .zero, header.minute == 0 else {
                throw WireError(.reservedBits, field: "header", offset: 10, "\(kind) frames carry score and minute 0")
            }
        }
        if header.kind == .groupEvent {
            guard header.subscription & 0xFFFF_FFFF == 0 else {
                throw WireError(
                    .reservedBits, field: "header.reserved", offset: FrameHeader.subscriptionOffset + 4,
                    "group-event frames carry the match id in bytes 15–18 and zero in 19–22")
            }
            guard header.subscription != 0 else {
                throw WireError(
                    .outOfRange, field: "header.match", offset: FrameHeader.subscriptionOffset,
                    "group-event frames carry their match id in bytes 15–18; found 0, which no match has")
            }
        }
        if rules.requiresSubscription && header.subscription == 0 {
            throw WireError(
                .outOfRange, field: "header.subscription", offset: FrameHeader.subscriptionOffset,
                "\(kind) frames carry the subscription identifier; found 0, which no subscription has")
        }
        if !rules.carriesSequence {
            guard header.sequence == 0 else {
                throw WireError(
                    .reservedBits, field: "header.sequence", offset: 5,
                    "\(kind) frames carry sequence 0, found \(header.sequence)")
            }
        }
    }

    /// Checks a JSON body against the header: `count` is the sequence, `time_passed` the
    /// minute, and the players' goals add up to the score.
    static func checkJSON(_ datagram: OriginalDatagram, against header: FrameHeader) throws(WireError) {
        guard datagram.message.count == header.sequence else {
            throw WireError(
                .inconsistent, field: "json.message.count", offset: FrameHeader.size,
                "count \(datagram.message.count) differs from the header's sequence \(header.sequence)")
        }
        guard datagram.message.timePassed == Int(header.minute) else {
            throw WireError(
                .inconsistent, field: "json.message.time_passed", offset: FrameHeader.size,
                "time_passed \(datagram.message.timePassed) differs from the header's minute \(header.minute)")
        }
        let totals = datagram.goalTotals
        guard totals.home == Int(header.score.home), totals.away == Int(header.score.away) else {
            throw WireError(
                .inconsistent, field: "header.score", offset: 10,
                "header says \(header.score.home)-\(header.score.away) but the players' goals add up to \(totals.home)-\(totals.away)")
        }
    }
}
