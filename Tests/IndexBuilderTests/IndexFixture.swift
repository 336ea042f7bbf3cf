import Foundation
import ModelRegistry
import RegistryTestSupport

/// A temporary registry with a fixed clock, and helpers to fill it and to look at its index files.
struct IndexFixture {
    let temp: URL
    let registry: Registry
    private let registration: SmallArtifactRegistration

    /// The files a full index consists of (FORMAT.md §13.1): one, format version 2.
    static let indexFiles = ["index.bin"]

    static let fixedClock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_795_441_020) }

    static func with(_ body: (IndexFixture) throws -> Void) throws {
        try withTemporaryDirectory { temp in
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"),
                configuration: Registry.Configuration(actor: "tester", clock: fixedClock))
            try body(
                IndexFixture(temp: temp, registry: registry, registration: SmallArtifactRegistration(bundles: temp)))
        }
    }

    var indexesPath: String { registry.layout.indexesPath }

    /// Registers a small artifact; `extraFiles` are added to its bundle (for example `lineage.json`).
    @discardableResult
    func register(
        _ name: String, capabilities: [String] = [], parents: [ArtifactID] = [], labels: [String: String] = [:],
        extraFiles: [String: [UInt8]] = [:], seed: UInt64? = nil
    ) throws -> ArtifactID {
        try registration.register(
            name, capabilities: capabilities, parents: parents, labels: labels, extraFiles: extraFiles, seed: seed,
            through: registry)
    }

    /// A `lineage.json` naming `parents`.
    static func lineage(_ parents: [ArtifactID]) -> [String: [UInt8]] {
        let list = parents.map { "\"\($0)\"" }.joined(separator: ",")
        return ["lineage.json": Array("{\"parents\":[\(list)],\"note\":\"from the training run\"}".utf8)]
    }

    /// Appends a `state_changed` event the way a writer without the index hook would.
    /// Appends a `state_changed` event without going through the registry (so without updating the index). A
    /// name that is not a lifecycle state is written as a bare payload, as a foreign writer might.
    func appendState(_ id: ArtifactID, _ state: String) throws {
        var payload: [String: JSONValue] = ["artifact": .string(id.description), "state": .string(state)]
        if let lifecycle = LifecycleState(rawValue: state) {
            let record = StateRecord(
                artifact: id, state: lifecycle, changedAt: "2026-11-27T00:00:00.000Z", actor: "tester", reason: nil)
            payload = StateChanged(record: record, previousState: nil).payloadMembers
        }
        try AuditJournal(layout: registry.layout).appendLocked(
            .stateChanged, actor: "tester", payload: payload, lock: WriterLock(path: registry.layout.writerLockPath))
    }

    /// The bytes of every index file present (`index.bin` and `updates.jsonl`).
    func indexBytes() throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in Self.indexFiles + ["updates.jsonl"] {
            let url = URL(fileURLWithPath: indexesPath + "/" + name)
            if FileManager.default.fileExists(atPath: url.path) { result[name] = try Data(contentsOf: url) }
        }
        return result
    }

    /// A fresh index over the same directory, sharing nothing loaded with `registry.index`; it never writes.
    func freshIndex() -> RegistryIndex {
        RegistryIndex(artifacts: registry.artifacts, journal: registry.journal)
    }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: indexesPath + "/" + name))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: indexesPath + "/" + name)
    }
}

extension Array where Element == ArtifactSummary {
    /// The ids, in order.
    var ids: [ArtifactID] { map(\.id) }
}
