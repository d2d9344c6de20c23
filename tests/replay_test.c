/*
 * tests/replay_test.c: TAP test of the replay engine (kmemlab/replay.h,
 * lib/replay.c).
 *
 * How: small traces are written as text (kml_trace_from_text) into a
 * fresh directory and replayed with costs made simple (every cost 0, then
 * "page" 100 ns, so that exactly the page layer charges: 100 ns per page
 * taken or given back), and every figure is compared with the value
 * worked out by hand in the comments:
 *  - mapping: every operation reaches the stack as replay.h section 4
 *    says (kmem sizes and classes, traced caches named and sized as the
 *    trace says, pages with orders, the malloc family with realloc and
 *    aligned allocations, vmem arenas and pools);
 *  - order and time: exact vCPU clocks, idle and busy time in trace and
 *    afap timing, fold and spread, program order, a free that waits for
 *    its allocation on another thread, cross-CPU frees;
 *  - anomalies: every kind, with event numbers, through the callback;
 *  - sleeping: a page allocation that sleeps until a free, a deadlock
 *    with its exact report, the pagedaemon under a tiny physmem, a
 *    sleeping event in interrupt context;
 *  - policies: built-ins, files, set and format, with exact errors;
 *  - the bundled traces (top_srcdir/traces, every .kmt; with
 *    --enable-sanity not cp.kmt) under netbsd and illumos: completed, events = replayed + skipped + unmatched frees,
 *    anomaly counts equal to an independent pairing done here, per-site
 *    conservation, kmem's own counters, and two replays identical.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/cost.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>
#include <kmemlab/tracegen.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "tap.h"

static char rt_dir[64];
static unsigned rt_nfiles;

/* ---- helpers */

/* rt_costs: every cost 0 except "page", 100 ns. */
static void
rt_costs(void)
{
	for (int i = 0; i < KML_COST_NCOSTS; i++)
		kml_cost_ns[i] = 0;
	kml_cost_set("page", 100);
}

/* A trace being written as text. */
struct rt_text {
	char buf[65536];
	size_t len;
};

static void
rt_begin(struct rt_text *tx, unsigned ncpu)
{
	tx->len = (size_t)snprintf(tx->buf, sizeof(tx->buf),
	    "%%kmemlab-trace 1\n%%ncpu %u\n%%clock 1\n", ncpu);
}

/* rt_ev: one event at ts ns on cpu by thread tid (pid = tid). */
static void __attribute__((format(printf, 6, 7)))
rt_ev(struct rt_text *tx, uint64_t ts, unsigned cpu, unsigned tid,
    const char *ctx, const char *fmt, ...)
{
	va_list ap;

	tx->len += (size_t)snprintf(tx->buf + tx->len, sizeof(tx->buf) - tx->len,
	    "%" PRIu64 ".%09" PRIu64 " %u %u/%u %s - ", ts / 1000000000,
	    ts % 1000000000, cpu, tid, tid, ctx);
	va_start(ap, fmt);
	tx->len += (size_t)vsnprintf(tx->buf + tx->len,
	    sizeof(tx->buf) - tx->len, fmt, ap);
	va_end(ap);
	tx->len += (size_t)snprintf(tx->buf + tx->len, sizeof(tx->buf) - tx->len,
	    "\n");
}

/* rt_file: write the text as a trace file; returns its path (static). */
static const char *
rt_file(const struct rt_text *tx)
{
	static char path[128];
	char err[512];
	FILE *fp = fmemopen((void *)tx->buf, tx->len, "r");

	snprintf(path, sizeof(path), "%s/t%u.kmt", rt_dir, ++rt_nfiles);
	if (fp == NULL || kml_trace_from_text(fp, "in.txt", path, err,
	    sizeof(err)) != 0)
		tap_bail("trace text: %s", err);
	fclose(fp);
	return path;
}

/* A replay and what its callbacks saw. */
struct rt_run {
	struct kml_trace *t;
	struct kml_replay *r;
	unsigned st;
	char log[8192];		/* "kind@event " per anomaly */
	size_t loglen;
	unsigned nsamples;
	kml_vtime_t sample_at[16];
	uint64_t sample_events[16];
};

static void
rt_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct rt_run *x = arg;

	if (x->loglen + 64 >= sizeof(x->log))
		return;		/* the bundled traces: counted, not logged */
	x->loglen += (size_t)snprintf(x->log + x->loglen,
	    sizeof(x->log) - x->loglen, "%s@%" PRIu64 " ",
	    kml_anomaly_name(an->an_kind), an->an_event);
}

static void
rt_sample(void *arg, struct kml_replay *r, const struct kml_replay_sample *sa)
{
	struct rt_run *x = arg;

	(void)r;
	if (x->nsamples < 16) {
		x->sample_at[x->nsamples] = sa->sa_vtime;
		x->sample_events[x->nsamples] = sa->sa_events;
	}
	x->nsamples++;
}

/* rt_replay: open path, create the replay with rc and run it. */
static void
rt_replay(struct rt_run *x, const char *path, const struct kml_replay_config *rc)
{
	struct kml_replay_hooks h = { .rh_arg = x, .rh_anomaly = rt_anomaly,
	    .rh_sample = rt_sample };
	char err[512];

	memset(x, 0, sizeof(*x));
	h.rh_arg = x;
	if ((x->t = kml_trace_open_read(path, err, sizeof(err))) == NULL)
		tap_bail("open %s: %s", path, err);
	if ((x->r = kml_replay_create(rc, x->t, &h, err, sizeof(err))) == NULL)
		tap_bail("replay_create: %s", err);
	x->st = kml_replay_run(x->r);
}

static void
rt_done(struct rt_run *x)
{
	char err[512];

	kml_replay_destroy(x->r);
	kml_trace_close(x->t, err, sizeof(err));
}

/* rt_site: the site called name, or NULL. */
static const struct kml_replay_site *
rt_site(const struct kml_replay *r, const char *name)
{
	for (const struct kml_replay_site *s = kml_replay_site_first(r);
	    s != NULL; s = kml_replay_site_next(r, s))
		if (strcmp(s->rs_site, name) == 0)
			return s;
	return NULL;
}

/* rt_cache: the pool_cache called name, or NULL. */
static pool_cache_t
rt_cache(const char *name)
{
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc))
		if (strcmp(pool_cache_name(pc), name) == 0)
			return pc;
	return NULL;
}

/* ---- mapping */

