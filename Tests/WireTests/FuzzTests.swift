import Match
import TestSupport
import Testing
import Wire

@Suite("Bounded fuzzing of the decoders")
struct FuzzTests {
    /// Mutates `seed` in one of several ways: random bytes, bit flips, byte insertions and
    /// deletions, splices of two fixtures, extreme header values.
    static func mutate(_ seed: [UInt8], other: [UInt8], random: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        switch random.next(below: 6) {
        case 0:
            return (0..<random.next(below: 64)).map { _ in UInt8(random.next(below: 256)) }
        case 1:
            for _ in 0...random.next(below: 4) where !bytes.isEmpty {
                bytes[random.next(below: bytes.count)] ^= UInt8(1 << random.next(below: 8))
            }
        case 2:
            if !bytes.isEmpty { bytes.insert(UInt8(random.next(below: 256)), at: random.next(below: bytes.count)) }
        case 3:
            if !bytes.isEmpty { bytes.remove(at: random.next(below: bytes.count)) }
        case 4:
            let cut = random.next(below: bytes.count + 1)
            bytes = Array(bytes.prefix(cut)) + Array(other.dropFirst(random.next(below: other.count + 1)))
        default:
            if !bytes.isEmpty { bytes[random.next(below: bytes.count)] = [0, 0x7F, 0x80, 0xFF][random.next(below: 4)] }
        }
        return bytes
    }

    @Test("100,000 mutated and random inputs: every decoder returns a value or a located error", arguments: 0..<4)
    func fuzz(shard: Int) async throws {
        let seeds = FixtureTests.all.map(\.bytes)
        try #require(!seeds.isEmpty, "no fixtures found")
        try await CPUBoundLane.check { findings in
            var random = SeededGenerator(seed: 0xF022 &+ UInt64(shard))
            var decoded = 0
            for _ in 0..<25_000 {
                let input = Self.mutate(seeds[random.next(below: seeds.count)], other: seeds[random.next(below: seeds.count)], random: &random)
                do throws(WireError) {
                    let (header, value) = try Datagram.decodeWithHeader(input)
                    decoded += 1
                    // Whatever decodes re-encodes (its content: no DEFLATE needed), decodes to the same value, and gets
                    // a canonical verdict.
                    let again = try Datagram.decode(try value.canonicalContent())
                    findings.expect(again == value, "re-encoded datagram decodes differently: \(input)")
                    do throws(WireError) {
                        try value.checkCanonical(input, header: header)
                    } catch  where error.code == .inconsistent {
                        // Decodable but not canonical: a verdict.
                    }
                } catch {
                    findings.expect(
                        error.offset >= 0 && error.offset <= input.count + Compression.inflateLimit,
                        "error offset \(error.offset) outside the input: \(error)")
                }
                // The other decoders on the same input: a value or a located error, never a crash.
                _ = Result { try OriginalPacket.decode(input) }
                _ = Result { try JSONNode.parse(input) }
            }
            findings.expect(decoded > 0, "nothing decoded")
        }
    }
}
