// swift-tools-version: 6.1
import PackageDescription

let nio: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "SoccerStream",
    // Linux only: built and tested on Debian 12 with Swift 6.3.1 (README, "Platforms"). No other
    // platform is claimed, since none is built.
    products: [
        .executable(name: "soccer-stream", targets: ["soccer-stream"]),
        .library(name: "MatchModel", targets: ["MatchModel"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Match", targets: ["Match"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        // Services and signals (ServiceGroup, UnixSignalsSequence); Hummingbird depends on it already.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Without its default traits (swift-configuration support, full Foundation): not used here.
        // Server and relay settings from SOCCERSTREAM_* variables and a JSON file (--config); JSON trait only.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // TLS for the web gateway's pages (--tls-cert): HummingbirdTLS's own dependency, named to
        // check a certificate and key at start (NIOSSLContext).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The match model: events, rosters, phrase catalogues, feed lines; no bytes, no I/O.
        .target(name: "MatchModel"),
        // Bytes: frames, codecs, the rule table (Spec/PROTOCOL.md); it re-exports MatchModel.
        .target(name: "Wire", dependencies: ["MatchModel", "CZlib"]),
        // Ed25519 for group events (Spec §4.11), apart from Wire so that decoders and fuzzers need no cryptography.
        .target(name: "GroupSigning", dependencies: ["Wire", "FileAccess", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Match", dependencies: ["Wire"]),
        .target(name: "Capture"),
        // Importers of real match data: StatsBomb's events and line-ups, openfootball's football.json.
        .target(name: "Importers", dependencies: ["MatchModel", "Wire"]),
        .target(name: "CDatagram"),
        // Whole files read with the reason in plain words (tools, and a server's revocation list).
        .target(name: "FileAccess"),
        .target(name: "Toolkit", dependencies: ["Wire", "GroupSigning", "Match", "Capture", "Importers", "FileAccess"]),
        // The streaming modules, one per role on the data path (docs/ARCHITECTURE.md).
        // Errors, clocks, signals, log files, locks: what every runtime uses.
        .target(
            name: "RuntimeSupport",
            dependencies: [
                "Wire", "CDatagram", nio, nioPosix, logging,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The datagram transport: the server's channel handler and its sendmmsg sender.
        .target(name: "DatagramTransport", dependencies: ["RuntimeSupport", "Wire", "CDatagram", nio, nioPosix, logging]),
        // The server's engine, free of I/O: subscriptions, registration, repair, the original protocol.
        .target(
            name: "ServerEngine",
            dependencies: ["RuntimeSupport", "Wire", "Match", "GroupSigning", nio, logging, .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The durable store: the match log (SQLite), the data directory's lock, the group key file.
        .target(
            name: "MatchStore",
            dependencies: [
                "RuntimeSupport", "ServerEngine", "Wire", "Match", "GroupSigning", logging,
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        // The client's engine, free of I/O: reception, gaps and repairs, statistics, the live snapshot.
        .target(name: "ClientEngine", dependencies: ["RuntimeSupport", "Wire", "Match", "GroupSigning", nio]),
        // The terminal UI: the live view and the scoreboard.
        .target(name: "TerminalUI", dependencies: ["RuntimeSupport", "ClientEngine", "Wire", "Match"]),
        // The client's runtime: its socket and control loop, listings, progress, reports.
        .target(
            name: "ClientRuntime",
            dependencies: [
                "RuntimeSupport", "ClientEngine", "TerminalUI", "ServerEngine", "Wire", "Match", "GroupSigning", "Capture",
                nio, nioPosix, logging,
            ]
        ),
        // A relay's upstream: following a server as one of its clients.
        .target(name: "RelayRuntime", dependencies: ["RuntimeSupport", "ClientEngine", "ClientRuntime", "ServerEngine", "Wire", "Match", logging]),
        // The server's runtime: the stream loop, fan-out, feeds, resume, metrics.
        .target(
            name: "ServerRuntime",
            dependencies: [
                "RuntimeSupport", "DatagramTransport", "ServerEngine", "MatchStore", "ClientEngine", "ClientRuntime", "RelayRuntime",
                "Wire", "Match", "GroupSigning", "FileAccess", "CDatagram", nio, nioPosix, logging,
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Flags, then SOCCERSTREAM_* variables, then a JSON configuration file: one layered reading.
        .target(
            name: "CommandSettings",
            dependencies: [
                "RuntimeSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `soccer-stream impair`: the userland network impairment proxy.
        .target(name: "ImpairmentProxy", dependencies: ["RuntimeSupport", "Wire", "Match", nio, nioPosix, logging]),
        // The web gateway (issue 26): pages and Server-Sent Events for browsers. WebEngine is
        // pure (the board of matches, its actions, the rendered pages and records); WebRuntime
        // follows the stream and serves them with Hummingbird.
        .target(name: "WebEngine", dependencies: ["Match", "Wire", "GroupSigning"]),
        // What the test targets share (they cannot import one another).
        .target(name: "TestSupport"),
        .target(
            name: "WebRuntime",
            dependencies: [
                "WebEngine", "RelayRuntime", "ClientRuntime", "ClientEngine", "RuntimeSupport", "ServerEngine", "Wire", "Match", nio, logging,
                "GroupSigning", "FileAccess",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // All of the above in one import, and the demo.
        .target(
            name: "Streaming",
            dependencies: [
                "RuntimeSupport", "DatagramTransport", "ServerEngine", "MatchStore", "ClientEngine", "TerminalUI", "ClientRuntime",
                "RelayRuntime", "ServerRuntime", "ImpairmentProxy", "Wire", "Match", nio, nioPosix, logging,
            ]
        ),
        .target(
            name: "Monitoring",
            dependencies: [
                "Streaming",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "soccer-stream",
            dependencies: [
                "Wire", "GroupSigning", "Match", "Toolkit", "FileAccess", "Streaming", "Bench", "Monitoring", "CommandSettings", "WebRuntime",
                nio, nioPosix,
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CBenchSupport"),
        .target(
            name: "Bench",
            dependencies: ["Wire", "GroupSigning", "Match", "CBenchSupport", "Streaming", "Toolkit", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(name: "fuzz-decoders", dependencies: ["Wire", "Capture", "Importers"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "GroupSigning", "Match", "Toolkit", "TestSupport"]),
        .testTarget(name: "MatchTests", dependencies: ["Match", "Wire", "TestSupport"]),
        .testTarget(name: "ImportersTests", dependencies: ["Importers", "MatchModel", "Match", "Wire", "TestSupport"]),
        .testTarget(
            name: "BenchTests",
            dependencies: ["Bench", "Streaming", "Wire", "Match", "GroupSigning", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "WebRuntime", "WebEngine", "Streaming", "Wire", "Match", "Toolkit", "Importers", "TestSupport", "GroupSigning",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Toolkit", "FileAccess", "Wire", "GroupSigning", "Match", "TestSupport"]),
        .testTarget(
            name: "StreamingTests",
            dependencies: [
                "Streaming", "Wire", "GroupSigning", "Match", "Capture", "Toolkit", "FileAccess", "Bench", "CommandSettings", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                "Monitoring",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
