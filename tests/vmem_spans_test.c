/*
 * tests/vmem_spans_test.c: vmem arenas with thousands of spans.
 *
 * lib/vmem.c keeps its span tags on an address-ordered list and in the
 * span index, an AVL tree keyed by start address (theory section 2):
 * vmem_add and imports find a new span's place and check it for overlap
 * with the tree, and a released span leaves it.  These tests drive
 * thousands of spans through those paths and compare the arena with a
 * model, the sorted array of the spans it must hold:
 *  - vmem_add of spans in orders that would unbalance a plain search tree
 *    (ascending, descending, alternating ends) and in random orders;
 *  - vmem_add of random ranges over a populated arena: each must fail
 *    with EINVAL, VMEM_ERR_OVERLAP and the exact message naming the first
 *    span, in address order, that the range overlaps, or succeed when it
 *    overlaps none (ranges that touch a span on either side included);
 *    spans at address 0 and at the top of the address space;
 *  - a child arena importing one span per allocation from a source arena,
 *    with static spans of its own between the imported ones, under a
 *    random mix of allocations (imports) and frees (releases), and its
 *    vmem_destroy, which must give every imported span back.
 * vmem_check must pass throughout (it verifies that the span index and
 * the span list hold the same spans in the same order); the spans that
 * vmem_walk reports, the statistics and vmem_size must equal the model.
 * Random choices come from splitmix64 with fixed seeds; a failure prints
 * the seed and the step, and ends that scenario.
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

#define Q		((vmem_size_t)0x1000)	/* quantum of every arena */
#define NS		VM_NOSLEEP
#define SP_BASE		((vmem_addr_t)0x10000000)
#define SP_NSLOTS	2000	/* spans added by the order scenarios */
#define SP_SLOT		(4 * Q)	/* slot i starts at SP_BASE + i * SP_SLOT */
#define SP_PROBES	8000	/* vmem_add calls of the overlap scenario */
#define SP_IMPORT_OPS	8000	/* operations of the import scenario */
#define SP_MAXLIVE	1500	/* live imports, at most */
#define SP_NSTATIC	200	/* static spans of the importing arena */
#define SP_CHECKEVERY	16	/* vmem_check every this many steps */

/* ---- the PRNG: splitmix64 */

static uint64_t sp_rnd;

