-- SoccerStream dissector for Wireshark and tshark (Lua 5.2+, Wireshark 4.0+).
--
-- Dissects the SoccerStream protocol, version 2 (Spec/PROTOCOL.md), and the original
-- protocol on the same port (Spec/PROTOCOL.md §8): every header field with value names, the
-- subscription identifier, each kind's body, compact bodies inflated (with the preset
-- dictionary, by the pure-Lua inflate below: Wireshark's own TvbRange:uncompress takes no
-- dictionary), real matches' extended layout (header flag bit 7: event types 9...13, the
-- welcome's line-ups and the event's marks, cards, substitutions, phase and shoot-out, §4.13),
-- JSON bodies handed to Wireshark's JSON dissector and checked against the schema. Malformed
-- input gets an expert info naming the code, field and byte offset, as `soccer-stream
-- validate` reports them; never a Lua error.
--
-- Use:  wireshark -X lua_script:Tools/wireshark/soccerstream.lua capture.pcap
--       tshark -X lua_script:Tools/wireshark/soccerstream.lua -r capture.pcap -O soccerstream
-- Port: preference soccerstream.port (default 12345); frames on other ports are found by
-- their magic bytes (heuristic "soccerstream_udp"). Preset dictionary: read from
-- ../../Spec/dictionary-1.bin next to this file, or preference soccerstream.dictionary_file.
--
-- This is a second implementation of the Spec, in another language: `swift test` runs tshark
-- with it over every capture in Fixtures/captures/ and compares it, datagram by datagram,
-- with `soccer-stream validate --json`.

local proto = Proto("soccerstream", "SoccerStream")

local HEADER_SIZE = 23
local INFLATE_LIMIT = 16384
local MAX_MINUTE = 150
local MAX_TOKEN = 64
local MAX_JSON_BODY = 4096

local kinds = {
    [1] = "register", [2] = "welcome", [3] = "refuse", [4] = "event", [5] = "end",
    [6] = "unregister", [7] = "heartbeat", [8] = "challenge", [9] = "nack",
    [10] = "unavailable", [11] = "list", [12] = "listing", [13] = "group-event", [14] = "reset",
}
local SIGNATURE_SIZE = 64
local formats = { [0] = "none", [1] = "json", [2] = "compact", [3] = "sealed" }
local event_types = {
    [0] = "none", [1] = "goal", [2] = "missed chance", [3] = "save", [4] = "dribble",
    [5] = "foul", [6] = "yellow card", [7] = "red card", [8] = "penalty",
    -- Extended frames only (Spec §4.13).
    [9] = "substitution", [10] = "own goal", [11] = "second yellow", [12] = "period", [13] = "shoot-out kick",
}
-- The event types as the catalogue's error paths name them (Swift's EventType.identifier).
local type_identifiers = {
    "goal", "missed_chance", "save", "dribble", "foul", "yellow_card", "red_card", "penalty",
    "substitution", "own_goal", "second_yellow", "period", "shootout_kick",
}
local BASE_TYPES, EXTENDED_TYPES = 8, 13
local SUBSTITUTION = 9
-- A real match's phase (Spec §4.13), from its latest period event.
local phases = {
    [0] = "not announced", [1] = "first half", [2] = "half-time", [3] = "second half", [4] = "full time",
    [5] = "extra time, first half", [6] = "extra-time half-time", [7] = "extra time, second half",
    [8] = "end of extra time", [9] = "shoot-out", [10] = "shoot-out over",
}
local MAX_ADDED = 63
local refuse_reasons = {
    [1] = "unsupported version", [2] = "no common format", [3] = "server full",
    [4] = "rate limited", [5] = "malformed register", [6] = "unknown match",
    [7] = "token missing", [8] = "token malformed", [9] = "token signed by an unknown key", [10] = "token signature invalid",
    [11] = "token not yet valid", [12] = "token expired", [13] = "token not permitted", [14] = "token for other matches",
    [15] = "token revoked", [16] = "encryption required",
}
local end_reasons = { [1] = "full time", [2] = "server shutdown", [3] = "abandoned" }
local dictionaries = { [0] = "none", [1] = "standard", [2] = "undefined", [3] = "undefined" }
local match_status = { [0] = "waiting", [1] = "live", [2] = "ended" }

