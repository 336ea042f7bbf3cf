#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RegistryError {
    /// Maps a failed system call to a registry error in one place, naming what was being done and on which path.
    ///
    /// - Parameters:
    ///   - error: the failed call.
    ///   - action: what the registry was doing, in words (`"copy weights.bin into"`), followed in the message by the quoted path.
    ///   - path: the file involved.
    package static func systemCall(_ error: SystemCallError, _ action: String, path: String) -> RegistryError {
        let code: Code
        var hint = ""
        switch error.errno {
        case ENOENT: code = .notFound
        case EEXIST, ENOTEMPTY: code = .alreadyExists
        case ENOSPC, EDQUOT:
            code = .noSpace
            hint = ": no space left on the file system (or the quota is used up)"
        case EACCES, EPERM:
            code = .permissionDenied
            hint = ": permission denied"
        case EROFS:
            code = .readOnlyFileSystem
            hint = ": the file system is read-only"
        case EXDEV: code = .unsupportedOperation
        case ELOOP: code = .symlinkRefused
        case EWOULDBLOCK: code = .lockTimeout
        default: code = .io
        }
        return RegistryError(code, "could not \(action) '\(path)'\(hint)", path: path, underlying: error)
    }
}

extension SystemCallError {
    /// Whether this failure means the file system cannot clone files, so a copy should be made instead.
    package var meansCloneUnsupported: Bool {
        [EOPNOTSUPP, ENOTSUP, EXDEV, EINVAL, ENOTTY, ENOSYS].contains(errno)
    }
}

extension RegistryError {
    /// Maps an error from a block whose thrown type the compiler could not narrow: a `SystemCallError` becomes a
    /// `RegistryError` as in ``systemCall(_:_:path:)``; anything else passes through unchanged.
    package static func systemCall(_ error: any Error, _ action: String, path: String) -> any Error {
        if let error = error as? SystemCallError { return systemCall(error, action, path: path) as RegistryError }
        return error
    }
}
