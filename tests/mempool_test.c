/*
 * tests/mempool_test.c: TAP test of mempool(3) and the gfp masks
 * (kmemlab/mempool.h, kmemlab/gfp.h; lib/mempool.c).
 *
 * How: most cases run a pool over a fake back end (struct mt_backend)
 * that hands out addresses 0x100000, 0x100100, ... (a freed address is
 * reused first, last freed first), fails on demand (always, at random, or
 * when a number of elements are live), and records every call of the
 * current operation with its mask and result.  Each case compares that
 * record, written as text ("A0x92880=0x100200 F0x100000": an allocation
 * with its mask and result, a free with its element), the returned
 * element, every statistic (mt_stats_is: the ones not named must be 0)
 * and the exact error reports (the handler records them) with what Linux's
 * mm/mempool.c does.  Sleeping is checked in the uniprocessor environment,
 * where it must end in a deadlock report, and in a fake two-CPU
 * environment (tests/fakeenv.h, planned by struct mt_fake) whose sleep
 * runs "another thread" on CPU 1 that frees an element, resizes the pool
 * or does nothing, before it returns.  Panics are caught by a handler
 * that longjmps (tests/fakeenv.h).
 *
 * The randomized test (rnd_*) runs fixed seeds of mixed allocations (every
 * usual mask, some in interrupt context), frees, misused frees and
 * resizes against a back end that fails at random, and replays each
 * operation on a model of the reserve: the calls the back end saw must be
 * exactly the ones mm/mempool.c makes, in order and with their masks, and
 * after every operation the statistics must equal the model's,
 * curr_nr <= min_nr, every element the back end gave must be in the
 * reserve or out, and mempool_check must pass.  A failure prints the seed
 * and the operation number.
 *
 * The last cases put pools over the real back ends: pool_cache(9),
 * kmem(9) and uvm_km(9), through mempool_create_slab_pool,
 * mempool_create_kmalloc_pool and mempool_create_page_pool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/gfp.h>
#include <kmemlab/kmem.h>
#include <kmemlab/mempool.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>

#include "fakeenv.h"
#include "tap.h"

/* What mempool_alloc adds to every mask, and its first-round mask. */
#define MT_ADDED	(__GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN)
#define MT_FULL(g)	((gfp_t)(g) | MT_ADDED)
#define MT_TEMP(g)	(MT_FULL(g) & ~(gfp_t)(__GFP_DIRECT_RECLAIM | __GFP_IO))

/* ---- the fake back end */

#define MT_BASE		UINT64_C(0x100000)	/* the first element */
#define MT_STRIDE	UINT64_C(0x100)		/* between elements */
#define MT_MAXELEM	4096			/* distinct elements, at most */
#define MT_MAXCALLS	64			/* calls recorded per operation */

enum { MT_ALLOC, MT_FREE };

/* One call of the back end. */
struct mt_call {
	int c_kind;		/* MT_ALLOC or MT_FREE */
	gfp_t c_gfp;		/* MT_ALLOC: the mask */
	vmem_addr_t c_addr;	/* MT_ALLOC: the result (0: failed); MT_FREE: the element */
};

static struct mt_backend {
	/* policy */
	bool fail;			/* every allocation fails */
	unsigned fail_pct;		/* else this percentage fails at random */
	uint64_t rng;			/* the random failures' generator state */
	unsigned capacity;		/* else fail when this many are live (0: no limit) */
	/* state */
	unsigned nnew;			/* new addresses handed out */
	vmem_addr_t lifo[MT_MAXELEM];	/* freed addresses, reused last first */
	unsigned nlifo;
	bool live[MT_MAXELEM];		/* element i is out of the back end */
	unsigned nlive;
	unsigned bad_frees;		/* frees of elements not live, or bad pool_data */
	/* the calls since mt_reset_calls */
	struct mt_call calls[MT_MAXCALLS];
	unsigned ncalls;
} be;

/* mt_rand: splitmix64 step on *s. */
static uint64_t
mt_rand(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* mt_record: append a call to the record (the excess is dropped and counted). */
static void
mt_record(int kind, gfp_t gfp, vmem_addr_t addr)
{
	if (be.ncalls < MT_MAXCALLS)
		be.calls[be.ncalls] = (struct mt_call){ kind, gfp, addr };
	be.ncalls++;
}

/*
 * mt_alloc_fn: the back end's alloc_fn.  pool_data must be &be.  Fails
 * when be.fail, at the capacity, or at random with be.fail_pct; else
 * reuses the last freed address or hands out a new one.
 */
static vmem_addr_t
mt_alloc_fn(gfp_t gfp, void *pool_data)
{
	vmem_addr_t a;

	if (pool_data != &be)
		be.bad_frees++;
	if (be.fail || (be.capacity != 0 && be.nlive >= be.capacity) ||
	    (be.fail_pct != 0 && mt_rand(&be.rng) % 100 < be.fail_pct)) {
		mt_record(MT_ALLOC, gfp, 0);
		return 0;
	}
	if (be.nlifo > 0)
		a = be.lifo[--be.nlifo];
	else if (be.nnew < MT_MAXELEM)
		a = MT_BASE + MT_STRIDE * be.nnew++;
	else {
		mt_record(MT_ALLOC, gfp, 0);
		return 0;
	}
	be.live[(a - MT_BASE) / MT_STRIDE] = true;
	be.nlive++;
	mt_record(MT_ALLOC, gfp, a);
	return a;
}

/* mt_free_fn: the back end's free_fn; a free of an element not live is counted. */
static void
mt_free_fn(vmem_addr_t a, void *pool_data)
{
	uint64_t i = (a - MT_BASE) / MT_STRIDE;

	mt_record(MT_FREE, 0, a);
	if (pool_data != &be || a < MT_BASE || (a - MT_BASE) % MT_STRIDE != 0 ||
	    i >= MT_MAXELEM || !be.live[i]) {
		be.bad_frees++;
		return;
	}
	be.live[i] = false;
	be.nlive--;
	be.lifo[be.nlifo++] = a;
}

/* mt_reset_calls: forget the recorded calls. */
static void
mt_reset_calls(void)
{
	be.ncalls = 0;
}

/*
 * mt_calls: the recorded calls as text in buf: "A<mask>=<result>" and
 * "F<element>" separated by spaces, all in hexadecimal (0 as "0").
 */
static const char *
mt_calls(char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < be.ncalls && i < MT_MAXCALLS && pos < len; i++) {
		const struct mt_call *c = &be.calls[i];
		int n;

		if (c->c_kind == MT_ALLOC)
			n = snprintf(buf + pos, len - pos, "%sA%#x=%#" PRIx64,
			    i ? " " : "", c->c_gfp, c->c_addr);
		else
			n = snprintf(buf + pos, len - pos, "%sF%#" PRIx64,
			    i ? " " : "", c->c_addr);
		if (n > 0)
			pos += (size_t)n;
	}
	return buf;
}

