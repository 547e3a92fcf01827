#ifndef ZALANDO_TRAIN_CPREFETCH_H
#define ZALANDO_TRAIN_CPREFETCH_H

/// Asks the cache to start loading the line holding `address` (prefetcht0 on x86-64) and returns
/// at once: a hint, never a fault, even for an address that is not mapped.
/// Swift cannot express this: `_mm_prefetch` is a C macro over a compiler builtin, and clang's
/// `_m_prefetch` declaration is dropped on import. A static inline function is imported and
/// inlined into the Swift caller, so the call costs one instruction.
static inline __attribute__((always_inline)) void zt_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
