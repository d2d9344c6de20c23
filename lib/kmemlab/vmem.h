/*
 * kmemlab/vmem.h: the vmem general resource allocator.
 *
 * The interface is FreeBSD's vmem(9) (vmem_create, vmem_add, vmem_alloc,
 * vmem_xalloc, vmem_free, vmem_xfree, vmem_set_import, vmem_size,
 * vmem_destroy) with illumos' vmem_walk, NetBSD's strategy names and a few
 * kmemlab additions for inspection (vmem_dump, vmem_stats, vmem_check).
 * See vmem(3) and the theory statement at the top of lib/vmem.c.
 *
 * Addresses and sizes are 64-bit integers whatever the host: an arena
 * manages a range of integers and no byte of it needs to exist.
 *
 * Conventions, all checked (a violation is an EINVAL error, see below):
 *  - quantum is a power of two; every address, size, alignment, phase and
 *    nocross given to an arena is a multiple of its quantum.
 *  - align is 0 (meaning the quantum) or a power of two.
 *  - phase < align (phase < quantum when align is 0).
 *  - nocross is 0 (no restriction) or a power of two with
 *    nocross >= align and phase + size <= nocross.
 *  - minaddr and maxaddr are both inclusive: the segment [addr, addr+size)
 *    satisfies minaddr <= addr and addr + size - 1 <= maxaddr.
 *    VMEM_ADDR_MIN and VMEM_ADDR_MAX mean no restriction; minaddr must not
 *    exceed maxaddr.
 *  - flags hold exactly one of VM_SLEEP and VM_NOSLEEP, and at most one
 *    strategy (VM_INSTANTFIT, the default; VM_BESTFIT; VM_NEXTFIT).
 *
 * Errors.  Functions returning int return 0, EINVAL (a bad argument: the
 * request can never be valid) or ENOMEM (no space now).  Every error,
 * including misuse detected by the void functions vmem_free, vmem_xfree and
 * vmem_destroy, is also reported: it is counted in the arena's statistics
 * (errors), recorded as the arena's last error (vmem_last_error), and passed
 * to the error handler (vmem_set_error_handler; by default a one-line
 * message on stderr).  Misuse never corrupts the arena: the offending
 * call changes nothing.
 */
#ifndef KMEMLAB_VMEM_H
#define KMEMLAB_VMEM_H

#include <stddef.h>
#include <stdint.h>
#include <kmemlab/env.h>
#include <kmemlab/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t vmem_addr_t;
typedef uint64_t vmem_size_t;
typedef struct vmem vmem_t;

#define VMEM_ADDR_MIN	((vmem_addr_t)0)
#define VMEM_ADDR_MAX	(~(vmem_addr_t)0)

/* Allocation flags. */
#define VM_NOSLEEP	0x0001	/* fail with ENOMEM rather than wait */
#define VM_SLEEP	0x0002	/* wait for a free (or a deadlock report) */
#define VM_INSTANTFIT	0x0100	/* constant-time good fit (the default) */
#define VM_BESTFIT	0x0200	/* smallest segment that fits, lowest address on ties */
#define VM_NEXTFIT	0x0400	/* first fit after the last allocation, wrapping (identifiers) */

/* FreeBSD spellings. */
#define M_FIRSTFIT	VM_INSTANTFIT
#define M_BESTFIT	VM_BESTFIT
#define M_NEXTFIT	VM_NEXTFIT
#ifndef M_NOWAIT
#define M_NOWAIT	VM_NOSLEEP
#endif
#ifndef M_WAITOK
#define M_WAITOK	VM_SLEEP
#endif

/* Type masks for vmem_size and vmem_walk. */
#define VMEM_ALLOC	0x01	/* allocated segments */
#define VMEM_FREE	0x02	/* free segments */
#define VMEM_SPAN	0x10	/* spans (vmem_walk only) */

/* Import and release functions for arena hierarchies (vmem_set_import). */
typedef int (vmem_import_t)(void *arg, vmem_size_t size, int flags,
    vmem_addr_t *addrp);
