import GroupSigning
import Match
import RuntimeSupport
import Wire

/// How many bytes a second the server may send to original-protocol subscribers, whose
/// addresses are never validated (their protocol has no challenge), so that a forged register
/// can point at most this much traffic at a third party (Spec §8, docs/OPERATING.md "The original protocol's risk").
public struct OriginalBudgetSettings: Sendable, Hashable {
    /// Bytes a second to the original subscribers of one /24 (IPv4) or /56 (IPv6) together.
    public var perPrefix: Int = 256 << 10
    /// Bytes a second to every original subscriber together.
    public var total: Int = 4 << 20

    /// The defaults: 256 KiB a second per block (about 85 original clients at the real pace of an
    /// event a second, 3 KB each), 4 MiB a second in all.
    public init() {}
}

/// The original-protocol byte budget in force (``OriginalBudgetSettings``): one token bucket per
/// /24 or /56 block and one for the server, both refilled by the state's clock, a second's
/// worth saved up at most. Loopback subscribers are not budgeted (their datagrams never leave
/// the host). Free of I/O: ``ServerState`` asks it per original datagram of the fan-out.
public struct OriginalBudget: Sendable {
    /// The rates.
    public let settings: OriginalBudgetSettings
    private var blocks: [AddressPrefix: TokenBucket] = [:]
    private var total: TokenBucket?
    /// Datagrams and bytes not sent because a budget was spent, since the start.
    public private(set) var droppedDatagrams = 0
    public private(set) var droppedBytes = 0

    /// A budget at `settings`'s rates.
    public init(settings: OriginalBudgetSettings) {
        self.settings = settings
    }

    /// A budget at `settings`'s rates, its buckets full, that goes on counting from `earlier`'s
    /// drops (a reload must not set the figures back).
    public init(settings: OriginalBudgetSettings, countingFrom earlier: OriginalBudget) {
        self.settings = settings
        droppedDatagrams = earlier.droppedDatagrams
        droppedBytes = earlier.droppedBytes
    }

    /// Whether a datagram of `bytes` to a subscriber of `block` may go out at `now`; when it may,
    /// its bytes are taken from both buckets, and when not, it is counted as dropped.
    public mutating func allows(_ block: AddressPrefix, bytes: Int, now: Double) -> Bool {
        let size = Double(bytes)
        var mine = blocks[block] ?? TokenBucket(rate: Double(settings.perPrefix), burst: Double(settings.perPrefix), now: now)
        var all = total ?? TokenBucket(rate: Double(settings.total), burst: Double(settings.total), now: now)
        guard mine.available(now: now) >= size, all.available(now: now) >= size else {
            droppedDatagrams += 1
            droppedBytes += bytes
            return false
        }
        _ = mine.take(size, now: now)
        _ = all.take(size, now: now)
        blocks[block] = mine
        total = all
        return true
    }

    /// Forgets the blocks whose buckets are full again (as good as new), so that the table
    /// holds only blocks sent to within the last second.
    public mutating func prune(now: Double) {
        blocks = blocks.filter { $0.value.available(now: now) < $0.value.burst }
    }
}
