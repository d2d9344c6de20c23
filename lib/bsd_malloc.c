/*
 * lib/bsd_malloc.c: the 4.4BSD kernel malloc (see kmemlab/bsd_malloc.h).
 *
 * References: Marshall Kirk McKusick and Michael J. Karels, "Design of a
 * General Purpose Memory Allocator for the 4.3BSD UNIX Kernel", USENIX
 * Summer 1988; 4.4BSD-Lite and 386BSD sys/kern/kern_malloc.c and
 * sys/sys/malloc.h; vmstat(8) -m.  This is kmemlab's own implementation.
 *
 * ---- 1. Concepts
 *
 * Kernel memory is requested by size and by type.  A size up to
 * MAXALLOCSAVE (two pages) is rounded up to a power of two, at least
 * MINALLOCSIZE (16 bytes), and served from the bucket of that power: bucket
 * n holds a free list of blocks of 2^n bytes.  BUCKETINDX(size) is
 * max(MINBUCKET, ceil(log2(size))), so size 0 gets the smallest bucket (as
 * 4.4BSD; counted in zerosize, not an error).  A larger size is rounded up
 * to whole pages and comes straight from the page layer; it goes straight
 * back when freed.  The type (struct kmemstats in 4.4BSD) is charged with
 * the block's size: bytes and blocks in use, requests, the peak, and it
 * has a limit.
 *
 * ---- 2. Buckets and refills
 *
 * A bucket whose free list is empty is refilled from the page layer
 * (uvm_km_alloc, UVM_KMF_WIRED): one page for a block size below a page,
 * carved into pagesize / 2^n blocks (kb_elmpercl); for a block size of a
 * page or more (the buckets of one and of two pages), one block of exactly
 * that size.  Blocks are therefore aligned to their size up to a page, and
 * to a page above.  As in 4.4BSD the new blocks go on the head of the free
 * list from the highest address down, so a fresh page hands out its last
 * block first:
 *
 *	page [va, va + 4096), 1024-byte bucket: allocations return
 *	va + 3072, va + 2048, va + 1024, va
 *
 * and whatever was on the list before (blocks freed while the refill was
 * in the page layer) follows them.  A freed block goes to the tail of its
 * bucket's free list (4.4BSD-Lite appends through kb_last) or, with
 * BSD_MALLOC_LIFO, to the head (Net/2 and 386BSD push on kb_next).  Since no byte of a block exists, the free list
 * is not threaded through the blocks: each bucket keeps a ring of free
 * block addresses (a deque: refills push at the head, frees push at the
 * tail or head, allocations pop the head), grown at each refill to hold
 * every block the bucket owns, so a free never allocates.
 *
 * Bucket statistics are 4.4BSD's: kb_calls (allocations), kb_total (blocks
 * the bucket owns, += elmpercl per refill), kb_totalfree (blocks on its
 * free list), kb_highwat = 5 * elmpercl, and kb_couldfree, counted when a
 * free leaves its page wholly free while more than highwat blocks were
 * already free: the page could have gone back, but it does not.  Pages of
 * buckets are never given back to the page layer (4.4BSD neither); the
 * allocator registers no reclaimer with the pagedaemon.  A large
 * allocation is counted in the bucket of its size's power of two (calls,
 * and total += 1 while it lives), as 4.4BSD does.
 *
 * ---- 3. The usage table (kmemusage)
 *
 * 4.4BSD finds a block's size from its address alone: kmemusage[] has one
 * entry per page of kmem_map, holding the bucket index (or, for a large
 * allocation, its page count).  Here the page layer's addresses come from
 * a 64 GiB address space, so the usage entries are in a hash table keyed
 * by page number, one entry per refill (its first page) and one per large
 * allocation (its first page).  A bucket page's entry also holds what
 * 4.4BSD could not know exactly: a bitmap of free blocks (bit i set iff
 * block i is on the free list) and the owning type of each allocated
 * block.  bsd_free therefore detects exactly a free of an address in no
 * page of the allocator, of an address that is not the start of a block,
 * of a block that is already free, and of a block with the wrong type.
 * Invariants (checked by bsd_malloc_check):
 *  (1) ku_freecnt == popcount(ku_freemap) <= elmpercl; block i's type is
 *      NULL iff bit i is set; an allocated block's type is registered;
 *  (2) every address on a bucket's free list is the start of a block of a
 *      page of that bucket whose bit is set, and appears once; the list's
 *      length is kb_totalfree == the sum of the pages' ku_freecnt;
 *  (3) kb_total == elmpercl * refills held by a small bucket, the number of
 *      live large allocations for a large one; kb_inuse == total - free;
 *  (4) each type's memuse and inuse are the sums over its blocks, and
 *      memuse <= maxused; the totals agree with the global gauges;
 *  (5) pages held == bucket pages + large pages, and pages held + pages
 *      being fetched (kmem.inflight) <= the kmem space.
 *
 * ---- 4. Types and limits
 *
 * A type registers itself at its first bsd_malloc (BSD_MALLOC_DEFINE) or
 * through bsd_malloc_type_init, with a limit: by default 60 percent
 * (bmp_limit_pct) of the kmem space, as 4.4BSD's kmeminit set every
 * ks_limit to 6/10 of kmem_map.  The kmem space (bmp_kmemsize) is the size
 * of 4.4BSD's kmem_map: the most bytes the allocator holds from the page
 * layer at once; by default the page layer's physical memory.
 *
 * A request first waits for its type: while memuse >= limit, M_NOWAIT
 * fails (limfails) and M_WAITOK sleeps on the type's wait channel
 * (limblocks; 4.4BSD's tsleep on ksp) until a bsd_free of the type brings
 * memuse from at or above the limit to below it, which wakes the channel.
 * A request admitted below the limit may take memuse above it by less than
 * its block's size, so memuse < limit + the size of the last block
 * allocated.  Then, if it needs pages and the kmem space is full, M_NOWAIT
 * fails (mapblocks) and M_WAITOK sleeps until a large allocation is given
 * back (4.4BSD panicked: "kmem_map too small").  When the environment
 * proves that no wakeup can come (the uniprocessor environment always
 * does), the request fails with a BSD_MALLOC_ERR_DEADLOCK report; an
 * M_WAITOK request that the page layer fails (it reported a deadlock of
 * its own) is reported the same way.
 *
 * ---- 5. Misuse
 *
 * Errors are classes (enum bsd_malloc_error) reported by one routine
 * (kmem_error): formatted under the lock, delivered to the handler after
 * it is released.  A reported call changes nothing.  bsd_free(0, type) is
 * a no-op, as FreeBSD's free(9).
 *
 * ---- 6. Locking
 *
 * One lock (kmem.lock, 4.4BSD's splimp) protects everything: buckets, the
 * usage table, the types' statistics and the type list.  It is released
 * around every call into the page layer and around the error handler.
 * A refill may therefore find, when it takes the lock again, that the
 * bucket gained free blocks meanwhile: its blocks go ahead of them (4.4BSD's
 * savedlist).  A request re-checks its type's limit after every sleep and
 * every page-layer call; a large allocation whose type reached its limit
 * meanwhile gives its pages back and waits again.  Process memory for the
 * metadata (usage entries, rings, hash tables) is allocated under the lock:
 * it is not kernel memory.  With --enable-sanity, kmem_unlock runs
 * bsd_malloc_check and panics on a violation.  The lock's cost is charged
 * by the environment; there is no cost-model entry for the allocator's
 * own steps.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/bsd_malloc.h>
#include <kmemlab/cost.h>
#include <kmemlab/env.h>
#include <kmemlab/report.h>
#include <kmemlab/uvm_km.h>

#include "bits.h"

#define BSD_MALLOC_TYPE_MAGIC	UINT64_C(0x6b6d656d74797065)	/* "kmemtype" */
#define KMEM_HASH_MIN		64	/* usage hash buckets, at least */
#define KMEM_RING_MIN		16	/* free-list ring slots, at least */
#define KMEM_SLEEPMASK		(M_WAITOK | M_NOWAIT)

_Static_assert((M_ZERO & (VM_NOSLEEP | VM_SLEEP | VM_INSTANTFIT |
    VM_BESTFIT | VM_NEXTFIT)) == 0, "M_ZERO collides with a VM_* flag");
_Static_assert(M_WAITOK == VM_SLEEP && M_NOWAIT == VM_NOSLEEP,
    "M_WAITOK and M_NOWAIT are VM_SLEEP and VM_NOSLEEP");

/*
 * A usage entry (4.4BSD struct kmemusage): one per refill and one per large
 * allocation, keyed by the address of its first page.
 */
