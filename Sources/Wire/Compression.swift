import CZlib

/// Raw DEFLATE (RFC 1951) through zlib, as the compact body's compression uses it.
///
/// Raw streams carry no zlib header or checksum: on a 20-byte body those 6 bytes would
/// decide the outcome. Integrity is UDP's checksum; framing is the header's body length.
public enum Compression {
    /// The most bytes any body may inflate to (Spec: 16,384). Anything larger is refused as
    /// a decompression bomb before more memory is committed.
    public static let inflateLimit = 16_384

    /// The compression level the canonical encoder uses.
    public static let level: Int32 = 9

    /// Compresses `input` with raw DEFLATE at level 9 (memLevel 9, default strategy).
    ///
    /// - Parameter zlibWrapped: write the zlib format (RFC 1950: header and Adler-32) instead
    ///   of a raw stream; used only to measure what plain zlib would cost.
    /// - Throws: ``WireError/Code/deflateFailed`` when zlib reports an error.
    public static func deflate(_ input: [UInt8], dictionary: [UInt8]? = nil, zlibWrapped: Bool = false) throws(WireError) -> [UInt8] {
        var stream = z_stream()
        var status = czlib_deflateInit2(&stream, level, Z_DEFLATED, zlibWrapped ? 15 : -15, 9, Z_DEFAULT_STRATEGY)
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
        var output = [UInt8](repeating: 0, count: bound + 16)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inPointer in
            output.withUnsafeMutableBufferPointer { outPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = uInt(inPointer.count)
                stream.next_out = outPointer.baseAddress
                stream.avail_out = uInt(outPointer.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                return outPointer.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            throw WireError(.deflateFailed, field: "body", offset: 0, "deflate returned \(status)")
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Inflates a raw DEFLATE stream, refusing output beyond `limit` bytes.
    ///
    /// - Parameters:
    ///   - input: the compressed bytes; the stream must end exactly at their end.
    ///   - limit: the most bytes the result may have.
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
        var output = [UInt8](repeating: 0, count: limit + 1)
        var input = input
        var consumed = 0
        let produced: Int = input.withUnsafeMutableBufferPointer { inPointer in
            output.withUnsafeMutableBufferPointer { outPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = uInt(inPointer.count)
                stream.next_out = outPointer.baseAddress
                stream.avail_out = uInt(outPointer.count)
                status = CZlib.inflate(&stream, Z_FINISH)
                consumed = inPointer.count - Int(stream.avail_in)
                return outPointer.count - Int(stream.avail_out)
            }
        }
        if produced > limit {
            throw WireError(.inflateLimitExceeded, field: "body", offset: baseOffset + consumed,
                            "inflates to more than \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END:
            guard consumed == input.count else {
                throw WireError(.inflateFailed, field: "body", offset: baseOffset + consumed,
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
}
