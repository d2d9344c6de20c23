/*
 * tests/tracegen_test.c: the synthetic workloads (lib/tracegen.c).
 *
 * How: each run fills a struct kml_gen_params, writes its trace with the
 * real writer (lib/trace.c) into a private temporary directory, reads it
 * back with the real reader and checks every event against what
 * kmemlab/tracegen.h and the theory comment of lib/tracegen.c promise.
 * A model of the live objects, keyed by (family, pointer) with the
 * families of kmemlab-trace(1) (slab, page, user, vmem, pool), follows
 * the trace.  For every workload and several seeds and CPU counts:
 *  - exactly tg_events events, and the trailer says so;
 *  - (ts, cpu) never decreases: time order, ties to the lower CPU;
 *  - who: cpu below tg_ncpu, pid = tid = 1000 + cpu, comm "gen/CPU",
 *    thread context; a call site named after the workload;
 *  - every allocation returns a non-zero pointer not live in its family;
 *    every free frees a live object of its family, with the cache
 *    (kmem_cache_free, vmem_free, pool_put), size (vmem_free) and order
 *    (page_free) of its allocation, and kfree carries no size;
 *  - gfp and the sleep flag agree (GFP_KERNEL with KML_TEF_SLEEP,
 *    GFP_ATOMIC without), frees carry neither; te_alloc is the
 *    kmalloc size class (kmalloc) or the object size rounded to 8 bytes
 *    (kmem_cache_alloc), 0 otherwise;
 *  - random: frees on the allocating CPU, the live set of each CPU near
 *    tg_live at the end, think times exponential with mean tg_think_ns,
 *    each size distribution inside [min, max] with the documented shape;
 *  - prodcons: producers only allocate, consumers only free, every
 *    object is freed on the consumer the round robin gives, in the order
 *    it was handed over, so never on the allocating CPU;
 *  - magazine: tg_live allocations, then exactly alloc, alloc, free,
 *    free on every CPU, each free taking the newest object;
 *  - vmemfrag: sizes multiples of tg_align inside [min, max], alignments
 *    of 2 to 16 x tg_align on about tg_align_share percent, pointers
 *    aligned to them;
 *  - pressure: the live bytes peak within 5% of tg_peak near the middle
 *    and fall back after it; a quarter GFP_ATOMIC; a quarter pages of
 *    orders 0-3.
 * Then: determinism (same parameters, same bytes; another seed, other
 * bytes; a digest of the events pinned so that every host must agree),
 * the describe string (exact defaults, every parameter named, parsed back
 * into parameters that make the same trace), check's exact messages,
 * names and defaults, and a writer that fails.  Every check about a run
 * names its workload and seed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kmemlab/gfp.h>
#include <kmemlab/trace.h>
#include <kmemlab/tracegen.h>

#include "tap.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static char tgt_dir[64];

/* tgt_path: a file name in the test directory. */
static const char *
tgt_path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tgt_dir, name);
	return buf[i];
}

/* tgt_slurp: the contents of path in *lenp (malloc'd). */
static uint8_t *
tgt_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (fp == NULL)
		tap_bail("%s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((buf = malloc((size_t)n + 1)) == NULL)
		tap_bail("out of memory");
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		tap_bail("%s: short read", path);
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

/* tgt_same_file: the two files have the same bytes. */
static bool
tgt_same_file(const char *a, const char *b)
{
	size_t la, lb;
	uint8_t *ba = tgt_slurp(a, &la), *bb = tgt_slurp(b, &lb);
	bool same = la == lb && memcmp(ba, bb, la) == 0;

	free(ba);
	free(bb);
	return same;
}

/*
 * tgt_generate: write p's trace to path (p must pass kml_gen_check).
 * Bails out on any failure: nothing else can be tested then.
 */
static void
tgt_generate(const struct kml_gen_params *p, const char *path)
{
	struct kml_trace_header th;
	struct kml_trace *w;
	char err[256];

	if (kml_gen_check(p, err, sizeof(err)) != 0)
		tap_bail("kml_gen_check refused seed %" PRIu64 ": %s",
		    p->tg_seed, err);
	kml_gen_header(p, &th);
	if ((w = kml_trace_open_write(path, &th, err, sizeof(err))) == NULL)
		tap_bail("%s: %s", path, err);
	if (kml_gen_run(p, w) != 0)
		tap_bail("kml_gen_run seed %" PRIu64 ": %s", p->tg_seed,
		    kml_trace_errmsg(w));
	if (kml_trace_close(w, err, sizeof(err)) != 0)
		tap_bail("%s: %s", path, err);
}

/* ---- the live-object model: open addressing on (family, ptr) */

enum tgt_family {
	TGT_F_SLAB = 1,		/* kmalloc, kfree, kmem_cache_* */
	TGT_F_PAGE,		/* mm_page_* (pfn) */
	TGT_F_USER,		/* malloc family */
	TGT_F_VMEM,		/* vmem_* */
	TGT_F_POOL		/* pool_* */
};

struct tgt_obj {
	uint64_t o_ptr;
	uint64_t o_size;	/* te_size of the allocation (pages: bytes) */
	uint64_t o_seq;		/* prodcons: rank among the consumer's objects */
	uint32_t o_cpu;		/* allocating CPU */
	uint32_t o_dest;	/* prodcons: the consumer it goes to */
	int o_cache;		/* interned cache name, -1 for none */
	uint8_t o_fam;		/* enum tgt_family, 0 = empty slot */
	uint8_t o_order;
	uint8_t o_op;		/* allocating operation */
};

struct tgt_table {
	struct tgt_obj *t_v;
	size_t t_cap;		/* power of two */
	size_t t_n;
};

static size_t
tgt_hash(const struct tgt_table *t, unsigned fam, uint64_t ptr)
{
	uint64_t h = (ptr ^ ((uint64_t)fam << 59)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (t->t_cap - 1);
}

/* tgt_find: the slot of (fam, ptr), or the empty slot where it would go. */
static size_t
tgt_find(const struct tgt_table *t, unsigned fam, uint64_t ptr)
{
	size_t i = tgt_hash(t, fam, ptr);

	while (t->t_v[i].o_fam != 0 &&
	    (t->t_v[i].o_fam != fam || t->t_v[i].o_ptr != ptr))
		i = (i + 1) & (t->t_cap - 1);
	return i;
}

static void
tgt_insert(struct tgt_table *t, const struct tgt_obj *o)
{
	if (2 * (t->t_n + 1) > t->t_cap) {
		struct tgt_table nt;

		nt.t_cap = t->t_cap == 0 ? 1024 : 2 * t->t_cap;
		nt.t_n = 0;
		if ((nt.t_v = calloc(nt.t_cap, sizeof(*nt.t_v))) == NULL)
			tap_bail("out of memory");
		for (size_t i = 0; i < t->t_cap; i++)
			if (t->t_v[i].o_fam != 0)
				tgt_insert(&nt, &t->t_v[i]);
		free(t->t_v);
		*t = nt;
	}
	t->t_v[tgt_find(t, o->o_fam, o->o_ptr)] = *o;
	t->t_n++;
}

/* tgt_remove: empty slot i (backward-shift deletion). */
static void
tgt_remove(struct tgt_table *t, size_t i)
{
	size_t mask = t->t_cap - 1, j = i;

	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (t->t_v[j].o_fam == 0)
			break;
		k = tgt_hash(t, t->t_v[j].o_fam, t->t_v[j].o_ptr);
		/* move j into the hole i unless its home lies in (i, j] */
		if ((i <= j) ? (k <= i || k > j) : (k <= i && k > j)) {
			t->t_v[i] = t->t_v[j];
			i = j;
		}
	}
	t->t_v[i].o_fam = 0;
	t->t_n--;
}

/* tgt_family: the family of op. */
static unsigned
tgt_family(unsigned op)
{
	switch (op) {
	case KML_OP_KMALLOC:
	case KML_OP_KFREE:
	case KML_OP_CACHE_ALLOC:
	case KML_OP_CACHE_FREE:
		return TGT_F_SLAB;
	case KML_OP_PAGE_ALLOC:
	case KML_OP_PAGE_FREE:
		return TGT_F_PAGE;
	case KML_OP_VMEM_ALLOC:
	case KML_OP_VMEM_FREE:
		return TGT_F_VMEM;
	case KML_OP_POOL_GET:
	case KML_OP_POOL_PUT:
		return TGT_F_POOL;
	default:
		return TGT_F_USER;
	}
}

/* Interned cache names. */
static char *tgt_caches[16];
static int tgt_ncaches;

static int
tgt_intern(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < tgt_ncaches; i++)
		if (strcmp(tgt_caches[i], s) == 0)
			return i;
	if (tgt_ncaches == (int)NITEMS(tgt_caches))
		tap_bail("too many cache names");
	if ((tgt_caches[tgt_ncaches] = strdup(s)) == NULL)
		tap_bail("out of memory");
	return tgt_ncaches++;
}

/* ---- reading a run back */

/* The properties checked on every event; each gets one TAP line per run. */
enum tgt_prop {
	P_ORDER,	/* (ts, cpu) never decreases */
	P_WHO,		/* cpu, pid, tid, comm, ctx */
	P_OP,		/* operation allowed, site named after the workload */
	P_ALLOC,	/* allocation: non-zero pointer, not live */
	P_FREE,		/* free: live, same family and attributes */
	P_GFP,		/* gfp and flags */
	P_FIELDS,	/* cache, size, align, order, alloc, count, oldptr */
	P_OWN,		/* random: frees on the allocating CPU */
	P_ROLE,		/* prodcons: producers allocate, consumers free */
	P_HANDOFF,	/* prodcons: the round robin's consumer, in order */
	P_PATTERN,	/* magazine: fill, then alloc, alloc, free, free */
	P_LIFO,		/* magazine: a free takes the newest object */
	P_VALIGN,	/* vmemfrag: sizes and pointers aligned */
	P_COUNT
};

static const char *const tgt_prop_names[P_COUNT] = {
	"events in (ts, cpu) order",
	"cpu, pid, tid, comm and context as documented",
	"only the workload's operations, at its call sites",
	"allocations return non-zero pointers not live in their family",
	"frees free live objects with their cache, size and order",
	"gfp masks and sleep flags agree",
	"cache, size, align, order, alloc, count and oldptr fields",
	"random frees on the allocating CPU",
	"producers only allocate, consumers only free",
	"objects freed by the round robin's consumer, in handing order",
	"fill, then alloc, alloc, free, free on every CPU",
	"each free takes the newest object",
	"sizes multiples of --align, aligned pointers aligned",
};

