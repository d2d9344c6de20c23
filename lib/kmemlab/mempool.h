/*
 * kmemlab/mempool.h: memory pools with a guaranteed reserve, after Linux
 * mm/mempool.c.
 *
 * A mempool sits in front of a back-end allocator (a pair of functions
 * and their pool_data) and keeps a reserve of min_nr elements, taken from
 * the back end when the pool is created.  mempool_alloc asks the back end
 * first and uses the reserve only when the back end fails; mempool_free
 * refills the reserve before it gives memory back to the back end.  A
 * caller that may sleep is therefore sure to get an element in the end:
 * when both are empty it waits for an element to be freed into the pool.
 * Elements are addresses: no byte of them exists.  See mempool(3) and the
 * theory statement at the top of lib/mempool.c.
 */
#ifndef KMEMLAB_MEMPOOL_H
#define KMEMLAB_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <kmemlab/gfp.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mempool mempool_t;

/*
 * The back end.  alloc_fn returns an element or 0; it may sleep iff
 * gfpflags_allow_blocking(gfp_mask).  free_fn takes an element back.
 * Both are called with no mempool lock held.
 */
typedef vmem_addr_t (mempool_alloc_t)(gfp_t gfp_mask, void *pool_data);
typedef void (mempool_free_t)(vmem_addr_t element, void *pool_data);

/* Error classes, reported by one routine (see mempool_set_error_handler). */
enum mempool_error {
	MEMPOOL_ERR_NONE = 0,
	MEMPOOL_ERR_FLAGS,	/* __GFP_ZERO, or a sleeping mask in interrupt context */
	MEMPOOL_ERR_DEADLOCK,	/* a sleep for an element that no free can ever end */
	MEMPOOL_ERR_DUPFREE,	/* mempool_free of an element that is in the reserve */
	MEMPOOL_ERR_NOTOUT,	/* mempool_free while no element is out */
	MEMPOOL_ERR_BUSY,	/* mempool_destroy with elements still out */
	MEMPOOL_ERR_RESIZE,	/* mempool_resize to <= 0, or in interrupt context */
	MEMPOOL_ERR_NERRORS
};

typedef void (mempool_error_handler_t)(void *arg, mempool_t *pool,
    enum mempool_error err, const char *msg);

/*
 * Statistics of one pool, read with mempool_stats and named by
 * mempool_statdesc.  Gauges describe the pool now; counters only grow.
 */
struct mempool_stats {
	/* gauges */
	uint64_t curr_nr;	/* elements in the reserve */
	uint64_t min_nr;	/* elements the reserve is kept at */
	uint64_t out;		/* elements handed out and not freed (allocs - frees) */
	uint64_t waiters;	/* threads sleeping on the pool */
	/* counters */
	uint64_t allocs;	/* successful mempool_alloc */
	uint64_t fails;		/* mempool_alloc that returned 0 */
	uint64_t frees;		/* mempool_free of an element (0 and misuse excluded) */
	uint64_t reserve_takes;	/* allocations served from the reserve */
	uint64_t reserve_refills; /* frees that went into the reserve */
	uint64_t backend_allocs; /* elements the back end gave (create, alloc, resize) */
	uint64_t backend_fails;	/* back-end allocations that returned 0 */
	uint64_t backend_frees;	/* elements given back to the back end */
	uint64_t waits;		/* sleeps on the pool's wait channel */
	uint64_t errors;	/* reported misuses and deadlocks */
};

extern const struct kml_statdesc mempool_statdesc[];
extern const size_t mempool_nstatdesc;

/*
 * mempool_create: a pool over alloc_fn and free_fn with a reserve of
 * min_nr elements, allocated now with GFP_KERNEL.
 * => min_nr >= 0; alloc_fn and free_fn not NULL; thread context (all
 *    panics, as in the kernel).
 * => returns the pool, or NULL if the reserve could not be filled (the
 *    elements it got are given back first) or out of process memory.
 * => the pool is named "mempool-N", N counting pools from 1.
 */
mempool_t *mempool_create(int min_nr, mempool_alloc_t *alloc_fn,
    mempool_free_t *free_fn, void *pool_data);

/*
 * mempool_destroy: give the reserve back to the back end and free pool.
 * => pool NULL does nothing.
 * => elements still out are reported (MEMPOOL_ERR_BUSY) and forgotten.
 * => nobody sleeps on the pool (a panic).
 */
void mempool_destroy(mempool_t *pool);

