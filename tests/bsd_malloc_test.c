/*
 * tests/bsd_malloc_test.c: unit and randomized tests of kmemlab/bsd_malloc.h.
 *
 * The allocator runs on a small page layer (uvm_init with a few hundred or
 * thousand pages of 4096 bytes, kernel addresses from 0xffff800000000000)
 * in the uniprocessor environment.  A fresh page layer hands out pages in
 * address order, so the unit tests know every block's exact address: a
 * refill of bucket n hands out the last 2^n-byte block of its page first.
 *
 * Unit tests: set-up and parameters (messages on stderr are captured and
 * checked), bucket choice and exact addresses for every kind of size,
 * free-list order (FIFO and LIFO), exact bucket, type and global
 * statistics, couldfree, every error class with its exact message, and
 * that a reported call changes nothing; the limits (M_NOWAIT fails,
 * M_WAITOK is a deadlock report; memory in use stays below limit + one
 * block), the kmem space, page-layer exhaustion, types, dumps, the name
 * tables, a 512-byte page.  A scripted environment, whose sleep runs a
 * "second thread" with every lock released, tests the wakeups (a free that
 * crosses below the limit, a raised limit, a large free for the kmem
 * space), a free into a bucket whose refill sleeps in the page layer (the
 * refill's blocks go first), and a large request whose type reaches its
 * limit while it is in the page layer.  Every report is captured by
 * t_handler, and bsd_malloc_check must pass after every step (t_check
 * prints a test line only when it fails).
 *
 * The randomized test (r_run) replays 100,000 operations in all (three
 * seeds, one of them with LIFO free lists) over four types (limits of
 * 20000 bytes to 60% of a 4 MiB kmem space) and sizes from 0 bytes to 5
 * pages, with reported misuse mixed in, against a model of the
 * allocator: live blocks (sorted, to find overlaps), every bucket's free
 * list in order, every refill's free count, every statistic.  After each
 * step it checks the checker, that the block returned is exactly the
 * model's (or, after a refill, is the right block of a page that overlaps
 * no live block), its alignment, every type, bucket and global statistic,
 * the page layer's wired pages, and that each type's memory in use stays
 * below its limit plus its largest live block.  A failure prints the seed
 * and the step.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/bsd_malloc.h>
#include <kmemlab/env.h>
#include <kmemlab/uvm_km.h>

#include "fakeenv.h"
#include "tap.h"

#define PG	((uint64_t)4096)
#define KVA	UINT64_C(0xffff800000000000)
#define NW	M_NOWAIT
#define WK	M_WAITOK
#define NB	BSD_MALLOC_NBUCKETS

/* ---- error reports */

/* The last report seen by t_handler, and how many since rep_reset. */
static struct {
	int n;				/* # of reports */
	enum bsd_malloc_error err;	/* class of the last one */
	struct bsd_malloc_type *type;	/* its type */
	char msg[512];			/* its message */
} rep;

/* t_handler: the allocator's error handler: records the report. */
static void
t_handler(void *arg, struct bsd_malloc_type *type, enum bsd_malloc_error err,
    const char *msg)
{
	(void)arg;
	rep.n++;
	rep.err = err;
	rep.type = type;
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
}

/* rep_reset: forget the reports seen so far. */
static void
rep_reset(void)
{
	memset(&rep, 0, sizeof(rep));
}

/*
 * t_rep: check that exactly one report of class err came, about type, with
 * message msg.
 */
static void
t_rep(enum bsd_malloc_error err, struct bsd_malloc_type *type, const char *msg,
    const char *what)
{
	const char *last;

	tap_is(rep.n, 1, "%s: one report", what);
	tap_ok(rep.type == type, "%s: about type %s", what,
	    type != NULL ? type->ks_shortdesc : "(none)");
	tap_is(rep.err, err, "%s: class %s", what, bsd_malloc_strerror(err));
	tap_is_str(rep.msg, msg, "%s: message", what);
	tap_is(bsd_malloc_last_error(&last), err, "%s: last error", what);
	tap_is_str(last, msg, "%s: last error message", what);
	rep_reset();
}

/* ---- stderr capture */

static FILE *cap_file;
static int cap_saved = -1;

/* cap_begin: send stderr to a temporary file until cap_end. */
static void
cap_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	if (cap_file == NULL)
		tap_bail("tmpfile failed");
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

/* cap_end: restore stderr; what was written meanwhile is in buf. */
static void
cap_end(char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(buf, 1, len - 1, cap_file);
	buf[n] = '\0';
	fclose(cap_file);
}

/* ---- set-up */

/* t_up: a fresh page layer of physpages pages of pagesize bytes, and the allocator on it. */
static void
t_up(uint64_t physpages, uint64_t pagesize, const struct bsd_malloc_params *bp)
{
	struct uvm_params up;
	int error;

	kml_env_uni_reset();
	uvm_params_default(&up);
	up.up_physpages = physpages;
	up.up_pagesize = pagesize;
	if ((error = uvm_init(&up)) != 0)
		tap_bail("uvm_init: %d", error);
	if ((error = bsd_malloc_init(bp)) != 0)
		tap_bail("bsd_malloc_init: %d", error);
	rep_reset();
}

/* t_down: tear both down; no report may be pending. */
static void
t_down(void)
{
	bsd_malloc_fini();
	uvm_fini();
}

/* t_check: bsd_malloc_check passes (a test line only on failure). */
static void
t_check(const char *what)
{
	char buf[512];

	if (bsd_malloc_check(buf, sizeof(buf)) != 0)
		tap_ok(0, "%s: bsd_malloc_check: %s", what, buf);
}

/* t_wired: the page layer's wired pages. */
static uint64_t
t_wired(void)
{
	struct uvm_stats us;

	uvm_stats(&us);
	return us.wiredpages;
}

/* t_bucket: the statistics of bucket indx. */
static struct bsd_malloc_bucket_stats
t_bucket(unsigned indx)
{
	struct bsd_malloc_bucket_stats st[NB];

	bsd_malloc_bucket_stats(st);
	return st[indx];
}

/* t_type: the statistics of type. */
static struct bsd_malloc_type_stats
t_type(struct bsd_malloc_type *type)
{
	struct bsd_malloc_type_stats st;

	bsd_malloc_type_stats(type, &st);
	return st;
}

/* t_glob: the allocator's statistics. */
static struct bsd_malloc_stats
t_glob(void)
{
	struct bsd_malloc_stats st;

	bsd_malloc_stats(&st);
	return st;
}

/* t_is_bucket: check every member of bucket indx's statistics. */
static void
t_is_bucket(unsigned indx, uint64_t calls, uint64_t total, uint64_t totalfree,
    uint64_t couldfree, uint64_t pages, const char *what)
{
	struct bsd_malloc_bucket_stats b = t_bucket(indx);
	uint64_t size = (uint64_t)1 << indx;
	uint64_t epc = size >= PG ? 1 : PG / size;

	tap_ok(b.size == size && b.elmpercl == epc && b.calls == calls &&
	    b.total == total && b.inuse == total - totalfree &&
	    b.totalfree == totalfree && b.highwat == 5 * epc &&
	    b.couldfree == couldfree && b.pages == pages, "%s: bucket %u: size "
	    "%" PRIu64 " elmpercl %" PRIu64 " calls %" PRIu64 " total %" PRIu64
	    " inuse %" PRIu64 " free %" PRIu64 " highwat %" PRIu64 " couldfree %"
	    PRIu64 " pages %" PRIu64, what, indx, b.size, b.elmpercl, b.calls,
	    b.total, b.inuse, b.totalfree, b.highwat, b.couldfree, b.pages);
}

BSD_MALLOC_DEFINE(t_a, "t_a", "first test type");
BSD_MALLOC_DEFINE(t_b, "t_b", "second test type");

/* ---- set-up and parameters */

