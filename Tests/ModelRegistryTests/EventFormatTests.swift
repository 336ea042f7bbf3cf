import Foundation
import ModelRegistry
import Testing

/// Keeps FORMAT.md §9.3 and the typed audit payloads from drifting apart: the tables must list exactly the
/// members each payload type writes, and the golden lines must be exactly what the code encodes.
@Suite struct EventFormatTests {
    // MARK: Documented fields

    @Test func everyKnownKindIsDocumentedAndHasAPayloadType() throws {
        let document = try EventFormatDocument.load()
        let known = Set(AuditEvent.Kind.known.map(\.rawValue))
        #expect(Set(document.fields.keys) == known, "kinds with a field table in §9.3")
        #expect(Set(document.overviewKinds) == known, "kinds in the §9.3 overview table")
        #expect(document.overviewKinds.count == known.count, "each kind once in the overview table")
        #expect(Set(PayloadSample.all.map(\.kind)) == known, "kinds with a payload sample in this test")
        for sample in PayloadSample.all {
            #expect(sample.full.eventType == sample.kind)
            #expect(sample.minimal.eventType == sample.kind)
        }
    }

    @Test func everyKnownKindHasExactlyOnePayloadTypeAndDecodesThroughIt() throws {
        for kind in AuditEvent.Kind.known {
            let owners = AuditEvent.payloadTypes.filter { $0.eventTypes.contains(kind.rawValue) }
            #expect(owners.count == 1, "\(kind) is decoded by \(owners)")
        }
        for sample in PayloadSample.all {
            let event = AuditEvent(
                sequence: 1, time: "2026-11-27T00:00:00.000Z", actor: "t", type: .init(rawValue: sample.kind),
                payload: sample.full.payloadMembers, previousHash: AuditEvent.genesisHash)
            let decoded = try #require(try event.decodePayload(), "\(sample.kind)")
            #expect(decoded.eventType == sample.kind && decoded.payloadMembers == sample.full.payloadMembers)
        }
        let unknown = AuditEvent(
            sequence: 1, time: "2026-11-27T00:00:00.000Z", actor: "t", type: "model_exploded", payload: [:],
            previousHash: AuditEvent.genesisHash)
        #expect(try unknown.decodePayload() == nil)
    }

    @Test(arguments: PayloadSample.all)
    func payloadMembersAreExactlyTheDocumentedFields(_ sample: PayloadSample) throws {
        let fields = try #require(try EventFormatDocument.load().fields[sample.kind], "no table for \(sample.kind)")
        let all = Set(fields.map(\.name))
        let required = Set(fields.filter { !$0.isOptional }.map(\.name))
        #expect(Set(sample.full.payloadMembers.keys) == all, "\(sample.kind) with every optional field set")
        #expect(Set(sample.minimal.payloadMembers.keys) == required, "\(sample.kind) with no optional field set")
        for field in fields {
            guard let value = sample.full.payloadMembers[field.name] else { continue }
            #expect(field.accepts(value), "\(sample.kind).\(field.name) is documented as \(field.type): \(value)")
        }
    }

    // MARK: Golden lines

    @Test func goldenLinesAreWhatTheCodeWrites() throws {
        let documented = try EventFormatDocument.load().goldenLines
        let events = GoldenEvents.events()
        #expect(documented.count == events.count)
        for (index, event) in events.enumerated() where index < documented.count {
            #expect(documented[index] == String(decoding: event.encodedLine, as: UTF8.self), "golden line \(index + 1)")
        }
        #expect(Set(events.map(\.type.rawValue)) == Set(AuditEvent.Kind.known.map(\.rawValue)))
        #expect(events.count == AuditEvent.Kind.known.count, "one golden line per kind")
    }

    @Test func goldenLinesDecodeBackToTheirPayloads() throws {
        let documented = try EventFormatDocument.load().goldenLines
        var previousHash = AuditEvent.genesisHash
        for (index, line) in documented.enumerated() {
            let event = try AuditEvent(parsingLine: Array(line.utf8), source: "FORMAT.md §9.3.10 line \(index + 1)")
            #expect(event.sequence == Int64(index + 1))
            #expect(event.previousHash == previousHash, "line \(index + 1) continues the chain")
            previousHash = event.hash
            let golden = try #require(GoldenEvents.payloads.first { $0.kind == event.type.rawValue })
            #expect(try golden.decodesToSelf(event), "line \(index + 1) decodes to its payload")
        }
    }

