/*
 * tests/kmem_test.c: unit tests of every call in kmemlab/kmem.h, and a
 * randomized test of kmem against a model.
 *
 * Every case runs on a fresh page layer (uvm_init, 16,384 pages of 4 KiB
 * unless said otherwise) with kmem set up for one size-class policy.  The
 * expected class tables are written out here from NetBSD subr_kmem.c and
 * illumos kmem.c (see kmem(3)), independently of lib/kmem.c, and every
 * size from 1 to beyond the largest class is checked against them.  Each
 * unit case performs one call at a time and checks its exact result: the
 * address (the first object of a fresh page layer is at the base of the
 * kernel address space; a pool hands out the lowest free item; magazines
 * are LIFO), kmem_stats field by field, the per-class pool_cache_stats and
 * the page layer's counters (which layer served the call), and for every
 * misuse the error class, the number of reports, kmem_last_error and the
 * message given to the handler.  kmem_check and pool_cache_check of every
 * "kmem-N" cache must pass at the end of every case and after each call of
 * the allocation round trips.
 *
 * The randomized test (fixed seeds, both policies; the illumos runs use
 * the illumos magazine policy with a trimming interval of 100 us)
 * performs 100,000 operations per run: kmem_alloc, kmem_zalloc,
 * kmem_intr_alloc and kmem_intr_zalloc (KM_SLEEP or KM_NOSLEEP) of sizes
 * from 1 byte to 64 KiB (log-uniform), frees of random live allocations,
 * calls in interrupt context, and now and then a misuse of every kind
 * (wrong size, duplicate free, bad address, call in interrupt context,
 * bad flags).  After every step it checks: a new allocation is in the
 * class the model's table calls for, aligned as that class, an object of
 * the class's pool (pool_owns), and its object (class-sized, or
 * page-rounded for large allocations) overlaps no live one; kmem_stats
 * equal the model; a misuse was reported once with the right class and
 * message, and a misused argument changed nothing (kmem_stats but errors,
 * the caches' gets and puts, the page layer's allocations and frees)
 * while a call in interrupt context was served anyway; per class, gets -
 * fails - puts of its cache equal the model's live objects of that class;
 * pool_cache_check passes for every cache the step touched, and for every
 * kmem cache every 256 steps and after any failed page request (the
 * pagedaemon's reclaimers may then have emptied any cache; a cache nothing
 * touched cannot change otherwise); kmem_check passes after every misuse
 * and every 8 steps.
 *
 * Three runs per policy: on 16,384 pages; on 512 pages, where allocations
 * fail (each failure must be legitimate: nothing cached or free in the
 * class, too few free pages for a new pool page, and for KM_SLEEP a
 * deadlock reported by kmem and, for a class, by its pool); and on a test
 * environment of 4 virtual CPUs with a clock each (16,384 pages for
 * NetBSD, 2,048 for illumos), every step on a random CPU, so that objects
 * move between CPUs' magazines, the depot lock contends and illumos
 * magazines grow.
 * On a failure the seed, policy and operation number are printed and the
 * run stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>

#include "fakeenv.h"
#include "tap.h"

#define KVA_BASE	UINT64_C(0xffff800000000000)	/* uvm_params_default */
#define PG		UINT64_C(4096)
#define NPAGES		16384

/* ---- the expected tables */

/*
 * NetBSD with 4 KiB pages: kmem_cache_sizes and kmem_cache_big_sizes as
 * kmem_create_caches keeps them.
 */
static const uint64_t kt_netbsd[] = {
	8, 16, 32, 64, 128, 192, 256, 320, 384, 448, 512, 768, 1024, 2048, 4096,
};
/* NetBSD with 16 KiB pages: the big sizes up to the page. */
static const uint64_t kt_netbsd16k[] = {
	8, 16, 32, 64, 128, 192, 256, 320, 384, 448, 512, 768, 1024, 2048, 4096,
	8192, 16384,
};
/* illumos: kmem_alloc_sizes, then kmem_big_alloc_sizes. */
static const uint64_t kt_illumos[] = {
	8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 640, 768, 896, 1152, 1344, 1600, 2048, 2688, 4096,
	8192, 12288, 16384, 24576, 32768, 40960, 49152, 57344, 65536, 73728,
	81920, 90112, 98304, 106496, 114688, 122880, 131072,
};
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The table of the policy being tested. */
static struct {
	enum kmem_classes policy;
	const uint64_t *sizes;
	size_t n;
	uint64_t pagesz;
	int pool_deadlocks;	/* deadlocks the pools are expected to report */
} kt;

/* kt_class: index of the smallest class >= size, or -1 (large).  size > 0. */
static int
kt_class(uint64_t size)
{
	for (size_t i = 0; i < kt.n; i++)
		if (kt.sizes[i] >= size)
			return (int)i;
	return -1;
}

/* kt_align: the alignment the policy gives class size cs. */
static uint64_t
kt_align(uint64_t cs)
{
	if (kt.policy == KMEM_CLASSES_NETBSD)
		return cs < 64 ? 8 : cs % kt.pagesz == 0 ? kt.pagesz : 64;
	return cs % kt.pagesz == 0 ? kt.pagesz : cs % 64 == 0 ? 64 : 8;
}

/* kt_round: size rounded up to pages. */
static uint64_t
kt_round(uint64_t size)
{
	return (size + kt.pagesz - 1) / kt.pagesz * kt.pagesz;
}

/* ---- error reports */

/* The reports seen by kt_handler since kt_rep_reset. */
static struct {
	int n;				/* # of reports */
	enum kmem_error err;		/* class of the last one */
	void *arg;			/* the handler's argument */
	char msg[512];			/* its message */
	enum kmem_error first;		/* class of the first one */
} kt_rep;

static void
kt_handler(void *arg, enum kmem_error err, const char *msg)
{
	if (kt_rep.n++ == 0)
		kt_rep.first = err;
	kt_rep.err = err;
	kt_rep.arg = arg;
	snprintf(kt_rep.msg, sizeof(kt_rep.msg), "%s", msg);
}

static void
kt_rep_reset(void)
{
	memset(&kt_rep, 0, sizeof(kt_rep));
}

/*
 * Reports of the pools under kmem: none but the deadlock of a PR_WAITOK
 * get that found no page (one per KM_SLEEP failure of a class).
 */
static int kt_pool_errors;		/* reports other than deadlocks */
static char kt_pool_msg[512];
static int kt_pool_deadlocks;		/* POOL_ERR_DEADLOCK reports */
static char kt_pool_dlmsg[512];

static void
kt_pool_handler(void *arg, struct pool *pp, enum pool_error err,
    const char *msg)
{
	(void)arg;
	(void)pp;
	if (err == POOL_ERR_DEADLOCK) {
		kt_pool_deadlocks++;
		snprintf(kt_pool_dlmsg, sizeof(kt_pool_dlmsg), "%s", msg);
		return;
	}
	kt_pool_errors++;
	snprintf(kt_pool_msg, sizeof(kt_pool_msg), "%s", msg);
}

/* ---- set-up and checks */

/*
 * kt_setup: a fresh page layer of physpages pages of pagesz bytes and kmem
 * with policy; every report goes to kt_handler (kmem) or kt_pool_handler.
 */
static void
kt_setup(enum kmem_classes policy, uint64_t physpages, uint64_t pagesz)
{
	struct uvm_params p;

	kml_env_uni_reset();
	uvm_params_default(&p);
	p.up_physpages = physpages;
	p.up_pagesize = pagesz;
	if (uvm_init(&p) != 0)
		tap_bail("uvm_init of %" PRIu64 " pages failed", physpages);
	pool_set_default_error_handler(kt_pool_handler, NULL);
	kmem_set_error_handler(kt_handler, &kt_rep);
	if (kmem_init(policy) != 0)
		tap_bail("kmem_init(%d) failed", policy);
	kt.policy = policy;
	kt.pagesz = pagesz;
	kt.pool_deadlocks = 0;
	if (policy == KMEM_CLASSES_ILLUMOS) {
		kt.sizes = kt_illumos;
		kt.n = NELEM(kt_illumos);
	} else if (pagesz == 16384) {
		kt.sizes = kt_netbsd16k;
		kt.n = NELEM(kt_netbsd16k);
	} else {
		kt.sizes = kt_netbsd;
		kt.n = NELEM(kt_netbsd);
	}
	kt_rep_reset();
	kt_pool_errors = kt_pool_deadlocks = 0;
}

/* kt_teardown: kmem_fini and uvm_fini; no report may come from the pools. */
static void
kt_teardown(void)
{
	kmem_fini();
	uvm_fini();
	pool_set_default_error_handler(NULL, NULL);
	tap_is(kt_pool_errors, 0, "no pool reported anything%s%s",
	    kt_pool_errors ? ": " : "", kt_pool_msg);
	tap_is(kt_pool_deadlocks, kt.pool_deadlocks, "the pools reported %d "
	    "deadlocks", kt.pool_deadlocks);
}

/* kt_check_caches: pool_cache_check of every kmem cache; 0 or -1 with why. */
static int
kt_check_caches(char *why, size_t len)
{
	char buf[300];

	for (unsigned i = 0; i < kmem_nclasses(); i++) {
		pool_cache_t pc = kmem_class_cache(i);

		if (pool_cache_check(pc, buf, sizeof(buf)) != 0) {
			snprintf(why, len, "pool_cache_check(%s): %s",
			    pool_cache_name(pc), buf);
			return -1;
		}
	}
	return 0;
}