static void
test_mapping(void)
{
	struct kml_replay_config rc;
	const struct kml_replay_site *s;
	const struct kml_replay_totals *tt;
	struct kmem_stats ks;
	struct uvm_stats us;
	struct pool_cache_stats ps;
	struct rt_text tx;
	struct rt_run x;
	pool_cache_t pc;
	const char *src;
	vmem_t *vm;

	rt_begin(&tx, 1);
	/* 1-3: kmem: a class (100 -> 128), a large one (5000 -> 8192) */
	rt_ev(&tx, 1000, 0, 10, "thread", "kmalloc site=a ptr=0x10 size=100 alloc=128");
	rt_ev(&tx, 1001, 0, 10, "thread", "kmalloc site=b ptr=0x20 size=5000 alloc=8192");
	rt_ev(&tx, 1002, 0, 10, "thread", "kfree site=c ptr=0x10");
	/* 4-5: a traced cache, object size 192 */
	rt_ev(&tx, 1003, 0, 10, "thread", "kmem_cache_alloc site=d ptr=0x30 size=184 alloc=192 cache=filp");
	rt_ev(&tx, 1004, 0, 10, "thread", "kmem_cache_alloc site=d ptr=0x40 size=184 alloc=192 cache=filp");
	rt_ev(&tx, 1005, 0, 10, "thread", "kmem_cache_free site=e ptr=0x30 cache=filp");
	/* 7-8: pages of order 2 and 0, the first freed */
	rt_ev(&tx, 1006, 0, 10, "thread", "page_alloc ptr=0x1000 order=2");
	rt_ev(&tx, 1007, 0, 10, "thread", "page_alloc ptr=0x2000");
	rt_ev(&tx, 1008, 0, 10, "thread", "page_free ptr=0x1000 order=2");
	/* 10-16: the malloc family (pid 20) */
	rt_ev(&tx, 1009, 0, 20, "thread", "malloc site=m ptr=0x100 size=24");
	rt_ev(&tx, 1010, 0, 20, "thread", "calloc site=m2 ptr=0x200 size=256 count=4");
	rt_ev(&tx, 1011, 0, 20, "thread", "realloc site=m3 ptr=0x300 old=0x100 size=3000");
	rt_ev(&tx, 1012, 0, 20, "thread", "posix_memalign site=m4 ptr=0x400 size=100 align=8192");
	rt_ev(&tx, 1013, 0, 20, "thread", "free site=f ptr=0x300");
	rt_ev(&tx, 1014, 0, 20, "thread", "free site=f ptr=0x400");
	rt_ev(&tx, 1015, 0, 20, "thread", "free site=f ptr=0x0");
	/* 17-20: a vmem arena and a pool */
	rt_ev(&tx, 1016, 0, 10, "thread", "vmem_alloc site=v ptr=0x9000 size=5000 cache=arena1");
	rt_ev(&tx, 1017, 0, 10, "thread", "pool_get site=p ptr=0x8000 size=48 cache=mypool");
	rt_ev(&tx, 1018, 0, 10, "thread", "vmem_free site=v2 ptr=0x9000 size=5000 cache=arena1");
	rt_ev(&tx, 1019, 0, 10, "thread", "pool_put site=p2 ptr=0x8000 cache=mypool");
	src = rt_file(&tx);

	kml_replay_config_init(&rc);
	rt_costs();
	rt_replay(&x, src, &rc);
	tt = kml_replay_totals(x.r);
	tap_is(x.st, KML_REPLAY_COMPLETED, "mapping: completed");
	tap_is(tt->rt_events, 20, "mapping: 20 events read");
	tap_is(tt->rt_replayed, 20, "mapping: all 20 replayed (free(NULL) too)");
	tap_is_str(x.log, "", "mapping: no anomaly");

	s = rt_site(x.r, "a");
	tap_ok(s != NULL && s->rs_allocs == 1 && s->rs_frees == 1 &&
	    s->rs_bytes_req == 100 && s->rs_bytes_alloc == 128 &&
	    s->rs_live == 0, "kmalloc 100: class 128, freed at its site");
	s = rt_site(x.r, "b");
	tap_ok(s != NULL && s->rs_bytes_alloc == 8192 && s->rs_live == 1 &&
	    s->rs_live_bytes == 8192, "kmalloc 5000: 2 pages, live");
	tap_ok(rt_site(x.r, "c") == NULL, "kfree counts at the allocating site");
	kmem_stats(&ks);
	/* kmem: 100, 5000, malloc 24, calloc 256, realloc 3000 */
	tap_is(ks.allocs, 5, "kmem: 5 allocations");
	tap_is(ks.frees, 3, "kmem: 3 frees (100, 24 by realloc, 3000)");
	tap_is(ks.inuse, 5000 + 256, "kmem: 5256 bytes in use");
	tap_is(ks.large_allocs, 1, "kmem: one large allocation");

	pc = rt_cache("filp");
	tap_ok(pc != NULL, "cache filp created");
	if (pc != NULL) {
		tap_is(pool_cache_pool(pc)->pr_size, 192, "filp: objects of 192 bytes");
		pool_cache_stats(pc, &ps);
		tap_is(ps.cpu_gets, 2, "filp: 2 gets");
		tap_is(ps.cpu_puts, 1, "filp: 1 put");
	}
	s = rt_site(x.r, "d [filp]");
	tap_ok(s != NULL && s->rs_allocs == 2 && s->rs_frees == 1 &&
	    s->rs_bytes_req == 368 && s->rs_bytes_alloc == 384,
	    "site d [filp]: 2 allocs of 184 (192), 1 free");
	s = rt_site(x.r, "(none)");
	tap_ok(s != NULL && s->rs_allocs == 2 && s->rs_frees == 1 &&
	    s->rs_bytes_alloc == 5 * 4096 && s->rs_live_bytes == 4096,
	    "pages: order 2 and 0, the first freed");
	uvm_stats(&us);
	s = rt_site(x.r, "m2");
	tap_ok(s != NULL && s->rs_bytes_req == 256 && s->rs_bytes_alloc == 256,
	    "calloc 4 x 64: 256 bytes");
	s = rt_site(x.r, "m");
	tap_ok(s != NULL && s->rs_frees == 1 && s->rs_live == 0,
	    "realloc frees the old object at its site");
	s = rt_site(x.r, "m3");
	tap_ok(s != NULL && s->rs_bytes_alloc == 4096 && s->rs_frees == 1,
	    "realloc 3000: class 4096, freed");
	s = rt_site(x.r, "m4");
	tap_ok(s != NULL && s->rs_bytes_alloc == 4096 && s->rs_frees == 1,
	    "posix_memalign 100: one page of kmem_va_arena");
	s = rt_site(x.r, "v [arena1]");
	tap_ok(s != NULL && s->rs_bytes_alloc == 8192 && s->rs_frees == 1,
	    "vmem_alloc 5000: 8192 from arena1");
	s = rt_site(x.r, "p [mypool]");
	tap_ok(s != NULL && s->rs_bytes_alloc == 48 && s->rs_frees == 1,
	    "pool_get 48 from mypool");
	tap_is(kml_replay_narenas(x.r), 4, "arenas: kmem_arena, kmem_va_arena, "
	    "kmem_pageable_arena, arena1");
	vm = kml_replay_arena(x.r, 2, &src);
	tap_is_str(vm != NULL ? vmem_name(vm) : NULL, "kmem_pageable_arena",
	    "arena 2 is kmem_pageable_arena");
	tap_is_str(src, "kmem_arena", "kmem_pageable_arena imports from kmem_arena");
	vm = kml_replay_arena(x.r, 3, &src);
	tap_is_str(vm != NULL ? vmem_name(vm) : NULL, "arena1", "arena 3 is arena1");
	tap_is_str(src, "kmem_va_arena", "arena1 imports from kmem_va_arena");
	tap_ok(rt_cache("mypool") != NULL, "pool mypool created");
	/* conservation per site */
	for (s = kml_replay_site_first(x.r); s != NULL;
	    s = kml_replay_site_next(x.r, s))
		if (s->rs_allocs - s->rs_frees != s->rs_live)
			break;
	tap_ok(s == NULL, "every site: allocs - frees == live");
	tap_is(tt->rt_bytes_alloc - tt->rt_bytes_freed, 8192 + 192 + 4096 + 256,
	    "live bytes: kmalloc 5000, one filp, one page, calloc");
	rt_done(&x);
	tap_is_str(kml_env_name(), "uniprocessor", "destroy restores the environment");
	tap_is(uvm_pagesize(), 0, "destroy tears the page layer down");
}

/* ---- order and time */

/*
 * The timing trace: clock 1 ns, 2 trace CPUs.
 *   1  t=1000 cpu0 tid10 page_alloc 0x100 order 0	100 ns
 *   2  t=1020 cpu1 tid11 page_free  0x100		100 ns, waits for 1's end
 *   3  t=1050 cpu0 tid10 page_alloc 0x101 order 1	200 ns
 *   4  t=1400 cpu1 tid11 page_alloc 0x102 order 0	100 ns
 */
static const char *
rt_timing_trace(void)
{
	struct rt_text tx;

	rt_begin(&tx, 2);
	rt_ev(&tx, 1000, 0, 10, "thread", "page_alloc ptr=0x100");
	rt_ev(&tx, 1020, 1, 11, "thread", "page_free ptr=0x100");
	rt_ev(&tx, 1050, 0, 10, "thread", "page_alloc ptr=0x101 order=1");
	rt_ev(&tx, 1400, 1, 11, "thread", "page_alloc ptr=0x102");
	return rt_file(&tx);
}

