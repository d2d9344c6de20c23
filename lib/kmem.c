/*
 * lib/kmem.c: the kernel memory allocator (see kmemlab/kmem.h), after
 * NetBSD's kmem(9) (sys/kern/subr_kmem.c) and Solaris/illumos
 * kmem_alloc(9F) (usr/src/uts/common/os/kmem.c).
 *
 * ---- 1. Size classes
 *
 * kmem hands out memory of any size.  A request of at most the largest
 * size class is rounded up to the smallest class that holds it and served
 * by that class's object cache, a pool_cache named "kmem-N" (N the class
 * size in bytes) created by kmem_init.  A larger request is rounded up to
 * whole pages and served straight by the page layer from kmem_va_arena
 * (uvm_km_alloc, wired), and given straight back by kmem_free; no cache
 * holds it.  Which sizes are classes is a policy (section 2); the class of
 * a size is found with one table lookup: kmem.sizemap[(size - 1) >> 3] is
 * the index of the class serving sizes in that 8-byte step (KMEM_ALIGN is
 * 8 in both kernels: every class is a multiple of 8, so every size of one
 * step maps to the same class).
 *
 * Each class cache's objects are aligned to the page size when the class
 * is a multiple of it, else to the 64-byte coherency unit when the class
 * is a multiple of that, else to KMEM_ALIGN.  That is illumos' rule, and
 * NetBSD's for the classes it keeps (section 2): those below 64 get 8 (and
 * PR_NOTOUCH), the others are multiples of 64.
 *
 * ---- 2. The two policies, exactly
 *
 * KMEM_CLASSES_NETBSD: NetBSD subr_kmem.c (rev. 1.87, 2022) lists
 *	kmem_cache_sizes      8 16 24 32 40 48 56 64 80 96 112 128 160 192
 *	                      224 256 320 384 448 512 768 1024
 *	kmem_cache_big_sizes  2048 4096 8192 16384
 * and kmem_create_caches keeps of them, in order, stopping at the first
 * size above the page size: those below COHERENCY_UNIT (64) that divide
 * it (8, 16, 32; PR_NOTOUCH, align 8), and those at or above it that are
 * multiples of it (align 64, or the page size for page multiples); the
 * others (24, 40, 48, 56, 80, 96, 112, 160, 224) are not created and
 * their sizes go to the next class.  With 4 KiB pages that is 15 classes:
 *	8 16 32 64 128 192 256 320 384 448 512 768 1024 2048 4096
 * (8192 joins with 8 KiB pages, 16384 too with 16 KiB pages; with 512-byte
 * pages the classes stop at 512).  NetBSD DIAGNOSTIC kernels add an
 * 8-byte size footer (KMEM_SIZE) before choosing the class; kmemlab keeps
 * the size in its live map instead (section 3), so a request of N bytes
 * goes to the class for N, as on a kernel without DIAGNOSTIC.  NetBSD
 * -current names its caches "kmem-00064"; kmemlab says "kmem-64".
 *
 * KMEM_CLASSES_ILLUMOS: illumos kmem.c lists
 *	kmem_alloc_sizes      8 16 24 32 40 48 56 64 80 96 112 128 160 192
 *	                      224 256 320 384 448 512 640 768 896 1152 1344
 *	                      1600 2048 2688 4096
 * (1152 ... 2688 are P2ALIGN(8192 / k, 64) for k = 7 ... 3) up to
 * KMEM_MAXBUF (4096), and
 *	kmem_big_alloc_sizes  8192 12288 16384 24576 32768 40960 49152 57344
 *	                      65536 73728 81920 90112 98304 106496 114688
 *	                      122880 131072
 * up to KMEM_BIG_MAXBUF (131072, LP64), every one created: 46 classes.
 * Larger requests go to kmem_oversize_arena there, to kmem_va_arena here.
 *
 * ---- 3. The live map and the freed set
 *
 * Every allocation handed out is entered in a hash table keyed by address
 * (real memory of the process) with the size the caller asked for, so
 * that kmem_free checks its arguments exactly, as NetBSD's KMEM_SIZE and
 * illumos' buftag size encoding do approximately:
 *  - an address that is live, freed with another size: KMEM_ERR_WRONGSIZE
 *    (nothing is freed: the caller's size cannot be trusted);
 *  - an address that was handed out and freed, and not handed out again
 *    since: KMEM_ERR_DUPFREE;
 *  - any other address (never handed out, an interior pointer, or freed
 *    so long ago that it was forgotten): KMEM_ERR_BADADDR.
 * A freed entry stays in the table in state KE_FREED, on a list in the
 * order of the frees, until its address is handed out again (it becomes
 * live) or the list holds more than KMEM_FREED_MAX entries (the oldest is
 * forgotten).  The table has a power-of-two number of buckets, at least
 * KMEM_HASH_MIN; it doubles when the entries exceed twice the buckets and
 * halves when they fall below an eighth of them.
 *
 * Invariants (kmem_check): every entry is in the bucket its address hashes
 * to; the live entries number st.live, their sizes add up to st.inuse and
 * the page-rounded sizes of the large ones to st.large_inuse; the freed
 * entries are exactly those on the freed list, at most KMEM_FREED_MAX; a
 * live entry's class is the class its size maps to and its address is
 * aligned as the class; no two live objects (class-sized, or page-rounded
 * for large allocations) overlap.
 *
 * kmem_set_checking(false) drops the live map (before kmem_init): kmem
 * then trusts kmem_free's size, as a kernel without DIAGNOSTIC does, and
 * only counts; kmem_check checks the counters.
 *
 * ---- 4. Flags, contexts and sleeping
 *
 * Flags are exactly one of KM_SLEEP and KM_NOSLEEP (else KMEM_ERR_FLAGS,
 * and the allocation returns 0).  kmem_alloc, kmem_zalloc and kmem_free
 * must not be called in interrupt context (kml_intr_p); if they are, the
 * call is reported (KMEM_ERR_INTR) and then served as by the kmem_intr_*
 * functions, which are allowed there.  In interrupt context nothing
 * sleeps: KM_SLEEP is served as KM_NOSLEEP, and asking kmem_intr_alloc
 * for KM_SLEEP there is reported too.
 *
 * KM_SLEEP never fails: the layers below sleep for memory (pool_cache_get
 * with PR_WAITOK, uvm_km_alloc without UVM_KMF_NOWAIT, which runs the
 * pagedaemon first).  When the environment proves that the sleep can never
 * end (always, in the uniprocessor environment), those layers report it
 * and fail; kmem then reports KMEM_ERR_DEADLOCK with the environment's
 * explanation and returns 0.  kmem_alloc(0) returns 0 and reports
 * nothing; kmem_free(0, 0) does nothing.
 *
 * ---- 5. Statistics
 *
 * struct kmem_stats counts the calls across all classes (see kmemlab/kmem.h
 * and kmem_statdesc); per-class figures are the "kmem-N" caches' own
 * pool_cache_stats and are not duplicated here.
 *
 * ---- 6. Locking and errors
 *
 * kmem.lock protects the live map, the freed list and the statistics.
 * The live map is kmemlab's own checking (section 3): the kernels keep
 * no such table and take no global lock in kmem_alloc or kmem_free.  So
 * the lock is taken in observer mode (kml_env_observe): it costs no
 * virtual time, is never contended and counts nothing, and kmem's cost
 * and contention are those of the pool_caches and the page layer below,
 * as in the kernels.  It is never held across a call into a pool_cache
 * or the page layer: an
 * allocation gets its object first and then enters it; a free checks and
 * retires its entry (live to freed) first and then gives the object back,
 * so that nobody can be handed the address before it is marked free.
 * Errors are formatted under the lock (kml_report, at most one per locked
 * section) and delivered to the handler after it is released
 * (kmem_unlock).  With --enable-sanity kmem_unlock also runs the
 * constant-time part of kmem_check (the counters, the ends of the freed
 * list) every time, and all of it every KMEM_SANITY_PERIOD unlocks.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/report.h>
#include <kmemlab/uvm_km.h>

#include "bits.h"

#define KMEM_ALIGN	8		/* smallest alignment and size step, bytes */
#define KMEM_SHIFT	3		/* log2(KMEM_ALIGN) */
#define KMEM_COHERENCY	64		/* coherency unit (COHERENCY_UNIT), bytes */
#define KMEM_MAXCLASSES	64		/* classes of any policy, at most */
#define KMEM_LARGE	0xff		/* class index of a kmem_va_arena allocation */
#define KMEM_HASH_MIN	64		/* live-map buckets, at least */
#define KMEM_FREED_MAX	65536		/* freed addresses remembered, at most */
#define KMEM_IPL	6		/* the ipl given to pool_cache_init (IPL_VM) */
#define KMEM_SANITY_PERIOD 1024		/* --enable-sanity: unlocks between walks of the map */

