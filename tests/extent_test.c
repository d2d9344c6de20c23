/*
 * tests/extent_test.c: unit and randomized tests of kmemlab/extent.h.
 *
 * Unit tests.  Each builds a small extent whose layout is known exactly,
 * performs one call at a time and checks its exact result: the address
 * returned, the regions and gaps that extent_walk reports afterwards (as a
 * string "start-end ..." in hex, ends inclusive), the statistics, and for
 * every misuse the error class, the exact message, the count in the
 * statistics, extent_last_error, and that nothing changed.  Every report
 * of every extent is captured by a default error handler (et_handler), so
 * nothing is printed on stderr, and extent_check must return 0 after every
 * step.  Covered: creation (dynamic and fixed storage) and its errors;
 * best fit against EX_FAST on a layout of gaps of 3, 1 and 2 units;
 * alignment, skew, boundary (from the extent's start and EX_BOUNDZERO) and
 * their combinations; subregions with inclusive ends; extents that end at
 * 2^64 - 1 and one that covers all 2^64 integers; extent_alloc_region
 * conflicts; whole, prefix, suffix and middle frees; EX_NOCOALESCE;
 * exhaustion of fixed storage, EX_MALLOCOK and EX_WAITOK; sleeping:
 * deadlock reports on the uniprocessor environment and real wakeups on a
 * test environment whose "other thread" frees space while the caller
 * sleeps; extent_print, extent_dump; the checker on storage corrupted on
 * purpose; the error handlers and the statistics table.
 *
 * Randomized test.  Five runs (fixed seeds; dynamic and fixed storage,
 * coalescing and not, extents at 0, at an odd base and ending at
 * 2^64 - 1) drive an extent of 4096 integers with a random mix of the four
 * extent_alloc* calls under random valid constraints, extent_alloc_region,
 * frees of whole regions and (when coalescing) of random parts of them,
 * and frees that must be refused.  A reference model keeps a bitmap of the
 * integers (and, without coalescing, the list of regions).  Each
 * allocation is checked against a brute-force search over the bitmap: the
 * smallest free gap that can hold the constrained request, ties to the
 * lowest, the lowest satisfying address in it (EX_FAST: the first gap), and
 * EAGAIN exactly when nothing can hold it; ENOMEM exactly when fixed
 * storage lacks the descriptor the model says the call needs.  Every
 * constraint of each result is checked on its own.  After every step:
 * extent_check, the regions equal the model's, and the statistics
 * (gauges and counters) equal the model's.  On a failure the seed and the
 * step are printed and the run stops.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/env.h>
#include <kmemlab/extent.h>

#include "fakeenv.h"
#include "tap.h"

#define TOP	UINT64_MAX

/* ---- error reports */

/* The last report seen by et_handler, and how many since et_rep_reset. */
static struct {
	int n;				/* # of reports */
	enum extent_error err;		/* class of the last one */
	struct extent *ex;		/* its extent (NULL: extent_create) */
	void *arg;			/* the handler's argument */
	char msg[512];			/* its message */
} et_rep;

/* et_handler: the default error handler: records the report. */
static void
et_handler(void *arg, struct extent *ex, enum extent_error err,
    const char *msg)
{
	et_rep.n++;
	et_rep.err = err;
	et_rep.ex = ex;
	et_rep.arg = arg;
	snprintf(et_rep.msg, sizeof(et_rep.msg), "%s", msg);
}

/* et_rep_reset: forget the reports seen so far. */
static void
et_rep_reset(void)
{
	memset(&et_rep, 0, sizeof(et_rep));
}

/* ---- walks as strings */

#define ET_BUFLEN 4096

struct et_buf {
	char b[ET_BUFLEN];
	size_t len;
};

