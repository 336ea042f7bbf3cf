import Foundation
import RegistryCore
import RegistryTestSupport
import Testing
import Verifier

/// Independent Ed25519 implementations found on this machine, for cross-checks in both directions.
///
/// Each is probed once. Tests that need a missing tool are skipped, with a message saying what to install; CI
/// installs all three, so there the cross-checks always run.
enum ExternalEd25519 {
    /// `openssl` 3.x, which has `pkeyutl -rawin` (needed to sign and verify raw Ed25519 messages).
    static let openSSL: String? = {
        guard let path = executable(named: "openssl"),
            let help = try? run(path, ["pkeyutl", "-help"]), help.output.contains("-rawin")
        else { return nil }
        return path
    }()

    /// `ssh-keygen` with `-Y sign` / `-Y verify` (OpenSSH 8.1 or later).
    static let sshKeygen: String? = {
        guard let path = executable(named: "ssh-keygen"),
            let usage = try? run(path, ["-Y", "sign"]), usage.output.contains("namespace")
        else { return nil }
        return path
    }()

    /// `python3` that can import the `cryptography` package's Ed25519.
    static let pythonWithCryptography: String? = {
        guard let path = executable(named: "python3"),
            let probe = try? run(path, ["-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"]),
            probe.status == 0
        else { return nil }
        return path
    }()

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs a tool to completion with stdout and stderr captured together.
    static func run(_ executable: String, _ arguments: [String], standardInput: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        if let standardInput { process.standardInput = try FileHandle(forReadingFrom: standardInput) }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/local/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

@Suite struct Ed25519CrossCheckTests {
    /// Messages of assorted lengths. OpenSSL 3.0's `pkeyutl -rawin` cannot sign an empty file, so the empty message
    /// is covered by the Python cross-check instead.
    static func messages(seed: UInt64) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        return [Array("model-registry".utf8), [0]]
            + (0..<4).map { _ in
                random.nextBytes(count: Int.random(in: 1..<3_000, using: &random))
            }
    }

    /// A repeatable 32-byte seed.
    static func randomSeed(_ seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return random.nextBytes(count: 32)
    }

    static func write(_ text: String, to url: URL) throws { try Data(text.utf8).write(to: url) }

    // MARK: OpenSSL

    // Skipped without OpenSSL 3: the cross-check needs `openssl pkeyutl -rawin`. CI installs OpenSSL 3.
    @Test(.enabled(if: ExternalEd25519.openSSL != nil, "needs OpenSSL 3 (`openssl pkeyutl -rawin`) on PATH"))
    func openSSLSignaturesVerifyUnderOurImplementation() throws {
        let openssl = try #require(ExternalEd25519.openSSL)
        try withTemporaryDirectory { directory in
            let keyFile = directory.appendingPathComponent("openssl.key.pem")
            let publicFile = directory.appendingPathComponent("openssl.pub.pem")
            #expect(
                try ExternalEd25519.run(openssl, ["genpkey", "-algorithm", "ed25519", "-out", keyFile.path]).status == 0
            )
            #expect(
                try ExternalEd25519.run(openssl, ["pkey", "-in", keyFile.path, "-pubout", "-out", publicFile.path])
                    .status == 0)
            let publicKey = try Ed25519PublicKey(pemRepresentation: String(contentsOf: publicFile, encoding: .utf8))
            for (index, message) in Self.messages(seed: 1).enumerated() {
                let messageFile = directory.appendingPathComponent("m\(index).bin")
                let signatureFile = directory.appendingPathComponent("m\(index).sig")
                try Data(message).write(to: messageFile)
                let signing = try ExternalEd25519.run(
                    openssl,
                    [
                        "pkeyutl", "-sign", "-rawin", "-inkey", keyFile.path, "-in", messageFile.path, "-out",
                        signatureFile.path,
                    ])
                #expect(signing.status == 0, "\(signing.output)")
                let bytes = Array(try Data(contentsOf: signatureFile))
                let signature = Signature(keyID: publicKey.keyID, algorithm: "ed25519", bytes: bytes)
                #expect(publicKey.isValidSignature(signature, for: message), "message \(index)")
                #expect(!publicKey.isValidSignature(signature, for: message + [1]), "message \(index)")
            }
        }
    }

    // Skipped without OpenSSL 3: the cross-check needs `openssl pkeyutl -rawin`. CI installs OpenSSL 3.
    @Test(.enabled(if: ExternalEd25519.openSSL != nil, "needs OpenSSL 3 (`openssl pkeyutl -rawin`) on PATH"))
    func ourSignaturesVerifyUnderOpenSSL() throws {
        let openssl = try #require(ExternalEd25519.openSSL)
        try withTemporaryDirectory { directory in
            var random = SplitMix64(seed: 2)
            let key = try Ed25519PrivateKey(seed: random.nextBytes(count: 32))
            let publicFile = directory.appendingPathComponent("ours.pub.pem")
            try Self.write(key.publicKey.pemRepresentation, to: publicFile)
            for (index, message) in Self.messages(seed: 2).enumerated() {
                let messageFile = directory.appendingPathComponent("m\(index).bin")
                let signatureFile = directory.appendingPathComponent("m\(index).sig")
                try Data(message).write(to: messageFile)
                try Data(try key.signature(for: message).bytes).write(to: signatureFile)
                let verify = [
                    "pkeyutl", "-verify", "-rawin", "-pubin", "-inkey", publicFile.path, "-in", messageFile.path,
                    "-sigfile", signatureFile.path,
                ]
                let good = try ExternalEd25519.run(openssl, verify)
                #expect(good.status == 0 && good.output.contains("Signature Verified Successfully"), "\(good.output)")
                // And OpenSSL rejects it for another message, so the check above is not vacuous.
                try Data(message + [1]).write(to: messageFile)
                #expect(try ExternalEd25519.run(openssl, verify).status != 0)
            }
        }
    }

    // Skipped without OpenSSL 3: the cross-check needs `openssl genpkey -algorithm ed25519`. CI installs OpenSSL 3.
    @Test(.enabled(if: ExternalEd25519.openSSL != nil, "needs OpenSSL 3 on PATH"))
    func keyFilesRoundTripWithOpenSSL() throws {
        let openssl = try #require(ExternalEd25519.openSSL)
        try withTemporaryDirectory { directory in
            // OpenSSL's files → ours: we parse them and write the same bytes back.
            let keyFile = directory.appendingPathComponent("openssl.key.pem")
            let publicFile = directory.appendingPathComponent("openssl.pub.pem")
            _ = try ExternalEd25519.run(openssl, ["genpkey", "-algorithm", "ed25519", "-out", keyFile.path])
            _ = try ExternalEd25519.run(openssl, ["pkey", "-in", keyFile.path, "-pubout", "-out", publicFile.path])
            let theirKeyText = try String(contentsOf: keyFile, encoding: .utf8)
            let theirPublicText = try String(contentsOf: publicFile, encoding: .utf8)
            let key = try Ed25519PrivateKey(pemRepresentation: theirKeyText)
            #expect(key.pemRepresentation == theirKeyText)
            #expect(key.publicKey.pemRepresentation == theirPublicText, "we derive the public key OpenSSL derives")

            // Our files → OpenSSL: it reads our private key, derives the same public key, and, Ed25519 being
            // deterministic, signs to exactly our bytes.
            let ours = try Ed25519PrivateKey(seed: Self.randomSeed(3))
            let ourKeyFile = directory.appendingPathComponent("ours.key.pem")
            try Self.write(ours.pemRepresentation, to: ourKeyFile)
            let derived = try ExternalEd25519.run(openssl, ["pkey", "-in", ourKeyFile.path, "-pubout"])
            #expect(derived.output == ours.publicKey.pemRepresentation)
            let ourPublicFile = directory.appendingPathComponent("ours.pub.pem")
            try Self.write(ours.publicKey.pemRepresentation, to: ourPublicFile)
            let reread = try ExternalEd25519.run(openssl, ["pkey", "-pubin", "-in", ourPublicFile.path])
            #expect(reread.output == ours.publicKey.pemRepresentation)
            let message = Array("deterministic".utf8)
            let messageFile = directory.appendingPathComponent("m.bin")
            let signatureFile = directory.appendingPathComponent("m.sig")
            try Data(message).write(to: messageFile)
            _ = try ExternalEd25519.run(
                openssl,
                [
                    "pkeyutl", "-sign", "-rawin", "-inkey", ourKeyFile.path, "-in", messageFile.path, "-out",
                    signatureFile.path,
                ])
            #expect(Array(try Data(contentsOf: signatureFile)) == (try ours.signature(for: message).bytes))
        }
    }

    // MARK: OpenSSH

    // Skipped without ssh-keygen 8.1+ (for `-Y sign` / `-Y verify`); CI installs openssh-client.
    @Test(.enabled(if: ExternalEd25519.sshKeygen != nil, "needs ssh-keygen from OpenSSH 8.1 or later on PATH"))
    func openSSHKeysAndSignaturesCrossCheckInBothDirections() throws {
        let sshKeygen = try #require(ExternalEd25519.sshKeygen)
        try withTemporaryDirectory { directory in
            let namespace = "modelreg-test"
            let message = Array("signed by OpenSSH".utf8)
            let messageFile = directory.appendingPathComponent("message.txt")
            try Data(message).write(to: messageFile)

            // ssh-keygen's key and SSHSIG signature → ours.
            let keyFile = directory.appendingPathComponent("id_ed25519")
            let generated = try ExternalEd25519.run(
                sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "ci@example", "-f", keyFile.path])
            #expect(generated.status == 0, "\(generated.output)")
            let publicText = try String(contentsOfFile: keyFile.path + ".pub", encoding: .utf8)
            let theirs = try Ed25519PublicKey(parsing: publicText)
            #expect(theirs.openSSHRepresentation(comment: "ci@example") == publicText)
            let signing = try ExternalEd25519.run(
                sshKeygen, ["-Y", "sign", "-f", keyFile.path, "-n", namespace, messageFile.path])
            #expect(signing.status == 0, "\(signing.output)")
            let armored = try String(contentsOfFile: messageFile.path + ".sig", encoding: .utf8)
            let sshsig = try #require(SSHSignature(armored: armored))
            #expect(sshsig.publicKey == theirs.rawRepresentation)
            let signed = SSHSignature.signedData(namespace: namespace, message: message)
            let signature = Signature(keyID: theirs.keyID, algorithm: "ed25519", bytes: sshsig.signature)
            #expect(theirs.isValidSignature(signature, for: signed))

            // Our key and signature → ssh-keygen: it reads our line, fingerprints it as we expect, and verifies
            // an SSHSIG we assemble around our signature.
            let ours = try Ed25519PrivateKey(seed: Self.randomSeed(4))
            let ourPublicFile = directory.appendingPathComponent("ours.pub")
            try Self.write(ours.publicKey.openSSHRepresentation(comment: "ours"), to: ourPublicFile)
            let fingerprint = try ExternalEd25519.run(sshKeygen, ["-l", "-E", "sha256", "-f", ourPublicFile.path])
            let blobDigest = SHA256Algorithm().hash(SSHSignature.publicKeyBlob(ours.publicKey.rawRepresentation)).bytes
            let expected = Data(blobDigest).base64EncodedString().replacingOccurrences(of: "=", with: "")
            #expect(fingerprint.output.contains("SHA256:\(expected) ours (ED25519)"), "\(fingerprint.output)")

            let ourSignature = try ours.signature(for: SSHSignature.signedData(namespace: namespace, message: message))
            let ourSignatureFile = directory.appendingPathComponent("ours.sig")
            try Self.write(
                SSHSignature(
                    publicKey: ours.publicKey.rawRepresentation, signature: ourSignature.bytes, namespace: namespace
                )
                .armored,
                to: ourSignatureFile)
            let allowedSigners = directory.appendingPathComponent("allowed_signers")
            try Self.write("release " + ours.publicKey.openSSHRepresentation(), to: allowedSigners)
            let verify = [
                "-Y", "verify", "-f", allowedSigners.path, "-I", "release", "-n", namespace, "-s",
                ourSignatureFile.path,
            ]
            let verified = try ExternalEd25519.run(sshKeygen, verify, standardInput: messageFile)
            #expect(verified.status == 0 && verified.output.contains("Good"), "\(verified.output)")
            try Data(message + [1]).write(to: messageFile)
            #expect(try ExternalEd25519.run(sshKeygen, verify, standardInput: messageFile).status != 0)
        }
    }

    // MARK: Python cryptography

    // Skipped without Python's `cryptography` package (`pip install cryptography`); CI installs it.
    @Test(.enabled(if: ExternalEd25519.pythonWithCryptography != nil, "needs python3 with the cryptography package"))
    func pythonCryptographyAgreesInBothDirections() throws {
        let python = try #require(ExternalEd25519.pythonWithCryptography)
        let script = """
            import pathlib, sys
            from cryptography.hazmat.primitives import serialization as s
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            d = pathlib.Path(sys.argv[1])
            raw = lambda k: k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
            ours = s.load_pem_private_key((d / "ours.key.pem").read_bytes(), None)
            ours_pem = s.load_pem_public_key((d / "ours.pub.pem").read_bytes())
            ours_ssh = s.load_ssh_public_key((d / "ours.pub").read_bytes())
            assert raw(ours.public_key()) == raw(ours_pem) == raw(ours_ssh)
            for i in range(int(sys.argv[2])):
                message = (d / f"m{i}.bin").read_bytes()
                try:
                    ours_pem.verify((d / f"m{i}.ours.sig").read_bytes(), message)
                    print(f"verified {i}")
                except Exception:
                    print(f"rejected {i}")
                (d / f"m{i}.python-with-ours.sig").write_bytes(ours.sign(message))
            theirs = Ed25519PrivateKey.generate()
            (d / "theirs.key.pem").write_bytes(theirs.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
            public = theirs.public_key()
            (d / "theirs.pub.pem").write_bytes(public.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
            (d / "theirs.pub").write_bytes(public.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH))
            for i in range(int(sys.argv[2])):
                (d / f"m{i}.theirs.sig").write_bytes(theirs.sign((d / f"m{i}.bin").read_bytes()))
            """
        try withTemporaryDirectory { directory in
            let ours = try Ed25519PrivateKey(seed: Self.randomSeed(5))
            try Self.write(ours.pemRepresentation, to: directory.appendingPathComponent("ours.key.pem"))
            try Self.write(ours.publicKey.pemRepresentation, to: directory.appendingPathComponent("ours.pub.pem"))
            try Self.write(
                ours.publicKey.openSSHRepresentation(comment: "ours"), to: directory.appendingPathComponent("ours.pub"))
            let messages = [[]] + Self.messages(seed: 5)
            for (index, message) in messages.enumerated() {
                try Data(message).write(to: directory.appendingPathComponent("m\(index).bin"))
                try Data(try ours.signature(for: message).bytes).write(
                    to: directory.appendingPathComponent("m\(index).ours.sig"))
            }
            let scriptFile = directory.appendingPathComponent("check.py")
            try Self.write(script, to: scriptFile)
            let result = try ExternalEd25519.run(python, [scriptFile.path, directory.path, "\(messages.count)"])
            #expect(result.status == 0, "\(result.output)")
            for index in messages.indices { #expect(result.output.contains("verified \(index)\n"), "\(result.output)") }

            // Python's files and signatures → ours.
            let theirKey = try Ed25519PrivateKey(
                pemRepresentation: String(
                    contentsOf: directory.appendingPathComponent("theirs.key.pem"), encoding: .utf8))
            let theirPEM = try Ed25519PublicKey(
                parsing: String(contentsOf: directory.appendingPathComponent("theirs.pub.pem"), encoding: .utf8))
            let theirSSH = try Ed25519PublicKey(
                parsing: String(contentsOf: directory.appendingPathComponent("theirs.pub"), encoding: .utf8))
            #expect(theirPEM == theirKey.publicKey)
            #expect(theirSSH == theirKey.publicKey)
            for (index, message) in messages.enumerated() {
                let theirBytes = Array(try Data(contentsOf: directory.appendingPathComponent("m\(index).theirs.sig")))
                let signature = Signature(keyID: theirPEM.keyID, algorithm: "ed25519", bytes: theirBytes)
                #expect(theirPEM.isValidSignature(signature, for: message), "message \(index)")
                #expect(try theirKey.signature(for: message).bytes == theirBytes, "deterministic, message \(index)")
                let withOurs = Array(
                    try Data(contentsOf: directory.appendingPathComponent("m\(index).python-with-ours.sig")))
                #expect(withOurs == (try ours.signature(for: message).bytes), "message \(index)")
            }
        }
    }
}

