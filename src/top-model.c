/*
 * src/top-model.c: the statistics model of "kmemlab top" (see
 * top-model.h): snapshots of the live stack during a replay, a stored
 * run read back at a virtual time, and the orders the screens show.
 *
 * Nothing here draws or knows the terminal, so that tests can check
 * the figures (tests/top_model_test.c).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <kmemlab/db.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/replay.h>
#include <kmemlab/vmem.h>

#include "top-model.h"
#include "util.h"

static const char *const top_ccol_names[TOP_C_NCOLS] = {
	"NAME", "SIZE", "INUSE", "TOTAL", "PAGES", "ALLOCS/S", "FREES/S",
	"FAILS", "CPU%", "DEPOT%", "MAG", "MEMORY"
};

const char *
top_ccol_name(unsigned col)
{
	return col < TOP_C_NCOLS ? top_ccol_names[col] : "?";
}

/* ---- helpers */

/* top_copy: copy the string src into dst[0..len), truncated. */
static void
top_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* top_grow: make room for one more element in *arr (n used, *cap allocated). */
static void *
top_grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap == 0 ? 16 : *cap * 2;
	return xreallocarray(arr, *cap, size);
}

/* top_rate: d events over dt virtual ns, per second; -1 when dt is 0. */
static double
top_rate(uint64_t now, uint64_t before, uint64_t dt)
{
	if (dt == 0 || now == TOP_NONE || before == TOP_NONE || now < before)
		return -1;
	return (double)(now - before) * 1e9 / (double)dt;
}

/* top_find_prev: the previous snapshot's cache named name, or NULL. */
static const struct top_cache *
top_find_prev(const struct top_model *m, size_t hint, const char *name)
{
	if (hint < m->m_nprev && strcmp(m->m_prev[hint].c_name, name) == 0)
		return &m->m_prev[hint];
	for (size_t i = 0; i < m->m_nprev; i++)
		if (strcmp(m->m_prev[i].c_name, name) == 0)
			return &m->m_prev[i];
	return NULL;
}

/*
 * top_keep_prev: keep the current caches and CPUs as the previous
 * snapshot, and the header's figures.
 */
static void
top_keep_prev(struct top_model *m)
{
	m->m_prev = xreallocarray(m->m_prev, m->m_ncaches + 1,
	    sizeof(*m->m_prev));
	if (m->m_ncaches > 0)
		memcpy(m->m_prev, m->m_caches,
		    m->m_ncaches * sizeof(*m->m_prev));
	m->m_nprev = m->m_ncaches;
	m->m_prevcpu = xreallocarray(m->m_prevcpu, m->m_ncpus + 1,
	    sizeof(*m->m_prevcpu));
	if (m->m_ncpus > 0)
		memcpy(m->m_prevcpu, m->m_cpus,
		    m->m_ncpus * sizeof(*m->m_prevcpu));
	m->m_nprevcpu = m->m_ncpus;
	m->m_prevsite = xreallocarray(m->m_prevsite, m->m_nsites + 1,
	    sizeof(*m->m_prevsite));
	for (size_t i = 0; i < m->m_nsites; i++)
		m->m_prevsite[i] = m->m_sites[i].s_allocs;
	m->m_nprevsite = m->m_sites_known ? m->m_nsites : 0;
	m->m_prev_vtime = m->m_vtime;
	m->m_prev_replayed = m->m_replayed;
	m->m_have_prev = true;
}

/*
 * top_rates: the rates of m's caches, CPUs and header against the
 * previous snapshot kept (none when there is none or no virtual time
 * passed since).
 */
static void
top_rates(struct top_model *m)
{
	uint64_t dt = m->m_have_prev && m->m_vtime > m->m_prev_vtime ?
	    m->m_vtime - m->m_prev_vtime : 0;

	for (size_t i = 0; i < m->m_ncaches; i++) {
		struct top_cache *c = &m->m_caches[i];
		const struct top_cache *p = dt != 0 ?
		    top_find_prev(m, i, c->c_name) : NULL;

		c->c_arate = c->c_frate = -1;
		if (p == NULL)
			continue;
		if (c->c_allocs != TOP_NONE && p->c_allocs != TOP_NONE)
			c->c_arate = top_rate(c->c_allocs, p->c_allocs, dt);
		else
			c->c_arate = top_rate(c->c_gets, p->c_gets, dt);
		c->c_frate = top_rate(c->c_frees, p->c_frees, dt);
	}
	for (unsigned i = 0; i < m->m_ncpus; i++) {
		struct top_cpu *u = &m->m_cpus[i];
		const struct top_cpu *p = dt != 0 && i < m->m_nprevcpu ?
		    &m->m_prevcpu[i] : NULL;

		u->u_rate = u->u_busy = u->u_lock = -1;
		if (p == NULL)
			continue;
		u->u_rate = top_rate(u->u_events, p->u_events, dt);
		u->u_busy = top_rate(u->u_busy_ns, p->u_busy_ns, dt) / 1e9;
		u->u_lock = top_rate(u->u_lock_ns, p->u_lock_ns, dt) / 1e9;
	}
	/* Sites keep their order (first appearance): the same index. */
	for (size_t i = 0; i < m->m_nsites; i++)
		m->m_sites[i].s_arate = dt != 0 && i < m->m_nprevsite ?
		    top_rate(m->m_sites[i].s_allocs, m->m_prevsite[i], dt) : -1;
	m->m_rate = dt != 0 ? top_rate(m->m_replayed, m->m_prev_replayed, dt) :
	    -1;
}

