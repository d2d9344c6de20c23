/*
 * lib/pool_cache.c: per-CPU object caches with magazines (see
 * kmemlab/pool_cache.h), after NetBSD's pool_cache(9) and the magazine and
 * depot layers of Bonwick & Adams, "Magazines and Vmem" (USENIX 2001) as
 * illumos kmem.c implements them.
 *
 * ---- 1. Layers
 *
 *	pool_cache_get/put
 *	    |  per-CPU layer: loaded and previous magazine, no lock
 *	    |  depot layer: full and empty magazines, behind pc_depotlock
 *	    |  pool layer: pool_get/pool_put on the cache's own pool
 *
 * A magazine is an array of up to magsize object addresses (its rounds).
 * Objects in magazines are constructed; an object is constructed when it
 * leaves the pool layer and destructed when it goes back, so the
 * constructor runs exactly once per object that leaves the pool layer and
 * the destructor once per object returned to it.
 *
 * ---- 2. The magazine algorithm
 *
 * get: take a round from the loaded magazine; if it is empty and the
 * previous one is full (has rounds), exchange them and take; otherwise
 * (a miss) go to the depot: if it has a full magazine, the previous
 * (empty) magazine goes to the depot's empty list, the loaded one becomes
 * the previous, and the full one is loaded; if the depot has no full
 * magazine, the object comes from the pool layer and is constructed (a
 * constructor failure gives it back and fails the get).
 *
 * put: the mirror image: the loaded magazine if it has room, else the
 * previous if it is empty (exchange), else the depot: an empty magazine
 * from it (the previous, full, goes to the full list), or a new empty
 * magazine, or, if none can be had, destruct the object and give it to
 * the pool layer.
 *
 * Why two magazines: after a miss the CPU holds one full and one empty
 * magazine (or the other way round), so it cannot miss again before it
 * has done magsize gets or magsize puts: a CPU goes to the depot at most
 * once every magsize operations, whatever the sequence of gets and puts.
 * An object freed on another CPU than the one that allocated it goes to
 * the freeing CPU's magazines.
 *
 * ---- 3. Policy
 *
 * Fixed (NetBSD): magazines of pcp_magsize objects (15), or
 * pcp_magsize_large (63) for PR_LARGECACHE caches.
 * Adaptive (illumos): the cache starts at the first magazine type of
 * pool_cache_magsizes whose minimum object size is below the cache's
 * object size, and when the depot lock was contended more than
 * pcp_contention times in an update interval, and the object is smaller
 * than the type's maximum, every magazine is purged and the cache moves
 * to the next type (kmem_cache_magazine_resize).
 * No magazines (pcp_nomag, illumos KMC_NOMAGAZINE): every get and put
 * is a per-CPU miss that goes straight to the pool layer (constructing
 * and destructing), past the depot: the cache is then a pool with a
 * constructor, and every CPU takes the pool's lock, as Bonwick & Adams'
 * baseline for measuring what magazines buy.
 * Trimming (illumos working set): the depot remembers the fewest full and
 * empty magazines it held during the interval; at each update those
 * magazines were not needed, and are released (full ones destructed into
 * the pool).  Updates happen lazily, when the depot lock is taken at or
 * after the update time.  The page layer's pagedaemon trims every cache
 * at UVM_RECLAIM_CACHE_TRIM and invalidates every cache at
 * UVM_RECLAIM_CACHE_INVAL.
 *
 * ---- 4. Locking and accounting
 *
 * The per-CPU layer takes no lock: a virtual CPU runs one event at a time
 * and never sleeps inside it.  The depot lock is a kml_mutex, so depot
 * contention between virtual CPUs is real in the simulation; contended
 * acquisitions are counted per cache.  Magazines are process memory.
 * Invariant (pool_cache_check): every cached object is an item of the
 * cache's pool that is out of the pool, and is in exactly one magazine.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/pool_cache.h>
#include <kmemlab/uvm_km.h>

/* illumos magazine types: rounds, and the object sizes each suits. */
static const struct {
	unsigned mt_magsize;	/* objects per magazine */
	uint64_t mt_minbuf;	/* used for objects larger than this */
	uint64_t mt_maxbuf;	/* grows past this type only for objects below this */
} pc_magtype[] = {
	{ 1, 3200, 65536 }, { 3, 256, 32768 }, { 7, 64, 16384 },
	{ 15, 0, 8192 }, { 31, 0, 4096 }, { 47, 0, 2048 }, { 63, 0, 1024 },
	{ 95, 0, 512 }, { 143, 0, 0 },
};
#define PC_NMAGTYPES (sizeof(pc_magtype) / sizeof(pc_magtype[0]))

