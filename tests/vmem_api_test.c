/*
 * tests/vmem_api_test.c: unit tests of every call in kmemlab/vmem.h.
 *
 * Each test builds a small arena whose layout is known exactly (quantum
 * 0x1000 unless said otherwise), performs one operation at a time and
 * checks its exact result: the address returned, the segments and spans
 * that vmem_walk reports afterwards (as a string "addr+size ..." in hex),
 * vmem_size, the statistics, and for every misuse the error class, the
 * count in the statistics, vmem_last_error and the message passed to the
 * error handler.  Every report of every arena is captured by a default
 * error handler (api_handler), so nothing is printed on stderr, and
 * vmem_check must return 0 after every step (api_check).
 *
 * The strategies are told apart on a crafted layout: free holes of 3, 1
 * and 2 quanta and a large free tail, whose freelist order is fixed by the
 * order of the frees (a new free segment goes to the head of its list).
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
#include <kmemlab/vmem.h>

#include "tap.h"

#define Q	((vmem_size_t)0x1000)	/* quantum of most arenas here */
#define NS	VM_NOSLEEP

/* ---- error reports */

/* The last report seen by api_handler, and how many since api_rep_reset. */
static struct {
	int n;				/* # of reports */
	enum vmem_error err;		/* class of the last one */
	vmem_t *vm;			/* its arena (NULL: vmem_create) */
	char msg[512];			/* its message */
} api_rep;

/* api_handler: the error handler of every arena: records the report. */
static void
api_handler(void *arg, vmem_t *vm, enum vmem_error err, const char *msg)
{
	(void)arg;
	api_rep.n++;
	api_rep.err = err;
	api_rep.vm = vm;
	snprintf(api_rep.msg, sizeof(api_rep.msg), "%s", msg);
}

/* api_rep_reset: forget the reports seen so far. */
static void
api_rep_reset(void)
{
	memset(&api_rep, 0, sizeof(api_rep));
}

/* ---- walks as strings */

#define API_BUFLEN 8192

struct api_buf {
	char b[API_BUFLEN];
	size_t len;
};

/* api_buf_add: append a formatted string to ab (truncating when full). */
static void __attribute__((format(printf, 2, 3)))
api_buf_add(struct api_buf *ab, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ab->len >= sizeof(ab->b) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ab->b + ab->len, sizeof(ab->b) - ab->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		ab->len += (size_t)n;
	if (ab->len > sizeof(ab->b) - 1)
		ab->len = sizeof(ab->b) - 1;
}

/* api_walk_cb: vmem_walk callback appending "addr+size" in hex. */
static void
api_walk_cb(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct api_buf *ab = arg;

	api_buf_add(ab, "%s%" PRIx64 "+%" PRIx64, ab->len ? " " : "", addr,
	    size);
}

/*
 * api_walk: the segments and spans of vm selected by typemask, as
 * "addr+size addr+size ..." in hex ("" if none).
 * => the string lives until the fourth next call.
 */
static const char *
api_walk(vmem_t *vm, int typemask)
{
	static struct api_buf bufs[4];
	static unsigned next;
	struct api_buf *ab = &bufs[next++ % 4];

	ab->len = 0;
	ab->b[0] = '\0';
	vmem_walk(vm, typemask, api_walk_cb, ab);
	return ab->b;
}

#define ALL	(VMEM_SPAN | VMEM_ALLOC | VMEM_FREE)

/* Allocated segments of an arena, for api_xfree_all. */
struct api_segs {
	size_t n;
	vmem_addr_t addr[256];
	vmem_size_t size[256];
};

/* ---- checked operations */

/* api_check: vmem_check(vm) must return 0 after what. */
static void
api_check(vmem_t *vm, const char *what)
{
	char buf[512];
	int rc;

	buf[0] = '\0';
	rc = vmem_check(vm, buf, sizeof(buf));
	tap_ok(rc == 0, "vmem_check after %s%s%s", what, rc ? ": " : "", buf);
}

/* api_stats: vm's statistics. */
static struct vmem_stats
api_stats(vmem_t *vm)
{
	struct vmem_stats st;

	vmem_stats(vm, &st);
	return st;
}

/* api_alloc: vmem_alloc(vm, size, flags) must return 0 and address want. */
static void
api_alloc(vmem_t *vm, vmem_size_t size, int flags, vmem_addr_t want)
{
	char what[128];
	vmem_addr_t addr = 0xbad;
	int rc;

	snprintf(what, sizeof(what), "%s: alloc %#" PRIx64 " %s", vmem_name(vm),
	    size, vmem_strategy_name(flags));
	rc = vmem_alloc(vm, size, flags, &addr);
	tap_is(rc, 0, "%s returns 0", what);
	tap_is(addr, want, "%s at %#" PRIx64, what, want);
	api_check(vm, what);
}

/*
 * api_xalloc: vmem_xalloc with these arguments must return 0 and address
 * want.
 */
static void
api_xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align, vmem_size_t phase,
    vmem_size_t nocross, vmem_addr_t minaddr, vmem_addr_t maxaddr, int flags,
    vmem_addr_t want)
{
	char what[256];
	vmem_addr_t addr = 0xbad;
	int rc;

	snprintf(what, sizeof(what), "%s: xalloc %#" PRIx64 " align %#" PRIx64
	    " phase %#" PRIx64 " nocross %#" PRIx64 " min %#" PRIx64 " max %#"
	    PRIx64 " %s", vmem_name(vm), size, align, phase, nocross, minaddr,
	    maxaddr, vmem_strategy_name(flags));
	rc = vmem_xalloc(vm, size, align, phase, nocross, minaddr, maxaddr,
	    flags, &addr);
	tap_is(rc, 0, "%s returns 0", what);
	tap_is(addr, want, "%s at %#" PRIx64, what, want);
	api_check(vm, what);
}

/*
 * api_nomem: rc (from an allocation on vm described by what) must be
 * ENOMEM, with no error reported, fails counted, and the arena unchanged
 * from the walk before.
 */
static void
api_nomem(vmem_t *vm, int rc, const char *before,
    const struct vmem_stats *st0, const char *what)
{
	struct vmem_stats st = api_stats(vm);

	tap_is(rc, ENOMEM, "%s: ENOMEM", what);
	tap_is(api_rep.n, 0, "%s: nothing reported", what);
	tap_is(st.fails, st0->fails + 1, "%s: fails counted", what);
	tap_is(st.errors, st0->errors, "%s: not an error", what);
	tap_is(st.allocs, st0->allocs, "%s: allocs unchanged", what);
	tap_is_str(api_walk(vm, ALL), before, "%s: arena unchanged", what);
	api_check(vm, what);
}

/* api_alloc_nomem: vmem_alloc(vm, size, flags) must fail with ENOMEM. */
static void
api_alloc_nomem(vmem_t *vm, vmem_size_t size, int flags)
{
	char what[128], before[API_BUFLEN];
	struct vmem_stats st0 = api_stats(vm);
	vmem_addr_t addr = 0xbad;
	int rc;

	snprintf(what, sizeof(what), "%s: alloc %#" PRIx64 " %s", vmem_name(vm),
	    size, vmem_strategy_name(flags));
	snprintf(before, sizeof(before), "%s", api_walk(vm, ALL));
	api_rep_reset();
	rc = vmem_alloc(vm, size, flags, &addr);
	api_nomem(vm, rc, before, &st0, what);
}

/* api_xalloc_nomem: vmem_xalloc with these arguments must fail with ENOMEM. */
static void
api_xalloc_nomem(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags)
{
	char what[256], before[API_BUFLEN];
	struct vmem_stats st0 = api_stats(vm);
	vmem_addr_t addr = 0xbad;
	int rc;

	snprintf(what, sizeof(what), "%s: xalloc %#" PRIx64 " align %#" PRIx64
	    " phase %#" PRIx64 " nocross %#" PRIx64 " min %#" PRIx64 " max %#"
	    PRIx64 " %s", vmem_name(vm), size, align, phase, nocross, minaddr,
	    maxaddr, vmem_strategy_name(flags));
	snprintf(before, sizeof(before), "%s", api_walk(vm, ALL));
	api_rep_reset();
	rc = vmem_xalloc(vm, size, align, phase, nocross, minaddr, maxaddr,
	    flags, &addr);
	api_nomem(vm, rc, before, &st0, what);
}

/* api_add: vmem_add(vm, addr, size, flags) must succeed. */
static void
api_add(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags)
{
	char what[128];
	struct vmem_stats st0 = api_stats(vm);

	snprintf(what, sizeof(what), "%s: add %#" PRIx64 " %#" PRIx64,
	    vmem_name(vm), addr, size);
	api_rep_reset();
	tap_is(vmem_add(vm, addr, size, flags), 0, "%s returns 0", what);
	tap_is(api_rep.n, 0, "%s: nothing reported", what);
	tap_is(api_stats(vm).spans, st0.spans + 1, "%s: one more span", what);
	tap_is(vmem_size(vm, VMEM_ALLOC | VMEM_FREE), st0.total + size,
	    "%s: total grew", what);
	api_check(vm, what);
}

/*
 * api_free0: vmem_free (xfree false) or vmem_xfree (xfree true) of
 * (addr, size), which must be correct use: nothing reported, one more free.
 */
static void
api_free0(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, bool xfree)
{
	char what[128];
	struct vmem_stats st0 = api_stats(vm);

	snprintf(what, sizeof(what), "%s: %s %#" PRIx64 " %#" PRIx64,
	    vmem_name(vm), xfree ? "xfree" : "free", addr, size);
	api_rep_reset();
	if (xfree)
		vmem_xfree(vm, addr, size);
	else
		vmem_free(vm, addr, size);
	tap_is(api_rep.n, 0, "%s: nothing reported", what);
	tap_is(api_stats(vm).frees, st0.frees + 1, "%s: frees counted", what);
	api_check(vm, what);
}

static void
api_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	api_free0(vm, addr, size, false);
}

static void
api_xfree(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	api_free0(vm, addr, size, true);
}

