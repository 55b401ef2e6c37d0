import Foundation
import Testing
@testable import Fathom
import FathomTestSupport

@Suite("Token tables: one token per line, line N naming term id N, with clear errors for bad files")
struct TokenTableTests {
    typealias B = Behaviour

    static func write(_ bytes: [UInt8], _ name: String = "vocab.txt", in scratch: B.Scratch) throws -> String {
        let path = scratch.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("LF and CRLF lines, a byte-order mark and a missing final newline all read the same tokens")
    func lineEndings() throws {
        let scratch = B.Scratch()
        let expected = ["[PAD]", "the", "##ing", "café", "a.b", " spaced "]
        let variants: [String] = [
            expected.joined(separator: "\n") + "\n",
            expected.joined(separator: "\n"),
            expected.joined(separator: "\r\n") + "\r\n",
            "\u{FEFF}" + expected.joined(separator: "\n") + "\n",
        ]
        for (i, text) in variants.enumerated() {
            let table = try TokenTable(contentsOfFile: try Self.write(Array(text.utf8), "v\(i).txt", in: scratch))
            #expect(table.tokens == expected, "variant \(i)")
            #expect(table.id(of: "##ing") == 2 && table.id(of: "missing") == nil)
        }
    }

    @Test("empty, repeated and non-UTF-8 lines, empty and missing files are errors naming the file and line")
    func errors() throws {
        let scratch = B.Scratch()
        let empty = try Self.write(Array("a\n\nb\n".utf8), "empty-line.txt", in: scratch)
        #expect(B.thrown { try TokenTable(contentsOfFile: empty) }
                == .invalidRecord(location: InputLocation(file: empty, line: 2), field: "", reason: "empty token (term id 1)"))
        let trailing = try Self.write(Array("a\nb\n\n".utf8), "trailing.txt", in: scratch)
        #expect(B.kind { try TokenTable(contentsOfFile: trailing) } == .invalidRecord)
        let repeated = try Self.write(Array("a\nb\nc\nb\n".utf8), "repeat.txt", in: scratch)
        #expect(B.thrown { try TokenTable(contentsOfFile: repeated) }
                == .invalidRecord(location: InputLocation(file: repeated, line: 4), field: "",
                                  reason: "token 'b' repeats line 2: each term id needs its own token"))
        let binary = try Self.write([UInt8(ascii: "a"), 0x0A, 0xFF, 0xFE, 0x0A], "binary.txt", in: scratch)
        #expect(B.thrown { try TokenTable(contentsOfFile: binary) }
                == .invalidRecord(location: InputLocation(file: binary, line: 2), field: "", reason: "not valid UTF-8"))
        let nothing = try Self.write([], "nothing.txt", in: scratch)
        #expect(B.thrown { try TokenTable(contentsOfFile: nothing) } == .invalidArgument(reason: "\(nothing) holds no tokens"))
        let missing = scratch.file("missing.txt")
        #expect(B.thrown { try TokenTable(contentsOfFile: missing) } == .io(path: missing, reason: "no such file"))
        #expect(B.thrown { try TokenTable(contentsOfFile: scratch.directory.url.path) }
                == .io(path: scratch.directory.url.path, reason: "is a directory"))
        #expect(B.kind { try TokenTable(tokens: ["x", "x"]) } == .invalidRecord)
    }
}
