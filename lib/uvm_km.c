/*
 * lib/uvm_km.c: the page layer (see kmemlab/uvm_km.h), after NetBSD's
 * uvm_km(9) and the pagedaemon.
 *
 * ---- 1. Physical memory
 *
 * Physical memory is a count: up_physpages pages, of which freepages are
 * free.  Pages are taken by two users, each counted apart:
 *   wiredpages  pages backing wired kernel memory: each
 *               uvm_km_alloc(UVM_KMF_WIRED) takes exactly the pages of its
 *               (page-rounded) size, and uvm_km_free gives them back (the
 *               pools' pages come this way);
 *   rawpages    pages taken by uvm_pages_alloc (page events of traces);
 * and the invariant is  freepages + wiredpages + rawpages == physpages.
 * Pageable kernel memory (UVM_KMF_PAGEABLE) takes address space only and is
 * counted in bytes.
 *
 * ---- 2. Address space
 *
 * kmem_arena is the kernel address space [up_kva_base, +up_kva_size) with a
 * page quantum.  kmem_va_arena starts empty and imports address space from
 * it, as in NetBSD; physical pages are taken per allocation, for exactly
 * what is allocated, as NetBSD's uvm_km_kmem_alloc does after its
 * vmem_alloc.  So an aligned allocation, whose import is enlarged by the
 * alignment, costs address space for the slack but no physical page.  The
 * import quantum is one page, so a span is released as soon as it is
 * wholly free.
 * Its quantum caches (up_va_qcache_max) serve vmem_alloc of small page
 * multiples; uvm_km_alloc itself uses vmem_xalloc, which bypasses them.
 * The page layer registers a reclaimer at UVM_RECLAIM_QCACHE that empties
 * them and gives their free slabs back.
 *
 * Pageable memory comes from a third arena, kmem_pageable_arena (NetBSD's
 * kernel_map plays this part), which imports address space from
 * kmem_arena without pages.  Keeping it apart means a free with the wrong
 * type flag is always told apart: each arena only knows its own
 * allocations, and reports the others as not allocated.
 *
 * ---- 3. Shortage, the pagedaemon and sleeping
 *
 * Every arena call is VM_NOSLEEP: a shortage comes back here, where it is
 * handled in one place.  uvm_km_alloc and uvm_pages_alloc first try; on a
 * shortage they run the pagedaemon with a target (the high-water mark, or
 * more if the request needs more), try again, and then, unless
 * UVM_KMF_NOWAIT, sleep on the page layer's wait channel ("memwait") and
 * retry after a wakeup.  The pagedaemon calls the registered reclaimers in
 * ascending order (UVM_RECLAIM_DRAIN_HOOKS, _CACHE_TRIM, _CACHE_INVAL,
 * _QCACHE, _IDLE_PAGES), each with the number of pages still wanted,
 * stopping as soon as free pages reach the target, and then wakes every
 * sleeper.  Reclaimers run with the page layer's lock released (they give
 * pages back through it); a reclaimer that recurses into the pagedaemon
 * finds it running and returns at once.  A sleep that the environment
 * proves endless (always, in the uniprocessor environment) is reported as
 * a deadlock on stderr and the request fails.
 *
 * ---- 4. Locking
 *
 * uvm.lock protects the page counts, the statistics and the reclaimer
 * list.  It is never held across a call into an arena or a reclaimer.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/report.h>
#include <kmemlab/uvm_km.h>

#include "bits.h"

vmem_t *kmem_arena;
vmem_t *kmem_va_arena;
vmem_t *kmem_pageable_arena;		/* pageable memory, see section 2 */

static struct {
	bool up;			/* uvm_init done */
	struct uvm_params p;
	struct kml_mutex lock;		/* protects everything below */
	struct kml_wchan memwait;	/* threads waiting for memory */
	uint64_t freepages, wiredpages, rawpages, pageable;
	struct uvm_reclaimer *reclaimers; /* ascending ur_order */
	bool in_pagedaemon;
	struct uvm_stats st;		/* counters; gauges filled by uvm_stats */
	struct kml_report report;
} uvm;

