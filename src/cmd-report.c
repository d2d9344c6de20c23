/*
 * src/cmd-report.c: "kmemlab report", the tables users know, read back
 * from a run stored in the results database.
 *
 * The sections, each one query on the run's rows (kmemlab-db(5)):
 *  - the run: trace, policy, configuration, status, events and times;
 *  - a summary in the words of `perf kmem stat` (bytes requested,
 *    allocated, freed, internal fragmentation, cross-CPU frees);
 *  - the caches' pool layer as NetBSD `vmstat -m` prints it, and their
 *    magazine layers as `vmstat -C`;
 *  - the vmem arenas as illumos `::kmastat` prints them, each arena
 *    indented under the arena it imports from;
 *  - per CPU, the locks that were waited for, the top call sites and the
 *    anomalies.
 * Only a completed or deadlocked run has the summary tables; for another
 * the report says so after the run's own figures.  Nothing is written.
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

#include "cmd.h"
#include "util.h"

static int cmd_report_exec(int, char **);

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "[--db PATH] [-a] [RUN]",
	.summary = "print the tables of a stored run",
	.help =
	    "Prints run RUN of the results database (default: the latest\n"
	    "completed run) as the tables users know: the run, a `perf kmem\n"
	    "stat` summary, the caches as NetBSD `vmstat -m` (pool layer) and\n"
	    "`vmstat -C` (magazine layers), the vmem arenas as illumos\n"
	    "`::kmastat` (indented under their import source), per CPU, the\n"
	    "locks waited for, the top call sites and the anomalies.\n"
	    "\n"
	    "options:\n"
	    "      --db=PATH    the results database (default: ./kmemlab.db)\n"
	    "  -a, --all        every cache, lock, call site and anomaly\n"
	    "                   (default: the caches used, the 10 locks waited\n"
	    "                   for longest, the 10 sites that allocated most,\n"
	    "                   the first 20 anomalies)\n"
	    "  -h, --help       print this help and exit\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (no database, no such run),\n"
	    "2 usage error.\n",
	.exec = cmd_report_exec
};

enum {
	CMD_REPORT_OPT_DB = 256
};

static const struct option cmd_report_longopts[] = {
	{ "db",		required_argument,	NULL,	CMD_REPORT_OPT_DB },
	{ "all",	no_argument,		NULL,	'a' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

#define CMD_REPORT_TOP		10	/* locks and sites without -a */
#define CMD_REPORT_ANOMALIES	20	/* anomalies listed without -a */

/* What every section needs. */
struct cmd_report {
	struct kml_db *r_db;
	const char *r_path;		/* the database's path, for messages */
	int64_t r_id;			/* the run */
	bool r_all;			/* -a */
};

/* ---- queries */

/*
 * cmd_report_query: prepare sql, whose ?1 is the run id.
 * => returns the statement, or NULL after reporting.
 */
static sqlite3_stmt *
cmd_report_query(const struct cmd_report *rp, const char *sql)
{
	sqlite3_stmt *st;

	if ((st = util_db_prepare(rp->r_db, rp->r_path, sql)) != NULL)
		sqlite3_bind_int64(st, 1, rp->r_id);
	return st;
}

/* cmd_report_i64: column i of st as an integer (NULL: 0). */
static int64_t
cmd_report_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

/*
 * cmd_report_cells: add columns from..to-1 of st's row to t: integers
 * as they are, NULL as "-".
 */
static void
cmd_report_cells(struct util_table *t, sqlite3_stmt *st, int from, int to)
{
	for (int i = from; i < to; i++) {
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			util_table_add(t, "-");
		else
			util_table_add(t, util_db_text(st, i, "-"));
	}
}

/*
 * cmd_report_pct: add to t, as a percentage (util_pct), column part of
 * st's row over column whole.
 */
static void
cmd_report_pct(struct util_table *t, sqlite3_stmt *st, int part, int whole)
{
	char pct[32];

	util_table_add(t, util_pct(pct, sizeof(pct),
	    (double)cmd_report_i64(st, part),
	    (double)cmd_report_i64(st, whole)));
}

/*
 * cmd_report_list: print the section title: every column of sql's rows as
 * they are (cmd_report_cells) under the column titles titles (separated
 * by tabs).  With a limit other than 0, sql's ?2 is bound to limit, or
 * to -1 (no limit) with -a.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_report_list(const struct cmd_report *rp, const char *sql, int limit,
    unsigned ncols, const char *align, const char *titles, const char *title)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = cmd_report_query(rp, sql)) == NULL)
		return -1;
	if (limit != 0)
		sqlite3_bind_int(st, 2, rp->r_all ? -1 : limit);
	util_table_init(&t, ncols, align);
	util_table_row(&t, "%s", titles);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cmd_report_cells(&t, st, 0, (int)ncols);
	return util_db_table(rp->r_db, rp->r_path, st, rc, &t, title);
}

/* ---- sections */

