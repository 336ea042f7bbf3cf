import Foundation
import ModelRegistry
import RegistryTestSupport
import Testing

/// Push and pull against a real CNCF Distribution 2.8 (FORMAT.md §15.8): the round trip keeps the id, the
/// signatures, the evaluation records and the alias; a second push sends no blob; auth is enforced; skopeo reads
/// what we push, and we pull what skopeo copies.
@Suite(.enabled(if: OCITestRegistry.address != nil, OCITestRegistry.skipReason))
struct OCIDistributionRegistryTests {
    @Test func aRoundTripThroughTheRegistryPreservesTheIDSignaturesEvaluationsAndTheAlias() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let target = try OCITestRegistry.repository()
            let pushed = try fixture.registry.push("champion", to: target, options: OCITestRegistry.options)
            #expect(pushed.artifact == fixture.id)
            #expect(pushed.reference.tag == "champion", "an alias maps to a tag")
            #expect(pushed.uploadedBlobs == 10, "5 layers, config, empty config, signature, evaluation, approval")
            #expect(pushed.referrers == 3 && pushed.usedReferrersTag, "Distribution 2.8 has no referrers API")

            let fresh = try fixture.freshRegistry()
            let pulled = try fresh.pull(
                try target.tagged("champion"), alias: "champion", options: OCITestRegistry.options)
            #expect(pulled.imported.registration.artifact.id == fixture.id, "the id re-derives from the bytes")
            #expect(pulled.imported.hasRegistryManifest)
            #expect(pulled.imported.signatures.count == 1)
            #expect(pulled.imported.approvals.map(\.approval) == ["CHG-12"])
            #expect(try fresh.resolve("champion").artifact == fixture.id)
            #expect(try fresh.verify(fixture.id, depth: .trust).isClean)
            #expect(try fresh.evaluations(of: fixture.id).map(\.status) == [.trusted])
            #expect(try fresh.fsck().isClean)
            #expect(OCILayoutFixture.stagingLeftovers(fresh).isEmpty)

