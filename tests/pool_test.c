/*
 * tests/pool_test.c: TAP test of pool(9) (kmemlab/pool.h, lib/pool.c) on
 * the page layer (kmemlab/uvm_km.h).
 *
 * How: each case sets the page layer up afresh (pt_setup; 1 GiB of 4 KiB
 * pages unless said otherwise) on the uniprocessor environment at clock
 * 0, with a default pool error handler that records every report
 * (pt_handler), so nothing is printed, and checks exact values after each
 * step: item addresses (the first pool page of a fresh page layer is the
 * start of the kernel address space, 0xffff800000000000), every field of
 * pool_stats (the columns of vmstat -m), the class and text of every
 * report, and that pool_check passes.
 *
 *  - pool_init: the page header in or off the page by the rule of
 *    lib/pool.c section 1 (with its in-page header of 64 bytes), items per
 *    page, alignment and ioff, colouring of successive pages, and the big
 *    pages chosen for items larger than a page;
 *  - pool_get / pool_put: page lists (a partial page first), statistics,
 *    flags, PR_ZERO; misuse (foreign address, an address in the header or
 *    inside an item, past the last item, a double put) reported with its
 *    class and message and changing nothing; pool_destroy with items out;
 *  - limits: pool_setlowat, pool_sethiwat, pool_sethardlimit with its
 *    warning rate-limited in virtual time (costs set to 0 so that only
 *    kml_delay moves the clock), the drain hook, PR_LIMITFAIL, and
 *    PR_WAITOK at the limit (a deadlock report in the uniprocessor
 *    environment; in a fake two-CPU environment another thread's pool_put
 *    wakes the sleeper);
 *  - pool_prime, pool_reclaim of pages idle for the idle interval,
 *    pool_drain, pool_first/pool_next/pool_name, the statistics table;
 *  - memory pressure on a 512-page machine: pools filled until PR_NOWAIT
 *    fails, emptied, then a request that needs memory runs the pagedaemon,
 *    whose idle-pages reclaimer (registered by the pool module) gives the
 *    aged pages back;
 *  - a randomized test: several pools of different sizes, alignments and
 *    offsets (two with items larger than a page), fixed seeds, more than
 *    100,000 operations, checking after every step that pool_check
 *    passes, that avail + inuse == npages * itemsperpage, that no item is
 *    handed out twice, that every item lies in a page that the back end
 *    handed to its pool and did not take back (pages are tracked by a
 *    struct pool_allocator wrapping pool_allocator_kmem) and is aligned,
 *    and that the page layer's wired pages are what kmem_va_arena handed out.
 *    On a failure the seed and the step are printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/pool.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "fakeenv.h"
#include "tap.h"

#define PG	UINT64_C(4096)			/* page size of every case */
#define KVA	UINT64_C(0xffff800000000000)	/* kernel address space */
#define SEC	UINT64_C(1000000000)		/* a second of virtual time */
#define NW	PR_NOWAIT
#define WOK	PR_WAITOK

/* ---- capturing stderr */

static FILE *pt_errfp;
static int pt_saved_fd = -1;
static char pt_errbuf[8192];

/* pt_err_begin: send stderr to a temporary file until pt_err_end. */
static void
pt_err_begin(void)
{
	fflush(stderr);
	pt_errfp = tmpfile();
	if (pt_errfp == NULL)
		tap_bail("tmpfile failed");
	pt_saved_fd = dup(2);
	if (pt_saved_fd < 0 || dup2(fileno(pt_errfp), 2) < 0)
		tap_bail("cannot redirect stderr");
}

/* pt_err_end: restore stderr; return what was written meanwhile. */
static const char *
pt_err_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(pt_saved_fd, 2);
	close(pt_saved_fd);
	pt_saved_fd = -1;
	rewind(pt_errfp);
	n = fread(pt_errbuf, 1, sizeof(pt_errbuf) - 1, pt_errfp);
	pt_errbuf[n] = '\0';
	fclose(pt_errfp);
	pt_errfp = NULL;
	return pt_errbuf;
}

/* ---- error reports */

static struct {
	int n;				/* # of reports */
	enum pool_error err;		/* class of the last one */
	struct pool *pp;		/* its pool */
	char msg[512];			/* its message */
	char seq[64];			/* classes in order, one digit each */
} pt_rep;

/* pt_handler: the default pool error handler: record the report. */
static void
pt_handler(void *arg, struct pool *pp, enum pool_error err, const char *msg)
{
	size_t len = strlen(pt_rep.seq);

	(void)arg;
	pt_rep.n++;
	pt_rep.err = err;
	pt_rep.pp = pp;
	snprintf(pt_rep.msg, sizeof(pt_rep.msg), "%s", msg);
	if (len < sizeof(pt_rep.seq) - 1) {
		pt_rep.seq[len] = (char)('0' + (int)err);
		pt_rep.seq[len + 1] = '\0';
	}
}

/* pt_rep_reset: forget the reports seen so far. */
static void
pt_rep_reset(void)
{
	memset(&pt_rep, 0, sizeof(pt_rep));
}

static int pt_vmem_reports;		/* reports of the page layer's arenas */

/* pt_vmem_handler: count vmem reports (there should be none). */
static void
pt_vmem_handler(void *arg, vmem_t *vm, enum vmem_error err, const char *msg)
{
	(void)arg;
	(void)vm;
	(void)err;
	tap_diag("vmem report: %s", msg);
	pt_vmem_reports++;
}

/* ---- set-up */

static bool pt_up;			/* the page layer is up */

/* pt_teardown: the page layer down (the case destroyed its pools). */
static void
pt_teardown(void)
{
	const char *err;

	if (!pt_up)
		return;
	pt_err_begin();
	uvm_fini();
	err = pt_err_end();
	if (err[0] != '\0')
		tap_diag("uvm_fini said: %s", err);
	pt_up = false;
}

/*
 * pt_setup: the uniprocessor environment at clock 0 with default costs,
 * the test's handlers, and a fresh page layer of physpages pages of 4 KiB
 * with marks 16 and 32.
 */
static void
pt_setup(uint64_t physpages)
{
	struct uvm_params p;

	pt_teardown();
	kml_env_set(NULL, NULL);
	kml_env_uni_reset();
	kml_cost_reset();
	kml_set_panic_handler(fakeenv_panic);
	vmem_set_default_error_handler(pt_vmem_handler, NULL);
	pool_set_default_error_handler(pt_handler, NULL);
	pt_rep_reset();
	uvm_params_default(&p);
	p.up_physpages = physpages;
	p.up_pagesize = PG;
	p.up_lowat = 16;
	p.up_hiwat = 32;
	if (uvm_init(&p) != 0)
		tap_bail("uvm_init failed");
	pt_up = true;
}

/* pt_zero_costs: every cost 0, so that only kml_delay moves the clock. */
static void
pt_zero_costs(void)
{
	for (int i = 0; i < KML_COST_NCOSTS; i++)
		kml_cost_set(kml_costdesc[i].cd_name, 0);
}

/* pt_stats: pp's statistics now. */
static struct pool_stats
pt_stats(struct pool *pp)
{
	struct pool_stats st;

	pool_stats(pp, &st);
	return st;
}

/* pt_uvm: the page layer's statistics now. */
static struct uvm_stats
pt_uvm(void)
{
	struct uvm_stats st;

	uvm_stats(&st);
	return st;
}

/* pt_check: pool_check(pp) passes after what. */
static void
pt_check(struct pool *pp, const char *what)
{
	char buf[512];
	int rc;

	buf[0] = '\0';
	rc = pool_check(pp, buf, sizeof(buf));
	tap_ok(rc == 0, "%s: pool_check%s%s", what, rc ? ": " : "", buf);
}

/*
 * pt_is_stats: pp's vmstat -m columns are exactly these (Requests, Fail,
 * Releases, InUse, Avail, Pgreq, Pgrel, Npage, Hiwat, Idle), as one check.
 */
static void
pt_is_stats(struct pool *pp, uint64_t nget, uint64_t nfail, uint64_t nput,
    uint64_t inuse, uint64_t avail, uint64_t pgreq, uint64_t pgrel,
    uint64_t npage, uint64_t hiwat, uint64_t idle, const char *what)
{
	struct pool_stats st = pt_stats(pp);
	char got[256], want[256];

	snprintf(got, sizeof(got), "req %" PRIu64 " fail %" PRIu64 " rel %"
	    PRIu64 " inuse %" PRIu64 " avail %" PRIu64 " pgreq %" PRIu64
	    " pgrel %" PRIu64 " npage %" PRIu64 " hiwat %" PRIu64 " idle %"
	    PRIu64, st.nget, st.nfail, st.nput, st.inuse, st.avail,
	    st.npagealloc, st.npagefree, st.npages, st.hiwat, st.nidle);
	snprintf(want, sizeof(want), "req %" PRIu64 " fail %" PRIu64 " rel %"
	    PRIu64 " inuse %" PRIu64 " avail %" PRIu64 " pgreq %" PRIu64
	    " pgrel %" PRIu64 " npage %" PRIu64 " hiwat %" PRIu64 " idle %"
	    PRIu64, nget, nfail, nput, inuse, avail, pgreq, pgrel, npage,
	    hiwat, idle);
	tap_is_str(got, want, "%s: vmstat -m columns", what);
}

/*
 * pt_uvm_ok: 0 if the page layer's wired pages are exactly what is
 * allocated from kmem_va_arena (the pools' pages: the only users here)
 * and free + wired + raw == physical pages; else -1
 * with the discrepancy in why[0..len).
 */
static int
pt_uvm_ok(char *why, size_t len)
{
	struct uvm_stats st = pt_uvm();

	if (st.freepages + st.wiredpages + st.rawpages != st.physpages) {
		snprintf(why, len,
		    "free %" PRIu64 " + wired %" PRIu64 " + raw %"
		    PRIu64 " != physical %" PRIu64, st.freepages, st.wiredpages,
		    st.rawpages, st.physpages);
		return -1;
	}
	if (st.wiredpages * PG != vmem_size(kmem_va_arena, VMEM_ALLOC)) {
		snprintf(why, len,
		    "wired %" PRIu64 " pages, kmem_va_arena allocated %"
		    PRIu64 " bytes", st.wiredpages,
		    vmem_size(kmem_va_arena, VMEM_ALLOC));
		return -1;
	}
	return 0;
}

/* pt_uvm_invariants: pt_uvm_ok as a check, after what. */
static void
pt_uvm_invariants(const char *what)
{
	char why[256] = "";
	int rc = pt_uvm_ok(why, sizeof(why));

	tap_ok(rc == 0, "%s: page layer accounting%s%s", what, rc ? ": " : "",
	    why);
}

