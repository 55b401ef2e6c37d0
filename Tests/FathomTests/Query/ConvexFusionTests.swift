import Foundation
@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Convex fusion of normalized scores")
struct ConvexFusionTests {
    static func list(_ hits: [(Int64, Float)]) -> [ScoredDocument] {
        hits.map { ScoredDocument(score: $1, documentID: $0) }
    }

    /// sparse 1: 9, 2: 3, 3: 0;  dense 3: 2, 4: 1, 1: 0 (2 only sparse, 4 only dense).
    static let sparse = list([(1, 9), (2, 3), (3, 0)])
    static let dense = list([(3, 2), (4, 1), (1, 0)])

    static func expectScores(_ fused: [ScoredDocument], _ expected: [(Int64, Double)],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(fused.map(\.documentID) == expected.map(\.0), sourceLocation: sourceLocation)
        for (hit, (_, score)) in zip(fused, expected) {
            #expect(abs(Double(hit.score) - score) < 1e-6, "document \(hit.documentID): \(hit.score) vs \(score)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("min-max: alpha weights the dense list; a missing document gets 0 from that list")
    func minMaxHandComputed() {
        // sparse normalized 1: 1, 2: 1/3, 3: 0;  dense normalized 3: 1, 4: 0.5, 1: 0
        // alpha 0.25: 1: 0.75·1 = 0.75; 2: 0.75·1/3 = 0.25; 3: 0.25·1 = 0.25; 4: 0.25·0.5 = 0.125
        Self.expectScores(Fusion.convex(Self.sparse, Self.dense, alpha: 0.25, normalization: .minMax, k: 10),
                          [(1, 0.75), (2, 0.25), (3, 0.25), (4, 0.125)])
        // alpha 0.75: 3: 0.75; 4: 0.375; 1: 0.25; 2: 0.25·1/3
        Self.expectScores(Fusion.convex(Self.sparse, Self.dense, alpha: 0.75, normalization: .minMax, k: 10),
                          [(3, 0.75), (4, 0.375), (1, 0.25), (2, 1.0 / 12)])
        // alpha 0.5: 1 and 3 tie at 0.5 (smaller id first); 4: 0.25; 2: 1/6
        Self.expectScores(Fusion.convex(Self.sparse, Self.dense, alpha: 0.5, normalization: .minMax, k: 10),
                          [(1, 0.5), (3, 0.5), (4, 0.25), (2, 1.0 / 6)])
    }

    @Test("z-score: population standard deviation; a missing document gets the list's lowest z")
    func zScoreHandComputed() {
        // sparse: mean 4, σ = √14: 1: 5/√14, 2: −1/√14, 3: −4/√14 (missing: −4/√14)
        // dense:  mean 1, σ = √(2/3): 3: 1.2247449, 4: 0, 1: −1.2247449 (missing: −1.2247449)
        let s = 14.0.squareRoot(), d = (2.0 / 3).squareRoot()
        let expected: [(Int64, Double)] = [
            (3, 0.5 * (1 / d) + 0.5 * (-4 / s)),   //  0.0778500
            (1, 0.5 * (-1 / d) + 0.5 * (5 / s)),   //  0.0557807
            (4, 0.5 * 0 + 0.5 * (-4 / s)),         // −0.5345225: missing from sparse
            (2, 0.5 * (-1 / d) + 0.5 * (-1 / s)),  // −0.7460031: missing from dense
        ]
        Self.expectScores(Fusion.convex(Self.sparse, Self.dense, alpha: 0.5, normalization: .zScore, k: 10), expected)
        Self.expectScores(Fusion.convex(Self.sparse, Self.dense, alpha: 0.25, normalization: .zScore, k: 10),
                          [(1, 0.6960434393236942), (3, -0.49559750788937595), (2, -0.5066321492822156), (4, -0.8017837257372732)])
    }

    @Test("only the k best are returned")
    func truncatesToK() {
        let fused = Fusion.convex(Self.sparse, Self.dense, alpha: 0.25, normalization: .minMax, k: 2)
        #expect(fused.map(\.documentID) == [1, 2])
    }

    /// Random lists with distinct scores: `count` documents drawn from ids 0..<40.
    static func randomList(_ generator: inout SeededGenerator, count: Int, scale: Float) -> [ScoredDocument] {
        let ids = Array((0..<Int64(40)).shuffled(using: &generator).prefix(count))
        var scores = Set<Float>()
        while scores.count < count { scores.insert(Float.random(in: -scale...scale, using: &generator)) }
        return zip(ids, scores.sorted(by: >)).map { ScoredDocument(score: $1, documentID: $0) }
    }

    @Test("alpha 1 keeps the dense order and alpha 0 the sparse order, under both normalizations")
    func alphaExtremes() {
        var generator = SeededGenerator(seed: 4_242)
        for round in 0..<50 {
            let sparse = Self.randomList(&generator, count: 1 + round % 20, scale: 30)
            let dense = Self.randomList(&generator, count: 1 + (round * 7) % 20, scale: 1)
            for normalization in ScoreNormalization.allCases {
                for (alpha, single) in [(Float(1), dense), (Float(0), sparse)] {
                    let fused = Fusion.convex(sparse, dense, alpha: alpha, normalization: normalization, k: 40)
                    let ids = Set(single.map(\.documentID))
                    // The single list's documents keep its order...
                    #expect(fused.map(\.documentID).filter(ids.contains) == single.map(\.documentID),
                            "round \(round), \(normalization), alpha \(alpha)")
                    // ...and all but its last (whose score every other document shares) come first.
                    #expect(Array(fused.prefix(single.count - 1).map(\.documentID)) == Array(single.dropLast().map(\.documentID)),
                            "round \(round), \(normalization), alpha \(alpha)")
                    #expect(fused.count == Set(sparse.map(\.documentID)).union(dense.map(\.documentID)).count)
                }
            }
        }
    }

