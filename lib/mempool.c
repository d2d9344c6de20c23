/*
 * lib/mempool.c: memory pools with a guaranteed reserve (see
 * kmemlab/mempool.h), after Linux mm/mempool.c (Ingo Molnar, 2001).  This
 * is kmemlab's own implementation of Linux's semantics.
 *
 * ---- 1. The reserve
 *
 * A mempool is a back end (alloc_fn, free_fn and their pool_data) and a
 * reserve: a stack of up to min_nr elements that came from the back end,
 * mp_elements[0 .. curr_nr).  mempool_create fills it with min_nr
 * elements (GFP_KERNEL); if the back end fails, the elements obtained so
 * far go back and the creation fails.  The reserve is a last resort, not
 * a cache: allocations go to the back end first and take from the reserve
 * only when the back end fails, and frees refill the reserve before they
 * give anything back to the back end.  The top of the stack is taken
 * first and refilled first (Linux's add_element / remove_element).
 *
 * Invariants (mempool_check):
 *   (1) 0 <= curr_nr <= min_nr <= the array's slots;
 *   (2) no element of the reserve is 0, and none appears twice;
 *   (3) frees <= allocs, reserve_takes <= allocs, reserve_refills <= frees;
 *   (4) every element the back end gave is in exactly one place: given
 *       back, in the reserve, or out:
 *         backend_allocs == backend_frees + curr_nr + (allocs - frees).
 *
 * ---- 2. Allocation (mempool_alloc)
 *
 * The mask gets __GFP_NOMEMALLOC, __GFP_NORETRY and __GFP_NOWARN (the
 * reserve, not the page allocator's emergency pools, is the fallback, and
 * a failure is expected).  Then, as in Linux:
 *   a. the back end with the mask less __GFP_DIRECT_RECLAIM and __GFP_IO,
 *      so that it does not sleep; an element ends the call;
 *   b. the reserve, if it holds an element;
 *   c. if (a) took bits away, start again from (a) with the whole mask
 *      (the back end may sleep now), once;
 *   d. a caller that may not sleep (no __GFP_DIRECT_RECLAIM) gets 0;
 *   e. otherwise it sleeps on the pool's wait channel until a free, and
 *      starts again from (a) with the whole mask.
 * So the reserve is used only when the back end has just failed, and a
 * sleeping caller never fails while frees can still come.  GFP_ATOMIC
 * and GFP_NOWAIT callers try the back end once; GFP_NOIO, GFP_NOFS and
 * GFP_KERNEL callers twice before they sleep.
 *
 * ---- 3. Free (mempool_free)
 *
 * If the reserve holds fewer than min_nr elements the element goes into
 * it and the sleepers are woken; otherwise it goes to the back end.  As
 * in Linux the first test reads curr_nr without the lock and the lock is
 * taken only to refill; in the fast path the pool's lock is not touched.
 *
 * ---- 4. Sleeping
 *
 * Linux sleeps with a 5-second timeout (io_schedule_timeout) and only a
 * refilling free wakes it.  The environment has no timed sleep, so a
 * sleeper waits for a kml_wakeup, which three events send: a free that
 * refills the reserve (as in Linux); a free that goes to the back end,
 * so that the sleepers retry the back end (this is what the timeout
 * gives Linux, and what makes min_nr == 0 pools work; a 2025 fix to
 * Linux keeps one element in such a pool's reserve instead, which would
 * break invariant (1)); and mempool_resize adding reserve elements.  A
 * sleep that the environment proves endless -- always in the
 * uniprocessor environment, which has no other thread to free -- is
 * reported as MEMPOOL_ERR_DEADLOCK and the allocation returns 0.
 *
 * ---- 5. Resizing
 *
 * mempool_resize(pool, n): shrinking gives the reserve's top elements
 * back to the back end until it holds at most n; growing swaps in an
 * array of n slots and allocates elements with GFP_KERNEL, one at a time
 * with the lock released, until the reserve is full, the back end fails
 * (the reserve stays short and frees fill it), or a concurrent free
 * filled it first (the extra element goes back).  It returns 0 in all
 * these cases, as Linux does.
 *
 * ---- 6. Back ends and gfp masks
 *
 * The helpers with Linux's names put a mempool over kmemlab's
 * allocators: mempool_alloc_slab over a pool_cache, mempool_kmalloc over
 * kmem, mempool_alloc_pages over uvm_km (wired, naturally aligned).  A
 * mask may sleep iff __GFP_DIRECT_RECLAIM is set; kmemlab/gfp.h maps it
 * to PR_WAITOK/PR_NOWAIT, KM_SLEEP/KM_NOSLEEP and UVM_KMF_NOWAIT, and
 * __GFP_ZERO to the back ends' zeroing flags.  The other bits
 * (__GFP_NORETRY among them) are not modelled by the back ends: a back
 * end asked to sleep sleeps for memory, and in the uniprocessor
 * environment reports its own deadlock before the mempool sleeps.
 *
 * ---- 7. Locking, statistics, errors
 *
 * mp_lock protects the reserve (elements, curr_nr, min_nr), and is held
 * for the wait channel's interlock.  It is never held across a call to
 * the back end or to an error handler.  The counters that the fast paths
 * touch (allocs, frees, backend_*) are updated there without the lock,
 * in the same place as the event they count, so that invariant (4) holds
 * whenever the lock is free: the environment runs one virtual thread at
 * a time (a native environment would make them per-CPU).  The reserve
 * scan that detects a duplicate free on the fast path reads the reserve
 * without the lock for the same reason; it is a diagnostic, as KASAN's
 * poisoning of reserve elements is in Linux, and charges no cost.  Misuse
 * is reported through mempool_error (kmemlab/report.h) and changes
 * nothing; reports are delivered by mempool_unlock after the lock is
 * released.  With --enable-sanity, mempool_unlock runs the checker.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/gfp.h>
#include <kmemlab/kmem.h>
#include <kmemlab/mempool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/report.h>
#include <kmemlab/uvm_km.h>

#define MEMPOOL_NAME_MAX	32

struct mempool {
	/* the reserve, under mp_lock */
	struct kml_mutex mp_lock;	/* protects the reserve; the wchan's interlock */
	struct kml_wchan mp_wchan;	/* mempool_alloc sleeps here for a free */
	int mp_min_nr;			/* elements the reserve is kept at */
	int mp_curr_nr;			/* elements in the reserve */
	int mp_nslots;			/* slots of mp_elements, >= mp_min_nr */
	vmem_addr_t *mp_elements;	/* the reserve, a stack: [0, curr_nr) */

	/* the back end, fixed at creation */
	mempool_alloc_t *mp_alloc;
	mempool_free_t *mp_free;
	void *mp_pool_data;

	char mp_name[MEMPOOL_NAME_MAX];

	/* statistics; gauges are filled in by mempool_stats (see section 7) */
	struct mempool_stats mp_st;

	/* errors */
	mempool_error_handler_t *mp_errfn;
	void *mp_errarg;
	struct kml_report mp_report;	/* last error, pending delivery */

	/* all pools */
	mempool_t *mp_next;
};