/*
 * cmd_report_run: the run's own figures.
 * => returns 1 when the run has summary tables (completed or deadlock),
 *    0 when not, -1 after reporting an error.
 */
static int
cmd_report_run(const struct cmd_report *rp)
{
	sqlite3_stmt *st;
	char buf[64];
	int rc, summary = 0;
	double wall;

	if ((st = cmd_report_query(rp,
	    "SELECT status, started_at, ended_at, trace, trace_sha256, "
	    "policy, cpus, timing, seed, config, version, message, events, "
	    "replayed, skipped_pages, virtual_ns, wall_seconds "
	    "FROM runs WHERE id = ?1")) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = util_db_text(st, 0, "-");

		printf("run %" PRId64 ": %s\n", rp->r_id, status);
		printf("  trace:         %s\n", util_db_text(st, 3, "-"));
		printf("  sha256:        %s\n", util_db_text(st, 4, "-"));
		printf("  started:       %s\n", util_db_text(st, 1, "-"));
		printf("  ended:         %s\n", util_db_text(st, 2, "-"));
		printf("  policy:        %s, %" PRId64 " vCPU%s, %s timing, "
		    "seed %" PRId64 "\n", util_db_text(st, 5, "-"),
		    cmd_report_i64(st, 6), cmd_report_i64(st, 6) == 1 ?
		    "" : "s", util_db_text(st, 7, "-"),
		    cmd_report_i64(st, 8));
		printf("  config:        %s\n", util_db_text(st, 9, "-"));
		printf("  version:       kmemlab %s\n",
		    util_db_text(st, 10, "-"));
		if (sqlite3_column_type(st, 11) != SQLITE_NULL)
			printf("  message:       %s\n",
			    util_db_text(st, 11, ""));
		if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
			printf("  events:        %" PRId64 " (%" PRId64
			    " replayed, %" PRId64 " slab page events left "
			    "out)\n", cmd_report_i64(st, 12),
			    cmd_report_i64(st, 13), cmd_report_i64(st, 14));
			printf("  virtual time:  %s s\n", util_secs(buf,
			    sizeof(buf), (uint64_t)cmd_report_i64(st, 15)));
			wall = sqlite3_column_double(st, 16);
			printf("  wall time:     %.3f s (%.0f events/s)\n",
			    wall, wall > 0 ?
			    (double)cmd_report_i64(st, 13) / wall : 0.0);
		}
		summary = strcmp(status, "completed") == 0 ||
		    strcmp(status, "deadlock") == 0;
		rc = sqlite3_step(st);
	}
	if (util_db_done(rp->r_db, rp->r_path, st, rc) != 0)
		return -1;
	return summary;
}

/* cmd_report_perf: the `perf kmem stat` summary.  => 0, or -1. */
static int
cmd_report_perf(const struct cmd_report *rp)
{
	sqlite3_stmt *st;
	char pct[32];
	int rc;

	if ((st = cmd_report_query(rp,
	    "SELECT bytes_req, bytes_alloc, bytes_freed, fails, sleeps, "
	    "(SELECT sum(cross_frees) FROM cpus WHERE run_id = ?1), "
	    "(SELECT sum(frees) FROM sites WHERE run_id = ?1), "
	    "(SELECT sum(allocs) FROM sites WHERE run_id = ?1) "
	    "FROM runs WHERE id = ?1")) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t req = cmd_report_i64(st, 0);
		int64_t alloc = cmd_report_i64(st, 1);
		int64_t freed = cmd_report_i64(st, 2);

		printf("\nsummary (perf kmem stat):\n");
		printf("  Total bytes requested: %" PRId64 "\n", req);
		printf("  Total bytes allocated: %" PRId64 "\n", alloc);
		printf("  Total bytes freed:     %" PRId64 "\n", freed);
		printf("  Net total bytes allocated: %" PRId64 "\n",
		    alloc - freed);
		printf("  Total bytes wasted on internal fragmentation: %"
		    PRId64 "\n", alloc - req);
		printf("  Internal fragmentation: %s\n", util_pct(pct,
		    sizeof(pct), (double)(alloc - req), (double)alloc));
		printf("  Cross CPU frees: %" PRId64 "/%" PRId64 "\n",
		    cmd_report_i64(st, 5), cmd_report_i64(st, 6));
		printf("  Allocations: %" PRId64 " (%" PRId64 " failed, %"
		    PRId64 " slept)\n", cmd_report_i64(st, 7),
		    cmd_report_i64(st, 3), cmd_report_i64(st, 4));
		rc = sqlite3_step(st);
	}
	return util_db_done(rp->r_db, rp->r_path, st, rc);
}

