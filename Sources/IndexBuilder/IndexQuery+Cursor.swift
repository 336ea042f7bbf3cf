import RegistryCore

extension IndexQuery {
    /// A position in the result order, for paging: the next page holds the results that come after it.
    ///
    /// Results are ordered by registration sequence, highest first, then artifacts without a registration by
    /// id, so a cursor is the registration sequence of the last result of a page, or its id when it has none.
    /// Both are stable: a page that follows a cursor never repeats a result and never skips one that existed when
    /// the first page was read (new registrations come before the first page).
    ///
    /// ```swift
    /// var page = try registry.query(IndexQuery(limit: 20))
    /// while let last = page.last {
    ///     page = try registry.query(IndexQuery(limit: 20), after: IndexQuery.Cursor(after: last))
    /// }
    /// ```
    ///
    /// Its text form (`description`) is what the CLI prints and `--after` takes: the decimal sequence number, or
    /// the artifact id.
    public enum Cursor: Hashable, Sendable, LosslessStringConvertible {
        /// After the artifact registered by the audit event with this sequence number.
        case registration(Int64)
        /// After this artifact, which has no registration event.
        case unregistered(ArtifactID)

        /// The cursor just after `summary`.
        ///
        /// - Parameter summary: the last result of a page.
        public init(after summary: ArtifactSummary) {
            self = summary.registrationSequence.map(Cursor.registration) ?? .unregistered(summary.id)
        }

        /// Parses the text form: a positive decimal number or an artifact id; nil for anything else.
        ///
        /// - Parameter description: the text.
        public init?(_ description: String) {
            if !description.isEmpty, description.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                guard let sequence = Int64(description), sequence >= 1 else { return nil }
                self = .registration(sequence)
            } else if let id = ArtifactID(description) {
                self = .unregistered(id)
            } else {
                return nil
            }
        }

        /// The text form: the sequence number, or the id.
        public var description: String {
            switch self {
            case .registration(let sequence): "\(sequence)"
            case .unregistered(let id): id.description
            }
        }

        /// Whether `summary` comes after the cursor in the result order.
        ///
        /// - Parameter summary: a result.
        /// - Returns: true when it belongs to a later page.
        public func precedes(_ summary: ArtifactSummary) -> Bool {
            switch (self, summary.registrationSequence) {
            case (.registration(let sequence), let held?): held < sequence
            case (.registration, nil): true
            case (.unregistered, .some): false
            case (.unregistered(let id), nil): bytesPrecede(id.description, summary.id.description)
            }
        }
    }
}

extension IndexBackend {
    /// The default paging for backends without their own: the whole result, filtered and cut.
    ///
    /// - Parameters:
    ///   - query: the conditions; its limit applies after the cursor.
    ///   - cursor: where the previous page ended.
    /// - Returns: at most `query.limit` summaries that come after `cursor`.
    /// - Throws: what ``IndexBackend/summaries(matching:)`` throws.
    /// - Complexity: that of the query without its limit.
    public func summaries(matching query: IndexQuery, after cursor: IndexQuery.Cursor) throws -> [ArtifactSummary] {
        var unlimited = query
        unlimited.limit = nil
        let rest = try summaries(matching: unlimited).filter(cursor.precedes)
        return Array(rest.prefix(query.limit ?? Int.max))
    }
}