/* ---- a fake environment: two CPUs, CPU 1 plays another thread */

/*
 * pt_fake_install: the fake environment (tests/fakeenv.h) with two CPUs,
 * threads 100 and 101, CPU 0 current; a sleep runs other on CPU 1 and
 * returns 0 if that woke the sleeper, else KML_EDEADLK.
 */
static void
pt_fake_install(void (*other)(unsigned))
{
	fakeenv_install("pt-fake", 2, 100);
	fakeenv.fe_on_sleep = fakeenv_other_wakes;
	fakeenv.fe_other = other;
	fakeenv.fe_other_cpu = 1;
}

/* ---- pool_init choices */

/* One layout: the arguments and what lib/pool.c section 1 makes of them. */
struct pt_layout {
	const char *name;
	size_t size;
	unsigned align, ioff;
	int flags;
	uint64_t isize;		/* item size after alignment */
	uint64_t pagesz;	/* page size chosen */
	bool inpage;		/* header in the page */
	uint64_t off;		/* offset of item 0 on a page of colour 0 */
	uint64_t ipp;		/* items per page */
	uint64_t maxcolor;	/* largest colour */
};

/*
 * pt_colour: the colour of the n-th page of a pool (0, align, 2 align, ...
 * while not above maxcolor, then 0 again).
 */
static uint64_t
pt_colour(const struct pt_layout *l, unsigned n)
{
	uint64_t c = 0, align = l->align ? l->align : 8;

	for (unsigned i = 0; i < n; i++) {
		c += align;
		if (c > l->maxcolor)
			c = 0;
	}
	return c;
}

/*
 * pt_layout1: make a pool with layout l on a fresh page layer, check its
 * statistics, then fill npages pages item by item and check that item i
 * of page n is at page + off + colour(n) + i * isize, that the first page
 * is the start of the address space, and that (item + ioff) % align == 0.
 */
static void
pt_layout1(const struct pt_layout *l, unsigned npages)
{
	struct pool pp;
	struct pool_stats st;
	vmem_addr_t item, page = 0, first = 0;
	uint64_t bad = 0, badalign = 0;
	uint64_t align = l->align ? l->align : 8;

	pt_setup(262144);
	pool_init(&pp, l->size, l->align, l->ioff, l->flags, l->name, NULL, 0);
	st = pt_stats(&pp);
	tap_is(st.size, l->isize, "layout %s: item size %" PRIu64, l->name,
	    l->isize);
	tap_is(st.pagesize, l->pagesz, "layout %s: page size %" PRIu64, l->name,
	    l->pagesz);
	tap_is(st.itemsperpage, l->ipp,
	    "layout %s: %" PRIu64 " items per page (header %s)",
	    l->name, l->ipp, l->inpage ? "in the page" : "off the page");
	tap_is(st.npages + st.inuse + st.avail, 0, "layout %s: no page yet",
	    l->name);
	for (unsigned n = 0; n < npages; n++) {
		uint64_t want = l->off + pt_colour(l, n);

		for (uint64_t i = 0; i < l->ipp; i++) {
			item = pool_get(&pp, NW);
			if (i == 0) {
				page = item & ~(l->pagesz - 1);
				if (n == 0)
					first = page;
			}
			if (item != page + want + i * l->isize) {
				if (bad++ < 3)
					tap_diag("layout %s: page %u item "
					    "%" PRIu64
					    ": %#" PRIx64 ", want %#" PRIx64,
					    l->name, n, i, item,
					    page + want + i * l->isize);
			}
			if ((item + l->ioff) % align != 0)
				badalign++;
		}
	}
	tap_is(first, KVA,
	    "layout %s: first page at the start of kernel memory", l->name);
	tap_is(bad, 0, "layout %s: items of %u pages at offset %" PRIu64
	    " + colour (max %" PRIu64 ") + i * %" PRIu64, l->name, npages,
	    l->off,
	    l->maxcolor, l->isize);
	tap_is(badalign, 0,
	    "layout %s: every item has (item + %u) %% %" PRIu64 " == 0",
	    l->name, l->ioff, align);
	st = pt_stats(&pp);
	tap_is(st.npages, npages, "layout %s: %u pages", l->name, npages);
	tap_is(st.inuse, npages * l->ipp, "layout %s: all items out", l->name);
	tap_is(st.utilization, l->ipp * l->isize * 1000 / l->pagesz,
	    "layout %s: utilization per mille", l->name);
	pt_check(&pp, l->name);
	pt_rep_reset();
	pool_destroy(&pp);
	tap_is(pt_rep.n, 1, "layout %s: destroy with items out: one report",
	    l->name);
	tap_is(pt_rep.err, POOL_ERR_BUSY, "layout %s: POOL_ERR_BUSY", l->name);
	tap_is(pt_uvm().wiredpages, 0, "layout %s: every page given back",
	    l->name);
}

/* pt_layouts: header place, items per page, alignment, colour, big pages. */
static void
pt_layouts(void)
{
	static const struct pt_layout l[] = {
		/* small items: header in the page */
		{ "in32", 32, 0, 0, 0, 32, PG, true, 64, 126, 0 },
		{ "in248", 248, 0, 0, 0, 248, PG, true, 64, 16, 64 },
		/* not small, but the header wastes no item: in */
		{ "in1000", 1000, 0, 0, 0, 1000, PG, true, 64, 4, 32 },
		{ "in300", 300, 0, 0, 0, 304, PG, true, 64, 13, 80 },
		/* the header would waste an item: off */
		{ "off256", 256, 0, 0, 0, 256, PG, false, 0, 16, 0 },
		{ "off2048", 2048, 0, 0, 0, 2048, PG, false, 0, 2, 0 },
		{ "off4096", 4096, 0, 0, 0, 4096, PG, false, 0, 1, 0 },
		/* flags */
		{ "notouch", 32, 0, 0, PR_NOTOUCH, 32, PG, false, 0, 128, 0 },
		{ "noalign", 32, 0, 0, PR_NOALIGN, 32, PG, false, 0, 128, 0 },
		{ "phinpage", 2048, 0, 0, PR_PHINPAGE, 2048, PG, true, 64, 1,
		    1984 },
		{ "notouch-ph", 32, 0, 0, PR_NOTOUCH | PR_PHINPAGE, 32, PG,
		    true, 64, 126, 0 },
		/* alignment and ioff */
		{ "align64", 100, 64, 0, 0, 128, PG, true, 64, 31, 64 },
		{ "ioff4", 40, 16, 4, 0, 48, PG, true, 76, 83, 32 },
		{ "ioff8-off", 512, 64, 8, 0, 512, PG, false, 56, 7, 448 },
		{ "align4096", 100, 4096, 0, 0, 4096, PG, false, 0, 1, 0 },
		/* items larger than a page: big pages */
		{ "big5000", 5000, 0, 0, 0, 5000, 8192, true, 64, 1, 3128 },
		{ "big8192", 8192, 0, 0, 0, 8192, 8192, false, 0, 1, 0 },
		{ "big12000", 12000, 256, 100, 0, 12032, 16384, true, 156, 1,
		    4096 },
		{ "big100000", 100000, 0, 0, 0, 100000, 131072, true, 64, 1,
		    30944 },
	};

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		uint64_t ncolours = l[i].maxcolor /
		    (l[i].align ? l[i].align : 8) + 1;
		unsigned npages = 3;

		/* enough pages to see the colours wrap, if there are few */
		if (ncolours + 1 <= 12)
			npages = (unsigned)ncolours + 1;
		if (npages < 3)
			npages = 3;
		pt_layout1(&l[i], npages);
	}
	pt_teardown();
}

/* pt_init_panics: bad pool_init arguments are panics. */
static void
pt_init_panics(void)
{
	struct pool pp;
	struct pool_stats st;

	pt_setup(262144);
	FAKEENV_TRY(pool_init(&pp, 64, 48, 0, 0, "badalign", NULL, 0));
	tap_ok(fakeenv_caught, "init: align 48 panics");
	tap_contains(fakeenv_panicmsg,
	    "pool_init \"badalign\": size 64 align 48 ioff 0",
	    "init: panic names the pool and the arguments");
	FAKEENV_TRY(pool_init(&pp, 64, 16, 16, 0, "badioff", NULL, 0));
	tap_ok(fakeenv_caught, "init: ioff == align panics");
	FAKEENV_TRY(pool_init(&pp, 0, 0, 0, 0, "size0", NULL, 0));
	tap_ok(fakeenv_caught, "init: size 0 panics");
	FAKEENV_TRY(pool_init(&pp, 64, 0, 0, PR_WAITOK, "badflags", NULL, 0));
	tap_ok(fakeenv_caught, "init: a pool_get flag given to pool_init panics");
	tap_contains(fakeenv_panicmsg, "pool_init \"badflags\": flags 0x100",
	    "init: panic names the flags");
	FAKEENV_TRY(pool_init(&pp, 4096, 0, 0, PR_PHINPAGE, "nofit",
	    &pool_allocator_kmem, 0));
	tap_ok(fakeenv_caught,
	    "init: a page-sized item with its header in the page panics");
	tap_contains(fakeenv_panicmsg,
	    "item of 4096 bytes does not fit a page of 4096",
	    "init: panic says it does not fit");

	/*
	 * Items larger than a page get "the smallest power-of-two page >=
	 * 8 KiB that holds one" (pool.h): with the header forced into the
	 * page, an 8 KiB item needs a 16 KiB page.
	 */
	FAKEENV_TRY(pool_init(&pp, 8192, 0, 0, PR_PHINPAGE, "big-ph", NULL, 0));
	tap_ok(!fakeenv_caught, "init: 8 KiB item with PR_PHINPAGE: no panic%s%s",
	    fakeenv_caught ? ": " : "", fakeenv_panicmsg);
	if (!fakeenv_caught) {
		st = pt_stats(&pp);
		tap_is(st.pagesize, 16384,
		    "init: 8 KiB item with PR_PHINPAGE: 16 KiB pages");
		tap_is(st.itemsperpage, 1,
		    "init: 8 KiB item with PR_PHINPAGE: one item");
		pool_destroy(&pp);
	}
	FAKEENV_TRY(pool_init(&pp, 8192, 8, 4, 0, "big-ioff", NULL, 0));
	tap_ok(!fakeenv_caught, "init: 8 KiB item with ioff 4: no panic%s%s",
	    fakeenv_caught ? ": " : "", fakeenv_panicmsg);
	if (!fakeenv_caught) {
		st = pt_stats(&pp);
		tap_is(st.pagesize, 16384,
		    "init: 8 KiB item with ioff 4: 16 KiB pages");
		pool_destroy(&pp);
	}
	pt_teardown();
}

