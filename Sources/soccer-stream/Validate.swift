import ArgumentParser
import FileAccess
import GroupSigning
import Streaming
import Toolkit
import Wire

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check captured packets (pcap, pcapng) against the protocol: a verdict per datagram and per flow.",
        discussion: "Exit code 0 when every datagram is valid, 1 when any is invalid, 2 when a file cannot be read.")

    @Argument(help: "Capture files (classic pcap or pcapng), or with --raw files of one datagram each.")
    var files: [String]

    @Option(
        help:
            "The server's UDP port: datagrams to or from it are checked. Give it again for each server of a relay's capture (its upstream's port and its own): a match sent by two servers is checked as relayed (Spec §4.10)."
    )
    var port: [Int] = [12345]
    @Option(
        help:
            "The server's group key (64 hexadecimal digits): group events (multicast, Spec §4.11) must be signed with it. Default: the key a captured welcome announces for the group."
    )
    var serverKey: String?
    @Option(
        help:
            "A file of subscription keys (client --export-key; Spec/ENCRYPTION.md): sealed bodies of those subscriptions are opened and checked; repeatable. Without it, only a sealed frame's clear part is checked."
    )
    var key: [String] = []
    @Flag(help: "Treat each file as one datagram's bytes.") var raw = false
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Print the summary only.") var quiet = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
        guard port.allSatisfy({ (1...65535).contains($0) }) else { throw ValidationError("--port must be 1...65535") }
        if let serverKey {
            do {
                _ = try GroupPublicKey(hex: serverKey)
            } catch {
                throw ValidationError("--server-key: \(error.message)")
            }
        }
    }

    func run() async throws {
        let groupKey = try serverKey.map { text throws(WireError) in try GroupPublicKey(hex: text) }
        var subscriptionKeys: [UInt64: ExportedKey] = [:]
        for path in key {
            do {
                let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
                subscriptionKeys.merge(try ExportedKey.parse(text)) { $1 }
            } catch let error as ExportedKey.ParseError {
                throw ValidationError("--key \(path): \(error)")
            }
        }
        var reports: [FileValidation] = []
        for file in files {
            reports.append(CaptureValidation.validate(file: file, raw: raw, ports: port, serverKey: groupKey, subscriptionKeys: subscriptionKeys))
        }
        StandardOutput.write(json ? CaptureValidation.json(reports).prettyText() : CaptureValidation.text(reports, quiet: quiet))
        let code = CaptureValidation.exitCode(reports)
        if code != 0 { throw ExitCode(code) }
    }
}
