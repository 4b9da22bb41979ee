#if canImport(Glibc)
import Glibc
#endif
import Capture
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Wire
import RuntimeSupport
import ClientEngine
import TerminalUI
import ServerEngine
import Match
import GroupSigning

/// What a client run ended with.
public struct ClientResult: Sendable {
    /// Why it stopped.
    public var reason: ClientStopReason
    /// What the network did to the stream.
    public var statistics: ReceptionStatistics
    /// The last view shown.
    public var latest: LiveSnapshot?
    /// The format the server chose (nil for original or when never welcomed).
    public var format: BodyFormat?
    /// The preset dictionary the server agreed to (0: none; nil for original or when never welcomed).
    public var dictionary: UInt8?
    /// The port the client listened on.
    public var localPort: Int
    /// Datagrams rejected: another subscription's identifier, or an implausible sequence (Spec §2.1, §6.1).
    public var rejected: Int = 0
    /// The repair round trip as the client measured it (Spec §4.8; empty without a sample).
    public var repairTimer: RepairTimer?
    /// The match followed, from the welcome (nil for original or when never welcomed).
    public var match: UInt32?

    /// The report for client_stats.log and `--stats-json`.
    public var report: StatisticsReport {
        var report = StatisticsReport(reason: reason, statistics: statistics, rejected: rejected, outages: outages)
        report.group = group
        return report
    }
    /// What came from the multicast group, when the client joined one (Spec §4.11).
    public var group: ClientSession.GroupFigures?
    /// The server's outages the client lived through.
    public var outages: [StatisticsReport.OutageFigures] = []
}

/// What the client's control task waits on.
package struct ClientSignals: Sendable {
    /// A stop reason is set (end of match, refusal, signal, no answer, silence).
    package var stopped = false
    /// Welcomed (or, original protocol, receiving).
    package var subscribed = false
    /// The latest address token from a challenge.
    package var token: [UInt8] = []
    /// Distinct events received so far, first time or repaired.
    package var received = 0
    /// When the next NACK is due (session clock seconds), so the control task wakes for it.
    package var repairDue: Double?
    /// Welcomes received in answer to a register sent after an outage.
    package var welcomedAgain = 0
    /// Resets received (Spec §4.12): the control task registers again at once.
    package var resets = 0
}

/// The SoccerStream client: registers (retrying with backoff), shows every event, sends
/// heartbeats, and on the end of the match, Ctrl+C or SIGTERM reports its statistics.
///
/// Two tasks, both waiting on events: one handles datagrams as the socket delivers them, the
/// other sleeps until a register must be repeated, a token echoed, a heartbeat sent or the
/// server's silence judged, or until a stop wakes it.
public final class StreamClient: Sendable {
    /// The configuration.
    public let configuration: ClientConfiguration
    /// The server's resolved address.
    public let serverAddress: SocketAddress
    /// The client's own address.
    public let localAddress: SocketAddress
    package let channel: any Channel
    private let inbound: AsyncStream<Inbound>
    package let session: Mutex<ClientSession>
    /// The session's clock, to turn its due times into instants to sleep until.
    private let sessionClock = SystemClock()
    private let stopReason = Mutex<ClientStopReason?>(nil)
    private let signals = Watch(ClientSignals())
    package let logger: Logger
    private let started = Atomic<Bool>(false)
    private let display: LiveDisplay
    private let capture = Mutex<PcapWriter?>(nil)

    /// What a relay takes from its upstream (``ClientConfiguration/relaying``).
    public enum Relayed: Sendable {
        /// The first welcome: the match, its latest event if any (sent before this client
        /// joined), and the sequence of the first event this client is owed.
        case welcomed(Welcome, latest: (sequence: UInt32, event: MatchEvent)?, next: UInt32)
        /// The next event in sequence order, first time or repaired (one given up is skipped).
        case event(sequence: UInt32, MatchEvent)
        /// The server fell silent (the client registers again) or said its own source is lost
        /// (true), or it, or its source, is back (false).
        case silent(Bool)
    }

