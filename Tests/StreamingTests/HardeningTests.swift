import Foundation
import Match
import NIOCore
import Streaming
import TestSupport
import Testing
import Wire

@Suite("Hardening", .serialized)
struct HardeningTests {
    @Test("tokens bind the address and a time window, survive one key rotation, and reject anything else (injected clock)")
    func tokens() throws {
        let a = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let b = try SocketAddress(ipAddress: "127.0.0.1", port: 5001)
        var clock = 100.0
        let validator = AddressValidator(at: clock)
        let token = validator.token(for: a, at: clock)
        #expect(token.count == AddressValidator.tokenSize)
        #expect(validator.isValid(token, for: a, at: clock))
        #expect(!validator.isValid(token, for: b, at: clock))  // another port
        // Another host, and the same port over IPv6 (the address is authenticated as bytes, version included).
        let c = try SocketAddress(ipAddress: "127.0.0.2", port: 5000)
        let v6 = try SocketAddress(ipAddress: "::1", port: 5000)
        #expect(!validator.isValid(token, for: c, at: clock) && !validator.isValid(token, for: v6, at: clock))
        let token6 = validator.token(for: v6, at: clock)
        #expect(validator.isValid(token6, for: v6, at: clock) && !validator.isValid(token6, for: a, at: clock))
        #expect(!validator.isValid(token6, for: try SocketAddress(ipAddress: "::2", port: 5000), at: clock))
        #expect(!validator.isValid(Array(token.dropLast()), for: a, at: clock))
        var forged = token
        forged[10] ^= 1
        #expect(!validator.isValid(forged, for: a, at: clock))
        clock += 30
        #expect(validator.isValid(token, for: a, at: clock))  // 30 s old: still valid
        clock += 1
        #expect(!validator.isValid(token, for: a, at: clock))  // 31 s: expired
        let early = AddressValidator(at: 100)
        let fromTheFuture = early.token(for: a, at: 100)
        #expect(!early.isValid(fromTheFuture, for: a, at: 90))  // made 10 s in the future
        // Rotation: a token made just before the key rotates is still accepted just after (previous key kept).
        var rotating = 0.0
        var second = AddressValidator(at: rotating)
        rotating += Double(AddressValidator.rotationInterval) - 5
        let old = second.token(for: a, at: rotating)
        rotating += 5
        second.rotateIfDue(at: rotating)
        let fresh = second.token(for: a, at: rotating)
        #expect(fresh != old)
        #expect(second.isValid(fresh, for: a, at: rotating) && second.isValid(old, for: a, at: rotating))
        rotating += 26
        #expect(!second.isValid(old, for: a, at: rotating))  // and expires as any token does
    }

