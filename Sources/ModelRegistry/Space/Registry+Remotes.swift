import Foundation

extension Registry {
    /// The `remotes/` files (FORMAT.md §14.4).
    var remoteStore: FileRemoteStore { FileRemoteStore(layout: layout) }

    /// Configures a remote: another registry an evicted artifact's bytes can be fetched back from (a shared
    /// read-only mount, a backup disk), recorded as `remote_changed`.
    ///
    /// ```swift
    /// try registry.addRemote(name: "shared", url: "file:///mnt/models/registry")
    /// try registry.evict(id, remote: "shared")
    /// ```
    ///
    /// - Parameters:
    ///   - name: 1–64 of `a–z 0–9 - _ .`, starting with a letter or digit.
    ///   - url: an absolute path or a `file://` URL of another registry directory (it must open as a registry now),
    ///     or an OCI repository `oci://HOST[:PORT]/REPOSITORY` (`https://…` alike, `http://…` for plain HTTP),
    ///     recorded as kind `oci` without contacting it.
    ///   - actor: who adds it, for the audit log (default: the configuration's actor).
    /// - Returns: the record written to `remotes/<name>.json` (the existing one when the same remote was added
    ///   before: nothing is written then).
    /// - Throws: `.invalidName`; `.invalidArgument` for a URL that is not a path (or is this registry);
    ///   `.remoteUnavailable` when the directory is not a registry; `.alreadyExists` when `name` points elsewhere.
    /// - Durability: the event is appended and synced first, then the file is replaced atomically.
    @discardableResult
    public func addRemote(name: String, url: String, actor: String? = nil) throws -> RemoteRecord {
        try RemoteName.check(name)
        let location = try RemoteRecord.location(parsing: url)
        let candidate = RemoteRecord(name: name, kind: location.kind, url: location.url, addedAt: "", actor: "")
        if candidate.kind == .registry {
            _ = try RemoteRegistrySource(candidate, local: artifacts)  // reachable, a registry, not this one
        }
        let committed = try commit(
            JournaledRemotes.Change.add(name: name, kind: location.kind, url: location.url),
            to: JournaledRemotes(store: remoteStore), actor: actor)
        if let record = committed?.payload.record { return record }
        guard let existing = try remoteStore.record(name) else {
            throw RegistryError(
                .notFound, "remote '\(name)' vanished while it was added", path: remoteStore.path(of: name))
        }
        return existing
    }

    /// Removes a configured remote, recorded as `remote_changed`. Artifacts evicted from it keep its URL in their
    /// eviction records, so they can still be fetched from there (or from another remote with `from:`).
    ///
    /// - Throws: `.invalidName`; `.notFound` when no such remote is configured.
    /// - Durability: the event is appended and synced first, then the file is removed and `remotes/` synced.
    public func removeRemote(_ name: String, actor: String? = nil) throws {
        try RemoteName.check(name)
        _ = try commit(
            JournaledRemotes.Change.remove(name: name), to: JournaledRemotes(store: remoteStore), actor: actor)
    }

    /// Every configured remote, by name. Lock-free.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming a damaged remote file.
    public func remotes() throws -> [RemoteRecord] {
        try remoteStore.names().compactMap { try remoteStore.record($0) }
    }

    /// The remote to use when the caller named `name`, or none: the only configured remote, else the one named
    /// `default`.
    ///
    /// - Throws: `.notFound` for an unknown name; `.remoteUnavailable` when none is configured;
    ///   `.invalidArgument` when several are and none is named `default`.
    func chooseRemote(_ name: String?) throws -> RemoteRecord {
        if let name {
            try RemoteName.check(name)
            guard let record = try remoteStore.record(name) else {
                throw RegistryError(
                    .notFound, "no remote '\(name)' is configured; add it with 'modelreg remote add \(name) URL'",
                    path: remoteStore.path(of: name))
            }
            return record
        }
        let all = try remotes()
        if all.count == 1 { return all[0] }
        if let preferred = all.first(where: { $0.name == "default" }) { return preferred }
        guard !all.isEmpty else {
            throw RegistryError(
                .remoteUnavailable,
                "no remote is configured; add one with 'modelreg remote add NAME URL' (Registry.addRemote)")
        }
        throw RegistryError(
            .invalidArgument,
            "\(all.count) remotes are configured (\(all.map(\.name).joined(separator: ", "))); name one (--remote NAME)"
        )
    }
}