static void
test_timing(void)
{
	struct kml_replay_config rc;
	const struct kml_replay_cpu *c0, *c1;
	struct rt_run x;
	const char *src = rt_timing_trace();

	/*
	 * Trace timing, fold, 2 vCPUs.  1: vCPU0 [0, 100).  2: eligible at
	 * max(20, 100) = 100 on vCPU1; 3: max(50, 100) = 100 on vCPU0: a tie
	 * at 100, the lower vCPU first: 3 [100, 300), holding the page
	 * layer's lock until 300; 2 starts at 100 on vCPU1 (idle 100, a
	 * cross-CPU free), waits for that lock until 300 and ends at 400.
	 * 4: rel 400 on vCPU1: [400, 500).  Virtual time 500.
	 */
	kml_replay_config_init(&rc);
	rt_costs();
	rc.rc_sample_ns = 150;
	rt_replay(&x, src, &rc);
	c0 = kml_replay_cpu(x.r, 0);
	c1 = kml_replay_cpu(x.r, 1);
	tap_is(x.st, KML_REPLAY_COMPLETED, "trace timing: completed");
	tap_is(kml_replay_cpus(x.r), 2, "trace timing: the trace's 2 CPUs");
	tap_is(kml_replay_totals(x.r)->rt_virtual_ns, 500, "trace timing: ends at 500 ns");
	tap_ok(c0->rcpu_events == 2 && c0->rcpu_busy_ns == 300 &&
	    c0->rcpu_idle_ns == 0 && c0->rcpu_cross_frees == 0,
	    "trace timing: vCPU0 2 events, busy 300, idle 0 (got %" PRIu64
	    " %" PRIu64 " %" PRIu64 ")", c0->rcpu_events, c0->rcpu_busy_ns,
	    c0->rcpu_idle_ns);
	tap_ok(c1->rcpu_events == 2 && c1->rcpu_busy_ns == 400 &&
	    c1->rcpu_idle_ns == 100 && c1->rcpu_lock_wait_ns == 200 &&
	    c1->rcpu_cross_frees == 1,
	    "trace timing: vCPU1 2 events, busy 400 (200 waiting for the uvm "
	    "lock), idle 100, 1 cross free (got %" PRIu64 " %" PRIu64 " %"
	    PRIu64 " %" PRIu64 " %" PRIu64 ")", c1->rcpu_events,
	    c1->rcpu_busy_ns, c1->rcpu_idle_ns, c1->rcpu_lock_wait_ns,
	    c1->rcpu_cross_frees);
	tap_is(c0->rcpu_lock_wait_ns, 0, "trace timing: vCPU0 never waited for a lock");
	/*
	 * Samples at 150 (crossed by 3 ending at 300: 2 events done, with 300
	 * also crossed), 450 (by 4 ending at 500: 4 events).
	 */
	tap_is(x.nsamples, 3, "samples at 150, 300, 450");
	tap_ok(x.sample_at[0] == 150 && x.sample_at[1] == 300 &&
	    x.sample_at[2] == 450 && x.sample_events[0] == 2 &&
	    x.sample_events[2] == 4, "samples: times and event counts");
	rt_done(&x);

	/*
	 * AFAP, fold: 1 [0, 100) vCPU0; 2 eligible at 100 (its allocation)
	 * on vCPU1, 3 at 100 on vCPU0: 3 [100, 300), 2 [100, 400) with its
	 * lock wait, 4 [400, 500).  vCPU1 idle 100 (waiting for event 1).
	 */
	kml_replay_config_init(&rc);
	rc.rc_timing = KML_TIMING_AFAP;
	rt_replay(&x, src, &rc);
	c1 = kml_replay_cpu(x.r, 1);
	tap_is(kml_replay_totals(x.r)->rt_virtual_ns, 500, "afap: ends at 500 ns");
	tap_ok(c1->rcpu_busy_ns == 400 && c1->rcpu_idle_ns == 100,
	    "afap: vCPU1 busy 400, idle 100");
	rt_done(&x);

	/* AFAP on one vCPU: back to back, 100 + 100 + 200 + 100 */
	kml_replay_config_init(&rc);
	rc.rc_timing = KML_TIMING_AFAP;
	rc.rc_cpus = 1;
	rt_replay(&x, src, &rc);
	c0 = kml_replay_cpu(x.r, 0);
	tap_ok(kml_replay_totals(x.r)->rt_virtual_ns == 500 &&
	    c0->rcpu_events == 4 && c0->rcpu_idle_ns == 0 &&
	    c0->rcpu_cross_frees == 0, "afap, 1 vCPU: 500 ns, no idle, no cross free");
	rt_done(&x);

	/*
	 * Spread on 2 vCPUs with the trace on one CPU: threads 10 and 11 get
	 * vCPU 0 and 1 in order of first appearance, whatever the trace CPU.
	 */
	{
		struct rt_text tx;

		rt_begin(&tx, 2);
		rt_ev(&tx, 1000, 0, 10, "thread", "page_alloc ptr=0x1");
		rt_ev(&tx, 1001, 0, 11, "thread", "page_alloc ptr=0x2");
		rt_ev(&tx, 1002, 0, 11, "thread", "page_alloc ptr=0x3");
		rt_ev(&tx, 1003, 0, 12, "thread", "page_alloc ptr=0x4");
		src = rt_file(&tx);
	}
	kml_replay_config_init(&rc);
	rc.rc_cpumap = KML_CPUMAP_SPREAD;
	rt_replay(&x, src, &rc);
	tap_ok(kml_replay_cpu(x.r, 0)->rcpu_events == 2 &&
	    kml_replay_cpu(x.r, 1)->rcpu_events == 2,
	    "spread: threads 10, 12 on vCPU0, thread 11 on vCPU1");
	rt_done(&x);
	kml_replay_config_init(&rc);
	rt_replay(&x, src, &rc);
	tap_ok(kml_replay_cpu(x.r, 0)->rcpu_events == 4 &&
	    kml_replay_cpu(x.r, 1)->rcpu_events == 0,
	    "fold: every event on vCPU0 (trace CPU 0)");
	rt_done(&x);
}

/*
 * Program order and a free waiting for its allocation: thread 11's free
 * of 0x5 comes first in time (t=100) but the allocation (thread 10,
 * t=500) is later in the trace?  No: a free never precedes its allocation
 * in the trace; here the allocation is recorded at t=900 on CPU 0 and the
 * free at t=950 on CPU 1, but thread 10 has a long event before it.
 *   1 t=100 cpu0 tid10 page_alloc 0x1 order 3	800 ns: [0, 800)
 *   2 t=900 cpu0 tid10 page_alloc 0x5		[800, 900) (rel 800)
 *   3 t=901 cpu1 tid11 page_free 0x5		eligible at 900 (rel 801, its allocation ends at 900)
 *   4 t=902 cpu1 tid11 page_alloc 0x6		[1000, 1100)
 */
static void
test_order(void)
{
	struct kml_replay_config rc;
	struct rt_text tx;
	struct rt_run x;
	const struct kml_replay_cpu *c1;

	rt_begin(&tx, 2);
	rt_ev(&tx, 100, 0, 10, "thread", "page_alloc ptr=0x1 order=3");
	rt_ev(&tx, 900, 0, 10, "thread", "page_alloc ptr=0x5");
	rt_ev(&tx, 901, 1, 11, "thread", "page_free ptr=0x5");
	rt_ev(&tx, 902, 1, 11, "thread", "page_alloc ptr=0x6");
	kml_replay_config_init(&rc);
	rt_costs();
	rt_replay(&x, rt_file(&tx), &rc);
	c1 = kml_replay_cpu(x.r, 1);
	tap_is(x.st, KML_REPLAY_COMPLETED, "order: completed");
	tap_ok(c1->rcpu_idle_ns == 900 && c1->rcpu_busy_ns == 200 &&
	    kml_replay_totals(x.r)->rt_virtual_ns == 1100,
	    "order: the free waits for its allocation until 900 (idle %"
	    PRIu64 ", end %" PRIu64 ")", c1->rcpu_idle_ns,
	    kml_replay_totals(x.r)->rt_virtual_ns);
	rt_done(&x);
}

