import Foundation

/// Named places where a test can make the process die as if killed, to prove
/// that an interruption there is harmless (`FATHOM_FAILPOINT=<name>` in the
/// environment: the process sends itself SIGKILL on reaching it — no cleanup,
/// no flush, exactly like `kill -9`). Unset, a hit costs one comparison.
enum Failpoint: String, Sendable, CaseIterable {
    /// A compaction has written its new segment, unpublished.
    case compactionBeforePublish = "compaction.before_publish"
    /// A compaction has committed its publish, and removed nothing yet.
    case compactionAfterPublish = "compaction.after_publish"
    /// A compaction has removed some rows of a retired segment.
    case compactionMidRemoval = "compaction.mid_removal"

    private static let armed: Failpoint? = ProcessInfo.processInfo.environment["FATHOM_FAILPOINT"].flatMap(Failpoint.init)

    @inline(__always)
    func hit() {
        if Self.armed == self { kill(getpid(), SIGKILL) }
    }
}
