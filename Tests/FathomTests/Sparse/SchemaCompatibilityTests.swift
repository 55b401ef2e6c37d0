import Foundation
@testable import Fathom
import Testing

/// A stored schema is JSON written by the version that created the
/// collection; fields added since must read back with their defaults.
@Suite("Stored schema compatibility")
struct SchemaCompatibilityTests {
    @Test("a schema stored before the index parameters had Seismic fields reads with their defaults")
    func schemaWithoutSeismic() throws {
        let json = #"{"index":{"postingBlockSize":128,"sealThreshold":20000},"sparse":{"termIDs":{"dimension":30522}}}"#
        let schema = try JSONDecoder().decode(CollectionSchema.self, from: Data(json.utf8))
        #expect(schema.index.seismic == SeismicParameters())
        #expect(schema.index.seismicQuery == SeismicQueryParameters())
        #expect(schema.index.denseGraph == DenseGraphParameters())
        #expect(schema.index.denseQuery == DenseQueryParameters())
    }

    @Test("Seismic parameters stored before `enabled` existed read as disabled, keeping the other fields")
    func seismicWithoutEnabled() throws {
        let json = #"{"centroidFraction":0.2,"clusteringDocCut":15,"minimumSegmentDocuments":1000,"summaryEnergy":0.5}"#
        let parameters = try JSONDecoder().decode(SeismicParameters.self, from: Data(json.utf8))
        #expect(!parameters.enabled)
        #expect(parameters.centroidFraction == 0.2 && parameters.summaryEnergy == 0.5)
    }

    @Test("every schema round-trips through its stored JSON")
    func roundTrip() throws {
        let schema = CollectionSchema(
            dense: DenseSchema(dimension: 8, metric: .l2), sparse: .vocabulary,
            index: IndexParameters(sealThreshold: 7, postingBlockSize: 16,
                                   seismic: SeismicParameters(enabled: true, postingsPerTerm: 160),
                                   seismicQuery: SeismicQueryParameters(queryCut: 5, heapFactor: 1.25),
                                   denseGraph: DenseGraphParameters(enabled: false, m: 8, efConstruction: 40),
                                   denseQuery: DenseQueryParameters(efSearch: 30, codes: .int8, rescoreDepth: 70)))
        let data = try JSONEncoder().encode(schema)
        #expect(try JSONDecoder().decode(CollectionSchema.self, from: data) == schema)
    }
}
