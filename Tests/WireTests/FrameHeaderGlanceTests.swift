import Foundation
import Testing
import Toolkit
import Wire

@Suite("A header's kind, flags and sequence read without decoding (FrameHeader.glance, Spec §2)")
struct FrameHeaderGlanceTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: FixturePaths.frames.appendingPathComponent(name + ".bin")))
    }

    static func glance(_ bytes: [UInt8]) -> FrameHeader.Glance? {
        bytes.withUnsafeBytes { FrameHeader.glance($0) }
    }

    @Test("each event fixture glances as the decoder reads its header, retransmission flag included")
    func agreesWithTheDecoder() throws {
        for name in ["event-compact-goal", "event-json-foul", "event-compact-retransmission", "nack", "register-padded"] {
            let bytes = try Self.fixture(name)
            let header = try Frame.decodeWithHeader(bytes).header
            let glance = try #require(Self.glance(bytes), "\(name)")
            #expect(glance.kind == header.kind && glance.sequence == header.sequence, "\(name)")
            #expect(glance.retransmission == header.retransmission, "\(name)")
            #expect(FrameHeader.kind(in: bytes) == header.kind, "\(name)")
        }
        #expect(try Self.glance(Self.fixture("event-compact-retransmission"))?.retransmission == true)
    }

    @Test("a sealed event (format 3), which the decoder refuses until it is opened, still glances as an event")
    func sealedFrames() throws {
        let bytes = try Self.fixture("event-compact-goal-sealed")
        #expect(throws: WireError.self) { try Frame.decode(bytes) }
        let plain = try Frame.decodeWithHeader(try Self.fixture("event-compact-goal")).header
        let glance = try #require(Self.glance(bytes))
        #expect(glance.kind == .event && glance.sequence == plain.sequence && glance.flags & 0x03 == 3)
    }

    @Test("a body length written in place is the one the encoder writes; bytes too short are left alone")
    func bodyLength() throws {
        let goal = try Self.fixture("event-compact-goal")
        var patched = goal
        patched[FrameHeader.bodyLengthOffset] = 0xFF
        patched[FrameHeader.bodyLengthOffset + 1] = 0xFF
        FrameHeader.setBodyLength(goal.count - FrameHeader.size, in: &patched)
        #expect(patched == goal)
        var short = Array(goal.prefix(FrameHeader.bodyLengthOffset + 1))
        FrameHeader.setBodyLength(7, in: &short)
        #expect(short == Array(goal.prefix(FrameHeader.bodyLengthOffset + 1)))
    }

    @Test("not a header: too short, another magic, an unknown kind")
    func notAHeader() throws {
        let goal = try Self.fixture("event-compact-goal")
        #expect(Self.glance(Array(goal.prefix(FrameHeader.size - 1))) == nil)
        var magic = goal
        magic[0] = 0x7B  // "{": an original-protocol datagram
        #expect(Self.glance(magic) == nil && FrameHeader.kind(in: magic) == nil)
        var kind = goal
        kind[FrameHeader.kindOffset] = 0xEE
        #expect(Self.glance(kind) == nil && FrameHeader.kind(in: kind) == nil)
        // The kind needs only the first four bytes (another version's header may be shorter).
        #expect(FrameHeader.kind(in: Array(goal.prefix(4))) == .event && FrameHeader.kind(in: Array(goal.prefix(3))) == nil)
        // The magic alone: both bytes, and nothing shorter.
        #expect(FrameHeader.startsWithMagic(Array(goal.prefix(2))) && FrameHeader.startsWithMagic(kind))
        #expect(!FrameHeader.startsWithMagic(Array(goal.prefix(1))) && !FrameHeader.startsWithMagic(magic))
        var second = goal
        second[1] ^= 0x01
        #expect(!FrameHeader.startsWithMagic(second) && !SealedFrame.isSealed(second))
    }
}