/* mt_expect: printf into a static buffer (for expected call records). */
static const char *
mt_expect(const char *fmt, ...)
{
	static char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* MT_CALLS_ARE: check the record of calls, then forget it. */
#define MT_CALLS_ARE(want, ...)						\
	do {								\
		char mt_buf_[1024];					\
		tap_is_str(mt_calls(mt_buf_, sizeof(mt_buf_)), (want),	\
		    __VA_ARGS__);					\
		mt_reset_calls();					\
	} while (0)

/* mt_backend_reset: a back end that works, with nothing live and no record. */
static void
mt_backend_reset(void)
{
	memset(&be, 0, sizeof(be));
}

/* mt_create: mempool_create over the fake back end. */
static mempool_t *
mt_create(int min_nr)
{
	return mempool_create(min_nr, mt_alloc_fn, mt_free_fn, &be);
}

/* ---- error reports */

static struct mt_errs {
	unsigned n;			/* reports delivered */
	enum mempool_error last;	/* class of the last */
	char msg[256];			/* its message */
	mempool_t *pool;		/* its pool */
} errs;

static void
mt_handler(void *arg, mempool_t *pool, enum mempool_error err, const char *msg)
{
	struct mt_errs *e = arg;

	e->n++;
	e->last = err;
	e->pool = pool;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

static void
mt_errs_reset(void)
{
	memset(&errs, 0, sizeof(errs));
}

/* ---- statistics */

/*
 * mt_stats_is: check every statistic of pool: those named in want
 * ("name=value name=value") must have that value, the others must be 0.
 */
static void
mt_stats_is(mempool_t *pool, const char *want, const char *label)
{
	struct mempool_stats st;
	char got[1024], exp[1024];
	size_t gp = 0, ep = 0;

	mempool_stats(pool, &st);
	got[0] = exp[0] = '\0';
	for (size_t i = 0; i < mempool_nstatdesc; i++) {
		const struct kml_statdesc *d = &mempool_statdesc[i];
		size_t n = strlen(d->sd_name);
		uint64_t w = 0;
		const char *p;

		for (p = want; (p = strstr(p, d->sd_name)) != NULL; p += n)
			if ((p == want || p[-1] == ' ') && p[n] == '=') {
				w = strtoull(p + n + 1, NULL, 0);
				break;
			}
		gp += (size_t)snprintf(got + gp, sizeof(got) - gp, "%s%s=%" PRIu64,
		    i ? " " : "", d->sd_name, kml_stat_get(&st, d));
		ep += (size_t)snprintf(exp + ep, sizeof(exp) - ep, "%s%s=%" PRIu64,
		    i ? " " : "", d->sd_name, w);
	}
	tap_is_str(got, exp, "%s: statistics", label);
}

/* mt_check: mempool_check passes. */
static void
mt_check(mempool_t *pool, const char *label)
{
	char buf[256] = "";

	tap_is(mempool_check(pool, buf, sizeof(buf)), 0, "%s: mempool_check "
	    "passes%s%s", label, buf[0] ? ": " : "", buf);
}

/* ---- a fake environment: two CPUs, a sleep that lets CPU 1 act */

#define MT_NCPU 2

/* The sleep plan of the fake environment (tests/fakeenv.h). */
static struct mt_fake {
	int deadlock_at;		/* the sleep (from 1) that returns KML_EDEADLK, 0: none */
	const char *why;		/* its explanation */
	void (*on_sleep)(unsigned nth);	/* run on CPU 1 during sleep nth (from 1) */
	bool lock_free_in_sleep;	/* the pool's lock was free during the last sleep */
} fake;

static mempool_t *fake_pool;		/* the pool the sleep's actions use */
static vmem_addr_t fake_elem;		/* the element they free */
static int fake_resize_to;		/* mempool_resize target of mt_sleep_resize */

/*
 * mt_fake_sleep: sleep number n: run on_sleep(n) as CPU 1's thread, then
 * return KML_EDEADLK if n == deadlock_at, else 0 (woken).
 */
static int
mt_fake_sleep(struct kml_wchan *wc, unsigned n, char *why, unsigned len,
    void *arg)
{
	unsigned me;
	char buf[256];

	(void)wc;
	(void)arg;
	fake.lock_free_in_sleep = fake_pool != NULL &&
	    mempool_check(fake_pool, buf, sizeof(buf)) == 0;
	if (fake.on_sleep != NULL) {
		me = fakeenv_switch(1);
		fake.on_sleep(n);
		fakeenv_switch(me);
	}
	if ((int)n == fake.deadlock_at) {
		snprintf(why, len, "%s", fake.why);
		return KML_EDEADLK;
	}
	return 0;
}

/*
 * mt_fake_install: the fake environment: two CPUs, threads 100 and 101,
 * CPU 0 current, sleeps by mt_fake_sleep, nothing planned.
 */
static void
mt_fake_install(void)
{
	memset(&fake, 0, sizeof(fake));
	fake_pool = NULL;
	fake_elem = 0;
	fakeenv_install("mempool-fake", MT_NCPU, 100);
	fakeenv.fe_on_sleep = mt_fake_sleep;
}

/* mt_sleep_free: the other thread frees fake_elem into fake_pool. */
static void
mt_sleep_free(unsigned nth)
{
	(void)nth;
	mempool_free(fake_elem, fake_pool);
}

/* mt_sleep_free_second: nothing at the first sleep (a spurious wakeup), a free at the second. */
static void
mt_sleep_free_second(unsigned nth)
{
	if (nth == 2)
		mempool_free(fake_elem, fake_pool);
}

/* mt_sleep_resize: the other thread lets the back end give one more element and grows the pool. */
static void
mt_sleep_resize(unsigned nth)
{
	(void)nth;
	be.fail = false;
	be.capacity = be.nlive + 1;
	tap_is(mempool_resize(fake_pool, fake_resize_to), 0,
	    "sleep: mempool_resize on the other CPU returns 0");
}

/* ---- per-case set-up */

/* mt_reset: the uniprocessor environment at clock 0, fresh back end and reports. */
static void
mt_reset(void)
{
	kml_env_set(NULL, NULL);
	kml_env_uni_reset();
	kml_set_panic_handler(fakeenv_panic);
	mempool_set_default_error_handler(mt_handler, &errs);
	mt_backend_reset();
	mt_errs_reset();
}

/* ---- cases */

/* mt_test_gfp: the masks' values, may-sleep, the back-end flags, names. */
static void
mt_test_gfp(void)
{
	char buf[256];
	gfp_t g;

	tap_is(GFP_KERNEL, 0xcc0, "GFP_KERNEL is Linux's 0xcc0");
	tap_is(GFP_ATOMIC, 0x820, "GFP_ATOMIC is Linux 6.3's 0x820");
	tap_is(GFP_NOWAIT, 0x2800, "GFP_NOWAIT is 0x2800 (with __GFP_NOWARN, as Linux 6.18)");
	tap_is(GFP_NOIO, 0xc00, "GFP_NOIO is 0xc00");
	tap_is(GFP_NOFS, 0xc40, "GFP_NOFS is 0xc40");
	tap_is(__GFP_ZERO, 0x100, "__GFP_ZERO is 0x100");
	tap_is(__GFP_HIGH | __GFP_NOWARN | __GFP_NORETRY, 0x12020,
	    "__GFP_HIGH, __GFP_NOWARN, __GFP_NORETRY are 0x20, 0x2000, 0x10000");
	tap_is(GFP_USER, 0x100cc0, "GFP_USER is 0x100cc0");
	tap_is(GFP_TRANSHUGE_LIGHT, 0x1c20ca, "GFP_TRANSHUGE_LIGHT is 0x1c20ca (no reclaim)");
	tap_is(GFP_TRANSHUGE, 0x1c24ca, "GFP_TRANSHUGE is 0x1c24ca");

	tap_ok(gfpflags_allow_blocking(GFP_KERNEL) && gfpflags_allow_blocking(GFP_NOIO) &&
	    gfpflags_allow_blocking(GFP_NOFS) && gfpflags_allow_blocking(GFP_USER) &&
	    gfpflags_allow_blocking(__GFP_DIRECT_RECLAIM),
	    "GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_USER, __GFP_DIRECT_RECLAIM may sleep");
	tap_ok(!gfpflags_allow_blocking(GFP_ATOMIC) && !gfpflags_allow_blocking(GFP_NOWAIT) &&
	    !gfpflags_allow_blocking(__GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS) &&
	    !gfpflags_allow_blocking(0) && !gfpflags_allow_blocking(GFP_TRANSHUGE_LIGHT),
	    "GFP_ATOMIC, GFP_NOWAIT, kswapd-only, 0, GFP_TRANSHUGE_LIGHT may not sleep");

	tap_is(gfp_pr_flags(GFP_KERNEL), PR_WAITOK, "pool flags of GFP_KERNEL: PR_WAITOK");
	tap_is(gfp_pr_flags(GFP_ATOMIC), PR_NOWAIT, "pool flags of GFP_ATOMIC: PR_NOWAIT");
	tap_is(gfp_pr_flags(GFP_NOIO | __GFP_ZERO), PR_WAITOK | PR_ZERO,
	    "pool flags of GFP_NOIO|__GFP_ZERO: PR_WAITOK|PR_ZERO");
	tap_is(gfp_km_flags(GFP_NOFS), KM_SLEEP, "kmem flags of GFP_NOFS: KM_SLEEP");
	tap_is(gfp_km_flags(GFP_NOWAIT | __GFP_ZERO), KM_NOSLEEP,
	    "kmem flags of GFP_NOWAIT|__GFP_ZERO: KM_NOSLEEP");
	tap_is(gfp_uvm_flags(GFP_KERNEL), 0, "uvm flags of GFP_KERNEL: 0");
	tap_is(gfp_uvm_flags(GFP_ATOMIC), UVM_KMF_NOWAIT, "uvm flags of GFP_ATOMIC: UVM_KMF_NOWAIT");
	tap_is(gfp_uvm_flags(GFP_ATOMIC | __GFP_ZERO), UVM_KMF_NOWAIT | UVM_KMF_ZERO,
	    "uvm flags of GFP_ATOMIC|__GFP_ZERO: UVM_KMF_NOWAIT|UVM_KMF_ZERO");

	/* formatting, as show_gfp_flags */
	gfp_format(0, buf, sizeof(buf));
	tap_is_str(buf, "none", "format 0: none");
	gfp_format(GFP_KERNEL, buf, sizeof(buf));
	tap_is_str(buf, "GFP_KERNEL", "format GFP_KERNEL");
	gfp_format(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, buf, sizeof(buf));
	tap_is_str(buf, "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN",
	    "format GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN: bit order, as Linux 6.x");
	{
		/* gfp_flags texts printed by this machine's 6.18 kernel (traces/raw) */
		static const char *const real[] = {
			"GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
			"GFP_ATOMIC|__GFP_ZERO|__GFP_NOWARN|__GFP_COMP",
			"GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
			"__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC",
			"GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL",
			"GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC",
			"GFP_KERNEL_ACCOUNT|__GFP_ZERO",
		};

		for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
			gfp_t m = 0;

			gfp_parse(real[i], &m);
			gfp_format(m, buf, sizeof(buf));
			tap_is_str(buf, real[i], "format(parse(%s)) as the kernel prints it",
			    real[i]);
		}
	}
	gfp_format(GFP_USER | __GFP_HIGHMEM | __GFP_MOVABLE, buf, sizeof(buf));
	tap_is_str(buf, "GFP_HIGHUSER_MOVABLE", "format: the composite with most bits first");
	gfp_format(MT_TEMP(GFP_KERNEL), buf, sizeof(buf));
	tap_is_str(buf, "GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC",
	    "format mempool's first-round mask for GFP_KERNEL");
	gfp_format(__GFP_FS | 0x1000000 | 0x200, buf, sizeof(buf));
	tap_is_str(buf, "__GFP_FS|0x1000200", "format: unknown bits as one hex number");
	gfp_format(__GFP_DIRECT_RECLAIM, buf, sizeof(buf));
	tap_is_str(buf, "__GFP_DIRECT_RECLAIM", "format __GFP_DIRECT_RECLAIM");
	tap_is(gfp_format(GFP_KERNEL | __GFP_ZERO, buf, 5), strlen("GFP_KERNEL|__GFP_ZERO"),
	    "format into 5 bytes returns the whole length");
	tap_is_str(buf, "GFP_", "format into 5 bytes cuts the text");

	/* parsing */
	g = 7;
	tap_is(gfp_parse("GFP_KERNEL|__GFP_ZERO", &g), 0, "parse GFP_KERNEL|__GFP_ZERO");
	tap_is(g, 0xdc0, "parse GFP_KERNEL|__GFP_ZERO: 0xdc0");
	tap_is(gfp_parse("none", &g), 0, "parse none");
	tap_is(g, 0, "parse none: 0");
	tap_is(gfp_parse(" GFP_ATOMIC | 0x1000000 |16 ", &g), 0, "parse with spaces and numbers");
	tap_is(g, 0x1000830, "parse with spaces and numbers: 0x1000830");
	g = 7;
	tap_is(gfp_parse("GFP_BOGUS", &g), (uint64_t)-1, "parse an unknown name fails");
	tap_is(gfp_parse("", &g), (uint64_t)-1, "parse an empty text fails");
	tap_is(gfp_parse("GFP_KERNEL||__GFP_ZERO", &g), (uint64_t)-1, "parse an empty token fails");
	tap_is(gfp_parse("GFP_KERNEL|", &g), (uint64_t)-1, "parse a trailing | fails");
	tap_is(gfp_parse("0x", &g), (uint64_t)-1, "parse a bad number fails");
	tap_is(gfp_parse("GFP_KERNEL __GFP_ZERO", &g), (uint64_t)-1, "parse two names without | fails");
	tap_is(gfp_parse("GFP_KERNELX", &g), (uint64_t)-1, "parse a longer name fails");
	tap_is(g, 7, "failed parses leave the mask untouched");

	/* every name, and random masks, round trip */
	unsigned bad = 0;
	uint64_t s = 42;

	for (const struct gfp_flagname *f = gfp_flagnames; f->gf_name != NULL; f++)
		if (gfp_parse(f->gf_name, &g) != 0 || g != f->gf_mask)
			bad++;
	tap_is(bad, 0, "every name of gfp_flagnames parses to its mask");
	for (int i = 0; i < 2000; i++) {
		gfp_t m = (gfp_t)mt_rand(&s) & 0x3ffffff;

		gfp_format(m, buf, sizeof(buf));
		if (gfp_parse(buf, &g) != 0 || g != m)
			bad++;
	}
	tap_is(bad, 0, "2000 random masks: parse(format(m)) == m");
}

/* mt_test_create: the reserve is filled at creation; a failure gives everything back. */
static void
mt_test_create(void)
{
	char buf[256];
	mempool_t *mp, *mp2;
	int n1, n2;

	mt_reset();
	mp = mt_create(3);
	tap_ok(mp != NULL, "create with min_nr 3");
	MT_CALLS_ARE("A0xcc0=0x100000 A0xcc0=0x100100 A0xcc0=0x100200",
	    "create: three back-end allocations with GFP_KERNEL exactly");
	mt_stats_is(mp, "curr_nr=3 min_nr=3 backend_allocs=3", "create");
	mt_check(mp, "create");
	tap_is(sscanf(mempool_name(mp), "mempool-%d", &n1), 1,
	    "create: named mempool-N (%s)", mempool_name(mp));

	mp2 = mt_create(0);
	tap_ok(mp2 != NULL, "create with min_nr 0");
	MT_CALLS_ARE("", "create with min_nr 0: no back-end call");
	mt_stats_is(mp2, "", "create with min_nr 0");
	tap_is(sscanf(mempool_name(mp2), "mempool-%d", &n2), 1, "second pool named");
	tap_is(n2, n1 + 1, "names count creations");
	tap_ok(mempool_first() == mp && mempool_next(mp) == mp2 &&
	    mempool_next(mp2) == NULL, "mempool_first/next: creation order");
	mempool_set_name(mp2, "bio-pool-with-a-name-longer-than-31-bytes");
	tap_is_str(mempool_name(mp2), "bio-pool-with-a-name-longer-tha",
	    "mempool_set_name keeps 31 bytes");

	/* failure: the back end gives only two of four */
	be.capacity = 5;
	tap_ok(mt_create(4) == NULL, "create with min_nr 4 fails when the back end "
	    "gives only 2 more");
	MT_CALLS_ARE("A0xcc0=0x100300 A0xcc0=0x100400 A0xcc0=0 F0x100400 F0x100300",
	    "failed create: gives back what it got, last first");
	tap_is(be.nlive, 3, "failed create: only the first pool's reserve is live");
	tap_ok(mempool_first() == mp && mempool_next(mp) == mp2 &&
	    mempool_next(mp2) == NULL, "failed create: not listed");
	be.capacity = 0;

	/* bad arguments are panics */
	FAKEENV_TRY(mt_create(-1));
	tap_ok(fakeenv_caught, "create with min_nr -1 panics");
	tap_contains(fakeenv_panicmsg, "mempool_create: min_nr -1", "its message");
	FAKEENV_TRY(mempool_create(1, NULL, mt_free_fn, &be));
	tap_contains(fakeenv_panicmsg, "alloc_fn NULL", "create without alloc_fn panics");
	FAKEENV_TRY(mempool_create(1, mt_alloc_fn, NULL, &be));
	tap_contains(fakeenv_panicmsg, "free_fn NULL", "create without free_fn panics");
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	FAKEENV_TRY(mt_create(1));
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_contains(fakeenv_panicmsg, "mempool_create: in interrupt context",
	    "create in interrupt context panics");
	MT_CALLS_ARE("", "the panicking creates called no back end");

	mempool_destroy(mp2);
	MT_CALLS_ARE("", "destroy of an empty pool: no back-end call");
	mempool_destroy(mp);
	MT_CALLS_ARE("F0x100200 F0x100100 F0x100000",
	    "destroy: the reserve goes back, top first");
	tap_is(be.nlive, 0, "destroy: nothing live in the back end");
	tap_ok(mempool_first() == NULL, "destroyed pools are not listed");
	mempool_destroy(NULL);
	tap_is(errs.n, 0, "no error reported");
	(void)buf;
}

/* mt_test_alloc: back end first, then the reserve, then Linux's retry and give-up rules. */
static void
mt_test_alloc(void)
{
	mempool_t *mp;
	vmem_addr_t e;

	mt_reset();
	mp = mt_create(2);			/* 0x100000, 0x100100 */
	mt_reset_calls();

	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100200, "alloc: a working back end serves it");
	MT_CALLS_ARE("A0x92880=0x100200", "alloc: one call, GFP_KERNEL less "
	    "reclaim and I/O plus NOMEMALLOC|NORETRY|NOWARN");
	mt_stats_is(mp, "curr_nr=2 min_nr=2 out=1 allocs=1 backend_allocs=3",
	    "alloc from the back end");

	be.fail = true;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100100, "alloc, back end failing: the reserve's top");
	MT_CALLS_ARE("A0x92880=0", "alloc from the reserve: the back end was tried once");
	e = mempool_alloc(mp, GFP_ATOMIC);
	tap_is(e, 0x100000, "alloc GFP_ATOMIC: the reserve's last element");
	MT_CALLS_ARE(mt_expect("A%#x=0", MT_FULL(GFP_ATOMIC)),
	    "GFP_ATOMIC: the back end sees the whole mask at once");
	mt_stats_is(mp, "curr_nr=0 min_nr=2 out=3 allocs=3 reserve_takes=2 "
	    "backend_allocs=3 backend_fails=2", "two allocations from the reserve");

	/* reserve empty, back end failing */
	e = mempool_alloc(mp, GFP_ATOMIC);
	tap_is(e, 0, "GFP_ATOMIC, all empty: 0");
	MT_CALLS_ARE(mt_expect("A%#x=0", MT_FULL(GFP_ATOMIC)),
	    "GFP_ATOMIC, all empty: one try, no retry");
	e = mempool_alloc(mp, GFP_NOWAIT);
	tap_is(e, 0, "GFP_NOWAIT, all empty: 0");
	MT_CALLS_ARE(mt_expect("A%#x=0", MT_FULL(GFP_NOWAIT)),
	    "GFP_NOWAIT, all empty: one try");
	e = mempool_alloc(mp, __GFP_IO);
	tap_is(e, 0, "__GFP_IO alone, all empty: 0 (may not sleep)");
	MT_CALLS_ARE(mt_expect("A%#x=0 A%#x=0", MT_ADDED, MT_FULL(__GFP_IO)),
	    "__GFP_IO alone: a first round without I/O, a retry with it, no sleep");
	mt_stats_is(mp, "curr_nr=0 min_nr=2 out=3 allocs=3 fails=3 reserve_takes=2 "
	    "backend_allocs=3 backend_fails=6", "no-sleep callers that got 0");
	tap_is(errs.n, 0, "no-sleep failures are not errors");

	/* a sleeping caller in the uniprocessor environment */
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0, "GFP_KERNEL, all empty, uniprocessor: 0");
	MT_CALLS_ARE("A0x92880=0 A0x92cc0=0",
	    "GFP_KERNEL: the first round, the retry with the whole mask, then the sleep");
	tap_is(errs.n, 1, "the sleep is reported");
	tap_is(errs.last, MEMPOOL_ERR_DEADLOCK, "as a deadlock");
	tap_ok(errs.pool == mp, "for this pool");
	tap_contains(errs.msg, mt_expect("mempool \"%s\": mempool_alloc: GFP_KERNEL: "
	    "reserve and back end empty and nothing can free: deadlock: thread 0 "
	    "on cpu 0 would sleep on \"%s\" forever", mempool_name(mp),
	    mempool_name(mp)), "the message names the pool, the mask and the environment's reason");
	tap_is(mempool_last_error(mp, NULL), MEMPOOL_ERR_DEADLOCK, "mempool_last_error");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_DEADLOCK), "deadlock", "mempool_strerror");
	e = mempool_alloc(mp, GFP_NOIO);
	tap_is(e, 0, "GFP_NOIO, all empty, uniprocessor: 0");
	MT_CALLS_ARE(mt_expect("A%#x=0 A%#x=0", MT_TEMP(GFP_NOIO), MT_FULL(GFP_NOIO)),
	    "GFP_NOIO: two tries, then the sleep");
	tap_contains(errs.msg, "mempool_alloc: GFP_NOIO: ", "the GFP_NOIO deadlock");
	mt_stats_is(mp, "curr_nr=0 min_nr=2 out=3 allocs=3 fails=5 reserve_takes=2 "
	    "backend_allocs=3 backend_fails=10 waits=2 errors=2", "after two deadlocks");
	mt_check(mp, "alloc");

	/* __GFP_ZERO is reported and passed on */
	be.fail = false;
	mt_errs_reset();
	e = mempool_alloc(mp, GFP_KERNEL | __GFP_ZERO);
	tap_is(e, 0x100300, "__GFP_ZERO: still served");
	MT_CALLS_ARE(mt_expect("A%#x=0x100300", MT_TEMP(GFP_KERNEL | __GFP_ZERO)),
	    "__GFP_ZERO is passed to the back end");
	tap_is(errs.n, 1, "__GFP_ZERO is reported");
	tap_is(errs.last, MEMPOOL_ERR_FLAGS, "as bad flags");
	tap_contains(errs.msg, "mempool_alloc: __GFP_ZERO is not supported (reserve "
	    "elements are not zeroed)", "with the reason");

	for (vmem_addr_t a = 0x100000; a <= 0x100300; a += 0x100)
		mempool_free(a, mp);
	mempool_destroy(mp);
	tap_is(be.nlive, 0, "alloc: everything back");
	tap_is(be.bad_frees, 0, "alloc: no bad back-end free");
}

