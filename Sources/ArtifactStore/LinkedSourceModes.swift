import RegistryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Hard-link and move modes make the user's source files read-only while they are staged (the staged file shares
// their inode). The modes they had are kept in memory to give back when the registration fails — and on disk,
// next to the staging directory, so that recovery can give them back after a crash (FORMAT.md §6).

extension FileArtifactStore {
    /// The record of a staging directory's linked sources and their modes: `staging/ingest-<pid>-<hex>.modes`.
    static func sourceModesRecordPath(of stagingPath: String) -> String { stagingPath + sourceModesRecordSuffix }

    /// The name suffix of source-mode records in `staging/`.
    package static let sourceModesRecordSuffix = ".modes"

    /// Writes (and syncs) the record of `modes` before any source is made read-only.
    static func recordSourceModes(_ modes: [String: UInt32], of stagingPath: String) throws {
        guard !modes.isEmpty else { return }
        let value: JSONValue = .object([
            "schemaVersion": 1,
            "sources": .object(modes.mapValues { .string(String($0, radix: 8)) }),
        ])
        try FileSystem.createFile(
            sourceModesRecordPath(of: stagingPath), contents: CanonicalJSON.encode(value) + [0x0A], mode: 0o644)
        try FileSystem.syncDirectory(FileSystem.parent(of: stagingPath))
    }

    /// Removes the record of a staging directory's source modes, if any (the registration finished or was
    /// discarded and the modes were given back).
    static func removeSourceModesRecord(of stagingPath: String) {
        try? FileSystem.removeTree(sourceModesRecordPath(of: stagingPath))
    }

    /// Recovery: gives the sources a dead writer listed in `record` their modes back — each one no other name links
    /// to any more (a published artifact sharing the inode keeps it read-only) — then removes the record. Run it
    /// after the writer's staging directory is gone.
    ///
    /// - Throws: `.invalidJSON` / `.invalidDocument` naming the record when it is damaged (nothing is changed and
    ///   the record is left for the caller); I/O errors.
    package static func restoreSourceModes(recordedIn record: String) throws {
        let bytes = try FileSystem.readDocument(record, limit: 64 << 20)
        let reader = try JSONObjectReader(CanonicalJSON.parse(bytes, source: record), source: record)
        var modes: [String: UInt32] = [:]
        for (path, octal) in try reader.stringMap("sources") {
            guard let mode = UInt32(octal, radix: 8), mode <= 0o7777 else {
                throw RegistryError(
                    .invalidDocument, "\(record): the mode of '\(path)' is '\(octal)', not an octal mode", path: record)
            }
            modes[path] = mode
        }
        restorePermissions(modes)
        try FileSystem.removeFile(record)
    }
}
