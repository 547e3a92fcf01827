#if canImport(Glibc)
import Glibc
#endif
import CProcess

/// A sweep's children end with the sweep, however it ends. A sweep killed with SIGKILL cannot
/// signal its children, and they went on training with parent 1, each holding its run's lock, so
/// a rerun found every run "running in another sweep process". The sweep names itself in the
/// children's environment; a child asks the kernel for SIGTERM when that parent dies (Linux
/// PR_SET_PDEATHSIG), which it handles as any SIGTERM: the epoch's checkpoint, then exit 143,
/// and the rerun resumes it.
public enum ParentDeath {
    public static let variable = "ZALANDO_TRAIN_SWEEP_PARENT"

    /// In the sweep, before it starts children (from the main thread, which lives as long as the
    /// sweep: the signal follows the thread that started the child).
    public static func nameThisProcessAsParent() {
        setenv(variable, String(getpid()), 1)
    }

    /// In a child, first thing: follow the parent the environment names. A parent already gone
    /// (it died before the request) ends the child at once, as the signal would have.
    public static func followParent() {
        guard let text = getenv(variable), let parent = pid_t(String(cString: text)), parent > 1 else { return }
        unsetenv(variable)
        _ = zt_set_parent_death_signal(SIGTERM)
        if getppid() != parent { exit(143) }
    }
}