/*
 * top_hist_add: append point p to the history, thinning it to every
 * other point (and doubling the step between kept points) when full.
 */
static void
top_hist_add(struct top_model *m, const struct top_point *p)
{
	if (m->m_nhist > 0 && p->p_vtime == m->m_hist[m->m_nhist - 1].p_vtime) {
		m->m_hist[m->m_nhist - 1] = *p;	/* the same instant, later */
		return;
	}
	if (m->m_nhist > 0 && p->p_vtime <
	    m->m_hist[m->m_nhist - 1].p_vtime + m->m_hist_step)
		return;
	if (m->m_nhist == TOP_HISTORY) {
		for (size_t i = 0; i < TOP_HISTORY / 2; i++)
			m->m_hist[i] = m->m_hist[2 * i + 1];
		m->m_nhist = TOP_HISTORY / 2;
		m->m_hist_step = m->m_hist[m->m_nhist - 1].p_vtime -
		    m->m_hist[m->m_nhist - 2].p_vtime;
	}
	m->m_hist[m->m_nhist++] = *p;
}

/* top_depths: each arena's import depth, from its source's. */
static void
top_depths(struct top_model *m)
{
	for (size_t i = 0; i < m->m_narenas; i++) {
		struct top_arena *a = &m->m_arenas[i];

		a->a_depth = 0;
		for (size_t j = 0; j < i; j++)
			if (a->a_source[0] != '\0' &&
			    strcmp(m->m_arenas[j].a_name, a->a_source) == 0)
				a->a_depth = m->m_arenas[j].a_depth + 1;
	}
}

/* ---- the model */

void
top_model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
	m->m_total_events = TOP_NONE;
	m->m_rate = -1;
}

void
top_model_free(struct top_model *m)
{
	free(m->m_caches);
	free(m->m_cpus);
	free(m->m_arenas);
	free(m->m_sites);
	free(m->m_prev);
	free(m->m_prevcpu);
	free(m->m_prevsite);
	top_model_init(m);
}

void
top_model_anomaly(struct top_model *m, const struct kml_anomaly *an)
{
	struct top_anomaly *a = &m->m_anoms[m->m_nanoms % TOP_ANOMALIES];

	a->an_event = an->an_event;
	a->an_kind = an->an_kind;
	a->an_cpu = an->an_cpu;
	a->an_tid = an->an_tid;
	a->an_size = an->an_size;
	top_copy(a->an_detail, sizeof(a->an_detail), an->an_detail);
	m->m_nanoms++;
}

const struct top_anomaly *
top_model_anomaly_at(const struct top_model *m, size_t i)
{
	if (i >= m->m_nanoms || i >= TOP_ANOMALIES)
		return NULL;
	return &m->m_anoms[(m->m_nanoms - 1 - i) % TOP_ANOMALIES];
}

/* ---- snapshots of the live stack */

/* What an address-map walk of one arena needs. */
struct top_walk {
	uint64_t w_lo, w_hi;		/* the spans' lowest and highest address */
	uint64_t w_cell;		/* bytes per cell */
	uint64_t w_span[TOP_MAPCELLS];	/* bytes of spans per cell */
	uint64_t w_used[TOP_MAPCELLS];	/* bytes allocated per cell */
	bool w_any;
};

/* top_walk_bounds: widen the bounds to the span [addr, addr + size). */
static void
top_walk_bounds(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct top_walk *w = arg;

	if (!w->w_any || addr < w->w_lo)
		w->w_lo = addr;
	if (!w->w_any || addr + size > w->w_hi)
		w->w_hi = addr + size;
	w->w_any = true;
}

/* top_walk_add: add the bytes of [addr, addr + size) to cnt's cells. */
static void
top_walk_add(struct top_walk *w, uint64_t *cnt, uint64_t addr, uint64_t size)
{
	uint64_t end = addr + size, a = addr;

	while (a < end) {
		uint64_t cell = (a - w->w_lo) / w->w_cell;
		uint64_t cend = w->w_lo + (cell + 1) * w->w_cell;
		uint64_t n = (cend < end ? cend : end) - a;

		if (cell >= TOP_MAPCELLS)
			break;
		cnt[cell] += n;
		a += n;
	}
}

