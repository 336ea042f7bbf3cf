import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// The real OCI registry the push/pull tests talk to: CNCF Distribution started by `.ci/run` (or by hand with
/// `eval "$(scripts/oci-test-registry start)"`) and named by `MODELREG_TEST_OCI_REGISTRY=127.0.0.1:PORT`, with
/// `MODELREG_TEST_OCI_USERNAME` / `_PASSWORD` for its htpasswd basic auth. Tests skip where it is unset.
enum OCITestRegistry {
    static let environment = ProcessInfo.processInfo.environment
    static let address = environment["MODELREG_TEST_OCI_REGISTRY"].flatMap { $0.isEmpty ? nil : $0 }
    static let skipReason: Comment =
        "needs a registry: eval \"$(scripts/oci-test-registry start)\" sets MODELREG_TEST_OCI_REGISTRY (.ci/run does)"

    static var credentials: DistributionCredentials {
        DistributionCredentials(
            username: environment["MODELREG_TEST_OCI_USERNAME"] ?? "",
            password: environment["MODELREG_TEST_OCI_PASSWORD"] ?? "")
    }

    /// Options with the test registry's credentials.
    static var options: OCITransferOptions {
        var options = OCITransferOptions()
        options.credentials = credentials
        return options
    }

    /// A repository of its own for one test: `modelreg-test/<random>`.
    static func repository(_ tag: String? = nil) throws -> OCIReference {
        let name = "modelreg-test/" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try OCIReference(parsing: "http://\(address ?? "")/\(name)" + (tag.map { ":" + $0 } ?? ""))
    }

    /// The environment a `modelreg` child process logs in with.
    static var cliEnvironment: [String: String] {
        [
            "MODELREG_REGISTRY_USERNAME": credentials.username, "MODELREG_REGISTRY_PASSWORD": credentials.password,
        ]
    }
}
