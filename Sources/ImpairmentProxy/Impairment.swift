import Match
import RuntimeSupport
import Wire

/// What the impairment proxy does to the datagrams of one direction, as `tc netem` would
/// (without root): independent and bursty loss, reordering, duplication, delay and jitter.
public struct Impairment: Sendable, Hashable {
    /// Probability that a datagram is dropped, independently of the others.
    public var loss: Double = 0
    /// Bursty loss (Gilbert–Elliott), applied before ``loss``; nil for none.
    public var burst: BurstLoss?
    /// Probability that a datagram is held back and sent after the next one of its flow.
    public var reorder: Double = 0
    /// Probability that a forwarded datagram is sent twice.
    public var duplicate: Double = 0
    /// Fixed delay added to every forwarded datagram.
    public var delay: Duration = .zero
    /// Uniform jitter: each datagram's delay is `delay ± jitter` (never below zero).
    public var jitter: Duration = .zero

    /// No impairment.
    public init() {}

    /// Whether this impairs anything.
    public var isNone: Bool { self == Impairment() }

    /// Checks the probabilities and durations, naming the setting of `direction`.
    ///
    /// - Throws: ``StreamingError`` with code `configuration`.
    public func validate(direction: String) throws(StreamingError) {
        for (name, value) in [("loss", loss), ("reorder", reorder), ("duplicate", duplicate)] {
            guard value.isFinite, (0...1).contains(value) else {
                throw StreamingError(.configuration, "\(name) (--\(name)) \(direction): \(value); expected a probability 0...1")
            }
        }
        try burst?.validate(direction: direction)
        guard delay >= .zero, delay <= .seconds(60), jitter >= .zero, jitter <= .seconds(60) else {
            throw StreamingError(
                .configuration,
                "delay and jitter (--delay, --jitter) \(direction): \(delay.inSeconds) s ± \(jitter.inSeconds) s; expected 0...60 seconds each")
        }
    }
}

/// Bursty loss as a two-state Gilbert–Elliott channel: in the good state datagrams pass, in
/// the bad state they are lost with ``lossInBad``; before each datagram the state may change.
public struct BurstLoss: Sendable, Hashable {
    /// Probability of going from good to bad, per datagram.
    public var enterBad: Double
    /// Probability of going from bad back to good, per datagram (mean burst: 1 / leaveBad).
    public var leaveBad: Double
    /// Loss probability in the bad state.
    public var lossInBad: Double = 1

    /// Creates a burst model.
    public init(enterBad: Double, leaveBad: Double, lossInBad: Double = 1) {
        self.enterBad = enterBad
        self.leaveBad = leaveBad
        self.lossInBad = lossInBad
    }

    /// The long-run share of datagrams lost.
    public var averageLoss: Double { enterBad + leaveBad > 0 ? enterBad / (enterBad + leaveBad) * lossInBad : 0 }

    package func validate(direction: String) throws(StreamingError) {
        for (name, value) in [("enter", enterBad), ("leave", leaveBad), ("loss in bad", lossInBad)] {
            guard value.isFinite, (0...1).contains(value) else {
                throw StreamingError(.configuration, "burst loss (--burst-loss) \(direction), \(name): \(value); expected a probability 0...1")
            }
        }
        guard leaveBad > 0 || enterBad == 0 else {
            throw StreamingError(
                .configuration,
                "burst loss (--burst-loss) \(direction): leaving the bad state has probability 0; every datagram after the first burst would be lost")
        }
    }
}
