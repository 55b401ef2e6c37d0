#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Maps an array on every core, preserving order: JSON decoding dominates
/// ingest time, and lines decode independently.
enum ParallelMap {
    static func map<Input: Sendable, Output: Sendable>(_ inputs: [Input], _ transform: @Sendable (Input) -> Output) -> [Output] {
        let workers = min(System.activeProcessorCount, max(1, inputs.count / 64))
        guard workers > 1 else { return inputs.map(transform) }
        var outputs = [Output?](repeating: nil, count: inputs.count)
        outputs.withUnsafeMutableBufferPointer { buffer in
            // Each worker writes a disjoint range of `buffer`, so the writes do not race.
            nonisolated(unsafe) let results = buffer
            let chunk = (inputs.count + workers - 1) / workers
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = worker * chunk
                for i in start..<min(inputs.count, start + chunk) { results[i] = transform(inputs[i]) }
            }
        }
        return outputs.map { $0! }
    }
}

enum System {
    static let activeProcessorCount: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