/* ---- anomalies */

static void
test_anomalies(void)
{
	struct kml_replay_config rc;
	const struct kml_replay_totals *tt;
	struct rt_text tx;
	struct rt_run x;

	rt_begin(&tx, 1);
	rt_ev(&tx, 1, 0, 10, "thread", "kfree ptr=0x999");			/* 1 never allocated */
	rt_ev(&tx, 2, 0, 10, "thread", "kmalloc ptr=0x10 size=32");		/* 2 */
	rt_ev(&tx, 3, 0, 10, "thread", "kfree ptr=0x10");			/* 3 */
	rt_ev(&tx, 4, 0, 10, "thread", "kfree ptr=0x10");			/* 4 double free */
	rt_ev(&tx, 5, 0, 10, "thread", "vmem_alloc ptr=0x2000 size=4096 cache=a");	/* 5 */
	rt_ev(&tx, 6, 0, 10, "thread", "vmem_free ptr=0x2000 size=8192 cache=a");	/* 6 wrong size */
	rt_ev(&tx, 7, 0, 10, "thread", "kmem_cache_alloc ptr=0x30 size=64 cache=x");	/* 7 */
	rt_ev(&tx, 8, 0, 10, "thread", "kmem_cache_free ptr=0x30 cache=y");	/* 8 wrong cache */
	rt_ev(&tx, 9, 0, 10, "thread", "kmem_cache_alloc ptr=0x30 size=64 cache=x");	/* 9 live realloc */
	rt_ev(&tx, 10, 0, 10, "softirq", "kmalloc ptr=0x40 size=16 flags=sleep");	/* 10 sleep in intr */
	rt_ev(&tx, 11, 0, 10, "thread", "page_free ptr=0x77 order=1");		/* 11 never allocated */
	rt_ev(&tx, 12, 0, 10, "thread", "vmem_free ptr=0x2000 size=4096 cache=a");	/* 12 ok */
	rt_ev(&tx, 13, 0, 10, "thread", "kfree ptr=0x999");			/* 13 never allocated */
	kml_replay_config_init(&rc);
	rt_costs();
	rt_replay(&x, rt_file(&tx), &rc);
	tt = kml_replay_totals(x.r);
	tap_is(x.st, KML_REPLAY_COMPLETED, "anomalies: completed");
	tap_is_str(x.log, "double free@4 wrong size@6 wrong cache@8 "
	    "live realloc@9 sleep in interrupt@10 ", "anomalies: kinds and events");
	tap_is(tt->rt_anomalies[KML_AN_NEVER_ALLOCATED], 3,
	    "never allocated: counted, not reported one by one");
	tap_is(tt->rt_replayed, 7, "replayed: events 2 3 5 7 9 10 12");
	tap_is(tt->rt_events, tt->rt_replayed + tt->rt_skipped_pages +
	    tt->rt_anomalies[KML_AN_NEVER_ALLOCATED] +
	    tt->rt_anomalies[KML_AN_DOUBLE_FREE] +
	    tt->rt_anomalies[KML_AN_WRONG_SIZE] +
	    tt->rt_anomalies[KML_AN_WRONG_CACHE], "anomalies: events add up");
	tap_is(tt->rt_bytes_alloc - tt->rt_bytes_freed, 64 + 16,
	    "live: one x object (the old one freed by 9) and the softirq kmalloc");
	rt_done(&x);
}

/*
 * Tombstones: the last rc_tombs freed pointers are remembered (older ones
 * are forgotten, so memory stays bounded): a second free is a double free
 * while its first free is among them, later it is "never allocated".
 * Also, a pointer freed, reallocated and freed again keeps its newest
 * tombstone.  Tested with 64 tombstones (the default, 262,144, would make
 * a trace too long for the --enable-sanity build).
 */
static void
rt_tomb_trace(const char *path, uint64_t between)
{
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *w;
	char err[512];
	uint64_t ts = 0;

	kml_trace_header_init(&th, KML_TSRC_TEXT);
	th.th_ncpu = 1;
	if ((w = kml_trace_open_write(path, &th, err, sizeof(err))) == NULL)
		tap_bail("tombstones: %s", err);
	memset(&ev, 0, sizeof(ev));
	ev.te_tid = ev.te_pid = 1;
	ev.te_size = 32;
	/* 0x10: allocated, freed (tombstone 0) */
	ev.te_ts = ++ts, ev.te_op = KML_OP_KMALLOC, ev.te_ptr = 0x10;
	kml_trace_write(w, &ev);
	ev.te_ts = ++ts, ev.te_op = KML_OP_KFREE;
	kml_trace_write(w, &ev);
	/* 0x20: freed, reallocated, freed again: the newer tombstone counts */
	for (int i = 0; i < 2; i++) {
		ev.te_ts = ++ts, ev.te_op = KML_OP_KMALLOC, ev.te_ptr = 0x20;
		kml_trace_write(w, &ev);
		ev.te_ts = ++ts, ev.te_op = KML_OP_KFREE;
		kml_trace_write(w, &ev);
	}
	for (uint64_t i = 0; i < between; i++) {
		ev.te_ts = ++ts, ev.te_op = KML_OP_KMALLOC;
		ev.te_ptr = 0x100000 + 64 * i;
		kml_trace_write(w, &ev);
		ev.te_ts = ++ts, ev.te_op = KML_OP_KFREE;
		kml_trace_write(w, &ev);
	}
	ev.te_ts = ++ts, ev.te_op = KML_OP_KFREE, ev.te_ptr = 0x10;
	kml_trace_write(w, &ev);
	ev.te_ts = ++ts, ev.te_op = KML_OP_KFREE, ev.te_ptr = 0x20;
	kml_trace_write(w, &ev);
	if (kml_trace_close(w, err, sizeof(err)) != 0)
		tap_bail("tombstones: %s", err);
}

static void
test_tombstones(void)
{
	struct kml_replay_config rc;
	const struct kml_replay_totals *tt;
	struct rt_run x;
	char path[256];

	snprintf(path, sizeof(path), "%s/tomb.kmt", rt_dir);
	kml_replay_config_init(&rc);
	tap_is(rc.rc_tombs, 262144, "tombstones: 262,144 by default");
	rc.rc_tombs = 64;
	rt_costs();
	/* 2 + 61 frees after the first free of 0x10: still among the last 64 */
	rt_tomb_trace(path, 61);
	rt_replay(&x, path, &rc);
	tt = kml_replay_totals(x.r);
	tap_is(tt->rt_anomalies[KML_AN_DOUBLE_FREE], 2,
	    "tombstones: both double frees found within 64 frees");
	tap_is(tt->rt_anomalies[KML_AN_NEVER_ALLOCATED], 0,
	    "tombstones: nothing taken for never allocated");
	rt_done(&x);
	/* 2 + 62 frees: 0x10's tombstone is gone, 0x20's newer one stays */
	rt_tomb_trace(path, 62);
	rt_replay(&x, path, &rc);
	tt = kml_replay_totals(x.r);
	tap_is(tt->rt_anomalies[KML_AN_DOUBLE_FREE], 1,
	    "tombstones: the far double free is no longer known");
	tap_is(tt->rt_anomalies[KML_AN_NEVER_ALLOCATED], 1,
	    "tombstones: it counts as never allocated");
	tap_is(x.st, KML_REPLAY_COMPLETED, "tombstones: completed");
	rt_done(&x);
	unlink(path);
	rc.rc_tombs = 48;
	rt_tomb_trace(path, 1);
	{
		struct kml_trace *t;
		char err[512];

		t = kml_trace_open_read(path, err, sizeof(err));
		tap_ok(kml_replay_create(&rc, t, NULL, err, sizeof(err)) == NULL,
		    "tombstones: 48 refused");
		tap_is_str(err, "tombstones 48: not a power of two",
		    "tombstones: the message");
		kml_trace_close(t, err, sizeof(err));
	}
	unlink(path);
}

/* ---- sleeping */

