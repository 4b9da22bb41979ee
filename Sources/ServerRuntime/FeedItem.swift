import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Match
import MatchStore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

/// What a feed's reader hands the server's stream loop: a decoded line, a bad line, or the end
/// of the feed's input.
package struct FeedItem: Sendable {
    package enum Content: Sendable {
        case output(FeedDecoder.Output)
        /// A line that could not be used; `stopping` when `--on-bad-line stop` ends the feed with it.
        case bad(FeedError, stopping: Bool)
        /// The feed could not be read any further (the system's reason); `closed` follows.
        case unreadable(String)
        case closed
    }
    /// The feed's index in ``ServerConfiguration/feeds``.
    package var feed: Int
    package var content: Content
    /// For a decoded line, the file offset just past it (logged with its event, so that a
    /// restarted server reads on from there).
    package var end: Int?
}

/// A feed match's identifier: FNV-1a over the feed's index and its line-ups, so the same feed
/// gets the same id on every run (the server makes it unique among its matches).
package enum FeedMatchID {
    package static func make(feed: Int, roster: Roster) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in Array("\(feed)|\(roster.home.name)|\(roster.away.name)|\(roster.home.keeper)|\(roster.away.keeper)".utf8)
            + roster.home.players.flatMap({ Array($0.name.utf8) }) + roster.away.players.flatMap({ Array($0.name.utf8) })
        {
            hash = (hash ^ UInt32(byte)) &* 0x0100_0193
        }
        return hash
    }
}
