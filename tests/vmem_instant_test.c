/*
 * tests/vmem_instant_test.c: the work of an unconstrained instant fit does
 * not depend on the number of free segments.
 *
 * lib/vmem.c (theory section 4) documents that an unconstrained
 * VM_INSTANTFIT request costs exactly one freelist bitmap lookup and
 * examines at most one free segment, hit or miss: one segment on a hit,
 * none on a miss.  This test builds arenas holding n free segments that
 * cannot coalesce, for n = 10, 1,000 and 100,000: n holes of 3 quanta
 * (freelist 1) between busy single quanta, and a free tail of 64 quanta
 * (freelist 6).  It measures, per request, the increase of the statistics
 * searches (free segments examined) and bitmap_lookups, for hits of 1, 2,
 * 3 and 33 quanta and for misses (65 quanta, larger than anything free, and
 * 3 quanta with the tail taken, although 3-quantum holes exist), and
 * asserts the documented constants exactly at every n.
 *
 * The contrast shows that the test can fail: VM_BESTFIT for 2 quanta on
 * the same arenas reads the whole of freelist 1 (section 4: the first list
 * holding a fitting segment is scanned to its end), n segments, growing
 * with n.
 *
 * With --enable-sanity every operation runs vmem_check over the whole
 * arena, so building 100,000 holes would take quadratic time; that build
 * uses 5,000 holes for the largest arena instead (said in a diagnostic).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/vmem.h>

#include "tap.h"

#define Q	((vmem_size_t)0x1000)
#define NS	VM_NOSLEEP
#define TAIL	64		/* quanta in the free tail */
#define BASE	((vmem_addr_t)0x100000000)

#define INST_REPS	20	/* times each request is measured */

#ifdef KML_SANITY
#define INST_LARGE	5000
#else
#define INST_LARGE	100000
#endif

/* The work one request did. */
struct inst_work {
	uint64_t searches;
	uint64_t bitmap_lookups;
};

/* inst_stats: vm's statistics. */
static struct vmem_stats
inst_stats(vmem_t *vm)
{
	struct vmem_stats st;

	vmem_stats(vm, &st);
	return st;
}

/*
 * inst_build: an arena with n holes of 3 quanta at BASE + (4i+1) quanta,
 * i < n, each between busy single quanta, and a free tail of TAIL quanta.
 * => returns NULL (after a failed check) if the layout is not as built.
 */
static vmem_t *
inst_build(unsigned n)
{
	vmem_size_t total = (4 * (vmem_size_t)n + 1 + TAIL) * Q;
	struct vmem_stats st;
	vmem_addr_t a, want = BASE;
	char buf[256];
	vmem_t *vm;

	vm = vmem_create("instant", BASE, total, Q, 0, NS);
	if (vm == NULL)
		tap_bail("vmem_create: %s", strerror(errno));
	for (unsigned i = 0; i < 2 * n + 1; i++) {
		vmem_size_t size = (i % 2 ? 3 : 1) * Q;

		if (vmem_alloc(vm, size, NS, &a) != 0 || a != want) {
			tap_ok(0, "n %u: allocation %u at %#" PRIx64, n, i,
			    want);
			vmem_destroy(vm);
			return NULL;
		}
		want += size;
	}
	/* free the holes in address order: each new head is higher */
	for (unsigned i = 0; i < n; i++)
		vmem_free(vm, BASE + (4 * (vmem_addr_t)i + 1) * Q, 3 * Q);
	st = inst_stats(vm);
	tap_is(st.free_segs, n + 1, "n %u: %u holes and the tail are free",
	    n, n);
	tap_is(st.busy_segs, n + 1, "n %u: %u busy guards", n, n + 1);
	tap_is(st.largest_free, TAIL * Q, "n %u: largest free is the tail", n);
	buf[0] = '\0';
	tap_ok(vmem_check(vm, buf, sizeof(buf)) == 0, "n %u: vmem_check %s", n,
	    buf);
	return vm;
}

/*
 * inst_request: one vmem_alloc of q quanta with flags; returns the work it
 * did, and frees the segment again (which restores the layout by
 * coalescing).  *errorp gets the result, *addrp the address.
 */
static struct inst_work
inst_request(vmem_t *vm, vmem_size_t q, int flags, int *errorp,
    vmem_addr_t *addrp)
{
	struct vmem_stats st0, st1;
	struct inst_work w;

	st0 = inst_stats(vm);
	*errorp = vmem_alloc(vm, q * Q, flags, addrp);
	st1 = inst_stats(vm);
	w.searches = st1.searches - st0.searches;
	w.bitmap_lookups = st1.bitmap_lookups - st0.bitmap_lookups;
	if (*errorp == 0)
		vmem_free(vm, *addrp, q * Q);
	return w;
}

/*
 * inst_level: the checks on an arena with n holes.
 * => *bestp gets the segments a best fit of 2 quanta examined.
 */