/* The columns of `vmstat -m` (cmd_report_vmstat_m), before a filter. */
#define CMD_REPORT_VMSTAT_M						\
	"SELECT name, pool_size, pool_nget, pool_nfail, pool_nput, "	\
	"pool_npagealloc, pool_npagefree, pool_npages, pool_hiwat, "	\
	"pool_minpages, pool_maxpages, pool_nidle FROM caches "		\
	"WHERE run_id = ?1 "

/* cmd_report_vmstat_m: the caches' pool layer as `vmstat -m`.  => 0, or -1. */
static int
cmd_report_vmstat_m(const struct cmd_report *rp)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = cmd_report_query(rp, rp->r_all ?
	    CMD_REPORT_VMSTAT_M "ORDER BY idx" :
	    CMD_REPORT_VMSTAT_M "AND (pool_nget > 0 OR cpu_gets > 0) "
	    "ORDER BY idx")) == NULL)
		return -1;
	util_table_init(&t, 12, "lrrrrrrrrrrr");
	util_table_row(&t, "Name\tSize\tRequests\tFail\tReleases\tPgreq\t"
	    "Pgrel\tNpage\tHiwat\tMinpg\tMaxpg\tIdle");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cmd_report_cells(&t, st, 0, 10);
		/* A maximum of all ones is no maximum, "inf" as NetBSD says. */
		if (cmd_report_i64(st, 10) == -1)
			util_table_add(&t, "inf");
		else
			cmd_report_cells(&t, st, 10, 11);
		cmd_report_cells(&t, st, 11, 12);
	}
	return util_db_table(rp->r_db, rp->r_path, st, rc, &t,
	    "caches, pool layer (vmstat -m):");
}

/* The columns of `vmstat -C` (cmd_report_vmstat_c), before a filter. */
#define CMD_REPORT_VMSTAT_C						\
	"SELECT name, depot_contended, magsize, depot_full, depot_empty, " \
	"pool_gets, cpu_misses, depot_get_hits, cpu_gets, cpu_hits "	\
	"FROM caches WHERE run_id = ?1 "

/*
 * cmd_report_vmstat_c: the caches' magazine layers as `vmstat -C`: Spin
 * the depot lock's contended acquisitions, GrpSz the magazine size, Full
 * and Emty the depot's magazines, PoolLayer the objects taken from the
 * pool, CacheLayer the gets that missed the CPU layer (and Hit% those the
 * depot served), CpuLayer the gets (and Hit% those a CPU magazine
 * served).  => 0, or -1.
 */
static int
cmd_report_vmstat_c(const struct cmd_report *rp)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = cmd_report_query(rp, rp->r_all ?
	    CMD_REPORT_VMSTAT_C "ORDER BY idx" :
	    CMD_REPORT_VMSTAT_C "AND cpu_gets > 0 ORDER BY idx")) == NULL)
		return -1;
	util_table_init(&t, 10, "lrrrrrrrrr");
	util_table_row(&t, "Name\tSpin\tGrpSz\tFull\tEmty\tPoolLayer\t"
	    "CacheLayer\tHit%%\tCpuLayer\tHit%%");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cmd_report_cells(&t, st, 0, 7);
		cmd_report_pct(&t, st, 7, 6);
		cmd_report_cells(&t, st, 8, 9);
		cmd_report_pct(&t, st, 9, 8);
	}
	return util_db_table(rp->r_db, rp->r_path, st, rc, &t,
	    "caches, magazine layers (vmstat -C):");
}

/* One arena, read for the import tree. */
struct cmd_report_arena {
	char *a_name;
	char *a_source;			/* NULL: none */
	int64_t a_val[5];		/* inuse, total, imported, allocs, fails */
	bool a_done;			/* printed */
};

/*
 * cmd_report_arena_rows: add arena i of as and, below it, the arenas that
 * import from it, recursively, indented 4 spaces per level.
 */
