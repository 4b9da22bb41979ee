#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, whose CPU time and peak memory are read when it ends.
struct ChildProcess {
    let pid: pid_t

    /// How it ended.
    struct Exit {
        var status: Int32
        var cpuSeconds: Double
        var peakResidentMiB: Double
    }

    init(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var inherited: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            inherited.append(String(cString: entry))
            cursor += 1
        }
        let envp = (inherited + extra.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let result = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard result == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Waits for the end, at most `timeout` seconds (then kills it).
    func wait(timeout: Double) -> Exit {
        let deadline = LoadGenerator.now() + timeout
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if LoadGenerator.now() > deadline {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                break
            }
            usleep(10_000)
        }
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return Exit(status: status, cpuSeconds: cpu, peakResidentMiB: Double(usage.ru_maxrss) / 1024)
    }
}