/* kt_check: kmem_check and every cache's check pass after what. */
static void
kt_check(const char *what)
{
	char buf[400], why[500];
	int rc;

	buf[0] = why[0] = '\0';
	rc = kmem_check(buf, sizeof(buf));
	if (rc == 0)
		rc = kt_check_caches(why, sizeof(why));
	else
		snprintf(why, sizeof(why), "kmem_check: %s", buf);
	tap_ok(rc == 0, "checks pass after %s%s%s", what, rc ? ": " : "", why);
}

/* kt_stats_diff: "" if a and b agree, else the first field that differs. */
static const char *
kt_stats_diff(const struct kmem_stats *got, const struct kmem_stats *want)
{
	static char buf[200];

	for (size_t i = 0; i < kmem_nstatdesc; i++) {
		uint64_t g = kml_stat_get(got, &kmem_statdesc[i]);
		uint64_t w = kml_stat_get(want, &kmem_statdesc[i]);

		if (g != w) {
			snprintf(buf, sizeof(buf), "%s is %" PRIu64 ", want %"
			    PRIu64, kmem_statdesc[i].sd_name, g, w);
			return buf;
		}
	}
	return "";
}

/* kt_stats_is: kmem_stats equal want after what. */
static void
kt_stats_is(const struct kmem_stats *want, const char *what)
{
	struct kmem_stats st;
	const char *d;

	kmem_stats(&st);
	d = kt_stats_diff(&st, want);
	tap_ok(*d == '\0', "kmem_stats after %s%s%s", what, *d ? ": " : "", d);
}

/* kt_cache: the cache of class index ci of the tested table. */
static pool_cache_t
kt_cache(int ci)
{
	return kmem_class_cache((unsigned)ci);
}

static struct pool_cache_stats
kt_pcs(int ci)
{
	struct pool_cache_stats st;

	pool_cache_stats(kt_cache(ci), &st);
	return st;
}

static struct uvm_stats
kt_uvm(void)
{
	struct uvm_stats st;

	uvm_stats(&st);
	return st;
}

/* ---- unit cases */

/* The class tables: count, names, sizes, alignments, and every size's class. */
static void
test_classes(enum kmem_classes policy, uint64_t pagesz, const char *pname)
{
	char name[32];
	size_t bad = 0, badsize = 0;
	uint64_t maxc;

	kt_setup(policy, NPAGES, pagesz);
	tap_is(kmem_nclasses(), kt.n, "%s: %zu classes", pname, kt.n);
	for (size_t i = 0; i < kt.n && i < kmem_nclasses(); i++) {
		pool_cache_t pc = kmem_class_cache((unsigned)i);
		struct pool_stats ps;

		snprintf(name, sizeof(name), "kmem-%" PRIu64, kt.sizes[i]);
		if (strcmp(pool_cache_name(pc), name) != 0) {
			tap_is_str(pool_cache_name(pc), name, "%s: class %zu",
			    pname, i);
			bad++;
		}
		pool_stats(pool_cache_pool(pc), &ps);
		if (ps.size != kt.sizes[i]) {
			tap_is(ps.size, kt.sizes[i], "%s: %s item size", pname,
			    name);
			bad++;
		}
	}
	tap_is(bad, 0, "%s: every class cache is named kmem-N and holds N-byte "
	    "items", pname);
	tap_ok(kmem_class_cache((unsigned)kt.n) == NULL, "%s: no class %zu",
	    pname, kt.n);
	maxc = kt.sizes[kt.n - 1];
	for (uint64_t s = 1; s <= maxc + 3 * pagesz; s++) {
		int ci = kt_class(s);
		uint64_t want = ci < 0 ? 0 : kt.sizes[ci];

		if (kmem_class_size(s) != want) {
			if (badsize++ == 0)
				tap_is(kmem_class_size(s), want, "%s: class of "
				    "%" PRIu64 " bytes", pname, s);
		}
	}
	tap_is(badsize, 0, "%s: kmem_class_size of every size from 1 to %"
	    PRIu64, pname, maxc + 3 * pagesz);
	tap_is(kmem_class_size(0), 0, "%s: kmem_class_size(0) is 0", pname);
	tap_is(kmem_class_size(SIZE_MAX), 0, "%s: kmem_class_size(SIZE_MAX) "
	    "is 0", pname);
	kt_teardown();
}

/* The class chosen for the sizes of the brief, by policy. */
static void
test_class_sizes(void)
{
	static const struct {
		size_t size;
		size_t netbsd, illumos;
	} t[] = {
		{ 1, 8, 8 }, { 8, 8, 8 }, { 9, 16, 16 }, { 17, 32, 24 },
		{ 24, 32, 24 }, { 65, 128, 80 }, { 1024, 1024, 1152 },
		{ 1025, 2048, 1152 }, { 2049, 4096, 2688 },
		{ 4096, 4096, 4096 }, { 4097, 0, 8192 }, { 8193, 0, 12288 },
		{ 131072, 0, 131072 }, { 131073, 0, 0 },
	};

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	for (size_t i = 0; i < NELEM(t); i++)
		tap_is(kmem_class_size(t[i].size), t[i].netbsd, "netbsd: %zu "
		    "bytes -> class %zu", t[i].size, t[i].netbsd);
	kt_teardown();
	kt_setup(KMEM_CLASSES_ILLUMOS, NPAGES, PG);
	for (size_t i = 0; i < NELEM(t); i++)
		tap_is(kmem_class_size(t[i].size), t[i].illumos, "illumos: %zu "
		    "bytes -> class %zu", t[i].size, t[i].illumos);
	kt_teardown();
	tap_is(kmem_class_size(8), 0, "kmem_class_size before kmem_init is 0");
	tap_is(kmem_nclasses(), 0, "kmem_nclasses before kmem_init is 0");
	tap_ok(kmem_class_cache(0) == NULL, "kmem_class_cache before kmem_init "
	    "is NULL");
}

/*
 * One allocation and free of size bytes through kmem_alloc/kmem_free:
 * which layer served it, the statistics, alignment, and that the address
 * is an object of its class.
 */
static void
alloc_free_one(size_t size, const char *pname)
{
	int ci = kt_class(size);
	struct pool_cache_stats pb, pa;
	struct uvm_stats ub, ua;
	struct kmem_stats want;
	vmem_addr_t a;
	char what[96];

	kmem_stats(&want);
	if (ci >= 0)
		pb = kt_pcs(ci);
	ub = kt_uvm();
	a = kmem_alloc(size, KM_SLEEP);
	tap_ok(a != 0, "%s: kmem_alloc(%zu, KM_SLEEP) = %#" PRIx64, pname,
	    size, a);
	want.allocs++;
	want.live++;
	want.inuse += size;
	if (want.inuse > want.inuse_peak)
		want.inuse_peak = want.inuse;
	if (ci < 0) {
		want.large_allocs++;
		want.large_inuse += kt_round(size);
	}
	snprintf(what, sizeof(what), "%s: kmem_alloc(%zu)", pname, size);
	kt_stats_is(&want, what);
	ua = kt_uvm();
	if (ci >= 0) {
		pa = kt_pcs(ci);
		tap_is(pa.cpu_gets, pb.cpu_gets + 1, "%s: served by kmem-%"
		    PRIu64, what, kt.sizes[ci]);
		tap_is(a % kt_align(kt.sizes[ci]), 0, "%s: aligned to %" PRIu64,
		    what, kt_align(kt.sizes[ci]));
		tap_ok(pool_owns(pool_cache_pool(kt_cache(ci)), a), "%s: an "
		    "object of kmem-%" PRIu64, what, kt.sizes[ci]);
	} else {
		tap_is(ua.km_allocs, ub.km_allocs + 1, "%s: served by "
		    "uvm_km_alloc", what);
		tap_is(ua.wiredpages - ub.wiredpages, kt_round(size) /
		    kt.pagesz, "%s: %" PRIu64 " wired pages", what,
		    kt_round(size) / kt.pagesz);
		tap_is(a % kt.pagesz, 0, "%s: page aligned", what);
	}
	kt_check(what);

	kmem_free(a, size);
	want.frees++;
	want.live--;
	want.inuse -= size;
	if (ci < 0)
		want.large_inuse -= kt_round(size);
	snprintf(what, sizeof(what), "%s: kmem_free(%zu)", pname, size);
	kt_stats_is(&want, what);
	if (ci >= 0) {
		pa = kt_pcs(ci);
		tap_is(pa.cpu_puts, pb.cpu_puts + 1, "%s: back to kmem-%" PRIu64,
		    what, kt.sizes[ci]);
		/* LIFO: the next allocation of the class gets it back */
		tap_is(kmem_alloc(size, KM_NOSLEEP), a, "%s: the next "
		    "allocation of the class reuses it", what);
		kmem_free(a, size);
		want.allocs++;
		want.frees++;
	} else {
		ua = kt_uvm();
		tap_is(ua.km_frees, ub.km_frees + 1, "%s: straight back to "
		    "uvm_km_free", what);
		tap_is(ua.wiredpages, ub.wiredpages, "%s: its pages are free "
		    "again", what);
	}
	kt_stats_is(&want, what);
	tap_is(kt_rep.n, 0, "%s: nothing reported", what);
	kt_check(what);
}

