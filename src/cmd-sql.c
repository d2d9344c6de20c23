/*
 * src/cmd-sql.c: "kmemlab sql", SQL on the results database.
 *
 * The text (the QUERY argument, or standard input read whole) may hold
 * several statements; each is prepared and stepped in turn
 * (sqlite3_prepare_v2 hands back the tail), and each that returns
 * columns prints a result: aligned columns under a header line (numbers
 * right-aligned), CSV (RFC 4180, a header line) or a JSON array of
 * objects.  The first statement that fails stops everything with
 * SQLite's own message, which names the problem ("near \"SELEC\": syntax
 * error", "no such table: run").  The database must exist; statements
 * that write are allowed (a user may delete old runs or add a view).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <kmemlab/db.h>

#include "cmd.h"
#include "util.h"

static int cmd_sql_exec(int, char **);

const struct cmd_entry cmd_sql_entry = {
	.name = "sql",
	.usage = "[--db PATH] [--csv | --json] [QUERY]",
	.summary = "run SQL on the results database",
	.help =
	    "Runs the SQL statements of QUERY (default: standard input) on the\n"
	    "results database and prints the rows of each statement that\n"
	    "returns some: aligned columns under a header line (default), CSV\n"
	    "or JSON.  The tables and views are described in kmemlab-db(5);\n"
	    "for example:\n"
	    "  kmemlab sql 'SELECT * FROM v_run_summary'\n"
	    "\n"
	    "options:\n"
	    "      --db=PATH    the results database (default: ./kmemlab.db)\n"
	    "      --csv        comma-separated values with a header line\n"
	    "      --json       a JSON array of objects per statement\n"
	    "  -h, --help       print this help and exit\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (no database, an SQL\n"
	    "error: SQLite's message), 2 usage error.\n",
	.exec = cmd_sql_exec
};

enum {
	CMD_SQL_OPT_DB = 256,
	CMD_SQL_OPT_CSV,
	CMD_SQL_OPT_JSON
};

static const struct option cmd_sql_longopts[] = {
	{ "db",		required_argument,	NULL,	CMD_SQL_OPT_DB },
	{ "csv",	no_argument,		NULL,	CMD_SQL_OPT_CSV },
	{ "json",	no_argument,		NULL,	CMD_SQL_OPT_JSON },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* Output formats. */
enum cmd_sql_format {
	CMD_SQL_TABLE = 0,
	CMD_SQL_CSV = 1,
	CMD_SQL_JSON = 2
};

/* ---- values */

/*
 * cmd_sql_blob_hex: column i of st, a blob, as "x'0a1b'" (table, CSV) or
 * lower-case hex (JSON, quote false).  => returns a string to free.
 */
static char *
cmd_sql_blob_hex(sqlite3_stmt *st, int i, bool quote)
{
	const unsigned char *b = sqlite3_column_blob(st, i);
	int n = sqlite3_column_bytes(st, i);
	char *s = xmalloc((size_t)n * 2 + 4), *p = s;

	*p = '\0';		/* an empty blob without quotes is "" */
	if (quote)
		p += sprintf(p, "x'");
	for (int k = 0; k < n; k++)
		p += sprintf(p, "%02x", b[k]);
	if (quote)
		sprintf(p, "'");
	return s;
}

/*
 * cmd_sql_cell: column i of st as a table or CSV cell: a blob as
 * "x'0a1b'", made in *hexp, anything else as its text ("" for NULL;
 * *hexp NULL).
 * => returns the cell, valid until st steps again; free *hexp after.
 */
static const char *
cmd_sql_cell(sqlite3_stmt *st, int i, char **hexp)
{
	*hexp = NULL;
	if (sqlite3_column_type(st, i) == SQLITE_BLOB)
		return *hexp = cmd_sql_blob_hex(st, i, true);
	return util_db_text(st, i, "");
}

