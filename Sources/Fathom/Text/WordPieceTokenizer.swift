/// BERT's WordPiece tokenizer, reproducing the reference (Hugging Face's
/// `BertTokenizer` / `tokenizers` with a `vocab.txt`, no special tokens
/// added) token for token:
///
/// 1. The special tokens of the vocabulary (`[CLS]`, `[SEP]`, `[MASK]`,
///    `[UNK]`, `[PAD]`) written in the text are matched verbatim first.
/// 2. Cleaning: NUL, U+FFFD and control/format/unassigned/private-use
///    characters are removed; white space separates words.
/// 3. CJK ideographs become words of their own.
/// 4. Uncased vocabularies: accents are stripped (NFD, nonspacing marks
///    removed) and the text lower-cased.
/// 5. Punctuation (ASCII symbols included) is split off as one-character words.
/// 6. WordPiece: each word is cut greedily into the longest vocabulary tokens,
///    left to right, pieces after the first taken from the `##` tokens; a word
///    that cannot be cut that way, or longer than 100 characters, becomes `[UNK]`.
///
/// ```swift
/// let tokenizer = WordPieceTokenizer(vocabulary: try WordPieceVocabulary(contentsOf: "vocab.txt"))
/// tokenizer.tokenize("Naïve café")   // ["naive", "cafe"]
/// tokenizer.tokenIDs("Naïve café")   // [15743, 7668]
/// ```
///
/// It is `Sendable` and immutable: share one between threads.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary tokens come from.
    public let vocabulary: WordPieceVocabulary
    /// Whether text is lower-cased and stripped of accents (uncased vocabularies).
    public let lowercase: Bool
    /// Words longer than this many characters (Unicode scalars) become `[UNK]`, as in the reference.
    public static let maximumWordLength = 100

    private let trie: WordPieceTrie
    /// The special tokens as UTF-8, longest first (a longer match wins).
    private let specialTokens: [(bytes: [UInt8], id: Int32)]
    private let unknownID: Int32

    /// Creates a tokenizer.
    ///
    /// - Parameters:
    ///   - vocabulary: The vocabulary.
    ///   - lowercase: Lower-case and strip accents; nil follows ``WordPieceVocabulary/isUncased``.
    public init(vocabulary: WordPieceVocabulary, lowercase: Bool? = nil) {
        self.vocabulary = vocabulary
        self.lowercase = lowercase ?? vocabulary.isUncased
        self.trie = WordPieceTrie(tokens: vocabulary.tokens)
        self.specialTokens = vocabulary.specialTokenIDs
            .map { (bytes: Array(vocabulary.tokens[$0].utf8), id: Int32($0)) }
            .sorted { $0.bytes.count > $1.bytes.count }
        self.unknownID = Int32(vocabulary.unknownTokenID)
    }

    /// The token ids of `text`, in order, repeats included.
    public func tokenIDs(_ text: String) -> [Int] {
        var ids: [Int32] = []
        encode(text, into: &ids)
        return ids.map(Int.init)
    }

    /// The tokens of `text`, in order (`[UNK]` for words the vocabulary cannot spell).
    public func tokenize(_ text: String) -> [String] {
        var ids: [Int32] = []
        encode(text, into: &ids)
        return ids.map { vocabulary.tokens[Int($0)] }
    }

    /// Appends the token ids of `text` to `ids`.
    func encode(_ text: String, into ids: inout [Int32]) {
        var encoder = Encoder(tokenizer: self)
        var text = text
        text.withUTF8 { encoder.run($0) }   // contiguous UTF-8 (a bridged string is copied once)
        ids.append(contentsOf: encoder.ids)
    }

    /// The state of one `encode`: the ids so far and the word being built,
    /// as normalized UTF-8 (a contiguous buffer reused for every word, so the
    /// loop allocates nothing per character).
    private struct Encoder {
        let tokenizer: WordPieceTokenizer
        var ids: [Int32] = []
        var word: [UInt8] = []
        /// Characters (Unicode scalars) in `word`.
        var wordLength = 0
        /// Scratch for the normalization of one non-ASCII character.
        var normalized: [Unicode.Scalar] = []

        init(tokenizer: WordPieceTokenizer) {
            self.tokenizer = tokenizer
            word.reserveCapacity(64)
        }

        mutating func run(_ utf8: UnsafeBufferPointer<UInt8>) {
            let lowercase = tokenizer.lowercase
            var i = 0
            while i < utf8.count {
                let byte = utf8[i]
                if byte < 0x80 {
                    if byte == UInt8(ascii: "["), let (length, id) = specialToken(in: utf8, at: i) {
                        endWord()
                        ids.append(id)
                        i += length
                        continue
                    }
                    switch BertCharacters.asciiRoles[Int(byte)] {
                    case .dropped: break
                    case .space: endWord()
                    case .punctuation: wordOfOne(byte)
                    case .letter:
                        word.append(lowercase && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                        wordLength += 1
                    }
                    i += 1
                    continue
                }
                // A multi-byte character (the String is valid UTF-8).
                let (scalar, length) = Self.decode(utf8, at: i)
                i += length
                switch BertCharacters.role(of: scalar) {
                case .dropped: continue
                case .space: endWord(); continue
                case .punctuation, .letter: break
                }
                normalized.removeAll(keepingCapacity: true)
                if lowercase {
                    BertCharacters.appendStrippedLowercase(scalar, to: &normalized)
                } else {
                    normalized.append(scalar)
                }
                let alone = BertCharacters.isCJKIdeograph(scalar.value)
                if alone { endWord() }
                for character in normalized { append(character) }
                if alone { endWord() }
            }
            endWord()
        }

        /// Appends a normalized character to the word, or splits on it.
        private mutating func append(_ scalar: Unicode.Scalar) {
            switch BertCharacters.roleAfterNormalization(of: scalar) {
            case .dropped, .letter:
                Self.appendUTF8(scalar, to: &word)
                wordLength += 1
            case .space:
                endWord()
            case .punctuation:
                endWord()
                Self.appendUTF8(scalar, to: &word)
                wordLength = 1
                endWord()
            }
        }

        private mutating func wordOfOne(_ byte: UInt8) {
            endWord()
            word.append(byte)
            wordLength = 1
            endWord()
        }

        /// The special token written at `position`, if any: (its length in bytes, its id).
        private func specialToken(in utf8: UnsafeBufferPointer<UInt8>, at position: Int) -> (Int, Int32)? {
            for token in tokenizer.specialTokens where position + token.bytes.count <= utf8.count {
                var matches = true
                for (offset, byte) in token.bytes.enumerated() where utf8[position + offset] != byte {
                    matches = false
                    break
                }
                if matches { return (token.bytes.count, token.id) }
            }
            return nil
        }

        /// Cuts the finished word into WordPiece tokens and starts a new one.
        private mutating func endWord() {
            guard !word.isEmpty else { return }
            defer {
                word.removeAll(keepingCapacity: true)
                wordLength = 0
            }
            let unknown = tokenizer.unknownID
            guard wordLength <= WordPieceTokenizer.maximumWordLength else {
                ids.append(unknown)
                return
            }
            let mark = ids.count
            let trie = tokenizer.trie
            let complete = word.withUnsafeBufferPointer { bytes -> Bool in
                var start = 0
                while start < bytes.count {
                    guard let match = trie.longestMatch(bytes, from: start, to: bytes.count, continuation: start > 0) else {
                        return false
                    }
                    ids.append(match.id)
                    start = match.end
                }
                return true
            }
            if !complete {
                // The reference gives up on the whole word, not just its tail.
                ids.removeSubrange(mark...)
                ids.append(unknown)
            }
        }

        @inline(__always)
        private static func decode(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
            let lead = UInt32(utf8[i])
            func trail(_ k: Int) -> UInt32 { i + k < utf8.count ? UInt32(utf8[i + k]) & 0x3F : 0 }
            let value: UInt32, length: Int
            if lead < 0xE0 {
                (value, length) = ((lead & 0x1F) << 6 | trail(1), 2)
            } else if lead < 0xF0 {
                (value, length) = ((lead & 0x0F) << 12 | trail(1) << 6 | trail(2), 3)
            } else {
                (value, length) = ((lead & 0x07) << 18 | trail(1) << 12 | trail(2) << 6 | trail(3), 4)
            }
            return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
        }

        @inline(__always)
        private static func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
            let value = scalar.value
            switch value {
            case 0..<0x80:
                bytes.append(UInt8(value))
            case 0x80..<0x800:
                bytes.append(UInt8(0xC0 | value >> 6))
                bytes.append(UInt8(0x80 | value & 0x3F))
            case 0x800..<0x10000:
                bytes.append(UInt8(0xE0 | value >> 12))
                bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
                bytes.append(UInt8(0x80 | value & 0x3F))
            default:
                bytes.append(UInt8(0xF0 | value >> 18))
                bytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
                bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
                bytes.append(UInt8(0x80 | value & 0x3F))
            }
        }
    }
}
