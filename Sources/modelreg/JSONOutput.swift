import Foundation
import ModelRegistry

/// `--json` output: one JSON object per run on stdout (RFC 8785 canonical form, one line), with the shapes
/// docs/CLI.md documents per command. Values that are absent are `null`, never left out, so a script can rely
/// on every documented key being there.
enum JSONOutput {
    /// Prints `value` as one line of canonical JSON.
    static func print(_ value: JSONValue) {
        Swift.print(String(decoding: CanonicalJSON.encode(value), as: UTF8.self))
    }

    /// A string or `null`.
    static func string(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    /// An integer.
    static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// An integer.
    static func number(_ value: Int64) -> JSONValue { .number(JSONNumber(value)) }

    /// An integer or `null`.
    static func number(_ value: Int64?) -> JSONValue { value.map { .number(JSONNumber($0)) } ?? .null }

    /// A list of strings.
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// `{"kind", "path", "line", "message"}`: one finding of any report.
    static func finding(_ finding: Finding) -> JSONValue {
        [
            "kind": .string(finding.kind.name), "path": .string(finding.path),
            "line": finding.line.map { number($0) } ?? .null, "message": .string(finding.message),
        ]
    }

    /// A list of findings.
    static func findings(_ findings: [Finding]) -> JSONValue { .array(findings.map(finding)) }

    /// `{"sequence", "time", "actor", "type", "payload", "documented"}`: one audit event.
    static func event(_ event: AuditEvent) -> JSONValue {
        let documented = (try? event.decodePayload()) != nil
        return [
            "sequence": number(event.sequence), "time": .string(event.time), "actor": .string(event.actor),
            "type": .string(event.type.rawValue), "payload": event.payload, "documented": .bool(documented),
        ]
    }

    /// `{"alias", "artifact", "previous", "changedAt", "actor", "reason", "approval"}`: an alias record.
    static func alias(_ record: AliasRecord) -> JSONValue {
        [
            "alias": .string(record.alias), "artifact": .string(record.artifact.description),
            "previous": string(record.previousArtifact?.description), "changedAt": .string(record.changedAt),
            "actor": .string(record.actor), "reason": string(record.reason), "approval": string(record.approval),
        ]
    }

    /// `{"id", "name", "state", "registeredAt", "capabilities", "files", "size"}`: an index summary.
    static func summary(_ summary: ArtifactSummary) -> JSONValue {
        [
            "id": .string(summary.id.description), "name": .string(summary.name),
            "state": .string((summary.state ?? .registered).rawValue), "registeredAt": string(summary.registeredAt),
            "capabilities": strings(summary.capabilities), "files": number(summary.fileCount),
            "size": number(summary.totalSize),
        ]
    }
}
