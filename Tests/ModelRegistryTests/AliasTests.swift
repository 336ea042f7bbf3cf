import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// A registry with a fixed clock and two registered artifacts.
struct AliasFixture {
    let registry: Registry
    let first: ArtifactID
    let second: ArtifactID
    let third: ArtifactID

    static func with(
        policy: (@Sendable (AliasChange) throws -> Void)? = nil, _ body: (AliasFixture) throws -> Void
    ) throws {
        try withTemporaryDirectory { temp in
            let configuration = Registry.Configuration(
                actor: "tester", promotionPolicy: policy,
                clock: { Date(timeIntervalSince1970: 1_795_441_020) })
            let registry = try Registry.create(
                at: temp.appendingPathComponent("registry"), configuration: configuration)
            var ids: [ArtifactID] = []
            for index in 0..<3 {
                let bundle = try BundleFixture.write(
                    ["weights.bin": BundleFixture.randomBytes(count: 1000, seed: UInt64(index))],
                    to: temp.appendingPathComponent("bundle-\(index)"))
                ids.append(
                    try registry.register(directory: bundle, metadata: ArtifactMetadata(name: "model-\(index)"))
                        .artifact.id)
            }
            try body(AliasFixture(registry: registry, first: ids[0], second: ids[1], third: ids[2]))
        }
    }
}

