/*
 * tests/uvm_km_test.c: TAP test of the page layer (kmemlab/uvm_km.h,
 * lib/uvm_km.c).
 *
 * How: each case sets the page layer up afresh (ukt_setup: 512 pages of
 * 4 KiB unless said otherwise, low-water mark 16, high-water mark 32, the
 * default kernel address space at 0xffff800000000000) on the
 * uniprocessor environment with its clock at 0, performs one step at a
 * time and checks exact values: the address returned, every field of
 * uvm_stats, the bytes allocated and held by kmem_arena and kmem_va_arena
 * (vmem_size), and the text of every report.  The page layer prints its
 * own reports on stderr, so stderr is captured into a temporary file
 * around the calls that report (ukt_err_begin / ukt_err_end); reports of
 * the two arenas go to a vmem error handler installed as the default
 * before uvm_init (ukt_vmem_handler).  The invariant of lib/uvm_km.c
 * (section 1), freepages + wiredpages + rawpages == physpages, and the
 * one between wired pages and kmem_va_arena's spans (section 2) are
 * checked after every case (ukt_invariants).
 *
 * Reclaimers are test structures that give back pages taken earlier with
 * uvm_pages_alloc from a "bank", and log the order in which they are
 * called.  Sleeping for memory is a deadlock in the uniprocessor
 * environment; a fake two-CPU environment (tests/fakeenv.h) whose
 * eo_sleep runs "another thread" on CPU 1 (it frees pages or runs the
 * pagedaemon) and returns 0 only when that thread woke the sleeper shows
 * that a sleeping allocation proceeds after a free.  Panics are caught by
 * a handler that longjmps back into the case, or, for misuse that panics
 * with the page layer's lock held, in a child process that sends the
 * message back through a pipe (ukt_panic_child).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "fakeenv.h"
#include "tap.h"

#define PG	UINT64_C(4096)			/* page size of every case */
#define KVA	UINT64_C(0xffff800000000000)	/* kernel address space */
#define KVASZ	(UINT64_C(64) << 30)		/* its default size */
#define ALLT	(VMEM_ALLOC | VMEM_FREE)

/* ---- panics in a child process */

/*
 * A panic inside the page layer may leave its lock held, so cases that
 * must panic run in a child process: the parent's page layer is intact.
 */
static int ukt_child_fd = -1;		/* the child's end of the pipe */
static struct uvm_reclaimer *ukt_child_rec;	/* for ukt_(un)register */

/* ukt_child_panic: the child's panic handler: send msg and exit. */
static void __attribute__((noreturn))
ukt_child_panic(const char *msg)
{
	size_t len = strlen(msg);

	if (write(ukt_child_fd, msg, len) != (ssize_t)len)
		_exit(2);
	_exit(0);
}

/*
 * ukt_panic_child: run fn in a child process; return the message of the
 * panic it caused ("" if it returned without one).  The string lives until
 * the next call.
 */
static const char *
ukt_panic_child(void (*fn)(void))
{
	static char msg[1024];
	size_t got = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(fds) != 0)
		tap_bail("pipe failed");
	pid = fork();
	if (pid < 0)
		tap_bail("fork failed");
	if (pid == 0) {
		close(fds[0]);
		ukt_child_fd = fds[1];
		kml_set_panic_handler(ukt_child_panic);
		fn();
		_exit(1);
	}
	close(fds[1]);
	while (got < sizeof(msg) - 1 &&
	    (n = read(fds[0], msg + got, sizeof(msg) - 1 - got)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return msg;
}

/* What children run: misuse that panics. */
static void
ukt_free13(void)
{
	uvm_pages_free(13);
}

static void
ukt_unregister(void)
{
	uvm_reclaimer_unregister(ukt_child_rec);
}

static void
ukt_register(void)
{
	uvm_reclaimer_register(ukt_child_rec);
}

/* ---- capturing stderr */

static FILE *ukt_errfp;			/* where stderr goes while captured */
static int ukt_saved_fd = -1;		/* the real stderr */
static char ukt_errbuf[8192];		/* what was captured */

/* ukt_err_begin: send stderr to a temporary file until ukt_err_end. */
static void
ukt_err_begin(void)
{
	fflush(stderr);
	ukt_errfp = tmpfile();
	if (ukt_errfp == NULL)
		tap_bail("tmpfile failed");
	ukt_saved_fd = dup(2);
	if (ukt_saved_fd < 0 || dup2(fileno(ukt_errfp), 2) < 0)
		tap_bail("cannot redirect stderr");
}

/*
 * ukt_err_end: restore stderr and return what was written to it since
 * ukt_err_begin (a static buffer, valid until the next ukt_err_end).
 */
static const char *
ukt_err_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(ukt_saved_fd, 2);
	close(ukt_saved_fd);
	ukt_saved_fd = -1;
	rewind(ukt_errfp);
	n = fread(ukt_errbuf, 1, sizeof(ukt_errbuf) - 1, ukt_errfp);
	ukt_errbuf[n] = '\0';
	fclose(ukt_errfp);
	ukt_errfp = NULL;
	return ukt_errbuf;
}

/* ---- vmem reports of kmem_arena and kmem_va_arena */

static struct {
	int n;				/* # of reports */
	enum vmem_error err;		/* class of the last one */
	char arena[32];			/* its arena */
	char msg[512];			/* its message */
} ukt_vrep;

/* ukt_vmem_handler: the default vmem error handler: record the report. */
static void
ukt_vmem_handler(void *arg, vmem_t *vm, enum vmem_error err, const char *msg)
{
	(void)arg;
	ukt_vrep.n++;
	ukt_vrep.err = err;
	snprintf(ukt_vrep.arena, sizeof(ukt_vrep.arena), "%s",
	    vm != NULL ? vmem_name(vm) : "");
	snprintf(ukt_vrep.msg, sizeof(ukt_vrep.msg), "%s", msg);
}

/* ---- set-up */

static bool ukt_up;			/* the page layer is set up */

/*
 * ukt_params: the parameters of most cases: physpages pages of 4 KiB,
 * marks 16 and 32, the default address space.
 */
static struct uvm_params
ukt_params(uint64_t physpages)
{
	struct uvm_params p;

	uvm_params_default(&p);
	p.up_physpages = physpages;
	p.up_pagesize = PG;
	p.up_lowat = 16;
	p.up_hiwat = 32;
	return p;
}

/* ukt_teardown: tear the page layer down if it is up (quietly). */
static void
ukt_teardown(void)
{
	if (ukt_up) {
		ukt_err_begin();
		uvm_fini();
		ukt_err_end();
		ukt_up = false;
	}
}

/*
 * ukt_reset: the uniprocessor environment at clock 0, default costs, the
 * test's panic handler and vmem handler, the page layer down.
 */
static void
ukt_reset(void)
{
	ukt_teardown();
	kml_env_set(NULL, NULL);
	kml_env_uni_reset();
	kml_cost_reset();
	kml_set_panic_handler(fakeenv_panic);
	vmem_set_default_error_handler(ukt_vmem_handler, NULL);
	memset(&ukt_vrep, 0, sizeof(ukt_vrep));
}

/* ukt_setup: ukt_reset, then uvm_init(p), which must succeed. */
static void
ukt_setup_params(const struct uvm_params *p)
{
	int error;

	ukt_reset();
	error = uvm_init(p);
	if (error != 0)
		tap_bail("uvm_init failed: %d", error);
	ukt_up = true;
}

/* ukt_setup: ukt_setup_params with ukt_params(physpages). */
static void
ukt_setup(uint64_t physpages)
{
	struct uvm_params p = ukt_params(physpages);

	ukt_setup_params(&p);
}

/* ukt_stats: the page layer's statistics now. */
static struct uvm_stats
ukt_stats(void)
{
	struct uvm_stats st;

	uvm_stats(&st);
	return st;
}

/*
 * ukt_invariants: freepages + wiredpages + rawpages == physpages, and the
 * wired pages are exactly the pages of kmem_va_arena's spans, which are
 * allocated in kmem_arena beside the pageable bytes.
 */