const unsigned pool_cache_magsizes[] = { 1, 3, 7, 15, 31, 47, 63, 95, 143 };
const unsigned pool_cache_nmagsizes = PC_NMAGTYPES;

struct pc_magazine {
	struct pc_magazine *mg_next;	/* depot list */
	unsigned mg_size;		/* capacity */
	unsigned mg_rounds;		/* objects in it */
	vmem_addr_t mg_round[];
};

struct pc_cpu {
	struct pc_magazine *cc_loaded;
	struct pc_magazine *cc_previous;
	struct pool_cache_stats cc_st;	/* the per-CPU fields */
};

struct pool_cache {
	struct pool pc_pool;		/* the pool layer */
	pool_cache_ctor_t pc_ctor;
	pool_cache_dtor_t pc_dtor;
	void *pc_arg;
	struct pool_cache_policy pc_policy;
	unsigned pc_magtype;		/* adaptive: index in pc_magtype */
	unsigned pc_magsize;		/* objects per magazine now */

	/* depot layer */
	struct kml_mutex pc_depotlock;	/* protects the depot fields */
	struct pc_magazine *pc_full;	/* full magazines */
	struct pc_magazine *pc_empty;	/* empty magazines */
	uint64_t pc_nfull, pc_nempty;
	uint64_t pc_full_min;		/* fewest full magazines this interval */
	uint64_t pc_empty_min;		/* fewest empty magazines this interval */
	uint64_t pc_contended;		/* contended depot acquisitions this interval */
	kml_vtime_t pc_next_update;	/* virtual time of the next update */

	struct pool_cache_stats pc_st;	/* depot, pool-layer and magazine fields */
	uint64_t pc_out;		/* objects out with callers now */
	uint64_t pc_peak;		/* most of them at once (pool_cache_peak) */
	struct pc_cpu *pc_cpu[KML_MAXCPUS]; /* allocated on first use */
	unsigned pc_ncpu;		/* pc_cpu[pc_ncpu..] are NULL */
	struct pool_cache *pc_next;	/* all caches */
};

const struct kml_statdesc pool_cache_statdesc[] = {
	KML_STAT(struct pool_cache_stats, cpu_gets, KML_UNIT_COUNT, "pool_cache_get calls"),
	KML_STAT(struct pool_cache_stats, cpu_hits, KML_UNIT_COUNT, "gets served by a CPU magazine"),
	KML_STAT(struct pool_cache_stats, cpu_misses, KML_UNIT_COUNT, "gets that went to the depot or below"),
	KML_STAT(struct pool_cache_stats, cpu_puts, KML_UNIT_COUNT, "pool_cache_put calls"),
	KML_STAT(struct pool_cache_stats, cpu_put_hits, KML_UNIT_COUNT, "puts that fit a CPU magazine"),
	KML_STAT(struct pool_cache_stats, cpu_put_misses, KML_UNIT_COUNT, "puts that went to the depot or below"),
	KML_STAT(struct pool_cache_stats, cpu_cached, KML_UNIT_COUNT, "objects in CPU magazines"),
	KML_STAT(struct pool_cache_stats, depot_get_hits, KML_UNIT_COUNT, "misses served with a full magazine"),
	KML_STAT(struct pool_cache_stats, depot_get_misses, KML_UNIT_COUNT, "misses with no full magazine"),
	KML_STAT(struct pool_cache_stats, depot_put_hits, KML_UNIT_COUNT, "put misses given an empty magazine"),
	KML_STAT(struct pool_cache_stats, depot_put_misses, KML_UNIT_COUNT, "put misses with no empty magazine"),
	KML_STAT(struct pool_cache_stats, depot_full, KML_UNIT_COUNT, "full magazines in the depot"),
	KML_STAT(struct pool_cache_stats, depot_empty, KML_UNIT_COUNT, "empty magazines in the depot"),
	KML_STAT(struct pool_cache_stats, depot_cached, KML_UNIT_COUNT, "objects in depot magazines"),
	KML_STAT(struct pool_cache_stats, depot_contended, KML_UNIT_COUNT, "depot lock acquisitions that waited"),
	KML_STAT(struct pool_cache_stats, depot_wait_ns, KML_UNIT_NS, "time waited for the depot lock"),
	KML_STAT(struct pool_cache_stats, pool_gets, KML_UNIT_COUNT, "objects taken from the pool"),
	KML_STAT(struct pool_cache_stats, pool_puts, KML_UNIT_COUNT, "objects given back to the pool"),
	KML_STAT(struct pool_cache_stats, ctor_calls, KML_UNIT_COUNT, "constructor calls"),
	KML_STAT(struct pool_cache_stats, ctor_fails, KML_UNIT_COUNT, "constructor failures"),
	KML_STAT(struct pool_cache_stats, dtor_calls, KML_UNIT_COUNT, "destructor calls"),
	KML_STAT(struct pool_cache_stats, fails, KML_UNIT_COUNT, "gets that returned 0"),
	KML_STAT(struct pool_cache_stats, magsize, KML_UNIT_COUNT, "objects per magazine"),
	KML_STAT(struct pool_cache_stats, mag_allocs, KML_UNIT_COUNT, "magazines created"),
	KML_STAT(struct pool_cache_stats, resizes, KML_UNIT_COUNT, "magazine size changes"),
	KML_STAT(struct pool_cache_stats, trims, KML_UNIT_COUNT, "magazines released by trimming"),
	KML_STAT(struct pool_cache_stats, invalidations, KML_UNIT_COUNT, "invalidations and purges"),
	KML_STAT(struct pool_cache_stats, errors, KML_UNIT_COUNT, "reported misuses"),
};
const size_t pool_cache_nstatdesc =
    sizeof(pool_cache_statdesc) / sizeof(pool_cache_statdesc[0]);

