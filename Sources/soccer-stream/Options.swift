import ArgumentParser
import GroupSigning
import Logging
import Match
import Streaming
import Wire

extension Language: ExpressibleByArgument {}

/// Options shared by every command that simulates a match.
struct MatchOptions: ParsableArguments {
    @Option(help: "The match's seed: the same seed gives the same match on every machine.")
    var seed: UInt64 = 1

    @Option(help: "The language of event names and phrases (\(Language.allCases.map(\.rawValue).joined(separator: ", "))).")
    var language: Language = .en
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension DemoFormat: ExpressibleByArgument {}
extension BadLinePolicy: ExpressibleByArgument {}
extension EncryptionPolicy: ExpressibleByArgument {}

/// Where the server is, spelled the same by every command that asks (`client`, `impair`):
/// `--server HOST[:PORT]`, the port also as `--server-port` (and, for the client, as `--port`,
/// version 2's spelling, kept for scripts). A relay's `--upstream HOST:PORT` is the same value
/// and also answers to `--server`.
struct ServerAddressOptions: ParsableArguments {
    @Option(help: "The server: HOST, HOST:PORT or [IPv6]:PORT (its port otherwise from --server-port, 12345 by default).")
    var server = "127.0.0.1"
    @Option(help: "The server's UDP port (or give it in --server HOST:PORT).") var serverPort: Int?

    /// The server named, `alias` being another spelling of `--server-port` (`option`) if given.
    func address(alias: Int? = nil, option: String = "--port") throws -> Upstream {
        if let alias, let serverPort, alias != serverPort {
            throw ValidationError("\(option) \(alias) and --server-port \(serverPort) name two ports: give one")
        }
        return try Upstream.server(server, port: serverPort ?? alias, portSetting: serverPort != nil ? "--server-port" : option)
    }
}
extension ReplayPace: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { self == .recorded ? "recorded" : description }
}

/// A body format as the command line names it.
enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
    case compact
    case json

    var format: BodyFormat { self == .json ? .json : .compact }
}

/// The formats a server offers.
enum OfferChoice: String, ExpressibleByArgument, CaseIterable {
    case any
    case compact
    case json

    var formats: [BodyFormat] {
        switch self {
        case .any: [.compact, .json]
        case .compact: [.compact]
        case .json: [.json]
        }
    }
}

/// The preset compression dictionary offered (client) or agreed to (server).
enum DictionaryChoice: String, ExpressibleByArgument, CaseIterable {
    case standard
    case none

    var dictionaries: [CompressionDictionary] { self == .standard ? [.standard] : [] }
}

/// Whether original-protocol clients are served.
enum OriginalPolicy: String, ExpressibleByArgument, CaseIterable {
    case allow
    case deny
}

/// Turns a number of seconds such as `0.05` into a duration (to the microsecond). Only what a
/// `Duration` cannot hold is refused here; the ranges are the configuration's to check.
func duration(seconds: Double, option: String) throws -> Duration {
    guard seconds.isFinite, abs(seconds) <= 1e9 else {
        throw ValidationError(
            "\(option): \(seconds) is out of range; expected a finite number of seconds, at most 1000000000 (the option's own range is checked next)")
    }
    return .microseconds(Int64((seconds * 1_000_000).rounded()))
}

extension Duration {
    /// A number of milliseconds from the command line (to the microsecond).
    static func milliseconds(_ value: Double, option: String) throws -> Duration {
        try duration(seconds: value / 1000, option: option)
    }
}

/// The formats a benchmark measures.
enum BenchFormatChoice: String, ExpressibleByArgument, CaseIterable {
    case compact
    case json
    case both

    var formats: [BodyFormat] {
        switch self {
        case .compact: [.compact]
        case .json: [.json]
        case .both: [.compact, .json]
        }
    }
}

/// `bench fanout --format`: the clients' formats, the original protocol's included.
enum FanOutFormatChoice: String, ExpressibleByArgument, CaseIterable {
    case compact
    case json
    case original
    case both
    case all

    /// Each run's body format, and whether its clients speak the original protocol (bare JSON).
    var runs: [(format: BodyFormat, original: Bool)] {
        switch self {
        case .compact: [(.compact, false)]
        case .json: [(.json, false)]
        case .original: [(.json, true)]
        case .both: [(.compact, false), (.json, false)]
        case .all: [(.compact, false), (.json, false), (.json, true)]
        }
    }
}

/// `--match ID[,ID...]` (client, relay): match ids as `client --list` prints them.
func matchIDs(_ option: String) throws -> [UInt32] {
    try option.split(separator: ",").map { part in
        guard let id = UInt32(part.trimmingCharacters(in: .whitespaces)), id != 0 else {
            throw ValidationError("--match takes match ids (1...4294967295, as client --list prints them), comma-separated; got '\(part)'")
        }
        return id
    }
}
