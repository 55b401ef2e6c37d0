import Foundation

/// How BERT's tokenizer classifies and normalizes characters (the
/// "BasicTokenizer" of the reference implementation, as its Rust port in
/// Hugging Face `tokenizers` runs it: clean the text, surround CJK ideographs
/// with spaces, strip accents and lower-case when uncased, then split on
/// white space and punctuation).
enum BertCharacters {
    /// What a character does to the word being built.
    enum Role: UInt8 {
        /// Removed by text cleaning: NUL, U+FFFD and control characters (the
        /// Unicode "other" categories Cc, Cf, Co, Cn, Cs), except tab and line ends.
        case dropped
        /// Ends the current word (white space; tab and line ends included).
        case space
        /// A word of its own: ASCII punctuation (33–47, 58–64, 91–96, 123–126,
        /// so `$`, `+`, `<`, `^` and `~` too) and Unicode punctuation (P*).
        case punctuation
        /// Part of a word.
        case letter
    }

    /// Roles of the 128 ASCII characters, so that English text never
    /// consults the Unicode tables.
    static let asciiRoles: [Role] = (0..<128).map { (code: Int) -> Role in
        switch code {
        case 9, 10, 13, 32: return .space
        case 0..<32, 127: return .dropped
        case 33...47, 58...64, 91...96, 123...126: return .punctuation
        default: return .letter
        }
    }

    /// The role of a character outside ASCII, before normalization.
    static func role(of scalar: Unicode.Scalar) -> Role {
        if scalar.value == 0xFFFD { return .dropped }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return .dropped
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punctuation
        default: return properties.isWhitespace ? .space : .letter
        }
    }

    /// The role of a character produced by normalization (which cannot be
    /// dropped: cleaning ran before it).
    @inline(__always)
    static func roleAfterNormalization(of scalar: Unicode.Scalar) -> Role {
        if scalar.value < 128 { return asciiRoles[Int(scalar.value)] }
        let role = role(of: scalar)
        return role == .dropped ? .letter : role
    }

    /// The CJK Unified Ideographs blocks BERT treats as words of their own
    /// (not Hiragana, Katakana or Hangul, which are written with spaces or
    /// tokenized as other letters).
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Uncased normalization of one non-ASCII character: canonical
    /// decomposition (NFD), nonspacing marks (Mn) removed — "é" becomes "e" —
    /// then the full lower-case mapping of each remaining character.
    /// Appends the result to `output`.
    static func appendStrippedLowercase(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let value = scalar.value
        if (0xAC00...0xD7A3).contains(value) {
            // Hangul syllables decompose algorithmically into their jamo, which
            // have no case and no marks (Unicode §3.12).
            let index = value - 0xAC00
            let lead = 0x1100 + index / 588, vowel = 0x1161 + (index % 588) / 28, trail = index % 28
            for part in [lead, vowel] + (trail > 0 ? [0x11A7 + trail] : []) {
                if let jamo = Unicode.Scalar(part) { output.append(jamo) }
            }
            return
        }
        for part in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars {
            let properties = part.properties
            guard properties.generalCategory != .nonspacingMark else { continue }
            if properties.changesWhenLowercased {
                output.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(part)
            }
        }
    }
}
