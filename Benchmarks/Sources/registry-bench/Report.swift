/// Prints the human tables to stdout.
enum Report {
    static func timingTable(_ results: [TimingResult]) -> String {
        var rows: [[String]] = [
            [
                "benchmark", "subject", "fs", "n", "median", "p90", "min", "MB/s",
                "ratio", "paired", "vs", "target", "met", "÷floor",
            ]
        ]
        for result in results {
            let comparison = result.comparison
            rows.append([
                result.benchmark, result.subject, result.location, "\(result.samples.count)",
                Format.duration(result.samples.median), Format.duration(result.samples.p90),
                Format.duration(result.samples.min), Format.fixed(result.megabytesPerSecond),
                result.ratio.map(Format.ratio) ?? "", result.pairedRatio.map(Format.ratio) ?? "",
                comparison.map { "\($0.reference) (\($0.kind == .time ? "time" : "speed"))" } ?? "",
                comparison?.target?.text ?? "", result.targetMet.map { $0 ? "yes" : "NO" } ?? "",
                result.floorRatio.map(Format.ratio) ?? "",
            ])
        }
        var text = render(rows, rightAligned: [3, 4, 5, 6, 7, 8, 9, 13])
        let notes = results.compactMap { result in
            result.note.map { "  \(result.benchmark) / \(result.subject): \($0)" }
        }
        if !notes.isEmpty { text += "\nnotes:\n" + notes.joined(separator: "\n") + "\n" }
        return text
    }

    static let legend = """
        median/p90/min: wall time of one run on ContinuousClock (p90 is nearest-rank: with 5 runs, the slowest run).
        MB/s: 10^6 bytes per second at the median. ratio: of medians; paired: median of the per-run ratios (runs are
        interleaved, so pairing cancels drift). "vs … (speed)": reference time / subject time (higher is better, a
        throughput fraction or a speed-up); "vs … (time)": subject time / reference time (lower is better).
        ÷floor: subject median / median of the disk floor (dd bs=1M conv=fsync of the same file) from the same run.
        """

    static func memoryTable(_ results: [MemoryResult]) -> String {
        var rows: [[String]] = [
            [
                "benchmark", "mode", "fs", "size", "register", "MB/s", "VmHWM before", "VmHWM peak", "ru_maxrss*",
                "target",
                "met", "note",
            ]
        ]
        for result in results {
            let child = result.child
            rows.append([
                result.benchmark, result.mode, result.location, Format.size(result.bytes),
                Format.duration(child.registerSeconds),
                Format.fixed(Format.megabytesPerSecond(bytes: result.bytes, seconds: child.registerSeconds)),
                Format.mebibytes(kibibytes: child.baselineKiB), Format.mebibytes(kibibytes: child.peakKiB),
                Format.mebibytes(kibibytes: child.maxRSSKiB), "< \(result.targetMiB) MiB",
                result.targetMet ? "yes" : "NO",
                child.copiedInstead ? "copied instead" : "",
            ])
        }
        return render(rows, rightAligned: [4, 5, 6, 7, 8])
            + """
            1 run per mode, no warm-up: the peak resident set is a high-water mark, not a timing. VmHWM is the child's
            own peak (/proc/self/status); "before" is its peak just before register(files:) (runtime, Foundation, the
            open registry). *ru_maxrss survives execve on Linux, so it may show the parent's size at spawn time instead.

            """
    }

    /// Renders rows as an aligned text table with a rule under the header.
    private static func render(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [line(rows[0]), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += rows.dropFirst().map(line)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
