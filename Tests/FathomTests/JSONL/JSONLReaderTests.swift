import Foundation
@testable import Fathom
import FathomTestSupport
import Testing

@Suite("JSONL reader")
struct JSONLReaderTests {
    /// Every line the reader yields for a file holding `contents`, as (number, text).
    static func lines(of contents: [UInt8]) throws -> [(number: Int, text: String)] {
        let directory = TemporaryDirectory()
        let path = directory.path("input.jsonl")
        try Data(contents).write(to: URL(fileURLWithPath: path))
        let reader = try JSONLReader(path: path)
        var lines: [(number: Int, text: String)] = []
        while let line = try reader.next() { lines.append((line.number, String(decoding: line.bytes, as: UTF8.self))) }
        #expect(try reader.next() == nil, "the end stays the end")
        #expect(reader.bytesRead == contents.count)
        #expect(reader.totalBytes == contents.count)
        return lines
    }

    static func lines(of text: String) throws -> [(number: Int, text: String)] {
        try lines(of: Array(text.utf8))
    }

    /// Expects opening `path` to fail with an I/O error naming it.
    static func expectIOError(opening path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: FathomError.self, sourceLocation: sourceLocation) { try JSONLReader(path: path) }
        guard case .io(let reported, _)? = error else {
            Issue.record("expected an I/O error, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(reported == path, sourceLocation: sourceLocation)
    }

    @Test("yields each line with its 1-based line number")
    func numberedLines() throws {
        let lines = try Self.lines(of: "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n")
        #expect(lines.map(\.number) == [1, 2, 3])
        #expect(lines.map(\.text) == ["{\"id\":\"a\"}", "{\"id\":\"b\"}", "{\"id\":\"c\"}"])
    }

    @Test("blank lines, including ones of spaces and tabs, are skipped but counted")
    func blankLines() throws {
        let lines = try Self.lines(of: "\na\n\n  \t \nb\n\n")
        #expect(lines.map(\.number) == [2, 5])
        #expect(lines.map(\.text) == ["a", "b"])
    }

    @Test("CRLF line endings lose their carriage return, and CRLF blank lines are skipped")
    func crlf() throws {
        let lines = try Self.lines(of: "a\r\n\r\nb\r\n")
        #expect(lines.map(\.number) == [1, 3])
        #expect(lines.map(\.text) == ["a", "b"])
    }

    @Test("a UTF-8 byte-order mark at the start of the file is dropped")
    func byteOrderMark() throws {
        let lines = try Self.lines(of: [0xEF, 0xBB, 0xBF] + Array("{}\n{}\n".utf8))
        #expect(lines.map(\.text) == ["{}", "{}"])
    }

    @Test("a byte-order mark alone on the first line makes it blank")
    func byteOrderMarkAlone() throws {
        let lines = try Self.lines(of: [0xEF, 0xBB, 0xBF, 0x0A] + Array("x\n".utf8))
        #expect(lines.map(\.number) == [2])
    }

    @Test("a byte-order mark after the first line is kept as data")
    func byteOrderMarkLater() throws {
        let lines = try Self.lines(of: Array("a\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b\n".utf8))
        #expect(lines.map(\.text) == ["a", "\u{FEFF}b"])
    }

    @Test("the last line is read even without a final newline")
    func noFinalNewline() throws {
        let lines = try Self.lines(of: "a\nb")
        #expect(lines.map(\.number) == [1, 2])
        #expect(lines.map(\.text) == ["a", "b"])
    }

    @Test("a final line of only a carriage return is blank")
    func finalCarriageReturn() throws {
        #expect(try Self.lines(of: "a\n\r").map(\.text) == ["a"])
    }

    @Test("an empty file has no lines")
    func emptyFile() throws {
        #expect(try Self.lines(of: "").isEmpty)
        #expect(try Self.lines(of: "\n\n \n").isEmpty)
    }

    @Test("a file of several 1 MiB chunks is read whole, lines crossing chunk boundaries included")
    func linesAcrossChunks() throws {
        var generator = SeededGenerator(seed: 61)
        var expected: [String] = []
        var text = ""
        while text.utf8.count < 3 << 20 {
            // Lengths vary (a few long ones too), so boundaries fall everywhere within lines.
            let length = Int.random(in: 0...9, using: &generator) == 0 ? Int.random(in: 1...50_000, using: &generator)
                                                                         : Int.random(in: 1...300, using: &generator)
            let line = "{\"n\":\(expected.count),\"pad\":\"" + String(repeating: "x", count: length) + "\"}"
            expected.append(line)
            text += line + (expected.count % 3 == 0 ? "\r\n" : "\n")
        }
        let lines = try Self.lines(of: text)
        #expect(lines.count == expected.count)
        #expect(lines.map(\.text) == expected)
        #expect(lines.map(\.number) == Array(1...expected.count))
    }

    @Test("a line longer than a chunk is read whole")
    func lineLongerThanAChunk() throws {
        let long = String(repeating: "y", count: (1 << 20) * 3 / 2)
        let lines = try Self.lines(of: "a\n" + long + "\nb\n")
        #expect(lines.map(\.text.utf8.count) == [1, long.utf8.count, 1])
        #expect(lines.map(\.number) == [1, 2, 3])
    }

    @Test("a missing file is an I/O error naming the path")
    func missingFile() {
        let directory = TemporaryDirectory()
        Self.expectIOError(opening: directory.path("absent.jsonl"))
    }

    @Test("a directory is an I/O error naming the path")
    func directory() {
        let directory = TemporaryDirectory()
        Self.expectIOError(opening: directory.url.path)
    }
}