-- Spec §3, one row per kind: directions ("s" to server, "c" to client), formats, whether a
-- compact body may be compressed, event types (an extended frame, §4.13, widens 1...8 to
-- 1...13 and 0...8 to 0...13), whether sequence and score/minute are carried, whether the
-- subscription identifier is required.
local rules = {
    [1]  = { dirs = "s",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [2]  = { dirs = "c",  formats = { [2] = true },            compress = true,  types = { 0, 8 }, seq = true,  score = true,  sub = true },
    [3]  = { dirs = "c",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = false },
    [4]  = { dirs = "c",  formats = { [1] = true, [2] = true }, compress = true,  types = { 1, 8 }, seq = true,  score = true,  sub = true },
    [5]  = { dirs = "c",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = true,  score = true,  sub = true },
    [6]  = { dirs = "s",  formats = { [0] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [7]  = { dirs = "sc", formats = { [0] = true },            compress = false, types = { 0, 0 }, seq = true,  score = false, sub = true },
    [8]  = { dirs = "c",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [9]  = { dirs = "s",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [10] = { dirs = "c",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [13] = { dirs = "c",  formats = { [1] = true, [2] = true }, compress = true,  types = { 1, 8 }, seq = true,  score = true,  sub = true },
    [11] = { dirs = "s",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    [12] = { dirs = "c",  formats = { [2] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
    -- A reset (Spec §4.12): no body; the unknown subscription's identifier, sent back.
    [14] = { dirs = "c",  formats = { [0] = true },            compress = false, types = { 0, 0 }, seq = false, score = false, sub = true },
}

-- Fields ---------------------------------------------------------------------------------

local f = proto.fields
f.magic = ProtoField.uint16("soccerstream.magic", "Magic", base.HEX)
f.version = ProtoField.uint8("soccerstream.version", "Version")
f.kind = ProtoField.uint8("soccerstream.kind", "Kind", base.DEC, kinds)
f.flags = ProtoField.uint8("soccerstream.flags", "Flags", base.HEX)
f.format = ProtoField.uint8("soccerstream.flags.format", "Body format", base.DEC, formats, 0x03)
f.compressed = ProtoField.bool("soccerstream.flags.compressed", "Compressed", 8, nil, 0x04)
f.dictionary = ProtoField.uint8("soccerstream.flags.dictionary", "Preset dictionary", base.DEC, dictionaries, 0x18)
f.retransmission = ProtoField.bool("soccerstream.flags.retransmission", "Retransmission", 8, nil, 0x20)
f.source_lost = ProtoField.bool("soccerstream.flags.source_lost", "Source lost", 8, nil, 0x40)
f.extended = ProtoField.bool("soccerstream.flags.extended", "Extended layout (real match)", 8, nil, 0x80)
f.sequence = ProtoField.uint32("soccerstream.sequence", "Sequence")
f.event_type = ProtoField.uint8("soccerstream.event_type", "Event type", base.DEC, event_types)
f.home_score = ProtoField.uint8("soccerstream.home_score", "Home score")
f.away_score = ProtoField.uint8("soccerstream.away_score", "Away score")
f.minute = ProtoField.uint8("soccerstream.minute", "Minute")
f.body_length = ProtoField.uint16("soccerstream.body_length", "Body length")
f.subscription = ProtoField.uint64("soccerstream.subscription", "Subscription identifier", base.HEX)
f.body = ProtoField.bytes("soccerstream.body", "Body")
f.compressed_body = ProtoField.bytes("soccerstream.compressed_body", "Compressed body")
f.inflated_length = ProtoField.uint32("soccerstream.inflated_length", "Inflated length")
-- The verdict and what the datagram is, as `soccer-stream validate --json` names them.
f.valid = ProtoField.bool("soccerstream.valid", "Valid")
f.datagram_kind = ProtoField.string("soccerstream.datagram_kind", "Datagram kind")
f.error = ProtoField.string("soccerstream.error", "Error")
-- Bodies.
f.formats_count = ProtoField.uint8("soccerstream.register.formats_count", "Formats")
f.offered_format = ProtoField.uint8("soccerstream.register.format", "Format", base.DEC, formats)
f.token_length = ProtoField.uint8("soccerstream.token_length", "Token length")
f.token = ProtoField.bytes("soccerstream.token", "Address token")
f.dict_count = ProtoField.uint8("soccerstream.register.dictionaries_count", "Dictionaries")
f.dict_id = ProtoField.uint8("soccerstream.register.dictionary", "Dictionary", base.DEC, dictionaries)
f.match = ProtoField.uint32("soccerstream.match", "Match id")
f.padding = ProtoField.bytes("soccerstream.padding", "Padding")
f.delivery = ProtoField.uint8("soccerstream.register.delivery", "Delivery", base.DEC, { [0] = "unicast", [1] = "multicast group" })
f.features = ProtoField.uint8("soccerstream.register.features", "Features", base.HEX)
f.feature_real = ProtoField.bool("soccerstream.register.features.real_matches", "Real matches (extended layout)", 8, nil, 0x01)
f.subscriber_token = ProtoField.bytes("soccerstream.register.subscriber_token", "Subscriber token")
f.token_subject = ProtoField.string("soccerstream.register.subscriber_token.subject", "Subject")
f.token_id = ProtoField.bytes("soccerstream.register.subscriber_token.id", "Token id")
f.token_expires = ProtoField.uint32("soccerstream.register.subscriber_token.expires", "Expires (Unix time)")
f.group_match = ProtoField.uint32("soccerstream.group.match", "Match (group event)")
f.signature = ProtoField.bytes("soccerstream.group.signature", "Ed25519 signature (not checked here)")
-- Sealed subscriptions (Spec/ENCRYPTION.md): the clear prefix and the ciphertext, never opened here.
f.key_share = ProtoField.bytes("soccerstream.key_share", "X25519 key share")
f.seal_counter = ProtoField.uint32("soccerstream.sealed.counter", "Seal counter")
f.ciphertext = ProtoField.bytes("soccerstream.sealed.ciphertext", "Ciphertext (ChaCha20-Poly1305)")
f.seal_tag = ProtoField.bytes("soccerstream.sealed.tag", "Authentication tag")
f.seal_epoch = ProtoField.uint8("soccerstream.sealed.epoch", "Group key epoch")
f.multicast_family = ProtoField.uint8("soccerstream.welcome.multicast.family", "Multicast family")
f.multicast_address = ProtoField.bytes("soccerstream.welcome.multicast.address", "Multicast group")
f.multicast_port = ProtoField.uint16("soccerstream.welcome.multicast.port", "Multicast port")
f.multicast_key = ProtoField.bytes("soccerstream.welcome.multicast.key", "Group key (Ed25519)")
f.welcome_format = ProtoField.uint8("soccerstream.welcome.format", "Chosen format", base.DEC, formats)
f.welcome_dictionary = ProtoField.uint8("soccerstream.welcome.dictionary", "Agreed dictionary", base.DEC, dictionaries)
f.heartbeat = ProtoField.uint8("soccerstream.welcome.heartbeat", "Heartbeat seconds")
f.interval = ProtoField.uint32("soccerstream.welcome.interval", "Interval (µs)")
f.team = ProtoField.string("soccerstream.team", "Team")
f.keeper = ProtoField.string("soccerstream.keeper", "Goalkeeper")
f.player_count = ProtoField.uint8("soccerstream.player_count", "Players")
f.player = ProtoField.string("soccerstream.player", "Player")
f.starters = ProtoField.uint8("soccerstream.starters", "Starters")
f.lineup_known = ProtoField.uint8("soccerstream.lineup_known", "Line-up known", base.DEC, { [0] = "no", [1] = "yes" })
f.formation = ProtoField.string("soccerstream.formation", "Formation")
f.language = ProtoField.string("soccerstream.catalog.language", "Language")
f.score_template = ProtoField.string("soccerstream.catalog.score_template", "Score template")
f.type_name = ProtoField.string("soccerstream.catalog.type_name", "Event type name")
f.template = ProtoField.string("soccerstream.catalog.template", "Template")
f.has_current = ProtoField.uint8("soccerstream.welcome.has_current", "Has current event")
f.reason = ProtoField.uint8("soccerstream.refuse.reason", "Reason", base.DEC, refuse_reasons)
f.text = ProtoField.string("soccerstream.text", "Text")
f.end_reason = ProtoField.uint8("soccerstream.end.reason", "Reason", base.DEC, end_reasons)
f.template_index = ProtoField.uint8("soccerstream.event.template", "Template")
f.actor = ProtoField.uint8("soccerstream.event.actor", "Actor", base.HEX)
f.opponent = ProtoField.uint8("soccerstream.event.opponent", "Opponent", base.HEX)
f.goal_count = ProtoField.uint8("soccerstream.event.goals", "Goals")
f.goal = ProtoField.bytes("soccerstream.event.goal", "Goal")
f.red_count = ProtoField.uint8("soccerstream.event.red_cards", "Red cards")
f.red = ProtoField.bytes("soccerstream.event.red_card", "Red card")
f.added = ProtoField.uint8("soccerstream.event.added", "Stoppage minutes")
f.phase = ProtoField.uint8("soccerstream.event.phase", "Phase", base.DEC, phases)
f.goal_mark = ProtoField.uint8("soccerstream.event.goal_mark", "Goal mark", base.HEX)
f.red_mark = ProtoField.uint8("soccerstream.event.red_card_mark", "Red-card mark", base.HEX)
f.yellow_count = ProtoField.uint8("soccerstream.event.yellow_cards", "Yellow cards")
f.yellow = ProtoField.bytes("soccerstream.event.yellow_card", "Yellow card")
f.substitution_count = ProtoField.uint8("soccerstream.event.substitutions", "Substitutions")
f.substitution = ProtoField.bytes("soccerstream.event.substitution", "Substitution")
f.kick_count = ProtoField.uint8("soccerstream.event.kicks", "Shoot-out kicks")
f.kick = ProtoField.bytes("soccerstream.event.kick", "Shoot-out kick")
f.range_count = ProtoField.uint8("soccerstream.ranges", "Ranges")
f.range_first = ProtoField.uint32("soccerstream.range.first", "First sequence")
f.range_length = ProtoField.uint16("soccerstream.range.count", "Count")
f.list_offset = ProtoField.uint16("soccerstream.list.offset", "Offset")
f.listing_total = ProtoField.uint16("soccerstream.listing.total", "Total")
f.listing_offset = ProtoField.uint16("soccerstream.listing.offset", "Offset")
f.listing_count = ProtoField.uint8("soccerstream.listing.count", "Count")
f.listing_status = ProtoField.uint8("soccerstream.listing.status", "Status", base.DEC, match_status)
f.viewers = ProtoField.uint32("soccerstream.listing.viewers", "Viewers")
f.original = ProtoField.string("soccerstream.original", "Original protocol")

local e = {
    malformed = ProtoExpert.new("soccerstream.malformed", "Malformed SoccerStream datagram", expert.group.MALFORMED, expert.severity.ERROR),
    dictionary = ProtoExpert.new("soccerstream.dictionary_missing", "Preset dictionary not loaded", expert.group.UNDECODED, expert.severity.WARN),
    bug = ProtoExpert.new("soccerstream.dissector_bug", "SoccerStream dissector error", expert.group.UNDECODED, expert.severity.ERROR),
}
proto.experts = { e.malformed, e.dictionary, e.bug }

proto.prefs.port = Pref.uint("UDP port", 12345, "The SoccerStream server's UDP port")
proto.prefs.dictionary_file = Pref.string("Preset dictionary 1", "", "Path of Spec/dictionary-1.bin (empty: next to this script)")

-- Errors: a table thrown with error() and caught by the top-level pcall.

local function fail(code, field, offset, message)
    error({ soccerstream = true, code = code, field = field, offset = offset, message = message }, 0)
end

-- Preset dictionary --------------------------------------------------------------------------

local DICTIONARY_SIZE = 4356
local dictionary_cache = { path = nil, bytes = nil, problem = nil }

local function script_directory()
    local source = debug.getinfo(1, "S").source
    if source:sub(1, 1) == "@" then return source:sub(2):match("^(.*)[/\\]") or "." end
    return "."
end

local function standard_dictionary()
    local path = proto.prefs.dictionary_file
    if path == nil or path == "" then path = script_directory() .. "/../../Spec/dictionary-1.bin" end
    if dictionary_cache.path == path then return dictionary_cache.bytes, dictionary_cache.problem end
    dictionary_cache.path, dictionary_cache.bytes, dictionary_cache.problem = path, nil, nil
    local file = io.open(path, "rb")
    if not file then
        dictionary_cache.problem = "cannot open " .. path .. " (set preference soccerstream.dictionary_file)"
        return nil, dictionary_cache.problem
    end
    local data = file:read("*a")
    file:close()
    if data == nil or #data ~= DICTIONARY_SIZE then
        dictionary_cache.problem = path .. " is not dictionary 1 (" .. tostring(data and #data) .. " bytes, expected " .. DICTIONARY_SIZE .. ")"
        return nil, dictionary_cache.problem
    end
    local bytes = {}
    for i = 1, #data do bytes[i] = data:byte(i) end
    dictionary_cache.bytes = bytes
    return bytes, nil
end

-- Inflate (RFC 1951), after Mark Adler's puff.c: raw DEFLATE, an optional preset dictionary,
-- at most `limit` output bytes. Returns the bytes (a table) or nil and a reason.

local band, rshift, lshift = bit32.band, bit32.rshift, bit32.lshift

local LENGTH_BASE = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 }
local LENGTH_EXTRA = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 }
local DIST_BASE = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 }
local DIST_EXTRA = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 }
local CODE_ORDER = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 }

local function inflate(input, dictionary, limit)
    local state = { pos = 1, bitbuf = 0, bitcnt = 0 }
    local out, outcount = {}, 0
    local dictsize = dictionary and #dictionary or 0

    local function bits(need)
        local value = state.bitbuf
        while state.bitcnt < need do
            local byte = input[state.pos]
            if byte == nil then error("incomplete stream", 0) end
            state.pos = state.pos + 1
            value = value + lshift(byte, state.bitcnt)
            state.bitcnt = state.bitcnt + 8
        end
        state.bitbuf = rshift(value, need)
        state.bitcnt = state.bitcnt - need
        return band(value, lshift(1, need) - 1)
    end

    local function emit(byte)
        outcount = outcount + 1
        if outcount > limit then error("limit", 0) end
        out[outcount] = byte
    end

    -- A Huffman table: count[len] codes of each length, symbols in canonical order.
    local function construct(lengths, n)
        local h = { count = {}, symbol = {} }
        for len = 0, 15 do h.count[len] = 0 end
        for s = 0, n - 1 do h.count[lengths[s]] = h.count[lengths[s]] + 1 end
        if h.count[0] == n then return h, 0 end
        local left = 1
        for len = 1, 15 do
            left = left * 2 - h.count[len]
            if left < 0 then return h, left end
        end
        local offs = { [1] = 0 }
        for len = 1, 14 do offs[len + 1] = offs[len] + h.count[len] end
        for s = 0, n - 1 do
            if lengths[s] ~= 0 then
                h.symbol[offs[lengths[s]]] = s
                offs[lengths[s]] = offs[lengths[s]] + 1
            end
        end
        return h, left
    end

    local function decode(h)
        local code, first, index = 0, 0, 0
        for len = 1, 15 do
            code = code + bits(1)
            local count = h.count[len]
            if code - count < first then return h.symbol[index + (code - first)] end
            index = index + count
            first = (first + count) * 2
            code = code * 2
        end
        error("invalid Huffman code", 0)
    end

    local function codes(lencode, distcode)
        while true do
            local symbol = decode(lencode)
            if symbol < 256 then
                emit(symbol)
            elseif symbol == 256 then
                return
            else
                symbol = symbol - 257
                if symbol >= 29 then error("invalid length symbol", 0) end
                local len = LENGTH_BASE[symbol + 1] + bits(LENGTH_EXTRA[symbol + 1])
                local dsym = decode(distcode)
                if dsym == nil or dsym >= 30 then error("invalid distance symbol", 0) end
                local dist = DIST_BASE[dsym + 1] + bits(DIST_EXTRA[dsym + 1])
                if dist > outcount + dictsize then error("refers back before its start", 0) end
                for _ = 1, len do
                    local from = outcount + 1 - dist
                    if from >= 1 then emit(out[from]) else emit(dictionary[dictsize + from]) end
                end
            end
        end
    end

    local fixed_len, fixed_dist
    local function fixed()
        if not fixed_len then
            local lengths = {}
            for s = 0, 143 do lengths[s] = 8 end
            for s = 144, 255 do lengths[s] = 9 end
            for s = 256, 279 do lengths[s] = 7 end
            for s = 280, 287 do lengths[s] = 8 end
            fixed_len = construct(lengths, 288)
            local dl = {}
            for s = 0, 29 do dl[s] = 5 end
            fixed_dist = construct(dl, 30)
        end
        codes(fixed_len, fixed_dist)
    end

    local function dynamic()
        local nlen = bits(5) + 257
        local ndist = bits(5) + 1
        local ncode = bits(4) + 4
        if nlen > 286 or ndist > 30 then error("bad code counts", 0) end
        local lengths = {}
        for i = 0, 18 do lengths[i] = 0 end
        for i = 1, ncode do lengths[CODE_ORDER[i]] = bits(3) end
        local lencode, err = construct(lengths, 19)
        if err ~= 0 then error("incomplete code lengths code", 0) end
        local all = {}
        local index = 0
        while index < nlen + ndist do
            local symbol = decode(lencode)
            if symbol < 16 then
                all[index] = symbol
                index = index + 1
            else
                local len, repeats = 0, 0
                if symbol == 16 then
                    if index == 0 then error("repeat with no first length", 0) end
                    len = all[index - 1]
                    repeats = 3 + bits(2)
                elseif symbol == 17 then
                    repeats = 3 + bits(3)
                else
                    repeats = 11 + bits(7)
                end
                if index + repeats > nlen + ndist then error("too many lengths", 0) end
                for _ = 1, repeats do
                    all[index] = len
                    index = index + 1
                end
            end
        end
        if all[256] == 0 then error("no end-of-block code", 0) end
        local litlen = {}
        for s = 0, nlen - 1 do litlen[s] = all[s] end
        local left
        lencode, left = construct(litlen, nlen)
        if left < 0 or (left > 0 and nlen - lencode.count[0] ~= 1) then error("bad literal/length code", 0) end
        local distlen = {}
        for s = 0, ndist - 1 do distlen[s] = all[nlen + s] end
        local distcode
        distcode, left = construct(distlen, ndist)
        if left < 0 or (left > 0 and ndist - distcode.count[0] ~= 1) then error("bad distance code", 0) end
        codes(lencode, distcode)
    end

    local function stored()
        state.bitbuf, state.bitcnt = 0, 0
        local b1, b2, b3, b4 = input[state.pos], input[state.pos + 1], input[state.pos + 2], input[state.pos + 3]
        if b4 == nil then error("incomplete stream", 0) end
        state.pos = state.pos + 4
        local len = b1 + b2 * 256
        if len ~= 65535 - (b3 + b4 * 256) then error("stored block length check", 0) end
        for _ = 1, len do
            local byte = input[state.pos]
            if byte == nil then error("incomplete stream", 0) end
            state.pos = state.pos + 1
            emit(byte)
        end
    end

    local ok, problem = pcall(function()
        local last
        repeat
            last = bits(1)
            local btype = bits(2)
            if btype == 0 then stored()
            elseif btype == 1 then fixed()
            elseif btype == 2 then dynamic()
            else error("invalid block type", 0) end
        until last == 1
        if state.pos <= #input then error("followed by extra bytes", 0) end
    end)
    if not ok then
        if problem == "limit" then return nil, "limit" end
        return nil, tostring(problem)
    end
    return out, nil
end

-- A reader over a Tvb (the datagram, or its inflated body), reporting offsets as the Spec
-- counts them: from the start of the datagram (inflated bodies: header size + position).

local Reader = {}
Reader.__index = Reader

local function reader(tvb, start, stop, base)
    return setmetatable({ tvb = tvb, pos = start, stop = stop, base = base or 0 }, Reader)
end

function Reader:offset() return self.base + self.pos end
function Reader:remaining() return self.stop - self.pos end

function Reader:need(n, field)
    if self:remaining() < n then
        fail("truncated", field, self:offset(), "need " .. n .. " bytes, " .. self:remaining() .. " left")
    end
end

function Reader:range(n, field)
    self:need(n, field)
    local r = self.tvb:range(self.pos, n)
    self.pos = self.pos + n
    return r
end

function Reader:u8(tree, protofield, field)
    local r = self:range(1, field)
    if tree and protofield then tree:add(protofield, r) end
    return r:uint(), r
end

function Reader:u16(tree, protofield, field)
    local r = self:range(2, field)
    if tree and protofield then tree:add(protofield, r) end
    return r:uint(), r
end

function Reader:u32(tree, protofield, field)
    local r = self:range(4, field)
    if tree and protofield then tree:add(protofield, r) end
    return r:uint(), r
end

-- UTF-8 validity (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
local function valid_utf8(s)
    local i, n = 1, #s
    while i <= n do
        local c = s:byte(i)
        local extra, low, high
        if c < 0x80 then extra = 0
        elseif c >= 0xC2 and c <= 0xDF then extra = 1
        elseif c >= 0xE0 and c <= 0xEF then extra = 2
        elseif c >= 0xF0 and c <= 0xF4 then extra = 3
        else return false end
        low, high = 0x80, 0xBF
        if c == 0xE0 then low = 0xA0 elseif c == 0xED then high = 0x9F
        elseif c == 0xF0 then low = 0x90 elseif c == 0xF4 then high = 0x8F end
        for k = 1, extra do
            local b = s:byte(i + k)
            if b == nil then return false end
            if k == 1 and (b < low or b > high) then return false end
            if k > 1 and (b < 0x80 or b > 0xBF) then return false end
        end
        i = i + extra + 1
    end
    return true
end

function Reader:str8(tree, protofield, field)
    local start = self:offset()
    local n = self:u8(nil, nil, field)
    local r = self:range(n, field)
    local text = n > 0 and r:raw() or ""
    if not valid_utf8(text) then fail("invalidUTF8", field, start + 1, "string of " .. n .. " bytes is not valid UTF-8") end
    if tree and protofield then tree:add(protofield, self.tvb:range(self.pos - n - 1, n + 1), text) end
    return text
end

function Reader:expect_end(field)
    if self:remaining() ~= 0 then
        fail("lengthMismatch", field, self:offset(), self:remaining() .. " bytes left over after the body")
    end
end

-- JSON (RFC 8259), for the schema checks of Spec §5: values as Lua tables with their kind.

local function json_parse(text, base)
    local pos, depth = 1, 0
    local function jfail(message) fail("invalidJSON", "json", base + pos - 1, message) end
    local function ws()
        while true do
            local c = text:sub(pos, pos)
            if c == " " or c == "\t" or c == "\n" or c == "\r" then pos = pos + 1 else return end
        end
    end
    local value
    local function str()
        pos = pos + 1
        local parts = {}
        while true do
            local c = text:sub(pos, pos)
            if c == "" then jfail("unterminated string") end
            if c == '"' then pos = pos + 1; return table.concat(parts) end
            if c:byte() < 0x20 then jfail("control character in a string") end
            if c == "\\" then
                local esc = text:sub(pos + 1, pos + 1)
                local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
                if map[esc] then
                    parts[#parts + 1] = map[esc]
                    pos = pos + 2
                elseif esc == "u" then
                    local hex = text:sub(pos + 2, pos + 5)
                    if not hex:match("^%x%x%x%x$") then jfail("bad \\u escape") end
                    local code = tonumber(hex, 16)
                    pos = pos + 6
                    if code >= 0xD800 and code <= 0xDBFF then
                        local low = text:sub(pos, pos + 5)
                        if not low:match("^\\u%x%x%x%x$") then jfail("unpaired surrogate") end
                        local lcode = tonumber(low:sub(3), 16)
                        if lcode < 0xDC00 or lcode > 0xDFFF then jfail("unpaired surrogate") end
                        code = 0x10000 + (code - 0xD800) * 0x400 + (lcode - 0xDC00)
                        pos = pos + 6
                    elseif code >= 0xDC00 and code <= 0xDFFF then
                        jfail("unpaired surrogate")
                    end
                    -- UTF-8 encode.
                    if code < 0x80 then parts[#parts + 1] = string.char(code)
                    elseif code < 0x800 then parts[#parts + 1] = string.char(0xC0 + rshift(code, 6), 0x80 + band(code, 0x3F))
                    elseif code < 0x10000 then parts[#parts + 1] = string.char(0xE0 + rshift(code, 12), 0x80 + band(rshift(code, 6), 0x3F), 0x80 + band(code, 0x3F))
                    else parts[#parts + 1] = string.char(0xF0 + rshift(code, 18), 0x80 + band(rshift(code, 12), 0x3F), 0x80 + band(rshift(code, 6), 0x3F), 0x80 + band(code, 0x3F)) end
                else
                    jfail("bad escape")
                end
            else
                parts[#parts + 1] = c
                pos = pos + 1
            end
        end
    end
    function value()
        ws()
        local c = text:sub(pos, pos)
        local at = base + pos - 1
        if c == "{" then
            depth = depth + 1
            if depth > 32 then jfail("nesting deeper than 32") end
            pos = pos + 1
            local object = { kind = "object", members = {}, order = {}, offset = at }
            ws()
            if text:sub(pos, pos) == "}" then pos = pos + 1; depth = depth - 1; return object end
            while true do
                ws()
                if text:sub(pos, pos) ~= '"' then jfail("expected a member name") end
                local key = str()
                if object.members[key] ~= nil then jfail("duplicate key \"" .. key .. "\"") end
                ws()
                if text:sub(pos, pos) ~= ":" then jfail("expected ':'") end
                pos = pos + 1
                object.members[key] = value()
                object.order[#object.order + 1] = key
                ws()
                local d = text:sub(pos, pos)
                pos = pos + 1
                if d == "}" then depth = depth - 1; return object end
                if d ~= "," then pos = pos - 1; jfail("expected ',' or '}'") end
            end
        elseif c == "[" then
            depth = depth + 1
            if depth > 32 then jfail("nesting deeper than 32") end
            pos = pos + 1
            local array = { kind = "array", items = {}, offset = at }
            ws()
            if text:sub(pos, pos) == "]" then pos = pos + 1; depth = depth - 1; return array end
            while true do
                array.items[#array.items + 1] = value()
                ws()
                local d = text:sub(pos, pos)
                pos = pos + 1
                if d == "]" then depth = depth - 1; return array end
                if d ~= "," then pos = pos - 1; jfail("expected ',' or ']'") end
            end
        elseif c == '"' then
            return { kind = "string", value = str(), offset = at }
        elseif text:sub(pos, pos + 3) == "true" then
            pos = pos + 4
            return { kind = "boolean", value = true, offset = at }
        elseif text:sub(pos, pos + 4) == "false" then
            pos = pos + 5
            return { kind = "boolean", value = false, offset = at }
        elseif text:sub(pos, pos + 3) == "null" then
            pos = pos + 4
            return { kind = "null", offset = at }
        else
            local number = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
            if number == nil or number == "" or not number:match("^-?0$") and number:match("^-?0%d") then
                jfail("expected a value, found '" .. (c == "" and "end of input" or c) .. "'")
            end
            local strict = number:match("^-?%d+%.%d+[eE][-+]?%d+$") or number:match("^-?%d+%.%d+$")
                or number:match("^-?%d+[eE][-+]?%d+$") or number:match("^-?%d+$")
            if not strict then jfail("malformed number") end
            pos = pos + #number
            local integer = number:match("^-?%d+$") ~= nil
            return { kind = integer and "integer" or "number", value = tonumber(number), offset = at }
        end
    end
    local root = value()
    ws()
    if pos <= #text then jfail("extra text after the JSON value") end
    return root
end

-- The canonical JSON text of a parsed value (Spec §5: Python's json.dumps defaults, members
-- in the order `order` gives for each path, else as parsed).
local function json_escape(text)
    local out = { '"' }
    local i, n = 1, #text
    local simple = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f" }
    while i <= n do
        local c = text:byte(i)
        local code, extra
        if c < 0x80 then code, extra = c, 0
        elseif c < 0xE0 then code, extra = band(c, 0x1F), 1
        elseif c < 0xF0 then code, extra = band(c, 0x0F), 2
        else code, extra = band(c, 0x07), 3 end
        for k = 1, extra do code = code * 64 + band(text:byte(i + k), 0x3F) end
        i = i + extra + 1
        local ch = string.char(c)
        if extra == 0 and simple[ch] then out[#out + 1] = simple[ch]
        elseif code >= 0x20 and code <= 0x7E then out[#out + 1] = ch
        elseif code < 0x10000 then out[#out + 1] = string.format("\\u%04x", code)
        else
            local v = code - 0x10000
            out[#out + 1] = string.format("\\u%04x\\u%04x", 0xD800 + rshift(v, 10), 0xDC00 + band(v, 0x3FF))
        end
    end
    out[#out + 1] = '"'
    return table.concat(out)
end

local function json_canonical(node, order)
    if node.kind == "object" then
        local names = order and order(node) or node.order
        local parts = {}
        for _, name in ipairs(names) do parts[#parts + 1] = json_escape(name) .. ": " .. json_canonical(node.members[name], order) end
        return "{" .. table.concat(parts, ", ") .. "}"
    elseif node.kind == "array" then
        local parts = {}
        for _, item in ipairs(node.items) do parts[#parts + 1] = json_canonical(item, order) end
        return "[" .. table.concat(parts, ", ") .. "]"
    elseif node.kind == "string" then return json_escape(node.value)
    elseif node.kind == "boolean" then return node.value and "true" or "false"
    elseif node.kind == "null" then return "null"
    elseif node.kind == "integer" then return string.format("%d", node.value)
    else return tostring(node.value) end
end

-- Spec §5's member order, by the members an object has.
local function original_order(node)
    local m = node.members
    if m.message then return { "message", "timeA", "timeB", "goleiroA", "goleiroB" } end
    if m.count then return { "count", "score", "content", "type", "time_passed" } end
    if m.posicao then return { "nome", "time", "posicao", "cartao_vermelho", "gols", "tempo_gols", "tempo_cv" } end
    return { "nome", "time" }
end

-- The original datagram's schema (Spec §5): exact members, types and ranges.
local function check_original(root)
    local function schema(node, path, message) fail("schemaViolation", path, node.offset, message) end
    local function object(node, path, names)
        if node.kind ~= "object" then schema(node, path, "expected an object, found " .. node.kind) end
        for _, name in ipairs(names) do
            if node.members[name] == nil then schema(node, path, "missing member \"" .. name .. "\"") end
        end
        local allowed = {}
        for _, name in ipairs(names) do allowed[name] = true end
        for _, name in ipairs(node.order) do
            if not allowed[name] then schema(node, path, "unknown member \"" .. name .. "\"") end
        end
    end
    local function typed(node, path, kind)
        if node.kind ~= kind then schema(node, path, "expected " .. (kind == "integer" and "an integer" or kind == "array" and "an array" or "a " .. kind) .. ", found " .. node.kind) end
        return node.value
    end
    local function ranged(node, path, low, high)
        local v = typed(node, path, "integer")
        if v < low or v > high then fail("outOfRange", path, node.offset, v .. "; expected " .. low .. "..." .. high) end
        return v
    end
    object(root, "json", { "message", "timeA", "timeB", "goleiroA", "goleiroB" })
    local m = root.members.message
    object(m, "json.message", { "count", "score", "content", "type", "time_passed" })
    local count = ranged(m.members.count, "json.message.count", 0, 4294967295)
    typed(m.members.score, "json.message.score", "string")
    local content = typed(m.members.content, "json.message.content", "string")
    if #content > 1024 then fail("tooLarge", "json.message.content", m.members.content.offset, #content .. " bytes; at most 1024") end
    typed(m.members.type, "json.message.type", "string")
    local minute = ranged(m.members.time_passed, "json.message.time_passed", 0, 255)
    local goals = { 0, 0 }
    for side, name in ipairs({ "timeA", "timeB" }) do
        local team = root.members[name]
        typed(team, "json." .. name, "array")
        if #team.items > 126 then fail("tooLarge", "json." .. name, team.offset, #team.items .. " players; at most 126") end
        for i, player in ipairs(team.items) do
            local path = "json." .. name .. "[" .. (i - 1) .. "]"
            object(player, path, { "nome", "time", "posicao", "cartao_vermelho", "gols", "tempo_gols", "tempo_cv" })
            typed(player.members.nome, path .. ".nome", "string")
            typed(player.members.time, path .. ".time", "string")
            typed(player.members.posicao, path .. ".posicao", "string")
            local red = typed(player.members.cartao_vermelho, path .. ".cartao_vermelho", "boolean")
            local scored = ranged(player.members.gols, path .. ".gols", 0, 255)
            local times = player.members.tempo_gols
            typed(times, path .. ".tempo_gols", "array")
            for k, t in ipairs(times.items) do ranged(t, path .. ".tempo_gols[" .. (k - 1) .. "]", 0, 255) end
            if scored ~= #times.items then
                fail("inconsistent", path .. ".gols", player.members.gols.offset, "gols " .. scored .. " but " .. #times.items .. " goal minutes")
            end
            local cv = ranged(player.members.tempo_cv, path .. ".tempo_cv", 0, 255)
            if not red and cv ~= 0 then fail("inconsistent", path .. ".tempo_cv", player.members.tempo_cv.offset, "tempo_cv " .. cv .. " without a red card") end
            goals[side] = goals[side] + scored
        end
    end
    for _, name in ipairs({ "goleiroA", "goleiroB" }) do
        local keeper = root.members[name]
        object(keeper, "json." .. name, { "nome", "time" })
        typed(keeper.members.nome, "json." .. name .. ".nome", "string")
        typed(keeper.members.time, "json." .. name .. ".time", "string")
    end
    return { count = count, minute = minute, home = goals[1], away = goals[2] }
end

-- Bodies ---------------------------------------------------------------------------------

local function player_name(ref)
    local side = band(ref, 0x80) ~= 0 and "away" or "home"
    local index = band(ref, 0x7F)
    return index == 0x7F and (side .. " goalkeeper") or (side .. " player " .. index)
end

-- A minute with its stoppage minutes, `45+2`.
local function minute_text(at, added)
    return at .. (added > 0 and ("+" .. added) or "")
end

-- A mark byte of the extended layout (§4.13): marks in bits 0–1 (`names` says what each bit
-- means in its list; one not named is `reservedBits`), stoppage minutes in bits 2–7.
local function read_mark(r, field, names)
    local offset = r:offset()
    local byte, range = r:u8(nil, nil, field)
    local marks = band(byte, 0x03)
    local allowed = (names[1] and 1 or 0) + (names[2] and 2 or 0)
    if band(marks, allowed) ~= marks then
        fail("reservedBits", field, offset, string.format("mark bits 0x%02X are not defined here; expected a subset of 0x%02X", marks, allowed))
    end
    local said = {}
    for bit = 1, 2 do
        if band(marks, bit) ~= 0 then said[#said + 1] = names[bit] end
    end
    return marks, rshift(byte, 2), range, said
end

-- The extended layout's part of a compact event body (§4.13), after the red cards: stoppage
-- minutes, phase, a mark per goal and per red card, yellow cards, substitutions and shoot-out
-- kicks. Own goals count for the side opposite their scorer in `totals`; every player named is
-- added to `named`.
local function compact_extension(r, tree, minute, goals, reds, totals, named)
    local added_offset = r:offset()
    local added = r:u8(tree, f.added, "body.added")
    if added > MAX_ADDED then fail("outOfRange", "body.added", added_offset, added .. " stoppage minutes; at most " .. MAX_ADDED) end
    local phase_offset = r:offset()
    local phase = r:u8(tree, f.phase, "body.phase")
    if phase > 10 then fail("outOfRange", "body.phase", phase_offset, "phase " .. phase .. "; expected 0...10") end
    for i, player in ipairs(goals) do
        local field = "body.goalMarks[" .. (i - 1) .. "]"
        local marks, stoppage, range, said = read_mark(r, field, { "own goal", "penalty" })
        if marks == 3 then fail("inconsistent", field, r:offset() - 1, "a goal is an own goal or a penalty, not both") end
        local side = band(player, 0x80)
        if marks == 1 then side = 0x80 - side end
        totals[side] = totals[side] + 1
        said[#said + 1] = stoppage > 0 and ("+" .. stoppage .. "'") or nil
        tree:add(f.goal_mark, range):append_text(" (goal " .. (i - 1) .. ": " .. player_name(player) .. (#said > 0 and (", " .. table.concat(said, ", ")) or "") .. ")")
    end
    for i, player in ipairs(reds) do
        local _, stoppage, range, said = read_mark(r, "body.redMarks[" .. (i - 1) .. "]", { "second yellow" })
        said[#said + 1] = stoppage > 0 and ("+" .. stoppage .. "'") or nil
        tree:add(f.red_mark, range):append_text(" (red card " .. (i - 1) .. ": " .. player_name(player) .. (#said > 0 and (", " .. table.concat(said, ", ")) or "") .. ")")
    end
    -- Yellow cards (player, minute, mark) and substitutions (off, on, minute, mark): in time
    -- order, none after the header's minute, as goals and red cards.
    local function at_minute(field, previous)
        local offset = r:offset()
        local at = r:u8(nil, nil, field)
        if at > minute then fail("inconsistent", field, offset, "minute " .. at .. " is after the header's " .. minute) end
        if at < previous then fail("inconsistent", field, offset, "minute " .. at .. " is before the previous " .. previous) end
        return at
    end
    local n = r:u8(tree, f.yellow_count, "body.yellowCards.count")
    r:need(n * 3, "body.yellowCards")
    local previous = 0
    for i = 0, n - 1 do
        local start = r.pos
        local path = "body.yellowCards[" .. i .. "]"
        local player = r:u8(nil, nil, path .. ".player")
        previous = at_minute(path .. ".minute", previous)
        local _, stoppage = read_mark(r, path .. ".mark", {})
        named[#named + 1] = player
        tree:add(f.yellow, r.tvb:range(start, 3)):append_text(": " .. player_name(player) .. ", minute " .. minute_text(previous, stoppage))
    end
    n = r:u8(tree, f.substitution_count, "body.substitutions.count")
    r:need(n * 4, "body.substitutions")
    previous = 0
    for i = 0, n - 1 do
        local start = r.pos
        local path = "body.substitutions[" .. i .. "]"
        local off_offset = r:offset()
        local off = r:u8(nil, nil, path .. ".off")
        local on = r:u8(nil, nil, path .. ".on")
        if band(off, 0x80) ~= band(on, 0x80) or off == on then
            fail("inconsistent", path, off_offset, string.format("0x%02X off and 0x%02X on: a substitution replaces a player by a team-mate", off, on))
        end
        previous = at_minute(path .. ".minute", previous)
        local _, stoppage = read_mark(r, path .. ".mark", {})
        named[#named + 1] = off
        named[#named + 1] = on
        tree:add(f.substitution, r.tvb:range(start, 4)):append_text(": " .. player_name(off) .. " off, " .. player_name(on) .. " on, minute " .. minute_text(previous, stoppage))
    end
    local kick_offset = r:offset()
    n = r:u8(tree, f.kick_count, "body.shootout.count")
    if n > 0 and phase ~= 9 and phase ~= 10 then
        fail("inconsistent", "body.shootout.count", kick_offset, n .. " shoot-out kicks in phase " .. phase .. " (" .. phases[phase] .. ")")
    end
    r:need(n * 2, "body.shootout")
    for i = 0, n - 1 do
        local start = r.pos
        local player = r:u8(nil, nil, "body.shootout[" .. i .. "].player")
        local scored_offset = r:offset()
        local scored = r:u8(nil, nil, "body.shootout[" .. i .. "].scored")
        if scored > 1 then fail("outOfRange", "body.shootout[" .. i .. "].scored", scored_offset, scored .. "; expected 0 (missed) or 1 (scored)") end
        named[#named + 1] = player
        tree:add(f.kick, r.tvb:range(start, 2)):append_text(": " .. player_name(player) .. (scored == 1 and ", scored" or ", missed"))
    end
    return added, phase
end

-- A compact event body (§4.2; in an extended frame with §4.13's part after it), checked
-- against the header's type, score and minute. Returns the actor, the opponent, every player
-- the state names (for the welcome's roster check) and, extended, the stoppage minutes.
local function compact_event(r, tree, header)
    local minute = header.minute
    r:u8(tree, f.template_index, "body.template")
    local actor_offset = r:offset()
    local actor, ar = r:u8(nil, nil, "body.actor")
    tree:add(f.actor, ar):append_text(" (" .. player_name(actor) .. ")")
    local opponent_offset = r:offset()
    local opponent, orr = r:u8(nil, nil, "body.opponent")
    tree:add(f.opponent, orr):append_text(" (" .. player_name(opponent) .. (header.event_type == SUBSTITUTION and ", coming on" or "") .. ")")
    if header.event_type == SUBSTITUTION then
        -- A substitution's opponent byte names the team-mate coming on (§4.13).
        if band(actor, 0x80) ~= band(opponent, 0x80) or actor == opponent then
            fail("inconsistent", "body.opponent", opponent_offset, "a substitution's opponent byte names the team-mate coming on; " .. string.format("0x%02X", opponent) .. " is not one")
        end
    elseif band(actor, 0x80) == band(opponent, 0x80) then
        fail("inconsistent", "body.opponent", opponent_offset, "the opponent is on the actor's side")
    end
    local totals = { [0] = 0, [0x80] = 0 }
    local reds = {}
    local lists = { goals = {}, redCards = {} }
    local named = {}
    for _, list in ipairs({ { name = "goals", count = f.goal_count, item = f.goal }, { name = "redCards", count = f.red_count, item = f.red } }) do
        local n = r:u8(tree, list.count, "body." .. list.name .. ".count")
        r:need(n * 2, "body." .. list.name)
        local previous = 0
        for i = 0, n - 1 do
            local start = r.pos
            local player = r:u8(nil, nil, "body." .. list.name .. "[" .. i .. "].player")
            local minute_offset = r:offset()
            local at = r:u8(nil, nil, "body." .. list.name .. "[" .. i .. "].minute")
            tree:add(list.item, r.tvb:range(start, 2)):append_text(": " .. player_name(player) .. ", minute " .. at)
            if at > minute then fail("inconsistent", "body." .. list.name .. "[" .. i .. "].minute", minute_offset, "minute " .. at .. " is after the header's " .. minute) end
            if at < previous then fail("inconsistent", "body." .. list.name .. "[" .. i .. "].minute", minute_offset, "minute " .. at .. " is before the previous " .. previous) end
            previous = at
            if list.name == "redCards" then
                if reds[player] then fail("inconsistent", "body.redCards[" .. i .. "].player", minute_offset - 1, "player sent off twice") end
                reds[player] = true
            end
            lists[list.name][i + 1] = player
            named[#named + 1] = player
        end
    end
    local added = 0
    if header.extended then
        added = compact_extension(r, tree, minute, lists.goals, lists.redCards, totals, named)
    else
        for _, player in ipairs(lists.goals) do totals[band(player, 0x80)] = totals[band(player, 0x80)] + 1 end
    end
    if totals[0] ~= header.home or totals[0x80] ~= header.away then
        fail("inconsistent", "header.score", 10, "header says " .. header.home .. "-" .. header.away .. " but the goals add up to " .. totals[0] .. "-" .. totals[0x80]
            .. (header.extended and " (own goals for the other side)" or ""))
    end
    return actor, opponent, named, added
end

-- A team sheet (§4.3); extended (§4.13), its players may be none, and the starters, whether
-- the line-up is known and the formation follow them.
local function sheet(r, tree, path, extended)
    local sub = tree:add(proto, r.tvb:range(r.pos, 0), path == "body.roster.home" and "Home sheet" or "Away sheet")
    local start = r.pos
    local team = r:str8(sub, f.team, path .. ".name")
    r:str8(sub, f.keeper, path .. ".keeper")
    local count_offset = r:offset()
    local count = r:u8(sub, f.player_count, path .. ".players.count")
    local least = extended and 0 or 1
    if count < least or count > 126 then fail("outOfRange", path .. ".players.count", count_offset, count .. " players; expected " .. least .. "...126") end
    for i = 0, count - 1 do
        local name = r:str8(nil, nil, path .. ".players[" .. i .. "].name")
        local position = r:str8(nil, nil, path .. ".players[" .. i .. "].position")
        sub:add(f.player, r.tvb:range(r.pos - #name - #position - 2, #name + #position + 2), name .. " (" .. position .. ")")
    end
    local real = false  -- the sheet is a real match's (starters, formation or unknown line-up)
    if extended then
        local starters_offset = r:offset()
        local starters, sr = r:u8(nil, nil, path .. ".starters")
        if starters ~= 255 and starters > count then
            fail("outOfRange", path .. ".starters", starters_offset, starters .. " starters of " .. count .. " players; expected 0..." .. count .. ", or 255 for all")
        end
        sub:add(f.starters, sr):append_text(starters == 255 and " (all)" or (" of " .. count .. " (the rest are substitutes)"))
        local known_offset = r:offset()
        local known = r:u8(sub, f.lineup_known, path .. ".lineupKnown")
        if known > 1 then fail("outOfRange", path .. ".lineupKnown", known_offset, known .. "; expected 0 or 1") end
        local formation = r:str8(nil, nil, path .. ".formation")
        sub:add(f.formation, r.tvb:range(r.pos - #formation - 1, #formation + 1), formation == "" and "(not known)" or formation)
        real = starters ~= 255 or known == 0 or formation ~= ""
    end
    sub:set_len(r.pos - start)
    sub:append_text(": " .. team)
    return count, real
end

local function welcome(r, tree, header)
    local format_offset = r:offset()
    local format = r:u8(tree, f.welcome_format, "body.format")
    if format ~= 1 and format ~= 2 then fail("unknownFormat", "body.format", format_offset, "format " .. format .. "; expected json (1) or compact (2)") end
    local dict_offset = r:offset()
    local dict = r:u8(tree, f.welcome_dictionary, "body.dictionary")
    if dict > 1 then fail("outOfRange", "body.dictionary", dict_offset, "dictionary " .. dict .. " is not defined; expected 0 (none) or 1 (standard)") end
    if header.dictionary ~= 0 and header.dictionary ~= dict then
        fail("inconsistent", "body.dictionary", dict_offset, "the header names dictionary " .. header.dictionary .. ", the body " .. dict)
    end
    local match = r:u32(tree, f.match, "body.matchID")
    r:u8(tree, f.heartbeat, "body.heartbeatSeconds")
    r:u32(tree, f.interval, "body.intervalMicroseconds")
    local home_players, home_real = sheet(r, tree, "body.roster.home", header.extended)
    local away_players, away_real = sheet(r, tree, "body.roster.away", header.extended)
    if header.extended and not home_real and not away_real then
        fail("inconsistent", "body.roster", r:offset(), "an extended welcome whose sheets name no starters, formation or unknown line-up: not a real match's")
    end
    local cat = tree:add(proto, r.tvb:range(r.pos, 0), "Catalogue")
    local cat_start = r.pos
    r:str8(cat, f.language, "body.catalog.language")
    r:str8(cat, f.score_template, "body.catalog.scoreTemplate")
    -- Names and templates for event types 1...8, or 1...13 in an extended welcome (§4.13).
    local templates = {}
    for t = 1, header.extended and EXTENDED_TYPES or BASE_TYPES do
        local path = "body.catalog." .. type_identifiers[t]
        r:str8(cat, f.type_name, path .. ".name")
        local count_offset = r:offset()
        local n = r:u8(nil, nil, path .. ".templates.count")
        if n < 1 then fail("outOfRange", path .. ".templates.count", count_offset, "no templates; expected 1...255") end
        templates[t] = n
        for k = 0, n - 1 do r:str8(cat, f.template, path .. ".templates[" .. k .. "]") end
    end
    cat:set_len(r.pos - cat_start)
    local flag_offset = r:offset()
    local has = r:u8(tree, f.has_current, "body.current")
    if has == 0 then
        if header.event_type ~= 0 or header.home ~= 0 or header.away ~= 0 or header.minute ~= 0 then
            fail("inconsistent", "body.current", flag_offset, "no current event, but the header carries an event's type, score or minute")
        end
    elseif has == 1 then
        if header.event_type < 1 or header.event_type > (header.extended and EXTENDED_TYPES or BASE_TYPES) then
            fail("inconsistent", "header.eventType", 9, "a current event needs its event type in the header")
        end
        local sub = tree:add(proto, r.tvb:range(r.pos, r:remaining()), "Current event")
        local current_start = r:offset()
        local template_index = r.tvb:range(r.pos, 1):uint()
        local actor, opponent, named, added = compact_event(r, sub, header)
        header.added = added
        if template_index >= templates[header.event_type] then
            fail("outOfRange", "body.current.template", current_start, "template " .. template_index .. " of " .. templates[header.event_type])
        end
        local function on_roster(ref)
            local index = band(ref, 0x7F)
            return index == 0x7F or index < (band(ref, 0x80) ~= 0 and away_players or home_players)
        end
        for at, ref in pairs({ [1] = actor, [2] = opponent }) do
            if not on_roster(ref) then
                fail("outOfRange", "body.current." .. (at == 1 and "actor" or "opponent"), current_start + at, "player 0x" .. string.format("%02X", ref) .. " is not on the roster")
            end
        end
        -- Every player the state names: scorers, the sent-off, and extended, the booked, the
        -- substituted and the shoot-out's takers.
        for _, ref in ipairs(named) do
            if not on_roster(ref) then
                fail("outOfRange", "body.current.state", current_start, "player 0x" .. string.format("%02X", ref) .. " is not on the roster")
            end
        end
    else
        fail("outOfRange", "body.current", flag_offset, "flag " .. has .. "; expected 0 or 1")
    end
    -- The multicast offer (Spec §4.11), only when the server sends to a group.
    if r:remaining() > 0 then
        local family_offset = r:offset()
        local family = r:u8(tree, f.multicast_family, "body.multicast.family")
        if family ~= 4 and family ~= 6 then fail("outOfRange", "body.multicast.family", family_offset, "family " .. family .. "; expected 4 or 6") end
        local address_offset = r:offset()
        local address = r:range(family == 4 and 4 or 16, "body.multicast.address")
        tree:add(f.multicast_address, address)
        local first = address:range(0, 1):uint()
        if (family == 4 and (first < 224 or first > 239)) or (family == 6 and first ~= 0xFF) then
            fail("outOfRange", "body.multicast.address", address_offset, "not a multicast group")
        end
        local port = r:u16(tree, f.multicast_port, "body.multicast.port")
        tree:add(f.multicast_key, r:range(32, "body.multicast.key"))
        return "match " .. match .. ", multicast"
    end
    return "match " .. match
end

local function ranges(r, tree)
    local count_offset = r:offset()
    local n = r:u8(tree, f.range_count, "body.ranges.count")
    if n < 1 or n > 32 then fail("outOfRange", "body.ranges.count", count_offset, n .. " ranges; expected 1...32") end
    local total = 0
    for i = 0, n - 1 do
        r:u32(tree, f.range_first, "body.ranges[" .. i .. "].first")
        local length_offset = r:offset()
        local length = r:u16(tree, f.range_length, "body.ranges[" .. i .. "].count")
        if length < 1 or length > 1024 then fail("outOfRange", "body.ranges[" .. i .. "].count", length_offset, length .. "; expected 1...1024") end
        total = total + length
    end
    return total .. " events"
end

local function padding(r, tree)
    local start = r:offset()
    local n = r:remaining()
    if n == 0 then return end
    local range = r:range(n, "body.padding")
    tree:add(f.padding, range)
    local bytes = range:bytes()
    for i = 0, n - 1 do
        if bytes:get_index(i) ~= 0 then fail("reservedBits", "body.padding", start + i, "padding must be zero bytes") end
    end
end

local function token(r, tree, minimum)
    local offset = r:offset()
    local n = r:u8(tree, f.token_length, "body.token.length")
    if n < minimum or n > MAX_TOKEN then fail("outOfRange", "body.token.length", offset, "token of " .. n .. " bytes; expected " .. minimum .. "..." .. MAX_TOKEN) end
    if n > 0 then tree:add(f.token, r:range(n, "body.token")) end
    return n
end

local function register(r, tree)
    local count_offset = r:offset()
    local n = r:u8(tree, f.formats_count, "body.formats.count")
    if n < 1 or n > 2 then fail("outOfRange", "body.formats.count", count_offset, n .. " formats; expected 1 or 2") end
    local seen = {}
    for i = 0, n - 1 do
        local offset = r:offset()
        local format = r:u8(tree, f.offered_format, "body.formats[" .. i .. "]")
        if (format ~= 1 and format ~= 2) or seen[format] then fail("unknownFormat", "body.formats[" .. i .. "]", offset, "format " .. format .. "; expected json (1) or compact (2), each once") end
        seen[format] = true
    end
    token(r, tree, 0)
    if r:remaining() > 0 then
        local dict_offset = r:offset()
        local count = r:u8(nil, nil, "body.dictionaries.count")
        if count > 3 then fail("outOfRange", "body.dictionaries.count", dict_offset, count .. " dictionaries; expected 0...3") end
        if count > 0 then tree:add(f.dict_count, r.tvb:range(r.pos - 1, 1)) end
        local ids = {}
        for i = 0, count - 1 do
            local offset = r:offset()
            local id = r:u8(tree, f.dict_id, "body.dictionaries[" .. i .. "]")
            if id < 1 or id > 3 or ids[id] then fail("outOfRange", "body.dictionaries[" .. i .. "]", offset, "dictionary " .. id .. "; expected 1...3, each at most once") end
            ids[id] = true
        end
    end
    local match, delivery, features = 0, 0, 0
    local token_note = ""
    if r:remaining() >= 4 then
        match = r:u32(tree, f.match, "body.match")
        if r:remaining() > 0 then
            local delivery_offset = r:offset()
            delivery = r:u8(tree, f.delivery, "body.delivery")
            if delivery > 1 then fail("outOfRange", "body.delivery", delivery_offset, "delivery " .. delivery .. "; expected 0 (unicast) or 1 (multicast group)") end
            -- The features byte after it (§4.1): a zero reads as none, the same as padding; bits
            -- other than bit 0 (real matches) are kept and ignored.
            if r:remaining() > 0 then
                local range
                features, range = r:u8(nil, nil, "body.features")
                if features ~= 0 then tree:add(f.features, range):add(f.feature_real, range) end
                -- Then the subscriber token (Spec/TOKENS.md): a zero length reads as none, the same as padding.
                if r:remaining() > 0 and r.tvb:range(r.pos, 1):uint() ~= 0 then
                    local length = r:u8(nil, nil, "body.subscriber_token.length")
                    local bytes = r:range(length, "body.subscriber_token")
                    local sub = tree:add(f.subscriber_token, bytes)
                    -- Its claims, shown when they can be read (the server checks the token; the frame does not).
                    if length >= 104 and bytes:range(0, 1):uint() == 1 then
                        sub:add(f.token_id, bytes:range(9, 16))
                        sub:add(f.token_expires, bytes:range(33, 4))
                        local n = bytes:range(38, 1):uint()
                        if n > 0 and 39 + n <= length then sub:add(f.token_subject, bytes:range(39, n)) end
                    end
                    token_note = ", subscriber token"
                elseif r:remaining() > 0 then
                    r.pos = r.pos + 1 -- a zero token length before a key share
                end
                -- Then the key share (Spec/ENCRYPTION.md): a zero length reads as none, the same as padding.
                if r:remaining() > 0 and r.tvb:range(r.pos, 1):uint() ~= 0 then
                    local share_offset = r:offset()
                    local length = r:u8(nil, nil, "body.key_share.length")
                    if length ~= 32 then fail("outOfRange", "body.key_share.length", share_offset, "key share of " .. length .. " bytes; expected 32 (an X25519 public key) or 0") end
                    tree:add(f.key_share, r:range(32, "body.key_share"))
                    token_note = token_note .. ", key share"
                end
            end
        end
    end
    padding(r, tree)
    return (match == 0 and "any match" or ("match " .. match)) .. (delivery == 1 and ", group delivery" or "")
        .. (band(features, 0x01) ~= 0 and ", real matches" or "") .. token_note
end

local function listing(r, tree)
    local total = r:u16(tree, f.listing_total, "body.total")
    local offset = r:u16(tree, f.listing_offset, "body.offset")
    local count_offset = r:offset()
    local count = r:u8(tree, f.listing_count, "body.count")
    if offset + count > total then fail("outOfRange", "body.count", count_offset, offset .. " + " .. count .. " is more than the total " .. total) end
    for i = 0, count - 1 do
        local path = "body.matches[" .. i .. "]"
        local sub = tree:add(proto, r.tvb:range(r.pos, 0), "Match")
        local start = r.pos
        local id = r:u32(sub, f.match, path .. ".id")
        local status_offset = r:offset()
        local status = r:u8(sub, f.listing_status, path .. ".status")
        if status > 2 then fail("outOfRange", path .. ".status", status_offset, "status " .. status .. "; expected 0...2") end
        local minute_offset = r:offset()
        local minute = r:u8(sub, f.minute, path .. ".minute")
        if minute > MAX_MINUTE then fail("outOfRange", path .. ".minute", minute_offset, "minute " .. minute .. "; expected 0..." .. MAX_MINUTE) end
        local home = r:u8(sub, f.home_score, path .. ".score.home")
        local away = r:u8(sub, f.away_score, path .. ".score.away")
        r:u32(sub, f.viewers, path .. ".viewers")
        local home_team = r:str8(sub, f.team, path .. ".home")
        local away_team = r:str8(sub, f.team, path .. ".away")
        sub:set_len(r.pos - start)
        sub:append_text(" " .. id .. ": " .. home_team .. " " .. home .. "-" .. away .. " " .. away_team .. ", " .. (match_status[status] or "?") .. ", " .. minute .. "'")
    end
    return count .. " of " .. total .. " matches"
end

-- The JSON body of an event frame, or a bare original datagram: shown by Wireshark's JSON
-- dissector, checked here.
local json_dissector = Dissector.get("json")

local function json_body(tvb, start, length, base, pinfo, tree)
    if length > MAX_JSON_BODY then fail("tooLarge", "json", base + start, length .. " bytes; at most " .. MAX_JSON_BODY) end
    local range = tvb:range(start, length)
    local text = range:raw()
    if not valid_utf8(text) then fail("invalidUTF8", "json", base + start, "the JSON text is not valid UTF-8") end
    if json_dissector then json_dissector:call(range:tvb(), pinfo, tree) end
    local root = json_parse(text, base + start)
    local values = check_original(root)
    values.canonical = json_canonical(root, original_order)
    values.text = text
    return values
end

-- Where `actual` first differs from the canonical text, as validate reports it.
local function check_canonical_text(actual, canonical, field, base)
    if actual == canonical then return end
    local at = 1
    while at <= #actual and at <= #canonical and actual:byte(at) == canonical:byte(at) do at = at + 1 end
    fail("inconsistent", field, base + at - 1, "not the canonical encoding: differs from the re-encoded " .. #canonical .. " bytes at byte " .. (base + at - 1))
end

-- Top level ------------------------------------------------------------------------------

local function direction(pinfo)
    local port = proto.prefs.port
    if pinfo.dst_port == port and pinfo.src_port ~= port then return "s" end
    if pinfo.src_port == port and pinfo.dst_port ~= port then return "c" end
    return nil
end

local direction_names = { s = "to server", c = "to client" }

local function check_direction(kind_rules_dirs, dir, field, offset, what)
    if dir and not kind_rules_dirs:find(dir, 1, true) then
        local other = dir == "s" and "c" or "s"
        fail("inconsistent", field, offset, what .. " travels " .. direction_names[dir] .. "; it only goes " .. direction_names[other])
    end
end

-- A SoccerStream frame. Returns the datagram kind and a summary for the Info column.
local function frame(tvb, pinfo, tree, dir)
    local size = tvb:len()
    local r = reader(tvb, 0, size, 0)
    r:need(HEADER_SIZE, "header")
    local header_tree = tree:add(proto, tvb:range(0, HEADER_SIZE), "Header")
    local magic = tvb:range(0, 2):uint()
    header_tree:add(f.magic, tvb:range(0, 2))
    if magic ~= 0xFF53 then fail("badMagic", "header.magic", 0, string.format("found 0x%04X, expected 0xFF53", magic)) end
    local version = tvb:range(2, 1):uint()
    header_tree:add(f.version, tvb:range(2, 1))
    if version ~= 2 then fail("unsupportedVersion", "header.version", 2, "version " .. version .. "; this dissector speaks version 2") end
    local kind = tvb:range(3, 1):uint()
    header_tree:add(f.kind, tvb:range(3, 1))
    local flags = tvb:range(4, 1):uint()
    local flags_tree = header_tree:add(f.flags, tvb:range(4, 1))
    for _, field in ipairs({ f.format, f.compressed, f.dictionary, f.retransmission, f.source_lost, f.extended }) do flags_tree:add(field, tvb:range(4, 1)) end
    local header = {
        kind = kind, format = band(flags, 0x03), compressed = band(flags, 0x04) ~= 0, dictionary = band(rshift(flags, 3), 0x03),
        retransmission = band(flags, 0x20) ~= 0, source_lost = band(flags, 0x40) ~= 0, extended = band(flags, 0x80) ~= 0,
        sequence = tvb:range(5, 4):uint(), event_type = tvb:range(9, 1):uint(),
        home = tvb:range(10, 1):uint(), away = tvb:range(11, 1):uint(), minute = tvb:range(12, 1):uint(),
        body_length = tvb:range(13, 2):uint(), subscription = tvb:range(15, 8):uint64(),
    }
    header_tree:add(f.sequence, tvb:range(5, 4))
    header_tree:add(f.event_type, tvb:range(9, 1))
    header_tree:add(f.home_score, tvb:range(10, 1))
    header_tree:add(f.away_score, tvb:range(11, 1))
    header_tree:add(f.minute, tvb:range(12, 1))
    header_tree:add(f.body_length, tvb:range(13, 2))
    header_tree:add(f.subscription, tvb:range(15, 8))
    local kind_rules = rules[kind]
    if not kind_rules then fail("unknownKind", "header.kind", 3, "kind " .. kind .. "; expected 1...14") end
    if header.dictionary ~= 0 then
        if not header.compressed then fail("reservedBits", "header.flags.dictionary", 4, "dictionary " .. header.dictionary .. " named for a body that is not compressed; expected 0") end
        if header.dictionary > 1 then fail("outOfRange", "header.flags.dictionary", 4, "dictionary " .. header.dictionary .. " is not defined") end
    end
    if header.minute > MAX_MINUTE then fail("outOfRange", "header.minute", 12, "minute " .. header.minute .. "; expected 0..." .. MAX_MINUTE) end
    -- A group event's signature follows its body (Spec §4.11).
    local trailer = kind == 13 and SIGNATURE_SIZE or 0
    if header.body_length ~= size - HEADER_SIZE - trailer then
        fail("lengthMismatch", "header.bodyLength", 13, "declares " .. header.body_length .. " body bytes but the datagram has " .. (size - HEADER_SIZE - trailer)
            .. (trailer > 0 and (" before its " .. trailer .. "-byte signature") or ""))
    end
    local name = kinds[kind]
    if header.format == 3 then
        -- A sealed body (Spec/ENCRYPTION.md): its clear prefix, ciphertext and tag; it opens only
        -- with its subscription's key (validate --key).
        if kind ~= 2 and kind ~= 3 and kind ~= 4 and kind ~= 5 and kind ~= 13 then
            fail("unknownFormat", "header.flags.format", 4, "a " .. name .. " frame is never sealed (only welcome, event, end, refuse, group event)")
        end
        local sr = reader(tvb, HEADER_SIZE, size - trailer, 0)
        if kind == 13 then
            -- A sealed group event (Spec/ENCRYPTION.md, "Multicast"): match in 15–18, epoch in 19, zero in 20–22.
            if tvb:range(15, 4):uint() == 0 then fail("outOfRange", "header.match", 15, "a group event carries its match id in bytes 15–18; found 0") end
            if tvb:range(20, 3):uint() ~= 0 then fail("reservedBits", "header.reserved", 20, "a sealed group event carries zero in bytes 20–22") end
            header_tree:add(f.group_match, tvb:range(15, 4))
            tree:add(f.seal_epoch, tvb:range(19, 1))
        end
        if kind == 2 then tree:add(f.key_share, sr:range(32, "body.key_share")) end
        if kind ~= 4 then sr:u32(tree, f.seal_counter, "body.counter") end
        if sr:remaining() < 16 then fail("truncated", "body.tag", sr:offset(), sr:remaining() .. " bytes left; a sealed body ends with a 16-byte tag") end
        if sr:remaining() > 16 then tree:add(f.ciphertext, tvb:range(sr.pos, sr:remaining() - 16)) end
        tree:add(f.seal_tag, tvb:range(size - trailer - 16, 16))
        if kind == 13 then tree:add(f.signature, tvb:range(size - trailer, trailer)) end
        return "sealed " .. name, "sealed " .. name .. " #" .. header.sequence .. " (" .. (sr:remaining() - 16) .. " bytes of ciphertext)", header
    end
    -- Spec §3's row for the kind.
    if not kind_rules.formats[header.format] then fail("unknownFormat", "header.flags.format", 4, name .. " frames do not use format " .. formats[header.format]) end
    if header.retransmission and kind ~= 4 then fail("reservedBits", "header.flags.retransmission", 4, "only event frames are retransmitted") end
    if header.extended and kind ~= 2 and kind ~= 4 and kind ~= 13 then
        fail("reservedBits", "header.flags.extended", 4, "only welcome, event and group event frames use the extended layout (Spec §4.13)")
    end
    if header.source_lost and kind ~= 7 then fail("reservedBits", "header.flags.sourceLost", 4, "only heartbeat frames say the source is lost") end
    if header.compressed and not (kind_rules.compress and header.format == 2) then fail("reservedBits", "header.flags.compressed", 4, "only welcome and compact event bodies may be compressed") end
    if header.format == 0 and header.body_length ~= 0 then fail("lengthMismatch", "header.bodyLength", 13, name .. " frames have no body, found " .. header.body_length .. " bytes") end
    if header.format ~= 0 and header.body_length == 0 then fail("truncated", "body", HEADER_SIZE, name .. " frames need a body") end
    local lowest, highest = kind_rules.types[1], kind_rules.types[2]
    if header.extended and highest == BASE_TYPES then highest = EXTENDED_TYPES end
    if header.event_type < lowest or header.event_type > highest then
        fail(kind_rules.score and "outOfRange" or "reservedBits", "header.eventType", 9, "event type " .. header.event_type .. " not allowed in " .. name .. " frames"
            .. ((not header.extended and highest == BASE_TYPES) and " (9...13 only in extended frames)" or ""))
    end
    if not kind_rules.score and (header.home ~= 0 or header.away ~= 0 or header.minute ~= 0) then fail("reservedBits", "header", 10, name .. " frames carry score and minute 0") end
    if kind == 13 then
        if tvb:range(19, 4):uint() ~= 0 then fail("reservedBits", "header.reserved", 19, "group-event frames carry the match id in bytes 15–18 and zero in 19–22") end
        if tvb:range(15, 4):uint() == 0 then fail("outOfRange", "header.match", 15, "group-event frames carry their match id in bytes 15–18; found 0, which no match has") end
        header_tree:add(f.group_match, tvb:range(15, 4))
    end
    if kind_rules.sub and header.subscription == UInt64(0) then fail("outOfRange", "header.subscription", 15, name .. " frames carry the subscription identifier; found 0") end
    if not kind_rules.seq and header.sequence ~= 0 then fail("reservedBits", "header.sequence", 5, name .. " frames carry sequence 0, found " .. header.sequence) end

    -- The body, inflated first when compressed.
    local body_tvb, body_start, base = tvb, HEADER_SIZE, 0
    if header.compressed then
        local sent = tvb:range(HEADER_SIZE, header.body_length)
        tree:add(f.compressed_body, sent)
        local dict = nil
        if header.dictionary == 1 then
            local problem
            dict, problem = standard_dictionary()
            if not dict then
                tree:add_proto_expert_info(e.dictionary, "body compressed with preset dictionary 1, which is not loaded: " .. problem)
                return "unchecked", name .. " (dictionary 1 not loaded)"
            end
        end
        local raw = sent:bytes()
        local input = {}
        for i = 0, raw:len() - 1 do input[i + 1] = raw:get_index(i) end
        local out, problem = inflate(input, dict, INFLATE_LIMIT)
        if not out then
            if problem == "limit" then fail("inflateLimitExceeded", "body", HEADER_SIZE, "inflates to more than " .. INFLATE_LIMIT .. " bytes") end
            fail("inflateFailed", "body", HEADER_SIZE, "cannot inflate: " .. problem)
        end
        local bytes = ByteArray.new()
        bytes:set_size(#out)
        for i = 1, #out do bytes:set_index(i - 1, out[i]) end
        tree:add(f.inflated_length, sent, #out)
        if #out == 0 then fail("truncated", "body", HEADER_SIZE, name .. " frames need a body") end
        header.inflated = #out
        body_tvb = bytes:tvb("Inflated body")
        body_start = 0
        base = HEADER_SIZE
    end
    local body_length = header.compressed and body_tvb:len() or header.body_length
    local body_tree = body_length > 0 and tree:add(f.body, body_tvb:range(body_start, body_length)) or tree
    local br = reader(body_tvb, body_start, body_start + body_length, base)
    if kind == 13 then tree:add(f.signature, tvb:range(HEADER_SIZE + header.body_length, SIGNATURE_SIZE)) end
    local summary = name
    if kind == 1 then
        summary = "register, " .. register(br, body_tree)
    elseif kind == 2 then
        summary = "welcome, " .. welcome(br, body_tree, header)
    elseif kind == 3 then
        local reason = br:u8(body_tree, f.reason, "body.reason")
        if reason < 1 or reason > 16 then fail("outOfRange", "body.reason", HEADER_SIZE, "reason " .. reason .. "; expected 1...16") end
        br:str8(body_tree, f.text, "body.text")
        summary = "refuse, " .. refuse_reasons[reason]
    elseif (kind == 4 or kind == 13) and header.format == 1 then
        local values = json_body(body_tvb, body_start, body_length, base, pinfo, body_tree)
        if values.count ~= header.sequence then fail("inconsistent", "json.message.count", HEADER_SIZE, "count " .. values.count .. " differs from the header's sequence " .. header.sequence) end
        if values.minute ~= header.minute then fail("inconsistent", "json.message.time_passed", HEADER_SIZE, "time_passed " .. values.minute .. " differs from the header's minute " .. header.minute) end
        if values.home ~= header.home or values.away ~= header.away then
            fail("inconsistent", "header.score", 10, "header says " .. header.home .. "-" .. header.away .. " but the players' goals add up to " .. values.home .. "-" .. values.away)
        end
        check_canonical_text(values.text, values.canonical, "body", HEADER_SIZE)
        br.pos = br.stop
        summary = (kind == 13 and "group event (json) #" or "event (json) #") .. header.sequence
    elseif kind == 4 or kind == 13 then
        local _, _, _, added = compact_event(br, body_tree, header)
        header.added = added
        summary = (kind == 13 and "group event #" or "event #") .. header.sequence
    elseif kind == 5 then
        local reason = br:u8(body_tree, f.end_reason, "body.reason")
        if reason < 1 or reason > 3 then fail("outOfRange", "body.reason", HEADER_SIZE, "reason " .. reason .. "; expected 1...3") end
        summary = "end, " .. end_reasons[reason]
    elseif kind == 8 then
        token(br, body_tree, 1)
        summary = "challenge"
    elseif kind == 9 or kind == 10 then
        summary = name .. ", " .. ranges(br, body_tree)
    elseif kind == 11 then
        token(br, body_tree, 0)
        br:u16(body_tree, f.list_offset, "body.offset")
        padding(br, body_tree)
    elseif kind == 12 then
        summary = "listing, " .. listing(br, body_tree)
    end
    br:expect_end("body")
    check_direction(kind_rules.dirs, dir, "header.kind", 3, name)
    -- Canonical encoding (Spec §4.4): a welcome is compressed with the dictionary it announces,
    -- an event with none; bodies under 32 bytes are never compressed.
    if header.compressed then
        local expected = 0
        if kind == 2 then expected = body_tvb:range(body_start + 1, 1):uint() end
        if header.dictionary ~= expected then
            fail("inconsistent", "header.flags.dictionary", 4, name .. " body compressed with dictionary " .. header.dictionary .. "; it is compressed with " .. expected)
        end
        if header.inflated < 32 then
            fail("inconsistent", "header.flags.compressed", 4, "a body of " .. header.inflated .. " bytes is compressed; bodies under 32 bytes never are")
        end
    end
    if kind == 13 then summary = summary .. " of match " .. tvb:range(15, 4):uint() end
    if kind == 4 or kind == 13 or kind == 2 or kind == 5 then
        summary = summary .. string.format(" %d-%d ", header.home, header.away) .. minute_text(header.minute, header.added or 0) .. "'"
    end
    if header.extended then
        summary = summary .. (header.event_type > 0 and (" (extended, " .. event_types[header.event_type] .. ")") or " (extended)")
    end
    if header.retransmission then summary = summary .. " (retransmission)" end
    if header.source_lost then summary = summary .. " (source lost)" end
    return name, summary, header
end

-- An original-protocol datagram (§8).
local function original(tvb, pinfo, tree, dir)
    local size = tvb:len()
    local text = size > 0 and tvb:range(0, size):raw() or ""
    local kind, summary
    if text == "register" then
        kind, summary = "original register", "register"
        check_direction("s", dir, "original", 0, "original register")
    elseif text == "unregister" then
        kind, summary = "original unregister", "unregister"
        check_direction("s", dir, "original", 0, "original unregister")
    elseif text == "End of transmission" then
        kind, summary = "original end", "End of transmission"
        check_direction("c", dir, "original", 0, "original End of transmission")
    elseif text:sub(1, 1) == "{" then
        local values = json_body(tvb, 0, size, 0, pinfo, tree)
        kind = "original event"
        summary = string.format("event #%d %d-%d %d'", values.count, values.home, values.away, values.minute)
        check_direction("c", dir, "original", 0, "original datagram")
        check_canonical_text(values.text, values.canonical, "original", 0)
        tree:add(f.sequence, tvb:range(0, size), values.count):set_generated()
        tree:add(f.home_score, tvb:range(0, size), values.home):set_generated()
        tree:add(f.away_score, tvb:range(0, size), values.away):set_generated()
        tree:add(f.minute, tvb:range(0, size), values.minute):set_generated()
    else
        fail("unknownText", "original", 0, "not a SoccerStream frame, nor register, unregister, End of transmission or JSON")
    end
    tree:add(f.original, tvb:range(0, size), kind)
    return kind, summary
end

local function dissect(tvb, pinfo, tree)
    local size = tvb:len()
    local root = tree:add(proto, tvb:range(0, size))
    if pinfo.in_error_pkt then
        -- The datagram an ICMP error quotes (often cut short): shown, but no verdict of its own.
        root:append_text(" (quoted in an ICMP error)")
        return size
    end
    pinfo.cols.protocol = "SoccerStream"
    local dir = direction(pinfo)
    local is_frame = size > 0 and tvb:range(0, 1):uint() == 0xFF
    local ok, kind, summary = pcall(function()
        if is_frame then return frame(tvb, pinfo, root, dir) end
        return original(tvb, pinfo, root, dir)
    end)
    local verdict
    if ok then
        verdict = kind ~= "unchecked"
        if verdict then
            root:add(f.datagram_kind, tvb:range(0, size), kind):set_generated()
        end
        pinfo.cols.info = (is_frame and "" or "Original ") .. summary
    elseif type(kind) == "table" and kind.soccerstream then
        verdict = false
        local text = kind.code .. " at byte " .. kind.offset .. " (" .. kind.field .. "): " .. kind.message
        root:add(f.error, tvb:range(0, size), text):set_generated()
        root:add_proto_expert_info(e.malformed, text)
        pinfo.cols.info = (is_frame and "Malformed frame: " or "Malformed original datagram: ") .. text
    else
        verdict = false
        root:add_proto_expert_info(e.bug, "dissector error: " .. tostring(kind))
        pinfo.cols.info = "SoccerStream (dissector error)"
    end
    if verdict ~= nil then root:add(f.valid, tvb:range(0, size), verdict):set_generated() end
    root:append_text(dir and (", " .. direction_names[dir]) or "")
    return size
end

function proto.dissector(tvb, pinfo, tree)
    return dissect(tvb, pinfo, tree)
end

-- Registration: the port (re-registered when the preference changes) and a heuristic on the
-- magic bytes for frames on other ports.
local udp_port = DissectorTable.get("udp.port")
local registered_port = proto.prefs.port
udp_port:add(registered_port, proto)

function proto.prefs_changed()
    if proto.prefs.port ~= registered_port then
        udp_port:remove(registered_port, proto)
        registered_port = proto.prefs.port
        udp_port:add(registered_port, proto)
    end
end

local function heuristic(tvb, pinfo, tree)
    if tvb:len() < HEADER_SIZE then return false end
    if tvb:range(0, 1):uint() ~= 0xFF or tvb:range(1, 1):uint() ~= 0x53 then return false end
    dissect(tvb, pinfo, tree)
    return true
end
proto:register_heuristic("udp", heuristic)
