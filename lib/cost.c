/*
 * lib/cost.c: the cost model table (see kmemlab/cost.h).
 */
#include "config.h"

#include <string.h>

#include <kmemlab/cost.h>
#include <kmemlab/env.h>

/* The defaults, one line per cost: id, name, virtual ns, description. */
#define KML_COSTS(X)							\
	X(KML_COST_LOCK, "lock", 20, "take and release an uncontended lock") \
	X(KML_COST_VMEM_CALL, "vmem_call", 15, "fixed cost of a vmem entry point") \
	X(KML_COST_VMEM_PROBE, "vmem_probe", 4, "examine one free segment") \
	X(KML_COST_VMEM_BITMAP, "vmem_bitmap", 2, "one freelist bitmap lookup") \
	X(KML_COST_VMEM_HASH, "vmem_hash", 3, "one step along a hash chain") \
	X(KML_COST_VMEM_SPLIT, "vmem_split", 10, "split a free segment") \
	X(KML_COST_VMEM_COALESCE, "vmem_coalesce", 10, "merge two free segments") \
	X(KML_COST_VMEM_REHASH, "vmem_rehash", 5, "move one segment to a resized hash") \
	X(KML_COST_VMEM_IMPORT, "vmem_import", 50, "call into a source arena") \
	X(KML_COST_PAGE, "page", 40, "take or give back one physical page") \
	X(KML_COST_POOL_ITEM, "pool_item", 25, "pool: hand out or take back one item") \
	X(KML_COST_POOL_PAGE, "pool_page", 60, "pool: set up or tear down one page") \
	X(KML_COST_MALLOC_BLOCK, "malloc_block", 25, "bsd_malloc: hand out or take back one block") \
	X(KML_COST_MEMPOOL_ELEM, "mempool_elem", 15, "mempool: take from or refill the reserve")

#define COST_DESC(id, name, ns, descr) [id] = { name, ns, descr },
#define COST_NS(id, name, ns, descr) [id] = ns,

const struct kml_costdesc kml_costdesc[KML_COST_NCOSTS] = { KML_COSTS(COST_DESC) };
uint64_t kml_cost_ns[KML_COST_NCOSTS] = { KML_COSTS(COST_NS) };

int
kml_cost_set(const char *name, uint64_t ns)
{
	for (int i = 0; i < KML_COST_NCOSTS; i++) {
		if (strcmp(kml_costdesc[i].cd_name, name) == 0) {
			kml_cost_ns[i] = ns;
			return 0;
		}
	}
	return -1;
}

void
kml_cost_reset(void)
{
	for (int i = 0; i < KML_COST_NCOSTS; i++)
		kml_cost_ns[i] = kml_costdesc[i].cd_default_ns;
}

void
kml_charge(enum kml_cost_id id, uint64_t n)
{
	KML_ASSERT((unsigned)id < KML_COST_NCOSTS);
	kml_delay(kml_cost_ns[id] * n);
}
