/*
 * lib/extent.c: the extent(9) region manager.
 *
 * References: extent(9) and sys/kern/subr_extent.c of NetBSD (Jason R.
 * Thorpe and Matthias Drochner, 1996; the interface and its semantics),
 * which 4.4BSD descendants use for bus space and I/O port ranges.  This is
 * kmemlab's own implementation.
 *
 * ---- 1. Concepts
 *
 * An extent manages the integers [ex_start, ex_end], both inclusive.  It
 * records the allocated regions, each [er_start, er_end] inclusive; every
 * integer of the extent not in a region is free, and a maximal run of
 * free integers is a gap.  Unlike vmem there are no spans, no quantum and
 * no freelists: the extent is a sorted list of regions and every search
 * walks it, which is fine for the few dozen regions of a bus.  Because
 * ends are inclusive an extent may reach ~0, and its size may be 2^64,
 * which no uint64_t holds: the code compares end - start (the size less
 * one) wherever a size could be 2^64.
 *
 * ---- 2. The region list
 *
 * Region descriptors (struct ex_region) sit on a doubly linked list in
 * address order.  Invariants (checked by extent_check):
 *  (1) every region lies inside the extent: ex_start <= er_start <=
 *      er_end <= ex_end;
 *  (2) regions are in increasing address order and do not overlap: a
 *      region starts after the end of the one before it;
 *  (3) unless the extent is EX_NOCOALESCE, no region starts right after
 *      the end of the one before it (touching regions are merged);
 *  (4) the list's back links mirror its forward links.
 * By (3), in a coalescing extent a region is not one allocation but a
 * maximal run of allocated integers, and freeing any part of it is legal
 * (NetBSD's rule: freeing the middle splits the region).  In an
 * EX_NOCOALESCE extent each allocation keeps its own region, and a free
 * must name exactly one region (NetBSD panics otherwise; here it is
 * EXTENT_ERR_NOTREGION).
 *
 * ---- 3. Descriptor storage
 *
 * A dynamic extent (extent_create without storage) takes each descriptor
 * from malloc and gives it back when its region goes.  A fixed extent
 * lives in the caller's storage: the struct extent in its first
 * EXTENT_FIXED_HDRSIZE bytes, then slots of EXTENT_REGION_SIZE bytes, all
 * put on the extent's descriptor freelist at creation, so that it works
 * where malloc does not (NetBSD uses it before the kernel allocator is up).
 * When the freelist is empty, a call with EX_MALLOCOK takes a descriptor
 * from malloc instead (marked ER_ALLOC and given back to malloc when
 * freed); a call with EX_WAITOK sleeps until a descriptor comes back; any
 * other call fails with ENOMEM.  Invariants: every descriptor in use or on
 * the freelist is either a slot of the storage or marked ER_ALLOC; slots
 * in use plus slots on the freelist are all the slots.
 *
 * Unlike NetBSD, which takes a descriptor before it searches (and gives it
 * back when the new region merges with a neighbour, or when a free does
 * not split), a call here takes one only once it knows it needs one: an
 * allocation that merges with a neighbour and a free that does not split
 * succeed even when the fixed storage is exhausted.  This is possible
 * because descriptors are taken under the extent lock (malloc does not
 * sleep in this simulation), and it means that a full fixed extent can
 * always give regions back.
 *
 * ---- 4. Searching: constraints and fit
 *
 * A request (ex_req) asks for size integers inside [substart, subend]
 * with
 *  - alignment and skew: r % alignment == skew (skew < alignment); the
 *    lowest such r >= lo is lo + ((skew - lo) & (alignment - 1)) (NetBSD's
 *    EXTENT_ALIGN), and it wraps past 2^64 - 1 only if no such r exists;
 *  - boundary: no line bbase + k * boundary lies in [r + 1, r + size - 1]
 *    (a region may begin on a line but not cross one), bbase being 0 with
 *    EX_BOUNDZERO and ex_start otherwise.  As NetBSD documents,
 *    skew + size <= boundary; then with EX_BOUNDZERO every request fits
 *    some aligned address, but with lines from an ex_start that is not a
 *    multiple of the alignment some requests fit nowhere (EAGAIN).
 * ex_fit finds the lowest r in a range [lo, hi] that satisfies both: the
 * aligned candidate; if it crosses a line, the first aligned address at or
 * after that line; if that one crosses too, nothing can fit.  Proof that
 * one step suffices: boundary and alignment are powers of two.  If
 * alignment <= boundary, lines are congruent modulo alignment, so in every
 * cell between two lines the aligned addresses sit at the same offsets,
 * the lowest of them the least likely to cross; the first aligned address
 * after a line is that lowest one, and if it crosses, every aligned
 * address crosses.  If alignment > boundary, every aligned address has the
 * same offset in its cell, and they all cross or none does.  Any aligned
 * address between the first candidate and its line is in the same cell,
 * higher, and crosses too.  (NetBSD moves to the line without aligning
 * again; here the result always honours the alignment.)
 *
 * ex_search walks the gaps in address order, clips each to [substart,
 * subend] and asks ex_fit for the lowest fit in it.  Best fit (the
 * default) takes the gap of least size (the whole gap, not the clipped
 * part: the aim is to keep large gaps whole) among those that fit, the
 * lowest on ties; a gap of exactly size integers ends the search at once,
 * as nothing can beat it.  EX_FAST takes the first gap that fits.  (NetBSD
 * ranks candidates by the space left after them in their gap, which is not
 * the same order when alignment leaves space before a candidate.)  The
 * walk starts at the first region that ends at or after substart and stops
 * at the first region that starts after subend.
 *
 * ---- 5. Allocating a given region; freeing
 *
 * extent_alloc_region walks to the first region that ends at or after the
 * requested start: if it starts at or before the requested end the range
 * is taken (EAGAIN, or a sleep with EX_WAITSPACE).  Inserting a region
 * after a region "after" merges it with after and with the next region
 * where they touch (ex_insert).
 *
 * extent_free finds the region that holds the range: the whole region
 * goes (its descriptor is freed), a prefix or suffix trims it, a middle
 * part splits it and needs a new descriptor.  A range that is not wholly
 * allocated is EXTENT_ERR_NOTALLOC and changes nothing.
 *
 * ---- 6. Sleeping
 *
 * EX_WAITSPACE requests that find no room, and EX_WAITOK calls that find
 * no descriptor, sleep on the extent's wait channel (kml_sleep, with the
 * extent lock as interlock) and start again from the beginning after a
 * wakeup; every free and every descriptor given back wakes the channel.
 * When the environment proves that no wakeup can ever come (the
 * uniprocessor environment always does), the call reports
 * EXTENT_ERR_DEADLOCK and fails with EAGAIN (no room) or ENOMEM (no
 * descriptor) instead of hanging.  EX_CATCH is accepted; the environment
 * has no signals, so it changes nothing.  A sleeping flag in interrupt
 * context is a reported flags error.
 *
 * ---- 7. Locking, costs, errors, statistics
 *
 * One lock per extent (ex_lock) protects everything in it; its only cost
 * is the lock's (KML_COST_LOCK, charged by kml_mutex_enter): the work of a
 * call shows in the statistics (searches: regions examined).  Errors are
 * formatted under the lock and delivered to the handler after it is
 * released (ex_unlock).  With --enable-sanity, ex_unlock also runs the
 * checker and panics on any violation.  Gauges of the statistics are
 * computed from the list when read; counters are kept as calls run.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/extent.h>
#include <kmemlab/report.h>

#include "bits.h"

#define EXTENT_NAME_MAX	32

/* ex_flags: properties fixed at creation (printed by extent_print). */
#define EXF_FIXED	0x01	/* the extent lives in fixed storage */
#define EXF_NOCOALESCE	0x02	/* regions are never merged */

