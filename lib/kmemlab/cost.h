/*
 * kmemlab/cost.h: the cost model, in virtual nanoseconds.
 *
 * Every allocator path charges what it does to the clock of the CPU that
 * runs it: kml_charge(KML_COST_VMEM_PROBE, n) for n freelist probes, and so
 * on.  The table of costs is data: each entry has a name, a default and a
 * description, and can be changed by name (kml_cost_set), so that a run can
 * record and vary its cost model.  The defaults are rough figures for a
 * 2020s x86-64 core with warm caches; they only need to be in the right
 * proportion to one another.
 */
#ifndef KMEMLAB_COST_H
#define KMEMLAB_COST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kml_cost_id {
	KML_COST_LOCK,		/* take and release an uncontended lock */
	KML_COST_VMEM_CALL,	/* fixed cost of a vmem entry point */
	KML_COST_VMEM_PROBE,	/* examine one free segment */
	KML_COST_VMEM_BITMAP,	/* one freelist bitmap lookup */
	KML_COST_VMEM_HASH,	/* one step along a busy-segment hash chain */
	KML_COST_VMEM_SPLIT,	/* split a free segment (tag work) */
	KML_COST_VMEM_COALESCE,	/* merge two free segments */
	KML_COST_VMEM_REHASH,	/* move one segment to a resized hash table */
	KML_COST_VMEM_IMPORT,	/* call into a source arena (beyond its own cost) */
	KML_COST_PAGE,		/* take or give back one physical page */
	KML_COST_POOL_ITEM,	/* pool: hand out or take back one item */
	KML_COST_POOL_PAGE,	/* pool: set up or tear down one page */
	KML_COST_MALLOC_BLOCK,	/* bsd_malloc: hand out or take back one block */
	KML_COST_MEMPOOL_ELEM,	/* mempool: take from or refill the reserve */
	KML_COST_NCOSTS
};

/* One row of the cost table. */
struct kml_costdesc {
	const char *cd_name;		/* key for kml_cost_set and --set */
	uint64_t cd_default_ns;		/* default, virtual ns */
	const char *cd_descr;		/* one line for help and reports */
};

/* The table, indexed by enum kml_cost_id. */
extern const struct kml_costdesc kml_costdesc[KML_COST_NCOSTS];

/* Current costs, indexed by enum kml_cost_id. */
extern uint64_t kml_cost_ns[KML_COST_NCOSTS];

/*
 * kml_cost_set: set the cost called name to ns.
 * => returns 0, or -1 if no cost has that name.
 */
int kml_cost_set(const char *name, uint64_t ns);

/* kml_cost_reset: every cost back to its default. */
void kml_cost_reset(void);

/* kml_charge: charge n times cost id to the current CPU. */
void kml_charge(enum kml_cost_id id, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_COST_H */
