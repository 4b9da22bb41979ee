import ArgumentParser
import Foundation
import Toolkit
import Wire

struct FixturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "Check the golden fixtures against the code, or regenerate them on purpose.")

    @Flag(help: "Report every fixture that differs from what the code generates (exit 1 on drift).")
    var check = false

    @Flag(help: "Regenerate the fixtures, replacing the files.")
    var write = false

    @Option(help: "Print the decoded form (the .json expectation) of one datagram file instead.")
    var describe: String?

    @Option(help: "The fixtures folder.")
    var directory: String = "Fixtures/frames"

    @Option(help: "Preset dictionary 1's file (checked against the Wire module and the built-in roster and catalogues).")
    var dictionary: String = "Spec/dictionary-1.bin"

    func validate() throws {
        guard [check, write, describe != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --check, --write and --describe FILE")
        }
    }

    func run() async throws {
        if let describe {
            print(try GoldenFixtures.describe(file: describe), terminator: "")
            return
        }
        let fixtures = try GoldenFixtures()
        let url = URL(fileURLWithPath: directory)
        if write {
            try fixtures.write(to: url)
            try GoldenFixtures.writeDictionary(to: URL(fileURLWithPath: dictionary))
            print("wrote \(fixtures.fixtures.count) fixtures (seed \(GoldenFixtures.seed)) to \(directory), and \(dictionary)")
            return
        }
        let drifts = fixtures.check(url) + GoldenFixtures.checkDictionary(URL(fileURLWithPath: dictionary))
        if drifts.isEmpty {
            print("\(fixtures.fixtures.count) fixtures in \(directory) match the code (seed \(GoldenFixtures.seed))")
        } else {
            for drift in drifts { print(TerminalText.escaped("drift: \(drift)")) }
            print("\(drifts.count) difference\(drifts.count == 1 ? "" : "s"); run `soccer-stream fixtures --write` if the change is intended")
            throw ExitCode(1)
        }
    }
}
