#if SQLite
    /// The text form of a list of strings in one column (docs/FORMAT.md §16.2): each item as its UTF-8 byte count
    /// in decimal, a colon, then the item, with nothing between items (`3:ocr4:nlp2`… is `["ocr", "nlp2"]`).
    ///
    /// Any text can be an item (colons, newlines, NUL included), and reading it back needs no JSON parser: a
    /// query returning thousands of summaries decodes each one in a few passes over its bytes.
    enum SQLiteFieldCodec {
        /// Encodes `items` in order.
        static func encode(_ items: [String]) -> String {
            var result = ""
            for item in items {
                result += String(item.utf8.count)
                result += ":"
                result += item
            }
            return result
        }

        /// Decodes a column written by ``encode(_:)``.
        ///
        /// - Returns: the items, or nil when `text` is not such a list (a length that is not a number, or runs
        ///   past the end, or cuts a character in two).
        static func decode(_ text: String) -> [String]? {
            var copy = text
            return copy.withUTF8 { bytes -> [String]? in
                var items: [String] = []
                var index = 0
                while index < bytes.count {
                    var length = 0
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                        length = length * 10 + Int(bytes[index] - 0x30)
                        digits += 1
                        index += 1
                        if digits > 9 { return nil }
                    }
                    guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard length <= bytes.count - index else { return nil }
                    let slice = UnsafeBufferPointer(rebasing: bytes[index..<(index + length)])
                    guard let item = String(validating: slice, as: UTF8.self) else { return nil }
                    items.append(item)
                    index += length
                }
                return items
            }
        }
    }
#endif
