/*
 * tests/record_prog.c: a program with known allocations, for the tests
 * of "kmemlab record" (tests/cli/record.sh).
 *
 *   record_prog seq       a known sequence of C library calls in the main
 *                         thread and in two more threads, each between a
 *                         begin and an end marker (malloc of a size no
 *                         other call uses); then, once every thread is
 *                         done, one line per call on standard output, in
 *                         the order of each thread, as "trace dump" shows
 *                         the event: "TID OP ptr=0x... [old=0x...]
 *                         [size=N] [count=N] [align=N] [flags=zero]"
 *   record_prog open N    open and close /dev/null N times (filp and
 *                         names_cache objects in the kernel), then print N
 *   record_prog sleep N   sleep N seconds (a process to trace with -p)
 *   record_prog churn N   N pairs of malloc and free, sizes 16 to 520
 *                         bytes in turn, then print N and the seconds
 *                         they took (bench/record_bench.sh's load)
 *
 * The calls between the markers make no other allocation (no stdio, no
 * thread creation), so the recorded events of a thread between its
 * markers must be exactly its lines.  glibc before 2.38 makes
 * aligned_alloc an alias of memalign, which a probe cannot tell apart:
 * the line then says memalign, as kmemlab records it.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROG_MAXCALLS	32	/* calls logged per thread */
#define PROG_THREADS	2	/* threads besides the main one */

/* One call as logged: what "trace dump" shows of its event. */
struct prog_call {
	const char *c_op;
	uintptr_t c_ptr, c_old;
	size_t c_size, c_count, c_align;
	int c_zero;
};

/* The calls of one thread. */
struct prog_log {
	long l_tid;
	int l_n;
	int l_index;		/* 0: main, 1..: threads */
	struct prog_call l_calls[PROG_MAXCALLS];
};

static struct prog_log prog_logs[PROG_THREADS + 1];

/* prog_add: log a call of lg. => returns the call, for its fields. */
static struct prog_call *
prog_add(struct prog_log *lg, const char *op, uintptr_t ptr, size_t size)
{
	struct prog_call *c = &lg->l_calls[lg->l_n++];

	memset(c, 0, sizeof(*c));
	c->c_op = op;
	c->c_ptr = ptr;
	c->c_size = size;
	return c;
}

/* prog_malloc, prog_free, ...: the call, logged. */
static void *
prog_malloc(struct prog_log *lg, size_t size)
{
	void *p = malloc(size);

	prog_add(lg, "malloc", (uintptr_t)p, size);
	return p;
}

static void
prog_free(struct prog_log *lg, void *p)
{
	uintptr_t v = (uintptr_t)p;

	free(p);
	prog_add(lg, "free", v, 0);
}

static void *
prog_calloc(struct prog_log *lg, size_t n, size_t size)
{
	void *p = calloc(n, size);
	struct prog_call *c = prog_add(lg, "calloc", (uintptr_t)p, n * size);

	c->c_count = n;
	c->c_zero = 1;
	return p;
}

static void *
prog_realloc(struct prog_log *lg, void *old, size_t size)
{
	uintptr_t v = (uintptr_t)old;
	void *p = realloc(old, size);

	prog_add(lg, "realloc", (uintptr_t)p, size)->c_old = v;
	return p;
}

/* prog_seq_main: the main thread's calls. */
static void
prog_seq_main(struct prog_log *lg)
{
	void *m0, *m1, *a, *b, *c, *d, *e, *f, *g;
	int same = (uintptr_t)aligned_alloc == (uintptr_t)memalign;

	m0 = prog_malloc(lg, 100001);
	a = prog_malloc(lg, 24);
	b = prog_calloc(lg, 10, 8);
	c = prog_malloc(lg, 4000);
	prog_free(lg, a);
	c = prog_realloc(lg, c, 8000);
	d = aligned_alloc(64, 256);
	prog_add(lg, same ? "memalign" : "aligned_alloc", (uintptr_t)d, 256)->c_align =
	    64;
	if (posix_memalign(&e, 128, 512) != 0)
		e = NULL;
	prog_add(lg, "posix_memalign", (uintptr_t)e, 512)->c_align = 128;
	f = memalign(4096, 100);
	prog_add(lg, "memalign", (uintptr_t)f, 100)->c_align = 4096;
	g = valloc(5000);
	prog_add(lg, "valloc", (uintptr_t)g, 5000);
	prog_free(lg, b);
	prog_free(lg, c);
	prog_free(lg, d);
	prog_free(lg, e);
	prog_free(lg, f);
	prog_free(lg, g);
	m1 = prog_malloc(lg, 100002);
	free(m0);
	free(m1);
}

/* prog_seq_thread: a thread's calls (lg->l_index 1, 2). */
static void *
prog_seq_thread(void *arg)
{
	struct prog_log *lg = arg;
	size_t i = (size_t)lg->l_index;
	void *m0, *m1, *x, *z;
	void *volatile none = NULL;	/* not folded: realloc(NULL) stays */

	lg->l_tid = syscall(SYS_gettid);
	m0 = prog_malloc(lg, 200001 + 10 * i);
	x = prog_malloc(lg, 16 * i);
	x = prog_realloc(lg, x, 1000 + i);
	z = prog_calloc(lg, 3, 100 + i);
	prog_free(lg, x);
	prog_free(lg, z);
	x = prog_realloc(lg, none, 300 + i);
	prog_free(lg, x);
	m1 = prog_malloc(lg, 200002 + 10 * i);
	free(m0);
	free(m1);
	return NULL;
}

/* prog_print: the lines of lg's calls. */
static void
prog_print(const struct prog_log *lg)
{
	for (int k = 0; k < lg->l_n; k++) {
		const struct prog_call *c = &lg->l_calls[k];

		printf("%ld %s ptr=0x%" PRIxPTR, lg->l_tid, c->c_op, c->c_ptr);
		if (strcmp(c->c_op, "realloc") == 0)
			printf(" old=0x%" PRIxPTR, c->c_old);
		if (c->c_size != 0)
			printf(" size=%zu", c->c_size);
		if (c->c_count != 0)
			printf(" count=%zu", c->c_count);
		if (c->c_align != 0)
			printf(" align=%zu", c->c_align);
		if (c->c_zero)
			printf(" flags=zero");
		printf("\n");
	}
}

/* prog_seq: the "seq" mode. */
static int
prog_seq(void)
{
	pthread_t th[PROG_THREADS];

	prog_logs[0].l_tid = syscall(SYS_gettid);
	prog_seq_main(&prog_logs[0]);
	for (int i = 1; i <= PROG_THREADS; i++) {
		prog_logs[i].l_index = i;
		if (pthread_create(&th[i - 1], NULL, prog_seq_thread,
		    &prog_logs[i]) != 0) {
			fprintf(stderr, "record_prog: pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < PROG_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i <= PROG_THREADS; i++)
		prog_print(&prog_logs[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* prog_open: the "open N" mode. */
static int
prog_open(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0) {
			perror("record_prog: /dev/null");
			return 1;
		}
		close(fd);
	}
	printf("%ld\n", n);
	return 0;
}

/* prog_churn: the "churn N" mode. */
static int
prog_churn(long n)
{
	static void *volatile sink;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		sink = malloc(16 + (size_t)(i % 64) * 8);
		free(sink);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %.6f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "seq") == 0)
		return prog_seq();
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return prog_open(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "churn") == 0)
		return prog_churn(atol(argv[2]));
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	fprintf(stderr,
	    "usage: record_prog seq | open N | sleep N | churn N\n");
	return 2;
}
