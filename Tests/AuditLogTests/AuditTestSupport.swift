import AuditLog
import Foundation
import RegistryCore
import RegistryTestSupport

/// A clock tests can set and step; safe to share between threads.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) {
        current = start
    }

    /// 2026-11-23T13:37:00.123Z.
    static let fixedDate = Date(timeIntervalSince1970: 1_795_441_020.123)

    var now: Date {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    func advance(by seconds: TimeInterval) {
        lock.withLock { current += seconds }
    }

    /// The closure to hand to `AuditJournal(layout:clock:)`.
    var closure: @Sendable () -> Date { { self.now } }
}

/// An artifact id made of one repeated hex digit.
func artifactID(_ digit: Character = "0") -> String {
    "sha256-" + String(repeating: digit, count: 64)
}

/// Runs `body` with a fresh registry and a journal over it.
func withJournal<R>(
    clock: TestClock = TestClock(TestClock.fixedDate), _ body: (AuditJournal, RegistryLayout) throws -> R
) throws -> R {
    try withTemporaryDirectory { directory in
        let layout = try RegistryLayout.create(at: directory.appendingPathComponent("registry"))
        return try body(AuditJournal(layout: layout, clock: clock.closure), layout)
    }
}

/// Appends `count` simple events, each promoting an alias `model-<n % 3>` to a varying artifact.
@discardableResult
func appendSample(_ journal: AuditJournal, count: Int, actor: String = "alice") throws -> [AuditEvent] {
    var events: [AuditEvent] = []
    for index in 0..<count {
        let digit = Array("0123456789abcdef")[index % 16]
        events.append(
            try journal.append(
                index % 2 == 0 ? .artifactRegistered : .aliasPromoted, actor: actor,
                payload: ["alias": .string("model-\(index % 3)"), "artifact": .string(artifactID(digit))]))
    }
    return events
}

/// The path of a day file.
func journalPath(_ layout: RegistryLayout, _ day: String) -> String {
    layout.auditPath + "/" + day + ".jsonl"
}

/// The journal files present, sorted.
func journalFileNames(_ layout: RegistryLayout) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: layout.auditPath).filter { $0.hasSuffix(".jsonl") }.sorted()
}

func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The lines of a file without their newlines (a final unterminated fragment included).
func readLines(_ path: String) throws -> [[UInt8]] {
    var lines = try readBytes(path).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(
        Array.init)
    if lines.last == [] { lines.removeLast() }
    return lines
}

/// Writes `lines`, each followed by a newline.
func writeLines(_ path: String, _ lines: [[UInt8]]) throws {
    try writeBytes(path, lines.flatMap { $0 + [UInt8(ascii: "\n")] })
}

/// Appends raw bytes at the end of a file, as a crash mid-write would leave them.
func appendRaw(_ path: String, _ bytes: [UInt8]) throws {
    try writeBytes(path, try readBytes(path) + bytes)
}

/// Every event in the log, failing on the first malformed line.
func allEvents(_ journal: AuditJournal, _ filter: AuditJournal.Filter = .init()) throws -> [AuditEvent] {
    var events: [AuditEvent] = []
    try journal.forEachEvent(filter) { events.append($0) }
    return events
}

/// The first status read of each path, returned from then on, while counting how often the real one differed.
final class FrozenStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var first: [String: FileStatus] = [:]
    private var hidden = 0

    /// How many reads found a real status other than the frozen one.
    var changesHidden: Int { lock.withLock { hidden } }

    func status(of path: String) throws -> FileStatus? {
        let real = try FileSystem.status(path)
        return lock.withLock {
            guard let real else { return nil }
            guard let kept = first[path] else {
                first[path] = real
                return real
            }
            if kept != real { hidden += 1 }
            return kept
        }
    }
}
