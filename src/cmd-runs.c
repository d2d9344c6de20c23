/*
 * src/cmd-runs.c: "kmemlab runs", the runs of the results database, one
 * line each, oldest first.  It only reads the database (which must
 * exist); a run still running, or one that failed before its end was
 * stored, has no figures ("-").
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include <kmemlab/db.h>

#include "cmd.h"
#include "util.h"

static int cmd_runs_exec(int, char **);

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.usage = "[--db PATH]",
	.summary = "list the runs stored in the results database",
	.help =
	    "Prints one line per run of the results database, oldest first:\n"
	    "its id, when it started (UTC), its status (running, completed,\n"
	    "deadlock, failed or interrupted), the trace, the policy, the\n"
	    "virtual CPUs, the timing mode, the events read, the virtual time\n"
	    "and the wall-clock time, both in seconds ('-' when the run stored\n"
	    "no figures).\n"
	    "\n"
	    "options:\n"
	    "      --db=PATH    the results database (default: ./kmemlab.db)\n"
	    "  -h, --help       print this help and exit\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (no database, a bad\n"
	    "database), 2 usage error.\n",
	.exec = cmd_runs_exec
};

enum {
	CMD_RUNS_OPT_DB = 256
};

static const struct option cmd_runs_longopts[] = {
	{ "db",		required_argument,	NULL,	CMD_RUNS_OPT_DB },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_runs_list: print the runs of db (at path).
 * => returns KML_EXIT_OK, or KML_EXIT_RUNTIME after reporting.
 */
static int
cmd_runs_list(struct kml_db *db, const char *path)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = util_db_prepare(db, path,
	    "SELECT id, started_at, status, trace, policy, cpus, timing, "
	    "events, virtual_ns, wall_seconds FROM runs ORDER BY id")) == NULL)
		return KML_EXIT_RUNTIME;
	util_table_init(&t, 10, "rllllrlrrr");
	util_table_row(&t, "id\tstarted\tstatus\ttrace\tpolicy\tcpus\ttiming\t"
	    "events\tvirtual s\twall s");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 7; i++)
			util_table_add(&t, util_db_text(st, i, "-"));
		if (sqlite3_column_type(st, 7) == SQLITE_NULL)
			util_table_add(&t, "-");
		else
			util_table_addf(&t, "%lld",
			    (long long)sqlite3_column_int64(st, 7));
		if (sqlite3_column_type(st, 8) == SQLITE_NULL)
			util_table_add(&t, "-");
		else {
			uint64_t ns = (uint64_t)sqlite3_column_int64(st, 8);

			util_table_addf(&t, "%" PRIu64 ".%06" PRIu64,
			    ns / 1000000000, ns % 1000000000 / 1000);
		}
		if (sqlite3_column_type(st, 9) == SQLITE_NULL)
			util_table_add(&t, "-");
		else
			util_table_addf(&t, "%.3f",
			    sqlite3_column_double(st, 9));
	}
	if (util_db_done(db, path, st, rc) != 0) {
		util_table_free(&t);
		return KML_EXIT_RUNTIME;
	}
	if (util_table_rows(&t) == 1) {
		util_table_free(&t);
		printf("no runs in %s\n", path);
		return KML_EXIT_OK;
	}
	util_table_print(&t, stdout, 0);
	return KML_EXIT_OK;
}

/* cmd_runs_exec: parse the options and list the runs. */
static int
cmd_runs_exec(int argc, char **argv)
{
	const char *path = UTIL_DB_DEFAULT;
	struct kml_db *db;
	int ch, status;

	while ((ch = getopt_long(argc, argv, ":h", cmd_runs_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CMD_RUNS_OPT_DB:
			path = optarg;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_runs_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_runs_longopts,
			    &cmd_runs_entry);
		}
	}
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	if ((db = util_db_open(path, true)) == NULL)
		return KML_EXIT_RUNTIME;
	status = cmd_runs_list(db, path);
	if (util_db_close(db) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}
