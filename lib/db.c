/*
 * lib/db.c: the results database (see kmemlab/db.h and kmemlab-db(5)).
 *
 * ---- 1. Schema and migrations
 *
 * The schema is plain SQL text, one string per version step: db_migrations
 * is a table of steps, step i taking a database from user_version
 * dm_from to dm_from + 1.  Opening a database reads PRAGMA user_version:
 * a newer version than KML_DB_VERSION is refused; an older one is brought
 * up to date by running every step from it on, then setting user_version,
 * in one BEGIN IMMEDIATE transaction (the version is read again inside the
 * transaction, so two processes opening the same old file migrate it
 * once).  A step that fails rolls the whole migration back.  A brand new
 * file has version 0 and the 0 -> 1 step creates the schema.
 *
 * Columns that hold allocator statistics are named after the statistics'
 * name tables (kml_statdesc): the INSERT statements are built from those
 * tables when the database is opened, so a counter added to a statistics
 * struct without a schema step makes kml_db_open fail ("table caches has
 * no column named ...") instead of being dropped silently.
 *
 * ---- 2. Writing
 *
 * Rows are built in memory as arrays of values (struct db_val) in a
 * per-table buffer (struct db_tab) and written by the table's prepared
 * INSERT.  The hooks' tables (anomalies and the four sample tables) are
 * flushed together in one BEGIN IMMEDIATE transaction whenever they hold
 * DB_BATCH rows, and at the end of a run; the summary tables of a run are
 * filled and written with the final runs fields in one transaction.  No
 * write transaction is ever held between two calls, so other processes
 * (parallel runs, `kmemlab sql`) can write the same file.
 *
 * A sample taken at the same replay clock as the last one (the replay
 * catching up several sample points at once) repeats the last one's rows
 * of the stack's caches, arenas and CPUs with its own time instead of
 * walking the stack again.
 *
 * The hooks cannot return an error: a failed flush makes the error sticky
 * (db_fail); the hooks' later rows are dropped, and the next call that can
 * return an error (run_end, run_abandon, close) returns it.
 *
 * ---- 3. Errors
 *
 * Every message is "PATH: what", PATH as given to kml_db_open, "what"
 * being SQLite's message ("database is locked", "unable to open database
 * file") or our own.  Out of memory is a panic, as elsewhere in the
 * library.
 */
#include "config.h"

#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include <kmemlab/db.h>
#include <kmemlab/env.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/replay.h>
#include <kmemlab/stat.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#define DB_BATCH	4096	/* hook rows buffered before a flush */
#define DB_BUSY_MS	2000	/* busy timeout, ms */

/* ---- the schema, version 1 */

#define DB_FK	" REFERENCES runs(id) ON DELETE CASCADE"

