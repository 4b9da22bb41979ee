import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Where the protocol logic (``ServerState``, ``ClientSession``, ``RegistrationLimiter``)
/// reads the time: monotonic seconds from an arbitrary origin. (``AddressValidator`` takes the
/// reading ``ServerState`` made for the datagram it handles.)
///
/// The one clock of the streaming layer: the server and client use ``SystemClock``; tests
/// inject a clock they advance by hand, so registration, rate limits, token expiry and
/// timeouts are tested without waiting.
public protocol ProtocolClock: Sendable {
    /// Seconds since this clock's origin; never goes backwards.
    func now() -> Double
    /// The wall clock's Unix seconds, as tokens are timed (Spec/TOKENS.md). The system's by
    /// default; a test's clock may say otherwise.
    func unixSeconds() -> UInt32
}

extension ProtocolClock {
    public func unixSeconds() -> UInt32 { UInt32(clamping: time(nil)) }
}

/// The machine's monotonic clock (`ContinuousClock`), in seconds since the clock was made.
public struct SystemClock: ProtocolClock {
    private let origin: ContinuousClock.Instant

    /// A clock whose origin is now.
    public init() {
        origin = .now
    }

    public func now() -> Double {
        origin.duration(to: .now).inSeconds
    }

    /// The instant `seconds` after this clock's origin, for waiting until it.
    public func instant(at seconds: Double) -> ContinuousClock.Instant {
        origin.advanced(by: .seconds(seconds))
    }
}
