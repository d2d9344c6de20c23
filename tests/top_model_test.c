/*
 * tests/top_model_test.c: TAP test of the statistics model of "kmemlab
 * top" (src/top-model.c).
 *
 * How: a six-event text trace on 2 CPUs is replayed with every cost 0
 * (so virtual time is the recorded time less the first event's), with a
 * tick hook that takes the model's snapshot after every event and keeps
 * copies after events 2 and 6; the figures are compared with the values
 * worked out from the trace in the comments: the cache's counters, rates
 * from two snapshots, CPUs, anomalies as they happen, call sites and
 * their orders, the caches' order and filter, the history.  The same
 * replay is then stored in a database with a sample every 1000 ns, and
 * the model read back at its end must equal the live model's last
 * snapshot, and at a virtual time between samples must hold the earlier
 * sample's figures (and "not known" for what samples do not keep).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/cost.h>
#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "../src/top-model.h"
#include "tap.h"

/*
 * The trace, clock 1 ns: foo objects of 100 bytes (allocated 128) at
 * 1000 and 2000 on CPU 0, the first freed at 3000 on CPU 1; a kmalloc of
 * 24 bytes (kmem-32) at 4000, freed at 5000 and again at 6000 (a double
 * free, event 6).  Virtual times: 0, 1000, 2000, 3000, 4000, 5000.
 */
static const char tm_trace[] =
    "%kmemlab-trace 1\n%ncpu 2\n%clock 1\n"
    "0.000001000 0 100/100 thread - kmem_cache_alloc site=a+0x1 ptr=0x1 "
    "size=100 alloc=128 cache=foo\n"
    "0.000002000 0 100/100 thread - kmem_cache_alloc site=a+0x1 ptr=0x2 "
    "size=100 alloc=128 cache=foo\n"
    "0.000003000 1 200/200 thread - kmem_cache_free site=c+0x3 ptr=0x1 "
    "cache=foo\n"
    "0.000004000 0 100/100 thread - kmalloc site=b+0x2 ptr=0x10 size=24 "
    "alloc=32\n"
    "0.000005000 0 100/100 thread - kfree site=c+0x3 ptr=0x10\n"
    "0.000006000 1 200/200 thread - kfree site=c+0x3 ptr=0x10\n";

static char tm_dir[64];

/* What the hooks of the replay keep. */
struct tm_run {
	struct top_model m;		/* snapshot after every event */
	uint64_t vtime2, replayed2;	/* after event 2 */
	double rate2;
	struct top_cache foo2;		/* the foo row then */
	uint64_t ticks;
	struct kml_replay_hooks db;	/* the database's, or none */
};

/* tm_find: the cache named name in m, or NULL. */
static const struct top_cache *
tm_find(const struct top_model *m, const char *name)
{
	for (size_t i = 0; i < m->m_ncaches; i++)
		if (strcmp(m->m_caches[i].c_name, name) == 0)
			return &m->m_caches[i];
	return NULL;
}

/* tm_site: the site named name in m, or NULL. */
static const struct top_site *
tm_site(const struct top_model *m, const char *name)
{
	for (size_t i = 0; i < m->m_nsites; i++)
		if (strcmp(m->m_sites[i].s_site, name) == 0)
			return &m->m_sites[i];
	return NULL;
}

static uint64_t
tm_tick(void *arg, struct kml_replay *r)
{
	struct tm_run *x = arg;
	const struct top_cache *c;

	top_model_snap(&x->m, r, true);
	x->ticks++;
	if ((c = tm_find(&x->m, "foo")) != NULL) {
		if (x->ticks == 2)
			x->foo2 = *c;
	}
	if (x->ticks == 2) {
		x->vtime2 = x->m.m_vtime;
		x->replayed2 = x->m.m_replayed;
		x->rate2 = x->m.m_rate;
	}
	return 1;
}

static void
tm_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct tm_run *x = arg;

	top_model_anomaly(&x->m, an);
	if (x->db.rh_anomaly != NULL)
		x->db.rh_anomaly(x->db.rh_arg, an);
}

static void
tm_sample(void *arg, struct kml_replay *r, const struct kml_replay_sample *sa)
{
	struct tm_run *x = arg;

	if (x->db.rh_sample != NULL)
		x->db.rh_sample(x->db.rh_arg, r, sa);
}

/* tm_file: the trace as a file; its path (static). */
static const char *
tm_file(void)
{
	static char path[128];
	char err[512];
	FILE *fp = fmemopen((void *)tm_trace, strlen(tm_trace), "r");

	snprintf(path, sizeof(path), "%s/t.kmt", tm_dir);
	if (fp == NULL || kml_trace_from_text(fp, "t.txt", path, err,
	    sizeof(err)) != 0)
		tap_bail("trace text: %s", err);
	fclose(fp);
	return path;
}