static void
test_init(void)
{
	struct bsd_malloc_params bp;
	struct bsd_malloc_stats gs;
	char err[512];
	int error;

	bsd_malloc_set_error_handler(t_handler, NULL);
	tap_is(bsd_malloc_maxallocsave(), 0, "maxallocsave before init");
	cap_begin();
	error = bsd_malloc_init(NULL);
	cap_end(err, sizeof(err));
	tap_is(error, EINVAL, "init without a page layer: EINVAL");
	tap_is_str(err, "bsd_malloc_init: the page layer is not set up "
	    "(uvm_init)\n", "init without a page layer: message");

	bsd_malloc_params_default(&bp);
	tap_ok(bp.bmp_kmemsize == 0 && bp.bmp_limit_pct == 60 &&
	    bp.bmp_freeorder == BSD_MALLOC_FIFO, "default parameters");

	kml_env_uni_reset();
	{
		struct uvm_params up;

		uvm_params_default(&up);
		up.up_physpages = 256;
		if (uvm_init(&up) != 0)
			tap_bail("uvm_init");
	}
	static const struct {
		uint64_t kmemsize;
		unsigned pct;
		int order;
		const char *msg;
	} bad[] = {
		{ 4097, 60, BSD_MALLOC_FIFO, "bsd_malloc_init: bmp_kmemsize 4097 "
		  "is not a multiple of the page size 4096 of at least two "
		  "pages\n" },
		{ 4096, 60, BSD_MALLOC_FIFO, "bsd_malloc_init: bmp_kmemsize 4096 "
		  "is not a multiple of the page size 4096 of at least two "
		  "pages\n" },
		{ (UINT64_C(1) << 63) + 4096, 60, BSD_MALLOC_FIFO,
		  "bsd_malloc_init: bmp_kmemsize 9223372036854779904 is above "
		  "2^63\n" },
		{ 0, 0, BSD_MALLOC_FIFO, "bsd_malloc_init: bmp_limit_pct 0 is "
		  "not in 1..100\n" },
		{ 0, 101, BSD_MALLOC_FIFO, "bsd_malloc_init: bmp_limit_pct 101 "
		  "is not in 1..100\n" },
		{ 0, 60, 2, "bsd_malloc_init: bmp_freeorder 2 is neither "
		  "BSD_MALLOC_FIFO nor BSD_MALLOC_LIFO\n" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bp.bmp_kmemsize = bad[i].kmemsize;
		bp.bmp_limit_pct = bad[i].pct;
		bp.bmp_freeorder = bad[i].order;
		cap_begin();
		error = bsd_malloc_init(&bp);
		cap_end(err, sizeof(err));
		tap_is(error, EINVAL, "bad parameters %zu: EINVAL", i);
		tap_is_str(err, bad[i].msg, "bad parameters %zu: message", i);
	}

	tap_is(bsd_malloc_init(NULL), 0, "init with the defaults");
	cap_begin();
	error = bsd_malloc_init(NULL);
	cap_end(err, sizeof(err));
	tap_is(error, EBUSY, "second init: EBUSY");
	tap_is_str(err, "bsd_malloc_init: the allocator is already set up\n",
	    "second init: message");
	gs = t_glob();
	tap_ok(gs.kmemsize == 256 * PG && gs.deflimit == 629145 &&
	    gs.pagesize == PG && gs.maxallocsave == 2 * PG && gs.pages == 0 &&
	    gs.memuse == 0 && gs.types == 0 && gs.allocs == 0 &&
	    gs.errors == 0, "default kmem space is physical memory, limit 60%%: "
	    "kmemsize %" PRIu64 " deflimit %" PRIu64 " pagesize %" PRIu64
	    " maxallocsave %" PRIu64, gs.kmemsize, gs.deflimit, gs.pagesize,
	    gs.maxallocsave);
	tap_is(bsd_malloc_maxallocsave(), 8192, "MAXALLOCSAVE is two pages");
	tap_is(bsd_malloc_last_error(NULL), BSD_MALLOC_ERR_NONE, "no error yet");
	t_check("init");
	bsd_malloc_fini();

	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = 8192;
	bp.bmp_limit_pct = 50;
	tap_is(bsd_malloc_init(&bp), 0, "init with a kmem space of two pages");
	gs = t_glob();
	tap_ok(gs.kmemsize == 8192 && gs.deflimit == 4096, "kmemsize %" PRIu64
	    " deflimit %" PRIu64, gs.kmemsize, gs.deflimit);
	bsd_malloc_fini();
	uvm_fini();
}

static void
test_bucketindx(void)
{
	static const struct { uint64_t size; unsigned indx; } t[] = {
		{ 0, 4 }, { 1, 4 }, { 15, 4 }, { 16, 4 }, { 17, 5 }, { 32, 5 },
		{ 33, 6 }, { 100, 7 }, { 1024, 10 }, { 1025, 11 }, { 4096, 12 },
		{ 4097, 13 }, { 8192, 13 }, { 8193, 14 }, { 20480, 15 },
		{ UINT64_C(1) << 40, 40 }, { (UINT64_C(1) << 40) + 1, 41 },
		{ UINT64_C(1) << 63, 63 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		tap_is(bsd_malloc_bucketindx(t[i].size), t[i].indx,
		    "BUCKETINDX(%" PRIu64 ")", t[i].size);
}

/* ---- blocks, buckets and statistics */

static void
test_first_blocks(void)
{
	struct bsd_malloc_type_stats ts;
	struct bsd_malloc_stats gs;
	struct bsd_malloc_type *vec[4];
	struct uvm_stats us;
	vmem_addr_t a1, a2, a3;

	t_up(256, PG, NULL);
	ts = t_type(t_a);
	tap_ok(ts.limit == 0 && ts.calls == 0, "a defined type is unregistered "
	    "before its first bsd_malloc");
	tap_is(bsd_malloc_types(vec, 4), 0, "no type registered");
	a1 = bsd_malloc(1, t_a, NW);
	tap_is(a1, KVA + 0xff0, "1 byte: the last 16-byte block of the first "
	    "page");
	a2 = bsd_malloc(10, t_a, NW);
	tap_is(a2, KVA + 0xfe0, "10 bytes: the block below");
	a3 = bsd_malloc(16, t_a, M_WAITOK);
	tap_is(a3, KVA + 0xfd0, "16 bytes, M_WAITOK: the block below");
	t_check("first blocks");
	t_is_bucket(4, 3, 256, 253, 0, 1, "three 16-byte blocks");
	ts = t_type(t_a);
	tap_ok(ts.inuse == 3 && ts.memuse == 48 && ts.limit == 629145 &&
	    ts.waiters == 0 && ts.maxused == 48 && ts.calls == 3 &&
	    ts.frees == 0 && ts.limblocks == 0 && ts.limfails == 0 &&
	    ts.mapblocks == 0 && ts.fails == 0 && ts.sizes == 1u << 4,
	    "type statistics: inuse %" PRIu64 " memuse %" PRIu64 " limit %"
	    PRIu64 " maxused %" PRIu64 " calls %" PRIu64 " sizes %#" PRIx64,
	    ts.inuse, ts.memuse, ts.limit, ts.maxused, ts.calls, ts.sizes);
	gs = t_glob();
	tap_ok(gs.pages == 1 && gs.bucket_pages == 1 && gs.large_pages == 0 &&
	    gs.memuse == 48 && gs.inuse == 3 && gs.freebytes == 253 * 16 &&
	    gs.types == 1 && gs.usage_entries == 1 && gs.allocs == 3 &&
	    gs.frees == 0 && gs.fails == 0 && gs.refills == 1 &&
	    gs.large_allocs == 0 && gs.errors == 0, "global statistics: pages %"
	    PRIu64 " memuse %" PRIu64 " inuse %" PRIu64 " freebytes %" PRIu64
	    " types %" PRIu64 " entries %" PRIu64 " allocs %" PRIu64 " refills %"
	    PRIu64, gs.pages, gs.memuse, gs.inuse, gs.freebytes, gs.types,
	    gs.usage_entries, gs.allocs, gs.refills);
	tap_is(bsd_malloc_types(vec, 4), 1, "one type registered");
	tap_ok(vec[0] == t_a, "it is t_a");
	tap_is(bsd_malloc_blocksize(a1), 16, "blocksize of a 16-byte block");
	tap_is(bsd_malloc_blocksize(KVA), 0, "blocksize of a free block");
	tap_is(bsd_malloc_blocksize(a1 + 1), 0, "blocksize inside a block");
	tap_is(bsd_malloc_blocksize(0x1000), 0, "blocksize of a foreign address");
	uvm_stats(&us);
	tap_ok(us.wiredpages == 1 && us.km_allocs == 1, "the page layer gave "
	    "one wired page (wired %" PRIu64 ", km_allocs %" PRIu64 ")",
	    us.wiredpages, us.km_allocs);

	bsd_free(a2, t_a);
	t_check("free");
	tap_is(rep.n, 0, "free: no report");
	ts = t_type(t_a);
	tap_ok(ts.inuse == 2 && ts.memuse == 32 && ts.maxused == 48 &&
	    ts.frees == 1 && ts.calls == 3, "after a free: inuse %" PRIu64
	    " memuse %" PRIu64 " maxused %" PRIu64 " frees %" PRIu64, ts.inuse,
	    ts.memuse, ts.maxused, ts.frees);
	t_is_bucket(4, 3, 256, 254, 0, 1, "after a free");
	tap_is(t_glob().frees, 1, "global frees");
	tap_is(t_wired(), 1, "a free gives no page back");
	bsd_free(0, t_a);
	tap_ok(rep.n == 0 && t_glob().frees == 1, "bsd_free(0) does nothing");

	bsd_malloc_fini();
	t_rep(BSD_MALLOC_ERR_BUSY, NULL, "malloc \"kmem\": bsd_malloc_fini: "
	    "memory still in use: t_a (2 blocks, 32 bytes)", "fini with blocks "
	    "out");
	uvm_stats(&us);
	tap_ok(us.wiredpages == 0 && us.km_frees == 1, "fini gave the page "
	    "back (wired %" PRIu64 ", km_frees %" PRIu64 ")", us.wiredpages,
	    us.km_frees);
	uvm_fini();
}

static void
test_buckets(void)
{
	static const struct {
		uint64_t size;
		vmem_addr_t addr;	/* offset from KVA */
		unsigned indx;
		uint64_t blocksize;
	} t[] = {
		{ 17, 0x0fe0, 5, 32 },		/* page 0 */
		{ 100, 0x1f80, 7, 128 },	/* page 1 */
		{ 1024, 0x2c00, 10, 1024 },	/* page 2: 4 blocks */
		{ 1000, 0x2800, 10, 1024 },
		{ 2048, 0x3800, 11, 2048 },	/* page 3 */
		{ 4096, 0x4000, 12, 4096 },	/* page 4: one block */
		{ 4097, 0x5000, 13, 8192 },	/* pages 5-6: one block */
		{ 8192, 0x7000, 13, 8192 },	/* pages 7-8 */
		{ 8193, 0x9000, 14, 12288 },	/* pages 9-11: large */
		{ 20480, 0xc000, 15, 20480 },	/* pages 12-16: large */
	};
	vmem_addr_t a[10];
	uint64_t memuse = 0, sizes = 0;
	struct bsd_malloc_type_stats ts;
	struct bsd_malloc_stats gs;

	t_up(256, PG, NULL);
	for (size_t i = 0; i < 10; i++) {
		a[i] = bsd_malloc(t[i].size, t_a, NW);
		tap_is(a[i], KVA + t[i].addr, "%" PRIu64 " bytes: address",
		    t[i].size);
		tap_is(bsd_malloc_blocksize(a[i]), t[i].blocksize, "%" PRIu64
		    " bytes: a block of %" PRIu64, t[i].size, t[i].blocksize);
		memuse += t[i].blocksize;
		sizes |= UINT64_C(1) << t[i].indx;
		t_check("buckets");
	}
	t_is_bucket(5, 1, 128, 127, 0, 1, "32-byte bucket");
	t_is_bucket(7, 1, 32, 31, 0, 1, "128-byte bucket");
	t_is_bucket(10, 2, 4, 2, 0, 1, "1024-byte bucket");
	t_is_bucket(11, 1, 2, 1, 0, 1, "2048-byte bucket");
	t_is_bucket(12, 1, 1, 0, 0, 1, "page bucket");
	t_is_bucket(13, 2, 2, 0, 0, 4, "two-page bucket");
	t_is_bucket(14, 1, 1, 0, 0, 3, "large allocations of 8K..16K");
	t_is_bucket(15, 1, 1, 0, 0, 5, "large allocations of 16K..32K");
	ts = t_type(t_a);
	tap_ok(ts.memuse == memuse && ts.inuse == 10 && ts.sizes == sizes,
	    "type: memuse %" PRIu64 " (want %" PRIu64 ") inuse %" PRIu64
	    " sizes %#" PRIx64 " (want %#" PRIx64 ")", ts.memuse, memuse,
	    ts.inuse, ts.sizes, sizes);
	gs = t_glob();
	tap_ok(gs.pages == 17 && gs.bucket_pages == 9 && gs.large_pages == 8 &&
	    gs.refills == 7 && gs.large_allocs == 2 && gs.usage_entries == 9 &&
	    gs.memuse == memuse, "global: pages %" PRIu64 " bucket %" PRIu64
	    " large %" PRIu64 " refills %" PRIu64 " large_allocs %" PRIu64
	    " entries %" PRIu64, gs.pages, gs.bucket_pages, gs.large_pages,
	    gs.refills, gs.large_allocs, gs.usage_entries);
	tap_is(t_wired(), 17, "17 wired pages in the page layer");

	/* a large allocation goes straight back */
	bsd_free(a[8], t_a);
	t_check("large free");
	t_is_bucket(14, 1, 0, 0, 0, 0, "after the large free");
	gs = t_glob();
	tap_ok(gs.pages == 14 && gs.large_pages == 5 && gs.large_frees == 1 &&
	    gs.usage_entries == 8 && gs.memuse == memuse - 12288, "global after "
	    "the large free: pages %" PRIu64 " large %" PRIu64 " large_frees %"
	    PRIu64, gs.pages, gs.large_pages, gs.large_frees);
	tap_is(t_wired(), 14, "the page layer got three pages back");
	tap_is(bsd_malloc_blocksize(a[8]), 0, "the large block is gone");

	/* a two-page bucket block stays in its bucket */
	bsd_free(a[6], t_a);
	t_is_bucket(13, 2, 2, 1, 0, 4, "two-page bucket after a free");
	tap_is(t_wired(), 14, "a bucket block keeps its pages");
	tap_is(bsd_malloc(5000, t_a, NW), KVA + 0x5000, "and is reused");
	t_is_bucket(13, 3, 2, 0, 0, 4, "two-page bucket after the reuse");
	t_check("two-page bucket");
	t_down();
}

static void
test_order(void)
{
	struct bsd_malloc_params bp;
	vmem_addr_t q;

	/* FIFO: freed blocks go to the tail */
	t_up(256, PG, NULL);
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0xc00, "FIFO: 1st of a page");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x800, "FIFO: 2nd");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x400, "FIFO: 3rd");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x000, "FIFO: 4th");
	bsd_free(KVA + 0x800, t_a);
	bsd_free(KVA + 0xc00, t_a);
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x800, "FIFO: first freed "
	    "first reused");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0xc00, "FIFO: then the second");
	q = bsd_malloc(1024, t_a, NW);
	tap_is(q, KVA + 0x1c00, "FIFO: an empty bucket takes the next page");
	bsd_free(q, t_a);
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1800, "FIFO: a freed block "
	    "waits behind the page's free blocks");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1400, "FIFO: 3rd of page 2");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1000, "FIFO: 4th of page 2");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1c00, "FIFO: then the freed "
	    "block");
	t_check("FIFO");
	t_down();

	/* LIFO: freed blocks go to the head */
	bsd_malloc_params_default(&bp);
	bp.bmp_freeorder = BSD_MALLOC_LIFO;
	t_up(256, PG, &bp);
	for (int i = 0; i < 4; i++)
		(void)bsd_malloc(1024, t_a, NW);
	bsd_free(KVA + 0x800, t_a);
	bsd_free(KVA + 0xc00, t_a);
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0xc00, "LIFO: last freed "
	    "first reused");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x800, "LIFO: then the other");
	q = bsd_malloc(1024, t_a, NW);
	tap_is(q, KVA + 0x1c00, "LIFO: next page");
	bsd_free(q, t_a);
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1c00, "LIFO: a freed block "
	    "goes ahead of the page's free blocks");
	tap_is(bsd_malloc(1024, t_a, NW), KVA + 0x1800, "LIFO: then the page");
	t_check("LIFO");
	t_down();
}

