/*
 * lib/tracegen.c: synthetic traces with fixed seeds (kmemlab/tracegen.h).
 *
 * ---- 1. Reproducibility
 *
 * Every decision comes from integer arithmetic on a PRNG that is fully
 * specified here, so the same parameters give the same events, and with
 * the deterministic trace writer the same bytes, on every host:
 *  - each CPU c has its own xoshiro256** generator (Blackman and Vigna
 *    2018), whose four words of state are the first four outputs of
 *    splitmix64 started at tg_seed ^ (0x6a09e667f3bcc909 * (c + 1));
 *  - a uniform draw below n rejects the outputs below 2^64 mod n, then
 *    takes the remainder (no modulo bias);
 *  - an exponential draw of mean m is m * -ln(U) with U = (k + 1) / 2^53
 *    for a 53-bit output k, computed in 32.32 fixed point: log2 by
 *    repeated squaring (32 fraction bits, truncated), times ln 2 rounded
 *    to 32 fraction bits, times m, rounded to the nearest integer;
 *  - no floating point and no libm decide an event (kml_gen_check uses
 *    doubles for one feasibility bound, which only accepts or refuses
 *    parameters; IEEE basic operations give it the same answer everywhere).
 *
 * ---- 2. Time and CPUs
 *
 * Each CPU runs one thread (pid = tid = 1000 + cpu, comm "gen/CPU",
 * thread context) whose clock starts at 0 and advances by an exponential
 * think time of mean tg_think_ns after each of its turns.  The CPUs sit
 * in a binary heap ordered by (next time, cpu); the generator pops the
 * first, lets the workload act at that time (an event, or for a
 * prodcons consumer with nothing ready, nothing), advances its clock and
 * pushes it back, until tg_events events are written.  So the trace is
 * the per-CPU streams merged by time, ties to the lower CPU, and the
 * keys (ts, cpu) of successive events never decrease.
 *
 * ---- 3. Fake addresses
 *
 * Pointers come from five fake address spaces, one per family of
 * operations that may free each other's objects: slab (kmalloc, kfree,
 * kmem_cache_*), pages (page frame numbers), user (malloc), vmem, pool.
 * A space hands out slots of a few sizes: kmalloc's classes (8, 16, 32,
 * 64, 96, 128, 192, then powers of two), cache and pool objects rounded
 * to 8 bytes (powers of two above 2048), malloc chunks rounded to 16
 * bytes (powers of two above 2048), vmem segments rounded to a power of
 * two at least their alignment, pages 2^order frames.  A freed slot goes
 * on a LIFO list of its size and is the next one handed out for that
 * size, as a slab or buddy allocator would; otherwise slots of at most
 * half a page are carved in order from a fresh page, and bigger ones are
 * taken from a bump pointer aligned to their size (so a power-of-two slot
 * is aligned to its size, and a vmem segment to its alignment).  Slots
 * never overlap, so a pointer is unique among the live objects of its
 * family.  Memory: the free lists hold at most what was once live.
 *
 * ---- 4. Workloads
 *
 * As documented in kmemlab/tracegen.h, with these details:
 *  - random: alloc when below(2 * tg_live) >= live (probability
 *    1 - live / (2 tg_live)), else free the object at a uniform index of
 *    the CPU's live set (kept as an array, removal by moving the last
 *    object into the hole).  cache and pool allocate tg_max bytes; the
 *    other operations draw sizes from tg_dist.
 *  - prodcons: CPUs 0 .. ncpu/2 - 1 produce, the others consume.
 *    Producer p hands its k-th object to consumer ncpu/2 + (p + k) mod
 *    (ncpu - ncpu/2), in a FIFO queue; the object is ready for it after
 *    an exponential delay of mean tg_think_ns.  A consumer frees the head
 *    of its queue once that is ready (what is queued behind waits for
 *    it), and otherwise lets its turn pass without an event.
 *  - magazine: tg_live allocations, then alloc, alloc, free, free for
 *    ever, the frees taking the newest object first (LIFO).
 *  - vmemfrag: an object allocated at the CPU's operation k dies at
 *    k + an exponential draw of mean tg_live; each operation frees the
 *    CPU's earliest-dying object if it is due, else allocates.  Sizes are
 *    drawn from tg_dist and rounded up to tg_align; tg_align_share percent
 *    of the allocations ask an alignment of 2, 4, 8 or 16 x tg_align
 *    (equally likely).
 *  - pressure: event n (counted over all CPUs) allocates when the live
 *    bytes are below the target T(n), else frees a uniformly chosen live
 *    object (of any CPU), or allocates when nothing is live.  With
 *    H = events / 2: T(0) = 0, T(n) = floor(peak * n / H) for
 *    0 < n <= H and peak - floor(peak * (n - H) / (events - H)) after.
 *    An allocation is pages with probability 1/4 (order 0-3, equally
 *    likely) and kmalloc otherwise; independently GFP_ATOMIC with
 *    probability 1/4, else GFP_KERNEL.  Live bytes count the requested size, 4096 << order for
 *    pages.  kml_gen_check refuses a peak the events cannot reach with a
 *    comfortable mix of allocations and frees (section 5).
 *
 * ---- 5. The pressure bound
 *
 * With m the mean allocation (3/4 of the mean kmalloc size drawn from
 * tg_dist, plus 1/4 of 15360 bytes, the mean of orders 0-3), the ramp
 * needs a net growth of g = 2 peak / events per event, reached with a
 * share of allocations of (1 + g / m) / 2.  kml_gen_check asks g <= m / 2
 * (at most 3/4 allocations), that is peak <= events * m / 4.  For the
 * exponential distribution m uses a lower bound of its clamped mean,
 * max(min, 0.85 * (min + max) / 4).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/gfp.h>
#include <kmemlab/trace.h>
#include <kmemlab/tracegen.h>

#include "bits.h"

/* Limits checked by kml_gen_check (the generator relies on them). */
#define TG_EVENTS_MAX	(UINT64_C(1) << 32)	/* events: clocks stay far from 2^64 */
#define TG_SIZE_MAX	(UINT64_C(1) << 30)	/* --max, --align: 1 GiB */
#define TG_LIVE_MAX	(UINT64_C(1) << 24)	/* --live */
#define TG_THINK_MAX	UINT64_C(1000000000)	/* --think: 1 s */
#define TG_PEAK_MAX	(UINT64_C(1) << 40)	/* --peak: 1 TiB */

#define TG_PID_BASE	1000		/* pid = tid = TG_PID_BASE + cpu */
#define TG_PAGE		4096		/* page size (header, pressure's pages) */
#define TG_PAGE_MEAN	15360		/* mean bytes of pages of order 0-3 */
#define TG_LN2_Q32	UINT64_C(2977044472)	/* ln 2 * 2^32, rounded */

/* ---- names */

static const char *const tg_workload_names[KML_GEN_COUNT] = {
	"random", "prodcons", "magazine", "vmemfrag", "pressure"
};

static const char *const tg_dist_names[KML_GEND_COUNT] = {
	"uniform", "pow2", "exp", "kmalloc"
};

/* The operations random can use and their --op names. */
static const struct {
	unsigned to_op;
	const char *to_name;
} tg_ops[] = {
	{ KML_OP_KMALLOC, "kmalloc" },
	{ KML_OP_MALLOC, "malloc" },
	{ KML_OP_CACHE_ALLOC, "cache" },
	{ KML_OP_VMEM_ALLOC, "vmem" },
	{ KML_OP_POOL_GET, "pool" },
};