    @Test("a forged register gets one small challenge and no stream; a stolen token does not validate another address")
    func antiAmplification() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.interval = .milliseconds(5)
                $0.loop = true
            }
            async let summary = server.run()
            let victim = try await RawPeer()
            let register = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: victim.subscription).encoded()
            try await victim.send(register, to: server.localAddress)
            let (_, challengeBytes) = try #require(try await victim.next())
            #expect(challengeBytes.count <= register.count)
            guard case .challenge(let challenge) = try Frame.decode(challengeBytes).body else {
                Issue.record("expected a challenge")
                return
            }
            #expect(server.clientCount == 0)
            // A short (unpadded) register is not answered at all.
            try await victim.send(
                try Frame(body: .register(RegisterRequest(formats: [.compact])), subscription: victim.subscription).encoded(),
                to: server.localAddress)
            // A witness that registers properly after both receives events: by then, the victim has had nothing more.
            let witness = try await RawPeer()
            _ = try #require(try await witness.register(with: server, formats: [.compact]))
            for _ in 0..<3 { _ = try #require(try await witness.next()) }
            #expect(victim.pending == 0)  // no stream, and no answer to the unpadded register
            try await witness.send(try Frame(body: .unregister, subscription: witness.subscription).encoded(), to: server.localAddress)
            await server.waitForClients { $0 == 0 }
            await witness.close()
            // The victim's token, replayed from another address, earns only a new challenge.
            let thief = try await RawPeer()
            try await thief.send(
                try Frame(
                    body: .register(RegisterRequest.padded(formats: [.compact], token: challenge.token)),
                    subscription: thief.subscription
                ).encoded(),
                to: server.localAddress)
            let (_, reply) = try #require(try await thief.next())
            guard case .challenge = try Frame.decode(reply).body else {
                Issue.record("a stolen token was accepted")
                return
            }
            #expect(server.clientCount == 0)
            server.stop()
            _ = try await summary
            await victim.close()
            await thief.close()
        }
    }

    @Test("registrations are rate-limited per IP: a storm from many ports gets 'rate limited' past the burst")
    func rateLimit() async throws {
        try await bounded(30) {
            // One new token every 1,000 s: the outcome cannot depend on how fast the test runs.
            let server = try await makeServer {
                $0.registerRate = 0.001
                $0.registerBurst = 2
                $0.waitForClients = 100
            }
            async let summary = server.run()
            var reasons: [String] = []
            var peers: [RawPeer] = []
            for _ in 0..<6 {
                let peer = try await RawPeer()
                peers.append(peer)
                let reply = try #require(try await peer.register(with: server, formats: [.compact]))
                switch try Frame.decode(reply).body {
                case .welcome: reasons.append("welcome")
                case .refuse(let refusal): reasons.append(refusal.reason.name)
                default: reasons.append("other")
                }
            }
            #expect(reasons.prefix(2) == ["welcome", "welcome"])
            #expect(reasons.suffix(3).allSatisfy { $0 == "rate_limited" })
            server.stop()
            let totals = try await summary
            #expect((totals.rejects["refused: rate_limited"] ?? 0) >= 3)
            for peer in peers { await peer.close() }
        }
    }

    @Test("the server drops a client that stops sending heartbeats, and keeps one that sends them")
    func serverDropsSilentClient() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.clientTimeout = .seconds(5)
                $0.waitForClients = 10
                $0.heartbeatSeconds = 1
            }
            async let summary = server.run()
            let silent = try await RawPeer()
            _ = try #require(try await silent.register(with: server, formats: [.compact]))
            let lively = try await makeClient(server)  // sends heartbeats every second
            async let livelyResult = lively.run()
            await server.waitForClients { $0 == 2 }
            // The raw peer never sends a heartbeat: the server's expiry drops it (within the timeout and a housekeeping second).
            // (A timeout of five heartbeat periods: under CI load a heartbeat can be a second or two late.)
            await server.waitForClients { $0 == 1 }
            #expect(server.clientCount == 1)
            server.stop()
            _ = try await summary
            #expect(try await livelyResult.reason == .endOfTransmission(.serverShutdown))
            await silent.close()
        }
    }

    @Test("a client whose server falls silent gives up, reports why, and unregisters")
    func clientGivesUpOnSilentServer() async throws {
        try await bounded(30) {
            let fake = try await RawPeer()
            let client = try await makeClient(port: fake.port) { $0.serverTimeout = .milliseconds(300) }
            async let result = client.run()
            let (clientAddress, register) = try #require(try await fake.next())
            #expect(register.count >= RegisterRequest.minimumFrameSize)
            let welcome = Frame(
                body: .welcome(
                    Welcome(
                        format: .compact, matchID: 1, heartbeatSeconds: 0, intervalMicroseconds: 10_000,
                        roster: .original, catalog: .english, current: nil)),
                subscription: FrameHeader.subscription(in: register))
            try await fake.send(try welcome.encoded(), to: clientAddress)
            let outcome = try await result
            // Silent, however long it took a busy machine to notice (the seconds are not the point).
            if case .serverSilent = outcome.reason {} else { Issue.record("stopped for \(outcome.reason), not silence") }
            #expect(outcome.report.text.contains("Server silent"))
            // The unregister is the last thing the client sent: wait for it (registers and heartbeats may precede it).
            var sawUnregister = false
            while !sawUnregister, let (_, bytes) = try await fake.next() {
                if case .unregister = try Frame.decode(bytes).body { sawUnregister = true }
            }
            #expect(sawUnregister)
            await fake.close()
        }
    }

    @Test(
        "through a seeded lossy, reordering, duplicating relay, the client's statistics equal the relay's ground truth, across the sequence wrap",
        arguments: [UInt64(1), 2, 3])
    func exactStatisticsUnderFaults(seed: UInt64) async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.waitForClients = 1
                $0.interval = .milliseconds(4)
                $0.firstSequence = UInt32.max - 20
                $0.seed = seed
            }
            let relay = try await makeRelay(server, seed: seed)
            let client = try await makeClient(port: relay.port)
            async let summary = server.run()
            let result = try await client.run()
            _ = try await summary
            let truth = try #require(relay.report.events.values.first)
            #expect(truth.sent.count == MatchSimulator.play(seed: seed).events.count)
            #expect(truth.sent.contains(UInt32.max) && truth.sent.contains(0))  // the stream crossed the wrap
            // The first transmissions' fates depend on the seed alone (repairs have a lane of their own in the relay).
            #expect(
                relay.report.toClient.dropped > 0 && truth.lost > 0 && truth.duplicates > 0 && truth.outOfOrder > 0,
                "the relay must have done something")
            #expect(result.statistics.received == truth.received)
            #expect(result.statistics.lost == truth.lost)
            #expect(result.statistics.outOfOrder == truth.outOfOrder)
            #expect(result.statistics.duplicates == truth.duplicates)
            #expect(result.statistics.expected == truth.sent.count)
            #expect(result.statistics.first == truth.sent.first && result.statistics.last == truth.sent.last)
            await relay.close()
        }
    }

    @Test("while the port is flooded with garbage, bad frames, oversized datagrams and register storms, good clients get every event")
    func flood() async throws {
        try await bounded(60) {
            // Matches back to back, far more than the flood lasts: the flood always runs during the stream, and the
            // stream is stopped when the flood is over, so no figure depends on how fast this machine is.
            let server = try await makeServer {
                $0.waitForClients = 3
                $0.interval = .milliseconds(10)
                $0.registerRate = 50
                $0.matches = 1000
            }
            let clients = [try await makeClient(server), try await makeClient(server) { $0.format = .json }, try await makeClient(server)]
            async let summary = server.run()
            async let a = clients[0].run()
            async let b = clients[1].run()
            async let c = clients[2].run()
            let flooders = [try await RawPeer(), try await RawPeer(), try await RawPeer()]
            let good = try Frame.compactEvent(MatchSimulator.play(seed: 1).events[3], sequence: 3).encoded()
            var random = SeededGenerator(seed: 99)
            var sent = 0
            await server.waitForClients { $0 >= 3 }
            #expect(await clients[0].waitUntilReceived(1))  // the stream has started
            // Bounded: exactly 6,000 datagrams, while the stream runs.
            while sent < 6_000 {
                let peer = flooders[sent % flooders.count]
                let bytes: [UInt8]
                switch random.next(below: 6) {
                case 0: bytes = (0..<random.next(below: 200)).map { _ in UInt8(random.next(below: 256)) }
                case 1: bytes = Array(good.prefix(random.next(below: good.count)))
                case 2:
                    var mangled = good
                    mangled[random.next(below: FrameHeader.size)] ^= UInt8(1 + random.next(below: 255))
                    bytes = mangled
                case 3: bytes = [UInt8](repeating: 0xFF, count: 1500 + random.next(below: 3000))
                case 4: bytes = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: peer.subscription).encoded()
                default: bytes = Array("register\\n".utf8)
                }
                try await peer.send(bytes, to: server.localAddress)
                sent += 1
                if sent % 50 == 0 { await Task.yield() }
            }
            server.stop()
            let results = try await [a, b, c]
            let totals = try await summary
            #expect(totals.events > 0)
            for result in results {
                #expect(result.reason == .endOfTransmission(.serverShutdown))
                #expect(result.statistics.received == totals.events && result.statistics.lost == 0)
            }
            let rejected = totals.rejects.values.reduce(0, +)
            #expect(rejected > 500)
            #expect(totals.rejects.keys.contains { $0.hasPrefix("oversized") })
            #expect(totals.rejects.keys.contains { $0.contains("badMagic") || $0.contains("unknownText") })
            for peer in flooders { await peer.close() }
        }
    }
}

