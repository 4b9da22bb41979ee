import Capture
import Foundation
import Match
import Wire

extension CaptureValidation {
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        text.padded(to: width, alignRight: right)
    }

    /// The readable report: every datagram (unless `quiet`), each file's flows, and a summary table.
    ///
    /// Safe to print on a terminal: each line goes through ``TerminalText/escaped(_:)``, so what
    /// a datagram or a file name holds (a team name, a refusal's text, an error quoting the
    /// bytes) shows its control characters as `\u{1B}` and cannot break a line in two.
    public static func text(_ reports: [FileValidation], quiet: Bool) -> String {
        var lines: [String] = []
        for report in reports {
            let selected = report.verdicts.count
            lines.append(
                "\(report.path): \(report.format), \(report.frames) frame\(report.frames == 1 ? "" : "s"), \(selected) selected datagram\(selected == 1 ? "" : "s")"
            )
            if let error = report.readError { lines.append("  CANNOT READ: \(error)") }
            for warning in report.warnings { lines.append("  warning: \(warning)") }
            if !quiet {
                for verdict in report.verdicts {
                    let number = verdict.frame.map { "#\($0)" } ?? "-"
                    let route = verdict.source.map { "\($0) → \(verdict.destination.map(\.description) ?? "?")" } ?? "(raw)"
                    let size = "\(verdict.size) B" + (verdict.fragments > 1 ? " in \(verdict.fragments) fragments" : "")
                    let status = verdict.check.valid ? "valid  " : "INVALID"
                    var line =
                        "  \(pad(number, 6)) \(pad(String(format: "%.6f", verdict.time), 11, right: true))  \(pad(route, 44)) \(pad(size, 22)) \(status) \(verdict.check.summary)"
                    if let error = verdict.check.error {
                        line += ": \(error.code.rawValue) at byte \(error.offset) (\(error.field)): \(error.message)"
                    }
                    lines.append(line)
                }
                for problem in report.problems {
                    lines.append("  warning: frame #\(problem.frame): \(problem.message)")
                }
            }
            if !report.flows.isEmpty {
                lines.append("  flows:")
                lines.append(
                    "    "
                        + [
                            pad("if", 3), pad("server", 24), pad("client", 24), pad("match", 16, right: true), pad("packets", 8, right: true),
                            pad("invalid", 8, right: true),
                            pad("forged", 7, right: true), pad("events", 7, right: true), pad("repaired", 9, right: true),
                            pad("unrecov", 8, right: true), pad("repair ms p50/max", 18, right: true), pad("expected", 9, right: true),
                            pad("lost", 6, right: true),
                            pad("reordered", 10, right: true), pad("dups", 6, right: true), pad("first", 11, right: true),
                            pad("last", 11, right: true),
                        ].joined(separator: " "))
                for flow in report.flows {
                    let stats = flow.statistics
                    let matchCell: String = pad(
                        (flow.group ? "group \(flow.format == .json ? "j" : "c") " : "") + (flow.match.map(String.init) ?? "unknown"), 16, right: true
                    )
                    lines.append(
                        "    "
                            + [
                                pad(String(flow.interface), 3), pad(flow.server.description, 24), pad(flow.client.description, 24),
                                matchCell,
                                pad(String(flow.packets), 8, right: true), pad(String(flow.invalid), 8, right: true),
                                pad(String(flow.wrongSubscription), 7, right: true), pad(String(stats.received), 7, right: true),
                                pad(String(stats.repaired), 9, right: true), pad(String(stats.unrecovered), 8, right: true),
                                pad(
                                    stats.repairDelay.map { String(format: "%.1f/%.1f", $0.median * 1000, $0.largest * 1000) } ?? "-", 18, right: true
                                ), pad(String(stats.expected), 9, right: true),
                                pad(String(stats.lost), 6, right: true), pad(String(stats.outOfOrder), 10, right: true),
                                pad(String(stats.duplicates), 6, right: true),
                                pad(stats.first.map(String.init) ?? "-", 11, right: true),
                                pad(stats.last.map(String.init) ?? "-", 11, right: true),
                            ].joined(separator: " "))
                }
                for relay in report.relays {
                    lines.append(
                        "  relay: match \(relay.match) passed on by \(relay.relay) from \(relay.upstream): \(relay.checked) events checked, \(relay.violations) not as the upstream sent them (Spec §4.10)"
                    )
                }
                lines.append("  matches:")
                lines.append(
                    "    "
                        + [
                            pad("match", 10, right: true), pad("flows", 6, right: true), pad("packets", 8, right: true),
                            pad("invalid", 8, right: true),
                            pad("events", 7, right: true), pad("lost", 6, right: true), pad("repaired", 9, right: true),
                            pad("unrecov", 8, right: true),
                        ].joined(separator: " "))
                for match in report.matches {
                    let id: String = match.match.map(String.init) ?? "unknown"
                    let cells: [String] = [
                        pad(id, 10, right: true), pad(String(match.flows), 6, right: true),
                        pad(String(match.packets), 8, right: true), pad(String(match.invalid), 8, right: true),
                        pad(String(match.received), 7, right: true), pad(String(match.lost), 6, right: true),
                        pad(String(match.repaired), 9, right: true), pad(String(match.unrecovered), 8, right: true),
                    ]
                    let note = match.match == nil ? "  (welcome not captured: frames after it carry no match id, Spec §4.9)" : ""
                    lines.append("    " + cells.joined(separator: " ") + note)
                }
            }
        }
        lines.append("")
        lines.append("Summary:")
        let fileWidth = max(40, reports.map { TerminalText.escaped($0.path).count }.max() ?? 0)
        lines.append(
            "  "
                + [
                    pad("file", fileWidth), pad("datagrams", 10, right: true), pad("valid", 7, right: true), pad("invalid", 8, right: true),
                    "  status",
                ].joined(separator: " "))
        for report in reports {
            let invalid = report.invalidCount
            let status =
                report.readError != nil ? "unreadable" : invalid > 0 ? "INVALID" : report.warnings.isEmpty ? "ok" : "nothing checked (see warning)"
            lines.append(
                "  "
                    + [
                        pad(TerminalText.escaped(report.path), fileWidth), pad(String(report.verdicts.count), 10, right: true),
                        pad(String(report.verdicts.count - invalid), 7, right: true), pad(String(invalid), 8, right: true), "  " + status,
                    ].joined(separator: " "))
        }
        return lines.map(TerminalText.escaped).joined(separator: "\n") + "\n"
    }

    /// The machine-readable report.
    public static func json(_ reports: [FileValidation]) -> JSONNode {
        func endpoint(_ value: Endpoint?) -> JSONNode { value.map { .string($0.description) } ?? JSONNode(.null) }
        let files: [JSONNode] = reports.map { report in
            .object([
                ("file", .string(report.path)),
                ("format", .string(report.format)),
                ("frames", .int(report.frames)),
                ("readError", report.readError.map { .string($0) } ?? JSONNode(.null)),
                (
                    "datagrams",
                    .array(
                        report.verdicts.map { verdict in
                            .object([
                                ("frame", verdict.frame.map { .int($0) } ?? JSONNode(.null)),
                                ("time", JSONNode(.double((verdict.time * 1e6).rounded() / 1e6))),
                                ("interface", .int(verdict.interface)),
                                ("source", endpoint(verdict.source)),
                                ("destination", endpoint(verdict.destination)),
                                ("direction", .string(verdict.direction?.rawValue ?? "unknown")),
                                ("size", .int(verdict.size)),
                                ("fragments", .int(verdict.fragments)),
                                ("valid", JSONNode(.bool(verdict.check.valid))),
                                ("summary", .string(verdict.check.summary)),
                                ("kind", verdict.check.fields.map { .string($0.kind) } ?? JSONNode(.null)),
                                ("sequence", verdict.check.fields.map { .int(Int($0.sequence)) } ?? JSONNode(.null)),
                                ("homeScore", verdict.check.fields.map { .int($0.home) } ?? JSONNode(.null)),
                                ("awayScore", verdict.check.fields.map { .int($0.away) } ?? JSONNode(.null)),
                                ("minute", verdict.check.fields.map { .int($0.minute) } ?? JSONNode(.null)),
                                (
                                    "error",
                                    verdict.check.error.map { error in
                                        .object([
                                            ("code", .string(error.code.rawValue)), ("field", .string(error.field)),
                                            ("offset", .int(error.offset)), ("message", .string(error.message)),
                                        ])
                                    } ?? JSONNode(.null)
                                ),
                            ])
                        })
                ),
                (
                    "flows",
                    .array(
                        report.flows.map { flow -> JSONNode in
                            let match: JSONNode = flow.match.map { .int($0) } ?? JSONNode(.null)
                            return .object(
                                [
                                    ("interface", .int(flow.interface)), ("server", .string(flow.server.description)),
                                    ("client", .string(flow.client.description)), ("packets", .int(flow.packets)), ("invalid", .int(flow.invalid)),
                                    ("subscription", flow.subscription.map { .string(Frame.hex64($0)) } ?? JSONNode(.null)),
                                    ("match", match),
                                    ("group", JSONNode(.bool(flow.group))), ("signaturesNotChecked", .int(flow.unsigned)),
                                    ("wrongSubscription", .int(flow.wrongSubscription)),
                                ] + flow.statistics.repairJSONMembers + [
                                    ("received", .int(flow.statistics.received)), ("expected", .int(flow.statistics.expected)),
                                    ("lost", .int(flow.statistics.lost)), ("outOfOrder", .int(flow.statistics.outOfOrder)),
                                    ("duplicates", .int(flow.statistics.duplicates)),
                                    ("firstSequence", flow.statistics.first.map { .int($0) } ?? JSONNode(.null)),
                                    ("lastSequence", flow.statistics.last.map { .int($0) } ?? JSONNode(.null)),
                                ])
                        })
                ),
                (
                    "matches",
                    .array(
                        report.matches.map { match -> JSONNode in
                            let id: JSONNode = match.match.map { .int($0) } ?? JSONNode(.null)
                            return .object([
                                ("match", id), ("flows", .int(match.flows)),
                                ("packets", .int(match.packets)), ("invalid", .int(match.invalid)), ("received", .int(match.received)),
                                ("lost", .int(match.lost)), ("repaired", .int(match.repaired)), ("unrecovered", .int(match.unrecovered)),
                            ])
                        })
                ),
                (
                    "relays",
                    .array(
                        report.relays.map { relay -> JSONNode in
                            .object([
                                ("match", .int(relay.match)), ("upstream", .string(relay.upstream.description)),
                                ("relay", .string(relay.relay.description)),
                                ("checked", .int(relay.checked)), ("violations", .int(relay.violations)),
                            ])
                        })
                ),
                ("warnings", .array(report.warnings.map { .string($0) } + report.problems.map { .string("frame #\($0.frame): \($0.message)") })),
            ])
        }
        let datagrams = reports.reduce(0) { $0 + $1.verdicts.count }
        let invalid = reports.reduce(0) { $0 + $1.invalidCount }
        return .object([
            ("files", .array(files)),
            (
                "summary",
                .object([
                    ("files", .int(reports.count)), ("datagrams", .int(datagrams)), ("valid", .int(datagrams - invalid)),
                    ("invalid", .int(invalid)), ("unreadable", .int(reports.filter { $0.readError != nil }.count)),
                    ("exitCode", .int(exitCode(reports))),
                ])
            ),
        ])
    }
}
