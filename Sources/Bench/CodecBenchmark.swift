#if canImport(Glibc)
import Glibc
#endif
import Match
import Wire

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

    /// Encodes then decodes every event of 20 matches, round after round, for at least `seconds` of CPU.
    public static func run(format: BodyFormat, seconds: Double = 2) throws -> Result {
        let events = (1...20).flatMap { MatchSimulator.play(seed: UInt64($0)).events }
        var frames = 0
        let start = LoadGenerator.threadCPU()
        var checksum = 0
        repeat {
            for (index, event) in events.enumerated() {
                let frame = format == .json
                    ? try Frame.jsonEvent(event, sequence: UInt32(index), roster: .original, catalog: .english)
                    : Frame.compactEvent(event, sequence: UInt32(index))
                let bytes = try frame.encoded()
                let decoded = try Frame.decode(bytes)
                checksum &+= Int(decoded.sequence)
            }
            frames += events.count
        } while LoadGenerator.threadCPU() - start < seconds
        precondition(checksum != -1)
        return Result(format: format, frames: frames, seconds: LoadGenerator.threadCPU() - start)
    }
}
