import AuditLog
import RegistryCore

/// libFuzzer entry point over the registry's parsers (issue #14): the first input byte picks the parser — strict
/// JSON with its canonical re-encoding, `manifest.json`, or one audit line — and the rest is the document. Each
/// parser must refuse with a `RegistryError` or accept; an accepted document must re-encode to a value that
/// parses back equal. Anything else (a crash, a trap, another error type, a broken round trip) stops the fuzzer
/// with the input saved as `crash-…`. Built and run by `scripts/fuzz/run.sh`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParsers(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        switch data[0] % 3 {
        case 0:
            let value = try CanonicalJSON.parse(bytes, source: "fuzz.json")
            let encoded = CanonicalJSON.encode(value)
            let again = try CanonicalJSON.parseCanonical(encoded, source: "re-encoded")
            precondition(again == value && CanonicalJSON.encode(again) == encoded, "JSON round trip changed")
        case 1:
            let manifest = try Manifest(parsing: bytes, source: "manifest.json", requireCanonical: false)
            let canonical = manifest.canonicalBytes()
            let again = try Manifest(parsing: canonical, source: "manifest.json")
            precondition(again.canonicalBytes() == canonical, "manifest round trip changed")
        default:
            let event = try AuditEvent(parsingLine: bytes, source: "audit/fuzz.jsonl:1")
            precondition(event.encodedLine == bytes, "an accepted audit line is not its own encoding")
        }
    } catch is RegistryError {
        return 0
    } catch {
        preconditionFailure("not a RegistryError: \(error)")
    }
    return 0
}
