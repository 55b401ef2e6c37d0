import Foundation
@testable import Fathom
import FathomTestSupport
import Testing

/// Seeded mutation fuzzing of the JSONL ingest path: valid document lines are
/// damaged (bit flips, JSON punctuation, deletions, truncation, duplicated
/// fields, extreme numbers, invalid UTF-8, deep nesting, splices) and run
/// through exactly what `Collection.ingest(jsonl:)` runs on a line
/// (`DocumentRecordDecoder.decode` then `DocumentValidator.prepare`).
///
/// The oracle: no crash (finishing proves it); a rejection is a
/// `ValidationFailure` whose reason is not empty and that names a field or a
/// position in the line; an accepted line is a document that satisfies every
/// schema invariant and survives export → re-ingest unchanged.
///
/// `FATHOM_FUZZ_ITERATIONS` sets the number of mutated lines (default 12,000:
/// about 5 s in a debug build); `FATHOM_FUZZ_SEED` sets the seed (a number, or
/// `random`). A failure names the seed and iteration to replay:
///
///     FATHOM_FUZZ_SEED=123 FATHOM_FUZZ_ITERATIONS=1000000 swift test --filter JSONLFuzzTests
@Suite("JSONL ingest: seeded mutation fuzzing")
struct JSONLFuzzTests {
    /// Term ids in 0..<1000, 4-dimensional dense vectors: small enough that mutations often stay valid.
    static let schema = CollectionSchema(dense: DenseSchema(dimension: 4, metric: .dot), sparse: .termIDs(dimension: 1_000))
    /// String terms (`{"term": weight}`) with the same dense part.
    static let vocabularySchema = CollectionSchema(dense: DenseSchema(dimension: 4, metric: .dot), sparse: .vocabulary)
    /// The bundled sample's shape (samples/swift-docs: MiniLM 384-d, BERT WordPiece ids).
    static let sampleSchema = CollectionSchema(dense: DenseSchema(dimension: 384, metric: .cosine),
                                               sparse: .termIDs(dimension: 30_522))

    static let defaultIterations = 12_000
    static let defaultSeed: UInt64 = 0x5EED_0F_FA7C0DE

    // MARK: - The mutation loop

    @Test("mutated lines are rejected with a reason naming a field or position, or accepted as a valid document")
    func mutatedLines() throws {
        let configuration = FuzzConfiguration.fromEnvironment(defaultIterations: Self.defaultIterations,
                                                               defaultSeed: Self.defaultSeed)
        let seeds = Self.seedLines(count: 24)
        try #require(!seeds.isEmpty)
        var accepted = 0, rejected = 0, reported = 0
        for iteration in 0..<configuration.iterations {
            var rng = configuration.generator(for: iteration)
            let seed = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            let line = Mutator.mutate(seed.bytes, others: seeds.map(\.bytes), using: &rng)
            if let problem = Self.check(line, schema: seed.schema, accepted: &accepted, rejected: &rejected) {
                reported += 1
                Issue.record("""
                    \(configuration.replay(iteration)): \(problem)
                    line: \(Self.printable(line))
                    """)
                // A systematic failure would repeat thousands of times; a few are enough to act on.
                if reported >= 10 { break }
            }
        }
        print("JSONL fuzz: \(configuration.iterations) mutated lines, \(accepted) accepted, \(rejected) rejected "
              + "(seed \(configuration.seed))")
        // The mutator must exercise both outcomes, or the oracle checks little (about 5% are
        // accepted; too few iterations to tell are not judged).
        if configuration.iterations >= 1_000 {
            #expect(accepted > 0, "no mutated line was accepted (seed \(configuration.seed))")
            #expect(rejected > 0, "no mutated line was rejected (seed \(configuration.seed))")
        }
    }

    @Test("the unmutated seed lines are all accepted")
    func seedsAreValid() {
        for seed in Self.seedLines(count: 24) {
            var accepted = 0, rejected = 0
            let problem = Self.check(seed.bytes, schema: seed.schema, accepted: &accepted, rejected: &rejected)
            #expect(problem == nil && accepted == 1, "\(problem ?? "rejected"): \(Self.printable(seed.bytes))")
        }
    }

