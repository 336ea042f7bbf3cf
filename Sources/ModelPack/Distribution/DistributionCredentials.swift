import Foundation
import RegistryCore

/// A user name and password for an OCI registry: the ones a `docker login` left in `~/.docker/config.json`, or
/// the environment variables `MODELREG_REGISTRY_USERNAME` and `MODELREG_REGISTRY_PASSWORD` (FORMAT.md §15.8).
///
/// The password never appears in ``description``, in logs or in error messages. `DistributionCredentials` is a
/// `Sendable` value.
public struct DistributionCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The user name.
    public var username: String
    /// The password or token.
    public var password: String

    /// Creates credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `username` and a mask; never the password.
    public var description: String { "\(username):<redacted>" }

    /// The `Authorization: Basic …` value.
    var basicHeader: String { "Basic " + Data("\(username):\(password)".utf8).base64EncodedString() }

    /// The credentials for `host`: the environment variables when both are set, else the `auths` entry of the
    /// Docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) for `host`, `https://host` or
    /// `http://host`, else nil.
    ///
    /// - Parameter environment: the process environment (a parameter so tests can pass their own).
    /// - Throws: `.invalidDocument` naming the config file and host for an entry whose `auth` is not base64 of
    ///   `user:password`; `.invalidJSON` for a config that is not JSON. A missing config is not an error.
    public static func lookup(
        host: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> DistributionCredentials? {
        if let username = environment["MODELREG_REGISTRY_USERNAME"], !username.isEmpty,
            let password = environment["MODELREG_REGISTRY_PASSWORD"]
        {
            return DistributionCredentials(username: username, password: password)
        }
        let directory =
            environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard data.count <= 1 << 20 else {
            throw RegistryError(.invalidArgument, "\(path): larger than 1 MiB; not a Docker config", path: path)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RegistryError(.invalidJSON, "\(path): not JSON (\(error.localizedDescription))", path: path)
        }
        guard let auths = (object as? [String: Any])?["auths"] as? [String: Any] else { return nil }
        for key in [host, "https://" + host, "http://" + host, "https://" + host + "/v2/"] {
            guard let entry = auths[key] as? [String: Any], let auth = entry["auth"] as? String else { continue }
            guard let decoded = Data(base64Encoded: auth).flatMap({ String(data: $0, encoding: .utf8) }),
                let colon = decoded.firstIndex(of: ":")
            else {
                throw RegistryError(
                    .invalidDocument,
                    "\(path): auths[\"\(key)\"].auth is not base64 of 'user:password'; run 'docker login \(host)' "
                        + "again", path: path)
            }
            return DistributionCredentials(
                username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        return nil
    }
}
