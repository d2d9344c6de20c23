/*
 * kmemlab/pool.h: fixed-size item pools, after NetBSD pool(9).
 *
 * A pool hands out items of one size, carved from pages that it gets from
 * a back-end allocator (struct pool_allocator; by default pages of
 * kmem_va_arena, and larger pages for items larger than a page).  Items
 * are addresses: no byte of an item exists.  Page headers, free-item
 * bitmaps and page lists are real memory of the process.  See pool(3) and
 * the theory statement at the top of lib/pool.c.
 *
 * The page layer (kmemlab/uvm_km.h) must be set up before the first
 * pool_init that uses the default allocators.
 */
#ifndef KMEMLAB_POOL_H
#define KMEMLAB_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <kmemlab/env.h>
#include <kmemlab/report.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pool;
struct pool_item_header;

/*
 * A back-end page allocator.  pa_alloc returns the address of a page of
 * pa_pagesz bytes aligned to pa_pagesz, or 0; flags are the pool_get flags
 * (PR_WAITOK or PR_NOWAIT).  pa_free takes a page back.
 */
struct pool_allocator {
	vmem_addr_t (*pa_alloc)(struct pool *pp, int flags);
	void (*pa_free)(struct pool *pp, vmem_addr_t page);
	uint64_t pa_pagesz;	/* bytes, a power of two; 0: the page layer's page size */
	const char *pa_name;	/* for reports */
};

/* Pages of the page layer's size from kmem_va_arena (the default). */
extern struct pool_allocator pool_allocator_kmem;

/* pool_init flags */
#define PR_NOTOUCH	0x0001	/* never touch items: page header off the page */
#define PR_PHINPAGE	0x0002	/* page header in the page, whatever the size */
#define PR_NOALIGN	0x0004	/* pages need not be aligned: header off the page */
#define PR_LARGECACHE	0x0008	/* pool_cache: large magazines */

/* pool_get flags */
#define PR_WAITOK	0x0100	/* may sleep */
#define PR_NOWAIT	0x0200	/* must not sleep */
#define PR_LIMITFAIL	0x0400	/* fail at the hard limit even with PR_WAITOK */
#define PR_ZERO		0x0800	/* zeroed item (recorded: no bytes exist) */

/* Error classes, reported by one routine (see pool_set_error_handler). */
enum pool_error {
	POOL_ERR_NONE = 0,
	POOL_ERR_BADADDR,	/* pool_put of an address that is no item of the pool */
	POOL_ERR_DUPFREE,	/* pool_put of an item that is already free */
	POOL_ERR_BUSY,		/* pool_destroy with items still out */
	POOL_ERR_FLAGS,		/* bad flags (both or neither sleep flag, PR_WAITOK in interrupt) */
	POOL_ERR_DEADLOCK,	/* PR_WAITOK request that nothing can ever satisfy */
	POOL_ERR_LIMIT,		/* the hard limit was reached (the warning message) */
	POOL_ERR_NERRORS
};

typedef void (pool_error_handler_t)(void *arg, struct pool *pp,
    enum pool_error err, const char *msg);

/* vmstat -m for one pool; read with pool_stats, named by pool_statdesc. */
struct pool_stats {
	uint64_t size;		/* Size: item size, bytes (after alignment) */
	uint64_t nget;		/* Requests: successful pool_get */
	uint64_t nfail;		/* Fail: pool_get that returned 0 */
	uint64_t nput;		/* Releases: successful pool_put */
	uint64_t inuse;		/* InUse: items out */
	uint64_t avail;		/* Avail: free items on the pool's pages */
	uint64_t npagealloc;	/* Pgreq: pages taken from the back end */
	uint64_t npagefree;	/* Pgrel: pages given back */
	uint64_t npages;	/* Npage: pages now */
	uint64_t hiwat;		/* Hiwat: most pages ever held */
	uint64_t minpages;	/* Minpg: pages kept (from the low-water mark) */
	uint64_t maxpages;	/* Maxpg: empty pages beyond this are freed at once (from the high-water mark) */
	uint64_t nidle;		/* Idle: pages with no item out */
	uint64_t itemsperpage;	/* items that fit in one page */
	uint64_t pagesize;	/* bytes per page */
	uint64_t hardlimit;	/* most items out at once (0: none) */
	uint64_t utilization;	/* items out, in per mille of the bytes held in pages */
	uint64_t waits;		/* pool_get that slept */
	uint64_t limit_hits;	/* pool_get that found the hard limit reached */
	uint64_t drains;	/* drain hook calls */
	uint64_t errors;	/* reported misuses */
};

