/*
 * lib/vmem.c: the vmem general resource allocator.
 *
 * References: Jeff Bonwick and Jonathan Adams, "Magazines and Vmem:
 * Extending the Slab Allocator to Many CPUs and Arbitrary Resources",
 * USENIX 2001; vmem(9) of FreeBSD (the interface) and NetBSD; illumos
 * usr/src/uts/common/os/vmem.c.  This is kmemlab's own implementation.
 *
 * ---- 1. Concepts
 *
 * An arena manages a set of integers (addresses) in units of its quantum,
 * a power of two.  The integers come in spans: ranges given by vmem_add or
 * vmem_create (static spans, never given back) or imported from a source
 * arena on demand (imported spans, released when wholly free).  Every
 * address of a span belongs to exactly one segment, allocated (busy) or
 * free.  A segment never crosses a span boundary.
 *
 * ---- 2. Boundary tags
 *
 * Each span and each segment is described by a boundary tag (struct bt).
 * All tags sit on one segment list in address order, a span's tag right
 * before the tags of its segments:
 *
 *	span [A, D)  busy [A, B)  free [B, C)  busy [C, D)  span [E, F) ...
 *
 * Invariants (checked by vmem_check):
 *  (1) the segments after a span tag tile the span exactly: the first
 *      starts at the span's start, each starts where the previous ended,
 *      the last ends at the span's end;
 *  (2) spans are in increasing address order and do not overlap;
 *  (3) no two free segments are adjacent on the list (free coalesces with
 *      both neighbours; a span tag between two free segments of
 *      touching spans keeps them apart, so segments never cross spans);
 *  (4) no imported span consists of a single free segment (it would have
 *      been released to the source);
 *  (5) every start and size is a multiple of the quantum, every size > 0.
 *
 * Span tags are also on a list of their own, in address order (the span
 * list), and in the span index: an AVL tree of the span tags keyed by
 * start address.  Its links (bt_left, bt_right, bt_height) are in the
 * tag, which makes every tag 16 bytes larger though only span tags use
 * them.  A new span (vmem_add, an import) finds its place on the span
 * list, and is checked for overlap, by descents of the tree instead of
 * walks of the list, and a released span leaves the tree, each in
 * O(log n) time for n spans: an AVL tree of n nodes is at most
 * 1.44 log2(n + 2) high.  Only vmem_check walks the whole tree, in step
 * with the segment list.
 * Invariant (checked): an in-order walk of the tree visits exactly the
 * spans of the span list, in the same order; each node's height is one
 * more than its taller child's, and its children's heights differ by at
 * most one.
 *
 * ---- 3. Freelists and the bitmap
 *
 * Free segments are on power-of-two freelists: freelist n holds the free
 * segments whose size in quanta is in [2^n, 2^(n+1)).  New free segments
 * go to the head of their list.  Invariant: bit n of vm_freemap is set iff
 * freelist n is not empty.
 *
 * ---- 4. Strategies
 *
 * Instant fit (VM_INSTANTFIT, also M_FIRSTFIT; the default).  A request of
 * s quanta is sure to fit any segment on freelist n when 2^n >= s, that is
 * n >= log2(s) if s is a power of two and n >= floor(log2(s)) + 1
 * otherwise.  The lowest non-empty such list is found with one bitmap
 * lookup (mask, count trailing zeros), and the head of that list is taken.
 * This is constant time in the number of free segments, hit or miss: an
 * unconstrained request costs exactly one bitmap lookup and examines at
 * most one segment; when no such list is non-empty it misses without
 * looking at the list below (whose segments might or might not fit), and
 * imports, sleeps or fails.  A constrained request (align above the
 * quantum, phase, nocross, minaddr or maxaddr) tries the head of each
 * non-empty list from the guaranteed one upwards (one bitmap lookup per
 * list), and, when none of those fits, scans every segment of the lists
 * from floor(log2(s)) upwards and takes the first that fits.
 *
 * Best fit (VM_BESTFIT).  The smallest free segment that satisfies the
 * request, constraints included, ties going to the lowest address.  Lists
 * are scanned upwards from floor(log2(s)); the first list that holds any
 * segment that fits is scanned to its end and its best segment taken:
 * every segment of a higher list is strictly larger.
 *
 * Next fit (VM_NEXTFIT).  For identifiers: the rotor address is just past
 * the last next-fit allocation.  The search first walks the segment list
 * in address order from the rotor tag, taking the lowest fit at or above
 * the rotor address; then it wraps to the list's head and takes the lowest
 * fit below the rotor address.  Successive allocations get increasing
 * addresses until the arena's end, then wrap.  The rotor tag is only where
 * the first walk starts; it is correct as long as it starts at or below
 * the rotor address (invariant, checked): when an allocation splits the
 * rotor tag, the rotor moves to the left piece; when the rotor tag is
 * coalesced into a neighbour it moves to the survivor, which starts lower;
 * when it disappears with a released span it moves to the next tag, and
 * the rotor address moves up to that tag's start (everything between was
 * given back).  After a next-fit allocation the rotor tag is the new
 * segment itself.  No rotor tag (before the first next-fit allocation, or
 * after the rotor's span was released at the end of the list) means the
 * walk starts with the wrap.
 *
 * In every strategy, within the chosen segment the lowest address that
 * satisfies the constraints is returned (vmem_fit).
 *
 * ---- 5. Constraints
 *
 * addr % align == phase; [addr, addr + size) does not cross a multiple of
 * nocross; minaddr <= addr and addr + size - 1 <= maxaddr (both bounds
 * inclusive, as in FreeBSD).  They are validated before any work:
 * nocross >= align and phase + size <= nocross make "the lowest address
 * that fits" well defined: if the aligned candidate crosses a nocross
 * boundary, no aligned address below that boundary can avoid crossing it,
 * and the boundary plus phase never crosses the next one.
 *
 * ---- 6. The busy-segment hash
 *
 * Allocated segments are in a hash table keyed by start address (a
 * multiplicative hash of addr / quantum), so that vmem_free finds its tag
 * in constant expected time.  The table has a power-of-two number of
 * buckets, at least VMEM_HASH_MIN; it doubles when the busy segments
 * exceed twice the buckets and halves when they fall below an eighth of
 * them (the gap is hysteresis, so that an arena hovering at a boundary does
 * not resize on every call).
 *
 * ---- 7. Import and release
 *
 * On a miss, an arena with an import function asks its source for a span:
 * the request size, plus align - quantum when align exceeds the quantum
 * (so an aligned address exists whatever the span's address), at least
 * 2 * nocross when nocross is set (so the span holds a whole aligned
 * nocross block), rounded up to the import quantum.  The arena lock is
 * dropped during the call.  One import per attempt: if the search still
 * fails (minaddr/maxaddr may exclude the new span), the span is handed
 * back at once and the request fails or sleeps.  A free that leaves an
 * imported span wholly free releases it to the source.
 *
 * ---- 8. Sleeping
 *
 * A VM_SLEEP request that cannot be satisfied sleeps on the arena's wait
 * channel (kml_sleep, the environment) and retries after a wakeup; every
 * free and vmem_add wakes the channel.  When the environment proves that
 * no wakeup can ever come (the uniprocessor environment always does), the
 * request fails with ENOMEM and a VMEM_ERR_DEADLOCK report instead of
 * hanging.  VM_SLEEP in interrupt context is a reported flags error.
 *
 * ---- 9. Locking, costs, errors
 *
 * One lock per arena (vm_lock) protects everything in it.  Import and
 * release functions, and error handlers, are called with it released.
 * Each entry point charges its work to the virtual clock (kmemlab/cost.h):
 * a fixed call cost, segments examined, bitmap lookups, hash steps,
 * splits, coalesces, rehashed segments.  Errors are formatted under the
 * lock and delivered to the handler after it is released (vmem_unlock).
 * With --enable-sanity, vmem_unlock also runs vmem_check and panics on any
 * violation.
 *
 * ---- 10. Quantum caches
 *
 * Most requests to an arena are for a few quanta.  With qcache_max set,
 * vmem_create makes one pool_cache per size q, 2q, ... qcache_max (q the
 * quantum; at most VMEM_QCACHE_MAX caches), named "ARENA-SIZE".  Their
 * slabs ("pages") are segments of the arena of the smallest power of two
 * above qcache_max, taken with vmem_xalloc aligned to their size (the pool
 * layer finds an item's slab by alignment), so a quantum-cache hit costs
 * a magazine round and no arena search.  vmem_alloc and vmem_free of sizes
 * up to qcache_max go to the cache for the size rounded up to the
 * quantum; misuse there (a wrong size, a double free) is reported by the
 * cache's pool.  The quantum caches' pools give back empty slabs at once
 * (their idle interval is 0), and vmem_qcache_reclaim empties the caches
 * so that the pagedaemon can get the slabs back (the page layer does this
 * for kmem_va_arena at UVM_RECLAIM_QCACHE).  The arena's own statistics
 * count slabs, not objects; the caches' statistics count objects.
 *
 * Tags are ordinary process memory; each arena keeps a small cache of
 * spare tags and reserves the most one operation can need (VMEM_BT_MAXOP)
 * before touching the structure, so an operation never fails half-way.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/report.h>
#include <kmemlab/vmem.h>

#include "bits.h"

#define VMEM_NAME_MAX	32
#define VMEM_MAXORDER	64		/* freelists: sizes up to 2^64 quanta */
#define VMEM_HASH_MIN	16		/* buckets, at least */
#define VMEM_BT_MAXOP	4		/* tags one operation may need */
#define VMEM_BT_CACHE	64		/* spare tags kept per arena */
#define VMEM_QCACHE_MAX	16		/* most quantum caches per arena */
#define VMEM_SPT_MAXDEPTH 96		/* span index height, at most (> 1.44 * 64) */

#define VM_SLEEPMASK	(VM_SLEEP | VM_NOSLEEP)
#define VM_FITMASK	(VM_INSTANTFIT | VM_BESTFIT | VM_NEXTFIT)

enum bt_type {
	BT_SPAN_STATIC,		/* span from vmem_create or vmem_add */
	BT_SPAN_IMPORT,		/* span imported from the source */
	BT_FREE,		/* free segment */
	BT_BUSY,		/* allocated segment */
	BT_HEAD			/* the segment list's sentinel */
};

typedef struct bt {
	struct bt *bt_prev;		/* segment list, address order */
	struct bt *bt_next;
	struct bt *bt_lnext;		/* freelist, hash chain or span list */
	struct bt **bt_lprevp;		/* (whichever applies to the type) */
	vmem_addr_t bt_start;
	vmem_size_t bt_size;
	uint8_t bt_type;		/* enum bt_type */
	uint8_t bt_xalloc;		/* busy: allocated by vmem_xalloc */
	uint8_t bt_height;		/* span: height in the span index */
	struct bt *bt_left;		/* span: span index, lower starts */
	struct bt *bt_right;		/* span: span index, higher starts */
} bt_t;