@Suite("Forgeries (version 2)", .serialized)
struct ForgeryTests {
    @Test(
        "a subscriber's whole traffic replayed at another, far-ahead events, ends, unregisters and heartbeats forged with its server's or its own address: the victim follows the whole match untouched"
    )
    func forgeriesChangeNothing() async throws {
        try await bounded(120) {
            // Matches back to back, stopped once the forgeries are in: nothing depends on this machine's speed.
            let server = try await makeServer {
                $0.waitForClients = 2
                $0.interval = .milliseconds(10)
                $0.seed = 3
                $0.matches = 1000
            }
            // The victim sits behind a relay that forwards faithfully and can forge either side's address.
            let relay = try await makeRelay(server, loss: 0, duplicate: 0, reorder: 0)
            let victim = try await makeClient(port: relay.port)
            async let summary = server.run()
            async let victimResult = victim.run()
            // The attacker's own subscription: it learns every frame's exact shape, and its traffic is replayed.
            let donor = try await RawPeer()
            let welcome = try #require(try await donor.register(with: server, formats: [.compact]))
            #expect(await victim.waitUntilReceived(5))
            var donorReceived = [welcome]
            for _ in 0..<3 { donorReceived.append(try #require(try await donor.next()).1) }
            try await donor.send(try Frame(sequence: 3, body: .heartbeat, subscription: donor.subscription).encoded(), to: server.localAddress)
            let donorSent = donor.sent + [try Frame(body: .unregister, subscription: donor.subscription).encoded()]

            var forgedAtVictim = 0
            // 1. Everything the donor received, replayed at the victim as if from its server.
            for bytes in donorReceived {
                try await relay.inject(bytes, toClient: true)
                forgedAtVictim += 1
            }
            // 2. Events far ahead and ends, under guessed identifiers.
            let event = MatchSimulator.play(seed: 3).events[2]
            for guess in 0..<40 {
                let id = UInt64.random(in: 1...UInt64.max)
                try await relay.inject(
                    try Frame.compactEvent(event, sequence: 2_000_000_000 + UInt32(guess), subscription: id).encoded(),
                    toClient: true)
                try await relay.inject(
                    try Frame(sequence: 2_000_000_000, body: .end(EndOfMatch(reason: .serverShutdown)), subscription: id).encoded(),
                    toClient: true)
                forgedAtVictim += 2
            }
            // 3. At the server, as the victim: the donor's own datagrams, and guessed unregisters and heartbeats.
            for bytes in donorSent { try await relay.inject(bytes, toClient: false) }
            for _ in 0..<40 {
                let id = UInt64.random(in: 1...UInt64.max)
                try await relay.inject(try Frame(body: .unregister, subscription: id).encoded(), toClient: false)
                try await relay.inject(try Frame(sequence: 1, body: .heartbeat, subscription: id).encoded(), toClient: false)
            }
            // The donor's own unregister, sent after every forgery, shows the server has handled them all;
            // three more real events at the victim show the same for it.
            // (Sent again while unanswered: a loaded machine's socket buffer may drop one datagram of the burst.)
            var unregistered = false
            for _ in 0..<20 where !unregistered {
                try await donor.send(try Frame(body: .unregister, subscription: donor.subscription).encoded(), to: server.localAddress)
                unregistered = await server.waitForClients({ $0 == 1 }, deadline: .now.advanced(by: .seconds(2)))
            }
            #expect(unregistered)
            #expect(await victim.waitUntilReceived(victim.received + 3))
            server.stop()
            let result = try await victimResult
            let totals = try await summary
            let events = totals.events
            #expect(result.reason == .endOfTransmission(.serverShutdown))  // the real end, not a forged one
            let figures =
                "received \(result.statistics.received), expected \(result.statistics.expected) of \(events) sent, lost \(result.statistics.lost), repaired \(result.statistics.repaired), unrecovered \(result.statistics.unrecovered), duplicates \(result.statistics.duplicates), out of order \(result.statistics.outOfOrder), first \(result.statistics.first.map(String.init) ?? "-"), last \(result.statistics.last.map(String.init) ?? "-")"
            // Every event reached the victim, first time or repaired (a busy machine's socket buffer
            // may drop some; repair fills them): none lost for good, none forged in.
            #expect(result.statistics.received + result.statistics.repaired == events && result.statistics.expected == events, "\(figures)")
            #expect(
                // A duplicate can only be a repair's late original (forged copies are rejected, not counted).
                result.statistics.unrecovered == 0 && result.statistics.duplicates <= result.statistics.repaired
                    && result.statistics.lost == result.statistics.repaired,
                "\(figures)")
            #expect(result.statistics.first == 0 && result.statistics.last == UInt32(events - 1))
            // Every forgery that reached the victim was rejected (the server's challenges to the forged
            // registers, carrying the donor's identifier, count too).
            #expect(result.rejected >= forgedAtVictim, "rejected \(result.rejected) of at least \(forgedAtVictim)")
            #expect((totals.rejects["unregister with another subscription's identifier"] ?? 0) >= 41)
            #expect((totals.rejects["heartbeat with another subscription's identifier"] ?? 0) >= 41)
            await donor.close()
            await relay.close()
        }
    }
}

@Suite("soccer-stream impair", .serialized)
struct ImpairTests {
    @Test("bursty loss, delay with jitter (which reorders) and duplication: the client's statistics equal the relay's record")
    func burstsDelayJitter() async throws {
        try await bounded(60) {
            let server = try await makeServer {
                $0.waitForClients = 1
                $0.interval = .milliseconds(4)
                $0.seed = 12
            }
            var configuration = ImpairmentConfiguration()
            configuration.serverPort = server.localAddress.port ?? 0
            configuration.toClient.burst = BurstLoss(enterBad: 0.1, leaveBad: 0.4)
            configuration.toClient.duplicate = 0.1
            configuration.toClient.delay = .milliseconds(3)
            configuration.toClient.jitter = .milliseconds(3)
            configuration.seed = 5
            configuration.eventsOnly = true
            let relay = try await ImpairmentProxy.start(configuration: configuration)
            let client = try await makeClient(port: relay.port)
            async let summary = server.run()
            let result = try await client.run()
            _ = try await summary
            let report = relay.report
            let truth = try #require(report.events.values.first)
            #expect(report.toClient.dropped > 0 && report.toClient.duplicated > 0 && report.toClient.delayed > 0)
            #expect(truth.sent.count == MatchSimulator.play(seed: 12).events.count)
            #expect(result.statistics.received == truth.received)
            #expect(result.statistics.lost == truth.lost)
            #expect(result.statistics.duplicates == truth.duplicates)
            #expect(result.statistics.outOfOrder == truth.outOfOrder)
            await relay.close()
        }
    }

