/*
 * bench/import_bench.c: wall-clock speed of the kmem trace importers
 * (lib/import.c), run by `make bench`, never by make check.
 *
 * Each file is read into memory and cut into lines once; then, per file,
 * two cells are timed:
 *   parse        kml_import_line over every line (a new importer per
 *                pass), the events thrown away: the importer alone
 *   parse+write  the same, each event written with kml_trace_write to a
 *                writer opened (kml_trace_fdopen_write, header from
 *                kml_import_header after the first event, as kmemlab
 *                import does) on a stream that counts and discards its
 *                bytes, closed at the end of the pass: the whole import
 *                without the input and output system calls
 * A cell repeats whole passes until it has run for the time asked
 * (default 1 s) and prints lines/s and events/s over all its passes; the
 * last line adds every file up.  Any error of the importer or the writer
 * stops the benchmark.
 *
 * Usage: import_bench [-t SECONDS] [-p] [-q] [FILE|DIR ...]
 *   -t   seconds per cell (default 1)
 *   -p   the parse cells only
 *   -q   a quick run (0.05 s per cell) for smoke tests
 * A DIR stands for its *.txt files.  Without arguments the files are
 * those of traces/raw/ under $top_srcdir, or else under the TOP_SRCDIR
 * the program was compiled with.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/import.h>
#include <kmemlab/trace.h>

#define BENCH_SECONDS	1.0	/* default time per cell */
#define BENCH_QUICK	0.05	/* time per cell with -q */
#define BENCH_MAXFILES	256

/* One input file, in memory, cut into lines. */
struct bench_file {
	const char *bf_path;
	const char *bf_name;		/* base name, for the table */
	char *bf_text;			/* the whole file */
	size_t bf_size;
	size_t *bf_start;		/* where line i begins in bf_text */
	size_t *bf_len;			/* its length, without the '\n' */
	size_t bf_nlines;
	uint64_t bf_events;		/* events of one pass */
};

/* What a timed cell did. */
struct bench_result {
	uint64_t br_lines;		/* lines read, all passes */
	uint64_t br_events;		/* events made, all passes */
	uint64_t br_bytes;		/* trace bytes written, all passes */
	unsigned br_passes;
	double br_seconds;
};

static void
bench_fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "import_bench: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- input */

/* bench_load: read path into memory and cut it into lines. */
static void
bench_load(struct bench_file *bf, const char *path)
{
	FILE *fp;
	struct stat st;
	size_t n, i, cap;
	const char *slash;

	memset(bf, 0, sizeof(*bf));
	bf->bf_path = path;
	bf->bf_name = (slash = strrchr(path, '/')) != NULL ? slash + 1 : path;
	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) != 0)
		bench_fail("%s: %s", path, strerror(errno));
	bf->bf_size = (size_t)st.st_size;
	if ((bf->bf_text = malloc(bf->bf_size + 1)) == NULL)
		bench_fail("%s: %s", path, "out of memory");
	if ((n = fread(bf->bf_text, 1, bf->bf_size, fp)) != bf->bf_size)
		bench_fail("%s: %s", path, "short read");
	fclose(fp);
	cap = 1024;
	bf->bf_start = malloc(cap * sizeof(size_t));
	bf->bf_len = malloc(cap * sizeof(size_t));
	for (i = 0; i < bf->bf_size; ) {
		const char *nl = memchr(bf->bf_text + i, '\n', bf->bf_size - i);
		size_t end = nl != NULL ? (size_t)(nl - bf->bf_text) :
		    bf->bf_size;

		if (bf->bf_nlines == cap) {
			cap *= 2;
			bf->bf_start = realloc(bf->bf_start,
			    cap * sizeof(size_t));
			bf->bf_len = realloc(bf->bf_len, cap * sizeof(size_t));
		}
		if (bf->bf_start == NULL || bf->bf_len == NULL)
			bench_fail("%s: %s", path, "out of memory");
		bf->bf_start[bf->bf_nlines] = i;
		bf->bf_len[bf->bf_nlines] = end - i;
		bf->bf_nlines++;
		i = end + 1;
	}
}