static void
ukt_invariants(const char *what)
{
	struct uvm_stats st = ukt_stats();

	tap_is(st.freepages + st.wiredpages + st.rawpages, st.physpages,
	    "%s: free + wired + raw == physical pages", what);
	tap_is(st.wiredpages * PG, vmem_size(kmem_va_arena, ALLT),
	    "%s: wired pages == bytes of kmem_va_arena's spans", what);
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC),
	    st.wiredpages * PG + st.pageable,
	    "%s: kmem_arena allocated == wired spans + pageable", what);
}

/* ---- reclaimers */

static char ukt_log[256];		/* reclaimers called, in order */

/*
 * A test reclaimer: on each call it gives back gives[call] pages (the
 * last entry repeats) of the bank, without going below 0, and records the
 * want it was called with.
 */
struct ukt_rec {
	struct uvm_reclaimer r;
	const char *name;
	uint64_t gives[4];
	unsigned ngives;
	uint64_t *bank;			/* raw pages it may give back */
	uint64_t wants[8];		/* want of each call */
	unsigned ncalls;
};

/* ukt_rec_fn: ur_fn of the test reclaimers. */
static uint64_t
ukt_rec_fn(void *arg, uint64_t want)
{
	struct ukt_rec *t = arg;
	uint64_t n;

	if (t->ncalls < 8)
		t->wants[t->ncalls] = want;
	n = t->ngives == 0 ? 0 :
	    t->gives[t->ncalls < t->ngives ? t->ncalls : t->ngives - 1];
	t->ncalls++;
	if (n > *t->bank)
		n = *t->bank;
	strncat(ukt_log, t->name, sizeof(ukt_log) - strlen(ukt_log) - 1);
	strncat(ukt_log, " ", sizeof(ukt_log) - strlen(ukt_log) - 1);
	*t->bank -= n;
	uvm_pages_free(n);
	return n;
}

/* ukt_rec_init: a reclaimer called name at order that gives n pages a call. */
static void
ukt_rec_init(struct ukt_rec *t, const char *name, int order, uint64_t n,
    uint64_t *bank)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->r.ur_name = name;
	t->r.ur_order = order;
	t->r.ur_fn = ukt_rec_fn;
	t->r.ur_arg = t;
	t->gives[0] = n;
	t->ngives = 1;
	t->bank = bank;
}

/* ---- a fake environment: two CPUs, CPU 1 plays another thread */

static void (*ukt_fake_work)(unsigned nsleep);	/* what CPU 1 does while CPU 0 sleeps */
static unsigned ukt_waiters_seen;		/* uvm_stats waiters during the sleep */

/*
 * ukt_fake_other: CPU 1's turn while CPU 0 sleeps: note the page layer's
 * waiters, then do ukt_fake_work (if any).
 */
static void
ukt_fake_other(unsigned nsleep)
{
	ukt_waiters_seen = (unsigned)ukt_stats().waiters;
	if (ukt_fake_work != NULL)
		ukt_fake_work(nsleep);
}

/*
 * ukt_fake_install: the fake environment (tests/fakeenv.h) with two CPUs,
 * threads 100 and 101, CPU 0 current; a sleep runs ukt_fake_other on CPU
 * 1 and returns 0 if that woke the channel, else KML_EDEADLK.
 */
static void
ukt_fake_install(void (*other)(unsigned))
{
	fakeenv_install("ukt-fake", 2, 100);
	fakeenv.fe_on_sleep = fakeenv_other_wakes;
	fakeenv.fe_other = ukt_fake_other;
	fakeenv.fe_other_cpu = 1;
	ukt_fake_work = other;
	ukt_waiters_seen = 0;
}

/* ---- cases */

/* ukt_defaults: uvm_params_default and what uvm_init derives from it. */
static void
ukt_defaults(void)
{
	struct uvm_params p;
	struct uvm_stats st;

	ukt_reset();
	tap_ok(kmem_arena == NULL && kmem_va_arena == NULL,
	    "defaults: no arenas before uvm_init");
	tap_is(uvm_pagesize(), 0,
	    "defaults: uvm_pagesize is 0 before uvm_init");

	memset(&p, 0xa5, sizeof(p));
	uvm_params_default(&p);
	tap_is(p.up_physpages, 262144, "defaults: up_physpages 262144 (1 GiB)");
	tap_is(p.up_pagesize, 4096, "defaults: up_pagesize 4096");
	tap_is(p.up_kva_base, KVA, "defaults: up_kva_base 0xffff800000000000");
	tap_is(p.up_kva_size, KVASZ, "defaults: up_kva_size 64 GiB");
	/* lib/uvm_km.c: 0 means "derived by uvm_init from physpages". */
	tap_is(p.up_lowat, 0, "defaults: up_lowat 0 (derived at uvm_init)");
	tap_is(p.up_hiwat, 0, "defaults: up_hiwat 0 (derived at uvm_init)");
	tap_is(p.up_va_qcache_max, 0,
	    "defaults: up_va_qcache_max 0 (derived at uvm_init)");

	tap_is(uvm_init(NULL), 0, "defaults: uvm_init(NULL) returns 0");
	ukt_up = true;
	st = ukt_stats();
	tap_is(st.physpages, 262144, "defaults: 262144 physical pages");
	tap_is(st.freepages, 262144, "defaults: every page free");
	tap_is(st.lowat, 4096, "defaults: lowat physpages / 64 = 4096");
	tap_is(st.hiwat, 8192, "defaults: hiwat 2 * lowat = 8192");
	tap_is(st.wiredpages + st.rawpages + st.pageable + st.waiters, 0,
	    "defaults: nothing wired, raw, pageable or waiting");
	tap_is(st.km_allocs + st.km_frees + st.km_fails + st.page_allocs +
	    st.page_frees + st.page_fails + st.waits + st.pagedaemon_runs +
	    st.reclaimed + st.errors, 0, "defaults: every counter 0");
	tap_is(uvm_pagesize(), 4096, "defaults: uvm_pagesize 4096");
	tap_ok(kmem_arena != NULL && kmem_va_arena != NULL,
	    "defaults: both arenas exist");
	tap_is_str(vmem_name(kmem_arena), "kmem_arena",
	    "defaults: kmem_arena's name");
	tap_is_str(vmem_name(kmem_va_arena), "kmem_va_arena",
	    "defaults: kmem_va_arena's name");
	tap_is(vmem_quantum(kmem_arena), 4096,
	    "defaults: kmem_arena quantum is a page");
	tap_is(vmem_quantum(kmem_va_arena), 4096,
	    "defaults: kmem_va_arena quantum is a page");
	tap_is(vmem_size(kmem_arena, ALLT), KVASZ,
	    "defaults: kmem_arena spans 64 GiB");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 0,
	    "defaults: kmem_arena empty");
	tap_is(vmem_size(kmem_va_arena, ALLT), 0,
	    "defaults: kmem_va_arena starts with no span");
	ukt_invariants("defaults");

	/* Small memories: lowat 16 at least, a quarter at most; hiwat twice. */
	p = ukt_params(512);
	p.up_lowat = p.up_hiwat = 0;
	ukt_setup_params(&p);
	st = ukt_stats();
	tap_is(st.lowat, 16, "defaults: 512 pages: lowat at least 16");
	tap_is(st.hiwat, 32, "defaults: 512 pages: hiwat 32");
	p = ukt_params(40);
	p.up_lowat = p.up_hiwat = 0;
	ukt_setup_params(&p);
	st = ukt_stats();
	tap_is(st.lowat, 10,
	    "defaults: 40 pages: lowat a quarter of memory (10)");
	tap_is(st.hiwat, 20, "defaults: 40 pages: hiwat 20");
	p = ukt_params(1 << 20);
	p.up_lowat = p.up_hiwat = 0;
	ukt_setup_params(&p);
	st = ukt_stats();
	tap_is(st.lowat, 16384, "defaults: 4 GiB: lowat 16384");
	tap_is(st.hiwat, 32768, "defaults: 4 GiB: hiwat 32768");
	ukt_setup(512);
	st = ukt_stats();
	tap_is(st.lowat, 16, "defaults: explicit lowat kept");
	tap_is(st.hiwat, 32, "defaults: explicit hiwat kept");
	ukt_teardown();
}

