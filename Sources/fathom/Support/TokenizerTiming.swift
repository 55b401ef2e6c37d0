import Fathom
import Foundation

/// The cost of the collection's tokenizer alone on a set of texts
/// (`bench --from-text`, `vocab tokenize --texts`), in microseconds per text.
struct TokenizerTiming {
    var p50: Double
    var p99: Double
    var mean: Double
    var tokensPerQuery: Double
    var tokensPerSecond: Double

    /// The collection's tokenizer on the query texts, alone: each text is
    /// tokenized 20 times after a warm-up pass and its mean taken; the
    /// summary is over texts (microseconds per query) and over everything
    /// (tokens per second).
    static func measure(_ texts: [String], of collection: Collection) throws -> TokenizerTiming? {
        guard !texts.isEmpty else { return nil }
        guard let tokenizer = try collection.tokenizer() else {
            throw FathomError.invalidArgument(
                reason: "collection '\(collection.name)' has no vocabulary for text queries: import one (fathom vocab import)")
        }
        var tokens = 0
        for text in texts { tokens += tokenizer.tokenIDs(text).count }
        let repeats = 20
        var microseconds: [Double] = []
        microseconds.reserveCapacity(texts.count)
        for text in texts {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { _ = tokenizer.tokenIDs(text) }
            microseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(repeats))
        }
        let summary = LatencySummary(milliseconds: microseconds)  // nearest-rank percentiles, whatever the unit
        let seconds = microseconds.reduce(0, +) / 1e6
        return TokenizerTiming(p50: summary.p50Milliseconds, p99: summary.p99Milliseconds, mean: summary.meanMilliseconds,
                               tokensPerQuery: Double(tokens) / Double(texts.count),
                               tokensPerSecond: seconds > 0 ? Double(tokens) / seconds : 0)
    }

}
