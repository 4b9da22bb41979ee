import Dispatch
import Testing

/// Where the tests' long CPU-bound bodies (fuzzing, every truncation, thousands of simulated
/// matches) run: one serial queue, off Swift concurrency's cooperative pool.
///
/// The pool has one thread per core, two on the CI machine. A synchronous body that computes
/// for seconds holds one of them, and two such bodies hold both: the loopback tests' clients,
/// timers and continuations then wait behind them, for 25–45 s in a full suite, and time out.
/// Bodies on the lane leave the pool free, and one at a time they take at most one core's share
/// beside the servers and clients under test.
///
/// A body on the lane runs outside its test's task, where `#expect` cannot tell which test it
/// belongs to: it notes what it finds in a ``Findings`` and returns it, and the test reports it
/// back on its own task.
public enum CPUBoundLane {
    private static let queue = DispatchQueue(label: "soccerstream.tests.cpu-bound")

    /// Runs `body` on the lane, after the bodies queued before it, and returns what it returned.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the lane with a fresh ``Findings``, then records each of them as an issue
    /// of the calling test, at the line that found it, and rethrows what `body` threw (after
    /// reporting what it had found by then).
    public static func check(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable (inout Findings) throws -> Void
    ) async throws {
        let (findings, thrown) = try await run { () -> (Findings, (any Error)?) in
            var findings = Findings()
            do {
                try body(&findings)
                return (findings, nil)
            } catch {
                return (findings, error)
            }
        }
        findings.report(at: sourceLocation)
        if let thrown { throw thrown }
    }
}

/// What a body on the ``CPUBoundLane`` found wrong, each with the line that found it.
public struct Findings: Sendable {
    /// One thing found wrong.
    public struct Finding: Sendable {
        /// What was wrong.
        public var message: String
        /// Where the check was.
        public var location: SourceLocation
    }

    /// At most this many are kept (a broken decoder would otherwise fail thousands of times);
    /// ``dropped`` counts the rest.
    public static let kept = 50

    /// What was found, in order, up to ``kept``.
    public private(set) var found: [Finding] = []
    /// How many more were found than kept.
    public private(set) var dropped = 0

    /// Nothing found yet.
    public init() {}

    /// Notes `message` unless `condition` holds.
    public mutating func expect(
        _ condition: Bool, _ message: @autoclosure () -> String = "expectation failed", fileID: String = #fileID,
        filePath: String = #filePath, line: Int = #line, column: Int = #column
    ) {
        guard !condition else { return }
        record(message(), location: SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column))
    }

    /// Notes `message`.
    public mutating func record(
        _ message: String, fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column
    ) {
        record(message, location: SourceLocation(fileID: fileID, filePath: filePath, line: line, column: column))
    }

    private mutating func record(_ message: String, location: SourceLocation) {
        guard found.count < Self.kept else {
            dropped += 1
            return
        }
        found.append(Finding(message: message, location: location))
    }

    /// Records each finding as an issue of the test running on the calling task, and how many
    /// more were found than kept at `sourceLocation` (where the body was run).
    public func report(at sourceLocation: SourceLocation = #_sourceLocation) {
        for finding in found {
            Issue.record(Comment(rawValue: finding.message), sourceLocation: finding.location)
        }
        if dropped > 0 {
            Issue.record(Comment(rawValue: "\(dropped) more findings not shown"), sourceLocation: sourceLocation)
        }
    }
}
