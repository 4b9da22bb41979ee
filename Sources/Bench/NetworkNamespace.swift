import CBenchSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A network namespace of our own (`ip netns add`), for multicast on one machine: loopback up
/// with multicast on and a route for 224.0.0.0/4 by it (source 127.0.0.1), as
/// `../shared/reference/repair-integrity-multicast.md` §7 says. Nothing outside it is touched;
/// ``remove()`` deletes it (the deinit does too, for a run that failed). Needs root and
/// iproute2's `ip`. The multicast benchmark and the multicast tests use it.
public final class NetworkNamespace: Sendable {
    /// Its name (`/var/run/netns/NAME`).
    public let name: String

    /// Where `ip` is, if anywhere.
    public static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Root, `ip`, and a kernel that lets this process make a namespace (tried once).
    public static let available: Bool = {
        guard geteuid() == 0, ip != nil else { return false }
        do {
            try NetworkNamespace().remove()
            return true
        } catch {
            return false
        }
    }()

    /// Set (SOCCERSTREAM_REQUIRE_NETNS=1, as `.ci/run` does as root): the tests that need a
    /// namespace fail without one instead of skipping.
    public static let required = ProcessInfo.processInfo.environment["SOCCERSTREAM_REQUIRE_NETNS"] == "1"

    private static let counter = Atomic<Int>(0)

    /// Makes and sets up a fresh namespace.
    ///
    /// - Throws: ``BenchError`` naming the `ip` command that failed (not root, no `ip`, ...).
    public init() throws {
        name = "soccer-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).oldValue)"
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
    public func remove() {
        guard let ip = Self.ip else { return }
        _ = try? ChildProcess(ip, ["netns", "del", name]).wait(timeout: 30)  // already deleted: nothing to do
    }

    /// Runs `ip` with `arguments` and waits for it.
    ///
    /// - Throws: ``BenchError`` when there is no `ip` or it fails.
    static func run(_ arguments: [String]) throws {
        guard let ip else { throw BenchError("no ip(8) (iproute2) to make a network namespace with") }
        let status = try ChildProcess(ip, arguments).wait(timeout: 30).status
        guard status == 0 else { throw BenchError("ip \(arguments.joined(separator: " ")) failed (status \(status); root needed)") }
    }

    /// Gives the namespace's `device` (loopback by default) the address `cidr` as well (such as
    /// `203.0.113.5/32`): a socket bound there sends from it, and datagrams to it stay inside.
    ///
    /// - Throws: ``BenchError`` when `ip` fails.
    public func addAddress(_ cidr: String, device: String = "lo") throws {
        try Self.run(["-n", name, "addr", "add", cidr, "dev", device])
    }

    /// The arguments that run `command` inside the namespace, for a process started with `ip`.
    public func exec(_ command: [String]) -> [String] { ["netns", "exec", name] + command }

    /// Runs `body` on a thread of its own that has entered the namespace (`setns`): the sockets
    /// it makes and the processes it spawns belong to the namespace. Returns what `body`
    /// returns, without blocking a task's thread.
    public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(name)"
        return try await LoadGenerator.onOwnThread {
            guard bench_enter_netns(path) == 0 else {
                throw BenchError("cannot enter the namespace \(path): \(String(cString: strerror(errno)))")
            }
            return try body()
        }
    }
}