static void
test_sleep(void)
{
	struct kml_replay_config rc;
	const struct kml_replay_totals *tt;
	struct rt_text tx;
	struct rt_run x;
	char err[256];
	const char *src;

	/*
	 * physmem 64 pages, one vCPU, afap.  1: thread 10 takes 32 pages
	 * [0, 3200); 2: thread 11 takes 32 [3200, 6400); 3: thread 12 asks 1
	 * page, may sleep: fails, the pagedaemon finds nothing, it blocks on
	 * pagewait at 6400; 4: thread 10 frees 32 pages [6400, 9600) and
	 * wakes it; 3 runs again [9600, 9700).
	 */
	rt_begin(&tx, 1);
	rt_ev(&tx, 1, 0, 10, "thread", "page_alloc ptr=0x1000 order=5");
	rt_ev(&tx, 2, 0, 11, "thread", "page_alloc ptr=0x2000 order=5");
	rt_ev(&tx, 3, 0, 12, "thread", "page_alloc ptr=0x3000 flags=sleep");
	rt_ev(&tx, 4, 0, 10, "thread", "page_free ptr=0x1000 order=5");
	src = rt_file(&tx);
	kml_replay_config_init(&rc);
	rt_costs();
	rc.rc_timing = KML_TIMING_AFAP;
	if (kml_policy_set(&rc.rc_policy, "physmem=256K", err, sizeof(err)) != 0)
		tap_bail("%s", err);
	rt_replay(&x, src, &rc);
	tt = kml_replay_totals(x.r);
	tap_is(x.st, KML_REPLAY_COMPLETED, "sleep: completed");
	tap_is(tt->rt_sleeps, 1, "sleep: one allocation slept");
	tap_is(tt->rt_fails, 0, "sleep: no failure");
	tap_is(tt->rt_virtual_ns, 9700, "sleep: 3 ran after 4's free: ends at 9700");
	tap_is(tt->rt_replayed, 4, "sleep: 4 events replayed");
	rt_done(&x);

	/* without the free: a deadlock */
	rt_begin(&tx, 1);
	rt_ev(&tx, 1, 0, 10, "thread", "page_alloc ptr=0x1000 order=5");
	rt_ev(&tx, 2, 0, 11, "thread", "page_alloc ptr=0x2000 order=5");
	rt_ev(&tx, 3, 0, 12, "thread", "page_alloc ptr=0x3000 flags=sleep");
	rt_ev(&tx, 4, 0, 12, "thread", "page_free ptr=0x3000");
	rt_ev(&tx, 5, 0, 13, "thread", "kmalloc ptr=0x50 size=40000 flags=sleep");
	rt_ev(&tx, 6, 0, 14, "thread", "kmalloc ptr=0x60 size=40 flags=sleep");
	src = rt_file(&tx);
	rt_replay(&x, src, &rc);
	tt = kml_replay_totals(x.r);
	tap_is(x.st, KML_REPLAY_DEADLOCK, "deadlock: status");
	tap_is_str(kml_replay_errmsg(x.r), "deadlock: 3 threads blocked: "
	    "thread 12 at event 3 (page_alloc of 4096 bytes) on pagewait, "
	    "thread 13 at event 5 (kmalloc of 40000 bytes) on pagewait, "
	    "thread 14 at event 6 (kmalloc of 40 bytes) on poolwait",
	    "deadlock: the report");
	tap_is_str(x.log, "deadlock@3 deadlock@5 deadlock@6 ", "deadlock: anomalies");
	tap_is(tt->rt_anomalies[KML_AN_DEADLOCK], 3, "deadlock: 3 counted");
	tap_is(tt->rt_replayed, 2, "deadlock: 2 events replayed");
	tap_is_str(kml_replay_status_name(x.st), "deadlock", "status name");
	rt_done(&x);

	/* an interrupt may not sleep: it fails instead */
	rt_begin(&tx, 1);
	rt_ev(&tx, 1, 0, 10, "thread", "page_alloc ptr=0x1000 order=6");
	rt_ev(&tx, 2, 0, 11, "hardirq", "page_alloc ptr=0x2000 flags=sleep");
	rt_replay(&x, rt_file(&tx), &rc);
	tt = kml_replay_totals(x.r);
	tap_is(x.st, KML_REPLAY_COMPLETED, "sleep in interrupt: completed");
	tap_is_str(x.log, "sleep in interrupt@2 ", "sleep in interrupt: reported");
	tap_ok(tt->rt_fails == 1 && tt->rt_sleeps == 0,
	    "sleep in interrupt: a failure, no sleep");
	rt_done(&x);
}

/*
 * Memory pressure: physmem 24 pages.  20 kmalloc(2048) take 10 pool
 * pages; freed, they stay in the magazines.  A page allocation of 16
 * pages then finds 14 free: the pagedaemon empties the magazines and the
 * pools' idle pages, and the allocation succeeds.
 */
static void
test_pressure(void)
{
	struct kml_replay_config rc;
	struct rt_text tx;
	struct rt_run x;
	struct uvm_stats us;
	char err[256];
	uint64_t ts = 1;

	rt_begin(&tx, 1);
	for (unsigned i = 0; i < 20; i++)
		rt_ev(&tx, ts++, 0, 10, "thread", "kmalloc ptr=0x%x size=2048", 0x100 + 16 * i);
	for (unsigned i = 0; i < 20; i++)
		rt_ev(&tx, ts++, 0, 10, "thread", "kfree ptr=0x%x", 0x100 + 16 * i);
	rt_ev(&tx, ts++, 0, 10, "thread", "page_alloc ptr=0x5000 order=4 flags=sleep");
	kml_replay_config_init(&rc);
	rt_costs();
	if (kml_policy_set(&rc.rc_policy, "physmem=96K", err, sizeof(err)) != 0)
		tap_bail("%s", err);
	rt_replay(&x, rt_file(&tx), &rc);
	tap_is(x.st, KML_REPLAY_COMPLETED, "pressure: completed");
	tap_ok(kml_replay_totals(x.r)->rt_fails == 0 &&
	    kml_replay_totals(x.r)->rt_sleeps == 0,
	    "pressure: the page allocation succeeded without sleeping");
	uvm_stats(&us);
	tap_ok(us.pagedaemon_runs >= 1 && us.reclaimed >= 2,
	    "pressure: the pagedaemon reclaimed (runs %" PRIu64 ", pages %"
	    PRIu64 ")", us.pagedaemon_runs, us.reclaimed);
	rt_done(&x);
}

/* ---- policies */