/*
 * tm_replay: replay the trace with the hooks of x (and, with db, store
 * it as a run with samples every 1000 ns, its id in *idp).
 */
static void
tm_replay(struct tm_run *x, struct kml_db *db, int64_t *idp)
{
	struct kml_replay_config rc;
	struct kml_replay_hooks h;
	struct kml_db_run run;
	struct kml_replay *r;
	struct kml_trace *t;
	char err[512];
	unsigned st;

	memset(x, 0, sizeof(*x));
	top_model_init(&x->m);
	kml_replay_config_init(&rc);
	if (db != NULL)
		rc.rc_sample_ns = 1000;
	memset(&h, 0, sizeof(h));
	h.rh_arg = x;
	h.rh_tick = tm_tick;
	h.rh_tick_events = 1;
	h.rh_anomaly = tm_anomaly;
	h.rh_sample = tm_sample;
	if ((t = kml_trace_open_read(tm_file(), err, sizeof(err))) == NULL)
		tap_bail("open: %s", err);
	if ((r = kml_replay_create(&rc, t, &h, err, sizeof(err))) == NULL)
		tap_bail("replay_create: %s", err);
	if (db != NULL) {
		memset(&run, 0, sizeof(run));
		run.dr_trace = "t.kmt";
		run.dr_policy = "netbsd";
		run.dr_config = "";
		run.dr_cpus = kml_replay_cpus(r);
		run.dr_timing = "trace";
		run.dr_version = "test";
		if (kml_db_run_begin(db, &run, idp, err, sizeof(err)) != 0)
			tap_bail("run_begin: %s", err);
		kml_db_hooks(db, *idp, &x->db);
	}
	st = kml_replay_run(r);
	tap_is(st, KML_REPLAY_COMPLETED, "the replay completes");
	top_model_snap(&x->m, r, true);
	if (db != NULL && kml_db_run_end(db, *idp, r, st, 0.0, err,
	    sizeof(err)) != 0)
		tap_bail("run_end: %s", err);
	kml_replay_destroy(r);
	kml_trace_close(t, err, sizeof(err));
}

/* ---- the live model */

