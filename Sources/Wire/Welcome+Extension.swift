/// The extended layout's part of a welcome (Spec §4.13): after each team sheet's players,
/// `starters u8 (255: all start) | lineupKnown u8 (0 or 1) | formation string8 (empty: none)`;
/// and a catalogue that names all thirteen event types, not only the first eight.
extension Welcome {
    /// The event types whose names and templates a welcome's catalogue carries, in order.
    static func catalogKinds(extended: Bool) -> [EventType] {
        extended ? EventType.allCases : EventType.base
    }

    static func writeSheetExtension(_ sheet: TeamSheet, to writer: inout ByteWriter, path: String) throws(WireError) {
        if let starters = sheet.starters {
            guard (0...sheet.players.count).contains(starters) else {
                throw WireError(
                    .outOfRange, field: "\(path).starters", offset: writer.bytes.count,
                    "\(starters) starters of \(sheet.players.count) players")
            }
            writer.writeUInt8(UInt8(starters))
        } else {
            writer.writeUInt8(0xFF)
        }
        writer.writeUInt8(sheet.lineupKnown ? 1 : 0)
        try writer.writeString8(sheet.formation ?? "", field: "\(path).formation")
    }

    static func readSheetExtension(from reader: inout ByteReader, into sheet: inout TeamSheet, path: String) throws(WireError) {
        let startersOffset = reader.offset
        let starters = try reader.readUInt8(field: "\(path).starters")
        if starters != 0xFF {
            guard Int(starters) <= sheet.players.count else {
                throw WireError(
                    .outOfRange, field: "\(path).starters", offset: startersOffset,
                    "\(starters) starters of \(sheet.players.count) players; expected 0...\(sheet.players.count), or 255 for all")
            }
            sheet.starters = Int(starters)
        }
        let knownOffset = reader.offset
        let known = try reader.readUInt8(field: "\(path).lineupKnown")
        guard known <= 1 else {
            throw WireError(.outOfRange, field: "\(path).lineupKnown", offset: knownOffset, "\(known); expected 0 or 1")
        }
        sheet.lineupKnown = known == 1
        let formation = try reader.readString8(field: "\(path).formation")
        sheet.formation = formation.isEmpty ? nil : formation
    }
}
