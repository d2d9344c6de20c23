/*
 * tests/db_test.c: TAP test of the results database (kmemlab/db.h,
 * lib/db.c).
 *
 * How: every case works on files in a fresh directory and checks what
 * lib/db.c wrote through a second, plain sqlite3 connection (dt_int,
 * dt_str), so the checks see only what was committed.
 *  - open: a new file gets schema version 1 in WAL mode with exactly the
 *    documented tables, views and indexes, a foreign key with ON DELETE
 *    CASCADE from every child table to runs, and a column for every
 *    entry of the statistics name tables; reopening keeps the rows.
 *  - migrations: an empty file and a version-0 file holding another
 *    table are migrated; a version-0 file whose `runs` table is in the
 *    way fails with the exact message and is left as it was (version 0,
 *    no kmemlab table); a version-9 file is refused with the exact
 *    message and not touched; a file that is no database and a path in
 *    a missing directory give SQLite's messages after the path.
 *  - runs: run_begin's row field by field; run_abandon's statuses; a
 *    second abandon or an end of a run that is not running is refused.
 *  - locking: while another connection holds BEGIN EXCLUSIVE, run_begin
 *    fails after the 2 s busy timeout with "PATH: database is locked" and
 *    writes nothing; a batch the hooks could not write makes the next
 *    run_abandon fail with that message, and none of its rows appear;
 *    after kml_db_busy_timeout(300), run_begin fails after 300 ms.
 *  - batching: anomalies given to the hook are invisible to another
 *    connection until DB_BATCH (4096) are buffered, then appear as one
 *    batch; 10,000 of them (more than two batches) are all stored, in
 *    order, with exact fields; deleting the run deletes them (cascade).
 *  - replays: a small text trace (kmalloc/kfree, a slab cache, a double
 *    free) replayed on 2 vCPUs with samples every 1000 ns; run_end must
 *    store rows equal to what the stack and the replay report at that
 *    moment (every cache with every counter, every arena, every vCPU,
 *    every site, the anomaly counts, uvm and kmem) and one sample row
 *    per sample callback with the walked caches, arenas and CPUs, whose
 *    count and hits are the stack's at the callback, also for samples
 *    caught up at one clock; a
 *    replay stopped from the sample hook after 2 samples ends
 *    "interrupted" with its samples and no summary rows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <kmemlab/db.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "tap.h"

#define DT_BATCH	4096		/* lib/db.c's DB_BATCH */

static char dt_dir[64];			/* a fresh directory */
static char dt_err[512];

/* ---- helpers */

/* dt_path: dt_dir/name in a static buffer (one of four in turn). */
static const char *
dt_path(const char *name)
{
	static char buf[4][256];
	static unsigned n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dt_dir, name);
	return p;
}

/* dt_conn: a plain connection to path (bails on failure). */
static sqlite3 *
dt_conn(const char *path)
{
	sqlite3 *h;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		tap_bail("sqlite3_open %s: %s", path, sqlite3_errmsg(h));
	sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return h;
}

/* dt_exec: run sql on h (bails on failure). */
static void
dt_exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		tap_bail("%s: %s", sql, msg);
}

/* dt_int: the first column of the first row of a query (-999 if none). */
static int64_t __attribute__((format(printf, 2, 3)))
dt_int(sqlite3 *h, const char *fmt, ...)
{
	sqlite3_stmt *st;
	char sql[2048];
	int64_t v = -999;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		tap_bail("%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * dt_str: every row of a query, columns joined by '|' and rows by ';'
 * ("NULL" for nulls), in a static buffer (one of four in turn).
 */
static const char * __attribute__((format(printf, 2, 3)))
dt_str(sqlite3 *h, const char *fmt, ...)
{
	static char buf[4][65536];
	static unsigned n;
	char *out = buf[n++ % 4], sql[2048];
	size_t len = 0;
	sqlite3_stmt *st;
	va_list ap;
	int rows = 0;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		tap_bail("%s: %s", sql, sqlite3_errmsg(h));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const unsigned char *t = sqlite3_column_text(st, c);

			len += (size_t)snprintf(out + len, sizeof(buf[0]) - len,
			    "%s%s", c ? "|" : (rows ? ";" : ""),
			    t ? (const char *)t : "NULL");
			if (len >= sizeof(buf[0]))
				tap_bail("dt_str: result too long: %s", sql);
		}
		rows++;
	}
	sqlite3_finalize(st);
	return out;
}

/*
 * dt_want: the message "PATH: WHAT" of a refusal on path, WHAT from fmt,
 * in a static buffer.
 */
static const char * __attribute__((format(printf, 2, 3)))
dt_want(const char *path, const char *fmt, ...)
{
	static char buf[512];
	int len;
	va_list ap;

	len = snprintf(buf, sizeof(buf), "%s: ", path);
	va_start(ap, fmt);
	vsnprintf(buf + len, sizeof(buf) - (size_t)len, fmt, ap);
	va_end(ap);
	return buf;
}

/*
 * dt_file: create the file name in dt_dir holding text (NULL: empty), then
 * run sql on it (NULL: none) through a plain connection.  => its path.
 */
static const char *
dt_file(const char *name, const char *text, const char *sql)
{
	const char *p = dt_path(name);
	FILE *fp;
	sqlite3 *h;

	fp = fopen(p, "w");
	if (text != NULL)
		fputs(text, fp);
	fclose(fp);
	if (sql != NULL) {
		h = dt_conn(p);
		dt_exec(h, sql);
		sqlite3_close(h);
	}
	return p;
}

/* dt_open: kml_db_open that must succeed. */
static struct kml_db *
dt_open(const char *path)
{
	struct kml_db *db = kml_db_open(path, dt_err, sizeof(dt_err));

	if (db == NULL)
		tap_bail("kml_db_open %s: %s", path, dt_err);
	return db;
}

static void
dt_close(struct kml_db *db)
{
	if (kml_db_close(db, dt_err, sizeof(dt_err)) != 0)
		tap_bail("kml_db_close: %s", dt_err);
}

static const struct kml_db_run dt_run = {
	.dr_trace = "traces/x.kmt",
	.dr_trace_sha256 = NULL,
	.dr_policy = "netbsd",
	.dr_config = "fit=instant classes=netbsd",
	.dr_cpus = 2,
	.dr_timing = "trace",
	.dr_seed = 42,
	.dr_version = "0.5",
};

/* dt_begin: kml_db_run_begin that must succeed. */
static int64_t
dt_begin(struct kml_db *db)
{
	int64_t id = -1;

	if (kml_db_run_begin(db, &dt_run, &id, dt_err, sizeof(dt_err)) != 0)
		tap_bail("kml_db_run_begin: %s", dt_err);
	return id;
}

