/*
 * src/cmd-compare.c: "kmemlab compare", two stored runs side by side.
 *
 * Each run's key figures come from one query over its runs row and the
 * sums of its summary tables (kmemlab-db(5)); they are printed in two
 * columns with the difference (second minus first) and that difference
 * as a percentage of the first.  Figures that are themselves percentages
 * differ in points, without a percentage.  Then the caches used in
 * either run, matched by name.  A run that did not complete has no
 * summary tables: its figures from them are "-".  Nothing is written.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include <kmemlab/db.h>

#include "cmd.h"
#include "util.h"

static int cmd_compare_exec(int, char **);

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.usage = "[--db PATH] RUN RUN",
	.summary = "compare two stored runs",
	.help =
	    "Prints the key figures of two runs of the results database side\n"
	    "by side, with their difference (the second run minus the first)\n"
	    "in absolute terms and as a percentage of the first; percentages\n"
	    "differ in points.  Then the caches used in either run: objects\n"
	    "allocated, in use, and the CPU layer's hit rate.\n"
	    "\n"
	    "options:\n"
	    "      --db=PATH    the results database (default: ./kmemlab.db)\n"
	    "  -h, --help       print this help and exit\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (no database, no such run),\n"
	    "2 usage error.\n",
	.exec = cmd_compare_exec
};

enum {
	CMD_COMPARE_OPT_DB = 256
};

static const struct option cmd_compare_longopts[] = {
	{ "db",		required_argument,	NULL,	CMD_COMPARE_OPT_DB },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* How a figure is printed and compared. */
enum cmd_compare_kind {
	CMD_COMPARE_COUNT,	/* an integer */
	CMD_COMPARE_SECS,	/* virtual ns, shown as seconds */
	CMD_COMPARE_REAL,	/* a real with cf_decimals decimals */
	CMD_COMPARE_PCT		/* a percentage; differences in points */
};

/*
 * The key figures: name, kind, decimals for reals, and the SQL
 * expression over run r (id ?1) that gives the figure.
 */
static const struct cmd_compare_figure {
	const char *cf_name;
	enum cmd_compare_kind cf_kind;
	int cf_decimals;
	const char *cf_sql;
} cmd_compare_figures[] = {
	{ "events", CMD_COMPARE_COUNT, 0, "r.events" },
	{ "replayed", CMD_COMPARE_COUNT, 0, "r.replayed" },
	{ "virtual time (s)", CMD_COMPARE_SECS, 9, "r.virtual_ns" },
	{ "virtual events/s", CMD_COMPARE_REAL, 0,
	    "r.replayed * 1e9 / NULLIF(r.virtual_ns, 0)" },
	{ "wall time (s)", CMD_COMPARE_REAL, 3, "r.wall_seconds" },
	{ "wall events/s", CMD_COMPARE_REAL, 0,
	    "r.replayed / NULLIF(r.wall_seconds, 0)" },
	{ "bytes requested", CMD_COMPARE_COUNT, 0, "r.bytes_req" },
	{ "bytes allocated", CMD_COMPARE_COUNT, 0, "r.bytes_alloc" },
	{ "bytes freed", CMD_COMPARE_COUNT, 0, "r.bytes_freed" },
	{ "internal fragmentation", CMD_COMPARE_COUNT, 0,
	    "r.bytes_alloc - r.bytes_req" },
	{ "internal fragmentation %", CMD_COMPARE_PCT, 1,
	    "100.0 * (r.bytes_alloc - r.bytes_req) / "
	    "NULLIF(r.bytes_alloc, 0)" },
	{ "fails", CMD_COMPARE_COUNT, 0, "r.fails" },
	{ "sleeps", CMD_COMPARE_COUNT, 0, "r.sleeps" },
	{ "anomalies", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(count) FROM anomaly_counts WHERE run_id = r.id)" },
	{ "cross-CPU frees", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(cross_frees) FROM cpus WHERE run_id = r.id)" },
	{ "CPU layer hit %", CMD_COMPARE_PCT, 1,
	    "(SELECT 100.0 * sum(hits) / NULLIF(sum(gets), 0) FROM cpus "
	    "WHERE run_id = r.id)" },
	{ "depot hit %", CMD_COMPARE_PCT, 1,
	    "(SELECT 100.0 * sum(depot_get_hits) / NULLIF(sum(cpu_misses), 0) "
	    "FROM caches WHERE run_id = r.id)" },
	{ "depot contended", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(depot_contended) FROM caches WHERE run_id = r.id)" },
	{ "lock contended", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(contended) FROM locks WHERE run_id = r.id)" },
	{ "lock wait (ns)", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(wait_ns) FROM locks WHERE run_id = r.id)" },
	{ "cpu busy (ns)", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(busy_ns) FROM cpus WHERE run_id = r.id)" },
	{ "cpu idle (ns)", CMD_COMPARE_COUNT, 0,
	    "(SELECT sum(idle_ns) FROM cpus WHERE run_id = r.id)" },
	{ "kmem in use (bytes)", CMD_COMPARE_COUNT, 0,
	    "(SELECT inuse FROM kmem WHERE run_id = r.id)" },
	{ "wired pages", CMD_COMPARE_COUNT, 0,
	    "(SELECT wiredpages FROM uvm WHERE run_id = r.id)" },
	{ "peak in use (bytes, samples)", CMD_COMPARE_COUNT, 0,
	    "(SELECT max(inuse_bytes) FROM samples WHERE run_id = r.id)" },
};

