import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Streaming

/// The `soccer-stream` command: a live soccer-match streaming service over UDP.
@main
struct SoccerStream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soccer-stream",
        abstract: "Stream a simulated soccer match over UDP, and inspect the protocol.",
        discussion: """
            Shell completions: soccer-stream --generate-completion-script bash (or zsh, fish); see docs/OPERATING.md, "Platforms, versions, completions".
            """,
        version: Release.description,
        subcommands: [
            Demo.self, Server.self, Relay.self, Client.self, Web.self, Token.self, Impair.self, Validate.self, Simulate.self, Import.self,
            History.self,
            FixturesCommand.self,
            BenchCommand.self,
        ]
    )

    /// As ArgumentParser runs it, except that `help` with a subcommand that does not exist is an
    /// error (ArgumentParser prints the main help and exits 0, so a typo looked like success).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = configuration.subcommands.map { $0._commandName }
        if arguments.first == "help", let asked = arguments.dropFirst().first, !asked.hasPrefix("-"), !names.contains(asked) {
            StandardError.write("error: no subcommand \(asked); the subcommands are \(names.joined(separator: ", ")) (soccer-stream --help)\n")
            Foundation.exit(64)
        }
        if let command = arguments.first, eventLoopCommands.contains(command) {
            // On the main thread, once, before the command starts any task: what NIO asks of this call.
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await main(arguments)
    }

    /// The commands whose tasks run on NIO's event loops instead of Swift's global pool: the origin
    /// and the relay, which wake once per event all day. Off the pool, no libdispatch worker starts
    /// (unless `--web-port` brings the web gateway's timers, docs/ARCHITECTURE.md), and with it
    /// goes libdispatch's once-a-second pool monitor, about a quarter of a server's CPU per event
    /// at the real pace (docs/BENCHMARKS.md). Their tasks never block a thread (the match log runs
    /// on NIO's thread pool, a feed on a thread of its own); the client's may (its terminal output
    /// and log are written as each event comes, and a terminal paused with Ctrl+S holds a write),
    /// so it stays on the pool. Where the call is not supported it returns false, and the pool
    /// stays.
    static let eventLoopCommands: Set<String> = ["server", "relay"]
}
