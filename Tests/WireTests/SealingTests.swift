import Foundation
import GroupSigning
import Match
import Testing
import Toolkit
import Wire

@Suite("Sealed subscriptions (Spec/ENCRYPTION.md): key schedule, layout, nonces, tampering, exported keys")
struct SealingTests {
    static let identifier: UInt64 = 0x0123_4567_89ab_cdef
    static let client = try! KeyShare(privateKey: Array(0..<32))  // a test vector's fixed key
    static let server = try! KeyShare(privateKey: Array(32..<64))  // a test vector's fixed key
    static let vectorKey = "41038f52d4611086e8c52ec8bdbb966d53cbc5ca9dbdae9ac902e9915c4976d8"

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: FixturePaths.frames.appendingPathComponent(name + ".bin")))
    }

    /// The fixture event-compact-goal under the vector's identifier.
    static func plaintextGoal() throws -> [UInt8] {
        var bytes = try fixture("event-compact-goal")
        FrameHeader.stamp(identifier, into: &bytes)
        return bytes
    }

    @Test("the vector (computed with Python's cryptography): shares, and one key agreed from either side")
    func keySchedule() throws {
        #expect(Hex.encode(Self.client.publicBytes) == "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f")
        #expect(Hex.encode(Self.server.publicBytes) == "358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254")
        let clientSide = try Self.client.key(peer: Self.server.publicBytes, identifier: Self.identifier, client: true)
        let serverSide = try Self.server.key(peer: Self.client.publicBytes, identifier: Self.identifier, client: false)
        #expect(Hex.encode(clientSide.bytes) == Self.vectorKey && clientSide == serverSide)
        // Another identifier, another key.
        #expect(try Self.client.key(peer: Self.server.publicBytes, identifier: Self.identifier + 1, client: true) != clientSide)
        // A low-order point agrees nothing: named, not a key.
        #expect(throws: WireError.self) { try Self.client.key(peer: [UInt8](repeating: 0, count: 32), identifier: 1, client: true) }
    }

    @Test("the sealed goal is the vector's 48 bytes and the fixture's; it opens to the plaintext, which decodes")
    func sealedEvent() throws {
        let key = try SubscriptionKey(bytes: try #require(Hex.decode(Self.vectorKey)))
        let plaintext = try Self.plaintextGoal()
        let sealed = try key.seal(plaintext)
        #expect(
            Hex.encode(sealed)
                == "ff53020403000000180100013700190123456789abcdefc62b61185f645e2c592df2b4f1531af81cf6436da0e04048f2")
        #expect(sealed == (try Self.fixture("event-compact-goal-sealed")))
        #expect(sealed.count == plaintext.count + SealedFrame.tagSize)
        #expect(try key.open(sealed, eventFormat: .compact) == plaintext)
        let frame = try Frame.decode(try key.open(sealed, eventFormat: .compact))
        #expect(frame.sequence == 0x18 && frame.subscription == Self.identifier)
        // Without the key it is a sealed frame, named so.
        let unopened = #expect(throws: WireError.self) { try Frame.decode(sealed) }
        #expect(unopened?.code == .sealed && unopened?.offset == 4)
    }

    @Test("every single byte changed, and every truncation, fails to open: never a plaintext")
    func tampering() throws {
        let key = try SubscriptionKey(bytes: try #require(Hex.decode(Self.vectorKey)))
        let sealed = try key.seal(try Self.plaintextGoal())
        for index in sealed.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var changed = sealed
                changed[index] ^= flip
                #expect(throws: WireError.self) { try key.open(changed, eventFormat: .compact) }
            }
        }
        for length in 0..<sealed.count {
            #expect(throws: WireError.self) { try key.open(Array(sealed[0..<length]), eventFormat: .compact) }
        }
        // Another subscription's key does not open it.
        let other = try SubscriptionKey(bytes: [UInt8](repeating: 7, count: 32))
        let refused = #expect(throws: WireError.self) { try other.open(sealed, eventFormat: .compact) }
        #expect(refused?.code == .notAuthentic && refused?.field == "body.tag" && refused?.offset == 32)
    }

    @Test("nonces: a retransmission's differs from the first sending's; welcomes and ends carry their counter")
    func nonces() throws {
        let key = try SubscriptionKey(bytes: try #require(Hex.decode(Self.vectorKey)))
        var retransmission = try Self.plaintextGoal()
        retransmission[4] |= 0x20
        let first = try SealedFrame.parse(try key.seal(try Self.plaintextGoal()))
        let again = try SealedFrame.parse(try key.seal(retransmission))
        #expect(first.nonce != again.nonce && first.ciphertext != again.ciphertext)
        #expect(try key.open(again, eventFormat: .compact) == retransmission)
        var end = try Self.fixture("end-full-time")
        FrameHeader.stamp(Self.identifier, into: &end)
        let one = try SealedFrame.parse(try key.seal(end, counter: 1))
        let two = try SealedFrame.parse(try key.seal(end, counter: 2))
        #expect(one.counter == 1 && two.counter == 2 && one.nonce != two.nonce && one.ciphertext != two.ciphertext)
        #expect(try key.open(two, eventFormat: .json) == end)
        // A welcome needs the server's share; a heartbeat is never sealed.
        var welcome = try Self.fixture("welcome-compact-kickoff")
        FrameHeader.stamp(Self.identifier, into: &welcome)
        #expect(throws: WireError.self) { try key.seal(welcome, counter: 1) }
        let sealedWelcome = try SealedFrame.parse(try key.seal(welcome, keyShare: Self.server.publicBytes, counter: 3))
        #expect(sealedWelcome.keyShare == Self.server.publicBytes && sealedWelcome.counter == 3)
        #expect(try key.open(sealedWelcome, eventFormat: .json) == welcome)
        #expect(throws: WireError.self) { try key.seal(try Self.fixture("heartbeat")) }
    }

    @Test("a register with a key share: 67 bytes, read back; a share of another size is named")
    func registerShare() throws {
        let request = RegisterRequest.padded(formats: [.compact], keyShare: Self.client.publicBytes)
        let bytes = try Frame(body: .register(request), subscription: Self.identifier).encoded()
        #expect(bytes.count == 67)
        guard case .register(let read) = try Frame.decode(bytes).body else {
            Issue.record("not a register")
            return
        }
        #expect(read.keyShare == Self.client.publicBytes && read.subscriberToken.isEmpty && read.formats == [.compact])
        #expect(try Frame(body: .register(read), subscription: Self.identifier).encoded() == bytes)
        var short = bytes
        short[FrameHeader.size + 11] = 31
        let named = #expect(throws: WireError.self) { try Frame.decode(short) }
        #expect(named?.code == .outOfRange && named?.field == "body.key_share.length" && named?.offset == FrameHeader.size + 11)
        // A token and a share together.
        let both = RegisterRequest.padded(formats: [.json], subscriberToken: [1, 2, 3], keyShare: Self.client.publicBytes)
        guard case .register(let again) = try Frame.decode(try Frame(body: .register(both), subscription: 9).encoded()).body else { return }
        #expect(again.subscriberToken == [1, 2, 3] && again.keyShare == Self.client.publicBytes)
    }

    @Test("sizes: a sealed compact event is 16 bytes more than in clear, at most 48 in the median; a sealed welcome 52 more")
    func sizes() throws {
        let report = try SizeReport(seeds: [1, 2, 3])
        func figure(_ name: String) throws -> SizeReport.Figures { try #require(report.figures.first { $0.encoding == name }) }
        let (clear, sealed) = (try figure("compact frame"), try figure("compact frame, sealed"))
        #expect(sealed.median == clear.median + SealedFrame.tagSize && sealed.maximum == clear.maximum + SealedFrame.tagSize)
        #expect(sealed.median <= 48, "\(sealed)")
        #expect(try figure("json frame, sealed").median == (try figure("json frame")).median + SealedFrame.tagSize)
        #expect(try figure("welcome, dict. 1, sealed").median == (try figure("welcome, dictionary 1")).median + 32 + 4 + SealedFrame.tagSize)
    }

    @Test("exported keys: a line reads back; a bad line is named by number")
    func exportedKeys() throws {
        let key = try SubscriptionKey(bytes: try #require(Hex.decode(Self.vectorKey)))
        let line = ExportedKey(identifier: Self.identifier, format: .compact, key: key).line
        #expect(line == "soccerstream-key 1 0123456789abcdef compact \(Self.vectorKey)\n")
        let keys = try ExportedKey.parse("# keys\n\n" + line)
        #expect(keys[Self.identifier]?.key == key && keys[Self.identifier]?.format == .compact)
        #expect(throws: ExportedKey.ParseError(line: 2, message: "format xml; expected json or compact")) {
            try ExportedKey.parse(line + "soccerstream-key 1 0123456789abcdef xml \(Self.vectorKey)")
        }
        #expect(throws: ExportedKey.ParseError.self) { try ExportedKey.parse("soccerstream-key 1 0123 compact \(Self.vectorKey)") }
    }
}

@Suite("Bounded fuzzing of sealed frames, opened with their key")
struct SealedFuzzTests {
    @Test("20,000 mutations of the sealed fixtures: a located error, or (unchanged ones only) their plaintext")
    func mutatedSealed() throws {
        let key = try GoldenFixtures.sealingVector().key
        let seeds = try GoldenFixtures().fixtures.filter { SealedFrame.isSealed($0.bytes) }.map(\.bytes)
        #expect(seeds.count == 5)
        var random = SeededGenerator(seed: 0x5EA1)
        var opened = 0
        for round in 0..<20_000 {
            let seed = seeds[round % seeds.count]
            let mutated = FuzzTests.mutate(seed, other: seeds[(round + 1) % seeds.count], random: &random)
            do {
                let plaintext = try key.open(mutated, eventFormat: .compact)
                // Only what was sealed opens: an unchanged frame (a mutation may give the seed back).
                #expect(seeds.contains(mutated), "a changed sealed frame opened at round \(round)")
                _ = try Frame.decode(plaintext)
                opened += 1
            } catch {
                #expect(!error.message.isEmpty && error.offset >= 0 && error.offset <= mutated.count)
            }
        }
        #expect(opened < 2_000)
    }
}
