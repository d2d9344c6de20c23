/*
 * tests/pool_cache_test.c: unit tests of every call in kmemlab/pool_cache.h.
 *
 * How: every cache here sits on a pool whose pages come from a test
 * allocator (pct_pa) that hands out 4 KiB pages at known addresses from
 * PCT_BASE up and takes them back, so every object address is known: a
 * 64-byte object is item i of page k at PCT_BASE + k * 4096 + 64 + 64 * i
 * (the page header is in the page, no colour).  Each case performs one
 * call at a time and checks its exact result: the address returned, the
 * cache statistics as a string of every non-zero field in
 * pool_cache_statdesc order (pct_st), the per-CPU statistics, the pool's
 * statistics, the constructor and destructor calls (pct_ctor/pct_dtor keep
 * a constructed flag per address, so that an object constructed twice or
 * destructed while not constructed is caught), every error report of the
 * pool (captured by pct_handler), and pool_cache_check after every step.
 *
 * The magazine bound (lib/pool_cache.c, section 2) is tested on one CPU
 * with magazines of 1, 2, 5, 15 and 63 rounds over random sequences with
 * fixed seeds (printed in every check name): at most ceil(n / M) + 1
 * depot accesses in n operations, and two accesses at least M operations
 * apart; and over adversarial ones: alternating get/put with exactly M
 * objects in the CPU's magazines (after a get miss and after a put miss),
 * and runs of M gets and M puts, which must not access the depot at all.  Depot contention,
 * adaptive growth and the drain hook need two CPUs: a fake environment
 * (tests/fakeenv.h) with two CPUs, each with its own clock and thread, is
 * installed with kml_env_set, and every cost is set to 0 so that the
 * clocks move only by kml_delay and lock waits, and waits are exact.
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

#include "fakeenv.h"
#include "tap.h"

#define PCT_BASE	((vmem_addr_t)0x40000000)	/* first page of pct_pa */
#define PCT_PAGESZ	((uint64_t)4096)
#define PCT_MAXPAGES	4096				/* pages pct_pa can hand out */

/* PCT_ITEM: item i of page k for a 64-byte pool (header in the page). */
#define PCT_ITEM(k, i)	(PCT_BASE + (vmem_addr_t)(k) * PCT_PAGESZ + 64 + 64 * (vmem_addr_t)(i))

/* ---- the test page allocator */

/* Pages handed out by pct_pa: fresh ones from PCT_BASE up, freed ones reused LIFO. */
static struct {
	unsigned next;			/* pages handed out fresh so far */
	vmem_addr_t freed[PCT_MAXPAGES]; /* pages given back, reused last first */
	unsigned nfreed;
	uint64_t allocs, frees;		/* # of pa_alloc that returned a page, # of pa_free */
	bool fail;			/* pa_alloc returns 0 */
} pct_pages;

/* pct_pa_alloc: a page (reused LIFO, else the next fresh one), or 0 when failing. */
static vmem_addr_t
pct_pa_alloc(struct pool *pp, int flags)
{
	(void)pp;
	(void)flags;
	if (pct_pages.fail)
		return 0;
	pct_pages.allocs++;
	if (pct_pages.nfreed > 0)
		return pct_pages.freed[--pct_pages.nfreed];
	if (pct_pages.next == PCT_MAXPAGES)
		tap_bail("pct_pa_alloc: out of test pages");
	return PCT_BASE + (vmem_addr_t)pct_pages.next++ * PCT_PAGESZ;
}

/* pct_pa_free: take page back. */
static void
pct_pa_free(struct pool *pp, vmem_addr_t page)
{
	(void)pp;
	pct_pages.frees++;
	pct_pages.freed[pct_pages.nfreed++] = page;
}

static struct pool_allocator pct_pa = {
	.pa_alloc = pct_pa_alloc,
	.pa_free = pct_pa_free,
	.pa_pagesz = PCT_PAGESZ,
	.pa_name = "pct",
};

/*
 * pct_pages_reset: start a case with no page out, so that page k is again
 * PCT_BASE + k * 4096.  Checks that the previous case gave every page back.
 */
static void
pct_pages_reset(const char *what)
{
	tap_is(pct_pages.allocs, pct_pages.frees, "%s: every test page given back",
	    what);
	memset(&pct_pages, 0, sizeof(pct_pages));
}

/* ---- error reports of the pools */

static struct {
	int n;				/* # of reports since pct_rep_reset */
	enum pool_error err;		/* class of the last one */
	char msg[512];			/* its message */
} pct_rep;

/* pct_handler: the error handler of every pool: records the report. */
static void
pct_handler(void *arg, struct pool *pp, enum pool_error err, const char *msg)
{
	(void)arg;
	(void)pp;
	pct_rep.n++;
	pct_rep.err = err;
	snprintf(pct_rep.msg, sizeof(pct_rep.msg), "%s", msg);
}

/* pct_rep_reset: forget the reports seen so far. */
static void
pct_rep_reset(void)
{
	memset(&pct_rep, 0, sizeof(pct_rep));
}

/* ---- constructors that count */

#define PCT_NSLOTS	(PCT_MAXPAGES * PCT_PAGESZ / 8)

/* The constructor's and destructor's record, one per cache (their arg). */
struct pct_obj {
	uint64_t nctor, ndtor;		/* calls */
	uint64_t twice;			/* objects constructed while constructed */
	uint64_t unbuilt;		/* objects destructed while not constructed */
	uint64_t foreign;		/* addresses outside the test pages */
	unsigned fail_next;		/* fail this many next constructor calls */
	int last_flags;			/* flags of the last constructor call */
	vmem_addr_t last_ctor, last_dtor; /* addresses of the last calls */
};

/* Constructed flag per 8-byte slot of the test pages, all caches. */
static unsigned char pct_built[PCT_NSLOTS];

/* pct_slot: the flag of obj, or NULL (counted) if outside the test pages. */
static unsigned char *
pct_slot(struct pct_obj *o, vmem_addr_t obj)
{
	if (obj < PCT_BASE || (obj - PCT_BASE) / 8 >= PCT_NSLOTS) {
		o->foreign++;
		return NULL;
	}
	return &pct_built[(obj - PCT_BASE) / 8];
}

/* pct_ctor: construct obj (mark it); fail if asked to (obj stays unmarked). */
static int
pct_ctor(void *arg, vmem_addr_t obj, int flags)
{
	struct pct_obj *o = arg;
	unsigned char *s = pct_slot(o, obj);

	o->nctor++;
	o->last_flags = flags;
	o->last_ctor = obj;
	if (o->fail_next > 0) {
		o->fail_next--;
		return 12;
	}
	if (s != NULL) {
		if (*s)
			o->twice++;
		*s = 1;
	}
	return 0;
}

/* pct_dtor: destruct obj (unmark it). */
static void
pct_dtor(void *arg, vmem_addr_t obj)
{
	struct pct_obj *o = arg;
	unsigned char *s = pct_slot(o, obj);

	o->ndtor++;
	o->last_dtor = obj;
	if (s != NULL) {
		if (!*s)
			o->unbuilt++;
		*s = 0;
	}
}

/* pct_built_p: true if obj is marked constructed. */
static bool
pct_built_p(vmem_addr_t obj)
{
	return obj >= PCT_BASE && (obj - PCT_BASE) / 8 < PCT_NSLOTS &&
	    pct_built[(obj - PCT_BASE) / 8];
}

/* pct_obj_ok: check that o saw no construction error. */
static void
pct_obj_ok(const struct pct_obj *o, const char *what)
{
	tap_is(o->twice + o->unbuilt + o->foreign, 0, "%s: no object constructed "
	    "twice, destructed unconstructed or foreign", what);
}

/* ---- caches and statistics */

/* pct_new: a cache of size-byte objects on pct_pa, with the counting constructor. */
static pool_cache_t
pct_new(size_t size, int flags, const char *name, struct pct_obj *o)
{
	memset(o, 0, sizeof(*o));
	return pool_cache_init(size, 0, 0, flags, name, &pct_pa, 0, pct_ctor,
	    pct_dtor, o);
}

/*
 * pct_fmt: every non-zero field of st, "name=value" in pool_cache_statdesc
 * order, space separated.  The string lives until the fourth next call.
 */
static const char *
pct_fmt(const struct pool_cache_stats *st)
{
	static char bufs[4][1024];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t len = 0;

	b[0] = '\0';
	for (size_t i = 0; i < pool_cache_nstatdesc; i++) {
		uint64_t v = kml_stat_get(st, &pool_cache_statdesc[i]);

		if (v != 0 && len < 1000)
			len += (size_t)snprintf(b + len, 1024 - len, "%s%s=%" PRIu64,
			    len ? " " : "", pool_cache_statdesc[i].sd_name, v);
	}
	return b;
}

/* pct_st: pct_fmt of pc's summed statistics. */
static const char *
pct_st(pool_cache_t pc)
{
	struct pool_cache_stats st;

	pool_cache_stats(pc, &st);
	return pct_fmt(&st);
}

/* pct_cpu_st: pct_fmt of pc's statistics for cpu. */
static const char *
pct_cpu_st(pool_cache_t pc, unsigned cpu)
{
	struct pool_cache_stats st;

	pool_cache_cpu_stats(pc, cpu, &st);
	return pct_fmt(&st);
}

/* pct_pst: the pool statistics of pc's pool. */
static struct pool_stats
pct_pst(pool_cache_t pc)
{
	struct pool_stats st;

	pool_stats(pool_cache_pool(pc), &st);
	return st;
}