static void
test_couldfree(void)
{
	vmem_addr_t a[28];

	t_up(256, PG, NULL);
	for (int i = 0; i < 28; i++) {
		a[i] = bsd_malloc(1024, t_a, NW);
		tap_ok(a[i] == KVA + (uint64_t)(i / 4) * PG + 0xc00 -
		    (uint64_t)(i % 4) * 0x400, "1024-byte block %d at %#" PRIx64,
		    i, a[i]);
	}
	t_is_bucket(10, 28, 28, 0, 0, 7, "seven pages of 1024-byte blocks");
	/* page k empties when 4k + 3 blocks are free: above highwat 20 from k = 5 */
	for (int i = 0; i < 20; i++)
		bsd_free(a[i], t_a);
	t_is_bucket(10, 28, 28, 20, 0, 7, "five pages wholly free, never more "
	    "than 20 free blocks before a page emptied");
	for (int i = 20; i < 24; i++)
		bsd_free(a[i], t_a);
	t_is_bucket(10, 28, 28, 24, 1, 7, "page 5 emptied with 23 free");
	for (int i = 24; i < 28; i++)
		bsd_free(a[i], t_a);
	t_is_bucket(10, 28, 28, 28, 2, 7, "page 6 emptied with 27 free");
	tap_is(t_wired(), 7, "no page went back to the page layer");
	t_check("couldfree");
	t_down();
}

/* ---- errors */

/* t_same: the statistics of t_a and the global ones, errors aside, are s0's. */
static void
t_same(const struct bsd_malloc_type_stats *ts0, const struct bsd_malloc_stats *gs0,
    const char *what)
{
	struct bsd_malloc_type_stats ts = t_type(t_a);
	struct bsd_malloc_stats gs = t_glob();

	tap_ok(memcmp(&ts, ts0, sizeof(ts)) == 0, "%s: type statistics unchanged",
	    what);
	gs.errors = gs0->errors;
	tap_ok(memcmp(&gs, gs0, sizeof(gs)) == 0, "%s: global statistics "
	    "unchanged", what);
	t_check(what);
}

static void
test_errors(void)
{
	struct bsd_malloc_type_stats ts0;
	struct bsd_malloc_stats gs0;
	vmem_addr_t a1, a2, big, two;
	char msg[256];

	t_up(256, PG, NULL);
	a1 = bsd_malloc(16, t_a, NW);
	a2 = bsd_malloc(16, t_a, NW);
	two = bsd_malloc(8000, t_a, NW);	/* pages 1-2 */
	big = bsd_malloc(3 * PG, t_a, NW);	/* pages 3-5 */
	tap_ok(a1 == KVA + 0xff0 && a2 == KVA + 0xfe0 && two == KVA + 0x1000 &&
	    big == KVA + 0x3000, "set-up addresses");
	bsd_free(a2, t_a);
	ts0 = t_type(t_a);
	gs0 = t_glob();

	bsd_free(0x1000, t_a);
	t_rep(BSD_MALLOC_ERR_NOTALLOC, t_a, "malloc type \"t_a\": bsd_free: address "
	    "0x1000 is not allocated (in no page of the allocator)",
	    "free of a foreign address");
	t_same(&ts0, &gs0, "foreign address");

	bsd_free(a1 + 4, t_a);
	t_rep(BSD_MALLOC_ERR_NOTALLOC, t_a, "malloc type \"t_a\": bsd_free: address "
	    "0xffff800000000ff4 is not the start of a block (inside the 16-byte "
	    "block at 0xffff800000000ff0)", "free inside a block");
	t_same(&ts0, &gs0, "inside a block");

	bsd_free(a2, t_a);
	t_rep(BSD_MALLOC_ERR_DUPFREE, t_a, "malloc type \"t_a\": bsd_free: the "
	    "16-byte block at 0xffff800000000fe0 is already free",
	    "duplicate free");
	t_same(&ts0, &gs0, "duplicate free");

	bsd_free(KVA, t_a);
	t_rep(BSD_MALLOC_ERR_DUPFREE, t_a, "malloc type \"t_a\": bsd_free: the "
	    "16-byte block at 0xffff800000000000 is already free",
	    "free of a block never handed out");
	t_same(&ts0, &gs0, "never handed out");

	bsd_free(a1, t_b);
	t_rep(BSD_MALLOC_ERR_WRONGTYPE, t_b, "malloc type \"t_b\": bsd_free: the "
	    "16-byte block at 0xffff800000000ff0 belongs to type \"t_a\", not "
	    "\"t_b\"", "free with the wrong type");
	tap_is(bsd_malloc_blocksize(a1), 16, "the block is still allocated");
	t_same(&ts0, &gs0, "wrong type");

	bsd_free(big + PG, t_a);
	t_rep(BSD_MALLOC_ERR_NOTALLOC, t_a, "malloc type \"t_a\": bsd_free: address "
	    "0xffff800000004000 is not allocated (inside the large allocation "
	    "[0xffff800000003000, 0xffff800000006000))", "free inside a large "
	    "allocation");
	t_same(&ts0, &gs0, "inside a large allocation");

	bsd_free(big + 16, t_a);
	t_rep(BSD_MALLOC_ERR_NOTALLOC, t_a, "malloc type \"t_a\": bsd_free: address "
	    "0xffff800000003010 is not the start of a block (inside the "
	    "12288-byte block at 0xffff800000003000)", "free inside the first "
	    "page of a large allocation");
	t_same(&ts0, &gs0, "first page of a large allocation");

	bsd_free(two + PG, t_a);
	t_rep(BSD_MALLOC_ERR_NOTALLOC, t_a, "malloc type \"t_a\": bsd_free: address "
	    "0xffff800000002000 is not allocated (inside the bucket block "
	    "[0xffff800000001000, 0xffff800000003000))", "free in the second "
	    "page of a two-page block");
	t_same(&ts0, &gs0, "second page of a two-page block");

	bsd_free(a1, NULL);
	t_rep(BSD_MALLOC_ERR_BADTYPE, NULL, "malloc \"kmem\": bsd_free: type is NULL "
	    "(address 0xffff800000000ff0)", "free with a NULL type");
	t_same(&ts0, &gs0, "free with a NULL type");

	tap_is(bsd_malloc(16, NULL, NW), 0, "malloc with a NULL type");
	t_rep(BSD_MALLOC_ERR_BADTYPE, NULL, "malloc \"kmem\": bsd_malloc: type is "
	    "NULL", "malloc with a NULL type");
	gs0.fails++;
	t_same(&ts0, &gs0, "malloc with a NULL type (one more fail)");

	static const struct { int flags; const char *msg; } badflags[] = {
		{ 0, "malloc type \"t_a\": bsd_malloc: flags 0 need exactly one "
		  "of M_WAITOK and M_NOWAIT" },
		{ M_ZERO, "malloc type \"t_a\": bsd_malloc: flags 0x800 need "
		  "exactly one of M_WAITOK and M_NOWAIT" },
		{ M_WAITOK | M_NOWAIT, "malloc type \"t_a\": bsd_malloc: flags "
		  "0x3 need exactly one of M_WAITOK and M_NOWAIT" },
		{ M_NOWAIT | 0x10, "malloc type \"t_a\": bsd_malloc: unknown "
		  "flags 0x10" },
		{ M_NOWAIT | VM_BESTFIT, "malloc type \"t_a\": bsd_malloc: "
		  "unknown flags 0x200" },
	};
	for (size_t i = 0; i < sizeof(badflags) / sizeof(badflags[0]); i++) {
		tap_is(bsd_malloc(16, t_a, badflags[i].flags), 0, "flags %#x: "
		    "no block", badflags[i].flags);
		snprintf(msg, sizeof(msg), "flags %#x", badflags[i].flags);
		t_rep(BSD_MALLOC_ERR_FLAGS, t_a, badflags[i].msg, msg);
		ts0.fails++;
		gs0.fails++;
		t_same(&ts0, &gs0, msg);
	}

	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	tap_is(bsd_malloc(16, t_a, M_WAITOK), 0, "M_WAITOK in a softirq");
	t_rep(BSD_MALLOC_ERR_FLAGS, t_a, "malloc type \"t_a\": bsd_malloc: M_WAITOK "
	    "in interrupt context", "M_WAITOK in interrupt context");
	ts0.fails++;
	gs0.fails++;
	t_same(&ts0, &gs0, "M_WAITOK in interrupt context");
	a2 = bsd_malloc(16, t_a, M_NOWAIT);
	tap_is(a2, KVA + 0xfd0, "M_NOWAIT in a softirq allocates");
	kml_env_uni_set_context(KML_CTX_THREAD);
	bsd_free(a2, t_a);
	ts0 = t_type(t_a);
	gs0 = t_glob();

	tap_is(bsd_malloc(256 * PG + 1, t_a, NW), 0, "size above the kmem space");
	t_rep(BSD_MALLOC_ERR_SIZE, t_a, "malloc type \"t_a\": bsd_malloc: size "
	    "1048577 is larger than the kmem space (1048576 bytes)",
	    "size above the kmem space");
	ts0.fails++;
	gs0.fails++;
	t_same(&ts0, &gs0, "size above the kmem space");
	tap_is(bsd_malloc(UINT64_MAX, t_a, WK), 0, "size 2^64-1");
	tap_is(rep.err, BSD_MALLOC_ERR_SIZE, "size 2^64-1: bad size");
	rep_reset();
	ts0.fails++;
	gs0.fails++;
	t_same(&ts0, &gs0, "size 2^64-1");
	tap_is(bsd_malloc(256 * PG, t_a, NW), 0, "the whole kmem space while "
	    "pages are held: no room");
	tap_is(rep.n, 0, "no room is not an error");
	ts0.fails++;
	ts0.mapblocks++;
	ts0.sizes |= UINT64_C(1) << 20;
	gs0.fails++;
	t_same(&ts0, &gs0, "no room");

	tap_is(t_glob().errors, 18, "every report counted");
	tap_is_str(bsd_malloc_strerror(BSD_MALLOC_ERR_DUPFREE), "duplicate free",
	    "strerror");
	tap_is_str(bsd_malloc_strerror(BSD_MALLOC_ERR_NERRORS), "unknown error",
	    "strerror of a bad class");
	bsd_free(a1, t_a);
	bsd_free(two, t_a);
	bsd_free(big, t_a);
	t_check("errors");
	t_down();
	tap_is(rep.n, 0, "fini with nothing allocated: no report");
}

