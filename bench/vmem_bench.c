/*
 * bench/vmem_bench.c: wall-clock cost of vmem allocation strategies under
 * low and high fragmentation (run by `make bench`, never by make check).
 *
 * What it measures: nanoseconds per vmem_alloc + vmem_free pair for each
 * strategy (instant fit, best fit, next fit) in an arena with about 10 free
 * segments and in one with about 100,000, together with the free segments
 * each allocation examined (vmem_stats searches / allocs), which explains
 * the timings, and the virtual time the cost model charged.
 *
 * How:
 *  1. Layout.  An arena of one span is carved, from its base up, into
 *     nholes "holes" each followed by a one-quantum "separator", and a free
 *     tail of BENCH_TAIL quanta.  Every piece is placed at its exact
 *     address with vmem_xalloc (minaddr = maxaddr - size + 1), then the
 *     holes are freed.  Busy separators keep the holes from coalescing, so
 *     the arena has exactly nholes + 1 free segments.  Hole sizes are
 *     log-uniform over the freelist classes 0..BENCH_HOLE_CLASSES-1 (pick a
 *     class k, then a size in [2^k, 2^(k+1)) quanta), so every small
 *     freelist is populated.  The tail guarantees that any request fits
 *     whatever the holes are (see BENCH_WINDOW_MAX).
 *  2. Requests.  Sizes are log-uniform over classes 0..BENCH_REQ_CLASSES-1
 *     (1..15 quanta), drawn once from the seed, the same sequence for
 *     every cell.  A FIFO window of `window` segments stays allocated:
 *     each timed step frees the oldest and allocates the next size.  Each
 *     freed segment coalesces back into its hole, so the number of free
 *     segments stays where the layout put it; it is printed before the
 *     window is filled, at the end of the timed loop (window still full)
 *     and after the window is drained, and the before and after counts
 *     must be equal.
 *  3. Timing.  CLOCK_MONOTONIC around the timed loop only (the window is
 *     filled and drained outside it).  Unless -n is given, a calibration
 *     finds N so that one repetition takes about BENCH_TARGET_S seconds (at
 *     most BENCH_NMAX pairs).  One warm-up run, then `reps` repetitions of
 *     the same N pairs; the best (and the median) are reported.
 *
 * All randomness comes from splitmix64 streams derived from the seed, so a
 * run is reproducible from the parameters printed in its header.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/kmemlab.h>

#define BENCH_SEED		UINT64_C(0x6b6d656d6c616221)	/* default seed */
#define BENCH_QUANTUM		4096		/* bytes: a page */
#define BENCH_BASE		UINT64_C(0x100000000)	/* arena base address */
#define BENCH_TAIL		4096		/* quanta in the free tail */
#define BENCH_HOLE_CLASSES	7		/* holes: 1..127 quanta */
#define BENCH_REQ_CLASSES	4		/* requests: 1..15 quanta */
#define BENCH_LOW_HOLES		10		/* low fragmentation */
#define BENCH_HIGH_HOLES	100000		/* high fragmentation */
#define BENCH_QUICK_HOLES	2000		/* high fragmentation with -q */
#define BENCH_NMAX		1000000		/* most pairs per repetition */
#define BENCH_QUICK_N		2000		/* pairs per repetition with -q */
#define BENCH_REPS		5		/* repetitions */
#define BENCH_WINDOW		16		/* segments kept allocated */
/*
 * Largest window: with W segments of at most 15 quanta outstanding, the
 * tail keeps at least BENCH_TAIL - 15 W free quanta in at most W + 1
 * pieces, so one piece holds a 15-quantum request when
 * (4096 - 15 W) / (W + 1) >= 15, i.e. W <= 136; 64 leaves a margin.
 */
#define BENCH_WINDOW_MAX	64
#define BENCH_TARGET_S		0.3		/* seconds per repetition */
#define BENCH_CALIB_S		0.05		/* calibration run at least this long */

