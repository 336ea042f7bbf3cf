/// The timings of the timed runs of one subject (the warm-up run is never in here), in run order.
struct Samples {
    /// Seconds per run, in run order.
    let seconds: [Double]
    private let sorted: [Double]

    init(_ seconds: [Double]) {
        precondition(!seconds.isEmpty, "no samples")
        self.seconds = seconds
        self.sorted = seconds.sorted()
    }

    var count: Int { seconds.count }
    /// The middle value (the mean of the two middle values for an even count).
    var median: Double { Samples.median(of: sorted) }
    /// Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value (with 5 runs, the slowest).
    var p90: Double { sorted[Swift.max(0, Int((0.9 * Double(sorted.count)).rounded(.up)) - 1)] }
    var min: Double { sorted[0] }
    var max: Double { sorted[sorted.count - 1] }

    /// The median of per-run ratios `self[i] / other[i]`: runs are interleaved, so pairing cancels slow drift of
    /// a shared machine.
    func pairedRatio(over other: Samples) -> Double? {
        guard other.count == count else { return nil }
        return Samples.median(of: zip(seconds, other.seconds).map { $0 / $1 }.sorted())
    }

    private static func median(of sorted: [Double]) -> Double {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
