/*
 * tests/vmem_random_test.c: randomized test of vmem against a reference
 * model.
 *
 * Each run (a fixed seed and a strategy: instant, best or next fit) drives
 * an arena with a random mix of vmem_alloc, vmem_xalloc with random valid
 * constraints (align, phase, nocross, minaddr, maxaddr), now and then an
 * invalid request that must fail with EINVAL and the right error class,
 * frees of random live segments (vmem_free or vmem_xfree as allocated),
 * misused frees that must be reported and change nothing, vmem_add of new
 * spans and rare VM_SLEEP requests (which on the uniprocessor environment
 * end in a deadlock report when they cannot be satisfied).  In the second
 * half of the run a child arena imports from the first one through
 * wrappers around vmem_arena_import / vmem_arena_release that keep the
 * model of both arenas, and the same mix runs mostly on the child.
 *
 * The model keeps the live segments sorted by address, the spans, and what
 * the library documents about each strategy (lib/vmem.c, theory section 4).
 * Before each allocation the free segments are read with vmem_walk; after
 * it the result is checked against them: every constraint, no overlap with
 * a live segment, the lowest satisfying address in a segment that was free
 * (or in the span imported by this very call), and
 *  - best fit: exactly the brute-force answer (the smallest free segment
 *    that can hold the constrained request, ties to the lowest address);
 *  - instant fit, unconstrained: a segment of the lowest non-empty
 *    freelist that surely fits, one bitmap lookup, at most one segment
 *    examined; ENOMEM only if that list does not exist;
 *  - instant fit, constrained, and next fit: ENOMEM only if no free
 *    segment can hold the request;
 *  - next fit: the first segment in address order that fits at or after
 *    the end of the last next-fit allocation, else the first one from the
 *    start (checked exactly while no new span reaches past the rotor
 *    address: where such a span stands relative to the rotor is not
 *    documented).
 * After every operation vmem_check must pass on both arenas and
 * vmem_size, spans, imports and releases must equal the model.
 *
 * On a failure the seed, strategy and operation number are printed; the
 * run stops and the next one starts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/vmem.h>

#include "tap.h"

#define RND_OPS		70000	/* operations per run */
#define RND_MAXLIVE	200	/* live segments per arena, at most */
#define RND_MAXADDED	24	/* spans vmem_add'ed per arena, at most */

/* ---- the PRNG: splitmix64 */

static uint64_t rnd_state;

