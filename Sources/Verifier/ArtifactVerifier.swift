import ArtifactStore
import Foundation
import RegistryCore

/// Verifies artifacts at three depths and keeps per-file stamps so that re-verification is cheap.
///
/// ```swift
/// let verifier = ArtifactVerifier(store: registry.artifacts, trust: TrustStore(verifiers: [publicKey]))
/// let report = try verifier.verify(id, depth: .trust)
/// if !report.isClean { print(report) }
/// ```
///
/// Reports list every problem, not only the first; a throw means verification could not run (for example the
/// artifact does not exist). `Sendable`; verification takes no lock.
public final class ArtifactVerifier: Sendable {
    /// The store whose artifacts are verified.
    public let store: FileArtifactStore
    /// Keys trusted for `.trust` depth.
    public let trust: TrustStore
    let stamps: FileStamps
    /// Where verification records the stamps of files it hashed.
    public let stampRecording: StampRecording
    /// Whether a full verification records stamps for the files that matched (anywhere).
    public var recordsStamps: Bool { stampRecording != .none }

    /// Where stamps of files that hashed correctly are recorded.
    public enum StampRecording: Sendable, Hashable {
        /// In `indexes/stamps/`, or in the per-user cache when that cannot be written (a read-only mount, a user
        /// without write access). The default.
        case registry
        /// Only in the per-user cache: for a registry opened read-only, which must not be written to.
        case userCacheOnly
        /// Nowhere: for checks that must not write anything, such as `fsck`.
        case none
    }

    /// Creates a verifier.
    /// - Parameters:
    ///   - store: the artifact store.
    ///   - trust: the keys that count for signature checks (kept outside the registry).
    ///   - recordsStamps: record stamps after re-hashing (default); pass false for a check that must not write
    ///     anything, such as `fsck`.
    public convenience init(store: FileArtifactStore, trust: TrustStore = TrustStore(), recordsStamps: Bool = true) {
        self.init(store: store, trust: trust, stampRecording: recordsStamps ? .registry : .none)
    }

    /// Creates a verifier that records stamps where `stampRecording` says.
    /// - Parameters:
    ///   - store: the artifact store.
    ///   - trust: the keys that count for signature checks (kept outside the registry).
    ///   - stampRecording: where to record stamps of files that hashed correctly.
    ///   - userStampCache: the per-user stamp cache's base directory (default: `$XDG_CACHE_HOME/modelregistry/stamps`,
    ///     `~/.cache/modelregistry/stamps`, Darwin `~/Library/Caches/modelregistry/stamps`); nil for none. It is
    ///     read as well as `indexes/stamps/`, so a user who cannot write the registry does not re-hash on every
    ///     start. Trust it as much as the user's home directory.
    public init(
        store: FileArtifactStore, trust: TrustStore = TrustStore(), stampRecording: StampRecording,
        userStampCache: URL? = ArtifactVerifier.defaultUserStampCache
    ) {
        self.store = store
        self.trust = trust
        self.stamps = FileStamps(layout: store.layout, userCacheBase: userStampCache?.path)
        self.stampRecording = stampRecording
    }

    /// The per-user stamp cache used unless another is given: `$XDG_CACHE_HOME/modelregistry/stamps`, else
    /// `~/.cache/modelregistry/stamps` (Darwin: `~/Library/Caches/modelregistry/stamps`); nil without a home.
    public static var defaultUserStampCache: URL? {
        FileStamps.defaultUserCacheBase.map { URL(fileURLWithPath: $0, isDirectory: true) }
    }

    /// Records the stamps of files the registry wrote itself while hashing them (copy-mode registration), so the
    /// first ``verifyForLoading(_:checkingSignatures:)`` costs one `stat` per file instead of a re-hash.
    ///
    /// Call it only right after publishing, with the bundle paths whose bytes were hashed as they were written;
    /// the stamps are taken now, after the last rename (a chmod or rename changes a file's ctime).
    package func recordWrittenStamps(_ id: ArtifactID, paths: [String]) {
        guard stampRecording != .none, !paths.isEmpty else { return }
        let directory = store.layout.artifactPath(id)
        var verified: [String: FileStamps.Stamp?] = [:]
        for path in paths {
            guard let status = try? FileSystem.status(directory + "/" + path), status.kind == .regular else {
                continue
            }
            verified[path] = FileStamps.Stamp(status)
        }
        stamps.store(id, verified, known: stamps.load(id), recording: stampRecording)
    }

