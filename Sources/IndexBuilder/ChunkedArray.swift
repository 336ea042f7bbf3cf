/// An array stored in chunks of a fixed size, so that a reader walking it in order can let the part it has passed
/// go: a rebuild's listing of `artifacts/` and the log's registration facts are each tens of MiB at a million
/// artifacts, and the scan passes over both once, in id order, while the index it builds grows — without
/// releasing them, the end of the scan held all three.
struct ChunkedArray<Element> {
    /// Elements per chunk by default (64 Ki: a few MiB of keys or facts, so little is held past the point
    /// released).
    static var defaultChunkSize: Int { 1 << 16 }

    /// Elements per chunk.
    let chunkSize: Int

    private var chunks: [[Element]] = []
    /// The number of chunks at the front that were released.
    private var releasedChunks = 0
    /// The number of elements.
    private(set) var count = 0

    /// Takes `elements`, chunk by chunk.
    ///
    /// - Parameter chunkSize: elements per chunk (tests choose small ones).
    init(_ elements: [Element], chunkSize: Int = defaultChunkSize) {
        self.chunkSize = max(1, chunkSize)
        var start = 0
        while start < elements.count {
            let end = min(elements.count, start + chunkSize)
            chunks.append(Array(elements[start..<end]))
            start = end
        }
        count = elements.count
    }

    /// The first index not released: every index below it may be gone.
    var firstHeldIndex: Int { min(count, releasedChunks * chunkSize) }

    /// The element at `index`, which must not be released.
    subscript(index: Int) -> Element {
        precondition(index >= firstHeldIndex, "ChunkedArray: element \(index) was released")
        return chunks[index / chunkSize][index % chunkSize]
    }

    /// Releases every chunk that lies wholly below `index`.
    mutating func release(below index: Int) {
        let end = index >= count ? chunks.count : index / chunkSize
        while releasedChunks < end {
            chunks[releasedChunks] = []
            releasedChunks += 1
        }
    }

    /// The first held index whose element is not `before` the searched value (binary search over held elements,
    /// which must be sorted), or `count`.
    func partitioningIndex(where isBefore: (Element) -> Bool) -> Int {
        var low = firstHeldIndex
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
