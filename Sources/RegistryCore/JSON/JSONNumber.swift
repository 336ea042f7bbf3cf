/// A JSON number that remembers how it was written.
///
/// Registry documents are hashed and signed over their canonical bytes (RFC 8785), and RFC 8785 treats every
/// number as an IEEE 754 double. A number therefore has two faces, and this type keeps both:
///
/// - ``literal`` is the lexeme exactly as it appeared in the source (or the canonical form, for a number built
///   in code). Error messages quote it, and ``integerValue`` is derived from it, so `1.0` is never mistaken for
///   the integer `1`.
/// - ``doubleValue`` is the value every conforming reader agrees on; ``canonicalLiteral`` is how
///   ``CanonicalJSON/encode(_:)`` writes it.
///
/// Two numbers are equal when they denote the same double, which is exactly when their canonical forms are the
/// same: `1`, `1.0` and `1e0` are equal, and so are `0` and `-0`. Compare ``literal`` if spelling matters.
///
/// Values are always finite: the parser rejects numbers that overflow a double, and ``init(_:)-(Double)``
/// refuses NaN and infinities.
///
/// ```swift
/// let size = JSONNumber(4096)                 // literal "4096", integerValue 4096
/// let ratio = JSONNumber(0.25)                // Optional: nil for NaN and ±infinity
/// JSONNumber(literal: "1.0")?.integerValue    // nil: a fraction is never an integer
/// ```
///
/// `JSONNumber` is `Sendable`: it is an immutable value.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The number as written in the source document, or the canonical form for a number built in code.
    ///
    /// Kept so that error messages can quote what the author wrote and so that ``integerValue`` can tell
    /// `1` from `1.0`.
    public let literal: String

    /// The value as a signed 64-bit integer, when ``literal`` is written as a plain integer.
    ///
    /// Non-`nil` only when the lexeme matches `-?(0|[1-9][0-9]*)` and fits in `Int64`: `1.0`, `1e2` and
    /// `10000000000000000000` all give `nil`, so a document cannot smuggle a fraction or an exponent into a
    /// field that must be a count. `-0` is written as an integer and gives `0`, which is also what its
    /// canonical form (`0`) gives.
    ///
    /// Values beyond ±2^53 are returned as written, but they do not survive canonicalisation exactly
    /// (RFC 8785 serialises the nearest double); ``JSONObjectReader/integer(_:)`` therefore refuses them.
    public let integerValue: Int64?

    /// The value as an IEEE 754 double: what every RFC 8785 reader agrees the number means.
    ///
    /// Always finite. For a parsed `-0` this is `-0.0`; for a number built from a `Double` it is the value of
    /// its canonical form.
    public let doubleValue: Double

    /// Creates a number from its parts without checking them; the parser has already validated the lexeme.
    init(uncheckedLiteral literal: String, doubleValue: Double, integerValue: Int64?) {
        self.literal = literal
        self.doubleValue = doubleValue
        self.integerValue = integerValue
    }

    /// Creates an integer number, for writing counts, sizes and versions into documents.
    ///
    /// - Parameter value: The integer. Values beyond ±2^53 are accepted but are canonicalised to the nearest
    ///   double, like every RFC 8785 implementation does; keep document integers within ±(2^53 − 1).
    public init(_ value: Int) {
        self.init(Int64(value))
    }

    /// Creates an integer number, for writing counts, sizes and versions into documents.
    ///
    /// - Parameter value: The integer. Values beyond ±2^53 are accepted but are canonicalised to the nearest
    ///   double, like every RFC 8785 implementation does; keep document integers within ±(2^53 − 1).
    public init(_ value: Int64) {
        self.literal = String(value)
        self.integerValue = value
        self.doubleValue = Double(value)
    }

    /// Creates a number from a double, or `nil` for NaN and infinities, which JSON cannot represent.
    ///
    /// The ``literal`` is the canonical ECMAScript form, so the result is indistinguishable from parsing the
    /// canonical text: `JSONNumber(1.0)` has literal `"1"` and integer value `1`, and `JSONNumber(-0.0)` is `0`.
    ///
    /// - Parameter value: Any double.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        let text = JSONNumber.canonicalText(for: value)
        self.literal = text
        self.doubleValue = value == 0 ? 0 : value
        self.integerValue = JSONNumber.plainIntegerValue(text.utf8)
    }

    /// Parses a single JSON number lexeme, or returns `nil` when `literal` is not exactly one strict RFC 8259
    /// number (no surrounding whitespace, no `+`, no leading zeros, finite as a double).
    ///
    /// Lets code build a number that keeps a particular spelling, for tests or for re-emitting a document.
    ///
    /// - Parameter literal: The text of the number, for example `"-12.5e3"`.
    public init?(literal: String) {
        guard let first = literal.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
            case .number(let number)? = try? CanonicalJSON.parse(literal.utf8, source: "<number>"),
            number.literal.utf8.elementsEqual(literal.utf8)
        else { return nil }
        self = number
    }

    /// Creates an integer number from a literal such as `42`, so tests and document builders can write
    /// `.number(42)`.
    public init(integerLiteral value: Int64) {
        self.init(value)
    }

    /// The text ``CanonicalJSON/encode(_:)`` writes for this number: ECMAScript `Number::toString` of
    /// ``doubleValue``, as RFC 8785 §3.2.2.3 requires.
    ///
    /// - Complexity: O(1) for integers up to 2^53; otherwise formats the double once per call.
    public var canonicalLiteral: String {
        JSONNumber.canonicalText(for: doubleValue)
    }

    /// The number as written (``literal``), so messages quote what the author wrote.
    public var description: String { literal }

    /// Numbers are equal when they denote the same double, that is, when their canonical forms are equal.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.doubleValue == rhs.doubleValue
    }

    /// Hashes the double value, consistently with `==` (`0` and `-0` hash alike).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(doubleValue)
    }
}