const struct kml_statdesc mempool_statdesc[] = {
	KML_STAT(struct mempool_stats, curr_nr, KML_UNIT_COUNT, "elements in the reserve"),
	KML_STAT(struct mempool_stats, min_nr, KML_UNIT_COUNT, "elements the reserve is kept at"),
	KML_STAT(struct mempool_stats, out, KML_UNIT_COUNT, "elements handed out and not freed"),
	KML_STAT(struct mempool_stats, waiters, KML_UNIT_COUNT, "threads sleeping on the pool"),
	KML_STAT(struct mempool_stats, allocs, KML_UNIT_COUNT, "successful mempool_alloc"),
	KML_STAT(struct mempool_stats, fails, KML_UNIT_COUNT, "mempool_alloc that returned 0"),
	KML_STAT(struct mempool_stats, frees, KML_UNIT_COUNT, "mempool_free of an element"),
	KML_STAT(struct mempool_stats, reserve_takes, KML_UNIT_COUNT, "allocations served from the reserve"),
	KML_STAT(struct mempool_stats, reserve_refills, KML_UNIT_COUNT, "frees that went into the reserve"),
	KML_STAT(struct mempool_stats, backend_allocs, KML_UNIT_COUNT, "elements the back end gave"),
	KML_STAT(struct mempool_stats, backend_fails, KML_UNIT_COUNT, "back-end allocations that failed"),
	KML_STAT(struct mempool_stats, backend_frees, KML_UNIT_COUNT, "elements given back to the back end"),
	KML_STAT(struct mempool_stats, waits, KML_UNIT_COUNT, "sleeps for a free"),
	KML_STAT(struct mempool_stats, errors, KML_UNIT_COUNT, "reported misuses and deadlocks"),
};
const size_t mempool_nstatdesc = sizeof(mempool_statdesc) / sizeof(mempool_statdesc[0]);

