import RegistryCore

/// What keeps artifacts, read once: alias targets and rollback history (from one pass over the log's alias
/// events), state files, pin files and live staging leases. Built by the garbage collector and `rm`; an I/O error
/// while reading makes everything it could have protected count as kept, and is reported.
struct Protections {
    /// Two files are the same when their (device, inode) are.
    struct Inode: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    var aliasTargets: [ArtifactID: [String]] = [:]
    var aliasHistory: [ArtifactID: [String]] = [:]
    var states: [ArtifactID: LifecycleState] = [:]
    /// Pinned artifacts and their pin's reason (a damaged pin file pins all the same).
    var pins: [ArtifactID: String?] = [:]
    /// Inodes of the files of ingests in progress, by staging directory.
    var leasedInodes: [Inode: String] = [:]
    /// Staging directories whose lease is held.
    var liveStaging: [String] = []
    /// Errors met while deciding: each keeps what it could have protected.
    var problems: [Finding] = []
    /// Set when a whole kind of protection could not be read: it keeps every artifact.
    var keepsEverything: ArtifactHold?
    /// The registration in force of every artifact the log registers (its last `artifact_registered` not followed
    /// by an `artifact_collected`): the event's time and the artifact's name. Read in the same pass as the aliases.
    var registrations: [ArtifactID: (time: String, name: String)] = [:]

    /// The holds of `id` (not ancestors or the grace period, which only the collector applies).
    func holds(of id: ArtifactID, protectedStates: Set<LifecycleState>, inodes: Set<Inode>?) -> [ArtifactHold] {
        var holds: [ArtifactHold] = []
        if let keepsEverything { holds.append(keepsEverything) }
        for alias in aliasTargets[id] ?? [] { holds.append(ArtifactHold(.alias, alias)) }
        for alias in aliasHistory[id] ?? [] { holds.append(ArtifactHold(.aliasHistory, alias)) }
        if let state = states[id], protectedStates.contains(state) {
            holds.append(ArtifactHold(.state, state.rawValue))
        }
        if let pin = pins[id] { holds.append(ArtifactHold(.pin, pin)) }
        if !leasedInodes.isEmpty {
            if let inodes {
                for directory in Set(inodes.compactMap { leasedInodes[$0] }).sorted() {
                    holds.append(ArtifactHold(.lease, directory))
                }
            } else {
                holds.append(ArtifactHold(.undecided, "its files could not be listed while an ingest is in progress"))
            }
        }
        return holds
    }
}

extension Registry {
    /// Reads every protection. Never throws: what cannot be read is a problem that keeps.
    func readProtections() -> Protections {
        var protections = Protections()
        func failed(_ what: String, _ error: any Error, path: String) {
            let message = (error as? RegistryError)?.message ?? "\(error)"
            protections.problems.append(Finding(.undecidedCollection, path: layout.relativePath(path), message))
            protections.keepsEverything = protections.keepsEverything ?? ArtifactHold(.undecided, "\(what): \(message)")
        }
        // Aliases: the log is the authority; the files (or a change the log is ahead with) add to it. The same pass
        // reads the registrations in force.
        do {
            // The log as far as the collector's cache (indexes/collector.json) and the events since tell it.
            let replayed = try collectorLogState()
            let generations = replayed.aliases
            protections.registrations = replayed.registrations
            var current: [String: AliasRecord] = [:]
            for name in try aliases.names() {
                do {
                    if let record = try currentRecord(name) { current[name] = record }
                } catch {
                    failed("alias '\(name)'", error, path: aliases.path(of: name))
                }
            }
            for name in Set(generations.keys).union(current.keys).sorted() {
                let replay = generations[name] ?? .init()
                var targets = Set<ArtifactID>()
                if let last = replay.stack.last { targets.insert(last) }
                if let record = current[name] { targets.insert(record.artifact) }
                // An alias with neither a file nor a live generation was retired: nothing can roll it back.
                guard !targets.isEmpty else { continue }
                for id in targets { protections.aliasTargets[id, default: []].append(name) }
                var history = replay.everTargeted.union(replay.stack)
                if let previous = current[name]?.previousArtifact { history.insert(previous) }
                for id in history.subtracting(targets).sorted() {
                    protections.aliasHistory[id, default: []].append(name)
                }
            }
        } catch {
            failed("aliases", error, path: layout.aliasesPath)
        }
        do {
            for id in try states.artifactsWithFiles() {
                do {
                    if let record = try states.record(id) { protections.states[id] = record.state }
                } catch {
                    failed("state of \(id)", error, path: states.path(of: id))
                }
            }
        } catch {
            failed("states", error, path: layout.statesPath)
        }
        do {
            for id in try pins.artifactsWithFiles() {
                do {
                    protections.pins[id] = .some(try pins.record(id)?.reason)
                } catch {
                    // A damaged pin file still pins: only an unpin (or recovery from the log) takes it away.
                    protections.pins[id] = .some("damaged pin file")
                    let message = (error as? RegistryError)?.message ?? "\(error)"
                    protections.problems.append(
                        Finding(.undecidedCollection, path: layout.relativePath(pins.path(of: id)), message))
                }
            }
        } catch {
            failed("pins", error, path: layout.pinsPath)
        }
        do {
            for directory in try liveStagingDirectories() {
                protections.liveStaging.append(layout.relativePath(directory))
                try Self.forEachFile(under: directory) { status in
                    protections.leasedInodes[.init(device: status.device, inode: status.inode)] =
                        layout.relativePath(directory)
                }
            }
        } catch {
            failed("staging", error, path: layout.stagingPath)
        }
        return protections
    }

    /// The ingest staging directories whose lease a live writer holds.
    func liveStagingDirectories() throws -> [String] {
        guard try FileSystem.exists(layout.stagingPath) else { return [] }
        var live: [String] = []
        for entry in try FileSystem.listDirectory(layout.stagingPath) {
            guard let name = entry.name, name.hasPrefix(RegistryLayout.stagingPrefix),
                !name.hasSuffix(StagingLease.lockSuffix), !name.hasSuffix(FileArtifactStore.sourceModesRecordSuffix)
            else { continue }
            let directory = layout.stagingPath + "/" + name
            guard try FileSystem.status(directory)?.kind == .directory else { continue }
            let creator = FileSystem.creatorProcess(ofUniqueName: name, prefix: RegistryLayout.stagingPrefix)
            if try StagingLease.isHeld(directory, creator: creator) { live.append(directory) }
        }
        return live.sorted()
    }

    /// Calls `body` with the status of every regular file under `directory`, at any depth (links not followed).
    static func forEachFile(under directory: String, _ body: (FileStatus) throws -> Void) throws {
        for entry in try FileSystem.listDirectory(directory) {
            guard let name = entry.name else { continue }  // not UTF-8: never a bundle path (fsck reports it)
            let path = directory + "/" + name
            guard let status = try FileSystem.status(path) else { continue }  // removed meanwhile
            switch status.kind {
            case .regular: try body(status)
            case .directory: try forEachFile(under: path, body)
            case .symbolicLink, .other: continue
            }
        }
    }
}