/* top_walk_span: a span's bytes. */
static void
top_walk_span(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct top_walk *w = arg;

	top_walk_add(w, w->w_span, addr, size);
}

/* top_walk_used: an allocated segment's bytes. */
static void
top_walk_used(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct top_walk *w = arg;

	top_walk_add(w, w->w_used, addr, size);
}

/* top_arena_map: a's address map: the share allocated of each cell. */
static void
top_arena_map(struct top_arena *a, vmem_t *vm)
{
	struct top_walk *w = xcalloc(1, sizeof(*w));

	vmem_walk(vm, VMEM_SPAN, top_walk_bounds, w);
	a->a_map_valid = w->w_any;
	if (w->w_any) {
		w->w_cell = (w->w_hi - w->w_lo + TOP_MAPCELLS - 1) /
		    TOP_MAPCELLS;
		if (w->w_cell == 0)
			w->w_cell = 1;
		vmem_walk(vm, VMEM_SPAN, top_walk_span, w);
		vmem_walk(vm, VMEM_ALLOC, top_walk_used, w);
		for (size_t i = 0; i < TOP_MAPCELLS; i++)
			a->a_map[i] = w->w_span[i] == 0 ? TOP_MAP_NONE :
			    w->w_used[i] == 0 ? 0 : (uint8_t)(1 + 99 *
			    w->w_used[i] / w->w_span[i]);
	}
	free(w);
}

void
top_model_snap(struct top_model *m, struct kml_replay *r, bool maps)
{
	const struct kml_replay_totals *tot = kml_replay_totals(r);
	bool first = m->m_ncpus == 0;
	struct pool_cache_stats cs;
	struct pool_stats ps;
	struct vmem_stats vs;
	struct top_point pt;
	uint64_t gets = 0, hits = 0, cached = 0;
	unsigned ncpu = kml_replay_cpus(r);
	double frag = 0;

	if (!first && kml_replay_vtime(r) <= m->m_vtime &&
	    tot->rt_replayed == m->m_replayed && !maps)
		return;		/* nothing happened since */
	/* Rates are over the last advance of virtual time. */
	if (!first && kml_replay_vtime(r) > m->m_vtime)
		top_keep_prev(m);

	m->m_vtime = kml_replay_vtime(r);
	m->m_replayed = tot->rt_replayed;
	m->m_events = tot->rt_events;
	m->m_inuse = tot->rt_bytes_alloc >= tot->rt_bytes_freed ?
	    tot->rt_bytes_alloc - tot->rt_bytes_freed : 0;
	m->m_fails = tot->rt_fails;
	memcpy(m->m_counts, tot->rt_anomalies, sizeof(m->m_counts));

	m->m_ncaches = 0;
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		struct top_cache *c;

		m->m_caches = top_grow(m->m_caches, m->m_ncaches,
		    &m->m_capcaches, sizeof(*m->m_caches));
		c = &m->m_caches[m->m_ncaches++];
		memset(c, 0, sizeof(*c));
		pool_cache_stats(pc, &cs);
		pool_stats(pool_cache_pool(pc), &ps);
		top_copy(c->c_name, sizeof(c->c_name), pool_cache_name(pc));
		c->c_cached = cs.cpu_cached + cs.depot_cached;
		c->c_size = ps.size;
		c->c_inuse = pool_cache_inuse(&cs, &ps);
		c->c_pages = ps.npages;
		c->c_total = ps.npages * ps.itemsperpage;
		c->c_memory = ps.npages * ps.pagesize;
		c->c_allocs = cs.cpu_gets - cs.fails;
		c->c_frees = cs.cpu_puts;
		c->c_fails = cs.fails;
		c->c_gets = cs.cpu_gets;
		c->c_hits = cs.cpu_hits;
		c->c_misses = cs.cpu_misses;
		c->c_dhits = cs.depot_get_hits;
		c->c_mag = cs.magsize;
		gets += cs.cpu_gets;
		hits += cs.cpu_hits;
		cached += c->c_cached;
	}

	if (m->m_ncpus != ncpu) {
		m->m_cpus = xreallocarray(m->m_cpus, ncpu, sizeof(*m->m_cpus));
		m->m_ncpus = ncpu;
	}
	memset(m->m_cpus, 0, ncpu * sizeof(*m->m_cpus));
	for (unsigned i = 0; i < ncpu; i++) {
		const struct kml_replay_cpu *rc = kml_replay_cpu(r, i);
		struct top_cpu *u = &m->m_cpus[i];

		u->u_events = rc->rcpu_events;
		u->u_busy_ns = rc->rcpu_busy_ns;
		u->u_lock_ns = rc->rcpu_lock_wait_ns;
	}
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		for (unsigned i = 0; i < ncpu; i++) {
			pool_cache_cpu_stats(pc, i, &cs);
			m->m_cpus[i].u_gets += cs.cpu_gets;
			m->m_cpus[i].u_hits += cs.cpu_hits;
			m->m_cpus[i].u_cached += cs.cpu_cached;
		}
	}

	m->m_narenas = 0;
	for (unsigned i = 0; i < kml_replay_narenas(r); i++) {
		const char *source;
		vmem_t *vm = kml_replay_arena(r, i, &source);
		struct top_arena *a;

		m->m_arenas = top_grow(m->m_arenas, m->m_narenas,
		    &m->m_caparenas, sizeof(*m->m_arenas));
		a = &m->m_arenas[m->m_narenas++];
		memset(a, 0, sizeof(*a));
		vmem_stats(vm, &vs);
		top_copy(a->a_name, sizeof(a->a_name), vmem_name(vm));
		top_copy(a->a_source, sizeof(a->a_source), source);
		a->a_inuse = vs.inuse;
		a->a_total = vs.total;
		a->a_imported = vs.imported;
		a->a_free_segs = vs.free_segs;
		a->a_largest = vs.largest_free;
		a->a_frag = vmem_frag(vs.total, vs.inuse, vs.largest_free);
		if (strcmp(a->a_name, "kmem_va_arena") == 0)
			frag = a->a_frag;
		if (maps)
			top_arena_map(a, vm);
	}
	top_depths(m);

	m->m_nsites = 0;
	m->m_sites_known = true;
	for (const struct kml_replay_site *s = kml_replay_site_first(r);
	    s != NULL; s = kml_replay_site_next(r, s)) {
		struct top_site *t;

		m->m_sites = top_grow(m->m_sites, m->m_nsites,
		    &m->m_capsites, sizeof(*m->m_sites));
		t = &m->m_sites[m->m_nsites++];
		top_copy(t->s_site, sizeof(t->s_site), s->rs_site);
		t->s_allocs = s->rs_allocs;
		t->s_frees = s->rs_frees;
		t->s_bytes = s->rs_bytes_alloc;
		t->s_live = s->rs_live;
		t->s_live_bytes = s->rs_live_bytes;
	}

	top_rates(m);
	pt.p_vtime = m->m_vtime;
	pt.p_inuse = m->m_inuse;
	pt.p_cached = cached;
	pt.p_frag = frag;
	pt.p_hit = gets > m->m_prev_gets ? (double)(hits - m->m_prev_hits) /
	    (double)(gets - m->m_prev_gets) : -1;
	m->m_prev_gets = gets;
	m->m_prev_hits = hits;
	top_hist_add(m, &pt);
}

