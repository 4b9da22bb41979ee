import Capture
import ClientEngine
import GroupSigning
import Match
import NIOCore
import RuntimeSupport
import ServerEngine
import TerminalUI
import Wire

/// How a ``StreamClient`` connects.
public struct ClientConfiguration: Sendable {
    /// The server's host name or address.
    public var server: String = "127.0.0.1"
    /// The server's UDP port.
    public var port: Int = 12345
    /// The preferred body format.
    public var format: BodyFormat = .compact
    /// Also accept the other format when the preferred one is not offered.
    public var allowFallback: Bool = true
    /// The preset compression dictionaries to offer in the register, best first.
    public var dictionaries: [CompressionDictionary] = [.standard]
    /// Speak the original protocol (to an original server).
    public var original: Bool = false
    /// The original server's interval in seconds, for jitter (it does not announce it).
    public var originalInterval: Double?
    /// How many register attempts before giving up.
    public var registerAttempts: Int = 6
    /// The wait after the first attempt; it doubles after each (at most 2 s, 8 s for original).
    public var initialBackoff: Duration = .milliseconds(250)

    /// After the welcome, give up when nothing has come from the server for this long
    /// (at least three event intervals).
    public var serverTimeout: Duration = .seconds(15)
    /// How long a client whose server fell silent keeps registering again before it gives up
    /// (`--reconnect-for`; the command's default is 2 minutes); zero: it gives up at once.
    public var reconnectFor: Duration = .zero
    /// Ask the server again for missing events (Spec §4.8); `client --no-repair` turns it off.
    public var repairs: Bool = true
    /// The match to follow (a match id from `client --list`), or ``RegisterRequest/anyMatch``
    /// for the first live one (Spec §4.9).
    public var match: UInt32 = RegisterRequest.anyMatch
    /// What the register says this client understands (Spec §4.1): real matches in the extended
    /// layout (§4.13) unless told to register as a base-layout client (`client --base-layout`).
    public var features: RegisterFeatures = .realMatches
    /// The subscriber token presented in every register (`--token`, Spec/TOKENS.md); empty: none.
    public var subscriberToken: [UInt8] = []
    /// Whether to ask for a sealed subscription (`--encrypt`, Spec/ENCRYPTION.md): preferred
    /// (the default) offers a key share and takes what the server gives; required stops on a
    /// welcome in clear; off offers none.
    public var encryption: EncryptionPolicy = .preferred
    /// Append the subscription key, once agreed, to this file (`--export-key`), for `validate --key`.
    public var exportKeyPath: String?
    /// Write every datagram received to this classic pcap file (raw IP link type).
    public var capturePath: String?
    /// Hand every event, in sequence order, to ``StreamClient/relayed`` (a relay's upstream).
    public var relaying: Bool = false
    /// Keep this client's progress in this file (``ClientProgress``), after each event logged.
    public var progressPath: String?
    /// Continue from an earlier run's progress: follow its match and ask for every event after
    /// the last one it logged.
    public var resume: ClientProgress?

    /// Whether to take events from the multicast group a welcome offers (Spec §4.11).
    public var multicast: MulticastMode = .auto
    /// The group key to trust (`--server-key`): a welcome offering another is not followed to its group.
    public var serverKey: GroupPublicKey?
    /// The interface (name or IPv4 address) to join the group on; nil: the route's.
    public var multicastInterface: String?

    /// How a client takes events when its server offers a multicast group.
    public enum MulticastMode: String, Sendable, Hashable, CaseIterable {
        /// Join when the welcome offers a group, then ask the server to stop sending events to
        /// the client's address (the default).
        case auto
        /// Ask for group delivery in the first register already: no event is ever sent to the
        /// client's address, unless the server offers no group or joining fails (`--multicast`).
        case group
        /// Never join: every event at the client's address (`--no-multicast`).
        case off
    }

    /// Creates the default configuration.
    public init() {}

    /// Checks every setting (every entry point gets the same checks and messages);
    /// ``StreamClient/connect(configuration:logger:display:group:)`` calls it.
    ///
    /// - Throws: ``StreamingError`` with code `configuration`, naming the setting (and its
    ///   command-line option), the value found and what is expected.
    public func validate() throws(StreamingError) {
        func check(_ ok: Bool, _ setting: String, _ found: String, _ expected: String) throws(StreamingError) {
            guard ok else { throw StreamingError(.configuration, "\(setting): \(found); expected \(expected)") }
        }
        try check(!server.isEmpty, "server (--server)", "an empty name", "a host name or address")
        try check((1...65535).contains(port), "port (--port)", "\(port)", "1...65535")
        try check(format != .none, "format (--format)", format.name, "compact or json")
        try check((1...100).contains(registerAttempts), "register attempts (--register-attempts)", "\(registerAttempts)", "1...100")
        try check(
            initialBackoff > .zero && initialBackoff <= .seconds(60), "initial backoff", "\(initialBackoff.inSeconds) s",
            "more than 0 and at most 60 seconds")
        try check(
            serverTimeout > .zero && serverTimeout <= .seconds(3600), "server timeout (--server-timeout)", "\(serverTimeout.inSeconds) s",
            "more than 0 and at most 3600 seconds")
        try check(
            reconnectFor >= .zero && reconnectFor <= .seconds(86_400), "reconnect time (--reconnect-for)", "\(reconnectFor.inSeconds) s",
            "0 to 86400 seconds")
        if let originalInterval {
            try check(
                originalInterval.isFinite && originalInterval > 0 && originalInterval <= 3600, "original server's interval (--original-interval)",
                "\(originalInterval) s", "more than 0 and at most 3600 seconds")
        }
    }

    /// The server's address, resolved.
    ///
    /// - Throws: ``StreamingError`` with code `socket` when the name does not resolve.
    public func resolvedServer() throws(StreamingError) -> SocketAddress {
        do {
            return try SocketAddress.makeAddressResolvingHost(server, port: port)
        } catch {
            throw StreamingError(.socket, "cannot resolve server \(server):\(port): \(error)")
        }
    }

    /// The formats the register frame lists, best first.
    public var acceptedFormats: [BodyFormat] {
        guard allowFallback else { return [format] }
        return [format] + [BodyFormat.compact, .json].filter { $0 != format }
    }
}