const struct kml_statdesc uvm_statdesc[] = {
	KML_STAT(struct uvm_stats, physpages, KML_UNIT_COUNT, "pages of physical memory"),
	KML_STAT(struct uvm_stats, freepages, KML_UNIT_COUNT, "free physical pages"),
	KML_STAT(struct uvm_stats, wiredpages, KML_UNIT_COUNT, "pages backing wired kernel memory"),
	KML_STAT(struct uvm_stats, rawpages, KML_UNIT_COUNT, "pages taken by uvm_pages_alloc"),
	KML_STAT(struct uvm_stats, pageable, KML_UNIT_BYTES, "pageable kernel memory"),
	KML_STAT(struct uvm_stats, lowat, KML_UNIT_COUNT, "pagedaemon low-water mark, pages"),
	KML_STAT(struct uvm_stats, hiwat, KML_UNIT_COUNT, "pagedaemon high-water mark, pages"),
	KML_STAT(struct uvm_stats, waiters, KML_UNIT_COUNT, "threads sleeping for memory"),
	KML_STAT(struct uvm_stats, km_allocs, KML_UNIT_COUNT, "successful uvm_km_alloc"),
	KML_STAT(struct uvm_stats, km_frees, KML_UNIT_COUNT, "uvm_km_free calls"),
	KML_STAT(struct uvm_stats, km_fails, KML_UNIT_COUNT, "failed uvm_km_alloc"),
	KML_STAT(struct uvm_stats, page_allocs, KML_UNIT_COUNT, "pages taken"),
	KML_STAT(struct uvm_stats, page_frees, KML_UNIT_COUNT, "pages given back"),
	KML_STAT(struct uvm_stats, page_fails, KML_UNIT_COUNT, "page requests that failed"),
	KML_STAT(struct uvm_stats, waits, KML_UNIT_COUNT, "sleeps for memory"),
	KML_STAT(struct uvm_stats, pagedaemon_runs, KML_UNIT_COUNT, "pagedaemon runs that reclaimed"),
	KML_STAT(struct uvm_stats, reclaimed, KML_UNIT_COUNT, "pages reclaimed by the pagedaemon"),
	KML_STAT(struct uvm_stats, errors, KML_UNIT_COUNT, "reported misuses and deadlocks"),
};
const size_t uvm_nstatdesc = sizeof(uvm_statdesc) / sizeof(uvm_statdesc[0]);

/* uvm_unlock: release the lock, then print a pending report. */
static void
uvm_unlock(void)
{
	struct kml_report_entry e;
	kml_mutex_exit(&uvm.lock);
	while (kml_report_take(&uvm.report, &e))
		fprintf(stderr, "uvm: %s\n", e.re_msg);
}

/* ---- parameters */

void
uvm_params_default(struct uvm_params *p)
{
	memset(p, 0, sizeof(*p));
	p->up_physpages = 262144;
	p->up_pagesize = 4096;
	p->up_kva_base = UINT64_C(0xffff800000000000);
	p->up_kva_size = UINT64_C(64) << 30;
}

/* uvm_params_derive: fill in the parameters left 0. */
static void
uvm_params_derive(struct uvm_params *p)
{
	if (p->up_lowat == 0) {
		p->up_lowat = p->up_physpages / 64;
		if (p->up_lowat < 16)
			p->up_lowat = 16;
		if (p->up_lowat > p->up_physpages / 4)
			p->up_lowat = p->up_physpages / 4;
	}
	if (p->up_hiwat == 0) {
		p->up_hiwat = 2 * p->up_lowat;
		if (p->up_hiwat > p->up_physpages)
			p->up_hiwat = p->up_physpages;
	}
	if (p->up_va_qcache_max == 0)
		p->up_va_qcache_max = 8 * p->up_pagesize;
}

