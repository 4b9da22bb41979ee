import Capture
import Foundation
import Logging
import Match
import NIOCore
import Streaming
import TestSupport
import Testing
import Toolkit
import Wire

@Suite("Streaming on loopback", .serialized)
struct StreamingTests {
    @Test("three clients receive a whole match: nothing lost or out of order, identical final states")
    func threeClients() async throws {
        try await bounded(30) {
            let server = try await makeServer { $0.waitForClients = 3 }
            let clients = [try await makeClient(server), try await makeClient(server) { $0.format = .json }, try await makeClient(server)]
            async let summary = server.run()
            async let first = clients[0].run()
            async let second = clients[1].run()
            async let third = clients[2].run()
            let results = try await [first, second, third]
            let events = MatchSimulator.play(seed: 7).events.count
            #expect(try await summary.events == events)
            for result in results {
                #expect(result.reason == .endOfTransmission(.fullTime))
                #expect(result.statistics.received == events)
                #expect(result.statistics.lost == 0)
                #expect(result.statistics.outOfOrder == 0)
                #expect(result.statistics.duplicates == 0)
                #expect(result.statistics.first == 0)
                #expect(result.statistics.last == UInt32(events - 1))
            }
            #expect(results[0].latest != nil)
            #expect(results.allSatisfy { $0.latest == results[0].latest })
            #expect(results.map(\.format) == [.compact, .json, .compact])
        }
    }

