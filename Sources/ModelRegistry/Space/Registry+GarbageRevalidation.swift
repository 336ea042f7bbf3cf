import RegistryCore

extension Registry {
    /// Re-validates an unlocked garbage-collection plan under the writer lock (FORMAT.md §14.3): every candidate
    /// that an event appended since `position` names is kept, and so are its lineage ancestors; ingests that hold
    /// a live lease now keep the candidates whose files they share. The change ending at `position` was complete
    /// when the plan started (the caller completed it under the lock).
    ///
    /// - Returns: false when the log since `position` cannot be accounted for — a line that does not parse (a gap
    ///   in the sequence numbers), or no complete event ending at `position` any more (a repaired tail): the
    ///   caller plans again under the lock.
    /// - Complexity: the events appended since the plan, the manifests of the artifacts they name (for
    ///   ancestors), and, only while an ingest runs, the files of the candidates.
    func revalidate(
        _ report: inout GarbageCollectionReport, since position: AuditJournal.Position?,
        options: GarbageCollectionOptions
    ) throws -> Bool {
        var named: [AuditEvent] = []
        var sequence: Int64 = 0
        if let position {
            let path = layout.auditPath + "/" + position.fileName
            guard
                let last = try AuditJournal.event(
                    endingAt: position.offset, inFile: path, source: "audit/" + position.fileName)
            else { return false }
            sequence = last.sequence
        }
        for event in try journal.events(after: position).events {
            guard event.sequence == sequence + 1 else { return false }
            sequence = event.sequence
            named.append(event)
        }

        // What the events name, and — a newly kept artifact keeps its lineage — the ancestors of each.
        var reasons: [ArtifactID: String] = [:]
        for event in named {
            for id in Self.artifactIDs(in: event.payload) where reasons[id] == nil {
                reasons[id] = "event \(event.sequence) \(event.type.rawValue)"
            }
        }
        if options.keepAncestors {
            var frontier = Array(reasons.keys)
            while let descendant = frontier.popLast() {
                for parent in lineageParents(of: descendant) where reasons[parent] == nil {
                    reasons[parent] = "ancestor of \(descendant), " + (reasons[descendant] ?? "")
                    frontier.append(parent)
                }
            }
        }
        for index in report.decisions.indices where report.decisions[index].verdict == .collect {
            guard let reason = reasons[report.decisions[index].artifact] else { continue }
            keep(&report.decisions[index], ArtifactHold(.changedSincePlan, reason))
        }

        // Ingests that started since the plan: their files may be links to a candidate's.
        var leased: [Protections.Inode: String] = [:]
        for directory in try liveStagingDirectories() {
            try Self.forEachFile(under: directory) { status in
                leased[.init(device: status.device, inode: status.inode)] = layout.relativePath(directory)
            }
        }
        guard !leased.isEmpty else { return true }
        for index in report.decisions.indices where report.decisions[index].verdict == .collect {
            let id = report.decisions[index].artifact
            do {
                let shared = Set(try inodes(of: id).compactMap { leased[$0.inode] })
                for directory in shared.sorted() { keep(&report.decisions[index], ArtifactHold(.lease, directory)) }
            } catch {
                let message = (error as? RegistryError)?.message ?? "\(error)"
                keep(&report.decisions[index], ArtifactHold(.undecided, message))
                report.problems.append(
                    Finding(.undecidedCollection, path: layout.relativePath(layout.artifactPath(id)), message))
            }
        }
        return true
    }

    private func keep(_ decision: inout GarbageCollectionReport.Decision, _ hold: ArtifactHold) {
        decision.verdict = .keep
        decision.holds.append(hold)
        decision.bytesFreed = 0
    }

    /// Every artifact id a payload names, at any depth, in any member: kinds added later are covered too, and a
    /// string that merely looks like an id keeps one artifact more than needed, never one less.
    static func artifactIDs(in value: JSONValue) -> [ArtifactID] {
        switch value {
        case .string(let text):
            return ArtifactID(text).map { [$0] } ?? []
        case .array(let items):
            return items.flatMap { artifactIDs(in: $0) }
        case .object(let members):
            return members.values.flatMap { artifactIDs(in: $0) }
        default:
            return []
        }
    }
}
