import ArgumentParser
import Fathom
import Foundation

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a database (if needed) and a collection with a fixed schema.",
        discussion: """
            A collection has a dense part (--dense-dim), a sparse part (--sparse for integer
            term ids, --vocab for string terms), or both.

              fathom create demo.fathom --dense-dim 384 --metric cosine --sparse
              fathom create demo.fathom --collection tags --vocab
            """)

    @Argument(help: "Path of the database file (created if missing).")
    var database: String

    @Option(name: .long, help: "Collection name.")
    var collection: String = "default"

    @Option(name: .customLong("dense-dim"), help: "Dimension of dense vectors.")
    var denseDimension: Int?

    @Option(name: .long, help: "Dense metric: cosine, dot or l2.")
    var metric: DenseMetric = .cosine

    @Flag(name: .long, help: "Add a sparse part over integer term ids.")
    var sparse = false

    @Option(name: .customLong("sparse-dim"), help: "Term ids are below this (default 30522, the BERT WordPiece vocabulary).")
    var sparseDimension: Int?

    @Flag(name: .long, help: "Add a sparse part over string terms, mapped through a stored vocabulary.")
    var vocab = false

    @Option(name: .customLong("seal-threshold"), help: "Write-buffer size at which it is sealed into a segment.")
    var sealThreshold: Int = IndexParameters.defaultSealThreshold

    @Flag(name: .long, help: "Build a Seismic block index when segments are sealed (approximate sparse search; see docs/benchmarks.md).")
    var seismic = false

    @Option(name: .customLong("postings-per-term"), help: "Seismic: postings kept per term (default: max(2000, 40·√segment size)).")
    var postingsPerTerm: Int?

    @Option(name: .customLong("centroid-fraction"), help: "Seismic: blocks per pruned posting list, as a fraction of its length.")
    var centroidFraction: Double = SeismicParameters().centroidFraction

    @Option(name: .customLong("summary-energy"), help: "Seismic: share of a block max-vector's L1 mass its summary keeps.")
    var summaryEnergy: Double = SeismicParameters().summaryEnergy

    @Option(name: .customLong("query-cut"), help: "Seismic: the collection's default query cut.")
    var queryCut: Int = SeismicQueryParameters.defaultQueryCut

    @Option(name: .customLong("heap-factor"), help: "Seismic: the collection's default heap factor.")
    var heapFactor: Double = SeismicQueryParameters.defaultHeapFactor

    @Option(name: .long, help: "Dense graph: neighbours per node (twice that on layer 0), in 2...128.")
    var m: Int = DenseGraphParameters.defaultM

    @Option(name: .customLong("ef-construction"), help: "Dense graph: beam width while building, in m...4096.")
    var efConstruction: Int = DenseGraphParameters.defaultEfConstruction

    @Option(name: .customLong("ef-search"), help: "Dense graph: the collection's default search beam width.")
    var efSearch: Int = DenseQueryParameters.defaultEfSearch

    @Option(name: .customLong("graph-precision"), help: "Dense graph: the collection's default walk, int8 codes (re-scored in float32) or float32.")
    var graphPrecision: DenseGraphPrecision = DenseQueryParameters.defaultGraphPrecision

    @Flag(name: .customLong("no-dense-graph"), help: "Build no dense graph: dense search always scans (exact).")
    var noDenseGraph = false

    @Option(name: .customLong("dense-graph-min-docs"), help: "Dense graph: segments with fewer vectors are scanned instead (default 2000).")
    var denseGraphMinimumDocuments: Int = DenseGraphParameters.defaultMinimumSegmentDocuments

    func validate() throws {
        if sparse && vocab { throw ValidationError("--sparse and --vocab are exclusive: choose integer ids or string terms") }
        if sparseDimension != nil && !sparse { throw ValidationError("--sparse-dim needs --sparse") }
        if denseDimension == nil && !sparse && !vocab {
            throw ValidationError("give --dense-dim N, --sparse or --vocab (or a combination)")
        }
    }

    func run() throws {
        let seismic = SeismicParameters(enabled: self.seismic, postingsPerTerm: postingsPerTerm,
                                        centroidFraction: centroidFraction, summaryEnergy: summaryEnergy)
        var schema = CollectionSchema(index: IndexParameters(
            sealThreshold: sealThreshold, seismic: seismic,
            seismicQuery: SeismicQueryParameters(queryCut: queryCut, heapFactor: heapFactor),
            denseGraph: DenseGraphParameters(enabled: !noDenseGraph, m: m, efConstruction: efConstruction,
                                             minimumSegmentDocuments: denseGraphMinimumDocuments),
            denseQuery: DenseQueryParameters(efSearch: efSearch, graphPrecision: graphPrecision)))
        if let denseDimension { schema.dense = DenseSchema(dimension: denseDimension, metric: metric) }
        if sparse { schema.sparse = .termIDs(dimension: sparseDimension ?? SparseSchema.defaultDimension) }
        if vocab { schema.sparse = .vocabulary }
        let existed = FileManager.default.fileExists(atPath: database)
        do {
            let db = try Database(path: database, options: Database.Options(compaction: nil))
            try db.createCollection(collection, schema: schema)
        } catch {
            // A failed create leaves no empty database behind.
            if !existed {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            }
            throw error
        }
        Output.line("created collection '\(collection)' in \(database)")
    }
}