/* bench_cmpstr: qsort order of file names. */
static int
bench_cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* bench_dir: append the *.txt files of dir (sorted) to paths. */
static void
bench_dir(const char *dir, char **paths, size_t *npaths)
{
	DIR *d;
	struct dirent *de;
	size_t first = *npaths, n;

	if ((d = opendir(dir)) == NULL)
		bench_fail("%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		if (*npaths == BENCH_MAXFILES)
			bench_fail("%s: %s", dir, "too many files");
		if (asprintf(&paths[*npaths], "%s/%s", dir, de->d_name) < 0)
			bench_fail("%s: %s", dir, "out of memory");
		(*npaths)++;
	}
	closedir(d);
	qsort(paths + first, *npaths - first, sizeof(*paths), bench_cmpstr);
}

/* ---- the cells */

/* bench_count_write: a stream that counts its bytes and drops them. */
static ssize_t
bench_count_write(void *cookie, const char *buf, size_t size)
{
	(void)buf;
	*(uint64_t *)cookie += size;
	return (ssize_t)size;
}

/*
 * bench_pass: one pass of the importer over bf; with out, also write the
 * events as a trace on out.
 * => returns the events made.
 */
static uint64_t
bench_pass(struct bench_file *bf, FILE *out)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	struct kml_trace *t = NULL;
	struct kml_trace_event ev;
	struct kml_trace_header th;
	uint64_t events = 0, count;
	uint32_t cpu;
	char err[1024];
	size_t i;
	int rv;

	for (i = 0; i < bf->bf_nlines; i++) {
		rv = kml_import_line(imp, bf->bf_text + bf->bf_start[i],
		    bf->bf_len[i], &ev, err, sizeof(err));
		if (rv < 0) {
			fprintf(stderr, "import_bench: %s:%zu: %s\n",
			    bf->bf_path, i + 1, err);
			exit(1);
		}
		if (out == NULL) {
			events += (uint64_t)rv;
			continue;
		}
		if (rv == 1 && t == NULL) {
			kml_trace_header_init(&th, KML_TSRC_IMPORT);
			kml_import_header(imp, &th);
			snprintf(th.th_detail, sizeof(th.th_detail), "%s %s",
			    kml_import_format_name(kml_import_format(imp)),
			    bf->bf_name);
			if ((t = kml_trace_fdopen_write(out, "bench", &th, err,
			    sizeof(err))) == NULL)
				bench_fail("%s: %s", bf->bf_path, err);
		}
		if (t == NULL)
			continue;
		while (kml_import_take_drops(imp, &cpu, &count))
			if (kml_trace_write_drop(t, cpu, count) != 0)
				bench_fail("%s: %s", bf->bf_path,
				    kml_trace_errmsg(t));
		if (rv == 1) {
			if (kml_trace_write(t, &ev) != 0)
				bench_fail("%s: %s", bf->bf_path,
				    kml_trace_errmsg(t));
			events++;
		}
	}
	if (t != NULL && kml_trace_close(t, err, sizeof(err)) != 0)
		bench_fail("%s: %s", bf->bf_path, err);
	kml_import_destroy(imp);
	return events;
}

/* bench_cell: repeat passes over bf for seconds; write when write is set. */
static void
bench_cell(struct bench_file *bf, bool write, double seconds,
    struct bench_result *br)
{
	cookie_io_functions_t io = { .write = bench_count_write };
	FILE *out = NULL;
	double t0, t1;

	memset(br, 0, sizeof(*br));
	if (write && (out = fopencookie(&br->br_bytes, "w", io)) == NULL)
		bench_fail("%s: %s", "fopencookie", strerror(errno));
	bf->bf_events = bench_pass(bf, out);	/* warm-up */
	if (out != NULL)
		fflush(out);
	br->br_bytes = 0;
	t0 = bench_now();
	do {
		br->br_events += bench_pass(bf, out);
		br->br_lines += bf->bf_nlines;
		br->br_passes++;
		t1 = bench_now();
	} while (t1 - t0 < seconds);
	if (out != NULL) {
		fflush(out);
		fclose(out);
	}
	br->br_seconds = t1 - t0;
}

/* bench_print: one row of the table. */
static void
bench_print(const char *name, uint64_t lines, uint64_t events,
    const struct bench_result *parse, const struct bench_result *full)
{
	printf("%-20s %8" PRIu64 " %8" PRIu64 " %6u %9.3f %9.3f", name, lines,
	    events, parse->br_passes,
	    (double)parse->br_lines / parse->br_seconds / 1e6,
	    (double)parse->br_events / parse->br_seconds / 1e6);
	if (full != NULL)
		printf(" %6u %9.3f %9.3f %7.2f", full->br_passes,
		    (double)full->br_lines / full->br_seconds / 1e6,
		    (double)full->br_events / full->br_seconds / 1e6,
		    full->br_events > 0 ?
		    (double)full->br_bytes / (double)full->br_events : 0.0);
	putchar('\n');
}

