// OpenBLAS's CBLAS interface. On Debian the header lives under openblas-pthread/,
// found through pkg-config ("openblas"), never through a hard-coded path.
#include <cblas.h>