/* NetBSD subr_kmem.c: kmem_cache_sizes, then kmem_cache_big_sizes. */
static const uint32_t kmem_netbsd_sizes[] = {
	8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 768, 1024,
	2048, 4096, 8192, 16384,
};

/* illumos kmem.c: kmem_alloc_sizes, then kmem_big_alloc_sizes. */
static const uint32_t kmem_illumos_sizes[] = {
	1 * 8, 2 * 8, 3 * 8,
	4 * 8, 5 * 8, 6 * 8, 7 * 8,
	4 * 16, 5 * 16, 6 * 16, 7 * 16,
	4 * 32, 5 * 32, 6 * 32, 7 * 32,
	4 * 64, 5 * 64, 6 * 64, 7 * 64,
	4 * 128, 5 * 128, 6 * 128, 7 * 128,
	(8192 / 7) & ~63, (8192 / 6) & ~63, (8192 / 5) & ~63,	/* P2ALIGN(8192 / k, 64) */
	(8192 / 4) & ~63, (8192 / 3) & ~63, (8192 / 2) & ~63,
	2 * 4096, 3 * 4096,
	2 * 8192, 3 * 8192, 4 * 8192, 5 * 8192, 6 * 8192, 7 * 8192,
	8 * 8192, 9 * 8192, 10 * 8192, 11 * 8192, 12 * 8192, 13 * 8192,
	14 * 8192, 15 * 8192, 16 * 8192,
};

/* One size class. */
struct kmem_class {
	uint64_t kc_size;		/* object size, bytes */
	uint64_t kc_align;		/* object alignment, bytes */
	pool_cache_t kc_cache;		/* "kmem-N" */
	char kc_name[24];		/* "kmem-N" */
};

enum { KE_LIVE = 1, KE_FREED = 2 };

/* An entry of the live map: one address, live or recently freed. */
struct kmem_entry {
	struct kmem_entry *ke_hnext;	/* hash chain */
	struct kmem_entry *ke_fnext;	/* freed list (KE_FREED only), oldest first */
	struct kmem_entry *ke_fprev;
	vmem_addr_t ke_addr;
	uint64_t ke_size;		/* size asked for (when freed: the last one) */
	uint8_t ke_state;		/* KE_LIVE or KE_FREED */
	uint8_t ke_class;		/* class index or KMEM_LARGE */
};

