/// Feed lines as JSON (Spec/FEED.md): reading, writing and recognising the original layout.
extension FeedLine {
    /// The longest feed line accepted, in bytes.
    public static let maximumLength = 65_536

    /// Reads one line (without its newline). Errors name the field and the byte offset in the line.
    ///
    /// - Throws: ``WireError/Code/tooLarge`` for a line over ``maximumLength`` bytes;
    ///   ``WireError/Code/invalidJSON`` or ``WireError/Code/invalidUTF8`` when it is not JSON;
    ///   ``WireError/Code/schemaViolation`` (``WireError/Code/outOfRange`` for a number) when it
    ///   does not follow Spec/FEED.md.
    public static func parse(_ line: [UInt8]) throws(WireError) -> FeedLine {
        guard line.count <= maximumLength else {
            throw WireError(.tooLarge, field: "line", offset: maximumLength, "line of \(line.count) bytes; at most \(maximumLength)")
        }
        let node = try JSONNode.parse(line)
        guard case .object(let members) = node.value, let kind = members.first(where: { $0.key == "type" })?.node else {
            // The original project's datagram layout has no "type": it is a datagram object.
            throw node.schemaError("line.type", "required field is missing: one of lineups, event, end (or a datagram in the original layout)")
        }
        switch try kind.string("line.type") {
        case "lineups":
            let fields = try node.object("line", required: ["type", "home", "away"], optional: ["language", "state"])
            let language = try fields.optional("language").map { node throws(WireError) in
                let code = try node.string("line.language")
                guard code == "en" || code == "pt" else { throw node.schemaError("line.language", "'\(code)'; expected en or pt") }
                return code
            }
            let roster = Roster(home: try sheet(fields["home"], "line.home"), away: try sheet(fields["away"], "line.away"))
            return .lineups(roster, language: language, start: try fields.optional("state").map { node throws(WireError) in try start(node) })
        case "event":
            let fields = try node.object(
                "line", required: ["type", "event", "minute", "actor"],
                optional: ["opponent", "template", "at", "added", "penalty", "on", "scored", "period"])
            let name = try fields["event"].string("line.event")
            guard let type = EventType(identifier: name) else {
                throw fields["event"].schemaError(
                    "line.event", "'\(name)'; expected one of \(EventType.allCases.map(\.identifier).joined(separator: ", "))")
            }
            let minute = UInt8(try fields["minute"].integer("line.minute", in: 0...Int64(FrameHeader.maximumMinute)))
            let actor = try player(fields["actor"], "line.actor")
            let opponent = try fields.optional("opponent").map { node throws(WireError) in try player(node, "line.opponent") }
            let template = try fields.optional("template").map { node throws(WireError) in UInt8(try node.integer("line.template", in: 0...255)) }
            var at: Double?
            if let node = fields.optional("at") {
                switch node.value {
                case .integer(let value) where value >= 0: at = Double(value)
                case .double(let value) where value.isFinite && value >= 0: at = value
                default: throw node.schemaError("line.at", "expected seconds since kick-off, a number ≥ 0, found \(node.typeName)")
                }
            }
            var event = FeedEvent(type: type, minute: minute, actor: actor, opponent: opponent, template: template, at: at)
            try readRealMatchFields(fields, line: node, into: &event)
            return .event(event)
        case "end":
            let fields = try node.object("line", required: ["type"], optional: ["reason"])
            guard let reasonNode = fields.optional("reason") else { return .end(.fullTime) }
            let name = try reasonNode.string("line.reason")
            guard let reason = EndReason.allCases.first(where: { $0.name == name }) else {
                throw reasonNode.schemaError("line.reason", "'\(name)'; expected \(EndReason.allCases.map(\.name).joined(separator: ", "))")
            }
            return .end(reason)
        case let other:
            throw kind.schemaError("line.type", "'\(other)'; expected lineups, event or end")
        }
    }

