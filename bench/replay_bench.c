/*
 * bench/replay_bench.c: replay speed, against a bare malloc/free replay.
 *
 * For each trace (default: the .kmt files of $top_srcdir/traces), in one run:
 *  - decode: reading every event (kml_trace_next), the floor;
 *  - baseline: the same events through the C library's malloc/free with
 *    an open-addressing map from (family, recorded pointer) to the
 *    malloc'd block: what a bare replay costs;
 *  - replay: kml_replay_run with the netbsd policy, the trace's CPUs, afap
 *    timing, no database;
 *  - replay+db: the same storing into a fresh SQLite database with time
 *    series every 1 ms of virtual time (kml_db_hooks, kml_db_run_end).
 * Each figure is the best of -r runs (default 3), in events per second,
 * with the ratios replay/baseline and (replay+db)/replay.  -g N adds a
 * generated trace of N events (gen random, 8 CPUs, seed 1) written to a
 * temporary file first.  Peak RSS (getrusage) is printed after each trace.
 * -s STAGES runs only some stages (letters d, m, r, b for decode, malloc,
 * replay, replay+db; default all), e.g. to profile one of them; -w sets
 * the replay's look-ahead window (events); -T prints, for each replay+db
 * run, the time of each storage phase (opening the database and beginning
 * the run, the replay with its samples, the run's summary rows, closing).
 *
 * -M: the memory study instead.  Generated traces (gen random, 8 CPUs,
 * kmalloc sizes pow2 8..4096, seed 1) are replayed (with the database and
 * samples every 1 ms) each in a child process, whose peak RSS (ru_maxrss
 * from wait4) is printed: first growing length with the same live set
 * (1000 objects per CPU; 1M, 4M, 16M events, and 50M with -g 50000000),
 * then the same length (4M events) with growing live sets (1000, 10000,
 * 100000 objects per CPU).  Peak RSS should follow the live objects, not
 * the length.
 * Usage: replay_bench [-T] [-r RUNS] [-s STAGES] [-w WINDOW] [-g EVENTS] [FILE.kmt ...]
 *        replay_bench -M [-g EVENTS]
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>
#include <kmemlab/tracegen.h>

static const char *rb_stages = "dmrb";	/* -s */
static uint64_t rb_window;		/* -w, 0: the default */
static bool rb_phases;			/* -T: time the storage phases */

static double
rb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
rb_die(const char *msg)
{
	fprintf(stderr, "replay_bench: %s\n", msg);
	exit(1);
}

/* rb_mktemp: create the file of mkstemp template path (its name filled in). */
static void
rb_mktemp(char *path)
{
	int fd = mkstemp(path);

	if (fd < 0)
		rb_die(strerror(errno));
	close(fd);
}

static struct kml_trace *
rb_open(const char *path)
{
	char err[512];
	struct kml_trace *t = kml_trace_open_read(path, err, sizeof(err));

	if (t == NULL)
		rb_die(err);
	return t;
}

/* ---- the baseline: malloc/free with a pointer map */

struct rb_ent {
	uint64_t key;		/* family << 60 ^ recorded pointer, 0 empty */
	void *blk;
};

struct rb_map {
	struct rb_ent *tab;
	size_t mask, n;
};

static inline uint64_t
rb_hash(uint64_t k)
{
	return (k * 0x9e3779b97f4a7c15ull) >> 20;
}

static void
rb_grow(struct rb_map *m)
{
	size_t cap = m->tab ? (m->mask + 1) * 2 : 1 << 16;
	struct rb_ent *old = m->tab, *tab = calloc(cap, sizeof(*tab));
	size_t oldcap = m->tab ? m->mask + 1 : 0;

	if (tab == NULL)
		rb_die("out of memory");
	m->tab = tab;
	m->mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key == 0)
			continue;
		size_t j = rb_hash(old[i].key) & m->mask;

		while (tab[j].key != 0)
			j = (j + 1) & m->mask;
		tab[j] = old[i];
	}
	free(old);
}

static void
rb_put(struct rb_map *m, uint64_t key, void *blk)
{
	if (m->tab == NULL || (m->n + 1) * 2 > m->mask + 1)
		rb_grow(m);
	size_t j = rb_hash(key) & m->mask;

	while (m->tab[j].key != 0 && m->tab[j].key != key)
		j = (j + 1) & m->mask;
	if (m->tab[j].key == key) {
		free(m->tab[j].blk);	/* the trace missed a free */
	} else
		m->n++;
	m->tab[j].key = key;
	m->tab[j].blk = blk;
}