static int
uvm_params_check(const struct uvm_params *p)
{
	const char *bad = NULL;

	if (!kml_ispow2(p->up_pagesize) || p->up_pagesize < 512)
		bad = "page size is not a power of two of at least 512";
	else if (p->up_physpages == 0)
		bad = "physical memory is empty";
	else if (p->up_hiwat < p->up_lowat || p->up_hiwat > p->up_physpages)
		bad = "high-water mark is below the low-water mark or above physical memory";
	else if (p->up_kva_size == 0 || (p->up_kva_size & (p->up_pagesize - 1)) ||
	    (p->up_kva_base & (p->up_pagesize - 1)) ||
	    p->up_kva_base + p->up_kva_size - 1 < p->up_kva_base)
		bad = "kernel address space is empty, unaligned or wraps";
	else if (p->up_va_qcache_max & (p->up_pagesize - 1))
		bad = "va qcache_max is not a multiple of the page size";
	if (bad == NULL)
		return 0;
	fprintf(stderr, "uvm: uvm_init: %s\n", bad);
	return EINVAL;
}

/* ---- physical pages */

/*
 * uvm_pages_take: take n pages without sleeping or reclaiming.
 * => returns true, or false (nothing taken).
 */
static bool
uvm_pages_take(uint64_t n, bool wired)
{
	bool ok;

	kml_mutex_enter(&uvm.lock);
	ok = uvm.freepages >= n;
	if (ok) {
		uvm.freepages -= n;
		if (wired)
			uvm.wiredpages += n;
		else
			uvm.rawpages += n;
		uvm.st.page_allocs += n;
		kml_charge(KML_COST_PAGE, n);
	} else {
		uvm.st.page_fails++;
	}
	uvm_unlock();
	return ok;
}

/* uvm_pages_give: give n pages back and wake sleepers. */
static void
uvm_pages_give(uint64_t n, bool wired)
{
	kml_mutex_enter(&uvm.lock);
	KML_ASSERTMSG(n <= (wired ? uvm.wiredpages : uvm.rawpages),
	    "uvm: giving back %" PRIu64 " %s pages, only %" PRIu64 " taken", n,
	    wired ? "wired" : "raw", wired ? uvm.wiredpages : uvm.rawpages);
	uvm.freepages += n;
	if (wired)
		uvm.wiredpages -= n;
	else
		uvm.rawpages -= n;
	uvm.st.page_frees += n;
	kml_charge(KML_COST_PAGE, n);
	kml_wakeup(&uvm.memwait);
	uvm_unlock();
}

/* ---- the pagedaemon */

/*
 * uvm_reclaim: call the reclaimers in order until free pages reach target.
 * => returns the pages reclaimed; 0 if the pagedaemon is already running.
 */
static uint64_t
uvm_reclaim(uint64_t target)
{
	uint64_t got = 0, before, now;

	kml_mutex_enter(&uvm.lock);
	if (uvm.in_pagedaemon || uvm.freepages >= target) {
		uvm_unlock();
		return 0;
	}
	uvm.in_pagedaemon = true;
	for (struct uvm_reclaimer *r = uvm.reclaimers; r != NULL; r = r->ur_next) {
		if (uvm.freepages >= target)
			break;
		before = uvm.freepages;
		r->ur_calls++;
		uvm_unlock();
		r->ur_fn(r->ur_arg, target - before);
		kml_mutex_enter(&uvm.lock);
		now = uvm.freepages;
		if (now > before) {
			r->ur_pages += now - before;
			got += now - before;
		}
	}
	uvm.in_pagedaemon = false;
	if (got != 0) {
		uvm.st.pagedaemon_runs++;
		uvm.st.reclaimed += got;
	}
	kml_wakeup(&uvm.memwait);
	uvm_unlock();
	return got;
}

uint64_t
uvm_pagedaemon(void)
{
	if (!uvm.up || uvm.freepages >= uvm.p.up_lowat)
		return 0;
	return uvm_reclaim(uvm.p.up_hiwat);
}