    /// With ``ClientConfiguration/relaying``, the welcome and then every event in sequence order,
    /// as client.log gets them; it finishes when ``run()`` returns. Empty otherwise.
    public let relayed: AsyncStream<Relayed>
    /// The upstream said its own source is lost (a relay of a relay), as last passed on.
    private let sourceReportedLost = Atomic<Bool>(false)
    private let relayContinuation: AsyncStream<Relayed>.Continuation
    /// Where both sockets' datagrams go (the group's once joined).
    package let inboundContinuation: AsyncStream<Inbound>.Continuation
    /// The socket that receives the multicast group (Spec §4.11), once joined.
    package let groupChannel = Mutex<(any Channel)?>(nil)
    /// How this client's registers ask for events: unicast, or from the group once joined.
    package let delivery: Mutex<RegisterRequest.Delivery>
    /// The group joined (its socket is ``groupChannel``), if any.
    package let joinedOffer = Mutex<MulticastOffer?>(nil)
    /// Joining failed, or the group stopped reaching this client: unicast for the rest of the run.
    package let groupGivenUp = Atomic<Bool>(false)
    /// The refused key was reported (once).
    package let keyRefusalReported = Atomic<Bool>(false)

    /// A datagram from the client's own socket or from the multicast group.
    package struct Inbound: Sendable {
        package var envelope: AddressedEnvelope<ByteBuffer>
        package var fromGroup: Bool
    }

    private init(configuration: ClientConfiguration, channel: any Channel, inbound: AsyncStream<Inbound>,
                 inboundContinuation: AsyncStream<Inbound>.Continuation,
                 serverAddress: SocketAddress, localAddress: SocketAddress, logger: Logger, display: LiveDisplay) {
        self.configuration = configuration
        self.channel = channel
        self.inbound = inbound
        self.inboundContinuation = inboundContinuation
        delivery = Mutex(configuration.multicast == .group && !configuration.original ? .group : .unicast)
        self.serverAddress = serverAddress
        self.localAddress = localAddress
        self.logger = logger
        self.display = display
        var session = ClientSession(original: configuration.original, originalInterval: configuration.originalInterval,
                                    clock: sessionClock, repairs: configuration.repairs)
        if let resume = configuration.resume, let last = resume.lastLogged { session.resumeAfter = (resume.match, last) }
        session.pinnedKey = configuration.serverKey
        self.session = Mutex(session)
        if configuration.capturePath != nil { capture.withLock { $0 = PcapWriter() } }
        (relayed, relayContinuation) = AsyncStream.makeStream(of: Relayed.self)
        if !configuration.relaying { relayContinuation.finish() }
    }

    deinit {
        // Connected but never run: release the socket (run() closes it otherwise).
        if !started.load(ordering: .relaxed) { channel.close(promise: nil) }
    }

