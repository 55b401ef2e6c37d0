/// Body layout of a segment's dense graph (blob kind 8, `DenseGraph`):
///
/// ```
/// u32 node count N (the segment's rows)    u8 metric (0 cosine, 1 dot, 2 l2)
/// u8  m (2...128)                           u8 max level L (≤ 31)
/// u8  reserved, 0                           u32 entry point (0xFFFFFFFF: empty graph)
/// u32 inserted node count I                 u32 layer-0 link count E0
/// u32 upper-layer link count E1
/// N  × u8  levels (255: row not in the graph)
/// N  × u16 layer-0 list lengths, byte-shuffled
/// E0 × u32 layer-0 neighbours, list after list, byte-shuffled
/// S  × u16 upper list lengths, byte-shuffled: S = Σ levels of the nodes above
///          layer 0; per such node in ordinal order, layers 1...level
/// E1 × u32 upper-layer neighbours, list after list, byte-shuffled
/// ```
///
/// Only the used part of each list is stored; the fixed-stride arrays are
/// rebuilt (unused entries 0), so `decode(encode(g)) == g`. Neighbour lists
/// keep their order (it steers the search), so they are not delta-coded; the
/// byte planes still compress, since an ordinal's high bytes are mostly 0.
enum DenseGraphCodec {
    private static let metricCodes: [DenseMetric] = [.cosine, .dot, .l2]

    static func encode(_ graph: DenseGraph) -> [UInt8] {
        let n = graph.nodeCount, stride = graph.layer0Stride
        var layer0: [UInt32] = []
        layer0.reserveCapacity(graph.layer0Counts.reduce(0) { $0 + Int($1) })
        for node in 0..<n {
            let start = node * stride
            layer0.append(contentsOf: graph.layer0Neighbors[start..<(start + Int(graph.layer0Counts[node]))])
        }
        var upper: [UInt32] = []
        for slot in graph.upperCounts.indices {
            let start = slot * graph.m
            upper.append(contentsOf: graph.upperNeighbors[start..<(start + Int(graph.upperCounts[slot]))])
        }
        var writer = ByteWriter(capacity: 29 + n * 3 + graph.upperCounts.count * 2 + (layer0.count + upper.count) * 4)
        writer.append(UInt32(n))
        writer.append(UInt8(metricCodes.firstIndex(of: graph.metric)!))
        writer.append(UInt8(graph.m))
        writer.append(UInt8(graph.maxLevel))
        writer.append(UInt8(0))
        writer.append(graph.entryPoint)
        writer.append(UInt32(graph.insertedCount))
        writer.append(UInt32(layer0.count))
        writer.append(UInt32(upper.count))
        writer.appendBytes(graph.levels)
        writer.appendShuffled(graph.layer0Counts)
        writer.appendShuffled(layer0)
        writer.appendShuffled(graph.upperCounts)
        writer.appendShuffled(upper)
        return writer.bytes
    }

