import FileAccess
import Importers
import Match
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// `soccer-stream import`: real match data as live feeds (Spec/FEED.md, "Real matches"), each
/// checked by reading it back as `server --feed` will before anything is written.
public enum FeedImport {
    /// One imported match: a file name for it and its feed's text (lines ending in newlines).
    public struct Output: Sendable {
        /// `2022-12-18-argentina-france.jsonl`, for `--out DIR`.
        public var fileName: String
        /// The feed.
        public var text: String
        /// The feed's lines.
        public var lines: [FeedLine]
        /// The final score line, for the import's report (`Argentina 3-3 France (AET, 4-2 on pens)`).
        public var summary: String
    }

    /// Why an import failed: which file, which record, what was expected.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A StatsBomb-shaped match, and the event types skipped with their counts.
    public static func statsBomb(events: String, lineups: String, language: Language) throws(Failure) -> (Output, skipped: [String: Int]) {
        let eventBytes = try read(events)
        let lineupBytes = try read(lineups)
        do {
            let match = try StatsBombFile.match(events: eventBytes, eventsFile: events, lineups: lineupBytes, lineupsFile: lineups)
            let feed = try match.feed(language: language.rawValue, eventsFile: events)
            let name = slug("\(match.home.name)-\(match.away.name)") + ".jsonl"
            return (try checked(feed.lines, fileName: name, source: events, origins: feed.origins), feed.skipped)
        } catch let error as ImportError {
            throw Failure(description: error.description)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "\(events): \(error)")
        }
    }

    /// The matches of an openfootball file: one (`match`, counting from 1), a round's (`round`),
    /// or all of them.
    public static func openFootball(file: String, round: String?, match number: Int?, language: Language) throws(Failure) -> [Output] {
        let bytes = try read(file)
        let matches: [OpenFootballMatch]
        do {
            matches = try OpenFootballFile.matches(bytes, file: file)
        } catch {
            throw Failure(description: error.description)
        }
        var chosen = matches
        if let number {
            guard let found = matches.first(where: { $0.number == number }) else {
                throw Failure(description: "\(file): no match \(number); the file has matches 1...\(matches.count)")
            }
            chosen = [found]
        }
        if let round {
            chosen = chosen.filter { $0.round == round }
            guard !chosen.isEmpty else {
                var rounds: [String] = []
                for match in matches where !rounds.contains(match.round) { rounds.append(match.round) }
                throw Failure(description: "\(file): no round '\(round)'; its rounds are \(rounds.joined(separator: ", "))")
            }
        }
        var outputs: [Output] = []
        var names = Set<String>()
        for match in chosen {
            var name = slug("\(match.date ?? String(match.number))-\(match.home)-\(match.away)") + ".jsonl"
            // Two matches whose names read the same (letters outside ASCII) get their numbers.
            if !names.insert(name).inserted {
                name = slug("\(match.date ?? "")-\(match.number)-\(match.home)-\(match.away)") + ".jsonl"
                names.insert(name)
            }
            outputs.append(try checked(match.feedLines(language: language.rawValue), fileName: name, source: "\(file) match \(match.number)"))
        }
        return outputs
    }

    /// The feed's text after reading it back line by line as the server does: an import whose
    /// feed the server would refuse is an error here, not later.
    static func checked(_ lines: [FeedLine], fileName: String, source: String, origins: [String] = []) throws(Failure) -> Output {
        let whole: FeedDecoder.Whole
        do {
            whole = try FeedDecoder.read(lines)
        } catch {
            // Named by the source's record where the importer knows it (StatsBomb's event index).
            let origin = origins.indices.contains(error.line - 1) ? "\(origins[error.line - 1]): " : ""
            throw Failure(description: "\(source): \(origin)the feed's line \(error.line) does not read back: \(error)")
        }
        let text = lines.map { $0.jsonText + "\n" }.joined()
        var summary = "no events"
        if let last = whole.events.last, let roster = whole.roster {
            summary = RealMatchText.scoreLine(last, roster: roster, catalog: whole.catalog)
        }
        return Output(fileName: fileName, text: text, lines: lines, summary: summary)
    }

    /// Writes each output to its own new file in `directory` (made if missing) and returns the
    /// paths. A file that already exists is never replaced: the import stops, naming it, before
    /// writing anything.
    public static func write(_ outputs: [Output], into directory: String) throws(Failure) -> [String] {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw Failure(description: "cannot make \(directory): \(FileReadError.reason(errno: errno))")
        }
        let paths = outputs.map { directory.hasSuffix("/") ? directory + $0.fileName : directory + "/" + $0.fileName }
        try writeNew(zip(paths, outputs.map(\.text)).map { ($0, $1) })
        return paths
    }

    /// Writes `output` to the new file `path` (an existing file is never replaced).
    public static func write(_ output: Output, toFile path: String) throws(Failure) {
        try writeNew([(path, output.text)])
    }

    private static func writeNew(_ files: [(path: String, text: String)]) throws(Failure) {
        do {
            try NewFiles.write(files.map { ($0.path, $0.text, 0o644) }, remedy: "remove it or choose another --out")
        } catch {
            throw Failure(description: error.description)
        }
    }

    private static func read(_ path: String) throws(Failure) -> [UInt8] {
        do {
            return try FileBytes.read(path)
        } catch {
            throw Failure(description: error.description)
        }
    }

    /// Lower-case ASCII letters and digits, runs of anything else as one `-`.
    static func slug(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII && (("a"..."z").contains(Character(scalar)) || ("0"..."9").contains(Character(scalar))) {
                result.unicodeScalars.append(scalar)
            } else if !result.hasSuffix("-") && !result.isEmpty {
                result += "-"
            }
        }
        return result.hasSuffix("-") ? String(result.dropLast()) : result
    }
}
