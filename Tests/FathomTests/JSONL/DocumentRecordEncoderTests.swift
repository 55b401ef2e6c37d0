@testable import Fathom
import FathomTestSupport
import Testing

@Suite("JSONL record encoder")
struct DocumentRecordEncoderTests {
    typealias F = RecordFixtures

    static let awkwardStrings = [
        "plain", "", "with \"quotes\"", #"back\slash\\"#, "line\nbreak", "cr\rtab\t",
        "\u{0}\u{1}\u{8}\u{C}\u{1F}", "delete \u{7F}", "café", "日本語", "emoji 🐟🏳️‍🌈", "\u{2028}\u{2029}", "/slash/",
        "\\u0041 is not A",
    ]

    /// Writes a line and reads it back.
    static func roundTrip(id: String = "doc", sparse: SparseVector? = nil, terms: [String]? = nil, dense: [Float]? = nil,
                          metadata: String? = nil, text: String? = nil) throws -> DocumentRecord {
        let line = DocumentRecordEncoder.line(id: id, sparse: sparse, terms: terms, dense: dense, metadata: metadata, text: text)
        #expect(!line.contains("\n"), "one line: \(line)")
        return try F.decode(line)
    }

    @Test("a line it writes decodes back to the same record")
    func fullRecord() throws {
        let sparse = SparseVector(validatedIndices: [3, 17, 29_000], values: [0.5, 1e-7, 2.84e-34])
        let metadata: [String: JSONValue] = ["year": 2021, "tags": ["a", "b"], "nested": ["ok": true, "none": nil]]
        let record = try Self.roundTrip(id: "doc-1", sparse: sparse, dense: [-0.094, 0, 1e30],
                                        metadata: CanonicalJSON.encode(metadata), text: "some text")
        #expect(record == DocumentRecord(id: "doc-1", sparse: .indexed(indices: [3, 17, 29_000], values: [0.5, 1e-7, 2.84e-34]),
                                         dense: [-0.094, 0, 1e30], metadata: metadata, text: "some text"))
    }

    @Test("optional parts left out are absent from the record")
    func minimalRecord() throws {
        let record = try Self.roundTrip(id: "x", dense: [1])
        #expect(record == DocumentRecord(id: "x", sparse: nil, dense: [1], metadata: nil, text: nil))
    }

    @Test("the floats named in the format notes round-trip exactly", arguments: [1e-7, 2.84e-34, -0.094] as [Float])
    func namedFloats(value: Float) throws {
        let record = try Self.roundTrip(dense: [value])
        #expect(record.dense?.first?.bitPattern == value.bitPattern, "\(value) read back as \(String(describing: record.dense))")
    }

    @Test("extreme finite floats round-trip exactly")
    func extremeFloats() throws {
        let values: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude,
                               .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0, 1, -1, 16_777_217, 0.1, 1.0 / 3]
        let record = try Self.roundTrip(dense: values)
        #expect(record.dense?.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("random finite floats round-trip exactly, as dense values and as sparse weights")
    func randomFloats() throws {
        var generator = SeededGenerator(seed: 71)
        let dense = (0..<2_000).map { _ in RandomData.finiteFloat(using: &generator) }
        let weights = (0..<2_000).map { _ in RandomData.finiteFloat(nonNegative: true, using: &generator) }
        let sparse = SparseVector(validatedIndices: (0..<2_000).map(UInt32.init), values: weights)
        let record = try Self.roundTrip(sparse: sparse, dense: dense)
        let decodedDense = try #require(record.dense)
        for (written, read) in zip(dense, decodedDense) where written.bitPattern != read.bitPattern {
            Issue.record("dense \(written) (bits \(written.bitPattern)) read back as \(read)")
        }
        guard case .indexed(_, let values)? = record.sparse else {
            Issue.record("sparse part lost: \(String(describing: record.sparse))")
            return
        }
        for (written, read) in zip(weights, values) where written.bitPattern != read.bitPattern {
            Issue.record("weight \(written) (bits \(written.bitPattern)) read back as \(read)")
        }
    }

    @Test("ids and texts with quotes, backslashes, control characters and non-ASCII round-trip",
          arguments: awkwardStrings)
    func awkwardString(_ string: String) throws {
        let record = try Self.roundTrip(id: string, dense: [1], text: string)
        #expect(record.id == string)
        #expect(record.text == string)
    }

    @Test("control characters are escaped, so the line holds none raw")
    func controlCharactersEscaped() {
        var out = ""
        DocumentRecordEncoder.appendString("a\u{1}b\u{1F}\n\"\\", to: &out)
        #expect(out == #""a\u0001b\u001f\n\"\\""#)
    }

    @Test("string-term sparse vectors are written as term objects and read back")
    func stringTerms() throws {
        let terms = ["ocean", "say \"hi\"", "naïve", "back\\slash"]
        let sparse = SparseVector(validatedIndices: [0, 1, 2, 3], values: [1.5, 2.84e-34, 1e-7, 0])
        let record = try Self.roundTrip(sparse: sparse, terms: terms)
        #expect(record.sparse == .terms(["ocean": 1.5, "say \"hi\"": 2.84e-34, "naïve": 1e-7, "back\\slash": 0]))
    }

    @Test("string terms map through the term table by id")
    func termTableLookup() throws {
        let terms = ["zero", "one", "two", "three"]
        let sparse = SparseVector(validatedIndices: [1, 3], values: [0.25, 4])
        let record = try Self.roundTrip(sparse: sparse, terms: terms)
        #expect(record.sparse == .terms(["one": 0.25, "three": 4]))
    }

    @Test("string terms named like the indexed form's fields (values, indices) are read back as terms")
    func termsNamedLikeFields() throws {
        let terms = ["indices", "ocean", "values"]
        let sparse = SparseVector(validatedIndices: [0, 1, 2], values: [0.5, 1, 2])
        let record = try Self.roundTrip(sparse: sparse, terms: terms)
        #expect(record.sparse == .terms(["indices": 0.5, "ocean": 1, "values": 2]))
    }

    @Test("a written line validates into the document it came from")
    func validatesBack() throws {
        let sparse = SparseVector(validatedIndices: [2, 99], values: [0.75, 3])
        let line = DocumentRecordEncoder.line(id: "d", sparse: sparse, terms: nil, dense: [0.5, -0.25, 8],
                                              metadata: #"{"a":1}"#, text: "t")
        let prepared = try F.prepare(line)
        #expect(prepared.sparse == sparse)
        #expect(prepared.dense == [0.5, -0.25, 8])
        #expect(prepared.metadata == #"{"a":1}"#)
        #expect(prepared.text == "t")
    }
}
