/*
 * tests/stack_mp_test.c: the allocator stack (page layer, pools,
 * pool_caches, vmem quantum caches) on several virtual CPUs.
 *
 * How: a fake environment (tests/fakeenv.h) with SMP_NCPU virtual CPUs,
 * each with its own clock and thread, is installed with kml_env_set; the
 * test switches the current CPU between calls, so an object allocated on
 * one CPU is often freed on another, and the depot and pool locks see
 * real contention (each CPU's clock moves on by a random delay before
 * each operation).  Its eo_sleep calls a hook that a case may set (as if
 * another thread ran while the caller sleeps); without a hook a sleep is
 * refused as a deadlock and counted.
 *
 * Part 1, the randomized workload (smp_run): fixed seeds, SMP_OPS
 * operations per run, once with the netbsd policy and once with an
 * illumos policy with a short update interval (so that magazines grow
 * and depots are trimmed during the run).  Every SMP_PHASE operations
 * each CPU becomes mostly a producer, mostly a consumer or both, so that
 * magazines fill on some CPUs and drain on others and the depots carry
 * the traffic.  The page layer is up with a
 * small memory; five pool_caches of different sizes (one whose
 * constructor fails now and then) and a vmem arena with quantum caches
 * are driven with gets and puts on random CPUs, vmem_alloc and vmem_free
 * of sizes below and above qcache_max, invalidations, trims, quantum
 * cache reclaims and jumps of the clock.  A table (smp_tab) keeps the
 * state of every address: constructed (set by the constructor, cleared
 * by the destructor, each of which must find it the other way) and held
 * by the test.  Checked:
 *   - every get: it returns an address that is constructed and not held
 *     (so no object the test holds was in a magazine); every put gives
 *     back a held one;
 *   - for the cache the operation used, after every operation, and for
 *     every cache every 8 operations: held + cpu_cached + depot_cached ==
 *     pool inuse; ctor_calls - ctor_fails - dtor_calls == pool inuse ==
 *     constructed objects; the constructor and destructor calls seen ==
 *     the statistics; the identities between the statistics that
 *     pool_cache(3) states; pool avail + inuse == npages * itemsperpage;
 *   - after every vmem operation and every 8 operations, for each quantum
 *     cache: the same object balance, and the arena's allocated bytes ==
 *     its caches' slabs + the test's allocations above qcache_max;
 *   - after every operation: freepages + wiredpages + rawpages == physpages.
 * (Operations on one cache change no other: the workload never runs short
 * of memory, so the pagedaemon does not run.)  Every SMP_DEEP operations
 * and at the end (these are slow under the sanitizer build, where every
 * pool unlock checks the pool): every held
 * object is out of its pool (pool_owns), pool_cache_check passes on
 * every cache (every cached object out of the pool, in exactly one
 * magazine), and vmem_check passes.  At the end everything is given back
 * and vmem_qcache_reclaim must return every slab.
 *
 * Part 2, memory pressure, on a page layer of 512 pages (low-water 16,
 * high-water 64): probe reclaimers of the test at orders 15, 25, 35, 45,
 * 55 record the statistics between the library's reclaimers, which shows
 * the order: trim (20), invalidate (30), kmem_va_arena's quantum caches
 * (40), pools' idle pages (50); the pagedaemon stops as soon as enough is
 * free; a PR_NOWAIT get fails cleanly when nothing can be reclaimed; a
 * PR_WAITOK get sleeps, another thread frees objects, and it proceeds;
 * with nobody to free anything it fails with a deadlock report.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "fakeenv.h"
#include "tap.h"

#define SMP_NCPU	4		/* virtual CPUs */
#define SMP_OPS		200000		/* operations per workload run */
#define SMP_DEEP	1024		/* operations between deep checks */
#define SMP_MAXHELD	600		/* objects held per cache, at most */
#define SMP_MAXVHELD	400		/* vmem segments held, at most */
#define SMP_PHASE	4000		/* operations per phase of CPU roles */

/* A CPU's chance to get rather than put, per mille: consumer, both, producer. */
static const unsigned smp_pget[3] = { 150, 500, 850 };

/* ---- the fake environment */

/* eo_sleep calls this if set (another thread runs), else refuses */
static int (*smp_sleep_hook)(struct kml_wchan *wc);

/*
 * smp_sleep: the current thread blocks on wc.  With smp_sleep_hook, the
 * hook runs (as other threads would) and its result is returned; without
 * one, the sleep is refused as a deadlock (fakeenv counts it in
 * fe_nrefused).
 */
static int
smp_sleep(struct kml_wchan *wc, unsigned nsleep, char *why, unsigned len,
    void *arg)
{
	(void)nsleep;
	(void)arg;
	if (smp_sleep_hook != NULL)
		return smp_sleep_hook(wc);
	snprintf(why, len, "smp: thread %u would sleep on \"%s\" and the test "
	    "has no other thread", 1000 + fakeenv.fe_cur, wc->wc_name);
	return KML_EDEADLK;
}

/*
 * smp_install: the fake environment (tests/fakeenv.h): SMP_NCPU CPUs, CPU
 * i runs thread 1000 + i in thread context, CPU 0 current, clocks 0,
 * sleeps by smp_sleep, no hook.
 */
static void
smp_install(void)
{
	smp_sleep_hook = NULL;
	fakeenv_install("smp4", SMP_NCPU, 1000);
	fakeenv.fe_on_sleep = smp_sleep;
}

/* ---- the PRNG: splitmix64 */

static uint64_t smp_rnd_state;

