#if SQLite
    import Foundation
    import ModelRegistry
    import ModelRegistrySQLite
    import RegistryTestSupport
    import Testing

    /// The plans a limit switches on (a posting list longer than 16 × the limit: probe rows while walking the
    /// recency index; a text prefix naming at most eight tokens probed token by token) answer exactly as the file
    /// index, pages included. The random registries of the property test are too small to reach them.
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