#define CMD_COMPARE_NFIG	nitems(cmd_compare_figures)

/* The descriptive fields of a run, in the header rows. */
static const char *const cmd_compare_fields[] = {
	"status", "trace", "policy", "cpus", "timing"
};

#define CMD_COMPARE_NFIELDS	nitems(cmd_compare_fields)

/* One run's figures. */
struct cmd_compare_run {
	char c_field[CMD_COMPARE_NFIELDS][256];	/* status ... timing */
	double c_val[CMD_COMPARE_NFIG];
	bool c_null[CMD_COMPARE_NFIG];		/* no value */
};

/*
 * cmd_compare_load: the figures of run id into *c.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_compare_load(struct kml_db *db, const char *path, int64_t id,
    struct cmd_compare_run *c)
{
	char sql[4096];
	size_t len;
	sqlite3_stmt *st;
	int rc;

	len = (size_t)snprintf(sql, sizeof(sql),
	    "SELECT r.status, r.trace, r.policy, r.cpus, r.timing");
	for (size_t i = 0; i < CMD_COMPARE_NFIG; i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", %s",
		    cmd_compare_figures[i].cf_sql);
	snprintf(sql + len, sizeof(sql) - len,
	    " FROM runs r WHERE r.id = ?1");
	if ((st = util_db_prepare(db, path, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < CMD_COMPARE_NFIELDS; i++)
			snprintf(c->c_field[i], sizeof(c->c_field[i]), "%s",
			    util_db_text(st, (int)i, "-"));
		for (size_t i = 0; i < CMD_COMPARE_NFIG; i++) {
			int col = (int)(CMD_COMPARE_NFIELDS + i);

			c->c_null[i] = sqlite3_column_type(st, col) ==
			    SQLITE_NULL;
			c->c_val[i] = sqlite3_column_double(st, col);
		}
		rc = sqlite3_step(st);
	}
	return util_db_done(db, path, st, rc);
}

/* cmd_compare_value: figure f's value v into buf.  => buf. */
static const char *
cmd_compare_value(char *buf, size_t len, const struct cmd_compare_figure *f,
    double v, bool sign)
{
	switch (f->cf_kind) {
	case CMD_COMPARE_SECS:
		snprintf(buf, len, sign ? "%+.9f" : "%.9f", v / 1e9);
		break;
	case CMD_COMPARE_PCT:
		snprintf(buf, len, sign ? "%+.*f" : "%.*f%%", f->cf_decimals,
		    v);
		break;
	default:
		snprintf(buf, len, sign ? "%+.*f" : "%.*f", f->cf_decimals, v);
		break;
	}
	/* "-0" and "+0" read better as "0". */
	if (strspn(buf, "+-0.") == strlen(buf) && strchr(buf, '0') != NULL)
		memmove(buf, buf + (buf[0] == '+' || buf[0] == '-'),
		    strlen(buf) + 1 - (buf[0] == '+' || buf[0] == '-'));
	return buf;
}

/* cmd_compare_print: the figures of runs a and b (ids ia, ib). */
static void
cmd_compare_print(int64_t ia, int64_t ib, const struct cmd_compare_run *a,
    const struct cmd_compare_run *b)
{
	char va[64], vb[64], d[64], pct[64];
	const struct cmd_compare_figure *f;
	struct util_table t;
	double diff;

	util_table_init(&t, 5, "lrrrr");
	util_table_addf(&t, "%s", "");
	util_table_addf(&t, "run %" PRId64, ia);
	util_table_addf(&t, "run %" PRId64, ib);
	util_table_add(&t, "diff");
	util_table_add(&t, "diff%");
	for (size_t i = 0; i < CMD_COMPARE_NFIELDS; i++) {
		util_table_add(&t, cmd_compare_fields[i]);
		util_table_add(&t, a->c_field[i]);
		util_table_add(&t, b->c_field[i]);
		util_table_add(&t, "");
		util_table_add(&t, "");
	}
	for (size_t i = 0; i < CMD_COMPARE_NFIG; i++) {
		f = &cmd_compare_figures[i];
		util_table_add(&t, f->cf_name);
		util_table_add(&t, a->c_null[i] ? "-" :
		    cmd_compare_value(va, sizeof(va), f, a->c_val[i], false));
		util_table_add(&t, b->c_null[i] ? "-" :
		    cmd_compare_value(vb, sizeof(vb), f, b->c_val[i], false));
		if (a->c_null[i] || b->c_null[i]) {
			util_table_add(&t, "-");
			util_table_add(&t, "-");
			continue;
		}
		diff = b->c_val[i] - a->c_val[i];
		util_table_add(&t, cmd_compare_value(d, sizeof(d), f, diff,
		    true));
		if (f->cf_kind == CMD_COMPARE_PCT)
			snprintf(pct, sizeof(pct), "-");
		else if (a->c_val[i] == 0)
			snprintf(pct, sizeof(pct), diff == 0 ? "0.0%%" : "-");
		else
			snprintf(pct, sizeof(pct), "%+.1f%%",
			    100.0 * diff / fabs(a->c_val[i]));
		if (strcmp(pct, "+0.0%") == 0 || strcmp(pct, "-0.0%") == 0)
			snprintf(pct, sizeof(pct), "0.0%%");
		util_table_add(&t, pct);
	}
	util_table_print(&t, stdout, 0);
}

