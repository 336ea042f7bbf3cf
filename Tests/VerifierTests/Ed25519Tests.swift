import CEd25519
import Foundation
import RegistryCore
import RegistryTestSupport
import Testing
import Verifier

/// Helpers shared by the Ed25519 test suites, in a namespace so they cannot collide with other tests in the target.
enum Ed25519Testing {
    /// Decodes test-data hex ("" is the empty message).
    static func hexBytes(_ text: String) throws -> [UInt8] {
        text.isEmpty ? [] : try #require(Digest.decodeHex(text), "bad hex in test data: \(text.prefix(20))")
    }

    /// SHA-512 through the C target.
    static func sha512(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 64)
        mr_sha512(&digest, bytes, bytes.count)
        return digest
    }

    /// The raw C verifier, bypassing the key-id and key checks of the Swift wrapper.
    static func rawVerify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        mr_ed25519_verify(signature, message, message.count, publicKey) == 1
    }
}

@Suite struct Ed25519Tests {
    // MARK: RFC 8032 section 7.1

    @Test(arguments: rfc8032Vectors)
    func publicKeyDerivationMatchesRFC8032(vector: Ed25519Vector) throws {
        let key = try Ed25519PrivateKey(seed: Ed25519Testing.hexBytes(vector.secretKey))
        #expect(key.publicKey.rawRepresentation == (try Ed25519Testing.hexBytes(vector.publicKey)))
        #expect(key.rawRepresentation == (try Ed25519Testing.hexBytes(vector.secretKey)))
    }

    @Test(arguments: rfc8032Vectors)
    func signatureBytesMatchRFC8032(vector: Ed25519Vector) throws {
        let key = try Ed25519PrivateKey(seed: Ed25519Testing.hexBytes(vector.secretKey))
        let signature = try key.signature(for: Ed25519Testing.hexBytes(vector.message))
        #expect(signature.bytes == (try Ed25519Testing.hexBytes(vector.signature)))
        #expect(signature.keyID == key.keyID)
        #expect(signature.algorithm == "ed25519")
    }

    @Test(arguments: rfc8032Vectors)
    func rfc8032SignaturesVerify(vector: Ed25519Vector) throws {
        let publicKey = try Ed25519PublicKey(rawRepresentation: Ed25519Testing.hexBytes(vector.publicKey))
        let signature = Signature(
            keyID: publicKey.keyID, algorithm: "ed25519", bytes: try Ed25519Testing.hexBytes(vector.signature))
        let message = try Ed25519Testing.hexBytes(vector.message)
        #expect(publicKey.isValidSignature(signature, for: message))
        #expect(!publicKey.isValidSignature(signature, for: message + [0]))
    }

    @Test func keyIDIsEd25519AndTheFirst16BytesOfTheSHA256OfTheKey() throws {
        // sha256(d75a9801…511a) = 21fe31dfa154a261626bf854046fd227…, computed with Python's hashlib.
        let key = try Ed25519PublicKey(rawRepresentation: Ed25519Testing.hexBytes(rfc8032Vectors[0].publicKey))
        #expect(key.keyID == "ed25519:21fe31dfa154a261626bf854046fd227")
        #expect(key.algorithm == "ed25519")
        let digest = SHA256Algorithm().hash(key.rawRepresentation)
        #expect(key.keyID == "ed25519:" + Digest.encodeHex(digest.bytes.prefix(16)))
    }

    // MARK: SHA-512 (FIPS 180-4)

    @Test(arguments: sha512Vectors)
    func sha512MatchesTheNISTVectors(vector: SHA512Vector) {
        #expect(Digest.encodeHex(Ed25519Testing.sha512(vector.message)) == vector.digest)
    }