/* smp_rnd: the next 64-bit number of the sequence seeded in smp_rnd_state. */
static uint64_t
smp_rnd(void)
{
	uint64_t z = (smp_rnd_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* smp_below: uniform in [0, n). */
static uint64_t
smp_below(uint64_t n)
{
	return smp_rnd() % n;
}

/* ---- the state of every address */

#define SMP_BUILT	0x1	/* constructed (between constructor and destructor) */
#define SMP_HELD	0x2	/* held by the test (a pool_cache object) */
#define SMP_VHELD	0x4	/* held by the test (a vmem segment) */

#define SMP_TABBITS	18
#define SMP_TABSIZE	(1u << SMP_TABBITS)

/* Open addressing, linear probing, backward-shift deletion; addr 0 is empty. */
static struct smp_ent {
	vmem_addr_t addr;
	unsigned state;
} smp_tab[SMP_TABSIZE];
static unsigned smp_tabn;

/* smp_hash: the home slot of a. */
static unsigned
smp_hash(vmem_addr_t a)
{
	return (unsigned)(((a >> 3) * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - SMP_TABBITS));
}

/* smp_state: the state bits of a (0 if unknown). */
static unsigned
smp_state(vmem_addr_t a)
{
	for (unsigned i = smp_hash(a);; i = (i + 1) & (SMP_TABSIZE - 1)) {
		if (smp_tab[i].addr == a)
			return smp_tab[i].state;
		if (smp_tab[i].addr == 0)
			return 0;
	}
}

/* smp_set: give a the state bits st (0 removes it). */
static void
smp_set(vmem_addr_t a, unsigned st)
{
	unsigned i = smp_hash(a), j, k;

	for (;; i = (i + 1) & (SMP_TABSIZE - 1)) {
		if (smp_tab[i].addr == a)
			break;
		if (smp_tab[i].addr == 0) {
			if (st == 0)
				return;
			if (smp_tabn >= SMP_TABSIZE / 2)
				tap_bail("smp_set: address table full");
			smp_tab[i].addr = a;
			smp_tabn++;
			break;
		}
	}
	smp_tab[i].state = st;
	if (st != 0)
		return;
	/* remove, shifting back the entries that probed past i */
	smp_tabn--;
	for (j = i;;) {
		smp_tab[i].addr = 0;
		for (;;) {
			j = (j + 1) & (SMP_TABSIZE - 1);
			if (smp_tab[j].addr == 0)
				return;
			k = smp_hash(smp_tab[j].addr);
			/* move j to i unless k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		smp_tab[i] = smp_tab[j];
		i = j;
	}
}

/* smp_tab_reset: forget every address. */
static void
smp_tab_reset(void)
{
	memset(smp_tab, 0, sizeof(smp_tab));
	smp_tabn = 0;
}

/* ---- caches with counting constructors */

struct smp_cache {
	const char *name;
	size_t size;
	unsigned failevery;		/* constructor call n fails if n % failevery == 0 (0: never) */
	pool_cache_t pc;
	uint64_t nctor, ndtor, nfail;	/* constructor calls, destructor calls, failures */
	uint64_t built;			/* objects constructed now */
	uint64_t bad;			/* constructed twice, destructed unconstructed */
	vmem_addr_t held[SMP_MAXHELD];	/* held by the test */
	unsigned char heldcpu[SMP_MAXHELD]; /* the CPU that got it */
	unsigned nheld;
};

/* smp_ctor: construct obj (mark it), or fail as configured. */
static int
smp_ctor(void *arg, vmem_addr_t obj, int flags)
{
	struct smp_cache *c = arg;
	unsigned st = smp_state(obj);

	(void)flags;
	c->nctor++;
	if (c->failevery != 0 && c->nctor % c->failevery == 0) {
		c->nfail++;
		return 12;
	}
	if (st & SMP_BUILT)
		c->bad++;
	smp_set(obj, st | SMP_BUILT);
	c->built++;
	return 0;
}

/* smp_dtor: destruct obj (unmark it). */
static void
smp_dtor(void *arg, vmem_addr_t obj)
{
	struct smp_cache *c = arg;
	unsigned st = smp_state(obj);

	c->ndtor++;
	if (!(st & SMP_BUILT) || (st & SMP_HELD))
		c->bad++;
	else
		c->built--;
	smp_set(obj, st & ~(unsigned)SMP_BUILT);
}

static struct smp_cache smp_caches[] = {
	{ .name = "smp-24", .size = 24 },
	{ .name = "smp-200", .size = 200, .failevery = 97 },
	{ .name = "smp-1024", .size = 1024 },
	{ .name = "smp-3000", .size = 3000 },
	{ .name = "smp-6000", .size = 6000 },
};
#define SMP_NCACHES (sizeof(smp_caches) / sizeof(smp_caches[0]))

/* ---- the vmem arena with quantum caches */

#define SMP_VBASE	((vmem_addr_t)0x7000000000)
#define SMP_VSIZE	((vmem_size_t)64 << 20)
#define SMP_VQ		((vmem_size_t)64)	/* quantum */
#define SMP_VQMAX	(8 * SMP_VQ)		/* qcache_max: caches of 64..512 */
#define SMP_VSLAB	((vmem_size_t)1024)	/* their slab: smallest 2^n > 512 */
#define SMP_NQ		8

static struct {
	vmem_t *vm;
	pool_cache_t qc[SMP_NQ];	/* [i]: size (i + 1) * SMP_VQ */
	vmem_addr_t held[SMP_MAXVHELD];
	vmem_size_t heldsize[SMP_MAXVHELD];
	unsigned nheld;
	uint64_t qheld[SMP_NQ];		/* held objects per quantum cache */
	vmem_size_t direct;		/* bytes held above qcache_max */
} smpv;

/* smp_find_cache: the pool_cache called name, or NULL. */
static pool_cache_t
smp_find_cache(const char *name)
{
	for (pool_cache_t pc = pool_cache_first(); pc != NULL; pc = pool_cache_next(pc))
		if (strcmp(pool_cache_name(pc), name) == 0)
			return pc;
	return NULL;
}

/* ---- the workload run */

static struct {
	uint64_t seed;
	const char *policy;
	uint64_t op;
	bool failed;
	uint64_t gets, puts, xcpu, vallocs, vfrees, invals, trims, reclaims;
} R;

/* smp_fail: report the first failure of the run, with seed, policy and op. */
static void __attribute__((format(printf, 1, 2)))
smp_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (R.failed)
		return;
	R.failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_ok(0, "seed %#" PRIx64 " %s op %" PRIu64 ": %s", R.seed, R.policy,
	    R.op, msg);
}

/* smp_check_pages: the page layer's pages add up. */
static void
smp_check_pages(void)
{
	struct uvm_stats us;

	uvm_stats(&us);
	if (us.freepages + us.wiredpages + us.rawpages != us.physpages)
		smp_fail("pages: free %" PRIu64 " + wired %" PRIu64 " + raw %"
		    PRIu64 " != phys %" PRIu64, us.freepages, us.wiredpages,
		    us.rawpages, us.physpages);
}

/*
 * smp_check_balance: the object and page balance of one cache (held: the
 * test's objects); *stp and *psp receive the statistics read.
 */
static void
smp_check_balance(pool_cache_t pc, uint64_t held, struct pool_cache_stats *stp,
    struct pool_stats *psp)
{
	struct pool_cache_stats st;
	struct pool_stats ps;

	pool_cache_stats(pc, &st);
	pool_stats(pool_cache_pool(pc), &ps);
	if (held + st.cpu_cached + st.depot_cached != ps.inuse)
		smp_fail("%s: held %" PRIu64 " + cpu %" PRIu64 " + depot %" PRIu64
		    " != inuse %" PRIu64, pool_cache_name(pc), held, st.cpu_cached,
		    st.depot_cached, ps.inuse);
	if (ps.avail + ps.inuse != ps.npages * ps.itemsperpage)
		smp_fail("%s: avail %" PRIu64 " + inuse %" PRIu64 " != %" PRIu64
		    " pages * %" PRIu64, pool_cache_name(pc), ps.avail, ps.inuse,
		    ps.npages, ps.itemsperpage);
	if (st.depot_cached != st.depot_full * st.magsize)
		smp_fail("%s: depot_cached %" PRIu64 " != %" PRIu64 " full * %"
		    PRIu64, pool_cache_name(pc), st.depot_cached, st.depot_full,
		    st.magsize);
	if (stp != NULL)
		*stp = st;
	if (psp != NULL)
		*psp = ps;
}

/* smp_check_cache: smp_check_balance plus the construction accounting. */
static void
smp_check_cache(struct smp_cache *c)
{
	struct pool_cache_stats st;
	struct pool_stats ps;

	smp_check_balance(c->pc, c->nheld, &st, &ps);
	if (st.ctor_calls - st.ctor_fails - st.dtor_calls != ps.inuse)
		smp_fail("%s: ctor %" PRIu64 " - fails %" PRIu64 " - dtor %" PRIu64
		    " != inuse %" PRIu64, c->name, st.ctor_calls, st.ctor_fails,
		    st.dtor_calls, ps.inuse);
	if (c->built != ps.inuse)
		smp_fail("%s: %" PRIu64 " constructed, %" PRIu64 " in use",
		    c->name, c->built, ps.inuse);
	if (c->nctor != st.ctor_calls || c->ndtor != st.dtor_calls ||
	    c->nfail != st.ctor_fails)
		smp_fail("%s: constructor saw %" PRIu64 "/%" PRIu64 "/%" PRIu64
		    ", statistics %" PRIu64 "/%" PRIu64 "/%" PRIu64, c->name,
		    c->nctor, c->ndtor, c->nfail, st.ctor_calls, st.dtor_calls,
		    st.ctor_fails);
	if (c->bad != 0)
		smp_fail("%s: %" PRIu64 " objects constructed twice or destructed "
		    "unconstructed", c->name, c->bad);
	/* the identities of pool_cache(3), STATISTICS */
	if (st.cpu_gets != st.cpu_hits + st.cpu_misses ||
	    st.cpu_misses != st.depot_get_hits + st.depot_get_misses ||
	    st.depot_get_misses != st.pool_gets + st.fails - st.ctor_fails ||
	    st.cpu_puts != st.cpu_put_hits + st.cpu_put_misses + st.errors ||
	    st.cpu_put_misses != st.depot_put_hits + st.depot_put_misses ||
	    st.ctor_calls != st.pool_gets ||
	    st.pool_puts != st.dtor_calls + st.ctor_fails)
		smp_fail("%s: statistics identities do not hold: %" PRIu64 "/%"
		    PRIu64 "/%" PRIu64 " gets/hits/misses, %" PRIu64 "/%" PRIu64
		    "/%" PRIu64 " puts/hits/misses", c->name, st.cpu_gets,
		    st.cpu_hits, st.cpu_misses, st.cpu_puts, st.cpu_put_hits,
		    st.cpu_put_misses);
}

/* smp_check_vmem: the quantum caches' balance and the arena's bytes. */
static void
smp_check_vmem(void)
{
	vmem_size_t slabs = 0;

	for (unsigned i = 0; i < SMP_NQ; i++) {
		struct pool_stats ps;

		smp_check_balance(smpv.qc[i], smpv.qheld[i], NULL, &ps);
		slabs += ps.npages;
	}
	if (vmem_size(smpv.vm, VMEM_ALLOC) != slabs * SMP_VSLAB + smpv.direct)
		smp_fail("arena allocated %#" PRIx64 " != %" PRIu64 " slabs + %#"
		    PRIx64 " direct", vmem_size(smpv.vm, VMEM_ALLOC), slabs,
		    smpv.direct);
}

/* smp_check_deep: held objects out of their pools, pool_cache_check, vmem_check. */
static void
smp_check_deep(void)
{
	char buf[256];

	for (size_t k = 0; k < SMP_NCACHES; k++) {
		struct smp_cache *c = &smp_caches[k];

		for (unsigned i = 0; i < c->nheld; i++)
			if (!pool_owns(pool_cache_pool(c->pc), c->held[i]))
				smp_fail("%s: held object %#" PRIx64 " is not out of "
				    "the pool", c->name, c->held[i]);
		if (pool_cache_check(c->pc, buf, sizeof(buf)) != 0)
			smp_fail("pool_cache_check %s: %s", c->name, buf);
	}
	for (unsigned i = 0; i < SMP_NQ; i++)
		if (pool_cache_check(smpv.qc[i], buf, sizeof(buf)) != 0)
			smp_fail("pool_cache_check %s: %s",
			    pool_cache_name(smpv.qc[i]), buf);
	for (unsigned i = 0; i < smpv.nheld; i++) {
		vmem_size_t sz = smpv.heldsize[i];

		if (sz <= SMP_VQMAX && !pool_owns(pool_cache_pool(
		    smpv.qc[sz / SMP_VQ - 1]), smpv.held[i]))
			smp_fail("vmem: held %#" PRIx64 "+%#" PRIx64 " is not out "
			    "of its quantum cache's pool", smpv.held[i], sz);
	}
	if (vmem_check(smpv.vm, buf, sizeof(buf)) != 0)
		smp_fail("vmem_check: %s", buf);
}

/* smp_op_get: get from cache c on the current CPU. */
static void
smp_op_get(struct smp_cache *c)
{
	uint64_t fails0 = c->nfail;
	int flags = smp_below(4) == 0 ? PR_WAITOK : PR_NOWAIT;
	vmem_addr_t x;
	unsigned st;

	x = pool_cache_get(c->pc, flags);
	R.gets++;
	if (x == 0) {
		if (c->nfail != fails0 + 1)
			smp_fail("%s: get failed, constructor did not", c->name);
		return;
	}
	st = smp_state(x);
	if (st != SMP_BUILT)
		smp_fail("%s: get returned %#" PRIx64 " in state %#x (want "
		    "constructed, not held)", c->name, x, st);
	smp_set(x, st | SMP_HELD);
	c->heldcpu[c->nheld] = (unsigned char)fakeenv.fe_cur;
	c->held[c->nheld++] = x;
}

/* smp_op_put: put a random held object of c on the current CPU. */
static void
smp_op_put(struct smp_cache *c)
{
	unsigned i = (unsigned)smp_below(c->nheld);
	vmem_addr_t x = c->held[i];
	unsigned st = smp_state(x);

	if (st != (SMP_BUILT | SMP_HELD))
		smp_fail("%s: held %#" PRIx64 " in state %#x", c->name, x, st);
	smp_set(x, st & ~(unsigned)SMP_HELD);
	if (c->heldcpu[i] != fakeenv.fe_cur)
		R.xcpu++;
	c->held[i] = c->held[--c->nheld];
	c->heldcpu[i] = c->heldcpu[c->nheld];
	pool_cache_put(c->pc, x);
	R.puts++;
}

/* smp_op_vmem: a vmem_alloc or vmem_free of a random size on the arena. */
static void
smp_op_vmem(void)
{
	if (smpv.nheld > 0 && (smpv.nheld == SMP_MAXVHELD || smp_below(2) == 0)) {
		unsigned i = (unsigned)smp_below(smpv.nheld);
		vmem_addr_t a = smpv.held[i];
		vmem_size_t sz = smpv.heldsize[i];

		if (smp_state(a) != SMP_VHELD)
			smp_fail("vmem: held %#" PRIx64 " in state %#x", a,
			    smp_state(a));
		smp_set(a, 0);
		smpv.held[i] = smpv.held[--smpv.nheld];
		smpv.heldsize[i] = smpv.heldsize[smpv.nheld];
		if (sz <= SMP_VQMAX)
			smpv.qheld[sz / SMP_VQ - 1]--;
		else
			smpv.direct -= sz;
		vmem_free(smpv.vm, a, sz);
		R.vfrees++;
	} else {
		vmem_size_t sz = (1 + smp_below(12)) * SMP_VQ;
		vmem_addr_t a;
		int error;

		error = vmem_alloc(smpv.vm, sz, VM_NOSLEEP | VM_INSTANTFIT, &a);
		if (error != 0) {
			smp_fail("vmem_alloc %#" PRIx64 ": error %d", sz, error);
			return;
		}
		if (a < SMP_VBASE || a - SMP_VBASE > SMP_VSIZE - sz || a % SMP_VQ)
			smp_fail("vmem_alloc %#" PRIx64 ": %#" PRIx64 " outside the "
			    "arena or misaligned", sz, a);
		if (smp_state(a) != 0)
			smp_fail("vmem_alloc %#" PRIx64 ": %#" PRIx64 " is held",
			    sz, a);
		smp_set(a, SMP_VHELD);
		smpv.held[smpv.nheld] = a;
		smpv.heldsize[smpv.nheld++] = sz;
		if (sz <= SMP_VQMAX)
			smpv.qheld[sz / SMP_VQ - 1]++;
		else
			smpv.direct += sz;
		R.vallocs++;
	}
}

/* smp_qslabs: the slabs held by the arena's quantum caches now. */
static uint64_t
smp_qslabs(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < SMP_NQ; i++) {
		struct pool_stats ps;

		pool_stats(pool_cache_pool(smpv.qc[i]), &ps);
		n += ps.npages;
	}
	return n;
}

/* smp_setup: the page layer, the caches and the arena for one run. */
static void
smp_setup(const struct pool_cache_policy *pol)
{
	struct uvm_params up;
	char name[40];

	smp_install();
	smp_tab_reset();
	uvm_params_default(&up);
	up.up_physpages = 16384;		/* 64 MiB */
	if (uvm_init(&up) != 0)
		tap_bail("uvm_init failed");
	pool_cache_set_default_policy(pol);
	for (size_t k = 0; k < SMP_NCACHES; k++) {
		struct smp_cache *c = &smp_caches[k];

		c->nctor = c->ndtor = c->nfail = c->built = c->bad = 0;
		c->nheld = 0;
		c->pc = pool_cache_init(c->size, 0, 0, 0, c->name, NULL, 0,
		    smp_ctor, smp_dtor, c);
	}
	memset(&smpv, 0, sizeof(smpv));
	smpv.vm = vmem_create("smp-qc", SMP_VBASE, SMP_VSIZE, SMP_VQ, SMP_VQMAX,
	    VM_NOSLEEP);
	if (smpv.vm == NULL)
		tap_bail("vmem_create smp-qc failed");
	for (unsigned i = 0; i < SMP_NQ; i++) {
		snprintf(name, sizeof(name), "smp-qc-%" PRIu64, (i + 1) * SMP_VQ);
		smpv.qc[i] = smp_find_cache(name);
		if (smpv.qc[i] == NULL)
			tap_bail("no quantum cache %s", name);
	}
}

/*
 * smp_teardown: give everything back, check the end state (every slab
 * returned by vmem_qcache_reclaim, nothing in use), tear down.
 */
static void
smp_teardown(void)
{
	uint64_t slabs, freed;
	struct uvm_stats us;

	for (size_t k = 0; k < SMP_NCACHES; k++) {
		struct smp_cache *c = &smp_caches[k];

		while (c->nheld > 0) {
			fakeenv.fe_cur = (unsigned)smp_below(SMP_NCPU);
			smp_op_put(c);
		}
	}
	while (smpv.nheld > 0) {
		vmem_addr_t a = smpv.held[--smpv.nheld];
		vmem_size_t sz = smpv.heldsize[smpv.nheld];

		fakeenv.fe_cur = (unsigned)smp_below(SMP_NCPU);
		smp_set(a, 0);
		if (sz <= SMP_VQMAX)
			smpv.qheld[sz / SMP_VQ - 1]--;
		else
			smpv.direct -= sz;
		vmem_free(smpv.vm, a, sz);
	}
	smp_check_deep();
	for (size_t k = 0; k < SMP_NCACHES; k++)
		smp_check_cache(&smp_caches[k]);
	smp_check_vmem();
	smp_check_pages();
	tap_ok(!R.failed, "seed %#" PRIx64 " %s: %" PRIu64 " operations checked "
	    "(%" PRIu64 " gets, %" PRIu64 " puts, %" PRIu64 " on another CPU, %"
	    PRIu64 " vmem_alloc, %" PRIu64 " vmem_free, %" PRIu64 " invalidations, %"
	    PRIu64 " trims, %" PRIu64 " qcache reclaims)", R.seed, R.policy, R.op,
	    R.gets, R.puts, R.xcpu, R.vallocs, R.vfrees, R.invals, R.trims,
	    R.reclaims);

	/* every quantum-cache slab comes back */
	slabs = smp_qslabs();
	freed = vmem_qcache_reclaim(smpv.vm);
	tap_ok(slabs > 0, "seed %#" PRIx64 " %s: the quantum caches hold %" PRIu64
	    " slabs when everything is freed", R.seed, R.policy, slabs);
	tap_is(freed, slabs, "seed %#" PRIx64 " %s: vmem_qcache_reclaim returns "
	    "every slab", R.seed, R.policy);
	tap_is(vmem_size(smpv.vm, VMEM_ALLOC), 0, "seed %#" PRIx64 " %s: arena "
	    "has nothing allocated", R.seed, R.policy);
	{
		char buf[256] = "";

		tap_is(vmem_check(smpv.vm, buf, sizeof(buf)), 0, "seed %#" PRIx64
		    " %s: vmem_check %s", R.seed, R.policy, buf);
	}
	/* every cache: invalidated, nothing in use, every object destructed */
	{
		bool ok = true;

		for (size_t k = 0; k < SMP_NCACHES; k++) {
			struct smp_cache *c = &smp_caches[k];
			struct pool_stats ps;

			pool_cache_invalidate(c->pc);
			pool_stats(pool_cache_pool(c->pc), &ps);
			if (ps.inuse != 0 || c->built != 0 ||
			    c->nctor != c->ndtor + c->nfail || c->bad != 0)
				ok = false;
		}
		tap_ok(ok, "seed %#" PRIx64 " %s: after invalidation every "
		    "constructed object was destructed once", R.seed, R.policy);
	}
	tap_is(fakeenv.fe_nrefused, 0, "seed %#" PRIx64 " %s: nobody slept", R.seed,
	    R.policy);
	for (size_t k = 0; k < SMP_NCACHES; k++)
		pool_cache_destroy(smp_caches[k].pc);
	vmem_destroy(smpv.vm);
	uvm_stats(&us);
	tap_is(us.wiredpages, 0, "seed %#" PRIx64 " %s: every wired page back",
	    R.seed, R.policy);
	uvm_fini();
	pool_cache_set_default_policy(NULL);
	kml_env_set(NULL, NULL);
}

/* smp_run: one workload run of nops operations. */
static void
smp_run(uint64_t seed, const char *policy, uint64_t nops)
{
	struct pool_cache_policy pol;
	uint64_t contended = 0, resizes = 0, ptrims = 0, dgets = 0, dputs = 0;
	unsigned pget[SMP_NCPU];

	memset(&R, 0, sizeof(R));
	R.seed = seed;
	R.policy = policy;
	smp_rnd_state = seed;
	if (strcmp(policy, "illumos-fast") == 0) {
		pool_cache_policy_default(&pol, "illumos");
		pol.pcp_interval_ns = 500000;	/* 0.5 ms */
	} else
		pool_cache_policy_default(&pol, policy);
	smp_setup(&pol);

	for (R.op = 1; R.op <= nops && !R.failed; R.op++) {
		struct smp_cache *c = &smp_caches[smp_below(SMP_NCACHES)];
		unsigned r = (unsigned)smp_below(1000);

		/* a new phase: each CPU mostly gets, mostly puts, or both */
		if (R.op % SMP_PHASE == 1)
			for (unsigned i = 0; i < SMP_NCPU; i++)
				pget[i] = smp_pget[smp_below(3)];
		fakeenv.fe_cur = (unsigned)smp_below(SMP_NCPU);
		kml_delay(smp_below(400));
		if (r < 880) {
			if (c->nheld < SMP_MAXHELD && (c->nheld == 0 ||
			    smp_below(1000) < pget[fakeenv.fe_cur]))
				smp_op_get(c);
			else if (c->nheld > 0)
				smp_op_put(c);
		} else if (r < 985) {
			smp_op_vmem();
		} else if (r < 986) {
			pool_cache_invalidate(c->pc);
			R.invals++;
		} else if (r < 991) {
			(void)pool_cache_trim(c->pc);
			R.trims++;
		} else if (r < 992) {
			uint64_t before = smp_qslabs(), freed;

			freed = vmem_qcache_reclaim(smpv.vm);
			if (freed != before - smp_qslabs())
				smp_fail("vmem_qcache_reclaim returned %" PRIu64
				    ", slabs went from %" PRIu64 " to %" PRIu64,
				    freed, before, smp_qslabs());
			R.reclaims++;
		} else if (r < 994) {
			kml_delay(smp_below(1000000));
		}
		/* the cache the step used every step, all of them every 8 */
		if (R.op % 8 == 0)
			for (size_t k = 0; k < SMP_NCACHES; k++)
				smp_check_cache(&smp_caches[k]);
		else
			smp_check_cache(c);
		smp_check_pages();
		if (R.op % 8 == 0 || (r >= 880 && r < 985) || (r >= 991 && r < 992))
			smp_check_vmem();
		if (R.op % SMP_DEEP == 0)
			smp_check_deep();
	}
	R.op--;
	for (size_t k = 0; k < SMP_NCACHES; k++) {
		struct pool_cache_stats st;

		pool_cache_stats(smp_caches[k].pc, &st);
		contended += st.depot_contended;
		dgets += st.depot_get_hits;
		dputs += st.depot_put_hits;
		resizes += st.resizes;
		ptrims += st.trims;
	}
	tap_ok(contended > 0, "seed %#" PRIx64 " %s: the depots saw contention "
	    "(%" PRIu64 " contended acquisitions)", seed, policy, contended);
	tap_ok(dgets > 0 && dputs > 0, "seed %#" PRIx64 " %s: the depots served "
	    "%" PRIu64 " full and %" PRIu64 " empty magazines", seed, policy,
	    dgets, dputs);
	if (strcmp(policy, "illumos-fast") == 0) {
		tap_ok(resizes > 0, "seed %#" PRIx64 " %s: magazines grew (%" PRIu64
		    " resizes)", seed, policy, resizes);
		tap_ok(ptrims > 0, "seed %#" PRIx64 " %s: depots were trimmed (%"
		    PRIu64 " magazines)", seed, policy, ptrims);
	} else
		tap_is(resizes, 0, "seed %#" PRIx64 " %s: fixed magazines", seed,
		    policy);
	smp_teardown();
}

/* ---- part 2: memory pressure */

/* What a probe reclaimer saw when it ran. */
struct smp_snap {
	unsigned calls;			/* # of times the probe ran */
	uint64_t free;			/* free pages */
	uint64_t trims_a, inval_a, inval_b; /* cache A trims, A and B invalidations */
	uint64_t pgfree_a, pgfree_b;	/* pages freed by A's and B's pools */
	uint64_t qslabs;		/* kmem_va_arena-4096's slabs */
};

static pool_cache_t smp_pa, smp_pb, smp_pc, smp_kq;
static struct smp_snap smp_snap[5];
static struct uvm_reclaimer smp_probe[5];
static const int smp_probe_order[5] = { 15, 25, 35, 45, 55 };

/* smp_take: a snapshot now. */
static void
smp_take(struct smp_snap *s)
{
	struct pool_cache_stats st;
	struct pool_stats ps;
	struct uvm_stats us;
	unsigned calls = s->calls;

	memset(s, 0, sizeof(*s));
	s->calls = calls;
	uvm_stats(&us);
	s->free = us.freepages;
	pool_cache_stats(smp_pa, &st);
	s->trims_a = st.trims;
	s->inval_a = st.invalidations;
	pool_cache_stats(smp_pb, &st);
	s->inval_b = st.invalidations;
	pool_stats(pool_cache_pool(smp_pa), &ps);
	s->pgfree_a = ps.npagefree;
	pool_stats(pool_cache_pool(smp_pb), &ps);
	s->pgfree_b = ps.npagefree;
	pool_stats(pool_cache_pool(smp_kq), &ps);
	s->qslabs = ps.npages;
}

/* smp_probe_fn: a probe reclaimer: record a snapshot, free nothing. */
static uint64_t
smp_probe_fn(void *arg, uint64_t want)
{
	struct smp_snap *s = arg;

	(void)want;
	s->calls++;
	smp_take(s);
	return 0;
}

/* smp_calls: the probes' call counts, as "c15 c25 c35 c45 c55". */
static const char *
smp_calls(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%u %u %u %u %u", smp_snap[0].calls,
	    smp_snap[1].calls, smp_snap[2].calls, smp_snap[3].calls,
	    smp_snap[4].calls);
	return buf;
}

/* smp_fill: get n objects of pc on the current CPU into v[], then put them all back. */
static void
smp_fill(pool_cache_t pc, vmem_addr_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		v[i] = pool_cache_get(pc, PR_NOWAIT);
	for (unsigned i = 0; i < n; i++)
		pool_cache_put(pc, v[i]);
}

/* smp_free_pages: free physical pages now. */
static uint64_t
smp_free_pages(void)
{
	struct uvm_stats us;

	uvm_stats(&us);
	return us.freepages;
}

/* smp_pressure_check: the balances and checks of part 2 (held: objects of A, B, C held). */
static void
smp_pressure_check(const char *what, uint64_t ha, uint64_t hb, uint64_t hc)
{
	char buf[256];
	bool ok = true;

	R.failed = false;
	smp_check_balance(smp_pa, ha, NULL, NULL);
	smp_check_balance(smp_pb, hb, NULL, NULL);
	smp_check_balance(smp_pc, hc, NULL, NULL);
	smp_check_pages();
	ok = !R.failed;
	if (pool_cache_check(smp_pa, buf, sizeof(buf)) != 0 ||
	    pool_cache_check(smp_pb, buf, sizeof(buf)) != 0 ||
	    pool_cache_check(smp_pc, buf, sizeof(buf)) != 0 ||
	    pool_cache_check(smp_kq, buf, sizeof(buf)) != 0)
		ok = false;
	tap_ok(ok, "%s: balances, pages and pool_cache_check hold", what);
}

static vmem_addr_t smp_cobj[4];		/* C's objects, held on CPU 2 */
static unsigned smp_hook_calls;

/*
 * smp_hook_free: another thread (CPU 2) gives back C's 4 objects and
 * invalidates C, so that C's page goes back to the page layer; the
 * sleeper is then woken.
 */
static int
smp_hook_free(struct kml_wchan *wc)
{
	unsigned me = fakeenv.fe_cur;

	(void)wc;
	smp_hook_calls++;
	fakeenv.fe_cur = 2;
	for (unsigned i = 0; i < 4; i++)
		pool_cache_put(smp_pc, smp_cobj[i]);
	pool_cache_invalidate(smp_pc);
	fakeenv.fe_cur = me;
	smp_sleep_hook = NULL;
	return 0;
}

/* test_pressure: the reclaimers' order, early stop, NOWAIT failure, WAITOK sleep. */
static void
test_pressure(void)
{
	static vmem_addr_t va[1024], vb[64];
	struct uvm_params up;
	struct uvm_stats us0, us1;
	struct pool_cache_stats st;
	struct pool_stats ps;
	uint64_t got, w0, wq, raw;
	vmem_addr_t q, x;

	memset(&R, 0, sizeof(R));
	R.policy = "pressure";
	smp_install();
	uvm_params_default(&up);
	up.up_physpages = 512;
	up.up_lowat = 16;
	up.up_hiwat = 64;
	tap_is(uvm_init(&up), 0, "pressure: uvm_init with 512 pages");
	pool_cache_set_default_policy(NULL);
	smp_pa = pool_cache_init(256, 0, 0, 0, "smp-A", NULL, 0, NULL, NULL, NULL);
	smp_pb = pool_cache_init(512, 0, 0, 0, "smp-B", NULL, 0, NULL, NULL, NULL);
	smp_pc = pool_cache_init(1024, 0, 0, 0, "smp-C", NULL, 0, NULL, NULL, NULL);
	smp_kq = smp_find_cache("kmem_va_arena-4096");
	tap_ok(smp_kq != NULL, "kmem_va_arena has a quantum cache for 4096");
	pool_cache_sethiwat(smp_pa, 0);		/* A: empty pages go at once */
	pool_cache_sethiwat(smp_pc, 0);		/* C: the same */
	pool_set_idle(pool_cache_pool(smp_pb), 0); /* B: empty pages idle at once */
	pool_stats(pool_cache_pool(smp_pa), &ps);
	tap_is(ps.itemsperpage, 16, "A: 16 items of 256 bytes per page");
	pool_stats(pool_cache_pool(smp_pb), &ps);
	tap_is(ps.itemsperpage, 8, "B: 8 items of 512 bytes per page");
	for (unsigned i = 0; i < 5; i++) {
		smp_probe[i].ur_name = "smp probe";
		smp_probe[i].ur_order = smp_probe_order[i];
		smp_probe[i].ur_fn = smp_probe_fn;
		smp_probe[i].ur_arg = &smp_snap[i];
		uvm_reclaimer_register(&smp_probe[i]);
	}

	/*
	 * 1. The pagedaemon stops as soon as enough is free: A caches 1024
	 * objects (64 pages); its depot has 67 full magazines (1005 objects,
	 * pages 0..61 wholly and 13 of page 62), its CPU 19.
	 */
	fakeenv.fe_cur = 0;
	smp_fill(smp_pa, va, 1024);
	pool_cache_stats(smp_pa, &st);
	tap_is(st.depot_full, 67, "A: 67 full magazines in the depot");
	tap_is(st.cpu_cached, 19, "A: 19 objects in CPU 0's magazines");
	tap_is(pool_cache_trim(smp_pa), 0, "A: a first trim sets the working set");
	raw = smp_free_pages() - 10;
	tap_is(uvm_pages_alloc(raw, UVM_KMF_NOWAIT), 0, "take all but 10 free pages");
	uvm_stats(&us0);
	got = uvm_pagedaemon();
	uvm_stats(&us1);
	tap_is(got, 62, "pagedaemon: 62 pages from trimming A");
	tap_is(us1.freepages, 72, "72 free pages after it");
	tap_is_str(smp_calls(), "1 0 0 0 0", "it stopped after the trim (probe 25 "
	    "not reached)");
	tap_is(smp_snap[0].free, 10, "probe 15: 10 free pages");
	tap_is(smp_snap[0].trims_a, 0, "probe 15: no trim yet");
	pool_cache_stats(smp_pa, &st);
	tap_is(st.trims, 67, "A: 67 magazines trimmed");
	tap_is(st.invalidations, 0, "A: not invalidated");
	tap_is(st.cpu_cached, 19, "A: CPU magazines untouched");
	tap_is(us1.reclaimed - us0.reclaimed, 62, "uvm reclaimed: 62");
	tap_is(us1.pagedaemon_runs - us0.pagedaemon_runs, 1, "1 pagedaemon run");
	uvm_pages_free(raw);
	smp_pressure_check("after the early stop", 0, 0, 0);
	pool_cache_invalidate(smp_pa);
	pool_stats(pool_cache_pool(smp_pa), &ps);
	tap_is(ps.npages, 0, "A: invalidated, every page freed (hiwat 0)");

	/*
	 * 2. The order.  A: 128 objects (8 pages), trim set: its depot's 7
	 * full magazines (105 objects: pages 0..5 and 9 of page 6) go at the
	 * trim, the 23 in CPU 0's magazines at the invalidation.  B: 64
	 * objects (8 pages) cached on CPU 1; the invalidation empties its
	 * pages, which stay until the idle-page reclaimer.  kmem_va_arena's
	 * 4096 cache: one object freed into a magazine; its slab goes back at
	 * UVM_RECLAIM_QCACHE.  Free pages: 0, so that everything runs.
	 */
	for (unsigned i = 0; i < 5; i++)
		smp_snap[i].calls = 0;
	fakeenv.fe_cur = 0;
	smp_fill(smp_pa, va, 128);
	tap_is(pool_cache_trim(smp_pa), 0, "A: working set set");
	fakeenv.fe_cur = 1;
	smp_fill(smp_pb, vb, 64);
	fakeenv.fe_cur = 0;
	w0 = smp_free_pages();
	tap_is(vmem_alloc(kmem_va_arena, 4096, VM_NOSLEEP, &q), 0,
	    "vmem_alloc 4096 from kmem_va_arena (its quantum cache)");
	wq = w0 - smp_free_pages();
	/*
	 * kmem_va_arena is address space: as in NetBSD, physical pages come
	 * with uvm_km_alloc, not with vmem_alloc, so the slab wires nothing.
	 */
	tap_is(wq, 0, "the 64 KiB slab is address space only: no page wired");
	vmem_free(kmem_va_arena, q, 4096);
	tap_is(w0 - smp_free_pages(), wq, "freed into the magazine: the slab stays");
	raw = smp_free_pages();
	tap_is(uvm_pages_alloc(raw, UVM_KMF_NOWAIT), 0, "take every free page");
	smp_pressure_check("before the order run", 0, 0, 0);
	smp_take(&smp_snap[0]);
	uvm_stats(&us0);
	got = uvm_pagedaemon();
	uvm_stats(&us1);
	tap_is_str(smp_calls(), "1 1 1 1 1", "every probe ran once");
	tap_is(got, 16 + wq, "pagedaemon: 8 + 8 + %" PRIu64 " pages", wq);
	tap_is(us1.reclaimed - us0.reclaimed, 16 + wq, "uvm reclaimed: all of them");
	/* before the trim */
	tap_is(smp_snap[0].free, 0, "15: nothing free");
	/* trim: A's depot */
	tap_is(smp_snap[1].trims_a - smp_snap[0].trims_a, 7, "20: A's 7 full "
	    "magazines trimmed");
	tap_is(smp_snap[1].free, 6, "20: A's pages 0..5 back");
	tap_is(smp_snap[1].inval_a - smp_snap[0].inval_a, 0, "20: no invalidation yet");
	/* invalidate: A's CPU magazines, B's everything; B's pages stay */
	tap_is(smp_snap[2].inval_a - smp_snap[1].inval_a, 1, "30: A invalidated");
	tap_is(smp_snap[2].inval_b - smp_snap[1].inval_b, 1, "30: B invalidated");
	tap_is(smp_snap[2].free, 8, "30: A's pages 6 and 7 back");
	tap_is(smp_snap[2].pgfree_b - smp_snap[1].pgfree_b, 0, "30: B's pages "
	    "empty but kept");
	tap_is(smp_snap[2].qslabs, 1, "30: the quantum cache's slab still there");
	/* kmem_va_arena's quantum caches */
	tap_is(smp_snap[3].qslabs, 0, "40: the quantum cache's slab given back");
	tap_is(smp_snap[3].free, 8 + wq, "40: its %" PRIu64 " pages free", wq);
	tap_is(smp_snap[3].pgfree_b - smp_snap[2].pgfree_b, 0, "40: B's pages "
	    "still kept");
	/* idle pages */
	tap_is(smp_snap[4].pgfree_b - smp_snap[3].pgfree_b, 8, "50: B's 8 idle "
	    "pages freed");
	tap_is(smp_snap[4].free, 16 + wq, "50: everything free");
	smp_pressure_check("after the order run", 0, 0, 0);

	/*
	 * 3. Nothing to reclaim: a PR_NOWAIT get fails cleanly (the pagedaemon
	 * ran, found nothing, nobody slept, nothing reported).
	 */
	raw += smp_free_pages();
	tap_is(uvm_pages_alloc(smp_free_pages(), UVM_KMF_NOWAIT), 0,
	    "take every free page again");
	for (unsigned i = 0; i < 5; i++)
		smp_snap[i].calls = 0;
	uvm_stats(&us0);
	x = pool_cache_get(smp_pa, PR_NOWAIT);
	uvm_stats(&us1);
	tap_is(x, 0, "PR_NOWAIT get with no memory: 0");
	tap_is_str(smp_calls(), "1 1 1 1 1", "the pagedaemon ran every reclaimer");
	tap_is(us1.pagedaemon_runs - us0.pagedaemon_runs, 0, "and reclaimed nothing");
	tap_is(us1.km_fails - us0.km_fails, 1, "uvm_km_alloc failed once");
	tap_is(us1.waits - us0.waits, 0, "nobody slept");
	tap_is(us1.errors - us0.errors, 0, "nothing reported by the page layer");
	pool_cache_stats(smp_pa, &st);
	tap_is(st.fails, 1, "A: 1 failed get");
	pool_stats(pool_cache_pool(smp_pa), &ps);
	tap_is(ps.nfail, 1, "A's pool: 1 failed get");
	tap_is(ps.errors, 0, "A's pool: nothing reported");
	tap_is(fakeenv.fe_nsleep, 0, "the environment saw no sleep");
	smp_pressure_check("after the PR_NOWAIT failure", 0, 0, 0);

	/*
	 * 4. PR_WAITOK: the get sleeps for memory; meanwhile CPU 2 gives back
	 * C's 4 objects (one page) and invalidates C; the get proceeds.
	 */
	uvm_pages_free(1);
	fakeenv.fe_cur = 2;
	for (unsigned i = 0; i < 4; i++)
		smp_cobj[i] = pool_cache_get(smp_pc, PR_NOWAIT);
	tap_ok(smp_cobj[0] != 0 && smp_cobj[3] != 0 && (smp_cobj[0] & ~(vmem_addr_t)4095) ==
	    (smp_cobj[3] & ~(vmem_addr_t)4095), "CPU 2 holds C's 4 objects, one page");
	tap_is(smp_free_pages(), 0, "no free page");
	fakeenv.fe_cur = 0;
	smp_sleep_hook = smp_hook_free;
	smp_hook_calls = 0;
	uvm_stats(&us0);
	x = pool_cache_get(smp_pa, PR_WAITOK);
	uvm_stats(&us1);
	tap_ok(x != 0 && pool_owns(pool_cache_pool(smp_pa), x), "PR_WAITOK get "
	    "proceeds after the free");
	tap_is(smp_hook_calls, 1, "it slept once");
	tap_is(us1.waits - us0.waits, 1, "uvm: 1 sleep for memory");
	tap_is(us1.waiters, 0, "nobody sleeps now");
	tap_is(us1.errors - us0.errors, 0, "nothing reported");
	tap_ok(fakeenv.fe_nwakeup >= 1, "the free woke the sleeper");
	pool_stats(pool_cache_pool(smp_pc), &ps);
	tap_is(ps.npages, 0, "C's page went back");
	smp_pressure_check("after the PR_WAITOK sleep", 1, 0, 0);

	/*
	 * 5. PR_WAITOK with nobody to free anything: the sleep is refused as
	 * a deadlock, reported by the page layer, and the get fails.
	 */
	uvm_stats(&us0);
	pool_stats(pool_cache_pool(smp_pa), &ps);
	for (unsigned i = 1; i < ps.itemsperpage; i++)
		va[i] = pool_cache_get(smp_pa, PR_NOWAIT);
	tap_is(smp_free_pages(), 0, "A's page full, no free page");
	fakeenv.fe_nrefused = 0;
	fprintf(stderr, "stack_mp_test: a deadlock report from uvm follows\n");
	va[0] = pool_cache_get(smp_pa, PR_WAITOK);
	uvm_stats(&us1);
	tap_is(va[0], 0, "PR_WAITOK get that nothing can satisfy: 0");
	tap_is(fakeenv.fe_nrefused, 1, "its sleep was refused as a deadlock");
	tap_is(us1.errors - us0.errors, 1, "the page layer reported it");
	tap_is(us1.waiters, 0, "nobody sleeps");
	smp_pressure_check("after the deadlock", ps.itemsperpage, 0, 0);
	for (unsigned i = 1; i < ps.itemsperpage; i++)
		pool_cache_put(smp_pa, va[i]);
	pool_cache_put(smp_pa, x);

	/* tear down */
	uvm_pages_free(raw - 1);
	for (unsigned i = 0; i < 5; i++)
		uvm_reclaimer_unregister(&smp_probe[i]);
	pool_cache_destroy(smp_pa);
	pool_cache_destroy(smp_pb);
	pool_cache_destroy(smp_pc);
	uvm_stats(&us1);
	tap_is(us1.rawpages, 0, "every raw page back");
	tap_is(us1.wiredpages, 0, "every wired page back");
	uvm_fini();
	kml_env_set(NULL, NULL);
}

int
main(void)
{
	static const uint64_t seeds[] = { 0x5eed0001, 20240611 };

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		smp_run(seeds[i], "netbsd", SMP_OPS);
		smp_run(seeds[i], "illumos-fast", SMP_OPS);
	}
	test_pressure();
	return tap_done();
}