/* ---- a stored run */

/*
 * top_q: prepare sql on run's database with ?1 the run's id and, when
 * the statement has it, ?2 = v.
 * => the statement, or NULL after reporting.
 */
static sqlite3_stmt *
top_q(const struct top_run *run, const char *sql, int64_t v)
{
	sqlite3_stmt *st;

	if ((st = util_db_prepare(run->r_db, run->r_path, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, run->r_id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, v);
	return st;
}

/* top_u64: column i as a figure, TOP_NONE for NULL. */
static uint64_t
top_u64(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return TOP_NONE;
	return (uint64_t)sqlite3_column_int64(st, i);
}

/* top_done: util_db_done of st after its last step rc.  => 0 or -1. */
static int
top_done(const struct top_run *run, sqlite3_stmt *st, int rc)
{
	return util_db_done(run->r_db, run->r_path, st, rc);
}

int
top_run_open(struct top_run *run, struct kml_db *db, const char *path,
    int64_t id)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	memset(run, 0, sizeof(*run));
	run->r_db = db;
	run->r_path = path;
	run->r_id = id;
	if (util_db_find_run(db, path, id) != 0)
		return -1;
	if ((st = top_q(run, "SELECT status, policy, cpus, virtual_ns, "
	    "replayed FROM runs WHERE id = ?1", 0)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		top_copy(run->r_status, sizeof(run->r_status),
		    util_db_text(st, 0, "-"));
		top_copy(run->r_policy, sizeof(run->r_policy),
		    util_db_text(st, 1, "-"));
		run->r_cpus = (unsigned)sqlite3_column_int(st, 2);
		run->r_vend = top_u64(st, 3);
		run->r_events = top_u64(st, 4);
		rc = sqlite3_step(st);
	}
	if (top_done(run, st, rc) != 0)
		return -1;
	run->r_summary = strcmp(run->r_status, "completed") == 0 ||
	    strcmp(run->r_status, "deadlock") == 0;

	if ((st = top_q(run, "SELECT vtime, events FROM samples "
	    "WHERE run_id = ?1 ORDER BY vtime", 0)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (run->r_ntimes == cap) {
			cap = cap == 0 ? 256 : 2 * cap;
			run->r_times = xreallocarray(run->r_times, cap,
			    sizeof(*run->r_times));
			run->r_tevents = xreallocarray(run->r_tevents, cap,
			    sizeof(*run->r_tevents));
		}
		run->r_times[run->r_ntimes] = top_u64(st, 0);
		run->r_tevents[run->r_ntimes++] = top_u64(st, 1);
	}
	if (top_done(run, st, rc) != 0) {
		top_run_close(run);
		return -1;
	}
	if (run->r_vend == TOP_NONE)
		run->r_vend = run->r_ntimes > 0 ?
		    run->r_times[run->r_ntimes - 1] : 0;
	return 0;
}

void
top_run_close(struct top_run *run)
{
	free(run->r_times);
	free(run->r_tevents);
	run->r_times = run->r_tevents = NULL;
	run->r_ntimes = 0;
}

long
top_run_sample_at(const struct top_run *run, uint64_t vtime)
{
	size_t lo = 0, hi = run->r_ntimes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (run->r_times[mid] <= vtime)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* top_times: n * per (figures of top_u64), TOP_NONE when either is. */
static uint64_t
top_times(uint64_t n, uint64_t per)
{
	return n == TOP_NONE || per == TOP_NONE ? TOP_NONE : n * per;
}

/*
 * top_load_caches: the caches of run into m's: the caches table (end),
 * or the cache_samples at vtime with the caches table's static figures
 * when the run has it.  Both queries give the same columns; a sample
 * has no allocs, frees, fails or depot hits (NULL).
 * => 0, or -1 after reporting.
 */
static int
top_load_caches(struct top_model *m, const struct top_run *run, bool end,
    uint64_t vtime)
{
	sqlite3_stmt *st;
	int rc;

	st = end ? top_q(run, "SELECT name, objsize, inuse, pages, "
	    "pool_itemsperpage, pool_pagesize, allocs, frees, fails, "
	    "cpu_gets, cpu_hits, cpu_misses, depot_get_hits, magsize, "
	    "cpu_cached + depot_cached FROM caches WHERE run_id = ?1 "
	    "ORDER BY idx", 0) :
	    top_q(run, "SELECT s.name, c.objsize, s.inuse, s.pages, "
	    "c.pool_itemsperpage, c.pool_pagesize, NULL, NULL, NULL, "
	    "s.hits + s.misses, s.hits, s.misses, NULL, s.magsize, s.cached "
	    "FROM cache_samples s LEFT JOIN caches c "
	    "ON c.run_id = s.run_id AND c.name = s.name "
	    "WHERE s.run_id = ?1 AND s.vtime = ?2 ORDER BY s.rowid",
	    (int64_t)vtime);
	if (st == NULL)
		return -1;
	m->m_ncaches = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct top_cache *c;

		m->m_caches = top_grow(m->m_caches, m->m_ncaches,
		    &m->m_capcaches, sizeof(*m->m_caches));
		c = &m->m_caches[m->m_ncaches++];
		memset(c, 0, sizeof(*c));
		top_copy(c->c_name, sizeof(c->c_name), util_db_text(st, 0, ""));
		c->c_size = top_u64(st, 1);
		c->c_inuse = top_u64(st, 2);
		c->c_pages = top_u64(st, 3);
		c->c_total = top_times(c->c_pages, top_u64(st, 4));
		c->c_memory = top_times(c->c_pages, top_u64(st, 5));
		c->c_allocs = top_u64(st, 6);
		c->c_frees = top_u64(st, 7);
		c->c_fails = top_u64(st, 8);
		c->c_gets = top_u64(st, 9);
		c->c_hits = top_u64(st, 10);
		c->c_misses = top_u64(st, 11);
		c->c_dhits = top_u64(st, 12);
		c->c_mag = top_u64(st, 13);
		c->c_cached = top_u64(st, 14);
	}
	return top_done(run, st, rc);
}

/* top_zero_cpus: n CPUs in m, every figure 0. */
static void
top_zero_cpus(struct top_model *m, unsigned n)
{
	m->m_cpus = xreallocarray(m->m_cpus, n + 1, sizeof(*m->m_cpus));
	m->m_ncpus = n;
	memset(m->m_cpus, 0, (n + 1) * sizeof(*m->m_cpus));
}

/*
 * top_load_cpus: the CPUs of run into m: the cpus table (end) or the
 * cpu_samples at vtime.  => 0, or -1.
 */
static int
top_load_cpus(struct top_model *m, const struct top_run *run, bool end,
    uint64_t vtime)
{
	sqlite3_stmt *st;
	int rc;

	top_zero_cpus(m, run->r_cpus);
	st = end ? top_q(run, "SELECT cpu, events, busy_ns, lock_wait_ns, "
	    "gets, hits, cached FROM cpus WHERE run_id = ?1", 0) :
	    top_q(run, "SELECT cpu, events, busy_ns, lock_wait_ns, "
	    "hits + misses, hits, cached FROM cpu_samples "
	    "WHERE run_id = ?1 AND vtime = ?2", (int64_t)vtime);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned cpu = (unsigned)sqlite3_column_int(st, 0);
		struct top_cpu *u;

		if (cpu >= m->m_ncpus)
			continue;
		u = &m->m_cpus[cpu];
		u->u_events = top_u64(st, 1);
		u->u_busy_ns = top_u64(st, 2);
		u->u_lock_ns = top_u64(st, 3);
		u->u_gets = top_u64(st, 4);
		u->u_hits = top_u64(st, 5);
		u->u_cached = top_u64(st, 6);
	}
	return top_done(run, st, rc);
}

/*
 * top_load_arenas: the arenas of run into m: the arenas table (end) or
 * the arena_samples at vtime (import sources from the arenas table when
 * the run has it).  => 0, or -1.
 */
static int
top_load_arenas(struct top_model *m, const struct top_run *run, bool end,
    uint64_t vtime)
{
	sqlite3_stmt *st;
	int rc;

	st = end ? top_q(run, "SELECT name, source, inuse, total, imported, "
	    "free_segs, largest_free FROM arenas WHERE run_id = ?1 "
	    "ORDER BY idx", 0) :
	    top_q(run, "SELECT s.name, a.source, s.inuse, s.total, "
	    "s.imported, s.free_segs, s.largest_free FROM arena_samples s "
	    "LEFT JOIN arenas a ON a.run_id = s.run_id AND a.name = s.name "
	    "WHERE s.run_id = ?1 AND s.vtime = ?2 ORDER BY s.rowid",
	    (int64_t)vtime);
	if (st == NULL)
		return -1;
	m->m_narenas = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct top_arena *a;

		m->m_arenas = top_grow(m->m_arenas, m->m_narenas,
		    &m->m_caparenas, sizeof(*m->m_arenas));
		a = &m->m_arenas[m->m_narenas++];
		memset(a, 0, sizeof(*a));
		top_copy(a->a_name, sizeof(a->a_name), util_db_text(st, 0, ""));
		top_copy(a->a_source, sizeof(a->a_source),
		    util_db_text(st, 1, ""));
		a->a_inuse = top_u64(st, 2);
		a->a_total = top_u64(st, 3);
		a->a_imported = top_u64(st, 4);
		a->a_free_segs = top_u64(st, 5);
		a->a_largest = top_u64(st, 6);
		a->a_frag = vmem_frag(a->a_total, a->a_inuse, a->a_largest);
	}
	top_depths(m);
	return top_done(run, st, rc);
}

/* top_load_sites: the sites table of run into m.  => 0, or -1. */
static int
top_load_sites(struct top_model *m, const struct top_run *run)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = top_q(run, "SELECT site, allocs, frees, bytes_alloc, "
	    "live, live_bytes FROM sites WHERE run_id = ?1 ORDER BY idx",
	    0)) == NULL)
		return -1;
	m->m_nsites = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct top_site *t;

		m->m_sites = top_grow(m->m_sites, m->m_nsites,
		    &m->m_capsites, sizeof(*m->m_sites));
		t = &m->m_sites[m->m_nsites++];
		top_copy(t->s_site, sizeof(t->s_site), util_db_text(st, 0, ""));
		t->s_allocs = top_u64(st, 1);
		t->s_frees = top_u64(st, 2);
		t->s_bytes = top_u64(st, 3);
		t->s_live = top_u64(st, 4);
		t->s_live_bytes = top_u64(st, 5);
	}
	m->m_sites_known = true;
	return top_done(run, st, rc);
}

