/// A reusable map from term id to a small slot number, for building per-list
/// structures without allocating per list (Seismic's reference build spends
/// ~0.4 ms per list allocating vocabulary-sized arrays). Dense over the term
/// space when it is at most 2²² ids, a dictionary beyond.
struct TermScratch {
    private var dense: [Int32]
    private var sparse: [UInt32: Int32] = [:]
    private let usesDense: Bool
    /// Terms with a slot, in slot order.
    private(set) var terms: [UInt32] = []

    init(termLimit: UInt64) {
        usesDense = termLimit <= 1 << 22
        dense = usesDense ? [Int32](repeating: -1, count: Int(termLimit)) : []
    }

    /// The slot of `term`, assigning the next one when it has none.
    @inline(__always)
    mutating func slot(_ term: UInt32) -> Int {
        if usesDense {
            let existing = dense[Int(term)]
            if existing >= 0 { return Int(existing) }
            dense[Int(term)] = Int32(terms.count)
        } else {
            if let existing = sparse[term] { return Int(existing) }
            sparse[term] = Int32(terms.count)
        }
        terms.append(term)
        return terms.count - 1
    }

    /// The slot of `term`, or nil.
    @inline(__always)
    func existingSlot(_ term: UInt32) -> Int? {
        if usesDense {
            let existing = dense[Int(term)]
            return existing >= 0 ? Int(existing) : nil
        }
        return sparse[term].map(Int.init)
    }

    /// The coordinate-wise maximum of some documents' vectors: `values[slot]`
    /// is the largest weight of `terms[slot]`. The hot loop of the Seismic
    /// build (Σ nnz² over a segment), so the dense case runs over unsafe
    /// buffers with no per-posting checks.
    mutating func maxima(of documents: [UInt32], in forward: ForwardIndex, into values: inout [Float]) {
        reset()
        values.removeAll(keepingCapacity: true)
        guard usesDense else {
            for doc in documents {
                for i in Int(forward.offsets[Int(doc)])..<Int(forward.offsets[Int(doc) + 1]) {
                    let slot = self.slot(forward.terms[i])
                    if slot == values.count { values.append(forward.values[i]) } else {
                        values[slot] = max(values[slot], forward.values[i])
                    }
                }
            }
            return
        }
        var touched = terms
        var maxima = values
        dense.withUnsafeMutableBufferPointer { slots in
            forward.terms.withUnsafeBufferPointer { termIDs in
                forward.values.withUnsafeBufferPointer { weights in
                    forward.offsets.withUnsafeBufferPointer { offsets in
                        for doc in documents {
                            for i in Int(offsets[Int(doc)])..<Int(offsets[Int(doc) + 1]) {
                                let term = Int(termIDs[i])
                                let slot = slots[term]
                                if slot < 0 {
                                    slots[term] = Int32(touched.count)
                                    touched.append(UInt32(term))
                                    maxima.append(weights[i])
                                } else if weights[i] > maxima[Int(slot)] {
                                    maxima[Int(slot)] = weights[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        terms = touched
        values = maxima
    }

    /// Forgets every slot (cost proportional to the slots used).
    mutating func reset() {
        if usesDense {
            for term in terms { dense[Int(term)] = -1 }
        } else {
            sparse.removeAll(keepingCapacity: true)
        }
        terms.removeAll(keepingCapacity: true)
    }
}
