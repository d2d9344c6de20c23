/*
 * lib/pool.c: fixed-size item pools (see kmemlab/pool.h), after NetBSD's
 * pool(9) and subr_pool.c.
 *
 * ---- 1. Pages and items
 *
 * A pool carves pages of pr_pagesz bytes, obtained from its back-end
 * allocator and aligned to pr_pagesz, into items of pr_size bytes (the
 * requested size rounded up to the alignment).  Within a page, item i is
 * at   page + ph_off + i * pr_size,   where ph_off is the first offset at
 * or after the in-page header (if any) that satisfies
 * (addr + ioff) % align == 0, plus the page's colour.
 *
 * Page header.  Each page has a header (struct pool_item_header) with its
 * free-item bitmap.  The header is always process memory, found from a
 * page address through a hash table (pr_phhash); "in the page" is
 * accounting: an in-page header takes POOL_PHSIZE bytes at the start of
 * the page, so fewer items fit.  The rule is NetBSD's: in the page when
 * the item is smaller than min(pagesize / 16, 8 * POOL_PHSIZE), or when
 * the header wastes no item (pagesize / size == (pagesize - PHSIZE) /
 * size); off the page with PR_NOTOUCH or PR_NOALIGN; in with PR_PHINPAGE.
 *
 * Colouring.  The bytes left over in a page after the items (the slack)
 * are used to shift successive pages' first items by multiples of the
 * alignment, 0, align, 2 align, ... up to the slack, then 0 again, so
 * that items of different pages do not all compete for the same cache
 * lines (Bonwick's slab colouring, as in NetBSD).
 *
 * ---- 2. Page lists
 *
 * Every page is on exactly one of three lists: empty (no item out),
 * partial (some out, some free), full (every item out).  pool_get takes
 * from a partial page first, then an empty one, and only then asks the
 * back end for a new page; so memory is packed and empty pages can be
 * given back.  Invariants (pool_check):
 *   (1) a page's bitmap has exactly itemsperpage - nmissing bits set, and
 *       the page is on the list its nmissing says;
 *   (2) avail + inuse == npages * itemsperpage;
 *   (3) the hash holds exactly the pages on the lists;
 *   (4) nidle == the length of the empty list.
 *
 * ---- 3. Limits
 *
 * Low-water mark (pool_setlowat): minitems free items are kept, and the
 * pages for them (minpages) are never given back.  High-water mark
 * (pool_sethiwat): when a page becomes empty while the pool holds more
 * than maxpages pages (and more than minpages), it is given back at once.
 * Hard limit (pool_sethardlimit): at most hardlimit items out; a request
 * at the limit reports the warning message (at most once per ratecap of
 * virtual time), calls the drain hook, and then fails (PR_NOWAIT,
 * PR_LIMITFAIL) or sleeps until a pool_put (PR_WAITOK).
 *
 * ---- 4. Reclaiming
 *
 * An empty page records when it became empty.  pool_reclaim gives back
 * the empty pages idle for at least the idle interval (pool_set_idle,
 * default POOL_IDLE_NS), keeping minpages.  pool_drain calls every pool's
 * drain hook and reclaims.  The pagedaemon's reclaimer is starved: it
 * frees every empty page beyond minpages, idle or not.  The module
 * registers two reclaimers with the
 * page layer when a pool is created while the page layer is up and they
 * are not registered yet, and unregisters them with the last pool: the
 * drain hooks at UVM_RECLAIM_DRAIN_HOOKS and the idle pages at
 * UVM_RECLAIM_IDLE_PAGES.
 *
 * ---- 5. Locking, sleeping, errors
 *
 * pr_lock protects the pool; it is released around calls to the back end
 * and to the drain hook.  PR_WAITOK sleeps on pr_wchan with pr_lock as the
 * interlock; pool_put wakes it.  A sleep the environment proves endless is
 * reported as POOL_ERR_DEADLOCK and the request fails.  Misuse is
 * reported through pool_error (kmemlab/report.h) and changes nothing.
 * With --enable-sanity, pool_unlock runs pool_check.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/pool.h>
#include <kmemlab/report.h>
#include <kmemlab/uvm_km.h>

#include "bits.h"

#define POOL_PHSIZE	64			/* bytes of an in-page header */
#define POOL_DEFALIGN	8			/* alignment when 0 is given */
#define POOL_IDLE_NS	UINT64_C(1000000000)	/* reclaimable after 1 s idle */
#define POOL_HASH_MIN	16			/* page hash buckets, at least */
#define POOL_BIG_BASE	8192			/* smallest big page */
#define POOL_NBIG	16			/* big pages up to 256 MiB */

enum { PH_EMPTY, PH_PART, PH_FULL };

struct pool_item_header {
	struct pool_item_header *ph_next;	/* page list */
	struct pool_item_header **ph_prevp;
	struct pool_item_header *ph_hnext;	/* hash chain */
	vmem_addr_t ph_page;			/* page address */
	uint64_t ph_off;			/* offset of item 0, colour included */
	uint64_t ph_nmissing;			/* items out */
	kml_vtime_t ph_time;			/* when it last became empty */
	int ph_list;				/* PH_EMPTY, PH_PART or PH_FULL */
	uint64_t ph_bitmap[];			/* bit set: item free */
};