    // MARK: Decoding

    @Test(arguments: PayloadSample.all)
    func samplesRoundTripThroughDecode(_ sample: PayloadSample) throws {
        for payload in [sample.full, sample.minimal] {
            #expect(try payload.decodesToSelf(event(sample.kind, payload.payloadMembers)))
        }
    }

    @Test(arguments: PayloadSample.all)
    func unknownMembersAreIgnored(_ sample: PayloadSample) throws {
        for payload in [sample.full, sample.minimal] {
            var members = payload.payloadMembers
            members["addedByANewerVersion"] = .object(["nested": .array([.null, .bool(false)])])
            members["aaa"] = .null
            #expect(try payload.decodesToSelf(event(sample.kind, members)))
        }
    }

    @Test(arguments: PayloadSample.all)
    func aMissingRequiredFieldIsRefusedByName(_ sample: PayloadSample) throws {
        let fields = try #require(try EventFormatDocument.load().fields[sample.kind])
        for field in fields where !field.isOptional {
            var members = sample.full.payloadMembers
            members[field.name] = nil
            expectRefusal(sample, members, naming: field.name, "\(sample.kind) without \(field.name)")
        }
    }

    @Test(arguments: PayloadSample.all)
    func aWronglyTypedFieldIsRefusedByName(_ sample: PayloadSample) throws {
        let fields = try #require(try EventFormatDocument.load().fields[sample.kind])
        // Fields the decoders take verbatim or re-derive from `record` instead of reading them.
        let unchecked: Set<String> = [
            "alias_restored.artifact", "state_changed.reason", "alias_promoted.signedApproval",
            "alias_rolled_back.signedApproval",
        ]
        for field in fields where !unchecked.contains("\(sample.kind).\(field.name)") {
            for wrong in field.wronglyTypedValues {
                var members = sample.full.payloadMembers
                members[field.name] = wrong
                expectRefusal(sample, members, naming: field.name, "\(sample.kind).\(field.name) = \(wrong)")
            }
        }
    }

    @Test func malformedValuesAreRefusedByName() throws {
        let registered = PayloadSample.all.first { $0.kind == "artifact_registered" }!
        var members = registered.full.payloadMembers
        members["files"] = .number(JSONNumber(literal: "1.5")!)
        expectRefusal(registered, members, naming: "files", "a fractional count")
        members = registered.full.payloadMembers
        members["artifact"] = .string("sha256-not-an-id")
        expectRefusal(registered, members, naming: "artifact", "a malformed artifact id")

        let repaired = PayloadSample.all.first { $0.kind == "log_repaired" }!
        members = repaired.full.payloadMembers
        members["removedDigest"] = .string("md5:00")
        expectRefusal(repaired, members, naming: "removedDigest", "a digest that is not sha256:<64 hex>")

        let state = PayloadSample.all.first { $0.kind == "state_changed" }!
        members = state.full.payloadMembers
        members["previousState"] = .string("retired")
        expectRefusal(state, members, naming: "previousState", "an unknown lifecycle state")
        members = state.full.payloadMembers
        members["state"] = .string("revoked")
        expectRefusal(state, members, naming: "state", "a state that disagrees with the record")

        let promoted = PayloadSample.all.first { $0.kind == "alias_promoted" }!
        members = promoted.full.payloadMembers
        members["previousArtifact"] = nil
        expectRefusal(promoted, members, naming: "previousArtifact", "previousArtifact dropped while record has it")
    }

    // MARK: Helpers

    private func event(_ kind: String, _ members: [String: JSONValue]) -> AuditEvent {
        AuditEvent(
            sequence: 7, time: GoldenEvents.time(0), actor: "alice", type: AuditEvent.Kind(rawValue: kind),
            payload: members, previousHash: AuditEvent.genesisHash)
    }

