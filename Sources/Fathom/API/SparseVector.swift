/// A learned-sparse vector: strictly increasing term ids with finite,
/// non-negative weights.
///
/// ```swift
/// let v = try SparseVector(indices: [101, 2054], values: [0.81, 1.3])
/// ```
public struct SparseVector: Sendable, Equatable, Hashable {
    /// The term ids, strictly increasing.
    public private(set) var indices: [UInt32]
    /// The weights, parallel to ``indices``: each finite and ≥ 0.
    public private(set) var values: [Float]

    /// Creates a vector from parallel arrays. Indices need not be sorted;
    /// duplicates, negative or non-finite weights are rejected.
    public init(indices: [UInt32], values: [Float]) throws {
        guard indices.count == values.count else {
            throw FathomError.invalidArgument(
                reason: "sparse vector has \(indices.count) indices but \(values.count) values")
        }
        var pairs = Array(zip(indices, values))
        if !zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }) {
            pairs.sort { $0.0 < $1.0 }
        }
        for i in pairs.indices {
            if i > 0 && pairs[i].0 == pairs[i - 1].0 {
                throw FathomError.invalidArgument(reason: "sparse vector repeats index \(pairs[i].0)")
            }
            let value = pairs[i].1
            guard value.isFinite, value >= 0 else {
                throw FathomError.invalidArgument(
                    reason: "sparse weight for index \(pairs[i].0) must be finite and >= 0, got \(value)")
            }
        }
        self.indices = pairs.map(\.0)
        self.values = pairs.map(\.1)
    }

    /// Trusted initialiser for already-validated, sorted data.
    init(validatedIndices: [UInt32], values: [Float]) {
        self.indices = validatedIndices
        self.values = values
    }

    /// The number of entries (term ids with a weight, zero weights included).
    public var count: Int { indices.count }

    /// The vector as a dense array of `dimension` floats (query weights looked
    /// up by term id in the scoring loops); terms at or past `dimension` are dropped.
    func denseArray(dimension: Int) -> [Float] {
        var dense = [Float](repeating: 0, count: max(dimension, 1))
        for (term, weight) in zip(indices, values) where Int(term) < dense.count { dense[Int(term)] = weight }
        return dense
    }
    /// Whether the vector has no entries. An empty vector matches nothing.
    public var isEmpty: Bool { indices.isEmpty }
}
