import ArgumentParser
import Streaming

/// The `soccer-stream` command: a live soccer-match streaming service over UDP.
@main
struct SoccerStream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soccer-stream",
        abstract: "Stream a simulated soccer match over UDP, and inspect the protocol.",
        discussion: """
            Shell completions: soccer-stream --generate-completion-script bash (or zsh, fish); see README, "Shell completions".
            """,
        version: Release.description,
        subcommands: [Demo.self, Server.self, Relay.self, Client.self, Impair.self, Validate.self, Simulate.self, History.self, FixturesCommand.self, BenchCommand.self]
    )
}