/* What a run's events add up to. */
struct tgt_run {
	const struct kml_gen_params *r_p;
	const char *r_name;		/* workload name */
	uint64_t r_events;		/* events read */
	int r_end;			/* last kml_trace_next result */
	char r_err[256];		/* reader error, if any */
	struct kml_trace_trailer r_tr;
	uint64_t r_bad[P_COUNT];	/* violations per property */
	char r_first[P_COUNT][240];	/* the first violation of each */
	bool r_tested[P_COUNT];		/* property applies to the workload */
	/* allocations */
	uint64_t r_nalloc;
	uint64_t *r_sizes;		/* te_size of every allocation */
	size_t r_sizecap;
	/* per CPU */
	uint64_t *r_cpuevents;		/* events */
	uint64_t *r_cpulive;		/* live objects allocated on it */
	uint64_t *r_firstts, *r_lastts;
	uint64_t *r_gapsum, *r_ngap, *r_longgap;	/* think times */
	/* prodcons */
	uint64_t *r_handed;		/* producer: objects handed out */
	uint64_t *r_assigned, *r_freed;	/* consumer: objects given, freed */
	/* magazine: a stack per CPU */
	uint64_t **r_stack;
	size_t *r_nstack;
	/* vmemfrag */
	uint64_t r_aligned;		/* allocations with an alignment */
	uint64_t r_alignk[5];		/* ... of 2^k x tg_align, k = 1..4 */
	/* pressure */
	uint64_t r_bytes;		/* live bytes */
	uint64_t r_peak, r_peakidx;	/* largest live bytes, and when */
	uint64_t r_at3q;		/* live bytes after event 3/4 events */
	uint64_t r_atomic, r_pages;	/* atomic allocations, page allocations */
	uint64_t r_order[4];		/* page allocations per order */
	/* the digest of every event (FNV-1a 64) */
	uint64_t r_digest;
};

static void __attribute__((format(printf, 3, 4)))
tgt_bad(struct tgt_run *r, enum tgt_prop prop, const char *fmt, ...)
{
	va_list ap;

	if (r->r_bad[prop]++ == 0) {
		va_start(ap, fmt);
		vsnprintf(r->r_first[prop], sizeof(r->r_first[prop]), fmt, ap);
		va_end(ap);
	}
}

static void
tgt_digest(uint64_t *h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= 0x100000001b3ull;
	}
}

static void
tgt_digest_u64(uint64_t *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	tgt_digest(h, b, 8);
}

static void
tgt_digest_str(uint64_t *h, const char *s)
{
	if (s == NULL)
		tgt_digest(h, "", 1);
	else
		tgt_digest(h, s, strlen(s) + 1);
}

/* tgt_digest_event: fold every field of ev into *h. */
static void
tgt_digest_event(uint64_t *h, const struct kml_trace_event *ev)
{
	tgt_digest_u64(h, ev->te_ts);
	tgt_digest_u64(h, ev->te_ptr);
	tgt_digest_u64(h, ev->te_oldptr);
	tgt_digest_u64(h, ev->te_size);
	tgt_digest_u64(h, ev->te_alloc);
	tgt_digest_u64(h, ev->te_align);
	tgt_digest_u64(h, ev->te_count);
	tgt_digest_u64(h, ev->te_cpu);
	tgt_digest_u64(h, ev->te_pid);
	tgt_digest_u64(h, ev->te_tid);
	tgt_digest_u64(h, ev->te_gfp);
	tgt_digest_u64(h, ev->te_op);
	tgt_digest_u64(h, ev->te_ctx);
	tgt_digest_u64(h, ev->te_flags);
	tgt_digest_u64(h, ev->te_order);
	tgt_digest_str(h, ev->te_comm);
	tgt_digest_str(h, ev->te_site);
	tgt_digest_str(h, ev->te_cache);
}

static void *
tgt_calloc(size_t n, size_t size)
{
	void *v = calloc(n == 0 ? 1 : n, size);

	if (v == NULL)
		tap_bail("out of memory");
	return v;
}

/* tgt_op_ok: op is one of the operations p's workload uses. */
static bool
tgt_op_ok(const struct kml_gen_params *p, unsigned op)
{
	switch (p->tg_workload) {
	case KML_GEN_RANDOM:
		switch (p->tg_op) {
		case KML_OP_KMALLOC:
			return op == KML_OP_KMALLOC || op == KML_OP_KFREE;
		case KML_OP_MALLOC:
			return op == KML_OP_MALLOC || op == KML_OP_FREE;
		case KML_OP_CACHE_ALLOC:
			return op == KML_OP_CACHE_ALLOC ||
			    op == KML_OP_CACHE_FREE;
		case KML_OP_VMEM_ALLOC:
			return op == KML_OP_VMEM_ALLOC ||
			    op == KML_OP_VMEM_FREE;
		default:
			return op == KML_OP_POOL_GET || op == KML_OP_POOL_PUT;
		}
	case KML_GEN_PRODCONS:
	case KML_GEN_MAGAZINE:
		return op == KML_OP_CACHE_ALLOC || op == KML_OP_CACHE_FREE;
	case KML_GEN_VMEMFRAG:
		return op == KML_OP_VMEM_ALLOC || op == KML_OP_VMEM_FREE;
	default:
		return op == KML_OP_KMALLOC || op == KML_OP_KFREE ||
		    op == KML_OP_PAGE_ALLOC || op == KML_OP_PAGE_FREE;
	}
}

/*
 * tgt_alloc_size: the te_alloc an allocation must carry: Linux's kmalloc
 * size classes (8, 16, 32, 64, 96, 128, 192, then powers of two) for
 * kmalloc, the size rounded up to 8 bytes (powers of two above 2048) for
 * kmem_cache_alloc, 0 for the rest.
 */
static uint64_t
tgt_alloc_size(const struct kml_trace_event *ev)
{
	uint64_t s = ev->te_size, c = 8;

	if (ev->te_op == KML_OP_KMALLOC) {
		if (s > 64 && s <= 96)
			return 96;
		if (s > 128 && s <= 192)
			return 192;
		while (c < s)
			c <<= 1;
		return c;
	}
	if (ev->te_op == KML_OP_CACHE_ALLOC) {
		if (s <= 2048)
			return s < 8 ? 8 : (s + 7) & ~(uint64_t)7;
		c = 4096;
		while (c < s)
			c <<= 1;
		return c;
	}
	return 0;
}

/* tgt_check_alloc: the fields of allocation ev (event number i). */
static void
tgt_check_alloc(struct tgt_run *r, uint64_t i,
    const struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = r->r_p;
	bool kernel = ev->te_op == KML_OP_KMALLOC ||
	    ev->te_op == KML_OP_CACHE_ALLOC || ev->te_op == KML_OP_PAGE_ALLOC;
	bool named = ev->te_op == KML_OP_CACHE_ALLOC ||
	    ev->te_op == KML_OP_VMEM_ALLOC || ev->te_op == KML_OP_POOL_GET;

	/* gfp and flags */
	if (kernel) {
		bool okgfp = ev->te_gfp == GFP_KERNEL ||
		    (p->tg_workload == KML_GEN_PRESSURE &&
		    ev->te_gfp == GFP_ATOMIC);
		unsigned want = gfpflags_allow_blocking(ev->te_gfp) ?
		    KML_TEF_SLEEP : 0;

		if (!okgfp || ev->te_flags != want)
			tgt_bad(r, P_GFP, "event %" PRIu64 ": gfp %#x flags %u",
			    i, ev->te_gfp, ev->te_flags);
	} else if (ev->te_gfp != 0 || ev->te_flags !=
	    (ev->te_op == KML_OP_MALLOC ? 0 : KML_TEF_SLEEP))
		tgt_bad(r, P_GFP, "event %" PRIu64 ": gfp %#x flags %u", i,
		    ev->te_gfp, ev->te_flags);

	/* cache, size, order, align */
	if (named ? (ev->te_cache == NULL ||
	    strcmp(ev->te_cache, p->tg_cache) != 0) : ev->te_cache != NULL)
		tgt_bad(r, P_FIELDS, "event %" PRIu64 ": cache %s", i,
		    ev->te_cache != NULL ? ev->te_cache : "(none)");
	if (ev->te_alloc != tgt_alloc_size(ev) || ev->te_count != 0 ||
	    ev->te_oldptr != 0)
		tgt_bad(r, P_FIELDS, "event %" PRIu64 ": alloc %" PRIu64
		    " count %" PRIu64 " oldptr %#" PRIx64, i, ev->te_alloc,
		    ev->te_count, ev->te_oldptr);
	if (ev->te_op == KML_OP_PAGE_ALLOC) {
		if (ev->te_size != 0 || ev->te_order > 3)
			tgt_bad(r, P_FIELDS, "event %" PRIu64 ": page size %"
			    PRIu64 " order %u", i, ev->te_size, ev->te_order);
	} else {
		bool fixed = ev->te_op == KML_OP_CACHE_ALLOC ||
		    ev->te_op == KML_OP_POOL_GET;

		if (ev->te_order != 0)
			tgt_bad(r, P_FIELDS, "event %" PRIu64 ": order %u", i,
			    ev->te_order);
		if (fixed ? ev->te_size != p->tg_max :
		    ev->te_size < p->tg_min || ev->te_size > p->tg_max)
			tgt_bad(r, P_FIELDS, "event %" PRIu64 ": size %" PRIu64
			    " for min %" PRIu64 " max %" PRIu64, i,
			    ev->te_size, p->tg_min, p->tg_max);
	}
	if (p->tg_workload == KML_GEN_VMEMFRAG) {
		uint64_t a = p->tg_align, al = ev->te_align;
		bool okal = al == 0 || al == 2 * a || al == 4 * a ||
		    al == 8 * a || al == 16 * a;

		if (ev->te_size % a != 0 || ev->te_ptr % a != 0 || !okal ||
		    (al != 0 && ev->te_ptr % al != 0))
			tgt_bad(r, P_VALIGN, "event %" PRIu64 ": ptr %#" PRIx64
			    " size %" PRIu64 " align %" PRIu64, i, ev->te_ptr,
			    ev->te_size, al);
		if (al != 0) {
			r->r_aligned++;
			for (unsigned k = 1; k <= 4; k++)
				if (al == a << k)
					r->r_alignk[k]++;
		}
	} else if (ev->te_align != 0)
		tgt_bad(r, P_FIELDS, "event %" PRIu64 ": align %" PRIu64, i,
		    ev->te_align);
}

