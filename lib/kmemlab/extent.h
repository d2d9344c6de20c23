/*
 * kmemlab/extent.h: the extent(9) region manager.
 *
 * The interface is NetBSD's extent(9) (extent_create, extent_destroy,
 * extent_alloc, extent_alloc1, extent_alloc_subregion,
 * extent_alloc_subregion1, extent_alloc_region, extent_free,
 * extent_print) with u_long widened to uint64_t, plus a few kmemlab
 * additions for inspection (extent_dump, extent_walk, extent_stats,
 * extent_check) and error reporting.  See extent(3) and the theory
 * statement at the top of lib/extent.c.
 *
 * An extent manages the integers [start, end], both inclusive, as in
 * NetBSD: a bus space or an I/O port range.  It remembers the regions that
 * are allocated; everything else is free.  Ends are inclusive everywhere,
 * so an extent may reach ~0 (its size, end - start + 1, may be 2^64).
 *
 * Conventions, all checked (a violation is an EINVAL error, see below):
 *  - size > 0, and start + size - 1 does not wrap past 2^64 - 1.
 *  - alignment is a power of two (EX_NOALIGN, 1, means none) and
 *    skew < alignment; the result r satisfies r % alignment == skew.
 *  - boundary is EX_NOBOUNDARY (0) or a power of two >= skew + size; the
 *    allocation [r, r + size - 1] contains no boundary line except as its
 *    first unit.  Lines are at start + k * boundary (start of the extent),
 *    or at k * boundary with EX_BOUNDZERO.
 *  - substart <= subend, both inside the extent; size - 1 <= subend -
 *    substart.
 *  - each call accepts only the flags listed with it.
 *
 * Errors.  Functions returning int return 0, EINVAL (a bad argument, or a
 * free of a range that is not allocated: NetBSD panics there), EAGAIN (no
 * space: the request does not fit now) or ENOMEM (no region descriptor).
 * Every EINVAL, every deadlock and every failed malloc is also reported:
 * counted in the extent's statistics (errors), recorded as its last error
 * (extent_last_error) and passed to its error handler
 * (extent_set_error_handler; by default a one-line message on stderr).  An
 * erroneous call changes nothing.
 */
#ifndef KMEMLAB_EXTENT_H
#define KMEMLAB_EXTENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <kmemlab/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct extent;

/*
 * Flags.  The value of each is NetBSD's.  Which call accepts which is
 * listed with the call.
 */
#define EX_NOWAIT	0x00	/* not safe to sleep */
#define EX_WAITOK	0x01	/* may sleep for a region descriptor */
#define EX_FAST		0x02	/* take the first fit, not the best fit */
#define EX_CATCH	0x04	/* sleeps may be interrupted (no signals here: no effect) */
#define EX_NOCOALESCE	0x08	/* extent_create: never merge regions */
#define EX_MALLOCOK	0x10	/* fixed storage exhausted: malloc a descriptor */
#define EX_WAITSPACE	0x20	/* sleep until the space is free */
#define EX_BOUNDZERO	0x40	/* boundary lines at multiples of boundary, not from start */
#define EX_NOBLOB	EX_NOCOALESCE	/* the 1996 name of EX_NOCOALESCE */

/* Place holders for the alignment and boundary arguments. */
#define EX_NOALIGN	1	/* no alignment */
#define EX_NOBOUNDARY	0	/* no boundary */

/*
 * Fixed storage.  An extent created with storage holds itself and all its
 * region descriptors in that buffer and never calls malloc (unless a call
 * says EX_MALLOCOK): the first EXTENT_FIXED_HDRSIZE bytes hold the extent,
 * each further EXTENT_REGION_SIZE bytes one descriptor.  The buffer must
 * be aligned to EXTENT_STORAGE_ALIGN bytes (an array of uint64_t is) and
 * must outlive the extent.
 */
#define EXTENT_STORAGE_ALIGN	8
#define EXTENT_FIXED_HDRSIZE	2048
#define EXTENT_REGION_SIZE	48
#define EXTENT_FIXED_STORAGE_SIZE(nregions)				\
	((size_t)EXTENT_FIXED_HDRSIZE + (size_t)(nregions) * EXTENT_REGION_SIZE)

/* Type masks for extent_walk. */
#define EXTENT_ALLOC	0x01	/* allocated regions */
#define EXTENT_FREE	0x02	/* free gaps */

/* extent_walk callback: one call per region or gap, in address order. */
typedef void (extent_walk_fn_t)(void *arg, uint64_t start, uint64_t end);