            // Pulling again registers nothing new; a compare-and-swap on a stale expectation changes nothing.
            let again = try fresh.pull(try target.tagged("champion"), options: OCITestRegistry.options)
            #expect(!again.imported.registration.isNew)
            let stale = try #require(throws: RegistryError.self) {
                try fresh.pull(
                    try target.tagged("champion"), alias: "champion", expecting: .absent,
                    options: OCITestRegistry.options)
            }
            #expect(stale.code == .conflict, "\(stale)")
        }
    }

    @Test func aSecondPushSendsNoBlob() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let target = try OCITestRegistry.repository("v1")
            let first = try fixture.registry.push(fixture.id.description, to: target, options: OCITestRegistry.options)
            #expect(first.uploadedBlobs > 0 && (first.requests["POST"] ?? 0) >= first.uploadedBlobs)
            let second = try fixture.registry.push(fixture.id.description, to: target, options: OCITestRegistry.options)
            #expect(second.uploadedBlobs == 0 && second.uploadedBytes == 0)
            #expect(second.presentBlobs == first.uploadedBlobs)
            #expect(second.requests["POST"] == nil && second.requests["PATCH"] == nil, "\(second.requests)")
            #expect(second.manifest == first.manifest)
        }
    }

    @Test func aSecondPushOfBlobsAboveTheManifestCapSendsNoBlobEither() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let bundle = try BundleFixture.write(
                ["weights.bin": BundleFixture.randomBytes(count: 5 << 20, seed: 3)],
                to: temp.appendingPathComponent("big"))
            let id = try fixture.registry.register(directory: bundle, metadata: ArtifactMetadata(name: "big")).artifact
                .id
            let target = try OCITestRegistry.repository("v1")
            let first = try fixture.registry.push(id.description, to: target, options: OCITestRegistry.options)
            #expect(first.uploadedBlobs == 3)
            // HEAD answers carry the 5 MiB Content-Length of the blob, above the 4 MiB body cap: not a body.
            let second = try fixture.registry.push(id.description, to: target, options: OCITestRegistry.options)
            #expect(second.uploadedBlobs == 0 && second.presentBlobs == 3, "\(second)")
        }
    }

    @Test func blobsAreMountedFromAnotherRepositoryOfTheSameRegistry() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let first = try OCITestRegistry.repository("v1")
            try fixture.registry.push(fixture.id.description, to: first, options: OCITestRegistry.options)
            var options = OCITestRegistry.options
            options.mountFrom = [first.repository]
            let second = try fixture.registry.push(
                fixture.id.description, to: try OCITestRegistry.repository("v1"), options: options)
            #expect(second.mountedBlobs == 10 && second.uploadedBlobs == 0, "\(second)")
        }
    }

    @Test func chunkedUploadsAndParallelDownloadsCarryLargeBlobs() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            var options = OCITestRegistry.options
            options.settings.monolithicUploadLimit = 10_000  // the 100 kB weights go in PATCH chunks
            options.settings.chunkSize = 16_384
            options.settings.maximumParallelTransfers = 2
            let target = try OCITestRegistry.repository("v1")
            let pushed = try fixture.registry.push(fixture.id.description, to: target, options: options)
            #expect((pushed.requests["PATCH"] ?? 0) >= 7, "\(pushed.requests)")
            let fresh = try fixture.freshRegistry()
            let pulled = try fresh.pull(target, options: options)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
        }
    }

    @Test func withoutOrWithWrongCredentialsTheRegistryRefusesWithAClearError() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let target = try OCITestRegistry.repository("v1")
            var anonymous = OCITransferOptions()
            anonymous.looksUpCredentials = false
            let none = try #require(throws: RegistryError.self) {
                try fixture.registry.push("champion", to: target, options: anonymous)
            }
            #expect(none.code == .unauthorized && none.message.contains("MODELREG_REGISTRY_USERNAME"), "\(none)")
            var wrong = OCITransferOptions()
            wrong.credentials = DistributionCredentials(username: "modelreg", password: "not-the-password-42")
            let refused = try #require(throws: RegistryError.self) {
                try fixture.registry.push("champion", to: target, options: wrong)
            }
            #expect(refused.code == .unauthorized && refused.message.contains("'modelreg'"), "\(refused)")
            #expect(!refused.message.contains("not-the-password-42") && !"\(refused)".contains("not-the-password-42"))
            let pull = try #require(throws: RegistryError.self) {
                try fixture.freshRegistry().pull(target, options: anonymous)
            }
            #expect(pull.code == .unauthorized, "\(pull)")
            // With them, it works.
            try fixture.registry.push("champion", to: target, options: OCITestRegistry.options)
        }
    }

    @Test func aTagOrRepositoryTheRegistryWouldChokeOnIsRefusedBeforeAnyRequest() throws {
        for bad in ["h:1/Team/Model:v1", "h:1/team/model:v:1", "h:1/team/model:.v1", "h:1", "h:1/team//model"] {
            #expect(throws: RegistryError.self, "\(bad)") { try OCIReference(parsing: bad) }
        }
        let missing = try #require(throws: RegistryError.self) {
            try withTemporaryDirectory { temp in
                try OCILayoutFixture(temp: temp).freshRegistry().pull(
                    try OCITestRegistry.repository("nope"), options: OCITestRegistry.options)
            }
        }
        #expect(missing.code == .notFound || missing.code == .unauthorized, "\(missing)")
    }

    @Test(.enabled(if: OCITools.skopeo != nil, "needs skopeo on PATH (apt-get install skopeo)"))
    func skopeoReadsWhatWePushedAndWePullWhatSkopeoCopied() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let target = try OCITestRegistry.repository("champion")
            let pushed = try fixture.registry.push("champion", to: target, options: OCITestRegistry.options)
            let creds = "\(OCITestRegistry.credentials.username):\(OCITestRegistry.credentials.password)"
            let docker = "docker://\(target.host)/\(target.repository):champion"
            let raw = try OCITools.run(
                OCITools.skopeo, ["inspect", "--raw", "--tls-verify=false", "--creds", creds, docker])
            #expect(SHA256Algorithm().hash(Array(raw.utf8)) == pushed.manifest.digest, "byte for byte")

            // skopeo copies an exported layout to the registry; we pull it.
            let layout = temp.appendingPathComponent("oci")
            try fixture.registry.exportOCILayout("champion", to: layout)
            let copied = try OCITestRegistry.repository("copied")
            try OCITools.run(
                OCITools.skopeo,
                [
                    "copy", "--dest-tls-verify=false", "--dest-creds", creds, "oci:\(layout.path):champion",
                    "docker://\(copied.host)/\(copied.repository):copied",
                ])
            let fresh = try fixture.freshRegistry()
            let pulled = try fresh.pull(copied, options: OCITestRegistry.options)
            #expect(pulled.imported.registration.artifact.id == fixture.id)
        }
    }

    @Test func theCLIPushesAndPullsWithJSON() throws {
        try withTemporaryDirectory { temp in
            let fixture = try OCILayoutFixture(temp: temp)
            let target = try OCITestRegistry.repository("champion")
            let push = try CLIRunner.run(
                ["push", "champion", target.description, "--json", "--registry", fixture.registry.layout.rootPath],
                environment: OCITestRegistry.cliEnvironment)
            #expect(push.status == 0, "\(push.stderr)")
            let pushed = try JSONSerialization.jsonObject(with: Data(push.stdout.utf8)) as? [String: Any]
            #expect(pushed?["id"] as? String == fixture.id.description)
            let fresh = try fixture.freshRegistry()
            let pull = try CLIRunner.run(
                [
                    "pull", "\(target.host)/\(target.repository):champion", "--insecure", "--alias", "champion",
                    "--json", "--registry", fresh.layout.rootPath,
                ], environment: OCITestRegistry.cliEnvironment)
            #expect(pull.status == 0, "\(pull.stderr)")
            let pulled = try JSONSerialization.jsonObject(with: Data(pull.stdout.utf8)) as? [String: Any]
            #expect(pulled?["id"] as? String == fixture.id.description)
            #expect(pulled?["alias"] as? String == "champion")
            #expect(!pull.stderr.contains(OCITestRegistry.credentials.password))
        }
    }
}