/* api_xfree_walk_cb: vmem_walk callback recording busy segments. */
static void
api_xfree_walk_cb(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct api_segs *sg = arg;

	if (sg->n < sizeof(sg->addr) / sizeof(sg->addr[0])) {
		sg->addr[sg->n] = addr;
		sg->size[sg->n] = size;
		sg->n++;
	}
}

/*
 * api_xfree_all: vmem_xfree every allocated segment of vm (whatever the
 * test expected it to be), so that a wrong address does not cascade.
 */
static void
api_xfree_all(vmem_t *vm)
{
	struct api_segs sg;

	sg.n = 0;
	vmem_walk(vm, VMEM_ALLOC, api_xfree_walk_cb, &sg);
	for (size_t i = 0; i < sg.n; i++)
		api_xfree(vm, sg.addr[i], sg.size[i]);
	tap_is(vmem_size(vm, VMEM_ALLOC), 0, "%s: everything freed",
	    vmem_name(vm));
}

/* A picture of an arena before a misuse (see API_MISUSE). */
struct api_snap {
	struct vmem_stats st;
	char walk[API_BUFLEN];
};

/* api_snap: take the picture of vm and forget earlier reports. */
static void
api_snap(vmem_t *vm, struct api_snap *s)
{
	s->st = api_stats(vm);
	snprintf(s->walk, sizeof(s->walk), "%s", api_walk(vm, ALL));
	api_rep_reset();
}

/*
 * api_misuse: after the call what on vm, which had picture s, exactly one
 * error of class err was reported for vm, counted and recorded as the last
 * error, and the arena did not change.
 */
static void
api_misuse(vmem_t *vm, const struct api_snap *s, enum vmem_error err,
    const char *what)
{
	struct vmem_stats st = api_stats(vm);
	const char *msg = NULL;

	tap_is(api_rep.n, 1, "%s: one report", what);
	tap_is(api_rep.err, err, "%s: reported as %s", what,
	    vmem_strerror(err));
	tap_ok(api_rep.vm == vm, "%s: report names the arena", what);
	tap_is(vmem_last_error(vm, &msg), err, "%s: last error", what);
	tap_is_str(msg, api_rep.msg, "%s: last error message", what);
	tap_is(st.errors, s->st.errors + 1, "%s: errors counted", what);
	tap_is(st.allocs, s->st.allocs, "%s: allocs unchanged", what);
	tap_is(st.frees, s->st.frees, "%s: frees unchanged", what);
	tap_is(st.fails, s->st.fails, "%s: fails unchanged", what);
	tap_is(st.inuse, s->st.inuse, "%s: inuse unchanged", what);
	tap_is(st.total, s->st.total, "%s: total unchanged", what);
	tap_is_str(api_walk(vm, ALL), s->walk, "%s: arena unchanged", what);
	api_check(vm, what);
}

/*
 * API_EINVAL(vm, err, call): call (an int function on vm) must return
 * EINVAL and report err, changing nothing.
 */
#define API_EINVAL(vm, err, call) do {					\
	struct api_snap s_;						\
	int rc_;							\
									\
	api_snap((vm), &s_);						\
	rc_ = (call);							\
	tap_is(rc_, EINVAL, "%s: EINVAL", #call);			\
	api_misuse((vm), &s_, (err), #call);				\
} while (0)

/* API_MISUSE(vm, err, call): call (a void function) must report err. */
#define API_MISUSE(vm, err, call) do {					\
	struct api_snap s_;						\
									\
	api_snap((vm), &s_);						\
	call;								\
	api_misuse((vm), &s_, (err), #call);				\
} while (0)

/* api_create: vmem_create that must succeed. */
static vmem_t *
api_create(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, int flags)
{
	vmem_t *vm;

	vm = vmem_create(name, base, size, quantum, 0, flags);
	if (vm == NULL)
		tap_bail("vmem_create(%s) failed: %s", name, strerror(errno));
	api_check(vm, "vmem_create");
	return vm;
}

/* api_destroy: vmem_destroy of an arena with nothing allocated. */
static void
api_destroy(vmem_t *vm)
{
	char name[64];

	snprintf(name, sizeof(name), "%s", vmem_name(vm));
	api_rep_reset();
	vmem_destroy(vm);
	tap_is(api_rep.n, 0, "destroy %s: nothing reported", name);
}

/* ---- vmem_create */

/*
 * api_create_bad: vmem_create with these arguments must return NULL with
 * errno EINVAL and report err through the default handler.
 */
static void
api_create_bad(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max, int flags,
    enum vmem_error err)
{
	vmem_t *vm;

	api_rep_reset();
	errno = 0;
	vm = vmem_create(name, base, size, quantum, qcache_max, flags);
	tap_ok(vm == NULL, "create %s: NULL", name);
	tap_is(errno, EINVAL, "create %s: errno EINVAL", name);
	tap_is(api_rep.n, 1, "create %s: one report", name);
	tap_is(api_rep.err, err, "create %s: reported as %s", name,
	    vmem_strerror(err));
	tap_contains(api_rep.msg, name, "create %s: message names the arena",
	    name);
	if (vm != NULL)
		vmem_destroy(vm);
}

static void
test_create(void)
{
	char longname[64];
	struct vmem_stats st;
	vmem_t *vm;

	tap_diag("vmem_create");
	vm = api_create("create", 0x10000, 0x40000, Q, VM_SLEEP);
	tap_is_str(vmem_name(vm), "create", "vmem_name");
	tap_is(vmem_quantum(vm), Q, "vmem_quantum");
	tap_is(vmem_size(vm, VMEM_ALLOC), 0, "new arena: nothing allocated");
	tap_is(vmem_size(vm, VMEM_FREE), 0x40000, "new arena: all free");
	tap_is(vmem_size(vm, VMEM_ALLOC | VMEM_FREE), 0x40000,
	    "new arena: total");
	tap_is_str(api_walk(vm, ALL), "10000+40000 10000+40000",
	    "new arena: one span, one free segment");
	st = api_stats(vm);
	tap_is(st.spans, 1, "new arena: spans");
	tap_is(st.total, 0x40000, "new arena: total");
	tap_is(st.free_segs, 1, "new arena: free_segs");
	tap_is(st.busy_segs, 0, "new arena: busy_segs");
	tap_is(st.largest_free, 0x40000, "new arena: largest_free");
	tap_is(st.errors, 0, "new arena: errors");
	tap_is(vmem_last_error(vm, NULL), VMEM_ERR_NONE, "new arena: no error");
	api_destroy(vm);

	memset(longname, 'n', 40);
	longname[40] = '\0';
	vm = api_create(longname, 0, 0x1000, Q, 0);
	tap_is(strlen(vmem_name(vm)), 31, "name truncated to 31 bytes");
	tap_ok(strncmp(vmem_name(vm), longname, 31) == 0, "name kept");
	api_destroy(vm);

	/* Size 0: no span at all. */
	vm = api_create("empty", 0x10000, 0, Q, VM_NOSLEEP);
	tap_is_str(api_walk(vm, ALL), "", "size 0: no span");
	tap_is(api_stats(vm).spans, 0, "size 0: spans 0");
	tap_is(vmem_size(vm, VMEM_ALLOC | VMEM_FREE), 0, "size 0: total 0");
	api_alloc_nomem(vm, Q, NS);
	api_alloc_nomem(vm, Q, NS | VM_BESTFIT);
	api_alloc_nomem(vm, Q, NS | VM_NEXTFIT);
	api_destroy(vm);

	/* Other quanta. */
	vm = api_create("q1", 5, 10, 1, 0);
	api_alloc(vm, 3, NS, 5);
	api_alloc(vm, 7, NS | VM_BESTFIT, 8);
	api_alloc_nomem(vm, 1, NS);
	api_free(vm, 5, 3);
	api_free(vm, 8, 7);
	api_destroy(vm);

	api_create_bad("quantum0", 0, 0x1000, 0, 0, 0, VMEM_ERR_QUANTUM);
	api_create_bad("quantum3", 0, 0x3000, 3, 0, 0, VMEM_ERR_QUANTUM);
	api_create_bad("quantum1800", 0, 0x3000, 0x1800, 0, 0,
	    VMEM_ERR_QUANTUM);
	api_create_bad("badbase", 0x10800, 0x1000, Q, 0, 0, VMEM_ERR_RANGE);
	api_create_bad("badsize", 0x10000, 0x1800, Q, 0, 0, VMEM_ERR_SIZE);
	api_create_bad("wrapping", 0xfffffffffffff000ULL, 0x2000, Q, 0, 0,
	    VMEM_ERR_SIZE);
	api_create_bad("sleepnosleep", 0x10000, 0x1000, Q, 0,
	    VM_SLEEP | VM_NOSLEEP, VMEM_ERR_FLAGS);
	api_create_bad("unknownflag", 0x10000, 0x1000, Q, 0, 0x8000,
	    VMEM_ERR_FLAGS);
	api_create_bad("strategyflag", 0x10000, 0x1000, Q, 0, VM_BESTFIT,
	    VMEM_ERR_FLAGS);
	api_create_bad("qcache", 0x10000, 0x1000, Q, 0x800, 0, VMEM_ERR_SIZE);
}

/* ---- vmem_add */

static void
test_add(void)
{
	struct vmem_stats st;
	vmem_t *vm;

	tap_diag("vmem_add");
	vm = api_create("add", 0x10000, 0x10000, Q, 0);
	api_add(vm, 0x30000, 0x10000, VM_NOSLEEP);
	api_check(vm, "add");
	tap_is_str(api_walk(vm, VMEM_SPAN), "10000+10000 30000+10000",
	    "two spans");
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+10000 30000+10000",
	    "two free segments");
	st = api_stats(vm);
	tap_is(st.spans, 2, "spans 2");
	tap_is(st.total, 0x20000, "total");
	tap_is(vmem_size(vm, VMEM_FREE), 0x20000, "vmem_size free");

	/* A span next to another stays a span of its own. */
	api_add(vm, 0x20000, 0x10000, VM_SLEEP);
	api_check(vm, "add between");
	tap_is_str(api_walk(vm, VMEM_SPAN),
	    "10000+10000 20000+10000 30000+10000", "three spans");
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "10000+10000 20000+10000 30000+10000",
	    "adjacent spans are not merged");

	API_EINVAL(vm, VMEM_ERR_OVERLAP, vmem_add(vm, 0x18000, 0x10000, 0));
	API_EINVAL(vm, VMEM_ERR_OVERLAP, vmem_add(vm, 0x30000, 0x10000, 0));
	API_EINVAL(vm, VMEM_ERR_OVERLAP, vmem_add(vm, 0x3f000, 0x1000, 0));
	API_EINVAL(vm, VMEM_ERR_OVERLAP, vmem_add(vm, 0x0, 0x11000, 0));
	API_EINVAL(vm, VMEM_ERR_OVERLAP, vmem_add(vm, 0x0, 0x100000, 0));
	API_EINVAL(vm, VMEM_ERR_RANGE, vmem_add(vm, 0x50800, 0x1000, 0));
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_add(vm, 0x50000, 0x800, 0));
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_add(vm, 0x50000, 0, 0));
	API_EINVAL(vm, VMEM_ERR_SIZE,
	    vmem_add(vm, 0xfffffffffff00000ULL, 0x200000, 0));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_add(vm, 0x50000, 0x1000, VM_SLEEP | VM_NOSLEEP));
	API_EINVAL(vm, VMEM_ERR_FLAGS, vmem_add(vm, 0x50000, 0x1000, 0x8000));

	/* The spans are used in address order by a best fit. */
	api_alloc(vm, 0x10000, NS | VM_BESTFIT, 0x10000);
	api_alloc(vm, 0x10000, NS | VM_BESTFIT, 0x20000);
	api_alloc(vm, 0x10000, NS | VM_BESTFIT, 0x30000);
	api_alloc_nomem(vm, Q, NS);
	api_free(vm, 0x20000, 0x10000);
	api_free(vm, 0x10000, 0x10000);
	api_free(vm, 0x30000, 0x10000);
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "10000+10000 20000+10000 30000+10000", "freed spans stay apart");
	api_destroy(vm);
}

