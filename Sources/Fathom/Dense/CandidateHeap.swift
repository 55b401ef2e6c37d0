/// Which end of a `CandidateHeap` is on top.
protocol CandidateHeapOrder {
    /// True when `a` belongs nearer the top than `b`.
    static func above(_ a: GraphCandidate, _ b: GraphCandidate) -> Bool
}

/// The best candidate on top: the queue of nodes still to expand.
enum BestOnTop: CandidateHeapOrder {
    @inline(__always) static func above(_ a: GraphCandidate, _ b: GraphCandidate) -> Bool { b < a }
}

/// The worst candidate on top: a bounded result set, whose top is the one to evict.
enum WorstOnTop: CandidateHeapOrder {
    @inline(__always) static func above(_ a: GraphCandidate, _ b: GraphCandidate) -> Bool { a < b }
}

/// A plain binary heap of `GraphCandidate`s over one array. HNSW searches
/// push and pop a few thousand small values per query; a one-ended binary heap
/// does that with about half the comparisons of `HeapModule`'s min-max heap,
/// and `removeAll()` keeps its storage between searches.
struct CandidateHeap<Order: CandidateHeapOrder> {
    private(set) var items: [GraphCandidate] = []

    init() {}

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    /// The top element, or nil when empty.
    var top: GraphCandidate? { items.first }

    mutating func reserveCapacity(_ capacity: Int) { items.reserveCapacity(capacity) }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    @inline(__always)
    mutating func insert(_ element: GraphCandidate) {
        items.append(element)
        items.withUnsafeMutableBufferPointer { heap in
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) >> 1
                guard Order.above(element, heap[parent]) else { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = element
        }
    }

    /// Removes and returns the top element, or nil when empty.
    @inline(__always)
    mutating func pop() -> GraphCandidate? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        let top = items[0]
        items.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var parent = 0
            while true {
                var child = 2 * parent + 1
                if child >= count { break }
                if child + 1 < count, Order.above(heap[child + 1], heap[child]) { child += 1 }
                guard Order.above(heap[child], last) else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
        }
        return top
    }

    /// Empties the heap into an array of at most `limit` elements, the best
    /// first (for a worst-on-top heap: its best `limit`), as `ScoredDocument`s
    /// whose `documentID` is the node.
    mutating func drainBestFirst(limit: Int) -> [ScoredDocument] where Order == WorstOnTop {
        while items.count > limit { _ = pop() }
        var found: [ScoredDocument] = []
        found.reserveCapacity(items.count)
        while let worst = pop() { found.append(ScoredDocument(score: worst.score, documentID: Int64(worst.node))) }
        found.reverse()
        return found
    }
}
