import Foundation
import Match
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Encode and decode throughput of event frames, per format, on one core.
public enum CodecBenchmark {
    /// One format's figures.
    public struct Result: Sendable {
        public var format: BodyFormat
        /// Frames encoded and decoded.
        public var frames: Int
        /// CPU seconds of this thread.
        public var seconds: Double
        /// Encode + decode pairs per second on one core.
        public var perSecond: Double { seconds > 0 ? Double(frames) / seconds : 0 }
    }

    /// Encodes then decodes every event of 20 matches, round after round, for at least `seconds`
    /// of CPU, or exactly `frames` frames when given.
    public static func run(format: BodyFormat, seconds: Double = 2, frames limit: Int? = nil) throws -> Result {
        let events = (1...20).flatMap { MatchSimulator.play(seed: UInt64($0)).events }
        var frames = 0
        let start = LoadGenerator.threadCPU()
        var checksum = 0
        repeat {
            for (index, event) in events.enumerated() where limit.map({ frames + index < $0 }) ?? true {
                let frame =
                    format == .json
                    ? try Frame.jsonEvent(event, sequence: UInt32(index), roster: .original, catalog: .english, subscription: 1)
                    : Frame.compactEvent(event, sequence: UInt32(index), subscription: 1)
                let bytes = try frame.encoded()
                let decoded = try Frame.decode(bytes)
                checksum &+= Int(decoded.sequence)
            }
            frames += min(events.count, limit.map { $0 - frames } ?? events.count)
        } while limit.map { frames < $0 } ?? (LoadGenerator.threadCPU() - start < seconds)
        precondition(checksum != -1)
        return Result(format: format, frames: frames, seconds: LoadGenerator.threadCPU() - start)
    }
}

extension CodecBenchmark {
    /// Allocations per encode + decode pair: `executable bench codec --frames N` runs under the
    /// LD_PRELOAD counter built from `counterSource`, for N and 2N frames; the difference over N
    /// leaves out start-up.
    public static func allocationsPerFrame(format: BodyFormat, executable: String, counterSource: String, frames: Int = 20_000) throws -> Double {
        try WorkDirectory.with("codec-allocations") { work in
            let library = try work.allocationCounter(counterSource)
            func count(_ frames: Int) throws -> Int {
                let file = work.url.appendingPathComponent("count-\(frames).txt")
                let child = try ChildProcess(
                    executable, ["bench", "codec", "--format", format.name, "--frames", String(frames)],
                    environment: ["LD_PRELOAD": library, "ALLOC_COUNT_FILE": file.path])
                _ = child.wait(timeout: 120)
                let text: String
                do {
                    text = try String(contentsOf: file, encoding: .utf8)
                } catch {
                    throw BenchError("the allocation counter wrote no total to \(file.path): \(error.localizedDescription)")
                }
                guard let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw BenchError("the allocation counter's total in \(file.path) is not a number: \(text.prefix(40))")
                }
                return value
            }
            return Double(try count(2 * frames) - count(frames)) / Double(frames)
        }
    }
}