static struct pool_cache *pc_head;
static unsigned pc_count;
static bool pc_reclaimers_on;
static struct pool_cache_policy pc_default_policy = {
	.pcp_adaptive = false, .pcp_magsize = 15, .pcp_magsize_large = 63,
	.pcp_contention = 0, .pcp_trim = false,
	.pcp_interval_ns = UINT64_C(15000000000),
};

int
pool_cache_policy_default(struct pool_cache_policy *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->pcp_magsize = 15;
	p->pcp_magsize_large = 63;
	p->pcp_interval_ns = UINT64_C(15000000000);
	if (strcmp(name, "netbsd") == 0)
		return 0;
	if (strcmp(name, "illumos") == 0) {
		p->pcp_adaptive = true;
		p->pcp_contention = 3;
		p->pcp_trim = true;
		return 0;
	}
	return -1;
}

void
pool_cache_set_default_policy(const struct pool_cache_policy *p)
{
	if (p == NULL)
		pool_cache_policy_default(&pc_default_policy, "netbsd");
	else
		pc_default_policy = *p;
}

/* ---- magazines */

static struct pc_magazine *
pc_mag_alloc(struct pool_cache *pc)
{
	struct pc_magazine *mg;

	mg = malloc(sizeof(*mg) + pc->pc_magsize * sizeof(vmem_addr_t));
	if (mg == NULL)
		return NULL;
	mg->mg_next = NULL;
	mg->mg_size = pc->pc_magsize;
	mg->mg_rounds = 0;
	pc->pc_st.mag_allocs++;
	return mg;
}

/* pc_destruct: destruct obj and give it to the pool layer. */
static void
pc_destruct(struct pool_cache *pc, vmem_addr_t obj)
{
	if (pc->pc_dtor != NULL) {
		pc->pc_st.dtor_calls++;
		pc->pc_dtor(pc->pc_arg, obj);
	}
	pc->pc_st.pool_puts++;
	pool_put(&pc->pc_pool, obj);
}

/* pc_mag_empty: destruct every round of mg into the pool. */
static void
pc_mag_empty(struct pool_cache *pc, struct pc_magazine *mg)
{
	while (mg->mg_rounds > 0)
		pc_destruct(pc, mg->mg_round[--mg->mg_rounds]);
}

static struct pc_cpu *
pc_cpu(struct pool_cache *pc)
{
	unsigned cpu = kml_curcpu();
	struct pc_cpu *cc = pc->pc_cpu[cpu];

	if (cc == NULL) {
		cc = calloc(1, sizeof(*cc));
		KML_ASSERTMSG(cc != NULL, "pool_cache \"%s\": out of memory",
		    pc->pc_pool.pr_name);
		pc->pc_cpu[cpu] = cc;
		if (cpu >= pc->pc_ncpu)
			pc->pc_ncpu = cpu + 1;
	}
	return cc;
}

/* ---- the depot */

/*
 * pc_depot_enter: take the depot lock, counting contention, and run the
 * interval update when it is due.
 */
static void pc_update(struct pool_cache *pc);

