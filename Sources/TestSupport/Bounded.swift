/// A test's operation that did not finish in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "operation did not finish within \(seconds) s" }
}

/// Runs `operation`, failing with ``TimedOut`` after `seconds`: no test can hang. (Shared by
/// the test targets: a library target, since test targets cannot import one another.)
public func bounded<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(seconds: seconds) }
        return value
    }
}