/* er_flags */
#define ER_ALLOC	0x01	/* the descriptor came from malloc */

/* The flags each call takes. */
#define EX_CREATE_FLAGS	(EX_WAITOK | EX_MALLOCOK | EX_NOCOALESCE)
#define EX_SUBREGION_FLAGS						\
	(EX_WAITOK | EX_FAST | EX_CATCH | EX_MALLOCOK | EX_WAITSPACE |	\
	EX_BOUNDZERO)
#define EX_REGION_FLAGS	(EX_WAITOK | EX_CATCH | EX_MALLOCOK | EX_WAITSPACE)
#define EX_FREE_FLAGS	(EX_WAITOK | EX_CATCH | EX_MALLOCOK)

/* Internal result: the call slept and must start again. */
#define EX_RETRY	(-1)

struct ex_region {
	struct ex_region *er_next;	/* region list (address order) or freelist */
	struct ex_region *er_prev;	/* region list only */
	uint64_t er_start;		/* first integer */
	uint64_t er_end;		/* last integer, inclusive */
	unsigned er_flags;		/* ER_ALLOC */
};

struct extent {
	/* the lock and the wait channel */
	struct kml_mutex ex_lock;	/* protects everything below */
	struct kml_wchan ex_wchan;	/* EX_WAITSPACE and EX_WAITOK sleep here */

	/* properties, fixed at creation */
	char ex_name[EXTENT_NAME_MAX];
	uint64_t ex_start;		/* first integer */
	uint64_t ex_end;		/* last integer, inclusive */
	int ex_flags;			/* EXF_* */

	/* regions */
	struct ex_region *ex_regions;	/* address order */
	uint64_t ex_nregions;		/* descriptors on the list */

	/* descriptors */
	char *ex_slots;			/* fixed: the first slot */
	uint64_t ex_nfixed;		/* fixed: number of slots */
	struct ex_region *ex_freelist;	/* fixed: slots not in use */
	uint64_t ex_nfixedfree;		/* length of ex_freelist */
	uint64_t ex_nmalloced;		/* descriptors in use from malloc */

	/* statistics (counters; gauges are computed, see ex_stats1) */
	struct extent_stats ex_st;

	/* error reporting */
	extent_error_handler_t *ex_errfn;
	void *ex_errarg;
	struct kml_report ex_report;	/* last error, pending delivery */
};

_Static_assert(sizeof(struct extent) <= EXTENT_FIXED_HDRSIZE,
    "EXTENT_FIXED_HDRSIZE too small for struct extent");
_Static_assert(sizeof(struct ex_region) <= EXTENT_REGION_SIZE,
    "EXTENT_REGION_SIZE too small for struct ex_region");
_Static_assert(_Alignof(struct extent) <= EXTENT_STORAGE_ALIGN &&
    _Alignof(struct ex_region) <= EXTENT_STORAGE_ALIGN &&
    EXTENT_FIXED_HDRSIZE % EXTENT_STORAGE_ALIGN == 0 &&
    EXTENT_REGION_SIZE % EXTENT_STORAGE_ALIGN == 0,
    "fixed storage layout misaligned");

/* A validated allocation request (section 4). */
struct ex_req {
	uint64_t substart, subend;	/* inclusive */
	uint64_t size;			/* > 0 */
	uint64_t alignment;		/* power of two */
	uint64_t skew;			/* < alignment */
	uint64_t boundary;		/* 0 or a power of two >= skew + size */
	uint64_t bbase;			/* boundary lines at bbase + k * boundary */
	bool fast;			/* EX_FAST: first fit */
};

const struct kml_statdesc extent_statdesc[] = {
	KML_STAT(struct extent_stats, size, KML_UNIT_BYTES, "units in the extent"),
	KML_STAT(struct extent_stats, allocated, KML_UNIT_BYTES, "units in allocated regions"),
	KML_STAT(struct extent_stats, free, KML_UNIT_BYTES, "units in free gaps"),
	KML_STAT(struct extent_stats, largest_free, KML_UNIT_BYTES, "units in the largest free gap"),
	KML_STAT(struct extent_stats, regions, KML_UNIT_COUNT, "allocated regions"),
	KML_STAT(struct extent_stats, free_gaps, KML_UNIT_COUNT, "free gaps"),
	KML_STAT(struct extent_stats, descs_malloced, KML_UNIT_COUNT, "descriptors in use from malloc"),
	KML_STAT(struct extent_stats, descs_fixed, KML_UNIT_COUNT, "descriptors in the fixed storage"),
	KML_STAT(struct extent_stats, descs_fixed_free, KML_UNIT_COUNT, "fixed descriptors not in use"),
	KML_STAT(struct extent_stats, waiters, KML_UNIT_COUNT, "threads sleeping on the extent"),
	KML_STAT(struct extent_stats, allocs, KML_UNIT_COUNT, "successful allocations"),
	KML_STAT(struct extent_stats, frees, KML_UNIT_COUNT, "successful frees"),
	KML_STAT(struct extent_stats, fails, KML_UNIT_COUNT, "calls that returned EAGAIN or ENOMEM"),
	KML_STAT(struct extent_stats, waits, KML_UNIT_COUNT, "times a call slept"),
	KML_STAT(struct extent_stats, searches, KML_UNIT_COUNT, "regions examined"),
	KML_STAT(struct extent_stats, coalesces, KML_UNIT_COUNT, "merges of an allocation with a neighbour"),
	KML_STAT(struct extent_stats, splits, KML_UNIT_COUNT, "frees that split a region"),
	KML_STAT(struct extent_stats, nodesc, KML_UNIT_COUNT, "times no descriptor was at hand"),
	KML_STAT(struct extent_stats, errors, KML_UNIT_COUNT, "reported errors"),
};
const size_t extent_nstatdesc = sizeof(extent_statdesc) / sizeof(extent_statdesc[0]);

static extent_error_handler_t *ex_default_errfn;
static void *ex_default_errarg;

static int ex_check1(struct extent *, char *, size_t);

/* ---- error reporting */