/* kmem_alloc/kmem_free of the sizes of the brief, both policies. */
static void
test_alloc_free(enum kmem_classes policy, const char *pname)
{
	size_t sizes[] = { 1, 8, 9, 1024, 1025, 4096, 4097, 0, 0, 65536 };

	kt_setup(policy, NPAGES, PG);
	sizes[7] = kt.sizes[kt.n - 1];		/* the largest class */
	sizes[8] = kt.sizes[kt.n - 1] + 1;	/* beyond it */
	for (size_t i = 0; i < NELEM(sizes); i++)
		alloc_free_one(sizes[i], pname);
	kt_teardown();
}

/* Exact addresses on a fresh page layer. */
static void
test_addresses(void)
{
	vmem_addr_t a, b, c, l;
	struct kmem_stats want;

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	a = kmem_alloc(1, KM_SLEEP);
	tap_is(a, KVA_BASE, "first kmem_alloc(1) is the first item of the "
	    "first page of kernel memory");
	b = kmem_alloc(8, KM_SLEEP);
	tap_is(b, KVA_BASE + 8, "kmem_alloc(8): the next item of kmem-8");
	c = kmem_alloc(5, KM_NOSLEEP);
	tap_is(c, KVA_BASE + 16, "kmem_alloc(5, KM_NOSLEEP): the next one");
	kmem_free(b, 8);
	tap_is(kmem_zalloc(3, KM_SLEEP), b, "kmem_zalloc(3) reuses the object "
	    "just freed (magazine LIFO)");
	l = kmem_alloc(4097, KM_SLEEP);
	tap_is(l % PG, 0, "kmem_alloc(4097) is page aligned (%#" PRIx64 ")", l);
	tap_ok(l >= KVA_BASE + PG, "kmem_alloc(4097) lies after the kmem-8 "
	    "page");
	memset(&want, 0, sizeof(want));
	want.allocs = 5;
	want.frees = 1;
	want.live = 4;
	want.inuse = 1 + 5 + 3 + 4097;
	want.inuse_peak = want.inuse;	/* the large one came last */
	want.large_allocs = 1;
	want.large_inuse = 2 * PG;
	kt_stats_is(&want, "three small, one zeroed, one large");
	kmem_free(a, 1);
	kmem_free(b, 3);
	kmem_free(c, 5);
	kmem_free(l, 4097);
	tap_is(kt_rep.n, 0, "nothing reported");
	kt_check("the frees");
	kt_teardown();
}

/* kmem_zalloc and the kmem_intr_* calls in thread context. */
static void
test_zalloc_intr_calls(void)
{
	struct kmem_stats want;
	vmem_addr_t a, b, c, d;
	struct pool_cache_stats pb;

	kt_setup(KMEM_CLASSES_ILLUMOS, NPAGES, PG);
	pb = kt_pcs(kt_class(100));
	a = kmem_zalloc(100, KM_SLEEP);
	b = kmem_intr_alloc(100, KM_NOSLEEP);
	c = kmem_intr_zalloc(200000, KM_SLEEP);
	d = kmem_intr_alloc(12288, KM_SLEEP);
	tap_ok(a != 0 && b != 0 && c != 0 && d != 0, "kmem_zalloc, "
	    "kmem_intr_alloc, kmem_intr_zalloc in thread context succeed");
	tap_is(kt_pcs(kt_class(100)).cpu_gets, pb.cpu_gets + 2,
	    "kmem_zalloc(100) and kmem_intr_alloc(100) both come from "
	    "kmem-112");
	tap_is(d % PG, 0, "kmem_intr_alloc(12288): kmem-12288 is page aligned");
	memset(&want, 0, sizeof(want));
	want.allocs = 4;
	want.live = 4;
	want.inuse = want.inuse_peak = 100 + 100 + 200000 + 12288;
	want.large_allocs = 1;
	want.large_inuse = kt_round(200000);
	want.intr_allocs = 3;
	kt_stats_is(&want, "kmem_zalloc and three kmem_intr_* allocations");
	kmem_intr_free(a, 100);
	kmem_free(b, 100);
	kmem_intr_free(c, 200000);
	kmem_intr_free(d, 12288);
	want.frees = 4;
	want.live = 0;
	want.inuse = 0;
	want.large_inuse = 0;
	kt_stats_is(&want, "kmem_intr_free and kmem_free of either kind");
	tap_is(kt_rep.n, 0, "nothing reported");
	kt_check("kmem_intr_*");
	kt_teardown();
}

/* Size 0 and kmem_free(0, 0). */
static void
test_zero(void)
{
	struct kmem_stats want;

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	memset(&want, 0, sizeof(want));
	tap_is(kmem_alloc(0, KM_SLEEP), 0, "kmem_alloc(0, KM_SLEEP) is 0");
	tap_is(kmem_alloc(0, KM_NOSLEEP), 0, "kmem_alloc(0, KM_NOSLEEP) is 0");
	tap_is(kmem_zalloc(0, KM_SLEEP), 0, "kmem_zalloc(0) is 0");
	tap_is(kmem_intr_alloc(0, KM_NOSLEEP), 0, "kmem_intr_alloc(0) is 0");
	tap_is(kmem_intr_zalloc(0, KM_NOSLEEP), 0, "kmem_intr_zalloc(0) is 0");
	kmem_free(0, 0);
	kmem_intr_free(0, 0);
	tap_is(kt_rep.n, 0, "size 0 and kmem_free(0, 0): nothing reported");
	kt_stats_is(&want, "size 0 (not a failure)");
	kt_teardown();
}

/*
 * expect_report: exactly n reports since kt_rep_reset, the last of class
 * err, whose message contains needle, and kmem_last_error agrees.
 */
static void
expect_report(int n, enum kmem_error err, const char *needle, const char *what)
{
	const char *msg = NULL;

	tap_is(kt_rep.n, n, "%s: %d report%s", what, n, n == 1 ? "" : "s");
	tap_is(kt_rep.err, err, "%s: class %s (got %s)", what,
	    kmem_strerror(err), kmem_strerror(kt_rep.err));
	tap_contains(kt_rep.msg, needle, "%s: message", what);
	tap_ok(kt_rep.arg == &kt_rep, "%s: the handler gets its argument", what);
	tap_is(kmem_last_error(&msg), err, "%s: kmem_last_error", what);
	tap_is_str(msg, kt_rep.msg, "%s: kmem_last_error's message", what);
	kt_rep_reset();
}

/* Bad flags. */
static void
test_flags(void)
{
	struct kmem_stats want;

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	memset(&want, 0, sizeof(want));
	tap_is(kmem_alloc(8, 0), 0, "kmem_alloc(8, 0) is 0");
	expect_report(1, KMEM_ERR_FLAGS, "kmem \"kmem-8\": kmem_alloc: flags 0:"
	    " need exactly one of KM_SLEEP and KM_NOSLEEP", "flags 0");
	tap_is(kmem_zalloc(100, KM_SLEEP | KM_NOSLEEP), 0, "kmem_zalloc(100, "
	    "KM_SLEEP | KM_NOSLEEP) is 0");
	expect_report(1, KMEM_ERR_FLAGS, "kmem \"kmem-128\": kmem_zalloc: "
	    "flags 0x3: need exactly one", "both flags");
	tap_is(kmem_intr_alloc(5000, KM_NOSLEEP | 0x40), 0, "kmem_intr_alloc"
	    " with an unknown flag is 0");
	expect_report(1, KMEM_ERR_FLAGS, "kmem \"kmem_va_arena\": "
	    "kmem_intr_alloc: flags 0x42: need exactly one", "unknown flag");
	tap_is(kmem_alloc(0, 0), 0, "kmem_alloc(0, 0) is 0");
	expect_report(1, KMEM_ERR_FLAGS, "kmem \"kmem\": kmem_alloc: flags 0:",
	    "size 0, flags 0");
	want.fails = 3;
	want.errors = 4;
	kt_stats_is(&want, "four bad flags (three failures: size 0 is none)");
	kt_check("bad flags");
	kt_teardown();
}