static void
pc_depot_enter(struct pool_cache *pc)
{
	uint64_t contended = pc->pc_depotlock.m_stat.ls_contended;
	uint64_t waited = pc->pc_depotlock.m_stat.ls_wait_ns;

	kml_mutex_enter(&pc->pc_depotlock);
	if (pc->pc_depotlock.m_stat.ls_contended != contended) {
		pc->pc_contended++;
		pc->pc_st.depot_contended++;
		pc->pc_st.depot_wait_ns += pc->pc_depotlock.m_stat.ls_wait_ns - waited;
	}
	if (kml_now() >= pc->pc_next_update)
		pc_update(pc);
}

static struct pc_magazine *
pc_depot_take(struct pool_cache *pc, bool full)
{
	struct pc_magazine **head = full ? &pc->pc_full : &pc->pc_empty;
	uint64_t *n = full ? &pc->pc_nfull : &pc->pc_nempty;
	uint64_t *min = full ? &pc->pc_full_min : &pc->pc_empty_min;
	struct pc_magazine *mg = *head;

	if (mg == NULL)
		return NULL;
	*head = mg->mg_next;
	(*n)--;
	if (*n < *min)
		*min = *n;
	return mg;
}

static void
pc_depot_give(struct pool_cache *pc, struct pc_magazine *mg)
{
	bool full = mg->mg_rounds > 0;

	KML_ASSERT(!full || mg->mg_rounds == mg->mg_size);
	if (full) {
		mg->mg_next = pc->pc_full;
		pc->pc_full = mg;
		pc->pc_nfull++;
	} else {
		mg->mg_next = pc->pc_empty;
		pc->pc_empty = mg;
		pc->pc_nempty++;
	}
}

/*
 * pc_depot_reap: release up to nfull full and nempty empty magazines.
 * => depot lock held.  Returns the magazines released.
 */
static unsigned
pc_depot_reap(struct pool_cache *pc, uint64_t nfull, uint64_t nempty)
{
	struct pc_magazine *mg;
	unsigned n = 0;

	while (nfull-- > 0 && (mg = pc_depot_take(pc, true)) != NULL) {
		pc_mag_empty(pc, mg);
		free(mg);
		n++;
	}
	while (nempty-- > 0 && (mg = pc_depot_take(pc, false)) != NULL) {
		free(mg);
		n++;
	}
	return n;
}

/*
 * pc_purge: empty and free every magazine, CPU and depot.
 * => depot lock held.
 */
static void
pc_purge(struct pool_cache *pc)
{
	for (unsigned i = 0; i < pc->pc_ncpu; i++) {
		struct pc_cpu *cc = pc->pc_cpu[i];

		if (cc == NULL)
			continue;
		for (int k = 0; k < 2; k++) {
			struct pc_magazine **mgp = k ? &cc->cc_previous : &cc->cc_loaded;

			if (*mgp != NULL) {
				pc_mag_empty(pc, *mgp);
				free(*mgp);
				*mgp = NULL;
			}
		}
	}
	pc_depot_reap(pc, UINT64_MAX, UINT64_MAX);
	pc->pc_full_min = pc->pc_empty_min = 0;
	pc->pc_st.invalidations++;
}

/* pc_update: the interval update of section 3.  => depot lock held. */
static void
pc_update(struct pool_cache *pc)
{
	const struct pool_cache_policy *p = &pc->pc_policy;

	if (p->pcp_trim)
		pc->pc_st.trims += pc_depot_reap(pc, pc->pc_full_min,
		    pc->pc_empty_min);
	if (p->pcp_adaptive && pc->pc_contended > p->pcp_contention &&
	    pc->pc_magtype + 1 < PC_NMAGTYPES &&
	    pc->pc_pool.pr_size < pc_magtype[pc->pc_magtype].mt_maxbuf) {
		pc_purge(pc);
		pc->pc_magtype++;
		pc->pc_magsize = pc_magtype[pc->pc_magtype].mt_magsize;
		pc->pc_st.resizes++;
	}
	pc->pc_full_min = pc->pc_nfull;
	pc->pc_empty_min = pc->pc_nempty;
	pc->pc_contended = 0;
	pc->pc_next_update = kml_now() + p->pcp_interval_ns;
}

/* ---- the page layer's reclaimers */

static uint64_t
pc_reclaim_trim(void *arg, uint64_t want)
{
	(void)arg;
	(void)want;
	for (struct pool_cache *pc = pc_head; pc != NULL; pc = pc->pc_next)
		pool_cache_trim(pc);
	return 0;
}

static uint64_t
pc_reclaim_inval(void *arg, uint64_t want)
{
	(void)arg;
	(void)want;
	for (struct pool_cache *pc = pc_head; pc != NULL; pc = pc->pc_next)
		pool_cache_invalidate(pc);
	return 0;
}