struct vmem {
	/* the lock and the wait channel */
	struct kml_mutex vm_lock;	/* protects everything below */
	struct kml_wchan vm_wchan;	/* VM_SLEEP requests wait here */

	/* properties, fixed at creation */
	char vm_name[VMEM_NAME_MAX];
	vmem_size_t vm_quantum;		/* power of two */
	unsigned vm_qshift;		/* log2(vm_quantum) */
	vmem_size_t vm_qcache_max;	/* recorded; see vmem_create */

	/* import source (vmem_set_import) */
	vmem_import_t *vm_importfn;
	vmem_release_t *vm_releasefn;
	void *vm_arg;
	vmem_size_t vm_import_quantum;	/* >= vm_quantum */

	/* segment list, span list, freelists */
	bt_t vm_seg0;			/* sentinel of the segment list */
	bt_t *vm_spans;			/* span tags, address order */
	bt_t *vm_spanroot;		/* span index (AVL tree) root */
	bt_t *vm_freelist[VMEM_MAXORDER];
	uint64_t vm_freemap;		/* bit n set iff freelist n non-empty */

	/* busy-segment hash */
	bt_t **vm_hash;
	size_t vm_hashsize;		/* power of two >= VMEM_HASH_MIN */
	unsigned vm_hashbits;		/* log2(vm_hashsize) */

	/* next-fit rotor */
	bt_t *vm_rotor;			/* search starts here; starts <= vm_rotor_addr */
	vmem_addr_t vm_rotor_addr;	/* just past the last next-fit allocation */

	/* quantum caches (section 10) */
	pool_cache_t vm_qcache[VMEM_QCACHE_MAX]; /* [i]: size (i + 1) * quantum */
	unsigned vm_nqcache;
	struct pool_allocator vm_qcache_allocator; /* slabs from this arena */

	/* spare tags */
	bt_t *vm_freetags;		/* linked through bt_lnext */
	unsigned vm_nfreetags;

	/* statistics (gauges kept up to date; see vmem_stats) */
	struct vmem_stats vm_st;

	/* error reporting */
	vmem_error_handler_t *vm_errfn;
	void *vm_errarg;
	struct kml_report vm_report;	/* last error, pending delivery */
};

const struct kml_statdesc vmem_statdesc[] = {
	KML_STAT(struct vmem_stats, inuse, KML_UNIT_BYTES, "bytes in allocated segments"),
	KML_STAT(struct vmem_stats, total, KML_UNIT_BYTES, "bytes in all spans"),
	KML_STAT(struct vmem_stats, imported, KML_UNIT_BYTES, "bytes in spans imported from the source"),
	KML_STAT(struct vmem_stats, busy_segs, KML_UNIT_COUNT, "allocated segments"),
	KML_STAT(struct vmem_stats, free_segs, KML_UNIT_COUNT, "free segments"),
	KML_STAT(struct vmem_stats, spans, KML_UNIT_COUNT, "spans, added and imported"),
	KML_STAT(struct vmem_stats, largest_free, KML_UNIT_BYTES, "largest free segment"),
	KML_STAT(struct vmem_stats, hash_size, KML_UNIT_COUNT, "buckets in the busy-segment hash"),
	KML_STAT(struct vmem_stats, hash_maxchain, KML_UNIT_COUNT, "longest hash chain"),
	KML_STAT(struct vmem_stats, waiters, KML_UNIT_COUNT, "threads sleeping on the arena"),
	KML_STAT(struct vmem_stats, allocs, KML_UNIT_COUNT, "successful allocations"),
	KML_STAT(struct vmem_stats, frees, KML_UNIT_COUNT, "successful frees"),
	KML_STAT(struct vmem_stats, fails, KML_UNIT_COUNT, "allocations that returned ENOMEM"),
	KML_STAT(struct vmem_stats, waits, KML_UNIT_COUNT, "times an allocation slept"),
	KML_STAT(struct vmem_stats, imports, KML_UNIT_COUNT, "spans imported from the source"),
	KML_STAT(struct vmem_stats, releases, KML_UNIT_COUNT, "spans released to the source"),
	KML_STAT(struct vmem_stats, searches, KML_UNIT_COUNT, "free segments examined"),
	KML_STAT(struct vmem_stats, bitmap_lookups, KML_UNIT_COUNT, "freelist bitmap lookups"),
	KML_STAT(struct vmem_stats, hash_lookups, KML_UNIT_COUNT, "busy-segment hash lookups"),
	KML_STAT(struct vmem_stats, hash_steps, KML_UNIT_COUNT, "hash chain entries visited"),
	KML_STAT(struct vmem_stats, rehashes, KML_UNIT_COUNT, "hash table resizes"),
	KML_STAT(struct vmem_stats, splits, KML_UNIT_COUNT, "free segments split by an allocation"),
	KML_STAT(struct vmem_stats, coalesces, KML_UNIT_COUNT, "free segments merged with a neighbour"),
	KML_STAT(struct vmem_stats, errors, KML_UNIT_COUNT, "reported errors"),
};
const size_t vmem_nstatdesc = sizeof(vmem_statdesc) / sizeof(vmem_statdesc[0]);

static vmem_error_handler_t *vmem_default_errfn;
static void *vmem_default_errarg;

static int vmem_check1(vmem_t *, char *, size_t);

/* ---- error reporting */

static const char *const vmem_errnames[VMEM_ERR_NERRORS] = {
	[VMEM_ERR_NONE] = "no error",
	[VMEM_ERR_QUANTUM] = "bad quantum",
	[VMEM_ERR_SIZE] = "bad size",
	[VMEM_ERR_ALIGN] = "bad alignment",
	[VMEM_ERR_PHASE] = "bad phase",
	[VMEM_ERR_NOCROSS] = "bad nocross",
	[VMEM_ERR_RANGE] = "bad address range",
	[VMEM_ERR_FLAGS] = "bad flags",
	[VMEM_ERR_OVERLAP] = "overlapping span",
	[VMEM_ERR_NOTALLOC] = "not allocated",
	[VMEM_ERR_WRONGSIZE] = "wrong size",
	[VMEM_ERR_XFREE] = "vmem_free of an xalloc'd segment",
	[VMEM_ERR_BUSY] = "arena busy",
	[VMEM_ERR_DEADLOCK] = "deadlock",
	[VMEM_ERR_NOIMPORT] = "out of metadata",
};

const char *
vmem_strerror(enum vmem_error err)
{
	if ((unsigned)err >= VMEM_ERR_NERRORS)
		return "unknown error";
	return vmem_errnames[err];
}

static void
vmem_stderr_handler(void *arg, vmem_t *vm, enum vmem_error err,
    const char *msg)
{
	(void)arg;
	(void)vm;
	(void)err;
	fprintf(stderr, "vmem: %s\n", msg);
}

/*
 * vmem_error: record an error of class err for vm.
 * => vm's lock is held; the handler runs at vmem_unlock.
 */
#define vmem_error(vm, err, ...)					\
	do {								\
		kml_report(&(vm)->vm_report, "arena", (vm)->vm_name,	\
		    (err), __VA_ARGS__);				\
		(vm)->vm_st.errors++;					\
	} while (0)

static void
vmem_lock(vmem_t *vm)
{
	kml_mutex_enter(&vm->vm_lock);
	kml_charge(KML_COST_VMEM_CALL, 1);
}

/*
 * vmem_unlock: release the arena lock, then deliver a pending error.
 * => with KML_SANITY, the arena is checked first.
 */
static void
vmem_unlock(vmem_t *vm)
{
	struct kml_report_entry e;
#ifdef KML_SANITY
	char why[256];

	if (vmem_check1(vm, why, sizeof(why)) != 0)
		kml_panic("vmem_check: arena \"%s\": %s", vm->vm_name, why);
#endif
	kml_mutex_exit(&vm->vm_lock);
	while (kml_report_take(&vm->vm_report, &e))
		vm->vm_errfn(vm->vm_errarg, vm, e.re_err, e.re_msg);
}

void
vmem_set_error_handler(vmem_t *vm, vmem_error_handler_t *fn, void *arg)
{
	vm->vm_errfn = fn != NULL ? fn : vmem_stderr_handler;
	vm->vm_errarg = fn != NULL ? arg : NULL;
}

void
vmem_set_default_error_handler(vmem_error_handler_t *fn, void *arg)
{
	vmem_default_errfn = fn;
	vmem_default_errarg = arg;
}

enum vmem_error
vmem_last_error(const vmem_t *vm, const char **msgp)
{
	if (msgp != NULL)
		*msgp = vm->vm_report.rp_lastmsg;
	return vm->vm_report.rp_lasterr;
}

/* ---- boundary tags */

/*
 * bt_reserve: make sure n spare tags are cached.
 * => returns 0 or ENOMEM (nothing changed).
 */
static int
bt_reserve(vmem_t *vm, unsigned n)
{
	while (vm->vm_nfreetags < n) {
		bt_t *bt = malloc(sizeof(*bt));

		if (bt == NULL)
			return ENOMEM;
		bt->bt_lnext = vm->vm_freetags;
		vm->vm_freetags = bt;
		vm->vm_nfreetags++;
	}
	return 0;
}

/* bt_get: a spare tag.  => bt_reserve made sure there is one. */
static bt_t *
bt_get(vmem_t *vm)
{
	bt_t *bt = vm->vm_freetags;

	KML_ASSERTMSG(bt != NULL, "arena \"%s\": tag reserve empty", vm->vm_name);
	vm->vm_freetags = bt->bt_lnext;
	vm->vm_nfreetags--;
	memset(bt, 0, sizeof(*bt));
	return bt;
}

/* bt_put: give a tag back to the spare cache (or to the heap). */
static void
bt_put(vmem_t *vm, bt_t *bt)
{
	if (vm->vm_nfreetags >= VMEM_BT_CACHE) {
		free(bt);
		return;
	}
	bt->bt_lnext = vm->vm_freetags;
	vm->vm_freetags = bt;
	vm->vm_nfreetags++;
}

static inline vmem_addr_t
bt_end(const bt_t *bt)		/* last address, inclusive */
{
	return bt->bt_start + bt->bt_size - 1;
}

static inline bool
bt_isspan(const bt_t *bt)
{
	return bt->bt_type == BT_SPAN_STATIC || bt->bt_type == BT_SPAN_IMPORT;
}

static const char *
bt_typename(const bt_t *bt)
{
	switch (bt->bt_type) {
	case BT_SPAN_STATIC:
		return "span";
	case BT_SPAN_IMPORT:
		return "span";
	case BT_FREE:
		return "free";
	case BT_BUSY:
		return "busy";
	default:
		return "head";
	}
}

/* ---- the segment list */

static inline bt_t *
seg_first(vmem_t *vm)
{
	bt_t *bt = vm->vm_seg0.bt_next;

	return bt == &vm->vm_seg0 ? NULL : bt;
}

static inline bt_t *
seg_next(vmem_t *vm, bt_t *bt)
{
	bt = bt->bt_next;
	return bt == &vm->vm_seg0 ? NULL : bt;
}