struct kmemusage {
	struct kmemusage *ku_hnext;	/* usage hash chain */
	vmem_addr_t ku_va;		/* first page */
	uint64_t ku_pagecnt;		/* pages from the page layer */
	uint64_t ku_nblocks;		/* blocks: elmpercl, or 1 if large */
	uint64_t ku_freecnt;		/* blocks on the free list (0 if large) */
	unsigned ku_indx;		/* bucket index */
	bool ku_large;			/* a large allocation, not a bucket page */
	uint64_t *ku_freemap;		/* bit i set iff block i is free */
	uint64_t *ku_chkmap;		/* scratch for bsd_malloc_check */
	struct bsd_malloc_type **ku_types; /* owner of block i, NULL if free */
};

/* A bucket (4.4BSD struct kmembuckets) with its free list as a ring. */
struct kmembucket {
	vmem_addr_t *kb_ring;		/* free blocks, kb_len from kb_head */
	uint64_t kb_cap;		/* slots, a power of two (or 0) */
	uint64_t kb_head;		/* index of the head */
	uint64_t kb_len;		/* blocks on the list */
	struct bsd_malloc_bucket_stats kb_st;	/* inuse is computed */
};

static struct {
	bool up;			/* bsd_malloc_init done */
	/* the lock and the kmem-space wait channel */
	struct kml_mutex lock;		/* protects everything below */
	struct kml_wchan mapwait;	/* M_WAITOK requests waiting for kmem space */
	/* properties, fixed at init */
	uint64_t pagesize;		/* bytes per page, a power of two */
	unsigned pageshift;		/* log2(pagesize) */
	uint64_t maxallocsave;		/* 2 * pagesize */
	unsigned maxbucket;		/* log2(maxallocsave) */
	uint64_t kmempages;		/* kmem space, pages */
	uint64_t inflight;		/* pages being fetched from the page layer */
	uint64_t deflimit;		/* default type limit, bytes */
	int freeorder;			/* BSD_MALLOC_FIFO or _LIFO */
	/* buckets */
	struct kmembucket bucket[BSD_MALLOC_NBUCKETS];
	/* usage table */
	struct kmemusage **hash;	/* hsize chains */
	uint64_t hsize;			/* a power of two >= KMEM_HASH_MIN */
	unsigned hbits;			/* log2(hsize) */
	/* types */
	struct bsd_malloc_type *types;	/* registration order */
	struct bsd_malloc_type **typetail;
	/* statistics (gauges computed by bsd_malloc_stats are zero here) */
	struct bsd_malloc_stats st;
	/* error reporting */
	struct kml_report report;	/* last error, pending delivery */
} kmem;

static bsd_malloc_error_handler_t *kmem_errfn;
static void *kmem_errarg;

const struct kml_statdesc bsd_malloc_statdesc[] = {
	KML_STAT(struct bsd_malloc_stats, kmemsize, KML_UNIT_BYTES, "kmem space"),
	KML_STAT(struct bsd_malloc_stats, deflimit, KML_UNIT_BYTES, "default limit of a type"),
	KML_STAT(struct bsd_malloc_stats, pagesize, KML_UNIT_BYTES, "bytes per page"),
	KML_STAT(struct bsd_malloc_stats, maxallocsave, KML_UNIT_BYTES, "largest block kept on a free list"),
	KML_STAT(struct bsd_malloc_stats, pages, KML_UNIT_COUNT, "pages held from the page layer"),
	KML_STAT(struct bsd_malloc_stats, bucket_pages, KML_UNIT_COUNT, "pages held by buckets"),
	KML_STAT(struct bsd_malloc_stats, large_pages, KML_UNIT_COUNT, "pages held by large allocations"),
	KML_STAT(struct bsd_malloc_stats, memuse, KML_UNIT_BYTES, "bytes allocated, all types"),
	KML_STAT(struct bsd_malloc_stats, inuse, KML_UNIT_COUNT, "blocks allocated, all types"),
	KML_STAT(struct bsd_malloc_stats, freebytes, KML_UNIT_BYTES, "bytes on the buckets' free lists"),
	KML_STAT(struct bsd_malloc_stats, types, KML_UNIT_COUNT, "registered types"),
	KML_STAT(struct bsd_malloc_stats, usage_entries, KML_UNIT_COUNT, "kmemusage entries"),
	KML_STAT(struct bsd_malloc_stats, waiters, KML_UNIT_COUNT, "threads sleeping for kmem space"),
	KML_STAT(struct bsd_malloc_stats, allocs, KML_UNIT_COUNT, "successful bsd_malloc"),
	KML_STAT(struct bsd_malloc_stats, frees, KML_UNIT_COUNT, "successful bsd_free"),
	KML_STAT(struct bsd_malloc_stats, fails, KML_UNIT_COUNT, "bsd_malloc that returned 0"),
	KML_STAT(struct bsd_malloc_stats, refills, KML_UNIT_COUNT, "bucket refills from the page layer"),
	KML_STAT(struct bsd_malloc_stats, large_allocs, KML_UNIT_COUNT, "large allocations from the page layer"),
	KML_STAT(struct bsd_malloc_stats, large_frees, KML_UNIT_COUNT, "large allocations given back"),
	KML_STAT(struct bsd_malloc_stats, zerosize, KML_UNIT_COUNT, "bsd_malloc(0) calls"),
	KML_STAT(struct bsd_malloc_stats, zeroed, KML_UNIT_COUNT, "M_ZERO requests"),
	KML_STAT(struct bsd_malloc_stats, errors, KML_UNIT_COUNT, "reported errors"),
};
const size_t bsd_malloc_nstatdesc =
    sizeof(bsd_malloc_statdesc) / sizeof(bsd_malloc_statdesc[0]);

const struct kml_statdesc bsd_malloc_bucket_statdesc[] = {
	KML_STAT(struct bsd_malloc_bucket_stats, size, KML_UNIT_BYTES, "block size"),
	KML_STAT(struct bsd_malloc_bucket_stats, elmpercl, KML_UNIT_COUNT, "blocks per refill"),
	KML_STAT(struct bsd_malloc_bucket_stats, calls, KML_UNIT_COUNT, "successful allocations"),
	KML_STAT(struct bsd_malloc_bucket_stats, total, KML_UNIT_COUNT, "blocks the bucket holds"),
	KML_STAT(struct bsd_malloc_bucket_stats, inuse, KML_UNIT_COUNT, "blocks allocated"),
	KML_STAT(struct bsd_malloc_bucket_stats, totalfree, KML_UNIT_COUNT, "blocks on the free list"),
	KML_STAT(struct bsd_malloc_bucket_stats, highwat, KML_UNIT_COUNT, "free blocks above which a free page could go back"),
	KML_STAT(struct bsd_malloc_bucket_stats, couldfree, KML_UNIT_COUNT, "frees that left a page free above the high-water mark"),
	KML_STAT(struct bsd_malloc_bucket_stats, pages, KML_UNIT_COUNT, "pages held"),
};
const size_t bsd_malloc_bucket_nstatdesc =
    sizeof(bsd_malloc_bucket_statdesc) / sizeof(bsd_malloc_bucket_statdesc[0]);

const struct kml_statdesc bsd_malloc_type_statdesc[] = {
	KML_STAT(struct bsd_malloc_type_stats, inuse, KML_UNIT_COUNT, "blocks allocated"),
	KML_STAT(struct bsd_malloc_type_stats, memuse, KML_UNIT_BYTES, "bytes allocated"),
	KML_STAT(struct bsd_malloc_type_stats, limit, KML_UNIT_BYTES, "limit"),
	KML_STAT(struct bsd_malloc_type_stats, waiters, KML_UNIT_COUNT, "threads sleeping at the limit"),
	KML_STAT(struct bsd_malloc_type_stats, maxused, KML_UNIT_BYTES, "most bytes allocated at once"),
	KML_STAT(struct bsd_malloc_type_stats, calls, KML_UNIT_COUNT, "successful bsd_malloc"),
	KML_STAT(struct bsd_malloc_type_stats, frees, KML_UNIT_COUNT, "successful bsd_free"),
	KML_STAT(struct bsd_malloc_type_stats, limblocks, KML_UNIT_COUNT, "M_WAITOK requests that slept at the limit"),
	KML_STAT(struct bsd_malloc_type_stats, limfails, KML_UNIT_COUNT, "M_NOWAIT requests refused at the limit"),
	KML_STAT(struct bsd_malloc_type_stats, mapblocks, KML_UNIT_COUNT, "requests that found the kmem space full"),
	KML_STAT(struct bsd_malloc_type_stats, fails, KML_UNIT_COUNT, "bsd_malloc that returned 0"),
	KML_STAT(struct bsd_malloc_type_stats, sizes, KML_UNIT_COUNT, "bit n: bucket n was asked for"),
};
const size_t bsd_malloc_type_nstatdesc =
    sizeof(bsd_malloc_type_statdesc) / sizeof(bsd_malloc_type_statdesc[0]);

static int bsd_malloc_check1(char *, size_t);

/* ---- error reporting */

