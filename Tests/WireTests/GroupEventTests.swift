import GroupSigning
import Match
import Testing
import Wire

/// Spec §4.11: group events signed with Ed25519, the welcome's multicast offer, the register's
/// delivery byte.
@Suite("Multicast: group events, offers, delivery")
struct GroupEventTests {
    static let key = GroupSigningKey()

    static func goal() throws -> MatchEvent {
        try #require(MatchSimulator.play(seed: 7).events.first { $0.type == .goal })
    }

    static func groupEvent(matchID: UInt32 = 0xC0FF_EE01) throws -> [UInt8] {
        try key.groupEvent(from: try Frame.compactEvent(try goal(), sequence: 9, subscription: 7).encoded(), matchID: matchID)
    }

    @Test("a group event is the event frame, kind 13, the match id in bytes 15–18, and a signature of everything before it")
    func signedRoundTrip() throws {
        let event = try Frame.compactEvent(try Self.goal(), sequence: 9, subscription: 7).encoded()
        let bytes = try Self.groupEvent()
        #expect(bytes.count == event.count + GroupSignature.size)
        #expect(bytes[3] == FrameKind.groupEvent.rawValue)
        #expect(Array(bytes[15..<23]) == [0xC0, 0xFF, 0xEE, 0x01, 0, 0, 0, 0])
        #expect(Array(bytes[FrameHeader.size..<(event.count)]) == Array(event[FrameHeader.size...]))
        let (header, frame) = try Frame.decodeWithHeader(bytes)
        #expect(header.kind == .groupEvent && frame.kind == .groupEvent && frame.groupMatchID == 0xC0FF_EE01)
        #expect(frame.compactEvent == (try Self.goal()) && frame.sequence == 9)
        #expect(try frame.encoded() == bytes, "the encoder writes the signature it holds")
        try Datagram.frame(frame).checkCanonical(bytes, header: header)
        #expect(GroupSignature.isValid(bytes, key: Self.key.publicKey))
        #expect(!GroupSignature.isValid(bytes, key: GroupSigningKey().publicKey), "another key")
        // Any byte changed, header, body or signature, breaks it.
        for offset in [3, 5, 10, 15, 22, FrameHeader.size, bytes.count - 1] {
            var tampered = bytes
            tampered[offset] ^= 0x01
            #expect(!GroupSignature.isValid(tampered, key: Self.key.publicKey), "byte \(offset) changed")
        }
        // A retransmitted event made a group event loses the flag (repairs stay unicast, Spec §4.11).
        var retransmitted = try Frame.decode(event)
        retransmitted.retransmission = true
        let fromRepair = try Self.key.groupEvent(from: try retransmitted.encoded(), matchID: 1)
        #expect(try Frame.decode(fromRepair).retransmission == false)
        #expect(throws: WireError.self) {
            try Self.key.groupEvent(from: try Frame(sequence: 1, body: .heartbeat, subscription: 1).encoded(), matchID: 1)
        }
        #expect(throws: WireError.self) { try Self.key.groupEvent(from: event, matchID: 0) }
    }

    @Test("a key file's seed gives the same key and the same signatures (Ed25519 is deterministic)")
    func deterministicKey() throws {
        let seed = (0..<32).map { UInt8($0) }
        let one = try GroupSigningKey(seed: seed)
        let two = try GroupSigningKey(seed: seed)
        #expect(one.publicKey == two.publicKey && one.seed == seed)
        let event = try Frame.compactEvent(try Self.goal(), sequence: 3).encoded()
        #expect(try one.groupEvent(from: event, matchID: 5) == two.groupEvent(from: event, matchID: 5))
        #expect(throws: WireError.self) { try GroupSigningKey(seed: [1, 2, 3]) }
    }

    @Test("group-event headers: bytes 19–22 zero, a match id, room for the signature, no retransmission flag")
    func malformedGroupEvents() throws {
        let good = try Self.groupEvent()
        func error(_ bytes: [UInt8]) -> WireError? {
            do {
                _ = try Frame.decode(bytes)
                return nil
            } catch {
                return error
            }
        }
        var reserved = good
        reserved[20] = 1
        var noMatch = good
        for index in 15..<19 { noMatch[index] = 0 }
        var flagged = good
        flagged[4] |= 0x20
        let cases: [([UInt8], WireError.Code, String, Int)] = [
            (reserved, .reservedBits, "header.reserved", 19),
            (noMatch, .outOfRange, "header.match", 15),
            (Array(good.dropLast()), .lengthMismatch, "header.bodyLength", 13),
            (good + [0], .lengthMismatch, "header.bodyLength", 13),
            (flagged, .reservedBits, "header.flags.retransmission", 4),
        ]
        for (bytes, code, field, offset) in cases {
            let found = try #require(error(bytes))
            #expect(found.code == code && found.field == field && found.offset == offset, "\(found)")
        }
    }

    @Test("a welcome's multicast offer round-trips and is checked: family, a multicast address, the key's 32 bytes")
    func welcomeOffer() throws {
        let offer = MulticastOffer(address: [239, 1, 2, 3], port: 5000, publicKey: Self.key.publicKey.bytes)
        var welcome = Welcome(
            format: .compact, matchID: 7, heartbeatSeconds: 5, intervalMicroseconds: 1000, roster: .original,
            catalog: .english, current: nil)
        let plain = try Frame(body: .welcome(welcome), subscription: 1).encoded(level: 0)
        welcome.multicast = offer
        let bytes = try Frame(body: .welcome(welcome), subscription: 1).encoded(level: 0)
        #expect(bytes.count == plain.count + 1 + 4 + 2 + 32)
        guard case .welcome(let decoded) = try Frame.decode(bytes).body else {
            Issue.record("not a welcome")
            return
        }
        let offeredKey = try offer.key()
        #expect(decoded.multicast == offer && offer.groupDescription == "239.1.2.3:5000" && offeredKey == Self.key.publicKey)
        let start = plain.count  // uncompressed (level 0 never wins): the offer starts where the plain body ended
        func error(_ change: (inout [UInt8]) -> Void) -> WireError? {
            var mutated = bytes
            change(&mutated)
            do {
                _ = try Frame.decode(mutated)
                return nil
            } catch {
                return error
            }
        }
        let family = try #require(error { $0[start] = 5 })
        #expect(family.code == .outOfRange && family.field == "body.multicast.family" && family.offset == start)
        let unicast = try #require(error { $0[start + 1] = 10 })
        #expect(unicast.code == .outOfRange && unicast.field == "body.multicast.address" && unicast.offset == start + 1)
        var short = bytes
        short.removeLast(3)
        short[13...14] = [UInt8(((short.count - FrameHeader.size) >> 8) & 0xFF), UInt8((short.count - FrameHeader.size) & 0xFF)][...]
        let truncated = try #require(error { $0 = short })
        #expect(truncated.code == .truncated && truncated.field == "body.multicast.key")
        var unicastOffer = offer
        unicastOffer.address = [10, 0, 0, 1]
        welcome.multicast = unicastOffer
        #expect(throws: WireError.self) { try Frame(body: .welcome(welcome), subscription: 1).encoded() }
    }

    @Test("a register's delivery byte: omitted for unicast (the old encoding), 1 for the group, others refused")
    func registerDelivery() throws {
        let unicast = try Frame(body: .register(RegisterRequest.padded(formats: [.compact])), subscription: 1).encoded()
        let group = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], delivery: .group)), subscription: 1).encoded()
        #expect(unicast.count == RegisterRequest.minimumFrameSize && group.count == RegisterRequest.minimumFrameSize)
        // formats (2), token length (1), dictionary count (1), match (4), then the delivery byte.
        #expect(group[FrameHeader.size + 8] == 1 && unicast[FrameHeader.size...].dropFirst(3).allSatisfy { $0 == 0 })
        guard case .register(let request) = try Frame.decode(group).body, case .register(let plain) = try Frame.decode(unicast).body else {
            Issue.record("not registers")
            return
        }
        #expect(request.delivery == .group && request.match == RegisterRequest.anyMatch && plain.delivery == .unicast)
        #expect(try Frame(body: .register(request), subscription: 1).encoded() == group, "canonical")
        var bad = group
        bad[FrameHeader.size + 8] = 2
        do {
            _ = try Frame.decode(bad)
            Issue.record("delivery 2 decoded")
        } catch {
            #expect(error.code == .outOfRange && error.field == "body.delivery" && error.offset == FrameHeader.size + 8)
        }
    }

    @Test("--server-key's hexadecimal: 64 digits, any case; otherwise the length or the first bad character")
    func keyText() throws {
        let hex = Self.key.publicKey.hex
        #expect(try GroupPublicKey(hex: hex) == Self.key.publicKey && (try GroupPublicKey(hex: hex.uppercased())) == Self.key.publicKey)
        do {
            _ = try GroupPublicKey(hex: String(hex.dropLast()))
            Issue.record("63 digits accepted")
        } catch {
            #expect(error.message.contains("63 characters"))
        }
        do {
            _ = try GroupPublicKey(hex: "0g" + hex.dropFirst(2))
            Issue.record("a g accepted")
        } catch {
            #expect(error.offset == 1 && error.message.contains("character 2"))
        }
    }
}