@Suite struct AliasTests {
    @Test func promoteResolveAndHistory() throws {
        try AliasFixture.with { f in
            let update = try f.registry.promote("document-classifier-champion", to: f.first, reason: "first model")
            #expect(update.changed && update.record.previousArtifact == nil && update.record.actor == "tester")
            #expect(update.record.changedAt == "2026-11-23T13:37:00.000Z")
            #expect(try f.registry.resolve("document-classifier-champion").artifact == f.first)

            let second = try f.registry.promote("document-classifier-champion", to: f.second, approval: "CHG-7")
            #expect(second.record.previousArtifact == f.first && second.record.approval == "CHG-7")
            #expect(try f.registry.resolve("document-classifier-champion").artifact == f.second)

            let history = try f.registry.aliasHistory("document-classifier-champion")
            #expect(history.map(\.type) == [.aliasPromoted, .aliasPromoted])
            #expect(
                history.map { $0.payload.objectValue?["artifact"]?.stringValue } == [
                    f.first.description, f.second.description,
                ])
            #expect(try f.registry.listAliases().map(\.alias) == ["document-classifier-champion"])
        }
    }

    @Test func promotingToTheCurrentTargetChangesNothing() throws {
        try AliasFixture.with { f in
            try f.registry.promote("canary", to: f.first)
            let again = try f.registry.promote("canary", to: f.first)
            #expect(!again.changed && again.event == nil)
            #expect(try f.registry.aliasHistory("canary").count == 1)
        }
    }

    @Test func compareAndSwapFailsCleanlyWhenAnotherWriterMovedTheAlias() throws {
        try AliasFixture.with { f in
            try f.registry.promote("champion", to: f.first)
            try f.registry.promote("champion", to: f.second)  // "another writer"
            let error = try #require(throws: RegistryError.self) {
                try f.registry.promote("champion", to: f.third, expecting: .target(f.first))
            }
            #expect(error.code == .conflict)
            #expect(error.message.contains("champion") && error.message.contains(f.second.description))
            #expect(try f.registry.resolve("champion").artifact == f.second)
            #expect(try f.registry.aliasHistory("champion").count == 2)

            #expect(try f.registry.promote("champion", to: f.third, expecting: .target(f.second)).changed)
            #expect(
                registryErrorCode { try f.registry.promote("champion", to: f.first, expecting: .absent) } == .conflict)
            #expect(try f.registry.promote("fresh", to: f.first, expecting: .absent).changed)
        }
    }

    @Test func promotionRequiresTheTargetToExist() throws {
        try AliasFixture.with { f in
            let ghost = try #require(ArtifactID("sha256-" + String(repeating: "9", count: 64)))
            #expect(registryErrorCode { try f.registry.promote("champion", to: ghost) } == .notFound)
            #expect(try f.registry.listAliases().isEmpty)
        }
    }

    @Test func rollbackGoesToThePreviousTargetOrAnyEarlierOne() throws {
        try AliasFixture.with { f in
            try f.registry.promote("champion", to: f.first)
            try f.registry.promote("champion", to: f.second)
            try f.registry.promote("champion", to: f.third)
            let back = try f.registry.rollback("champion", reason: "regression")
            #expect(back.record.artifact == f.second && back.record.previousArtifact == f.third)
            #expect(back.event?.type == .aliasRolledBack)
            let further = try f.registry.rollback("champion", to: f.first)
            #expect(further.record.artifact == f.first)
            #expect(try f.registry.resolve("champion").artifact == f.first)
        }
    }

    @Test func rollbackRefusesATargetTheAliasNeverHad() throws {
        try AliasFixture.with { f in
            try f.registry.promote("champion", to: f.first)
            #expect(registryErrorCode { try f.registry.rollback("champion") } == .notFound)  // nothing before
            #expect(registryErrorCode { try f.registry.rollback("champion", to: f.third) } == .invalidArgument)
            #expect(registryErrorCode { try f.registry.rollback("nobody") } == .notFound)
        }
    }

    @Test func retireRemovesTheAliasButKeepsItsHistory() throws {
        try AliasFixture.with { f in
            try f.registry.promote("old", to: f.first)
            try f.registry.retire("old", reason: "replaced")
            #expect(registryErrorCode { try f.registry.resolve("old") } == .notFound)
            #expect(try f.registry.aliasHistory("old").map(\.type) == [.aliasPromoted, .aliasRetired])
            #expect(registryErrorCode { try f.registry.retire("old") } == .notFound)
        }
    }

    @Test func aPolicyThatRefusesLeavesTheAliasUntouched() throws {
        try AliasFixture.with(policy: { change in
            if change.approval == nil {
                throw RegistryError(.invalidArgument, "promotion of '\(change.alias)' needs an approval")
            }
        }) { f in
            let error = try #require(throws: RegistryError.self) { try f.registry.promote("champion", to: f.first) }
            #expect(error.message.contains("needs an approval"))
            #expect(try f.registry.listAliases().isEmpty)
            #expect(registryErrorCode { try f.registry.aliasHistory("champion") } == .notFound)  // nothing logged
            #expect(try f.registry.promote("champion", to: f.first, approval: "CHG-1").changed)
        }
    }

    @Test func everyChangeIsInTheVerifiedAuditLog() throws {
        try AliasFixture.with { f in
            try f.registry.promote("a", to: f.first)
            try f.registry.promote("a", to: f.second)
            try f.registry.rollback("a")
            try f.registry.retire("a")
            let report = try f.registry.journal.verify()
            #expect(report.isClean)
            var types: [AuditEvent.Kind] = []
            try f.registry.journal.forEachEvent { types.append($0.type) }
            #expect(
                types == [
                    .artifactRegistered, .artifactRegistered, .artifactRegistered, .aliasPromoted, .aliasPromoted,
                    .aliasRolledBack, .aliasRetired,
                ])
        }
    }

    #if DEBUG
        @Test func aFailedEventAppendRevertsTheAliasFile() throws {
            try AliasFixture.with { f in
                try f.registry.promote("a", to: f.first)
                let token = FaultInjector.shared.inject(.fsync, errno: EIO, under: f.registry.layout.auditPath + "/")
                defer { FaultInjector.shared.remove(token) }
                #expect(registryErrorCode { try f.registry.promote("a", to: f.second) } == .io)
                FaultInjector.shared.remove(token)
                #expect(try f.registry.resolve("a").artifact == f.first)
                #expect(try f.registry.recover().isClean)
            }
        }
    #endif
}
