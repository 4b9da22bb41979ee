import Capture
import Foundation
import Match
import Testing
import Toolkit
import Wire

/// Captures whose datagrams carry terminal controls: what `validate` and `fixtures --describe`
/// print shows them escaped, never raw.
@Suite("validate and fixtures --describe: hostile text never reaches the terminal")
struct HostileTextTests {
    /// Clears the screen, then retitles the terminal.
    static let hostile = "\u{1B}[2J\u{1B}]0;pwned\u{07}"
    /// The same, as TerminalText shows it.
    static let escaped = #"\u{1B}[2J\u{1B}]0;pwned\u{07}"#

    /// The scalars a terminal acts on that `text` holds: ESC, BEL, C1 CSI, RIGHT-TO-LEFT OVERRIDE, any other control.
    static func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.filter { [0x1B, 0x07, 0x9B, 0x202E].contains($0.value) || TerminalText.isControl($0) && $0 != "\n" }.map(\.value)
    }

    static let server = Endpoint(address: "127.0.0.1", port: 12345)
    static let client = Endpoint(address: "127.0.0.1", port: 40000)

    /// A capture of `payloads`, all sent by the server to the client.
    static func capture(_ payloads: [[UInt8]]) -> [UInt8] {
        var writer = PcapWriter()
        for (index, payload) in payloads.enumerated() {
            _ = writer.append(payload: payload, from: server, to: client, timestamp: 1000 + Double(index) * 0.01)
        }
        return writer.bytes
    }

    static func hostileRoster() -> Roster {
        var roster = Roster.original
        roster.home.name = "Galáticos\(hostile)"
        roster.away.name = "Real \u{202E}dirdaM\u{9B}2J"
        return roster
    }

    /// An original-protocol JSON datagram whose type, team and player names are hostile.
    static func hostileOriginal() throws -> [UInt8] {
        let player = OriginalPlayer(
            nome: "Müller\(hostile)", time: "Galáticos\(hostile)", posicao: "Atacante", cartaoVermelho: false,
            gols: 0, tempoGols: [], tempoCV: 0)
        let datagram = OriginalDatagram(
            message: OriginalMessage(
                count: 1, score: "Galáticos 0 x 0 Mbappé FC", content: "Müller\(hostile) passa", type: "Passe\(hostile)", timePassed: 3),
            timeA: [player], timeB: [player],
            goleiroA: OriginalKeeper(nome: "Neuer", time: "Galáticos\(hostile)"), goleiroB: OriginalKeeper(nome: "Alisson", time: "Mbappé FC"))
        return try OriginalPacket.datagram(datagram).encoded()
    }

    @Test(
        "a refusal's text, a welcome's team names, an original datagram's texts, text and invalid UTF-8 datagrams and the file's name: validate's text report shows them escaped"
    )
    func validateText() throws {
        let refuse = try Frame(body: .refuse(Refusal(reason: .rateLimited, text: "slow down \(Self.hostile)"))).encoded()
        let welcome = try Frame(
            body: .welcome(
                Welcome(
                    format: .compact, matchID: 7, heartbeatSeconds: 5, intervalMicroseconds: 10_000,
                    roster: Self.hostileRoster(), catalog: .english, current: nil)), subscription: 0xA
        ).encoded()
        let bareText = Array(Self.hostile.utf8)
        let notUTF8: [UInt8] = [0x4D, 0xC3, 0xBC, 0xFE, 0x9B, 0x32, 0x4A] + Array(Self.hostile.utf8)
        let bytes = Self.capture([refuse, welcome, try Self.hostileOriginal(), bareText, notUTF8])
        let report = CaptureValidation.validate(capture: bytes, path: "match\(Self.hostile).pcap", port: 12345)
        #expect(report.verdicts.count == 5)
        for quiet in [false, true] {
            let text = CaptureValidation.text([report], quiet: quiet)
            #expect(Self.controls(in: text).isEmpty, "\(text.unicodeScalars.map(\.value).filter { $0 < 0x20 && $0 != 0x0A })")
            #expect(!text.utf8.contains(0x1B) && !text.utf8.contains(0x07))
            #expect(text.contains("match\(Self.escaped).pcap"))
        }
        let text = CaptureValidation.text([report], quiet: false)
        #expect(text.contains("refuse rate_limited \"slow down \(Self.escaped)\""), "\(text)")
        #expect(text.contains("match 7 (Galáticos\(Self.escaped) v Real \\u{202E}dirdaM\\u{9B}2J)"), "\(text)")
        #expect(text.contains("Passe\(Self.escaped)"), "\(text)")
        #expect(text.contains("\"\(Self.escaped)\" is neither a frame"), "\(text)")
        #expect(text.contains(#""Mü\x{FE}\x{9B}2J\u{1B}[2J"#), "\(text)")
        // Each report line is one line: a line feed in the data cannot forge another.
        let forged = CaptureValidation.validate(capture: Self.capture([Array("x\n  #9 valid\n".utf8)]), path: "forged.pcap", port: 12345)
        #expect(CaptureValidation.text([forged], quiet: false).contains(#""x\u{0A}  #9 valid\u{0A}" is neither"#))
        // --json escapes in JSON's own way, as before.
        let json = CaptureValidation.json([report]).prettyText()
        #expect(Self.controls(in: json).isEmpty && json.contains(#"\u001b[2J\u001b]0;pwned\u0007"#))
    }

    @Test("fixtures --describe prints a hostile datagram's strings escaped; a file that is no datagram, or unreadable, is said so, escaped")
    func describe() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let refuse = try folder.write(try Frame(body: .refuse(Refusal(reason: .serverFull, text: Self.hostile))).encoded(), to: "refuse.bin")
        let description = try GoldenFixtures.describe(file: refuse)
        #expect(Self.controls(in: description).isEmpty)
        #expect(description.contains(#""text": "\u001b[2J\u001b]0;pwned\u0007""#), "\(description)")
        let welcome = try folder.write(
            try Frame(
                body: .welcome(
                    Welcome(
                        format: .json, matchID: 7, heartbeatSeconds: 5, intervalMicroseconds: 10_000,
                        roster: Self.hostileRoster(), catalog: .portuguese, current: nil)), subscription: 0xA
            ).encoded(), to: "welcome.bin")
        let welcomeDescription = try GoldenFixtures.describe(file: welcome)
        #expect(Self.controls(in: welcomeDescription).isEmpty && welcomeDescription.contains(#"\u202edirdaM\u009b2J"#))
        let original = try folder.write(try Self.hostileOriginal(), to: "original.bin")
        #expect(Self.controls(in: try GoldenFixtures.describe(file: original)).isEmpty)

        let text = try folder.write(Array("\(Self.hostile)\u{9B}31m".utf8), to: "bell\(Self.hostile).txt")
        let error = #expect(throws: DescribeError.self) { try GoldenFixtures.describe(file: text) }
        let message = error?.description ?? ""
        #expect(Self.controls(in: message).isEmpty)
        #expect(message.contains("bell\(Self.escaped).txt is not a datagram") && message.contains("\"\(Self.escaped)\\u{9B}31m\""), "\(message)")

        let missing = #expect(throws: DescribeError.self) { try GoldenFixtures.describe(file: folder.path("missing.bin")) }
        #expect(missing?.description == "cannot read \(folder.path("missing.bin")): no such file")
        let directory = #expect(throws: DescribeError.self) { try GoldenFixtures.describe(file: folder.url.path) }
        #expect(directory?.description == "cannot read \(folder.url.path): is a directory")
    }
}