static void
test_zero(void)
{
	struct bsd_malloc_stats gs;
	vmem_addr_t a, b;

	t_up(256, PG, NULL);
	a = bsd_malloc(0, t_a, NW);
	tap_is(a, KVA + 0xff0, "malloc(0) gets a 16-byte block");
	tap_is(bsd_malloc_blocksize(a), 16, "of 16 bytes");
	tap_is(rep.n, 0, "malloc(0) is not an error");
	b = bsd_malloc(100, t_a, NW | M_ZERO);
	tap_is(b, KVA + 0x1f80, "M_ZERO allocates as usual");
	tap_ok(bsd_malloc(3 * PG, t_a, WK | M_ZERO) == KVA + 0x2000, "M_ZERO "
	    "large allocation");
	gs = t_glob();
	tap_ok(gs.zerosize == 1 && gs.zeroed == 2 && gs.allocs == 3,
	    "zerosize %" PRIu64 " zeroed %" PRIu64, gs.zerosize, gs.zeroed);
	t_check("zero");
	bsd_free(a, t_a);
	bsd_free(b, t_a);
	bsd_free(KVA + 0x2000, t_a);
	t_down();
}

/* ---- limits, the kmem space, the page layer */

static void
test_limits(void)
{
	BSD_MALLOC_DEFINE(t_l, "lim", NULL);
	BSD_MALLOC_DEFINE(t_m, "lim2", NULL);
	struct bsd_malloc_type_stats ts;
	vmem_addr_t b1, b2;

	t_up(256, PG, NULL);
	tap_is(bsd_malloc_type_init(t_l, "lim", 100), 0, "type with limit 100");
	tap_is(t_type(t_l).limit, 100, "limit 100");
	b1 = bsd_malloc(64, t_l, NW);
	b2 = bsd_malloc(64, t_l, NW);
	tap_ok(b1 == KVA + 0xfc0 && b2 == KVA + 0xf80, "two blocks below the "
	    "limit");
	tap_is(bsd_malloc(64, t_l, NW), 0, "M_NOWAIT at the limit fails");
	tap_is(rep.n, 0, "quietly");
	ts = t_type(t_l);
	tap_ok(ts.memuse == 128 && ts.limfails == 1 && ts.fails == 1 &&
	    ts.limblocks == 0 && ts.calls == 2, "memuse %" PRIu64 " limfails %"
	    PRIu64 " fails %" PRIu64, ts.memuse, ts.limfails, ts.fails);
	tap_ok(ts.memuse <= ts.limit + 64, "memory in use within limit plus "
	    "one block");
	tap_is(bsd_malloc(16, t_l, WK), 0, "M_WAITOK at the limit fails");
	t_rep(BSD_MALLOC_ERR_DEADLOCK, t_l, "malloc type \"lim\": bsd_malloc: "
	    "M_WAITOK request for 16 bytes cannot be satisfied (the type is "
	    "at its limit): deadlock: thread 0 on cpu 0 would sleep on \"lim\" "
	    "forever: the uniprocessor environment has no other thread to "
	    "wake it", "M_WAITOK at the limit");
	ts = t_type(t_l);
	tap_ok(ts.limblocks == 1 && ts.fails == 2 && ts.waiters == 0 &&
	    ts.sizes == 1u << 6, "limblocks %" PRIu64 " fails %" PRIu64
	    " sizes %#" PRIx64 " (a refused request sets no size bit)",
	    ts.limblocks, ts.fails, ts.sizes);
	tap_is(t_glob().fails, 2, "global fails");
	bsd_free(b1, t_l);
	tap_is(bsd_malloc(64, t_l, WK), KVA + 0xf40, "below the limit again");
	tap_is(bsd_malloc(64, t_l, NW), 0, "and at it");
	bsd_malloc_type_setlimit(t_l, 1000);
	tap_is(bsd_malloc(64, t_l, NW), KVA + 0xf00, "a raised limit admits");
	bsd_malloc_type_setlimit(t_l, 0);
	tap_is(t_type(t_l).limit, 629145, "limit 0 is the default");
	t_check("limit");

	/* a large request below the limit may pass it by one block */
	tap_is(bsd_malloc_type_init(t_m, "lim2", 5000), 0, "type with limit 5000");
	tap_is(bsd_malloc(3 * PG, t_m, NW), KVA + 0x1000, "12288 bytes under a "
	    "limit of 5000");
	tap_is(bsd_malloc(16, t_m, NW), 0, "then nothing");
	ts = t_type(t_m);
	tap_ok(ts.memuse == 12288 && ts.memuse < ts.limit + 12288 &&
	    ts.limfails == 1, "memuse %" PRIu64 " below limit + one block",
	    ts.memuse);
	bsd_free(KVA + 0x1000, t_m);
	tap_is(t_type(t_m).memuse, 0, "freed");
	tap_is(bsd_malloc_type_fini(t_m), 0, "type_fini");
	t_check("large limit");
	bsd_free(b2, t_l);
	bsd_free(KVA + 0xf40, t_l);
	bsd_free(KVA + 0xf00, t_l);
	t_down();
}

static void
test_kmemspace(void)
{
	BSD_MALLOC_DEFINE(t_k, "kspace", NULL);
	struct bsd_malloc_params bp;
	struct bsd_malloc_type_stats ts;
	vmem_addr_t big, p[6];

	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = 8 * PG;
	t_up(256, PG, &bp);
	tap_is(bsd_malloc_type_init(t_k, "kspace", UINT64_C(1) << 30), 0,
	    "type with a high limit");
	big = bsd_malloc(3 * PG, t_k, NW);
	tap_is(big, KVA, "a three-page allocation");
	for (int i = 0; i < 5; i++) {
		p[i] = bsd_malloc(PG, t_k, NW);
		tap_is(p[i], KVA + (uint64_t)(3 + i) * PG, "page block %d", i);
	}
	tap_is(t_glob().pages, 8, "the kmem space is full");
	tap_is(bsd_malloc(PG, t_k, NW), 0, "M_NOWAIT: no page");
	tap_is(rep.n, 0, "quietly");
	tap_is(bsd_malloc(16, t_k, WK), 0, "M_WAITOK: no page for a refill");
	t_rep(BSD_MALLOC_ERR_DEADLOCK, t_k, "malloc type \"kspace\": bsd_malloc: "
	    "M_WAITOK request for 16 bytes cannot be satisfied (the kmem space "
	    "is full): deadlock: thread 0 on cpu 0 would sleep on \"kmem_map\" "
	    "forever: the uniprocessor environment has no other thread to "
	    "wake it", "M_WAITOK with the kmem space full");
	ts = t_type(t_k);
	tap_ok(ts.mapblocks == 2 && ts.fails == 2 && ts.limblocks == 0,
	    "mapblocks %" PRIu64 " fails %" PRIu64, ts.mapblocks, ts.fails);
	bsd_free(p[0], t_k);
	tap_is(bsd_malloc(PG, t_k, NW), p[0], "a freed page block is reused");
	tap_is(bsd_malloc(PG, t_k, NW), 0, "but bucket pages never go back");
	bsd_free(big, t_k);
	tap_is(t_glob().pages, 5, "a large free gives its pages back");
	p[5] = bsd_malloc(PG, t_k, NW);
	tap_ok(p[5] != 0 && p[5] % PG == 0, "room for a page block again");
	tap_is(bsd_malloc(3 * PG, t_k, NW), 0, "but not for three pages");
	tap_is(t_type(t_k).mapblocks, 4, "mapblocks");
	tap_is(t_glob().waiters, 0, "no sleeper");
	t_check("kmem space");
	for (int i = 0; i < 6; i++)
		bsd_free(p[i], t_k);
	t_down();
}