/* pct_check: pool_cache_check(pc) must pass. */
static void
pct_check(pool_cache_t pc, const char *what)
{
	char buf[256] = "";
	int r = pool_cache_check(pc, buf, sizeof(buf));

	tap_ok(r == 0, "%s: pool_cache_check passes%s%s", what, r ? ": " : "", buf);
}

/* ---- the PRNG: splitmix64 */

static uint64_t pct_rnd_state;

/* pct_rnd: the next 64-bit number of the sequence seeded in pct_rnd_state. */
static uint64_t
pct_rnd(void)
{
	uint64_t z = (pct_rnd_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* pct_rnd_below: uniform in [0, n). */
static uint64_t
pct_rnd_below(uint64_t n)
{
	return pct_rnd() % n;
}

/* ---- a fake environment: two CPUs with their own clocks */

#define PCT_NCPU 2

/* pct_fake_sleep: nobody sleeps in these cases: refuse as a deadlock. */
static int
pct_fake_sleep(struct kml_wchan *wc, unsigned nsleep, char *why,
    unsigned len, void *arg)
{
	(void)nsleep;
	(void)arg;
	snprintf(why, len, "pct fake: no sleeping on \"%s\"", wc->wc_name);
	return KML_EDEADLK;
}

/*
 * pct_fake_install: the fake environment (tests/fakeenv.h): CPU
 * fakeenv.fe_cur runs thread 100 + cur in thread context, the clock is
 * that CPU's, a sleep is refused; CPU 0 current, clocks 0, every cost 0
 * (clocks move only by kml_delay and by lock waits).
 */
static void
pct_fake_install(void)
{
	for (unsigned i = 0; i < KML_COST_NCOSTS; i++)
		kml_cost_set(kml_costdesc[i].cd_name, 0);
	fakeenv_install("pct2", PCT_NCPU, 100);
	fakeenv.fe_on_sleep = pct_fake_sleep;
}

/* pct_fake_remove: back to the uniprocessor environment and the default costs. */
static void
pct_fake_remove(void)
{
	kml_env_set(NULL, NULL);
	kml_env_uni_reset();
	kml_cost_reset();
}

/* ---- cases */

/* test_policy: pool_cache_policy_default and the magazine types. */
static void
test_policy(void)
{
	static const unsigned want_sizes[] = { 1, 3, 7, 15, 31, 47, 63, 95, 143 };
	struct pool_cache_policy p;

	memset(&p, 0xa5, sizeof(p));
	tap_is(pool_cache_policy_default(&p, "netbsd"), 0, "policy netbsd: 0");
	tap_ok(!p.pcp_adaptive && p.pcp_magsize == 15 && p.pcp_magsize_large == 63 &&
	    p.pcp_contention == 0 && !p.pcp_trim &&
	    p.pcp_interval_ns == UINT64_C(15000000000) && !p.pcp_nomag,
	    "policy netbsd: fixed, 15/63, no trim, interval 15 s, magazines");
	memset(&p, 0xa5, sizeof(p));
	tap_is(pool_cache_policy_default(&p, "illumos"), 0, "policy illumos: 0");
	tap_ok(p.pcp_adaptive && p.pcp_magsize == 15 && p.pcp_magsize_large == 63 &&
	    p.pcp_contention == 3 && p.pcp_trim &&
	    p.pcp_interval_ns == UINT64_C(15000000000),
	    "policy illumos: adaptive, contention 3, trim, interval 15 s");
	tap_is((uint64_t)(int64_t)pool_cache_policy_default(&p, "solaris"),
	    (uint64_t)(int64_t)-1, "policy solaris: -1");
	tap_is((uint64_t)(int64_t)pool_cache_policy_default(&p, ""),
	    (uint64_t)(int64_t)-1, "policy \"\": -1");
	tap_is((uint64_t)(int64_t)pool_cache_policy_default(&p, "NetBSD"),
	    (uint64_t)(int64_t)-1, "policy NetBSD (case matters): -1");
	tap_is(pool_cache_nmagsizes, 9, "9 magazine types");
	tap_ok(memcmp(pool_cache_magsizes, want_sizes, sizeof(want_sizes)) == 0,
	    "magazine types 1 3 7 15 31 47 63 95 143");
}

/* test_statdesc: the table names every field once, in struct order. */
static void
test_statdesc(void)
{
	bool inorder = true, named = true;

	tap_is(pool_cache_nstatdesc, sizeof(struct pool_cache_stats) / sizeof(uint64_t),
	    "pool_cache_statdesc has one entry per field (%zu)",
	    sizeof(struct pool_cache_stats) / sizeof(uint64_t));
	for (size_t i = 0; i < pool_cache_nstatdesc; i++) {
		const struct kml_statdesc *d = &pool_cache_statdesc[i];

		if (d->sd_offset != i * sizeof(uint64_t))
			inorder = false;
		if (d->sd_name == NULL || d->sd_descr == NULL || d->sd_name[0] == '\0')
			named = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(pool_cache_statdesc[j].sd_name, d->sd_name) == 0)
				named = false;
	}
	tap_ok(inorder, "statdesc offsets follow the struct");
	tap_ok(named, "statdesc names are present and distinct");
	tap_is_str(pool_cache_statdesc[15].sd_name, "depot_wait_ns", "entry 15 is depot_wait_ns");
	tap_is(pool_cache_statdesc[15].sd_unit, KML_UNIT_NS, "depot_wait_ns is in ns");
	tap_is(pool_cache_statdesc[0].sd_unit, KML_UNIT_COUNT, "cpu_gets is a count");
}

/*
 * test_paths: every hit and miss path of get and put on one CPU, with the
 * statistics after each step (magsize 15, 64-byte objects).
 */
static void
test_paths(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a[64], x;
	bool same;
	unsigned i;

	pct_pages_reset("before paths");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-paths", &o);
	tap_is_str(pool_cache_name(pc), "pct-paths", "name");
	tap_is_str(pool_name(pool_cache_pool(pc)), "pct-paths", "the pool has the name");
	tap_is_str(pct_st(pc), "magsize=15", "new cache: magsize 15, nothing else");
	tap_is_str(pct_cpu_st(pc, 0), "magsize=15", "new cache: cpu 0 nothing");

	/* the pool layer: 46 gets on an empty cache */
	same = true;
	for (i = 0; i < 46; i++) {
		a[i] = pool_cache_get(pc, PR_NOWAIT);
		if (a[i] != PCT_ITEM(0, i) || !pct_built_p(a[i]) || o.last_ctor != a[i])
			same = false;
	}
	tap_ok(same, "46 gets: items 0..45 of page 0, each constructed");
	tap_is_str(pct_st(pc), "cpu_gets=46 cpu_misses=46 depot_get_misses=46 "
	    "pool_gets=46 ctor_calls=46 magsize=15", "46 gets: all to the pool layer");
	tap_is(o.nctor, 46, "46 constructor calls");
	tap_is(o.last_flags, PR_NOWAIT, "constructor given PR_NOWAIT");
	tap_is(pct_pst(pc).inuse, 46, "pool: 46 in use");
	pct_check(pc, "46 gets");

	/* 15 puts: a new magazine, then 14 hits */
	for (i = 0; i < 15; i++)
		pool_cache_put(pc, a[i]);
	tap_is_str(pct_st(pc), "cpu_gets=46 cpu_misses=46 cpu_puts=15 "
	    "cpu_put_hits=14 cpu_put_misses=1 cpu_cached=15 depot_get_misses=46 "
	    "depot_put_misses=1 pool_gets=46 ctor_calls=46 magsize=15 mag_allocs=1",
	    "15 puts: 1 miss (new magazine), 14 hits");
	/* 1 put: loaded full, no previous: a second new magazine */
	pool_cache_put(pc, a[15]);
	tap_is_str(pct_st(pc), "cpu_gets=46 cpu_misses=46 cpu_puts=16 "
	    "cpu_put_hits=14 cpu_put_misses=2 cpu_cached=16 depot_get_misses=46 "
	    "depot_put_misses=2 pool_gets=46 ctor_calls=46 magsize=15 mag_allocs=2",
	    "16th put: miss, second magazine, depot still has no full one");
	/* 14 hits, then a miss that sends the full previous to the depot */
	for (i = 16; i < 31; i++)
		pool_cache_put(pc, a[i]);
	tap_is_str(pct_st(pc), "cpu_gets=46 cpu_misses=46 cpu_puts=31 "
	    "cpu_put_hits=28 cpu_put_misses=3 cpu_cached=16 depot_get_misses=46 "
	    "depot_put_misses=3 depot_full=1 depot_cached=15 pool_gets=46 "
	    "ctor_calls=46 magsize=15 mag_allocs=3",
	    "31st put: a full magazine goes to the depot");
	for (i = 31; i < 46; i++)
		pool_cache_put(pc, a[i]);
	tap_is_str(pct_st(pc), "cpu_gets=46 cpu_misses=46 cpu_puts=46 "
	    "cpu_put_hits=42 cpu_put_misses=4 cpu_cached=16 depot_get_misses=46 "
	    "depot_put_misses=4 depot_full=2 depot_cached=30 pool_gets=46 "
	    "ctor_calls=46 magsize=15 mag_allocs=4", "46 puts: 2 full in the depot");
	tap_is(o.nctor, 46, "puts construct nothing");
	tap_is(o.ndtor, 0, "puts destruct nothing");
	tap_is(pct_pst(pc).inuse, 46, "pool: cached objects stay in use");
	pct_check(pc, "46 puts");

	/* gets: LIFO from the loaded magazine, then the previous (exchange) */
	x = pool_cache_get(pc, PR_WAITOK);
	tap_is(x, a[45], "get: the last object put (loaded magazine)");
	x = pool_cache_get(pc, PR_WAITOK);
	tap_is(x, a[44], "get: exchange with the full previous magazine");
	same = true;
	for (i = 43; i >= 30; i--)
		if (pool_cache_get(pc, PR_WAITOK) != a[i])
			same = false;
	tap_ok(same, "gets 44..30 in LIFO order");
	tap_is_str(pct_st(pc), "cpu_gets=62 cpu_hits=16 cpu_misses=46 cpu_puts=46 "
	    "cpu_put_hits=42 cpu_put_misses=4 depot_get_misses=46 "
	    "depot_put_misses=4 depot_full=2 depot_cached=30 pool_gets=46 "
	    "ctor_calls=46 magsize=15 mag_allocs=4",
	    "16 gets: all hits, CPU magazines empty");
	/* a miss served by the depot: its last full magazine (LIFO list) */
	x = pool_cache_get(pc, PR_WAITOK);
	tap_is(x, a[29], "get miss: top of the depot's newest full magazine");
	tap_is_str(pct_st(pc), "cpu_gets=63 cpu_hits=16 cpu_misses=47 cpu_puts=46 "
	    "cpu_put_hits=42 cpu_put_misses=4 cpu_cached=14 depot_get_hits=1 "
	    "depot_get_misses=46 depot_put_misses=4 depot_full=1 depot_empty=1 "
	    "depot_cached=15 pool_gets=46 ctor_calls=46 magsize=15 mag_allocs=4",
	    "get miss: depot hit, the empty previous goes to the depot");
	tap_is(o.nctor, 46, "depot hits construct nothing");
	pct_check(pc, "depot get hit");

	/* puts: 16 hits (fill, exchange), then a miss served by the depot's empty */
	for (i = 29; i < 45; i++)
		pool_cache_put(pc, a[i]);
	tap_is_str(pct_st(pc), "cpu_gets=63 cpu_hits=16 cpu_misses=47 cpu_puts=62 "
	    "cpu_put_hits=58 cpu_put_misses=4 cpu_cached=30 depot_get_hits=1 "
	    "depot_get_misses=46 depot_put_misses=4 depot_full=1 depot_empty=1 "
	    "depot_cached=15 pool_gets=46 ctor_calls=46 magsize=15 mag_allocs=4",
	    "16 puts: hits, both CPU magazines full");
	pool_cache_put(pc, a[45]);
	tap_is_str(pct_st(pc), "cpu_gets=63 cpu_hits=16 cpu_misses=47 cpu_puts=63 "
	    "cpu_put_hits=58 cpu_put_misses=5 cpu_cached=16 depot_get_hits=1 "
	    "depot_get_misses=46 depot_put_hits=1 depot_put_misses=4 depot_full=2 "
	    "depot_cached=30 pool_gets=46 ctor_calls=46 magsize=15 mag_allocs=4",
	    "put miss: the depot's empty magazine, no new one");
	tap_is_str(pct_cpu_st(pc, 0), "cpu_gets=63 cpu_hits=16 cpu_misses=47 "
	    "cpu_puts=63 cpu_put_hits=58 cpu_put_misses=5 cpu_cached=16 magsize=15",
	    "cpu 0 statistics: the per-CPU fields only");
	tap_is_str(pct_cpu_st(pc, 1), "magsize=15", "cpu 1 (never ran): nothing");
	tap_is_str(pct_cpu_st(pc, KML_MAXCPUS), "magsize=15", "cpu KML_MAXCPUS: nothing");
	pct_check(pc, "depot put hit");

	/* invalidate: every cached object destructed into the pool */
	pool_cache_invalidate(pc);
	tap_is_str(pct_st(pc), "cpu_gets=63 cpu_hits=16 cpu_misses=47 cpu_puts=63 "
	    "cpu_put_hits=58 cpu_put_misses=5 depot_get_hits=1 depot_get_misses=46 "
	    "depot_put_hits=1 depot_put_misses=4 pool_gets=46 pool_puts=46 "
	    "ctor_calls=46 dtor_calls=46 magsize=15 mag_allocs=4 invalidations=1",
	    "invalidate: 46 destructed, every magazine freed");
	same = true;
	for (i = 0; i < 46; i++)
		if (pct_built_p(a[i]))
			same = false;
	tap_ok(same, "invalidate: each of the 46 objects destructed");
	tap_is(pct_pst(pc).inuse, 0, "invalidate: pool has nothing in use");
	tap_is(pct_pst(pc).nput, 46, "invalidate: 46 pool_put");
	pct_obj_ok(&o, "paths");
	pct_check(pc, "invalidate");

	/* after invalidation a get constructs again, lowest free item */
	x = pool_cache_get(pc, PR_WAITOK);
	tap_is(x, PCT_ITEM(0, 0), "get after invalidate: item 0 from the pool");
	tap_is(o.nctor, 47, "get after invalidate: constructed again");
	tap_is(o.last_flags, PR_WAITOK, "constructor given PR_WAITOK");
	pool_cache_put(pc, x);
	tap_is(pct_rep.n, 0, "no error reported");
	pool_cache_destroy(pc);
	tap_is(o.ndtor, 47, "destroy: the cached object destructed");
	tap_is(pct_rep.n, 0, "destroy: nothing reported");
	pct_obj_ok(&o, "paths after destroy");
}

/* test_ctor_fail: a constructor failure fails the get and gives the object back. */
static void
test_ctor_fail(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a, b;

	pct_pages_reset("before ctor_fail");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-ctor", &o);
	a = pool_cache_get(pc, PR_NOWAIT);
	tap_is(a, PCT_ITEM(0, 0), "first get: item 0");
	o.fail_next = 1;
	b = pool_cache_get(pc, PR_NOWAIT | PR_ZERO);
	tap_is(b, 0, "get with a failing constructor: 0");
	tap_is(o.last_ctor, PCT_ITEM(0, 1), "the constructor was given item 1");
	tap_is(o.last_flags, PR_NOWAIT, "constructor given PR_NOWAIT only (not PR_ZERO)");
	tap_ok(!pct_built_p(PCT_ITEM(0, 1)), "item 1 is not constructed");
	tap_is_str(pct_st(pc), "cpu_gets=2 cpu_misses=2 depot_get_misses=2 "
	    "pool_gets=2 pool_puts=1 ctor_calls=2 ctor_fails=1 fails=1 magsize=15",
	    "constructor failure: counted, item given back, get failed");
	tap_is(o.ndtor, 0, "no destructor call for the failed object");
	tap_is(pct_pst(pc).inuse, 1, "pool: only item 0 in use");
	tap_is(pct_pst(pc).nput, 1, "pool: the failed item was put back");
	b = pool_cache_get(pc, PR_WAITOK);
	tap_is(b, PCT_ITEM(0, 1), "next get: item 1 again, constructed");
	tap_ok(pct_built_p(b), "item 1 now constructed");
	tap_is(o.nctor, 3, "3 constructor calls");
	/* a get served by a magazine calls no constructor, so cannot fail */
	pool_cache_put(pc, a);
	pool_cache_put(pc, b);
	o.fail_next = 1;
	tap_is(pool_cache_get(pc, PR_NOWAIT), b, "cached get: no constructor call");
	tap_is(o.nctor, 3, "still 3 constructor calls");
	o.fail_next = 0;
	pool_cache_put(pc, b);
	tap_is(pool_cache_peak(pc), 2, "peak: 2 objects out at once (the "
	    "failed get not counted)");
	pct_check(pc, "ctor_fail");
	pool_cache_destroy(pc);
	tap_is(o.ndtor, 2, "destroy: 2 destructor calls");
	tap_is(pct_rep.n, 0, "nothing reported");
	pct_obj_ok(&o, "ctor_fail");
}

/*
 * test_nomag: with pcp_nomag every get and put goes to the pool layer
 * (constructed and destructed each time), nothing is cached, the depot is
 * never visited, and each get and put takes the pool's lock once.
 */
static void
test_nomag(void)
{
	struct pool_cache_policy p;
	struct kml_lockstat ls0, ls1, dl;
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a, b;

	pct_pages_reset("before nomag");
	pct_rep_reset();
	pool_cache_policy_default(&p, "netbsd");
	p.pcp_nomag = true;
	pool_cache_set_default_policy(&p);
	pc = pct_new(64, 0, "pct-nomag", &o);
	pool_cache_set_default_policy(NULL);
	a = pool_cache_get(pc, PR_NOWAIT);
	pool_lockstat(pool_cache_pool(pc), &ls0);
	b = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, b);
	pool_lockstat(pool_cache_pool(pc), &ls1);
	tap_is(ls1.ls_acquire - ls0.ls_acquire, 2,
	    "nomag: a get and a put take the pool's lock once each");
	tap_ok(pct_built_p(a) && !pct_built_p(b),
	    "nomag: a constructed, b destructed on its put");
	pool_cache_put(pc, a);
	b = pool_cache_get(pc, PR_WAITOK);
	tap_ok(pct_built_p(b), "nomag: a get constructs again");
	pool_cache_put(pc, b);
	tap_is(pool_cache_peak(pc), 2, "nomag: peak 2 objects out");
	pool_cache_depot_lockstat(pc, &dl);
	tap_is(dl.ls_acquire, 0, "nomag: the depot lock is never taken");
	tap_is_str(pct_st(pc), "cpu_gets=3 cpu_misses=3 cpu_puts=3 "
	    "cpu_put_misses=3 pool_gets=3 pool_puts=3 ctor_calls=3 "
	    "dtor_calls=3 magsize=15",
	    "nomag: every get and put a miss to the pool layer, no depot");
	tap_is(pct_pst(pc).inuse, 0, "nomag: nothing out of the pool");
	pct_check(pc, "nomag");
	pool_cache_destroy(pc);
	tap_is(o.nctor, 3, "nomag: 3 constructor calls");
	tap_is(o.ndtor, 3, "nomag: 3 destructor calls, one per put");
	tap_is(pct_rep.n, 0, "nomag: nothing reported");
	pct_obj_ok(&o, "nomag");
}