/* ---- get and put */

/* pt_getput: page lists, statistics, item order. */
static void
pt_getput(void)
{
	struct pool pp;
	struct pool_stats st;
	vmem_addr_t it[16], x;
	const vmem_addr_t P1 = KVA, P2 = KVA + PG, P3 = KVA + 2 * PG;

	pt_setup(262144);
	pool_init(&pp, 1000, 0, 0, 0, "gp", NULL, 0);
	tap_is_str(pool_name(&pp), "gp", "getput: pool_name");
	pt_is_stats(&pp, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "getput: new pool");
	st = pt_stats(&pp);
	tap_is(st.minpages, 0, "getput: Minpg 0");
	tap_is(st.maxpages, UINT64_MAX, "getput: Maxpg unlimited");
	tap_is(st.hardlimit, 0, "getput: no hard limit");
	tap_is(st.utilization, 0, "getput: utilization 0 without pages");

	it[0] = pool_get(&pp, NW);
	tap_is(it[0], P1 + 64,
	    "getput: first item after the header of the first page");
	pt_is_stats(&pp, 1, 0, 0, 1, 3, 1, 0, 1, 1, 0, "getput: one item");
	tap_is(pt_stats(&pp).utilization, 244,
	    "getput: utilization 1000 / 4096 = 244 per mille");
	tap_is(pt_uvm().wiredpages, 1, "getput: one wired page");
	for (int i = 1; i < 4; i++)
		it[i] = pool_get(&pp, WOK);
	tap_is(it[3], P1 + 64 + 3000, "getput: fourth item");
	pt_is_stats(&pp, 4, 0, 0, 4, 0, 1, 0, 1, 1, 0, "getput: page full");
	it[4] = pool_get(&pp, NW | PR_ZERO);
	tap_is(it[4], P2 + 72, "getput: second page, colour 8");
	pt_is_stats(&pp, 5, 0, 0, 5, 3, 2, 0, 2, 2, 0, "getput: second page");

	/* A put on a full page makes it the partial page served first. */
	pool_put(&pp, it[1]);
	pt_is_stats(&pp, 5, 0, 1, 4, 4, 2, 0, 2, 2, 0,
	    "getput: put on the full page");
	x = pool_get(&pp, NW);
	tap_is(x, it[1],
	    "getput: the freed slot of the most recent partial page first");
	it[1] = x;
	x = pool_get(&pp, NW);
	tap_is(x, P2 + 72 + 1000, "getput: then the other partial page");
	it[5] = x;

	/* A partial page before an empty one. */
	tap_is(pool_prime(&pp, 4), 0, "getput: prime one page");
	pt_is_stats(&pp, 7, 0, 1, 6, 6, 3, 0, 3, 3, 1,
	    "getput: primed page idle");
	pool_put(&pp, it[2]);
	x = pool_get(&pp, NW);
	tap_is(x, it[2], "getput: partial page before the empty primed page");
	it[2] = x;
	it[6] = pool_get(&pp, NW);
	it[7] = pool_get(&pp, NW);
	tap_is(it[7], P2 + 72 + 3000, "getput: the second page fills up");
	it[8] = pool_get(&pp, NW);
	tap_is(it[8], P3 + 80, "getput: then the primed page (colour 16)");
	pt_is_stats(&pp, 11, 0, 2, 9, 3, 3, 0, 3, 3, 0,
	    "getput: three pages in use");
	pt_check(&pp, "getput");

	/* Everything back: pages become idle, none is freed (no Maxpg). */
	for (int i = 0; i < 9; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 11, 0, 11, 0, 12, 3, 0, 3, 3, 3,
	    "getput: all back, 3 idle pages");
	tap_is(pt_stats(&pp).utilization, 0, "getput: utilization 0");
	tap_is(pt_uvm().wiredpages, 3, "getput: pages still wired");
	/* The most recently emptied page is served first. */
	x = pool_get(&pp, NW);
	tap_is(x, P3 + 80, "getput: the last page emptied comes first");
	pool_put(&pp, x);
	tap_is(pt_rep.n, 0, "getput: no report");
	pt_check(&pp, "getput end");
	pool_destroy(&pp);
	tap_is(pt_rep.n, 0, "getput: destroy of an idle pool: no report");
	tap_is(pt_uvm().wiredpages, 0, "getput: destroy gave every page back");
	pt_teardown();
}

/* pt_flags: pool_get flag rules. */
static void
pt_flags(void)
{
	struct pool pp;
	vmem_addr_t x;

	pt_setup(262144);
	pool_init(&pp, 64, 0, 0, 0, "flags", NULL, 0);
	x = pool_get(&pp, 0);
	tap_is(x, 0, "flags: neither sleep flag: 0");
	tap_is(pt_rep.err, POOL_ERR_FLAGS, "flags: POOL_ERR_FLAGS");
	tap_is_str(pt_rep.msg,
	    "pool \"flags\": pool_get: flags 0: need exactly one "
	    "of PR_WAITOK and PR_NOWAIT", "flags: message");
	tap_ok(pt_rep.pp == &pp, "flags: the handler gets the pool");
	x = pool_get(&pp, PR_WAITOK | PR_NOWAIT);
	tap_is(x, 0, "flags: both sleep flags: 0");
	tap_contains(pt_rep.msg, "flags 0x300", "flags: both: message");
	x = pool_get(&pp, PR_NOWAIT | PR_NOTOUCH);
	tap_is(x, 0, "flags: a pool_init flag: 0");
	tap_contains(pt_rep.msg, "flags 0x201", "flags: unknown flag: message");
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	x = pool_get(&pp, PR_WAITOK);
	tap_is(x, 0, "flags: PR_WAITOK in interrupt context: 0");
	tap_is_str(pt_rep.msg,
	    "pool \"flags\": pool_get: flags 0x100: PR_WAITOK in "
	    "interrupt context", "flags: interrupt: message");
	x = pool_get(&pp, PR_NOWAIT | PR_ZERO);
	tap_is(x, KVA + 64,
	    "flags: PR_NOWAIT | PR_ZERO in interrupt context works");
	kml_env_uni_set_context(KML_CTX_THREAD);
	tap_is(pt_rep.n, 4, "flags: four reports");
	tap_is(pt_stats(&pp).errors, 4, "flags: errors 4");
	pt_is_stats(&pp, 1, 4, 0, 1, 62, 1, 0, 1, 1, 0,
	    "flags: failures counted in Fail");
	tap_is(pool_last_error(&pp, NULL), POOL_ERR_FLAGS,
	    "flags: pool_last_error");
	pool_put(&pp, x);
	x = pool_get(&pp, PR_WAITOK | PR_LIMITFAIL | PR_ZERO);
	tap_is(x, KVA + 64,
	    "flags: PR_WAITOK | PR_LIMITFAIL | PR_ZERO without a limit");
	pool_put(&pp, x);
	pool_destroy(&pp);
	pt_teardown();
}