static void
test_pagelayer(void)
{
	BSD_MALLOC_DEFINE(t_p, "pl", NULL);
	struct bsd_malloc_params bp;
	char err[1024];
	vmem_addr_t a;
	int n = 0;

	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = 128 * PG;	/* more than physical memory */
	t_up(64, PG, &bp);
	bsd_malloc_type_setlimit(t_p, UINT64_C(1) << 30);
	while ((a = bsd_malloc(PG, t_p, NW)) != 0) {
		if (a != KVA + (uint64_t)n * PG)
			break;
		n++;
	}
	tap_is(n, 64, "64 page blocks from 64 pages of physical memory");
	tap_is(rep.n, 0, "then M_NOWAIT fails quietly");
	tap_ok(t_type(t_p).fails == 1 && t_type(t_p).mapblocks == 0 &&
	    t_glob().pages == 64, "one fail, no mapblock, 64 pages");
	cap_begin();
	a = bsd_malloc(PG, t_p, WK);
	cap_end(err, sizeof(err));
	tap_is(a, 0, "M_WAITOK fails too");
	t_rep(BSD_MALLOC_ERR_DEADLOCK, t_p, "malloc type \"pl\": bsd_malloc: "
	    "M_WAITOK request: the page layer could not supply 1 pages",
	    "M_WAITOK when the page layer is out of pages");
	tap_contains(err, "uvm: ", "the page layer reported on stderr");
	tap_is(t_glob().pages, 64, "nothing held in flight");
	t_check("page layer");
	for (int i = 0; i < n; i++)
		bsd_free(KVA + (uint64_t)i * PG, t_p);
	t_down();
}

/*
 * ---- sleeping and wakeups
 *
 * A scripted environment (tests/fakeenv.h, one CPU, thread 0) stands for
 * a second thread: when the only thread sleeps, eo_sleep runs the script
 * (sc.other), with every lock released, and the sleep returns 0 if the
 * script woke the channel, KML_EDEADLK otherwise.
 */

static struct {
	void (*other)(void);		/* run at the next sleep, once */
	char chan[64];			/* channels slept on, one letter each */
} sc;

/* sc_sleep: run the script; a wakeup during it ends the sleep. */
static int
sc_sleep(struct kml_wchan *wc, unsigned nsleep, char *why, unsigned len,
    void *arg)
{
	void (*fn)(void) = sc.other;
	size_t n = strlen(sc.chan);

	(void)nsleep;
	(void)arg;
	if (n + 1 < sizeof(sc.chan))
		sc.chan[n] = wc->wc_name[0];
	sc.other = NULL;
	if (fn != NULL)
		fn();
	if (fakeenv.fe_woken)
		return 0;
	snprintf(why, len, "scripted: nobody woke \"%s\"", wc->wc_name);
	return KML_EDEADLK;
}

BSD_MALLOC_DEFINE(t_s, "slp", NULL);
static vmem_addr_t sc_blk[4];		/* blocks the scripts use */

static void
sc_free_a(void)		/* the 16-byte block: memuse 144 -> 128 */
{
	bsd_free(sc_blk[0], t_s);
}

static void
sc_free_b(void)		/* a 64-byte block: memuse 128 -> 64 */
{
	bsd_free(sc_blk[1], t_s);
}

static void
sc_raise(void)
{
	bsd_malloc_type_setlimit(t_s, 1000);
}

static void
sc_free_big(void)	/* a large allocation: the kmem space has room again */
{
	bsd_free(sc_blk[0], t_s);
}

/* sc_refill_race: free a block of the refilling bucket, then pages */
static void
sc_refill_race(void)
{
	bsd_free(sc_blk[0], t_s);
	bsd_free(sc_blk[1], t_a);
}

/* sc_limit_race: the type reaches a lowered limit, then pages come back */
static void
sc_limit_race(void)
{
	sc_blk[2] = bsd_malloc(16, t_s, NW);
	bsd_malloc_type_setlimit(t_s, 10);
	bsd_free(sc_blk[1], t_a);
}

/* sc_up: t_up in the scripted environment. */
static void
sc_up(uint64_t physpages, const struct bsd_malloc_params *bp)
{
	t_up(physpages, PG, bp);
	fakeenv_install("scripted", 1, 0);
	fakeenv.fe_on_sleep = sc_sleep;
	memset(&sc, 0, sizeof(sc));
	memset(sc_blk, 0, sizeof(sc_blk));
}

/* sc_down: t_down and back to the uniprocessor environment. */
static void
sc_down(void)
{
	t_check("scripted");
	bsd_malloc_fini();
	kml_env_set(NULL, NULL);
	uvm_fini();
}

static void
test_sleep(void)
{
	struct bsd_malloc_params bp;
	struct bsd_malloc_type_stats ts;
	vmem_addr_t a, q;

	/* the limit: only a free that crosses below it wakes the sleeper */
	sc_up(256, NULL);
	bsd_malloc_type_setlimit(t_s, 100);
	sc_blk[0] = bsd_malloc(16, t_s, WK);
	sc_blk[1] = bsd_malloc(64, t_s, WK);
	sc_blk[3] = bsd_malloc(64, t_s, WK);
	tap_ok(sc_blk[0] == KVA + 0xff0 && sc_blk[1] == KVA + 0x1fc0 &&
	    sc_blk[3] == KVA + 0x1f80, "set-up: memuse 144, limit 100");
	sc.other = sc_free_a;
	tap_is(bsd_malloc(64, t_s, WK), 0, "a free from 144 to 128 wakes "
	    "nobody");
	t_rep(BSD_MALLOC_ERR_DEADLOCK, t_s, "malloc type \"slp\": bsd_malloc: "
	    "M_WAITOK request for 64 bytes cannot be satisfied (the type is at "
	    "its limit): scripted: nobody woke \"slp\"", "no wakeup above the "
	    "limit");
	tap_ok(fakeenv.fe_nsleep == 1 && t_type(t_s).memuse == 128, "slept once; "
	    "memuse 128");
	sc.other = sc_free_b;
	tap_is(bsd_malloc(64, t_s, WK), KVA + 0x1f40, "a free from 128 to 64 "
	    "wakes the sleeper, which gets the next free block");
	tap_is(rep.n, 0, "no report");
	sc.other = sc_raise;
	tap_is(bsd_malloc(64, t_s, WK), KVA + 0x1f00, "a raised limit wakes the "
	    "sleeper");
	ts = t_type(t_s);
	tap_ok(ts.limblocks == 3 && ts.fails == 1 && ts.calls == 5 &&
	    ts.frees == 2 && ts.waiters == 0 && ts.limit == 1000 &&
	    ts.memuse == 192, "limblocks %" PRIu64 " fails %" PRIu64 " calls %"
	    PRIu64 " memuse %" PRIu64, ts.limblocks, ts.fails, ts.calls,
	    ts.memuse);
	tap_is_str(sc.chan, "sss", "every sleep was on the type's channel");
	bsd_free(sc_blk[3], t_s);
	bsd_free(KVA + 0x1f40, t_s);
	bsd_free(KVA + 0x1f00, t_s);
	sc_down();

	/* the kmem space: a large free wakes the sleeper */
	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = 8 * PG;
	sc_up(256, &bp);
	bsd_malloc_type_setlimit(t_s, UINT64_C(1) << 30);
	sc_blk[0] = bsd_malloc(3 * PG, t_s, NW);
	for (int i = 0; i < 5; i++)
		(void)bsd_malloc(PG, t_s, NW);
	tap_is(t_glob().pages, 8, "the kmem space is full");
	sc.other = sc_free_big;
	a = bsd_malloc(PG, t_s, WK);
	tap_ok(a != 0 && a % PG == 0 && bsd_malloc_blocksize(a) == PG,
	    "a large free wakes the sleeper: page block at %#" PRIx64, a);
	tap_is_str(sc.chan, "k", "it slept on kmem_map");
	tap_ok(t_type(t_s).mapblocks == 1 && t_glob().pages == 6 && rep.n == 0,
	    "mapblocks 1, 6 pages, no report");
	for (int i = 0; i < 5; i++)
		bsd_free(KVA + (uint64_t)(3 + i) * PG, t_s);
	bsd_free(a, t_s);
	sc_down();

	/*
	 * A free during a refill: the refill's blocks go ahead of it
	 * (4.4BSD's savedlist).  The page layer is out of pages, so the
	 * refill sleeps in the page layer with the malloc lock released.
	 */
	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = 128 * PG;
	sc_up(64, &bp);
	bsd_malloc_type_setlimit(t_s, UINT64_C(1) << 30);
	for (int i = 0; i < 4; i++)
		(void)bsd_malloc(1024, t_s, NW);
	sc_blk[0] = KVA + 0x800;
	sc_blk[1] = bsd_malloc(63 * PG, t_a, NW);
	tap_is(sc_blk[1], KVA + PG, "the rest of physical memory");
	sc.other = sc_refill_race;
	q = bsd_malloc(1024, t_s, WK);
	tap_is_str(sc.chan, "m", "the refill slept in the page layer");
	tap_ok(q != 0 && (q & (PG - 1)) == 0xc00, "the refill's last block "
	    "comes first: %#" PRIx64, q);
	q &= ~(PG - 1);
	tap_is(bsd_malloc(1024, t_s, NW), q + 0x800, "then the refill's others");
	tap_is(bsd_malloc(1024, t_s, NW), q + 0x400, "...");
	tap_is(bsd_malloc(1024, t_s, NW), q, "...");
	tap_is(bsd_malloc(1024, t_s, NW), KVA + 0x800, "then the block freed "
	    "during the refill");
	t_is_bucket(10, 9, 8, 0, 0, 2, "two pages of 1024-byte blocks");
	tap_ok(t_glob().refills == 2 && rep.n == 0, "two refills, no report");
	for (int i = 0; i < 4; i++) {
		bsd_free(KVA + (uint64_t)i * 0x400, t_s);
		bsd_free(q + (uint64_t)i * 0x400, t_s);
	}
	sc_down();

	/*
	 * A large request whose type reaches its limit while it is in the
	 * page layer gives the pages back and waits again.
	 */
	sc_up(64, &bp);
	bsd_malloc_type_setlimit(t_s, 20000);
	bsd_free(bsd_malloc(16, t_s, NW), t_s);	/* a page of free 16-byte blocks */
	sc_blk[1] = bsd_malloc(63 * PG, t_a, NW);
	tap_is(sc_blk[1], KVA + PG, "the rest of physical memory");
	sc.other = sc_limit_race;
	tap_is(bsd_malloc(3 * PG, t_s, WK), 0, "the limit was reached meanwhile");
	t_rep(BSD_MALLOC_ERR_DEADLOCK, t_s, "malloc type \"slp\": bsd_malloc: "
	    "M_WAITOK request for 12288 bytes cannot be satisfied (the type is "
	    "at its limit): scripted: nobody woke \"slp\"", "the limit was "
	    "reached while in the page layer");
	tap_is_str(sc.chan, "ms", "slept in the page layer, then at the limit");
	ts = t_type(t_s);
	tap_ok(ts.memuse == 16 && ts.limblocks == 1 && ts.fails == 1 &&
	    ts.calls == 2, "memuse %" PRIu64 " limblocks %" PRIu64, ts.memuse,
	    ts.limblocks);
	tap_ok(t_glob().pages == 1 && t_wired() == 1 && t_glob().large_allocs ==
	    1, "the three pages went back to the page layer (pages %" PRIu64
	    ", wired %" PRIu64 ")", t_glob().pages, t_wired());
	bsd_free(sc_blk[2], t_s);
	sc_down();
}