/*
 * test_unchecked: pool_cache_set_checking(false): puts are trusted, so a
 * foreign address goes into the magazine unreported (what the kernels
 * do); pool_cache_check still finds it.
 */
static void
test_unchecked(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a;
	char buf[256];

	pct_pages_reset("before unchecked");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-unchecked", &o);
	a = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, a);
	pool_cache_set_checking(false);
	a = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, 0xdead0000);
	pool_cache_set_checking(true);
	tap_is(pct_rep.n, 0, "unchecked: a foreign put is not reported");
	tap_is_str(pct_st(pc), "cpu_gets=2 cpu_hits=1 cpu_misses=1 cpu_puts=2 "
	    "cpu_put_hits=1 cpu_put_misses=1 cpu_cached=1 depot_get_misses=1 "
	    "depot_put_misses=1 pool_gets=1 ctor_calls=1 magsize=15 "
	    "mag_allocs=1", "unchecked: the foreign address is cached");
	tap_ok(pool_cache_check(pc, buf, sizeof(buf)) != 0,
	    "unchecked: pool_cache_check finds it");
	tap_contains(buf, "0xdead0000", "unchecked: the check names it");
	/* clean up: invalidation hands it to the pool, which reports it */
	pool_cache_invalidate(pc);
	tap_is(pct_rep.n, 1, "unchecked: the pool reports it when it gets it");
	tap_is(pct_rep.err, POOL_ERR_BADADDR, "unchecked: as a bad address");
	pool_cache_put(pc, a);
	pool_cache_destroy(pc);
}