/* ---- the three strategies */

/*
 * api_holes: an arena [0x10000, +64 quanta) with free holes of 3 quanta
 * at 0x10000, 1 at 0x14000 and 2 at 0x16000 between busy single quanta
 * at 0x13000, 0x15000 and 0x18000, and a free tail of 55 quanta at
 * 0x19000.  Freelist 1 holds (head first) the 3- and the 2-quantum holes.
 */
static vmem_t *
api_holes(const char *name)
{
	vmem_t *vm;

	vm = api_create(name, 0x10000, 64 * Q, Q, 0);
	api_alloc(vm, 3 * Q, NS, 0x10000);
	api_alloc(vm, 1 * Q, NS, 0x13000);
	api_alloc(vm, 1 * Q, NS, 0x14000);
	api_alloc(vm, 1 * Q, NS, 0x15000);
	api_alloc(vm, 2 * Q, NS, 0x16000);
	api_alloc(vm, 1 * Q, NS, 0x18000);
	api_free(vm, 0x16000, 2 * Q);
	api_free(vm, 0x10000, 3 * Q);
	api_free(vm, 0x14000, 1 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "10000+3000 14000+1000 16000+2000 19000+37000", "holes laid out");
	tap_is_str(api_walk(vm, VMEM_ALLOC), "13000+1000 15000+1000 18000+1000",
	    "guards laid out");
	return vm;
}

static void
test_strategies(void)
{
	vmem_t *vm;

	tap_diag("strategies on holes of 3, 1, 2 quanta");
	vm = api_holes("strat");

	/* Best fit: the smallest hole that fits. */
	api_alloc(vm, 1 * Q, NS | VM_BESTFIT, 0x14000);
	api_free(vm, 0x14000, 1 * Q);
	api_alloc(vm, 2 * Q, NS | VM_BESTFIT, 0x16000);
	api_free(vm, 0x16000, 2 * Q);
	api_alloc(vm, 3 * Q, NS | VM_BESTFIT, 0x10000);
	api_free(vm, 0x10000, 3 * Q);
	api_alloc(vm, 4 * Q, NS | VM_BESTFIT, 0x19000);
	api_free(vm, 0x19000, 4 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "10000+3000 14000+1000 16000+2000 19000+37000", "holes restored");
	/* List 1 is now (head first) the 3-quantum hole, then the 2. */

	/* Instant fit: the head of the first list whose members all fit. */
	api_alloc(vm, 1 * Q, NS, 0x14000);
	api_free(vm, 0x14000, 1 * Q);
	api_alloc(vm, 2 * Q, NS | VM_INSTANTFIT, 0x10000);
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "12000+1000 14000+1000 16000+2000 19000+37000",
	    "instant fit split the 3-quantum hole");
	api_free(vm, 0x10000, 2 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE),
	    "10000+3000 14000+1000 16000+2000 19000+37000",
	    "free coalesced the split back");
	api_alloc(vm, 3 * Q, NS, 0x19000);
	api_free(vm, 0x19000, 3 * Q);
	api_alloc(vm, 5 * Q, NS, 0x19000);
	api_free(vm, 0x19000, 5 * Q);

	/* Put the 2-quantum hole at the head of list 1. */
	api_alloc(vm, 2 * Q, NS | VM_BESTFIT, 0x16000);
	api_free(vm, 0x16000, 2 * Q);
	api_alloc(vm, 2 * Q, NS, 0x16000);
	api_alloc(vm, 2 * Q, NS, 0x10000);
	api_alloc(vm, 1 * Q, NS, 0x12000);
	api_alloc(vm, 1 * Q, NS, 0x14000);
	tap_is_str(api_walk(vm, VMEM_FREE), "19000+37000", "holes filled");
	api_free(vm, 0x10000, 2 * Q);
	api_free(vm, 0x12000, 1 * Q);
	api_free(vm, 0x14000, 1 * Q);
	api_free(vm, 0x16000, 2 * Q);
	api_free(vm, 0x13000, 1 * Q);
	api_free(vm, 0x15000, 1 * Q);
	api_free(vm, 0x18000, 1 * Q);
	tap_is_str(api_walk(vm, ALL), "10000+40000 10000+40000",
	    "everything coalesced");
	api_destroy(vm);

	/* Best fit ties go to the lowest address, instant fit to the head. */
	vm = api_create("ties", 0x10000, 16 * Q, Q, 0);
	api_alloc(vm, 2 * Q, NS, 0x10000);
	api_alloc(vm, 1 * Q, NS, 0x12000);
	api_alloc(vm, 2 * Q, NS, 0x13000);
	api_alloc(vm, 1 * Q, NS, 0x15000);
	api_alloc(vm, 3 * Q, NS, 0x16000);
	api_alloc(vm, 1 * Q, NS, 0x19000);
	/* 6 quanta left on list 2: instant fit would look at lists >= 3. */
	api_alloc(vm, 6 * Q, NS | VM_BESTFIT, 0x1a000);
	api_alloc_nomem(vm, Q, NS);
	api_free(vm, 0x10000, 2 * Q);
	api_free(vm, 0x16000, 3 * Q);
	api_free(vm, 0x13000, 2 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+2000 13000+2000 16000+3000",
	    "ties laid out");
	/* list 1, head first: 0x13000 (2), 0x16000 (3), 0x10000 (2) */
	api_alloc(vm, 2 * Q, NS | VM_BESTFIT, 0x10000);
	api_free(vm, 0x10000, 2 * Q);
	/* list 1: 0x10000, 0x13000, 0x16000 */
	api_alloc(vm, 1 * Q, NS | VM_BESTFIT, 0x10000);
	api_free(vm, 0x10000, 1 * Q);
	api_alloc(vm, 3 * Q, NS | VM_BESTFIT, 0x16000);
	api_free(vm, 0x16000, 3 * Q);
	/* list 1: 0x16000, 0x10000, 0x13000 */
	api_alloc(vm, 2 * Q, NS, 0x16000);
	api_free(vm, 0x16000, 2 * Q);
	api_alloc(vm, 1 * Q, NS, 0x16000);
	api_free(vm, 0x16000, 1 * Q);
	api_alloc_nomem(vm, 3 * Q, NS);
	api_alloc_nomem(vm, 4 * Q, NS | VM_BESTFIT);
	api_alloc_nomem(vm, 4 * Q, NS | VM_NEXTFIT);
	api_free(vm, 0x12000, Q);
	api_free(vm, 0x15000, Q);
	api_free(vm, 0x19000, Q);
	api_free(vm, 0x1a000, 6 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+10000", "ties: all free");
	api_destroy(vm);
}