/* ---- types */

static void
test_types(void)
{
	BSD_MALLOC_DEFINE(t_x, "x", "lazy");
	struct bsd_malloc_type t_y, *vec[4];
	struct bsd_malloc_type_stats ts;
	vmem_addr_t a;

	t_up(256, PG, NULL);
	memset(&t_y, 0xa5, sizeof(t_y));
	tap_is(bsd_malloc_type_init(&t_y, "y", 0), 0, "type_init on garbage");
	tap_is(t_type(&t_y).limit, 629145, "default limit");
	tap_is(bsd_malloc_type_init(&t_y, "y", 0), EBUSY, "type_init twice");
	t_rep(BSD_MALLOC_ERR_BADTYPE, &t_y, "malloc type \"y\": bsd_malloc_type_init: "
	    "the type is already registered", "type_init twice");
	tap_is(bsd_malloc_type_init(t_x, NULL, 0), EINVAL, "NULL shortdesc");
	t_rep(BSD_MALLOC_ERR_BADTYPE, t_x, "malloc type \"x\": bsd_malloc_type_init: "
	    "shortdesc is NULL", "NULL shortdesc");
	tap_is(bsd_malloc_type_init(NULL, "z", 0), EINVAL, "NULL type");
	t_rep(BSD_MALLOC_ERR_BADTYPE, NULL, "malloc \"kmem\": bsd_malloc_type_init: "
	    "type is NULL", "NULL type");
	tap_is(bsd_malloc_type_fini(t_x), EINVAL, "fini of an unregistered type");
	t_rep(BSD_MALLOC_ERR_BADTYPE, t_x, "malloc type \"x\": bsd_malloc_type_fini: "
	    "the type is not registered", "fini of an unregistered type");

	a = bsd_malloc(40, t_x, NW);
	tap_is(a, KVA + 0xfc0, "the defined type registers at its first malloc");
	tap_is(bsd_malloc_types(vec, 1), 2, "two types");
	tap_ok(vec[0] == &t_y, "in registration order (and n is respected)");
	tap_is(bsd_malloc_types(vec, 4), 2, "two types again");
	tap_ok(vec[0] == &t_y && vec[1] == t_x, "y then x");
	tap_is(bsd_malloc_type_fini(t_x), EBUSY, "fini with a block out");
	t_rep(BSD_MALLOC_ERR_BUSY, t_x, "malloc type \"x\": bsd_malloc_type_fini: 1 "
	    "blocks (64 bytes) still allocated", "fini with a block out");
	bsd_free(a, t_x);
	tap_is(bsd_malloc_type_fini(t_x), 0, "fini");
	tap_is(t_glob().types, 1, "one type left");
	ts = t_type(t_x);
	tap_ok(ts.calls == 0 && ts.limit == 0, "an unregistered type reads zero");
	tap_is(bsd_malloc(16, t_x, NW), KVA + 0x1ff0, "registers again");
	ts = t_type(t_x);
	tap_ok(ts.calls == 1 && ts.frees == 0 && ts.maxused == 16, "with "
	    "fresh statistics");
	tap_is(bsd_malloc_types(vec, 4), 2, "two types");
	tap_ok(vec[0] == &t_y && vec[1] == t_x, "x is last");
	bsd_free(KVA + 0x1ff0, t_x);
	tap_is(bsd_malloc_type_fini(&t_y), 0, "fini of the first type");
	tap_is(bsd_malloc_types(vec, 4), 1, "one type");
	tap_ok(vec[0] == t_x, "x");
	t_check("types");
	bsd_malloc_fini();
	tap_is(rep.n, 0, "quiet fini");
	tap_is(bsd_malloc_init(NULL), 0, "init again");
	tap_is(bsd_malloc_types(vec, 4), 0, "fini unregistered every type");
	tap_is(t_type(t_x).limit, 0, "x reads zero");
	t_down();
}

/* ---- dump and name tables */

