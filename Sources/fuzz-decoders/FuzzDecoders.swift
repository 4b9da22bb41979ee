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

/// The frame decoder: whatever decodes must re-encode and decode to the same value.
func exerciseFrames(_ bytes: [UInt8]) {
    guard let frame = try? Frame.decode(bytes) else { return }
    if let encoded = try? frame.encoded(), let again = try? Frame.decode(encoded) {
        precondition(again == frame, "re-encoded frame decodes differently")
    }
}

/// The original protocol's decoder and the JSON parser under it.
func exerciseOriginal(_ bytes: [UInt8]) {
    if let packet = try? OriginalPacket.decode(bytes), let encoded = try? packet.encoded() {
        precondition((try? OriginalPacket.decode(encoded)) == packet, "re-encoded original packet decodes differently")
    }
    _ = try? JSONNode.parse(bytes)
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