void
uvm_reclaimer_register(struct uvm_reclaimer *r)
{
	struct uvm_reclaimer **pp;

	KML_ASSERT(r->ur_fn != NULL);
	kml_mutex_enter(&uvm.lock);
	for (pp = &uvm.reclaimers; *pp != NULL; pp = &(*pp)->ur_next) {
		KML_ASSERTMSG(*pp != r, "reclaimer \"%s\" registered twice",
		    r->ur_name);
		if ((*pp)->ur_order > r->ur_order)
			break;
	}
	r->ur_next = *pp;
	*pp = r;
	r->ur_calls = r->ur_pages = 0;
	uvm_unlock();
}

void
uvm_reclaimer_unregister(struct uvm_reclaimer *r)
{
	struct uvm_reclaimer **pp;

	kml_mutex_enter(&uvm.lock);
	for (pp = &uvm.reclaimers; *pp != r; pp = &(*pp)->ur_next)
		KML_ASSERTMSG(*pp != NULL, "reclaimer \"%s\" is not registered",
		    r->ur_name);
	*pp = r->ur_next;
	r->ur_next = NULL;
	uvm_unlock();
}

/*
 * uvm_wait: a request for npages could not be met.  Reclaim, and unless
 * nowait, sleep for memory.
 * => returns 0 to retry, or ENOMEM to fail (a deadlock is reported,
 *    naming the request as "WHAT of AMOUNT UNIT").
 */
static int
uvm_wait(uint64_t npages, bool nowait, bool reclaimed, const char *what,
    uint64_t amount, const char *unit)
{
	uint64_t target = uvm.p.up_hiwat;

	if (!reclaimed) {
		if (target - uvm.p.up_lowat < npages)
			target = uvm.p.up_lowat + npages;
		if (target > uvm.p.up_physpages)
			target = uvm.p.up_physpages;
		uvm_reclaim(target);
		return 0;
	}
	if (nowait)
		return ENOMEM;
	kml_mutex_enter(&uvm.lock);
	uvm.st.waits++;
	if (kml_sleep(&uvm.memwait, &uvm.lock) == KML_EDEADLK) {
		kml_report(&uvm.report, "page layer", "memwait", 1,
		    "%s of %" PRIu64 " %s cannot be satisfied: %s", what,
		    amount, unit, kml_last_deadlock());
		uvm.st.errors++;
		uvm_unlock();
		return ENOMEM;
	}
	uvm_unlock();
	return 0;
}

int
uvm_pages_alloc(uint64_t npages, int flags)
{
	bool reclaimed = false;

	KML_ASSERT(uvm.up);
	if (npages == 0)
		return 0;
	for (;;) {
		if (uvm_pages_take(npages, false))
			return 0;
		if (uvm_wait(npages, flags & UVM_KMF_NOWAIT, reclaimed,
		    "uvm_pages_alloc", npages, "pages") != 0)
			return ENOMEM;
		reclaimed = !reclaimed;
	}
}

void
uvm_pages_free(uint64_t npages)
{
	if (npages != 0)
		uvm_pages_give(npages, false);
}

/* ---- kernel memory */

uint64_t
uvm_pagesize(void)
{
	return uvm.up ? uvm.p.up_pagesize : 0;
}