struct t_buf {
	char b[8192];
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
t_pr(void *arg, const char *fmt, ...)
{
	struct t_buf *tb = arg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tb->b + tb->len, sizeof(tb->b) - tb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		tb->len += (size_t)n;
	if (tb->len >= sizeof(tb->b))
		tb->len = sizeof(tb->b) - 1;
}

static void
test_dump(void)
{
	struct t_buf tb;
	FILE *fp;
	char fbuf[8192];
	size_t n;

	t_up(256, PG, NULL);
	(void)bsd_malloc(10, t_a, NW);
	(void)bsd_malloc(10, t_a, NW);
	(void)bsd_malloc(100, t_a, NW);
	(void)bsd_malloc(3 * PG, t_b, NW);
	bsd_free(KVA + 0xfe0, t_a);
	memset(&tb, 0, sizeof(tb));
	bsd_malloc_dump(t_pr, &tb);
	tap_contains(tb.b, "Memory statistics by bucket size\n"
	    "        Size   In Use     Free   Requests  HighWater  Couldfree\n"
	    "          16        1      255          2       1280          0\n"
	    "         128        1       31          1        160          0\n"
	    "       16384        1        0          1          5          0\n",
	    "dump: the bucket table");
	tap_contains(tb.b, "\nMemory statistics by type"
	    "                                  Type  Kern\n"
	    "            Type  InUse  MemUse  HighUse    Limit Requests Limit "
	    "Limit Size(s)\n"
	    "             t_a      2      1K       1K     615K        3     0 "
	    "    0  16,128\n"
	    "             t_b      1     12K      12K     615K        1     0 "
	    "    0  16384\n", "dump: the type table");
	tap_contains(tb.b, "\nMemory Totals:  In Use    Free    Requests\n"
	    "                   13K      8K           4\n", "dump: totals");
	tap_contains(tb.b, "  memuse                          12432  bytes "
	    "allocated, all types\n", "dump: statistics");
	fp = tmpfile();
	bsd_malloc_dump_file(fp);
	rewind(fp);
	n = fread(fbuf, 1, sizeof(fbuf) - 1, fp);
	fbuf[n] = '\0';
	fclose(fp);
	tap_is_str(fbuf, tb.b, "dump_file prints the same");
	bsd_free(KVA + 0xff0, t_a);
	bsd_free(KVA + 0x1f80, t_a);
	bsd_free(KVA + 0x2000, t_b);
	t_down();
}

/* t_table: check a name table against the size of its struct. */
static void
t_table(const struct kml_statdesc *d, size_t n, size_t size, const char *what)
{
	bool ok = n * sizeof(uint64_t) == size;

	for (size_t i = 0; i < n && ok; i++) {
		ok = d[i].sd_offset == i * sizeof(uint64_t) &&
		    d[i].sd_descr != NULL && d[i].sd_descr[0] != '\0';
		for (size_t j = 0; j < i && ok; j++)
			ok = strcmp(d[i].sd_name, d[j].sd_name) != 0;
	}
	tap_ok(ok, "%s: %zu names, one per member, in order, unique", what, n);
}

static void
test_tables(void)
{
	t_table(bsd_malloc_statdesc, bsd_malloc_nstatdesc,
	    sizeof(struct bsd_malloc_stats), "bsd_malloc_statdesc");
	t_table(bsd_malloc_bucket_statdesc, bsd_malloc_bucket_nstatdesc,
	    sizeof(struct bsd_malloc_bucket_stats), "bsd_malloc_bucket_statdesc");
	t_table(bsd_malloc_type_statdesc, bsd_malloc_type_nstatdesc,
	    sizeof(struct bsd_malloc_type_stats), "bsd_malloc_type_statdesc");
}

static void
test_smallpage(void)
{
	struct bsd_malloc_bucket_stats b;

	t_up(1024, 512, NULL);
	tap_is(bsd_malloc_maxallocsave(), 1024, "512-byte pages: MAXALLOCSAVE "
	    "1024");
	tap_is(bsd_malloc(16, t_a, NW), KVA + 0x1f0, "16 bytes: the last of "
	    "32 blocks");
	b = t_bucket(4);
	tap_ok(b.elmpercl == 32 && b.highwat == 160, "elmpercl %" PRIu64, b.elmpercl);
	tap_is(bsd_malloc(600, t_a, NW), KVA + 0x200, "600 bytes: a two-page "
	    "bucket block");
	tap_is(bsd_malloc(1025, t_a, NW), KVA + 0x600, "1025 bytes: large, "
	    "three pages");
	tap_is(bsd_malloc_blocksize(KVA + 0x600), 1536, "of 1536 bytes");
	tap_is(t_bucket(11).pages, 3, "counted in the 2048-byte bucket");
	t_check("small pages");
	bsd_free(KVA + 0x1f0, t_a);
	bsd_free(KVA + 0x200, t_a);
	bsd_free(KVA + 0x600, t_a);
	t_down();
}

/* ---- the randomized test */

#define R_NTYPES	4
#define R_LIVEMAX	600
#define R_KMEMPAGES	1024
#define R_NCHUNK	4096	/* chunk map slots (> R_KMEMPAGES) */
#define R_NFREED	64

struct r_block {
	vmem_addr_t addr;
	uint64_t bsize;		/* block size */
	unsigned type;
	unsigned indx;
};

struct r_deque {
	vmem_addr_t *q;
	size_t cap, head, len;	/* cap a power of two */
};

static struct r_model {
	uint64_t seed, step;
	bool lifo;
	bool failed;
	struct r_block *live;		/* sorted by address */
	size_t nlive;
	struct bsd_malloc_type_stats ts[R_NTYPES];
	bool registered[R_NTYPES];
	struct bsd_malloc_bucket_stats bs[NB];
	struct bsd_malloc_stats gs;
	struct r_deque fl[NB];		/* free lists */
	vmem_addr_t ckey[R_NCHUNK];	/* chunk map: first page -> free count */
	uint64_t cval[R_NCHUNK];
	vmem_addr_t freed[R_NFREED];	/* recently freed bucket blocks */
	unsigned nfreed;
} rm;

BSD_MALLOC_DEFINE(r_t0, "r0", "lazy, default limit");
static struct bsd_malloc_type r_t1, r_t2, r_t3;
static struct bsd_malloc_type *const r_types[R_NTYPES] = {
	r_t0, &r_t1, &r_t2, &r_t3
};
static const uint64_t r_limits[R_NTYPES] = { 0, 65536, 262144, 20000 };

/* r_rand: xorshift64*, deterministic for a seed. */
static uint64_t r_state;

static uint64_t
r_rand(void)
{
	r_state ^= r_state >> 12;
	r_state ^= r_state << 25;
	r_state ^= r_state >> 27;
	return r_state * UINT64_C(2685821657736338717);
}

static uint64_t
r_below(uint64_t n)
{
	return r_rand() % n;
}

/* r_fail: report the first failure of a run with its seed and step. */
static void __attribute__((format(printf, 1, 2)))
r_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (rm.failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rm.failed = true;
	tap_ok(0, "random seed %" PRIu64 "%s, step %" PRIu64 ": %s", rm.seed,
	    rm.lifo ? " (LIFO)" : "", rm.step, msg);
}

static void
r_dq_push(struct r_deque *d, vmem_addr_t a, bool head)
{
	if (d->len == d->cap) {
		size_t ncap = d->cap ? 2 * d->cap : 64;
		vmem_addr_t *nq = malloc(ncap * sizeof(*nq));

		if (nq == NULL)
			tap_bail("out of memory");
		for (size_t i = 0; i < d->len; i++)
			nq[i] = d->q[(d->head + i) & (d->cap - 1)];
		free(d->q);
		d->q = nq;
		d->cap = ncap;
		d->head = 0;
	}
	if (head) {
		d->head = (d->head - 1) & (d->cap - 1);
		d->q[d->head] = a;
	} else {
		d->q[(d->head + d->len) & (d->cap - 1)] = a;
	}
	d->len++;
}

static vmem_addr_t
r_dq_pop(struct r_deque *d)
{
	vmem_addr_t a = d->q[d->head];

	d->head = (d->head + 1) & (d->cap - 1);
	d->len--;
	return a;
}

/* r_chunk: the free-count slot of the chunk at va (created if new). */
static uint64_t *
r_chunk(vmem_addr_t va, bool *isnew)
{
	size_t i = (size_t)((va >> 12) * 0x9e3779b97f4a7c15ULL >> 52) % R_NCHUNK;

	while (rm.ckey[i] != 0 && rm.ckey[i] != va)
		i = (i + 1) % R_NCHUNK;
	*isnew = rm.ckey[i] == 0;
	rm.ckey[i] = va;
	return &rm.cval[i];
}

/* r_find: index of the first live block with addr >= a. */
static size_t
r_find(vmem_addr_t a)
{
	size_t lo = 0, hi = rm.nlive;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rm.live[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* r_overlaps: true if [a, a + size) meets a live block. */
static bool
r_overlaps(vmem_addr_t a, uint64_t size)
{
	size_t i = r_find(a);

	if (i < rm.nlive && rm.live[i].addr < a + size)
		return true;
	return i > 0 && rm.live[i - 1].addr + rm.live[i - 1].bsize > a;
}

static void
r_insert(const struct r_block *b)
{
	size_t i = r_find(b->addr);

	memmove(&rm.live[i + 1], &rm.live[i], (rm.nlive - i) * sizeof(rm.live[0]));
	rm.live[i] = *b;
	rm.nlive++;
}

static void
r_remove(size_t i)
{
	memmove(&rm.live[i], &rm.live[i + 1],
	    (rm.nlive - i - 1) * sizeof(rm.live[0]));
	rm.nlive--;
}

/* r_register: the model's view of a type's first use. */
static void
r_register(unsigned t)
{
	if (rm.registered[t])
		return;
	rm.registered[t] = true;
	rm.ts[t].limit = r_limits[t] != 0 ? r_limits[t] : rm.gs.deflimit;
	rm.gs.types++;
}

/* r_expect_report: exactly one report of class err since the last step. */
static void
r_expect_report(enum bsd_malloc_error err, const char *what)
{
	if (rep.n != (err == BSD_MALLOC_ERR_NONE ? 0 : 1) ||
	    (err != BSD_MALLOC_ERR_NONE && rep.err != err))
		r_fail("%s: %d reports, last %s (\"%s\"), expected %s", what,
		    rep.n, bsd_malloc_strerror(rep.err), rep.msg,
		    err == BSD_MALLOC_ERR_NONE ? "none" : bsd_malloc_strerror(err));
	if (err != BSD_MALLOC_ERR_NONE)
		rm.gs.errors++;
	rep_reset();
}

/* r_alloc: one bsd_malloc, predicted by the model. */
static void
r_alloc(uint64_t size, unsigned t, int flags)
{
	uint64_t pg = PG, bsize, npages, chunk;
	struct bsd_malloc_type_stats *ts = &rm.ts[t];
	struct bsd_malloc_bucket_stats *bs;
	struct r_deque *fl;
	unsigned indx = bsd_malloc_bucketindx(size);
	bool large = size > 2 * pg, isnew, ok = false;
	vmem_addr_t expect = 0, got;
	enum bsd_malloc_error err = BSD_MALLOC_ERR_NONE;
	struct r_block b;

	bsize = large ? (size + pg - 1) / pg * pg : (uint64_t)1 << indx;
	npages = bsize > pg ? bsize / pg : 1;
	bs = &rm.bs[indx];
	fl = &rm.fl[indx];
	r_register(t);
	if (size == 0)
		rm.gs.zerosize++;
	if (flags & M_ZERO)
		rm.gs.zeroed++;
	got = bsd_malloc(size, r_types[t], flags);

	if (ts->memuse >= ts->limit) {
		if (flags & M_NOWAIT) {
			ts->limfails++;
		} else {
			ts->limblocks++;
			err = BSD_MALLOC_ERR_DEADLOCK;
		}
	} else {
		ts->sizes |= UINT64_C(1) << indx;
		if (!large && fl->len > 0) {
			expect = r_dq_pop(fl);
			ok = true;
			*r_chunk(bsize >= pg ? expect : expect & ~(pg - 1),
			    &isnew) -= 1;
			bs->totalfree--;
		} else if (rm.gs.pages + npages > R_KMEMPAGES) {
			ts->mapblocks++;
			if (flags & M_WAITOK)
				err = BSD_MALLOC_ERR_DEADLOCK;
		} else if (got == 0) {
			r_fail("bsd_malloc(%" PRIu64 ") for type %u returned 0 "
			    "with %" PRIu64 " pages held", size, t, rm.gs.pages);
			return;
		} else {
			/* a refill or a large allocation: a fresh chunk */
			chunk = bsize >= pg ? got : got & ~(pg - 1);
			if (r_overlaps(chunk, npages * pg))
				r_fail("new chunk [%#" PRIx64 ", +%#" PRIx64
				    ") overlaps a live block", chunk, npages * pg);
			rm.gs.pages += npages;
			rm.gs.usage_entries++;
			bs->pages += npages;
			if (large) {
				expect = chunk;
				bs->total++;
				rm.gs.large_pages += npages;
				rm.gs.large_allocs++;
			} else {
				uint64_t n = bs->elmpercl, *cv;

				for (uint64_t i = 0; i < n; i++)
					r_dq_push(fl, chunk + i * bsize, true);
				expect = r_dq_pop(fl);
				cv = r_chunk(chunk, &isnew);
				if (!isnew)
					r_fail("refill chunk %#" PRIx64 " was "
					    "already a chunk", chunk);
				*cv = n - 1;
				bs->total += n;
				bs->totalfree += n - 1;
				rm.gs.bucket_pages += npages;
				rm.gs.refills++;
			}
			ok = true;
		}
	}
	if (!ok) {
		ts->fails++;
		rm.gs.fails++;
		if (got != 0)
			r_fail("bsd_malloc(%" PRIu64 ", type %u, %#x) returned %#"
			    PRIx64 ", expected 0", size, t, flags, got);
		r_expect_report(err, "failed bsd_malloc");
		return;
	}
	if (got != expect) {
		r_fail("bsd_malloc(%" PRIu64 ", type %u) returned %#" PRIx64
		    ", expected %#" PRIx64, size, t, got, expect);
		return;
	}
	if (got % (bsize < pg ? bsize : pg) != 0)
		r_fail("block %#" PRIx64 " of %" PRIu64 " bytes misaligned", got,
		    bsize);
	if (r_overlaps(got, bsize))
		r_fail("block [%#" PRIx64 ", +%" PRIu64 ") overlaps a live block",
		    got, bsize);
	if (ts->memuse >= ts->limit)
		r_fail("type %u admitted at memuse %" PRIu64 " limit %" PRIu64,
		    t, ts->memuse, ts->limit);
	bs->calls++;
	ts->memuse += bsize;
	ts->inuse++;
	ts->calls++;
	if (ts->memuse > ts->maxused)
		ts->maxused = ts->memuse;
	rm.gs.memuse += bsize;
	rm.gs.inuse++;
	rm.gs.allocs++;
	b.addr = got;
	b.bsize = bsize;
	b.type = t;
	b.indx = indx;
	r_insert(&b);
	r_expect_report(BSD_MALLOC_ERR_NONE, "bsd_malloc");
}

/* r_free: free live block i, predicted by the model. */
static void
r_free(size_t i)
{
	struct r_block b = rm.live[i];
	struct bsd_malloc_type_stats *ts = &rm.ts[b.type];
	struct bsd_malloc_bucket_stats *bs = &rm.bs[b.indx];
	uint64_t pg = PG;
	bool isnew;

	bsd_free(b.addr, r_types[b.type]);
	r_remove(i);
	if (b.bsize > 2 * pg) {
		bs->total--;
		bs->pages -= b.bsize / pg;
		rm.gs.pages -= b.bsize / pg;
		rm.gs.large_pages -= b.bsize / pg;
		rm.gs.large_frees++;
		rm.gs.usage_entries--;
	} else {
		uint64_t *cv = r_chunk(b.bsize >= pg ? b.addr :
		    b.addr & ~(pg - 1), &isnew);

		if (isnew)
			r_fail("free of %#" PRIx64 ": no chunk", b.addr);
		(*cv)++;
		if (*cv == bs->elmpercl && bs->totalfree > bs->highwat)
			bs->couldfree++;
		bs->totalfree++;
		r_dq_push(&rm.fl[b.indx], b.addr, rm.lifo);
		rm.freed[rm.nfreed++ % R_NFREED] = b.addr;
	}
	ts->memuse -= b.bsize;
	ts->inuse--;
	ts->frees++;
	rm.gs.memuse -= b.bsize;
	rm.gs.inuse--;
	rm.gs.frees++;
	r_expect_report(BSD_MALLOC_ERR_NONE, "bsd_free");
}

/* r_misuse: one reported misuse; the model changes only errors (and fails). */
static void
r_misuse(void)
{
	unsigned kind = (unsigned)r_below(5), t = (unsigned)r_below(R_NTYPES);
	struct r_block *b;
	vmem_addr_t a;

	if (rm.nlive == 0)
		kind = 0;
	switch (kind) {
	case 0:		/* foreign address */
		bsd_free(0x10000 + r_below(1 << 20) * 16, r_types[t]);
		r_expect_report(BSD_MALLOC_ERR_NOTALLOC, "foreign free");
		break;
	case 1:		/* wrong type */
		b = &rm.live[r_below(rm.nlive)];
		bsd_free(b->addr, r_types[(b->type + 1) % R_NTYPES]);
		r_expect_report(BSD_MALLOC_ERR_WRONGTYPE, "wrong-type free");
		break;
	case 2:		/* inside a block, in its first page */
		b = &rm.live[r_below(rm.nlive)];
		a = b->bsize == 16 ? 8 : 16 * (1 + r_below((b->bsize < PG ?
		    b->bsize : PG) / 16 - 1));
		bsd_free(b->addr + a, r_types[b->type]);
		r_expect_report(BSD_MALLOC_ERR_NOTALLOC, "free inside a block");
		break;
	case 3:		/* duplicate free of a freed bucket block */
		if (rm.nfreed == 0)
			return;
		a = rm.freed[r_below(rm.nfreed < R_NFREED ? rm.nfreed : R_NFREED)];
		{
			size_t i = r_find(a);

			if (i < rm.nlive && rm.live[i].addr == a)
				return;		/* handed out again */
		}
		bsd_free(a, r_types[t]);
		r_expect_report(BSD_MALLOC_ERR_DUPFREE, "duplicate free");
		break;
	default:	/* bad flags */
		r_register(t);
		if (bsd_malloc(16, r_types[t], 0x10 | M_NOWAIT) != 0)
			r_fail("bad flags allocated");
		rm.ts[t].fails++;
		rm.gs.fails++;
		r_expect_report(BSD_MALLOC_ERR_FLAGS, "bad flags");
		break;
	}
}

/* r_verify: the checks after every step. */
static void
r_verify(void)
{
	struct bsd_malloc_bucket_stats bs[NB];
	struct bsd_malloc_type_stats ts;
	struct bsd_malloc_stats gs;
	uint64_t maxblock[R_NTYPES] = { 0 };
	char buf[512];

	if (bsd_malloc_check(buf, sizeof(buf)) != 0)
		r_fail("bsd_malloc_check: %s", buf);
	for (size_t i = 0; i < rm.nlive; i++)
		if (rm.live[i].bsize > maxblock[rm.live[i].type])
			maxblock[rm.live[i].type] = rm.live[i].bsize;
	for (unsigned t = 0; t < R_NTYPES; t++) {
		bsd_malloc_type_stats(r_types[t], &ts);
		if (memcmp(&ts, &rm.ts[t], sizeof(ts)) != 0)
			r_fail("type %u: inuse %" PRIu64 "/%" PRIu64 " memuse %"
			    PRIu64 "/%" PRIu64 " calls %" PRIu64 "/%" PRIu64
			    " frees %" PRIu64 "/%" PRIu64 " limfails %" PRIu64 "/%"
			    PRIu64 " limblocks %" PRIu64 "/%" PRIu64 " mapblocks %"
			    PRIu64 "/%" PRIu64 " fails %" PRIu64 "/%" PRIu64
			    " sizes %#" PRIx64 "/%#" PRIx64 " maxused %" PRIu64
			    "/%" PRIu64, t, ts.inuse, rm.ts[t].inuse, ts.memuse,
			    rm.ts[t].memuse, ts.calls, rm.ts[t].calls, ts.frees,
			    rm.ts[t].frees, ts.limfails, rm.ts[t].limfails,
			    ts.limblocks, rm.ts[t].limblocks, ts.mapblocks,
			    rm.ts[t].mapblocks, ts.fails, rm.ts[t].fails,
			    ts.sizes, rm.ts[t].sizes, ts.maxused,
			    rm.ts[t].maxused);
		if (rm.registered[t] && ts.memuse > ts.limit + maxblock[t])
			r_fail("type %u: memuse %" PRIu64 " above limit %" PRIu64
			    " + largest block %" PRIu64, t, ts.memuse, ts.limit,
			    maxblock[t]);
	}
	bsd_malloc_bucket_stats(bs);
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < NB; i++) {
		rm.bs[i].inuse = rm.bs[i].total - rm.bs[i].totalfree;
		if (memcmp(&bs[i], &rm.bs[i], sizeof(bs[i])) != 0)
			r_fail("bucket %u: calls %" PRIu64 "/%" PRIu64 " total %"
			    PRIu64 "/%" PRIu64 " free %" PRIu64 "/%" PRIu64
			    " couldfree %" PRIu64 "/%" PRIu64 " pages %" PRIu64
			    "/%" PRIu64, i, bs[i].calls, rm.bs[i].calls,
			    bs[i].total, rm.bs[i].total, bs[i].totalfree,
			    rm.bs[i].totalfree, bs[i].couldfree,
			    rm.bs[i].couldfree, bs[i].pages, rm.bs[i].pages);
	}
	bsd_malloc_stats(&gs);
	rm.gs.freebytes = 0;
	for (unsigned i = BSD_MALLOC_MINBUCKET; i <= 13; i++)
		rm.gs.freebytes += rm.bs[i].totalfree << i;
	if (memcmp(&gs, &rm.gs, sizeof(gs)) != 0)
		r_fail("global: pages %" PRIu64 "/%" PRIu64 " memuse %" PRIu64
		    "/%" PRIu64 " inuse %" PRIu64 "/%" PRIu64 " allocs %" PRIu64
		    "/%" PRIu64 " frees %" PRIu64 "/%" PRIu64 " fails %" PRIu64
		    "/%" PRIu64 " refills %" PRIu64 "/%" PRIu64 " errors %"
		    PRIu64 "/%" PRIu64 " freebytes %" PRIu64 "/%" PRIu64
		    " entries %" PRIu64 "/%" PRIu64 " types %" PRIu64 "/%"
		    PRIu64, gs.pages, rm.gs.pages, gs.memuse, rm.gs.memuse,
		    gs.inuse, rm.gs.inuse, gs.allocs, rm.gs.allocs, gs.frees,
		    rm.gs.frees, gs.fails, rm.gs.fails, gs.refills,
		    rm.gs.refills, gs.errors, rm.gs.errors, gs.freebytes,
		    rm.gs.freebytes, gs.usage_entries, rm.gs.usage_entries,
		    gs.types, rm.gs.types);
	if (t_wired() != rm.gs.pages)
		r_fail("the page layer has %" PRIu64 " wired pages, the model %"
		    PRIu64, t_wired(), rm.gs.pages);
}

/* r_size: a request size from 0 bytes to 5 pages. */
static uint64_t
r_size(void)
{
	uint64_t r = r_below(100);

	if (r < 2)
		return 0;
	if (r < 60)
		return 1 + r_below(256);
	if (r < 85)
		return 257 + r_below(PG - 256);
	if (r < 95)
		return PG + 1 + r_below(PG);
	return 2 * PG + 1 + r_below(3 * PG);
}

/* r_run: nops random operations from seed; one test line. */
static void
r_run(uint64_t seed, uint64_t nops, bool lifo)
{
	struct bsd_malloc_params bp;

	free(rm.live);
	for (unsigned i = 0; i < NB; i++)
		free(rm.fl[i].q);
	memset(&rm, 0, sizeof(rm));
	rm.seed = seed;
	rm.lifo = lifo;
	rm.live = calloc(R_LIVEMAX + 1, sizeof(*rm.live));
	if (rm.live == NULL)
		tap_bail("out of memory");
	r_state = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
	bsd_malloc_params_default(&bp);
	bp.bmp_kmemsize = R_KMEMPAGES * PG;
	bp.bmp_freeorder = lifo ? BSD_MALLOC_LIFO : BSD_MALLOC_FIFO;
	t_up(4096, PG, &bp);
	rm.gs = t_glob();
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < NB; i++)
		rm.bs[i] = t_bucket(i);
	for (unsigned t = 1; t < R_NTYPES; t++) {
		memset(r_types[t], 0, sizeof(*r_types[t]));
		if (bsd_malloc_type_init(r_types[t], t == 1 ? "r1" : t == 2 ?
		    "r2" : "r3", r_limits[t]) != 0)
			tap_bail("type_init");
		r_register(t);
	}
	for (rm.step = 0; rm.step < nops && !rm.failed; rm.step++) {
		uint64_t r = r_below(100);

		if (r < 3) {
			r_misuse();
		} else if (rm.nlive > 0 && (rm.nlive >= R_LIVEMAX ||
		    r < 3 + 40 + (rm.nlive > R_LIVEMAX / 2 ? 10 : 0))) {
			r_free(r_below(rm.nlive));
		} else {
			int flags = r_below(8) == 0 ? M_WAITOK : M_NOWAIT;

			if (r_below(16) == 0)
				flags |= M_ZERO;
			r_alloc(r_size(), (unsigned)r_below(R_NTYPES), flags);
		}
		r_verify();
	}
	while (rm.nlive > 0 && !rm.failed) {
		r_free(rm.nlive - 1);
		r_verify();
	}
	tap_ok(!rm.failed, "random seed %" PRIu64 "%s: %" PRIu64 " operations, "
	    "every check passed (refills %" PRIu64 ", large %" PRIu64 ", errors %"
	    PRIu64 ", fails %" PRIu64 ")", seed, lifo ? " (LIFO)" : "", nops,
	    rm.gs.refills, rm.gs.large_allocs, rm.gs.errors, rm.gs.fails);
	t_down();
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_init();
	test_bucketindx();
	test_first_blocks();
	test_buckets();
	test_order();
	test_couldfree();
	test_errors();
	test_zero();
	test_limits();
	test_kmemspace();
	test_pagelayer();
	test_sleep();
	test_types();
	test_dump();
	test_tables();
	test_smallpage();
	r_run(1, 40000, false);
	r_run(2, 40000, false);
	r_run(3, 20000, true);
	return tap_done();
}
