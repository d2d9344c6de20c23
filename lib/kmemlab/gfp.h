/*
 * kmemlab/gfp.h: Linux allocation flags (gfp_t), for mempool(3) and for
 * the trace importers.
 *
 * The bit values are those of Linux 6.x's include/linux/gfp_types.h for
 * every bit below 0x1000000, so that the raw gfp_flags field of a recent
 * kernel's kmem tracepoints can be used as is.  Older kernels numbered
 * several bits differently (4.x kernels most of them), so their raw
 * values must be read by name.  0x200 was __GFP_ATOMIC before Linux 6.3
 * (it is not defined here; GFP_ATOMIC is the 6.3 definition without it),
 * and the bits from 0x1000000 up depend on the kernel's configuration
 * (KASAN, lockdep, slab object extensions) and are not defined.  The text form that ftrace
 * prints ("GFP_KERNEL|__GFP_ZERO") is read and written by gfp_parse and
 * gfp_format, with the names and the order of the kernel's show_gfp_flags.
 *
 * The one question every allocator of kmemlab asks of a gfp mask is
 * whether the caller may sleep: it may iff __GFP_DIRECT_RECLAIM is set
 * (Linux's gfpflags_allow_blocking).  The inline helpers at the end turn a
 * mask into the sleep flags of kmemlab's own allocators: pool(9) and
 * pool_cache(9) (PR_WAITOK or PR_NOWAIT, plus PR_ZERO), kmem(9) (KM_SLEEP
 * or KM_NOSLEEP) and uvm_km(9) (UVM_KMF_NOWAIT, UVM_KMF_ZERO), and into
 * the flags of a trace event (KML_TEF_*), which the importers, the
 * recorder and the generator set alike.  The other bits are carried
 * along and recorded; kmemlab's allocators do not model zones, reclaim
 * modes, retry policies or cgroup accounting.
 */
#ifndef KMEMLAB_GFP_H
#define KMEMLAB_GFP_H

#include <stdbool.h>
#include <stddef.h>
#include <kmemlab/kmem.h>
#include <kmemlab/pool.h>
#include <kmemlab/trace.h>
#include <kmemlab/uvm_km.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int gfp_t;

/* ---- the bits (Linux 6.x values) */

/* zone modifiers */
#define __GFP_DMA		0x01u		/* ZONE_DMA */
#define __GFP_HIGHMEM		0x02u		/* ZONE_HIGHMEM allowed */
#define __GFP_DMA32		0x04u		/* ZONE_DMA32 */
#define __GFP_MOVABLE		0x08u		/* migratable or reclaimable page */
/* page mobility and placement */
#define __GFP_RECLAIMABLE	0x10u		/* reclaimable slab page */
#define __GFP_WRITE		0x1000u		/* page will be dirtied */
#define __GFP_HARDWALL		0x100000u	/* cpuset memory policy enforced */
#define __GFP_THISNODE		0x200000u	/* no fallback to other nodes */
#define __GFP_ACCOUNT		0x400000u	/* charged to the memory cgroup */
/* watermarks */
#define __GFP_HIGH		0x20u		/* high priority: may use part of the reserves */
#define __GFP_MEMALLOC		0x20000u	/* may use all the reserves */
#define __GFP_NOMEMALLOC	0x80000u	/* may not use the emergency reserves */
/* reclaim */
#define __GFP_IO		0x40u		/* may start physical I/O */
#define __GFP_FS		0x80u		/* may call into the file system */
#define __GFP_DIRECT_RECLAIM	0x400u		/* may reclaim directly: may sleep */
#define __GFP_KSWAPD_RECLAIM	0x800u		/* may wake kswapd */
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_RETRY_MAYFAIL	0x4000u		/* retry hard, but may fail */
#define __GFP_NOFAIL		0x8000u		/* retry for ever */
#define __GFP_NORETRY		0x10000u	/* light reclaim only, then fail */
/* action modifiers */
#define __GFP_NOWARN		0x2000u		/* no failure warning */
#define __GFP_COMP		0x40000u	/* compound page */
#define __GFP_ZERO		0x100u		/* zeroed memory */
#define __GFP_ZEROTAGS		0x800000u	/* zeroed memory tags (arm64 MTE) */