    // MARK: - A whole file through the API

    @Test("a file of good and mutated lines ingests with onError skip: counts match the lines accepted and the database verifies")
    func mixedFileIngest() throws {
        // 600 lines whatever FATHOM_FUZZ_ITERATIONS says (it sizes the line loop above); the seed applies.
        let configuration = FuzzConfiguration.fromEnvironment(defaultIterations: 600, defaultSeed: Self.defaultSeed &+ 1)
        // Lines of the other schemas' seeds are mostly rejected here (a wrong sparse form or dimension): bad lines too.
        let seeds = Self.seedLines(count: 24)
        var rng = configuration.generator(for: 0)
        var contents: [UInt8] = []
        for i in 0..<600 {
            let seed = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            // One line in three stays valid (with a fresh id, so the count is meaningful).
            let line = Int.random(in: 0..<3, using: &rng) == 0
                ? Self.renamed(seed.bytes, id: "good-\(i)")
                : Mutator.mutate(seed.bytes, others: seeds.map(\.bytes), using: &rng)
            contents += line + [UInt8(ascii: "\n")]
        }
        let directory = TemporaryDirectory("fathom-fuzz")
        let file = directory.path("mixed.jsonl")
        try Data(contents).write(to: URL(fileURLWithPath: file))

        // What ingest must do, line by line, computed with the reader and the decoder alone.
        var expectedAccepted: [String: PreparedDocument] = [:]
        var acceptedLines = 0, rejectedLines: [Int] = [], linesRead = 0
        let reader = try JSONLReader(path: file)
        while let line = try reader.next() {
            linesRead += 1
            switch Self.prepare(Array(line.bytes), schema: Self.schema) {
            case .success(let document):
                acceptedLines += 1
                expectedAccepted[document.externalID] = document   // the last line with an id wins
            case .failure:
                rejectedLines.append(line.number)
            }
        }
        try #require(acceptedLines > 0 && !rejectedLines.isEmpty, "the file must mix good and bad lines")

        let database = try Database(path: directory.path("fuzz.fathom"))
        let collection = try database.createCollection(schema: Self.schema)
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 37, onError: .skip))
        let context = configuration.replay(0)
        #expect(report.linesRead == linesRead, "\(context)")
        #expect(report.documentsCommitted == acceptedLines, "\(context)")
        #expect(report.rejectedCount == rejectedLines.count, "\(context)")
        let reportedLines = report.rejected.compactMap { error -> Int? in
            guard case .invalidRecord(let location, _, _) = error else { return nil }
            return location.line
        }
        #expect(reportedLines == Array(rejectedLines.prefix(IngestReport.maxReportedErrors)),
                "every skipped line is reported as invalidRecord with its line number (\(context))")
        #expect(try collection.count() == expectedAccepted.count, "\(context)")
        let verification = try database.verify()
        #expect(verification.isHealthy, "\(verification.problems) (\(context))")
        #expect(verification.documentsChecked == expectedAccepted.count, "\(context)")
        for (id, expected) in expectedAccepted {
            let stored = try collection.document(id: id)
            #expect(stored?.dense == expected.dense, "document \(Self.printable(Array(id.utf8))) (\(context))")
            #expect(stored?.sparse == expected.sparse, "document \(Self.printable(Array(id.utf8))) (\(context))")
        }
    }

    // MARK: - Oracle

    static func prepare(_ line: [UInt8], schema: CollectionSchema) -> Result<PreparedDocument, ValidationFailure> {
        Result { () throws(ValidationFailure) -> PreparedDocument in
            let record = try DocumentRecordDecoder.decode(DocumentRecord.self, from: Data(line))
            return try DocumentValidator.prepare(record, schema: schema)
        }
    }

    /// Reasons that are about the line as a whole, so they name no field.
    static let wholeLineReasons = ["expected an object", "the document has neither a sparse nor a dense vector"]

    /// Runs one line and returns what is wrong with the outcome, or nil.
    static func check(_ line: [UInt8], schema: CollectionSchema, accepted: inout Int, rejected: inout Int) -> String? {
        // The scanner that locates syntax errors must agree with a strict JSON parser, Foundation's
        // JSONSerialization (JSONDecoder is lazy: it lets junk through in fields it does not decode).
        // JSONSerialization is lazy in one place too: it never converts the numbers of a duplicate
        // key's discarded value, so only there may the scanner find an out-of-range number it accepts.
        // And Foundation reads input with a NUL among its first bytes as UTF-16 or UTF-32.
        let syntax = JSONSyntax.firstError(in: Data(line))
        let strictlyValid = (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) != nil
        if strictlyValid != (syntax == nil), !(strictlyValid && syntax?.reason.hasSuffix("outside the range of a 64-bit float") == true),
           !JSONSyntax.mayBeReadAsUTF16or32(Data(line)) {
            return "JSONSyntax (\(syntax?.message ?? "valid")) disagrees with JSONSerialization (\(strictlyValid ? "valid" : "invalid"))"
        }
        switch prepare(line, schema: schema) {
        case .failure(let failure):
            rejected += 1
            guard !failure.reason.trimmingCharacters(in: .whitespaces).isEmpty else { return "rejected with an empty reason" }
            let namesPlace = !failure.field.isEmpty || failure.reason.contains(" at byte ")
                || wholeLineReasons.contains(where: failure.reason.hasPrefix)
            guard namesPlace else { return "rejection names neither a field nor a position: \(failure.reason)" }
            // The message a user sees must be one line.
            let message = failure.located(at: InputLocation(file: "fuzz.jsonl", line: 1)).description
            guard !message.contains("\n") else { return "error message spans lines: \(message)" }
            return nil
        case .success(let document):
            accepted += 1
            if let problem = invariantViolation(document, schema: schema) { return "accepted, but \(problem)" }
            return roundTripProblem(document, schema: schema)
        }
    }

    /// The schema's invariants on a prepared document (docs/cli.md, DESIGN.md data model).
    static func invariantViolation(_ document: PreparedDocument, schema: CollectionSchema) -> String? {
        if document.externalID.isEmpty || document.externalID.utf8.count > DocumentValidator.maxIDBytes {
            return "id has \(document.externalID.utf8.count) bytes"
        }
        if document.sparse == nil && document.sparseTerms == nil && document.dense == nil { return "no vector part" }
        if let sparse = document.sparse {
            guard case .termIDs(let dimension)? = schema.sparse else { return "sparse ids in a collection without them" }
            if sparse.indices.isEmpty { return "an empty sparse vector was kept" }
            if sparse.indices.count != sparse.values.count { return "sparse indices and values differ in length" }
            if !zip(sparse.indices, sparse.indices.dropFirst()).allSatisfy({ $0 < $1 }) { return "sparse indices not strictly increasing" }
            if let last = sparse.indices.last, Int(last) >= dimension { return "sparse index \(last) >= \(dimension)" }
            if !sparse.values.allSatisfy({ $0.isFinite && $0 >= 0 }) { return "sparse values not finite and >= 0" }
        }
        if let terms = document.sparseTerms {
            guard case .vocabulary? = schema.sparse else { return "string terms in a collection without a vocabulary" }
            if terms.isEmpty || terms.contains(where: { $0.term.isEmpty || !$0.weight.isFinite || $0.weight < 0 }) {
                return "bad string terms \(terms)"
            }
        }
        if let dense = document.dense {
            guard let dimension = schema.dense?.dimension else { return "dense part in a collection without one" }
            if dense.count != dimension { return "dense has \(dense.count) values, not \(dimension)" }
            if !dense.allSatisfy(\.isFinite) { return "dense has a non-finite value" }
        }
        if let metadata = document.metadata {
            guard let object = try? JSONSerialization.jsonObject(with: Data(metadata.utf8)), object is [String: Any] else {
                return "stored metadata is not a JSON object: \(metadata)"
            }
        }
        return nil
    }

    /// Export writes an accepted document back as a line; ingesting that line must give the same document.
    static func roundTripProblem(_ document: PreparedDocument, schema: CollectionSchema) -> String? {
        guard document.sparseTerms == nil else { return nil }   // vocabulary ids are assigned at write time
        let line = DocumentRecordEncoder.line(id: document.externalID, sparse: document.sparse, terms: nil,
                                              dense: document.dense, metadata: document.metadata, text: document.text)
        switch prepare(Array(line.utf8), schema: schema) {
        case .failure(let failure):
            return "its exported line is rejected (\(failure.field): \(failure.reason)): \(line.prefix(300))"
        case .success(let again):
            guard again.externalID == document.externalID, again.sparse == document.sparse, again.dense == document.dense,
                  again.metadata == document.metadata, again.text == document.text
            else { return "its exported line reads back differently: \(line.prefix(300))" }
            return nil
        }
    }

    // MARK: - Seed lines

    struct Seed {
        var bytes: [UInt8]
        var schema: CollectionSchema
    }

    /// Valid lines of several shapes, generated from a fixed seed, plus the
    /// first lines of the bundled sample corpus.
    static func seedLines(count: Int) -> [Seed] {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        func number(_ value: Float) -> String {
            // Spell numbers in every way JSON allows.
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return value.description
            case 1: return String(format: "%.6e", Double(value))
            case 2: return String(format: "%.3E", Double(value))
            default: return value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : value.description
            }
        }
        var seeds: [Seed] = []
        for i in 0..<count {
            let indices = Array(Set((0..<Int.random(in: 1...8, using: &rng)).map { _ in Int.random(in: 0..<1_000, using: &rng) }))
            let ordered = i % 3 == 0 ? indices.shuffled(using: &rng) : indices.sorted()
            let values = ordered.map { _ in number(Float.random(in: 0...3, using: &rng)) }
            let dense = (0..<4).map { _ in number(Float.random(in: -2...2, using: &rng)) }
            let sparse = #""sparse":{"indices":[\#(ordered.map(String.init).joined(separator: ","))],"values":[\#(values.joined(separator: ","))]}"#
            let metadata = #""metadata":{"year":\#(1990 + i),"lang":"en","tags":["a","b\"c"],"nested":{"x":-1.5e-3,"ok":true,"none":null},"empty":{}}"#
            let text = #""text":"line \#(i)\nwith \"quotes\", a tab\t, \u00e9, é and 😀 \ud83d\ude00""#
            let line: String
            switch i % 6 {
            case 0: line = #"{"id":"doc-\#(i)",\#(sparse),"dense":[\#(dense.joined(separator: ","))],\#(metadata),\#(text)}"#
            case 1: line = #"{ "id" : "doc-\#(i)" , \#(sparse) }"#
            case 2: line = #"{"dense":[\#(dense.joined(separator: ", "))],"id":"doc-\#(i)","sparse":null,\#(metadata)}"#
            case 3: line = #"{"id":"doc-\#(i)","sparse":{"values":[\#(values.joined(separator: ","))],"indices":[\#(ordered.map(String.init).joined(separator: ","))]},"text":"","ignored":[1,{"a":[]}]}"#
            case 4:
                let terms = zip(["ocean", "blue", "values", "indices", "é"], values).map { #""\#($0.0)":\#($0.1)"# }
                seeds.append(Seed(bytes: Array(#"{"id":"term-\#(i)","sparse":{\#(terms.joined(separator: ","))},"dense":[\#(dense.joined(separator: ","))]}"#.utf8),
                                  schema: vocabularySchema))
                continue
            default: line = #"{"id":"doc-\#(i)","vector":{},\#(sparse),"dense":[\#(dense.joined(separator: ","))],"metadata":{"a":[[1,2],[3]]}}"#
            }
            seeds.append(Seed(bytes: Array(line.utf8), schema: schema))
        }
        // Real lines (~5 KB: 384 floats, a hundred term ids, metadata and text).
        let corpus = TestPaths.sample.appendingPathComponent("corpus.jsonl").path
        if let reader = try? JSONLReader(path: corpus) {
            for _ in 0..<3 {
                guard let line = try? reader.next() else { break }
                seeds.append(Seed(bytes: Array(line.bytes), schema: sampleSchema))
            }
        }
        return seeds
    }

    /// The line with its id replaced (it is the first field of every seed).
    static func renamed(_ line: [UInt8], id: String) -> [UInt8] {
        var text = String(decoding: line, as: UTF8.self)
        if let range = text.range(of: #""id" *: *"[^"]*""#, options: .regularExpression) {
            text.replaceSubrange(range, with: "\"id\":\"\(id)\"")
        }
        return Array(text.utf8)
    }

    static func printable(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(600), as: UTF8.self).unicodeScalars
            .map { $0.value < 0x20 || $0 == "\u{FFFD}" ? "\\x\(String($0.value, radix: 16))" : String($0) }.joined()
        return line.count > 600 ? text + "… (\(line.count) bytes)" : text
    }
}