static void
test_snapshots(void)
{
	struct tm_run x;
	const struct top_cache *foo, *k32;
	const struct top_site *a, *b;
	const struct top_anomaly *an;
	size_t idx[64], n;

	tm_replay(&x, NULL, NULL);
	tap_is(x.ticks, 5, "a tick after each of the 5 events replayed");

	/* After event 2 (virtual time 1000): two foo objects out. */
	tap_is(x.vtime2, 1000, "event 2: virtual time 1000");
	tap_is(x.replayed2, 2, "event 2: 2 replayed");
	tap_is(x.foo2.c_allocs, 2, "event 2: foo 2 allocs");
	tap_is(x.foo2.c_frees, 0, "event 2: foo 0 frees");
	tap_is(x.foo2.c_inuse, 2, "event 2: foo 2 in use");
	/* One allocation in the 1000 ns since event 1: 10^6 per second. */
	tap_ok(x.foo2.c_arate == 1e6, "event 2: foo 1000000 allocs/s (%g)",
	    x.foo2.c_arate);
	tap_ok(x.foo2.c_frate == 0, "event 2: foo 0 frees/s (%g)",
	    x.foo2.c_frate);
	tap_ok(x.rate2 == 1e6, "event 2: 1000000 events/s (%g)",
	    x.rate2);

	/* The end: the double free is not replayed. */
	tap_is(x.m.m_replayed, 5, "end: 5 replayed");
	tap_is(x.m.m_events, 6, "end: 6 read");
	tap_is(x.m.m_vtime, 4000, "end: virtual time 4000 (the last replayed)");
	tap_is(x.m.m_ncpus, 2, "end: 2 CPUs");
	tap_is(x.m.m_counts[KML_AN_DOUBLE_FREE], 1, "end: 1 double free");
	tap_is(x.m.m_nanoms, 1, "end: one anomaly kept");
	an = top_model_anomaly_at(&x.m, 0);
	tap_ok(an != NULL && an->an_event == 6 &&
	    an->an_kind == KML_AN_DOUBLE_FREE && an->an_cpu == 1 &&
	    an->an_tid == 200, "end: the latest anomaly is event 6's double "
	    "free on CPU 1, thread 200");
	tap_ok(top_model_anomaly_at(&x.m, 1) == NULL, "end: no other");
	tap_is(x.m.m_inuse, 128, "end: 128 bytes in use (one foo)");

	foo = tm_find(&x.m, "foo");
	k32 = tm_find(&x.m, "kmem-32");
	tap_ok(foo != NULL && k32 != NULL, "end: foo and kmem-32 are there");
	if (foo == NULL || k32 == NULL)
		return;
	tap_is(foo->c_size, 128, "foo: item size 128");
	tap_is(foo->c_allocs, 2, "foo: 2 allocs");
	tap_is(foo->c_frees, 1, "foo: 1 free");
	tap_is(foo->c_fails, 0, "foo: 0 fails");
	tap_is(foo->c_inuse, 1, "foo: 1 in use");
	tap_is(foo->c_pages, 1, "foo: 1 page");
	/* 4096 / 128 = 32 items, less one for the page's header on it. */
	tap_is(foo->c_total, 31, "foo: the page holds 31");
	tap_is(foo->c_memory, 4096, "foo: 4096 bytes");
	tap_is(foo->c_gets, 2, "foo: 2 gets");
	tap_is(foo->c_hits, 0, "foo: no CPU hit (empty magazines)");
	tap_is(foo->c_misses, 2, "foo: 2 misses");
	tap_is(foo->c_mag, 15, "foo: netbsd magazines of 15");
	tap_is(foo->c_cached, 1, "foo: the freed one in a magazine");
	tap_is(k32->c_allocs, 1, "kmem-32: 1 alloc");
	tap_is(k32->c_frees, 1, "kmem-32: 1 free");

	/* CPU 0 ran events 1, 2, 4 and 5; CPU 1 event 3. */
	tap_is(x.m.m_cpus[0].u_events, 4, "CPU 0: 4 events");
	tap_is(x.m.m_cpus[1].u_events, 1, "CPU 1: 1 event");
	tap_is(x.m.m_cpus[0].u_gets, 3, "CPU 0: 3 gets (2 foo, 1 kmem-32)");
	tap_is(x.m.m_cpus[1].u_cached, 1, "CPU 1: the foo it freed cached");

	a = tm_site(&x.m, "a+0x1 [foo]");
	b = tm_site(&x.m, "b+0x2");
	tap_ok(a != NULL && b != NULL, "sites a and b are there");
	if (a != NULL && b != NULL) {
		tap_is(a->s_allocs, 2, "site a: 2 allocs");
		tap_is(a->s_bytes, 256, "site a: 256 bytes");
		tap_is(a->s_live, 1, "site a: 1 live");
		tap_is(b->s_live, 0, "site b: none live");
	}
	n = top_model_sites_order(&x.m, false, idx);
	tap_ok(n >= 2 && strcmp(x.m.m_sites[idx[0]].s_site, "a+0x1 [foo]") ==
	    0, "sites by bytes: a first");
	n = top_model_sites_order(&x.m, true, idx);
	tap_ok(n >= 2 && x.m.m_sites[idx[0]].s_live == 1,
	    "sites by live objects: a first");

	/* Orders and filters of the caches. */
	n = top_model_order(&x.m, TOP_C_NAME, false, "foo", idx);
	tap_ok(n == 1 && strcmp(x.m.m_caches[idx[0]].c_name, "foo") == 0,
	    "filter foo: foo only");
	n = top_model_order(&x.m, TOP_C_INUSE, false, NULL, idx);
	tap_is(n, x.m.m_ncaches, "no filter: every cache");
	tap_is_str(x.m.m_caches[idx[0]].c_name, "foo",
	    "by in use: foo first");
	n = top_model_order(&x.m, TOP_C_NAME, false, "kmem-3", idx);
	tap_ok(n == 3 && strcmp(x.m.m_caches[idx[0]].c_name, "kmem-32") ==
	    0 && strcmp(x.m.m_caches[idx[1]].c_name, "kmem-320") == 0 &&
	    strcmp(x.m.m_caches[idx[2]].c_name, "kmem-384") == 0,
	    "filter kmem-3 by name: kmem-32, kmem-320, kmem-384");
	n = top_model_order(&x.m, TOP_C_NAME, true, "kmem-3", idx);
	tap_is_str(x.m.m_caches[idx[0]].c_name, "kmem-384",
	    "reversed: kmem-384 first");
	n = top_model_order(&x.m, TOP_C_SIZE, false, "kmem-", idx);
	tap_ok(n > 0 && x.m.m_caches[idx[0]].c_size >=
	    x.m.m_caches[idx[n - 1]].c_size, "by size: largest first");

	/* History: a point per virtual time (0, 1000, ..., 4000). */
	tap_is(x.m.m_nhist, 5, "history: 5 points");
	tap_is(x.m.m_hist[4].p_inuse, 128, "history: 128 bytes at the end");
	tap_is(x.m.m_hist[1].p_inuse, 256, "history: 256 bytes at 1000");

	/* kmem_va_arena holds kmem's pages: its map is all allocated. */
	for (size_t i = 0; i < x.m.m_narenas; i++) {
		const struct top_arena *ar = &x.m.m_arenas[i];

		if (strcmp(ar->a_name, "kmem_va_arena") != 0)
			continue;
		tap_is(ar->a_depth, 1, "kmem_va_arena: imports from kmem_arena");
		tap_ok(ar->a_map_valid && ar->a_map[0] == 100 &&
		    ar->a_map[TOP_MAPCELLS - 1] == 100,
		    "kmem_va_arena: its map is all allocated");
	}
	top_model_free(&x.m);
}

