import Capture
import Foundation
import GroupSigning
import Wire

/// One selected datagram of a capture and its verdict.
public struct DatagramVerdict: Sendable {
    /// The capture frame number (nil with `--raw`).
    public var frame: Int?
    /// Seconds since the first frame of the file.
    public var time: Double
    /// Sender and receiver (nil with `--raw`).
    public var source: Endpoint?
    public var destination: Endpoint?
    /// The pcapng interface.
    public var interface: Int
    /// The datagram's size.
    public var size: Int
    /// IP fragments it arrived in.
    public var fragments: Int
    /// Which way it went.
    public var direction: Direction?
    /// The verdict.
    public var check: DatagramCheck
}

/// The datagrams between one server and one client on one interface.
public struct FlowReport: Sendable {
    /// The interface.
    public var interface: Int
    /// The server's endpoint (the one on the selected port).
    public var server: Endpoint
    /// The client's endpoint.
    public var client: Endpoint
    /// Datagrams both ways.
    public var packets = 0
    /// Invalid ones.
    public var invalid = 0
    /// Sequence statistics of the server's events to the client, computed as the client does.
    public var statistics = ReceptionStatistics()
    /// Nominal seconds between events, once a welcome was seen.
    var interval: Double?
    /// The flow's subscription identifier (Spec §2.1): from its register, or, when the register
    /// was not captured, from the first frame seen.
    public var subscription: UInt64?
    /// Where ``subscription`` came from: "register at frame N" or "first frame seen, frame N".
    public var subscriptionSource: String?
    /// Frames carrying another identifier than the flow's (forged, or from another subscription).
    public var wrongSubscription = 0
    /// The match the flow follows (Spec §4.9), from its welcome; nil when the welcome was not
    /// captured (frames after it carry no match id) or for the original protocol.
    public var match: UInt32?
    /// First-time events that raised the highest sequence, in order, with their capture times:
    /// a gap is seen (as the client sees it) when the first event after it arrives.
    var advances: [(sequence: Int64, time: Double)] = []
    /// When the end frame was captured (it reveals the tail's gaps).
    var endTime: Double?
    /// A multicast group's events of one match (Spec §4.11): the "client" is the group.
    public var group = false
    /// Its group events whose signature could not be checked (no key given or captured).
    public var unsigned = 0
    /// A group flow's body format (one flow per match and format: the group carries both).
    public var format: BodyFormat?
}

/// What a capture shows of one match (Spec §4.9): its flows' figures added up.
public struct MatchTraffic: Sendable, Hashable {
    /// The match id, or nil for the flows whose welcome was not captured ("match unknown").
    public var match: UInt32?
    /// Flows following it, and their datagrams.
    public var flows = 0
    public var packets = 0
    public var invalid = 0
    /// Events received first time, lost, repaired and given up, over its flows.
    public var received = 0
    public var lost = 0
    public var repaired = 0
    public var unrecovered = 0
}

/// The validation of one capture file (or one raw datagram file).
public struct FileValidation: Sendable {
    /// The path.
    public var path: String
    /// The file format (`pcap`, `pcap (ns)`, `pcapng`, `raw`), or `not a capture` (no pcap or
    /// pcapng magic number), or `not read` (the file could not be opened).
    public var format: String
    /// Frames in the file.
    public var frames: Int
    /// Every selected datagram, in file order.
    public var verdicts: [DatagramVerdict] = []
    /// Flows, by (interface, server, client).
    public var flows: [FlowReport] = []
    /// Frames that could not be decoded down to UDP (warnings).
    public var problems: [FrameProblem] = []
    /// Warnings about the file as a whole (no datagram on the port: a wrong `--port` must not
    /// look like "all valid").
    public var warnings: [String] = []
    /// Why the file could not be read (completely): exit code 2.
    public var readError: String?
    /// Relays seen (a match's events sent by two servers, Spec §4.10).
    public var relays: [RelayCheck] = []

