/*
 * kmemlab/bsd_malloc.h: the 4.4BSD kernel malloc, after kern_malloc.c.
 *
 * Kirk McKusick's power-of-two bucket allocator (McKusick and Karels,
 * "Design of a General Purpose Memory Allocator for the 4.3BSD UNIX
 * Kernel", USENIX 1988; 4.4BSD and 386BSD sys/kern/kern_malloc.c and
 * sys/sys/malloc.h), on kmemlab's page layer (kmemlab/uvm_km.h).  Every
 * allocation is charged to a malloc type, which keeps statistics and a
 * limit.  Blocks are addresses: no byte of a block exists.  See
 * bsd_malloc(3) and the theory statement at the top of lib/bsd_malloc.c.
 *
 * The names carry a bsd_ prefix so as not to clash with the C library:
 * 4.4BSD's malloc(size, type, flags) is bsd_malloc, free(addr, type) is
 * bsd_free, MALLOC_DEFINE is BSD_MALLOC_DEFINE.
 *
 * Errors.  bsd_malloc returns 0 when it cannot allocate.  Misuse (bad
 * flags, a size that can never be satisfied, the free of an address that
 * is not an allocated block, a duplicate free, a free with the wrong type)
 * and deadlocks are reported: counted (errors in bsd_malloc_stats), kept
 * as the last error (bsd_malloc_last_error) and passed to the error
 * handler (by default a one-line message on stderr).  Misuse never
 * corrupts the allocator: the offending call changes nothing.
 *
 * The allocator is one per process, like a kernel's: bsd_malloc_init sets
 * it up (after uvm_init), bsd_malloc_fini tears it down.  Calling any other
 * function while it is not set up is a panic, except
 * bsd_malloc_params_default, bsd_malloc_bucketindx,
 * bsd_malloc_maxallocsave, bsd_malloc_set_error_handler,
 * bsd_malloc_last_error and bsd_malloc_strerror.
 */
#ifndef KMEMLAB_BSD_MALLOC_H
#define KMEMLAB_BSD_MALLOC_H

#include <stdint.h>
#include <stdio.h>
#include <kmemlab/env.h>
#include <kmemlab/stat.h>
#include <kmemlab/vmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Buckets.  Bucket n holds blocks of 2^n bytes; the smallest is
 * BSD_MALLOC_MINBUCKET (16 bytes, MINALLOCSIZE), the largest kept on a
 * free list is MAXALLOCSAVE, two pages (bsd_malloc_maxallocsave).  Larger
 * requests are counted in the bucket of their size's power of two but
 * come straight from the page layer.
 */
#define BSD_MALLOC_MINBUCKET	4	/* log2(MINALLOCSIZE) */
#define BSD_MALLOC_MINALLOCSIZE	((uint64_t)1 << BSD_MALLOC_MINBUCKET)
#define BSD_MALLOC_NBUCKETS	64	/* bucket indices 0..63; MINBUCKET.. used */

/*
 * Flags of bsd_malloc: exactly one of M_WAITOK and M_NOWAIT (the values
 * of VM_SLEEP and VM_NOSLEEP, from kmemlab/vmem.h), and M_ZERO.  M_ZERO is
 * recorded (counted, and passed to the page layer for large allocations):
 * no byte exists to be zeroed.  Its value is free among the VM_* bits.
 */
#define M_ZERO		0x0800	/* zeroed block (recorded) */

/* Free-list order, bmp_freeorder. */
#define BSD_MALLOC_FIFO	0	/* a freed block goes to the tail (4.4BSD) */
#define BSD_MALLOC_LIFO	1	/* a freed block goes to the head (Net/2, 386BSD) */

/* Parameters of the allocator. */
struct bsd_malloc_params {
	uint64_t bmp_kmemsize;	/* bytes of kmem space (kmem_map): the most the
				   allocator holds from the page layer at once,
				   a multiple of the page size, at least
				   MAXALLOCSAVE and at most 2^63 (default 0:
				   the page layer's physical memory,
				   physpages * pagesize) */
	unsigned bmp_limit_pct;	/* default limit of a type, in percent of
				   bmp_kmemsize, 1..100 (default 60, as 4.4BSD) */
	int bmp_freeorder;	/* BSD_MALLOC_FIFO (default) or BSD_MALLOC_LIFO */
};

/* bsd_malloc_params_default: fill *p with the defaults above. */
void bsd_malloc_params_default(struct bsd_malloc_params *p);