vmem_addr_t
uvm_km_alloc(uint64_t size, uint64_t align, int flags)
{
	uint64_t pgsz = uvm.p.up_pagesize;
	int type = flags & UVM_KMF_TYPEMASK;
	bool reclaimed = false;
	vmem_addr_t va;

	KML_ASSERT(uvm.up);
	if ((type != UVM_KMF_WIRED && type != UVM_KMF_PAGEABLE) ||
	    (flags & ~(UVM_KMF_TYPEMASK | UVM_KMF_NOWAIT | UVM_KMF_ZERO)) ||
	    size == 0 || size > UINT64_MAX - pgsz ||
	    (align != 0 && !kml_ispow2(align))) {
		kml_mutex_enter(&uvm.lock);
		kml_report(&uvm.report, "page layer", "uvm_km", EINVAL,
		    "uvm_km_alloc: bad request: size %#" PRIx64 " align %#"
		    PRIx64 " flags %#x", size, align, flags);
		uvm.st.errors++;
		uvm.st.km_fails++;
		uvm_unlock();
		return 0;
	}
	size = (size + pgsz - 1) & ~(pgsz - 1);
	if (align < pgsz)
		align = pgsz;
	for (;;) {
		vmem_t *vm = type == UVM_KMF_WIRED ? kmem_va_arena :
		    kmem_pageable_arena;

		if (vmem_xalloc(vm, size, align, 0, 0, VMEM_ADDR_MIN,
		    VMEM_ADDR_MAX, VM_NOSLEEP | VM_INSTANTFIT, &va) == 0) {
			if (type == UVM_KMF_PAGEABLE ||
			    uvm_pages_take(size / pgsz, true))
				break;
			vmem_xfree(vm, va, size);	/* no pages: wait below */
		}
		if (uvm_wait(type == UVM_KMF_WIRED ? size / pgsz : 0,
		    flags & UVM_KMF_NOWAIT, reclaimed, "uvm_km_alloc", size,
		    "bytes") != 0) {
			kml_mutex_enter(&uvm.lock);
			uvm.st.km_fails++;
			uvm_unlock();
			return 0;
		}
		reclaimed = !reclaimed;
	}
	kml_mutex_enter(&uvm.lock);
	uvm.st.km_allocs++;
	if (type == UVM_KMF_PAGEABLE)
		uvm.pageable += size;
	uvm_unlock();
	return va;
}

void
uvm_km_free(vmem_addr_t va, uint64_t size, int flags)
{
	uint64_t pgsz = uvm.p.up_pagesize, before;
	int type = flags & UVM_KMF_TYPEMASK;
	vmem_t *vm;

	KML_ASSERT(uvm.up);
	if (type != UVM_KMF_WIRED && type != UVM_KMF_PAGEABLE) {
		kml_mutex_enter(&uvm.lock);
		kml_report(&uvm.report, "page layer", "uvm_km", EINVAL,
		    "uvm_km_free: flags %#x name no memory type", flags);
		uvm.st.errors++;
		uvm_unlock();
		return;
	}
	size = (size + pgsz - 1) & ~(pgsz - 1);
	vm = type == UVM_KMF_WIRED ? kmem_va_arena : kmem_pageable_arena;
	before = vmem_size(vm, VMEM_ALLOC);
	vmem_xfree(vm, va, size);	/* misuse is reported by vmem */
	kml_mutex_enter(&uvm.lock);
	uvm.st.km_frees++;
	if (vmem_size(vm, VMEM_ALLOC) != before) {
		if (type == UVM_KMF_PAGEABLE)
			uvm.pageable -= size;
		kml_wakeup(&uvm.memwait);
	} else {
		uvm.st.errors++;
		type = 0;		/* misuse: nothing to give back */
	}
	uvm_unlock();
	if (type == UVM_KMF_WIRED)
		uvm_pages_give(size / pgsz, true);
}

/* kmem_va_arena's quantum caches, emptied at UVM_RECLAIM_QCACHE. */
static uint64_t
uvm_reclaim_qcache(void *arg, uint64_t want)
{
	(void)arg;
	(void)want;
	vmem_qcache_reclaim(kmem_va_arena);
	return 0;
}

static struct uvm_reclaimer uvm_qcache_reclaimer = {
	.ur_name = "kmem_va_arena quantum caches", .ur_order = UVM_RECLAIM_QCACHE,
	.ur_fn = uvm_reclaim_qcache,
};

/* ---- set-up and tear-down */

