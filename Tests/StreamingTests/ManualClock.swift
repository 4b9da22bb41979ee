import Streaming
import Synchronization

/// A clock the test moves by hand: protocol logic is tested at any time without waiting.
final class ManualClock: ProtocolClock {
    private let seconds: Mutex<Double>

    init(_ start: Double = 1000) {
        seconds = Mutex(start)
    }

    func now() -> Double { seconds.withLock { $0 } }

    func advance(by delta: Double) {
        seconds.withLock { $0 += delta }
    }
}
