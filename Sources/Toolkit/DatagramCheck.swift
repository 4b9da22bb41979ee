import Capture
import GroupSigning
import Match
import Wire

/// The verdict on one datagram: decodable, in range, canonical, going the right way.
public struct DatagramCheck: Sendable {
    /// What the datagram is, briefly (`event compact #4 goal 1-0 23'`), or what it seemed to be.
    ///
    /// It quotes texts of the datagram as they are (a refusal's text, a welcome's teams and
    /// language, an original event's type): print it through ``TerminalText/escaped(_:)``, as
    /// ``CaptureValidation/text(_:quiet:)`` does.
    public var summary: String
    /// The decoded datagram, when it decoded.
    public var datagram: Datagram?
    /// The header as sent, for frames that decoded.
    public var header: FrameHeader?
    /// Why it is invalid; nil when valid.
    public var error: WireError?

    /// Whether the datagram passed every check.
    public var valid: Bool { error == nil }

    /// Checks `bytes`: decoding (header fields and ranges, JSON body schema, compact body
    /// within the inflate cap), the direction (Spec §3 and §8, when known), and the canonical
    /// encoding of the content (``Datagram/checkCanonical(_:header:)``).
    public init(_ bytes: [UInt8], direction: Direction? = nil, keys: [UInt64: ExportedKey] = [:]) {
        guard SealedFrame.isSealed(bytes) else {
            self.init(plain: bytes, direction: direction)
            return
        }
        // A sealed body (Spec/ENCRYPTION.md): its layout checked; opened and checked like any
        // frame when its subscription's key is given (validate --key).
        let sealed: SealedFrame
        do {
            sealed = try SealedFrame.parse(bytes)
        } catch {
            self.init(summary: "sealed frame", error: error)
            return
        }
        guard let exported = keys[sealed.subscription] else {
            self.init(
                summary: "sealed \(sealed.kind.name) #\(sealed.sequence) (\(sealed.ciphertext.count) bytes of ciphertext; validate --key opens it)",
                error: nil)
            self.sealed = true
            return
        }
        do {
            self.init(plain: try exported.key.open(sealed, eventFormat: exported.format), direction: direction)
            summary = "sealed " + summary
        } catch {
            self.init(summary: "sealed \(sealed.kind.name) #\(sealed.sequence)", error: error)
        }
        self.sealed = true
    }

    /// A verdict without a decoded datagram.
    private init(summary: String, error: WireError?) {
        self.summary = summary
        self.error = error
    }

    /// Whether the datagram's body was sealed (opened with a key, or not).
    public var sealed = false

    /// ``init(_:direction:keys:)`` for a frame in clear (or a sealed one's plaintext).
    private init(plain bytes: [UInt8], direction: Direction?) {
        let header: FrameHeader?
        let datagram: Datagram
        do {
            (header, datagram) = try Datagram.decodeWithHeader(bytes)
        } catch {
            summary = WireProtocol(of: bytes) == .soccerStream ? "frame" : "original-protocol datagram"
            self.error = error
            return
        }
        self.header = header
        self.datagram = datagram
        summary = Self.summarize(datagram, header: header)
        if let direction, !datagram.travels(direction) {
            let other: Direction = direction == .toServer ? .toClient : .toServer
            error = WireError(
                .inconsistent, field: header == nil ? "original" : "header.kind", offset: header == nil ? 0 : 3,
                "\(summary) travels \(direction.rawValue); it only goes \(other.rawValue)")
            return
        }
        do {
            try datagram.checkCanonical(bytes, header: header)
        } catch {
            self.error = error
        }
    }

