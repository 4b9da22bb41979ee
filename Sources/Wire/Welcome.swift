/// The body of a welcome frame: the format chosen for this client and everything a compact
/// decoder needs (roster and phrase catalogue), plus the latest event so that a client
/// joining late shows the full line-ups at once.
///
/// The header carries the latest event's sequence, type, score and minute (all zero before
/// kick-off).
public struct Welcome: Sendable, Hashable, Codable {
    /// The body format this client's event frames will use.
    public var format: BodyFormat
    /// The id of the preset dictionary this client's compressed bodies use from this welcome
    /// on (0: none); always one the client's register listed (Spec §4.4).
    public var dictionary: UInt8
    /// An identifier of the match being streamed.
    public var matchID: UInt32
    /// How often the client should send a heartbeat, in seconds (0: never).
    public var heartbeatSeconds: UInt8
    /// The server's nominal time between consecutive events, in microseconds: event `n` is
    /// scheduled `n × interval` after event 0, which a client needs for interarrival jitter.
    public var intervalMicroseconds: UInt32
    /// The nominal seconds between events a receiver's jitter and plausibility use (Spec §4.3,
    /// §6.1), or nil when the welcome announces 0: an unpaced match (a feed), with no schedule.
    public var nominalInterval: Double? {
        intervalMicroseconds > 0 ? Double(intervalMicroseconds) / 1_000_000 : nil
    }
    /// Both team sheets.
    public var roster: Roster
    /// The words of the match.
    public var catalog: PhraseCatalog
    /// The latest event's body, if the match has started.
    public var current: CompactEvent?
    /// The multicast group the server sends its events to and the key that signs them, when it
    /// has one (Spec §4.11); absent from the body otherwise.
    public var multicast: MulticastOffer?

    /// Creates a welcome.
    public init(
        format: BodyFormat, dictionary: UInt8 = 0, matchID: UInt32, heartbeatSeconds: UInt8, intervalMicroseconds: UInt32,
        roster: Roster, catalog: PhraseCatalog, current: CompactEvent?
    ) {
        self.format = format
        self.dictionary = dictionary
        self.matchID = matchID
        self.heartbeatSeconds = heartbeatSeconds
        self.intervalMicroseconds = intervalMicroseconds
        self.roster = roster
        self.catalog = catalog
        self.current = current
    }

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/unknownFormat`` when the format is `none`; ``WireError/Code/outOfRange``
    ///   for a dictionary not held, a team of 0 or more than 126 players, a catalogue without 1...255
    ///   templates for each event type, or an invalid multicast offer; ``WireError/Code/tooLarge`` for a
    ///   string over 255 bytes, or more than 255 goals or red cards in the current event;
    ///   ``WireError/Code/inconsistent`` when the roster or the current event needs the extended
    ///   layout (Spec §4.13) and `extended` is false.
    public func write(to writer: inout ByteWriter, extended: Bool = false) throws(WireError) {
        guard format == .json || format == .compact else {
            throw WireError(.unknownFormat, field: "body.format", offset: writer.bytes.count, "a welcome must choose json or compact")
        }
        _ = try CompressionDictionary.named(dictionary, field: "body.dictionary", offset: writer.bytes.count)
        writer.writeUInt8(format.rawValue)
        writer.writeUInt8(dictionary)
        writer.writeUInt32(matchID)
        writer.writeUInt8(heartbeatSeconds)
        writer.writeUInt32(intervalMicroseconds)
        guard extended || !roster.needsExtension else {
            throw WireError(
                .inconsistent, field: "body.roster", offset: writer.bytes.count,
                "a real match's line-ups (starters, formation, unknown line-up) need the extended layout")
        }
        try Self.writeRoster(roster, to: &writer, extended: extended)
        try Self.writeCatalog(catalog, to: &writer, extended: extended)
        if let current {
            writer.writeUInt8(1)
            try current.write(to: &writer, extended: extended)
        } else {
            writer.writeUInt8(0)
        }
        try multicast?.write(to: &writer)
    }

    /// Appends both team sheets as a welcome carries them (Spec §4.3).
    static func writeRoster(_ roster: Roster, to writer: inout ByteWriter, extended: Bool = false) throws(WireError) {
        for side in Side.allCases {
            let sheet = roster[side]
            let path = "body.roster.\(side == .home ? "home" : "away")"
            let allowed = extended ? 0...126 : 1...126
            guard allowed.contains(sheet.players.count) else {
                throw WireError(
                    .outOfRange, field: "\(path).players", offset: writer.bytes.count,
                    "\(sheet.players.count) players; expected \(allowed.lowerBound)...126")
            }
            try writer.writeString8(sheet.name, field: "\(path).name")
            try writer.writeString8(sheet.keeper, field: "\(path).keeper")
            writer.writeUInt8(UInt8(sheet.players.count))
            for (index, player) in sheet.players.enumerated() {
                try writer.writeString8(player.name, field: "\(path).players[\(index)].name")
                try writer.writeString8(player.position, field: "\(path).players[\(index)].position")
            }
            if extended { try writeSheetExtension(sheet, to: &writer, path: path) }
        }
    }

