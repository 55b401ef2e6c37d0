/// Documents' dense vectors, row-major in one contiguous float32 arena, local
/// ordinal order. Documents without a dense vector hold zeros and are skipped.
struct DenseMatrix: Sendable {
    let dimension: Int
    private(set) var values: [Float] = []
    private(set) var present: [Bool] = []
    /// 1/‖d‖ per document (0 for a zero or absent vector), for cosine scoring.
    private(set) var inverseNorms: [Float] = []

    init(dimension: Int) { self.dimension = dimension }

    var documentCount: Int { present.count }

    mutating func append(_ vector: [Float]?) {
        if let vector {
            precondition(vector.count == dimension)
            values.append(contentsOf: vector)
            present.append(true)
            inverseNorms.append(Self.inverseNorm(vector))
        } else {
            values.append(contentsOf: repeatElement(0, count: dimension))
            present.append(false)
            inverseNorms.append(0)
        }
    }

    mutating func append(chunk: DenseChunk) {
        precondition(chunk.dimension == dimension)
        for i in 0..<chunk.documentCount {
            let row = Array(chunk.values[(i * dimension)..<((i + 1) * dimension)])
            append(chunk.present[i] ? row : nil)
        }
    }

    func vector(at ordinal: Int) -> [Float]? {
        guard present[ordinal] else { return nil }
        return Array(values[(ordinal * dimension)..<((ordinal + 1) * dimension)])
    }

    func chunk(_ range: Range<Int>) -> DenseChunk {
        DenseChunk(dimension: dimension, present: Array(present[range]),
                   values: Array(values[(range.lowerBound * dimension)..<(range.upperBound * dimension)]))
    }

    static func inverseNorm(_ vector: [Float]) -> Float {
        let squared = vector.withUnsafeBufferPointer { DenseKernels.dot($0.baseAddress!, $0.baseAddress!, count: $0.count) }
        return squared > 0 ? 1 / squared.squareRoot() : 0
    }
}