static const char *const ex_errnames[EXTENT_ERR_NERRORS] = {
	[EXTENT_ERR_NONE] = "no error",
	[EXTENT_ERR_ARG] = "bad argument",
	[EXTENT_ERR_RANGE] = "bad range",
	[EXTENT_ERR_SIZE] = "bad size",
	[EXTENT_ERR_ALIGN] = "bad alignment",
	[EXTENT_ERR_SKEW] = "bad skew",
	[EXTENT_ERR_BOUNDARY] = "bad boundary",
	[EXTENT_ERR_FLAGS] = "bad flags",
	[EXTENT_ERR_STORAGE] = "bad storage",
	[EXTENT_ERR_NOTALLOC] = "not allocated",
	[EXTENT_ERR_NOTREGION] = "not a region",
	[EXTENT_ERR_DEADLOCK] = "deadlock",
	[EXTENT_ERR_NOMEM] = "out of memory",
};

const char *
extent_strerror(enum extent_error err)
{
	if ((unsigned)err >= EXTENT_ERR_NERRORS)
		return "unknown error";
	return ex_errnames[err];
}

static void
ex_stderr_handler(void *arg, struct extent *ex, enum extent_error err,
    const char *msg)
{
	(void)arg;
	(void)ex;
	(void)err;
	fprintf(stderr, "extent: %s\n", msg);
}

/*
 * ex_error: record an error of class err for ex.
 * => ex's lock is held; the handler runs at ex_unlock.
 */
#define ex_error(ex, err, ...)						\
	do {								\
		kml_report(&(ex)->ex_report, "extent", (ex)->ex_name,	\
		    (err), __VA_ARGS__);				\
		(ex)->ex_st.errors++;					\
	} while (0)

/*
 * ex_create_error: report an error of extent_create, which has no extent,
 * to the default handler (with a NULL extent).
 */
static void __attribute__((format(printf, 3, 4)))
ex_create_error(const char *name, enum extent_error err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n = 0;

	if (name != NULL)
		n = snprintf(msg, sizeof(msg), "extent \"%.31s\": ", name);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (ex_default_errfn != NULL)
		ex_default_errfn(ex_default_errarg, NULL, err, msg);
	else
		ex_stderr_handler(NULL, NULL, err, msg);
}

static void
ex_lock(struct extent *ex)
{
	kml_mutex_enter(&ex->ex_lock);
}

/*
 * ex_unlock: release the extent lock, then deliver a pending error.
 * => with KML_SANITY, the extent is checked first.
 */
static void
ex_unlock(struct extent *ex)
{
	struct kml_report_entry e;
#ifdef KML_SANITY
	char why[256];

	if (ex_check1(ex, why, sizeof(why)) != 0)
		kml_panic("extent_check: extent \"%s\": %s", ex->ex_name, why);
#endif
	kml_mutex_exit(&ex->ex_lock);
	while (kml_report_take(&ex->ex_report, &e))
		ex->ex_errfn(ex->ex_errarg, ex, e.re_err, e.re_msg);
}

void
extent_set_error_handler(struct extent *ex, extent_error_handler_t *fn,
    void *arg)
{
	ex->ex_errfn = fn != NULL ? fn : ex_stderr_handler;
	ex->ex_errarg = fn != NULL ? arg : NULL;
}

void
extent_set_default_error_handler(extent_error_handler_t *fn, void *arg)
{
	ex_default_errfn = fn;
	ex_default_errarg = arg;
}

enum extent_error
extent_last_error(const struct extent *ex, const char **msgp)
{
	if (msgp != NULL)
		*msgp = ex->ex_report.rp_lastmsg;
	return ex->ex_report.rp_lasterr;
}

/* ---- helpers */

/* ex_len: the number of integers in [start, end], saturating at 2^64 - 1. */
static uint64_t
ex_len(uint64_t start, uint64_t end)
{
	return end - start == UINT64_MAX ? UINT64_MAX : end - start + 1;
}

/* ex_sat_add: a + b, saturating at 2^64 - 1. */
static uint64_t
ex_sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/*
 * ex_flags_problem: describe why flags are wrong for fn, which takes the
 * flags in allowed, into buf; NULL if they are right.
 */
static const char *
ex_flags_problem(const char *fn, int flags, int allowed, char *buf,
    size_t len)
{
	if ((flags & ~allowed) != 0) {
		snprintf(buf, len, "%s: flags %#x include %#x, which %s does "
		    "not take", fn, (unsigned)flags, (unsigned)(flags & ~allowed),
		    fn);
		return buf;
	}
	if ((flags & (EX_WAITOK | EX_WAITSPACE)) != 0 && kml_intr_p()) {
		snprintf(buf, len, "%s: sleeping flags %#x in interrupt context",
		    fn, (unsigned)(flags & (EX_WAITOK | EX_WAITSPACE)));
		return buf;
	}
	return NULL;
}

/*
 * ex_check_flags: flags hold only what fn takes, and no sleeping flag in
 * interrupt context.  => lock held.  Returns 0 or EINVAL (reported).
 */
static int
ex_check_flags(struct extent *ex, const char *fn, int flags, int allowed)
{
	char why[160];

	if (ex_flags_problem(fn, flags, allowed, why, sizeof(why)) == NULL)
		return 0;
	ex_error(ex, EXTENT_ERR_FLAGS, "%s", why);
	return EINVAL;
}

/*
 * ex_check_range: [start, start + size - 1] is a valid range inside the
 * extent.  => lock held.  Returns 0 or EINVAL (reported).
 */
static int
ex_check_range(struct extent *ex, const char *fn, uint64_t start,
    uint64_t size)
{
	if (size == 0) {
		ex_error(ex, EXTENT_ERR_SIZE, "%s: size is zero", fn);
		return EINVAL;
	}
	if (start + (size - 1) < start) {
		ex_error(ex, EXTENT_ERR_SIZE, "%s: size %#" PRIx64 " from %#"
		    PRIx64 " wraps past 2^64 - 1", fn, size, start);
		return EINVAL;
	}
	if (start < ex->ex_start || start + (size - 1) > ex->ex_end) {
		ex_error(ex, EXTENT_ERR_RANGE, "%s: [%#" PRIx64 ", %#" PRIx64
		    "] is not inside the extent [%#" PRIx64 ", %#" PRIx64 "]",
		    fn, start, start + (size - 1), ex->ex_start, ex->ex_end);
		return EINVAL;
	}
	return 0;
}

/*
 * ex_sleep: sleep on the extent's channel until a wakeup.
 * => lock held; released while asleep and held again on return.
 * => returns true after a wakeup (the caller starts again), or false when
 *    the environment proves no wakeup can come: then an
 *    EXTENT_ERR_DEADLOCK error "fn: what: explanation" is reported.
 */
static bool
ex_sleep(struct extent *ex, const char *fn, const char *what)
{
	ex->ex_st.waits++;
	if (kml_sleep(&ex->ex_wchan, &ex->ex_lock) == KML_EDEADLK) {
		ex_error(ex, EXTENT_ERR_DEADLOCK, "%s: %s: %s", fn, what,
		    kml_last_deadlock());
		return false;
	}
	return true;
}

/* ---- descriptors */