/* dt_seconds: a monotonic clock, seconds. */
static double
dt_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- open and schema */

static const char dt_tables[] = "anomalies;anomaly_counts;arena_samples;"
    "arenas;cache_samples;caches;cpu_samples;cpus;kmem;locks;runs;samples;"
    "sites;uvm";
static const char *const dt_children[] = { "anomalies", "anomaly_counts",
	"arena_samples", "arenas", "cache_samples", "caches", "cpu_samples",
	"cpus", "kmem", "locks", "samples", "sites", "uvm" };
#define DT_NCHILDREN (sizeof(dt_children) / sizeof(dt_children[0]))

/* dt_has_columns: every statdesc name (prefixed) is a column of table. */
static void
dt_has_columns(sqlite3 *h, const char *table, const char *prefix,
    const struct kml_statdesc *sd, size_t n)
{
	unsigned missing = 0;

	for (size_t i = 0; i < n; i++)
		if (dt_int(h, "SELECT count(*) FROM pragma_table_info('%s') "
		    "WHERE name = '%s%s'", table, prefix, sd[i].sd_name) != 1) {
			tap_diag("%s has no column %s%s", table, prefix,
			    sd[i].sd_name);
			missing++;
		}
	tap_is(missing, 0, "%s: a column for each of %zu %s statistics",
	    table, n, *prefix ? prefix : "");
}

static void
test_create(void)
{
	const char *p = dt_path("new.db");
	struct kml_db *db;
	sqlite3 *h;

	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db != NULL, "open: a new file is created");
	tap_ok(kml_db_handle(db) != NULL, "open: the handle is there");
	h = dt_conn(p);
	tap_is(dt_int(h, "PRAGMA user_version"), KML_DB_VERSION,
	    "open: user_version is %d", KML_DB_VERSION);
	tap_is_str(dt_str(h, "PRAGMA journal_mode"), "wal", "open: WAL mode");
	tap_is_str(dt_str(h, "SELECT group_concat(name, ';') FROM (SELECT "
	    "name FROM sqlite_master WHERE type = 'table' ORDER BY name)"),
	    dt_tables, "open: the tables");
	tap_is_str(dt_str(h, "SELECT group_concat(name, ';') FROM (SELECT "
	    "name FROM sqlite_master WHERE type = 'view' ORDER BY name)"),
	    "v_arena_frag;v_cache_hit_rates;v_lock_contention;v_run_summary;"
	    "v_top_sites", "open: the views");
	for (size_t i = 0; i < DT_NCHILDREN; i++) {
		const char *t = dt_children[i];

		tap_is_str(dt_str(h, "SELECT \"table\", \"from\", \"to\", "
		    "on_delete FROM pragma_foreign_key_list('%s')", t),
		    "runs|run_id|id|CASCADE", "open: %s.run_id references "
		    "runs ON DELETE CASCADE", t);
		tap_is(dt_int(h, "SELECT count(*) FROM sqlite_master m, "
		    "pragma_index_info(m.name) i WHERE m.type = 'index' AND "
		    "m.tbl_name = '%s' AND i.seqno = 0 AND i.name = 'run_id'",
		    t), 1, "open: %s is indexed on run_id", t);
	}
	tap_is_str(dt_str(h, "SELECT group_concat(name, ',') FROM "
	    "pragma_table_info('runs')"), "id,started_at,ended_at,trace,"
	    "trace_sha256,policy,config,cpus,timing,seed,version,status,"
	    "message,events,replayed,skipped_pages,fails,sleeps,bytes_req,"
	    "bytes_alloc,bytes_freed,virtual_ns,wall_seconds",
	    "open: the columns of runs");
	tap_is_str(dt_str(h, "SELECT group_concat(name, ',') FROM "
	    "pragma_table_info('sites')"), "run_id,idx,site,allocs,frees,"
	    "fails,bytes_req,bytes_alloc,live,live_bytes",
	    "open: the columns of sites");
	tap_is_str(dt_str(h, "SELECT group_concat(name, ',') FROM "
	    "pragma_table_info('locks')"), "run_id,kind,name,acquisitions,"
	    "contended,wait_ns,max_wait_ns,hold_ns",
	    "open: the columns of locks");
	dt_has_columns(h, "caches", "", pool_cache_statdesc,
	    pool_cache_nstatdesc);
	dt_has_columns(h, "caches", "pool_", pool_statdesc, pool_nstatdesc);
	dt_has_columns(h, "arenas", "", vmem_statdesc, vmem_nstatdesc);
	dt_has_columns(h, "uvm", "", uvm_statdesc, uvm_nstatdesc);
	dt_has_columns(h, "kmem", "", kmem_statdesc, kmem_nstatdesc);
	sqlite3_close(h);

	/* reopen: the schema is kept, rows are kept */
	dt_begin(db);
	dt_close(db);
	db = dt_open(p);
	h = dt_conn(p);
	tap_is(dt_int(h, "SELECT count(*) FROM runs"), 1,
	    "reopen: the run is kept");
	tap_is(dt_int(h, "PRAGMA user_version"), KML_DB_VERSION,
	    "reopen: user_version unchanged");
	tap_is(dt_begin(db), 2, "reopen: the next run gets id 2");
	sqlite3_close(h);
	dt_close(db);
}

/* ---- migrations and refusals */