/* mt_test_free: refill first, then the back end; misuse. */
static void
mt_test_free(void)
{
	mempool_t *mp, *mp2;
	vmem_addr_t e;

	mt_reset();
	mp = mt_create(2);			/* 0x100000, 0x100100 */
	be.fail = true;
	mempool_alloc(mp, GFP_ATOMIC);		/* 0x100100 */
	mempool_alloc(mp, GFP_ATOMIC);		/* 0x100000 */
	be.fail = false;
	tap_is(mempool_alloc(mp, GFP_KERNEL), 0x100200, "free: a third element from the back end");
	mt_reset_calls();

	mempool_free(0x100200, mp);
	MT_CALLS_ARE("", "free below min_nr: no back-end call");
	mt_stats_is(mp, "curr_nr=1 min_nr=2 out=2 allocs=3 frees=1 reserve_takes=2 "
	    "reserve_refills=1 backend_allocs=3 backend_fails=2", "free refills");
	mempool_free(0x100000, mp);
	MT_CALLS_ARE("", "second free fills the reserve");
	mempool_free(0x100100, mp);
	MT_CALLS_ARE("F0x100100", "free with the reserve full: to the back end");
	mt_stats_is(mp, "curr_nr=2 min_nr=2 allocs=3 frees=3 reserve_takes=2 "
	    "reserve_refills=2 backend_allocs=3 backend_fails=2 backend_frees=1",
	    "after three frees");

	be.fail = true;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100000, "the reserve is a stack: the last refill comes out first");
	mempool_free(0, mp);
	MT_CALLS_ARE("A0x92880=0", "free of 0: nothing");
	tap_is(errs.n, 0, "free of 0 is no error");

	/* an element that is in the reserve */
	mempool_free(0x100200, mp);
	tap_is(errs.n, 1, "free of a reserve element is reported");
	tap_is(errs.last, MEMPOOL_ERR_DUPFREE, "as a duplicate free");
	tap_contains(errs.msg, "mempool_free: 0x100200 is already in the reserve",
	    "with the element");
	MT_CALLS_ARE("", "a duplicate free calls no back end");
	mempool_free(0x100000, mp);		/* the reserve is full again */
	be.fail = false;
	e = mempool_alloc(mp, GFP_KERNEL);	/* one element out */
	MT_CALLS_ARE("A0x92880=0x100100", "the back end reuses its last freed element");
	mempool_free(0x100200, mp);
	tap_is(errs.n, 2, "a duplicate free with the reserve full is reported too");
	tap_is(errs.last, MEMPOOL_ERR_DUPFREE, "as a duplicate free");
	MT_CALLS_ARE("", "and calls no back end");
	mempool_free(e, mp);
	MT_CALLS_ARE("F0x100100", "the element out goes back");
	mt_stats_is(mp, "curr_nr=2 min_nr=2 allocs=5 frees=5 reserve_takes=3 "
	    "reserve_refills=3 backend_allocs=4 backend_fails=3 backend_frees=2 "
	    "errors=2", "misuse changed nothing");

	/* nothing out */
	mempool_free(0x123400, mp);
	tap_is(errs.last, MEMPOOL_ERR_NOTOUT, "free while nothing is out: reported");
	tap_contains(errs.msg, mt_expect("mempool \"%s\": mempool_free: 0x123400: no "
	    "element of the pool is out", mempool_name(mp)), "with the element");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_NOTOUT), "no element out", "its name");
	MT_CALLS_ARE("", "and calls no back end");
	mt_check(mp, "free");

	/* min_nr 0: every free goes to the back end */
	be.fail = false;
	mp2 = mt_create(0);
	e = mempool_alloc(mp2, GFP_NOFS);
	mempool_free(e, mp2);
	MT_CALLS_ARE(mt_expect("A%#x=%#" PRIx64 " F%#" PRIx64, MT_TEMP(GFP_NOFS), e, e),
	    "min_nr 0: the free goes to the back end");
	mt_stats_is(mp2, "allocs=1 frees=1 backend_allocs=1 backend_frees=1", "min_nr 0");

	/* interrupt context: free is allowed */
	be.fail = true;
	mt_reset_calls();
	mt_errs_reset();
	e = mempool_alloc(mp, GFP_ATOMIC);
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	mempool_free(e, mp);
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_is(errs.n, 0, "free in interrupt context: no error");
	mt_stats_is(mp, "curr_nr=2 min_nr=2 allocs=6 frees=6 reserve_takes=4 "
	    "reserve_refills=4 backend_allocs=4 backend_fails=4 backend_frees=2 "
	    "errors=3", "free in interrupt context refilled");
	mempool_destroy(mp2);
	mempool_destroy(mp);
	tap_is(be.nlive, 0, "free: everything back");
	tap_is(be.bad_frees, 0, "free: no bad back-end free");
}

