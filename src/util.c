/*
 * src/util.c: error messages, memory wrappers, number parsing, files,
 * written traces, the PRNG, aligned tables and the results database of
 * the kmemlab program (see util.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <kmemlab/db.h>
#include <kmemlab/trace.h>

#include "util.h"

static const char *util_command;	/* running command, or NULL */

/* ---- error messages */

void
util_set_command(const char *name)
{
	util_command = name;
}

void
util_verror(const char *fmt, va_list ap)
{
	fflush(stdout);
	if (util_command != NULL)
		fprintf(stderr, "kmemlab %s: ", util_command);
	else
		fputs("kmemlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
util_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_verror(fmt, ap);
	va_end(ap);
}

void
util_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_verror(fmt, ap);
	va_end(ap);
	exit(KML_EXIT_RUNTIME);
}

int
util_bad(const char *what, const char *arg, const char *why)
{
	util_error("bad %s '%s': %s", what, arg, why);
	return KML_EXIT_USAGE;
}

/* ---- memory */

void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_fatal("out of memory (%zu * %zu bytes)", n, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		util_fatal("out of memory (%zu * %zu bytes overflows)", n, size);
	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = realloc(ptr, n * size)) == NULL)
		util_fatal("out of memory (%zu * %zu bytes)", n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

/* ---- numbers */

/*
 * util_digit: the value of c as a digit in base (10 or 16), or -1.
 */
static int
util_digit(int c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * util_parse_prefix: parse the number at the start of s (decimal, or hex
 * after "0x"/"0X") into *valp and point *endp after it.
 * => returns 0, or -1 with *cause: no digits ("not a number") or a value
 *    above UINT64_MAX ("too large").
 */
static int
util_parse_prefix(const char *s, uint64_t *valp, const char **endp,
    const char **cause)
{
	unsigned base = 10;
	uint64_t val = 0;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (util_digit((unsigned char)*p, base) < 0) {
		*cause = "not a number";
		return -1;
	}
	for (; (d = util_digit((unsigned char)*p, base)) >= 0; p++) {
		if (val > (UINT64_MAX - (uint64_t)d) / base) {
			*cause = "too large";
			return -1;
		}
		val = val * base + (uint64_t)d;
	}
	*valp = val;
	*endp = p;
	return 0;
}

int
util_parse_uint(const char *s, uint64_t max, uint64_t *valp,
    const char **cause)
{
	const char *end;
	uint64_t val;

	if (util_parse_prefix(s, &val, &end, cause) != 0)
		return -1;
	if (*end != '\0') {
		*cause = "not a number";
		return -1;
	}
	if (val > max) {
		*cause = "too large";
		return -1;
	}
	*valp = val;
	return 0;
}

int
util_parse_size(const char *s, uint64_t *valp, const char **cause)
{
	const char *end;
	uint64_t val;
	unsigned shift;

	if (util_parse_prefix(s, &val, &end, cause) != 0)
		return -1;
	switch (*end) {
	case '\0':
		shift = 0;
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		*cause = "not a number";
		return -1;
	}
	if (shift != 0 && end[1] != '\0') {
		*cause = "not a number";
		return -1;
	}
	if (shift != 0 && val > (UINT64_MAX >> shift)) {
		*cause = "too large";
		return -1;
	}
	*valp = val << shift;
	return 0;
}

int
util_parse_duration(const char *s, uint64_t *nsp, const char **cause)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }
	};
	const char *end;
	uint64_t val;

	if (util_parse_prefix(s, &val, &end, cause) != 0) {
		if (strcmp(*cause, "not a number") == 0)
			*cause = "not a duration (N[ns|us|ms|s])";
		return -1;
	}
	for (size_t i = 0; i < nitems(units); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (val > UINT64_MAX / units[i].ns) {
			*cause = "too large";
			return -1;
		}
		*nsp = val * units[i].ns;
		return 0;
	}
	*cause = "not a duration (N[ns|us|ms|s])";
	return -1;
}

int
util_parse_addr(const char *s, uint64_t *valp, const char **cause)
{
	return util_parse_uint(s, UINT64_MAX, valp, cause);
}

int
util_powerof2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

