extension Datagram {
    /// A readable, complete JSON description of the decoded datagram: what the fixtures'
    /// `.json` files hold and what `validate --json` reports.
    ///
    /// - Parameter header: a frame's header as sent (``decodeWithHeader(_:)``), which adds the
    ///   compressed flag, the dictionary and the body length; ignored for an original packet.
    public func description(header: FrameHeader? = nil) -> JSONNode {
        switch self {
        case .frame(let frame):
            return frame.description(header: header)
        case .original(let packet):
            switch packet {
            case .register: return .object([("protocol", "original"), ("packet", "register")])
            case .unregister: return .object([("protocol", "original"), ("packet", "unregister")])
            case .endOfTransmission: return .object([("protocol", "original"), ("packet", "end_of_transmission")])
            case .datagram(let datagram):
                return .object([("protocol", "original"), ("packet", "datagram"), ("json", datagram.jsonNode)])
            }
        }
    }
}

extension Frame {
    /// A readable JSON description of the frame; `header` adds the compressed flag and the
    /// body length as sent.
    ///
    /// - Parameter header: the header as ``decodeWithHeader(_:)`` returned it, or `nil` for a frame made in code.
    public func description(header: FrameHeader? = nil) -> JSONNode {
        var headerMembers: [(String, JSONNode)] = [
            ("version", .int(header?.version ?? FrameHeader.currentVersion)),
            ("kind", .string(kind.name)),
            ("format", .string(body.format.name)),
        ]
        if let header {
            headerMembers.append(("compressed", JSONNode(.bool(header.compressed))))
            headerMembers.append(("dictionary", .int(header.dictionary)))
        }
        if retransmission {
            headerMembers.append(("retransmission", JSONNode(.bool(true))))
        }
        if sourceLost {
            headerMembers.append(("sourceLost", JSONNode(.bool(true))))
        }
        if extended {
            headerMembers.append(("extended", JSONNode(.bool(true))))
        }
        headerMembers += groupSignature == nil ? [("subscription", .string(Self.hex64(subscription)))] : [("match", .int(groupMatchID))]
        headerMembers += [
            ("sequence", .int(sequence)),
            ("eventType", eventType.map { .string($0.identifier) } ?? JSONNode(.null)),
            ("score", Self.describe(score)),
            ("minute", .int(minute)),
        ]
        if let header {
            headerMembers.append(("bodyLength", .int(header.bodyLength)))
        }
        var members: [(String, JSONNode)] = [("protocol", "soccerstream"), ("header", .object(headerMembers)), ("body", describeBody())]
        if let groupSignature { members.append(("signature", .string(groupSignature.map { hex($0) }.joined().lowercased()))) }
        return .object(members)
    }

    /// A register's subscriber token: its claims when it reads as one (the server checks its
    /// signature), else its size and why it does not.
    private static func describe(token bytes: [UInt8]) -> JSONNode {
        do {
            let token = try SubscriberToken(decoding: bytes)
            return .object([
                ("subject", .string(token.subject)), ("token_id", .string(Hex.encode(token.tokenID))), ("key_id", .string(Hex.encode(token.keyID))),
                ("not_before", .int(token.notBefore)), ("expires", .int(token.expires)), ("matches", .array(token.matches.map { .int($0) })),
                ("permissions", .int(token.permissions.rawValue)),
            ])
        } catch {
            return .object([("bytes", .int(bytes.count)), ("unreadable", .string("\(error.field) at byte \(error.offset): \(error.message)"))])
        }
    }

