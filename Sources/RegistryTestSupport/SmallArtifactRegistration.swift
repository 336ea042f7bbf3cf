import Foundation
import ModelRegistry

/// Registers small artifacts for index tests: one bundle directory per call (a 64-byte `weights.bin` plus any
/// extra files), named by a counter so that no two calls share one. Shared by the file index's and the SQLite
/// index's test fixtures, which fill registries the same way.
public final class SmallArtifactRegistration: @unchecked Sendable {
    private let bundles: URL
    private let lock = NSLock()
    private var counter = 0

    /// - Parameter bundles: the directory in which bundle directories are written (`bundle-1`, `bundle-2`, …).
    public init(bundles: URL) {
        self.bundles = bundles
    }

    /// Writes a bundle and registers it through `registry`.
    ///
    /// - Parameters:
    ///   - extraFiles: files added to the bundle (for example `lineage.json`).
    ///   - seed: the seed of `weights.bin`'s bytes; the call's number when nil, so every artifact differs.
    /// - Returns: the new artifact's id.
    /// - Throws: what writing the bundle or `Registry.register` throws.
    @discardableResult
    public func register(
        _ name: String, capabilities: [String] = [], parents: [ArtifactID] = [], labels: [String: String] = [:],
        extraFiles: [String: [UInt8]] = [:], seed: UInt64? = nil, through registry: Registry
    ) throws -> ArtifactID {
        let number = lock.withLock {
            counter += 1
            return counter
        }
        let bundle = bundles.appendingPathComponent("bundle-\(number)")
        var files = extraFiles
        files["weights.bin"] = BundleFixture.randomBytes(count: 64, seed: seed ?? UInt64(number))
        try BundleFixture.write(files, to: bundle)
        let metadata = ArtifactMetadata(name: name, capabilities: capabilities, parents: parents, labels: labels)
        return try registry.register(directory: bundle, metadata: metadata).artifact.id
    }
}