/* One bad parameter set: the field to change and the message expected. */
struct ukt_bad {
	const char *what;
	void (*set)(struct uvm_params *);
	const char *msg;
};

/* Setters of one bad parameter each. */
static void
ukt_bad_pg0(struct uvm_params *p)
{
	p->up_pagesize = 0;
}

static void
ukt_bad_pg3000(struct uvm_params *p)
{
	p->up_pagesize = 3000;
}

static void
ukt_bad_pg256(struct uvm_params *p)
{
	p->up_pagesize = 256;
}

static void
ukt_bad_phys0(struct uvm_params *p)
{
	p->up_physpages = 0;
}

static void
ukt_bad_hilo(struct uvm_params *p)
{
	p->up_lowat = 40;
	p->up_hiwat = 39;
}

static void
ukt_bad_hiphys(struct uvm_params *p)
{
	p->up_hiwat = 513;
}

static void
ukt_bad_kva0(struct uvm_params *p)
{
	p->up_kva_size = 0;
}

static void
ukt_bad_kvasz(struct uvm_params *p)
{
	p->up_kva_size = KVASZ + 512;
}

static void
ukt_bad_kvabase(struct uvm_params *p)
{
	p->up_kva_base = KVA + 2048;
}

static void
ukt_bad_kvawrap(struct uvm_params *p)
{
	p->up_kva_size = UINT64_C(1) << 62;
}

static void
ukt_bad_qc(struct uvm_params *p)
{
	p->up_va_qcache_max = 6000;
}

/* The message of a bad page size. */
#define UKT_PGMSG \
	"uvm: uvm_init: page size is not a power of two of at least 512\n"

/* ukt_badparams: every bad parameter is EINVAL with a message naming it. */
static void
ukt_badparams(void)
{
	static const struct ukt_bad bad[] = {
		{ "page size 0", ukt_bad_pg0, UKT_PGMSG },
		{ "page size 3000", ukt_bad_pg3000, UKT_PGMSG },
		{ "page size 256", ukt_bad_pg256, UKT_PGMSG },
		{ "no physical memory", ukt_bad_phys0,
		    "uvm: uvm_init: physical memory is empty\n" },
		{ "hiwat below lowat", ukt_bad_hilo, "high-water mark" },
		{ "hiwat above memory", ukt_bad_hiphys, "high-water mark" },
		{ "empty address space", ukt_bad_kva0, "kernel address space" },
		{ "address space not pages", ukt_bad_kvasz,
		    "kernel address space" },
		{ "address space unaligned", ukt_bad_kvabase,
		    "kernel address space" },
		{ "address space wraps", ukt_bad_kvawrap,
		    "kernel address space" },
		{ "qcache_max not pages", ukt_bad_qc, "qcache_max" },
	};
	struct uvm_params p;
	const char *err;
	int error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ukt_reset();
		p = ukt_params(512);
		bad[i].set(&p);
		ukt_err_begin();
		error = uvm_init(&p);
		err = ukt_err_end();
		tap_is(error, EINVAL, "badparams: %s: EINVAL", bad[i].what);
		tap_contains(err, bad[i].msg, "badparams: %s: message names it",
		    bad[i].what);
		tap_ok(kmem_arena == NULL && kmem_va_arena == NULL &&
		    uvm_pagesize() == 0,
		    "badparams: %s: the page layer stays down", bad[i].what);
		if (error == 0) {
			ukt_up = true;
			ukt_teardown();
		}
	}
	ukt_reset();
	p = ukt_params(512);
	p.up_pagesize = 512;
	tap_is(uvm_init(&p), 0, "badparams: page size 512 is fine");
	ukt_up = true;
	tap_is(uvm_pagesize(), 512, "badparams: page size 512 in effect");
	ukt_teardown();
	p = ukt_params(512);
	p.up_lowat = p.up_hiwat = 512;
	ukt_reset();
	tap_is(uvm_init(&p), 0,
	    "badparams: marks equal to physical memory are fine");
	ukt_up = true;
	ukt_teardown();
}

/* ukt_pageable: pageable memory takes address space and no page. */
static void
ukt_pageable(void)
{
	struct uvm_stats st;
	vmem_addr_t a, b, c;

	ukt_setup(512);
	a = uvm_km_alloc(3 * PG + 1, 0, UVM_KMF_PAGEABLE);
	tap_is(a, KVA, "pageable: first allocation at the start of kmem_arena");
	st = ukt_stats();
	tap_is(st.pageable, 4 * PG,
	    "pageable: 3 pages + 1 byte rounded to 4 pages");
	tap_is(st.freepages, 512, "pageable: no physical page taken");
	tap_is(st.wiredpages, 0, "pageable: nothing wired");
	tap_is(st.km_allocs, 1, "pageable: one km_alloc");
	tap_is(st.page_allocs, 0, "pageable: no page_allocs");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 4 * PG,
	    "pageable: kmem_arena holds 4 pages");
	tap_is(vmem_size(kmem_va_arena, ALLT), 0,
	    "pageable: kmem_va_arena untouched");
	ukt_invariants("pageable");

	b = uvm_km_alloc(PG, 16 * PG, UVM_KMF_PAGEABLE);
	tap_is(b, KVA + 16 * PG,
	    "pageable: 16-page alignment: the next aligned address");
	c = uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE | UVM_KMF_ZERO);
	/*
	 * Pageable memory comes from kmem_pageable_arena, which imported
	 * [KVA + 4 PG, KVA + 20 PG) for the aligned page (1 page + 15 for the
	 * alignment): its free pieces are 12 pages below the aligned page and
	 * 3 above.  Instant fit for 1 page takes the head of the first
	 * non-empty list, the 3-page piece.
	 */
	tap_is(c, KVA + 17 * PG,
	    "pageable: instant fit takes the 3 pages after the aligned one");
	st = ukt_stats();
	tap_is(st.pageable, 6 * PG, "pageable: 6 pages pageable");
	tap_is(st.km_allocs, 3, "pageable: three km_allocs");

	uvm_km_free(a, 3 * PG + 1, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(st.pageable, 2 * PG,
	    "pageable: free rounds the size the same way");
	tap_is(st.km_frees, 1, "pageable: one km_free");
	tap_is(st.errors, 0, "pageable: no error");
	uvm_km_free(b, PG, UVM_KMF_PAGEABLE);
	uvm_km_free(c, PG, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(st.pageable, 0, "pageable: all given back");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 0,
	    "pageable: kmem_arena empty again");
	tap_is(st.freepages, 512, "pageable: physical memory never touched");
	tap_is(ukt_vrep.n, 0, "pageable: no vmem report");
	ukt_invariants("pageable end");

	/* Pageable memory is not limited by physical memory. */
	a = uvm_km_alloc(4096 * PG, 0, UVM_KMF_PAGEABLE | UVM_KMF_NOWAIT);
	tap_is(a, KVA, "pageable: 16 MiB on a 2 MiB machine");
	tap_is(ukt_stats().pageable, 4096 * PG, "pageable: 16 MiB pageable");
	uvm_km_free(a, 4096 * PG, UVM_KMF_PAGEABLE);
	ukt_teardown();
}