/* tgt_check_free: the fields of free ev of object o. */
static void
tgt_check_free(struct tgt_run *r, uint64_t i,
    const struct kml_trace_event *ev, const struct tgt_obj *o)
{
	bool named = ev->te_op == KML_OP_CACHE_FREE ||
	    ev->te_op == KML_OP_VMEM_FREE || ev->te_op == KML_OP_POOL_PUT;
	int cache = tgt_intern(ev->te_cache);
	uint64_t size = ev->te_op == KML_OP_VMEM_FREE ? o->o_size : 0;
	unsigned order = ev->te_op == KML_OP_PAGE_FREE ? o->o_order : 0;
	unsigned allocop = ev->te_op == KML_OP_KFREE ? KML_OP_KMALLOC :
	    ev->te_op == KML_OP_CACHE_FREE ? KML_OP_CACHE_ALLOC :
	    ev->te_op == KML_OP_PAGE_FREE ? KML_OP_PAGE_ALLOC :
	    ev->te_op == KML_OP_VMEM_FREE ? KML_OP_VMEM_ALLOC :
	    ev->te_op == KML_OP_POOL_PUT ? KML_OP_POOL_GET : KML_OP_MALLOC;

	if (o->o_op != allocop || (named ? cache != o->o_cache : cache != -1) ||
	    ev->te_size != size || ev->te_order != order)
		tgt_bad(r, P_FREE, "event %" PRIu64 ": %s of %#" PRIx64
		    " (allocated by %s, size %" PRIu64 ", order %u) with "
		    "size %" PRIu64 " order %u cache %s", i,
		    kml_trace_op_name(ev->te_op), ev->te_ptr,
		    kml_trace_op_name(o->o_op), o->o_size, o->o_order,
		    ev->te_size, ev->te_order,
		    ev->te_cache != NULL ? ev->te_cache : "(none)");
	if (ev->te_gfp != 0 || ev->te_flags != 0)
		tgt_bad(r, P_GFP, "event %" PRIu64 ": free with gfp %#x flags "
		    "%u", i, ev->te_gfp, ev->te_flags);
	if (ev->te_alloc != 0 || ev->te_count != 0 || ev->te_oldptr != 0 ||
	    ev->te_align != 0)
		tgt_bad(r, P_FIELDS, "event %" PRIu64 ": free with alloc %"
		    PRIu64 " count %" PRIu64 " align %" PRIu64, i,
		    ev->te_alloc, ev->te_count, ev->te_align);
}

/* tgt_event: fold event number i into r. */
static void
tgt_event(struct tgt_run *r, struct tgt_table *live, uint64_t i,
    const struct kml_trace_event *ev, uint64_t *prevts, uint32_t *prevcpu)
{
	const struct kml_gen_params *p = r->r_p;
	unsigned np = p->tg_ncpu / 2, nc = p->tg_ncpu - np;
	unsigned fam = tgt_family(ev->te_op);
	uint32_t cpu = ev->te_cpu;
	bool allocates = kml_trace_op_allocates(ev->te_op);
	char comm[32], site[32];
	struct tgt_obj o;
	size_t slot;

	tgt_digest_event(&r->r_digest, ev);

	/* order and who */
	if (i > 0 && (ev->te_ts < *prevts ||
	    (ev->te_ts == *prevts && cpu < *prevcpu)))
		tgt_bad(r, P_ORDER, "event %" PRIu64 ": (%" PRIu64 ", %u) "
		    "after (%" PRIu64 ", %u)", i, ev->te_ts, cpu, *prevts,
		    *prevcpu);
	*prevts = ev->te_ts;
	*prevcpu = cpu;
	if (cpu >= p->tg_ncpu) {
		tgt_bad(r, P_WHO, "event %" PRIu64 ": cpu %u", i, cpu);
		return;
	}
	snprintf(comm, sizeof(comm), "gen/%u", cpu);
	if (ev->te_pid != 1000 + cpu || ev->te_tid != ev->te_pid ||
	    ev->te_comm == NULL || strcmp(ev->te_comm, comm) != 0 ||
	    kml_trace_ctx_name(ev->te_ctx) == NULL ||
	    strcmp(kml_trace_ctx_name(ev->te_ctx), "thread") != 0)
		tgt_bad(r, P_WHO, "event %" PRIu64 ": cpu %u pid %u tid %u "
		    "comm %s ctx %u", i, cpu, ev->te_pid, ev->te_tid,
		    ev->te_comm != NULL ? ev->te_comm : "(none)", ev->te_ctx);
	snprintf(site, sizeof(site), "gen_%s_", r->r_name);
	if (!tgt_op_ok(p, ev->te_op) || ev->te_site == NULL ||
	    strncmp(ev->te_site, site, strlen(site)) != 0 ||
	    strstr(ev->te_site, "+0x") == NULL)
		tgt_bad(r, P_OP, "event %" PRIu64 ": %s at %s", i,
		    kml_trace_op_name(ev->te_op),
		    ev->te_site != NULL ? ev->te_site : "(none)");

	/* think times */
	if (r->r_cpuevents[cpu] > 0) {
		uint64_t gap = ev->te_ts - r->r_lastts[cpu];

		r->r_gapsum[cpu] += gap;
		r->r_ngap[cpu]++;
		if (gap > 2 * p->tg_think_ns)
			r->r_longgap[cpu]++;
	} else
		r->r_firstts[cpu] = ev->te_ts;
	r->r_lastts[cpu] = ev->te_ts;

	/* magazine: the pattern is a function of the CPU's event count */
	if (p->tg_workload == KML_GEN_MAGAZINE) {
		uint64_t k = r->r_cpuevents[cpu];
		bool want = k < p->tg_live || (k - p->tg_live) % 4 < 2;

		if (want != allocates)
			tgt_bad(r, P_PATTERN, "cpu %u event %" PRIu64 " (event %"
			    PRIu64 "): %s", cpu, k, i,
			    kml_trace_op_name(ev->te_op));
	}
	r->r_cpuevents[cpu]++;

	if (p->tg_workload == KML_GEN_PRODCONS &&
	    (cpu < np) != allocates)
		tgt_bad(r, P_ROLE, "event %" PRIu64 ": %s on cpu %u", i,
		    kml_trace_op_name(ev->te_op), cpu);

	slot = tgt_find(live, fam, ev->te_ptr);
	if (allocates) {
		tgt_check_alloc(r, i, ev);
		if (ev->te_ptr == 0 || live->t_v[slot].o_fam != 0) {
			tgt_bad(r, P_ALLOC, "event %" PRIu64 ": %s returned %#"
			    PRIx64 ", %s", i, kml_trace_op_name(ev->te_op),
			    ev->te_ptr, ev->te_ptr == 0 ? "null" :
			    "already live");
			return;
		}
		memset(&o, 0, sizeof(o));
		o.o_fam = (uint8_t)fam;
		o.o_ptr = ev->te_ptr;
		o.o_cpu = cpu;
		o.o_op = ev->te_op;
		o.o_order = ev->te_order;
		o.o_cache = tgt_intern(ev->te_cache);
		o.o_size = ev->te_op == KML_OP_PAGE_ALLOC ?
		    (uint64_t)4096 << ev->te_order : ev->te_size;
		if (p->tg_workload == KML_GEN_PRODCONS && cpu < np) {
			o.o_dest = np + (uint32_t)((cpu + r->r_handed[cpu]++) %
			    nc);
			o.o_seq = r->r_assigned[o.o_dest]++;
		}
		if (p->tg_workload == KML_GEN_MAGAZINE) {
			if (r->r_nstack[cpu] < p->tg_live + 4)
				r->r_stack[cpu][r->r_nstack[cpu]++] =
				    ev->te_ptr;
			else
				tgt_bad(r, P_LIFO, "event %" PRIu64 ": cpu %u "
				    "has more than %" PRIu64 " live objects",
				    i, cpu, p->tg_live + 3);
		}
		tgt_insert(live, &o);
		r->r_cpulive[cpu]++;
		if (r->r_nalloc == r->r_sizecap) {
			r->r_sizecap = r->r_sizecap == 0 ? 4096 :
			    2 * r->r_sizecap;
			r->r_sizes = realloc(r->r_sizes,
			    r->r_sizecap * sizeof(*r->r_sizes));
			if (r->r_sizes == NULL)
				tap_bail("out of memory");
		}
		r->r_sizes[r->r_nalloc++] = ev->te_size;
		r->r_bytes += o.o_size;
		if (ev->te_gfp == GFP_ATOMIC)
			r->r_atomic++;
		if (ev->te_op == KML_OP_PAGE_ALLOC) {
			r->r_pages++;
			if (ev->te_order < 4)
				r->r_order[ev->te_order]++;
		}
	} else {
		if (live->t_v[slot].o_fam == 0) {
			tgt_bad(r, P_FREE, "event %" PRIu64 ": %s of %#" PRIx64
			    ", not live", i, kml_trace_op_name(ev->te_op),
			    ev->te_ptr);
			return;
		}
		o = live->t_v[slot];
		tgt_remove(live, slot);
		tgt_check_free(r, i, ev, &o);
		r->r_cpulive[o.o_cpu]--;
		r->r_bytes -= o.o_size;
		if (p->tg_workload == KML_GEN_RANDOM && o.o_cpu != cpu)
			tgt_bad(r, P_OWN, "event %" PRIu64 ": cpu %u frees %#"
			    PRIx64 " of cpu %u", i, cpu, o.o_ptr, o.o_cpu);
		if (p->tg_workload == KML_GEN_PRODCONS &&
		    (o.o_dest != cpu || o.o_seq != r->r_freed[cpu]++ ||
		    o.o_cpu == cpu))
			tgt_bad(r, P_HANDOFF, "event %" PRIu64 ": cpu %u frees "
			    "%#" PRIx64 " (from cpu %u, for cpu %u, rank %"
			    PRIu64 ")", i, cpu, o.o_ptr, o.o_cpu, o.o_dest,
			    o.o_seq);
		if (p->tg_workload == KML_GEN_MAGAZINE) {
			uint64_t *st = r->r_stack[cpu];
			size_t *n = &r->r_nstack[cpu], k = *n;

			if (k == 0 || st[k - 1] != o.o_ptr)
				tgt_bad(r, P_LIFO, "event %" PRIu64 ": cpu %u "
				    "frees %#" PRIx64 ", not its newest", i,
				    cpu, o.o_ptr);
			/* take it out wherever it is: the stack stays bounded */
			while (k > 0 && st[k - 1] != o.o_ptr)
				k--;
			if (k > 0) {
				memmove(&st[k - 1], &st[k],
				    (*n - k) * sizeof(*st));
				(*n)--;
			}
		}
	}
	if (r->r_bytes > r->r_peak) {
		r->r_peak = r->r_bytes;
		r->r_peakidx = i;
	}
	if (i + 1 == p->tg_events * 3 / 4)
		r->r_at3q = r->r_bytes;
}