const struct kml_statdesc pool_statdesc[] = {
	KML_STAT(struct pool_stats, size, KML_UNIT_BYTES, "item size"),
	KML_STAT(struct pool_stats, nget, KML_UNIT_COUNT, "successful pool_get (Requests)"),
	KML_STAT(struct pool_stats, nfail, KML_UNIT_COUNT, "pool_get that failed (Fail)"),
	KML_STAT(struct pool_stats, nput, KML_UNIT_COUNT, "successful pool_put (Releases)"),
	KML_STAT(struct pool_stats, inuse, KML_UNIT_COUNT, "items out (InUse)"),
	KML_STAT(struct pool_stats, avail, KML_UNIT_COUNT, "free items on the pool's pages (Avail)"),
	KML_STAT(struct pool_stats, npagealloc, KML_UNIT_COUNT, "pages taken from the back end (Pgreq)"),
	KML_STAT(struct pool_stats, npagefree, KML_UNIT_COUNT, "pages given back (Pgrel)"),
	KML_STAT(struct pool_stats, npages, KML_UNIT_COUNT, "pages now (Npage)"),
	KML_STAT(struct pool_stats, hiwat, KML_UNIT_COUNT, "most pages ever held (Hiwat)"),
	KML_STAT(struct pool_stats, minpages, KML_UNIT_COUNT, "pages kept (Minpg)"),
	KML_STAT(struct pool_stats, maxpages, KML_UNIT_COUNT, "empty pages beyond this are freed (Maxpg)"),
	KML_STAT(struct pool_stats, nidle, KML_UNIT_COUNT, "pages with no item out (Idle)"),
	KML_STAT(struct pool_stats, itemsperpage, KML_UNIT_COUNT, "items per page"),
	KML_STAT(struct pool_stats, pagesize, KML_UNIT_BYTES, "page size"),
	KML_STAT(struct pool_stats, hardlimit, KML_UNIT_COUNT, "most items out at once (0: none)"),
	KML_STAT(struct pool_stats, utilization, KML_UNIT_COUNT, "items out, per mille of page bytes"),
	KML_STAT(struct pool_stats, waits, KML_UNIT_COUNT, "pool_get that slept"),
	KML_STAT(struct pool_stats, limit_hits, KML_UNIT_COUNT, "pool_get at the hard limit"),
	KML_STAT(struct pool_stats, drains, KML_UNIT_COUNT, "drain hook calls"),
	KML_STAT(struct pool_stats, errors, KML_UNIT_COUNT, "reported misuses"),
};
const size_t pool_nstatdesc = sizeof(pool_statdesc) / sizeof(pool_statdesc[0]);

static struct pool *pool_head;		/* every pool, pool_init order */
static unsigned pool_count;
static pool_error_handler_t *pool_default_errfn;
static void *pool_default_errarg;
static bool pool_reclaimers_on;
static int pool_check1(struct pool *, char *, size_t);

/* ---- errors */

static const char *const pool_errnames[POOL_ERR_NERRORS] = {
	[POOL_ERR_NONE] = "no error",
	[POOL_ERR_BADADDR] = "bad address",
	[POOL_ERR_DUPFREE] = "duplicate free",
	[POOL_ERR_BUSY] = "pool busy",
	[POOL_ERR_FLAGS] = "bad flags",
	[POOL_ERR_DEADLOCK] = "deadlock",
	[POOL_ERR_LIMIT] = "hard limit reached",
};

const char *
pool_strerror(enum pool_error err)
{
	return (unsigned)err < POOL_ERR_NERRORS ? pool_errnames[err] :
	    "unknown error";
}

static void
pool_stderr_handler(void *arg, struct pool *pp, enum pool_error err,
    const char *msg)
{
	(void)arg;
	(void)pp;
	(void)err;
	fprintf(stderr, "pool: %s\n", msg);
}

#define pool_error(pp, err, ...)					\
	do {								\
		kml_report(&(pp)->pr_report, "pool", (pp)->pr_name,	\
		    (err), __VA_ARGS__);				\
		if ((err) != POOL_ERR_LIMIT)				\
			(pp)->pr_st.errors++;				\
	} while (0)

void
pool_set_error_handler(struct pool *pp, pool_error_handler_t *fn, void *arg)
{
	pp->pr_errfn = fn != NULL ? fn : pool_stderr_handler;
	pp->pr_errarg = fn != NULL ? arg : NULL;
}

void
pool_set_default_error_handler(pool_error_handler_t *fn, void *arg)
{
	pool_default_errfn = fn;
	pool_default_errarg = arg;
}

enum pool_error
pool_last_error(const struct pool *pp, const char **msgp)
{
	if (msgp != NULL)
		*msgp = pp->pr_report.rp_lastmsg;
	return pp->pr_report.rp_lasterr;
}

static void
pool_lock(struct pool *pp)
{
	kml_mutex_enter(&pp->pr_lock);
}

/* pool_unlock: release the lock, then deliver a pending report. */
static void
pool_unlock(struct pool *pp)
{
	struct kml_report_entry e;
#ifdef KML_SANITY
	char why[256];

	if (pool_check1(pp, why, sizeof(why)) != 0)
		kml_panic("pool_check: pool \"%s\": %s", pp->pr_name, why);
#endif
	kml_mutex_exit(&pp->pr_lock);
	while (kml_report_take(&pp->pr_report, &e))
		pp->pr_errfn(pp->pr_errarg, pp, e.re_err, e.re_msg);
}

/* ---- back-end allocators */

