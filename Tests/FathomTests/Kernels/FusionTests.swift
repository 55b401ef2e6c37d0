@testable import Fathom
import Testing

@Suite("Reciprocal rank fusion")
struct FusionTests {
    /// A ranked list of document ids; the scores in it are irrelevant to fusion.
    static func list(_ ids: [Int64]) -> [ScoredDocument] {
        ids.enumerated().map { rank, id in ScoredDocument(score: Float(100 - rank), documentID: id) }
    }

    @Test("scores are the sum of 1 / (60 + rank) over the lists, best first")
    func handComputedExample() {
        // sparse ranks: 10 → 1, 20 → 2, 30 → 3;  dense ranks: 30 → 1, 10 → 2, 40 → 3
        let fused = Fusion.reciprocalRank([Self.list([10, 20, 30]), Self.list([30, 10, 40])], k: 10)
        // 10: 1/61 + 1/62 = 0.016393443 + 0.016129032 = 0.032522475
        // 30: 1/63 + 1/61 = 0.015873016 + 0.016393443 = 0.032266459
        // 20: 1/62        = 0.016129032
        // 40: 1/63        = 0.015873016
        #expect(fused.map(\.documentID) == [10, 30, 20, 40])
        let expected: [Float] = [0.032522475, 0.032266459, 0.016129032, 0.015873016]
        for (hit, score) in zip(fused, expected) {
            #expect(abs(hit.score - score) < 1e-7, "document \(hit.documentID): \(hit.score) vs \(score)")
        }
    }

    @Test("only the k best fused documents are returned")
    func truncatesToK() {
        let fused = Fusion.reciprocalRank([Self.list([10, 20, 30]), Self.list([30, 10, 40])], k: 2)
        #expect(fused.map(\.documentID) == [10, 30])
    }

    @Test("the constant changes the scores: with constant 0 a score is the sum of 1 / rank")
    func otherConstant() {
        let fused = Fusion.reciprocalRank([Self.list([1, 2]), Self.list([2, 3])], k: 3, constant: 0)
        // 2: 1/2 + 1/1 = 1.5;  1: 1/1 = 1;  3: 1/2 = 0.5
        #expect(fused.map(\.documentID) == [2, 1, 3])
        #expect(fused.map(\.score) == [1.5, 1, 0.5])
    }

    @Test("documents with equal fused scores rank by smaller document id")
    func tiesGoToSmallerID() {
        let fused = Fusion.reciprocalRank([Self.list([9, 4]), Self.list([4, 9])], k: 2)
        #expect(fused.map(\.documentID) == [4, 9])
        #expect(fused[0].score == fused[1].score)
    }

    @Test("a single list keeps its order")
    func singleList() {
        let fused = Fusion.reciprocalRank([Self.list([7, 3, 5])], k: 3)
        #expect(fused.map(\.documentID) == [7, 3, 5])
    }

    @Test("no lists, or empty lists, fuse to nothing")
    func emptyInput() {
        #expect(Fusion.reciprocalRank([], k: 5).isEmpty)
        #expect(Fusion.reciprocalRank([[], []], k: 5).isEmpty)
    }
}