static const char *const kmem_errnames[BSD_MALLOC_ERR_NERRORS] = {
	[BSD_MALLOC_ERR_NONE] = "no error",
	[BSD_MALLOC_ERR_FLAGS] = "bad flags",
	[BSD_MALLOC_ERR_SIZE] = "bad size",
	[BSD_MALLOC_ERR_BADTYPE] = "bad type",
	[BSD_MALLOC_ERR_NOTALLOC] = "not allocated",
	[BSD_MALLOC_ERR_DUPFREE] = "duplicate free",
	[BSD_MALLOC_ERR_WRONGTYPE] = "wrong type",
	[BSD_MALLOC_ERR_DEADLOCK] = "deadlock",
	[BSD_MALLOC_ERR_BUSY] = "memory in use",
	[BSD_MALLOC_ERR_NOMEM] = "out of metadata",
};

const char *
bsd_malloc_strerror(enum bsd_malloc_error err)
{
	if ((unsigned)err >= BSD_MALLOC_ERR_NERRORS)
		return "unknown error";
	return kmem_errnames[err];
}

/* kmem_typename: a type's name for messages, whatever the type. */
static const char *
kmem_typename(const struct bsd_malloc_type *type)
{
	if (type == NULL)
		return "(null)";
	return type->ks_shortdesc != NULL ? type->ks_shortdesc : "(unnamed)";
}

/*
 * kmem_error: record an error of class err, about type (NULL: the
 * allocator as a whole).
 * => the lock is held; the handler runs at kmem_unlock.
 */
