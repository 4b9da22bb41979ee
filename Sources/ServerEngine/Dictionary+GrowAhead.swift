extension Dictionary {
    /// The most entries a table reserves at once (``growAhead(limit:)``): beyond it, tables
    /// double as `Dictionary` does by itself.
    static var reservedAtMost: Int { 131_072 }

    /// Makes room, once the table is full, for `limit` entries (the server's client limit, up
    /// to ``reservedAtMost``) at once, instead of the doubling a `Dictionary` does by itself,
    /// which moves and hashes every entry again each time: registering 100,000 clients spent
    /// about a twentieth of its CPU on those moves (docs/BENCHMARKS.md). The memory reserved is
    /// touched, page by page, only as entries come (a server's first subscriber does not make
    /// it hold its limit's worth).
    mutating func growAhead(limit: Int) {
        guard count == capacity else { return }
        let room = Swift.min(limit, Self.reservedAtMost)
        if room > count { reserveCapacity(room) }
    }
}