/* ex_is_slot: rp is a slot of the extent's fixed storage. */
static bool
ex_is_slot(const struct extent *ex, const struct ex_region *rp)
{
	uintptr_t p = (uintptr_t)rp, base = (uintptr_t)ex->ex_slots;

	return ex->ex_nfixed != 0 && p >= base &&
	    p - base < ex->ex_nfixed * EXTENT_REGION_SIZE &&
	    (p - base) % EXTENT_REGION_SIZE == 0;
}

/*
 * ex_desc_get: a descriptor from the fixed freelist, else from malloc for
 * a dynamic extent or a call with EX_MALLOCOK; NULL if there is none.
 * => lock held.  *mallocfailp is set when malloc was tried and failed.
 */
static struct ex_region *
ex_desc_get(struct extent *ex, int flags, bool *mallocfailp)
{
	struct ex_region *rp;

	*mallocfailp = false;
	if ((rp = ex->ex_freelist) != NULL) {
		ex->ex_freelist = rp->er_next;
		ex->ex_nfixedfree--;
		rp->er_flags = 0;
		return rp;
	}
	if ((ex->ex_flags & EXF_FIXED) && !(flags & EX_MALLOCOK))
		return NULL;
	if ((rp = malloc(sizeof(*rp))) == NULL) {
		*mallocfailp = true;
		return NULL;
	}
	rp->er_flags = ER_ALLOC;
	ex->ex_nmalloced++;
	return rp;
}

/*
 * ex_desc_need: ex_desc_get for fn, dealing with a shortage.
 * => lock held (released and held again if the call sleeps).
 * => returns a descriptor, or NULL with *errorp: ENOMEM (none; reported
 *    if malloc failed or the sleep deadlocked) or EX_RETRY (slept: the
 *    caller starts again, since the extent may have changed).
 */
static struct ex_region *
ex_desc_need(struct extent *ex, const char *fn, int flags, int *errorp)
{
	struct ex_region *rp;
	bool mallocfail;

	if ((rp = ex_desc_get(ex, flags, &mallocfail)) != NULL)
		return rp;
	ex->ex_st.nodesc++;
	*errorp = ENOMEM;
	if (mallocfail)
		ex_error(ex, EXTENT_ERR_NOMEM, "%s: out of memory for a region "
		    "descriptor", fn);
	else if ((flags & EX_WAITOK) && ex_sleep(ex, fn, "EX_WAITOK request "
	    "cannot get a region descriptor"))
		*errorp = EX_RETRY;
	return NULL;
}

/*
 * ex_desc_put: give a descriptor back (to malloc if it came from there,
 * else to the freelist).  => lock held; the caller wakes sleepers.
 */
static void
ex_desc_put(struct extent *ex, struct ex_region *rp)
{
	KML_ASSERTMSG((rp->er_flags & ER_ALLOC) || ex_is_slot(ex, rp),
	    "extent \"%s\": descriptor %p is neither from malloc nor a slot",
	    ex->ex_name, (void *)rp);
	if (rp->er_flags & ER_ALLOC) {
		free(rp);
		ex->ex_nmalloced--;
	} else {
		rp->er_prev = NULL;
		rp->er_next = ex->ex_freelist;
		ex->ex_freelist = rp;
		ex->ex_nfixedfree++;
	}
}

/* ---- the region list */

/* ex_link_after: put rp on the list after "after" (NULL: at the head). */
static void
ex_link_after(struct extent *ex, struct ex_region *after,
    struct ex_region *rp)
{
	struct ex_region *next = after != NULL ? after->er_next : ex->ex_regions;

	rp->er_prev = after;
	rp->er_next = next;
	if (next != NULL)
		next->er_prev = rp;
	if (after != NULL)
		after->er_next = rp;
	else
		ex->ex_regions = rp;
	ex->ex_nregions++;
}

/* ex_unlink: take rp off the list (the descriptor is not freed). */
static void
ex_unlink(struct extent *ex, struct ex_region *rp)
{
	if (rp->er_prev != NULL)
		rp->er_prev->er_next = rp->er_next;
	else
		ex->ex_regions = rp->er_next;
	if (rp->er_next != NULL)
		rp->er_next->er_prev = rp->er_prev;
	ex->ex_nregions--;
}

/*
 * ex_gap: the free gap right after region prev (prev == NULL: before the
 * first region) as [*gsp, *gep].  => returns false if there is none.
 */
static bool
ex_gap(const struct extent *ex, const struct ex_region *prev, uint64_t *gsp,
    uint64_t *gep)
{
	const struct ex_region *next;
	uint64_t gs;

	if (prev != NULL) {
		if (prev->er_end == ex->ex_end)
			return false;
		gs = prev->er_end + 1;
		next = prev->er_next;
	} else {
		gs = ex->ex_start;
		next = ex->ex_regions;
	}
	if (next != NULL && next->er_start == gs)
		return false;
	*gsp = gs;
	*gep = next != NULL ? next->er_start - 1 : ex->ex_end;
	return true;
}

/*
 * ex_insert: make [start, end] allocated, right after region "after"
 * (NULL: before the first region), merging with touching neighbours
 * unless the extent is EX_NOCOALESCE.
 * => lock held; [start, end] is free and lies between after and the next
 *    region.
 * => returns 0, ENOMEM or EX_RETRY (see ex_desc_need).
 */
static int
ex_insert(struct extent *ex, const char *fn, struct ex_region *after,
    uint64_t start, uint64_t end, int flags)
{
	struct ex_region *next = after != NULL ? after->er_next : ex->ex_regions;
	struct ex_region *rp;
	bool coalesce = !(ex->ex_flags & EXF_NOCOALESCE);
	bool withprev = coalesce && after != NULL && after->er_end + 1 == start;
	bool withnext = coalesce && next != NULL && end + 1 == next->er_start;
	int error;

	KML_ASSERT(start <= end);
	KML_ASSERT(after == NULL || after->er_end < start);
	KML_ASSERT(next == NULL || end < next->er_start);
	if (withprev && withnext) {
		after->er_end = next->er_end;
		ex_unlink(ex, next);
		ex_desc_put(ex, next);
		ex->ex_st.coalesces += 2;
		kml_wakeup(&ex->ex_wchan);	/* for EX_WAITOK sleepers */
	} else if (withprev) {
		after->er_end = end;
		ex->ex_st.coalesces++;
	} else if (withnext) {
		next->er_start = start;
		ex->ex_st.coalesces++;
	} else {
		if ((rp = ex_desc_need(ex, fn, flags, &error)) == NULL)
			return error;
		rp->er_start = start;
		rp->er_end = end;
		ex_link_after(ex, after, rp);
	}
	return 0;
}

/* ---- searching */

/*
 * ex_fit: the lowest r in [lo, hi] with r + size - 1 <= hi that satisfies
 * the alignment, skew and boundary of q (section 4).
 * => lo <= hi and q->bbase <= lo.  Returns true and *rp, or false.
 */