static struct uvm_reclaimer pc_trim_reclaimer = {
	.ur_name = "pool_cache trim", .ur_order = UVM_RECLAIM_CACHE_TRIM,
	.ur_fn = pc_reclaim_trim,
};
static struct uvm_reclaimer pc_inval_reclaimer = {
	.ur_name = "pool_cache invalidate", .ur_order = UVM_RECLAIM_CACHE_INVAL,
	.ur_fn = pc_reclaim_inval,
};

/* ---- set-up */

static void
pc_set_policy1(struct pool_cache *pc, const struct pool_cache_policy *p)
{
	pc->pc_policy = *p;
	if (p->pcp_adaptive) {
		unsigned t = 0;

		while (t + 1 < PC_NMAGTYPES &&
		    pc->pc_pool.pr_size <= pc_magtype[t].mt_minbuf)
			t++;
		pc->pc_magtype = t;
		pc->pc_magsize = pc_magtype[t].mt_magsize;
	} else {
		pc->pc_magsize = (pc->pc_pool.pr_flags & PR_LARGECACHE) ?
		    p->pcp_magsize_large : p->pcp_magsize;
	}
	KML_ASSERTMSG(pc->pc_magsize > 0, "pool_cache \"%s\": magazine size 0",
	    pc->pc_pool.pr_name);
	pc->pc_next_update = kml_now() + p->pcp_interval_ns;
}

pool_cache_t
pool_cache_init(size_t size, unsigned align, unsigned align_offset, int flags,
    const char *wchan, struct pool_allocator *palloc, int ipl,
    pool_cache_ctor_t ctor, pool_cache_dtor_t dtor, void *arg)
{
	struct pool_cache *pc = calloc(1, sizeof(*pc));
	struct pool_cache **tail;

	KML_ASSERTMSG(pc != NULL, "pool_cache_init: out of memory");
	pool_init(&pc->pc_pool, size, align, align_offset, flags, wchan, palloc,
	    ipl);
	pc->pc_ctor = ctor;
	pc->pc_dtor = dtor;
	pc->pc_arg = arg;
	kml_mutex_init(&pc->pc_depotlock, pc->pc_pool.pr_name);
	pc_set_policy1(pc, &pc_default_policy);
	for (tail = &pc_head; *tail != NULL; tail = &(*tail)->pc_next)
		continue;
	*tail = pc;
	pc_count++;
	if (!pc_reclaimers_on && uvm_pagesize() != 0) {
		uvm_reclaimer_register(&pc_trim_reclaimer);
		uvm_reclaimer_register(&pc_inval_reclaimer);
		pc_reclaimers_on = true;
	}
	return pc;
}

void
pool_cache_destroy(pool_cache_t pc)
{
	struct pool_cache **pp;

	kml_mutex_enter(&pc->pc_depotlock);
	pc_purge(pc);
	kml_mutex_exit(&pc->pc_depotlock);
	for (unsigned i = 0; i < pc->pc_ncpu; i++)
		free(pc->pc_cpu[i]);
	for (pp = &pc_head; *pp != pc; pp = &(*pp)->pc_next)
		KML_ASSERT(*pp != NULL);
	*pp = pc->pc_next;
	if (--pc_count == 0 && pc_reclaimers_on) {
		uvm_reclaimer_unregister(&pc_inval_reclaimer);
		uvm_reclaimer_unregister(&pc_trim_reclaimer);
		pc_reclaimers_on = false;
	}
	pool_destroy(&pc->pc_pool);
	kml_mutex_destroy(&pc->pc_depotlock);
	free(pc);
}

void
pool_cache_set_policy(pool_cache_t pc, const struct pool_cache_policy *p)
{
	kml_mutex_enter(&pc->pc_depotlock);
	pc_purge(pc);
	pc_set_policy1(pc, p);
	kml_mutex_exit(&pc->pc_depotlock);
}

/* ---- get and put */

