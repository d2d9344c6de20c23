/*
 * kmemlab/replay.h: replay a trace against the in-process allocator stack
 * on N virtual CPUs.
 *
 * 1. The stack.  One replay owns the library's global allocator stack
 *    for its duration: the page layer (uvm_init with the policy's
 *    parameters), kmem (kmem_init with the policy's size classes), a
 *    pool_cache per traced cache name (created on first use with the
 *    recorded object size), a vmem arena per traced arena name (generated
 *    traces) and a pool_cache per traced pool name.  kml_replay_destroy
 *    tears it all down, so replays run one after the other in a process
 *    (parallel runs are separate processes).
 *
 * 2. The virtual CPUs.  The replay installs its own environment
 *    (kml_env_set, name "vsched"): rp_cpus CPUs, each with its own clock
 *    in virtual ns; the current CPU, thread and context are those of the
 *    event being replayed.  Locks are held for virtual time (env.c), so a
 *    CPU that takes a depot or arena lock that another CPU released later
 *    in virtual time waits, and the wait is counted.  A trace CPU c runs on
 *    vCPU c % rp_cpus (KML_CPUMAP_FOLD) or each thread is given a vCPU
 *    round robin in order of first appearance (KML_CPUMAP_SPREAD).
 *
 * 3. Order and time.  Events are taken from the trace in order into
 *    per-thread queues (thread = trace tid; program order kept).  The
 *    scheduler always runs next the runnable thread whose next event can
 *    start earliest: in KML_TIMING_TRACE an event starts at
 *    max(its recorded time - the trace's first time, its vCPU's clock);
 *    in KML_TIMING_AFAP at its vCPU's clock (back to back).  Ties: lower
 *    vCPU, then earlier in the trace.  Running an event charges its
 *    allocator costs (cost.h) to the vCPU's clock.  A free never runs
 *    before the allocation it frees: a free whose pointer is allocated by
 *    an event still queued on another thread waits for it.  The trace is
 *    read as a stream with a bounded look-ahead (rp_window events).
 *
 * 4. Mapping.  kmalloc -> kmem_alloc (kmem_intr_alloc in interrupt
 *    context); kfree -> kmem_free with the size the allocation had;
 *    kmem_cache_alloc/free -> pool_cache_get/put on the cache's
 *    pool_cache; page alloc/free -> uvm_km_alloc/free of pagesize << order
 *    (UVM_KMF_WIRED); malloc, calloc, valloc -> kmem_alloc (calloc: zeroed);
 *    realloc -> alloc + copy cost + free of the old; memalign,
 *    posix_memalign, aligned_alloc -> vmem_xalloc on kmem_va_arena with
 *    the alignment; free -> the matching free; vmem_alloc/free ->
 *    vmem_xalloc/xfree on the traced arena (created on first use, quantum
 *    4096, from kmem_va_arena); pool_get/put -> pool_cache_get/put.  With
 *    rp_skip_slab_pages, page events whose call site or context shows
 *    slab growth (allocated by the traced kernel's slab allocator, whose
 *    pools the simulated ones replace) are left out and counted.
 *
 * 5. Pointers are identities.  A map from (family, recorded pointer) to
 *    the replayed object (address, size, cache) gives frees their object.
 *    A free of a pointer never allocated in the trace is counted and
 *    skipped; a double free or a free with another cache or size than the
 *    allocation had is an anomaly (with the event number) and is skipped;
 *    an allocation of a pointer already live (the trace missed a free) is
 *    an anomaly too, and the old object is freed first.
 *
 * 6. Sleeping.  Allocators are called with their no-sleep flags.  An
 *    allocation that fails and whose event may sleep (KML_TEF_SLEEP,
 *    thread context) blocks its thread on the layer's wait channel
 *    ("pagewait", "vmemwait", "poolwait"): it and its thread's later
 *    events wait until a free on that layer, or the pagedaemon, makes
 *    progress; then it is tried again.  Before blocking, the pagedaemon
 *    runs once.  If every thread with events left is blocked, the replay
 *    stops with a deadlock: status KML_REPLAY_DEADLOCK and a report naming
 *    each blocked thread, its event and its channel.  A failed allocation
 *    that may not sleep is a "fail" (counted per cache and site; the
 *    event is done).  An interrupt-context event marked as sleeping is an
 *    anomaly ("sleep in interrupt") and is run without sleeping.
 *
 * 7. Determinism.  The same trace, configuration and seed give the same
 *    results, bit for bit; wall-clock figures are kept apart.
 */