static vmem_addr_t
pool_page_alloc_kmem(struct pool *pp, int flags)
{
	return uvm_km_alloc(pp->pr_pagesz, pp->pr_pagesz, UVM_KMF_WIRED |
	    ((flags & PR_NOWAIT) ? UVM_KMF_NOWAIT : 0));
}

static void
pool_page_free_kmem(struct pool *pp, vmem_addr_t page)
{
	uvm_km_free(page, pp->pr_pagesz, UVM_KMF_WIRED);
}

struct pool_allocator pool_allocator_kmem = {
	.pa_alloc = pool_page_alloc_kmem,
	.pa_free = pool_page_free_kmem,
	.pa_pagesz = 0,
	.pa_name = "kmem",
};

/* Big pages: POOL_BIG_BASE << i bytes, for items that need more than a page. */
static struct pool_allocator pool_allocator_big[POOL_NBIG];

static struct pool_allocator *
pool_big_allocator(unsigned i)
{
	struct pool_allocator *pa = &pool_allocator_big[i];

	if (pa->pa_alloc == NULL) {
		pa->pa_alloc = pool_page_alloc_kmem;
		pa->pa_free = pool_page_free_kmem;
		pa->pa_pagesz = (uint64_t)POOL_BIG_BASE << i;
		pa->pa_name = "kmem-big";
	}
	return pa;
}

/* ---- page lists and the page hash */

static struct pool_pagelist *
pool_list(struct pool *pp, int which)
{
	return which == PH_EMPTY ? &pp->pr_emptypages :
	    which == PH_PART ? &pp->pr_partpages : &pp->pr_fullpages;
}

static void
ph_insert(struct pool *pp, struct pool_item_header *ph, int which)
{
	struct pool_pagelist *pl = pool_list(pp, which);

	ph->ph_list = which;
	ph->ph_next = pl->pl_first;
	if (pl->pl_first != NULL)
		pl->pl_first->ph_prevp = &ph->ph_next;
	pl->pl_first = ph;
	ph->ph_prevp = &pl->pl_first;
	pl->pl_count++;
	if (which == PH_EMPTY)
		pp->pr_st.nidle++;
}

static void
ph_remove(struct pool *pp, struct pool_item_header *ph)
{
	if (ph->ph_next != NULL)
		ph->ph_next->ph_prevp = ph->ph_prevp;
	*ph->ph_prevp = ph->ph_next;
	pool_list(pp, ph->ph_list)->pl_count--;
	if (ph->ph_list == PH_EMPTY)
		pp->pr_st.nidle--;
}

/* ph_relist: put ph on the list its nmissing calls for. */
static void
ph_relist(struct pool *pp, struct pool_item_header *ph)
{
	int which = ph->ph_nmissing == 0 ? PH_EMPTY :
	    ph->ph_nmissing == pp->pr_itemsperpage ? PH_FULL : PH_PART;

	if (which == ph->ph_list)
		return;
	ph_remove(pp, ph);
	ph_insert(pp, ph, which);
}

static inline size_t
pool_phhash(const struct pool *pp, vmem_addr_t page)
{
	uint64_t h = (page / pp->pr_pagesz) * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> (64 - kml_log2(pp->pr_phhashsize)));
}

static struct pool_item_header *
ph_lookup(const struct pool *pp, vmem_addr_t page)
{
	struct pool_item_header *ph;

	for (ph = pp->pr_phhash[pool_phhash(pp, page)]; ph != NULL; ph = ph->ph_hnext)
		if (ph->ph_page == page)
			break;
	return ph;
}

/* pool_phrehash: resize the page hash to n buckets (failure: keep it). */
static void
pool_phrehash(struct pool *pp, uint64_t n)
{
	struct pool_item_header **old = pp->pr_phhash, *ph;
	uint64_t oldn = pp->pr_phhashsize;
	struct pool_item_header **new = calloc(n, sizeof(*new));

	if (new == NULL)
		return;
	pp->pr_phhash = new;
	pp->pr_phhashsize = n;
	for (uint64_t i = 0; i < oldn; i++)
		while ((ph = old[i]) != NULL) {
			size_t b = pool_phhash(pp, ph->ph_page);

			old[i] = ph->ph_hnext;
			ph->ph_hnext = new[b];
			new[b] = ph;
		}
	free(old);
}

static void
ph_hash_insert(struct pool *pp, struct pool_item_header *ph)
{
	size_t b;

	if (pp->pr_st.npages > 2 * pp->pr_phhashsize)
		pool_phrehash(pp, 2 * pp->pr_phhashsize);
	b = pool_phhash(pp, ph->ph_page);
	ph->ph_hnext = pp->pr_phhash[b];
	pp->pr_phhash[b] = ph;
}

static void
ph_hash_remove(struct pool *pp, struct pool_item_header *ph)
{
	struct pool_item_header **pph = &pp->pr_phhash[pool_phhash(pp, ph->ph_page)];

	while (*pph != ph)
		pph = &(*pph)->ph_hnext;
	*pph = ph->ph_hnext;
	if (pp->pr_phhashsize > POOL_HASH_MIN &&
	    pp->pr_st.npages < pp->pr_phhashsize / 8)
		pool_phrehash(pp, pp->pr_phhashsize / 2);
}

/* ---- pages */

static size_t
pool_bitmap_words(const struct pool *pp)
{
	return (size_t)((pp->pr_itemsperpage + 63) / 64);
}