static void
test_policy(void)
{
	struct kml_policy po;
	char err[512], buf[1024], path[128];
	FILE *fp;

	tap_is(kml_policy_load(&po, "netbsd", err, sizeof(err)), 0, "load netbsd");
	kml_policy_format(&po, buf, sizeof(buf));
	tap_is_str(buf, "fit=instant classes=netbsd mag_layer=yes magsize=15 magsize_large=63 "
	    "mag_adaptive=no mag_contention=0 depot_trim=no mag_interval_ms=15000 "
	    "physmem=1G pagesize=4096 lowat=0 hiwat=0 cpus=0", "format netbsd");
	tap_is(kml_policy_load(&po, "illumos", err, sizeof(err)), 0, "load illumos");
	kml_policy_format(&po, buf, sizeof(buf));
	tap_is_str(buf, "fit=instant classes=illumos mag_layer=yes magsize=15 magsize_large=63 "
	    "mag_adaptive=yes mag_contention=3 depot_trim=yes mag_interval_ms=15000 "
	    "physmem=1G pagesize=4096 lowat=0 hiwat=0 cpus=0", "format illumos");
	tap_is(kml_policy_load(&po, "freebsd", err, sizeof(err)), 0, "load freebsd");
	kml_policy_format(&po, buf, sizeof(buf));
	tap_is_str(buf, "fit=instant classes=netbsd mag_layer=yes magsize=15 magsize_large=63 "
	    "mag_adaptive=yes mag_contention=0 depot_trim=yes mag_interval_ms=20000 "
	    "physmem=1G pagesize=4096 lowat=0 hiwat=0 cpus=0", "format freebsd");
	tap_is(kml_policy_load(&po, "nosuch", err, sizeof(err)), (uint64_t)-1, "unknown policy");
	tap_is_str(err, "unknown policy 'nosuch' (netbsd, illumos, freebsd, or a file)",
	    "unknown policy: message");

	tap_is(kml_policy_set(&po, "fit=best", err, sizeof(err)), 0, "set fit=best");
	tap_is(po.po_vmem_strategy, VM_BESTFIT, "fit=best: VM_BESTFIT");
	tap_is(kml_policy_set(&po, " physmem = 3M ", err, sizeof(err)), 0, "set physmem=3M");
	tap_is(po.po_uvm.up_physpages, 768, "physmem=3M: 768 pages");
	tap_is(kml_policy_set(&po, "pagesize=8192", err, sizeof(err)), 0, "set pagesize");
	tap_is(po.po_uvm.up_physpages, 384, "pagesize=8192 keeps 3M: 384 pages");
	tap_is(kml_policy_set(&po, "frob=1", err, sizeof(err)), (uint64_t)-1, "set unknown key");
	tap_is_str(err, "unknown policy key 'frob'", "set unknown key: message");
	tap_is(kml_policy_set(&po, "fit=x", err, sizeof(err)), (uint64_t)-1, "set bad fit");
	tap_is_str(err, "bad value 'x' for key 'fit' (instant, best or next)",
	    "set bad fit: message");
	tap_is(kml_policy_set(&po, "mag_adaptive=maybe", err, sizeof(err)),
	    (uint64_t)-1, "set bad bool");
	tap_is_str(err, "bad value 'maybe' for key 'mag_adaptive' (yes or no)",
	    "set bad bool: message");
	tap_is(kml_policy_set(&po, "magazines=off", err, sizeof(err)), 0,
	    "set magazines=off");
	tap_ok(po.po_mag.pcp_nomag, "magazines=off: no magazine layer");
	tap_is(kml_policy_set(&po, "mag_layer=yes", err, sizeof(err)), 0,
	    "set mag_layer=yes");
	tap_ok(!po.po_mag.pcp_nomag, "mag_layer=yes: magazines again");
	tap_is(kml_policy_set(&po, "magazines=none", err, sizeof(err)),
	    (uint64_t)-1, "set bad magazines");
	tap_is_str(err, "bad value 'none' for key 'magazines' (netbsd, illumos or "
	    "off)", "set bad magazines: message");
	tap_is(kml_policy_set(&po, "cpus", err, sizeof(err)), (uint64_t)-1, "set without =");
	tap_is_str(err, "expected key=value, not 'cpus'", "set without =: message");

	snprintf(path, sizeof(path), "%s/pol.txt", rt_dir);
	fp = fopen(path, "w");
	fprintf(fp, "# a policy\nbase = illumos\n\nfit = next  # comment\n"
	    "magsize = 31\ncpus = 4\n");
	fclose(fp);
	tap_is(kml_policy_load(&po, path, err, sizeof(err)), 0, "load a file");
	kml_policy_format(&po, buf, sizeof(buf));
	tap_is_str(buf, "fit=next classes=illumos mag_layer=yes magsize=31 magsize_large=63 "
	    "mag_adaptive=yes mag_contention=3 depot_trim=yes mag_interval_ms=15000 "
	    "physmem=1G pagesize=4096 lowat=0 hiwat=0 cpus=4", "file over illumos");
	tap_is_str(po.po_name, path, "file: named by its path");
	fp = fopen(path, "w");
	fprintf(fp, "fit = best\nfrob = 2\n");
	fclose(fp);
	tap_is(kml_policy_load(&po, path, err, sizeof(err)), (uint64_t)-1, "file: unknown key");
	snprintf(buf, sizeof(buf), "%s:2: unknown key 'frob'", path);
	tap_is_str(err, buf, "file: unknown key: message");
	fp = fopen(path, "w");
	fprintf(fp, "classes = solaris\n");
	fclose(fp);
	kml_policy_load(&po, path, err, sizeof(err));
	snprintf(buf, sizeof(buf), "%s:1: bad value 'solaris' for key 'classes' "
	    "(netbsd or illumos)", path);
	tap_is_str(err, buf, "file: bad value: message");
	fp = fopen(path, "w");
	fprintf(fp, "fit = best\nbase = netbsd\n");
	fclose(fp);
	kml_policy_load(&po, path, err, sizeof(err));
	snprintf(buf, sizeof(buf), "%s:2: 'base' must be the first line", path);
	tap_is_str(err, buf, "file: late base: message");
	unlink(path);
}

/* ---- stop and create errors */

static void
rt_stop_progress(void *arg, struct kml_replay *r,
    const struct kml_replay_sample *sa)
{
	(void)arg;
	(void)sa;
	kml_replay_stop(r);
}

/* Tick hook: record the events replayed at each call; step by 1 after 2. */
static uint64_t rt_ticks[16];
static unsigned rt_nticks;

static uint64_t
rt_tick(void *arg, struct kml_replay *r)
{
	(void)arg;
	if (rt_nticks < 16)
		rt_ticks[rt_nticks++] = kml_replay_totals(r)->rt_replayed;
	return rt_nticks == 1 ? 1 : 0;
}

static void
test_stop(void)
{
	struct kml_replay_config rc;
	struct kml_replay_hooks h = { .rh_sample = rt_stop_progress };
	struct kml_trace *t, *t2;
	struct kml_replay *r;
	char err[512];
	const char *src = rt_timing_trace();

	kml_replay_config_init(&rc);
	rt_costs();
	rc.rc_sample_ns = 100;
	t = kml_trace_open_read(src, err, sizeof(err));
	r = kml_replay_create(&rc, t, &h, err, sizeof(err));
	tap_is(kml_replay_run(r), KML_REPLAY_INTERRUPTED, "stop: interrupted");
	tap_is(kml_replay_totals(r)->rt_replayed, 1, "stop: after the first event");
	t2 = kml_trace_open_read(src, err, sizeof(err));
	tap_ok(kml_replay_create(&rc, t2, NULL, err, sizeof(err)) == NULL,
	    "a second replay at once is refused");
	tap_is_str(err, "the allocator stack is in use (one replay at a time in "
	    "a process)", "a second replay: message");
	kml_replay_destroy(r);
	rc.rc_cpus = KML_MAXCPUS + 1;
	tap_ok(kml_replay_create(&rc, t2, NULL, err, sizeof(err)) == NULL,
	    "too many cpus refused");
	tap_is_str(err, "1025 cpus: at most 1024", "too many cpus: message");
	rc.rc_cpus = 0;
	kml_policy_set(&rc.rc_policy, "hiwat=10", err, sizeof(err));
	kml_policy_set(&rc.rc_policy, "lowat=20", err, sizeof(err));
	tap_ok(kml_replay_create(&rc, t2, NULL, err, sizeof(err)) == NULL,
	    "bad policy refused");
	tap_is_str(err, "policy netbsd: hiwat is below lowat or above physmem",
	    "bad policy: message");
	kml_trace_close(t, err, sizeof(err));
	kml_trace_close(t2, err, sizeof(err));

	/* The tick hook: after 2 events, then 1 more, then never again. */
	h = (struct kml_replay_hooks){ .rh_tick = rt_tick, .rh_tick_events = 2 };
	kml_replay_config_init(&rc);
	t = kml_trace_open_read(src, err, sizeof(err));
	r = kml_replay_create(&rc, t, &h, err, sizeof(err));
	if (r == NULL)
		tap_bail("tick: %s", err);
	tap_is(kml_replay_run(r), KML_REPLAY_COMPLETED, "tick: completed");
	tap_is(rt_nticks, 2, "tick: called twice");
	tap_is(rt_ticks[0], 2, "tick: first after 2 events");
	tap_is(rt_ticks[1], 3, "tick: then after 1 more");
	tap_ok(kml_replay_totals(r)->rt_replayed > 3, "tick: the trace has more events");
	tap_is(kml_replay_vtime(r), kml_replay_totals(r)->rt_virtual_ns,
	    "vtime: the run's virtual time at the end");
	kml_replay_destroy(r);
	kml_trace_close(t, err, sizeof(err));
}