    /// Appends a phrase catalogue as a welcome carries it (Spec §4.3).
    static func writeCatalog(_ catalog: PhraseCatalog, to writer: inout ByteWriter, extended: Bool = false) throws(WireError) {
        try writer.writeString8(catalog.language, field: "body.catalog.language")
        try writer.writeString8(catalog.scoreTemplate, field: "body.catalog.scoreTemplate")
        let kinds = catalogKinds(extended: extended)
        guard catalog.eventNames.count >= kinds.count, catalog.templates.count >= kinds.count else {
            throw WireError(
                .outOfRange, field: "body.catalog", offset: writer.bytes.count,
                "a catalogue needs a name and templates for each of the \(kinds.count) event types")
        }
        for type in kinds {
            let path = "body.catalog.\(type.identifier)"
            let templates = catalog.templates(of: type)
            guard (1...255).contains(templates.count) else {
                throw WireError(
                    .outOfRange, field: "\(path).templates", offset: writer.bytes.count,
                    "\(templates.count) templates; expected 1...255")
            }
            try writer.writeString8(catalog.name(of: type), field: "\(path).name")
            writer.writeUInt8(UInt8(templates.count))
            for (index, template) in templates.enumerated() {
                try writer.writeString8(template, field: "\(path).templates[\(index)]")
            }
        }
    }

