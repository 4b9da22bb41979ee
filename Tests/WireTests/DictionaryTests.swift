import Foundation
import Match
import Testing
import Toolkit
import Wire

@Suite("Preset dictionaries")
struct DictionaryTests {
    static func welcome(_ catalog: PhraseCatalog, dictionary: CompressionDictionary) -> Frame {
        Frame(
            body: .welcome(
                Welcome(
                    format: .compact, dictionary: dictionary.id, matchID: 7, heartbeatSeconds: 5,
                    intervalMicroseconds: 1_000_000, roster: .original, catalog: catalog, current: nil)), subscription: 7)
    }

    @Test("dictionary 1 is the committed Spec file, the bytes Wire holds and the layout of the built-in roster and catalogues")
    func pinned() throws {
        let file = FixturePaths.root.appendingPathComponent("Spec/dictionary-1.bin")
        #expect(try FixturePaths.bytes(file) == CompressionDictionary.standard.bytes)
        #expect(GoldenFixtures.checkDictionary(file).isEmpty)
        #expect(CompressionDictionary.standard.bytes.count == 4356)
        #expect(CompressionDictionary.withID(1) == .standard && CompressionDictionary.withID(0) == CompressionDictionary.none)
        #expect(CompressionDictionary.withID(2) == nil)
    }

    @Test(
        "with the dictionary a welcome for the original teams shrinks from about 1,100 bytes to under 100, in both languages",
        arguments: ["en", "pt"])
    func welcomeShrinks(language: String) throws {
        let catalog = language == "pt" ? PhraseCatalog.portuguese : .english
        let plain = try Self.welcome(catalog, dictionary: .none).encoded()
        let small = try Self.welcome(catalog, dictionary: .standard).encoded()
        #expect(plain.count > 1000)
        #expect(small.count < 100, "\(small.count) bytes")
        #expect(small[4] == 0x02 | 0x04 | 1 << 3)  // compact, compressed, dictionary 1
        let (header, frame) = try Frame.decodeWithHeader(small)
        #expect(header.dictionary == 1 && header.compressed)
        #expect(frame == Self.welcome(catalog, dictionary: .standard))
    }

    @Test("a dictionary body whose header forgets the dictionary is refused, not misread")
    func missingDictionary() throws {
        var bytes = try Self.welcome(.english, dictionary: .standard).encoded()
        bytes[4] &= ~0x18
        #expect(throws: WireError.self) { try Frame.decode(bytes) }
        do {
            _ = try Frame.decode(bytes)
        } catch {
            #expect(error.code == .inflateFailed && error.field == "body" && error.offset >= FrameHeader.size, "\(error)")
        }
    }

    /// `frame`'s body deflated with `dictionary` whatever the frame announces, under its header
    /// with the compressed flag, the dictionary bits and the body length set to match.
    static func deflated(_ frame: Frame, with dictionary: CompressionDictionary) throws -> [UInt8] {
        guard case .welcome(let welcome) = frame.body else { return [] }
        var writer = ByteWriter()
        try welcome.write(to: &writer)
        let body = try Compression.deflate(writer.bytes, dictionary: dictionary.bytes)
        var bytes = Array(try frame.encoded().prefix(FrameHeader.size)) + body
        bytes[4] = (bytes[4] & 0x03) | 0x04 | dictionary.id << 3
        bytes[13] = UInt8(body.count >> 8)
        bytes[14] = UInt8(body.count & 0xFF)
        return bytes
    }

    @Test("the canonical welcome is compressed with the dictionary it announces; a header naming another is refused")
    func welcomeAnnouncesItsDictionary() throws {
        #expect(
            try Self.welcome(.english, dictionary: .standard).encoded()
                == Self.deflated(Self.welcome(.english, dictionary: .standard), with: .standard))
        // Announces none, compressed with the standard one.
        let bytes = try Self.deflated(Self.welcome(.english, dictionary: .none), with: .standard)
        #expect(bytes[4] & 0x18 == 1 << 3)
        #expect(throws: WireError.self) { try Frame.decode(bytes) }
        do {
            _ = try Frame.decode(bytes)
        } catch {
            #expect(error.code == .inconsistent && error.field == "body.dictionary" && error.offset == FrameHeader.size + 1, "\(error)")
        }
        // Announces the standard one but is compressed without it: decodes (not canonical, though).
        let plainDeflate = try Self.deflated(Self.welcome(.english, dictionary: .standard), with: .none)
        #expect(try Frame.decode(plainDeflate) == Self.welcome(.english, dictionary: .standard))
        #expect(try Frame.decode(plainDeflate).encoded() != plainDeflate)
    }

    @Test("a register lists its dictionaries after the token and stays padded to 64 bytes; a register without them reads as none")
    func registerLists() throws {
        let token = [UInt8](repeating: 0xAB, count: 36)
        for (dictionaries, tokenBytes) in [([UInt8](), [UInt8]()), ([1], []), ([1], token), ([1, 3, 2], token)] {
            let request = RegisterRequest.padded(formats: [.compact, .json], token: tokenBytes, dictionaries: dictionaries)
            let bytes = try Frame(body: .register(request), subscription: 7).encoded()
            // Padded to 64 bytes; a register carrying a 36-byte token is larger than that already.
            #expect(tokenBytes.isEmpty ? bytes.count == RegisterRequest.minimumFrameSize : bytes.count > RegisterRequest.minimumFrameSize)
            guard case .register(let decoded) = try Frame.decode(bytes).body else {
                Issue.record("not a register")
                continue
            }
            #expect(decoded == request)
        }
    }

    @Test("bad dictionary lists in a register and bad ids in a welcome name their field and offset")
    func badLists() throws {
        let good = try Frame(body: .register(RegisterRequest.padded(formats: [.compact], dictionaries: [1])), subscription: 7).encoded()
        // Body (after the 23-byte header): count 1, format 2, token length 0, then the dictionary count at offset 26.
        func mutated(_ changes: [Int: UInt8]) -> [UInt8] {
            var bytes = good
            for (index, value) in changes { bytes[index] = value }
            return bytes
        }
        let cases: [([UInt8], String, Int)] = [
            (mutated([26: 4]), "body.dictionaries.count", 26),
            (mutated([27: 0]), "body.dictionaries[0]", 27),
            (mutated([27: 4]), "body.dictionaries[0]", 27),
            (mutated([26: 2, 28: 1]), "body.dictionaries[1]", 28),
        ]
        for (bytes, field, offset) in cases {
            #expect(throws: WireError.self) { try Frame.decode(bytes) }
            do {
                _ = try Frame.decode(bytes)
            } catch {
                #expect(error.code == .outOfRange && error.field == field && error.offset == offset, "\(error)")
            }
        }
        #expect(throws: WireError.self) {
            try Frame(body: .register(RegisterRequest(formats: [.compact], dictionaries: [1, 1])), subscription: 7).encoded()
        }
        var welcome = Self.welcome(.english, dictionary: .none)
        if case .welcome(var body) = welcome.body {
            body.dictionary = 2
            welcome.body = .welcome(body)
        }
        #expect(throws: WireError.self) { try welcome.encoded() }
    }
}
