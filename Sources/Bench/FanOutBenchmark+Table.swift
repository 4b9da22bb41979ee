import Foundation
import Wire

extension FanOutBenchmark {
    /// A table of results.
    public static func table(_ results: [Result]) -> String {
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "format   matches  clients   datagrams  ours dgram/s  loss %   CPU s/M  stream CPU s/M  peak MiB   ceiling dgram/s  loss %   CPU s/M   ours/ceiling  stream CPU/ceiling"
        ]
        for result in results {
            let s = result.server
            let cells = [
                result.formatName.padded(to: 8),
                String(result.matches).padded(to: 7, alignRight: true),
                String(result.clients).padded(to: 8, alignRight: true), String(s.expected).padded(to: 11, alignRight: true),
                f(s.perSecond).padded(to: 13, alignRight: true), f(s.lossPercent, 3).padded(to: 7, alignRight: true),
                f(s.cpuPerMillion, 2).padded(to: 9, alignRight: true),
                (s.streamingCPUPerMillion.map { f($0, 2) } ?? "-").padded(to: 15, alignRight: true),
                f(s.peakResidentMiB, 1).padded(to: 9, alignRight: true),
                (result.ceiling.map { f($0.perSecond) } ?? "-").padded(to: 17, alignRight: true),
                (result.ceiling.map { f($0.lossPercent, 3) } ?? "-").padded(to: 7, alignRight: true),
                (result.ceiling.map { f($0.cpuPerMillion, 2) } ?? "-").padded(to: 9, alignRight: true),
                (result.ratioPercent.map { f($0, 1) + " %" } ?? "-").padded(to: 14, alignRight: true),
                (result.streamingCPURatio.map { f($0, 2) + "×" } ?? "-").padded(to: 19, alignRight: true),
            ]
            var line = cells.joined(separator: " ")
            if let before = result.baseline {
                // The baseline build, measured between ours and the ceiling in the same run.
                let rate = result.ceiling.map { f(100 * before.perSecond / max($0.perSecond, 1e-9), 1) + " %" } ?? "-"
                let cpu = before.streamingCPUPerMillion.map { f($0, 2) } ?? "-"
                var ratio = "-"
                if let ours = before.streamingCPUPerMillion, let ceiling = result.ceiling {
                    ratio = f(ours / max(ceiling.cpuPerMillion, 1e-9), 2) + "×"
                }
                line +=
                    "   before: \(f(before.perSecond)) dgram/s, loss \(f(before.lossPercent, 3)) %, stream CPU \(cpu) s/M, \(rate) of the ceiling, \(ratio) its CPU"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The median of each comparison with the ceiling over the runs of one format, client count
    /// and match count (`bench fanout --repeat`): a line each, in the runs' order, for those
    /// measured more than once. On a machine whose run-to-run noise is as large as the
    /// differences measured, one run decides nothing; the median of several does better.
    public static func medians(_ results: [Result]) -> String {
        var lines: [String] = []
        for runs in Medians.groups(results, by: { "\($0.formatName) \($0.clients) \($0.matches)" }) {
            guard let first = runs.first, runs.count > 1 else { continue }
            let rates = runs.compactMap(\.ratioPercent)
            let cpus = runs.compactMap(\.streamingCPURatio)
            var line = "median of \(runs.count) runs: \(first.formatName), \(first.clients) client(s)"
            if first.matches > 1 { line += ", \(first.matches) matches" }
            if let rate = Medians.median(rates) { line += String(format: ": %.1f %% of the ceiling's rate", rate) }
            if let cpu = Medians.median(cpus) { line += String(format: ", %.2f× its stream CPU", cpu) }
            let lost = runs.map(\.server.lossPercent).max() ?? 0
            line += String(format: " (loss at most %.3f %%)", lost)
            lines.append(line)
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
