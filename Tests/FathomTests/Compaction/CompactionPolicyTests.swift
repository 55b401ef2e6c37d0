import Testing
@testable import Fathom

@Suite("Compaction policy: which segments are merged or rewritten")
struct CompactionPolicyTests {
    typealias State = CompactionPolicy.SegmentState

    static func segment(_ id: Int64, _ documents: Int, deleted: Int = 0) -> State {
        State(id: id, documentCount: documents, deletedCount: deleted)
    }

    @Test("merge-factor segments of one size tier are merged; one fewer are left alone")
    func tierMerges() {
        let policy = CompactionPolicy(mergeFactor: 4)
        // 100...255 live documents are all tier 3 (4³ = 64 ≤ n < 256).
        let three = [Self.segment(1, 100), Self.segment(2, 200), Self.segment(3, 255)]
        #expect(policy.plan(three).isEmpty)
        #expect(policy.plan(three + [Self.segment(4, 64)]) == [[1, 2, 3, 4]])
        // A segment of another tier does not complete the group.
        #expect(policy.plan(three + [Self.segment(5, 256)]).isEmpty)
    }

    @Test("tiers are counted in live documents: deletions can move a segment down a tier")
    func tiersUseLiveDocuments() {
        let policy = CompactionPolicy(mergeFactor: 2, deletedFraction: 1)
        #expect(policy.tier(of: 1) == 0 && policy.tier(of: 2) == 1 && policy.tier(of: 1_023) == 9 && policy.tier(of: 1_024) == 10)
        // 1,000 documents with 600 deleted is 400 live: tier 8, like the 300-document segment.
        #expect(policy.plan([Self.segment(1, 1_000, deleted: 600), Self.segment(2, 300)]) == [[1, 2]])
    }

    @Test("a segment is rewritten alone once its deleted share reaches the threshold, and not before")
    func deletedFractionRewrites() {
        let policy = CompactionPolicy(mergeFactor: 4, deletedFraction: 0.25)
        #expect(policy.plan([Self.segment(1, 1_000, deleted: 249)]).isEmpty)
        #expect(policy.plan([Self.segment(1, 1_000, deleted: 250)]) == [[1]])
        // Fully deleted: dropped whatever the threshold.
        #expect(CompactionPolicy(deletedFraction: 1).plan([Self.segment(7, 10, deleted: 10)]) == [[7]])
    }

    @Test("a segment in a tier merge is not also planned for a rewrite; groups never overlap")
    func groupsAreDisjoint() {
        let policy = CompactionPolicy(mergeFactor: 2, deletedFraction: 0.1)
        let plan = policy.plan([Self.segment(1, 10, deleted: 5), Self.segment(2, 5), Self.segment(3, 1_000, deleted: 500)])
        #expect(plan == [[1, 2], [3]])
        let all = plan.flatMap { $0 }
        #expect(Set(all).count == all.count)
    }

    @Test("a tier merge never produces more live documents than the maximum")
    func mergeSizeIsCapped() {
        let policy = CompactionPolicy(mergeFactor: 2, maximumMergedDocuments: 150)
        // Tier 6 (64...127): taking all three would be 300 documents; the two smallest make 150.
        #expect(policy.plan([Self.segment(1, 100), Self.segment(2, 70), Self.segment(3, 80)]) == [[2, 3]])
        #expect(CompactionPolicy(mergeFactor: 2, maximumMergedDocuments: 149)
            .plan([Self.segment(1, 100), Self.segment(2, 70), Self.segment(3, 80)]).isEmpty)
    }

    @Test("invalid policies are refused with the reason", arguments: [
        CompactionPolicy(mergeFactor: 1), CompactionPolicy(deletedFraction: 0), CompactionPolicy(deletedFraction: 1.5),
        CompactionPolicy(maximumMergedDocuments: 0), CompactionPolicy(checkIntervalSeconds: 0),
        CompactionPolicy(checkIntervalSeconds: .infinity),
    ])
    func invalidPolicies(policy: CompactionPolicy) {
        #expect(throws: FathomError.self) { try policy.validate() }
        #expect(throws: FathomError.self) {
            _ = try Database(path: "/nonexistent/never-created.fathom", options: .init(compaction: policy))
        }
    }
}
