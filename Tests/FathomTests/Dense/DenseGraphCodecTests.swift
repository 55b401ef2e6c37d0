@testable import Fathom
import FathomTestSupport
import Testing

/// The dense graph's byte layout: exact round trips, and a corruption error —
/// never a trap — for every malformed body or blob.
@Suite("Dense graph codec")
struct DenseGraphCodecTests {
    typealias D = DenseTestData

    /// A small graph with absent rows and a few upper layers (m 3: one node in three on layer 1).
    static let matrix = D.clustered(count: 80, dimension: 6, seed: 41_000, absent: [0, 13, 79])
    static let graph = try! DenseGraph.build(vectors: matrix, metric: .l2,
                                             parameters: DenseGraphParameters(m: 3, efConstruction: 10, seed: 3))

    static func decode(_ body: [UInt8], documentCount: Int = 80, present: [Bool]? = DenseGraphCodecTests.matrix.present)
        throws -> DenseGraph
    {
        try DenseGraphCodec.decode(body, what: "test graph", documentCount: documentCount, present: present)
    }

    @Test("built graphs round-trip exactly", arguments: DenseMetric.allCases)
    func roundTrip(metric: DenseMetric) throws {
        for (count, m) in [(0, 2), (1, 2), (2, 4), (500, 5), (1_000, 16)] {
            let matrix = D.clustered(count: count, dimension: 8, seed: 41_100 + UInt64(count), absent: count > 10 ? [3, 7] : [])
            let graph = try DenseGraph.build(vectors: matrix, metric: metric,
                                             parameters: DenseGraphParameters(m: m, efConstruction: 20))
            let decoded = try DenseGraphCodec.decode(DenseGraphCodec.encode(graph), what: "test", documentCount: count,
                                                     present: matrix.present)
            #expect(decoded == graph, "\(count) rows, m \(m)")
        }
        #expect(Self.graph.maxLevel >= 2, "the fixture exercises upper layers")
        #expect(try Self.decode(DenseGraphCodec.encode(Self.graph)) == Self.graph)
    }

    @Test("a graph round-trips through a blob envelope, and every flipped byte in it is caught")
    func envelope() throws {
        let identity = BlobIdentity(.denseGraph, owner: 12)
        #expect(identity.description == "dense graph of segment 12")
        let blob = BlobEnvelope.seal(DenseGraphCodec.encode(Self.graph), identity: identity)
        #expect(try Self.decode(BlobEnvelope.open(blob, identity: identity)) == Self.graph)
        for position in blob.indices {
            var flipped = blob
            flipped[position] ^= 0x20
            Malformed.expectCorruption("byte \(position)") { try Self.decode(BlobEnvelope.open(flipped, identity: identity)) }
        }
        Malformed.expectCorruption { try BlobEnvelope.open(blob, identity: BlobIdentity(.denseGraph, owner: 13)) }
    }

    @Test("every truncation of a body is reported as corruption")
    func truncations() {
        let body = DenseGraphCodec.encode(Self.graph)
        for prefix in Malformed.truncations(of: body) {
            Malformed.expectCorruption("\(prefix.count) of \(body.count) bytes") { try Self.decode(prefix) }
        }
        Malformed.expectCorruption { try Self.decode(body + [0]) }
    }

    @Test("a graph of another row count or presence than the segment's is rejected")
    func mismatchedSegment() {
        let body = DenseGraphCodec.encode(Self.graph)
        Malformed.expectCorruption { try Self.decode(body, documentCount: 81, present: nil) }
        var present = Self.matrix.present
        present[0] = true
        Malformed.expectCorruption { try Self.decode(body, present: present) }
        present = Self.matrix.present
        present[5] = false
        Malformed.expectCorruption { try Self.decode(body, present: present) }
        Malformed.expectCorruption { try Self.decode(body, present: Array(present.dropLast())) }
        #expect(throws: Never.self) { try Self.decode(body, present: nil) }
    }

    /// A node with at least one layer-0 link, and the index of its first link.
    static var linkedNode: (node: Int, first: Int) {
        let node = (0..<graph.nodeCount).first { graph.layer0Counts[$0] >= 2 }!
        return (node, node * graph.layer0Stride)
    }

