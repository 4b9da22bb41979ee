/// A frame whose body is sealed (Spec/ENCRYPTION.md): body format 3 in its header's flags, the
/// header in clear, then the body's clear prefix (a welcome's server key share and counter; an
/// end's or a refuse's counter; nothing for an event), then the ChaCha20-Poly1305 ciphertext of
/// the frame's plaintext body and its 16-byte tag.
///
/// This is the layout only, free of cryptography (the decoders, `validate` without a key and the
/// fuzzers read it): `GroupSigning`'s `SubscriptionKey` seals and opens. The header and the
/// prefix are the associated data; the nonce comes from the header (``nonce``).
public struct SealedFrame: Sendable, Hashable {
    /// The body format value that marks a sealed body (flags bits 0–1).
    public static let formatBits: UInt8 = 3
    /// A group event's byte 19: its group key's epoch (Spec/ENCRYPTION.md, "Multicast").
    static let epochOffset = 19
    /// The authentication tag's size.
    public static let tagSize = 16
    /// A counter's size (welcome, end, refuse).
    public static let counterSize = 4
    /// The nonce's size (ChaCha20-Poly1305, RFC 8439).
    public static let nonceSize = 12

    /// The header as sent (format 3, the sealed body's length), 23 bytes.
    public var header: [UInt8]
    /// Its kind: welcome, event, end or refuse (``sealable(_:)``).
    public var kind: FrameKind
    /// Its flags byte as sent.
    public var flags: UInt8
    /// Its sequence number.
    public var sequence: UInt32
    /// Its subscription identifier.
    public var subscription: UInt64
    /// A welcome's server key share (32 bytes); empty for other kinds.
    public var keyShare: [UInt8]
    /// A welcome's, end's or refuse's counter (Spec/ENCRYPTION.md, "Nonces"); nil for an event.
    public var counter: UInt32?
    /// The ciphertext, as long as the plaintext body.
    public var ciphertext: [UInt8]
    /// The authentication tag.
    public var tag: [UInt8]
    /// A group event's 64-byte Ed25519 signature of every byte before it (Spec §4.11); empty
    /// for other kinds.
    public var signature: [UInt8] = []
    /// A sealed group event's epoch (header byte 19): which group key sealed it; 0 for other kinds.
    public var epoch: UInt8 = 0

    /// Whether `kind`'s frames may be sealed: those that carry match content or end a subscription.
    public static func sealable(_ kind: FrameKind) -> Bool {
        kind == .welcome || kind == .event || kind == .end || kind == .refuse
    }

    /// The clear prefix's size for `kind`: a welcome's key share and counter, an end's or a
    /// refuse's counter, nothing for an event.
    public static func prefixSize(_ kind: FrameKind) -> Int {
        switch kind {
        case .welcome: RegisterRequest.keyShareSize + counterSize
        case .end, .refuse: counterSize
        default: 0
        }
    }

