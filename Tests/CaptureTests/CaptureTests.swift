import Capture
import Foundation
import Match
import TestSupport
import Testing
import Toolkit
import Wire

enum Captures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/captures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func validate(_ name: String, port: Int = 12345) throws -> FileValidation {
        CaptureValidation.validate(capture: try bytes(name), path: name, port: port)
    }
}

@Suite("Capture reading")
struct CaptureReaderTests {
    @Test("classic pcap, Ethernet, microseconds: JSON datagrams reassembled from three real IP fragments")
    func ipv4Ethernet() throws {
        let contents = CaptureReader.read(try Captures.bytes("session-ipv4.pcap"))
        #expect(contents.error == nil)
        #expect(contents.format == .pcap && !contents.bigEndian)
        #expect(Set(contents.frames.map(\.linkType)) == [1])
        let decoded = PacketDecoder.decode(contents.frames)
        #expect(decoded.problems.isEmpty)
        #expect(decoded.incompleteReassemblies == 0)
        let json = decoded.datagrams.filter { $0.payload.count > 2000 }
        #expect(!json.isEmpty)
        #expect(json.allSatisfy { $0.fragments == 3 })
    }

    @Test("pcapng with two interfaces and link types (Ethernet and Linux cooked v1), IPv6 fragments")
    func pcapngIPv6() throws {
        let contents = CaptureReader.read(try Captures.bytes("session-ipv6.pcapng"))
        #expect(contents.error == nil)
        #expect(contents.format == .pcapng)
        #expect(Set(contents.frames.map(\.linkType)) == [1, 113])
        #expect(Set(contents.frames.map(\.interface)) == [0, 1])
        let decoded = PacketDecoder.decode(contents.frames)
        #expect(decoded.datagrams.allSatisfy { $0.source.address == "::1" && $0.destination.address == "::1" })
        #expect(decoded.datagrams.contains { $0.fragments >= 3 })
        #expect(decoded.incompleteReassemblies == 0)
        // Timestamps are real (2026), not ticks misread at the wrong resolution.
        #expect(contents.frames.allSatisfy { $0.timestamp > 1.7e9 && $0.timestamp < 2.0e9 })
    }

    @Test("nanosecond pcap with Linux cooked v2, and the same file big-endian, give identical datagrams")
    func nanosecondsAndByteOrder() throws {
        let little = CaptureReader.read(try Captures.bytes("session-sll2-nanos.pcap"))
        let big = CaptureReader.read(try Captures.bytes("session-sll2-nanos-bigendian.pcap"))
        #expect(little.format == .pcapNanoseconds && big.format == .pcapNanoseconds)
        #expect(!little.bigEndian && big.bigEndian)
        #expect(Set(little.frames.map(\.linkType)) == [276])
        #expect(little.frames == big.frames)
        let stamps = little.frames.map(\.timestamp)
        #expect(stamps.contains { ($0 * 1e6).rounded() != $0 * 1e6 })  // sub-microsecond digits survive
        #expect(PacketDecoder.decode(little.frames).datagrams.count == 112)
    }

    @Test("raw IP, BSD loopback and VLAN-tagged Ethernet decode to the same datagrams as their originals")
    func linkTypeVariants() throws {
        let raw = PacketDecoder.decode(CaptureReader.read(try Captures.bytes("client-capture.pcap")).frames).datagrams
        let null = PacketDecoder.decode(CaptureReader.read(try Captures.bytes("client-capture-null.pcap")).frames).datagrams
        #expect(raw.map(\.payload) == null.map(\.payload))
        let plain = PacketDecoder.decode(CaptureReader.read(try Captures.bytes("session-ipv4.pcap")).frames).datagrams
        let vlan = PacketDecoder.decode(CaptureReader.read(try Captures.bytes("session-ipv4-vlan.pcap")).frames).datagrams
        #expect(plain.map(\.payload) == vlan.map(\.payload))
        #expect(!raw.isEmpty && !plain.isEmpty)
    }