    @Test("with alpha 1 the other list's documents follow, tied at the dense minimum, by id")
    func alphaOneTail() {
        let fused = Fusion.convex(Self.list([(5, 9), (2, 7), (8, 4)]), Self.list([(3, 0.9), (7, 0.6), (5, 0.2)]),
                                  alpha: 1, normalization: .minMax, k: 10)
        #expect(fused.map(\.documentID) == [3, 7, 2, 5, 8])
        #expect(fused.suffix(3).allSatisfy { $0.score == 0 })
    }

    @Test("empty lists: nothing from nothing; one empty list leaves the other's order")
    func emptyLists() {
        for normalization in ScoreNormalization.allCases {
            #expect(Fusion.convex([], [], alpha: 0.5, normalization: normalization, k: 5).isEmpty)
            let onlyDense = Fusion.convex([], Self.dense, alpha: 0.3, normalization: normalization, k: 5)
            #expect(onlyDense.map(\.documentID) == [3, 4, 1])
            let onlySparse = Fusion.convex(Self.sparse, [], alpha: 0.3, normalization: normalization, k: 5)
            #expect(onlySparse.map(\.documentID) == [1, 2, 3])
        }
        // min-max of the dense list alone, weighted by alpha: 0.3, 0.15, 0
        Self.expectScores(Fusion.convex([], Self.dense, alpha: 0.3, normalization: .minMax, k: 5),
                          [(3, 0.3), (4, 0.15), (1, 0)])
    }

    @Test("a single-element list has no spread and adds 0 to every document")
    func singleElementLists() {
        for normalization in ScoreNormalization.allCases {
            let both = Fusion.convex(Self.list([(7, 12)]), Self.list([(2, 0.4)]), alpha: 0.5, normalization: normalization, k: 5)
            #expect(both.map(\.documentID) == [2, 7], "both score 0: smaller id first")
            #expect(both.allSatisfy { $0.score == 0 })
            let one = Fusion.convex(Self.list([(7, 12)]), Self.dense, alpha: 0.5, normalization: normalization, k: 5)
            #expect(one.map(\.documentID) == [3, 4, 1, 7], "7 and 1 tie at the minimum of each list")
            #expect(one.allSatisfy { !$0.score.isNaN })
        }
        // min-max: dense 3: 1, 4: 0.5, 1: 0 halved; 7 only sparse, no spread: 0
        Self.expectScores(Fusion.convex(Self.list([(7, 12)]), Self.dense, alpha: 0.5, normalization: .minMax, k: 5),
                          [(3, 0.5), (4, 0.25), (1, 0), (7, 0)])
        // z-score: dense 3: 1.2247, 4: 0, 1: −1.2247 halved; 7 gets the dense minimum halved
        let z = 1 / (2.0 / 3).squareRoot() / 2
        Self.expectScores(Fusion.convex(Self.list([(7, 12)]), Self.dense, alpha: 0.5, normalization: .zScore, k: 5),
                          [(3, z), (4, 0), (1, -z), (7, -z)])
    }

