/*
 * src/util.h: helpers shared by the kmemlab commands.
 *
 *  - Exit statuses: KML_EXIT_OK, KML_EXIT_RUNTIME (the command could not do
 *    its work), KML_EXIT_USAGE (the command line is wrong).
 *  - Error messages: one line on stderr, prefixed "kmemlab: " or, once a
 *    command runs, "kmemlab CMD: " (util_set_command).
 *  - Memory: xmalloc and friends never return NULL; running out of memory
 *    prints a message and exits with KML_EXIT_RUNTIME.
 *  - Numbers: sizes and addresses in decimal or 0x hex, sizes with an
 *    optional K, M, G or T suffix (powers of 1024); overflow is an error.
 *  - Files: "-" names standard input or output, called "<stdin>" and
 *    "<stdout>" in messages; a binary trace is never written to a
 *    terminal; a trace written by a command is finished, measured and
 *    closed in one step, for the "wrote OUT: ..." report line.
 *  - A small deterministic PRNG (splitmix64): the same seed gives the same
 *    sequence on every host.
 *  - Tables printed with aligned columns (runs, report, compare, sql).
 *  - The results database: opened by path (default ./kmemlab.db) with
 *    errors reported once, and prepared SQL statements.
 */
#ifndef KMEMLAB_UTIL_H
#define KMEMLAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KML_EXIT_OK		0	/* success */
#define KML_EXIT_RUNTIME	1	/* runtime error: a file, a failed check */
#define KML_EXIT_USAGE		2	/* usage error: bad command, option or value */

/* nitems: the number of elements of an array (not a pointer). */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ---- error messages */

/*
 * util_set_command: name the running command in later messages
 * ("kmemlab NAME: ..."); NULL goes back to "kmemlab: ...".
 * => name is not copied.
 */
void util_set_command(const char *name);

/* util_error: print "kmemlab[ CMD]: MSG" on stderr. */
void util_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_verror(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* util_fatal: util_error, then exit with KML_EXIT_RUNTIME. */
void util_fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/*
 * util_bad: report "bad WHAT 'ARG': WHY" (an option's value) as a usage
 * error.
 * => returns KML_EXIT_USAGE.
 */
int util_bad(const char *what, const char *arg, const char *why);

/* ---- memory: never NULL */

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* xreallocarray: resize ptr to n elements of size bytes, checking n * size. */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);

/* ---- numbers */

/*
 * util_parse_uint: a number in decimal or 0x hex, no suffix.
 * => returns 0 and sets *valp, or -1 and sets *cause to "not a number" or
 *    "too large" (above max).
 */
int util_parse_uint(const char *s, uint64_t max, uint64_t *valp,
    const char **cause);

/*
 * util_parse_size: like util_parse_uint (max UINT64_MAX), with an optional
 * K, M, G or T suffix (either case) multiplying by 2^10, 2^20, 2^30, 2^40.
 */
int util_parse_size(const char *s, uint64_t *valp, const char **cause);

/*
 * util_parse_duration: a duration in nanoseconds: a number with an
 * optional unit ns (the default), us, ms or s, e.g. "250us", "1ms".
 * => returns 0 and sets *nsp, or -1 with *cause "not a duration (N[ns|us|ms|s])"
 *    or "too large".
 */
int util_parse_duration(const char *s, uint64_t *nsp, const char **cause);

/* util_parse_addr: an address, util_parse_uint with max UINT64_MAX. */
int util_parse_addr(const char *s, uint64_t *valp, const char **cause);

/* util_powerof2: true if v is a power of two (0 is not). */
int util_powerof2(uint64_t v);

/* util_log2: floor(log2(v)) for v > 0. */
unsigned util_log2(uint64_t v);

/*
 * util_catch: handle signal sig with fn (SIG_IGN, SIG_DFL or a function),
 * no other signal blocked meanwhile; with restart, system calls it
 * interrupts are restarted (SA_RESTART), else they fail with EINTR.
 */