static bool
ex_fit(const struct ex_req *q, uint64_t lo, uint64_t hi, uint64_t *rp)
{
	uint64_t mask = q->alignment - 1, r, off, line;

	KML_ASSERT(lo <= hi && q->bbase <= lo);
	r = lo + ((q->skew - lo) & mask);
	if (r < lo)
		return false;			/* wrapped past 2^64 - 1 */
	if (q->boundary != 0) {
		off = (r - q->bbase) & (q->boundary - 1);
		if (off + (q->size - 1) >= q->boundary) {
			/* it crosses the next line: try from that line */
			line = r + (q->boundary - off);
			if (line < r)
				return false;
			r = line + ((q->skew - line) & mask);
			if (r < line)
				return false;
			off = (r - q->bbase) & (q->boundary - 1);
			if (off + (q->size - 1) >= q->boundary)
				return false;	/* every candidate crosses */
		}
	}
	if (r > hi || hi - r < q->size - 1)
		return false;
	*rp = r;
	return true;
}

/*
 * ex_search: find room for q (section 4).
 * => lock held.  Returns true with the address in *rp and the region
 *    the new one goes after in *afterp (NULL: before the first region),
 *    or false.  Adds the regions it examined to the statistics.
 */
static bool
ex_search(struct extent *ex, const struct ex_req *q, uint64_t *rp,
    struct ex_region **afterp)
{
	struct ex_region *prev = NULL, *cur = ex->ex_regions, *best_after = NULL;
	uint64_t gs, ge, lo, hi, r, best_r = 0, best_gap = 0, nexam = 0;
	bool found = false;

	/* regions that end below substart bound no gap we may use */
	while (cur != NULL && cur->er_end < q->substart) {
		nexam++;
		prev = cur;
		cur = cur->er_next;
	}
	for (;;) {
		if (ex_gap(ex, prev, &gs, &ge)) {
			lo = gs > q->substart ? gs : q->substart;
			hi = ge < q->subend ? ge : q->subend;
			if (lo <= hi && ex_fit(q, lo, hi, &r) &&
			    (!found || ge - gs < best_gap)) {
				found = true;
				best_r = r;
				best_gap = ge - gs;
				best_after = prev;
				if (q->fast || best_gap == q->size - 1)
					break;
			}
		}
		if (cur == NULL)
			break;
		nexam++;
		if (cur->er_start > q->subend)
			break;
		prev = cur;
		cur = cur->er_next;
	}
	ex->ex_st.searches += nexam;
	if (found) {
		*rp = best_r;
		*afterp = best_after;
	}
	return found;
}

/* ---- creation and destruction */

/*
 * ex_create_check: the arguments of extent_create are valid.
 * => returns true, or false after reporting the error.
 */
static bool
ex_create_check(const char *name, uint64_t start, uint64_t end,
    void *storage, size_t storagesize, int flags)
{
	char why[160];

	if (name == NULL) {
		ex_create_error(NULL, EXTENT_ERR_ARG, "extent_create: name is "
		    "NULL");
		return false;
	}
	if (ex_flags_problem("extent_create", flags, EX_CREATE_FLAGS, why,
	    sizeof(why)) != NULL) {
		ex_create_error(name, EXTENT_ERR_FLAGS, "%s", why);
		return false;
	}
	if (end < start) {
		ex_create_error(name, EXTENT_ERR_RANGE, "extent_create: end %#"
		    PRIx64 " is below start %#" PRIx64, end, start);
		return false;
	}
	if (storage == NULL && storagesize != 0) {
		ex_create_error(name, EXTENT_ERR_STORAGE, "extent_create: "
		    "storage size %zu given without storage", storagesize);
		return false;
	}
	if (storage != NULL && (uintptr_t)storage % EXTENT_STORAGE_ALIGN != 0) {
		ex_create_error(name, EXTENT_ERR_STORAGE, "extent_create: "
		    "storage %p is not aligned to %d bytes", storage,
		    EXTENT_STORAGE_ALIGN);
		return false;
	}
	if (storage != NULL && storagesize < EXTENT_FIXED_STORAGE_SIZE(0)) {
		ex_create_error(name, EXTENT_ERR_STORAGE, "extent_create: "
		    "storage size %zu is below the %zu bytes of an extent",
		    storagesize, EXTENT_FIXED_STORAGE_SIZE(0));
		return false;
	}
	return true;
}

struct extent *
extent_create(const char *name, uint64_t start, uint64_t end, void *storage,
    size_t storagesize, int flags)
{
	struct extent *ex;

	if (!ex_create_check(name, start, end, storage, storagesize, flags)) {
		errno = EINVAL;
		return NULL;
	}
	if (storage != NULL) {
		memset(storage, 0, storagesize);
		ex = storage;
	} else if ((ex = calloc(1, sizeof(*ex))) == NULL) {
		ex_create_error(name, EXTENT_ERR_NOMEM, "extent_create: out of "
		    "memory");
		errno = ENOMEM;
		return NULL;
	}
	snprintf(ex->ex_name, sizeof(ex->ex_name), "%s", name);
	kml_mutex_init(&ex->ex_lock, ex->ex_name);
	kml_wchan_init(&ex->ex_wchan, ex->ex_name);
	ex->ex_start = start;
	ex->ex_end = end;
	if (flags & EX_NOCOALESCE)
		ex->ex_flags |= EXF_NOCOALESCE;
	if (storage != NULL) {
		ex->ex_flags |= EXF_FIXED;
		ex->ex_slots = (char *)storage + EXTENT_FIXED_HDRSIZE;
		ex->ex_nfixed = (storagesize - EXTENT_FIXED_HDRSIZE) /
		    EXTENT_REGION_SIZE;
		/* the freelist hands out the slots in address order */
		for (uint64_t i = ex->ex_nfixed; i-- > 0; ) {
			struct ex_region *rp = (struct ex_region *)(void *)
			    (ex->ex_slots + i * EXTENT_REGION_SIZE);

			rp->er_next = ex->ex_freelist;
			ex->ex_freelist = rp;
		}
		ex->ex_nfixedfree = ex->ex_nfixed;
	}
	extent_set_error_handler(ex, ex_default_errfn, ex_default_errarg);
	return ex;
}

void
extent_destroy(struct extent *ex)
{
	struct ex_region *rp, *next;

	ex_lock(ex);
	KML_ASSERTMSG(ex->ex_wchan.wc_nwaiters == 0, "extent_destroy: extent "
	    "\"%s\" has %u sleepers", ex->ex_name, ex->ex_wchan.wc_nwaiters);
	for (rp = ex->ex_regions; rp != NULL; rp = next) {
		next = rp->er_next;
		ex_unlink(ex, rp);
		ex_desc_put(ex, rp);
	}
	ex_unlock(ex);
	kml_mutex_destroy(&ex->ex_lock);
	if (!(ex->ex_flags & EXF_FIXED))
		free(ex);
}

/* ---- allocation */

/*
 * ex_check_req: validate the arguments of an allocation and fill *q.
 * => lock held.  Returns 0 or EINVAL (reported).
 */
