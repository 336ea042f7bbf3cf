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
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = String(text[..<colon])
        let hex = text[text.index(after: colon)...]
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }),
            let bytes = Digest.decodeHex(hex)
        else { return nil }
        self.init(algorithm: name, bytes: bytes)
    }

    /// The digest bytes as lowercase hexadecimal.
    public var hex: String { Digest.encodeHex(bytes) }

    public var description: String { "\(algorithm):\(hex)" }

    /// Encodes bytes as lowercase hexadecimal.
    public static func encodeHex(_ bytes: some Sequence<UInt8>) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes non-empty, even-length lowercase hexadecimal; returns `nil` for anything else.
    public static func decodeHex(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