    /// Whether `bytes` start like a SoccerStream frame whose body is sealed (magic, then flags
    /// bits 0–1 = 3), judged without decoding.
    public static func isSealed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= FrameHeader.size && FrameHeader.startsWithMagic(bytes) && bytes[FrameHeader.flagsOffset] & FrameHeader.formatMask == formatBits
    }

    /// The header and prefix: the associated data the tag covers.
    public var associatedData: [UInt8] {
        header + keyShare + (counter.map { withUnsafeBytes(of: $0.bigEndian) { Array($0) } } ?? [])
    }

    /// The nonce: kind, flags, sequence (4 bytes), counter (4 bytes, 0 for an event), two zero bytes.
    public var nonce: [UInt8] {
        Self.nonce(kind: kind, flags: flags, sequence: sequence, counter: counter ?? 0)
    }

    /// A sealed group event's nonce for its plaintext `format`: kind 13, flags, sequence, match id
    /// (4 bytes), format, epoch. One group key serves every match and both formats, so both are in it.
    public func groupNonce(format: BodyFormat) -> [UInt8] {
        Self.groupNonce(flags: flags, sequence: sequence, match: UInt32(truncatingIfNeeded: subscription >> 32), format: format, epoch: epoch)
    }

    /// The nonce of a sealed group event (``groupNonce(format:)``).
    public static func groupNonce(flags: UInt8, sequence: UInt32, match: UInt32, format: BodyFormat, epoch: UInt8) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeUInt8(FrameKind.groupEvent.rawValue)
        writer.writeUInt8(flags)
        writer.writeUInt32(sequence)
        writer.writeUInt32(match)
        writer.writeUInt8(format.rawValue)
        writer.writeUInt8(epoch)
        return writer.bytes
    }

    /// The 12-byte nonce of a frame of `kind` with `flags` (as sent, format 3), `sequence` and `counter`.
    public static func nonce(kind: FrameKind, flags: UInt8, sequence: UInt32, counter: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeUInt8(kind.rawValue)
        writer.writeUInt8(flags)
        writer.writeUInt32(sequence)
        writer.writeUInt32(counter)
        writer.writeUInt16(0)
        return writer.bytes
    }

    /// Reads a sealed frame's layout.
    ///
    /// - Throws: ``WireError``: the header's errors (``FrameHeader/read(from:datagramSize:)``, as
    ///   for any frame, the format aside); ``WireError/Code/unknownFormat`` when the body is not
    ///   sealed or its kind is never sealed; ``WireError/Code/truncated`` when the body is
    ///   shorter than its prefix and tag.
    public static func parse(_ bytes: [UInt8]) throws(WireError) -> SealedFrame {
        try ByteReader(bytes).require(FrameHeader.size, field: "header")
        let format = bytes[FrameHeader.flagsOffset] & FrameHeader.formatMask
        guard format == formatBits else {
            throw WireError(
                .unknownFormat, field: "header.flags.format", offset: FrameHeader.flagsOffset, "format \(format); a sealed body has format 3")
        }
        // Every other header rule is the one of any frame: read it as compact.
        var probe = Array(bytes[0..<FrameHeader.size])
        probe[FrameHeader.flagsOffset] = probe[FrameHeader.flagsOffset] & ~FrameHeader.formatMask | BodyFormat.compact.rawValue
        var reader = ByteReader(probe)
        let header = try FrameHeader.read(from: &reader, datagramSize: bytes.count)
        let group = header.kind == .groupEvent
        guard sealable(header.kind) || group else {
            throw WireError(
                .unknownFormat, field: "header.flags.format", offset: 4,
                "a \(header.kind.name) frame is never sealed (only welcome, event, end, refuse, group event)")
        }
        if group {
            // Bytes 15–18 the match, 19 the epoch, 20–22 zero (Spec/ENCRYPTION.md, "Multicast").
            guard bytes[15..<19].contains(where: { $0 != 0 }) else {
                throw WireError(.outOfRange, field: "header.match", offset: 15, "a group event carries its match id in bytes 15–18; found 0")
            }
            if let nonZero = (20..<23).first(where: { bytes[$0] != 0 }) {
                throw WireError(.reservedBits, field: "header.reserved", offset: nonZero, "a sealed group event carries zero in bytes 20–22")
            }
        }
        var body = ByteReader(bytes, base: 0)
        _ = try body.readBytes(FrameHeader.size, field: "header")
        let keyShare = header.kind == .welcome ? try body.readBytes(RegisterRequest.keyShareSize, field: "body.key_share") : []
        let counter = prefixSize(header.kind) > 0 ? try body.readUInt32(field: "body.counter") : nil
        let trailer = group ? GroupSignature.size : 0
        guard body.remaining >= tagSize + trailer else {
            throw WireError(
                .truncated, field: "body.tag", offset: body.offset,
                "\(body.remaining - trailer) bytes left; a sealed body ends with a \(tagSize)-byte tag")
        }
        let ciphertext = try body.readBytes(body.remaining - tagSize - trailer, field: "body.ciphertext")
        let tag = try body.readBytes(tagSize, field: "body.tag")
        var frame = SealedFrame(
            header: Array(bytes[0..<FrameHeader.size]), kind: header.kind, flags: bytes[FrameHeader.flagsOffset], sequence: header.sequence,
            subscription: header.subscription, keyShare: keyShare, counter: counter, ciphertext: ciphertext, tag: tag)
        if group {
            frame.signature = try body.readBytes(trailer, field: "signature")
            frame.epoch = bytes[Self.epochOffset]
            // A group event's bytes 15–22 are its match (15–18) and the epoch (19): the match is kept here.
            frame.subscription = header.subscription & 0xFFFF_FFFF_0000_0000
        }
        return frame
    }

    /// The plaintext frame's bytes, given its opened body: the header with format `format` and
    /// the plaintext's length, then the body. The result decodes like any frame.
    /// A group event's keeps its signature after the body (checked before opening: it covers the
    /// sealed bytes) and zero in byte 19, as a group event in clear.
    public func plaintext(body: [UInt8], format: BodyFormat) -> [UInt8] {
        var bytes = header
        bytes[FrameHeader.flagsOffset] = flags & ~FrameHeader.formatMask | format.rawValue
        FrameHeader.setBodyLength(body.count, in: &bytes)
        if kind == .groupEvent { bytes[Self.epochOffset] = 0 }
        return bytes + body + signature
    }

    /// The clear part of `plaintext` (a frame's bytes) once sealed: its header with format 3 and
    /// the sealed body's length, then the prefix (`keyShare` for a welcome, `counter` for a
    /// welcome, an end or a refuse); with the nonce and the plaintext body to seal.
    ///
    /// - Throws: ``WireError/Code/unknownFormat`` for a kind never sealed;
    ///   ``WireError/Code/tooLarge`` when the sealed body would not fit a datagram;
    ///   ``WireError/Code/outOfRange`` for a welcome's key share not of 32 bytes.
    ///
    /// A group event (kind 13) is given unsigned (header and body): its clear part carries
    /// `epoch` in byte 19, and the caller signs the sealed bytes.
    public static func layout(
        of plaintext: [UInt8], keyShare: [UInt8] = [], counter: UInt32 = 0, epoch: UInt8 = 0
    ) throws(WireError) -> (clear: [UInt8], nonce: [UInt8], body: ArraySlice<UInt8>) {
        try ByteReader(plaintext).require(FrameHeader.size, field: "header")
        if plaintext[FrameHeader.kindOffset] == FrameKind.groupEvent.rawValue {
            guard let format = BodyFormat(rawValue: plaintext[FrameHeader.flagsOffset] & FrameHeader.formatMask),
                format == .compact || format == .json
            else {
                throw WireError(
                    .unknownFormat, field: "header.flags.format", offset: FrameHeader.flagsOffset, "a group event to seal is compact or JSON")
            }
            let body = plaintext[FrameHeader.size...]
            let length = body.count + tagSize
            guard length <= FrameHeader.maximumBodyLength - GroupSignature.size else {
                throw WireError(.tooLarge, field: "body", offset: FrameHeader.size, "a sealed group event body of \(length) bytes is too large")
            }
            var clear = Array(plaintext[0..<FrameHeader.size])
            clear[FrameHeader.flagsOffset] = clear[FrameHeader.flagsOffset] | formatBits
            FrameHeader.setBodyLength(length, in: &clear)
            clear[Self.epochOffset] = epoch
            let sequence = plaintext.withUnsafeBytes { FrameHeader.sequence(in: $0) }
            let match = UInt32(truncatingIfNeeded: FrameHeader.subscription(in: plaintext) >> 32)  // a group event's bytes 15–18
            return (clear, groupNonce(flags: clear[FrameHeader.flagsOffset], sequence: sequence, match: match, format: format, epoch: epoch), body)
        }
        guard let kind = FrameKind(rawValue: plaintext[FrameHeader.kindOffset]), sealable(kind) else {
            throw WireError(
                .unknownFormat, field: "header.kind", offset: FrameHeader.kindOffset,
                "kind \(plaintext[FrameHeader.kindOffset]) is never sealed (only welcome, event, end, refuse)")
        }
        guard kind != .welcome || keyShare.count == RegisterRequest.keyShareSize else {
            throw WireError(
                .outOfRange, field: "body.key_share", offset: FrameHeader.size,
                "key share of \(keyShare.count) bytes; a sealed welcome carries \(RegisterRequest.keyShareSize)")
        }
        let body = plaintext[FrameHeader.size...]
        let length = prefixSize(kind) + body.count + tagSize
        guard length <= FrameHeader.maximumBodyLength else {
            throw WireError(
                .tooLarge, field: "body", offset: FrameHeader.size, "a sealed body of \(length) bytes exceeds \(FrameHeader.maximumBodyLength)")
        }
        var clear = Array(plaintext[0..<FrameHeader.size])
        clear[FrameHeader.flagsOffset] = clear[FrameHeader.flagsOffset] | formatBits
        FrameHeader.setBodyLength(length, in: &clear)
        if kind == .welcome { clear += keyShare }
        if prefixSize(kind) > 0 { clear += withUnsafeBytes(of: counter.bigEndian) { Array($0) } }
        let sequence = plaintext.withUnsafeBytes { FrameHeader.sequence(in: $0) }
        let nonce = nonce(kind: kind, flags: clear[FrameHeader.flagsOffset], sequence: sequence, counter: prefixSize(kind) > 0 ? counter : 0)
        return (clear, nonce, body)
    }
}