static struct {
	bool up;			/* kmem_init done */
	bool unchecked;			/* kmem_set_checking(false): no live map */
	bool observing;			/* observer mode before kmem_lock */
	enum kmem_classes policy;
	uint64_t pagesz;		/* the page layer's page size */

	/* size classes, fixed by kmem_init */
	struct kmem_class classes[KMEM_MAXCLASSES];
	unsigned nclasses;
	uint64_t maxclass;		/* largest class size */
	uint8_t *sizemap;		/* (size - 1) >> KMEM_SHIFT -> class index */

	/* the lock, and what it protects */
	struct kml_mutex lock;
	struct kmem_entry **hash;	/* address -> entry */
	uint64_t hashsize;		/* buckets, a power of two */
	uint64_t nentries;		/* live and freed entries */
	struct kmem_entry *fhead;	/* freed list: oldest */
	struct kmem_entry *ftail;	/* freed list: newest */
	uint64_t nfreed;		/* entries on the freed list */
	struct kmem_stats st;
	uint64_t sanity_unlocks;	/* --enable-sanity: unlocks so far */

	/* errors */
	kmem_error_handler_t *errfn;
	void *errarg;
	struct kml_report report;	/* last error, pending delivery */
} kmem;

const struct kml_statdesc kmem_statdesc[] = {
	KML_STAT(struct kmem_stats, allocs, KML_UNIT_COUNT, "successful kmem_alloc, all paths"),
	KML_STAT(struct kmem_stats, frees, KML_UNIT_COUNT, "successful kmem_free, all paths"),
	KML_STAT(struct kmem_stats, fails, KML_UNIT_COUNT, "kmem_alloc that returned 0 (size 0 excluded)"),
	KML_STAT(struct kmem_stats, inuse, KML_UNIT_BYTES, "bytes requested and not freed"),
	KML_STAT(struct kmem_stats, inuse_peak, KML_UNIT_BYTES, "most bytes requested and not freed at once"),
	KML_STAT(struct kmem_stats, live, KML_UNIT_COUNT, "live allocations"),
	KML_STAT(struct kmem_stats, large_allocs, KML_UNIT_COUNT, "allocations served by kmem_va_arena"),
	KML_STAT(struct kmem_stats, large_inuse, KML_UNIT_BYTES, "page-rounded bytes of live large allocations"),
	KML_STAT(struct kmem_stats, intr_allocs, KML_UNIT_COUNT, "allocations through kmem_intr_*"),
	KML_STAT(struct kmem_stats, errors, KML_UNIT_COUNT, "reports: misuses and deadlocks"),
};
const size_t kmem_nstatdesc = sizeof(kmem_statdesc) / sizeof(kmem_statdesc[0]);

static int kmem_check1(char *, size_t, bool);

/* ---- errors */

static const char *const kmem_errnames[KMEM_ERR_NERRORS] = {
	[KMEM_ERR_NONE] = "no error",
	[KMEM_ERR_WRONGSIZE] = "wrong size",
	[KMEM_ERR_DUPFREE] = "duplicate free",
	[KMEM_ERR_BADADDR] = "bad address",
	[KMEM_ERR_INTR] = "called in interrupt context",
	[KMEM_ERR_FLAGS] = "bad flags",
	[KMEM_ERR_DEADLOCK] = "deadlock",
	[KMEM_ERR_BUSY] = "allocations still live",
};

const char *
kmem_strerror(enum kmem_error err)
{
	return (unsigned)err < KMEM_ERR_NERRORS ? kmem_errnames[err] :
	    "unknown error";
}

static void
kmem_stderr_handler(void *arg, enum kmem_error err, const char *msg)
{
	(void)arg;
	(void)err;
	fprintf(stderr, "kmem: %s\n", msg);
}

/*
 * kmem_error: record an error of class err about the cache (or arena)
 * called where.
 * => kmem.lock is held; the handler runs at kmem_unlock.
 */
#define kmem_error(where, err, ...)					\
	do {								\
		kml_report(&kmem.report, "kmem", (where), (err),	\
		    __VA_ARGS__);					\
		kmem.st.errors++;					\
	} while (0)

void
kmem_set_error_handler(kmem_error_handler_t *fn, void *arg)
{
	kmem.errfn = fn != NULL ? fn : kmem_stderr_handler;
	kmem.errarg = fn != NULL ? arg : NULL;
}

enum kmem_error
kmem_last_error(const char **msgp)
{
	if (msgp != NULL)
		*msgp = kmem.report.rp_lastmsg;
	return kmem.report.rp_lasterr;
}

static void
kmem_lock(void)
{
	bool was = kml_env_observe(true);

	kml_mutex_enter(&kmem.lock);
	kmem.observing = was;
}

/*
 * kmem_unlock: release the lock, then deliver a pending error.
 * => with KML_SANITY, the live map is checked first.
 */
static void
kmem_unlock(void)
{
	struct kml_report_entry e;
#ifdef KML_SANITY
	char why[256];

	if (kmem.up && kmem_check1(why, sizeof(why),
	    ++kmem.sanity_unlocks % KMEM_SANITY_PERIOD == 0) != 0)
		kml_panic("kmem_check: %s", why);
#endif
	kml_mutex_exit(&kmem.lock);
	kml_env_observe(kmem.observing);
	while (kml_report_take(&kmem.report, &e))
		(kmem.errfn != NULL ? kmem.errfn : kmem_stderr_handler)(
		    kmem.errarg, e.re_err, e.re_msg);
}