static inline bt_t *
seg_prev(vmem_t *vm, bt_t *bt)
{
	bt = bt->bt_prev;
	return bt == &vm->vm_seg0 ? NULL : bt;
}

/* seg_insert_after: put bt on the segment list after where (may be the head). */
static void
seg_insert_after(bt_t *where, bt_t *bt)
{
	bt->bt_prev = where;
	bt->bt_next = where->bt_next;
	where->bt_next->bt_prev = bt;
	where->bt_next = bt;
}

/*
 * seg_remove: take bt off the segment list.
 * => if bt is the next-fit rotor, the rotor moves to heir (the tag that
 *    absorbed bt and will start at or below bt's start) or, when heir is
 *    NULL, to the tag after bt, raising the rotor address to its start.
 */
static void
seg_remove(vmem_t *vm, bt_t *bt, bt_t *heir)
{
	if (vm->vm_rotor == bt) {
		vm->vm_rotor = heir != NULL ? heir : seg_next(vm, bt);
		if (heir == NULL && vm->vm_rotor != NULL &&
		    vm->vm_rotor->bt_start > vm->vm_rotor_addr)
			vm->vm_rotor_addr = vm->vm_rotor->bt_start;
	}
	bt->bt_prev->bt_next = bt->bt_next;
	bt->bt_next->bt_prev = bt->bt_prev;
}

/* ---- linked lists through bt_lnext / bt_lprevp (freelists, hash, spans) */

static inline void
lst_insert_head(bt_t **head, bt_t *bt)
{
	bt->bt_lnext = *head;
	if (*head != NULL)
		(*head)->bt_lprevp = &bt->bt_lnext;
	*head = bt;
	bt->bt_lprevp = head;
}

static inline void
lst_remove(bt_t *bt)
{
	if (bt->bt_lnext != NULL)
		bt->bt_lnext->bt_lprevp = bt->bt_lprevp;
	*bt->bt_lprevp = bt->bt_lnext;
}

/* ---- freelists */

static inline unsigned
vmem_order(const vmem_t *vm, vmem_size_t size)
{
	return kml_log2(size >> vm->vm_qshift);
}

static void
bt_insfree(vmem_t *vm, bt_t *bt)
{
	unsigned n = vmem_order(vm, bt->bt_size);

	KML_ASSERT(bt->bt_type == BT_FREE);
	lst_insert_head(&vm->vm_freelist[n], bt);
	vm->vm_freemap |= (uint64_t)1 << n;
	vm->vm_st.free_segs++;
}

static void
bt_remfree(vmem_t *vm, bt_t *bt)
{
	unsigned n = vmem_order(vm, bt->bt_size);

	KML_ASSERT(bt->bt_type == BT_FREE);
	lst_remove(bt);
	if (vm->vm_freelist[n] == NULL)
		vm->vm_freemap &= ~((uint64_t)1 << n);
	vm->vm_st.free_segs--;
}

/* ---- the busy-segment hash */

static inline size_t
vmem_hash(const vmem_t *vm, vmem_addr_t addr)
{
	uint64_t h = (addr >> vm->vm_qshift) * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> (64 - vm->vm_hashbits));
}

/*
 * vmem_rehash: move every busy segment to a table of newsize buckets.
 * => newsize is a power of two >= VMEM_HASH_MIN.
 * => on allocation failure the old table stays (only speed suffers).
 */
static void
vmem_rehash(vmem_t *vm, size_t newsize)
{
	bt_t **old = vm->vm_hash, **new;
	size_t oldsize = vm->vm_hashsize;

	new = calloc(newsize, sizeof(*new));
	if (new == NULL)
		return;
	vm->vm_hash = new;
	vm->vm_hashsize = newsize;
	vm->vm_hashbits = kml_log2(newsize);
	for (size_t i = 0; i < oldsize; i++) {
		bt_t *bt;

		while ((bt = old[i]) != NULL) {
			lst_remove(bt);
			lst_insert_head(&new[vmem_hash(vm, bt->bt_start)], bt);
			kml_charge(KML_COST_VMEM_REHASH, 1);
		}
	}
	free(old);
	vm->vm_st.rehashes++;
}

static void
bt_insbusy(vmem_t *vm, bt_t *bt)
{
	KML_ASSERT(bt->bt_type == BT_BUSY);
	lst_insert_head(&vm->vm_hash[vmem_hash(vm, bt->bt_start)], bt);
	vm->vm_st.busy_segs++;
	vm->vm_st.inuse += bt->bt_size;
	if (vm->vm_st.busy_segs > 2 * vm->vm_hashsize)
		vmem_rehash(vm, vm->vm_hashsize * 2);
}

static void
bt_rembusy(vmem_t *vm, bt_t *bt)
{
	KML_ASSERT(bt->bt_type == BT_BUSY);
	lst_remove(bt);
	vm->vm_st.busy_segs--;
	vm->vm_st.inuse -= bt->bt_size;
	if (vm->vm_hashsize > VMEM_HASH_MIN &&
	    vm->vm_st.busy_segs < vm->vm_hashsize / 8)
		vmem_rehash(vm, vm->vm_hashsize / 2);
}

/*
 * bt_findbusy: the busy tag starting at addr, or NULL, and the number of
 * chain entries visited in *stepsp.  Counts nothing: the checker uses it.
 */
static bt_t *
bt_findbusy(const vmem_t *vm, vmem_addr_t addr, uint64_t *stepsp)
{
	bt_t *bt;
	uint64_t steps = 0;

	for (bt = vm->vm_hash[vmem_hash(vm, addr)]; bt != NULL; bt = bt->bt_lnext) {
		steps++;
		if (bt->bt_start == addr)
			break;
	}
	*stepsp = steps;
	return bt;
}

/* bt_lookupbusy: bt_findbusy, counted and charged as the arena's work. */
static bt_t *
bt_lookupbusy(vmem_t *vm, vmem_addr_t addr)
{
	uint64_t steps;
	bt_t *bt = bt_findbusy(vm, addr, &steps);

	vm->vm_st.hash_lookups++;
	vm->vm_st.hash_steps += steps;
	kml_charge(KML_COST_VMEM_HASH, steps);
	return bt;
}

/* ---- the span index (an AVL tree of span tags keyed by bt_start) */

static inline unsigned
spt_height(const bt_t *t)
{
	return t != NULL ? t->bt_height : 0;
}

/* spt_fix: recompute t's height from its children's. */
static inline void
spt_fix(bt_t *t)
{
	unsigned hl = spt_height(t->bt_left), hr = spt_height(t->bt_right);

	t->bt_height = (uint8_t)(1 + (hl > hr ? hl : hr));
}

/* spt_rotright: rotate t's left child up.  => returns the new subtree root. */
static bt_t *
spt_rotright(bt_t *t)
{
	bt_t *l = t->bt_left;

	t->bt_left = l->bt_right;
	l->bt_right = t;
	spt_fix(t);
	spt_fix(l);
	return l;
}

/* spt_rotleft: rotate t's right child up.  => returns the new subtree root. */
static bt_t *
spt_rotleft(bt_t *t)
{
	bt_t *r = t->bt_right;

	t->bt_right = r->bt_left;
	r->bt_left = t;
	spt_fix(t);
	spt_fix(r);
	return r;
}

/*
 * spt_balance: restore the AVL property at t after one insertion into or
 * one removal from a subtree of t.
 * => t's children are AVL trees whose heights differ by at most two.
 * => returns the new subtree root, its height fixed.
 */
static bt_t *
spt_balance(bt_t *t)
{
	unsigned hl = spt_height(t->bt_left), hr = spt_height(t->bt_right);

	if (hl > hr + 1) {
		if (spt_height(t->bt_left->bt_left) <
		    spt_height(t->bt_left->bt_right))
			t->bt_left = spt_rotleft(t->bt_left);
		return spt_rotright(t);
	}
	if (hr > hl + 1) {
		if (spt_height(t->bt_right->bt_right) <
		    spt_height(t->bt_right->bt_left))
			t->bt_right = spt_rotright(t->bt_right);
		return spt_rotleft(t);
	}
	spt_fix(t);
	return t;
}

/*
 * spt_insert: add the span tag span to the subtree t.
 * => no span of t starts at span's start.
 * => returns the new subtree root.
 */
static bt_t *
spt_insert(bt_t *t, bt_t *span)
{
	if (t == NULL) {
		span->bt_left = span->bt_right = NULL;
		span->bt_height = 1;
		return span;
	}
	if (span->bt_start < t->bt_start)
		t->bt_left = spt_insert(t->bt_left, span);
	else
		t->bt_right = spt_insert(t->bt_right, span);
	return spt_balance(t);
}

/*
 * spt_removemin: take the lowest span out of the non-empty subtree t.
 * => sets *minp to it; returns the new subtree root.
 */
static bt_t *
spt_removemin(bt_t *t, bt_t **minp)
{
	if (t->bt_left == NULL) {
		*minp = t;
		return t->bt_right;
	}
	t->bt_left = spt_removemin(t->bt_left, minp);
	return spt_balance(t);
}

/*
 * spt_remove: take the span tag span out of the subtree t.
 * => span is in t.  Returns the new subtree root.
 */
static bt_t *
spt_remove(bt_t *t, bt_t *span)
{
	bt_t *min, *right;

	KML_ASSERT(t != NULL);
	if (span->bt_start < t->bt_start) {
		t->bt_left = spt_remove(t->bt_left, span);
		return spt_balance(t);
	}
	if (span->bt_start > t->bt_start) {
		t->bt_right = spt_remove(t->bt_right, span);
		return spt_balance(t);
	}
	KML_ASSERT(t == span);
	if (t->bt_right == NULL)
		return t->bt_left;
	right = spt_removemin(t->bt_right, &min);
	min->bt_left = t->bt_left;
	min->bt_right = right;
	return spt_balance(min);
}

/* spt_last_at: the last span that starts at or below addr, or NULL. */
static bt_t *
spt_last_at(const vmem_t *vm, vmem_addr_t addr)
{
	bt_t *last = NULL;

	for (bt_t *t = vm->vm_spanroot; t != NULL; ) {
		if (t->bt_start <= addr) {
			last = t;
			t = t->bt_right;
		} else
			t = t->bt_left;
	}
	return last;
}

/* spt_first_ending: the first span whose last address is >= addr, or NULL. */
static bt_t *
spt_first_ending(const vmem_t *vm, vmem_addr_t addr)
{
	bt_t *first = NULL;

	for (bt_t *t = vm->vm_spanroot; t != NULL; ) {
		if (bt_end(t) >= addr) {
			first = t;
			t = t->bt_left;
		} else
			t = t->bt_right;
	}
	return first;
}

/* ---- spans */

/*
 * vmem_addspan: add the span [addr, addr+size) with one free segment.
 * => lock held, two tags reserved, no overlap (checked by the caller).
 * => returns the free segment's tag.
 */