/* pc_get: pool_cache_get but for the count of objects out. */
static vmem_addr_t
pc_get(pool_cache_t pc, int flags)
{
	struct pc_cpu *cc = pc_cpu(pc);
	struct pc_magazine *mg;
	vmem_addr_t obj;

	cc->cc_st.cpu_gets++;
	if ((flags & ~(PR_WAITOK | PR_NOWAIT | PR_LIMITFAIL | PR_ZERO)) != 0 ||
	    ((flags & PR_WAITOK) != 0) == ((flags & PR_NOWAIT) != 0) ||
	    ((flags & PR_WAITOK) && kml_intr_p())) {
		/* checked at entry, as NetBSD asserts; the pool reports it */
		pc->pc_st.errors++;
		pc->pc_st.fails++;
		return pool_get(&pc->pc_pool, flags);
	}
	if (pc->pc_policy.pcp_nomag) {
		cc->cc_st.cpu_misses++;
		goto pool;
	}
	for (;;) {
		mg = cc->cc_loaded;
		if (mg != NULL && mg->mg_rounds > 0) {
			cc->cc_st.cpu_hits++;
			kml_charge(KML_COST_POOL_ITEM, 1);
			return mg->mg_round[--mg->mg_rounds];
		}
		if (cc->cc_previous != NULL && cc->cc_previous->mg_rounds > 0) {
			cc->cc_loaded = cc->cc_previous;
			cc->cc_previous = mg;
			continue;
		}
		break;
	}
	/* a miss: the depot */
	cc->cc_st.cpu_misses++;
	pc_depot_enter(pc);
	if ((mg = pc_depot_take(pc, true)) != NULL) {
		pc->pc_st.depot_get_hits++;
		if (cc->cc_previous != NULL)
			pc_depot_give(pc, cc->cc_previous);
		cc->cc_previous = cc->cc_loaded;
		cc->cc_loaded = mg;
		kml_mutex_exit(&pc->pc_depotlock);
		return mg->mg_round[--mg->mg_rounds];
	}
	pc->pc_st.depot_get_misses++;
	kml_mutex_exit(&pc->pc_depotlock);

	/* the pool layer */
pool:
	obj = pool_get(&pc->pc_pool, flags);
	if (obj == 0) {
		pc->pc_st.fails++;
		return 0;
	}
	pc->pc_st.pool_gets++;
	if (pc->pc_ctor != NULL) {
		pc->pc_st.ctor_calls++;
		if (pc->pc_ctor(pc->pc_arg, obj, flags & (PR_WAITOK | PR_NOWAIT)) != 0) {
			pc->pc_st.ctor_fails++;
			pc->pc_st.pool_puts++;
			pool_put(&pc->pc_pool, obj);
			pc->pc_st.fails++;
			return 0;
		}
	}
	return obj;
}

vmem_addr_t
pool_cache_get(pool_cache_t pc, int flags)
{
	vmem_addr_t obj = pc_get(pc, flags);

	if (obj != 0 && ++pc->pc_out > pc->pc_peak)
		pc->pc_peak = pc->pc_out;
	return obj;
}

static bool pc_unchecked;	/* pool_cache_set_checking(false) */

void
pool_cache_set_checking(bool on)
{
	pc_unchecked = !on;
}

/*
 * pc_owns: obj is an allocated item of pc's pool (always true when
 * checking is off).  A check of kmemlab's (the kernels trust the caller
 * here), so it is made in observer mode: the pool's lock is not counted,
 * waited for or charged, and the per-CPU fast path stays free of the
 * pool's lock, as in the kernels.
 */
static bool
pc_owns(pool_cache_t pc, vmem_addr_t obj)
{
	bool was, owns;

	if (pc_unchecked)
		return true;
	was = kml_env_observe(true);
	owns = pool_owns(&pc->pc_pool, obj);
	kml_env_observe(was);
	return owns;
}

void
pool_cache_put(pool_cache_t pc, vmem_addr_t obj)
{
	struct pc_cpu *cc = pc_cpu(pc);
	struct pc_magazine *mg;

	cc->cc_st.cpu_puts++;
	if (!pc_owns(pc, obj)) {
		/* the pool says what is wrong, and changes nothing */
		pc->pc_st.errors++;
		pool_put(&pc->pc_pool, obj);
		return;
	}
	pc->pc_out--;
	if (pc->pc_policy.pcp_nomag) {
		cc->cc_st.cpu_put_misses++;
		pc_destruct(pc, obj);
		return;
	}
	for (;;) {
		mg = cc->cc_loaded;
		if (mg != NULL && mg->mg_rounds < mg->mg_size) {
			cc->cc_st.cpu_put_hits++;
			kml_charge(KML_COST_POOL_ITEM, 1);
			mg->mg_round[mg->mg_rounds++] = obj;
			return;
		}
		if (cc->cc_previous != NULL && cc->cc_previous->mg_rounds == 0) {
			cc->cc_loaded = cc->cc_previous;
			cc->cc_previous = mg;
			continue;
		}
		break;
	}
	/* a miss: an empty magazine from the depot, or a new one */
	cc->cc_st.cpu_put_misses++;
	pc_depot_enter(pc);
	if ((mg = pc_depot_take(pc, false)) != NULL)
		pc->pc_st.depot_put_hits++;
	else {
		pc->pc_st.depot_put_misses++;
		mg = pc_mag_alloc(pc);
	}
	if (mg == NULL) {
		kml_mutex_exit(&pc->pc_depotlock);
		pc_destruct(pc, obj);
		return;
	}
	if (cc->cc_previous != NULL)
		pc_depot_give(pc, cc->cc_previous);
	cc->cc_previous = cc->cc_loaded;
	cc->cc_loaded = mg;
	mg->mg_round[mg->mg_rounds++] = obj;
	kml_mutex_exit(&pc->pc_depotlock);
}