    private static func sheet(_ node: JSONNode, _ path: String) throws(WireError) -> TeamSheet {
        let fields = try node.object(path, required: ["name", "keeper", "players"], optional: ["starters", "formation", "lineup_known"])
        let players = try fields["players"].array("\(path).players", maxCount: 126)
        let known = try fields.optional("lineup_known").map { node throws(WireError) in try node.bool("\(path).lineup_known") } ?? true
        guard !players.isEmpty || !known else {
            throw fields["players"].schemaError("\(path).players", "a team needs at least one outfield player (none only with lineup_known false)")
        }
        var list: [RosterPlayer] = []
        for (index, entry) in players.enumerated() {
            let player = try entry.object("\(path).players[\(index)]", keys: ["name", "position"])
            list.append(
                RosterPlayer(
                    name: try player["name"].string("\(path).players[\(index)].name"),
                    position: try player["position"].string("\(path).players[\(index)].position")))
        }
        var sheet = TeamSheet(name: try fields["name"].string("\(path).name"), keeper: try fields["keeper"].string("\(path).keeper"), players: list)
        try readRealMatchFields(fields, into: &sheet, path: path)
        return sheet
    }

    /// `"home:3"` (outfield player 3, counting from 0) or `"away:keeper"`.
    static func player(_ node: JSONNode, _ path: String) throws(WireError) -> PlayerRef {
        let text = try node.string(path)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let side = parts[0] == "home" ? Side.home : parts[0] == "away" ? Side.away : nil else {
            throw node.schemaError(path, "'\(text)'; expected home:N, away:N, home:keeper or away:keeper")
        }
        if parts[1] == "keeper" { return PlayerRef.keeper(of: side) }
        guard let index = UInt8(parts[1]), index < 127 else {
            throw node.schemaError(path, "'\(text)'; expected an outfield index 0...126 or keeper after the side")
        }
        return PlayerRef(side: side, slot: index)
    }

    /// The line as JSON text (no newline), as `simulate --jsonl` writes it.
    public var jsonText: String {
        let node: JSONNode
        switch self {
        case .lineups(let roster, let language, let start):
            func sheet(_ team: TeamSheet) -> JSONNode {
                .object(
                    [
                        ("name", .string(team.name)), ("keeper", .string(team.keeper)),
                        ("players", .array(team.players.map { .object([("name", .string($0.name)), ("position", .string($0.position))]) })),
                    ] + Self.realMatchMembers(team))
            }
            var members: [(String, JSONNode)] = [("type", "lineups"), ("home", sheet(roster.home)), ("away", sheet(roster.away))]
            if let language { members.append(("language", .string(language))) }
            if let start { members.append(("state", Self.members(start))) }
            node = .object(members)
        case .event(let event):
            var members: [(String, JSONNode)] = [
                ("type", "event"), ("event", .string(event.type.identifier)), ("minute", .int(event.minute)),
                ("actor", .string(Self.reference(event.actor))),
            ]
            if let opponent = event.opponent { members.append(("opponent", .string(Self.reference(opponent)))) }
            if let template = event.template { members.append(("template", .int(template))) }
            if let at = event.at { members.append(("at", JSONNode(.double(at)))) }
            node = .object(members + Self.realMatchMembers(event))
        case .end(let reason):
            node = .object([("type", "end"), ("reason", .string(reason.name))])
        }
        return String(decoding: node.pythonStyleBytes(), as: UTF8.self)
    }

    /// Whether `line` is an object in the original project's datagram layout (a `message`, no `type`).
    public static func isOriginalLayout(_ line: [UInt8]) -> Bool {
        guard line.count <= maximumLength, let node = try? JSONNode.parse(line),  // not JSON: FeedLine.parse reports it
            case .object(let members) = node.value
        else { return false }
        return members.contains { $0.key == "message" } && !members.contains { $0.key == "type" }
    }
}
