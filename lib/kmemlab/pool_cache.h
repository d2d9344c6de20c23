/*
 * kmemlab/pool_cache.h: per-CPU object caches with magazines, after NetBSD
 * pool_cache(9) and the magazine layer of Bonwick & Adams (USENIX 2001).
 *
 * A pool_cache sits in front of a pool.  Each virtual CPU has a loaded and
 * a previous magazine (arrays of constructed objects); a depot behind a
 * lock holds full and empty magazines.  Objects are constructed when they
 * leave the pool layer and destructed when they go back to it, so an
 * object that circulates through the magazines is constructed once.  See
 * pool_cache(3) and the theory statement at the top of lib/pool_cache.c.
 */
#ifndef KMEMLAB_POOL_CACHE_H
#define KMEMLAB_POOL_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <kmemlab/env.h>
#include <kmemlab/pool.h>
#include <kmemlab/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pool_cache *pool_cache_t;

/* Constructor: 0, or an error (the get then fails).  flags: PR_WAITOK/PR_NOWAIT. */
typedef int (*pool_cache_ctor_t)(void *arg, vmem_addr_t obj, int flags);
/* Destructor. */
typedef void (*pool_cache_dtor_t)(void *arg, vmem_addr_t obj);

/*
 * Magazine policy.  pool_cache_policy_default fills one for "netbsd" or
 * "illumos"; every cache starts with the default policy
 * (pool_cache_set_default_policy) and can be given its own.
 */
struct pool_cache_policy {
	bool pcp_adaptive;		/* illumos: magazines grow under depot contention */
	unsigned pcp_magsize;		/* fixed: objects per magazine (NetBSD: 15) */
	unsigned pcp_magsize_large;	/* fixed, PR_LARGECACHE: (NetBSD: 63) */
	uint64_t pcp_contention;	/* adaptive: contended depot acquisitions per
					   interval above which magazines grow (illumos: 3) */
	bool pcp_trim;			/* illumos: trim the depot to its working set */
	kml_vtime_t pcp_interval_ns;	/* update interval for growth and trimming,
					   virtual ns (illumos: 15 s) */
	bool pcp_nomag;			/* no magazine layer: every get and put goes
					   to the pool layer (illumos KMC_NOMAGAZINE) */
};

/*
 * pool_cache_policy_default: the policy called name ("netbsd" or
 * "illumos") in *p.  Returns 0, or -1 for an unknown name.
 */
int pool_cache_policy_default(struct pool_cache_policy *p, const char *name);

/*
 * pool_cache_set_checking: check (on, the default) or not (off) that an
 * object given to pool_cache_put is an allocated item of the cache's pool
 * (off: trusted, as the kernels do; the replay turns it off, its pointer
 * map having checked every free, except in --enable-sanity builds).  For
 * every cache.
 */
void pool_cache_set_checking(bool on);

/* pool_cache_set_default_policy: the policy new caches start with (NULL: netbsd). */
void pool_cache_set_default_policy(const struct pool_cache_policy *p);

/* The illumos magazine types: sizes a cache moves through as it grows. */
extern const unsigned pool_cache_magsizes[];
extern const unsigned pool_cache_nmagsizes;

/*
 * Statistics of one cache, summed over CPUs (pool_cache_stats) or for one
 * CPU (pool_cache_cpu_stats, where the depot fields are 0).
 */
struct pool_cache_stats {
	/* per-CPU layer */
	uint64_t cpu_gets;	/* pool_cache_get calls */
	uint64_t cpu_hits;	/* gets served by the loaded or previous magazine */
	uint64_t cpu_misses;	/* gets that went to the depot or below */
	uint64_t cpu_puts;	/* pool_cache_put calls */
	uint64_t cpu_put_hits;	/* puts that fit the loaded or previous magazine */
	uint64_t cpu_put_misses; /* puts that went to the depot or below */
	uint64_t cpu_cached;	/* objects in CPU magazines now */
	/* depot layer */
	uint64_t depot_get_hits; /* misses served with a full magazine from the depot */
	uint64_t depot_get_misses; /* misses that found no full magazine */
	uint64_t depot_put_hits; /* put misses that got an empty magazine from the depot */
	uint64_t depot_put_misses; /* put misses that found no empty magazine */
	uint64_t depot_full;	/* full magazines in the depot now */
	uint64_t depot_empty;	/* empty magazines in the depot now */
	uint64_t depot_cached;	/* objects in depot magazines now */
	uint64_t depot_contended; /* depot lock acquisitions that waited */
	uint64_t depot_wait_ns;	/* virtual ns waited for the depot lock */
	/* pool layer */
	uint64_t pool_gets;	/* objects taken from the pool (misses to the pool layer) */
	uint64_t pool_puts;	/* objects given back to the pool */
	uint64_t ctor_calls;	/* constructor calls */
	uint64_t ctor_fails;	/* constructor failures */
	uint64_t dtor_calls;	/* destructor calls */
	uint64_t fails;		/* gets that returned 0 */
	/* magazines */
	uint64_t magsize;	/* objects per magazine now */
	uint64_t mag_allocs;	/* magazines created */
	uint64_t resizes;	/* magazine size changes (adaptive policy) */
	uint64_t trims;		/* magazines released by working-set trimming */
	uint64_t invalidations;	/* pool_cache_invalidate calls (and purges) */
	uint64_t errors;	/* reported misuses */
};