/*
 * Observing changes nothing: a replay whose sample and tick hooks read
 * every statistic (taking the stack's locks, as the database and the
 * dashboards do) ends with the same clocks and lock figures as one that
 * is never looked at.
 */
struct rt_fig {
	kml_vtime_t vns;
	kml_vtime_t busy[4], wait[4];
	struct kml_lockstat pool, uvm, va, depot;
	uint64_t samples;
	uint64_t allwait;		/* ls_wait_ns of every lock of the stack */
};

static void
rt_look(void)
{
	struct pool_cache_stats cs;
	struct pool_stats ps;
	struct vmem_stats vs;
	struct uvm_stats us;

	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		pool_cache_stats(pc, &cs);
		pool_stats(pool_cache_pool(pc), &ps);
	}
	vmem_stats(kmem_va_arena, &vs);
	vmem_stats(kmem_arena, &vs);
	uvm_stats(&us);
}

static void
rt_look_sample(void *arg, struct kml_replay *r, const struct kml_replay_sample *sa)
{
	(void)r;
	(void)sa;
	((struct rt_fig *)arg)->samples++;
	rt_look();
}

static uint64_t
rt_look_tick(void *arg, struct kml_replay *r)
{
	(void)arg;
	(void)r;
	rt_look();
	return 97;
}

static void
rt_lockadd(struct kml_lockstat *sum, const struct kml_lockstat *ls)
{
	sum->ls_acquire += ls->ls_acquire;
	sum->ls_contended += ls->ls_contended;
	sum->ls_wait_ns += ls->ls_wait_ns;
	sum->ls_hold_ns += ls->ls_hold_ns;
	if (ls->ls_max_wait_ns > sum->ls_max_wait_ns)
		sum->ls_max_wait_ns = ls->ls_max_wait_ns;
}

static void
rt_figures(const char *path, bool look, unsigned cpus, struct rt_fig *f)
{
	struct kml_replay_config rc;
	struct kml_replay_hooks h = { .rh_arg = f };
	struct kml_trace *t;
	struct kml_replay *r;
	char err[512];

	memset(f, 0, sizeof(*f));
	kml_replay_config_init(&rc);
	rc.rc_timing = KML_TIMING_AFAP;
	rc.rc_cpus = cpus;
	if (look) {
		rc.rc_sample_ns = 2000;
		h.rh_sample = rt_look_sample;
		h.rh_tick = rt_look_tick;
		h.rh_tick_events = 97;
	}
	if ((t = kml_trace_open_read(path, err, sizeof(err))) == NULL ||
	    (r = kml_replay_create(&rc, t, &h, err, sizeof(err))) == NULL)
		tap_bail("observe: %s", err);
	if (kml_replay_run(r) != KML_REPLAY_COMPLETED)
		tap_bail("observe: %s", kml_replay_errmsg(r));
	f->vns = kml_replay_vtime(r);
	for (unsigned c = 0; c < cpus; c++) {
		f->busy[c] = kml_replay_cpu(r, c)->rcpu_busy_ns;
		f->wait[c] = kml_replay_cpu(r, c)->rcpu_lock_wait_ns;
	}
	uvm_lockstat(&f->uvm);
	vmem_lockstat(kmem_va_arena, &f->va);
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		struct kml_lockstat ls;

		pool_cache_depot_lockstat(pc, &ls);
		rt_lockadd(&f->depot, &ls);
		pool_lockstat(pool_cache_pool(pc), &ls);
		rt_lockadd(&f->pool, &ls);
	}
	f->allwait = f->depot.ls_wait_ns + f->pool.ls_wait_ns +
	    f->uvm.ls_wait_ns;
	for (unsigned i = 0; i < kml_replay_narenas(r); i++) {
		struct kml_lockstat ls;
		const char *src;

		vmem_lockstat(kml_replay_arena(r, i, &src), &ls);
		f->allwait += ls.ls_wait_ns;
	}
	kml_replay_destroy(r);
	kml_trace_close(t, err, sizeof(err));
}

static bool
rt_lockeq(const struct kml_lockstat *a, const struct kml_lockstat *b)
{
	return a->ls_acquire == b->ls_acquire &&
	    a->ls_contended == b->ls_contended &&
	    a->ls_wait_ns == b->ls_wait_ns && a->ls_hold_ns == b->ls_hold_ns &&
	    a->ls_max_wait_ns == b->ls_max_wait_ns;
}

static void
test_observe(void)
{
	struct kml_gen_params p;
	struct kml_trace_header th;
	struct kml_trace *w;
	struct rt_fig a, b;
	char path[256], err[512];

	snprintf(path, sizeof(path), "%s/observe.kmt", rt_dir);
	kml_gen_params_init(&p, KML_GEN_MAGAZINE);
	p.tg_ncpu = 4;
	p.tg_events = 20000;
	p.tg_seed = 7;
	kml_gen_header(&p, &th);
	if ((w = kml_trace_open_write(path, &th, err, sizeof(err))) == NULL ||
	    kml_gen_run(&p, w) != 0 || kml_trace_close(w, err, sizeof(err)) != 0)
		tap_bail("observe: gen: %s", err);
	kml_cost_reset();	/* the default costs: locks cost time */
	rt_figures(path, false, 4, &a);
	rt_figures(path, true, 4, &b);
	tap_ok(b.samples > 10, "observe: %" PRIu64 " samples taken", b.samples);
	tap_ok(a.depot.ls_contended > 0, "observe: the depots were contended");
	tap_is(b.vns, a.vns, "observe: same virtual time");
	tap_ok(memcmp(a.busy, b.busy, sizeof(a.busy)) == 0,
	    "observe: same busy time per vCPU");
	tap_ok(memcmp(a.wait, b.wait, sizeof(a.wait)) == 0,
	    "observe: same lock wait per vCPU");
	tap_ok(rt_lockeq(&a.pool, &b.pool), "observe: same pool lock figures");
	tap_ok(rt_lockeq(&a.uvm, &b.uvm), "observe: same page layer lock figures");
	tap_ok(rt_lockeq(&a.va, &b.va), "observe: same kmem_va_arena lock figures");
	tap_ok(rt_lockeq(&a.depot, &b.depot), "observe: same depot lock figures");
	tap_ok(!kml_env_observing(), "observe: observer mode off after destroy");

	/* lock waits per vCPU add up to the waits of every lock, exactly */
	tap_is(a.wait[0] + a.wait[1] + a.wait[2] + a.wait[3], a.allwait,
	    "lock waits: the vCPUs' sum is the locks' sum (%" PRIu64 " ns)",
	    a.allwait);
	rt_figures(path, false, 1, &a);
	tap_is(a.wait[0], 0, "lock waits: none on one vCPU");
	tap_is(a.allwait, 0, "lock waits: no lock waited on one vCPU");
	rt_costs();
	unlink(path);
}

/*
 * A truncated trace: its whole records are replayed, then the replay
 * fails with the reader's message.
 */
static void
test_truncated(void)
{
	struct kml_replay_config rc;
	struct rt_text tx;
	struct rt_run x;
	char path[160];
	const char *src;
	FILE *in, *out;
	long size;
	int ch;

	rt_begin(&tx, 1);
	for (unsigned i = 0; i < 200; i++)
		rt_ev(&tx, 1 + i, 0, 10, "thread", "kmalloc ptr=0x%x size=64", 0x1000 + 64 * i);
	src = rt_file(&tx);
	snprintf(path, sizeof(path), "%s/cut.kmt", rt_dir);
	in = fopen(src, "rb");
	out = fopen(path, "wb");
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	rewind(in);
	for (long i = 0; i < size - 40 && (ch = fgetc(in)) != EOF; i++)
		fputc(ch, out);
	fclose(in);
	fclose(out);
	kml_replay_config_init(&rc);
	rt_replay(&x, path, &rc);
	tap_is(x.st, KML_REPLAY_FAILED, "truncated: failed");
	tap_contains(kml_replay_errmsg(x.r), "truncated at byte", "truncated: the reader's message");
	tap_ok(kml_replay_totals(x.r)->rt_replayed > 0 &&
	    kml_replay_totals(x.r)->rt_replayed == kml_replay_totals(x.r)->rt_events,
	    "truncated: what could be read was replayed (%" PRIu64 ")",
	    kml_replay_totals(x.r)->rt_replayed);
	rt_done(&x);
	unlink(path);
}