    /// Verifies one artifact.
    ///
    /// - `.quick`: the manifest is strict canonical JSON and hashes to the id; every listed file exists, is a
    ///   regular read-only file of the listed size; nothing unlisted is present.
    /// - `.full`: also re-hashes every file (all cores) and records stamps for the files that matched.
    /// - `.trust`: also checks every signature in `signatures/` and lists the trusted signers.
    /// - Throws: `.notFound` when the artifact does not exist.
    /// - Complexity: quick is O(files); full reads every byte once.
    public func verify(_ id: ArtifactID, depth: VerificationReport.Depth) throws -> VerificationReport {
        let directory = store.layout.artifactPath(id)
        guard try FileSystem.status(directory)?.kind == .directory else {
            throw RegistryError(
                .notFound, "no artifact '\(id)' in registry '\(store.layout.rootPath)'", path: directory)
        }
        var report = VerificationReport(artifact: id, depth: depth)
        guard let (manifest, manifestBytes) = checkManifest(id, directory: directory, report: &report) else {
            return report
        }
        if isEvicted(id, report: &report) {
            checkKeptDocuments(manifest, directory: directory, rehashing: depth >= .full, report: &report)
            checkStateFile(id, report: &report)
            if depth >= .trust {
                checkSignatures(id, manifestBytes: manifestBytes, directory: directory, report: &report)
            }
            return report
        }
        let statuses = checkStructure(manifest, directory: directory, report: &report)
        checkStateFile(id, report: &report)
        if depth >= .full {
            rehash(manifest, id: id, directory: directory, statuses: statuses, onlyChanged: false, report: &report)
        }
        if depth >= .trust {
            checkSignatures(id, manifestBytes: manifestBytes, directory: directory, report: &report)
        }
        return report
    }

    /// The check to run before loading an artifact: quick verification plus a stamp comparison, re-hashing only
    /// files whose stamp changed (or that were never stamped). Microseconds when nothing changed.
    ///
    /// - Returns: the report; a changed file whose bytes no longer match is a `digestMismatch` finding.
    /// - Parameter checkingSignatures: also check every signature against the trust store (no extra hashing: the
    ///   signatures cover the manifest, whose files the stamps vouch for).
    public func verifyForLoading(_ id: ArtifactID, checkingSignatures: Bool = false) throws -> VerificationReport {
        let directory = store.layout.artifactPath(id)
        var report = VerificationReport(artifact: id, depth: checkingSignatures ? .trust : .quick)
        guard let (manifest, manifestBytes) = checkManifest(id, directory: directory, report: &report) else {
            return report
        }
        if isEvicted(id, report: &report) { return report }
        let statuses = checkStructure(manifest, directory: directory, report: &report)
        rehash(manifest, id: id, directory: directory, statuses: statuses, onlyChanged: true, report: &report)
        if checkingSignatures {
            checkSignatures(id, manifestBytes: manifestBytes, directory: directory, report: &report)
        }
        return report
    }

    /// Progress of a whole-registry verification.
    public struct Progress: Sendable {
        /// Artifacts verified so far.
        public var completed: Int
        /// Artifacts in all.
        public var total: Int
        /// The artifact just verified.
        public var current: ArtifactID
    }

    /// Verifies every artifact, calling `progress` after each one.
    /// - Returns: one report per artifact, in id order.
    public func verifyAll(
        depth: VerificationReport.Depth, progress: (@Sendable (Progress) -> Void)? = nil
    ) throws -> [VerificationReport] {
        let ids = try store.list()
        var reports: [VerificationReport] = []
        for (index, id) in ids.enumerated() {
            reports.append(try verify(id, depth: depth))
            progress?(Progress(completed: index + 1, total: ids.count, current: id))
        }
        return reports
    }

    // MARK: Steps

    /// Whether the artifact is evicted (FORMAT.md §14.4): its bundle files are elsewhere, so only its manifest and
    /// signatures can be checked; one `.evicted` finding says so and names the remote. A damaged eviction file is
    /// reported the same way, with its error.
    private func isEvicted(_ id: ArtifactID, report: inout VerificationReport) -> Bool {
        let evictions = FileEvictionStore(layout: store.layout)
        let path = store.layout.relativePath(evictions.path(of: id))
        do {
            guard let record = try evictions.record(id) else { return false }
            let source = record.remote.map { "remote '\($0)' (\(record.url ?? "?"))" } ?? "no recorded remote"
            report.findings.append(
                .init(
                    .evicted, path: path,
                    "the artifact's bytes were evicted at \(record.evictedAt); fetch them from \(source) with "
                        + "'modelreg fetch \(id)'"))
        } catch {
            report.findings.append(.init(.evicted, path: path, "the eviction file cannot be read: \(error)"))
        }
        return true
    }