/* ---- size classes */

/* kmem_class_index: the class serving size bytes, or KMEM_LARGE.  size > 0. */
static unsigned
kmem_class_index(uint64_t size)
{
	if (size > kmem.maxclass)
		return KMEM_LARGE;
	return kmem.sizemap[(size - 1) >> KMEM_SHIFT];
}

/* kmem_where: the name of what serves size bytes, for reports. */
static const char *
kmem_where(uint64_t size)
{
	unsigned ci;

	if (size == 0 || !kmem.up)
		return "kmem";
	ci = kmem_class_index(size);
	return ci == KMEM_LARGE ? "kmem_va_arena" : kmem.classes[ci].kc_name;
}

/* kmem_round_page: size rounded up to whole pages (0 if that overflows). */
static uint64_t
kmem_round_page(uint64_t size)
{
	if (size > UINT64_MAX - (kmem.pagesz - 1))
		return 0;
	return (size + kmem.pagesz - 1) & ~(kmem.pagesz - 1);
}

/*
 * kmem_policy_keeps: does the policy create a cache of size bytes, and
 * with which alignment (*alignp) and pool flags (*flagsp)?
 */
static bool
kmem_policy_keeps(enum kmem_classes policy, uint64_t size, uint64_t *alignp,
    int *flagsp)
{
	*flagsp = 0;
	if (policy == KMEM_CLASSES_NETBSD) {
		if (size < KMEM_COHERENCY) {
			if (KMEM_COHERENCY % size != 0)
				return false;
			*flagsp = PR_NOTOUCH;
			*alignp = KMEM_ALIGN;
		} else if (size % kmem.pagesz == 0) {
			*alignp = kmem.pagesz;
		} else {
			if (size % KMEM_COHERENCY != 0)
				return false;
			*alignp = KMEM_COHERENCY;
		}
		return true;
	}
	*alignp = KMEM_ALIGN;
	if (size % KMEM_COHERENCY == 0)
		*alignp = KMEM_COHERENCY;
	if (size % kmem.pagesz == 0)
		*alignp = kmem.pagesz;
	return true;
}

/* ---- the live map */

static inline size_t
kmem_hashidx(vmem_addr_t addr, uint64_t nbuckets)
{
	uint64_t h = (addr >> KMEM_SHIFT) * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> (64 - kml_log2(nbuckets)));
}

static struct kmem_entry *
kmem_lookup(vmem_addr_t addr)
{
	struct kmem_entry *e;

	for (e = kmem.hash[kmem_hashidx(addr, kmem.hashsize)]; e != NULL;
	    e = e->ke_hnext)
		if (e->ke_addr == addr)
			break;
	return e;
}

/* kmem_rehash: resize the table to n buckets (failure: keep it). */
static void
kmem_rehash(uint64_t n)
{
	struct kmem_entry **old = kmem.hash, **new, *e;
	uint64_t oldn = kmem.hashsize;

	new = calloc(n, sizeof(*new));
	if (new == NULL)
		return;
	for (uint64_t i = 0; i < oldn; i++)
		while ((e = old[i]) != NULL) {
			size_t b = kmem_hashidx(e->ke_addr, n);

			old[i] = e->ke_hnext;
			e->ke_hnext = new[b];
			new[b] = e;
		}
	kmem.hash = new;
	kmem.hashsize = n;
	free(old);
}

static void
kmem_hash_insert(struct kmem_entry *e)
{
	size_t b;

	if (kmem.nentries + 1 > 2 * kmem.hashsize)
		kmem_rehash(2 * kmem.hashsize);
	b = kmem_hashidx(e->ke_addr, kmem.hashsize);
	e->ke_hnext = kmem.hash[b];
	kmem.hash[b] = e;
	kmem.nentries++;
}

static void
kmem_hash_remove(struct kmem_entry *e)
{
	struct kmem_entry **pe = &kmem.hash[kmem_hashidx(e->ke_addr,
	    kmem.hashsize)];

	while (*pe != e)
		pe = &(*pe)->ke_hnext;
	*pe = e->ke_hnext;
	kmem.nentries--;
	if (kmem.hashsize > KMEM_HASH_MIN && kmem.nentries < kmem.hashsize / 8)
		kmem_rehash(kmem.hashsize / 2);
}

/* kmem_freed_unlink: take e (KE_FREED) off the freed list. */
static void
kmem_freed_unlink(struct kmem_entry *e)
{
	if (e->ke_fprev != NULL)
		e->ke_fprev->ke_fnext = e->ke_fnext;
	else
		kmem.fhead = e->ke_fnext;
	if (e->ke_fnext != NULL)
		e->ke_fnext->ke_fprev = e->ke_fprev;
	else
		kmem.ftail = e->ke_fprev;
	e->ke_fnext = e->ke_fprev = NULL;
	kmem.nfreed--;
}

/*
 * kmem_freed_append: e becomes freed, the newest on the freed list; the
 * oldest is forgotten when the list grows beyond KMEM_FREED_MAX.
 */
