@testable import Fathom
import Testing

@Suite("Ground truth recall")
struct GroundTruthTests {
    static func truth(_ ids: [String], scores: [Double]? = nil, query: String = "q") -> GroundTruth {
        GroundTruth(entries: [GroundTruth.Entry(query: query, ids: ids, scores: scores)])
    }

    @Test("finding exactly the true top k is recall 1")
    func exact() {
        let truth = Self.truth(["a", "b", "c", "d"])
        #expect(truth.recall(of: ["a", "b", "c"], for: "q", k: 3) == 1)
        #expect(truth.recall(of: ["c", "a", "b"], for: "q", k: 3) == 1, "order within the top k does not matter")
    }

    @Test("recall is the share of the true top k found")
    func partial() {
        let truth = Self.truth(["a", "b", "c", "d", "e"])
        #expect(truth.recall(of: ["a", "x", "c", "y", "e"], for: "q", k: 5) == 0.6)
        #expect(truth.recall(of: ["x", "y"], for: "q", k: 5) == 0)
    }

    @Test("only the first k hits count, and only against the true top k")
    func onlyTopK() {
        let truth = Self.truth(["a", "b", "c", "d"])
        #expect(truth.recall(of: ["x", "a", "b"], for: "q", k: 2) == 0.5)
        #expect(truth.recall(of: ["c", "d"], for: "q", k: 2) == 0, "c and d are true, but not in the top 2")
    }

    @Test("a hit tied with the k-th true score counts as correct")
    func tieWithKth() {
        let truth = Self.truth(["a", "b", "c", "d"], scores: [3, 2, 1, 1])
        #expect(truth.recall(of: ["a", "b", "d"], for: "q", k: 3) == 1)
    }

    @Test("a tie within float tolerance counts; a clearly lower score does not")
    func tieTolerance() {
        let nearTie = Self.truth(["a", "b", "c", "d"], scores: [3, 2, 1, 1 - 1e-7])
        #expect(nearTie.recall(of: ["a", "b", "d"], for: "q", k: 3) == 1)
        let lower = Self.truth(["a", "b", "c", "d"], scores: [3, 2, 1, 0.99])
        #expect(lower.recall(of: ["a", "b", "d"], for: "q", k: 3) == Double(2) / 3)
    }

    @Test("without scores, ties cannot be known and only the listed top k count")
    func noScores() {
        let truth = Self.truth(["a", "b", "c", "d"])
        #expect(truth.recall(of: ["a", "b", "d"], for: "q", k: 3) == Double(2) / 3)
    }

    @Test("finding both the k-th and a tied document does not push recall above 1")
    func tiesCappedAtOne() {
        let truth = Self.truth(["a", "b", "c", "d"], scores: [3, 1, 1, 1])
        #expect(truth.recall(of: ["b", "c", "d"], for: "q", k: 2) == 1)
    }

    @Test("with fewer true ids than k, recall is over the true ids")
    func fewerTruthIDsThanK() {
        let truth = Self.truth(["a", "b"])
        #expect(truth.recall(of: ["x", "a", "b"], for: "q", k: 10) == 1)
        #expect(truth.recall(of: ["a"], for: "q", k: 10) == 0.5)
    }

    @Test("with no true ids, recall is 1 for no hits and 0 for any")
    func emptyTruth() {
        let truth = Self.truth([])
        #expect(truth.recall(of: [], for: "q", k: 10) == 1)
        #expect(truth.recall(of: ["a"], for: "q", k: 10) == 0)
    }

    @Test("a query without ground truth has no recall")
    func unknownQuery() {
        #expect(Self.truth(["a"]).recall(of: ["a"], for: "other", k: 1) == nil)
    }

    @Test("a hit listed twice counts once")
    func duplicateHits() {
        let truth = Self.truth(["a", "b", "c"])
        #expect(truth.recall(of: ["a", "a", "a"], for: "q", k: 3) == Double(1) / 3)
    }

    @Test("entries are looked up by query id")
    func severalQueries() {
        let truth = GroundTruth(entries: [.init(query: "q1", ids: ["a"], scores: nil), .init(query: "q2", ids: ["b"], scores: nil)])
        #expect(truth.recall(of: ["a"], for: "q1", k: 1) == 1)
        #expect(truth.recall(of: ["a"], for: "q2", k: 1) == 0)
    }
}
