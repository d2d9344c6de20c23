/*
 * bench/trace_bench.c: speed and size of the kmemlab trace format.
 *
 * For each trace given (default: the sample traces, the .kmt files in traces/ under
 * $top_srcdir, or the current directory), prints
 *  - bytes per event (file size / events: header, blocks and trailer included);
 *  - read speed: events decoded per second (kml_trace_next over the whole
 *    file, best of R runs, the file in the page cache);
 *  - write speed: events encoded per second (the events held in memory,
 *    written with kml_trace_fdopen_write to /dev/null, best of R runs).
 * Usage: trace_bench [-r RUNS] [FILE.kmt ...]
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/trace.h>

/* An event with its strings copied, so that it outlives the reader. */
struct bench_event {
	struct kml_trace_event ev;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bench_intern: a copy of s that lives to the end (strings repeat: keep one of each). */
static const char *
bench_intern(const char *s)
{
	static char **tab;
	static size_t n, cap;

	if (s == NULL)
		return NULL;
	for (size_t i = n; i > 0 && i + 64 > n; i--) {
		if (strcmp(tab[i - 1], s) == 0)
			return tab[i - 1];
	}
	if (n == cap) {
		cap = cap ? cap * 2 : 1024;
		tab = realloc(tab, cap * sizeof(*tab));
	}
	tab[n] = strdup(s);
	return tab[n++];
}

static void
bench_file(const char *path, int runs)
{
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *t;
	struct stat sb;
	char err[512];
	struct bench_event *evs = NULL;
	size_t n = 0, cap = 0;
	double best_read = 1e99, best_write = 1e99;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "trace_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now();
		size_t k = 0;
		int rc;

		t = kml_trace_open_read(path, err, sizeof(err));
		if (t == NULL) {
			fprintf(stderr, "trace_bench: %s\n", err);
			exit(1);
		}
		th = *kml_trace_header(t);
		while ((rc = kml_trace_next(t, &ev)) == 1) {
			k++;
			if (r == 0) {
				if (n == cap) {
					cap = cap ? cap * 2 : 65536;
					evs = realloc(evs, cap * sizeof(*evs));
				}
				evs[n].ev = ev;
				evs[n].ev.te_comm = bench_intern(ev.te_comm);
				evs[n].ev.te_site = bench_intern(ev.te_site);
				evs[n].ev.te_cache = bench_intern(ev.te_cache);
				n++;
			}
		}
		if (rc != 0) {
			fprintf(stderr, "trace_bench: %s\n", kml_trace_errmsg(t));
			exit(1);
		}
		kml_trace_close(t, NULL, 0);
		double dt = bench_now() - t0;

		if (r == 0 || dt < best_read)
			best_read = dt;
		(void)k;
	}
	for (int r = 0; r < runs; r++) {
		FILE *fp = fopen("/dev/null", "wb");
		double t0 = bench_now();

		t = kml_trace_fdopen_write(fp, "/dev/null", &th, err, sizeof(err));
		if (t == NULL) {
			fprintf(stderr, "trace_bench: %s\n", err);
			exit(1);
		}
		for (size_t i = 0; i < n; i++) {
			if (kml_trace_write(t, &evs[i].ev) != 0) {
				fprintf(stderr, "trace_bench: %s\n",
				    kml_trace_errmsg(t));
				exit(1);
			}
		}
		if (kml_trace_close(t, err, sizeof(err)) != 0) {
			fprintf(stderr, "trace_bench: %s\n", err);
			exit(1);
		}
		fclose(fp);
		double dt = bench_now() - t0;

		if (dt < best_write)
			best_write = dt;
	}
	printf("%-28s %9zu %10lld %7.2f %12.0f %12.0f\n",
	    strrchr(path, '/') ? strrchr(path, '/') + 1 : path, n,
	    (long long)sb.st_size, n ? (double)sb.st_size / (double)n : 0.0,
	    (double)n / best_read, (double)n / best_write);
	free(evs);
}

int
main(int argc, char **argv)
{
	int runs = 5, ch;
	glob_t g;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		if (ch == 'r')
			runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else {
			fprintf(stderr, "usage: trace_bench [-r RUNS] [FILE.kmt ...]\n");
			return 2;
		}
	}
	printf("trace_bench: best of %d runs; read = kml_trace_next over the "
	    "file (page cache), write = kml_trace_write to /dev/null\n", runs);
	printf("%-28s %9s %10s %7s %12s %12s\n", "trace", "events", "bytes",
	    "B/event", "read ev/s", "write ev/s");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			bench_file(argv[i], runs);
		return 0;
	}
	char pat[4096];
	const char *top = getenv("top_srcdir");

	snprintf(pat, sizeof(pat), "%s/traces/*.kmt", top ? top : ".");
	if (glob(pat, 0, NULL, &g) != 0) {
		fprintf(stderr, "trace_bench: no traces match %s\n", pat);
		return 1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++)
		bench_file(g.gl_pathv[i], runs);
	globfree(&g);
	return 0;
}