/*
 * tgt_read: read p's trace at path into r (r_p set by the caller),
 * checking every event.
 */
static void
tgt_read(struct tgt_run *r, const char *path)
{
	const struct kml_gen_params *p = r->r_p;
	struct tgt_table live = { NULL, 0, 0 };
	struct kml_trace_event ev;
	struct kml_trace *t;
	uint64_t prevts = 0;
	uint32_t prevcpu = 0;
	char err[256];
	unsigned n = p->tg_ncpu;

	r->r_name = kml_gen_workload_name(p->tg_workload);
	r->r_digest = 0xcbf29ce484222325ull;
	r->r_cpuevents = tgt_calloc(n, sizeof(uint64_t));
	r->r_cpulive = tgt_calloc(n, sizeof(uint64_t));
	r->r_firstts = tgt_calloc(n, sizeof(uint64_t));
	r->r_lastts = tgt_calloc(n, sizeof(uint64_t));
	r->r_gapsum = tgt_calloc(n, sizeof(uint64_t));
	r->r_ngap = tgt_calloc(n, sizeof(uint64_t));
	r->r_longgap = tgt_calloc(n, sizeof(uint64_t));
	r->r_handed = tgt_calloc(n, sizeof(uint64_t));
	r->r_assigned = tgt_calloc(n, sizeof(uint64_t));
	r->r_freed = tgt_calloc(n, sizeof(uint64_t));
	r->r_nstack = tgt_calloc(n, sizeof(size_t));
	r->r_stack = tgt_calloc(n, sizeof(uint64_t *));
	if (p->tg_workload == KML_GEN_MAGAZINE)
		for (unsigned c = 0; c < n; c++)
			r->r_stack[c] = tgt_calloc(p->tg_live + 4,
			    sizeof(uint64_t));
	for (int k = 0; k < P_COUNT; k++)
		r->r_tested[k] = k < P_OWN;
	r->r_tested[P_OWN] = p->tg_workload == KML_GEN_RANDOM;
	r->r_tested[P_ROLE] = r->r_tested[P_HANDOFF] =
	    p->tg_workload == KML_GEN_PRODCONS;
	r->r_tested[P_PATTERN] = r->r_tested[P_LIFO] =
	    p->tg_workload == KML_GEN_MAGAZINE;
	r->r_tested[P_VALIGN] = p->tg_workload == KML_GEN_VMEMFRAG;

	live.t_cap = 1024;
	live.t_v = tgt_calloc(live.t_cap, sizeof(*live.t_v));
	if ((t = kml_trace_open_read(path, err, sizeof(err))) == NULL)
		tap_bail("%s: %s", path, err);
	while ((r->r_end = kml_trace_next(t, &ev)) == 1)
		tgt_event(r, &live, r->r_events++, &ev, &prevts, &prevcpu);
	snprintf(r->r_err, sizeof(r->r_err), "%s", kml_trace_errmsg(t));
	r->r_tr = *kml_trace_trailer(t);
	kml_trace_close(t, err, sizeof(err));
	free(live.t_v);
}

static void
tgt_run_free(struct tgt_run *r)
{
	if (r->r_stack != NULL)
		for (unsigned c = 0; c < r->r_p->tg_ncpu; c++)
			free(r->r_stack[c]);
	free(r->r_stack);
	free(r->r_nstack);
	free(r->r_sizes);
	free(r->r_cpuevents);
	free(r->r_cpulive);
	free(r->r_firstts);
	free(r->r_lastts);
	free(r->r_gapsum);
	free(r->r_ngap);
	free(r->r_longgap);
	free(r->r_handed);
	free(r->r_assigned);
	free(r->r_freed);
}

/* tgt_isqrt: floor(sqrt(v)). */
static uint64_t
tgt_isqrt(uint64_t v)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= v)
		r++;
	return r;
}

/* tgt_within: got is within pct percent of want. */
static bool
tgt_within(double got, double want, double pct)
{
	double d = got - want;

	return (d < 0 ? -d : d) <= want * pct / 100;
}

/*
 * tgt_workload: generate p's trace, read it back, and report every
 * property and the workload's own figures.
 */
static void
tgt_workload(const struct kml_gen_params *p)
{
	struct tgt_run r;
	const char *path = tgt_path("w.kmt");
	const char *name = kml_gen_workload_name(p->tg_workload);
	uint64_t seed = p->tg_seed;
	unsigned n = p->tg_ncpu;
	const char *tag;
	char tagbuf[96], desc[1100];

	snprintf(tagbuf, sizeof(tagbuf), "%s seed %" PRIu64 " cpus %u", name,
	    seed, n);
	tag = tagbuf;
	memset(&r, 0, sizeof(r));
	r.r_p = p;
	tgt_generate(p, path);
	tgt_read(&r, path);

	tap_ok(r.r_end == 0, "%s: the trace reads to its end (%s)", tag,
	    r.r_err);
	tap_is(r.r_events, p->tg_events, "%s: exactly --events events", tag);
	tap_is(r.r_tr.tt_events, p->tg_events, "%s: the trailer counts them",
	    tag);
	for (int k = 0; k < P_COUNT; k++) {
		if (!r.r_tested[k])
			continue;
		tap_ok(r.r_bad[k] == 0, "%s: %s%s%s", tag, tgt_prop_names[k],
		    r.r_bad[k] != 0 ? "; first of the violations: " : "",
		    r.r_first[k]);
	}

	switch (p->tg_workload) {
	case KML_GEN_RANDOM: {
		uint64_t sd = tgt_isqrt(p->tg_live / 2), lo, hi;
		uint64_t gaps = 0, ngap = 0, longgap = 0;
		bool ok = true;
		unsigned bad = 0;

		/*
		 * At equilibrium the live set is Binomial(2 live, 1/2): mean
		 * live, standard deviation sqrt(live / 2); allow 5 of them.
		 */
		lo = p->tg_live > 5 * (sd + 1) ? p->tg_live - 5 * (sd + 1) : 0;
		hi = p->tg_live + 5 * (sd + 1);
		for (unsigned c = 0; c < n; c++)
			if (r.r_cpulive[c] < lo || r.r_cpulive[c] > hi) {
				ok = false;
				bad = c;
			}
		tap_ok(ok, "%s: each CPU ends with %" PRIu64 "..%" PRIu64
		    " live objects (cpu %u: %" PRIu64 ")", tag, lo, hi, bad,
		    r.r_cpulive[bad]);
		for (unsigned c = 0; c < n; c++) {
			gaps += r.r_gapsum[c];
			ngap += r.r_ngap[c];
			longgap += r.r_longgap[c];
		}
		/* exponential: mean think, P(gap > 2 think) = e^-2 = 0.1353 */
		tap_ok(ngap > 0 && tgt_within((double)gaps / ngap,
		    (double)p->tg_think_ns, 3), "%s: mean think time %.1f ns "
		    "for --think %" PRIu64, tag, ngap > 0 ?
		    (double)gaps / ngap : 0.0, p->tg_think_ns);
		tap_ok(ngap > 0 && tgt_within((double)longgap / ngap, 0.1353,
		    8), "%s: %.4f of think times above twice the mean "
		    "(exponential: 0.1353)", tag,
		    ngap > 0 ? (double)longgap / ngap : 0.0);
		break;
	}
	case KML_GEN_PRODCONS: {
		uint64_t prod = 0;

		for (unsigned c = 0; c < n / 2; c++)
			prod += r.r_cpuevents[c];
		tap_ok(prod > p->tg_events * 4 / 10 &&
		    prod < p->tg_events * 6 / 10, "%s: producers made %"
		    PRIu64 " of %" PRIu64 " events (about half)", tag, prod,
		    p->tg_events);
		break;
	}
	case KML_GEN_MAGAZINE:
		for (unsigned c = 0; c < n; c++)
			if (r.r_cpuevents[c] <= p->tg_live + 8) {
				tap_ok(0, "%s: cpu %u has only %" PRIu64
				    " events", tag, c, r.r_cpuevents[c]);
				break;
			}
		break;
	case KML_GEN_VMEMFRAG: {
		double share = r.r_nalloc > 0 ?
		    100.0 * (double)r.r_aligned / (double)r.r_nalloc : 0;
		bool even = true;
		unsigned bad = 0;

		tap_ok(share >= p->tg_align_share - 1.5 &&
		    share <= p->tg_align_share + 1.5, "%s: %.2f%% of the "
		    "allocations aligned for --align-share %u", tag, share,
		    p->tg_align_share);
		for (unsigned k = 1; k <= 4; k++)
			if (!tgt_within((double)r.r_alignk[k],
			    (double)r.r_aligned / 4, 15))
				even = false;
		tap_ok(even, "%s: alignments 2, 4, 8, 16 x --align equally "
		    "likely (%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 ")",
		    tag, r.r_alignk[1], r.r_alignk[2], r.r_alignk[3],
		    r.r_alignk[4]);
		/* hazard 1/live per operation, one free at most: live/2 each */
		even = true;
		for (unsigned c = 0; c < n; c++)
			if (!tgt_within((double)r.r_cpulive[c],
			    (double)p->tg_live / 2, 20)) {
				even = false;
				bad = c;
				break;
			}
		tap_ok(even, "%s: each CPU ends with --live / 2 = %" PRIu64
		    " live segments, within 20%% (cpu %u: %" PRIu64 ")", tag,
		    p->tg_live / 2, bad, r.r_cpulive[bad]);
		break;
	}
	case KML_GEN_PRESSURE: {
		double atomic = (double)r.r_atomic / (double)r.r_nalloc;
		double pages = (double)r.r_pages / (double)r.r_nalloc;
		bool even = true;

		tap_ok(tgt_within((double)r.r_peak, (double)p->tg_peak, 5),
		    "%s: live bytes peak at %" PRIu64 " for --peak %" PRIu64,
		    tag, r.r_peak, p->tg_peak);
		tap_ok(r.r_peakidx >= p->tg_events * 45 / 100 &&
		    r.r_peakidx <= p->tg_events * 55 / 100, "%s: the peak "
		    "comes at event %" PRIu64 " of %" PRIu64 " (the middle)",
		    tag, r.r_peakidx, p->tg_events);
		tap_ok(tgt_within((double)r.r_at3q, (double)p->tg_peak / 2, 10),
		    "%s: live bytes fall to %" PRIu64 " at 3/4 of the events "
		    "(half the peak)", tag, r.r_at3q);
		tap_ok(r.r_bytes <= p->tg_peak / 20, "%s: %" PRIu64 " live "
		    "bytes at the end (under 5%% of the peak)", tag, r.r_bytes);
		tap_ok(atomic >= 0.23 && atomic <= 0.27, "%s: %.4f of the "
		    "allocations GFP_ATOMIC (1/4)", tag, atomic);
		tap_ok(pages >= 0.23 && pages <= 0.27, "%s: %.4f of the "
		    "allocations pages (1/4)", tag, pages);
		for (unsigned k = 0; k < 4; k++)
			if (!tgt_within((double)r.r_order[k],
			    (double)r.r_pages / 4, 10))
				even = false;
		tap_ok(even, "%s: orders 0-3 equally likely (%" PRIu64 " %"
		    PRIu64 " %" PRIu64 " %" PRIu64 ")", tag, r.r_order[0],
		    r.r_order[1], r.r_order[2], r.r_order[3]);
		break;
	}
	}

	/* the header says how the trace was made */
	{
		struct kml_trace *t;
		const struct kml_trace_header *th;
		char err[256];

		kml_gen_describe(p, desc, sizeof(desc));
		if ((t = kml_trace_open_read(path, err, sizeof(err))) == NULL)
			tap_bail("%s: %s", path, err);
		th = kml_trace_header(t);
		tap_ok(th->th_source == KML_TSRC_GEN && th->th_ncpu == n &&
		    th->th_clock_ns == 1 && th->th_pagesize == 4096 &&
		    th->th_start_ns == 0 && th->th_host[0] == '\0' &&
		    th->th_kernel[0] == '\0' && th->th_flags == 0 &&
		    strcmp(th->th_detail, desc) == 0, "%s: header: gen, %u "
		    "cpus, 1 ns clock, 4096-byte pages, detail \"%s\"", tag,
		    th->th_ncpu, th->th_detail);
		kml_trace_close(t, err, sizeof(err));
	}
	tgt_run_free(&r);
}

