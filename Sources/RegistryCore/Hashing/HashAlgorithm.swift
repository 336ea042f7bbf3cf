import Foundation

/// A hash function a registry can name in its manifests.
///
/// The algorithm is a configured, `Sendable` value; each stream being hashed gets its own ``HashState``
/// from ``makeState()``. This mirrors swift-crypto's `init / update / finalize` shape, so a CryptoKit
/// hash adapts in a few lines.
///
/// ## Contract for implementers
/// - ``name`` is lowercase ASCII letters and digits and is unique per algorithm; it is written into
///   manifests and digests (`sha256:…`), so it must never change.
/// - Splitting the input into chunks of any sizes must not change the digest.
/// - ``HashState/finalize()`` must not consume the state: calling it twice returns the same digest.
/// - ``digestByteCount`` equals the byte count of every digest produced.
///
/// `RegistryTestSupport.checkHashAlgorithm(_:)` checks these rules.
public protocol HashAlgorithm: Sendable {
    /// The running state for one stream.
    associatedtype State: HashState
    /// The name written into manifests, for example `sha256`.
    var name: String { get }
    /// The length of a digest in bytes.
    var digestByteCount: Int { get }
    /// Returns a fresh state for hashing one stream.
    func makeState() -> State
}

/// The running state of one hash computation. Deliberately not `Sendable`: one per stream.
public protocol HashState {
    /// Feeds more bytes into the hash.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// Returns the digest of everything fed so far, leaving the state usable.
    func finalize() -> Digest
}

extension HashState {
    /// Feeds the bytes of a contiguous collection into the hash.
    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }
}

extension HashAlgorithm {
    /// Hashes a complete in-memory message.
    public func hash(_ bytes: some ContiguousBytes) -> Digest {
        var state = makeState()
        state.update(bytes)
        return state.finalize()
    }
}
