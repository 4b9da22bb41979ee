import Foundation
import Logging
import Match
import NIOCore
import NIOPosix
import Streaming
import Synchronization
import Wire

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A server on 127.0.0.1, a free port, streaming fast.
func makeServer(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) async throws -> StreamServer {
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.interval = .milliseconds(5)
    configuration.seed = 7
    configuration.repairGrace = .zero  // tests of repair set it
    adjust(&configuration)
    return try await StreamServer.bind(configuration: configuration, logger: quietLogger)
}

/// The impairment relay (`soccer-stream impair`) between clients and `server`, impairing only
/// events to the client: independent loss, duplication and reordering at the given rates.
func makeRelay(
    _ server: StreamServer, loss: Double = 0.1, duplicate: Double = 0.1, reorder: Double = 0.1,
    seed: UInt64 = 1
) async throws -> ImpairmentProxy {
    var configuration = ImpairmentConfiguration()
    configuration.serverPort = server.localAddress.port ?? 0
    configuration.toClient.loss = loss
    configuration.toClient.duplicate = duplicate
    configuration.toClient.reorder = reorder
    configuration.seed = seed
    configuration.eventsOnly = true
    return try await ImpairmentProxy.start(configuration: configuration)
}

/// A client of `server`.
func makeClient(_ server: StreamServer, _ adjust: (inout ClientConfiguration) -> Void = { _ in }) async throws -> StreamClient {
    try await makeClient(port: server.localAddress.port ?? 0, adjust)
}

/// A client of whatever listens on 127.0.0.1:`port` (a relay, a fake or an original server).
func makeClient(port: Int, logger: Logger = quietLogger, _ adjust: (inout ClientConfiguration) -> Void = { _ in }) async throws -> StreamClient {
    var configuration = ClientConfiguration()
    configuration.server = "127.0.0.1"
    configuration.port = port
    configuration.initialBackoff = .milliseconds(100)
    adjust(&configuration)
    return try await StreamClient.connect(configuration: configuration, logger: logger)
}

/// A client of 127.0.0.1:`port` that registers again after `serverTimeout` of silence, for up
/// to `reconnectFor` (with short backoffs, so that tests of outages do not wait long).
func makeReconnectingClient(port: Int, serverTimeout: Duration, reconnectFor: Duration) async throws -> StreamClient {
    try await makeClient(port: port) {
        $0.serverTimeout = serverTimeout
        $0.reconnectFor = reconnectFor
        $0.initialBackoff = .milliseconds(100)
        $0.registerAttempts = 50
    }
}

/// A client of 127.0.0.1:`port` in `format` (only) following `match`, registering again after
/// `serverTimeout` of silence (for up to 60 s), whose log is kept (its client.log lines).
func makeRecordingClient(
    port: Int, format: BodyFormat, match: UInt32 = RegisterRequest.anyMatch,
    serverTimeout: Duration, capture: String? = nil
) async throws -> (StreamClient, RecordingLogHandler.Store) {
    let store = RecordingLogHandler.Store()
    var configuration = ClientConfiguration()
    configuration.port = port
    configuration.format = format
    configuration.allowFallback = false
    configuration.match = match
    configuration.initialBackoff = .milliseconds(100)
    configuration.registerAttempts = 50
    configuration.serverTimeout = serverTimeout
    configuration.reconnectFor = .seconds(60)
    configuration.capturePath = capture
    let client = try await StreamClient.connect(
        configuration: configuration, logger: Logger(label: "client") { _ in RecordingLogHandler(store: store) })
    return (client, store)
}

/// `body` given the match log in `directory`, closed whatever happens, a throw or a test's time
/// running out (an unclosed connection traps in sqlite-nio's debug builds, ending the whole run).
func withMatchLog<Result>(_ directory: String, _ body: (MatchLog) async throws -> Result) async throws -> Result {
    let log = try await MatchLog.open(directory: directory, logger: quietLogger)
    do {
        let result = try await body(log)
        await log.close()
        return result
    } catch {
        await log.close()
        throw error
    }
}

