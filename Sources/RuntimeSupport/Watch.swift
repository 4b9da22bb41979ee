import NIOCore
import NIOPosix
import Synchronization
import Wire

/// A value that tasks wait on without polling: each waiter is resumed by the ``update(_:)``
/// that makes its condition true (or by its deadline, or by cancellation), and costs nothing
/// while it waits.
///
/// The server waits on one for "stop requested" and "N clients registered", the client for
/// "welcomed", "challenged" and "stop requested", the tests for the events they mean.
public final class Watch<Value: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var condition: @Sendable (Value) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var value: Value
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        /// Waiters cancelled before they were registered.
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    /// Creates a watch holding `value`.
    public init(_ value: Value) {
        state = Mutex(State(value: value))
    }

    /// The current value.
    public var value: Value { state.withLock { $0.value } }

    /// Changes the value and resumes every waiter whose condition now holds.
    public func update(_ change: (inout Value) -> Void) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLock { state in
            change(&state.value)
            // A plain loop: a closure collecting `ready` would box it on the heap at every update
            // (the server updates the client count at every registration).
            var ready: [CheckedContinuation<Bool, Never>] = []
            var index = 0
            while index < state.waiters.count {
                if state.waiters[index].condition(state.value) {
                    ready.append(state.waiters.remove(at: index).continuation)
                } else {
                    index += 1
                }
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Waits until `condition` holds for the value; returns false only if the task is cancelled first.
    @discardableResult
    public func wait(until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        await wait(id: nextID(), until: condition)
    }

    private func nextID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// ``wait(until:)`` as waiter `id`.
    private func wait(id: UInt64, until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if condition(state.value) { return true }
                    if state.cancelled.remove(id) != nil { return false }
                    state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            release(id)
        }
    }

    /// Waiter `id` is released with false: cancelled, or its deadline passed. If it is not
    /// waiting yet, it will not wait (unless its condition already holds).
    private func release(_ id: UInt64) {
        let continuation: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                return state.waiters.remove(at: index).continuation
            }
            state.cancelled.insert(id)
            return nil
        }
        continuation?.resume(returning: false)
    }

    /// Waits until `condition` holds or `deadline` passes, timed by `eventLoop`'s own timer: no
    /// task and no timer thread, so a task that runs on that loop (the server's stream loop,
    /// whose executor preference is the loop) is woken once, on the loop, whichever comes
    /// first. True when the condition holds.
    @discardableResult
    public func wait(
        until condition: @escaping @Sendable (Value) -> Bool, deadline: NIODeadline, timer eventLoop: any EventLoop
    ) async -> Bool {
        if condition(value) { return true }
        if deadline <= .now() || Task.isCancelled { return false }
        let id = nextID()
        let timer = eventLoop.scheduleTask(deadline: deadline) { self.release(id) }
        let held = await wait(id: id, until: condition)
        timer.cancel()
        // A deadline that passed as the condition came true marked the id: forget it.
        state.withLock { _ = $0.cancelled.remove(id) }
        return held || condition(value)
    }

    /// Waits until `condition` holds or `deadline` passes, whichever is first; true when the
    /// condition holds. A deadline already past only checks the condition (no task, no timer).
    /// The deadline is a timer of one of NIO's event loops (``wait(until:deadline:timer:)``),
    /// not a sleeping task: `Task.sleep` would start a libdispatch worker for its timer, and
    /// with it libdispatch's once-a-second pool monitor, in a process whose tasks otherwise
    /// run on the event loops (`server`, `relay`).
    @discardableResult
    public func wait(until condition: @escaping @Sendable (Value) -> Bool, deadline: ContinuousClock.Instant) async -> Bool {
        let left = deadline - .now
        guard left > .zero else { return condition(value) }
        return await wait(until: condition, deadline: NIODeadline.now() + TimeAmount(left), timer: MultiThreadedEventLoopGroup.singleton.any())
    }
}