void util_catch(int sig, void (*fn)(int), bool restart);

/* ---- files */

/*
 * util_open_input: open path for reading ("-": standard input).
 * => returns the stream, with its name for messages in *namep (path, or
 *    "<stdin>"), or NULL after reporting "PATH: why".
 * => close it with util_close_input.
 */
FILE *util_open_input(const char *path, const char **namep);

/* util_close_input: close fp unless it is standard input. */
void util_close_input(FILE *fp);

/*
 * util_output_name: the name of the output path in messages: path, or
 * "<stdout>" for "-".
 */
const char *util_output_name(const char *path);

/*
 * util_refuse_tty: a binary output to path ("-": standard output) would
 * go to a terminal.
 * => returns true after reporting "refusing to write a binary trace to a
 *    terminal (use -o FILE)"; false when path is a file or standard
 *    output is not a terminal.
 */
bool util_refuse_tty(const char *path);

/* ---- traces written by the commands */

struct kml_trace;
struct kml_trace_header;

/*
 * util_trace_create: open a trace writer on path ("-": standard output)
 * with header th (kml_trace_open_write: a file is written under a
 * temporary name until util_trace_close).
 * => returns the writer, or NULL after reporting.
 */
struct kml_trace *util_trace_create(const char *path,
    const struct kml_trace_header *th);

/*
 * util_trace_close: finish the trace of writer w (trailer, flush), take
 * its size, and close it (a file is renamed into place).
 * => returns 0 with the events and bytes of the whole trace in *eventsp
 *    and *bytesp, or -1 after reporting (then as util_trace_abort).
 * => w is freed in every case.
 */
int util_trace_close(struct kml_trace *w, uint64_t *eventsp,
    uint64_t *bytesp);

/*
 * util_trace_abort: give up the writer w after an error was reported:
 * kml_trace_abort (a file is removed).  (A write error on standard output
 * is not reported again by main: it only reports one when the command
 * succeeded.)
 */
void util_trace_abort(struct kml_trace *w);

/*
 * util_trace_report: print the report line "wrote NAME: N events, N
 * bytes, X.XX bytes/event" on stderr (0.00 for no events).
 */
void util_trace_report(const char *name, uint64_t events, uint64_t bytes);

/* ---- PRNG: splitmix64 */

struct util_rng {
	uint64_t r_state;	/* advanced by a fixed odd constant per draw */
};

/* util_rng_seed: start the sequence for seed. */
void util_rng_seed(struct util_rng *rng, uint64_t seed);

/* util_rng_next: the next 64-bit value. */
uint64_t util_rng_next(struct util_rng *rng);

/*
 * util_rng_below: a value in [0, n), uniform (rejection sampling, so no
 * modulo bias).  => n > 0.
 */
uint64_t util_rng_below(struct util_rng *rng, uint64_t n);

/* ---- tables with aligned columns */

/*
 * A table being built: cells added row by row, printed with each column
 * as wide as its widest cell, two spaces apart.
 */
struct util_table {
	unsigned t_ncols;		/* columns, >= 1 */
	char *t_align;			/* one 'l' or 'r' per column */
	char **t_cells;			/* t_ncells cells, row-major */
	size_t t_ncells;
	size_t t_cap;			/* cells allocated */
};

/*
 * util_table_init: an empty table of ncols columns; align gives one 'l'
 * (left) or 'r' (right) per column, NULL: all left.
 */
void util_table_init(struct util_table *t, unsigned ncols, const char *align);

/* util_table_set_align: align column col ('l' or 'r'). */
void util_table_set_align(struct util_table *t, unsigned col, char align);

/* util_table_add: append the cell str (copied) to the current row. */
void util_table_add(struct util_table *t, const char *str);

