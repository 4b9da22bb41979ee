import Capture
import Foundation
import Testing
import Toolkit
import Wire

/// tshark with the Lua dissector (Tools/wireshark/soccerstream.lua) against `validate`, datagram
/// by datagram. Needs tshark (Debian's `tshark`, which `.ci/run` installs); without it these
/// tests are skipped with a message, unless SOCCERSTREAM_REQUIRE_TSHARK=1 (as in CI), when its
/// absence fails them.
@Suite("Wireshark dissector (tshark + Tools/wireshark/soccerstream.lua) agrees with validate")
struct WiresharkDissectorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("Tools/wireshark/soccerstream.lua").path
    static let port = 12345

    static let required = ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_TSHARK"] == "1"
    static let tshark: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/tshark" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    static let runnable = tshark != nil || required

    /// What tshark said of one datagram on the port.
    struct Row: Equatable, CustomStringConvertible {
        var frame: Int
        var valid: Bool
        var kind: String
        var sequence: String
        var home: String
        var away: String
        var minute: String
        var error: String
        var description: String { "#\(frame) \(valid ? "valid" : "MALFORMED") \(kind) seq \(sequence) \(home)-\(away) \(minute)' \(error)" }
    }

    /// Runs tshark with the dissector over `capture`: its rows for datagrams to or from the port,
    /// and its standard error. Bounded: tshark is killed after 120 s.
    static func dissect(_ capture: String) throws -> (rows: [Int: Row], errors: String) {
        let tshark = try #require(Self.tshark, "tshark is not installed (apt-get install tshark; CI installs it)")
        let fields = [
            "frame.number", "udp.srcport", "udp.dstport", "soccerstream.valid", "soccerstream.datagram_kind", "soccerstream.sequence",
            "soccerstream.home_score", "soccerstream.away_score", "soccerstream.minute", "soccerstream.error",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tshark)
        process.arguments =
            [
                "-n", "-X", "lua_script:\(script)", "-o", "soccerstream.port:\(port)", "-r", capture, "-T", "fields",
                "-E", "separator=|", "-E", "occurrence=f",
            ] + fields.flatMap { ["-e", $0] }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: deadline)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        var rows: [Int: Row] = [:]
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == fields.count, let frame = Int(cells[0]), !cells[3].isEmpty else { continue }
            guard cells[1] == String(port) || cells[2] == String(port) else { continue }
            rows[frame] = Row(
                frame: frame, valid: cells[3] == "1" || cells[3] == "True", kind: cells[4], sequence: cells[5],
                home: cells[6], away: cells[7], minute: cells[8], error: cells[9])
        }
        return (rows, String(decoding: stderr, as: UTF8.self))
    }

    /// Compares tshark's rows with validate's verdicts: the same datagrams, the same verdict, and
    /// for valid ones the same kind, sequence, score and minute. Returns the differences.
    static func differences(_ report: FileValidation, _ rows: [Int: Row]) -> [String] {
        var found: [String] = []
        var seen = Set<Int>()
        for verdict in report.verdicts {
            guard let frame = verdict.frame else { continue }
            seen.insert(frame)
            guard let row = rows[frame] else {
                found.append("#\(frame): validate has \(verdict.check.summary), tshark nothing")
                continue
            }
            guard row.valid == verdict.check.valid else {
                found.append(
                    "#\(frame): validate says \(verdict.check.valid ? "valid" : "invalid (\(verdict.check.error.map(String.init(describing:)) ?? ""))"), tshark \(row)"
                )
                continue
            }
            if let fields = verdict.check.fields {
                // The original protocol's texts carry no sequence, score or minute: tshark shows none, validate 0.
                let expected = [fields.kind, String(fields.sequence), String(fields.home), String(fields.away), String(fields.minute)]
                let got = [row.kind, row.sequence, row.home, row.away, row.minute].map { $0.isEmpty ? "0" : $0 }
                if expected != got { found.append("#\(frame): validate \(expected), tshark \(got)") }
            }
        }
        for frame in rows.keys.sorted() where !seen.contains(frame) {
            found.append("#\(frame): tshark has \(rows[frame].map(String.init(describing:)) ?? ""), validate nothing")
        }
        return found
    }

    static func lua(_ errors: String) -> [String] {
        errors.split(separator: "\n").map(String.init).filter { $0.contains("Lua") || $0.contains("dissector error") }
    }

    @Test("every fixture capture: the same datagrams, verdicts, kinds, sequences, scores and minutes", .enabled(if: runnable))
    func fixtureCaptures() throws {
        let directory = Self.root.appendingPathComponent("Fixtures/captures")
        let captures = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(captures.count >= 10)
        var compared = 0
        for name in captures {
            let path = directory.appendingPathComponent(name).path
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let report = CaptureValidation.validate(capture: bytes, path: path, port: Self.port)
            let (rows, errors) = try Self.dissect(path)
            #expect(Self.lua(errors).isEmpty, "\(name): \(Self.lua(errors))")
            let differences = Self.differences(report, rows)
            #expect(differences.isEmpty, "\(name): \(differences.prefix(10).joined(separator: "; "))")
            compared += report.verdicts.count
        }
        // The captures hold several hundred datagrams, some of them malformed on purpose.
        #expect(compared > 500)
    }

    @Test(
        "every golden frame, every truncation of its first 64 bytes and seeded bit flips: the same verdicts, never a Lua error",
        .enabled(if: runnable))
    func mutatedFrames() throws {
        let directory = Self.root.appendingPathComponent("Fixtures/frames")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".bin") }.sorted()
        let original = Self.root.appendingPathComponent("Fixtures/original")
        let originals = try FileManager.default.contentsOfDirectory(atPath: original.path).filter { $0.hasSuffix(".bin") }.sorted()
            .map { original.appendingPathComponent($0) }
        var writer = PcapWriter()
        var expected: [(frame: Int, valid: Bool, what: String)] = []
        var random = UInt64(0x5EED)
        func next() -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return random >> 33
        }
        let server = Endpoint(address: "127.0.0.1", port: Self.port)
        let client = Endpoint(address: "127.0.0.1", port: 40000)
        for url in names.map({ directory.appendingPathComponent($0) }) + originals {
            let bytes = try [UInt8](Data(contentsOf: url))
            let toServer = (try? Datagram.decode(bytes))?.travels(.toServer) ?? false
            var variants: [([UInt8], String)] = [(bytes, "whole")]
            for length in 0..<min(bytes.count, 65) { variants.append((Array(bytes.prefix(length)), "first \(length) bytes")) }
            if bytes.count > 65 { variants.append((Array(bytes.dropLast()), "all but the last byte")) }
            for _ in 0..<12 where !bytes.isEmpty {
                var flipped = bytes
                let at = Int(next() % UInt64(bytes.count))
                flipped[at] ^= UInt8(1 << (next() % 8))
                variants.append((flipped, "bit flip at byte \(at)"))
            }
            for (payload, what) in variants {
                let direction: Direction = toServer ? .toServer : .toClient
                guard
                    writer.append(
                        payload: payload, from: toServer ? client : server, to: toServer ? server : client,
                        timestamp: Double(expected.count) / 1000)
                else { continue }
                expected.append((expected.count + 1, DatagramCheck(payload, direction: direction).valid, "\(url.lastPathComponent) \(what)"))
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("soccerstream-dissector-\(getpid()).pcap").path
        try Data(writer.bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (rows, errors) = try Self.dissect(path)
        #expect(Self.lua(errors).isEmpty, "\(Self.lua(errors).prefix(5))")
        var disagreements: [String] = []
        for item in expected {
            guard let row = rows[item.frame] else {
                // An empty datagram is no protocol's: tshark hands it to no dissector, and validate calls it malformed.
                if item.valid { disagreements.append("#\(item.frame) \(item.what): valid, but tshark shows nothing") }
                continue
            }
            if row.valid != item.valid {
                disagreements.append("#\(item.frame) \(item.what): validate \(item.valid ? "valid" : "invalid"), tshark \(row)")
            }
        }
        #expect(expected.count > 2500)
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(expected.count): \(disagreements.prefix(12).joined(separator: "; "))")
    }
}
