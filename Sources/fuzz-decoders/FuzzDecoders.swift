#if canImport(Glibc)
import Glibc
#endif
// In the package these are modules; Fuzz/build.sh compiles everything as one module.
#if canImport(Capture)
import Capture
#endif
#if canImport(Wire)
import Wire
#endif

/// The frame decoder: whatever decodes must re-encode, be judged canonical or not without a
/// crash, and decode again to the same value.
func exerciseFrames(_ bytes: [UInt8]) {
    let decoded: (header: FrameHeader, frame: Frame)
    do {
        decoded = try Frame.decodeWithHeader(bytes)
    } catch {
        return  // A located error is the expected answer to most fuzz inputs.
    }
    do {
        let again = try Frame.decode(try decoded.frame.encoded())
        precondition(again == decoded.frame, "re-encoded frame decodes differently")
        let content = try Frame.decode(try decoded.frame.canonicalContent())
        precondition(content == decoded.frame, "the frame's content decodes differently")
        try Datagram.frame(decoded.frame).checkCanonical(bytes, header: decoded.header)
    } catch let error where error.code == .inconsistent {
        return  // Decodable but not canonical: a verdict, not a failure.
    } catch {
        preconditionFailure("a frame that decodes fails to re-encode: \(error)")
    }
}

/// The original protocol's decoder and the JSON parser under it: whatever decodes must
/// re-encode and decode to the same value.
func exerciseOriginal(_ bytes: [UInt8]) {
    let packet: OriginalPacket
    do {
        packet = try OriginalPacket.decode(bytes)
    } catch {
        return exerciseJSON(bytes)  // A located error is the expected answer to most fuzz inputs.
    }
    do {
        let again = try OriginalPacket.decode(try packet.encoded())
        precondition(again == packet, "re-encoded original packet decodes differently")
    } catch {
        preconditionFailure("an original packet that decodes fails to re-encode: \(error)")
    }
    exerciseJSON(bytes)
}

/// The JSON parser alone.
func exerciseJSON(_ bytes: [UInt8]) {
    do {
        _ = try JSONNode.parse(bytes)
    } catch {
        return  // Malformed JSON is the expected answer to most fuzz inputs.
    }
}

/// The capture reader and the packet decoder (link layers, IP, reassembly, UDP).
func exerciseCaptures(_ bytes: [UInt8]) {
    let contents = CaptureReader.read(bytes)
    _ = PacketDecoder.decode(contents.frames)
}

/// Every decoder at once (the replay runner).
func exercise(_ bytes: [UInt8]) {
    exerciseFrames(bytes)
    exerciseOriginal(bytes)
    exerciseCaptures(bytes)
}

#if FUZZING
/// libFuzzer's entry point (built with `-sanitize=fuzzer -DFUZZING`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    #if FUZZ_FRAMES
    exerciseFrames(bytes)
    #elseif FUZZ_ORIGINAL
    exerciseOriginal(bytes)
    #elseif FUZZ_CAPTURES
    exerciseCaptures(bytes)
    #else
    exercise(bytes)
    #endif
    return 0
}
#else
/// Without libFuzzer: replays the files given (the corpus and crash regressions).
@main
struct ReplayInputs {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                print("cannot open \(path)")
                continue
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let read = fread(&buffer, 1, buffer.count, file)
                if read <= 0 { break }
                bytes += buffer[0..<read]
            }
            fclose(file)
            exercise(bytes)
            count += 1
        }
        print("replayed \(count) inputs without a crash")
    }
}
#endif