/* et_buf_add: append a formatted string to eb (truncating when full). */
static void __attribute__((format(printf, 2, 3)))
et_buf_add(struct et_buf *eb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (eb->len >= sizeof(eb->b) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(eb->b + eb->len, sizeof(eb->b) - eb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		eb->len += (size_t)n;
	if (eb->len > sizeof(eb->b) - 1)
		eb->len = sizeof(eb->b) - 1;
}

/* et_walk_cb: extent_walk callback appending "start-end" in hex. */
static void
et_walk_cb(void *arg, uint64_t start, uint64_t end)
{
	struct et_buf *eb = arg;

	et_buf_add(eb, "%s%" PRIx64 "-%" PRIx64, eb->len ? " " : "", start,
	    end);
}

/*
 * et_walk: the regions (EXTENT_ALLOC) or gaps (EXTENT_FREE) of ex as
 * "start-end start-end ..." in hex ("" if none).
 * => the string lives until the fourth next call.
 */
static const char *
et_walk(struct extent *ex, int typemask)
{
	static struct et_buf bufs[4];
	static unsigned next;
	struct et_buf *eb = &bufs[next++ % 4];

	eb->len = 0;
	eb->b[0] = '\0';
	extent_walk(ex, typemask, et_walk_cb, eb);
	return eb->b;
}

#define ALLOC	EXTENT_ALLOC
#define FREE	EXTENT_FREE
#define BOTH	(EXTENT_ALLOC | EXTENT_FREE)

/* ---- checks */

/* et_stats: the statistics of ex. */
static struct extent_stats
et_stats(struct extent *ex)
{
	struct extent_stats st;

	extent_stats(ex, &st);
	return st;
}

/* et_check: extent_check must pass on ex. */
static void
et_check(struct extent *ex, const char *what)
{
	char why[256] = "";
	int rc = extent_check(ex, why, sizeof(why));

	tap_ok(rc == 0, "%s: extent_check passes", what);
	if (rc != 0)
		tap_diag("extent_check: %s", why);
}

/* et_create: extent_create that must succeed. */
static struct extent *
et_create(const char *name, uint64_t start, uint64_t end, void *storage,
    size_t storagesize, int flags)
{
	struct extent *ex;

	ex = extent_create(name, start, end, storage, storagesize, flags);
	if (ex == NULL)
		tap_bail("extent_create(%s) failed: %s", name, strerror(errno));
	et_check(ex, "extent_create");
	return ex;
}

/* et_destroy: extent_destroy, which must report nothing. */
static void
et_destroy(struct extent *ex)
{
	char name[64];

	snprintf(name, sizeof(name), "%s", extent_name(ex));
	et_rep_reset();
	extent_destroy(ex);
	tap_is(et_rep.n, 0, "destroy %s: nothing reported", name);
}

/* The result of the last allocation made through ET_AT. */
static uint64_t et_r;

/*
 * ET_AT(ex, want, call): call (an allocation storing into et_r) must
 * return 0 with et_r == want, report nothing and leave ex consistent.
 */
#define ET_AT(ex, want, call) do {					\
	int rc_;							\
									\
	et_rep_reset();							\
	et_r = 0xdeadbeef;						\
	rc_ = (call);							\
	tap_is(rc_, 0, "%s: returns 0", #call);				\
	tap_is(et_r, (want), "%s: at %#" PRIx64, #call, (uint64_t)(want)); \
	tap_is(et_rep.n, 0, "%s: nothing reported", #call);		\
	et_check((ex), #call);						\
} while (0)

/*
 * ET_OK(ex, call): call (an int function: extent_alloc_region or
 * extent_free) must return 0 and report nothing.
 */
#define ET_OK(ex, call) do {						\
	int rc_;							\
									\
	et_rep_reset();							\
	rc_ = (call);							\
	tap_is(rc_, 0, "%s: returns 0", #call);				\
	tap_is(et_rep.n, 0, "%s: nothing reported", #call);		\
	et_check((ex), #call);						\
} while (0)

/* A picture of an extent before a failing call. */
struct et_snap {
	struct extent_stats st;
	char walk[ET_BUFLEN];
};

/* et_snap: take the picture of ex and forget earlier reports. */
static void
et_snap(struct extent *ex, struct et_snap *s)
{
	s->st = et_stats(ex);
	snprintf(s->walk, sizeof(s->walk), "%s", et_walk(ex, ALLOC));
	et_rep_reset();
}

/*
 * et_unchanged: ex, whose picture was s, has the same regions and the
 * same allocs and frees; its errors, fails and waits grew by the given
 * amounts.
 */
static void
et_unchanged(struct extent *ex, const struct et_snap *s, uint64_t errors,
    uint64_t fails, uint64_t waits, const char *what)
{
	struct extent_stats st = et_stats(ex);

	tap_is_str(et_walk(ex, ALLOC), s->walk, "%s: regions unchanged", what);
	tap_is(st.allocs, s->st.allocs, "%s: allocs unchanged", what);
	tap_is(st.frees, s->st.frees, "%s: frees unchanged", what);
	tap_is(st.errors, s->st.errors + errors, "%s: errors +%" PRIu64, what,
	    errors);
	tap_is(st.fails, s->st.fails + fails, "%s: fails +%" PRIu64, what,
	    fails);
	tap_is(st.waits, s->st.waits + waits, "%s: waits +%" PRIu64, what,
	    waits);
	et_check(ex, what);
}

/*
 * et_reported: exactly one error of class err, with message msg, was
 * reported for ex and recorded as its last error.
 */
static void
et_reported(struct extent *ex, enum extent_error err, const char *msg,
    const char *what)
{
	const char *last = NULL;

	tap_is(et_rep.n, 1, "%s: one report", what);
	tap_is(et_rep.err, err, "%s: reported as %s", what,
	    extent_strerror(err));
	tap_ok(et_rep.ex == ex, "%s: report names the extent", what);
	tap_is_str(et_rep.msg, msg, "%s: message", what);
	tap_is(extent_last_error(ex, &last), err, "%s: last error", what);
	tap_is_str(last, msg, "%s: last error message", what);
}

/*
 * ET_EINVAL(ex, err, msg, call): call must return EINVAL, report err with
 * message msg, and change nothing.
 */
#define ET_EINVAL(ex, err, msg, call) do {				\
	struct et_snap s_;						\
	int rc_;							\
									\
	et_snap((ex), &s_);						\
	rc_ = (call);							\
	tap_is(rc_, EINVAL, "%s: EINVAL", #call);			\
	et_reported((ex), (err), (msg), #call);				\
	et_unchanged((ex), &s_, 1, 0, 0, #call);			\
} while (0)

/*
 * ET_FAIL(ex, rc, call): call must return rc (EAGAIN or ENOMEM) without a
 * report, counted as a fail, changing nothing.
 */
#define ET_FAIL(ex, rc, call) do {					\
	struct et_snap s_;						\
	int rc_;							\
									\
	et_snap((ex), &s_);						\
	rc_ = (call);							\
	tap_is(rc_, (rc), "%s: %s", #call, #rc);			\
	tap_is(et_rep.n, 0, "%s: nothing reported", #call);		\
	et_unchanged((ex), &s_, 0, 1, 0, #call);			\
} while (0)

/*
 * ET_DEADLOCK(ex, rc, msg, call): call must sleep once, be refused by the
 * environment, report a deadlock with message msg and return rc.
 */
#define ET_DEADLOCK(ex, rc, msg, call) do {				\
	struct et_snap s_;						\
	int rc_;							\
									\
	et_snap((ex), &s_);						\
	rc_ = (call);							\
	tap_is(rc_, (rc), "%s: %s", #call, #rc);			\
	et_reported((ex), EXTENT_ERR_DEADLOCK, (msg), #call);		\
	et_unchanged((ex), &s_, 1, 1, 1, #call);			\
} while (0)

/* et_uni_deadlock: the uniprocessor environment's explanation for ex. */
static const char *
et_uni_deadlock(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "deadlock: thread 0 on cpu 0 would sleep on "
	    "\"%s\" forever: the uniprocessor environment has no other thread "
	    "to wake it", name);
	return buf;
}

/* ---- output capture */

/* et_capture: run fn(arg) with file descriptor fd sent to a buffer. */
static const char *
et_capture(int fd, void (*fn)(void *), void *arg)
{
	static char out[8192];
	FILE *tmp;
	size_t n;
	int saved;

	tmp = tmpfile();
	if (tmp == NULL)
		tap_bail("tmpfile: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	saved = dup(fd);
	if (saved < 0 || dup2(fileno(tmp), fd) < 0)
		tap_bail("dup: %s", strerror(errno));
	fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

/* ---- creation */

/*
 * et_create_bad: extent_create with these arguments must return NULL with
 * errno EINVAL and report err with message msg to the default handler.
 */
static void
et_create_bad(const char *name, uint64_t start, uint64_t end, void *storage,
    size_t storagesize, int flags, enum extent_error err, const char *msg,
    const char *what)
{
	struct extent *ex;

	et_rep_reset();
	errno = 0;
	ex = extent_create(name, start, end, storage, storagesize, flags);
	tap_ok(ex == NULL, "create %s: NULL", what);
	tap_is(errno, EINVAL, "create %s: errno EINVAL", what);
	tap_is(et_rep.n, 1, "create %s: one report", what);
	tap_is(et_rep.err, err, "create %s: reported as %s", what,
	    extent_strerror(err));
	tap_ok(et_rep.ex == NULL, "create %s: no extent in the report", what);
	tap_is_str(et_rep.msg, msg, "create %s: message", what);
	if (ex != NULL)
		extent_destroy(ex);
}

static uint64_t et_fix3[EXTENT_FIXED_STORAGE_SIZE(3) / 8];

static void
test_create(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("extent_create");
	ex = et_create("bus", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	tap_is_str(extent_name(ex), "bus", "name");
	st = et_stats(ex);
	tap_is(st.size, 0x100, "size");
	tap_is(st.allocated, 0, "allocated");
	tap_is(st.free, 0x100, "free");
	tap_is(st.largest_free, 0x100, "largest free gap");
	tap_is(st.regions, 0, "regions");
	tap_is(st.free_gaps, 1, "free gaps");
	tap_is(st.descs_fixed, 0, "no fixed storage");
	tap_is(st.descs_malloced, 0, "no descriptors");
	tap_is_str(et_walk(ex, ALLOC), "", "no regions");
	tap_is_str(et_walk(ex, FREE), "100-1ff", "one gap");
	tap_is(extent_last_error(ex, NULL), EXTENT_ERR_NONE, "no last error");
	et_destroy(ex);

	ex = et_create("a-name-longer-than-thirty-one-bytes", 0, 0, NULL, 0,
	    EX_WAITOK | EX_MALLOCOK);
	tap_is_str(extent_name(ex), "a-name-longer-than-thirty-one-b",
	    "name cut at 31 bytes");
	tap_is(et_stats(ex).size, 1, "an extent of one integer");
	et_destroy(ex);

	ex = et_create("fixed", 0, 0xff, et_fix3, sizeof(et_fix3), EX_NOWAIT);
	tap_ok((void *)ex == (void *)et_fix3, "fixed extent lives in its storage");
	st = et_stats(ex);
	tap_is(st.descs_fixed, 3, "EXTENT_FIXED_STORAGE_SIZE(3) holds 3 descriptors");
	tap_is(st.descs_fixed_free, 3, "all free");
	et_destroy(ex);
	ex = et_create("fixed", 0, 0xff, et_fix3, EXTENT_FIXED_STORAGE_SIZE(2) +
	    EXTENT_REGION_SIZE - 1, EX_NOWAIT);
	tap_is(et_stats(ex).descs_fixed, 2, "a partial slot is not used");
	et_destroy(ex);

	et_create_bad(NULL, 0, 1, NULL, 0, EX_NOWAIT, EXTENT_ERR_ARG,
	    "extent_create: name is NULL", "NULL name");
	et_create_bad("rev", 2, 1, NULL, 0, EX_NOWAIT, EXTENT_ERR_RANGE,
	    "extent \"rev\": extent_create: end 0x1 is below start 0x2",
	    "end < start");
	et_create_bad("fl", 0, 1, NULL, 0, EX_FAST, EXTENT_ERR_FLAGS,
	    "extent \"fl\": extent_create: flags 0x2 include 0x2, which "
	    "extent_create does not take", "EX_FAST");
	et_create_bad("fl", 0, 1, NULL, 0, 0x100 | EX_NOCOALESCE,
	    EXTENT_ERR_FLAGS, "extent \"fl\": extent_create: flags 0x108 "
	    "include 0x100, which extent_create does not take", "unknown flag");
	et_create_bad("st", 0, 1, NULL, 64, EX_NOWAIT, EXTENT_ERR_STORAGE,
	    "extent \"st\": extent_create: storage size 64 given without "
	    "storage", "size without storage");
	et_create_bad("st", 0, 1, et_fix3, EXTENT_FIXED_STORAGE_SIZE(0) - 8,
	    EX_NOWAIT, EXTENT_ERR_STORAGE, "extent \"st\": extent_create: "
	    "storage size 2040 is below the 2048 bytes of an extent",
	    "storage too small");
	et_rep_reset();
	tap_ok(extent_create("st", 0, 1, (char *)et_fix3 + 4,
	    EXTENT_FIXED_STORAGE_SIZE(1), EX_NOWAIT) == NULL,
	    "misaligned storage: NULL");
	tap_is(et_rep.err, EXTENT_ERR_STORAGE, "misaligned storage: reported");
	tap_contains(et_rep.msg, "is not aligned to 8 bytes",
	    "misaligned storage: message");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	et_create_bad("intr", 0, 1, NULL, 0, EX_WAITOK, EXTENT_ERR_FLAGS,
	    "extent \"intr\": extent_create: sleeping flags 0x1 in interrupt "
	    "context", "EX_WAITOK in interrupt context");
	ex = et_create("intr", 0, 1, NULL, 0, EX_NOWAIT);
	tap_ok(ex != NULL, "EX_NOWAIT in interrupt context");
	kml_env_uni_set_context(KML_CTX_THREAD);
	et_destroy(ex);
}

/* ---- allocation */

static void
test_alloc_basic(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("extent_alloc: placement and coalescing");
	ex = et_create("basic", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	ET_AT(ex, 0x100, extent_alloc(ex, 0x10, EX_NOALIGN, EX_NOBOUNDARY,
	    EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "100-10f", "one region");
	ET_AT(ex, 0x110, extent_alloc(ex, 0x20, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "100-12f", "merged with the first");
	st = et_stats(ex);
	tap_is(st.regions, 1, "one region");
	tap_is(st.coalesces, 1, "one merge");
	tap_is(st.allocated, 0x30, "allocated");
	tap_is(st.descs_malloced, 1, "one descriptor from malloc");
	ET_AT(ex, 0x130, extent_alloc(ex, 0xd0, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "100-1ff", "full");
	tap_is_str(et_walk(ex, FREE), "", "no gap");
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 1, 1, 0, EX_NOWAIT, &et_r));
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 1, 1, 0, EX_WAITOK | EX_CATCH,
	    &et_r));
	st = et_stats(ex);
	tap_is(st.allocs, 3, "allocs");
	tap_is(st.fails, 2, "fails");
	tap_is(st.free, 0, "free");
	tap_is(st.largest_free, 0, "largest free");
	tap_is(st.free_gaps, 0, "gaps");
	tap_is(st.errors, 0, "no errors");
	tap_ok(st.searches > 0, "searches counted");
	et_destroy(ex);
}

/*
 * et_holes: an extent [0, 0xff] with regions [0, 0xf], [0x13, 0x1f],
 * [0x21, 0x2f] and [0x32, 0x3f]: gaps of 3 ([0x10, 0x12]), 1 ([0x20]),
 * 2 ([0x30, 0x31]) and 0xc0 ([0x40, 0xff]) integers.
 */
static struct extent *
et_holes(const char *name, int flags)
{
	struct extent *ex = et_create(name, 0, 0xff, NULL, 0, flags);

	ET_OK(ex, extent_alloc_region(ex, 0x00, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x13, 0x0d, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x21, 0x0f, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x32, 0x0e, EX_NOWAIT));
	tap_is_str(et_walk(ex, FREE), "10-12 20-20 30-31 40-ff", "the holes");
	return ex;
}

static void
test_bestfit(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("best fit and EX_FAST");
	ex = et_holes("holes", EX_NOWAIT);
	ET_AT(ex, 0x30, extent_alloc(ex, 2, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-f 13-1f 21-3f", "merged both sides");
	st = et_stats(ex);
	tap_is(st.coalesces, 2, "two merges");
	tap_is(st.regions, 3, "three regions");
	ET_OK(ex, extent_free(ex, 0x30, 2, EX_NOWAIT));
	tap_is(et_stats(ex).splits, 1, "the free split the region");
	tap_is_str(et_walk(ex, FREE), "10-12 20-20 30-31 40-ff", "holes back");

	ET_AT(ex, 0x10, extent_alloc(ex, 2, 1, 0, EX_FAST, &et_r));
	ET_OK(ex, extent_free(ex, 0x10, 2, EX_NOWAIT));
	ET_AT(ex, 0x20, extent_alloc(ex, 1, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x20, 1, EX_NOWAIT));
	ET_AT(ex, 0x10, extent_alloc(ex, 1, 1, 0, EX_FAST, &et_r));
	ET_OK(ex, extent_free(ex, 0x10, 1, EX_NOWAIT));
	ET_AT(ex, 0x10, extent_alloc(ex, 3, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x10, 3, EX_NOWAIT));
	ET_AT(ex, 0x40, extent_alloc(ex, 4, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x40, 4, EX_NOWAIT));
	/* r % 4 == 1: 0x11 in the gap of 3, 0x31 in the gap of 2 */
	ET_AT(ex, 0x31, extent_alloc1(ex, 1, 4, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x31, 1, EX_NOWAIT));
	ET_AT(ex, 0x11, extent_alloc1(ex, 1, 4, 1, 0, EX_FAST, &et_r));
	ET_OK(ex, extent_free(ex, 0x11, 1, EX_NOWAIT));

	/* two gaps of 2: the lower one wins */
	ET_OK(ex, extent_alloc_region(ex, 0x40, 0xbe, EX_NOWAIT));
	tap_is_str(et_walk(ex, FREE), "10-12 20-20 30-31 fe-ff", "two gaps of 2");
	ET_AT(ex, 0x30, extent_alloc(ex, 2, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x30, 2, EX_NOWAIT));
	ET_AT(ex, 0xfe, extent_alloc_subregion(ex, 0x80, 0xff, 2, 1, 0,
	    EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-f 13-1f 21-2f 32-ff", "regions");
	et_destroy(ex);
}

static void
test_align_skew(void)
{
	struct extent *ex;

	tap_diag("alignment and skew");
	ex = et_create("align", 0x1000, 0x1fff, NULL, 0, EX_NOWAIT);
	ET_AT(ex, 0x1000, extent_alloc(ex, 0x10, 0x100, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 0x1100, extent_alloc(ex, 0x10, 0x100, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 0x1020, extent_alloc1(ex, 0x10, 0x100, 0x20, 0, EX_NOWAIT,
	    &et_r));
	tap_is_str(et_walk(ex, FREE), "1010-101f 1030-10ff 1110-1fff", "gaps");
	ET_EINVAL(ex, EXTENT_ERR_SKEW, "extent \"align\": extent_alloc1: skew "
	    "0x120 is not below alignment 0x100",
	    extent_alloc1(ex, 0x10, 0x100, 0x120, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SKEW, "extent \"align\": extent_alloc1: skew "
	    "0x5 is not below alignment 0x1",
	    extent_alloc1(ex, 0x10, EX_NOALIGN, 5, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SKEW, "extent \"align\": "
	    "extent_alloc_subregion1: skew 0xfffffffffffffff7 is not below "
	    "alignment 0x10", extent_alloc_subregion1(ex, 0x1000, 0x1fff, 1,
	    0x10, 0xfffffffffffffff7, 0, EX_NOWAIT, &et_r));
	/* no alignment: the exact gap wins */
	ET_AT(ex, 0x1010, extent_alloc1(ex, 0x10, EX_NOALIGN, 0, 0, EX_NOWAIT,
	    &et_r));
	ET_AT(ex, 0x1037, extent_alloc1(ex, 1, 0x10, 7, 0, EX_FAST, &et_r));
	/* r % 0x100 == 0xf0: the gap [0x1038, 0x10ff] is the smaller one */
	ET_AT(ex, 0x10f0, extent_alloc1(ex, 0x10, 0x100, 0xf0, 0, EX_NOWAIT,
	    &et_r));
	tap_is_str(et_walk(ex, ALLOC), "1000-102f 1037-1037 10f0-110f",
	    "regions");
	et_destroy(ex);

	ex = et_create("odd", 0x3, 0x102, NULL, 0, EX_NOWAIT);
	ET_AT(ex, 0x10, extent_alloc(ex, 1, 0x10, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 0x3, extent_alloc(ex, 0xd, 1, 0, EX_FAST, &et_r));
	ET_AT(ex, 0x100, extent_alloc(ex, 3, 0x100, 0, EX_NOWAIT, &et_r));
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 4, 0x100, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "3-10 100-102", "regions");
	et_destroy(ex);
}

static void
test_boundary(void)
{
	struct extent *ex;

	tap_diag("boundary");
	ex = et_create("bound", 0, 0xfff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0, 0x20, EX_NOWAIT));
	/* 0x20 + 0x30 would cross the line at 0x40: start on it */
	ET_AT(ex, 0x40, extent_alloc(ex, 0x30, 1, 0x40, EX_NOWAIT, &et_r));
	/* [0x20, 0x3f] ends right before the line */
	ET_AT(ex, 0x20, extent_alloc(ex, 0x20, 1, 0x40, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-6f", "regions");
	/* size == boundary: only on a line */
	ET_AT(ex, 0x80, extent_alloc(ex, 0x40, 1, 0x40, EX_NOWAIT, &et_r));
	/* after the line, aligned again: r % 0x10 == 8 */
	ET_OK(ex, extent_free(ex, 0, 0x70, EX_NOWAIT));
	ET_AT(ex, 0x8, extent_alloc1(ex, 0x10, 0x10, 8, 0x20, EX_FAST, &et_r));
	ET_AT(ex, 0x28, extent_alloc1(ex, 0x10, 0x10, 8, 0x20, EX_FAST, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "8-17 28-37 80-bf", "regions");
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"bound\": extent_alloc1: "
	    "boundary 0x20 is below skew + size (0x10 + 0x20)",
	    extent_alloc1(ex, 0x20, 0x20, 0x10, 0x20, EX_BOUNDZERO, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"bound\": extent_alloc1: "
	    "boundary 0x10 is below skew + size (0x4 + 0x10)",
	    extent_alloc1(ex, 0x10, 0x40, 4, 0x10, EX_NOWAIT, &et_r));
	/* alignment above the boundary */
	ET_AT(ex, 0x40, extent_alloc1(ex, 0x10, 0x40, 0, 0x10, EX_FAST, &et_r));
	et_destroy(ex);

	/*
	 * Lines from an extent start (8) that is not a multiple of the
	 * alignment: every aligned candidate may cross a line.
	 */
	ex = et_create("bodd", 0x8, 0x207, NULL, 0, EX_NOWAIT);
	ET_FAIL(ex, EAGAIN, extent_alloc1(ex, 0x10, 0x40, 0, 0x10, EX_NOWAIT,
	    &et_r));
	ET_AT(ex, 0x40, extent_alloc1(ex, 0x10, 0x40, 0, 0x10, EX_BOUNDZERO,
	    &et_r));
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 0x10, 0x10, 0x10, EX_NOWAIT,
	    &et_r));
	ET_AT(ex, 0x10, extent_alloc(ex, 0x10, 0x10, 0x10, EX_BOUNDZERO,
	    &et_r));
	ET_AT(ex, 0x8, extent_alloc1(ex, 0x8, 0x10, 8, 0x10, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "8-1f 40-4f", "regions");
	et_destroy(ex);

	/* lines from the extent's start (0x10): 0x50, 0x90, ... */
	ex = et_create("bstart", 0x10, 0x10f, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x30, EX_NOWAIT));
	ET_AT(ex, 0x50, extent_alloc(ex, 0x20, 1, 0x40, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x50, 0x20, EX_NOWAIT));
	/* EX_BOUNDZERO: lines at 0x40, 0x80, ... */
	ET_AT(ex, 0x40, extent_alloc(ex, 0x20, 1, 0x40, EX_BOUNDZERO, &et_r));
	ET_AT(ex, 0x60, extent_alloc(ex, 0x20, 1, 0x40, EX_BOUNDZERO, &et_r));
	ET_AT(ex, 0x90, extent_alloc(ex, 0x40, 1, 0x40, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "10-7f 90-cf", "regions");
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 0x40, 1, 0x40, EX_BOUNDZERO,
	    &et_r));
	et_destroy(ex);
}

static void
test_subregion(void)
{
	struct extent *ex;

	tap_diag("subregions");
	ex = et_create("sub", 0, 0xff, NULL, 0, EX_NOWAIT);
	ET_AT(ex, 0x10, extent_alloc_subregion(ex, 0x10, 0x1f, 0x10, 1, 0,
	    EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"sub\": extent_alloc_subregion: "
	    "size 0x11 is larger than the subregion [0x10, 0x1f]",
	    extent_alloc_subregion(ex, 0x10, 0x1f, 0x11, 1, 0, EX_NOWAIT,
	    &et_r));
	/* a region covers substart */
	ET_AT(ex, 0x20, extent_alloc_subregion(ex, 0x18, 0x2f, 0x10, 1, 0,
	    EX_NOWAIT, &et_r));
	ET_FAIL(ex, EAGAIN, extent_alloc_subregion(ex, 0x18, 0x2f, 1, 1, 0,
	    EX_NOWAIT, &et_r));
	ET_AT(ex, 0xf0, extent_alloc_subregion(ex, 0xf0, 0xff, 0x10, 1, 0,
	    EX_NOWAIT, &et_r));
	ET_AT(ex, 0xef, extent_alloc_subregion(ex, 0xef, 0xef, 1, 1, 0,
	    EX_NOWAIT, &et_r));
	ET_OK(ex, extent_alloc_region(ex, 0x40, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, FREE), "0-f 30-3f 50-ee", "gaps");
	/*
	 * Best fit ranks whole gaps: [0x30, 0x3f] (0x10) beats [0x50, 0xee]
	 * although only 4 integers of the latter are in the subregion.
	 */
	ET_AT(ex, 0x38, extent_alloc_subregion(ex, 0x38, 0x53, 4, 1, 0,
	    EX_NOWAIT, &et_r));
	/* the rest of that gap is an exact fit */
	ET_AT(ex, 0x3c, extent_alloc_subregion(ex, 0x3c, 0x53, 4, 1, 0,
	    EX_NOWAIT, &et_r));
	/* odd addresses only */
	ET_AT(ex, 0x51, extent_alloc_subregion1(ex, 0x3c, 0x53, 1, 2, 1, 0,
	    EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "10-2f 38-4f 51-51 ef-ff", "regions");

	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"sub\": extent_alloc_subregion: "
	    "subregion start 0x20 is above its end 0x1f",
	    extent_alloc_subregion(ex, 0x20, 0x1f, 1, 1, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"sub\": extent_alloc_subregion1: "
	    "subregion [0x80, 0x100] is not inside the extent [0, 0xff]",
	    extent_alloc_subregion1(ex, 0x80, 0x100, 1, 1, 0, 0, EX_NOWAIT,
	    &et_r));
	et_destroy(ex);

	ex = et_create("sub2", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"sub2\": extent_alloc_subregion: "
	    "subregion [0xff, 0x1ff] is not inside the extent [0x100, 0x1ff]",
	    extent_alloc_subregion(ex, 0xff, 0x1ff, 1, 1, 0, EX_NOWAIT, &et_r));
	et_destroy(ex);
}

static void
test_alloc_region(void)
{
	struct extent *ex;

	tap_diag("extent_alloc_region");
	ex = et_create("region", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x110, 0x10, EX_NOWAIT));
	ET_FAIL(ex, EAGAIN, extent_alloc_region(ex, 0x118, 0x10, EX_NOWAIT));
	ET_FAIL(ex, EAGAIN, extent_alloc_region(ex, 0x108, 0x10, EX_NOWAIT));
	ET_FAIL(ex, EAGAIN, extent_alloc_region(ex, 0x100, 0x100, EX_NOWAIT));
	ET_FAIL(ex, EAGAIN, extent_alloc_region(ex, 0x112, 1, EX_MALLOCOK));
	ET_FAIL(ex, EAGAIN, extent_alloc_region(ex, 0x11f, 1, EX_WAITOK));
	ET_OK(ex, extent_alloc_region(ex, 0x100, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "100-11f", "merged");
	ET_OK(ex, extent_alloc_region(ex, 0x1ff, 1, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x120, 1, EX_CATCH));
	tap_is_str(et_walk(ex, ALLOC), "100-120 1ff-1ff", "regions");
	tap_is(et_stats(ex).allocs, 4, "allocs");

	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"region\": extent_alloc_region: "
	    "[0x1ff, 0x200] is not inside the extent [0x100, 0x1ff]",
	    extent_alloc_region(ex, 0x1ff, 2, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"region\": extent_alloc_region: "
	    "[0xff, 0xff] is not inside the extent [0x100, 0x1ff]",
	    extent_alloc_region(ex, 0xff, 1, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"region\": extent_alloc_region: "
	    "size is zero", extent_alloc_region(ex, 0x150, 0, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"region\": extent_alloc_region: "
	    "size 0x4 from 0xfffffffffffffffe wraps past 2^64 - 1",
	    extent_alloc_region(ex, TOP - 1, 4, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"region\": extent_alloc_region: "
	    "flags 0x2 include 0x2, which extent_alloc_region does not take",
	    extent_alloc_region(ex, 0x150, 1, EX_FAST));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"region\": extent_alloc_region: "
	    "flags 0x48 include 0x48, which extent_alloc_region does not take",
	    extent_alloc_region(ex, 0x150, 1, EX_BOUNDZERO | EX_NOCOALESCE));
	et_destroy(ex);
}

static void
test_free(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("extent_free");
	ex = et_create("free", 0, 0xff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x30, EX_NOWAIT));
	ET_OK(ex, extent_free(ex, 0x10, 0x30, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "", "whole region freed");
	tap_is(et_stats(ex).descs_malloced, 0, "its descriptor freed");
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x30, EX_NOWAIT));
	ET_OK(ex, extent_free(ex, 0x10, 8, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "18-3f", "prefix freed");
	ET_OK(ex, extent_free(ex, 0x38, 8, EX_WAITOK));
	tap_is_str(et_walk(ex, ALLOC), "18-37", "suffix freed");
	ET_OK(ex, extent_free(ex, 0x20, 8, EX_MALLOCOK | EX_CATCH));
	tap_is_str(et_walk(ex, ALLOC), "18-1f 28-37", "middle freed: split");
	st = et_stats(ex);
	tap_is(st.splits, 1, "one split");
	tap_is(st.regions, 2, "two regions");
	tap_is(st.descs_malloced, 2, "two descriptors");
	tap_is(st.frees, 4, "frees");

	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"free\": extent_free: "
	    "[0x20, 0x20] is not allocated: 0x20 is free",
	    extent_free(ex, 0x20, 1, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"free\": extent_free: "
	    "[0x1c, 0x23] is not allocated: 0x20 is free",
	    extent_free(ex, 0x1c, 8, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"free\": extent_free: "
	    "[0, 0x1f] is not allocated: 0 is free",
	    extent_free(ex, 0, 0x20, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"free\": extent_free: "
	    "[0x40, 0x4f] is not allocated: 0x40 is free",
	    extent_free(ex, 0x40, 0x10, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"free\": extent_free: "
	    "[0x18, 0x37] is not allocated: 0x20 is free",
	    extent_free(ex, 0x18, 0x20, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_RANGE, "extent \"free\": extent_free: "
	    "[0xf0, 0x10f] is not inside the extent [0, 0xff]",
	    extent_free(ex, 0xf0, 0x20, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"free\": extent_free: "
	    "size is zero", extent_free(ex, 0x18, 0, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"free\": extent_free: "
	    "flags 0x20 include 0x20, which extent_free does not take",
	    extent_free(ex, 0x18, 1, EX_WAITSPACE));
	tap_is(et_stats(ex).errors, 8, "errors counted");
	et_destroy(ex);
}

static void
test_nocoalesce(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("EX_NOCOALESCE");
	tap_is(EX_NOBLOB, EX_NOCOALESCE, "EX_NOBLOB is EX_NOCOALESCE");
	ex = et_create("nc", 0, 0xff, NULL, 0, EX_NOCOALESCE);
	ET_AT(ex, 0, extent_alloc(ex, 0x10, 1, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 0x10, extent_alloc(ex, 0x10, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_alloc_region(ex, 0x20, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "0-f 10-1f 20-2f", "three regions");
	tap_is_str(et_walk(ex, FREE), "30-ff", "one gap");
	st = et_stats(ex);
	tap_is(st.regions, 3, "regions");
	tap_is(st.coalesces, 0, "no merges");
	tap_is(st.free_gaps, 1, "gaps");
	ET_EINVAL(ex, EXTENT_ERR_NOTREGION, "extent \"nc\": extent_free: "
	    "[0, 0x1f] spans 2 regions of a non-coalescing extent",
	    extent_free(ex, 0, 0x20, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTREGION, "extent \"nc\": extent_free: "
	    "[0x8, 0x27] spans 3 regions of a non-coalescing extent",
	    extent_free(ex, 0x8, 0x20, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTREGION, "extent \"nc\": extent_free: "
	    "[0x10, 0x17] is part of region [0x10, 0x1f] of a non-coalescing "
	    "extent", extent_free(ex, 0x10, 8, EX_NOWAIT));
	ET_EINVAL(ex, EXTENT_ERR_NOTALLOC, "extent \"nc\": extent_free: "
	    "[0x20, 0x30] is not allocated: 0x30 is free",
	    extent_free(ex, 0x20, 0x11, EX_NOWAIT));
	ET_OK(ex, extent_free(ex, 0x10, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "0-f 20-2f", "one region freed");
	ET_AT(ex, 0x10, extent_alloc(ex, 0x10, 1, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 0x30, extent_alloc(ex, 0xd0, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-f 10-1f 20-2f 30-ff", "full");
	tap_is_str(et_walk(ex, FREE), "", "no gap between touching regions");
	st = et_stats(ex);
	tap_is(st.free_gaps, 0, "no gaps");
	tap_is(st.largest_free, 0, "largest free");
	tap_is(st.regions, 4, "four regions");
	et_destroy(ex);
}

static void
test_fixed(void)
{
	static uint64_t fix0[EXTENT_FIXED_STORAGE_SIZE(0) / 8];
	struct extent *ex;
	struct extent_stats st;

	tap_diag("fixed storage");
	ex = et_create("fix", 0, 0xff, et_fix3, sizeof(et_fix3), EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x00, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x20, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x40, 0x10, EX_NOWAIT));
	st = et_stats(ex);
	tap_is(st.descs_fixed_free, 0, "storage exhausted");
	tap_is(st.descs_malloced, 0, "nothing from malloc");
	ET_FAIL(ex, ENOMEM, extent_alloc_region(ex, 0x60, 0x10, EX_NOWAIT));
	/* 0x18 touches no region */
	ET_FAIL(ex, ENOMEM, extent_alloc1(ex, 1, 0x10, 8, 0, EX_NOWAIT, &et_r));
	tap_is(et_stats(ex).nodesc, 2, "no descriptor twice");
	/* a merge needs no descriptor */
	ET_OK(ex, extent_alloc_region(ex, 0x50, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "0-f 20-2f 40-5f", "merged while full");
	/* a split does */
	ET_FAIL(ex, ENOMEM, extent_free(ex, 0x44, 4, EX_NOWAIT));
	ET_OK(ex, extent_free(ex, 0x44, 4, EX_MALLOCOK));
	tap_is_str(et_walk(ex, ALLOC), "0-f 20-2f 40-43 48-5f", "split");
	st = et_stats(ex);
	tap_is(st.descs_malloced, 1, "one descriptor from malloc");
	tap_is(st.regions, 4, "four regions");
	ET_OK(ex, extent_free(ex, 0x48, 0x18, EX_NOWAIT));
	tap_is(et_stats(ex).descs_malloced, 0, "given back to malloc");
	tap_is(et_stats(ex).descs_fixed_free, 0, "not to the storage");
	ET_OK(ex, extent_free(ex, 0x20, 0x10, EX_NOWAIT));
	tap_is(et_stats(ex).descs_fixed_free, 1, "a slot back");
	ET_OK(ex, extent_alloc_region(ex, 0x60, 0x10, EX_NOWAIT));
	tap_is(et_stats(ex).descs_fixed_free, 0, "full again");
	ET_OK(ex, extent_alloc_region(ex, 0x50, 0x10, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "0-f 40-43 50-6f", "merged with the next");
	tap_is(et_stats(ex).descs_fixed_free, 0, "one slot per region");
	/* an exact fit between two regions merges three: a slot comes back */
	ET_AT(ex, 0x44, extent_alloc(ex, 0xc, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-f 40-6f", "merged both sides");
	tap_is(et_stats(ex).descs_fixed_free, 1, "slot back");
	ET_OK(ex, extent_alloc_region(ex, 0x80, 0x10, EX_NOWAIT));
	ET_DEADLOCK(ex, ENOMEM, "extent \"fix\": extent_alloc_region: EX_WAITOK "
	    "request cannot get a region descriptor: " "deadlock: thread 0 on "
	    "cpu 0 would sleep on \"fix\" forever: the uniprocessor "
	    "environment has no other thread to wake it",
	    extent_alloc_region(ex, 0xa0, 0x10, EX_WAITOK));
	ET_DEADLOCK(ex, ENOMEM, "extent \"fix\": extent_free: EX_WAITOK "
	    "request cannot get a region descriptor: " "deadlock: thread 0 on "
	    "cpu 0 would sleep on \"fix\" forever: the uniprocessor "
	    "environment has no other thread to wake it",
	    extent_free(ex, 0x4, 4, EX_WAITOK));
	tap_is(et_stats(ex).nodesc, 5, "nodesc");
	et_destroy(ex);
	tap_ok(1, "fixed storage not freed by extent_destroy (ASan would say)");

	ex = et_create("fix0", 0, 0xff, fix0, sizeof(fix0), EX_NOWAIT);
	tap_is(et_stats(ex).descs_fixed, 0, "storage for the extent only");
	ET_FAIL(ex, ENOMEM, extent_alloc_region(ex, 0, 1, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0, 1, EX_MALLOCOK));
	ET_AT(ex, 1, extent_alloc(ex, 1, 1, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, 4, extent_alloc(ex, 4, 4, 0, EX_MALLOCOK, &et_r));
	st = et_stats(ex);
	tap_is(st.descs_malloced, 2, "two descriptors from malloc");
	tap_is(st.regions, 2, "two regions");
	/* destroy gives the malloc'ed descriptors back (ASan: no leak) */
	et_destroy(ex);
}

static void
test_args(void)
{
	struct extent *ex;

	tap_diag("argument errors");
	ex = et_create("args", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	ET_EINVAL(ex, EXTENT_ERR_ALIGN, "extent \"args\": extent_alloc: "
	    "alignment 0 is not a power of two",
	    extent_alloc(ex, 0x10, 0, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_ALIGN, "extent \"args\": extent_alloc1: "
	    "alignment 0x3 is not a power of two",
	    extent_alloc1(ex, 0x10, 3, 0, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SKEW, "extent \"args\": extent_alloc1: "
	    "skew 0x10 is not below alignment 0x10",
	    extent_alloc1(ex, 0x10, 0x10, 0x10, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"args\": "
	    "extent_alloc_subregion1: boundary 0x10 is below skew + size "
	    "(0x1 + 0x10)", extent_alloc_subregion1(ex, 0x100, 0x1ff, 0x10,
	    2, 1, 0x10, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"args\": extent_alloc: "
	    "boundary 0x30 is not a power of two",
	    extent_alloc(ex, 0x10, 1, 0x30, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"args\": extent_alloc: "
	    "boundary 0x8 is below size 0x10",
	    extent_alloc(ex, 0x10, 1, 8, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"args\": extent_alloc: "
	    "size is zero", extent_alloc(ex, 0, 1, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"args\": extent_alloc: "
	    "size 0x101 is larger than the subregion [0x100, 0x1ff]",
	    extent_alloc(ex, 0x101, 1, 0, EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_ARG, "extent \"args\": extent_alloc: "
	    "result pointer is NULL",
	    extent_alloc(ex, 0x10, 1, 0, EX_NOWAIT, NULL));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"args\": extent_alloc: "
	    "flags 0x80 include 0x80, which extent_alloc does not take",
	    extent_alloc(ex, 0x10, 1, 0, 0x80, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"args\": "
	    "extent_alloc_subregion1: flags 0x8 include 0x8, which "
	    "extent_alloc_subregion1 does not take",
	    extent_alloc_subregion1(ex, 0x100, 0x1ff, 1, 1, 0, 0,
	    EX_NOCOALESCE, &et_r));
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"args\": extent_alloc: "
	    "sleeping flags 0x1 in interrupt context",
	    extent_alloc(ex, 0x10, 1, 0, EX_WAITOK, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"args\": extent_alloc_region: "
	    "sleeping flags 0x20 in interrupt context",
	    extent_alloc_region(ex, 0x100, 1, EX_WAITSPACE));
	ET_EINVAL(ex, EXTENT_ERR_FLAGS, "extent \"args\": extent_free: "
	    "sleeping flags 0x1 in interrupt context",
	    extent_free(ex, 0x100, 1, EX_WAITOK));
	ET_AT(ex, 0x100, extent_alloc(ex, 0x10, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0x100, 0x10, EX_NOWAIT));
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_is(et_stats(ex).errors, 14, "errors counted");
	et_destroy(ex);
}

/* ---- sleeping */

static void
test_deadlock(void)
{
	struct extent *ex;
	char msg[512];

	tap_diag("sleeping on the uniprocessor environment");
	ex = et_create("dl", 0, 0xff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0, 0xf0, EX_NOWAIT));
	snprintf(msg, sizeof(msg), "extent \"dl\": extent_alloc: EX_WAITSPACE "
	    "request for 0x20 units cannot be satisfied: %s",
	    et_uni_deadlock("dl"));
	ET_DEADLOCK(ex, EAGAIN, msg, extent_alloc(ex, 0x20, 1, 0,
	    EX_WAITSPACE | EX_WAITOK | EX_CATCH, &et_r));
	snprintf(msg, sizeof(msg), "extent \"dl\": extent_alloc_region: "
	    "EX_WAITSPACE request for [0xe0, 0xf7] cannot be satisfied: %s",
	    et_uni_deadlock("dl"));
	ET_DEADLOCK(ex, EAGAIN, msg, extent_alloc_region(ex, 0xe0, 0x18,
	    EX_WAITSPACE));
	/* EX_WAITSPACE that fits does not sleep */
	ET_AT(ex, 0xf0, extent_alloc(ex, 0x10, 1, 0, EX_WAITSPACE, &et_r));
	tap_is(et_stats(ex).waits, 2, "two sleeps");
	et_destroy(ex);
}

/*
 * A test environment (tests/fakeenv.h) with one CPU and one thread in
 * which a sleep lets "another thread" run: it frees [wk.start, wk.start +
 * wk.size) of wk.ex (once) and returns 0 as after a wakeup.  With nothing
 * left to free it refuses the sleep with KML_EDEADLK.
 */
static struct {
	struct extent *ex;
	uint64_t start, size;		/* what the other thread frees */
	int free_rc;			/* what its extent_free returned */
} wk;

static int
wk_sleep(struct kml_wchan *wc, unsigned nsleep, char *why, unsigned len,
    void *arg)
{
	(void)wc;
	(void)nsleep;
	(void)arg;
	if (wk.size == 0) {
		snprintf(why, len, "test: nobody left to free");
		return KML_EDEADLK;
	}
	wk.free_rc = extent_free(wk.ex, wk.start, wk.size, EX_NOWAIT);
	wk.size = 0;
	return 0;
}

/* wk_arm: the next sleep frees [start, start + size) of ex. */
static void
wk_arm(struct extent *ex, uint64_t start, uint64_t size)
{
	wk.ex = ex;
	wk.start = start;
	wk.size = size;
	fakeenv.fe_nsleep = fakeenv.fe_nwakeup = 0;
	wk.free_rc = -1;
}

static void
test_wakeup(void)
{
	static uint64_t fix1[EXTENT_FIXED_STORAGE_SIZE(1) / 8];
	struct extent *ex;
	struct extent_stats st;

	tap_diag("sleeping with wakeups");
	fakeenv_install("extent-test", 1, 0);
	fakeenv.fe_on_sleep = wk_sleep;
	ex = et_create("wk", 0, 0xff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0, 0x100, EX_NOWAIT));
	wk_arm(ex, 0x40, 0x10);
	ET_AT(ex, 0x40, extent_alloc(ex, 0x10, 1, 0, EX_WAITSPACE, &et_r));
	tap_is(fakeenv.fe_nsleep, 1, "slept once");
	tap_is(wk.free_rc, 0, "the other thread freed");
	tap_is(fakeenv.fe_nwakeup, 1, "the free woke the sleeper");
	st = et_stats(ex);
	tap_is(st.waits, 1, "one wait");
	tap_is(st.frees, 1, "one free");
	tap_is(st.allocs, 2, "two allocations");
	tap_is(st.waiters, 0, "no waiters now");
	tap_is_str(et_walk(ex, ALLOC), "0-ff", "full again");

	ET_OK(ex, extent_free(ex, 0x40, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x40, 0x10, EX_NOWAIT));
	wk_arm(ex, 0x40, 0x10);
	ET_OK(ex, extent_alloc_region(ex, 0x48, 4, EX_WAITSPACE));
	tap_is(fakeenv.fe_nsleep, 1, "region: slept once");
	tap_is(fakeenv.fe_nwakeup, 1, "region: woken");
	tap_is_str(et_walk(ex, ALLOC), "0-3f 48-4b 50-ff", "region: placed");

	wk_arm(ex, 0, 0);
	ET_DEADLOCK(ex, EAGAIN, "extent \"wk\": extent_alloc_region: "
	    "EX_WAITSPACE request for [0x48, 0x48] cannot be satisfied: test: "
	    "nobody left to free",
	    extent_alloc_region(ex, 0x48, 1, EX_WAITSPACE));
	et_destroy(ex);

	ex = et_create("wk1", 0, 0xff, fix1, sizeof(fix1), EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0, 0x10, EX_NOWAIT));
	wk_arm(ex, 0, 0x10);
	ET_OK(ex, extent_alloc_region(ex, 0x20, 0x10, EX_WAITOK));
	tap_is(fakeenv.fe_nsleep, 1, "descriptor: slept once");
	tap_is(fakeenv.fe_nwakeup, 1, "descriptor: woken by the free");
	tap_is_str(et_walk(ex, ALLOC), "20-2f", "descriptor: reused");
	tap_is(et_stats(ex).descs_fixed_free, 0, "descriptor: in use");
	et_destroy(ex);
	kml_env_set(NULL, NULL);
}

/* ---- the ends of the integers */

static void
test_edges(void)
{
	struct extent *ex;
	struct extent_stats st;

	tap_diag("extents at the top of the integers");
	ex = et_create("top", TOP - 0xff, TOP, NULL, 0, EX_NOWAIT);
	ET_AT(ex, TOP - 0xff, extent_alloc(ex, 0x100, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "ffffffffffffff00-ffffffffffffffff",
	    "the whole extent");
	tap_is(et_stats(ex).free, 0, "nothing free");
	ET_OK(ex, extent_free(ex, TOP - 0xff, 0x100, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, TOP, 1, EX_NOWAIT));
	tap_is_str(et_walk(ex, FREE), "ffffffffffffff00-fffffffffffffffe",
	    "gap below the last integer");
	ET_AT(ex, TOP - 0xff, extent_alloc(ex, 0xff, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "ffffffffffffff00-ffffffffffffffff",
	    "merged up to the top");
	ET_OK(ex, extent_free(ex, TOP, 1, EX_NOWAIT));
	ET_OK(ex, extent_free(ex, TOP - 0xff, 0xff, EX_NOWAIT));
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 1, (uint64_t)1 << 63, 0,
	    EX_NOWAIT, &et_r));
	ET_AT(ex, TOP - 0xf, extent_alloc_subregion(ex, TOP - 0xf, TOP, 0x10,
	    0x10, 0, EX_NOWAIT, &et_r));
	ET_AT(ex, TOP - 0xff, extent_alloc(ex, 0x20, 0x20, 0x20, EX_NOWAIT,
	    &et_r));
	ET_EINVAL(ex, EXTENT_ERR_SIZE, "extent \"top\": extent_free: size 0x2 "
	    "from 0xffffffffffffffff wraps past 2^64 - 1",
	    extent_free(ex, TOP, 2, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "ffffffffffffff00-ffffffffffffff1f "
	    "fffffffffffffff0-ffffffffffffffff", "regions");
	et_destroy(ex);

	tap_diag("an extent of all 2^64 integers");
	ex = et_create("all", 0, TOP, NULL, 0, EX_NOWAIT);
	st = et_stats(ex);
	tap_is(st.size, TOP, "size saturates");
	tap_is(st.free, TOP, "free saturates");
	tap_is(st.largest_free, TOP, "largest free saturates");
	ET_AT(ex, 0, extent_alloc(ex, TOP, 1, 0, EX_NOWAIT, &et_r));
	tap_is_str(et_walk(ex, ALLOC), "0-fffffffffffffffe", "all but one");
	tap_is_str(et_walk(ex, FREE), "ffffffffffffffff-ffffffffffffffff",
	    "one free");
	st = et_stats(ex);
	tap_is(st.allocated, TOP, "allocated 2^64 - 1");
	tap_is(st.free, 1, "one free");
	ET_OK(ex, extent_alloc_region(ex, TOP, 1, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "0-ffffffffffffffff", "everything");
	st = et_stats(ex);
	tap_is(st.allocated, TOP, "allocated saturates");
	tap_is(st.free, 0, "nothing free");
	tap_is(st.free_gaps, 0, "no gap");
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 1, 1, 0, EX_NOWAIT, &et_r));
	ET_OK(ex, extent_free(ex, 0, TOP, EX_NOWAIT));
	tap_is_str(et_walk(ex, ALLOC), "ffffffffffffffff-ffffffffffffffff",
	    "the last integer left");
	ET_OK(ex, extent_free(ex, TOP, 1, EX_NOWAIT));
	ET_AT(ex, 0, extent_alloc(ex, 1, (uint64_t)1 << 63, 0, EX_NOWAIT,
	    &et_r));
	ET_AT(ex, (uint64_t)1 << 63, extent_alloc(ex, 1, (uint64_t)1 << 63, 0,
	    EX_NOWAIT, &et_r));
	ET_FAIL(ex, EAGAIN, extent_alloc(ex, 1, (uint64_t)1 << 63, 0,
	    EX_NOWAIT, &et_r));
	/* two gaps of 2^63 - 1 integers: the lower one */
	ET_AT(ex, 0x10, extent_alloc1(ex, 0x10, (uint64_t)1 << 63, 0x10, 0,
	    EX_NOWAIT, &et_r));
	ET_EINVAL(ex, EXTENT_ERR_BOUNDARY, "extent \"all\": extent_alloc: "
	    "boundary 0x8000000000000000 is below size 0xffffffffffffffff",
	    extent_alloc(ex, TOP, 1, (uint64_t)1 << 63, EX_NOWAIT, &et_r));
	et_destroy(ex);
}

/* ---- output */

/* et_dump_pr: extent_dump callback appending to an et_buf. */
static void __attribute__((format(printf, 2, 3)))
et_dump_pr(void *arg, const char *fmt, ...)
{
	struct et_buf *eb = arg;
	va_list ap;
	int n;

	if (eb->len >= sizeof(eb->b) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(eb->b + eb->len, sizeof(eb->b) - eb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		eb->len += (size_t)n;
	if (eb->len > sizeof(eb->b) - 1)
		eb->len = sizeof(eb->b) - 1;
}

static void
et_print_cb(void *arg)
{
	extent_print(arg);
}

static struct extent *et_dump_ex;

static void
et_dump_file_cb(void *arg)
{
	extent_dump_file(et_dump_ex, arg == NULL ? stdout : arg);
}

static void
test_output(void)
{
	static uint64_t fix[EXTENT_FIXED_STORAGE_SIZE(4) / 8];
	static struct et_buf eb;
	struct extent *ex;
	char line[256];
	const char *out;

	tap_diag("extent_print and extent_dump");
	ex = et_create("pr", 0x100, 0x1ff, NULL, 0, EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x100, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x180, 0x80, EX_NOWAIT));
	out = et_capture(1, et_print_cb, ex);
	tap_is_str(out, "extent `pr' (0x100 - 0x1ff), flags = 0x0\n"
	    "     0x100 - 0x10f\n     0x180 - 0x1ff\n", "extent_print");

	eb.len = 0;
	eb.b[0] = '\0';
	extent_dump(ex, et_dump_pr, &eb);
	tap_contains(eb.b, "extent \"pr\": [0x100, 0x1ff], 256 units, "
	    "coalescing, descriptors from malloc\n  regions and gaps:\n"
	    "    alloc [0x100, 0x10f] 16 units\n"
	    "    free  [0x110, 0x17f] 112 units\n"
	    "    alloc [0x180, 0x1ff] 128 units\n"
	    "  descriptors: 2 in use, 2 from malloc, 0 of 0 fixed free\n"
	    "  statistics:\n", "dump: head, regions, descriptors");
	snprintf(line, sizeof(line), "    %-16s %20d  %s\n", "regions", 2,
	    "allocated regions");
	tap_contains(eb.b, line, "dump: regions statistic");
	snprintf(line, sizeof(line), "    %-16s %20d  %s\n", "largest_free",
	    0x70, "units in the largest free gap");
	tap_contains(eb.b, line, "dump: largest_free statistic");
	et_dump_ex = ex;
	out = et_capture(1, et_dump_file_cb, NULL);
	tap_is_str(out, eb.b, "extent_dump_file prints the same");
	et_destroy(ex);

	ex = et_create("prfix", 0, 0xff, fix, sizeof(fix),
	    EX_NOCOALESCE | EX_MALLOCOK);
	ET_OK(ex, extent_alloc_region(ex, 0, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x10, EX_NOWAIT));
	out = et_capture(1, et_print_cb, ex);
	tap_is_str(out, "extent `prfix' (0x0 - 0xff), flags = 0x3\n"
	    "     0x0 - 0xf\n     0x10 - 0x1f\n", "extent_print: flags");
	eb.len = 0;
	eb.b[0] = '\0';
	extent_dump(ex, et_dump_pr, &eb);
	tap_contains(eb.b, "extent \"prfix\": [0, 0xff], 256 units, "
	    "non-coalescing, fixed storage of 4 descriptors\n  regions and "
	    "gaps:\n    alloc [0, 0xf] 16 units\n    alloc [0x10, 0x1f] 16 "
	    "units\n    free  [0x20, 0xff] 224 units\n  descriptors: 2 in use, "
	    "0 from malloc, 2 of 4 fixed free\n", "dump: fixed");
	et_destroy(ex);

	ex = et_create("prm", 0, 0xff, fix, EXTENT_FIXED_STORAGE_SIZE(0),
	    EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x10, EX_MALLOCOK));
	eb.len = 0;
	eb.b[0] = '\0';
	extent_dump(ex, et_dump_pr, &eb);
	tap_contains(eb.b, "    alloc [0x10, 0x1f] 16 units (descriptor from "
	    "malloc)\n", "dump: malloc'ed descriptor in a fixed extent");
	et_destroy(ex);
}

/* ---- the checker */

/*
 * et_find_region: the index in buf (of n words) of the first of two
 * consecutive words equal to start and end, past the extent itself; -1
 * if none.  A descriptor keeps its start and end next to each other.
 */
static long
et_find_region(const uint64_t *buf, size_t n, uint64_t start, uint64_t end)
{
	for (size_t i = EXTENT_FIXED_HDRSIZE / 8; i + 1 < n; i++)
		if (buf[i] == start && buf[i + 1] == end)
			return (long)i;
	return -1;
}

/* et_corrupt: with buf[i] = v, extent_check must fail saying want. */
static void
et_corrupt(struct extent *ex, uint64_t *buf, long i, uint64_t v,
    const char *want, const char *what)
{
	uint64_t old = buf[i];
	char why[256] = "";

	buf[i] = v;
	tap_is(extent_check(ex, why, sizeof(why)), (uint64_t)-1,
	    "checker: %s detected", what);
	tap_is_str(why, want, "checker: %s described", what);
	buf[i] = old;
}

static void
test_checker(void)
{
	static uint64_t fix[EXTENT_FIXED_STORAGE_SIZE(2) / 8];
	const size_t n = sizeof(fix) / sizeof(fix[0]);
	struct extent *ex;
	long i;

	tap_diag("extent_check on storage corrupted on purpose");
	ex = et_create("chk", 0x8, 0xff, fix, sizeof(fix), EX_NOWAIT);
	ET_OK(ex, extent_alloc_region(ex, 0x10, 0x10, EX_NOWAIT));
	ET_OK(ex, extent_alloc_region(ex, 0x40, 0x10, EX_NOWAIT));
	i = et_find_region(fix, n, 0x10, 0x1f);
	tap_ok(i >= 0, "checker: descriptor found in the storage");
	if (i >= 0) {
		et_corrupt(ex, fix, i + 1, 0x45, "region [0x40, 0x4f] overlaps "
		    "or precedes region [0x10, 0x45]", "overlap");
		et_corrupt(ex, fix, i + 1, 0x3f, "regions [0x10, 0x3f] and "
		    "[0x40, 0x4f] touch but are not coalesced", "touching");
		et_corrupt(ex, fix, i + 1, 0x0f, "region [0x10, 0xf] ends "
		    "before it starts", "reversed");
		et_corrupt(ex, fix, i, 0x4, "region [0x4, 0x1f] is not inside "
		    "the extent [0x8, 0xff]", "outside");
	}
	et_check(ex, "checker: restored");
	et_destroy(ex);
}

/* ---- error handlers, names, statistics table */

static struct {
	int n;
	struct extent *ex;
	void *arg;
	char msg[512];
} et_own;

static void
et_own_handler(void *arg, struct extent *ex, enum extent_error err,
    const char *msg)
{
	(void)err;
	et_own.n++;
	et_own.ex = ex;
	et_own.arg = arg;
	snprintf(et_own.msg, sizeof(et_own.msg), "%s", msg);
}

static struct extent *et_loud;

static void
et_loud_free(void *arg)
{
	(void)arg;
	extent_free(et_loud, 0x10, 1, EX_NOWAIT);
}

static void
et_loud_create(void *arg)
{
	(void)arg;
	tap_ok(extent_create("q", 1, 0, NULL, 0, EX_NOWAIT) == NULL,
	    "stderr: create fails");
}

static void
test_handlers(void)
{
	static const char *const names[] = {
		"no error", "bad argument", "bad range", "bad size",
		"bad alignment", "bad skew", "bad boundary", "bad flags", "bad storage",
		"not allocated", "not a region", "deadlock", "out of memory",
	};
	const char *out;
	int cookie;

	tap_diag("error handlers");
	tap_is(sizeof(names) / sizeof(names[0]), EXTENT_ERR_NERRORS,
	    "a name per class");
	for (int e = 0; e < EXTENT_ERR_NERRORS; e++)
		tap_is_str(extent_strerror((enum extent_error)e), names[e],
		    "extent_strerror(%d)", e);
	tap_is_str(extent_strerror(EXTENT_ERR_NERRORS), "unknown error",
	    "extent_strerror: out of range");

	et_loud = et_create("loud", 0, 0xff, NULL, 0, EX_NOWAIT);
	extent_set_error_handler(et_loud, et_own_handler, &cookie);
	et_rep_reset();
	tap_is(extent_free(et_loud, 0x10, 1, EX_NOWAIT), EINVAL, "own: EINVAL");
	tap_is(et_own.n, 1, "own handler called");
	tap_ok(et_own.ex == et_loud && et_own.arg == &cookie,
	    "own handler: extent and argument");
	tap_is_str(et_own.msg, "extent \"loud\": extent_free: [0x10, 0x10] is "
	    "not allocated: 0x10 is free", "own handler: message");
	tap_is(et_rep.n, 0, "default handler not called");

	extent_set_error_handler(et_loud, NULL, NULL);
	out = et_capture(2, et_loud_free, NULL);
	tap_is_str(out, "extent: extent \"loud\": extent_free: [0x10, 0x10] is "
	    "not allocated: 0x10 is free\n", "NULL handler: stderr");
	tap_is(et_own.n, 1, "NULL handler: own handler not called");
	tap_is(et_rep.n, 0, "NULL handler: default handler not called");
	tap_is(et_stats(et_loud).errors, 2, "errors counted");
	et_destroy(et_loud);

	extent_set_default_error_handler(NULL, NULL);
	out = et_capture(2, et_loud_create, NULL);
	tap_is_str(out, "extent: extent \"q\": extent_create: end 0 is below "
	    "start 0x1\n", "stderr default for extent_create");
	extent_set_default_error_handler(et_handler, NULL);
	tap_is(et_rep.n, 0, "capturing handler not called meanwhile");
}

static void
test_statdesc(void)
{
	bool names_ok = true, offsets_ok = true;

	tap_diag("the statistics table");
	tap_is(extent_nstatdesc, sizeof(struct extent_stats) / sizeof(uint64_t),
	    "one entry per member");
	for (size_t i = 0; i < extent_nstatdesc; i++) {
		const struct kml_statdesc *d = &extent_statdesc[i];

		if (d->sd_offset != i * sizeof(uint64_t))
			offsets_ok = false;
		for (const char *p = d->sd_name; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
				names_ok = false;
		if (d->sd_descr == NULL || d->sd_descr[0] == '\0')
			names_ok = false;
	}
	tap_ok(offsets_ok, "entries in member order");
	tap_ok(names_ok, "names lower case, descriptions present");
	tap_is_str(extent_statdesc[0].sd_name, "size", "first: size");
	tap_is_str(extent_statdesc[extent_nstatdesc - 1].sd_name, "errors",
	    "last: errors");
}

/* ---- the randomized test */

#define RN	4096		/* integers in each random extent */

/* splitmix64 */
static uint64_t rnd_state;

static uint64_t
rnd(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* rnd_below: uniform in [0, n), n > 0. */
static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* A run: its seed, length and extent. */
struct rconf {
	const char *name;
	uint64_t seed;
	unsigned ops;
	uint64_t base;			/* first integer of the extent */
	bool nocoalesce;
	unsigned fixed;			/* descriptors of fixed storage, 0: dynamic */
};

/* The reference model of a run. */
struct rmodel {
	const struct rconf *c;
	struct extent *ex;
	unsigned char used[RN];		/* 1: allocated (index = addr - base) */
	uint64_t rs[RN], re[RN];	/* EX_NOCOALESCE: regions, sorted, indices */
	size_t nreg;
	uint64_t allocs, frees, fails, errors;
	unsigned step;
	char why[512];			/* first failure */
};

/* rm_fail: record the first failure of the run. */
static bool __attribute__((format(printf, 2, 3)))
rm_fail(struct rmodel *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	return false;
}

/*
 * rm_regions: the model's regions as indices into rs/re (which may be
 * m->rs/m->re themselves without coalescing).  Returns their number.
 */
static size_t
rm_regions(const struct rmodel *m, uint64_t *rs, uint64_t *re)
{
	size_t n = 0;

	if (m->c->nocoalesce) {
		memcpy(rs, m->rs, m->nreg * sizeof(rs[0]));
		memcpy(re, m->re, m->nreg * sizeof(re[0]));
		return m->nreg;
	}
	for (uint64_t i = 0; i < RN; i++) {
		if (!m->used[i])
			continue;
		rs[n] = i;
		while (i + 1 < RN && m->used[i + 1])
			i++;
		re[n++] = i;
	}
	return n;
}

/* rm_nregions: how many regions the model has. */
static size_t
rm_nregions(const struct rmodel *m)
{
	static uint64_t rs[RN], re[RN];

	return rm_regions(m, rs, re);
}

/* rm_mark: set used[s..e] to v; without coalescing, add or drop the region. */
static void
rm_mark(struct rmodel *m, uint64_t s, uint64_t e, unsigned char v)
{
	size_t k;

	for (uint64_t i = s; i <= e; i++)
		m->used[i] = v;
	if (!m->c->nocoalesce)
		return;
	for (k = 0; k < m->nreg && m->rs[k] < s; k++)
		continue;
	if (v) {
		memmove(&m->rs[k + 1], &m->rs[k], (m->nreg - k) * sizeof(m->rs[0]));
		memmove(&m->re[k + 1], &m->re[k], (m->nreg - k) * sizeof(m->re[0]));
		m->rs[k] = s;
		m->re[k] = e;
		m->nreg++;
	} else {
		memmove(&m->rs[k], &m->rs[k + 1],
		    (m->nreg - k - 1) * sizeof(m->rs[0]));
		memmove(&m->re[k], &m->re[k + 1],
		    (m->nreg - k - 1) * sizeof(m->re[0]));
		m->nreg--;
	}
}

/* rm_newcount: regions after allocating [s, e] (indices, all free). */
static size_t
rm_newcount(const struct rmodel *m, uint64_t s, uint64_t e)
{
	size_t n = rm_nregions(m) + 1;

	if (m->c->nocoalesce)
		return n;
	if (s > 0 && m->used[s - 1])
		n--;
	if (e + 1 < RN && m->used[e + 1])
		n--;
	return n;
}

/* A random allocation request, addresses absolute. */
struct rreq {
	uint64_t substart, subend, size, alignment, skew, boundary;
	int flags;
	int call;			/* 0 alloc, 1 alloc1, 2 subregion, 3 subregion1 */
};

/* rm_ok: addr satisfies alignment, skew and boundary of q (naively). */
static bool
rm_ok(const struct rmodel *m, const struct rreq *q, uint64_t addr)
{
	uint64_t bb = (q->flags & EX_BOUNDZERO) ? 0 : m->c->base;

	if (addr % q->alignment != q->skew)
		return false;
	if (q->boundary != 0 && (addr - bb) / q->boundary !=
	    (addr + q->size - 1 - bb) / q->boundary)
		return false;
	return true;
}

/*
 * rm_expect: the brute-force answer to q: the smallest gap that holds it
 * (the first with EX_FAST), ties to the lowest; the lowest address in it.
 * Returns true and *ip (an index), or false.
 */
static bool
rm_expect(const struct rmodel *m, const struct rreq *q, uint64_t *ip)
{
	uint64_t base = m->c->base, lo, hi, best = 0, bestgap = 0;
	uint64_t sublo = q->substart - base, subhi = q->subend - base;
	bool found = false;

	for (uint64_t i = 0; i < RN; i++) {
		uint64_t j = i;

		if (m->used[i])
			continue;
		while (j + 1 < RN && !m->used[j + 1])
			j++;
		lo = i > sublo ? i : sublo;
		hi = j < subhi ? j : subhi;
		for (uint64_t a = lo; lo <= hi && a + q->size - 1 <= hi; a++) {
			if (!rm_ok(m, q, base + a))
				continue;
			if (!found || j - i < bestgap) {
				found = true;
				best = a;
				bestgap = j - i;
			}
			break;
		}
		if (found && (q->flags & EX_FAST))
			break;
		i = j;
	}
	*ip = best;
	return found;
}

/* rm_pow2_atleast: the least power of two >= x (x >= 1). */
static uint64_t
rm_pow2_atleast(uint64_t x)
{
	uint64_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/* rm_random_req: a random valid request. */
static void
rm_random_req(const struct rmodel *m, struct rreq *q)
{
	uint64_t base = m->c->base, k = rnd_below(16), a, b;

	memset(q, 0, sizeof(*q));
	q->size = 1 + (k < 10 ? rnd_below(16) : k < 14 ? rnd_below(128) :
	    rnd_below(1024));
	q->alignment = rnd_below(3) == 0 ? 1 : (uint64_t)1 << rnd_below(8);
	switch (rnd_below(4)) {
	case 0:
	case 1:
		q->skew = 0;
		break;
	case 2:
		q->skew = rnd_below(q->alignment);
		break;
	default:
		q->skew = q->alignment - 1;
		break;
	}
	if (rnd_below(2))
		q->boundary = rm_pow2_atleast(q->skew + q->size) <<
		    rnd_below(3);
	q->substart = base;
	q->subend = base + RN - 1;
	if (rnd_below(3) != 0) {
		a = rnd_below(RN);
		b = rnd_below(RN);
		if (a > b) {
			uint64_t t = a;

			a = b;
			b = t;
		}
		if (b - a + 1 >= q->size) {
			q->substart = base + a;
			q->subend = base + b;
		}
	}
	q->flags = (rnd_below(2) ? EX_FAST : 0) |
	    (rnd_below(2) ? EX_BOUNDZERO : 0);
	if (q->substart == base && q->subend == base + RN - 1)
		q->call = q->skew == 0 && rnd_below(2) ? 0 : 1;
	else
		q->call = q->skew == 0 && rnd_below(2) ? 2 : 3;
}

/* rm_alloc: one random allocation, checked. */
static bool
rm_alloc(struct rmodel *m)
{
	static const char *const calls[] = { "extent_alloc", "extent_alloc1",
	    "extent_alloc_subregion", "extent_alloc_subregion1" };
	struct rreq q;
	uint64_t base = m->c->base, r = 0, idx;
	bool found;
	int rc, want;

	rm_random_req(m, &q);
	found = rm_expect(m, &q, &idx);
	switch (q.call) {
	case 0:
		rc = extent_alloc(m->ex, q.size, q.alignment, q.boundary,
		    q.flags, &r);
		break;
	case 1:
		rc = extent_alloc1(m->ex, q.size, q.alignment, q.skew,
		    q.boundary, q.flags, &r);
		break;
	case 2:
		rc = extent_alloc_subregion(m->ex, q.substart, q.subend, q.size,
		    q.alignment, q.boundary, q.flags, &r);
		break;
	default:
		rc = extent_alloc_subregion1(m->ex, q.substart, q.subend,
		    q.size, q.alignment, q.skew, q.boundary, q.flags, &r);
		break;
	}
	want = !found ? EAGAIN : m->c->fixed != 0 &&
	    rm_newcount(m, idx, idx + q.size - 1) > m->c->fixed ? ENOMEM : 0;
	if (rc != want)
		return rm_fail(m, "%s(sub [%#" PRIx64 ", %#" PRIx64 "], size %#"
		    PRIx64 ", align %#" PRIx64 ", skew %#" PRIx64 ", boundary %#"
		    PRIx64 ", flags %#x) returned %d, want %d (model at %#"
		    PRIx64 ")", calls[q.call], q.substart, q.subend, q.size,
		    q.alignment, q.skew, q.boundary, (unsigned)q.flags, rc, want,
		    base + idx);
	if (rc != 0) {
		m->fails++;
		return true;
	}
	if (r != base + idx)
		return rm_fail(m, "%s(sub [%#" PRIx64 ", %#" PRIx64 "], size %#"
		    PRIx64 ", align %#" PRIx64 ", skew %#" PRIx64 ", boundary %#"
		    PRIx64 ", flags %#x) gave %#" PRIx64 ", brute force %#"
		    PRIx64, calls[q.call], q.substart, q.subend, q.size,
		    q.alignment, q.skew, q.boundary, (unsigned)q.flags, r,
		    base + idx);
	/* every constraint, on its own */
	if (r < q.substart || r + q.size - 1 > q.subend || r < base)
		return rm_fail(m, "result %#" PRIx64 " outside the subregion", r);
	if (r % q.alignment != q.skew)
		return rm_fail(m, "result %#" PRIx64 " misaligned", r);
	if (!rm_ok(m, &q, r))
		return rm_fail(m, "result %#" PRIx64 " crosses a boundary", r);
	for (uint64_t i = r - base; i < r - base + q.size; i++)
		if (m->used[i])
			return rm_fail(m, "result %#" PRIx64 " overlaps %#" PRIx64,
			    r, base + i);
	rm_mark(m, r - base, r - base + q.size - 1, 1);
	m->allocs++;
	return true;
}

/* rm_alloc_region: one random extent_alloc_region, checked. */
static bool
rm_alloc_region(struct rmodel *m)
{
	uint64_t base = m->c->base, s = rnd_below(RN), n, i;
	bool busy = false;
	int rc, want;

	n = 1 + rnd_below(64);
	if (s + n > RN)
		n = RN - s;
	for (i = s; i < s + n; i++)
		busy = busy || m->used[i];
	want = busy ? EAGAIN : m->c->fixed != 0 &&
	    rm_newcount(m, s, s + n - 1) > m->c->fixed ? ENOMEM : 0;
	rc = extent_alloc_region(m->ex, base + s, n, EX_NOWAIT);
	if (rc != want)
		return rm_fail(m, "extent_alloc_region(%#" PRIx64 ", %#" PRIx64
		    ") returned %d, want %d", base + s, n, rc, want);
	if (rc != 0) {
		m->fails++;
		return true;
	}
	rm_mark(m, s, s + n - 1, 1);
	m->allocs++;
	return true;
}

/* rm_free: free a random region, or (coalescing) a random part of one. */
static bool
rm_free(struct rmodel *m)
{
	static uint64_t rs[RN], re[RN];
	uint64_t base = m->c->base, s, e;
	size_t n = rm_regions(m, rs, re), k, newcount = n;
	int rc, want = 0;

	if (n == 0)
		return true;
	k = rnd_below(n);
	s = rs[k];
	e = re[k];
	if (!m->c->nocoalesce && rnd_below(3) != 0) {
		s = rs[k] + rnd_below(re[k] - rs[k] + 1);
		e = s + rnd_below(re[k] - s + 1);
		if (s > rs[k] && e < re[k])
			newcount = n + 1;
	}
	if (s == rs[k] && e == re[k])
		newcount = n - 1;
	if (m->c->fixed != 0 && newcount > m->c->fixed)
		want = ENOMEM;
	rc = extent_free(m->ex, base + s, e - s + 1, EX_NOWAIT);
	if (rc != want)
		return rm_fail(m, "extent_free(%#" PRIx64 ", %#" PRIx64 ") of "
		    "region [%#" PRIx64 ", %#" PRIx64 "] returned %d, want %d",
		    base + s, e - s + 1, base + rs[k], base + re[k], rc, want);
	if (rc != 0) {
		m->fails++;
		return true;
	}
	rm_mark(m, s, e, 0);
	m->frees++;
	return true;
}

/*
 * rm_bad_free: a free that must be refused: a range holding a free
 * integer (EXTENT_ERR_NOTALLOC), or, without coalescing, part of a region
 * or two touching regions (EXTENT_ERR_NOTREGION).
 */
static bool
rm_bad_free(struct rmodel *m)
{
	static uint64_t rs[RN], re[RN];
	uint64_t base = m->c->base, u, s, e, hole;
	size_t n, k;
	enum extent_error err = EXTENT_ERR_NOTALLOC;
	char want[512];
	const char *msg = NULL;
	int rc;

	n = rm_regions(m, rs, re);
	if (m->c->nocoalesce && n > 0 && rnd_below(2)) {
		k = rnd_below(n);
		err = EXTENT_ERR_NOTREGION;
		if (k + 1 < n && re[k] + 1 == rs[k + 1]) {
			s = rs[k];
			e = re[k + 1];
			snprintf(want, sizeof(want), "extent \"%s\": extent_free: "
			    "[%#" PRIx64 ", %#" PRIx64 "] spans 2 regions of a "
			    "non-coalescing extent", m->c->name, base + s,
			    base + e);
		} else if (re[k] > rs[k]) {
			s = rs[k] + rnd_below(2);
			e = s == rs[k] ? re[k] - 1 : re[k];
			snprintf(want, sizeof(want), "extent \"%s\": extent_free: "
			    "[%#" PRIx64 ", %#" PRIx64 "] is part of region [%#"
			    PRIx64 ", %#" PRIx64 "] of a non-coalescing extent",
			    m->c->name, base + s, base + e, base + rs[k],
			    base + re[k]);
		} else {
			return true;
		}
	} else {
		for (u = rnd_below(RN), k = 0; k < RN && m->used[u]; k++)
			u = (u + 1) % RN;
		if (m->used[u])
			return true;		/* nothing free */
		s = u - (u < 8 ? u : rnd_below(8));
		e = u + rnd_below(8);
		if (e >= RN)
			e = RN - 1;
		for (hole = s; m->used[hole]; hole++)
			continue;
		snprintf(want, sizeof(want), "extent \"%s\": extent_free: [%#"
		    PRIx64 ", %#" PRIx64 "] is not allocated: %#" PRIx64
		    " is free", m->c->name, base + s, base + e, base + hole);
	}
	et_rep_reset();
	rc = extent_free(m->ex, base + s, e - s + 1, EX_NOWAIT);
	if (rc != EINVAL || et_rep.n != 1 || et_rep.err != err ||
	    extent_last_error(m->ex, &msg) != err || strcmp(et_rep.msg, want))
		return rm_fail(m, "bad extent_free(%#" PRIx64 ", %#" PRIx64
		    ") returned %d with %d reports (class %d, want %d): \"%s\", "
		    "want \"%s\"", base + s, e - s + 1, rc, et_rep.n,
		    (int)et_rep.err, (int)err, et_rep.msg, want);
	m->errors++;
	return true;
}

/* rm_walk_cb: collect regions. */
struct rm_walk {
	uint64_t s[RN], e[RN];
	size_t n;
};

static void
rm_walk_cb(void *arg, uint64_t start, uint64_t end)
{
	struct rm_walk *w = arg;

	if (w->n < RN) {
		w->s[w->n] = start;
		w->e[w->n] = end;
	}
	w->n++;
}

/* rm_verify: the extent agrees with the model. */
static bool
rm_verify(struct rmodel *m)
{
	static uint64_t rs[RN], re[RN];
	static struct rm_walk w;
	uint64_t base = m->c->base, freeu = 0, largest = 0, gaps = 0, len;
	size_t n = rm_regions(m, rs, re);
	struct extent_stats st;
	char why[256];

	if (extent_check(m->ex, why, sizeof(why)) != 0)
		return rm_fail(m, "extent_check: %s", why);
	w.n = 0;
	extent_walk(m->ex, EXTENT_ALLOC, rm_walk_cb, &w);
	if (w.n != n)
		return rm_fail(m, "%zu regions, model %zu", w.n, n);
	for (size_t k = 0; k < n; k++)
		if (w.s[k] != base + rs[k] || w.e[k] != base + re[k])
			return rm_fail(m, "region %zu is [%#" PRIx64 ", %#" PRIx64
			    "], model [%#" PRIx64 ", %#" PRIx64 "]", k, w.s[k],
			    w.e[k], base + rs[k], base + re[k]);
	for (uint64_t i = 0; i < RN; i++) {
		if (m->used[i])
			continue;
		for (len = 0; i < RN && !m->used[i]; i++)
			len++;
		freeu += len;
		gaps++;
		if (len > largest)
			largest = len;
	}
	extent_stats(m->ex, &st);
	if (st.regions != n || st.allocated != RN - freeu || st.free != freeu ||
	    st.largest_free != largest || st.free_gaps != gaps ||
	    st.size != RN)
		return rm_fail(m, "gauges: regions %" PRIu64 "/%zu allocated %"
		    PRIu64 "/%" PRIu64 " free %" PRIu64 "/%" PRIu64 " largest %"
		    PRIu64 "/%" PRIu64 " gaps %" PRIu64 "/%" PRIu64, st.regions,
		    n, st.allocated, RN - freeu, st.free, freeu,
		    st.largest_free, largest, st.free_gaps, gaps);
	if (st.descs_fixed != m->c->fixed || (m->c->fixed != 0 &&
	    (st.descs_fixed_free != m->c->fixed - n || st.descs_malloced != 0)) ||
	    (m->c->fixed == 0 && st.descs_malloced != n))
		return rm_fail(m, "descriptors: fixed %" PRIu64 " free %" PRIu64
		    " malloced %" PRIu64 " for %zu regions", st.descs_fixed,
		    st.descs_fixed_free, st.descs_malloced, n);
	if (st.allocs != m->allocs || st.frees != m->frees ||
	    st.fails != m->fails || st.errors != m->errors || st.waits != 0)
		return rm_fail(m, "counters: allocs %" PRIu64 "/%" PRIu64
		    " frees %" PRIu64 "/%" PRIu64 " fails %" PRIu64 "/%" PRIu64
		    " errors %" PRIu64 "/%" PRIu64 " waits %" PRIu64, st.allocs,
		    m->allocs, st.frees, m->frees, st.fails, m->fails,
		    st.errors, m->errors, st.waits);
	return true;
}

/* rm_run: one randomized run; true if every step agreed with the model. */
static bool
rm_run(const struct rconf *c, struct rmodel *m, uint64_t *storage,
    size_t storagesize)
{
	bool ok = true;
	int flags = c->nocoalesce ? EX_NOCOALESCE : EX_NOWAIT;

	memset(m, 0, sizeof(*m));
	m->c = c;
	rnd_state = c->seed;
	m->ex = extent_create(c->name, c->base, c->base + RN - 1,
	    c->fixed ? storage : NULL, c->fixed ? storagesize : 0, flags);
	if (m->ex == NULL)
		return rm_fail(m, "extent_create failed");
	for (m->step = 0; ok && m->step < c->ops; m->step++) {
		uint64_t p = rnd_below(100);

		if (p < 50)
			ok = rm_alloc(m);
		else if (p < 62)
			ok = rm_alloc_region(m);
		else if (p < 94)
			ok = rm_free(m);
		else
			ok = rm_bad_free(m);
		if (ok)
			ok = rm_verify(m);
	}
	extent_destroy(m->ex);
	return ok;
}

static void
test_random(void)
{
	static const struct rconf confs[] = {
		{ "rnd-dyn", 0x6b6d656d6c616201ULL, 15000, 0, false, 0 },
		{ "rnd-odd", 0x6b6d656d6c616202ULL, 15000, 100, false, 0 },
		{ "rnd-top-nc", 0x6b6d656d6c616203ULL, 10000, TOP - RN + 1, true, 0 },
		{ "rnd-fixed", 0x6b6d656d6c616204ULL, 10000, 0x1000, false, 24 },
		{ "rnd-fixed-nc", 0x6b6d656d6c616205ULL, 5000, 7, true, 16 },
	};
	static uint64_t storage[EXTENT_FIXED_STORAGE_SIZE(24) / 8];
	static struct rmodel m;
	unsigned total = 0;

	tap_diag("randomized runs against a bitmap model");
	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		const struct rconf *c = &confs[i];
		bool ok = rm_run(c, &m, storage,
		    EXTENT_FIXED_STORAGE_SIZE(c->fixed));

		tap_ok(ok, "random %s: %u operations agree with the model",
		    c->name, ok ? c->ops : m.step);
		if (!ok)
			tap_diag("seed %#" PRIx64 ", step %u: %s", c->seed,
			    m.step, m.why);
		else
			tap_diag("%s: %" PRIu64 " allocs, %" PRIu64 " frees, %"
			    PRIu64 " fails, %" PRIu64 " refused frees", c->name,
			    m.allocs, m.frees, m.fails, m.errors);
		total += ok ? c->ops : m.step;
	}
	tap_ok(total >= 50000, "at least 50000 random operations (%u)", total);
}

int
main(void)
{
	extent_set_default_error_handler(et_handler, NULL);

	test_create();
	test_alloc_basic();
	test_bestfit();
	test_align_skew();
	test_boundary();
	test_subregion();
	test_alloc_region();
	test_free();
	test_nocoalesce();
	test_fixed();
	test_args();
	test_deadlock();
	test_wakeup();
	test_edges();
	test_output();
	test_checker();
	test_handlers();
	test_statdesc();
	test_random();
	return tap_done();
}
