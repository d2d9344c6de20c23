/*
 * lib/replay.c: replay a trace against the in-process allocator stack on
 * N virtual CPUs (see kmemlab/replay.h).
 *
 * ---- 1. The environment "vsched"
 *
 * The replay installs its own kernel environment: r_ncpu virtual CPUs,
 * each with a clock in virtual ns.  The current CPU, thread and context
 * are those of the event being run (r_cur, r_curtid, r_curctx); between
 * events (set-up, tear-down) they are CPU 0, thread 0, thread context.
 * Every cost an allocator charges moves the current CPU's clock.  Locks
 * are held for virtual time (lib/env.c), so a CPU that takes a lock that
 * another CPU let go later in virtual time waits; kml_mutex_enter tells
 * the environment of each wait (eo_lockwait), which is counted per vCPU
 * (section 7).  The allocators are always called
 * with their no-sleep flags, so eo_sleep is never reached; if it were, it
 * would refuse (KML_EDEADLK).  Sleeping is done by the scheduler, one
 * level up (section 5).
 *
 * Observations (samples, hooks, the statistics read at the end) take
 * allocator locks.  They run in observer mode (kml_env_observe): the
 * clock reads 0 and advancing it does nothing, and locks are taken
 * without being counted or waited for, so looking changes nothing.
 *
 * ---- 2. Reading and pairing
 *
 * Events are read from the trace as a stream, at most rc_window events
 * ahead of the scheduler (more only while every queued thread waits, so
 * that a deadlock is never reported while unread events could end it).
 * Each event is numbered from 1 and paired at once, in trace order, with
 * the object it allocates or frees: the pointer map takes (family,
 * namespace, recorded pointer) to an object slot (struct rp_obj), which
 * will hold the replayed object.  Families are those of `kmemlab trace
 * info': slab (kmalloc, kfree, kmem_cache_*), pages, user (the malloc
 * family; namespace: the pid), vmem and pool.  A freed pointer keeps its
 * map entry as a tombstone (RP_TOMB + its number), so that a second free
 * is told apart from a free of a pointer never allocated; the last
 * rc_tombs (default 262,144) freed pointers are kept, the oldest
 * forgotten, so the map holds the live objects and a bounded history,
 * however long the trace (a second free after rc_tombs other frees is
 * counted as "never allocated").  Since every free is checked here, the
 * stack runs unchecked (kmem_set_checking and pool_cache_set_checking
 * off, as kernels without DIAGNOSTIC: no live map in kmem, no ownership
 * test in pool_cache_put), except in --enable-sanity builds, where the
 * stack checks the replay too.  All anomalies except deadlocks are
 * therefore found while reading, in trace order: that makes them
 * independent of the configuration.  Call sites and cache names are
 * interned to string ids; the reader's string keys (te_sitekey,
 * te_cachekey) index two small direct-mapped caches in front of that, so
 * a string seen again costs one compare instead of a hash of its text.
 *
 * ---- 3. Scheduling
 *
 * Every thread (trace tid) has a ring queue of its events in program
 * order.  Only a thread's first event (its head) is a candidate.  A head
 * is eligible at  elig = max(recorded time - first time, notbefore)  in
 * trace timing, or  notbefore  in afap timing, where notbefore is when
 * the thread's previous event ended, or when a sleeper was woken; a free
 * (or an allocation that frees a live pointer first) is also eligible no
 * earlier than the end of the allocation of its object.  It starts at
 * max(elig, clock of its vCPU).  Each vCPU keeps two heaps of heads: ready
 * (elig <= clock; by event number) and future (by elig, then event
 * number).  A vCPU's candidate starts at its clock if ready is not empty,
 * else at the first future elig; an indexed heap of the vCPUs keyed by
 * (start, vCPU) gives the next event to run.  Everything is O(log n) per
 * event, with no allocation per event (the rings, slots and maps grow by
 * doubling).
 *
 * A free whose object's allocation has not run yet (it is queued on
 * another thread) parks its thread on the object (T_WAITOBJ); the
 * allocation makes it a candidate again.  Dependencies always point back
 * in the trace, so they never form a cycle.
 *
 * ---- 4. Mapping
 *
 * See kmemlab/replay.h, section 4.  Details: an allocation of 0 bytes
 * gives an object with no memory (freeing it does nothing); a recorded
 * allocation that failed (pointer 0) is tried, and freed again at once
 * if it succeeds, because no later event can free it; kfree(NULL) and
 * the like run and do nothing; realloc's copy is charged at
 * RP_COPY_BYTES_PER_NS; the memalign family and vmem events round sizes
 * up to their arena's quantum, and alignments below it to none.  Page
 * sizes are the trace's page size << order.
 *
 * ---- 5. Sleeping
 *
 * A failed allocation that may sleep (KML_TEF_SLEEP in thread context)
 * first runs the pagedaemon; if that reclaimed anything it is tried once
 * more.  Then its thread blocks on the channel of the layer that failed:
 * "poolwait" (pool_caches: kmem size classes, traced caches and pools),
 * "pagewait" (page events and large kmem allocations) or "vmemwait"
 * (memalign family, traced arenas).  Pools get their pages from the page
 * layer, so a free on the pool or page layer wakes both poolwait and
 * pagewait; a vmem free wakes vmemwait.  A woken thread tries its event
 * again (and may block again; a sleep is counted once per event).  When
 * no thread can run and nothing is left to read, every thread with
 * events left is blocked: a deadlock.
 *
 * ---- 6. Results
 *
 * Per site (call site and cache), per vCPU and in total; a free is
 * counted at the site that allocated its object, so allocs - frees ==
 * live per site.  Samples are taken when the latest vCPU clock first
 * crosses each multiple of rc_sample_ns.
 *
 * ---- 7. Lock waits
 *
 * kml_mutex_enter calls eo_lockwait with the wait before it advances the
 * clock by it; rp_env_lockwait adds it to the current vCPU's
 * rcpu_lock_wait_ns (not in observer mode, where nothing waits).  The
 * wait is also part of rcpu_busy_ns, like every advance during an event.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/gfp.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>
#include <kmemlab/uvm_km.h>
#include <kmemlab/vmem.h>

#include "bits.h"

#define RP_NONE		UINT32_MAX	/* no object, thread or site */
#define RP_TOMB		UINT32_C(0x80000000) /* pointer map: RP_TOMB + n, freed
					   in the trace by the nth tombstone */
#define RP_TOMBGEN	(UINT32_C(1) << 30)	/* tombstone numbers, mod this */
#define RP_DEFTOMBS	(UINT32_C(1) << 18)	/* tombstones kept (section 2) */
#define RP_SKIPPED	(UINT32_MAX - 2) /* pointer map: a skipped slab page */
#define RP_DEFWINDOW	(UINT64_C(1) << 12)	/* default look-ahead, events */
#define RP_PROGRESS	(UINT64_C(1) << 20)	/* events between progress calls */
#define RP_COPY_BYTES_PER_NS 16		/* realloc's copy: 16 bytes per virtual ns
					   (a warm-cache memcpy of a 2020s core) */
#define RP_ARENA_QUANTUM 4096		/* traced vmem arenas' quantum, bytes */
#define RP_KCACHEBITS	10
#define RP_KCACHE	(1u << RP_KCACHEBITS)	/* entries of the string-key caches */

/* Pointer families (section 2); 0 marks an empty map entry. */
enum { RF_SLAB = 1, RF_PAGE, RF_USER, RF_VMEM, RF_POOL };

/* What an event does when it runs. */
enum {
	RK_NOP = 0,	/* a free of NULL: nothing */
	RK_ALLOC,	/* allocate e_obj (free e_old first: live realloc) */
	RK_FREE,	/* free e_old */
	RK_REALLOC,	/* allocate e_obj, copy, free e_old */
	RK_TRY		/* a recorded failure: try, and free at once */
};

/* Wait channels (section 5). */
enum { RC_POOL = 0, RC_PAGE, RC_VMEM, RC_NCHAN };
static const char *const rp_chan_names[RC_NCHAN] = {
	"poolwait", "pagewait", "vmemwait"
};

/* One queued event. */
struct rp_ev {
	uint64_t e_seq;		/* event number, from 1 */
	uint64_t e_ts;		/* recorded time, trace units */
	kml_vtime_t e_rel;	/* ns since the trace's first event */
	uint64_t e_ptr;		/* recorded pointer */
	uint64_t e_size;	/* bytes requested (pages: pagesize << order) */
	uint64_t e_aux;		/* alignment (memalign, vmem); object size (caches, pools) */
	uint32_t e_obj;		/* slot allocated, or RP_NONE */
	uint32_t e_old;		/* slot freed, or RP_NONE */
	uint32_t e_site;	/* site index */
	uint32_t e_name;	/* cache, pool or arena name (string id), 0 none */
	uint32_t e_cpu;		/* trace CPU */
	uint8_t e_op;		/* enum kml_trace_op */
	uint8_t e_ctx;		/* trace context */
	uint8_t e_flags;	/* KML_TEF_* */
	uint8_t e_kind;		/* RK_* */
};

/* How an object goes back. */
enum { RO_NONE = 0, RO_KMEM, RO_CACHE, RO_UVM, RO_VA, RO_VMEM };
enum { OS_PENDING = 0, OS_LIVE, OS_FAILED };

/* An object slot: one allocation of the trace and its replayed object. */
struct rp_obj {
	uint64_t o_addr;	/* replayed address */
	uint64_t o_size;	/* size to give back (kmem: as asked) */
	uint64_t o_bytes;	/* bytes the stack gave */
	uint64_t o_req;		/* recorded size (the allocation's) */
	uint64_t o_seq;		/* allocating event */
	kml_vtime_t o_done;	/* when the allocation ended (its vCPU's clock) */
	void *o_where;		/* pool_cache_t or vmem_t * */
	uint32_t o_site;	/* site of the allocation */
	uint32_t o_name;	/* cache, pool or arena name (string id) */
	uint32_t o_waiter;	/* thread waiting for the allocation, RP_NONE */
	uint32_t o_next;	/* free-slot list */
	uint16_t o_vcpu;	/* vCPU that allocated it */
	uint8_t o_state;	/* OS_* */
	uint8_t o_how;		/* RO_* */
	uint8_t o_order;	/* page events: order */
	uint8_t o_op;		/* allocating operation */
};

enum { T_IDLE = 0, T_QUEUED, T_WAITOBJ, T_SLEEP };

/* A trace thread. */
struct rp_thread {
	uint32_t t_tid;
	uint32_t t_vcpu;	/* spread: its vCPU */
	struct rp_ev *t_q;	/* ring of queued events */
	uint32_t t_qcap;	/* a power of two */
	uint32_t t_qhead;
	uint32_t t_qlen;
	uint32_t t_state;	/* T_* */
	uint32_t t_chan;	/* T_SLEEP: channel */
	uint32_t t_snext;	/* T_SLEEP: next sleeper on the channel */
	bool t_slept;		/* the head event counted as a sleep */
	kml_vtime_t t_notbefore;
};

/* A heap element: a thread's head, keyed (k1, k2). */
struct rp_hent {
	uint64_t h_k1;
	uint64_t h_k2;
	uint32_t h_thr;
};

struct rp_heap {
	struct rp_hent *hp_v;
	uint32_t hp_n, hp_cap;
};

/* An entry of the heap of vCPUs: a vCPU and its candidate start. */
struct rp_cent {
	kml_vtime_t ce_key;
	uint32_t ce_cpu;
};

struct rp_vcpu {
	kml_vtime_t c_clock;
	struct rp_heap c_ready;		/* elig <= clock, by event number */
	struct rp_heap c_future;	/* elig > clock, by (elig, event number) */
	struct kml_replay_cpu c_st;
	int32_t c_pos;			/* position in the CPU heap, -1 none */
};

/* A string (call site, cache, pool or arena name) and what hangs on it. */
struct rp_str {
	char *s_str;
	uint64_t s_hash;
	pool_cache_t s_cache;		/* traced kmem_cache */
	pool_cache_t s_pool;		/* traced pool */
	vmem_t *s_arena;		/* traced arena */
};

