import Foundation
import ModelRegistry

/// The hidden subcommand `registry-bench __oci-child push REGISTRY ARTIFACT REF` or `… pull REGISTRY REF`: one push
/// or pull against an OCI registry in a process of its own (credentials from `MODELREG_REGISTRY_USERNAME` /
/// `_PASSWORD`), so that the parent can read its peak RSS; prints an ``OCIChildReport`` as one JSON line.
enum OCITransferChild {
    static let command = "__oci-child"

    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count >= 3, ["push", "pull"].contains(arguments[0]),
            arguments.count == (arguments[0] == "push" ? 4 : 3)
        else {
            FileHandle.standardError.write(
                Data("usage: registry-bench \(command) push REGISTRY ARTIFACT REF | pull REGISTRY REF\n".utf8))
            return 64
        }
        do {
            let root = URL(fileURLWithPath: arguments[1])
            let registry =
                FileManager.default.fileExists(atPath: root.path)
                ? try Registry.open(at: root) : try Registry.create(at: root)
            var report = OCIChildReport(blobs: 0, bytes: 0, peakKiB: 0)
            if arguments[0] == "push" {
                let pushed = try registry.push(arguments[2], to: try OCIReference(parsing: arguments[3]))
                report.blobs = pushed.uploadedBlobs
                report.bytes = pushed.uploadedBytes
            } else {
                let pulled = try registry.pull(try OCIReference(parsing: arguments[2]))
                report.blobs = pulled.downloadedBlobs
                report.bytes = pulled.downloadedBytes
            }
            report.peakKiB = RegisterChild.peakResidentKiB()
            print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            return 0
        } catch {
            FileHandle.standardError.write(Data("registry-bench \(command): \(error)\n".utf8))
            return 1
        }
    }
}

/// What `__oci-child` prints as its last line.
struct OCIChildReport: Codable {
    /// Blobs sent or received.
    var blobs: Int
    /// Bytes sent or received.
    var bytes: Int64
    /// `VmHWM` at the end: the peak resident set of the whole process.
    var peakKiB: Int
}