/* rb_take: remove key (backward-shift deletion); its block or NULL. */
static void *
rb_take(struct rb_map *m, uint64_t key)
{
	if (m->tab == NULL)
		return NULL;
	size_t j = rb_hash(key) & m->mask;

	while (m->tab[j].key != 0 && m->tab[j].key != key)
		j = (j + 1) & m->mask;
	if (m->tab[j].key == 0)
		return NULL;
	void *blk = m->tab[j].blk;
	size_t i = j;

	for (;;) {
		m->tab[i].key = 0;
		size_t k = i;

		for (;;) {
			k = (k + 1) & m->mask;
			if (m->tab[k].key == 0) {
				m->n--;
				return blk;
			}
			size_t h = rb_hash(m->tab[k].key) & m->mask;

			if (i <= k ? (h <= i || h > k) : (h <= i && h > k))
				break;
		}
		m->tab[i] = m->tab[k];
		i = k;
	}
}

static uint64_t
rb_family(unsigned op)
{
	switch (op) {
	case KML_OP_PAGE_ALLOC: case KML_OP_PAGE_FREE:
		return 2;
	case KML_OP_MALLOC: case KML_OP_CALLOC: case KML_OP_REALLOC:
	case KML_OP_FREE: case KML_OP_MEMALIGN: case KML_OP_POSIX_MEMALIGN:
	case KML_OP_ALIGNED_ALLOC: case KML_OP_VALLOC:
		return 3;
	case KML_OP_VMEM_ALLOC: case KML_OP_VMEM_FREE:
		return 4;
	case KML_OP_POOL_GET: case KML_OP_POOL_PUT:
		return 5;
	default:
		return 1;
	}
}

/* rb_baseline: the bare replay; returns the events. */
static uint64_t
rb_baseline(const char *path)
{
	struct kml_trace *t = rb_open(path);
	struct kml_trace_event ev;
	struct rb_map m = { NULL, 0, 0 };
	uint64_t n = 0, psz = kml_trace_header(t)->th_pagesize;

	while (kml_trace_next(t, &ev) == 1) {
		uint64_t fam = rb_family(ev.te_op) << 60;

		n++;
		if (kml_trace_op_frees(ev.te_op)) {
			uint64_t p = ev.te_op == KML_OP_REALLOC ? ev.te_oldptr :
			    ev.te_ptr;

			free(rb_take(&m, fam ^ p));
		}
		if (kml_trace_op_allocates(ev.te_op) && ev.te_ptr != 0) {
			uint64_t size = ev.te_op == KML_OP_PAGE_ALLOC ?
			    psz << ev.te_order : ev.te_size;
			void *blk = malloc(size ? size : 1);

			if (blk == NULL)
				rb_die("out of memory");
			*(volatile char *)blk = 0;
			rb_put(&m, fam ^ ev.te_ptr, blk);
		}
	}
	kml_trace_close(t, NULL, 0);
	for (size_t i = 0; m.tab != NULL && i <= m.mask; i++) {
		if (m.tab[i].key != 0)
			free(m.tab[i].blk);
	}
	free(m.tab);
	return n;
}

static uint64_t
rb_decode(const char *path)
{
	struct kml_trace *t = rb_open(path);
	struct kml_trace_event ev;
	uint64_t n = 0;

	while (kml_trace_next(t, &ev) == 1)
		n++;
	kml_trace_close(t, NULL, 0);
	return n;
}

