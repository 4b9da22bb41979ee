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

/// What a producer (a feed's reader, a relay's upstream follower) hands the server's stream
/// loop: what its source yields, a bad line, or the end of its input.
package struct ProducerItem: Sendable {
    package enum Content: Sendable {
        /// What the source yields; `at`, for a feed's event, is when it is due (seconds after
        /// kick-off at the replay's speed, ``FeedPacing``); nil: at once.
        case output(SourceOutput, at: Double?)
        /// A feed's line that could not be used; `stopping` when `--on-bad-line stop` ends the feed with it.
        case bad(FeedError, stopping: Bool)
        /// The feed could not be read any further (the system's reason); `closed` follows.
        case unreadable(String)
        /// The producer stopped: nothing more comes from it.
        case closed
    }
    /// Whose: ``SourceOrigin/fed(_:)`` or ``SourceOrigin/relayed(_:)``.
    package var origin: SourceOrigin
    package var content: Content

    package init(_ origin: SourceOrigin, _ content: Content) {
        (self.origin, self.content) = (origin, content)
    }

    /// What feed `feed`'s decoded line yields (line-ups open a match, with its first event if
    /// the line holds one); `end` is the file offset just past the line, logged with its event
    /// so that a restarted server reads on from there.
    package static func decoded(_ output: FeedDecoder.Output, feed: Int, end: Int) -> [ProducerItem] {
        let origin = SourceOrigin.fed(feed)
        switch output {
        case .lineups(let roster, let catalog, let first, let start):
            let opened = ProducerItem(origin, .output(.opened(MatchOpening(id: nil, roster: roster, catalog: catalog, start: start)), at: nil))
            return [opened] + (first.map { [ProducerItem(origin, .output(.event($0, .feedOffset(end)), at: nil))] } ?? [])
        case .event(let event, let at):
            return [ProducerItem(origin, .output(.event(event, .feedOffset(end)), at: at))]
        case .end(let reason):
            return [ProducerItem(origin, .output(.ended(reason), at: nil))]
        case .blank:
            return []
        }
    }

    /// What upstream follower `follower`'s item yields: its welcome opens the match where it
    /// stands upstream; its events keep their upstream sequence numbers.
    package static func followed(_ item: UpstreamFollower.Item, follower: Int) -> ProducerItem {
        let origin = SourceOrigin.relayed(follower)
        switch item {
        case .welcomed(let welcome, let latest, let next):
            let opening = MatchOpening(
                id: welcome.matchID, roster: welcome.roster, catalog: welcome.catalog,
                continuing: (next: next, latest: latest?.event, intervalMicroseconds: welcome.intervalMicroseconds))
            return ProducerItem(origin, .output(.opened(opening), at: nil))
        case .event(let sequence, let event):
            return ProducerItem(origin, .output(.event(event, .upstream(sequence)), at: nil))
        case .ended(let reason):
            return ProducerItem(origin, .output(.ended(reason), at: nil))
        case .outage(let lost):
            return ProducerItem(origin, .output(.outage(lost: lost), at: nil))
        case .closed:
            return ProducerItem(origin, .closed)
        }
    }
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