/* bench_add: add r into sum. */
static void
bench_add(struct bench_result *sum, const struct bench_result *r)
{
	sum->br_lines += r->br_lines;
	sum->br_events += r->br_events;
	sum->br_bytes += r->br_bytes;
	sum->br_passes += r->br_passes;
	sum->br_seconds += r->br_seconds;
}

int
main(int argc, char **argv)
{
	static char *paths[BENCH_MAXFILES];
	static struct bench_file files[BENCH_MAXFILES];
	struct bench_result parse, full, sparse, sfull;
	double seconds = BENCH_SECONDS;
	size_t npaths = 0, i;
	uint64_t lines = 0, events = 0;
	bool write = true;
	const char *top;
	struct stat st;
	char *dir;
	int ch;

	while ((ch = getopt(argc, argv, "t:pq")) != -1) {
		switch (ch) {
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'p':
			write = false;
			break;
		case 'q':
			seconds = BENCH_QUICK;
			break;
		default:
			fprintf(stderr, "usage: import_bench [-t seconds] [-p] "
			    "[-q] [file|dir ...]\n");
			return 2;
		}
	}
	if (!(seconds > 0 && seconds <= 3600)) {
		fprintf(stderr, "import_bench: -t must be in (0, 3600]\n");
		return 2;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			bench_dir(argv[i], paths, &npaths);
		else if (npaths < BENCH_MAXFILES) {
			if ((paths[npaths++] = strdup(argv[i])) == NULL)
				bench_fail("%s: %s", argv[i], "out of memory");
		}
	}
	if (optind == argc) {
		if ((top = getenv("top_srcdir")) == NULL) {
#ifdef TOP_SRCDIR
			top = TOP_SRCDIR;
#else
			fprintf(stderr, "import_bench: no files given and "
			    "top_srcdir is not set\n");
			return 2;
#endif
		}
		if (asprintf(&dir, "%s/traces/raw", top) < 0)
			bench_fail("%s: %s", top, "out of memory");
		bench_dir(dir, paths, &npaths);
		free(dir);
	}
	if (npaths == 0)
		bench_fail("%s%s", "no input files", "");

	for (i = 0; i < npaths; i++) {
		bench_load(&files[i], paths[i]);
		lines += files[i].bf_nlines;
	}
	printf("# kmemlab import benchmark: kml_import_line, format "
	    "detected\n");
	printf("# %zu files, %" PRIu64 " lines; each cell repeats whole passes "
	    "for %.2f s (clock CLOCK_MONOTONIC)\n", npaths, lines, seconds);
	printf("# parse: importer only; write: + kml_trace_write to a "
	    "counting null stream%s\n", write ? "" : " (not run: -p)");
	printf("# M/s = millions per second; B/ev = trace bytes per event "
	    "(header and trailer included)\n");
	printf("%-20s %8s %8s %6s %9s %9s", "file", "lines", "events",
	    "passes", "lines M/s", "evs M/s");
	if (write)
		printf(" %6s %9s %9s %7s", "passes", "lines M/s", "evs M/s",
		    "B/ev");
	putchar('\n');
	printf("%-20s %8s %8s %6s %9s %9s", "", "", "", "parse", "parse",
	    "parse");
	if (write)
		printf(" %6s %9s %9s %7s", "write", "write", "write", "write");
	putchar('\n');

	memset(&sparse, 0, sizeof(sparse));
	memset(&sfull, 0, sizeof(sfull));
	for (i = 0; i < npaths; i++) {
		bench_cell(&files[i], false, seconds, &parse);
		bench_add(&sparse, &parse);
		if (write) {
			bench_cell(&files[i], true, seconds, &full);
			bench_add(&sfull, &full);
		}
		events += files[i].bf_events;
		bench_print(files[i].bf_name, files[i].bf_nlines,
		    files[i].bf_events, &parse, write ? &full : NULL);
	}
	bench_print("total", lines, events, &sparse, write ? &sfull : NULL);
	for (i = 0; i < npaths; i++) {
		free(files[i].bf_text);
		free(files[i].bf_start);
		free(files[i].bf_len);
		free(paths[i]);
	}
	return 0;
}
