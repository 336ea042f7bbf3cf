import Foundation
import ModelRegistry

extension CommandLineTool {
    /// Where the trusted keys come from, and whether the directory may be missing.
    struct TrustLocation {
        /// The directory's standardized path.
        var path: String
        /// How it was chosen, for messages: `--trust`, `$MODELREG_TRUST` or `the default`.
        var source: String
        /// Only the default directory may be missing (then no key is trusted).
        var isDefault: Bool
    }

    /// The trust directory: `--trust DIR`, else `$MODELREG_TRUST` (when not empty), else
    /// `~/.config/modelreg/trust`. Every command that needs trust resolves it here.
    static func trustLocation(_ arguments: ArgumentList) -> TrustLocation {
        func standardized(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        if let given = arguments.value("trust") {
            return TrustLocation(path: standardized(given), source: "--trust", isDefault: false)
        }
        if let environment = ProcessInfo.processInfo.environment["MODELREG_TRUST"], !environment.isEmpty {
            return TrustLocation(path: standardized(environment), source: "$MODELREG_TRUST", isDefault: false)
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        return TrustLocation(
            path: home.appendingPathComponent(".config/modelreg/trust").path, source: "the default", isDefault: true)
    }

    /// The trusted keys from ``trustLocation(_:)``. A `--trust` or `$MODELREG_TRUST` directory that does not
    /// exist is an error naming it; a missing default directory means no trusted keys.
    static func loadTrust(_ arguments: ArgumentList) throws -> TrustStore {
        let location = trustLocation(arguments)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory) {
            if location.isDefault { return TrustStore() }
            throw CommandFailure("trust directory '\(location.path)' does not exist (given by \(location.source))")
        }
        guard isDirectory.boolValue else {
            throw CommandFailure("trust directory '\(location.path)' is not a directory (given by \(location.source))")
        }
        return try KeyFiles.loadTrustDirectory(location.path)
    }
}