/* Wrong sizes: reported, nothing freed. */
static void
test_wrongsize(enum kmem_classes policy, const char *pname)
{
	struct kmem_stats want, st;
	struct pool_cache_stats pb;
	struct uvm_stats ub;
	vmem_addr_t a, l;
	char needle[160], what[64];

	kt_setup(policy, NPAGES, PG);
	a = kmem_alloc(40, KM_SLEEP);
	l = kmem_alloc(300000, KM_SLEEP);
	kmem_stats(&want);
	pb = kt_pcs(kt_class(40));
	ub = kt_uvm();
	for (size_t k = 0; k < 4; k++) {
		size_t wrong = k == 0 ? 48 : k == 1 ? 33 : k == 2 ? 0 : 41;

		kmem_free(a, wrong);
		snprintf(needle, sizeof(needle), "kmem \"kmem-%" PRIu64 "\": "
		    "kmem_free: %#" PRIx64 " was allocated with size 40, freed "
		    "with size %zu", kt.sizes[kt_class(40)], a, wrong);
		snprintf(what, sizeof(what), "%s: kmem_free(a, %zu) of 40 bytes",
		    pname, wrong);
		expect_report(1, KMEM_ERR_WRONGSIZE, needle, what);
	}
	kmem_free(l, 300001);
	snprintf(needle, sizeof(needle), "kmem \"kmem_va_arena\": kmem_free: %#"
	    PRIx64 " was allocated with size 300000, freed with size 300001", l);
	snprintf(what, sizeof(what), "%s: large, one byte more", pname);
	expect_report(1, KMEM_ERR_WRONGSIZE, needle, what);
	want.errors += 5;
	kt_stats_is(&want, "wrong sizes (nothing freed)");
	tap_is(kt_pcs(kt_class(40)).cpu_puts, pb.cpu_puts, "%s: nothing went "
	    "back to the cache", pname);
	tap_is(kt_uvm().km_frees, ub.km_frees, "%s: nothing went back to the "
	    "page layer", pname);
	kmem_free(a, 40);
	kmem_free(l, 300000);
	tap_is(kt_rep.n, 0, "%s: the right sizes free them", pname);
	kmem_stats(&st);
	tap_is(st.live, 0, "%s: nothing live", pname);
	kt_check("wrong sizes");
	kt_teardown();
}

/*
 * Checking off (kmem_set_checking(false), as the replay runs): the same
 * statistics as with the map, kmem_free trusts its size, kmem_free(p, 0)
 * is reported, and the setting cannot change while kmem is up.
 */
static void
test_unchecked(void)
{
	struct kmem_stats want, st;
	vmem_addr_t a, l;

	tap_is(kmem_set_checking(false), 0, "unchecked: set before kmem_init");
	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	tap_is((uint64_t)(int64_t)kmem_set_checking(true), (uint64_t)-1,
	    "unchecked: cannot change while kmem is up");
	a = kmem_alloc(40, KM_SLEEP);
	l = kmem_alloc(300000, KM_SLEEP);
	kmem_stats(&st);
	memset(&want, 0, sizeof(want));
	want.allocs = 2;
	want.live = 2;
	want.inuse = want.inuse_peak = 300040;
	want.large_allocs = 1;
	want.large_inuse = kt_round(300000);
	kt_stats_is(&want, "unchecked: two allocations");
	kt_check("unchecked allocations");
	kmem_free(a, 0);
	expect_report(1, KMEM_ERR_BADADDR, "kmem_free: " , "unchecked: size 0");
	want.errors = 1;
	kt_stats_is(&want, "unchecked: size 0 frees nothing");
	kmem_free(a, 40);
	kmem_free(l, 300000);
	tap_is(kt_rep.n, 0, "unchecked: the frees report nothing");
	want.frees = 2;
	want.live = 0;
	want.inuse = 0;
	want.large_inuse = 0;
	kt_stats_is(&want, "unchecked: both freed");
	kt_check("unchecked frees");
	kt_teardown();
	tap_is(kmem_set_checking(true), 0, "unchecked: back on after kmem_fini");
}

/* Duplicate frees and bad addresses. */
static void
test_dupfree_badaddr(void)
{
	struct kmem_stats want;
	struct pool_cache_stats pb;
	struct uvm_stats ub;
	vmem_addr_t a, l, a2;
	char needle[160];

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	a = kmem_alloc(40, KM_SLEEP);
	l = kmem_alloc(8192, KM_SLEEP);
	kmem_free(a, 40);
	kmem_free(l, 8192);
	kmem_stats(&want);
	pb = kt_pcs(kt_class(40));
	ub = kt_uvm();

	kmem_free(a, 40);
	snprintf(needle, sizeof(needle), "kmem \"kmem-64\": kmem_free: %#" PRIx64
	    " (size 40) is already free", a);
	expect_report(1, KMEM_ERR_DUPFREE, needle, "second kmem_free of 40 bytes");
	kmem_free(a, 64);
	expect_report(1, KMEM_ERR_DUPFREE, "is already free", "second kmem_free "
	    "with another size (still a duplicate)");
	kmem_intr_free(l, 8192);
	snprintf(needle, sizeof(needle), "kmem \"kmem_va_arena\": kmem_intr_free: "
	    "%#" PRIx64 " (size 8192) is already free", l);
	expect_report(1, KMEM_ERR_DUPFREE, needle, "second kmem_intr_free of a "
	    "large allocation");

	kmem_free(0x1234, 8);
	expect_report(1, KMEM_ERR_BADADDR, "kmem \"kmem\": kmem_free: 0x1234 "
	    "(size 8) was not allocated by kmem", "an address never allocated");
	kmem_free(0, 8);
	expect_report(1, KMEM_ERR_BADADDR, "kmem_free: 0 (size 8) was not "
	    "allocated by kmem", "kmem_free(0, 8)");
	kmem_free(a + 8, 32);
	snprintf(needle, sizeof(needle), "kmem_free: %#" PRIx64 " (size 32) was "
	    "not allocated", a + 8);
	expect_report(1, KMEM_ERR_BADADDR, needle, "an interior address");
	kmem_free(l + PG, 4096);
	expect_report(1, KMEM_ERR_BADADDR, "was not allocated", "the second "
	    "page of a large allocation");
	want.errors += 7;
	kt_stats_is(&want, "duplicate frees and bad addresses (nothing "
	    "changed)");
	tap_is(kt_pcs(kt_class(40)).cpu_puts, pb.cpu_puts, "nothing went back "
	    "to kmem-64");
	tap_is(kt_uvm().km_frees, ub.km_frees, "nothing went back to the page "
	    "layer");

	/* handed out again, the address is live: a free is a free again */
	a2 = kmem_alloc(33, KM_SLEEP);
	tap_is(a2, a, "kmem-64 hands the freed object out again");
	kmem_free(a2, 33);
	tap_is(kt_rep.n, 0, "its free is no duplicate");
	kmem_free(a2, 33);
	expect_report(1, KMEM_ERR_DUPFREE, "(size 33) is already free",
	    "but the next one is");
	kt_check("duplicate frees and bad addresses");
	kt_teardown();
}

/* The freed set forgets the oldest beyond 65536 freed addresses. */
static void
test_freed_forgotten(void)
{
	enum { N = 65537 };
	vmem_addr_t *v = malloc(N * sizeof(*v));
	size_t bad = 0;

	if (v == NULL)
		tap_bail("out of memory");
	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	for (size_t i = 0; i < N; i++)
		if ((v[i] = kmem_alloc(8, KM_NOSLEEP)) == 0)
			bad++;
	for (size_t i = 0; i < N; i++)
		kmem_free(v[i], 8);
	tap_is(bad + (size_t)kt_rep.n, 0, "65537 objects of kmem-8 allocated "
	    "and freed");
	kmem_free(v[0], 8);
	expect_report(1, KMEM_ERR_BADADDR, "was not allocated by kmem", "the "
	    "oldest of 65537 freed addresses is forgotten");
	kmem_free(v[1], 8);
	expect_report(1, KMEM_ERR_DUPFREE, "is already free", "the next oldest "
	    "is remembered");
	kmem_free(v[N - 1], 8);
	expect_report(1, KMEM_ERR_DUPFREE, "is already free", "and the newest");
	kt_check("65537 frees");
	kt_teardown();
	free(v);
}

/* Interrupt context. */
static void
test_intr(void)
{
	struct kmem_stats want;
	vmem_addr_t a, b, c, d;
	char needle[160];

	kt_setup(KMEM_CLASSES_NETBSD, NPAGES, PG);
	kmem_stats(&want);
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	a = kmem_alloc(8, KM_SLEEP);
	tap_ok(a != 0, "kmem_alloc in hardirq context is served");
	expect_report(1, KMEM_ERR_INTR, "kmem \"kmem-8\": kmem_alloc of 8 bytes "
	    "in interrupt context (use kmem_intr_alloc)", "kmem_alloc in hardirq");
	b = kmem_zalloc(5000, KM_NOSLEEP);
	tap_ok(b != 0, "kmem_zalloc in hardirq context is served");
	expect_report(1, KMEM_ERR_INTR, "kmem \"kmem_va_arena\": kmem_zalloc of "
	    "5000 bytes in interrupt context (use kmem_intr_zalloc)",
	    "kmem_zalloc in hardirq");
	c = kmem_intr_alloc(24, KM_NOSLEEP);
	tap_ok(c != 0 && kt_rep.n == 0, "kmem_intr_alloc(KM_NOSLEEP) in hardirq "
	    "context: served, nothing reported");
	d = kmem_intr_zalloc(24, KM_SLEEP);
	tap_ok(d != 0, "kmem_intr_zalloc(KM_SLEEP) in hardirq is served");
	expect_report(1, KMEM_ERR_INTR, "kmem \"kmem-32\": kmem_intr_zalloc: "
	    "KM_SLEEP in interrupt context (served as KM_NOSLEEP)",
	    "kmem_intr_zalloc(KM_SLEEP) in hardirq");
	want.allocs += 4;
	want.live += 4;
	want.inuse += 8 + 5000 + 24 + 24;
	want.inuse_peak = want.inuse;
	want.large_allocs++;
	want.large_inuse += 2 * PG;
	want.intr_allocs += 2;
	want.errors += 3;
	kt_stats_is(&want, "four allocations in hardirq context");

	kmem_free(a, 8);
	snprintf(needle, sizeof(needle), "kmem \"kmem-8\": kmem_free of %#"
	    PRIx64 " in interrupt context (use kmem_intr_free)", a);
	expect_report(1, KMEM_ERR_INTR, needle, "kmem_free in hardirq");
	kmem_intr_free(c, 24);
	tap_is(kt_rep.n, 0, "kmem_intr_free in hardirq: nothing reported");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	kmem_free(b, 4999);
	tap_is(kt_rep.n, 2, "kmem_free with a wrong size in softirq: two "
	    "reports");
	tap_is(kt_rep.first, KMEM_ERR_INTR, "the first: interrupt context");
	expect_report(2, KMEM_ERR_WRONGSIZE, "was allocated with size 5000, "
	    "freed with size 4999", "the second: the wrong size");
	kmem_free(b, 5000);
	expect_report(1, KMEM_ERR_INTR, "in interrupt context (use "
	    "kmem_intr_free)", "kmem_free in softirq");
	kmem_free(0, 0);
	expect_report(1, KMEM_ERR_INTR, "kmem \"kmem\": kmem_free of 0 in "
	    "interrupt context", "kmem_free(0, 0) in softirq");
	kml_env_uni_set_context(KML_CTX_THREAD);
	kmem_intr_free(d, 24);
	want.frees += 4;
	want.live -= 4;
	want.inuse = 0;
	want.large_inuse = 0;
	want.errors += 5;
	kt_stats_is(&want, "frees in interrupt context (done anyway)");
	kt_check("interrupt context");
	kt_teardown();
}

