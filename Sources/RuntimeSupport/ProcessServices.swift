import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// A signal as the process gets it (SIGINT, SIGTERM, SIGHUP), through swift-service-lifecycle's
/// `UnixSignalsSequence` instead of its default action, for a command to act on.
public enum ProcessSignal: Sendable, Hashable {
    /// SIGINT (Ctrl+C).
    case interrupt
    /// SIGTERM.
    case terminate
    /// SIGHUP: the terminal or SSH session closed, or an operator's "reload".
    case hangUp

    package init?(_ signal: UnixSignal) {
        switch signal {
        case .sigint: self = .interrupt
        case .sigterm: self = .terminate
        case .sighup: self = .hangUp
        default: return nil
        }
    }

    /// Ignores SIGHUP until a ``SignalService`` traps it. A server binds, opens its match log
    /// and its feeds before its signals are watched; a SIGHUP then (a terminal that closes, an
    /// operator's early reload) would otherwise end it by its default action, before it has a
    /// log to reopen or a configuration to reload.
    public static func ignoreHangUpsUntilTrapped() {
        signal(SIGHUP, SIG_IGN)
    }
}

/// The signals a command watches, as a `Service` of its `ServiceGroup`: each SIGINT, SIGTERM and
/// SIGHUP goes to `handle`, in order, until the group shuts down gracefully (its main service
/// ended). It replaces the hand-made signal watcher (Dispatch sources and start/stop calls).
public struct SignalService: Service {
    package let handle: @Sendable (ProcessSignal) async -> Void
    /// Trapping from its creation: a signal that comes before ``run()`` waits in it.
    package let signals: UnixSignalsSequence

    /// A service handing SIGINT, SIGTERM and SIGHUP to `handle`. The signals are trapped from
    /// here on (no longer their default action, which would end the process), before any work
    /// starts: a SIGHUP during start-up waits for the service instead of killing the process.
    public init(handle: @escaping @Sendable (ProcessSignal) async -> Void) async {
        self.handle = handle
        self.signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
    }

    public func run() async throws {
        for await signal in signals.cancelOnGracefulShutdown() {
            if let signal = ProcessSignal(signal) { await handle(signal) }
        }
    }
}

/// Runs `work` (a command's main job) as the main service of a `ServiceGroup` beside a
/// ``SignalService`` handing signals to `handle`: when the work ends, the group shuts down
/// gracefully (the signals stop being watched), and its result is returned. The one way the
/// commands run (server, relay, client, demo, impairment proxy).
///
/// `services` (a metrics endpoint) run beside it in the same group; one that fails cancels the
/// group, work included.
///
/// - Throws: what `work` throws, or what a failed service threw.
public func runWithSignals<T: Sendable>(
    logger: Logger, handle: @escaping @Sendable (ProcessSignal) async -> Void, services: [any Service] = [],
    _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let main = WorkService(work)
    let signals = await SignalService(handle: handle)
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [
                .init(service: main, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: signals),
            ] + services.map { .init(service: $0, failureTerminationBehavior: .cancelGroup) },
            logger: logger))
    try await group.run()
    return try main.result()
}

/// A command's work as a `Service`, its result kept for ``runWithSignals(logger:handle:services:_:)``.
package final class WorkService<T: Sendable>: Service, Sendable {
    private let work: @Sendable () async throws -> T
    private let outcome = Mutex<Result<T, any Error>?>(nil)

    package init(_ work: @escaping @Sendable () async throws -> T) {
        self.work = work
    }

    package func run() async throws {
        let result: Result<T, any Error>
        do {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
    }

    /// What the work returned or threw (a group that never ran it: cancelled).
    package func result() throws -> T {
        guard let outcome = outcome.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}
