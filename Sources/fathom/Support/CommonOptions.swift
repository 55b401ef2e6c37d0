import ArgumentParser
import Fathom

/// The database path and collection name every command takes.
struct DatabaseOptions: ParsableArguments {
    @Argument(help: "Path of the database file.")
    var database: String

    @Option(name: .long, help: "Collection name.")
    var collection: String = "default"

    func open(readOnly: Bool = false) throws -> Database {
        try Database(path: database, options: Database.Options(create: false, readOnly: readOnly))
    }
}

extension Query.Mode: ExpressibleByArgument {}
extension DenseMetric: ExpressibleByArgument {}
extension IngestOptions.ErrorPolicy: ExpressibleByArgument {}
extension _ExactSparseStrategy: ExpressibleByArgument {}

/// Query options shared by `search` and `bench`.
struct QueryOptions: ParsableArguments {
    @Option(name: .long, help: "Number of results per query.")
    var k: Int = 10

    @Option(name: .long, help: "Which parts of each query to use: auto, sparse, dense, hybrid.")
    var mode: Query.Mode = .auto

    @Flag(name: .long, help: "Force the exact reference path.")
    var exact = false

    @Option(name: .customLong("query-cut"), help: "Seismic: visit the posting lists of the N heaviest query terms (default: the collection's, 10).")
    var queryCut: Int?

    @Option(name: .customLong("heap-factor"), help: "Seismic: evaluate a block when its summary score exceeds k-th score / F; larger is more exact (default: the collection's, 1.1).")
    var heapFactor: Double?

    @Flag(name: .long, help: "Seismic: keep searching until the answer is provably exact.")
    var certified = false

    // Not API: re-measures the exact sparse strategy (docs/benchmarks.md).
    @Option(name: .customLong("_exact-sparse-strategy"), help: .hidden)
    var exactSparseStrategy: _ExactSparseStrategy = .invertedIndex

    func validate() throws {
        guard (1...100_000).contains(k) else { throw ValidationError("--k must be in 1...100000") }
        if let queryCut, queryCut < 1 { throw ValidationError("--query-cut must be at least 1") }
        if let heapFactor, !(heapFactor.isFinite && heapFactor > 0) { throw ValidationError("--heap-factor must be a positive number") }
    }

    /// Sets the options on `query`; `defaults` are the collection's Seismic
    /// parameters, completed by `--query-cut` / `--heap-factor`.
    func apply(to query: inout Query, defaults: SeismicQueryParameters) {
        query.k = k
        query.mode = mode
        query.exact = exact
        query._exactSparseStrategy = exactSparseStrategy
        query.exactness = certified ? .certified : .approximate
        if queryCut != nil || heapFactor != nil {
            query.seismic = SeismicQueryParameters(queryCut: queryCut ?? defaults.queryCut,
                                                   heapFactor: heapFactor ?? defaults.heapFactor)
        }
    }
}