/* mt_test_intr: a sleeping mask in interrupt context is reported and does not sleep. */
static void
mt_test_intr(void)
{
	mempool_t *mp;
	vmem_addr_t e;

	mt_reset();
	mp = mt_create(1);			/* 0x100000 */
	be.fail = true;
	mt_reset_calls();
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100000, "GFP_KERNEL in softirq: served from the reserve");
	MT_CALLS_ARE("A0x92880=0", "one no-sleep try first");
	tap_is(errs.last, MEMPOOL_ERR_FLAGS, "GFP_KERNEL in interrupt context is reported");
	tap_contains(errs.msg, "mempool_alloc: GFP_KERNEL may sleep, in interrupt "
	    "context (served without sleeping)", "with the mask");
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0, "GFP_KERNEL in softirq, all empty: 0, no sleep");
	MT_CALLS_ARE(mt_expect("A%#x=0 A%#x=0", MT_TEMP(GFP_KERNEL),
	    MT_FULL(GFP_KERNEL) & ~(gfp_t)__GFP_DIRECT_RECLAIM),
	    "the retry keeps __GFP_IO but not __GFP_DIRECT_RECLAIM");
	tap_is(errs.last, MEMPOOL_ERR_FLAGS, "reported again, no deadlock");
	e = mempool_alloc(mp, GFP_ATOMIC);
	tap_is(e, 0, "GFP_ATOMIC in softirq, all empty: 0");
	kml_env_uni_set_context(KML_CTX_THREAD);
	mt_reset_calls();
	mt_stats_is(mp, "min_nr=1 out=1 allocs=1 fails=2 reserve_takes=1 "
	    "backend_allocs=1 backend_fails=4 errors=2", "interrupt context");
	tap_is(errs.n, 2, "GFP_ATOMIC in interrupt context is no error");

	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	tap_is(mempool_resize(mp, 3), (uint64_t)-EINVAL, "resize in interrupt context: -EINVAL");
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_is(errs.last, MEMPOOL_ERR_RESIZE, "reported");
	tap_contains(errs.msg, "mempool_resize: in interrupt context", "with the reason");
	mt_stats_is(mp, "min_nr=1 out=1 allocs=1 fails=2 reserve_takes=1 "
	    "backend_allocs=1 backend_fails=4 errors=3", "resize in interrupt changed nothing");
	mempool_free(0x100000, mp);
	mempool_destroy(mp);
	MT_CALLS_ARE("F0x100000", "intr: destroy gives the reserve back");
}

