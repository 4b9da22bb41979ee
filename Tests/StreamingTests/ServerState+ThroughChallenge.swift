import NIOCore
import Streaming
import Testing
import Wire

extension ServerState {
    /// Registers from `address` through the address challenge (Spec §7.1): handles
    /// `register(nil)`'s frame, takes the token of the challenge that answers it, handles
    /// `register(token)`'s frame and returns that answer. A first answer that is not a challenge
    /// is recorded as an issue, and nothing is answered.
    ///
    /// - Parameter register: the register's frame bytes, with the address token given (empty
    ///   for the first).
    mutating func registerThroughChallenge(
        from address: SocketAddress, _ register: ([UInt8]) throws -> [UInt8]
    ) throws -> (replies: [Reply], notices: [Notice]) {
        let (challengeReplies, _) = handle(try register([]), from: address)
        let challengeBytes = Array(try #require(challengeReplies.first).payload.readableBytesView)
        guard case .challenge(let challenge) = try Frame.decode(challengeBytes).body else {
            Issue.record("expected a challenge")
            return ([], [])
        }
        return handle(try register(challenge.token), from: address)
    }
}