    /// Checks the configuration, resolves the server and binds a socket on a free port of the
    /// same address family.
    ///
    /// - Throws: ``StreamingError`` with code `configuration` (``ClientConfiguration/validate()``) or `socket`.
    public static func connect(
        configuration: ClientConfiguration, logger: Logger, display: LiveDisplay = .none,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(StreamingError) -> StreamClient {
        try configuration.validate()
        let server = try configuration.resolvedServer()
        let bindHost = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let (inbound, continuation) = AsyncStream.makeStream(of: Inbound.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DatagramSocket.receiveBufferSize))
                .channelOption(.receivePacketInfo, value: configuration.capturePath != nil)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboundForwarder(continuation: continuation, fromGroup: false))
                    }
                }
                .bind(host: bindHost, port: 0).get()
        } catch {
            continuation.finish()
            throw StreamingError(.socket, "cannot bind a UDP socket on \(bindHost): \(error)")
        }
        guard let local = channel.localAddress else {
            channel.close(promise: nil)
            throw StreamingError(.socket, "bound socket has no local address")
        }
        return StreamClient(configuration: configuration, channel: channel, inbound: inbound, inboundContinuation: continuation,
                            serverAddress: server, localAddress: local,
                            logger: logger, display: display)
    }

    /// Distinct events received so far, first time or repaired.
    public var received: Int { signals.value.received }

    /// Waits until at least `count` distinct events have arrived, first time or repaired (or the client stopped); true
    /// when they have. Cancellable; no polling.
    @discardableResult
    public func waitUntilReceived(_ count: Int) async -> Bool {
        await signals.wait { $0.received >= count || $0.stopped }
        return signals.value.received >= count
    }

    /// Waits until the server has welcomed this client (or the client stopped); true when it
    /// has. Cancellable; no polling.
    @discardableResult
    public func waitUntilSubscribed() async -> Bool {
        await signals.wait { $0.subscribed || $0.stopped }
        return signals.value.subscribed
    }

    /// Asks the client to stop (Ctrl+C, SIGTERM): it unregisters and reports. Safe from any thread.
    public func stop(_ reason: ClientStopReason = .terminated) {
        setReason(reason)
    }

    private func setReason(_ reason: ClientStopReason) {
        stopReason.withLock { if $0 == nil { $0 = reason } }
        signals.update { $0.stopped = true }
    }

    private var reason: ClientStopReason? { stopReason.withLock { $0 } }

    /// Runs until the end of the match, a stop, a refusal or no answer; then closes the socket.
    public func run() async throws -> ClientResult {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        // However the run ends, a relay reading ``relayed`` learns it is over.
        defer { relayContinuation.finish() }
        logger.info("Client connected to server \(serverAddress.ipAddress ?? configuration.server) on port \(serverAddress.port ?? configuration.port) (listening on port \(localAddress.port ?? 0)\(configuration.original ? ", original protocol" : "")).")
        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await inbound in self.inbound {
                        let over = inbound.fromGroup ? self.receiveGroup(inbound.envelope) : self.receive(inbound.envelope)
                        if over { return }
                        try await self.joinGroupIfOffered()
                    }
                }
                group.addTask { try await self.control() }
                try await group.next()
                group.cancelAll()
            }
            if self.reason?.unregisters == true {
                try await send(try unregisterBytes())
                logger.info("Sent unregister to server.")
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Closed under us (the event loop group shut down): nothing left to release.
        }
        try await leaveGroup()
        try outcome.get()
        try writeCapture()
        let final = session.withLock { session in
            // Whatever still waits for the log (the run was stopped before its repairs ended) goes now, in order.
            for (snapshot, repaired) in session.takeAllLoggable() {
                logMessage(snapshot, repaired: repaired)
                relay(snapshot)
            }
            return session
        }
        // The match is over for this client (ended, or stopped on purpose): nothing to continue.
        // (Gone silent or unanswered, it stays where it was: the next run continues from there.)
        if final.endReason != nil || self.reason == .interrupted || self.reason == .terminated || self.reason == .hangUp {
            recordProgress(lastLogged: nil, ended: true)
        }
        let reason = self.reason ?? .terminated
        logger.info("Client stopped: \(reason.name); \(final.statistics.received) events received, \(final.statistics.lost) lost.")
        var result = ClientResult(reason: reason, statistics: final.statistics, latest: final.latest,
                                  format: final.welcome?.format, dictionary: final.welcome?.dictionary, localPort: localAddress.port ?? 0,
                                  rejected: final.rejected, repairTimer: final.repairTimer, match: final.welcome?.matchID)
        if groupChannel.withLock({ $0 != nil }) { result.group = final.group }
        result.outages = final.outages.compactMap { outage in
            outage.duration.map { seconds in
                let (missed, repaired) = final.figures(of: outage)
                return StatisticsReport.OutageFigures(kind: outage.kind, seconds: seconds, missed: missed, repaired: repaired)
            }
        }
        return result
    }

    /// The last sequence written to the progress file, kept so that an end keeps it.
    private let progressLogged = Mutex<UInt32?>(nil)

    /// Keeps this client's progress in ``ClientConfiguration/progressPath`` (if any): its match
    /// and the last event in client.log (`lastLogged`, or the one kept before). A failure to
    /// write it is logged: the stream goes on, and a restart would then repeat some events.
    private func recordProgress(lastLogged: UInt32?, ended: Bool) {
        guard let path = configuration.progressPath,
              let match = session.withLock({ $0.welcome?.matchID }) ?? configuration.resume?.match else { return }
        let last = progressLogged.withLock { kept in
            if let lastLogged { kept = lastLogged }
            return kept ?? configuration.resume?.lastLogged
        }
        let progress = ClientProgress(server: configuration.server, port: configuration.port, match: match, lastLogged: last, ended: ended)
        do {
            try progress.write(to: path)
        } catch {
            logger.warning("\(error)")
        }
    }

    /// Hands an event in sequence order to a relay (compact frames carry the event itself).
    private func relay(_ snapshot: LiveSnapshot) {
        guard configuration.relaying, let event = snapshot.event else { return }
        relayContinuation.yield(.event(sequence: snapshot.sequence, event))
    }

    /// client.log's line for an event, in sequence order; "(repaired)" marks a retransmission.
    private func logMessage(_ snapshot: LiveSnapshot, repaired: Bool) {
        logger.info("Received message\(repaired ? " (repaired)" : ""): \(snapshot.summary) from \(serverAddress.display)")
    }

    /// Sends one datagram to the server.
    private func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: serverAddress, data: ByteBuffer(bytes: bytes)))
    }

    private static func endpoint(_ address: SocketAddress?, fallback: SocketAddress) -> Endpoint {
        let chosen = address ?? fallback
        return Endpoint(address: chosen.ipAddress ?? "0.0.0.0", port: chosen.port ?? fallback.port ?? 0)
    }

    private func record(_ envelope: AddressedEnvelope<ByteBuffer>, port: Int? = nil) {
        guard configuration.capturePath != nil else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let destination = envelope.metadata?.packetInfo.map { info -> SocketAddress in
            var address = info.destinationAddress
            address.port = port ?? localAddress.port
            return address
        }
        let bytes = Array(envelope.data.readableBytesView)
        capture.withLock { writer -> Void in
            writer?.append(payload: bytes, from: Self.endpoint(envelope.remoteAddress, fallback: serverAddress),
                           to: Self.endpoint(destination, fallback: localAddress),
                           timestamp: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
        }
    }

    private func writeCapture() throws {
        guard let path = configuration.capturePath, let bytes = capture.withLock({ $0?.bytes }) else { return }
        do {
            // Replaced whole, on purpose: a pcap is one capture (a header, then this run's datagrams),
            // written once at the end, atomically (a failure never leaves half of one).
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            logger.info("Wrote the datagrams received to \(path).")
        } catch {
            throw StreamingError(.fileUnavailable, "cannot write capture \(path): \(StreamingError.plain(error))")
        }
    }

    /// Handles one datagram; true when the run is over.
    private func receive(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        record(envelope)
        guard envelope.remoteAddress == serverAddress else {
            logger.debug("Ignored datagram from \(envelope.remoteAddress.display): not the server.")
            return false
        }
        let bytes = Array(envelope.data.readableBytesView)
        return handle { $0.receive(bytes) }
    }

    /// Handles one datagram from the multicast group (Spec §4.11); true when the run is over.
    /// Its source is not checked: its signature is.
    package func receiveGroup(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        let port = session.withLock { $0.groupOffer.map { Int($0.port) } }
        record(envelope, port: port)
        let bytes = Array(envelope.data.readableBytesView)
        return handle { $0.receiveGroup(bytes) }
    }

    /// What one datagram meant, as `receiving` has the session tell: shown, logged in order,
    /// relayed, and the control task woken when it changed something it waits for.
    private func handle(_ receiving: (inout ClientSession) -> ClientSession.Reception) -> Bool {
        let (reception, subscribed, token, received, loggable, finished, repairDue, outstanding, welcomedAgain) = session.withLock { session in
            let reception = receiving(&session)
            return (reception, session.subscribed, session.token, session.statistics.received + session.statistics.repaired, session.takeLoggable(), session.finished,
                    session.nextRepairDue, session.repairsOutstanding, session.welcomedAgain)
        }
        if configuration.relaying {
            // The upstream's own source lost or back (Spec §4.10): passed on as this relay's.
            let lost = session.withLock { session in session.outages.last.map { $0.kind == .sourceLost && $0.end == nil } ?? false }
            if sourceReportedLost.exchange(lost, ordering: .relaxed) != lost { relayContinuation.yield(.silent(lost)) }
        }
        switch reception {
        case .welcomed(let welcome, let snapshot):
            logger.info("Registered: format \(welcome.format.name), dictionary \(welcome.dictionary), match \(welcome.matchID), language \(welcome.catalog.language).")
            if welcome.dictionary != 0, !configuration.dictionaries.contains(where: { $0.id == welcome.dictionary }) {
                // Frames name their dictionary, so decoding still works; the server broke §4.4's agreement rule.
                logger.warning("The server chose dictionary \(welcome.dictionary), which this client did not offer (Spec §4.4).")
            }
            if configuration.multicast == .group && welcome.multicast == nil {
                // Asked for explicitly: said where the user looks, not only in the log.
                let said = "--multicast: the server offers no multicast group (it runs without --multicast); events come to this client's address instead."
                logger.warning("\(said)")
                StandardError.write("warning: \(said)\n")
            }
            if let snapshot { display.show(snapshot) }
            if configuration.relaying {
                let next = session.withLock { $0.statistics.first } ?? 0
                relayContinuation.yield(.welcomed(welcome, latest: snapshot.flatMap { shot in shot.event.map { (shot.sequence, $0) } }, next: next))
            }
        case .refused(let refusal):
            logger.info("Registration refused: \(refusal.reason.name): \(refusal.text)")
            setReason(.refused(refusal))
            return true
        case .event(let snapshot, let outcome):
            // Logged below, in sequence order; a late event never replaces a newer one on screen.
            if outcome == .inOrder { display.show(snapshot) }
        case .repaired(let snapshot, let delay):
            logger.debug("Repaired message #\(snapshot.sequence)\(delay.map { String(format: " after %.1f ms", $0 * 1000) } ?? "").")
        case .unavailable(let sequences):
            logger.info("The server no longer holds \(sequences.count) missing message(s) (from #\(sequences.first ?? 0)); given up.")
        case .duplicate(let sequence):
            logger.info("Received duplicate of message #\(sequence).")
        case .ended(let reason):
            logger.info("Received end of transmission (\(reason.name))\(finished ? "" : "; waiting for \(outstanding) repair(s)").")
        case .challenged:
            logger.info("Received an address challenge; registering again with the token.")
        case .keepalive:
            break
        case .reset:
            logger.info("The server holds no subscription for this client (a reset: it restarted without keeping it); registering again.")
            signals.update { $0.resets += 1 }
        case .ignored(let why):
            logger.debug("Ignored datagram: \(why)")
        case .rejected(let why):
            logger.info("Rejected datagram: \(why).")
        }
        // Every event in sequence order; "(repaired)" marks those that came by retransmission.
        for (snapshot, repaired) in loggable {
            logMessage(snapshot, repaired: repaired)
            relay(snapshot)
        }
        if let last = loggable.last { recordProgress(lastLogged: last.snapshot.sequence, ended: false) }
        if finished, let ended = session.withLock({ $0.endReason }) {
            setReason(.endOfTransmission(ended))
            return true
        }
        let current = signals.value
        if current.subscribed != subscribed || current.token != token || current.received != received || current.repairDue != repairDue
            || current.welcomedAgain != welcomedAgain {
            signals.update { signals in
                signals.subscribed = subscribed
                signals.token = token
                signals.received = received
                signals.repairDue = repairDue
                signals.welcomedAgain = welcomedAgain
            }
        }
        return self.reason != nil
    }

    /// This client's subscription identifier (Spec §2.1).
    private var subscription: UInt64 { session.withLock { $0.subscription } }

    /// Sends a register now, with the latest address token.
    package func sendRegister() async throws {
        try await send(try registerBytes(token: signals.value.token))
    }

    private func registerBytes(token: [UInt8] = []) throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.registerText.utf8) }
        return try Frame(body: .register(RegisterRequest.padded(
            formats: configuration.acceptedFormats, token: token, dictionaries: configuration.dictionaries.map(\.id).filter { $0 != 0 },
            match: configuration.match, delivery: delivery.withLock { $0 })),
                         subscription: subscription).encoded()
    }

    private func unregisterBytes() throws -> [UInt8] {
        if configuration.original { return Array(OriginalPacket.unregisterText.utf8) }
        return try Frame(body: .unregister, subscription: subscription).encoded()
    }

    /// A heartbeat carrying the highest sequence received (Spec §3).
    private func sendHeartbeat() async throws {
        let highest = session.withLock { $0.statistics.last ?? 0 }
        try await send(try Frame(sequence: highest, body: .heartbeat, subscription: subscription).encoded())
    }

    /// Registers with backoff (echoing a challenge's token at once), then sends heartbeats and
    /// watches for silence, until a stop reason is set. Sleeps between those moments.
    private func control() async throws {
        let clock = ContinuousClock()
        let backoff = configuration.original ? max(configuration.initialBackoff, .seconds(1)) : configuration.initialBackoff
        let cap: Duration = configuration.original ? .seconds(8) : .seconds(2)
        let (welcomed, attempts) = try await register(until: { $0.subscribed }, backoff: backoff, cap: cap, attempts: configuration.registerAttempts)
        guard welcomed else {
            // Stopped (a signal, a refusal) or unanswered.
            if !signals.value.stopped && !Task.isCancelled {
                logger.info("No answer from the server after \(attempts) register attempts.")
                setReason(.noAnswer(attempts: attempts))
            }
            return
        }
        let (heartbeat, silence, probe) = session.withLock {
            ($0.heartbeatPeriod, $0.silenceLimit(configured: configuration.serverTimeout), $0.probePeriod)
        }
        var nextBeat = heartbeat.map { clock.now.advanced(by: $0) }
        var lastProbe: ContinuousClock.Instant?
        var resets = signals.value.resets
        while !signals.value.stopped && !Task.isCancelled {
            let (quiet, due) = session.withLock { ($0.silence, $0.nextRepairDue) }
            let silentAt = clock.now.advanced(by: silence - .seconds(quiet))
            var wake = nextBeat.map { min($0, silentAt) } ?? silentAt
            if let due { wake = min(wake, sessionClock.instant(at: due)) }
            if let probe {
                // Probes: once the silence reaches a probe period, then every probe period while it lasts.
                let reached = clock.now.advanced(by: probe - .seconds(quiet))
                wake = min(wake, max(reached, lastProbe.map { $0.advanced(by: probe) } ?? reached))
            }
            // Asleep until something is due, the receive task schedules an earlier repair, or a reset comes.
            let seen = resets
            if await signals.wait(until: { $0.stopped || $0.repairDue != due || $0.resets != seen }, deadline: wake) {
                if signals.value.stopped { break }
                if signals.value.resets != resets {
                    resets = signals.value.resets
                    // The server is back but holds no subscription for us: register again now (Spec §4.12).
                    if configuration.reconnectFor > .zero, try await reconnect(silentFor: Int(quiet), reset: true) { continue }
                    logger.info("Reset by the server and not registering again (--reconnect-for 0).")
                    setReason(.serverSilent(seconds: Int(quiet)))
                    break
                }
                continue
            }
            let (nack, finished, ended) = session.withLock { ($0.dueRepairs(), $0.finished, $0.endReason) }
            if let nack {
                try await send(try Frame(body: .nack(nack), subscription: subscription).encoded())
            }
            if finished, let ended {
                // The last repairs were given up: the run is over.
                setReason(.endOfTransmission(ended))
                break
            }
            let newDue = session.withLock { $0.nextRepairDue }
            if newDue != signals.value.repairDue { signals.update { $0.repairDue = newDue } }
            if session.withLock({ $0.serverSilent(limit: silence) }) {
                let seconds = Int(session.withLock { $0.silence })
                if configuration.reconnectFor > .zero, try await reconnect(silentFor: seconds) { continue }
                logger.info("Server silent for \(Int(session.withLock { $0.silence })) s; giving up.")
                setReason(.serverSilent(seconds: Int(session.withLock { $0.silence })))
                break
            }
            if let probe, session.withLock({ $0.silence }) >= probe.inSeconds, lastProbe.map({ $0.advanced(by: probe) <= clock.now }) ?? true {
                // Silent for a probe period: a heartbeat now asks whether the server still holds us.
                try await sendHeartbeat()
                lastProbe = clock.now
                // Unanswered since the last probe: the server is down; an outage is on from when it was last heard.
                session.withLock { $0.noteSilence() }
            }
            if let heartbeat, let due = nextBeat, clock.now >= due {
                try await sendHeartbeat()
                nextBeat = due.advanced(by: heartbeat)
            }
        }
    }
}