/* Open addressing: nonzero 64-bit key -> 32-bit value. */
struct rp_map {
	uint64_t *m_key;
	uint32_t *m_val;
	uint64_t m_cap, m_n;		/* cap: a power of two */
};

/*
 * A cache entry keyed by the reader's string keys (te_sitekey,
 * te_cachekey): direct-mapped, k_key 0 empty.
 */
struct rp_kent {
	uint64_t k_key;
	uint32_t k_aux;			/* r_scache: the name id */
	uint32_t k_val;			/* string id or site index */
};

/* The pointer map's entries. */
struct rp_pent {
	uint64_t p_ptr;
	uint32_t p_tag;			/* family | namespace << 3; 0: empty */
	uint32_t p_val;			/* slot, RP_TOMB + n or RP_SKIPPED */
};

/* rp_freed: the pointer map value v says "freed in the trace". */
static inline bool
rp_freed(uint32_t v)
{
	return v >= RP_TOMB && v - RP_TOMB < RP_TOMBGEN;
}

struct kml_replay {
	struct kml_replay_config r_rc;
	struct kml_replay_hooks r_hooks;
	struct kml_trace *r_trace;
	uint64_t r_pagesize;		/* the trace's */
	uint64_t r_clock_ns;		/* ns per trace unit */
	uint64_t r_t0;			/* first event's time */
	unsigned r_ncpu;
	unsigned r_status;
	volatile sig_atomic_t r_stop;
	bool r_eof, r_readerr;
	char r_err[2048];

	/* the environment */
	unsigned r_cur;
	uint64_t r_curtid;
	enum kml_context r_curctx;
	bool r_obs;			/* observing (rp_observe): the clock reads 0 */

	/* vCPUs */
	struct rp_vcpu *r_cpu;
	struct rp_cent *r_cheap;	/* heap of vCPUs by (candidate start, index) */
	uint32_t r_ncheap;
	kml_vtime_t r_maxclock;

	/* threads */
	struct rp_thread *r_thr;
	uint32_t r_nthr, r_capthr;
	struct rp_map r_tidmap;
	uint64_t r_queued;		/* events in the queues */
	uint32_t r_sleepers[RC_NCHAN];	/* first sleeper per channel */
	struct kml_wchan r_wchan[RC_NCHAN];

	/* objects */
	struct rp_obj *r_obj;
	uint32_t r_nobj, r_capobj, r_freeobj;
	struct rp_pent *r_pmap;
	uint64_t r_pcap, r_pn;
	uint64_t *r_tptr;		/* tombstones: ring of rc_tombs keys */
	uint32_t *r_ttag;
	uint32_t r_tn;			/* tombstones in the ring */
	uint64_t r_tnext;		/* number of the next tombstone */

	/* strings and sites */
	struct rp_str *r_str;
	uint32_t r_nstr, r_capstr;
	uint32_t *r_strhash;		/* open addressing of string ids */
	uint64_t r_strcap;
	struct rp_kent r_kcache[RP_KCACHE]; /* string key -> id (rp_intern_key) */
	struct rp_kent r_scache[RP_KCACHE]; /* (site key, name) -> site (rp_site_key) */
	struct kml_replay_site *r_site;
	uint32_t r_nsite, r_capsite;
	struct rp_map r_sitemap;
	uint32_t *r_arenas;		/* traced arenas' string ids, first use order */
	uint32_t r_narenas;

	/* results */
	struct kml_replay_totals r_tot;
	uint64_t r_live_bytes;
	kml_vtime_t r_next_sample;
	uint64_t r_prev_hits, r_prev_gets;
	uint64_t r_tick_left;		/* events until the next rh_tick, 0: none */
};

static struct kml_replay *rp_active;	/* the replay that owns the stack */

/* ---- small helpers */

static void *
rp_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	KML_ASSERTMSG(q != NULL || n == 0, "replay: out of memory (%zu bytes)",
	    n);
	return q;
}

static inline uint64_t
rp_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static uint64_t
rp_roundup(uint64_t x, uint64_t q)
{
	if (x > UINT64_MAX - (q - 1))
		return 0;
	return (x + q - 1) & ~(q - 1);
}

static uint64_t
rp_pow2up(uint64_t x)
{
	if (x <= 1)
		return x;
	if (x > (UINT64_C(1) << 63))
		return 0;
	return UINT64_C(1) << (kml_log2(x - 1) + 1);
}

/* ---- maps */

/* rp_map_find: the value of key (nonzero), or RP_NONE. */
static uint32_t
rp_map_find(const struct rp_map *m, uint64_t key)
{
	uint64_t i;

	if (m->m_cap == 0)
		return RP_NONE;
	for (i = rp_mix(key) & (m->m_cap - 1); m->m_key[i] != 0;
	    i = (i + 1) & (m->m_cap - 1))
		if (m->m_key[i] == key)
			return m->m_val[i];
	return RP_NONE;
}

static void rp_map_put(struct rp_map *m, uint64_t key, uint32_t val);

static void
rp_map_grow(struct rp_map *m)
{
	struct rp_map old = *m;

	m->m_cap = old.m_cap != 0 ? 2 * old.m_cap : 64;
	m->m_key = calloc(m->m_cap, sizeof(*m->m_key));
	m->m_val = calloc(m->m_cap, sizeof(*m->m_val));
	KML_ASSERTMSG(m->m_key != NULL && m->m_val != NULL,
	    "replay: out of memory");
	m->m_n = 0;
	for (uint64_t i = 0; i < old.m_cap; i++)
		if (old.m_key[i] != 0)
			rp_map_put(m, old.m_key[i], old.m_val[i]);
	free(old.m_key);
	free(old.m_val);
}

/* rp_map_put: key (nonzero) -> val, new or replaced. */
static void
rp_map_put(struct rp_map *m, uint64_t key, uint32_t val)
{
	uint64_t i;

	if (2 * (m->m_n + 1) > m->m_cap)
		rp_map_grow(m);
	for (i = rp_mix(key) & (m->m_cap - 1); m->m_key[i] != 0;
	    i = (i + 1) & (m->m_cap - 1))
		if (m->m_key[i] == key) {
			m->m_val[i] = val;
			return;
		}
	m->m_key[i] = key;
	m->m_val[i] = val;
	m->m_n++;
}

static void
rp_map_free(struct rp_map *m)
{
	free(m->m_key);
	free(m->m_val);
	memset(m, 0, sizeof(*m));
}

/* rp_pmap_home: the pointer map's first probe for (tag, ptr). */
static inline uint64_t
rp_pmap_home(const struct kml_replay *r, uint32_t tag, uint64_t ptr)
{
	return rp_mix(ptr ^ ((uint64_t)tag << 40) ^ tag) & (r->r_pcap - 1);
}

/*
 * rp_pmap_slot: the pointer map's entry for (tag, ptr): found, or the
 * empty entry where it goes (p_tag 0).  The map is never full.
 */
static struct rp_pent *
rp_pmap_slot(struct kml_replay *r, uint32_t tag, uint64_t ptr)
{
	uint64_t i = rp_pmap_home(r, tag, ptr);

	for (;; i = (i + 1) & (r->r_pcap - 1)) {
		struct rp_pent *p = &r->r_pmap[i];

		if (p->p_tag == 0 || (p->p_tag == tag && p->p_ptr == ptr))
			return p;
	}
}

/* rp_pmap_set: (tag, ptr) -> val. */
static void
rp_pmap_set(struct kml_replay *r, struct rp_pent *p, uint32_t tag,
    uint64_t ptr, uint32_t val)
{
	if (p->p_tag != 0) {
		p->p_val = val;
		return;
	}
	p->p_tag = tag;
	p->p_ptr = ptr;
	p->p_val = val;
	if (2 * ++r->r_pn > r->r_pcap) {
		struct rp_pent *old = r->r_pmap;
		uint64_t oldcap = r->r_pcap;

		r->r_pcap *= 2;
		r->r_pmap = calloc(r->r_pcap, sizeof(*r->r_pmap));
		KML_ASSERTMSG(r->r_pmap != NULL, "replay: out of memory");
		for (uint64_t i = 0; i < oldcap; i++)
			if (old[i].p_tag != 0)
				*rp_pmap_slot(r, old[i].p_tag, old[i].p_ptr) =
				    old[i];
		free(old);
	}
}

/* rp_pmap_del: remove entry p (backward-shift deletion: no tombs in the table). */
static void
rp_pmap_del(struct kml_replay *r, struct rp_pent *p)
{
	uint64_t mask = r->r_pcap - 1, i = (uint64_t)(p - r->r_pmap), k = i;

	for (;;) {
		k = (k + 1) & mask;
		if (r->r_pmap[k].p_tag == 0)
			break;
		uint64_t h = rp_pmap_home(r, r->r_pmap[k].p_tag,
		    r->r_pmap[k].p_ptr);

		/* k's entry may fill the hole at i if its home is not in (i, k] */
		if (i <= k ? (h <= i || h > k) : (h <= i && h > k)) {
			r->r_pmap[i] = r->r_pmap[k];
			i = k;
		}
	}
	r->r_pmap[i].p_tag = 0;
	r->r_pn--;
}

/*
 * rp_tomb: mark entry p freed in the trace, with the next tombstone
 * number, and forget the oldest freed pointer when rc_tombs are kept
 * (section 2).  => p is not used by the caller afterwards (the table
 * may shift).
 */
static void
rp_tomb(struct kml_replay *r, struct rp_pent *p)
{
	uint64_t n = r->r_tnext++;
	uint32_t tag = p->p_tag;
	uint64_t ptr = p->p_ptr;

	p->p_val = RP_TOMB + (uint32_t)(n % RP_TOMBGEN);
	if (r->r_tn == r->r_rc.rc_tombs) {
		uint64_t old = n - r->r_rc.rc_tombs;
		uint32_t oi = (uint32_t)(old & (r->r_rc.rc_tombs - 1));
		struct rp_pent *q = rp_pmap_slot(r, r->r_ttag[oi],
		    r->r_tptr[oi]);

		/* still that free's tombstone: not freed again nor reused */
		if (q->p_tag != 0 && q->p_val == RP_TOMB +
		    (uint32_t)(old % RP_TOMBGEN))
			rp_pmap_del(r, q);
		r->r_tn--;
	}
	r->r_ttag[n & (r->r_rc.rc_tombs - 1)] = tag;
	r->r_tptr[n & (r->r_rc.rc_tombs - 1)] = ptr;
	r->r_tn++;
}

/* ---- strings and sites */

static uint64_t
rp_strhash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h | 1;
}

/* rp_intern: the id of string s (0 for NULL), entered on first sight. */
static uint32_t
rp_intern(struct kml_replay *r, const char *s)
{
	uint64_t h, i;
	uint32_t id;

	if (s == NULL)
		return 0;
	h = rp_strhash(s);
	for (i = h & (r->r_strcap - 1); (id = r->r_strhash[i]) != 0;
	    i = (i + 1) & (r->r_strcap - 1))
		if (r->r_str[id].s_hash == h && strcmp(r->r_str[id].s_str, s) == 0)
			return id;
	if (r->r_nstr == r->r_capstr) {
		r->r_capstr *= 2;
		r->r_str = rp_xrealloc(r->r_str, r->r_capstr * sizeof(*r->r_str));
	}
	id = r->r_nstr++;
	memset(&r->r_str[id], 0, sizeof(r->r_str[id]));
	r->r_str[id].s_str = strdup(s);
	KML_ASSERTMSG(r->r_str[id].s_str != NULL, "replay: out of memory");
	r->r_str[id].s_hash = h;
	r->r_strhash[i] = id;
	if (2 * r->r_nstr > r->r_strcap) {
		free(r->r_strhash);
		r->r_strcap *= 2;
		r->r_strhash = calloc(r->r_strcap, sizeof(*r->r_strhash));
		KML_ASSERTMSG(r->r_strhash != NULL, "replay: out of memory");
		for (uint32_t k = 1; k < r->r_nstr; k++) {
			for (i = r->r_str[k].s_hash & (r->r_strcap - 1);
			    r->r_strhash[i] != 0; i = (i + 1) & (r->r_strcap - 1))
				continue;
			r->r_strhash[i] = k;
		}
	}
	return id;
}

