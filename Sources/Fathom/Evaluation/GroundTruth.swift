/// Exact answers for a query set: per query, document ids best first with
/// their exact scores, as `{"query": "q1", "ids": [...], "scores": [...]}`
/// per line (scores optional).
public struct GroundTruth: Sendable {
    /// One query's exact answer.
    public struct Entry: Sendable, Decodable {
        /// The query id.
        public var query: String
        /// Document ids, best first.
        public var ids: [String]
        /// Their exact scores, when known (used to count ties as correct).
        public var scores: [Double]?

        public init(query: String, ids: [String], scores: [Double]? = nil) {
            self.query = query
            self.ids = ids
            self.scores = scores
        }
    }

    /// Entries by query id.
    public private(set) var entries: [String: Entry] = [:]

    public init(entries: [Entry]) {
        for entry in entries { self.entries[entry.query] = entry }
    }

    /// Reads a ground-truth JSONL file; a malformed line throws
    /// ``FathomError/invalidRecord(location:field:reason:)``.
    public static func load(path: String) throws -> GroundTruth {
        let reader = try JSONLReader(path: path)
        var entries: [Entry] = []
        while let line = try reader.next() {
            do throws(ValidationFailure) {
                let entry = try DocumentRecordDecoder.decode(Entry.self, from: line.bytes)
                if let scores = entry.scores, scores.count != entry.ids.count {
                    throw ValidationFailure(field: "scores", reason: "has \(scores.count) values for \(entry.ids.count) ids")
                }
                entries.append(entry)
            } catch {
                throw error.located(at: InputLocation(file: path, line: line.number))
            }
        }
        return GroundTruth(entries: entries)
    }

    /// recall@k of `hits` for `query`: the share of the true top-k found. A hit
    /// tied (within float tolerance) with the k-th true score also counts as
    /// correct, since any order among ties is exact. Nil when the query has no
    /// ground truth.
    public func recall(of hits: [String], for query: String, k: Int) -> Double? {
        guard let entry = entries[query] else { return nil }
        let expected = min(k, entry.ids.count)
        guard expected > 0 else { return hits.isEmpty ? 1 : 0 }
        var correct = Set(entry.ids.prefix(k))
        if let scores = entry.scores, scores.count > expected {
            let kth = scores[expected - 1]
            let tolerance = 1e-5 * max(1, abs(kth))
            for (id, score) in zip(entry.ids, scores).dropFirst(expected) where score >= kth - tolerance {
                correct.insert(id)
            }
        }
        // Distinct ids: a result listing one document twice does not find two.
        let found = Set(hits.prefix(k)).intersection(correct).count
        return Double(min(found, expected)) / Double(expected)
    }
}