extern const struct kml_statdesc pool_statdesc[];
extern const size_t pool_nstatdesc;

/* A page list. */
struct pool_pagelist {
	struct pool_item_header *pl_first;
	uint64_t pl_count;
};

/*
 * The pool itself.  Callers allocate it (pool_init initializes it); every
 * member is private to lib/pool.c.
 */
struct pool {
	struct kml_mutex pr_lock;	/* protects everything below */
	struct kml_wchan pr_wchan;	/* sleepers at the hard limit or out of pages */
	char pr_name[32];
	const struct pool_allocator *pr_alloc;
	int pr_flags;			/* pool_init flags */
	int pr_ipl;			/* recorded */
	uint64_t pr_size;		/* item size, rounded to pr_align */
	uint64_t pr_align;		/* item alignment, a power of two */
	uint64_t pr_itemoffset;		/* ioff: items satisfy (addr + ioff) % align == 0 */
	uint64_t pr_pagesz;		/* bytes per page */
	uint64_t pr_phoffset;		/* bytes taken by an in-page header, or 0 */
	uint64_t pr_itemsperpage;
	uint64_t pr_maxcolor;		/* largest colour offset, bytes */
	uint64_t pr_curcolor;		/* colour of the next page */
	bool pr_phinpage;		/* header in the page */
	/* pages */
	struct pool_pagelist pr_emptypages;	/* no item out */
	struct pool_pagelist pr_partpages;	/* some items out, some free */
	struct pool_pagelist pr_fullpages;	/* every item out */
	struct pool_item_header **pr_phhash;	/* page address -> header */
	uint64_t pr_phhashsize;			/* buckets, a power of two */
	/* limits */
	uint64_t pr_minitems, pr_minpages, pr_maxpages, pr_hardlimit;
	const char *pr_hardlimit_warning;
	kml_vtime_t pr_hardlimit_ratecap;	/* ns between warnings */
	kml_vtime_t pr_hardlimit_warned;	/* last warning, virtual ns */
	bool pr_warned;
	kml_vtime_t pr_idle_ns;			/* pool_reclaim frees pages idle this long */
	void (*pr_drain_hook)(void *arg, int flags);
	void *pr_drain_hook_arg;
	/* statistics */
	struct pool_stats pr_st;
	/* errors */
	pool_error_handler_t *pr_errfn;
	void *pr_errarg;
	struct kml_report pr_report;	/* last error, pending delivery */
	/* all pools */
	struct pool *pr_next;
};

/*
 * pool_init: initialize pp for items of size bytes.
 * => align: 0 (meaning 8) or a power of two; ioff < align.
 * => palloc NULL chooses pool_allocator_kmem when one item fits a page
 *    (with the header and ioff), else the allocator of the smallest
 *    power-of-two page >= 8 KiB that holds one.
 * => wchan names the pool (at most 31 bytes kept); ipl is recorded.
 * => the page header goes in the page when the item is smaller than
 *    min(pagesize / 16, 8 * header size) or when it wastes no item, and
 *    never with PR_NOTOUCH or PR_NOALIGN; PR_PHINPAGE forces it in.
 * => bad arguments are a panic (as in the kernel).
 */
void pool_init(struct pool *pp, size_t size, unsigned align, unsigned ioff,
    int flags, const char *wchan, struct pool_allocator *palloc, int ipl);

