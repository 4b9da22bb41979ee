import ArgumentParser
import Foundation
import Logging
import Streaming

struct Impair: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "A network impairment relay (what tc netem does, without root): clients send to it, it forwards to the server and back, dropping, delaying, reordering and duplicating as told.",
        discussion: """
            Point clients at --port instead of the server. Every random choice comes from --seed, so a run can be \
            repeated. At the end (Ctrl+C, SIGTERM or --duration) it prints what it did in each direction and, per \
            client, the events it was sent and delivered (--json for machines). Only loopback and addresses you \
            run yourself: it is a test tool.
            """)

    @OptionGroup var listen: ListenOptions<ImpairDefaults>
    @OptionGroup var serverAddress: ServerAddressOptions
    @Option(help: "Which way the impairments apply: both, to-client or to-server.") var direction: ImpairDirection = .both
    @Option(parsing: .unconditional, help: "Probability of dropping a datagram (0...1).") var loss = 0.0
    @Option(
        help:
            "Bursty loss, Gilbert–Elliott: ENTER,LEAVE[,LOSS] probabilities per datagram of entering and leaving the bad state, and of loss in it (default 1)."
    )
    var burstLoss: String?
    @Option(parsing: .unconditional, help: "Probability of holding a datagram back until after the next one (0...1).") var reorder = 0.0
    @Option(parsing: .unconditional, help: "Probability of sending a datagram twice (0...1).") var duplicate = 0.0
    @Option(parsing: .unconditional, help: "Delay added to every datagram, in milliseconds.") var delay = 0.0
    @Option(parsing: .unconditional, help: "Uniform jitter around the delay, in milliseconds (delay ± jitter).") var jitter = 0.0
    @Option(help: "The seed of every random choice.") var seed: UInt64 = 1
    @Flag(help: "Impair only event frames (and original-protocol JSON datagrams); everything else passes at once.") var eventsOnly = false
    @Option(parsing: .unconditional, help: "Stop after this many seconds (default: run until Ctrl+C or SIGTERM).") var duration: Double?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        // Checked before the relay starts (and announces itself).
        let runFor = try duration.map { try Swift.Duration.milliseconds($0 * 1000, option: "--duration") }
        if let duration, !(duration > 0) {
            throw ValidationError("--duration: \(duration) seconds; expected more than 0 (or no --duration: run until Ctrl+C)")
        }
        var impairment = Impairment()
        impairment.loss = loss
        impairment.reorder = reorder
        impairment.duplicate = duplicate
        impairment.delay = try Swift.Duration.milliseconds(delay, option: "--delay")
        impairment.jitter = try Swift.Duration.milliseconds(jitter, option: "--jitter")
        if let burstLoss {
            let parts = burstLoss.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard (2...3).contains(parts.count), let enter = parts[0], let leave = parts[1], parts.count == 2 || parts[2] != nil else {
                throw ValidationError("--burst-loss: \(burstLoss); expected ENTER,LEAVE or ENTER,LEAVE,LOSS (probabilities 0...1)")
            }
            impairment.burst = BurstLoss(enterBad: enter, leaveBad: leave, lossInBad: parts.count == 3 ? parts[2] ?? 1 : 1)
        }
        var configuration = ImpairmentConfiguration()
        configuration.host = listen.host
        configuration.port = try listen.checkedPort()
        let address = try serverAddress.address()
        configuration.server = address.host
        configuration.serverPort = address.port
        configuration.seed = seed
        configuration.eventsOnly = eventsOnly
        if direction != .toServer { configuration.toClient = impairment }
        if direction != .toClient { configuration.toServer = impairment }
        let relay = try await ImpairmentProxy.start(configuration: configuration)
        StandardOutput.write("Impairment relay on \(relay.localAddress.display) → \(relay.serverAddress.display). Ctrl+C ends it.\n")
        let report = try await runWithSignals(
            logger: Logger(label: "impair") { _ in SwiftLogNoOpLogHandler() }, handle: { _ in relay.stop() },
            {
                await relay.run(for: runFor)
            })
        StandardOutput.write(json ? report.json.prettyText() : report.text)
    }
}

/// Which way the impairments apply.
enum ImpairDirection: String, ExpressibleByArgument, CaseIterable {
    case both
    case toClient = "to-client"
    case toServer = "to-server"
}
