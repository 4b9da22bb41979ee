import Foundation
import Logging
import Match
import Streaming
import Wire

/// Gap repair under loss, in one process on 127.0.0.1: a server, `soccer-stream impair` between
/// it and N clients (loss both ways, a one-way delay so that the round trip is measurable), one
/// match; the residual loss, the repair traffic as a multiple of the bytes lost, and the repair
/// delay in round trips and in event intervals.
public struct RepairBenchmark {
    /// One setting measured.
    public struct Result: Sendable {
        public var clients: Int
        public var loss: String
        /// Events expected over every client, and those never repaired.
        public var expected: Int
        public var lost: Int
        public var repaired: Int
        public var unrecovered: Int
        /// Bytes the server sent for repair (retransmissions, unavailable answers) over first-time event bytes dropped.
        public var resentPerLostByte: Double
        /// Bytes the clients sent asking (nacks), over the same.
        public var nacksPerLostByte: Double
        /// Repair delays' median and 99th percentile, in seconds.
        public var delayMedian: Double
        public var delay99: Double
        /// The round trip and the event interval the delays are measured against.
        public var roundTrip: Double
        /// The median of the clients' measured repair round trips (RFC 6298's SRTT), in seconds:
        /// above ``roundTrip`` when the machine, not the link, is the bottleneck.
        public var measuredRoundTrip: Double?
        public var interval: Double

        /// Unrecovered over expected, in percent.
        public var residualPercent: Double { expected > 0 ? 100 * Double(unrecovered) / Double(expected) : 0 }
    }

    /// The one-way delay the relay adds each way.
    public var oneWayDelay: Duration = .milliseconds(5)
    /// The time between events (at least four round trips).
    public var interval: Duration = .milliseconds(50)

    /// Creates the benchmark.
    public init() {}

    /// Runs one match through the relay with `clients` clients and `impairment` both ways.
    public func run(clients count: Int, impairment: Impairment, name: String, seed: UInt64 = 1) async throws -> Result {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        var serverConfiguration = ServerConfiguration()
        serverConfiguration.host = "127.0.0.1"
        serverConfiguration.port = 0
        serverConfiguration.interval = interval
        serverConfiguration.seed = seed
        serverConfiguration.waitForClients = count
        serverConfiguration.maxClients = count + 10
        serverConfiguration.registerRate = 0
        serverConfiguration.repairGrace = .seconds(5)
        serverConfiguration.clientTimeout = .seconds(120)
        serverConfiguration.originalAllowed = false
        let server = try await StreamServer.bind(configuration: serverConfiguration, logger: quiet)
        var relayConfiguration = ImpairmentConfiguration()
        relayConfiguration.serverPort = server.localAddress.port ?? 0
        var both = impairment
        both.delay = oneWayDelay
        relayConfiguration.toClient = both
        relayConfiguration.toServer = both
        relayConfiguration.eventsOnly = true
        relayConfiguration.seed = seed
        let relay = try await ImpairmentProxy.start(configuration: relayConfiguration)
        var clients: [StreamClient] = []
        for _ in 0..<count {
            var configuration = ClientConfiguration()
            configuration.port = relay.port
            configuration.registerAttempts = 20
            configuration.serverTimeout = .seconds(60)
            clients.append(try await StreamClient.connect(configuration: configuration, logger: quiet))
        }
        let list = clients
        let results = try await withThrowingTaskGroup(of: ClientResult?.self) { group in
            group.addTask {
                _ = try await server.run()
                return nil
            }
            for client in list { group.addTask { try await client.run() } }
            var results: [ClientResult] = []
            for try await result in group {
                if let result {
                    results.append(result)
                    if results.count == list.count { server.stop() }  // every client is done: no need to wait out the grace
                }
            }
            return results
        }
        let report = relay.report
        await relay.close()
        let delays = results.flatMap(\.statistics.repairDelays).sorted()
        func percentile(_ p: Double) -> Double { delays.isEmpty ? 0 : delays[min(delays.count - 1, Int(Double(delays.count) * p))] }
        let lostBytes = report.toClient.droppedEventBytes
        let smoothed = results.compactMap { $0.repairTimer?.smoothed }.sorted()

        return Result(
            clients: count, loss: name, expected: results.reduce(0) { $0 + $1.statistics.expected },
            lost: results.reduce(0) { $0 + $1.statistics.lost }, repaired: results.reduce(0) { $0 + $1.statistics.repaired },
            unrecovered: results.reduce(0) { $0 + $1.statistics.unrecovered },
            resentPerLostByte: lostBytes > 0 ? Double(report.toClient.repairBytes) / Double(lostBytes) : 0,
            nacksPerLostByte: lostBytes > 0 ? Double(report.toServer.repairBytes) / Double(lostBytes) : 0,
            delayMedian: percentile(0.5), delay99: percentile(0.99), roundTrip: 2 * oneWayDelay.inSeconds,
            measuredRoundTrip: smoothed.isEmpty ? nil : smoothed[smoothed.count / 2], interval: interval.inSeconds)
    }

    /// A table of results.
    public static func table(_ results: [Result]) -> String {
        func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "loss         clients  expected    lost  repaired  unrecovered  residual %  resent/lost  nacks/lost  delay p50 (RTT, intervals)  delay p99 (RTT, intervals)  measured RTT"
        ]
        for r in results {
            lines.append(
                [
                    r.loss.padded(to: 12), String(r.clients).padded(to: 7, alignRight: true), String(r.expected).padded(to: 9, alignRight: true),
                    String(r.lost).padded(to: 7, alignRight: true), String(r.repaired).padded(to: 9, alignRight: true),
                    String(r.unrecovered).padded(to: 12, alignRight: true), f(r.residualPercent, 3).padded(to: 11, alignRight: true),
                    f(r.resentPerLostByte, 2).padded(to: 12, alignRight: true), f(r.nacksPerLostByte, 2).padded(to: 11, alignRight: true),
                    "\(f(r.delayMedian / r.roundTrip, 1)) RTT, \(f(r.delayMedian / r.interval, 2))".padded(to: 27, alignRight: true),
                    "\(f(r.delay99 / r.roundTrip, 1)) RTT, \(f(r.delay99 / r.interval, 2))".padded(to: 27, alignRight: true),
                    (r.measuredRoundTrip.map { "\(f($0 * 1000, 1)) ms" } ?? "-").padded(to: 13, alignRight: true),
                ].joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