/*
 * cmd_compare_caches: the caches used in run ia or ib, matched by name.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_compare_caches(struct kml_db *db, const char *path, int64_t ia,
    int64_t ib)
{
	struct util_table t;
	sqlite3_stmt *st;
	char pa[32], pb[32];
	int rc;

	if ((st = util_db_prepare(db, path,
	    "WITH a AS (SELECT name, objsize, allocs, inuse, cpu_hits, "
	    "cpu_gets FROM caches WHERE run_id = ?1 AND cpu_gets > 0), "
	    "b AS (SELECT name, objsize, allocs, inuse, cpu_hits, cpu_gets "
	    "FROM caches WHERE run_id = ?2 AND cpu_gets > 0), "
	    "n AS (SELECT name FROM a UNION SELECT name FROM b) "
	    "SELECT n.name, a.allocs, b.allocs, a.inuse, b.inuse, "
	    "a.cpu_hits, a.cpu_gets, b.cpu_hits, b.cpu_gets "
	    "FROM n LEFT JOIN a ON a.name = n.name "
	    "LEFT JOIN b ON b.name = n.name "
	    "ORDER BY coalesce(a.objsize, b.objsize), n.name")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, ia);
	sqlite3_bind_int64(st, 2, ib);
	util_table_init(&t, 7, "lrrrrrr");
	util_table_addf(&t, "cache");
	util_table_addf(&t, "allocs %" PRId64, ia);
	util_table_addf(&t, "allocs %" PRId64, ib);
	util_table_addf(&t, "inuse %" PRId64, ia);
	util_table_addf(&t, "inuse %" PRId64, ib);
	util_table_addf(&t, "hit%% %" PRId64, ia);
	util_table_addf(&t, "hit%% %" PRId64, ib);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 5; i++)
			util_table_add(&t, util_db_text(st, i, "-"));
		util_table_add(&t, util_pct(pa, sizeof(pa),
		    sqlite3_column_double(st, 5),
		    sqlite3_column_double(st, 6)));
		util_table_add(&t, util_pct(pb, sizeof(pb),
		    sqlite3_column_double(st, 7),
		    sqlite3_column_double(st, 8)));
	}
	return util_db_table(db, path, st, rc, &t, "caches:");
}

/* cmd_compare_exec: parse the options and compare the two runs. */
static int
cmd_compare_exec(int argc, char **argv)
{
	struct cmd_compare_run a, b;
	const char *path = UTIL_DB_DEFAULT;
	struct kml_db *db;
	int64_t ia, ib;
	int ch, status = KML_EXIT_OK;

	while ((ch = getopt_long(argc, argv, ":h", cmd_compare_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CMD_COMPARE_OPT_DB:
			path = optarg;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_compare_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_compare_longopts,
			    &cmd_compare_entry);
		}
	}
	if (argc - optind < 2) {
		util_error("missing run (two are compared)");
		return KML_EXIT_USAGE;
	}
	if (argc - optind > 2)
		return cmd_extra_argument(argv[optind + 2]);
	if (util_parse_run(argv[optind], &ia) != 0 ||
	    util_parse_run(argv[optind + 1], &ib) != 0)
		return KML_EXIT_USAGE;
	if ((db = util_db_open(path, true)) == NULL)
		return KML_EXIT_RUNTIME;
	if (util_db_find_run(db, path, ia) != 0 ||
	    util_db_find_run(db, path, ib) != 0 ||
	    cmd_compare_load(db, path, ia, &a) != 0 ||
	    cmd_compare_load(db, path, ib, &b) != 0)
		status = KML_EXIT_RUNTIME;
	if (status == KML_EXIT_OK) {
		cmd_compare_print(ia, ib, &a, &b);
		if (cmd_compare_caches(db, path, ia, ib) != 0)
			status = KML_EXIT_RUNTIME;
	}
	if (util_db_close(db) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}