/* ---- the bundled traces */

/* An independent pairing of a trace, as replay.h section 5 says. */
struct rt_ref {
	uint64_t events, frees_null, never, twice, live_realloc, allocs;
};

struct rt_rent {
	uint64_t key, ptr;
	int state;		/* 0 empty, 1 live, 2 freed */
};

static uint64_t
rt_family(unsigned op, uint32_t pid)
{
	switch (op) {
	case KML_OP_KMALLOC: case KML_OP_KFREE:
	case KML_OP_CACHE_ALLOC: case KML_OP_CACHE_FREE:
		return 1;
	case KML_OP_PAGE_ALLOC: case KML_OP_PAGE_FREE:
		return 2;
	default:
		return 3 | (uint64_t)pid << 8;
	}
}

static void
rt_reference(const char *path, struct rt_ref *ref)
{
	struct kml_trace_event ev;
	struct kml_trace *t;
	struct rt_rent *tab;
	size_t cap = 1u << 22;
	char err[512];

	memset(ref, 0, sizeof(*ref));
	tab = calloc(cap, sizeof(*tab));
	t = kml_trace_open_read(path, err, sizeof(err));
	while (kml_trace_next(t, &ev) == 1) {
		uint64_t key = rt_family(ev.te_op, ev.te_pid);
		size_t i = (size_t)((ev.te_ptr * 0x9e3779b97f4a7c15u ^ key) >> 42) & (cap - 1);

		ref->events++;
		if (ev.te_ptr == 0) {
			ref->frees_null++;
			continue;
		}
		while (tab[i].state != 0 && (tab[i].key != key || tab[i].ptr != ev.te_ptr))
			i = (i + 1) & (cap - 1);
		if (kml_trace_op_frees(ev.te_op)) {
			if (tab[i].state == 0)
				ref->never++;
			else if (tab[i].state == 2)
				ref->twice++;
			else
				tab[i].state = 2;
		} else {
			if (tab[i].state == 1)
				ref->live_realloc++;
			tab[i].key = key;
			tab[i].ptr = ev.te_ptr;
			tab[i].state = 1;
			ref->allocs++;
		}
	}
	kml_trace_close(t, err, sizeof(err));
	free(tab);
}

static void
test_bundled(void)
{
	static const char *const names[] = { "git", "compile", "cp" };
	static const char *const pols[] = { "netbsd", "illumos" };
	const char *top = getenv("top_srcdir");
	char path[1024], err[512];

	if (top == NULL)
		top = "..";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct rt_ref ref;

		snprintf(path, sizeof(path), "%s/traces/%s.kmt", top, names[i]);
		if (access(path, R_OK) != 0) {
			tap_diag("skipping %s: not readable", path);
			continue;
		}
#ifdef KML_SANITY
		/*
		 * vmem_check walks every span after each operation, and cp.kmt
		 * keeps about 28,000 page allocations (one span each) live:
		 * some 13 minutes per replay.
		 */
		if (strcmp(names[i], "cp") == 0) {
			tap_diag("--enable-sanity: skipping %s (quadratic "
			    "checks)", path);
			continue;
		}
#endif
		rt_reference(path, &ref);
		for (size_t k = 0; k < 2; k++) {
			struct kml_replay_totals tt1;
			struct kml_replay_config rc;
			const struct kml_replay_totals *tt;
			const struct kml_replay_site *s;
			struct kmem_stats ks;
			uint64_t allocs = 0, frees = 0, live = 0, fails = 0;
			struct rt_run x;

			kml_cost_reset();
			kml_replay_config_init(&rc);
			if (kml_policy_load(&rc.rc_policy, pols[k], err, sizeof(err)) != 0)
				tap_bail("%s", err);
			rt_replay(&x, path, &rc);
			tt = kml_replay_totals(x.r);
			tap_is(x.st, KML_REPLAY_COMPLETED, "%s %s: completed", names[i], pols[k]);
			tap_is(tt->rt_events, ref.events, "%s %s: every event read", names[i], pols[k]);
			tap_is(tt->rt_replayed + tt->rt_skipped_pages +
			    tt->rt_anomalies[KML_AN_NEVER_ALLOCATED] +
			    tt->rt_anomalies[KML_AN_DOUBLE_FREE] +
			    tt->rt_anomalies[KML_AN_WRONG_SIZE] +
			    tt->rt_anomalies[KML_AN_WRONG_CACHE], tt->rt_events,
			    "%s %s: replayed + skipped + unmatched frees = events",
			    names[i], pols[k]);
			tap_ok(tt->rt_anomalies[KML_AN_NEVER_ALLOCATED] == ref.never &&
			    tt->rt_anomalies[KML_AN_DOUBLE_FREE] == ref.twice &&
			    tt->rt_anomalies[KML_AN_LIVE_REALLOC] == ref.live_realloc &&
			    tt->rt_anomalies[KML_AN_WRONG_SIZE] == 0 &&
			    tt->rt_anomalies[KML_AN_WRONG_CACHE] == 0 &&
			    tt->rt_anomalies[KML_AN_SLEEP_IN_INTR] == 0 &&
			    tt->rt_anomalies[KML_AN_DEADLOCK] == 0,
			    "%s %s: anomalies as the trace has them (never %" PRIu64
			    "/%" PRIu64 ", twice %" PRIu64 "/%" PRIu64 ", live %"
			    PRIu64 "/%" PRIu64 ")", names[i], pols[k],
			    tt->rt_anomalies[KML_AN_NEVER_ALLOCATED], ref.never,
			    tt->rt_anomalies[KML_AN_DOUBLE_FREE], ref.twice,
			    tt->rt_anomalies[KML_AN_LIVE_REALLOC], ref.live_realloc);
			for (s = kml_replay_site_first(x.r); s != NULL;
			    s = kml_replay_site_next(x.r, s)) {
				allocs += s->rs_allocs;
				frees += s->rs_frees;
				live += s->rs_live;
				fails += s->rs_fails;
				if (s->rs_allocs - s->rs_frees != s->rs_live)
					break;
			}
			tap_ok(s == NULL && allocs - frees == live,
			    "%s %s: per site, allocs - frees == live", names[i], pols[k]);
			tap_is(allocs + fails, ref.allocs, "%s %s: every allocation "
			    "done or failed", names[i], pols[k]);
			kmem_stats(&ks);
			tap_is(ks.errors, 0, "%s %s: kmem saw no misuse", names[i], pols[k]);
			tt1 = *tt;
			rt_done(&x);
			if (strcmp(names[i], "cp") == 0)
				continue;	/* the largest: once is enough */
			/* determinism: the same again */
			rt_replay(&x, path, &rc);
			tap_ok(memcmp(&tt1, kml_replay_totals(x.r), sizeof(tt1)) == 0,
			    "%s %s: a second replay gives the same totals", names[i],
			    pols[k]);
			rt_done(&x);
		}
	}
}

int
main(void)
{
	snprintf(rt_dir, sizeof(rt_dir), "/tmp/replay_test.XXXXXX");
	if (mkdtemp(rt_dir) == NULL)
		tap_bail("mkdtemp failed");
	test_policy();
	test_mapping();
	test_timing();
	test_order();
	test_anomalies();
	test_tombstones();
	test_sleep();
	test_pressure();
	test_stop();
	test_observe();
	test_truncated();
	test_bundled();
	for (unsigned i = 1; i <= rt_nfiles; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/t%u.kmt", rt_dir, i);
		unlink(path);
	}
	rmdir(rt_dir);
	return tap_done();
}
