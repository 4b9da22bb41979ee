import Capture
import GroupSigning
import Match
import Testing
import Toolkit
import Wire

/// `validate` on captures beyond one server (issue 15): a relay's both sides (Spec §4.10),
/// and group events (Spec §4.11).
@Suite("validate: relay and multicast captures")
struct RelayCaptureTests {
    static let events = MatchSimulator.play(seed: 3).events
    static let others = MatchSimulator.play(seed: 4).events

    static func welcome(match: UInt32, subscription: UInt64, offer: MulticastOffer? = nil) throws -> [UInt8] {
        var body = Welcome(
            format: .compact, matchID: match, heartbeatSeconds: 5, intervalMicroseconds: 100_000, roster: .original,
            catalog: .english, current: nil)
        body.multicast = offer
        return try Frame(body: .welcome(body), subscription: subscription).encoded()
    }

    @Test("a match sent by two servers: the first is the upstream; a relayed event it never sent, or sent otherwise, is INVALID")
    func relayCapture() throws {
        let origin = Endpoint(address: "127.0.0.1", port: 1000)
        let relayUp = Endpoint(address: "127.0.0.1", port: 2000)
        let relay = Endpoint(address: "127.0.0.1", port: 3000)
        let leaf = Endpoint(address: "127.0.0.1", port: 4000)
        var writer = PcapWriter()
        var time = 1000.0
        func add(_ bytes: [UInt8], _ from: Endpoint, _ to: Endpoint) {
            time += 0.01
            _ = writer.append(payload: bytes, from: from, to: to, timestamp: time)
        }
        add(try Self.welcome(match: 9, subscription: 11), origin, relayUp)
        add(try Self.welcome(match: 9, subscription: 22), relay, leaf)
        for sequence in 0..<6 {
            if sequence < 5 {
                add(try Frame.compactEvent(Self.events[sequence], sequence: UInt32(sequence), subscription: 11).encoded(), origin, relayUp)
            }
            // The relay passes each on; #3 with other content, #5 never sent upstream.
            let event = sequence == 3 ? Self.others[3] : Self.events[sequence]
            add(try Frame.compactEvent(event, sequence: UInt32(sequence), subscription: 22).encoded(), relay, leaf)
        }
        let report = CaptureValidation.validate(capture: writer.bytes, path: "relay.pcap", ports: [1000, 3000])
        #expect(report.flows.count == 2 && report.flows.allSatisfy { $0.match == 9 })
        #expect(report.relays == [RelayCheck(match: 9, upstream: origin, relay: relay, checked: 6, violations: 2)])
        let invalid = report.verdicts.filter { !$0.check.valid }
        #expect(invalid.count == 2 && invalid.allSatisfy { $0.check.error?.message.contains("Spec §4.10") == true })
        #expect(invalid.first?.check.error?.message.contains("content differs") == true)
        #expect(invalid.last?.check.error?.message.contains("had not sent it before") == true)
        #expect(report.flows.first { $0.server == relay }?.invalid == 2)
        // One port only: no relay to judge.
        #expect(CaptureValidation.validate(capture: writer.bytes, path: "relay.pcap", ports: [3000]).relays.isEmpty)
        #expect(
            CaptureValidation.text([report], quiet: true).contains(
                "relay: match 9 passed on by 127.0.0.1:3000 from 127.0.0.1:1000: 6 events checked, 2 not as the upstream sent them"))
    }

    @Test("group events: to a group only, signed with the key given or captured; without either, validate says the signatures were not checked")
    func groupCapture() throws {
        let key = GroupSigningKey()
        let server = Endpoint(address: "127.0.0.1", port: 1000)
        let client = Endpoint(address: "127.0.0.1", port: 4000)
        let group = Endpoint(address: "239.1.2.3", port: 5000)
        let offer = MulticastOffer(address: [239, 1, 2, 3], port: 5000, publicKey: key.publicKey.bytes)
        func capture(welcome: Bool) throws -> [UInt8] {
            var writer = PcapWriter()
            var time = 1000.0
            func add(_ bytes: [UInt8], _ from: Endpoint, _ to: Endpoint) {
                time += 0.01
                _ = writer.append(payload: bytes, from: from, to: to, timestamp: time)
            }
            if welcome { add(try Self.welcome(match: 9, subscription: 11, offer: offer), server, client) }
            for sequence in 0..<3 {
                add(
                    try key.groupEvent(from: try Frame.compactEvent(Self.events[sequence], sequence: UInt32(sequence)).encoded(), matchID: 9), server,
                    group)
            }
            // A forger's group event, an unsigned event frame to the group, a group event to a unicast address.
            add(try GroupSigningKey().groupEvent(from: try Frame.compactEvent(Self.events[3], sequence: 3).encoded(), matchID: 9), server, group)
            add(try Frame.compactEvent(Self.events[4], sequence: 4, subscription: 11).encoded(), server, group)
            add(try key.groupEvent(from: try Frame.compactEvent(Self.events[5], sequence: 5).encoded(), matchID: 9), server, client)
            return writer.bytes
        }
        let captured = CaptureValidation.validate(capture: try capture(welcome: true), path: "group.pcap", ports: [1000])
        let given = CaptureValidation.validate(capture: try capture(welcome: false), path: "group.pcap", ports: [1000], serverKey: key.publicKey)
        for report in [captured, given] {
            let invalid = report.verdicts.filter { !$0.check.valid }.compactMap(\.check.error)
            #expect(invalid.map(\.field) == ["signature", "header.kind", "header.kind"], "\(invalid)")
            #expect(invalid.first?.message.contains("forged") == true)
            let flow = try #require(report.flows.first { $0.group })
            #expect(flow.match == 9 && flow.statistics.received == 3 && flow.unsigned == 0)
            #expect(report.warnings.isEmpty)
        }
        let unchecked = CaptureValidation.validate(capture: try capture(welcome: false), path: "group.pcap", ports: [1000])
        #expect(unchecked.warnings.contains { $0.contains("signature was not checked") })
        #expect(unchecked.flows.first { $0.group }?.unsigned == 4)
    }
}
