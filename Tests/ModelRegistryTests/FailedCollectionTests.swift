import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if DEBUG
    /// Issue #11 under issue #14's rule: every system call of `rm`, `pin`, `unpin` and `gc` made to fail in turn
    /// (EIO once, EROFS for good). Each failure must leave nothing changed or say the change is recorded, and after
    /// `recover` every artifact is present exactly when the log says, every pin file matches the log, and fsck is
    /// clean.
    @Suite struct FailedCollectionTests {
        enum Operation: String, CaseIterable, CustomStringConvertible {
            case remove, forcedRemove, pin, unpin, collect
            var description: String { rawValue }

            func run(_ registry: Registry, a: ArtifactID, b: ArtifactID) throws {
                switch self {
                case .remove: try registry.remove(a)
                case .forcedRemove: try registry.remove(b, force: true)
                case .pin: try registry.pin(a, reason: "r")
                case .unpin: try registry.unpin(b)
                case .collect: try registry.collectGarbage(.init(gracePeriod: .zero))
                }
            }
        }

        /// `a` unheld; `b` pinned and the target of `champion`.
        private static func makeTemplate(in temp: URL) throws -> (URL, ArtifactID, ArtifactID) {
            let root = temp.appendingPathComponent("template")
            let registry = try Registry.create(at: root)
            let a = try BundleFixture.registerModel("a", in: registry, under: temp)
            let b = try BundleFixture.registerModel("b", in: registry, under: temp)
            try registry.promote("champion", to: b)
            try registry.pin(b)
            _ = try registry.rebuildIndexes()
            return (root, a, b)
        }

        private static func copy(_ template: URL, to target: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cp")
            process.arguments = ["-a", template.path, target.path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw RegistryError(.io, "cp -a failed") }
        }

        static let calls: [SystemCall] = [
            .open, .write, .fsync, .rename, .unlink, .mkdir, .rmdir, .opendir, .flock, .lstat, .fchmod, .ftruncate,
        ]

        @Test(arguments: Operation.allCases)
        func aFailedSystemCallLeavesNothingChangedOrRecoverSettlesIt(operation: Operation) throws {
            try withTemporaryDirectory { temp in
                let (template, a, b) = try Self.makeTemplate(in: temp)
                var cases = 0
                for call in Self.calls {
                    for persistent in [false, true] {
                        for k in 0..<60 {
                            cases += 1
                            let root = temp.appendingPathComponent("case-\(cases)")
                            try Self.copy(template, to: root)
                            let registry = try Registry.open(at: root)
                            let token = FaultInjector.shared.inject(
                                call, errno: persistent ? EROFS : EIO, under: root.path, after: k,
                                times: persistent ? .max : 1)
                            var failure: RegistryError?
                            do {
                                try operation.run(registry, a: a, b: b)
                            } catch let error as RegistryError {
                                failure = error
                            } catch {
                                Issue.record("\(operation) \(call) k=\(k): not a RegistryError: \(error)")
                            }
                            let fired = FaultInjector.shared.hasFired(token)
                            FaultInjector.shared.remove(token)
                            try check(registry, a: a, b: b, after: "\(operation) \(call) k=\(k)", failure: failure)
                            try? FileManager.default.removeItem(at: root)
                            if !fired { break }
                        }
                    }
                }
            }
        }

        private func check(
            _ registry: Registry, a: ArtifactID, b: ArtifactID, after label: String, failure: RegistryError?
        )
            throws
        {
            if let failure {
                #expect(!failure.message.isEmpty, "\(label)")
            }
            _ = try registry.recover()
            let fsck = try registry.fsck()
            #expect(fsck.isClean || fsck.findings.allSatisfy { $0.kind == .danglingAlias }, "\(label): \(fsck)")
            for id in [a, b] {
                #expect(
                    try registry.contains(id) == CollectionCrashTests.logKeeps(id, in: registry), "\(label): \(id)")
            }
            #expect(try registry.recover().isClean, "\(label): a second recovery finds nothing")
        }
    }
#endif