/// The match log in `directory`: its records and, when it has a match #1, that match's events.
func readMatchLog(_ directory: String) async throws -> (records: [MatchLog.Record], events: [UInt32: MatchEvent]) {
    try await withMatchLog(directory) { log in
        let records = try await log.records()
        return (records, records.isEmpty ? [:] : try await log.events(1))
    }
}

/// A path for a test's data directory under the temporary directory, not yet created.
func temporaryDirectoryPath(_ prefix: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
}

/// A bare UDP socket on loopback, for speaking raw bytes to a server (an "original client"
/// or a misbehaving one). Received datagrams are collected in order; ``next(timeout:)`` waits
/// for the next one without polling.
final class RawPeer: Sendable {
    let channel: any Channel
    /// The subscription identifier this peer registers with (Spec §2.1).
    let subscription = UInt64.random(in: 1...UInt64.max)
    private let inbox = Watch<[(SocketAddress, [UInt8])]>([])

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let sink: @Sendable (SocketAddress, [UInt8]) -> Void
        init(sink: @escaping @Sendable (SocketAddress, [UInt8]) -> Void) { self.sink = sink }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = Self.unwrapInboundIn(data)
            sink(envelope.remoteAddress, Array(envelope.data.readableBytesView))
        }
    }

    init(host: String = "127.0.0.1", port: Int = 0) async throws {
        let inbox = self.inbox
        let collector = Collector { address, bytes in inbox.update { $0.append((address, bytes)) } }
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: host, port: port).get()
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    /// Datagrams received and not yet taken by ``next(timeout:)``.
    var pending: Int { inbox.value.count }

    /// Every datagram this peer sent, in order.
    var sent: [[UInt8]] { outbox.withLock { $0 } }
    private let outbox = Mutex<[[UInt8]]>([])

    func send(_ bytes: [UInt8], to address: SocketAddress) async throws {
        outbox.withLock { $0.append(bytes) }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)))
    }

    /// The next datagram, waiting for it at most `timeout` (nil when none came).
    func next(timeout: Duration = .seconds(5)) async throws -> (SocketAddress, [UInt8])? {
        guard await inbox.wait(until: { !$0.isEmpty }, deadline: .now.advanced(by: timeout)) else { return nil }
        var first: (SocketAddress, [UInt8])?
        inbox.update { items in
            if !items.isEmpty { first = items.removeFirst() }
        }
        return first
    }

    func close() async {
        do {
            try await channel.close()
        } catch {
            // Already closed: nothing to release.
        }
    }
}

extension RawPeer {
    /// Registers the way a SoccerStream client does: a padded register, the server's
    /// challenge, the register again with its token. Returns the server's final answer.
    func register(with server: StreamServer, formats: [BodyFormat], dictionaries: [UInt8] = []) async throws -> [UInt8]? {
        try await send(
            try Frame(body: .register(RegisterRequest.padded(formats: formats, dictionaries: dictionaries)), subscription: subscription).encoded(),
            to: server.localAddress)
        guard let (_, reply) = try await next() else { return nil }
        guard case .challenge(let challenge) = try Frame.decode(reply).body else { return reply }
        try await send(
            try Frame(
                body: .register(RegisterRequest.padded(formats: formats, token: challenge.token, dictionaries: dictionaries)),
                subscription: subscription
            ).encoded(),
            to: server.localAddress)
        return try await next()?.1
    }
}

/// A log handler that keeps every message, for tests that check what was logged.
struct RecordingLogHandler: LogHandler {
    final class Store: Sendable {
        let lines = Mutex<[(Logger.Level, String)]>([])
        var all: [(Logger.Level, String)] { lines.withLock { $0 } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.lines.withLock { $0.append((event.level, event.message.description)) }
    }
}
