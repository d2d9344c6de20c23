/*
 * kmemlab/tracegen.h: synthetic traces with fixed seeds.
 *
 * Each workload is a small, documented program that writes a trace
 * exercising one behaviour of an allocator stack; the same parameters and
 * seed give the same trace byte for byte on every host.  Time is in
 * nanoseconds (clock unit 1), starting at 0; each CPU runs one thread
 * (pid 1000 + cpu, tid the same, comm "gen/CPU") and advances its own
 * clock by a random think time between events (exponential, mean
 * tg_think_ns); the events of all CPUs are merged in time order (ties:
 * lower CPU first).  Every free frees an object that is live, so the
 * trace is "clean" unless a workload says otherwise; objects still live
 * at the end are left live (they are what a leak check would see).
 *
 *  random	 Random sizes from tg_dist between tg_min and tg_max on
 *		 tg_ncpu CPUs; each CPU keeps its own live set of about
 *		 tg_live objects, allocating with probability
 *		 1 - live/(2*tg_live) and otherwise freeing a random live
 *		 object of its own.  The baseline: size-class spread, hit
 *		 rates, scaling with CPUs.  Operation tg_op: kmalloc (default),
 *		 malloc, cache (kmem_cache_alloc on cache tg_cache with size
 *		 tg_max), vmem (on arena tg_cache) or pool.
 *  prodcons	 Producer/consumer: CPU 0 .. tg_ncpu/2 - 1 allocate
 *		 objects of tg_max bytes from cache tg_cache and hand them to
 *		 the consumers on the other CPUs (round robin), which free
 *		 them after a delay: every object is freed on another CPU
 *		 than the one that allocated it, the case that defeats
 *		 per-CPU caches without a depot.  tg_ncpu >= 2.
 *  magazine	 The magazine worst case (Bonwick & Adams 2001, section
 *		 3.3): on each CPU, fill to tg_live objects, then repeat
 *		 "alloc, alloc, free, free" so that a per-CPU layer with
 *		 magazines of tg_live rounds crosses a magazine boundary on
 *		 every other operation.  Cache tg_cache, size tg_max.
 *  vmemfrag	 Fragmentation stress for vmem: vmem_alloc / vmem_free on
 *		 arena tg_cache with sizes from tg_dist (multiples of
 *		 tg_align, default 4096) and random lifetimes (exponential,
 *		 mean tg_live operations), some with an alignment
 *		 (tg_align_share percent, alignments up to 16 x tg_align):
 *		 the mix that separates best fit from instant fit.
 *  pressure	 A memory-pressure ramp: live memory grows linearly to
 *		 tg_peak bytes over the first half of the events and falls
 *		 back over the second; page allocations (orders 0-3, 25%)
 *		 and kmalloc (sizes from tg_dist), a quarter of them GFP_ATOMIC
 *		 (no sleep) and the rest GFP_KERNEL: it drives the page layer
 *		 into its reclaim paths and the sleep/no-sleep split.
 *
 * Size distributions (tg_dist): uniform (every byte size equally likely),
 * pow2 (log-uniform: each power of two between min and max equally
 * likely, then uniform inside it), exp (exponential with mean
 * (min + max) / 4, clamped), kmalloc (the kmalloc size mix of the bundled
 * compile trace: 8-64 bytes most of the time, pages rarely).
 */
#ifndef KMEMLAB_TRACEGEN_H
#define KMEMLAB_TRACEGEN_H

#include <stddef.h>
#include <stdint.h>

#include <kmemlab/trace.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kml_gen_workload {
	KML_GEN_RANDOM = 0,
	KML_GEN_PRODCONS = 1,
	KML_GEN_MAGAZINE = 2,
	KML_GEN_VMEMFRAG = 3,
	KML_GEN_PRESSURE = 4,
	KML_GEN_COUNT = 5
};

enum kml_gen_dist {
	KML_GEND_UNIFORM = 0,
	KML_GEND_POW2 = 1,
	KML_GEND_EXP = 2,
	KML_GEND_KMALLOC = 3,
	KML_GEND_COUNT = 4
};

/* kml_gen_workload_name, kml_gen_dist_name: names as above; NULL otherwise. */
const char *kml_gen_workload_name(unsigned w);
const char *kml_gen_dist_name(unsigned d);
/* kml_gen_workload_lookup, kml_gen_dist_lookup: by name; -1 if unknown. */
int kml_gen_workload_lookup(const char *name);
int kml_gen_dist_lookup(const char *name);

/* Parameters; kml_gen_params_init gives each workload's defaults. */
struct kml_gen_params {
	unsigned tg_workload;	/* enum kml_gen_workload */
	uint64_t tg_seed;	/* PRNG seed (default 1) */
	unsigned tg_ncpu;	/* CPUs, 1..KML_TRACE_CPUMAX (default 4; prodcons >= 2) */
	uint64_t tg_events;	/* events to write (default 100000) */
	unsigned tg_dist;	/* enum kml_gen_dist (default pow2; pressure: kmalloc) */
	uint64_t tg_min;	/* smallest size, bytes (default 8; vmemfrag 4096) */
	uint64_t tg_max;	/* largest size, bytes (default 4096; vmemfrag 1 MiB) */
	uint64_t tg_live;	/* live objects per CPU (random: 1000; magazine: 15; vmemfrag: mean lifetime 2000) */
	uint64_t tg_align;	/* vmemfrag: quantum and base alignment (default 4096) */
	unsigned tg_align_share;	/* vmemfrag: percent of allocations with an alignment (default 10) */
	uint64_t tg_peak;	/* pressure: peak live bytes (default 64 MiB) */
	uint64_t tg_think_ns;	/* mean time between a CPU's events, ns (default 1000) */
	unsigned tg_op;		/* random: KML_OP_KMALLOC, _MALLOC, _CACHE_ALLOC, _VMEM_ALLOC or _POOL_GET */
	char tg_cache[64];	/* cache, pool or arena name (default "gen-N" per workload) */
};

/* kml_gen_params_init: the defaults of workload w into p. */
void kml_gen_params_init(struct kml_gen_params *p, unsigned w);

/*
 * kml_gen_describe: the parameters as the command line that makes them
 * ("random --seed 1 --cpus 4 --events 100000 --dist pow2 ..."), for the
 * trace header's detail; returns the length needed (as snprintf).
 */
size_t kml_gen_describe(const struct kml_gen_params *p, char *buf,
    size_t len);

/*
 * kml_gen_check: validate p.
 * => returns 0, or -1 with a message naming the parameter in errbuf
 *    ("--min 5000 is above --max 4096", "prodcons needs --cpus >= 2").
 */
int kml_gen_check(const struct kml_gen_params *p, char *errbuf,
    size_t errlen);

/*
 * kml_gen_header: the header for p's trace (source KML_TSRC_GEN, detail
 * from kml_gen_describe, ncpu, clock 1 ns, page size 4096, no host or
 * kernel).
 */
void kml_gen_header(const struct kml_gen_params *p,
    struct kml_trace_header *th);

/*
 * kml_gen_run: write p's events (exactly tg_events of them) to w, which
 * was opened with kml_gen_header's header.
 * => p was accepted by kml_gen_check.
 * => returns 0, or -1 when writing failed (the message is
 *    kml_trace_errmsg(w)).
 * => memory: the live objects (at most tg_events), nothing else grows.
 */
int kml_gen_run(const struct kml_gen_params *p, struct kml_trace *w);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_TRACEGEN_H */