static const char db_schema_1[] =
"CREATE TABLE runs (\n"
"  id INTEGER PRIMARY KEY,\n"
"  started_at TEXT NOT NULL,\n"
"  ended_at TEXT,\n"
"  trace TEXT NOT NULL,\n"
"  trace_sha256 TEXT,\n"
"  policy TEXT NOT NULL,\n"
"  config TEXT NOT NULL,\n"
"  cpus INTEGER NOT NULL,\n"
"  timing TEXT NOT NULL,\n"
"  seed INTEGER NOT NULL,\n"
"  version TEXT NOT NULL,\n"
"  status TEXT NOT NULL CHECK (status IN ('running', 'completed',"
" 'deadlock', 'failed', 'interrupted')),\n"
"  message TEXT,\n"
"  events INTEGER,\n"
"  replayed INTEGER,\n"
"  skipped_pages INTEGER,\n"
"  fails INTEGER,\n"
"  sleeps INTEGER,\n"
"  bytes_req INTEGER,\n"
"  bytes_alloc INTEGER,\n"
"  bytes_freed INTEGER,\n"
"  virtual_ns INTEGER,\n"
"  wall_seconds REAL\n"
");\n"
"CREATE INDEX runs_status ON runs(status);\n"
"CREATE TABLE caches (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  idx INTEGER NOT NULL, name TEXT NOT NULL, layer TEXT NOT NULL"
" CHECK (layer IN ('kmem', 'slab', 'pool', 'qcache')),\n"
"  objsize INTEGER, allocs INTEGER, frees INTEGER, inuse INTEGER,"
" peak_inuse INTEGER, pages INTEGER, depot_hits INTEGER,"
" depot_misses INTEGER, contention INTEGER,\n"
"  cpu_gets INTEGER, cpu_hits INTEGER, cpu_misses INTEGER,"
" cpu_puts INTEGER, cpu_put_hits INTEGER, cpu_put_misses INTEGER,"
" cpu_cached INTEGER,\n"
"  depot_get_hits INTEGER, depot_get_misses INTEGER,"
" depot_put_hits INTEGER, depot_put_misses INTEGER, depot_full INTEGER,"
" depot_empty INTEGER, depot_cached INTEGER, depot_contended INTEGER,"
" depot_wait_ns INTEGER,\n"
"  pool_gets INTEGER, pool_puts INTEGER, ctor_calls INTEGER,"
" ctor_fails INTEGER, dtor_calls INTEGER, fails INTEGER,\n"
"  magsize INTEGER, mag_allocs INTEGER, resizes INTEGER, trims INTEGER,"
" invalidations INTEGER, errors INTEGER,\n"
"  pool_size INTEGER, pool_nget INTEGER, pool_nfail INTEGER,"
" pool_nput INTEGER, pool_inuse INTEGER, pool_avail INTEGER,"
" pool_npagealloc INTEGER, pool_npagefree INTEGER, pool_npages INTEGER,"
" pool_hiwat INTEGER, pool_minpages INTEGER, pool_maxpages INTEGER,"
" pool_nidle INTEGER, pool_itemsperpage INTEGER, pool_pagesize INTEGER,"
" pool_hardlimit INTEGER, pool_utilization INTEGER, pool_waits INTEGER,"
" pool_limit_hits INTEGER, pool_drains INTEGER, pool_errors INTEGER\n"
");\n"
"CREATE INDEX caches_run ON caches(run_id);\n"
"CREATE TABLE arenas (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  idx INTEGER NOT NULL, name TEXT NOT NULL, source TEXT,"
" quantum INTEGER NOT NULL,\n"
"  inuse INTEGER, total INTEGER, imported INTEGER, busy_segs INTEGER,"
" free_segs INTEGER, spans INTEGER, largest_free INTEGER,"
" hash_size INTEGER, hash_maxchain INTEGER, waiters INTEGER,\n"
"  allocs INTEGER, frees INTEGER, fails INTEGER, waits INTEGER,"
" imports INTEGER, releases INTEGER, searches INTEGER,"
" bitmap_lookups INTEGER, hash_lookups INTEGER, hash_steps INTEGER,"
" rehashes INTEGER, splits INTEGER, coalesces INTEGER, errors INTEGER\n"
");\n"
"CREATE INDEX arenas_run ON arenas(run_id);\n"
"CREATE TABLE cpus (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  cpu INTEGER NOT NULL, events INTEGER, busy_ns INTEGER,"
" idle_ns INTEGER, lock_wait_ns INTEGER, cross_frees INTEGER,\n"
"  gets INTEGER, hits INTEGER, misses INTEGER, puts INTEGER,"
" put_hits INTEGER, put_misses INTEGER, cached INTEGER\n"
");\n"
"CREATE INDEX cpus_run ON cpus(run_id);\n"
"CREATE TABLE locks (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  kind TEXT NOT NULL, name TEXT NOT NULL, acquisitions INTEGER,"
" contended INTEGER, wait_ns INTEGER, max_wait_ns INTEGER,"
" hold_ns INTEGER\n"
");\n"
"CREATE INDEX locks_run ON locks(run_id);\n"
"CREATE TABLE sites (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  idx INTEGER NOT NULL, site TEXT NOT NULL, allocs INTEGER,"
" frees INTEGER, fails INTEGER, bytes_req INTEGER, bytes_alloc INTEGER,"
" live INTEGER, live_bytes INTEGER\n"
");\n"
"CREATE INDEX sites_run ON sites(run_id);\n"
"CREATE TABLE uvm (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  physpages INTEGER, freepages INTEGER, wiredpages INTEGER,"
" rawpages INTEGER, pageable INTEGER, lowat INTEGER, hiwat INTEGER,"
" waiters INTEGER, km_allocs INTEGER, km_frees INTEGER,"
" km_fails INTEGER, page_allocs INTEGER, page_frees INTEGER,"
" page_fails INTEGER, waits INTEGER, pagedaemon_runs INTEGER,"
" reclaimed INTEGER, errors INTEGER\n"
");\n"
"CREATE INDEX uvm_run ON uvm(run_id);\n"
"CREATE TABLE kmem (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  allocs INTEGER, frees INTEGER, fails INTEGER, inuse INTEGER,"
" inuse_peak INTEGER, live INTEGER, large_allocs INTEGER,"
" large_inuse INTEGER, intr_allocs INTEGER, errors INTEGER\n"
");\n"
"CREATE INDEX kmem_run ON kmem(run_id);\n"
"CREATE TABLE anomaly_counts (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  kind TEXT NOT NULL, count INTEGER NOT NULL\n"
");\n"
"CREATE INDEX anomaly_counts_run ON anomaly_counts(run_id);\n"
"CREATE TABLE anomalies (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  event INTEGER NOT NULL, ts INTEGER, cpu INTEGER, tid INTEGER,"
" kind TEXT NOT NULL, ptr TEXT, size INTEGER, detail TEXT\n"
");\n"
"CREATE INDEX anomalies_run ON anomalies(run_id);\n"
"CREATE TABLE samples (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  vtime INTEGER NOT NULL, events INTEGER, inuse_bytes INTEGER,"
" wired_pages INTEGER, free_pages INTEGER, cached_objects INTEGER,"
" frag REAL, cpu_hit_rate REAL\n"
");\n"
"CREATE INDEX samples_run ON samples(run_id, vtime);\n"
"CREATE TABLE cache_samples (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  vtime INTEGER NOT NULL, name TEXT NOT NULL, inuse INTEGER,"
" cached INTEGER, pages INTEGER, magsize INTEGER, hits INTEGER,"
" misses INTEGER, contended INTEGER\n"
");\n"
"CREATE INDEX cache_samples_run ON cache_samples(run_id, vtime);\n"
"CREATE TABLE arena_samples (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  vtime INTEGER NOT NULL, name TEXT NOT NULL, inuse INTEGER,"
" total INTEGER, imported INTEGER, free_segs INTEGER,"
" largest_free INTEGER, frag REAL\n"
");\n"
"CREATE INDEX arena_samples_run ON arena_samples(run_id, vtime);\n"
"CREATE TABLE cpu_samples (\n"
"  run_id INTEGER NOT NULL" DB_FK ",\n"
"  vtime INTEGER NOT NULL, cpu INTEGER NOT NULL, events INTEGER,"
" busy_ns INTEGER, idle_ns INTEGER, lock_wait_ns INTEGER, hits INTEGER,"
" misses INTEGER, cached INTEGER\n"
");\n"
"CREATE INDEX cpu_samples_run ON cpu_samples(run_id, vtime);\n"
"CREATE VIEW v_run_summary AS SELECT r.id AS run_id, r.status,"
" r.started_at, r.trace, r.policy, r.cpus, r.timing, r.events,"
" r.virtual_ns, r.wall_seconds,"
" r.events / NULLIF(r.wall_seconds, 0) AS events_per_second, r.fails,"
" (SELECT sum(count) FROM anomaly_counts a WHERE a.run_id = r.id)"
" AS anomalies,"
" (SELECT max(inuse_bytes) FROM samples s WHERE s.run_id = r.id)"
" AS peak_inuse_bytes,"
" (SELECT sum(contended) FROM locks l WHERE l.run_id = r.id)"
" AS lock_contended,"
" (SELECT sum(wait_ns) FROM locks l WHERE l.run_id = r.id)"
" AS lock_wait_ns"
" FROM runs r;\n"
"CREATE VIEW v_cache_hit_rates AS SELECT run_id, name, layer, objsize,"
" cpu_gets, cpu_hits, cpu_misses,"
" round(100.0 * cpu_hits / NULLIF(cpu_gets, 0), 2) AS cpu_hit_pct,"
" depot_get_hits, depot_get_misses,"
" round(100.0 * depot_get_hits / NULLIF(depot_get_hits +"
" depot_get_misses, 0), 2) AS depot_hit_pct,"
" depot_contended, depot_wait_ns, magsize"
" FROM caches;\n"
"CREATE VIEW v_top_sites AS SELECT run_id,"
" rank() OVER (PARTITION BY run_id ORDER BY bytes_alloc DESC) AS rank,"
" site, allocs, frees, fails, bytes_req, bytes_alloc,"
" bytes_alloc - bytes_req AS waste, live, live_bytes"
" FROM sites;\n"
"CREATE VIEW v_lock_contention AS SELECT run_id, kind, name,"
" acquisitions, contended,"
" round(100.0 * contended / NULLIF(acquisitions, 0), 2)"
" AS contended_pct, wait_ns, max_wait_ns, hold_ns"
" FROM locks WHERE contended > 0;\n"
"CREATE VIEW v_arena_frag AS SELECT run_id, name, source, total, inuse,"
" total - inuse AS free, largest_free,"
" round(1.0 - 1.0 * largest_free / NULLIF(total - inuse, 0), 4) AS frag"
" FROM arenas;\n";

/* One step of the schema: from user_version dm_from to dm_from + 1. */
struct db_migration {
	int dm_from;
	const char *dm_what;		/* for error messages */
	const char *dm_sql;
};

static const struct db_migration db_migrations[] = {
	{ 0, "create the schema", db_schema_1 },
};

/* ---- buffered tables */

enum db_vtype { DBV_NULL = 0, DBV_INT, DBV_REAL, DBV_TEXT };

/* One value of a row. */
struct db_val {
	enum db_vtype v_type;
	union {
		int64_t i;
		double d;
		char *s;		/* owned, freed at flush */
	} v_u;
};

/* A group of statistics columns: every entry of a name table, prefixed. */
struct db_statcols {
	const struct kml_statdesc *sc_desc;
	const size_t *sc_n;
	const char *sc_prefix;		/* "" or "pool_" */
};

/* What a buffered table holds: fixed columns, then statistics groups. */
struct db_tabspec {
	const char *ts_name;
	const char *const *ts_cols;	/* NULL-terminated */
	struct db_statcols ts_stats[2];	/* sc_desc NULL: unused */
};

