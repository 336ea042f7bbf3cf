/// A performance target: a bound on a ratio.
struct Target {
    /// The bound, for example 0.9 or 1.3.
    let bound: Double
    /// `true` for "ratio ≥ bound", `false` for "ratio ≤ bound".
    let atLeast: Bool

    func isMet(by ratio: Double) -> Bool { atLeast ? ratio >= bound : ratio <= bound }

    /// `≥ 0.90×` or `≤ 1.30×`.
    var text: String { (atLeast ? "≥ " : "≤ ") + Format.ratio(bound) }
}

/// How a subject compares with a reference measured in the same run, interleaved.
struct Comparison {
    enum Kind: String {
        /// Reference time / subject time: the subject's throughput as a fraction of the reference's (higher is
        /// better). Also used for speed-ups.
        case throughput
        /// Subject time / reference time (lower is better).
        case time
    }

    /// What the reference was, for example `openssl dgst -sha256`.
    let reference: String
    let referenceSamples: Samples
    let kind: Kind
    let target: Target?
}

/// One row of the timing table and one JSON line.
struct TimingResult {
    let benchmark: String
    let subject: String
    /// `disk` or `tmpfs`, with the file system type: `disk (ext4)`.
    let location: String
    let samples: Samples
    /// Bytes processed per run, for MB/s.
    let bytes: Int64
    var comparison: Comparison?
    /// Optional second comparison printed in its own column: subject median / floor median.
    var floor: (name: String, samples: Samples)?
    var note: String?

    var megabytesPerSecond: Double { Format.megabytesPerSecond(bytes: bytes, seconds: samples.median) }

    /// The ratio of medians, oriented by the comparison's kind.
    var ratio: Double? {
        guard let comparison else { return nil }
        switch comparison.kind {
        case .throughput: return comparison.referenceSamples.median / samples.median
        case .time: return samples.median / comparison.referenceSamples.median
        }
    }

    /// The median of the per-run ratios, oriented the same way.
    var pairedRatio: Double? {
        guard let comparison, let ratio = samples.pairedRatio(over: comparison.referenceSamples) else { return nil }
        return comparison.kind == .throughput ? 1 / ratio : ratio
    }

    var floorRatio: Double? { floor.map { samples.median / $0.samples.median } }

    var targetMet: Bool? {
        guard let target = comparison?.target, let ratio else { return nil }
        return target.isMet(by: ratio)
    }
}

/// One row of the peak-memory table: a registration run in a child process.
struct MemoryResult {
    let benchmark: String
    let mode: String
    let location: String
    let bytes: Int64
    let child: ChildReport
    /// Target on the peak resident set, in MiB.
    let targetMiB: Int

    var targetMet: Bool { child.peakKiB < targetMiB * 1024 }
}

/// What the `__register-child` subcommand prints as its last line of stdout.
struct ChildReport: Codable {
    /// Seconds spent in `register(files:…)`.
    var registerSeconds: Double
    /// `VmHWM` before `register` was called (the process floor: runtime, Foundation, the open registry).
    var baselineKiB: Int
    /// `VmHWM` at the end: the peak resident set of the whole process.
    var peakKiB: Int
    /// `getrusage(RUSAGE_SELF).ru_maxrss`, the same peak as the kernel's accounting sees it.
    var maxRSSKiB: Int
    /// Whether the library copied although another mode was asked for.
    var copiedInstead: Bool
    /// The digest the registry recorded.
    var digest: String
}