/* Error classes, reported by one routine (see bsd_malloc_set_error_handler). */
enum bsd_malloc_error {
	BSD_MALLOC_ERR_NONE = 0,
	BSD_MALLOC_ERR_FLAGS,		/* unknown bits, not exactly one sleep flag, M_WAITOK in interrupt */
	BSD_MALLOC_ERR_SIZE,		/* a size larger than the kmem space: never satisfiable */
	BSD_MALLOC_ERR_BADTYPE,		/* NULL type, type registered twice, fini of an unknown type */
	BSD_MALLOC_ERR_NOTALLOC,	/* free of an address that is not the start of a block */
	BSD_MALLOC_ERR_DUPFREE,		/* free of a block that is already free */
	BSD_MALLOC_ERR_WRONGTYPE,	/* free with a type other than the block's */
	BSD_MALLOC_ERR_DEADLOCK,	/* M_WAITOK request that nothing can ever satisfy */
	BSD_MALLOC_ERR_BUSY,		/* fini (allocator or type) with memory in use */
	BSD_MALLOC_ERR_NOMEM,		/* out of process memory for metadata */
	BSD_MALLOC_ERR_NERRORS
};

/*
 * Statistics of a malloc type: a row of the old "vmstat -m" type table
 * (Type InUse MemUse HighUse Limit Requests TypeLimit KernLimit Size(s)).
 * Read with bsd_malloc_type_stats; bsd_malloc_type_statdesc names them.
 */
struct bsd_malloc_type_stats {
	/* gauges */
	uint64_t inuse;		/* InUse: blocks allocated now */
	uint64_t memuse;	/* MemUse: bytes allocated now (block sizes) */
	uint64_t limit;		/* Limit: bytes; requests wait or fail while memuse >= limit */
	uint64_t waiters;	/* threads sleeping at the limit now */
	/* counters */
	uint64_t maxused;	/* HighUse: most bytes allocated at once */
	uint64_t calls;		/* Requests: successful bsd_malloc */
	uint64_t frees;		/* successful bsd_free */
	uint64_t limblocks;	/* TypeLimit: # of M_WAITOK requests that slept at the limit */
	uint64_t limfails;	/* # of M_NOWAIT requests refused at the limit */
	uint64_t mapblocks;	/* KernLimit: # of times a request found the kmem space full */
	uint64_t fails;		/* # of bsd_malloc that returned 0 */
	uint64_t sizes;		/* Size(s): bit n set once a block of bucket n was asked for */
};

extern const struct kml_statdesc bsd_malloc_type_statdesc[];
extern const size_t bsd_malloc_type_nstatdesc;

/*
 * A malloc type (4.4BSD struct kmemstats with its name, FreeBSD struct
 * malloc_type).  Callers own it: define one with BSD_MALLOC_DEFINE, which
 * registers itself at its first bsd_malloc, or initialize one with
 * bsd_malloc_type_init.  Every member but the descriptions is private to
 * lib/bsd_malloc.c.
 */
struct bsd_malloc_type {
	const char *ks_shortdesc;	/* name in reports and vmstat -m ("devbuf") */
	const char *ks_longdesc;	/* one line, or NULL */
	/* private */
	uint64_t ks_magic;		/* BSD_MALLOC_TYPE_MAGIC while registered */
	struct bsd_malloc_type *ks_next; /* registered types, in registration order */
	struct kml_wchan ks_wchan;	/* M_WAITOK requests wait here at the limit */
	struct bsd_malloc_type_stats ks_st;
	uint64_t ks_chkuse;		/* bsd_malloc_check's recount of memuse */
	uint64_t ks_chkinuse;		/* ... and of inuse */
};

/*
 * BSD_MALLOC_DEFINE(name, shortdesc, longdesc): define the type name (an
 * array of one, so that name is a pointer as in FreeBSD's M_DEVBUF);
 * BSD_MALLOC_DECLARE(name) declares it elsewhere.  The type registers
 * itself, with the default limit, at its first bsd_malloc after
 * bsd_malloc_init.
 */
#define BSD_MALLOC_DEFINE(name, shortdesc, longdesc)			\
	struct bsd_malloc_type name[1] = {				\
		{ .ks_shortdesc = (shortdesc), .ks_longdesc = (longdesc) } \
	}
#define BSD_MALLOC_DECLARE(name)	extern struct bsd_malloc_type name[1]

/*
 * Statistics of a bucket: a row of the old "vmstat -m" bucket table
 * (Size In Use Free Requests HighWater Couldfree).  For a bucket above
 * MAXALLOCSAVE the blocks are the large allocations of that power of two.
 */
