// In the package these are modules; Fuzz/build.sh compiles them all as one.
#if canImport(Wire)
import Wire
#endif

/// One match of an openfootball football.json file (public domain): teams, scores and goals.
/// Line-ups, cards and substitutions are not in these files.
public struct OpenFootballMatch: Sendable, Hashable {
    /// A goal as the file lists it, under the team it counted for.
    public struct Goal: Sendable, Hashable {
        /// The team it counted for (an own goal's scorer played for the other).
        public var side: Side
        /// The scorer's name as written.
        public var name: String
        /// The regular minute (1…120).
        public var minute: Int
        /// Stoppage-time minutes after ``minute`` (`90+5'`: minute 90, offset 5).
        public var offset: Int
        public var penalty: Bool
        public var ownGoal: Bool
    }

    /// Its number in the file, from 1 (`--match N`).
    public var number: Int
    /// The round (`Matchday 3`, `Final`).
    public var round: String
    /// The date (`2022-12-18`) and local kick-off time (`18:00`) as written, if given.
    public var date: String?
    public var time: String?
    /// The group (`Group A`) and ground, if given.
    public var group: String?
    public var ground: String?
    /// The teams: team1 plays at home.
    public var home: String
    public var away: String
    /// The half-time score as the file says it (the goals decide what is shown: see
    /// ``halfTimeDisagrees``).
    public var halfTime: Score?
    /// The score after 90 minutes, after extra time (if played), and of the shoot-out (if any).
    public var fullTime: Score
    public var extraTime: Score?
    public var shootOut: Score?
    /// Every goal, in the order scored (minute, then stoppage minute; the file's own order
    /// within the same minute).
    public var goals: [Goal]

    /// The goals counted for `side` up to `minute` (stoppage time after it included).
    public func goals(for side: Side, upTo minute: Int) -> Int {
        goals.filter { $0.side == side && $0.minute <= minute }.count
    }

    /// The final score (after extra time when played).
    public var finalScore: Score { extraTime ?? fullTime }

    /// Whether the file's half-time score differs from the goals scored by then (some files
    /// have such slips; the goals, which add up to the final score, are what the import uses).
    public var halfTimeDisagrees: Bool {
        guard let halfTime else { return false }
        return Side.allCases.contains { goals(for: $0, upTo: 45) != Int(halfTime[$0]) }
    }
}

/// A football.json file's matches, checked: every goal is where the scores say it is.
public enum OpenFootballFile {
    /// The largest file read (the World Cup files are under 100 KB).
    public static let maximumSize = 16 << 20

    /// The matches of the football.json text `bytes`, read from `file` (named in errors).
    ///
    /// - Throws: ``ImportError`` naming the match, the field and what was expected: not JSON,
    ///   a missing or wrongly typed field, a minute out of 1…120, or goals that do not add up to
    ///   the final score (never a wrong score).
    public static func matches(_ bytes: [UInt8], file: String) throws(ImportError) -> [OpenFootballMatch] {
        let root = try ImportError.parse(bytes, file: file, maximumSize: maximumSize)
        let nodes: [JSONNode]
        do {
            nodes = try root.fields("$", required: ["matches"])["matches"].array("$.matches", maxCount: 10_000)
        } catch {
            throw ImportError(file: file, error: error, in: bytes)
        }
        var matches: [OpenFootballMatch] = []
        for (index, node) in nodes.enumerated() {
            do {
                matches.append(try match(node, number: index + 1, path: "$.matches[\(index)]"))
            } catch {
                throw ImportError(file: file, record: "match \(index + 1)", error: error, in: bytes)
            }
        }
        return matches
    }