static void
test_migrations(void)
{
	const char *p;
	struct kml_db *db;
	sqlite3 *h;

	/* an empty file is a database of version 0 */
	p = dt_file("empty.db", NULL, NULL);
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db != NULL, "migrate: an empty file (version 0) opens");
	h = dt_conn(p);
	tap_is(dt_int(h, "PRAGMA user_version"), 1,
	    "migrate: empty file now at version 1");
	tap_is(dt_int(h, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table'"), 14, "migrate: empty file has the 14 tables");
	sqlite3_close(h);
	dt_close(db);

	/* a version-0 database with a table of its own keeps it */
	p = dt_file("v0other.db", NULL, "CREATE TABLE notes (n TEXT); "
	    "INSERT INTO notes VALUES ('keep me')");
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db != NULL, "migrate: version 0 with another table opens");
	h = dt_conn(p);
	tap_is(dt_int(h, "PRAGMA user_version"), 1,
	    "migrate: version 0 with another table now at version 1");
	tap_is_str(dt_str(h, "SELECT n FROM notes"), "keep me",
	    "migrate: the other table is kept");
	sqlite3_close(h);
	dt_close(db);

	/* a step that fails rolls everything back */
	p = dt_file("v0runs.db", NULL, "CREATE TABLE runs (x)");
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db == NULL, "migrate: a failing step is an error");
	tap_is_str(dt_err, dt_want(p, "migrating schema 0 to 1 (create the "
	    "schema): table runs already exists"),
	    "migrate: the exact message");
	h = dt_conn(p);
	tap_is(dt_int(h, "PRAGMA user_version"), 0,
	    "migrate: failed migration leaves version 0");
	tap_is_str(dt_str(h, "SELECT group_concat(name) FROM sqlite_master"),
	    "runs", "migrate: failed migration created nothing");
	sqlite3_close(h);

	/* a newer schema is refused and not touched */
	p = dt_file("v9.db", NULL,
	    "CREATE TABLE future (x); PRAGMA user_version = 9");
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db == NULL, "newer: version 9 is refused");
	tap_is_str(dt_err, dt_want(p, "schema version 9 is newer than this "
	    "kmemlab (1): upgrade kmemlab"), "newer: the exact message");
	h = dt_conn(p);
	tap_is(dt_int(h, "PRAGMA user_version"), 9, "newer: version kept");
	tap_is_str(dt_str(h, "PRAGMA journal_mode"), "delete",
	    "newer: journal mode kept");
	tap_is_str(dt_str(h, "SELECT group_concat(name) FROM sqlite_master"),
	    "future", "newer: nothing created");
	sqlite3_close(h);

	/* not a database */
	p = dt_file("text.db", "this is not an SQLite database, it is a text "
	    "file long enough to have a header of 100 bytes, which it does not "
	    "have at all.\n", NULL);
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db == NULL, "not a database: refused");
	tap_is_str(dt_err, dt_want(p, "file is not a database"),
	    "not a database: the exact message");

	/* a path that cannot be created */
	p = dt_path("missing/dir/x.db");
	db = kml_db_open(p, dt_err, sizeof(dt_err));
	tap_ok(db == NULL, "unwritable: refused");
	tap_is_str(dt_err, dt_want(p, "unable to open database file"),
	    "unwritable: the exact message");
	{
		struct stat sb;

		tap_ok(stat(dt_path("missing"), &sb) != 0,
		    "unwritable: nothing created");
	}
}

/* ---- runs */

static void
test_runs(void)
{
	const char *p = dt_path("runs.db");
	struct kml_db *db = dt_open(p);
	struct kml_db_run run = dt_run;
	int64_t id1, id2, id3;
	sqlite3 *h;
	const char *s;

	id1 = dt_begin(db);
	run.dr_trace = "-";
	run.dr_trace_sha256 = "00ff";
	run.dr_seed = 7;
	if (kml_db_run_begin(db, &run, &id2, dt_err, sizeof(dt_err)) != 0)
		tap_bail("run_begin: %s", dt_err);
	id3 = dt_begin(db);
	tap_is(id1, 1, "run_begin: first id 1");
	tap_is(id2, 2, "run_begin: second id 2");
	h = dt_conn(p);
	tap_is_str(dt_str(h, "SELECT trace, trace_sha256, policy, config, "
	    "cpus, timing, seed, version, status, ended_at, events, "
	    "virtual_ns, wall_seconds, message FROM runs WHERE id = 1"),
	    "traces/x.kmt|NULL|netbsd|fit=instant classes=netbsd|2|trace|42|"
	    "0.5|running|NULL|NULL|NULL|NULL|NULL", "run_begin: the row");
	tap_is_str(dt_str(h, "SELECT trace, trace_sha256, seed FROM runs "
	    "WHERE id = 2"), "-|00ff|7", "run_begin: stdin and a digest");
	s = dt_str(h, "SELECT started_at FROM runs WHERE id = 1");
	tap_is(strlen(s), 20, "run_begin: started_at is ISO 8601 UTC (%s)", s);
	tap_ok(s[4] == '-' && s[10] == 'T' && s[19] == 'Z',
	    "run_begin: started_at has the form YYYY-MM-DDTHH:MM:SSZ");
	tap_is(dt_int(h, "SELECT started_at = strftime('%%Y-%%m-%%dT%%H:%%M:"
	    "%%SZ', started_at) FROM runs WHERE id = 1"), 1,
	    "run_begin: started_at parses as a time");

	tap_is(kml_db_run_abandon(db, id1, KML_REPLAY_INTERRUPTED, dt_err,
	    sizeof(dt_err)), 0, "run_abandon: interrupted");
	tap_is(kml_db_run_abandon(db, id2, KML_REPLAY_FAILED, dt_err,
	    sizeof(dt_err)), 0, "run_abandon: failed");
	tap_is_str(dt_str(h, "SELECT id, status, ended_at IS NOT NULL, "
	    "events FROM runs ORDER BY id"), "1|interrupted|1|NULL;"
	    "2|failed|1|NULL;3|running|0|NULL", "run_abandon: the statuses");
	tap_is(kml_db_run_abandon(db, id1, KML_REPLAY_FAILED, dt_err,
	    sizeof(dt_err)), -1, "run_abandon: a run that ended is refused");
	tap_is_str(dt_err, dt_want(p, "run 1 is not running"),
	    "run_abandon: the exact message");
	tap_is(kml_db_run_abandon(db, 99, KML_REPLAY_FAILED, dt_err,
	    sizeof(dt_err)), -1, "run_abandon: an unknown run is refused");
	tap_is_str(dt_err, dt_want(p, "run 99 is not running"),
	    "run_abandon: the exact message (unknown)");
	tap_is_str(dt_str(h, "SELECT status FROM runs WHERE id = 1"),
	    "interrupted", "run_abandon: refusal changed nothing");
	(void)id3;
	sqlite3_close(h);
	dt_close(db);
}

/* ---- locking */

/* dt_anomaly: anomaly number i (fields derived from i). */
static struct kml_anomaly
dt_anomaly(uint64_t i, char *detail, size_t len)
{
	struct kml_anomaly an;

	snprintf(detail, len, "anomaly %" PRIu64, i);
	an.an_event = i + 1;
	an.an_ts = 1000 * i;
	an.an_cpu = (uint32_t)(i % 4);
	an.an_tid = (uint32_t)(100 + i % 7);
	an.an_kind = (unsigned)(1 + i % 3);	/* double free, wrong size, wrong cache */
	an.an_ptr = 0xffff888000000000ull + 64 * i;
	an.an_size = 8 * (i % 100);
	an.an_detail = detail;
	return an;
}

/* dt_anomalies: give anomalies [from, to) to the hooks h. */
static void
dt_anomalies(const struct kml_replay_hooks *h, uint64_t from, uint64_t to)
{
	char detail[64];

	for (uint64_t i = from; i < to; i++) {
		struct kml_anomaly an = dt_anomaly(i, detail, sizeof(detail));

		h->rh_anomaly(h->rh_arg, &an);
	}
}

