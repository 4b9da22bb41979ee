extension Frame {
    /// The frame's canonical content (Spec §4.4): its header with the compression bits clear
    /// and the body length of the uncompressed body, then the uncompressed body. Every valid
    /// encoding of the frame, compressed by whatever DEFLATE encoder, has this content.
    ///
    /// - Throws: ``WireError`` when the frame cannot be encoded, as ``encoded(level:strategy:)`` throws it.
    public func canonicalContent() throws(WireError) -> [UInt8] {
        try assemble(uncompressedBody(), compressed: false, dictionary: 0)
    }

    /// The content of a frame as sent: `bytes` (which decoded with `header`) with a compressed
    /// body inflated, the compression bits cleared and the body length adjusted to match.
    ///
    /// - Parameters:
    ///   - bytes: the frame as received.
    ///   - header: its header as ``decodeWithHeader(_:)`` returned it.
    /// - Returns: `bytes` themselves when the body is not compressed.
    /// - Throws: ``WireError/Code/outOfRange`` when the header names a dictionary this implementation does not
    ///   hold; ``WireError/Code/inflateFailed`` or ``WireError/Code/inflateLimitExceeded`` when the body does not inflate.
    public static func content(of bytes: [UInt8], header: FrameHeader) throws(WireError) -> [UInt8] {
        guard header.compressed else { return bytes }
        let dictionary = try CompressionDictionary.named(header.dictionary, field: "header.flags.dictionary", offset: 4)
        let bodyEnd = min(bytes.count, FrameHeader.size + Int(header.bodyLength))
        let body = try Compression.inflate(
            Array(bytes[min(FrameHeader.size, bodyEnd)..<bodyEnd]), dictionary: dictionary.bytes,
            baseOffset: FrameHeader.size)
        var expanded = header
        expanded.compressed = false
        expanded.dictionary = 0
        expanded.bodyLength = UInt16(clamping: body.count)
        var writer = ByteWriter(capacity: FrameHeader.size + body.count)
        expanded.write(to: &writer)
        writer.writeBytes(body)
        writer.writeBytes(bytes[bodyEnd...])  // a group event's signature (Spec §4.11)
        return writer.bytes
    }
}

extension Datagram {
    /// The datagram's canonical content (a frame's with its body uncompressed; an original
    /// packet's bytes): what every valid encoding of it decodes from.
    ///
    /// - Throws: ``WireError`` when the datagram cannot be encoded (a field that does not fit the wire).
    public func canonicalContent() throws(WireError) -> [UInt8] {
        switch self {
        case .frame(let frame): try frame.canonicalContent()
        case .original(let packet): try packet.encoded()
        }
    }

    /// Checks that `bytes`, which decoded to this datagram (with `header` when a frame), are a
    /// canonical encoding of it (Spec §4.4): the content (the body inflated, if compressed)
    /// re-encodes to the same bytes; a compressed body is at least
    /// ``Frame/compressionThreshold`` bytes once inflated and was deflated with the dictionary
    /// its frame gives (a welcome the one it announces, an event none). The compressed bytes
    /// themselves are not compared: they differ between zlib builds, levels and strategies.
    ///
    /// - Parameters:
    ///   - bytes: the datagram as received.
    ///   - header: the header ``decodeWithHeader(_:)`` returned with it; `nil` for an original packet.
    /// - Throws: ``WireError`` (`inconsistent`) naming the first byte that differs, in the
    ///   inflated body's coordinates (after the 23-byte header) when the body was compressed.
    ///   Also `inconsistent` for a frame without `header`, or a body compressed with another dictionary
    ///   or under ``Frame/compressionThreshold`` bytes; and the errors of ``Frame/content(of:header:)``.
    public func checkCanonical(_ bytes: [UInt8], header: FrameHeader?) throws(WireError) {
        switch self {
        case .original(let packet):
            try Self.compare(bytes, with: packet.encoded(), field: "original", note: "")
        case .frame(let frame):
            guard let header else {
                throw WireError(.inconsistent, field: "header", offset: 0, "a frame's header is needed to check its encoding")
            }
            if header.compressed {
                let expected = frame.compressionDictionary.id
                guard header.dictionary == expected else {
                    throw WireError(
                        .inconsistent, field: "header.flags.dictionary", offset: 4,
                        "\(frame.kind.name) body compressed with dictionary \(header.dictionary); it is compressed with "
                            + (expected == 0 ? "none (Spec §4.4)" : "the dictionary it announces, \(expected) (Spec §4.4)"))
                }
            }
            let content = try Frame.content(of: bytes, header: header)
            if header.compressed && content.count - FrameHeader.size < Frame.compressionThreshold {
                throw WireError(
                    .inconsistent, field: "header.flags.compressed", offset: 4,
                    "a body of \(content.count - FrameHeader.size) bytes is compressed; bodies under \(Frame.compressionThreshold) bytes never are (Spec §4.4)"
                )
            }
            try Self.compare(content, with: frame.canonicalContent(), field: "", note: header.compressed ? " (in the inflated body)" : "")
        }
    }

    private static func compare(_ actual: [UInt8], with canonical: [UInt8], field: String, note: String) throws(WireError) {
        guard actual != canonical else { return }
        let at = zip(canonical, actual).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(canonical.count, actual.count)
        let name = field.isEmpty ? (at < FrameHeader.size ? "header" : "body") : field
        throw WireError(
            .inconsistent, field: name, offset: at,
            "not the canonical encoding: differs from the re-encoded \(canonical.count) bytes at byte \(at)\(note)")
    }
}