/* test_errors: misuse at this layer, and what is not detected here. */
static void
test_errors(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a, b;
	char buf[256];
	char want[256];

	pct_pages_reset("before errors");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-err", &o);
	a = pool_cache_get(pc, PR_NOWAIT);
	b = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, b);

	/* a foreign address */
	pool_cache_put(pc, 0xdead0000);
	tap_is(pct_rep.n, 1, "foreign put: reported once");
	tap_is(pct_rep.err, POOL_ERR_BADADDR, "foreign put: bad address");
	tap_is_str(pct_rep.msg, "pool \"pct-err\": pool_put: 0xdead0000 is not an "
	    "item of this pool (no page of the pool holds it)", "foreign put: message");
	tap_is_str(pct_st(pc), "cpu_gets=2 cpu_misses=2 cpu_puts=2 cpu_put_misses=1 "
	    "cpu_cached=1 depot_get_misses=2 depot_put_misses=1 pool_gets=2 "
	    "ctor_calls=2 magsize=15 mag_allocs=1 errors=1",
	    "foreign put: counted as an error, nothing cached");
	/* inside an item */
	pool_cache_put(pc, a + 8);
	tap_is(pct_rep.err, POOL_ERR_BADADDR, "put inside an item: bad address");
	snprintf(want, sizeof(want), "pool \"pct-err\": pool_put: %#" PRIx64
	    " is not the start of an item (inside an item)", a + 8);
	tap_is_str(pct_rep.msg, want, "put inside an item: message");
	/* a free item: put back to the pool by invalidation, then put again */
	pool_cache_invalidate(pc);
	tap_ok(!pct_built_p(b), "invalidate destructed the cached object");
	pool_cache_put(pc, b);
	tap_is(pct_rep.n, 3, "put of a free item: reported");
	tap_is(pct_rep.err, POOL_ERR_DUPFREE, "put of a free item: duplicate free");
	snprintf(want, sizeof(want), "pool \"pct-err\": pool_put: item %#" PRIx64
	    " is already free", b);
	tap_is_str(pct_rep.msg, want, "put of a free item: message");
	tap_is_str(pct_st(pc), "cpu_gets=2 cpu_misses=2 cpu_puts=4 cpu_put_misses=1 "
	    "depot_get_misses=2 depot_put_misses=1 pool_gets=2 pool_puts=1 "
	    "ctor_calls=2 dtor_calls=1 magsize=15 mag_allocs=1 invalidations=1 "
	    "errors=3", "3 errors, nothing cached, no destructor call for them");
	tap_is(pct_pst(pc).errors, 3, "the pool counted 3 errors");
	tap_is(pct_pst(pc).inuse, 1, "the pool still has object a out");
	tap_is(o.ndtor, 1, "1 destructor call");
	pct_check(pc, "after misuse");

	/* bad flags reach the pool layer on a miss */
	tap_is(pool_cache_get(pc, 0), 0, "get with neither sleep flag (miss): 0");
	tap_is(pct_rep.err, POOL_ERR_FLAGS, "get with no sleep flag: bad flags");
	tap_is_str(pct_rep.msg, "pool \"pct-err\": pool_get: flags 0: need exactly "
	    "one of PR_WAITOK and PR_NOWAIT", "bad flags: message");
	tap_is(o.nctor, 2, "bad flags: no constructor call");

	/* a double put of an object still out is not detected at this layer */
	pct_rep_reset();
	pool_cache_put(pc, a);
	pool_cache_put(pc, a);
	tap_is(pct_rep.n, 0, "double put of a cached object: not reported here");
	buf[0] = '\0';
	tap_is((uint64_t)(int64_t)pool_cache_check(pc, buf, sizeof(buf)),
	    (uint64_t)(int64_t)-1, "pool_cache_check catches it");
	snprintf(want, sizeof(want), "object %#" PRIx64 " cached twice", a);
	tap_is_str(buf, want, "pool_cache_check: cached twice");
	/* invalidating destructs it twice and the pool reports the second put */
	pool_cache_invalidate(pc);
	tap_is(pct_rep.n, 1, "invalidate: the second pool_put is reported");
	tap_is(pct_rep.err, POOL_ERR_DUPFREE, "invalidate: duplicate free");
	tap_is(o.unbuilt, 1, "the object was destructed twice");
	o.unbuilt = 0;
	tap_is(pct_pst(pc).inuse, 0, "pool: nothing out");
	pct_check(pc, "after invalidating the double put");

	/* destroy with an object out: the pool reports it */
	a = pool_cache_get(pc, PR_NOWAIT);
	pct_rep_reset();
	pool_cache_destroy(pc);
	tap_is(pct_rep.err, POOL_ERR_BUSY, "destroy with an object out: pool busy");
	tap_is_str(pct_rep.msg, "pool \"pct-err\": pool_destroy: 1 items still out",
	    "destroy: message");
	pct_built[(a - PCT_BASE) / 8] = 0;
	pct_obj_ok(&o, "errors");
}

/*
 * test_flags_hit: flags are checked on every get, a hit included (NetBSD
 * asserts them at entry); the pool reports them and the get fails.
 */
static void
test_flags_hit(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a;

	pct_pages_reset("before flags_hit");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-flags", &o);
	a = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, a);
	tap_is(pool_cache_get(pc, PR_WAITOK | PR_NOWAIT), 0,
	    "get with both sleep flags fails though a magazine has the object");
	tap_is(pct_rep.n, 1, "bad flags reported on a would-be hit");
	tap_is(pct_rep.err, POOL_ERR_FLAGS, "bad flags: POOL_ERR_FLAGS");
	tap_is(pool_cache_get(pc, PR_NOWAIT), a, "the object is still cached");
	pool_cache_put(pc, a);
	pool_cache_destroy(pc);
	pct_obj_ok(&o, "flags_hit");
}