/* mt_test_resize: shrink, grow, grow short, argument errors. */
static void
mt_test_resize(void)
{
	mempool_t *mp;
	vmem_addr_t e;

	mt_reset();
	mp = mt_create(2);			/* 0x100000, 0x100100 */
	mt_reset_calls();

	tap_is(mempool_resize(mp, 5), 0, "resize 2 -> 5 returns 0");
	MT_CALLS_ARE("A0xcc0=0x100200 A0xcc0=0x100300 A0xcc0=0x100400",
	    "grow: three GFP_KERNEL allocations");
	mt_stats_is(mp, "curr_nr=5 min_nr=5 backend_allocs=5", "grown to 5");
	tap_is(mempool_resize(mp, 5), 0, "resize to the same size returns 0");
	MT_CALLS_ARE("", "resize to the same size: no call");
	tap_is(mempool_resize(mp, 2), 0, "resize 5 -> 2 returns 0");
	MT_CALLS_ARE("F0x100400 F0x100300 F0x100200", "shrink: the top three go back");
	mt_stats_is(mp, "curr_nr=2 min_nr=2 backend_allocs=5 backend_frees=3", "shrunk to 2");

	/* grow while the back end can give only one more */
	be.capacity = 3;
	tap_is(mempool_resize(mp, 4), 0, "resize 2 -> 4 with the back end failing: still 0");
	MT_CALLS_ARE("A0xcc0=0x100200 A0xcc0=0", "grow stops at the first failure");
	mt_stats_is(mp, "curr_nr=3 min_nr=4 backend_allocs=6 backend_fails=1 "
	    "backend_frees=3", "the reserve stays short of min_nr");
	mt_check(mp, "short reserve");
	be.capacity = 0;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100300, "alloc from the back end");
	mempool_free(e, mp);
	MT_CALLS_ARE("A0x92880=0x100300", "a free fills the short reserve");
	mt_stats_is(mp, "curr_nr=4 min_nr=4 allocs=1 frees=1 reserve_refills=1 "
	    "backend_allocs=7 backend_fails=1 backend_frees=3", "filled by a free");

	/* shrink below min_nr when the reserve is already smaller */
	be.capacity = 5;
	tap_is(mempool_resize(mp, 8), 0, "resize 4 -> 8, one more element available");
	MT_CALLS_ARE("A0xcc0=0x100400 A0xcc0=0", "one element added");
	tap_is(mempool_resize(mp, 6), 0, "resize 8 -> 6 with 5 in the reserve");
	MT_CALLS_ARE("", "no element to give back");
	mt_stats_is(mp, "curr_nr=5 min_nr=6 allocs=1 frees=1 reserve_refills=1 "
	    "backend_allocs=8 backend_fails=2 backend_frees=3", "min_nr 6, 5 held");
	tap_is(mempool_resize(mp, 1), 0, "resize 6 -> 1");
	MT_CALLS_ARE("F0x100400 F0x100300 F0x100200 F0x100100", "four go back, top first");
	be.capacity = 0;

	/* bad sizes */
	tap_is(mempool_resize(mp, 0), (uint64_t)-EINVAL, "resize to 0: -EINVAL");
	tap_is(errs.last, MEMPOOL_ERR_RESIZE, "resize to 0 is reported");
	tap_contains(errs.msg, "mempool_resize: new_min_nr 0, must be > 0", "with the size");
	tap_is(mempool_resize(mp, -3), (uint64_t)-EINVAL, "resize to -3: -EINVAL");
	tap_contains(errs.msg, "new_min_nr -3", "with the size");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_RESIZE), "bad resize", "its name");
	MT_CALLS_ARE("", "bad resizes call no back end");
	mt_stats_is(mp, "curr_nr=1 min_nr=1 allocs=1 frees=1 reserve_refills=1 "
	    "backend_allocs=8 backend_fails=2 backend_frees=7 errors=2",
	    "bad resizes changed nothing");
	mt_check(mp, "resize");
	mempool_destroy(mp);
	MT_CALLS_ARE("F0x100000", "resize: destroy");
	tap_is(be.nlive, 0, "resize: everything back");
	tap_is(be.bad_frees, 0, "resize: no bad back-end free");
}

/* mt_test_destroy: elements still out are reported. */
static void
mt_test_destroy(void)
{
	mempool_t *mp;

	mt_reset();
	mp = mt_create(3);			/* 0x100000 .. 0x100200 */
	mempool_alloc(mp, GFP_KERNEL);		/* 0x100300 */
	mempool_alloc(mp, GFP_KERNEL);		/* 0x100400 */
	mt_reset_calls();
	mempool_destroy(mp);
	MT_CALLS_ARE("F0x100200 F0x100100 F0x100000", "destroy gives the reserve back");
	tap_is(errs.n, 1, "destroy with elements out is reported");
	tap_is(errs.last, MEMPOOL_ERR_BUSY, "as busy");
	tap_contains(errs.msg, "mempool_destroy: 2 elements still out", "with the count");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_BUSY), "pool busy", "its name");
	tap_is(be.nlive, 2, "the elements out stay the caller's");

	mp = mt_create(0);
	mempool_alloc(mp, GFP_KERNEL);
	mempool_destroy(mp);
	tap_contains(errs.msg, "mempool_destroy: 1 element still out", "one element");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_NERRORS), "unknown error", "strerror out of range");
	tap_is_str(mempool_strerror(MEMPOOL_ERR_NONE), "no error", "strerror of none");
}

