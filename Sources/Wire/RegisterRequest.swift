/// The body of a register frame: the formats a client accepts, best first, the
/// address-validation token it echoes (empty on a first attempt), the preset compression
/// dictionaries it holds, the match it wants (0: any live one), and zero padding.
///
/// A register frame is padded to at least ``minimumFrameSize`` bytes so that the server's
/// answer to an address it has not validated yet (a challenge or a refusal) is never larger
/// than what it received: the server can never be used to amplify traffic.
public struct RegisterRequest: Sendable, Hashable, Codable {
    /// The longest token a register frame may carry.
    public static let maximumTokenLength = 64
    /// The least size of a register frame, header included.
    public static let minimumFrameSize = 64

    /// The body formats accepted, in order of preference: `json`, `compact` or both, no repeats.
    public var formats: [BodyFormat]
    /// The token from an earlier challenge, or empty.
    public var token: [UInt8]
    /// The ids of the preset compression dictionaries the client holds (1…3, no repeats, at
    /// most 3), best first; empty when it holds none. Not sent at all when empty (Spec §4.1).
    public var dictionaries: [UInt8]
    /// The match to follow (a welcome's `matchID`), or ``anyMatch`` for the first live one.
    /// Not sent at all when it is ``anyMatch`` (Spec §4.1).
    public var match: UInt32
    /// How the client takes its events: unicast, or from the multicast group the welcome
    /// offers (Spec §4.11). Not sent at all when unicast (Spec §4.1).
    public var delivery: Delivery
    /// What the client understands beyond the base protocol (Spec §4.1, §4.13). Not sent at all
    /// when empty and no subscriber token follows.
    public var features: RegisterFeatures = []
    /// The operator-signed subscriber token (Spec/TOKENS.md) that admits the client, or empty.
    /// Not sent at all when empty.
    public var subscriberToken: [UInt8] = []

    /// The client's X25519 key share for an encrypted subscription (Spec/ENCRYPTION.md): 32
    /// bytes, or empty when it asks for none. Not sent at all when empty.
    public var keyShare: [UInt8] = []

    /// The longest subscriber token a register may carry (its length is one byte).
    public static let maximumSubscriberToken = 255
    /// The size of a key share (an X25519 public key).
    public static let keyShareSize = 32
    /// Zero bytes after the token (and dictionaries, and match).
    public var padding: Int

    /// The match selector meaning "the first live match".
    public static let anyMatch: UInt32 = 0

    /// How a subscriber takes its events (Spec §4.1, §4.11).
    public enum Delivery: UInt8, Sendable, Hashable, Codable {
        /// Every event sent to the subscriber's address.
        case unicast = 0
        /// Events from the server's multicast group; only repairs, heartbeats, the welcome and
        /// the end sent to the subscriber's address.
        case group = 1
    }

    /// Creates a request with `padding` zero bytes at the end.
    public init(
        formats: [BodyFormat], token: [UInt8] = [], dictionaries: [UInt8] = [], match: UInt32 = anyMatch,
        delivery: Delivery = .unicast, features: RegisterFeatures = [], subscriberToken: [UInt8] = [], keyShare: [UInt8] = [],
        padding: Int = 0
    ) {
        self.formats = formats
        self.token = token
        self.dictionaries = dictionaries
        self.match = match
        self.delivery = delivery
        self.features = features
        self.subscriberToken = subscriberToken
        self.keyShare = keyShare
        self.padding = padding
    }

    /// The body's size without padding, in its canonical encoding.
    var unpaddedSize: Int {
        let optional =
            !keyShare.isEmpty
            ? 1 + dictionaries.count + 4 + 1 + 1 + 1 + subscriberToken.count + 1 + keyShare.count
            : !subscriberToken.isEmpty
                ? 1 + dictionaries.count + 4 + 1 + 1 + 1 + subscriberToken.count
                : !features.isEmpty
                    ? 1 + dictionaries.count + 4 + 1 + 1
                    : delivery != .unicast
                        ? 1 + dictionaries.count + 4 + 1
                        : match != Self.anyMatch ? 1 + dictionaries.count + 4 : (dictionaries.isEmpty ? 0 : 1 + dictionaries.count)
        return 1 + formats.count + 1 + token.count + optional
    }

    /// A request padded so that its frame is exactly ``minimumFrameSize`` bytes (or unpadded if already larger).
    public static func padded(
        formats: [BodyFormat], token: [UInt8] = [], dictionaries: [UInt8] = [],
        match: UInt32 = anyMatch, delivery: Delivery = .unicast, features: RegisterFeatures = [], subscriberToken: [UInt8] = [],
        keyShare: [UInt8] = []
    ) -> RegisterRequest {
        var request = RegisterRequest(
            formats: formats, token: token, dictionaries: dictionaries, match: match, delivery: delivery, features: features,
            subscriberToken: subscriberToken, keyShare: keyShare)
        request.padding = max(0, minimumFrameSize - FrameHeader.size - request.unpaddedSize)
        return request
    }

