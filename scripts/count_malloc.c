// Counts malloc calls of a process (LD_PRELOAD) and prints the count at exit: how the tests and
// `make bench` show that the training step allocates nothing.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long count;
static void *(*real_malloc)(size_t);

void *malloc(size_t size) {
    if (!real_malloc) real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
    return real_malloc(size);
}

__attribute__((destructor)) static void report(void) { fprintf(stderr, "malloc calls: %lu\n", count); }