/* mt_test_sleep: another thread ends the sleep (fake environment). */
static void
mt_test_sleep(void)
{
	mempool_t *mp;
	vmem_addr_t e0, e1, e;

	/* a free refills the reserve and wakes the sleeper, who takes it */
	mt_reset();
	mp = mt_create(2);			/* 0x100000, 0x100100 */
	be.fail = true;
	e1 = mempool_alloc(mp, GFP_KERNEL);
	e0 = mempool_alloc(mp, GFP_KERNEL);
	tap_ok(e1 == 0x100100 && e0 == 0x100000, "sleep: the reserve is out");
	mt_reset_calls();
	mt_fake_install();
	fake_pool = mp;
	fake_elem = e1;
	fake.on_sleep = mt_sleep_free;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, e1, "sleep: the sleeper gets the element the other thread freed");
	MT_CALLS_ARE("A0x92880=0 A0x92cc0=0 A0x92cc0=0",
	    "sleep: two tries, the sleep, the back end again with the whole mask, then the reserve");
	tap_is(fakeenv.fe_nsleep, 1, "one sleep");
	tap_ok(fake.lock_free_in_sleep, "the pool's lock is free during the sleep");
	tap_is(fakeenv.fe_nwakeup, 1, "the refilling free woke the channel");
	tap_is_str(fakeenv.fe_wakename, mempool_name(mp), "the pool's channel");
	tap_is(errs.n, 0, "no error");
	mt_stats_is(mp, "min_nr=2 out=2 allocs=3 frees=1 reserve_takes=3 "
	    "reserve_refills=1 backend_allocs=2 backend_fails=5 waits=1",
	    "after the sleep");

	/* a spurious wakeup: the sleeper sleeps again */
	fakeenv.fe_nsleep = fakeenv.fe_nwakeup = 0;
	fake_elem = e;
	fake.on_sleep = mt_sleep_free_second;
	e = mempool_alloc(mp, GFP_NOFS);
	tap_is(e, fake_elem, "spurious wakeup: the second sleep's free is taken");
	MT_CALLS_ARE(mt_expect("A%#x=0 A%#x=0 A%#x=0 A%#x=0", MT_TEMP(GFP_NOFS),
	    MT_FULL(GFP_NOFS), MT_FULL(GFP_NOFS), MT_FULL(GFP_NOFS)),
	    "spurious wakeup: a back-end try after each sleep");
	tap_is(fakeenv.fe_nsleep, 2, "two sleeps");
	tap_is(fakeenv.fe_nwakeup, 1, "one wakeup");
	mt_stats_is(mp, "min_nr=2 out=2 allocs=4 frees=2 reserve_takes=4 "
	    "reserve_refills=2 backend_allocs=2 backend_fails=9 waits=3",
	    "after the spurious wakeup");

	/* resize adds elements and wakes the sleeper */
	fakeenv.fe_nsleep = fakeenv.fe_nwakeup = 0;
	fake.on_sleep = mt_sleep_resize;
	fake_resize_to = 3;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0x100200, "resize: the sleeper takes the element resize added");
	MT_CALLS_ARE("A0x92880=0 A0x92cc0=0 A0xcc0=0x100200 A0xcc0=0 A0x92cc0=0",
	    "resize: its GFP_KERNEL allocations during the sleep, then the sleeper's try");
	tap_is(fakeenv.fe_nwakeup, 1, "resize woke the sleeper");
	mt_stats_is(mp, "min_nr=3 out=3 allocs=5 frees=2 reserve_takes=5 "
	    "reserve_refills=2 backend_allocs=3 backend_fails=13 waits=4",
	    "after the resize");

	/* the fake environment proves a deadlock */
	fakeenv.fe_nsleep = fakeenv.fe_nwakeup = 0;
	fake.on_sleep = NULL;
	fake.deadlock_at = 1;
	fake.why = "fake: every thread is asleep";
	be.fail = true;
	e = mempool_alloc(mp, GFP_KERNEL);
	tap_is(e, 0, "deadlock in the fake environment: 0");
	tap_is(errs.last, MEMPOOL_ERR_DEADLOCK, "reported");
	tap_contains(errs.msg, "nothing can free: fake: every thread is asleep",
	    "with the environment's reason");
	mt_check(mp, "sleep");

	/* min_nr 0: a free to the back end wakes the sleeper, who retries the back end */
	be.fail = false;
	be.capacity = be.nlive + 1;
	mempool_t *mp0 = mt_create(0);

	e0 = mempool_alloc(mp0, GFP_KERNEL);
	tap_is(e0, 0x100300, "min_nr 0: one element, the back end is now full");
	mt_reset_calls();
	fakeenv.fe_nsleep = fakeenv.fe_nwakeup = 0;
	fake.deadlock_at = 0;
	fake_pool = mp0;
	fake_elem = e0;
	fake.on_sleep = mt_sleep_free;
	e = mempool_alloc(mp0, GFP_KERNEL);
	tap_is(e, e0, "min_nr 0: the sleeper gets the freed memory from the back end");
	MT_CALLS_ARE("A0x92880=0 A0x92cc0=0 F0x100300 A0x92cc0=0x100300",
	    "min_nr 0: the free goes to the back end during the sleep, the retry gets it");
	tap_is(fakeenv.fe_nwakeup, 1, "min_nr 0: the free to the back end woke the sleeper");
	mt_stats_is(mp0, "out=1 allocs=2 frees=1 backend_allocs=2 backend_fails=2 "
	    "backend_frees=1 waits=1", "min_nr 0 after the sleep");
	mempool_free(e, mp0);
	mempool_destroy(mp0);

	kml_env_set(NULL, NULL);
	be.capacity = 0;
	for (vmem_addr_t a = 0x100000; a <= 0x100200; a += 0x100)
		mempool_free(a, mp);
	mempool_destroy(mp);
	tap_is(be.nlive, 0, "sleep: everything back");
	tap_is(be.bad_frees, 0, "sleep: no bad back-end free");
}

/* mt_test_statdesc: the name table names every member, in order. */
static void
mt_test_statdesc(void)
{
	char names[512];
	size_t pos = 0;
	bool offsets = true, units = true;

	tap_is(mempool_nstatdesc, sizeof(struct mempool_stats) / sizeof(uint64_t),
	    "mempool_statdesc has one entry per member");
	names[0] = '\0';
	for (size_t i = 0; i < mempool_nstatdesc; i++) {
		pos += (size_t)snprintf(names + pos, sizeof(names) - pos, "%s%s",
		    i ? " " : "", mempool_statdesc[i].sd_name);
		if (mempool_statdesc[i].sd_offset != i * sizeof(uint64_t))
			offsets = false;
		if (mempool_statdesc[i].sd_unit != KML_UNIT_COUNT ||
		    mempool_statdesc[i].sd_descr == NULL)
			units = false;
	}
	tap_is_str(names, "curr_nr min_nr out waiters allocs fails frees "
	    "reserve_takes reserve_refills backend_allocs backend_fails "
	    "backend_frees waits errors", "mempool_statdesc names");
	tap_ok(offsets, "mempool_statdesc offsets follow the struct");
	tap_ok(units, "every statistic is a count with a description");
}

/* ---- the randomized test */

#define RND_SEEDS	4
#define RND_OPS		15000	/* operations per seed */
#define RND_MAXOUT	400	/* elements out, at most */
#define RND_MAXMIN	12	/* largest min_nr */

static const gfp_t rnd_gfps[] = {
	GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_ATOMIC, GFP_NOWAIT, __GFP_IO,
	__GFP_HIGH, GFP_KERNEL | __GFP_NOFAIL, GFP_USER, __GFP_DIRECT_RECLAIM,
};

/* The model of a pool. */
static struct rnd_model {
	vmem_addr_t reserve[RND_MAXMIN];
	int curr, min;
	vmem_addr_t out[RND_MAXOUT];
	int nout;
	struct mempool_stats st;	/* the counters it expects (gauges unused) */
} m;

static uint64_t rnd_rng;
static unsigned rnd_seed;
static int rnd_op;

#define RND_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			rnd_fail(#cond, __VA_ARGS__);			\
			return false;					\
		}							\
	} while (0)

/* rnd_fail: one failed TAP check naming the seed, the operation and what. */
static void __attribute__((format(printf, 2, 3)))
rnd_fail(const char *cond, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_ok(0, "random: seed %u op %d: %s (%s)", rnd_seed, rnd_op, msg, cond);
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(mt_rand(&rnd_rng) % n);
}

/* rnd_call: the i-th recorded call, which must exist and be of kind k. */
static bool
rnd_call(unsigned i, int k, const struct mt_call **cp)
{
	RND_CHECK(i < be.ncalls && i < MT_MAXCALLS, "back-end call %u missing "
	    "(%u made)", i, be.ncalls);
	RND_CHECK(be.calls[i].c_kind == k, "back-end call %u is a%s", i,
	    k == MT_ALLOC ? " free, expected an allocation" :
	    "n allocation, expected a free");
	*cp = &be.calls[i];
	return true;
}