/// Just enough of OpenSSH's SSHSIG format (PROTOCOL.sshsig) to carry an Ed25519 signature both ways.
///
/// The armored blob is `"SSHSIG" uint32(1) string(publickey) string(namespace) string("") string("sha512")
/// string(signature)`, where `publickey` is `string("ssh-ed25519") string(key)` and `signature` is
/// `string("ssh-ed25519") string(sig64)`. The Ed25519 signature covers
/// `"SSHSIG" string(namespace) string("") string("sha512") string(SHA-512(message))`.
struct SSHSignature {
    var publicKey: [UInt8]
    var signature: [UInt8]
    var namespace: String

    init(publicKey: [UInt8], signature: [UInt8], namespace: String) {
        self.publicKey = publicKey
        self.signature = signature
        self.namespace = namespace
    }

    /// Parses an armored Ed25519 SSHSIG; nil for anything else.
    init?(armored text: String) {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return nil }
        var bytes = Array(data)
        guard bytes.count > 10, bytes.prefix(6).elementsEqual("SSHSIG".utf8) else { return nil }
        bytes.removeFirst(10)  // magic and version
        func string() -> [UInt8]? {
            guard bytes.count >= 4 else { return nil }
            let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            guard bytes.count >= 4 + length else { return nil }
            defer { bytes.removeFirst(4 + length) }
            return Array(bytes[4..<(4 + length)])
        }
        guard let keyBlob = string(), let namespace = string(), string() != nil, string() == Array("sha512".utf8),
            let signatureBlob = string()
        else { return nil }
        let keyPrefix = Self.string(Array("ssh-ed25519".utf8)) + [0, 0, 0, 32]
        let signaturePrefix = Self.string(Array("ssh-ed25519".utf8)) + [0, 0, 0, 64]
        guard keyBlob.count == keyPrefix.count + 32, keyBlob.starts(with: keyPrefix),
            signatureBlob.count == signaturePrefix.count + 64, signatureBlob.starts(with: signaturePrefix)
        else { return nil }
        self.init(
            publicKey: Array(keyBlob.suffix(32)), signature: Array(signatureBlob.suffix(64)),
            namespace: String(decoding: namespace, as: UTF8.self))
    }

    var armored: String {
        let blob =
            Array("SSHSIG".utf8) + [0, 0, 0, 1] + Self.string(Self.publicKeyBlob(publicKey))
            + Self.string(Array(namespace.utf8)) + Self.string([]) + Self.string(Array("sha512".utf8))
            + Self.string(Self.string(Array("ssh-ed25519".utf8)) + Self.string(signature))
        let base64 = Data(blob).base64EncodedString()
        var lines: [String] = []
        var start = base64.startIndex
        while start < base64.endIndex {
            let end = base64.index(start, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[start..<end]))
            start = end
        }
        return "-----BEGIN SSH SIGNATURE-----\n" + lines.joined(separator: "\n") + "\n-----END SSH SIGNATURE-----\n"
    }

    /// The bytes the Ed25519 signature covers.
    static func signedData(namespace: String, message: [UInt8]) -> [UInt8] {
        Array("SSHSIG".utf8) + string(Array(namespace.utf8)) + string([]) + string(Array("sha512".utf8))
            + string(Ed25519Testing.sha512(message))
    }

    /// The RFC 4253 public key blob: string("ssh-ed25519") string(key).
    static func publicKeyBlob(_ key: [UInt8]) -> [UInt8] {
        string(Array("ssh-ed25519".utf8)) + string(key)
    }

    static func string(_ bytes: [UInt8]) -> [UInt8] {
        let n = UInt32(bytes.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + bytes
    }
}