typedef void (vmem_release_t)(void *arg, vmem_addr_t addr, vmem_size_t size);

/* vmem_walk callback: one call per segment or span, in address order. */
typedef void (vmem_walk_fn_t)(void *arg, vmem_addr_t addr, vmem_size_t size);

/* vmem_dump output callback, printf-like. */
typedef void (vmem_printf_t)(void *arg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Error classes, reported by one routine (see vmem_set_error_handler). */
enum vmem_error {
	VMEM_ERR_NONE = 0,
	VMEM_ERR_QUANTUM,	/* quantum zero or not a power of two */
	VMEM_ERR_SIZE,		/* size zero, not a multiple of the quantum, or wrapping */
	VMEM_ERR_ALIGN,		/* align not a power of two or not a multiple of the quantum */
	VMEM_ERR_PHASE,		/* phase >= align or not a multiple of the quantum */
	VMEM_ERR_NOCROSS,	/* nocross bad, below align, or phase + size > nocross */
	VMEM_ERR_RANGE,		/* minaddr > maxaddr, or an address not quantum-aligned */
	VMEM_ERR_FLAGS,		/* unknown bits, sleep flags, strategies */
	VMEM_ERR_OVERLAP,	/* vmem_add of a span overlapping an existing one */
	VMEM_ERR_NOTALLOC,	/* free of an address that is not allocated */
	VMEM_ERR_WRONGSIZE,	/* free with a size other than the allocated one */
	VMEM_ERR_XFREE,		/* vmem_free of a segment from vmem_xalloc */
	VMEM_ERR_BUSY,		/* vmem_destroy with segments still allocated */
	VMEM_ERR_DEADLOCK,	/* VM_SLEEP request that no free can ever satisfy */
	VMEM_ERR_NOIMPORT,	/* import or metadata allocation failed */
	VMEM_ERR_NERRORS
};

/* Error handler: called once per reported error with a one-line message. */
typedef void (vmem_error_handler_t)(void *arg, vmem_t *vm,
    enum vmem_error err, const char *msg);

/*
 * Arena statistics.  Counters (allocs...) only grow; gauges (inuse...)
 * describe the arena now.  Read with vmem_stats; the name table
 * vmem_statdesc names every member for reports.
 */
struct vmem_stats {
	/* gauges */
	uint64_t inuse;		/* bytes in allocated segments */
	uint64_t total;		/* bytes in all spans */
	uint64_t imported;	/* bytes in spans imported from the source */
	uint64_t busy_segs;	/* # of allocated segments */
	uint64_t free_segs;	/* # of free segments */
	uint64_t spans;		/* # of spans, added and imported */
	uint64_t largest_free;	/* bytes in the largest free segment */
	uint64_t hash_size;	/* # of buckets in the busy-segment hash */
	uint64_t hash_maxchain;	/* longest hash chain now */
	uint64_t waiters;	/* threads sleeping on the arena now */
	/* counters */
	uint64_t allocs;	/* # of successful vmem_alloc and vmem_xalloc */
	uint64_t frees;		/* # of successful vmem_free and vmem_xfree */
	uint64_t fails;		/* # of allocations that returned ENOMEM */
	uint64_t waits;		/* # of times an allocation slept */
	uint64_t imports;	/* # of spans imported from the source */
	uint64_t releases;	/* # of spans released to the source */
	uint64_t searches;	/* # of free segments examined by allocations */
	uint64_t bitmap_lookups; /* # of freelist bitmap lookups */
	uint64_t hash_lookups;	/* # of busy-segment hash lookups */
	uint64_t hash_steps;	/* # of hash chain entries visited */
	uint64_t rehashes;	/* # of hash table resizes */
	uint64_t splits;	/* # of free segments split by an allocation */
	uint64_t coalesces;	/* # of free segments merged with a neighbour */
	uint64_t errors;	/* # of reported errors (misuse, deadlock) */
};

extern const struct kml_statdesc vmem_statdesc[];
extern const size_t vmem_nstatdesc;

/*
 * vmem_create: make an arena.
 * => name is copied (at most 31 bytes kept).
 * => base and size describe an initial span; size 0 means none.
 * => quantum: the smallest unit of allocation, a power of two.
 * => qcache_max: a multiple of the quantum; 0 for none.  vmem_alloc and
 *    vmem_free of sizes up to qcache_max go through quantum caches: one
 *    pool_cache per multiple of the quantum up to qcache_max (at most 16
 *    of them), whose slabs are segments of the arena (see lib/vmem.c,
 *    section 10).  vmem_xalloc and vmem_xfree never use them.
 * => flags: 0, VM_SLEEP or VM_NOSLEEP.
 * => returns NULL on error, with errno EINVAL (and a reported error) or
 *    ENOMEM.
 */
vmem_t *vmem_create(const char *name, vmem_addr_t base, vmem_size_t size,
    vmem_size_t quantum, vmem_size_t qcache_max, int flags);

/*
 * vmem_destroy: free the arena.
 * => segments still allocated are reported (VMEM_ERR_BUSY) and freed.
 * => imported spans are released to the source.
 * => no thread may be sleeping on the arena.
 */
void vmem_destroy(vmem_t *vm);

/*
 * vmem_add: add the span [addr, addr+size) to the arena.
 * => addr and size multiples of the quantum, size > 0, no wrap.
 * => the span must not overlap any existing span (EINVAL, VMEM_ERR_OVERLAP).
 * => wakes threads sleeping on the arena.
 */
int vmem_add(vmem_t *vm, vmem_addr_t addr, vmem_size_t size, int flags);

/*
 * vmem_alloc: allocate size units, with the strategy in flags.
 * => returns 0 and sets *addrp, EINVAL, or ENOMEM.
 */
int vmem_alloc(vmem_t *vm, vmem_size_t size, int flags, vmem_addr_t *addrp);

/*
 * vmem_xalloc: allocate size units under constraints: addr % align ==
 * phase, [addr, addr+size) does not cross a multiple of nocross, and
 * minaddr <= addr <= addr + size - 1 <= maxaddr.
 * => among the addresses the strategy picks a segment for, the lowest one
 *    in that segment that satisfies the constraints is returned.
 * => returns 0 and sets *addrp, EINVAL, or ENOMEM.
 */
int vmem_xalloc(vmem_t *vm, vmem_size_t size, vmem_size_t align,
    vmem_size_t phase, vmem_size_t nocross, vmem_addr_t minaddr,
    vmem_addr_t maxaddr, int flags, vmem_addr_t *addrp);

/*
 * vmem_free: free a segment from vmem_alloc.
 * => addr is the start of an allocated segment of exactly size units;
 *    otherwise VMEM_ERR_NOTALLOC or VMEM_ERR_WRONGSIZE is reported.
 * => a segment from vmem_xalloc is reported (VMEM_ERR_XFREE): use vmem_xfree.
 * => coalesces with free neighbours, releases a wholly free imported span
 *    to the source, wakes sleepers.
 */
void vmem_free(vmem_t *vm, vmem_addr_t addr, vmem_size_t size);

/* vmem_xfree: free a segment from vmem_xalloc (or vmem_alloc). */
void vmem_xfree(vmem_t *vm, vmem_addr_t addr, vmem_size_t size);

/*
 * vmem_set_import: make the arena import spans from a source on a miss.
 * => importfn(arg, size, flags, &addr) must return 0 and a span of size
 *    units, quantum-aligned, or an error.  size is the request rounded up
 *    to import_quantum (at least the quantum); for an aligned request it is
 *    enlarged so that the span can hold the request whatever its address.
 * => releasefn(arg, addr, size) takes back a span that became wholly free.
 * => import_quantum: 0 (meaning the quantum) or a power of two that is a
 *    multiple of the quantum (VMEM_ERR_SIZE otherwise).
 * => vmem_arena_import and vmem_arena_release are ready-made functions for
 *    a source that is itself an arena (arg is the source vmem_t *).
 * => returns 0 or EINVAL.
 */
int vmem_set_import(vmem_t *vm, vmem_import_t *importfn,
    vmem_release_t *releasefn, void *arg, vmem_size_t import_quantum);

vmem_import_t vmem_arena_import;
vmem_release_t vmem_arena_release;

/*
 * vmem_size: bytes allocated (VMEM_ALLOC), free (VMEM_FREE), or in all
 * spans (VMEM_ALLOC | VMEM_FREE).
 */
vmem_size_t vmem_size(vmem_t *vm, int typemask);

/*
 * vmem_walk: call fn(arg, addr, size) for each span (VMEM_SPAN), allocated
 * segment (VMEM_ALLOC) and free segment (VMEM_FREE) selected by typemask,
 * in address order (a span before its segments).
 * => fn must not call into the arena.
 */
void vmem_walk(vmem_t *vm, int typemask, vmem_walk_fn_t *fn, void *arg);

/*
 * vmem_dump: print the arena (configuration, spans with their segments,
 * freelists and bitmap, statistics) through pr(arg, fmt, ...).
 * vmem_dump_file is vmem_dump to a stdio stream.
 */
void vmem_dump(vmem_t *vm, vmem_printf_t *pr, void *arg);
void vmem_dump_file(vmem_t *vm, FILE *fp);

/*
 * vmem_qcache_reclaim: empty the arena's quantum caches and give their
 * free slabs back to the arena.  Returns the slabs given back.
 */
unsigned vmem_qcache_reclaim(vmem_t *vm);

/* vmem_stats: copy the arena's statistics into *st. */
void vmem_stats(vmem_t *vm, struct vmem_stats *st);

/*
 * vmem_counters: vmem_stats without walking the busy-segment hash
 * (hash_maxchain is 0): O(1) plus the free list of the largest order, for
 * time series taken often.
 */
void vmem_counters(vmem_t *vm, struct vmem_stats *st);

/*
 * vmem_frag: the fragmentation of an arena with total bytes, inuse of
 * them allocated and largest_free the largest free segment:
 * 1 - largest free / free, 0 when nothing is free (as time series and
 * reports show it).
 */
double vmem_frag(uint64_t total, uint64_t inuse, uint64_t largest_free);

/* vmem_lockstat: the statistics of vm's lock. */
void vmem_lockstat(vmem_t *vm, struct kml_lockstat *ls);

/*
 * vmem_check: verify every invariant of the arena (see lib/vmem.c).
 * => returns 0, or -1 with a description of the first violation in
 *    buf[0..len).
 * => the --enable-sanity build runs it after every operation and panics
 *    on a violation.
 */
int vmem_check(vmem_t *vm, char *buf, size_t len);

/* vmem_name, vmem_quantum: what vmem_create was given. */
const char *vmem_name(const vmem_t *vm);
vmem_size_t vmem_quantum(const vmem_t *vm);

/*
 * vmem_set_error_handler: send the arena's error reports to fn (NULL
 * restores the default, which prints "vmem: MSG" on stderr).
 */
void vmem_set_error_handler(vmem_t *vm, vmem_error_handler_t *fn, void *arg);

/*
 * vmem_set_default_error_handler: the handler that new arenas start with
 * (NULL restores the stderr printer).
 */
void vmem_set_default_error_handler(vmem_error_handler_t *fn, void *arg);

/*
 * vmem_last_error: the class of the last error reported by the arena
 * (VMEM_ERR_NONE if none), and its message in *msgp if msgp is not NULL.
 */
enum vmem_error vmem_last_error(const vmem_t *vm, const char **msgp);

/* vmem_strerror: a short name for an error class ("not allocated"). */
const char *vmem_strerror(enum vmem_error err);

/*
 * vmem_strategy_name: "instantfit", "bestfit" or "nextfit" for a flags
 * word; vmem_strategy_parse: the flag for a name (also "instant", "best",
 * "next", "firstfit"), or -1.
 */
const char *vmem_strategy_name(int flags);
int vmem_strategy_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_VMEM_H */
