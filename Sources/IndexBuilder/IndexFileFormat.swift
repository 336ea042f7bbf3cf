import RegistryCore

/// The lines of `indexes/updates.jsonl` (FORMAT.md §13.2): canonical JSON encoding and strict decoding of one
/// incremental update. The base index itself is ``BinaryIndexLayout``.
enum IndexFileFormat {
    /// The file names of a format-1 index (JSON files), which a format-2 writer removes and a reader refuses.
    static let legacyFileNames = [
        "summaries.json", "by-capability.json", "by-parent.json", "by-state.json", "search.json",
    ]
    /// The append-only file of incremental updates.
    static let updatesFileName = "updates.jsonl"
    /// The longest update line a reader accepts (16 MiB).
    static let maximumUpdateLineLength = 16 << 20

    private static func writePosition(_ position: RegistryIndex.AuditPosition, to output: inout CanonicalWriter) {
        output.object { members in
            members.member("auditSequence") { $0.integer(position.sequence) }
            if let time = position.time { members.member("auditTime") { $0.string(time) } }
        }
    }

    /// One line of `updates.jsonl`, without its newline.
    static func encodeUpdate(_ changes: RegistryIndex.Changes) -> [UInt8] {
        var writer = CanonicalWriter(reservingCapacity: 512 * (changes.registered.count + 1))
        writer.object { members in
            members.member("after") { writePosition(changes.after, to: &$0) }
            if !changes.evaluations.isEmpty {
                members.member("evaluations") { output in
                    output.byte(UInt8(ascii: "["))
                    for (index, change) in changes.evaluations.enumerated() {
                        if index > 0 { output.byte(UInt8(ascii: ",")) }
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(change.artifact) }
                            fields.member("metrics") { $0.numberMap(change.metrics) }
                            fields.member("sequence") { $0.integer(change.sequence) }
                        }
                    }
                    output.byte(UInt8(ascii: "]"))
                }
            }
            members.member("registered") { output in
                output.byte(UInt8(ascii: "["))
                for (index, summary) in changes.registered.enumerated() {
                    if index > 0 { output.byte(UInt8(ascii: ",")) }
                    summary.appendRecord(to: &output)
                }
                output.byte(UInt8(ascii: "]"))
            }
            if !changes.removed.isEmpty {
                members.member("removed") { output in
                    output.byte(UInt8(ascii: "["))
                    for (index, removal) in changes.removed.enumerated() {
                        if index > 0 { output.byte(UInt8(ascii: ",")) }
                        output.object { fields in
                            fields.member("artifact") { $0.artifactID(removal.artifact) }
                            fields.member("sequence") { $0.integer(removal.sequence) }
                        }
                    }
                    output.byte(UInt8(ascii: "]"))
                }
            }
            members.member("states") { output in
                output.byte(UInt8(ascii: "["))
                for (index, change) in changes.stateChanges.enumerated() {
                    if index > 0 { output.byte(UInt8(ascii: ",")) }
                    output.object { fields in
                        fields.member("artifact") { $0.artifactID(change.artifact) }
                        fields.member("sequence") { $0.integer(change.sequence) }
                        fields.member("state") { $0.string(change.state) }
                    }
                }
                output.byte(UInt8(ascii: "]"))
            }
            members.member("through") { writePosition(changes.through, to: &$0) }
        }
        return writer.bytes
    }

    // MARK: Decoding

    private static func readPosition(_ object: JSONObjectReader) throws -> RegistryIndex.AuditPosition {
        try object.rejectUnknownKeys(allowed: ["auditSequence", "auditTime"])
        return RegistryIndex.AuditPosition(
            sequence: try object.integer("auditSequence", in: 0...JSONObjectReader.maximumSafeInteger),
            time: try object.optionalString("auditTime"))
    }

    /// Decodes one line of `updates.jsonl` (without its newline) strictly: canonical JSON, known members only.
    ///
    /// - Throws: ``RegistryError/Code/invalidJSON`` or ``RegistryError/Code/invalidDocument`` naming `source`.
    static func decodeUpdate(_ line: some Collection<UInt8>, source: String) throws -> RegistryIndex.Changes {
        let document = try JSONObjectReader(CanonicalJSON.parseCanonical(line, source: source), source: source)
        try document.rejectUnknownKeys(allowed: ["after", "evaluations", "registered", "removed", "states", "through"])
        let after = try readPosition(document.object("after"))
        let through = try readPosition(document.object("through"))
        guard through.sequence > after.sequence else {
            throw document.makeError(at: "through", "must be after \(after)")
        }
        var registered: [ArtifactSummary] = []
        for record in try document.objects("registered") {
            let summary = try ArtifactSummary(record: record)
            guard let sequence = summary.registrationSequence, sequence > after.sequence, sequence <= through.sequence
            else {
                throw record.makeError(
                    at: "registrationSequence", "must lie in \(after.sequence + 1)...\(through.sequence)")
            }
            registered.append(summary)
        }
        var stateChanges: [RegistryIndex.StateChange] = []
        for record in try document.objects("states") {
            try record.rejectUnknownKeys(allowed: ["artifact", "sequence", "state"])
            let text = try record.string("artifact")
            guard let id = ArtifactID(text) else {
                throw record.makeError(at: "artifact", "'\(text)' is not an artifact id")
            }
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            stateChanges.append(.init(artifact: id, state: try record.string("state"), sequence: sequence))
        }
        var evaluations: [RegistryIndex.EvaluationChange] = []
        for record in try document.optionalObjects("evaluations") ?? [] {
            try record.rejectUnknownKeys(allowed: ["artifact", "metrics", "sequence"])
            let text = try record.string("artifact")
            guard let id = ArtifactID(text) else {
                throw record.makeError(at: "artifact", "'\(text)' is not an artifact id")
            }
            let metricsReader = try record.object("metrics")
            var metrics: [String: Double] = [:]
            for name in metricsReader.keys { metrics[name] = try metricsReader.double(name) }
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            evaluations.append(.init(artifact: id, metrics: metrics, sequence: sequence))
        }
        var removed: [RegistryIndex.RemovedArtifact] = []
        for record in try document.optionalObjects("removed") ?? [] {
            try record.rejectUnknownKeys(allowed: ["artifact", "sequence"])
            let sequence = try record.integer("sequence", in: (after.sequence + 1)...through.sequence)
            removed.append(.init(artifact: try record.artifactID("artifact"), sequence: sequence))
        }
        var changes = RegistryIndex.Changes(
            after: after, through: through, registered: registered, stateChanges: stateChanges,
            evaluations: evaluations)
        changes.removed = removed
        return changes
    }
}
