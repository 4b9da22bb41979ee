import Foundation
import Match
import Streaming
import Testing
import Wire

/// When the client's progress file is written (docs/OPERATING.md, "Clients that continue").
@Suite("The client's progress file")
struct ProgressFileTests {
    @Test(
        "written when a welcome names the match and when the run ends, not at each event: the next run reads the last event from client.log"
    )
    func writtenAtWelcomeAndEnd() throws {
        let directory = temporaryDirectoryPath("soccer-progress")
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/progress.json"
        let consumer = ProgressConsumer(path: path, server: "127.0.0.1", port: 12345, resumed: nil, logger: quietLogger)
        let welcome = Welcome(
            format: .compact, matchID: 7, heartbeatSeconds: 5, intervalMicroseconds: 10_000, roster: .original, catalog: .english,
            current: nil)
        let events = MatchSimulator.play(seed: 1).events
        func snapshot(_ sequence: Int) throws -> ClientEvent {
            .inSequence(try LiveSnapshot(event: events[sequence], sequence: UInt32(sequence), roster: .original, catalog: .english), repaired: false)
        }
        // Events before any welcome: no match to name, nothing written.
        consumer.consume([try snapshot(0)])
        #expect(!FileManager.default.fileExists(atPath: path))
        consumer.consume([.welcomed(welcome, latest: nil, next: 1)])
        let atWelcome = try #require(try ClientProgress.read(from: path))
        #expect(atWelcome.match == 7 && atWelcome.lastLogged == 0 && !atWelcome.ended)
        // Events: the file is not rewritten (the log has them).
        for sequence in 1...20 { consumer.consume([try snapshot(sequence)]) }
        #expect(try ClientProgress.read(from: path) == atWelcome)
        // The run ends with the match over: the last event and the end are written.
        consumer.consume([try snapshot(21), .stopped(.endOfTransmission(.fullTime), matchOver: true)])
        let atEnd = try #require(try ClientProgress.read(from: path))
        #expect(atEnd.match == 7 && atEnd.lastLogged == 21 && atEnd.ended)
    }

    @Test("a run that stops with its match still on (the server silent) writes its last event, not ended: the next run continues it")
    func stoppedMidMatch() throws {
        let directory = temporaryDirectoryPath("soccer-progress")
        defer { try? FileManager.default.removeItem(atPath: directory) }  // a temporary directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/progress.json"
        let resumed = ClientProgress(server: "127.0.0.1", port: 12345, match: 9, lastLogged: 4, ended: false)
        let consumer = ProgressConsumer(path: path, server: "127.0.0.1", port: 12345, resumed: resumed, logger: quietLogger)
        let event = MatchSimulator.play(seed: 1).events[5]
        consumer.consume([.inSequence(try LiveSnapshot(event: event, sequence: 5, roster: .original, catalog: .english), repaired: false)])
        #expect(!FileManager.default.fileExists(atPath: path))
        consumer.consume([.stopped(.serverSilent(seconds: 15), matchOver: false)])
        #expect(try ClientProgress.read(from: path) == ClientProgress(server: "127.0.0.1", port: 12345, match: 9, lastLogged: 5, ended: false))
    }
}