    /// What a decoded datagram says, field by field, for `validate --json` (and the Wireshark
    /// dissector's test, which compares its fields with these): the kind (a frame kind's name,
    /// or `original register`, `original unregister`, `original end`, `original event`), and the
    /// sequence, score and minute (a frame's header values; an original event's `count`, goals
    /// and `time_passed`; 0 where the datagram has none). Nil when it did not decode.
    public var fields: (kind: String, sequence: UInt32, home: Int, away: Int, minute: Int)? {
        switch datagram {
        case nil:
            return nil
        case .frame(let frame):
            return (frame.kind.name, frame.sequence, Int(frame.score.home), Int(frame.score.away), Int(frame.minute))
        case .original(.register):
            return ("original register", 0, 0, 0, 0)
        case .original(.unregister):
            return ("original unregister", 0, 0, 0, 0)
        case .original(.endOfTransmission):
            return ("original end", 0, 0, 0, 0)
        case .original(.datagram(let body)):
            let totals = body.goalTotals
            return ("original event", body.message.count, totals.home, totals.away, body.message.timePassed)
        }
    }

    static func summarize(_ datagram: Datagram, header: FrameHeader?) -> String {
        switch datagram {
        case .frame(let frame):
            let score = "\(frame.score.home)-\(frame.score.away)"
            switch frame.body {
            case .register(let request):
                return "register (\(request.formats.map(\.name).joined(separator: ", "))\(request.token.isEmpty ? "" : ", token")"
                    + (request.dictionaries.isEmpty ? "" : ", dictionaries \(request.dictionaries.map(String.init).joined(separator: ", "))")
                    + (request.match == RegisterRequest.anyMatch ? "" : ", match \(request.match)")
                    + (request.delivery == .group ? ", group delivery" : "") + (request.subscriberToken.isEmpty ? "" : ", subscriber token")
                    + (request.keyShare.isEmpty ? "" : ", key share") + ")"
            case .welcome(let welcome):
                return
                    "welcome \(welcome.format.name)\(welcome.dictionary == 0 ? "" : ", dictionary \(welcome.dictionary)"), match \(welcome.matchID) (\(welcome.roster.home.name) v \(welcome.roster.away.name)), \(welcome.catalog.language)"
                    + (welcome.current == nil ? ", before kick-off" : ", at #\(frame.sequence) \(score)")
                    + (welcome.multicast.map { ", multicast \($0.groupDescription)" } ?? "")
            case .refuse(let refusal):
                return "refuse \(refusal.reason.name) \"\(refusal.text)\""
            case .event(let body):
                let format = if case .json = body { "json" } else { "compact" }
                let type = frame.eventType?.identifier ?? "?"
                let kind = frame.groupSignature == nil ? "event" : "group event (match \(frame.groupMatchID), signed)"
                // A real match's clock (Spec §4.13) is the minute and its stoppage minutes, not a simulated match's.
                let clock = frame.extended ? frame.compactEvent?.clock ?? "\(frame.minute)'" : MatchClock.display(frame.minute)
                return
                    "\(kind) \(format)\(header?.compressed == true ? " (deflated)" : "")\(frame.retransmission ? " (retransmission)" : "") #\(frame.sequence) \(type) \(score) \(clock)"
            case .end(let end):
                return "end \(end.reason.name) after #\(frame.sequence) \(score)"
            case .unregister:
                return "unregister"
            case .heartbeat:
                return "heartbeat (#\(frame.sequence))"
            case .nack(let ranges):
                return "nack (\(ranges.sequences.count) events, from #\(ranges.ranges.first?.first ?? 0))"
            case .unavailable(let ranges):
                return "unavailable (\(ranges.sequences.count) events, from #\(ranges.ranges.first?.first ?? 0))"
            case .challenge:
                return "challenge (address token)"
            case .list(let request):
                return "list\(request.token.isEmpty ? "" : " (token)") from #\(request.offset)"
            case .listing(let listing):
                return "listing \(listing.matches.count) of \(listing.total) matches from #\(listing.offset)"
            case .reset:
                return "reset (no subscription under this identifier: register again)"
            }
        case .original(let packet):
            switch packet {
            case .register: return "original register"
            case .unregister: return "original unregister"
            case .endOfTransmission: return "original End of transmission"
            case .datagram(let datagram):
                return
                    "original datagram #\(datagram.message.count) \(datagram.message.type) \(MatchClock.display(UInt8(clamping: datagram.message.timePassed)))"
            }
        }
    }
}
