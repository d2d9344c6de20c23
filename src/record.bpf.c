/*
 * src/record.bpf.c: the BPF programs of "kmemlab record": kmem
 * tracepoints and malloc-family uprobes, each event put in a ring buffer
 * as a struct kml_rec_event (src/record.h) for src/record-bpf.c to read.
 *
 * Kernel types come from src/record-core.h, a committed minimal CO-RE
 * header (its top comment says why it is not a vmlinux.h generated at
 * build time); every field read is relocated by libbpf against the
 * running kernel's BTF.  Kernel differences are handled at load time,
 * never by rebuilding:
 *  - a tracepoint the kernel lacks (kmalloc_node on 6.1 and later): the
 *    user side turns the program's autoload off;
 *  - a record whose layout changed (kmem_alloc before 6.1, kmalloc
 *    after): one program tests bpf_core_type_exists and reads the record
 *    as the type that exists; the other branch is dead code that libbpf
 *    and the verifier drop;
 *  - the cache name: from the tracepoint record (its __data_loc name
 *    field, bpf_core_field_exists) when the kernel has it; otherwise
 *    from the cache structure (s->name), through the tp_btf programs
 *    cache_alloc_btf and cache_free_btf, which get the raw tracepoint's
 *    arguments (struct kmem_cache *s third, Linux 6.1 and later), and
 *    which the user side loads instead of the tracepoint programs only
 *    on such kernels.
 *
 * Context (thread, softirq, hardirq, NMI) is the kernel's own
 * interrupt_context_level(), which it computes from the preempt count and
 * which picks the per-CPU buffer a tracepoint's record is built in (see
 * rec_context).  The preempt count itself is a per-CPU variable that a
 * program can only reach through a typed ksym, which the verifier
 * resolves with kallsyms: that fails on kernels without
 * CONFIG_KALLSYMS_ALL, as this project's 6.18 machine is.  The tp_btf
 * programs get no record: their events are put in thread context.
 *
 * Filters, in the kernel: the events of kmemlab's own process are never
 * recorded (self_tgid); with a target process (targ_tgid != 0) only its
 * threads; with -c only the threads whose command is targ_comm.
 *
 * User-space calls: the uprobe at a function's entry saves its arguments
 * in the pending map under the thread id; the uretprobe at its return
 * takes them back, adds the result and records the event, so entry and
 * return pair per thread.  A call made from inside another traced call
 * of the same thread (glibc's realloc(NULL, n) calls malloc, realloc(p,
 * 0) calls free, at the same addresses) only counts depth: the outer
 * call is the one recorded.  free needs no return probe.
 *
 * Loss: when bpf_ringbuf_reserve fails (the buffer is full) the event is
 * counted in the per-CPU drops map, which the user side reads and writes
 * to the trace as drop records.
 */
#include "record-core.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "record.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the user side before loading (read-only data). */
const volatile __u32 self_tgid = 0;		/* kmemlab itself */
const volatile __u32 targ_tgid = 0;		/* 0: every process */
const volatile bool filter_comm = false;	/* -c given */
const volatile char targ_comm[KML_REC_COMMLEN] = {};
const volatile __u64 perf_regs_off = 0;		/* of __perf_regs, per-CPU area */
const volatile __u64 perf_regs_size = 0;	/* struct pt_regs, 0: no context */
const volatile __u64 page_mask = 4095;
const volatile __u64 wakeup_bytes = 1 << 20;	/* wake the reader from here */

/* The ring buffer; its size is set by the user side (--buffer). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Events lost because the ring buffer was full, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* A user-space call between its entry and its return. */
struct rec_pending {
	__u64 p_arg[3];		/* the arguments */
	__u64 p_site;		/* return address */
	__u8 p_op;		/* KML_REC_* */
	__u8 p_depth;		/* traced calls of the thread now open */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KML_REC_PENDMAX);
	__type(key, __u32);			/* thread id */
	__type(value, struct rec_pending);
} pending SEC(".maps");

/* ---- helpers */

/*
 * rec_context: the context of the tracepoint event whose record is ctx.
 * The perf side of a tracepoint, which runs BPF programs, keeps four
 * buffers per CPU, one for each of the kernel's interrupt_context_level()
 * (thread 0, softirq 1, hardirq 2, NMI 3, computed from the preempt
 * count), and puts in the first 8 bytes of the record the address of the
 * per-CPU __perf_regs[level].  The user side gives the offset of
 * __perf_regs in the per-CPU area and the size of struct pt_regs, from
 * the kernel's BTF; per-CPU areas are page-aligned, so the level is the
 * address minus that offset, modulo the page, divided by the size.
 */
