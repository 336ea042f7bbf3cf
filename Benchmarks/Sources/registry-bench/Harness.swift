/// One thing being timed: `body` runs on `ContinuousClock`; `setUp` and `tearDown` run outside the timed region.
/// Every closure gets the run index (0 is the warm-up run, which is thrown away).
struct Subject {
    let name: String
    var setUp: (Int) throws -> Void = { _ in }
    let body: (Int) throws -> Void
    var tearDown: (Int) throws -> Void = { _ in }
}

/// The measuring loop shared by every benchmark.
enum Harness {
    /// Runs one warm-up round, then `runs` timed rounds; each round runs every subject once, so the subjects are
    /// interleaved run by run and slow drift of a shared machine hits them all alike. The starting subject rotates
    /// from round to round, so no subject always runs right after another's page-cache or write-back churn.
    ///
    /// - Returns: the samples of each subject, in the order of `subjects`.
    static func interleave(_ label: String, _ subjects: [Subject], runs: Int) throws -> [Samples] {
        let clock = ContinuousClock()
        var seconds = Array(repeating: [Double](), count: subjects.count)
        for run in 0...runs {
            var line: [String] = []
            for offset in subjects.indices {
                let index = (offset + run) % subjects.count
                let subject = subjects[index]
                try subject.setUp(run)
                let start = clock.now
                try subject.body(run)
                let elapsed = (clock.now - start).seconds
                try subject.tearDown(run)
                if run > 0 { seconds[index].append(elapsed) }
                line.append("\(subject.name) \(Format.duration(elapsed))")
            }
            Progress.say("[\(label)] \(run == 0 ? "warm-up" : "run \(run)/\(runs)"): " + line.joined(separator: ", "))
        }
        return seconds.map(Samples.init)
    }
}