/*
 * pool_page_add: get a page from the back end and put it on the empty list.
 * => lock held; released during the back-end call.
 * => returns true, or false if the back end (or the header) failed.
 */
static bool
pool_page_add(struct pool *pp, int flags)
{
	struct pool_item_header *ph;
	size_t words = pool_bitmap_words(pp);
	vmem_addr_t page;

	ph = malloc(sizeof(*ph) + words * sizeof(uint64_t));
	if (ph == NULL)
		return false;
	pool_unlock(pp);
	page = pp->pr_alloc->pa_alloc(pp, flags);
	pool_lock(pp);
	if (page == 0) {
		free(ph);
		return false;
	}
	KML_ASSERTMSG((page & (pp->pr_pagesz - 1)) == 0, "pool \"%s\": back "
	    "end \"%s\" returned page %#" PRIx64 ", not aligned to %#" PRIx64,
	    pp->pr_name, pp->pr_alloc->pa_name, page, pp->pr_pagesz);
	ph->ph_page = page;
	ph->ph_off = pp->pr_phoffset + pp->pr_curcolor;
	pp->pr_curcolor += pp->pr_align;
	if (pp->pr_curcolor > pp->pr_maxcolor)
		pp->pr_curcolor = 0;
	ph->ph_nmissing = 0;
	ph->ph_time = kml_now();
	memset(ph->ph_bitmap, 0, words * sizeof(uint64_t));
	for (uint64_t i = 0; i < pp->pr_itemsperpage; i++)
		ph->ph_bitmap[i / 64] |= (uint64_t)1 << (i % 64);
	pp->pr_st.npages++;
	pp->pr_st.npagealloc++;
	pp->pr_st.avail += pp->pr_itemsperpage;
	if (pp->pr_st.npages > pp->pr_st.hiwat)
		pp->pr_st.hiwat = pp->pr_st.npages;
	ph_hash_insert(pp, ph);
	ph_insert(pp, ph, PH_EMPTY);
	kml_charge(KML_COST_POOL_PAGE, 1);
	return true;
}

/*
 * pool_page_free: give the empty page ph back to the back end.
 * => lock held; released during the back-end call.
 */
static void
pool_page_free(struct pool *pp, struct pool_item_header *ph)
{
	vmem_addr_t page = ph->ph_page;

	KML_ASSERT(ph->ph_nmissing == 0 && ph->ph_list == PH_EMPTY);
	ph_remove(pp, ph);
	pp->pr_st.npages--;
	ph_hash_remove(pp, ph);
	pp->pr_st.npagefree++;
	pp->pr_st.avail -= pp->pr_itemsperpage;
	free(ph);
	kml_charge(KML_COST_POOL_PAGE, 1);
	pool_unlock(pp);
	pp->pr_alloc->pa_free(pp, page);
	pool_lock(pp);
}

/* ---- the page layer's reclaimers */

static uint64_t
pool_reclaim_hooks(void *arg, uint64_t want)
{
	(void)arg;
	(void)want;
	for (struct pool *pp = pool_head; pp != NULL; pp = pp->pr_next)
		if (pp->pr_drain_hook != NULL) {
			pool_lock(pp);
			pp->pr_st.drains++;
			pool_unlock(pp);
			pp->pr_drain_hook(pp->pr_drain_hook_arg, PR_NOWAIT);
		}
	return 0;
}

static unsigned pool_reclaim1(struct pool *, bool);

/* The pagedaemon is short of memory: every empty page goes, idle or not. */
static uint64_t
pool_reclaim_idle(void *arg, uint64_t want)
{
	(void)arg;
	(void)want;
	for (struct pool *pp = pool_head; pp != NULL; pp = pp->pr_next)
		pool_reclaim1(pp, true);
	return 0;
}

static struct uvm_reclaimer pool_hooks_reclaimer = {
	.ur_name = "pool drain hooks", .ur_order = UVM_RECLAIM_DRAIN_HOOKS,
	.ur_fn = pool_reclaim_hooks,
};
static struct uvm_reclaimer pool_idle_reclaimer = {
	.ur_name = "pool idle pages", .ur_order = UVM_RECLAIM_IDLE_PAGES,
	.ur_fn = pool_reclaim_idle,
};

/* ---- set-up and tear-down */

/* pool_phinpage: NetBSD's rule for the header's place (see section 1). */
static bool
pool_phinpage(int flags, uint64_t size, uint64_t pagesz)
{
	uint64_t small = pagesz / 16 < 8 * POOL_PHSIZE ? pagesz / 16 : 8 * POOL_PHSIZE;

	if (flags & PR_PHINPAGE)
		return true;
	if (flags & (PR_NOTOUCH | PR_NOALIGN))
		return false;
	if (size < small)
		return true;
	return pagesz >= POOL_PHSIZE &&
	    pagesz / size == (pagesz - POOL_PHSIZE) / size;
}

/*
 * pool_layout: lay pp's items out in pages of pagesz bytes (header place,
 * first offset, items per page, colours).
 * => returns false if no item fits such a page.
 */
static bool
pool_layout(struct pool *pp, uint64_t pagesz)
{
	uint64_t off, slack, align = pp->pr_align;

	if (!kml_ispow2(pagesz) || pagesz < align)
		return false;
	pp->pr_pagesz = pagesz;
	pp->pr_phinpage = pool_phinpage(pp->pr_flags, pp->pr_size, pagesz);
	off = pp->pr_phinpage ? POOL_PHSIZE : 0;
	/* first offset >= off with (page + offset + ioff) % align == 0 */
	off += (align - (off + pp->pr_itemoffset) % align) % align;
	if (off + pp->pr_size > pagesz)
		return false;
	pp->pr_phoffset = off;
	pp->pr_itemsperpage = (pagesz - off) / pp->pr_size;
	slack = pagesz - off - pp->pr_itemsperpage * pp->pr_size;
	pp->pr_maxcolor = slack & ~(align - 1);
	return true;
}

