import RegistryCore

/// The `underlying` error of an append whose outcome is unknown: the line was written (perhaps only partly),
/// syncing it failed, and taking it back out failed too, so the event may or may not be in the log.
///
/// ``AuditJournal/append(_:actor:payload:)`` throws it wrapped in a `RegistryError` that keeps the code of the
/// failed append (`.noSpace`, `.readOnlyFileSystem`, `.io` …) and says how the outcome is settled: the registry's
/// recovery reads the log as it finds it — a complete event stays in force (and the registry writes the files it
/// describes), a torn line is cut off. Callers that undo their own work when an append fails must not undo it
/// when they see this (the event may name it); recovery decides.
public struct AppendOutcomeUnknown: Error, Sendable, CustomStringConvertible {
    /// The event that may or may not be in the log.
    public let event: AuditEvent
    /// Why the append failed.
    public let failure: any Error
    /// Why taking the line back out failed.
    public let takeBack: any Error

    /// The event, why the append failed and why taking it back out failed, in one sentence.
    public var description: String {
        "appending event #\(event.sequence) (\(event.type)) failed: \(failure); taking it back out failed: \(takeBack)"
    }

    /// Whether `error` (or the error it wraps) says an append's outcome is unknown.
    public static func isCause(of error: any Error) -> Bool {
        if error is AppendOutcomeUnknown { return true }
        return (error as? RegistryError)?.underlying.map(isCause(of:)) ?? false
    }

    static func error(
        appending event: AuditEvent, to file: JournalFile, failure: any Error, takeBack: any Error
    ) -> RegistryError {
        let cause = AppendOutcomeUnknown(event: event, failure: failure, takeBack: takeBack)
        let failed = failure as? RegistryError
        return RegistryError(
            failed?.code ?? .io,
            "\(failed?.message ?? "\(failure)"); the event (#\(event.sequence), \(event.type)) may or may not be in "
                + "the log, because taking it back out of \(file.displayName) failed too (\(takeBack)). The outcome "
                + "is unknown until 'modelreg recover' (Registry.recover) settles it: an event found complete in "
                + "the log stays in force and the files it describes are written from it; a torn line is cut off",
            path: file.path, underlying: cause)
    }
}
