import Foundation
import Wire

/// One load-generator process of a benchmark too large for one (`bench generate`, hidden): a
/// process may hold only so many sockets (the open-file limit), so 100,000 clients are dealt
/// over several, each registering its share and counting what arrives, then writing
/// `received first last cpu` to a file for the parent to add up.
public enum GeneratorShard {
    /// The most clients one generator process takes (under the 20,000-descriptor limit here).
    public static let maximumClients = 19_000

    /// Runs one shard: sockets `firstIndex ..< firstIndex + count` of the benchmark.
    public static func run(
        serverPort: Int, count: Int, firstIndex: Int, format: BodyFormat, matches: [UInt32], expected: Int,
        idle: Double, patience: Double, resultPath: String
    ) throws {
        let generator = try LoadGenerator(count: count, firstIndex: firstIndex, receiveBuffer: format == .json ? 4 << 20 : 1 << 20)
        try generator.register(serverPort: serverPort, format: format, matches: matches, seconds: 120, counting: FanOutBenchmark.isEvent)
        let reception = generator.receive(expected: expected, idle: idle, patience: patience, accept: FanOutBenchmark.isEvent)
        let line = "\(reception.datagrams) \(reception.first ?? 0) \(reception.last ?? 0) \(reception.cpuSeconds)\n"
        do {
            try line.write(toFile: resultPath, atomically: true, encoding: .utf8)
        } catch {
            throw BenchError("cannot write the shard's result to \(resultPath): \(error.localizedDescription)")
        }
    }

    /// Starts shard `first ..< first + count` of a benchmark as its own process
    /// (`executable bench generate`), writing its figures to `result`.
    static func start(
        _ executable: String, serverPort: Int, first: Int, count: Int, format: BodyFormat = .compact, matches: [UInt32] = [],
        expected: Int, idle: Double, patience: Double, result: String
    ) throws -> ChildProcess {
        try ChildProcess(
            executable,
            [
                "bench", "generate", "--port", String(serverPort), "--count", String(count), "--first-index", String(first),
                "--format", format.name, "--matches", matches.map(String.init).joined(separator: ","), "--expected", String(expected),
                "--idle", String(idle), "--patience", String(patience), "--result", result,
            ])
    }

    /// What a shard wrote: datagrams received, first and last arrival, CPU seconds.
    static func read(_ path: String) throws -> (received: Int, first: Double, last: Double, cpu: Double) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchError("a generator shard wrote no result to \(path): \(error.localizedDescription)")
        }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 4, let received = Int(fields[0]), let first = Double(fields[1]), let last = Double(fields[2]),
            let cpu = Double(fields[3])
        else {
            throw BenchError("a generator shard's result in \(path) is not 'received first last cpu': \(text)")
        }
        return (received, first, last, cpu)
    }
}