static bt_t *
vmem_addspan(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, enum bt_type type)
{
	bt_t *span, *seg, *next, **pp, *where, *prev;

	/* the first span that starts after addr, and its place */
	prev = spt_last_at(vm, addr);
	pp = prev != NULL ? &prev->bt_lnext : &vm->vm_spans;
	next = *pp;
	span = bt_get(vm);
	span->bt_start = addr;
	span->bt_size = size;
	span->bt_type = (uint8_t)type;
	seg = bt_get(vm);
	seg->bt_start = addr;
	seg->bt_size = size;
	seg->bt_type = BT_FREE;

	/* span list: before next */
	span->bt_lnext = next;
	span->bt_lprevp = pp;
	if (next != NULL)
		next->bt_lprevp = &span->bt_lnext;
	*pp = span;
	vm->vm_spanroot = spt_insert(vm->vm_spanroot, span);

	/* segment list: right before next's tag, or at the end */
	where = next != NULL ? next->bt_prev : vm->vm_seg0.bt_prev;
	seg_insert_after(where, span);
	seg_insert_after(span, seg);
	bt_insfree(vm, seg);

	vm->vm_st.spans++;
	vm->vm_st.total += size;
	if (type == BT_SPAN_IMPORT)
		vm->vm_st.imported += size;
	return seg;
}

/*
 * vmem_overlap: the first span, in address order, that [addr, addr+size)
 * overlaps, or NULL.
 * => spans do not overlap, so their ends are in the order of their starts:
 *    the first span ending at or above addr is the only candidate.
 */
static bt_t *
vmem_overlap(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	bt_t *s = spt_first_ending(vm, addr);

	return s != NULL && s->bt_start <= addr + size - 1 ? s : NULL;
}

/*
 * vmem_takespan: remove a wholly free imported span whose only segment is
 * seg, and return its extent in *addrp / *sizep for release.
 * => lock held.
 */
static void
vmem_takespan(vmem_t *vm, bt_t *seg, vmem_addr_t *addrp, vmem_size_t *sizep)
{
	bt_t *span = seg->bt_prev;

	KML_ASSERT(span->bt_type == BT_SPAN_IMPORT &&
	    span->bt_start == seg->bt_start && span->bt_size == seg->bt_size);
	bt_remfree(vm, seg);
	seg_remove(vm, seg, NULL);
	seg_remove(vm, span, NULL);
	lst_remove(span);
	vm->vm_spanroot = spt_remove(vm->vm_spanroot, span);
	*addrp = span->bt_start;
	*sizep = span->bt_size;
	vm->vm_st.spans--;
	vm->vm_st.total -= span->bt_size;
	vm->vm_st.imported -= span->bt_size;
	vm->vm_st.releases++;
	bt_put(vm, seg);
	bt_put(vm, span);
}

/* vmem_wholespan: seg is free and the only segment of an imported span. */
static bool
vmem_wholespan(const bt_t *seg)
{
	const bt_t *span = seg->bt_prev;

	return seg->bt_type == BT_FREE && span->bt_type == BT_SPAN_IMPORT &&
	    span->bt_start == seg->bt_start && span->bt_size == seg->bt_size;
}

/* ---- fitting */

/* A validated request. */
struct vmem_req {
	vmem_size_t size, align, phase, nocross;
	vmem_addr_t minaddr, maxaddr;
	int strat;			/* VM_INSTANTFIT, VM_BESTFIT or VM_NEXTFIT */
	bool constrained;		/* any constraint beyond the quantum */
};

/*
 * vmem_fit: the lowest address in the free segment bt, at or above lo,
 * that satisfies r.
 * => returns true and sets *addrp, or false.
 */
static bool
vmem_fit(const bt_t *bt, const struct vmem_req *r, vmem_addr_t lo,
    vmem_addr_t *addrp)
{
	vmem_addr_t start, end, a, b;

	if (bt->bt_size < r->size)
		return false;
	start = bt->bt_start;
	if (start < lo)
		start = lo;
	end = bt_end(bt);
	if (end > r->maxaddr)
		end = r->maxaddr;
	if (start > end)
		return false;
	/* the lowest a >= start with a % align == phase */
	a = start + ((r->phase - start) & (r->align - 1));
	if (a < start)
		return false;			/* wrapped */
	if (r->nocross != 0 &&
	    ((a ^ (a + r->size - 1)) & ~(r->nocross - 1)) != 0) {
		b = (a & ~(r->nocross - 1)) + r->nocross;
		if (b < a)
			return false;		/* wrapped */
		a = b + r->phase;
	}
	if (a > end || end - a < r->size - 1)
		return false;
	*addrp = a;
	return true;
}

/* vmem_probe: one segment examined. */
static inline bool
vmem_probe(vmem_t *vm, const bt_t *bt, const struct vmem_req *r,
    vmem_addr_t lo, vmem_addr_t *addrp)
{
	vm->vm_st.searches++;
	kml_charge(KML_COST_VMEM_PROBE, 1);
	return vmem_fit(bt, r, lo, addrp);
}

/* vmem_lists_from: the non-empty freelists at n and above, as a bit mask. */
static inline uint64_t
vmem_lists_from(vmem_t *vm, unsigned n)
{
	vm->vm_st.bitmap_lookups++;
	kml_charge(KML_COST_VMEM_BITMAP, 1);
	if (n >= VMEM_MAXORDER)
		return 0;
	return vm->vm_freemap & (~(uint64_t)0 << n);
}

static bt_t *
vmem_find_instant(vmem_t *vm, const struct vmem_req *r, vmem_addr_t *addrp)
{
	uint64_t q = r->size >> vm->vm_qshift;
	unsigned low = kml_log2(q);
	unsigned first = low + (kml_ispow2(q) ? 0 : 1);
	uint64_t map;

	if (!r->constrained) {
		map = vmem_lists_from(vm, first);
		if (map == 0)
			return NULL;
		bt_t *bt = vm->vm_freelist[kml_ctz(map)];
		if (!vmem_probe(vm, bt, r, r->minaddr, addrp))
			kml_panic("vmem: arena \"%s\": instant fit: segment "
			    "[%#" PRIx64 ", +%#" PRIx64 ") on a sure list "
			    "does not fit %#" PRIx64, vm->vm_name,
			    bt->bt_start, bt->bt_size, r->size);
		return bt;
	}
	/* constrained: the head of each sure list, then a scan */
	for (unsigned n = first;; n++) {
		map = vmem_lists_from(vm, n);
		if (map == 0)
			break;
		n = kml_ctz(map);
		if (vmem_probe(vm, vm->vm_freelist[n], r, r->minaddr, addrp))
			return vm->vm_freelist[n];
	}
	for (unsigned n = low;; n++) {
		map = vmem_lists_from(vm, n);
		if (map == 0)
			break;
		n = kml_ctz(map);
		for (bt_t *bt = vm->vm_freelist[n]; bt != NULL; bt = bt->bt_lnext)
			if (vmem_probe(vm, bt, r, r->minaddr, addrp))
				return bt;
	}
	return NULL;
}

static bt_t *
vmem_find_best(vmem_t *vm, const struct vmem_req *r, vmem_addr_t *addrp)
{
	unsigned low = vmem_order(vm, r->size);
	bt_t *best = NULL;
	vmem_addr_t a;

	for (unsigned n = low;; n++) {
		uint64_t map = vmem_lists_from(vm, n);

		if (map == 0)
			break;
		n = kml_ctz(map);
		for (bt_t *bt = vm->vm_freelist[n]; bt != NULL; bt = bt->bt_lnext) {
			vm->vm_st.searches++;
			kml_charge(KML_COST_VMEM_PROBE, 1);
			if (best != NULL && (bt->bt_size > best->bt_size ||
			    (bt->bt_size == best->bt_size &&
			    bt->bt_start > best->bt_start)))
				continue;	/* cannot beat best */
			if (vmem_fit(bt, r, r->minaddr, &a)) {
				best = bt;
				*addrp = a;
			}
		}
		if (best != NULL)
			return best;
	}
	return NULL;
}

static bt_t *
vmem_find_next(vmem_t *vm, const struct vmem_req *r, vmem_addr_t *addrp)
{
	bt_t *rotor = vm->vm_rotor, *bt;
	vmem_addr_t lo;

	/* from the rotor to the end, at or after the rotor address */
	if (rotor != NULL) {
		lo = r->minaddr > vm->vm_rotor_addr ? r->minaddr : vm->vm_rotor_addr;
		for (bt = rotor; bt != NULL; bt = seg_next(vm, bt))
			if (bt->bt_type == BT_FREE &&
			    vmem_probe(vm, bt, r, lo, addrp))
				return bt;
	}
	/*
	 * Wrapped: from the beginning, every segment that starts below the
	 * rotor address (the whole list when there is no rotor tag).  The
	 * first walk covered the rest, since the rotor tag starts at or
	 * below the rotor address.
	 */
	for (bt = seg_first(vm); bt != NULL; bt = seg_next(vm, bt)) {
		if (rotor != NULL && bt->bt_start >= vm->vm_rotor_addr)
			break;
		if (bt->bt_type == BT_FREE &&
		    vmem_probe(vm, bt, r, r->minaddr, addrp))
			return bt;
	}
	return NULL;
}

/*
 * vmem_carve: allocate [addr, addr+size) from the free segment bt.
 * => lock held, two tags reserved, vmem_fit said yes.
 */
static void
vmem_carve(vmem_t *vm, bt_t *bt, vmem_addr_t addr, vmem_size_t size,
    bool xalloc)
{
	bool split = false;

	bt_remfree(vm, bt);
	if (addr > bt->bt_start) {
		bt_t *left = bt_get(vm);

		left->bt_start = bt->bt_start;
		left->bt_size = addr - bt->bt_start;
		left->bt_type = BT_FREE;
		seg_insert_after(bt->bt_prev, left);
		bt_insfree(vm, left);
		bt->bt_start = addr;
		bt->bt_size -= left->bt_size;
		if (vm->vm_rotor == bt)
			vm->vm_rotor = left;	/* keep it at or below the rotor address */
		split = true;
	}
	if (bt->bt_size > size) {
		bt_t *right = bt_get(vm);

		right->bt_start = addr + size;
		right->bt_size = bt->bt_size - size;
		right->bt_type = BT_FREE;
		seg_insert_after(bt, right);
		bt_insfree(vm, right);
		bt->bt_size = size;
		split = true;
	}
	if (split) {
		vm->vm_st.splits++;
		kml_charge(KML_COST_VMEM_SPLIT, 1);
	}
	bt->bt_type = BT_BUSY;
	bt->bt_xalloc = xalloc;
	bt_insbusy(vm, bt);
}

/* ---- import */

/*
 * vmem_import_size: how much to import for r, or 0 if it would wrap.
 */
static vmem_size_t
vmem_import_size(const vmem_t *vm, const struct vmem_req *r)
{
	vmem_size_t size = r->size, iq = vm->vm_import_quantum;

	if (r->align > vm->vm_quantum) {
		if (size > VMEM_ADDR_MAX - (r->align - vm->vm_quantum))
			return 0;
		size += r->align - vm->vm_quantum;
	}
	if (r->nocross != 0 && r->nocross <= VMEM_ADDR_MAX / 2 &&
	    size < 2 * r->nocross)
		size = 2 * r->nocross;
	if (size > VMEM_ADDR_MAX - (iq - 1))
		return 0;
	return (size + iq - 1) & ~(iq - 1);
}