/*
 * mempool_alloc: an element, or 0.
 * => tries, in order: the back end with gfp_mask less __GFP_DIRECT_RECLAIM
 *    and __GFP_IO (it never sleeps); the reserve; if the mask had either
 *    bit, the back end with the whole mask (once); then, if the caller may
 *    sleep, it sleeps until a free and starts again with the whole mask.
 *    The back end always sees __GFP_NOMEMALLOC, __GFP_NORETRY and
 *    __GFP_NOWARN added.
 * => a sleep the environment proves endless (always, in the uniprocessor
 *    environment) is reported (MEMPOOL_ERR_DEADLOCK) and returns 0.
 * => __GFP_ZERO is reported (MEMPOOL_ERR_FLAGS: reserve elements are not
 *    zeroed) and passed on; a sleeping mask in interrupt context is
 *    reported and served as if __GFP_DIRECT_RECLAIM were clear.
 */
vmem_addr_t mempool_alloc(mempool_t *pool, gfp_t gfp_mask);

/*
 * mempool_free: give back element, from mempool_alloc of this pool.
 * => element 0 does nothing.
 * => refills the reserve if it holds fewer than min_nr elements (waking
 *    the sleepers), else hands the element to the back end (waking the
 *    sleepers, if any, so that they retry the back end).
 * => an element that is in the reserve (MEMPOOL_ERR_DUPFREE) and a free
 *    while no element is out (MEMPOOL_ERR_NOTOUT) are reported and change
 *    nothing.
 */
void mempool_free(vmem_addr_t element, mempool_t *pool);

/*
 * mempool_resize: keep new_min_nr elements in the reserve from now on.
 * => thread context; new_min_nr > 0 (else reported, MEMPOOL_ERR_RESIZE,
 *    and -EINVAL).
 * => shrinking gives the reserve's extra elements back to the back end.
 *    Growing allocates the new elements with GFP_KERNEL, one at a time;
 *    if the back end fails, the reserve stays short (frees fill it later)
 *    and the call still returns 0, as in Linux.
 * => returns 0, or -ENOMEM if the new reserve array could not be allocated
 *    (nothing changed).
 */
int mempool_resize(mempool_t *pool, int new_min_nr);

/* ---- back ends (Linux's names) */

/* pool_data is a pool_cache_t: pool_cache_get / pool_cache_put. */
vmem_addr_t mempool_alloc_slab(gfp_t gfp_mask, void *pool_data);
void mempool_free_slab(vmem_addr_t element, void *pool_data);

/*
 * pool_data is the element size, (void *)(uintptr_t)size: kmem_alloc
 * (kmem_zalloc with __GFP_ZERO) / kmem_free, or their kmem_intr_ forms in
 * interrupt context.  The kmem layer is set up (kmem_init).
 */
vmem_addr_t mempool_kmalloc(gfp_t gfp_mask, void *pool_data);
void mempool_kfree(vmem_addr_t element, void *pool_data);

/*
 * pool_data is the page order, (void *)(uintptr_t)order: uvm_km_alloc of
 * uvm_pagesize() << order bytes aligned to their size, UVM_KMF_WIRED /
 * uvm_km_free.  The page layer is set up (uvm_init).
 */
vmem_addr_t mempool_alloc_pages(gfp_t gfp_mask, void *pool_data);
void mempool_free_pages(vmem_addr_t element, void *pool_data);

/* mempool_create over the back ends above; named after the cache, "kmalloc-SIZE", "pages-ORDER". */
mempool_t *mempool_create_slab_pool(int min_nr, pool_cache_t pc);
mempool_t *mempool_create_kmalloc_pool(int min_nr, size_t size);
mempool_t *mempool_create_page_pool(int min_nr, int order);

/* ---- inspection */

/* mempool_stats: the pool's statistics now. */
void mempool_stats(mempool_t *pool, struct mempool_stats *st);

/*
 * mempool_check: verify the pool's invariants (see lib/mempool.c).
 * => returns 0, or -1 with the first violation in buf[0..len).
 */
int mempool_check(mempool_t *pool, char *buf, size_t len);

/* mempool_name / mempool_set_name: the pool's name (at most 31 bytes kept). */
const char *mempool_name(const mempool_t *pool);
void mempool_set_name(mempool_t *pool, const char *name);

/* mempool_first / mempool_next: every pool, in creation order. */
mempool_t *mempool_first(void);
mempool_t *mempool_next(mempool_t *pool);

/*
 * mempool_set_error_handler: send the pool's reports to fn (NULL: the
 * default, one line "mempool: MSG" on stderr).
 */
void mempool_set_error_handler(mempool_t *pool, mempool_error_handler_t *fn,
    void *arg);

/* mempool_set_default_error_handler: the handler new pools start with (NULL: stderr). */
void mempool_set_default_error_handler(mempool_error_handler_t *fn, void *arg);

/*
 * mempool_last_error: the class of the pool's last reported error
 * (MEMPOOL_ERR_NONE if none); its message in *msgp if msgp is not NULL.
 */
enum mempool_error mempool_last_error(const mempool_t *pool, const char **msgp);

/* mempool_strerror: a short name for an error class ("deadlock"). */
const char *mempool_strerror(enum mempool_error err);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_MEMPOOL_H */