/*
 * The kmalloc size mix: the bytes_req values of the 76 kmalloc events of
 * traces/raw/ftrace-compile.txt with their counts (64% of them 11-64
 * bytes, 4% a whole page).
 */
static const struct {
	uint32_t tk_size;
	uint32_t tk_weight;
} tg_kmalloc_mix[] = {
	{ 11, 8 }, { 16, 6 }, { 28, 4 }, { 32, 1 }, { 48, 5 }, { 50, 2 },
	{ 51, 2 }, { 54, 2 }, { 55, 6 }, { 56, 4 }, { 64, 9 }, { 72, 4 },
	{ 96, 2 }, { 176, 1 }, { 408, 4 }, { 504, 4 }, { 640, 1 },
	{ 728, 2 }, { 784, 2 }, { 2048, 4 }, { 4096, 3 },
};
#define TG_KMALLOC_NMIX	(sizeof(tg_kmalloc_mix) / sizeof(tg_kmalloc_mix[0]))

/* Fake call sites, a few per workload. */
static const char *const tg_site_random_alloc[] = {
	"gen_random_alloc+0x10", "gen_random_alloc+0x34",
	"gen_random_alloc+0x58", "gen_random_alloc+0x7c"
};
#define TG_SITE_RANDOM_FREE	"gen_random_free+0x14"
#define TG_SITE_PRODUCE		"gen_prodcons_produce+0x1c"
#define TG_SITE_CONSUME		"gen_prodcons_consume+0x28"
#define TG_SITE_MAG_ALLOC	"gen_magazine_alloc+0x12"
#define TG_SITE_MAG_FREE	"gen_magazine_free+0x1a"
#define TG_SITE_VMEM_ALLOC	"gen_vmemfrag_alloc+0x20"
#define TG_SITE_VMEM_XALLOC	"gen_vmemfrag_xalloc+0x44"
#define TG_SITE_VMEM_FREE	"gen_vmemfrag_free+0x18"
#define TG_SITE_PR_KMALLOC	"gen_pressure_kmalloc+0x30"
#define TG_SITE_PR_KMALLOC_ATOMIC "gen_pressure_kmalloc_atomic+0x2c"
#define TG_SITE_PR_PAGES	"gen_pressure_pages+0x48"
#define TG_SITE_PR_PAGES_ATOMIC	"gen_pressure_pages_atomic+0x40"
#define TG_SITE_PR_KFREE	"gen_pressure_kfree+0x14"
#define TG_SITE_PR_FREE_PAGES	"gen_pressure_free_pages+0x1c"

const char *
kml_gen_workload_name(unsigned w)
{
	return w < KML_GEN_COUNT ? tg_workload_names[w] : NULL;
}

const char *
kml_gen_dist_name(unsigned d)
{
	return d < KML_GEND_COUNT ? tg_dist_names[d] : NULL;
}

int
kml_gen_workload_lookup(const char *name)
{
	for (unsigned i = 0; i < KML_GEN_COUNT; i++)
		if (strcmp(name, tg_workload_names[i]) == 0)
			return (int)i;
	return -1;
}

int
kml_gen_dist_lookup(const char *name)
{
	for (unsigned i = 0; i < KML_GEND_COUNT; i++)
		if (strcmp(name, tg_dist_names[i]) == 0)
			return (int)i;
	return -1;
}

/* tg_op_name: the --op name of operation op, NULL if random cannot use it. */
static const char *
tg_op_name(unsigned op)
{
	for (size_t i = 0; i < sizeof(tg_ops) / sizeof(tg_ops[0]); i++)
		if (tg_ops[i].to_op == op)
			return tg_ops[i].to_name;
	return NULL;
}

/* ---- parameters */

void
kml_gen_params_init(struct kml_gen_params *p, unsigned w)
{
	memset(p, 0, sizeof(*p));
	p->tg_workload = w;
	p->tg_seed = 1;
	p->tg_ncpu = 4;
	p->tg_events = 100000;
	p->tg_dist = w == KML_GEN_PRESSURE ? KML_GEND_KMALLOC : KML_GEND_POW2;
	p->tg_min = w == KML_GEN_VMEMFRAG ? 4096 : 8;
	p->tg_max = w == KML_GEN_VMEMFRAG ? UINT64_C(1) << 20 : 4096;
	switch (w) {
	case KML_GEN_MAGAZINE:
		p->tg_live = 15;
		break;
	case KML_GEN_VMEMFRAG:
		p->tg_live = 2000;
		break;
	default:
		p->tg_live = 1000;
		break;
	}
	p->tg_align = 4096;
	p->tg_align_share = 10;
	p->tg_peak = UINT64_C(64) << 20;
	p->tg_think_ns = 1000;
	p->tg_op = KML_OP_KMALLOC;
	snprintf(p->tg_cache, sizeof(p->tg_cache), "gen-%s",
	    w < KML_GEN_COUNT ? tg_workload_names[w] : "unknown");
}

/*
 * tg_fmt_size: v as kmemlab gen reads it back: with a T, G or M suffix
 * when v is a whole number of MiB (the largest suffix that is exact),
 * else in bytes.  buf holds at least 24 bytes.
 */