/* ---- size distributions (random, kmalloc) */

/*
 * The kmalloc mix, as tracegen.h describes it: the bytes_req of the 76
 * kmalloc events of traces/raw/ftrace-compile.txt and their counts.
 */
static const uint32_t tgt_mix[][2] = {
	{ 11, 8 }, { 16, 6 }, { 28, 4 }, { 32, 1 }, { 48, 5 }, { 50, 2 },
	{ 51, 2 }, { 54, 2 }, { 55, 6 }, { 56, 4 }, { 64, 9 }, { 72, 4 },
	{ 96, 2 }, { 176, 1 }, { 408, 4 }, { 504, 4 }, { 640, 1 },
	{ 728, 2 }, { 784, 2 }, { 2048, 4 }, { 4096, 3 },
};

/* tgt_dist_run: the sizes of a random kmalloc run with dist, min, max. */
static void
tgt_dist_run(struct tgt_run *r, struct kml_gen_params *p, unsigned dist,
    uint64_t min, uint64_t max, uint64_t seed)
{
	const char *path = tgt_path("d.kmt");

	kml_gen_params_init(p, KML_GEN_RANDOM);
	p->tg_seed = seed;
	p->tg_dist = dist;
	p->tg_min = min;
	p->tg_max = max;
	p->tg_events = 200000;
	memset(r, 0, sizeof(*r));
	r->r_p = p;
	tgt_generate(p, path);
	tgt_read(r, path);
}

static int
tgt_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* tgt_in_range: every size of r in [min, max]; *badp the first that is not. */
static bool
tgt_in_range(const struct tgt_run *r, uint64_t min, uint64_t max,
    uint64_t *badp)
{
	for (uint64_t i = 0; i < r->r_nalloc; i++)
		if (r->r_sizes[i] < min || r->r_sizes[i] > max) {
			*badp = r->r_sizes[i];
			return false;
		}
	*badp = 0;
	return true;
}

static void
test_dist_uniform(uint64_t seed)
{
	struct kml_gen_params p;
	struct tgt_run r;
	uint64_t q[4] = { 0, 0, 0, 0 }, bad, sum = 0;
	bool ok;

	tgt_dist_run(&r, &p, KML_GEND_UNIFORM, 1, 1000, seed);
	ok = tgt_in_range(&r, 1, 1000, &bad);
	tap_ok(ok, "uniform seed %" PRIu64 ": sizes in [1, 1000] (first "
	    "outside: %" PRIu64 ")", seed, bad);
	ok = true;
	for (uint64_t i = 0; i < r.r_nalloc; i++) {
		q[(r.r_sizes[i] - 1) / 250]++;
		sum += r.r_sizes[i];
	}
	for (int k = 0; k < 4; k++)
		if (!tgt_within((double)q[k], (double)r.r_nalloc / 4, 5))
			ok = false;
	tap_ok(ok, "uniform seed %" PRIu64 ": quarters of [1, 1000] equally "
	    "likely (%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 ")", seed,
	    q[0], q[1], q[2], q[3]);
	tap_ok(tgt_within((double)sum / (double)r.r_nalloc, 500.5, 2),
	    "uniform seed %" PRIu64 ": mean size %.1f (500.5)", seed,
	    (double)sum / (double)r.r_nalloc);
	tgt_run_free(&r);
}

/*
 * test_dist_pow2: pow2 between min and max: the pieces between the
 * powers of two strictly inside (min, max) equally likely, each uniform.
 */
static void
test_dist_pow2(uint64_t min, uint64_t max, uint64_t seed)
{
	struct kml_gen_params p;
	struct tgt_run r;
	uint64_t cuts[66], cnt[66], lowhalf[66], bad;
	unsigned nb = 0;
	bool ok = true, uni = true;

	cuts[nb++] = min;
	for (uint64_t pw = 1; pw < max; pw <<= 1)
		if (pw > min)
			cuts[nb++] = pw;
	cuts[nb] = max + 1;	/* bucket b is [cuts[b], cuts[b + 1]) */
	memset(cnt, 0, sizeof(cnt));
	memset(lowhalf, 0, sizeof(lowhalf));
	tgt_dist_run(&r, &p, KML_GEND_POW2, min, max, seed);
	ok = tgt_in_range(&r, min, max, &bad);
	tap_ok(ok, "pow2 [%" PRIu64 ", %" PRIu64
	    "] seed %" PRIu64 ": sizes inside (first outside: %" PRIu64 ")",
	    min, max, seed, bad);
	ok = true;
	for (uint64_t i = 0; i < r.r_nalloc; i++) {
		uint64_t s = r.r_sizes[i];

		for (unsigned b = 0; b < nb; b++)
			if (s >= cuts[b] && s < cuts[b + 1]) {
				cnt[b]++;
				if (s - cuts[b] < (cuts[b + 1] - cuts[b]) / 2)
					lowhalf[b]++;
			}
	}
	for (unsigned b = 0; b < nb; b++) {
		if (!tgt_within((double)cnt[b], (double)r.r_nalloc / nb, 20))
			ok = false;
		/* uniform inside: the lower half holds about half */
		if (cuts[b + 1] - cuts[b] >= 64 &&
		    !tgt_within((double)lowhalf[b], (double)cnt[b] / 2, 20))
			uni = false;
	}
	tap_ok(ok, "pow2 [%" PRIu64 ", %" PRIu64 "] seed %" PRIu64 ": each of "
	    "the %u power-of-two buckets within 20%% of the mean (first: %"
	    PRIu64 ", last: %" PRIu64 ", mean %.0f)", min, max, seed, nb,
	    cnt[0], cnt[nb - 1], (double)r.r_nalloc / nb);
	tap_ok(uni, "pow2 [%" PRIu64 ", %" PRIu64 "] seed %" PRIu64 ": uniform "
	    "inside each bucket", min, max, seed);
	tgt_run_free(&r);
}

/*
 * test_dist_exp: exp on [8, 4096]: mean m = (8 + 4096) / 4 = 1026.
 * Draws are rounded, so P(size = 8) = P(X < 8.5) = 1 - e^(-8.5/1026) =
 * 0.00825, P(size = 4096) = P(X >= 4095.5) = e^(-4095.5/1026) = 0.01847,
 * and the median is m ln 2 = 711.2.
 */
static void
test_dist_exp(uint64_t seed)
{
	struct kml_gen_params p;
	struct tgt_run r;
	uint64_t atmin = 0, atmax = 0, bad, median;
	double fmin, fmax;
	bool ok;

	tgt_dist_run(&r, &p, KML_GEND_EXP, 8, 4096, seed);
	ok = tgt_in_range(&r, 8, 4096, &bad);
	tap_ok(ok, "exp seed %" PRIu64 ": sizes "
	    "in [8, 4096] (first outside: %" PRIu64 ")", seed, bad);
	for (uint64_t i = 0; i < r.r_nalloc; i++) {
		atmin += r.r_sizes[i] == 8;
		atmax += r.r_sizes[i] == 4096;
	}
	fmin = (double)atmin / (double)r.r_nalloc;
	fmax = (double)atmax / (double)r.r_nalloc;
	qsort(r.r_sizes, r.r_nalloc, sizeof(*r.r_sizes), tgt_cmp_u64);
	median = r.r_sizes[r.r_nalloc / 2];
	tap_ok(tgt_within(fmax, 0.01847, 15), "exp seed %" PRIu64 ": %.5f "
	    "clamped to the max (0.01847)", seed, fmax);
	tap_ok(tgt_within(fmin, 0.00825, 25), "exp seed %" PRIu64 ": %.5f "
	    "clamped to the min (0.00825)", seed, fmin);
	tap_ok(tgt_within((double)median, 711.2, 4), "exp seed %" PRIu64
	    ": median %" PRIu64 " (711)", seed, median);
	tgt_run_free(&r);
}

