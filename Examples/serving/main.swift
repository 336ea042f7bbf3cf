// An inference server: loads the model an alias points at, serves requests, and hot-swaps when the alias is
// promoted or rolled back — by any process, on this machine or (with polling) another.
//
//   swift run example-serving REGISTRY ALIAS [--requests N] [--swaps N] [--interval-ms MS] [--poll-ms MS]
//
// It stops after N requests, or after N swaps, whichever comes first (without either it runs until killed).
// What it does on each change (see `AliasWatch`):
//   promoted / rolled back  load the new target; swap only when the load succeeded, else keep serving the old one
//   retired                 keep serving what is loaded (nothing replaces it)
//   target revoked          refuse requests while the revoked model is loaded, until a rollback or promotion
//                           brings another: a revoked model must not answer, and serving a stale one silently is
//                           worse than failing loudly
import Foundation
import ModelRegistry

/// The model currently loaded: the verified artifact and its weights, mapped (published files never change).
struct LoadedModel: Sendable {
    let loaded: LoadedArtifact
    let weights: Data

    var id: ArtifactID { loaded.artifact.id }
    var shortID: String { String(id.description.prefix(19)) + "…" }

    init(_ loaded: LoadedArtifact) throws {
        self.loaded = loaded
        let files = loaded.artifact.manifest.files.sorted { $0.size > $1.size }
        guard let largest = files.first, let url = loaded.artifact.url(for: largest.path) else {
            throw RegistryError(.invalidDocument, "artifact \(loaded.artifact.id) has no files to load")
        }
        weights = try Data(contentsOf: url, options: .alwaysMapped)
    }

    /// A fake inference: a checksum over a request-dependent slice of the weights.
    func answer(_ request: Int) -> UInt8 {
        guard !weights.isEmpty else { return 0 }
        let start = (request &* 7919) % weights.count
        return weights[start..<min(weights.count, start + 64)].reduce(0, &+)
    }
}

/// The serving slot: swapped atomically between requests; `nil` model means refusing (revoked).
final class ModelSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var model: LoadedModel?
    private var revoked: ArtifactID?

    init(_ model: LoadedModel) { self.model = model }

    var current: LoadedModel? {
        lock.lock()
        defer { lock.unlock() }
        return revoked == nil ? model : nil
    }

    var loadedID: ArtifactID? {
        lock.lock()
        defer { lock.unlock() }
        return model?.id
    }

    func swap(to next: LoadedModel) {
        lock.lock()
        defer { lock.unlock() }
        model = next
        revoked = nil
    }

    func revoke(_ id: ArtifactID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard model?.id == id else { return false }
        revoked = id
        return true
    }
}

struct Options {
    var registry = ""
    var alias = ""
    var requests: Int?
    var swaps: Int?
    var interval = Duration.milliseconds(20)
    var poll = Duration.seconds(1)

    static let usage =
        "usage: example-serving REGISTRY ALIAS [--requests N] [--swaps N] [--interval-ms MS] [--poll-ms MS]\n"

    init(_ arguments: [String]) throws {
        var positionals: [String] = []
        var index = 0
        func number(_ name: String) throws -> Int {
            index += 1
            guard index < arguments.count, let value = Int(arguments[index]), value > 0 else {
                throw RegistryError(.invalidArgument, "\(name) needs a positive whole number")
            }
            return value
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--requests": requests = try number("--requests")
            case "--swaps": swaps = try number("--swaps")
            case "--interval-ms": interval = .milliseconds(try number("--interval-ms"))
            case "--poll-ms": poll = .milliseconds(try number("--poll-ms"))
            case let option where option.hasPrefix("--"):
                throw RegistryError(.invalidArgument, "unknown option '\(option)'")
            case let value: positionals.append(value)
            }
            index += 1
        }
        guard positionals.count == 2 else { throw RegistryError(.invalidArgument, "expected REGISTRY and ALIAS") }
        registry = positionals[0]
        alias = positionals[1]
    }
}

/// Writes one line to standard output, unbuffered (CI reads the log while the server runs).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

@main
struct Server {
    static func main() async {
        let options: Options
        do {
            options = try Options(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8) + Data(Options.usage.utf8))
            exit(64)
        }
        do {
            // Read-only: no lock, no file created in the registry; stamps of re-hashed files go to the user's cache.
            let registry = try await Registry.open(
                at: URL(fileURLWithPath: options.registry), forWriting: false)
            // Watch first, then load: a promotion landing in between is delivered, not lost.
            let changes = try registry.watch(options.alias, pollInterval: options.poll)
            let slot = ModelSlot(try LoadedModel(try await registry.openForLoading(alias: options.alias)))
            let first = slot.current
            say(
                "serving \(first?.id.description ?? "?") (re-hashed: \(first?.loaded.rehashed.description ?? "[]"); "
                    + "watching '\(options.alias)' via \(changes.notification))")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await serveRequests(slot, options: options) }
                group.addTask { await followAlias(changes, registry: registry, slot: slot, options: options) }
                await group.next()  // whichever finishes first ends the server
                group.cancelAll()
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    /// The request loop: answers with the model in the slot, or refuses while its model is revoked.
    static func serveRequests(_ slot: ModelSlot, options: Options) async {
        var served = 0
        var refused = 0
        var request = 0
        while !Task.isCancelled {
            if let limit = options.requests, request >= limit { break }
            request += 1
            if let model = slot.current {
                _ = model.answer(request)
                served += 1
            } else {
                refused += 1
            }
            try? await Task.sleep(for: options.interval)
        }
        say("stopped after \(request) requests: \(served) served, \(refused) refused")
    }

    /// Hot-swaps on promotions and rollbacks; keeps the old model on a retirement or a failed load.
    static func followAlias(_ changes: AliasWatch, registry: Registry, slot: ModelSlot, options: Options) async {
        var swaps = 0
        for await change in changes {
            switch change {
            case .promoted(_, let record), .rolledBack(_, let record):
                guard record.artifact != slot.loadedID else { continue }  // already serving it
                do {
                    let next = try LoadedModel(try await registry.openForLoading(alias: options.alias))
                    slot.swap(to: next)
                    swaps += 1
                    say("swapped (\(change)): now serving \(next.id) (re-hashed: \(next.loaded.rehashed))")
                } catch {
                    say(
                        "load failed after '\(change)', still serving \(slot.loadedID?.description ?? "nothing"): \(error)"
                    )
                }
            case .retired(let previous):
                say("alias retired (was \(previous)); still serving \(slot.loadedID?.description ?? "nothing")")
            case .targetRevoked(let id):
                if slot.revoke(id) { say("target revoked (\(id)): refusing requests until the alias moves") }
            }
            if let limit = options.swaps, swaps >= limit {
                say("saw \(swaps) swap(s); stopping")
                return
            }
        }
    }
}
