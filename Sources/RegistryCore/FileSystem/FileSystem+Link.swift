#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension FileSystem {
    /// What ``linkIfPossible(_:at:)`` did.
    package enum LinkOutcome: Equatable {
        /// `destination` is now another name of `source`'s inode.
        case linked
        /// Something was already at `destination`; nothing changed.
        case targetExisted
        /// The file system cannot link here (another device, too many links, not permitted, not supported): the
        /// caller copies instead.
        case notPossible
    }

    /// Gives `source` a second name, `destination`, with `link(2)` (not following a symbolic link at `source`).
    /// The name appears complete or not at all. The caller syncs `destination`'s directory.
    ///
    /// - Throws: `RegistryError` for any other failure, naming `destination`.
    package static func linkIfPossible(_ source: String, at destination: String) throws -> LinkOutcome {
        do {
            try system_link(source, destination)
            return .linked
        } catch let error where error.errno == EEXIST {
            return .targetExisted
        } catch let error
            where [EXDEV, EMLINK, EPERM, EACCES, ENOTSUP, EOPNOTSUPP, ENOSYS].contains(error.errno)
        {
            return .notPossible
        } catch {
            throw RegistryError.systemCall(error, "link '\(source)' to", path: destination)
        }
    }
}

extension FileSystem {
    /// Creates a new file for writing (`O_CREAT|O_EXCL`, mode 0600, not following a symbolic link): for bytes
    /// streamed in by the caller, who closes it.
    ///
    /// - Throws: `.alreadyExists` when something is at `path`; other I/O errors naming it.
    package static func createForWriting(_ path: String, mode: mode_t = 0o600) throws -> OpenFile {
        do {
            return try OpenFile.open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        } catch {
            throw RegistryError.systemCall(error, "create", path: path)
        }
    }
}
