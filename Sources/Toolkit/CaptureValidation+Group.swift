import Capture
import GroupSigning
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A relay seen in a capture (Spec §4.10): a match whose events two servers sent, the first
/// to send them being the upstream.
public struct RelayCheck: Sendable, Hashable {
    /// The match.
    public var match: UInt32
    /// The server that sent the match's events first (the upstream), and the one passing them on.
    public var upstream: Endpoint
    public var relay: Endpoint
    /// Events the relay sent whose upstream copy the capture could hold (at or after the
    /// upstream's first captured event), and of those, the ones the upstream had not sent
    /// before, or sent with other content: INVALID.
    public var checked = 0
    public var violations = 0

    /// A check with these figures.
    public init(match: UInt32, upstream: Endpoint, relay: Endpoint, checked: Int = 0, violations: Int = 0) {
        (self.match, self.upstream, self.relay, self.checked, self.violations) = (match, upstream, relay, checked, violations)
    }
}

extension CaptureValidation {
    /// The group keys captured welcomes announce (Spec §4.3, §4.11), by group endpoint.
    static func groupKeys(in datagrams: [UDPDatagram], ports: [Int]) -> [String: GroupPublicKey] {
        var keys: [String: GroupPublicKey] = [:]
        for datagram in datagrams where ports.contains(datagram.source.port) {
            let bytes = datagram.payload
            guard FrameHeader.kind(in: bytes) == .welcome,
                case .welcome(let welcome) = (try? Frame.decode(bytes))?.body, let offer = welcome.multicast,
                let key = try? offer.key()
            else { continue }  // not a welcome with an offer: no key to learn from it
            keys[offer.groupDescription] = key
        }
        return keys
    }

    /// Whether `endpoint`'s address is an IP multicast group (224.0.0.0/4 or ff00::/8: Spec
    /// §4.11's rule, ``MulticastOffer/isMulticast(_:)``, on the address's bytes).
    static func isGroup(_ endpoint: Endpoint) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, endpoint.address, &v4) == 1 {
            return MulticastOffer.isMulticast(withUnsafeBytes(of: v4) { Array($0) })
        }
        if inet_pton(AF_INET6, endpoint.address, &v6) == 1 {
            return MulticastOffer.isMulticast(withUnsafeBytes(of: v6) { Array($0) })
        }
        return false
    }

    /// Spec §4.11's checks of a datagram by where it went: a group event goes to a group and is
    /// signed with the key given (`--server-key`) or announced for that group in a captured
    /// welcome; an event frame never goes to a group. Returns whether a group event's signature
    /// could be checked (nil for other datagrams).
    static func checkGroup(
        _ check: inout DatagramCheck, bytes: [UInt8], destination: Endpoint, keys: [String: GroupPublicKey],
        serverKey: GroupPublicKey?
    ) -> Bool? {
        guard check.valid, let header = check.header else { return nil }
        if header.kind == .event, isGroup(destination) {
            check.error = WireError(
                .inconsistent, field: "header.kind", offset: 3,
                "an event frame sent to the multicast group \(destination); the group carries group events (kind 13, Spec §4.11)")
            return nil
        }
        guard header.kind == .groupEvent else { return nil }
        guard isGroup(destination) else {
            check.error = WireError(
                .inconsistent, field: "header.kind", offset: 3,
                "a group event sent to \(destination), which is no multicast group (Spec §4.11)")
            return nil
        }
        guard let key = serverKey ?? keys[destination.description] else { return false }
        if !GroupSignature.isValid(bytes, key: key) {
            check.error = WireError(
                .inconsistent, field: "signature", offset: bytes.count - GroupSignature.size,
                "not signed with the group's key \(key.hex.prefix(16))… (\(serverKey != nil ? "--server-key" : "from a captured welcome")): forged (Spec §4.11)"
            )
        }
        return true
    }

    /// One event a server sent, for ``checkRelays(_:_:)``.
    struct SentEvent {
        var match: UInt32
        var server: Endpoint
        var sequence: UInt32
        var format: BodyFormat
        /// The event's content: type, score, minute and the uncompressed body.
        var content: [UInt8]
        var time: Double
        var verdict: Int
    }

    /// The content that must be the same at every depth of a relay tree (Spec §4.10): the event
    /// type, score, minute and body, uncompressed; not the header's identifier, kind or flags.
    static func relayContent(_ frame: Frame) -> [UInt8]? {
        guard case .event = frame.body, var plain = try? frame.canonicalContent() else { return nil }  // not an event: nothing to compare
        let end = plain.count - (frame.groupSignature == nil ? 0 : GroupSignature.size)
        plain = Array(plain[9..<13]) + Array(plain[FrameHeader.size..<end])
        return plain
    }

    /// Spec §4.10 in a capture that holds a relay's both sides: for each match whose events
    /// two servers sent, the one that sent them first is the upstream, and every event the
    /// other sent (from the upstream's first captured one on) must have come from it before,
    /// with the same content in the same format; otherwise the relay's datagram is INVALID.
    static func checkRelays(_ report: inout FileValidation, _ sent: [SentEvent]) {
        let byMatch = Dictionary(grouping: sent, by: \.match)
        for match in byMatch.keys.sorted() {
            guard let events = byMatch[match] else { continue }
            let servers = Dictionary(grouping: events, by: \.server)
            guard servers.count > 1, let upstream = events.min(by: { $0.time < $1.time })?.server,
                let upstreamEvents = servers[upstream]
            else { continue }
            let firstUpstream = upstreamEvents.map { Int64($0.sequence) }.min() ?? 0
            var copies: [UInt32: [SentEvent]] = [:]
            for event in upstreamEvents { copies[event.sequence, default: []].append(event) }
            for (relay, relayed) in servers where relay != upstream {
                var check = RelayCheck(match: match, upstream: upstream, relay: relay)
                for event in relayed where Int64(event.sequence) >= firstUpstream {
                    check.checked += 1
                    let earlier = (copies[event.sequence] ?? []).filter { $0.time <= event.time }
                    let sameFormat = earlier.filter { $0.format == event.format }
                    let why: String? =
                        earlier.isEmpty
                        ? "the upstream \(upstream) had not sent it before"
                        : (!sameFormat.isEmpty && !sameFormat.contains { $0.content == event.content })
                            ? "its content differs from the upstream \(upstream)'s" : nil
                    guard let why else { continue }
                    check.violations += 1
                    if report.verdicts[event.verdict].check.valid {
                        report.verdicts[event.verdict].check.error = WireError(
                            .inconsistent, field: "body", offset: FrameHeader.size,
                            "event #\(event.sequence) of match \(match) relayed by \(relay): \(why) (Spec §4.10)")
                        if let flow = report.flows.firstIndex(where: { $0.server == relay && report.verdicts[event.verdict].destination == $0.client }
                        ) {
                            report.flows[flow].invalid += 1
                        }
                    }
                }
                report.relays.append(check)
            }
        }
    }
}