static const char *
rp_str(const struct kml_replay *r, uint32_t id)
{
	return id != 0 ? r->r_str[id].s_str : NULL;
}

/* rp_site: the site index of (call site, name), entered on first sight. */
static uint32_t
rp_site(struct kml_replay *r, uint32_t site, uint32_t name)
{
	uint64_t key = ((uint64_t)site << 32 | name) + 1;
	uint32_t idx = rp_map_find(&r->r_sitemap, key);
	struct kml_replay_site *s;
	const char *sn = site != 0 ? rp_str(r, site) : "(none)";
	size_t len;
	char *buf;

	if (idx != RP_NONE)
		return idx;
	if (r->r_nsite == r->r_capsite) {
		r->r_capsite = r->r_capsite != 0 ? 2 * r->r_capsite : 64;
		r->r_site = rp_xrealloc(r->r_site,
		    r->r_capsite * sizeof(*r->r_site));
	}
	idx = r->r_nsite++;
	s = &r->r_site[idx];
	memset(s, 0, sizeof(*s));
	len = strlen(sn) + (name != 0 ? strlen(rp_str(r, name)) + 3 : 0) + 1;
	buf = rp_xrealloc(NULL, len);
	if (name != 0)
		snprintf(buf, len, "%s [%s]", sn, rp_str(r, name));
	else
		snprintf(buf, len, "%s", sn);
	s->rs_site = buf;
	rp_map_put(&r->r_sitemap, key, idx);
	return idx;
}

/* rp_kslot: the string-key caches' entry for key. */
static inline uint32_t
rp_kslot(uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >>
	    (64 - RP_KCACHEBITS));
}

/*
 * rp_intern_key: rp_intern(r, s), remembered under the reader's key for
 * s (te_sitekey, te_cachekey; 0: none), so that a string seen again is
 * neither hashed nor compared.
 */
static uint32_t
rp_intern_key(struct kml_replay *r, const char *s, uint64_t key)
{
	struct rp_kent *k;

	if (key == 0)
		return rp_intern(r, s);
	k = &r->r_kcache[rp_kslot(key)];
	if (k->k_key != key) {
		k->k_key = key;
		k->k_val = rp_intern(r, s);
	}
	return k->k_val;
}

/*
 * rp_site_key: the site index of (call site s, name), remembered under
 * s's string key (0: none), so that a site seen again is found without
 * interning s.
 */
static uint32_t
rp_site_key(struct kml_replay *r, const char *s, uint64_t key, uint32_t name)
{
	struct rp_kent *k;

	if (key == 0)
		return rp_site(r, rp_intern(r, s), name);
	k = &r->r_scache[rp_kslot(key ^ ((uint64_t)name << 32))];
	if (k->k_key != key || k->k_aux != name) {
		k->k_key = key;
		k->k_aux = name;
		k->k_val = rp_site(r, rp_intern(r, s), name);
	}
	return k->k_val;
}

/* ---- policies */

static const char *const rp_fit_names[] = { "instant", "best", "next" };

static int
rp_fit_index(int strategy)
{
	return strategy == VM_BESTFIT ? 1 : strategy == VM_NEXTFIT ? 2 : 0;
}

/*
 * rp_policy_builtin: the built-in policy name in *po.
 * => returns 0, or -1 if name is not built in.
 *
 * netbsd: NetBSD's vmem instant fit, its kmem size classes, fixed
 * magazines of 15 (63 for PR_LARGECACHE), the uvm defaults.
 * illumos: instant fit, illumos size classes, adaptive magazines with
 * working-set trimming every 15 s.
 * freebsd: instant fit (M_FIRSTFIT) and NetBSD's size classes, as the
 * brief chose; magazines like UMA's per-CPU buckets: UMA grows a zone's
 * bucket size whenever it fails to take the zone lock (uz_bucket_size++
 * on lock contention), so adaptive with a threshold of 0 contended
 * acquisitions per interval; and it trims its bucket caches to their
 * working-set estimate every UMA_TIMEOUT (20 s): trimming at 20 s.
 */
static int
rp_policy_builtin(struct kml_policy *po, const char *name)
{
	bool nb = strcmp(name, "netbsd") == 0, il = strcmp(name, "illumos") == 0,
	    fb = strcmp(name, "freebsd") == 0;

	if (!nb && !il && !fb)
		return -1;
	memset(po, 0, sizeof(*po));
	snprintf(po->po_name, sizeof(po->po_name), "%s", name);
	po->po_vmem_strategy = VM_INSTANTFIT;
	po->po_classes = il ? KMEM_CLASSES_ILLUMOS : KMEM_CLASSES_NETBSD;
	pool_cache_policy_default(&po->po_mag, il ? "illumos" : "netbsd");
	if (fb) {
		po->po_mag.pcp_adaptive = true;
		po->po_mag.pcp_contention = 0;
		po->po_mag.pcp_trim = true;
		po->po_mag.pcp_interval_ns = UINT64_C(20000000000);
	}
	uvm_params_default(&po->po_uvm);
	po->po_cpus = 0;
	return 0;
}

/* rp_parse_u64: all of s as a number (decimal, 0x hex). */
static bool
rp_parse_u64(const char *s, uint64_t *vp)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*vp = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static int
rp_parse_bool(const char *s)
{
	if (strcmp(s, "yes") == 0)
		return 1;
	if (strcmp(s, "no") == 0)
		return 0;
	return -1;
}

/* rp_parse_bytes: a number of bytes with an optional K, M, G or T suffix. */
static bool
rp_parse_bytes(const char *s, uint64_t *vp)
{
	char buf[64];
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	}
	if (shift != 0)
		buf[--n] = '\0';
	if (!rp_parse_u64(buf, vp) || (*vp << shift) >> shift != *vp)
		return false;
	*vp <<= shift;
	return true;
}

#define RP_BAD(what) do {						\
	snprintf(errbuf, errlen, "bad value '%s' for key '%s' (%s)",	\
	    val, key, what);						\
	return -1;							\
} while (0)

/*
 * rp_policy_set1: key = val on po.
 * => returns 0; -1 with "bad value ..." in errbuf; -2 for an unknown key
 *    (errbuf untouched).
 */
static int
rp_policy_set1(struct kml_policy *po, const char *key, const char *val,
    char *errbuf, size_t errlen)
{
	uint64_t v;
	int b;

	if (strcmp(key, "fit") == 0) {
		if (strcmp(val, "instant") == 0)
			po->po_vmem_strategy = VM_INSTANTFIT;
		else if (strcmp(val, "best") == 0)
			po->po_vmem_strategy = VM_BESTFIT;
		else if (strcmp(val, "next") == 0)
			po->po_vmem_strategy = VM_NEXTFIT;
		else
			RP_BAD("instant, best or next");
	} else if (strcmp(key, "classes") == 0) {
		if (strcmp(val, "netbsd") == 0)
			po->po_classes = KMEM_CLASSES_NETBSD;
		else if (strcmp(val, "illumos") == 0)
			po->po_classes = KMEM_CLASSES_ILLUMOS;
		else
			RP_BAD("netbsd or illumos");
	} else if (strcmp(key, "magazines") == 0) {
		if (strcmp(val, "off") == 0)
			po->po_mag.pcp_nomag = true;
		else if (pool_cache_policy_default(&po->po_mag, val) != 0)
			RP_BAD("netbsd, illumos or off");
	} else if (strcmp(key, "mag_layer") == 0) {
		if ((b = rp_parse_bool(val)) < 0)
			RP_BAD("yes or no");
		po->po_mag.pcp_nomag = !b;
	} else if (strcmp(key, "magsize") == 0 ||
	    strcmp(key, "magsize_large") == 0) {
		if (!rp_parse_u64(val, &v) || v == 0 || v > 65536)
			RP_BAD("1 to 65536");
		if (key[7] == '\0')
			po->po_mag.pcp_magsize = (unsigned)v;
		else
			po->po_mag.pcp_magsize_large = (unsigned)v;
	} else if (strcmp(key, "mag_adaptive") == 0 ||
	    strcmp(key, "depot_trim") == 0) {
		if ((b = rp_parse_bool(val)) < 0)
			RP_BAD("yes or no");
		if (key[0] == 'm')
			po->po_mag.pcp_adaptive = b;
		else
			po->po_mag.pcp_trim = b;
	} else if (strcmp(key, "mag_contention") == 0) {
		if (!rp_parse_u64(val, &v))
			RP_BAD("a number");
		po->po_mag.pcp_contention = v;
	} else if (strcmp(key, "mag_interval_ms") == 0) {
		if (!rp_parse_u64(val, &v) || v == 0 ||
		    v > UINT64_MAX / 1000000)
			RP_BAD("milliseconds, at least 1");
		po->po_mag.pcp_interval_ns = v * 1000000;
	} else if (strcmp(key, "physmem") == 0) {
		if (!rp_parse_bytes(val, &v) || v < po->po_uvm.up_pagesize)
			RP_BAD("bytes, at least a page, with K, M or G");
		po->po_uvm.up_physpages = v / po->po_uvm.up_pagesize;
	} else if (strcmp(key, "pagesize") == 0) {
		uint64_t bytes = po->po_uvm.up_physpages * po->po_uvm.up_pagesize;

		if (!rp_parse_u64(val, &v) || !kml_ispow2(v) || v < 512 ||
		    v > (UINT64_C(1) << 30))
			RP_BAD("a power of two from 512");
		po->po_uvm.up_pagesize = v;
		po->po_uvm.up_physpages = bytes / v > 0 ? bytes / v : 1;
	} else if (strcmp(key, "lowat") == 0 || strcmp(key, "hiwat") == 0) {
		if (!rp_parse_u64(val, &v))
			RP_BAD("pages, 0 for the default");
		if (key[0] == 'l')
			po->po_uvm.up_lowat = v;
		else
			po->po_uvm.up_hiwat = v;
	} else if (strcmp(key, "cpus") == 0) {
		if (!rp_parse_u64(val, &v) || v > KML_MAXCPUS)
			RP_BAD("0 to 1024");
		po->po_cpus = (unsigned)v;
	} else
		return -2;
	return 0;
}

#undef RP_BAD

/* rp_trim: s without leading and trailing blanks (in place). */
static char *
rp_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
kml_policy_set(struct kml_policy *po, const char *kv, char *errbuf,
    size_t errlen)
{
	char buf[512], *eq, *key, *val;
	int rc;

	if (strlen(kv) >= sizeof(buf)) {
		snprintf(errbuf, errlen, "policy setting too long");
		return -1;
	}
	memcpy(buf, kv, strlen(kv) + 1);
	if ((eq = strchr(buf, '=')) == NULL) {
		snprintf(errbuf, errlen, "expected key=value, not '%s'", kv);
		return -1;
	}
	*eq = '\0';
	key = rp_trim(buf);
	val = rp_trim(eq + 1);
	rc = rp_policy_set1(po, key, val, errbuf, errlen);
	if (rc == -2)
		snprintf(errbuf, errlen, "unknown policy key '%s'", key);
	return rc == 0 ? 0 : -1;
}

int
kml_policy_load(struct kml_policy *po, const char *name, char *errbuf,
    size_t errlen)
{
	struct kml_policy p;
	char line[1024], msg[512], *s, *eq, *key, *val;
	unsigned lineno = 0;
	bool first = true;
	FILE *fp;
	int rc;

	if (rp_policy_builtin(po, name) == 0)
		return 0;
	if ((fp = fopen(name, "r")) == NULL) {
		if (errno == ENOENT)
			snprintf(errbuf, errlen, "unknown policy '%s' (netbsd, "
			    "illumos, freebsd, or a file)", name);
		else
			snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	rp_policy_builtin(&p, "netbsd");
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		s = rp_trim(line);
		if (*s == '\0')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(errbuf, errlen, "%s:%u: expected 'key = value'",
			    name, lineno);
			goto fail;
		}
		*eq = '\0';
		key = rp_trim(s);
		val = rp_trim(eq + 1);
		if (strcmp(key, "base") == 0) {
			if (!first) {
				snprintf(errbuf, errlen, "%s:%u: 'base' must be "
				    "the first line", name, lineno);
				goto fail;
			}
			if (rp_policy_builtin(&p, val) != 0) {
				snprintf(errbuf, errlen, "%s:%u: unknown base "
				    "policy '%s' (netbsd, illumos or freebsd)",
				    name, lineno, val);
				goto fail;
			}
			first = false;
			continue;
		}
		first = false;
		rc = rp_policy_set1(&p, key, val, msg, sizeof(msg));
		if (rc == -2) {
			snprintf(errbuf, errlen, "%s:%u: unknown key '%s'", name,
			    lineno, key);
			goto fail;
		}
		if (rc != 0) {
			snprintf(errbuf, errlen, "%s:%u: %s", name, lineno, msg);
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
		goto fail;
	}
	fclose(fp);
	snprintf(p.po_name, sizeof(p.po_name), "%s", name);
	*po = p;
	return 0;
fail:
	fclose(fp);
	return -1;
}

