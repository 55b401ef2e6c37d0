import Fathom

/// Seeded SPLADE-like documents and queries for tests: Zipf-ish term
/// popularity, non-negative weights, optional dense vectors.
public struct SyntheticCorpus: Sendable {
    public var documents: [Document]
    public var sparseDimension: Int
    public var denseDimension: Int?

    public init(seed: UInt64, count: Int, sparseDimension: Int = 2_000, denseDimension: Int? = 16,
                termsPerDocument: ClosedRange<Int> = 5...40, idPrefix: String = "d") {
        var generator = SeededGenerator(seed: seed)
        self.sparseDimension = sparseDimension
        self.denseDimension = denseDimension
        documents = (0..<count).map { i in
            Document(id: "\(idPrefix)\(i)",
                     sparse: Self.sparseVector(&generator, dimension: sparseDimension, terms: termsPerDocument),
                     dense: denseDimension.map { Self.denseVector(&generator, dimension: $0) },
                     metadata: ["n": .number(Double(i)), "even": .bool(i % 2 == 0)],
                     text: "document \(i)")
        }
    }

    /// A random sparse vector: terms drawn with a skew towards small ids (popular terms).
    public static func sparseVector(_ generator: inout SeededGenerator, dimension: Int,
                                    terms: ClosedRange<Int>) -> SparseVector {
        let count = Int.random(in: terms, using: &generator)
        var chosen = Set<UInt32>()
        while chosen.count < min(count, dimension) {
            let u = Double.random(in: 0..<1, using: &generator)
            chosen.insert(UInt32(Double(dimension) * u * u))   // quadratic skew
        }
        let indices = chosen.sorted()
        let values = indices.map { _ in Float.random(in: 0.01...3, using: &generator) }
        return try! SparseVector(indices: indices, values: values)
    }

    public static func denseVector(_ generator: inout SeededGenerator, dimension: Int) -> [Float] {
        (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// Queries drawn the same way (fewer terms).
    public func queries(seed: UInt64, count: Int) -> [Query] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            Query(sparse: Self.sparseVector(&generator, dimension: sparseDimension, terms: 3...15),
                  dense: denseDimension.map { Self.denseVector(&generator, dimension: $0) }, k: 10)
        }
    }

    public var schema: CollectionSchema {
        CollectionSchema(dense: denseDimension.map { DenseSchema(dimension: $0, metric: .cosine) },
                         sparse: .termIDs(dimension: sparseDimension))
    }
}
