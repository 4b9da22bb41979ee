import Foundation
import Logging
import RuntimeSupport
import Testing

@Suite("Log file batches (a read burst's lines written at once)")
struct LogBatchTests {
    static func contents(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Runs `body` with a fresh log file's path (not yet started) in a folder of its own, removed after.
    static func withLogPath(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("log-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent("server.log").path)
    }

    @Test("lines written in a batch reach the file when the outermost batch closes, whole and in order; outside a batch at once")
    func batches() throws {
        try Self.withLogPath { path in
            let log = LogFile(path: path)
            try log.start(nil)
            log.write("before\n")
            #expect(try Self.contents(path) == "before\n")
            log.beginBatch()
            log.write("one\n")
            log.beginBatch()
            log.write("two\n")
            log.endBatch()
            // Still inside the outer batch: nothing written yet.
            #expect(try Self.contents(path) == "before\n")
            log.write("three\n")
            log.endBatch()
            #expect(try Self.contents(path) == "before\none\ntwo\nthree\n")
            log.write("after\n")
            #expect(try Self.contents(path) == "before\none\ntwo\nthree\nafter\n")
            // An unmatched close changes nothing.
            log.endBatch()
            log.write("last\n")
            #expect(try Self.contents(path).hasSuffix("after\nlast\n"))
        }
    }

    @Test("a batch past its limit writes what it holds early, so memory stays bounded; nothing is lost or reordered")
    func limit() throws {
        try Self.withLogPath { path in
            let log = LogFile(path: path)
            try log.start(nil)
            let line = String(repeating: "x", count: 99) + "\n"
            let count = 2 * LogFile.batchLimit / line.utf8.count
            log.beginBatch()
            for _ in 0..<count { log.write(line) }
            // Past the limit: at least one early write happened inside the batch.
            #expect(try Self.contents(path).utf8.count >= LogFile.batchLimit)
            log.endBatch()
            #expect(try Self.contents(path) == String(repeating: line, count: count))
        }
    }

    @Test("a batch opened before the file starts holds its lines for the start, like any line")
    func beforeStart() throws {
        try Self.withLogPath { path in
            let log = LogFile(path: path)
            log.beginBatch()
            log.write("early\n")
            log.endBatch()
            #expect(!FileManager.default.fileExists(atPath: path))
            try log.start(nil)
            #expect(try Self.contents(path) == "early\n")
        }
    }

    @Test("a logger's lines: the UTC time to the millisecond, the label, the level unless info, the message escaped, metadata sorted")
    func lineForm() throws {
        try Self.withLogPath { path in
            let log = LogFile(path: path)
            try log.start(nil)
            var logger = log.logger(label: "server")
            let before = Date()
            logger.info("Registering client 127.0.0.1:5000 (compact).")
            logger.warning("odd \u{1B}[2J name")
            logger[metadataKey: "match"] = "7"
            logger.info("with metadata", metadata: ["at": "kick-off"])
            let after = Date()
            let lines = try Self.contents(path).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == 4 && lines[3].isEmpty, "\(lines)")
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
            for line in lines.prefix(3) {
                // "[2026-11-25 01:20:00.123] " is 26 characters.
                let stamp = String(line.dropFirst().prefix(23))
                let time = try #require(formatter.date(from: stamp), "\(line)")
                #expect(line.hasPrefix("[") && Array(line)[24] == "]")
                #expect(
                    time.timeIntervalSince(before) > -0.002 && after.timeIntervalSince(time) > -0.002,
                    "\(stamp) against \(before.timeIntervalSince1970)...\(after.timeIntervalSince1970)")
            }
            #expect(lines[0].dropFirst(26) == "(server) Registering client 127.0.0.1:5000 (compact).")
            #expect(lines[1].dropFirst(26) == "(server) WARNING odd \\u{1B}[2J name")
            #expect(lines[2].dropFirst(26) == "(server) with metadata at=kick-off match=7")
        }
    }
}
