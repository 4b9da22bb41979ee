import Foundation
import Streaming
import TestSupport
import Testing
import Wire

/// `server` and `relay` processes run every task on NIO's event loops (docs/ARCHITECTURE.md):
/// no libdispatch worker starts in them, and so no once-a-second pool monitor wakes them.
@Suite("server and relay processes run their tasks on NIO's event loops", .serialized)
struct EventLoopExecutorTests {
    /// The names of process `pid`'s threads (`/proc/PID/task/*/comm`).
    static func threadNames(_ pid: Int32) throws -> [String] {
        let tasks = "/proc/\(pid)/task"
        return try FileManager.default.contentsOfDirectory(atPath: tasks).map { task in
            try String(contentsOfFile: "\(tasks)/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// A libdispatch worker of a global queue: libdispatch names its threads after their queue,
    /// `com.apple.root.default-qos` and the like, the kernel keeping the last 15 bytes. Its
    /// overcommit threads (`….overcommit`, the signal handlers' queue) start no monitor.
    static func isDispatchWorker(_ name: String) -> Bool {
        name.hasSuffix("-qos")
    }

    @Test(
        "a server and a relay streaming to a client of the relay (the relay's upstream follower waiting with deadlines) start no libdispatch worker thread, while their event loops run"
    )
    func noDispatchWorkers() async throws {
        try await bounded(90) {
            let directory = temporaryDirectoryPath("soccer-executor")
            defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let (originPort, relayPort) = (try RestartTests.freePort(), try RestartTests.freePort())
            // 100 matches back to back as one stream: still streaming whenever the relay's client
            // comes, however busy the machine (the test stops both processes itself).
            let origin = try RestartTests.startServer(
                port: originPort, directory: directory + "/origin-data", log: directory + "/origin.log", interval: 0.05,
                extra: ["--matches", "100"])
            let relayLog = directory + "/relay.log"
            #expect(FileManager.default.createFile(atPath: relayLog, contents: nil))
            let relay = try RelayTests.startRelay(upstream: originPort, port: relayPort, directory: directory, name: "relay")
            try await RestartTests.waitForLine(containing: "Relaying match", in: relayLog)
            let (client, _) = try await RelayTests.client(port: relayPort, format: .compact)
            async let result = client.run()
            #expect(await client.waitUntilReceived(10))
            for (name, process) in [("server", origin), ("relay", relay)] {
                let threads = try Self.threadNames(process.processIdentifier)
                #expect(threads.contains { $0.hasPrefix("NIO-SGLTN") }, "\(name)'s threads: \(threads)")
                #expect(!threads.contains(where: Self.isDispatchWorker), "\(name)'s threads: \(threads)")
            }
            client.stop()
            _ = try await result
            await relay.kill()
            await origin.kill()
        }
    }

    @Test("the test's own recognition of a libdispatch worker's name")
    func workerNames() {
        #expect(Self.isDispatchWorker("oot.default-qos"))
        #expect(Self.isDispatchWorker("user-initiated-qos"))
        #expect(!Self.isDispatchWorker("-qos.overcommit"))
        #expect(!Self.isDispatchWorker("NIO-SGLTN-1-#0"))
    }
}