struct bsd_malloc_bucket_stats {
	uint64_t size;		/* Size: block size, bytes (2^index) */
	uint64_t elmpercl;	/* blocks per refill (kb_elmpercl) */
	uint64_t calls;		/* Requests: successful allocations (kb_calls) */
	uint64_t total;		/* blocks the bucket holds, free or not (kb_total) */
	uint64_t inuse;		/* In Use: total - totalfree */
	uint64_t totalfree;	/* Free: blocks on the free list (kb_totalfree) */
	uint64_t highwat;	/* HighWater: free blocks above which a wholly
				   free page counts as could-free (5 * elmpercl) */
	uint64_t couldfree;	/* Couldfree: # of frees that left a page wholly
				   free while more than highwat blocks were free */
	uint64_t pages;		/* pages the bucket holds from the page layer */
};

extern const struct kml_statdesc bsd_malloc_bucket_statdesc[];
extern const size_t bsd_malloc_bucket_nstatdesc;

/* Statistics of the whole allocator; bsd_malloc_statdesc names them. */
struct bsd_malloc_stats {
	/* gauges */
	uint64_t kmemsize;	/* bytes of kmem space */
	uint64_t deflimit;	/* default limit of a type, bytes */
	uint64_t pagesize;	/* bytes per page */
	uint64_t maxallocsave;	/* largest block kept on a free list, bytes */
	uint64_t pages;		/* pages held from the page layer */
	uint64_t bucket_pages;	/* pages held by buckets (never given back) */
	uint64_t large_pages;	/* pages held by large allocations */
	uint64_t memuse;	/* bytes allocated, all types */
	uint64_t inuse;		/* blocks allocated, all types */
	uint64_t freebytes;	/* bytes on the buckets' free lists */
	uint64_t types;		/* registered types */
	uint64_t usage_entries;	/* kmemusage entries (bucket chunks and large allocations) */
	uint64_t waiters;	/* threads sleeping for kmem space now */
	/* counters */
	uint64_t allocs;	/* # of successful bsd_malloc */
	uint64_t frees;		/* # of successful bsd_free */
	uint64_t fails;		/* # of bsd_malloc that returned 0 */
	uint64_t refills;	/* # of bucket refills from the page layer */
	uint64_t large_allocs;	/* # of large allocations from the page layer */
	uint64_t large_frees;	/* # of large allocations given back */
	uint64_t zerosize;	/* # of bsd_malloc(0) */
	uint64_t zeroed;	/* # of M_ZERO requests */
	uint64_t errors;	/* # of reported errors (misuse, deadlock) */
};

extern const struct kml_statdesc bsd_malloc_statdesc[];
extern const size_t bsd_malloc_nstatdesc;

/* Error handler: called once per reported error with a one-line message. */
typedef void (bsd_malloc_error_handler_t)(void *arg,
    struct bsd_malloc_type *type, enum bsd_malloc_error err, const char *msg);

/*
 * bsd_malloc_init: set up the allocator with p (NULL: the defaults).
 * => the page layer is set up (uvm_init) and the allocator is not.
 * => returns 0, EINVAL for bad parameters or no page layer (with a message
 *    on stderr naming the problem), EBUSY if already set up, or ENOMEM.
 */
int bsd_malloc_init(const struct bsd_malloc_params *p);

/*
 * bsd_malloc_fini: tear the allocator down.
 * => no thread sleeps in it.
 * => memory still allocated is reported (BSD_MALLOC_ERR_BUSY, naming the
 *    types) and dropped; every page goes back to the page layer and every
 *    type is unregistered (its statistics start again at its next
 *    registration).
 */
void bsd_malloc_fini(void);

/*
 * bsd_malloc_type_init: register type under the name shortdesc with
 * limit bytes (0: the default limit).
 * => type is not registered (BSD_MALLOC_ERR_BADTYPE and EBUSY otherwise);
 *    shortdesc is not NULL (BSD_MALLOC_ERR_BADTYPE and EINVAL) and is not
 *    copied.  ks_longdesc is left as it is.
 * => returns 0, EINVAL or EBUSY.
 */
int bsd_malloc_type_init(struct bsd_malloc_type *type, const char *shortdesc,
    uint64_t limit);

/*
 * bsd_malloc_type_fini: unregister type.
 * => type is registered (BSD_MALLOC_ERR_BADTYPE and EINVAL otherwise), has
 *    no memory in use (BSD_MALLOC_ERR_BUSY and EBUSY otherwise: nothing
 *    changes) and no sleeper.
 * => returns 0, EINVAL or EBUSY.
 */
int bsd_malloc_type_fini(struct bsd_malloc_type *type);

/*
 * bsd_malloc_type_setlimit: set type's limit to limit bytes (0: the
 * default), registering type if needed; wakes its sleepers.
 */