    /// The most dictionary ids a register may list.
    public static let maximumDictionaries = 3

    /// Appends the body.
    ///
    /// - Throws: ``WireError/Code/outOfRange`` when the formats are not 1 or 2 distinct of json and compact,
    ///   or the dictionaries not at most ``maximumDictionaries`` distinct ids 1...3;
    ///   ``WireError/Code/tooLarge`` for a token longer than ``maximumTokenLength``.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        guard (1...2).contains(formats.count), Set(formats).count == formats.count, !formats.contains(.none) else {
            throw WireError(
                .outOfRange, field: "body.formats", offset: writer.bytes.count,
                "formats must be 1 or 2 distinct values of json and compact")
        }
        guard token.count <= Self.maximumTokenLength else {
            throw WireError(
                .tooLarge, field: "body.token", offset: writer.bytes.count,
                "token of \(token.count) bytes exceeds \(Self.maximumTokenLength)")
        }
        writer.writeUInt8(UInt8(formats.count))
        for format in formats { writer.writeUInt8(format.rawValue) }
        writer.writeUInt8(UInt8(token.count))
        writer.writeBytes(token)
        guard dictionaries.count <= Self.maximumDictionaries, Set(dictionaries).count == dictionaries.count,
            dictionaries.allSatisfy({ (1...CompressionDictionary.maximumID).contains($0) })
        else {
            throw WireError(
                .outOfRange, field: "body.dictionaries", offset: writer.bytes.count,
                "dictionaries must be at most \(Self.maximumDictionaries) distinct ids 1...\(CompressionDictionary.maximumID)")
        }
        // The dictionary count is omitted when 0, unless a match follows it; the match when 0,
        // unless a delivery follows it; the delivery when unicast, unless features follow it;
        // the features when none, unless a subscriber token follows them; the token when none (Spec §4.1).
        guard subscriberToken.count <= Self.maximumSubscriberToken else {
            throw WireError(
                .tooLarge, field: "body.subscriber_token", offset: writer.bytes.count,
                "subscriber token of \(subscriberToken.count) bytes exceeds \(Self.maximumSubscriberToken)")
        }
        guard keyShare.isEmpty || keyShare.count == Self.keyShareSize else {
            throw WireError(
                .outOfRange, field: "body.key_share", offset: writer.bytes.count,
                "key share of \(keyShare.count) bytes; expected \(Self.keyShareSize)")
        }
        let hasShare = !keyShare.isEmpty
        let hasToken = !subscriberToken.isEmpty || hasShare
        let hasFeatures = !features.isEmpty || hasToken
        if !dictionaries.isEmpty || match != Self.anyMatch || delivery != .unicast || hasFeatures {
            writer.writeUInt8(UInt8(dictionaries.count))
            writer.writeBytes(dictionaries)
        }
        if match != Self.anyMatch || delivery != .unicast || hasFeatures { writer.writeUInt32(match) }
        if delivery != .unicast || hasFeatures { writer.writeUInt8(delivery.rawValue) }
        if hasFeatures { writer.writeUInt8(features.rawValue) }
        if hasToken {
            writer.writeUInt8(UInt8(subscriberToken.count))
            writer.writeBytes(subscriberToken)
        }
        if hasShare {
            writer.writeUInt8(UInt8(keyShare.count))
            writer.writeBytes(keyShare)
        }
        writer.writeBytes(repeatElement(0, count: max(0, padding)))
    }

    /// Reads the body.
    ///
    /// - Parameter reader: a reader at the body's first byte; every remaining byte is read, and
    ///   optional fields left at zero count as padding.
    /// - Throws: ``WireError/Code/truncated`` when the body ends early; ``WireError/Code/unknownFormat``
    ///   for a format other than json or compact, or a repeated one; ``WireError/Code/outOfRange`` for a
    ///   format count other than 1 or 2, a token over ``maximumTokenLength``, a dictionary list not of
    ///   distinct ids 1...3, or an unknown delivery; ``WireError/Code/reservedBits`` for non-zero padding.
    public static func read(from reader: inout ByteReader) throws(WireError) -> RegisterRequest {
        let countOffset = reader.offset
        let count = try reader.readUInt8(field: "body.formats.count")
        guard (1...2).contains(count) else {
            throw WireError(.outOfRange, field: "body.formats.count", offset: countOffset, "\(count) formats; expected 1 or 2")
        }
        var formats: [BodyFormat] = []
        for index in 0..<Int(count) {
            let offset = reader.offset
            let code = try reader.readUInt8(field: "body.formats[\(index)]")
            guard let format = BodyFormat(rawValue: code), format != .none, !formats.contains(format) else {
                throw WireError(
                    .unknownFormat, field: "body.formats[\(index)]", offset: offset,
                    "format \(code); expected json (1) or compact (2), each at most once")
            }
            formats.append(format)
        }
        let tokenOffset = reader.offset
        let tokenLength = Int(try reader.readUInt8(field: "body.token.length"))
        guard tokenLength <= maximumTokenLength else {
            throw WireError(
                .outOfRange, field: "body.token.length", offset: tokenOffset,
                "token of \(tokenLength) bytes; at most \(maximumTokenLength)")
        }
        let token = try reader.readBytes(tokenLength, field: "body.token")
        let countOffsetAfterToken = reader.offset
        // The dictionary list is optional; a zero count byte reads the same as the first byte of
        // padding. The match selector after it is optional too: four zero bytes (or fewer than
        // four bytes left) read as "any match", the same as padding.
        var dictionaries: [UInt8] = []
        if reader.remaining > 0, let countByte = reader.peekUInt8() {
            let countOffset = reader.offset
            _ = try reader.readUInt8(field: "body.dictionaries.count")
            guard Int(countByte) <= maximumDictionaries else {
                throw WireError(
                    .outOfRange, field: "body.dictionaries.count", offset: countOffset,
                    "\(countByte) dictionaries; expected 0...\(maximumDictionaries)")
            }
            for index in 0..<Int(countByte) {
                let offset = reader.offset
                let id = try reader.readUInt8(field: "body.dictionaries[\(index)]")
                guard (1...CompressionDictionary.maximumID).contains(id), !dictionaries.contains(id) else {
                    throw WireError(
                        .outOfRange, field: "body.dictionaries[\(index)]", offset: offset,
                        "dictionary \(id); expected 1...\(CompressionDictionary.maximumID), each at most once")
                }
                dictionaries.append(id)
            }
        }
        var match = anyMatch
        var delivery = Delivery.unicast
        var features: RegisterFeatures = []
        var subscriberToken: [UInt8] = []
        var keyShare: [UInt8] = []
        if reader.remaining >= 4 {
            match = try reader.readUInt32(field: "body.match")
            // The delivery byte is optional as well: a zero reads as unicast, the same as padding.
            if reader.remaining > 0 {
                let deliveryOffset = reader.offset
                let code = try reader.readUInt8(field: "body.delivery")
                guard let value = Delivery(rawValue: code) else {
                    throw WireError(
                        .outOfRange, field: "body.delivery", offset: deliveryOffset,
                        "delivery \(code); expected 0 (unicast) or 1 (multicast group)")
                }
                delivery = value
                // So are the features, after the delivery: a zero reads as none, the same as
                // padding; bits this implementation does not know are kept and ignored (Spec §4.1).
                if reader.remaining > 0 {
                    features = RegisterFeatures(rawValue: try reader.readUInt8(field: "body.features"))
                    // Then the subscriber token: a zero length reads as none, the same as padding.
                    if reader.remaining > 0 {
                        let length = try reader.readUInt8(field: "body.subscriber_token.length")
                        subscriberToken = try reader.readBytes(Int(length), field: "body.subscriber_token")
                        // Then the key share: a zero length reads as none, the same as padding.
                        if reader.remaining > 0, let shareLength = reader.peekUInt8(), shareLength != 0 {
                            let shareOffset = reader.offset
                            _ = try reader.readUInt8(field: "body.key_share.length")
                            guard Int(shareLength) == keyShareSize else {
                                throw WireError(
                                    .outOfRange, field: "body.key_share.length", offset: shareOffset,
                                    "key share of \(shareLength) bytes; expected \(keyShareSize) (an X25519 public key) or 0")
                            }
                            keyShare = try reader.readBytes(keyShareSize, field: "body.key_share")
                        }
                    }
                }
            }
        }
        let paddingStart = reader.offset
        let padding = try reader.readBytes(reader.remaining, field: "body.padding")
        if let nonZero = padding.firstIndex(where: { $0 != 0 }) {
            throw WireError(.reservedBits, field: "body.padding", offset: paddingStart + nonZero, "padding must be zero bytes")
        }
        // The optional fields' bytes that their canonical encoding omits (zeros) were padding.
        var request = RegisterRequest(
            formats: formats, token: token, dictionaries: dictionaries, match: match, delivery: delivery, features: features,
            subscriberToken: subscriberToken, keyShare: keyShare)
        let zeroFields = (paddingStart - countOffsetAfterToken) - (request.unpaddedSize - 2 - formats.count - token.count)
        request.padding = padding.count + zeroFields
        return request
    }
}

/// What a client understands beyond the base protocol, as its register says (Spec §4.1).
public struct RegisterFeatures: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bit 0: real matches in the extended layout (Spec §4.13): event types 9–13, line-ups with
    /// substitutes, marks, periods and shoot-outs.
    public static let realMatches = RegisterFeatures(rawValue: 0x01)
}