    @Test("a json client and a compact client end with identical states and identical rendered views")
    func jsonAndCompactAgree() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.waitForClients = 2
                $0.language = .pt
            }
            let compact = try await makeClient(server) {
                $0.format = .compact
                $0.allowFallback = false
            }
            let json = try await makeClient(server) {
                $0.format = .json
                $0.allowFallback = false
            }
            async let summary = server.run()
            async let compactResult = compact.run()
            async let jsonResult = json.run()
            let (a, b) = try await (compactResult, jsonResult)
            _ = try await summary
            #expect(a.format == .compact && b.format == .json)
            let left = try #require(a.latest)
            let right = try #require(b.latest)
            #expect(left == right)
            #expect(left.rendered() == right.rendered())
            #expect(left.rendered().contains("Tempo de Jogo"))
        }
    }

    @Test("a late joiner's first view already shows the full line-ups, score and latest event")
    func lateJoiner() async throws {
        try await bounded(30) {
            // A watcher sees the match start; the late joiner comes once six events are out. The
            // interval leaves seconds of match after that however slow the machine, and the test
            // stops the server as soon as it has checked, so the long interval costs nothing.
            let server = try await makeServer {
                $0.interval = .milliseconds(100)
                $0.seed = 11
                $0.waitForClients = 1
            }
            async let summary = server.run()
            let watcher = try await RawPeer()
            _ = try #require(try await watcher.register(with: server, formats: [.compact]))
            while let (_, bytes) = try await watcher.next(), try Frame.decode(bytes).sequence < 6 {}
            await watcher.close()
            let peer = try await RawPeer()
            let bytes = try #require(try await peer.register(with: server, formats: [.compact]))
            let (header, frame) = try Frame.decodeWithHeader(bytes)
            guard case .welcome(let welcome) = frame.body else {
                Issue.record("expected a welcome, got \(frame.kind)")
                return
            }
            let current = try #require(welcome.current)
            let type = try #require(frame.eventType)
            #expect(header.sequence > 5)
            let snapshot = try LiveSnapshot(
                event: current.event(type: type, minute: frame.minute), sequence: frame.sequence,
                roster: welcome.roster, catalog: welcome.catalog)
            #expect(snapshot.home.players.count == 10 && snapshot.away.players.count == 10)
            let expected = MatchSimulator.play(seed: 11).events[Int(header.sequence)]
            #expect(current.state == expected.state)
            server.stop()
            _ = try await summary
            await peer.close()
        }
    }

    @Test("a second server on a busy port fails with 'address already in use' instead of sharing the registrations")
    func busyPort() async throws {
        try await bounded(30) {
            let first = try await makeServer()
            let port = first.localAddress.port ?? 0
            do {
                _ = try await makeServer { $0.port = port }
                Issue.record("a second server bound the busy port \(port)")
            } catch let error as StreamingError {
                #expect(error.code == .socket && error.message.contains("address already in use"), "\(error)")
            }
            first.stop()
            _ = try await first.run()
        }
    }

    @Test("registering twice from one address gives the same welcome and one subscription; unregister removes it at once")
    func idempotentRegister() async throws {
        try await bounded(30) {
            let server = try await makeServer { $0.waitForClients = 5 }
            async let summary = server.run()
            let peer = try await RawPeer()
            let first = try #require(try await peer.register(with: server, formats: [.json, .compact]))
            // Once subscribed, a plain repeat (no token) gets the same welcome straight away.
            try await peer.send(
                try Frame(body: .register(RegisterRequest.padded(formats: [.json, .compact])), subscription: peer.subscription).encoded(),
                to: server.localAddress)
            let second = try #require(try await peer.next()).1
            #expect(first == second)
            #expect(server.clientCount == 1)
            guard case .welcome(let welcome) = try Frame.decode(first).body else {
                Issue.record("not a welcome")
                return
            }
            #expect(welcome.format == .json)
            try await peer.send(try Frame(body: .unregister, subscription: peer.subscription).encoded(), to: server.localAddress)
            await server.waitForClients { $0 == 0 }
            #expect(server.clientCount == 0)
            server.stop()
            _ = try await summary
            await peer.close()
        }
    }

    @Test("the dictionary is negotiated per client: offered and agreed, a 1 KB welcome becomes a few dozen bytes; not offered or not agreed, none")
    func dictionaryNegotiation() async throws {
        try await bounded(30) {
            for (serverUses, offered, agreed) in [(true, [UInt8(1)], UInt8(1)), (true, [], 0), (false, [1], 0), (true, [3, 1], 1)] {
                let server = try await makeServer {
                    $0.waitForClients = 5
                    $0.dictionaries = serverUses ? [.standard] : []
                }
                async let summary = server.run()
                let peer = try await RawPeer()
                let reply = try #require(try await peer.register(with: server, formats: [.compact], dictionaries: offered))
                let (header, frame) = try Frame.decodeWithHeader(reply)
                guard case .welcome(let welcome) = frame.body else {
                    Issue.record("not a welcome")
                    return
                }
                #expect(welcome.dictionary == agreed)
                #expect(header.dictionary == agreed)
                #expect(agreed == 1 ? reply.count < 100 : reply.count > 1000, "\(reply.count) bytes")
                server.stop()
                _ = try await summary
                await peer.close()
            }
            // A real client offers the dictionary by default and follows the match with it.
            let server = try await makeServer { $0.waitForClients = 1 }
            async let summary = server.run()
            let client = try await makeClient(server)
            let result = try await client.run()
            _ = try await summary
            #expect(result.statistics.lost == 0 && result.statistics.received > 0)
            #expect(result.dictionary == 1)
        }
    }

    @Test("a client told to use a dictionary it did not offer still decodes, and warns about the server")
    func unofferedDictionary() async throws {
        try await bounded(30) {
            let fake = try await RawPeer()
            var configuration = ClientConfiguration()
            configuration.server = "127.0.0.1"
            configuration.port = fake.port
            configuration.dictionaries = []
            let store = RecordingLogHandler.Store()
            let client = try await StreamClient.connect(
                configuration: configuration,
                logger: Logger(label: "client") { _ in RecordingLogHandler(store: store) })
            async let result = client.run()
            let (clientAddress, register) = try #require(try await fake.next())
            guard case .register(let request) = try Frame.decode(register).body else {
                Issue.record("not a register")
                return
            }
            #expect(request.dictionaries.isEmpty)
            let id = FrameHeader.subscription(in: register)
            let welcome = Frame(
                body: .welcome(
                    Welcome(
                        format: .compact, dictionary: 1, matchID: 1, heartbeatSeconds: 0,
                        intervalMicroseconds: 10_000, roster: .original, catalog: .english, current: nil)),
                subscription: id)
            try await fake.send(try welcome.encoded(), to: clientAddress)
            let event = MatchSimulator.play(seed: 5).events[0]
            try await fake.send(try Frame.compactEvent(event, sequence: 0, subscription: id).encoded(), to: clientAddress)
            try await fake.send(
                try Frame(
                    sequence: 0, score: event.score, minute: event.minute, body: .end(EndOfMatch(reason: .fullTime)),
                    subscription: id
                ).encoded(),
                to: clientAddress)
            let outcome = try await result
            #expect(outcome.dictionary == 1 && outcome.statistics.received == 1 && outcome.statistics.lost == 0)
            #expect(store.all.contains { $0.0 == .warning && $0.1.contains("did not offer") })
            await fake.close()
        }
    }

    @Test("each refuse reason reaches the client with its code")
    func refusals() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.formats = [.json]
                $0.maxClients = 1
                $0.waitForClients = 5
            }
            async let summary = server.run()
            let peer = try await RawPeer()
            func refusal(_ bytes: [UInt8]) async throws -> RefuseReason? {
                try await peer.send(bytes, to: server.localAddress)
                guard let (_, reply) = try await peer.next() else { return nil }
                #expect(reply.count <= bytes.count, "a refusal to an unvalidated address is never larger than the request")
                guard case .refuse(let refusal) = try Frame.decode(reply).body else { return nil }
                return refusal.reason
            }
            func refusal(formats: [BodyFormat]) async throws -> RefuseReason? {
                guard let reply = try await peer.register(with: server, formats: formats), case .refuse(let refusal) = try Frame.decode(reply).body
                else { return nil }
                return refusal.reason
            }
            var future = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: peer.subscription).encoded()
            future[2] = 3
            #expect(try await refusal(future) == .unsupportedVersion)
            #expect(try await refusal(formats: [.compact]) == .noCommonFormat)
            var malformed = try Frame(body: .register(RegisterRequest.padded(formats: [.json])), subscription: peer.subscription).encoded()
            malformed[FrameHeader.size + 1] = 9
            #expect(try await refusal(malformed) == .malformed)

            // A client that insists on compact fails clearly; one that may fall back gets json.
            let strict = try await makeClient(server) {
                $0.format = .compact
                $0.allowFallback = false
            }
            let strictResult = try await strict.run()
            guard case .refused(let reason) = strictResult.reason else {
                Issue.record("expected a refusal, got \(strictResult.reason)")
                return
            }
            #expect(reason.reason == .noCommonFormat)
            let flexible = try await makeClient(server) { $0.format = .compact }
            async let flexibleResult = flexible.run()
            await server.waitForClients { $0 == 1 }
            #expect(server.clientCount == 1)
            // The server now holds its one client: the next is refused as full.
            #expect(try await refusal(formats: [.json]) == .serverFull)
            server.stop()
            _ = try await summary
            #expect(try await flexibleResult.format == .json)
            await peer.close()
        }
    }

    @Test("an original client made of a plain socket gets only bare JSON datagrams in the original layout, then End of transmission")
    func originalClient() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.waitForClients = 1
                $0.language = .pt
            }
            async let summary = server.run()
            let peer = try await RawPeer()
            try await peer.send(Array("register".utf8), to: server.localAddress)
            var datagrams: [OriginalDatagram] = []
            var ends = 0
            while let (from, bytes) = try await peer.next(timeout: .seconds(3)) {
                #expect(from == server.localAddress)
                #expect(bytes.count <= 4096)
                #expect(bytes.first == UInt8(ascii: "{") || bytes == Array("End of transmission".utf8), "unexpected datagram")
                if bytes == Array("End of transmission".utf8) {
                    ends += 1
                    break
                }
                // Python's json.loads on the original client accepts exactly what our strict decoder accepts.
                datagrams.append(try OriginalDatagram(decoding: bytes))
            }
            let events = MatchSimulator.play(seed: 7).events
            #expect(ends == 1)
            #expect(datagrams.count == events.count)
            #expect(datagrams.map(\.message.count) == (0..<UInt32(events.count)).map { $0 })
            #expect(datagrams.first?.message.type.isEmpty == false)
            #expect(PhraseCatalog.portuguese.eventNames.contains(datagrams.first?.message.type ?? ""))
            _ = try await summary
            await peer.close()
        }
    }

    @Test("Ctrl+C: the client unregisters, the server sees it, and the statistics say why")
    func interrupted() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.interval = .milliseconds(20)
                $0.waitForClients = 1
            }
            async let summary = server.run()
            let client = try await makeClient(server)
            async let result = client.run()
            #expect(await client.waitUntilReceived(4))
            client.stop(.interrupted)
            let outcome = try await result
            await server.waitForClients { $0 == 0 }  // the unregister arrived
            #expect(server.clientCount == 0)
            #expect(outcome.reason == .interrupted)
            #expect(outcome.statistics.received > 3)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soccerstream-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }  // a temporary directory
            let stats = LogFile(path: directory.appendingPathComponent("client_stats.log").path, exclusive: false)
            try stats.start(nil)
            outcome.report.append(to: stats)
            let text = try String(contentsOf: directory.appendingPathComponent("client_stats.log"), encoding: .utf8)
            #expect(
                text.contains(
                    "(client) Ctrl+C received. Unregistering client.>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> STATISTICS <<<<<<<<<<<<<<<<<<<<<<<<<<<<<< \n"))
            #expect(text.contains("(client) Number of packets received: \(outcome.statistics.received) \n"))
            server.stop()
            _ = try await summary
        }
    }

    @Test("a client with no server gives up after its bounded register attempts")
    func noAnswer() async throws {
        try await bounded(30) {
            let silent = try await RawPeer()  // a port where nobody answers
            let client = try await makeClient(port: silent.port) {
                $0.registerAttempts = 3
                $0.initialBackoff = .milliseconds(50)
            }
            let result = try await client.run()
            #expect(result.reason == .noAnswer(attempts: 3))
            // Exactly its three registers reached the port (each waited for; then nothing is left over).
            var registers = 0
            for _ in 0..<3 {
                let (_, bytes) = try #require(try await silent.next())
                if case .register = try Frame.decode(bytes).body { registers += 1 }
                #expect(bytes.count >= RegisterRequest.minimumFrameSize)
            }
            #expect(registers == 3)
            #expect(silent.pending == 0)
            await silent.close()
        }
    }

    @Test("--original against an original server: future goals and red cards stay hidden until their minute")
    func originalMode() async throws {
        try await bounded(30) {
            let original = try await RawPeer()
            let client = try await makeClient(port: original.port) { $0.original = true }
            async let result = client.run()
            let (clientAddress, register) = try #require(try await original.next())
            #expect(register == Array("register".utf8))
            // The datagram the original server really sent: Cannavaro's goal at 42' and Messi's red card at 82' are in the future.
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/original/original-server-datagram.bin")
            try await original.send([UInt8](try Data(contentsOf: url)), to: clientAddress)
            try await original.send(Array("End of transmission".utf8), to: clientAddress)
            let outcome = try await result
            let view = try #require(outcome.latest)
            #expect(view.home.players[2].name == "Cannavaro" && view.home.players[2].goals == 0)
            #expect(view.away.players[7].name == "Messi" && !view.away.players[7].sentOff)
            #expect(outcome.reason == .endOfTransmission(.fullTime))
            #expect(outcome.statistics.received == 1 && outcome.statistics.first == 5)
            await original.close()
        }
    }

    @Test("--capture writes every datagram received as a pcap that validate accepts and that agrees with the client's statistics")
    func clientCapture() async throws {
        try await bounded(30) {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("soccerstream-\(UUID().uuidString).pcap").path
            let server = try await makeServer { $0.waitForClients = 1 }
            let client = try await makeClient(server) {
                $0.format = .json
                $0.capturePath = path
            }
            async let summary = server.run()
            let result = try await client.run()
            _ = try await summary
            let report = CaptureValidation.validate(
                capture: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))),
                path: path, port: server.localAddress.port ?? 0)
            #expect(report.readError == nil)
            #expect(report.invalidCount == 0)
            // A challenge, the welcome (again for a register resent on a loaded machine), the events, one end.
            #expect(report.verdicts.count >= result.statistics.received + 3)
            #expect(report.verdicts.filter { $0.check.summary.hasPrefix("event") }.count == result.statistics.received)
            let flow = try #require(report.flows.first)
            #expect(flow.statistics.received == result.statistics.received)
            #expect(flow.statistics.first == result.statistics.first && flow.statistics.last == result.statistics.last)
            #expect(report.verdicts.allSatisfy { $0.source?.port == server.localAddress.port && $0.destination?.address == "127.0.0.1" })
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("--loop: after a match ends, a new client gets the next match (seed + 1) on the same server")
    func loop() async throws {
        try await bounded(30) {
            let server = try await makeServer {
                $0.loop = true
                $0.waitForClients = 1
                $0.seed = 7
            }
            async let summary = server.run()
            let first = try await makeClient(server).run()
            let second = try await makeClient(server).run()
            server.stop()
            let totals = try await summary
            #expect(first.reason == .endOfTransmission(.fullTime) && second.reason == .endOfTransmission(.fullTime))
            #expect(first.statistics.received == MatchSimulator.play(seed: 7).events.count)
            #expect(second.statistics.received == MatchSimulator.play(seed: 8).events.count)
            #expect(first.statistics.lost == 0 && second.statistics.lost == 0)
            #expect(totals.matches >= 2)
        }
    }
}