/* rnd_alloc: one mempool_alloc, replayed on the model. */
static bool
rnd_alloc(mempool_t *mp)
{
	gfp_t gfp = rnd_gfps[rnd(sizeof(rnd_gfps) / sizeof(rnd_gfps[0]))];
	bool intr = rnd(8) == 0;
	unsigned nerr = errs.n, i = 0, want_errs = 0;
	enum mempool_error last = MEMPOOL_ERR_NONE;
	vmem_addr_t e, want = 0;
	const struct mt_call *c;
	gfp_t full, temp;

	if (intr)
		kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	e = mempool_alloc(mp, gfp);
	kml_env_uni_set_context(KML_CTX_THREAD);

	if (intr && gfpflags_allow_blocking(gfp)) {
		gfp &= ~(gfp_t)__GFP_DIRECT_RECLAIM;
		want_errs++;
		last = MEMPOOL_ERR_FLAGS;
	}
	full = MT_FULL(gfp);
	temp = MT_TEMP(gfp);
	for (;;) {
		if (!rnd_call(i++, MT_ALLOC, &c))
			return false;
		RND_CHECK(c->c_gfp == temp, "alloc %#x: call %u had mask %#x, "
		    "expected %#x", gfp, i - 1, c->c_gfp, temp);
		if (c->c_addr != 0) {
			m.st.backend_allocs++;
			want = c->c_addr;
			break;
		}
		m.st.backend_fails++;
		if (m.curr > 0) {
			want = m.reserve[--m.curr];
			m.st.reserve_takes++;
			break;
		}
		if (temp != full) {
			temp = full;
			continue;
		}
		if (gfpflags_allow_blocking(full)) {
			m.st.waits++;
			want_errs++;
			last = MEMPOOL_ERR_DEADLOCK;
		}
		break;
	}
	RND_CHECK(i == be.ncalls, "alloc %#x: %u back-end calls, expected %u",
	    gfp, be.ncalls, i);
	RND_CHECK(e == want, "alloc %#x returned %#" PRIx64 ", expected %#" PRIx64,
	    gfp, e, want);
	RND_CHECK(errs.n == nerr + want_errs && (want_errs == 0 || errs.last == last),
	    "alloc %#x: %u reports (last %d), expected %u (last %d)", gfp,
	    errs.n - nerr, errs.last, want_errs, last);
	m.st.errors += want_errs;
	if (e == 0) {
		m.st.fails++;
		return true;
	}
	for (int j = 0; j < m.nout; j++)
		RND_CHECK(m.out[j] != e, "alloc returned %#" PRIx64 ", which is "
		    "already out", e);
	RND_CHECK(be.live[(e - MT_BASE) / MT_STRIDE], "alloc returned %#" PRIx64
	    ", which the back end does not count as given", e);
	m.out[m.nout++] = e;
	m.st.allocs++;
	return true;
}

/* rnd_free: one mempool_free of an element out (or a misuse), replayed on the model. */
static bool
rnd_free(mempool_t *mp)
{
	unsigned nerr = errs.n;
	const struct mt_call *c;
	vmem_addr_t e;
	int j;

	if (rnd(25) == 0) {
		/* misuse: a reserve element, or anything while nothing is out */
		if (m.nout == 0)
			e = 0x7770000 + MT_STRIDE * rnd(16);
		else if (m.curr > 0)
			e = m.reserve[rnd((unsigned)m.curr)];
		else
			e = 0;
		mempool_free(e, mp);
		RND_CHECK(be.ncalls == 0, "misused free of %#" PRIx64 " called "
		    "the back end", e);
		if (e != 0) {
			RND_CHECK(errs.n == nerr + 1 && errs.last == (m.nout == 0 ?
			    MEMPOOL_ERR_NOTOUT : MEMPOOL_ERR_DUPFREE), "misused "
			    "free of %#" PRIx64 ": %u reports, last %d", e,
			    errs.n - nerr, errs.last);
			m.st.errors++;
		} else
			RND_CHECK(errs.n == nerr, "free of 0 reported");
		return true;
	}
	if (m.nout == 0)
		return true;
	j = (int)rnd((unsigned)m.nout);
	e = m.out[j];
	m.out[j] = m.out[--m.nout];
	if (rnd(8) == 0) {
		kml_env_uni_set_context(KML_CTX_HARDIRQ);
		mempool_free(e, mp);
		kml_env_uni_set_context(KML_CTX_THREAD);
	} else
		mempool_free(e, mp);
	m.st.frees++;
	RND_CHECK(errs.n == nerr, "free of %#" PRIx64 " reported: %s", e, errs.msg);
	if (m.curr < m.min) {
		RND_CHECK(be.ncalls == 0, "free of %#" PRIx64 " with %d of %d in "
		    "the reserve went to the back end", e, m.curr, m.min);
		m.reserve[m.curr++] = e;
		m.st.reserve_refills++;
		return true;
	}
	if (!rnd_call(0, MT_FREE, &c))
		return false;
	RND_CHECK(c->c_addr == e && be.ncalls == 1, "free of %#" PRIx64 " with a "
	    "full reserve: %u calls, the first freed %#" PRIx64, e, be.ncalls,
	    c->c_addr);
	m.st.backend_frees++;
	return true;
}

/* rnd_resize: one mempool_resize to 1..RND_MAXMIN, replayed on the model. */
static bool
rnd_resize(mempool_t *mp)
{
	int n = 1 + (int)rnd(RND_MAXMIN);
	const struct mt_call *c;
	unsigned i = 0;
	int r;

	r = mempool_resize(mp, n);
	RND_CHECK(r == 0, "resize %d returned %d", n, r);
	if (n <= m.min) {
		while (m.curr > n) {
			if (!rnd_call(i++, MT_FREE, &c))
				return false;
			RND_CHECK(c->c_addr == m.reserve[m.curr - 1], "shrink to %d: "
			    "freed %#" PRIx64 ", expected the top %#" PRIx64, n,
			    c->c_addr, m.reserve[m.curr - 1]);
			m.curr--;
			m.st.backend_frees++;
		}
	} else {
		while (m.curr < n) {
			if (!rnd_call(i++, MT_ALLOC, &c))
				return false;
			RND_CHECK(c->c_gfp == GFP_KERNEL, "grow: mask %#x", c->c_gfp);
			if (c->c_addr == 0) {
				m.st.backend_fails++;
				break;
			}
			m.st.backend_allocs++;
			m.reserve[m.curr++] = c->c_addr;
		}
	}
	m.min = n;
	RND_CHECK(i == be.ncalls, "resize %d: %u back-end calls, expected %u", n,
	    be.ncalls, i);
	return true;
}

/* rnd_verify: the pool agrees with the model; the invariants hold. */
static bool
rnd_verify(mempool_t *mp)
{
	struct mempool_stats st, want = m.st;
	char why[256] = "";

	mempool_stats(mp, &st);
	want.curr_nr = (uint64_t)m.curr;
	want.min_nr = (uint64_t)m.min;
	want.out = (uint64_t)m.nout;
	want.waiters = 0;
	for (size_t i = 0; i < mempool_nstatdesc; i++) {
		const struct kml_statdesc *d = &mempool_statdesc[i];

		RND_CHECK(kml_stat_get(&st, d) == kml_stat_get(&want, d), "%s is %"
		    PRIu64 ", the model says %" PRIu64, d->sd_name,
		    kml_stat_get(&st, d), kml_stat_get(&want, d));
	}
	RND_CHECK(st.curr_nr <= st.min_nr, "curr_nr %" PRIu64 " > min_nr %" PRIu64,
	    st.curr_nr, st.min_nr);
	RND_CHECK(be.nlive == st.curr_nr + st.out, "the back end has %u live, "
	    "the pool %" PRIu64 " in the reserve and %" PRIu64 " out", be.nlive,
	    st.curr_nr, st.out);
	RND_CHECK(be.bad_frees == 0, "%u bad back-end frees", be.bad_frees);
	RND_CHECK(mempool_check(mp, why, sizeof(why)) == 0, "mempool_check: %s", why);
	return true;
}

