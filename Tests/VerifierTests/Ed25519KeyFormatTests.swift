import Foundation
import RegistryCore
import RegistryTestSupport
import Testing
import Verifier

@Suite struct Ed25519KeyFormatTests {
    /// RFC 8032 TEST 1's key in the forms OpenSSL and OpenSSH write, produced by Python's `cryptography`
    /// (`private_bytes(PEM, PKCS8)`, `public_bytes(PEM, SubjectPublicKeyInfo)`, `public_bytes(OpenSSH, OpenSSH)`).
    static let testOnePrivatePEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
        -----END PRIVATE KEY-----

        """
    static let testOnePublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
        -----END PUBLIC KEY-----

        """
    static let testOneOpenSSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"

    static func testOneKey() throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: Ed25519Testing.hexBytes(rfc8032Vectors[0].secretKey))
    }

    // MARK: Exact output

    @Test func pemOutputIsByteForByteWhatOpenSSLWrites() throws {
        let key = try Self.testOneKey()
        #expect(key.pemRepresentation == Self.testOnePrivatePEM)
        #expect(key.publicKey.pemRepresentation == Self.testOnePublicPEM)
        #expect(key.derRepresentation.count == 48)
        #expect(key.publicKey.derRepresentation.count == 44)
    }

    @Test func openSSHOutputIsWhatSSHKeygenWrites() throws {
        let key = try Self.testOneKey().publicKey
        #expect(key.openSSHRepresentation() == Self.testOneOpenSSH + "\n")
        #expect(key.openSSHRepresentation(comment: "alice@example") == Self.testOneOpenSSH + " alice@example\n")
        // A comment cannot break the line.
        #expect(key.openSSHRepresentation(comment: "two\nlines\r\n") == Self.testOneOpenSSH + " two lines\n")
    }

    // MARK: Parsing

    @Test func theKnownFilesParseToTheRFCKey() throws {
        let expected = try Self.testOneKey()
        #expect(
            try Ed25519PrivateKey(pemRepresentation: Self.testOnePrivatePEM).rawRepresentation
                == expected.rawRepresentation)
        #expect(try Ed25519PublicKey(pemRepresentation: Self.testOnePublicPEM) == expected.publicKey)
        #expect(try Ed25519PublicKey(openSSHRepresentation: Self.testOneOpenSSH) == expected.publicKey)
        #expect(try Ed25519PublicKey(parsing: Self.testOnePublicPEM) == expected.publicKey)
        #expect(try Ed25519PublicKey(parsing: Self.testOneOpenSSH + " with a comment\n") == expected.publicKey)
    }

    @Test func parsingToleratesLineEndingsWhitespaceAndSurroundingText() throws {
        let expected = try Self.testOneKey().publicKey
        let crlf = Self.testOnePublicPEM.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try Ed25519PublicKey(pemRepresentation: crlf) == expected)
        let annotated = "Subject: release signing key\n\n" + Self.testOnePublicPEM + "trailing notes\n"
        #expect(try Ed25519PublicKey(pemRepresentation: annotated) == expected)
        let noFinalNewline = String(Self.testOnePublicPEM.dropLast())
        #expect(try Ed25519PublicKey(pemRepresentation: noFinalNewline) == expected)
        let wrapped = Self.testOnePublicPEM.replacingOccurrences(of: "MCowBQYDK2Vw", with: "MCowBQYDK2Vw\n")
        #expect(try Ed25519PublicKey(pemRepresentation: wrapped) == expected)
        let tabs =
            "  \t" + Self.testOneOpenSSH.replacingOccurrences(of: " ", with: "\t") + "\tcomment with  spaces \r\n"
        #expect(try Ed25519PublicKey(openSSHRepresentation: tabs) == expected)
        #expect(
            try Ed25519PrivateKey(
                pemRepresentation: Self.testOnePrivatePEM.replacingOccurrences(of: "\n", with: "\r\n")
            )
            .publicKey == expected)
    }

    @Test(arguments: 0..<16)
    func everyFormatRoundTrips(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let key = try Ed25519PrivateKey(seed: random.nextBytes(count: 32))
        let fromPEM = try Ed25519PrivateKey(pemRepresentation: key.pemRepresentation)
        #expect(fromPEM.rawRepresentation == key.rawRepresentation)
        #expect(fromPEM.keyID == key.keyID)
        #expect(
            try Ed25519PrivateKey(derRepresentation: key.derRepresentation).rawRepresentation == key.rawRepresentation)
        let publicKey = key.publicKey
        #expect(try Ed25519PublicKey(pemRepresentation: publicKey.pemRepresentation) == publicKey)
        #expect(try Ed25519PublicKey(derRepresentation: publicKey.derRepresentation) == publicKey)
        #expect(
            try Ed25519PublicKey(openSSHRepresentation: publicKey.openSSHRepresentation(comment: "c \(seed)"))
                == publicKey)
        #expect(try Ed25519PublicKey(parsing: publicKey.pemRepresentation) == publicKey)
        #expect(try Ed25519PublicKey(parsing: publicKey.openSSHRepresentation()) == publicKey)
    }

    @Test func pkcs8Version2WithAMatchingPublicKeyIsAccepted() throws {
        let key = try Self.testOneKey()
        let der = Self.oneAsymmetricKey(seed: key.rawRepresentation, publicKey: key.publicKey.rawRepresentation)
        #expect(try Ed25519PrivateKey(derRepresentation: der).rawRepresentation == key.rawRepresentation)
        let pem = "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString())\n-----END PRIVATE KEY-----\n"
        #expect(try Ed25519PrivateKey(pemRepresentation: pem).keyID == key.keyID)
    }

    @Test func pkcs8Version2WithAnotherPublicKeyIsRefused() throws {
        let key = try Self.testOneKey()
        let other = try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)).publicKey
        let der = Self.oneAsymmetricKey(seed: key.rawRepresentation, publicKey: other.rawRepresentation)
        let error = Self.capture { try Ed25519PrivateKey(derRepresentation: der) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("does not belong to its private key") == true)
        #expect(error.map { !$0.message.contains(rfc8032Vectors[0].secretKey) } == true)
    }

    // MARK: Errors

    /// An RSA-1024 and an X25519 public key written by `openssl genpkey … | openssl pkey -pubout`.
    static let rsaPublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDu1GLmLSI8kFOTzYIq+lV+8O0z
        22rc6NdcsAT+IEu4dRq0bZDSKJOSfKA9Iw4Fd9hQlhl++ENR4Ylj2YS8QPzMDDj9
        bMshvmyB1cnN3URRaCGzdPr/ags7888HJ+kGR8ObAOyqxTBAzUsWaiw3h2AQWP+a
        aBa7m5GvjtT8J0GeXQIDAQAB
        -----END PUBLIC KEY-----
        """
    static let x25519PublicPEM = """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VuAyEAM995mqiJD10u27MGATSYX/phtj8Px+6V/sm2ITJkuhQ=
        -----END PUBLIC KEY-----
        """

    struct BadPublicKey: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var message: String
        var testDescription: String { name }
    }

    static let badPublicKeys: [BadPublicKey] = {
        let base64 = "AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea"
        func wire(_ type: String, _ key: [UInt8], trailing: [UInt8] = []) -> String {
            func string(_ bytes: [UInt8]) -> [UInt8] {
                let n = UInt32(bytes.count)
                return [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + bytes
            }
            return Data(string(Array(type.utf8)) + string(key) + trailing).base64EncodedString()
        }
        let key = [UInt8](repeating: 0x11, count: 32)
        let identity = [1] + [UInt8](repeating: 0, count: 31)
        let spki: ([UInt8]) -> String = { bytes in
            let der: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + bytes
            return "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
        }
        return [
            BadPublicKey(name: "empty", text: "", message: "empty"),
            BadPublicKey(name: "RSA PEM", text: rsaPublicPEM, message: "This is an RSA key, not an Ed25519 key"),
            BadPublicKey(name: "X25519 PEM", text: x25519PublicPEM, message: "This is an X25519 key"),
            BadPublicKey(
                name: "private key given as public", text: testOnePrivatePEM,
                message: "Expected a public key but found a 'PRIVATE KEY' PEM block"),
            BadPublicKey(
                name: "certificate", text: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                message: "Expected a 'PUBLIC KEY' PEM block but found 'CERTIFICATE'"),
            BadPublicKey(
                name: "missing END", text: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n",
                message: "has no '-----END PUBLIC KEY-----' line"),
            BadPublicKey(
                name: "bad base64", text: "-----BEGIN PUBLIC KEY-----\nMCow*QYD\n-----END PUBLIC KEY-----\n",
                message: "does not contain valid base64"),
            BadPublicKey(
                name: "empty body", text: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                message: "does not contain valid base64"),
            BadPublicKey(
                name: "headers",
                text: "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END PUBLIC KEY-----\n",
                message: "has headers"),
            BadPublicKey(
                name: "truncated DER", text: spki(Array(key.dropLast())),
                message: "are not an Ed25519 SubjectPublicKeyInfo"),
            BadPublicKey(
                name: "extra DER byte", text: spki(key + [0]), message: "are not an Ed25519 SubjectPublicKeyInfo"),
            BadPublicKey(name: "small-order key in PEM", text: spki(identity), message: "small order"),
            BadPublicKey(
                name: "ssh-rsa", text: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDu1GLm user@host",
                message: "The OpenSSH key type is 'ssh-rsa'; only 'ssh-ed25519' keys are supported"),
            BadPublicKey(
                name: "authorized_keys options", text: "from=\"10.0.0.1\" ssh-ed25519 \(base64)",
                message: "authorized_keys options are not accepted"),
            BadPublicKey(
                name: "two lines", text: "ssh-ed25519 \(base64)\nssh-ed25519 \(base64)\n", message: "one line"),
            BadPublicKey(name: "no key field", text: "ssh-ed25519", message: "no base64 key field"),
            BadPublicKey(name: "OpenSSH bad base64", text: "ssh-ed25519 AAAA*", message: "not valid base64"),
            BadPublicKey(
                name: "wire type disagrees", text: "ssh-ed25519 \(wire("ssh-rsa", key))",
                message: "its encoded key is of type 'ssh-rsa'"),
            BadPublicKey(
                name: "trailing wire bytes", text: "ssh-ed25519 \(wire("ssh-ed25519", key, trailing: [0]))",
                message: "not the RFC 4253 wire form"),
            BadPublicKey(
                name: "short wire string", text: "ssh-ed25519 \(Data([0, 0, 0, 11, 0x73]).base64EncodedString())",
                message: "not the RFC 4253 wire form"),
            BadPublicKey(
                name: "31-byte key", text: "ssh-ed25519 \(wire("ssh-ed25519", Array(key.dropLast())))",
                message: "An Ed25519 public key is 32 bytes; got 31."),
            BadPublicKey(
                name: "small-order key in OpenSSH", text: "ssh-ed25519 \(wire("ssh-ed25519", identity))",
                message: "small order"),
        ]
    }()

    @Test(arguments: badPublicKeys)
    func badPublicKeyFilesAreRefusedWithAMessageSayingWhy(bad: BadPublicKey) {
        let error = Self.capture { try Ed25519PublicKey(parsing: bad.text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(bad.message) == true, "\(error?.message ?? "no error")")
    }

    @Test func badPrivateKeyFilesAreRefusedWithAMessageSayingWhy() {
        let cases: [(String, String)] = [
            (Self.testOnePublicPEM, "Expected a 'PRIVATE KEY' PEM block but found 'PUBLIC KEY'"),
            ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "are not supported"),
            ("ssh-ed25519 AAAA", "found no '-----BEGIN …-----' line"),
            (Self.rsaPublicPEM.replacingOccurrences(of: "PUBLIC", with: "PRIVATE"), "This is an RSA key"),
            (
                "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1h\n-----END PRIVATE KEY-----\n",
                "are not an unencrypted Ed25519 PKCS#8"
            ),
        ]
        for (text, message) in cases {
            let error = Self.capture { try Ed25519PrivateKey(pemRepresentation: text) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        }
    }

    // MARK: Helpers

    /// RFC 5958 OneAsymmetricKey v2: version 1, id-Ed25519, the seed, and the public key as [1] BIT STRING.
    static func oneAsymmetricKey(seed: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        [0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20] + seed
            + [0x81, 0x21, 0x00] + publicKey
    }

    static func capture<R>(_ body: () throws -> R) -> RegistryError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? RegistryError
        }
    }
}
