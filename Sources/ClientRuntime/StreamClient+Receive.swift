import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamClient {
    /// Handles one datagram; true when the run is over.
    func receive(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        record(envelope)
        guard envelope.remoteAddress == serverAddress else {
            logger.debug("Ignored datagram from \(envelope.remoteAddress.display): not the server.")
            return false
        }
        let bytes = Array(envelope.data.readableBytesView)
        let over = handle { $0.receive(bytes) }
        if configuration.exportKeyPath != nil { exportKey() }
        return over
    }

    /// Handles one datagram from the multicast group (Spec §4.11); true when the run is over.
    /// Its source is not checked: its signature is.
    package func receiveGroup(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        let port = session.withLock { $0.groupOffer.map { Int($0.port) } }
        record(envelope, port: port)
        let bytes = Array(envelope.data.readableBytesView)
        return handle { $0.receiveGroup(bytes) }
    }

    /// What one datagram meant, as `receiving` has the session tell: said in the log, what it
    /// added to the stream handed to the stream's consumers, and the control task woken when it
    /// changed something it waits for.
    func handle(_ receiving: (inout ClientSession) -> ClientSession.Reception) -> Bool {
        let (reception, events, subscribed, token, received, finished, repairDue, outstanding, welcomedAgain) = session.withLock { session in
            let reception = receiving(&session)
            return (
                reception, session.events(after: reception), session.subscribed, session.token,
                session.statistics.received + session.statistics.repaired, session.finished, session.nextRepairDue, session.repairsOutstanding,
                session.welcomedAgain
            )
        }
        switch reception {
        case .welcomed(let welcome, _):
            logger.info(
                "Registered: format \(welcome.format.name), dictionary \(welcome.dictionary), match \(welcome.matchID), language \(welcome.catalog.language)."
            )
            if welcome.dictionary != 0, !configuration.dictionaries.contains(where: { $0.id == welcome.dictionary }) {
                // Frames name their dictionary, so decoding still works; the server broke §4.4's agreement rule.
                logger.warning("The server chose dictionary \(welcome.dictionary), which this client did not offer (Spec §4.4).")
            }
            if configuration.multicast == .group && welcome.multicast == nil {
                // Asked for explicitly: said where the user looks, not only in the log.
                let said =
                    "--multicast: the server offers no multicast group (it runs without --multicast); events come to this client's address instead."
                logger.warning("\(said)")
                StandardError.write("warning: \(said)\n")
            }
        case .refused(let refusal):
            // A server from before key shares or the features byte reads them as padding that is
            // not zero, and refuses the register as malformed there.
            let paddingRefused = refusal.reason == .malformed && refusal.text.contains("body.padding")
            // Key shares: a client that only prefers encryption registers again without one (in clear).
            if paddingRefused, configuration.encryption == .preferred,
                offeredShare.withLock({ $0 }) != nil
            {
                offeredShare.withLock { $0 = nil }
                logger.info("The server predates key shares (\(refusal.text)); registering without one, in clear.")
                return false
            }
            // The features byte (Spec §4.13): the next register goes without it, and real matches
            // come in the base layout.
            if paddingRefused, features.withLock({ $0 }) != [] {
                features.withLock { $0 = [] }
                logger.info("The server predates the register's features byte (\(refusal.text)); registering without it.")
                return false
            }
            // Both dropped already: a late refusal of a register sent before, whose retry crossed
            // the first refusal (on a link slower than the 250 ms backoff). The registers going
            // out now carry neither; their answer decides. (A server that refused those too would
            // leave the client to run out of attempts.)
            if paddingRefused, configuration.features != [] || configuration.encryption == .preferred {
                logger.info("A late refusal of an earlier register (\(refusal.text)); waiting for the answer to the registers sent since.")
                return false
            }
            logger.info("Registration refused: \(refusal.reason.name): \(refusal.text)")
            setReason(.refused(refusal))
            return true
        case .cutOff(let refusal):
            logger.warning("Cut off by the server: \(refusal.reason.name): \(refusal.text)")
            setReason(.cutOff(refusal))
            return true
        case .event:
            // Shown, logged in sequence order and relayed by the stream's consumers (below).
            break
        case .repaired(let snapshot, let delay):
            logger.debug("Repaired message #\(snapshot.sequence)\(delay.map { String(format: " after %.1f ms", $0 * 1000) } ?? "").")
        case .unavailable(let sequences):
            logger.info("The server no longer holds \(sequences.count) missing message(s) (from #\(sequences.first ?? 0)); given up.")
        case .duplicate(let sequence):
            logger.info("Received duplicate of message #\(sequence).")
        case .ended(let reason):
            logger.info("Received end of transmission (\(reason.name))\(finished ? "" : "; waiting for \(outstanding) repair(s)").")
        case .challenged:
            logger.info("Received an address challenge; registering again with the token.")
        case .keepalive:
            break
        case .reset:
            logger.info("The server holds no subscription for this client (a reset: it restarted without keeping it); registering again.")
            signals.update { $0.resets += 1 }
        case .ignored(let why):
            logger.debug("Ignored datagram: \(why)")
        case .rejected(let why):
            logger.info("Rejected datagram: \(why).")
        }
        // What the datagram added to the stream, to everything that follows it.
        deliver(events)
        if finished, let ended = session.withLock({ $0.endReason }) {
            setReason(.endOfTransmission(ended))
            return true
        }
        let current = signals.value
        if current.subscribed != subscribed || current.token != token || current.received != received || current.repairDue != repairDue
            || current.welcomedAgain != welcomedAgain
        {
            signals.update { signals in
                signals.subscribed = subscribed
                signals.token = token
                signals.received = received
                signals.repairDue = repairDue
                signals.welcomedAgain = welcomedAgain
            }
        }
        return self.reason != nil
    }

    /// This client's subscription identifier (Spec §2.1).
    var subscription: UInt64 { session.withLock { $0.subscription } }
}
