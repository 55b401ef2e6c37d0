import ArgumentParser
import Fathom
import Foundation

struct VocabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vocab",
        abstract: "Store a collection's WordPiece vocabulary and query weights, for text queries.",
        discussion: """
            With a vocabulary stored, `search --text` and `--from-text` build the sparse part of a
            query from text: WordPiece tokens, each weighted by corpus IDF (the default) or by a
            supplied table (an inference-free model's idf.json).

              fathom vocab import demo.fathom vocab.txt
              fathom vocab weights demo.fathom idf.json
              fathom vocab tokenize demo.fathom "EventLoop futures"
            """,
        subcommands: [VocabImportCommand.self, VocabWeightsCommand.self, VocabTokenizeCommand.self])
}

struct VocabImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store a vocab.txt (one token per line; the line number is the token id) with a collection.",
        discussion: """
            It must be the vocabulary the documents' sparse vectors were encoded over. It replaces an
            earlier one and resets the query weights to corpus IDF. Upper-case tokens make it cased
            (no lower-casing, accents kept) unless --uncased or --cased says otherwise.

              fathom vocab import demo.fathom samples/swift-docs/vocab.txt
            """)

    @OptionGroup var target: DatabaseOptions

    @Argument(help: "The vocab.txt file.")
    var file: String

    @Flag(name: .long, help: "Lower-case and strip accents (uncased models), whatever the tokens look like.")
    var uncased = false

    @Flag(name: .long, help: "Keep case and accents (cased models), whatever the tokens look like.")
    var cased = false

    func validate() throws {
        if uncased && cased { throw ValidationError("--cased and --uncased are exclusive") }
    }

    func run() throws {
        let db = try target.open()
        let collection = try db.collection(target.collection)
        let vocabulary = try WordPieceVocabulary(contentsOf: file)
        let lowercase = uncased ? true : cased ? false : vocabulary.isUncased
        try collection.importVocabulary(vocabulary, lowercase: lowercase)
        Output.line("imported \(vocabulary.count) tokens into '\(collection.name)' (\(lowercase ? "uncased" : "cased"); "
                    + "query weights: corpus IDF)")
    }
}

struct VocabWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Set the query weight of each token from a JSON object (idf.json), or go back to corpus IDF.",
        discussion: """
            The file is one JSON object, token -> weight, as inference-free learned-sparse models
            publish it (idf.json). Every token must be in the stored vocabulary and every weight a
            finite number >= 0; tokens it leaves out get no weight.

              fathom vocab weights demo.fathom idf.json
              fathom vocab weights demo.fathom --corpus-idf
            """)

    @OptionGroup var target: DatabaseOptions

    @Argument(help: "The idf.json file.")
    var file: String?

    @Flag(name: .customLong("corpus-idf"), help: "Drop the supplied weights: weigh tokens by corpus IDF.")
    var corpusIDF = false

    func validate() throws {
        if (file == nil) == !corpusIDF { throw ValidationError("give an idf.json file or --corpus-idf") }
    }

    func run() throws {
        let db = try target.open()
        let collection = try db.collection(target.collection)
        if let file {
            let count = try collection.setQueryWeights(contentsOf: file)
            Output.line("set query weights of \(Plural.count(count, "token")) for '\(collection.name)'")
        } else {
            try collection.setQueryWeights(nil)
            Output.line("'\(collection.name)' weighs query tokens by corpus IDF")
        }
    }
}

struct VocabTokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Show the tokens of a text and the query terms and weights it would give, or time the tokenizer.",
        discussion: """
            With --texts, tokenizes the "text" of every line of a JSONL file instead and prints the
            tokenizer's cost: microseconds per text (each tokenized 20 times, p50 and p99 over the
            texts) and tokens per second.

              fathom vocab tokenize demo.fathom "Naïve EventLoops"
              fathom vocab tokenize demo.fathom --texts queries.jsonl
            """)

    @OptionGroup var target: DatabaseOptions

    @Argument(help: "The text.")
    var text: String?

    @Option(name: .long, help: "Time the tokenizer on the \"text\" of every line of this JSONL file.")
    var texts: String?

    @Flag(name: .long, help: "One JSON object: tokens, ids and the query terms (or the timing, with --texts).")
    var json = false

    func validate() throws {
        if (text == nil) == (texts == nil) { throw ValidationError("give a text or --texts FILE (one of them)") }
    }

    func run() throws {
        let db = try target.open(readOnly: true)
        let collection = try db.collection(target.collection)
        guard let tokenizer = try collection.tokenizer() else {
            throw FathomError.invalidArgument(reason: "collection '\(collection.name)' has no vocabulary: import one first")
        }
        if let texts {
            let all = try QueryFile.texts(path: texts)
            guard let timing = try TokenizerTiming.measure(all, of: collection) else {
                throw FathomError.invalidArgument(reason: "\(texts) has no line with a \"text\"")
            }
            if json {
                Output.line(JSONText.encode(TimingLine(texts: all.count, tokenize_us_p50: timing.p50, tokenize_us_p99: timing.p99,
                                                       tokenize_us_mean: timing.mean, tokens_per_text: timing.tokensPerQuery,
                                                       tokens_per_second: timing.tokensPerSecond)))
            } else {
                Output.line(String(format: "%d texts: %.2f µs p50, %.2f µs p99, %.2f µs mean per text; %.1f tokens per text, %.2f M tokens/s",
                                   all.count, timing.p50, timing.p99, timing.mean, timing.tokensPerQuery, timing.tokensPerSecond / 1e6))
            }
            return
        }
        let text = self.text ?? ""
        let tokens = tokenizer.tokenize(text), ids = tokenizer.tokenIDs(text)
        var terms: [TextQueryTerm] = []
        var error: String?
        do { terms = try collection.textQueryTerms(text) } catch let failure as FathomError { error = failure.description }
        if json {
            Output.line(JSONText.encode(TokenizeLine(tokens: tokens, ids: ids, terms: terms, error: error)))
            return
        }
        Output.line("tokens: " + zip(tokens, ids).map { "\($0) (\($1))" }.joined(separator: " "))
        if let error {
            Output.line("query: none (\(error))")
        } else {
            Output.line("query: " + terms.map { term in
                String(format: "%@ %.4f", term.token, term.weight) + (term.documentFrequency.map { " (df \($0))" } ?? "")
            }.joined(separator: "; "))
        }
    }
}

/// `vocab tokenize --texts --json`.
struct TimingLine: Encodable {
    var texts: Int
    var tokenize_us_p50: Double
    var tokenize_us_p99: Double
    var tokenize_us_mean: Double
    var tokens_per_text: Double
    var tokens_per_second: Double
}

/// One line of `vocab tokenize --json`.
struct TokenizeLine: Encodable {
    var tokens: [String]
    var ids: [Int]
    var terms: [TextQueryTerm]
    var error: String?
}
