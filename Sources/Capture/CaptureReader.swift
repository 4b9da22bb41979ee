/// Reads classic pcap (both byte orders, micro- and nanosecond timestamps) and pcapng
/// (section, interface description, enhanced, simple and obsolete packet blocks, several
/// interfaces and link types, `if_tsresol`).
///
/// Reading never traps and never allocates more than the file: every length is checked
/// against the bytes present first. A truncated or malformed file yields the frames read
/// before the problem and the problem with its byte offset.
public enum CaptureReader {
    /// The largest frame accepted (256 KiB, tcpdump's own maximum snap length).
    public static let maximumFrameLength = 262_144

    /// Reads a whole capture file.
    public static func read(_ bytes: [UInt8]) -> CaptureContents {
        guard bytes.count >= 4 else {
            return CaptureContents(
                format: .notACapture, bigEndian: false, frames: [],
                error: CaptureError(
                    .truncated, offset: 0,
                    "\(bytes.isEmpty ? "the file is empty" : "the file has \(bytes.count) byte\(bytes.count == 1 ? "" : "s")"), too short for a capture's 4-byte magic number: \(expectedMagic)"
                ))
        }
        let magic = ByteCursor(bytes: bytes, bigEndian: true).u32(0) ?? 0
        switch magic {
        case 0xA1B2_C3D4: return readPcap(bytes, bigEndian: true, nanoseconds: false)
        case 0xD4C3_B2A1: return readPcap(bytes, bigEndian: false, nanoseconds: false)
        case 0xA1B2_3C4D: return readPcap(bytes, bigEndian: true, nanoseconds: true)
        case 0x4D3C_B2A1: return readPcap(bytes, bigEndian: false, nanoseconds: true)
        case 0x0A0D_0D0A: return readPcapNG(bytes)
        default:
            return CaptureContents(
                format: .notACapture, bigEndian: false, frames: [],
                error: CaptureError(
                    .unknownFormat, offset: 0,
                    "the file starts with \(describeMagic(bytes.prefix(4))), not a capture's magic number: \(expectedMagic)"))
        }
    }

    /// The magic numbers a capture starts with, as an error message names them.
    static let expectedMagic = "pcap's a1b2c3d4 or d4c3b2a1 (a1b23c4d or 4d3cb2a1 with nanoseconds) or pcapng's 0a0d0d0a"

