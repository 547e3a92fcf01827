// zlib: gzopen/gzread/gzclose stream .gz files (and plain files) without shelling out.
#include <zlib.h>
