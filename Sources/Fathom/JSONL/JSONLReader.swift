import Foundation

/// Streams the lines of a JSONL file (or standard input, path `-`) with their
/// line numbers, in bounded memory: the file is read in 1 MiB chunks and at
/// most one line beyond that is held. Blank lines are skipped (but counted),
/// a trailing `\r` is dropped, and a UTF-8 byte-order mark on the first line
/// is ignored.
///
/// ```swift
/// let reader = try JSONLReader(path: "corpus.jsonl")
/// while let line = try reader.next() { print(line.number, line.bytes.count) }
/// ```
public final class JSONLReader {
    /// One non-blank line of the input.
    public struct Line: Sendable {
        /// The 1-based line number in the input, blank lines counted.
        public var number: Int
        /// The line's bytes, without its line terminator (`\n` or `\r\n`) and, on the first
        /// line, without a UTF-8 byte-order mark.
        public var bytes: Data
    }

    /// Lines longer than this (give or take one 1 MiB read) are rejected rather than buffered:
    /// ``next()`` throws for such a line and continues after it on the next call.
    public static let maxLineBytes = 64 << 20
    private static let chunkSize = 1 << 20

    /// The path being read, as given; `-` for standard input.
    public let path: String
    private let handle: FileHandle
    private var buffer = Data()
    private var start = 0
    private var lineNumber = 0
    private var atEnd = false
    /// Bytes read from the input so far (for progress). The input is read in chunks, so this can
    /// run ahead of the lines returned.
    public private(set) var bytesRead: Int = 0
    /// The input's size in bytes, when it is a regular file; nil for standard input, pipes and
    /// other special files.
    public let totalBytes: Int?

    /// Opens `path` for reading, or standard input when `path` is `-`.
    ///
    /// - Throws: ``FathomError/io(path:reason:)`` when the file does not exist, is a directory,
    ///   or cannot be opened.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardInput
            totalBytes = nil
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw FathomError.io(path: path, reason: "no such file")
            }
            guard !isDirectory.boolValue else { throw FathomError.io(path: path, reason: "is a directory") }
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw FathomError.io(path: path, reason: "cannot be opened for reading")
            }
            handle = opened
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            totalBytes = (attributes?[.type] as? FileAttributeType) == .typeRegular
                ? (attributes?[.size] as? NSNumber)?.intValue : nil
        }
    }

    deinit { if path != "-" { try? handle.close() } }

    /// The next non-blank line, or nil at the end of the input.
    public func next() throws -> Line? {
        while true {
            if let newline = Self.firstNewline(in: buffer, from: start) {
                let line = takeLine(upTo: newline)
                start = newline + 1
                if let line { return line }
                continue
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = takeLine(upTo: buffer.count)
                start = buffer.count
                if let line { return line }
                return nil
            }
            guard buffer.count - start <= Self.maxLineBytes else { try skipOverlongLine() }
            try fill()
        }
    }

    /// Drops the rest of a line longer than `maxLineBytes` without buffering
    /// it, then throws; the reader stays usable and continues with the next line.
    private func skipOverlongLine() throws -> Never {
        lineNumber += 1
        let number = lineNumber
        while true {
            start = buffer.count
            try fill()
            if let newline = Self.firstNewline(in: buffer, from: start) {
                start = newline + 1
                break
            }
            if atEnd { break }
        }
        throw FathomError.invalidRecord(location: InputLocation(file: path, line: number), field: "",
                                        reason: "line longer than \(Self.maxLineBytes) bytes")
    }

    private func fill() throws {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk: Data
        do {
            chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
        } catch {
            throw FathomError.io(path: path, reason: "read failed: \(error.localizedDescription)")
        }
        if chunk.isEmpty { atEnd = true }
        bytesRead += chunk.count
        buffer.append(chunk)
        // Data slices keep absolute indices; rebase so indices start at 0.
        if buffer.startIndex != 0 { buffer = Data(buffer) }
    }

    /// memchr over the buffer's bytes (a byte-wise loop over a class's stored
    /// `Data` pays an exclusivity check per byte: measured 10% of ingest).
    private static func firstNewline(in data: Data, from start: Int) -> Int? {
        data.withUnsafeBytes { raw -> Int? in
            guard start < raw.count, let base = raw.baseAddress else { return nil }
            guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// The line in `start..<end`, or nil when it is blank.
    private func takeLine(upTo end: Int) -> Line? {
        lineNumber += 1
        let first = lineNumber == 1
        let data = buffer
        return data.withUnsafeBytes { raw -> Line? in
            var lineStart = start, lineEnd = end
            if first, end - start >= 3, raw[start] == 0xEF, raw[start + 1] == 0xBB, raw[start + 2] == 0xBF {
                lineStart += 3
            }
            if lineEnd > lineStart, raw[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            var isBlank = true
            for i in lineStart..<lineEnd where raw[i] != 0x20 && raw[i] != 0x09 {
                isBlank = false
                break
            }
            return isBlank ? nil : Line(number: lineNumber, bytes: Data(UnsafeRawBufferPointer(rebasing: raw[lineStart..<lineEnd])))
        }
    }
}