    private func expectRefusal(
        _ sample: PayloadSample, _ members: [String: JSONValue], naming field: String, _ comment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let decoded = try sample.full.decode(event(sample.kind, members))
            Issue.record("\(comment): decoded to \(decoded) instead of being refused", sourceLocation: sourceLocation)
        } catch let error as RegistryError {
            #expect(error.code == .invalidDocument, "\(comment): \(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(field), "\(comment): \(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(comment): unexpected \(error)", sourceLocation: sourceLocation)
        }
    }
}

// MARK: - FORMAT.md §9.3

/// The parts of FORMAT.md §9.3 the tests compare with the code.
struct EventFormatDocument {
    /// One row of a payload table.
    struct Field: Hashable {
        var name: String
        var type: String
        var isOptional: Bool

        /// Whether `value` has the documented JSON type.
        func accepts(_ value: JSONValue) -> Bool {
            switch (type, value) {
            case ("string", .string), ("object", .object), ("`true`", .bool(true)), ("boolean", .bool): true
            case ("integer", .number(let number)): number.integerValue != nil
            case ("array of strings", .array(let items)):
                items.allSatisfy { if case .string = $0 { true } else { false } }
            default: false
            }
        }

        /// Values of other JSON types than the documented one.
        var wronglyTypedValues: [JSONValue] {
            let candidates: [JSONValue] = [
                .string("x"), .number(JSONNumber(Int64(1))), .bool(false), .array([]), .object([:]), .null,
            ]
            return candidates.filter { candidate in
                switch (type, candidate) {
                case ("string", .string), ("integer", .number), ("object", .object), ("`true`", .bool): false
                case ("boolean", .bool), ("array of strings", .array): false
                default: true
                }
            }
        }
    }

    /// The documented fields of each kind, from the `#### 9.3.n` tables.
    var fields: [String: [Field]] = [:]
    /// The kinds listed in the overview table.
    var overviewKinds: [String] = []
    /// The lines of the golden-lines code block.
    var goldenLines: [String] = []

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/FORMAT.md")

    static func load() throws -> EventFormatDocument {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("### 9.3 ") }, "FORMAT.md has no §9.3")
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("### ") || $0.hasPrefix("## ") } ?? lines.endIndex
        var document = EventFormatDocument()
        var kinds: [String] = []
        var inGoldenSection = false
        var inCodeBlock = false
        for line in lines[(start + 1)..<end] {
            if line.hasPrefix("#### ") {
                inGoldenSection = line.lowercased().contains("golden")
                kinds = inGoldenSection ? [] : backticked(line)
                try #require(inGoldenSection || !kinds.isEmpty, "§9.3 heading without a kind: \(line)")
                for kind in kinds { document.fields[kind] = [] }
                continue
            }
            if line.hasPrefix("```") {
                inCodeBlock.toggle()
                continue
            }
            if inGoldenSection {
                if inCodeBlock && !line.isEmpty { document.goldenLines.append(line) }
                continue
            }
            guard line.hasPrefix("|"), !line.hasPrefix("|---") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if kinds.isEmpty {
                // The overview table: | `type` | written when | payload |
                if cells.first != "Type" { document.overviewKinds += backticked(cells.first ?? "") }
                continue
            }
            guard cells.first != "Field" else { continue }
            try #require(cells.count == 4, "§9.3 row without four cells: \(line)")
            try #require(["required", "optional"].contains(cells[2]), "presence must be required/optional: \(line)")
            let names = backticked(cells[0])
            try #require(names.count == 1, "§9.3 row must name one field: \(line)")
            for kind in kinds {
                document.fields[kind, default: []].append(
                    Field(name: names[0], type: cells[1], isOptional: cells[2] == "optional"))
            }
        }
        return document
    }

    /// The `code` spans of a line.
    private static func backticked(_ line: String) -> [String] {
        line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }
}

// MARK: - Samples

/// A payload value of some kind, with the operations the tests need.
struct AnyPayload: Sendable, CustomStringConvertible {
    let kind: String
    let eventType: String
    let payloadMembers: [String: JSONValue]
    let description: String
    /// Decodes `event` as this payload's type and returns it, erased.
    let decode: @Sendable (AuditEvent) throws -> String
    /// Whether `event` decodes to exactly this value.
    let decodesToSelf: @Sendable (AuditEvent) throws -> Bool

