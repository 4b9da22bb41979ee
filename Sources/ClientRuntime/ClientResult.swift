import Capture
import ClientEngine
import Foundation
import GroupSigning
import Logging
import Match
import NIOCore
import NIOPosix
import RuntimeSupport
import ServerEngine
import Synchronization
import TerminalUI
import Wire

#if canImport(Glibc)
import Glibc
#endif

/// What a client run ended with.
public struct ClientResult: Sendable {
    /// Why it stopped.
    public var reason: ClientStopReason
    /// What the network did to the stream.
    public var statistics: ReceptionStatistics
    /// The last view shown.
    public var latest: LiveSnapshot?
    /// The format the server chose (nil for original or when never welcomed).
    public var format: BodyFormat?
    /// The preset dictionary the server agreed to (0: none; nil for original or when never welcomed).
    public var dictionary: UInt8?
    /// The port the client listened on.
    public var localPort: Int
    /// Datagrams rejected: another subscription's identifier, or an implausible sequence (Spec §2.1, §6.1).
    public var rejected: Int = 0
    /// The repair round trip as the client measured it (Spec §4.8; empty without a sample).
    public var repairTimer: RepairTimer?
    /// The match followed, from the welcome (nil for original or when never welcomed).
    public var match: UInt32?

    /// The report for client_stats.log and `--stats-json`.
    public var report: StatisticsReport {
        var report = StatisticsReport(reason: reason, statistics: statistics, rejected: rejected, outages: outages)
        report.group = group
        return report
    }
    /// What came from the multicast group, when the client joined one (Spec §4.11).
    public var group: ClientSession.GroupFigures?
    /// The server's outages the client lived through.
    public var outages: [StatisticsReport.OutageFigures] = []
}

/// What the client's control task waits on.
package struct ClientSignals: Sendable {
    /// A stop reason is set (end of match, refusal, signal, no answer, silence).
    package var stopped = false
    /// Welcomed (or, original protocol, receiving).
    package var subscribed = false
    /// The latest address token from a challenge.
    package var token: [UInt8] = []
    /// Distinct events received so far, first time or repaired.
    package var received = 0
    /// When the next NACK is due (session clock seconds), so the control task wakes for it.
    package var repairDue: Double?
    /// Welcomes received in answer to a register sent after an outage.
    package var welcomedAgain = 0
    /// Resets received (Spec §4.12): the control task registers again at once.
    package var resets = 0
}