/* ukt_wired: wired memory imports spans into kmem_va_arena, backed by pages. */
static void
ukt_wired(void)
{
	struct uvm_stats st;
	vmem_addr_t a, b, c, d;

	ukt_setup(512);
	a = uvm_km_alloc(2 * PG, 0, UVM_KMF_WIRED);
	tap_is(a, KVA, "wired: first allocation at the start of the address "
	    "space");
	st = ukt_stats();
	tap_is(st.wiredpages, 2, "wired: 2 pages wired");
	tap_is(st.freepages, 510, "wired: 510 pages free");
	tap_is(st.page_allocs, 2, "wired: 2 pages taken");
	tap_is(st.km_allocs, 1, "wired: one km_alloc");
	tap_is(st.pageable, 0, "wired: nothing pageable");
	tap_is(vmem_size(kmem_va_arena, VMEM_ALLOC), 2 * PG,
	    "wired: kmem_va_arena holds 2 pages");
	tap_is(vmem_size(kmem_va_arena, ALLT), 2 * PG,
	    "wired: one span of exactly 2 pages imported");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 2 * PG,
	    "wired: kmem_arena gave 2 pages");
	ukt_invariants("wired");

	b = uvm_km_alloc(1, 0, UVM_KMF_WIRED | UVM_KMF_ZERO);
	tap_is(b, KVA + 2 * PG, "wired: 1 byte: the next page");
	st = ukt_stats();
	tap_is(st.wiredpages, 3, "wired: 1 byte wires a whole page");
	tap_is(vmem_size(kmem_va_arena, ALLT), 3 * PG, "wired: a second span");

	uvm_km_free(a, 2 * PG, UVM_KMF_WIRED);
	st = ukt_stats();
	tap_is(st.wiredpages, 1,
	    "wired: a wholly free span is released at once");
	tap_is(st.freepages, 511, "wired: its pages are free again");
	tap_is(st.page_frees, 2, "wired: 2 pages given back");
	tap_is(st.km_frees, 1, "wired: one km_free");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), PG,
	    "wired: address space given back too");
	ukt_invariants("wired after free");
	uvm_km_free(b, 1, UVM_KMF_WIRED);
	st = ukt_stats();
	tap_is(st.wiredpages, 0, "wired: nothing wired");
	tap_is(st.freepages, 512, "wired: every page free");
	tap_is(st.errors, 0, "wired: no error");
	tap_is(vmem_size(kmem_va_arena, ALLT), 0,
	    "wired: kmem_va_arena has no span left");

	/*
	 * An aligned request imports size + align - pagesize of address space
	 * (vmem's import rule), so the span holds an aligned address wherever
	 * it lies; as in NetBSD, only the allocation is wired, and the slack
	 * serves later requests.
	 */
	c = uvm_km_alloc(PG, 4 * PG, UVM_KMF_WIRED);
	tap_is(c, KVA, "wired aligned: 4-page aligned address");
	st = ukt_stats();
	tap_is(st.wiredpages, 1,
	    "wired aligned: only the allocated page is wired");
	tap_is(vmem_size(kmem_va_arena, VMEM_ALLOC), PG,
	    "wired aligned: 1 page allocated");
	tap_is(vmem_size(kmem_va_arena, VMEM_FREE), 3 * PG,
	    "wired aligned: 3 pages of slack");
	d = uvm_km_alloc(2 * PG, 0, UVM_KMF_WIRED);
	tap_is(d, KVA + PG, "wired aligned: the slack serves the next request");
	tap_is(vmem_size(kmem_va_arena, ALLT), 4 * PG,
	    "wired aligned: no new span");
	tap_is(ukt_stats().wiredpages, 3, "wired aligned: 3 pages wired");
	tap_is(ukt_stats().page_allocs, 6,
	    "wired aligned: 6 pages taken in all");
	uvm_km_free(c, PG, UVM_KMF_WIRED);
	tap_is(ukt_stats().wiredpages, 2,
	    "wired aligned: the freed page unwired at once");
	tap_is(vmem_size(kmem_va_arena, ALLT), 4 * PG,
	    "wired aligned: span still partly used");
	uvm_km_free(d, 2 * PG, UVM_KMF_WIRED);
	tap_is(ukt_stats().wiredpages, 0,
	    "wired aligned: span released when wholly free");
	ukt_invariants("wired aligned");

	/* Alignment above the address space's own alignment. */
	a = uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE);
	b = uvm_km_alloc(PG, 8 * PG, UVM_KMF_WIRED);
	tap_is(a, KVA, "wired aligned 2: a pageable page at the start");
	tap_is(b, KVA + 8 * PG, "wired aligned 2: 8-page aligned");
	tap_is(ukt_stats().wiredpages, 1,
	    "wired aligned 2: one page wired in an 8-page span");
	tap_is(vmem_size(kmem_va_arena, ALLT), 8 * PG,
	    "wired aligned 2: span of 8 pages");
	uvm_km_free(b, PG, UVM_KMF_WIRED);
	uvm_km_free(a, PG, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(st.wiredpages + st.pageable, 0,
	    "wired aligned 2: all given back");
	tap_is(st.errors, 0, "wired aligned 2: no error");
	tap_is(ukt_vrep.n, 0, "wired: no vmem report");
	ukt_invariants("wired end");
	ukt_teardown();
}

/* ukt_pages: uvm_pages_alloc and uvm_pages_free count raw pages. */
static void
ukt_pages(void)
{
	struct uvm_stats st;
	const char *err;

	ukt_setup(512);
	tap_is(uvm_pages_alloc(10, UVM_KMF_NOWAIT), 0, "pages: 10 pages");
	st = ukt_stats();
	tap_is(st.rawpages, 10, "pages: 10 raw pages");
	tap_is(st.freepages, 502, "pages: 502 free");
	tap_is(st.page_allocs, 10, "pages: page_allocs 10");
	tap_is(uvm_pages_alloc(0, 0), 0, "pages: 0 pages is a no-op");
	tap_is(ukt_stats().page_allocs, 10, "pages: 0 pages counts nothing");
	tap_is(uvm_pages_alloc(502, UVM_KMF_NOWAIT), 0,
	    "pages: every free page");
	st = ukt_stats();
	tap_is(st.freepages, 0, "pages: none free");
	tap_is(st.rawpages, 512, "pages: 512 raw");
	tap_is(uvm_pages_alloc(1, UVM_KMF_NOWAIT), ENOMEM,
	    "pages: one more: ENOMEM");
	st = ukt_stats();
	/* One failed attempt before the pagedaemon, one after it. */
	tap_is(st.page_fails, 2,
	    "pages: page_fails 2 (before and after the pagedaemon)");
	tap_is(st.pagedaemon_runs, 0, "pages: nothing to reclaim");
	tap_is(st.errors, 0, "pages: a NOWAIT failure is not an error");
	tap_is(st.waits, 0, "pages: a NOWAIT request does not sleep");
	uvm_pages_free(500);
	st = ukt_stats();
	tap_is(st.rawpages, 12, "pages: 12 raw left");
	tap_is(st.freepages, 500, "pages: 500 free");
	tap_is(st.page_frees, 500, "pages: page_frees 500");
	uvm_pages_free(0);
	tap_is(ukt_stats().page_frees, 500,
	    "pages: freeing 0 pages counts nothing");
	tap_is(uvm_pages_alloc(600, UVM_KMF_NOWAIT), ENOMEM,
	    "pages: more than memory: ENOMEM");
	tap_is(ukt_stats().rawpages, 12, "pages: failure took nothing");
	ukt_invariants("pages");

	/* Giving back more than was taken is a panic. */
	tap_contains(ukt_panic_child(ukt_free13), "giving back 13 raw pages, "
	    "only 12 taken",
	    "pages: freeing 13 of 12 raw pages panics, naming both");
	tap_is(ukt_stats().rawpages, 12, "pages: (in the parent) still 12 raw");

	/* A sleeping request in the uniprocessor environment: deadlock. */
	ukt_setup(512);
	tap_is(uvm_pages_alloc(500, 0), 0, "pages sleep: 500 pages");
	ukt_err_begin();
	tap_is(uvm_pages_alloc(20, 0), ENOMEM, "pages sleep: 20 more: ENOMEM");
	err = ukt_err_end();
	tap_is_str(err,
	    "uvm: page layer \"memwait\": uvm_pages_alloc of 20 pages "
	    "cannot be satisfied: deadlock: thread 0 on cpu 0 would sleep on "
	    "\"memwait\" forever: the uniprocessor environment has no other "
	    "thread to wake it\n", "pages sleep: deadlock reported on stderr");
	st = ukt_stats();
	tap_is(st.waits, 1, "pages sleep: one sleep");
	tap_is(st.errors, 1, "pages sleep: the deadlock is an error");
	tap_is(st.page_fails, 2, "pages sleep: two failed attempts");
	tap_is(st.waiters, 0, "pages sleep: nobody left waiting");
	tap_is(st.rawpages, 500, "pages sleep: nothing taken");
	tap_contains(kml_last_deadlock(), "\"memwait\"",
	    "pages sleep: environment names memwait");
	ukt_teardown();
}

