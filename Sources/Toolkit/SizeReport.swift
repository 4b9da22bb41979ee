import Foundation
import GroupSigning
import Match
import Wire

/// Datagram sizes of whole matches in each encoding: what `simulate --sizes` prints.
public struct SizeReport: Sendable {
    /// Median and maximum of one encoding's datagram sizes.
    public struct Figures: Sendable, Hashable {
        /// What was measured.
        public var encoding: String
        /// The median size in bytes (the lower middle value for an even count).
        public var median: Int
        /// The largest size in bytes.
        public var maximum: Int
        /// How many datagrams were measured.
        public var count: Int

        init(encoding: String, sizes: [Int]) {
            let sorted = sizes.sorted()
            self.encoding = encoding
            self.count = sorted.count
            self.median = sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
            self.maximum = sorted.last ?? 0
        }
    }

    /// What was measured: `seed 2024`, `3 seeds from 2024`, or the real matches' names.
    public let label: String
    /// How many events were measured.
    public let events: Int
    /// Figures per encoding: compact frame, json frame, original bare JSON, zlib-compressed original
    /// JSON; then the welcome a client joining after each event would get, without and with the
    /// standard preset dictionary; for real matches also the base layout's compact frame
    /// (Spec §4.13); and the compact and JSON frames and the dictionary welcome as a sealed
    /// subscription gets them (Spec/ENCRYPTION.md).
    public let figures: [Figures]

    /// Measures every event datagram of the matches of `seeds`.
    public init(seeds: [UInt64], roster: Roster = .original, catalog: PhraseCatalog = .english) throws(WireError) {
        var sizes = Sizes()
        for seed in seeds {
            let (events, _) = MatchSimulator.play(seed: seed, roster: roster, catalog: catalog)
            try sizes.measure(events, roster: roster, catalog: catalog, real: false)
        }
        label = seeds.count == 1 ? "seed \(seeds.first ?? 0)" : "\(seeds.count) seeds from \(seeds.first ?? 0)"
        events = sizes.compact.count
        figures = sizes.figures(real: false)
    }

    /// Measures every event datagram of real matches given as feeds (`import … --sizes`), in the
    /// extended layout and the base one.
    ///
    /// - Throws: ``WireError`` for a feed line that does not read (with its line number in the message).
    public init(feeds: [[FeedLine]], label: String) throws(WireError) {
        var sizes = Sizes()
        for feed in feeds {
            let whole: FeedDecoder.Whole
            do {
                whole = try FeedDecoder.read(feed)
            } catch {
                throw WireError(error.error.code, field: error.error.field, offset: error.error.offset, "line \(error.line): \(error.error.message)")
            }
            guard let roster = whole.roster else { continue }
            try sizes.measure(whole.events, roster: roster, catalog: whole.catalog, real: roster.needsExtension)
        }
        self.label = label
        events = sizes.compact.count
        figures = sizes.figures(real: true)
    }

    /// The sizes gathered, per encoding.
    private struct Sizes {
        var compact: [Int] = []
        var compactSealed: [Int] = []
        var jsonSealed: [Int] = []
        var welcomeSealed: [Int] = []
        var base: [Int] = []
        var json: [Int] = []
        var original: [Int] = []
        var zlib: [Int] = []
        var welcomePlain: [Int] = []
        var welcomeDictionary: [Int] = []

        mutating func measure(_ events: [MatchEvent], roster: Roster, catalog: PhraseCatalog, real: Bool) throws(WireError) {
            let projection = real ? try BaseProjection(roster: roster, catalog: catalog) : nil
            // Sealed as an encrypted subscription gets them (Spec/ENCRYPTION.md): the vector's key,
            // any key giving the same sizes.
            let vector = try GoldenFixtures.sealingVector()
            for (index, event) in events.enumerated() {
                let sequence = UInt32(truncatingIfNeeded: index)
                let compactBytes = try Frame.compactEvent(event, sequence: sequence, subscription: 1, extended: real).encoded()
                compact.append(compactBytes.count)
                compactSealed.append(try vector.key.seal(compactBytes).count)
                if let projection {
                    base.append(try Frame.compactEvent(projection.event(event), sequence: sequence).encoded().count)
                }
                let jsonFrame = try Frame.jsonEvent(event, sequence: sequence, roster: roster, catalog: catalog)
                var stampedJSON = jsonFrame
                stampedJSON.subscription = 1
                let jsonBytes = try stampedJSON.encoded()
                json.append(jsonBytes.count)
                jsonSealed.append(try vector.key.seal(jsonBytes).count)
                guard case .event(.json(let datagram)) = jsonFrame.body else { continue }
                let bare = try datagram.encoded()
                original.append(bare.count)
                zlib.append(try Compression.deflate(bare, zlibWrapped: true).count)
                for dictionary in [CompressionDictionary.none, .standard] {
                    var welcome = Frame(
                        sequence: sequence, eventType: event.type, score: event.score, minute: event.minute,
                        body: .welcome(
                            Welcome(
                                format: .compact, dictionary: dictionary.id, matchID: 1, heartbeatSeconds: 5,
                                intervalMicroseconds: 1_000_000, roster: roster, catalog: catalog,
                                current: CompactEvent(event))))
                    welcome.extended = real
                    welcome.subscription = 1
                    let bytes = try welcome.encoded()
                    if dictionary == .none {
                        welcomePlain.append(bytes.count)
                    } else {
                        welcomeDictionary.append(bytes.count)
                        welcomeSealed.append(try vector.key.seal(bytes, keyShare: vector.server.publicBytes, counter: 1).count)
                    }
                }
            }
        }

        func figures(real: Bool) -> [Figures] {
            [
                Figures(encoding: real ? "compact, extended" : "compact frame", sizes: compact),
                Figures(encoding: real ? "compact, ext., sealed" : "compact frame, sealed", sizes: compactSealed),
            ]
                + (real ? [Figures(encoding: "compact, base layout", sizes: base)] : []) + [
                    Figures(encoding: "json frame", sizes: json),
                    Figures(encoding: "json frame, sealed", sizes: jsonSealed),
                    Figures(encoding: "original json (bare)", sizes: original),
                    Figures(encoding: "original json, zlib -9", sizes: zlib),
                    Figures(encoding: "welcome, no dictionary", sizes: welcomePlain),
                    Figures(encoding: "welcome, dictionary 1", sizes: welcomeDictionary),
                    Figures(encoding: "welcome, dict. 1, sealed", sizes: welcomeSealed),
                ]
        }
    }

    /// A small table.
    public func textLines() -> [String] {
        var lines = [
            "Bytes per datagram (\(label), \(events) events; welcomes as a client joining after each event gets them):",
            "encoding                 median     max",
        ]
        for figure in figures {
            lines.append(
                "\(figure.encoding.padded(to: 22))  \(String(figure.median).padded(to: 7, alignRight: true)) \(String(figure.maximum).padded(to: 7, alignRight: true))"
            )
        }
        return lines
    }
}
