/// Told when the server's channel handler begins and ends a burst of datagrams read together
/// (one wake-up of the event loop, up to `recvmmsg`'s vector of them): whatever answering
/// them logs can be written once per burst (``LogFile/beginBatch()``).
public protocol ReadBursts: Sendable {
    /// A burst begins: its first datagram is about to be answered.
    func burstBegan()
    /// The burst's datagrams are answered and their replies sent.
    func burstEnded()
}