/* ukt_shortage: NOWAIT failures with exact counts; bad requests. */
static void
ukt_shortage(void)
{
	struct uvm_stats st;
	const char *err;
	vmem_addr_t a;

	ukt_setup(512);
	a = uvm_km_alloc(513 * PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	tap_is(a, 0, "shortage: 513 wired pages of 512: 0");
	st = ukt_stats();
	tap_is(st.km_fails, 1, "shortage: one km_fail");
	tap_is(st.km_allocs, 0, "shortage: no km_alloc");
	tap_is(st.page_fails, 2, "shortage: two failed page attempts");
	tap_is(st.freepages, 512, "shortage: nothing taken");
	tap_is(st.errors, 0, "shortage: not an error");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 0,
	    "shortage: address space given back");
	tap_is(vmem_size(kmem_va_arena, ALLT), 0,
	    "shortage: no span left behind");
	tap_is(ukt_vrep.n, 0, "shortage: no vmem report");
	ukt_invariants("shortage");

	tap_is(uvm_pages_alloc(500, UVM_KMF_NOWAIT), 0,
	    "shortage: 500 raw pages");
	a = uvm_km_alloc(12 * PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	tap_is(a, KVA, "shortage: the last 12 pages");
	a = uvm_km_alloc(PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	tap_is(a, 0, "shortage: one more page: 0");
	st = ukt_stats();
	tap_is(st.freepages, 0, "shortage: no page free");
	tap_is(st.wiredpages, 12, "shortage: 12 wired");
	tap_is(st.km_fails, 2, "shortage: km_fails 2");
	tap_is(st.page_fails, 4, "shortage: page_fails 4");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 12 * PG,
	    "shortage: only the 12 pages in kmem_arena");
	/* Pageable memory still works. */
	a = uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE | UVM_KMF_NOWAIT);
	tap_is(a, KVA + 12 * PG, "shortage: pageable memory needs no page");
	uvm_km_free(a, PG, UVM_KMF_PAGEABLE);
	ukt_invariants("shortage full");

	/* Bad requests are reported and fail. */
	ukt_setup(512);
	ukt_err_begin();
	a = uvm_km_alloc(PG, 0, UVM_KMF_WIRED | UVM_KMF_PAGEABLE);
	err = ukt_err_end();
	tap_is(a, 0, "bad: both types: 0");
	tap_is_str(err,
	    "uvm: page layer \"uvm_km\": uvm_km_alloc: bad request: "
	    "size 0x1000 align 0 flags 0x3\n", "bad: both types: message");
	ukt_err_begin();
	a = uvm_km_alloc(PG, 0, UVM_KMF_NOWAIT);
	err = ukt_err_end();
	tap_is(a, 0, "bad: no type: 0");
	tap_contains(err, "uvm_km_alloc: bad request",
	    "bad: no type: reported");
	ukt_err_begin();
	a = uvm_km_alloc(0, 0, UVM_KMF_WIRED);
	err = ukt_err_end();
	tap_is(a, 0, "bad: size 0: 0");
	tap_contains(err, "uvm_km_alloc: bad request: size 0",
	    "bad: size 0: reported");
	ukt_err_begin();
	a = uvm_km_alloc(PG, 3 * PG, UVM_KMF_WIRED);
	err = ukt_err_end();
	tap_is(a, 0, "bad: align 3 pages: 0");
	tap_contains(err, "align 0x3000", "bad: align 3 pages: reported");
	ukt_err_begin();
	a = uvm_km_alloc(PG, 0, UVM_KMF_WIRED | 0x100);
	err = ukt_err_end();
	tap_is(a, 0, "bad: unknown flag: 0");
	tap_contains(err, "flags 0x101", "bad: unknown flag: reported");
	st = ukt_stats();
	tap_is(st.errors, 5, "bad: 5 errors");
	tap_is(st.km_fails, 5, "bad: 5 km_fails");
	tap_is(st.km_allocs + st.wiredpages + st.pageable, 0,
	    "bad: nothing allocated");
	ukt_invariants("bad");
	ukt_teardown();
}

/* ukt_kva: the kernel address space runs out before physical memory. */
static void
ukt_kva(void)
{
	struct uvm_params p = ukt_params(512);
	struct uvm_stats st;
	const char *err;
	vmem_addr_t a, b;

	p.up_kva_size = 16 * PG;
	ukt_setup_params(&p);
	a = uvm_km_alloc(12 * PG, 0, UVM_KMF_PAGEABLE);
	tap_is(a, KVA, "kva: 12 pageable pages");
	b = uvm_km_alloc(4 * PG, 0, UVM_KMF_WIRED);
	tap_is(b, KVA + 12 * PG, "kva: 4 wired pages fill the address space");
	tap_is(uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE | UVM_KMF_NOWAIT), 0,
	    "kva: no address space: pageable NOWAIT fails");
	tap_is(uvm_km_alloc(PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT), 0,
	    "kva: no address space: wired NOWAIT fails");
	st = ukt_stats();
	tap_is(st.km_fails, 2, "kva: km_fails 2");
	tap_is(st.page_fails, 0, "kva: no page was short");
	tap_is(st.freepages, 508, "kva: 508 pages free all along");
	tap_is(st.errors, 0, "kva: NOWAIT failures are not errors");
	ukt_err_begin();
	tap_is(uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE), 0,
	    "kva: a sleeping pageable request: deadlock, 0");
	err = ukt_err_end();
	tap_contains(err, "uvm: page layer \"memwait\": uvm_km_alloc of ",
	    "kva: the deadlock is reported");
	tap_contains(err, "deadlock: thread 0 on cpu 0",
	    "kva: with the explanation");
	/* The request was one page of address space, not 0 pages. */
	if (!tap_ok(strstr(err, "of 0 pages") == NULL,
	    "kva: the report describes the request (not \"0 pages\")"))
		tap_diag("report: %s", err);
	tap_is(ukt_stats().errors, 1, "kva: one error");
	uvm_km_free(b, 4 * PG, UVM_KMF_WIRED);
	uvm_km_free(a, 12 * PG, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(st.wiredpages + st.pageable, 0, "kva: all given back");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 0, "kva: address space free");
	ukt_invariants("kva");
	ukt_teardown();
}

/* ukt_misuse: frees that do not match an allocation change nothing. */
static void
ukt_misuse(void)
{
	struct uvm_stats st0, st;
	vmem_addr_t a, w;
	const char *err;

	ukt_setup(512);
	a = uvm_km_alloc(2 * PG, 0, UVM_KMF_PAGEABLE);
	w = uvm_km_alloc(PG, 0, UVM_KMF_WIRED);
	tap_is(a, KVA, "misuse: pageable at the start");
	tap_is(w, KVA + 2 * PG, "misuse: wired after it");
	st0 = ukt_stats();

	uvm_km_free(KVA + 100 * PG, PG, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(ukt_vrep.n, 1,
	    "misuse: free of an unallocated address: vmem reports it");
	tap_is(ukt_vrep.err, VMEM_ERR_NOTALLOC, "misuse: not allocated");
	tap_is_str(ukt_vrep.arena, "kmem_pageable_arena",
	    "misuse: in kmem_pageable_arena");
	tap_is(st.errors, st0.errors + 1,
	    "misuse: counted as a page-layer error");
	tap_is(st.pageable, st0.pageable, "misuse: pageable unchanged");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 3 * PG,
	    "misuse: kmem_arena unchanged");

	uvm_km_free(a, PG, UVM_KMF_PAGEABLE);
	st = ukt_stats();
	tap_is(ukt_vrep.n, 2, "misuse: free with the wrong size: reported");
	tap_is(ukt_vrep.err, VMEM_ERR_WRONGSIZE, "misuse: wrong size");
	tap_is(st.errors, st0.errors + 2, "misuse: second error");
	tap_is(st.pageable, 2 * PG, "misuse: pageable still 2 pages");

	uvm_km_free(a, 2 * PG, UVM_KMF_WIRED);
	st = ukt_stats();
	tap_is(ukt_vrep.n, 3, "misuse: pageable freed as wired: reported");
	tap_is_str(ukt_vrep.arena, "kmem_va_arena", "misuse: by kmem_va_arena");
	tap_is(ukt_vrep.err, VMEM_ERR_NOTALLOC, "misuse: not allocated there");
	tap_is(st.pageable, 2 * PG, "misuse: pageable unchanged");
	tap_is(st.wiredpages, 1, "misuse: wired unchanged");

	ukt_err_begin();
	uvm_km_free(a, 2 * PG, 0);
	err = ukt_err_end();
	tap_is_str(err,
	    "uvm: page layer \"uvm_km\": uvm_km_free: flags 0 name no "
	    "memory type\n", "misuse: free without a type: message");
	st = ukt_stats();
	tap_is(st.errors, st0.errors + 4, "misuse: fourth error");
	tap_is(st.pageable, 2 * PG,
	    "misuse: pageable unchanged after untyped free");

	/* A wired page freed as pageable: refused, not torn from its span. */
	ukt_vrep.n = 0;
	ukt_err_begin();
	uvm_km_free(w, PG, UVM_KMF_PAGEABLE);
	err = ukt_err_end();
	st = ukt_stats();
	tap_ok(ukt_vrep.n + (err[0] != '\0') >= 1,
	    "misuse: wired freed as pageable: reported");
	tap_is(st.errors, st0.errors + 5,
	    "misuse: wired freed as pageable: an error");
	tap_is(st.pageable, 2 * PG,
	    "misuse: wired freed as pageable: pageable unchanged");
	tap_is(st.wiredpages, 1,
	    "misuse: wired freed as pageable: still wired");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 3 * PG,
	    "misuse: wired freed as pageable: kmem_arena unchanged");
	tap_is(vmem_size(kmem_va_arena, VMEM_ALLOC), PG,
	    "misuse: wired freed as pageable: kmem_va_arena unchanged");

	/* Proper frees still work afterwards. */
	uvm_km_free(a, 2 * PG, UVM_KMF_PAGEABLE);
	if (ukt_stats().wiredpages == 1)
		uvm_km_free(w, PG, UVM_KMF_WIRED);
	st = ukt_stats();
	tap_is(st.pageable, 0, "misuse: pageable freed properly");
	tap_is(st.wiredpages, 0, "misuse: wired freed properly");
	tap_is(st.freepages, 512, "misuse: every page free");
	ukt_teardown();
}