    init<Payload: AuditPayload>(_ payload: Payload) {
        kind = payload.eventType
        eventType = payload.eventType
        payloadMembers = payload.payloadMembers
        description = "\(payload)"
        decode = { event in "\(try event.decode(Payload.self) as Any)" }
        decodesToSelf = { event in try event.decode(Payload.self) == payload }
    }
}

/// One kind with a payload that sets every optional field and one that sets none.
struct PayloadSample: Sendable, CustomTestStringConvertible {
    let kind: String
    let full: AnyPayload
    let minimal: AnyPayload

    var testDescription: String { kind }

    init<Payload: AuditPayload>(full: Payload, minimal: Payload) {
        kind = full.eventType
        self.full = AnyPayload(full)
        self.minimal = AnyPayload(minimal)
    }

    static let all: [PayloadSample] = {
        let (a, b) = (GoldenEvents.artifactA, GoldenEvents.artifactB)
        let fullRecord = AliasRecord(
            alias: "champion", artifact: a, previousArtifact: b, changedAt: GoldenEvents.time(1), approval: "CHG-1",
            actor: "alice", reason: "best F1")
        let minimalRecord = AliasRecord(
            alias: "champion", artifact: a, previousArtifact: nil, changedAt: GoldenEvents.time(1), actor: "alice")
        let approval = GoldenEvents.signedApproval
        let changedAt = GoldenEvents.time(2)
        let state = StateRecord(artifact: a, state: .candidate, changedAt: changedAt, actor: "bob", reason: "ok")
        let bareState = StateRecord(artifact: a, state: .candidate, changedAt: changedAt, actor: "bob", reason: nil)
        return [
            PayloadSample(
                full: ArtifactRegistered(artifact: a, name: "classifier", files: 3, size: 1024, recovered: true),
                minimal: ArtifactRegistered(artifact: a, name: "classifier", files: 3, size: 1024)),
            PayloadSample(
                full: AliasMoved(kind: .promote, record: fullRecord, signedApproval: approval, recovered: true),
                minimal: AliasMoved(kind: .promote, record: minimalRecord)),
            PayloadSample(
                full: AliasMoved(kind: .rollback, record: fullRecord, signedApproval: approval, recovered: true),
                minimal: AliasMoved(kind: .rollback, record: minimalRecord)),
            PayloadSample(
                full: AliasRetired(alias: "champion", artifact: a, reason: "replaced", recovered: true),
                minimal: AliasRetired(alias: "champion", artifact: a, reason: nil)),
            PayloadSample(
                full: AliasRestored(alias: "champion", damagedFile: "aliases/champion.json", record: fullRecord),
                minimal: AliasRestored(alias: "champion", damagedFile: "aliases/champion.json", record: nil)),
            PayloadSample(
                full: StateChanged(record: state, previousState: .validated, recovered: true),
                minimal: StateChanged(record: bareState, previousState: nil)),
            PayloadSample(
                full: SignatureAdded(
                    artifact: a, keyID: GoldenEvents.keyID, algorithm: "ed25519", file: "signatures/k.json",
                    signature: [UInt8](repeating: 7, count: 64), recovered: true),
                minimal: SignatureAdded(
                    artifact: a, keyID: GoldenEvents.keyID, algorithm: "ed25519", file: "signatures/k.json")),
            PayloadSample(
                full: EvaluationAdded(GoldenEvents.evaluation(signed: true)),
                minimal: EvaluationAdded(GoldenEvents.evaluation(signed: false))),
            PayloadSample(
                full: PolicyChanged(
                    digest: GoldenEvents.digest(0xAB), rules: 2, policy: .object(["schemaVersion": 1]),
                    recovered: true),
                minimal: PolicyChanged(digest: GoldenEvents.digest(0xAB), rules: 2)),
            PayloadSample(
                full: ArtifactCollected(
                    artifact: a, name: "classifier", reason: .removed, forced: true, holds: ["alias:champion", "pin"],
                    bytesFreed: 4096, recovered: true),
                minimal: ArtifactCollected(
                    artifact: a, name: "classifier", reason: .collected, forced: false, bytesFreed: 0)),
            PayloadSample(
                full: ArtifactPinChanged(
                    pinning: PinRecord(artifact: a, pinnedAt: changedAt, actor: "bob", reason: "cited")),
                minimal: ArtifactPinChanged(
                    pinning: PinRecord(artifact: a, pinnedAt: changedAt, actor: "bob", reason: nil))),
            PayloadSample(
                full: ArtifactPinChanged(unpinning: a, reason: "retracted"),
                minimal: ArtifactPinChanged(unpinning: a, reason: nil)),
            PayloadSample(
                full: LogRepaired(
                    file: "2026-11-23.jsonl", offset: 4096, removedByteCount: 57,
                    removedDigest: GoldenEvents.digest(0xCD), reason: "incomplete_line"),
                minimal: LogRepaired(
                    file: "2026-11-23.jsonl", offset: 4096, removedByteCount: 57,
                    removedDigest: GoldenEvents.digest(0xCD), reason: "incomplete_line")),
            PayloadSample(
                full: ArtifactResidencyChanged(
                    evicting: GoldenEvents.eviction(remote: GoldenEvents.remote), files: 3, size: 1024),
                minimal: ArtifactResidencyChanged(evicting: GoldenEvents.eviction(remote: nil), files: 3, size: 1024)),
            PayloadSample(
                full: ArtifactResidencyChanged(
                    fetching: a, from: GoldenEvents.remote, files: 3, size: 1024, recovered: true),
                minimal: ArtifactResidencyChanged(fetchedWithoutSource: a, files: 3, size: 1024, recovered: false)),
            PayloadSample(
                full: RemoteChanged(adding: GoldenEvents.remote), minimal: RemoteChanged(removing: "shared")),
        ]
    }()
}

