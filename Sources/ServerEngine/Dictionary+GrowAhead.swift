extension Dictionary {
    /// The most entries a table reserves at once (``growAhead(limit:from:)``): beyond it,
    /// tables double as `Dictionary` does by itself.
    static var reservedAtMost: Int { 131_072 }

    /// Makes room, once the table is full and holds at least `threshold` entries, for `limit`
    /// (the server's client limit, up to ``reservedAtMost``) at once, instead of the doubling a
    /// `Dictionary` does by itself, which moves and hashes every entry again each time:
    /// registering 100,000 clients spent about a twentieth of its CPU on those moves
    /// (docs/BENCHMARKS.md). The room is address space: the kernel gives a page when an entry
    /// first lands in it, but entries land scattered, so a few thousand of them touch most of a
    /// table's pages. Hence the threshold: a table that may never get big doubles as usual.
    mutating func growAhead(limit: Int, from threshold: Int = 0) {
        guard count == capacity, count >= threshold else { return }
        let room = Swift.min(limit, Self.reservedAtMost)
        if room > count { reserveCapacity(room) }
    }
}