    /// Decodes and checks every invariant `DenseGraph` states, so a search
    /// over the result cannot index out of range or loop on a malformed list.
    ///
    /// - Parameters:
    ///   - documentCount: The segment's row count; the graph must span exactly that.
    ///   - present: When given, the segment's rows with a vector: the graph
    ///     must hold exactly those.
    static func decode(_ body: [UInt8], what: String, documentCount: Int, present: [Bool]? = nil) throws -> DenseGraph {
        var reader = ByteReader(body, what: what)
        let n = Int(try reader.readUInt32())
        let metricCode = Int(try reader.readUInt8())
        let m = Int(try reader.readUInt8())
        let maxLevel = Int(try reader.readUInt8())
        let reserved = try reader.readUInt8()
        let entryPoint = try reader.readUInt32()
        let inserted = Int(try reader.readUInt32())
        let e0 = Int(try reader.readUInt32()), e1 = Int(try reader.readUInt32())
        guard n == documentCount else { throw reader.corrupt("graph spans \(n) rows, the segment has \(documentCount)") }
        if let present, present.count != n { throw reader.corrupt("graph spans \(n) rows, the dense matrix has \(present.count)") }
        guard metricCode < metricCodes.count else { throw reader.corrupt("unknown metric code \(metricCode)") }
        guard (2...DenseGraphParameters.maximumM).contains(m) else { throw reader.corrupt("m is \(m), outside 2...\(DenseGraphParameters.maximumM)") }
        guard maxLevel <= DenseGraph.maximumLevel else { throw reader.corrupt("max level \(maxLevel) above \(DenseGraph.maximumLevel)") }
        guard reserved == 0 else { throw reader.corrupt("reserved byte is \(reserved)") }
        guard inserted <= n else { throw reader.corrupt("\(inserted) inserted nodes in a graph of \(n) rows") }
        let stride = 2 * m
        guard e0 <= n * stride else { throw reader.corrupt("\(e0) layer-0 links exceed \(n) lists of \(stride)") }

        let levels = try reader.readBytes(n)
        let layer0Counts = try reader.readShuffled(n, as: UInt16.self)
        let layer0 = try reader.readShuffled(e0, as: UInt32.self)
        // The upper layout follows from the levels; check them before sizing by them.
        var insertedSeen = 0, topLevel = 0
        for (node, level) in levels.enumerated() where level != DenseGraph.absentLevel {
            guard Int(level) <= maxLevel else { throw reader.corrupt("node \(node) has level \(level), above the max level \(maxLevel)") }
            insertedSeen += 1
            topLevel = max(topLevel, Int(level))
            if let present, !present[node] { throw reader.corrupt("node \(node) is in the graph but its row has no vector") }
        }
        if let present {
            for node in 0..<n where present[node] && levels[node] == DenseGraph.absentLevel {
                throw reader.corrupt("row \(node) has a vector but is not in the graph")
            }
        }
        guard insertedSeen == inserted else { throw reader.corrupt("\(insertedSeen) nodes have a level, header says \(inserted)") }
        if inserted == 0 {
            guard entryPoint == DenseGraph.noEntryPoint, maxLevel == 0 else {
                throw reader.corrupt("an empty graph has entry point \(entryPoint) and max level \(maxLevel)")
            }
        } else {
            guard topLevel == maxLevel else { throw reader.corrupt("max level is \(maxLevel), the highest node level \(topLevel)") }
            guard Int(entryPoint) < n else { throw reader.corrupt("entry point \(entryPoint) outside the \(n) rows") }
            guard Int(levels[Int(entryPoint)]) == maxLevel else {
                throw reader.corrupt("entry point \(entryPoint) is not on the top layer \(maxLevel)")
            }
        }
        let (upperNodes, upperLayerOffsets) = DenseGraph.upperLayout(levels: levels)
        let slots = Int(upperLayerOffsets.last!)
        let upperCounts = try reader.readShuffled(slots, as: UInt16.self)
        guard e1 <= slots * m else { throw reader.corrupt("\(e1) upper-layer links exceed \(slots) lists of \(m)") }
        let upper = try reader.readShuffled(e1, as: UInt32.self)
        try reader.expectEnd()

        // Lists: lengths within capacity, adding up; neighbours valid and distinct.
        var seen = [UInt32](repeating: .max, count: n)  // seen[x] == list number: x already in this list
        var listNumber: UInt32 = 0
        func checkList(owner: Int, layer: Int, _ entries: ArraySlice<UInt32>) throws {
            for neighbor in entries {
                let x = Int(neighbor)
                guard x < n else { throw reader.corrupt("node \(owner), layer \(layer): neighbour \(neighbor) outside the \(n) rows") }
                guard x != owner else { throw reader.corrupt("node \(owner), layer \(layer): links to itself") }
                guard levels[x] != DenseGraph.absentLevel, Int(levels[x]) >= layer else {
                    throw reader.corrupt("node \(owner), layer \(layer): neighbour \(neighbor) is not on that layer")
                }
                guard seen[x] != listNumber else { throw reader.corrupt("node \(owner), layer \(layer): neighbour \(neighbor) repeated") }
                seen[x] = listNumber
            }
            listNumber += 1
        }
        var layer0Neighbors = [UInt32](repeating: 0, count: n * stride)
        var position = 0
        for node in 0..<n {
            let count = Int(layer0Counts[node])
            guard count <= stride else { throw reader.corrupt("node \(node) has \(count) layer-0 links, more than \(stride)") }
            guard count == 0 || levels[node] != DenseGraph.absentLevel else { throw reader.corrupt("row \(node) is not in the graph but has links") }
            guard count <= e0 - position else { throw reader.corrupt("layer-0 list lengths exceed the \(e0) links") }
            let entries = layer0[position..<(position + count)]
            try checkList(owner: node, layer: 0, entries)
            layer0Neighbors.replaceSubrange((node * stride)..<(node * stride + count), with: entries)
            position += count
        }
        guard position == e0 else { throw reader.corrupt("layer-0 list lengths add up to \(position), header says \(e0)") }
        var upperNeighbors = [UInt32](repeating: 0, count: slots * m)
        position = 0
        for (rank, node) in upperNodes.enumerated() {
            for slot in Int(upperLayerOffsets[rank])..<Int(upperLayerOffsets[rank + 1]) {
                let layer = slot - Int(upperLayerOffsets[rank]) + 1
                let count = Int(upperCounts[slot])
                guard count <= m else { throw reader.corrupt("node \(node) has \(count) links on layer \(layer), more than \(m)") }
                guard count <= e1 - position else { throw reader.corrupt("upper list lengths exceed the \(e1) links") }
                let entries = upper[position..<(position + count)]
                try checkList(owner: Int(node), layer: layer, entries)
                upperNeighbors.replaceSubrange((slot * m)..<(slot * m + count), with: entries)
                position += count
            }
        }
        guard position == e1 else { throw reader.corrupt("upper list lengths add up to \(position), header says \(e1)") }

        return DenseGraph(metric: metricCodes[metricCode], m: m, levels: levels, entryPoint: entryPoint, maxLevel: maxLevel,
                          insertedCount: inserted, layer0Neighbors: layer0Neighbors, layer0Counts: layer0Counts,
                          upperNodes: upperNodes, upperLayerOffsets: upperLayerOffsets,
                          upperNeighbors: upperNeighbors, upperCounts: upperCounts)
    }
}