static void
test_locked(void)
{
	const char *p = dt_path("locked.db");
	struct kml_db *db = dt_open(p);
	struct kml_replay_hooks hooks;
	int64_t id, id2 = -1;
	double t0, t;
	sqlite3 *h;

	id = dt_begin(db);
	h = dt_conn(p);
	dt_exec(h, "BEGIN EXCLUSIVE");
	t0 = dt_seconds();
	tap_is(kml_db_run_begin(db, &dt_run, &id2, dt_err, sizeof(dt_err)),
	    -1, "locked: run_begin fails");
	t = dt_seconds() - t0;
	tap_is_str(dt_err, dt_want(p, "database is locked"),
	    "locked: the exact message");
	tap_ok(t >= 1.9 && t < 10, "locked: after the 2 s busy timeout "
	    "(%.2f s)", t);
	tap_is(id2, -1, "locked: no id given");

	/* a batch the hooks cannot write */
	kml_db_hooks(db, id, &hooks);
	tap_ok(hooks.rh_progress == NULL, "hooks: no progress callback");
	dt_anomalies(&hooks, 0, DT_BATCH + 10);	/* the flush at 4096 fails */
	dt_exec(h, "COMMIT");
	tap_is(dt_int(h, "SELECT count(*) FROM runs"), 1,
	    "locked: run_begin wrote nothing");
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies"), 0,
	    "locked: the batch wrote nothing");
	tap_is(kml_db_run_abandon(db, id, KML_REPLAY_INTERRUPTED, dt_err,
	    sizeof(dt_err)), -1, "locked: abandon reports the lost batch");
	tap_is_str(dt_err, dt_want(p, "database is locked"),
	    "locked: abandon's exact message");
	tap_is_str(dt_str(h, "SELECT status FROM runs"), "interrupted",
	    "locked: the run is still marked");
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies"), 0,
	    "locked: rows after the failed batch were dropped");
	/* the error was reported once: the database works again */
	id2 = dt_begin(db);
	kml_db_hooks(db, id2, &hooks);
	dt_anomalies(&hooks, 0, 3);
	tap_is(kml_db_run_abandon(db, id2, KML_REPLAY_FAILED, dt_err,
	    sizeof(dt_err)), 0, "locked: afterwards a run works");
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies WHERE run_id = %"
	    PRId64, id2), 3, "locked: afterwards its rows are stored");

	/* another busy timeout */
	dt_exec(h, "BEGIN EXCLUSIVE");
	kml_db_busy_timeout(db, 300);
	id2 = -1;
	t0 = dt_seconds();
	tap_is(kml_db_run_begin(db, &dt_run, &id2, dt_err, sizeof(dt_err)),
	    -1, "locked, busy timeout 300 ms: run_begin fails");
	t = dt_seconds() - t0;
	tap_is_str(dt_err, dt_want(p, "database is locked"),
	    "locked, busy timeout 300 ms: the exact message");
	tap_ok(t >= 0.25 && t < 1.5, "locked, busy timeout 300 ms: after "
	    "300 ms, not 2 s (%.2f s)", t);
	dt_exec(h, "COMMIT");
	sqlite3_close(h);
	dt_close(db);
}

/* ---- batching */

static void
test_batching(void)
{
	const char *p = dt_path("batch.db");
	struct kml_db *db = dt_open(p);
	struct kml_replay_hooks hooks;
	const uint64_t n = 10000;
	char detail[64];
	uint64_t bad = 0;
	sqlite3 *h, *h2;
	sqlite3_stmt *st;
	int64_t id;

	id = dt_begin(db);
	kml_db_hooks(db, id, &hooks);
	h = dt_conn(p);
	dt_anomalies(&hooks, 0, DT_BATCH - 1);
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies"), 0,
	    "batch: %d rows stay buffered", DT_BATCH - 1);
	dt_anomalies(&hooks, DT_BATCH - 1, DT_BATCH);
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies"), DT_BATCH,
	    "batch: row %d writes the batch", DT_BATCH);
	dt_anomalies(&hooks, DT_BATCH, n);
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies"), 2 * DT_BATCH,
	    "batch: two batches written after %" PRIu64 " rows", n);
	tap_is(kml_db_run_abandon(db, id, KML_REPLAY_INTERRUPTED, dt_err,
	    sizeof(dt_err)), 0, "batch: abandon flushes the rest");
	tap_is(dt_int(h, "SELECT count(*) FROM anomalies WHERE run_id = %"
	    PRId64, id), (int64_t)n, "batch: all %" PRIu64 " rows stored", n);

	if (sqlite3_prepare_v2(h, "SELECT event, ts, cpu, tid, kind, ptr, "
	    "size, detail FROM anomalies ORDER BY rowid", -1, &st, NULL) !=
	    SQLITE_OK)
		tap_bail("prepare: %s", sqlite3_errmsg(h));
	for (uint64_t i = 0; i < n; i++) {
		struct kml_anomaly an = dt_anomaly(i, detail, sizeof(detail));
		char ptr[32];

		snprintf(ptr, sizeof(ptr), "0x%" PRIx64, an.an_ptr);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    (uint64_t)sqlite3_column_int64(st, 0) != an.an_event ||
		    (uint64_t)sqlite3_column_int64(st, 1) != an.an_ts ||
		    (uint64_t)sqlite3_column_int64(st, 2) != an.an_cpu ||
		    (uint64_t)sqlite3_column_int64(st, 3) != an.an_tid ||
		    strcmp((const char *)sqlite3_column_text(st, 4),
		    kml_anomaly_name(an.an_kind)) != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 5), ptr) != 0 ||
		    (uint64_t)sqlite3_column_int64(st, 6) != an.an_size ||
		    strcmp((const char *)sqlite3_column_text(st, 7), detail) !=
		    0) {
			if (bad++ == 0)
				tap_diag("row %" PRIu64 " differs", i);
		}
	}
	sqlite3_finalize(st);
	tap_is(bad, 0, "batch: every row exact and in order");
	tap_is_str(dt_str(h, "SELECT kind, ptr, detail FROM anomalies "
	    "WHERE event = 2"), "wrong size|0xffff888000000040|anomaly 1",
	    "batch: one row spelled out");

	/* ON DELETE CASCADE */
	id = dt_begin(db);
	kml_db_hooks(db, id, &hooks);
	dt_anomalies(&hooks, 0, 5);
	kml_db_run_abandon(db, id, KML_REPLAY_FAILED, dt_err, sizeof(dt_err));
	h2 = dt_conn(p);
	dt_exec(h2, "DELETE FROM runs WHERE id = 1");
	tap_is_str(dt_str(h, "SELECT run_id, count(*) FROM anomalies GROUP "
	    "BY run_id"), "2|5", "cascade: deleting a run deletes its rows");
	sqlite3_close(h2);
	sqlite3_close(h);
	dt_close(db);
}