    /// Creates an empty report for `path`.
    public init(path: String, format: String, frames: Int) {
        self.path = path
        self.format = format
        self.frames = frames
    }

    /// Invalid datagrams.
    public var invalidCount: Int { verdicts.filter { !$0.check.valid }.count }

    /// The flows grouped by the match they follow, in order of first appearance; the flows whose
    /// match is unknown last.
    public var matches: [MatchTraffic] {
        var order: [UInt32?] = []
        var reports: [UInt32?: MatchTraffic] = [:]
        for flow in flows {
            if reports[flow.match] == nil {
                order.append(flow.match)
                reports[flow.match] = MatchTraffic(match: flow.match)
            }
            reports[flow.match]?.flows += 1
            reports[flow.match]?.packets += flow.packets
            reports[flow.match]?.invalid += flow.invalid
            reports[flow.match]?.received += flow.statistics.received
            reports[flow.match]?.lost += flow.statistics.lost
            reports[flow.match]?.repaired += flow.statistics.repaired
            reports[flow.match]?.unrecovered += flow.statistics.unrecovered
        }
        let known = order.filter { $0 != nil }
        return (known + (order.count > known.count ? [nil] : [])).compactMap { reports[$0] }
    }
}

/// `soccer-stream validate`: checks every SoccerStream datagram of captures against Spec and Fixtures.
public enum CaptureValidation {
    /// Validates a capture file's bytes, selecting UDP datagrams to or from `port`.
    public static func validate(capture bytes: [UInt8], path: String, port: Int) -> FileValidation {
        validate(capture: bytes, path: path, ports: [port])
    }

