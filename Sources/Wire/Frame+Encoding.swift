extension Frame {
    /// Compact bodies shorter than this are never compressed (Spec §4.4): DEFLATE cannot
    /// win on them, and trying would cost a compressor per frame.
    public static let compressionThreshold = 32

    /// The canonical encoding: header, then the body, compressed exactly when it is a welcome
    /// or compact event body of at least ``compressionThreshold`` bytes and DEFLATE makes it
    /// strictly smaller: a welcome with the preset dictionary it announces, an event with none
    /// (Spec §4.4). So the frame alone decides its bytes. (Other kinds are never compressed: a
    /// register's padding must stay.)
    ///
    /// - Throws: ``WireError`` when a field does not fit the wire (a string over 255 bytes,
    ///   a JSON body over 4,096 bytes...).
    public func encoded() throws(WireError) -> [UInt8] {
        var bodyWriter = ByteWriter(capacity: 64)
        var jsonBytes: [UInt8] = []
        switch body {
        case .register(let request): try request.write(to: &bodyWriter)
        case .welcome(let welcome): try welcome.write(to: &bodyWriter)
        case .refuse(let refusal): try refusal.write(to: &bodyWriter)
        case .event(.compact(let event)): try event.write(to: &bodyWriter)
        case .event(.json(let datagram)): jsonBytes = try datagram.encoded()
        case .end(let end): end.write(to: &bodyWriter)
        case .challenge(let challenge): try challenge.write(to: &bodyWriter)
        case .unregister, .heartbeat: break
        }
        var payload = body.format == .json ? jsonBytes : bodyWriter.bytes
        var compressed = false
        // Welcome.write has checked that an announced dictionary is one this implementation holds.
        let dictionary: CompressionDictionary
        if case .welcome(let welcome) = body { dictionary = CompressionDictionary.withID(welcome.dictionary) ?? .none } else { dictionary = .none }
        if body.format == .compact, kind == .welcome || kind == .event, payload.count >= Self.compressionThreshold {
            let deflated = try Compression.deflate(payload, dictionary: dictionary.bytes)
            if deflated.count < payload.count {
                payload = deflated
                compressed = true
            }
        }
        guard payload.count <= FrameHeader.maximumBodyLength else {
            throw WireError(.tooLarge, field: "body", offset: FrameHeader.size,
                            "body of \(payload.count) bytes exceeds \(FrameHeader.maximumBodyLength)")
        }
        let header = FrameHeader(
            kind: kind, format: body.format, compressed: compressed, dictionary: compressed ? dictionary.id : 0, sequence: sequence,
            eventType: eventType?.rawValue ?? 0, score: score, minute: minute, bodyLength: UInt16(payload.count))
        var writer = ByteWriter(capacity: FrameHeader.size + payload.count)
        header.write(to: &writer)
        writer.writeBytes(payload)
        return writer.bytes
    }
}