extension StreamClient {
    /// The server has been silent past the timeout: registers again with backoff (a fresh
    /// address challenge echoed at once) until welcomed again, for at most
    /// ``ClientConfiguration/reconnectFor``. The outage is recorded in the
    /// statistics; the stream goes on. Returns false when the server stayed silent.
    fileprivate func reconnect(silentFor seconds: Int, reset: Bool = false) async throws -> Bool {
        let clock = ContinuousClock()
        let giveUp = clock.now.advanced(by: configuration.reconnectFor)
        let welcomed = session.withLock { session in
            session.beginOutage()
            return session.welcomedAgain
        }
        logger.info("\(reset ? "Reset by the server" : "Server silent for \(seconds) s"); registering again (for up to \(Int(configuration.reconnectFor.inSeconds)) s).")
        if configuration.relaying { relayContinuation.yield(.silent(true)) }
        let (again, _) = try await register(until: { $0.welcomedAgain > welcomed }, backoff: configuration.initialBackoff, cap: .seconds(5),
                                            giveUpAt: giveUp)
        if again {
            logger.info("Server heard again after \(Int(session.withLock { $0.outages.last?.duration ?? 0 })) s; the stream goes on.")
            if configuration.relaying { relayContinuation.yield(.silent(false)) }
        }
        return again
    }

