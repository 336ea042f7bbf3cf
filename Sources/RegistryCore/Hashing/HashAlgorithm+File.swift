import Foundation

extension HashAlgorithm {
    /// Hashes a file by streaming it in constant memory; a symbolic link at `url` is refused.
    ///
    /// The built-in SHA-256 hashes straight out of read-only memory mappings (8 MiB at a time), with no copy
    /// out of the page cache, so it runs at the speed of the hash kernel on one core; other algorithms read
    /// on one thread and hash on another. A file truncated while it is hashed fails with `.fileChanged`
    /// instead of a SIGBUS (see the README's "What the library does to your process").
    /// - Returns: the file's size and digest.
    /// - Throws: `RegistryError` naming the file (`.notFound`, `.symlinkRefused`, `.io`, `.fileChanged`).
    /// - Complexity: O(file size), memory O(1).
    public func hash(fileAt url: URL) throws -> (size: Int64, digest: Digest) {
        let result = try StreamingHasher.hashFile(url.standardizedFileURL.path, algorithm: self)
        return (result.size, result.digest)
    }
}
