import Capture
import ClientEngine
import GroupSigning
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamClient {
    /// Events repaired in a row, with no group event between them, after which a group
    /// receiver concludes that the group does not reach it and goes back to unicast.
    public static let groupFallbackRepairs = 10

    /// After a welcome that offers a multicast group (Spec §4.11): joins it, on a socket of its
    /// own bound to the group's port, then registers again asking for group delivery, so that
    /// the server stops sending events to this client's address. A later welcome offering
    /// another group (a server restarted with another `--multicast`) is followed there. When
    /// joining fails, the client stays on (or goes back to) unicast for the rest of the run and
    /// says why; and so it does when the group stops reaching it (``groupFallbackRepairs``
    /// events in a row came only as repairs).
    package func joinGroupIfOffered() async throws {
        guard configuration.multicast != .off, !configuration.original, !groupGivenUp.load(ordering: .relaxed) else { return }
        if delivery.withLock({ $0 }) == .group, session.withLock({ $0.group.repairedInARow }) >= Self.groupFallbackRepairs {
            logger.warning(
                "The last \(Self.groupFallbackRepairs) events came only as repairs, none from the multicast group: it does not reach this client; events at this address again."
            )
            groupGivenUp.store(true, ordering: .relaxed)
            try await switchDelivery(to: .unicast)
            try await leaveGroup()
            return
        }
        let (offer, refused) = session.withLock { ($0.groupOffer, $0.refusedKey) }
        if let refused, !keyRefusalReported.exchange(true, ordering: .relaxed) {
            logger.warning(
                "The welcome offers a multicast group signed with key \(refused.hex), not the pinned --server-key \(configuration.serverKey?.hex ?? "?"): not joining it; events stay unicast."
            )
            if delivery.withLock({ $0 }) == .group { try await switchDelivery(to: .unicast) }
        }
        guard let offer else { return }
        let current = joinedOffer.withLock { $0 }
        if let current {
            guard current.address != offer.address || current.port != offer.port else { return }
            logger.info("The server now offers multicast group \(offer.groupDescription) (it was \(current.groupDescription)): joining it.")
            try await leaveGroup()
        }
        do {
            let joined = try await join(offer)
            groupChannel.withLock { $0 = joined }
            joinedOffer.withLock { $0 = offer }
            logger.info(
                "Joined multicast group \(offer.groupDescription); events come from there, signed with key \(session.withLock { $0.groupKey?.hex ?? "?" })."
            )
            try await switchDelivery(to: .group)
        } catch {
            groupGivenUp.store(true, ordering: .relaxed)
            logger.warning("Cannot join multicast group \(offer.groupDescription): \(error); events stay unicast.")
            if delivery.withLock({ $0 }) == .group { try await switchDelivery(to: .unicast) }
        }
    }

    /// Closes the group's socket, if one is open (the kernel leaves the group with it); closed
    /// already (left before, or the event loop group shut down), nothing is left to release.
    package func leaveGroup() async throws {
        joinedOffer.withLock { $0 = nil }
        guard let joined = groupChannel.withLock({ $0 }) else { return }
        do {
            try await joined.close()
        } catch ChannelError.alreadyClosed {
            // Closed already: nothing to release.
        }
    }

    /// Registers again (the same subscription: a repeat, Spec §7.2) asking for `wanted` delivery.
    func switchDelivery(to wanted: RegisterRequest.Delivery) async throws {
        delivery.withLock { $0 = wanted }
        try await sendRegister()
        logger.info("Sent register asking for \(wanted == .group ? "events from the multicast group" : "events at this address").")
    }

    /// A socket bound to the group's port (address reuse on, so that other receivers on this
    /// machine can bind it too; only the groups it joined delivered to it, IP_MULTICAST_ALL
    /// off), joined to the group on the configured interface.
    func join(_ offer: MulticastOffer) async throws -> any Channel {
        guard offer.address.count == 4 else {
            throw StreamingError(.configuration, "IPv6 multicast groups are not supported by this client")
        }
        let group = try SocketAddress(packedIPAddress: ByteBuffer(bytes: offer.address), port: Int(offer.port))
        let continuation = inboundContinuation
        let channel = try await DatagramBootstrap(group: channel.eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: DatagramSocket.receiveBufferSize))
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(DatagramSocket.clientKernelBuffer))
            .channelOption(.receivePacketInfo, value: configuration.capturePath != nil)
            // IP_MULTICAST_ALL (49): off, or a socket bound to the wildcard address gets every group joined on the machine.
            .channelOption(ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_IP), name: 49), value: 0)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundForwarder(continuation: continuation, fromGroup: true))
                }
            }
            .bind(host: "0.0.0.0", port: Int(offer.port)).get()
        do {
            guard let multicast = channel as? MulticastChannel else {
                throw StreamingError(.socket, "the group's socket cannot join groups")
            }
            try await multicast.joinGroup(group, device: try device()).get()
        } catch {
            try? await channel.close()
            throw error
        }
        return channel
    }

    /// The interface `--multicast-interface` names (by name or IPv4 address), or nil for the route's.
    func device() throws -> NIONetworkDevice? {
        guard let wanted = configuration.multicastInterface else { return nil }
        let devices = try System.enumerateDevices()
        guard
            let found = devices.first(where: { $0.name == wanted && $0.address?.protocol == .inet })
                ?? devices.first(where: { $0.address?.ipAddress == wanted })
        else {
            throw StreamingError(.configuration, "multicast interface (--multicast-interface) \"\(wanted)\": no such IPv4 interface or address here")
        }
        return found
    }
}
