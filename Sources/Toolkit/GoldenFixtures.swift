import Foundation
import GroupSigning
import Match
import Wire

/// The golden frames of `Fixtures/frames/`: every frame kind, every event type in both
/// formats, and the original protocol's packets, from one fixed seed.
///
/// Each fixture is `NAME.bin` (the exact datagram) and `NAME.json` (its decoded form, as
/// ``Datagram/description(header:)`` writes it).
public struct GoldenFixtures: Sendable {
    /// One fixture.
    public struct Fixture: Sendable, Hashable {
        /// The file name without extension.
        public var name: String
        /// The datagram.
        public var bytes: [UInt8]
        /// The decoded form, pretty-printed JSON text.
        public var expectation: String
    }

    /// A difference between the fixtures on disk and the ones the code generates.
    public struct Drift: Sendable, Hashable, CustomStringConvertible {
        /// The file concerned.
        public var file: String
        /// What differs.
        public var problem: String

        public var description: String { "\(file): \(problem)" }
    }

    /// The first seed searched for a match containing all eight event types.
    public static let baseSeed: UInt64 = 2024

    /// The seed the fixtures come from: the first from ``baseSeed`` whose match has every event type.
    public static var seed: UInt64 {
        var seed = baseSeed
        while Set(MatchSimulator.play(seed: seed).events.map(\.type)).count < EventType.base.count {
            seed += 1
        }
        return seed
    }

    /// All fixtures, generated.
    public let fixtures: [Fixture]