static mempool_t *mempool_head;		/* every pool, creation order */
static unsigned mempool_serial;		/* mempool_create calls, for names */
static mempool_error_handler_t *mempool_default_errfn;
static void *mempool_default_errarg;
static int mempool_check1(mempool_t *, char *, size_t);

/* ---- errors */

static const char *const mempool_errnames[MEMPOOL_ERR_NERRORS] = {
	[MEMPOOL_ERR_NONE] = "no error",
	[MEMPOOL_ERR_FLAGS] = "bad flags",
	[MEMPOOL_ERR_DEADLOCK] = "deadlock",
	[MEMPOOL_ERR_DUPFREE] = "duplicate free",
	[MEMPOOL_ERR_NOTOUT] = "no element out",
	[MEMPOOL_ERR_BUSY] = "pool busy",
	[MEMPOOL_ERR_RESIZE] = "bad resize",
};

const char *
mempool_strerror(enum mempool_error err)
{
	return (unsigned)err < MEMPOOL_ERR_NERRORS ? mempool_errnames[err] :
	    "unknown error";
}

static void
mempool_stderr_handler(void *arg, mempool_t *pool, enum mempool_error err,
    const char *msg)
{
	(void)arg;
	(void)pool;
	(void)err;
	fprintf(stderr, "mempool: %s\n", msg);
}

/*
 * mempool_error: record an error of class err for pool.
 * => the pool's lock is held; the handler runs at mempool_unlock.
 */
#define mempool_error(pool, err, ...)					\
	do {								\
		kml_report(&(pool)->mp_report, "mempool",		\
		    (pool)->mp_name, (err), __VA_ARGS__);		\
		(pool)->mp_st.errors++;					\
	} while (0)

void
mempool_set_error_handler(mempool_t *pool, mempool_error_handler_t *fn,
    void *arg)
{
	pool->mp_errfn = fn != NULL ? fn : mempool_stderr_handler;
	pool->mp_errarg = fn != NULL ? arg : NULL;
}

void
mempool_set_default_error_handler(mempool_error_handler_t *fn, void *arg)
{
	mempool_default_errfn = fn;
	mempool_default_errarg = arg;
}

enum mempool_error
mempool_last_error(const mempool_t *pool, const char **msgp)
{
	if (msgp != NULL)
		*msgp = pool->mp_report.rp_lastmsg;
	return pool->mp_report.rp_lasterr;
}

static void
mempool_lock(mempool_t *pool)
{
	kml_mutex_enter(&pool->mp_lock);
}

/* mempool_unlock: release the lock, then deliver a pending report. */
static void
mempool_unlock(mempool_t *pool)
{
	struct kml_report_entry e;
#ifdef KML_SANITY
	char why[256];

	if (mempool_check1(pool, why, sizeof(why)) != 0)
		kml_panic("mempool_check: mempool \"%s\": %s", pool->mp_name, why);
#endif
	kml_mutex_exit(&pool->mp_lock);
	while (kml_report_take(&pool->mp_report, &e))
		pool->mp_errfn(pool->mp_errarg, pool, e.re_err, e.re_msg);
}

/* ---- the reserve */

/* mempool_add: push element on the reserve.  => lock held, reserve not full. */
static void
mempool_add(mempool_t *pool, vmem_addr_t element)
{
	KML_ASSERTMSG(pool->mp_curr_nr < pool->mp_min_nr, "mempool \"%s\": "
	    "reserve full (%d of %d)", pool->mp_name, pool->mp_curr_nr,
	    pool->mp_min_nr);
	pool->mp_elements[pool->mp_curr_nr++] = element;
}

/* mempool_remove: pop the reserve's top element.  => lock held, reserve not empty. */
static vmem_addr_t
mempool_remove(mempool_t *pool)
{
	KML_ASSERTMSG(pool->mp_curr_nr > 0, "mempool \"%s\": reserve empty",
	    pool->mp_name);
	return pool->mp_elements[--pool->mp_curr_nr];
}

/* mempool_in_reserve: element is in the reserve (see section 7 on locking). */
static bool
mempool_in_reserve(const mempool_t *pool, vmem_addr_t element)
{
	for (int i = 0; i < pool->mp_curr_nr; i++)
		if (pool->mp_elements[i] == element)
			return true;
	return false;
}

