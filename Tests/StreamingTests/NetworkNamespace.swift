#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// setns(2) from the C library: Glibc's Swift module leaves it out (it needs _GNU_SOURCE).
@_silgen_name("setns") private func setNamespace(_ descriptor: CInt, _ type: CInt) -> CInt
/// CLONE_NEWNET from <sched.h>: the network namespace.
private let cloneNewNet: CInt = 0x4000_0000

/// A network namespace of a test's own (`ip netns add`), for multicast: loopback up with
/// multicast on and a route for 224.0.0.0/4 by it (source 127.0.0.1), as
/// `../shared/reference/repair-integrity-multicast.md` §7 says. Nothing outside it is touched;
/// ``remove()`` deletes it (the deinit does too, for a test that failed).
final class NetworkNamespace: Sendable {
    /// Its name (`/var/run/netns/NAME`).
    let name: String

    /// Where `ip` is.
    static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Root, `ip`, and a kernel that lets this process make a namespace (tried once).
    static let available: Bool = {
        guard getuid() == 0, ip != nil else { return false }
        do {
            let probe = try NetworkNamespace()
            probe.remove()
            return true
        } catch {
            return false
        }
    }()

    /// Set (SOCCERSTREAM_REQUIRE_NETNS=1, as `.ci/run` does as root): the tests that need a
    /// namespace fail without one instead of skipping.
    static let required = ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_NETNS"] == "1"

    private static let counter = Atomic<Int>(0)

    /// Makes and sets up a fresh namespace.
    init() throws {
        name = "ss-test-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).oldValue)"
        try Self.run(["netns", "add", name])
        do {
            try Self.run(["-n", name, "link", "set", "lo", "up"])
            try Self.run(["-n", name, "link", "set", "lo", "multicast", "on"])
            try Self.run(["-n", name, "route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1"])
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Deletes the namespace (again: harmless).
    func remove() {
        _ = try? Self.run(["netns", "del", name], quiet: true)   // already deleted: nothing to do
    }

    /// Runs `ip` with `arguments` and waits for it.
    @discardableResult
    static func run(_ arguments: [String], quiet: Bool = false) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip ?? "/usr/sbin/ip")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard quiet || process.terminationStatus == 0 else {
            throw NamespaceError(message: "ip \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return process.terminationStatus
    }

    /// The arguments that run `command` inside the namespace, for a process started with `ip`.
    func exec(_ command: [String]) -> [String] { ["netns", "exec", name] + command }

    /// Runs `body` on a thread of its own that has entered the namespace (`setns`): sockets it
    /// makes belong to the namespace. Returns what `body` returns, without blocking a task's thread.
    func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(name)"
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    continuation.resume(throwing: NamespaceError(message: "cannot open \(path): errno \(errno)"))
                    return
                }
                defer { close(descriptor) }
                guard setNamespace(descriptor, cloneNewNet) == 0 else {
                    continuation.resume(throwing: NamespaceError(message: "setns into \(path) failed: errno \(errno)"))
                    return
                }
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }

    struct NamespaceError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