static void __attribute__((format(printf, 3, 4)))
kmem_error(struct bsd_malloc_type *type, enum bsd_malloc_error err,
    const char *fmt, ...)
{
	char msg[KML_REPORT_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (type != NULL)
		kml_report(&kmem.report, "malloc type", kmem_typename(type),
		    err, "%s", msg);
	else
		kml_report(&kmem.report, "malloc", "kmem", err, "%s", msg);
	kml_report_set_obj(&kmem.report, type);
	kmem.st.errors++;
}

static void
kmem_stderr_handler(void *arg, struct bsd_malloc_type *type,
    enum bsd_malloc_error err, const char *msg)
{
	(void)arg;
	(void)type;
	(void)err;
	fprintf(stderr, "bsd_malloc: %s\n", msg);
}

/* kmem_deliver: hand every queued report to the handler.  => no lock held. */
static void
kmem_deliver(void)
{
	struct kml_report_entry e;
	bsd_malloc_error_handler_t *fn;

	while (kml_report_take(&kmem.report, &e)) {
		fn = kmem_errfn != NULL ? kmem_errfn : kmem_stderr_handler;
		fn(kmem_errfn != NULL ? kmem_errarg : NULL,
		    (struct bsd_malloc_type *)(uintptr_t)e.re_obj, e.re_err,
		    e.re_msg);
	}
}

static void
kmem_lock(void)
{
	KML_ASSERTMSG(kmem.up, "bsd_malloc: the allocator is not set up "
	    "(bsd_malloc_init)");
	kml_mutex_enter(&kmem.lock);
}

/*
 * kmem_unlock: release the lock, then deliver a pending error.
 * => with KML_SANITY, the allocator is checked first.
 */
static void
kmem_unlock(void)
{

#ifdef KML_SANITY
	char why[256];

	if (bsd_malloc_check1(why, sizeof(why)) != 0)
		kml_panic("bsd_malloc_check: %s", why);
#endif
	kml_mutex_exit(&kmem.lock);
	kmem_deliver();
}

void
bsd_malloc_set_error_handler(bsd_malloc_error_handler_t *fn, void *arg)
{
	kmem_errfn = fn;
	kmem_errarg = fn != NULL ? arg : NULL;
}

enum bsd_malloc_error
bsd_malloc_last_error(const char **msgp)
{
	if (msgp != NULL)
		*msgp = kmem.report.rp_lastmsg;
	return kmem.report.rp_lasterr;
}

/* ---- bucket indices */

unsigned
bsd_malloc_bucketindx(uint64_t size)
{
	unsigned n;

	if (size <= BSD_MALLOC_MINALLOCSIZE)
		return BSD_MALLOC_MINBUCKET;
	n = kml_log2(size);
	return kml_ispow2(size) ? n : n + 1;
}

uint64_t
bsd_malloc_maxallocsave(void)
{
	return kmem.up ? kmem.maxallocsave : 0;
}

/* kmem_elmpercl: blocks per refill of bucket indx (4.4BSD kb_elmpercl). */
static uint64_t
kmem_elmpercl(unsigned indx)
{
	uint64_t size = (uint64_t)1 << indx;

	return size >= kmem.pagesize ? 1 : kmem.pagesize / size;
}

/* ---- the usage table */

/* kmem_hash: the chain of the page at va. */
static uint64_t
kmem_hash(vmem_addr_t va)
{
	return ((va >> kmem.pageshift) * UINT64_C(0x9e3779b97f4a7c15)) >>
	    (64 - kmem.hbits);
}

/* kmem_usage_lookup: the entry whose first page is the page of addr, or NULL. */
static struct kmemusage *
kmem_usage_lookup(vmem_addr_t addr)
{
	vmem_addr_t va = addr & ~(kmem.pagesize - 1);
	struct kmemusage *ku;

	for (ku = kmem.hash[kmem_hash(va)]; ku != NULL; ku = ku->ku_hnext)
		if (ku->ku_va == va)
			return ku;
	return NULL;
}

/*
 * kmem_rehash: move the usage entries to a table of newsize chains.
 * => when process memory runs out the table stays as it is (chains only
 *    get longer).
 */
static void
kmem_rehash(uint64_t newsize)
{
	struct kmemusage **nh, **oh = kmem.hash, *ku, *next;
	uint64_t osize = kmem.hsize;

	nh = calloc(newsize, sizeof(*nh));
	if (nh == NULL)
		return;
	kmem.hash = nh;
	kmem.hsize = newsize;
	kmem.hbits = kml_log2(newsize);
	for (uint64_t i = 0; i < osize; i++)
		for (ku = oh[i]; ku != NULL; ku = next) {
			uint64_t h = kmem_hash(ku->ku_va);

			next = ku->ku_hnext;
			ku->ku_hnext = nh[h];
			nh[h] = ku;
		}
	free(oh);
}

/* kmem_usage_insert: add ku to the table; it doubles past 2 entries a chain. */
static void
kmem_usage_insert(struct kmemusage *ku)
{
	uint64_t h = kmem_hash(ku->ku_va);

	ku->ku_hnext = kmem.hash[h];
	kmem.hash[h] = ku;
	kmem.st.usage_entries++;
	if (kmem.st.usage_entries > 2 * kmem.hsize)
		kmem_rehash(2 * kmem.hsize);
}

/* kmem_usage_remove: take ku off the table. */
static void
kmem_usage_remove(struct kmemusage *ku)
{
	struct kmemusage **pp = &kmem.hash[kmem_hash(ku->ku_va)];

	while (*pp != ku) {
		KML_ASSERTMSG(*pp != NULL, "bsd_malloc: usage entry %#" PRIx64
		    " not in its chain", ku->ku_va);
		pp = &(*pp)->ku_hnext;
	}
	*pp = ku->ku_hnext;
	kmem.st.usage_entries--;
}

/*
 * kmem_usage_new: a usage entry for nblocks blocks, all marked free, in
 * one piece of process memory; NULL when that runs out.
 */
static struct kmemusage *
kmem_usage_new(uint64_t nblocks)
{
	uint64_t nwords = (nblocks + 63) / 64;
	struct kmemusage *ku;

	ku = calloc(1, sizeof(*ku) + 2 * nwords * sizeof(uint64_t) +
	    nblocks * sizeof(struct bsd_malloc_type *));
	if (ku == NULL)
		return NULL;
	ku->ku_freemap = (uint64_t *)(void *)(ku + 1);
	ku->ku_chkmap = ku->ku_freemap + nwords;
	ku->ku_types = (struct bsd_malloc_type **)(void *)
	    (ku->ku_chkmap + nwords);
	ku->ku_nblocks = nblocks;
	for (uint64_t i = 0; i < nblocks; i++)
		ku->ku_freemap[i / 64] |= UINT64_C(1) << (i % 64);
	return ku;
}

static bool
ku_isfree(const struct kmemusage *ku, uint64_t i)
{
	return (ku->ku_freemap[i / 64] >> (i % 64)) & 1;
}

static void
ku_setfree(struct kmemusage *ku, uint64_t i, bool isfree)
{
	if (isfree)
		ku->ku_freemap[i / 64] |= UINT64_C(1) << (i % 64);
	else
		ku->ku_freemap[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

/* ---- free-list rings */

/*
 * kb_reserve: make room in kb's ring for n blocks in all.
 * => returns 0 or ENOMEM (nothing changed).
 */
static int
kb_reserve(struct kmembucket *kb, uint64_t n)
{
	vmem_addr_t *ring;
	uint64_t cap;

	if (n <= kb->kb_cap)
		return 0;
	for (cap = kb->kb_cap != 0 ? kb->kb_cap : KMEM_RING_MIN; cap < n;)
		cap *= 2;
	ring = malloc(cap * sizeof(*ring));
	if (ring == NULL)
		return ENOMEM;
	for (uint64_t i = 0; i < kb->kb_len; i++)
		ring[i] = kb->kb_ring[(kb->kb_head + i) & (kb->kb_cap - 1)];
	free(kb->kb_ring);
	kb->kb_ring = ring;
	kb->kb_cap = cap;
	kb->kb_head = 0;
	return 0;
}

/* kb_push_head, kb_push_tail: put a free block on kb's list.  => room reserved. */
static void
kb_push_head(struct kmembucket *kb, vmem_addr_t addr)
{
	KML_ASSERT(kb->kb_len < kb->kb_cap);
	kb->kb_head = (kb->kb_head - 1) & (kb->kb_cap - 1);
	kb->kb_ring[kb->kb_head] = addr;
	kb->kb_len++;
}

static void
kb_push_tail(struct kmembucket *kb, vmem_addr_t addr)
{
	KML_ASSERT(kb->kb_len < kb->kb_cap);
	kb->kb_ring[(kb->kb_head + kb->kb_len) & (kb->kb_cap - 1)] = addr;
	kb->kb_len++;
}

/* kb_pop_head: take the head of kb's list.  => the list is not empty. */
static vmem_addr_t
kb_pop_head(struct kmembucket *kb)
{
	vmem_addr_t addr = kb->kb_ring[kb->kb_head];

	kb->kb_head = (kb->kb_head + 1) & (kb->kb_cap - 1);
	kb->kb_len--;
	return addr;
}

/* ---- allocation */

/*
 * kmem_check_flags: validate bsd_malloc's flags.
 * => lock held.  Returns true, or false after reporting.
 */
static bool
kmem_check_flags(struct bsd_malloc_type *type, int flags)
{
	if (flags & ~(KMEM_SLEEPMASK | M_ZERO)) {
		kmem_error(type, BSD_MALLOC_ERR_FLAGS, "bsd_malloc: unknown "
		    "flags %#x", flags & ~(KMEM_SLEEPMASK | M_ZERO));
		return false;
	}
	if ((flags & KMEM_SLEEPMASK) != M_WAITOK &&
	    (flags & KMEM_SLEEPMASK) != M_NOWAIT) {
		kmem_error(type, BSD_MALLOC_ERR_FLAGS, "bsd_malloc: flags %#x "
		    "need exactly one of M_WAITOK and M_NOWAIT", flags);
		return false;
	}
	if ((flags & M_WAITOK) && kml_intr_p()) {
		kmem_error(type, BSD_MALLOC_ERR_FLAGS, "bsd_malloc: M_WAITOK "
		    "in interrupt context");
		return false;
	}
	return true;
}

/*
 * kmem_type_register: register type with limit bytes (0: the default).
 * => lock held; type is not registered.
 */
static void
kmem_type_register(struct bsd_malloc_type *type, uint64_t limit)
{
	memset(&type->ks_st, 0, sizeof(type->ks_st));
	type->ks_st.limit = limit != 0 ? limit : kmem.deflimit;
	kml_wchan_init(&type->ks_wchan, kmem_typename(type));
	type->ks_magic = BSD_MALLOC_TYPE_MAGIC;
	type->ks_next = NULL;
	*kmem.typetail = type;
	kmem.typetail = &type->ks_next;
	kmem.st.types++;
}

static bool
kmem_type_registered(const struct bsd_malloc_type *type)
{
	return type != NULL && type->ks_magic == BSD_MALLOC_TYPE_MAGIC;
}

/*
 * kmem_sleep: sleep on wc with the lock as interlock.
 * => returns true after a wakeup, false (after a deadlock report naming
 *    what) when no wakeup can come.
 */
static bool
kmem_sleep(struct kml_wchan *wc, struct bsd_malloc_type *type, uint64_t size,
    const char *what)
{
	if (kml_sleep(wc, &kmem.lock) != KML_EDEADLK)
		return true;
	kmem_error(type, BSD_MALLOC_ERR_DEADLOCK, "bsd_malloc: M_WAITOK "
	    "request for %" PRIu64 " bytes cannot be satisfied (%s): %s", size,
	    what, kml_last_deadlock());
	return false;
}

/*
 * kmem_charge: account an allocation of blocksize bytes from bucket indx
 * to type.
 */
static void
kmem_charge(struct bsd_malloc_type *type, unsigned indx, uint64_t blocksize)
{
	struct bsd_malloc_type_stats *ks = &type->ks_st;

	kmem.bucket[indx].kb_st.calls++;
	ks->memuse += blocksize;
	ks->inuse++;
	ks->calls++;
	if (ks->memuse > ks->maxused)
		ks->maxused = ks->memuse;
	kmem.st.memuse += blocksize;
	kmem.st.inuse++;
	kmem.st.allocs++;
}

/*
 * kmem_getpages: npages pages from the page layer for a refill of bucket
 * indx or a large allocation, with a usage entry.
 * => lock held on entry and on return, released meanwhile.
 * => the kmem space has room for npages; they are counted in
 *    kmem.inflight while the lock is released, so that concurrent requests
 *    see them.
 * => returns the entry (not yet in the table), or NULL after a failure
 *    (reported for M_WAITOK).
 */
static struct kmemusage *
kmem_getpages(struct bsd_malloc_type *type, unsigned indx, uint64_t npages,
    bool large, int flags)
{
	struct kmemusage *ku;
	vmem_addr_t va;
	int uflags = UVM_KMF_WIRED;

	ku = kmem_usage_new(large ? 1 : kmem_elmpercl(indx));
	if (ku == NULL) {
		kmem_error(type, BSD_MALLOC_ERR_NOMEM, "bsd_malloc: out of "
		    "process memory for metadata");
		return NULL;
	}
	if (flags & M_NOWAIT)
		uflags |= UVM_KMF_NOWAIT;
	if (large && (flags & M_ZERO))
		uflags |= UVM_KMF_ZERO;
	kmem.inflight += npages;
	kml_mutex_exit(&kmem.lock);
	va = uvm_km_alloc(npages << kmem.pageshift, 0, uflags);
	kml_mutex_enter(&kmem.lock);
	kmem.inflight -= npages;
	if (va == 0) {
		free(ku);
		if (flags & M_WAITOK)
			kmem_error(type, BSD_MALLOC_ERR_DEADLOCK, "bsd_malloc: "
			    "M_WAITOK request: the page layer could not supply "
			    "%" PRIu64 " pages", npages);
		return NULL;
	}
	KML_ASSERTMSG((va & (kmem.pagesize - 1)) == 0, "bsd_malloc: page "
	    "layer returned unaligned %#" PRIx64, va);
	ku->ku_va = va;
	ku->ku_pagecnt = npages;
	ku->ku_indx = indx;
	ku->ku_large = large;
	kmem.st.pages += npages;
	return ku;
}

/*
 * kmem_putpages: give ku's pages back to the page layer and free ku.
 * => lock held on entry and on return, released meanwhile; ku is off the
 *    table and its pages are no longer counted.
 */
static void
kmem_putpages(struct kmemusage *ku)
{
	kml_mutex_exit(&kmem.lock);
	uvm_km_free(ku->ku_va, ku->ku_pagecnt << kmem.pageshift, UVM_KMF_WIRED);
	kml_mutex_enter(&kmem.lock);
	free(ku);
}

/*
 * kmem_install: put the refill ku of bucket indx in the usage table and its
 * blocks on the head of the bucket's free list, last block first (4.4BSD).
 * => lock held.  When the ring cannot grow, the pages go back to the page
 *    layer (the lock is released meanwhile) and false is returned after a
 *    report; otherwise true.
 */
static bool
kmem_install(struct bsd_malloc_type *type, struct kmemusage *ku,
    unsigned indx)
{
	struct kmembucket *kb = &kmem.bucket[indx];
	uint64_t size = (uint64_t)1 << indx;

	/* room for every block of the bucket, others' refills included */
	if (kb_reserve(kb, kb->kb_st.total + ku->ku_nblocks) != 0) {
		kmem.st.pages -= ku->ku_pagecnt;
		kmem_putpages(ku);
		kmem_error(type, BSD_MALLOC_ERR_NOMEM, "bsd_malloc: out of "
		    "process memory for metadata");
		return false;
	}
	kmem_usage_insert(ku);
	for (uint64_t i = 0; i < ku->ku_nblocks; i++)
		kb_push_head(kb, ku->ku_va + i * size);
	ku->ku_freecnt = ku->ku_nblocks;
	kb->kb_st.total += ku->ku_nblocks;
	kb->kb_st.totalfree += ku->ku_nblocks;
	kb->kb_st.pages += ku->ku_pagecnt;
	kmem.st.bucket_pages += ku->ku_pagecnt;
	kmem.st.refills++;
	return true;
}

/*
 * kmem_alloc1: allocate a block of bucket indx (or, when large, of npages
 * pages) for type, whose request was size bytes.
 * => lock held on entry and on return; flags and type are valid.
 * => returns the address, or 0.
 */
static vmem_addr_t
kmem_alloc1(struct bsd_malloc_type *type, uint64_t size, unsigned indx,
    uint64_t npages, bool large, int flags)
{
	struct bsd_malloc_type_stats *ks = &type->ks_st;
	struct kmembucket *kb = &kmem.bucket[indx];
	struct kmemusage *ku;
	vmem_addr_t va;
	uint64_t i;

	for (;;) {
		if (ks->memuse >= ks->limit) {
			if (flags & M_NOWAIT) {
				ks->limfails++;
				return 0;
			}
			ks->limblocks++;
			if (!kmem_sleep(&type->ks_wchan, type, size,
			    "the type is at its limit"))
				return 0;
			continue;
		}
		ks->sizes |= UINT64_C(1) << indx;
		if (!large && kb->kb_len > 0) {
			va = kb_pop_head(kb);
			ku = kmem_usage_lookup(va);
			KML_ASSERTMSG(ku != NULL && ku->ku_indx == indx,
			    "bsd_malloc: bucket %u free list holds %#" PRIx64,
			    indx, va);
			i = (va - ku->ku_va) >> indx;
			KML_ASSERTMSG(ku_isfree(ku, i), "bsd_malloc: bucket %u "
			    "free list holds allocated %#" PRIx64, indx, va);
			ku_setfree(ku, i, false);
			ku->ku_types[i] = type;
			ku->ku_freecnt--;
			kb->kb_st.totalfree--;
			kmem_charge(type, indx, (uint64_t)1 << indx);
			return va;
		}
		if (kmem.st.pages + kmem.inflight + npages > kmem.kmempages) {
			ks->mapblocks++;
			if (flags & M_NOWAIT)
				return 0;
			if (!kmem_sleep(&kmem.mapwait, type, size,
			    "the kmem space is full"))
				return 0;
			continue;
		}
		ku = kmem_getpages(type, indx, npages, large, flags);
		if (ku == NULL)
			return 0;
		if (!large) {
			if (!kmem_install(type, ku, indx))
				return 0;
			continue;
		}
		if (ks->memuse >= ks->limit) {
			/* others reached the limit while we were away */
			kmem.st.pages -= npages;
			kmem_putpages(ku);
			continue;
		}
		ku_setfree(ku, 0, false);
		ku->ku_types[0] = type;
		kmem_usage_insert(ku);
		kb->kb_st.total++;
		kb->kb_st.pages += npages;
		kmem.st.large_pages += npages;
		kmem.st.large_allocs++;
		kmem_charge(type, indx, npages << kmem.pageshift);
		return ku->ku_va;
	}
}

vmem_addr_t
bsd_malloc(uint64_t size, struct bsd_malloc_type *type, int flags)
{
	uint64_t npages = 1, rsize;
	unsigned indx;
	vmem_addr_t va = 0;
	bool large = false;

	kmem_lock();
	if (type == NULL) {
		kmem_error(NULL, BSD_MALLOC_ERR_BADTYPE, "bsd_malloc: type is "
		    "NULL");
		kmem.st.fails++;
		kmem_unlock();
		return 0;
	}
	if (!kmem_type_registered(type))
		kmem_type_register(type, 0);
	if (!kmem_check_flags(type, flags))
		goto out;
	if (size > kmem.maxallocsave) {
		if (size > (kmem.kmempages << kmem.pageshift)) {
			kmem_error(type, BSD_MALLOC_ERR_SIZE, "bsd_malloc: "
			    "size %" PRIu64 " is larger than the kmem space "
			    "(%" PRIu64 " bytes)", size,
			    kmem.kmempages << kmem.pageshift);
			goto out;
		}
		rsize = (size + kmem.pagesize - 1) & ~(kmem.pagesize - 1);
		npages = rsize >> kmem.pageshift;
		large = true;
	}
	indx = bsd_malloc_bucketindx(size);
	if (!large && indx > kmem.pageshift)
		npages = (uint64_t)1 << (indx - kmem.pageshift);
	if (size == 0)
		kmem.st.zerosize++;
	if (flags & M_ZERO)
		kmem.st.zeroed++;
	va = kmem_alloc1(type, size, indx, npages, large, flags);
out:
	if (va == 0) {
		type->ks_st.fails++;
		kmem.st.fails++;
	} else {
		kml_charge(KML_COST_MALLOC_BLOCK, 1);
	}
	kmem_unlock();
	return va;
}

/* ---- free */

/*
 * kmem_whereis: describe what holds addr, for an error message: the
 * allocation or refill whose pages contain it, if any.
 */
static void
kmem_whereis(vmem_addr_t addr, char *buf, size_t len)
{
	for (uint64_t h = 0; h < kmem.hsize; h++)
		for (struct kmemusage *ku = kmem.hash[h]; ku != NULL;
		    ku = ku->ku_hnext) {
			if (addr < ku->ku_va || addr - ku->ku_va >=
			    ku->ku_pagecnt << kmem.pageshift)
				continue;
			snprintf(buf, len, " (inside the %s [%#" PRIx64 ", %#"
			    PRIx64 "))", ku->ku_large ? "large allocation" :
			    "bucket block", ku->ku_va, ku->ku_va +
			    (ku->ku_pagecnt << kmem.pageshift));
			return;
		}
	snprintf(buf, len, " (in no page of the allocator)");
}

/*
 * kmem_uncharge: account the free of a blocksize-byte block of type;
 * wakes the type's sleepers when memuse falls below the limit.
 */
static void
kmem_uncharge(struct bsd_malloc_type *type, uint64_t blocksize)
{
	struct bsd_malloc_type_stats *ks = &type->ks_st;

	ks->memuse -= blocksize;
	ks->inuse--;
	ks->frees++;
	kmem.st.memuse -= blocksize;
	kmem.st.inuse--;
	kmem.st.frees++;
	if (ks->memuse + blocksize >= ks->limit && ks->memuse < ks->limit)
		kml_wakeup(&type->ks_wchan);
}

void
bsd_free(vmem_addr_t addr, struct bsd_malloc_type *type)
{
	struct kmemusage *ku;
	struct kmembucket *kb;
	uint64_t size, i;
	char where[128];

	if (addr == 0)
		return;
	kmem_lock();
	if (type == NULL) {
		kmem_error(NULL, BSD_MALLOC_ERR_BADTYPE, "bsd_free: type is "
		    "NULL (address %#" PRIx64 ")", addr);
		goto out;
	}
	ku = kmem_usage_lookup(addr);
	if (ku == NULL) {
		kmem_whereis(addr, where, sizeof(where));
		kmem_error(type, BSD_MALLOC_ERR_NOTALLOC, "bsd_free: address "
		    "%#" PRIx64 " is not allocated%s", addr, where);
		goto out;
	}
	kb = &kmem.bucket[ku->ku_indx];
	size = ku->ku_large ? ku->ku_pagecnt << kmem.pageshift :
	    (uint64_t)1 << ku->ku_indx;
	if (((addr - ku->ku_va) & (size - 1)) != 0 ||
	    (ku->ku_large && addr != ku->ku_va)) {
		kmem_error(type, BSD_MALLOC_ERR_NOTALLOC, "bsd_free: address "
		    "%#" PRIx64 " is not the start of a block (inside the %"
		    PRIu64 "-byte block at %#" PRIx64 ")", addr, size,
		    ku->ku_large ? ku->ku_va : addr & ~(size - 1));
		goto out;
	}
	i = ku->ku_large ? 0 : (addr - ku->ku_va) >> ku->ku_indx;
	if (ku_isfree(ku, i)) {
		kmem_error(type, BSD_MALLOC_ERR_DUPFREE, "bsd_free: the %"
		    PRIu64 "-byte block at %#" PRIx64 " is already free", size,
		    addr);
		goto out;
	}
	if (ku->ku_types[i] != type) {
		kmem_error(type, BSD_MALLOC_ERR_WRONGTYPE, "bsd_free: the %"
		    PRIu64 "-byte block at %#" PRIx64 " belongs to type \"%s\", "
		    "not \"%s\"", size, addr, kmem_typename(ku->ku_types[i]),
		    kmem_typename(type));
		goto out;
	}
	if (ku->ku_large) {
		kmem_usage_remove(ku);
		kb->kb_st.total--;
		kb->kb_st.pages -= ku->ku_pagecnt;
		kmem.st.large_pages -= ku->ku_pagecnt;
		kmem.st.pages -= ku->ku_pagecnt;
		kmem.st.large_frees++;
		kmem_uncharge(type, size);
		kml_wakeup(&kmem.mapwait);
		kmem_putpages(ku);
		goto out;
	}
	ku_setfree(ku, i, true);
	ku->ku_types[i] = NULL;
	ku->ku_freecnt++;
	if (ku->ku_freecnt == ku->ku_nblocks &&
	    kb->kb_st.totalfree > kb->kb_st.highwat)
		kb->kb_st.couldfree++;
	kb->kb_st.totalfree++;
	if (kmem.freeorder == BSD_MALLOC_LIFO)
		kb_push_head(kb, addr);
	else
		kb_push_tail(kb, addr);
	kmem_uncharge(type, size);
	kml_charge(KML_COST_MALLOC_BLOCK, 1);
out:
	kmem_unlock();
}

uint64_t
bsd_malloc_blocksize(vmem_addr_t addr)
{
	struct kmemusage *ku;
	uint64_t size = 0;

	kmem_lock();
	ku = kmem_usage_lookup(addr);
	if (ku != NULL && ku->ku_large && addr == ku->ku_va)
		size = ku->ku_pagecnt << kmem.pageshift;
	else if (ku != NULL && !ku->ku_large &&
	    ((addr - ku->ku_va) & (((uint64_t)1 << ku->ku_indx) - 1)) == 0 &&
	    !ku_isfree(ku, (addr - ku->ku_va) >> ku->ku_indx))
		size = (uint64_t)1 << ku->ku_indx;
	kmem_unlock();
	return size;
}

/* ---- types */

int
bsd_malloc_type_init(struct bsd_malloc_type *type, const char *shortdesc,
    uint64_t limit)
{
	int error = 0;

	kmem_lock();
	if (type == NULL || shortdesc == NULL) {
		kmem_error(type, BSD_MALLOC_ERR_BADTYPE, "bsd_malloc_type_init: "
		    "%s is NULL", type == NULL ? "type" : "shortdesc");
		error = EINVAL;
	} else if (kmem_type_registered(type)) {
		kmem_error(type, BSD_MALLOC_ERR_BADTYPE, "bsd_malloc_type_init: "
		    "the type is already registered");
		error = EBUSY;
	} else {
		type->ks_shortdesc = shortdesc;
		kmem_type_register(type, limit);
	}
	kmem_unlock();
	return error;
}

int
bsd_malloc_type_fini(struct bsd_malloc_type *type)
{
	struct bsd_malloc_type **pp;
	int error = 0;

	kmem_lock();
	if (!kmem_type_registered(type)) {
		kmem_error(type, BSD_MALLOC_ERR_BADTYPE, "bsd_malloc_type_fini: "
		    "the type is not registered");
		error = EINVAL;
	} else if (type->ks_st.inuse != 0) {
		kmem_error(type, BSD_MALLOC_ERR_BUSY, "bsd_malloc_type_fini: %"
		    PRIu64 " blocks (%" PRIu64 " bytes) still allocated",
		    type->ks_st.inuse, type->ks_st.memuse);
		error = EBUSY;
	} else {
		KML_ASSERTMSG(type->ks_wchan.wc_nwaiters == 0, "bsd_malloc_"
		    "type_fini: type \"%s\" has sleepers", kmem_typename(type));
		for (pp = &kmem.types; *pp != type; pp = &(*pp)->ks_next)
			continue;
		*pp = type->ks_next;
		if (kmem.typetail == &type->ks_next)
			kmem.typetail = pp;
		type->ks_next = NULL;
		type->ks_magic = 0;
		kmem.st.types--;
	}
	kmem_unlock();
	return error;
}

void
bsd_malloc_type_setlimit(struct bsd_malloc_type *type, uint64_t limit)
{
	kmem_lock();
	if (type == NULL) {
		kmem_error(NULL, BSD_MALLOC_ERR_BADTYPE, "bsd_malloc_type_"
		    "setlimit: type is NULL");
	} else {
		if (!kmem_type_registered(type))
			kmem_type_register(type, limit);
		type->ks_st.limit = limit != 0 ? limit : kmem.deflimit;
		kml_wakeup(&type->ks_wchan);
	}
	kmem_unlock();
}

void
bsd_malloc_type_stats(struct bsd_malloc_type *type,
    struct bsd_malloc_type_stats *st)
{
	kmem_lock();
	if (kmem_type_registered(type)) {
		*st = type->ks_st;
		st->waiters = type->ks_wchan.wc_nwaiters;
	} else {
		memset(st, 0, sizeof(*st));
	}
	kmem_unlock();
}

size_t
bsd_malloc_types(struct bsd_malloc_type **vec, size_t n)
{
	size_t count = 0;

	kmem_lock();
	for (struct bsd_malloc_type *t = kmem.types; t != NULL; t = t->ks_next) {
		if (count < n)
			vec[count] = t;
		count++;
	}
	kmem_unlock();
	return count;
}

/* ---- statistics and dumps */

/* kmem_bucket_stats1: bucket indx's statistics.  => lock held. */
static void
kmem_bucket_stats1(unsigned indx, struct bsd_malloc_bucket_stats *st)
{
	*st = kmem.bucket[indx].kb_st;
	st->inuse = st->total - st->totalfree;
}

void
bsd_malloc_bucket_stats(struct bsd_malloc_bucket_stats st[BSD_MALLOC_NBUCKETS])
{
	memset(st, 0, BSD_MALLOC_MINBUCKET * sizeof(st[0]));
	kmem_lock();
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < BSD_MALLOC_NBUCKETS; i++)
		kmem_bucket_stats1(i, &st[i]);
	kmem_unlock();
}

/* kmem_stats1: the allocator's statistics.  => lock held. */
static void
kmem_stats1(struct bsd_malloc_stats *st)
{
	*st = kmem.st;
	st->kmemsize = kmem.kmempages << kmem.pageshift;
	st->deflimit = kmem.deflimit;
	st->pagesize = kmem.pagesize;
	st->maxallocsave = kmem.maxallocsave;
	st->freebytes = 0;
	for (unsigned i = BSD_MALLOC_MINBUCKET; i <= kmem.maxbucket; i++)
		st->freebytes += kmem.bucket[i].kb_st.totalfree << i;
	st->waiters = kmem.mapwait.wc_nwaiters;
}

void
bsd_malloc_stats(struct bsd_malloc_stats *st)
{
	kmem_lock();
	kmem_stats1(st);
	kmem_unlock();
}

/* kmem_kb: bytes in kilobytes, rounded up (vmstat -m). */
static uint64_t
kmem_kb(uint64_t bytes)
{
	return bytes / 1024 + (bytes % 1024 != 0);
}

void
bsd_malloc_dump(vmem_printf_t *pr, void *arg)
{
	struct bsd_malloc_bucket_stats bs;
	struct bsd_malloc_stats st;
	uint64_t totuse = 0, totreq = 0;

	kmem_lock();
	kmem_stats1(&st);
	pr(arg, "Memory statistics by bucket size\n");
	pr(arg, "%12s %8s %8s %10s %10s %10s\n", "Size", "In Use", "Free",
	    "Requests", "HighWater", "Couldfree");
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < BSD_MALLOC_NBUCKETS; i++) {
		kmem_bucket_stats1(i, &bs);
		if (bs.calls == 0)
			continue;
		pr(arg, "%12" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64
		    " %10" PRIu64 " %10" PRIu64 "\n", bs.size, bs.inuse,
		    bs.totalfree, bs.calls, bs.highwat, bs.couldfree);
	}
	pr(arg, "\nMemory statistics by type%44s\n", "Type  Kern");
	pr(arg, "%16s %6s %7s %8s %8s %8s %5s %5s %s\n", "Type", "InUse",
	    "MemUse", "HighUse", "Limit", "Requests", "Limit", "Limit",
	    "Size(s)");
	for (struct bsd_malloc_type *t = kmem.types; t != NULL; t = t->ks_next) {
		const struct bsd_malloc_type_stats *ks = &t->ks_st;
		const char *sep = "  ";

		pr(arg, "%16.16s %6" PRIu64 " %6" PRIu64 "K %7" PRIu64 "K %7"
		    PRIu64 "K %8" PRIu64 " %5" PRIu64 " %5" PRIu64,
		    kmem_typename(t), ks->inuse, kmem_kb(ks->memuse),
		    kmem_kb(ks->maxused), kmem_kb(ks->limit), ks->calls,
		    ks->limblocks, ks->mapblocks);
		for (unsigned i = 0; i < BSD_MALLOC_NBUCKETS; i++)
			if ((ks->sizes >> i) & 1) {
				pr(arg, "%s%" PRIu64, sep, (uint64_t)1 << i);
				sep = ",";
			}
		pr(arg, "\n");
		totuse += ks->memuse;
		totreq += ks->calls;
	}
	pr(arg, "\nMemory Totals:  In Use    Free    Requests\n");
	pr(arg, "              %7" PRIu64 "K %6" PRIu64 "K    %8" PRIu64 "\n",
	    kmem_kb(totuse), kmem_kb(st.freebytes), totreq);
	pr(arg, "\nstatistics:\n");
	for (size_t i = 0; i < bsd_malloc_nstatdesc; i++)
		pr(arg, "  %-16s %20" PRIu64 "  %s\n",
		    bsd_malloc_statdesc[i].sd_name,
		    kml_stat_get(&st, &bsd_malloc_statdesc[i]),
		    bsd_malloc_statdesc[i].sd_descr);
	kmem_unlock();
}

static void
kmem_pr_file(void *arg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(arg, fmt, ap);
	va_end(ap);
}

void
bsd_malloc_dump_file(FILE *fp)
{
	bsd_malloc_dump(kmem_pr_file, fp);
}

/* ---- set-up and tear-down */

void
bsd_malloc_params_default(struct bsd_malloc_params *p)
{
	memset(p, 0, sizeof(*p));
	p->bmp_kmemsize = 0;
	p->bmp_limit_pct = 60;
	p->bmp_freeorder = BSD_MALLOC_FIFO;
}

int
bsd_malloc_init(const struct bsd_malloc_params *p)
{
	struct bsd_malloc_params def;
	struct uvm_stats us;
	uint64_t pgsz = uvm_pagesize(), kmemsize;

	if (kmem.up) {
		fprintf(stderr, "bsd_malloc_init: the allocator is already "
		    "set up\n");
		return EBUSY;
	}
	if (pgsz == 0) {
		fprintf(stderr, "bsd_malloc_init: the page layer is not set up "
		    "(uvm_init)\n");
		return EINVAL;
	}
	if (p == NULL)
		bsd_malloc_params_default(&def);
	else
		def = *p;
	uvm_stats(&us);
	kmemsize = def.bmp_kmemsize != 0 ? def.bmp_kmemsize :
	    us.physpages * pgsz;
	if (kmemsize % pgsz != 0 || kmemsize < 2 * pgsz) {
		fprintf(stderr, "bsd_malloc_init: bmp_kmemsize %" PRIu64 " is "
		    "not a multiple of the page size %" PRIu64 " of at least "
		    "two pages\n", kmemsize, pgsz);
		return EINVAL;
	}
	if (kmemsize > UINT64_C(1) << 63) {
		/* so that every request has a bucket below BSD_MALLOC_NBUCKETS */
		fprintf(stderr, "bsd_malloc_init: bmp_kmemsize %" PRIu64 " is "
		    "above 2^63\n", kmemsize);
		return EINVAL;
	}
	if (def.bmp_limit_pct < 1 || def.bmp_limit_pct > 100) {
		fprintf(stderr, "bsd_malloc_init: bmp_limit_pct %u is not in "
		    "1..100\n", def.bmp_limit_pct);
		return EINVAL;
	}
	if (def.bmp_freeorder != BSD_MALLOC_FIFO &&
	    def.bmp_freeorder != BSD_MALLOC_LIFO) {
		fprintf(stderr, "bsd_malloc_init: bmp_freeorder %d is neither "
		    "BSD_MALLOC_FIFO nor BSD_MALLOC_LIFO\n", def.bmp_freeorder);
		return EINVAL;
	}
	memset(kmem.bucket, 0, sizeof(kmem.bucket));
	kmem.hash = calloc(KMEM_HASH_MIN, sizeof(*kmem.hash));
	if (kmem.hash == NULL)
		return ENOMEM;
	kmem.hsize = KMEM_HASH_MIN;
	kmem.hbits = kml_log2(KMEM_HASH_MIN);
	kmem.pagesize = pgsz;
	kmem.pageshift = kml_log2(pgsz);
	kmem.maxallocsave = 2 * pgsz;
	kmem.maxbucket = kmem.pageshift + 1;
	kmem.kmempages = kmemsize / pgsz;
	kmem.inflight = 0;
	/* floor(kmemsize * pct / 100) without overflow */
	kmem.deflimit = kmemsize / 100 * def.bmp_limit_pct +
	    kmemsize % 100 * def.bmp_limit_pct / 100;
	kmem.freeorder = def.bmp_freeorder;
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < BSD_MALLOC_NBUCKETS; i++) {
		struct bsd_malloc_bucket_stats *bs = &kmem.bucket[i].kb_st;

		bs->size = (uint64_t)1 << i;
		bs->elmpercl = kmem_elmpercl(i);
		bs->highwat = 5 * bs->elmpercl;
	}
	kmem.types = NULL;
	kmem.typetail = &kmem.types;
	memset(&kmem.st, 0, sizeof(kmem.st));
	memset(&kmem.report, 0, sizeof(kmem.report));
	kml_mutex_init(&kmem.lock, "bsd_malloc");
	kml_wchan_init(&kmem.mapwait, "kmem_map");
	kmem.up = true;
	return 0;
}

