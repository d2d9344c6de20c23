/*
 * kmemlab/uvm_km.h: the page layer, after NetBSD uvm_km(9).
 *
 * A model of physical memory and of the kernel's address space:
 *
 *  - physical memory is a number of pages of up_pagesize bytes, of which
 *    some are free; no byte of it exists;
 *  - kmem_arena is the kernel virtual address space, a vmem arena with a
 *    page quantum; kmem_va_arena imports address space from it; wired
 *    physical pages are taken per uvm_km_alloc, for exactly its size (as
 *    NetBSD's uvm_km_kmem_alloc after its vmem_alloc);
 *  - uvm_km_alloc / uvm_km_free hand out page multiples of kernel memory,
 *    wired (from kmem_va_arena, so backed) or pageable (address space from
 *    kmem_arena and pageable accounting, no physical pages taken);
 *  - the pagedaemon: when free pages fall below the low-water mark it asks
 *    the registered reclaimers, in their order, to give memory back until
 *    free pages reach the high-water mark, then wakes every thread sleeping
 *    for memory.  Layers above register reclaimers at the documented
 *    orders below.
 *
 * The page layer is one per process, like a kernel: uvm_init sets it up,
 * uvm_fini tears it down.  It runs on the kernel environment (locks, costs,
 * sleeping).
 */
#ifndef KMEMLAB_UVM_KM_H
#define KMEMLAB_UVM_KM_H

#include <stdint.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters of the page layer. */
struct uvm_params {
	uint64_t up_physpages;	/* pages of physical memory (default 262144: 1 GiB) */
	uint64_t up_pagesize;	/* bytes per page, a power of two >= 512 (default 4096) */
	uint64_t up_lowat;	/* free pages below which the pagedaemon runs
				   (0, the default: physpages / 64, at least 16,
				   at most physpages / 4) */
	uint64_t up_hiwat;	/* the pagedaemon reclaims up to this many free
				   pages (0, the default: 2 * lowat) */
	vmem_addr_t up_kva_base; /* start of kernel address space (default 0xffff800000000000) */
	uint64_t up_kva_size;	/* bytes of kernel address space (default 64 GiB) */
	uint64_t up_va_qcache_max; /* kmem_va_arena's qcache_max, bytes
				   (0, the default: 8 pages) */
};

/* uvm_params_default: fill *p with the defaults above (derived ones 0). */
void uvm_params_default(struct uvm_params *p);

/*
 * uvm_init: set up the page layer with p (NULL: the defaults).
 * => the page layer is not set up already.
 * => returns 0, or EINVAL for bad parameters (with a message on stderr
 *    naming the parameter), or ENOMEM.
 */
int uvm_init(const struct uvm_params *p);

/*
 * uvm_fini: tear the page layer down.
 * => every reclaimer is unregistered and no thread sleeps for memory;
 *    memory still allocated is reported on stderr and dropped.
 */
void uvm_fini(void);

/* The kernel address-space arenas (NULL before uvm_init). */
extern vmem_t *kmem_arena;
extern vmem_t *kmem_va_arena;
extern vmem_t *kmem_pageable_arena;	/* pageable memory: address space only */

/* uvm_pagesize: the page size in bytes (0 before uvm_init). */
uint64_t uvm_pagesize(void);

/* Flags of uvm_km_alloc, uvm_km_free and uvm_pages_alloc. */
#define UVM_KMF_WIRED		0x01	/* backed by wired physical pages */
#define UVM_KMF_PAGEABLE	0x02	/* address space only, pageable accounting */
#define UVM_KMF_NOWAIT		0x10	/* fail rather than sleep */
#define UVM_KMF_ZERO		0x20	/* zeroed (recorded: no bytes exist) */
#define UVM_KMF_TYPEMASK	(UVM_KMF_WIRED | UVM_KMF_PAGEABLE)

/*
 * uvm_km_alloc: size bytes (rounded up to pages) of kernel memory,
 * aligned to align (0 or a power of two; at least a page).
 * => exactly one of UVM_KMF_WIRED and UVM_KMF_PAGEABLE.
 * => without UVM_KMF_NOWAIT, a shortage runs the pagedaemon and then
 *    sleeps for memory (in the uniprocessor environment that is reported
 *    as a deadlock and the call fails).
 * => returns the address, or 0.
 */