    /// Generates the fixtures.
    public init() throws(WireError) {
        let seed = Self.seed
        let roster = Roster.original
        let catalog = PhraseCatalog.english
        let (events, _) = MatchSimulator.play(seed: seed, roster: roster, catalog: catalog)
        let matchID = MatchSimulator(seed: seed).matchID
        var datagrams: [(String, Datagram)] = []
        let middle = events.count / 2
        let late = events[middle]

        datagrams.append(("register-compact-json", .frame(Frame(body: .register(RegisterRequest(formats: [.compact, .json]))))))
        let token = (0..<36).map { UInt8(($0 * 37 + 11) & 0xFF) }
        datagrams.append(
            (
                "register-padded",
                .frame(
                    Frame(
                        body: .register(
                            RegisterRequest.padded(
                                formats: [.compact, .json], dictionaries: [CompressionDictionary.standard.id]))))
            ))
        // Many matches (Spec §4.9): a register naming its match, a list request and a page of the listing.
        datagrams.append(
            (
                "register-match",
                .frame(
                    Frame(
                        body: .register(
                            RegisterRequest.padded(
                                formats: [.compact], token: token, dictionaries: [CompressionDictionary.standard.id], match: matchID))))
            ))
        // A register presenting a subscriber token (Spec §4.1, Spec/TOKENS.md's test vector).
        let subscriberToken = try Self.tokenVector().token.encoded()
        datagrams.append(
            (
                "register-subscriber-token",
                .frame(
                    Frame(
                        body: .register(
                            RegisterRequest.padded(
                                formats: [.compact], token: token, dictionaries: [CompressionDictionary.standard.id], match: 2_976_871_303,
                                features: .realMatches, subscriberToken: subscriberToken))))
            ))
        datagrams.append(("list", .frame(Frame(body: .list(ListRequest.padded())))))
        datagrams.append(("list-token", .frame(Frame(body: .list(ListRequest.padded(token: token, offset: 0))))))
        datagrams.append(
            (
                "listing",
                .frame(
                    Frame(
                        body: .listing(
                            MatchListing(
                                total: 3, offset: 0,
                                matches: [
                                    MatchSummary(
                                        id: matchID, status: .live, minute: late.minute, score: late.score, viewers: 1204,
                                        home: roster.home.name, away: roster.away.name),
                                    MatchSummary(
                                        id: 0x0BAD_CAFE, status: .waiting, minute: 0, score: .zero, viewers: 12, home: "Flamengo", away: "Palmeiras"),
                                    MatchSummary(
                                        id: 0x00C0_FFEE, status: .ended, minute: 97, score: Score(home: 2, away: 2), viewers: 3,
                                        home: "Arsenal", away: "Chelsea"),
                                ]))))
            ))
        datagrams.append(("challenge", .frame(Frame(body: .challenge(Challenge(token: token))))))
        datagrams.append(("register-json-token", .frame(Frame(body: .register(RegisterRequest.padded(formats: [.json], token: token))))))
        // An encrypted subscription's register (Spec/ENCRYPTION.md): the sealing vector's client share.
        datagrams.append(
            (
                "register-key-share",
                .frame(
                    Frame(
                        body: .register(
                            RegisterRequest.padded(
                                formats: [.compact, .json], token: token, dictionaries: [CompressionDictionary.standard.id],
                                keyShare: try Self.sealingVector().client.publicBytes))))
            ))
        datagrams.append(
            (
                "welcome-compact-kickoff",
                .frame(
                    Frame(
                        body: .welcome(
                            Welcome(
                                format: .compact, dictionary: CompressionDictionary.standard.id, matchID: matchID, heartbeatSeconds: 5,
                                intervalMicroseconds: 1_250_000, roster: roster, catalog: catalog, current: nil))))
            ))
        datagrams.append(
            (
                "welcome-json-late-pt",
                .frame(
                    Frame(
                        sequence: UInt32(middle), eventType: late.type, score: late.score, minute: late.minute,
                        body: .welcome(
                            Welcome(
                                format: .json, matchID: matchID, heartbeatSeconds: 5, intervalMicroseconds: 50_000, roster: roster,
                                catalog: .portuguese, current: CompactEvent(late)))))
            ))
        for reason in RefuseReason.allCases {
            let text = Self.refusalText(reason)
            datagrams.append(
                (
                    "refuse-\(reason.name.replacingOccurrences(of: "_", with: "-"))",
                    .frame(Frame(body: .refuse(Refusal(reason: reason, text: text))))
                ))
        }
        for type in EventType.allCases {
            guard let index = events.firstIndex(where: { $0.type == type }) else { continue }
            let sequence = UInt32(index)
            let name = type.identifier.replacingOccurrences(of: "_", with: "-")
            datagrams.append(("event-compact-\(name)", .frame(Frame.compactEvent(events[index], sequence: sequence))))
            datagrams.append(("event-json-\(name)", .frame(try Frame.jsonEvent(events[index], sequence: sequence, roster: roster, catalog: catalog))))
        }
        if let last = events.last {
            let lastSequence = UInt32(events.count - 1)
            datagrams.append(("event-compact-last", .frame(Frame.compactEvent(last, sequence: lastSequence))))
            datagrams.append(
                (
                    "end-full-time",
                    .frame(
                        Frame(
                            sequence: lastSequence, score: last.score, minute: last.minute, body: .end(EndOfMatch(reason: .fullTime))))
                ))
            datagrams.append(
                (
                    "original-datagram-last-pt",
                    .original(
                        .datagram(
                            try OriginalDatagram(event: last, sequence: lastSequence, roster: roster, catalog: .portuguese)))
                ))
        }
        datagrams.append(("unregister", .frame(Frame(body: .unregister))))
        // Repair (Spec §4.8): a NACK for two gaps, an event sent again, and the answer for events no longer held.
        datagrams.append(("nack", .frame(Frame(body: .nack(SequenceRanges([.init(first: 3, count: 2), .init(first: 9, count: 1)]))))))
        var retransmitted = Frame.compactEvent(events[4], sequence: 4)
        retransmitted.retransmission = true
        datagrams.append(("event-compact-retransmission", .frame(retransmitted)))
        datagrams.append(("unavailable", .frame(Frame(body: .unavailable(SequenceRanges([.init(first: 9, count: 1)]))))))
        datagrams.append(("heartbeat", .frame(Frame(sequence: 17, body: .heartbeat))))
        datagrams.append(("heartbeat-answer", .frame(Frame(sequence: UInt32(events.count), body: .heartbeat))))
        var lost = Frame(sequence: 17, body: .heartbeat)
        lost.sourceLost = true
        datagrams.append(("heartbeat-source-lost", .frame(lost)))
        // A restarted server that holds no subscription under a heartbeat's identifier (Spec §4.12).
        datagrams.append(("reset", .frame(Frame(body: .reset))))
        // Multicast (Spec §4.11): a register asking for group delivery, a welcome offering the
        // group and its key, and group events in both formats, signed with the fixtures' key.
        let groupKey = try GroupSigningKey(seed: Self.groupKeySeed)
        let offer = MulticastOffer(address: [239, 1, 2, 3], port: 5000, publicKey: groupKey.publicKey.bytes)
        datagrams.append(
            (
                "register-multicast",
                .frame(
                    Frame(
                        body: .register(
                            RegisterRequest.padded(
                                formats: [.compact, .json], dictionaries: [CompressionDictionary.standard.id], delivery: .group))))
            ))
        var offering = Welcome(
            format: .compact, dictionary: CompressionDictionary.standard.id, matchID: matchID, heartbeatSeconds: 5,
            intervalMicroseconds: 1_000_000, roster: roster, catalog: catalog, current: nil)
        offering.multicast = offer
        datagrams.append(("welcome-multicast", .frame(Frame(body: .welcome(offering)))))
        if let goal = events.firstIndex(where: { $0.type == .goal }) {
            for (format, frame) in [
                ("compact", Frame.compactEvent(events[goal], sequence: UInt32(goal))),
                ("json", try Frame.jsonEvent(events[goal], sequence: UInt32(goal), roster: roster, catalog: catalog)),
            ] {
                let signed = try groupKey.groupEvent(from: try frame.encoded(), matchID: matchID)
                datagrams.append(("group-event-\(format)-goal", .frame(try Frame.decode(signed))))
            }
        }
        datagrams += try Self.realMatchDatagrams()
        datagrams.append(("original-register", .original(.register)))
        datagrams.append(("original-unregister", .original(.unregister)))
        datagrams.append(("original-end-of-transmission", .original(.endOfTransmission)))

        var fixtures: [Fixture] = []
        for (name, datagram) in datagrams {
            var stamped = datagram
            // Every frame carries the fixtures' subscription identifier, but the refusal of another
            // version's register, whose identifier the server cannot read (Spec §2.1).
            if case .frame(var frame) = datagram, name != "refuse-unsupported-version", frame.groupSignature == nil {
                frame.subscription = Self.subscription
                stamped = .frame(frame)
            }
            let bytes = try stamped.encoded()
            fixtures.append(Fixture(name: name, bytes: bytes, expectation: try Self.expectation(of: bytes)))
        }
        // Sealed subscriptions (Spec/ENCRYPTION.md): three of the above, sealed with the vector's key.
        let plain = Dictionary(fixtures.map { ($0.name, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        for (name, bytes) in try Self.sealedFixtures(from: plain) {
            fixtures.append(Fixture(name: name, bytes: bytes, expectation: try Self.expectation(of: bytes)))
        }
        self.fixtures = fixtures
    }

    /// The seed of the fixtures' group signing key (Spec §4.11): Ed25519 is deterministic, so
    /// the group events' signatures are the same at every generation.
    public static let groupKeySeed: [UInt8] = (0..<32).map { UInt8(($0 * 29 + 7) & 0xFF) }

    /// The subscription identifier the fixtures' frames carry.
    public static let subscription: UInt64 = 0x5EED_2028_C0FF_EE01

    /// The expectation text of a datagram: decode it and describe the result.
    /// A sealed one (Spec/ENCRYPTION.md) is opened with the sealing vector's key.
    public static func expectation(of bytes: [UInt8]) throws(WireError) -> String {
        if SealedFrame.isSealed(bytes) { return try sealedExpectation(of: bytes).prettyText() }
        let (header, datagram) = try Datagram.decodeWithHeader(bytes)
        return datagram.description(header: header).prettyText()
    }

    /// Dictionary 1 as the built-in roster and catalogues lay it out (Spec §4.4).
    public static func standardDictionaryLayout() throws(WireError) -> [UInt8] {
        try CompressionDictionary.layout(roster: .original, catalogs: [.portuguese, .english])
    }

    /// Writes dictionary 1, laid out from the built-in roster and catalogues, to `file`.
    public static func writeDictionary(to file: URL) throws {
        try Data(standardDictionaryLayout()).write(to: file)
    }

    /// Compares dictionary 1 three ways: the file (`Spec/dictionary-1.bin`), the bytes the
    /// `Wire` module holds, and the layout of the built-in roster and catalogues.
    public static func checkDictionary(_ file: URL) -> [Drift] {
        var drifts: [Drift] = []
        let held = CompressionDictionary.standard.bytes
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return [Drift(file: file.lastPathComponent, problem: "missing")]
        }
        if [UInt8](data) != held {
            drifts.append(
                Drift(
                    file: file.lastPathComponent,
                    problem: "differs from the dictionary the Wire module holds (\(data.count) bytes on disk, \(held.count) held)"))
        }
        do {
            if try standardDictionaryLayout() != held {
                drifts.append(
                    Drift(
                        file: file.lastPathComponent,
                        problem:
                            "the built-in roster or catalogues no longer lay out as dictionary 1 (a protocol constant: leave it, or define a new dictionary id)"
                    ))
            }
        } catch {
            drifts.append(Drift(file: file.lastPathComponent, problem: "the built-in roster or catalogues cannot be laid out: \(error)"))
        }
        return drifts
    }

    /// Writes every fixture into `directory` (created if needed), removing stale `.bin`/`.json` files.
    public func write(to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let wanted = Set(fixtures.flatMap { ["\($0.name).bin", "\($0.name).json"] })
        for file in try manager.contentsOfDirectory(atPath: directory.path) where !wanted.contains(file) {
            if file.hasSuffix(".bin") || file.hasSuffix(".json") {
                try manager.removeItem(at: directory.appendingPathComponent(file))
            }
        }
        for fixture in fixtures {
            try Data(fixture.bytes).write(to: directory.appendingPathComponent("\(fixture.name).bin"))
            try Data(fixture.expectation.utf8).write(to: directory.appendingPathComponent("\(fixture.name).json"))
        }
    }

    /// Compares `directory` with the generated fixtures, on content (Spec §4.4): each `.bin`
    /// must be a canonical encoding whose content (compressed bodies inflated) equals the
    /// generated frame's, and each `.json` must describe its `.bin`. Compressed bytes are not
    /// compared, so fixtures made with one zlib build check clean with another.
    public func check(_ directory: URL) -> [Drift] {
        var drifts: [Drift] = []
        let manager = FileManager.default
        let present: [String]
        do {
            present = try manager.contentsOfDirectory(atPath: directory.path)
        } catch {
            return [Drift(file: directory.path, problem: "cannot list the fixtures folder: \(error.localizedDescription)")]
        }
        for fixture in fixtures {
            let binary = "\(fixture.name).bin"
            let text = "\(fixture.name).json"
            guard let data = manager.contents(atPath: directory.appendingPathComponent(binary).path) else {
                drifts.append(Drift(file: binary, problem: "missing"))
                continue
            }
            let onDisk = [UInt8](data)
            do {
                // A sealed fixture is compared opened (its plaintext may be compressed, and DEFLATE's
                // bytes differ between zlib builds); its description covers its clear part.
                let actual = SealedFrame.isSealed(onDisk) ? try Self.openSealed(onDisk) : onDisk
                let generated = SealedFrame.isSealed(fixture.bytes) ? try Self.openSealed(fixture.bytes) : fixture.bytes
                let (header, datagram) = try Datagram.decodeWithHeader(actual)
                try datagram.checkCanonical(actual, header: header)
                let generatedHeader = try Datagram.decodeWithHeader(generated).header
                let ours = try Self.content(of: generated, header: generatedHeader)
                let theirs = try Self.content(of: actual, header: header)
                if ours != theirs {
                    let at = zip(theirs, ours).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(theirs.count, ours.count)
                    drifts.append(
                        Drift(
                            file: binary,
                            problem:
                                "content differs from the generated frame's at byte \(at) (\(theirs.count) bytes on disk, \(ours.count) generated, compressed bodies inflated)"
                        ))
                }
                let described = Array(try Self.expectation(of: onDisk).utf8)
                guard let textData = manager.contents(atPath: directory.appendingPathComponent(text).path) else {
                    drifts.append(Drift(file: text, problem: "missing"))
                    continue
                }
                if [UInt8](textData) != described {
                    let written = [UInt8](textData)
                    let at =
                        zip(written, described).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(written.count, described.count)
                    drifts.append(Drift(file: text, problem: "differs from the description of \(binary) at byte \(at)"))
                }
            } catch {
                drifts.append(Drift(file: binary, problem: "\(error)"))
            }
        }
        let wanted = Set(fixtures.flatMap { ["\($0.name).bin", "\($0.name).json"] })
        for file in present.sorted() where (file.hasSuffix(".bin") || file.hasSuffix(".json")) && !wanted.contains(file) {
            drifts.append(Drift(file: file, problem: "not generated any more"))
        }
        return drifts
    }

    /// A datagram's content: a frame's with its body inflated, an original packet's bytes as they are.
    private static func content(of bytes: [UInt8], header: FrameHeader?) throws(WireError) -> [UInt8] {
        guard let header else { return bytes }
        return try Frame.content(of: bytes, header: header)
    }
}
