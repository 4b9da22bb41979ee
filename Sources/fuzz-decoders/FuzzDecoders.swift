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
#if canImport(Importers)
import Importers
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

/// The openfootball reader: any bytes give matches or a located error; the matches it accepts
/// keep their promise (goals add up to the final score, in the order scored).
func exerciseOpenFootball(_ bytes: [UInt8]) {
    let matches: [OpenFootballMatch]
    do {
        matches = try OpenFootballFile.matches(bytes, file: "fuzz.json")
    } catch {
        precondition(!error.description.isEmpty, "an error without words")
        return  // A located error is the expected answer to most fuzz inputs.
    }
    for match in matches {
        for side in Side.allCases {
            precondition(match.goals.filter { $0.side == side }.count == Int(match.finalScore[side]), "goals that contradict the score")
        }
        let order = match.goals.map { $0.minute * 100 + $0.offset }
        precondition(order == order.sorted(), "goals out of order")
        // Its feed: every goal told once, every line valid JSON of the feed format.
        let lines = match.feedLines(language: "en")
        let goals = lines.filter { line in
            guard case .event(let event) = line else { return false }
            return event.type == .goal || event.type == .ownGoal
        }
        precondition(goals.count == match.goals.count, "a goal lost or doubled in the feed")
        readBack(lines)
    }
}

/// Each feed line, written and parsed again, is a feed line (Spec/FEED.md).
func readBack(_ lines: [FeedLine]) {
    for line in lines {
        do {
            _ = try FeedLine.parse(Array(line.jsonText.utf8))
        } catch {
            preconditionFailure("a feed line the feed reader refuses: \(error)")
        }
    }
}

/// The StatsBomb reader: the input is a line-ups file, a zero byte, then an events file. Any
/// bytes give a match or a located error; a match it accepts names only its squads' players.
func exerciseStatsBomb(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let lineups = Array(bytes[..<split])
    let events = split < bytes.count ? Array(bytes[(split + 1)...]) : []
    let match: StatsBombMatch
    do {
        match = try StatsBombFile.match(events: events, eventsFile: "events.json", lineups: lineups, lineupsFile: "lineups.json")
    } catch {
        precondition(!error.description.isEmpty, "an error without words")
        return
    }
    let players = Set((match.home.squad + match.away.squad).map(\.id))
    for event in match.events {
        precondition(event.player.map { players.contains($0) } ?? true, "a player outside the squads")
        precondition((1...5).contains(event.period), "a period outside 1...5")
    }
    // Its feed, or a located error naming the event.
    do {
        readBack(try match.feed(language: "pt", eventsFile: "events.json").lines)
    } catch {
        precondition(error.description.hasPrefix("events.json: "), "an error that does not name its file")
    }
}

/// Subscriber tokens (Spec/TOKENS.md): the binary reader, and the text form's; whatever is
/// accepted writes back exactly as read.
func exerciseTokens(_ bytes: [UInt8]) {
    if let token = try? SubscriberToken(decoding: bytes) {  // refusing is fine; only an accepted token is checked
        precondition((try? token.encoded()) == bytes, "an accepted token does not write back as read")
    }
    if let token = try? SubscriberToken(text: String(decoding: bytes, as: UTF8.self)) {  // likewise
        precondition((try? SubscriberToken(text: token.text())) == token, "an accepted token text does not read back")
    }
}

/// Sealed frames (Spec/ENCRYPTION.md), as a client meets them before and after opening: the
/// layout reader gives a frame or a located error; an accepted one lays out again byte for byte
/// (header, prefix, nonce) and its plaintext, whatever it is, decodes or is refused with a
/// located error. (The AEAD itself is BoringSSL's, fuzzed upstream; `SealingTests` and
/// `FuzzTests` open tampered frames with a key in the package.)
func exerciseSealed(_ bytes: [UInt8]) {
    // Most inputs are not sealed: make them so, to reach the layout's rules.
    var input = bytes
    if input.count > 4 { input[4] |= SealedFrame.formatBits }
    let sealed: SealedFrame
    do {
        sealed = try SealedFrame.parse(input)
    } catch {
        precondition(!error.message.isEmpty, "an error without words")
        return
    }
    precondition(sealed.associatedData + sealed.ciphertext + sealed.tag + sealed.signature == input, "a sealed frame's parts are not its bytes")
    precondition(sealed.nonce.count == SealedFrame.nonceSize, "a nonce of another size")
    let group = sealed.kind == .groupEvent
    for format in [BodyFormat.compact, .json] {
        // The ciphertext stands in for what a key would open: whatever it is, the client's decoder is total.
        let plaintext = sealed.plaintext(body: sealed.ciphertext, format: format)
        do {
            // A group event is laid out unsigned (its signature is made after sealing).
            let (clear, nonce, body) = try SealedFrame.layout(
                of: Array(plaintext.dropLast(sealed.signature.count)), keyShare: sealed.keyShare, counter: sealed.counter ?? 0,
                epoch: sealed.epoch)
            let expected = group ? sealed.groupNonce(format: format) : sealed.nonce
            precondition(clear == sealed.associatedData && nonce == expected && Array(body) == sealed.ciphertext, "the layout does not round-trip")
        } catch {
            preconditionFailure("a parsed sealed frame does not lay out again: \(error)")
        }
        exerciseFrames(plaintext)
    }
}

/// Every decoder at once (the replay runner).
func exercise(_ bytes: [UInt8]) {
    exerciseTokens(bytes)
    exerciseSealed(bytes)
    exerciseFrames(bytes)
    exerciseOriginal(bytes)
    exerciseCaptures(bytes)
    exerciseOpenFootball(bytes)
    exerciseStatsBomb(bytes)
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
    #elseif FUZZ_OPENFOOTBALL
    exerciseOpenFootball(bytes)
    #elseif FUZZ_STATSBOMB
    exerciseStatsBomb(bytes)
    #elseif FUZZ_TOKENS
    exerciseTokens(bytes)
    #elseif FUZZ_SEALED
    exerciseSealed(bytes)
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
