/*
 * bench/stack_bench.c: wall-clock cost of the allocator stack's paths
 * (run by `make bench`, never by make check).
 *
 * What it measures, in nanoseconds per pair, best and median of R
 * repetitions of N pairs after a warm-up:
 *   pool_get + pool_put          the pool layer alone (one item kept out,
 *                                so the page stays partial: no page work)
 *   pool_cache_get + _put        the per-CPU magazine fast path (the
 *                                warm-up leaves the loaded magazine with
 *                                rounds, so every get and put is a hit)
 *   kmem_alloc + kmem_free       64 B and 1 KiB (a kmem-N pool_cache plus
 *                                kmem's live map), 64 KiB (kmem_va_arena)
 * and, per cell, the virtual nanoseconds the cost model charged per pair,
 * which is what a replay's timing is built from.
 *
 * Everything runs on the uniprocessor environment with a page layer of
 * 262,144 pages (1 GiB), the defaults of uvm_params_default; the kmem
 * size classes are NetBSD's.  Options: -n N pairs, -r repetitions, -q a
 * quick run (10,000 pairs, 1 repetition) for smoke tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/kmemlab.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>

#define BENCH_N		2000000		/* pairs per repetition */
#define BENCH_REPS	5		/* repetitions */

/* One benchmark cell: run n pairs of the operation on ctx. */
struct bench_cell {
	const char *name;
	void (*run)(void *ctx, uint64_t n);
	void *ctx;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void
bench_fail(const char *what)
{
	fprintf(stderr, "stack_bench: %s failed\n", what);
	exit(1);
}

/* ---- the operations */

static void
run_pool(void *ctx, uint64_t n)
{
	struct pool *pp = ctx;

	for (uint64_t i = 0; i < n; i++) {
		vmem_addr_t a = pool_get(pp, PR_NOWAIT);

		if (a == 0)
			bench_fail("pool_get");
		pool_put(pp, a);
	}
}

static void
run_pool_cache(void *ctx, uint64_t n)
{
	pool_cache_t pc = ctx;

	for (uint64_t i = 0; i < n; i++) {
		vmem_addr_t a = pool_cache_get(pc, PR_NOWAIT);

		if (a == 0)
			bench_fail("pool_cache_get");
		pool_cache_put(pc, a);
	}
}

static void
run_kmem(void *ctx, uint64_t n)
{
	size_t size = *(size_t *)ctx;

	for (uint64_t i = 0; i < n; i++) {
		vmem_addr_t a = kmem_alloc(size, KM_NOSLEEP);

		if (a == 0)
			bench_fail("kmem_alloc");
		kmem_free(a, size);
	}
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
bench_cell(const struct bench_cell *c, uint64_t n, unsigned reps)
{
	double t[64];
	kml_vtime_t v0, v1;

	c->run(c->ctx, n / 10 + 1);		/* warm-up */
	v0 = kml_now();
	for (unsigned r = 0; r < reps; r++) {
		double t0 = bench_now();

		c->run(c->ctx, n);
		t[r] = (bench_now() - t0) / (double)n;
	}
	v1 = kml_now();
	qsort(t, reps, sizeof(t[0]), bench_cmp);
	printf("%-28s %10" PRIu64 " %10.1f %10.1f %10.1f\n", c->name, n, t[0],
	    t[reps / 2], (double)(v1 - v0) / ((double)n * reps));
}

int
main(int argc, char **argv)
{
	uint64_t n = BENCH_N;
	unsigned reps = BENCH_REPS;
	struct pool pool;
	pool_cache_t pc;
	vmem_addr_t keep;
	size_t s64 = 64, s1k = 1024, s64k = 65536;
	int ch;

	while ((ch = getopt(argc, argv, "n:r:q")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'q':
			n = 10000;
			reps = 1;
			break;
		default:
			fprintf(stderr, "usage: stack_bench [-n pairs] [-r reps] [-q]\n");
			return 2;
		}
	}
	if (n == 0 || reps == 0 || reps > 64) {
		fprintf(stderr, "stack_bench: -n must be > 0 and -r in 1..64\n");
		return 2;
	}
	if (uvm_init(NULL) != 0 || kmem_init(KMEM_CLASSES_NETBSD) != 0)
		bench_fail("set-up");
	pool_init(&pool, 64, 0, 0, 0, "bench64", NULL, 0);
	keep = pool_get(&pool, PR_NOWAIT);	/* the page stays partial */
	pc = pool_cache_init(64, 0, 0, 0, "bench64c", NULL, 0, NULL, NULL, NULL);

	printf("# kmemlab %s allocator stack benchmark: wall-clock ns per pair\n",
	    kml_version());
	printf("# environment %s, page layer 262144 pages of 4096 bytes, "
	    "kmem classes netbsd\n", kml_env_name());
	printf("# %u repetitions of N pairs after a warm-up of N/10; "
	    "clock CLOCK_MONOTONIC; vns/pair: virtual ns charged per pair\n", reps);
	printf("%-28s %10s %10s %10s %10s\n", "path", "N", "best ns",
	    "median ns", "vns/pair");

	const struct bench_cell cells[] = {
		{ "pool_get+pool_put 64B", run_pool, &pool },
		{ "pool_cache_get+put 64B", run_pool_cache, pc },
		{ "kmem_alloc+kmem_free 64B", run_kmem, &s64 },
		{ "kmem_alloc+kmem_free 1KiB", run_kmem, &s1k },
		{ "kmem_alloc+kmem_free 64KiB", run_kmem, &s64k },
	};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		bench_cell(&cells[i], n, reps);

	pool_put(&pool, keep);
	pool_destroy(&pool);
	pool_cache_destroy(pc);
	kmem_fini();
	uvm_fini();
	return 0;
}