void
pool_init(struct pool *pp, size_t size, unsigned align, unsigned ioff,
    int flags, const char *wchan, struct pool_allocator *palloc, int ipl)
{
	bool laid = false;
	uint64_t tried = 0;

	if (align == 0)
		align = POOL_DEFALIGN;
	KML_ASSERTMSG(size > 0 && kml_ispow2(align) && ioff < align,
	    "pool_init \"%s\": size %zu align %u ioff %u", wchan ? wchan : "",
	    size, align, ioff);
	KML_ASSERTMSG((flags & ~(PR_NOTOUCH | PR_PHINPAGE | PR_NOALIGN |
	    PR_LARGECACHE)) == 0, "pool_init \"%s\": flags %#x", wchan ? wchan : "",
	    flags);
	memset(pp, 0, sizeof(*pp));
	snprintf(pp->pr_name, sizeof(pp->pr_name), "%s", wchan ? wchan : "pool");
	kml_mutex_init(&pp->pr_lock, pp->pr_name);
	kml_wchan_init(&pp->pr_wchan, pp->pr_name);
	pp->pr_size = (size + align - 1) & ~((uint64_t)align - 1);
	pp->pr_align = align;
	pp->pr_itemoffset = ioff;
	pp->pr_flags = flags;
	pp->pr_ipl = ipl;
	if (palloc != NULL) {
		tried = palloc->pa_pagesz != 0 ? palloc->pa_pagesz : uvm_pagesize();
		laid = pool_layout(pp, tried);
	} else if (uvm_pagesize() != 0) {
		/* a page if one item fits, else the smallest big page that holds one */
		palloc = &pool_allocator_kmem;
		laid = pool_layout(pp, tried = uvm_pagesize());
		for (unsigned i = 0; !laid && i < POOL_NBIG; i++) {
			palloc = pool_big_allocator(i);
			laid = pool_layout(pp, tried = palloc->pa_pagesz);
		}
	}
	KML_ASSERTMSG(laid, "pool_init \"%s\": item of %" PRIu64 " bytes does "
	    "not fit a page of %" PRIu64 " (align %u, ioff %u, header %s; "
	    "is the page layer up?)", pp->pr_name, pp->pr_size, tried, align,
	    ioff, pp->pr_phinpage ? "in the page" : "off the page");
	pp->pr_alloc = palloc;
	pp->pr_minpages = 0;
	pp->pr_maxpages = UINT64_MAX;
	pp->pr_idle_ns = POOL_IDLE_NS;
	pp->pr_phhashsize = POOL_HASH_MIN;
	pp->pr_phhash = calloc(POOL_HASH_MIN, sizeof(*pp->pr_phhash));
	KML_ASSERTMSG(pp->pr_phhash != NULL, "pool_init: out of memory");
	pp->pr_st.size = pp->pr_size;
	pool_set_error_handler(pp, pool_default_errfn, pool_default_errarg);

	/* link it; the first pool registers the reclaimers */
	struct pool **tail = &pool_head;
	while (*tail != NULL)
		tail = &(*tail)->pr_next;
	*tail = pp;
	pool_count++;
	if (!pool_reclaimers_on && uvm_pagesize() != 0) {
		uvm_reclaimer_register(&pool_hooks_reclaimer);
		uvm_reclaimer_register(&pool_idle_reclaimer);
		pool_reclaimers_on = true;
	}
}

void
pool_destroy(struct pool *pp)
{
	struct pool_item_header *ph;
	struct pool **pprev;

	pool_lock(pp);
	if (pp->pr_st.inuse != 0)
		pool_error(pp, POOL_ERR_BUSY, "pool_destroy: %" PRIu64
		    " items still out", pp->pr_st.inuse);
	KML_ASSERTMSG(pp->pr_wchan.wc_nwaiters == 0, "pool_destroy: pool "
	    "\"%s\" has sleepers", pp->pr_name);
	/* every page goes back, whatever is out */
	for (int which = PH_EMPTY; which <= PH_FULL; which++)
		while ((ph = pool_list(pp, which)->pl_first) != NULL) {
			pp->pr_st.inuse -= ph->ph_nmissing;
			pp->pr_st.avail += ph->ph_nmissing;
			ph->ph_nmissing = 0;
			ph_remove(pp, ph);
			ph_insert(pp, ph, PH_EMPTY);
			pool_page_free(pp, ph);
		}
	pool_unlock(pp);
	for (pprev = &pool_head; *pprev != pp; pprev = &(*pprev)->pr_next)
		KML_ASSERT(*pprev != NULL);
	*pprev = pp->pr_next;
	if (--pool_count == 0 && pool_reclaimers_on) {
		uvm_reclaimer_unregister(&pool_idle_reclaimer);
		uvm_reclaimer_unregister(&pool_hooks_reclaimer);
		pool_reclaimers_on = false;
	}
	free(pp->pr_phhash);
	kml_mutex_destroy(&pp->pr_lock);
}

/* ---- get and put */

