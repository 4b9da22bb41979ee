import Bench
import Foundation
import Match
import Testing
import Wire

@Suite("bench pace and the original protocol's load generator")
struct PaceAndOriginalBenchTests {
    @Test("original-protocol clients: registered with the 8-byte register, every client gets every event as bare JSON")
    func originalClients() async throws {
        let server = try await BenchTests.server(waitingFor: 20) { $0.originalAllowed = true }
        async let summary = server.run()
        let generator = try LoadGenerator(count: 20)
        let port = server.localAddress.port ?? 0
        let bare: @Sendable (ArraySlice<UInt8>) -> Bool = { $0.first == UInt8(ascii: "{") }
        // The generator blocks in epoll: on its own thread, so the server's tasks here keep running.
        let reception = try await LoadGenerator.onOwnThread {
            try generator.registerOriginal(serverPort: port, seconds: 60, counting: bare)
            return generator.receive(expected: 20 * MatchSimulator.play(seed: 1).events.count, idle: 20, patience: 60, accept: bare)
        }
        let totals = try await summary
        #expect(reception.datagrams == 20 * totals.events)
    }

    @Test("bench pace measures this build's server with and without the match log: every event counted, a CPU figure each")
    func pace() async throws {
        var benchmark = PaceBenchmark(executable: try RelayBenchmarkTests.executable())
        benchmark.interval = 0.05
        benchmark.events = 5
        let configured = benchmark
        let runs = try await LoadGenerator.onOwnThread {
            [
                try configured.measure(configured.executable, label: "this", durable: false),
                try configured.measure(configured.executable, label: "this", durable: true),
            ]
        }
        #expect(runs.map(\.events) == [5, 5])
        // The C ceiling at the same pace, measured the same way.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/ceiling.c").path
        let ceiling = try await LoadGenerator.onOwnThread { try configured.measureCeiling(source: source) }
        #expect(ceiling.events == 5 && ceiling.label == "C ceiling" && ceiling.cpuSeconds >= 0)
        #expect(runs.allSatisfy { $0.cpuSeconds > 0 && $0.millisecondsPerEvent > 0 })
        let table = PaceBenchmark.table(runs, interval: 0.05)
        #expect(table.contains("CPU ms/event") && table.contains("durable") && table.contains("none"))
    }
}
