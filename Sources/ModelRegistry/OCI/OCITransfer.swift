import AliasStore
import Foundation
import ModelPack
import RegistryCore

/// How `Registry.push(_:to:options:progress:)` and `Registry.pull(_:alias:options:progress:)` talk to an OCI
/// registry. A `Sendable` value.
public struct OCITransferOptions: Sendable {
    /// How the Distribution client transfers (parallel blobs, retries, chunk size).
    public var settings: DistributionClient.Settings = .init()
    /// Credentials; nil looks them up (``DistributionCredentials/lookup(host:environment:)``) unless
    /// ``looksUpCredentials`` is false.
    public var credentials: DistributionCredentials?
    /// Whether missing ``credentials`` are looked up in the environment and the Docker config; false sends none.
    public var looksUpCredentials = true
    /// Push only: repositories of the same registry to mount blobs from before uploading them.
    public var mountFrom: [String] = []

    /// The defaults.
    public init() {}
}

/// How far a push or pull has come: bytes and blobs transferred (or found already there). A `Sendable` value.
public struct OCITransferProgress: Hashable, Sendable {
    /// Bytes sent or received so far, counting blobs the other side already had.
    public var bytesCompleted: Int64
    /// Bytes of all blobs.
    public var bytesTotal: Int64
    /// Blobs done.
    public var blobsCompleted: Int
    /// Blobs in all.
    public var blobsTotal: Int
}

/// What a push did. A `Sendable` value.
public struct OCIPushResult: Sendable {
    /// The artifact pushed.
    public var artifact: ArtifactID
    /// Where, with the tag used.
    public var reference: OCIReference
    /// The model manifest.
    public var manifest: OCIDescriptor
    /// Blobs sent.
    public var uploadedBlobs: Int
    /// Blobs the registry had already.
    public var presentBlobs: Int
    /// Blobs mounted from another repository.
    public var mountedBlobs: Int
    /// Bytes sent.
    public var uploadedBytes: Int64
    /// Referrer manifests pushed (signatures, evaluation records, approvals).
    public var referrers: Int
    /// Whether the `sha256-<hex>` referrers tag was written (the registry has no referrers API).
    public var usedReferrersTag: Bool
    /// The requests sent, by method: a second push of the same artifact sends no `POST` or `PATCH`.
    public var requests: [String: Int]
}

/// What a pull did. A `Sendable` value.
public struct OCIPullResult: Sendable {
    /// What was registered and attached, as an OCI layout import reports it.
    public var imported: OCILayoutImport
    /// The reference pulled.
    public var reference: OCIReference
    /// Blobs downloaded.
    public var downloadedBlobs: Int
    /// Bytes received from the registry (a blob resumed from an earlier pull's partial download counts only
    /// what was still missing).
    public var downloadedBytes: Int64
    /// Bytes taken from partial downloads an earlier pull left in `staging/downloads/` (re-hashed, not downloaded
    /// again).
    public var resumedBytes: Int64
    /// The alias move, when `alias` was given.
    public var aliasUpdate: Registry.AliasUpdate?
}

/// Adds up what concurrent downloads kept and received.
final class OCIDownloadTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var values: (resumed: Int64, received: Int64) = (0, 0)

    func add(_ outcome: DistributionClient.DownloadOutcome) {
        lock.withLock {
            values.resumed += outcome.resumedBytes
            values.received += outcome.receivedBytes
        }
    }

    var resumed: Int64 { lock.withLock { values.resumed } }
    var received: Int64 { lock.withLock { values.received } }
}

/// Adds up the progress of concurrent blob transfers.
final class OCIProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var state: OCITransferProgress
    private let report: (@Sendable (OCITransferProgress) -> Void)?

    init(bytesTotal: Int64, blobsTotal: Int, report: (@Sendable (OCITransferProgress) -> Void)?) {
        state = OCITransferProgress(
            bytesCompleted: 0, bytesTotal: bytesTotal, blobsCompleted: 0, blobsTotal: blobsTotal)
        self.report = report
    }

    /// A blob moved `delta` more bytes.
    func add(bytes delta: Int64) {
        let now = lock.withLock {
            state.bytesCompleted += delta
            return state
        }
        report?(now)
    }

    /// A blob is done; `remaining` bytes of it were not counted yet.
    func finishBlob(remaining: Int64) {
        let now = lock.withLock {
            state.bytesCompleted += remaining
            state.blobsCompleted += 1
            return state
        }
        report?(now)
    }

    /// A per-blob callback: reported absolute byte counts become deltas.
    func tracker() -> BlobTracker { BlobTracker(counter: self) }

    final class BlobTracker: @unchecked Sendable {
        let counter: OCIProgressCounter
        private let lock = NSLock()
        private var seen: Int64 = 0
        init(counter: OCIProgressCounter) { self.counter = counter }

        func update(_ absolute: Int64) {
            let delta = lock.withLock {
                let delta = absolute - seen
                seen = absolute
                return delta
            }
            counter.add(bytes: delta)
        }

        func finish(size: Int64) {
            let remaining = lock.withLock {
                let remaining = size - seen
                seen = size
                return remaining
            }
            counter.finishBlob(remaining: remaining)
        }
    }
}

extension OCITransferOptions {
    /// The credentials argument of ``DistributionClient/init(repository:credentials:settings:)``.
    var clientCredentials: DistributionCredentials?? {
        if let credentials { return .some(credentials) }
        return looksUpCredentials ? nil : .some(nil)
    }
}