static uint64_t
rnd_next(void)
{
	uint64_t z = (rnd_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* rnd_below: uniform in [0, n), n > 0. */
static uint64_t
rnd_below(uint64_t n)
{
	return rnd_next() % n;
}

/* ---- the model */

enum rnd_kind {
	RND_ALLOC,		/* from vmem_alloc */
	RND_XALLOC,		/* from vmem_xalloc */
	RND_LENT		/* a source segment that is a child's span */
};

struct rnd_seg {
	vmem_addr_t addr;
	vmem_size_t size;
	enum rnd_kind kind;
};

struct rnd_span {
	vmem_addr_t addr;
	vmem_size_t size;
};

/* An arena and its model. */
struct rnd_arena {
	vmem_t *vm;
	const char *name;
	vmem_size_t q;			/* quantum */
	struct rnd_arena *source;	/* the arena imported from, or NULL */
	vmem_size_t iq;			/* import quantum */

	struct rnd_seg *live;		/* live segments, address order */
	size_t nlive, caplive;
	vmem_size_t inuse;		/* sum of live sizes */
	struct rnd_span added[RND_MAXADDED + 1]; /* spans created, added */
	size_t nadded;
	struct rnd_span *imp;		/* imported spans */
	size_t nimp, capimp;
	vmem_addr_t add_next;		/* where the next vmem_add goes */
	vmem_addr_t lo, hi;		/* address bounds for constraints */

	vmem_addr_t rotor;		/* end of the last next fit */
	bool rotor_exact;		/* no span reached past it since */

	uint64_t imports, releases;	/* seen by the wrappers */
	uint64_t errors;		/* reports seen by the handler */

	struct vmem_stats st;		/* statistics, read after a call */
	bool st_fresh;			/* st is up to date (rnd_stats) */
};

/* One request. */
struct rnd_req {
	vmem_size_t size, align, phase, nocross;
	vmem_addr_t minaddr, maxaddr;
	int flags;
	bool x;				/* vmem_xalloc, not vmem_alloc */
};

/* Per-strategy totals for the diagnostics. */
struct rnd_totals {
	uint64_t ops, allocs, xallocs, nomem, frees, imports, releases, einval,
	    misuse, adds, deadlocks;
};

/* The state of the run in progress. */
static struct {
	uint64_t seed;
	uint64_t op;
	const char *strat;
	bool failed;
	struct rnd_arena src, child;
	const struct rnd_req *req;	/* the allocation in progress */
	struct rnd_span newspan[4];	/* spans imported during it */
	size_t nnew;
	int nrep;			/* reports during the operation */
	enum vmem_error rep_err;	/* the last one */
	vmem_t *rep_vm;
	char rep_msg[300];
	struct rnd_totals *tot;
} R;

/* Free segments read before an allocation. */
static struct rnd_span *rnd_free;
static size_t rnd_nfree, rnd_capfree;

/* rnd_fail: report the first failure of the run, with seed and op. */
static void __attribute__((format(printf, 1, 2)))
rnd_fail(const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	if (R.failed)
		return;
	R.failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_ok(0, "seed %" PRIu64 " %s op %" PRIu64 ": %s", R.seed, R.strat,
	    R.op, msg);
}

static void *
rnd_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		tap_bail("out of memory");
	return p;
}

/* rnd_find: index of the first live segment of ra with addr >= a. */
static size_t
rnd_find(const struct rnd_arena *ra, vmem_addr_t a)
{
	size_t lo = 0, hi = ra->nlive;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ra->live[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * rnd_live_add: add [addr, addr+size) to ra's live segments.
 * => fails the run if it overlaps a live segment.
 */
static void
rnd_live_add(struct rnd_arena *ra, vmem_addr_t addr, vmem_size_t size,
    enum rnd_kind kind)
{
	size_t i = rnd_find(ra, addr);

	if (i < ra->nlive && ra->live[i].addr < addr + size)
		rnd_fail("%s: [%#" PRIx64 ", +%#" PRIx64 ") overlaps live "
		    "[%#" PRIx64 ", +%#" PRIx64 ")", ra->name, addr, size,
		    ra->live[i].addr, ra->live[i].size);
	if (i > 0 && ra->live[i - 1].addr + ra->live[i - 1].size > addr)
		rnd_fail("%s: [%#" PRIx64 ", +%#" PRIx64 ") overlaps live "
		    "[%#" PRIx64 ", +%#" PRIx64 ")", ra->name, addr, size,
		    ra->live[i - 1].addr, ra->live[i - 1].size);
	if (ra->nlive == ra->caplive) {
		ra->caplive = ra->caplive ? 2 * ra->caplive : 64;
		ra->live = rnd_xrealloc(ra->live,
		    ra->caplive * sizeof(*ra->live));
	}
	memmove(&ra->live[i + 1], &ra->live[i],
	    (ra->nlive - i) * sizeof(*ra->live));
	ra->live[i].addr = addr;
	ra->live[i].size = size;
	ra->live[i].kind = kind;
	ra->nlive++;
	ra->inuse += size;
}

/* rnd_live_del: remove live segment i of ra. */
static void
rnd_live_del(struct rnd_arena *ra, size_t i)
{
	ra->inuse -= ra->live[i].size;
	memmove(&ra->live[i], &ra->live[i + 1],
	    (ra->nlive - i - 1) * sizeof(*ra->live));
	ra->nlive--;
}

/* rnd_total: bytes in ra's spans according to the model. */
static vmem_size_t
rnd_total(const struct rnd_arena *ra)
{
	vmem_size_t t = 0;

	for (size_t i = 0; i < ra->nadded; i++)
		t += ra->added[i].size;
	for (size_t i = 0; i < ra->nimp; i++)
		t += ra->imp[i].size;
	return t;
}

/*
 * rnd_stats: ra's statistics, read again only if a call on ra may have
 * changed them since (every --enable-sanity call checks the whole arena,
 * so the test reads them once per operation).
 */
static const struct vmem_stats *
rnd_stats(struct rnd_arena *ra)
{
	if (!ra->st_fresh) {
		struct vmem_stats c;

		vmem_stats(ra->vm, &ra->st);
		vmem_counters(ra->vm, &c);
		c.hash_maxchain = ra->st.hash_maxchain;
		if (memcmp(&c, &ra->st, sizeof(c)) != 0)
			rnd_fail("vmem_counters disagrees with vmem_stats");
		ra->st_fresh = true;
	}
	return &ra->st;
}

/* rnd_touch: a call on ra is about to change it. */
static void
rnd_touch(struct rnd_arena *ra)
{
	ra->st_fresh = false;
}

/*
 * rnd_newspan: a span [addr, addr+size) appeared in ra.  Where a new span
 * reaching past the rotor address stands relative to the rotor is not
 * documented, so next fit is checked exactly only from the next next-fit
 * allocation on.
 */
static void
rnd_newspan(struct rnd_arena *ra, vmem_addr_t addr, vmem_size_t size)
{
	if (addr + size > ra->rotor)
		ra->rotor_exact = false;
}

/* ---- the error handler */

/* rnd_handler: count every report against its arena. */
static void
rnd_handler(void *arg, vmem_t *vm, enum vmem_error err, const char *msg)
{
	(void)arg;
	R.nrep++;
	R.rep_err = err;
	R.rep_vm = vm;
	snprintf(R.rep_msg, sizeof(R.rep_msg), "%s", msg);
	if (vm == R.src.vm)
		R.src.errors++;
	else if (vm == R.child.vm)
		R.child.errors++;
	if (err == VMEM_ERR_DEADLOCK)
		R.tot->deadlocks++;
}

/* ---- import and release wrappers */

/*
 * rnd_import: vmem_arena_import from the child's source, keeping the
 * model of both; checks the size asked for against lib/vmem.c section 7.
 */
static int
rnd_import(void *arg, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	struct rnd_arena *ra = arg, *src = ra->source;
	const struct rnd_req *r = R.req;
	vmem_size_t want;
	int error;

	if (r == NULL) {
		rnd_fail("%s: import outside an allocation", ra->name);
		return ENOMEM;
	}
	want = r->size;
	if (r->align > ra->q)
		want += r->align - ra->q;
	if (r->nocross != 0 && want < 2 * r->nocross)
		want = 2 * r->nocross;
	want = (want + ra->iq - 1) / ra->iq * ra->iq;
	if (size != want)
		rnd_fail("%s: import of %#" PRIx64 " for a request of %#" PRIx64
		    " align %#" PRIx64 " nocross %#" PRIx64 ", want %#" PRIx64,
		    ra->name, size, r->size, r->align, r->nocross, want);
	if ((flags & (VM_SLEEP | VM_NOSLEEP)) !=
	    (r->flags & (VM_SLEEP | VM_NOSLEEP)))
		rnd_fail("%s: import flags %#x for request flags %#x",
		    ra->name, flags, r->flags);
	rnd_touch(src);
	error = vmem_arena_import(src->vm, size, flags, addrp);
	if (error != 0)
		return error;
	rnd_live_add(src, *addrp, size, RND_LENT);
	if (ra->nimp == ra->capimp) {
		ra->capimp = ra->capimp ? 2 * ra->capimp : 16;
		ra->imp = rnd_xrealloc(ra->imp, ra->capimp * sizeof(*ra->imp));
	}
	ra->imp[ra->nimp].addr = *addrp;
	ra->imp[ra->nimp].size = size;
	ra->nimp++;
	ra->imports++;
	R.tot->imports++;
	if (R.nnew < sizeof(R.newspan) / sizeof(R.newspan[0])) {
		R.newspan[R.nnew].addr = *addrp;
		R.newspan[R.nnew].size = size;
		R.nnew++;
	}
	rnd_newspan(ra, *addrp, size);
	return 0;
}

/*
 * rnd_release: vmem_arena_release to the child's source; the span must be
 * one the child imported and hold no live segment.
 */
static void
rnd_release(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct rnd_arena *ra = arg, *src = ra->source;
	size_t i, j;

	for (i = 0; i < ra->nimp; i++)
		if (ra->imp[i].addr == addr)
			break;
	if (i == ra->nimp || ra->imp[i].size != size) {
		rnd_fail("%s: release of [%#" PRIx64 ", +%#" PRIx64 ") not "
		    "imported", ra->name, addr, size);
		return;
	}
	j = rnd_find(ra, addr);
	if (j < ra->nlive && ra->live[j].addr < addr + size)
		rnd_fail("%s: release of [%#" PRIx64 ", +%#" PRIx64 ") holding "
		    "live %#" PRIx64, ra->name, addr, size, ra->live[j].addr);
	ra->imp[i] = ra->imp[--ra->nimp];
	ra->releases++;
	R.tot->releases++;
	j = rnd_find(src, addr);
	if (j == src->nlive || src->live[j].addr != addr ||
	    src->live[j].size != size || src->live[j].kind != RND_LENT)
		rnd_fail("%s: released span %#" PRIx64 " is not a lent segment "
		    "of %s", ra->name, addr, src->name);
	else
		rnd_live_del(src, j);
	rnd_touch(src);
	vmem_arena_release(src->vm, addr, size);
}

/* ---- fitting, as documented */

/*
 * rnd_fit: the lowest address >= lo in [start, start+size) satisfying r,
 * computed with divisions (lib/vmem.c uses masks).
 * => addresses stay far below 2^63 in this test, maxaddr may be MAX.
 */
static bool
rnd_fit(vmem_addr_t start, vmem_size_t segsize, const struct rnd_req *r,
    vmem_size_t q, vmem_addr_t lo, vmem_addr_t *addrp)
{
	vmem_size_t align = r->align ? r->align : q;
	vmem_addr_t first = start, last = start + segsize - 1, a;

	if (first < lo)
		first = lo;
	if (first < r->minaddr)
		first = r->minaddr;
	if (last > r->maxaddr)
		last = r->maxaddr;
	if (first > last)
		return false;
	if (first <= r->phase)
		a = r->phase;
	else
		a = (first - r->phase + align - 1) / align * align + r->phase;
	if (r->nocross != 0 &&
	    a / r->nocross != (a + r->size - 1) / r->nocross)
		a = (a / r->nocross + 1) * r->nocross + r->phase;
	if (a + r->size - 1 > last || a + r->size - 1 < a)
		return false;
	*addrp = a;
	return true;
}

/* rnd_free_cb: vmem_walk callback collecting free segments. */
static void
rnd_free_cb(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	(void)arg;
	if (rnd_nfree == rnd_capfree) {
		rnd_capfree = rnd_capfree ? 2 * rnd_capfree : 256;
		rnd_free = rnd_xrealloc(rnd_free,
		    rnd_capfree * sizeof(*rnd_free));
	}
	rnd_free[rnd_nfree].addr = addr;
	rnd_free[rnd_nfree].size = size;
	rnd_nfree++;
}

static unsigned
rnd_log2(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

/* rnd_diag_pr: vmem_dump callback printing TAP comment lines. */
static void __attribute__((format(printf, 2, 3)))
rnd_diag_pr(void *arg, const char *fmt, ...)
{
	static bool bol = true;
	char line[512];
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (const char *p = line; *p != '\0'; p++) {
		if (bol)
			fputs("# ", stdout);
		putchar(*p);
		bol = *p == '\n';
	}
}

/* rnd_dump: show the arenas of a failed run. */
static void
rnd_dump(void)
{
	if (R.src.vm != NULL)
		vmem_dump(R.src.vm, rnd_diag_pr, NULL);
	if (R.child.vm != NULL)
		vmem_dump(R.child.vm, rnd_diag_pr, NULL);
	fflush(stdout);
}

/* ---- checks after every operation */

/* rnd_verify: vmem_check and the model of ra agree with the arena. */
static void
rnd_verify(struct rnd_arena *ra)
{
	const struct vmem_stats *stp;
	vmem_size_t total = rnd_total(ra);
	char buf[512];

	if (R.failed)
		return;
	buf[0] = '\0';
	if (vmem_check(ra->vm, buf, sizeof(buf)) != 0) {
		rnd_fail("%s: vmem_check: %s", ra->name, buf);
		return;
	}
	stp = rnd_stats(ra);
	if (vmem_size(ra->vm, VMEM_ALLOC) != ra->inuse ||
	    vmem_size(ra->vm, VMEM_FREE) != total - ra->inuse ||
	    vmem_size(ra->vm, VMEM_ALLOC | VMEM_FREE) != total)
		rnd_fail("%s: vmem_size alloc/free/total %#" PRIx64 "/%#" PRIx64
		    "/%#" PRIx64 ", model %#" PRIx64 "/%#" PRIx64 "/%#" PRIx64,
		    ra->name, vmem_size(ra->vm, VMEM_ALLOC),
		    vmem_size(ra->vm, VMEM_FREE),
		    vmem_size(ra->vm, VMEM_ALLOC | VMEM_FREE), ra->inuse,
		    total - ra->inuse, total);
	if (stp->busy_segs != ra->nlive ||
	    stp->spans != ra->nadded + ra->nimp ||
	    stp->imports != ra->imports || stp->releases != ra->releases ||
	    stp->errors != ra->errors)
		rnd_fail("%s: stats busy %" PRIu64 " spans %" PRIu64
		    " imports %" PRIu64 " releases %" PRIu64 " errors %"
		    PRIu64 ", model %zu %zu %" PRIu64 " %" PRIu64 " %" PRIu64,
		    ra->name, stp->busy_segs, stp->spans, stp->imports,
		    stp->releases, stp->errors, ra->nlive,
		    ra->nadded + ra->nimp, ra->imports, ra->releases,
		    ra->errors);
	/* an imported span is released as soon as it is wholly free */
	for (size_t i = 0; i < ra->nimp; i++) {
		size_t j = rnd_find(ra, ra->imp[i].addr);

		if (j == ra->nlive ||
		    ra->live[j].addr >= ra->imp[i].addr + ra->imp[i].size)
			rnd_fail("%s: imported span [%#" PRIx64 ", +%#" PRIx64
			    ") wholly free but kept", ra->name, ra->imp[i].addr,
			    ra->imp[i].size);
	}
}

/* rnd_reports: exactly n reports, the last of class err on ra, came in. */
static void
rnd_reports(struct rnd_arena *ra, int n, enum vmem_error err, const char *what)
{
	if (R.nrep != n)
		rnd_fail("%s: %s: %d reports, want %d (last: %s)", ra->name,
		    what, R.nrep, n, R.nrep ? R.rep_msg : "none");
	else if (n > 0 && (R.rep_err != err || R.rep_vm != ra->vm))
		rnd_fail("%s: %s: reported %s (\"%s\"), want %s", ra->name,
		    what, vmem_strerror(R.rep_err), R.rep_msg,
		    vmem_strerror(err));
}

/* ---- operations */

/* rnd_size: a random size in quanta, mostly small. */
static vmem_size_t
rnd_size(void)
{
	uint64_t u = rnd_below(100);

	if (u < 60)
		return 1 + rnd_below(4);
	if (u < 90)
		return 1 + rnd_below(32);
	if (u < 99)
		return 1 + rnd_below(256);
	return 1 + rnd_below(2048);
}

/* rnd_pow2_atleast: the smallest power of two >= x, x > 0. */
static uint64_t
rnd_pow2_atleast(uint64_t x)
{
	uint64_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/* rnd_strategy: the run's strategy, or now and then another one. */
static int
rnd_strategy(int strat)
{
	static const int all[] = { VM_INSTANTFIT, VM_BESTFIT, VM_NEXTFIT, 0 };

	if (rnd_below(10) == 0)
		return all[rnd_below(4)];
	return strat;
}

/* rnd_make_req: a random valid request on ra. */
static void
rnd_make_req(struct rnd_arena *ra, int strat, bool x, struct rnd_req *r)
{
	vmem_size_t q = ra->q;

	memset(r, 0, sizeof(*r));
	r->x = x;
	r->size = rnd_size() * q;
	r->minaddr = VMEM_ADDR_MIN;
	r->maxaddr = VMEM_ADDR_MAX;
	r->flags = rnd_strategy(strat) |
	    (rnd_below(100) == 0 ? VM_SLEEP : VM_NOSLEEP);
	if (!x)
		return;
	if (rnd_below(2))
		r->align = rnd_below(4) == 0 ? q : q << rnd_below(8);
	if (r->align > q && rnd_below(2))
		r->phase = rnd_below(r->align / q) * q;
	if (rnd_below(3) == 0) {
		uint64_t need = r->phase + r->size;

		if (need < (r->align ? r->align : q))
			need = r->align ? r->align : q;
		r->nocross = rnd_pow2_atleast(need) << rnd_below(3);
	}
	if (rnd_below(3) == 0) {
		uint64_t span = (ra->hi - ra->lo) / q;

		r->minaddr = ra->lo + rnd_below(span) * q;
		if (rnd_below(4) == 0)
			r->minaddr = VMEM_ADDR_MIN;
		if (rnd_below(3)) {
			uint64_t w = r->size / q * (1 + rnd_below(64));

			vmem_addr_t from = r->minaddr > ra->lo ?
			    r->minaddr : ra->lo;

			r->maxaddr = from + w * q - 1;
		}
	}
}

/* rnd_invalid_req: a random request with exactly one invalid argument. */
static enum vmem_error
rnd_invalid_req(struct rnd_arena *ra, int strat, struct rnd_req *r)
{
	vmem_size_t q = ra->q;

	memset(r, 0, sizeof(*r));
	r->x = true;
	r->size = q * (2 + rnd_below(4));
	r->minaddr = VMEM_ADDR_MIN;
	r->maxaddr = VMEM_ADDR_MAX;
	r->flags = strat | VM_NOSLEEP;
	switch (rnd_below(7)) {
	case 0:
		r->align = 3 * q << rnd_below(4);
		return VMEM_ERR_ALIGN;
	case 1:
		r->align = q << rnd_below(4);
		r->phase = r->align + q * rnd_below(3);
		return VMEM_ERR_PHASE;
	case 2:
		r->nocross = q;
		return VMEM_ERR_NOCROSS;
	case 3:
		r->minaddr = ra->lo + 2 * q;
		r->maxaddr = ra->lo + q - 1;
		return VMEM_ERR_RANGE;
	case 4:
		r->size = 0;
		r->x = rnd_below(2);
		return VMEM_ERR_SIZE;
	case 5:
		r->flags = strat | VM_SLEEP | VM_NOSLEEP;
		r->x = rnd_below(2);
		return VMEM_ERR_FLAGS;
	default:
		if (q > 1) {
			r->size = q / 2 + q;
			r->x = rnd_below(2);
			return VMEM_ERR_SIZE;
		}
		r->flags = VM_NOSLEEP | VM_BESTFIT | VM_NEXTFIT;
		return VMEM_ERR_FLAGS;
	}
}

/* rnd_call: vmem_alloc or vmem_xalloc for r. */
static int
rnd_call(struct rnd_arena *ra, const struct rnd_req *r, vmem_addr_t *addrp)
{
	if (!r->x)
		return vmem_alloc(ra->vm, r->size, r->flags, addrp);
	return vmem_xalloc(ra->vm, r->size, r->align, r->phase, r->nocross,
	    r->minaddr, r->maxaddr, r->flags, addrp);
}

/* rnd_constrained: r has a constraint beyond the quantum. */
static bool
rnd_constrained(const struct rnd_arena *ra, const struct rnd_req *r)
{
	return (r->align != 0 && r->align != ra->q) || r->phase != 0 ||
	    r->nocross != 0 || r->minaddr != VMEM_ADDR_MIN ||
	    r->maxaddr != VMEM_ADDR_MAX;
}

/*
 * rnd_alloc: one valid allocation on ra, checked against the free
 * segments before it and the strategy's documented behaviour.
 */
static void
rnd_alloc(struct rnd_arena *ra, int strat, bool x)
{
	struct rnd_req r;
	struct vmem_stats st0, st1;
	vmem_addr_t addr = 0, a, best = 0, first_fit = 0, next_fit = 0;
	vmem_size_t bestsize = 0, align;
	bool have_best = false, have_first = false, have_next = false;
	bool in_free = false, in_new = false, constrained;
	size_t fi = 0;
	int error, fit, nlist = -1, sure;

	rnd_make_req(ra, strat, x, &r);
	fit = r.flags & (VM_INSTANTFIT | VM_BESTFIT | VM_NEXTFIT);
	if (fit == 0)
		fit = VM_INSTANTFIT;
	constrained = rnd_constrained(ra, &r);
	align = r.align ? r.align : ra->q;

	/* what was free, and what the documented strategies would do */
	rnd_nfree = 0;
	vmem_walk(ra->vm, VMEM_FREE, rnd_free_cb, NULL);
	sure = (int)rnd_log2(r.size / ra->q) +
	    ((r.size / ra->q & (r.size / ra->q - 1)) ? 1 : 0);
	for (size_t i = 0; i < rnd_nfree; i++) {
		int order = (int)rnd_log2(rnd_free[i].size / ra->q);

		if (order >= sure && (nlist < 0 || order < nlist))
			nlist = order;
		if (rnd_fit(rnd_free[i].addr, rnd_free[i].size, &r, ra->q,
		    VMEM_ADDR_MIN, &a)) {
			if (!have_best || rnd_free[i].size < bestsize) {
				have_best = true;
				bestsize = rnd_free[i].size;
				best = a;
			}
			if (!have_first) {
				have_first = true;
				first_fit = a;
			}
		}
		if (!have_next && rnd_fit(rnd_free[i].addr, rnd_free[i].size,
		    &r, ra->q, ra->rotor, &a)) {
			have_next = true;
			next_fit = a;
		}
	}

	st0 = *rnd_stats(ra);
	rnd_touch(ra);
	R.req = &r;
	R.nnew = 0;
	R.nrep = 0;
	error = rnd_call(ra, &r, &addr);
	R.req = NULL;
	st1 = *rnd_stats(ra);

	if (error == ENOMEM) {
		R.tot->nomem++;
		if (st1.fails != st0.fails + 1 || st1.allocs != st0.allocs)
			rnd_fail("%s: ENOMEM: fails %" PRIu64 " -> %" PRIu64,
			    ra->name, st0.fails, st1.fails);
		if (r.flags & VM_SLEEP) {
			if (R.nrep < 1 || R.rep_err != VMEM_ERR_DEADLOCK ||
			    R.rep_vm != ra->vm ||
			    st1.waits != st0.waits + 1)
				rnd_fail("%s: VM_SLEEP ENOMEM without a "
				    "deadlock report (%d reports, waits %"
				    PRIu64 ")", ra->name, R.nrep, st1.waits);
		} else
			rnd_reports(ra, 0, VMEM_ERR_NONE, "ENOMEM");
		if (fit == VM_INSTANTFIT && !constrained) {
			if (nlist >= 0)
				rnd_fail("%s: instant fit ENOMEM for %#" PRIx64
				    " with list %d non-empty", ra->name, r.size,
				    nlist);
		} else if (have_best)
			rnd_fail("%s: %s ENOMEM for %#" PRIx64 " align %#"
			    PRIx64 " phase %#" PRIx64 " nocross %#" PRIx64
			    " min %#" PRIx64 " max %#" PRIx64 " but %#" PRIx64
			    " fits",
			    ra->name, vmem_strategy_name(r.flags), r.size,
			    r.align, r.phase, r.nocross, r.minaddr, r.maxaddr,
			    best);
		return;
	}
	if (error != 0) {
		rnd_fail("%s: allocation of %#" PRIx64 " returned %d", ra->name,
		    r.size, error);
		return;
	}
	R.tot->allocs++;
	if (x)
		R.tot->xallocs++;
	rnd_reports(ra, 0, VMEM_ERR_NONE, "allocation");
	if (st1.allocs != st0.allocs + 1)
		rnd_fail("%s: allocs not counted", ra->name);

	/* the constraints */
	if (addr % align != r.phase ||
	    (r.nocross != 0 &&
	    addr / r.nocross != (addr + r.size - 1) / r.nocross) ||
	    addr < r.minaddr || addr + r.size - 1 > r.maxaddr ||
	    addr % ra->q != 0)
		rnd_fail("%s: %#" PRIx64 "+%#" PRIx64 " violates align %#"
		    PRIx64 " phase %#" PRIx64 " nocross %#" PRIx64 " min %#"
		    PRIx64 " max %#" PRIx64, ra->name, addr, r.size, r.align,
		    r.phase, r.nocross, r.minaddr, r.maxaddr);

	/* where it came from */
	for (fi = 0; fi < rnd_nfree; fi++)
		if (addr >= rnd_free[fi].addr &&
		    addr - rnd_free[fi].addr < rnd_free[fi].size)
			break;
	if (fi < rnd_nfree) {
		in_free = addr + r.size - 1 <=
		    rnd_free[fi].addr + rnd_free[fi].size - 1;
	}
	for (size_t i = 0; i < R.nnew; i++)
		if (addr >= R.newspan[i].addr &&
		    addr + r.size <= R.newspan[i].addr + R.newspan[i].size) {
			in_new = true;
			if (!rnd_fit(R.newspan[i].addr, R.newspan[i].size, &r,
			    ra->q, VMEM_ADDR_MIN, &a) || a != addr)
				rnd_fail("%s: %#" PRIx64 " is not the lowest "
				    "fit in the imported span %#" PRIx64,
				    ra->name, addr, R.newspan[i].addr);
		}
	if (in_new) {
		if (have_best && fit != VM_INSTANTFIT)
			rnd_fail("%s: imported although %#" PRIx64 " fits",
			    ra->name, best);
		if (fit == VM_INSTANTFIT && (constrained ? have_best :
		    nlist >= 0))
			rnd_fail("%s: instant fit imported although a free "
			    "segment fits", ra->name);
	} else if (!in_free) {
		rnd_fail("%s: %#" PRIx64 "+%#" PRIx64 " is not inside a free "
		    "segment", ra->name, addr, r.size);
	} else {
		vmem_addr_t low = 0, lownext = 0;
		bool ok = rnd_fit(rnd_free[fi].addr, rnd_free[fi].size, &r,
		    ra->q, VMEM_ADDR_MIN, &low) && low == addr;

		if (!ok && fit == VM_NEXTFIT)
			ok = rnd_fit(rnd_free[fi].addr, rnd_free[fi].size, &r,
			    ra->q, ra->rotor, &lownext) && lownext == addr;
		if (!ok)
			rnd_fail("%s: %#" PRIx64 " is not the lowest fit in "
			    "[%#" PRIx64 ", +%#" PRIx64 ") (%#" PRIx64 ")",
			    ra->name, addr, rnd_free[fi].addr,
			    rnd_free[fi].size, low);
		switch (fit) {
		case VM_BESTFIT:
			if (!have_best || addr != best)
				rnd_fail("%s: best fit %#" PRIx64 " for %#"
				    PRIx64 " align %#" PRIx64 " phase %#" PRIx64
				    " nocross %#" PRIx64 " min %#" PRIx64
				    " max %#" PRIx64 ", brute force %#" PRIx64,
				    ra->name,
				    addr, r.size, r.align, r.phase, r.nocross,
				    r.minaddr, r.maxaddr, best);
			break;
		case VM_NEXTFIT:
			if (ra->rotor_exact && addr !=
			    (have_next ? next_fit : first_fit))
				rnd_fail("%s: next fit %#" PRIx64 " for %#"
				    PRIx64 " (rotor %#" PRIx64 "), want %#"
				    PRIx64, ra->name, addr, r.size, ra->rotor,
				    have_next ? next_fit : first_fit);
			break;
		default:
			if (!constrained) {
				if ((int)rnd_log2(rnd_free[fi].size / ra->q) !=
				    nlist || addr != rnd_free[fi].addr)
					rnd_fail("%s: instant fit %#" PRIx64
					    " from a segment of %#" PRIx64
					    ", want the head of list %d",
					    ra->name, addr, rnd_free[fi].size,
					    nlist);
				if (st1.searches - st0.searches != 1 ||
				    st1.bitmap_lookups -
				    st0.bitmap_lookups != 1)
					rnd_fail("%s: instant fit hit: %" PRIu64
					    " searches, %" PRIu64 " bitmap "
					    "lookups", ra->name,
					    st1.searches - st0.searches,
					    st1.bitmap_lookups -
					    st0.bitmap_lookups);
			}
			break;
		}
	}
	if (fit == VM_NEXTFIT) {
		ra->rotor = addr + r.size;
		ra->rotor_exact = true;
	}
	rnd_live_add(ra, addr, r.size, x ? RND_XALLOC : RND_ALLOC);
}

/* rnd_einval: an invalid request, which must change nothing. */
static void
rnd_einval(struct rnd_arena *ra, int strat)
{
	struct rnd_req r;
	struct vmem_stats st0, st1;
	enum vmem_error err;
	vmem_addr_t addr = 0;
	int error;

	err = rnd_invalid_req(ra, strat, &r);
	st0 = *rnd_stats(ra);
	rnd_touch(ra);
	R.nrep = 0;
	error = rnd_call(ra, &r, &addr);
	st1 = *rnd_stats(ra);
	R.tot->einval++;
	if (error != EINVAL)
		rnd_fail("%s: invalid %s request returned %d", ra->name,
		    vmem_strerror(err), error);
	rnd_reports(ra, 1, err, "invalid request");
	if (vmem_last_error(ra->vm, NULL) != err)
		rnd_fail("%s: last error %s, want %s", ra->name,
		    vmem_strerror(vmem_last_error(ra->vm, NULL)),
		    vmem_strerror(err));
	if (st1.allocs != st0.allocs || st1.fails != st0.fails ||
	    st1.inuse != st0.inuse || st1.busy_segs != st0.busy_segs ||
	    st1.free_segs != st0.free_segs)
		rnd_fail("%s: invalid request changed the arena", ra->name);
}

/* rnd_pick: a random live segment of ra that the test may free, or -1. */
static long
rnd_pick(const struct rnd_arena *ra)
{
	size_t i;

	if (ra->nlive == 0)
		return -1;
	i = rnd_below(ra->nlive);
	for (size_t k = 0; k < ra->nlive; k++, i = (i + 1) % ra->nlive)
		if (ra->live[i].kind != RND_LENT)
			return (long)i;
	return -1;
}

/* rnd_dofree: free a random live segment of ra (or allocate if none). */
static void
rnd_dofree(struct rnd_arena *ra, int strat)
{
	struct vmem_stats st0, st1;
	struct rnd_seg s;
	long i = rnd_pick(ra);

	if (i < 0) {
		rnd_alloc(ra, strat, false);
		return;
	}
	s = ra->live[i];
	rnd_live_del(ra, (size_t)i);
	st0 = *rnd_stats(ra);
	rnd_touch(ra);
	R.nrep = 0;
	if (s.kind == RND_XALLOC || rnd_below(8) == 0)
		vmem_xfree(ra->vm, s.addr, s.size);
	else
		vmem_free(ra->vm, s.addr, s.size);
	st1 = *rnd_stats(ra);
	R.tot->frees++;
	rnd_reports(ra, 0, VMEM_ERR_NONE, "free");
	if (st1.frees != st0.frees + 1)
		rnd_fail("%s: free of %#" PRIx64 " not counted", ra->name,
		    s.addr);
}

/* rnd_misuse: a wrong free, which must be reported and change nothing. */
static void
rnd_misuse(struct rnd_arena *ra)
{
	struct vmem_stats st0, st1;
	enum vmem_error err;
	vmem_addr_t addr;
	vmem_size_t size;
	long i = rnd_pick(ra);
	bool xfree = false;

	switch (rnd_below(3)) {
	case 0:
		if (i < 0)
			return;
		addr = ra->live[i].addr;
		size = ra->live[i].size + ra->q;
		xfree = ra->live[i].kind == RND_XALLOC;
		err = VMEM_ERR_WRONGSIZE;
		break;
	case 1:
		if (i < 0 || ra->live[i].kind != RND_XALLOC)
			return;
		addr = ra->live[i].addr;
		size = ra->live[i].size;
		err = VMEM_ERR_XFREE;
		break;
	default:
		rnd_nfree = 0;
		vmem_walk(ra->vm, VMEM_FREE, rnd_free_cb, NULL);
		if (rnd_nfree == 0)
			return;
		i = (long)rnd_below(rnd_nfree);
		addr = rnd_free[i].addr + rnd_below(rnd_free[i].size / ra->q) *
		    ra->q;
		size = ra->q;
		err = VMEM_ERR_NOTALLOC;
		xfree = rnd_below(2);
		break;
	}
	st0 = *rnd_stats(ra);
	rnd_touch(ra);
	R.nrep = 0;
	if (xfree)
		vmem_xfree(ra->vm, addr, size);
	else
		vmem_free(ra->vm, addr, size);
	st1 = *rnd_stats(ra);
	R.tot->misuse++;
	rnd_reports(ra, 1, err, "misused free");
	if (st1.frees != st0.frees || st1.inuse != st0.inuse ||
	    st1.free_segs != st0.free_segs || st1.busy_segs != st0.busy_segs)
		rnd_fail("%s: misused free of %#" PRIx64 " changed the arena",
		    ra->name, addr);
}

/* rnd_add: vmem_add a new span above every span of ra. */
static void
rnd_add(struct rnd_arena *ra)
{
	vmem_addr_t addr;
	vmem_size_t size;
	int error;

	if (ra->nadded >= RND_MAXADDED)
		return;
	addr = ra->add_next + (rnd_below(2) ? 0 : rnd_below(64) * ra->q);
	size = (1 + rnd_below(512)) * ra->q;
	R.nrep = 0;
	rnd_touch(ra);
	error = vmem_add(ra->vm, addr, size,
	    rnd_below(2) ? VM_SLEEP : VM_NOSLEEP);
	R.tot->adds++;
	if (error != 0) {
		rnd_fail("%s: vmem_add(%#" PRIx64 ", %#" PRIx64 ") = %d",
		    ra->name, addr, size, error);
		return;
	}
	rnd_reports(ra, 0, VMEM_ERR_NONE, "vmem_add");
	ra->added[ra->nadded].addr = addr;
	ra->added[ra->nadded].size = size;
	ra->nadded++;
	ra->add_next = addr + size;
	if (ra->source == NULL && ra->add_next > ra->hi)
		ra->hi = ra->add_next;
	rnd_newspan(ra, addr, size);

	/* an overlapping add must fail and change nothing */
	R.nrep = 0;
	error = vmem_add(ra->vm, addr + rnd_below(size / ra->q) * ra->q,
	    ra->q, VM_NOSLEEP);
	if (error != EINVAL)
		rnd_fail("%s: overlapping vmem_add returned %d", ra->name,
		    error);
	rnd_reports(ra, 1, VMEM_ERR_OVERLAP, "overlapping vmem_add");
}

/* rnd_op: one random operation on ra. */
static void
rnd_op(struct rnd_arena *ra, int strat)
{
	uint64_t u = rnd_below(1000);

	if (ra->nlive >= RND_MAXLIVE)
		rnd_dofree(ra, strat);
	else if (u < 330)
		rnd_alloc(ra, strat, false);
	else if (u < 600)
		rnd_alloc(ra, strat, true);
	else if (u < 612)
		rnd_einval(ra, strat);
	else if (u < 620)
		rnd_misuse(ra);
	else if (u < 624)
		rnd_add(ra);
	else
		rnd_dofree(ra, strat);
}

/* ---- runs */

/* rnd_arena_init: model and arena for name with one span. */
static void
rnd_arena_init(struct rnd_arena *ra, const char *name, vmem_addr_t base,
    vmem_size_t size, vmem_size_t q)
{
	memset(ra, 0, sizeof(*ra));
	ra->name = name;
	ra->q = q;
	ra->iq = q;
	ra->vm = vmem_create(name, base, size, q, 0, VM_NOSLEEP);
	if (ra->vm == NULL)
		tap_bail("vmem_create %s failed", name);
	if (size != 0) {
		ra->added[0].addr = base;
		ra->added[0].size = size;
		ra->nadded = 1;
	}
	ra->add_next = base + size;
	ra->lo = base;
	ra->hi = base + size;
	ra->rotor_exact = true;	/* no rotor yet: a first fit */
}

/* rnd_arena_fini: free everything left in ra and destroy it. */
static void
rnd_arena_fini(struct rnd_arena *ra)
{
	long i;

	while (!R.failed && (i = rnd_pick(ra)) >= 0) {
		struct rnd_seg s = ra->live[i];

		rnd_live_del(ra, (size_t)i);
		rnd_touch(ra);
		if (s.kind == RND_XALLOC)
			vmem_xfree(ra->vm, s.addr, s.size);
		else
			vmem_free(ra->vm, s.addr, s.size);
		rnd_verify(ra);
		if (ra->source != NULL)
			rnd_verify(ra->source);
	}
	if (!R.failed && ra->nimp != 0)
		rnd_fail("%s: %zu imported spans left after freeing everything",
		    ra->name, ra->nimp);
	R.nrep = 0;
	vmem_destroy(ra->vm);
	if (!R.failed)
		rnd_reports(ra, 0, VMEM_ERR_NONE, "destroy");
	free(ra->live);
	free(ra->imp);
	ra->live = NULL;
	ra->imp = NULL;
	ra->vm = NULL;
}

/*
 * rnd_run: one run of nops operations with seed, strategy strat and
 * quantum q: the first half on a source arena, the second mostly on a
 * child importing from it.
 */
static void
rnd_run(uint64_t seed, int strat, vmem_size_t q, uint64_t nops,
    struct rnd_totals *tot)
{
	struct rnd_arena *src = &R.src, *child = &R.child;
	vmem_addr_t base;

	memset(&R, 0, sizeof(R));
	R.seed = seed;
	R.strat = vmem_strategy_name(strat);
	R.tot = tot;
	rnd_state = seed;
	base = (UINT64_C(1) << 32) + rnd_below(1024) * q;
	rnd_arena_init(src, "source", base, 4096 * q, q);

	for (R.op = 0; R.op < nops / 2 && !R.failed; R.op++) {
		rnd_op(src, strat);
		rnd_verify(src);
	}
	if (R.failed) {
		tot->ops += R.op;
		rnd_dump();
		rnd_arena_fini(src);
		tap_ok(0, "seed %" PRIu64 " %s quantum %#" PRIx64 ": stopped "
		    "at op %" PRIu64, seed, R.strat, q, R.op - 1);
		return;
	}

	/* the child, with spans of its own far above the source */
	rnd_arena_init(child, "child", UINT64_C(1) << 44, 0, q);
	child->source = src;
	child->iq = q << rnd_below(6);
	child->lo = src->lo;
	child->hi = src->hi;
	child->add_next = (UINT64_C(1) << 44);
	if (vmem_set_import(child->vm, rnd_import, rnd_release, child,
	    child->iq) != 0)
		rnd_fail("vmem_set_import failed");
	/* make room in the source */
	for (int k = 0; k < 128 && !R.failed; k++)
		rnd_dofree(src, strat);
	rnd_verify(src);
	for (; R.op < nops && !R.failed; R.op++) {
		uint64_t lent = child->imports + child->releases;
		uint64_t srcerr = src->errors;

		if (rnd_below(8) == 0) {
			rnd_op(src, strat);
			child->hi = src->hi;
			rnd_verify(src);
		} else {
			rnd_op(child, strat);
			/* the source changes by imports, releases, reports */
			if (child->imports + child->releases != lent ||
			    src->errors != srcerr)
				rnd_verify(src);
		}
		rnd_verify(child);
	}
	tot->ops += R.op;
	if (R.failed)
		rnd_dump();
	rnd_arena_fini(child);
	rnd_verify(src);
	rnd_arena_fini(src);
	tap_ok(!R.failed, "seed %" PRIu64 " %s quantum %#" PRIx64 ": %" PRIu64
	    " operations checked", seed, R.strat, q, R.op);
}

int
main(void)
{
	static const struct {
		uint64_t seed;
		vmem_size_t quantum;
	} seeds[] = {
		{ 1, 0x1000 },
		{ 0x5eed, 1 },
		{ 20010625, 64 },
		{ UINT64_C(0xdeadbeefcafe), 0x2000 },
	};
	static const int strats[] = { VM_INSTANTFIT, VM_BESTFIT, VM_NEXTFIT };

	vmem_set_default_error_handler(rnd_handler, NULL);
	for (size_t s = 0; s < sizeof(strats) / sizeof(strats[0]); s++) {
		struct rnd_totals tot;

		memset(&tot, 0, sizeof(tot));
		for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
			rnd_run(seeds[i].seed, strats[s], seeds[i].quantum,
			    RND_OPS, &tot);
		tap_ok(tot.ops >= 200000, "%s: %" PRIu64 " operations",
		    vmem_strategy_name(strats[s]), tot.ops);
		tap_diag("%s: %" PRIu64 " ops: %" PRIu64 " allocs (%" PRIu64
		    " xalloc), %" PRIu64 " ENOMEM (%" PRIu64 " deadlock "
		    "reports), %" PRIu64 " frees, %" PRIu64 " imports, %"
		    PRIu64 " releases, %" PRIu64 " EINVAL, %" PRIu64
		    " misused frees, %" PRIu64 " adds",
		    vmem_strategy_name(strats[s]), tot.ops, tot.allocs,
		    tot.xallocs, tot.nomem, tot.deadlocks, tot.frees,
		    tot.imports, tot.releases, tot.einval, tot.misuse,
		    tot.adds);
		tap_ok(tot.allocs > 0 && tot.nomem > 0 && tot.frees > 0 &&
		    tot.imports > 0 && tot.releases > 0 && tot.einval > 0 &&
		    tot.misuse > 0 && tot.adds > 0 && tot.deadlocks > 0,
		    "%s: every kind of operation happened",
		    vmem_strategy_name(strats[s]));
	}
	free(rnd_free);
	return tap_done();
}