void
pool_cache_invalidate(pool_cache_t pc)
{
	kml_mutex_enter(&pc->pc_depotlock);
	pc_purge(pc);
	kml_mutex_exit(&pc->pc_depotlock);
}

unsigned
pool_cache_trim(pool_cache_t pc)
{
	unsigned n;

	kml_mutex_enter(&pc->pc_depotlock);
	n = pc_depot_reap(pc, pc->pc_full_min, pc->pc_empty_min);
	pc->pc_st.trims += n;
	pc->pc_full_min = pc->pc_nfull;
	pc->pc_empty_min = pc->pc_nempty;
	kml_mutex_exit(&pc->pc_depotlock);
	return n;
}

/* ---- pass-through */

void
pool_cache_setlowat(pool_cache_t pc, int n)
{
	pool_setlowat(&pc->pc_pool, n);
}

void
pool_cache_sethiwat(pool_cache_t pc, int n)
{
	pool_sethiwat(&pc->pc_pool, n);
}

void
pool_cache_sethardlimit(pool_cache_t pc, int n, const char *warnmsg, int ratecap)
{
	pool_sethardlimit(&pc->pc_pool, n > 0 ? (unsigned)n : 0, warnmsg, ratecap);
}

void
pool_cache_set_drain_hook(pool_cache_t pc, void (*fn)(void *, int), void *arg)
{
	pool_set_drain_hook(&pc->pc_pool, fn, arg);
}

struct pool *
pool_cache_pool(pool_cache_t pc)
{
	return &pc->pc_pool;
}

const char *
pool_cache_name(pool_cache_t pc)
{
	return pc->pc_pool.pr_name;
}

pool_cache_t
pool_cache_first(void)
{
	return pc_head;
}

pool_cache_t
pool_cache_next(pool_cache_t pc)
{
	return pc->pc_next;
}

/* ---- statistics */

static uint64_t
pc_mag_rounds(const struct pc_magazine *mg)
{
	return mg != NULL ? mg->mg_rounds : 0;
}

/* pc_cpu_add: add the per-CPU fields of cc to *st. */
static void
pc_cpu_add(struct pool_cache_stats *st, const struct pc_cpu *cc)
{
	st->cpu_gets += cc->cc_st.cpu_gets;
	st->cpu_hits += cc->cc_st.cpu_hits;
	st->cpu_misses += cc->cc_st.cpu_misses;
	st->cpu_puts += cc->cc_st.cpu_puts;
	st->cpu_put_hits += cc->cc_st.cpu_put_hits;
	st->cpu_put_misses += cc->cc_st.cpu_put_misses;
	st->cpu_cached += pc_mag_rounds(cc->cc_loaded) + pc_mag_rounds(cc->cc_previous);
}

void
pool_cache_stats(pool_cache_t pc, struct pool_cache_stats *st)
{
	kml_mutex_enter(&pc->pc_depotlock);
	*st = pc->pc_st;
	for (unsigned i = 0; i < pc->pc_ncpu; i++)
		if (pc->pc_cpu[i] != NULL)
			pc_cpu_add(st, pc->pc_cpu[i]);
	st->depot_full = pc->pc_nfull;
	st->depot_empty = pc->pc_nempty;
	st->depot_cached = pc->pc_nfull * pc->pc_magsize;
	st->magsize = pc->pc_magsize;
	kml_mutex_exit(&pc->pc_depotlock);
}

void
pool_cache_cpu_stats(pool_cache_t pc, unsigned cpu, struct pool_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (cpu < pc->pc_ncpu && pc->pc_cpu[cpu] != NULL)
		pc_cpu_add(st, pc->pc_cpu[cpu]);
	st->magsize = pc->pc_magsize;
}

/* ---- the checker */

static int
pc_cmp_addr(const void *a, const void *b)
{
	vmem_addr_t x = *(const vmem_addr_t *)a, y = *(const vmem_addr_t *)b;

	return x < y ? -1 : x > y;
}

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			goto out;					\
		}							\
	} while (0)