/*
 * vmem_import: get a span for r from the source.
 * => lock held; dropped during the call to the import function.
 * => returns the new free segment, or NULL.
 */
static bt_t *
vmem_import(vmem_t *vm, const struct vmem_req *r, int flags)
{
	vmem_size_t size = vmem_import_size(vm, r);
	vmem_addr_t addr;
	int error;

	if (size == 0)
		return NULL;
	kml_charge(KML_COST_VMEM_IMPORT, 1);
	kml_mutex_exit(&vm->vm_lock);
	error = vm->vm_importfn(vm->vm_arg, size,
	    (flags & VM_SLEEPMASK) | VM_INSTANTFIT, &addr);
	kml_mutex_enter(&vm->vm_lock);
	if (error != 0)
		return NULL;
	if ((addr & (vm->vm_quantum - 1)) != 0 || addr + size - 1 < addr ||
	    vmem_overlap(vm, addr, size) != NULL) {
		/* a broken source: give the span back, report, fail */
		vmem_error(vm, VMEM_ERR_NOIMPORT, "import returned a bad span "
		    "[%#" PRIx64 ", +%#" PRIx64 ")", addr, size);
		kml_mutex_exit(&vm->vm_lock);
		if (vm->vm_releasefn != NULL)
			vm->vm_releasefn(vm->vm_arg, addr, size);
		kml_mutex_enter(&vm->vm_lock);
		return NULL;
	}
	vm->vm_st.imports++;
	return vmem_addspan(vm, addr, size, BT_SPAN_IMPORT);
}

/* ---- validation */

static bool
vmem_aligned(const vmem_t *vm, uint64_t x)
{
	return (x & (vm->vm_quantum - 1)) == 0;
}

/*
 * vmem_check_flags: flags hold one sleep flag, at most one strategy and
 * nothing else.  => returns 0 or EINVAL (reported as fn's error).
 */
static int
vmem_check_flags(vmem_t *vm, const char *fn, int flags)
{
	int fit = flags & VM_FITMASK;

	if ((flags & ~(VM_SLEEPMASK | VM_FITMASK)) != 0) {
		vmem_error(vm, VMEM_ERR_FLAGS, "%s: unknown flags %#x", fn,
		    flags & ~(VM_SLEEPMASK | VM_FITMASK));
		return EINVAL;
	}
	if ((flags & VM_SLEEPMASK) == 0 || (flags & VM_SLEEPMASK) == VM_SLEEPMASK) {
		vmem_error(vm, VMEM_ERR_FLAGS, "%s: flags %#x need exactly one "
		    "of VM_SLEEP and VM_NOSLEEP", fn, flags);
		return EINVAL;
	}
	if ((fit & (fit - 1)) != 0) {
		vmem_error(vm, VMEM_ERR_FLAGS, "%s: flags %#x name more than "
		    "one strategy", fn, flags);
		return EINVAL;
	}
	if ((flags & VM_SLEEP) && kml_intr_p()) {
		vmem_error(vm, VMEM_ERR_FLAGS, "%s: VM_SLEEP in interrupt "
		    "context", fn);
		return EINVAL;
	}
	return 0;
}

/*
 * vmem_check_req: validate a request and fill *r.
 * => lock held.  Returns 0 or EINVAL (reported).
 */
static int
vmem_check_req(vmem_t *vm, const char *fn, struct vmem_req *r, int flags)
{
	vmem_size_t q = vm->vm_quantum;

	if (vmem_check_flags(vm, fn, flags) != 0)
		return EINVAL;
	r->strat = flags & VM_FITMASK;
	if (r->strat == 0)
		r->strat = VM_INSTANTFIT;
	if (r->size == 0 || !vmem_aligned(vm, r->size)) {
		vmem_error(vm, VMEM_ERR_SIZE, "%s: size %#" PRIx64 " is %s", fn,
		    r->size, r->size == 0 ? "zero" :
		    "not a multiple of the quantum");
		return EINVAL;
	}
	if (r->align == 0)
		r->align = q;
	if (!kml_ispow2(r->align) || r->align < q) {
		vmem_error(vm, VMEM_ERR_ALIGN, "%s: align %#" PRIx64 " is not a "
		    "power of two multiple of the quantum %#" PRIx64, fn,
		    r->align, q);
		return EINVAL;
	}
	if (r->phase >= r->align || !vmem_aligned(vm, r->phase)) {
		vmem_error(vm, VMEM_ERR_PHASE, "%s: phase %#" PRIx64 " is %s",
		    fn, r->phase, r->phase >= r->align ? "not below align" :
		    "not a multiple of the quantum");
		return EINVAL;
	}
	if (r->nocross != 0) {
		const char *why = NULL;

		if (!kml_ispow2(r->nocross) || r->nocross < q)
			why = "is not a power of two multiple of the quantum";
		else if (r->nocross < r->align)
			why = "is smaller than align";
		else if (r->nocross < r->size)
			why = "is smaller than size";
		else if (r->nocross - r->size < r->phase)
			why = "is smaller than phase + size";
		if (why != NULL) {
			vmem_error(vm, VMEM_ERR_NOCROSS, "%s: nocross %#" PRIx64
			    " %s (size %#" PRIx64 ", align %#" PRIx64 ", phase %#"
			    PRIx64 ")", fn, r->nocross, why, r->size, r->align,
			    r->phase);
			return EINVAL;
		}
	}
	if (r->minaddr > r->maxaddr || !vmem_aligned(vm, r->minaddr) ||
	    (r->maxaddr != VMEM_ADDR_MAX && !vmem_aligned(vm, r->maxaddr + 1))) {
		vmem_error(vm, VMEM_ERR_RANGE, "%s: bad range minaddr %#" PRIx64
		    " maxaddr %#" PRIx64 "%s", fn, r->minaddr, r->maxaddr,
		    r->minaddr > r->maxaddr ? " (minaddr above maxaddr)" :
		    " (not quantum boundaries)");
		return EINVAL;
	}
	r->constrained = r->align != q || r->phase != 0 || r->nocross != 0 ||
	    r->minaddr != VMEM_ADDR_MIN || r->maxaddr != VMEM_ADDR_MAX;
	return 0;
}

/* ---- allocation */

/*
 * vmem_xalloc1: allocate for a validated request.
 * => lock held on entry and on return.
 * => returns 0 (and *addrp) or ENOMEM.
 */
static int
vmem_xalloc1(vmem_t *vm, const struct vmem_req *r, int flags, bool xalloc,
    vmem_addr_t *addrp)
{
	vmem_addr_t addr = 0;
	bt_t *bt;

	for (;;) {
		if (bt_reserve(vm, VMEM_BT_MAXOP) != 0) {
			vmem_error(vm, VMEM_ERR_NOIMPORT, "out of memory for "
			    "boundary tags");
			break;
		}
		switch (r->strat) {
		case VM_BESTFIT:
			bt = vmem_find_best(vm, r, &addr);
			break;
		case VM_NEXTFIT:
			bt = vmem_find_next(vm, r, &addr);
			break;
		default:
			bt = vmem_find_instant(vm, r, &addr);
			break;
		}
		if (bt == NULL && vm->vm_importfn != NULL &&
		    (bt = vmem_import(vm, r, flags)) != NULL) {
			if (!vmem_fit(bt, r, r->minaddr, &addr)) {
				/* the new span is outside minaddr/maxaddr */
				vmem_addr_t a;
				vmem_size_t s;

				vmem_takespan(vm, bt, &a, &s);
				kml_mutex_exit(&vm->vm_lock);
				vm->vm_releasefn(vm->vm_arg, a, s);
				kml_mutex_enter(&vm->vm_lock);
				bt = NULL;
			}
		}
		if (bt != NULL) {
			vmem_carve(vm, bt, addr, r->size, xalloc);
			if (r->strat == VM_NEXTFIT) {
				/* the new segment starts below the rotor address */
				vm->vm_rotor = bt;
				vm->vm_rotor_addr = addr + r->size;
			}
			vm->vm_st.allocs++;
			*addrp = addr;
			return 0;
		}
		if (flags & VM_NOSLEEP)
			break;
		vm->vm_st.waits++;
		if (kml_sleep(&vm->vm_wchan, &vm->vm_lock) == KML_EDEADLK) {
			vmem_error(vm, VMEM_ERR_DEADLOCK, "VM_SLEEP request for "
			    "%#" PRIx64 " cannot be satisfied: %s", r->size,
			    kml_last_deadlock());
			break;
		}
	}
	vm->vm_st.fails++;
	return ENOMEM;
}

/* vmem_alloc0: validate r and allocate for vmem_alloc and vmem_xalloc. */
static int
vmem_alloc0(vmem_t *vm, const char *fn, struct vmem_req *r, int flags,
    bool xalloc, vmem_addr_t *addrp)
{
	int error;

	vmem_lock(vm);
	error = vmem_check_req(vm, fn, r, flags);
	if (error == 0)
		error = vmem_xalloc1(vm, r, flags, xalloc, addrp);
	vmem_unlock(vm);
	return error;
}

int
vmem_xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags, vmem_addr_t *addrp)
{
	struct vmem_req r = {
		.size = size, .align = align, .phase = phase,
		.nocross = nocross, .minaddr = minaddr, .maxaddr = maxaddr,
	};

	return vmem_alloc0(vm, "vmem_xalloc", &r, flags, true, addrp);
}

/* vmem_qcache_for: the quantum cache for size, or NULL. */
static pool_cache_t
vmem_qcache_for(const vmem_t *vm, vmem_size_t size)
{
	if (size == 0 || size > vm->vm_qcache_max || vm->vm_nqcache == 0)
		return NULL;
	return vm->vm_qcache[((size + vm->vm_quantum - 1) >> vm->vm_qshift) - 1];
}

int
vmem_alloc(vmem_t *vm, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	struct vmem_req r = {
		.size = size, .minaddr = VMEM_ADDR_MIN, .maxaddr = VMEM_ADDR_MAX,
	};
	pool_cache_t qc = vmem_qcache_for(vm, size);
	int error;

	if (qc != NULL) {
		vmem_lock(vm);
		error = vmem_check_req(vm, "vmem_alloc", &r, flags);
		vmem_unlock(vm);
		if (error != 0)
			return error;
		*addrp = pool_cache_get(qc, (flags & VM_SLEEP) ? PR_WAITOK :
		    PR_NOWAIT);
		return *addrp != 0 ? 0 : ENOMEM;
	}
	return vmem_alloc0(vm, "vmem_alloc", &r, flags, false, addrp);
}

/* ---- free */

