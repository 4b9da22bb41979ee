import GroupSigning
import Hummingbird
import NIOCore
import Wire

/// A request's context with the client's address, by which event streams are capped.
public struct WebRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The subscriber token that admitted the request (`web --require-token`), set by the
    /// token gate: an event stream ends when it stops standing.
    public var token: SubscriberToken?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address (its port left out: one browser opens many connections).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
