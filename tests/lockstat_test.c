/*
 * tests/lockstat_test.c: the lock statistics getters (vmem_lockstat,
 * kmem_lockstat, uvm_lockstat, pool_lockstat, pool_cache_depot_lockstat)
 * return the counters of the lock they name.
 *
 * How: on the uniprocessor environment, count the acquisitions that
 * known call sequences make: vmem_create takes the arena lock once (its
 * initial span), each vmem_alloc and vmem_free once; kmem_alloc and
 * kmem_free take kmem's lock (its allocation map) once each.  The
 * pool_cache counts (a first get: depot lock 1, pool lock 2; the put
 * after it: 1 and 1 more) are those the code makes today, pinned so that
 * a change of the locking is seen.  No lock waits on one CPU.
 */
#include "config.h"

#include <kmemlab/kmem.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "tap.h"

int
main(void)
{
	struct kml_lockstat ls, ps;
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
	kmem_lockstat(&ls);
	tap_is(ls.ls_acquire, 0, "kmem_init: its lock untouched");
	p = kmem_alloc(100, KM_SLEEP);
	kmem_lockstat(&ls);
	tap_is(ls.ls_acquire, 1, "kmem_alloc: 1 acquisition");
	kmem_free(p, 100);
	kmem_lockstat(&ls);
	tap_is(ls.ls_acquire, 2, "kmem_free: 2 acquisitions");
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
	tap_is(ps.ls_acquire, 3, "pool_cache_put: pool lock once more");
	pool_cache_destroy(pc);
	kmem_fini();
	uvm_fini();
	return tap_done();
}