static const char *
tg_fmt_size(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = "TGM";

	for (unsigned i = 0; i < 3; i++) {
		unsigned shift = 40 - 10 * i;

		if (v != 0 && (v & ((UINT64_C(1) << shift) - 1)) == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", v >> shift,
			    suffix[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* tg_appendf: append to buf[0..len) at *pos, counting what does not fit. */
static void __attribute__((format(printf, 4, 5)))
tg_appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (*pos < len)
		n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

/* tg_uses_dist: workload w draws sizes from tg_dist, tg_min and tg_max. */
static bool
tg_uses_dist(unsigned w)
{
	return w == KML_GEN_RANDOM || w == KML_GEN_VMEMFRAG ||
	    w == KML_GEN_PRESSURE;
}

/* tg_uses_live: workload w uses tg_live. */
static bool
tg_uses_live(unsigned w)
{
	return w == KML_GEN_RANDOM || w == KML_GEN_MAGAZINE ||
	    w == KML_GEN_VMEMFRAG;
}

/* tg_uses_cache: workload w uses tg_cache. */
static bool
tg_uses_cache(unsigned w)
{
	return w != KML_GEN_PRESSURE;
}

size_t
kml_gen_describe(const struct kml_gen_params *p, char *buf, size_t len)
{
	unsigned w = p->tg_workload;
	const char *name = kml_gen_workload_name(w);
	char s1[24], s2[24];
	size_t pos = 0;

	if (len > 0)
		buf[0] = '\0';
	tg_appendf(buf, len, &pos, "%s --seed %" PRIu64 " --cpus %u --events %"
	    PRIu64, name != NULL ? name : "unknown", p->tg_seed, p->tg_ncpu,
	    p->tg_events);
	if (tg_uses_dist(w)) {
		const char *dist = kml_gen_dist_name(p->tg_dist);

		tg_appendf(buf, len, &pos, " --dist %s --min %s --max %s",
		    dist != NULL ? dist : "unknown",
		    tg_fmt_size(p->tg_min, s1, sizeof(s1)),
		    tg_fmt_size(p->tg_max, s2, sizeof(s2)));
	} else
		tg_appendf(buf, len, &pos, " --max %s",
		    tg_fmt_size(p->tg_max, s2, sizeof(s2)));
	if (tg_uses_live(w))
		tg_appendf(buf, len, &pos, " --live %" PRIu64, p->tg_live);
	if (w == KML_GEN_VMEMFRAG)
		tg_appendf(buf, len, &pos, " --align %s --align-share %u",
		    tg_fmt_size(p->tg_align, s1, sizeof(s1)),
		    p->tg_align_share);
	if (w == KML_GEN_PRESSURE)
		tg_appendf(buf, len, &pos, " --peak %s",
		    tg_fmt_size(p->tg_peak, s1, sizeof(s1)));
	tg_appendf(buf, len, &pos, " --think %" PRIu64, p->tg_think_ns);
	if (w == KML_GEN_RANDOM) {
		const char *op = tg_op_name(p->tg_op);

		tg_appendf(buf, len, &pos, " --op %s",
		    op != NULL ? op : "unknown");
	}
	if (tg_uses_cache(w))
		tg_appendf(buf, len, &pos, " --cache %s", p->tg_cache);
	return pos;
}

/*
 * tg_pow2_buckets: the pieces of [min, max] split at every power of two
 * strictly between them (pow2's buckets); *firstp is the first such
 * power (0 if none).  min >= 1, min <= max <= TG_SIZE_MAX.
 */
static unsigned
tg_pow2_buckets(uint64_t min, uint64_t max, uint64_t *firstp)
{
	uint64_t first = UINT64_C(1) << (kml_log2(min) + 1);
	unsigned n = 1;

	for (uint64_t pw = first; pw < max; pw <<= 1)
		n++;
	*firstp = n > 1 ? first : 0;
	return n;
}

/*
 * tg_dist_mean: the mean of dist's sizes in [min, max] (for exp, the
 * lower bound of section 5); used by kml_gen_check only.
 */
static double
tg_dist_mean(unsigned dist, uint64_t min, uint64_t max)
{
	double sum = 0, wsum = 0, lb;
	uint64_t first, lo, hi;
	unsigned n;

	switch (dist) {
	case KML_GEND_UNIFORM:
		return ((double)min + (double)max) / 2;
	case KML_GEND_POW2:
		n = tg_pow2_buckets(min, max, &first);
		for (unsigned b = 0; b < n; b++) {
			lo = b == 0 ? min : first << (b - 1);
			hi = b == n - 1 ? max : (first << b) - 1;
			sum += ((double)lo + (double)hi) / 2;
		}
		return sum / n;
	case KML_GEND_EXP:
		lb = 0.85 * (((double)min + (double)max) / 4);
		return lb > (double)min ? lb : (double)min;
	default:
		for (size_t i = 0; i < TG_KMALLOC_NMIX; i++) {
			if (tg_kmalloc_mix[i].tk_size < min ||
			    tg_kmalloc_mix[i].tk_size > max)
				continue;
			sum += (double)tg_kmalloc_mix[i].tk_size *
			    tg_kmalloc_mix[i].tk_weight;
			wsum += tg_kmalloc_mix[i].tk_weight;
		}
		return wsum > 0 ? sum / wsum : (double)min;
	}
}

/* tg_cache_name_ok: s is 1 to size - 1 of 0x21..0x7e, no quote or backslash. */
static bool
tg_cache_name_ok(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);
	size_t n = nul != NULL ? (size_t)(nul - s) : size;

	if (n == 0 || n == size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '"' || s[i] == '\'' ||
		    s[i] == '\\')
			return false;
	return true;
}

/* tg_fail: format the check's message into errbuf; returns -1. */
static int __attribute__((format(printf, 3, 4)))
tg_fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
kml_gen_check(const struct kml_gen_params *p, char *errbuf, size_t errlen)
{
	unsigned w = p->tg_workload;
	char s1[24], s2[24];

	if (errlen > 0)
		errbuf[0] = '\0';
	if (w >= KML_GEN_COUNT)
		return tg_fail(errbuf, errlen, "unknown workload %u", w);
	if (p->tg_ncpu < 1 || p->tg_ncpu > KML_TRACE_CPUMAX)
		return tg_fail(errbuf, errlen, "--cpus %u is not between 1 "
		    "and %u", p->tg_ncpu, KML_TRACE_CPUMAX);
	if (w == KML_GEN_PRODCONS && p->tg_ncpu < 2)
		return tg_fail(errbuf, errlen, "prodcons needs --cpus >= 2");
	if (p->tg_events > TG_EVENTS_MAX)
		return tg_fail(errbuf, errlen, "--events %" PRIu64 " is above %"
		    PRIu64, p->tg_events, TG_EVENTS_MAX);
	if (p->tg_think_ns < 1)
		return tg_fail(errbuf, errlen, "--think 0 is below 1");
	if (p->tg_think_ns > TG_THINK_MAX)
		return tg_fail(errbuf, errlen, "--think %" PRIu64 " is above %"
		    PRIu64, p->tg_think_ns, TG_THINK_MAX);
	if (tg_uses_dist(w) && p->tg_dist >= KML_GEND_COUNT)
		return tg_fail(errbuf, errlen, "unknown --dist %u", p->tg_dist);
	if (p->tg_max < 1)
		return tg_fail(errbuf, errlen, "--max 0 is below 1");
	if (p->tg_max > TG_SIZE_MAX)
		return tg_fail(errbuf, errlen, "--max %s is above %s",
		    tg_fmt_size(p->tg_max, s1, sizeof(s1)),
		    tg_fmt_size(TG_SIZE_MAX, s2, sizeof(s2)));
	if (tg_uses_dist(w)) {
		if (p->tg_min < 1)
			return tg_fail(errbuf, errlen, "--min 0 is below 1");
		if (p->tg_min > p->tg_max)
			return tg_fail(errbuf, errlen,
			    "--min %s is above --max %s",
			    tg_fmt_size(p->tg_min, s1, sizeof(s1)),
			    tg_fmt_size(p->tg_max, s2, sizeof(s2)));
		if (p->tg_dist == KML_GEND_KMALLOC) {
			bool any = false;

			for (size_t i = 0; i < TG_KMALLOC_NMIX; i++)
				if (tg_kmalloc_mix[i].tk_size >= p->tg_min &&
				    tg_kmalloc_mix[i].tk_size <= p->tg_max)
					any = true;
			if (!any)
				return tg_fail(errbuf, errlen, "--dist kmalloc "
				    "has no size between --min %s and --max %s "
				    "(its sizes are 11 to 4096)",
				    tg_fmt_size(p->tg_min, s1, sizeof(s1)),
				    tg_fmt_size(p->tg_max, s2, sizeof(s2)));
		}
	}
	if (tg_uses_live(w)) {
		if (p->tg_live < 1)
			return tg_fail(errbuf, errlen, "--live 0 is below 1");
		if (p->tg_live > TG_LIVE_MAX)
			return tg_fail(errbuf, errlen, "--live %" PRIu64
			    " is above %" PRIu64, p->tg_live, TG_LIVE_MAX);
	}
	if (w == KML_GEN_VMEMFRAG) {
		if (!kml_ispow2(p->tg_align))
			return tg_fail(errbuf, errlen, "--align %s is not a "
			    "power of two",
			    tg_fmt_size(p->tg_align, s1, sizeof(s1)));
		if (p->tg_align > TG_SIZE_MAX)
			return tg_fail(errbuf, errlen, "--align %s is above %s",
			    tg_fmt_size(p->tg_align, s1, sizeof(s1)),
			    tg_fmt_size(TG_SIZE_MAX, s2, sizeof(s2)));
		if (p->tg_min % p->tg_align != 0)
			return tg_fail(errbuf, errlen, "--min %s is not a "
			    "multiple of --align %s",
			    tg_fmt_size(p->tg_min, s1, sizeof(s1)),
			    tg_fmt_size(p->tg_align, s2, sizeof(s2)));
		if (p->tg_max % p->tg_align != 0)
			return tg_fail(errbuf, errlen, "--max %s is not a "
			    "multiple of --align %s",
			    tg_fmt_size(p->tg_max, s1, sizeof(s1)),
			    tg_fmt_size(p->tg_align, s2, sizeof(s2)));
		if (p->tg_align_share > 100)
			return tg_fail(errbuf, errlen, "--align-share %u is "
			    "above 100", p->tg_align_share);
	}
	if (w == KML_GEN_RANDOM && tg_op_name(p->tg_op) == NULL)
		return tg_fail(errbuf, errlen, "--op must be kmalloc, malloc, "
		    "cache, vmem or pool");
	if (tg_uses_cache(w) && !tg_cache_name_ok(p->tg_cache,
	    sizeof(p->tg_cache)))
		return tg_fail(errbuf, errlen, "--cache must be 1 to %zu "
		    "printable characters without spaces, quotes or "
		    "backslashes", sizeof(p->tg_cache) - 1);
	if (w == KML_GEN_PRESSURE) {
		double m, reach;
		uint64_t r;

		if (p->tg_peak < 1)
			return tg_fail(errbuf, errlen, "--peak 0 is below 1");
		if (p->tg_peak > TG_PEAK_MAX)
			return tg_fail(errbuf, errlen, "--peak %s is above %s",
			    tg_fmt_size(p->tg_peak, s1, sizeof(s1)),
			    tg_fmt_size(TG_PEAK_MAX, s2, sizeof(s2)));
		m = (3 * tg_dist_mean(p->tg_dist, p->tg_min, p->tg_max) +
		    TG_PAGE_MEAN) / 4;
		reach = (double)p->tg_events * m / 4;
		if ((double)p->tg_peak > reach) {
			r = (uint64_t)reach;
			if (r >= (UINT64_C(1) << 20))
				r &= ~((UINT64_C(1) << 20) - 1);
			return tg_fail(errbuf, errlen, "--peak %s is more than "
			    "--events %" PRIu64 " can reach (at most %s)",
			    tg_fmt_size(p->tg_peak, s1, sizeof(s1)),
			    p->tg_events, tg_fmt_size(r, s2, sizeof(s2)));
		}
	}
	return 0;
}

void
kml_gen_header(const struct kml_gen_params *p, struct kml_trace_header *th)
{
	kml_trace_header_init(th, KML_TSRC_GEN);
	th->th_ncpu = p->tg_ncpu;
	th->th_clock_ns = 1;
	th->th_pagesize = TG_PAGE;
	th->th_start_ns = 0;
	th->th_host[0] = '\0';
	th->th_kernel[0] = '\0';
	kml_gen_describe(p, th->th_detail, sizeof(th->th_detail));
}

/* ---- the PRNG (section 1) */

/* tg_splitmix64: the next output of splitmix64 with state *x. */
static uint64_t
tg_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* tg_rng_seed: CPU cpu's xoshiro256** state for seed. */
static void
tg_rng_seed(uint64_t s[4], uint64_t seed, unsigned cpu)
{
	uint64_t x = seed ^ (UINT64_C(0x6a09e667f3bcc909) * (cpu + 1));

	for (unsigned i = 0; i < 4; i++)
		s[i] = tg_splitmix64(&x);
}

static inline uint64_t
tg_rotl(uint64_t x, unsigned k)
{
	return (x << k) | (x >> (64 - k));
}

/* tg_rng_next: the next output of xoshiro256** with state s. */
static uint64_t
tg_rng_next(uint64_t s[4])
{
	uint64_t r = tg_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tg_rotl(s[3], 45);
	return r;
}

/* tg_rng_below: uniform in [0, n), n > 0, without modulo bias. */
static uint64_t
tg_rng_below(uint64_t s[4], uint64_t n)
{
	uint64_t threshold = (0 - n) % n;
	uint64_t r;

	do
		r = tg_rng_next(s);
	while (r < threshold);
	return r % n;
}

/* tg_mul128: the 128-bit product a * b as *hip (high) and the result (low). */
static uint64_t
tg_mul128(uint64_t a, uint64_t b, uint64_t *hip)
{
	const uint64_t m32 = UINT64_C(0xffffffff);
	uint64_t a0 = a & m32, a1 = a >> 32, b0 = b & m32, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (p01 & m32) + (p10 & m32);

	*hip = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	return (mid << 32) | (p00 & m32);
}

/*
 * tg_mulq32: (a * b + 2^31) >> 32, rounded to nearest when round.
 * => the result is below 2^64.
 */
static uint64_t
tg_mulq32(uint64_t a, uint64_t b, bool round)
{
	uint64_t hi, lo = tg_mul128(a, b, &hi);

	if (round) {
		uint64_t r = lo + (UINT64_C(1) << 31);

		hi += r < lo;
		lo = r;
	}
	return (hi << 32) | (lo >> 32);
}

/* tg_log2_q32: log2(u) for u >= 1, 32.32 fixed point, fraction truncated. */
static uint64_t
tg_log2_q32(uint64_t u)
{
	unsigned ip = kml_log2(u);
	uint64_t x = u << (63 - ip);	/* x / 2^63 in [1, 2) */
	uint64_t frac = 0, hi, lo;

	for (unsigned i = 0; i < 32; i++) {
		lo = tg_mul128(x, x, &hi);	/* x^2 / 2^126 in [1, 4) */
		frac <<= 1;
		if (hi >> 63) {
			frac |= 1;
			x = hi;
		} else
			x = (hi << 1) | (lo >> 63);
	}
	return ((uint64_t)ip << 32) | frac;
}

/*
 * tg_rng_exp: an exponential draw of mean mean (section 1), rounded to
 * an integer.
 * => mean < 2^40.
 */
static uint64_t
tg_rng_exp(uint64_t s[4], uint64_t mean)
{
	uint64_t u = (tg_rng_next(s) >> 11) + 1;	/* [1, 2^53] */
	uint64_t nlog2 = (UINT64_C(53) << 32) - tg_log2_q32(u);
	uint64_t nln = tg_mulq32(nlog2, TG_LN2_Q32, false);

	return tg_mulq32(mean, nln, true);
}

/* ---- sizes */

/* A size distribution, with what its draws need precomputed. */
struct tg_dist {
	unsigned d_dist;		/* enum kml_gen_dist */
	uint64_t d_min, d_max;		/* sizes are in [d_min, d_max] */
	unsigned d_nbucket;		/* pow2: buckets */
	uint64_t d_first;		/* pow2: first power of two inside */
	uint64_t d_weight;		/* kmalloc: weight of the sizes inside */
};

static void
tg_dist_init(struct tg_dist *d, const struct kml_gen_params *p)
{
	d->d_dist = p->tg_dist;
	d->d_min = p->tg_min;
	d->d_max = p->tg_max;
	d->d_nbucket = tg_pow2_buckets(p->tg_min, p->tg_max, &d->d_first);
	d->d_weight = 0;
	for (size_t i = 0; i < TG_KMALLOC_NMIX; i++)
		if (tg_kmalloc_mix[i].tk_size >= d->d_min &&
		    tg_kmalloc_mix[i].tk_size <= d->d_max)
			d->d_weight += tg_kmalloc_mix[i].tk_weight;
}

/*
 * tg_dist_draw: a size from d.
 *  uniform: every size of [min, max] equally likely;
 *  pow2: one of tg_pow2_buckets's pieces, equally likely, then uniform
 *        in it;
 *  exp: an exponential draw of mean (min + max) / 4, clamped to [min, max];
 *  kmalloc: a size of tg_kmalloc_mix inside [min, max], by weight.
 */
static uint64_t
tg_dist_draw(const struct tg_dist *d, uint64_t s[4])
{
	uint64_t lo, hi, r;
	unsigned b;

	switch (d->d_dist) {
	case KML_GEND_UNIFORM:
		return d->d_min + tg_rng_below(s, d->d_max - d->d_min + 1);
	case KML_GEND_POW2:
		b = (unsigned)tg_rng_below(s, d->d_nbucket);
		lo = b == 0 ? d->d_min : d->d_first << (b - 1);
		hi = b == d->d_nbucket - 1 ? d->d_max : (d->d_first << b) - 1;
		return lo + tg_rng_below(s, hi - lo + 1);
	case KML_GEND_EXP:
		r = tg_rng_exp(s, (d->d_min + d->d_max) / 4);
		return r < d->d_min ? d->d_min : r > d->d_max ? d->d_max : r;
	default:
		r = tg_rng_below(s, d->d_weight);
		for (size_t i = 0; i < TG_KMALLOC_NMIX; i++) {
			if (tg_kmalloc_mix[i].tk_size < d->d_min ||
			    tg_kmalloc_mix[i].tk_size > d->d_max)
				continue;
			if (r < tg_kmalloc_mix[i].tk_weight)
				return tg_kmalloc_mix[i].tk_size;
			r -= tg_kmalloc_mix[i].tk_weight;
		}
		KML_ASSERT(0);
		return d->d_min;
	}
}

/* tg_roundup_pow2: the smallest power of two >= v (v <= 2^63). */
static uint64_t
tg_roundup_pow2(uint64_t v)
{
	return v <= 1 ? 1 : UINT64_C(1) << (kml_log2(v - 1) + 1);
}

/* tg_class_kmalloc: kmalloc's size class for size bytes. */
static uint64_t
tg_class_kmalloc(uint64_t size)
{
	if (size <= 8)
		return 8;
	if (size > 64 && size <= 96)
		return 96;
	if (size > 128 && size <= 192)
		return 192;
	return tg_roundup_pow2(size);
}

/*
 * tg_class_round: size rounded up to a multiple of q (a power of two) up
 * to 2048, and to a power of two above.
 */
static uint64_t
tg_class_round(uint64_t size, uint64_t q)
{
	if (size <= 2048)
		return size < q ? q : (size + q - 1) & ~(q - 1);
	return tg_roundup_pow2(size);
}

/* ---- fake address spaces (section 3) */

/* One slot size of a space. */
struct tg_class {
	uint64_t cl_size;		/* slot size */
	uint64_t *cl_free;		/* freed slots, LIFO */
	size_t cl_nfree, cl_freecap;
	uint64_t cl_cur, cl_end;	/* the page being carved: [cur, end) */
};

struct tg_space {
	const char *sp_name;
	uint64_t sp_next;		/* bump pointer */
	uint64_t sp_limit;		/* end of the space */
	uint64_t sp_page;		/* carving unit; 0: no carving */
	struct tg_class *sp_class;
	size_t sp_nclass, sp_classcap;
};

/* tg_grow: grow *vp to hold need elements of size bytes (doubling). */
static void
tg_grow(void **vp, size_t *capp, size_t need, size_t size)
{
	size_t cap = *capp;
	void *v;

	if (need <= cap)
		return;
	if (cap == 0)
		cap = 16;
	while (cap < need)
		cap *= 2;
	if ((v = realloc(*vp, cap * size)) == NULL)
		kml_panic("tracegen: out of memory (%zu objects of %zu bytes)",
		    cap, size);
	*vp = v;
	*capp = cap;
}

static void
tg_space_init(struct tg_space *sp, const char *name, uint64_t base,
    uint64_t limit, uint64_t page)
{
	memset(sp, 0, sizeof(*sp));
	sp->sp_name = name;
	sp->sp_next = base;
	sp->sp_limit = limit;
	sp->sp_page = page;
}

static void
tg_space_fini(struct tg_space *sp)
{
	for (size_t i = 0; i < sp->sp_nclass; i++)
		free(sp->sp_class[i].cl_free);
	free(sp->sp_class);
}

/* tg_space_bump: size bytes aligned to align from the bump pointer. */
static uint64_t
tg_space_bump(struct tg_space *sp, uint64_t size, uint64_t align)
{
	uint64_t a = (sp->sp_next + align - 1) & ~(align - 1);

	if (a < sp->sp_next || a > sp->sp_limit || sp->sp_limit - a < size)
		kml_panic("tracegen: the fake %s address space is full",
		    sp->sp_name);
	sp->sp_next = a + size;
	return a;
}

/* tg_space_class: the class of slot size size, created if new. */
static struct tg_class *
tg_space_class(struct tg_space *sp, uint64_t size)
{
	struct tg_class *cl;

	for (size_t i = 0; i < sp->sp_nclass; i++)
		if (sp->sp_class[i].cl_size == size)
			return &sp->sp_class[i];
	tg_grow((void **)&sp->sp_class, &sp->sp_classcap, sp->sp_nclass + 1,
	    sizeof(*sp->sp_class));
	cl = &sp->sp_class[sp->sp_nclass++];
	memset(cl, 0, sizeof(*cl));
	cl->cl_size = size;
	return cl;
}

/*
 * tg_space_alloc: a slot of size size: the last one freed, else carved
 * from a page (size <= sp_page / 2), else from the bump pointer aligned
 * to size (size a power of two).
 */
static uint64_t
tg_space_alloc(struct tg_space *sp, uint64_t size)
{
	struct tg_class *cl = tg_space_class(sp, size);
	uint64_t a;

	if (cl->cl_nfree > 0)
		return cl->cl_free[--cl->cl_nfree];
	if (sp->sp_page != 0 && size <= sp->sp_page / 2) {
		if (cl->cl_end - cl->cl_cur < size) {
			cl->cl_cur = tg_space_bump(sp, sp->sp_page,
			    sp->sp_page);
			cl->cl_end = cl->cl_cur + sp->sp_page;
		}
		a = cl->cl_cur;
		cl->cl_cur += size;
		return a;
	}
	KML_ASSERT(kml_ispow2(size));
	return tg_space_bump(sp, size, size);
}

/* tg_space_free: slot ptr of size size is free again. */
static void
tg_space_free(struct tg_space *sp, uint64_t size, uint64_t ptr)
{
	struct tg_class *cl = tg_space_class(sp, size);

	tg_grow((void **)&cl->cl_free, &cl->cl_freecap, cl->cl_nfree + 1,
	    sizeof(*cl->cl_free));
	cl->cl_free[cl->cl_nfree++] = ptr;
}

/* ---- objects */

enum tg_kind {
	TG_K_KMALLOC,		/* slab space, kfree */
	TG_K_CACHE,		/* slab space, kmem_cache_free */
	TG_K_MALLOC,		/* user space, free */
	TG_K_VMEM,		/* vmem space, vmem_free */
	TG_K_POOL,		/* pool space, pool_put */
	TG_K_PAGE		/* page space, page_free */
};

/* A live object. */
struct tg_obj {
	uint64_t o_ptr;		/* address (pfn for pages) */
	uint64_t o_size;	/* bytes requested (pages: 4096 << order) */
	uint64_t o_slot;	/* slot size in its space */
	uint64_t o_when;	/* vmemfrag: death op; prodcons: ready time */
	uint8_t o_kind;		/* enum tg_kind */
	uint8_t o_order;	/* pages: order */
};

/* A vector of objects (also a heap, or a ring). */
struct tg_objv {
	struct tg_obj *ov_v;
	size_t ov_n, ov_cap;
	size_t ov_head;		/* ring: index of the first object */
};

static void
tg_objv_push(struct tg_objv *ov, const struct tg_obj *o)
{
	tg_grow((void **)&ov->ov_v, &ov->ov_cap, ov->ov_n + 1,
	    sizeof(*ov->ov_v));
	ov->ov_v[ov->ov_n++] = *o;
}

/* tg_objv_take: remove and return object i (the last one fills the hole). */
static struct tg_obj
tg_objv_take(struct tg_objv *ov, size_t i)
{
	struct tg_obj o = ov->ov_v[i];

	ov->ov_v[i] = ov->ov_v[--ov->ov_n];
	return o;
}

/* tg_heap_push: add o to the min-heap ov ordered by o_when. */
static void
tg_heap_push(struct tg_objv *ov, const struct tg_obj *o)
{
	size_t i;

	tg_objv_push(ov, o);
	for (i = ov->ov_n - 1; i > 0; i = (i - 1) / 2) {
		struct tg_obj t;
		size_t up = (i - 1) / 2;

		if (ov->ov_v[up].o_when <= ov->ov_v[i].o_when)
			break;
		t = ov->ov_v[up];
		ov->ov_v[up] = ov->ov_v[i];
		ov->ov_v[i] = t;
	}
}

/* tg_heap_pop: remove and return the first object of the non-empty heap ov. */
static struct tg_obj
tg_heap_pop(struct tg_objv *ov)
{
	struct tg_obj top = ov->ov_v[0];
	size_t i = 0, n;

	ov->ov_v[0] = ov->ov_v[--ov->ov_n];
	n = ov->ov_n;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct tg_obj t;

		if (l < n && ov->ov_v[l].o_when < ov->ov_v[m].o_when)
			m = l;
		if (r < n && ov->ov_v[r].o_when < ov->ov_v[m].o_when)
			m = r;
		if (m == i)
			break;
		t = ov->ov_v[m];
		ov->ov_v[m] = ov->ov_v[i];
		ov->ov_v[i] = t;
		i = m;
	}
	return top;
}

/* tg_ring_push: append o to the ring ov. */
static void
tg_ring_push(struct tg_objv *ov, const struct tg_obj *o)
{
	if (ov->ov_n == ov->ov_cap) {
		size_t oldcap = ov->ov_cap;

		tg_grow((void **)&ov->ov_v, &ov->ov_cap, ov->ov_n + 1,
		    sizeof(*ov->ov_v));
		/* unwrap: move the objects before the head past the old end */
		for (size_t i = 0; i < ov->ov_head; i++)
			ov->ov_v[oldcap + i] = ov->ov_v[i];
	}
	ov->ov_v[(ov->ov_head + ov->ov_n++) % ov->ov_cap] = *o;
}

/* tg_ring_pop: remove and return the first object of the non-empty ring ov. */
static struct tg_obj
tg_ring_pop(struct tg_objv *ov)
{
	struct tg_obj o = ov->ov_v[ov->ov_head];

	ov->ov_head = (ov->ov_head + 1) % ov->ov_cap;
	ov->ov_n--;
	return o;
}

/* ---- the generator */

struct tg_cpu {
	unsigned c_id;
	uint64_t c_rng[4];		/* xoshiro256** state */
	uint64_t c_now;			/* time of the CPU's next turn */
	uint64_t c_nops;		/* events of this CPU so far */
	char c_comm[16];		/* "gen/CPU" */
	/* random: set; magazine: stack; vmemfrag: heap; consumer: queue */
	struct tg_objv c_live;
	uint64_t c_handed;		/* producer: objects handed out */
};

struct tg_gen {
	const struct kml_gen_params *g_p;
	struct tg_dist g_dist;
	struct tg_cpu *g_cpu;
	unsigned *g_heap;		/* CPUs, min-heap by (c_now, c_id) */
	uint64_t g_n;			/* events written */
	struct tg_space g_slab, g_page, g_user, g_vmem, g_pool;
	/* pressure */
	struct tg_objv g_live;		/* every live object */
	uint64_t g_bytes;		/* their bytes */
	uint64_t g_target;		/* T(g_n) */
	uint64_t g_rem;			/* Bresenham remainder of the target */
};

/* tg_cpu_before: CPU a's turn comes before CPU b's. */
static bool
tg_cpu_before(const struct tg_gen *g, unsigned a, unsigned b)
{
	const struct tg_cpu *ca = &g->g_cpu[a], *cb = &g->g_cpu[b];

	return ca->c_now < cb->c_now || (ca->c_now == cb->c_now && a < b);
}

/* tg_sched_down: restore the CPU heap after its first entry's time grew. */
static void
tg_sched_down(struct tg_gen *g)
{
	unsigned n = g->g_p->tg_ncpu, i = 0;

	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < n && tg_cpu_before(g, g->g_heap[l], g->g_heap[m]))
			m = l;
		if (r < n && tg_cpu_before(g, g->g_heap[r], g->g_heap[m]))
			m = r;
		if (m == i)
			break;
		t = g->g_heap[m];
		g->g_heap[m] = g->g_heap[i];
		g->g_heap[i] = t;
		i = m;
	}
}

