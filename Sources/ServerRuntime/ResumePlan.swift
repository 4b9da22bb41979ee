import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import Foundation
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Wire

/// What a server started on a match log continues (issue 14): the unfinished matches an earlier
/// run left (a crash, `kill -9`) that this run carries — a simulated match in a slot it
/// simulates, a feed's match when it reads the same feed file — each as the log left it.
package struct ResumePlan: Sendable {
    /// An unfinished feed match: its log entry, the feed decoder primed with its logged lines
    /// (line-ups, then every event: the same match state), and its teams and words.
    package struct Feed: Sendable {
        package var match: MatchLog.Unfinished
        package var decoder: FeedDecoder
        package var roster: Roster
        package var catalog: PhraseCatalog
        /// Where reading the feed file resumes: just past the last logged event's line.
        package var offset: Int
        /// The last logged event.
        package var latest: MatchEvent?
    }

    /// An unfinished relayed match: its log entry, teams and words, latest event and last sequence.
    package struct Relayed: Sendable {
        package var match: MatchLog.Unfinished
        package var roster: Roster
        package var catalog: PhraseCatalog
        package var latest: MatchEvent?
        package var lastSequence: UInt32?
    }

    /// Unfinished relayed matches (a relay's), oldest first.
    package var relayed: [Relayed] = []
    /// Unfinished simulated matches, by slot.
    package var simulated: [Int: MatchLog.Unfinished] = [:]
    /// Unfinished feed matches, by feed index in ``ServerConfiguration/feeds``.
    package var feeds: [Int: Feed] = [:]
    /// The subscriptions to send each resumed match to again, by log number (those of a match
    /// whose log was last written within ``ServerConfiguration/originalResumeWithin``).
    package var subscribers: [Int: [Subscriber]] = [:]

    /// The path a feed is logged under and matched by on restart: absolute and standardized
    /// (nil for standard input, which cannot be read again).
    package static func feedKey(_ path: String) -> String? {
        path == "-" ? nil : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Reads `log`'s unfinished matches and keeps those this run can continue; each left
    /// unfinished gets a warning saying why (it stays unfinished for a run that can).
    package static func make(log: MatchLog, configuration: ServerConfiguration, logger: Logger) async throws(StreamingError) -> ResumePlan {
        var plan = ResumePlan()
        let feedKeys = configuration.feeds.map(feedKey)
        let now = Date().timeIntervalSince1970
        for match in try await log.unfinished() {
            if !match.subscribers.isEmpty {
                plan.subscribers[match.number] = subscribers(of: match, within: configuration.originalResumeWithin, now: now, logger: logger)
            }
            switch match.origin {
            case .simulated(let slot, _):
                // In a slot this run carries, one match per stream (no --matches back to back).
                guard slot < configuration.simulate, configuration.matches == 1 else {
                    logger.warning(
                        "Unfinished match \(match.matchID) (slot \(slot)) is not resumed: this run does not carry its slot one match at a time.")
                    continue
                }
                plan.simulated[slot] = match
            case .feed(let path, let offset):
                guard let index = feedKeys.firstIndex(of: path) else {
                    logger.warning("Unfinished match \(match.matchID) is not resumed: this run does not read its feed \(path).")
                    continue
                }
                guard let logged = await decode(match, log: log, catalog: configuration.language.catalog, logger: logger) else { continue }
                plan.feeds[index] = Feed(
                    match: match, decoder: logged.decoder, roster: logged.roster, catalog: logged.decoder.catalog,
                    offset: offset, latest: logged.latest)
            case .relayed:
                guard !configuration.upstreams.isEmpty,
                    configuration.upstreamMatches.isEmpty || configuration.upstreamMatches.contains(match.matchID)
                else {
                    logger.warning("Unfinished match \(match.matchID) is not resumed: this run does not relay it.")
                    continue
                }
                guard let logged = await decode(match, log: log, catalog: configuration.language.catalog, logger: logger) else { continue }
                plan.relayed.append(
                    Relayed(
                        match: match, roster: logged.roster, catalog: logged.decoder.catalog, latest: logged.latest,
                        lastSequence: match.lastSequence))
            }
        }
        return plan
    }

    /// `match`'s logged lines run through a feed decoder (the same match state, teams and
    /// words); nil, with a warning, when they no longer decode.
    package static func decode(
        _ match: MatchLog.Unfinished, log: MatchLog, catalog: PhraseCatalog, logger: Logger
    ) async
        -> (decoder: FeedDecoder, roster: Roster, latest: MatchEvent?)?
    {
        var decoder = FeedDecoder(catalog: catalog)
        var latest: MatchEvent?
        do {
            for line in try await log.feedLines(match.number) {
                if case .event(let event, _) = try decoder.next(Array(line.utf8)) { latest = event }
            }
        } catch {
            logger.warning("Unfinished match \(match.matchID) is not resumed: its logged lines do not decode again (\(error)).")
            return nil
        }
        guard let roster = decoder.roster else {
            logger.warning("Unfinished match \(match.matchID) is not resumed: its log holds no line-ups.")
            return nil
        }
        return (decoder, roster, latest)
    }

    /// The subscriptions of `match` a restarted server sends to again: all of them when the log
    /// was last written within `window`, else none (a warning says why: their clients register
    /// again, SoccerStream ones at once when reset, Spec §4.12).
    package static func subscribers(of match: MatchLog.Unfinished, within window: Duration, now: Double, logger: Logger) -> [Subscriber] {
        let down = now - match.lastWrite
        guard down <= window.inSeconds else {
            logger.warning(
                "\(match.subscribers.count) subscription(s) of match \(match.matchID) are not sent to again: its log was last written \(Int(down)) s ago, more than --original-resume-within \(Int(window.inSeconds)) s (SoccerStream clients are reset and register again; original ones cannot)."
            )
            return []
        }
        return match.subscribers.compactMap { kept in
            guard let delivery = Delivery(rawValue: kept.delivery) else {
                logger.warning("Subscription \(kept.host):\(kept.port) of match \(match.matchID) is not kept: unknown delivery \(kept.delivery).")
                return nil
            }
            do {
                var subscriber = Subscriber(
                    address: try SocketAddress(ipAddress: kept.host, port: kept.port), delivery: delivery,
                    dictionary: kept.dictionary, subscription: kept.subscription)
                subscriber.group = kept.group
                return subscriber
            } catch {
                logger.warning("Subscription \(kept.host):\(kept.port) of match \(match.matchID) is not kept: not an address (\(error)).")
                return nil
            }
        }
    }
}
