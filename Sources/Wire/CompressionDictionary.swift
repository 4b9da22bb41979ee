/// A preset DEFLATE dictionary (Spec §4.4): bytes both sides hold before any datagram, so that
/// a compressed body may refer back into them. The header's flags name the dictionary a body
/// was compressed with, so every frame still decodes on its own.
public struct CompressionDictionary: Sendable, Hashable {
    /// The identifier on the wire (header flags bits 3–4; register and welcome bodies).
    public let id: UInt8
    /// Its name, for people (`none`, `standard`).
    public let name: String
    /// The dictionary's bytes (empty for ``none``).
    public let bytes: [UInt8]

    /// No dictionary (id 0).
    public static let none = CompressionDictionary(id: 0, name: "none", bytes: [])

    /// Dictionary 1, "standard": the original roster's two team sheets between the Portuguese
    /// and the English phrase catalogues, each encoded exactly as a welcome body encodes it
    /// (Spec §4.4; the bytes are `Spec/dictionary-1.bin`). A welcome for the original
    /// teams then compresses to a few dozen bytes instead of about 1,100.
    public static let standard = CompressionDictionary(id: 1, name: "standard", bytes: decodeHex(standardHex))

    /// The dictionaries this implementation holds, by id.
    public static let known: [CompressionDictionary] = [.none, .standard]

    /// The largest id the header's two flag bits can name.
    public static let maximumID: UInt8 = 3

    /// The dictionary with identifier `id`, or `nil` when this implementation does not hold it.
    public static func withID(_ id: UInt8) -> CompressionDictionary? {
        known.first { $0.id == id }
    }

    /// The dictionary `id` names, or an `outOfRange` error naming `field` and `offset` when
    /// this implementation holds none with that id.
    ///
    /// - Parameters:
    ///   - id: the dictionary id, as a header's flags or a body carry it.
    ///   - field: the field an error names (`"header.flags.dictionary"`).
    ///   - offset: the byte offset an error names.
    /// - Throws: ``WireError/Code/outOfRange`` when no dictionary in ``known`` has `id`.
    public static func named(_ id: UInt8, field: String, offset: Int) throws(WireError) -> CompressionDictionary {
        guard let dictionary = withID(id) else {
            let ids = known.map { "\($0.id) (\($0.name))" }.joined(separator: " or ")
            throw WireError(.outOfRange, field: field, offset: offset, "dictionary \(id) is not defined; expected \(ids)")
        }
        return dictionary
    }

    /// The bytes a dictionary built from `roster` and these catalogues would hold, laid out as
    /// dictionary 1 is: `catalogs` except the last, the roster, then the last catalogue (the
    /// most likely one goes nearest the data, where DEFLATE's references are cheapest).
    ///
    /// - Parameters:
    ///   - roster: both team sheets, encoded as a welcome encodes them.
    ///   - catalogs: the phrase catalogues, the most likely last.
    /// - Throws: ``WireError`` when the roster or a catalogue does not fit a welcome:
    ///   ``WireError/Code/outOfRange`` for a team of 0 or more than 126 players, or a catalogue without
    ///   1...255 templates for each event type; ``WireError/Code/tooLarge`` for a string over 255 bytes.
    public static func layout(roster: Roster, catalogs: [PhraseCatalog]) throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: 8192)
        for catalog in catalogs.dropLast() { try Welcome.writeCatalog(catalog, to: &writer) }
        try Welcome.writeRoster(roster, to: &writer)
        if let last = catalogs.last { try Welcome.writeCatalog(last, to: &writer) }
        return writer.bytes
    }

    static func decodeHex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            default: continue  // line breaks
            }
            if let value = high {
                bytes.append(value << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