void
bsd_malloc_fini(void)
{
	struct kmemusage *list = NULL, *ku;
	struct bsd_malloc_type *t, *next;
	char busy[192];
	size_t blen = 0;
	unsigned nbusy = 0;

	kmem_lock();
	KML_ASSERTMSG(kmem.mapwait.wc_nwaiters == 0, "bsd_malloc_fini: %u "
	    "threads sleeping for kmem space", kmem.mapwait.wc_nwaiters);
	busy[0] = '\0';
	for (t = kmem.types; t != NULL; t = t->ks_next) {
		KML_ASSERTMSG(t->ks_wchan.wc_nwaiters == 0, "bsd_malloc_fini: "
		    "type \"%s\" has sleepers", kmem_typename(t));
		if (t->ks_st.inuse == 0)
			continue;
		nbusy++;
		if (blen < sizeof(busy)) {
			int n = snprintf(busy + blen, sizeof(busy) - blen,
			    "%s%s (%" PRIu64 " blocks, %" PRIu64 " bytes)",
			    nbusy > 1 ? ", " : "", kmem_typename(t),
			    t->ks_st.inuse, t->ks_st.memuse);

			blen += n > 0 ? (size_t)n : 0;
		}
	}
	if (nbusy != 0)
		kmem_error(NULL, BSD_MALLOC_ERR_BUSY, "bsd_malloc_fini: "
		    "memory still in use: %s", busy);
	for (t = kmem.types; t != NULL; t = next) {
		next = t->ks_next;
		t->ks_next = NULL;
		t->ks_magic = 0;
	}
	kmem.types = NULL;
	kmem.typetail = &kmem.types;
	for (uint64_t h = 0; h < kmem.hsize; h++)
		while ((ku = kmem.hash[h]) != NULL) {
			kmem.hash[h] = ku->ku_hnext;
			ku->ku_hnext = list;
			list = ku;
		}
	free(kmem.hash);
	kmem.hash = NULL;
	kmem.hsize = 0;
	for (unsigned i = 0; i < BSD_MALLOC_NBUCKETS; i++)
		free(kmem.bucket[i].kb_ring);
	memset(kmem.bucket, 0, sizeof(kmem.bucket));
	memset(&kmem.st, 0, sizeof(kmem.st));
	kmem.up = false;
	kml_mutex_exit(&kmem.lock);
	while ((ku = list) != NULL) {
		list = ku->ku_hnext;
		uvm_km_free(ku->ku_va, ku->ku_pagecnt << kmem.pageshift,
		    UVM_KMF_WIRED);
		free(ku);
	}
	kml_mutex_destroy(&kmem.lock);
	kmem_deliver();
}