/* rnd_run: one seed; returns true if every operation checked out. */
static bool
rnd_run(unsigned seed)
{
	mempool_t *mp;
	bool ok = true;

	mt_reset();
	rnd_seed = seed;
	rnd_rng = seed;
	memset(&m, 0, sizeof(m));
	m.min = (int)rnd(9);
	be.rng = seed * UINT64_C(7919);
	be.fail_pct = 10 + rnd(80);
	be.capacity = (seed & 1) ? 0 : 16 + rnd(32);
	/* create with a back end that does not fail at random */
	{
		unsigned pct = be.fail_pct;

		be.fail_pct = 0;
		mp = mt_create(m.min);
		be.fail_pct = pct;
	}
	rnd_op = 0;
	if (mp == NULL) {
		rnd_fail("mp != NULL", "create with min_nr %d failed", m.min);
		return false;
	}
	for (int i = 0; i < m.min; i++)
		m.reserve[m.curr++] = be.calls[i].c_addr;
	m.st.backend_allocs = (uint64_t)m.min;
	mt_reset_calls();

	for (rnd_op = 1; rnd_op <= RND_OPS && ok; rnd_op++) {
		unsigned r = rnd(100);

		if (r < 48 && m.nout < RND_MAXOUT)
			ok = rnd_alloc(mp);
		else if (r < 95)
			ok = rnd_free(mp);
		else
			ok = rnd_resize(mp);
		mt_reset_calls();
		if (ok)
			ok = rnd_verify(mp);
	}
	if (ok)
		tap_diag("seed %u: %" PRIu64 " allocations (%" PRIu64 " from the "
		    "reserve), %" PRIu64 " failed (%" PRIu64 " deadlocks), %" PRIu64
		    " frees (%" PRIu64 " refills), back end: %" PRIu64 " gave, %"
		    PRIu64 " failed", seed, m.st.allocs, m.st.reserve_takes,
		    m.st.fails, m.st.waits, m.st.frees, m.st.reserve_refills,
		    m.st.backend_allocs, m.st.backend_fails);
	while (ok && m.nout > 0)
		mempool_free(m.out[--m.nout], mp);
	mempool_destroy(mp);
	if (ok && (be.nlive != 0 || be.bad_frees != 0)) {
		rnd_fail("be.nlive == 0", "after destroy the back end has %u live, "
		    "%u bad frees", be.nlive, be.bad_frees);
		ok = false;
	}
	return ok;
}

/* mt_test_random: RND_SEEDS seeds of RND_OPS operations. */
static void
mt_test_random(void)
{
	static const unsigned seeds[RND_SEEDS] = { 1, 2, 3, 20260401 };

	for (int i = 0; i < RND_SEEDS; i++)
		if (rnd_run(seeds[i]))
			tap_ok(1, "random: seed %u, %d operations", seeds[i], RND_OPS);
	kml_env_uni_set_context(KML_CTX_THREAD);
}

/* ---- real back ends */

/* mt_test_pages_fail: a page pool whose reserve cannot be allocated. */
static void
mt_test_pages_fail(void)
{
	struct uvm_params p;
	struct uvm_stats us;
	mempool_t *mp;

	mt_reset();
	uvm_params_default(&p);
	p.up_physpages = 256;
	tap_is(uvm_init(&p), 0, "pages: a page layer of 256 pages");
	mp = mempool_create_page_pool(300, 0);
	tap_ok(mp == NULL, "page pool of 300 pages over 256: creation fails");
	uvm_stats(&us);
	tap_ok(us.km_allocs > 0 && us.km_allocs == us.km_frees,
	    "every page it got went back (%" PRIu64 " allocations, %" PRIu64
	    " frees)", us.km_allocs, us.km_frees);
	uvm_fini();
}

/* mt_test_backends: pools over pool_cache, kmem and uvm_km. */
static void
mt_test_backends(void)
{
	struct uvm_stats u0, u1;
	struct kmem_stats k0, k1;
	struct pool_cache_stats c0;
	pool_cache_t pc;
	mempool_t *mp;
	vmem_addr_t e[8];
	bool ok;

	mt_reset();
	tap_is(uvm_init(NULL), 0, "back ends: the page layer");
	tap_is(kmem_init(KMEM_CLASSES_NETBSD), 0, "back ends: kmem");

	/* pages */
	uvm_stats(&u0);
	mp = mempool_create_page_pool(4, 4);
	tap_ok(mp != NULL, "page pool of order 4");
	tap_is_str(mempool_name(mp), "pages-4", "named pages-4");
	uvm_stats(&u1);
	tap_is(u1.km_allocs - u0.km_allocs, 4, "page pool: 4 uvm_km_alloc at creation");
	e[0] = mempool_alloc(mp, GFP_KERNEL);
	e[1] = mempool_alloc(mp, GFP_ATOMIC);
	ok = e[0] != 0 && e[1] != 0 && e[0] != e[1] &&
	    e[0] % (16 * uvm_pagesize()) == 0 && e[1] % (16 * uvm_pagesize()) == 0;
	tap_ok(ok, "page pool: two elements of 16 pages, naturally aligned "
	    "(%#" PRIx64 ", %#" PRIx64 ")", e[0], e[1]);
	uvm_stats(&u1);
	tap_is(u1.km_allocs - u0.km_allocs, 6, "page pool: served by uvm_km_alloc");
	mempool_free(e[0], mp);
	mempool_free(e[1], mp);
	mempool_destroy(mp);
	uvm_stats(&u1);
	tap_is(u1.km_frees - u0.km_frees, 6, "page pool: every element went back");
	tap_is(u1.wiredpages, u0.wiredpages, "page pool: wired pages as before");
	tap_is(errs.n, 0, "page pool: no error");

	/* kmalloc */
	kmem_stats(&k0);
	mp = mempool_create_kmalloc_pool(3, 100);
	tap_ok(mp != NULL, "kmalloc pool of 100 bytes");
	tap_is_str(mempool_name(mp), "kmalloc-100", "named kmalloc-100");
	kmem_stats(&k1);
	tap_is(k1.live - k0.live, 3, "kmalloc pool: 3 live kmem allocations");
	tap_is(k1.inuse - k0.inuse, 300, "kmalloc pool: 300 bytes in use");
	e[0] = mempool_alloc(mp, GFP_KERNEL);
	kmem_stats(&k1);
	tap_ok(e[0] != 0 && k1.live - k0.live == 4, "kmalloc pool: alloc is a kmem_alloc");
	mempool_free(e[0], mp);
	kmem_stats(&k1);
	tap_is(k1.live - k0.live, 3, "kmalloc pool: a free with the reserve full is a kmem_free");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	e[1] = mempool_alloc(mp, GFP_ATOMIC);
	mempool_free(e[1], mp);
	kml_env_uni_set_context(KML_CTX_THREAD);
	kmem_stats(&k1);
	tap_ok(e[1] != 0 && k1.intr_allocs - k0.intr_allocs == 1 &&
	    k1.errors == k0.errors, "kmalloc pool in softirq: kmem_intr_alloc, no kmem error");
	e[2] = mempool_kmalloc(GFP_KERNEL | __GFP_ZERO, (void *)(uintptr_t)64);
	tap_ok(e[2] != 0, "mempool_kmalloc with __GFP_ZERO");
	mempool_kfree(e[2], (void *)(uintptr_t)64);
	mempool_destroy(mp);
	kmem_stats(&k1);
	tap_is(k1.live, k0.live, "kmalloc pool: nothing live after destroy");
	tap_is(k1.errors, k0.errors, "kmalloc pool: no kmem error");

	/* slab */
	pc = pool_cache_init(64, 0, 0, 0, "mt-cache", NULL, 0, NULL, NULL, NULL);
	mp = mempool_create_slab_pool(5, pc);
	tap_ok(mp != NULL, "slab pool over a pool_cache");
	tap_is_str(mempool_name(mp), "mt-cache", "named after the cache");
	pool_cache_stats(pc, &c0);
	tap_is(c0.cpu_gets, 5, "slab pool: 5 pool_cache_get at creation");
	for (int i = 0; i < 8; i++)
		e[i] = mempool_alloc(mp, i % 2 ? GFP_NOWAIT : GFP_KERNEL);
	ok = true;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < i; j++)
			if (e[i] == 0 || e[i] == e[j])
				ok = false;
	tap_ok(ok, "slab pool: 8 distinct elements");
	pool_cache_stats(pc, &c0);
	tap_is(c0.cpu_gets, 13, "slab pool: served by pool_cache_get");
	for (int i = 0; i < 8; i++)
		mempool_free(e[i], mp);
	pool_cache_stats(pc, &c0);
	tap_is(c0.cpu_puts, 8, "slab pool: frees with the reserve full are pool_cache_put");
	mempool_destroy(mp);
	pool_cache_stats(pc, &c0);
	tap_is(c0.cpu_puts, 13, "slab pool: destroy puts the reserve back");
	tap_is(errs.n, 0, "back ends: no mempool error");
	pool_cache_destroy(pc);

	kmem_fini();
	uvm_fini();
}

int
main(void)
{
	mt_test_gfp();
	mt_test_create();
	mt_test_alloc();
	mt_test_free();
	mt_test_intr();
	mt_test_resize();
	mt_test_destroy();
	mt_test_sleep();
	mt_test_statdesc();
	mt_test_random();
	mt_test_pages_fail();
	mt_test_backends();
	return tap_done();
}
