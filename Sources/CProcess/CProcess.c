// CProcess is header-only (include/CProcess.h); SwiftPM wants one source file per C target.
