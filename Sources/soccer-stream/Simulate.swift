import ArgumentParser
import Toolkit
import Wire

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a whole simulated match as text, as JSON datagrams, or its datagram sizes.")

    @OptionGroup var match: MatchOptions

    @Flag(help: "Print one JSON object per event: the original project's datagram layout.")
    var json = false

    @Flag(help: "Print the median and largest datagram size of each encoding.")
    var sizes = false

    @Option(help: "With --sizes: measure this many consecutive seeds, starting at --seed.")
    var matches: Int = 1

    func validate() throws {
        guard (1...10_000).contains(matches) else { throw ValidationError("--matches must be 1...10000") }
        guard !(json && sizes) else { throw ValidationError("--json and --sizes exclude each other") }
    }

    func run() async throws {
        let catalog = match.language.catalog
        if sizes {
            let seeds = (0..<UInt64(matches)).map { match.seed &+ $0 }
            try SizeReport(seeds: seeds, catalog: catalog).textLines().forEach { print($0) }
            return
        }
        let report = MatchReport(seed: match.seed, catalog: catalog)
        for line in try json ? report.jsonLines() : report.textLines() {
            print(line)
        }
    }
}