/* test_dist_kmalloc: only the mix's sizes inside [min, max], by weight. */
static void
test_dist_kmalloc(uint64_t min, uint64_t max, uint64_t seed)
{
	struct kml_gen_params p;
	struct tgt_run r;
	uint64_t cnt[NITEMS(tgt_mix)], wsum = 0, other = 0, small = 0;
	double dev, worstdev = -1, worstwant = 0;
	bool ok = true;
	size_t worst = 0;

	memset(cnt, 0, sizeof(cnt));
	tgt_dist_run(&r, &p, KML_GEND_KMALLOC, min, max, seed);
	for (size_t k = 0; k < NITEMS(tgt_mix); k++)
		if (tgt_mix[k][0] >= min && tgt_mix[k][0] <= max)
			wsum += tgt_mix[k][1];
	for (uint64_t i = 0; i < r.r_nalloc; i++) {
		size_t k;

		for (k = 0; k < NITEMS(tgt_mix); k++)
			if (r.r_sizes[i] == tgt_mix[k][0])
				break;
		if (k == NITEMS(tgt_mix) || r.r_sizes[i] < min ||
		    r.r_sizes[i] > max)
			other++;
		else
			cnt[k]++;
		small += r.r_sizes[i] <= 64;
	}
	tap_is(other, 0, "kmalloc [%" PRIu64 ", %" PRIu64 "] seed %" PRIu64
	    ": only the mix's sizes inside the bounds", min, max, seed);
	for (size_t k = 0; k < NITEMS(tgt_mix); k++) {
		double want = 0;

		if (tgt_mix[k][0] >= min && tgt_mix[k][0] <= max)
			want = (double)r.r_nalloc * tgt_mix[k][1] / wsum;
		if (!tgt_within((double)cnt[k], want, 12))
			ok = false;
		dev = want > 0 ? ((double)cnt[k] - want) / want :
		    (double)cnt[k];
		if (dev < 0)
			dev = -dev;
		if (dev > worstdev) {
			worstdev = dev;
			worst = k;
			worstwant = want;
		}
	}
	tap_ok(ok, "kmalloc [%" PRIu64 ", %" PRIu64 "] seed %" PRIu64 ": each "
	    "size within 12%% of its weight (farthest: size %u, %" PRIu64
	    " for %.0f)", min, max, seed, tgt_mix[worst][0], cnt[worst],
	    worstwant);
	if (min <= 8 && max >= 4096)
		tap_ok(tgt_within((double)small / (double)r.r_nalloc, 49.0 / 76,
		    3), "kmalloc seed %" PRIu64 ": %.3f of the sizes 64 bytes "
		    "or less (49/76)", seed, (double)small / (double)r.r_nalloc);
	tgt_run_free(&r);
}

/* ---- determinism */

static uint64_t
tgt_digest_of(const struct kml_gen_params *p)
{
	struct tgt_run r;
	uint64_t d;

	memset(&r, 0, sizeof(r));
	r.r_p = p;
	tgt_generate(p, tgt_path("g.kmt"));
	tgt_read(&r, tgt_path("g.kmt"));
	d = r.r_digest;
	tgt_run_free(&r);
	return d;
}

static void
test_determinism(void)
{
	struct kml_gen_params p;
	/*
	 * Digests (FNV-1a 64 over every field of every event, see
	 * tgt_digest_event) of small runs of each workload, seed 1 with
	 * the defaults but 20000 events (pressure: peak 8M): a host whose
	 * generator draws differently fails here.
	 */
	static const uint64_t golden[KML_GEN_COUNT] = {
		0x59553507191581bcull,	/* random */
		0x2c8759f46e03cc8eull,	/* prodcons */
		0x6bbe7b128609e0f8ull,	/* magazine */
		0xa53e6a135d55ac3bull,	/* vmemfrag */
		0x33a89ff26cc4a822ull,	/* pressure */
	};

	for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
		const char *name = kml_gen_workload_name(w);
		uint64_t d;

		kml_gen_params_init(&p, w);
		p.tg_seed = 1;
		p.tg_events = 20000;
		p.tg_peak = UINT64_C(8) << 20;
		d = tgt_digest_of(&p);
		tap_is(d, golden[w], "%s seed 1: the events' digest is %#"
		    PRIx64 " on every host", name, golden[w]);

		kml_gen_params_init(&p, w);
		p.tg_seed = 42;
		p.tg_events = 30000;
		p.tg_peak = UINT64_C(8) << 20;
		tgt_generate(&p, tgt_path("a.kmt"));
		tgt_generate(&p, tgt_path("b.kmt"));
		tap_ok(tgt_same_file(tgt_path("a.kmt"), tgt_path("b.kmt")),
		    "%s seed 42: the same parameters make the same bytes", name);
		p.tg_seed = 43;
		tgt_generate(&p, tgt_path("b.kmt"));
		tap_ok(!tgt_same_file(tgt_path("a.kmt"), tgt_path("b.kmt")),
		    "%s seed 43: another seed makes other bytes than seed 42",
		    name);
	}
}

/* ---- describe */

/* tgt_parse_size: a number with an optional K, M, G or T suffix. */
static bool
tgt_parse_size(const char *s, uint64_t *vp)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return false;
	switch (*end) {
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'G':
		v <<= 30;
		end++;
		break;
	case 'T':
		v <<= 40;
		end++;
		break;
	}
	*vp = v;
	return *end == '\0';
}

/*
 * tgt_parse_describe: read s, a describe string, into *p as kmemlab gen
 * would (the workload's defaults, then the options).  *seen gets a bit
 * per option name in tgt_optnames order.
 * => false with the offending word in why on anything else.
 */
static const char *const tgt_optnames[] = {
	"--seed", "--cpus", "--events", "--dist", "--min", "--max", "--live",
	"--align", "--align-share", "--peak", "--think", "--op", "--cache"
};

static bool
tgt_parse_describe(const char *s, struct kml_gen_params *p, unsigned *seen,
    char *why, size_t whylen)
{
	char buf[1100], *save = NULL, *word, *val;
	int w;
	uint64_t v;

	*seen = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((word = strtok_r(buf, " ", &save)) == NULL ||
	    (w = kml_gen_workload_lookup(word)) < 0) {
		snprintf(why, whylen, "no workload");
		return false;
	}
	kml_gen_params_init(p, (unsigned)w);
	while ((word = strtok_r(NULL, " ", &save)) != NULL) {
		size_t k;

		for (k = 0; k < NITEMS(tgt_optnames); k++)
			if (strcmp(word, tgt_optnames[k]) == 0)
				break;
		if (k == NITEMS(tgt_optnames) || (*seen & (1u << k)) ||
		    (val = strtok_r(NULL, " ", &save)) == NULL) {
			snprintf(why, whylen, "bad or repeated option %s", word);
			return false;
		}
		*seen |= 1u << k;
		if (k == 3) {
			if ((w = kml_gen_dist_lookup(val)) < 0)
				goto badval;
			p->tg_dist = (unsigned)w;
			continue;
		}
		if (k == 11) {
			static const struct {
				const char *n;
				unsigned op;
			} ops[] = {
				{ "kmalloc", KML_OP_KMALLOC },
				{ "malloc", KML_OP_MALLOC },
				{ "cache", KML_OP_CACHE_ALLOC },
				{ "vmem", KML_OP_VMEM_ALLOC },
				{ "pool", KML_OP_POOL_GET },
			};
			size_t j;

			for (j = 0; j < NITEMS(ops); j++)
				if (strcmp(val, ops[j].n) == 0)
					break;
			if (j == NITEMS(ops))
				goto badval;
			p->tg_op = ops[j].op;
			continue;
		}
		if (k == 12) {
			snprintf(p->tg_cache, sizeof(p->tg_cache), "%s", val);
			continue;
		}
		if (!tgt_parse_size(val, &v))
			goto badval;
		switch (k) {
		case 0: p->tg_seed = v; break;
		case 1: p->tg_ncpu = (unsigned)v; break;
		case 2: p->tg_events = v; break;
		case 4: p->tg_min = v; break;
		case 5: p->tg_max = v; break;
		case 6: p->tg_live = v; break;
		case 7: p->tg_align = v; break;
		case 8: p->tg_align_share = (unsigned)v; break;
		case 9: p->tg_peak = v; break;
		default: p->tg_think_ns = v; break;
		}
	}
	return true;
badval:
	snprintf(why, whylen, "bad value %s for %s", val, word);
	return false;
}

/* The options each workload's describe must name, as bits of tgt_optnames. */
static unsigned
tgt_used_options(unsigned w)
{
	unsigned common = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 5 | 1u << 10;

	switch (w) {
	case KML_GEN_RANDOM:
		return common | 1u << 3 | 1u << 4 | 1u << 6 | 1u << 11 |
		    1u << 12;
	case KML_GEN_PRODCONS:
		return common | 1u << 12;
	case KML_GEN_MAGAZINE:
		return common | 1u << 6 | 1u << 12;
	case KML_GEN_VMEMFRAG:
		return common | 1u << 3 | 1u << 4 | 1u << 6 | 1u << 7 |
		    1u << 8 | 1u << 12;
	default:
		return common | 1u << 3 | 1u << 4 | 1u << 9;
	}
}

