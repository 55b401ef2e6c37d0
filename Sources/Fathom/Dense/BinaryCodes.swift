import CFathomShims

/// Every row as its sign bits (bit i set when xᵢ > 0), packed into 64-bit
/// words, `⌈dimension / 64⌉` per row; the query is binarised the same way.
/// The approximate score is `dimension − 2 × Hamming(query bits, row bits)`:
/// the number of components whose signs agree minus the number that differ.
///
/// Error bound: none on the metric's score (it ignores magnitudes and, for l2
/// and dot, the norms); it is exact for what it is, the agreement of sign
/// patterns. The scores are only fit to pick a generous shortlist for
/// `DenseRescoring`, and work best on roughly centred data under cosine.
/// Padding bits past `dimension` are 0 in both query and codes, so they never
/// count.
///
/// Population counts run through `CFathomShims`: a scan compiled for the
/// POPCNT instruction when the CPU has it (checked once at run time), else a
/// portable one (``usesPopcountInstruction``).
struct BinaryCodes: DenseCodes, Equatable {
    let dimension: Int
    let metric: DenseMetric
    let present: [Bool]
    /// Words per row.
    let wordsPerVector: Int
    /// Row-major, `documentCount × wordsPerVector`.
    let codes: [UInt64]

    var documentCount: Int { present.count }

    /// Whether the scans use the POPCNT instruction on this machine.
    static let usesPopcountInstruction = fathom_cpu_has_popcnt() != 0

    init(_ vectors: DenseMatrix, metric: DenseMetric) {
        let dimension = vectors.dimension
        self.dimension = dimension
        self.metric = metric
        present = vectors.present
        let words = Self.words(dimension: dimension)
        wordsPerVector = words
        var codes = [UInt64](repeating: 0, count: vectors.documentCount * words)
        vectors.values.withUnsafeBufferPointer { values in
            codes.withUnsafeMutableBufferPointer { codes in
                for row in 0..<vectors.documentCount where vectors.present[row] {
                    Self.binarize(values.baseAddress! + row * dimension, dimension: dimension,
                                  into: codes.baseAddress! + row * words)
                }
            }
        }
        self.codes = codes
    }

    static func words(dimension: Int) -> Int { (dimension + 63) / 64 }

    static func bytesPerVector(dimension: Int, metric: DenseMetric) -> Int { 8 * words(dimension: dimension) }

    /// Writes the sign bits of `vector` into `words(dimension:)` words.
    static func binarize(_ vector: UnsafePointer<Float>, dimension: Int, into bits: UnsafeMutablePointer<UInt64>) {
        for word in 0..<words(dimension: dimension) {
            var value: UInt64 = 0
            for bit in 0..<min(64, dimension - word * 64) where vector[word * 64 + bit] > 0 {
                value |= 1 << UInt64(bit)
            }
            bits[word] = value
        }
    }

    /// The query's sign bits.
    func binarize(query: UnsafePointer<Float>) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: wordsPerVector)
        bits.withUnsafeMutableBufferPointer { Self.binarize(query, dimension: dimension, into: $0.baseAddress!) }
        return bits
    }

    /// Hamming distances from `queryBits` to every row (absent rows included:
    /// their codes are 0). `popcountInstruction` chooses the scan (tests run both).
    func hammingDistances(queryBits: [UInt64], into distances: inout [UInt32],
                          popcountInstruction: Bool = BinaryCodes.usesPopcountInstruction) {
        if distances.count != documentCount { distances = [UInt32](repeating: 0, count: documentCount) }
        distances.withUnsafeMutableBufferPointer {
            hammingDistances(queryBits: queryBits, rows: nil, into: $0.baseAddress, popcountInstruction: popcountInstruction)
        }
    }

    /// Hamming distances from `queryBits` to `rows[j]`.
    func hammingDistances(queryBits: [UInt64], rows: [UInt32], into distances: inout [UInt32],
                          popcountInstruction: Bool = BinaryCodes.usesPopcountInstruction) {
        if distances.count != rows.count { distances = [UInt32](repeating: 0, count: rows.count) }
        distances.withUnsafeMutableBufferPointer {
            hammingDistances(queryBits: queryBits, rows: rows, into: $0.baseAddress, popcountInstruction: popcountInstruction)
        }
    }

    /// The scans: into `out`, one distance per row (`rows == nil`) or per entry of `rows`.
    private func hammingDistances(queryBits: [UInt64], rows: [UInt32]?, into out: UnsafeMutablePointer<UInt32>?,
                                  popcountInstruction: Bool) {
        precondition(!popcountInstruction || Self.usesPopcountInstruction, "this CPU has no POPCNT")
        precondition(queryBits.count == wordsPerVector, "the query has \(queryBits.count) words, the codes \(wordsPerVector)")
        let count = rows?.count ?? documentCount
        guard count > 0, wordsPerVector > 0, let out else {
            if let out { out.update(repeating: 0, count: count) }
            return
        }
        queryBits.withUnsafeBufferPointer { query in
            codes.withUnsafeBufferPointer { codes in
                let (q, c) = (query.baseAddress!, codes.baseAddress!)
                guard let rows else {
                    if popcountInstruction {
                        fathom_hamming_scan_popcnt(q, c, wordsPerVector, count, out)
                    } else {
                        fathom_hamming_scan_portable(q, c, wordsPerVector, count, out)
                    }
                    return
                }
                precondition(rows.allSatisfy { Int($0) < documentCount }, "row out of range")
                rows.withUnsafeBufferPointer { rows in
                    if popcountInstruction {
                        fathom_hamming_gather_popcnt(q, c, wordsPerVector, rows.baseAddress!, count, out)
                    } else {
                        fathom_hamming_gather_portable(q, c, wordsPerVector, rows.baseAddress!, count, out)
                    }
                }
            }
        }
    }

    func scores(query: UnsafePointer<Float>, into scores: inout [Float]) {
        scan(query: query, rows: nil, into: &scores)
    }

    func scores(query: UnsafePointer<Float>, rows: [UInt32], into scores: inout [Float]) {
        scan(query: query, rows: rows, into: &scores)
    }

    /// Distances are written into the score array's own storage (floats and
    /// 32-bit integers have the same size), then turned into scores in place:
    /// no per-query allocation once `scores` has its size.
    private func scan(query: UnsafePointer<Float>, rows: [UInt32]?, into scores: inout [Float]) {
        let count = rows?.count ?? documentCount
        if scores.count != count { scores = [Float](repeating: 0, count: count) }
        let queryBits = binarize(query: query)
        scores.withUnsafeMutableBufferPointer { scores in
            scores.withMemoryRebound(to: UInt32.self) { distances in
                hammingDistances(queryBits: queryBits, rows: rows, into: distances.baseAddress,
                                 popcountInstruction: Self.usesPopcountInstruction)
            }
            for j in 0..<count {
                let distance = Int(UnsafeMutableRawPointer(scores.baseAddress! + j).load(as: UInt32.self))
                let row = rows.map { Int($0[j]) } ?? j
                scores[j] = present[row] ? Float(dimension - 2 * distance) : -.infinity
            }
        }
    }
}