/* pt_misuse: bad puts are reported with their class and change nothing. */
static void
pt_misuse(void)
{
	struct pool pp, other;
	struct pool_stats st0, st;
	vmem_addr_t a, b, c;
	const char *msg;
	char want[256];

	pt_setup(262144);
	pool_init(&pp, 1000, 0, 0, 0, "mis", NULL, 0);
	pool_init(&other, 1000, 0, 0, 0, "other", NULL, 0);
	a = pool_get(&pp, NW);
	b = pool_get(&pp, NW);
	c = pool_get(&other, NW);
	tap_is(a, KVA + 64, "misuse: a");
	tap_is(c, KVA + PG + 64, "misuse: c, of the other pool");
	pt_rep_reset();
	st0 = pt_stats(&pp);

	/* An item of another pool. */
	pool_put(&pp, c);
	tap_is(pt_rep.n, 1, "misuse: foreign item reported");
	tap_is(pt_rep.err, POOL_ERR_BADADDR,
	    "misuse: foreign item: POOL_ERR_BADADDR");
	snprintf(want, sizeof(want),
	    "pool \"mis\": pool_put: %#" PRIx64 " is not an "
	    "item of this pool (no page of the pool holds it)", c);
	tap_is_str(pt_rep.msg, want, "misuse: foreign item: message");
	tap_ok(pool_owns(&other, c), "misuse: the other pool still has it out");
	/* The page header. */
	pool_put(&pp, KVA + 8);
	tap_is(pt_rep.err, POOL_ERR_BADADDR,
	    "misuse: header: POOL_ERR_BADADDR");
	tap_contains(pt_rep.msg,
	    "0xffff800000000008 is not an item of this pool "
	    "(it is in the page's header or colour)",
	    "misuse: header: message");
	/* Inside an item. */
	pool_put(&pp, a + 8);
	tap_is(pt_rep.err, POOL_ERR_BADADDR,
	    "misuse: inside an item: POOL_ERR_BADADDR");
	snprintf(want, sizeof(want),
	    "pool \"mis\": pool_put: %#" PRIx64 " is not the "
	    "start of an item (inside an item)", a + 8);
	tap_is_str(pt_rep.msg, want, "misuse: inside an item: message");
	/* Past the last item, in the page's slack. */
	pool_put(&pp, KVA + 64 + 4000);
	tap_is(pt_rep.err, POOL_ERR_BADADDR, "misuse: slack: POOL_ERR_BADADDR");
	tap_contains(pt_rep.msg,
	    "is not the start of an item (past the page's last "
	    "item)", "misuse: slack: message");
	/* A free item of a page of the pool. */
	pool_put(&pp, KVA + 64 + 3000);
	tap_is(pt_rep.err, POOL_ERR_DUPFREE,
	    "misuse: never handed out: POOL_ERR_DUPFREE");
	pool_put(&pp, b);
	pool_put(&pp, b);
	tap_is(pt_rep.err, POOL_ERR_DUPFREE,
	    "misuse: double put: POOL_ERR_DUPFREE");
	snprintf(want, sizeof(want), "pool \"mis\": pool_put: item %#" PRIx64
	    " is already free", b);
	tap_is_str(pt_rep.msg, want, "misuse: double put: message");
	tap_is(pt_rep.n, 6, "misuse: six reports");
	tap_is_str(pt_rep.seq, "111122", "misuse: classes in order");
	tap_is(pool_last_error(&pp, &msg), POOL_ERR_DUPFREE,
	    "misuse: pool_last_error class");
	tap_is_str(msg, want, "misuse: pool_last_error message");
	st = pt_stats(&pp);
	tap_is(st.errors, 6, "misuse: errors 6");
	tap_is(st.nput, st0.nput + 1, "misuse: only the good put counted");
	tap_is(st.inuse, 1, "misuse: one item out");
	tap_is(st.avail, 3, "misuse: three free");
	tap_ok(pool_owns(&pp, a), "misuse: a still out");
	tap_ok(!pool_owns(&pp, b), "misuse: b free");
	tap_ok(!pool_owns(&pp, a + 8), "misuse: inside an item is not owned");
	tap_ok(!pool_owns(&pp, c), "misuse: another pool's item is not owned");
	tap_is(pt_stats(&other).errors, 0,
	    "misuse: the other pool has no error");
	pt_check(&pp, "misuse");
	pt_check(&other, "misuse other");

	/* Without a handler of its own the report goes to stderr. */
	pool_set_error_handler(&pp, NULL, NULL);
	pt_err_begin();
	pool_put(&pp, b);
	msg = pt_err_end();
	snprintf(want, sizeof(want),
	    "pool: pool \"mis\": pool_put: item %#" PRIx64
	    " is already free\n", b);
	tap_is_str(msg, want,
	    "misuse: the stderr handler prints \"pool: MSG\"");
	pool_set_error_handler(&pp, pt_handler, NULL);

	/* Class names. */
	tap_is_str(pool_strerror(POOL_ERR_NONE), "no error", "strerror: none");
	tap_is_str(pool_strerror(POOL_ERR_BADADDR), "bad address",
	    "strerror: badaddr");
	tap_is_str(pool_strerror(POOL_ERR_DUPFREE), "duplicate free",
	    "strerror: dupfree");
	tap_is_str(pool_strerror(POOL_ERR_BUSY), "pool busy", "strerror: busy");
	tap_is_str(pool_strerror(POOL_ERR_FLAGS), "bad flags",
	    "strerror: flags");
	tap_is_str(pool_strerror(POOL_ERR_DEADLOCK), "deadlock",
	    "strerror: deadlock");
	tap_is_str(pool_strerror(POOL_ERR_LIMIT), "hard limit reached",
	    "strerror: limit");
	tap_is_str(pool_strerror(POOL_ERR_NERRORS), "unknown error",
	    "strerror: out of range");
	tap_is(pool_last_error(&other, &msg), POOL_ERR_NONE,
	    "misuse: other: no last error");
	tap_is_str(msg, "", "misuse: other: empty message");

	/* pool_destroy with items out. */
	pt_rep_reset();
	pool_destroy(&pp);
	tap_is(pt_rep.n, 1, "destroy: reported");
	tap_is(pt_rep.err, POOL_ERR_BUSY, "destroy: POOL_ERR_BUSY");
	tap_is_str(pt_rep.msg, "pool \"mis\": pool_destroy: 1 items still out",
	    "destroy: message");
	tap_is(pt_uvm().wiredpages, 1,
	    "destroy: its page given back (the other pool's stays)");
	pool_put(&other, c);
	pool_destroy(&other);
	tap_is(pt_rep.n, 1, "destroy: an idle pool is destroyed quietly");
	tap_is(pt_uvm().wiredpages, 0, "destroy: no page left");
	pt_teardown();
}

/* ---- limits */

/* pt_lowat: pool_setlowat primes pages and keeps them. */
static void
pt_lowat(void)
{
	struct pool pp;
	struct pool_stats st;
	vmem_addr_t it[16];

	pt_setup(262144);
	pool_init(&pp, 1000, 0, 0, 0, "lowat", NULL, 0);
	pool_setlowat(&pp, 10);
	st = pt_stats(&pp);
	tap_is(st.minpages, 3, "lowat: 10 items need 3 pages (Minpg)");
	pt_is_stats(&pp, 0, 0, 0, 0, 12, 3, 0, 3, 3, 3,
	    "lowat: 3 pages primed");
	/*
	 * As NetBSD's pool_catchup, a get that leaves fewer free items than
	 * the low-water mark adds pages at once: the 3rd, 7th and 11th gets
	 * each add one (4 items a page), so 12 gets end with 6 pages.
	 */
	for (int i = 0; i < 12; i++)
		it[i] = pool_get(&pp, NW);
	pool_sethiwat(&pp, 0);
	tap_is(pt_stats(&pp).maxpages, 0, "lowat: sethiwat(0): Maxpg 0");
	for (int i = 0; i < 12; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 12, 0, 12, 0, 12, 6, 3, 3, 6, 3,
	    "lowat: Maxpg 0 frees the pages beyond Minpg, none below");
	kml_delay(10 * SEC);
	tap_is(pool_reclaim(&pp), 0, "lowat: pool_reclaim keeps Minpg pages");
	for (int i = 0; i < 16; i++)
		it[i] = pool_get(&pp, NW);
	pt_is_stats(&pp, 28, 0, 12, 16, 12, 10, 3, 7, 7, 3,
	    "lowat: 16 gets: pages added to keep 10 items free");
	for (int i = 0; i < 16; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 28, 0, 28, 0, 12, 10, 7, 3, 7, 3,
	    "lowat: the pages beyond Minpg freed at once, the rest kept");
	pool_setlowat(&pp, 0);
	tap_is(pt_stats(&pp).minpages, 0, "lowat: setlowat(0): Minpg 0");
	kml_delay(10 * SEC);
	tap_is(pool_reclaim(&pp), 3, "lowat: now the idle pages can go");

	/*
	 * The low-water mark is kept as items are taken (pool.h: "keep at
	 * least n free items").
	 */
	pool_setlowat(&pp, 6);
	pt_is_stats(&pp, 28, 0, 28, 0, 8, 12, 10, 2, 7, 2,
	    "lowat: setlowat(6): 2 pages");
	for (int i = 0; i < 3; i++)
		it[i] = pool_get(&pp, NW);
	st = pt_stats(&pp);
	tap_ok(st.avail >= 6,
	    "lowat: after 3 gets at least 6 items are still free (avail "
	    "%" PRIu64 ")",
	    st.avail);
	for (int i = 0; i < 3; i++)
		pool_put(&pp, it[i]);
	pt_check(&pp, "lowat");
	pool_destroy(&pp);
	pt_teardown();
}

/* pt_hiwat: pool_sethiwat: empty pages beyond Maxpg are freed at once. */
static void
pt_hiwat(void)
{
	struct pool pp;
	vmem_addr_t it[12];

	pt_setup(262144);
	pool_init(&pp, 1000, 0, 0, 0, "hiwat", NULL, 0);
	for (int i = 0; i < 12; i++)
		it[i] = pool_get(&pp, NW);
	pool_sethiwat(&pp, 4);
	tap_is(pt_stats(&pp).maxpages, 1, "hiwat: 4 items: Maxpg 1");
	pt_is_stats(&pp, 12, 0, 0, 12, 0, 3, 0, 3, 3, 0,
	    "hiwat: setting it frees nothing");
	for (int i = 0; i < 4; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 12, 0, 4, 8, 0, 3, 1, 2, 3, 0,
	    "hiwat: first page freed at once");
	tap_is(pt_uvm().wiredpages, 2, "hiwat: its wired page is back");
	for (int i = 4; i < 8; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 12, 0, 8, 4, 0, 3, 2, 1, 3, 0,
	    "hiwat: second page freed at once");
	for (int i = 8; i < 12; i++)
		pool_put(&pp, it[i]);
	pt_is_stats(&pp, 12, 0, 12, 0, 4, 3, 2, 1, 3, 1,
	    "hiwat: the last page is kept idle");
	pool_sethiwat(&pp, 5);
	tap_is(pt_stats(&pp).maxpages, 2, "hiwat: 5 items: Maxpg 2");
	pool_sethiwat(&pp, -1);
	tap_is(pt_stats(&pp).maxpages, 0, "hiwat: negative: Maxpg 0");
	pt_check(&pp, "hiwat");
	pool_destroy(&pp);
	pt_teardown();
}

static unsigned pt_hook_calls;		/* # of pt_hook calls */
static int pt_hook_flags;		/* flags of the last call */
static struct pool *pt_hook_pool;	/* pool the hook gives items back to */
static vmem_addr_t pt_hook_items[8];	/* items it may give back */
static unsigned pt_hook_nitems;
static bool pt_hook_all;		/* give every item back at once */

/*
 * pt_hook: a drain hook: gives one item back per call while it has any
 * (every one with pt_hook_all).
 */
static void
pt_hook(void *arg, int flags)
{
	(void)arg;
	pt_hook_calls++;
	pt_hook_flags = flags;
	while (pt_hook_nitems > 0) {
		pool_put(pt_hook_pool, pt_hook_items[--pt_hook_nitems]);
		if (!pt_hook_all)
			break;
	}
}