/* cmd_sql_csv_cell: print s as a CSV field, quoted when it must be. */
static void
cmd_sql_csv_cell(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* cmd_sql_json_string: print s as a JSON string. */
static void
cmd_sql_json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* cmd_sql_json_value: print column i of st as a JSON value. */
static void
cmd_sql_json_value(sqlite3_stmt *st, int i)
{
	char *hex;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("null", stdout);
		break;
	case SQLITE_INTEGER:
		printf("%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		if (isfinite(sqlite3_column_double(st, i)))
			printf("%.17g", sqlite3_column_double(st, i));
		else
			fputs("null", stdout);
		break;
	case SQLITE_BLOB:
		hex = cmd_sql_blob_hex(st, i, false);
		cmd_sql_json_string(hex);
		free(hex);
		break;
	default:
		cmd_sql_json_string(util_db_text(st, i, ""));
		break;
	}
}

/* ---- results */

/*
 * cmd_sql_result: step st to the end and print its rows in format fmt;
 * first says whether this is the first result printed.
 * => returns SQLITE_DONE, or the error code of the failed step.
 */
static int
cmd_sql_result(sqlite3_stmt *st, enum cmd_sql_format fmt, bool first)
{
	int ncols = sqlite3_column_count(st), rc;
	struct util_table t;
	bool *numeric = NULL;
	unsigned long rows = 0;
	char *hex;

	if (ncols == 0) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			continue;
		return rc;
	}
	if (!first && fmt != CMD_SQL_JSON)
		putchar('\n');
	if (fmt == CMD_SQL_TABLE) {
		util_table_init(&t, (unsigned)ncols, NULL);
		numeric = xcalloc((size_t)ncols, sizeof(*numeric));
		for (int i = 0; i < ncols; i++) {
			util_table_add(&t, sqlite3_column_name(st, i));
			numeric[i] = true;
		}
	} else if (fmt == CMD_SQL_CSV) {
		for (int i = 0; i < ncols; i++) {
			if (i > 0)
				putchar(',');
			cmd_sql_csv_cell(sqlite3_column_name(st, i));
		}
		putchar('\n');
	} else
		putchar('[');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++) {
			int type = sqlite3_column_type(st, i);

			switch (fmt) {
			case CMD_SQL_TABLE:
				if (type == SQLITE_TEXT || type == SQLITE_BLOB)
					numeric[i] = false;
				util_table_add(&t, cmd_sql_cell(st, i, &hex));
				free(hex);
				break;
			case CMD_SQL_CSV:
				if (i > 0)
					putchar(',');
				cmd_sql_csv_cell(cmd_sql_cell(st, i, &hex));
				free(hex);
				break;
			case CMD_SQL_JSON:
				printf("%s", i == 0 ? (rows == 0 ? "\n  {" :
				    ",\n  {") : ", ");
				cmd_sql_json_string(sqlite3_column_name(st, i));
				fputs(": ", stdout);
				cmd_sql_json_value(st, i);
				break;
			}
		}
		if (fmt == CMD_SQL_CSV)
			putchar('\n');
		else if (fmt == CMD_SQL_JSON)
			putchar('}');
		rows++;
	}
	if (fmt == CMD_SQL_TABLE) {
		for (int i = 0; i < ncols; i++)
			util_table_set_align(&t, (unsigned)i,
			    numeric[i] && rows > 0 ? 'r' : 'l');
		free(numeric);
		if (rc == SQLITE_DONE)
			util_table_print(&t, stdout, 0);
		else
			util_table_free(&t);
	} else if (fmt == CMD_SQL_JSON)
		fputs(rows == 0 ? "]\n" : "\n]\n", stdout);
	return rc;
}

/*
 * cmd_sql_run: run every statement of sql on db.
 * => returns KML_EXIT_OK, or KML_EXIT_RUNTIME after reporting SQLite's
 *    message.
 */
static int
cmd_sql_run(struct kml_db *db, const char *sql, enum cmd_sql_format fmt)
{
	sqlite3 *h = kml_db_handle(db);
	const char *tail = sql, *next;
	sqlite3_stmt *st;
	bool first = true;
	int rc;

	while (*tail != '\0') {
		if (sqlite3_prepare_v2(h, tail, -1, &st, &next) != SQLITE_OK) {
			util_error("%s", sqlite3_errmsg(h));
			return KML_EXIT_RUNTIME;
		}
		tail = next;
		if (st == NULL)		/* blanks or a comment */
			continue;
		rc = cmd_sql_result(st, fmt, first);
		if (sqlite3_column_count(st) > 0)
			first = false;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			util_error("%s", sqlite3_errmsg(h));
			return KML_EXIT_RUNTIME;
		}
	}
	return KML_EXIT_OK;
}

/*
 * cmd_sql_read_stdin: standard input, whole, NUL-terminated.
 * => returns a string to free, or NULL after reporting.
 */
static char *
cmd_sql_read_stdin(void)
{
	size_t len = 0, cap = 4096, n;
	char *buf = xmalloc(cap);

	while ((n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	if (ferror(stdin)) {
		util_error("<stdin>: %s", strerror(errno));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* cmd_sql_exec: parse the options and run the query. */
static int
cmd_sql_exec(int argc, char **argv)
{
	enum cmd_sql_format fmt = CMD_SQL_TABLE;
	const char *path = UTIL_DB_DEFAULT, *query = NULL;
	bool csv = false, json = false;
	char *input = NULL;
	struct kml_db *db;
	int ch, status;

	while ((ch = getopt_long(argc, argv, ":h", cmd_sql_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CMD_SQL_OPT_DB:
			path = optarg;
			break;
		case CMD_SQL_OPT_CSV:
			csv = true;
			break;
		case CMD_SQL_OPT_JSON:
			json = true;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_sql_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_sql_longopts,
			    &cmd_sql_entry);
		}
	}
	if (csv && json) {
		util_error("options '--csv' and '--json' exclude each other");
		return KML_EXIT_USAGE;
	}
	fmt = csv ? CMD_SQL_CSV : json ? CMD_SQL_JSON : CMD_SQL_TABLE;
	if (optind < argc)
		query = argv[optind++];
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	if ((db = util_db_open(path, true)) == NULL)
		return KML_EXIT_RUNTIME;
	if (query == NULL && (query = input = cmd_sql_read_stdin()) == NULL) {
		util_db_close(db);
		return KML_EXIT_RUNTIME;
	}
	status = cmd_sql_run(db, query, fmt);
	free(input);
	if (util_db_close(db) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}
