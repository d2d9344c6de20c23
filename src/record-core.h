/*
 * src/record-core.h: the kernel types that src/record.bpf.c uses, and
 * only those: a minimal, committed stand-in for a full vmlinux.h.
 *
 * Why committed rather than generated from /sys/kernel/btf/vmlinux at
 * build time: kmemlab must build where no kernel BTF is readable (a
 * debootstrap chroot, a CI container without /sys, a distcheck on
 * another machine), and a generated vmlinux.h would tie the build to the
 * build machine's kernel.  CO-RE makes that unnecessary: every struct
 * here carries __attribute__((preserve_access_index)), so the compiler
 * records each field access by name, and libbpf relocates it against
 * the running kernel's BTF when the programs are loaded.  A struct
 * needs only the fields the programs read, in any order and at any
 * offset; a name with a "___suffix" is a flavour of the same kernel type
 * (libbpf ignores the suffix when matching).  Types or fields that a
 * kernel lacks are tested with bpf_core_type_exists and
 * bpf_core_field_exists before use.
 *
 * The tracepoint records (struct trace_event_raw_NAME) are those of
 * include/trace/events/kmem.h across versions:
 *  - Linux 6.1 and later: kmalloc and kmem_cache_alloc have their own
 *    records (trace_event_raw_kmalloc, trace_event_raw_kmem_cache_alloc),
 *    with a node field; kmem_cache_alloc's has the cache name (a
 *    __data_loc string) in recent kernels; the _node events are gone;
 *  - before 6.1: kmalloc and kmem_cache_alloc share the class kmem_alloc,
 *    kmalloc_node and kmem_cache_alloc_node the class kmem_alloc_node;
 *  - kfree and kmem_cache_free share the class kmem_free before 5.12;
 *    since then each has its record, kmem_cache_free's with the name.
 */
#ifndef KMEMLAB_RECORD_CORE_H
#define KMEMLAB_RECORD_CORE_H

/* bpf_tracing.h: use the kernel's pt_regs field names. */
#define __VMLINUX_H__

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u32 __be32;
typedef __u16 __be16;
typedef __u32 __wsum;
typedef _Bool bool;
typedef unsigned int gfp_t;
enum { false = 0, true = 1 };

/* The map types and flags of the uapi that the programs use. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_ANY = 0,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

#pragma clang attribute push (__attribute__((preserve_access_index)), \
    apply_to = record)

/* ---- registers (uprobes) */

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long cx;
	unsigned long r8;
	unsigned long r9;
	unsigned long ax;
	unsigned long bp;
	unsigned long sp;
	unsigned long ip;
};
#elif defined(__TARGET_ARCH_arm64)
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
struct pt_regs {
	struct user_pt_regs user_regs;
};
#endif

/* ---- slab caches */

struct kmem_cache {
	const char *name;
	unsigned int object_size;
	unsigned int size;
};

/* ---- tracepoint records */

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* kmalloc, Linux 6.1 and later */
struct trace_event_raw_kmalloc {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
	unsigned long bytes_req;
	unsigned long bytes_alloc;
	unsigned long gfp_flags;
};

/* kmem_cache_alloc, Linux 6.1 and later (name: recent kernels) */
struct trace_event_raw_kmem_cache_alloc {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
	__u32 __data_loc_name;
	unsigned long bytes_req;
	unsigned long bytes_alloc;
	unsigned long gfp_flags;
	bool accounted;
};

/* kmalloc and kmem_cache_alloc before 6.1 (accounted: 5.19, 6.0) */
struct trace_event_raw_kmem_alloc {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
	unsigned long bytes_req;
	unsigned long bytes_alloc;
	unsigned long gfp_flags;
	bool accounted;
};

/* kmalloc_node and kmem_cache_alloc_node before 6.1 */
struct trace_event_raw_kmem_alloc_node {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
	unsigned long bytes_req;
	unsigned long bytes_alloc;
	unsigned long gfp_flags;
	bool accounted;
};

/* kfree, Linux 5.12 and later */
struct trace_event_raw_kfree {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
};

/* kmem_cache_free, Linux 5.12 and later */
struct trace_event_raw_kmem_cache_free {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
	__u32 __data_loc_name;
};

/* kfree and kmem_cache_free before 5.12 */
struct trace_event_raw_kmem_free {
	struct trace_entry ent;
	unsigned long call_site;
	const void *ptr;
};

struct trace_event_raw_mm_page_alloc {
	struct trace_entry ent;
	unsigned long pfn;
	unsigned int order;
	unsigned long gfp_flags;
};

struct trace_event_raw_mm_page_free {
	struct trace_entry ent;
	unsigned long pfn;
	unsigned int order;
};

#pragma clang attribute pop

#endif /* KMEMLAB_RECORD_CORE_H */