    /// The first four bytes of a file that is not a capture, in hexadecimal, and as text when
    /// they are printable ASCII (a text file: `"Hell"`).
    static func describeMagic(_ bytes: ArraySlice<UInt8>) -> String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count < 2 ? "0" + digits : digits
        }.joined()
        let printable = bytes.allSatisfy { (0x20...0x7E).contains($0) }
        let text = printable ? " (\"\(String(decoding: bytes, as: UTF8.self))\" as text)" : ""
        return "\(hex)\(text)"
    }

    static func readPcap(_ bytes: [UInt8], bigEndian: Bool, nanoseconds: Bool) -> CaptureContents {
        let cursor = ByteCursor(bytes: bytes, bigEndian: bigEndian)
        var contents = CaptureContents(format: nanoseconds ? .pcapNanoseconds : .pcap, bigEndian: bigEndian, frames: [], error: nil)
        guard let linkRaw = cursor.u32(20) else {
            contents.error = CaptureError(.truncated, offset: bytes.count, "the 24-byte pcap file header is cut short")
            return contents
        }
        // The upper bits of the link-type field carry FCS information; the type is the low 16 bits.
        let linkType = linkRaw & 0xFFFF
        var offset = 24
        while offset < bytes.count {
            guard let seconds = cursor.u32(offset), let fraction = cursor.u32(offset + 4),
                let included = cursor.u32(offset + 8), let original = cursor.u32(offset + 12)
            else {
                contents.error = CaptureError(
                    .truncated, offset: offset,
                    "record header of frame \(contents.frames.count + 1) is cut short (\(bytes.count - offset) of 16 bytes)")
                return contents
            }
            guard included <= maximumFrameLength else {
                contents.error = CaptureError(
                    .malformed, offset: offset + 8,
                    "frame \(contents.frames.count + 1) claims \(included) captured bytes; at most \(maximumFrameLength)")
                return contents
            }
            let start = offset + 16
            guard cursor.has(start, Int(included)) else {
                contents.error = CaptureError(
                    .truncated, offset: offset, "frame \(contents.frames.count + 1) claims \(included) bytes, only \(bytes.count - start) remain")
                return contents
            }
            let divisor = nanoseconds ? 1e9 : 1e6
            contents.frames.append(
                CapturedFrame(
                    number: contents.frames.count + 1, fileOffset: offset, interface: 0, linkType: linkType,
                    timestamp: Double(seconds) + Double(fraction) / divisor,
                    data: Array(bytes[start..<(start + Int(included))]), originalLength: Int(original)))
            offset = start + Int(included)
        }
        return contents
    }

    struct Interface {
        var linkType: UInt32
        var unitsPerSecond: Double
    }

    static func readPcapNG(_ bytes: [UInt8]) -> CaptureContents {
        var contents = CaptureContents(format: .pcapng, bigEndian: false, frames: [], error: nil)
        var cursor = ByteCursor(bytes: bytes, bigEndian: false)
        var interfaces: [Interface] = []
        var offset = 0
        while offset < bytes.count {
            guard cursor.has(offset, 12) else {
                contents.error = CaptureError(.truncated, offset: offset, "block header is cut short (\(bytes.count - offset) of 12 bytes)")
                return contents
            }
            let blockType = ByteCursor(bytes: bytes, bigEndian: true).u32(offset) ?? 0
            if blockType == 0x0A0D_0D0A {
                // Section header: its byte-order magic sets the endianness of the section.
                let orderMagic = ByteCursor(bytes: bytes, bigEndian: true).u32(offset + 8) ?? 0
                switch orderMagic {
                case 0x1A2B_3C4D: cursor.bigEndian = true
                case 0x4D3C_2B1A: cursor.bigEndian = false
                default:
                    contents.error = CaptureError(
                        .malformed, offset: offset + 8, "section byte-order magic 0x\(String(orderMagic, radix: 16)) is not 0x1A2B3C4D")
                    return contents
                }
                contents.bigEndian = cursor.bigEndian
                interfaces = []
            }
            guard let type = cursor.u32(offset), let length = cursor.u32(offset + 4).map(Int.init) else { return contents }
            if let problem = blockLengthProblem(length, left: bytes.count - offset) {
                contents.error = CaptureError(.malformed, offset: offset + 4, "block at byte \(offset): \(problem)")
                return contents
            }
            guard cursor.has(offset, length) else {
                contents.error = CaptureError(.truncated, offset: offset, "block of \(length) bytes is cut short (\(bytes.count - offset) remain)")
                return contents
            }
            guard cursor.u32(offset + length - 4).map(Int.init) == length else {
                contents.error = CaptureError(.malformed, offset: offset + length - 4, "trailing block length differs from the leading \(length)")
                return contents
            }
            let body = offset + 8
            let bodyEnd = offset + length - 4
            switch type {
            case 1:
                guard let link = cursor.u16(body) else { break }
                interfaces.append(Interface(linkType: UInt32(link), unitsPerSecond: tsResolution(cursor, options: body + 8, end: bodyEnd)))
            case 6, 2:
                // Enhanced packet block (6), or the obsolete packet block (2) with a 16-bit interface id.
                let interfaceID = type == 6 ? cursor.u32(body).map(Int.init) : cursor.u16(body).map(Int.init)
                guard let interfaceID, let high = cursor.u32(body + 4), let low = cursor.u32(body + 8),
                    let captured = cursor.u32(body + 12).map(Int.init), let original = cursor.u32(body + 16).map(Int.init)
                else { break }
                guard interfaceID < interfaces.count else {
                    contents.error = CaptureError(
                        .malformed, offset: body, "packet refers to interface \(interfaceID); \(interfaces.count) described")
                    return contents
                }
                guard captured <= bodyEnd - (body + 20) else {
                    contents.error = CaptureError(
                        .malformed, offset: body + 12, "packet claims \(captured) bytes but its block holds \(bodyEnd - body - 20)")
                    return contents
                }
                let interface = interfaces[interfaceID]
                let ticks = Double(UInt64(high) << 32 | UInt64(low))
                contents.frames.append(
                    CapturedFrame(
                        number: contents.frames.count + 1, fileOffset: offset, interface: interfaceID, linkType: interface.linkType,
                        timestamp: ticks / interface.unitsPerSecond,
                        data: Array(bytes[(body + 20)..<(body + 20 + captured)]), originalLength: original))
            case 3:
                // Simple packet block: interface 0, no timestamp; the data is the rest of the block.
                guard let original = cursor.u32(body).map(Int.init), let interface = interfaces.first else {
                    contents.error = CaptureError(.malformed, offset: body, "simple packet block before any interface description")
                    return contents
                }
                let captured = min(original, bodyEnd - (body + 4))
                contents.frames.append(
                    CapturedFrame(
                        number: contents.frames.count + 1, fileOffset: offset, interface: 0, linkType: interface.linkType,
                        timestamp: 0, data: Array(bytes[(body + 4)..<(body + 4 + captured)]), originalLength: original))
            default:
                break  // section header, name resolution, statistics, custom blocks: nothing to extract
            }
            offset += length
        }
        return contents
    }

    /// The largest pcapng block accepted: a frame of ``maximumFrameLength`` and 1 KiB of
    /// block fields and options.
    static let maximumBlockLength = maximumFrameLength + 1024

    /// Why a pcapng block's length is impossible, or nil when it is in range: a multiple of 4
    /// from 12 (type, length and trailing length) to ``maximumBlockLength``. `left` is the
    /// bytes from the block's start to the end of the file.
    static func blockLengthProblem(_ length: Int, left: Int) -> String? {
        let allowed =
            "a block's length is a multiple of 4 from 12 to \(maximumBlockLength) bytes; \(left) byte\(left == 1 ? " is" : "s are") left in the file"
        if length < 12 {
            return "block length \(length) is less than 12, the type, length and trailing length alone (\(allowed))"
        }
        if length > maximumBlockLength {
            return "block length \(length) is larger than any block accepted (\(allowed))"
        }
        if length % 4 != 0 {
            return "block length \(length) is not a multiple of 4 (\(allowed))"
        }
        return nil
    }

    /// The interface's timestamp units per second, from its `if_tsresol` option (code 9).
    static func tsResolution(_ cursor: ByteCursor, options start: Int, end: Int) -> Double {
        var offset = start
        while offset + 4 <= end, let code = cursor.u16(offset), let length = cursor.u16(offset + 2).map(Int.init) {
            if code == 0 { break }
            if code == 9, length >= 1, cursor.has(offset + 4, 1) {
                let value = cursor.bytes[offset + 4]
                let exponent = Double(value & 0x7F)
                return value & 0x80 == 0 ? pow10(exponent) : pow2(exponent)
            }
            offset += 4 + (length + 3) / 4 * 4
        }
        return 1_000_000
    }

    static func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(min(exponent, 30)) { result *= 10 }
        return result
    }

    static func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(min(exponent, 63)) { result *= 2 }
        return result
    }
}