static int
ex_check_req(struct extent *ex, const char *fn, struct ex_req *q, int flags,
    const uint64_t *result)
{
	if (result == NULL) {
		ex_error(ex, EXTENT_ERR_ARG, "%s: result pointer is NULL", fn);
		return EINVAL;
	}
	if (q->substart > q->subend) {
		ex_error(ex, EXTENT_ERR_RANGE, "%s: subregion start %#" PRIx64
		    " is above its end %#" PRIx64, fn, q->substart, q->subend);
		return EINVAL;
	}
	if (q->substart < ex->ex_start || q->subend > ex->ex_end) {
		ex_error(ex, EXTENT_ERR_RANGE, "%s: subregion [%#" PRIx64 ", %#"
		    PRIx64 "] is not inside the extent [%#" PRIx64 ", %#" PRIx64
		    "]", fn, q->substart, q->subend, ex->ex_start, ex->ex_end);
		return EINVAL;
	}
	if (q->size == 0) {
		ex_error(ex, EXTENT_ERR_SIZE, "%s: size is zero", fn);
		return EINVAL;
	}
	if (q->size - 1 > q->subend - q->substart) {
		ex_error(ex, EXTENT_ERR_SIZE, "%s: size %#" PRIx64 " is larger "
		    "than the subregion [%#" PRIx64 ", %#" PRIx64 "]", fn,
		    q->size, q->substart, q->subend);
		return EINVAL;
	}
	if (!kml_ispow2(q->alignment)) {
		ex_error(ex, EXTENT_ERR_ALIGN, "%s: alignment %#" PRIx64 " is "
		    "not a power of two", fn, q->alignment);
		return EINVAL;
	}
	if (q->boundary != 0 && !kml_ispow2(q->boundary)) {
		ex_error(ex, EXTENT_ERR_BOUNDARY, "%s: boundary %#" PRIx64 " is "
		    "not a power of two", fn, q->boundary);
		return EINVAL;
	}
	if (q->skew >= q->alignment) {
		ex_error(ex, EXTENT_ERR_SKEW, "%s: skew %#" PRIx64 " is not below "
		    "alignment %#" PRIx64, fn, q->skew, q->alignment);
		return EINVAL;
	}
	if (q->boundary != 0 && q->boundary < q->size) {
		ex_error(ex, EXTENT_ERR_BOUNDARY, "%s: boundary %#" PRIx64 " is "
		    "below size %#" PRIx64, fn, q->boundary, q->size);
		return EINVAL;
	}
	if (q->boundary != 0 && q->boundary - q->size < q->skew) {
		ex_error(ex, EXTENT_ERR_BOUNDARY, "%s: boundary %#" PRIx64 " is "
		    "below skew + size (%#" PRIx64 " + %#" PRIx64 ")", fn,
		    q->boundary, q->skew, q->size);
		return EINVAL;
	}
	q->fast = (flags & EX_FAST) != 0;
	q->bbase = (flags & EX_BOUNDZERO) ? 0 : ex->ex_start;
	return 0;
}

/*
 * ex_alloc1: allocate for a validated request.
 * => lock held on entry and on return.
 * => returns 0 (and *result), EAGAIN or ENOMEM.
 */
static int
ex_alloc1(struct extent *ex, const char *fn, const struct ex_req *q,
    int flags, uint64_t *result)
{
	struct ex_region *after;
	uint64_t r;
	char what[96];
	int error;

	for (;;) {
		if (ex_search(ex, q, &r, &after)) {
			error = ex_insert(ex, fn, after, r, r + (q->size - 1),
			    flags);
			if (error == EX_RETRY)
				continue;
			if (error == 0) {
				ex->ex_st.allocs++;
				*result = r;
				return 0;
			}
			break;
		}
		error = EAGAIN;
		if (!(flags & EX_WAITSPACE))
			break;
		snprintf(what, sizeof(what), "EX_WAITSPACE request for %#"
		    PRIx64 " units cannot be satisfied", q->size);
		if (!ex_sleep(ex, fn, what))
			break;
	}
	ex->ex_st.fails++;
	return error;
}

/* ex_alloc0: validate and allocate for the extent_alloc* entry point fn. */
static int
ex_alloc0(struct extent *ex, const char *fn, struct ex_req *q, int flags,
    uint64_t *result)
{
	int error;

	ex_lock(ex);
	error = ex_check_flags(ex, fn, flags, EX_SUBREGION_FLAGS);
	if (error == 0)
		error = ex_check_req(ex, fn, q, flags, result);
	if (error == 0)
		error = ex_alloc1(ex, fn, q, flags, result);
	ex_unlock(ex);
	return error;
}

int
extent_alloc_subregion1(struct extent *ex, uint64_t substart,
    uint64_t subend, uint64_t size, uint64_t alignment, uint64_t skew,
    uint64_t boundary, int flags, uint64_t *result)
{
	struct ex_req q = {
		.substart = substart, .subend = subend, .size = size,
		.alignment = alignment, .skew = skew, .boundary = boundary,
	};

	return ex_alloc0(ex, "extent_alloc_subregion1", &q, flags, result);
}

int
extent_alloc_subregion(struct extent *ex, uint64_t substart, uint64_t subend,
    uint64_t size, uint64_t alignment, uint64_t boundary, int flags,
    uint64_t *result)
{
	struct ex_req q = {
		.substart = substart, .subend = subend, .size = size,
		.alignment = alignment, .boundary = boundary,
	};

	return ex_alloc0(ex, "extent_alloc_subregion", &q, flags, result);
}

int
extent_alloc(struct extent *ex, uint64_t size, uint64_t alignment,
    uint64_t boundary, int flags, uint64_t *result)
{
	struct ex_req q = {
		.substart = ex->ex_start, .subend = ex->ex_end, .size = size,
		.alignment = alignment, .boundary = boundary,
	};

	return ex_alloc0(ex, "extent_alloc", &q, flags, result);
}

int
extent_alloc1(struct extent *ex, uint64_t size, uint64_t alignment,
    uint64_t skew, uint64_t boundary, int flags, uint64_t *result)
{
	struct ex_req q = {
		.substart = ex->ex_start, .subend = ex->ex_end, .size = size,
		.alignment = alignment, .skew = skew, .boundary = boundary,
	};

	return ex_alloc0(ex, "extent_alloc1", &q, flags, result);
}

