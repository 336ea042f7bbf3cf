/// Plain modular arithmetic for the Ed25519 tests: an oracle written differently from the C target (256-bit
/// integers as four words, multiplication by double-and-add, exponentiation by square-and-multiply), so that
/// tests can derive special points and craft signatures without trusting the code under test.
///
/// Slow (a multiplication is 256 modular additions) and not constant time; fine for a few dozen operations.
struct UInt256: Hashable, Comparable, CustomStringConvertible {
    /// Little-endian 64-bit words.
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(_ w0: UInt64, _ w1: UInt64 = 0, _ w2: UInt64 = 0, _ w3: UInt64 = 0) {
        words = (w0, w1, w2, w3)
    }

    /// Reads up to 32 little-endian bytes.
    init(littleEndian bytes: some Collection<UInt8>) {
        precondition(bytes.count <= 32, "UInt256 holds at most 32 bytes")
        var w: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() { w[index / 8] |= UInt64(byte) << (8 * UInt64(index % 8)) }
        self.init(w[0], w[1], w[2], w[3])
    }

    subscript(word index: Int) -> UInt64 {
        get {
            switch index {
            case 0: return words.0
            case 1: return words.1
            case 2: return words.2
            default: return words.3
            }
        }
        set {
            switch index {
            case 0: words.0 = newValue
            case 1: words.1 = newValue
            case 2: words.2 = newValue
            default: words.3 = newValue
            }
        }
    }

    /// 32 little-endian bytes.
    var littleEndianBytes: [UInt8] {
        (0..<32).map { UInt8(truncatingIfNeeded: self[word: $0 / 8] >> (8 * UInt64($0 % 8))) }
    }

    func bit(_ index: Int) -> Bool { (self[word: index >> 6] >> UInt64(index & 63)) & 1 == 1 }

    var isZero: Bool { self == UInt256(0) }

    var isOdd: Bool { bit(0) }

