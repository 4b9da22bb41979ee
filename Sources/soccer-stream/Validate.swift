import ArgumentParser
import Foundation
import Streaming
import Toolkit

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check captured packets (pcap, pcapng) against the protocol: a verdict per datagram and per flow.",
        discussion: "Exit code 0 when every datagram is valid, 1 when any is invalid, 2 when a file cannot be read.")

    @Argument(help: "Capture files (classic pcap or pcapng), or with --raw files of one datagram each.")
    var files: [String]

    @Option(help: "The server's UDP port: datagrams to or from it are checked.") var port = 12345
    @Flag(help: "Treat each file as one datagram's bytes.") var raw = false
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Print the summary only.") var quiet = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
    }

    func run() async throws {
        var reports: [FileValidation] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                var unreadable = FileValidation(path: file, format: "?", frames: 0)
                unreadable.readError = "cannot open \(file)"
                reports.append(unreadable)
                continue
            }
            let bytes = [UInt8](data)
            reports.append(raw ? CaptureValidation.validate(raw: bytes, path: file) : CaptureValidation.validate(capture: bytes, path: file, port: port))
        }
        StandardOutput.write(json ? CaptureValidation.json(reports).prettyText() : CaptureValidation.text(reports, quiet: quiet))
        let code = CaptureValidation.exitCode(reports)
        if code != 0 { throw ExitCode(code) }
    }
}