/* Memory exhaustion: KM_NOSLEEP fails, KM_SLEEP reports a deadlock. */
static void
test_exhaustion(void)
{
	enum { NP = 64, MAXV = 1024 };
	vmem_addr_t v[MAXV], w[MAXV], p;
	size_t nv = 0, nw = 0;
	struct kmem_stats st, want;
	struct uvm_stats us;

	kt_setup(KMEM_CLASSES_NETBSD, NP, PG);
	while (nw < 3)
		w[nw++] = kmem_alloc(2048, KM_SLEEP);
	while (nv < MAXV && (p = kmem_alloc(16384, KM_NOSLEEP)) != 0)
		v[nv++] = p;
	tap_ok(nv > 0 && nv < MAXV, "%zu allocations of 16 KiB, then "
	    "KM_NOSLEEP fails", nv);
	tap_is(kt_rep.n, 0, "a KM_NOSLEEP failure is not reported");
	kmem_stats(&st);
	tap_is(st.fails, 1, "one failure counted");
	tap_is(kmem_alloc(16384, KM_SLEEP), 0, "KM_SLEEP for 16 KiB returns 0 "
	    "when nothing can free memory");
	expect_report(1, KMEM_ERR_DEADLOCK, "kmem \"kmem_va_arena\": kmem_alloc:"
	    " KM_SLEEP request for 16384 bytes cannot be satisfied: deadlock: "
	    "thread 0 on cpu 0 would sleep on \"memwait\" forever",
	    "KM_SLEEP, large");
	while (nw < MAXV && (p = kmem_alloc(2048, KM_NOSLEEP)) != 0)
		w[nw++] = p;
	tap_ok(nw > 3 && nw < MAXV, "%zu objects of kmem-2048, then KM_NOSLEEP "
	    "fails", nw);
	tap_is(kt_pool_deadlocks, 0, "no pool reported a deadlock yet");
	tap_is(kmem_alloc(2000, KM_SLEEP), 0, "KM_SLEEP of kmem-2048 returns 0");
	expect_report(1, KMEM_ERR_DEADLOCK, "kmem \"kmem-2048\": kmem_alloc: "
	    "KM_SLEEP request for 2000 bytes cannot be satisfied: deadlock:",
	    "KM_SLEEP, from a class");
	tap_is(kt_pool_deadlocks, 1, "the pool kmem-2048 reported its "
	    "PR_WAITOK failure as a deadlock");
	tap_contains(kt_pool_dlmsg, "pool \"kmem-2048\": pool_get:", "the "
	    "pool's report names it");
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	tap_is(kmem_intr_alloc(2048, KM_SLEEP), 0, "in hardirq, KM_SLEEP is "
	    "served as KM_NOSLEEP: 0");
	expect_report(1, KMEM_ERR_INTR, "KM_SLEEP in interrupt context",
	    "and only the context is reported");
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_is(kmem_alloc(SIZE_MAX, KM_NOSLEEP), 0, "SIZE_MAX, KM_NOSLEEP: 0");
	tap_is(kt_rep.n, 0, "not reported");
	tap_is(kmem_alloc(SIZE_MAX - 5, KM_SLEEP), 0, "SIZE_MAX - 5, KM_SLEEP: 0");
	expect_report(1, KMEM_ERR_DEADLOCK, "cannot be satisfied: larger than "
	    "the address space", "a size beyond the address space");
	kmem_stats(&st);
	memset(&want, 0, sizeof(want));
	want.allocs = nv + nw;
	want.live = nv + nw;
	want.inuse = want.inuse_peak = nv * 16384 + nw * 2048;
	want.large_allocs = nv;
	want.large_inuse = nv * 16384;
	want.fails = 7;
	want.errors = 4;
	kt_stats_is(&want, "exhaustion");
	for (size_t i = 0; i < nv; i++)
		kmem_free(v[i], 16384);
	for (size_t i = 0; i < nw; i++)
		kmem_free(w[i], 2048);
	p = kmem_alloc(16384, KM_SLEEP);
	tap_ok(p != 0, "after the frees KM_SLEEP succeeds");
	kmem_free(p, 16384);
	tap_is(kt_rep.n, 0, "nothing more reported");
	kt_check("exhaustion");
	kmem_fini();
	us = kt_uvm();
	tap_is(us.wiredpages, 0, "after kmem_fini no page is wired");
	uvm_fini();
	pool_set_default_error_handler(NULL, NULL);
	tap_is(kt_pool_errors, 0, "no pool reported anything else%s%s",
	    kt_pool_errors ? ": " : "", kt_pool_msg);
	tap_is(kt_pool_deadlocks, 1, "and no other deadlock");
}

/* kmem_fini with live allocations; kmem_init's contract. */
static void
test_init_fini(void)
{
	struct kmem_stats st;
	struct uvm_stats us;

	kt_setup(KMEM_CLASSES_ILLUMOS, NPAGES, PG);
	(void)kmem_alloc(100, KM_SLEEP);
	(void)kmem_alloc(200000, KM_SLEEP);
	tap_ok(kmem_nclasses() == NELEM(kt_illumos), "illumos: 46 classes");
	kmem_fini();
	expect_report(1, KMEM_ERR_BUSY, "kmem \"kmem\": kmem_fini: 2 "
	    "allocations (200100 bytes) still live", "kmem_fini with two live");
	tap_is(kt_pool_errors, 0, "the live objects went back to their caches "
	    "before the pools were destroyed");
	us = kt_uvm();
	tap_is(us.wiredpages, 0, "no page stays wired");
	kmem_stats(&st);
	tap_is(st.allocs + st.live, 0, "kmem_stats after kmem_fini are 0");
	tap_is(kmem_nclasses(), 0, "no classes after kmem_fini");
	tap_ok(kmem_init((enum kmem_classes)7) == EINVAL, "kmem_init of an "
	    "unknown policy is EINVAL");
	tap_is(kmem_init(KMEM_CLASSES_NETBSD), 0, "kmem_init again, another "
	    "policy");
	tap_is(kmem_nclasses(), NELEM(kt_netbsd), "netbsd: 15 classes");
	kml_set_panic_handler(fakeenv_panic);
	FAKEENV_TRY((void)kmem_init(KMEM_CLASSES_NETBSD));
	kml_set_panic_handler(NULL);
	tap_ok(fakeenv_caught, "a second kmem_init panics");
	tap_contains(fakeenv_panicmsg, "kmem_init: kmem is already set up",
	    "the panic says why");
	kmem_fini();
	tap_is(kt_rep.n, 0, "kmem_fini with nothing live reports nothing");
	uvm_fini();
	pool_set_default_error_handler(NULL, NULL);
}

/* NetBSD classes depend on the page size. */
static void
test_pagesize(void)
{
	vmem_addr_t a;

	test_classes(KMEM_CLASSES_NETBSD, 16384, "netbsd, 16 KiB pages");
	kt_setup(KMEM_CLASSES_NETBSD, 4096, 16384);
	tap_is(kmem_class_size(16384), 16384, "16 KiB pages: kmem-16384 exists");
	tap_is(kmem_class_size(16385), 0, "16 KiB pages: 16385 bytes are large");
	a = kmem_alloc(16384, KM_SLEEP);
	tap_is(a % 16384, 0, "kmem-16384 objects are page aligned");
	kmem_free(a, 16384);
	a = kmem_alloc(16385, KM_SLEEP);
	tap_is(a % 16384, 0, "16385 bytes: page aligned");
	kmem_free(a, 16385);
	tap_is(kt_rep.n, 0, "nothing reported");
	kt_teardown();
}