static void
kmem_freed_append(struct kmem_entry *e)
{
	struct kmem_entry *old;

	e->ke_state = KE_FREED;
	e->ke_fnext = NULL;
	e->ke_fprev = kmem.ftail;
	if (kmem.ftail != NULL)
		kmem.ftail->ke_fnext = e;
	else
		kmem.fhead = e;
	kmem.ftail = e;
	if (++kmem.nfreed > KMEM_FREED_MAX) {
		old = kmem.fhead;
		kmem_freed_unlink(old);
		kmem_hash_remove(old);
		free(old);
	}
}

/* kmem_count_alloc: count an allocation of size bytes by class ci.  => lock held. */
static void
kmem_count_alloc(uint64_t size, unsigned ci, bool intr)
{
	kmem.st.allocs++;
	kmem.st.live++;
	kmem.st.inuse += size;
	if (kmem.st.inuse > kmem.st.inuse_peak)
		kmem.st.inuse_peak = kmem.st.inuse;
	if (ci == KMEM_LARGE) {
		kmem.st.large_allocs++;
		kmem.st.large_inuse += kmem_round_page(size);
	}
	if (intr)
		kmem.st.intr_allocs++;
}

/*
 * kmem_enter: record addr, just handed out by class ci, as live with the
 * size asked for.  => lock held.
 */
static void
kmem_enter(vmem_addr_t addr, uint64_t size, unsigned ci, bool intr)
{
	struct kmem_entry *e = kmem_lookup(addr);

	if (e != NULL) {
		KML_ASSERTMSG(e->ke_state == KE_FREED, "kmem: %s handed out "
		    "%#" PRIx64 ", which is live (%" PRIu64 " bytes from %s)",
		    kmem_where(size), addr, e->ke_size, kmem_where(e->ke_size));
		kmem_freed_unlink(e);
	} else {
		e = malloc(sizeof(*e));
		KML_ASSERTMSG(e != NULL, "kmem: out of memory for the live "
		    "map");
		e->ke_addr = addr;
		e->ke_fnext = e->ke_fprev = NULL;
		kmem_hash_insert(e);
	}
	e->ke_state = KE_LIVE;
	e->ke_size = size;
	e->ke_class = (uint8_t)ci;
	kmem_count_alloc(size, ci, intr);
}

/* ---- allocation */

/*
 * kmem_alloc1: the one allocation path.
 * => fn names the entry point for reports; intrpath: kmem_intr_*.
 * => returns the address, or 0 (see kmem_alloc in kmemlab/kmem.h).
 */
static vmem_addr_t
kmem_alloc1(const char *fn, size_t size, int flags, bool zero, bool intrpath)
{
	bool intr = kml_intr_p(), nosleep;
	vmem_addr_t addr;
	unsigned ci;

	KML_ASSERTMSG(kmem.up, "%s: kmem is not set up (kmem_init)", fn);
	if (intr && !intrpath) {
		kmem_lock();
		kmem_error(kmem_where(size), KMEM_ERR_INTR, "%s of %zu bytes "
		    "in interrupt context (use kmem_intr_%s)", fn, size,
		    zero ? "zalloc" : "alloc");
		kmem_unlock();
	}
	if ((flags & ~(KM_SLEEP | KM_NOSLEEP)) != 0 ||
	    ((flags & KM_SLEEP) != 0) == ((flags & KM_NOSLEEP) != 0)) {
		kmem_lock();
		kmem_error(kmem_where(size), KMEM_ERR_FLAGS, "%s: flags %#x: "
		    "need exactly one of KM_SLEEP and KM_NOSLEEP", fn, flags);
		if (size != 0)
			kmem.st.fails++;
		kmem_unlock();
		return 0;
	}
	if (intr && intrpath && (flags & KM_SLEEP)) {
		kmem_lock();
		kmem_error(kmem_where(size), KMEM_ERR_INTR, "%s: KM_SLEEP in "
		    "interrupt context (served as KM_NOSLEEP)", fn);
		kmem_unlock();
	}
	if (size == 0)
		return 0;
	nosleep = intr || (flags & KM_NOSLEEP);

	ci = kmem_class_index(size);
	if (ci != KMEM_LARGE) {
		addr = pool_cache_get(kmem.classes[ci].kc_cache,
		    (nosleep ? PR_NOWAIT : PR_WAITOK) | (zero ? PR_ZERO : 0));
	} else if (kmem_round_page(size) == 0) {
		addr = 0;		/* larger than any address space */
	} else {
		addr = uvm_km_alloc(kmem_round_page(size), 0, UVM_KMF_WIRED |
		    (nosleep ? UVM_KMF_NOWAIT : 0) | (zero ? UVM_KMF_ZERO : 0));
	}

	kmem_lock();
	if (addr == 0) {
		kmem.st.fails++;
		if (!nosleep)
			kmem_error(kmem_where(size), KMEM_ERR_DEADLOCK, "%s: "
			    "KM_SLEEP request for %zu bytes cannot be "
			    "satisfied: %s", fn, size,
			    kmem_round_page(size) == 0 ? "larger than the "
			    "address space" : kml_last_deadlock());
	} else {
		KML_ASSERTMSG(ci == KMEM_LARGE ?
		    (addr & (kmem.pagesz - 1)) == 0 :
		    addr % kmem.classes[ci].kc_align == 0, "kmem: %s returned "
		    "%#" PRIx64 ", not aligned", kmem_where(size), addr);
		if (kmem.unchecked)
			kmem_count_alloc(size, ci, intrpath);
		else
			kmem_enter(addr, size, ci, intrpath);
	}
	kmem_unlock();
	return addr;
}

vmem_addr_t
kmem_alloc(size_t size, int flags)
{
	return kmem_alloc1("kmem_alloc", size, flags, false, false);
}