enum db_tabid {
	/* the hooks' tables */
	DB_T_ANOMALIES, DB_T_SAMPLES, DB_T_CACHE_SAMPLES, DB_T_ARENA_SAMPLES,
	DB_T_CPU_SAMPLES,
	/* the summary tables */
	DB_T_CACHES, DB_T_ARENAS, DB_T_CPUS, DB_T_LOCKS, DB_T_SITES, DB_T_UVM,
	DB_T_KMEM, DB_T_ANOMALY_COUNTS,
	DB_T_NTABS
};
#define DB_T_NHOOK	(DB_T_CPU_SAMPLES + 1)
#define DB_NWALKED	3	/* sample tables filled by walking the stack */

static const char *const db_cols_anomalies[] = { "run_id", "event", "ts",
	"cpu", "tid", "kind", "ptr", "size", "detail", NULL };
static const char *const db_cols_samples[] = { "run_id", "vtime", "events",
	"inuse_bytes", "wired_pages", "free_pages", "cached_objects", "frag",
	"cpu_hit_rate", NULL };
static const char *const db_cols_cache_samples[] = { "run_id", "vtime",
	"name", "inuse", "cached", "pages", "magsize", "hits", "misses",
	"contended", NULL };
static const char *const db_cols_arena_samples[] = { "run_id", "vtime",
	"name", "inuse", "total", "imported", "free_segs", "largest_free",
	"frag", NULL };
static const char *const db_cols_cpu_samples[] = { "run_id", "vtime", "cpu",
	"events", "busy_ns", "idle_ns", "lock_wait_ns", "hits", "misses",
	"cached", NULL };
static const char *const db_cols_caches[] = { "run_id", "idx", "name",
	"layer", "objsize", "allocs", "frees", "inuse", "peak_inuse", "pages",
	"depot_hits", "depot_misses", "contention", NULL };
static const char *const db_cols_arenas[] = { "run_id", "idx", "name",
	"source", "quantum", NULL };
static const char *const db_cols_cpus[] = { "run_id", "cpu", "events",
	"busy_ns", "idle_ns", "lock_wait_ns", "cross_frees", "gets", "hits",
	"misses", "puts", "put_hits", "put_misses", "cached", NULL };
static const char *const db_cols_locks[] = { "run_id", "kind", "name",
	"acquisitions", "contended", "wait_ns", "max_wait_ns", "hold_ns", NULL };
static const char *const db_cols_sites[] = { "run_id", "idx", "site",
	"allocs", "frees", "fails", "bytes_req", "bytes_alloc", "live",
	"live_bytes", NULL };
static const char *const db_cols_run_id[] = { "run_id", NULL };
static const char *const db_cols_anomaly_counts[] = { "run_id", "kind",
	"count", NULL };

static const struct db_tabspec db_tabspecs[DB_T_NTABS] = {
	[DB_T_ANOMALIES] = { "anomalies", db_cols_anomalies, { { NULL } } },
	[DB_T_SAMPLES] = { "samples", db_cols_samples, { { NULL } } },
	[DB_T_CACHE_SAMPLES] = { "cache_samples", db_cols_cache_samples,
	    { { NULL } } },
	[DB_T_ARENA_SAMPLES] = { "arena_samples", db_cols_arena_samples,
	    { { NULL } } },
	[DB_T_CPU_SAMPLES] = { "cpu_samples", db_cols_cpu_samples,
	    { { NULL } } },
	[DB_T_CACHES] = { "caches", db_cols_caches,
	    { { pool_cache_statdesc, &pool_cache_nstatdesc, "" },
	      { pool_statdesc, &pool_nstatdesc, "pool_" } } },
	[DB_T_ARENAS] = { "arenas", db_cols_arenas,
	    { { vmem_statdesc, &vmem_nstatdesc, "" } } },
	[DB_T_CPUS] = { "cpus", db_cols_cpus, { { NULL } } },
	[DB_T_LOCKS] = { "locks", db_cols_locks, { { NULL } } },
	[DB_T_SITES] = { "sites", db_cols_sites, { { NULL } } },
	[DB_T_UVM] = { "uvm", db_cols_run_id,
	    { { uvm_statdesc, &uvm_nstatdesc, "" } } },
	[DB_T_KMEM] = { "kmem", db_cols_run_id,
	    { { kmem_statdesc, &kmem_nstatdesc, "" } } },
	[DB_T_ANOMALY_COUNTS] = { "anomaly_counts", db_cols_anomaly_counts,
	    { { NULL } } },
};

/* A table's INSERT and its buffered rows. */
struct db_tab {
	sqlite3_stmt *t_stmt;
	unsigned t_ncol;
	struct db_val *t_vals;		/* t_nrows rows of t_ncol values */
	size_t t_nrows, t_cap;		/* rows, rows allocated */
};

/* A row being filled: the next value to set. */
struct db_row {
	struct db_val *r_val;
	struct db_val *r_end;
};

struct kml_db {
	sqlite3 *d_h;
	char *d_path;			/* as given, for messages */
	struct db_tab d_tabs[DB_T_NTABS];
	sqlite3_stmt *d_run_insert;
	sqlite3_stmt *d_run_end;	/* the final runs fields */
	sqlite3_stmt *d_run_mark;	/* status and message only */
	size_t d_hookrows;		/* rows buffered in the hooks' tables */
	int64_t d_hookrun;		/* run of the hooks' rows */
	bool d_failed;			/* a hook's flush failed: d_err pending */
	char d_err[512];
	/* per-CPU sums over every cache (samples and the cpus table) */
	struct pool_cache_stats *d_cpusum;
	unsigned d_ncpusum;		/* entries allocated */
	/*
	 * The last sample's walked rows (caches, arenas, CPUs): the last
	 * d_again_rows[id] rows of each of their tables, while d_again_r is
	 * not NULL; for the next samples taken at the same replay clock.
	 */
	const struct kml_replay *d_again_r;
	kml_vtime_t d_again_clock;	/* kml_replay_vtime then */
	uint64_t d_again_events;	/* sa_events then */
	size_t d_again_rows[DB_T_NHOOK];
};

/* ---- helpers */

/* db_alloc: realloc; out of memory is a panic. */
static void *
db_alloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		kml_panic("db: out of memory (%zu bytes)", n);
	return q;
}

static char *
db_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(db_alloc(NULL, n), s, n);
}

/* db_err: "PATH: MSG" into errbuf. */
static void __attribute__((format(printf, 4, 5)))
db_err(const char *path, char *errbuf, size_t errlen, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errlen > 0)
		snprintf(errbuf, errlen, "%s: %s", path, msg);
}

/* db_sqlerr: "PATH: <sqlite's message>" into errbuf. */
static void
db_sqlerr(struct kml_db *db, char *errbuf, size_t errlen)
{
	db_err(db->d_path, errbuf, errlen, "%s", sqlite3_errmsg(db->d_h));
}

