/// Writes documents as JSONL lines in the shape `DocumentRecord` reads, so
/// that `export` followed by `ingest` reproduces every document exactly:
/// floats are written in their shortest round-trip form, metadata in its
/// stored canonical form. Its string and number writers are shared by the
/// other export formats (Export/).
enum DocumentRecordEncoder {
    static func line(id: String, sparse: SparseVector?, terms: [String]?, dense: [Float]?,
                     metadata: String?, text: String?) -> String {
        var out = "{\"id\":"
        appendString(id, to: &out)
        if let sparse {
            if let terms {
                // Sorted by string, not by id: ids depend on the order terms first
                // appeared in this database, which a re-ingested copy does not share.
                let pairs = zip(sparse.indices, sparse.values).map { (terms[Int($0.0)], $0.1) }.sorted { $0.0 < $1.0 }
                out += ",\"sparse\":{"
                for (i, (term, value)) in pairs.enumerated() {
                    if i > 0 { out += "," }
                    appendString(term, to: &out)
                    out += ":"
                    out += value.description
                }
                out += "}"
            } else {
                out += ",\"sparse\":{\"indices\":["
                for (i, index) in sparse.indices.enumerated() {
                    if i > 0 { out += "," }
                    out += String(index)
                }
                out += "],\"values\":["
                appendNumbers(sparse.values, to: &out)
                out += "]}"
            }
        }
        if let dense {
            out += ",\"dense\":["
            appendNumbers(dense, to: &out)
            out += "]"
        }
        if let metadata { out += ",\"metadata\":" + metadata }
        if let text {
            out += ",\"text\":"
            appendString(text, to: &out)
        }
        out += "}"
        return out
    }

    /// Appends `values` separated by commas (no brackets).
    static func appendNumbers(_ values: [Float], to out: inout String) {
        for (i, value) in values.enumerated() {
            if i > 0 { out += "," }
            // Float.description is the shortest string that parses back to the same float.
            out += value.description
        }
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