int
extent_alloc_region(struct extent *ex, uint64_t start, uint64_t size,
    int flags)
{
	static const char fn[] = "extent_alloc_region";
	struct ex_region *rp, *after;
	uint64_t end = start + (size - 1), nexam;
	char what[128];
	int error;

	ex_lock(ex);
	error = ex_check_flags(ex, fn, flags, EX_REGION_FLAGS);
	if (error == 0)
		error = ex_check_range(ex, fn, start, size);
	while (error == 0) {
		after = NULL;
		nexam = 0;
		for (rp = ex->ex_regions; rp != NULL; rp = rp->er_next) {
			nexam++;
			if (rp->er_end >= start)
				break;
			after = rp;
		}
		ex->ex_st.searches += nexam;
		if (rp == NULL || rp->er_start > end) {
			error = ex_insert(ex, fn, after, start, end, flags);
			if (error == EX_RETRY) {
				error = 0;
				continue;
			}
			if (error == 0)
				ex->ex_st.allocs++;
			else
				ex->ex_st.fails++;
			break;
		}
		/* rp overlaps [start, end] */
		error = EAGAIN;
		snprintf(what, sizeof(what), "EX_WAITSPACE request for [%#"
		    PRIx64 ", %#" PRIx64 "] cannot be satisfied", start, end);
		if ((flags & EX_WAITSPACE) && ex_sleep(ex, fn, what)) {
			error = 0;
			continue;
		}
		ex->ex_st.fails++;
	}
	ex_unlock(ex);
	return error;
}

/* ---- free */

/*
 * ex_free_error: report why [start, end] cannot be freed.
 * => lock held; rp is the first region that ends at or after start (NULL
 *    if none), and the range is not wholly inside rp.
 */
static void
ex_free_error(struct extent *ex, const struct ex_region *rp, uint64_t start,
    uint64_t end)
{
	const struct ex_region *c = rp;
	uint64_t n = 1, hole;

	if (rp == NULL || rp->er_start > start) {
		hole = start;
	} else {
		while (c->er_end < end && c->er_next != NULL &&
		    c->er_next->er_start == c->er_end + 1) {
			c = c->er_next;
			n++;
		}
		if (c->er_end >= end) {
			/* touching regions: only in an EX_NOCOALESCE extent */
			ex_error(ex, EXTENT_ERR_NOTREGION, "extent_free: [%#"
			    PRIx64 ", %#" PRIx64 "] spans %" PRIu64 " regions of "
			    "a non-coalescing extent", start, end, n);
			return;
		}
		hole = c->er_end + 1;
	}
	ex_error(ex, EXTENT_ERR_NOTALLOC, "extent_free: [%#" PRIx64 ", %#" PRIx64
	    "] is not allocated: %#" PRIx64 " is free", start, end, hole);
}

/*
 * ex_free1: free [start, end] (section 5).
 * => lock held on entry and on return; the range is inside the extent.
 * => returns 0, EINVAL (reported), ENOMEM or EX_RETRY.
 */
static int
ex_free1(struct extent *ex, uint64_t start, uint64_t end, int flags)
{
	struct ex_region *rp, *nrp;
	uint64_t nexam = 0;
	int error;

	for (rp = ex->ex_regions; rp != NULL && rp->er_end < start;
	    rp = rp->er_next)
		nexam++;
	if (rp != NULL)
		nexam++;
	ex->ex_st.searches += nexam;
	if (rp == NULL || rp->er_start > start || rp->er_end < end) {
		ex_free_error(ex, rp, start, end);
		return EINVAL;
	}
	if ((ex->ex_flags & EXF_NOCOALESCE) &&
	    (rp->er_start != start || rp->er_end != end)) {
		ex_error(ex, EXTENT_ERR_NOTREGION, "extent_free: [%#" PRIx64
		    ", %#" PRIx64 "] is part of region [%#" PRIx64 ", %#" PRIx64
		    "] of a non-coalescing extent", start, end, rp->er_start,
		    rp->er_end);
		return EINVAL;
	}
	if (rp->er_start == start && rp->er_end == end) {
		ex_unlink(ex, rp);
		ex_desc_put(ex, rp);
	} else if (rp->er_start == start) {
		rp->er_start = end + 1;
	} else if (rp->er_end == end) {
		rp->er_end = start - 1;
	} else {
		if ((nrp = ex_desc_need(ex, "extent_free", flags, &error)) ==
		    NULL)
			return error;
		nrp->er_start = end + 1;
		nrp->er_end = rp->er_end;
		rp->er_end = start - 1;
		ex_link_after(ex, rp, nrp);
		ex->ex_st.splits++;
	}
	ex->ex_st.frees++;
	kml_wakeup(&ex->ex_wchan);
	return 0;
}

int
extent_free(struct extent *ex, uint64_t start, uint64_t size, int flags)
{
	static const char fn[] = "extent_free";
	int error;

	ex_lock(ex);
	error = ex_check_flags(ex, fn, flags, EX_FREE_FLAGS);
	if (error == 0)
		error = ex_check_range(ex, fn, start, size);
	if (error == 0) {
		while ((error = ex_free1(ex, start, start + (size - 1), flags)) ==
		    EX_RETRY)
			continue;
		if (error == ENOMEM)
			ex->ex_st.fails++;
	}
	ex_unlock(ex);
	return error;
}

/* ---- inspection */

/* ex_stats1: the statistics, gauges computed from the list.  => lock held. */
static void
ex_stats1(struct extent *ex, struct extent_stats *st)
{
	const struct ex_region *prev = NULL, *rp = ex->ex_regions;
	uint64_t gs, ge, len;

	*st = ex->ex_st;
	st->size = ex_len(ex->ex_start, ex->ex_end);
	st->allocated = st->free = st->largest_free = st->free_gaps = 0;
	for (;;) {
		if (ex_gap(ex, prev, &gs, &ge)) {
			len = ex_len(gs, ge);
			st->free = ex_sat_add(st->free, len);
			if (len > st->largest_free)
				st->largest_free = len;
			st->free_gaps++;
		}
		if (rp == NULL)
			break;
		st->allocated = ex_sat_add(st->allocated,
		    ex_len(rp->er_start, rp->er_end));
		prev = rp;
		rp = rp->er_next;
	}
	st->regions = ex->ex_nregions;
	st->descs_malloced = ex->ex_nmalloced;
	st->descs_fixed = ex->ex_nfixed;
	st->descs_fixed_free = ex->ex_nfixedfree;
	st->waiters = ex->ex_wchan.wc_nwaiters;
}

void
extent_stats(struct extent *ex, struct extent_stats *st)
{
	ex_lock(ex);
	ex_stats1(ex, st);
	ex_unlock(ex);
}

const char *
extent_name(const struct extent *ex)
{
	return ex->ex_name;
}

void
extent_walk(struct extent *ex, int typemask, extent_walk_fn_t *fn, void *arg)
{
	const struct ex_region *prev = NULL, *rp;
	uint64_t gs, ge;

	ex_lock(ex);
	for (rp = ex->ex_regions;; prev = rp, rp = rp->er_next) {
		if ((typemask & EXTENT_FREE) && ex_gap(ex, prev, &gs, &ge))
			fn(arg, gs, ge);
		if (rp == NULL)
			break;
		if (typemask & EXTENT_ALLOC)
			fn(arg, rp->er_start, rp->er_end);
	}
	ex_unlock(ex);
}