/* every bit defined above */
#define __GFP_KNOWN_MASK	0xfffdffu

/* ---- the usual masks */

#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
/*
 * GFP_NOWAIT implies __GFP_NOWARN in the kernels the bundled traces come
 * from (6.18: its mm_page_alloc lines print GFP_NOWAIT for 0x2800); older
 * kernels defined it as __GFP_KSWAPD_RECLAIM alone.
 */
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE	(GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | \
				 __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE		(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* ---- names */

/* One name of gfp_flagnames: a mask and the name the kernel prints for it. */
struct gfp_flagname {
	gfp_t gf_mask;
	const char *gf_name;
};

/*
 * gfp_flagnames: the masks of show_gfp_flags in the kernel's order (most
 * bits first: composite masks, then single bits), ended by { 0, NULL }.
 * (Defined in lib/mempool.c.)
 */
extern const struct gfp_flagname gfp_flagnames[];

/*
 * gfp_format: write gfp as the kernel's tracepoints print it into
 * buf[0..len): the names of gfp_flagnames whose bits are all still set,
 * in order, each taking its bits away, joined by "|"; leftover bits as
 * one hexadecimal number ("0x1000000"); "none" for 0.
 * => returns the length the whole text needs (as snprintf), not counting
 *    the NUL; the text is cut to fit len.
 */
size_t gfp_format(gfp_t gfp, char *buf, size_t len);

/*
 * gfp_parse: read a mask in gfp_format's form: names of gfp_flagnames and
 * numbers (decimal, or hexadecimal with 0x), separated by "|", or "none".
 * Spaces around the separators are allowed.
 * => returns 0 with the mask in *gfpp, or -1 (with *gfpp untouched) for an
 *    empty text, an unknown name or a bad number.
 */
int gfp_parse(const char *s, gfp_t *gfpp);

/* ---- what a mask means to kmemlab's allocators */

/* gfpflags_allow_blocking: the caller may sleep (Linux's name). */
static inline bool
gfpflags_allow_blocking(gfp_t gfp)
{
	return (gfp & __GFP_DIRECT_RECLAIM) != 0;
}

/* gfp_pr_flags: pool_get / pool_cache_get flags for gfp. */
static inline int
gfp_pr_flags(gfp_t gfp)
{
	return (gfpflags_allow_blocking(gfp) ? PR_WAITOK : PR_NOWAIT) |
	    ((gfp & __GFP_ZERO) ? PR_ZERO : 0);
}

/* gfp_km_flags: kmem_alloc flags for gfp (__GFP_ZERO: use kmem_zalloc). */
static inline int
gfp_km_flags(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) ? KM_SLEEP : KM_NOSLEEP;
}

/* gfp_uvm_flags: uvm_km_alloc flags for gfp, without the type flag. */
static inline int
gfp_uvm_flags(gfp_t gfp)
{
	return (gfpflags_allow_blocking(gfp) ? 0 : UVM_KMF_NOWAIT) |
	    ((gfp & __GFP_ZERO) ? UVM_KMF_ZERO : 0);
}

/*
 * gfp_tef_flags: the trace event flags gfp implies: KML_TEF_SLEEP when it
 * allows blocking, KML_TEF_ZERO for __GFP_ZERO, KML_TEF_ACCOUNT for
 * __GFP_ACCOUNT.
 */
static inline uint8_t
gfp_tef_flags(gfp_t gfp)
{
	return (uint8_t)((gfpflags_allow_blocking(gfp) ? KML_TEF_SLEEP : 0) |
	    ((gfp & __GFP_ZERO) ? KML_TEF_ZERO : 0) |
	    ((gfp & __GFP_ACCOUNT) ? KML_TEF_ACCOUNT : 0));
}

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_GFP_H */
