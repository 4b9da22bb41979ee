import RuntimeSupport

/// A match's subscribers by address: the subscribers side by side in one array (``values``, in
/// no particular order) and, for look-ups, each address's place in it.
///
/// A `[DatagramAddress: Subscriber]` kept each subscriber (about 180 bytes) in a hash table
/// with room to spare, so growing it moved and hashed every one of them again, scattered over
/// a table twice the size, and each event's recipients were copied out of it. Here only the
/// small index (an address and a place) is rehashed when it grows, the array grows by moving
/// its bytes, and the recipients of an event are the array itself, shared, not copied.
/// Removing swaps the last subscriber into the freed place.
package struct SubscriberTable: Sendable {
    /// Each subscriber's place in ``values``.
    private var index: [DatagramAddress: Int] = [:]
    /// The subscribers, in no particular order (a removal moves the last one).
    package private(set) var values: [Subscriber] = []
    /// The address each of ``values`` is kept under, place for place.
    package private(set) var keys: [DatagramAddress] = []

    /// An empty table.
    package init() {}

    /// How many subscribers it holds.
    package var count: Int { values.count }
    /// Whether it holds none.
    package var isEmpty: Bool { values.isEmpty }
    /// Each address with its subscriber.
    package var entries: Zip2Sequence<[DatagramAddress], [Subscriber]> { zip(keys, values) }
    /// The subscriber at `key`; setting a subscriber puts it there, setting nil removes it.
    /// Changing a field in place (`table[key]?.lastHeard = now`) looks the address up once, as
    /// a `Dictionary` does, not once to read and once to write; an empty table hashes nothing.
    package subscript(key: DatagramAddress) -> Subscriber? {
        get {
            guard !values.isEmpty, let place = index[key] else { return nil }
            return values[place]
        }
        _modify {
            let place = values.isEmpty ? nil : index[key]
            var value = place.map { values[$0] }
            yield &value
            switch (place, value) {
            case (let place?, let value?): values[place] = value
            case (.some, nil): removeValue(forKey: key)
            case (nil, let value?): updateValue(value, forKey: key)
            case (nil, nil): break
            }
        }
    }

    /// Puts `subscriber` at `key`, returning the one it replaced.
    @discardableResult
    package mutating func updateValue(_ subscriber: Subscriber, forKey key: DatagramAddress) -> Subscriber? {
        if let place = index[key] {
            let old = values[place]
            values[place] = subscriber
            return old
        }
        index[key] = values.count
        values.append(subscriber)
        keys.append(key)
        return nil
    }

    /// Removes the subscriber at `key` and returns it: the last one takes its place.
    @discardableResult
    package mutating func removeValue(forKey key: DatagramAddress) -> Subscriber? {
        guard !values.isEmpty, let place = index.removeValue(forKey: key) else { return nil }
        let last = values.count - 1
        if place != last {
            values.swapAt(place, last)
            keys.swapAt(place, last)
            index[keys[place]] = place
        }
        keys.removeLast()
        return values.removeLast()
    }

    /// Grows the index ahead to `limit` once it holds `threshold` subscribers
    /// (``Swift/Dictionary/growAhead(limit:from:)``); the array grows by moving its bytes.
    package mutating func growAhead(limit: Int, from threshold: Int) {
        index.growAhead(limit: limit, from: threshold)
    }

    /// Removes every subscriber.
    package mutating func removeAll() {
        index.removeAll()
        values.removeAll()
        keys.removeAll()
    }
}