    @Test("every truncation of a capture keeps the frames before the cut and names the byte")
    func truncations() async throws {
        let bytes = try Captures.bytes("session-sll2-nanos.pcap")
        let pcapng = try Captures.bytes("session-ipv6.pcapng")
        try await CPUBoundLane.check { findings in
            let whole = CaptureReader.read(bytes).frames
            for length in stride(from: 0, to: bytes.count, by: 7) {
                let contents = CaptureReader.read(Array(bytes.prefix(length)))
                if length < bytes.count && length != 24 && !whole.contains(where: { $0.fileOffset == length }) {
                    guard let error = contents.error else {
                        findings.record("no error at length \(length)")
                        continue
                    }
                    findings.expect(error.offset <= length, "length \(length): error at byte \(error.offset)")
                }
                findings.expect(contents.frames == Array(whole.prefix(contents.frames.count)), "length \(length): frames before the cut differ")
            }
            for length in stride(from: 0, to: pcapng.count, by: 97) {
                _ = PacketDecoder.decode(CaptureReader.read(Array(pcapng.prefix(length))).frames)
            }
        }
    }

    @Test("random and mutated capture bytes never crash the reader or the packet decoder")
    func fuzz() async throws {
        let seeds = try ["session-ipv4.pcap", "session-ipv6.pcapng", "client-capture.pcap"].map { Array(try Captures.bytes($0).prefix(4000)) }
        _ = try await CPUBoundLane.run {
            var random = SeededGenerator(seed: 77)
            for _ in 0..<3000 {
                var bytes = seeds[random.next(below: seeds.count)]
                for _ in 0...random.next(below: 8) where !bytes.isEmpty {
                    bytes[random.next(below: bytes.count)] = UInt8(random.next(below: 256))
                }
                if random.next(below: 4) == 0 { bytes = Array(bytes.prefix(random.next(below: bytes.count + 1))) }
                let contents = CaptureReader.read(bytes)
                _ = PacketDecoder.decode(contents.frames)
            }
        }
    }

    @Test("the pcap writer's IPv4 and IPv6 records read back exactly")
    func writerRoundTrip() throws {
        var writer = PcapWriter()
        let payload = Array(0..<200).map { UInt8($0) }
        let first = writer.append(
            payload: payload, from: Endpoint(address: "127.0.0.1", port: 12345),
            to: Endpoint(address: "127.0.0.1", port: 40000), timestamp: 1_764_000_000.25)
        let second = writer.append(
            payload: [1, 2, 3], from: Endpoint(address: "::1", port: 12345),
            to: Endpoint(address: "fe80::1:2", port: 5), timestamp: 1_764_000_001)
        let mixed = writer.append(payload: [], from: Endpoint(address: "::1", port: 1), to: Endpoint(address: "127.0.0.1", port: 2), timestamp: 0)
        #expect(first && second && !mixed)
        let contents = CaptureReader.read(writer.bytes)
        #expect(contents.error == nil && contents.frames.count == 2)
        #expect(abs(contents.frames[0].timestamp - 1_764_000_000.25) < 1e-6)
        let datagrams = PacketDecoder.decode(contents.frames).datagrams
        #expect(datagrams.map(\.payload) == [payload, [1, 2, 3]])
        #expect(datagrams[1].destination == Endpoint(address: "fe80::1:2", port: 5))
    }
}

@Suite("validate")
struct ValidationTests {
    @Test(
        "real sessions: every datagram valid, flows with nothing lost",
        arguments: [
            ("session-ipv4.pcap", 68, [11, 45]), ("session-ipv4-vlan.pcap", 68, [11, 45]),
            ("session-ipv6.pcapng", 118, [45, 5, 45, 5]), ("session-sll2-nanos.pcap", 112, [49, 49]),
            ("session-sll2-nanos-bigendian.pcap", 112, [49, 49]), ("client-capture.pcap", 53, [50]), ("client-capture-null.pcap", 53, [50]),
        ])
    func validSessions(name: String, datagrams: Int, events: [Int]) throws {
        let report = try Captures.validate(name)
        #expect(report.readError == nil)
        #expect(report.verdicts.count == datagrams)
        #expect(report.invalidCount == 0, "\(report.verdicts.filter { !$0.check.valid }.map(\.check.summary))")
        #expect(report.flows.map(\.statistics.received).sorted() == events.sorted())
        #expect(report.flows.allSatisfy { $0.statistics.lost == 0 && $0.statistics.outOfOrder == 0 && $0.statistics.duplicates == 0 })
        #expect(CaptureValidation.exitCode([report]) == 0)
    }

