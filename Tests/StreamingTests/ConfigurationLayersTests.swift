import CommandSettings
import Foundation
import Streaming
import TestSupport
import Testing
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// Server and relay settings from flags, SOCCERSTREAM_* variables and a JSON file (issue 24):
/// the precedence, the errors naming their source, and a reload on SIGHUP.
@Suite("Configuration: flags, environment, file", .serialized)
struct ConfigurationLayersTests {
    static let options = [
        OptionSpec(names: ["port"], isFlag: false, repeats: false),
        OptionSpec(names: ["max-clients"], isFlag: false, repeats: false),
        OptionSpec(names: ["interval"], isFlag: false, repeats: false),
        OptionSpec(names: ["feed"], isFlag: false, repeats: true),
        OptionSpec(names: ["loop"], isFlag: true, repeats: false),
        OptionSpec(names: ["original", "legacy"], isFlag: false, repeats: false),
    ]

    static func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("soccerstream-config-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a flag wins over the environment, which wins over the file; lists and flags come out as the arguments they stand for")
    func precedence() async throws {
        let path = try Self.file(
            #"{"port": 4000, "max-clients": 50, "interval": 0.5, "feed": ["a.jsonl", "b.jsonl"], "loop": true, "original": "deny"}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }  // a temporary file
        let settings = try await SettingsLayers.settings(
            for: Self.options, commandLine: ["--port", "5000", "--legacy=allow"],
            environment: ["SOCCERSTREAM_MAX_CLIENTS": "70", "HOME": "/root"], file: path)
        let byKey = Dictionary(uniqueKeysWithValues: settings.map { ($0.key, $0) })
        #expect(byKey["port"] == nil && byKey["original"] == nil, "set by a flag (or its alias)")
        #expect(byKey["max-clients"]?.arguments == ["--max-clients=70"])
        #expect(byKey["max-clients"]?.source == .environment(variable: "SOCCERSTREAM_MAX_CLIENTS"))
        #expect(byKey["interval"]?.arguments == ["--interval=0.5"] && byKey["interval"]?.source == .file(path: path, key: "interval"))
        #expect(byKey["feed"]?.arguments == ["--feed=a.jsonl", "--feed=b.jsonl"])
        #expect(byKey["loop"]?.arguments == ["--loop"])
        let fromEnvironment = try await SettingsLayers.settings(
            for: Self.options, commandLine: [],
            environment: ["SOCCERSTREAM_FEED": "x.jsonl, y.jsonl,", "SOCCERSTREAM_LOOP": "false"], file: nil)
        #expect(fromEnvironment.first { $0.key == "feed" }?.arguments == ["--feed=x.jsonl", "--feed=y.jsonl"])
        #expect(fromEnvironment.first { $0.key == "loop" }?.arguments == [])
    }

    @Test(
        "a bad setting is an error naming its variable, or its file and key",
        arguments: [
            ([:], #"{"max-clent": 5}"#, #"key "max-clent": no such setting"#),
            ([:], #"{"legacy": "allow"}"#, #"write "original""#),
            ([:], #"{"port": {"number": 1}}"#, #"key "port": expected a string or a number"#),
            ([:], #"{"loop": "maybe"}"#, #"key "loop": maybe; expected true or false"#),
            ([:], #"{"port": true}"#, #"key "port": true or false is for flags"#),
            ([:], #"[1, 2]"#, "configuration file"),
            (["SOCCERSTREAM_LOOP": "maybe"], "{}", "environment variable SOCCERSTREAM_LOOP: maybe; expected true or false"),
        ] as [([String: String], String, String)])
    func badSettings(environment: [String: String], json: String, message: String) async throws {
        let path = try Self.file(json)
        defer { try? FileManager.default.removeItem(atPath: path) }  // a temporary file
        do {
            _ = try await SettingsLayers.settings(for: Self.options, commandLine: [], environment: environment, file: path)
            Issue.record("accepted: \(json) \(environment)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
        await #expect(throws: StreamingError.self) {
            _ = try await SettingsLayers.settings(for: Self.options, commandLine: [], environment: [:], file: path + ".missing")
        }
    }

    @Test("settings that only make sense together pass together from the file; one that fails with the others is blamed on its key")
    func settingsTogether() async throws {
        let folder = try HostileUser.folder("config-together")
        defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
        let feed = [FeedLine.lineups(.original, language: "en").jsonText, FeedLine.end(.fullTime).jsonText].joined(separator: "\n") + "\n"
        try feed.write(toFile: folder + "/cup.jsonl", atomically: true, encoding: .utf8)
        // Each alone fails a check (no match to stream; a per-block budget above the default total).
        try
            #"{"feed": ["cup.jsonl"], "simulate": 0, "original-budget": 8388608, "original-budget-total": 16777216, "port": 0, "data-dir": "none", "repair-grace": 0}"#
            .write(toFile: folder + "/server.json", atomically: true, encoding: .utf8)
        let run = try await HostileUser.run(["server", "--config", "server.json", "--host", "127.0.0.1"], in: folder)
        #expect(run.status == 0, "\(run.status): \(run.errors)")
        let log = try HostileUser.contents(folder + "/server.log")
        #expect(log.contains(#"Setting original-budget from server.json, key "original-budget"."#), "\(log)")
        // With --multicast missing, the file's --multicast-ttl is the one to blame.
        try #"{"multicast-ttl": 4, "port": 0, "data-dir": "none"}"#.write(toFile: folder + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try await HostileUser.run(["server", "--config", "bad.json"], in: folder, environment: ["SOCCERSTREAM_MAX_CLIENTS": "9"])
        #expect(bad.status != 0 && bad.errors.contains(#"bad.json, key "multicast-ttl": "#), "\(bad.errors)")
    }

    @Test("a SOCCERSTREAM_ variable that names no option is listed for the log, not refused (the other command's, a test's)")
    func unknownVariables() {
        let environment = [
            "SOCCERSTREAM_MAX_CLENTS": "5", "SOCCERSTREAM_UPSTREAM": "a:1", "SOCCERSTREAM_REQUIRE_TSHARK": "1",
            "SOCCERSTREAM_CONFIG": "f.json", "SOCCERSTREAM_PORT": "1", "PATH": "/bin",
        ]
        #expect(SettingsLayers.unknownVariables(for: Self.options, environment: environment) == ["SOCCERSTREAM_MAX_CLENTS", "SOCCERSTREAM_UPSTREAM"])
    }

    @Test("a reload tells which settings changed: set, unset or given another value")
    func record() {
        let record = SettingsRecord([
            LayeredSetting(key: "port", arguments: ["--port", "1"], source: .environment(variable: "SOCCERSTREAM_PORT")),
            LayeredSetting(key: "loop", arguments: ["--loop"], source: .file(path: "f", key: "loop")),
        ])
        #expect(
            record.replace(with: [
                LayeredSetting(key: "port", arguments: ["--port", "1"], source: .file(path: "f", key: "port")),
                LayeredSetting(key: "max-clients", arguments: ["--max-clients", "3"], source: .file(path: "f", key: "max-clients")),
            ])
                == ["loop", "max-clients"])
        #expect(record.replace(with: []) == ["max-clients", "port"])
        // A flag set off, then gone: nothing changed.
        #expect(record.replace(with: [LayeredSetting(key: "loop", arguments: [], source: .file(path: "f", key: "loop"))]) == [])
        #expect(record.replace(with: []) == [])
    }

    @Test("the server's state takes the limits and rates a reload changes, and nothing else")
    func applyLive() throws {
        var configuration = ServerConfiguration()
        configuration.maxClients = 1
        var state = ServerState(configuration: configuration)
        var new = configuration
        new.maxClients = 2
        new.registerRate = 3
        new.port = 999
        new.originalBudget.total = 1 << 20
        #expect(state.applyLive(new) == [.maxClients, .registerRate, .originalBudgetTotal])
        #expect(state.configuration.maxClients == 2 && state.configuration.registerRate == 3 && state.configuration.originalBudget.total == 1 << 20)
        #expect(state.configuration.port == configuration.port, "the port needs a restart")
        #expect(state.applyLive(new) == [])
    }

    @Test(
        "a real server: a bad variable stops it at start naming the variable; SIGHUP applies the file's new limits and log level, names what needs a restart, and keeps the running settings when the file turns bad"
    )
    func serverReload() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("config-reload")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let refused = try await HostileUser.run(
                ["server", "--port", "0", "--data-dir", "none"], in: folder,
                environment: ["SOCCERSTREAM_INTERVAL": "-1"])
            #expect(refused.status != 0 && refused.errors.contains("SOCCERSTREAM_INTERVAL"), "\(refused.errors)")
            let port = try RestartTests.freePort()
            let config = folder + "/server.json"
            try #"{"max-clients": 5, "loop": true}"#.write(toFile: config, atomically: true, encoding: .utf8)
            #expect(FileManager.default.createFile(atAtPath: folder + "/server.log"))
            let server = try RestartTests.ServerProcess(
                arguments: [
                    "server", "--config", "server.json", "--host", "127.0.0.1", "--port", String(port),
                    "--interval", "0.2", "--data-dir", "none", "--repair-grace", "0",
                ], directory: folder)
            try await RestartTests.waitForLine(containing: "Setting loop from server.json", in: folder + "/server.log")
            // Signals are the server's to handle once it streams.
            try await RestartTests.waitForLine(containing: "Kick-off", in: folder + "/server.log")
            try #"{"max-clients": 7, "loop": true, "log-level": "warning", "format": "compact"}"#.write(
                toFile: config, atomically: true, encoding: .utf8)
            kill(server.processIdentifier, SIGHUP)
            try await RestartTests.waitForLine(containing: "Configuration server.json reloaded", in: folder + "/server.log")
            try #"{"max-clients": "many"}"#.write(toFile: config, atomically: true, encoding: .utf8)
            kill(server.processIdentifier, SIGHUP)
            try await RestartTests.waitForLine(containing: "not reloaded", in: folder + "/server.log")
            await server.kill(SIGINT)
            #expect(server.status == 0)
            let log = try HostileUser.contents(folder + "/server.log")
            #expect(
                log.contains("Configuration server.json reloaded: applied log-level, max-clients; changed but applied only by a restart: format."),
                "\(log)")
            #expect(log.contains(#"ERROR Configuration server.json not reloaded: server.json, key "max-clients""#), "\(log)")
            // At level warning, the kick-offs and ends of the looped matches after the reload are not logged.
            let afterReload = log.components(separatedBy: "Configuration server.json reloaded").last ?? ""
            #expect(!afterReload.contains("Kick-off"))
        }
    }

    @Test("a SIGHUP while a server starts (blocked opening its feed, a FIFO nobody writes yet) does not end it: it streams the feed and exits 0")
    func hangUpDuringStart() async throws {
        try await bounded(60) {
            let folder = try HostileUser.folder("hangup-start")
            defer { try? FileManager.default.removeItem(atPath: folder) }  // a temporary folder
            let feed = try await HostileUser.run(["simulate", "--jsonl", "--interval", "0"], in: folder).output
            #expect(mkfifo(folder + "/feed.jsonl", 0o600) == 0)
            let server = try RestartTests.ServerProcess(
                arguments: ["server", "--feed", "feed.jsonl", "--host", "127.0.0.1", "--port", "0", "--data-dir", "none", "--repair-grace", "0"],
                directory: folder)
            // Blocked in open(2) on the FIFO, inside bind, before any signal is watched: some thread
            // of it sleeps in the kernel's wait for the FIFO's other end.
            let tasks = "/proc/\(server.processIdentifier)/task"
            while !((try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []).contains(where: { task in
                (try? String(contentsOfFile: "\(tasks)/\(task)/wchan", encoding: .utf8))?.contains("wait_for_partner") == true
            }) {
                try await Task.sleep(for: .milliseconds(5))
            }
            kill(server.processIdentifier, SIGHUP)
            // Opened without waiting (a server that died has no reader: ENXIO, not a hang), then blocking for the writes.
            let descriptor = open(folder + "/feed.jsonl", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            #expect(descriptor >= 0, "the server no longer reads its feed: errno \(errno)")
            guard descriptor >= 0 else { return }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
            let writer = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
            try writer.write(contentsOf: Data(feed.utf8))
            try writer.close()
            await server.exited()
            #expect(server.process.terminationReason == .exit && server.status == 0)
            #expect(try HostileUser.contents(folder + "/server.log").contains("Kick-off"))
        }
    }
}

extension FileManager {
    fileprivate func createFile(atAtPath path: String) -> Bool { createFile(atPath: path, contents: nil) }
}
