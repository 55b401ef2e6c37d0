import CFathomShims
import Dispatch
import Foundation
import Synchronization

/// A second thread for the dense part of a hybrid query, handed work through
/// an atomic flag instead of a dispatch queue.
///
/// The two parts of a hybrid query take about as long as each other (~110 µs
/// on the dev corpus). Through a GCD queue and a `DispatchGroup`, whether the
/// pool thread was still awake for the next query, and whether the caller
/// blocked waiting for it, depended on which part happened to finish first:
/// hybrid p50 was 150 µs in one build and 198 µs in another build of the
/// same source, which made 1.6 context switches per query (perf stat). Here
/// the worker spins for `idleSpin` after each job, so back-to-back queries
/// find it awake, and the caller polls while the other part finishes; both
/// park or yield only after a bounded spin.
///
/// One worker per process; a query that finds it busy (another thread's
/// hybrid query holds it) runs its part on a GCD thread instead.
final class PartWorker: @unchecked Sendable {
    // @unchecked: `job` is written only by the thread that claimed the worker
    // (state idle → claimed) before it publishes `posted` (sequentially
    // consistent store), and read by the worker after it observes `posted`
    // (acquire); the worker publishes `done` (release) after running it.
    static let shared = PartWorker()

    private enum State: Int { case idle, claimed, posted, done }
    private let state = Atomic<Int>(State.idle.rawValue)
    private let workerSleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var job: (() -> Void)?
    /// Nanoseconds the worker stays awake after a job.
    private let idleSpin: UInt64 = 300_000
    /// Nanoseconds a caller polls the other part before yielding between polls.
    private let callerSpin: UInt64 = 2_000_000

    private init() {
        let thread = Thread { [unowned self] in loop() }
        thread.name = "fathom-part-worker"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Runs `other` on the worker (or a GCD thread when the worker is busy)
    /// while `body` runs on this thread; returns when both have finished,
    /// also when `body` throws.
    func run<T>(_ other: @escaping @Sendable () -> Void, alongside body: () throws -> T) rethrows -> T {
        guard state.compareExchange(expected: State.idle.rawValue, desired: State.claimed.rawValue,
                                    ordering: .acquiring).exchanged else {
            let group = DispatchGroup()
            DispatchQueue.global(qos: .userInitiated).async(group: group, execute: other)
            defer { group.wait() }
            return try body()
        }
        job = other
        state.store(State.posted.rawValue, ordering: .sequentiallyConsistent)
        if workerSleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
        defer {
            waitForDone()
            state.store(State.idle.rawValue, ordering: .releasing)
        }
        return try body()
    }

    private func waitForDone() {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while state.load(ordering: .acquiring) != State.done.rawValue {
            polls += 1
            if polls & 255 == 0, DispatchTime.now().uptimeNanoseconds - start > callerSpin {
                sched_yield()
            } else {
                fathom_cpu_relax()
            }
        }
    }

    private func loop() {
        while true {
            var idleSince = DispatchTime.now().uptimeNanoseconds
            var polls = 0
            while state.load(ordering: .acquiring) != State.posted.rawValue {
                polls += 1
                guard polls & 255 == 0, DispatchTime.now().uptimeNanoseconds - idleSince > idleSpin else {
                    fathom_cpu_relax()
                    continue
                }
                // Park. The poster stores `posted` then reads `workerSleeping`; this
                // thread stores `workerSleeping` then reads the state: with
                // sequentially consistent ordering at least one sees the other's store.
                workerSleeping.store(true, ordering: .sequentiallyConsistent)
                if state.load(ordering: .sequentiallyConsistent) != State.posted.rawValue { wake.wait() }
                workerSleeping.store(false, ordering: .sequentiallyConsistent)
                idleSince = DispatchTime.now().uptimeNanoseconds
            }
            let work = job
            job = nil
            work?()
            state.store(State.done.rawValue, ordering: .releasing)
        }
    }
}
