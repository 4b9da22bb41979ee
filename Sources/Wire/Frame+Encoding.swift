extension Frame {
    /// Compact bodies shorter than this are never compressed (Spec §4.4): DEFLATE cannot
    /// win on them, and trying would cost a compressor per frame.
    public static let compressionThreshold = 32

    /// The reference encoding: header, then the body, compressed exactly when its kind allows
    /// it (``KindRules/allowsCompression(of:)``: welcome and compact event bodies), it has at
    /// least ``compressionThreshold`` bytes, and DEFLATE at level 9 makes it strictly smaller: a
    /// welcome with the preset dictionary it announces, an event with none (Spec §4.4). (Other
    /// kinds are never compressed: a register's padding must stay.)
    ///
    /// - Parameters:
    ///   - level: the DEFLATE level; another level (or `strategy`) stands in for another zlib build.
    ///   - strategy: the DEFLATE strategy.
    /// - Returns: the datagram: header, body as sent, and a group event's signature.
    /// - Throws: ``WireError`` when a field does not fit the wire (a string over 255 bytes,
    ///   a JSON body over 4,096 bytes...), or ``WireError/Code/inconsistent`` when
    ///   ``groupSignature`` is not 64 bytes or the body is not an event's.
    public func encoded(level: Int32 = Compression.level, strategy: Compression.Strategy = .standard) throws(WireError) -> [UInt8] {
        var payload = try uncompressedBody()
        var compressed = false
        let dictionary = compressionDictionary
        if kind.rules.allowsCompression(of: body.format), payload.count >= Self.compressionThreshold {
            let deflated = try Compression.deflate(payload, dictionary: dictionary.bytes, level: level, strategy: strategy)
            if deflated.count < payload.count {
                payload = deflated
                compressed = true
            }
        }
        return try assemble(payload, compressed: compressed, dictionary: compressed ? dictionary.id : 0)
    }

    /// The dictionary a compressed body of this frame uses: the one a welcome announces, none otherwise.
    var compressionDictionary: CompressionDictionary {
        // Welcome.write checks that an announced dictionary is one this implementation holds.
        guard case .welcome(let welcome) = body else { return .none }
        return CompressionDictionary.withID(welcome.dictionary) ?? .none
    }

    /// The body's bytes before any compression.
    func uncompressedBody() throws(WireError) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        switch body {
        case .register(let request): try request.write(to: &writer)
        case .welcome(let welcome): try welcome.write(to: &writer, extended: extended)
        case .refuse(let refusal): try refusal.write(to: &writer)
        case .event(.compact(let event)): try event.write(to: &writer, extended: extended)
        case .event(.json(let datagram)): return try datagram.encoded()
        case .end(let end): end.write(to: &writer)
        case .challenge(let challenge): try challenge.write(to: &writer)
        case .nack(let ranges), .unavailable(let ranges): try ranges.write(to: &writer)
        case .list(let request): try request.write(to: &writer)
        case .listing(let listing): try listing.write(to: &writer)
        case .unregister, .heartbeat, .reset: break
        }
        return writer.bytes
    }

    /// Header then `payload`, the body as sent.
    func assemble(_ payload: [UInt8], compressed: Bool, dictionary: UInt8) throws(WireError) -> [UInt8] {
        guard payload.count <= FrameHeader.maximumBodyLength else {
            throw WireError(
                .tooLarge, field: "body", offset: FrameHeader.size,
                "body of \(payload.count) bytes exceeds \(FrameHeader.maximumBodyLength)")
        }
        var header = FrameHeader(
            kind: kind, format: body.format, compressed: compressed, dictionary: dictionary, sequence: sequence,
            eventType: eventType?.rawValue ?? 0, score: score, minute: minute, bodyLength: UInt16(payload.count),
            subscription: subscription)
        header.retransmission = retransmission
        header.sourceLost = sourceLost
        header.extended = extended
        var writer = ByteWriter(capacity: FrameHeader.size + payload.count + (groupSignature == nil ? 0 : GroupSignature.size))
        header.write(to: &writer)
        writer.writeBytes(payload)
        if let groupSignature {
            guard case .event = body, groupSignature.count == GroupSignature.size else {
                throw WireError(
                    .inconsistent, field: "signature", offset: writer.bytes.count,
                    "only an event body is signed for a group, with \(GroupSignature.size) bytes")
            }
            writer.writeBytes(groupSignature)
        }
        return writer.bytes
    }
}