/*
 * pool_destroy: give every page back.
 * => items still out are reported (POOL_ERR_BUSY) and dropped.
 */
void pool_destroy(struct pool *pp);

/*
 * pool_get: an item, or 0.
 * => exactly one of PR_WAITOK and PR_NOWAIT, plus PR_LIMITFAIL, PR_ZERO.
 * => at the hard limit: the warning is reported (at most once per
 *    ratecap), the drain hook is called, then PR_NOWAIT or PR_LIMITFAIL
 *    fail and PR_WAITOK sleeps until a pool_put.
 * => out of pages: PR_NOWAIT fails, PR_WAITOK sleeps (the page layer's
 *    pagedaemon runs first).  A sleep that the environment proves endless
 *    is reported (POOL_ERR_DEADLOCK) and the call fails.
 */
vmem_addr_t pool_get(struct pool *pp, int flags);

/*
 * pool_put: give item back.
 * => item was returned by pool_get of this pool and is out; otherwise the
 *    misuse is reported (POOL_ERR_BADADDR, POOL_ERR_DUPFREE) and nothing
 *    changes.
 * => a page left empty is freed at once when the pool holds more than its
 *    maximum pages; otherwise it becomes idle.  Wakes sleepers.
 */
void pool_put(struct pool *pp, vmem_addr_t item);

/*
 * pool_owns: true if item is the start of an item of pp that is out
 * (handed out by pool_get and not put back).
 */
bool pool_owns(struct pool *pp, vmem_addr_t item);

/* pool_setlowat: keep at least n free items (allocating pages now). */
void pool_setlowat(struct pool *pp, int n);

/* pool_sethiwat: free empty pages beyond those needed for n items at once. */
void pool_sethiwat(struct pool *pp, int n);

/*
 * pool_sethardlimit: at most n items out at once (0: no limit).
 * warnmsg (may be NULL) is reported when the limit is hit, at most once
 * every ratecap seconds of virtual time.  Returns 0.
 */
int pool_sethardlimit(struct pool *pp, unsigned n, const char *warnmsg,
    int ratecap);

/* pool_prime: allocate pages for n more free items; 0 or ENOMEM. */
int pool_prime(struct pool *pp, int n);

/*
 * pool_set_drain_hook: fn(arg, flags) is asked to give items back when
 * the hard limit is reached and when the pagedaemon drains the pool.
 */
void pool_set_drain_hook(struct pool *pp, void (*fn)(void *, int), void *arg);

/* pool_set_idle: empty pages idle for ns virtual nanoseconds are reclaimable (default 1 s). */
void pool_set_idle(struct pool *pp, kml_vtime_t ns);

/*
 * pool_reclaim: free the empty pages that have been idle for the idle
 * interval, keeping the low-water pages.  Returns the pages freed.
 */
unsigned pool_reclaim(struct pool *pp);

/* pool_drain: call every pool's drain hook, then reclaim idle pages; returns pages freed. */
unsigned pool_drain(void);

/* pool_stats: vmstat -m for pp. */
void pool_stats(struct pool *pp, struct pool_stats *st);

/* pool_lockstat: the statistics of pp's lock (pr_lock). */
void pool_lockstat(struct pool *pp, struct kml_lockstat *ls);

/* pool_check: verify pp's invariants; 0, or -1 with the first violation in buf. */
int pool_check(struct pool *pp, char *buf, size_t len);

/* pool_first / pool_next: every initialized pool, in pool_init order. */
struct pool *pool_first(void);
struct pool *pool_next(struct pool *pp);

/* pool_name: the wchan given to pool_init. */
const char *pool_name(const struct pool *pp);

void pool_set_error_handler(struct pool *pp, pool_error_handler_t *fn, void *arg);
void pool_set_default_error_handler(pool_error_handler_t *fn, void *arg);
enum pool_error pool_last_error(const struct pool *pp, const char **msgp);
const char *pool_strerror(enum pool_error err);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_POOL_H */