/* Stream tags for bench_rng_init: one independent stream per use. */
#define BENCH_STREAM_REQ	1
#define BENCH_STREAM_LOW	2
#define BENCH_STREAM_HIGH	3

/* The parameters of a run, all printed in the header. */
struct bench_params {
	uint64_t seed;		/* -s */
	uint64_t n;		/* -n: pairs per repetition, 0 = calibrate */
	uint64_t nmax;		/* most pairs when calibrating */
	unsigned reps;		/* -r */
	unsigned window;	/* -w */
	unsigned low_holes;	/* holes at low fragmentation */
	unsigned high_holes;	/* holes at high fragmentation */
	int quick;		/* -q */
};

/* One strategy-fragmentation cell of the table. */
struct bench_cell {
	uint64_t free_before;	/* free segments after the layout */
	uint64_t free_during;	/* ... at the end of the last timed loop */
	uint64_t free_after;	/* ... after the window was drained */
	uint64_t n;		/* pairs per repetition */
	double best_ns;		/* best ns per pair */
	double median_ns;	/* median ns per pair */
	double search;		/* free segments examined per allocation */
	double vns;		/* virtual ns charged per pair */
};

/* The arena and the FIFO window of one cell. */
struct bench_arena {
	vmem_t *vm;
	int strategy;			/* VM_INSTANTFIT, VM_BESTFIT, VM_NEXTFIT */
	unsigned nholes;
	vmem_addr_t *sep;		/* separator addresses */
	vmem_addr_t *ring_addr;		/* window: addresses */
	vmem_size_t *ring_size;		/* window: sizes */
	unsigned window;
};

/* Request sizes in quanta, the same sequence for every cell. */
static uint8_t *bench_req;
static uint64_t bench_nreq;

static const char *bench_prog = "vmem_bench";

/* bench_fatal: print "vmem_bench: MSG" on stderr and exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bench_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* bench_xcalloc: calloc that exits on failure. */
static void *
bench_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		bench_fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* ---- splitmix64 */