unsigned
util_log2(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

/* ---- files */

FILE *
util_open_input(const char *path, const char **namep)
{
	FILE *fp;

	if (strcmp(path, "-") == 0) {
		*namep = "<stdin>";
		return stdin;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		util_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	*namep = path;
	return fp;
}

void
util_close_input(FILE *fp)
{
	if (fp != NULL && fp != stdin)
		fclose(fp);
}

const char *
util_output_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdout>" : path;
}

bool
util_refuse_tty(const char *path)
{
	if (strcmp(path, "-") != 0 || !isatty(STDOUT_FILENO))
		return false;
	util_error("refusing to write a binary trace to a terminal "
	    "(use -o FILE)");
	return true;
}

/* ---- traces written by the commands */

struct kml_trace *
util_trace_create(const char *path, const struct kml_trace_header *th)
{
	struct kml_trace *w;
	char err[1024];

	if ((w = kml_trace_open_write(path, th, err, sizeof(err))) == NULL)
		util_error("%s", err);
	return w;
}

int
util_trace_close(struct kml_trace *w, uint64_t *eventsp,
    uint64_t *bytesp)
{
	char err[1024];

	if (kml_trace_finish(w) != 0) {
		util_error("%s", kml_trace_errmsg(w));
		util_trace_abort(w);
		return -1;
	}
	/* After the trailer, the offset is the size of the whole trace. */
	*eventsp = kml_trace_trailer(w)->tt_events;
	*bytesp = kml_trace_offset(w);
	if (kml_trace_close(w, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return -1;
	}
	return 0;
}

void
util_trace_abort(struct kml_trace *w)
{
	kml_trace_abort(w);
}

void
util_trace_report(const char *name, uint64_t events, uint64_t bytes)
{
	util_error("wrote %s: %" PRIu64 " events, %" PRIu64 " bytes, "
	    "%.2f bytes/event", name, events, bytes,
	    events == 0 ? 0.0 : (double)bytes / (double)events);
}

/* ---- PRNG: splitmix64 (Steele, Lea and Flood 2014; Vigna's constants) */

void
util_rng_seed(struct util_rng *rng, uint64_t seed)
{
	rng->r_state = seed;
}

uint64_t
util_rng_next(struct util_rng *rng)
{
	uint64_t z;

	z = (rng->r_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
util_rng_below(struct util_rng *rng, uint64_t n)
{
	uint64_t limit, v;

	/* Reject the top UINT64_MAX % n + 1 values that would bias the result. */
	limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
	do {
		v = util_rng_next(rng);
	} while (v > limit);
	return v % n;
}

/* ---- tables with aligned columns */

void
util_table_init(struct util_table *t, unsigned ncols, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->t_ncols = ncols;
	t->t_align = xmalloc(ncols);
	for (unsigned c = 0; c < ncols; c++)
		t->t_align[c] = align != NULL && align[c] == 'r' ? 'r' : 'l';
}

void
util_table_set_align(struct util_table *t, unsigned col, char align)
{
	if (col < t->t_ncols)
		t->t_align[col] = align;
}

void
util_table_add(struct util_table *t, const char *str)
{
	if (t->t_ncells == t->t_cap) {
		t->t_cap = t->t_cap == 0 ? 64 : t->t_cap * 2;
		t->t_cells = xreallocarray(t->t_cells, t->t_cap,
		    sizeof(char *));
	}
	t->t_cells[t->t_ncells++] = xstrdup(str);
}

void
util_table_addf(struct util_table *t, const char *fmt, ...)
{
	char cell[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cell, sizeof(cell), fmt, ap);
	va_end(ap);
	util_table_add(t, cell);
}

void
util_table_row(struct util_table *t, const char *fmt, ...)
{
	char line[4096], *p, *tab;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p = line;
	for (unsigned c = 0; c < t->t_ncols; c++) {
		if ((tab = strchr(p, '\t')) != NULL)
			*tab = '\0';
		util_table_add(t, p);
		p = tab != NULL ? tab + 1 : p + strlen(p);
	}
}

/* A cell drawn as dashes across its column (util_table_rule). */
#define UTIL_TABLE_RULE	"\001"

void
util_table_rule(struct util_table *t)
{
	for (unsigned c = 0; c < t->t_ncols; c++)
		util_table_add(t, UTIL_TABLE_RULE);
}

size_t
util_table_rows(const struct util_table *t)
{
	return (t->t_ncells + t->t_ncols - 1) / t->t_ncols;
}

void
util_table_print(struct util_table *t, FILE *fp, unsigned indent)
{
	size_t *width, len, rows = util_table_rows(t), i, end;
	char *line = NULL;
	size_t cap = 0;
	const char *cell;

	width = xcalloc(t->t_ncols, sizeof(*width));
	for (i = 0; i < t->t_ncells; i++) {
		if (strcmp(t->t_cells[i], UTIL_TABLE_RULE) == 0)
			continue;
		len = strlen(t->t_cells[i]);
		if (len > width[i % t->t_ncols])
			width[i % t->t_ncols] = len;
	}
	for (i = 0; i < t->t_ncols; i++)
		cap += width[i] + 2;
	line = xmalloc(cap + indent + 1);
	for (size_t r = 0; r < rows; r++) {
		end = (size_t)sprintf(line, "%*s", (int)indent, "");
		for (unsigned c = 0; c < t->t_ncols; c++) {
			i = r * t->t_ncols + c;
			cell = i < t->t_ncells ? t->t_cells[i] : "";
			if (strcmp(cell, UTIL_TABLE_RULE) == 0) {
				end += (size_t)sprintf(line + end, "%s",
				    c == 0 ? "" : "  ");
				memset(line + end, '-', width[c]);
				end += width[c];
				continue;
			}
			end += (size_t)sprintf(line + end,
			    t->t_align[c] == 'l' ? "%s%-*s" : "%s%*s",
			    c == 0 ? "" : "  ", (int)width[c], cell);
		}
		while (end > 0 && line[end - 1] == ' ')
			end--;
		fprintf(fp, "%.*s\n", (int)end, line);
	}
	free(line);
	free(width);
	util_table_free(t);
}

void
util_table_free(struct util_table *t)
{
	for (size_t i = 0; i < t->t_ncells; i++)
		free(t->t_cells[i]);
	free(t->t_cells);
	free(t->t_align);
	memset(t, 0, sizeof(*t));
}

void
util_table_section(struct util_table *t, const char *title, size_t titles)
{
	printf("\n%s\n", title);
	if (util_table_rows(t) <= titles) {
		util_table_free(t);
		printf("  none\n");
		return;
	}
	util_table_print(t, stdout, 2);
}

/* ---- the results database */

/* util_db_error: report SQLite's last message on db as "PATH: ...". */
static void
util_db_error(struct kml_db *db, const char *path)
{
	util_error("%s: %s", path, sqlite3_errmsg(kml_db_handle(db)));
}

struct kml_db *
util_db_open(const char *path, bool must_exist)
{
	struct kml_db *db;
	struct stat st;
	char err[1024];

	if (must_exist && stat(path, &st) != 0) {
		util_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((db = kml_db_open(path, err, sizeof(err))) == NULL)
		util_error("%s", err);
	return db;
}

int
util_db_close(struct kml_db *db)
{
	char err[1024];

	if (kml_db_close(db, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return -1;
	}
	return 0;
}

struct sqlite3_stmt *
util_db_prepare(struct kml_db *db, const char *path, const char *sql)
{
	sqlite3 *h = kml_db_handle(db);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		util_error("%s: %s", path, sqlite3_errmsg(h));
		return NULL;
	}
	return st;
}

int64_t
util_db_latest_run(struct kml_db *db, const char *path, const char *status)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	st = util_db_prepare(db, path, status != NULL ?
	    "SELECT max(id) FROM runs WHERE status = ?1" :
	    "SELECT max(id) FROM runs");
	if (st == NULL)
		return -1;
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE) {
		util_db_error(db, path);
		id = -1;
	}
	sqlite3_finalize(st);
	return id;
}

const char *
util_db_text(sqlite3_stmt *st, int i, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : dflt;
}

int
util_db_done(struct kml_db *db, const char *path, sqlite3_stmt *st, int rc)
{
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	util_db_error(db, path);
	return -1;
}

int
util_db_table(struct kml_db *db, const char *path, sqlite3_stmt *st, int rc,
    struct util_table *t, const char *title)
{
	if (util_db_done(db, path, st, rc) != 0) {
		util_table_free(t);
		return -1;
	}
	util_table_section(t, title, 1);
	return 0;
}

int
util_parse_run(const char *arg, int64_t *idp)
{
	const char *cause;
	uint64_t v;

	if (util_parse_uint(arg, INT64_MAX, &v, &cause) != 0 || v == 0)
		return util_bad("run", arg, "not a run id");
	*idp = (int64_t)v;
	return 0;
}

int
util_db_find_run(struct kml_db *db, const char *path, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = util_db_prepare(db, path,
	    "SELECT id FROM runs WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		util_error("%s: no run %" PRId64, path, id);
	else
		util_db_error(db, path);
	return -1;
}

/* ---- figures */

const char *
util_pct(char *buf, size_t len, double part, double whole)
{
	if (whole == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * part / whole);
	return buf;
}

const char *
util_secs(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, ns / 1000000000,
	    ns % 1000000000);
	return buf;
}

uint64_t
util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
util_catch(int sig, void (*fn)(int), bool restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}
