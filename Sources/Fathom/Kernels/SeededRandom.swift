/// SplitMix64 (Steele, Lea & Flood 2014): the generator of every index build
/// that needs randomness (Seismic's centroids, the dense graph's levels).
/// Our own, so an index built from the same input and seed is the same, byte
/// for byte, whatever the standard library's generators do.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
