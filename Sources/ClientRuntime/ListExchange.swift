import Capture
import ClientEngine
import GroupSigning
import Match
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

/// The client's side of `client --list` (Spec §4.9), free of I/O: which list frame to send,
/// and what each answer means. ``MatchLister`` runs it over a socket.
public struct ListExchange: Sendable {
    /// What an answer did.
    public enum Outcome: Sendable, Equatable {
        /// A challenge: send ``request()`` again at once (it now echoes the token).
        case challenged
        /// A page arrived; more remain: send ``request()`` for the next page.
        case page(Int)
        /// Every match is known.
        case complete
        /// Not an answer to this exchange (why).
        case ignored(String)
    }

    /// The identifier the list frames carry (a fresh random one, never 0).
    public let subscription: UInt64
    /// The latest address token from a challenge.
    public private(set) var token: [UInt8] = []
    /// The matches received so far, in the server's order.
    public private(set) var matches: [MatchSummary] = []
    /// How many matches the server carries, once a page said so.
    public private(set) var total: Int?

    /// Creates an exchange.
    public init(subscription: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.subscription = subscription
    }

    /// Whether every match is known.
    public var isComplete: Bool { total.map { matches.count >= $0 } ?? false }

    /// The list frame to send now: from the next match not yet received, echoing the token.
    public func request() throws(WireError) -> [UInt8] {
        try Frame(body: .list(ListRequest.padded(token: token, offset: UInt16(clamping: matches.count))), subscription: subscription).encoded()
    }

    /// Handles one datagram from the server.
    public mutating func receive(_ bytes: [UInt8]) -> Outcome {
        let frame: Frame
        do {
            frame = try Frame.decode(bytes)
        } catch {
            return .ignored("\(error)")
        }
        guard frame.subscription == subscription else { return .ignored("\(frame.kind.name) frame with another identifier") }
        switch frame.body {
        case .challenge(let challenge):
            token = challenge.token
            return .challenged
        case .listing(let page):
            guard Int(page.offset) == matches.count else {
                return .ignored("listing page from match \(page.offset); expected \(matches.count)")
            }
            if let total, total != Int(page.total) {
                // The server's matches changed between two pages: start over.
                matches.removeAll()
                self.total = Int(page.total)
                return page.offset == 0 ? accept(page) : .page(0)
            }
            total = Int(page.total)
            return accept(page)
        default:
            return .ignored("\(frame.kind.name) frame in answer to a list")
        }
    }

    private mutating func accept(_ page: MatchListing) -> Outcome {
        matches.append(contentsOf: page.matches)
        if isComplete { return .complete }
        // A page without matches short of the total would loop forever: the server is inconsistent.
        guard !page.matches.isEmpty else {
            total = matches.count
            return .complete
        }
        return .page(page.matches.count)
    }
}
