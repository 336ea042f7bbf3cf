/// A message digest: the algorithm that made it and its bytes.
///
/// Prints as `<algorithm>:<lowercase hex>`, the form manifests use (`sha256:9f86d0…`), matching OCI digests.
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    /// The algorithm name as written into manifests, for example `sha256`.
    public let algorithm: String
    /// The raw digest bytes.
    public let bytes: [UInt8]

    /// Creates a digest from an algorithm name and raw bytes.
    public init(algorithm: String, bytes: [UInt8]) {
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses `<algorithm>:<lowercase hex>`; returns `nil` when the text is not of that form.
    ///
    /// Upper-case hex is refused so that one digest has exactly one spelling.
    public init?(parsing text: String) {
        guard let parsed = Digest.parse(text.utf8, separator: UInt8(ascii: ":")) else { return nil }
        self = parsed
    }

    /// Parses `<algorithm><separator><lowercase hex>` from UTF-8 without intermediate strings: ids and digests are
    /// parsed once per audit event and per manifest entry, so this is on the hot path of `fsck` and rebuilds.
    static func parse(_ utf8: String.UTF8View, separator: UInt8) -> Digest? {
        guard let split = utf8.firstIndex(of: separator), split != utf8.startIndex else { return nil }
        let name = utf8[..<split]
        guard name.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }),
            let bytes = decodeHex(utf8[utf8.index(after: split)...])
        else { return nil }
        return Digest(algorithm: String(Substring(name)), bytes: bytes)
    }

    /// The digest bytes as lowercase hexadecimal.
    public var hex: String { Digest.encodeHex(bytes) }

    public var description: String { "\(algorithm):\(hex)" }

    /// Encodes bytes as lowercase hexadecimal.
    public static func encodeHex(_ bytes: some Sequence<UInt8>) -> String {
        let bytes = Array(bytes)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var index = 0
            for byte in bytes {
                out[index] = hexDigit(byte >> 4)
                out[index + 1] = hexDigit(byte & 0x0F)
                index += 2
            }
            return index
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    /// Decodes non-empty, even-length lowercase hexadecimal; returns `nil` for anything else.
    public static func decodeHex(_ text: some StringProtocol) -> [UInt8]? {
        decodeHex(Substring(text).utf8)
    }

    static func decodeHex(_ utf8: Substring.UTF8View) -> [UInt8]? {
        // Native strings are contiguous: decode straight from their storage.
        if let decoded = utf8.withContiguousStorageIfAvailable({ decodeHex(bytes: $0) }) { return decoded }
        return decodeHex(bytes: Array(utf8))
    }

    private static func decodeHex(bytes text: some Collection<UInt8>) -> [UInt8]? {
        let count = text.count
        guard count > 0, count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out = [UInt8](repeating: 0, count: count / 2)
        var valid = true
        var index = text.startIndex
        out.withUnsafeMutableBufferPointer { out in
            for position in 0..<out.count {
                let next = text.index(after: index)
                guard let high = nibble(text[index]), let low = nibble(text[next]) else {
                    valid = false
                    return
                }
                out[position] = high << 4 | low
                index = text.index(after: next)
            }
        }
        return valid ? out : nil
    }
}