    /// Validates a capture file's bytes, selecting UDP datagrams to or from any of `ports`
    /// (a relay's capture: its upstream's port and its own). Group events (Spec §4.11) are
    /// checked against `serverKey`, or the key a captured welcome announces for their group.
    /// Sealed bodies (Spec/ENCRYPTION.md) are opened and checked with their subscription's key
    /// in `subscriptionKeys` (`validate --key`); without it, only their clear part is.
    public static func validate(
        capture bytes: [UInt8], path: String, ports: [Int], serverKey: GroupPublicKey? = nil, subscriptionKeys: [UInt64: ExportedKey] = [:]
    ) -> FileValidation {
        let contents = CaptureReader.read(bytes)
        var report = FileValidation(path: path, format: contents.format.rawValue, frames: contents.frames.count)
        if let error = contents.error {
            report.readError = contents.format == .notACapture ? "\(error)" : "\(error) (\(contents.frames.count) frames read before it)"
        }
        let decoder = PacketDecoder.decode(contents.frames)
        report.problems = decoder.problems
        if decoder.incompleteReassemblies > 0 {
            // Missing fragments (a capture filter of "udp port N" drops every fragment after the first).
            report.problems.append(
                FrameProblem(
                    frame: contents.frames.last?.number ?? 0,
                    message: "\(decoder.incompleteReassemblies) IP datagram(s) left incomplete: fragments missing from the capture"))
        }
        if let unsupported = decoder.problems.first(where: { $0.message.hasPrefix("unsupported link type") }), report.readError == nil {
            let offset = contents.frames.first { $0.number == unsupported.frame }?.fileOffset ?? 0
            report.readError =
                "\(unsupported.message) (frame \(unsupported.frame), byte \(offset)); supported: "
                + PacketDecoder.supportedLinkTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        let start = contents.frames.first?.timestamp ?? 0
        var flowIndex: [String: Int] = [:]
        let keys = groupKeys(in: decoder.datagrams, ports: ports)
        var sent: [SentEvent] = []
        // Besides the servers' ports: whatever goes to a group a captured welcome offers (Spec
        // §4.11), from whatever source (a forger's too).
        let groups = Set(keys.keys)
        for datagram in decoder.datagrams
        where ports.contains(datagram.source.port) || ports.contains(datagram.destination.port) || groups.contains(datagram.destination.description) {
            let direction: Direction =
                ports.contains(datagram.source.port) || groups.contains(datagram.destination.description) ? .toClient : .toServer
            var check = DatagramCheck(datagram.payload, direction: direction, keys: subscriptionKeys)
            let signatureChecked = checkGroup(&check, bytes: datagram.payload, destination: datagram.destination, keys: keys, serverKey: serverKey)
            // A group event's flow is its group's events of its match (no subscription identifier).
            let groupMatch = check.header.flatMap { $0.kind == .groupEvent ? UInt32(truncatingIfNeeded: $0.subscription >> 32) : nil }
            report.verdicts.append(
                DatagramVerdict(
                    frame: datagram.frame, time: datagram.timestamp - start, source: datagram.source, destination: datagram.destination,
                    interface: datagram.interface, size: datagram.payload.count, fragments: datagram.fragments,
                    direction: direction, check: check))
            let server = direction == .toClient ? datagram.source : datagram.destination
            let client = direction == .toClient ? datagram.destination : datagram.source
            let key =
                "\(datagram.interface) \(server) \(client)" + (groupMatch.map { " match \($0) format \(check.header?.format.name ?? "")" } ?? "")
            let index =
                flowIndex[key]
                ?? {
                    var flow = FlowReport(interface: datagram.interface, server: server, client: client)
                    if let groupMatch { (flow.group, flow.match, flow.format) = (true, groupMatch, check.header?.format) }
                    report.flows.append(flow)
                    flowIndex[key] = report.flows.count - 1
                    return report.flows.count - 1
                }()
            report.flows[index].packets += 1
            if signatureChecked == false { report.flows[index].unsigned += 1 }
            if check.valid && groupMatch == nil { bind(&check, to: &report.flows[index], frameNumber: datagram.frame) }
            if !check.valid { report.flows[index].invalid += 1 }
            report.verdicts[report.verdicts.count - 1].check = check
            // A frame of another subscription, or a forged group event, moves nothing in this
            // flow's statistics, as at the client.
            let forged = check.error?.field == "header.subscription" || check.error?.field == "signature"
            if direction == .toClient, !forged, let decoded = check.datagram {
                record(decoded, header: check.header, at: datagram.timestamp, in: &report.flows[index])
                if case .frame(let frame) = decoded, let match = report.flows[index].match, let content = relayContent(frame) {
                    sent.append(
                        SentEvent(
                            match: match, server: server, sequence: frame.sequence, format: frame.body.format, content: content,
                            time: datagram.timestamp, verdict: report.verdicts.count - 1))
                }
            }
        }
        checkRelays(&report, sent)
        let unsigned = report.flows.reduce(0) { $0 + $1.unsigned }
        if unsigned > 0 {
            report.warnings.append(
                "\(unsigned) group event(s) whose signature was not checked: no --server-key given and no captured welcome announcing their group's key"
            )
        }
        if report.verdicts.isEmpty, report.readError == nil, let warning = noDatagramWarning(decoder.datagrams, ports: ports) {
            report.warnings.append(warning)
        }
        return report
    }

    /// What to say when no datagram of `datagrams` is to or from `port`: how many UDP datagrams
    /// the capture holds, and on which ports, so that a wrong `--port` is plain.
    static func noDatagramWarning(_ datagrams: [UDPDatagram], ports: [Int]) -> String? {
        guard !datagrams.isEmpty else { return "no UDP datagram in this capture, so nothing to check" }
        var perPort: [Int: Int] = [:]
        for datagram in datagrams {
            perPort[datagram.source.port, default: 0] += 1
            if datagram.destination.port != datagram.source.port { perPort[datagram.destination.port, default: 0] += 1 }
        }
        let busiest = perPort.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
        let busiestPorts = busiest.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        let selected = ports.map(String.init).joined(separator: " or ")
        return
            "no datagram to or from port \(selected) among the capture's \(datagrams.count) UDP datagram\(datagrams.count == 1 ? "" : "s"), so nothing was checked; the busiest ports: \(busiestPorts). Wrong --port?"
    }

    /// Checks a valid frame's subscription identifier against its flow's (Spec §2.1): a register
    /// starts (or restarts) the flow's subscription; every other frame must carry it. A flow
    /// whose register was not captured takes the first frame's identifier. A refusal carrying 0
    /// (the answer to another version's register) is exempt.
    static func bind(_ check: inout DatagramCheck, to flow: inout FlowReport, frameNumber: Int) {
        guard case .frame(let frame) = check.datagram, let header = check.header else { return }
        if frame.kind == .register {
            flow.subscription = frame.subscription
            flow.subscriptionSource = "its register at frame \(frameNumber)"
            return
        }
        if frame.kind == .refuse && frame.subscription == 0 { return }
        guard let expected = flow.subscription else {
            flow.subscription = frame.subscription
            flow.subscriptionSource = "the first frame seen, frame \(frameNumber) (the register was not captured)"
            return
        }
        guard header.subscription != expected else { return }
        flow.wrongSubscription += 1
        check.error = WireError(
            .inconsistent, field: "header.subscription", offset: FrameHeader.subscriptionOffset,
            "subscription identifier \(Frame.hex64(header.subscription)) is not this flow's \(Frame.hex64(expected)) (from \(flow.subscriptionSource ?? "?")): forged or misdirected"
        )
    }

    /// Feeds one server-to-client datagram into its flow's statistics, as the client would.
    static func record(_ datagram: Datagram, header: FrameHeader?, at time: Double, in flow: inout FlowReport) {
        switch datagram {
        case .frame(let frame):
            switch frame.body {
            case .welcome(let welcome):
                flow.match = welcome.matchID
                flow.interval = welcome.nominalInterval
                flow.statistics.expectFirst(welcome.current == nil ? frame.sequence : frame.sequence &+ 1)
            case .event where frame.retransmission:
                // The repair delay counts from the capture of the first event after the gap (or of the end).
                let extended = flow.statistics.extend(frame.sequence)
                let noticed = flow.advances.first { $0.sequence > extended }?.time ?? flow.endTime
                flow.statistics.recordRepair(frame.sequence, arrival: time, noticed: noticed)
            case .event:
                if flow.statistics.record(frame.sequence, arrival: time, interval: flow.interval) == .inOrder {
                    flow.advances.append((flow.statistics.extend(frame.sequence), time))
                }
            case .unavailable(let ranges):
                flow.statistics.recordUnrecovered(ranges.sequences)
            case .end:
                flow.statistics.noteLast(frame.sequence)
                if flow.endTime == nil { flow.endTime = time }
            default:
                break
            }
        case .original(.datagram(let original)):
            flow.statistics.record(original.message.count, arrival: time, interval: nil)
        case .original:
            break
        }
    }

    /// Validates a file holding exactly one datagram's bytes (`--raw`).
    public static func validate(raw bytes: [UInt8], path: String, subscriptionKeys: [UInt64: ExportedKey] = [:]) -> FileValidation {
        var report = FileValidation(path: path, format: "raw", frames: 1)
        report.verdicts.append(
            DatagramVerdict(
                frame: nil, time: 0, source: nil, destination: nil, interface: 0, size: bytes.count,
                fragments: 1, direction: nil, check: DatagramCheck(bytes, keys: subscriptionKeys)))
        return report
    }

    /// The exit code for a set of reports: 2 if any file could not be read, else 1 if any
    /// datagram is invalid, else 0.
    public static func exitCode(_ reports: [FileValidation]) -> Int32 {
        if reports.contains(where: { $0.readError != nil }) { return 2 }
        return reports.contains { $0.invalidCount > 0 } ? 1 : 0
    }
}
