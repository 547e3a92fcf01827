// Only the header matters: it gives Swift the prefetch instruction (see include/CPrefetch.h).