/* ---- replays */

/*
 * A small trace: two threads on two CPUs, kmalloc/kfree through kmem, a
 * slab cache "foo", a double free (an anomaly), a large kmalloc, events
 * 1 us apart but the last, 3 us after the one before (so that the replay
 * catches up several samples at one clock).
 */
static const char dt_trace_text[] =
    "%kmemlab-trace 1\n"
    "%ncpu 2\n"
    "%clock 1000\n"
    "0.000001 0 10/10 thread a kmalloc site=f+0x1 ptr=0x1000 size=100 alloc=128\n"
    "0.000002 1 11/11 thread b kmem_cache_alloc site=g+0x2 ptr=0x2000 size=64 alloc=64 cache=foo\n"
    "0.000003 0 10/10 thread a kmalloc site=f+0x1 ptr=0x1100 size=20 alloc=32\n"
    "0.000004 1 11/11 thread b kmem_cache_alloc site=g+0x2 ptr=0x2040 size=64 alloc=64 cache=foo\n"
    "0.000005 0 10/10 thread a kfree site=h+0x3 ptr=0x1000\n"
    "0.000006 0 10/10 thread a kfree site=h+0x3 ptr=0x1000\n"
    "0.000007 1 11/11 thread b kmem_cache_free site=g+0x9 ptr=0x2000 cache=foo\n"
    "0.000008 0 10/10 thread a kmalloc site=big+0x4 ptr=0x9000 size=20000 alloc=20480\n"
    "0.000009 1 11/11 thread b kmalloc site=f+0x1 ptr=0x3000 size=100 alloc=128\n"
    "0.000010 0 10/10 thread a kfree site=h+0x3 ptr=0x9000\n"
    "0.000011 1 11/11 thread b kfree site=h+0x3 ptr=0x1100\n"
    "0.000015 1 11/11 thread b kmem_cache_free site=g+0x9 ptr=0x2040 cache=foo\n";

/* Sample callbacks whose stack dt_hook_sample records. */
#define DT_MAXSAMPLES	64

/* The hooks of a replay: lib/db.c's, wrapped to count and to stop. */
struct dt_hooks {
	struct kml_replay_hooks dh_db;	/* kml_db_hooks' */
	unsigned dh_samples;		/* sample callbacks */
	unsigned dh_anomalies;		/* anomaly callbacks */
	unsigned dh_stop_after;		/* kml_replay_stop after this many samples (0: never) */
	double dh_sample_seconds;	/* wall time inside db's sample hook */
	unsigned dh_repeats;		/* callbacks at the clock of the one before */
	kml_vtime_t dh_clock;		/* kml_replay_vtime at the last callback */
	/* at callback k: sa_vtime, the caches and their CPU hits, walked here */
	kml_vtime_t dh_vtime[DT_MAXSAMPLES];
	unsigned dh_ncaches[DT_MAXSAMPLES];
	uint64_t dh_hits[DT_MAXSAMPLES];
};

static void
dt_hook_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct dt_hooks *dh = arg;

	dh->dh_anomalies++;
	dh->dh_db.rh_anomaly(dh->dh_db.rh_arg, an);
}

static void
dt_hook_sample(void *arg, struct kml_replay *r,
    const struct kml_replay_sample *sa)
{
	struct dt_hooks *dh = arg;
	unsigned k = dh->dh_samples;
	struct pool_cache_stats cs;
	double t0 = dt_seconds();

	dh->dh_db.rh_sample(dh->dh_db.rh_arg, r, sa);
	dh->dh_sample_seconds += dt_seconds() - t0;
	if (k > 0 && kml_replay_vtime(r) == dh->dh_clock)
		dh->dh_repeats++;
	dh->dh_clock = kml_replay_vtime(r);
	if (k < DT_MAXSAMPLES) {
		dh->dh_vtime[k] = sa->sa_vtime;
		for (pool_cache_t pc = pool_cache_first(); pc != NULL;
		    pc = pool_cache_next(pc)) {
			pool_cache_stats(pc, &cs);
			dh->dh_ncaches[k]++;
			dh->dh_hits[k] += cs.cpu_hits;
		}
	}
	if (++dh->dh_samples == dh->dh_stop_after)
		kml_replay_stop(r);
}

/* dt_trace: write dt_trace_text as a trace at path. */
static void
dt_trace(const char *path)
{
	FILE *in = fmemopen((void *)(uintptr_t)dt_trace_text,
	    strlen(dt_trace_text), "r");

	if (in == NULL)
		tap_bail("fmemopen: %s", strerror(errno));
	if (kml_trace_from_text(in, "in.txt", path, dt_err,
	    sizeof(dt_err)) != 0)
		tap_bail("kml_trace_from_text: %s", dt_err);
	fclose(in);
}

/*
 * dt_join: the n entries of the name table sd, in a static buffer (one
 * of four in turn): with base NULL, their names, prefixed, joined by
 * ", "; else their values in base, as SQLite stores them (signed:
 * 2^64 - 1 is -1), joined by '|'.
 */
static const char *
dt_join(const char *prefix, const struct kml_statdesc *sd, size_t n,
    const void *base)
{
	static char buf[4][2048];
	static unsigned k;
	char *out = buf[k++ % 4];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (base == NULL)
			len += (size_t)snprintf(out + len, sizeof(buf[0]) - len,
			    "%s%s%s", i ? ", " : "", prefix, sd[i].sd_name);
		else
			len += (size_t)snprintf(out + len, sizeof(buf[0]) - len,
			    "%s%" PRId64, i ? "|" : "",
			    (int64_t)kml_stat_get(base, &sd[i]));
	}
	return out;
}

/* dt_cols: the statdesc names, prefixed, joined by ", ". */
static const char *
dt_cols(const char *prefix, const struct kml_statdesc *sd, size_t n)
{
	return dt_join(prefix, sd, n, NULL);
}

/* dt_vals: the values of base named by sd (dt_join), joined by '|'. */
static const char *
dt_vals(const void *base, const struct kml_statdesc *sd, size_t n)
{
	return dt_join("", sd, n, base);
}

/*
 * dt_row: count in *bad row i of the rows what when got is not want;
 * show the first such row.
 */
static void
dt_row(unsigned *bad, const char *what, unsigned i, const char *got,
    const char *want)
{
	if (strcmp(got, want) != 0 && (*bad)++ == 0)
		tap_diag("%s %u:\n#   got  %s\n#   want %s", what, i, got,
		    want);
}