/* test_sizes: magazine sizes by policy, PR_LARGECACHE, object size, custom. */
static void
test_sizes(void)
{
	static const struct {
		size_t size;
		unsigned want;
	} adapt[] = {
		{ 8, 15 }, { 64, 15 }, { 72, 7 }, { 128, 7 }, { 256, 7 },
		{ 264, 3 }, { 1000, 3 }, { 3200, 3 }, { 3208, 1 },
	};
	struct pool_cache_policy p;
	struct pct_obj o;
	pool_cache_t pc;

	pct_pages_reset("before sizes");
	pc = pct_new(64, PR_LARGECACHE, "pct-large", &o);
	tap_is_str(pct_st(pc), "magsize=63", "PR_LARGECACHE: 63 per magazine");
	pool_cache_destroy(pc);

	pool_cache_policy_default(&p, "illumos");
	pool_cache_set_default_policy(&p);
	for (size_t i = 0; i < sizeof(adapt) / sizeof(adapt[0]); i++) {
		struct pool_cache_stats st;

		pc = pct_new(adapt[i].size, 0, "pct-adapt", &o);
		pool_cache_stats(pc, &st);
		tap_is(st.magsize, adapt[i].want, "illumos: %zu-byte objects start "
		    "with %u-round magazines", adapt[i].size, adapt[i].want);
		pool_cache_destroy(pc);
	}
	pc = pct_new(64, PR_LARGECACHE, "pct-adapt", &o);
	tap_is_str(pct_st(pc), "magsize=15", "illumos: PR_LARGECACHE changes nothing");
	pool_cache_destroy(pc);
	pool_cache_set_default_policy(NULL);
	pc = pct_new(128, 0, "pct-net", &o);
	tap_is_str(pct_st(pc), "magsize=15", "default policy back to netbsd: 15");

	/* pool_cache_set_policy: custom fixed size; purges first */
	vmem_addr_t a = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, a);
	pool_cache_policy_default(&p, "netbsd");
	p.pcp_magsize = 4;
	pool_cache_set_policy(pc, &p);
	tap_is_str(pct_st(pc), "cpu_gets=1 cpu_misses=1 cpu_puts=1 cpu_put_misses=1 "
	    "depot_get_misses=1 depot_put_misses=1 pool_gets=1 pool_puts=1 "
	    "ctor_calls=1 dtor_calls=1 magsize=4 mag_allocs=1 invalidations=1",
	    "set_policy: the cached object destructed, magsize 4");
	for (unsigned i = 0; i < 5; i++)
		(void)pool_cache_get(pc, PR_NOWAIT);
	tap_is(pct_pst(pc).inuse, 5, "5 objects out");
	/* put them back: 4 fit one magazine, the fifth needs a second */
	for (unsigned i = 0; i < 5; i++)
		pool_cache_put(pc, PCT_BASE + 64 + 128 * (vmem_addr_t)i);
	tap_is_str(pct_cpu_st(pc, 0), "cpu_gets=6 cpu_misses=6 cpu_puts=6 "
	    "cpu_put_hits=3 cpu_put_misses=3 cpu_cached=5 magsize=4",
	    "magsize 4: puts 1 and 5 miss");
	pct_check(pc, "custom magsize");
	pool_cache_destroy(pc);
	pct_obj_ok(&o, "sizes");
}

/* test_list: pool_cache_first / pool_cache_next in creation order. */
static void
test_list(void)
{
	struct pct_obj o1, o2, o3;
	pool_cache_t a, b, c, pc;
	unsigned n = 0;
	bool order = true;

	pct_pages_reset("before list");
	a = pct_new(32, 0, "pct-l1", &o1);
	b = pct_new(32, 0, "pct-l2", &o2);
	c = pct_new(32, 0, "pct-l3", &o3);
	for (pc = pool_cache_first(); pc != NULL; pc = pool_cache_next(pc)) {
		if (n == 0 && pc != a)
			order = false;
		if (n == 1 && pc != b)
			order = false;
		if (n == 2 && pc != c)
			order = false;
		n++;
	}
	tap_is(n, 3, "3 caches listed");
	tap_ok(order, "in creation order");
	pool_cache_destroy(b);
	tap_ok(pool_cache_first() == a && pool_cache_next(a) == c &&
	    pool_cache_next(c) == NULL, "destroyed cache unlinked");
	pool_cache_destroy(a);
	pool_cache_destroy(c);
	tap_ok(pool_cache_first() == NULL, "no cache left");
}

/*
 * test_trim_explicit: pool_cache_trim releases the magazines the depot did
 * not need since the last trim (the fewest full and empty it held).
 */
static void
test_trim_explicit(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a[80];
	unsigned i;

	pct_pages_reset("before trim");
	pc = pct_new(64, 0, "pct-trim", &o);
	for (i = 0; i < 75; i++)
		a[i] = pool_cache_get(pc, PR_NOWAIT);
	for (i = 0; i < 75; i++)
		pool_cache_put(pc, a[i]);
	/* 5 magazines: loaded and previous full, 3 full in the depot */
	tap_is_str(pct_st(pc), "cpu_gets=75 cpu_misses=75 cpu_puts=75 "
	    "cpu_put_hits=70 cpu_put_misses=5 cpu_cached=30 depot_get_misses=75 "
	    "depot_put_misses=5 depot_full=3 depot_cached=45 pool_gets=75 "
	    "ctor_calls=75 magsize=15 mag_allocs=5", "75 puts: 3 full in the depot");
	tap_is(pool_cache_trim(pc), 0, "first trim: nothing (no interval seen yet)");
	/* 31 gets: 30 hits, then the depot hands out one full magazine */
	for (i = 0; i < 31; i++)
		(void)pool_cache_get(pc, PR_NOWAIT);
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=30 cpu_misses=76 cpu_puts=75 "
	    "cpu_put_hits=70 cpu_put_misses=5 cpu_cached=14 depot_get_hits=1 "
	    "depot_get_misses=75 depot_put_misses=5 depot_full=2 depot_empty=1 "
	    "depot_cached=30 pool_gets=75 ctor_calls=75 magsize=15 mag_allocs=5",
	    "31 gets: one full magazine from the depot, one empty to it");
	tap_is(pool_cache_trim(pc), 2, "trim: the 2 full magazines never needed");
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=30 cpu_misses=76 cpu_puts=75 "
	    "cpu_put_hits=70 cpu_put_misses=5 cpu_cached=14 depot_get_hits=1 "
	    "depot_get_misses=75 depot_put_misses=5 depot_empty=1 pool_gets=75 "
	    "pool_puts=30 ctor_calls=75 dtor_calls=30 magsize=15 mag_allocs=5 trims=2",
	    "trim: 30 objects destructed, the empty magazine kept");
	tap_is(pct_pst(pc).inuse, 45, "pool: 45 out (31 held, 14 cached)");
	tap_is(pool_cache_trim(pc), 1, "trim again: the empty magazine");
	tap_is(pool_cache_trim(pc), 0, "trim again: nothing");
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=30 cpu_misses=76 cpu_puts=75 "
	    "cpu_put_hits=70 cpu_put_misses=5 cpu_cached=14 depot_get_hits=1 "
	    "depot_get_misses=75 depot_put_misses=5 pool_gets=75 pool_puts=30 "
	    "ctor_calls=75 dtor_calls=30 magsize=15 mag_allocs=5 trims=3",
	    "trims counts magazines, full and empty");
	tap_is(o.ndtor, 30, "30 destructor calls");
	pct_check(pc, "trim");
	pool_cache_invalidate(pc);
	for (i = 0; i < 75; i++)
		if (pct_built_p(a[i]))
			pool_cache_put(pc, a[i]);
	pool_cache_destroy(pc);
	tap_is(o.ndtor, 75, "every object destructed once at the end");
	pct_obj_ok(&o, "trim");
}

/*
 * test_trim_minimum: the working set is the fewest magazines the depot
 * held since the last trim, not what it holds at the trim: a dip to 2
 * full magazines followed by a refill to 3 trims 2.
 */
static void
test_trim_minimum(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a[80];
	unsigned i;

	pct_pages_reset("before trim minimum");
	pc = pct_new(64, 0, "pct-wset", &o);
	for (i = 0; i < 75; i++)
		a[i] = pool_cache_get(pc, PR_NOWAIT);
	for (i = 0; i < 75; i++)
		pool_cache_put(pc, a[i]);
	tap_is(pool_cache_trim(pc), 0, "working set: 3 full, first trim sets it");
	/* 30 hits empty the CPU; the 31st get takes a full magazine: 2 left */
	for (i = 0; i < 31; i++)
		a[i] = pool_cache_get(pc, PR_NOWAIT);
	/* 17 puts: fill, exchange, fill, miss: a full magazine back, 3 again */
	for (i = 0; i < 17; i++)
		pool_cache_put(pc, a[30 - i]);
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=30 cpu_misses=76 cpu_puts=92 "
	    "cpu_put_hits=86 cpu_put_misses=6 cpu_cached=16 depot_get_hits=1 "
	    "depot_get_misses=75 depot_put_hits=1 depot_put_misses=5 depot_full=3 "
	    "depot_cached=45 pool_gets=75 ctor_calls=75 magsize=15 mag_allocs=5",
	    "the depot went down to 2 full magazines and back to 3");
	tap_is(pool_cache_trim(pc), 2, "trim: the 2 full magazines kept throughout");
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=30 cpu_misses=76 cpu_puts=92 "
	    "cpu_put_hits=86 cpu_put_misses=6 cpu_cached=16 depot_get_hits=1 "
	    "depot_get_misses=75 depot_put_hits=1 depot_put_misses=5 depot_full=1 "
	    "depot_cached=15 pool_gets=75 pool_puts=30 ctor_calls=75 dtor_calls=30 "
	    "magsize=15 mag_allocs=5 trims=2", "one full magazine left in the depot");
	pct_check(pc, "trim minimum");
	for (i = 0; i < 14; i++)
		pool_cache_put(pc, a[i]);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "every constructed object destructed");
	pct_obj_ok(&o, "trim minimum");
}

/*
 * test_trim_lazy: the illumos working set: at the first depot access at or
 * after the update time, the depot releases what it did not need.
 */