static uint64_t
sp_next(void)
{
	uint64_t z = (sp_rnd += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* sp_below: uniform in [0, n), n > 0. */
static uint64_t
sp_below(uint64_t n)
{
	return sp_next() % n;
}

/* ---- failures */

/* The scenario in progress: its name, seed, step and first failure. */
static struct {
	const char *name;
	uint64_t seed;
	uint64_t step;
	bool failed;
} sp_run;

/* sp_begin: start the scenario name with seed. */
static void
sp_begin(const char *name, uint64_t seed)
{
	sp_run.name = name;
	sp_run.seed = seed;
	sp_run.step = 0;
	sp_run.failed = false;
	sp_rnd = seed;
}

/* sp_fail: report the scenario's first failure (with seed and step). */
static void __attribute__((format(printf, 1, 2)))
sp_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (sp_run.failed)
		return;
	sp_run.failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_ok(0, "%s seed %" PRIu64 " step %" PRIu64 ": %s", sp_run.name,
	    sp_run.seed, sp_run.step, msg);
}

/* sp_end: one passing check for the scenario unless it failed. */
static void
sp_end(const char *what)
{
	if (!sp_run.failed)
		tap_ok(1, "%s seed %" PRIu64 ": %s", sp_run.name, sp_run.seed,
		    what);
}

/* ---- error reports */

static struct {
	int n;				/* # of reports since sp_rep_reset */
	enum vmem_error err;		/* class of the last one */
	char msg[512];			/* its message */
} sp_rep;

/* sp_handler: the error handler of every arena: records the report. */
static void
sp_handler(void *arg, vmem_t *vm, enum vmem_error err, const char *msg)
{
	(void)arg;
	(void)vm;
	sp_rep.n++;
	sp_rep.err = err;
	snprintf(sp_rep.msg, sizeof(sp_rep.msg), "%s", msg);
}

static void
sp_rep_reset(void)
{
	memset(&sp_rep, 0, sizeof(sp_rep));
}

/* ---- the model: spans sorted by address */

struct sp_span {
	vmem_addr_t addr;
	vmem_size_t size;
};

struct sp_model {
	struct sp_span *s;
	size_t n, cap;
};

/* sp_model_find: the index of the first span ending at or after addr. */
static size_t
sp_model_find(const struct sp_model *m, vmem_addr_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->s[mid].addr + (m->s[mid].size - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* sp_model_overlap: the first span overlapping [addr, addr+size), or NULL. */
static const struct sp_span *
sp_model_overlap(const struct sp_model *m, vmem_addr_t addr, vmem_size_t size)
{
	size_t i = sp_model_find(m, addr);

	if (i < m->n && m->s[i].addr <= addr + (size - 1))
		return &m->s[i];
	return NULL;
}

/* sp_model_insert: add [addr, addr+size), which overlaps no span. */
static void
sp_model_insert(struct sp_model *m, vmem_addr_t addr, vmem_size_t size)
{
	size_t i = sp_model_find(m, addr);

	if (m->n == m->cap) {
		m->cap = m->cap != 0 ? 2 * m->cap : 256;
		m->s = realloc(m->s, m->cap * sizeof(*m->s));
		if (m->s == NULL)
			tap_bail("out of memory");
	}
	memmove(&m->s[i + 1], &m->s[i], (m->n - i) * sizeof(*m->s));
	m->s[i].addr = addr;
	m->s[i].size = size;
	m->n++;
}

/* sp_model_remove: take out the span that starts at addr.  => false if none. */
static bool
sp_model_remove(struct sp_model *m, vmem_addr_t addr)
{
	size_t i = sp_model_find(m, addr);

	if (i == m->n || m->s[i].addr != addr)
		return false;
	memmove(&m->s[i], &m->s[i + 1], (m->n - i - 1) * sizeof(*m->s));
	m->n--;
	return true;
}

static void
sp_model_free(struct sp_model *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ---- comparing an arena with the model */

struct sp_walk {
	const struct sp_model *m;
	size_t i;			/* spans seen */
	bool bad;			/* a mismatch was reported */
};

/* sp_walk_span: vmem_walk callback: the next span must be the model's. */
static void
sp_walk_span(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct sp_walk *w = arg;

	if (w->bad)
		return;
	if (w->i >= w->m->n) {
		sp_fail("walk: span [%#" PRIx64 ", +%#" PRIx64 ") beyond the "
		    "model's %zu spans", addr, size, w->m->n);
		w->bad = true;
	} else if (w->m->s[w->i].addr != addr || w->m->s[w->i].size != size) {
		sp_fail("walk: span %zu is [%#" PRIx64 ", +%#" PRIx64 "), "
		    "model [%#" PRIx64 ", +%#" PRIx64 ")", w->i, addr, size,
		    w->m->s[w->i].addr, w->m->s[w->i].size);
		w->bad = true;
	}
	w->i++;
}

/* sp_check: vmem_check passes on vm.  => false (reported) if not. */
static bool
sp_check(vmem_t *vm, const char *name)
{
	char why[256];

	if (vmem_check(vm, why, sizeof(why)) != 0) {
		sp_fail("vmem_check(%s): %s", name, why);
		return false;
	}
	return true;
}

/*
 * sp_compare: vm passes vmem_check, and its spans (vmem_walk), spans
 * statistic and total size are the model's.  => false (reported) if not.
 */
static bool
sp_compare(vmem_t *vm, const char *name, const struct sp_model *m)
{
	struct sp_walk w = { .m = m };
	struct vmem_stats st;
	vmem_size_t total = 0;

	if (!sp_check(vm, name))
		return false;
	vmem_walk(vm, VMEM_SPAN, sp_walk_span, &w);
	if (w.bad)
		return false;
	if (w.i != m->n) {
		sp_fail("walk of %s: %zu spans, model %zu", name, w.i, m->n);
		return false;
	}
	for (size_t i = 0; i < m->n; i++)
		total += m->s[i].size;
	vmem_stats(vm, &st);
	if (st.spans != m->n || vmem_size(vm, VMEM_ALLOC | VMEM_FREE) != total) {
		sp_fail("%s: spans %" PRIu64 " size %#" PRIx64 ", model %zu "
		    "%#" PRIx64, name, st.spans, vmem_size(vm, VMEM_ALLOC |
		    VMEM_FREE), m->n, total);
		return false;
	}
	return true;
}

/* ---- adding spans in a given order */

enum sp_order { SP_ASCENDING, SP_DESCENDING, SP_ZIGZAG, SP_RANDOM };

static const char *const sp_ordernames[] = {
	"ascending", "descending", "zigzag", "random"
};

/*
 * sp_slots: fill slot[0..n) with 0..n-1 in order o (SP_ZIGZAG: 0, n-1, 1,
 * n-2, ...; SP_RANDOM: a shuffle from the PRNG).
 */
static void
sp_slots(size_t *slot, size_t n, enum sp_order o)
{
	for (size_t i = 0; i < n; i++) {
		switch (o) {
		case SP_ASCENDING:
		case SP_RANDOM:
			slot[i] = i;
			break;
		case SP_DESCENDING:
			slot[i] = n - 1 - i;
			break;
		case SP_ZIGZAG:
			slot[i] = i % 2 == 0 ? i / 2 : n - 1 - i / 2;
			break;
		}
	}
	if (o == SP_RANDOM)
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = sp_below(i + 1), t = slot[i];

			slot[i] = slot[j];
			slot[j] = t;
		}
}

/*
 * sp_fill: add to vm one span per slot, in the order of slot[0..n): slot
 * k is [SP_BASE + k * SP_SLOT, +size), size 1 to 3 quanta from the PRNG.
 * => m gets the spans; false (reported) on the first failure.
 */
static bool
sp_fill(vmem_t *vm, struct sp_model *m, const size_t *slot, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vmem_addr_t addr = SP_BASE + slot[i] * SP_SLOT;
		vmem_size_t size = (1 + sp_below(3)) * Q;
		int error;

		sp_run.step = i;
		if ((error = vmem_add(vm, addr, size, NS)) != 0) {
			sp_fail("vmem_add(%#" PRIx64 ", %#" PRIx64 ") = %d: %s",
			    addr, size, error, sp_rep.msg);
			return false;
		}
		sp_model_insert(m, addr, size);
		if (i % SP_CHECKEVERY == 0 && !sp_check(vm, "arena"))
			return false;
	}
	return sp_compare(vm, "arena", m);
}

/* test_order: SP_NSLOTS spans added in order o, then each freed and re-added. */
static void
test_order(enum sp_order o, uint64_t seed)
{
	struct sp_model m = { 0 };
	size_t *slot = calloc(SP_NSLOTS, sizeof(*slot));
	vmem_t *vm;
	vmem_addr_t a;
	char name[64];

	snprintf(name, sizeof(name), "add %s", sp_ordernames[o]);
	sp_begin(name, seed);
	if (slot == NULL)
		tap_bail("out of memory");
	vm = vmem_create("spans", 0, 0, Q, 0, NS);
	if (vm == NULL)
		tap_bail("vmem_create failed");
	sp_slots(slot, SP_NSLOTS, o);
	if (!sp_fill(vm, &m, slot, SP_NSLOTS))
		goto out;
	/* the first next fit wraps to the lowest address of the arena */
	if (vmem_alloc(vm, Q, NS | VM_NEXTFIT, &a) != 0 || a != SP_BASE) {
		sp_fail("next fit after the adds: %#" PRIx64 ", want %#" PRIx64,
		    a, SP_BASE);
		goto out;
	}
	vmem_free(vm, a, Q);
	sp_compare(vm, "arena", &m);
	sp_end("spans added, walked and checked");
out:
	vmem_destroy(vm);
	sp_model_free(&m);
	free(slot);
}

/* ---- overlap */

/*
 * sp_probe: vmem_add [addr, addr+size) to vm: it must fail with the
 * exact overlap report when the model says it overlaps, else succeed.
 * => *nerrp counts the expected reports; false (reported) on a mismatch.
 */
static bool
sp_probe(vmem_t *vm, struct sp_model *m, vmem_addr_t addr, vmem_size_t size,
    uint64_t *nerrp)
{
	const struct sp_span *s = sp_model_overlap(m, addr, size);
	char want[256];
	int error;

	sp_rep_reset();
	error = vmem_add(vm, addr, size, NS);
	if (s == NULL) {
		if (error != 0 || sp_rep.n != 0) {
			sp_fail("vmem_add(%#" PRIx64 ", %#" PRIx64 ") = %d (%s), "
			    "overlaps nothing", addr, size, error, sp_rep.msg);
			return false;
		}
		sp_model_insert(m, addr, size);
		return true;
	}
	(*nerrp)++;
	snprintf(want, sizeof(want), "vmem_add: span [%#" PRIx64 ", %#" PRIx64
	    ") overlaps span [%#" PRIx64 ", %#" PRIx64 ")", addr, addr + size,
	    s->addr, s->addr + s->size);
	if (error != EINVAL || sp_rep.n != 1 || sp_rep.err != VMEM_ERR_OVERLAP ||
	    strstr(sp_rep.msg, want) == NULL) {
		sp_fail("vmem_add(%#" PRIx64 ", %#" PRIx64 ") = %d, %d reports, "
		    "class %d, \"%s\"; want EINVAL and \"%s\"", addr, size, error,
		    sp_rep.n, sp_rep.err, sp_rep.msg, want);
		return false;
	}
	return true;
}

/*
 * test_overlap: a random half of the slots added, then SP_PROBES random
 * ranges around and across them, and ranges that touch a span.
 */
static void
test_overlap(uint64_t seed)
{
	struct sp_model m = { 0 };
	size_t *slot = calloc(SP_NSLOTS, sizeof(*slot));
	vmem_addr_t lo, hi;
	struct vmem_stats st;
	uint64_t nerr = 0;
	vmem_t *vm;

	sp_begin("overlap", seed);
	if (slot == NULL)
		tap_bail("out of memory");
	vm = vmem_create("overlap", 0, 0, Q, 0, NS);
	if (vm == NULL)
		tap_bail("vmem_create failed");
	sp_slots(slot, SP_NSLOTS, SP_RANDOM);
	if (!sp_fill(vm, &m, slot, SP_NSLOTS / 2))
		goto out;
	lo = SP_BASE - 8 * Q;
	hi = SP_BASE + SP_NSLOTS * SP_SLOT + 8 * Q;
	for (uint64_t i = 0; i < SP_PROBES; i++) {
		vmem_addr_t addr;
		vmem_size_t size;

		sp_run.step = i;
		if (i % 4 == 0 && m.n > 0) {
			/* just below or just above a span: touching only */
			const struct sp_span *s = &m.s[sp_below(m.n)];

			size = (1 + sp_below(2)) * Q;
			addr = sp_below(2) == 0 ? s->addr - size : s->addr + s->size;
		} else {
			addr = lo + sp_below((hi - lo) / Q) * Q;
			size = (1 + sp_below(12)) * Q;
		}
		if (!sp_probe(vm, &m, addr, size, &nerr))
			goto out;
		if (i % SP_CHECKEVERY == 0 && !sp_check(vm, "overlap"))
			goto out;
	}
	if (!sp_compare(vm, "overlap", &m))
		goto out;
	vmem_stats(vm, &st);
	if (st.errors != nerr) {
		sp_fail("errors statistic %" PRIu64 ", want %" PRIu64,
		    st.errors, nerr);
		goto out;
	}
	tap_diag("overlap: %" PRIu64 " of %d probes overlapped, %zu spans",
	    nerr, SP_PROBES, m.n);
	sp_end("every overlap reported with the first overlapped span");
out:
	vmem_destroy(vm);
	sp_model_free(&m);
	free(slot);
}

/* test_overlap_edges: spans at 0 and at the top of the address space. */
static void
test_overlap_edges(void)
{
	struct sp_model m = { 0 };
	const vmem_addr_t top = VMEM_ADDR_MAX - Q + 1;	/* last quantum */
	uint64_t nerr = 0;
	vmem_t *vm;

	sp_begin("edges", 0);
	vm = vmem_create("edges", 0, 0, Q, 0, NS);
	if (vm == NULL)
		tap_bail("vmem_create failed");
	if (!sp_probe(vm, &m, 0, Q, &nerr) ||
	    !sp_probe(vm, &m, top, Q, &nerr) ||
	    !sp_probe(vm, &m, top - 2 * Q, Q, &nerr) ||
	    !sp_probe(vm, &m, 2 * Q, Q, &nerr) ||
	    /* the whole space but the first and last quanta */
	    !sp_probe(vm, &m, Q, top - Q, &nerr) ||
	    !sp_probe(vm, &m, 0, 2 * Q, &nerr) ||
	    !sp_probe(vm, &m, top - Q, 2 * Q, &nerr) ||
	    !sp_probe(vm, &m, top - 3 * Q, 2 * Q, &nerr) ||
	    !sp_probe(vm, &m, Q, Q, &nerr) ||
	    !sp_probe(vm, &m, top - Q, Q, &nerr) ||
	    /* into [top - 2Q, top - Q) by one quantum, then touching it */
	    !sp_probe(vm, &m, 4 * Q, top - 5 * Q, &nerr) ||
	    !sp_probe(vm, &m, 4 * Q, top - 6 * Q, &nerr) ||
	    !sp_probe(vm, &m, 0, 4 * Q, &nerr))
		goto out;
	if (!sp_compare(vm, "edges", &m))
		goto out;
	if (m.n != 7 || nerr != 6) {
		sp_fail("%zu spans and %" PRIu64 " overlaps, want 7 and 6", m.n,
		    nerr);
		goto out;
	}
	sp_end("spans at both ends of the address space");
out:
	vmem_destroy(vm);
	sp_model_free(&m);
}

/* ---- imports and releases */

/* A live allocation of the importing arena: one imported span. */
struct sp_live {
	vmem_addr_t addr;
	vmem_size_t size;
};

/*
 * test_import: the arena "child" imports one span per allocation from
 * "source" (an allocation of n quanta takes a whole span of n quanta) and
 * releases it when the allocation is freed; SP_NSTATIC static spans of its
 * own, wholly allocated, stand between the imported ones.
 */
static void
test_import(uint64_t seed)
{
	const vmem_size_t srcsize = (vmem_size_t)SP_MAXLIVE * 16 * Q;
	const vmem_size_t step = srcsize / (SP_NSTATIC + 1) & ~(Q - 1);
	struct sp_model m = { 0 };
	struct sp_live *live = calloc(SP_MAXLIVE, sizeof(*live));
	vmem_t *src, *child;
	struct vmem_stats st;
	uint64_t nimports = 0, nreleases = 0;
	size_t nlive = 0;

	sp_begin("import", seed);
	if (live == NULL)
		tap_bail("out of memory");
	src = vmem_create("source", SP_BASE, srcsize, Q, 0, NS);
	child = vmem_create("child", 0, 0, Q, 0, NS);
	if (src == NULL || child == NULL)
		tap_bail("vmem_create failed");
	if (vmem_set_import(child, vmem_arena_import, vmem_arena_release, src,
	    0) != 0)
		tap_bail("vmem_set_import failed");

	/* static spans: ranges held in the source, added to the child */
	for (size_t i = 0; i < SP_NSTATIC; i++) {
		vmem_addr_t addr = SP_BASE + (vmem_addr_t)(i + 1) * step, got;
		vmem_size_t size = (1 + sp_below(2)) * Q;

		sp_run.step = i;
		if (vmem_xalloc(src, size, 0, 0, 0, addr, addr + size - 1, NS,
		    &got) != 0 || got != addr ||
		    vmem_add(child, addr, size, NS) != 0 ||
		    vmem_xalloc(child, size, 0, 0, 0, addr, addr + size - 1, NS,
		    &got) != 0 || got != addr) {
			sp_fail("static span [%#" PRIx64 ", +%#" PRIx64 "): %s",
			    addr, size, sp_rep.msg);
			goto out;
		}
		sp_model_insert(&m, addr, size);
	}
	if (!sp_compare(child, "child", &m))
		goto out;

	for (uint64_t op = 0; op < SP_IMPORT_OPS; op++) {
		sp_run.step = op;
		if (nlive < SP_MAXLIVE && (nlive == 0 || sp_below(100) < 55)) {
			vmem_size_t size = (1 + sp_below(4)) * Q;
			vmem_addr_t addr;

			if (vmem_alloc(child, size, NS, &addr) != 0) {
				sp_fail("vmem_alloc(child, %#" PRIx64 ") failed: "
				    "%s", size, sp_rep.msg);
				goto out;
			}
			if (sp_model_overlap(&m, addr, size) != NULL) {
				sp_fail("import [%#" PRIx64 ", +%#" PRIx64 ") "
				    "overlaps a span of the model", addr, size);
				goto out;
			}
			sp_model_insert(&m, addr, size);
			live[nlive].addr = addr;
			live[nlive].size = size;
			nlive++;
			nimports++;
		} else {
			size_t i = sp_below(nlive);

			vmem_free(child, live[i].addr, live[i].size);
			if (!sp_model_remove(&m, live[i].addr)) {
				sp_fail("freed %#" PRIx64 " not in the model",
				    live[i].addr);
				goto out;
			}
			live[i] = live[--nlive];
			nreleases++;
		}
		if (op % SP_CHECKEVERY == 0 &&
		    (!sp_check(child, "child") || !sp_check(src, "source")))
			goto out;
	}
	if (!sp_compare(child, "child", &m) || !sp_check(src, "source"))
		goto out;
	vmem_stats(child, &st);
	if (st.imports != nimports || st.releases != nreleases ||
	    st.busy_segs != nlive + SP_NSTATIC || st.free_segs != 0) {
		sp_fail("child: imports %" PRIu64 " releases %" PRIu64 " busy %"
		    PRIu64 " free %" PRIu64 "; want %" PRIu64 " %" PRIu64 " %zu 0",
		    st.imports, st.releases, st.busy_segs, st.free_segs,
		    nimports, nreleases, nlive + SP_NSTATIC);
		goto out;
	}
	vmem_stats(src, &st);
	if (st.busy_segs != nlive + SP_NSTATIC) {
		sp_fail("source: %" PRIu64 " busy segments, want %zu",
		    st.busy_segs, nlive + SP_NSTATIC);
		goto out;
	}
	tap_diag("import: %" PRIu64 " imports, %" PRIu64 " releases, %zu "
	    "spans at the end", nimports, nreleases, m.n);

	/* destroying the busy child reports it and gives every import back */
	sp_rep_reset();
	vmem_destroy(child);
	child = NULL;
	vmem_stats(src, &st);
	if (sp_rep.n != 1 || sp_rep.err != VMEM_ERR_BUSY ||
	    st.busy_segs != SP_NSTATIC) {
		sp_fail("after vmem_destroy(child): %d reports (class %d), "
		    "source has %" PRIu64 " busy segments, want %d",
		    sp_rep.n, sp_rep.err, st.busy_segs, SP_NSTATIC);
		goto out;
	}
	if (!sp_check(src, "source"))
		goto out;
	sp_end("imports and releases between static spans");
out:
	if (child != NULL)
		vmem_destroy(child);
	sp_rep_reset();
	vmem_destroy(src);
	sp_model_free(&m);
	free(live);
}

int
main(void)
{
	static const uint64_t seeds[] = { 1, 0x5eed, UINT64_C(0xdeadbeef) };

	vmem_set_default_error_handler(sp_handler, NULL);
	test_order(SP_ASCENDING, 1);
	test_order(SP_DESCENDING, 1);
	test_order(SP_ZIGZAG, 1);
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		test_order(SP_RANDOM, seeds[i]);
	test_overlap_edges();
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		test_overlap(seeds[i]);
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		test_import(seeds[i]);
	return tap_done();
}