static void
test_describe(void)
{
	static const char *const want[KML_GEN_COUNT] = {
		"random --seed 1 --cpus 4 --events 100000 --dist pow2 --min 8 "
		    "--max 4096 --live 1000 --think 1000 --op kmalloc "
		    "--cache gen-random",
		"prodcons --seed 1 --cpus 4 --events 100000 --max 4096 "
		    "--think 1000 --cache gen-prodcons",
		"magazine --seed 1 --cpus 4 --events 100000 --max 4096 "
		    "--live 15 --think 1000 --cache gen-magazine",
		"vmemfrag --seed 1 --cpus 4 --events 100000 --dist pow2 "
		    "--min 4096 --max 1M --live 2000 --align 4096 "
		    "--align-share 10 --think 1000 --cache gen-vmemfrag",
		"pressure --seed 1 --cpus 4 --events 100000 --dist kmalloc "
		    "--min 8 --max 4096 --peak 64M --think 1000",
	};
	struct kml_gen_params p, q;
	char buf[1100], small[12], why[128];
	unsigned seen;
	size_t n;

	for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
		kml_gen_params_init(&p, w);
		n = kml_gen_describe(&p, buf, sizeof(buf));
		tap_is_str(buf, want[w], "describe of %s's defaults",
		    kml_gen_workload_name(w));
		tap_is(n, strlen(want[w]), "describe returns its length");
	}

	/* truncation, as snprintf */
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	memset(small, 'x', sizeof(small));
	n = kml_gen_describe(&p, small, 10);
	tap_ok(n == strlen(want[0]) && strcmp(small, "random --") == 0 &&
	    small[10] == 'x', "describe into 10 bytes: \"%s\", length %zu",
	    small, n);
	tap_is(kml_gen_describe(&p, NULL, 0), strlen(want[0]),
	    "describe into nothing returns the length");

	/* round trip: non-default values of every parameter */
	for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
		const char *name = kml_gen_workload_name(w);

		kml_gen_params_init(&p, w);
		p.tg_seed = 0xfedcba9876543210ull;
		p.tg_ncpu = 3;
		p.tg_events = 12345;
		p.tg_think_ns = 777;
		p.tg_live = w == KML_GEN_MAGAZINE ? 7 : 321;
		p.tg_max = w == KML_GEN_VMEMFRAG ? UINT64_C(3) << 20 :
		    w == KML_GEN_RANDOM ? UINT64_C(2) << 20 : 2000;
		p.tg_min = w == KML_GEN_VMEMFRAG ? 16384 : 24;
		p.tg_dist = w == KML_GEN_PRESSURE ? KML_GEND_UNIFORM :
		    KML_GEND_EXP;
		p.tg_align = 16384;
		p.tg_align_share = 33;
		p.tg_peak = 3000000;
		p.tg_op = KML_OP_VMEM_ALLOC;
		snprintf(p.tg_cache, sizeof(p.tg_cache), "arena-%u.x", w);
		kml_gen_describe(&p, buf, sizeof(buf));
		if (!tgt_parse_describe(buf, &q, &seen, why, sizeof(why))) {
			tap_ok(0, "%s: describe \"%s\" parses back: %s", name,
			    buf, why);
			continue;
		}
		tap_is(seen, tgt_used_options(w), "%s: describe \"%s\" names "
		    "every parameter the workload uses, once", name, buf);
		tap_ok(q.tg_seed == p.tg_seed && q.tg_ncpu == p.tg_ncpu &&
		    q.tg_events == p.tg_events && q.tg_think_ns == p.tg_think_ns &&
		    q.tg_max == p.tg_max, "%s: seed, cpus, events, think and "
		    "max come back", name);
		tap_ok(kml_gen_check(&p, why, sizeof(why)) == 0, "%s: the "
		    "round-trip parameters are valid (%s)", name, why);
		tgt_generate(&p, tgt_path("a.kmt"));
		tgt_generate(&q, tgt_path("b.kmt"));
		tap_ok(tgt_same_file(tgt_path("a.kmt"), tgt_path("b.kmt")),
		    "%s seed %" PRIu64 ": the parsed-back parameters make the "
		    "same trace", name, p.tg_seed);
	}
}

/* ---- check */

static void
tgt_check_is(const struct kml_gen_params *p, const char *want,
    const char *what)
{
	char err[256];
	int rv;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rv = kml_gen_check(p, err, sizeof(err));
	if (want == NULL) {
		tap_ok(rv == 0 && err[0] == '\0', "check accepts %s (%s)", what,
		    err);
		return;
	}
	tap_ok(rv == -1, "check refuses %s", what);
	tap_is_str(err, want, "check's message for %s", what);
}

static void
test_check(void)
{
	struct kml_gen_params p;
	char err[16];

	for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
		kml_gen_params_init(&p, w);
		tgt_check_is(&p, NULL, kml_gen_workload_name(w));
	}
	kml_gen_params_init(&p, KML_GEN_PRESSURE);
	p.tg_peak = UINT64_C(256) << 20;
	tgt_check_is(&p, "--peak 256M is more than --events 100000 can reach "
	    "(at most 98M)", "pressure --peak 256M with 100000 events");
	p.tg_events = 300000;
	tgt_check_is(&p, NULL, "pressure --peak 256M --events 300000");
	p.tg_events = 0;
	p.tg_peak = 1;
	tgt_check_is(&p, "--peak 1 is more than --events 0 can reach (at "
	    "most 0)", "pressure --events 0");
	kml_gen_params_init(&p, KML_GEN_PRESSURE);
	p.tg_peak = 0;
	tgt_check_is(&p, "--peak 0 is below 1", "--peak 0");
	p.tg_peak = UINT64_C(2) << 40;
	tgt_check_is(&p, "--peak 2T is above 1T", "--peak 2T");

	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_workload = 5;
	tgt_check_is(&p, "unknown workload 5", "workload 5");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_ncpu = 0;
	tgt_check_is(&p, "--cpus 0 is not between 1 and 4096", "--cpus 0");
	p.tg_ncpu = 4097;
	tgt_check_is(&p, "--cpus 4097 is not between 1 and 4096", "--cpus 4097");
	p.tg_ncpu = 4096;
	tgt_check_is(&p, NULL, "--cpus 4096");
	kml_gen_params_init(&p, KML_GEN_PRODCONS);
	p.tg_ncpu = 1;
	tgt_check_is(&p, "prodcons needs --cpus >= 2", "prodcons --cpus 1");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_events = (UINT64_C(1) << 32) + 1;
	tgt_check_is(&p, "--events 4294967297 is above 4294967296",
	    "--events 2^32 + 1");
	p.tg_events = 0;
	tgt_check_is(&p, NULL, "--events 0");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_think_ns = 0;
	tgt_check_is(&p, "--think 0 is below 1", "--think 0");
	p.tg_think_ns = 1000000001;
	tgt_check_is(&p, "--think 1000000001 is above 1000000000",
	    "--think 1000000001");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_dist = 4;
	tgt_check_is(&p, "unknown --dist 4", "--dist 4");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_max = 0;
	tgt_check_is(&p, "--max 0 is below 1", "--max 0");
	p.tg_max = UINT64_C(2) << 30;
	tgt_check_is(&p, "--max 2G is above 1G", "--max 2G");
	p.tg_max = UINT64_C(1) << 30;
	tgt_check_is(&p, NULL, "--max 1G");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_min = 0;
	tgt_check_is(&p, "--min 0 is below 1", "--min 0");
	p.tg_min = 5000;
	tgt_check_is(&p, "--min 5000 is above --max 4096", "--min 5000");
	p.tg_min = 3 << 20;
	p.tg_max = 2 << 20;
	tgt_check_is(&p, "--min 3M is above --max 2M", "--min 3M --max 2M");
	kml_gen_params_init(&p, KML_GEN_MAGAZINE);
	p.tg_min = 5000;
	tgt_check_is(&p, NULL, "magazine --min 5000 (unused)");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_dist = KML_GEND_KMALLOC;
	p.tg_min = 5000;
	p.tg_max = 6000;
	tgt_check_is(&p, "--dist kmalloc has no size between --min 5000 and "
	    "--max 6000 (its sizes are 11 to 4096)", "--dist kmalloc --min "
	    "5000 --max 6000");
	p.tg_min = 4096;
	tgt_check_is(&p, NULL, "--dist kmalloc --min 4096 --max 6000");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_live = 0;
	tgt_check_is(&p, "--live 0 is below 1", "--live 0");
	p.tg_live = (1 << 24) + 1;
	tgt_check_is(&p, "--live 16777217 is above 16777216", "--live 2^24 + 1");
	kml_gen_params_init(&p, KML_GEN_PRODCONS);
	p.tg_live = 0;
	tgt_check_is(&p, NULL, "prodcons --live 0 (unused)");

	kml_gen_params_init(&p, KML_GEN_VMEMFRAG);
	p.tg_align = 3000;
	tgt_check_is(&p, "--align 3000 is not a power of two", "--align 3000");
	p.tg_align = 0;
	tgt_check_is(&p, "--align 0 is not a power of two", "--align 0");
	p.tg_align = UINT64_C(2) << 30;
	p.tg_min = p.tg_max = UINT64_C(1) << 30;
	tgt_check_is(&p, "--align 2G is above 1G", "--align 2G");
	kml_gen_params_init(&p, KML_GEN_VMEMFRAG);
	p.tg_min = 6144;
	tgt_check_is(&p, "--min 6144 is not a multiple of --align 4096",
	    "vmemfrag --min 6144");
	kml_gen_params_init(&p, KML_GEN_VMEMFRAG);
	p.tg_max = (1 << 20) + 1024;
	tgt_check_is(&p, "--max 1049600 is not a multiple of --align 4096",
	    "vmemfrag --max 1049600");
	kml_gen_params_init(&p, KML_GEN_VMEMFRAG);
	p.tg_align_share = 101;
	tgt_check_is(&p, "--align-share 101 is above 100", "--align-share 101");
	p.tg_align_share = 100;
	tgt_check_is(&p, NULL, "--align-share 100");

	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_op = KML_OP_KFREE;
	tgt_check_is(&p, "--op must be kmalloc, malloc, cache, vmem or pool",
	    "--op kfree");
	kml_gen_params_init(&p, KML_GEN_PRESSURE);
	p.tg_op = KML_OP_KFREE;
	p.tg_peak = 1 << 20;
	tgt_check_is(&p, NULL, "pressure with an unused bad --op");
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_cache[0] = '\0';
	tgt_check_is(&p, "--cache must be 1 to 63 printable characters "
	    "without spaces, quotes or backslashes", "--cache \"\"");
	snprintf(p.tg_cache, sizeof(p.tg_cache), "my cache");
	tgt_check_is(&p, "--cache must be 1 to 63 printable characters "
	    "without spaces, quotes or backslashes", "--cache \"my cache\"");
	memset(p.tg_cache, 'c', sizeof(p.tg_cache));
	tgt_check_is(&p, "--cache must be 1 to 63 printable characters "
	    "without spaces, quotes or backslashes", "a --cache of 64 bytes "
	    "without a NUL");
	p.tg_cache[63] = '\0';
	tgt_check_is(&p, NULL, "a --cache of 63 characters");

	/* a short errbuf: cut like snprintf */
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_ncpu = 0;
	tap_ok(kml_gen_check(&p, err, sizeof(err)) == -1 &&
	    strcmp(err, "--cpus 0 is not") == 0, "check cuts its message to "
	    "the buffer (\"%s\")", err);
	tap_ok(kml_gen_check(&p, NULL, 0) == -1, "check with no buffer");
}

