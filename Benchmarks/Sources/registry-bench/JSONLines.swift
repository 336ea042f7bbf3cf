import Foundation

/// One JSON line per result (sorted keys, no nulls), for baselines and scripts.
struct JSONRecord: Encodable {
    // Context shared by every line of a run.
    var date: String
    var build: String
    var sha256Kernel: String
    var runs: Int
    var warmupRuns: Int
    var quick: Bool

    // The result.
    var benchmark: String
    var subject: String
    var location: String
    var bytes: Int64
    var medianSeconds: Double?
    var p90Seconds: Double?
    var minSeconds: Double?
    var maxSeconds: Double?
    var samplesSeconds: [Double]?
    var megabytesPerSecond: Double?
    var reference: String?
    var referenceMedianSeconds: Double?
    var ratioKind: String?
    var ratio: Double?
    var pairedRatio: Double?
    var target: String?
    var targetMet: Bool?
    var floor: String?
    var floorMedianSeconds: Double?
    var floorRatio: Double?
    var peakRssKib: Int?
    var baselineRssKib: Int?
    var maxRssKib: Int?
    var copiedInstead: Bool?
    var note: String?
    /// Cores used by other processes while this benchmark ran.
    var otherCpuCores: Double?
}

/// Builds and writes the JSON lines.
struct JSONLines {
    let context: JSONRecord

    func record(_ result: TimingResult) -> JSONRecord {
        var record = context
        record.benchmark = result.benchmark
        record.subject = result.subject
        record.location = result.location
        record.bytes = result.bytes
        record.medianSeconds = result.samples.median
        record.p90Seconds = result.samples.p90
        record.minSeconds = result.samples.min
        record.maxSeconds = result.samples.max
        record.samplesSeconds = result.samples.seconds
        record.megabytesPerSecond = result.megabytesPerSecond
        if let comparison = result.comparison {
            record.reference = comparison.reference
            record.referenceMedianSeconds = comparison.referenceSamples.median
            record.ratioKind = comparison.kind.rawValue
            record.ratio = result.ratio
            record.pairedRatio = result.pairedRatio
            record.target = comparison.target?.text
            record.targetMet = result.targetMet
        }
        if let floor = result.floor {
            record.floor = floor.name
            record.floorMedianSeconds = floor.samples.median
            record.floorRatio = result.floorRatio
        }
        record.note = result.note
        return record
    }

    func record(_ result: MemoryResult) -> JSONRecord {
        var record = context
        record.benchmark = result.benchmark
        record.subject = "register \(result.mode) (child process)"
        record.location = result.location
        record.bytes = result.bytes
        record.samplesSeconds = [result.child.registerSeconds]
        record.medianSeconds = result.child.registerSeconds
        record.megabytesPerSecond = Format.megabytesPerSecond(
            bytes: result.bytes, seconds: result.child.registerSeconds)
        record.peakRssKib = result.child.peakKiB
        record.baselineRssKib = result.child.baselineKiB
        record.maxRssKib = result.child.maxRSSKiB
        record.copiedInstead = result.child.copiedInstead
        record.target = "peak RSS < \(result.targetMiB) MiB"
        record.targetMet = result.targetMet
        record.runs = 1
        record.warmupRuns = 0
        return record
    }

    static func encode(_ record: JSONRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Encoding plain numbers, strings and booleans cannot fail.
        return String(decoding: try! encoder.encode(record), as: UTF8.self)
    }
}