// MARK: - Configuration

/// Iterations and seed of a fuzz run, from the environment.
struct FuzzConfiguration {
    var iterations: Int
    var seed: UInt64

    static func fromEnvironment(defaultIterations: Int, defaultSeed: UInt64) -> FuzzConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["FATHOM_FUZZ_ITERATIONS"].flatMap { Int($0) }.map { max(1, $0) } ?? defaultIterations
        var seed = defaultSeed
        if let text = environment["FATHOM_FUZZ_SEED"] {
            seed = text == "random" ? UInt64.random(in: 1...UInt64.max) : UInt64(text) ?? defaultSeed
        }
        return FuzzConfiguration(iterations: iterations, seed: seed)
    }

    /// Each iteration has its own generator, so one failing iteration replays alone.
    func generator(for iteration: Int) -> SeededGenerator {
        var mixer = SeededGenerator(seed: seed ^ (UInt64(iteration) &* 0xD6E8_FEB8_6659_FD93))
        return SeededGenerator(seed: mixer.next())
    }

    func replay(_ iteration: Int) -> String { "FATHOM_FUZZ_SEED=\(seed), iteration \(iteration)" }
}

// MARK: - Mutations

/// Byte- and token-level damage to a JSON line.
enum Mutator {
    /// Bytes that change JSON structure when inserted or substituted.
    static let significant = Array(#""{}[],:\-+.eE0123456789 "#.utf8) + [0x09, 0x0A, 0x0D, 0x00, 0x7F]

    /// Fragments an attacker or a broken producer would write: duplicate fields, wrong types,
    /// numbers at and past every limit, JSON's non-values, escapes that are not Unicode.
    static let fragments: [String] = [
        #""id":"dup","#, #""id":7,"#, #""id":"","#, #""id":null,"#, #""dense":[1,2,3,4],"#, #""dense":[1,2,3],"#,
        #""sparse":{"indices":[1,1],"values":[1,2]},"#, #""sparse":{"indices":[5],"values":[1]},"#,
        #""sparse":{"indices":[5]},"#, #""sparse":{"ocean":1},"#, #""vector":{"a":1},"#, #""metadata":{"k":[1,{"z":null}]},"#,
        #""metadata":[1],"#, #""metadata":{"n":1e-400},"#, #""text":"t","#, #""text":7,"#,
        "NaN", "-NaN", "Infinity", "-Infinity", "1e39", "-1e39", "3.4028236e38", "1e-46", "1e-50", "1e-400", "1e999", "-0",
        "3.0", "1.5", "-1", "999", "1000", "30522", "4294967296", "9223372036854775807", "9223372036854775808",
        "99999999999999999999", "0x10", "01", ".5", "1.", "1e", "+1", "null", "true", "false", "\"\"",
        #"\u"#, #"\ud800"#, #"\udc00"#, #"\ud83d\ude00"#, #"\u0000"#, #"\u00e9"#, #"\x"#, #"\""#, #"\\"#, "{}", "[]", "{\"\":0}",
    ]

    /// Invalid (and a few valid) UTF-8 sequences.
    static let encodings: [[UInt8]] = [
        [0xFF], [0xFE], [0x80], [0xC3, 0x28], [0xC0, 0x80], [0xC1, 0xBF], [0xE2, 0x82], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80],
    ]

