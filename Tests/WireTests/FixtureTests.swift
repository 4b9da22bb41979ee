import Foundation
import GroupSigning
import Match
import Testing
import Toolkit
import Wire

@Suite("Golden fixtures")
struct FixtureTests {
    static let all: [(name: String, bytes: [UInt8])] =
        ((try? FixturePaths.binaries(in: FixturePaths.frames)) ?? []) + ((try? FixturePaths.binaries(in: FixturePaths.original)) ?? [])

    @Test("the fixture folders exist and hold every frame kind and event type")
    func coverage() throws {
        #expect(Self.all.count >= 34)
        var kinds = Set<FrameKind>()
        var eventFormats = Set<String>()
        var original = Set<String>()
        // Sealed fixtures (Spec/ENCRYPTION.md) are checked opened, below and in SealingTests.
        for fixture in Self.all where !SealedFrame.isSealed(fixture.bytes) {
            switch try Datagram.decode(fixture.bytes) {
            case .frame(let frame):
                kinds.insert(frame.kind)
                if case .event(let body) = frame.body, let type = frame.eventType {
                    switch body {
                    case .compact: eventFormats.insert("compact-\(type.identifier)")
                    case .json: eventFormats.insert("json-\(type.identifier)")
                    }
                }
            case .original(let packet):
                switch packet {
                case .register: original.insert("register")
                case .unregister: original.insert("unregister")
                case .endOfTransmission: original.insert("end")
                case .datagram: original.insert("datagram")
                }
            }
        }
        #expect(kinds == Set(FrameKind.allCases))
        // The eight base kinds in both formats; a real match's five kinds compact (Spec §4.13).
        let expected = Set(EventType.base.flatMap { ["compact-\($0.identifier)", "json-\($0.identifier)"] })
            .union(EventType.extended.map { "compact-\($0.identifier)" })
        #expect(eventFormats.isSuperset(of: expected), "missing: \(expected.subtracting(eventFormats).sorted())")
        #expect(original == ["register", "unregister", "end", "datagram"])
    }

    @Test(
        "every fixture decodes to its expectation and is canonical (its content re-encodes byte for byte)",
        arguments: FixtureTests.all.map(\.name))
    func decodeAndReencode(name: String) throws {
        let fixture = try #require(Self.all.first { $0.name == name })
        let directory =
            FileManager.default.fileExists(atPath: FixturePaths.frames.appendingPathComponent("\(name).bin").path)
            ? FixturePaths.frames : FixturePaths.original
        let expectation = try String(contentsOf: directory.appendingPathComponent("\(name).json"), encoding: .utf8)
        if SealedFrame.isSealed(fixture.bytes) {
            // Opened with the sealing vector's key: its clear part and its plaintext, which is canonical.
            #expect(try GoldenFixtures.expectation(of: fixture.bytes) == expectation)
            let opened = try GoldenFixtures.openSealed(fixture.bytes)
            let (header, datagram) = try Datagram.decodeWithHeader(opened)
            try datagram.checkCanonical(opened, header: header)
            return
        }
        let (header, datagram) = try Datagram.decodeWithHeader(fixture.bytes)
        #expect(datagram.description(header: header).prettyText() == expectation)
        try datagram.checkCanonical(fixture.bytes, header: header)
    }

    @Test("the committed fixtures are exactly what the code generates")
    func noDrift() throws {
        let drifts = try GoldenFixtures().check(FixturePaths.frames)
        #expect(drifts.isEmpty, "\(drifts)")
    }

    @Test("the original server's datagram decodes, keeps its future goals and red card, and re-encodes identically")
    func originalServerDatagram() throws {
        let bytes = try FixturePaths.bytes(FixturePaths.original.appendingPathComponent("original-server-datagram.bin"))
        guard case .original(.datagram(let datagram)) = try Datagram.decode(bytes) else {
            Issue.record("not recognised as an original datagram")
            return
        }
        #expect(datagram.message.count == 5)
        #expect(datagram.message.type == "Gol Perdido!")
        #expect(datagram.message.timePassed == 12)
        #expect(datagram.timeA[2].nome == "Cannavaro" && datagram.timeA[2].tempoGols == [42])
        #expect(datagram.timeB[7].nome == "Messi" && datagram.timeB[7].cartaoVermelho && datagram.timeB[7].tempoCV == 82)
        #expect(try datagram.encoded() == bytes)
    }
}

@Suite("Spec")
struct SpecTests {
    @Test("the JSON Schema in Spec/ names exactly the fields the codec writes, in order")
    func schemaMatchesCodec() throws {
        let schema = try JSONNode.parse(FixturePaths.bytes(FixturePaths.root.appendingPathComponent("Spec/json-body.schema.json")))
        func member(_ node: JSONNode, _ path: [String]) -> JSONNode? {
            guard let key = path.first else { return node }
            guard case .object(let members) = node.value, let next = members.first(where: { $0.key == key }) else { return nil }
            return member(next.node, Array(path.dropFirst()))
        }
        func required(_ path: [String]) -> [String] {
            guard let node = member(schema, path + ["required"]), case .array(let items) = node.value else { return [] }
            return items.compactMap { if case .string(let text) = $0.value { text } else { nil } }
        }
        func keys(_ node: JSONNode) -> [String] {
            if case .object(let members) = node.value { members.map(\.key) } else { [] }
        }
        let (events, _) = MatchSimulator.play(seed: 7)
        let datagram = try OriginalDatagram(event: events[0], sequence: 0, roster: .original, catalog: .english)
        let node = datagram.jsonNode
        #expect(required([]) == keys(node))
        #expect(required(["properties", "message"]) == keys(try #require(member(node, ["message"]))))
        guard case .array(let players) = try #require(member(node, ["timeA"])).value else { return }
        #expect(required(["$defs", "player"]) == keys(players[0]))
        #expect(required(["$defs", "keeper"]) == keys(try #require(member(node, ["goleiroA"]))))
    }
}