static void
cmd_report_arena_rows(struct util_table *t, struct cmd_report_arena *as,
    size_t n, size_t i, unsigned depth)
{
	as[i].a_done = true;
	util_table_addf(t, "%*s%s", (int)(4 * depth), "", as[i].a_name);
	for (int k = 0; k < 5; k++)
		util_table_addf(t, "%" PRId64, as[i].a_val[k]);
	for (size_t j = 0; j < n; j++)
		if (!as[j].a_done && as[j].a_source != NULL &&
		    strcmp(as[j].a_source, as[i].a_name) == 0)
			cmd_report_arena_rows(t, as, n, j, depth + 1);
}

/* cmd_report_kmastat: the arenas as illumos `::kmastat`.  => 0, or -1. */
static int
cmd_report_kmastat(const struct cmd_report *rp)
{
	struct cmd_report_arena *as = NULL;
	size_t n = 0, cap = 0;
	struct util_table t;
	sqlite3_stmt *st;
	bool root;
	int rc;

	if ((st = cmd_report_query(rp,
	    "SELECT name, source, inuse, total, imported, allocs, fails "
	    "FROM arenas WHERE run_id = ?1 ORDER BY idx")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			as = xreallocarray(as, cap, sizeof(*as));
		}
		as[n].a_name = xstrdup(util_db_text(st, 0, ""));
		as[n].a_source = sqlite3_column_type(st, 1) == SQLITE_NULL ?
		    NULL : xstrdup(util_db_text(st, 1, ""));
		for (int k = 0; k < 5; k++)
			as[n].a_val[k] = cmd_report_i64(st, 2 + k);
		as[n].a_done = false;
		n++;
	}
	if (util_db_done(rp->r_db, rp->r_path, st, rc) != 0)
		goto out;
	util_table_init(&t, 6, "lrrrrr");
	util_table_row(&t, "vmem\tmemory\tmemory\tmemory\talloc\talloc");
	util_table_row(&t, "name\tin use\ttotal\timport\tsucceed\tfail");
	util_table_rule(&t);
	/* Roots: no source, or a source that is not among the arenas. */
	for (size_t i = 0; i < n; i++) {
		root = true;
		for (size_t j = 0; as[i].a_source != NULL && j < n; j++)
			if (strcmp(as[j].a_name, as[i].a_source) == 0)
				root = false;
		if (root && !as[i].a_done)
			cmd_report_arena_rows(&t, as, n, i, 0);
	}
	util_table_section(&t, "arenas (::kmastat):", 3);
out:
	for (size_t i = 0; i < n; i++) {
		free(as[i].a_name);
		free(as[i].a_source);
	}
	free(as);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* cmd_report_cpus: per vCPU.  => 0, or -1. */
static int
cmd_report_cpus(const struct cmd_report *rp)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = cmd_report_query(rp,
	    "SELECT cpu, events, busy_ns, idle_ns, lock_wait_ns, cross_frees, "
	    "gets, hits, cached FROM cpus WHERE run_id = ?1 ORDER BY cpu")) ==
	    NULL)
		return -1;
	util_table_init(&t, 9, "rrrrrrrrr");
	util_table_row(&t, "cpu\tevents\tbusy_ns\tidle_ns\tlock_wait_ns\t"
	    "cross_frees\tgets\thit%%\tcached");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cmd_report_cells(&t, st, 0, 7);
		cmd_report_pct(&t, st, 7, 6);
		cmd_report_cells(&t, st, 8, 9);
	}
	return util_db_table(rp->r_db, rp->r_path, st, rc, &t, "cpus:");
}

/* cmd_report_locks: the locks that were waited for.  => 0, or -1. */
static int
cmd_report_locks(const struct cmd_report *rp)
{
	return cmd_report_list(rp,
	    "SELECT kind, name, acquisitions, contended, wait_ns, "
	    "max_wait_ns, hold_ns FROM locks WHERE run_id = ?1 AND "
	    "(contended > 0 OR wait_ns > 0) "
	    "ORDER BY wait_ns DESC, contended DESC, kind, name "
	    "LIMIT ?2", CMD_REPORT_TOP, 7, "llrrrrr",
	    "kind\tname\tacquisitions\tcontended\twait_ns\t"
	    "max_wait_ns\thold_ns", "locks waited for:");
}

/* cmd_report_sites: the call sites that allocated most.  => 0, or -1. */
static int
cmd_report_sites(const struct cmd_report *rp)
{
	return cmd_report_list(rp,
	    "SELECT site, allocs, frees, fails, bytes_req, bytes_alloc, "
	    "bytes_alloc - bytes_req, live, live_bytes FROM sites "
	    "WHERE run_id = ?1 ORDER BY bytes_alloc DESC, allocs DESC, idx "
	    "LIMIT ?2", CMD_REPORT_TOP, 9, "lrrrrrrrr",
	    "site\tallocs\tfrees\tfails\tbytes_req\t"
	    "bytes_alloc\twaste\tlive\tlive_bytes",
	    rp->r_all ? "call sites:" : "top call sites (by bytes allocated):");
}