    @Test("layer-0 neighbours out of range, to self, to absent rows or repeated are rejected")
    func badLayer0Neighbours() {
        let (node, first) = Self.linkedNode
        let second = Self.graph.layer0Neighbors[first + 1]
        for (value, reason) in [(UInt32(80), "out of range"), (UInt32.max, "far out of range"), (UInt32(node), "self loop"),
                                (UInt32(13), "absent row"), (second, "repeated")] {
            var neighbors = Self.graph.layer0Neighbors
            neighbors[first] = value
            let body = DenseGraphCodec.encode(D.graph(Self.graph, layer0Neighbors: neighbors))
            let error = Malformed.expectCorruption(Comment(rawValue: reason)) { try Self.decode(body) }
            #expect(error?.detail.contains("node \(node), layer 0") == true, "\(String(describing: error))")
        }
    }

    @Test("upper-layer neighbours that are not on that layer are rejected")
    func badUpperNeighbours() {
        let graph = Self.graph
        let slot = graph.upperCounts.firstIndex { $0 >= 1 }!
        let layer0Only = UInt32(graph.levels.firstIndex { $0 == 0 }!)
        for value in [layer0Only, UInt32(80), UInt32(13)] {
            var neighbors = graph.upperNeighbors
            neighbors[slot * graph.m] = value
            let body = DenseGraphCodec.encode(D.graph(graph, upperNeighbors: neighbors))
            Malformed.expectCorruption { try Self.decode(body) }
        }
        var counts = graph.upperCounts
        counts[slot] = UInt16(graph.m + 1)
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, upperCounts: counts))) }
    }

    @Test("list lengths beyond capacity, on absent rows, or disagreeing with the header are rejected")
    func badListLengths() {
        let graph = Self.graph
        var counts = graph.layer0Counts
        counts[Self.linkedNode.node] = UInt16(graph.layer0Stride + 1)
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, layer0Counts: counts))) }
        counts = graph.layer0Counts
        counts[0] = 1  // row 0 is absent
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, layer0Counts: counts))) }
        // The header's layer-0 link count (offset 16) one too large, then one too small.
        let body = DenseGraphCodec.encode(graph)
        for delta: Int64 in [1, -1] {
            var patched = body
            let e0 = Int64(patched.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self) }) + delta
            withUnsafeBytes(of: UInt32(e0).littleEndian) { patched.replaceSubrange(16..<20, with: $0) }
            Malformed.expectCorruption("link count \(delta)") { try Self.decode(patched) }
        }
    }

    @Test("a bad entry point, max level or level is rejected")
    func badEntryPointAndLevels() {
        let graph = Self.graph
        let lowNode = UInt32(graph.levels.firstIndex { $0 == 0 }!)
        for entry in [UInt32(80), lowNode, UInt32(13), DenseGraph.noEntryPoint] {
            Malformed.expectCorruption("entry \(entry)") {
                try Self.decode(DenseGraphCodec.encode(D.graph(graph, entryPoint: entry)))
            }
        }
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, maxLevel: graph.maxLevel + 1))) }
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, maxLevel: 40))) }
        Malformed.expectCorruption { try Self.decode(DenseGraphCodec.encode(D.graph(graph, insertedCount: graph.insertedCount - 1))) }
        // A level above the max level (row 1's level byte is at offset 24 + 1).
        var body = DenseGraphCodec.encode(graph)
        body[25] = UInt8(graph.maxLevel + 1)
        Malformed.expectCorruption { try Self.decode(body) }
    }

    @Test("unknown metric, bad m and a non-zero reserved byte are rejected")
    func badHeader() {
        let body = DenseGraphCodec.encode(Self.graph)
        for (offset, value) in [(4, UInt8(3)), (5, UInt8(1)), (5, UInt8(129)), (7, UInt8(1))] {
            var patched = body
            patched[offset] = value
            Malformed.expectCorruption("byte \(offset) = \(value)") { try Self.decode(patched) }
        }
    }

    @Test("an empty graph must have no entry point")
    func emptyGraph() throws {
        var empty = DenseMatrix(dimension: 2)
        empty.append(nil)
        let graph = try DenseGraph.build(vectors: empty, metric: .dot, parameters: DenseGraphParameters())
        #expect(try DenseGraphCodec.decode(DenseGraphCodec.encode(graph), what: "t", documentCount: 1) == graph)
        Malformed.expectCorruption {
            try DenseGraphCodec.decode(DenseGraphCodec.encode(D.graph(graph, entryPoint: 0)), what: "t", documentCount: 1)
        }
    }
}
