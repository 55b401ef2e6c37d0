/// Version-5 (name-based, SHA-1) UUIDs as RFC 9562 §5.5 defines them: the
/// same name in the same namespace always gives the same UUID, in any
/// language (`uuid.uuid5(namespace, name)` in Python).
enum NameBasedUUID {
    /// The UUID of `name` (its UTF-8 bytes) in `namespace` (16 bytes), in the
    /// lowercase hyphenated form, e.g. `38e8a0cb-2a19-55d9-a6fe-1e8222368e91`.
    static func version5(namespace: [UInt8], name: String) -> String {
        precondition(namespace.count == 16, "a UUID namespace is 16 bytes")
        var bytes = Array(SHA1.digest(namespace + Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50   // version 5
        bytes[8] = (bytes[8] & 0x3F) | 0x80   // variant 10 (RFC 9562)
        return format(bytes)
    }

    /// `bytes` (16) in the lowercase `8-4-4-4-12` hexadecimal form.
    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
