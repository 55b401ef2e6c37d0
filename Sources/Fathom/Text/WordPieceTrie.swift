/// The vocabulary's tokens as a byte trie over their UTF-8, for WordPiece's
/// greedy longest-match-first search.
///
/// The reference algorithm tries the longest remaining substring first and
/// shortens it one character at a time until the vocabulary has it: one hash
/// lookup (and one substring) per try. Walking the trie from the piece's
/// start and remembering the last node that ends a token finds the same
/// longest match in one pass, without building any string. A match always
/// ends on a character boundary: it spells a whole token, which is valid UTF-8.
///
/// Layout: compressed sparse rows (each node's outgoing edges contiguous and
/// sorted by byte), plus a 256-entry table for the two nodes where every
/// search starts — the root (a word's first piece) and the node after `##`
/// (a continuation) — which have the most children.
struct WordPieceTrie: Sendable {
    /// Edges of node n are `edgeStart[n]..<edgeStart[n + 1]`.
    private let edgeStart: [Int32]
    private let edgeBytes: [UInt8]
    private let edgeTargets: [Int32]
    /// The token id a node spells, or -1.
    private let tokenIDs: [Int32]
    /// The child of the root by first byte (-1: none).
    private let rootTable: [Int32]
    /// The child of the `##` node by first byte (all -1 when no token starts with `##`).
    private let continuationTable: [Int32]

    init(tokens: [String]) {
        // Build with per-node dictionaries, then flatten.
        var children: [[UInt8: Int32]] = [[:]]
        var ids: [Int32] = [-1]
        for (id, token) in tokens.enumerated() {
            var node = 0
            for byte in token.utf8 {
                if let next = children[node][byte] {
                    node = Int(next)
                } else {
                    let next = Int32(children.count)
                    children.append([:])
                    ids.append(-1)
                    children[node][byte] = next
                    node = Int(next)
                }
            }
            ids[node] = Int32(id)
        }
        var edgeStart: [Int32] = [0]
        var edgeBytes: [UInt8] = [], edgeTargets: [Int32] = []
        edgeStart.reserveCapacity(children.count + 1)
        for node in children {
            for (byte, target) in node.sorted(by: { $0.key < $1.key }) {
                edgeBytes.append(byte)
                edgeTargets.append(target)
            }
            edgeStart.append(Int32(edgeBytes.count))
        }
        func table(_ node: Int32?) -> [Int32] {
            var table = [Int32](repeating: -1, count: 256)
            if let node { for (byte, target) in children[Int(node)] { table[Int(byte)] = target } }
            return table
        }
        let hash = UInt8(ascii: "#")
        let continuation = children[0][hash].flatMap { children[Int($0)][hash] }
        self.edgeStart = edgeStart
        self.edgeBytes = edgeBytes
        self.edgeTargets = edgeTargets
        self.tokenIDs = ids
        self.rootTable = table(0)
        self.continuationTable = table(continuation)
    }

    /// The longest token that is a prefix of `bytes[start..<end]` — a word's
    /// first piece when `continuation` is false, otherwise a `##` piece given
    /// without its `##` — as (token id, end of the match), or nil.
    @inline(__always)
    func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                      continuation: Bool) -> (id: Int32, end: Int)? {
        guard start < end else { return nil }
        var node = continuation ? continuationTable[Int(bytes[start])] : rootTable[Int(bytes[start])]
        var best: (id: Int32, end: Int)?
        var position = start + 1
        while node >= 0 {
            let id = tokenIDs[Int(node)]
            if id >= 0 { best = (id, position) }
            guard position < end else { break }
            let byte = bytes[position]
            var edge = Int(edgeStart[Int(node)])
            let last = Int(edgeStart[Int(node) + 1])
            node = -1
            while edge < last {
                let candidate = edgeBytes[edge]
                if candidate == byte { node = edgeTargets[edge]; break }
                if candidate > byte { break }
                edge += 1
            }
            position += 1
        }
        return best
    }
}