/*
 * mempool_backend_alloc: an element from the back end, counted.
 * => lock not held.
 */
static vmem_addr_t
mempool_backend_alloc(mempool_t *pool, gfp_t gfp)
{
	vmem_addr_t element = pool->mp_alloc(gfp, pool->mp_pool_data);

	if (element != 0)
		pool->mp_st.backend_allocs++;
	else
		pool->mp_st.backend_fails++;
	return element;
}

/* ---- set-up and tear-down */

/*
 * mempool_create1: mempool_create, with the name (NULL: "mempool-N").
 * => min_nr >= 0, the functions are not NULL, thread context.
 */
static mempool_t *
mempool_create1(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
    void *pool_data, const char *name)
{
	mempool_t *pool, **tail;
	unsigned serial = ++mempool_serial;

	KML_ASSERTMSG(min_nr >= 0 && alloc_fn != NULL && free_fn != NULL,
	    "mempool_create: min_nr %d alloc_fn %s free_fn %s", min_nr,
	    alloc_fn != NULL ? "set" : "NULL", free_fn != NULL ? "set" : "NULL");
	KML_ASSERTMSG(!kml_intr_p(), "mempool_create: in interrupt context");
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		return NULL;
	pool->mp_nslots = min_nr > 0 ? min_nr : 1;
	pool->mp_elements = calloc((size_t)pool->mp_nslots,
	    sizeof(*pool->mp_elements));
	if (pool->mp_elements == NULL) {
		free(pool);
		return NULL;
	}
	if (name != NULL)
		snprintf(pool->mp_name, sizeof(pool->mp_name), "%s", name);
	else
		snprintf(pool->mp_name, sizeof(pool->mp_name), "mempool-%u",
		    serial);
	kml_mutex_init(&pool->mp_lock, pool->mp_name);
	kml_wchan_init(&pool->mp_wchan, pool->mp_name);
	pool->mp_min_nr = min_nr;
	pool->mp_alloc = alloc_fn;
	pool->mp_free = free_fn;
	pool->mp_pool_data = pool_data;
	mempool_set_error_handler(pool, mempool_default_errfn,
	    mempool_default_errarg);

	/* the reserve; nobody else knows the pool yet */
	while (pool->mp_curr_nr < pool->mp_min_nr) {
		vmem_addr_t element = mempool_backend_alloc(pool, GFP_KERNEL);

		if (element == 0) {
			while (pool->mp_curr_nr > 0) {
				element = pool->mp_elements[--pool->mp_curr_nr];
				pool->mp_free(element, pool->mp_pool_data);
			}
			kml_mutex_destroy(&pool->mp_lock);
			free(pool->mp_elements);
			free(pool);
			return NULL;
		}
		pool->mp_elements[pool->mp_curr_nr++] = element;
	}

	for (tail = &mempool_head; *tail != NULL; tail = &(*tail)->mp_next)
		continue;
	*tail = pool;
	return pool;
}

mempool_t *
mempool_create(int min_nr, mempool_alloc_t *alloc_fn, mempool_free_t *free_fn,
    void *pool_data)
{
	return mempool_create1(min_nr, alloc_fn, free_fn, pool_data, NULL);
}

void
mempool_destroy(mempool_t *pool)
{
	mempool_t **pprev;
	uint64_t out;

	if (pool == NULL)
		return;
	mempool_lock(pool);
	KML_ASSERTMSG(pool->mp_wchan.wc_nwaiters == 0, "mempool_destroy: "
	    "mempool \"%s\" has %u sleepers", pool->mp_name,
	    pool->mp_wchan.wc_nwaiters);
	out = pool->mp_st.allocs - pool->mp_st.frees;
	if (out != 0)
		mempool_error(pool, MEMPOOL_ERR_BUSY, "mempool_destroy: %"
		    PRIu64 " element%s still out", out, out == 1 ? "" : "s");
	while (pool->mp_curr_nr > 0) {
		vmem_addr_t element = mempool_remove(pool);

		pool->mp_st.backend_frees++;
		mempool_unlock(pool);
		pool->mp_free(element, pool->mp_pool_data);
		mempool_lock(pool);
	}
	mempool_unlock(pool);
	for (pprev = &mempool_head; *pprev != pool; pprev = &(*pprev)->mp_next)
		KML_ASSERT(*pprev != NULL);
	*pprev = pool->mp_next;
	kml_mutex_destroy(&pool->mp_lock);
	free(pool->mp_elements);
	free(pool);
}