/* Bank of raw pages that the test reclaimers give back. */
static uint64_t ukt_bank;

/* ukt_reclaimers: order of registration and of the pagedaemon's calls. */
static void
ukt_reclaimers(void)
{
	struct ukt_rec a, b, c, d, e;
	struct uvm_stats st;

	ukt_setup(512);
	tap_is(uvm_pages_alloc(500, UVM_KMF_NOWAIT), 0,
	    "reclaim: 500 raw pages");
	ukt_bank = 500;
	ukt_rec_init(&a, "A", UVM_RECLAIM_CACHE_TRIM, 5, &ukt_bank);
	ukt_rec_init(&b, "B", UVM_RECLAIM_DRAIN_HOOKS, 5, &ukt_bank);
	ukt_rec_init(&c, "C", UVM_RECLAIM_CACHE_TRIM, 20, &ukt_bank);
	ukt_rec_init(&d, "D", UVM_RECLAIM_IDLE_PAGES, 100, &ukt_bank);
	ukt_rec_init(&e, "E", 5, 0, &ukt_bank);
	uvm_reclaimer_register(&a.r);
	uvm_reclaimer_register(&b.r);
	uvm_reclaimer_register(&c.r);
	uvm_reclaimer_register(&d.r);
	uvm_reclaimer_register(&e.r);

	/* free 12 < lowat 16: reclaim up to hiwat 32. */
	ukt_log[0] = '\0';
	tap_is(uvm_pagedaemon(), 30, "reclaim: pagedaemon reclaims 30 pages");
	tap_is_str(ukt_log, "E B A C ",
	    "reclaim: order 5, 10, 20, 20 (A before C), stops before D");
	tap_is(e.wants[0], 20, "reclaim: E asked for 20");
	tap_is(b.wants[0], 20, "reclaim: B asked for 20 (E gave nothing)");
	tap_is(a.wants[0], 15, "reclaim: A asked for 15");
	tap_is(c.wants[0], 10, "reclaim: C asked for 10");
	tap_is(e.r.ur_calls, 1, "reclaim: E called once");
	tap_is(e.r.ur_pages, 0, "reclaim: E freed nothing");
	tap_is(b.r.ur_pages, 5, "reclaim: B freed 5");
	tap_is(a.r.ur_pages, 5, "reclaim: A freed 5");
	tap_is(c.r.ur_pages, 20, "reclaim: C freed 20");
	tap_is(d.r.ur_calls, 0, "reclaim: D not called");
	tap_is(d.r.ur_pages, 0, "reclaim: D freed nothing");
	st = ukt_stats();
	tap_is(st.freepages, 42, "reclaim: 42 pages free");
	tap_is(st.pagedaemon_runs, 1, "reclaim: one run that reclaimed");
	tap_is(st.reclaimed, 30, "reclaim: 30 reclaimed");

	/* Above the low-water mark the pagedaemon does nothing. */
	ukt_log[0] = '\0';
	tap_is(uvm_pagedaemon(), 0, "reclaim: 42 free >= lowat: nothing");
	tap_is_str(ukt_log, "", "reclaim: no reclaimer called");
	tap_is(ukt_stats().pagedaemon_runs, 1, "reclaim: runs unchanged");
	tap_is(uvm_pages_alloc(26, UVM_KMF_NOWAIT), 0,
	    "reclaim: 26 more raw pages");
	ukt_bank += 26;
	tap_is(ukt_stats().freepages, 16, "reclaim: 16 free = lowat");
	tap_is(uvm_pagedaemon(), 0, "reclaim: free == lowat: nothing");
	tap_is_str(ukt_log, "", "reclaim: still no reclaimer called");

	/* Unregistered reclaimers are not called; D runs when needed. */
	tap_is(uvm_pages_alloc(6, UVM_KMF_NOWAIT), 0,
	    "reclaim: 6 more raw pages");
	ukt_bank += 6;
	uvm_reclaimer_unregister(&c.r);
	tap_is(uvm_pagedaemon(), 110, "reclaim: second run reclaims 110");
	tap_is_str(ukt_log, "E B A D ", "reclaim: C gone, D reached");
	tap_is(d.wants[0], 12, "reclaim: D asked for 12 (32 - 20)");
	tap_is(d.r.ur_pages, 100, "reclaim: D freed 100 (more than asked)");
	tap_is(e.r.ur_calls, 2, "reclaim: E called twice");
	st = ukt_stats();
	tap_is(st.freepages, 120, "reclaim: 120 free");
	tap_is(st.pagedaemon_runs, 2, "reclaim: two runs");
	tap_is(st.reclaimed, 140, "reclaim: 140 reclaimed in all");

	/* Nobody can give anything: a fruitless run is not counted. */
	ukt_bank = 0;
	tap_is(uvm_pages_alloc(110, UVM_KMF_NOWAIT), 0,
	    "reclaim: 110 more raw pages");
	ukt_log[0] = '\0';
	tap_is(uvm_pagedaemon(), 0, "reclaim: empty bank: 0");
	tap_is_str(ukt_log, "E B A D ", "reclaim: every reclaimer tried");
	tap_is(ukt_stats().pagedaemon_runs, 2,
	    "reclaim: a fruitless run is not counted");

	/* Equal orders: first come, first called, whatever the other orders. */
	uvm_reclaimer_unregister(&a.r);
	uvm_reclaimer_register(&a.r);
	uvm_reclaimer_register(&c.r);
	tap_is(a.r.ur_calls, 0, "reclaim: registration clears ur_calls");
	ukt_log[0] = '\0';
	uvm_pagedaemon();
	tap_is_str(ukt_log, "E B A C D ",
	    "reclaim: A re-registered before C: A C");
	uvm_reclaimer_unregister(&a.r);
	uvm_reclaimer_unregister(&b.r);
	uvm_reclaimer_unregister(&c.r);
	uvm_reclaimer_unregister(&d.r);
	uvm_reclaimer_unregister(&e.r);
	ukt_log[0] = '\0';
	tap_is(uvm_pagedaemon(), 0, "reclaim: no reclaimers: 0");
	tap_is_str(ukt_log, "", "reclaim: nothing called");

	/* Misuse of the reclaimer list is a panic. */
	ukt_child_rec = &a.r;
	tap_contains(ukt_panic_child(ukt_unregister), "reclaimer \"A\" is not "
	    "registered",
	    "reclaim: unregistering an unregistered reclaimer panics");
	uvm_reclaimer_register(&a.r);
	tap_contains(ukt_panic_child(ukt_register),
	    "reclaimer \"A\" registered "
	    "twice", "reclaim: registering twice panics");
	uvm_reclaimer_unregister(&a.r);
	ukt_invariants("reclaim");
	ukt_teardown();
}