/* ---- a stored run */

static void
test_stored(void)
{
	struct tm_run x;
	struct top_model m;
	struct top_run run;
	const struct top_cache *live, *got;
	struct kml_db *db;
	char path[128], err[512];
	int64_t id;

	snprintf(path, sizeof(path), "%s/k.db", tm_dir);
	if ((db = kml_db_open(path, err, sizeof(err))) == NULL)
		tap_bail("db_open: %s", err);
	tm_replay(&x, db, &id);
	tap_is(top_run_open(&run, db, path, id), 0, "the run opens");
	tap_is_str(run.r_status, "completed", "completed");
	tap_ok(run.r_summary, "with summary tables");
	tap_is(run.r_vend, 4000, "ends at 4000");
	/* Samples at 1000, 2000, 3000, 4000: when a vCPU's clock passes them. */
	tap_is(run.r_ntimes, 4, "4 samples");

	top_model_init(&m);
	tap_is(top_model_load(&m, &run, run.r_vend), 0, "loaded at the end");
	live = tm_find(&x.m, "foo");
	got = tm_find(&m, "foo");
	tap_ok(live != NULL && got != NULL, "foo in both");
	if (live != NULL && got != NULL) {
		tap_is(got->c_size, live->c_size, "end: size as live");
		tap_is(got->c_inuse, live->c_inuse, "end: in use as live");
		tap_is(got->c_pages, live->c_pages, "end: pages as live");
		tap_is(got->c_total, live->c_total, "end: total as live");
		tap_is(got->c_memory, live->c_memory, "end: memory as live");
		tap_is(got->c_allocs, live->c_allocs, "end: allocs as live");
		tap_is(got->c_frees, live->c_frees, "end: frees as live");
		tap_is(got->c_hits, live->c_hits, "end: hits as live");
		tap_is(got->c_dhits, live->c_dhits, "end: depot hits as live");
		tap_is(got->c_mag, live->c_mag, "end: magazine as live");
	}
	tap_is(m.m_ncaches, x.m.m_ncaches, "end: as many caches");
	tap_is(m.m_narenas, x.m.m_narenas, "end: as many arenas");
	tap_is(m.m_replayed, 5, "end: 5 replayed");
	tap_is(m.m_counts[KML_AN_DOUBLE_FREE], 1, "end: the double free");
	tap_ok(m.m_sites_known && m.m_nsites == x.m.m_nsites,
	    "end: the sites");
	tap_is(m.m_cpus[0].u_events, 4, "end: CPU 0's events");

	/* At 2500: the sample at 2000, after event 3 (foo's free). */
	tap_is(top_model_load(&m, &run, 2500), 0, "loaded at 2500");
	tap_is(m.m_vtime, 2000, "2500: the sample at 2000");
	got = tm_find(&m, "foo");
	tap_ok(got != NULL, "2500: foo");
	if (got != NULL) {
		tap_is(got->c_inuse, 1, "2500: foo 1 in use");
		tap_is(got->c_gets, 2, "2500: foo 2 gets");
		tap_is(got->c_frees, TOP_NONE, "2500: frees not sampled");
		tap_is(got->c_size, 128, "2500: the size from the caches table");
	}
	tap_ok(!m.m_sites_known, "2500: no sites before the end");
	tap_is(m.m_nhist, 2, "2500: the samples at 1000 and 2000");

	top_model_free(&m);
	top_run_close(&run);
	top_model_free(&x.m);
	if (kml_db_close(db, err, sizeof(err)) != 0)
		tap_bail("db_close: %s", err);
}

int
main(void)
{
	char cmd[128];

	snprintf(tm_dir, sizeof(tm_dir), "/tmp/top_model_test.XXXXXX");
	if (mkdtemp(tm_dir) == NULL)
		tap_bail("mkdtemp failed");
	for (int i = 0; i < KML_COST_NCOSTS; i++)
		kml_cost_ns[i] = 0;
	test_snapshots();
	test_stored();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tm_dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tm_dir);
	return tap_done();
}
