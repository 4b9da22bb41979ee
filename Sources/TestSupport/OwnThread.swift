import Foundation

/// Runs `body`, which blocks on something outside the process (a program's output and exit), on
/// a thread of its own, and returns what it returned: the wait holds none of the cooperative
/// pool's threads, which the loopback tests' clients and timers need (``CPUBoundLane`` says
/// why). For work that computes rather than waits, use the lane. (The benchmarks' own,
/// `LoadGenerator.onOwnThread`, is in a library the tests of the decoders do not link.)
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "test: waiting on a program"
        thread.start()
    }
}
