/// The words of a match in one language: event names, phrase templates and the score line.
///
/// The welcome frame carries the whole catalogue, so a compact client renders exactly the
/// phrase the JSON body would have carried (`content`), with no catalogue of its own.
///
/// Templates name their parts in braces: `{player}` (the event's actor), `{team}` (the
/// actor's team), `{opponent}` (the other side's player), `{keeper}` (the other side's
/// goalkeeper). The score template uses `{home}`, `{away}`, `{home_goals}`, `{away_goals}`.
public struct PhraseCatalog: Sendable, Hashable, Codable {
    /// A BCP 47 language tag such as `en` or `pt`.
    public var language: String
    /// The score line, e.g. `Score: {home} {home_goals} - {away_goals} {away}`.
    public var scoreTemplate: String
    /// The display name of each event type, in ``EventType`` order (the JSON `type` field).
    public var eventNames: [String]
    /// The phrase templates of each event type, in ``EventType`` order; each list non-empty.
    public var templates: [[String]]

    /// Creates a catalogue; `eventNames` and `templates` are indexed by `EventType.rawValue - 1`.
    public init(language: String, scoreTemplate: String, eventNames: [String], templates: [[String]]) {
        self.language = language
        self.scoreTemplate = scoreTemplate
        self.eventNames = eventNames
        self.templates = templates
    }

    /// The display name of `type`.
    public func name(of type: EventType) -> String {
        let index = Int(type.rawValue) - 1
        return index < eventNames.count ? eventNames[index] : type.identifier
    }

    /// The event type whose display name is `name`, if any.
    public func eventType(named name: String) -> EventType? {
        guard let index = eventNames.firstIndex(of: name) else { return nil }
        return EventType(rawValue: UInt8(index + 1))
    }

    /// The templates of `type`.
    public func templates(of type: EventType) -> [String] {
        let index = Int(type.rawValue) - 1
        return index < templates.count ? templates[index] : []
    }

    /// The score line for `score` between the teams of `roster`.
    public func scoreLine(_ score: Score, roster: Roster) -> String {
        Self.fill(
            scoreTemplate,
            [
                "home": roster.home.name, "away": roster.away.name,
                "home_goals": String(score.home), "away_goals": String(score.away),
            ])
    }

    /// Replaces each `{name}` in `template` by `values[name]`; unknown names stay as written.
    package static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}") else {
                rest = rest[open...]
                break
            }
            let key = String(rest[afterOpen..<close])
            if let value = values[key] {
                output += value
            } else {
                output += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return output
    }
}
