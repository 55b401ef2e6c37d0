import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

/// The bert-base-uncased vocabulary shipped with the sample (samples/swift-docs/vocab.txt)
/// and the reference tokenizer's output on 1,048 strings (Fixtures/tokenizer-fixtures.jsonl,
/// copied from shared/data/vocab).
enum TokenizerFixtures {
    struct Case: Decodable {
        var text: String
        var tokens: [String]
        var ids: [Int]
    }

    static let vocabularyPath = TestPaths.sample.appendingPathComponent("vocab.txt").path

    static let vocabulary: WordPieceVocabulary = {
        do { return try WordPieceVocabulary(contentsOf: vocabularyPath) } catch {
            fatalError("the sample's vocab.txt does not load: \(error)")
        }
    }()

    static let tokenizer = WordPieceTokenizer(vocabulary: vocabulary)

    static func cases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "tokenizer-fixtures", withExtension: "jsonl",
                                                 subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        return try String(decoding: Data(contentsOf: url), as: UTF8.self)
            .split(separator: "\n").map { try decoder.decode(Case.self, from: Data($0.utf8)) }
    }
}

@Suite("WordPiece tokenizer against the reference")
struct WordPieceTokenizerTests {
    @Test("every one of the 1,048 reference fixtures gives the same tokens and the same ids")
    func everyFixtureMatches() throws {
        let cases = try TokenizerFixtures.cases()
        #expect(cases.count == 1_048)
        let tokenizer = TokenizerFixtures.tokenizer
        var mismatches: [String] = []
        for (line, fixture) in cases.enumerated() {
            let tokens = tokenizer.tokenize(fixture.text)
            let ids = tokenizer.tokenIDs(fixture.text)
            if tokens != fixture.tokens || ids != fixture.ids {
                mismatches.append("line \(line + 1) \(fixture.text.debugDescription): expected \(fixture.tokens), got \(tokens)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ; first: \(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test("the bert-base-uncased vocabulary is recognised as uncased, with its five special tokens")
    func vocabularyFacts() {
        let vocabulary = TokenizerFixtures.vocabulary
        #expect(vocabulary.count == 30_522)
        #expect(vocabulary.isUncased)
        #expect(vocabulary.unknownTokenID == 100)
        #expect(vocabulary.specialTokenIDs == [0, 100, 101, 102, 103])
        #expect(vocabulary.id(of: "ocean") == 4153)
        #expect(vocabulary.id(of: "##s") == 2015)
        #expect(vocabulary.id(of: "Ocean") == nil)
        #expect(TokenizerFixtures.tokenizer.lowercase)
    }

    @Test("accents, case, punctuation, CJK and special tokens follow the reference rules")
    func rules() {
        let tokenizer = TokenizerFixtures.tokenizer
        #expect(tokenizer.tokenize("Naïve CAFÉ") == ["naive", "cafe"])
        #expect(tokenizer.tokenize("oil,gas") == ["oil", ",", "gas"])
        #expect(tokenizer.tokenize("a$b") == ["a", "$", "b"])
        #expect(tokenizer.tokenize("東京") == ["東", "京"])
        #expect(tokenizer.tokenize("oil[SEP]gas [sep]") == ["oil", "[SEP]", "gas", "[", "sep", "]"])
        #expect(tokenizer.tokenize("") == [])
        #expect(tokenizer.tokenize(" \t\n ") == [])
        #expect(tokenizer.tokenize(String(repeating: "a", count: 100)).first != "[UNK]")
        #expect(tokenizer.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokenize("embeddings") == ["em", "##bed", "##ding", "##s"])
    }

    @Test("a cased tokenizer keeps case and accents; a vocabulary with upper-case tokens is inferred cased")
    func cased() throws {
        let vocabulary = try WordPieceVocabulary(text: "[PAD]\n[UNK]\nThe\nthe\ncafé\n##s\n.\n")
        #expect(!vocabulary.isUncased)
        let tokenizer = WordPieceTokenizer(vocabulary: vocabulary)
        #expect(!tokenizer.lowercase)
        #expect(tokenizer.tokenize("The thes café.") == ["The", "the", "##s", "café", "."])
        #expect(tokenizer.tokenize("THE") == ["[UNK]"])
        let forced = WordPieceTokenizer(vocabulary: vocabulary, lowercase: true)
        #expect(forced.tokenize("THE Café") == ["the", "[UNK]"])
    }
}

@Suite("WordPiece vocabulary parsing")
struct WordPieceVocabularyTests {
    func error(_ text: String) -> FathomError? {
        do {
            _ = try WordPieceVocabulary(text: text, source: "v.txt")
            return nil
        } catch let error as FathomError {
            return error
        } catch {
            return nil
        }
    }

    @Test("ids are line numbers; CRLF line ends, a final line end and a byte-order mark are accepted")
    func lineEnds() throws {
        let vocabulary = try WordPieceVocabulary(text: "\u{FEFF}[UNK]\r\nocean\r\n##s")
        #expect(vocabulary.tokens == ["[UNK]", "ocean", "##s"])
        #expect(vocabulary.id(of: "##s") == 2)
        #expect(vocabulary.text == "[UNK]\nocean\n##s\n")
    }

    @Test("an empty line, a repeated token, a missing [UNK] or an empty file is an error naming the line")
    func errors() throws {
        #expect(error("[UNK]\n\nocean\n")?.description
            == "v.txt:2: empty line (every line is one token, and a token's id is its line number)")
        #expect(error("[UNK]\nocean\nwave\nocean\n")?.description == "v.txt:4: repeats the token \"ocean\" of line 2")
        #expect(error("ocean\nwave\n")?.description == "v.txt: has no [UNK] token")
        #expect(error("")?.description == "v.txt: holds no tokens")
        #expect(error("\n")?.description
            == "v.txt:1: empty line (every line is one token, and a token's id is its line number)")
    }

    @Test("invalid UTF-8 is an error naming the line; a missing file is an I/O error")
    func bytes() throws {
        let scratch = TemporaryDirectory()
        let path = scratch.path("vocab.txt")
        try Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0x61, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(throws: FathomError.invalidVocabulary(source: path, line: 2, reason: "invalid UTF-8")) {
            try WordPieceVocabulary(contentsOf: path)
        }
        #expect(throws: FathomError.io(path: scratch.path("none.txt"), reason: "no such file")) {
            try WordPieceVocabulary(contentsOf: scratch.path("none.txt"))
        }
    }
}