    @Test("a real session with one client offering the dictionary and one not: both welcomes valid, one tiny, one not")
    func dictionaryWelcomes() throws {
        let report = try Captures.validate("session-sll2-nanos.pcap")
        let welcomes = report.verdicts.compactMap { verdict -> (UInt8, UInt16)? in
            guard let header = verdict.check.header, header.kind == .welcome, verdict.check.valid else { return nil }
            return (header.dictionary, header.bodyLength)
        }
        #expect(welcomes.count == 2)
        #expect(welcomes.contains { $0.0 == 1 && $0.1 < 100 })
        #expect(welcomes.contains { $0.0 == 0 && $0.1 > 1000 })
    }

    @Test("a capture taken at the client agrees with that client's own client_stats.log")
    func agreesWithClientStatistics() throws {
        let report = try Captures.validate("client-capture.pcap")
        let stats = try String(contentsOf: Captures.directory.appendingPathComponent("client-capture.stats.log"), encoding: .utf8)
        func figure(_ label: String) -> Int? {
            stats.split(separator: "\n").first { $0.contains(label) }.flatMap {
                Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "")
            }
        }
        let flow = try #require(report.flows.first)
        #expect(figure("Number of packets received") == flow.statistics.received)
        #expect(figure("Number of lost packets") == flow.statistics.lost)
        #expect(figure("Number of packets out of order") == flow.statistics.outOfOrder)
        #expect(figure("Number of duplicate packets") == flow.statistics.duplicates)
        #expect(figure("First sequence number") == flow.statistics.first.map(Int.init))
        #expect(figure("Last sequence number") == flow.statistics.last.map(Int.init))
    }

    @Test("corrupted captures give the expected verdicts and exit codes")
    func corrupted() throws {
        let truncated = try Captures.validate("corrupt-truncated.pcap")
        #expect(truncated.readError?.contains("truncated at byte 2676") == true)
        #expect(truncated.verdicts.count == 35 && truncated.invalidCount == 0)
        #expect(CaptureValidation.exitCode([truncated]) == 2)

        let linkType = try Captures.validate("corrupt-linktype.pcap")
        #expect(linkType.readError?.contains("unsupported link type 147") == true)
        #expect(CaptureValidation.exitCode([linkType]) == 2)

        let mangled = try Captures.validate("corrupt-mangled-frame.pcap")
        let bad = try #require(mangled.verdicts.first { !$0.check.valid })
        #expect(mangled.invalidCount == 1)
        #expect(bad.check.error?.code == .outOfRange && bad.check.error?.field == "header.minute" && bad.check.error?.offset == 12)
        #expect(mangled.flows.first?.statistics.lost == 1)  // the mangled event is not counted as received
        #expect(CaptureValidation.exitCode([mangled]) == 1)

        let json = try Captures.validate("corrupt-bad-json.pcap")
        #expect(json.verdicts.count == 4 && json.invalidCount == 2)
        let errors = json.verdicts.compactMap(\.check.error)
        #expect(errors.map(\.code) == [.invalidJSON, .schemaViolation])
        #expect(errors.last?.field == "json.timeA[0].cartao_vermelho")

        let bomb = try Captures.validate("corrupt-zlib-bomb.pcap")
        #expect(bomb.verdicts.first?.check.error?.code == .inflateLimitExceeded)
        #expect(CaptureValidation.exitCode([json, bomb]) == 1)
        #expect(CaptureValidation.exitCode([json, bomb, truncated]) == 2)
    }

    /// `frame`'s header with `body` after it: flags byte changed by `flags`, body length set to match.
    static func reframed(_ frame: [UInt8], body: [UInt8], flags: (UInt8) -> UInt8) -> [UInt8] {
        var bytes = Array(frame.prefix(FrameHeader.size)) + body
        bytes[4] = flags(bytes[4])
        bytes[13] = UInt8(body.count >> 8)
        bytes[14] = UInt8(body.count & 0xFF)
        return bytes
    }

    @Test("--raw: each fixture file is one datagram; non-canonical and wrong-way datagrams are caught")
    func raw() throws {
        let fixtures = Captures.directory.deletingLastPathComponent().appendingPathComponent("frames")
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.path) where name.hasSuffix(".bin") {
            let report = CaptureValidation.validate(raw: [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name))), path: name)
            #expect(report.invalidCount == 0, "\(name)")
        }
        // Same JSON, other whitespace: decodes, but is not the canonical encoding.
        let original = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("original-datagram-last-pt.bin")))
        let spaced = Array(String(decoding: original, as: UTF8.self).replacingOccurrences(of: ", \"", with: ",\"").utf8)
        let check = DatagramCheck(spaced)
        #expect(check.datagram != nil && check.error?.message.contains("not the canonical encoding") == true)
        // A welcome travelling to the server is wrong-way traffic.
        let welcome = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("welcome-compact-kickoff.bin")))
        #expect(DatagramCheck(welcome, direction: .toServer).error?.field == "header.kind")
        #expect(DatagramCheck(welcome, direction: .toClient).valid)
        // The same welcome announcing no dictionary is canonical too (for a client that offered none)...
        var decoded = try Frame.decode(welcome)
        if case .welcome(var body) = decoded.body {
            body.dictionary = 0
            decoded.body = .welcome(body)
        }
        let plainWelcome = try decoded.encoded()
        #expect(plainWelcome.count > 1000 && DatagramCheck(plainWelcome, direction: .toClient).valid)
        // ...but an event deflated with the dictionary decodes and is not canonical: events never use one.
        let event = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("event-compact-goal.bin")))
        let deflated = try Compression.deflate(Array(event.dropFirst(FrameHeader.size)), dictionary: CompressionDictionary.standard.bytes)
        let dictionaryEvent = Self.reframed(event, body: deflated, flags: { $0 | 0x04 | 1 << 3 })
        let eventCheck = DatagramCheck(dictionaryEvent, direction: .toClient)
        #expect(eventCheck.datagram != nil && eventCheck.error?.field == "header.flags.dictionary", "\(String(describing: eventCheck.error))")
    }

    @Test(
        "validity does not depend on the zlib build: bodies deflated at other levels and strategies validate; what the frame says is still checked",
        arguments: [Int32(1)], Compression.Strategy.allCases)
    func otherDeflateEncoders(level: Int32, strategy: Compression.Strategy) throws {
        let fixtures = Captures.directory.deletingLastPathComponent().appendingPathComponent("frames")
        for name in ["welcome-compact-kickoff.bin", "welcome-json-late-pt.bin"] {
            let reference = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
            let frame = try Frame.decode(reference)
            let other = try frame.encoded(level: level, strategy: strategy)
            if level != Compression.level || strategy != .standard {
                #expect(other != reference, "\(name): level \(level) \(strategy) should stand in for another DEFLATE encoder")
            }
            let check = DatagramCheck(other, direction: .toClient)
            #expect(check.valid, "\(name) at level \(level), \(strategy): \(String(describing: check.error))")
            // What the frame says about its compression is still checked: a welcome announcing dictionary 1
            // must be compressed with it, whatever the encoder.
            let header = try Frame.decodeWithHeader(other).header
            if header.compressed && header.dictionary == 1 {
                let body = Array(try Frame.content(of: other, header: header).dropFirst(FrameHeader.size))
                let plain = try Compression.deflate(body, level: level, strategy: strategy)
                let wrong = Self.reframed(other, body: plain, flags: { $0 & ~UInt8(0x18) })
                let wrongCheck = DatagramCheck(wrong, direction: .toClient)
                #expect(wrongCheck.datagram != nil && wrongCheck.error?.field == "header.flags.dictionary", "\(String(describing: wrongCheck.error))")
            }
        }
    }

    @Test("a compressed body under the 32-byte threshold is not canonical, whatever encoder made it")
    func shortCompressedBody() throws {
        let fixtures = Captures.directory.deletingLastPathComponent().appendingPathComponent("frames")
        let event = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("event-compact-goal.bin")))
        let deflated = try Compression.deflate(Array(event.dropFirst(FrameHeader.size)))
        let compressed = Self.reframed(event, body: deflated, flags: { $0 | 0x04 })
        let check = DatagramCheck(compressed, direction: .toClient)
        #expect(check.datagram != nil && check.error?.field == "header.flags.compressed", "\(String(describing: check.error))")
    }

    @Test("the JSON report is well formed and carries the summary")
    func jsonReport() throws {
        let reports = [try Captures.validate("corrupt-bad-json.pcap"), try Captures.validate("client-capture.pcap")]
        let text = CaptureValidation.json(reports).prettyText()
        let parsed = try JSONNode.parse(Array(text.utf8))
        guard case .object(let members) = parsed.value, case .object(let summary) = members.last?.node.value else {
            Issue.record("no summary")
            return
        }
        #expect(summary.first { $0.key == "invalid" }?.node.value == .integer(2))
        #expect(summary.first { $0.key == "exitCode" }?.node.value == .integer(1))
        #expect(CaptureValidation.text(reports, quiet: true).contains("corrupt-bad-json.pcap"))
    }
}

