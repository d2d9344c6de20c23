/*
 * kmemlab/kmem.h: the kernel memory allocator, after NetBSD kmem(9) and
 * Solaris kmem_alloc(9F).
 *
 * Sizes up to the largest size class are served by pool_caches named
 * "kmem-N" (N the class size in bytes); larger sizes come straight from
 * kmem_va_arena in whole pages.  The size-class table is a policy.  Every
 * live allocation is known (address and size), so misuse is detected and
 * reported, never silently accepted.  See kmem(3).
 */
#ifndef KMEMLAB_KMEM_H
#define KMEMLAB_KMEM_H

#include <stddef.h>
#include <stdint.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kmem_alloc flags (Solaris and NetBSD values are both just these names). */
#define KM_SLEEP	0x01	/* may sleep; never fails (a deadlock is reported instead) */
#define KM_NOSLEEP	0x02	/* must not sleep; may return 0 */

/* Error classes, reported by one routine (as illumos kmem_error). */
enum kmem_error {
	KMEM_ERR_NONE = 0,
	KMEM_ERR_WRONGSIZE,	/* kmem_free with a size other than the allocation's */
	KMEM_ERR_DUPFREE,	/* kmem_free of memory already freed */
	KMEM_ERR_BADADDR,	/* kmem_free of an address never allocated */
	KMEM_ERR_INTR,		/* kmem_alloc/kmem_free in interrupt context (use kmem_intr_*) */
	KMEM_ERR_FLAGS,		/* not exactly one of KM_SLEEP and KM_NOSLEEP */
	KMEM_ERR_DEADLOCK,	/* KM_SLEEP that nothing can ever satisfy */
	KMEM_ERR_BUSY,		/* kmem_fini with allocations still live */
	KMEM_ERR_NERRORS
};

/*
 * The size-class policies (the exact tables are in kmem(3) and at the top
 * of lib/kmem.c).
 */
enum kmem_classes {
	KMEM_CLASSES_NETBSD,	/* NetBSD kmem_cache_sizes and kmem_cache_big_sizes
				   as kmem_create_caches keeps them (64-byte
				   coherency unit, up to a page): with 4 KiB
				   pages 8, 16, 32, 64, 128, 192, 256, 320, 384,
				   448, 512, 768, 1024, 2048, 4096 */
	KMEM_CLASSES_ILLUMOS	/* illumos kmem_alloc_sizes (8 ... 4096, 29 sizes)
				   and kmem_big_alloc_sizes (8 KiB ... 128 KiB, 17) */
};

/*
 * kmem_init: set up the size classes over the page layer (which is up).
 * => kmem is not set up already (a panic otherwise).
 * => returns 0, or EINVAL for an unknown policy.
 */
int kmem_init(enum kmem_classes classes);

/*
 * kmem_set_checking: keep the live map (on, the default) or not (off).
 * On, kmem_free checks its arguments exactly (bad address, double free,
 * wrong size: reported, nothing freed) and kmem_fini gives back what is
 * still live.  Off, kmem trusts its callers as a kernel without
 * DIAGNOSTIC does: kmem_free(p, size) gives p back to the class of size
 * unchecked, no map is kept (less memory, fewer cache misses), and
 * kmem_fini cannot give back what is still live (it is reported).  The
 * statistics are kept either way.  The replay turns it off (its own
 * pointer map has checked every free) except in --enable-sanity builds.
 * => returns 0, or -1 (nothing changed) while kmem is set up.
 */
int kmem_set_checking(bool on);

/*
 * kmem_fini: tear down.  Live allocations are reported (KMEM_ERR_BUSY),
 * given back to their caches and dropped; the caches are destroyed.
 */
void kmem_fini(void);

/*
 * kmem_alloc: size bytes.
 * => size 0 returns 0 (no error).
 * => KM_SLEEP never returns 0 unless the environment proves the sleep
 *    endless (reported as KMEM_ERR_DEADLOCK); KM_NOSLEEP may return 0.
 * => in interrupt context: reported (KMEM_ERR_INTR) and served anyway
 *    with KM_NOSLEEP semantics.
 */
vmem_addr_t kmem_alloc(size_t size, int flags);

/* kmem_zalloc: kmem_alloc, zeroed (recorded: no bytes exist). */
vmem_addr_t kmem_zalloc(size_t size, int flags);

/*
 * kmem_free: give back p of size bytes.
 * => kmem_free(0, 0) is legal and does nothing.
 * => a wrong size, a duplicate free or an address never allocated is
 *    reported with its class and changes nothing.
 * => in interrupt context: reported (KMEM_ERR_INTR) and then done as
 *    kmem_intr_free.
 */
void kmem_free(vmem_addr_t p, size_t size);

/*
 * The interrupt-safe path: as kmem_alloc / kmem_free, allowed in interrupt
 * context.  KM_SLEEP in interrupt context is reported (KMEM_ERR_INTR) and
 * served with KM_NOSLEEP semantics.
 */
vmem_addr_t kmem_intr_alloc(size_t size, int flags);
vmem_addr_t kmem_intr_zalloc(size_t size, int flags);
void kmem_intr_free(vmem_addr_t p, size_t size);

/*
 * kmem_class_size: the size class that serves size bytes, or 0 when the
 * size is served by kmem_va_arena.
 */
size_t kmem_class_size(size_t size);

/*
 * kmem_nclasses / kmem_class_cache: the number of size classes, and the
 * pool_cache "kmem-N" of class i (0 <= i < kmem_nclasses(), ascending
 * sizes), where the per-class statistics are (pool_cache_stats).
 * Both are 0 / NULL before kmem_init.
 */
unsigned kmem_nclasses(void);
pool_cache_t kmem_class_cache(unsigned i);

struct kmem_stats {
	uint64_t allocs;	/* successful kmem_alloc, all paths */
	uint64_t frees;		/* successful kmem_free, all paths */
	uint64_t fails;		/* kmem_alloc that returned 0 (size 0 excluded) */
	uint64_t inuse;		/* bytes requested and not freed */
	uint64_t inuse_peak;	/* most bytes requested and not freed at once */
	uint64_t live;		/* live allocations */
	uint64_t large_allocs;	/* allocations served by kmem_va_arena */
	uint64_t large_inuse;	/* bytes (page-rounded) of live large allocations */
	uint64_t intr_allocs;	/* allocations through kmem_intr_* */
	uint64_t errors;	/* reports: misuses and deadlocks */
};

extern const struct kml_statdesc kmem_statdesc[];
extern const size_t kmem_nstatdesc;

void kmem_stats(struct kmem_stats *st);

/*
 * kmem_check: verify the live map (hash chains, counts and statistics,
 * every live allocation in the class its size calls for and aligned as
 * that class, no two live allocations' objects overlapping) and the list
 * of freed addresses.
 * => returns 0, or -1 with the first violation in buf.
 */
int kmem_check(char *buf, size_t len);

typedef void (kmem_error_handler_t)(void *arg, enum kmem_error err, const char *msg);
void kmem_set_error_handler(kmem_error_handler_t *fn, void *arg);
enum kmem_error kmem_last_error(const char **msgp);
const char *kmem_strerror(enum kmem_error err);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_KMEM_H */
