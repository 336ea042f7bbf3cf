import Dispatch
import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Lets a promotion hook reach the registry it is configured on (the hook is created before the registry).
private final class RegistryBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Registry?

    var registry: Registry? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// The registry's writer lock as a user meets it: a write from inside a write, and a second thread waiting.
@Suite struct WriterLockTests {
    private static func bundle(_ name: String, in temp: URL) throws -> URL {
        try BundleFixture.write(["weights.bin": Array(name.utf8)], to: temp.appendingPathComponent(name))
    }

    @Test(.timeLimit(.minutes(1)))
    func aPromotionHookThatPromotesFailsAtOnceInsteadOfDeadlocking() throws {
        try withTemporaryDirectory { temp in
            let box = RegistryBox()
            let configuration = Registry.Configuration(promotionPolicy: { change in
                guard change.alias == "champion", let registry = box.registry else { return }
                try registry.promote("shadow", to: change.target)
            })
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: configuration)
            box.registry = registry
            let id = try registry.register(directory: Self.bundle("a", in: temp), metadata: ArtifactMetadata(name: "a"))
                .artifact.id

            let error = try #require(throws: RegistryError.self) { try registry.promote("champion", to: id) }
            #expect(error.code == .reentrantWrite)
            #expect(error.message.contains("writer lock"))
            #expect(try registry.listAliases().isEmpty)
            // The lock was released: the next write goes through.
            #expect(try registry.promote("shadow", to: id).changed)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aSecondThreadGivesUpWithLockTimeoutWhileAWriteHoldsTheLock() throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            let entered = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let slow = try Registry.create(
                at: root,
                configuration: .init(promotionPolicy: { _ in
                    entered.signal()
                    _ = release.wait(timeout: .now() + 20)
                }))
            let impatient = try Registry.open(at: root, configuration: .init(lockTimeout: .milliseconds(200)))
            let a = try slow.register(directory: Self.bundle("a", in: temp), metadata: ArtifactMetadata(name: "a"))
                .artifact.id

            let done = DispatchSemaphore(value: 0)
            let outcome = RegistryBox()
            Thread {
                outcome.registry = (try? slow.promote("champion", to: a)) != nil ? slow : nil
                done.signal()
            }.start()
            #expect(entered.wait(timeout: .now() + 20) == .success)

            let clock = ContinuousClock()
            let started = clock.now
            let error = try #require(throws: RegistryError.self) {
                try impatient.setState(a, to: .validated)
            }
            let waited = clock.now - started
            release.signal()
            #expect(error.code == .lockTimeout)
            #expect(error.message.contains(impatient.layout.writerLockPath))
            #expect(waited >= .milliseconds(150) && waited < .seconds(10))

            #expect(done.wait(timeout: .now() + 20) == .success)
            #expect(outcome.registry != nil)  // the slow write itself succeeded
            #expect(try impatient.resolve("champion").artifact == a)
            #expect(try impatient.state(of: a) == .registered)
        }
    }
    /// README: the writer lock is "never held while copying or hashing". While a registration copies (copy mode)
    /// or hashes (hardlink mode) its files, another writer that waits at most 200 ms for the lock gets it: it
    /// changes a state before the registration publishes, and the registration then publishes as well.
    @Test(.timeLimit(.minutes(1)), arguments: [FileArtifactStore.IngestMode.copy, .hardlink])
    func anotherWriterIsNotHeldUpWhileARegistrationCopiesOrHashes(mode: FileArtifactStore.IngestMode) throws {
        try withTemporaryDirectory { temp in
            let root = temp.appendingPathComponent("registry")
            let registry = try Registry.create(at: root)
            let impatient = try Registry.open(at: root, configuration: .init(lockTimeout: .milliseconds(200)))
            let a = try registry.register(directory: Self.bundle("a", in: temp), metadata: ArtifactMetadata(name: "a"))
                .artifact.id
            let large = try BundleFixture.write(
                [
                    "w1.bin": BundleFixture.randomBytes(count: 4 << 20, seed: 1),
                    "w2.bin": BundleFixture.randomBytes(count: 4 << 20, seed: 2),
                ], to: temp.appendingPathComponent("large"))
            let attempts = Locked<[String]>([])
            let registration = try registry.register(
                directory: large, metadata: ArtifactMetadata(name: "large"), options: .init(mode: mode),
                progress: { progress in
                    guard progress.phase != .publishing, progress.filesCompleted == 0, attempts.value.isEmpty else {
                        return
                    }
                    do {
                        try impatient.setState(a, to: .validated, reason: "while the other one stages")
                        let published = try impatient.listArtifacts().count
                        attempts.value.append("state set while \(progress.phase), \(published) published")
                    } catch {
                        attempts.value.append("failed while \(progress.phase): \(error)")
                    }
                })
            let phase: RegistrationProgress.Phase = mode == .copy ? .copying : .hashing
            #expect(attempts.value == ["state set while \(phase), 1 published"])
            #expect(try registry.state(of: a) == .validated)
            #expect(try registry.listArtifacts().contains(registration.artifact.id))
            #expect(try registry.fsck().isClean)
        }
    }
}
