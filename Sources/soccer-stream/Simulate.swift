import ArgumentParser
import Streaming
import Toolkit
import Wire

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a whole simulated match as text, as JSON datagrams, or its datagram sizes.")

    @OptionGroup var match: MatchOptions

    @Flag(help: "Print one JSON object per event: the original project's datagram layout.")
    var json = false

    @Flag(help: "Print the match as a live feed in JSON Lines (line-ups, events, end; Spec/FEED.md), for server --feed.")
    var jsonl = false

    @OptionGroup var pace: PaceOptions<SimulateDefaults>

    @Flag(help: "Print the median and largest datagram size of each encoding.")
    var sizes = false

    @Option(help: "With --sizes: measure this many consecutive seeds, starting at --seed.")
    var matches: Int = 1

    func validate() throws {
        guard (1...10_000).contains(matches) else { throw ValidationError("--matches must be 1...10000") }
        guard matches == 1 || sizes else {
            throw ValidationError("--matches \(matches): only with --sizes (the other outputs are one match: give --seed)")
        }
        guard [json, sizes, jsonl].filter({ $0 }).count <= 1 else { throw ValidationError("--json, --jsonl and --sizes exclude each other") }
        _ = try pace.seconds()
    }

    func run() async throws {
        let catalog = match.language.catalog
        if sizes {
            let seeds = (0..<UInt64(matches)).map { match.seed &+ $0 }
            try StandardOutput.writeAll(try SizeReport(seeds: seeds, catalog: catalog).textLines().map { $0 + "\n" }.joined())
            return
        }
        let report = MatchReport(seed: match.seed, catalog: catalog)
        if jsonl {
            try StandardOutput.writeAll(report.feedLines(interval: try pace.seconds()).map { $0 + "\n" }.joined())
            return
        }
        // Written and checked: a full disk (`> /dev/full`) is an error, not a silent loss.
        try StandardOutput.writeAll(try (json ? report.jsonLines() : report.textLines()).map { $0 + "\n" }.joined())
    }
}