    /// The documents an eviction keeps (`FileArtifactStore.documentsKeptOnEviction`) must still be there, regular,
    /// read-only and of their listed size; `rehashing` also compares their digests.
    private func checkKeptDocuments(
        _ manifest: Manifest, directory: String, rehashing: Bool, report: inout VerificationReport
    ) {
        for entry in FileArtifactStore.keptFiles(of: manifest) {
            let path = directory + "/" + entry.path
            guard let status = try? FileSystem.status(path) else {
                report.findings.append(.init(.missingFile, path: entry.path, "kept by the eviction but missing"))
                continue
            }
            guard status.kind == .regular else {
                report.findings.append(.init(.notARegularFile, path: entry.path, "is not a regular file"))
                continue
            }
            guard status.size == entry.size else {
                report.findings.append(
                    .init(.sizeMismatch, path: entry.path, "has \(status.size) bytes; the manifest lists \(entry.size)")
                )
                continue
            }
            if status.permissions & 0o222 != 0 {
                report.findings.append(.init(.writableFile, path: entry.path, "is writable; published files are 0444"))
            }
            guard rehashing, let algorithm = store.knownAlgorithms[manifest.hashAlgorithm] else { continue }
            let hashed = try? StreamingHasher.hashFile(path, algorithm: algorithm)
            if hashed?.digest != entry.digest {
                report.findings.append(
                    .init(.digestMismatch, path: entry.path, "does not hash to \(entry.digest) as the manifest lists"))
            }
        }
    }

    /// A state file that cannot be read would make every state lookup of the artifact fail: report it.
    private func checkStateFile(_ id: ArtifactID, report: inout VerificationReport) {
        let states = FileStateStore(layout: store.layout)
        do {
            _ = try states.record(id)
        } catch {
            let message = (error as? RegistryError)?.message ?? "\(error)"
            report.findings.append(
                .init(
                    .badStateFile, path: store.layout.relativePath(states.path(of: id)),
                    "\(message); 'modelreg recover' rewrites it from the audit log"))
        }
    }

    private func checkManifest(
        _ id: ArtifactID, directory: String, report: inout VerificationReport
    ) -> (Manifest, [UInt8])? {
        let path = directory + "/manifest.json"
        do {
            let bytes = try FileSystem.readDocument(path)
            let manifest = try Manifest(parsing: bytes, source: path)
            guard let algorithm = store.knownAlgorithms[manifest.hashAlgorithm] else {
                report.findings.append(
                    .init(
                        .badManifest, path: "manifest.json",
                        "hash algorithm '\(manifest.hashAlgorithm)' is not available"))
                return nil
            }
            let derived = ArtifactID(digest: algorithm.hash(bytes))
            if derived != id {
                report.findings.append(
                    .init(.idMismatch, path: "manifest.json", "hashes to \(derived), not to the artifact's id"))
            }
            return (manifest, bytes)
        } catch {
            report.findings.append(.init(.badManifest, path: "manifest.json", "\(error)"))
            return nil
        }
    }

    /// Checks presence, type, size and mode of every file and looks for unlisted ones; returns the statuses.
    private func checkStructure(_ manifest: Manifest, directory: String, report: inout VerificationReport) -> [String:
        FileStatus]
    {
        var statuses: [String: FileStatus] = [:]
        for entry in manifest.files {
            let path = directory + "/" + entry.path
            do {
                guard let status = try FileSystem.status(path) else {
                    report.findings.append(.init(.missingFile, path: entry.path, "listed in the manifest but missing"))
                    continue
                }
                guard status.kind == .regular else {
                    report.findings.append(
                        .init(.notARegularFile, path: entry.path, "is not a regular file (a link, directory or device)")
                    )
                    continue
                }
                if status.size != entry.size {
                    report.findings.append(
                        .init(
                            .sizeMismatch, path: entry.path, "has \(status.size) bytes; the manifest says \(entry.size)"
                        ))
                }
                if status.permissions & 0o222 != 0 {
                    report.findings.append(
                        .init(
                            .writableFile, path: entry.path,
                            "is writable (mode \(String(status.permissions, radix: 8))); published files are read-only: "
                                + "run 'chmod a-w' on it, or, for a registry checked out of git or copied without "
                                + "its modes, 'find artifacts -type f -exec chmod a-w {} +' in the registry root")
                    )
                }
                statuses[entry.path] = status
            } catch {
                report.findings.append(.init(.missingFile, path: entry.path, "cannot be inspected: \(error)"))
            }
        }
        let listed = Set(manifest.files.map(\.path))
        for extra in unlistedFiles(in: directory, listed: listed) {
            report.findings.append(.init(.unlistedFile, path: extra, "is not listed in the manifest"))
        }
        return statuses
    }