/* pt_hardlimit: the limit, its rate-limited warning, the drain hook. */
static void
pt_hardlimit(void)
{
	struct pool pp;
	vmem_addr_t it[4], x;
	kml_vtime_t t0;

	pt_setup(262144);
	pt_zero_costs();
	t0 = kml_now();
	pool_init(&pp, 1000, 0, 0, 0, "lim", NULL, 0);
	tap_is(pool_sethardlimit(&pp, 3, "lim: limit reached", 1), 0,
	    "hardlimit: pool_sethardlimit returns 0");
	tap_is(pt_stats(&pp).hardlimit, 3, "hardlimit: 3");
	for (int i = 0; i < 3; i++)
		it[i] = pool_get(&pp, NW);
	tap_is(it[2], KVA + 64 + 2000, "hardlimit: three items");
	tap_is(kml_now(), t0, "hardlimit: costs 0: the clock stands still");

	x = pool_get(&pp, NW);
	tap_is(x, 0, "hardlimit: a fourth: 0");
	tap_is(pt_rep.n, 1, "hardlimit: the warning is reported");
	tap_is(pt_rep.err, POOL_ERR_LIMIT, "hardlimit: POOL_ERR_LIMIT");
	tap_is_str(pt_rep.msg, "pool \"lim\": lim: limit reached",
	    "hardlimit: warning text");
	tap_is(pt_stats(&pp).limit_hits, 1, "hardlimit: limit_hits 1");
	tap_is(pt_stats(&pp).errors, 0,
	    "hardlimit: the warning is not a misuse");
	x = pool_get(&pp, NW);
	tap_is(pt_rep.n, 1, "hardlimit: no second warning within the ratecap");
	kml_delay(SEC - 1);
	x = pool_get(&pp, PR_WAITOK | PR_LIMITFAIL);
	tap_is(x, 0, "hardlimit: PR_LIMITFAIL fails");
	tap_is(pt_rep.n, 1,
	    "hardlimit: 1 ns short of the ratecap: still quiet");
	kml_delay(1);
	x = pool_get(&pp, NW);
	tap_is(pt_rep.n, 2, "hardlimit: a whole ratecap later: warned again");
	pt_is_stats(&pp, 3, 4, 0, 3, 1, 1, 0, 1, 1, 0,
	    "hardlimit: four failures");
	tap_is(pt_stats(&pp).limit_hits, 4, "hardlimit: limit_hits 4");
	tap_is(pt_stats(&pp).drains, 0, "hardlimit: no drain hook, no drains");

	/* The drain hook is called and what it gives back is used. */
	pt_hook_calls = 0;
	pt_hook_pool = &pp;
	pt_hook_items[0] = it[1];
	pt_hook_nitems = 1;
	pool_set_drain_hook(&pp, pt_hook, NULL);
	x = pool_get(&pp, NW | PR_ZERO);
	tap_is(x, it[1], "hardlimit: the item the drain hook gave back");
	tap_is(pt_hook_calls, 1, "hardlimit: drain hook called once");
	tap_is(pt_hook_flags, NW | PR_ZERO,
	    "hardlimit: with the pool_get flags");
	tap_is(pt_stats(&pp).drains, 1, "hardlimit: drains 1");
	x = pool_get(&pp, PR_WAITOK | PR_LIMITFAIL);
	tap_is(x, 0, "hardlimit: the hook has nothing more: PR_LIMITFAIL "
	    "fails");
	tap_is(pt_hook_calls, 2, "hardlimit: drain hook called again");
	tap_is(pt_rep.n, 2, "hardlimit: within the ratecap: no warning");

	/* PR_WAITOK sleeps: the uniprocessor proves a deadlock. */
	pool_set_drain_hook(&pp, NULL, NULL);
	pt_rep_reset();
	kml_delay(SEC);
	x = pool_get(&pp, PR_WAITOK);
	tap_is(x, 0, "hardlimit: PR_WAITOK at the limit: 0");
	tap_is(pt_rep.err, POOL_ERR_DEADLOCK, "hardlimit: POOL_ERR_DEADLOCK");
	tap_is_str(pt_rep.msg,
	    "pool \"lim\": pool_get: at the hard limit: deadlock: "
	    "thread 0 on cpu 0 would sleep on \"lim\" forever: the "
	    "uniprocessor environment has no other thread to wake it",
	    "hardlimit: deadlock message");
	tap_is(pt_stats(&pp).waits, 1, "hardlimit: waits 1");
	tap_is(pt_stats(&pp).errors, 1, "hardlimit: the deadlock is an error");
	/* The warning was due as well: both reach the handler, in order. */
	tap_is_str(pt_rep.seq, "65",
	    "hardlimit: warning, then deadlock, both delivered");

	/* No warning message: the limit is only counted. */
	pool_sethardlimit(&pp, 3, NULL, 0);
	pt_rep_reset();
	x = pool_get(&pp, NW);
	tap_is(x, 0, "hardlimit: no message: fails");
	tap_is(pt_rep.n, 0, "hardlimit: no message: nothing reported");
	/* ratecap 0: every hit warns. */
	pool_sethardlimit(&pp, 3, "again", 0);
	pool_get(&pp, NW);
	pool_get(&pp, NW);
	tap_is(pt_rep.n, 2, "hardlimit: ratecap 0: every hit warns");
	/* A limit above what is out, and none. */
	pool_sethardlimit(&pp, 4, "lim4", 1);
	x = pool_get(&pp, NW);
	tap_is(x, KVA + 64 + 3000, "hardlimit: raised to 4: one more");
	pool_sethardlimit(&pp, 0, NULL, 0);
	tap_is(pt_stats(&pp).hardlimit, 0, "hardlimit: 0: none");
	it[3] = pool_get(&pp, NW);
	tap_is(it[3], KVA + PG + 64 + 8, "hardlimit: no limit: a new page");
	pool_put(&pp, x);
	pool_put(&pp, it[3]);
	pool_put(&pp, it[0]);
	pool_put(&pp, it[1]);
	pool_put(&pp, it[2]);
	pt_check(&pp, "hardlimit");
	tap_is(pt_stats(&pp).inuse, 0, "hardlimit: all back");
	pool_destroy(&pp);
	pt_teardown();
}

/* CPU 1's work while CPU 0 sleeps in pt_sleep. */
static struct pool *pt_other_pool;
static vmem_addr_t pt_other_item;
static uint64_t pt_other_pages;

/* pt_other_put: another thread puts an item back. */
static void
pt_other_put(unsigned nsleep)
{
	(void)nsleep;
	pool_put(pt_other_pool, pt_other_item);
}

/* pt_other_free: another thread gives raw pages back. */
static void
pt_other_free(unsigned nsleep)
{
	(void)nsleep;
	uvm_pages_free(pt_other_pages);
}

/* pt_sleep: PR_WAITOK sleeps until another thread lets go. */
static void
pt_sleep(void)
{
	struct pool pp;
	vmem_addr_t it[3], x;
	struct uvm_stats st;

	pt_setup(262144);
	pool_init(&pp, 1000, 0, 0, 0, "sleepy", NULL, 0);
	pool_sethardlimit(&pp, 3, NULL, 0);
	for (int i = 0; i < 3; i++)
		it[i] = pool_get(&pp, NW);
	pt_fake_install(pt_other_put);
	pt_other_pool = &pp;
	pt_other_item = it[1];
	x = pool_get(&pp, PR_WAITOK);
	tap_is(x, it[1],
	    "sleep: at the limit, the item another thread put back");
	tap_is(fakeenv.fe_nsleep, 1, "sleep: slept once");
	tap_is_str(fakeenv.fe_sleepname, "sleepy", "sleep: on the pool's channel");
	tap_is(fakeenv.fe_nwakeup, 1, "sleep: the put woke it");
	tap_is(pt_stats(&pp).waits, 1, "sleep: waits 1");
	tap_is(pt_stats(&pp).errors, 0, "sleep: no error");
	pt_is_stats(&pp, 4, 0, 1, 3, 1, 1, 0, 1, 1, 0, "sleep: columns");
	for (int i = 0; i < 3; i++)
		pool_put(&pp, i == 1 ? x : it[i]);
	pool_destroy(&pp);
	kml_env_set(NULL, NULL);

	/* Out of memory: the back end sleeps until another thread frees. */
	pt_setup(512);
	pool_init(&pp, 1000, 0, 0, 0, "oom", NULL, 0);
	tap_is(uvm_pages_alloc(512, UVM_KMF_NOWAIT), 0,
	    "sleep oom: every page taken");
	pt_fake_install(pt_other_free);
	pt_other_pages = 20;
	x = pool_get(&pp, PR_WAITOK);
	tap_is(x, KVA + 64,
	    "sleep oom: the item after another thread freed pages");
	tap_is(fakeenv.fe_nsleep, 1, "sleep oom: slept once");
	tap_is_str(fakeenv.fe_sleepname, "memwait", "sleep oom: in the page layer");
	st = pt_uvm();
	tap_is(st.waits, 1, "sleep oom: the page layer counts the sleep");
	tap_is(st.wiredpages, 1, "sleep oom: one page wired");
	tap_is(st.freepages, 19, "sleep oom: 19 free");
	tap_is(pt_rep.n, 0, "sleep oom: nothing reported");
	pool_put(&pp, x);
	pool_destroy(&pp);
	uvm_pages_free(492);
	kml_env_set(NULL, NULL);
	pt_teardown();
}

/* ---- priming, reclaiming, draining */

/* pt_reclaim: pool_prime, pool_reclaim after the idle interval, pool_drain. */
static void
pt_reclaim(void)
{
	struct pool a, b;
	vmem_addr_t it[12];

	pt_setup(262144);
	pt_zero_costs();
	pool_init(&a, 1000, 0, 0, 0, "ra", NULL, 0);
	pool_init(&b, 64, 0, 0, 0, "rb", NULL, 0);
	tap_is(pool_prime(&a, 10), 0, "prime: 10 items: 0");
	pt_is_stats(&a, 0, 0, 0, 0, 12, 3, 0, 3, 3, 3, "prime: 3 pages");
	tap_is(pool_prime(&a, 0), 0, "prime: 0 items: 0");
	tap_is(pool_prime(&a, 1), 0, "prime: 1 item: another page");
	pt_is_stats(&a, 0, 0, 0, 0, 16, 4, 0, 4, 4, 4, "prime: 4 pages");

	/* Pages primed at time 0 are idle since then. */
	kml_delay(SEC - 1);
	tap_is(pool_reclaim(&a), 0,
	    "reclaim: idle 1 ns less than a second: kept");
	kml_delay(1);
	for (int i = 0; i < 4; i++)
		it[i] = pool_get(&a, NW);
	tap_is(pool_reclaim(&a), 3,
	    "reclaim: idle a second: the 3 empty pages go");
	pt_is_stats(&a, 4, 0, 0, 4, 0, 4, 3, 1, 4, 0,
	    "reclaim: one page in use left");
	for (int i = 4; i < 12; i++)
		it[i] = pool_get(&a, NW);
	/* Pages emptied at different times. */
	for (int i = 0; i < 4; i++)
		pool_put(&a, it[i]);
	kml_delay(SEC / 2);
	for (int i = 4; i < 8; i++)
		pool_put(&a, it[i]);
	kml_delay(SEC / 2);
	tap_is(pool_reclaim(&a), 1,
	    "reclaim: only the page empty for a second");
	kml_delay(SEC / 2);
	tap_is(pool_reclaim(&a), 1, "reclaim: then the next one");
	pool_set_idle(&a, 0);
	for (int i = 8; i < 12; i++)
		pool_put(&a, it[i]);
	tap_is(pool_reclaim(&a), 1, "reclaim: idle interval 0: at once");
	pt_is_stats(&a, 12, 0, 12, 0, 0, 6, 6, 0, 4, 0,
	    "reclaim: every page back");
	tap_is(pool_reclaim(&a), 0, "reclaim: nothing left");

	/* pool_drain: every drain hook, then every pool's idle pages. */
	pool_set_idle(&a, SEC);
	it[0] = pool_get(&a, NW);
	it[1] = pool_get(&b, NW);
	pt_hook_calls = 0;
	pt_hook_pool = &b;
	pt_hook_items[0] = it[1];
	pt_hook_nitems = 1;
	pool_set_drain_hook(&b, pt_hook, NULL);
	pool_put(&a, it[0]);
	tap_is(pool_drain(), 0, "drain: nothing idle long enough");
	tap_is(pt_hook_calls, 1, "drain: b's hook called");
	tap_is(pt_hook_flags, PR_NOWAIT, "drain: with PR_NOWAIT");
	tap_is(pt_stats(&b).drains, 1, "drain: b drains 1");
	tap_is(pt_stats(&b).inuse, 0, "drain: the hook gave b's item back");
	tap_is(pt_stats(&a).drains, 0, "drain: a has no hook");
	kml_delay(SEC);
	tap_is(pool_drain(), 2, "drain: a's and b's pages after a second");
	tap_is(pt_hook_calls, 2, "drain: hook called again");
	tap_is(pt_stats(&a).npages + pt_stats(&b).npages, 0,
	    "drain: no page left");
	tap_is(pt_uvm().wiredpages, 0, "drain: nothing wired");
	tap_is(pt_rep.n, 0, "reclaim: nothing reported");
	pt_check(&a, "reclaim a");
	pt_check(&b, "reclaim b");
	pool_destroy(&a);
	pool_destroy(&b);
	pt_teardown();
}