/* tg_event: an event of CPU c at its current time, who filled in. */
static void
tg_event(const struct tg_cpu *c, struct kml_trace_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->te_ts = c->c_now;
	ev->te_cpu = c->c_id;
	ev->te_pid = TG_PID_BASE + c->c_id;
	ev->te_tid = ev->te_pid;
	ev->te_comm = c->c_comm;
	ev->te_ctx = KML_CTX_THREAD;
}

/* tg_gfp: set ev's gfp and the flags it implies (gfp_tef_flags). */
static void
tg_gfp(struct kml_trace_event *ev, gfp_t gfp)
{
	ev->te_gfp = gfp;
	ev->te_flags = gfp_tef_flags(gfp);
}

/*
 * tg_alloc: allocate an object of kind kind and size bytes (pages:
 * order) in its space and describe it in ev (op, size, cache, gfp and
 * flags; align 0).  vmem segments take align into their slot.
 */
static struct tg_obj
tg_alloc(struct tg_gen *g, unsigned kind, uint64_t size, unsigned order,
    uint64_t align, struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;
	struct tg_obj o;

	memset(&o, 0, sizeof(o));
	o.o_kind = (uint8_t)kind;
	o.o_size = size;
	switch (kind) {
	case TG_K_KMALLOC:
		o.o_slot = tg_class_kmalloc(size);
		o.o_ptr = tg_space_alloc(&g->g_slab, o.o_slot);
		ev->te_op = KML_OP_KMALLOC;
		ev->te_size = size;
		ev->te_alloc = o.o_slot;	/* the kmalloc size class */
		tg_gfp(ev, GFP_KERNEL);
		break;
	case TG_K_CACHE:
		o.o_slot = tg_class_round(size, 8);
		o.o_ptr = tg_space_alloc(&g->g_slab, o.o_slot);
		ev->te_op = KML_OP_CACHE_ALLOC;
		ev->te_size = size;
		ev->te_alloc = o.o_slot;	/* the cache's object size */
		ev->te_cache = p->tg_cache;
		tg_gfp(ev, GFP_KERNEL);
		break;
	case TG_K_MALLOC:
		o.o_slot = tg_class_round(size, 16);
		o.o_ptr = tg_space_alloc(&g->g_user, o.o_slot);
		ev->te_op = KML_OP_MALLOC;
		ev->te_size = size;
		break;
	case TG_K_VMEM:
		o.o_slot = tg_roundup_pow2(size > align ? size : align);
		o.o_ptr = tg_space_alloc(&g->g_vmem, o.o_slot);
		ev->te_op = KML_OP_VMEM_ALLOC;
		ev->te_size = size;
		ev->te_cache = p->tg_cache;
		ev->te_flags = KML_TEF_SLEEP;
		break;
	case TG_K_POOL:
		o.o_slot = tg_class_round(size, 8);
		o.o_ptr = tg_space_alloc(&g->g_pool, o.o_slot);
		ev->te_op = KML_OP_POOL_GET;
		ev->te_size = size;
		ev->te_cache = p->tg_cache;
		ev->te_flags = KML_TEF_SLEEP;
		break;
	default:
		o.o_order = (uint8_t)order;
		o.o_size = (uint64_t)TG_PAGE << order;
		o.o_slot = UINT64_C(1) << order;
		o.o_ptr = tg_space_alloc(&g->g_page, o.o_slot);
		ev->te_op = KML_OP_PAGE_ALLOC;
		ev->te_order = (uint8_t)order;
		tg_gfp(ev, GFP_KERNEL);
		break;
	}
	ev->te_ptr = o.o_ptr;
	return o;
}