// MARK: - Golden events

/// The events FORMAT.md §9.3.10 shows, built from typed payloads with fixed values.
enum GoldenEvents {
    static let artifactA = ArtifactID(digest: digest(0x11))
    static let artifactB = ArtifactID(digest: digest(0x22))
    static let keyID = "ed25519:00112233445566778899aabbccddeeff"

    /// `sha256:` followed by 32 copies of `byte`.
    static func digest(_ byte: UInt8) -> Digest {
        Digest(algorithm: "sha256", bytes: [UInt8](repeating: byte, count: 32))
    }

    /// 2026-11-23T13:37:0s.123Z, `second` seconds after the first event.
    static func time(_ second: Int) -> String {
        "2026-11-23T13:37:\(second < 10 ? "0" : "")\(second).123Z"
    }

    /// A signed approval document (FORMAT.md §12.8) with a zero signature.
    static let signedApproval: JSONValue = .object([
        "alias": .string("champion"), "approval": .string("CHG-1042"), "approver": .string("carol"),
        "artifact": .string(artifactA.description), "schemaVersion": .number(JSONNumber(Int64(1))),
        "signature": .object([
            "algorithm": .string("ed25519"), "keyID": .string(keyID),
            "value": .string(String(repeating: "A", count: 86) + "=="),
        ]),
    ])

    /// The policy the golden `policy_changed` sets.
    static let policy: PromotionPolicy = {
        var rule = PromotionPolicy.Rule(aliases: "champion")
        rule.requireApproval = true
        return PromotionPolicy(rules: [rule])
    }()