/* top_kind: the anomaly kind named name, KML_AN_COUNT if none. */
static unsigned
top_kind(const char *name)
{
	for (unsigned k = 0; k < KML_AN_COUNT; k++)
		if (strcmp(kml_anomaly_name(k), name) == 0)
			return k;
	return KML_AN_COUNT;
}

/*
 * top_load_anomalies: the anomalies of run up to event events (all at
 * the end, with the counts of anomaly_counts).  => 0, or -1.
 */
static int
top_load_anomalies(struct top_model *m, const struct top_run *run, bool end,
    uint64_t events)
{
	struct kml_anomaly an;
	sqlite3_stmt *st;
	int64_t upto = end || events == TOP_NONE ? INT64_MAX : (int64_t)events;
	int rc;

	memset(m->m_counts, 0, sizeof(m->m_counts));
	m->m_nanoms = 0;
	st = end ? top_q(run, "SELECT kind, count FROM anomaly_counts "
	    "WHERE run_id = ?1", 0) :
	    top_q(run, "SELECT kind, count(*) FROM anomalies "
	    "WHERE run_id = ?1 AND event <= ?2 GROUP BY kind", upto);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned k = top_kind(util_db_text(st, 0, ""));

		if (k < KML_AN_COUNT)
			m->m_counts[k] = top_u64(st, 1);
	}
	if (top_done(run, st, rc) != 0)
		return -1;
	/* The latest TOP_ANOMALIES, added oldest first. */
	if ((st = top_q(run, "SELECT event, kind, cpu, tid, size, detail FROM "
	    "(SELECT rowid AS r, * FROM anomalies WHERE run_id = ?1 AND "
	    "event <= ?2 ORDER BY event DESC, rowid DESC LIMIT 256) "
	    "ORDER BY event, r", upto)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&an, 0, sizeof(an));
		an.an_event = top_u64(st, 0);
		an.an_kind = top_kind(util_db_text(st, 1, ""));
		an.an_cpu = (uint32_t)sqlite3_column_int(st, 2);
		an.an_tid = (uint32_t)sqlite3_column_int(st, 3);
		an.an_size = top_u64(st, 4);
		an.an_detail = util_db_text(st, 5, "");
		top_model_anomaly(m, &an);
	}
	return top_done(run, st, rc);
}