/* pool_take: hand out the lowest free item of ph.  => lock held. */
static vmem_addr_t
pool_take(struct pool *pp, struct pool_item_header *ph)
{
	size_t words = pool_bitmap_words(pp);

	for (size_t w = 0; w < words; w++) {
		if (ph->ph_bitmap[w] == 0)
			continue;
		unsigned bit = kml_ctz(ph->ph_bitmap[w]);
		uint64_t i = (uint64_t)w * 64 + bit;

		ph->ph_bitmap[w] &= ~((uint64_t)1 << bit);
		ph->ph_nmissing++;
		ph_relist(pp, ph);
		pp->pr_st.avail--;
		pp->pr_st.inuse++;
		pp->pr_st.nget++;
		kml_charge(KML_COST_POOL_ITEM, 1);
		return ph->ph_page + ph->ph_off + i * pp->pr_size;
	}
	kml_panic("pool \"%s\": page %#" PRIx64 " on list %d has no free item",
	    pp->pr_name, ph->ph_page, ph->ph_list);
}

/*
 * pool_catchup: after a get, allocate pages (without sleeping) until the
 * low-water mark's free items are there again, as NetBSD's pool_catchup.
 * => lock held.
 */
static void
pool_catchup(struct pool *pp)
{
	while (pp->pr_st.avail < pp->pr_minitems)
		if (!pool_page_add(pp, PR_NOWAIT))
			break;
}

/* pool_limit_warn: report the hard-limit warning, at most once per ratecap. */
static void
pool_limit_warn(struct pool *pp)
{
	kml_vtime_t now = kml_now();

	pp->pr_st.limit_hits++;
	if (pp->pr_hardlimit_warning == NULL)
		return;
	if (pp->pr_warned && now - pp->pr_hardlimit_warned < pp->pr_hardlimit_ratecap)
		return;
	pp->pr_warned = true;
	pp->pr_hardlimit_warned = now;
	pool_error(pp, POOL_ERR_LIMIT, "%s", pp->pr_hardlimit_warning);
}

/*
 * pool_sleep: wait on the pool for a put.  => lock held.
 * => returns 0 after a wakeup, or -1 after reporting a deadlock.
 */
static int
pool_sleep(struct pool *pp, const char *why)
{
	pp->pr_st.waits++;
	if (kml_sleep(&pp->pr_wchan, &pp->pr_lock) == KML_EDEADLK) {
		pool_error(pp, POOL_ERR_DEADLOCK, "pool_get: %s: %s", why,
		    kml_last_deadlock());
		return -1;
	}
	return 0;
}

vmem_addr_t
pool_get(struct pool *pp, int flags)
{
	struct pool_item_header *ph;
	vmem_addr_t item = 0;

	pool_lock(pp);
	if ((flags & ~(PR_WAITOK | PR_NOWAIT | PR_LIMITFAIL | PR_ZERO)) != 0 ||
	    ((flags & PR_WAITOK) != 0) == ((flags & PR_NOWAIT) != 0) ||
	    ((flags & PR_WAITOK) && kml_intr_p())) {
		pool_error(pp, POOL_ERR_FLAGS, "pool_get: flags %#x%s", flags,
		    (flags & PR_WAITOK) && kml_intr_p() ?
		    ": PR_WAITOK in interrupt context" :
		    ": need exactly one of PR_WAITOK and PR_NOWAIT");
		goto fail;
	}
	for (;;) {
		if (pp->pr_hardlimit != 0 && pp->pr_st.inuse >= pp->pr_hardlimit) {
			pool_limit_warn(pp);
			if (pp->pr_drain_hook != NULL) {
				pp->pr_st.drains++;
				pool_unlock(pp);
				pp->pr_drain_hook(pp->pr_drain_hook_arg, flags);
				pool_lock(pp);
				if (pp->pr_st.inuse < pp->pr_hardlimit)
					continue;
			}
			if ((flags & (PR_NOWAIT | PR_LIMITFAIL)) ||
			    pool_sleep(pp, "at the hard limit") != 0)
				goto fail;
			continue;
		}
		ph = pp->pr_partpages.pl_first;
		if (ph == NULL)
			ph = pp->pr_emptypages.pl_first;
		if (ph != NULL) {
			item = pool_take(pp, ph);
			pool_catchup(pp);
			break;
		}
		/*
		 * A new page.  The back end sleeps for memory itself when it
		 * may; if it fails, retry only if a put made room meanwhile.
		 */
		if (!pool_page_add(pp, flags & (PR_WAITOK | PR_NOWAIT)) &&
		    pp->pr_st.avail == 0) {
			if (flags & PR_WAITOK)
				pool_error(pp, POOL_ERR_DEADLOCK, "pool_get: "
				    "PR_WAITOK request failed: back end \"%s\" "
				    "could not get a page", pp->pr_alloc->pa_name);
			goto fail;
		}
	}
	pool_unlock(pp);
	return item;
fail:
	pp->pr_st.nfail++;
	pool_unlock(pp);
	return 0;
}