static __always_inline __u8
rec_context(void *ctx)
{
	__u64 regs = 0, level;

	if (perf_regs_size == 0)
		return KML_REC_CTX_THREAD;
	bpf_probe_read_kernel(&regs, sizeof(regs), ctx);
	level = ((regs - perf_regs_off) & page_mask) / perf_regs_size;
	return level <= KML_REC_CTX_NMI ? (__u8)level : KML_REC_CTX_THREAD;
}

/* rec_skip: the events of thread id (bpf_get_current_pid_tgid) are left out. */
static __always_inline bool
rec_skip(__u64 id)
{
	__u32 tgid = id >> 32;
	char comm[KML_REC_COMMLEN];

	if (tgid == self_tgid)
		return true;
	if (targ_tgid != 0 && tgid != targ_tgid)
		return true;
	if (filter_comm) {
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < KML_REC_COMMLEN; i++) {
			if (comm[i] != targ_comm[i])
				return true;
			if (comm[i] == '\0')
				break;
		}
	}
	return false;
}

/* rec_drop: count an event lost on this CPU. */
static __always_inline void
rec_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);

	if (n != NULL)
		*n += 1;
}

/*
 * rec_submit: hand e to the reader.  Waking the reader up for every
 * event (the ring buffer's default whenever it has caught up) costs a
 * wakeup per event; so the reader is woken only once wakeup_bytes are
 * waiting, and otherwise reads the events after its wait times out
 * (record_bpf_poll).
 */
static __always_inline void
rec_submit(struct kml_rec_event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/*
 * rec_reserve: a zeroed record for op by thread id, with time, CPU,
 * thread, command and context filled in.
 * => returns NULL, after counting the drop, when the buffer is full.
 */
static __always_inline struct kml_rec_event *
rec_reserve(__u8 op, __u64 id, __u8 ctx)
{
	struct kml_rec_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e == NULL) {
		rec_drop();
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->r_ts = bpf_ktime_get_ns();
	e->r_cpu = bpf_get_smp_processor_id();
	e->r_pid = id >> 32;
	e->r_tid = (__u32)id;
	e->r_op = op;
	e->r_ctx = ctx;
	bpf_get_current_comm(e->r_comm, sizeof(e->r_comm));
	return e;
}

/*
 * rec_slab: record a slab event (ptr, sizes, gfp, call site) of the
 * tracepoint record ctx (NULL: none, thread context); name, when not
 * NULL, is a kernel string to copy as the cache name.
 */
static __always_inline int
rec_slab(void *ctx, __u8 op, unsigned long site, const void *ptr,
    unsigned long req, unsigned long alloc, unsigned long gfp, bool accounted,
    const void *name)
{
	struct kml_rec_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	if (rec_skip(id))
		return 0;
	if ((e = rec_reserve(op, id, ctx != NULL ? rec_context(ctx) :
	    KML_REC_CTX_THREAD)) == NULL)
		return 0;
	e->r_site = site;
	e->r_ptr = (__u64)ptr;
	e->r_size = req;
	e->r_alloc = alloc;
	e->r_gfp = (__u32)gfp;
	if (accounted)
		e->r_flags |= KML_REC_F_ACCOUNT;
	if (name != NULL)
		bpf_probe_read_kernel_str(e->r_cache, sizeof(e->r_cache), name);
	rec_submit(e);
	return 0;
}

/*
 * rec_data_loc: the address of the __data_loc string whose descriptor
 * (offset in the low 16 bits) is loc, in the record at ctx.
 */
static __always_inline const void *
rec_data_loc(void *ctx, __u32 loc)
{
	return (const char *)ctx + (loc & 0xffff);
}

/* ---- kernel: slab */

/*
 * REC_ACCOUNTED: the accounted field of tracepoint record r, false where
 * the running kernel's record has none (before 5.19).
 */
#define REC_ACCOUNTED(r) \
	(bpf_core_field_exists((r)->accounted) && (r)->accounted)

/*
 * rec_kmem_alloc, rec_kmem_alloc_node, rec_kmem_free: an event of op
 * from the record ctx laid out as the kernels before 6.1 have it, shared
 * by kmalloc and kmem_cache_alloc (kmem_alloc, and kmem_alloc_node for
 * their _node events), and by kfree and kmem_cache_free (kmem_free);
 * none has the cache name.
 */
static __always_inline int
rec_kmem_alloc(void *ctx, __u8 op)
{
	struct trace_event_raw_kmem_alloc *r = ctx;

	return rec_slab(ctx, op, r->call_site, r->ptr, r->bytes_req,
	    r->bytes_alloc, r->gfp_flags, REC_ACCOUNTED(r), NULL);
}

static __always_inline int
rec_kmem_alloc_node(void *ctx, __u8 op)
{
	struct trace_event_raw_kmem_alloc_node *r = ctx;

	return rec_slab(ctx, op, r->call_site, r->ptr, r->bytes_req,
	    r->bytes_alloc, r->gfp_flags, REC_ACCOUNTED(r), NULL);
}

static __always_inline int
rec_kmem_free(void *ctx, __u8 op)
{
	struct trace_event_raw_kmem_free *r = ctx;

	return rec_slab(ctx, op, r->call_site, r->ptr, 0, 0, 0, false, NULL);
}

SEC("tracepoint/kmem/kmalloc")
int
kmalloc(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_kmalloc)) {
		struct trace_event_raw_kmalloc *r = ctx;

		return rec_slab(ctx, KML_REC_KMALLOC, r->call_site, r->ptr,
		    r->bytes_req, r->bytes_alloc, r->gfp_flags, false, NULL);
	}
	return rec_kmem_alloc(ctx, KML_REC_KMALLOC);
}

