extension OriginalDatagram {
    /// The JSON tree in the original's field order.
    public var jsonNode: JSONNode {
        // Members are built directly (not through `.object([(key, node)])`): one array per object.
        typealias Member = JSONNode.Member
        func player(_ entry: OriginalPlayer) -> JSONNode {
            JSONNode(
                .object([
                    Member("nome", .string(entry.nome)), Member("time", .string(entry.time)), Member("posicao", .string(entry.posicao)),
                    Member("cartao_vermelho", JSONNode(.bool(entry.cartaoVermelho))), Member("gols", .int(entry.gols)),
                    Member("tempo_gols", .array(entry.tempoGols.map { .int($0) })), Member("tempo_cv", .int(entry.tempoCV)),
                ]))
        }
        func keeper(_ entry: OriginalKeeper) -> JSONNode {
            JSONNode(.object([Member("nome", .string(entry.nome)), Member("time", .string(entry.time))]))
        }
        return JSONNode(
            .object([
                Member(
                    "message",
                    JSONNode(
                        .object([
                            Member("count", .int(message.count)), Member("score", .string(message.score)),
                            Member("content", .string(message.content)), Member("type", .string(message.type)),
                            Member("time_passed", .int(message.timePassed)),
                        ]))),
                Member("timeA", .array(timeA.map(player))), Member("timeB", .array(timeB.map(player))),
                Member("goleiroA", keeper(goleiroA)), Member("goleiroB", keeper(goleiroB)),
            ]))
    }

    /// The canonical bytes: Python `json.dumps` style, as the original server sent them.
    ///
    /// - Throws: ``WireError/Code/tooLarge`` when they exceed ``maximumSize``.
    public func encoded() throws(WireError) -> [UInt8] {
        let bytes = jsonNode.pythonStyleBytes()
        guard bytes.count <= Self.maximumSize else {
            throw WireError(
                .tooLarge, field: "json", offset: Self.maximumSize,
                "JSON body of \(bytes.count) bytes exceeds \(Self.maximumSize)")
        }
        return bytes
    }

    /// Decodes and checks a JSON body against the original layout.
    ///
    /// - Parameter base: the offset of `bytes[0]` in the datagram, for error offsets.
    /// - Throws: ``WireError`` naming the field path (`json.timeA[3].gols`) and byte offset:
    ///   ``WireError/Code/tooLarge`` over ``maximumSize`` bytes, the errors of
    ///   ``JSONNode/parse(_:base:)``, and those of ``init(node:)``.
    public init(decoding bytes: [UInt8], base: Int = 0) throws(WireError) {
        guard bytes.count <= Self.maximumSize else {
            throw WireError(
                .tooLarge, field: "json", offset: base + Self.maximumSize,
                "JSON body of \(bytes.count) bytes exceeds \(Self.maximumSize)")
        }
        try self.init(node: try JSONNode.parse(bytes, base: base))
    }

    /// Reads a datagram from a parsed JSON tree, checking every field's type and range.
    ///
    /// - Parameter root: the tree, as ``JSONNode/parse(_:base:)`` made it; errors give its nodes' offsets.
    /// - Throws: ``WireError/Code/schemaViolation`` for a missing, extra or mistyped field, a string
    ///   over 255 bytes (`content`: 1,024) or over 126 players a side; ``WireError/Code/outOfRange``
    ///   for a number out of range; ``WireError/Code/inconsistent`` when `gols` disagrees with
    ///   `tempo_gols`, or `tempo_cv` is not 0 without a red card.
    public init(node root: JSONNode) throws(WireError) {
        let top = try root.object("json", keys: ["message", "timeA", "timeB", "goleiroA", "goleiroB"])
        let messageFields = try top["message"].object(
            "json.message", keys: ["count", "score", "content", "type", "time_passed"])
        let message = OriginalMessage(
            count: UInt32(try messageFields["count"].integer("json.message.count", in: 0...Int64(UInt32.max))),
            score: try messageFields["score"].string("json.message.score"),
            content: try messageFields["content"].string("json.message.content", maxBytes: 1024),
            type: try messageFields["type"].string("json.message.type"),
            timePassed: Int(try messageFields["time_passed"].integer("json.message.time_passed", in: 0...255)))

        func players(_ key: String) throws(WireError) -> [OriginalPlayer] {
            var result: [OriginalPlayer] = []
            for (index, node) in try top[key].array("json.\(key)", maxCount: 126).enumerated() {
                func path() -> String { "json.\(key)[\(index)]" }  // built only for an error
                let fields = try node.object(path(), keys: ["nome", "time", "posicao", "cartao_vermelho", "gols", "tempo_gols", "tempo_cv"])
                var minutes: [Int] = []
                for (goalIndex, minute) in try fields["tempo_gols"].array("\(path()).tempo_gols", maxCount: 255).enumerated() {
                    minutes.append(Int(try minute.integer("\(path()).tempo_gols[\(goalIndex)]", in: 0...255)))
                }
                let goals = Int(try fields["gols"].integer("\(path()).gols", in: 0...255))
                guard goals == minutes.count else {
                    throw WireError(
                        .inconsistent, field: "\(path()).gols", offset: fields["gols"].offset,
                        "gols is \(goals) but tempo_gols lists \(minutes.count) minutes")
                }
                let red = try fields["cartao_vermelho"].bool("\(path()).cartao_vermelho")
                let redMinute = Int(try fields["tempo_cv"].integer("\(path()).tempo_cv", in: 0...255))
                if !red && redMinute != 0 {
                    throw WireError(
                        .inconsistent, field: "\(path()).tempo_cv", offset: fields["tempo_cv"].offset,
                        "tempo_cv is \(redMinute) but cartao_vermelho is false (expected 0)")
                }
                result.append(
                    OriginalPlayer(
                        nome: try fields["nome"].string("\(path()).nome"),
                        time: try fields["time"].string("\(path()).time"),
                        posicao: try fields["posicao"].string("\(path()).posicao"),
                        cartaoVermelho: red, gols: goals, tempoGols: minutes, tempoCV: redMinute))
            }
            return result
        }
        func keeper(_ key: String) throws(WireError) -> OriginalKeeper {
            let fields = try top[key].object("json.\(key)", keys: ["nome", "time"])
            return OriginalKeeper(
                nome: try fields["nome"].string("json.\(key).nome"),
                time: try fields["time"].string("json.\(key).time"))
        }
        self.init(
            message: message, timeA: try players("timeA"), timeB: try players("timeB"),
            goleiroA: try keeper("goleiroA"), goleiroB: try keeper("goleiroB"))
    }
}