/* pt_list: pool_first / pool_next in pool_init order; pool_name. */
static void
pt_list(void)
{
	struct pool a, b, c, *pp;
	unsigned n = 0, before = 0;
	char names[256] = "";

	pt_setup(262144);
	for (pp = pool_first(); pp != NULL; pp = pool_next(pp))
		before++;
	/* The page layer's own pools: kmem_va_arena's quantum caches. */
	tap_is(before, 8, "list: kmem_va_arena's 8 quantum-cache pools exist");
	tap_is_str(pool_name(pool_first()), "kmem_va_arena-4096",
	    "list: the first is kmem_va_arena-4096");
	pool_init(&a, 64, 0, 0, 0, "alpha", NULL, 0);
	pool_init(&b, 64, 0, 0, 0,
	    "a-very-long-pool-name-of-more-than-31-bytes", NULL, 0);
	pool_init(&c, 64, 0, 0, 0, NULL, NULL, 0);
	for (pp = pool_first(); pp != NULL; pp = pool_next(pp), n++)
		if (n >= before) {
			strncat(names, pool_name(pp),
			    sizeof(names) - strlen(names) - 2);
			strcat(names, ",");
		}
	tap_is(n, before + 3, "list: three more");
	tap_is_str(names, "alpha,a-very-long-pool-name-of-more-t,pool,",
	    "list: in pool_init order; names cut to 31 bytes; NULL is "
	    "\"pool\"");
	pool_destroy(&b);
	n = 0;
	for (pp = pool_first(); pp != NULL; pp = pool_next(pp))
		n++;
	tap_is(n, before + 2, "list: a destroyed pool leaves the list");
	pool_destroy(&a);
	pool_destroy(&c);
	pt_teardown();
}

/* pt_statdesc: the statistics table names every member once. */
static void
pt_statdesc(void)
{
	size_t nmembers = sizeof(struct pool_stats) / sizeof(uint64_t);
	bool seen[64] = { false };
	bool ok = true;

	tap_is(pool_nstatdesc, nmembers, "statdesc: one entry per member");
	for (size_t i = 0; i < pool_nstatdesc; i++) {
		const struct kml_statdesc *d = &pool_statdesc[i];
		size_t k = d->sd_offset / sizeof(uint64_t);

		if (d->sd_offset % sizeof(uint64_t) != 0 || k >= nmembers ||
		    seen[k] || d->sd_name == NULL || d->sd_descr == NULL ||
		    strchr(d->sd_name, ' ') != NULL) {
			tap_diag("pool statdesc entry %zu is bad", i);
			ok = false;
			continue;
		}
		seen[k] = true;
	}
	tap_ok(ok, "statdesc: offsets distinct, names without spaces");
	tap_is_str(pool_statdesc[1].sd_name, "nget", "statdesc: nget second");
	tap_contains(pool_statdesc[1].sd_descr, "Requests",
	    "statdesc: nget is vmstat's Requests");
	tap_is(pool_statdesc[0].sd_unit, KML_UNIT_BYTES,
	    "statdesc: size in bytes");
}

/* ---- memory pressure */

/* pt_fill: PR_NOWAIT items from pp until one fails; returns how many. */
static unsigned
pt_fill(struct pool *pp, vmem_addr_t *items, unsigned max)
{
	unsigned n = 0;
	vmem_addr_t x;

	while (n < max && (x = pool_get(pp, NW)) != 0)
		items[n++] = x;
	return n;
}

/* pt_pressure: idle pool pages are reclaimed by the pagedaemon. */
static void
pt_pressure(void)
{
	enum { MAXITEMS = 40000 };
	static vmem_addr_t small[MAXITEMS], mid[MAXITEMS], big[MAXITEMS];
	struct pool ps, pm, pb;
	struct uvm_stats u0, u;
	struct pool_stats s0;
	unsigned ns, nm, nb, n;
	const char *err;
	vmem_addr_t x, x2;

	pt_setup(512);
	pool_init(&ps, 64, 0, 0, 0, "small", NULL, 0);
	pool_init(&pm, 1000, 0, 0, 0, "mid", NULL, 0);
	pool_init(&pb, 5000, 0, 0, 0, "big", NULL, 0);
	nm = pt_fill(&pm, mid, 800);
	tap_is(nm, 800, "pressure: 800 mid items (200 pages)");
	/*
	 * A big page is 8 KiB aligned to 8 KiB: its span in kmem_va_arena has
	 * a page of address-space slack, but only the 2 pages of the big page
	 * are wired: 312 free pages make 156 big pages.
	 */
	nb = pt_fill(&pb, big, MAXITEMS);
	u = pt_uvm();
	tap_is(nb, 156, "pressure: 156 big items until memory ran out");
	tap_is(u.freepages, 0, "pressure: no page free");
	tap_is(u.wiredpages, 512, "pressure: every page wired");
	tap_is(pt_stats(&pb).nfail, 1, "pressure: big: one failure");
	/* No page is left for small items: the slack is address space only. */
	ns = pt_fill(&ps, small, MAXITEMS);
	tap_is(ns, 0, "pressure: no small item: no physical page left");
	tap_is(pt_stats(&ps).nfail, 1, "pressure: small: one failure");
	u0 = pt_uvm();
	tap_is(u0.freepages, 0, "pressure: no page free");
	tap_is(u0.errors, 0, "pressure: PR_NOWAIT failures are not errors");
	tap_is(pt_rep.n + (unsigned)pt_vmem_reports, 0,
	    "pressure: nothing reported");
	pt_uvm_invariants("pressure full");
	pt_check(&ps, "pressure small");
	pt_check(&pm, "pressure mid");
	pt_check(&pb, "pressure big");

	/* Everything back: all pages idle, but not for long. */
	for (unsigned i = 0; i < ns; i++)
		pool_put(&ps, small[i]);
	for (unsigned i = 0; i < nm; i++)
		pool_put(&pm, mid[i]);
	for (unsigned i = 0; i < nb; i++)
		pool_put(&pb, big[i]);
	s0 = pt_stats(&pm);
	tap_is(s0.nidle, 200, "pressure: mid: 200 idle pages");
	tap_is(pt_uvm().freepages, 0, "pressure: idle pages stay wired");
	/*
	 * pool_reclaim keeps pages that have not been idle for the idle
	 * interval; the pagedaemon does not wait: short of memory, it takes
	 * every empty page at once (NetBSD skips the inactive time when the
	 * allocator is starved).
	 */
	tap_is(pool_reclaim(&pm), 0,
	    "pressure: pool_reclaim: nothing idle long enough");
	tap_is(pt_stats(&pm).npages, 200, "pressure: mid pages still held");
	tap_is(pt_uvm().pagedaemon_runs, u0.pagedaemon_runs,
	    "pressure: no pagedaemon run yet");
	tap_is(uvm_pages_alloc(64, UVM_KMF_NOWAIT), 0,
	    "pressure: 64 pages now: the pagedaemon reclaims the empty pages");
	u = pt_uvm();
	tap_is(u.pagedaemon_runs, u0.pagedaemon_runs + 1,
	    "pressure: one fruitful run");
	tap_is(u.reclaimed, u0.wiredpages,
	    "pressure: every wired page reclaimed");
	tap_is(u.wiredpages, 0, "pressure: nothing wired");
	tap_is(u.freepages, 448, "pressure: 512 - 64 free");
	tap_is(pt_stats(&ps).npages + pt_stats(&pm).npages +
	    pt_stats(&pb).npages, 0, "pressure: the pools hold no page");
	tap_is(pt_stats(&pm).npagefree, 200, "pressure: mid: Pgrel 200");
	pt_uvm_invariants("pressure reclaimed");
	uvm_pages_free(64);

	/*
	 * A drain hook lets go of items at UVM_RECLAIM_DRAIN_HOOKS; with an
	 * idle interval of 0 the idle-pages reclaimer then takes the pages:
	 * a PR_WAITOK request of another pool is served.
	 */
	nm = pt_fill(&pm, mid, MAXITEMS);
	tap_is(nm, 512 * 4, "pressure 2: mid fills all 512 pages");
	pool_set_idle(&pm, 0);
	pt_hook_calls = 0;
	pt_hook_pool = &pm;
	for (unsigned i = 0; i < 4; i++)
		pt_hook_items[i] = mid[--nm];
	pt_hook_nitems = 4;
	pt_hook_all = true;
	pool_set_drain_hook(&pm, pt_hook, NULL);
	x2 = pool_get(&ps, PR_WAITOK);
	pt_hook_all = false;
	tap_ok(x2 != 0,
	    "pressure 2: PR_WAITOK small item served after reclaiming");
	tap_is(pt_hook_calls, 1, "pressure 2: mid's drain hook called once");
	tap_is(pt_hook_flags, PR_NOWAIT,
	    "pressure 2: by the pagedaemon, with PR_NOWAIT");
	tap_is(pt_stats(&pm).npagefree, 201,
	    "pressure 2: mid's emptied page reclaimed");
	tap_is(pt_rep.n, 0, "pressure 2: nothing reported");
	pt_uvm_invariants("pressure 2");

	/*
	 * Nothing can be reclaimed: PR_NOWAIT fails cleanly, PR_WAITOK is a
	 * deadlock in the uniprocessor environment (pool.h: reported as
	 * POOL_ERR_DEADLOCK) and fails.
	 */
	pool_set_drain_hook(&pm, NULL, NULL);
	n = pt_fill(&ps, small, MAXITEMS);
	tap_is(n, 62, "pressure 3: the rest of small's one page");
	s0 = pt_stats(&ps);
	tap_is(s0.nfail, 2, "pressure 3: small: failed once more when full");
	u0 = pt_uvm();
	tap_is(u0.freepages, 0, "pressure 3: nothing free");
	x = pool_get(&ps, NW);
	tap_is(x, 0, "pressure 3: PR_NOWAIT: 0");
	tap_is(pt_stats(&ps).nfail, 3, "pressure 3: Fail counted");
	tap_is(pt_rep.n, 0, "pressure 3: PR_NOWAIT: nothing reported");
	tap_is(pt_uvm().errors, 0,
	    "pressure 3: PR_NOWAIT: no page-layer error");
	pt_err_begin();
	x = pool_get(&ps, PR_WAITOK);
	err = pt_err_end();
	tap_is(x, 0, "pressure 3: PR_WAITOK: 0");
	tap_is(pt_stats(&ps).nfail, 4, "pressure 3: PR_WAITOK: Fail counted");
	tap_contains(err, "deadlock",
	    "pressure 3: PR_WAITOK: the page layer reports a deadlock");
	tap_is(pt_rep.err, POOL_ERR_DEADLOCK,
	    "pressure 3: PR_WAITOK: POOL_ERR_DEADLOCK");
	tap_ok(pt_rep.pp == &ps, "pressure 3: reported for the pool");
	tap_is(pool_prime(&ps, 63), ENOMEM, "pressure 3: pool_prime: ENOMEM");
	pt_check(&ps, "pressure 3 small");
	pt_check(&pm, "pressure 3 mid");
	pt_uvm_invariants("pressure 3");

	pool_put(&ps, x2);
	for (unsigned i = 0; i < n; i++)
		pool_put(&ps, small[i]);
	for (unsigned i = 0; i < nm; i++)
		pool_put(&pm, mid[i]);
	pool_destroy(&ps);
	pool_destroy(&pm);
	pool_destroy(&pb);
	tap_is(pt_uvm().wiredpages, 0, "pressure: all pages back");
	pt_teardown();
}