    static func match(_ node: JSONNode, number: Int, path: String) throws(WireError) -> OpenFootballMatch {
        let fields = try node.fields(path, required: ["round", "team1", "team2", "score"])
        let scores = try fields["score"].fields("\(path).score", required: ["ft"])
        func score(_ key: String) throws(WireError) -> Score? {
            guard let node = scores.optional(key) else { return nil }
            let pair = try node.array("\(path).score.\(key)", maxCount: 2)
            guard pair.count == 2 else { throw node.schemaError("\(path).score.\(key)", "expected [home, away], found \(pair.count) number(s)") }
            return Score(
                home: UInt8(try pair[0].integer("\(path).score.\(key)[0]", in: 0...99)),
                away: UInt8(try pair[1].integer("\(path).score.\(key)[1]", in: 0...99)))
        }
        func text(_ key: String) throws(WireError) -> String? {
            try fields.optional(key).map { node throws(WireError) in try node.string("\(path).\(key)") }
        }
        var goals: [OpenFootballMatch.Goal] = []
        for (key, side) in [("goals1", Side.home), ("goals2", Side.away)] {
            guard let list = fields.optional(key) else { continue }
            for (index, node) in try list.array("\(path).\(key)", maxCount: 99).enumerated() {
                let at = "\(path).\(key)[\(index)]"
                let goal = try node.fields(at, required: ["name", "minute"])
                goals.append(
                    OpenFootballMatch.Goal(
                        side: side, name: try goal["name"].string("\(at).name"), minute: Int(try goal["minute"].integer("\(at).minute", in: 1...120)),
                        offset: Int(try goal.optional("offset")?.integer("\(at).offset", in: 0...30) ?? 0),
                        penalty: try goal.optional("penalty")?.bool("\(at).penalty") ?? false,
                        ownGoal: try goal.optional("owngoal")?.bool("\(at).owngoal") ?? false))
            }
        }
        // In the order scored; a stable sort keeps the file's order within one minute.
        goals = goals.enumerated().sorted { ($0.element.minute, $0.element.offset, $0.offset) < ($1.element.minute, $1.element.offset, $1.offset) }
            .map(\.element)
        guard let fullTime = try score("ft") else { throw node.schemaError("\(path).score.ft", "required field is missing") }
        var result = OpenFootballMatch(
            number: number, round: try fields["round"].string("\(path).round"), date: try text("date"), time: try text("time"),
            group: try text("group"),
            ground: try text("ground"), home: try fields["team1"].string("\(path).team1"), away: try fields["team2"].string("\(path).team2"),
            halfTime: try score("ht"), fullTime: fullTime, extraTime: try score("et"), shootOut: try score("p"), goals: goals)
        try check(&result, node: node, path: path)
        return result
    }

    /// The goals add up to the final score, and those of the first 90 minutes to the full-time
    /// score when there was extra time; a shoot-out only after a draw.
    static func check(_ match: inout OpenFootballMatch, node: JSONNode, path: String) throws(WireError) {
        // A feed's team sheet holds at most 125 players (Spec/FEED.md): the scorers who played for a side.
        for side in Side.allCases {
            var names = Set<String>()
            for goal in match.goals where (goal.ownGoal ? goal.side.opposite : goal.side) == side { names.insert(goal.name) }
            guard names.count <= 125 else {
                throw node.schemaError("\(path).\(side == .home ? "goals1" : "goals2")", "\(names.count) different scorers for one team; at most 125")
            }
        }
        let final = match.finalScore
        for side in Side.allCases where match.goals(for: side, upTo: 120) != Int(final[side]) {
            throw node.schemaError(
                "\(path).\(side == .home ? "goals1" : "goals2")",
                "\(match.goals(for: side, upTo: 120)) goal(s) listed for \(side == .home ? match.home : match.away), but the score says \(final[side]) (score.\(match.extraTime == nil ? "ft" : "et"))"
            )
        }
        if match.extraTime != nil {
            for side in Side.allCases where match.goals(for: side, upTo: 90) != Int(match.fullTime[side]) {
                throw node.schemaError(
                    "\(path).score.ft",
                    "\(match.goals(for: side, upTo: 90)) goal(s) by minute 90 for \(side == .home ? match.home : match.away), but ft says \(match.fullTime[side])"
                )
            }
        } else if let goal = match.goals.first(where: { $0.minute > 90 }) {
            throw node.schemaError("\(path)", "a goal at minute \(goal.minute) (\(goal.name)) in a match without extra time (no score.et)")
        }
        if match.shootOut != nil && final.home != final.away {
            throw node.schemaError("\(path).score.p", "a shoot-out after \(final.home)–\(final.away): only a draw goes to penalties")
        }
    }
}
