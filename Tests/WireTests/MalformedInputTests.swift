import Match
import TestSupport
import Testing
import Wire

@Suite("Malformed input")
struct MalformedInputTests {
    static let fixtures = FixtureTests.all

    static func goalFrame() throws -> [UInt8] {
        let event = MatchSimulator.play(seed: 7).events.first { $0.type == .goal }
        return try Frame.compactEvent(try #require(event), sequence: 9, subscription: 7).encoded()
    }

    static func error(_ bytes: [UInt8]) -> WireError? {
        do {
            _ = try Datagram.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("every truncation of every fixture is refused with an error inside the input")
    func truncations() async throws {
        let fixtures = Self.fixtures
        try await CPUBoundLane.check { findings in
            for fixture in fixtures {
                for length in 0..<fixture.bytes.count {
                    let prefix = Array(fixture.bytes.prefix(length))
                    guard let error = Self.error(prefix) else {
                        // A original text may be a prefix of another ("register" of nothing); no frame or JSON may be.
                        findings.record("\(fixture.name) truncated to \(length) bytes decoded")
                        continue
                    }
                    findings.expect(error.offset >= 0 && error.offset <= max(length, FrameHeader.size), "\(fixture.name)/\(length): \(error)")
                    findings.expect(!error.field.isEmpty, "\(fixture.name)/\(length): no field named: \(error)")
                }
            }
        }
    }

    @Test("single-bit flips in every fixture never crash; frames mostly fail with a located error")
    func bitFlips() async throws {
        let fixtures = Self.fixtures
        try await CPUBoundLane.check { findings in
            var refused = 0
            var total = 0
            var random = SeededGenerator(seed: 0xB17)
            for fixture in fixtures {
                // Every bit of the header and the first body bytes, then 400 bits drawn from the rest.
                let head = min(fixture.bytes.count, 48) * 8
                let sampled =
                    fixture.bytes.count * 8 > head ? (0..<400).map { _ in head + random.next(below: fixture.bytes.count * 8 - head) } : []
                for bit in Array(0..<head) + sampled {
                    var bytes = fixture.bytes
                    bytes[bit / 8] ^= UInt8(1 << (bit % 8))
                    total += 1
                    do throws(WireError) {
                        // Whatever decodes must re-encode: the decoder never yields an unencodable value.
                        let decoded = try Datagram.decode(bytes)
                        do {
                            _ = try decoded.encoded()
                        } catch {
                            findings.record("\(fixture.name) with bit \(bit) flipped decodes but does not encode: \(error)")
                        }
                    } catch {
                        refused += 1
                        findings.expect(
                            error.offset >= 0 && error.offset <= bytes.count + Compression.inflateLimit,
                            "\(fixture.name) with bit \(bit) flipped: \(error)")
                    }
                }
            }
            findings.expect(total > 10_000, "only \(total) flips")
            findings.expect(refused > total / 4, "only \(refused) of \(total) flips refused")
        }
    }

    @Test("wrong magic, version, kind, flags and lengths name their field and offset")
    func headerErrors() throws {
        let good = try Self.goalFrame()
        func mutated(_ index: Int, _ value: UInt8) -> [UInt8] {
            var bytes = good
            bytes[index] = value
            return bytes
        }
        var extendedHeartbeat = try Frame(body: .heartbeat, subscription: 7).encoded()
        extendedHeartbeat[4] |= 0x80
        let cases: [([UInt8], WireError.Code, String, Int)] = [
            (mutated(1, 0x54), .badMagic, "header.magic", 0),
            (mutated(2, 1), .unsupportedVersion, "header.version", 2),  // version 1 frames are refused by a version 2 reader
            (mutated(2, 0), .unsupportedVersion, "header.version", 2),
            (mutated(3, 0), .unknownKind, "header.kind", 3),
            (mutated(3, UInt8(FrameKind.allCases.count + 1)), .unknownKind, "header.kind", 3),
            (mutated(4, 0x03), .sealed, "header.flags.format", 4),
            (mutated(4, 0x42), .reservedBits, "header.flags.sourceLost", 4),  // source lost: heartbeats only (Spec §4.10)
            // Bit 7 says the extended layout (Spec §4.13): this body lacks its part.
            (mutated(4, 0x82), .truncated, "body.added", good.count),
            (extendedHeartbeat, .reservedBits, "header.flags.extended", 4),  // welcome and event frames only
            (mutated(4, 0x0A), .reservedBits, "header.flags.dictionary", 4),  // a dictionary on an uncompressed body
            (mutated(4, 0x16), .outOfRange, "header.flags.dictionary", 4),  // dictionary 2: not defined
            (mutated(4, 0x1E), .outOfRange, "header.flags.dictionary", 4),  // dictionary 3: not defined
            (mutated(4, 0x01 | 0x04), .reservedBits, "header.flags.compressed", 4),
            (mutated(9, 0), .outOfRange, "header.eventType", 9),
            (mutated(9, 9), .outOfRange, "header.eventType", 9),
            (mutated(12, 151), .outOfRange, "header.minute", 12),
            (mutated(14, good[14] &+ 1), .lengthMismatch, "header.bodyLength", 13),
            (good + [0], .lengthMismatch, "header.bodyLength", 13),
            (Array(good.prefix(10)), .truncated, "header", 0),
            (
                Array(good.prefix(FrameHeader.subscriptionOffset)) + [UInt8](repeating: 0, count: 8) + good.dropFirst(FrameHeader.size),
                .outOfRange, "header.subscription", FrameHeader.subscriptionOffset
            ),  // an event of no subscription
        ]
        for (bytes, code, field, offset) in cases {
            let error = try #require(Self.error(bytes))
            #expect(error.code == code, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.offset == offset, "\(error)")
        }
    }

    @Test("compact bodies that contradict the header or themselves are refused")
    func bodyErrors() throws {
        let good = try Self.goalFrame()
        var score = good
        score[10] &+= 1
        #expect(Self.error(score)?.code == .inconsistent)
        var sameSide = good
        sameSide[FrameHeader.size + 2] = sameSide[FrameHeader.size + 1]  // opponent := actor
        #expect(Self.error(sameSide)?.field == "body.opponent")
        var lateGoal = good
        lateGoal[12] = 0  // frame minute 0, goals later
        #expect(Self.error(lateGoal)?.code == .inconsistent)
        var extra = good + [0]
        extra[14] &+= 1
        let trailing = try #require(Self.error(extra))
        #expect(trailing.code == .lengthMismatch && trailing.field == "body" && trailing.offset == good.count)
        var countTooBig = good
        countTooBig[FrameHeader.size + 3] = 200  // goal count claims 400 bytes that are not there
        #expect(Self.error(countTooBig)?.code == .truncated)
    }

    @Test("JSON bodies with bad syntax, types, ranges or consistency are refused with their path")
    func jsonErrors() throws {
        let event = try #require(MatchSimulator.play(seed: 7).events.first)
        let frame = try Frame.jsonEvent(event, sequence: 4, roster: .original, catalog: .english, subscription: 7)
        let good = try frame.encoded()
        let text = String(decoding: good.dropFirst(FrameHeader.size), as: UTF8.self)
        func withBody(_ body: String) -> [UInt8] {
            var bytes = Array(good.prefix(FrameHeader.size))
            let utf8 = Array(body.utf8)
            bytes[13] = UInt8(utf8.count >> 8)
            bytes[14] = UInt8(utf8.count & 0xFF)
            return bytes + utf8
        }
        let cases: [(String, WireError.Code, String)] = [
            (text.replacingOccurrences(of: "\"count\": 4", with: "\"count\": 5"), .inconsistent, "json.message.count"),
            (text.replacingOccurrences(of: "\"count\": 4", with: "\"count\": \"4\""), .schemaViolation, "json.message.count"),
            (text.replacingOccurrences(of: "\"count\": 4", with: "\"count\": -1"), .outOfRange, "json.message.count"),
            (text.replacingOccurrences(of: "\"nome\": \"Cruyff\"", with: "\"name\": \"Cruyff\""), .schemaViolation, "json.timeA[9].name"),
            (text.replacingOccurrences(of: "\"goleiroB\": {", with: "\"goleiroB\": {\"x\": 1, "), .schemaViolation, "json.goleiroB.x"),
            (String(text.dropLast()), .invalidJSON, "json"),
            (text + " x", .invalidJSON, "json"),
            (
                text.replacingOccurrences(of: "\"cartao_vermelho\": false", with: "\"cartao_vermelho\": 0"), .schemaViolation,
                "json.timeA[0].cartao_vermelho"
            ),
        ]
        for (body, code, field) in cases {
            let error = try #require(Self.error(withBody(body)), "\(field)")
            #expect(error.code == code, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.offset >= FrameHeader.size && error.offset <= FrameHeader.size + body.utf8.count, "\(error)")
        }
    }

    @Test("a zlib bomb is refused at the inflate cap, without a memory spike")
    func zlibBomb() throws {
        let bomb = try Compression.deflate([UInt8](repeating: 0, count: 10_000_000))
        #expect(bomb.count < 20_000)
        var writer = ByteWriter()
        FrameHeader(
            kind: .event, format: .compact, compressed: true, sequence: 1, eventType: 1,
            score: .zero, minute: 1, bodyLength: UInt16(bomb.count), subscription: 7
        ).write(to: &writer)
        writer.writeBytes(bomb)
        let error = try #require(Self.error(writer.bytes))
        #expect(error.code == .inflateLimitExceeded)
        #expect(error.offset > FrameHeader.size && error.offset < writer.bytes.count)
    }

    @Test("corrupt and incomplete compressed bodies are refused")
    func corruptCompression() throws {
        let deflated = try Compression.deflate(Array(repeating: 7, count: 100))
        #expect(throws: WireError.self) { try Compression.inflate(Array(deflated.dropLast())) }
        #expect(throws: WireError.self) { try Compression.inflate(deflated + [1, 2]) }
        #expect(throws: WireError.self) { try Compression.inflate([0xFF, 0xFF, 0xFF]) }
        #expect(try Compression.inflate(deflated) == Array(repeating: 7, count: 100))
        let exactly = try Compression.deflate(Array(repeating: 1, count: 500))
        #expect(try Compression.inflate(exactly, limit: 500).count == 500)
        #expect(throws: WireError.self) { try Compression.inflate(exactly, limit: 499) }
    }

    @Test("oversized datagrams and bodies are refused")
    func oversized() throws {
        let huge = [UInt8(ascii: "{")] + Array(repeating: UInt8(ascii: " "), count: 5000) + [UInt8(ascii: "}")]
        #expect(Self.error(huge)?.code == .tooLarge)
        var writer = ByteWriter()
        FrameHeader(
            kind: .event, format: .json, compressed: false, sequence: 1, eventType: 1,
            score: .zero, minute: 1, bodyLength: UInt16(huge.count), subscription: 7
        ).write(to: &writer)
        writer.writeBytes(huge)
        #expect(Self.error(writer.bytes)?.code == .tooLarge)
    }

    @Test("original texts must match exactly")
    func originalTexts() {
        #expect((try? OriginalPacket.decode(Array("register".utf8))) == .register)
        #expect(Self.error(Array("register\n".utf8))?.code == .unknownText)
        #expect(Self.error(Array("REGISTER".utf8))?.code == .unknownText)
        #expect(Self.error([])?.code == .unknownText)
        #expect(Self.error([0xFF])?.code == .truncated)
    }
}

@Suite("Repair frames (Spec §4.8)")
struct RepairFrameTests {
    @Test("NACK and unavailable bodies round-trip; bad counts, and a retransmission flag on anything but an event, name their field and offset")
    func repairFrames() throws {
        let ranges = SequenceRanges(covering: [4, 5, 6, 9, UInt32.max, 0])
        #expect(ranges.ranges == [.init(first: 4, count: 3), .init(first: 9, count: 1), .init(first: UInt32.max, count: 2)])
        #expect(ranges.sequences == [4, 5, 6, 9, UInt32.max, 0])
        for body in [FrameBody.nack(ranges), .unavailable(ranges)] {
            let bytes = try Frame(body: body, subscription: 7).encoded()
            #expect(try Frame.decode(bytes).body == body)
        }
        var zeroCount = try Frame(body: .nack(SequenceRanges([.init(first: 1, count: 1)])), subscription: 7).encoded()
        zeroCount[FrameHeader.size + 6] = 0  // the first range's count (bytes 5-6 of the body): 0
        let error = try #require(MalformedInputTests.error(zeroCount))
        #expect(error.field == "body.ranges[0].count" && error.offset == FrameHeader.size + 5 && error.code == .outOfRange, "\(error)")
        var flagged = try Frame(body: .heartbeat, subscription: 7).encoded()
        flagged[4] |= 0x20
        #expect(MalformedInputTests.error(flagged)?.field == "header.flags.retransmission")
        // The source-lost flag (Spec §4.10) is a heartbeat's: it round-trips there.
        var lost = Frame(sequence: 3, body: .heartbeat, subscription: 7)
        lost.sourceLost = true
        #expect(try Frame.decode(try lost.encoded()).sourceLost)
        var event = Frame.compactEvent(MatchSimulator.play(seed: 1).events[0], sequence: 0, subscription: 7)
        event.retransmission = true
        #expect(try Frame.decode(try event.encoded()).retransmission)
        #expect(throws: WireError.self) { try Frame(body: .nack(SequenceRanges([])), subscription: 7).encoded() }
    }
}

@Suite("Many matches on the wire (Spec §4.9)")
struct ManyMatchesWireTests {
    @Test("a register's match selector: named, any, with and without dictionaries; old registers read as 'any'")
    func registerMatch() throws {
        for request in [
            RegisterRequest.padded(formats: [.compact], match: 77), RegisterRequest.padded(formats: [.json], dictionaries: [1], match: 78),
            RegisterRequest.padded(formats: [.compact], dictionaries: [1]), RegisterRequest.padded(formats: [.compact]),
        ] {
            let bytes = try Frame(body: .register(request), subscription: 3).encoded()
            #expect(bytes.count == RegisterRequest.minimumFrameSize)
            guard case .register(let read) = try Frame.decode(bytes).body else {
                Issue.record("not a register")
                continue
            }
            #expect(read == request)
        }
        // A zero dictionary count followed by a match: the canonical form of "no dictionaries, match 5".
        var body: [UInt8] = [1, 2, 0, 0, 0, 0, 0, 5]
        body += [UInt8](repeating: 0, count: RegisterRequest.minimumFrameSize - FrameHeader.size - body.count)
        let frame = try Frame(
            body: .register(
                RegisterRequest(
                    formats: [.compact], match: 5,
                    padding: RegisterRequest.minimumFrameSize - FrameHeader.size - 8)), subscription: 3)
        #expect(Array(try frame.encoded().dropFirst(FrameHeader.size)) == body)
        // Non-zero bytes after the match are not padding.
        var bad = try frame.encoded()
        bad[bad.count - 1] = 1
        #expect(throws: WireError.self) { try Frame.decode(bad) }
    }

    @Test("list and listing round-trip; bad counts, statuses, minutes and padding name their field and offset")
    func listing() throws {
        let listing = MatchListing(
            total: 2, offset: 0,
            matches: [
                MatchSummary(id: 1, status: .live, minute: 10, score: Score(home: 1, away: 0), viewers: 3, home: "A", away: "B"),
                MatchSummary(id: 2, status: .ended, minute: 97, score: .zero, viewers: 0, home: "C", away: "D"),
            ])
        let bytes = try Frame(body: .listing(listing), subscription: 3).encoded()
        #expect(try Frame.decode(bytes).body == .listing(listing))
        let list = try Frame(body: .list(ListRequest.padded(token: [1, 2, 3], offset: 9)), subscription: 3).encoded()
        #expect(try Frame.decode(list).body == .list(ListRequest.padded(token: [1, 2, 3], offset: 9)))

        func error(_ mutate: (inout [UInt8]) -> Void, _ source: [UInt8]) -> WireError? {
            var copy = source
            mutate(&copy)
            do {
                _ = try Frame.decode(copy)
                return nil
            } catch {
                return error
            }
        }
        let body = FrameHeader.size
        let count = error({ $0[body + 4] = 3 }, bytes)  // offset 0 + 3 > total 2
        #expect(count?.field == "body.count" && count?.offset == body + 4)
        let status = error({ $0[body + 5 + 4] = 3 }, bytes)
        #expect(status?.field == "body.matches[0].status" && status?.offset == body + 9)
        let minute = error({ $0[body + 5 + 5] = 151 }, bytes)
        #expect(minute?.field == "body.matches[0].minute" && minute?.offset == body + 10)
        let padding = error({ $0[$0.count - 1] = 1 }, list)
        #expect(padding?.field == "body.padding" && padding?.offset == list.count - 1)
    }

    @Test("a listing page never exceeds 1,200 bytes, however long the team names")
    func pageSize() throws {
        let long = String(repeating: "é", count: 120)
        let all = (0..<40).map { MatchSummary(id: UInt32($0), status: .live, minute: 1, score: .zero, viewers: 1, home: long, away: long) }
        var offset = 0
        var seen = 0
        while offset < all.count {
            let page = MatchListing.page(of: all, from: offset)
            #expect(try Frame(body: .listing(page), subscription: 1).encoded().count <= MatchListing.maximumFrameSize)
            #expect(!page.matches.isEmpty)
            seen += page.matches.count
            offset += page.matches.count
        }
        #expect(seen == 40)
    }
}
