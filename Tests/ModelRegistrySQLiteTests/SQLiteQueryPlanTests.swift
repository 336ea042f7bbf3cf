#if SQLite
    import Foundation
    import ModelRegistry
    import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// Queries over long posting lists under a limit (intersected in memory, rows read from the highest ordinal
    /// down until the limit), text prefixes naming one token or many, and conditions on the row (state, cursor)
    /// answer exactly as the file index, pages included, whether the postings are in a full build's blobs or in
    /// `additions` (registered through the SQLite backend since).
    @Suite struct SQLiteQueryPlanTests {
        @Test func probingUnderALimitAnswersAsTheFileIndex() throws {
            try SQLiteFixture.with { f in
                for index in 0..<40 {
                    try f.register(
                        "distilled-tok\(index)", capabilities: index % 10 == 0 ? ["common", "rare"] : ["common"],
                        labels: ["team": index % 2 == 0 ? "even" : "odd"],
                        through: index % 3 == 0 ? f.files : f.sqlite)
                }
                let queries = [
                    IndexQuery(capabilities: ["common"], limit: 2),
                    IndexQuery(capabilities: ["common", "rare"], limit: 2),
                    IndexQuery(capabilities: ["absent"], limit: 2),
                    IndexQuery(text: "dist", limit: 2),  // one token: probed
                    IndexQuery(text: "tok", limit: 2),  // forty tokens: collected
                    IndexQuery(text: "DISTILLED tok1", limit: 1),
                    IndexQuery(capabilities: ["common"], text: "d", limit: 2),
                    IndexQuery(capabilities: ["common"], labels: ["team": "odd"], limit: 2),
                    IndexQuery(capabilities: ["common"], state: .registered, limit: 2),
                    IndexQuery(text: "zzz", limit: 2),
                ]
                for query in queries {
                    let expected = try f.files.query(query)
                    #expect(try f.sqlite.query(query) == expected, "\(query)")
                    #expect(try f.freshIndex().query(query) == expected, "\(query), a fresh reader")
                    var unlimited = query
                    unlimited.limit = nil
                    for summary in try f.files.query(unlimited).prefix(6) {
                        let cursor = IndexQuery.Cursor(after: summary)
                        #expect(
                            try f.sqlite.index.query(query, after: cursor) == f.files.index.query(query, after: cursor),
                            "\(query) after \(cursor)")
                    }
                }
                #expect(
                    try f.sqlite.query(IndexQuery(text: "dist", limit: 2)).map(\.name) == [
                        "distilled-tok39", "distilled-tok38",
                    ])
            }
        }
    }
#endif
