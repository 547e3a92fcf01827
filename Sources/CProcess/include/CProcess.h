#ifndef ZALANDO_TRAIN_CPROCESS_H
#define ZALANDO_TRAIN_CPROCESS_H
#include <sys/prctl.h>

/// Asks the kernel to send `signal` to this process when the thread that started it dies
/// (Linux PR_SET_PDEATHSIG). Swift does not import C's variadic `prctl`, so this one call is
/// wrapped here. Returns prctl's result (0, or -1 with errno).
static inline int zt_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0UL, 0UL, 0UL);
}

#endif
