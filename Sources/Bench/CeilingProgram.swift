import Foundation
import Match
import Wire

/// Benchmarks/ceiling.c, compiled in a work directory with the files it reads: the generator's
/// ports and one event datagram, as `bench fanout` and `bench pace` run it.
struct CeilingProgram {
    /// The compiled program.
    let binary: String
    /// One receiver port per line.
    let portsFile: String
    /// The datagram it sends.
    let payloadFile: String

    /// Compiles `source` into `work` and writes `generator`'s ports and the event datagram of
    /// seed 1's eleventh event in `format` (`original`: the JSON frame's body, bare, as the
    /// original protocol sends it, Spec §8).
    init(source: String, work: WorkDirectory, generator: LoadGenerator, format: BodyFormat = .compact, original: Bool = false) throws {
        binary = try work.compile(source, into: "ceiling")
        let ports = work.url.appendingPathComponent("ports.txt")
        try generator.ports.map(String.init).joined(separator: "\n").write(to: ports, atomically: true, encoding: .utf8)
        let event = MatchSimulator.play(seed: 1).events[10]
        let frame =
            format == .json
            ? try Frame.jsonEvent(event, sequence: 10, roster: .original, catalog: .english).encoded()
            : try Frame.compactEvent(event, sequence: 10).encoded()
        let payload = work.url.appendingPathComponent("payload.bin")
        try Data(original ? Array(frame.dropFirst(FrameHeader.size)) : frame).write(to: payload)
        (portsFile, payloadFile) = (ports.path, payload.path)
    }
}