#ifndef KMEMLAB_REPLAY_H
#define KMEMLAB_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmemlab/env.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/trace.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- policies */

/*
 * A policy: every tunable of the stack a replay uses.  "netbsd",
 * "illumos" and "freebsd" are built in; a policy file holds "key = value"
 * lines ('#' comments) over the netbsd defaults, or over another built-in
 * named by a first line "base = NAME".
 */
struct kml_policy {
	char po_name[64];		/* built-in name or the file's path */
	int po_vmem_strategy;		/* VM_INSTANTFIT, VM_BESTFIT or VM_NEXTFIT: key "fit" = instant|best|next */
	enum kmem_classes po_classes;	/* key "classes" = netbsd|illumos */
	struct pool_cache_policy po_mag;	/* keys "magazines" = netbsd|illumos (all fields)|off,
					   "mag_layer" = yes|no, "magsize", "magsize_large", "mag_adaptive" = yes|no,
					   "mag_contention", "depot_trim" = yes|no, "mag_interval_ms" */
	struct uvm_params po_uvm;	/* keys "physmem" (bytes, K/M/G), "pagesize", "lowat", "hiwat" */
	unsigned po_cpus;		/* key "cpus": vCPUs, 0 = the trace's */
};

/*
 * kml_policy_load: the built-in policy name, or the policy file at path
 * name when it is not a built-in name.
 * => returns 0, or -1 with "FILE:LINE: unknown key 'frob'" (or "unknown
 *    policy 'x' (netbsd, illumos, freebsd, or a file)") in errbuf.
 */
int kml_policy_load(struct kml_policy *po, const char *name, char *errbuf,
    size_t errlen);

/*
 * kml_policy_set: apply one "key=value" to po.
 * => returns 0, or -1 with "unknown policy key 'frob'" or "bad value 'x'
 *    for key 'fit' (instant, best or next)" in errbuf.
 */
int kml_policy_set(struct kml_policy *po, const char *kv, char *errbuf,
    size_t errlen);

/*
 * kml_policy_format: every key of po as "key=value" joined by spaces, in
 * a fixed order (what a run records as its configuration).
 * => returns the length needed (as snprintf).
 */
size_t kml_policy_format(const struct kml_policy *po, char *buf, size_t len);

/* ---- configuration */

enum kml_cpumap {
	KML_CPUMAP_FOLD = 0,	/* vCPU = trace CPU % cpus */
	KML_CPUMAP_SPREAD = 1	/* vCPU = threads round robin by first appearance */
};

enum kml_timing {
	KML_TIMING_TRACE = 0,	/* an event starts no earlier than its recorded time */
	KML_TIMING_AFAP = 1	/* each vCPU runs its events back to back */
};

struct kml_replay_config {
	struct kml_policy rc_policy;	/* the stack's tunables */
	unsigned rc_cpus;		/* vCPUs, 1..KML_MAXCPUS; 0: policy's, else the trace's ncpu (1 if unknown) */
	unsigned rc_cpumap;		/* enum kml_cpumap */
	unsigned rc_timing;		/* enum kml_timing */
	uint64_t rc_seed;		/* for any random choice (none today; recorded) */
	kml_vtime_t rc_sample_ns;	/* time-series interval in virtual ns, 0: none */
	bool rc_skip_slab_pages;	/* leave out the traced kernel's slab page events */
	uint64_t rc_window;		/* look-ahead, events (default 1 << 12) */
	uint32_t rc_tombs;		/* freed pointers remembered to tell a double
					   free (default 1 << 18), a power of two */
};

/* kml_replay_config_init: defaults (policy netbsd, fold, trace timing, window 4 Ki, 256 Ki tombstones). */
void kml_replay_config_init(struct kml_replay_config *rc);

/* ---- results */

