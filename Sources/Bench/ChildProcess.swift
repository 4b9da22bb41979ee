import CBenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, whose CPU time and peak memory are read when it ends.
struct ChildProcess {
    let pid: pid_t

    /// CPU seconds (user + system) the running process has used so far, from `/proc/PID/stat`.
    func cpuSecondsSoFar() throws -> Double {
        let split = try cpuSplitSoFar()
        return split.user + split.system
    }

    /// CPU seconds the running process has used so far in user space and in the kernel.
    func cpuSplitSoFar() throws -> (user: Double, system: Double) {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { throw BenchError("cannot read /proc/\(pid)/stat") }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 4096)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { throw BenchError("empty /proc/\(pid)/stat") }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (which may hold spaces) start after its closing parenthesis.
        guard let close = line.lastIndex(of: ")") else { throw BenchError("malformed /proc/\(pid)/stat") }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the whole line: 12th and 13th after the name.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchError("malformed /proc/\(pid)/stat: \(line.prefix(80))")
        }
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user / tick, system / tick)
    }

    /// CPU seconds the running process has used so far, to the nanosecond (its process CPU
    /// clock, `clock_getcpuclockid`: every thread, those that have exited included), for
    /// windows too short for the 10 ms ticks of ``cpuSplitSoFar()``.
    func cpuClockSecondsSoFar() throws -> Double {
        var clock = clockid_t()
        let found = clock_getcpuclockid(pid, &clock)
        guard found == 0 else { throw BenchError("cannot read process \(pid)'s CPU clock: \(String(cString: strerror(found)))") }
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else {
            throw BenchError("cannot read process \(pid)'s CPU clock: \(String(cString: strerror(errno)))")
        }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Asks the process to end (SIGTERM).
    func terminate() {
        kill(pid, SIGTERM)
    }

    /// Runs `body`; if it throws, first ends every one of `processes` (SIGTERM, then at most 5 s
    /// each before SIGKILL), so that a benchmark that fails leaves no server waiting for clients.
    static func stoppedOnFailure<T>(_ processes: [ChildProcess], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            for process in processes { process.terminate() }
            for process in processes { _ = process.wait(timeout: 5) }
            throw error
        }
    }

    /// How it ended.
    struct Exit {
        var status: Int32
        var cpuSeconds: Double
        var peakResidentMiB: Double
    }

    init(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var inherited: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            inherited.append(String(cString: entry))
            cursor += 1
        }
        let envp = (inherited + extra.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { for variable in envp { free(variable) } }
        var child: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Not the parent's standard error either: a child outliving its parent (a crashed test
        // run) must not hold the parent's output pipe open (whoever reads it would wait for ever).
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let result = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard result == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Waits for the end, at most `timeout` seconds (then kills it): asleep on the process's
    /// pidfd until it exits, no polling.
    func wait(timeout: Double) -> Exit {
        var status: Int32 = 0
        var usage = rusage()
        if bench_wait_exit(pid, Int32(min(timeout * 1000, Double(Int32.max)))) != 1 {
            kill(pid, SIGKILL)
        }
        _ = wait4(pid, &status, 0, &usage)
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Exit(status: status, cpuSeconds: cpu, peakResidentMiB: Double(usage.ru_maxrss) / 1024)
    }
}
