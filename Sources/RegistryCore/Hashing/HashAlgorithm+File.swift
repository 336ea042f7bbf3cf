import Foundation

extension HashAlgorithm {
    /// Hashes a file by streaming it in constant memory; a symbolic link at `url` is refused.
    ///
    /// Reading and hashing overlap on two threads, so this runs at the speed of the hash kernel.
    /// - Returns: the file's size and digest.
    /// - Throws: `RegistryError` naming the file (`.notFound`, `.symlinkRefused`, `.io`).
    /// - Complexity: O(file size), memory O(1).
    public func hash(fileAt url: URL) throws -> (size: Int64, digest: Digest) {
        let result = try StreamingHasher.hashFile(url.standardizedFileURL.path, algorithm: self)
        return (result.size, result.digest)
    }
}