/* top_load_history: the samples of run up to vtime.  => 0, or -1. */
static int
top_load_history(struct top_model *m, const struct top_run *run,
    uint64_t vtime)
{
	struct top_point pt;
	sqlite3_stmt *st;
	int rc;

	m->m_nhist = 0;
	m->m_hist_step = 0;
	if ((st = top_q(run, "SELECT vtime, inuse_bytes, cached_objects, "
	    "frag, cpu_hit_rate FROM samples WHERE run_id = ?1 AND "
	    "vtime <= ?2 ORDER BY vtime", (int64_t)vtime)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		pt.p_vtime = top_u64(st, 0);
		pt.p_inuse = top_u64(st, 1);
		pt.p_cached = top_u64(st, 2);
		pt.p_frag = sqlite3_column_double(st, 3);
		pt.p_hit = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 :
		    sqlite3_column_double(st, 4);
		top_hist_add(m, &pt);
	}
	return top_done(run, st, rc);
}

/* top_load_end: the header's figures at the end of run.  => 0, or -1. */
static int
top_load_end(struct top_model *m, const struct top_run *run)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = top_q(run, "SELECT events, replayed, fails, bytes_alloc, "
	    "bytes_freed FROM runs WHERE id = ?1", 0)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t alloc = top_u64(st, 3), freed = top_u64(st, 4);

		m->m_events = top_u64(st, 0);
		m->m_replayed = top_u64(st, 1);
		m->m_fails = top_u64(st, 2);
		m->m_inuse = alloc != TOP_NONE && freed != TOP_NONE &&
		    alloc >= freed ? alloc - freed : TOP_NONE;
		rc = sqlite3_step(st);
	}
	return top_done(run, st, rc);
}