vmem_addr_t
kmem_zalloc(size_t size, int flags)
{
	return kmem_alloc1("kmem_zalloc", size, flags, true, false);
}

vmem_addr_t
kmem_intr_alloc(size_t size, int flags)
{
	return kmem_alloc1("kmem_intr_alloc", size, flags, false, true);
}

vmem_addr_t
kmem_intr_zalloc(size_t size, int flags)
{
	return kmem_alloc1("kmem_intr_zalloc", size, flags, true, true);
}

/* ---- free */

/*
 * kmem_give: give addr, of class ci and size bytes, back to what it came
 * from.  => lock not held.
 */
static void
kmem_give(vmem_addr_t addr, uint64_t size, unsigned ci)
{
	if (ci == KMEM_LARGE)
		uvm_km_free(addr, kmem_round_page(size), UVM_KMF_WIRED);
	else
		pool_cache_put(kmem.classes[ci].kc_cache, addr);
}

/* kmem_count_free: count a free of size bytes of class ci.  => lock held. */
static void
kmem_count_free(uint64_t size, unsigned ci)
{
	kmem.st.frees++;
	kmem.st.live--;
	kmem.st.inuse -= size;
	if (ci == KMEM_LARGE)
		kmem.st.large_inuse -= kmem_round_page(size);
}

/*
 * kmem_free1: the one free path.
 * => fn names the entry point for reports; intrpath: kmem_intr_free.
 */
static void
kmem_free1(const char *fn, vmem_addr_t p, size_t size, bool intrpath)
{
	struct kmem_entry *e;
	unsigned ci;

	KML_ASSERTMSG(kmem.up, "%s: kmem is not set up (kmem_init)", fn);
	if (!intrpath && kml_intr_p()) {
		kmem_lock();
		kmem_error(kmem_where(size), KMEM_ERR_INTR, "%s of %#" PRIx64
		    " in interrupt context (use kmem_intr_free)", fn, p);
		kmem_unlock();
	}
	if (p == 0 && size == 0)
		return;

	kmem_lock();
	if (kmem.unchecked) {
		if (p == 0 || size == 0) {
			kmem_error("kmem", KMEM_ERR_BADADDR, "%s: %#" PRIx64
			    " (size %zu): no object has this address and size",
			    fn, p, size);
			goto out;
		}
		ci = kmem_class_index(size);
		kmem_count_free(size, ci);
		kmem_unlock();
		kmem_give(p, size, ci);
		return;
	}
	e = kmem_lookup(p);
	if (e == NULL) {
		kmem_error("kmem", KMEM_ERR_BADADDR, "%s: %#" PRIx64 " (size "
		    "%zu) was not allocated by kmem", fn, p, size);
		goto out;
	}
	if (e->ke_state == KE_FREED) {
		kmem_error(kmem_where(e->ke_size), KMEM_ERR_DUPFREE, "%s: %#"
		    PRIx64 " (size %zu) is already free", fn, p, size);
		goto out;
	}
	if (e->ke_size != size) {
		kmem_error(kmem_where(e->ke_size), KMEM_ERR_WRONGSIZE, "%s: %#"
		    PRIx64 " was allocated with size %" PRIu64 ", freed with "
		    "size %zu", fn, p, e->ke_size, size);
		goto out;
	}
	ci = e->ke_class;
	kmem_count_free(size, ci);
	kmem_freed_append(e);
	kmem_unlock();
	kmem_give(p, size, ci);
	return;
out:
	kmem_unlock();
}

void
kmem_free(vmem_addr_t p, size_t size)
{
	kmem_free1("kmem_free", p, size, false);
}

void
kmem_intr_free(vmem_addr_t p, size_t size)
{
	kmem_free1("kmem_intr_free", p, size, true);
}

/* ---- set-up and tear-down */

int
kmem_init(enum kmem_classes classes)
{
	const uint32_t *sizes;
	size_t nsizes;
	uint64_t step;

	KML_ASSERTMSG(!kmem.up, "kmem_init: kmem is already set up");
	KML_ASSERTMSG(uvm_pagesize() != 0, "kmem_init: the page layer is not "
	    "set up (uvm_init)");
	switch (classes) {
	case KMEM_CLASSES_NETBSD:
		sizes = kmem_netbsd_sizes;
		nsizes = sizeof(kmem_netbsd_sizes) /
		    sizeof(kmem_netbsd_sizes[0]);
		break;
	case KMEM_CLASSES_ILLUMOS:
		sizes = kmem_illumos_sizes;
		nsizes = sizeof(kmem_illumos_sizes) /
		    sizeof(kmem_illumos_sizes[0]);
		break;
	default:
		return EINVAL;
	}
	kmem.policy = classes;
	kmem.pagesz = uvm_pagesize();
	kmem.nclasses = 0;
	for (size_t i = 0; i < nsizes; i++) {
		struct kmem_class *kc = &kmem.classes[kmem.nclasses];
		uint64_t align;
		int flags;

		if (classes == KMEM_CLASSES_NETBSD && sizes[i] > kmem.pagesz)
			break;
		if (!kmem_policy_keeps(classes, sizes[i], &align, &flags))
			continue;
		KML_ASSERT(kmem.nclasses < KMEM_MAXCLASSES);
		kc->kc_size = sizes[i];
		kc->kc_align = align;
		snprintf(kc->kc_name, sizeof(kc->kc_name), "kmem-%" PRIu64,
		    kc->kc_size);
		kc->kc_cache = pool_cache_init(kc->kc_size, (unsigned)align, 0,
		    flags, kc->kc_name, NULL, KMEM_IPL, NULL, NULL, NULL);
		kmem.nclasses++;
	}
	KML_ASSERT(kmem.nclasses > 0);
	kmem.maxclass = kmem.classes[kmem.nclasses - 1].kc_size;
	kmem.sizemap = malloc(kmem.maxclass >> KMEM_SHIFT);
	kmem.hashsize = KMEM_HASH_MIN;
	kmem.hash = calloc(KMEM_HASH_MIN, sizeof(*kmem.hash));
	KML_ASSERTMSG(kmem.sizemap != NULL && kmem.hash != NULL,
	    "kmem_init: out of memory");
	/* every 8-byte step maps to the smallest class that holds it */
	step = 0;
	for (unsigned ci = 0; ci < kmem.nclasses; ci++)
		for (; (step + 1) << KMEM_SHIFT <= kmem.classes[ci].kc_size;
		    step++)
			kmem.sizemap[step] = (uint8_t)ci;
	kmem.nentries = kmem.nfreed = 0;
	kmem.fhead = kmem.ftail = NULL;
	memset(&kmem.st, 0, sizeof(kmem.st));
	memset(&kmem.report, 0, sizeof(kmem.report));
	if (kmem.errfn == NULL)
		kmem_set_error_handler(NULL, NULL);
	kml_mutex_init(&kmem.lock, "kmem");
	kmem.up = true;
	return 0;
}