void bsd_malloc_type_setlimit(struct bsd_malloc_type *type, uint64_t limit);

/* bsd_malloc_type_stats: type's statistics (zero if not registered). */
void bsd_malloc_type_stats(struct bsd_malloc_type *type,
    struct bsd_malloc_type_stats *st);

/*
 * bsd_malloc_types: store up to n registered types in vec, in
 * registration order; returns how many are registered.
 */
size_t bsd_malloc_types(struct bsd_malloc_type **vec, size_t n);

/*
 * bsd_malloc: allocate a block of at least size bytes for type.
 * => size 0 gets a block of MINALLOCSIZE bytes (as 4.4BSD), counted in
 *    zerosize; it is not an error.
 * => size <= MAXALLOCSAVE: a block of the bucket 2^n >= size, n >=
 *    MINBUCKET, aligned to its size up to a page (page-aligned above);
 *    larger: size rounded up to pages, page-aligned, from the page layer.
 * => while type's memory in use is at or above its limit, M_NOWAIT fails
 *    and M_WAITOK sleeps until a bsd_free of the type brings it below (a
 *    deadlock report and 0 when nothing can).  So memory in use stays
 *    below limit + the size of the block last allocated.
 * => an unregistered type is registered first; type NULL is an error.
 * => returns the address of the block, or 0.
 */
vmem_addr_t bsd_malloc(uint64_t size, struct bsd_malloc_type *type, int flags);

/*
 * bsd_free: free the block at addr, allocated for type.
 * => addr 0 does nothing (as FreeBSD's free(9)).
 * => addr is the start of an allocated block of type; otherwise the
 *    misuse is reported (BSD_MALLOC_ERR_NOTALLOC, _DUPFREE, _WRONGTYPE,
 *    _BADTYPE) and nothing changes.
 * => a bucket block goes back on its bucket's free list (its page is never
 *    given back); a large allocation goes back to the page layer.
 * => wakes type's sleepers when its memory in use falls below the limit.
 */
void bsd_free(vmem_addr_t addr, struct bsd_malloc_type *type);

/*
 * bsd_malloc_blocksize: the size of the allocated block that starts at
 * addr (a bucket size, or a large allocation's page-rounded size), or 0
 * if no allocated block starts there.  Never reports.
 */
uint64_t bsd_malloc_blocksize(vmem_addr_t addr);

/* bsd_malloc_bucketindx: the bucket index of size (BUCKETINDX). */
unsigned bsd_malloc_bucketindx(uint64_t size);

/* bsd_malloc_maxallocsave: MAXALLOCSAVE, bytes (0 before bsd_malloc_init). */
uint64_t bsd_malloc_maxallocsave(void);

/*
 * bsd_malloc_bucket_stats: the statistics of every bucket at one instant:
 * st[n] for bucket n (all zero for n < MINBUCKET).
 */
void bsd_malloc_bucket_stats(struct bsd_malloc_bucket_stats st[BSD_MALLOC_NBUCKETS]);

/* bsd_malloc_stats: the allocator's statistics now. */
void bsd_malloc_stats(struct bsd_malloc_stats *st);

/*
 * bsd_malloc_dump: print the old "vmstat -m" tables (buckets with
 * requests, usage by type, totals) and the allocator's statistics through
 * pr(arg, fmt, ...); bsd_malloc_dump_file prints to a stdio stream.
 */
void bsd_malloc_dump(vmem_printf_t *pr, void *arg);
void bsd_malloc_dump_file(FILE *fp);

/*
 * bsd_malloc_check: verify every invariant (see lib/bsd_malloc.c).
 * => returns 0, or -1 with a description of the first violation in
 *    buf[0..len).
 * => the --enable-sanity build runs it after every operation and panics
 *    on a violation.
 */
int bsd_malloc_check(char *buf, size_t len);

/*
 * bsd_malloc_set_error_handler: send error reports to fn (NULL restores
 * the default, which prints "bsd_malloc: MSG" on stderr).  The handler
 * survives bsd_malloc_fini; it may call into the allocator.
 */
void bsd_malloc_set_error_handler(bsd_malloc_error_handler_t *fn, void *arg);

/*
 * bsd_malloc_last_error: the class of the last reported error
 * (BSD_MALLOC_ERR_NONE if none since bsd_malloc_init), and its message in
 * *msgp if msgp is not NULL.
 */
enum bsd_malloc_error bsd_malloc_last_error(const char **msgp);

/* bsd_malloc_strerror: a short name for an error class ("duplicate free"). */
const char *bsd_malloc_strerror(enum bsd_malloc_error err);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_BSD_MALLOC_H */
