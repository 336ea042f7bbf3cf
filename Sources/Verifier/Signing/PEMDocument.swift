import Foundation
import RegistryCore

/// The textual PEM armor of RFC 7468: a `-----BEGIN <label>-----` line, base64 of DER bytes in lines, and a
/// matching `-----END <label>-----` line.
///
/// Only what key files need: text before the BEGIN line and after the END line is ignored (RFC 7468
/// section 2 allows explanatory text), the first block is the one read, line ends may be LF or CRLF, and
/// RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) are refused with a message, because they mean an encrypted
/// legacy key this package cannot read.
struct PEMDocument {
    /// The label between `BEGIN ` and `-----`, for example `PUBLIC KEY`.
    var label: String
    /// The decoded DER bytes.
    var der: [UInt8]

    /// Creates a document from a label and DER bytes.
    init(label: String, der: [UInt8]) {
        self.label = label
        self.der = der
    }

    /// Parses the first PEM block in `text`.
    ///
    /// - Parameters:
    ///   - text: The file contents.
    ///   - what: What the caller expects, for messages ("an Ed25519 public key").
    /// - Throws: `.invalidArgument` when there is no BEGIN line, no matching END line, a header, or invalid base64.
    init(parsing text: String, what: String) throws {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }),
            lines[begin].count > "-----BEGIN ".count + "-----".count
        else {
            throw RegistryError(
                .invalidArgument, "Expected \(what) in PEM form, but found no '-----BEGIN …-----' line.")
        }
        let label = String(lines[begin].dropFirst("-----BEGIN ".count).dropLast("-----".count))
        let endLine = "-----END \(label)-----"
        guard let end = lines[(begin + 1)...].firstIndex(of: endLine) else {
            throw RegistryError(.invalidArgument, "The PEM block '\(label)' has no '\(endLine)' line.")
        }
        var body = ""
        for line in lines[(begin + 1)..<end] {
            if line.contains(":") {
                throw RegistryError(
                    .invalidArgument,
                    "The PEM block '\(label)' has headers ('\(line.prefix(40))'), which mark an encrypted legacy key; "
                        + "decrypt it first, for example with `openssl pkey -in key.pem -out plain.pem`.")
            }
            body += line
        }
        guard !body.isEmpty, let der = Data(base64Encoded: body) else {
            throw RegistryError(.invalidArgument, "The PEM block '\(label)' does not contain valid base64.")
        }
        self.init(label: label, der: Array(der))
    }

    /// The PEM text: BEGIN line, base64 in lines of 64 characters, END line, each ending in a newline, which is
    /// the layout OpenSSL writes.
    var pemRepresentation: String {
        let base64 = Data(der).base64EncodedString()
        var text = "-----BEGIN \(label)-----\n"
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            text += base64[start..<end] + "\n"
            start = end
        }
        return text + "-----END \(label)-----\n"
    }
}