    private func describeBody() -> JSONNode {
        switch body {
        case .register(let request):
            var members: [(String, JSONNode)] = [
                ("formats", .array(request.formats.map { .string($0.name) })),
                ("token", .string(request.token.map { hex($0) }.joined())),
                ("dictionaries", .array(request.dictionaries.map { .int($0) })),
                ("match", .int(request.match)),
            ]
            if request.delivery != .unicast { members.append(("delivery", .string("group"))) }
            if !request.features.isEmpty { members.append(("features", .int(request.features.rawValue))) }
            if !request.subscriberToken.isEmpty { members.append(("subscriber_token", Self.describe(token: request.subscriberToken))) }
            members.append(("padding", .int(request.padding)))
            return .object(members)
        case .challenge(let challenge):
            return .object([("token", .string(challenge.token.map { hex($0) }.joined()))])
        case .list(let request):
            return .object([
                ("token", .string(request.token.map { hex($0) }.joined())), ("offset", .int(request.offset)),
                ("padding", .int(request.padding)),
            ])
        case .listing(let listing):
            return .object([
                ("total", .int(listing.total)), ("offset", .int(listing.offset)),
                (
                    "matches",
                    .array(
                        listing.matches.map { summary in
                            .object([
                                ("id", .int(summary.id)), ("status", .string(summary.status.name)), ("minute", .int(summary.minute)),
                                ("score", Self.describe(summary.score)), ("viewers", .int(summary.viewers)),
                                ("home", .string(summary.home)), ("away", .string(summary.away)),
                            ])
                        })
                ),
            ])
        case .nack(let ranges), .unavailable(let ranges):
            return .object([("ranges", .array(ranges.ranges.map { .object([("first", .int($0.first)), ("count", .int($0.count))]) }))])
        case .welcome(let welcome):
            return .object(
                [
                    ("format", .string(welcome.format.name)),
                    ("dictionary", .int(welcome.dictionary)),
                    ("matchID", .int(welcome.matchID)),
                    ("heartbeatSeconds", .int(welcome.heartbeatSeconds)),
                    ("intervalMicroseconds", .int(welcome.intervalMicroseconds)),
                    ("roster", Self.describe(welcome.roster)),
                    ("catalog", Self.describe(welcome.catalog)),
                    ("current", welcome.current.map { Self.describe($0, roster: welcome.roster, extended: extended) } ?? JSONNode(.null)),
                ]
                    + (welcome.multicast.map { offer in
                        [
                            (
                                "multicast",
                                JSONNode.object(
                                    [
                                        ("group", .string(offer.groupDescription)),
                                        ("key", .string(offer.publicKey.map { hex($0) }.joined().lowercased())),
                                    ]
                                        + (offer.groupKeys.isEmpty
                                            ? []
                                            : [
                                                (
                                                    "groupKeys",
                                                    .array(
                                                        offer.groupKeys.map {
                                                            .object([
                                                                ("epoch", .int($0.epoch)),
                                                                ("key", .string($0.key.map { hex($0) }.joined().lowercased())),
                                                            ])
                                                        })
                                                )
                                            ]))
                            )
                        ]
                    } ?? []))
        case .refuse(let refusal):
            return .object([("reason", .string(refusal.reason.name)), ("text", .string(refusal.text))])
        case .event(.compact(let event)):
            return Self.describe(event, roster: nil, extended: extended)
        case .event(.json(let datagram)):
            return datagram.jsonNode
        case .end(let end):
            return .object([("reason", .string(end.reason.name))])
        case .unregister, .heartbeat, .reset:
            return JSONNode(.null)
        }
    }

    /// A subscription identifier as 16 hexadecimal digits.
    public static func hex64(_ value: UInt64) -> String {
        (0..<8).map { hex(UInt8(truncatingIfNeeded: value >> (56 - 8 * $0))) }.joined()
    }

    static func describe(_ score: Score) -> JSONNode {
        .object([("home", .int(score.home)), ("away", .int(score.away))])
    }

    static func describe(_ player: PlayerRef, roster: Roster?) -> JSONNode {
        var members: [(String, JSONNode)] = [
            ("side", .string(player.side == .home ? "home" : "away")),
            ("slot", player.isKeeper ? "keeper" : .int(player.slot)),
        ]
        if let name = roster?.name(of: player) { members.append(("name", .string(name))) }
        return .object(members)
    }

    static func describe(_ event: CompactEvent, roster: Roster?, extended: Bool = false) -> JSONNode {
        func incidents(_ list: [Incident], _ redCards: Bool) -> JSONNode {
            .array(
                list.map { incident in
                    var members: [(String, JSONNode)] = [("player", describe(incident.player, roster: roster)), ("minute", .int(incident.minute))]
                    if extended { members += describeMarks(incident, redCard: redCards) }
                    return .object(members)
                })
        }
        var members: [(String, JSONNode)] = [
            ("template", .int(event.template)),
            ("actor", describe(event.actor, roster: roster)),
            ("opponent", describe(event.opponent, roster: roster)),
            ("goals", incidents(event.state.goals, false)),
            ("redCards", incidents(event.state.redCards, true)),
        ]
        if extended { members += describeExtension(event, roster: roster, incidents: incidents) }
        return .object(members)
    }

    static func describe(_ roster: Roster) -> JSONNode {
        func sheet(_ team: TeamSheet) -> JSONNode {
            .object(
                [
                    ("name", .string(team.name)), ("keeper", .string(team.keeper)),
                    ("players", .array(team.players.map { .object([("name", .string($0.name)), ("position", .string($0.position))]) })),
                ] + (roster.needsExtension ? describeExtension(team) : []))
        }
        return .object([("home", sheet(roster.home)), ("away", sheet(roster.away))])
    }

    static func describe(_ catalog: PhraseCatalog) -> JSONNode {
        .object([
            ("language", .string(catalog.language)),
            ("scoreTemplate", .string(catalog.scoreTemplate)),
            (
                "events",
                .object(
                    EventType.allCases.prefix(catalog.eventNames.count).map { type in
                        (
                            type.identifier,
                            .object([
                                ("name", .string(catalog.name(of: type))),
                                ("templates", .array(catalog.templates(of: type).map { .string($0) })),
                            ])
                        )
                    })
            ),
        ])
    }
}
