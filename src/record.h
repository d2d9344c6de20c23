/*
 * src/record.h: the types that the recorder's BPF programs
 * (src/record.bpf.c) and its user side (src/record-bpf.c) share: the
 * record that the programs put in the ring buffer for each event.
 *
 * Only fixed-width types: the file is compiled for the BPF target with
 * src/record-core.h and for the host with <linux/types.h>.  The
 * operation numbers are those of enum kml_trace_op (kmemlab/trace.h),
 * repeated here because the BPF side cannot include the library's
 * headers; cmd-record.c checks that they agree at compile time.
 */
#ifndef KMEMLAB_RECORD_H
#define KMEMLAB_RECORD_H

#define KML_REC_COMMLEN		16	/* TASK_COMM_LEN */
#define KML_REC_CACHELEN	48	/* longest cache name kept, NUL included */
#define KML_REC_PENDMAX		8192	/* threads inside an allocator call at once */

/* Operations (enum kml_trace_op). */
#define KML_REC_KMALLOC		1
#define KML_REC_KFREE		2
#define KML_REC_CACHE_ALLOC	3
#define KML_REC_CACHE_FREE	4
#define KML_REC_PAGE_ALLOC	5
#define KML_REC_PAGE_FREE	6
#define KML_REC_MALLOC		7
#define KML_REC_CALLOC		8
#define KML_REC_REALLOC		9
#define KML_REC_FREE		10
#define KML_REC_MEMALIGN	11
#define KML_REC_POSIX_MEMALIGN	12
#define KML_REC_ALIGNED_ALLOC	13
#define KML_REC_VALLOC		14

/* Contexts (KML_CTX_*). */
#define KML_REC_CTX_THREAD	0
#define KML_REC_CTX_SOFTIRQ	1
#define KML_REC_CTX_HARDIRQ	2
#define KML_REC_CTX_NMI		3

/* r_flags */
#define KML_REC_F_ACCOUNT	0x01	/* the tracepoint said accounted=true */
#define KML_REC_F_USER		0x02	/* user space: r_site is a return address */

/*
 * One event as the BPF programs record it.  Kernel events: r_site is the
 * call_site address, r_gfp the gfp_flags, r_ptr the object (the pfn for
 * page events, 0 for a failed allocation), r_cache the cache name when
 * known ("" otherwise).  User events: r_site is the return address of the
 * call (0 when unknown), r_size the bytes asked (calloc: the product),
 * r_aux the alignment (memalign family) or the element count (calloc).
 */
struct kml_rec_event {
	__u64 r_ts;			/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 r_ptr;			/* result, or the pointer freed */
	__u64 r_oldptr;			/* realloc: the pointer passed in */
	__u64 r_size;			/* bytes requested */
	__u64 r_alloc;			/* bytes allocated, 0 if unknown */
	__u64 r_aux;			/* alignment, or calloc's count */
	__u64 r_site;			/* call site address */
	__u32 r_pid;			/* thread group id */
	__u32 r_tid;			/* thread id */
	__u32 r_gfp;			/* gfp mask */
	__u16 r_cpu;			/* CPU */
	__u8 r_op;			/* KML_REC_* operation */
	__u8 r_ctx;			/* KML_REC_CTX_* */
	__u8 r_order;			/* page order */
	__u8 r_flags;			/* KML_REC_F_* */
	char r_comm[KML_REC_COMMLEN];	/* command name */
	char r_cache[KML_REC_CACHELEN];	/* cache name, "" if none */
};

#endif /* KMEMLAB_RECORD_H */