void
kmem_fini(void)
{
	struct kmem_entry *e, *next, *drop = NULL;

	KML_ASSERTMSG(kmem.up, "kmem_fini: kmem is not set up");
	kmem_lock();
	if (kmem.st.live != 0)
		kmem_error("kmem", KMEM_ERR_BUSY, "kmem_fini: %" PRIu64
		    " allocations (%" PRIu64 " bytes) still live", kmem.st.live,
		    kmem.st.inuse);
	/* empty the map; the live entries are given back below */
	for (uint64_t b = 0; b < kmem.hashsize; b++)
		for (e = kmem.hash[b]; e != NULL; e = next) {
			next = e->ke_hnext;
			if (e->ke_state == KE_LIVE) {
				e->ke_hnext = drop;
				drop = e;
			} else {
				free(e);
			}
		}
	memset(kmem.hash, 0, kmem.hashsize * sizeof(*kmem.hash));
	kmem.nentries = kmem.nfreed = 0;
	kmem.fhead = kmem.ftail = NULL;
	memset(&kmem.st, 0, sizeof(kmem.st));
	kmem_unlock();
	for (e = drop; e != NULL; e = next) {
		next = e->ke_hnext;
		kmem_give(e->ke_addr, e->ke_size, e->ke_class);
		free(e);
	}
	for (unsigned ci = kmem.nclasses; ci-- > 0;)
		pool_cache_destroy(kmem.classes[ci].kc_cache);
	kml_mutex_destroy(&kmem.lock);
	free(kmem.hash);
	free(kmem.sizemap);
	kmem.hash = NULL;
	kmem.sizemap = NULL;
	kmem.hashsize = 0;
	kmem.nclasses = 0;
	kmem.maxclass = 0;
	kmem.up = false;
}

int
kmem_set_checking(bool on)
{
	if (kmem.up)
		return -1;
	kmem.unchecked = !on;
	return 0;
}

/* ---- inspection */

size_t
kmem_class_size(size_t size)
{
	unsigned ci;

	if (!kmem.up || size == 0)
		return 0;
	ci = kmem_class_index(size);
	return ci == KMEM_LARGE ? 0 : (size_t)kmem.classes[ci].kc_size;
}

unsigned
kmem_nclasses(void)
{
	return kmem.up ? kmem.nclasses : 0;
}

pool_cache_t
kmem_class_cache(unsigned i)
{
	return kmem.up && i < kmem.nclasses ? kmem.classes[i].kc_cache : NULL;
}

void
kmem_stats(struct kmem_stats *st)
{
	if (!kmem.up) {
		memset(st, 0, sizeof(*st));
		return;
	}
	kmem_lock();
	*st = kmem.st;
	kmem_unlock();
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			goto fail;					\
		}							\
	} while (0)

/* An object's extent, for the overlap test. */
struct kmem_extent {
	vmem_addr_t start, end;		/* [start, end) */
};