/* vmem_whereis: describe what holds addr, for an error message. */
static void
vmem_whereis(vmem_t *vm, vmem_addr_t addr, char *buf, size_t len)
{
	for (bt_t *bt = seg_first(vm); bt != NULL; bt = seg_next(vm, bt)) {
		if (bt_isspan(bt) || addr < bt->bt_start || addr > bt_end(bt))
			continue;
		snprintf(buf, len, " (inside %s segment [%#" PRIx64 ", %#"
		    PRIx64 "))", bt_typename(bt), bt->bt_start,
		    bt->bt_start + bt->bt_size);
		return;
	}
	snprintf(buf, len, " (outside every span)");
}

/*
 * vmem_xfree1: free the segment at addr of size size.
 * => lock held on entry and on return.
 * => returns true and the extent of a span to release in *relp and *relsizep
 *    (*relsizep == 0 if none); false for misuse (reported, nothing changed).
 */
static bool
vmem_xfree1(vmem_t *vm, const char *fn, vmem_addr_t addr, vmem_size_t size,
    bool xfree, vmem_addr_t *relp, vmem_size_t *relsizep)
{
	bt_t *bt, *prev, *next;
	char where[96];

	*relsizep = 0;
	bt = bt_lookupbusy(vm, addr);
	if (bt == NULL) {
		vmem_whereis(vm, addr, where, sizeof(where));
		vmem_error(vm, VMEM_ERR_NOTALLOC, "%s: address %#" PRIx64
		    " is not allocated%s", fn, addr, where);
		return false;
	}
	if (bt->bt_size != size) {
		vmem_error(vm, VMEM_ERR_WRONGSIZE, "%s: segment %#" PRIx64
		    " has size %#" PRIx64 ", freed with size %#" PRIx64, fn,
		    addr, bt->bt_size, size);
		return false;
	}
	if (!xfree && bt->bt_xalloc) {
		vmem_error(vm, VMEM_ERR_XFREE, "%s: segment %#" PRIx64 " was "
		    "allocated by vmem_xalloc; free it with vmem_xfree", fn,
		    addr);
		return false;
	}
	bt_rembusy(vm, bt);
	bt->bt_type = BT_FREE;
	bt->bt_xalloc = 0;
	next = seg_next(vm, bt);
	if (next != NULL && next->bt_type == BT_FREE) {
		bt_remfree(vm, next);
		seg_remove(vm, next, bt);
		bt->bt_size += next->bt_size;
		bt_put(vm, next);
		vm->vm_st.coalesces++;
		kml_charge(KML_COST_VMEM_COALESCE, 1);
	}
	prev = seg_prev(vm, bt);
	if (prev != NULL && prev->bt_type == BT_FREE) {
		bt_remfree(vm, prev);
		seg_remove(vm, prev, bt);
		bt->bt_start = prev->bt_start;
		bt->bt_size += prev->bt_size;
		bt_put(vm, prev);
		vm->vm_st.coalesces++;
		kml_charge(KML_COST_VMEM_COALESCE, 1);
	}
	bt_insfree(vm, bt);
	vm->vm_st.frees++;
	if (vmem_wholespan(bt) && vm->vm_releasefn != NULL)
		vmem_takespan(vm, bt, relp, relsizep);
	kml_wakeup(&vm->vm_wchan);
	return true;
}

static void
vmem_free0(vmem_t *vm, const char *fn, vmem_addr_t addr, vmem_size_t size,
    bool xfree)
{
	vmem_addr_t rel = 0;
	vmem_size_t relsize = 0;

	vmem_lock(vm);
	vmem_xfree1(vm, fn, addr, size, xfree, &rel, &relsize);
	vmem_unlock(vm);
	if (relsize != 0)
		vm->vm_releasefn(vm->vm_arg, rel, relsize);
}

void
vmem_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	pool_cache_t qc = vmem_qcache_for(vm, size);

	if (qc != NULL)
		pool_cache_put(qc, addr);
	else
		vmem_free0(vm, "vmem_free", addr, size, false);
}

/* ---- quantum caches */

static vmem_t *
vmem_qcache_arena(struct pool *pp)
{
	return (vmem_t *)(void *)((char *)(uintptr_t)pp->pr_alloc -
	    offsetof(struct vmem, vm_qcache_allocator));
}

static vmem_addr_t
vmem_qcache_slab_alloc(struct pool *pp, int flags)
{
	vmem_t *vm = vmem_qcache_arena(pp);
	vmem_addr_t addr;

	if (vmem_xalloc(vm, pp->pr_pagesz, pp->pr_pagesz, 0, 0, VMEM_ADDR_MIN,
	    VMEM_ADDR_MAX, ((flags & PR_WAITOK) ? VM_SLEEP : VM_NOSLEEP) |
	    VM_INSTANTFIT, &addr) != 0)
		return 0;
	return addr;
}

static void
vmem_qcache_slab_free(struct pool *pp, vmem_addr_t slab)
{
	vmem_xfree(vmem_qcache_arena(pp), slab, pp->pr_pagesz);
}

/* vmem_qcache_init: the quantum caches of section 10. */
static void
vmem_qcache_init(vmem_t *vm)
{
	vmem_size_t n = vm->vm_qcache_max >> vm->vm_qshift, slab = 1;
	char name[VMEM_NAME_MAX + 24];

	if (n > VMEM_QCACHE_MAX)
		n = VMEM_QCACHE_MAX;
	vm->vm_qcache_max = n * vm->vm_quantum;
	while (slab <= vm->vm_qcache_max)
		slab <<= 1;
	vm->vm_qcache_allocator.pa_alloc = vmem_qcache_slab_alloc;
	vm->vm_qcache_allocator.pa_free = vmem_qcache_slab_free;
	vm->vm_qcache_allocator.pa_pagesz = slab;
	vm->vm_qcache_allocator.pa_name = "vmem quantum cache";
	for (vmem_size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%" PRIu64, vm->vm_name,
		    (i + 1) * vm->vm_quantum);
		vm->vm_qcache[i] = pool_cache_init((i + 1) * vm->vm_quantum,
		    vm->vm_quantum < 0x80000000u ? (unsigned)vm->vm_quantum : 0,
		    0, PR_NOTOUCH, name, &vm->vm_qcache_allocator, 0, NULL,
		    NULL, NULL);
		pool_set_idle(pool_cache_pool(vm->vm_qcache[i]), 0);
	}
	vm->vm_nqcache = (unsigned)n;
}

unsigned
vmem_qcache_reclaim(vmem_t *vm)
{
	unsigned freed = 0;

	for (unsigned i = 0; i < vm->vm_nqcache; i++) {
		pool_cache_invalidate(vm->vm_qcache[i]);
		freed += pool_reclaim(pool_cache_pool(vm->vm_qcache[i]));
	}
	return freed;
}

void
vmem_xfree(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	vmem_free0(vm, "vmem_xfree", addr, size, true);
}

/* ---- creation, spans, import set-up, destruction */

/* vmem_check_span: validate [addr, addr+size).  => lock held; 0 or EINVAL. */
static int
vmem_check_span(vmem_t *vm, const char *fn, vmem_addr_t addr, vmem_size_t size)
{
	bt_t *s;

	if (size == 0 || !vmem_aligned(vm, size) || addr + size - 1 < addr) {
		vmem_error(vm, VMEM_ERR_SIZE, "%s: span size %#" PRIx64 " at %#"
		    PRIx64 " is %s", fn, size, addr, size == 0 ? "zero" :
		    !vmem_aligned(vm, size) ? "not a multiple of the quantum" :
		    "past the end of the address space");
		return EINVAL;
	}
	if (!vmem_aligned(vm, addr)) {
		vmem_error(vm, VMEM_ERR_RANGE, "%s: span address %#" PRIx64
		    " is not a multiple of the quantum %#" PRIx64, fn, addr,
		    vm->vm_quantum);
		return EINVAL;
	}
	if ((s = vmem_overlap(vm, addr, size)) != NULL) {
		vmem_error(vm, VMEM_ERR_OVERLAP, "%s: span [%#" PRIx64 ", %#"
		    PRIx64 ") overlaps span [%#" PRIx64 ", %#" PRIx64 ")", fn,
		    addr, addr + size, s->bt_start, s->bt_start + s->bt_size);
		return EINVAL;
	}
	return 0;
}

int
vmem_add(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags)
{
	int error;

	vmem_lock(vm);
	if ((flags & ~VM_SLEEPMASK) != 0 || (flags & VM_SLEEPMASK) == VM_SLEEPMASK) {
		vmem_error(vm, VMEM_ERR_FLAGS, "vmem_add: bad flags %#x", flags);
		error = EINVAL;
	} else if ((error = vmem_check_span(vm, "vmem_add", addr, size)) == 0) {
		if (bt_reserve(vm, 2) != 0) {
			vmem_error(vm, VMEM_ERR_NOIMPORT, "vmem_add: out of "
			    "memory for boundary tags");
			error = ENOMEM;
		} else {
			vmem_addspan(vm, addr, size, BT_SPAN_STATIC);
			kml_wakeup(&vm->vm_wchan);
		}
	}
	vmem_unlock(vm);
	return error;
}

static bool
vmem_create_check(const char *name, vmem_size_t quantum,
    vmem_size_t qcache_max, int flags)
{
	char msg[160];
	enum vmem_error err = VMEM_ERR_NONE;

	if (!kml_ispow2(quantum)) {
		err = VMEM_ERR_QUANTUM;
		snprintf(msg, sizeof(msg), "vmem_create: arena \"%s\": quantum "
		    "%#" PRIx64 " is not a power of two", name, quantum);
	} else if ((qcache_max & (quantum - 1)) != 0) {
		err = VMEM_ERR_SIZE;
		snprintf(msg, sizeof(msg), "vmem_create: arena \"%s\": "
		    "qcache_max %#" PRIx64 " is not a multiple of the quantum",
		    name, qcache_max);
	} else if ((flags & ~VM_SLEEPMASK) != 0 ||
	    (flags & VM_SLEEPMASK) == VM_SLEEPMASK) {
		err = VMEM_ERR_FLAGS;
		snprintf(msg, sizeof(msg), "vmem_create: arena \"%s\": bad "
		    "flags %#x", name, flags);
	}
	if (err == VMEM_ERR_NONE)
		return true;
	(vmem_default_errfn != NULL ? vmem_default_errfn : vmem_stderr_handler)(
	    vmem_default_errarg, NULL, err, msg);
	return false;
}