/* cmd_report_anomalies: counts by kind, then the anomalies.  => 0, or -1. */
static int
cmd_report_anomalies(const struct cmd_report *rp)
{
	struct util_table t;
	sqlite3_stmt *st;
	int64_t total = 0;
	int rc;

	if (cmd_report_list(rp,
	    "SELECT kind, count FROM anomaly_counts WHERE run_id = ?1 AND "
	    "count > 0 ORDER BY rowid", 0, 2, "lr", "kind\tcount",
	    "anomalies:") != 0)
		return -1;
	if ((st = cmd_report_query(rp,
	    "SELECT count(*) FROM anomalies WHERE run_id = ?1")) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		total = cmd_report_i64(st, 0);
		rc = sqlite3_step(st);
	}
	if (util_db_done(rp->r_db, rp->r_path, st, rc) != 0)
		return -1;
	if (total == 0)
		return 0;
	if ((st = cmd_report_query(rp,
	    "SELECT event, ts, cpu, tid, kind, ptr, size, detail "
	    "FROM anomalies WHERE run_id = ?1 ORDER BY event, rowid "
	    "LIMIT ?2")) == NULL)
		return -1;
	sqlite3_bind_int(st, 2, rp->r_all ? -1 : CMD_REPORT_ANOMALIES);
	util_table_init(&t, 8, "rrrrllrl");
	util_table_row(&t, "event\tts\tcpu\ttid\tkind\tptr\tsize\tdetail");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cmd_report_cells(&t, st, 0, 8);
	if (util_db_done(rp->r_db, rp->r_path, st, rc) != 0) {
		util_table_free(&t);
		return -1;
	}
	printf("\n");
	util_table_print(&t, stdout, 2);
	if (!rp->r_all && total > CMD_REPORT_ANOMALIES)
		printf("  ... %" PRId64 " more (-a lists all)\n",
		    total - CMD_REPORT_ANOMALIES);
	return 0;
}

/*
 * cmd_report_print: every section of run rp->r_id.
 * => returns KML_EXIT_OK, or KML_EXIT_RUNTIME after reporting.
 */
static int
cmd_report_print(const struct cmd_report *rp)
{
	int summary;

	if ((summary = cmd_report_run(rp)) < 0)
		return KML_EXIT_RUNTIME;
	if (summary == 0) {
		printf("\nno tables: the run did not complete\n");
		return KML_EXIT_OK;
	}
	if (cmd_report_perf(rp) != 0 || cmd_report_vmstat_m(rp) != 0 ||
	    cmd_report_vmstat_c(rp) != 0 || cmd_report_kmastat(rp) != 0 ||
	    cmd_report_cpus(rp) != 0 || cmd_report_locks(rp) != 0 ||
	    cmd_report_sites(rp) != 0 || cmd_report_anomalies(rp) != 0)
		return KML_EXIT_RUNTIME;
	return KML_EXIT_OK;
}

/* cmd_report_exec: parse the options, find the run and print it. */
static int
cmd_report_exec(int argc, char **argv)
{
	struct cmd_report rp = { .r_path = UTIL_DB_DEFAULT };
	const char *arg = NULL;
	int ch, status;

	while ((ch = getopt_long(argc, argv, ":ah", cmd_report_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CMD_REPORT_OPT_DB:
			rp.r_path = optarg;
			break;
		case 'a':
			rp.r_all = true;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_report_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_report_longopts,
			    &cmd_report_entry);
		}
	}
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	if (arg != NULL && util_parse_run(arg, &rp.r_id) != 0)
		return KML_EXIT_USAGE;
	if ((rp.r_db = util_db_open(rp.r_path, true)) == NULL)
		return KML_EXIT_RUNTIME;
	if (arg != NULL) {
		if (util_db_find_run(rp.r_db, rp.r_path, rp.r_id) != 0)
			rp.r_id = -1;
	} else if ((rp.r_id = util_db_latest_run(rp.r_db, rp.r_path,
	    "completed")) == 0) {
		util_error("%s: no completed run", rp.r_path);
		rp.r_id = -1;
	}
	if (rp.r_id < 0) {
		util_db_close(rp.r_db);
		return KML_EXIT_RUNTIME;
	}
	status = cmd_report_print(&rp);
	if (util_db_close(rp.r_db) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}