    /// The payloads of the golden lines, in order, with their actors.
    static let payloads: [AnyPayload] = [
        AnyPayload(ArtifactRegistered(artifact: artifactA, name: "document-classifier", files: 3, size: 1_048_576)),
        AnyPayload(
            SignatureAdded(
                artifact: artifactA, keyID: keyID, algorithm: "ed25519",
                file: "signatures/ed25519-00112233445566778899aabbccddeeff-1a2b3c4d.json",
                signature: [UInt8](repeating: 0, count: 64))),
        AnyPayload(
            StateChanged(
                record: StateRecord(
                    artifact: artifactA, state: .candidate, changedAt: time(2), actor: "alice",
                    reason: "passed evaluation"),
                previousState: .registered)),
        AnyPayload(PolicyChanged(bytes: policy.fileBytes(), policy: policy)),
        AnyPayload(
            AliasMoved(
                kind: .promote,
                record: AliasRecord(
                    alias: "champion", artifact: artifactA, previousArtifact: artifactB, changedAt: time(4),
                    approval: "CHG-1042", actor: "alice", reason: "best F1"),
                signedApproval: signedApproval)),
        AnyPayload(
            AliasMoved(
                kind: .rollback,
                record: AliasRecord(
                    alias: "champion", artifact: artifactB, previousArtifact: artifactA, changedAt: time(5),
                    actor: "alice", reason: "latency regression"))),
        AnyPayload(
            AliasRetired(
                alias: "staging", artifact: artifactA, reason: "alias file missing at recovery", recovered: true)),
        AnyPayload(
            AliasRestored(
                alias: "champion", damagedFile: "aliases/champion.json",
                record: AliasRecord(
                    alias: "champion", artifact: artifactB, previousArtifact: artifactA, changedAt: time(5),
                    actor: "alice", reason: "latency regression"))),
        AnyPayload(
            LogRepaired(
                file: "2026-11-23.jsonl", offset: 4096, removedByteCount: 57, removedDigest: digest(0xCD),
                reason: "incomplete_line")),
        AnyPayload(EvaluationAdded(evaluation(signed: true))),
        AnyPayload(RemoteChanged(adding: remote)),
        AnyPayload(ArtifactResidencyChanged(evicting: eviction(remote: remote), files: 3, size: 1_048_576)),
        AnyPayload(
            ArtifactResidencyChanged(fetching: artifactA, from: remote, files: 3, size: 1_048_576, recovered: false)),
        AnyPayload(
            ArtifactPinChanged(
                pinning: PinRecord(artifact: artifactA, pinnedAt: time(10), actor: "alice", reason: "cited in a paper"))
        ),
        AnyPayload(ArtifactPinChanged(unpinning: artifactA, reason: "paper retracted")),
        AnyPayload(
            ArtifactCollected(
                artifact: artifactB, name: "document-classifier", reason: .removed, forced: true,
                holds: ["alias:staging"], bytesFreed: 1_048_576)),
    ]

    /// The remote of the golden `remote_changed` (FORMAT.md §14.4).
    static let remote = RemoteRecord(
        name: "shared", kind: .registry, url: "file:///mnt/models/registry", addedAt: time(10), actor: "alice")

    /// The eviction record of the golden `artifact_evicted`; without a remote, a forced one.
    static func eviction(remote: RemoteRecord?) -> EvictionRecord {
        EvictionRecord(artifact: artifactA, remote: remote, forced: remote == nil, evictedAt: time(11), actor: "alice")
    }

    /// The evaluation record of the golden `evaluation_added` (FORMAT.md §12.8), with a zero signature.
    static func evaluation(signed: Bool) -> EvaluationRecord {
        // Fixed, valid values: the initializer cannot refuse them.
        guard
            var record = try? EvaluationRecord(
                artifact: artifactA, evaluator: "nightly-harness", metrics: ["accuracy": 0.93, "val_loss": 0.21],
                evaluatedAt: time(9), dataset: .init(name: "documents-v3", digest: digest(0x33), split: "test"),
                notes: signed ? "holdout rerun" : nil)
        else { preconditionFailure("the golden evaluation record is valid") }
        if signed {
            record.signature = Signature(keyID: keyID, algorithm: "ed25519", bytes: [UInt8](repeating: 0, count: 64))
        }
        return record
    }

    /// The golden events: one hash chain from sequence 1, one second apart.
    static func events() -> [AuditEvent] {
        var events: [AuditEvent] = []
        var previousHash = AuditEvent.genesisHash
        for (index, payload) in payloads.enumerated() {
            let event = AuditEvent(
                sequence: Int64(index + 1), time: time(index), actor: "alice",
                type: AuditEvent.Kind(rawValue: payload.eventType), payload: payload.payloadMembers,
                previousHash: previousHash)
            events.append(event)
            previousHash = event.hash
        }
        return events
    }
}