/* bench_rng_next: the next output of the splitmix64 generator at *state. */
static uint64_t
bench_rng_next(uint64_t *state)
{
	uint64_t z;

	z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* bench_rng_init: the state of stream `tag` of seed. */
static uint64_t
bench_rng_init(uint64_t seed, uint64_t tag)
{
	uint64_t s = seed ^ (tag * UINT64_C(0xd1342543de82ef95));

	(void)bench_rng_next(&s);
	return s;
}

/*
 * bench_loguniform: a size in quanta, log-uniform over classes
 * 0..nclasses-1: class k uniform, then uniform in [2^k, 2^(k+1)).
 */
static unsigned
bench_loguniform(uint64_t *state, unsigned nclasses)
{
	unsigned k = (unsigned)(bench_rng_next(state) % nclasses);

	return (1u << k) + (unsigned)(bench_rng_next(state) % (1u << k));
}

/* ---- time */

/* bench_now: CLOCK_MONOTONIC in seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		bench_fatal("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- arena layout */

/*
 * bench_xalloc_at: allocate exactly [addr, addr + size) with vmem_xalloc.
 * => exits if the arena does not return that segment.
 */
static void
bench_xalloc_at(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	vmem_addr_t got;
	int error;

	error = vmem_xalloc(vm, size, 0, 0, 0, addr, addr + size - 1,
	    VM_NOSLEEP | VM_INSTANTFIT, &got);
	if (error != 0)
		bench_fatal("layout: vmem_xalloc(%#" PRIx64 ", %" PRIu64
		    ") failed: %s", addr, size, strerror(error));
	if (got != addr)
		bench_fatal("layout: vmem_xalloc returned %#" PRIx64
		    ", wanted %#" PRIx64, got, addr);
}

/*
 * bench_arena_build: an arena with `nholes` free holes separated by busy
 * one-quantum separators and a free tail (see the top of the file).
 * => the holes come from the stream `tag` of seed.
 * => exits if the arena does not end up with nholes + 1 free segments.
 */
static void
bench_arena_build(struct bench_arena *ba, const struct bench_params *p,
    unsigned nholes, uint64_t tag, int strategy)
{
	const vmem_size_t q = BENCH_QUANTUM;
	vmem_addr_t *hole, addr;
	vmem_size_t *hsize, span;
	struct vmem_stats st;
	uint64_t rng;
	char why[256];

	memset(ba, 0, sizeof(*ba));
	ba->strategy = strategy;
	ba->nholes = nholes;
	ba->window = p->window;
	ba->sep = bench_xcalloc(nholes, sizeof(*ba->sep));
	ba->ring_addr = bench_xcalloc(p->window, sizeof(*ba->ring_addr));
	ba->ring_size = bench_xcalloc(p->window, sizeof(*ba->ring_size));
	hole = bench_xcalloc(nholes, sizeof(*hole));
	hsize = bench_xcalloc(nholes, sizeof(*hsize));

	rng = bench_rng_init(p->seed, tag);
	span = 0;
	for (unsigned i = 0; i < nholes; i++) {
		hsize[i] = bench_loguniform(&rng, BENCH_HOLE_CLASSES) * q;
		span += hsize[i] + q;
	}
	span += (vmem_size_t)BENCH_TAIL * q;

	ba->vm = vmem_create("bench", BENCH_BASE, span, q, 0, VM_NOSLEEP);
	if (ba->vm == NULL)
		bench_fatal("vmem_create: %s", strerror(errno));
	addr = BENCH_BASE;
	for (unsigned i = 0; i < nholes; i++) {
		hole[i] = addr;
		bench_xalloc_at(ba->vm, addr, hsize[i]);
		addr += hsize[i];
		ba->sep[i] = addr;
		bench_xalloc_at(ba->vm, addr, q);
		addr += q;
	}
	for (unsigned i = 0; i < nholes; i++)
		vmem_xfree(ba->vm, hole[i], hsize[i]);
	free(hole);
	free(hsize);

	vmem_stats(ba->vm, &st);
	if (st.free_segs != (uint64_t)nholes + 1 || st.busy_segs != nholes)
		bench_fatal("layout: %" PRIu64 " free and %" PRIu64 " busy "
		    "segments, wanted %u and %u", st.free_segs, st.busy_segs,
		    nholes + 1, nholes);
	if (vmem_check(ba->vm, why, sizeof(why)) != 0)
		bench_fatal("layout: vmem_check: %s", why);
}

/* bench_arena_destroy: free the separators and destroy the arena. */
static void
bench_arena_destroy(struct bench_arena *ba)
{
	char why[256];

	if (vmem_check(ba->vm, why, sizeof(why)) != 0)
		bench_fatal("end of cell: vmem_check: %s", why);
	for (unsigned i = 0; i < ba->nholes; i++)
		vmem_xfree(ba->vm, ba->sep[i], BENCH_QUANTUM);
	vmem_destroy(ba->vm);
	free(ba->sep);
	free(ba->ring_addr);
	free(ba->ring_size);
	memset(ba, 0, sizeof(*ba));
}

/* ---- the measurement */

/* bench_alloc: allocate size with the cell's strategy; exits on failure. */
static inline vmem_addr_t
bench_alloc(struct bench_arena *ba, vmem_size_t size)
{
	vmem_addr_t addr;
	int error;

	error = vmem_alloc(ba->vm, size, VM_NOSLEEP | ba->strategy, &addr);
	if (__builtin_expect(error != 0, 0))
		bench_fatal("vmem_alloc(%" PRIu64 ", %s): %s", size,
		    vmem_strategy_name(ba->strategy), strerror(error));
	return addr;
}

/* The outcome of one run of n pairs. */
struct bench_run {
	double seconds;		/* wall-clock time of the n pairs */
	uint64_t searches;	/* free segments examined by them */
	uint64_t allocs;	/* allocations among them (n) */
	kml_vtime_t vns;	/* virtual time charged to them */
	uint64_t free_before;	/* free segments before the window was filled */
	uint64_t free_during;	/* ... after the n pairs, window full */
	uint64_t free_after;	/* ... after the window was drained */
};

/*
 * bench_run: fill the window, time n pairs (free the oldest, allocate the
 * next request), drain the window.
 * => requests bench_req[0 .. window + n) are used; n + window <= bench_nreq.
 */
static void
bench_run(struct bench_arena *ba, uint64_t n, struct bench_run *r)
{
	const vmem_size_t q = BENCH_QUANTUM;
	struct vmem_stats s0, s1;
	unsigned w = ba->window, head;
	kml_vtime_t v0, v1;
	double t0, t1;

	if (n + w > bench_nreq)
		bench_fatal("internal: %" PRIu64 " requests needed, %" PRIu64
		    " drawn", n + w, bench_nreq);
	vmem_stats(ba->vm, &s0);
	r->free_before = s0.free_segs;
	for (unsigned i = 0; i < w; i++) {
		ba->ring_size[i] = bench_req[i] * q;
		ba->ring_addr[i] = bench_alloc(ba, ba->ring_size[i]);
	}
	const uint8_t *req = bench_req + w;
	head = 0;

	vmem_stats(ba->vm, &s0);
	v0 = kml_now();
	t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		vmem_free(ba->vm, ba->ring_addr[head], ba->ring_size[head]);
		ba->ring_size[head] = req[i] * q;
		ba->ring_addr[head] = bench_alloc(ba, ba->ring_size[head]);
		if (++head == w)
			head = 0;
	}
	t1 = bench_now();
	v1 = kml_now();
	vmem_stats(ba->vm, &s1);

	r->seconds = t1 - t0;
	r->searches = s1.searches - s0.searches;
	r->allocs = s1.allocs - s0.allocs;
	r->vns = v1 - v0;
	r->free_during = s1.free_segs;
	for (unsigned i = 0; i < w; i++)
		vmem_free(ba->vm, ba->ring_addr[i], ba->ring_size[i]);
	vmem_stats(ba->vm, &s1);
	r->free_after = s1.free_segs;
	if (r->free_after != r->free_before)
		bench_fatal("%s: %" PRIu64 " free segments before the run, %"
		    PRIu64 " after: the fragmentation level drifted",
		    vmem_strategy_name(ba->strategy), r->free_before,
		    r->free_after);
}