enum kml_replay_status {
	KML_REPLAY_RUNNING = 0,
	KML_REPLAY_COMPLETED = 1,	/* every event replayed */
	KML_REPLAY_DEADLOCK = 2,	/* every thread with events left was blocked */
	KML_REPLAY_FAILED = 3,		/* the trace could not be read (error message) */
	KML_REPLAY_INTERRUPTED = 4	/* kml_replay_stop was called */
};

/* kml_replay_status_name: "running", "completed", "deadlock", "failed", "interrupted". */
const char *kml_replay_status_name(unsigned st);

enum kml_anomaly_kind {
	KML_AN_NEVER_ALLOCATED = 0,	/* free of a pointer not allocated in the trace (counted, not stored one by one) */
	KML_AN_DOUBLE_FREE = 1,		/* free of a pointer already freed */
	KML_AN_WRONG_SIZE = 2,		/* free with another size than allocated */
	KML_AN_WRONG_CACHE = 3,		/* free to another cache than allocated */
	KML_AN_LIVE_REALLOC = 4,	/* allocation of a pointer still live */
	KML_AN_SLEEP_IN_INTR = 5,	/* a sleeping event in interrupt context */
	KML_AN_DEADLOCK = 6,		/* a thread blocked when the replay deadlocked */
	KML_AN_COUNT = 7
};

/* kml_anomaly_name: "never allocated", "double free", ... */
const char *kml_anomaly_name(unsigned kind);

/* One anomaly, given to the anomaly callback. */
struct kml_anomaly {
	uint64_t an_event;		/* event number in the trace, from 1 */
	uint64_t an_ts;			/* its recorded time, trace clock units */
	uint32_t an_cpu;		/* its trace CPU */
	uint32_t an_tid;		/* its thread */
	unsigned an_kind;		/* enum kml_anomaly_kind */
	uint64_t an_ptr;		/* recorded pointer */
	uint64_t an_size;		/* size involved (the free's or the allocation's) */
	const char *an_detail;		/* one line, valid during the callback */
};

/* Per call site (and per cache for slab ops). */
struct kml_replay_site {
	const char *rs_site;		/* call site, "(none)" when unknown */
	uint64_t rs_allocs;		/* allocations done */
	uint64_t rs_frees;		/* frees done */
	uint64_t rs_fails;		/* allocations that failed without sleeping */
	uint64_t rs_bytes_req;		/* bytes requested */
	uint64_t rs_bytes_alloc;	/* bytes given by the simulated stack */
	uint64_t rs_live;		/* objects live now */
	uint64_t rs_live_bytes;		/* bytes live now (as allocated) */
};

/* Per vCPU. */
struct kml_replay_cpu {
	uint64_t rcpu_events;		/* events run */
	kml_vtime_t rcpu_busy_ns;	/* virtual ns running events (lock waits included) */
	kml_vtime_t rcpu_idle_ns;	/* virtual ns waiting for the next event's time */
	kml_vtime_t rcpu_lock_wait_ns;	/* virtual ns waiting for locks */
	uint64_t rcpu_cross_frees;	/* frees of objects allocated on another vCPU */
};

/* Totals of a run. */
struct kml_replay_totals {
	uint64_t rt_events;		/* events read from the trace */
	uint64_t rt_replayed;		/* events run against the stack */
	uint64_t rt_skipped_pages;	/* slab page events left out (rp_skip_slab_pages) */
	uint64_t rt_anomalies[KML_AN_COUNT];	/* per kind */
	uint64_t rt_fails;		/* allocations that failed without sleeping */
	uint64_t rt_sleeps;		/* allocations that blocked their thread */
	kml_vtime_t rt_virtual_ns;	/* the latest vCPU clock at the end */
	uint64_t rt_bytes_req;		/* bytes requested by allocations */
	uint64_t rt_bytes_alloc;	/* bytes the stack gave */
	uint64_t rt_bytes_freed;	/* bytes freed */
};