/* ---- allocation and free */

vmem_addr_t
mempool_alloc(mempool_t *pool, gfp_t gfp_mask)
{
	vmem_addr_t element;
	gfp_t gfp_temp, gfp_asked = gfp_mask;
	char name[128];

	if (gfp_mask & __GFP_ZERO) {
		mempool_lock(pool);
		mempool_error(pool, MEMPOOL_ERR_FLAGS, "mempool_alloc: __GFP_ZERO "
		    "is not supported (reserve elements are not zeroed)");
		mempool_unlock(pool);
	}
	if (gfpflags_allow_blocking(gfp_mask) && kml_intr_p()) {
		gfp_format(gfp_asked, name, sizeof(name));
		mempool_lock(pool);
		mempool_error(pool, MEMPOOL_ERR_FLAGS, "mempool_alloc: %s may "
		    "sleep, in interrupt context (served without sleeping)",
		    name);
		mempool_unlock(pool);
		gfp_mask &= ~__GFP_DIRECT_RECLAIM;
	}
	gfp_mask |= __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	gfp_temp = gfp_mask & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);

	for (;;) {
		element = mempool_backend_alloc(pool, gfp_temp);
		if (element != 0) {
			pool->mp_st.allocs++;
			return element;
		}
		mempool_lock(pool);
		if (pool->mp_curr_nr > 0) {
			element = mempool_remove(pool);
			pool->mp_st.reserve_takes++;
			kml_charge(KML_COST_MEMPOOL_ELEM, 1);
			pool->mp_st.allocs++;
			mempool_unlock(pool);
			return element;
		}
		if (gfp_temp != gfp_mask) {
			/* the first round did without reclaim and I/O */
			mempool_unlock(pool);
			gfp_temp = gfp_mask;
			continue;
		}
		if (!gfpflags_allow_blocking(gfp_mask))
			break;
		pool->mp_st.waits++;
		if (kml_sleep(&pool->mp_wchan, &pool->mp_lock) == KML_EDEADLK) {
			gfp_format(gfp_asked, name, sizeof(name));
			mempool_error(pool, MEMPOOL_ERR_DEADLOCK, "mempool_alloc: "
			    "%s: reserve and back end empty and nothing can "
			    "free: %s", name, kml_last_deadlock());
			break;
		}
		mempool_unlock(pool);
	}
	pool->mp_st.fails++;
	mempool_unlock(pool);
	return 0;
}

void
mempool_free(vmem_addr_t element, mempool_t *pool)
{
	if (element == 0)
		return;
	if (pool->mp_st.frees == pool->mp_st.allocs ||
	    mempool_in_reserve(pool, element)) {
		mempool_lock(pool);
		if (pool->mp_st.frees == pool->mp_st.allocs)
			mempool_error(pool, MEMPOOL_ERR_NOTOUT, "mempool_free: %#"
			    PRIx64 ": no element of the pool is out", element);
		else
			mempool_error(pool, MEMPOOL_ERR_DUPFREE, "mempool_free: "
			    "%#" PRIx64 " is already in the reserve", element);
		mempool_unlock(pool);
		return;
	}
	if (pool->mp_curr_nr < pool->mp_min_nr) {
		mempool_lock(pool);
		if (pool->mp_curr_nr < pool->mp_min_nr) {
			mempool_add(pool, element);
			pool->mp_st.frees++;
			pool->mp_st.reserve_refills++;
			kml_charge(KML_COST_MEMPOOL_ELEM, 1);
			mempool_unlock(pool);
			kml_wakeup(&pool->mp_wchan);
			return;
		}
		mempool_unlock(pool);
	}
	pool->mp_st.frees++;
	pool->mp_st.backend_frees++;
	pool->mp_free(element, pool->mp_pool_data);
	kml_wakeup(&pool->mp_wchan);		/* they retry the back end */
}

