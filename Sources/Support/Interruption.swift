#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP set a flag; training stops after the current update, writes its
/// files and exits 128 + the signal. SIGPIPE is ignored: when standard output goes away
/// (`| head -1`) writes to it fail with EPIPE and are dropped, and the run keeps training and
/// writing its files. Writes that must not be cut short run inside `deferSignals`.
public enum Interruption {
    /// The first stopping signal received, 0 if none.
    nonisolated(unsafe) public static var signal: Int32 = 0
    /// The signals that stop a run.
    public static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// True once a stopping signal has arrived.
    public static var pending: Bool { signal != 0 }

    public static func install() {
        signal = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { received in
            if Interruption.signal == 0 { Interruption.signal = received }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART  // a signal never makes a read or write fail with EINTR
        for s in stopping { sigaction(s, &action, nil) }
        ignoreBrokenPipe()
        // A parent may start us with these signals blocked (some test runners and process
        // libraries do); unblock them so Ctrl-C and `kill` always reach the handler.
        var unblock = stoppingSet
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// SIGPIPE ignored: a closed standard output turns into failed writes (EPIPE), not death.
    public static func ignoreBrokenPipe() {
        Glibc.signal(SIGPIPE, SIG_IGN)
    }

    /// Runs `body` with the stopping signals held back: one arriving meanwhile is delivered when
    /// `body` returns (and only sets `signal`), so a save or checkpoint is never cut short.
    public static func deferSignals<T>(_ body: () throws -> T) rethrows -> T {
        var block = stoppingSet, previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// "SIGHUP", "SIGINT", "SIGTERM".
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    private static var stoppingSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for s in stopping { sigaddset(&set, s) }
        return set
    }
}
