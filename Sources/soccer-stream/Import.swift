import ArgumentParser
import Match
import Streaming
import Toolkit

/// `soccer-stream import`: real match data as live feeds for `server --feed`.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn real match data (StatsBomb-shaped events and line-ups, openfootball's football.json) into live feeds.",
        discussion: "The feeds follow Spec/FEED.md (\"Real matches\"); docs/REAL-MATCHES.md says what is imported and why.",
        subcommands: [StatsBomb.self, OpenFootball.self])

    struct StatsBomb: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statsbomb", abstract: "Import one match: its events file and its line-ups file, in StatsBomb's published shape.")

        @Argument(help: "The match's events JSON.") var events: String
        @Argument(help: "The match's line-ups JSON.") var lineups: String
        @Option(help: "The phrases' language: en or pt.") var language: Language = .en
        @Option(help: "Write the feed to this file (never replaced) instead of standard output.") var out: String?
        @Flag(help: "Print the median and largest datagram size of each encoding instead of the feed.") var sizes = false

        func run() async throws {
            let (output, skipped) = try FeedImport.statsBomb(events: events, lineups: lineups, language: language)
            if sizes { return try Import.printSizes([output]) }
            var report = "imported \(output.summary)\n"
            for (type, count) in skipped.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                report += "  skipped \(count) \(type)\n"
            }
            if let out {
                try FeedImport.write(output, toFile: out)
                StandardError.write(report + "wrote \(out)\n")
            } else {
                try Import.deliver([output], directory: nil, report: report)
            }
        }
    }

    struct OpenFootball: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openfootball", abstract: "Import matches of a football.json file: one to standard output, several into --out DIR.")

        @Argument(help: "The football.json file.") var file: String
        @Option(help: "Only the matches of this round (as the file names it: \"Matchday 1\", \"Final\").") var round: String?
        @Option(help: "Only this match, counting from 1 in the file.") var match: Int?
        @Option(help: "The phrases' language: en or pt.") var language: Language = .en
        @Option(help: "A directory to write one feed per match into (made if missing; files there are never replaced).") var out: String?
        @Flag(help: "Print the median and largest datagram size of each encoding over the matches instead of their feeds.")
        var sizes = false

        func validate() throws {
            if let match, match < 1 { throw ValidationError("--match counts from 1") }
        }

        func run() async throws {
            let outputs = try FeedImport.openFootball(file: file, round: round, match: match, language: language)
            if sizes { return try Import.printSizes(outputs) }
            let report = outputs.map { "imported \($0.summary)\n" }.joined()
            try Import.deliver(outputs, directory: out, report: report)
        }
    }

    /// The size table of `outputs`' matches.
    static func printSizes(_ outputs: [FeedImport.Output]) throws {
        let label = outputs.count == 1 ? "1 real match" : "\(outputs.count) real matches"
        try StandardOutput.writeAll(try SizeReport(feeds: outputs.map(\.lines), label: label).textLines().map { $0 + "\n" }.joined())
    }

    /// One feed to standard output, or each into its own file under `directory`; the report to standard error.
    static func deliver(_ outputs: [FeedImport.Output], directory: String?, report: String) throws {
        if let directory {
            let paths = try FeedImport.write(outputs, into: directory)
            StandardError.write(report + paths.map { "wrote \($0)\n" }.joined())
            return
        }
        guard outputs.count == 1 else {
            throw ValidationError("\(outputs.count) matches: give --out DIR for one file per match, or --match N for one")
        }
        StandardError.write(report)
        try StandardOutput.writeAll(outputs[0].text)
    }
}
