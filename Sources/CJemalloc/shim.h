// The keel executable links jemalloc as its allocator: linking it replaces malloc and free for the
// whole process, the Swift runtime's allocations included. Only jemalloc's control interface is
// declared here, so that its own declarations of malloc and free do not meet the C library's.
#include <stddef.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
