import Foundation

/// Serialises compactions of one database file across threads and processes.
///
/// A `flock(2)` on `<database>-compaction.lock` (never on the database file
/// itself: closing any descriptor of that file would drop SQLite's own POSIX
/// locks). The kernel releases the lock when its holder dies, even by
/// SIGKILL, so whoever holds it knows that no other compaction is running, and
/// that the unpublished (`retired`) segments it finds are leftovers of an
/// interrupted run, safe to remove. The file is empty and never deleted
/// (deleting a lock file races with a process about to lock it).
final class CompactionLock {
    private let descriptor: Int32

    /// Takes the lock; nil when another holder has it and `wait` is false.
    init?(databasePath: String, wait: Bool) throws {
        let path = databasePath + "-compaction.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw FathomError.io(path: path, reason: "cannot open the compaction lock: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let error = errno
            if error == EINTR { continue }
            close(descriptor)
            if error == EWOULDBLOCK { return nil }
            throw FathomError.io(path: path, reason: "cannot lock: \(String(cString: strerror(error)))")
        }
        self.descriptor = descriptor
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(descriptor)
    }
}
