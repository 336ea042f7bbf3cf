import ModelPack
import RegistryCore
import Verifier

/// The signatures, evaluation records and signed approvals an OCI layout lists as referrers of a model manifest, under the
/// distribution spec's `sha256-<hex>` tag fallback (FORMAT.md §15.4).
struct OCIReferrers {
    /// The largest signature or evaluation record blob read.
    static let maximumBlobSize = 1 << 20

    var signatures: [SignatureFile] = []
    var evaluations: [EvaluationRecord] = []
    var approvals: [SignedApproval] = []
    /// Referrers of artifact types this registry does not keep (another tool's signatures, SBOMs …).
    var skipped: [OCIDescriptor] = []

    /// Reads every referrer of `subject` listed in `index`, verifying each blob.
    ///
    /// - Throws: `.invalidDocument` for a referrer whose `subject` is another manifest or whose layer count is
    ///   not one; what reading and parsing the blobs throws.
    static func read(from layout: OCILayoutDirectory, index: OCIImageIndex, subject: OCIDescriptor) throws
        -> OCIReferrers
    {
        var referrers = OCIReferrers()
        guard let tagged = index.entry(tagged: OCITag.referrers(of: subject.digest)) else { return referrers }
        let list = try OCIImageIndex(
            parsing: layout.readBlob(tagged, limit: OCIImageIndex.maximumSize), source: layout.blobPath(tagged.digest))
        for descriptor in list.manifests {
            guard descriptor.mediaType == OCIMediaType.imageManifest else {
                referrers.skipped.append(descriptor)
                continue
            }
            let path = layout.blobPath(descriptor.digest)
            let manifest = try OCIImageManifest(
                parsing: layout.readBlob(descriptor, limit: OCIImageManifest.maximumSize), source: path)
            guard manifest.subject?.digest == subject.digest else {
                throw RegistryError(
                    .invalidDocument,
                    "\(path): listed as a referrer of \(subject.digest), but its subject is "
                        + "\(manifest.subject.map(\.digest.description) ?? "missing")", path: path)
            }
            let type = manifest.artifactType ?? descriptor.artifactType
            let known = [
                OCIMediaType.registrySignature, OCIMediaType.registryEvaluation, OCIMediaType.registryApproval,
            ]
            guard let type, known.contains(type) else {
                referrers.skipped.append(descriptor)
                continue
            }
            guard manifest.layers.count == 1, let layer = manifest.layers.first else {
                throw RegistryError(
                    .invalidDocument,
                    "\(path): a \(type) referrer has exactly one layer, this one has "
                        + "\(manifest.layers.count)", path: path)
            }
            let blob = try layout.readBlob(layer, limit: maximumBlobSize)
            let blobPath = layout.blobPath(layer.digest)
            switch type {
            case OCIMediaType.registrySignature:
                referrers.signatures.append(try SignatureFile(fileBytes: blob, source: blobPath))
            case OCIMediaType.registryEvaluation:
                referrers.evaluations.append(try EvaluationRecord(fileBytes: blob, source: blobPath))
            default:
                referrers.approvals.append(try SignedApproval(fileBytes: blob, source: blobPath))
            }
        }
        return referrers
    }

    /// Checks every signature and record against the artifact they are about to be attached to, as `sign` and
    /// `addEvaluation` would accept them: each must name `id`, and one signed by a trusted key must verify.
    ///
    /// - Throws: `.invalidDocument` naming the key or evaluator.
    func check(for id: ArtifactID, manifestBytes: [UInt8], trust: TrustStore) throws {
        for file in signatures {
            try Self.require(
                file.artifact == id,
                "a signature by \(file.signature.keyID) in the layout is for \(file.artifact), not for the imported "
                    + "artifact \(id)")
            try Self.require(
                trust.verifiers[file.signature.keyID] == nil
                    || trust.isTrustedSignature(file.signature, for: manifestBytes),
                "the signature by trusted key \(file.signature.keyID) in the layout does not verify against \(id)'s "
                    + "manifest; it was not made for these bytes")
        }
        for approval in approvals {
            try Self.require(
                approval.artifact == id,
                "an approval '\(approval.approval)' in the layout is for \(approval.artifact), not for the imported "
                    + "artifact \(id)")
            try Self.require(
                trust.verifiers[approval.signature.keyID] == nil
                    || trust.isTrustedSignature(approval.signature, for: approval.statementBytes),
                "the approval '\(approval.approval)' in the layout is signed by trusted key "
                    + "\(approval.signature.keyID) but does not verify: it was changed after signing")
        }
        for record in evaluations {
            try Self.require(
                record.artifact == id,
                "an evaluation by '\(record.evaluator)' in the layout is for \(record.artifact), not for the imported "
                    + "artifact \(id)")
            try Self.require(
                CheckedEvaluation(record, trust: trust).status != .invalid,
                "the evaluation by '\(record.evaluator)' in the layout is signed by trusted key "
                    + "\(record.signature?.keyID ?? "") but does not verify: it was changed after signing")
        }
    }

    /// Throws `.invalidDocument` with `message` unless `condition` holds.
    private static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        guard condition else { throw RegistryError(.invalidDocument, message()) }
    }
}