extern const struct kml_statdesc pool_cache_statdesc[];
extern const size_t pool_cache_nstatdesc;

/*
 * pool_cache_init: a cache of objects of size bytes over a new pool (the
 * arguments up to ipl are pool_init's).
 * => ctor and dtor may be NULL; arg is passed to both.
 * => returns the cache (out of memory is a panic, as in the kernel).
 */
pool_cache_t pool_cache_init(size_t size, unsigned align, unsigned align_offset,
    int flags, const char *wchan, struct pool_allocator *palloc, int ipl,
    pool_cache_ctor_t ctor, pool_cache_dtor_t dtor, void *arg);

/*
 * pool_cache_destroy: invalidate the cache and destroy its pool.
 * => objects still out are reported by the pool.
 */
void pool_cache_destroy(pool_cache_t pc);

/*
 * pool_cache_get: a constructed object, or 0.
 * => flags as pool_get: exactly one of PR_WAITOK and PR_NOWAIT (PR_WAITOK
 *    not in interrupt context), plus PR_LIMITFAIL, PR_ZERO; checked on
 *    every call (bad flags are reported by the pool and the get fails).
 * => tries the current CPU's loaded magazine, its previous magazine, a
 *    full magazine from the depot, and then the pool (with construction).
 */
vmem_addr_t pool_cache_get(pool_cache_t pc, int flags);

/*
 * pool_cache_put: give back an object from pool_cache_get of this cache.
 * => an address that is no item of the cache's pool is reported and
 *    ignored; an object put twice is not detected at this layer (as in
 *    the kernel: kmem(3) detects it).
 * => goes to the current CPU's magazines, the depot, or (destructed) the pool.
 */
void pool_cache_put(pool_cache_t pc, vmem_addr_t obj);

/*
 * pool_cache_invalidate: empty every CPU's magazines and the depot's full
 * magazines, destructing the objects and giving them back to the pool.
 */
void pool_cache_invalidate(pool_cache_t pc);

/*
 * pool_cache_trim: give back the depot magazines beyond the working set
 * (the fewest full and empty magazines seen in the last interval).
 * Returns the magazines released.
 */
unsigned pool_cache_trim(pool_cache_t pc);

/* Pass-through to the cache's pool (see pool(3)). */
void pool_cache_setlowat(pool_cache_t pc, int n);
void pool_cache_sethiwat(pool_cache_t pc, int n);
void pool_cache_sethardlimit(pool_cache_t pc, int n, const char *warnmsg, int ratecap);
void pool_cache_set_drain_hook(pool_cache_t pc, void (*fn)(void *, int), void *arg);

/* pool_cache_set_policy: give the cache policy p (its magazines are purged first). */
void pool_cache_set_policy(pool_cache_t pc, const struct pool_cache_policy *p);

/* pool_cache_pool: the cache's pool. */
struct pool *pool_cache_pool(pool_cache_t pc);

/* pool_cache_name: the cache's name (its pool's). */
const char *pool_cache_name(pool_cache_t pc);

void pool_cache_stats(pool_cache_t pc, struct pool_cache_stats *st);

/*
 * pool_cache_inuse: objects out with callers, from the cache's statistics
 * cs and its pool's ps: the pool's items in use less those cached in
 * magazines (0 if the magazines hold more).
 */
uint64_t pool_cache_inuse(const struct pool_cache_stats *cs,
    const struct pool_stats *ps);

/*
 * pool_cache_peak: the most objects pc has had out with callers at once
 * (gets that returned an object less puts of its objects), since it was
 * created.  Kept apart from struct pool_cache_stats: a high-water mark,
 * not a counter.
 */
uint64_t pool_cache_peak(pool_cache_t pc);

/* pool_cache_depot_lockstat: the statistics of pc's depot lock. */
void pool_cache_depot_lockstat(pool_cache_t pc, struct kml_lockstat *ls);
void pool_cache_cpu_stats(pool_cache_t pc, unsigned cpu, struct pool_cache_stats *st);

/*
 * pool_cache_check: verify the cache (magazine round counts within their
 * sizes, depot lists and counts, no object in two places, every cached
 * object an item that is out of the pool) and its pool.
 * => returns 0, or -1 with the first violation in buf.
 */
int pool_cache_check(pool_cache_t pc, char *buf, size_t len);

/* pool_cache_first / pool_cache_next: every cache, in creation order. */
pool_cache_t pool_cache_first(void);
pool_cache_t pool_cache_next(pool_cache_t pc);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_POOL_CACHE_H */