/* extent_dump output callback, printf-like. */
typedef void (extent_printf_t)(void *arg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Error classes, reported by one routine (see extent_set_error_handler). */
enum extent_error {
	EXTENT_ERR_NONE = 0,
	EXTENT_ERR_ARG,		/* NULL name or result pointer */
	EXTENT_ERR_RANGE,	/* end < start, subregion or range outside the extent */
	EXTENT_ERR_SIZE,	/* size zero, wrapping, or larger than the subregion */
	EXTENT_ERR_ALIGN,	/* alignment not a power of two */
	EXTENT_ERR_SKEW,	/* skew not below alignment */
	EXTENT_ERR_BOUNDARY,	/* boundary not a power of two, or below skew + size */
	EXTENT_ERR_FLAGS,	/* flags the call does not take; sleeping in interrupt context */
	EXTENT_ERR_STORAGE,	/* fixed storage too small or misaligned */
	EXTENT_ERR_NOTALLOC,	/* extent_free of a range that is not wholly allocated */
	EXTENT_ERR_NOTREGION,	/* EX_NOCOALESCE extent_free of other than one whole region */
	EXTENT_ERR_DEADLOCK,	/* a sleep that no wakeup can ever end */
	EXTENT_ERR_NOMEM,	/* malloc failed for the extent or a descriptor */
	EXTENT_ERR_NERRORS
};

/* Error handler: called once per reported error with a one-line message. */
typedef void (extent_error_handler_t)(void *arg, struct extent *ex,
    enum extent_error err, const char *msg);

/*
 * Extent statistics.  Gauges (size...) describe the extent now; counters
 * (allocs...) only grow.  Gauges in units saturate at 2^64 - 1 (only an
 * extent of 2^64 units reaches it).  Read with extent_stats; the name
 * table extent_statdesc names every member for reports.
 */
struct extent_stats {
	/* gauges */
	uint64_t size;		/* units in the extent, end - start + 1 */
	uint64_t allocated;	/* units in allocated regions */
	uint64_t free;		/* units in free gaps */
	uint64_t largest_free;	/* units in the largest free gap */
	uint64_t regions;	/* # of allocated regions (region descriptors in use) */
	uint64_t free_gaps;	/* # of free gaps */
	uint64_t descs_malloced; /* # of descriptors in use that came from malloc */
	uint64_t descs_fixed;	/* # of descriptors the fixed storage holds (0: none) */
	uint64_t descs_fixed_free; /* # of those not in use */
	uint64_t waiters;	/* threads sleeping on the extent now */
	/* counters */
	uint64_t allocs;	/* # of successful allocations (all extent_alloc*) */
	uint64_t frees;		/* # of successful extent_free calls */
	uint64_t fails;		/* # of calls that returned EAGAIN or ENOMEM */
	uint64_t waits;		/* # of times a call slept */
	uint64_t searches;	/* # of regions examined by all calls */
	uint64_t coalesces;	/* # of merges of an allocation with a neighbour */
	uint64_t splits;	/* # of frees that split a region in two */
	uint64_t nodesc;	/* # of times a call needed a descriptor and had none */
	uint64_t errors;	/* # of reported errors (misuse, deadlock, malloc) */
};

extern const struct kml_statdesc extent_statdesc[];
extern const size_t extent_nstatdesc;

/*
 * extent_create: make an extent managing [start, end].
 * => name is copied (at most 31 bytes kept); not NULL.
 * => storage == NULL: the extent and its descriptors come from malloc;
 *    storagesize must be 0.
 * => storage != NULL: fixed storage (see EXTENT_FIXED_STORAGE_SIZE);
 *    storagesize >= EXTENT_FIXED_STORAGE_SIZE(0).  The buffer is cleared.
 * => flags: EX_NOWAIT or EX_WAITOK, EX_MALLOCOK (ignored), EX_NOCOALESCE.
 * => returns NULL on error, with errno EINVAL (and an error reported to
 *    the default handler with a NULL extent) or ENOMEM.
 */
struct extent *extent_create(const char *name, uint64_t start, uint64_t end,
    void *storage, size_t storagesize, int flags);

/*
 * extent_destroy: free the extent and every region still allocated.
 * => no thread may be sleeping on it.  Fixed storage is not freed.
 */
void extent_destroy(struct extent *ex);

/*
 * extent_alloc_subregion1: allocate size units inside [substart, subend]
 * with alignment, skew and boundary (see the conventions above).
 * => best fit: the smallest free gap that can hold the constrained
 *    request, the lowest such gap on ties; EX_FAST: the lowest gap that
 *    can.  Within the gap, the lowest address that satisfies the
 *    constraints.
 * => flags: EX_NOWAIT or EX_WAITOK, EX_FAST, EX_CATCH, EX_MALLOCOK,
 *    EX_WAITSPACE, EX_BOUNDZERO.
 * => returns 0 and sets *result, EINVAL, EAGAIN (no room; with
 *    EX_WAITSPACE after a deadlock report) or ENOMEM (no descriptor; with
 *    EX_WAITOK after a deadlock report).
 */
int extent_alloc_subregion1(struct extent *ex, uint64_t substart,
    uint64_t subend, uint64_t size, uint64_t alignment, uint64_t skew,
    uint64_t boundary, int flags, uint64_t *result);

/* extent_alloc_subregion: extent_alloc_subregion1 with skew 0. */
int extent_alloc_subregion(struct extent *ex, uint64_t substart,
    uint64_t subend, uint64_t size, uint64_t alignment, uint64_t boundary,
    int flags, uint64_t *result);

/* extent_alloc: extent_alloc_subregion over the whole extent. */
int extent_alloc(struct extent *ex, uint64_t size, uint64_t alignment,
    uint64_t boundary, int flags, uint64_t *result);

/* extent_alloc1: extent_alloc_subregion1 over the whole extent. */
int extent_alloc1(struct extent *ex, uint64_t size, uint64_t alignment,
    uint64_t skew, uint64_t boundary, int flags, uint64_t *result);

/*
 * extent_alloc_region: allocate exactly [start, start + size - 1].
 * => the range lies inside the extent.
 * => flags: EX_NOWAIT or EX_WAITOK, EX_CATCH, EX_MALLOCOK, EX_WAITSPACE.
 * => returns 0, EINVAL, EAGAIN (some of it is allocated) or ENOMEM.
 */
int extent_alloc_region(struct extent *ex, uint64_t start, uint64_t size,
    int flags);

/*
 * extent_free: free [start, start + size - 1].
 * => the range must be wholly allocated (EXTENT_ERR_NOTALLOC).  In a
 *    coalescing extent it may be any part of a region: freeing the middle
 *    splits the region and needs a descriptor.  In an EX_NOCOALESCE
 *    extent it must be exactly one region (EXTENT_ERR_NOTREGION).
 * => flags: EX_NOWAIT or EX_WAITOK, EX_CATCH, EX_MALLOCOK.
 * => wakes threads sleeping on the extent.
 * => returns 0, EINVAL or ENOMEM (a split with no descriptor).
 */
int extent_free(struct extent *ex, uint64_t start, uint64_t size, int flags);

/*
 * extent_print: print the extent on stdout as NetBSD does: a line with
 * the name, range and internal flags, then one line per region.
 */
void extent_print(struct extent *ex);

/*
 * extent_dump: print the extent (configuration, regions and gaps,
 * descriptors, statistics) through pr(arg, fmt, ...).
 * extent_dump_file is extent_dump to a stdio stream.
 */
void extent_dump(struct extent *ex, extent_printf_t *pr, void *arg);
void extent_dump_file(struct extent *ex, FILE *fp);

/*
 * extent_walk: call fn(arg, start, end) for each allocated region
 * (EXTENT_ALLOC) and free gap (EXTENT_FREE) selected by typemask, in
 * address order.  => fn must not call into the extent.
 */
void extent_walk(struct extent *ex, int typemask, extent_walk_fn_t *fn,
    void *arg);

/* extent_stats: copy the extent's statistics into *st. */
void extent_stats(struct extent *ex, struct extent_stats *st);

/*
 * extent_check: verify every invariant of the extent (see lib/extent.c).
 * => returns 0, or -1 with a description of the first violation in
 *    buf[0..len).
 * => the --enable-sanity build runs it after every operation and panics
 *    on a violation.
 */
int extent_check(struct extent *ex, char *buf, size_t len);

/* extent_name: the name given to extent_create. */
const char *extent_name(const struct extent *ex);

/*
 * extent_set_error_handler: send the extent's error reports to fn (NULL
 * restores the default, which prints "extent: MSG" on stderr).
 */
void extent_set_error_handler(struct extent *ex, extent_error_handler_t *fn,
    void *arg);

/*
 * extent_set_default_error_handler: the handler that new extents start
 * with, and that extent_create reports to (NULL restores the stderr
 * printer).
 */
void extent_set_default_error_handler(extent_error_handler_t *fn, void *arg);

/*
 * extent_last_error: the class of the last error reported by the extent
 * (EXTENT_ERR_NONE if none), and its message in *msgp if msgp is not NULL.
 */
enum extent_error extent_last_error(const struct extent *ex,
    const char **msgp);

/* extent_strerror: a short name for an error class ("not allocated"). */
const char *extent_strerror(enum extent_error err);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_EXTENT_H */