/*
 * dt_replay: replay the trace at tpath on 2 vCPUs with samples every
 * 1000 ns into db as a new run, stopping after stop_after samples (0:
 * never), then kml_db_run_end with the replay's status.  check(h, r, id)
 * runs between the two, with a connection to dbpath.
 */
static void
dt_replay(struct kml_db *db, const char *dbpath, const char *tpath,
    unsigned stop_after, void (*check)(sqlite3 *, struct kml_replay *,
    int64_t, unsigned, struct dt_hooks *))
{
	struct kml_replay_config rc;
	struct kml_replay_hooks hooks;
	struct dt_hooks dh;
	struct kml_replay *r;
	struct kml_trace *t;
	double t0, trun, tend;
	unsigned st;
	sqlite3 *h;
	int64_t id;
	int rc_end;

	t = kml_trace_open_read(tpath, dt_err, sizeof(dt_err));
	if (t == NULL)
		tap_bail("kml_trace_open_read: %s", dt_err);
	kml_replay_config_init(&rc);
	rc.rc_cpus = 2;
	rc.rc_sample_ns = 1000;
	id = dt_begin(db);
	memset(&dh, 0, sizeof(dh));
	kml_db_hooks(db, id, &dh.dh_db);
	dh.dh_stop_after = stop_after;
	hooks.rh_arg = &dh;
	hooks.rh_anomaly = dt_hook_anomaly;
	hooks.rh_sample = dt_hook_sample;
	hooks.rh_progress = NULL;
	r = kml_replay_create(&rc, t, &hooks, dt_err, sizeof(dt_err));
	if (r == NULL)
		tap_bail("kml_replay_create: %s", dt_err);
	t0 = dt_seconds();
	st = kml_replay_run(r);
	trun = dt_seconds() - t0;
	t0 = dt_seconds();
	rc_end = kml_db_run_end(db, id, r, st, 0.25, dt_err, sizeof(dt_err));
	tend = dt_seconds() - t0;
	tap_is(rc_end, 0, "run_end: stored (%s)", rc_end ? dt_err : "ok");
	tap_diag("replay %.6f s, of which sample hook %.6f s (%u samples); "
	    "run_end %.6f s", trun, dh.dh_sample_seconds, dh.dh_samples, tend);
	h = dt_conn(dbpath);
	check(h, r, id, st, &dh);
	if (stop_after != 0) {
		tap_is(kml_db_run_end(db, id, r, KML_REPLAY_COMPLETED, 1.0,
		    dt_err, sizeof(dt_err)), -1,
		    "run_end: a run that ended is refused");
		tap_is_str(dt_err, dt_want(dbpath, "run %" PRId64
		    " is not running", id), "run_end: the exact message");
		tap_is_str(dt_str(h, "SELECT status, (SELECT count(*) FROM "
		    "caches WHERE run_id = %" PRId64 ") FROM runs WHERE id = %"
		    PRId64, id, id), "interrupted|0",
		    "run_end: the refused end wrote nothing");
	}
	sqlite3_close(h);
	kml_replay_destroy(r);
	kml_trace_close(t, NULL, 0);
}