    @Test("bad settings are refused with the option and what is expected")
    func badSettings() async throws {
        var configuration = ImpairmentConfiguration()
        configuration.toClient.loss = 2
        let tooMuch = configuration
        await #expect(throws: StreamingError.self) { _ = try await ImpairmentProxy.start(configuration: tooMuch) }
        var burst = ImpairmentConfiguration()
        burst.toServer.burst = BurstLoss(enterBad: 0.5, leaveBad: 0)
        let stuck = burst
        do {
            try stuck.validate()
            Issue.record("a burst that never ends was accepted")
        } catch {
            #expect(error.message.contains("--burst-loss"))
        }
    }
}

@Suite("Gap repair (Spec §4.8)", .serialized)
struct RepairTests {
    @Test(
        "through 30 % loss, 5 % reordering and 2 % duplication both ways, each client gets every event the link let through once, in order, and its figures equal the relay's record",
        arguments: [UInt64(1), 2])
    func lossyLink(seed: UInt64) async throws {
        try await bounded(60) {
            // An interval of 20 ms: many round trips on loopback.
            let server = try await makeServer {
                $0.waitForClients = 2
                $0.interval = .milliseconds(20)
                $0.seed = seed
                $0.repairGrace = .seconds(20)
            }
            var impairment = Impairment()
            impairment.loss = 0.3
            impairment.reorder = 0.05
            impairment.duplicate = 0.02
            var configuration = ImpairmentConfiguration()
            configuration.serverPort = server.localAddress.port ?? 0
            configuration.toClient = impairment
            configuration.toServer = impairment
            configuration.seed = seed
            configuration.eventsOnly = true  // events and repair traffic: registration and the end pass
            let relay = try await ImpairmentProxy.start(configuration: configuration)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soccerstream-repair-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }  // a temporary directory
            var logs: [LogFile] = []
            var clients: [StreamClient] = []
            for format in [BodyFormat.compact, .json] {
                let log = LogFile(path: directory.appendingPathComponent("client-\(format.name).log").path)
                try log.start(nil)
                logs.append(log)
                var client = ClientConfiguration()
                client.port = relay.port
                client.format = format
                client.initialBackoff = .milliseconds(100)
                clients.append(try await StreamClient.connect(configuration: client, logger: log.logger(label: "client")))
            }
            async let summary = server.run()
            async let first = clients[0].run()
            async let second = clients[1].run()
            let results = try await [first, second]
            server.stop()  // both clients are done: no need to wait out the server's repair grace
            let totals = try await summary
            let events = MatchSimulator.play(seed: seed).events.count
            let report = relay.report
            // Events were dropped, and the nacks crossed the impaired direction too (whether one of the few
            // nacks of a run is dropped is up to chance; retries after a lost nack are unit-tested).
            #expect(report.toClient.dropped > 0 && report.toServer.repairBytes > 0, "the relay must have dropped events and carried nacks")
            for (index, result) in results.enumerated() {
                let truth = try #require(report.events["127.0.0.1:\(result.localPort)"])
                #expect(result.reason == .endOfTransmission(.fullTime))
                // An event can still be lost for good: the relay's seeded lanes hold runs of drops (eight in a
                // row on one of them), and once the match is over a client's last repair draws them alone. That is
                // the network, not a fault, when the record proves it: the client asked all its attempts, the
                // server answered every NACK that reached it, and the relay delivered none of the answers.
                let gone = Set(truth.sent).subtracting(truth.delivered).subtracting(truth.redelivered)
                for sequence in gone.sorted() {
                    let asked = truth.asked.filter { $0 == sequence }.count
                    let reached = truth.askedForwarded.filter { $0 == sequence }.count
                    let answered = truth.resent.filter { $0 == sequence }.count
                    #expect(
                        asked == ClientSession.repairAttempts && answered == reached,
                        "#\(sequence) never delivered: asked \(asked) times, \(reached) reached the server, \(answered) answered")
                }
                #expect(gone.count <= 1, "more than one event lost for good: \(gone.sorted())")
                #expect(result.statistics.unrecovered == gone.count)
                #expect(result.statistics.received == truth.received)
                #expect(result.statistics.lost == truth.lost && result.statistics.lost == result.statistics.repaired + gone.count)
                #expect(result.statistics.duplicates == truth.duplicates && result.statistics.outOfOrder == truth.outOfOrder)
                #expect(result.statistics.repaired == truth.repaired)
                // client.log: every event delivered exactly once, in sequence order.
                let text = try String(contentsOf: URL(fileURLWithPath: logs[index].path), encoding: .utf8)
                let logged = text.split(separator: "\n").filter { $0.contains("Received message") }.compactMap { line -> Int? in
                    guard let hash = line.range(of: ": #") else { return nil }
                    return Int(line[hash.upperBound...].prefix { $0.isNumber })
                }
                #expect(logged == Array(0..<events).filter { !gone.contains(UInt32($0)) }, "client.log: \(logged)")
                #expect(text.contains("(repaired)") == (result.statistics.repaired > 0))
            }
            #expect(totals.repairsSent > 0, "\(totals.rejects)")
            await relay.close()
        }
    }

    @Test("a NACK storm (a subscriber's own and forged ones) stays within the repair budget while good clients get every event")
    func nackStorm() async throws {
        try await bounded(60) {
            let server = try await makeServer {
                $0.waitForClients = 2
                $0.interval = .milliseconds(10)
                $0.matches = 1000
                $0.repairRate = 20
                $0.repairBurst = 10
            }
            let good = try await makeClient(server)
            async let summary = server.run()
            async let goodResult = good.run()
            let storm = try await RawPeer()
            _ = try #require(try await storm.register(with: server, formats: [.compact]))
            #expect(await good.waitUntilReceived(20))
            let clock = ContinuousClock()
            let start = clock.now
            let forger = try await RawPeer()
            for round in 0..<300 {
                let ask = try Frame(body: .nack(SequenceRanges([.init(first: 0, count: 20)])), subscription: storm.subscription).encoded()
                try await storm.send(ask, to: server.localAddress)
                let forged = try Frame(body: .nack(SequenceRanges([.init(first: 0, count: 20)])), subscription: UInt64(round + 1)).encoded()
                try await forger.send(forged, to: server.localAddress)
            }
            // The storm's own unregister after it shows the server has handled every NACK.
            try await storm.send(try Frame(body: .unregister, subscription: storm.subscription).encoded(), to: server.localAddress)
            await server.waitForClients { $0 == 1 }
            let elapsed = start.duration(to: clock.now).inSeconds
            #expect(await good.waitUntilReceived(good.received + 3))
            server.stop()
            let totals = try await summary
            let result = try await goodResult
            // At most the burst plus the rate over the storm's duration (the good client asked for nothing).
            #expect(Double(totals.repairsSent) <= 10 + 20 * elapsed + 1, "\(totals.repairsSent) repairs in \(elapsed) s")
            #expect((totals.rejects["repair requests over budget"] ?? 0) > 5000)
            #expect((totals.rejects["nack from an unknown address"] ?? 0) == 300)
            #expect(result.statistics.lost == 0 && result.statistics.received == totals.events)
            await storm.close()
            await forger.close()
        }
    }
}