void
pool_put(struct pool *pp, vmem_addr_t item)
{
	struct pool_item_header *ph;
	vmem_addr_t page = item & ~(pp->pr_pagesz - 1);
	uint64_t i, off;

	pool_lock(pp);
	ph = ph_lookup(pp, page);
	if (ph == NULL || item < page + ph->ph_off) {
		pool_error(pp, POOL_ERR_BADADDR, "pool_put: %#" PRIx64 " is not "
		    "an item of this pool%s", item, ph == NULL ?
		    " (no page of the pool holds it)" :
		    " (it is in the page's header or colour)");
		goto out;
	}
	off = item - page - ph->ph_off;
	i = off / pp->pr_size;
	if (off % pp->pr_size != 0 || i >= pp->pr_itemsperpage) {
		pool_error(pp, POOL_ERR_BADADDR, "pool_put: %#" PRIx64 " is not "
		    "the start of an item (%s)", item, i >= pp->pr_itemsperpage ?
		    "past the page's last item" : "inside an item");
		goto out;
	}
	if (ph->ph_bitmap[i / 64] & ((uint64_t)1 << (i % 64))) {
		pool_error(pp, POOL_ERR_DUPFREE, "pool_put: item %#" PRIx64
		    " is already free", item);
		goto out;
	}
	ph->ph_bitmap[i / 64] |= (uint64_t)1 << (i % 64);
	ph->ph_nmissing--;
	pp->pr_st.inuse--;
	pp->pr_st.avail++;
	pp->pr_st.nput++;
	kml_charge(KML_COST_POOL_ITEM, 1);
	ph_relist(pp, ph);
	if (ph->ph_nmissing == 0) {
		ph->ph_time = kml_now();
		if (pp->pr_st.npages > pp->pr_maxpages &&
		    pp->pr_st.npages > pp->pr_minpages)
			pool_page_free(pp, ph);
	}
	kml_wakeup(&pp->pr_wchan);
out:
	pool_unlock(pp);
}

bool
pool_owns(struct pool *pp, vmem_addr_t item)
{
	vmem_addr_t page = item & ~(pp->pr_pagesz - 1);
	struct pool_item_header *ph;
	bool out = false;
	uint64_t off, i;

	pool_lock(pp);
	ph = ph_lookup(pp, page);
	if (ph != NULL && item >= page + ph->ph_off) {
		off = item - page - ph->ph_off;
		i = off / pp->pr_size;
		out = off % pp->pr_size == 0 && i < pp->pr_itemsperpage &&
		    (ph->ph_bitmap[i / 64] & ((uint64_t)1 << (i % 64))) == 0;
	}
	pool_unlock(pp);
	return out;
}

/* ---- limits, priming, reclaiming */

static uint64_t
pool_pages_for(const struct pool *pp, uint64_t items)
{
	return (items + pp->pr_itemsperpage - 1) / pp->pr_itemsperpage;
}

int
pool_prime(struct pool *pp, int n)
{
	int error = 0;
	uint64_t want;

	pool_lock(pp);
	want = pool_pages_for(pp, n > 0 ? (uint64_t)n : 0);
	while (want-- > 0)
		if (!pool_page_add(pp, PR_NOWAIT)) {
			error = ENOMEM;
			break;
		}
	pool_unlock(pp);
	return error;
}

void
pool_setlowat(struct pool *pp, int n)
{
	pool_lock(pp);
	pp->pr_minitems = n > 0 ? (uint64_t)n : 0;
	pp->pr_minpages = pool_pages_for(pp, pp->pr_minitems);
	while (pp->pr_st.avail < pp->pr_minitems)
		if (!pool_page_add(pp, PR_NOWAIT))
			break;
	pool_unlock(pp);
}

void
pool_sethiwat(struct pool *pp, int n)
{
	pool_lock(pp);
	pp->pr_maxpages = n > 0 ? pool_pages_for(pp, (uint64_t)n) : 0;
	pool_unlock(pp);
}

int
pool_sethardlimit(struct pool *pp, unsigned n, const char *warnmsg, int ratecap)
{
	pool_lock(pp);
	pp->pr_hardlimit = n;
	pp->pr_hardlimit_warning = warnmsg;
	pp->pr_hardlimit_ratecap = ratecap > 0 ?
	    (kml_vtime_t)ratecap * UINT64_C(1000000000) : 0;
	pp->pr_warned = false;
	pool_unlock(pp);
	return 0;
}

void
pool_set_drain_hook(struct pool *pp, void (*fn)(void *, int), void *arg)
{
	pool_lock(pp);
	pp->pr_drain_hook = fn;
	pp->pr_drain_hook_arg = arg;
	pool_unlock(pp);
}

void
pool_set_idle(struct pool *pp, kml_vtime_t ns)
{
	pool_lock(pp);
	pp->pr_idle_ns = ns;
	pool_unlock(pp);
}

/*
 * pool_reclaim1: free empty pages beyond minpages: those idle for the idle
 * interval, or all of them when starved (the pagedaemon's call, as NetBSD
 * skips the inactive time when the allocator is starved).  A page emptied
 * on a CPU whose clock is ahead of this one's has not been idle at all.
 */
static unsigned
pool_reclaim1(struct pool *pp, bool starved)
{
	struct pool_item_header *ph, *next;
	kml_vtime_t now;
	unsigned freed = 0;

	pool_lock(pp);
	now = kml_now();
	for (ph = pp->pr_emptypages.pl_first; ph != NULL; ph = next) {
		next = ph->ph_next;
		if (pp->pr_st.npages <= pp->pr_minpages)
			break;
		if (!starved && (ph->ph_time > now ||
		    now - ph->ph_time < pp->pr_idle_ns))
			continue;
		pool_page_free(pp, ph);		/* drops the lock: restart */
		freed++;
		next = pp->pr_emptypages.pl_first;
	}
	pool_unlock(pp);
	return freed;
}