static void
test_trim_lazy(void)
{
	const kml_vtime_t iv = UINT64_C(15000000000);
	struct pool_cache_policy p;
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t a[64], x;
	unsigned i;

	pct_pages_reset("before lazy trim");
	kml_env_uni_reset();
	pc = pct_new(64, 0, "pct-lazy", &o);
	pool_cache_policy_default(&p, "illumos");
	pool_cache_set_policy(pc, &p);
	for (i = 0; i < 60; i++)
		a[i] = pool_cache_get(pc, PR_NOWAIT);
	for (i = 0; i < 60; i++)
		pool_cache_put(pc, a[i]);
	tap_is_str(pct_st(pc), "cpu_gets=60 cpu_misses=60 cpu_puts=60 "
	    "cpu_put_hits=56 cpu_put_misses=4 cpu_cached=30 depot_get_misses=60 "
	    "depot_put_misses=4 depot_full=2 depot_cached=30 pool_gets=60 "
	    "ctor_calls=60 magsize=15 mag_allocs=4 invalidations=1",
	    "illumos: 60 puts, 2 full in the depot");
	/* first interval ends: the update sees no interval history and trims nothing */
	kml_delay(iv);
	for (i = 0; i < 31; i++)
		(void)pool_cache_get(pc, PR_NOWAIT);
	tap_is_str(pct_st(pc), "cpu_gets=91 cpu_hits=30 cpu_misses=61 cpu_puts=60 "
	    "cpu_put_hits=56 cpu_put_misses=4 cpu_cached=14 depot_get_hits=1 "
	    "depot_get_misses=60 depot_put_misses=4 depot_full=1 depot_empty=1 "
	    "depot_cached=15 pool_gets=60 ctor_calls=60 magsize=15 mag_allocs=4 "
	    "invalidations=1", "first update: nothing trimmed");
	/* drain the CPU's magazines (hits: no depot access) */
	for (i = 0; i < 14; i++)
		(void)pool_cache_get(pc, PR_NOWAIT);
	tap_is(o.ndtor, 0, "no destructor call yet");
	/* second interval ends: the full magazine the depot kept throughout goes */
	kml_delay(iv);
	x = pool_cache_get(pc, PR_NOWAIT);
	tap_is(x, PCT_ITEM(0, 0), "get after the update: the trimmed object 0 from "
	    "the pool");
	tap_is(o.ndtor, 15, "update: one full magazine destructed");
	tap_is_str(pct_st(pc), "cpu_gets=106 cpu_hits=44 cpu_misses=62 cpu_puts=60 "
	    "cpu_put_hits=56 cpu_put_misses=4 depot_get_hits=1 depot_get_misses=61 "
	    "depot_put_misses=4 depot_empty=1 pool_gets=61 pool_puts=15 "
	    "ctor_calls=61 dtor_calls=15 magsize=15 mag_allocs=4 trims=1 "
	    "invalidations=1", "working set: 1 full magazine trimmed");
	/* third interval: the empty magazine, unused, goes too */
	kml_delay(iv);
	x = pool_cache_get(pc, PR_NOWAIT);
	tap_is(x, PCT_ITEM(0, 1), "get after the third update: object 1");
	tap_is_str(pct_st(pc), "cpu_gets=107 cpu_hits=44 cpu_misses=63 cpu_puts=60 "
	    "cpu_put_hits=56 cpu_put_misses=4 depot_get_hits=1 depot_get_misses=62 "
	    "depot_put_misses=4 pool_gets=62 pool_puts=15 ctor_calls=62 "
	    "dtor_calls=15 magsize=15 mag_allocs=4 trims=2 invalidations=1",
	    "working set: the unused empty magazine trimmed");
	pct_check(pc, "lazy trim");
	/* netbsd: no trimming however long the interval */
	pool_cache_policy_default(&p, "netbsd");
	pool_cache_set_policy(pc, &p);
	x = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, x);
	pool_cache_put(pc, PCT_ITEM(0, 0));
	kml_delay(10 * iv);
	pool_cache_put(pc, PCT_ITEM(0, 1));
	tap_is(pool_cache_get(pc, PR_NOWAIT), PCT_ITEM(0, 1), "netbsd: cache kept");
	tap_is(pool_cache_get(pc, PR_NOWAIT), PCT_ITEM(0, 0), "netbsd: cache kept");
	tap_is(pool_cache_get(pc, PR_NOWAIT), x, "netbsd: cache kept");
	{
		struct pool_cache_stats st;

		pool_cache_stats(pc, &st);
		tap_is(st.trims, 2, "netbsd: no trims");
	}
	/* give everything back */
	pool_cache_invalidate(pc);
	for (vmem_addr_t v = PCT_ITEM(0, 0); v <= PCT_ITEM(0, 62); v += 64)
		if (pct_built_p(v))
			pool_cache_put(pc, v);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "every constructed object destructed");
	pct_obj_ok(&o, "lazy trim");
	kml_env_uni_reset();
}

/*
 * pct_contend: n rounds in which CPU 0 advances 1000 ns and takes the
 * depot lock (a get that misses), then CPU 1, 1000 ns behind, does the same
 * and waits 1000 ns: n contended acquisitions.  The objects got go to
 * held[] (*nheld grows by 2n).
 */
static void
pct_contend(pool_cache_t pc, unsigned n, vmem_addr_t *held, unsigned *nheld)
{
	for (unsigned r = 0; r < n; r++) {
		fakeenv.fe_cur = 0;
		kml_delay(1000);
		held[(*nheld)++] = pool_cache_get(pc, PR_NOWAIT);
		fakeenv.fe_cur = 1;
		fakeenv.fe_clock[1] = fakeenv.fe_clock[0] - 1000;
		held[(*nheld)++] = pool_cache_get(pc, PR_NOWAIT);
	}
	fakeenv.fe_cur = 0;
}

/* pct_trigger: CPU 0 moves past the update time and takes the depot lock. */
static void
pct_trigger(pool_cache_t pc, kml_vtime_t iv, vmem_addr_t *held, unsigned *nheld)
{
	fakeenv.fe_cur = 0;
	kml_delay(iv);
	held[(*nheld)++] = pool_cache_get(pc, PR_NOWAIT);
}

/*
 * pct_growth: the magazine sizes a cache of size-byte objects goes
 * through under repeated contention, starting at type first.
 */
static void
pct_growth(size_t size, unsigned first, unsigned last)
{
	const kml_vtime_t iv = UINT64_C(15000000000);
	static vmem_addr_t held[256];
	struct pool_cache_policy p;
	struct pool_cache_stats st;
	struct pct_obj o;
	pool_cache_t pc;
	unsigned nheld = 0, t = first;
	bool ok = true;

	pct_pages_reset("before growth");
	pct_fake_install();
	pool_cache_policy_default(&p, "illumos");
	pc = pct_new(size, 0, "pct-grow", &o);
	pool_cache_set_policy(pc, &p);
	pool_cache_stats(pc, &st);
	tap_is(st.magsize, pool_cache_magsizes[first], "%zu-byte objects: start at %u",
	    size, pool_cache_magsizes[first]);
	for (unsigned step = 0; step < pool_cache_nmagsizes; step++) {
		pct_contend(pc, 4, held, &nheld);
		pct_trigger(pc, iv, held, &nheld);
		pool_cache_stats(pc, &st);
		if (t < last)
			t++;
		if (st.magsize != pool_cache_magsizes[t] || st.resizes != t - first)
			ok = false;
	}
	tap_ok(ok, "%zu-byte objects grow through the types up to %u and stop", size,
	    pool_cache_magsizes[last]);
	tap_is(st.resizes, last - first, "%zu-byte objects: %u resizes", size,
	    last - first);
	tap_is(st.depot_contended, 4 * pool_cache_nmagsizes, "%zu-byte objects: "
	    "every contended acquisition counted", size);
	pct_check(pc, "growth");
	for (unsigned i = 0; i < nheld; i++)
		pool_cache_put(pc, held[i]);
	pool_cache_destroy(pc);
	pct_obj_ok(&o, "growth");
	pct_fake_remove();
}

/*
 * test_adaptive: depot contention on two CPUs; more than pcp_contention
 * contended acquisitions in an interval grow the magazines at the first
 * depot access at or after the update time, purging them first.  Costs
 * are 0, so the clocks and the update times are exact: the policy is set
 * at 0, so the updates are due at iv, then iv after each update.
 */
