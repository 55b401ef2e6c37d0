@testable import Fathom
import Testing

@Suite("Byte shuffling")
struct ByteShuffleTests {
    @Test("shuffle then unshuffle restores the bytes, for every element width and count")
    func roundTrip() {
        for (width, count) in [1, 2, 3, 4, 8].flatMap({ width in [0, 1, 37].map { (width, $0) } }) {
            let source = (0..<(width * count)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var shuffled: [UInt8] = []
            source.withUnsafeBytes { ByteShuffle.shuffle($0, width: width, into: &shuffled) }
            #expect(shuffled.count == source.count)
            var restored = [UInt8](repeating: 0, count: source.count)
            shuffled.withUnsafeBytes { input in
                restored.withUnsafeMutableBytes { ByteShuffle.unshuffle(input, width: width, into: $0) }
            }
            #expect(restored == source, "width \(width), count \(count)")
        }
    }

    @Test("planes group the n-th byte of every element")
    func planes() {
        let values: [UInt32] = [0x0403_0201, 0x0807_0605]
        var shuffled: [UInt8] = []
        values.withUnsafeBytes { ByteShuffle.shuffle($0, width: 4, into: &shuffled) }
        #expect(shuffled == [1, 5, 2, 6, 3, 7, 4, 8])
    }
}
