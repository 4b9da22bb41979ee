import CDatagram
import ClientEngine
import ClientRuntime
import DatagramTransport
import GroupSigning
import Logging
import Match
import MatchStore
import NIOCore
import NIOPosix
import RelayRuntime
import RuntimeSupport
import ServerEngine
import Synchronization
import Wire

#if canImport(Glibc)
import Glibc
#endif

extension StreamServer {
    /// The ids of the matches announced so far, in slot order (what `client --list` lists).
    /// Brings the metrics that are read rather than counted (subscribers per match and format)
    /// up to date: a metrics endpoint calls it before each scrape.
    public func refreshMetrics() {
        core.refreshSubscriberMetrics()
    }

    public var matchIDs: [UInt32] { core.state.withLock { $0.matches.map(\.id) } }

    /// Counts `file`'s failed writes in the metrics (`soccerstream_log_write_failures_total`)
    /// and writes the lines a burst of datagrams logs (three per registration) at once, at the
    /// burst's end: one write instead of one per line.
    public func watch(logFile file: LogFile) {
        core.metrics.watch(logFile: file)
        core.batchLogLines(to: file)
    }

    /// Waits until the number of matches announced satisfies `condition` (a feed's match is
    /// announced when its line-ups arrive). Cancellable; no polling.
    public func waitForMatches(_ condition: @escaping @Sendable (Int) -> Bool) async {
        await core.signals.wait { condition($0.matches) }
    }

    /// Waits until the number of subscribed clients satisfies `condition` (no polling: each
    /// registration, unregistration and expiry wakes the waiter). Cancellable.
    public func waitForClients(_ condition: @escaping @Sendable (Int) -> Bool) async {
        await core.signals.wait { condition($0.clients) }
    }

    /// As ``waitForClients(_:)``, giving up at `deadline`: whether `condition` came to hold.
    public func waitForClients(_ condition: @escaping @Sendable (Int) -> Bool, deadline: ContinuousClock.Instant) async -> Bool {
        await core.signals.wait(until: { condition($0.clients) }, deadline: deadline)
    }

    /// Asks the server to stop: the current match ends at once with an end frame
    /// (reason: server shutdown) and ``run()`` returns. Safe from any thread or signal watcher.
    public func stop() {
        core.signals.update { $0.stopped = true }
        for client in upstreamClients.withLock({ Array($0.values) }) { client.stop(.terminated) }
    }

    /// Stopped by ``stop()``, or the task running ``run()`` was cancelled (which stops the same
    /// way: a cancelled wait returns at once, so the stream must not loop on it).
    package var stopping: Bool { core.signals.value.stopped || Task.isCancelled }

    /// Serves registrations and streams matches until the match ends (or, with `loop`, until
    /// ``stop()``), then closes the socket.
    public func run() async throws -> ServerSummary {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw StreamingError(.configuration, "run() may be called only once")
        }
        // The stream loop runs on the event loop's thread: one wake-up per due batch. A task
        // refers to its preferred executor unowned: it lives until the task has ended.
        let loop = EventLoopTaskExecutor(channel.eventLoop)
        defer { withExtendedLifetime(loop) {} }
        let outcome: Result<ServerSummary, any Error>
        do {
            // The revocation list is read again whenever its file changes (and on SIGHUP, by the caller).
            let revocationWatch = try configuration.tokenAdmission == nil ? nil : configuration.revocationFile.map(FileWatch.init)
            outcome = .success(
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if let revocationWatch { group.addTask { await self.watchRevocations(revocationWatch) } }
                    group.addTask { await self.performActions() }
                    for (index, follower) in self.feeds.enumerated() {
                        group.addTask { await self.read(feed: index, from: follower) }
                    }
                    for (index, follower) in self.followers.enumerated() {
                        group.addTask { await self.follow(upstream: index, with: follower) }
                    }
                    defer {
                        revocationWatch?.cancel()
                        for feed in self.feeds { feed.cancel() }
                        group.cancelAll()
                    }
                    return try await withTaskExecutorPreference(loop) { try await self.stream() }
                })
        } catch {
            outcome = .failure(error)
        }
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            // Closed under us (the event loop group shut down): nothing left to release.
        }
        await log?.close()
        dataLock?.release()
        var summary = try outcome.get()
        // Every datagram sent until the socket closed: answers after the stream ended included.
        summary.datagramsSent = sent.value
        return summary
    }

    /// Reads one feed's lines as they arrive and hands what they decode to the stream loop,
    /// until the feed's end line, its end of input, a bad line under `--on-bad-line stop`, or stop().
    package func read(feed index: Int, from follower: LineFollower) async {
        // A resumed feed match's decoder already holds its logged lines (the same match state).
        var decoder = plan.feeds[index]?.decoder ?? FeedDecoder(catalog: configuration.language.catalog)
        var pacing = FeedPacing(pace: configuration.replayPace)
        defer { core.deliver([ProducerItem(.fed(index), .closed)]) }
        for await item in follower.items {
            if case .failed(let why) = item {
                core.deliver([ProducerItem(.fed(index), .unreadable(why))])
                return
            }
            guard case .line(let bytes, let end) = item else { return }
            do {
                // Tried on a copy: a line the pacing refuses changes nothing, like any bad line.
                var next = decoder
                var output = try next.next(bytes)
                if case .event(let event, _) = output { output = .event(event, at: try pacing.due(output, line: next.lineNumber)) }
                decoder = next
                core.deliver(ProducerItem.decoded(output, feed: index, end: end))
                if case .end = output {
                    // Followed no further; lines already there after the end are still read, and
                    // refused with their numbers (Spec/FEED.md), not silently ignored.
                    follower.cancel()
                }
            } catch {
                // Tried on a copy: the line still counts, so that later lines keep their numbers.
                decoder.skipLine()
                let stop = configuration.onBadLine == .stop
                core.deliver([ProducerItem(.fed(index), .bad(error, stopping: stop))])
                if stop {
                    follower.cancel()
                    return
                }
            }
        }
    }

    /// Runs the housekeeping if it is due (``HousekeepingSchedule``, about once a second; the
    /// stream loop calls this on each of its wake-ups, and while it waits on a failing match log
    /// or through the repair grace): the rejects summary, the client timeouts, subscribers whose
    /// tokens expired cut off, and with upstreams on demand, those no one watches any more left.
    package func housekeepIfDue() {
        let now = ContinuousClock().now
        guard upkeep.withLock({ $0.claim(at: now) }) else { return }
        let cutOff = core.housekeeping()
        if !cutOff.isEmpty { send { cutOff } }
        if configuration.upstreamOnDemand { dropUnwatched() }
    }

    /// The latest the stream loop may sleep before the housekeeping needs a wake-up of its own.
    package var housekeepingDeadline: ContinuousClock.Instant { upkeep.withLock { $0.deadline } }
}

extension StreamServer {
    /// Takes the limits and rates of a reloaded configuration (SIGHUP) that may change while the
    /// server runs, after checking all of it as at startup; returns those that changed.
    public func reload(_ new: ServerConfiguration) throws(StreamingError) -> [LiveSetting] {
        try new.validate()
        return core.state.withLock { $0.applyLive(new) }
    }
}