static void
test_adaptive(void)
{
	const kml_vtime_t iv = UINT64_C(15000000000);
	struct pool_cache_policy p;
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t held[64];
	unsigned nheld = 0;

	pct_pages_reset("before adaptive");
	pct_fake_install();
	pool_cache_policy_default(&p, "illumos");
	pc = pct_new(64, 0, "pct-adapt", &o);
	pool_cache_set_policy(pc, &p);

	/* exactly pcp_contention contended acquisitions: no growth */
	pct_contend(pc, 3, held, &nheld);
	tap_is(fakeenv.fe_clock[0], 3000, "cpu 0 at 3000 ns");
	tap_is(fakeenv.fe_clock[1], 3000, "cpu 1 waited up to 3000 ns");
	tap_is_str(pct_st(pc), "cpu_gets=6 cpu_misses=6 depot_get_misses=6 "
	    "depot_contended=3 depot_wait_ns=3000 pool_gets=6 ctor_calls=6 "
	    "magsize=15 invalidations=1", "3 contended acquisitions, 1000 ns each");
	tap_is_str(pct_cpu_st(pc, 1), "cpu_gets=3 cpu_misses=3 magsize=15",
	    "cpu 1: 3 gets");
	kml_delay(iv - 3000);
	held[nheld++] = pool_cache_get(pc, PR_NOWAIT);
	tap_is_str(pct_st(pc), "cpu_gets=7 cpu_misses=7 depot_get_misses=7 "
	    "depot_contended=3 depot_wait_ns=3000 pool_gets=7 ctor_calls=7 "
	    "magsize=15 invalidations=1", "update at iv after 3 (not more than 3): "
	    "no growth");

	/* 4 contended acquisitions, with objects cached on CPU 1 */
	pct_contend(pc, 4, held, &nheld);
	fakeenv.fe_cur = 1;
	for (unsigned i = 0; i < 4; i++)
		pool_cache_put(pc, held[nheld - 1 - 2 * i]);
	tap_is_str(pct_cpu_st(pc, 1), "cpu_gets=7 cpu_misses=7 cpu_puts=4 "
	    "cpu_put_hits=3 cpu_put_misses=1 cpu_cached=4 magsize=15",
	    "cpu 1 caches its 4 objects");
	/* a depot access 1 ns before the update time: no update */
	fakeenv.fe_cur = 0;
	kml_delay(2 * iv - 1 - fakeenv.fe_clock[0]);
	held[nheld++] = pool_cache_get(pc, PR_NOWAIT);
	tap_is_str(pct_st(pc), "cpu_gets=16 cpu_misses=16 cpu_puts=4 cpu_put_hits=3 "
	    "cpu_put_misses=1 cpu_cached=4 depot_get_misses=16 depot_put_misses=1 "
	    "depot_contended=7 depot_wait_ns=7000 pool_gets=16 ctor_calls=16 "
	    "magsize=15 mag_allocs=1 invalidations=1", "at 2 iv - 1: not due yet");
	/* at the update time: purge, grow */
	kml_delay(1);
	held[nheld++] = pool_cache_get(pc, PR_NOWAIT);
	tap_is_str(pct_st(pc), "cpu_gets=17 cpu_misses=17 cpu_puts=4 cpu_put_hits=3 "
	    "cpu_put_misses=1 depot_get_misses=17 depot_put_misses=1 "
	    "depot_contended=7 depot_wait_ns=7000 pool_gets=17 pool_puts=4 "
	    "ctor_calls=17 dtor_calls=4 magsize=31 mag_allocs=1 resizes=1 "
	    "invalidations=2", "at 2 iv after 4: purge, 31-round magazines");
	tap_is(held[nheld - 1], PCT_ITEM(0, 8), "the get at 2 iv: the lowest item "
	    "given back by the purge (item 8)");
	tap_is_str(pct_cpu_st(pc, 1), "cpu_gets=7 cpu_misses=7 cpu_puts=4 "
	    "cpu_put_hits=3 cpu_put_misses=1 magsize=31", "cpu 1: its magazines purged");
	tap_is_str(pct_cpu_st(pc, 0), "cpu_gets=10 cpu_misses=10 magsize=31",
	    "cpu 0: 10 gets");
	pct_check(pc, "adaptive");
	/* a new magazine has the new size (pool_cache_check compares) */
	pool_cache_put(pc, held[nheld - 1]);
	pct_check(pc, "adaptive, a new magazine");
	pool_cache_invalidate(pc);
	for (unsigned i = 0; i < nheld; i++)
		if (pct_built_p(held[i]))
			pool_cache_put(pc, held[i]);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "adaptive: every constructed object destructed");
	pct_obj_ok(&o, "adaptive");
	pct_fake_remove();

	pct_growth(64, 3, 8);		/* 15 31 47 63 95 143 */
	pct_growth(1500, 1, 6);		/* 3 7 15 31 47 63: 1500 >= 1024 stops it */
	pct_growth(4000, 0, 5);		/* 1 3 7 15 31 47: 4000 >= 2048 stops it */
}

/* pct_drain_pc: the cache the drain hook invalidates. */
static pool_cache_t pct_drain_pc;
static unsigned pct_drain_calls;

/* pct_drain_hook: invalidate pct_drain_pc (objects cached on any CPU go back). */
static void
pct_drain_hook(void *arg, int flags)
{
	(void)arg;
	(void)flags;
	pct_drain_calls++;
	pool_cache_invalidate(pct_drain_pc);
}

/*
 * test_passthrough: the pool pass-through calls, and a drain hook that
 * invalidates the cache lets a get at the hard limit proceed.
 */
static void
test_passthrough(void)
{
	struct pct_obj o;
	struct pool_stats ps;
	pool_cache_t pc;
	vmem_addr_t a, b, c;

	pct_pages_reset("before passthrough");
	pct_rep_reset();
	pc = pct_new(64, 0, "pct-pass", &o);
	pool_cache_setlowat(pc, 70);
	ps = pct_pst(pc);
	tap_is(ps.minpages, 2, "setlowat 70: 2 pages kept");
	tap_is(ps.npages, 2, "setlowat 70: 2 pages allocated now");
	pool_cache_sethiwat(pc, 63);
	tap_is(pct_pst(pc).maxpages, 1, "sethiwat 63: 1 page");
	pool_cache_sethardlimit(pc, 2, "pct limit", 0);
	tap_is(pct_pst(pc).hardlimit, 2, "sethardlimit 2");
	pool_cache_sethardlimit(pc, -1, NULL, 0);
	tap_is(pct_pst(pc).hardlimit, 0, "sethardlimit -1: no limit");
	pool_cache_setlowat(pc, 0);
	pool_cache_sethiwat(pc, 0);

	/* at the hard limit on CPU 0 while CPU 1 caches an object */
	pct_fake_install();
	pct_drain_pc = pc;
	pct_drain_calls = 0;
	pool_cache_set_drain_hook(pc, pct_drain_hook, NULL);
	a = pool_cache_get(pc, PR_NOWAIT);
	fakeenv.fe_cur = 1;
	b = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, b);
	fakeenv.fe_cur = 0;
	pool_cache_sethardlimit(pc, 2, "pct limit", 0);
	c = pool_cache_get(pc, PR_NOWAIT);
	tap_is(pct_drain_calls, 1, "at the limit: the drain hook ran");
	tap_is(c, b, "the hook's invalidate freed b, and the get got it");
	tap_is(pct_rep.err, POOL_ERR_LIMIT, "the limit warning was reported");
	tap_is_str(pct_rep.msg, "pool \"pct-pass\": pct limit", "limit message");
	tap_is(pct_pst(pc).drains, 1, "pool: 1 drain");
	tap_is(o.nctor, 3, "b constructed a second time");
	tap_is(o.ndtor, 1, "b destructed once by the hook");
	/* at the limit with nothing cached: PR_NOWAIT fails */
	pct_rep_reset();
	tap_is(pool_cache_get(pc, PR_NOWAIT), 0, "at the limit, nothing cached: 0");
	tap_is(pct_drain_calls, 2, "the drain hook ran again");
	{
		struct pool_cache_stats st;

		pool_cache_stats(pc, &st);
		tap_is(st.fails, 1, "1 failed get");
	}
	pool_cache_set_drain_hook(pc, NULL, NULL);
	pool_cache_sethardlimit(pc, 0, NULL, 0);
	pool_cache_put(pc, a);
	pool_cache_put(pc, c);
	pct_check(pc, "passthrough");
	pool_cache_destroy(pc);
	pct_obj_ok(&o, "passthrough");
	pct_fake_remove();
}

/* ---- the magazine bound */

/* pct_misses: CPU 0's depot accesses so far (get and put misses). */
static uint64_t
pct_misses(pool_cache_t pc)
{
	struct pool_cache_stats st;

	pool_cache_cpu_stats(pc, 0, &st);
	return st.cpu_misses + st.cpu_put_misses;
}

/*
 * pct_bound_prefill: get n objects (from the pool) and put them all back,
 * so that the depot holds full magazines.
 */
static void
pct_bound_prefill(pool_cache_t pc, vmem_addr_t *buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = pool_cache_get(pc, PR_NOWAIT);
	for (unsigned i = 0; i < n; i++)
		pool_cache_put(pc, buf[i]);
}

#define PCT_BOUND_OPS	3000

/*
 * pct_bound_run: one random sequence of nops gets and puts on a warm cache
 * with M-round magazines: kind 0 picks each op at random with P(get) =
 * pget/1000; kind 1 makes runs of one op of random length 1..3M.  Checks
 * the bound misses <= ceil(nops / M) + 1, that two misses are at least M
 * operations apart, and that the depot always had a full magazine (no
 * pool_get during the run).
 */
static void
pct_bound_run(unsigned M, uint64_t seed, int kind, unsigned pget)
{
	static vmem_addr_t buf[PCT_BOUND_OPS + 4 * 200];
	static vmem_addr_t held[PCT_BOUND_OPS + 4 * 200];
	struct pool_cache_policy p;
	struct pool_cache_stats st;
	struct pct_obj o;
	pool_cache_t pc;
	unsigned nheld = 0, prefill = PCT_BOUND_OPS + 4 * M, runleft = 0;
	uint64_t m0, m, last, lastmiss = 0, mingap = UINT64_MAX, pool0;
	bool isget = false, any = false;

	pct_pages_reset("before bound");
	pct_rnd_state = seed;
	pc = pct_new(16, 0, "pct-bound", &o);
	pool_cache_policy_default(&p, "netbsd");
	p.pcp_magsize = M;
	pool_cache_set_policy(pc, &p);
	pct_bound_prefill(pc, buf, prefill);
	pool_cache_stats(pc, &st);
	pool0 = st.pool_gets;
	m0 = last = pct_misses(pc);
	for (uint64_t i = 1; i <= PCT_BOUND_OPS; i++) {
		if (kind == 0)
			isget = pct_rnd_below(1000) < pget;
		else {
			if (runleft == 0) {
				runleft = 1 + (unsigned)pct_rnd_below(3 * M);
				isget = pct_rnd_below(1000) < pget;
			}
			runleft--;
		}
		if (nheld == 0)
			isget = true;
		if (isget)
			held[nheld++] = pool_cache_get(pc, PR_NOWAIT);
		else {
			unsigned k = (unsigned)pct_rnd_below(nheld);

			pool_cache_put(pc, held[k]);
			held[k] = held[--nheld];
		}
		m = pct_misses(pc);
		if (m != last) {
			if (any && i - lastmiss < mingap)
				mingap = i - lastmiss;
			any = true;
			lastmiss = i;
			last = m;
		}
	}
	m = pct_misses(pc) - m0;
	pool_cache_stats(pc, &st);
	tap_ok(m <= (PCT_BOUND_OPS + M - 1) / M + 1, "M=%u seed %#" PRIx64
	    " kind %d pget %u: %" PRIu64 " depot accesses in %u ops <= %u", M, seed,
	    kind, pget, m, PCT_BOUND_OPS, (PCT_BOUND_OPS + M - 1) / M + 1);
	tap_ok(mingap == UINT64_MAX || mingap >= M, "M=%u seed %#" PRIx64
	    " kind %d pget %u: misses at least M ops apart (closest %" PRIu64 ")",
	    M, seed, kind, pget, mingap == UINT64_MAX ? 0 : mingap);
	tap_is(st.pool_gets, pool0, "M=%u seed %#" PRIx64 " kind %d pget %u: the "
	    "depot always had a full magazine", M, seed, kind, pget);
	while (nheld > 0)
		pool_cache_put(pc, held[--nheld]);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "M=%u seed %#" PRIx64 ": every object destructed "
	    "once", M, seed);
	pct_obj_ok(&o, "bound");
}

