/*
 * tests/lockstat_test.c: the lock statistics getters (vmem_lockstat,
 * uvm_lockstat, pool_lockstat, pool_cache_depot_lockstat) return the
 * counters of the lock they name, and kmemlab's own checks take no
 * counted lock.
 *
 * How: on the uniprocessor environment, count the acquisitions that
 * known call sequences make: vmem_create takes the arena lock once (its
 * initial span), each vmem_alloc and vmem_free once.  The pool_cache
 * counts (a first get: depot lock 1, pool lock 2; the put after it: the
 * depot lock once more, the pool lock not at all, its ownership check
 * being kmemlab's) are those the code makes today, pinned so that a
 * change of the locking is seen.  kmem_alloc and kmem_free take no lock
 * of their own (kmem's live map is kmemlab's checking): once the CPU's
 * magazines are warm, an alloc and a free take no lock at all, as in the
 * kernels (the old count was 2, kmem's map lock).  No lock waits on one
 * CPU.
 */
#include "config.h"

#include <string.h>

#include <kmemlab/kmem.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "tap.h"

/* lk_sums: the depot and pool lock figures summed over every cache. */
static void
lk_sums(struct kml_lockstat *depot, struct kml_lockstat *pool)
{
	struct kml_lockstat ls;

	memset(depot, 0, sizeof(*depot));
	memset(pool, 0, sizeof(*pool));
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		pool_cache_depot_lockstat(pc, &ls);
		depot->ls_acquire += ls.ls_acquire;
		pool_lockstat(pool_cache_pool(pc), &ls);
		pool->ls_acquire += ls.ls_acquire;
	}
}

int
main(void)
{
	struct kml_lockstat ls, ps, us, ls2, ps2, us2;
	vmem_addr_t a[10], p, o;
	vmem_t *vm;

	vm = vmem_create("lockstat", 0x1000, 0x100000, 0x1000, 0, VM_SLEEP);
	vmem_lockstat(vm, &ls);
	tap_is(ls.ls_acquire, 1, "vmem_create: 1 acquisition");
	for (int i = 0; i < 10; i++)
		vmem_alloc(vm, 0x1000, VM_SLEEP | VM_INSTANTFIT, &a[i]);
	vmem_lockstat(vm, &ls);
	tap_is(ls.ls_acquire, 11, "10 vmem_alloc: 11 acquisitions");
	for (int i = 0; i < 10; i++)
		vmem_free(vm, a[i], 0x1000);
	vmem_lockstat(vm, &ls);
	tap_is(ls.ls_acquire, 21, "10 vmem_free: 21 acquisitions");
	tap_is(ls.ls_contended, 0, "one CPU: never contended");
	tap_is(ls.ls_wait_ns, 0, "one CPU: no wait");
	vmem_destroy(vm);

	tap_is(uvm_init(NULL), 0, "uvm_init");
	tap_is(kmem_init(KMEM_CLASSES_NETBSD), 0, "kmem_init");
	p = kmem_alloc(100, KM_SLEEP);	/* warms the CPU's magazines */
	kmem_free(p, 100);
	lk_sums(&ls, &ps);
	uvm_lockstat(&us);
	p = kmem_alloc(100, KM_SLEEP);
	kmem_free(p, 100);
	lk_sums(&ls2, &ps2);
	uvm_lockstat(&us2);
	tap_is(ls2.ls_acquire - ls.ls_acquire, 0,
	    "kmem_alloc and kmem_free from a magazine: no depot lock");
	tap_is(ps2.ls_acquire - ps.ls_acquire, 0,
	    "kmem_alloc and kmem_free from a magazine: no pool lock");
	tap_is(us2.ls_acquire - us.ls_acquire, 0,
	    "kmem_alloc and kmem_free from a magazine: no page layer lock");
	uvm_lockstat(&ls);
	tap_ok(ls.ls_acquire > 0, "uvm's lock was taken (%llu times)",
	    (unsigned long long)ls.ls_acquire);

	pool_cache_t pc = pool_cache_init(64, 0, 0, 0, "lockstat", NULL, 0,
	    NULL, NULL, NULL);

	o = pool_cache_get(pc, PR_WAITOK);
	pool_cache_depot_lockstat(pc, &ls);
	pool_lockstat(pool_cache_pool(pc), &ps);
	tap_is(ls.ls_acquire, 1, "pool_cache_get: depot lock once");
	tap_is(ps.ls_acquire, 2, "pool_cache_get: pool lock twice");
	pool_cache_put(pc, o);
	pool_cache_depot_lockstat(pc, &ls);
	pool_lockstat(pool_cache_pool(pc), &ps);
	tap_is(ls.ls_acquire, 2, "pool_cache_put: depot lock once more");
	tap_is(ps.ls_acquire, 2, "pool_cache_put: not the pool lock");
	pool_cache_destroy(pc);
	kmem_fini();
	uvm_fini();
	return tap_done();
}