/* ---- the checker */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			snprintf(buf, len, __VA_ARGS__);		\
			return -1;					\
		}							\
	} while (0)

/* kmem_check_ku: invariant (1) for one entry, summing into the totals. */
static int
kmem_check_ku(struct kmemusage *ku, uint64_t *nfree, uint64_t *memuse,
    uint64_t *inuse, char *buf, size_t len)
{
	uint64_t nwords = (ku->ku_nblocks + 63) / 64, pop = 0, bsize;

	CHECK((ku->ku_va & (kmem.pagesize - 1)) == 0, "usage entry %#" PRIx64
	    " is not page-aligned", ku->ku_va);
	CHECK(ku->ku_indx >= BSD_MALLOC_MINBUCKET && ku->ku_indx <
	    BSD_MALLOC_NBUCKETS, "usage entry %#" PRIx64 " has bucket %u",
	    ku->ku_va, ku->ku_indx);
	if (ku->ku_large) {
		bsize = ku->ku_pagecnt << kmem.pageshift;
		CHECK(bsize > kmem.maxallocsave && ku->ku_nblocks == 1 &&
		    ku->ku_freecnt == 0 && !ku_isfree(ku, 0) &&
		    bsd_malloc_bucketindx(bsize) == ku->ku_indx, "large "
		    "allocation %#" PRIx64 ": %" PRIu64 " pages, bucket %u, %"
		    PRIu64 " blocks, %s", ku->ku_va, ku->ku_pagecnt,
		    ku->ku_indx, ku->ku_nblocks, ku_isfree(ku, 0) ? "free" :
		    "allocated");
	} else {
		bsize = (uint64_t)1 << ku->ku_indx;
		CHECK(ku->ku_indx <= kmem.maxbucket && ku->ku_nblocks ==
		    kmem_elmpercl(ku->ku_indx) && ku->ku_pagecnt ==
		    (bsize > kmem.pagesize ? bsize >> kmem.pageshift : 1),
		    "bucket page %#" PRIx64 ": bucket %u, %" PRIu64 " blocks, %"
		    PRIu64 " pages", ku->ku_va, ku->ku_indx, ku->ku_nblocks,
		    ku->ku_pagecnt);
	}
	for (uint64_t w = 0; w < nwords; w++) {
		uint64_t valid = w + 1 < nwords || ku->ku_nblocks % 64 == 0 ?
		    ~UINT64_C(0) : (UINT64_C(1) << (ku->ku_nblocks % 64)) - 1;
		uint64_t busy = ~ku->ku_freemap[w] & valid;

		CHECK((ku->ku_freemap[w] & ~valid) == 0, "usage entry %#" PRIx64
		    ": free bits beyond the last block", ku->ku_va);
		pop += (uint64_t)__builtin_popcountll(ku->ku_freemap[w]);
		ku->ku_chkmap[w] = 0;
		/* allocated blocks here; free ones are checked from the free list */
		for (; busy != 0; busy &= busy - 1) {
			uint64_t i = w * 64 + kml_ctz(busy);
			struct bsd_malloc_type *t = ku->ku_types[i];

			CHECK(kmem_type_registered(t), "block %#" PRIx64 " belongs "
			    "to an unregistered type %p", ku->ku_va + i * bsize,
			    (void *)t);
			t->ks_chkuse += bsize;
			t->ks_chkinuse++;
			*memuse += bsize;
			(*inuse)++;
		}
	}
	CHECK(pop == ku->ku_freecnt, "usage entry %#" PRIx64 ": freecnt %"
	    PRIu64 " but %" PRIu64 " free bits", ku->ku_va, ku->ku_freecnt, pop);
	*nfree += ku->ku_freecnt;
	return 0;
}