/* rb_replay: one replay, with a database when dbpath is not NULL. */
static uint64_t
rb_replay(const char *path, const char *dbpath)
{
	struct kml_replay_config rc;
	struct kml_replay_hooks hooks;
	struct kml_trace *t = rb_open(path);
	struct kml_db *db = NULL;
	struct kml_replay *r;
	int64_t id = 0;
	char err[512];
	unsigned st;
	double t0 = rb_now(), t1 = t0, t2, t3;

	kml_replay_config_init(&rc);
	rc.rc_timing = KML_TIMING_AFAP;
	if (rb_window != 0)
		rc.rc_window = rb_window;
	memset(&hooks, 0, sizeof(hooks));
	if (dbpath != NULL) {
		struct kml_db_run run = {
			.dr_trace = path, .dr_policy = "netbsd", .dr_config = "",
			.dr_timing = "afap", .dr_version = PACKAGE_VERSION
		};

		rc.rc_sample_ns = 1000000;
		unlink(dbpath);
		if ((db = kml_db_open(dbpath, err, sizeof(err))) == NULL ||
		    kml_db_run_begin(db, &run, &id, err, sizeof(err)) != 0)
			rb_die(err);
		kml_db_hooks(db, id, &hooks);
		t1 = rb_now();
	}
	r = kml_replay_create(&rc, t, &hooks, err, sizeof(err));
	if (r == NULL)
		rb_die(err);
	st = kml_replay_run(r);
	if (st != KML_REPLAY_COMPLETED)
		rb_die(kml_replay_errmsg(r));
	uint64_t n = kml_replay_totals(r)->rt_events;

	if (db != NULL) {
		t2 = rb_now();
		if (kml_db_run_end(db, id, r, st, 0.0, err, sizeof(err)) != 0)
			rb_die(err);
		t3 = rb_now();
		if (kml_db_close(db, err, sizeof(err)) != 0)
			rb_die(err);
		if (rb_phases)
			fprintf(stderr, "  phases (ms): open+begin %.2f, replay+"
			    "samples %.2f, run_end %.2f, close %.2f\n",
			    (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
			    (rb_now() - t3) * 1e3);
	}
	kml_replay_destroy(r);
	kml_trace_close(t, NULL, 0);
	return n;
}

/* rb_best: the best rate of runs calls of fn. */
static double
rb_best(int runs, uint64_t (*fn)(const char *, const char *), const char *a,
    const char *b)
{
	double best = 0;

	for (int i = 0; i < runs; i++) {
		double t0 = rb_now();
		uint64_t n = fn(a, b);
		double rate = (double)n / (rb_now() - t0);

		if (rate > best)
			best = rate;
	}
	return best;
}

static uint64_t rb_decode2(const char *p, const char *u) { (void)u; return rb_decode(p); }
static uint64_t rb_baseline2(const char *p, const char *u) { (void)u; return rb_baseline(p); }

static void
rb_file(const char *path, int runs)
{
	char dbpath[] = "/tmp/replay_bench.XXXXXX";
	struct rusage ru;

	rb_mktemp(dbpath);
	double dec = strchr(rb_stages, 'd') ?
	    rb_best(runs, rb_decode2, path, NULL) : 0;
	double base = strchr(rb_stages, 'm') ?
	    rb_best(runs, rb_baseline2, path, NULL) : 0;
	double rep = strchr(rb_stages, 'r') ?
	    rb_best(runs, rb_replay, path, NULL) : 0;
	double repdb = strchr(rb_stages, 'b') ?
	    rb_best(runs, rb_replay, path, dbpath) : 0;

	getrusage(RUSAGE_SELF, &ru);
	printf("%-24s %12.0f %12.0f %12.0f %12.0f %8.2f %8.2f %9ld\n",
	    strrchr(path, '/') ? strrchr(path, '/') + 1 : path, dec, base, rep,
	    repdb, base > 0 && rep > 0 ? base / rep : 0.0,
	    rep > 0 && repdb > 0 ? rep / repdb : 0.0, ru.ru_maxrss / 1024);
	unlink(dbpath);
	fflush(stdout);
}

/*
 * rb_gen: write gen random (8 CPUs, seed 1) with events, and live objects
 * per CPU (0: gen's default), to path.
 */
static void
rb_gen(const char *path, uint64_t events, uint64_t live)
{
	struct kml_gen_params p;
	struct kml_trace_header th;
	struct kml_trace *w;
	char err[512];

	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_ncpu = 8;
	p.tg_events = events;
	if (live != 0)
		p.tg_live = live;
	kml_gen_header(&p, &th);
	if ((w = kml_trace_open_write(path, &th, err, sizeof(err))) == NULL)
		rb_die(err);
	if (kml_gen_run(&p, w) != 0)
		rb_die(kml_trace_errmsg(w));
	if (kml_trace_close(w, err, sizeof(err)) != 0)
		rb_die(err);
}

/* rb_rss: replay path (with a database) in a child; its peak RSS in KiB. */
static long
rb_rss(const char *path, double *secs)
{
	char dbpath[] = "/tmp/replay_bench_rss.XXXXXX";
	struct rusage ru;
	int status;
	double t0 = rb_now();
	pid_t pid;

	rb_mktemp(dbpath);
	if ((pid = fork()) < 0)
		rb_die(strerror(errno));
	if (pid == 0) {
		rb_replay(path, dbpath);
		_exit(0);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rb_die("the replay child failed");
	*secs = rb_now() - t0;
	unlink(dbpath);
	return ru.ru_maxrss;
}

/* rb_memory: the memory study (-M). */
static void
rb_memory(uint64_t big)
{
	static const uint64_t lengths[] = { 1000000, 4000000, 16000000 };
	static const uint64_t lives[] = { 1000, 10000, 100000 };
	char path[] = "/tmp/replay_bench_mem.XXXXXX";

	rb_mktemp(path);
	printf("replay_bench -M: peak RSS of a replay with the database (samples "
	    "every 1 ms), gen random --cpus 8 --seed 1, afap\n");
	printf("%12s %14s %10s %12s %10s\n", "events", "live/CPU",
	    "secs", "events/s", "maxrss MB");
	for (size_t i = 0; i <= sizeof(lengths) / sizeof(lengths[0]); i++) {
		uint64_t n = i < sizeof(lengths) / sizeof(lengths[0]) ?
		    lengths[i] : big;
		double secs;
		long kb;

		if (n == 0)
			continue;
		rb_gen(path, n, 1000);
		kb = rb_rss(path, &secs);
		printf("%12llu %14u %10.2f %12.0f %10.1f\n",
		    (unsigned long long)n, 1000, secs, (double)n / secs,
		    (double)kb / 1024);
		fflush(stdout);
	}
	for (size_t i = 0; i < sizeof(lives) / sizeof(lives[0]); i++) {
		double secs;
		long kb;

		rb_gen(path, 4000000, lives[i]);
		kb = rb_rss(path, &secs);
		printf("%12u %14llu %10.2f %12.0f %10.1f\n", 4000000,
		    (unsigned long long)lives[i], secs, 4000000.0 / secs,
		    (double)kb / 1024);
		fflush(stdout);
	}
	unlink(path);
}

int
main(int argc, char **argv)
{
	int runs = 3, ch;
	uint64_t gen = 0;
	bool memory = false;

	while ((ch = getopt(argc, argv, "r:s:w:g:MT")) != -1) {
		if (ch == 'r')
			runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (ch == 's')
			rb_stages = optarg;
		else if (ch == 'w')
			rb_window = strtoull(optarg, NULL, 10);
		else if (ch == 'M')
			memory = true;
		else if (ch == 'T')
			rb_phases = true;
		else if (ch == 'g')
			gen = strtoull(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: replay_bench [-T] [-r RUNS] [-s STAGES] [-w WINDOW] [-g EVENTS] [FILE.kmt ...]\n"
			    "       replay_bench -M [-g EVENTS]\n");
			return 2;
		}
	}
	if (memory) {
		rb_memory(gen);
		return 0;
	}
	printf("replay_bench: best of %d runs, events/s; replay = netbsd policy, "
	    "trace CPUs, afap; +db = SQLite with samples every 1 ms virtual\n",
	    runs);
	printf("%-24s %12s %12s %12s %12s %8s %8s %9s\n", "trace", "decode",
	    "malloc", "replay", "replay+db", "base/rep", "rep/+db",
	    "maxrss MB");
	for (int i = optind; i < argc; i++)
		rb_file(argv[i], runs);
	if (optind == argc) {
		char pat[4096];
		const char *top = getenv("top_srcdir");
		glob_t g;

		snprintf(pat, sizeof(pat), "%s/traces/*.kmt", top ? top : ".");
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				rb_file(g.gl_pathv[i], runs);
			globfree(&g);
		}
	}
	if (gen > 0) {
		char path[] = "/tmp/replay_bench_gen.XXXXXX";

		rb_mktemp(path);
		rb_gen(path, gen, 0);
		printf("(generated: gen random --cpus 8 --events %llu --seed 1)\n",
		    (unsigned long long)gen);
		rb_file(path, runs);
		unlink(path);
	}
	return 0;
}
