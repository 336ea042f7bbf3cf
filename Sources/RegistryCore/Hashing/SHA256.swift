internal import CSHA256

/// SHA-256 (FIPS 180-4), the registry's default ``HashAlgorithm``.
///
/// Foundation on Linux has no SHA-256, and artifacts are hashed gigabytes at a time, so RegistryCore
/// ships its own: the compression loop runs in a small C target that uses the x86 SHA extensions or the
/// ARMv8 cryptography instructions when the CPU has them (detected once at run time) and a portable C
/// fallback otherwise. See ``implementation``.
///
/// The hardware kernels, and the x86-64 kernel for CPUs without the SHA extensions, are written in
/// assembly, so a debug build (`swift run`, which SwiftPM compiles without optimisation) hashes as fast as a
/// release build; Swift only hands the kernel whole buffers of megabytes. The portable C fallback, used
/// elsewhere (AArch64 without the crypto extensions, other architectures), runs about half as fast
/// unoptimised.
///
/// Usually spelled through the static member on ``HashAlgorithm``:
///
/// ```swift
/// let algorithm: some HashAlgorithm = .sha256
/// print(algorithm.hash(Array("abc".utf8)))
/// // sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
/// ```
///
/// `SHA256Algorithm` is a stateless, `Sendable` value; each stream gets its own ``SHA256State``.
public struct SHA256Algorithm: HashAlgorithm, Hashable, Sendable {
    /// Creates the algorithm. It has no options; every instance is equal.
    public init() {}

    /// `"sha256"`: the name written into manifests and digests (`sha256:<hex>`). It never changes.
    public var name: String { "sha256" }

    /// 32: a SHA-256 digest is 256 bits.
    public var digestByteCount: Int { 32 }

    /// Returns a fresh state for hashing one stream.
    ///
    /// - Returns: A state holding the hash of the empty message.
    public func makeState() -> SHA256State { SHA256State() }

    /// The compression kernel in use: `"x86-sha-ni"`, `"armv8-crypto"`, `"x86-64-scalar"` (x86-64 without the
    /// SHA extensions) or `"portable"`.
    ///
    /// Reported by `modelreg --version` and the benchmarks, because throughput differs several-fold
    /// between the hardware kernels and the portable fallback. The choice is made once per process from
    /// the CPU's feature flags and does not change the digests, only the speed.
    public static var implementation: String { String(cString: mr_sha256_implementation()) }
}

/// The running state of one SHA-256 computation.
///
/// A value type holding the whole hash state inline (about 112 bytes, no heap storage): copying a
/// `SHA256State` copies the hash so far, so you can fork a stream, for example to finalize a prefix and
/// keep going. ``update(_:)`` never allocates; whole 64-byte blocks are compressed straight from the
/// caller's buffer and only a partial block is copied.
///
/// Not `Sendable`, by design of ``HashState``: one state belongs to one stream.
///
/// ```swift
/// var state = SHA256Algorithm().makeState()
/// for chunk in chunks { chunk.withUnsafeBytes { state.update($0) } }
/// let digest = state.finalize()
/// ```
public struct SHA256State: HashState {
    private var context: mr_sha256_ctx

    /// Creates a state holding the hash of the empty message.
    ///
    /// Prefer ``SHA256Algorithm/makeState()``, which generic code reaches through ``HashAlgorithm``.
    public init() {
        context = mr_sha256_ctx()
        mr_sha256_init(&context)
    }

    /// Feeds more bytes into the hash.
    ///
    /// Splitting a message into chunks of any sizes gives the same digest as hashing it in one call;
    /// larger chunks are faster (64 KiB or more keeps the kernel busy).
    ///
    /// - Parameter bytes: The next bytes of the message. May be empty.
    /// - Complexity: O(*n*) in `bytes.count`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        mr_sha256_update(&context, base, bytes.count)
    }

    /// How ``updateMapped(_:)`` ended.
    package enum MappedUpdate {
        /// Every byte was hashed.
        case hashed
        /// Touching the mapping raised SIGBUS (the file shrank, or a page could not be read). The state is
        /// meaningless now.
        case faulted
        /// The SIGBUS guard could not be installed; nothing was hashed.
        case unguarded
    }

    /// Feeds bytes of a read-only memory mapping of a file, catching the SIGBUS that touching a page past
    /// the file's end would raise, so a file truncated meanwhile fails the hash instead of the process.
    package mutating func updateMapped(_ bytes: UnsafeRawBufferPointer) -> MappedUpdate {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .hashed }
        switch mr_sha256_update_mapped(&context, base, bytes.count) {
        case 0: return .hashed
        case -1: return .faulted
        default: return .unguarded
        }
    }

    /// Returns the digest of everything fed so far.
    ///
    /// The padding is applied to a copy, so the state is unchanged: calling `finalize()` again returns the
    /// same digest, and later ``update(_:)`` calls continue the same message.
    ///
    /// - Returns: A 32-byte ``Digest`` named `sha256`.
    public func finalize() -> Digest {
        let bytes = [UInt8](unsafeUninitializedCapacity: 32) { buffer, initializedCount in
            withUnsafePointer(to: context) { mr_sha256_final($0, buffer.baseAddress!) }
            initializedCount = 32
        }
        return Digest(algorithm: "sha256", bytes: bytes)
    }
}

extension HashAlgorithm where Self == SHA256Algorithm {
    /// SHA-256, so that call sites and configurations can write `.sha256`.
    ///
    /// ```swift
    /// var hash: any HashAlgorithm = .sha256
    /// ```
    public static var sha256: Self { .init() }
}