vmem_t *
vmem_create(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max, int flags)
{
	vmem_t *vm;

	if (name == NULL)
		name = "(unnamed)";
	if (!vmem_create_check(name, quantum, qcache_max, flags)) {
		errno = EINVAL;
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (vm == NULL)
		return NULL;
	snprintf(vm->vm_name, sizeof(vm->vm_name), "%s", name);
	kml_mutex_init(&vm->vm_lock, vm->vm_name);
	kml_wchan_init(&vm->vm_wchan, vm->vm_name);
	vm->vm_quantum = quantum;
	vm->vm_qshift = kml_log2(quantum);
	vm->vm_qcache_max = qcache_max;
	vm->vm_import_quantum = quantum;
	vm->vm_seg0.bt_type = BT_HEAD;
	vm->vm_seg0.bt_next = vm->vm_seg0.bt_prev = &vm->vm_seg0;
	vm->vm_hashsize = VMEM_HASH_MIN;
	vm->vm_hashbits = kml_log2(VMEM_HASH_MIN);
	vm->vm_hash = calloc(VMEM_HASH_MIN, sizeof(*vm->vm_hash));
	vm->vm_st.hash_size = VMEM_HASH_MIN;
	vmem_set_error_handler(vm, vmem_default_errfn, vmem_default_errarg);
	if (vm->vm_hash == NULL) {
		free(vm);
		errno = ENOMEM;
		return NULL;
	}
	if (size != 0) {
		int error = vmem_add(vm, base, size, flags ? flags : VM_NOSLEEP);

		if (error != 0) {
			vmem_destroy(vm);
			errno = error;
			return NULL;
		}
	}
	if (qcache_max != 0)
		vmem_qcache_init(vm);
	return vm;
}

int
vmem_set_import(vmem_t *vm, vmem_import_t *importfn,
    vmem_release_t *releasefn, void *arg, vmem_size_t import_quantum)
{
	int error = 0;

	vmem_lock(vm);
	if (import_quantum == 0)
		import_quantum = vm->vm_quantum;
	if (importfn == NULL || releasefn == NULL) {
		vmem_error(vm, VMEM_ERR_FLAGS, "vmem_set_import: import and "
		    "release functions are both required");
		error = EINVAL;
	} else if (!vmem_aligned(vm, import_quantum)) {
		vmem_error(vm, VMEM_ERR_SIZE, "vmem_set_import: import quantum "
		    "%#" PRIx64 " is not a multiple of the quantum %#" PRIx64,
		    import_quantum, vm->vm_quantum);
		error = EINVAL;
	} else if (!kml_ispow2(import_quantum)) {
		vmem_error(vm, VMEM_ERR_SIZE, "vmem_set_import: import quantum "
		    "%#" PRIx64 " is not a power of two", import_quantum);
		error = EINVAL;
	} else {
		vm->vm_importfn = importfn;
		vm->vm_releasefn = releasefn;
		vm->vm_arg = arg;
		vm->vm_import_quantum = import_quantum;
	}
	vmem_unlock(vm);
	return error;
}

int
vmem_arena_import(void *arg, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	return vmem_alloc(arg, size, flags, addrp);
}

void
vmem_arena_release(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	vmem_free(arg, addr, size);
}

void
vmem_destroy(vmem_t *vm)
{
	bt_t *bt, *next;
	uint64_t nbusy = vm->vm_st.busy_segs, inuse = vm->vm_st.inuse;
	struct { vmem_addr_t a; vmem_size_t s; } *rel = NULL;
	size_t nrel = 0;

	/* the quantum caches give their slabs back first */
	for (unsigned i = 0; i < vm->vm_nqcache; i++)
		pool_cache_destroy(vm->vm_qcache[i]);
	vm->vm_nqcache = 0;
	nbusy = vm->vm_st.busy_segs;
	inuse = vm->vm_st.inuse;
	vmem_lock(vm);
	KML_ASSERTMSG(vm->vm_wchan.wc_nwaiters == 0, "vmem_destroy: arena "
	    "\"%s\" has %u sleepers", vm->vm_name, vm->vm_wchan.wc_nwaiters);
	if (nbusy != 0)
		vmem_error(vm, VMEM_ERR_BUSY, "vmem_destroy: %" PRIu64
		    " segments (%#" PRIx64 " bytes) still allocated", nbusy,
		    inuse);
	if (vm->vm_releasefn != NULL && vm->vm_st.spans != 0)
		rel = calloc(vm->vm_st.spans, sizeof(*rel));
	for (bt = seg_first(vm); bt != NULL; bt = next) {
		next = seg_next(vm, bt);
		if (bt->bt_type == BT_SPAN_IMPORT && rel != NULL) {
			rel[nrel].a = bt->bt_start;
			rel[nrel].s = bt->bt_size;
			nrel++;
		}
		free(bt);
	}
	vm->vm_seg0.bt_next = vm->vm_seg0.bt_prev = &vm->vm_seg0;
	vm->vm_spans = NULL;
	vm->vm_spanroot = NULL;
	memset(vm->vm_freelist, 0, sizeof(vm->vm_freelist));
	vm->vm_freemap = 0;
	memset(vm->vm_hash, 0, vm->vm_hashsize * sizeof(*vm->vm_hash));
	memset(&vm->vm_st, 0, sizeof(vm->vm_st));
	vm->vm_rotor = NULL;
	vmem_unlock(vm);
	for (size_t i = 0; i < nrel; i++)
		vm->vm_releasefn(vm->vm_arg, rel[i].a, rel[i].s);
	free(rel);
	while ((bt = vm->vm_freetags) != NULL) {
		vm->vm_freetags = bt->bt_lnext;
		free(bt);
	}
	free(vm->vm_hash);
	kml_mutex_destroy(&vm->vm_lock);
	free(vm);
}

/* ---- inspection */

vmem_size_t
vmem_size(vmem_t *vm, int typemask)
{
	switch (typemask & (VMEM_ALLOC | VMEM_FREE)) {
	case VMEM_ALLOC:
		return vm->vm_st.inuse;
	case VMEM_FREE:
		return vm->vm_st.total - vm->vm_st.inuse;
	case VMEM_ALLOC | VMEM_FREE:
		return vm->vm_st.total;
	default:
		return 0;
	}
}

void
vmem_walk(vmem_t *vm, int typemask, vmem_walk_fn_t *fn, void *arg)
{
	vmem_lock(vm);
	for (bt_t *bt = seg_first(vm); bt != NULL; bt = seg_next(vm, bt)) {
		int type = bt_isspan(bt) ? VMEM_SPAN :
		    bt->bt_type == BT_BUSY ? VMEM_ALLOC : VMEM_FREE;

		if (typemask & type)
			fn(arg, bt->bt_start, bt->bt_size);
	}
	vmem_unlock(vm);
}

/*
 * vmem_stats1: the statistics of vm into *st; with walk, also the longest
 * hash chain (a walk of every bucket).  => vm is locked.
 */
static void
vmem_stats1(vmem_t *vm, struct vmem_stats *st, bool walk)
{
	*st = vm->vm_st;
	st->largest_free = 0;
	if (vm->vm_freemap != 0) {
		unsigned n = kml_log2(vm->vm_freemap);

		for (bt_t *bt = vm->vm_freelist[n]; bt != NULL; bt = bt->bt_lnext)
			if (bt->bt_size > st->largest_free)
				st->largest_free = bt->bt_size;
	}
	st->hash_size = vm->vm_hashsize;
	st->hash_maxchain = 0;
	st->waiters = vm->vm_wchan.wc_nwaiters;
	if (!walk)
		return;
	for (size_t i = 0; i < vm->vm_hashsize; i++) {
		uint64_t len = 0;

		for (bt_t *bt = vm->vm_hash[i]; bt != NULL; bt = bt->bt_lnext)
			len++;
		if (len > st->hash_maxchain)
			st->hash_maxchain = len;
	}
}

void
vmem_stats(vmem_t *vm, struct vmem_stats *st)
{
	vmem_lock(vm);
	vmem_stats1(vm, st, true);
	vmem_unlock(vm);
}

void
vmem_counters(vmem_t *vm, struct vmem_stats *st)
{
	vmem_lock(vm);
	vmem_stats1(vm, st, false);
	vmem_unlock(vm);
}

double
vmem_frag(uint64_t total, uint64_t inuse, uint64_t largest_free)
{
	uint64_t free = total > inuse ? total - inuse : 0;

	return free != 0 ? 1.0 - (double)largest_free / (double)free : 0.0;
}

const char *
vmem_name(const vmem_t *vm)
{
	return vm->vm_name;
}

vmem_size_t
vmem_quantum(const vmem_t *vm)
{
	return vm->vm_quantum;
}

void
vmem_dump(vmem_t *vm, vmem_printf_t *pr, void *arg)
{
	struct vmem_stats st;

	vmem_lock(vm);
	vmem_stats1(vm, &st, true);
	pr(arg, "arena \"%s\": quantum %#" PRIx64 ", qcache_max %#" PRIx64
	    ", %s\n", vm->vm_name, vm->vm_quantum, vm->vm_qcache_max,
	    vm->vm_importfn != NULL ? "imports from a source" : "no source");
	if (vm->vm_nqcache != 0)
		pr(arg, "  %u quantum caches, slabs of %#" PRIx64 " bytes\n",
		    vm->vm_nqcache, vm->vm_qcache_allocator.pa_pagesz);
	if (vm->vm_importfn != NULL)
		pr(arg, "  import quantum %#" PRIx64 "\n", vm->vm_import_quantum);
	pr(arg, "  spans and segments:\n");
	for (bt_t *bt = seg_first(vm); bt != NULL; bt = seg_next(vm, bt)) {
		if (bt_isspan(bt))
			pr(arg, "    span [%#" PRIx64 ", %#" PRIx64 ") %" PRIu64
			    " bytes, %s\n", bt->bt_start, bt->bt_start +
			    bt->bt_size, bt->bt_size,
			    bt->bt_type == BT_SPAN_IMPORT ? "imported" : "static");
		else
			pr(arg, "      %s [%#" PRIx64 ", %#" PRIx64 ") %" PRIu64
			    "%s%s\n", bt_typename(bt), bt->bt_start,
			    bt->bt_start + bt->bt_size, bt->bt_size,
			    bt->bt_xalloc ? " xalloc" : "",
			    bt == vm->vm_rotor ? " <- rotor" : "");
	}
	pr(arg, "  freelists (bitmap %#018" PRIx64 "):\n", vm->vm_freemap);
	for (unsigned n = 0; n < VMEM_MAXORDER; n++) {
		uint64_t count = 0, bytes = 0;

		if (vm->vm_freelist[n] == NULL)
			continue;
		for (bt_t *bt = vm->vm_freelist[n]; bt != NULL; bt = bt->bt_lnext) {
			count++;
			bytes += bt->bt_size;
		}
		pr(arg, "    list %2u (%" PRIu64 " quanta and up): %" PRIu64
		    " segments, %" PRIu64 " bytes\n", n, (uint64_t)1 << n,
		    count, bytes);
	}
	pr(arg, "  statistics:\n");
	for (size_t i = 0; i < vmem_nstatdesc; i++)
		pr(arg, "    %-16s %20" PRIu64 "  %s\n", vmem_statdesc[i].sd_name,
		    kml_stat_get(&st, &vmem_statdesc[i]),
		    vmem_statdesc[i].sd_descr);
	vmem_unlock(vm);
}

static void
vmem_pr_file(void *arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(arg, fmt, ap);
	va_end(ap);
}

void
vmem_dump_file(vmem_t *vm, FILE *fp)
{
	vmem_dump(vm, vmem_pr_file, fp);
}

/* ---- strategy names */

const char *
vmem_strategy_name(int flags)
{
	switch (flags & VM_FITMASK) {
	case VM_BESTFIT:
		return "bestfit";
	case VM_NEXTFIT:
		return "nextfit";
	case 0:
	case VM_INSTANTFIT:
		return "instantfit";
	default:
		return "invalid";
	}
}

int
vmem_strategy_parse(const char *name)
{
	static const struct { const char *name; int flag; } names[] = {
		{ "instantfit", VM_INSTANTFIT }, { "instant", VM_INSTANTFIT },
		{ "firstfit", VM_INSTANTFIT }, { "bestfit", VM_BESTFIT },
		{ "best", VM_BESTFIT }, { "nextfit", VM_NEXTFIT },
		{ "next", VM_NEXTFIT },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].flag;
	return -1;
}

/* ---- the checker */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			return -1;					\
		}							\
	} while (0)