/* rp_format_bytes: bytes with the largest exact binary suffix. */
static void
rp_format_bytes(uint64_t v, char *buf, size_t len)
{
	static const char sfx[] = "KMGT";
	int i = -1;

	while (v != 0 && i < 3 && (v & 1023) == 0) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, sfx[i]);
}

size_t
kml_policy_format(const struct kml_policy *po, char *buf, size_t len)
{
	char phys[32];
	int n;

	rp_format_bytes(po->po_uvm.up_physpages * po->po_uvm.up_pagesize, phys,
	    sizeof(phys));
	n = snprintf(buf, len, "fit=%s classes=%s mag_layer=%s magsize=%u "
	    "magsize_large=%u mag_adaptive=%s mag_contention=%" PRIu64
	    " depot_trim=%s mag_interval_ms=%" PRIu64 " physmem=%s pagesize=%"
	    PRIu64 " lowat=%" PRIu64 " hiwat=%" PRIu64 " cpus=%u",
	    rp_fit_names[rp_fit_index(po->po_vmem_strategy)],
	    po->po_classes == KMEM_CLASSES_ILLUMOS ? "illumos" : "netbsd",
	    po->po_mag.pcp_nomag ? "no" : "yes",
	    po->po_mag.pcp_magsize, po->po_mag.pcp_magsize_large,
	    po->po_mag.pcp_adaptive ? "yes" : "no", po->po_mag.pcp_contention,
	    po->po_mag.pcp_trim ? "yes" : "no",
	    po->po_mag.pcp_interval_ns / 1000000, phys, po->po_uvm.up_pagesize,
	    po->po_uvm.up_lowat, po->po_uvm.up_hiwat, po->po_cpus);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- the environment */

static unsigned
rp_env_ncpu(void *arg)
{
	return ((struct kml_replay *)arg)->r_ncpu;
}

static unsigned
rp_env_curcpu(void *arg)
{
	struct kml_replay *r = arg;

	return r->r_cur;
}

static uint64_t
rp_env_curtid(void *arg)
{
	struct kml_replay *r = arg;

	return r->r_curtid;
}

static enum kml_context
rp_env_context(void *arg)
{
	struct kml_replay *r = arg;

	return r->r_curctx;
}

static kml_vtime_t
rp_env_now(void *arg)
{
	struct kml_replay *r = arg;

	return r->r_obs ? 0 : r->r_cpu[r->r_cur].c_clock;
}

/*
 * rp_env_advance: move the current clock on.  (env.c calls neither this
 * nor rp_env_lockwait in observer mode.)
 */
static void
rp_env_advance(void *arg, kml_vtime_t ns)
{
	struct kml_replay *r = arg;

	r->r_cpu[r->r_cur].c_clock += ns;
}

/* rp_env_lockwait: the current vCPU waits ns for a lock (section 7). */
static void
rp_env_lockwait(void *arg, kml_vtime_t ns)
{
	struct kml_replay *r = arg;

	r->r_cpu[r->r_cur].c_st.rcpu_lock_wait_ns += ns;
}

static int
rp_env_sleep(void *arg, struct kml_wchan *wc, char *why, unsigned len)
{
	(void)arg;
	snprintf(why, len, "vsched: \"%s\": the replay calls allocators "
	    "without sleeping", wc->wc_name);
	return KML_EDEADLK;
}

static void
rp_env_wakeup(void *arg, struct kml_wchan *wc)
{
	(void)arg;
	(void)wc;
}

static const struct kml_env_ops rp_env_ops = {
	.eo_name = "vsched",
	.eo_ncpu = rp_env_ncpu,
	.eo_curcpu = rp_env_curcpu,
	.eo_curtid = rp_env_curtid,
	.eo_context = rp_env_context,
	.eo_now = rp_env_now,
	.eo_advance = rp_env_advance,
	.eo_sleep = rp_env_sleep,
	.eo_wakeup = rp_env_wakeup,
	.eo_lockwait = rp_env_lockwait,
};

/* rp_between: no event runs: CPU 0, thread 0, thread context. */
static void
rp_between(struct kml_replay *r)
{
	r->r_cur = 0;
	r->r_curtid = 0;
	r->r_curctx = KML_CTX_THREAD;
}

/* ---- heaps */

static inline bool
rp_hless(const struct rp_hent *a, const struct rp_hent *b)
{
	return a->h_k1 < b->h_k1 || (a->h_k1 == b->h_k1 && a->h_k2 < b->h_k2);
}

static void
rp_heap_push(struct rp_heap *h, uint64_t k1, uint64_t k2, uint32_t thr)
{
	struct rp_hent e = { k1, k2, thr };
	uint32_t i;

	if (h->hp_n == h->hp_cap) {
		h->hp_cap = h->hp_cap != 0 ? 2 * h->hp_cap : 16;
		h->hp_v = rp_xrealloc(h->hp_v, h->hp_cap * sizeof(*h->hp_v));
	}
	for (i = h->hp_n++; i > 0; i = (i - 1) / 2) {
		if (!rp_hless(&e, &h->hp_v[(i - 1) / 2]))
			break;
		h->hp_v[i] = h->hp_v[(i - 1) / 2];
	}
	h->hp_v[i] = e;
}

static struct rp_hent
rp_heap_pop(struct rp_heap *h)
{
	struct rp_hent top = h->hp_v[0], e = h->hp_v[--h->hp_n];
	uint32_t i = 0, c;

	while ((c = 2 * i + 1) < h->hp_n) {
		if (c + 1 < h->hp_n && rp_hless(&h->hp_v[c + 1], &h->hp_v[c]))
			c++;
		if (!rp_hless(&h->hp_v[c], &e))
			break;
		h->hp_v[i] = h->hp_v[c];
		i = c;
	}
	h->hp_v[i] = e;
	return top;
}

/* The heap of vCPUs, by (key, vCPU); each entry carries its key. */
static inline bool
rp_cless(const struct rp_cent *a, const struct rp_cent *b)
{
	return a->ce_key < b->ce_key ||
	    (a->ce_key == b->ce_key && a->ce_cpu < b->ce_cpu);
}

static inline void
rp_cheap_set(struct kml_replay *r, uint32_t i, struct rp_cent e)
{
	r->r_cheap[i] = e;
	r->r_cpu[e.ce_cpu].c_pos = (int32_t)i;
}

static void
rp_cheap_up(struct kml_replay *r, uint32_t i)
{
	struct rp_cent e = r->r_cheap[i];

	while (i > 0 && rp_cless(&e, &r->r_cheap[(i - 1) / 2])) {
		rp_cheap_set(r, i, r->r_cheap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	rp_cheap_set(r, i, e);
}

static void
rp_cheap_down(struct kml_replay *r, uint32_t i)
{
	struct rp_cent e = r->r_cheap[i];
	uint32_t c;

	while ((c = 2 * i + 1) < r->r_ncheap) {
		if (c + 1 < r->r_ncheap &&
		    rp_cless(&r->r_cheap[c + 1], &r->r_cheap[c]))
			c++;
		if (!rp_cless(&r->r_cheap[c], &e))
			break;
		rp_cheap_set(r, i, r->r_cheap[c]);
		i = c;
	}
	rp_cheap_set(r, i, e);
}

/*
 * rp_cpu_update: recompute vCPU v's candidate after its clock or heaps
 * changed: move the future heads that became eligible to ready, and
 * place v in the CPU heap (or take it out).
 */
static void
rp_cpu_update(struct kml_replay *r, uint32_t v)
{
	struct rp_vcpu *c = &r->r_cpu[v];
	int32_t pos = c->c_pos;

	while (c->c_future.hp_n > 0 && c->c_future.hp_v[0].h_k1 <= c->c_clock) {
		struct rp_hent e = rp_heap_pop(&c->c_future);

		rp_heap_push(&c->c_ready, 0, e.h_k2, e.h_thr);
	}
	if (c->c_ready.hp_n == 0 && c->c_future.hp_n == 0) {
		if (pos >= 0) {
			struct rp_cent last = r->r_cheap[--r->r_ncheap];

			c->c_pos = -1;
			if ((uint32_t)pos < r->r_ncheap) {
				rp_cheap_set(r, (uint32_t)pos, last);
				rp_cheap_up(r, (uint32_t)pos);
				rp_cheap_down(r,
				    (uint32_t)r->r_cpu[last.ce_cpu].c_pos);
			}
		}
		return;
	}
	kml_vtime_t key = c->c_ready.hp_n > 0 ? c->c_clock :
	    c->c_future.hp_v[0].h_k1;

	if (pos < 0) {
		pos = (int32_t)r->r_ncheap++;
		rp_cheap_set(r, (uint32_t)pos,
		    (struct rp_cent){ .ce_key = key, .ce_cpu = v });
		rp_cheap_up(r, (uint32_t)pos);
	} else if (key < r->r_cheap[pos].ce_key) {
		r->r_cheap[pos].ce_key = key;
		rp_cheap_up(r, (uint32_t)pos);
	} else if (key > r->r_cheap[pos].ce_key) {
		r->r_cheap[pos].ce_key = key;
		rp_cheap_down(r, (uint32_t)pos);
	}
}

/* ---- threads and their queues */

static inline struct rp_ev *
rp_head(struct rp_thread *t)
{
	return &t->t_q[t->t_qhead];
}

/* rp_second: the event after the head, or NULL. */
static inline struct rp_ev *
rp_second(struct rp_thread *t)
{
	return t->t_qlen > 1 ?
	    &t->t_q[(t->t_qhead + 1) & (t->t_qcap - 1)] : NULL;
}

static uint32_t
rp_thread(struct kml_replay *r, uint32_t tid)
{
	uint32_t idx = rp_map_find(&r->r_tidmap, (uint64_t)tid + 1);
	struct rp_thread *t;

	if (idx != RP_NONE)
		return idx;
	if (r->r_nthr == r->r_capthr) {
		r->r_capthr = r->r_capthr != 0 ? 2 * r->r_capthr : 64;
		r->r_thr = rp_xrealloc(r->r_thr, r->r_capthr * sizeof(*r->r_thr));
	}
	idx = r->r_nthr++;
	t = &r->r_thr[idx];
	memset(t, 0, sizeof(*t));
	t->t_tid = tid;
	t->t_vcpu = idx % r->r_ncpu;
	t->t_qcap = 16;
	t->t_q = rp_xrealloc(NULL, t->t_qcap * sizeof(*t->t_q));
	t->t_snext = RP_NONE;
	rp_map_put(&r->r_tidmap, (uint64_t)tid + 1, idx);
	return idx;
}

/*
 * rp_sched: make thread ti's head a candidate (or park it on the object
 * its free waits for).  => the queue is not empty; not sleeping.
 */
static void
rp_sched(struct kml_replay *r, uint32_t ti)
{
	struct rp_thread *t = &r->r_thr[ti];
	struct rp_ev *e = rp_head(t);
	struct rp_vcpu *c;
	kml_vtime_t elig;
	uint32_t v;

	if (e->e_old != RP_NONE && r->r_obj[e->e_old].o_state == OS_PENDING) {
		r->r_obj[e->e_old].o_waiter = ti;
		t->t_state = T_WAITOBJ;
		return;
	}
	v = r->r_rc.rc_cpumap == KML_CPUMAP_SPREAD ? t->t_vcpu :
	    e->e_cpu % r->r_ncpu;
	c = &r->r_cpu[v];
	elig = t->t_notbefore;
	if (r->r_rc.rc_timing == KML_TIMING_TRACE && e->e_rel > elig)
		elig = e->e_rel;
	if (e->e_old != RP_NONE && r->r_obj[e->e_old].o_done > elig)
		elig = r->r_obj[e->e_old].o_done;
	if (elig <= c->c_clock)
		rp_heap_push(&c->c_ready, 0, e->e_seq, ti);
	else
		rp_heap_push(&c->c_future, elig, e->e_seq, ti);
	t->t_state = T_QUEUED;
	rp_cpu_update(r, v);
	/*
	 * The thread's next event is scheduled when this one has run: fetch
	 * its queue entry into the cache meanwhile (rp_run fetches its
	 * objects); both were written long enough ago to have left it.
	 */
	if ((e = rp_second(t)) != NULL)
		__builtin_prefetch(e);
}

/* rp_enqueue: append e to thread ti's queue. */
static void
rp_enqueue(struct kml_replay *r, uint32_t ti, const struct rp_ev *e)
{
	struct rp_thread *t = &r->r_thr[ti];

	if (t->t_qlen == t->t_qcap) {
		struct rp_ev *q = rp_xrealloc(NULL, 2 * t->t_qcap * sizeof(*q));

		for (uint32_t i = 0; i < t->t_qlen; i++)
			q[i] = t->t_q[(t->t_qhead + i) & (t->t_qcap - 1)];
		free(t->t_q);
		t->t_q = q;
		t->t_qhead = 0;
		t->t_qcap *= 2;
	}
	t->t_q[(t->t_qhead + t->t_qlen++) & (t->t_qcap - 1)] = *e;
	r->r_queued++;
	if (t->t_qlen == 1 && t->t_state == T_IDLE)
		rp_sched(r, ti);
}

/* ---- objects */

static uint32_t
rp_obj_new(struct kml_replay *r)
{
	uint32_t i;

	if (r->r_freeobj != RP_NONE) {
		i = r->r_freeobj;
		r->r_freeobj = r->r_obj[i].o_next;
	} else {
		if (r->r_nobj == r->r_capobj) {
			KML_ASSERTMSG(r->r_capobj < RP_SKIPPED / 2,
			    "replay: too many live objects");
			r->r_capobj = r->r_capobj != 0 ? 2 * r->r_capobj : 1024;
			r->r_obj = rp_xrealloc(r->r_obj,
			    r->r_capobj * sizeof(*r->r_obj));
		}
		i = r->r_nobj++;
	}
	memset(&r->r_obj[i], 0, sizeof(r->r_obj[i]));
	r->r_obj[i].o_waiter = RP_NONE;
	r->r_obj[i].o_next = RP_NONE;
	return i;
}

static void
rp_obj_release(struct kml_replay *r, uint32_t i)
{
	r->r_obj[i].o_state = OS_FAILED;
	r->r_obj[i].o_how = RO_NONE;
	r->r_obj[i].o_next = r->r_freeobj;
	r->r_freeobj = i;
}

/* ---- anomalies */

static void
rp_anomaly(struct kml_replay *r, unsigned kind, uint64_t seq,
    const struct kml_trace_event *te, uint64_t ptr, uint64_t size,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void
rp_anomaly(struct kml_replay *r, unsigned kind, uint64_t seq,
    const struct kml_trace_event *te, uint64_t ptr, uint64_t size,
    const char *fmt, ...)
{
	struct kml_anomaly an;
	char detail[512];
	va_list ap;

	r->r_tot.rt_anomalies[kind]++;
	if (r->r_hooks.rh_anomaly == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	an.an_event = seq;
	an.an_ts = te->te_ts;
	an.an_cpu = te->te_cpu;
	an.an_tid = te->te_tid;
	an.an_kind = kind;
	an.an_ptr = ptr;
	an.an_size = size;
	an.an_detail = detail;
	r->r_hooks.rh_anomaly(r->r_hooks.rh_arg, &an);
}

/* ---- reading and pairing (section 2) */

static unsigned
rp_family(unsigned op)
{
	switch (op) {
	case KML_OP_KMALLOC: case KML_OP_KFREE:
	case KML_OP_CACHE_ALLOC: case KML_OP_CACHE_FREE:
		return RF_SLAB;
	case KML_OP_PAGE_ALLOC: case KML_OP_PAGE_FREE:
		return RF_PAGE;
	case KML_OP_VMEM_ALLOC: case KML_OP_VMEM_FREE:
		return RF_VMEM;
	case KML_OP_POOL_GET: case KML_OP_POOL_PUT:
		return RF_POOL;
	default:
		return RF_USER;
	}
}

/*
 * rp_slab_page: a page event of the traced kernel's slab allocator: its
 * call site names slab code, or (no site, as mm_page_alloc has none) its
 * gfp mask is SLUB's: a compound page asked with __GFP_NOWARN and
 * __GFP_NORETRY (allocate_slab's first, higher-order try), never
 * highmem or movable (page cache and user pages are).
 */
static bool
rp_slab_page(const struct kml_trace_event *te)
{
	gfp_t g = te->te_gfp;

	if (te->te_site != NULL)
		return strstr(te->te_site, "slab") != NULL;
	return (g & (__GFP_COMP | __GFP_NOWARN | __GFP_NORETRY)) ==
	    (__GFP_COMP | __GFP_NOWARN | __GFP_NORETRY) &&
	    (g & (__GFP_HIGHMEM | __GFP_MOVABLE)) == 0;
}

/*
 * rp_pair_free: pair a free of ptr (family tag) read as event seq.
 * => returns the slot to free; RP_NONE when the free is skipped (never
 *    allocated, freed already, wrong size or cache: counted), RP_SKIPPED
 *    for a skipped slab page.
 */
static uint32_t
rp_pair_free(struct kml_replay *r, uint64_t seq,
    const struct kml_trace_event *te, uint32_t tag, uint64_t ptr,
    uint32_t name)
{
	const char *opname = kml_trace_op_name(te->te_op);
	struct rp_pent *p = rp_pmap_slot(r, tag, ptr);
	struct rp_obj *o;
	uint32_t s;

	if (p->p_tag == 0) {
		/* a second free of it is never allocated too, as trace info says */
		r->r_tot.rt_anomalies[KML_AN_NEVER_ALLOCATED]++;
		return RP_NONE;
	}
	s = p->p_val;
	if (rp_freed(s)) {
		rp_anomaly(r, KML_AN_DOUBLE_FREE, seq, te, ptr, te->te_size,
		    "%s of %#" PRIx64 ", which is already free", opname, ptr);
		return RP_NONE;
	}
	if (s == RP_SKIPPED) {
		rp_tomb(r, p);
		return RP_SKIPPED;
	}
	o = &r->r_obj[s];
	if (name != 0 && o->o_name != 0 && name != o->o_name &&
	    te->te_op != KML_OP_KFREE && te->te_op != KML_OP_REALLOC) {
		rp_anomaly(r, KML_AN_WRONG_CACHE, seq, te, ptr, o->o_req,
		    "%s of %#" PRIx64 " to '%s', allocated from '%s' by event %"
		    PRIu64, opname, ptr, rp_str(r, name), rp_str(r, o->o_name),
		    o->o_seq);
		return RP_NONE;
	}
	if ((te->te_op == KML_OP_PAGE_FREE && te->te_order != o->o_order) ||
	    (te->te_op == KML_OP_VMEM_FREE && te->te_size != 0 &&
	    te->te_size != o->o_req)) {
		uint64_t sz = te->te_op == KML_OP_PAGE_FREE ?
		    r->r_pagesize << te->te_order : te->te_size;

		rp_anomaly(r, KML_AN_WRONG_SIZE, seq, te, ptr, sz,
		    "%s of %#" PRIx64 " with %" PRIu64 " bytes, allocated with %"
		    PRIu64 " by event %" PRIu64, opname, ptr, sz, o->o_req,
		    o->o_seq);
		return RP_NONE;
	}
	rp_tomb(r, p);
	return s;
}

/*
 * rp_pair_alloc: pair an allocation of ptr read as event seq with a new
 * slot; *oldp is the slot of a pointer still live (freed first), or
 * RP_NONE.
 */
static uint32_t
rp_pair_alloc(struct kml_replay *r, uint64_t seq,
    const struct kml_trace_event *te, uint32_t tag, uint64_t ptr,
    uint32_t *oldp)
{
	struct rp_pent *p = rp_pmap_slot(r, tag, ptr);
	uint32_t s;

	*oldp = RP_NONE;
	if (p->p_tag != 0 && !rp_freed(p->p_val) && p->p_val != RP_SKIPPED) {
		struct rp_obj *o = &r->r_obj[p->p_val];

		rp_anomaly(r, KML_AN_LIVE_REALLOC, seq, te, ptr, o->o_req,
		    "%s of %#" PRIx64 ", which is still live from event %" PRIu64,
		    kml_trace_op_name(te->te_op), ptr, o->o_seq);
		*oldp = p->p_val;
	}
	s = rp_obj_new(r);
	rp_pmap_set(r, p, tag, ptr, s);
	return s;
}

/*
 * rp_read_one: read, number, check and pair one event and queue it.
 * => returns 1, 0 at the end of the trace, -1 on a read error (r_err).
 */
static int
rp_read_one(struct kml_replay *r)
{
	struct kml_trace_event te;
	struct rp_ev e;
	struct rp_obj *o;
	uint32_t tag;
	uint64_t seq;
	int rc;

	rc = kml_trace_next(r->r_trace, &te);
	if (rc <= 0) {
		r->r_eof = true;
		if (rc < 0) {
			r->r_readerr = true;
			snprintf(r->r_err, sizeof(r->r_err), "%s",
			    kml_trace_errmsg(r->r_trace));
		}
		return rc;
	}
	seq = ++r->r_tot.rt_events;
	if (seq == 1)
		r->r_t0 = te.te_ts;
	memset(&e, 0, sizeof(e));
	e.e_seq = seq;
	e.e_ts = te.te_ts;
	e.e_rel = te.te_ts > r->r_t0 ? (te.te_ts - r->r_t0) * r->r_clock_ns : 0;
	e.e_ptr = te.te_ptr;
	e.e_cpu = te.te_cpu;
	e.e_op = te.te_op;
	e.e_ctx = te.te_ctx;
	e.e_flags = te.te_flags;
	e.e_obj = e.e_old = RP_NONE;
	e.e_size = te.te_op == KML_OP_PAGE_ALLOC || te.te_op == KML_OP_PAGE_FREE ?
	    r->r_pagesize << te.te_order : te.te_size;
	e.e_aux = te.te_align;
	if (te.te_op == KML_OP_CACHE_ALLOC || te.te_op == KML_OP_POOL_GET)
		e.e_aux = te.te_alloc != 0 ? te.te_alloc : te.te_size;
	e.e_name = rp_intern_key(r, te.te_cache, te.te_cachekey);
	if (e.e_name == 0 && (te.te_op == KML_OP_CACHE_ALLOC ||
	    te.te_op == KML_OP_VMEM_ALLOC || te.te_op == KML_OP_POOL_GET))
		e.e_name = rp_intern(r, "(none)");
	e.e_site = RP_NONE;
	if (kml_trace_op_allocates(te.te_op))
		e.e_site = rp_site_key(r, te.te_site, te.te_sitekey, e.e_name);
	tag = rp_family(te.te_op) |
	    (rp_family(te.te_op) == RF_USER ? te.te_pid << 3 : 0);

	if (te.te_ctx != KML_CTX_THREAD && (te.te_flags & KML_TEF_SLEEP))
		rp_anomaly(r, KML_AN_SLEEP_IN_INTR, seq, &te, te.te_ptr,
		    e.e_size, "%s may sleep in %s context",
		    kml_trace_op_name(te.te_op), kml_trace_ctx_name(te.te_ctx));

	if (te.te_op == KML_OP_REALLOC) {
		uint32_t old = RP_NONE;

		if (te.te_oldptr != 0 && (te.te_ptr != 0 || te.te_size == 0)) {
			old = rp_pair_free(r, seq, &te, tag, te.te_oldptr, 0);
			if (old == RP_SKIPPED)
				old = RP_NONE;
		}
		if (te.te_ptr == 0 && te.te_size != 0)
			e.e_kind = RK_TRY;
		else if (te.te_ptr == 0) {
			e.e_kind = old != RP_NONE ? RK_FREE : RK_NOP;
			e.e_old = old;
		} else {
			uint32_t live;

			e.e_kind = RK_REALLOC;
			e.e_obj = rp_pair_alloc(r, seq, &te, tag, te.te_ptr, &live);
			e.e_old = old;
			/*
			 * A live new pointer is freed in the old one's place;
			 * with both (a rare trace), it stays live to the end.
			 */
			if (live != RP_NONE && old == RP_NONE)
				e.e_old = live;
		}
	} else if (kml_trace_op_frees(te.te_op)) {
		uint32_t s;

		if (te.te_ptr == 0) {
			e.e_kind = RK_NOP;
		} else {
			s = rp_pair_free(r, seq, &te, tag, te.te_ptr, e.e_name);
			if (s == RP_NONE)
				return 1;	/* counted, not run */
			if (s == RP_SKIPPED) {
				r->r_tot.rt_skipped_pages++;
				return 1;
			}
			e.e_kind = RK_FREE;
			e.e_old = s;
		}
	} else if (te.te_ptr == 0) {
		e.e_kind = RK_TRY;
	} else {
		if (te.te_op == KML_OP_PAGE_ALLOC && r->r_rc.rc_skip_slab_pages &&
		    rp_slab_page(&te)) {
			struct rp_pent *p = rp_pmap_slot(r, tag, te.te_ptr);

			if (p->p_tag == 0 || rp_freed(p->p_val) ||
			    p->p_val == RP_SKIPPED) {
				rp_pmap_set(r, p, tag, te.te_ptr, RP_SKIPPED);
				r->r_tot.rt_skipped_pages++;
				return 1;
			}
		}
		e.e_kind = RK_ALLOC;
		e.e_obj = rp_pair_alloc(r, seq, &te, tag, te.te_ptr, &e.e_old);
	}
	if (e.e_obj != RP_NONE) {
		o = &r->r_obj[e.e_obj];
		o->o_state = OS_PENDING;
		o->o_seq = seq;
		o->o_req = te.te_op == KML_OP_PAGE_ALLOC ? e.e_size : te.te_size;
		o->o_site = e.e_site;
		o->o_name = e.e_name;
		o->o_order = te.te_order;
		o->o_op = te.te_op;
	}
	rp_enqueue(r, rp_thread(r, te.te_tid), &e);
	return 1;
}

/* ---- running events (section 4) */

static enum kml_context
rp_ctx(unsigned ctx)
{
	return ctx == KML_CTX_THREAD ? KML_CTX_THREAD :
	    ctx == KML_CTX_SOFTIRQ ? KML_CTX_SOFTIRQ : KML_CTX_HARDIRQ;
}

/* rp_named_cache: the pool_cache of a traced cache or pool, made on first use. */
static pool_cache_t
rp_named_cache(struct kml_replay *r, uint32_t name, uint64_t objsize,
    bool pool)
{
	struct rp_str *s = &r->r_str[name];
	pool_cache_t *pcp = pool ? &s->s_pool : &s->s_cache;

	if (*pcp == NULL)
		*pcp = pool_cache_init(objsize != 0 ? objsize : 8, 0, 0, 0,
		    s->s_str, NULL, 0, NULL, NULL, NULL);
	return *pcp;
}

/* rp_named_arena: a traced arena, made on first use, importing from kmem_va_arena. */
static vmem_t *
rp_named_arena(struct kml_replay *r, uint32_t name)
{
	struct rp_str *s = &r->r_str[name];
	uint64_t iq = uvm_pagesize() > RP_ARENA_QUANTUM ? uvm_pagesize() :
	    RP_ARENA_QUANTUM;

	if (s->s_arena != NULL)
		return s->s_arena;
	s->s_arena = vmem_create(s->s_str, 0, 0, RP_ARENA_QUANTUM, 0, 0);
	KML_ASSERTMSG(s->s_arena != NULL, "replay: cannot create arena %s",
	    s->s_str);
	if (vmem_set_import(s->s_arena, vmem_arena_import, vmem_arena_release,
	    kmem_va_arena, iq) != 0)
		kml_panic("replay: arena %s cannot import from kmem_va_arena",
		    s->s_str);
	r->r_arenas = rp_xrealloc(r->r_arenas,
	    (r->r_narenas + 1) * sizeof(*r->r_arenas));
	r->r_arenas[r->r_narenas++] = name;
	return s->s_arena;
}

/* rp_xalloc: size bytes aligned to align from vm (quantum q), no sleep. */
static vmem_addr_t
rp_xalloc(struct kml_replay *r, vmem_t *vm, uint64_t q, uint64_t size,
    uint64_t align, uint64_t *sizep)
{
	vmem_addr_t a;

	uint64_t a2 = rp_pow2up(align);

	size = rp_roundup(size, q);
	*sizep = size;
	if (size == 0 || (align != 0 && a2 == 0))
		return 0;		/* larger than any arena */
	align = a2 <= q ? 0 : a2;
	if (vmem_xalloc(vm, size, align, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX,
	    VM_NOSLEEP | r->r_rc.rc_policy.po_vmem_strategy, &a) != 0)
		return 0;
	return a;
}

/*
 * rp_alloc: allocate what event e asks into o, without sleeping.
 * => returns true, or false with the channel of the layer in *chanp.
 */
static bool
rp_alloc(struct kml_replay *r, const struct rp_ev *e, struct rp_obj *o,
    unsigned *chanp)
{
	bool intr = e->e_ctx != KML_CTX_THREAD;
	bool zero = (e->e_flags & KML_TEF_ZERO) || e->e_op == KML_OP_CALLOC;
	uint64_t size = e->e_size;
	pool_cache_t pc;
	vmem_addr_t a;

	o->o_how = RO_NONE;
	o->o_addr = 0;
	o->o_bytes = 0;
	o->o_size = 0;
	switch (e->e_op) {
	case KML_OP_KMALLOC: case KML_OP_MALLOC: case KML_OP_CALLOC:
	case KML_OP_VALLOC: case KML_OP_REALLOC:
		if (size == 0)
			return true;
		if (intr)
			a = zero ? kmem_intr_zalloc(size, KM_NOSLEEP) :
			    kmem_intr_alloc(size, KM_NOSLEEP);
		else
			a = zero ? kmem_zalloc(size, KM_NOSLEEP) :
			    kmem_alloc(size, KM_NOSLEEP);
		o->o_bytes = kmem_class_size(size);
		*chanp = o->o_bytes != 0 ? RC_POOL : RC_PAGE;
		if (o->o_bytes == 0)
			o->o_bytes = rp_roundup(size, uvm_pagesize());
		o->o_how = RO_KMEM;
		o->o_size = size;
		break;
	case KML_OP_CACHE_ALLOC: case KML_OP_POOL_GET:
		pc = rp_named_cache(r, e->e_name, e->e_aux,
		    e->e_op == KML_OP_POOL_GET);
		a = pool_cache_get(pc, PR_NOWAIT | (zero ? PR_ZERO : 0));
		o->o_how = RO_CACHE;
		o->o_where = pc;
		o->o_bytes = pool_cache_pool(pc)->pr_size;
		*chanp = RC_POOL;
		break;
	case KML_OP_PAGE_ALLOC:
		a = uvm_km_alloc(size, 0, UVM_KMF_WIRED | UVM_KMF_NOWAIT |
		    (zero ? UVM_KMF_ZERO : 0));
		o->o_how = RO_UVM;
		o->o_size = o->o_bytes = rp_roundup(size, uvm_pagesize());
		*chanp = RC_PAGE;
		break;
	case KML_OP_MEMALIGN: case KML_OP_POSIX_MEMALIGN:
	case KML_OP_ALIGNED_ALLOC:
		if (size == 0)
			return true;
		a = rp_xalloc(r, kmem_va_arena, uvm_pagesize(), size, e->e_aux,
		    &o->o_size);
		o->o_how = RO_VA;
		o->o_where = kmem_va_arena;
		o->o_bytes = o->o_size;
		*chanp = RC_VMEM;
		break;
	case KML_OP_VMEM_ALLOC:
		if (size == 0)
			return true;
		o->o_where = rp_named_arena(r, e->e_name);
		a = rp_xalloc(r, o->o_where, RP_ARENA_QUANTUM, size, e->e_aux,
		    &o->o_size);
		o->o_how = RO_VMEM;
		o->o_bytes = o->o_size;
		*chanp = RC_VMEM;
		break;
	default:
		kml_panic("replay: event %" PRIu64 ": %s does not allocate",
		    e->e_seq, kml_trace_op_name(e->e_op));
	}
	if (a == 0) {
		o->o_how = RO_NONE;
		o->o_bytes = 0;
		return false;
	}
	o->o_addr = a;
	return true;
}

/*
 * rp_free: give o back, on the current vCPU.
 * => returns the channels a free of its layer may satisfy (a bit mask).
 */
static unsigned
rp_free(struct kml_replay *r, struct rp_obj *o)
{
	bool intr = r->r_curctx != KML_CTX_THREAD;

	switch (o->o_how) {
	case RO_KMEM:
		if (intr)
			kmem_intr_free(o->o_addr, o->o_size);
		else
			kmem_free(o->o_addr, o->o_size);
		return 1u << RC_POOL | 1u << RC_PAGE;
	case RO_CACHE:
		pool_cache_put(o->o_where, o->o_addr);
		return 1u << RC_POOL | 1u << RC_PAGE;
	case RO_UVM:
		uvm_km_free(o->o_addr, o->o_size, UVM_KMF_WIRED);
		return 1u << RC_POOL | 1u << RC_PAGE;
	case RO_VA: case RO_VMEM:
		vmem_xfree(o->o_where, o->o_addr, o->o_size);
		return 1u << RC_VMEM;
	default:
		return 0;
	}
}

/* rp_wake: make every thread sleeping on the channels in mask runnable. */
static void
rp_wake(struct kml_replay *r, unsigned mask, kml_vtime_t when)
{
	for (unsigned ch = 0; ch < RC_NCHAN; ch++) {
		uint32_t ti, next;

		if (!(mask & (1u << ch)) || r->r_sleepers[ch] == RP_NONE)
			continue;
		r->r_wchan[ch].wc_wakeups++;
		ti = r->r_sleepers[ch];
		r->r_sleepers[ch] = RP_NONE;
		for (; ti != RP_NONE; ti = next) {
			struct rp_thread *t = &r->r_thr[ti];

			next = t->t_snext;
			t->t_snext = RP_NONE;
			r->r_wchan[ch].wc_nwaiters--;
			if (when > t->t_notbefore)
				t->t_notbefore = when;
			rp_sched(r, ti);
		}
	}
}

/* rp_done_alloc: account o, allocated by e at site, and release a waiter. */
static void
rp_done_alloc(struct kml_replay *r, uint32_t oi, const struct rp_ev *e,
    unsigned v)
{
	struct rp_obj *o = &r->r_obj[oi];
	struct kml_replay_site *s = &r->r_site[o->o_site];

	o->o_state = OS_LIVE;
	o->o_vcpu = (uint16_t)v;
	s->rs_allocs++;
	s->rs_bytes_req += e->e_size;
	s->rs_bytes_alloc += o->o_bytes;
	s->rs_live++;
	s->rs_live_bytes += o->o_bytes;
	r->r_tot.rt_bytes_req += e->e_size;
	r->r_tot.rt_bytes_alloc += o->o_bytes;
	r->r_live_bytes += o->o_bytes;
}

/* rp_release_waiter: the allocation of slot oi ended; its free may run. */
static void
rp_release_waiter(struct kml_replay *r, uint32_t oi, kml_vtime_t when)
{
	struct rp_obj *o = &r->r_obj[oi];
	uint32_t ti = o->o_waiter;

	if (ti == RP_NONE)
		return;
	o->o_waiter = RP_NONE;
	if (when > r->r_thr[ti].t_notbefore)
		r->r_thr[ti].t_notbefore = when;
	rp_sched(r, ti);
}

/* rp_free_slot: free slot oi (event's free part) on vCPU v; wakes sleepers. */
static void
rp_free_slot(struct kml_replay *r, uint32_t oi, unsigned v)
{
	struct rp_obj *o = &r->r_obj[oi];
	unsigned mask;

	if (o->o_state == OS_LIVE) {
		struct kml_replay_site *s = &r->r_site[o->o_site];

		mask = rp_free(r, o);
		s->rs_frees++;
		s->rs_live--;
		s->rs_live_bytes -= o->o_bytes;
		r->r_tot.rt_bytes_freed += o->o_bytes;
		r->r_live_bytes -= o->o_bytes;
		if (o->o_vcpu != v)
			r->r_cpu[v].c_st.rcpu_cross_frees++;
		rp_obj_release(r, oi);
		if (mask != 0)
			rp_wake(r, mask, r->r_cpu[v].c_clock);
	} else
		rp_obj_release(r, oi);
}

/*
 * rp_fail: the allocation of event e (thread ti) failed.
 * => returns true if the thread blocks (the event stays), false if the
 *    failure is final (counted).
 */
static bool
rp_fail(struct kml_replay *r, uint32_t ti, struct rp_ev *e, unsigned chan,
    bool maysleep)
{
	struct rp_thread *t = &r->r_thr[ti];

	if (!maysleep || e->e_ctx != KML_CTX_THREAD ||
	    !(e->e_flags & KML_TEF_SLEEP)) {
		r->r_site[e->e_site].rs_fails++;
		r->r_tot.rt_fails++;
		return false;
	}
	if (!t->t_slept) {
		t->t_slept = true;
		r->r_tot.rt_sleeps++;
	}
	r->r_wchan[chan].wc_sleeps++;
	r->r_wchan[chan].wc_nwaiters++;
	t->t_state = T_SLEEP;
	t->t_chan = chan;
	t->t_snext = RP_NONE;
	/* append: sleepers are woken in the order they blocked */
	if (r->r_sleepers[chan] == RP_NONE)
		r->r_sleepers[chan] = ti;
	else {
		uint32_t k = r->r_sleepers[chan];

		while (r->r_thr[k].t_snext != RP_NONE)
			k = r->r_thr[k].t_snext;
		r->r_thr[k].t_snext = ti;
	}
	return true;
}

/*
 * rp_try_alloc: allocate for e into slot oi; on a failure that may
 * sleep, run the pagedaemon and, if it reclaimed, try once more.
 * => returns true on success; false with *chanp.
 */
static bool
rp_try_alloc(struct kml_replay *r, const struct rp_ev *e, struct rp_obj *o,
    bool maysleep, unsigned *chanp)
{
	if (rp_alloc(r, e, o, chanp))
		return true;
	if (!maysleep || e->e_ctx != KML_CTX_THREAD ||
	    !(e->e_flags & KML_TEF_SLEEP))
		return false;
	if (uvm_pagedaemon() == 0)
		return false;
	return rp_alloc(r, e, o, chanp);
}

/*
 * rp_run: run thread ti's head event on vCPU v from start.
 * => returns true if the event is done, false if the thread blocked.
 */
static bool
rp_run(struct kml_replay *r, uint32_t ti, unsigned v, kml_vtime_t start)
{
	struct rp_thread *t = &r->r_thr[ti];
	struct rp_ev *e = rp_head(t);
	struct rp_vcpu *c = &r->r_cpu[v];
	struct rp_obj tmp;
	kml_vtime_t t0;
	unsigned chan = RC_POOL;
	bool done = true;

	if (start > c->c_clock) {
		c->c_st.rcpu_idle_ns += start - c->c_clock;
		c->c_clock = start;
	}
	t0 = c->c_clock;
	r->r_cur = v;
	r->r_curtid = t->t_tid;
	r->r_curctx = rp_ctx(e->e_ctx);
	/* the objects of the thread's next event, for its rp_sched and run */
	{
		const struct rp_ev *n = rp_second(t);

		if (n != NULL && n->e_old != RP_NONE)
			__builtin_prefetch(&r->r_obj[n->e_old]);
		if (n != NULL && n->e_obj != RP_NONE)
			__builtin_prefetch(&r->r_obj[n->e_obj], 1);
	}

	switch (e->e_kind) {
	case RK_NOP:
		break;
	case RK_FREE:
		rp_free_slot(r, e->e_old, v);
		e->e_old = RP_NONE;
		break;
	case RK_ALLOC:
		if (e->e_old != RP_NONE) {
			rp_free_slot(r, e->e_old, v);
			e->e_old = RP_NONE;
		}
		/* FALLTHROUGH */
	case RK_REALLOC:
		if (rp_try_alloc(r, e, &r->r_obj[e->e_obj], true, &chan)) {
			rp_done_alloc(r, e->e_obj, e, v);
			if (e->e_kind == RK_REALLOC && e->e_old != RP_NONE) {
				uint64_t n = r->r_obj[e->e_old].o_req;

				if (n > e->e_size)
					n = e->e_size;
				kml_delay(n / RP_COPY_BYTES_PER_NS);
				rp_free_slot(r, e->e_old, v);
				e->e_old = RP_NONE;
			}
		} else if (rp_fail(r, ti, e, chan, true)) {
			done = false;
			break;
		} else {
			r->r_obj[e->e_obj].o_state = OS_FAILED;
			if (e->e_kind == RK_REALLOC && e->e_old != RP_NONE) {
				/* the trace freed the old object: so do we */
				rp_free_slot(r, e->e_old, v);
				e->e_old = RP_NONE;
			}
		}
		r->r_obj[e->e_obj].o_done = c->c_clock;
		rp_release_waiter(r, e->e_obj, c->c_clock);
		break;
	case RK_TRY:
		memset(&tmp, 0, sizeof(tmp));
		if (rp_alloc(r, e, &tmp, &chan)) {
			struct kml_replay_site *s = &r->r_site[e->e_site];

			s->rs_allocs++;
			s->rs_frees++;
			s->rs_bytes_req += e->e_size;
			s->rs_bytes_alloc += tmp.o_bytes;
			r->r_tot.rt_bytes_req += e->e_size;
			r->r_tot.rt_bytes_alloc += tmp.o_bytes;
			r->r_tot.rt_bytes_freed += tmp.o_bytes;
			rp_wake(r, rp_free(r, &tmp), c->c_clock);
		} else
			rp_fail(r, ti, e, chan, false);
		break;
	}
	c->c_st.rcpu_busy_ns += c->c_clock - t0;
	if (c->c_clock > r->r_maxclock)
		r->r_maxclock = r->r_tot.rt_virtual_ns = c->c_clock;
	t->t_notbefore = c->c_clock;
	if (!done)
		return false;
	c->c_st.rcpu_events++;
	r->r_tot.rt_replayed++;
	t->t_slept = false;
	t->t_qhead = (t->t_qhead + 1) & (t->t_qcap - 1);
	t->t_qlen--;
	r->r_queued--;
	if (t->t_qlen > 0)
		rp_sched(r, ti);
	else
		t->t_state = T_IDLE;
	return true;
}

/* ---- samples */

struct rp_frag {
	uint64_t free, largest;
};

/*
 * rp_observe: enter or leave observer mode (kml_env_observe): reading
 * statistics between events takes no virtual time and counts no lock.
 */
static void
rp_observe(struct kml_replay *r, bool on)
{
	r->r_obs = on;
	kml_env_observe(on);
}

static void
rp_sample(struct kml_replay *r)
{
	struct kml_replay_sample sa;
	struct pool_cache_stats pst;
	struct uvm_stats ust;
	struct vmem_stats vst;
	uint64_t hits = 0, gets = 0;

	rp_between(r);
	rp_observe(r, true);
	memset(&sa, 0, sizeof(sa));
	sa.sa_events = r->r_tot.rt_replayed;
	sa.sa_inuse_bytes = r->r_live_bytes;
	uvm_stats(&ust);
	sa.sa_wired_pages = ust.wiredpages;
	sa.sa_free_pages = ust.freepages;
	for (pool_cache_t pc = pool_cache_first(); pc != NULL;
	    pc = pool_cache_next(pc)) {
		pool_cache_stats(pc, &pst);
		sa.sa_cached_objects += pst.cpu_cached + pst.depot_cached;
		hits += pst.cpu_hits;
		gets += pst.cpu_gets;
	}
	vmem_counters(kmem_va_arena, &vst);
	sa.sa_frag = vmem_frag(vst.total, vst.inuse, vst.largest_free);
	sa.sa_cpu_hit_rate = gets > r->r_prev_gets ? (double)(hits -
	    r->r_prev_hits) / (double)(gets - r->r_prev_gets) : 0.0;
	r->r_prev_hits = hits;
	r->r_prev_gets = gets;
	while (r->r_maxclock >= r->r_next_sample) {
		sa.sa_vtime = r->r_next_sample;
		r->r_next_sample += r->r_rc.rc_sample_ns;
		if (r->r_hooks.rh_sample != NULL)
			r->r_hooks.rh_sample(r->r_hooks.rh_arg, r, &sa);
	}
	rp_observe(r, false);
}

/* ---- deadlock */

static void
rp_deadlock(struct kml_replay *r)
{
	size_t n, len = sizeof(r->r_err);
	unsigned nblocked = 0;
	char *p = r->r_err;
	bool first = true;

	for (uint32_t ti = 0; ti < r->r_nthr; ti++)
		if (r->r_thr[ti].t_state == T_SLEEP)
			nblocked++;
	n = (size_t)snprintf(p, len, "deadlock: %u thread%s blocked", nblocked,
	    nblocked == 1 ? "" : "s");
	for (uint32_t ti = 0; ti < r->r_nthr; ti++) {
		struct rp_thread *t = &r->r_thr[ti];
		struct rp_ev *e;
		struct kml_trace_event te;

		if (t->t_state != T_SLEEP)
			continue;
		e = rp_head(t);
		if (n < len)
			n += (size_t)snprintf(p + n, len - n, "%s thread %" PRIu32
			    " at event %" PRIu64 " (%s of %" PRIu64 " bytes) on %s",
			    first ? ":" : ",", t->t_tid,
			    e->e_seq, kml_trace_op_name(e->e_op), e->e_size,
			    rp_chan_names[t->t_chan]);
		first = false;
		memset(&te, 0, sizeof(te));
		te.te_ts = e->e_ts;
		te.te_cpu = e->e_cpu;
		te.te_tid = t->t_tid;
		rp_anomaly(r, KML_AN_DEADLOCK, e->e_seq, &te, e->e_ptr, e->e_size,
		    "%s of %" PRIu64 " bytes blocked on %s",
		    kml_trace_op_name(e->e_op), e->e_size,
		    rp_chan_names[t->t_chan]);
	}
}

/* ---- the public interface */

const char *
kml_replay_status_name(unsigned st)
{
	static const char *const names[] = {
		"running", "completed", "deadlock", "failed", "interrupted"
	};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

const char *
kml_anomaly_name(unsigned kind)
{
	static const char *const names[KML_AN_COUNT] = {
		"never allocated", "double free", "wrong size", "wrong cache",
		"live realloc", "sleep in interrupt", "deadlock"
	};

	return kind < KML_AN_COUNT ? names[kind] : "unknown";
}

/*
 * rp_unhook: give the stack back: the default environment, policy and
 * checking, and no active replay.
 */
static void
rp_unhook(struct kml_replay *r)
{
	pool_cache_set_default_policy(NULL);
	kmem_set_checking(true);
	pool_cache_set_checking(true);
	rp_observe(r, false);
	kml_env_set(NULL, NULL);
	rp_active = NULL;
}

/* rp_free_tables: free r and everything it allocated (any part may be NULL). */
static void
rp_free_tables(struct kml_replay *r)
{
	for (uint32_t i = 0; i < r->r_nthr; i++)
		free(r->r_thr[i].t_q);
	for (unsigned i = 0; r->r_cpu != NULL && i < r->r_ncpu; i++) {
		free(r->r_cpu[i].c_ready.hp_v);
		free(r->r_cpu[i].c_future.hp_v);
	}
	for (uint32_t i = 1; i < r->r_nstr; i++)
		free(r->r_str[i].s_str);
	for (uint32_t i = 0; i < r->r_nsite; i++)
		free((char *)r->r_site[i].rs_site);
	free(r->r_thr);
	free(r->r_cpu);
	free(r->r_cheap);
	free(r->r_obj);
	free(r->r_pmap);
	free(r->r_tptr);
	free(r->r_ttag);
	free(r->r_str);
	free(r->r_strhash);
	free(r->r_site);
	free(r->r_arenas);
	rp_map_free(&r->r_tidmap);
	rp_map_free(&r->r_sitemap);
	free(r);
}

void
kml_replay_config_init(struct kml_replay_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rp_policy_builtin(&rc->rc_policy, "netbsd");
	rc->rc_cpumap = KML_CPUMAP_FOLD;
	rc->rc_timing = KML_TIMING_TRACE;
	rc->rc_window = RP_DEFWINDOW;
	rc->rc_tombs = RP_DEFTOMBS;
}

/* rp_policy_check: the page layer's parameters, checked as uvm_init does. */
static const char *
rp_policy_check(const struct kml_policy *po)
{
	const struct uvm_params *p = &po->po_uvm;
	uint64_t lo = p->up_lowat, hi = p->up_hiwat;

	if (!kml_ispow2(p->up_pagesize) || p->up_pagesize < 512)
		return "pagesize is not a power of two of at least 512";
	if (p->up_physpages == 0)
		return "physmem is less than a page";
	if (lo == 0) {
		lo = p->up_physpages / 64;
		if (lo < 16)
			lo = 16;
		if (lo > p->up_physpages / 4)
			lo = p->up_physpages / 4;
	}
	if (hi == 0) {
		hi = 2 * lo;
		if (hi > p->up_physpages)
			hi = p->up_physpages;
	}
	if (hi < lo || hi > p->up_physpages)
		return "hiwat is below lowat or above physmem";
	if (po->po_mag.pcp_magsize == 0 || po->po_mag.pcp_magsize_large == 0)
		return "magazine size 0";
	return NULL;
}

struct kml_replay *
kml_replay_create(const struct kml_replay_config *rc, struct kml_trace *t,
    const struct kml_replay_hooks *hooks, char *errbuf, size_t errlen)
{
	const struct kml_trace_header *th = kml_trace_header(t);
	struct kml_replay *r;
	const char *why;
	unsigned ncpu;

	if (rc->rc_cpumap > KML_CPUMAP_SPREAD || rc->rc_timing > KML_TIMING_AFAP) {
		snprintf(errbuf, errlen, "bad cpu map %u or timing %u",
		    rc->rc_cpumap, rc->rc_timing);
		return NULL;
	}
	if ((rc->rc_tombs & (rc->rc_tombs - 1)) != 0) {
		snprintf(errbuf, errlen, "tombstones %u: not a power of two",
		    rc->rc_tombs);
		return NULL;
	}
	ncpu = rc->rc_cpus != 0 ? rc->rc_cpus : rc->rc_policy.po_cpus != 0 ?
	    rc->rc_policy.po_cpus : th->th_ncpu != 0 ? th->th_ncpu : 1;
	if (ncpu > KML_MAXCPUS) {
		snprintf(errbuf, errlen, "%u cpus: at most %d", ncpu,
		    KML_MAXCPUS);
		return NULL;
	}
	if ((why = rp_policy_check(&rc->rc_policy)) != NULL) {
		snprintf(errbuf, errlen, "policy %s: %s", rc->rc_policy.po_name,
		    why);
		return NULL;
	}
	if (rp_active != NULL || uvm_pagesize() != 0 || kmem_nclasses() != 0) {
		snprintf(errbuf, errlen, "the allocator stack is in use (one "
		    "replay at a time in a process)");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	r->r_rc = *rc;
	if (r->r_rc.rc_window == 0)
		r->r_rc.rc_window = RP_DEFWINDOW;
	if (hooks != NULL)
		r->r_hooks = *hooks;
	r->r_trace = t;
	r->r_pagesize = th->th_pagesize != 0 ? th->th_pagesize : 4096;
	r->r_clock_ns = th->th_clock_ns != 0 ? th->th_clock_ns : 1;
	r->r_ncpu = ncpu;
	r->r_status = KML_REPLAY_RUNNING;
	r->r_cpu = calloc(ncpu, sizeof(*r->r_cpu));
	r->r_cheap = calloc(ncpu, sizeof(*r->r_cheap));
	r->r_pcap = 1024;
	r->r_pmap = calloc(r->r_pcap, sizeof(*r->r_pmap));
	if (r->r_rc.rc_tombs == 0)
		r->r_rc.rc_tombs = RP_DEFTOMBS;
	r->r_tptr = calloc(r->r_rc.rc_tombs, sizeof(*r->r_tptr));
	r->r_ttag = calloc(r->r_rc.rc_tombs, sizeof(*r->r_ttag));
	r->r_capstr = 64;
	r->r_str = calloc(r->r_capstr, sizeof(*r->r_str));
	r->r_strcap = 256;
	r->r_strhash = calloc(r->r_strcap, sizeof(*r->r_strhash));
	if (r->r_cpu == NULL || r->r_cheap == NULL || r->r_pmap == NULL ||
	    r->r_tptr == NULL || r->r_ttag == NULL || r->r_str == NULL ||
	    r->r_strhash == NULL) {
		rp_free_tables(r);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	r->r_nstr = 1;			/* id 0: no string */
	for (unsigned i = 0; i < ncpu; i++)
		r->r_cpu[i].c_pos = -1;
	r->r_freeobj = RP_NONE;
	for (unsigned ch = 0; ch < RC_NCHAN; ch++) {
		kml_wchan_init(&r->r_wchan[ch], rp_chan_names[ch]);
		r->r_sleepers[ch] = RP_NONE;
	}
	r->r_next_sample = rc->rc_sample_ns;
	if (r->r_hooks.rh_tick != NULL)
		r->r_tick_left = r->r_hooks.rh_tick_events;

	rp_between(r);
	kml_env_set(&rp_env_ops, r);
	rp_active = r;
	pool_cache_set_default_policy(&rc->rc_policy.po_mag);
#ifndef KML_SANITY
	/* the pointer map has checked every free (section 2) */
	kmem_set_checking(false);
	pool_cache_set_checking(false);
#endif
	if (uvm_init(&rc->rc_policy.po_uvm) != 0) {
		snprintf(errbuf, errlen, "policy %s: the page layer refused "
		    "its parameters", rc->rc_policy.po_name);
		goto fail;
	}
	if (kmem_init(rc->rc_policy.po_classes) != 0) {
		uvm_fini();
		snprintf(errbuf, errlen, "policy %s: unknown size classes",
		    rc->rc_policy.po_name);
		goto fail;
	}
	return r;
fail:
	rp_unhook(r);
	rp_free_tables(r);
	return NULL;
}

unsigned
kml_replay_run(struct kml_replay *r)
{
	uint64_t window = r->r_rc.rc_window;

	if (r->r_status != KML_REPLAY_RUNNING)
		return r->r_status;
	rp_observe(r, false);
	for (;;) {
		struct rp_vcpu *c;
		struct rp_hent h;
		uint32_t v;
		kml_vtime_t start;
		bool ran;

		if (r->r_stop) {
			r->r_status = KML_REPLAY_INTERRUPTED;
			break;
		}
		while (!r->r_eof && r->r_queued < window)
			rp_read_one(r);
		if (r->r_ncheap == 0) {
			if (!r->r_eof) {
				rp_read_one(r);	/* beyond the window: all wait */
				continue;
			}
			if (r->r_readerr)
				r->r_status = KML_REPLAY_FAILED;
			else if (r->r_queued == 0)
				r->r_status = KML_REPLAY_COMPLETED;
			else {
				rp_deadlock(r);
				r->r_status = KML_REPLAY_DEADLOCK;
			}
			break;
		}
		v = r->r_cheap[0].ce_cpu;
		c = &r->r_cpu[v];
		if (c->c_ready.hp_n > 0) {
			h = rp_heap_pop(&c->c_ready);
			start = c->c_clock;
		} else {
			h = rp_heap_pop(&c->c_future);
			start = h.h_k1;
		}
		r->r_thr[h.h_thr].t_state = T_IDLE;
		ran = rp_run(r, h.h_thr, v, start);
		if (ran && (r->r_tot.rt_replayed & (RP_PROGRESS - 1)) == 0 &&
		    r->r_hooks.rh_progress != NULL) {
			rp_between(r);
			rp_observe(r, true);
			r->r_hooks.rh_progress(r->r_hooks.rh_arg,
			    r->r_tot.rt_replayed);
			rp_observe(r, false);
		}
		rp_cpu_update(r, v);
		if (r->r_rc.rc_sample_ns != 0 && r->r_maxclock >= r->r_next_sample)
			rp_sample(r);
		if (ran && r->r_tick_left != 0 && --r->r_tick_left == 0) {
			rp_between(r);
			rp_observe(r, true);
			r->r_tick_left = r->r_hooks.rh_tick(r->r_hooks.rh_arg, r);
			rp_observe(r, false);
		}
	}
	rp_between(r);
	r->r_tot.rt_virtual_ns = r->r_maxclock;
	rp_observe(r, true);	/* until the next run: results are read */
	return r->r_status;
}

void
kml_replay_stop(struct kml_replay *r)
{
	r->r_stop = 1;
}

const char *
kml_replay_errmsg(const struct kml_replay *r)
{
	return r->r_err;
}

unsigned
kml_replay_cpus(const struct kml_replay *r)
{
	return r->r_ncpu;
}

kml_vtime_t
kml_replay_vtime(const struct kml_replay *r)
{
	return r->r_maxclock;
}

const struct kml_replay_totals *
kml_replay_totals(const struct kml_replay *r)
{
	return &r->r_tot;
}

const struct kml_replay_cpu *
kml_replay_cpu(const struct kml_replay *r, unsigned cpu)
{
	KML_ASSERT(cpu < r->r_ncpu);
	return &r->r_cpu[cpu].c_st;
}

const struct kml_replay_site *
kml_replay_site_first(const struct kml_replay *r)
{
	return r->r_nsite > 0 ? &r->r_site[0] : NULL;
}

const struct kml_replay_site *
kml_replay_site_next(const struct kml_replay *r,
    const struct kml_replay_site *s)
{
	return s + 1 < r->r_site + r->r_nsite ? s + 1 : NULL;
}

/*
 * The arenas: kmem_arena, kmem_va_arena, then the traced ones.
 * kmem_pageable_arena is private to lib/uvm_km.c and cannot be listed.
 */
unsigned
kml_replay_narenas(const struct kml_replay *r)
{
	return 3 + r->r_narenas;
}

vmem_t *
kml_replay_arena(const struct kml_replay *r, unsigned i, const char **sourcep)
{
	KML_ASSERT(i < 3 + r->r_narenas);
	if (i == 0) {
		*sourcep = NULL;
		return kmem_arena;
	}
	*sourcep = "kmem_arena";
	if (i == 1)
		return kmem_va_arena;
	if (i == 2)
		return kmem_pageable_arena;
	*sourcep = "kmem_va_arena";
	return r->r_str[r->r_arenas[i - 3]].s_arena;
}

void
kml_replay_destroy(struct kml_replay *r)
{
	rp_between(r);
	/* every object still live, in slot order */
	for (uint32_t i = 0; i < r->r_nobj; i++)
		if (r->r_obj[i].o_state == OS_LIVE) {
			r->r_curctx = KML_CTX_THREAD;
			rp_free(r, &r->r_obj[i]);
			r->r_obj[i].o_state = OS_FAILED;
		}
	for (uint32_t i = 1; i < r->r_nstr; i++) {
		if (r->r_str[i].s_cache != NULL)
			pool_cache_destroy(r->r_str[i].s_cache);
		if (r->r_str[i].s_pool != NULL)
			pool_cache_destroy(r->r_str[i].s_pool);
	}
	for (uint32_t k = r->r_narenas; k-- > 0;)
		vmem_destroy(r->r_str[r->r_arenas[k]].s_arena);
	kmem_fini();
	uvm_fini();
	rp_unhook(r);
	rp_free_tables(r);
}