    static func mutate(_ line: [UInt8], others: [[UInt8]], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = line
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            apply(to: &bytes, others: others, using: &rng)
        }
        return bytes
    }

    private static func position(in bytes: [UInt8], using rng: inout SeededGenerator) -> Int {
        Int.random(in: 0...bytes.count, using: &rng)
    }

    private static func apply(to bytes: inout [UInt8], others: [[UInt8]], using rng: inout SeededGenerator) {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0 where !bytes.isEmpty:   // flip one bit
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1 where !bytes.isEmpty:   // replace a byte with a JSON-significant one
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = significant.randomElement(using: &rng) ?? 0
        case 2:   // insert JSON-significant bytes
            let run = (0..<Int.random(in: 1...3, using: &rng)).map { _ in significant.randomElement(using: &rng) ?? 0 }
            bytes.insert(contentsOf: run, at: position(in: bytes, using: &rng))
        case 3 where !bytes.isEmpty:   // delete a short range
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...8, using: &rng)))
        case 4:   // truncate
            bytes.removeSubrange(position(in: bytes, using: &rng)...)
        case 5:   // insert a fragment, usually as the first field (a duplicate or a conflicting field)
            let fragment = Array((fragments.randomElement(using: &rng) ?? "").utf8)
            let at = Bool.random(using: &rng) ? min(1, bytes.count) : position(in: bytes, using: &rng)
            bytes.insert(contentsOf: fragment, at: at)
        case 6:   // replace a number with an extreme one
            guard let digit = bytes.indices.filter({ (0x30...0x39).contains(bytes[$0]) }).randomElement(using: &rng) else { return }
            let numberBytes = Set(Array("0123456789+-.eE".utf8))
            var start = digit, end = digit
            while start > 0, numberBytes.contains(bytes[start - 1]) { start -= 1 }
            while end < bytes.count, numberBytes.contains(bytes[end]) { end += 1 }
            let replacement = fragments.filter { $0.first.map { "-0123456789NI.+".contains($0) } ?? false }
            bytes.replaceSubrange(start..<end, with: Array((replacement.randomElement(using: &rng) ?? "1e999").utf8))
        case 7:   // invalid UTF-8 (inside a string, or anywhere)
            let sequence = encodings.randomElement(using: &rng) ?? [0xFF]
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            let at = Bool.random(using: &rng) ? (quotes.randomElement(using: &rng).map { $0 + 1 } ?? 0) : position(in: bytes, using: &rng)
            bytes.insert(contentsOf: sequence, at: min(at, bytes.count))
        case 8:   // deep nesting, around the limit of Foundation's parser (512) and far beyond
            let depth = [2, 64, 511, 512, 513, 5_000].randomElement(using: &rng) ?? 2
            let open = Bool.random(using: &rng) ? "[" : "{\"k\":"
            let close = open == "[" ? "]" : "}"
            let value = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            let fragment = Bool.random(using: &rng) ? "\"metadata\":{\"deep\":\(value)}," : value
            bytes.insert(contentsOf: Array(fragment.utf8), at: Bool.random(using: &rng) ? min(1, bytes.count) : position(in: bytes, using: &rng))
        case 9:   // splice: this line's start, another line's end
            guard let other = others.randomElement(using: &rng) else { return }
            bytes = Array(bytes.prefix(position(in: bytes, using: &rng))) + Array(other.suffix(Int.random(in: 0...other.count, using: &rng)))
        case 10 where !bytes.isEmpty:   // duplicate a slice (repeats a field or half of one)
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            let slice = Array(bytes[start..<min(bytes.count, start + Int.random(in: 1...40, using: &rng))])
            bytes.insert(contentsOf: slice, at: position(in: bytes, using: &rng))
        case 11:   // a minus sign after a colon: a negative number, or '-' before a string, object or literal
            guard let i = bytes.indices.filter({ bytes[$0] == UInt8(ascii: ":") }).randomElement(using: &rng) else { return }
            bytes.insert(UInt8(ascii: "-"), at: min(i + 1, bytes.count))
        default:
            break
        }
    }
}