/* ---- the randomized test */

static uint64_t pt_rnd_state;		/* the generator's state */

/* pt_rnd: the next number of splitmix64. */
static uint64_t
pt_rnd(void)
{
	uint64_t z = (pt_rnd_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* pt_rnd_below: uniform in [0, n). */
static uint64_t
pt_rnd_below(uint64_t n)
{
	return pt_rnd() % n;
}

/*
 * An address set: open hashing with chains, keyed by address, each entry
 * with the index of a pool and a value.
 */
struct pt_ent {
	vmem_addr_t key;
	unsigned pool;
	uint64_t val;		/* pages: item offsets modulo size + 1, or 0 */
	struct pt_ent *next;
};

#define PT_NBUCKET 65536

struct pt_set {
	struct pt_ent *b[PT_NBUCKET];
	uint64_t n;
};

/* pt_hash: the bucket of key (Fibonacci hashing). */
static size_t
pt_hash(vmem_addr_t key)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 48);
}

/* pt_set_find: the entry of key, or NULL. */
static struct pt_ent *
pt_set_find(struct pt_set *s, vmem_addr_t key)
{
	for (struct pt_ent *e = s->b[pt_hash(key)]; e != NULL; e = e->next)
		if (e->key == key)
			return e;
	return NULL;
}

/* pt_set_add: a new entry for key (which is not in s), owned by pool. */
static struct pt_ent *
pt_set_add(struct pt_set *s, vmem_addr_t key, unsigned pool)
{
	struct pt_ent *e = calloc(1, sizeof(*e));
	size_t h = pt_hash(key);

	if (e == NULL)
		tap_bail("out of memory");
	e->key = key;
	e->pool = pool;
	e->next = s->b[h];
	s->b[h] = e;
	s->n++;
	return e;
}

/* pt_set_del: remove key; returns false if it was not there. */
static bool
pt_set_del(struct pt_set *s, vmem_addr_t key)
{
	for (struct pt_ent **pe = &s->b[pt_hash(key)]; *pe != NULL;
	    pe = &(*pe)->next)
		if ((*pe)->key == key) {
			struct pt_ent *e = *pe;

			*pe = e->next;
			free(e);
			s->n--;
			return true;
		}
	return false;
}

/* pt_set_clear: empty s. */
static void
pt_set_clear(struct pt_set *s)
{
	for (size_t i = 0; i < PT_NBUCKET; i++)
		while (s->b[i] != NULL) {
			struct pt_ent *e = s->b[i];

			s->b[i] = e->next;
			free(e);
		}
	s->n = 0;
}

#define RP_NPOOLS	8
#define RP_MAXLIVE	400	/* items out per pool, at most */

/* One pool of the randomized test and its model. */
struct rp_pool {
	const char *name;
	size_t size;
	unsigned align, ioff;
	int flags;
	uint64_t pagesz;		/* page of its tracking allocator */
	unsigned hardlimit;		/* 0: none */
	struct pool pp;
	struct pool_allocator pa;	/* wraps pool_allocator_kmem */
	uint64_t isize, ipp;
	vmem_addr_t live[RP_MAXLIVE];
	unsigned nlive;
	uint64_t npages, pgreq, pgrel;	/* pages as the back end saw them */
	uint64_t nget, nput, nfail, errors;
};

static struct rp_pool rp[RP_NPOOLS] = {
	{ "r24", 24, 0, 0, 0, PG, 0, .isize = 24 },
	{ "r100a64", 100, 64, 0, 0, PG, 0, .isize = 128 },
	{ "r40a16o4", 40, 16, 4, 0, PG, 0, .isize = 48 },
	{ "r1000", 1000, 0, 0, 0, PG, 150, .isize = 1000 },
	{ "r2048", 2048, 0, 0, 0, PG, 0, .isize = 2048 },
	{ "r300nt", 300, 0, 0, PR_NOTOUCH, PG, 0, .isize = 304 },
	{ "r5000", 5000, 0, 0, 0, 8192, 0, .isize = 5000 },
	{ "r12000", 12000, 256, 100, 0, 16384, 0, .isize = 12032 },
};

static struct pt_set rp_items;		/* live items -> pool */
static struct pt_set rp_pages;		/* pages handed out -> pool, residue */
static char rp_fail[512];		/* first failure of the run */
static uint64_t rp_nmisuse;		/* bad puts made in the run */
static uint64_t rp_nlimit;		/* pool_get refused at the hard limit */
static uint64_t rp_nreclaimed;		/* pages freed by reclaim and drain */

/* rp_index: the index of pp in rp[]. */
static unsigned
rp_index(struct pool *pp)
{
	for (unsigned i = 0; i < RP_NPOOLS; i++)
		if (&rp[i].pp == pp)
			return i;
	tap_bail("unknown pool %p", (void *)pp);
}

/* rp_pa_alloc: pool_allocator_kmem's page, recorded as the pool's. */
static vmem_addr_t
rp_pa_alloc(struct pool *pp, int flags)
{
	unsigned i = rp_index(pp);
	vmem_addr_t page = pool_allocator_kmem.pa_alloc(pp, flags);

	if (page == 0)
		return 0;
	if (pt_set_find(&rp_pages, page) != NULL && rp_fail[0] == '\0')
		snprintf(rp_fail, sizeof(rp_fail),
		    "page %#" PRIx64 " handed out twice", page);
	pt_set_add(&rp_pages, page, i);
	rp[i].npages++;
	rp[i].pgreq++;
	return page;
}

/* rp_pa_free: a page goes back: it must be the pool's. */
static void
rp_pa_free(struct pool *pp, vmem_addr_t page)
{
	unsigned i = rp_index(pp);
	struct pt_ent *e = pt_set_find(&rp_pages, page);

	if ((e == NULL || e->pool != i) && rp_fail[0] == '\0')
		snprintf(rp_fail, sizeof(rp_fail),
		    "pool %s frees page %#" PRIx64
		    " that is not its own", rp[i].name, page);
	for (unsigned k = 0; k < rp[i].nlive; k++)
		if ((rp[i].live[k] & ~(rp[i].pagesz - 1)) == page &&
		    rp_fail[0] == '\0')
			snprintf(rp_fail, sizeof(rp_fail),
			    "pool %s frees page %#"
			    PRIx64 " with item %#" PRIx64 " out", rp[i].name,
			    page,
			    rp[i].live[k]);
	pt_set_del(&rp_pages, page);
	rp[i].npages--;
	rp[i].pgrel++;
	pool_allocator_kmem.pa_free(pp, page);
}