/* An in-order walk of the span index, for the checker. */
struct vmem_sptwalk {
	const bt_t *sw_stack[VMEM_SPT_MAXDEPTH]; /* ancestors still to visit */
	unsigned sw_depth;		/* entries on sw_stack */
	bool sw_deep;			/* the tree is deeper than the stack */
};

/* vmem_sptwalk_push: push t and its chain of left descendants. */
static inline void
vmem_sptwalk_push(struct vmem_sptwalk *w, const bt_t *t)
{
	for (; t != NULL; t = t->bt_left) {
		if (w->sw_depth == VMEM_SPT_MAXDEPTH) {
			w->sw_deep = true;
			return;
		}
		w->sw_stack[w->sw_depth++] = t;
	}
}

/*
 * vmem_sptwalk_next: the next span of the walk, or NULL at its end.
 * => after w->sw_deep is set, the walk is cut short: the tree is broken.
 */
static inline const bt_t *
vmem_sptwalk_next(struct vmem_sptwalk *w)
{
	const bt_t *t;

	if (w->sw_depth == 0)
		return NULL;
	t = w->sw_stack[--w->sw_depth];
	vmem_sptwalk_push(w, t->bt_right);
	return t;
}

/*
 * vmem_check1: verify the invariants of sections 2, 3 and 6.
 * => lock held.  Returns 0, or -1 with the first violation in buf.
 */
static int
vmem_check1(vmem_t *vm, char *buf, size_t len)
{
	const bt_t *span = NULL, *prev = NULL, *sp = vm->vm_spans, *tn;
	bt_t *const *lp = &vm->vm_spans;
	struct vmem_sptwalk sw;
	vmem_addr_t cursor = 0;
	uint64_t nfree = 0, nbusy = 0, inuse = 0, total = 0, imported = 0;
	uint64_t nspans = 0, nseg = 0, lfree, steps;
	bool rotor_seen = vm->vm_rotor == NULL;
	unsigned hl, hr;

	sw.sw_depth = 0;		/* (the stack needs no clearing) */
	sw.sw_deep = false;
	vmem_sptwalk_push(&sw, vm->vm_spanroot);

	for (const bt_t *bt = seg_first(vm); bt != NULL;
	    prev = bt, bt = seg_next(vm, (bt_t *)bt)) {
		CHECK(bt->bt_next->bt_prev == bt && bt->bt_prev->bt_next == bt,
		    "segment list broken at %#" PRIx64, bt->bt_start);
		CHECK(bt->bt_size > 0 && vmem_aligned(vm, bt->bt_start) &&
		    vmem_aligned(vm, bt->bt_size), "%s tag [%#" PRIx64 ", +%#"
		    PRIx64 ") not quantum-aligned or empty", bt_typename(bt),
		    bt->bt_start, bt->bt_size);
		if (bt == vm->vm_rotor)
			rotor_seen = true;
		if (bt_isspan(bt)) {
			if (span != NULL) {
				CHECK(cursor == span->bt_start + span->bt_size &&
				    nseg > 0, "span [%#" PRIx64 ", %#" PRIx64
				    ") not tiled by its segments (they end at %#"
				    PRIx64 ")", span->bt_start, span->bt_start +
				    span->bt_size, cursor);
				CHECK(bt->bt_start > bt_end(span), "span %#"
				    PRIx64 " overlaps or precedes span %#" PRIx64,
				    bt->bt_start, span->bt_start);
			}
			CHECK(sp == bt, "span list disagrees with segment list "
			    "at span %#" PRIx64, bt->bt_start);
			CHECK(bt->bt_lprevp == lp, "span list linkage broken "
			    "at span %#" PRIx64, bt->bt_start);
			lp = &bt->bt_lnext;
			sp = sp->bt_lnext;
			/* the span index: the same spans in the same order */
			tn = vmem_sptwalk_next(&sw);
			CHECK(!sw.sw_deep, "span index deeper than %d at span "
			    "%#" PRIx64, VMEM_SPT_MAXDEPTH, bt->bt_start);
			CHECK(tn == bt, "span index disagrees with the span "
			    "list at span %#" PRIx64, bt->bt_start);
			hl = spt_height(bt->bt_left);
			hr = spt_height(bt->bt_right);
			CHECK(bt->bt_height == 1 + (hl > hr ? hl : hr) &&
			    hl <= hr + 1 && hr <= hl + 1, "span index node %#"
			    PRIx64 " has height %u, its children %u and %u",
			    bt->bt_start, (unsigned)bt->bt_height, hl, hr);
			span = bt;
			cursor = bt->bt_start;
			nseg = 0;
			nspans++;
			total += bt->bt_size;
			if (bt->bt_type == BT_SPAN_IMPORT)
				imported += bt->bt_size;
			continue;
		}
		CHECK(span != NULL, "segment %#" PRIx64 " before any span",
		    bt->bt_start);
		CHECK(bt->bt_start == cursor, "segment %#" PRIx64 " should "
		    "start at %#" PRIx64 " (gap or overlap)", bt->bt_start, cursor);
		CHECK(bt_end(bt) <= bt_end(span), "segment [%#" PRIx64 ", %#"
		    PRIx64 ") crosses the end of its span", bt->bt_start,
		    bt->bt_start + bt->bt_size);
		cursor = bt->bt_start + bt->bt_size;
		nseg++;
		if (bt->bt_type == BT_FREE) {
			CHECK(prev == NULL || prev->bt_type != BT_FREE,
			    "free segments %#" PRIx64 " and %#" PRIx64 " not "
			    "coalesced", prev ? prev->bt_start : 0, bt->bt_start);
			CHECK(!vmem_wholespan(bt) || vm->vm_releasefn == NULL,
			    "imported span %#" PRIx64 " wholly free but not "
			    "released", bt->bt_start);
			nfree++;
		} else {
			CHECK(bt->bt_type == BT_BUSY, "tag %#" PRIx64 " has bad "
			    "type %u", bt->bt_start, bt->bt_type);
			CHECK(bt_findbusy(vm, bt->bt_start, &steps) == bt, "busy "
			    "segment %#" PRIx64 " not in the hash", bt->bt_start);
			nbusy++;
			inuse += bt->bt_size;
		}
	}
	if (span != NULL)
		CHECK(cursor == span->bt_start + span->bt_size && nseg > 0,
		    "last span [%#" PRIx64 ", %#" PRIx64 ") not tiled",
		    span->bt_start, span->bt_start + span->bt_size);
	CHECK(sp == NULL, "span list has spans not on the segment list");
	CHECK(vmem_sptwalk_next(&sw) == NULL, "span index has spans not on "
	    "the span list");
	CHECK(rotor_seen, "next-fit rotor is not on the segment list");
	CHECK(vm->vm_rotor == NULL || vm->vm_rotor->bt_start <= vm->vm_rotor_addr,
	    "next-fit rotor tag %#" PRIx64 " starts above the rotor address %#"
	    PRIx64, vm->vm_rotor->bt_start, vm->vm_rotor_addr);

	lfree = 0;
	for (unsigned n = 0; n < VMEM_MAXORDER; n++) {
		bool bit = (vm->vm_freemap >> n) & 1;

		CHECK(bit == (vm->vm_freelist[n] != NULL), "bitmap bit %u is %d "
		    "but freelist %u is %sempty", n, bit, n, bit ? "" : "not ");
		for (bt_t **pp = &vm->vm_freelist[n], *bt; (bt = *pp) != NULL;
		    pp = &bt->bt_lnext) {
			CHECK(bt->bt_lprevp == pp, "freelist %u linkage broken "
			    "at %#" PRIx64, n, bt->bt_start);
			CHECK(bt->bt_type == BT_FREE && vmem_order(vm,
			    bt->bt_size) == n, "freelist %u holds %s segment "
			    "%#" PRIx64 " of size %#" PRIx64, n, bt_typename(bt),
			    bt->bt_start, bt->bt_size);
			lfree++;
		}
	}
	CHECK(lfree == nfree, "freelists hold %" PRIu64 " segments, the "
	    "segment list %" PRIu64, lfree, nfree);

	uint64_t hbusy = 0;
	for (size_t i = 0; i < vm->vm_hashsize; i++)
		for (bt_t *bt = vm->vm_hash[i]; bt != NULL; bt = bt->bt_lnext) {
			CHECK(bt->bt_type == BT_BUSY && vmem_hash(vm,
			    bt->bt_start) == i, "hash bucket %zu holds %s "
			    "segment %#" PRIx64, i, bt_typename(bt), bt->bt_start);
			hbusy++;
		}
	CHECK(hbusy == nbusy, "hash holds %" PRIu64 " segments, the segment "
	    "list %" PRIu64 " busy ones", hbusy, nbusy);
	CHECK(vm->vm_hashsize >= VMEM_HASH_MIN && kml_ispow2(vm->vm_hashsize),
	    "hash size %zu", vm->vm_hashsize);

	CHECK(nfree == vm->vm_st.free_segs && nbusy == vm->vm_st.busy_segs &&
	    inuse == vm->vm_st.inuse && total == vm->vm_st.total &&
	    imported == vm->vm_st.imported && nspans == vm->vm_st.spans,
	    "statistics disagree with the segments: free %" PRIu64 "/%" PRIu64
	    " busy %" PRIu64 "/%" PRIu64 " inuse %#" PRIx64 "/%#" PRIx64
	    " total %#" PRIx64 "/%#" PRIx64 " imported %#" PRIx64 "/%#" PRIx64
	    " spans %" PRIu64 "/%" PRIu64, nfree, vm->vm_st.free_segs, nbusy,
	    vm->vm_st.busy_segs, inuse, vm->vm_st.inuse, total,
	    vm->vm_st.total, imported, vm->vm_st.imported, nspans,
	    vm->vm_st.spans);
	return 0;
}

int
vmem_check(vmem_t *vm, char *buf, size_t len)
{
	int error;

	kml_mutex_enter(&vm->vm_lock);
	error = vmem_check1(vm, buf, len);
	kml_mutex_exit(&vm->vm_lock);
	return error;
}

void
vmem_lockstat(vmem_t *vm, struct kml_lockstat *ls)
{
	*ls = vm->vm_lock.m_stat;
}
