import CZlib

/// Raw DEFLATE (RFC 1951) through zlib, as the compact body's compression uses it.
///
/// Raw streams carry no zlib header or checksum: on a 20-byte body those 6 bytes would
/// decide the outcome. Integrity is UDP's checksum; framing is the header's body length.
public enum Compression {
    /// The most bytes any body may inflate to (Spec: 16,384). Anything larger is refused as
    /// a decompression bomb before more memory is committed.
    public static let inflateLimit = 16_384

    /// The compression level the reference encoder uses.
    public static let level: Int32 = 9

    /// A DEFLATE strategy (zlib's `strategy` argument). Any strategy and level produce a valid
    /// body: receivers and `validate` judge the inflated content, never the compressed bytes.
    public enum Strategy: Sendable, Hashable, CaseIterable {
        /// `Z_DEFAULT_STRATEGY`, what the reference encoder uses.
        case standard
        /// `Z_FILTERED`.
        case filtered
        /// `Z_HUFFMAN_ONLY`: no string matching at all.
        case huffmanOnly
        /// `Z_RLE`.
        case runLength
        /// `Z_FIXED`: no dynamic Huffman codes.
        case fixed

        var zlibValue: Int32 {
            switch self {
            case .standard: Z_DEFAULT_STRATEGY
            case .filtered: Z_FILTERED
            case .huffmanOnly: Z_HUFFMAN_ONLY
            case .runLength: Z_RLE
            case .fixed: Z_FIXED
            }
        }
    }

    /// Compresses `input` with raw DEFLATE, by default at level 9 (memLevel 9, default strategy).
    ///
    /// - Parameters:
    ///   - input: the bytes to compress.
    ///   - dictionary: a preset dictionary (Spec §4.4); `nil` or empty for none.
    ///   - level: zlib's level, 1...9 (another level stands in for another zlib build in tests).
    ///   - strategy: zlib's strategy.
    ///   - zlibWrapped: write the zlib format (RFC 1950: header and Adler-32) instead
    ///     of a raw stream; used only to measure what plain zlib would cost.
    /// - Returns: the compressed stream, which may be longer than `input`.
    /// - Throws: ``WireError/Code/deflateFailed`` when zlib reports an error.
    public static func deflate(
        _ input: [UInt8], dictionary: [UInt8]? = nil, level: Int32 = Compression.level, strategy: Strategy = .standard,
        zlibWrapped: Bool = false
    ) throws(WireError) -> [UInt8] {
        var stream = z_stream()
        var status = czlib_deflateInit2(&stream, level, Z_DEFLATED, zlibWrapped ? 15 : -15, 9, strategy.zlibValue)
        guard status == Z_OK else {
            throw WireError(.deflateFailed, field: "body", offset: 0, "deflateInit2 returned \(status)")
        }
        defer { deflateEnd(&stream) }
        if let dictionary, !dictionary.isEmpty {
            status = dictionary.withUnsafeBufferPointer { pointer in
                deflateSetDictionary(&stream, pointer.baseAddress, uInt(pointer.count))
            }
            guard status == Z_OK else {
                throw WireError(.deflateFailed, field: "body", offset: 0, "deflateSetDictionary returned \(status)")
            }
        }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var (output, produced, _) = run(&stream, input: input, capacity: bound + 16) { CZlib.deflate(&$0, Z_FINISH) }
        guard produced.status == Z_STREAM_END else {
            throw WireError(.deflateFailed, field: "body", offset: 0, "deflate returned \(produced.status)")
        }
        output.removeSubrange(produced.count...)
        return output
    }

    /// Inflates a raw DEFLATE stream, refusing output beyond `limit` bytes.
    ///
    /// - Parameters:
    ///   - input: the compressed bytes; the stream must end exactly at their end.
    ///   - limit: the most bytes the result may have.
    ///   - dictionary: the preset dictionary the stream was deflated with; `nil` or empty for none.
    ///   - baseOffset: the offset of `input[0]` in the datagram, for error reports.
    /// - Throws: ``WireError/Code/inflateFailed`` for a corrupt or incomplete stream or
    ///   trailing bytes, ``WireError/Code/inflateLimitExceeded`` when the output passes `limit`.
    public static func inflate(
        _ input: [UInt8], limit: Int = inflateLimit, dictionary: [UInt8]? = nil, baseOffset: Int = 0
    ) throws(WireError) -> [UInt8] {
        var stream = z_stream()
        var status = czlib_inflateInit2(&stream, -15)
        guard status == Z_OK else {
            throw WireError(.inflateFailed, field: "body", offset: baseOffset, "inflateInit2 returned \(status)")
        }
        defer { inflateEnd(&stream) }
        if let dictionary, !dictionary.isEmpty {
            status = dictionary.withUnsafeBufferPointer { pointer in
                inflateSetDictionary(&stream, pointer.baseAddress, uInt(pointer.count))
            }
            guard status == Z_OK else {
                throw WireError(.inflateFailed, field: "body", offset: baseOffset, "inflateSetDictionary returned \(status)")
            }
        }
        // One spare byte beyond the limit tells "exactly at the limit" from "over it".
        var (output, result, consumed) = run(&stream, input: input, capacity: limit + 1) { CZlib.inflate(&$0, Z_FINISH) }
        let produced = result.count
        status = result.status
        if produced > limit {
            throw WireError(
                .inflateLimitExceeded, field: "body", offset: baseOffset + consumed,
                "inflates to more than \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END:
            guard consumed == input.count else {
                throw WireError(
                    .inflateFailed, field: "body", offset: baseOffset + consumed,
                    "\(input.count - consumed) bytes after the end of the compressed stream")
            }
            output.removeSubrange(produced...)
            return output
        case Z_BUF_ERROR, Z_OK:
            throw WireError(.inflateFailed, field: "body", offset: baseOffset + consumed, "compressed stream is incomplete")
        case Z_NEED_DICT:
            throw WireError(.inflateFailed, field: "body", offset: baseOffset + consumed, "stream needs a preset dictionary")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw WireError(.inflateFailed, field: "body", offset: baseOffset + consumed, "corrupt compressed stream: \(reason)")
        }
    }

    /// Runs one zlib call (`step`, with `Z_FINISH`) over all of `input` into a buffer of
    /// `capacity` bytes: the buffer, the call's status and bytes produced, and the input consumed.
    private static func run(
        _ stream: inout z_stream, input: [UInt8], capacity: Int, step: (inout z_stream) -> Int32
    ) -> (output: [UInt8], produced: (status: Int32, count: Int), consumed: Int) {
        var output = [UInt8](repeating: 0, count: capacity)
        var input = input
        var status: Int32 = Z_OK
        var consumed = 0
        let produced: Int = input.withUnsafeMutableBufferPointer { inPointer in
            output.withUnsafeMutableBufferPointer { outPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = uInt(inPointer.count)
                stream.next_out = outPointer.baseAddress
                stream.avail_out = uInt(outPointer.count)
                status = step(&stream)
                consumed = inPointer.count - Int(stream.avail_in)
                return outPointer.count - Int(stream.avail_out)
            }
        }
        return (output, (status, produced), consumed)
    }
}
