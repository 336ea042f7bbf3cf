import RegistryCore

/// The strings of every summary as provisional ``StringPool`` numbers, while ``BinaryIndexEncoder`` waits for the
/// pool to be sorted.
///
/// Flat: one array per kind of string for all summaries, and per summary the index where its part starts, so that
/// a rebuild of a large registry holds a few large arrays instead of several small heap arrays per artifact.
struct PendingStrings {
    /// One summary's single strings; `registeredAt` and `state` are -1 when absent.
    struct Entry {
        var id: Int32
        var name: Int32
        var nameKey: Int32
        var registeredAt: Int32
        var state: Int32
        var capabilitiesStart: Int32
        var labelsStart: Int32
        var parentsStart: Int32
        var tokensStart: Int32
        var cardStart: Int32
        var evaluationsStart: Int32
    }

    private(set) var entries: [Entry] = []
    private var capabilityNumbers: [(raw: Int32, key: Int32)] = []
    private var labelNumbers: [(key: Int32, value: Int32, matchKey: Int32, matchValue: Int32)] = []
    private var parentNumbers: [Int32] = []
    private var tokenNumbers: [Int32] = []
    private var cardNumbers: [(name: Int32, value: Double)] = []
    private var evaluationNumbers: [(name: Int32, metric: ArtifactSummary.EvaluationMetric)] = []

    init(capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    /// Adds the strings of the next summary to `pool` and records their numbers.
    mutating func add(_ summary: ArtifactSummary, to pool: inout StringPool) {
        typealias Layout = BinaryIndexLayout
        func number(_ text: String) -> Int32 { Int32(pool.add(text)) }
        entries.append(
            Entry(
                id: number(summary.id.description), name: number(summary.name),
                nameKey: number(Layout.matchKey(summary.name)),
                registeredAt: summary.registeredAt.map(number) ?? -1, state: summary.stateName.map(number) ?? -1,
                capabilitiesStart: Int32(capabilityNumbers.count), labelsStart: Int32(labelNumbers.count),
                parentsStart: Int32(parentNumbers.count), tokensStart: Int32(tokenNumbers.count),
                cardStart: Int32(cardNumbers.count), evaluationsStart: Int32(evaluationNumbers.count)))
        for capability in summary.capabilities {
            capabilityNumbers.append((number(capability), number(Layout.matchKey(capability))))
        }
        for (key, value) in summary.labels {
            labelNumbers.append(
                (number(key), number(value), number(Layout.matchKey(key)), number(Layout.matchKey(value))))
        }
        for parent in summary.parents { parentNumbers.append(number(parent.description)) }
        for token in SearchTokens.tokens(of: summary) { tokenNumbers.append(number(token)) }
        for (name, value) in summary.cardMetrics { cardNumbers.append((number(name), value)) }
        for (name, metric) in summary.evaluationMetrics { evaluationNumbers.append((number(name), metric)) }
    }

    /// The elements of summary `ordinal` in a flat array, given where its part and the next one's start.
    private func part<Element>(_ ordinal: Int, _ start: (Entry) -> Int32, of elements: [Element]) -> ArraySlice<
        Element
    > {
        let lower = Int(start(entries[ordinal]))
        let upper = ordinal + 1 < entries.count ? Int(start(entries[ordinal + 1])) : elements.count
        return elements[lower..<upper]
    }

    func capabilities(_ ordinal: Int) -> ArraySlice<(raw: Int32, key: Int32)> {
        part(ordinal, { $0.capabilitiesStart }, of: capabilityNumbers)
    }

    func labels(_ ordinal: Int) -> ArraySlice<(key: Int32, value: Int32, matchKey: Int32, matchValue: Int32)> {
        part(ordinal, { $0.labelsStart }, of: labelNumbers)
    }

    func parents(_ ordinal: Int) -> ArraySlice<Int32> {
        part(ordinal, { $0.parentsStart }, of: parentNumbers)
    }

    func tokens(_ ordinal: Int) -> ArraySlice<Int32> {
        part(ordinal, { $0.tokensStart }, of: tokenNumbers)
    }

    func cardMetrics(_ ordinal: Int) -> ArraySlice<(name: Int32, value: Double)> {
        part(ordinal, { $0.cardStart }, of: cardNumbers)
    }

    func evaluationMetrics(_ ordinal: Int) -> ArraySlice<(name: Int32, metric: ArtifactSummary.EvaluationMetric)> {
        part(ordinal, { $0.evaluationsStart }, of: evaluationNumbers)
    }
}