    @Test("equal scores give 0, never NaN, even where the mean is off by rounding")
    func zeroSpread() {
        let equal = Self.list([(1, 0.1), (2, 0.1), (3, 0.1)])   // the mean of three 0.1 is not 0.1 in floating point
        for normalization in ScoreNormalization.allCases {
            let fused = Fusion.convex(equal, equal, alpha: 0.4, normalization: normalization, k: 5)
            #expect(fused.map(\.documentID) == [1, 2, 3])
            #expect(fused.allSatisfy { $0.score == 0 })
        }
    }

    @Test("no NaN or infinity, whatever the scales, signs and overlap")
    func neverNaN() {
        var generator = SeededGenerator(seed: 77)
        for round in 0..<200 {
            let sparse = Self.randomList(&generator, count: round % 25, scale: [1e-30, 1, 1e30][round % 3])
            let dense = Self.randomList(&generator, count: (round * 3) % 25, scale: [1e30, 1e-3, 1][round % 3])
            for normalization in ScoreNormalization.allCases {
                let alpha = Float.random(in: 0...1, using: &generator)
                let fused = Fusion.convex(sparse, dense, alpha: alpha, normalization: normalization, k: 50)
                #expect(fused.allSatisfy { $0.score.isFinite }, "round \(round), \(normalization), alpha \(alpha)")
                #expect(fused == fused.sorted(by: >), "best first, ties by smaller id")
            }
        }
        let infinite = Self.list([(1, .infinity), (2, 1)])
        for normalization in ScoreNormalization.allCases {
            #expect(Fusion.convex(infinite, Self.dense, alpha: 0.5, normalization: normalization, k: 5).allSatisfy { $0.score.isFinite },
                    "a non-finite input score (which no search path produces) is treated as no spread")
        }
    }

    @Test("a document listed twice in one list keeps its better score")
    func duplicateInList() {
        let fused = Fusion.convex(Self.list([(1, 4), (2, 2), (1, 0)]), [], alpha: 0, normalization: .minMax, k: 5)
        Self.expectScores(fused, [(1, 1), (2, 0.5)])
    }

    @Test("reciprocal rank fusion is unchanged")
    func rrfUnchanged() {
        let fused = Fusion.reciprocalRank([Self.sparse, Self.dense], k: 10)
        // 1: 1/61 + 1/63; 3: 1/63 + 1/61; 2: 1/62; 4: 1/62 — ties to the smaller id
        #expect(fused.map(\.documentID) == [1, 3, 2, 4])
    }
}

@Suite("Fusion method and score normalization names")
struct FusionMethodTests {
    @Test("raw values are the command-line and report spellings")
    func rawValues() {
        #expect(FusionMethod.allCases.map(\.rawValue) == ["rrf", "convex"])
        #expect(ScoreNormalization.allCases.map(\.rawValue) == ["min-max", "z-score"])
        #expect(FusionMethod(rawValue: "convex") == .convex)
        #expect(ScoreNormalization(rawValue: "z-score") == .zScore)
        #expect(ScoreNormalization(rawValue: "minmax") == nil)
    }

    @Test("they encode as their raw values")
    func codable() throws {
        let data = try JSONEncoder().encode([ScoreNormalization.minMax, .zScore])
        #expect(String(decoding: data, as: UTF8.self) == #"["min-max","z-score"]"#)
        #expect(try JSONDecoder().decode([FusionMethod].self, from: Data(#"["rrf","convex"]"#.utf8)) == [.rrf, .convex])
    }
}