/* pc_collect: append mg's rounds to objs, checking its shape. */
static int
pc_collect(const struct pool_cache *pc, const struct pc_magazine *mg,
    vmem_addr_t **objs, size_t *n, size_t *cap, char *buf, size_t len)
{
	if (mg == NULL)
		return 0;
	if (mg->mg_rounds > mg->mg_size || mg->mg_size != pc->pc_magsize) {
		snprintf(buf, len, "magazine with %u rounds of %u, cache size %u",
		    mg->mg_rounds, mg->mg_size, pc->pc_magsize);
		return -1;
	}
	if (*n + mg->mg_rounds > *cap) {
		size_t ncap = (*cap + mg->mg_rounds) * 2;
		vmem_addr_t *p = realloc(*objs, ncap * sizeof(**objs));

		if (p == NULL) {
			snprintf(buf, len, "out of memory");
			return -1;
		}
		*objs = p;
		*cap = ncap;
	}
	if (mg->mg_rounds > 0)
		memcpy(*objs + *n, mg->mg_round, mg->mg_rounds * sizeof(vmem_addr_t));
	*n += mg->mg_rounds;
	return 0;
}

int
pool_cache_check(pool_cache_t pc, char *buf, size_t len)
{
	vmem_addr_t *objs = NULL;
	size_t n = 0, cap = 0;
	uint64_t count;
	int error = -1;

	kml_mutex_enter(&pc->pc_depotlock);
	for (unsigned i = 0; i < pc->pc_ncpu; i++) {
		const struct pc_cpu *cc = pc->pc_cpu[i];

		if (cc == NULL)
			continue;
		CHECK(cc->cc_previous == NULL || cc->cc_previous->mg_rounds == 0 ||
		    cc->cc_previous->mg_rounds == cc->cc_previous->mg_size,
		    "cpu %u: previous magazine neither empty nor full (%u of %u)",
		    i, cc->cc_previous->mg_rounds, cc->cc_previous->mg_size);
		if (pc_collect(pc, cc->cc_loaded, &objs, &n, &cap, buf, len) ||
		    pc_collect(pc, cc->cc_previous, &objs, &n, &cap, buf, len))
			goto out;
	}
	count = 0;
	for (const struct pc_magazine *mg = pc->pc_full; mg != NULL; mg = mg->mg_next, count++) {
		CHECK(mg->mg_rounds == mg->mg_size, "depot full list holds a "
		    "magazine with %u rounds of %u", mg->mg_rounds, mg->mg_size);
		if (pc_collect(pc, mg, &objs, &n, &cap, buf, len))
			goto out;
	}
	CHECK(count == pc->pc_nfull, "depot counts %" PRIu64 " full magazines, "
	    "holds %" PRIu64, pc->pc_nfull, count);
	count = 0;
	for (const struct pc_magazine *mg = pc->pc_empty; mg != NULL; mg = mg->mg_next, count++)
		CHECK(mg->mg_rounds == 0, "depot empty list holds a magazine "
		    "with %u rounds", mg->mg_rounds);
	CHECK(count == pc->pc_nempty, "depot counts %" PRIu64 " empty "
	    "magazines, holds %" PRIu64, pc->pc_nempty, count);
	if (n > 1)
		qsort(objs, n, sizeof(*objs), pc_cmp_addr);
	for (size_t i = 0; i < n; i++) {
		CHECK(i == 0 || objs[i] != objs[i - 1], "object %#" PRIx64
		    " cached twice", objs[i]);
		CHECK(pool_owns(&pc->pc_pool, objs[i]), "cached object %#"
		    PRIx64 " is not an item out of the pool", objs[i]);
	}
	CHECK(n <= pc->pc_pool.pr_st.inuse, "%zu objects cached, %" PRIu64
	    " out of the pool", n, pc->pc_pool.pr_st.inuse);
	error = 0;
out:
	kml_mutex_exit(&pc->pc_depotlock);
	free(objs);
	if (error == 0)
		error = pool_check(&pc->pc_pool, buf, len);
	return error;
}

uint64_t
pool_cache_inuse(const struct pool_cache_stats *cs, const struct pool_stats *ps)
{
	uint64_t cached = cs->cpu_cached + cs->depot_cached;

	return ps->inuse > cached ? ps->inuse - cached : 0;
}

uint64_t
pool_cache_peak(pool_cache_t pc)
{
	return pc->pc_peak;
}

void
pool_cache_depot_lockstat(pool_cache_t pc, struct kml_lockstat *ls)
{
	*ls = pc->pc_depotlock.m_stat;
}
