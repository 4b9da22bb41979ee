import NIOCore

/// A NIO event loop as a task executor: a task that prefers it (`withTaskExecutorPreference`)
/// runs its nonisolated code on the loop's thread instead of Swift's global pool.
///
/// The server's stream loop runs so (``StreamServer/run()``): a due batch is taken, logged,
/// published, fanned out and sent on the thread that sends, woken once by the loop's own timer
/// (``Watch/wait(until:deadline:timer:)``), and a resumed wait or future comes back to the loop
/// without passing through the pool. On the pool, each event cost a dozen thread wake-ups (the
/// sleep's timer thread, a pool thread, the event loop and back), most of its CPU.
package final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    /// The executor running jobs on `eventLoop`.
    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