/* ukt_alloc_reclaims: a shortage in an allocation runs the pagedaemon. */
static void
ukt_alloc_reclaims(void)
{
	struct ukt_rec a, b;
	struct uvm_stats st;
	vmem_addr_t va;

	ukt_setup(512);
	tap_is(uvm_pages_alloc(500, UVM_KMF_NOWAIT), 0,
	    "alloc reclaim: 500 raw pages");
	ukt_bank = 500;
	ukt_rec_init(&a, "A", UVM_RECLAIM_DRAIN_HOOKS, 10, &ukt_bank);
	ukt_rec_init(&b, "B", UVM_RECLAIM_IDLE_PAGES, 15, &ukt_bank);
	uvm_reclaimer_register(&b.r);
	uvm_reclaimer_register(&a.r);
	ukt_log[0] = '\0';

	/* 12 free, 16 wanted: reclaim to lowat + 16 = 32 (== hiwat). */
	va = uvm_km_alloc(16 * PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	tap_is(va, KVA, "alloc reclaim: 16 wired pages after reclaiming");
	tap_is_str(ukt_log, "A B ", "alloc reclaim: A then B");
	tap_is(a.wants[0], 20, "alloc reclaim: A asked for 20");
	tap_is(b.wants[0], 10, "alloc reclaim: B asked for 10");
	st = ukt_stats();
	tap_is(st.freepages, 21, "alloc reclaim: 12 + 25 - 16 = 21 free");
	tap_is(st.wiredpages, 16, "alloc reclaim: 16 wired");
	tap_is(st.page_fails, 1, "alloc reclaim: one failed attempt");
	tap_is(st.pagedaemon_runs, 1, "alloc reclaim: one run");
	tap_is(st.reclaimed, 25, "alloc reclaim: 25 reclaimed");
	tap_is(st.km_fails, 0, "alloc reclaim: no km_fail");

	/* A big request sets the target above hiwat: lowat + 40 = 56. */
	ukt_log[0] = '\0';
	a.gives[0] = 30;
	b.gives[0] = 30;
	a.ncalls = b.ncalls = 0;
	tap_is(uvm_pages_alloc(40, UVM_KMF_NOWAIT), 0,
	    "alloc reclaim: 40 raw pages");
	tap_is_str(ukt_log, "A B ", "alloc reclaim: both needed");
	tap_is(a.wants[0], 35, "alloc reclaim: A asked for 56 - 21 = 35");
	tap_is(b.wants[0], 5, "alloc reclaim: B asked for 5");
	tap_is(ukt_stats().freepages, 41,
	    "alloc reclaim: 21 + 60 - 40 = 41 free");
	tap_is(ukt_stats().reclaimed, 85, "alloc reclaim: 85 reclaimed in all");

	/* Pageable memory is not short of pages: no reclaimer is called. */
	ukt_log[0] = '\0';
	va = uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE);
	tap_is_str(ukt_log, "", "alloc reclaim: pageable: nobody called");
	uvm_km_free(va, PG, UVM_KMF_PAGEABLE);

	/* Nothing left to reclaim: a NOWAIT request fails cleanly. */
	ukt_bank = 0;
	tap_is(uvm_pages_alloc(41, UVM_KMF_NOWAIT), 0,
	    "alloc reclaim: take every page");
	ukt_log[0] = '\0';
	va = uvm_km_alloc(PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	tap_is(va, 0, "alloc reclaim: empty bank: 0");
	tap_is_str(ukt_log, "A B ", "alloc reclaim: both tried");
	st = ukt_stats();
	tap_is(st.km_fails, 1, "alloc reclaim: one km_fail");
	tap_is(st.errors, 0, "alloc reclaim: not an error");
	tap_is(st.waits, 0, "alloc reclaim: no sleep");
	uvm_reclaimer_unregister(&a.r);
	uvm_reclaimer_unregister(&b.r);
	ukt_invariants("alloc reclaim");
	ukt_teardown();
}

/* ukt_deadlock: a sleeping allocation in the uniprocessor environment. */
static void
ukt_deadlock(void)
{
	struct uvm_stats st;
	const char *err;
	vmem_addr_t va;
	struct ukt_rec a;

	ukt_setup(512);
	tap_is(uvm_pages_alloc(500, 0), 0, "deadlock: 500 raw pages");
	ukt_bank = 0;
	ukt_rec_init(&a, "A", UVM_RECLAIM_QCACHE, 0, &ukt_bank);
	uvm_reclaimer_register(&a.r);
	ukt_log[0] = '\0';
	ukt_err_begin();
	va = uvm_km_alloc(16 * PG, 0, UVM_KMF_WIRED);
	err = ukt_err_end();
	tap_is(va, 0, "deadlock: 16 wired pages that nobody can give: 0");
	tap_is_str(err, "uvm: page layer \"memwait\": uvm_km_alloc of 65536 bytes "
	    "cannot be satisfied: deadlock: thread 0 on cpu 0 would sleep on "
	    "\"memwait\" forever: the uniprocessor environment has no other "
	    "thread to wake it\n", "deadlock: reported on stderr");
	tap_is_str(ukt_log, "A ", "deadlock: the pagedaemon ran first");
	st = ukt_stats();
	tap_is(st.km_fails, 1, "deadlock: km_fails 1");
	tap_is(st.waits, 1, "deadlock: one sleep");
	tap_is(st.errors, 1, "deadlock: one error");
	tap_is(st.waiters, 0, "deadlock: no waiter left");
	tap_is(st.wiredpages, 0, "deadlock: nothing wired");
	tap_is(vmem_size(kmem_arena, VMEM_ALLOC), 0,
	    "deadlock: address space given back");
	tap_is(vmem_size(kmem_va_arena, ALLT), 0, "deadlock: no span left");
	tap_is(ukt_vrep.n, 0, "deadlock: vmem reported nothing");
	/* The same request with UVM_KMF_NOWAIT fails quietly. */
	ukt_err_begin();
	va = uvm_km_alloc(16 * PG, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT);
	err = ukt_err_end();
	tap_is(va, 0, "deadlock: NOWAIT: 0");
	tap_is_str(err, "", "deadlock: NOWAIT: nothing reported");
	tap_is(ukt_stats().errors, 1, "deadlock: NOWAIT: no new error");
	uvm_reclaimer_unregister(&a.r);
	ukt_invariants("deadlock");
	ukt_teardown();
}

/* CPU 1's work in ukt_sleep: see each case. */
static unsigned ukt_other_mode;
static struct ukt_rec ukt_other_rec;

/*
 * ukt_other: another thread, on CPU 1, while CPU 0 sleeps for memory:
 * mode 1 frees 20 raw pages; mode 2 frees 8 pages per sleep; mode 3 runs
 * the pagedaemon on the first sleep (whose reclaimer gives nothing) and
 * frees 20 pages on the second.
 */
static void
ukt_other(unsigned nsleep)
{
	switch (ukt_other_mode) {
	case 1:
		uvm_pages_free(20);
		break;
	case 2:
		uvm_pages_free(8);
		break;
	case 3:
		if (nsleep == 1)
			uvm_pagedaemon();
		else
			uvm_pages_free(20);
		break;
	}
}

/* ukt_sleep: with another thread that frees memory, a sleeper proceeds. */
static void
ukt_sleep(void)
{
	struct uvm_stats st;
	vmem_addr_t va;

	/* Mode 1: one sleep, then the allocation succeeds. */
	ukt_setup(512);
	ukt_fake_install(ukt_other);
	ukt_other_mode = 1;
	tap_is(uvm_pages_alloc(510, UVM_KMF_NOWAIT), 0, "sleep: 510 raw pages");
	va = uvm_km_alloc(16 * PG, 0, UVM_KMF_WIRED);
	tap_is(va, KVA, "sleep: 16 wired pages after another thread freed 20");
	tap_is(fakeenv.fe_nsleep, 1, "sleep: slept once");
	tap_is_str(fakeenv.fe_sleepname, "memwait", "sleep: on \"memwait\"");
	tap_is(ukt_waiters_seen, 1, "sleep: one waiter while asleep");
	tap_is(fakeenv.fe_nwakeup, 1, "sleep: the free woke it");
	st = ukt_stats();
	tap_is(st.waits, 1, "sleep: waits 1");
	tap_is(st.waiters, 0, "sleep: no waiter after");
	tap_is(st.errors, 0, "sleep: no error");
	tap_is(st.km_allocs, 1, "sleep: km_allocs 1");
	tap_is(st.km_fails, 0, "sleep: no km_fail");
	tap_is(st.page_fails, 2, "sleep: two failed attempts before the sleep");
	tap_is(st.wiredpages, 16, "sleep: 16 wired");
	tap_is(st.rawpages, 490, "sleep: 490 raw");
	tap_is(st.freepages, 6, "sleep: 6 free");
	ukt_invariants("sleep");

	/* Mode 2: each wakeup brings too little: sleep again until enough. */
	ukt_setup(512);
	ukt_fake_install(ukt_other);
	ukt_other_mode = 2;
	tap_is(uvm_pages_alloc(512, UVM_KMF_NOWAIT), 0,
	    "sleep 2: every page raw");
	tap_is(uvm_pages_alloc(20, 0), 0,
	    "sleep 2: 20 pages, 8 freed per wakeup");
	tap_is(fakeenv.fe_nsleep, 3, "sleep 2: slept 3 times (8, 16, 24 free)");
	st = ukt_stats();
	tap_is(st.waits, 3, "sleep 2: waits 3");
	tap_is(st.page_fails, 6, "sleep 2: two failed attempts per sleep");
	tap_is(st.freepages, 4, "sleep 2: 4 free");
	tap_is(st.rawpages, 508, "sleep 2: 508 raw");
	ukt_invariants("sleep 2");

	/* Mode 3: the pagedaemon of another thread wakes sleepers too. */
	ukt_setup(512);
	ukt_fake_install(ukt_other);
	ukt_other_mode = 3;
	ukt_bank = 0;
	ukt_rec_init(&ukt_other_rec, "R", UVM_RECLAIM_CACHE_INVAL, 0,
	    &ukt_bank);
	uvm_reclaimer_register(&ukt_other_rec.r);
	ukt_log[0] = '\0';
	tap_is(uvm_pages_alloc(512, UVM_KMF_NOWAIT), 0,
	    "sleep 3: every page raw");
	tap_is(uvm_pages_alloc(20, 0), 0, "sleep 3: 20 pages");
	tap_is(fakeenv.fe_nsleep, 2, "sleep 3: slept twice");
	tap_is(fakeenv.fe_nwakeup, 2,
	    "sleep 3: woken by the pagedaemon, then by the free");
	tap_is_str(ukt_log, "R R R ",
	    "sleep 3: reclaimer called before each sleep and by the "
	    "pagedaemon");
	st = ukt_stats();
	tap_is(st.waits, 2, "sleep 3: waits 2");
	tap_is(st.pagedaemon_runs, 0, "sleep 3: no run reclaimed anything");
	tap_is(st.errors, 0, "sleep 3: no error");
	uvm_reclaimer_unregister(&ukt_other_rec.r);

	/* The fake's own deadlock: nobody frees. */
	ukt_other_mode = 0;
	ukt_err_begin();
	tap_is(uvm_pages_alloc(1, 0), ENOMEM, "sleep 4: nobody frees: ENOMEM");
	tap_contains(ukt_err_end(),
	    "uvm_pages_alloc of 1 pages cannot be satisfied: "
	    "deadlock: fake: nobody woke \"memwait\"",
	    "sleep 4: the environment's explanation is reported");
	tap_is(ukt_stats().errors, 1, "sleep 4: one error");
	kml_env_set(NULL, NULL);
	ukt_teardown();
}

/* ukt_fini: uvm_fini reports what is still allocated; uvm_init again. */
static void
ukt_fini(void)
{
	struct uvm_stats st;
	const char *err;
	struct uvm_params p = ukt_params(512);

	ukt_setup(512);
	tap_is(uvm_pages_alloc(3, 0), 0, "fini: 3 raw pages");
	tap_ok(uvm_km_alloc(PG, 0, UVM_KMF_PAGEABLE) != 0,
	    "fini: a pageable page");
	tap_ok(uvm_km_alloc(PG, 0, UVM_KMF_WIRED) != 0, "fini: a wired page");
	ukt_err_begin();
	uvm_fini();
	err = ukt_err_end();
	ukt_up = false;
	tap_contains(err, "uvm: uvm_fini: still allocated: 4096 wired bytes, "
	    "4096 pageable bytes, 3 raw pages\n", "fini: leftovers reported");
	tap_ok(kmem_arena == NULL && kmem_va_arena == NULL,
	    "fini: arenas gone");
	tap_is(uvm_pagesize(), 0, "fini: uvm_pagesize 0 again");

	tap_is(uvm_init(&p), 0, "fini: uvm_init again");
	ukt_up = true;
	st = ukt_stats();
	tap_is(st.freepages, 512, "fini: a fresh page layer: every page free");
	tap_is(st.rawpages + st.wiredpages + st.pageable, 0,
	    "fini: nothing allocated");
	tap_is(st.km_allocs + st.page_allocs + st.errors, 0,
	    "fini: counters reset");

	/* A clean tear-down says nothing. */
	ukt_err_begin();
	uvm_fini();
	err = ukt_err_end();
	ukt_up = false;
	tap_is_str(err, "", "fini: nothing allocated: nothing reported");

	/* uvm_init twice is a panic. */
	tap_is(uvm_init(&p), 0, "fini: uvm_init");
	ukt_up = true;
	FAKEENV_TRY(uvm_init(&p));
	tap_ok(fakeenv_caught, "fini: uvm_init twice panics");
	tap_contains(fakeenv_panicmsg, "already set up",
	    "fini: panic says already set up");
	ukt_teardown();
}

/* ukt_statdesc: the statistics table names every member once. */
static void
ukt_statdesc(void)
{
	size_t nmembers = sizeof(struct uvm_stats) / sizeof(uint64_t);
	bool seen[64] = { false };
	bool ok = true;

	tap_is(uvm_nstatdesc, nmembers, "statdesc: one entry per member");
	for (size_t i = 0; i < uvm_nstatdesc; i++) {
		const struct kml_statdesc *d = &uvm_statdesc[i];
		size_t k = d->sd_offset / sizeof(uint64_t);

		if (d->sd_offset % sizeof(uint64_t) != 0 || k >= nmembers ||
		    seen[k] || d->sd_name == NULL || d->sd_descr == NULL ||
		    strchr(d->sd_name, ' ') != NULL) {
			tap_diag("statdesc entry %zu (%s) is bad", i,
			    d->sd_name != NULL ? d->sd_name : "NULL");
			ok = false;
			continue;
		}
		seen[k] = true;
	}
	tap_ok(ok, "statdesc: offsets distinct, names without spaces");
	tap_is_str(uvm_statdesc[4].sd_name, "pageable",
	    "statdesc: fifth entry is pageable");
	tap_is(uvm_statdesc[4].sd_unit, KML_UNIT_BYTES,
	    "statdesc: pageable is in bytes");
	tap_is(uvm_statdesc[1].sd_offset, offsetof(struct uvm_stats, freepages),
	    "statdesc: freepages at its offset");
}

int
main(void)
{
	ukt_defaults();
	ukt_badparams();
	ukt_pageable();
	ukt_wired();
	ukt_pages();
	ukt_shortage();
	ukt_kva();
	ukt_misuse();
	ukt_reclaimers();
	ukt_alloc_reclaims();
	ukt_deadlock();
	ukt_sleep();
	ukt_fini();
	ukt_statdesc();
	ukt_reset();
	return tap_done();
}