/* The name tables. */
static void
test_tables(void)
{
	static const char *const names[] = {
		"allocs", "frees", "fails", "inuse", "inuse_peak", "live",
		"large_allocs", "large_inuse", "intr_allocs", "errors",
	};
	static const char *const errs[] = {
		"no error", "wrong size", "duplicate free", "bad address",
		"called in interrupt context", "bad flags", "deadlock",
		"allocations still live",
	};
	struct kmem_stats st;
	size_t bad = 0;

	tap_is(kmem_nstatdesc, NELEM(names), "kmem_statdesc names %zu counters",
	    NELEM(names));
	tap_is(kmem_nstatdesc * sizeof(uint64_t), sizeof(st), "every member "
	    "of struct kmem_stats is named");
	for (size_t i = 0; i < kmem_nstatdesc && i < NELEM(names); i++) {
		if (strcmp(kmem_statdesc[i].sd_name, names[i]) != 0 ||
		    kmem_statdesc[i].sd_offset != i * sizeof(uint64_t) ||
		    kmem_statdesc[i].sd_descr == NULL)
			bad++;
	}
	tap_is(bad, 0, "kmem_statdesc in struct order with descriptions");
	tap_is(kmem_statdesc[3].sd_unit, KML_UNIT_BYTES, "inuse is in bytes");
	tap_is(kmem_statdesc[0].sd_unit, KML_UNIT_COUNT, "allocs is a count");
	tap_is(KMEM_ERR_NERRORS, NELEM(errs), "%zu error classes", NELEM(errs));
	for (int e = 0; e < KMEM_ERR_NERRORS && e < (int)NELEM(errs); e++)
		tap_is_str(kmem_strerror((enum kmem_error)e), errs[e],
		    "kmem_strerror(%d)", e);
	tap_is_str(kmem_strerror(KMEM_ERR_NERRORS), "unknown error",
	    "kmem_strerror out of range");
}

/* ---- the randomized test */

#define RND_OPS		100000	/* operations per run */
#define RND_MAXLIVE	512	/* live allocations, at most */
#define RND_RECENT	64	/* recent frees kept for duplicate frees */
#define RND_FULLCHECK	256	/* every cache is checked this often */
#define RND_MAPCHECK	8	/* kmem_check this often, and after misuse */

/* splitmix64 */
static uint64_t rnd_state;