/* ---- names, defaults, header */

static void
test_names(void)
{
	static const char *const wn[] = { "random", "prodcons", "magazine",
	    "vmemfrag", "pressure" };
	static const char *const dn[] = { "uniform", "pow2", "exp",
	    "kmalloc" };
	struct kml_gen_params p;

	for (unsigned i = 0; i < NITEMS(wn); i++) {
		tap_is_str(kml_gen_workload_name(i), wn[i], "workload %u's name",
		    i);
		tap_is(kml_gen_workload_lookup(wn[i]), i, "workload %s", wn[i]);
	}
	tap_ok(kml_gen_workload_name(KML_GEN_COUNT) == NULL,
	    "no workload %u", KML_GEN_COUNT);
	tap_ok(kml_gen_workload_lookup("Random") == -1 &&
	    kml_gen_workload_lookup("rand") == -1 &&
	    kml_gen_workload_lookup("") == -1, "unknown workload names");
	for (unsigned i = 0; i < NITEMS(dn); i++) {
		tap_is_str(kml_gen_dist_name(i), dn[i], "distribution %u's name",
		    i);
		tap_is(kml_gen_dist_lookup(dn[i]), i, "distribution %s", dn[i]);
	}
	tap_ok(kml_gen_dist_name(KML_GEND_COUNT) == NULL &&
	    kml_gen_dist_lookup("normal") == -1, "unknown distributions");

	for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
		char cache[64];

		kml_gen_params_init(&p, w);
		snprintf(cache, sizeof(cache), "gen-%s", wn[w]);
		tap_ok(p.tg_workload == w && p.tg_seed == 1 && p.tg_ncpu == 4 &&
		    p.tg_events == 100000 && p.tg_think_ns == 1000 &&
		    p.tg_align == 4096 && p.tg_align_share == 10 &&
		    p.tg_peak == UINT64_C(64) << 20 &&
		    p.tg_op == KML_OP_KMALLOC &&
		    strcmp(p.tg_cache, cache) == 0, "%s: common defaults",
		    wn[w]);
		tap_ok(p.tg_dist == (w == KML_GEN_PRESSURE ? KML_GEND_KMALLOC :
		    KML_GEND_POW2) &&
		    p.tg_min == (w == KML_GEN_VMEMFRAG ? 4096u : 8u) &&
		    p.tg_max == (w == KML_GEN_VMEMFRAG ? UINT64_C(1) << 20 :
		    4096u), "%s: size defaults", wn[w]);
		if (w == KML_GEN_RANDOM || w == KML_GEN_MAGAZINE ||
		    w == KML_GEN_VMEMFRAG)
			tap_is(p.tg_live, w == KML_GEN_RANDOM ? 1000 :
			    w == KML_GEN_MAGAZINE ? 15 : 2000,
			    "%s: --live default", wn[w]);
	}
}

static void
test_header(void)
{
	struct kml_gen_params p;
	struct kml_trace_header th;

	kml_gen_params_init(&p, KML_GEN_MAGAZINE);
	p.tg_ncpu = 7;
	memset(&th, 0x55, sizeof(th));
	kml_gen_header(&p, &th);
	tap_ok(th.th_source == KML_TSRC_GEN && th.th_ncpu == 7 &&
	    th.th_clock_ns == 1 && th.th_pagesize == 4096 &&
	    th.th_start_ns == 0 && th.th_flags == 0 &&
	    th.th_slots == KML_TRACE_SLOTS &&
	    th.th_blocksize == KML_TRACE_BLOCKSIZE && th.th_host[0] == '\0' &&
	    th.th_kernel[0] == '\0', "kml_gen_header: gen, 7 cpus, 1 ns, "
	    "4096-byte pages, no start, host or kernel");
	tap_is_str(th.th_detail, "magazine --seed 1 --cpus 7 --events 100000 "
	    "--max 4096 --live 15 --think 1000 --cache gen-magazine",
	    "kml_gen_header: the detail is the describe string");
}

/* ---- edges */

static void
test_edges(void)
{
	struct kml_gen_params p;
	struct kml_trace_header th;
	struct kml_trace *w;
	char err[256];
	FILE *fp;

	/* no events, one event */
	for (uint64_t n = 0; n < 2; n++) {
		struct tgt_run r;

		kml_gen_params_init(&p, KML_GEN_PRODCONS);
		p.tg_events = n;
		memset(&r, 0, sizeof(r));
		r.r_p = &p;
		tgt_generate(&p, tgt_path("e.kmt"));
		tgt_read(&r, tgt_path("e.kmt"));
		tap_ok(r.r_end == 0 && r.r_events == n && r.r_tr.tt_events == n,
		    "prodcons seed 1 --events %" PRIu64 ": %" PRIu64 " events",
		    n, r.r_events);
		tgt_run_free(&r);
	}

	/* a writer that fails: the error comes back from kml_gen_run */
	if ((fp = fopen("/dev/full", "wb")) == NULL) {
		tap_ok(1, "# SKIP no /dev/full");
		return;
	}
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	kml_gen_header(&p, &th);
	if ((w = kml_trace_fdopen_write(fp, "full", &th, err,
	    sizeof(err))) == NULL) {
		tap_contains(err, "No space left on device", "seed 1: writing "
		    "the header to /dev/full fails");
	} else {
		int rv = kml_gen_run(&p, w);

		tap_ok(rv == -1, "random seed 1: kml_gen_run on /dev/full "
		    "fails");
		tap_contains(kml_trace_errmsg(w), "No space left on device",
		    "random seed 1: the writer's message says why");
		kml_trace_abort(w);
	}
	fclose(fp);
}

int
main(void)
{
	static const uint64_t seeds[] = { 1, 2, 0x5eed0003 };
	struct kml_gen_params p;

	snprintf(tgt_dir, sizeof(tgt_dir), "/tmp/tracegen_test.XXXXXX");
	if (mkdtemp(tgt_dir) == NULL)
		tap_bail("mkdtemp: %s", strerror(errno));
	umask(022);
	test_names();
	test_header();
	test_check();
	test_describe();

	/* every workload, several seeds */
	for (size_t s = 0; s < NITEMS(seeds); s++)
		for (unsigned w = 0; w < KML_GEN_COUNT; w++) {
			kml_gen_params_init(&p, w);
			p.tg_seed = seeds[s];
			if (w == KML_GEN_PRESSURE) {
				p.tg_events = 200000;
				p.tg_peak = UINT64_C(32) << 20;
			}
			tgt_workload(&p);
		}
	/* other shapes: CPU counts, operations, parameters */
	kml_gen_params_init(&p, KML_GEN_RANDOM);
	p.tg_seed = 7;
	p.tg_ncpu = 1;
	p.tg_live = 100;
	tgt_workload(&p);
	p.tg_ncpu = 37;
	p.tg_seed = 8;
	tgt_workload(&p);
	for (unsigned op = 0; op < 4; op++) {
		static const unsigned ops[] = { KML_OP_MALLOC,
		    KML_OP_CACHE_ALLOC, KML_OP_VMEM_ALLOC, KML_OP_POOL_GET };

		kml_gen_params_init(&p, KML_GEN_RANDOM);
		p.tg_seed = 10 + op;
		p.tg_op = ops[op];
		p.tg_events = 50000;
		p.tg_live = 300;
		tgt_workload(&p);
	}
	kml_gen_params_init(&p, KML_GEN_PRODCONS);
	p.tg_seed = 20;
	p.tg_ncpu = 2;
	tgt_workload(&p);
	p.tg_seed = 21;
	p.tg_ncpu = 5;
	p.tg_max = 200;
	tgt_workload(&p);
	kml_gen_params_init(&p, KML_GEN_MAGAZINE);
	p.tg_seed = 30;
	p.tg_live = 1;
	p.tg_ncpu = 3;
	tgt_workload(&p);
	kml_gen_params_init(&p, KML_GEN_VMEMFRAG);
	p.tg_seed = 40;
	p.tg_align = 8192;
	p.tg_min = 8192;
	p.tg_max = UINT64_C(4) << 20;
	p.tg_align_share = 50;
	p.tg_dist = KML_GEND_UNIFORM;
	p.tg_live = 500;
	tgt_workload(&p);
	kml_gen_params_init(&p, KML_GEN_PRESSURE);
	p.tg_seed = 50;
	p.tg_events = 300000;
	p.tg_peak = UINT64_C(256) << 20;
	tgt_workload(&p);
	kml_gen_params_init(&p, KML_GEN_PRESSURE);
	p.tg_seed = 51;
	p.tg_events = 100001;
	p.tg_ncpu = 1;
	p.tg_dist = KML_GEND_POW2;
	p.tg_peak = UINT64_C(40) << 20;
	tgt_workload(&p);

	/* size distributions */
	for (size_t s = 0; s < 2; s++) {
		test_dist_uniform(seeds[s]);
		test_dist_pow2(8, 4096, seeds[s]);
		test_dist_pow2(100, 5000, seeds[s]);
		test_dist_exp(seeds[s]);
		test_dist_kmalloc(8, 4096, seeds[s]);
		test_dist_kmalloc(32, 512, seeds[s]);
	}

	test_determinism();
	test_edges();

	static const char *const names[] = { "w.kmt", "d.kmt", "g.kmt",
	    "a.kmt", "b.kmt", "e.kmt" };
	for (size_t i = 0; i < NITEMS(names); i++)
		unlink(tgt_path(names[i]));
	rmdir(tgt_dir);
	for (int i = 0; i < tgt_ncaches; i++)
		free(tgt_caches[i]);
	return tap_done();
}
