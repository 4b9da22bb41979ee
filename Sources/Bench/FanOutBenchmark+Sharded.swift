import Foundation
import Match
import Wire

// Many matches and many generator processes: how the clients are dealt over slots, and the
// runs with more clients than one process can hold.
extension FanOutBenchmark {
    /// Each slot's first match id and events over `matches` back-to-back matches, as a server
    /// of seed 1 carrying `concurrent` matches plays them.
    static func slots(concurrent: Int, matches: Int) -> (ids: [UInt32], events: [Int]) {
        var ids: [UInt32] = []
        var events: [Int] = []
        for slot in 0..<concurrent {
            let first = MatchSimulator(roundSlot: slot, seed: 1)
            ids.append(first.matchID)
            events.append((0..<matches).reduce(0) { $0 + MatchSimulator.play(seed: first.seed + UInt64($1), roster: first.roster).events.count })
        }
        return (ids, events)
    }

    /// The events the clients `range` receive in all, client *i* following slot *i* mod the slot count.
    static func events(of range: Range<Int>, perSlot: [Int]) -> Int {
        range.reduce(0) { $0 + perSlot[$1 % perSlot.count] }
    }

    /// More clients than one generator process can hold: the server, and shards of at most
    /// ``GeneratorShard/maximumClients`` clients in processes of their own (`bench generate`).
    func measureSharded(clients: Int, format: BodyFormat, matches: Int, concurrent: Int, work: WorkDirectory) throws -> (run: Run, events: Int) {
        let (ids, perSlot) = Self.slots(concurrent: concurrent, matches: matches)
        let expected = Self.events(of: 0..<clients, perSlot: perSlot)
        let port = try Self.freePort()
        let server = try ChildProcess(
            executable,
            serverArguments(
                port: port, clients: clients, matches: matches, concurrent: concurrent,
                format: format, interval: String(interval), work: work))
        var shards: [(ChildProcess, String)] = []
        var first = 0
        while first < clients {
            let count = min(GeneratorShard.maximumClients, clients - first)
            let share = Self.events(of: first..<(first + count), perSlot: perSlot)
            let result = work.path("shard-\(first).txt")
            shards.append(
                (
                    try GeneratorShard.start(
                        executable, serverPort: port, first: first, count: count, format: format, matches: ids, expected: share,
                        idle: max(1.0, 3 * interval), patience: max(120.0, 3 * interval), result: result), result
                ))
            first += count
        }
        var received = 0
        var firstArrival = Double.infinity
        var lastArrival = 0.0
        let timeout = 300 + 100 * interval * Double(matches)
        for (shard, result) in shards {
            let exit = shard.wait(timeout: timeout)
            guard exit.status == 0 else { throw BenchError("a generator shard failed (status \(exit.status)); see \(result)") }
            let got = try GeneratorShard.read(result)
            received += got.received
            if got.received > 0 {
                firstArrival = min(firstArrival, got.first)
                lastArrival = max(lastArrival, got.last)
            }
        }
        let exit = server.wait(timeout: 60)
        return (
            Run(
                expected: expected, received: received, seconds: firstArrival.isFinite ? lastArrival - firstArrival : 0,
                cpuSeconds: exit.cpuSeconds, peakResidentMiB: exit.peakResidentMiB), expected / max(1, clients)
        )
    }
}