void
extent_print(struct extent *ex)
{
	ex_lock(ex);
	printf("extent `%s' (0x%" PRIx64 " - 0x%" PRIx64 "), flags = 0x%x\n",
	    ex->ex_name, ex->ex_start, ex->ex_end, (unsigned)ex->ex_flags);
	for (const struct ex_region *rp = ex->ex_regions; rp != NULL;
	    rp = rp->er_next)
		printf("     0x%" PRIx64 " - 0x%" PRIx64 "\n", rp->er_start,
		    rp->er_end);
	ex_unlock(ex);
}

void
extent_dump(struct extent *ex, extent_printf_t *pr, void *arg)
{
	const struct ex_region *prev = NULL, *rp;
	struct extent_stats st;
	uint64_t gs, ge;

	ex_lock(ex);
	ex_stats1(ex, &st);
	pr(arg, "extent \"%s\": [%#" PRIx64 ", %#" PRIx64 "], %" PRIu64
	    " units, %s, ", ex->ex_name, ex->ex_start, ex->ex_end, st.size,
	    (ex->ex_flags & EXF_NOCOALESCE) ? "non-coalescing" : "coalescing");
	if (ex->ex_flags & EXF_FIXED)
		pr(arg, "fixed storage of %" PRIu64 " descriptors\n",
		    ex->ex_nfixed);
	else
		pr(arg, "descriptors from malloc\n");
	pr(arg, "  regions and gaps:\n");
	for (rp = ex->ex_regions;; prev = rp, rp = rp->er_next) {
		if (ex_gap(ex, prev, &gs, &ge))
			pr(arg, "    free  [%#" PRIx64 ", %#" PRIx64 "] %" PRIu64
			    " units\n", gs, ge, ex_len(gs, ge));
		if (rp == NULL)
			break;
		pr(arg, "    alloc [%#" PRIx64 ", %#" PRIx64 "] %" PRIu64
		    " units%s\n", rp->er_start, rp->er_end,
		    ex_len(rp->er_start, rp->er_end),
		    (rp->er_flags & ER_ALLOC) && (ex->ex_flags & EXF_FIXED) ?
		    " (descriptor from malloc)" : "");
	}
	pr(arg, "  descriptors: %" PRIu64 " in use, %" PRIu64 " from malloc, %"
	    PRIu64 " of %" PRIu64 " fixed free\n", ex->ex_nregions,
	    ex->ex_nmalloced, ex->ex_nfixedfree, ex->ex_nfixed);
	pr(arg, "  statistics:\n");
	for (size_t i = 0; i < extent_nstatdesc; i++)
		pr(arg, "    %-16s %20" PRIu64 "  %s\n",
		    extent_statdesc[i].sd_name,
		    kml_stat_get(&st, &extent_statdesc[i]),
		    extent_statdesc[i].sd_descr);
	ex_unlock(ex);
}

static void
ex_pr_file(void *arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(arg, fmt, ap);
	va_end(ap);
}

void
extent_dump_file(struct extent *ex, FILE *fp)
{
	extent_dump(ex, ex_pr_file, fp);
}

/* ---- the checker */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			return -1;					\
		}							\
	} while (0)

/*
 * ex_check1: verify the invariants of sections 2 and 3.
 * => lock held.  Returns 0, or -1 with the first violation in buf.
 */
static int
ex_check1(struct extent *ex, char *buf, size_t len)
{
	const struct ex_region *prev = NULL, *rp;
	uint64_t n = 0, nmalloced = 0, nslots = 0, nfree = 0;

	for (rp = ex->ex_regions; rp != NULL; prev = rp, rp = rp->er_next) {
		CHECK(rp->er_prev == prev, "region [%#" PRIx64 ", %#" PRIx64
		    "]: back link broken", rp->er_start, rp->er_end);
		CHECK(rp->er_start <= rp->er_end, "region [%#" PRIx64 ", %#"
		    PRIx64 "] ends before it starts", rp->er_start, rp->er_end);
		CHECK(rp->er_start >= ex->ex_start && rp->er_end <= ex->ex_end,
		    "region [%#" PRIx64 ", %#" PRIx64 "] is not inside the "
		    "extent [%#" PRIx64 ", %#" PRIx64 "]", rp->er_start,
		    rp->er_end, ex->ex_start, ex->ex_end);
		if (prev != NULL) {
			CHECK(rp->er_start > prev->er_end, "region [%#" PRIx64
			    ", %#" PRIx64 "] overlaps or precedes region [%#"
			    PRIx64 ", %#" PRIx64 "]", rp->er_start, rp->er_end,
			    prev->er_start, prev->er_end);
			CHECK((ex->ex_flags & EXF_NOCOALESCE) ||
			    rp->er_start != prev->er_end + 1, "regions [%#"
			    PRIx64 ", %#" PRIx64 "] and [%#" PRIx64 ", %#" PRIx64
			    "] touch but are not coalesced", prev->er_start,
			    prev->er_end, rp->er_start, rp->er_end);
		}
		CHECK((rp->er_flags & ~ER_ALLOC) == 0, "region [%#" PRIx64 ", %#"
		    PRIx64 "] has bad flags %#x", rp->er_start, rp->er_end,
		    rp->er_flags);
		if (rp->er_flags & ER_ALLOC) {
			nmalloced++;
		} else {
			CHECK(ex_is_slot(ex, rp), "region [%#" PRIx64 ", %#"
			    PRIx64 "]: descriptor neither from malloc nor a "
			    "slot of the fixed storage", rp->er_start,
			    rp->er_end);
			nslots++;
		}
		n++;
	}
	CHECK(n == ex->ex_nregions, "%" PRIu64 " regions on the list, %" PRIu64
	    " counted", n, ex->ex_nregions);
	CHECK(nmalloced == ex->ex_nmalloced, "%" PRIu64 " descriptors from "
	    "malloc on the list, %" PRIu64 " counted", nmalloced,
	    ex->ex_nmalloced);
	CHECK((ex->ex_flags & EXF_FIXED) || (ex->ex_nfixed == 0 &&
	    ex->ex_freelist == NULL), "dynamic extent with fixed descriptors");
	for (rp = ex->ex_freelist; rp != NULL; rp = rp->er_next) {
		CHECK(nfree < ex->ex_nfixed, "descriptor freelist longer than "
		    "the %" PRIu64 " slots", ex->ex_nfixed);
		CHECK(ex_is_slot(ex, rp) && rp->er_flags == 0, "descriptor "
		    "freelist holds %p, not a free slot", (const void *)rp);
		nfree++;
	}
	CHECK(nfree == ex->ex_nfixedfree, "%" PRIu64 " descriptors on the "
	    "freelist, %" PRIu64 " counted", nfree, ex->ex_nfixedfree);
	CHECK(nslots + nfree == ex->ex_nfixed, "%" PRIu64 " slots in use and %"
	    PRIu64 " free, of %" PRIu64, nslots, nfree, ex->ex_nfixed);
	return 0;
}

int
extent_check(struct extent *ex, char *buf, size_t len)
{
	int error;

	kml_mutex_enter(&ex->ex_lock);
	error = ex_check1(ex, buf, len);
	kml_mutex_exit(&ex->ex_lock);
	return error;
}
