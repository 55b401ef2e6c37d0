/// Turns a run of documents (ascending internal ids) into the blobs of an
/// immutable segment. Pure: it computes, `SegmentWriter` persists.
struct SegmentBuilder {
    /// Documents per forward-index chunk and per dense chunk. Chunks are the
    /// unit of checksumming and of loading.
    static let forwardChunkSize = 1_024
    static let denseChunkSize = 256

    struct PostingBlockBlob {
        var term: UInt32
        var blockNumber: Int
        var payload: [UInt8]
    }

    struct Output {
        var documentCount: Int
        var postingCount: Int
        /// Which optional indexes (Seismic lists, dense graph) were built.
        var format = SegmentFormat.exactOnly
        /// (kind, key, payload) rows of `segment_blobs`.
        var blobs: [(kind: BlobKind, key: Int64, payload: [UInt8])] = []
        var postingBlocks: [PostingBlockBlob] = []
    }

    let segmentID: Int64
    let denseDimension: Int?
    let postingBlockSize: Int
    let termLimit: UInt64
    /// Build a Seismic index with these parameters (nil: none).
    let seismic: SeismicParameters?
    /// Build an HNSW graph over the dense vectors with these parameters, for
    /// this metric (nil: none).
    var denseGraph: (parameters: DenseGraphParameters, metric: DenseMetric)? = nil
    /// Called between steps of a long build (each term, before the graph);
    /// throwing abandons the build (a compaction being stopped).
    var checkCancelled: (() throws -> Void)? = nil

    func build(documentIDs: [Int64], forward: ForwardIndex, dense: DenseMatrix?) throws -> Output {
        let n = documentIDs.count
        precondition(n > 0 && forward.documentCount == n && (dense?.documentCount ?? n) == n)
        var output = Output(documentCount: n, postingCount: forward.postingCount)
        var builtGraph = false

        output.blobs.append((.documentIDs, 0,
                             BlobEnvelope.seal(DocumentIDsCodec.encode(documentIDs),
                                               identity: BlobIdentity(.documentIDs, owner: segmentID))))
        for (chunkNumber, start) in stride(from: 0, to: n, by: Self.forwardChunkSize).enumerated() {
            let body = ForwardChunkCodec.encode(forward.chunk(start..<min(n, start + Self.forwardChunkSize)))
            let identity = BlobIdentity(.forwardChunk, owner: segmentID, key: Int64(chunkNumber))
            output.blobs.append((.forwardChunk, Int64(chunkNumber), BlobEnvelope.seal(body, identity: identity)))
        }
        if let dense {
            for (chunkNumber, start) in stride(from: 0, to: n, by: Self.denseChunkSize).enumerated() {
                let body = DenseChunkCodec.encode(dense.chunk(start..<min(n, start + Self.denseChunkSize)))
                let identity = BlobIdentity(.denseChunk, owner: segmentID, key: Int64(chunkNumber))
                output.blobs.append((.denseChunk, Int64(chunkNumber), BlobEnvelope.seal(body, identity: identity)))
            }
            try checkCancelled?()
            // Below the minimum a flat scan is as fast as a graph, and exact.
            if let denseGraph, dense.present.lazy.filter({ $0 }).count >= denseGraph.parameters.minimumSegmentDocuments {
                let graph = try DenseGraph.build(vectors: dense, metric: denseGraph.metric, parameters: denseGraph.parameters)
                let identity = BlobIdentity(.denseGraph, owner: segmentID)
                output.blobs.append((.denseGraph, 0, BlobEnvelope.seal(DenseGraphCodec.encode(graph), identity: identity)))
                builtGraph = true
            }
        }

        // Invert the forward index: a counting sort by term keeps each
        // posting list in ordinal order, since documents are visited in order.
        let distinctTerms = Array(Set(forward.terms)).sorted()
        var slot = [UInt32: Int](minimumCapacity: distinctTerms.count)
        for (i, term) in distinctTerms.enumerated() { slot[term] = i }
        var starts = [Int](repeating: 0, count: distinctTerms.count + 1)
        for term in forward.terms { starts[slot[term]! + 1] += 1 }
        for i in 0..<distinctTerms.count { starts[i + 1] += starts[i] }
        var fill = starts
        var postingOrdinals = [UInt32](repeating: 0, count: forward.postingCount)
        var postingWeights = [Float](repeating: 0, count: forward.postingCount)
        for doc in 0..<n {
            for i in Int(forward.offsets[doc])..<Int(forward.offsets[doc + 1]) {
                let s = slot[forward.terms[i]]!
                postingOrdinals[fill[s]] = UInt32(doc)
                postingWeights[fill[s]] = forward.values[i]
                fill[s] += 1
            }
        }

        var seismicBuilder = seismic.flatMap { parameters in
            n >= parameters.minimumSegmentDocuments && forward.postingCount > 0
                ? SeismicBuilder(forward: forward, termLimit: termLimit, parameters: parameters) : nil
        }
        output.format = SegmentFormat(seismic: seismicBuilder != nil, denseGraph: builtGraph)
        var directory: [(term: UInt32, entry: TermEntry)] = []
        directory.reserveCapacity(distinctTerms.count)
        for (s, term) in distinctTerms.enumerated() {
            if s & 255 == 0 { try checkCancelled?() }
            let list = starts[s]..<starts[s + 1]
            if seismicBuilder != nil {
                let seismicList = seismicBuilder!.build(term: term, ordinals: postingOrdinals[list], weights: postingWeights[list])
                let identity = BlobIdentity(.seismicList, owner: segmentID, key: Int64(term))
                output.blobs.append((.seismicList, Int64(term), BlobEnvelope.seal(SeismicListCodec.encode(seismicList), identity: identity)))
            }
            var blockNumber = 0
            for blockStart in stride(from: list.lowerBound, to: list.upperBound, by: postingBlockSize) {
                let range = blockStart..<min(list.upperBound, blockStart + postingBlockSize)
                let body = PostingBlockCodec.encode(ordinals: postingOrdinals[range], weights: postingWeights[range])
                let identity = BlobIdentity(.postingBlock, owner: segmentID, key: Int64(term), subkey: Int64(blockNumber))
                output.postingBlocks.append(PostingBlockBlob(term: term, blockNumber: blockNumber,
                                                             payload: BlobEnvelope.seal(body, identity: identity)))
                blockNumber += 1
            }
            let maxWeight = postingWeights[list].max() ?? 0
            directory.append((term, TermEntry(documentFrequency: UInt32(list.count), blockCount: UInt32(blockNumber),
                                              maxWeight: maxWeight)))
        }
        output.blobs.append((.termDirectory, 0,
                             BlobEnvelope.seal(TermDirectoryCodec.encode(directory),
                                               identity: BlobIdentity(.termDirectory, owner: segmentID))))
        return output
    }
}