/* dt_check_completed: every summary row equals what the stack reports. */
static void
dt_check_completed(sqlite3 *h, struct kml_replay *r, int64_t id,
    unsigned st, struct dt_hooks *dh)
{
	const struct kml_replay_totals *tot = kml_replay_totals(r);
	struct pool_cache_stats cs;
	struct pool_stats ps;
	struct vmem_stats vs;
	struct uvm_stats us;
	struct kmem_stats ks;
	char want[1024];
	unsigned n, bad;

	tap_is(st, KML_REPLAY_COMPLETED, "replay: completed");
	snprintf(want, sizeof(want), "completed|NULL|%" PRIu64 "|%" PRIu64
	    "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%"
	    PRIu64 "|%" PRIu64 "|0.25|1", tot->rt_events, tot->rt_replayed,
	    tot->rt_skipped_pages, tot->rt_fails, tot->rt_sleeps,
	    tot->rt_bytes_req, tot->rt_bytes_alloc, tot->rt_bytes_freed,
	    tot->rt_virtual_ns);
	tap_is_str(dt_str(h, "SELECT status, message, events, replayed, "
	    "skipped_pages, fails, sleeps, bytes_req, bytes_alloc, "
	    "bytes_freed, virtual_ns, wall_seconds, ended_at IS NOT NULL "
	    "FROM runs WHERE id = %" PRId64, id), want, "run_end: the runs row");
	tap_is(tot->rt_events, 12, "replay: 12 events read");

	/* caches: every pool_cache, in creation order */
	n = 0;
	bad = 0;
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc), n++) {
		const char *got;

		pool_cache_stats(pc, &cs);
		pool_stats(pool_cache_pool(pc), &ps);
		snprintf(want, sizeof(want), "%s|%" PRIu64 "|%" PRIu64 "|%"
		    PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%"
		    PRIu64 "|%" PRIu64 "|%s|%s", pool_cache_name(pc), ps.size,
		    cs.cpu_gets - cs.fails, cs.cpu_puts,
		    ps.inuse - cs.cpu_cached - cs.depot_cached,
		    pool_cache_peak(pc), ps.npages,
		    cs.depot_get_hits, cs.depot_get_misses, cs.depot_contended,
		    dt_vals(&cs, pool_cache_statdesc, pool_cache_nstatdesc),
		    dt_vals(&ps, pool_statdesc, pool_nstatdesc));
		got = dt_str(h, "SELECT name, objsize, allocs, frees, inuse, "
		    "peak_inuse, pages, depot_hits, depot_misses, contention, "
		    "%s, %s FROM caches WHERE run_id = %" PRId64 " AND idx = %u",
		    dt_cols("", pool_cache_statdesc, pool_cache_nstatdesc),
		    dt_cols("pool_", pool_statdesc, pool_nstatdesc), id, n);
		dt_row(&bad, "cache", n, got, want);
	}
	tap_ok(n > 15, "replay: %u caches (kmem classes and foo)", n);
	tap_is(dt_int(h, "SELECT count(*) FROM caches WHERE run_id = %"
	    PRId64, id), n, "run_end: one caches row per pool_cache");
	tap_is(bad, 0, "run_end: every caches row exact");
	tap_is_str(dt_str(h, "SELECT layer, allocs, frees, inuse FROM caches "
	    "WHERE run_id = %" PRId64 " AND name = 'foo'", id), "slab|2|2|0",
	    "run_end: the slab cache foo");
	tap_is_str(dt_str(h, "SELECT layer, allocs, frees FROM caches WHERE "
	    "run_id = %" PRId64 " AND name = 'kmem-128'", id), "kmem|2|1",
	    "run_end: kmem-128");
	tap_is(dt_int(h, "SELECT count(*) FROM caches WHERE run_id = %" PRId64
	    " AND layer = 'kmem'", id), kmem_nclasses(),
	    "run_end: every kmem class has layer kmem");
	tap_is(dt_int(h, "SELECT count(*) FROM locks WHERE run_id = %" PRId64
	    " AND kind = 'depot'", id), n, "run_end: a depot lock per cache");
	tap_is(dt_int(h, "SELECT count(*) FROM locks WHERE run_id = %" PRId64
	    " AND kind = 'pool'", id), n, "run_end: a pool lock per cache");
	tap_is(dt_int(h, "SELECT count(*) FROM locks WHERE run_id = %" PRId64
	    " AND kind = 'arena'", id), kml_replay_narenas(r),
	    "run_end: a lock per arena");
	tap_is(dt_int(h, "SELECT count(*) FROM locks WHERE run_id = %" PRId64
	    " AND kind = 'uvm'", id), 1, "run_end: uvm's lock");
	tap_is(dt_int(h, "SELECT count(*) FROM locks WHERE run_id = %" PRId64
	    " AND kind NOT IN ('depot', 'pool', 'arena', 'uvm')", id), 0,
	    "run_end: no other kind of lock (kmem takes none)");
	{
		struct kml_lockstat uls;

		int64_t got = dt_int(h, "SELECT acquisitions FROM locks WHERE "
		    "run_id = %" PRId64 " AND kind = 'uvm'", id);

		/* reading the results is observing: the count stands */
		uvm_lockstat(&uls);
		tap_ok(got > 0 && (uint64_t)got == uls.ls_acquire,
		    "run_end: uvm's lock acquisitions stored (%" PRId64
		    ", now %" PRIu64 ")", got, uls.ls_acquire);
	}

	/* arenas */
	bad = 0;
	for (unsigned i = 0; i < kml_replay_narenas(r); i++) {
		const char *src, *got;
		vmem_t *vm = kml_replay_arena(r, i, &src);

		vmem_stats(vm, &vs);
		snprintf(want, sizeof(want), "%s|%s|%" PRIu64 "|%s",
		    vmem_name(vm), src ? src : "NULL", vmem_quantum(vm),
		    dt_vals(&vs, vmem_statdesc, vmem_nstatdesc));
		got = dt_str(h, "SELECT name, source, quantum, %s FROM arenas "
		    "WHERE run_id = %" PRId64 " AND idx = %u",
		    dt_cols("", vmem_statdesc, vmem_nstatdesc), id, i);
		dt_row(&bad, "arena", i, got, want);
	}
	tap_is(dt_int(h, "SELECT count(*) FROM arenas WHERE run_id = %" PRId64,
	    id), kml_replay_narenas(r), "run_end: one arenas row per arena");
	tap_is(bad, 0, "run_end: every arenas row exact");
	tap_is_str(dt_str(h, "SELECT name, source FROM arenas WHERE run_id = %"
	    PRId64 " AND idx < 2 ORDER BY idx", id),
	    "kmem_arena|NULL;kmem_va_arena|kmem_arena",
	    "run_end: the first arenas and their sources");

	/* cpus */
	bad = 0;
	for (unsigned c = 0; c < kml_replay_cpus(r); c++) {
		const struct kml_replay_cpu *rc = kml_replay_cpu(r, c);
		struct pool_cache_stats sum;
		const char *got;

		memset(&sum, 0, sizeof(sum));
		for (pool_cache_t pc = pool_cache_first(); pc != NULL;
		    pc = pool_cache_next(pc)) {
			pool_cache_cpu_stats(pc, c, &cs);
			sum.cpu_gets += cs.cpu_gets;
			sum.cpu_hits += cs.cpu_hits;
			sum.cpu_misses += cs.cpu_misses;
			sum.cpu_puts += cs.cpu_puts;
			sum.cpu_put_hits += cs.cpu_put_hits;
			sum.cpu_put_misses += cs.cpu_put_misses;
			sum.cpu_cached += cs.cpu_cached;
		}
		snprintf(want, sizeof(want), "%" PRIu64 "|%" PRIu64 "|%" PRIu64
		    "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64
		    "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64,
		    rc->rcpu_events, rc->rcpu_busy_ns, rc->rcpu_idle_ns,
		    rc->rcpu_lock_wait_ns, rc->rcpu_cross_frees, sum.cpu_gets,
		    sum.cpu_hits, sum.cpu_misses, sum.cpu_puts,
		    sum.cpu_put_hits, sum.cpu_put_misses, sum.cpu_cached);
		got = dt_str(h, "SELECT events, busy_ns, idle_ns, "
		    "lock_wait_ns, cross_frees, gets, hits, misses, puts, "
		    "put_hits, put_misses, cached FROM cpus WHERE run_id = %"
		    PRId64 " AND cpu = %u", id, c);
		dt_row(&bad, "cpu", c, got, want);
	}
	tap_is(dt_int(h, "SELECT count(*) FROM cpus WHERE run_id = %" PRId64,
	    id), 2, "run_end: two cpus rows");
	tap_is(bad, 0, "run_end: every cpus row exact");
	tap_is(dt_int(h, "SELECT sum(events) FROM cpus WHERE run_id = %" PRId64,
	    id), tot->rt_replayed, "run_end: the CPUs' events add up");

	/* sites */
	n = 0;
	bad = 0;
	for (const struct kml_replay_site *s = kml_replay_site_first(r);
	    s != NULL; s = kml_replay_site_next(r, s), n++) {
		const char *got;

		snprintf(want, sizeof(want), "%s|%" PRIu64 "|%" PRIu64 "|%"
		    PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64 "|%" PRIu64,
		    s->rs_site, s->rs_allocs, s->rs_frees, s->rs_fails,
		    s->rs_bytes_req, s->rs_bytes_alloc, s->rs_live,
		    s->rs_live_bytes);
		got = dt_str(h, "SELECT site, allocs, frees, fails, bytes_req, "
		    "bytes_alloc, live, live_bytes FROM sites WHERE run_id = %"
		    PRId64 " AND idx = %u", id, n);
		dt_row(&bad, "site", n, got, want);
	}
	/* frees count at the site that allocated: f+0x1, g+0x2, big+0x4 */
	tap_is(n, 3, "replay: 3 allocating call sites");
	tap_is(dt_int(h, "SELECT count(*) FROM sites WHERE run_id = %" PRId64,
	    id), n, "run_end: one sites row per site");
	tap_is(bad, 0, "run_end: every sites row exact");
	tap_is_str(dt_str(h, "SELECT site, allocs, bytes_req FROM v_top_sites "
	    "WHERE run_id = %" PRId64 " AND rank = 1", id), "big+0x4|1|20000",
	    "v_top_sites: the large allocation's site first");

	/* uvm, kmem, anomalies */
	uvm_stats(&us);
	kmem_stats(&ks);
	tap_is_str(dt_str(h, "SELECT %s FROM uvm WHERE run_id = %" PRId64,
	    dt_cols("", uvm_statdesc, uvm_nstatdesc), id),
	    dt_vals(&us, uvm_statdesc, uvm_nstatdesc), "run_end: the uvm row");
	tap_is_str(dt_str(h, "SELECT %s FROM kmem WHERE run_id = %" PRId64,
	    dt_cols("", kmem_statdesc, kmem_nstatdesc), id),
	    dt_vals(&ks, kmem_statdesc, kmem_nstatdesc), "run_end: the kmem row");
	tap_is_str(dt_str(h, "SELECT count FROM anomaly_counts WHERE run_id = %"
	    PRId64 " AND kind = 'double free'", id), "1",
	    "run_end: one double free counted");
	tap_is(dt_int(h, "SELECT count(*) FROM anomaly_counts WHERE run_id = %"
	    PRId64, id), KML_AN_COUNT, "run_end: a count for every kind");
	tap_is(dh->dh_anomalies, 1, "replay: one anomaly callback");
	tap_is_str(dt_str(h, "SELECT event, cpu, tid, kind, ptr FROM "
	    "anomalies WHERE run_id = %" PRId64, id),
	    "6|0|10|double free|0x1000", "run_end: the anomaly row");

	/* samples: one per callback, the stack walked at each */
	tap_ok(dh->dh_samples >= 5, "replay: %u samples", dh->dh_samples);
	tap_is(dt_int(h, "SELECT count(*) FROM samples WHERE run_id = %" PRId64,
	    id), dh->dh_samples, "samples: one row per callback");
	tap_is(dt_int(h, "SELECT count(*) FROM cpu_samples WHERE run_id = %"
	    PRId64, id), 2 * dh->dh_samples, "cpu_samples: two per sample");
	tap_is(dt_int(h, "SELECT count(DISTINCT vtime) FROM cache_samples "
	    "WHERE run_id = %" PRId64, id), dh->dh_samples,
	    "cache_samples: at every sample");
	tap_is(dt_int(h, "SELECT count(*) FROM arena_samples WHERE run_id = %"
	    PRId64 " AND vtime = (SELECT max(vtime) FROM samples WHERE "
	    "run_id = %" PRId64 ")", id, id), kml_replay_narenas(r),
	    "arena_samples: every arena at the last sample");
	tap_is(dt_int(h, "SELECT count(DISTINCT vtime) FROM samples WHERE "
	    "run_id = %" PRId64, id), dh->dh_samples,
	    "samples: distinct virtual times");
	tap_ok(dh->dh_repeats > 0, "replay: %u samples caught up at the clock "
	    "of the one before", dh->dh_repeats);
	tap_ok(dh->dh_samples <= DT_MAXSAMPLES, "replay: at most %d samples",
	    DT_MAXSAMPLES);
	bad = 0;
	for (unsigned k = 0; k < dh->dh_samples && k < DT_MAXSAMPLES; k++) {
		snprintf(want, sizeof(want), "%u|%" PRIu64 "|%" PRIu64,
		    dh->dh_ncaches[k], dh->dh_hits[k], dh->dh_hits[k]);
		dt_row(&bad, "sample", k, dt_str(h, "SELECT count(*), "
		    "sum(hits), (SELECT sum(hits) FROM cpu_samples WHERE "
		    "run_id = %" PRId64 " AND vtime = %" PRIu64 ") FROM "
		    "cache_samples WHERE run_id = %" PRId64 " AND vtime = %"
		    PRIu64, id, (uint64_t)dh->dh_vtime[k], id,
		    (uint64_t)dh->dh_vtime[k]), want);
	}
	tap_is(bad, 0, "cache_samples, cpu_samples: at every sample (caught "
	    "up or not) every cache, and the CPU hits the stack had then");
	tap_is_str(dt_str(h, "SELECT status, events, anomalies FROM "
	    "v_run_summary WHERE run_id = %" PRId64, id), "completed|12|1",
	    "v_run_summary: the run");
	tap_is(dt_int(h, "SELECT count(*) FROM v_cache_hit_rates WHERE "
	    "run_id = %" PRId64, id), dt_int(h, "SELECT count(*) FROM caches "
	    "WHERE run_id = %" PRId64, id), "v_cache_hit_rates: every cache");
}

