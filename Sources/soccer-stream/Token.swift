import ArgumentParser
import FileAccess
import Foundation
import GroupSigning
import Streaming
import Toolkit
import Wire

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator keys and subscriber tokens (Spec/TOKENS.md).",
        discussion: "keygen makes an operator key pair; issue signs a token with it; inspect shows what a token says and checks its signature.",
        subcommands: [Keygen.self, Issue.self, Inspect.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an operator key pair: NAME.key (private, mode 0600) and NAME.pub.")
        @Option(help: "The key files' name (NAME.key and NAME.pub; neither may exist).") var out = "operator"

        func run() async throws {
            let made = try TokenTool.keygen(name: out)
            StandardOutput.write("Private key: \(made.privatePath) (keep it secret)\nPublic key:  \(made.publicPath)\n\(made.publicKey)\n")
        }
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a subscriber token and print it.")
        @Option(help: "The operator's private key file (token keygen's NAME.key).") var key: String
        @Option(help: "Who holds the token (a customer, a relay, a gateway): 1 to 64 bytes.") var subject: String
        @Option(help: "A match the token admits to (repeatable; at most 16); none: every match.") var match: [UInt32] = []
        @Option(help: "How long it is valid: a number and s, m, h or d (90m, 12h, 30d).") var expires: String
        @Option(help: "Valid from this Unix time (default: now).") var notBefore: UInt32?
        @Flag(help: "Watch only: no repairs (NACKs).") var noRepair = false

        func run() async throws {
            let key = try TokenTool.privateKey(file: key)
            let lifetime = try TokenTool.seconds(expires, option: "--expires")
            let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
            let text = try TokenTool.issue(
                key: key, subject: subject, matches: match, lifetime: lifetime, permissions: noRepair ? [.watch] : [.watch, .repair], now: now,
                notBefore: notBefore)
            StandardOutput.write(text + "\n")
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a token's claims; with --trusted-key, check its signature.")
        @Argument(help: "The token (sst1.…), a file holding it, or - for standard input.") var token: String
        @Option(help: "An operator public key (ssp1.… or a file holding it); repeatable.") var trustedKey: [String] = []

        func run() async throws {
            let text: String
            if token == "-" {
                text = readStandardInput()
            } else if token.hasPrefix(SubscriberToken.textPrefix) {
                text = token
            } else {
                text = String(decoding: try FileBytes.read(token), as: UTF8.self)
            }
            let trusted = try trustedKey.map(TokenTool.publicKey)
            StandardOutput.write(try TokenTool.inspect(text, trusted: trusted, now: UInt32(clamping: Int(Date().timeIntervalSince1970))))
        }
    }
}

/// Standard input's whole text (`--token -`, `token inspect -`).
func readStandardInput() -> String {
    String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
}
