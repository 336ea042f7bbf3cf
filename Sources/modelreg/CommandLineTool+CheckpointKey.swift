import Foundation
import ModelRegistry

extension CommandLineTool {
    /// The key of automatic checkpoints (FORMAT.md §9.6) that `$MODELREG_CHECKPOINT_KEY` names: a private key file
    /// from `modelreg keygen`, so that every write of this process (and every `recover`) signs the log's new head
    /// and the tail is never left unanchored. Unset or empty: no automatic checkpoints.
    ///
    /// - Throws: the key file's error (missing, readable by others, not a key), with the variable named, so a
    ///   writer never runs without the checkpoints its environment asks for.
    static func checkpointKey(_ value: String?) throws -> Ed25519PrivateKey? {
        guard let value, !value.isEmpty else { return nil }
        do {
            return try KeyFiles.loadPrivateKey(at: value)
        } catch let error as RegistryError {
            throw RegistryError(
                error.code, "MODELREG_CHECKPOINT_KEY='\(value)': \(error.message)", path: error.path,
                underlying: error.underlying)
        }
    }
}