/* db_exec: run sql (no rows).  => 0, or -1 with errbuf. */
static int
db_exec(struct kml_db *db, const char *sql, char *errbuf, size_t errlen)
{
	if (sqlite3_exec(db->d_h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_sqlerr(db, errbuf, errlen);
		return -1;
	}
	return 0;
}

/* db_rollback: end a failed transaction (keeps the first error). */
static void
db_rollback(struct kml_db *db)
{
	if (!sqlite3_get_autocommit(db->d_h))
		(void)sqlite3_exec(db->d_h, "ROLLBACK", NULL, NULL, NULL);
}

/* db_utcnow: the time now in UTC, ISO 8601 ("2024-05-01T12:00:00Z"). */
static void
db_utcnow(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* db_i64: a counter as an SQLite integer (counters stay below 2^63). */
static int64_t
db_i64(uint64_t v)
{
	return (int64_t)v;
}

/* ---- rows */

/* db_row_new: a new row of table id, every value NULL. */
static struct db_row
db_row_new(struct kml_db *db, enum db_tabid id)
{
	struct db_tab *t = &db->d_tabs[id];
	struct db_row r;

	if (t->t_nrows == t->t_cap) {
		t->t_cap = t->t_cap ? 2 * t->t_cap : 64;
		t->t_vals = db_alloc(t->t_vals,
		    t->t_cap * t->t_ncol * sizeof(*t->t_vals));
	}
	r.r_val = &t->t_vals[t->t_nrows * t->t_ncol];
	r.r_end = r.r_val + t->t_ncol;
	memset(r.r_val, 0, t->t_ncol * sizeof(*r.r_val));
	t->t_nrows++;
	if (id < DB_T_NHOOK)
		db->d_hookrows++;
	return r;
}

static struct db_val *
db_next(struct db_row *r)
{
	KML_ASSERT(r->r_val < r->r_end);
	return r->r_val++;
}

static void
db_int(struct db_row *r, int64_t v)
{
	struct db_val *x = db_next(r);

	x->v_type = DBV_INT;
	x->v_u.i = v;
}

static void
db_u64(struct db_row *r, uint64_t v)
{
	db_int(r, db_i64(v));
}

static void
db_real(struct db_row *r, double v)
{
	struct db_val *x = db_next(r);

	x->v_type = DBV_REAL;
	x->v_u.d = v;
}

/* db_text: a copy of s, or NULL when s is NULL. */
static void
db_text(struct db_row *r, const char *s)
{
	struct db_val *x = db_next(r);

	if (s != NULL) {
		x->v_type = DBV_TEXT;
		x->v_u.s = db_strdup(s);
	}
}

/* db_stats: every value of the n-entry name table desc read from base. */
static void
db_stats(struct db_row *r, const void *base, const struct kml_statdesc *desc,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		db_u64(r, kml_stat_get(base, &desc[i]));
}

/* db_row_done: => every value of the row was set. */
static void
db_row_done(const struct db_row *r)
{
	KML_ASSERT(r->r_val == r->r_end);
}

/* db_tab_clear: drop table id's buffered rows. */
static void
db_tab_clear(struct kml_db *db, enum db_tabid id)
{
	struct db_tab *t = &db->d_tabs[id];

	for (size_t i = 0; i < t->t_nrows * t->t_ncol; i++)
		if (t->t_vals[i].v_type == DBV_TEXT)
			free(t->t_vals[i].v_u.s);
	if (id < DB_T_NHOOK) {
		db->d_hookrows -= t->t_nrows;
		db->d_again_r = NULL;
	}
	t->t_nrows = 0;
}

/* db_tabs_clear: drop the buffered rows of tables [first, last). */
static void
db_tabs_clear(struct kml_db *db, enum db_tabid first, enum db_tabid last)
{
	for (enum db_tabid id = first; id < last; id++)
		db_tab_clear(db, id);
}

/*
 * db_tab_write: insert table id's buffered rows, then drop them.
 * => inside a transaction; returns 0, or -1 with errbuf (rows dropped).
 */
static int
db_tab_write(struct kml_db *db, enum db_tabid id, char *errbuf, size_t errlen)
{
	struct db_tab *t = &db->d_tabs[id];
	int rc = 0;

	for (size_t i = 0; i < t->t_nrows && rc == 0; i++) {
		const struct db_val *v = &t->t_vals[i * t->t_ncol];

		for (unsigned c = 0; c < t->t_ncol; c++) {
			switch (v[c].v_type) {
			case DBV_NULL:
				sqlite3_bind_null(t->t_stmt, (int)c + 1);
				break;
			case DBV_INT:
				sqlite3_bind_int64(t->t_stmt, (int)c + 1,
				    v[c].v_u.i);
				break;
			case DBV_REAL:
				sqlite3_bind_double(t->t_stmt, (int)c + 1,
				    v[c].v_u.d);
				break;
			case DBV_TEXT:
				sqlite3_bind_text(t->t_stmt, (int)c + 1,
				    v[c].v_u.s, -1, SQLITE_STATIC);
				break;
			}
		}
		if (sqlite3_step(t->t_stmt) != SQLITE_DONE) {
			db_sqlerr(db, errbuf, errlen);
			rc = -1;
		}
		sqlite3_reset(t->t_stmt);
	}
	sqlite3_clear_bindings(t->t_stmt);
	db_tab_clear(db, id);
	return rc;
}

/*
 * db_write: write the buffered rows of tables [first, last) in one
 * transaction.  => 0, or -1 with errbuf (nothing written, rows dropped).
 */
static int
db_write(struct kml_db *db, enum db_tabid first, enum db_tabid last,
    char *errbuf, size_t errlen)
{
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE", errbuf, errlen);
	for (enum db_tabid id = first; id < last; id++) {
		if (rc == 0)
			rc = db_tab_write(db, id, errbuf, errlen);
		else
			db_tab_clear(db, id);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT", errbuf, errlen);
	if (rc != 0)
		db_rollback(db);
	return rc;
}

/* db_fail: make a hook's error sticky, for the next call that can return it. */
static void
db_fail(struct kml_db *db, const char *msg)
{
	if (!db->d_failed) {
		db->d_failed = true;
		snprintf(db->d_err, sizeof(db->d_err), "%s", msg);
	}
}

/*
 * db_flush_hooks: write the hooks' buffered rows.
 * => 0, or -1 with errbuf: a sticky error from a hook, or this write's.
 */
static int
db_flush_hooks(struct kml_db *db, char *errbuf, size_t errlen)
{
	if (!db->d_failed && db->d_hookrows > 0 &&
	    db_write(db, 0, DB_T_NHOOK, errbuf, errlen) != 0)
		return -1;
	if (db->d_failed) {
		db_tabs_clear(db, 0, DB_T_NHOOK);
		snprintf(errbuf, errlen, "%s", db->d_err);
		db->d_failed = false;
		return -1;
	}
	return 0;
}

/* db_hook_rows: a hook added rows: flush when a batch is full. */
static void
db_hook_rows(struct kml_db *db)
{
	char err[512];

	if (db->d_hookrows >= DB_BATCH &&
	    db_write(db, 0, DB_T_NHOOK, err, sizeof(err)) != 0)
		db_fail(db, err);
}

/* ---- opening: statements and schema */

/* db_prepare: *stp for sql.  => 0, or -1 with errbuf. */
static int
db_prepare(struct kml_db *db, const char *sql, sqlite3_stmt **stp,
    char *errbuf, size_t errlen)
{
	if (sqlite3_prepare_v2(db->d_h, sql, -1, stp, NULL) != SQLITE_OK) {
		db_sqlerr(db, errbuf, errlen);
		return -1;
	}
	return 0;
}

/* db_cat: append s to the growing string *bufp of *lenp bytes. */
static void
db_cat(char **bufp, size_t *lenp, const char *s)
{
	size_t n = strlen(s);

	*bufp = db_alloc(*bufp, *lenp + n + 1);
	memcpy(*bufp + *lenp, s, n + 1);
	*lenp += n;
}

/* db_tab_prepare: table id's INSERT, from its spec.  => 0 or -1. */
static int
db_tab_prepare(struct kml_db *db, enum db_tabid id, char *errbuf,
    size_t errlen)
{
	const struct db_tabspec *ts = &db_tabspecs[id];
	struct db_tab *t = &db->d_tabs[id];
	char *sql = NULL, col[96];
	size_t len = 0;
	unsigned n = 0;
	int rc;

	db_cat(&sql, &len, "INSERT INTO ");
	db_cat(&sql, &len, ts->ts_name);
	db_cat(&sql, &len, " (");
	for (const char *const *c = ts->ts_cols; *c != NULL; c++) {
		db_cat(&sql, &len, n++ ? ", " : "");
		db_cat(&sql, &len, *c);
	}
	for (unsigned g = 0; g < 2 && ts->ts_stats[g].sc_desc != NULL; g++) {
		const struct db_statcols *sc = &ts->ts_stats[g];

		for (size_t i = 0; i < *sc->sc_n; i++) {
			snprintf(col, sizeof(col), "%s%s%s", n++ ? ", " : "",
			    sc->sc_prefix, sc->sc_desc[i].sd_name);
			db_cat(&sql, &len, col);
		}
	}
	db_cat(&sql, &len, ") VALUES (");
	for (unsigned i = 0; i < n; i++)
		db_cat(&sql, &len, i ? ", ?" : "?");
	db_cat(&sql, &len, ")");
	t->t_ncol = n;
	rc = db_prepare(db, sql, &t->t_stmt, errbuf, errlen);
	free(sql);
	return rc;
}

/* db_user_version: PRAGMA user_version in *vp.  => 0, or -1 with errbuf. */
static int
db_user_version(struct kml_db *db, int *vp, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "PRAGMA user_version", &st, errbuf, errlen) != 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*vp = sqlite3_column_int(st, 0);
	else
		db_sqlerr(db, errbuf, errlen);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* db_newer: the refusal of a schema newer than ours. */
static int
db_newer(struct kml_db *db, int v, char *errbuf, size_t errlen)
{
	db_err(db->d_path, errbuf, errlen,
	    "schema version %d is newer than this kmemlab (%d): upgrade kmemlab",
	    v, KML_DB_VERSION);
	return -1;
}

/*
 * db_migrate: bring the schema from its version up to KML_DB_VERSION, in
 * one transaction.  => 0, or -1 with errbuf (nothing changed).
 */
static int
db_migrate(struct kml_db *db, char *errbuf, size_t errlen)
{
	char sql[64];
	int v;

	if (db_user_version(db, &v, errbuf, errlen) != 0)
		return -1;
	if (v > KML_DB_VERSION)
		return db_newer(db, v, errbuf, errlen);
	if (v == KML_DB_VERSION)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
		return -1;
	/* again, under the write lock: another process may have migrated */
	if (db_user_version(db, &v, errbuf, errlen) != 0)
		goto fail;
	if (v > KML_DB_VERSION) {
		db_newer(db, v, errbuf, errlen);
		goto fail;
	}
	for (; v < KML_DB_VERSION; v++) {
		const struct db_migration *m = NULL;

		for (size_t i = 0; i < sizeof(db_migrations) /
		    sizeof(db_migrations[0]); i++)
			if (db_migrations[i].dm_from == v)
				m = &db_migrations[i];
		if (m == NULL) {
			db_err(db->d_path, errbuf, errlen,
			    "no migration from schema version %d", v);
			goto fail;
		}
		if (sqlite3_exec(db->d_h, m->dm_sql, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			db_err(db->d_path, errbuf, errlen,
			    "migrating schema %d to %d (%s): %s", v, v + 1,
			    m->dm_what, sqlite3_errmsg(db->d_h));
			goto fail;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", KML_DB_VERSION);
	if (db_exec(db, sql, errbuf, errlen) != 0 ||
	    db_exec(db, "COMMIT", errbuf, errlen) != 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* db_finalize: finalize every prepared statement of db (errors ignored). */
static void
db_finalize(struct kml_db *db)
{
	for (enum db_tabid id = 0; id < DB_T_NTABS; id++) {
		sqlite3_finalize(db->d_tabs[id].t_stmt);
		db->d_tabs[id].t_stmt = NULL;
	}
	sqlite3_finalize(db->d_run_insert);
	sqlite3_finalize(db->d_run_end);
	sqlite3_finalize(db->d_run_mark);
	db->d_run_insert = db->d_run_end = db->d_run_mark = NULL;
}

/* db_free: finalize everything and close (errors ignored). */
static void
db_free(struct kml_db *db)
{
	for (enum db_tabid id = 0; id < DB_T_NTABS; id++) {
		db_tab_clear(db, id);
		free(db->d_tabs[id].t_vals);
	}
	db_finalize(db);
	sqlite3_close(db->d_h);
	free(db->d_cpusum);
	free(db->d_path);
	free(db);
}

struct kml_db *
kml_db_open(const char *path, char *errbuf, size_t errlen)
{
	struct kml_db *db = db_alloc(NULL, sizeof(*db));
	int v;

	memset(db, 0, sizeof(*db));
	db->d_path = db_strdup(path);
	if (sqlite3_open_v2(path, &db->d_h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		if (db->d_h != NULL)
			db_sqlerr(db, errbuf, errlen);
		else
			db_err(path, errbuf, errlen, "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->d_h, DB_BUSY_MS);
	/* a newer file is refused before anything, WAL mode included, changes */
	if (db_exec(db, "PRAGMA foreign_keys = ON", errbuf, errlen) != 0 ||
	    db_user_version(db, &v, errbuf, errlen) != 0)
		goto fail;
	if (v > KML_DB_VERSION) {
		db_newer(db, v, errbuf, errlen);
		goto fail;
	}
	/*
	 * WAL with synchronous=NORMAL: a commit is atomic and survives a
	 * crash of kmemlab; only a power loss may drop the last commits
	 * (never half of one).  It saves an fsync per batch.
	 */
	if (db_exec(db, "PRAGMA journal_mode = WAL", errbuf, errlen) != 0 ||
	    db_exec(db, "PRAGMA synchronous = NORMAL", errbuf, errlen) != 0 ||
	    db_migrate(db, errbuf, errlen) != 0)
		goto fail;
	for (enum db_tabid id = 0; id < DB_T_NTABS; id++)
		if (db_tab_prepare(db, id, errbuf, errlen) != 0)
			goto fail;
	if (db_prepare(db, "INSERT INTO runs (started_at, trace, "
	    "trace_sha256, policy, config, cpus, timing, seed, version, "
	    "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
	    &db->d_run_insert, errbuf, errlen) != 0 ||
	    db_prepare(db, "UPDATE runs SET ended_at = ?, status = ?, "
	    "message = ?, events = ?, replayed = ?, skipped_pages = ?, "
	    "fails = ?, sleeps = ?, bytes_req = ?, bytes_alloc = ?, "
	    "bytes_freed = ?, virtual_ns = ?, wall_seconds = ? "
	    "WHERE id = ? AND status = 'running'",
	    &db->d_run_end, errbuf, errlen) != 0 ||
	    db_prepare(db, "UPDATE runs SET ended_at = ?, status = ?, "
	    "message = ? WHERE id = ? AND status = 'running'",
	    &db->d_run_mark, errbuf, errlen) != 0)
		goto fail;
	return db;
fail:
	db_free(db);
	return NULL;
}

int
kml_db_close(struct kml_db *db, char *errbuf, size_t errlen)
{
	int rc;

	rc = db_flush_hooks(db, errbuf, errlen);
	db_finalize(db);
	if (sqlite3_close(db->d_h) != SQLITE_OK) {
		if (rc == 0)
			db_sqlerr(db, errbuf, errlen);
		rc = -1;
		sqlite3_close_v2(db->d_h);
	}
	db->d_h = NULL;
	db_free(db);
	return rc;
}

void
kml_db_busy_timeout(struct kml_db *db, unsigned ms)
{
	sqlite3_busy_timeout(db->d_h, ms > INT_MAX ? INT_MAX : (int)ms);
}

void *
kml_db_handle(struct kml_db *db)
{
	return db->d_h;
}

/* ---- runs */

/* db_bind_text: bind s (NULL: SQL NULL), copied. */
static void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/*
 * db_step: run st, which returns no rows, then reset it and clear its
 * bindings.  => 0, or -1 with errbuf.
 */
static int
db_step(struct kml_db *db, sqlite3_stmt *st, char *errbuf, size_t errlen)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		db_sqlerr(db, errbuf, errlen);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * db_step_once: run st, which changes one row of run id.
 * => 0, or -1 with errbuf ("run N is not running" when no row changed).
 */
static int
db_step_once(struct kml_db *db, sqlite3_stmt *st, int64_t id, char *errbuf,
    size_t errlen)
{
	if (db_step(db, st, errbuf, errlen) != 0)
		return -1;
	if (sqlite3_changes(db->d_h) != 1) {
		db_err(db->d_path, errbuf, errlen, "run %" PRId64
		    " is not running", id);
		return -1;
	}
	return 0;
}

int
kml_db_run_begin(struct kml_db *db, const struct kml_db_run *run,
    int64_t *idp, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st = db->d_run_insert;
	char now[32];

	db_utcnow(now, sizeof(now));
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, run->dr_trace);
	db_bind_text(st, 3, run->dr_trace_sha256);
	db_bind_text(st, 4, run->dr_policy);
	db_bind_text(st, 5, run->dr_config);
	sqlite3_bind_int64(st, 6, run->dr_cpus);
	db_bind_text(st, 7, run->dr_timing);
	sqlite3_bind_int64(st, 8, db_i64(run->dr_seed));
	db_bind_text(st, 9, run->dr_version);
	if (db_step(db, st, errbuf, errlen) != 0)
		return -1;
	*idp = sqlite3_last_insert_rowid(db->d_h);
	return 0;
}

/*
 * db_bind_end: bind the first fields of an UPDATE that ends a run:
 * ended_at (now), status and message (NULL: none).
 */
static void
db_bind_end(sqlite3_stmt *st, unsigned status, const char *message)
{
	char now[32];

	db_utcnow(now, sizeof(now));
	db_bind_text(st, 1, now);
	db_bind_text(st, 2, kml_replay_status_name(status));
	db_bind_text(st, 3, message);
}

/*
 * db_mark: set run id's status (and message, NULL for none), if it is
 * running.  => 0, or -1 with errbuf.
 */
static int
db_mark(struct kml_db *db, int64_t id, unsigned status, const char *message,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *st = db->d_run_mark;

	db_bind_end(st, status, message);
	sqlite3_bind_int64(st, 4, id);
	return db_step_once(db, st, id, errbuf, errlen);
}

int
kml_db_run_abandon(struct kml_db *db, int64_t id, unsigned status,
    char *errbuf, size_t errlen)
{
	char err[512];
	int rc;

	KML_ASSERT(status == KML_REPLAY_FAILED ||
	    status == KML_REPLAY_INTERRUPTED || status == KML_REPLAY_DEADLOCK);
	rc = db_flush_hooks(db, errbuf, errlen);
	if (db_mark(db, id, status, NULL, err, sizeof(err)) != 0) {
		if (rc == 0)
			snprintf(errbuf, errlen, "%s", err);
		rc = -1;
	}
	return rc;
}

/* ---- the hooks */

/* db_hook_anomaly: one anomalies row. */
static void
db_hook_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct kml_db *db = arg;
	struct db_row r;
	char ptr[24];

	if (db->d_failed)
		return;
	r = db_row_new(db, DB_T_ANOMALIES);
	snprintf(ptr, sizeof(ptr), "0x%" PRIx64, an->an_ptr);
	db_int(&r, db->d_hookrun);
	db_u64(&r, an->an_event);
	db_u64(&r, an->an_ts);
	db_u64(&r, an->an_cpu);
	db_u64(&r, an->an_tid);
	db_text(&r, kml_anomaly_name(an->an_kind));
	db_text(&r, ptr);
	db_u64(&r, an->an_size);
	db_text(&r, an->an_detail);
	db_row_done(&r);
	db_hook_rows(db);
}

/* db_cpusum_zero: db->d_cpusum, ncpu entries of 0, for db_cpusum_add. */
static void
db_cpusum_zero(struct kml_db *db, unsigned ncpu)
{
	if (db->d_ncpusum < ncpu) {
		db->d_cpusum = db_alloc(db->d_cpusum,
		    ncpu * sizeof(*db->d_cpusum));
		db->d_ncpusum = ncpu;
	}
	memset(db->d_cpusum, 0, ncpu * sizeof(*db->d_cpusum));
}

/* db_cpusum_add: add cache pc's figures on CPUs 0..ncpu-1 to d_cpusum. */
static void
db_cpusum_add(struct kml_db *db, pool_cache_t pc, unsigned ncpu)
{
	struct pool_cache_stats st;

	for (unsigned c = 0; c < ncpu; c++) {
		struct pool_cache_stats *cs = &db->d_cpusum[c];

		pool_cache_cpu_stats(pc, c, &st);
		cs->cpu_gets += st.cpu_gets;
		cs->cpu_hits += st.cpu_hits;
		cs->cpu_misses += st.cpu_misses;
		cs->cpu_puts += st.cpu_puts;
		cs->cpu_put_hits += st.cpu_put_hits;
		cs->cpu_put_misses += st.cpu_put_misses;
		cs->cpu_cached += st.cpu_cached;
	}
}

/*
 * db_rows_again: append the last n rows of table id once more, with
 * their vtime (column 1) set to vtime.
 */
static void
db_rows_again(struct kml_db *db, enum db_tabid id, size_t n, uint64_t vtime)
{
	struct db_tab *t = &db->d_tabs[id];
	size_t from = t->t_nrows - n;

	KML_ASSERT(n <= t->t_nrows);
	for (size_t i = 0; i < n; i++) {
		/* db_row_new first: it may move t_vals */
		struct db_row r = db_row_new(db, id);
		const struct db_val *v = &t->t_vals[(from + i) * t->t_ncol];

		memcpy(r.r_val, v, t->t_ncol * sizeof(*v));
		for (unsigned c = 0; c < t->t_ncol; c++)
			if (v[c].v_type == DBV_TEXT)
				r.r_val[c].v_u.s = db_strdup(v[c].v_u.s);
		KML_ASSERT(r.r_val[1].v_type == DBV_INT);
		r.r_val[1].v_u.i = db_i64(vtime);
	}
}

/*
 * db_hook_sample: a samples row and the stack walked: caches, arenas,
 * CPUs.  The replay gives every sample point its clock passed in one go
 * after the event that moved it (rp_sample), with nothing run between:
 * a sample at the same clock and event count as the last one repeats the
 * last one's walked rows with its own vtime instead of walking again.
 */
static void
db_hook_sample(void *arg, struct kml_replay *rp,
    const struct kml_replay_sample *sa)
{
	static const enum db_tabid walked[DB_NWALKED] = { DB_T_CACHE_SAMPLES,
	    DB_T_ARENA_SAMPLES, DB_T_CPU_SAMPLES };
	struct kml_db *db = arg;
	struct pool_cache_stats cs;
	struct pool_stats ps;
	struct vmem_stats vs;
	struct db_row r;
	unsigned ncpu = kml_replay_cpus(rp);
	size_t before[DB_T_NHOOK];

	if (db->d_failed)
		return;
	r = db_row_new(db, DB_T_SAMPLES);
	db_int(&r, db->d_hookrun);
	db_u64(&r, sa->sa_vtime);
	db_u64(&r, sa->sa_events);
	db_u64(&r, sa->sa_inuse_bytes);
	db_u64(&r, sa->sa_wired_pages);
	db_u64(&r, sa->sa_free_pages);
	db_u64(&r, sa->sa_cached_objects);
	db_real(&r, sa->sa_frag);
	db_real(&r, sa->sa_cpu_hit_rate);
	db_row_done(&r);

	if (db->d_again_r == rp && db->d_again_clock == kml_replay_vtime(rp) &&
	    db->d_again_events == sa->sa_events) {
		for (size_t k = 0; k < DB_NWALKED; k++)
			db_rows_again(db, walked[k],
			    db->d_again_rows[walked[k]], sa->sa_vtime);
		db_hook_rows(db);
		return;
	}
	for (size_t k = 0; k < DB_NWALKED; k++)
		before[walked[k]] = db->d_tabs[walked[k]].t_nrows;

	db_cpusum_zero(db, ncpu);
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		pool_cache_stats(pc, &cs);
		pool_stats(pool_cache_pool(pc), &ps);
		db_cpusum_add(db, pc, ncpu);
		r = db_row_new(db, DB_T_CACHE_SAMPLES);
		db_int(&r, db->d_hookrun);
		db_u64(&r, sa->sa_vtime);
		db_text(&r, pool_cache_name(pc));
		db_u64(&r, pool_cache_inuse(&cs, &ps));
		db_u64(&r, cs.cpu_cached + cs.depot_cached);
		db_u64(&r, ps.npages);
		db_u64(&r, cs.magsize);
		db_u64(&r, cs.cpu_hits);
		db_u64(&r, cs.cpu_misses);
		db_u64(&r, cs.depot_contended);
		db_row_done(&r);
	}

	for (unsigned i = 0; i < kml_replay_narenas(rp); i++) {
		const char *source;
		vmem_t *vm = kml_replay_arena(rp, i, &source);

		vmem_counters(vm, &vs);
		r = db_row_new(db, DB_T_ARENA_SAMPLES);
		db_int(&r, db->d_hookrun);
		db_u64(&r, sa->sa_vtime);
		db_text(&r, vmem_name(vm));
		db_u64(&r, vs.inuse);
		db_u64(&r, vs.total);
		db_u64(&r, vs.imported);
		db_u64(&r, vs.free_segs);
		db_u64(&r, vs.largest_free);
		db_real(&r, vmem_frag(vs.total, vs.inuse, vs.largest_free));
		db_row_done(&r);
	}

	for (unsigned c = 0; c < ncpu; c++) {
		const struct kml_replay_cpu *rc = kml_replay_cpu(rp, c);
		const struct pool_cache_stats *sum = &db->d_cpusum[c];

		r = db_row_new(db, DB_T_CPU_SAMPLES);
		db_int(&r, db->d_hookrun);
		db_u64(&r, sa->sa_vtime);
		db_u64(&r, c);
		db_u64(&r, rc->rcpu_events);
		db_u64(&r, rc->rcpu_busy_ns);
		db_u64(&r, rc->rcpu_idle_ns);
		db_u64(&r, rc->rcpu_lock_wait_ns);
		db_u64(&r, sum->cpu_hits);
		db_u64(&r, sum->cpu_misses);
		db_u64(&r, sum->cpu_cached);
		db_row_done(&r);
	}

	for (size_t k = 0; k < DB_NWALKED; k++)
		db->d_again_rows[walked[k]] = db->d_tabs[walked[k]].t_nrows -
		    before[walked[k]];
	db->d_again_r = rp;
	db->d_again_clock = kml_replay_vtime(rp);
	db->d_again_events = sa->sa_events;
	db_hook_rows(db);
}

void
kml_db_hooks(struct kml_db *db, int64_t id, struct kml_replay_hooks *h)
{
	db->d_hookrun = id;
	db->d_again_r = NULL;
	h->rh_arg = db;
	h->rh_anomaly = db_hook_anomaly;
	h->rh_sample = db_hook_sample;
	h->rh_progress = NULL;
}

/* ---- the end of a run */

/*
 * db_cache_layer: "kmem" for kmem's size classes, "qcache" for the
 * quantum caches of the replay's arenas (named "ARENA-SIZE" by vmem), else
 * "slab" (replay.h gives no way to tell a traced pool from a traced slab
 * cache).  size is the cache's item size.
 */
static const char *
db_cache_layer(const struct kml_replay *rp, pool_cache_t pc, uint64_t size)
{
	const char *name = pool_cache_name(pc);
	char qname[64];

	for (unsigned i = 0; i < kmem_nclasses(); i++)
		if (kmem_class_cache(i) == pc)
			return "kmem";
	for (unsigned i = 0; i < kml_replay_narenas(rp); i++) {
		const char *source;
		vmem_t *vm = kml_replay_arena(rp, i, &source);

		if (size % vmem_quantum(vm) != 0)
			continue;
		/* pool names keep 31 bytes */
		snprintf(qname, sizeof(qname), "%s-%" PRIu64, vmem_name(vm),
		    size);
		if (strncmp(qname, name, 31) == 0)
			return "qcache";
	}
	return "slab";
}

/*
 * db_lock_row: queue a locks row of run id for the lock named name of
 * kind kind ("depot", "pool", "arena", "uvm") with statistics ls.
 */
static void
db_lock_row(struct kml_db *db, int64_t id, const char *kind, const char *name,
    const struct kml_lockstat *ls)
{
	struct db_row r = db_row_new(db, DB_T_LOCKS);

	db_int(&r, id);
	db_text(&r, kind);
	db_text(&r, name);
	db_u64(&r, ls->ls_acquire);
	db_u64(&r, ls->ls_contended);
	db_u64(&r, ls->ls_wait_ns);
	db_u64(&r, ls->ls_max_wait_ns);
	db_u64(&r, ls->ls_hold_ns);
	db_row_done(&r);
}

/* db_summary: fill the summary tables of run id from replay rp. */
static void
db_summary(struct kml_db *db, int64_t id, struct kml_replay *rp)
{
	const struct kml_replay_totals *tot = kml_replay_totals(rp);
	struct pool_cache_stats cs;
	struct pool_stats ps;
	struct vmem_stats vs;
	struct uvm_stats us;
	struct kmem_stats ks;
	struct db_row r;
	struct kml_lockstat ls;
	unsigned ncpu = kml_replay_cpus(rp), idx = 0;

	db_cpusum_zero(db, ncpu);
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc), idx++) {
		pool_cache_stats(pc, &cs);
		pool_stats(pool_cache_pool(pc), &ps);
		db_cpusum_add(db, pc, ncpu);
		r = db_row_new(db, DB_T_CACHES);
		db_int(&r, id);
		db_u64(&r, idx);
		db_text(&r, pool_cache_name(pc));
		db_text(&r, db_cache_layer(rp, pc, ps.size));
		db_u64(&r, ps.size);
		db_u64(&r, cs.cpu_gets - cs.fails);
		db_u64(&r, cs.cpu_puts);
		db_u64(&r, pool_cache_inuse(&cs, &ps));
		db_u64(&r, pool_cache_peak(pc));
		db_u64(&r, ps.npages);
		db_u64(&r, cs.depot_get_hits);
		db_u64(&r, cs.depot_get_misses);
		db_u64(&r, cs.depot_contended);
		db_stats(&r, &cs, pool_cache_statdesc, pool_cache_nstatdesc);
		db_stats(&r, &ps, pool_statdesc, pool_nstatdesc);
		db_row_done(&r);

		pool_cache_depot_lockstat(pc, &ls);
		db_lock_row(db, id, "depot", pool_cache_name(pc), &ls);
		pool_lockstat(pool_cache_pool(pc), &ls);
		db_lock_row(db, id, "pool", pool_cache_name(pc), &ls);
	}

	for (unsigned i = 0; i < kml_replay_narenas(rp); i++) {
		const char *source;
		vmem_t *vm = kml_replay_arena(rp, i, &source);

		vmem_stats(vm, &vs);
		r = db_row_new(db, DB_T_ARENAS);
		db_int(&r, id);
		db_u64(&r, i);
		db_text(&r, vmem_name(vm));
		db_text(&r, source);
		db_u64(&r, vmem_quantum(vm));
		db_stats(&r, &vs, vmem_statdesc, vmem_nstatdesc);
		db_row_done(&r);
		vmem_lockstat(vm, &ls);
		db_lock_row(db, id, "arena", vmem_name(vm), &ls);
	}
	uvm_lockstat(&ls);
	db_lock_row(db, id, "uvm", "uvm", &ls);

	for (unsigned c = 0; c < ncpu; c++) {
		const struct kml_replay_cpu *rc = kml_replay_cpu(rp, c);
		const struct pool_cache_stats *sum = &db->d_cpusum[c];

		r = db_row_new(db, DB_T_CPUS);
		db_int(&r, id);
		db_u64(&r, c);
		db_u64(&r, rc->rcpu_events);
		db_u64(&r, rc->rcpu_busy_ns);
		db_u64(&r, rc->rcpu_idle_ns);
		db_u64(&r, rc->rcpu_lock_wait_ns);
		db_u64(&r, rc->rcpu_cross_frees);
		db_u64(&r, sum->cpu_gets);
		db_u64(&r, sum->cpu_hits);
		db_u64(&r, sum->cpu_misses);
		db_u64(&r, sum->cpu_puts);
		db_u64(&r, sum->cpu_put_hits);
		db_u64(&r, sum->cpu_put_misses);
		db_u64(&r, sum->cpu_cached);
		db_row_done(&r);
	}

	idx = 0;
	for (const struct kml_replay_site *s = kml_replay_site_first(rp);
	    s != NULL; s = kml_replay_site_next(rp, s), idx++) {
		r = db_row_new(db, DB_T_SITES);
		db_int(&r, id);
		db_u64(&r, idx);
		db_text(&r, s->rs_site);
		db_u64(&r, s->rs_allocs);
		db_u64(&r, s->rs_frees);
		db_u64(&r, s->rs_fails);
		db_u64(&r, s->rs_bytes_req);
		db_u64(&r, s->rs_bytes_alloc);
		db_u64(&r, s->rs_live);
		db_u64(&r, s->rs_live_bytes);
		db_row_done(&r);
	}

	uvm_stats(&us);
	r = db_row_new(db, DB_T_UVM);
	db_int(&r, id);
	db_stats(&r, &us, uvm_statdesc, uvm_nstatdesc);
	db_row_done(&r);

	kmem_stats(&ks);
	r = db_row_new(db, DB_T_KMEM);
	db_int(&r, id);
	db_stats(&r, &ks, kmem_statdesc, kmem_nstatdesc);
	db_row_done(&r);

	for (unsigned k = 0; k < KML_AN_COUNT; k++) {
		r = db_row_new(db, DB_T_ANOMALY_COUNTS);
		db_int(&r, id);
		db_text(&r, kml_anomaly_name(k));
		db_u64(&r, tot->rt_anomalies[k]);
		db_row_done(&r);
	}
}

/* db_run_fields: bind the final runs fields of run id. */
static void
db_run_fields(struct kml_db *db, int64_t id, struct kml_replay *rp,
    unsigned status, double wall_seconds)
{
	const struct kml_replay_totals *tot = kml_replay_totals(rp);
	const char *msg = kml_replay_errmsg(rp);
	sqlite3_stmt *st = db->d_run_end;

	db_bind_end(st, status, msg != NULL && *msg != '\0' ? msg : NULL);
	sqlite3_bind_int64(st, 4, db_i64(tot->rt_events));
	sqlite3_bind_int64(st, 5, db_i64(tot->rt_replayed));
	sqlite3_bind_int64(st, 6, db_i64(tot->rt_skipped_pages));
	sqlite3_bind_int64(st, 7, db_i64(tot->rt_fails));
	sqlite3_bind_int64(st, 8, db_i64(tot->rt_sleeps));
	sqlite3_bind_int64(st, 9, db_i64(tot->rt_bytes_req));
	sqlite3_bind_int64(st, 10, db_i64(tot->rt_bytes_alloc));
	sqlite3_bind_int64(st, 11, db_i64(tot->rt_bytes_freed));
	sqlite3_bind_int64(st, 12, db_i64(tot->rt_virtual_ns));
	sqlite3_bind_double(st, 13, wall_seconds);
	sqlite3_bind_int64(st, 14, id);
}

int
kml_db_run_end(struct kml_db *db, int64_t id, struct kml_replay *rp,
    unsigned status, double wall_seconds, char *errbuf, size_t errlen)
{
	bool summary = status == KML_REPLAY_COMPLETED ||
	    status == KML_REPLAY_DEADLOCK;
	char err[512];

	KML_ASSERT(status != KML_REPLAY_RUNNING);
	if (db_flush_hooks(db, errbuf, errlen) != 0)
		goto fail;
	if (summary)
		db_summary(db, id, rp);
	if (db_exec(db, "BEGIN IMMEDIATE", errbuf, errlen) != 0) {
		db_tabs_clear(db, DB_T_NHOOK, DB_T_NTABS);
		goto fail;
	}
	db_run_fields(db, id, rp, status, wall_seconds);
	/* the runs row first: a run that is not running gets no rows */
	if (db_step_once(db, db->d_run_end, id, errbuf, errlen) != 0) {
		db_tabs_clear(db, DB_T_NHOOK, DB_T_NTABS);
		db_rollback(db);
		return -1;
	}
	for (enum db_tabid t = DB_T_NHOOK; t < DB_T_NTABS; t++) {
		if (db_tab_write(db, t, errbuf, errlen) != 0) {
			db_tabs_clear(db, t + 1, DB_T_NTABS);
			db_rollback(db);
			goto fail;
		}
	}
	if (db_exec(db, "COMMIT", errbuf, errlen) != 0) {
		db_rollback(db);
		goto fail;
	}
	return 0;
fail:
	(void)db_mark(db, id, KML_REPLAY_FAILED, errbuf, err, sizeof(err));
	return -1;
}
