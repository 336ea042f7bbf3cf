/// How far a registration has come: what a training script or the CLI shows while a large bundle is copied and
/// hashed.
///
/// Reported to the `progress` callback of `register` and `stage`: at the start, after every file, at most about
/// every 100 ms in between (so a single large file shows movement), and once when publishing starts. Reports are
/// delivered one at a time, never concurrently, and their counts never go down.
///
/// `RegistrationProgress` is `Sendable`: a plain value.
public struct RegistrationProgress: Hashable, Sendable {
    /// What the registration is doing.
    public enum Phase: String, Hashable, Sendable, CustomStringConvertible {
        /// Reading and writing each file into staging, hashing the bytes as they pass (copy mode).
        case copying
        /// Hashing files that were linked or cloned into staging, without copying their bytes.
        case hashing
        /// Every file is staged; the manifest is written and the artifact published under the writer lock.
        case publishing

        /// `copying`, `hashing` or `publishing`.
        public var description: String { rawValue }
    }

    /// The current phase.
    public var phase: Phase
    /// Bytes staged and hashed so far.
    public var bytesCompleted: Int64
    /// The bundle's size in bytes: the files' sizes when staging started, corrected to what was actually read
    /// once staging ends.
    public var bytesTotal: Int64
    /// Files completely staged so far.
    public var filesCompleted: Int
    /// How many files the bundle has.
    public var filesTotal: Int

    /// Creates a progress report.
    public init(phase: Phase, bytesCompleted: Int64, bytesTotal: Int64, filesCompleted: Int, filesTotal: Int) {
        self.phase = phase
        self.bytesCompleted = bytesCompleted
        self.bytesTotal = bytesTotal
        self.filesCompleted = filesCompleted
        self.filesTotal = filesTotal
    }

    /// The completed share of the bytes, 0 … 1 (1 for an empty bundle).
    public var fractionCompleted: Double {
        bytesTotal > 0 ? min(1, Double(bytesCompleted) / Double(bytesTotal)) : 1
    }
}
