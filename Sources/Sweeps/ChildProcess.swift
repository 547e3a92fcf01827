#if canImport(Glibc)
import Glibc
#endif
import Support

/// Starting a child `train` with posix_spawn: standard input from /dev/null, output and errors
/// appended to its log (opened by the caller), its own process group (a terminal's Ctrl-C reaches only the sweep, which
/// forwards it once to every child), default signal handling and an empty signal mask, and the
/// run's lock as descriptor `lockDescriptorInChild` (so the lock lasts as long as the child).
enum ChildProcess {
    static let lockDescriptorInChild: Int32 = 200

    static func spawn(executable: String, arguments: [String], log: RunLogFile, lock: RunLock) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // The log is opened here, checked to be a regular file: opened in the child, a FIFO
        // would block posix_spawn (and so the sweep) until something read it.
        posix_spawn_file_actions_adddup2(&actions, log.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, log.descriptor, 2)
        if lock.descriptor != lockDescriptorInChild {
            // dup2 clears close-on-exec on the copy only: the child keeps this lock, and no other.
            posix_spawn_file_actions_adddup2(&actions, lock.descriptor, lockDescriptorInChild)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        ParentDeath.nameThisProcessAsParent()  // the child ends with the sweep, even a SIGKILLed one
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw SweepError.runtime("\(executable): cannot start: \(String(cString: strerror(status)))")
        }
        return pid
    }

    /// The exit status as a shell reports it: the code, or 128 + the signal that ended it.
    static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// SIGINT, SIGTERM and SIGHUP are counted and SIGCHLD noted, each waking the scheduler through a
/// pipe (the self-pipe trick), so the loop sleeps in poll() and never misses an event.
enum SignalRelay {
    nonisolated(unsafe) static var pipeEnds: (read: Int32, write: Int32) = (-1, -1)
    nonisolated(unsafe) static var lastSignal: Int32 = 0
    nonisolated(unsafe) static var count: Int32 = 0

    static func install() {
        guard pipeEnds.read < 0 else { return }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        pipeEnds = (ends[0], ends[1])
        let handler: @convention(c) (Int32) -> Void = { received in
            if received != SIGCHLD {
                SignalRelay.lastSignal = received
                SignalRelay.count &+= 1
            }
            var byte: UInt8 = 0
            _ = write(SignalRelay.pipeEnds.write, &byte, 1)
        }
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD] { Glibc.signal(signal, handler) }
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Ends a `wait` early (from another thread).
    static func wake() {
        guard pipeEnds.write >= 0 else { return }
        var byte: UInt8 = 0
        _ = write(pipeEnds.write, &byte, 1)
    }

    /// Sleeps until a signal arrives or `milliseconds` pass.
    static func wait(milliseconds: Int32) {
        var descriptor = pollfd(fd: pipeEnds.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
        var sink = [UInt8](repeating: 0, count: 64)
        while read(pipeEnds.read, &sink, sink.count) > 0 {}
    }
}