SEC("tracepoint/kmem/kmalloc_node")
int
kmalloc_node(void *ctx)
{
	return rec_kmem_alloc_node(ctx, KML_REC_KMALLOC);
}

SEC("tracepoint/kmem/kmem_cache_alloc")
int
cache_alloc(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_kmem_cache_alloc)) {
		struct trace_event_raw_kmem_cache_alloc *r = ctx;
		const void *name = NULL;

		if (bpf_core_field_exists(r->__data_loc_name))
			name = rec_data_loc(ctx, r->__data_loc_name);
		return rec_slab(ctx, KML_REC_CACHE_ALLOC, r->call_site, r->ptr,
		    r->bytes_req, r->bytes_alloc, r->gfp_flags, r->accounted,
		    name);
	}
	return rec_kmem_alloc(ctx, KML_REC_CACHE_ALLOC);
}

SEC("tracepoint/kmem/kmem_cache_alloc_node")
int
cache_alloc_node(void *ctx)
{
	return rec_kmem_alloc_node(ctx, KML_REC_CACHE_ALLOC);
}

SEC("tracepoint/kmem/kfree")
int
kfree(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_kfree)) {
		struct trace_event_raw_kfree *r = ctx;

		return rec_slab(ctx, KML_REC_KFREE, r->call_site, r->ptr, 0, 0,
		    0, false, NULL);
	}
	return rec_kmem_free(ctx, KML_REC_KFREE);
}

SEC("tracepoint/kmem/kmem_cache_free")
int
cache_free(void *ctx)
{
	if (bpf_core_type_exists(struct trace_event_raw_kmem_cache_free)) {
		struct trace_event_raw_kmem_cache_free *r = ctx;
		const void *name = NULL;

		if (bpf_core_field_exists(r->__data_loc_name))
			name = rec_data_loc(ctx, r->__data_loc_name);
		return rec_slab(ctx, KML_REC_CACHE_FREE, r->call_site, r->ptr, 0,
		    0, 0, false, name);
	}
	return rec_kmem_free(ctx, KML_REC_CACHE_FREE);
}

/*
 * The cache name from the cache structure: kernels whose records lack it.
 * The raw tracepoint has no accounted flag; the user side takes
 * __GFP_ACCOUNT from the gfp mask, as for every event.
 */
SEC("tp_btf/kmem_cache_alloc")
int
BPF_PROG(cache_alloc_btf, unsigned long site, const void *ptr,
    struct kmem_cache *s, gfp_t gfp)
{
	return rec_slab(NULL, KML_REC_CACHE_ALLOC, site, ptr,
	    BPF_CORE_READ(s, object_size), BPF_CORE_READ(s, size), gfp, false,
	    BPF_CORE_READ(s, name));
}

SEC("tp_btf/kmem_cache_free")
int
BPF_PROG(cache_free_btf, unsigned long site, const void *ptr,
    struct kmem_cache *s)
{
	return rec_slab(NULL, KML_REC_CACHE_FREE, site, ptr, 0, 0, 0, false,
	    BPF_CORE_READ(s, name));
}

/* ---- kernel: pages */

/* rec_page: record a page event (the pfn, -1 for a failed allocation). */
static __always_inline int
rec_page(void *ctx, __u8 op, unsigned long pfn, unsigned int order,
    unsigned long gfp)
{
	struct kml_rec_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	if (rec_skip(id))
		return 0;
	if ((e = rec_reserve(op, id, rec_context(ctx))) == NULL)
		return 0;
	e->r_ptr = pfn == (unsigned long)-1 ? 0 : pfn;
	e->r_order = order > 63 ? 63 : order;
	e->r_gfp = (__u32)gfp;
	rec_submit(e);
	return 0;
}

SEC("tracepoint/kmem/mm_page_alloc")
int
page_alloc(struct trace_event_raw_mm_page_alloc *r)
{
	return rec_page(r, KML_REC_PAGE_ALLOC, r->pfn, r->order, r->gfp_flags);
}