// MARK: - Lexeme helpers

extension JSONNumber {
    /// 2^53: every integer of at most this magnitude is an exact double and prints as plain decimal.
    static let exactIntegerLimit: Double = 9_007_199_254_740_992

    /// The value of a validated number lexeme when it is a plain integer within `Int64`, else `nil`.
    ///
    /// The lexeme must already match the RFC 8259 number grammar; this only decides integer-ness and range.
    static func plainIntegerValue(_ lexeme: some Sequence<UInt8>) -> Int64? {
        var iterator = lexeme.makeIterator()
        guard var byte = iterator.next() else { return nil }
        let isNegative = byte == UInt8(ascii: "-")
        if isNegative {
            guard let next = iterator.next() else { return nil }
            byte = next
        }
        // Accumulate negatively so that Int64.min fits.
        var value: Int64 = 0
        while true {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = scaled.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            guard let following = iterator.next() else { break }
            byte = following
        }
        if isNegative { return value }
        guard value != Int64.min else { return nil }
        return -value
    }
}

// MARK: - ECMAScript Number::toString

extension JSONNumber {
    /// Formats a finite double the way ECMAScript `Number::toString` does (ECMA-262 §6.1.6.1.20), which is
    /// the number serialisation RFC 8785 §3.2.2.3 prescribes.
    ///
    /// The shortest digits that round-trip come from Swift's `Double.description`, which produces the shortest,
    /// closest decimal; only the layout is ECMAScript's.
    static func canonicalText(for value: Double) -> String {
        precondition(value.isFinite, "JSON numbers are always finite")
        if value == 0 { return "0" }  // covers -0, which ECMAScript prints as "0"
        if value.rounded(.towardZero) == value, value.magnitude <= exactIntegerLimit {
            return String(Int64(value))
        }
        let isNegative = value < 0
        let (digits, pointPosition) = shortestDigits(of: value.magnitude)
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 8)
        if isNegative { out.append(UInt8(ascii: "-")) }
        let k = digits.count
        let n = pointPosition
        if k <= n && n <= 21 {
            // Integer: digits followed by n - k zeros.
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            // Decimal point inside the digits.
            out.append(contentsOf: digits[0..<n])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[n...])
        } else if -6 < n && n <= 0 {
            // Small: "0." then -n zeros then the digits.
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            out.append(contentsOf: digits)
        } else {
            // Exponential: d[.ddd]e±x with exponent n - 1.
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            let exponent = n - 1
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: String(exponent.magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a positive finite double into its shortest round-trip decimal digits (no leading or trailing
    /// zeros) and the position `n` of the decimal point, so that value = 0.d₁d₂…dₖ × 10ⁿ.
    static func shortestDigits(of value: Double) -> (digits: [UInt8], pointPosition: Int) {
        // Double.description yields forms such as "1.0", "0.001", "1e-05", "1.2345e+20", "5e-324".
        let text = Array(value.description.utf8)
        var mantissaEnd = text.count
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissaEnd = e
            var index = e + 1
            var negative = false
            if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                negative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            while index < text.count {
                exponent = exponent * 10 + Int(text[index] &- 0x30)
                index += 1
            }
            if negative { exponent = -exponent }
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var integerDigitCount = 0
        var seenPoint = false
        for byte in text[0..<mantissaEnd] {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte >= 0x30, byte <= 0x39 {
                digits.append(byte)
                if !seenPoint { integerDigitCount += 1 }
            }
        }
        var pointPosition = integerDigitCount + exponent
        // Strip leading zeros, moving the point left for each.
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        if leading > 0 {
            digits.removeFirst(leading)
            pointPosition -= leading
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, pointPosition)
    }
}