static void
inst_level(unsigned n, uint64_t *bestp)
{
	static const struct {
		vmem_size_t q;		/* request in quanta */
		bool hit;
		const char *where;	/* what it takes, for the names */
	} req[] = {
		{ 1, true, "a hole (list 1 is the first non-empty one)" },
		{ 2, true, "a hole (list 1 surely fits 2)" },
		{ 3, true, "the tail (lists >= 2)" },
		{ 33, true, "the tail (lists >= 6)" },
		{ 64, true, "the tail (list 6)" },
		{ 65, false, "nothing (lists >= 7 are empty)" },
		{ 1000, false, "nothing (lists >= 10 are empty)" },
	};
	struct inst_work w, worst;
	vmem_addr_t addr = 0, tail, a;
	vmem_t *vm;
	int error;

	vm = inst_build(n);
	if (vm == NULL)
		return;
	tail = BASE + (4 * (vmem_addr_t)n + 1) * Q;
	for (size_t k = 0; k < sizeof(req) / sizeof(req[0]); k++) {
		memset(&worst, 0, sizeof(worst));
		for (int rep = 0; rep < INST_REPS; rep++) {
			w = inst_request(vm, req[k].q, NS | VM_INSTANTFIT,
			    &error, &addr);
			if (w.searches > worst.searches)
				worst.searches = w.searches;
			if (w.bitmap_lookups > worst.bitmap_lookups)
				worst.bitmap_lookups = w.bitmap_lookups;
			if (error != (req[k].hit ? 0 : ENOMEM))
				break;
		}
		tap_is(error, req[k].hit ? 0 : ENOMEM,
		    "n %u: instant fit of %" PRIu64 " quanta takes %s", n,
		    req[k].q, req[k].where);
		if (req[k].hit && req[k].q >= 3)
			tap_is(addr, tail, "n %u: %" PRIu64
			    " quanta from the tail", n, req[k].q);
		else if (req[k].hit)
			tap_ok(addr >= BASE && addr < tail &&
			    (addr - BASE) / Q % 4 == 1, "n %u: %" PRIu64
			    " quanta from a hole (%#" PRIx64 ")", n, req[k].q,
			    addr);
		tap_is(worst.searches, req[k].hit ? 1 : 0,
		    "n %u: instant fit of %" PRIu64 " quanta examines %d "
		    "segment(s)", n, req[k].q, req[k].hit ? 1 : 0);
		tap_is(worst.bitmap_lookups, 1,
		    "n %u: instant fit of %" PRIu64 " quanta: one bitmap "
		    "lookup", n, req[k].q);
	}

	/* Take the tail: now 3 quanta miss although 3-quantum holes exist. */
	if (vmem_alloc(vm, TAIL * Q, NS, &a) != 0 || a != tail)
		tap_ok(0, "n %u: taking the tail", n);
	memset(&worst, 0, sizeof(worst));
	for (int rep = 0; rep < INST_REPS; rep++) {
		w = inst_request(vm, 3, NS, &error, &addr);
		if (w.searches > worst.searches)
			worst.searches = w.searches;
		if (w.bitmap_lookups > worst.bitmap_lookups)
			worst.bitmap_lookups = w.bitmap_lookups;
	}
	tap_is(error, ENOMEM, "n %u: instant fit of 3 quanta misses the "
	    "3-quantum holes (list 1)", n);
	tap_is(worst.searches, 0, "n %u: the miss examines no segment", n);
	tap_is(worst.bitmap_lookups, 1, "n %u: the miss: one bitmap lookup", n);
	w = inst_request(vm, 3, NS | VM_BESTFIT, &error, &addr);
	tap_is(error, 0, "n %u: best fit of 3 quanta finds a hole", n);
	tap_is(w.searches, n, "n %u: best fit of 3 quanta read all of list 1",
	    n);
	vmem_free(vm, tail, TAIL * Q);

	/* The contrast: best fit reads the whole list. */
	w = inst_request(vm, 2, NS | VM_BESTFIT, &error, &addr);
	tap_is(error, 0, "n %u: best fit of 2 quanta", n);
	tap_is(addr, BASE + Q, "n %u: best fit: the lowest hole", n);
	tap_is(w.searches, n, "n %u: best fit of 2 quanta examines all %u "
	    "holes", n, n);
	*bestp = w.searches;
	tap_diag("n %u free holes: instant fit hit 1 segment, 1 bitmap lookup; "
	    "miss 0 segments, 1 bitmap lookup; best fit %" PRIu64 " segments",
	    n, w.searches);

	/* nothing went wrong, and everything can be freed */
	tap_is(inst_stats(vm).errors, 0, "n %u: no error reported", n);
	for (unsigned i = 0; i <= n; i++)
		vmem_free(vm, BASE + 4 * (vmem_addr_t)i * Q, Q);
	tap_is(vmem_size(vm, VMEM_ALLOC), 0, "n %u: all freed", n);
	tap_is(inst_stats(vm).free_segs, 1, "n %u: one free segment left", n);
	vmem_destroy(vm);
}

int
main(void)
{
	static const unsigned levels[] = { 10, 1000, INST_LARGE };
	uint64_t best[3] = { 0, 0, 0 };

#ifdef KML_SANITY
	tap_diag("--enable-sanity: the largest arena has %u holes, not 100000",
	    INST_LARGE);
#endif
	for (size_t i = 0; i < 3; i++)
		inst_level(levels[i], &best[i]);
	tap_ok(best[0] < best[1] && best[1] < best[2],
	    "best fit work grows with the free segments: %" PRIu64 " < %"
	    PRIu64 " < %" PRIu64, best[0], best[1], best[2]);
	return tap_done();
}