static int
kmem_extent_cmp(const void *a, const void *b)
{
	const struct kmem_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * kmem_check1: the invariants of section 3.  Without walk, only those that
 * take constant time (counters, the ends of the freed list); with walk,
 * every entry and the overlap test too.  => lock held.
 */
static int
kmem_check1(char *buf, size_t len, bool walk)
{
	uint64_t nent = 0, nlive = 0, nfreed = 0, inuse = 0, large = 0;
	struct kmem_extent *ext = NULL;
	struct kmem_entry *e;

	CHECK(kmem.st.allocs - kmem.st.frees == kmem.st.live &&
	    kmem.st.inuse <= kmem.st.inuse_peak && (kmem.unchecked ?
	    kmem.nentries == 0 : kmem.st.live + kmem.nfreed ==
	    kmem.nentries) && kmem.nfreed <= KMEM_FREED_MAX &&
	    kmem.st.large_inuse <= kmem_round_page(kmem.st.inuse) +
	    kmem.st.live * kmem.pagesz, "counters disagree: allocs %" PRIu64
	    " frees %" PRIu64 " live %" PRIu64 " inuse %" PRIu64 " peak %"
	    PRIu64 " entries %" PRIu64 " freed %" PRIu64, kmem.st.allocs,
	    kmem.st.frees, kmem.st.live, kmem.st.inuse, kmem.st.inuse_peak,
	    kmem.nentries, kmem.nfreed);
	CHECK((kmem.fhead == NULL) == (kmem.nfreed == 0) &&
	    (kmem.ftail == NULL) == (kmem.nfreed == 0) &&
	    (kmem.fhead == NULL || (kmem.fhead->ke_fprev == NULL &&
	    kmem.ftail->ke_fnext == NULL && kmem.fhead->ke_state == KE_FREED &&
	    kmem.ftail->ke_state == KE_FREED)), "the ends of the freed list "
	    "are broken (%" PRIu64 " freed)", kmem.nfreed);
	if (!walk || kmem.unchecked)
		return 0;
	if (kmem.st.live != 0) {
		ext = malloc(kmem.st.live * sizeof(*ext));
		CHECK(ext != NULL, "out of memory for the overlap test");
	}
	for (uint64_t b = 0; b < kmem.hashsize; b++)
		for (e = kmem.hash[b]; e != NULL; e = e->ke_hnext) {
			CHECK(kmem_hashidx(e->ke_addr, kmem.hashsize) == b,
			    "entry %#" PRIx64 " is in bucket %" PRIu64
			    " of %" PRIu64, e->ke_addr, b, kmem.hashsize);
			nent++;
			if (e->ke_state == KE_FREED) {
				nfreed++;
				continue;
			}
			CHECK(e->ke_state == KE_LIVE, "entry %#" PRIx64
			    " has state %u", e->ke_addr, e->ke_state);
			CHECK(e->ke_size > 0 && e->ke_class ==
			    kmem_class_index(e->ke_size), "live %#" PRIx64
			    " of %" PRIu64 " bytes is in class %u, not %u",
			    e->ke_addr, e->ke_size, e->ke_class,
			    e->ke_size > 0 ? kmem_class_index(e->ke_size) : 0);
			CHECK(e->ke_class == KMEM_LARGE ?
			    (e->ke_addr & (kmem.pagesz - 1)) == 0 :
			    e->ke_addr %
			    kmem.classes[e->ke_class].kc_align == 0,
			    "live %#" PRIx64 " of %" PRIu64 " bytes is "
			    "misaligned for %s", e->ke_addr, e->ke_size,
			    kmem_where(e->ke_size));
			CHECK(nlive < kmem.st.live, "more live entries than "
			    "the %" PRIu64 " counted", kmem.st.live);
			if (ext != NULL) {
				ext[nlive].start = e->ke_addr;
				ext[nlive].end = e->ke_addr +
				    (e->ke_class == KMEM_LARGE ?
				    kmem_round_page(e->ke_size) :
				    kmem.classes[e->ke_class].kc_size);
			}
			nlive++;
			inuse += e->ke_size;
			if (e->ke_class == KMEM_LARGE)
				large += kmem_round_page(e->ke_size);
		}
	CHECK(nent == kmem.nentries, "the map holds %" PRIu64 " entries, "
	    "counts %" PRIu64, nent, kmem.nentries);
	CHECK(nlive == kmem.st.live && inuse == kmem.st.inuse &&
	    large == kmem.st.large_inuse, "statistics disagree: live %"
	    PRIu64 "/%" PRIu64 " inuse %" PRIu64 "/%" PRIu64 " large_inuse %"
	    PRIu64 "/%" PRIu64, nlive, kmem.st.live, inuse, kmem.st.inuse,
	    large, kmem.st.large_inuse);
	nent = 0;
	for (e = kmem.fhead; e != NULL; e = e->ke_fnext) {
		CHECK(e->ke_state == KE_FREED && (e->ke_fnext != NULL ?
		    e->ke_fnext->ke_fprev == e : kmem.ftail == e),
		    "freed list broken at %#" PRIx64, e->ke_addr);
		CHECK(kmem_lookup(e->ke_addr) == e, "freed %#" PRIx64 " is "
		    "not in the map", e->ke_addr);
		CHECK(++nent <= nfreed, "the freed list is longer than the %"
		    PRIu64 " freed entries", nfreed);
	}
	CHECK(nent == nfreed && nfreed == kmem.nfreed && nfreed <=
	    KMEM_FREED_MAX, "freed list %" PRIu64 ", freed entries %" PRIu64
	    ", counted %" PRIu64, nent, nfreed, kmem.nfreed);
	if (nlive > 1) {
		qsort(ext, nlive, sizeof(*ext), kmem_extent_cmp);
		for (uint64_t i = 1; i < nlive; i++)
			CHECK(ext[i - 1].end <= ext[i].start, "live objects [%#"
			    PRIx64 ", %#" PRIx64 ") and [%#" PRIx64 ", %#"
			    PRIx64 ") overlap", ext[i - 1].start,
			    ext[i - 1].end, ext[i].start, ext[i].end);
	}
	free(ext);
	return 0;
fail:
	free(ext);
	return -1;
}

int
kmem_check(char *buf, size_t len)
{
	int error;

	if (!kmem.up) {
		snprintf(buf, len, "kmem is not set up");
		return -1;
	}
	bool was = kml_env_observe(true);

	kml_mutex_enter(&kmem.lock);
	error = kmem_check1(buf, len, true);
	kml_mutex_exit(&kmem.lock);
	kml_env_observe(was);
	return error;
}
