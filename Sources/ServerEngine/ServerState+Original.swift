import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import Wire

// The original protocol (Spec §8): its plain-text register and unregister, protected mode.
extension ServerState {
    package mutating func handleOriginal(_ bytes: [UInt8], from address: SocketAddress) -> (replies: [Reply], notices: [Notice]) {
        let packet: OriginalPacket
        do {
            packet = try OriginalPacket.decode(bytes)
        } catch {
            return reject(address, "\(error.code.rawValue) (\(error.field))")
        }
        guard packet.direction == .toServer else {
            return reject(address, "server-to-client original datagram sent to the server")
        }
        switch packet {
        case .register:
            guard configuration.originalAllowed else {
                rejects["original register denied", default: 0] += 1
                return ([], [.originalRefused(address, reason: "original-protocol clients are not served (--original deny)")])
            }
            // Protected mode: an unvalidated register from elsewhere could point the stream at a
            // third party. Counted with the rejects (summarized, never a log line per datagram).
            guard configuration.originalAccepted(from: address) else {
                return reject(address, "original register from outside loopback, private ranges and --original-from")
            }
            let key = DatagramAddress(address)
            let current = subscriberAndSlot(at: key)
            if let (existing, _) = current, existing.delivery == .original {
                return ([], [.registered(existing, count: clientCount, repeated: true)])
            }
            guard current != nil || clientCount < configuration.maxClients else {
                rejects["original register: server full", default: 0] += 1
                return ([], [.originalRefused(address, reason: "server full (\(configuration.maxClients) clients)")])
            }
            // The original protocol cannot name a match: it follows the first live one.
            guard let slot = slot(for: RegisterRequest.anyMatch) else {
                rejects["original register: no live match", default: 0] += 1
                return ([], [.originalRefused(address, reason: "no live match")])
            }
            let subscriber = Subscriber(address: address, key: key, delivery: .original, lastHeard: now)
            subscribe(subscriber, slot: slot)
            return ([], [.registered(subscriber, count: clientCount, repeated: false)])
        case .unregister:
            guard let removed = unsubscribe(address) else { return reject(address, "unregister from an unknown address") }
            return ([], [.unregistered(address, removed.delivery, count: clientCount)])
        case .endOfTransmission, .datagram:
            // Spec §8's directions (OriginalPacket.direction) turned these away above.
            return reject(address, "server-to-client original datagram sent to the server")
        }
    }
}