@Suite("validate: subscription identifiers (version 2)")
struct SubscriptionValidationTests {
    static let server = Endpoint(address: "127.0.0.1", port: 12345)
    static let client = Endpoint(address: "127.0.0.1", port: 40000)

    static func capture(_ datagrams: [(toServer: Bool, bytes: [UInt8])]) -> [UInt8] {
        var writer = PcapWriter()
        for (index, datagram) in datagrams.enumerated() {
            _ = writer.append(
                payload: datagram.bytes, from: datagram.toServer ? client : server, to: datagram.toServer ? server : client,
                timestamp: 1000 + Double(index) * 0.01)
        }
        return writer.bytes
    }

    @Test(
        "a frame under another identifier than its flow's is INVALID at byte 15 and moves nothing in the flow's figures; with or without the register captured"
    )
    func forgedInFlow() throws {
        let events = MatchSimulator.play(seed: 4).events
        let register = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: 0xA).encoded()
        let welcome = try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 5, intervalMicroseconds: 10_000,
                    roster: .original, catalog: .english, current: nil)), subscription: 0xA
        ).encoded()
        let real = try (0..<3).map { try Frame.compactEvent(events[$0], sequence: UInt32($0), subscription: 0xA).encoded() }
        let forged = try Frame.compactEvent(events[1], sequence: 1_000_000, subscription: 0xB).encoded()
        for withRegister in [true, false] {
            var datagrams: [(toServer: Bool, bytes: [UInt8])] = withRegister ? [(true, register), (false, welcome)] : []
            datagrams += [(false, real[0]), (false, forged), (false, real[1]), (false, real[2])]
            let report = CaptureValidation.validate(capture: Self.capture(datagrams), path: "forged", port: 12345)
            #expect(report.invalidCount == 1)
            let bad = try #require(report.verdicts.first { !$0.check.valid })
            #expect(
                bad.check.error?.field == "header.subscription" && bad.check.error?.offset == FrameHeader.subscriptionOffset,
                "\(String(describing: bad.check.error))")
            let flow = try #require(report.flows.first)
            #expect(flow.wrongSubscription == 1 && flow.subscription == 0xA)
            #expect(flow.statistics.received == 3 && flow.statistics.last == 2 && flow.statistics.lost == 0)
            #expect(CaptureValidation.text([report], quiet: false).contains("not this flow's"))
        }
    }
}

