/// The file operations every view store (`states/`, `pins/`, `remotes/`, `evicted/`: one small JSON record per
/// key, a view of the audit log) shares, so each store keeps only its paths and its record type.
package enum ViewFile {
    /// Reads the record at `path`, checking that its `field` names `key`: nil when there is no file (one `stat`,
    /// the common case), the decoded record otherwise.
    ///
    /// - Throws: what `decode` throws for a damaged file; `.invalidDocument` when the record names another key.
    package static func read<Record, Key: Equatable & CustomStringConvertible>(
        _ path: String, key: Key, field: String, decode: ([UInt8], String) throws -> Record, keyOf: (Record) -> Key
    ) throws -> Record? {
        guard try FileSystem.status(path) != nil else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readDocument(path, limit: 1 << 16)
        } catch RegistryError.Code.notFound {
            return nil
        }
        let record = try decode(bytes, path)
        let named = keyOf(record)
        guard named == key else {
            throw RegistryError(.invalidDocument, "\(path): field '\(field)' names \(named), not \(key)", path: path)
        }
        return record
    }

    /// The base names of the `.json` files in `directory`, sorted; none when it does not exist.
    package static func names(in directory: String) throws -> [String] {
        guard try FileSystem.exists(directory) else { return [] }
        return try FileSystem.listDirectory(directory).compactMap { entry in
            guard let name = entry.name, name.hasSuffix(".json") else { return nil }
            return String(name.dropLast(5))
        }.sorted()
    }

    /// Replaces the file at `path` in `directory` (created when missing; a symbolic link is refused) with `bytes`,
    /// read-only. The caller holds the writer lock.
    ///
    /// - Durability: temp file, fsync, rename, directory fsync.
    package static func write(_ bytes: [UInt8], to path: String, in directory: String) throws {
        try FileSystem.makeDirectory(directory)
        try FileSystem.atomicReplace(path, contents: bytes, mode: 0o444)
    }

    /// Removes the file at `path` in `directory`; a missing file is not an error. The caller holds the writer lock.
    ///
    /// - Durability: unlink, then fsync of the directory.
    package static func remove(_ path: String, in directory: String) throws {
        guard try FileSystem.status(path) != nil else { return }
        try FileSystem.removeFile(path)
        try FileSystem.syncDirectory(directory)
    }
}