/* bench_round2: n rounded to two significant digits, at least 1. */
static uint64_t
bench_round2(uint64_t n)
{
	uint64_t scale = 1;

	while (n >= 100) {
		n /= 10;
		scale *= 10;
	}
	return n == 0 ? 1 : n * scale;
}

/*
 * bench_calibrate: the number of pairs that takes about BENCH_TARGET_S
 * seconds, at most p->nmax: runs of 1000, 4000, ... pairs until one lasts
 * BENCH_CALIB_S, then scaled.
 */
static uint64_t
bench_calibrate(struct bench_arena *ba, const struct bench_params *p)
{
	struct bench_run r;
	uint64_t n = p->nmax < 1000 ? p->nmax : 1000, want;

	for (;;) {
		bench_run(ba, n, &r);
		if (r.seconds >= BENCH_CALIB_S || n >= p->nmax)
			break;
		n = n * 4 > p->nmax ? p->nmax : n * 4;
	}
	if (r.seconds <= 0)
		return p->nmax;
	want = (uint64_t)((double)n * BENCH_TARGET_S / r.seconds);
	want = bench_round2(want);
	if (want < 100)
		want = 100;
	return want > p->nmax ? p->nmax : want;
}

/* bench_cmp_double: qsort comparison of doubles, ascending. */
static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* bench_cell_measure: one cell: layout, calibration, warm-up, repetitions. */
static void
bench_cell_measure(const struct bench_params *p, int strategy,
    unsigned nholes, uint64_t tag, struct bench_cell *c)
{
	struct bench_arena ba;
	struct bench_run r, warm;
	double *ns;
	uint64_t searches = 0, allocs = 0, vns = 0;

	bench_arena_build(&ba, p, nholes, tag, strategy);
	memset(c, 0, sizeof(*c));
	c->n = p->n != 0 ? p->n : bench_calibrate(&ba, p);

	bench_run(&ba, c->n / 10 > 0 ? c->n / 10 : 1, &warm);
	c->free_before = warm.free_before;

	ns = bench_xcalloc(p->reps, sizeof(*ns));
	for (unsigned i = 0; i < p->reps; i++) {
		bench_run(&ba, c->n, &r);
		ns[i] = r.seconds * 1e9 / (double)c->n;
		searches += r.searches;
		allocs += r.allocs;
		vns += r.vns;
		c->free_during = r.free_during;
		c->free_after = r.free_after;
	}
	qsort(ns, p->reps, sizeof(*ns), bench_cmp_double);
	c->best_ns = ns[0];
	c->median_ns = p->reps % 2 ? ns[p->reps / 2] :
	    (ns[p->reps / 2 - 1] + ns[p->reps / 2]) / 2;
	c->search = allocs ? (double)searches / (double)allocs : 0;
	c->vns = (double)vns / ((double)c->n * p->reps);
	free(ns);
	bench_arena_destroy(&ba);
}