static uint64_t
rnd_next(void)
{
	uint64_t z = (rnd_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
rnd_below(uint64_t n)
{
	return rnd_next() % n;
}

/* rnd_size: 1 .. 65536 bytes, log-uniform. */
static size_t
rnd_size(void)
{
	uint64_t hi = UINT64_C(1) << rnd_below(17);
	uint64_t s = 1 + rnd_below(hi);

	return (size_t)(s > 65536 ? 65536 : s);
}

struct rnd_obj {
	vmem_addr_t addr;
	size_t size;
	uint64_t extent;	/* class size, or page-rounded size */
	int ci;			/* class index, or -1 */
};

static struct {
	uint64_t seed, op;
	const char *policy;
	bool failed;
	struct rnd_obj live[RND_MAXLIVE];
	size_t nlive;
	size_t nclass[64];		/* live objects per class */
	vmem_addr_t recent[RND_RECENT];	/* ring of recent frees */
	size_t recent_size[RND_RECENT];
	size_t nrecent;
	size_t target;			/* live count the run drifts to */
	struct kmem_stats st;		/* the model */
	bool touched[64];		/* classes touched by the step */
	uint64_t counts[KMEM_ERR_NERRORS]; /* misuses injected, by class */
	uint64_t allocs, frees, intr_ops, nfails;
	bool tight;			/* a small page layer: failures allowed */
	bool misused;			/* the step was a misuse */
	bool mp;			/* on the RND_NCPU environment */
} R;

/*
 * A test environment of RND_NCPU virtual CPUs with a clock each, one
 * thread per CPU (thread i on CPU i), no sleeping: tests/fakeenv.h, the
 * step runs on the CPU in fakeenv.fe_cur, in context fakeenv.fe_ctx.
 */
#define RND_NCPU	4

/* mp_sleep: the test's threads never wait: refuse every sleep. */
static int
mp_sleep(struct kml_wchan *wc, unsigned nsleep, char *why, unsigned len,
    void *arg)
{
	(void)nsleep;
	(void)arg;
	snprintf(why, len, "deadlock: cpu %u would wait on \"%s\" forever: "
	    "the test's threads never wait", fakeenv.fe_cur, wc->wc_name);
	return KML_EDEADLK;
}

/* mp_install: the environment above, CPU 0 current, clocks 0, thread context. */
static void
mp_install(void)
{
	fakeenv_install("kmem_test", RND_NCPU, 0);
	fakeenv.fe_on_sleep = mp_sleep;
}

/* rnd_ctx: run the current thread in context c, whichever environment. */
static void
rnd_ctx(enum kml_context c)
{
	if (R.mp)
		fakeenv.fe_ctx = c;
	else
		kml_env_uni_set_context(c);
}

static void __attribute__((format(printf, 1, 2)))
rnd_fail(const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	if (R.failed)
		return;
	R.failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_ok(0, "seed %" PRIu64 " %s op %" PRIu64 ": %s", R.seed, R.policy,
	    R.op, msg);
}

static void rnd_expect(int n, enum kmem_error err, const char *needle);

/* rnd_live_index: index of the live allocation at addr, or -1. */
static long
rnd_live_index(vmem_addr_t addr)
{
	for (size_t i = 0; i < R.nlive; i++)
		if (R.live[i].addr == addr)
			return (long)i;
	return -1;
}

/*
 * rnd_failed: allocation of size bytes returned 0; sleep: it was allowed
 * to sleep.  Only a tight run may see that, and only when the memory is
 * truly gone: the class's cache and pool hold no free object, and the page
 * layer has fewer free pages than a new pool page (or the large
 * allocation) needs.  A sleeping request must have reported a deadlock.
 */
static void
rnd_failed(size_t size, int ci, bool sleep)
{
	struct uvm_stats us;
	uint64_t need;
	char needle[120];

	if (!R.tight) {
		rnd_fail("allocation of %zu bytes returned 0", size);
		return;
	}
	if (ci >= 0) {
		struct pool_cache_stats cs;
		struct pool_stats ps;

		pool_cache_stats(kt_cache(ci), &cs);
		pool_stats(pool_cache_pool(kt_cache(ci)), &ps);
		if (cs.cpu_cached + cs.depot_cached != 0 || ps.avail != 0)
			rnd_fail("allocation of %zu bytes failed with %" PRIu64
			    " objects cached and %" PRIu64 " free in the pool",
			    size, cs.cpu_cached + cs.depot_cached, ps.avail);
		/*
		 * A pool page is aligned to its size, and kmem_va_arena
		 * imports (and wires) size + align - quantum for an aligned
		 * request (vmem(3), import): 2 * pagesize / P - 1 pages.
		 */
		need = 2 * ps.pagesize / kt.pagesz - 1;
		R.touched[ci] = true;
	} else {
		need = kt_round(size) / kt.pagesz;
	}
	uvm_stats(&us);
	if (us.freepages >= need)
		rnd_fail("allocation of %zu bytes failed with %" PRIu64 " free "
		    "pages, %" PRIu64 " needed", size, us.freepages, need);
	if (sleep) {
		snprintf(needle, sizeof(needle), "KM_SLEEP request for %zu bytes "
		    "cannot be satisfied: deadlock:", size);
		rnd_expect(1, KMEM_ERR_DEADLOCK, needle);
		kt_rep_reset();
		if (ci >= 0)
			kt.pool_deadlocks++;	/* the pool's PR_WAITOK get */
	}
	R.st.fails++;
	R.nfails++;
}

/*
 * rnd_enter: an allocation of size at a through an intr path or not, that
 * was allowed to sleep or not: check it and enter it in the model.
 */
static void
rnd_enter(vmem_addr_t a, size_t size, bool intrpath, bool sleep)
{
	int ci = kt_class(size);
	struct rnd_obj *o;
	uint64_t ext = ci >= 0 ? kt.sizes[ci] : kt_round(size);

	if (a == 0) {
		rnd_failed(size, ci, sleep);
		return;
	}
	if (kmem_class_size(size) != (ci >= 0 ? kt.sizes[ci] : 0))
		rnd_fail("kmem_class_size(%zu) = %zu", size, kmem_class_size(size));
	if (ci >= 0) {
		if (a % kt_align(kt.sizes[ci]) != 0)
			rnd_fail("%#" PRIx64 " of %zu bytes (kmem-%" PRIu64 ") "
			    "is not aligned to %" PRIu64, a, size, kt.sizes[ci],
			    kt_align(kt.sizes[ci]));
		if (!pool_owns(pool_cache_pool(kt_cache(ci)), a))
			rnd_fail("%#" PRIx64 " of %zu bytes is not an object of "
			    "kmem-%" PRIu64, a, size, kt.sizes[ci]);
		R.touched[ci] = true;
		R.nclass[ci]++;
	} else if (a % kt.pagesz != 0) {
		rnd_fail("large %#" PRIx64 " of %zu bytes is not page aligned",
		    a, size);
	}
	for (size_t i = 0; i < R.nlive; i++) {
		const struct rnd_obj *l = &R.live[i];

		if (a < l->addr + l->extent && l->addr < a + ext)
			rnd_fail("[%#" PRIx64 ", +%#" PRIx64 ") of %zu bytes "
			    "overlaps live [%#" PRIx64 ", +%#" PRIx64 ") of %zu",
			    a, ext, size, l->addr, l->extent, l->size);
	}
	o = &R.live[R.nlive++];
	o->addr = a;
	o->size = size;
	o->extent = ext;
	o->ci = ci;
	R.st.allocs++;
	R.st.live++;
	R.st.inuse += size;
	if (R.st.inuse > R.st.inuse_peak)
		R.st.inuse_peak = R.st.inuse;
	if (ci < 0) {
		R.st.large_allocs++;
		R.st.large_inuse += ext;
	}
	if (intrpath)
		R.st.intr_allocs++;
	R.allocs++;
}

/* rnd_remove: the model's side of a successful free of live[i]. */
static void
rnd_remove(size_t i)
{
	struct rnd_obj o = R.live[i];

	R.live[i] = R.live[--R.nlive];
	R.st.frees++;
	R.st.live--;
	R.st.inuse -= o.size;
	if (o.ci < 0)
		R.st.large_inuse -= o.extent;
	else {
		R.nclass[o.ci]--;
		R.touched[o.ci] = true;
	}
	R.recent[R.nrecent % RND_RECENT] = o.addr;
	R.recent_size[R.nrecent % RND_RECENT] = o.size;
	R.nrecent++;
	R.frees++;
}

/* rnd_alloc: one allocation by a random entry point and flag. */
static void
rnd_alloc(void)
{
	size_t size = rnd_size();
	int kind = (int)rnd_below(6);
	int flags = rnd_below(3) ? KM_SLEEP : KM_NOSLEEP;
	vmem_addr_t a;

	switch (kind) {
	case 0:
	case 1:
	case 2:
		a = kmem_alloc(size, flags);
		break;
	case 3:
		a = kmem_zalloc(size, flags);
		break;
	case 4:
		a = kmem_intr_alloc(size, flags);
		break;
	default:
		a = kmem_intr_zalloc(size, flags);
		break;
	}
	rnd_enter(a, size, kind >= 4, flags == KM_SLEEP);
}

/* rnd_free: free a random live allocation. */
static void
rnd_free(void)
{
	size_t i = rnd_below(R.nlive);

	if (rnd_below(4) == 0)
		kmem_intr_free(R.live[i].addr, R.live[i].size);
	else
		kmem_free(R.live[i].addr, R.live[i].size);
	rnd_remove(i);
}

/* rnd_intr: an allowed call in interrupt context. */
static void
rnd_intr(void)
{
	rnd_ctx(rnd_below(2) ? KML_CTX_HARDIRQ : KML_CTX_SOFTIRQ);
	if (R.nlive > 0 && (R.nlive >= RND_MAXLIVE || rnd_below(2))) {
		size_t i = rnd_below(R.nlive);

		kmem_intr_free(R.live[i].addr, R.live[i].size);
		rnd_remove(i);
	} else {
		size_t size = rnd_size();
		vmem_addr_t a = rnd_below(2) ? kmem_intr_alloc(size, KM_NOSLEEP) :
		    kmem_intr_zalloc(size, KM_NOSLEEP);

		rnd_enter(a, size, true, false);
	}
	rnd_ctx(KML_CTX_THREAD);
	R.intr_ops++;
}

/* Counters that a misuse must leave as they were. */
struct rnd_lower {
	uint64_t gets, puts;		/* over every kmem cache */
	uint64_t km_allocs, km_frees;	/* page layer */
};

static void
rnd_lower(struct rnd_lower *lw)
{
	struct pool_cache_stats ps;
	struct uvm_stats us;

	memset(lw, 0, sizeof(*lw));
	for (unsigned i = 0; i < kmem_nclasses(); i++) {
		pool_cache_stats(kmem_class_cache(i), &ps);
		lw->gets += ps.cpu_gets;
		lw->puts += ps.cpu_puts;
	}
	uvm_stats(&us);
	lw->km_allocs = us.km_allocs;
	lw->km_frees = us.km_frees;
}

/*
 * rnd_expect: the misuse just made was reported n times, the last of
 * class err with needle in its message.
 */
static void
rnd_expect(int n, enum kmem_error err, const char *needle)
{
	if (kt_rep.n != n || kt_rep.err != err || strstr(kt_rep.msg, needle) == NULL)
		rnd_fail("expected %d report(s), the last %s containing \"%s\"; "
		    "got %d, the last %s: \"%s\"", n, kmem_strerror(err), needle,
		    kt_rep.n, kmem_strerror(kt_rep.err), kt_rep.msg);
	R.counts[err]++;
	R.st.errors += (uint64_t)n;
}

/* rnd_misuse: one misuse of a random kind. */
static void
rnd_misuse(void)
{
	struct rnd_lower before, after;
	char needle[160];
	bool unchanged = true;
	size_t i, size;
	vmem_addr_t a;

	rnd_lower(&before);
	switch (rnd_below(7)) {
	case 0:		/* wrong size */
		if (R.nlive == 0)
			return;
		i = rnd_below(R.nlive);
		do
			size = (size_t)rnd_below(2 * R.live[i].size + 9);
		while (size == R.live[i].size);
		kmem_free(R.live[i].addr, size);
		snprintf(needle, sizeof(needle), "kmem_free: %#" PRIx64 " was "
		    "allocated with size %zu, freed with size %zu",
		    R.live[i].addr, R.live[i].size, size);
		rnd_expect(1, KMEM_ERR_WRONGSIZE, needle);
		break;
	case 1:		/* duplicate free of a recent free not live again */
		if (R.nrecent == 0)
			return;
		i = (R.nrecent - 1 - rnd_below(R.nrecent < RND_RECENT ?
		    R.nrecent : RND_RECENT)) % RND_RECENT;
		a = R.recent[i];
		if (rnd_live_index(a) >= 0)
			return;
		kmem_free(a, R.recent_size[i]);
		snprintf(needle, sizeof(needle), "kmem_free: %#" PRIx64 " (size "
		    "%zu) is already free", a, R.recent_size[i]);
		rnd_expect(1, KMEM_ERR_DUPFREE, needle);
		break;
	case 2:		/* bad address: unaligned, below kva, or 0 */
		size = rnd_size();
		switch (rnd_below(3)) {
		case 0:
			a = R.nlive ? R.live[rnd_below(R.nlive)].addr +
			    1 + rnd_below(7) : KVA_BASE + 3;
			break;
		case 1:
			a = PG * (1 + rnd_below(1000));
			break;
		default:
			a = 0;
			break;
		}
		kmem_free(a, size);
		snprintf(needle, sizeof(needle), "kmem \"kmem\": kmem_free: %#"
		    PRIx64 " (size %zu) was not allocated by kmem", a, size);
		rnd_expect(1, KMEM_ERR_BADADDR, needle);
		break;
	case 3:		/* kmem_alloc in interrupt context: served */
		if (R.nlive >= RND_MAXLIVE)
			return;
		size = rnd_size();
		rnd_ctx(KML_CTX_HARDIRQ);
		a = kmem_alloc(size, KM_SLEEP);
		rnd_ctx(KML_CTX_THREAD);
		snprintf(needle, sizeof(needle), "kmem_alloc of %zu bytes in "
		    "interrupt context (use kmem_intr_alloc)", size);
		rnd_expect(1, KMEM_ERR_INTR, needle);
		rnd_enter(a, size, false, false);
		unchanged = false;
		break;
	case 4:		/* kmem_free in interrupt context: done */
		if (R.nlive == 0)
			return;
		i = rnd_below(R.nlive);
		rnd_ctx(KML_CTX_SOFTIRQ);
		kmem_free(R.live[i].addr, R.live[i].size);
		rnd_ctx(KML_CTX_THREAD);
		snprintf(needle, sizeof(needle), "kmem_free of %#" PRIx64 " in "
		    "interrupt context", R.live[i].addr);
		rnd_expect(1, KMEM_ERR_INTR, needle);
		rnd_remove(i);
		unchanged = false;
		break;
	case 5:		/* KM_SLEEP on the interrupt path in interrupt context */
		if (R.nlive >= RND_MAXLIVE)
			return;
		size = rnd_size();
		rnd_ctx(KML_CTX_HARDIRQ);
		a = kmem_intr_alloc(size, KM_SLEEP);
		rnd_ctx(KML_CTX_THREAD);
		rnd_expect(1, KMEM_ERR_INTR, "kmem_intr_alloc: KM_SLEEP in "
		    "interrupt context (served as KM_NOSLEEP)");
		rnd_enter(a, size, true, false);
		unchanged = false;
		break;
	default: {	/* bad flags */
		static const int bad[] = { 0, KM_SLEEP | KM_NOSLEEP, KM_SLEEP | 0x100 };
		int f = bad[rnd_below(3)];

		size = rnd_size();
		a = kmem_alloc(size, f);
		if (a != 0)
			rnd_fail("kmem_alloc(%zu, %#x) = %#" PRIx64 ", not 0",
			    size, f, a);
		snprintf(needle, sizeof(needle), "kmem_alloc: flags %#x: need "
		    "exactly one of KM_SLEEP and KM_NOSLEEP", f);
		rnd_expect(1, KMEM_ERR_FLAGS, needle);
		R.st.fails++;
		break;
	}
	}
	if (unchanged) {
		rnd_lower(&after);
		if (memcmp(&before, &after, sizeof(before)) != 0)
			rnd_fail("a misuse changed the layers below: gets %" PRIu64
			    "->%" PRIu64 " puts %" PRIu64 "->%" PRIu64
			    " km_allocs %" PRIu64 "->%" PRIu64 " km_frees %"
			    PRIu64 "->%" PRIu64, before.gets, after.gets,
			    before.puts, after.puts, before.km_allocs,
			    after.km_allocs, before.km_frees, after.km_frees);
	}
}

/* rnd_verify: the checks after every step. */
static void
rnd_verify(bool full)
{
	char buf[400], why[400];
	struct kmem_stats st;
	struct pool_cache_stats ps;
	const char *d;

	kmem_stats(&st);
	d = kt_stats_diff(&st, &R.st);
	if (*d != '\0')
		rnd_fail("kmem_stats disagree with the model: %s", d);
	if (kt_rep.n != 0)
		rnd_fail("unexpected report: %s", kt_rep.msg);
	if ((full || R.op % RND_MAPCHECK == 0 || R.misused) &&
	    kmem_check(buf, sizeof(buf)) != 0)
		rnd_fail("kmem_check: %s", buf);
	R.misused = false;
	if (full) {
		if (kt_check_caches(why, sizeof(why)) != 0)
			rnd_fail("%s", why);
	}
	for (unsigned ci = 0; ci < kmem_nclasses(); ci++) {
		if (!full && !R.touched[ci])
			continue;
		R.touched[ci] = false;
		if (!full && pool_cache_check(kmem_class_cache(ci), buf,
		    sizeof(buf)) != 0)
			rnd_fail("pool_cache_check(kmem-%" PRIu64 "): %s",
			    kt.sizes[ci], buf);
		pool_cache_stats(kmem_class_cache(ci), &ps);
		if (ps.cpu_gets - ps.fails - ps.cpu_puts != R.nclass[ci])
			rnd_fail("kmem-%" PRIu64 ": gets %" PRIu64 " - fails %"
			    PRIu64 " - puts %" PRIu64 " != %zu live in the model",
			    kt.sizes[ci], ps.cpu_gets, ps.fails, ps.cpu_puts,
			    R.nclass[ci]);
	}
	if (kt_pool_errors != 0)
		rnd_fail("a pool reported: %s", kt_pool_msg);
	if (kt_pool_deadlocks != kt.pool_deadlocks)
		rnd_fail("the pools reported %d deadlocks, %d expected (the "
		    "last: %s)", kt_pool_deadlocks, kt.pool_deadlocks,
		    kt_pool_dlmsg);
}

/*
 * rnd_run: one run of nops operations with seed under policy, on a page
 * layer of physpages pages (tight: below NPAGES, where allocations fail),
 * on the uniprocessor environment or (multi) on RND_NCPU CPUs, each step
 * on a random one.
 */
static void
rnd_run(uint64_t seed, enum kmem_classes policy, uint64_t physpages,
    bool multi, uint64_t nops)
{
	struct pool_cache_policy pcp;
	struct pool_cache_stats mag;
	uint64_t daemon_runs;
	struct uvm_stats us;

	memset(&R, 0, sizeof(R));
	R.seed = seed;
	R.policy = policy == KMEM_CLASSES_NETBSD ? "netbsd" : "illumos";
	rnd_state = seed;
	pool_cache_policy_default(&pcp, R.policy);
	pcp.pcp_interval_ns = 100000;	/* illumos: trim often */
	pool_cache_set_default_policy(&pcp);
	R.mp = multi;
	if (multi)
		mp_install();
	kt_setup(policy, physpages, PG);
	R.tight = physpages < NPAGES;
	R.target = RND_MAXLIVE / 4;
	uvm_stats(&us);
	daemon_runs = us.page_fails + us.pagedaemon_runs;
	for (R.op = 1; R.op <= nops && !R.failed; R.op++) {
		uint64_t r = rnd_below(1000);
		bool full = R.op % RND_FULLCHECK == 0;

		if (R.op % 2000 == 0)
			R.target = rnd_below(RND_MAXLIVE + 1);
		if (R.mp)
			fakeenv.fe_cur = (unsigned)rnd_below(RND_NCPU);
		kt_rep_reset();
		if (r < 30) {
			rnd_misuse();
			kt_rep_reset();
			R.misused = true;
		} else if (r < 60) {
			rnd_intr();
		} else if (R.nlive == 0 || (R.nlive < RND_MAXLIVE &&
		    rnd_below(100) < (R.nlive < R.target ? 60u : 40u))) {
			rnd_alloc();
		} else {
			rnd_free();
		}
		uvm_stats(&us);
		if (us.page_fails + us.pagedaemon_runs != daemon_runs) {
			daemon_runs = us.page_fails + us.pagedaemon_runs;
			full = true;	/* the reclaimers may have run */
		}
		rnd_verify(full);
	}
	R.op--;
	memset(&mag, 0, sizeof(mag));
	for (unsigned ci = 0; ci < kmem_nclasses(); ci++) {
		struct pool_cache_stats ps;

		pool_cache_stats(kmem_class_cache(ci), &ps);
		mag.trims += ps.trims;
		mag.resizes += ps.resizes;
		mag.invalidations += ps.invalidations;
		mag.depot_contended += ps.depot_contended;
	}
	tap_diag("seed %" PRIu64 " %s: magazines: %" PRIu64 " trimmed, %"
	    PRIu64 " resizes, %" PRIu64 " invalidations, %" PRIu64 " contended "
	    "depot locks", seed, R.policy, mag.trims, mag.resizes,
	    mag.invalidations, mag.depot_contended);
	uvm_stats(&us);
	tap_ok(!R.failed, "seed %" PRIu64 " %s, %" PRIu64 " pages, %u cpu%s: %"
	    PRIu64
	    " operations checked (%" PRIu64 " allocations, %" PRIu64 " failed, "
	    "%" PRIu64 " pagedaemon runs, %" PRIu64 " frees, %" PRIu64 " in "
	    "interrupt context; misuse: %" PRIu64 " wrong size, %" PRIu64
	    " duplicate, %" PRIu64 " bad address, %" PRIu64 " interrupt, %"
	    PRIu64 " flags; peak %" PRIu64 " bytes)", seed, R.policy, physpages,
	    multi ? RND_NCPU : 1, multi ? "s" : "", R.op, R.allocs, R.nfails, us.pagedaemon_runs, R.frees, R.intr_ops, R.counts[KMEM_ERR_WRONGSIZE],
	    R.counts[KMEM_ERR_DUPFREE], R.counts[KMEM_ERR_BADADDR],
	    R.counts[KMEM_ERR_INTR], R.counts[KMEM_ERR_FLAGS], R.st.inuse_peak);
	rnd_ctx(KML_CTX_THREAD);
	while (R.nlive > 0) {
		kmem_free(R.live[R.nlive - 1].addr, R.live[R.nlive - 1].size);
		R.nlive--;
	}
	tap_is(kt_rep.n, 0, "seed %" PRIu64 " %s: every live allocation freed",
	    seed, R.policy);
	kt_check("the random run");
	kt_teardown();
	pool_cache_set_default_policy(NULL);
	if (multi)
		kml_env_set(NULL, NULL);
}

int
main(void)
{
	static const struct {
		uint64_t seed;
		enum kmem_classes policy;
		uint64_t physpages;
		bool multi;
	} runs[] = {
		{ 20260301, KMEM_CLASSES_NETBSD, NPAGES, false },
		{ 77777, KMEM_CLASSES_ILLUMOS, NPAGES, false },
		{ 5, KMEM_CLASSES_NETBSD, 512, false },
		{ 6, KMEM_CLASSES_ILLUMOS, 512, false },
		{ 7, KMEM_CLASSES_NETBSD, NPAGES, true },
		{ 8, KMEM_CLASSES_ILLUMOS, 2048, true },
	};

	test_tables();
	test_classes(KMEM_CLASSES_NETBSD, PG, "netbsd");
	test_classes(KMEM_CLASSES_ILLUMOS, PG, "illumos");
	test_class_sizes();
	test_pagesize();
	test_alloc_free(KMEM_CLASSES_NETBSD, "netbsd");
	test_alloc_free(KMEM_CLASSES_ILLUMOS, "illumos");
	test_addresses();
	test_zalloc_intr_calls();
	test_zero();
	test_flags();
	test_wrongsize(KMEM_CLASSES_NETBSD, "netbsd");
	test_wrongsize(KMEM_CLASSES_ILLUMOS, "illumos");
	test_dupfree_badaddr();
	test_unchecked();
	test_freed_forgotten();
	test_intr();
	test_exhaustion();
	test_init_fini();
	for (size_t i = 0; i < NELEM(runs); i++)
		rnd_run(runs[i].seed, runs[i].policy, runs[i].physpages,
		    runs[i].multi, RND_OPS);
	return tap_done();
}