int
mempool_resize(mempool_t *pool, int new_min_nr)
{
	vmem_addr_t *new_elements, element;
	bool added = false;

	if (new_min_nr <= 0 || kml_intr_p()) {
		mempool_lock(pool);
		if (new_min_nr <= 0)
			mempool_error(pool, MEMPOOL_ERR_RESIZE, "mempool_resize: "
			    "new_min_nr %d, must be > 0", new_min_nr);
		else
			mempool_error(pool, MEMPOOL_ERR_RESIZE, "mempool_resize: "
			    "in interrupt context");
		mempool_unlock(pool);
		return -EINVAL;
	}

	mempool_lock(pool);
	if (new_min_nr <= pool->mp_min_nr) {
		while (new_min_nr < pool->mp_curr_nr) {
			element = mempool_remove(pool);
			pool->mp_st.backend_frees++;
			mempool_unlock(pool);
			pool->mp_free(element, pool->mp_pool_data);
			mempool_lock(pool);
		}
		pool->mp_min_nr = new_min_nr;
		mempool_unlock(pool);
		return 0;
	}
	mempool_unlock(pool);

	new_elements = calloc((size_t)new_min_nr, sizeof(*new_elements));
	if (new_elements == NULL)
		return -ENOMEM;

	mempool_lock(pool);
	if (new_min_nr <= pool->mp_min_nr) {
		/* raced with another resize */
		mempool_unlock(pool);
		free(new_elements);
		return 0;
	}
	memcpy(new_elements, pool->mp_elements,
	    (size_t)pool->mp_curr_nr * sizeof(*new_elements));
	free(pool->mp_elements);
	pool->mp_elements = new_elements;
	pool->mp_nslots = new_min_nr;
	pool->mp_min_nr = new_min_nr;

	while (pool->mp_curr_nr < pool->mp_min_nr) {
		mempool_unlock(pool);
		element = mempool_backend_alloc(pool, GFP_KERNEL);
		if (element == 0)
			goto out;
		mempool_lock(pool);
		if (pool->mp_curr_nr < pool->mp_min_nr) {
			mempool_add(pool, element);
			added = true;
		} else {
			/* frees filled it meanwhile */
			pool->mp_st.backend_frees++;
			mempool_unlock(pool);
			pool->mp_free(element, pool->mp_pool_data);
			goto out;
		}
	}
	mempool_unlock(pool);
out:
	if (added)
		kml_wakeup(&pool->mp_wchan);
	return 0;
}

/* ---- back ends */

vmem_addr_t
mempool_alloc_slab(gfp_t gfp_mask, void *pool_data)
{
	return pool_cache_get((pool_cache_t)pool_data, gfp_pr_flags(gfp_mask));
}

void
mempool_free_slab(vmem_addr_t element, void *pool_data)
{
	pool_cache_put((pool_cache_t)pool_data, element);
}

vmem_addr_t
mempool_kmalloc(gfp_t gfp_mask, void *pool_data)
{
	size_t size = (size_t)(uintptr_t)pool_data;
	int flags = gfp_km_flags(gfp_mask);
	bool zero = (gfp_mask & __GFP_ZERO) != 0;

	if (kml_intr_p())
		return zero ? kmem_intr_zalloc(size, flags) :
		    kmem_intr_alloc(size, flags);
	return zero ? kmem_zalloc(size, flags) : kmem_alloc(size, flags);
}

void
mempool_kfree(vmem_addr_t element, void *pool_data)
{
	size_t size = (size_t)(uintptr_t)pool_data;

	if (kml_intr_p())
		kmem_intr_free(element, size);
	else
		kmem_free(element, size);
}

/* mempool_page_bytes: the bytes of an element of a page pool. */
static uint64_t
mempool_page_bytes(void *pool_data)
{
	return uvm_pagesize() << (uintptr_t)pool_data;
}

vmem_addr_t
mempool_alloc_pages(gfp_t gfp_mask, void *pool_data)
{
	uint64_t size = mempool_page_bytes(pool_data);

	return uvm_km_alloc(size, size, UVM_KMF_WIRED | gfp_uvm_flags(gfp_mask));
}

void
mempool_free_pages(vmem_addr_t element, void *pool_data)
{
	uvm_km_free(element, mempool_page_bytes(pool_data), UVM_KMF_WIRED);
}

mempool_t *
mempool_create_slab_pool(int min_nr, pool_cache_t pc)
{
	KML_ASSERTMSG(pc != NULL, "mempool_create_slab_pool: no cache");
	return mempool_create1(min_nr, mempool_alloc_slab, mempool_free_slab,
	    pc, pool_cache_name(pc));
}