@Suite("validate: gap repair (Spec §4.8)")
struct RepairValidationTests {
    @Test("a flow's retransmissions count as repaired, with the delay from the first event after the gap; unavailable answers as unrecovered")
    func repairedInFlow() throws {
        let events = MatchSimulator.play(seed: 4).events
        func event(_ index: Int, retransmission: Bool = false) throws -> [UInt8] {
            var frame = Frame.compactEvent(events[index], sequence: UInt32(index), subscription: 0xA)
            frame.retransmission = retransmission
            return try frame.encoded()
        }
        let welcome = try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 1, heartbeatSeconds: 5, intervalMicroseconds: 10_000,
                    roster: .original, catalog: .english, current: nil)), subscription: 0xA
        ).encoded()
        let nack = try Frame(body: .nack(SequenceRanges(covering: [1, 3])), subscription: 0xA).encoded()
        let unavailable = try Frame(body: .unavailable(SequenceRanges(covering: [3])), subscription: 0xA).encoded()
        // Times 0.00, 0.01, ...: event 2 reveals the gap at 0.02, its repair arrives at 0.04.
        let datagrams: [(toServer: Bool, bytes: [UInt8])] = [
            (false, welcome), (false, try event(0)), (false, try event(2)), (true, nack), (false, try event(1, retransmission: true)),
            (false, try event(4)), (false, unavailable),
        ]
        let report = CaptureValidation.validate(capture: SubscriptionValidationTests.capture(datagrams), path: "repair", port: 12345)
        #expect(report.invalidCount == 0)
        let flow = try #require(report.flows.first)
        #expect(flow.statistics.received == 3 && flow.statistics.repaired == 1 && flow.statistics.unrecovered == 1)
        #expect(flow.statistics.lost == 2)
        let delay = try #require(flow.statistics.repairDelay)
        #expect(abs(delay.median - 0.02) < 1e-6, "\(delay)")
        #expect(CaptureValidation.text([report], quiet: false).contains("20.0/20.0"))
    }
}