vmem_addr_t uvm_km_alloc(uint64_t size, uint64_t align, int flags);

/*
 * uvm_km_free: give back memory from uvm_km_alloc, with the same size and
 * type flag.  Misuse is reported on stderr and ignored.
 */
void uvm_km_free(vmem_addr_t va, uint64_t size, int flags);

/*
 * uvm_pages_alloc: take npages free physical pages (for page events of
 * traces and for backing kernel memory).
 * => UVM_KMF_NOWAIT or not, as uvm_km_alloc.
 * => returns 0 or ENOMEM.
 */
int uvm_pages_alloc(uint64_t npages, int flags);

/* uvm_pages_free: give back npages physical pages; wakes sleepers. */
void uvm_pages_free(uint64_t npages);

/* ---- the pagedaemon */

/* Reclaimer orders: lower runs first. */
#define UVM_RECLAIM_DRAIN_HOOKS	10	/* pool drain hooks (the pool's users let go) */
#define UVM_RECLAIM_CACHE_TRIM	20	/* pool_cache depots trimmed to their working set */
#define UVM_RECLAIM_CACHE_INVAL	30	/* pool_cache per-CPU and depot magazines emptied */
#define UVM_RECLAIM_QCACHE	40	/* kmem_va_arena's quantum caches emptied
					   (address space: they hold no pages) */
#define UVM_RECLAIM_IDLE_PAGES	50	/* pools' empty pages freed */

/*
 * A reclaimer: ur_fn(ur_arg, want) tries to free about want physical
 * pages and returns how many it freed.  The caller owns the structure;
 * the page layer links it.
 */
struct uvm_reclaimer {
	const char *ur_name;		/* for reports */
	int ur_order;			/* UVM_RECLAIM_* or any int */
	uint64_t (*ur_fn)(void *arg, uint64_t want);
	void *ur_arg;
	/* private to the page layer */
	struct uvm_reclaimer *ur_next;
	uint64_t ur_calls;		/* # of times called */
	uint64_t ur_pages;		/* pages it freed, all calls */
};

/* uvm_reclaimer_register: add r, in order (equal orders: first come first). */
void uvm_reclaimer_register(struct uvm_reclaimer *r);

/* uvm_reclaimer_unregister: remove r (which is registered). */
void uvm_reclaimer_unregister(struct uvm_reclaimer *r);

/*
 * uvm_pagedaemon: if free pages are below the low-water mark, call the
 * reclaimers in order until free pages reach the high-water mark or every
 * reclaimer has run; then wake every thread sleeping for memory.
 * => returns the pages reclaimed.
 */
uint64_t uvm_pagedaemon(void);

/* ---- statistics */

struct uvm_stats {
	/* gauges */
	uint64_t physpages;	/* pages of physical memory */
	uint64_t freepages;	/* free physical pages */
	uint64_t wiredpages;	/* physical pages backing wired kernel memory */
	uint64_t rawpages;	/* physical pages taken by uvm_pages_alloc */
	uint64_t pageable;	/* bytes of pageable kernel memory */
	uint64_t lowat;		/* the pagedaemon's low-water mark, pages */
	uint64_t hiwat;		/* the pagedaemon's high-water mark, pages */
	uint64_t waiters;	/* threads sleeping for memory now */
	/* counters */
	uint64_t km_allocs;	/* # of successful uvm_km_alloc */
	uint64_t km_frees;	/* # of uvm_km_free */
	uint64_t km_fails;	/* # of uvm_km_alloc that returned 0 */
	uint64_t page_allocs;	/* # of pages taken (all callers) */
	uint64_t page_frees;	/* # of pages given back (all callers) */
	uint64_t page_fails;	/* # of page requests that failed */
	uint64_t waits;		/* # of sleeps for memory */
	uint64_t pagedaemon_runs; /* # of pagedaemon runs that reclaimed */
	uint64_t reclaimed;	/* pages reclaimed by the pagedaemon */
	uint64_t errors;	/* # of reported misuses and deadlocks */
};

extern const struct kml_statdesc uvm_statdesc[];
extern const size_t uvm_nstatdesc;

/* uvm_stats: the page layer's statistics now. */
void uvm_stats(struct uvm_stats *st);

/* uvm_lockstat: the statistics of the page layer's lock. */
void uvm_lockstat(struct kml_lockstat *ls);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_UVM_KM_H */
