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

/// Hands the client's datagrams to its receive task, in order, as the socket delivers them.
package final class InboundForwarder: ChannelInboundHandler, Sendable {
    package typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let continuation: AsyncStream<StreamClient.Inbound>.Continuation

    private let fromGroup: Bool

    package init(continuation: AsyncStream<StreamClient.Inbound>.Continuation, fromGroup: Bool) {
        self.continuation = continuation
        self.fromGroup = fromGroup
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(StreamClient.Inbound(envelope: Self.unwrapInboundIn(data), fromGroup: fromGroup))
    }

    package func channelInactive(context: ChannelHandlerContext) {
        // The group's socket closing ends nothing: the client's own socket carries the subscription.
        if !fromGroup { continuation.finish() }
        context.fireChannelInactive()
    }
}