/* util_table_addf: util_table_add of a formatted cell. */
void util_table_addf(struct util_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * util_table_row: append a whole row whose cells fmt gives separated by
 * tabs.  => the row's cells hold no tab of their own.
 */
void util_table_row(struct util_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * util_table_rule: append a row of dashes, each as wide as its column
 * (the rule under the titles of an illumos ::kmastat table).
 * => the current row is empty.
 */
void util_table_rule(struct util_table *t);

/* util_table_rows: the rows so far (a partial row counts). */
size_t util_table_rows(const struct util_table *t);

/*
 * util_table_print: print t on fp, each line indent spaces in, without
 * trailing blanks, then free t (util_table_free).
 */
void util_table_print(struct util_table *t, FILE *fp, unsigned indent);

/* util_table_free: free the cells of t. */
void util_table_free(struct util_table *t);

/*
 * util_table_section: print a blank line and title on stdout, then t
 * indented two spaces, or "  none" when t has no rows but its first
 * titles rows (its column titles); then free t.
 */
void util_table_section(struct util_table *t, const char *title,
    size_t titles);

/* ---- the results database */

#define UTIL_DB_DEFAULT		"kmemlab.db"	/* --db's default */

struct kml_db;
struct sqlite3;
struct sqlite3_stmt;

/*
 * util_db_open: open the results database at path (kml_db_open: created
 * or migrated as needed).  With must_exist, a path that does not exist is
 * an error ("PATH: No such file or directory") rather than a new
 * database: the commands that only read use it.
 * => returns the database, or NULL after reporting.
 */
struct kml_db *util_db_open(const char *path, bool must_exist);

/* util_db_close: close db.  => 0, or -1 after reporting. */
int util_db_close(struct kml_db *db);

/*
 * util_db_prepare: prepare the one statement sql on db's handle.
 * => returns the statement, or NULL after reporting SQLite's message
 *    ("PATH: no such table: runs").
 */
struct sqlite3_stmt *util_db_prepare(struct kml_db *db, const char *path,
    const char *sql);

/*
 * util_db_latest_run: the latest run of db whose status is status (NULL:
 * any status).
 * => returns its id, 0 when there is none, or -1 after reporting.
 */
int64_t util_db_latest_run(struct kml_db *db, const char *path,
    const char *status);

/*
 * util_db_text: column i of st's current row as text, dflt for NULL.
 * => valid until st steps again.
 */
const char *util_db_text(struct sqlite3_stmt *st, int i, const char *dflt);

/*
 * util_db_done: finalize st of db, whose last step returned rc.
 * => returns 0 when rc is SQLITE_DONE, else -1 after reporting SQLite's
 *    message ("PATH: ...").
 */
int util_db_done(struct kml_db *db, const char *path, struct sqlite3_stmt *st,
    int rc);

/*
 * util_db_table: util_db_done, then, when the statement ran to its end,
 * util_table_section of t under title (t's first row: column titles).
 * => returns 0, or -1 after reporting; t is freed in every case.
 */
int util_db_table(struct kml_db *db, const char *path, struct sqlite3_stmt *st,
    int rc, struct util_table *t, const char *title);

/*
 * util_parse_run: parse arg as a run id (a positive number).
 * => returns 0 with *idp set, or KML_EXIT_USAGE after reporting "bad run
 *    'x': not a run id".
 */
int util_parse_run(const char *arg, int64_t *idp);

/*
 * util_db_find_run: check that run id is in db.
 * => returns 0, or -1 after reporting "PATH: no run 7".
 */
int util_db_find_run(struct kml_db *db, const char *path, int64_t id);

/* ---- figures */

/*
 * util_pct: 100 * part / whole, formatted "12.3%" into buf, "-" when
 * whole is 0.  => returns buf.
 */
const char *util_pct(char *buf, size_t len, double part, double whole);

/* util_secs: ns as seconds with nine decimals ("1.500000000") into buf.  => buf. */
const char *util_secs(char *buf, size_t len, uint64_t ns);

/* util_now_ns: the monotonic clock (CLOCK_MONOTONIC), ns. */
uint64_t util_now_ns(void);

#endif /* KMEMLAB_UTIL_H */