/*
 * top_load_at: m's caches and CPUs at sample k of run (end: the summary
 * tables), and the header's figures.  => 0, or -1.
 */
static int
top_load_at(struct top_model *m, const struct top_run *run, long k, bool end)
{
	uint64_t t = k >= 0 ? run->r_times[k] : 0;

	if (end) {
		m->m_vtime = run->r_vend;
		if (top_load_caches(m, run, true, 0) != 0 ||
		    top_load_cpus(m, run, true, 0) != 0 ||
		    top_load_end(m, run) != 0)
			return -1;
		return 0;
	}
	m->m_vtime = t;
	m->m_replayed = m->m_events = k >= 0 ? run->r_tevents[k] : 0;
	m->m_fails = TOP_NONE;
	m->m_inuse = TOP_NONE;
	if (k < 0) {
		/* Before the first sample: nothing yet. */
		m->m_ncaches = 0;
		top_zero_cpus(m, run->r_cpus);
		return 0;
	}
	if (top_load_caches(m, run, false, t) != 0 ||
	    top_load_cpus(m, run, false, t) != 0)
		return -1;
	return 0;
}

int
top_model_load(struct top_model *m, const struct top_run *run, uint64_t vtime)
{
	bool end = run->r_summary && vtime >= run->r_vend;
	long k = top_run_sample_at(run, vtime);

	/* The snapshot before, for the rates. */
	m->m_have_prev = false;
	if (end ? k >= 0 : k >= 1) {
		if (top_load_at(m, run, end ? k : k - 1, false) != 0)
			return -1;
		top_keep_prev(m);
	}
	if (top_load_at(m, run, k, end) != 0)
		return -1;
	m->m_total_events = run->r_events;
	top_rates(m);
	if (top_load_arenas(m, run, end, k >= 0 ? run->r_times[k] : 0) != 0)
		return -1;
	m->m_nsites = 0;
	m->m_sites_known = false;
	if (end && top_load_sites(m, run) != 0)
		return -1;
	if (top_load_anomalies(m, run, end, end ? TOP_NONE :
	    m->m_replayed) != 0)
		return -1;
	if (top_load_history(m, run, end ? UINT64_MAX / 2 :
	    (k >= 0 ? run->r_times[k] : 0)) != 0)
		return -1;
	if (!end && m->m_nhist > 0)
		m->m_inuse = m->m_hist[m->m_nhist - 1].p_inuse;
	return 0;
}