mempool_t *
mempool_create_kmalloc_pool(int min_nr, size_t size)
{
	char name[MEMPOOL_NAME_MAX];

	KML_ASSERTMSG(size > 0, "mempool_create_kmalloc_pool: size 0");
	snprintf(name, sizeof(name), "kmalloc-%zu", size);
	return mempool_create1(min_nr, mempool_kmalloc, mempool_kfree,
	    (void *)(uintptr_t)size, name);
}

mempool_t *
mempool_create_page_pool(int min_nr, int order)
{
	char name[MEMPOOL_NAME_MAX];

	KML_ASSERTMSG(order >= 0 && order < 32 && uvm_pagesize() != 0,
	    "mempool_create_page_pool: order %d (is the page layer up?)", order);
	snprintf(name, sizeof(name), "pages-%d", order);
	return mempool_create1(min_nr, mempool_alloc_pages, mempool_free_pages,
	    (void *)(uintptr_t)order, name);
}

/* ---- inspection */

void
mempool_stats(mempool_t *pool, struct mempool_stats *st)
{
	mempool_lock(pool);
	*st = pool->mp_st;
	st->curr_nr = (uint64_t)pool->mp_curr_nr;
	st->min_nr = (uint64_t)pool->mp_min_nr;
	st->out = pool->mp_st.allocs - pool->mp_st.frees;
	st->waiters = pool->mp_wchan.wc_nwaiters;
	mempool_unlock(pool);
}

const char *
mempool_name(const mempool_t *pool)
{
	return pool->mp_name;
}

void
mempool_set_name(mempool_t *pool, const char *name)
{
	mempool_lock(pool);
	snprintf(pool->mp_name, sizeof(pool->mp_name), "%s", name);
	mempool_unlock(pool);
}

mempool_t *
mempool_first(void)
{
	return mempool_head;
}

mempool_t *
mempool_next(mempool_t *pool)
{
	return pool->mp_next;
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			return -1;					\
		}							\
	} while (0)

static int
mempool_addr_cmp(const void *a, const void *b)
{
	vmem_addr_t x = *(const vmem_addr_t *)a, y = *(const vmem_addr_t *)b;

	return x < y ? -1 : x > y;
}

/* mempool_check1: the invariants of section 1.  => lock held. */
static int
mempool_check1(mempool_t *pool, char *buf, size_t len)
{
	const struct mempool_stats *st = &pool->mp_st;
	int n = pool->mp_curr_nr;
	vmem_addr_t *sorted;

	CHECK(n >= 0 && n <= pool->mp_min_nr && pool->mp_min_nr <= pool->mp_nslots,
	    "curr_nr %d, min_nr %d, %d slots", n, pool->mp_min_nr,
	    pool->mp_nslots);
	for (int i = 0; i < n; i++)
		CHECK(pool->mp_elements[i] != 0, "reserve slot %d holds 0", i);
	CHECK(st->frees <= st->allocs && st->reserve_takes <= st->allocs &&
	    st->reserve_refills <= st->frees, "counters disagree: allocs %"
	    PRIu64 " frees %" PRIu64 " reserve_takes %" PRIu64
	    " reserve_refills %" PRIu64, st->allocs, st->frees,
	    st->reserve_takes, st->reserve_refills);
	CHECK(st->backend_allocs == st->backend_frees + (uint64_t)n +
	    (st->allocs - st->frees), "elements lost: back end gave %" PRIu64
	    ", took back %" PRIu64 ", %d in the reserve, %" PRIu64 " out",
	    st->backend_allocs, st->backend_frees, n, st->allocs - st->frees);
	if (n > 1 && (sorted = malloc((size_t)n * sizeof(*sorted))) != NULL) {
		memcpy(sorted, pool->mp_elements, (size_t)n * sizeof(*sorted));
		qsort(sorted, (size_t)n, sizeof(*sorted), mempool_addr_cmp);
		for (int i = 1; i < n; i++)
			if (sorted[i] == sorted[i - 1]) {
				snprintf(buf, len, "element %#" PRIx64 " is in "
				    "the reserve twice", sorted[i]);
				free(sorted);
				return -1;
			}
		free(sorted);
	}
	return 0;
}

int
mempool_check(mempool_t *pool, char *buf, size_t len)
{
	int error;

	kml_mutex_enter(&pool->mp_lock);
	error = mempool_check1(pool, buf, len);
	kml_mutex_exit(&pool->mp_lock);
	return error;
}