    @Test(arguments: 0..<8)
    func sha512InRandomChunksMatchesOneShotHashing(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let message = random.nextBytes(count: Int.random(in: 0..<2_000, using: &random))
        var context = mr_sha512_ctx()
        mr_sha512_init(&context)
        var offset = 0
        while offset < message.count {
            let size = min(Int.random(in: 0...300, using: &random), message.count - offset)
            message[offset..<(offset + size)].withUnsafeBytes { mr_sha512_update(&context, $0.baseAddress, size) }
            offset += size
        }
        var digest = [UInt8](repeating: 0, count: 64)
        mr_sha512_final(&context, &digest)
        #expect(digest == Ed25519Testing.sha512(message))
        // Finalizing does not consume the state.
        var again = [UInt8](repeating: 0, count: 64)
        mr_sha512_final(&context, &again)
        #expect(again == digest)
    }

    // MARK: Strict verification: S

    @Test func signatureWithLAddedToSIsRejected() throws {
        let (key, message, signature) = try Self.sample()
        let s = UInt256(littleEndian: signature.bytes[32...])
        let sPlusL = s.addingReportingOverflow(Curve25519Oracle.l).partialValue
        // [S + L]B = [S]B, so only the range check stands between this and acceptance.
        let forged = Array(signature.bytes[..<32]) + sPlusL.littleEndianBytes
        #expect(!key.publicKey.isValidSignature(Self.resign(signature, forged), for: message))
        #expect(
            !Ed25519Testing.rawVerify(signature: forged, message: message, publicKey: key.publicKey.rawRepresentation))
        #expect(key.publicKey.isValidSignature(signature, for: message))
    }

    @Test func sEqualToLOrWithTheTopBitSetIsRejected() throws {
        let (key, message, signature) = try Self.sample()
        var equalToL = signature.bytes
        equalToL.replaceSubrange(32..<64, with: Curve25519Oracle.l.littleEndianBytes)
        #expect(
            !Ed25519Testing.rawVerify(signature: equalToL, message: message, publicKey: key.publicKey.rawRepresentation)
        )
        var topBit = signature.bytes
        topBit[63] |= 0x80
        #expect(
            !Ed25519Testing.rawVerify(signature: topBit, message: message, publicKey: key.publicKey.rawRepresentation))
    }

    /// A positive control for the crafted signatures below: the oracle recomputes S = r + k s (mod L) from the
    /// definitions and gets the bytes the C code produced, so crafting with it is trustworthy.
    @Test(arguments: rfc8032Vectors)
    func theOracleRecomputesTheSignatureScalar(vector: Ed25519Vector) throws {
        let seed = try Ed25519Testing.hexBytes(vector.secretKey)
        let message = try Ed25519Testing.hexBytes(vector.message)
        let key = try Ed25519PrivateKey(seed: seed)
        let signature = try key.signature(for: message)
        let expanded = Ed25519Testing.sha512(seed)
        let secret = Self.secretScalar(seed: seed)
        let r = Curve25519Oracle.scalars.reduce(littleEndian: Ed25519Testing.sha512(Array(expanded[32...]) + message))
        let k = Self.challenge(r: Array(signature.bytes[..<32]), publicKey: key.publicKey.rawRepresentation, message)
        let s = Curve25519Oracle.scalars.add(r, Curve25519Oracle.scalars.multiply(k, secret))
        #expect(s.littleEndianBytes == Array(signature.bytes[32...]))
    }

    // MARK: Strict verification: R

    @Test func nonCanonicalRIsRejectedEvenWhenItsReducedValueSatisfiesTheEquation() throws {
        // R = y of p + 1, which reduces to y = 1, the identity. With S = k s: [S]B = [k]A = identity + [k]A, so a
        // verifier that reduced R's y modulo p (and allowed a small-order R) would accept this for any message.
        let seed = [UInt8](repeating: 7, count: 32)
        let key = try Ed25519PrivateKey(seed: seed)
        let message = Array("non-canonical R".utf8)
        let r = Curve25519Oracle.p.addingReportingOverflow(UInt256(1)).partialValue.littleEndianBytes
        #expect(r.first == 0xEE && r.last == 0x7F)
        let forged = r + Self.forgedS(r: r, seed: seed, message: message)
        #expect(
            !Ed25519Testing.rawVerify(signature: forged, message: message, publicKey: key.publicKey.rawRepresentation))
    }

    @Test func smallOrderRIsRejectedEvenWhenTheEquationHolds() throws {
        // R = the identity, canonically encoded, S = k s: [S]B = R + [k]A holds exactly.
        let seed = [UInt8](repeating: 9, count: 32)
        let key = try Ed25519PrivateKey(seed: seed)
        let message = Array("small-order R".utf8)
        let identity = [1] + [UInt8](repeating: 0, count: 31)
        let forged = identity + Self.forgedS(r: identity, seed: seed, message: message)
        #expect(
            !Ed25519Testing.rawVerify(signature: forged, message: message, publicKey: key.publicKey.rawRepresentation))
    }

    @Test func rWithYAtLeastPIsRejected() throws {
        let (key, message, signature) = try Self.sample()
        for y in 0..<19 {
            var forged = signature.bytes
            let value = Curve25519Oracle.p.addingReportingOverflow(UInt256(UInt64(y))).partialValue
            forged.replaceSubrange(0..<32, with: value.littleEndianBytes)
            #expect(
                !Ed25519Testing.rawVerify(
                    signature: forged, message: message, publicKey: key.publicKey.rawRepresentation))
        }
    }

    // MARK: Strict verification: A

    @Test func everyEncodingWithYAtLeastPIsRefusedAsNonCanonical() throws {
        var canonicalPointsSeen = 0
        for y in 0..<19 {
            for sign: UInt8 in [0, 0x80] {
                var nonCanonical = Curve25519Oracle.p.addingReportingOverflow(UInt256(UInt64(y))).partialValue
                    .littleEndianBytes
                nonCanonical[31] |= sign
                #expect(mr_ed25519_check_public_key(nonCanonical) == Int32(MR_ED25519_KEY_NON_CANONICAL))
                let error = Self.capture { try Ed25519PublicKey(rawRepresentation: nonCanonical) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains("not canonically encoded") == true)

                // The same point written canonically (y < p) is judged on its merits instead.
                var canonical = UInt256(UInt64(y)).littleEndianBytes
                canonical[31] |= sign
                if mr_ed25519_check_public_key(canonical) == Int32(MR_ED25519_KEY_OK) { canonicalPointsSeen += 1 }
            }
        }
        // Some y < 19 are valid large-order points, so the refusals above are about the encoding alone.
        #expect(canonicalPointsSeen > 0)
    }

    @Test func xZeroWithTheSignBitSetIsRefused() {
        let minusZeroIdentity = [1] + [UInt8](repeating: 0, count: 30) + [0x80]
        var minusZeroOrder2 = Curve25519Oracle.field.negate(UInt256(1)).littleEndianBytes
        minusZeroOrder2[31] |= 0x80
        for bytes in [minusZeroIdentity, minusZeroOrder2] {
            #expect(mr_ed25519_check_public_key(bytes) == Int32(MR_ED25519_KEY_NON_CANONICAL))
        }
    }

    @Test func bytesThatAreNotACurvePointAreRefused() throws {
        // The oracle decides which small y have an x (y = 2, 7, 8, 11, 12, 13 do not); the C code must agree.
        var notOnCurve = 0
        for y in UInt64(2)..<14 {
            let bytes = UInt256(y).littleEndianBytes
            if Curve25519Oracle.squareRoot(Self.xSquared(y: UInt256(y))) == nil {
                #expect(mr_ed25519_check_public_key(bytes) == Int32(MR_ED25519_KEY_NOT_ON_CURVE), "y = \(y)")
                let error = Self.capture { try Ed25519PublicKey(rawRepresentation: bytes) }
                #expect(error?.message.contains("no point on the curve") == true)
                notOnCurve += 1
            } else {
                #expect(mr_ed25519_check_public_key(bytes) != Int32(MR_ED25519_KEY_NOT_ON_CURVE), "y = \(y)")
            }
        }
        #expect(notOnCurve == 6)
    }

    @Test func theEightSmallOrderPointsAreDerivedAndDistinct() {
        let points = Curve25519Oracle.smallOrderPoints()
        #expect(points.count == 8)
        for point in points {
            #expect(Curve25519Oracle.isOnCurve(x: point.x, y: point.y))
            if point.order == 8 {
                // [2]P has y = 0, so it is one of the order-4 points, so P has order 8.
                #expect(Curve25519Oracle.doubledY(x: point.x, y: point.y) == UInt256(0))
            }
        }
        let encodings = Set(points.map { Curve25519Oracle.encode(x: $0.x, y: $0.y) })
        #expect(encodings.count == 8)
        // The four that are easy to write down, as the RFC 8032 errata and libsodium's blocklist spell them.
        let zero = [UInt8](repeating: 0, count: 32)
        #expect(encodings.contains([1] + zero.dropFirst()))  // identity 0100…00
        #expect(encodings.contains([0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]))  // order 2 ecff…7f
        #expect(encodings.contains(zero))  // order 4 0000…00
        #expect(encodings.contains(zero.dropLast() + [0x80]))  // order 4 0000…80
    }

    @Test(arguments: Curve25519Oracle.smallOrderPoints().map { Curve25519Oracle.encode(x: $0.x, y: $0.y) })
    func everySmallOrderPublicKeyIsRefused(encoding: [UInt8]) {
        #expect(mr_ed25519_check_public_key(encoding) == Int32(MR_ED25519_KEY_SMALL_ORDER))
        let error = Self.capture { try Ed25519PublicKey(rawRepresentation: encoding) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("small order") == true)
    }

    @Test(arguments: Curve25519Oracle.smallOrderPoints().map { Curve25519Oracle.encode(x: $0.x, y: $0.y) })
    func aSmallOrderKeyDoesNotVerifyAForgeryThatSatisfiesTheEquation(encoding: [UInt8]) throws {
        // Borrow R = [r]B from an honest signature (the oracle recomputes r), set S = r, and pick a message whose
        // k is a multiple of 8. Then [k]A is the identity because A's order divides 8, so [S]B = R + [k]A holds
        // with an R of large order: only the small-order check on A stands in the way.
        let seed = [UInt8](repeating: 5, count: 32)
        let honest = try Ed25519PrivateKey(seed: seed).signature(for: Array("honest".utf8))
        let r = Array(honest.bytes[..<32])
        let nonce = Curve25519Oracle.scalars.reduce(
            littleEndian: Ed25519Testing.sha512(Array(Ed25519Testing.sha512(seed)[32...]) + Array("honest".utf8)))
        var found: [UInt8]? = nil
        for counter in 0..<512 {
            let message = Array("forgery \(counter)".utf8)
            if Self.challenge(r: r, publicKey: encoding, message).littleEndianBytes[0] & 7 == 0 {
                found = message
                break
            }
        }
        let message = try #require(found)
        let forged = r + nonce.littleEndianBytes
        #expect(!Ed25519Testing.rawVerify(signature: forged, message: message, publicKey: encoding))
        // Control: the honest S equals nonce + k s, so R really is [nonce]B and the forgery's equation holds.
        let publicKey = try Ed25519PrivateKey(seed: seed).publicKey.rawRepresentation
        let k = Self.challenge(r: r, publicKey: publicKey, Array("honest".utf8))
        let s = Curve25519Oracle.scalars.add(nonce, Curve25519Oracle.scalars.multiply(k, Self.secretScalar(seed: seed)))
        #expect(s.littleEndianBytes == Array(honest.bytes[32...]))
    }

    @Test func wrongLengthsAreRefused() {
        for count in [0, 31, 33, 64] {
            let bytes = [UInt8](repeating: 1, count: count)
            #expect(registryErrorCode { try Ed25519PrivateKey(seed: bytes) } == .invalidArgument)
            #expect(registryErrorCode { try Ed25519PublicKey(rawRepresentation: bytes) } == .invalidArgument)
        }
        let error = Self.capture { try Ed25519PrivateKey(seed: [UInt8](repeating: 0xAB, count: 31)) }
        #expect(error?.message == "An Ed25519 seed is 32 bytes; got 31.")
    }

    // MARK: Tampering

    @Test func everyFlippedMessageBitFails() throws {
        let (key, message, signature) = try Self.sample()
        for bit in 0..<(message.count * 8) {
            var tampered = message
            tampered[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!key.publicKey.isValidSignature(signature, for: tampered), "bit \(bit)")
        }
    }

    @Test func everyFlippedSignatureBitFails() throws {
        let (key, message, signature) = try Self.sample()
        for bit in 0..<512 {
            var tampered = signature.bytes
            tampered[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!key.publicKey.isValidSignature(Self.resign(signature, tampered), for: message), "bit \(bit)")
        }
    }

    @Test func everyFlippedKeyBitFails() throws {
        let (key, message, signature) = try Self.sample()
        for bit in 0..<256 {
            var tampered = key.publicKey.rawRepresentation
            tampered[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(
                !Ed25519Testing.rawVerify(signature: signature.bytes, message: message, publicKey: tampered),
                "bit \(bit)")
            // Through the Swift API, with the signature relabelled to the tampered key's id.
            if let other = try? Ed25519PublicKey(rawRepresentation: tampered) {
                let relabelled = Signature(keyID: other.keyID, algorithm: "ed25519", bytes: signature.bytes)
                #expect(!other.isValidSignature(relabelled, for: message), "bit \(bit)")
            }
        }
    }

    @Test func aSignatureNamingAnotherKeyOrAlgorithmIsInvalid() throws {
        let (key, message, signature) = try Self.sample()
        #expect(key.publicKey.isValidSignature(signature, for: message))
        var otherKey = signature
        otherKey.keyID = "ed25519:00000000000000000000000000000000"
        #expect(!key.publicKey.isValidSignature(otherKey, for: message))
        var otherAlgorithm = signature
        otherAlgorithm.algorithm = "ed448"
        #expect(!key.publicKey.isValidSignature(otherAlgorithm, for: message))
        var uppercase = signature
        uppercase.algorithm = "Ed25519"
        #expect(!key.publicKey.isValidSignature(uppercase, for: message))
        for count in [0, 63, 65] {
            var wrongLength = signature
            wrongLength.bytes = Array(signature.bytes.prefix(count)) + [UInt8](repeating: 0, count: max(0, count - 64))
            #expect(!key.publicKey.isValidSignature(wrongLength, for: message))
        }
        let stranger = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))
        let strangerSignature = try stranger.signature(for: message)
        #expect(!key.publicKey.isValidSignature(Self.resign(signature, strangerSignature.bytes), for: message))
    }

    // MARK: Properties

    @Test(arguments: 0..<32)
    func signAndVerifyRoundTripOnRandomKeysAndMessages(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let key = try Ed25519PrivateKey(seed: random.nextBytes(count: 32))
        let message = random.nextBytes(count: Int.random(in: 0..<4_096, using: &random))
        let signature = try key.signature(for: message)
        #expect(signature.bytes.count == 64)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(try key.signature(for: message) == signature, "Ed25519 signing is deterministic")
        // The public key survives a round trip through its raw bytes, and the key id with it.
        let reloaded = try Ed25519PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
        #expect(reloaded == key.publicKey)
        #expect(reloaded.keyID == key.keyID)
        #expect(reloaded.isValidSignature(signature, for: message))
        if !message.isEmpty {
            var changed = message
            changed[Int.random(in: 0..<changed.count, using: &random)] &+= 1
            #expect(!key.publicKey.isValidSignature(signature, for: changed))
        }
    }

    @Test func generatedKeysAreDistinctAndWork() throws {
        let first = try Ed25519PrivateKey.generate()
        let second = try Ed25519PrivateKey.generate()
        #expect(first.rawRepresentation != second.rawRepresentation)
        #expect(first.keyID != second.keyID)
        let message = Array("hello".utf8)
        #expect(first.publicKey.isValidSignature(try first.signature(for: message), for: message))
    }

    @Test func descriptionsNeverShowTheSeed() throws {
        let seed = try Ed25519Testing.hexBytes(rfc8032Vectors[0].secretKey)
        let key = try Ed25519PrivateKey(seed: seed)
        var dumped = ""
        dump(key, to: &dumped)
        let renderings = [
            key.description, key.debugDescription, String(describing: key), String(reflecting: key), dumped,
        ]
        let secrets = [
            rfc8032Vectors[0].secretKey, Data(seed).base64EncodedString(), "\(seed)", "157, 97, 177",
        ]
        for text in renderings {
            #expect(text.contains(key.keyID), "\(text)")
            for secret in secrets { #expect(!text.contains(secret), "\(text)") }
        }
        #expect(key.description == "Ed25519PrivateKey(ed25519:21fe31dfa154a261626bf854046fd227)")
        #expect(key.publicKey.description == "Ed25519PublicKey(ed25519:21fe31dfa154a261626bf854046fd227)")
    }

    @Test func aKeyIsUsableThroughTheSignerAndSignatureVerifierProtocols() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32))
        let signer: any Signer = key
        let verifier: any SignatureVerifier = key.publicKey
        let message = Array("canonical manifest bytes".utf8)
        let signature = try signer.signature(for: message)
        #expect(signer.algorithm == "ed25519")
        #expect(verifier.keyID == signer.keyID)
        #expect(verifier.isValidSignature(signature, for: message))
    }

    // MARK: Helpers

    /// A key, a message and its signature.
    static func sample() throws -> (Ed25519PrivateKey, [UInt8], Signature) {
        let key = try Ed25519PrivateKey(seed: Ed25519Testing.hexBytes(rfc8032Vectors[2].secretKey))
        let message = Array("model-registry manifest".utf8)
        return (key, message, try key.signature(for: message))
    }

    /// `signature` with other bytes.
    static func resign(_ signature: Signature, _ bytes: [UInt8]) -> Signature {
        Signature(keyID: signature.keyID, algorithm: signature.algorithm, bytes: bytes)
    }

    /// The clamped secret scalar of a seed, reduced modulo L.
    static func secretScalar(seed: [UInt8]) -> UInt256 {
        var scalar = Array(Ed25519Testing.sha512(seed)[..<32])
        scalar[0] &= 248
        scalar[31] &= 127
        scalar[31] |= 64
        return Curve25519Oracle.scalars.reduce(littleEndian: scalar)
    }

    /// k = SHA-512(R || A || M) mod L.
    static func challenge(r: [UInt8], publicKey: [UInt8], _ message: [UInt8]) -> UInt256 {
        Curve25519Oracle.scalars.reduce(littleEndian: Ed25519Testing.sha512(r + publicKey + message))
    }

    /// S = k s (mod L) for a chosen R: makes [S]B = [k]A, so the equation holds when R encodes the identity.
    static func forgedS(r: [UInt8], seed: [UInt8], message: [UInt8]) -> [UInt8] {
        let key = (try? Ed25519PrivateKey(seed: seed))?.publicKey.rawRepresentation ?? []
        let k = challenge(r: r, publicKey: key, message)
        return Curve25519Oracle.scalars.multiply(k, secretScalar(seed: seed)).littleEndianBytes
    }

    /// x^2 = (y^2 - 1) / (d y^2 + 1) for a given y.
    static func xSquared(y: UInt256) -> UInt256 {
        let field = Curve25519Oracle.field
        let y2 = field.multiply(y, y)
        let numerator = field.subtract(y2, UInt256(1))
        let denominator = field.add(field.multiply(Curve25519Oracle.d, y2), UInt256(1))
        return field.multiply(numerator, field.inverse(denominator))
    }

    /// The RegistryError thrown by `body`, if any.
    static func capture<R>(_ body: () throws -> R) -> RegistryError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? RegistryError
        }
    }
}