    /// Sends registers until `done` holds: each attempt carries the latest address token (none
    /// before the first challenge), a fresh challenge is echoed at once (not an attempt), and the
    /// wait between attempts doubles from `backoff` up to `cap`; at most `attempts` attempts, or
    /// until `giveUpAt`, or until the client stops. Returns whether `done` came, and the attempts made.
    fileprivate func register(until done: @escaping @Sendable (ClientSignals) -> Bool, backoff initial: Duration, cap: Duration,
                              attempts limit: Int? = nil, giveUpAt: ContinuousClock.Instant? = nil) async throws -> (Bool, attempts: Int) {
        let clock = ContinuousClock()
        var backoff = initial
        var attempts = 0
        while !Task.isCancelled {
            let now = signals.value
            if done(now) { return (true, attempts) }
            if now.stopped || limit.map({ attempts >= $0 }) == true || giveUpAt.map({ clock.now >= $0 }) == true { break }
            var echoed = now.token
            try await send(try registerBytes(token: echoed))
            attempts += 1
            logger.info("Sent register (attempt \(attempts)\(echoed.isEmpty ? "" : ", with the address token")).")
            let deadline = giveUpAt.map { min(clock.now.advanced(by: backoff), $0) } ?? clock.now.advanced(by: backoff)
            // Asleep until done, a stop, a fresh challenge (its token echoed at once), or the wait's end.
            while true {
                let last = echoed
                guard await signals.wait(until: { done($0) || $0.stopped || $0.token != last }, deadline: deadline) else { break }
                let woken = signals.value
                guard !done(woken), !woken.stopped, woken.token != echoed else { break }
                echoed = woken.token
                try await send(try registerBytes(token: echoed))
                logger.info("Sent register with the address token.")
            }
            backoff = min(backoff * 2, cap)
        }
        return (done(signals.value), attempts)
    }
}

/// Hands the client's datagrams to its receive task, in order, as the socket delivers them.
package final class InboundForwarder: ChannelInboundHandler, Sendable {
    package typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncStream<StreamClient.Inbound>.Continuation

    private let fromGroup: Bool

    package init(continuation: AsyncStream<StreamClient.Inbound>.Continuation, fromGroup: Bool) {
        self.continuation = continuation
        self.fromGroup = fromGroup
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(StreamClient.Inbound(envelope: Self.unwrapInboundIn(data), fromGroup: fromGroup))
    }

    package func channelInactive(context: ChannelHandlerContext) {
        // The group's socket closing ends nothing: the client's own socket carries the subscription.
        if !fromGroup { continuation.finish() }
        context.fireChannelInactive()
    }
}