    func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, c0) = words.0.addingReportingOverflow(other.words.0)
        let (t1, c1) = words.1.addingReportingOverflow(other.words.1)
        let (s1, d1) = t1.addingReportingOverflow(c0 ? 1 : 0)
        let (t2, c2) = words.2.addingReportingOverflow(other.words.2)
        let (s2, d2) = t2.addingReportingOverflow(c1 || d1 ? 1 : 0)
        let (t3, c3) = words.3.addingReportingOverflow(other.words.3)
        let (s3, d3) = t3.addingReportingOverflow(c2 || d2 ? 1 : 0)
        return (UInt256(s0, s1, s2, s3), c3 || d3)
    }

    func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, b0) = words.0.subtractingReportingOverflow(other.words.0)
        let (t1, b1) = words.1.subtractingReportingOverflow(other.words.1)
        let (s1, e1) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (t2, b2) = words.2.subtractingReportingOverflow(other.words.2)
        let (s2, e2) = t2.subtractingReportingOverflow(b1 || e1 ? 1 : 0)
        let (t3, b3) = words.3.subtractingReportingOverflow(other.words.3)
        let (s3, e3) = t3.subtractingReportingOverflow(b2 || e2 ? 1 : 0)
        return (UInt256(s0, s1, s2, s3), b3 || e3)
    }

    /// self >> count, for count in 0..<64.
    func shiftedRight(_ count: Int) -> UInt256 {
        guard count > 0 else { return self }
        var result = UInt256(0)
        for i in 0..<4 {
            let high = i < 3 ? self[word: i + 1] << UInt64(64 - count) : 0
            result[word: i] = (self[word: i] >> UInt64(count)) | high
        }
        return result
    }

    static func == (a: UInt256, b: UInt256) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    func hash(into hasher: inout Hasher) {
        for i in 0..<4 { hasher.combine(self[word: i]) }
    }

    static func < (a: UInt256, b: UInt256) -> Bool {
        if a.words.3 != b.words.3 { return a.words.3 < b.words.3 }
        if a.words.2 != b.words.2 { return a.words.2 < b.words.2 }
        if a.words.1 != b.words.1 { return a.words.1 < b.words.1 }
        return a.words.0 < b.words.0
    }

    var description: String {
        let digits = Array("0123456789abcdef")
        return String(littleEndianBytes.reversed().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}

/// Integers modulo an odd modulus below 2^256.
struct ResidueRing {
    let modulus: UInt256

    func add(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow || sum >= modulus ? sum.subtractingReportingOverflow(modulus).partialValue : sum
    }

    func subtract(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (difference, borrow) = a.subtractingReportingOverflow(b)
        return borrow ? difference.addingReportingOverflow(modulus).partialValue : difference
    }

    func negate(_ a: UInt256) -> UInt256 { subtract(UInt256(0), a) }

    func multiply(_ a: UInt256, _ b: UInt256) -> UInt256 {
        var result = UInt256(0)
        for i in (0..<256).reversed() {
            result = add(result, result)
            if b.bit(i) { result = add(result, a) }
        }
        return result
    }

    func power(_ base: UInt256, _ exponent: UInt256) -> UInt256 {
        var result = UInt256(1)
        for i in (0..<256).reversed() {
            result = multiply(result, result)
            if exponent.bit(i) { result = multiply(result, base) }
        }
        return result
    }

    /// a^-1 by Fermat; the modulus must be prime.
    func inverse(_ a: UInt256) -> UInt256 {
        power(a, modulus.subtractingReportingOverflow(UInt256(2)).partialValue)
    }

    /// Reduces a little-endian integer of any length (a SHA-512 digest, say).
    func reduce(littleEndian bytes: [UInt8]) -> UInt256 {
        var result = UInt256(0)
        for byte in bytes.reversed() {
            for bit in (0..<8).reversed() {
                result = add(result, result)
                if (byte >> UInt8(bit)) & 1 == 1 { result = add(result, UInt256(1)) }
            }
        }
        return result
    }
}

/// Ed25519's constants and a few curve facts, derived from their definitions in RFC 8032 section 5.1.
enum Curve25519Oracle {
    /// p = 2^255 - 19.
    static let p = UInt256(0xFFFF_FFFF_FFFF_FFED, .max, .max, 0x7FFF_FFFF_FFFF_FFFF)
    /// L = 2^252 + 27742317777372353535851937790883648493.
    static let l = UInt256(0x5812_631A_5CF5_D3ED, 0x14DE_F9DE_A2F7_9CD6, 0, 0x1000_0000_0000_0000)

    static let field = ResidueRing(modulus: p)
    static let scalars = ResidueRing(modulus: l)

    /// d = -121665 / 121666.
    static let d = field.multiply(field.negate(UInt256(121_665)), field.inverse(UInt256(121_666)))

    /// sqrt(-1) = 2^((p-1)/4).
    static let sqrtMinusOne = field.power(
        UInt256(2), p.subtractingReportingOverflow(UInt256(1)).partialValue.shiftedRight(2))

    /// A square root of a, or nil when a is not a square (RFC 8032 section 5.1.3's method).
    static func squareRoot(_ a: UInt256) -> UInt256? {
        let exponent = p.addingReportingOverflow(UInt256(3)).partialValue.shiftedRight(3)
        let candidate = field.power(a, exponent)
        let square = field.multiply(candidate, candidate)
        if square == a { return candidate }
        if square == field.negate(a) { return field.multiply(candidate, sqrtMinusOne) }
        return nil
    }

    /// Whether (x, y) satisfies -x^2 + y^2 = 1 + d x^2 y^2.
    static func isOnCurve(x: UInt256, y: UInt256) -> Bool {
        let x2 = field.multiply(x, x)
        let y2 = field.multiply(y, y)
        let left = field.subtract(y2, x2)
        let right = field.add(UInt256(1), field.multiply(d, field.multiply(x2, y2)))
        return left == right
    }

    /// The RFC 8032 encoding of (x, y): y little-endian, the low bit of x in bit 255.
    static func encode(x: UInt256, y: UInt256) -> [UInt8] {
        var bytes = y.littleEndianBytes
        if x.isOdd { bytes[31] |= 0x80 }
        return bytes
    }

    /// The y coordinate of [2](x, y): (y^2 + x^2) / (2 + x^2 - y^2) on -x^2 + y^2 = 1 + d x^2 y^2.
    static func doubledY(x: UInt256, y: UInt256) -> UInt256 {
        let x2 = field.multiply(x, x)
        let y2 = field.multiply(y, y)
        let numerator = field.add(y2, x2)
        let denominator = field.subtract(field.add(UInt256(2), x2), y2)
        return field.multiply(numerator, field.inverse(denominator))
    }

    /// The 8 points of small order, as (x, y), derived from the curve equation:
    /// - order 1 and 2: x = 0, so y^2 = 1: (0, 1) and (0, -1);
    /// - order 4: y = 0, so -x^2 = 1: (±sqrt(-1), 0);
    /// - order 8: [2]P must be of order 4, so y([2]P) = 0, which means x^2 = -y^2; putting that into the curve
    ///   equation gives d y^4 + 2 y^2 - 1 = 0, so y^2 = (-1 ± sqrt(1 + d)) / d, and x = ±sqrt(-1) y.
    static func smallOrderPoints() -> [(order: Int, x: UInt256, y: UInt256)] {
        var points: [(order: Int, x: UInt256, y: UInt256)] = [
            (1, UInt256(0), UInt256(1)),
            (2, UInt256(0), field.negate(UInt256(1))),
            (4, sqrtMinusOne, UInt256(0)),
            (4, field.negate(sqrtMinusOne), UInt256(0)),
        ]
        guard let root = squareRoot(field.add(UInt256(1), d)) else { return points }
        let inverseD = field.inverse(d)
        for signed in [root, field.negate(root)] {
            let ySquared = field.multiply(field.subtract(signed, UInt256(1)), inverseD)
            guard let y = squareRoot(ySquared) else { continue }
            let x = field.multiply(sqrtMinusOne, y)
            for (px, py) in [(x, y), (field.negate(x), y), (x, field.negate(y)), (field.negate(x), field.negate(y))] {
                points.append((8, px, py))
            }
        }
        return points
    }
}
