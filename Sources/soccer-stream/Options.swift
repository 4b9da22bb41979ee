import ArgumentParser
import Match

extension Language: ExpressibleByArgument {}

/// Options shared by every command that simulates a match.
struct MatchOptions: ParsableArguments {
    @Option(help: "The match's seed: the same seed gives the same match on every machine.")
    var seed: UInt64 = 1

    @Option(help: "The language of event names and phrases (\(Language.allCases.map(\.rawValue).joined(separator: ", "))).")
    var language: Language = .en
}