/* A time-series sample, given to the sample callback every rc_sample_ns. */
struct kml_replay_sample {
	kml_vtime_t sa_vtime;		/* virtual time of the sample */
	uint64_t sa_events;		/* events replayed so far */
	uint64_t sa_inuse_bytes;	/* bytes live (as allocated) */
	uint64_t sa_wired_pages;	/* pages the page layer has handed out */
	uint64_t sa_free_pages;		/* free physical pages */
	uint64_t sa_cached_objects;	/* objects held in magazines and depots, all caches */
	double sa_frag;			/* kmem_va_arena fragmentation: 1 - largest free / free */
	double sa_cpu_hit_rate;		/* per-CPU layer hits / gets since the last sample */
};

struct kml_replay;

/*
 * Callbacks (each may be NULL); arg is rh_arg.  They run inside
 * kml_replay_run, between events, with no allocator lock held.
 */
struct kml_replay_hooks {
	void *rh_arg;
	void (*rh_anomaly)(void *arg, const struct kml_anomaly *an);
	void (*rh_sample)(void *arg, struct kml_replay *r,
	    const struct kml_replay_sample *sa);
	void (*rh_progress)(void *arg, uint64_t events);	/* every 2^20 events */
	/*
	 * rh_tick: called after every rh_tick_events events replayed (never
	 * when rh_tick_events is 0), for dashboards that redraw or pace the
	 * replay (it may sleep, or call kml_replay_stop).  It returns the
	 * number of events until the next call (1 to single-step, 0 for no
	 * more calls).
	 */
	uint64_t (*rh_tick)(void *arg, struct kml_replay *r);
	uint64_t rh_tick_events;
};

/*
 * kml_replay_create: set up the stack for rc and the trace t (opened for
 * reading; its header gives the CPU count when rc_cpus and the policy's
 * are 0).
 * => returns the replay, or NULL with a message in errbuf (bad policy
 *    parameters, a stack already in use).
 */
struct kml_replay *kml_replay_create(const struct kml_replay_config *rc,
    struct kml_trace *t, const struct kml_replay_hooks *hooks,
    char *errbuf, size_t errlen);

/*
 * kml_replay_run: replay the whole trace.
 * => returns the status; for KML_REPLAY_FAILED and _DEADLOCK the message
 *    is kml_replay_errmsg.
 */
unsigned kml_replay_run(struct kml_replay *r);

/* kml_replay_stop: ask a running replay to stop after the current event (signal-safe). */
void kml_replay_stop(struct kml_replay *r);

/* kml_replay_errmsg: the failure or deadlock report, "" if none. */
const char *kml_replay_errmsg(const struct kml_replay *r);

/* kml_replay_cpus: the number of vCPUs. */
unsigned kml_replay_cpus(const struct kml_replay *r);

/* kml_replay_vtime: the latest vCPU clock so far, virtual ns. */
kml_vtime_t kml_replay_vtime(const struct kml_replay *r);

/* kml_replay_totals: the totals so far. */
const struct kml_replay_totals *kml_replay_totals(const struct kml_replay *r);

/* kml_replay_cpu: vCPU cpu's figures.  => cpu < kml_replay_cpus(r). */
const struct kml_replay_cpu *kml_replay_cpu(const struct kml_replay *r,
    unsigned cpu);

/*
 * kml_replay_site_first, kml_replay_site_next: walk the call sites in a
 * fixed order (first appearance); NULL at the end.
 */
const struct kml_replay_site *kml_replay_site_first(const struct kml_replay *r);
const struct kml_replay_site *kml_replay_site_next(const struct kml_replay *r,
    const struct kml_replay_site *s);

/*
 * kml_replay_narenas, kml_replay_arena: the vmem arenas of the stack in
 * a fixed order, parents before children (kmem_arena, kmem_va_arena,
 * kmem_pageable_arena, then the traced arenas in order of first use); the
 * arena i and, in *sourcep, the name of the arena it imports from (NULL
 * for none).  => i < kml_replay_narenas(r).
 */
unsigned kml_replay_narenas(const struct kml_replay *r);
vmem_t *kml_replay_arena(const struct kml_replay *r, unsigned i,
    const char **sourcep);

/*
 * kml_replay_destroy: free the replay and tear the stack down (every
 * object still live is freed first), restoring the uniprocessor
 * environment.
 */
void kml_replay_destroy(struct kml_replay *r);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_REPLAY_H */