    /// Reads the body; `header` supplies the latest event's type, score and minute.
    ///
    /// - Parameters:
    ///   - reader: a reader at the body's first byte; a multicast offer is read when bytes remain.
    ///   - header: the frame's header: the latest event's type, score and minute, and the compression dictionary.
    /// - Throws: ``WireError/Code/truncated`` when the body ends early; ``WireError/Code/unknownFormat`` for a
    ///   format other than json or compact; ``WireError/Code/outOfRange`` for a dictionary not held, a team of
    ///   0 or over 126 players, an event type without templates, a current-event flag other than 0 or 1, or what
    ///   ``check(_:type:roster:catalog:offset:)`` refuses; ``WireError/Code/inconsistent`` when the body and the
    ///   header disagree (dictionary, current event, score, minute) or the current event contradicts itself;
    ///   ``WireError/Code/invalidUTF8`` for a string that is not UTF-8.
    public static func read(from reader: inout ByteReader, header: FrameHeader) throws(WireError) -> Welcome {
        let formatOffset = reader.offset
        let formatCode = try reader.readUInt8(field: "body.format")
        guard let format = BodyFormat(rawValue: formatCode), format != .none else {
            throw WireError(.unknownFormat, field: "body.format", offset: formatOffset, "format \(formatCode); expected json (1) or compact (2)")
        }
        let dictionaryOffset = reader.offset
        let dictionary = try reader.readUInt8(field: "body.dictionary")
        _ = try CompressionDictionary.named(dictionary, field: "body.dictionary", offset: dictionaryOffset)
        // The welcome itself is compressed with the dictionary it announces (Spec §4.4).
        guard header.dictionary == 0 || header.dictionary == dictionary else {
            throw WireError(
                .inconsistent, field: "body.dictionary", offset: dictionaryOffset,
                "announces dictionary \(dictionary) but the header says the body was compressed with \(header.dictionary)")
        }
        let matchID = try reader.readUInt32(field: "body.matchID")
        let heartbeat = try reader.readUInt8(field: "body.heartbeatSeconds")
        let interval = try reader.readUInt32(field: "body.intervalMicroseconds")
        var sheets: [TeamSheet] = []
        for side in Side.allCases {
            let path = "body.roster.\(side == .home ? "home" : "away")"
            let name = try reader.readString8(field: "\(path).name")
            let keeper = try reader.readString8(field: "\(path).keeper")
            let countOffset = reader.offset
            let count = Int(try reader.readUInt8(field: "\(path).players.count"))
            let allowed = header.extended ? 0...126 : 1...126
            guard allowed.contains(count) else {
                throw WireError(
                    .outOfRange, field: "\(path).players.count", offset: countOffset,
                    "\(count) players; expected \(allowed.lowerBound)...126")
            }
            var players: [RosterPlayer] = []
            for index in 0..<count {
                let playerName = try reader.readString8(field: "\(path).players[\(index)].name")
                let position = try reader.readString8(field: "\(path).players[\(index)].position")
                players.append(RosterPlayer(name: playerName, position: position))
            }
            var sheet = TeamSheet(name: name, keeper: keeper, players: players)
            if header.extended { try readSheetExtension(from: &reader, into: &sheet, path: path) }
            sheets.append(sheet)
        }
        let roster = Roster(home: sheets[0], away: sheets[1])
        // The extended layout is a real match's (Spec §4.13): its sheets say so.
        guard !header.extended || roster.needsExtension else {
            throw WireError(
                .inconsistent, field: "body.roster", offset: reader.offset,
                "an extended welcome whose sheets name no starters, formation or unknown line-up: not a real match's")
        }
        let language = try reader.readString8(field: "body.catalog.language")
        let scoreTemplate = try reader.readString8(field: "body.catalog.scoreTemplate")
        var names: [String] = []
        var templates: [[String]] = []
        for type in catalogKinds(extended: header.extended) {
            let path = "body.catalog.\(type.identifier)"
            names.append(try reader.readString8(field: "\(path).name"))
            let countOffset = reader.offset
            let count = Int(try reader.readUInt8(field: "\(path).templates.count"))
            guard count >= 1 else {
                throw WireError(.outOfRange, field: "\(path).templates.count", offset: countOffset, "no templates; expected 1...255")
            }
            var list: [String] = []
            for index in 0..<count {
                list.append(try reader.readString8(field: "\(path).templates[\(index)]"))
            }
            templates.append(list)
        }
        let catalog = PhraseCatalog(language: language, scoreTemplate: scoreTemplate, eventNames: names, templates: templates)
        let flagOffset = reader.offset
        let hasCurrent = try reader.readUInt8(field: "body.current")
        var current: CompactEvent?
        switch hasCurrent {
        case 0:
            guard header.eventType == 0, header.score == .zero, header.minute == 0 else {
                throw WireError(
                    .inconsistent, field: "body.current", offset: flagOffset,
                    "no current event, but the header carries an event type, score or minute")
            }
        case 1:
            guard let type = EventType(rawValue: header.eventType), header.extended || type.isBase else {
                throw WireError(
                    .inconsistent, field: "header.eventType", offset: 9,
                    "a welcome with a current event needs its type 1...\(header.extended ? 13 : 8), found \(header.eventType)")
            }
            let bodyStart = reader.offset
            let event = try CompactEvent.read(
                from: &reader, score: header.score, minute: header.minute, extended: header.extended, type: header.eventType)
            try check(event, type: type, roster: roster, catalog: catalog, offset: bodyStart)
            current = event
        default:
            throw WireError(.outOfRange, field: "body.current", offset: flagOffset, "flag \(hasCurrent); expected 0 or 1")
        }
        var welcome = Welcome(
            format: format, dictionary: dictionary, matchID: matchID, heartbeatSeconds: heartbeat,
            intervalMicroseconds: interval, roster: roster, catalog: catalog, current: current)
        if reader.remaining > 0 {
            welcome.multicast = try MulticastOffer.read(from: &reader)
        }
        return welcome
    }

    /// Checks that `event`'s template and players exist in `catalog` and `roster`.
    ///
    /// - Parameters:
    ///   - event: a welcome's current event.
    ///   - type: its event type, from the header.
    ///   - roster: the welcome's team sheets.
    ///   - catalog: the welcome's phrase catalogue.
    ///   - offset: the byte offset of the event's body, for errors.
    /// - Throws: ``WireError/Code/outOfRange`` (field `body.current.template`, `.actor`, `.opponent` or
    ///   `.state`) when the template, a player or an incident's player is not in `catalog` or `roster`.
    public static func check(_ event: CompactEvent, type: EventType, roster: Roster, catalog: PhraseCatalog, offset: Int) throws(WireError) {
        guard Int(event.template) < catalog.templates(of: type).count else {
            throw WireError(
                .outOfRange, field: "body.current.template", offset: offset,
                "template \(event.template) of \(type.identifier); the catalogue has \(catalog.templates(of: type).count)")
        }
        for (name, player, at) in [("actor", event.actor, 1), ("opponent", event.opponent, 2)] where !roster.contains(player) {
            throw WireError(.outOfRange, field: "body.current.\(name)", offset: offset + at, "player 0x\(hex(player.byte)) is not on the roster")
        }
        let state = event.state
        let named =
            (state.goals + state.redCards + state.yellowCards).map(\.player) + state.substitutions.flatMap { [$0.off, $0.on] }
            + state.shootout.map(\.player)
        for player in named where !roster.contains(player) {
            throw WireError(.outOfRange, field: "body.current.state", offset: offset, "player 0x\(hex(player.byte)) is not on the roster")
        }
    }
}
