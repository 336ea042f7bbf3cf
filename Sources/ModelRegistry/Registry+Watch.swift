import Foundation

extension Registry {
    /// Watches one alias: an `AsyncSequence` of its promotions, rollbacks, retirement and its target's revocation,
    /// for a server that hot-swaps models. See ``AliasWatch`` for what a server should do on each change.
    ///
    /// The baseline is the alias as it is *now*, when this is called: call it before
    /// ``openForLoading(alias:)-1ujxb``, so that a promotion landing between the two is delivered (compare its target
    /// with what you loaded). Works on registries opened read-only and on read-only mounts; writes nothing.
    ///
    /// - Parameters:
    ///   - alias: the alias (it need not exist yet).
    ///   - pollInterval: how often the alias is re-read without a notification (at least 10 ms): the latency on
    ///     network file systems and with `polling`, a safety net otherwise.
    ///   - polling: nil (the default) uses kernel notifications unless the registry is on a network file system;
    ///     true forces polling; false forces notifications.
    /// - Throws: `.invalidName`; `.invalidJSON` / `.invalidDocument` when the alias file or its target's state file
    ///   is damaged now; I/O errors.
    public func watch(_ alias: String, pollInterval: Duration = .seconds(1), polling: Bool? = nil) throws
        -> AliasWatch
    {
        try AliasName.check(alias)
        // The log position first: a move landing between the two reads is then in the events read later (the
        // newest move decides promote vs rollback), never skipped.
        let journalPosition = try journal.endPosition()
        let record = try aliases.record(alias)
        let revoked = try record.map { try states.state(of: $0.artifact) == .revoked } ?? false
        let networked = (try? FileSystem.kind(of: layout.rootPath).isNetworked) ?? false
        return AliasWatch(
            alias: alias, pollInterval: max(pollInterval, .milliseconds(10)),
            notification: (polling ?? networked) ? .polling : .kernel, registry: self,
            baseline: .init(record: record, isRevoked: revoked), journalPosition: journalPosition)
    }
}