/* rp_fail_set: record the first failure of the run. */
static void __attribute__((format(printf, 1, 2)))
rp_fail_set(const char *fmt, ...)
{
	va_list ap;

	if (rp_fail[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(rp_fail, sizeof(rp_fail), fmt, ap);
	va_end(ap);
}

/* rp_check_item: x, just handed out by pool i, is a new, well placed item. */
static void
rp_check_item(unsigned i, vmem_addr_t x)
{
	struct rp_pool *r = &rp[i];
	vmem_addr_t page = x & ~(r->pagesz - 1);
	uint64_t align = r->align ? r->align : 8;
	struct pt_ent *e;

	if (pt_set_find(&rp_items, x) != NULL) {
		rp_fail_set("%s: item %#" PRIx64 " handed out twice", r->name,
		    x);
		return;
	}
	e = pt_set_find(&rp_pages, page);
	if (e == NULL || e->pool != i) {
		rp_fail_set("%s: item %#" PRIx64 " not in a page of the pool",
		    r->name, x);
		return;
	}
	if (x + r->isize > page + r->pagesz)
		rp_fail_set("%s: item %#" PRIx64 " runs off its page", r->name,
		    x);
	if ((x + r->ioff) % align != 0)
		rp_fail_set("%s: item %#" PRIx64 " misaligned", r->name, x);
	/* Items of one page are a whole number of items apart. */
	if (e->val == 0)
		e->val = (x - page) % r->isize + 1;
	else if (e->val != (x - page) % r->isize + 1)
		rp_fail_set("%s: item %#" PRIx64 " overlaps the grid of its "
		    "page",
		    r->name, x);
	pt_set_add(&rp_items, x, i);
	r->live[r->nlive++] = x;
}

/* rp_check_pool: the pool's statistics and pool_check agree with the model. */
static void
rp_check_pool(unsigned i)
{
	struct rp_pool *r = &rp[i];
	struct pool_stats st;
	char buf[256];

	if (pool_check(&r->pp, buf, sizeof(buf)) != 0) {
		rp_fail_set("%s: pool_check: %s", r->name, buf);
		return;
	}
	pool_stats(&r->pp, &st);
	if (st.avail + st.inuse != st.npages * st.itemsperpage)
		rp_fail_set("%s: avail %" PRIu64 " + inuse %" PRIu64 " != "
		    "%" PRIu64
		    " pages x %" PRIu64, r->name, st.avail, st.inuse, st.npages,
		    st.itemsperpage);
	else if (st.inuse != r->nlive || st.npages != r->npages ||
	    st.npagealloc != r->pgreq || st.npagefree != r->pgrel ||
	    st.nget != r->nget || st.nput != r->nput || st.nfail != r->nfail ||
	    st.errors != r->errors)
		rp_fail_set("%s: statistics: inuse %" PRIu64 "/%u npages "
		    "%" PRIu64
		    "/%" PRIu64 " pgreq %" PRIu64 "/%" PRIu64 " pgrel "
		    "%" PRIu64 "/%"
		    PRIu64 " nget %" PRIu64 "/%" PRIu64 " nput "
		    "%" PRIu64 "/%" PRIu64
		    " nfail %" PRIu64 "/%" PRIu64 " errors "
		    "%" PRIu64 "/%" PRIu64,
		    r->name, st.inuse, r->nlive, st.npages, r->npages,
		    st.npagealloc, r->pgreq, st.npagefree, r->pgrel, st.nget,
		    r->nget, st.nput, r->nput, st.nfail, r->nfail, st.errors,
		    r->errors);
	else if (st.itemsperpage != r->ipp || st.pagesize != r->pagesz)
		rp_fail_set("%s: %" PRIu64 " items per page of %" PRIu64,
		    r->name,
		    st.itemsperpage, st.pagesize);
	if (pt_uvm_ok(buf, sizeof(buf)) != 0)
		rp_fail_set("page layer: %s", buf);
}

/* rp_put: put live item k of pool i back. */
static void
rp_put(unsigned i, unsigned k)
{
	struct rp_pool *r = &rp[i];
	vmem_addr_t x = r->live[k];

	r->live[k] = r->live[--r->nlive];
	if (!pt_set_del(&rp_items, x))
		rp_fail_set("%s: live item %#" PRIx64 " not in the set",
		    r->name, x);
	pool_put(&r->pp, x);
	r->nput++;
}

/*
 * rp_misuse: a bad put on pool i (inside a live item, or the item just put
 * back again) must be reported with its class and change nothing.
 */
static void
rp_misuse(unsigned i)
{
	struct rp_pool *r = &rp[i];
	vmem_addr_t x;
	enum pool_error want;
	int n0 = pt_rep.n;

	if (r->nlive == 0)
		return;
	if (pt_rnd_below(2) == 0) {
		x = r->live[pt_rnd_below(r->nlive)] + 8;
		want = POOL_ERR_BADADDR;
	} else {
		unsigned k = (unsigned)pt_rnd_below(r->nlive);

		x = r->live[k];
		rp_put(i, k);
		/* a page freed at once by that put no longer holds it */
		want = pt_set_find(&rp_pages, x & ~(r->pagesz - 1)) != NULL ?
		    POOL_ERR_DUPFREE : POOL_ERR_BADADDR;
	}
	pool_put(&r->pp, x);
	r->errors++;
	rp_nmisuse++;
	if (pt_rep.n != n0 + 1 || pt_rep.err != want || pt_rep.pp != &r->pp)
		rp_fail_set("%s: bad put of %#" PRIx64 ": %d reports, class "
		    "%d, want 1 of class %d", r->name, x, pt_rep.n - n0,
		    pt_rep.err, want);
}

/*
 * rp_run: one run of nops operations from seed; returns true if every
 * check passed (else a failed TAP check names the seed and the step).
 */
static bool
rp_run(uint64_t seed, unsigned nops)
{
	unsigned step, i, k;
	uint64_t pgrel;
	vmem_addr_t x;
	int flags;

	pt_setup(262144);
	pt_rnd_state = seed;
	rp_fail[0] = '\0';
	rp_nmisuse = rp_nlimit = rp_nreclaimed = 0;
	for (i = 0; i < RP_NPOOLS; i++) {
		struct rp_pool *r = &rp[i];

		r->pa.pa_alloc = rp_pa_alloc;
		r->pa.pa_free = rp_pa_free;
		r->pa.pa_pagesz = r->pagesz == PG ? 0 : r->pagesz;
		r->pa.pa_name = "tracking";
		r->nlive = 0;
		r->npages = r->pgreq = r->pgrel = 0;
		r->nget = r->nput = r->nfail = r->errors = 0;
		pool_init(&r->pp, r->size, r->align, r->ioff, r->flags, r->name,
		    &r->pa, 0);
		r->ipp = pt_stats(&r->pp).itemsperpage;
		if (r->hardlimit != 0)
			pool_sethardlimit(&r->pp, r->hardlimit, NULL, 0);
	}
	for (step = 0; step < nops && rp_fail[0] == '\0'; step++) {
		unsigned op = (unsigned)pt_rnd_below(1000);
		struct rp_pool *r;

		i = (unsigned)pt_rnd_below(RP_NPOOLS);
		r = &rp[i];
		/* keep the number out between 0 and RP_MAXLIVE, wandering */
		if (op < 520 && r->nlive < RP_MAXLIVE) {
			flags = pt_rnd_below(2) ? PR_NOWAIT : PR_WAITOK;
			if (pt_rnd_below(4) == 0)
				flags |= PR_ZERO;
			if (r->hardlimit != 0 && r->nlive >= r->hardlimit)
				flags = PR_NOWAIT |
				    (pt_rnd_below(2) ? PR_LIMITFAIL : 0);
			x = pool_get(&r->pp, flags);
			if (r->hardlimit != 0 && r->nlive >= r->hardlimit) {
				r->nfail++;
				rp_nlimit++;
				if (x != 0)
					rp_fail_set("%s: item beyond the hard "
					    "limit", r->name);
			} else if (x == 0) {
				rp_fail_set("%s: pool_get(%#x) failed", r->name,
				    flags);
			} else {
				r->nget++;
				rp_check_item(i, x);
			}
		} else if (op < 960 && r->nlive > 0) {
			rp_put(i, (unsigned)pt_rnd_below(r->nlive));
		} else if (op < 970) {
			rp_misuse(i);
		} else if (op < 980) {
			/* age the pages, then reclaim */
			kml_delay(pt_rnd_below(2 * SEC));
			rp_nreclaimed += pool_reclaim(&r->pp);
		} else if (op < 985) {
			pool_setlowat(&r->pp, (int)pt_rnd_below(3 * r->ipp));
		} else if (op < 990) {
			pool_sethiwat(&r->pp, pt_rnd_below(4) == 0 ? 0 :
			    (int)pt_rnd_below(RP_MAXLIVE));
		} else if (op < 995) {
			if (pool_prime(&r->pp,
			    (int)pt_rnd_below(2 * r->ipp)) != 0)
				rp_fail_set("%s: pool_prime failed", r->name);
		} else if (op < 997) {
			kml_delay(pt_rnd_below(2 * SEC));
			rp_nreclaimed += pool_drain();
			for (k = 0; k < RP_NPOOLS; k++)
				rp_check_pool(k);
		}
		rp_check_pool(i);
		if (rp_fail[0] != '\0')
			break;
	}
	tap_ok(rp_fail[0] == '\0',
	    "random: seed %#" PRIx64 ": %u operations%s%s",
	    seed, step, rp_fail[0] ? ": " : "", rp_fail);
	if (rp_fail[0] != '\0')
		tap_diag("random: seed %#" PRIx64 " failed at step %u: %s",
		    seed,
		    step, rp_fail);
	/* The run reached what it is meant to exercise. */
	pgrel = 0;
	for (i = 0; i < RP_NPOOLS; i++)
		pgrel += rp[i].pgrel;
	tap_ok(rp_nmisuse > 100 && rp_nlimit > 100 && rp_nreclaimed > 100 &&
	    rp[6].pgreq > 100 && rp[7].pgreq > 100 && pgrel > 1000,
	    "random: seed %#" PRIx64 ": %" PRIu64 " bad puts, %" PRIu64 " gets "
	    "at "
	    "the hard limit, %" PRIu64 " pages reclaimed, %" PRIu64 " given "
	    "back "
	    "in all, %" PRIu64 "+%" PRIu64 " big pages", seed, rp_nmisuse,
	    rp_nlimit, rp_nreclaimed, pgrel, rp[6].pgreq, rp[7].pgreq);
	/* Every page back: put everything, drain, destroy. */
	for (i = 0; i < RP_NPOOLS; i++) {
		while (rp[i].nlive > 0)
			rp_put(i, rp[i].nlive - 1);
		pool_destroy(&rp[i].pp);
		if (rp[i].npages != 0)
			tap_diag("random: %s: %" PRIu64 " pages not given back",
			    rp[i].name, rp[i].npages);
	}
	tap_is(rp_pages.n, 0,
	    "random: seed %#" PRIx64 ": every page given back", seed);
	tap_is(rp_items.n, 0, "random: seed %#" PRIx64 ": no item left", seed);
	tap_is(pt_uvm().wiredpages, 0,
	    "random: seed %#" PRIx64 ": nothing wired", seed);
	pt_set_clear(&rp_items);
	pt_set_clear(&rp_pages);
	pt_teardown();
	return rp_fail[0] == '\0';
}

/* pt_random: three seeds, 120,000 operations in all. */
static void
pt_random(void)
{
	static const uint64_t seeds[] = {
		UINT64_C(0x5eed0001), UINT64_C(0xc0ffee), UINT64_C(0x20261123)
	};

	pt_rep_reset();
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
		rp_run(seeds[s], 40000);
}

int
main(void)
{
	pt_layouts();
	pt_init_panics();
	pt_getput();
	pt_flags();
	pt_misuse();
	pt_lowat();
	pt_hiwat();
	pt_hardlimit();
	pt_sleep();
	pt_reclaim();
	pt_list();
	pt_statdesc();
	pt_pressure();
	pt_random();
	pt_teardown();
	kml_env_set(NULL, NULL);
	return tap_done();
}