/* ---- views */

/* top_cache_fig: the figure of column col of c, for sorting. */
static double
top_cache_fig(const struct top_cache *c, unsigned col)
{
	uint64_t v;

	switch (col) {
	case TOP_C_SIZE: v = c->c_size; break;
	case TOP_C_INUSE: v = c->c_inuse; break;
	case TOP_C_TOTAL: v = c->c_total; break;
	case TOP_C_PAGES: v = c->c_pages; break;
	case TOP_C_ARATE: return c->c_arate;
	case TOP_C_FRATE: return c->c_frate;
	case TOP_C_FAILS: v = c->c_fails; break;
	case TOP_C_CPUHIT:
		return c->c_gets == 0 || c->c_gets == TOP_NONE ? -1 :
		    (double)c->c_hits / (double)c->c_gets;
	case TOP_C_DEPOTHIT:
		return c->c_misses == 0 || c->c_misses == TOP_NONE ||
		    c->c_dhits == TOP_NONE ? -1 :
		    (double)c->c_dhits / (double)c->c_misses;
	case TOP_C_MAG: v = c->c_mag; break;
	case TOP_C_MEMORY: v = c->c_memory; break;
	default: return 0;
	}
	return v == TOP_NONE ? -1 : (double)v;
}

/*
 * top_cache_cmp_col: compare caches a and b by column col for sorting:
 * names ascending, figures descending (TOP_NONE last), ties by name.
 * => <0, 0, >0 as strcmp.
 */
static int
top_cache_cmp_col(const struct top_cache *a, const struct top_cache *b,
    unsigned col)
{
	double fa, fb;

	if (col != TOP_C_NAME) {
		fa = top_cache_fig(a, col);
		fb = top_cache_fig(b, col);
		if (fa != fb)
			return fa > fb ? -1 : 1;
	}
	return strcmp(a->c_name, b->c_name);
}

/* What the sort comparators need. */
struct top_sortctx {
	const struct top_model *s_m;
	unsigned s_col;
	bool s_rev;
};

/* top_cmp_idx: qsort_r comparator of cache indexes. */
static int
top_cmp_idx(const void *pa, const void *pb, void *arg)
{
	const struct top_sortctx *x = arg;
	const struct top_cache *a = &x->s_m->m_caches[*(const size_t *)pa];
	const struct top_cache *b = &x->s_m->m_caches[*(const size_t *)pb];
	int c = top_cache_cmp_col(a, b, x->s_col);

	return x->s_rev ? -c : c;
}

size_t
top_model_order(const struct top_model *m, unsigned col, bool rev,
    const char *filter, size_t *idx)
{
	struct top_sortctx x = { m, col, rev };
	size_t n = 0;

	for (size_t i = 0; i < m->m_ncaches; i++)
		if (filter == NULL || filter[0] == '\0' ||
		    strstr(m->m_caches[i].c_name, filter) != NULL)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), top_cmp_idx, &x);
	return n;
}

/* top_cmp_site: qsort_r comparator of site indexes (arg: by live). */
static int
top_cmp_site(const void *pa, const void *pb, void *arg)
{
	const struct top_model *m = ((const struct top_sortctx *)arg)->s_m;
	bool live = ((const struct top_sortctx *)arg)->s_rev;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	uint64_t a = live ? m->m_sites[ia].s_live : m->m_sites[ia].s_bytes;
	uint64_t b = live ? m->m_sites[ib].s_live : m->m_sites[ib].s_bytes;

	if (a != b)
		return a > b ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

size_t
top_model_sites_order(const struct top_model *m, bool by_live, size_t *idx)
{
	struct top_sortctx x = { m, 0, by_live };

	for (size_t i = 0; i < m->m_nsites; i++)
		idx[i] = i;
	qsort_r(idx, m->m_nsites, sizeof(*idx), top_cmp_site, &x);
	return m->m_nsites;
}