/*
 * bsd_malloc_check1: verify the invariants of section 3.
 * => lock held.  Returns 0, or -1 with the first violation in buf.
 */
static int
bsd_malloc_check1(char *buf, size_t len)
{
	uint64_t ntotal[BSD_MALLOC_NBUCKETS], nfree[BSD_MALLOC_NBUCKETS];
	uint64_t npages[BSD_MALLOC_NBUCKETS];
	uint64_t entries = 0, memuse = 0, inuse = 0, bpages = 0, lpages = 0;
	uint64_t ntypes = 0;
	struct bsd_malloc_type *t;

	memset(ntotal, 0, sizeof(ntotal));
	memset(nfree, 0, sizeof(nfree));
	memset(npages, 0, sizeof(npages));
	for (t = kmem.types; t != NULL; t = t->ks_next) {
		CHECK(t->ks_magic == BSD_MALLOC_TYPE_MAGIC, "type \"%s\" on the "
		    "list is not registered", kmem_typename(t));
		t->ks_chkuse = t->ks_chkinuse = 0;
		ntypes++;
	}
	CHECK(ntypes == kmem.st.types, "%" PRIu64 " types on the list, %"
	    PRIu64 " counted", ntypes, kmem.st.types);

	/* (1): every usage entry */
	for (uint64_t h = 0; h < kmem.hsize; h++)
		for (struct kmemusage *ku = kmem.hash[h]; ku != NULL;
		    ku = ku->ku_hnext) {
			CHECK(kmem_hash(ku->ku_va) == h, "usage entry %#" PRIx64
			    " in chain %" PRIu64, ku->ku_va, h);
			if (kmem_check_ku(ku, &nfree[ku->ku_indx], &memuse,
			    &inuse, buf, len) != 0)
				return -1;
			ntotal[ku->ku_indx] += ku->ku_nblocks;
			npages[ku->ku_indx] += ku->ku_pagecnt;
			if (ku->ku_large)
				lpages += ku->ku_pagecnt;
			else
				bpages += ku->ku_pagecnt;
			entries++;
		}
	CHECK(entries == kmem.st.usage_entries, "%" PRIu64 " usage entries, "
	    "%" PRIu64 " counted", entries, kmem.st.usage_entries);

	/* (2), (3): every bucket */
	for (unsigned i = BSD_MALLOC_MINBUCKET; i < BSD_MALLOC_NBUCKETS; i++) {
		struct kmembucket *kb = &kmem.bucket[i];
		const struct bsd_malloc_bucket_stats *bs = &kb->kb_st;

		CHECK(bs->size == (uint64_t)1 << i && bs->elmpercl ==
		    kmem_elmpercl(i) && bs->highwat == 5 * bs->elmpercl,
		    "bucket %u: size %" PRIu64 ", elmpercl %" PRIu64 ", highwat %"
		    PRIu64, i, bs->size, bs->elmpercl, bs->highwat);
		CHECK(bs->total == ntotal[i] && bs->pages == npages[i],
		    "bucket %u: total %" PRIu64 " blocks in %" PRIu64 " pages, "
		    "the usage table has %" PRIu64 " in %" PRIu64, i, bs->total,
		    bs->pages, ntotal[i], npages[i]);
		CHECK(bs->totalfree == kb->kb_len && kb->kb_len == nfree[i] &&
		    kb->kb_len <= bs->total, "bucket %u: totalfree %" PRIu64
		    ", free list %" PRIu64 ", free bits %" PRIu64, i,
		    bs->totalfree, kb->kb_len, nfree[i]);
		CHECK(kb->kb_len == 0 || kml_ispow2(kb->kb_cap), "bucket %u: "
		    "ring of %" PRIu64 " slots", i, kb->kb_cap);
		struct kmemusage *ku = NULL;

		for (uint64_t n = 0; n < kb->kb_len; n++) {
			vmem_addr_t va = kb->kb_ring[(kb->kb_head + n) &
			    (kb->kb_cap - 1)];
			uint64_t b;

			/* neighbours on the list are mostly of one page */
			if (ku == NULL || va < ku->ku_va || va - ku->ku_va >=
			    ku->ku_pagecnt << kmem.pageshift)
				ku = kmem_usage_lookup(va);
			CHECK(ku != NULL && !ku->ku_large && ku->ku_indx == i &&
			    ((va - ku->ku_va) & (bs->size - 1)) == 0, "bucket %u"
			    " free list holds %#" PRIx64 ", not a block of the "
			    "bucket", i, va);
			b = (va - ku->ku_va) >> i;
			CHECK(ku_isfree(ku, b) && ku->ku_types[b] == NULL,
			    "bucket %u free list holds allocated block %#" PRIx64
			    " (type %p)", i, va, (void *)ku->ku_types[b]);
			CHECK(((ku->ku_chkmap[b / 64] >> (b % 64)) & 1) == 0,
			    "bucket %u free list holds %#" PRIx64 " twice", i, va);
			ku->ku_chkmap[b / 64] |= UINT64_C(1) << (b % 64);
		}
	}

	/* (4): types and totals */
	for (t = kmem.types; t != NULL; t = t->ks_next) {
		const struct bsd_malloc_type_stats *ks = &t->ks_st;

		CHECK(ks->memuse == t->ks_chkuse && ks->inuse == t->ks_chkinuse,
		    "type \"%s\": memuse %" PRIu64 " inuse %" PRIu64 ", its "
		    "blocks hold %" PRIu64 " bytes in %" PRIu64, kmem_typename(t),
		    ks->memuse, ks->inuse, t->ks_chkuse, t->ks_chkinuse);
		CHECK(ks->memuse <= ks->maxused && ks->limit > 0, "type \"%s\": "
		    "memuse %" PRIu64 " maxused %" PRIu64 " limit %" PRIu64,
		    kmem_typename(t), ks->memuse, ks->maxused, ks->limit);
	}
	CHECK(memuse == kmem.st.memuse && inuse == kmem.st.inuse, "blocks "
	    "hold %" PRIu64 " bytes in %" PRIu64 ", counted %" PRIu64 " in %"
	    PRIu64, memuse, inuse, kmem.st.memuse, kmem.st.inuse);

	/* (5): pages */
	CHECK(bpages == kmem.st.bucket_pages && lpages == kmem.st.large_pages,
	    "bucket pages %" PRIu64 " large pages %" PRIu64 ", counted %"
	    PRIu64 " and %" PRIu64, bpages, lpages, kmem.st.bucket_pages,
	    kmem.st.large_pages);
	CHECK(kmem.st.pages == bpages + lpages && kmem.st.pages +
	    kmem.inflight <= kmem.kmempages, "pages %" PRIu64 " (bucket %"
	    PRIu64 ", large %" PRIu64 ", %" PRIu64 " in flight) outside the "
	    "kmem space of %" PRIu64, kmem.st.pages, bpages, lpages,
	    kmem.inflight, kmem.kmempages);
	return 0;
}

int
bsd_malloc_check(char *buf, size_t len)
{
	int error;

	kmem_lock();
	error = bsd_malloc_check1(buf, len);
	kml_mutex_exit(&kmem.lock);
	return error;
}
