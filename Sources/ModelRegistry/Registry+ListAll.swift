import Foundation

extension Registry {
    /// One artifact of ``Registry/listAllArtifacts(limit:after:)``: what the index says about it, or what its manifest says when the
    /// index does not hold it, or why neither could be read.
    public struct ListedArtifact: Sendable, Hashable {
        /// The artifact's directory name in `artifacts/`.
        public var id: ArtifactID
        /// Its summary: the index's, or one read from the manifest (without audit facts) when the index does not
        /// hold it; nil when the manifest cannot be read either.
        public var summary: ArtifactSummary?
        /// Whether the summary came from the index.
        public var isIndexed: Bool
        /// Why the artifact is not in the index, when it is not: the manifest's read error, or nil when the
        /// manifest reads (the index does not know the artifact yet).
        public var problem: String?

        /// The position of this artifact in the listing's order, as a cursor: the next page starts after it.
        public var cursor: IndexQuery.Cursor {
            summary.map(IndexQuery.Cursor.init(after:)) ?? .unregistered(id)
        }
    }

    /// Every artifact directory in `artifacts/`, including those the index does not hold (an unreadable manifest,
    /// a directory copied in by hand since the index was stored) or cannot answer for: `modelreg ls --all`.
    ///
    /// Unlike `query(_:)`, this lists `artifacts/` (a scan: O(*n*) directory entries) so that nothing on disk
    /// is missing from the answer; a summary the index holds is taken from it, any other is read from the
    /// manifest. When the index cannot be read at all, every manifest is read.
    ///
    /// The order is the index's: most recently registered first, then artifacts without a registration (and those
    /// whose manifest cannot be read) by id, so that a page after ``ListedArtifact/cursor`` neither repeats nor
    /// skips an artifact.
    ///
    /// - Parameters:
    ///   - limit: at most this many (a page); nil for all.
    ///   - cursor: where the previous page ended; nil for the first page.
    /// - Returns: the artifacts in that order.
    /// - Throws: I/O errors listing `artifacts/`.
    /// - Complexity: O(*n* log *n*) in the number of artifact directories, plus a manifest read for each one the
    ///   index does not hold.
    public func listAllArtifacts(limit: Int? = nil, after cursor: IndexQuery.Cursor? = nil) throws
        -> [ListedArtifact]
    {
        let ids = try listArtifacts()
        var indexed: [ArtifactID: ArtifactSummary] = [:]
        if let summaries = try? index.query(IndexQuery()) {
            indexed.reserveCapacity(summaries.count)
            for summary in summaries { indexed[summary.id] = summary }
        }
        var listed: [ListedArtifact] = []
        listed.reserveCapacity(ids.count)
        for id in ids {
            if let summary = indexed[id] {
                listed.append(ListedArtifact(id: id, summary: summary, isIndexed: true, problem: nil))
                continue
            }
            do {
                let summary = ArtifactSummary(artifact: try artifacts.artifact(id))
                listed.append(ListedArtifact(id: id, summary: summary, isIndexed: false, problem: nil))
            } catch {
                let message = (error as? RegistryError)?.message ?? "\(error)"
                listed.append(ListedArtifact(id: id, summary: nil, isIndexed: false, problem: message))
            }
        }
        listed.sort { Self.listingPrecedes($0, $1) }
        if let cursor {
            listed.removeAll { !Self.cursor(cursor, precedes: $0) }
        }
        if let limit, listed.count > limit { listed.removeLast(listed.count - limit) }
        return listed
    }

    /// The listing's order: by registration sequence, newest first; then the rest by id (byte order).
    private static func listingPrecedes(_ lhs: ListedArtifact, _ rhs: ListedArtifact) -> Bool {
        switch (lhs.summary?.registrationSequence, rhs.summary?.registrationSequence) {
        case (let left?, let right?): left > right || (left == right && bytesPrecede(lhs.id, rhs.id))
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): bytesPrecede(lhs.id, rhs.id)
        }
    }

    /// Whether `artifact` comes after `cursor` in the listing's order.
    private static func cursor(_ cursor: IndexQuery.Cursor, precedes artifact: ListedArtifact) -> Bool {
        switch (cursor, artifact.summary?.registrationSequence) {
        case (.registration(let sequence), let held?): held < sequence
        case (.registration, nil): true
        case (.unregistered, .some): false
        case (.unregistered(let id), nil): bytesPrecede(id, artifact.id)
        }
    }

    private static func bytesPrecede(_ lhs: ArtifactID, _ rhs: ArtifactID) -> Bool {
        lhs.description.utf8.lexicographicallyPrecedes(rhs.description.utf8)
    }
}

extension Registry.ListedArtifact: CustomStringConvertible {
    /// One line as `modelreg ls --all` prints it: the summary, marked `not indexed` when it came from the manifest,
    /// or the id and why its manifest could not be read.
    public var description: String {
        guard let summary else { return "\(id)  -  unreadable: \(problem ?? "no manifest")" }
        return isIndexed ? summary.description : "\(summary)  not indexed"
    }
}
