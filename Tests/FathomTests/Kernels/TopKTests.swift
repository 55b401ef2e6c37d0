@testable import Fathom
import FathomTestSupport
import Testing

@Suite("Top-k selection")
struct TopKTests {
    @Test("keeps the k best of many candidates, best first", arguments: [1, 3, 10, 100])
    func keepsTheBest(k: Int) {
        var generator = SeededGenerator(seed: UInt64(k))
        // Scores from a small set, so many ties occur.
        let candidates = (1...1_000).map { id in
            ScoredDocument(score: Float(Int.random(in: 0..<50, using: &generator)) / 4, documentID: Int64(id))
        }
        var top = TopK(k: k)
        for candidate in candidates.shuffled(using: &generator) { top.insert(candidate) }
        let expected = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.documentID < $1.documentID }
        #expect(top.sorted() == Array(expected.prefix(k)))
        #expect(top.count == k)
    }

    @Test("holds every candidate, best first, when there are fewer than k")
    func fewerThanK() {
        var top = TopK(k: 5)
        top.insert(score: 1, documentID: 10)
        top.insert(score: 3, documentID: 11)
        top.insert(score: 2, documentID: 12)
        #expect(top.sorted().map(\.documentID) == [11, 12, 10])
        #expect(top.count == 3)
        #expect(!top.isFull)
    }

    @Test("at equal scores the smaller document id ranks first, whatever the insertion order")
    func tiesGoToSmallerID() {
        for order in [[3, 1, 2], [1, 2, 3], [2, 3, 1]] as [[Int64]] {
            var top = TopK(k: 3)
            for id in order { top.insert(score: 0.5, documentID: id) }
            #expect(top.sorted().map(\.documentID) == [1, 2, 3])
        }
    }

    @Test("at equal scores a full top-k keeps the smaller document id")
    func fullTopKPrefersSmallerIDOnTie() {
        var top = TopK(k: 2)
        top.insert(score: 1, documentID: 5)
        top.insert(score: 1, documentID: 9)
        top.insert(score: 1, documentID: 7)   // replaces 9
        top.insert(score: 1, documentID: 8)   // rejected: worse than 7
        #expect(top.sorted().map(\.documentID) == [5, 7])
    }

    @Test("the threshold is −∞ until k documents are held, then the k-th best score")
    func threshold() {
        var top = TopK(k: 3)
        #expect(top.threshold == -.infinity)
        top.insert(score: 5, documentID: 1)
        top.insert(score: 2, documentID: 2)
        #expect(top.threshold == -.infinity)
        #expect(!top.isFull)
        top.insert(score: 4, documentID: 3)
        #expect(top.isFull)
        #expect(top.threshold == 2)
        top.insert(score: 1, documentID: 4)   // below the threshold: rejected
        #expect(top.threshold == 2)
        top.insert(score: 4.5, documentID: 5)
        #expect(top.threshold == 4)
        #expect(top.sorted().map(\.documentID) == [1, 5, 3])
    }

    @Test("negative scores are kept while the top-k is not full")
    func negativeScores() {
        var top = TopK(k: 2)
        top.insert(score: -10, documentID: 1)
        top.insert(score: -3, documentID: 2)
        top.insert(score: -7, documentID: 3)
        #expect(top.sorted().map(\.score) == [-3, -7])
    }

    @Test("a scored document is worse when its score is lower, or equal with a larger id")
    func ordering() {
        #expect(ScoredDocument(score: 1, documentID: 1) < ScoredDocument(score: 2, documentID: 9))
        #expect(ScoredDocument(score: 1, documentID: 9) < ScoredDocument(score: 1, documentID: 1))
        #expect(!(ScoredDocument(score: 1, documentID: 1) < ScoredDocument(score: 1, documentID: 1)))
    }
}