int
uvm_init(const struct uvm_params *p)
{
	struct uvm_params def;
	int error;

	KML_ASSERTMSG(!uvm.up, "uvm_init: the page layer is already set up");
	if (p == NULL)
		uvm_params_default(&def);
	else
		def = *p;
	p = &def;
	if (!kml_ispow2(p->up_pagesize) || p->up_pagesize < 512 ||
	    p->up_physpages == 0)
		return uvm_params_check(p);
	uvm_params_derive(&def);
	if ((error = uvm_params_check(p)) != 0)
		return error;
	memset(&uvm.st, 0, sizeof(uvm.st));
	memset(&uvm.report, 0, sizeof(uvm.report));
	uvm.p = *p;
	kml_mutex_init(&uvm.lock, "uvm");
	kml_wchan_init(&uvm.memwait, "memwait");
	uvm.freepages = p->up_physpages;
	uvm.wiredpages = uvm.rawpages = uvm.pageable = 0;
	uvm.reclaimers = NULL;
	uvm.in_pagedaemon = false;
	kmem_arena = vmem_create("kmem_arena", p->up_kva_base, p->up_kva_size,
	    p->up_pagesize, 0, VM_SLEEP);
	kmem_va_arena = vmem_create("kmem_va_arena", 0, 0, p->up_pagesize,
	    p->up_va_qcache_max, VM_SLEEP);
	kmem_pageable_arena = vmem_create("kmem_pageable_arena", 0, 0,
	    p->up_pagesize, 0, VM_SLEEP);
	if (kmem_arena == NULL || kmem_va_arena == NULL ||
	    kmem_pageable_arena == NULL ||
	    vmem_set_import(kmem_va_arena, vmem_arena_import, vmem_arena_release,
	    kmem_arena, p->up_pagesize) != 0 ||
	    vmem_set_import(kmem_pageable_arena, vmem_arena_import,
	    vmem_arena_release, kmem_arena, p->up_pagesize) != 0) {
		if (kmem_pageable_arena != NULL)
			vmem_destroy(kmem_pageable_arena);
		if (kmem_va_arena != NULL)
			vmem_destroy(kmem_va_arena);
		if (kmem_arena != NULL)
			vmem_destroy(kmem_arena);
		kmem_arena = kmem_va_arena = kmem_pageable_arena = NULL;
		return ENOMEM;
	}
	uvm.up = true;
	uvm_reclaimer_register(&uvm_qcache_reclaimer);
	return 0;
}

void
uvm_fini(void)
{
	KML_ASSERT(uvm.up);
	KML_ASSERTMSG(uvm.memwait.wc_nwaiters == 0, "uvm_fini: %u threads "
	    "sleeping for memory", uvm.memwait.wc_nwaiters);
	uvm_reclaimer_unregister(&uvm_qcache_reclaimer);
	vmem_qcache_reclaim(kmem_va_arena);
	if (uvm.rawpages != 0 || uvm.pageable != 0 ||
	    vmem_size(kmem_va_arena, VMEM_ALLOC) != 0)
		fprintf(stderr, "uvm: uvm_fini: still allocated: %" PRIu64
		    " wired bytes, %" PRIu64 " pageable bytes, %" PRIu64
		    " raw pages\n", vmem_size(kmem_va_arena, VMEM_ALLOC),
		    uvm.pageable, uvm.rawpages);
	/* destroying kmem_va_arena destroys its quantum caches' pools */
	vmem_destroy(kmem_va_arena);
	vmem_destroy(kmem_pageable_arena);
	vmem_destroy(kmem_arena);
	kmem_arena = kmem_va_arena = kmem_pageable_arena = NULL;
	KML_ASSERTMSG(uvm.reclaimers == NULL, "uvm_fini: reclaimer \"%s\" "
	    "still registered", uvm.reclaimers->ur_name);
	kml_mutex_destroy(&uvm.lock);
	uvm.up = false;
}

void
uvm_stats(struct uvm_stats *st)
{
	kml_mutex_enter(&uvm.lock);
	*st = uvm.st;
	st->physpages = uvm.p.up_physpages;
	st->freepages = uvm.freepages;
	st->wiredpages = uvm.wiredpages;
	st->rawpages = uvm.rawpages;
	st->pageable = uvm.pageable;
	st->lowat = uvm.p.up_lowat;
	st->hiwat = uvm.p.up_hiwat;
	st->waiters = uvm.memwait.wc_nwaiters;
	uvm_unlock();
}

void
uvm_lockstat(struct kml_lockstat *ls)
{
	*ls = uvm.lock.m_stat;
}
