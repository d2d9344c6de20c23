/*
 * lib/bits.h: bit helpers shared by the allocators (library-internal).
 */
#ifndef KML_BITS_H
#define KML_BITS_H

#include <stdbool.h>
#include <stdint.h>

/* kml_ispow2: x is a power of two (0 is not). */
static inline bool
kml_ispow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* kml_log2: floor(log2(x)), x > 0. */
static inline unsigned
kml_log2(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

/* kml_ctz: index of the lowest set bit, x > 0. */
static inline unsigned
kml_ctz(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

#endif /* KML_BITS_H */