/* dt_check_interrupted: the status, the samples so far, no summary. */
static void
dt_check_interrupted(sqlite3 *h, struct kml_replay *r, int64_t id,
    unsigned st, struct dt_hooks *dh)
{
	static const char *const summary[] = { "caches", "arenas", "cpus",
		"locks", "sites", "uvm", "kmem", "anomaly_counts" };

	(void)r;
	tap_is(st, KML_REPLAY_INTERRUPTED, "interrupt: the replay stopped");
	tap_is(dh->dh_samples, 2, "interrupt: after 2 samples");
	tap_is_str(dt_str(h, "SELECT status, ended_at IS NOT NULL FROM runs "
	    "WHERE id = %" PRId64, id), "interrupted|1",
	    "interrupt: status interrupted");
	tap_is(dt_int(h, "SELECT replayed < 12 FROM runs WHERE id = %" PRId64,
	    id), 1, "interrupt: fewer events replayed than the trace's");
	tap_is(dt_int(h, "SELECT count(*) FROM samples WHERE run_id = %" PRId64,
	    id), 2, "interrupt: its 2 samples are stored");
	for (size_t i = 0; i < sizeof(summary) / sizeof(summary[0]); i++)
		tap_is(dt_int(h, "SELECT count(*) FROM %s WHERE run_id = %"
		    PRId64, summary[i], id), 0, "interrupt: no %s rows",
		    summary[i]);
}

static void
test_replay(void)
{
	const char *p = dt_path("replay.db"), *tp = dt_path("small.kmt");
	struct kml_db *db = dt_open(p);

	dt_trace(tp);
	dt_replay(db, p, tp, 0, dt_check_completed);
	dt_replay(db, p, tp, 2, dt_check_interrupted);
	dt_close(db);
}

int
main(void)
{
	snprintf(dt_dir, sizeof(dt_dir), "/tmp/kml-db-test.XXXXXX");
	if (mkdtemp(dt_dir) == NULL)
		tap_bail("mkdtemp: %s", strerror(errno));
	test_create();
	test_migrations();
	test_runs();
	test_locked();
	test_batching();
	test_replay();
	if (tap_failures() == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dt_dir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", dt_dir);
	} else
		tap_diag("files kept in %s", dt_dir);
	return tap_done();
}