    private func unlistedFiles(in root: String, listed: Set<String>) -> [String] {
        var extras: [String] = []
        func walk(_ path: String, _ relative: String) {
            guard let entries = try? FileSystem.listDirectory(path) else { return }
            for entry in entries {
                let name = entry.name ?? String(decoding: entry.nameBytes, as: UTF8.self)
                if relative.isEmpty && BundlePath.reservedTopLevelNames.contains(name) { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                let isDirectory =
                    entry.isDirectory ?? ((try? FileSystem.status(path + "/" + name))??.kind == .directory)
                if isDirectory {
                    walk(path + "/" + name, child)
                } else if !listed.contains(child) {
                    extras.append(child)
                }
            }
        }
        walk(root, "")
        return extras.sorted()
    }

    private func rehash(
        _ manifest: Manifest, id: ArtifactID, directory: String, statuses: [String: FileStatus], onlyChanged: Bool,
        report: inout VerificationReport
    ) {
        guard let algorithm = store.knownAlgorithms[manifest.hashAlgorithm] else { return }
        let known = stamps.load(id)
        let entries = manifest.files.filter { entry in
            guard let status = statuses[entry.path], status.size == entry.size else { return false }
            return !onlyChanged || !known.isCurrent(entry.path, FileStamps.Stamp(status))
        }
        for entry in entries {
            let reason: VerificationReport.Rehash.Reason =
                !onlyChanged ? .fullVerification : known.hasAny(entry.path) ? .stampChanged : .notStamped
            report.rehashed.append(.init(path: entry.path, reason: reason))
        }
        let results =
            (try? ParallelWork.map(entries.count) { index in
                Result { try StreamingHasher.hashFile(directory + "/" + entries[index].path, algorithm: algorithm) }
            }) ?? []
        var verified: [String: FileStamps.Stamp?] = [:]
        for (index, entry) in entries.enumerated() {
            switch index < results.count ? results[index] : nil {
            case .success(let result)?:
                report.bytesHashed += result.size
                if result.digest == entry.digest && result.size == entry.size {
                    // Record the stamp taken *before* hashing, and only if the file still has it afterwards: a
                    // write during or after hashing changes the stamp, so the next check re-hashes instead of
                    // trusting bytes that were never hashed.
                    if let before = statuses[entry.path],
                        let after = try? FileSystem.status(directory + "/" + entry.path),
                        FileStamps.Stamp(before) == FileStamps.Stamp(after)
                    {
                        verified[entry.path] = FileStamps.Stamp(before)
                    } else {
                        verified[entry.path] = .some(nil)
                    }
                } else {
                    verified[entry.path] = .some(nil)
                    let changed =
                        onlyChanged && known.hasAny(entry.path) ? " (the file changed since it was last verified)" : ""
                    report.findings.append(
                        .init(
                            .digestMismatch, path: entry.path,
                            "hashes to \(result.digest), the manifest says \(entry.digest)\(changed)"))
                }
            case .failure(let error)?:
                report.findings.append(.init(.missingFile, path: entry.path, "cannot be read: \(error)"))
            case nil:
                report.findings.append(.init(.missingFile, path: entry.path, "was not hashed"))
            }
        }
        if !verified.isEmpty { stamps.store(id, verified, known: known, recording: stampRecording) }
    }

    private func checkSignatures(
        _ id: ArtifactID, manifestBytes: [UInt8], directory: String, report: inout VerificationReport
    ) {
        let signatures = directory + "/signatures"
        guard let entries = try? FileSystem.listDirectory(signatures) else { return }
        var signers = Set<String>()
        for entry in entries.sorted(by: { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }) {
            // A signature being written (or its leftover, which recovery removes) is not a signature yet.
            if let name = entry.name,
                FileSystem.creatorProcess(ofUniqueName: name, prefix: FileSystem.temporaryPrefix) != nil
            {
                continue
            }
            let name = entry.name ?? "?"
            let relative = "signatures/" + name
            do {
                let file = try SignatureFile(
                    fileBytes: FileSystem.readDocument(signatures + "/" + name, limit: 1 << 20), source: relative)
                guard file.artifact == id else {
                    report.findings.append(
                        .init(.badSignature, path: relative, "signs \(file.artifact), not this artifact"))
                    continue
                }
                guard trust.verifiers[file.signature.keyID] != nil else {
                    report.findings.append(
                        .init(.badSignature, path: relative, "is by key \(file.signature.keyID), which is not trusted"))
                    continue
                }
                if trust.isTrustedSignature(file.signature, for: manifestBytes) {
                    signers.insert(file.signature.keyID)
                } else {
                    report.findings.append(
                        .init(.badSignature, path: relative, "does not verify under key \(file.signature.keyID)"))
                }
            } catch {
                report.findings.append(.init(.badSignature, path: relative, "\(error)"))
            }
        }
        report.trustedSigners = signers.sorted()
    }
}