SEC("tracepoint/kmem/mm_page_free")
int
page_free(struct trace_event_raw_mm_page_free *r)
{
	return rec_page(r, KML_REC_PAGE_FREE, r->pfn, r->order, 0);
}

/* ---- user space: the malloc family */

/* rec_retaddr: the return address of the call whose entry probe ctx is. */
static __always_inline __u64
rec_retaddr(struct pt_regs *ctx)
{
	__u64 ra = 0;

#if defined(__TARGET_ARCH_x86)
	bpf_probe_read_user(&ra, sizeof(ra), (const void *)PT_REGS_SP(ctx));
#elif defined(__TARGET_ARCH_arm64)
	ra = PT_REGS_RET(ctx);
#endif
	return ra;
}

/* rec_enter: the entry of a call of op with arguments a0..a2. */
static __always_inline int
rec_enter(struct pt_regs *ctx, __u8 op, __u64 a0, __u64 a1, __u64 a2)
{
	struct rec_pending *p, n;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (rec_skip(id))
		return 0;
	if ((p = bpf_map_lookup_elem(&pending, &tid)) != NULL) {
		if (p->p_depth < 255)
			p->p_depth++;
		return 0;
	}
	__builtin_memset(&n, 0, sizeof(n));
	n.p_arg[0] = a0;
	n.p_arg[1] = a1;
	n.p_arg[2] = a2;
	n.p_site = rec_retaddr(ctx);
	n.p_op = op;
	n.p_depth = 1;
	if (bpf_map_update_elem(&pending, &tid, &n, BPF_ANY) != 0)
		rec_drop();	/* more than KML_REC_PENDMAX threads in calls */
	return 0;
}

/* rec_return: the return of the thread's open call, with result ret. */
static __always_inline int
rec_return(__u64 ret)
{
	struct kml_rec_event *e;
	struct rec_pending *p, c;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 ptr = 0;

	if ((p = bpf_map_lookup_elem(&pending, &tid)) == NULL)
		return 0;
	if (p->p_depth > 1) {
		p->p_depth--;
		return 0;
	}
	c = *p;
	bpf_map_delete_elem(&pending, &tid);
	if (c.p_op == KML_REC_POSIX_MEMALIGN) {
		/* ret is the error number; the pointer is in *memptr */
		if (ret == 0)
			bpf_probe_read_user(&ptr, sizeof(ptr),
			    (const void *)c.p_arg[0]);
	} else
		ptr = ret;
	if ((e = rec_reserve(c.p_op, id, KML_REC_CTX_THREAD)) == NULL)
		return 0;
	e->r_flags = KML_REC_F_USER;
	e->r_site = c.p_site;
	e->r_ptr = ptr;
	switch (c.p_op) {
	case KML_REC_CALLOC:
		e->r_aux = c.p_arg[0];
		e->r_size = c.p_arg[0] * c.p_arg[1];
		break;
	case KML_REC_REALLOC:
		e->r_oldptr = c.p_arg[0];
		e->r_size = c.p_arg[1];
		break;
	case KML_REC_MEMALIGN:
	case KML_REC_ALIGNED_ALLOC:
		e->r_aux = c.p_arg[0];
		e->r_size = c.p_arg[1];
		break;
	case KML_REC_POSIX_MEMALIGN:
		e->r_aux = c.p_arg[1];
		e->r_size = c.p_arg[2];
		break;
	default:
		e->r_size = c.p_arg[0];
		break;
	}
	rec_submit(e);
	return 0;
}

/*
 * rec_free: free(ptr), recorded at its entry, unless called from inside
 * a traced call.
 */
static __always_inline int
rec_free(struct pt_regs *ctx, __u64 ptr)
{
	struct kml_rec_event *e;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if (rec_skip(id))
		return 0;
	if (bpf_map_lookup_elem(&pending, &tid) != NULL)
		return 0;
	if ((e = rec_reserve(KML_REC_FREE, id, KML_REC_CTX_THREAD)) == NULL)
		return 0;
	e->r_flags = KML_REC_F_USER;
	e->r_site = rec_retaddr(ctx);
	e->r_ptr = ptr;
	rec_submit(e);
	return 0;
}

/*
 * Every function's entry: which function it is comes with the probe, as
 * its cookie (the KML_REC_* operation), so that one program, and one
 * uprobe_multi link, serve them all.  free is recorded here.
 */
SEC("uprobe")
int
BPF_KPROBE(alloc_entry, __u64 a0, __u64 a1, __u64 a2)
{
	__u8 op = (__u8)bpf_get_attach_cookie(ctx);

	if (op == KML_REC_FREE)
		return rec_free(ctx, a0);
	return rec_enter(ctx, op, a0, a1, a2);
}

/* Every allocating function's return: the result is in its register. */
SEC("uretprobe")
int
BPF_KRETPROBE(alloc_return, __u64 ret)
{
	return rec_return(ret);
}