static void
test_nextfit(void)
{
	vmem_t *vm;

	tap_diag("next fit");
	vm = api_create("next", 0x10000, 8 * Q, Q, 0);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x10000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x11000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x12000);
	api_free(vm, 0x12000, Q);
	/* The freed 0x12000 is behind the last allocation. */
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x13000);
	api_free(vm, 0x11000, Q);
	api_free(vm, 0x13000, Q);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x14000);
	/* Other strategies do not move the rotor. */
	api_alloc(vm, Q, NS | VM_BESTFIT, 0x11000);
	api_free(vm, 0x11000, Q);
	api_alloc(vm, 2 * Q, NS | VM_NEXTFIT, 0x15000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x17000);
	tap_is_str(api_walk(vm, VMEM_FREE), "11000+3000",
	    "next fit reached the end");
	/* Wrap around to the first fit from the start. */
	api_alloc(vm, 2 * Q, NS | VM_NEXTFIT, 0x11000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x13000);
	api_alloc_nomem(vm, Q, NS | VM_NEXTFIT);
	api_free(vm, 0x11000, 2 * Q);
	api_free(vm, 0x15000, 2 * Q);
	/* The rotor is after 0x13000: 0x15000 comes before the wrap. */
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x15000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x16000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x11000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x12000);
	api_alloc_nomem(vm, Q, NS | VM_NEXTFIT);
	tap_is_str(api_walk(vm, VMEM_ALLOC),
	    "10000+1000 11000+1000 12000+1000 13000+1000 14000+1000 "
	    "15000+1000 16000+1000 17000+1000", "next fit filled the arena");
	api_free(vm, 0x10000, Q);
	api_free(vm, 0x11000, Q);
	api_free(vm, 0x12000, Q);
	api_free(vm, 0x13000, Q);
	api_free(vm, 0x14000, Q);
	api_free(vm, 0x15000, Q);
	api_free(vm, 0x16000, Q);
	api_free(vm, 0x17000, Q);
	api_destroy(vm);

	/* Next fit across spans, skipping a hole too small. */
	vm = api_create("next2", 0x10000, 4 * Q, Q, 0);
	api_add(vm, 0x40000, 4 * Q, 0);
	api_alloc(vm, 3 * Q, NS | VM_NEXTFIT, 0x10000);
	api_alloc(vm, 2 * Q, NS | VM_NEXTFIT, 0x40000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x42000);
	api_free(vm, 0x10000, 3 * Q);
	api_alloc(vm, 2 * Q, NS | VM_NEXTFIT, 0x10000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x12000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x13000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x43000);
	api_free(vm, 0x10000, 2 * Q);
	api_free(vm, 0x12000, Q);
	api_free(vm, 0x13000, Q);
	api_free(vm, 0x40000, 2 * Q);
	api_free(vm, 0x42000, Q);
	api_free(vm, 0x43000, Q);
	api_destroy(vm);

	/*
	 * The rotor is an address: another strategy carving the segment
	 * after the rotor from above leaves free space at the rotor address,
	 * which next fit takes first ("the first free segment that fits at or
	 * after the rotor address", lib/vmem.c section 4).
	 */
	vm = api_create("next3", 0x10000, 16 * Q, Q, 0);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x10000);
	api_xalloc(vm, Q, 0x4000, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    NS | VM_BESTFIT, 0x14000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x11000);
	api_alloc(vm, 2 * Q, NS | VM_NEXTFIT, 0x12000);
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x15000);
	tap_is_str(api_walk(vm, VMEM_ALLOC),
	    "10000+1000 11000+1000 12000+2000 14000+1000 15000+1000",
	    "next3: allocated in address order");
	api_xfree_all(vm);
	api_destroy(vm);

	/*
	 * After the wrap next fit finds any free segment that fits, even one
	 * between the segment that holds the rotor and the rotor address:
	 * here the rotor's segment moved back to 0x10000 (coalesced, then
	 * carved by a best fit) while the rotor address stays 0x14000.
	 */
	vm = api_create("next4", 0x10000, 16 * Q, Q, 0);
	api_alloc(vm, 4 * Q, NS | VM_NEXTFIT, 0x10000);
	api_free(vm, 0x10000, 4 * Q);
	api_alloc(vm, Q, NS | VM_BESTFIT, 0x10000);
	api_xalloc(vm, 12 * Q, 0, 0, 0, 0x14000, VMEM_ADDR_MAX,
	    NS | VM_BESTFIT, 0x14000);
	tap_is_str(api_walk(vm, VMEM_FREE), "11000+3000", "next4: one hole");
	api_alloc(vm, Q, NS | VM_NEXTFIT, 0x11000);
	api_xfree_all(vm);
	api_destroy(vm);
}

/* ---- instant fit misses */

