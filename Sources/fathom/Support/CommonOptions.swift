import ArgumentParser
import Fathom

/// The database path and collection name every command takes.
struct DatabaseOptions: ParsableArguments {
    @Argument(help: "Path of the database file.")
    var database: String

    @Option(name: .long, help: "Collection name.")
    var collection: String = "default"

    func open(readOnly: Bool = false) throws -> Database {
        try Database(path: database, options: Database.Options(create: false, readOnly: readOnly, compaction: nil))
    }
}

extension Query.Mode: ExpressibleByArgument {}
extension DenseMetric: ExpressibleByArgument {}
extension IngestOptions.ErrorPolicy: ExpressibleByArgument {}
extension PseudoRelevanceFeedback.Interpolation: ExpressibleByArgument {}
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

    @Option(name: .customLong("ef-search"), help: "Dense graph: beam width of the search; larger is more exact (default: the collection's, 100).")
    var efSearch: Int?

    @Option(name: .customLong("dense-codes"), help: "Dense: scan compact codes instead of the graph: float16, int8 or binary.")
    var denseCodes: DenseCodeKind?

    @Option(name: .long, help: "Dense codes and int8 graph walks: candidates re-scored in float32 (default: the collection's, 100).")
    var rescore: Int?

    @Option(name: .customLong("graph-precision"), help: "Dense graph: walk on int8 codes (re-scoring the best in float32) or on the float32 vectors (default: the collection's, int8).")
    var graphPrecision: DenseGraphPrecision?

    @Option(name: .long, help: ArgumentHelp("Only documents whose metadata matches, e.g. 'year >= 1987 AND topics HAS \"earn\"'.",
                                              discussion: "Operators: = != < <= > >= IN (...) HAS, AND OR NOT, parentheses; see docs/cli.md."))
    var filter: String?

    @Option(name: .customLong("candidate-depth"), help: "Hybrid: results of each part that enter the fusion (default 100; at least k).")
    var candidateDepth: Int?

    @Option(name: .long, help: "Hybrid: how the sparse and dense lists are fused: convex (normalized scores) or rrf (ranks).")
    var fusion: FusionMethod = .convex

    @Option(name: .long, help: "Hybrid with --fusion convex: the weight of the dense part, in 0...1 (default 0.5).")
    var alpha: Float?

    @Option(name: .long, help: "Hybrid with --fusion convex: score normalization, z-score or min-max.")
    var normalization: ScoreNormalization = .zScore

    @Flag(name: .customLong("prf"), help: "Pseudo-relevance feedback: a second round moved towards the first round's top documents.")
    var prf = false

    @Option(name: .customLong("prf-docs"), help: "Feedback: documents taken from the first round (default 3; implies --prf).")
    var prfDocuments: Int?

    @Option(name: .customLong("prf-interpolation"), help: "Feedback, hybrid: interpolate sparse and dense scores before feedback (to choose the documents), after (to rank the final list), both, or none (default both; implies --prf).")
    var prfInterpolation: PseudoRelevanceFeedback.Interpolation?

    @Option(name: .customLong("prf-query-weight"), help: "Feedback, dense: weight of the original query in the new one, in 0...1 (default 0.5; implies --prf).")
    var prfQueryWeight: Float?

    @Option(name: .customLong("prf-terms"), help: "Feedback, sparse: terms of the feedback documents added to the query (default 0: none; implies --prf).")
    var prfTerms: Int?

    @Option(name: .customLong("prf-term-weight"), help: "Feedback, sparse: weight of the added terms relative to the heaviest query term (default 0.2; implies --prf).")
    var prfTermWeight: Float?

    // Not API: re-measures the exact sparse strategy (docs/benchmarks.md).
    @Option(name: .customLong("_exact-sparse-strategy"), help: .hidden)
    var exactSparseStrategy: _ExactSparseStrategy = .invertedIndex

    func validate() throws {
        guard (1...100_000).contains(k) else { throw ValidationError("--k must be in 1...100000") }
        if let queryCut, queryCut < 1 { throw ValidationError("--query-cut must be at least 1") }
        if let heapFactor, !(heapFactor.isFinite && heapFactor > 0) { throw ValidationError("--heap-factor must be a positive number") }
        if let efSearch, !(1...100_000).contains(efSearch) { throw ValidationError("--ef-search must be in 1...100000") }
        if let rescore, !(1...1_000_000).contains(rescore) { throw ValidationError("--rescore must be in 1...1000000") }
        if let candidateDepth, !(1...100_000).contains(candidateDepth) {
            throw ValidationError("--candidate-depth must be in 1...100000")
        }
        if let alpha, !(alpha.isFinite && (0...1).contains(alpha)) { throw ValidationError("--alpha must be in 0...1") }
        if alpha != nil && fusion != .convex { throw ValidationError("--alpha needs --fusion convex") }
        do { try feedback?.validate() } catch let error as FathomError { throw ValidationError("\(error)") }
    }

    /// The feedback parameters, when any `--prf` option is given.
    var feedback: PseudoRelevanceFeedback? {
        guard prf || prfDocuments != nil || prfInterpolation != nil || prfQueryWeight != nil || prfTerms != nil
            || prfTermWeight != nil else { return nil }
        let defaults = PseudoRelevanceFeedback()
        return PseudoRelevanceFeedback(documents: prfDocuments ?? defaults.documents,
                                       interpolation: prfInterpolation ?? defaults.interpolation,
                                       queryWeight: prfQueryWeight ?? defaults.queryWeight,
                                       expansionTerms: prfTerms ?? defaults.expansionTerms,
                                       expansionWeight: prfTermWeight ?? defaults.expansionWeight)
    }

    /// Sets the options on `query`; the collection's default parameters are
    /// completed by `--query-cut` / `--heap-factor` (Seismic) and
    /// `--ef-search` / `--dense-codes` / `--rescore` / `--graph-precision` (dense).
    /// `--filter`, parsed (once per command, not per query).
    func parsedFilter() throws -> MetadataFilter? {
        try filter.map(MetadataFilter.init)
    }

    func apply(to query: inout Query, defaults: IndexParameters, filter: MetadataFilter?) {
        query.filter = filter
        query.k = k
        query.mode = mode
        query.exact = exact
        query._exactSparseStrategy = exactSparseStrategy
        query.exactness = certified ? .certified : .approximate
        query.feedback = feedback
        if let candidateDepth { query.candidateDepth = candidateDepth }
        query.fusion = fusion
        query.alpha = alpha ?? Query.defaultAlpha
        query.normalization = normalization
        if queryCut != nil || heapFactor != nil {
            query.seismic = SeismicQueryParameters(queryCut: queryCut ?? defaults.seismicQuery.queryCut,
                                                   heapFactor: heapFactor ?? defaults.seismicQuery.heapFactor)
        }
        if efSearch != nil || denseCodes != nil || rescore != nil || graphPrecision != nil {
            let dense = defaults.denseQuery
            query.denseParameters = DenseQueryParameters(efSearch: efSearch ?? dense.efSearch, codes: denseCodes ?? dense.codes,
                                                         rescoreDepth: rescore ?? dense.rescoreDepth,
                                                         graphPrecision: graphPrecision ?? dense.graphPrecision)
        }
    }
}

extension DenseCodeKind: ExpressibleByArgument {}
extension DenseGraphPrecision: ExpressibleByArgument {}
extension FusionMethod: ExpressibleByArgument {}
extension ScoreNormalization: ExpressibleByArgument {}
