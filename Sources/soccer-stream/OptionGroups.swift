import ArgumentParser
import Foundation
import Logging
import Streaming

// Option groups spelled the same by every command that takes them: where a command logs,
// where it listens, and the time between events. Each command names its own defaults
// (server.log or client.log; port 12345 or 12346; 1 s or 1.25 s) through a type of defaults.

/// A command's log file, by default.
protocol LogDefaults {
    static var logFile: String { get }
}

/// `--log-file` and `--log-level` (server, relay, client).
struct LoggingOptions<Defaults: LogDefaults>: ParsableArguments {
    @Option(help: "The log file (relative paths from the current directory; appended to).") var logFile = Defaults.logFile
    @Option(help: "The least severe level logged (debug adds a line per datagram sent).")
    var logLevel: Logger.Level = .info
}

/// Where a command listens, by default, and what its port is for.
protocol ListenDefaults {
    static var host: String { get }
    static var port: Int { get }
    static var portHelp: String { get }
}

/// `--host` and `--port`: the address a command binds (server, relay, impair).
struct ListenOptions<Defaults: ListenDefaults>: ParsableArguments {
    @Option(help: "The address to bind.") var host = Defaults.host
    @Option(help: ArgumentHelp(Defaults.portHelp)) var port = Defaults.port

    /// The port, checked: 0 (any free one) through 65535.
    func checkedPort() throws -> Int {
        guard (0...65535).contains(port) else { throw ValidationError("--port: \(port); expected 0...65535 (0: any free port)") }
        return port
    }
}

/// A command's time between events, by default, and the seconds it takes.
protocol PaceDefaults {
    static var interval: Double { get }
    static var intervalHelp: String { get }
    /// The seconds `--interval` takes; nil where the library checks it (the server's
    /// configuration, the demo).
    static var range: ClosedRange<Double>? { get }
}

extension PaceDefaults {
    static var range: ClosedRange<Double>? { nil }
}

/// `--interval SECONDS`: the time between a match's events (server, demo, simulate, the
/// benchmarks that pace a match in seconds).
struct PaceOptions<Defaults: PaceDefaults>: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(Defaults.intervalHelp)) var interval = Defaults.interval

    /// The interval in seconds, checked against the command's range.
    func seconds() throws -> Double {
        if let range = Defaults.range, !(interval.isFinite && range.contains(interval)) {
            throw ValidationError("--interval: \(interval); expected \(range.lowerBound.formatted)...\(range.upperBound.formatted) seconds")
        }
        return interval
    }

    /// The interval as a duration (to the microsecond), checked against the command's range.
    func pace() throws -> Duration {
        try duration(seconds: try seconds(), option: "--interval")
    }
}

extension Double {
    /// The number as a person writes it: 1 rather than 1.0, 0.05 as it is.
    fileprivate var formatted: String { rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self) }
}

// Each command's defaults.

/// `server`: server.log; 0.0.0.0:12345 (the original's port); one event a second.
enum ServerDefaults: LogDefaults, ListenDefaults, PaceDefaults {
    static let logFile = "server.log"
    static let host = "0.0.0.0"
    static let port = 12345
    static let portHelp = "The UDP port (the original used 12345)."
    static let interval = 1.0
    static let intervalHelp = "Seconds between events, fractional (e.g. 0.05)."
}

/// `relay`: relay.log (its socket's defaults are the server's: ``ServingOptions``).
enum RelayDefaults: LogDefaults {
    static let logFile = "relay.log"
}

/// `client`: client.log.
enum ClientDefaults: LogDefaults {
    static let logFile = "client.log"
}

/// `impair`: clients send to 127.0.0.1:12346.
enum ImpairDefaults: ListenDefaults {
    static let host = "127.0.0.1"
    static let port = 12346
    static let portHelp = "The port clients send to (0: any free one, printed at start)."
}

/// `demo`: a match in about a minute.
enum DemoDefaults: PaceDefaults {
    static let interval = 1.25
    static let intervalHelp = "Seconds between events (the default plays a match in about a minute)."
}

/// `simulate --jsonl`: events one second apart.
enum SimulateDefaults: PaceDefaults {
    static let interval = 1.0
    static let intervalHelp = "With --jsonl: seconds between events, written as each event's time after kick-off (\"at\")."
    static let range: ClosedRange<Double>? = 0...3600
}

/// `bench pace`: the real pace, an event a second.
enum PaceBenchDefaults: PaceDefaults {
    static let interval = 1.0
    static let intervalHelp = "Seconds between events (1: the real pace of a match day)."
    static let range: ClosedRange<Double>? = 0.001...10
}

/// `bench relay`.
enum RelayBenchDefaults: PaceDefaults {
    static let interval = 0.05
    static let intervalHelp = "Seconds between events."
    static let range: ClosedRange<Double>? = 0.001...10
}

/// `bench multicast`.
enum MulticastBenchDefaults: PaceDefaults {
    static let interval = 0.02
    static let intervalHelp = "Seconds between events."
    static let range: ClosedRange<Double>? = 0.001...10
}

/// `bench fanout`: as fast as possible by default.
enum FanOutBenchDefaults: PaceDefaults {
    static let interval = 0.0
    static let intervalHelp = "Seconds between a match's events (0: as fast as possible; 1: the real pace)."
    static let range: ClosedRange<Double>? = 0...10
}

/// `bench fanout|pace|register --baseline`: another build measured the same way in the same run.
struct BaselineOption: ParsableArguments {
    @Option(help: "Another build's soccer-stream executable (say, the build before a change), measured the same way in the same run.")
    var baseline: String?

    func validate() throws {
        if let baseline, !FileManager.default.isExecutableFile(atPath: baseline) {
            throw ValidationError("--baseline: \(baseline) is not an executable file")
        }
    }
}
