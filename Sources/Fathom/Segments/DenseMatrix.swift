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

    /// Resident bytes per row: the floats, the inverse norm and the presence flag.
    static func bytesPerVector(dimension: Int) -> Int {
        dimension * MemoryLayout<Float>.size + MemoryLayout<Float>.size + MemoryLayout<Bool>.size
    }

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

    /// Appends a decoded chunk in bulk (a row at a time cost a third of a
    /// cold dense query in allocations).
    mutating func append(chunk: DenseChunk) {
        precondition(chunk.dimension == dimension && chunk.values.count == chunk.documentCount * dimension)
        let start = values.count
        values.append(contentsOf: chunk.values)
        present.append(contentsOf: chunk.present)
        values.withUnsafeMutableBufferPointer { values in
            for i in 0..<chunk.documentCount {
                let row = values.baseAddress! + start + i * dimension
                if chunk.present[i] {
                    let squared = DenseKernels.dot(row, row, count: dimension)
                    inverseNorms.append(squared > 0 ? 1 / squared.squareRoot() : 0)
                } else {
                    row.update(repeating: 0, count: dimension)   // absent rows hold zeros
                    inverseNorms.append(0)
                }
            }
        }
    }

    /// Reserves room for `documents` rows in all.
    mutating func reserve(documents: Int) {
        values.reserveCapacity(documents * dimension)
        present.reserveCapacity(documents)
        inverseNorms.reserveCapacity(documents)
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