/*
 * tg_free: give o back to its space and describe the free in ev (op,
 * pointer, and the cache, size or order its operation carries).
 */
static void
tg_free(struct tg_gen *g, const struct tg_obj *o, struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;

	ev->te_ptr = o->o_ptr;
	switch (o->o_kind) {
	case TG_K_KMALLOC:
		tg_space_free(&g->g_slab, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_KFREE;
		break;
	case TG_K_CACHE:
		tg_space_free(&g->g_slab, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_CACHE_FREE;
		ev->te_cache = p->tg_cache;
		break;
	case TG_K_MALLOC:
		tg_space_free(&g->g_user, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_FREE;
		break;
	case TG_K_VMEM:
		tg_space_free(&g->g_vmem, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_VMEM_FREE;
		ev->te_cache = p->tg_cache;
		ev->te_size = o->o_size;
		break;
	case TG_K_POOL:
		tg_space_free(&g->g_pool, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_POOL_PUT;
		ev->te_cache = p->tg_cache;
		break;
	default:
		tg_space_free(&g->g_page, o->o_slot, o->o_ptr);
		ev->te_op = KML_OP_PAGE_FREE;
		ev->te_order = o->o_order;
		break;
	}
}

/* ---- the workloads: each fills ev for CPU c's turn; returns 0 for no event */

static int
tg_step_random(struct tg_gen *g, struct tg_cpu *c,
    struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;
	struct tg_objv *live = &c->c_live;
	struct tg_obj o;
	unsigned kind;
	uint64_t size;

	if (tg_rng_below(c->c_rng, 2 * p->tg_live) >= live->ov_n) {
		switch (p->tg_op) {
		case KML_OP_CACHE_ALLOC:
			kind = TG_K_CACHE;
			break;
		case KML_OP_POOL_GET:
			kind = TG_K_POOL;
			break;
		case KML_OP_MALLOC:
			kind = TG_K_MALLOC;
			break;
		case KML_OP_VMEM_ALLOC:
			kind = TG_K_VMEM;
			break;
		default:
			kind = TG_K_KMALLOC;
			break;
		}
		if (kind == TG_K_CACHE || kind == TG_K_POOL)
			size = p->tg_max;
		else
			size = tg_dist_draw(&g->g_dist, c->c_rng);
		o = tg_alloc(g, kind, size, 0, 0, ev);
		ev->te_site = tg_site_random_alloc[tg_rng_below(c->c_rng,
		    sizeof(tg_site_random_alloc) /
		    sizeof(tg_site_random_alloc[0]))];
		tg_objv_push(live, &o);
	} else {
		o = tg_objv_take(live, tg_rng_below(c->c_rng, live->ov_n));
		tg_free(g, &o, ev);
		ev->te_site = TG_SITE_RANDOM_FREE;
	}
	return 1;
}

static int
tg_step_prodcons(struct tg_gen *g, struct tg_cpu *c,
    struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;
	unsigned np = p->tg_ncpu / 2, nc = p->tg_ncpu - np;
	struct tg_cpu *to;
	struct tg_obj o;

	if (c->c_id < np) {
		o = tg_alloc(g, TG_K_CACHE, p->tg_max, 0, 0, ev);
		ev->te_site = TG_SITE_PRODUCE;
		to = &g->g_cpu[np + (c->c_id + c->c_handed++) % nc];
		o.o_when = c->c_now + tg_rng_exp(c->c_rng, p->tg_think_ns);
		tg_ring_push(&to->c_live, &o);
		return 1;
	}
	if (c->c_live.ov_n == 0 ||
	    c->c_live.ov_v[c->c_live.ov_head].o_when > c->c_now)
		return 0;
	o = tg_ring_pop(&c->c_live);
	tg_free(g, &o, ev);
	ev->te_site = TG_SITE_CONSUME;
	return 1;
}

static int
tg_step_magazine(struct tg_gen *g, struct tg_cpu *c,
    struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;
	struct tg_objv *live = &c->c_live;
	struct tg_obj o;

	if (c->c_nops < p->tg_live || (c->c_nops - p->tg_live) % 4 < 2) {
		o = tg_alloc(g, TG_K_CACHE, p->tg_max, 0, 0, ev);
		ev->te_site = TG_SITE_MAG_ALLOC;
		tg_objv_push(live, &o);
	} else {
		o = tg_objv_take(live, live->ov_n - 1);
		tg_free(g, &o, ev);
		ev->te_site = TG_SITE_MAG_FREE;
	}
	return 1;
}

static int
tg_step_vmemfrag(struct tg_gen *g, struct tg_cpu *c,
    struct kml_trace_event *ev)
{
	const struct kml_gen_params *p = g->g_p;
	struct tg_objv *live = &c->c_live;
	uint64_t size, align = 0;
	struct tg_obj o;

	if (live->ov_n > 0 && live->ov_v[0].o_when <= c->c_nops) {
		o = tg_heap_pop(live);
		tg_free(g, &o, ev);
		ev->te_site = TG_SITE_VMEM_FREE;
		return 1;
	}
	size = tg_dist_draw(&g->g_dist, c->c_rng);
	size = (size + p->tg_align - 1) & ~(p->tg_align - 1);
	if (tg_rng_below(c->c_rng, 100) < p->tg_align_share)
		align = p->tg_align << (1 + tg_rng_below(c->c_rng, 4));
	o = tg_alloc(g, TG_K_VMEM, size, 0, align, ev);
	ev->te_align = align;
	ev->te_site = align != 0 ? TG_SITE_VMEM_XALLOC : TG_SITE_VMEM_ALLOC;
	o.o_when = c->c_nops + tg_rng_exp(c->c_rng, p->tg_live);
	tg_heap_push(live, &o);
	return 1;
}

static int
tg_step_pressure(struct tg_gen *g, struct tg_cpu *c,
    struct kml_trace_event *ev)
{
	struct tg_objv *live = &g->g_live;
	bool atomic;
	struct tg_obj o;

	if (g->g_bytes < g->g_target || live->ov_n == 0) {
		if (tg_rng_below(c->c_rng, 4) == 0)
			o = tg_alloc(g, TG_K_PAGE, 0,
			    (unsigned)tg_rng_below(c->c_rng, 4), 0, ev);
		else
			o = tg_alloc(g, TG_K_KMALLOC,
			    tg_dist_draw(&g->g_dist, c->c_rng), 0, 0, ev);
		atomic = tg_rng_below(c->c_rng, 4) == 0;
		tg_gfp(ev, atomic ? GFP_ATOMIC : GFP_KERNEL);
		if (o.o_kind == TG_K_PAGE)
			ev->te_site = atomic ? TG_SITE_PR_PAGES_ATOMIC :
			    TG_SITE_PR_PAGES;
		else
			ev->te_site = atomic ? TG_SITE_PR_KMALLOC_ATOMIC :
			    TG_SITE_PR_KMALLOC;
		g->g_bytes += o.o_size;
		tg_objv_push(live, &o);
	} else {
		o = tg_objv_take(live, tg_rng_below(c->c_rng, live->ov_n));
		tg_free(g, &o, ev);
		ev->te_site = o.o_kind == TG_K_PAGE ? TG_SITE_PR_FREE_PAGES :
		    TG_SITE_PR_KFREE;
		g->g_bytes -= o.o_size;
	}
	return 1;
}

/*
 * tg_target_next: advance g_target from T(g_n) to T(g_n + 1) (section
 * 4, pressure), exactly, with a remainder instead of a product that
 * could overflow.
 */
static void
tg_target_next(struct tg_gen *g)
{
	const struct kml_gen_params *p = g->g_p;
	uint64_t half = p->tg_events / 2, rest = p->tg_events - half;
	uint64_t n = g->g_n + 1;

	if (n <= half) {
		/* T(n) = floor(peak * n / half) */
		g->g_target += p->tg_peak / half;
		g->g_rem += p->tg_peak % half;
		if (g->g_rem >= half) {
			g->g_target++;
			g->g_rem -= half;
		}
		if (n == half) {
			g->g_target = p->tg_peak;
			g->g_rem = 0;
		}
	} else {
		/* T(n) = peak - floor(peak * (n - half) / rest) */
		g->g_target -= p->tg_peak / rest;
		g->g_rem += p->tg_peak % rest;
		if (g->g_rem >= rest) {
			g->g_target--;
			g->g_rem -= rest;
		}
	}
}

int
kml_gen_run(const struct kml_gen_params *p, struct kml_trace *w)
{
	int (*step)(struct tg_gen *, struct tg_cpu *,
	    struct kml_trace_event *);
	struct kml_trace_event ev;
	struct tg_gen g;
	int rv = 0;

	switch (p->tg_workload) {
	case KML_GEN_RANDOM:
		step = tg_step_random;
		break;
	case KML_GEN_PRODCONS:
		step = tg_step_prodcons;
		break;
	case KML_GEN_MAGAZINE:
		step = tg_step_magazine;
		break;
	case KML_GEN_VMEMFRAG:
		step = tg_step_vmemfrag;
		break;
	default:
		KML_ASSERT(p->tg_workload == KML_GEN_PRESSURE);
		step = tg_step_pressure;
		break;
	}
	memset(&g, 0, sizeof(g));
	g.g_p = p;
	tg_dist_init(&g.g_dist, p);
	tg_space_init(&g.g_slab, "slab", UINT64_C(0xffff888100000000),
	    UINT64_C(0xffffffffc0000000), TG_PAGE);
	tg_space_init(&g.g_page, "page", UINT64_C(0x100000),
	    UINT64_C(1) << 40, 0);
	tg_space_init(&g.g_user, "user", UINT64_C(0x555555560000),
	    UINT64_C(0x7ff000000000), TG_PAGE);
	tg_space_init(&g.g_vmem, "vmem", UINT64_C(0x100000000000),
	    UINT64_C(1) << 63, TG_PAGE);
	tg_space_init(&g.g_pool, "pool", UINT64_C(0xffff800000000000),
	    UINT64_C(0xffff888000000000), TG_PAGE);
	if ((g.g_cpu = calloc(p->tg_ncpu, sizeof(*g.g_cpu))) == NULL ||
	    (g.g_heap = calloc(p->tg_ncpu, sizeof(*g.g_heap))) == NULL)
		kml_panic("tracegen: out of memory (%u CPUs)", p->tg_ncpu);
	for (unsigned i = 0; i < p->tg_ncpu; i++) {
		struct tg_cpu *c = &g.g_cpu[i];

		c->c_id = i;
		tg_rng_seed(c->c_rng, p->tg_seed, i);
		snprintf(c->c_comm, sizeof(c->c_comm), "gen/%u", i);
		g.g_heap[i] = i;	/* all at time 0: in CPU order */
	}

	while (g.g_n < p->tg_events) {
		struct tg_cpu *c = &g.g_cpu[g.g_heap[0]];

		tg_event(c, &ev);
		if (step(&g, c, &ev)) {
			if (kml_trace_write(w, &ev) != 0) {
				rv = -1;
				break;
			}
			c->c_nops++;
			if (p->tg_workload == KML_GEN_PRESSURE &&
			    g.g_n + 1 < p->tg_events)
				tg_target_next(&g);
			g.g_n++;
		}
		c->c_now += tg_rng_exp(c->c_rng, p->tg_think_ns);
		tg_sched_down(&g);
	}

	for (unsigned i = 0; i < p->tg_ncpu; i++)
		free(g.g_cpu[i].c_live.ov_v);
	free(g.g_cpu);
	free(g.g_heap);
	free(g.g_live.ov_v);
	tg_space_fini(&g.g_slab);
	tg_space_fini(&g.g_page);
	tg_space_fini(&g.g_user);
	tg_space_fini(&g.g_vmem);
	tg_space_fini(&g.g_pool);
	return rv;
}