/*
 * pct_boundary: reach a state with exactly M objects in CPU 0's two
 * magazines, one full and one empty (after a get miss: loaded full,
 * previous empty; after a put miss: loaded empty, previous full), and
 * alternate get/put (getfirst) or put/get 1000 times: the previous
 * magazine absorbs it, there is no depot access.
 */
static void
pct_boundary(unsigned M, bool after_put_miss, bool getfirst)
{
	static vmem_addr_t buf[4096];
	struct pool_cache_policy p;
	struct pool_cache_stats st0, st1;
	struct pct_obj o;
	pool_cache_t pc;
	vmem_addr_t spare, x;
	unsigned n = 1000, k = 0;
	uint64_t m;

	pct_pages_reset("before boundary");
	pc = pct_new(16, 0, "pct-edge", &o);
	pool_cache_policy_default(&p, "netbsd");
	p.pcp_magsize = M;
	pool_cache_set_policy(pc, &p);
	pct_bound_prefill(pc, buf, 8 * M);
	spare = pool_cache_get(pc, PR_NOWAIT);
	if (after_put_miss) {
		/* 3M gets, then puts up to a put miss: loaded 1, previous full */
		for (k = 0; k < 3 * M; k++)
			buf[k] = pool_cache_get(pc, PR_NOWAIT);
		m = pct_misses(pc);
		while (pct_misses(pc) == m && k > 0)
			pool_cache_put(pc, buf[--k]);
		/* one get leaves the loaded magazine empty, the previous full */
		buf[k++] = pool_cache_get(pc, PR_NOWAIT);
	} else {
		/* gets up to a get miss: loaded M - 1, previous empty; one put */
		m = pct_misses(pc);
		while (pct_misses(pc) == m)
			buf[k++] = pool_cache_get(pc, PR_NOWAIT);
		pool_cache_put(pc, buf[--k]);
	}
	pool_cache_cpu_stats(pc, 0, &st0);
	tap_is(st0.cpu_cached, M, "M=%u %s: exactly M objects in the CPU's magazines",
	    M, after_put_miss ? "after a put miss" : "after a get miss");
	for (unsigned i = 0; i < n; i++) {
		if (getfirst) {
			x = pool_cache_get(pc, PR_NOWAIT);
			pool_cache_put(pc, x);
		} else {
			pool_cache_put(pc, spare);
			spare = pool_cache_get(pc, PR_NOWAIT);
		}
	}
	pool_cache_cpu_stats(pc, 0, &st1);
	tap_is(st1.cpu_misses + st1.cpu_put_misses, st0.cpu_misses + st0.cpu_put_misses,
	    "M=%u %s, alternating %s: no depot access in %u pairs", M,
	    after_put_miss ? "after a put miss" : "after a get miss",
	    getfirst ? "get/put" : "put/get", n);
	tap_is(st1.cpu_hits - st0.cpu_hits, n, "M=%u: every get a hit", M);
	tap_is(st1.cpu_put_hits - st0.cpu_put_hits, n, "M=%u: every put a hit", M);
	pct_check(pc, "boundary");
	pool_cache_put(pc, spare);
	while (k > 0)
		pool_cache_put(pc, buf[--k]);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "M=%u: every object destructed once", M);
	pct_obj_ok(&o, "boundary");
}

/*
 * pct_sawtooth: from M cached (loaded full, previous empty), M gets then
 * M puts, repeated: no depot access; rounds of M + 1 stay within the bound.
 */
static void
pct_sawtooth(unsigned M)
{
	static vmem_addr_t buf[4096], run[256];
	struct pool_cache_policy p;
	struct pct_obj o;
	pool_cache_t pc;
	unsigned k = 0;
	uint64_t m, m0;

	pct_pages_reset("before sawtooth");
	pc = pct_new(16, 0, "pct-saw", &o);
	pool_cache_policy_default(&p, "netbsd");
	p.pcp_magsize = M;
	pool_cache_set_policy(pc, &p);
	pct_bound_prefill(pc, buf, 8 * M);
	m = pct_misses(pc);
	while (pct_misses(pc) == m)
		buf[k++] = pool_cache_get(pc, PR_NOWAIT);
	pool_cache_put(pc, buf[--k]);
	m0 = pct_misses(pc);
	for (unsigned r = 0; r < 100; r++) {
		for (unsigned i = 0; i < M; i++)
			run[i] = pool_cache_get(pc, PR_NOWAIT);
		for (unsigned i = 0; i < M; i++)
			pool_cache_put(pc, run[i]);
	}
	tap_is(pct_misses(pc), m0, "M=%u: 100 rounds of M gets and M puts from M "
	    "cached: no depot access", M);
	m0 = pct_misses(pc);
	for (unsigned r = 0; r < 100; r++) {
		for (unsigned i = 0; i <= M; i++)
			run[i] = pool_cache_get(pc, PR_NOWAIT);
		for (unsigned i = 0; i <= M; i++)
			pool_cache_put(pc, run[i]);
	}
	m = pct_misses(pc) - m0;
	tap_ok(m <= (200 * (M + 1) + M - 1) / M + 1, "M=%u: rounds of M+1 gets and "
	    "M+1 puts: %" PRIu64 " accesses <= bound %u", M, m,
	    (200 * (M + 1) + M - 1) / M + 1);
	pct_check(pc, "sawtooth");
	while (k > 0)
		pool_cache_put(pc, buf[--k]);
	pool_cache_destroy(pc);
	tap_is(o.nctor, o.ndtor, "M=%u sawtooth: every object destructed once", M);
	pct_obj_ok(&o, "sawtooth");
}

/* test_bound: the 1/M bound of section 2. */
static void
test_bound(void)
{
	static const uint64_t seeds[] = {
		1, 0x5eed, 0xdeadbeef, 20010625, UINT64_C(0x9e3779b97f4a7c15),
	};
	static const unsigned sizes[] = { 1, 2, 5, 15, 63 };
	static const unsigned pgets[] = { 300, 500, 700 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++)
			for (int kind = 0; kind < 2; kind++)
				pct_bound_run(sizes[s], seeds[k], kind,
				    pgets[(k + (size_t)kind) % 3]);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		pct_boundary(sizes[s], false, true);
		pct_boundary(sizes[s], false, false);
		pct_boundary(sizes[s], true, true);
		pct_boundary(sizes[s], true, false);
		pct_sawtooth(sizes[s]);
	}
}

/* test_healthy: pool_cache_check passes on healthy caches of every shape. */
static void
test_healthy(void)
{
	struct pct_obj o;
	pool_cache_t pc;
	char buf[128] = "untouched";

	pct_pages_reset("before healthy");
	pc = pct_new(64, 0, "pct-ok", &o);
	tap_is(pool_cache_check(pc, buf, sizeof(buf)), 0, "empty cache: check 0");
	tap_is_str(buf, "untouched", "check leaves buf alone when it passes");
	pool_cache_destroy(pc);
	pc = pool_cache_init(100, 32, 8, PR_NOTOUCH, "pct-nt", &pct_pa, 0, NULL,
	    NULL, NULL);
	{
		vmem_addr_t v[100];
		unsigned bad = 0;

		for (unsigned i = 0; i < 100; i++) {
			v[i] = pool_cache_get(pc, PR_NOWAIT);
			if ((v[i] + 8) % 32 != 0)
				bad++;
		}
		tap_is(bad, 0, "align 32 offset 8: every object satisfies it");
		for (unsigned i = 0; i < 100; i += 2)
			pool_cache_put(pc, v[i]);
		pct_check(pc, "half cached, no constructor");
		for (unsigned i = 1; i < 100; i += 2)
			pool_cache_put(pc, v[i]);
		pct_check(pc, "all cached");
		pool_cache_invalidate(pc);
		pct_check(pc, "invalidated");
		tap_is(pct_pst(pc).inuse, 0, "invalidated: nothing out");
	}
	pool_cache_destroy(pc);
}

int
main(void)
{
	pool_set_default_error_handler(pct_handler, NULL);
	kml_env_uni_reset();

	test_policy();
	test_statdesc();
	test_paths();
	test_ctor_fail();
	test_nomag();
	test_unchecked();
	test_errors();
	test_flags_hit();
	test_sizes();
	test_list();
	test_trim_explicit();
	test_trim_minimum();
	test_trim_lazy();
	test_adaptive();
	test_passthrough();
	test_bound();
	test_healthy();
	pct_pages_reset("at the end");
	return tap_done();
}