@Suite("validate: many matches (Spec §4.9)")
struct ManyMatchesValidationTests {
    @Test("each flow is attributed to the match of its welcome; a flow whose welcome was not captured is reported as 'match unknown'")
    func perMatch() throws {
        let server = Endpoint(address: "127.0.0.1", port: 12345)
        let events = MatchSimulator.play(seed: 4).events
        func welcome(match: UInt32, subscription: UInt64) throws -> [UInt8] {
            try Frame(
                body: .welcome(
                    Welcome(
                        format: .compact, matchID: match, heartbeatSeconds: 5, intervalMicroseconds: 10_000,
                        roster: .original, catalog: .english, current: nil)), subscription: subscription
            ).encoded()
        }
        var writer = PcapWriter()
        var time = 1000.0
        func add(_ bytes: [UInt8], to port: Int) {
            time += 0.01
            _ = writer.append(payload: bytes, from: server, to: Endpoint(address: "127.0.0.1", port: port), timestamp: time)
        }
        // Two clients of match 77, one of match 88, one whose welcome the capture missed.
        for (port, match, subscription) in [(40001, UInt32(77), UInt64(1)), (40002, 77, 2), (40003, 88, 3)] {
            add(try welcome(match: match, subscription: subscription), to: port)
        }
        for index in 0..<3 {
            for (port, subscription) in [(40001, UInt64(1)), (40002, 2), (40003, 3), (40004, 4)] {
                add(try Frame.compactEvent(events[index], sequence: UInt32(index), subscription: subscription).encoded(), to: port)
            }
        }
        let report = CaptureValidation.validate(capture: writer.bytes, path: "matches", port: 12345)
        #expect(report.invalidCount == 0)
        let matches = report.matches
        #expect(matches.map(\.match) == [77, 88, nil])
        #expect(matches.map(\.flows) == [2, 1, 1] && matches.map(\.received) == [6, 3, 3])
        let text = CaptureValidation.text([report], quiet: true)
        #expect(text.contains("matches:") && text.contains("match unknown") == false && text.contains("unknown"))
        #expect(CaptureValidation.json([report]).prettyText().contains("\"matches\""))
    }
}

@Suite("validate: a capture with nothing on the port")
struct NothingOnThePortTests {
    @Test("a wrong --port is a warning naming the ports the capture does use, not 'all valid'")
    func wrongPort() throws {
        var writer = PcapWriter()
        let server = Endpoint(address: "127.0.0.1", port: 5555)
        for index in 0..<3 {
            _ = writer.append(
                payload: Array("register".utf8), from: Endpoint(address: "127.0.0.1", port: 40000 + index), to: server,
                timestamp: Double(index))
        }
        let report = CaptureValidation.validate(capture: writer.bytes, path: "elsewhere", port: 12345)
        #expect(report.verdicts.isEmpty)
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.contains("no datagram to or from port 12345") == true)
        #expect(report.warnings.first?.contains("5555 (3)") == true)
        let text = CaptureValidation.text([report], quiet: true)
        #expect(text.contains("warning: no datagram") && text.contains("nothing checked"))
        #expect(CaptureValidation.json([report]).prettyText().contains("Wrong --port?"))
        // On the right port: no warning.
        #expect(CaptureValidation.validate(capture: writer.bytes, path: "right", port: 5555).warnings.isEmpty)
        // No UDP at all.
        #expect(
            CaptureValidation.validate(capture: PcapWriter().bytes, path: "empty", port: 12345).warnings
                == ["no UDP datagram in this capture, so nothing to check"])
    }

    @Test("validate --json names each datagram's kind, sequence, score and minute")
    func fields() throws {
        let report = try Captures.validate("session-ipv4.pcap")
        let json = CaptureValidation.json([report]).prettyText()
        #expect(json.contains("\"kind\": \"event\"") && json.contains("\"homeScore\"") && json.contains("\"minute\""))
        let event = try #require(report.verdicts.first { $0.check.fields?.kind == "event" })
        #expect(event.check.fields?.sequence == 0 && event.check.fields?.minute == 3)
    }
}
