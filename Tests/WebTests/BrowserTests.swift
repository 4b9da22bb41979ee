import Foundation
import Match
import Streaming
import TestSupport
import Testing
import Toolkit
import WebRuntime
import Wire

/// Real headless Chromium against the gateway while two matches stream (issue 26): the
/// browser-side checks are Tests/Browser/card_test.py (Selenium with Debian's chromium-driver),
/// which appends the feeds' lines one at a time and looks at the page after each.
@Suite("The match card in real Chromium", .serialized)
struct BrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What is missing to drive Chromium here, if anything.
    static var missing: String? {
        let needed = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if !needed.isEmpty { return needed.joined(separator: ", ") }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        probe.arguments = ["-c", "import selenium"]
        probe.standardError = FileHandle.nullDevice
        do {
            try probe.run()
            probe.waitUntilExit()
        } catch {
            return "python3 (\(error))"
        }
        return probe.terminationStatus == 0 ? nil : "python3-selenium"
    }

    /// The hostile match: script tags, quotes and right-to-left text as names.
    static var hostileRoster: Roster {
        var roster = Roster.original
        roster.home.name = "<script>window.pwned=1</script>"
        roster.away.name = "\"Quotes' FC\" onmouseover=\"window.pwned=3"
        roster.home.players[0].name = "\u{202E}evil\u{202C} <img src=x onerror=window.pwned=2>"
        return roster
    }

    @Test(
        "score, minute and timeline update live; stars, cards and substitutions on the right players; a cut connection resumes without a gap; no JavaScript needed; hostile names stay text"
    )
    func card() async throws {
        if let missing = Self.missing {
            let required = ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_CHROMIUM"] == "1"
            #expect(!required, "Chromium is required here (SOCCERSTREAM_REQUIRE_CHROMIUM=1) but missing: \(missing)")
            print("BrowserTests skipped: \(missing) not installed (apt-get install chromium chromium-driver python3-selenium)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }  // a temporary directory
        let screenshots = Self.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        // Each feed: its line-ups now (the match is announced), the rest for the script to append.
        func feed(_ name: String, _ lines: [FeedLine]) throws -> (feed: String, rest: String) {
            let (feed, rest) = (directory.appendingPathComponent("\(name).jsonl"), directory.appendingPathComponent("\(name).rest"))
            try Data((lines[0].jsonText + "\n").utf8).write(to: feed)
            try Data(lines.dropFirst().map { $0.jsonText + "\n" }.joined().utf8).write(to: rest)
            return (feed.path, rest.path)
        }
        let (events, _) = MatchSimulator.play(seed: 7, roster: Self.hostileRoster)
        let real = try feed("real", GoldenFixtures.realMatchFeed)
        let hostile = try feed(
            "hostile", [.lineups(Self.hostileRoster, language: "en")] + events.prefix(12).map { .event(FeedEvent($0, at: nil)) } + [.end(.fullTime)])
        try await bounded(240) {
            var configuration = ServerConfiguration()
            configuration.host = "127.0.0.1"
            configuration.port = 0
            configuration.simulate = 0
            configuration.feeds = [real.feed, hostile.feed]
            configuration.repairGrace = .zero
            let origin = try await StreamServer.bind(configuration: configuration, logger: quietLogger)
            async let served = origin.run()
            let output = try await withGateway(upstream: origin.localAddress.port ?? 0) { _, port in
                try await Self.python(
                    [
                        Self.root.appendingPathComponent("Tests/Browser/card_test.py").path, "--url", "http://127.0.0.1:\(port)",
                        "--real-feed", real.feed, "--real-rest", real.rest, "--hostile-feed", hostile.feed, "--hostile-rest", hostile.rest,
                        "--screenshots", screenshots.path,
                    ], temporary: directory)
            }
            // A script that failed part-way left its feeds unended: the origin would stream on.
            if output.status != 0 { origin.stop() }
            _ = try await served
            #expect(output.status == 0, "card_test.py failed:\n\(output.text)")
            #expect(output.text.contains("all browser checks passed"))
            print(output.text)
        }
    }

    /// Runs /usr/bin/python3 with `arguments`, awaiting its exit (no thread blocked meanwhile).
    /// Its temporary files (Chromium's profile and singleton folders among them) go in
    /// `temporary`, which the caller removes: Chromium left them in /tmp at each run.
    static func python(_ arguments: [String], temporary: URL) async throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary.path]) { $1 }
        let output = directoryFile()
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        let (ended, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { continuation.yield($0.terminationStatus) }
        try process.run()
        defer { try? FileManager.default.removeItem(at: output) }  // a temporary file
        var status: Int32 = -1
        // A test that timed out stops the script (and with it its Chromium) rather than leave it running.
        await withTaskCancellationHandler {
            for await code in ended {
                status = code
                break
            }
        } onCancel: {
            process.terminate()
        }
        try handle.close()
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    static func directoryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("card-test-\(UUID().uuidString).log")
    }
}