unsigned
pool_reclaim(struct pool *pp)
{
	return pool_reclaim1(pp, false);
}

unsigned
pool_drain(void)
{
	unsigned freed = 0;

	pool_reclaim_hooks(NULL, 0);
	for (struct pool *pp = pool_head; pp != NULL; pp = pp->pr_next)
		freed += pool_reclaim(pp);
	return freed;
}

/* ---- inspection */

void
pool_stats(struct pool *pp, struct pool_stats *st)
{
	pool_lock(pp);
	*st = pp->pr_st;
	st->minpages = pp->pr_minpages;
	st->maxpages = pp->pr_maxpages;
	st->itemsperpage = pp->pr_itemsperpage;
	st->pagesize = pp->pr_pagesz;
	st->hardlimit = pp->pr_hardlimit;
	st->utilization = st->npages == 0 ? 0 :
	    st->inuse * pp->pr_size * 1000 / (st->npages * pp->pr_pagesz);
	pool_unlock(pp);
}

const char *
pool_name(const struct pool *pp)
{
	return pp->pr_name;
}

struct pool *
pool_first(void)
{
	return pool_head;
}

struct pool *
pool_next(struct pool *pp)
{
	return pp->pr_next;
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			return -1;					\
		}							\
	} while (0)

/* pool_check1: the invariants of section 2.  => lock held. */
static int
pool_check1(struct pool *pp, char *buf, size_t len)
{
	uint64_t npages = 0, avail = 0, inuse = 0, hashed = 0;
	size_t words = pool_bitmap_words(pp);

	for (int which = PH_EMPTY; which <= PH_FULL; which++) {
		struct pool_pagelist *pl = pool_list(pp, which);
		uint64_t count = 0;

		for (struct pool_item_header **pph = &pl->pl_first, *ph;
		    (ph = *pph) != NULL; pph = &ph->ph_next) {
			uint64_t nfree = 0;

			CHECK(ph->ph_prevp == pph && ph->ph_list == which,
			    "page %#" PRIx64 ": list linkage broken", ph->ph_page);
			for (size_t w = 0; w < words; w++)
				nfree += (uint64_t)__builtin_popcountll(ph->ph_bitmap[w]);
			CHECK(nfree + ph->ph_nmissing == pp->pr_itemsperpage,
			    "page %#" PRIx64 ": %" PRIu64 " free bits and %"
			    PRIu64 " items out, %" PRIu64 " per page",
			    ph->ph_page, nfree, ph->ph_nmissing,
			    pp->pr_itemsperpage);
			CHECK(which == (ph->ph_nmissing == 0 ? PH_EMPTY :
			    ph->ph_nmissing == pp->pr_itemsperpage ? PH_FULL :
			    PH_PART), "page %#" PRIx64 " with %" PRIu64 " items "
			    "out is on list %d", ph->ph_page, ph->ph_nmissing,
			    which);
			CHECK(ph_lookup(pp, ph->ph_page) == ph, "page %#" PRIx64
			    " is not in the page hash", ph->ph_page);
			CHECK(ph->ph_off + pp->pr_itemsperpage * pp->pr_size <=
			    pp->pr_pagesz && (ph->ph_page + ph->ph_off +
			    pp->pr_itemoffset) % pp->pr_align == 0, "page %#"
			    PRIx64 ": items at offset %#" PRIx64 " misplaced",
			    ph->ph_page, ph->ph_off);
			count++;
			avail += nfree;
			inuse += ph->ph_nmissing;
		}
		CHECK(count == pl->pl_count, "list %d counts %" PRIu64
		    " pages, holds %" PRIu64, which, pl->pl_count, count);
		npages += count;
	}
	for (uint64_t b = 0; b < pp->pr_phhashsize; b++)
		for (struct pool_item_header *ph = pp->pr_phhash[b]; ph != NULL;
		    ph = ph->ph_hnext)
			hashed++;
	CHECK(hashed == npages, "page hash holds %" PRIu64 " pages, the lists "
	    "%" PRIu64, hashed, npages);
	CHECK(npages == pp->pr_st.npages && avail == pp->pr_st.avail &&
	    inuse == pp->pr_st.inuse && pp->pr_st.nidle ==
	    pp->pr_emptypages.pl_count, "statistics disagree: npages %" PRIu64
	    "/%" PRIu64 " avail %" PRIu64 "/%" PRIu64 " inuse %" PRIu64 "/%"
	    PRIu64 " idle %" PRIu64 "/%" PRIu64, npages, pp->pr_st.npages,
	    avail, pp->pr_st.avail, inuse, pp->pr_st.inuse, pp->pr_st.nidle,
	    pp->pr_emptypages.pl_count);
	CHECK(avail + inuse == npages * pp->pr_itemsperpage, "avail %" PRIu64
	    " + inuse %" PRIu64 " != %" PRIu64 " pages x %" PRIu64, avail,
	    inuse, npages, pp->pr_itemsperpage);
	return 0;
}

int
pool_check(struct pool *pp, char *buf, size_t len)
{
	int error;

	kml_mutex_enter(&pp->pr_lock);
	error = pool_check1(pp, buf, len);
	kml_mutex_exit(&pp->pr_lock);
	return error;
}

void
pool_lockstat(struct pool *pp, struct kml_lockstat *ls)
{
	*ls = pp->pr_lock.m_stat;
}
