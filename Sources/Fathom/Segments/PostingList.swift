/// One term's decoded postings in a segment, in ordinal order, with weights
/// dequantized. `maxError` bounds |stored weight − exact weight| for every
/// posting (half the largest block scale), which lets exact search use these
/// approximate weights and still prove its answer (see `ExactSparseSearch`).
struct PostingList: Sendable {
    var ordinals: [UInt32] = []
    var weights: [Float] = []
    var maxError: Float = 0

    mutating func append(_ block: PostingBlock) {
        precondition(ordinals.last.map { $0 < block.ordinals[0] } ?? true, "blocks in ordinal order")
        ordinals.append(contentsOf: block.ordinals)
        weights.append(contentsOf: block.quantized.map { Float($0) * block.scale })
        maxError = max(maxError, block.scale / 2)
    }
}