/* ---- main */

static void __attribute__((noreturn))
bench_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: %s [-q] [-n pairs] [-r reps] [-s seed] [-w window]\n"
	    "  -n N  exactly N alloc/free pairs per repetition (default: scaled to\n"
	    "        about %.1f s per repetition, at most %d)\n"
	    "  -r R  repetitions after the warm-up (default %d)\n"
	    "  -s S  seed, decimal or 0x hex (default %#" PRIx64 ")\n"
	    "  -w W  allocations kept in the FIFO window, 1..%d (default %d)\n"
	    "  -q    quick smoke test: %d holes at high fragmentation, %d pairs,\n"
	    "        1 repetition\n",
	    bench_prog, BENCH_TARGET_S, BENCH_NMAX, BENCH_REPS, BENCH_SEED,
	    BENCH_WINDOW_MAX, BENCH_WINDOW, BENCH_QUICK_HOLES, BENCH_QUICK_N);
	exit(status);
}

/* bench_number: parse a whole number in [min, max] for option opt. */
static uint64_t
bench_number(int opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max)
		bench_fatal("-%c: bad number \"%s\" (%" PRIu64 "..%" PRIu64 ")",
		    opt, s, min, max);
	return v;
}

int
main(int argc, char **argv)
{
	static const int strategies[] = { VM_INSTANTFIT, VM_BESTFIT, VM_NEXTFIT };
	struct bench_params p;
	struct bench_cell cell;
	uint64_t rng;
	int ch, rflag = 0;

	memset(&p, 0, sizeof(p));
	p.seed = BENCH_SEED;
	p.nmax = BENCH_NMAX;
	p.reps = BENCH_REPS;
	p.window = BENCH_WINDOW;
	p.low_holes = BENCH_LOW_HOLES;
	p.high_holes = BENCH_HIGH_HOLES;
	while ((ch = getopt(argc, argv, "hn:qr:s:w:")) != -1) {
		switch (ch) {
		case 'n':
			p.n = bench_number(ch, optarg, 1, UINT64_C(1) << 32);
			break;
		case 'q':
			p.quick = 1;
			break;
		case 'r':
			p.reps = (unsigned)bench_number(ch, optarg, 1, 1000);
			rflag = 1;
			break;
		case 's':
			p.seed = bench_number(ch, optarg, 0, UINT64_MAX);
			break;
		case 'w':
			p.window = (unsigned)bench_number(ch, optarg, 1,
			    BENCH_WINDOW_MAX);
			break;
		case 'h':
			bench_usage(0);
		default:
			bench_usage(2);
		}
	}
	if (optind != argc)
		bench_usage(2);
	if (p.quick) {
		p.high_holes = BENCH_QUICK_HOLES;
		if (p.n == 0)
			p.n = BENCH_QUICK_N;
		if (!rflag)
			p.reps = 1;
	}

	/* Draw the requests: enough for the largest run, plus the window. */
	bench_nreq = (p.n != 0 ? p.n : p.nmax) + p.window;
	bench_req = bench_xcalloc(bench_nreq, 1);
	rng = bench_rng_init(p.seed, BENCH_STREAM_REQ);
	for (uint64_t i = 0; i < bench_nreq; i++)
		bench_req[i] = (uint8_t)bench_loguniform(&rng, BENCH_REQ_CLASSES);

	printf("# kmemlab %s vmem benchmark%s: wall-clock ns per vmem_alloc + vmem_free pair\n",
	    kml_version(), p.quick ? " (quick)" : "");
	printf("# environment %s, seed %#" PRIx64 " (splitmix64), quantum %d, "
	    "base %#" PRIx64 "\n", kml_env_name(), p.seed, BENCH_QUANTUM,
	    BENCH_BASE);
	printf("# layout: H holes, each followed by a busy 1-quantum separator, then a "
	    "free tail of %d quanta\n", BENCH_TAIL);
	printf("#   hole sizes: class k uniform in 0..%d, size uniform in [2^k, 2^(k+1)) "
	    "quanta (1..%d)\n", BENCH_HOLE_CLASSES - 1, (1 << BENCH_HOLE_CLASSES) - 1);
	printf("#   low fragmentation H = %u, high fragmentation H = %u\n",
	    p.low_holes, p.high_holes);
	printf("# requests: class k uniform in 0..%d, size uniform in [2^k, 2^(k+1)) "
	    "quanta (1..%d), VM_NOSLEEP\n", BENCH_REQ_CLASSES - 1,
	    (1 << BENCH_REQ_CLASSES) - 1);
	printf("#   FIFO window of %u segments: each pair frees the oldest, "
	    "allocates the next\n", p.window);
	if (p.n != 0)
		printf("# N = %" PRIu64 " pairs per repetition", p.n);
	else
		printf("# N calibrated to about %.1f s per repetition, at most %" PRIu64,
		    BENCH_TARGET_S, p.nmax);
	printf("; 1 warm-up run of N/10, then %u repetition%s; clock "
	    "CLOCK_MONOTONIC\n", p.reps, p.reps == 1 ? "" : "s");
	printf("# free segs: before the window is filled / after the timed pairs "
	    "(window full) / after draining\n");
	printf("# search/alloc: free segments examined per allocation (vmem_stats "
	    "searches / allocs)\n");
	printf("# vns/pair: virtual ns charged by the cost model per pair\n");
	printf("%-10s %-4s %21s %8s %9s %9s %12s %9s\n", "strategy", "frag",
	    "free segs", "N", "best ns", "median ns", "search/alloc", "vns/pair");
	fflush(stdout);

	for (size_t f = 0; f < 2; f++) {
		unsigned nholes = f == 0 ? p.low_holes : p.high_holes;
		uint64_t tag = f == 0 ? BENCH_STREAM_LOW : BENCH_STREAM_HIGH;
		char segs[64];

		for (size_t s = 0; s < sizeof(strategies) / sizeof(strategies[0]); s++) {
			bench_cell_measure(&p, strategies[s], nholes, tag, &cell);
			snprintf(segs, sizeof(segs), "%" PRIu64 "/%" PRIu64 "/%" PRIu64,
			    cell.free_before, cell.free_during, cell.free_after);
			printf("%-10s %-4s %21s %8" PRIu64 " %9.1f %9.1f %12.2f %9.1f\n",
			    vmem_strategy_name(strategies[s]), f == 0 ? "low" : "high",
			    segs, cell.n, cell.best_ns, cell.median_ns, cell.search,
			    cell.vns);
			fflush(stdout);
		}
	}
	free(bench_req);
	return 0;
}