static void
test_instant_miss(void)
{
	struct vmem_stats st0, st;
	vmem_t *vm;

	tap_diag("instant fit never looks at the list below");
	vm = api_create("miss", 0x10000, 8 * Q, Q, 0);
	api_alloc(vm, 3 * Q, NS, 0x10000);
	api_alloc(vm, 1 * Q, NS, 0x13000);
	api_alloc(vm, 4 * Q, NS, 0x14000);
	api_free(vm, 0x10000, 3 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+3000", "one 3-quantum hole");

	/*
	 * 3 quanta: not a power of two, so instant fit looks at lists >= 2
	 * only ([4, 8) quanta and up), which are empty; the hole is on
	 * list 1 and is not scanned.
	 */
	st0 = api_stats(vm);
	api_alloc_nomem(vm, 3 * Q, NS);
	st = api_stats(vm);
	tap_is(st.searches, st0.searches, "instant miss examined no segment");
	api_alloc_nomem(vm, 3 * Q, NS | VM_INSTANTFIT);
	/* 2 quanta: a power of two, list 1 is searched. */
	api_alloc(vm, 2 * Q, NS, 0x10000);
	api_free(vm, 0x10000, 2 * Q);
	/* Best fit and next fit do scan the list and find the hole. */
	api_alloc(vm, 3 * Q, NS | VM_BESTFIT, 0x10000);
	api_free(vm, 0x10000, 3 * Q);
	api_alloc(vm, 3 * Q, NS | VM_NEXTFIT, 0x10000);
	api_free(vm, 0x10000, 3 * Q);
	/* vmem_xalloc without constraints is the same instant fit. */
	api_xalloc_nomem(vm, 3 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX, NS);
	api_xalloc_nomem(vm, 3 * Q, Q, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX, NS);
	api_xalloc(vm, 3 * Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    NS | VM_BESTFIT, 0x10000);
	api_xfree(vm, 0x10000, 3 * Q);
	/*
	 * A constrained instant fit (lib/vmem.c, theory section 4) tries the
	 * heads of the sure lists, then scans from list floor(log2(s)): it
	 * finds the hole, examining it.
	 */
	st0 = api_stats(vm);
	api_xalloc(vm, 3 * Q, 0, 0, 0, 0x10000, VMEM_ADDR_MAX, NS, 0x10000);
	st = api_stats(vm);
	tap_is(st.searches, st0.searches + 1,
	    "constrained: one segment examined");
	api_xfree(vm, 0x10000, 3 * Q);

	api_free(vm, 0x13000, Q);
	api_free(vm, 0x14000, 4 * Q);
	api_destroy(vm);
}

/* ---- vmem_xalloc constraints */

static void
test_xalloc(void)
{
	vmem_t *vm;
	const vmem_addr_t MIN = VMEM_ADDR_MIN, MAX = VMEM_ADDR_MAX;
	static const int strat[] = { VM_INSTANTFIT, VM_BESTFIT };

	tap_diag("vmem_xalloc constraints");
	for (size_t i = 0; i < sizeof(strat) / sizeof(strat[0]); i++) {
		int f = NS | strat[i];

		/* One free segment [0x11000, 0x111000). */
		vm = api_create("xalloc", 0x11000, 0x100000, Q, 0);

		/* No constraint. */
		api_xalloc(vm, Q, 0, 0, 0, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, Q);
		api_xalloc(vm, Q, Q, 0, 0, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, Q);

		/* align */
		api_xalloc(vm, Q, 0x4000, 0, 0, MIN, MAX, f, 0x14000);
		tap_is_str(api_walk(vm, VMEM_FREE), "11000+3000 15000+fc000",
		    "align: free space on both sides");
		api_xfree(vm, 0x14000, Q);
		tap_is_str(api_walk(vm, VMEM_FREE), "11000+100000",
		    "align: coalesced back");
		api_xalloc(vm, 0x3000, 0x10000, 0, 0, MIN, MAX, f, 0x20000);
		api_xfree(vm, 0x20000, 0x3000);
		api_xalloc(vm, Q, 0x100000, 0, 0, MIN, MAX, f, 0x100000);
		api_xfree(vm, 0x100000, Q);

		/* phase */
		api_xalloc(vm, Q, 0x4000, 0x1000, 0, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, Q);
		api_xalloc(vm, Q, 0x4000, 0x2000, 0, MIN, MAX, f, 0x12000);
		api_xfree(vm, 0x12000, Q);
		api_xalloc(vm, Q, 0x4000, 0x3000, 0, MIN, MAX, f, 0x13000);
		api_xfree(vm, 0x13000, Q);
		api_xalloc(vm, 0x2000, 0x10000, 0x8000, 0, MIN, MAX, f,
		    0x18000);
		api_xfree(vm, 0x18000, 0x2000);

		/* nocross */
		api_xalloc(vm, 0x3000, 0, 0, 0x4000, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, 0x3000);
		api_xalloc(vm, 0x4000, 0, 0, 0x4000, MIN, MAX, f, 0x14000);
		api_xfree(vm, 0x14000, 0x4000);
		api_xalloc(vm, 0x4000, 0, 0, 0x8000, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, 0x4000);
		api_xalloc(vm, 0x7000, 0, 0, 0x8000, MIN, MAX, f, 0x11000);
		api_xfree(vm, 0x11000, 0x7000);
		api_xalloc(vm, 0x8000, 0, 0, 0x8000, MIN, MAX, f, 0x18000);
		api_xfree(vm, 0x18000, 0x8000);
		api_xalloc(vm, 0x3000, 0, 0, 0x4000, 0x12000, MAX, f, 0x14000);
		api_xfree(vm, 0x14000, 0x3000);

		/* minaddr, maxaddr (both inclusive) */
		api_xalloc(vm, Q, 0, 0, 0, 0x23000, MAX, f, 0x23000);
		api_xfree(vm, 0x23000, Q);
		api_xalloc(vm, 0x2000, 0, 0, 0, 0x20000, 0x21fff, f, 0x20000);
		api_xfree(vm, 0x20000, 0x2000);
		api_xalloc_nomem(vm, 0x2000, 0, 0, 0, 0x20000, 0x20fff, f);
		api_xalloc(vm, Q, 0, 0, 0, MIN, 0x11fff, f, 0x11000);
		api_xfree(vm, 0x11000, Q);
		api_xalloc_nomem(vm, Q, 0, 0, 0, MIN, 0x10fff, f);
		api_xalloc(vm, Q, 0, 0, 0, 0x110000, MAX, f, 0x110000);
		api_xfree(vm, 0x110000, Q);
		api_xalloc_nomem(vm, Q, 0, 0, 0, 0x111000, MAX, f);
		api_xalloc(vm, 0x100000, 0, 0, 0, 0x11000, 0x110fff, f,
		    0x11000);
		api_xfree(vm, 0x11000, 0x100000);
		api_xalloc_nomem(vm, 0x100000, 0, 0, 0, 0x12000, MAX, f);
		api_xalloc(vm, Q, 0, 0, 0, 0x50000, 0x50fff, f, 0x50000);
		api_xfree(vm, 0x50000, Q);

		/* Together. */
		api_xalloc(vm, 0x4000, 0x8000, 0x2000, 0x8000, 0x30000,
		    0x3ffff, f, 0x32000);
		api_xfree(vm, 0x32000, 0x4000);
		api_xalloc(vm, 0x6000, 0x8000, 0x2000, 0x8000, 0x30000,
		    0x3ffff, f, 0x32000);
		api_xfree(vm, 0x32000, 0x6000);
		api_xalloc(vm, 0x6000, 0x8000, 0x2000, 0x8000, 0x33000,
		    MAX, f, 0x3a000);
		api_xfree(vm, 0x3a000, 0x6000);
		api_xalloc(vm, 0x6000, 0x8000, 0x2000, 0x8000, 0x33000,
		    0x3ffff, f, 0x3a000);
		api_xfree(vm, 0x3a000, 0x6000);
		api_xalloc_nomem(vm, 0x6000, 0x8000, 0x2000, 0x8000, 0x33000,
		    0x3efff, f);
		api_xalloc(vm, 0x3000, 0x2000, 0x1000, 0x4000, 0x12000,
		    MAX, f, 0x15000);
		api_xfree(vm, 0x15000, 0x3000);

		/* Inside a segment that is not the first one. */
		api_xalloc(vm, 0x10000, 0, 0, 0, 0x40000, MAX, f, 0x40000);
		api_xalloc(vm, 0x2000, 0x8000, 0, 0, 0x30000, MAX, f,
		    0x30000);
		api_xalloc(vm, 0x2000, 0x8000, 0, 0, 0x30000, MAX, f,
		    0x38000);
		api_xalloc(vm, 0x2000, 0x8000, 0, 0, 0x30000, MAX, f,
		    0x50000);
		tap_is_str(api_walk(vm, VMEM_ALLOC),
		    "30000+2000 38000+2000 40000+10000 50000+2000",
		    "constrained segments");
		tap_is_str(api_walk(vm, VMEM_FREE),
		    "11000+1f000 32000+6000 3a000+6000 52000+bf000",
		    "free space around them");
		api_xfree(vm, 0x38000, 0x2000);
		api_xfree(vm, 0x30000, 0x2000);
		api_xfree(vm, 0x50000, 0x2000);
		api_xfree(vm, 0x40000, 0x10000);
		tap_is_str(api_walk(vm, ALL), "11000+100000 11000+100000",
		    "xalloc: all free again");
		api_destroy(vm);
	}

	/* Next fit honours the constraints after the rotor. */
	vm = api_create("xnext", 0x11000, 0x100000, Q, 0);
	api_xalloc(vm, Q, 0x4000, 0, 0, MIN, MAX, NS | VM_NEXTFIT, 0x14000);
	api_xalloc(vm, Q, 0x4000, 0, 0, MIN, MAX, NS | VM_NEXTFIT, 0x18000);
	api_xalloc(vm, Q, 0, 0, 0, MIN, MAX, NS | VM_NEXTFIT, 0x19000);
	api_xfree(vm, 0x14000, Q);
	api_xfree(vm, 0x18000, Q);
	api_xfree(vm, 0x19000, Q);
	api_destroy(vm);
}

static void
test_xalloc_errors(void)
{
	const vmem_addr_t MIN = VMEM_ADDR_MIN, MAX = VMEM_ADDR_MAX;
	vmem_addr_t a;
	vmem_t *vm;

	tap_diag("vmem_xalloc and vmem_alloc argument errors");
	vm = api_create("xerr", 0x10000, 0x100000, Q, 0);
	api_alloc(vm, Q, NS, 0x10000);

	API_EINVAL(vm, VMEM_ERR_ALIGN,
	    vmem_xalloc(vm, Q, 0x3000, 0, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_ALIGN,
	    vmem_xalloc(vm, Q, 0x800, 0, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_ALIGN,
	    vmem_xalloc(vm, Q, 0x1001, 0, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_PHASE,
	    vmem_xalloc(vm, Q, 0x4000, 0x4000, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_PHASE,
	    vmem_xalloc(vm, Q, 0x4000, 0x5000, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_PHASE,
	    vmem_xalloc(vm, Q, 0x4000, 0x800, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_PHASE,
	    vmem_xalloc(vm, Q, 0, 0x1000, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_NOCROSS,
	    vmem_xalloc(vm, 0x4000, 0, 0, 0x2000, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_NOCROSS,
	    vmem_xalloc(vm, Q, 0x8000, 0, 0x4000, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_NOCROSS,
	    vmem_xalloc(vm, 0x3000, 0x4000, 0x2000, 0x4000, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_NOCROSS,
	    vmem_xalloc(vm, 0x7000, 0x8000, 0x2000, 0x8000, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_NOCROSS,
	    vmem_xalloc(vm, Q, 0, 0, 0x3000, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_RANGE,
	    vmem_xalloc(vm, Q, 0, 0, 0, 0x20000, 0x1ffff, NS, &a));
	API_EINVAL(vm, VMEM_ERR_RANGE,
	    vmem_xalloc(vm, Q, 0, 0, 0, MAX, MIN, NS, &a));
	API_EINVAL(vm, VMEM_ERR_RANGE,
	    vmem_xalloc(vm, Q, 0, 0, 0, 0x20800, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_RANGE,
	    vmem_xalloc(vm, 0x2000, 0, 0, 0, 0x20000, 0x21ffe, NS, &a));
	API_EINVAL(vm, VMEM_ERR_RANGE,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, 0x20000, NS, &a));
	API_EINVAL(vm, VMEM_ERR_SIZE,
	    vmem_xalloc(vm, 0, 0, 0, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_SIZE,
	    vmem_xalloc(vm, 0x1800, 0, 0, 0, MIN, MAX, NS, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, MAX, VM_SLEEP | VM_NOSLEEP, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, MAX, VM_BESTFIT, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, MAX, NS | VM_BESTFIT | VM_NEXTFIT,
	    &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, MAX, NS | VM_INSTANTFIT |
	    VM_BESTFIT, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_xalloc(vm, Q, 0, 0, 0, MIN, MAX, NS | 0x8000, &a));

	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_alloc(vm, 0, NS, &a));
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_alloc(vm, 0x800, NS, &a));
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_alloc(vm, 0x1800, NS, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS, vmem_alloc(vm, Q, 0, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_alloc(vm, Q, VM_SLEEP | VM_NOSLEEP, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS,
	    vmem_alloc(vm, Q, NS | VM_NEXTFIT | VM_INSTANTFIT, &a));
	API_EINVAL(vm, VMEM_ERR_FLAGS, vmem_alloc(vm, Q, NS | 0x10, &a));
	tap_is(api_stats(vm).errors, 31, "every argument error counted");

	api_free(vm, 0x10000, Q);
	api_destroy(vm);
}

/* ---- vmem_free, vmem_xfree */

static void
test_free(void)
{
	struct vmem_stats st0;
	const char *msg;
	vmem_t *vm;

	tap_diag("vmem_free and coalescing");
	vm = api_create("coal", 0x10000, 8 * Q, Q, 0);
	api_alloc(vm, Q, NS, 0x10000);
	api_alloc(vm, Q, NS, 0x11000);
	api_alloc(vm, 2 * Q, NS, 0x12000);
	api_xalloc(vm, Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX, NS, 0x14000);
	api_alloc(vm, 3 * Q, NS | VM_BESTFIT, 0x15000);
	tap_is_str(api_walk(vm, VMEM_FREE), "", "arena full");

	st0 = api_stats(vm);
	api_free(vm, 0x11000, Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "11000+1000", "free between busy");
	tap_is(api_stats(vm).coalesces, st0.coalesces, "no coalesce");
	api_free(vm, 0x10000, Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+2000",
	    "free coalesces with the next");
	tap_is(api_stats(vm).coalesces, st0.coalesces + 1, "one coalesce");
	api_xfree(vm, 0x15000, 3 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+2000 15000+3000",
	    "free at the end of the span");
	tap_is(api_stats(vm).coalesces, st0.coalesces + 1,
	    "no coalesce at the span end");
	api_xfree(vm, 0x14000, Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+2000 14000+4000",
	    "xfree coalesces with the next");
	tap_is(api_stats(vm).coalesces, st0.coalesces + 2, "two coalesces");
	api_free(vm, 0x12000, 2 * Q);
	tap_is_str(api_walk(vm, VMEM_FREE), "10000+8000",
	    "free coalesces with both neighbours");
	tap_is(api_stats(vm).coalesces, st0.coalesces + 4, "four coalesces");
	tap_is_str(api_walk(vm, ALL), "10000+8000 10000+8000", "all free");
	tap_is(api_stats(vm).free_segs, 1, "one free segment");

	/* Misuse. */
	tap_diag("free misuse");
	api_alloc(vm, 2 * Q, NS, 0x10000);
	api_xalloc(vm, Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX, NS, 0x12000);
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_free(vm, 0x16000, Q));
	tap_contains(api_rep.msg, "coal", "not allocated: names the arena");
	tap_contains(api_rep.msg, "0x16000",
	    "not allocated: names the address");
	vmem_last_error(vm, &msg);
	tap_contains(msg, "0x16000", "vmem_last_error message");
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_free(vm, 0x11000, Q));
	tap_contains(api_rep.msg, "0x11000", "inside a segment: the address");
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_xfree(vm, 0x11000, Q));
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_free(vm, 0x90000, Q));
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_free(vm, 0x10800, Q));
	API_MISUSE(vm, VMEM_ERR_WRONGSIZE, vmem_free(vm, 0x10000, Q));
	tap_contains(api_rep.msg, "coal", "wrong size: names the arena");
	tap_contains(api_rep.msg, "0x10000", "wrong size: names the address");
	API_MISUSE(vm, VMEM_ERR_WRONGSIZE, vmem_free(vm, 0x10000, 3 * Q));
	API_MISUSE(vm, VMEM_ERR_WRONGSIZE, vmem_xfree(vm, 0x12000, 2 * Q));
	API_MISUSE(vm, VMEM_ERR_XFREE, vmem_free(vm, 0x12000, Q));
	tap_contains(api_rep.msg, "coal", "xfree: names the arena");
	tap_contains(api_rep.msg, "0x12000", "xfree: names the address");
	tap_is(api_stats(vm).errors, 9, "errors counted");
	/* The arena still works. */
	api_free(vm, 0x10000, 2 * Q);
	api_xfree(vm, 0x12000, Q);
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_free(vm, 0x10000, 2 * Q));
	API_MISUSE(vm, VMEM_ERR_NOTALLOC, vmem_xfree(vm, 0x12000, Q));
	/* vmem_xfree of a vmem_alloc segment is allowed. */
	api_alloc(vm, 2 * Q, NS, 0x10000);
	api_xfree(vm, 0x10000, 2 * Q);
	tap_is_str(api_walk(vm, ALL), "10000+8000 10000+8000", "all free");
	tap_is(vmem_last_error(vm, NULL), VMEM_ERR_NOTALLOC,
	    "last error stays after successful calls");
	api_destroy(vm);
}

/* ---- sleeping */

static void
test_sleep(void)
{
	struct api_snap s;
	struct vmem_stats st;
	vmem_addr_t a = 0;
	const char *msg = NULL;
	vmem_t *vm;
	int rc;

	tap_diag("VM_SLEEP on the uniprocessor environment");
	vm = api_create("sleepy", 0x10000, 4 * Q, Q, VM_SLEEP);
	api_alloc(vm, 4 * Q, VM_SLEEP, 0x10000);

	api_snap(vm, &s);
	rc = vmem_alloc(vm, Q, VM_SLEEP, &a);
	st = api_stats(vm);
	tap_is(rc, ENOMEM, "sleep: ENOMEM");
	tap_is(api_rep.n, 1, "sleep: one report");
	tap_is(api_rep.err, VMEM_ERR_DEADLOCK, "sleep: deadlock reported");
	tap_ok(api_rep.vm == vm, "sleep: report names the arena");
	tap_contains(api_rep.msg, "deadlock", "sleep: message says deadlock");
	tap_contains(api_rep.msg, "sleepy", "sleep: message names the arena");
	tap_is(vmem_last_error(vm, &msg), VMEM_ERR_DEADLOCK,
	    "sleep: last error");
	tap_contains(msg, "deadlock", "sleep: last error message");
	tap_is(st.waits, s.st.waits + 1, "sleep: waits counted");
	tap_is(st.fails, s.st.fails + 1, "sleep: fails counted");
	tap_is(st.errors, s.st.errors + 1, "sleep: errors counted");
	tap_is(st.waiters, 0, "sleep: nobody waiting now");
	tap_is_str(api_walk(vm, ALL), s.walk, "sleep: arena unchanged");
	api_check(vm, "sleep");

	api_snap(vm, &s);
	rc = vmem_xalloc(vm, Q, 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    VM_SLEEP | VM_BESTFIT, &a);
	st = api_stats(vm);
	tap_is(rc, ENOMEM, "xalloc sleep: ENOMEM");
	tap_is(api_rep.err, VMEM_ERR_DEADLOCK, "xalloc sleep: deadlock");
	tap_is(st.waits, s.st.waits + 1, "xalloc sleep: waits counted");
	tap_is(st.errors, s.st.errors + 1, "xalloc sleep: errors counted");
	api_check(vm, "xalloc sleep");

	/* VM_SLEEP is a flags error in interrupt context. */
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	API_EINVAL(vm, VMEM_ERR_FLAGS, vmem_alloc(vm, Q, VM_SLEEP, &a));
	tap_contains(api_rep.msg, "interrupt", "VM_SLEEP in interrupt context");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	api_alloc_nomem(vm, Q, VM_NOSLEEP);
	kml_env_uni_set_context(KML_CTX_THREAD);

	/* VM_NOSLEEP fails without a report. */
	api_snap(vm, &s);
	api_alloc_nomem(vm, Q, VM_NOSLEEP);
	tap_is(api_stats(vm).waits, s.st.waits, "nosleep: no wait");

	api_free(vm, 0x10000, 4 * Q);
	api_alloc(vm, Q, VM_SLEEP, 0x10000);
	api_free(vm, 0x10000, Q);
	api_destroy(vm);
}

/* ---- import and release */

static void
test_import(void)
{
	struct vmem_stats st;
	vmem_t *parent, *child;
	vmem_addr_t a;

	tap_diag("import and release");
	parent = api_create("parent", 0x100000, 0x100000, Q, 0);
	child = api_create("child", 0, 0, Q, 0);
	tap_is(vmem_set_import(child, vmem_arena_import, vmem_arena_release,
	    parent, 0x10000), 0, "vmem_set_import");
	api_check(child, "vmem_set_import");

	api_alloc(child, Q, NS, 0x100000);
	st = api_stats(child);
	tap_is(st.imports, 1, "one import");
	tap_is(st.imported, 0x10000, "imported a rounded span");
	tap_is(st.total, 0x10000, "child total");
	tap_is(st.spans, 1, "child spans");
	tap_is(st.inuse, Q, "child inuse");
	tap_is(vmem_size(parent, VMEM_ALLOC), 0x10000, "parent gave the span");
	tap_is_str(api_walk(parent, VMEM_ALLOC), "100000+10000",
	    "parent's busy segment");
	tap_is_str(api_walk(child, ALL), "100000+10000 100000+1000 101000+f000",
	    "child's span");
	api_check(parent, "import");

	api_alloc(child, 2 * Q, NS, 0x101000);
	tap_is(api_stats(child).imports, 1, "no import when it fits");
	api_free(child, 0x100000, Q);
	tap_is(api_stats(child).releases, 0, "no release while busy");
	api_free(child, 0x101000, 2 * Q);
	st = api_stats(child);
	tap_is(st.releases, 1, "released");
	tap_is(st.total, 0, "child total 0");
	tap_is(st.imported, 0, "child imported 0");
	tap_is(st.spans, 0, "child spans 0");
	tap_is(vmem_size(parent, VMEM_ALLOC), 0, "parent inuse 0");
	tap_is_str(api_walk(parent, VMEM_FREE), "100000+100000",
	    "parent coalesced");
	api_check(parent, "release");

	/* Two spans, rounded import. */
	api_alloc(child, Q, NS, 0x100000);
	api_alloc(child, 0x10000, NS, 0x110000);
	api_alloc(child, 0x11000, NS, 0x120000);
	st = api_stats(child);
	tap_is(st.imports, 4, "three more imports");
	tap_is(st.imported, 0x40000, "imported: 0x10000 + 0x10000 + 0x20000");
	tap_is_str(api_walk(child, VMEM_SPAN),
	    "100000+10000 110000+10000 120000+20000", "child spans");
	tap_is_str(api_walk(parent, VMEM_ALLOC),
	    "100000+10000 110000+10000 120000+20000", "parent segments");
	api_free(child, 0x110000, 0x10000);
	tap_is(api_stats(child).releases, 2, "second span released");
	tap_is_str(api_walk(child, VMEM_SPAN), "100000+10000 120000+20000",
	    "child spans after a release");
	api_free(child, 0x120000, 0x11000);
	api_free(child, 0x100000, Q);
	st = api_stats(child);
	tap_is(st.releases, 4, "every span released");
	tap_is(st.total, 0, "child empty");
	tap_is(vmem_size(parent, VMEM_ALLOC), 0, "parent inuse 0");

	/* An added span is never released. */
	api_add(child, 0x800000, 0x2000, 0);
	api_alloc(child, Q, NS, 0x800000);
	api_free(child, 0x800000, Q);
	st = api_stats(child);
	tap_is(st.releases, 4, "added span not released");
	tap_is(st.total, 0x2000, "added span kept");
	tap_is(st.imported, 0, "added span not imported");
	api_alloc(child, 0x4000, NS, 0x100000);
	tap_is_str(api_walk(child, VMEM_SPAN), "100000+10000 800000+2000",
	    "imported when the added span is too small");
	api_free(child, 0x100000, 0x4000);
	tap_is_str(api_walk(child, VMEM_SPAN), "800000+2000", "released again");

	/*
	 * Import sizes (lib/vmem.c section 7): align - quantum more for an
	 * aligned request, at least 2 * nocross, rounded to the import
	 * quantum.
	 */
	api_alloc(parent, 0x10000, NS, 0x100000);
	api_xalloc(child, Q, 0x40000, 0x2000, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    NS, 0x142000);
	tap_is_str(api_walk(child, VMEM_SPAN), "110000+40000 800000+2000",
	    "aligned request: span of size + align - quantum");
	tap_is_str(api_walk(parent, VMEM_ALLOC), "100000+10000 110000+40000",
	    "aligned request: the parent's segment");
	api_xfree(child, 0x142000, Q);
	api_xalloc(child, 0x3000, 0, 0, 0x20000, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    NS, 0x110000);
	tap_is_str(api_walk(child, VMEM_SPAN), "110000+40000 800000+2000",
	    "nocross request: span of 2 * nocross");
	api_xfree(child, 0x110000, 0x3000);
	api_xalloc(child, 0x11000, Q, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX, NS,
	    0x110000);
	tap_is_str(api_walk(child, VMEM_SPAN), "110000+20000 800000+2000",
	    "align = quantum: span of the rounded size");
	api_xfree(child, 0x110000, 0x11000);
	api_free(parent, 0x100000, 0x10000);
	st = api_stats(child);
	tap_is(st.imports, 8, "imports so far");
	tap_is(st.releases, 8, "releases so far");

	/* An imported span outside minaddr/maxaddr goes back at once. */
	api_xalloc_nomem(child, Q, 0, 0, 0, 0x300000, 0x3fffff, NS);
	st = api_stats(child);
	tap_is(st.imports, 9, "out of range: imported");
	tap_is(st.releases, 9, "out of range: handed back");
	tap_is(vmem_size(parent, VMEM_ALLOC), 0,
	    "out of range: parent inuse 0");
	api_check(parent, "import out of range");
	api_xalloc(child, Q, 0, 0, 0, 0x104000, 0x104fff, NS, 0x104000);
	tap_is_str(api_walk(child, VMEM_SPAN), "100000+10000 800000+2000",
	    "in range: the imported span holds it");
	api_xfree(child, 0x104000, Q);

	/* Import failure: the parent is exhausted. */
	api_alloc(parent, 0xf0000, NS, 0x100000);
	api_alloc(child, 0x4000, NS, 0x1f0000);
	st = api_stats(child);
	a = 0;
	api_rep_reset();
	tap_is(vmem_alloc(child, 0x10000, NS, &a), ENOMEM,
	    "import from an exhausted parent: ENOMEM");
	tap_is(api_stats(child).fails, st.fails + 1, "child fails counted");
	tap_is(api_stats(child).imports, st.imports, "no import");
	api_check(child, "failed import");
	api_check(parent, "failed import");
	api_free(child, 0x1f0000, 0x4000);
	api_free(parent, 0x100000, 0xf0000);

	/* Destroying the child gives its spans back. */
	api_alloc(child, 0x4000, NS, 0x100000);
	tap_is(vmem_size(parent, VMEM_ALLOC), 0x10000, "parent lent a span");
	api_rep_reset();
	vmem_destroy(child);
	tap_is(api_rep.n, 1, "destroy busy child: one report");
	tap_is(api_rep.err, VMEM_ERR_BUSY, "destroy busy child: busy");
	tap_contains(api_rep.msg, "child", "destroy busy: names the arena");
	tap_is(vmem_size(parent, VMEM_ALLOC), 0, "child's spans released");
	tap_is_str(api_walk(parent, ALL), "100000+100000 100000+100000",
	    "parent whole again");
	api_check(parent, "destroy child");
	api_destroy(parent);
}

/* api_failing_import: an import function that always fails. */
static int
api_failing_import(void *arg, vmem_size_t size, int flags, vmem_addr_t *addrp)
{
	(void)size;
	(void)flags;
	(void)addrp;
	(*(int *)arg)++;
	return ENOMEM;
}

/* api_never_release: a release function that must not be called. */
static void
api_never_release(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	(void)arg;
	tap_ok(0, "release %#" PRIx64 " %#" PRIx64 " called", addr, size);
}

static void
test_import_errors(void)
{
	vmem_t *vm;
	int calls = 0;

	tap_diag("import errors");
	vm = api_create("failimp", 0, 0, Q, 0);
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_set_import(vm, api_failing_import,
	    api_never_release, &calls, 0x1800));
	API_EINVAL(vm, VMEM_ERR_SIZE, vmem_set_import(vm, api_failing_import,
	    api_never_release, &calls, 0x800));
	tap_is(vmem_set_import(vm, api_failing_import, api_never_release,
	    &calls, 0), 0, "import quantum 0");
	api_alloc_nomem(vm, Q, NS);
	tap_is(calls, 1, "import function called");
	api_destroy(vm);
}

/* ---- vmem_size, vmem_walk, vmem_dump, vmem_stats */

static void
test_walk(void)
{
	vmem_t *vm;

	tap_diag("vmem_size and vmem_walk");
	vm = api_create("walk", 0x10000, 8 * Q, Q, 0);
	api_add(vm, 0x40000, 4 * Q, 0);
	api_alloc(vm, 2 * Q, NS | VM_BESTFIT, 0x40000);
	api_alloc(vm, 3 * Q, NS | VM_BESTFIT, 0x10000);
	api_xalloc(vm, Q, 0x4000, 0, 0, VMEM_ADDR_MIN, 0x3ffff,
	    NS | VM_BESTFIT, 0x14000);

	tap_is(vmem_size(vm, VMEM_ALLOC), 6 * Q, "size alloc");
	tap_is(vmem_size(vm, VMEM_FREE), 6 * Q, "size free");
	tap_is(vmem_size(vm, VMEM_ALLOC | VMEM_FREE), 12 * Q, "size total");
	tap_is_str(api_walk(vm, VMEM_SPAN), "10000+8000 40000+4000", "spans");
	tap_is_str(api_walk(vm, VMEM_ALLOC),
	    "10000+3000 14000+1000 40000+2000", "busy");
	tap_is_str(api_walk(vm, VMEM_FREE), "13000+1000 15000+3000 42000+2000",
	    "free");
	tap_is_str(api_walk(vm, VMEM_ALLOC | VMEM_FREE),
	    "10000+3000 13000+1000 14000+1000 15000+3000 40000+2000 "
	    "42000+2000", "segments");
	tap_is_str(api_walk(vm, VMEM_SPAN | VMEM_ALLOC),
	    "10000+8000 10000+3000 14000+1000 40000+4000 40000+2000",
	    "spans and busy");
	tap_is_str(api_walk(vm, VMEM_SPAN | VMEM_FREE),
	    "10000+8000 13000+1000 15000+3000 40000+4000 42000+2000",
	    "spans and free");
	tap_is_str(api_walk(vm, ALL),
	    "10000+8000 10000+3000 13000+1000 14000+1000 15000+3000 "
	    "40000+4000 40000+2000 42000+2000", "everything");
	tap_is_str(api_walk(vm, 0), "", "nothing");

	api_free(vm, 0x10000, 3 * Q);
	api_xfree(vm, 0x14000, Q);
	api_free(vm, 0x40000, 2 * Q);
	tap_is(vmem_size(vm, VMEM_ALLOC), 0, "size alloc after frees");
	tap_is(vmem_size(vm, VMEM_FREE), 12 * Q, "size free after frees");
	api_destroy(vm);
}

/* api_dump_pr: vmem_dump callback appending to a struct api_buf. */
static void __attribute__((format(printf, 2, 3)))
api_dump_pr(void *arg, const char *fmt, ...)
{
	struct api_buf *ab = arg;
	va_list ap;
	int n;

	if (ab->len >= sizeof(ab->b) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ab->b + ab->len, sizeof(ab->b) - ab->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		ab->len += (size_t)n;
	if (ab->len > sizeof(ab->b) - 1)
		ab->len = sizeof(ab->b) - 1;
}

static void
test_dump(void)
{
	static struct api_buf ab;
	char *text = NULL;
	size_t textlen = 0;
	FILE *fp;
	vmem_t *vm;

	tap_diag("vmem_dump");
	vm = api_create("dumpling", 0x10000, 8 * Q, Q, 0);
	api_alloc(vm, 2 * Q, NS, 0x10000);
	ab.len = 0;
	ab.b[0] = '\0';
	vmem_dump(vm, api_dump_pr, &ab);
	tap_ok(ab.len < sizeof(ab.b) - 1, "dump fits the buffer (%zu bytes)",
	    ab.len);
	tap_contains(ab.b, "dumpling", "dump names the arena");
	tap_contains(ab.b, "span", "dump shows spans");
	tap_contains(ab.b, "busy", "dump shows busy segments");
	tap_contains(ab.b, "free", "dump shows free segments");
	tap_contains(ab.b, "10000", "dump shows the busy address");
	tap_contains(ab.b, "12000", "dump shows the free address");
	for (size_t i = 0; i < vmem_nstatdesc; i++)
		tap_contains(ab.b, vmem_statdesc[i].sd_name,
		    "dump shows statistic %s", vmem_statdesc[i].sd_name);

	fp = open_memstream(&text, &textlen);
	if (fp == NULL)
		tap_bail("open_memstream: %s", strerror(errno));
	vmem_dump_file(vm, fp);
	fclose(fp);
	tap_is_str(text, ab.b, "vmem_dump_file prints the same");
	free(text);
	api_free(vm, 0x10000, 2 * Q);
	api_destroy(vm);
}

static void
test_stats(void)
{
	struct vmem_stats st, peak;
	vmem_t *vm;
	uint64_t h0;
	enum { N = 2048 };

	tap_diag("vmem_stats");
	vm = api_create("stats", 0x10000, 16 * Q, Q, 0);
	api_add(vm, 0x40000, 32 * Q, 0);
	api_alloc(vm, 2 * Q, NS | VM_BESTFIT, 0x10000);
	api_alloc(vm, 4 * Q, NS | VM_BESTFIT, 0x12000);
	api_alloc(vm, 1 * Q, NS | VM_BESTFIT, 0x16000);
	api_alloc_nomem(vm, 64 * Q, NS);
	api_free(vm, 0x12000, 4 * Q);
	st = api_stats(vm);
	tap_is(st.allocs, 3, "allocs");
	tap_is(st.frees, 1, "frees");
	tap_is(st.fails, 1, "fails");
	tap_is(st.inuse, 3 * Q, "inuse");
	tap_is(st.total, 48 * Q, "total");
	tap_is(st.imported, 0, "imported");
	tap_is(st.busy_segs, 2, "busy_segs");
	tap_is(st.free_segs, 3, "free_segs");
	tap_is(st.spans, 2, "spans");
	tap_is(st.largest_free, 32 * Q, "largest_free");
	tap_is(st.splits, 3, "splits");
	tap_is(st.errors, 0, "errors");
	tap_is(st.waits, 0, "waits");
	tap_is(st.waiters, 0, "waiters");
	api_free(vm, 0x10000, 2 * Q);
	api_free(vm, 0x16000, 1 * Q);
	api_destroy(vm);

	/* The busy-segment hash grows and shrinks. */
	vm = vmem_create("hash", 0, N, 1, 0, 0);
	h0 = api_stats(vm).hash_size;
	tap_ok(h0 > 0, "hash_size %" PRIu64 " at start", h0);
	for (vmem_addr_t a = 0; a < N; a++) {
		vmem_addr_t got = ~(vmem_addr_t)0;

		if (vmem_alloc(vm, 1, NS, &got) != 0 || got != a) {
			tap_ok(0, "hash: alloc %" PRIu64 " got %" PRIu64, a,
			    got);
			break;
		}
	}
	api_check(vm, "hash: many allocations");
	peak = api_stats(vm);
	tap_is(peak.busy_segs, N, "hash: busy_segs");
	tap_ok(peak.hash_size > h0, "hash grew to %" PRIu64, peak.hash_size);
	tap_ok(peak.hash_size >= N / 16, "hash at least N/16 buckets");
	tap_ok(peak.rehashes > 0, "rehashes %" PRIu64, peak.rehashes);
	tap_ok(peak.hash_maxchain >= 1 && peak.hash_maxchain < 64,
	    "hash_maxchain %" PRIu64, peak.hash_maxchain);
	for (vmem_addr_t a = 0; a < N; a++)
		vmem_free(vm, a, 1);
	api_check(vm, "hash: many frees");
	st = api_stats(vm);
	tap_is(st.busy_segs, 0, "hash: nothing busy");
	tap_is(st.free_segs, 1, "hash: one free segment");
	tap_ok(st.hash_size < peak.hash_size, "hash shrank to %" PRIu64,
	    st.hash_size);
	tap_ok(st.rehashes > peak.rehashes, "rehashes %" PRIu64 " after shrink",
	    st.rehashes);
	tap_is(st.allocs, N, "hash: allocs");
	tap_is(st.frees, N, "hash: frees");
	tap_ok(st.hash_lookups >= N, "hash_lookups %" PRIu64, st.hash_lookups);
	tap_is(api_rep.n, 0, "hash: nothing reported");
	api_destroy(vm);
}

static void
test_statdesc(void)
{
	const size_t nfield = sizeof(struct vmem_stats) / sizeof(uint64_t);
	unsigned seen[sizeof(struct vmem_stats) / sizeof(uint64_t)] = { 0 };
	struct vmem_stats st;
	int dup = 0, bad = 0;

	tap_diag("vmem_statdesc");
	tap_is(vmem_nstatdesc, nfield, "one name per field");
	for (size_t i = 0; i < vmem_nstatdesc; i++) {
		const struct kml_statdesc *d = &vmem_statdesc[i];

		if (d->sd_name == NULL || d->sd_descr == NULL ||
		    d->sd_offset % sizeof(uint64_t) != 0 ||
		    d->sd_offset >= sizeof(struct vmem_stats)) {
			bad++;
			continue;
		}
		seen[d->sd_offset / sizeof(uint64_t)]++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(vmem_statdesc[j].sd_name, d->sd_name) == 0)
				dup++;
	}
	tap_is(bad, 0, "every entry well formed");
	tap_is(dup, 0, "names unique");
	for (size_t k = 0; k < nfield; k++)
		if (seen[k] != 1)
			bad++;
	tap_is(bad, 0, "every field named once");

	/* Spot checks: names, units, values through the table. */
	memset(&st, 0, sizeof(st));
	st.searches = 7;
	st.bitmap_lookups = 9;
	st.inuse = 11;
	for (size_t i = 0; i < vmem_nstatdesc; i++) {
		const struct kml_statdesc *d = &vmem_statdesc[i];

		if (strcmp(d->sd_name, "searches") == 0)
			tap_is(kml_stat_get(&st, d), 7, "searches by name");
		if (strcmp(d->sd_name, "bitmap_lookups") == 0)
			tap_is(kml_stat_get(&st, d), 9,
			    "bitmap_lookups by name");
		if (strcmp(d->sd_name, "inuse") == 0) {
			tap_is(kml_stat_get(&st, d), 11, "inuse by name");
			tap_is(d->sd_unit, KML_UNIT_BYTES, "inuse in bytes");
		}
		if (strcmp(d->sd_name, "allocs") == 0)
			tap_is(d->sd_unit, KML_UNIT_COUNT, "allocs a count");
	}
}

static void
test_names(void)
{
	int dup = 0;

	tap_diag("vmem_strerror, vmem_strategy_name, vmem_strategy_parse");
	tap_is_str(vmem_strerror(VMEM_ERR_NOTALLOC), "not allocated",
	    "strerror not allocated");
	for (int e = 0; e < VMEM_ERR_NERRORS; e++) {
		const char *s = vmem_strerror((enum vmem_error)e);

		tap_ok(s != NULL && *s != '\0', "strerror(%d) = \"%s\"", e,
		    s ? s : "(null)");
		for (int f = 0; f < e; f++)
			if (s != NULL &&
			    strcmp(s, vmem_strerror((enum vmem_error)f)) == 0)
				dup++;
	}
	tap_is(dup, 0, "error names unique");
	tap_ok(vmem_strerror(VMEM_ERR_NERRORS) != NULL,
	    "strerror out of range");

	tap_is_str(vmem_strategy_name(0), "instantfit", "name 0");
	tap_is_str(vmem_strategy_name(VM_NOSLEEP), "instantfit",
	    "name nosleep");
	tap_is_str(vmem_strategy_name(VM_INSTANTFIT | VM_SLEEP), "instantfit",
	    "name instantfit");
	tap_is_str(vmem_strategy_name(VM_BESTFIT | VM_NOSLEEP), "bestfit",
	    "name bestfit");
	tap_is_str(vmem_strategy_name(VM_NEXTFIT), "nextfit", "name nextfit");
	tap_is_str(vmem_strategy_name(M_FIRSTFIT), "instantfit",
	    "name M_FIRSTFIT");

	tap_is(vmem_strategy_parse("instantfit"), VM_INSTANTFIT,
	    "parse instantfit");
	tap_is(vmem_strategy_parse("instant"), VM_INSTANTFIT, "parse instant");
	tap_is(vmem_strategy_parse("firstfit"), VM_INSTANTFIT,
	    "parse firstfit");
	tap_is(vmem_strategy_parse("bestfit"), VM_BESTFIT, "parse bestfit");
	tap_is(vmem_strategy_parse("best"), VM_BESTFIT, "parse best");
	tap_is(vmem_strategy_parse("nextfit"), VM_NEXTFIT, "parse nextfit");
	tap_is(vmem_strategy_parse("next"), VM_NEXTFIT, "parse next");
	tap_is(vmem_strategy_parse("worst"), -1, "parse worst");
	tap_is(vmem_strategy_parse(""), -1, "parse empty");
	tap_is(vmem_strategy_parse("bestfitx"), -1, "parse bestfitx");
}

static void
test_destroy(void)
{
	vmem_t *vm;

	tap_diag("vmem_destroy");
	vm = api_create("busyarena", 0x10000, 8 * Q, Q, 0);
	api_alloc(vm, Q, NS, 0x10000);
	api_alloc(vm, Q, NS, 0x11000);
	api_rep_reset();
	vmem_destroy(vm);
	tap_ok(api_rep.n >= 1, "destroy busy: reported");
	tap_is(api_rep.err, VMEM_ERR_BUSY, "destroy busy: busy");
	tap_contains(api_rep.msg, "busyarena", "destroy busy: names the arena");

	/* Per-arena handler. */
	vm = api_create("own", 0x10000, 8 * Q, Q, 0);
	{
		int before;

		vmem_set_error_handler(vm, api_handler, NULL);
		api_rep_reset();
		vmem_free(vm, 0x10000, Q);
		before = api_rep.n;
		tap_is(before, 1, "own handler called");
		tap_is(api_rep.err, VMEM_ERR_NOTALLOC, "own handler: class");
		tap_contains(api_rep.msg, "own",
		    "own handler: names the arena");
	}
	api_destroy(vm);
}

/*
 * api_stderr_free: vmem_free(vm, addr, size) with stderr sent to a
 * temporary file; returns what was printed on stderr (a static buffer).
 */
static const char *
api_stderr_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size)
{
	static char out[1024];
	FILE *tmp;
	size_t n;
	int saved;

	tmp = tmpfile();
	if (tmp == NULL)
		tap_bail("tmpfile: %s", strerror(errno));
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(fileno(tmp), 2) < 0)
		tap_bail("dup: %s", strerror(errno));
	vmem_free(vm, addr, size);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void
test_default_handler(void)
{
	char want[600];
	const char *msg = NULL, *out;
	vmem_t *vm;

	tap_diag("the stderr error handler");
	vmem_set_default_error_handler(NULL, NULL);
	vm = api_create("loud", 0x10000, 8 * Q, Q, 0);
	api_rep_reset();
	out = api_stderr_free(vm, 0x13000, Q);
	tap_is(vmem_last_error(vm, &msg), VMEM_ERR_NOTALLOC,
	    "loud: last error");
	snprintf(want, sizeof(want), "vmem: %s\n", msg ? msg : "(null)");
	tap_is_str(out, want, "default handler prints \"vmem: MSG\"");
	tap_contains(out, "loud", "stderr message names the arena");
	tap_contains(out, "0x13000", "stderr message names the address");
	tap_is(api_rep.n, 0, "capturing handler not called");

	vmem_set_error_handler(vm, api_handler, NULL);
	out = api_stderr_free(vm, 0x14000, Q);
	tap_is_str(out, "", "own handler: nothing on stderr");
	tap_is(api_rep.n, 1, "own handler called");
	tap_contains(api_rep.msg, "0x14000", "own handler: the address");

	vmem_set_error_handler(vm, NULL, NULL);
	out = api_stderr_free(vm, 0x15000, Q);
	tap_contains(out, "vmem: ", "NULL handler: stderr again");
	tap_contains(out, "0x15000", "NULL handler: the address");
	tap_is(api_rep.n, 1, "NULL handler: capturing handler not called");
	tap_is(api_stats(vm).errors, 3, "three errors counted");
	api_destroy(vm);
	vmem_set_default_error_handler(api_handler, NULL);
}

int
main(void)
{
	vmem_set_default_error_handler(api_handler, NULL);

	test_create();
	test_add();
	test_strategies();
	test_nextfit();
	test_instant_miss();
	test_xalloc();
	test_xalloc_errors();
	test_free();
	test_sleep();
	test_import();
	test_import_errors();
	test_walk();
	test_dump();
	test_stats();
	test_statdesc();
	test_names();
	test_destroy();
	test_default_handler();
	return tap_done();
}