// MARK: - Regressions

/// Lines the fuzzer produced whose rejection used to read only "invalid JSON:
/// The given data was not valid JSON." (or named the wrong thing), and the
/// one-line message each gets now.
@Suite("JSONL errors found by fuzzing name a field or a position")
struct JSONLFuzzRegressionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: [UInt8]
        var schema: CollectionSchema = JSONLFuzzTests.schema
        var field: String
        var reason: String
        var testDescription: String { String(decoding: line.prefix(60), as: UTF8.self) }

        init(_ line: String, schema: CollectionSchema = JSONLFuzzTests.schema, field: String = "", _ reason: String) {
            self.line = Array(line.utf8)
            self.schema = schema
            self.field = field
            self.reason = reason
        }

        init(bytes: [UInt8], field: String = "", _ reason: String) {
            self.line = bytes
            self.field = field
            self.reason = reason
        }
    }

    static let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)

    static let cases: [Case] = [
        Case(#"{"id":"a","dense":[1,2,3"#, "invalid JSON at byte 25: unexpected end of line, expected ',' or ']' after an array element"),
        Case(#"{"id":"a","dense":[1,2,3,4]} xyz"#, "invalid JSON at byte 30: unexpected 'x' after the end of the JSON value"),
        Case(#"{"id":"a","dense":[1,NaN,3,4]}"#, "invalid JSON at byte 22: NaN and Infinity are not JSON numbers"),
        Case(#"{"id":"a","dense":[1,-Infinity,3,4]}"#, "invalid JSON at byte 23: NaN and Infinity are not JSON numbers"),
        Case(#"{"id":"a","dense":[1,1e999,3,4]}"#, "invalid JSON at byte 22: the number 1e999 is outside the range of a 64-bit float"),
        Case(#"{"id":"a","dense":[1,1..2,3,4]}"#, "invalid JSON at byte 24: expected a digit after the decimal point, found '.'"),
        Case(#"{"id":"a","dense":[1,01,3,4]}"#, "invalid JSON at byte 22: a number may not start with 0 followed by a digit"),
        Case(#"{"id":"a\ud800","dense":[1,2,3,4]}"#, #"invalid JSON at byte 9: \uD800 is a high surrogate without a low surrogate after it"#),
        Case(#"{"id":"a\x","dense":[1,2,3,4]}"#, #"invalid JSON at byte 9: invalid escape '\x' in a string"#),
        Case(bytes: Array(#"{"id":"a"#.utf8) + [0xC3, 0x28] + Array(#"","dense":[1,2,3,4]}"#.utf8),
             "invalid JSON at byte 9: invalid UTF-8 in a string"),
        Case(bytes: Array(#"{"id":"a"#.utf8) + [0x01] + Array(#"","dense":[1,2,3,4]}"#.utf8),
             "invalid JSON at byte 9: control character 0x1 in a string must be escaped"),
        Case(#"{"id":"a","dense":[1,2,3,4],"metadata":{"deep":\#(deep)}}"#,
             "invalid JSON at byte 558: arrays and objects nested deeper than 512 levels"),
        Case(#"{"id":"a" "dense":[1,2,3,4]}"#, "invalid JSON at byte 11: expected ',' or '}' after an object member, found '\"'"),
        Case(#"{"id":"a",7:[1]}"#, "invalid JSON at byte 11: expected a string key, found '7'"),
        // JSON, but a number the field's type cannot hold:
        Case(#"{"id":"a","dense":[1,1e-50,3,4]}"#, field: "dense[1]", "1e-50 is outside the range of a 32-bit float"),
        Case(#"{"id":"a","dense":[1,2,3,1e-400]}"#, field: "dense[3]", "is not a number a 64-bit float can hold"),
        Case(#"{"id":"a","sparse":{"indices":[1,2],"values":[1,1e-46]}}"#, field: "sparse.values[1]",
             "1e-46 is outside the range of a 32-bit float"),
        Case(#"{"id":"a","sparse":{"indices":[1e20],"values":[1]}}"#, field: "sparse.indices[0]",
             "1e+20 is outside the range of a 64-bit integer"),
        Case(#"{"id":"a","sparse":{"ocean":1,"wave":1e39}}"#, schema: JSONLFuzzTests.vocabularySchema, field: "sparse.wave",
             "1e+39 is outside the range of a 32-bit float"),
        Case(#"{"id":"a","vector":{"sea":-1e-50}}"#, schema: JSONLFuzzTests.vocabularySchema, field: "vector.sea",
             "-1e-50 is outside the range of a 32-bit float"),
        Case(#"{"id":"a","dense":[1,2,3,4],"metadata":{"x":1e-400}}"#, field: "metadata.x", "is not a number a 64-bit float can hold"),
        Case(#"{"id":"a","dense":[1,2,3,4],"metadata":{"x":[true,{"y":[1,1e-400]}]}}"#, field: "metadata.x[1].y[1]",
             "is not a number a 64-bit float can hold"),
    ]

    @Test("each line is rejected with its exact one-line message", arguments: cases)
    func message(_ example: Case) {
        switch JSONLFuzzTests.prepare(example.line, schema: example.schema) {
        case .success:
            Issue.record("accepted: \(JSONLFuzzTests.printable(example.line))")
        case .failure(let failure):
            #expect(failure.field == example.field, "reason: \(failure.reason)")
            #expect(failure.reason == example.reason)
        }
    }

    @Test("metadata nested 512 levels deep is accepted and stored, also when lines are decoded on worker threads")
    func deepestAcceptedNesting() throws {
        // The line's object and the metadata object are two levels: 510 arrays inside make 512.
        let depth = JSONSyntax.maxDepth - 2
        let value = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let line = { (i: Int) in #"{"id":"deep-\#(i)","dense":[1,2,3,4],"metadata":{"v":\#(value)}}"# }
        #expect(JSONSyntax.firstError(in: Data(line(0).utf8)) == nil)
        let tooDeep = #"{"id":"x","dense":[1,2,3,4],"metadata":{"v":[\#(value)]}}"#
        #expect(JSONSyntax.firstError(in: Data(tooDeep.utf8))?.reason == "arrays and objects nested deeper than 512 levels")
        #expect(throws: ValidationFailure.self) { try JSONLFuzzTests.prepare(Array(tooDeep.utf8), schema: JSONLFuzzTests.schema).get() }

        // A batch of 128 lines is decoded by two workers (ParallelMap), one half each: a deep line in
        // each half reaches the recursion of the decoder (and of the canonical encoder) on a worker's
        // stack. Only two lines are deep because decoding one costs about a second in a debug build
        // (Foundation's nested decoding is quadratic in the depth).
        let lines = (0..<128).map { [0, 127].contains($0) ? line($0) : #"{"id":"flat-\#($0)","dense":[1,2,3,4]}"# }
        let directory = TemporaryDirectory("fathom-fuzz-deep")
        let file = directory.path("deep.jsonl")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: file))
        let database = try Database(path: directory.path("deep.fathom"))
        let collection = try database.createCollection(schema: JSONLFuzzTests.schema)
        let report = try collection.ingest(jsonl: file, options: IngestOptions(batchSize: 128))
        #expect(report.documentsCommitted == 128)
        let stored = try collection.document(id: "deep-127")?.metadata?["v"]
        var level = stored, levels = 0
        while case .array(let items)? = level, let first = items.first {
            level = first
            levels += 1
        }
        #expect(levels == depth)
        #expect(level == .number(1))
    }
}
