import RegistryCore

extension Registry {
    /// Bytes per artifact (exclusive and shared), per alias target, per lifecycle state and in total, each inode
    /// counted once by (device, inode) — see ``DiskUsage``.
    ///
    /// Lock-free: a writer publishing meanwhile may or may not be counted.
    /// - Throws: `.io` naming a directory or file that cannot be listed or inspected; `.invalidJSON` /
    ///   `.invalidDocument` for a damaged state file or alias record (``recover(actor:)-7k7gj`` rewrites them).
    /// - Complexity: one `stat` per file of every artifact, one manifest read per artifact.
    public func diskUsage() throws -> DiskUsage {
        struct Inode: Hashable {
            var device: UInt64
            var inode: UInt64
        }
        let ids = try artifacts.list()
        var sizes: [Inode: Int64] = [:]
        var holders: [Inode: Set<ArtifactID>] = [:]
        var inodesOf: [ArtifactID: Set<Inode>] = [:]
        for id in ids {
            var inodes = Set<Inode>()
            try Self.forEachFile(under: layout.artifactPath(id)) { status in
                let key = Inode(device: status.device, inode: status.inode)
                sizes[key] = status.size
                inodes.insert(key)
            }
            for key in inodes { holders[key, default: []].insert(id) }
            inodesOf[id] = inodes
        }
        var usages: [ArtifactID: DiskUsage.ArtifactUsage] = [:]
        for id in ids {
            var exclusive: Int64 = 0
            var shared: Int64 = 0
            for key in inodesOf[id] ?? [] {
                if holders[key]?.count == 1 { exclusive += sizes[key] ?? 0 } else { shared += sizes[key] ?? 0 }
            }
            let name = (try? artifacts.artifact(id).manifest.metadata.name) ?? ""
            usages[id] = DiskUsage.ArtifactUsage(
                artifact: id, name: name, state: try state(of: id), exclusiveBytes: exclusive, sharedBytes: shared)
        }
        let aliasUsages = try listAliases().compactMap { record -> DiskUsage.AliasUsage? in
            guard let usage = usages[record.artifact] else { return nil }  // a dangling alias: fsck reports it
            return DiskUsage.AliasUsage(
                alias: record.alias, artifact: record.artifact, exclusiveBytes: usage.exclusiveBytes,
                sharedBytes: usage.sharedBytes)
        }
        var states: [DiskUsage.StateUsage] = []
        for state in LifecycleState.all {
            let members = ids.filter { usages[$0]?.state == state }
            guard !members.isEmpty else { continue }
            let inodes = members.reduce(into: Set<Inode>()) { $0.formUnion(inodesOf[$1] ?? []) }
            let bytes = inodes.reduce(Int64(0)) { $0 + (sizes[$1] ?? 0) }
            let exclusive = inodes.filter { key in holders[key]?.allSatisfy { usages[$0]?.state == state } ?? true }
                .reduce(Int64(0)) { $0 + (sizes[$1] ?? 0) }
            states.append(
                DiskUsage.StateUsage(state: state, artifacts: members.count, bytes: bytes, exclusiveBytes: exclusive))
        }
        let all = ids.compactMap { usages[$0] }
        return DiskUsage(
            artifacts: all, aliases: aliasUsages.sorted { $0.alias < $1.alias }, states: states,
            totalBytes: sizes.values.reduce(0, +), apparentBytes: all.reduce(0) { $0 + $1.bytes })
    }

    /// Async twin of ``diskUsage()``, run off the cooperative pool.
    public func diskUsage() async throws -> DiskUsage {
        try await run { try self.diskUsage() }
    }
}
