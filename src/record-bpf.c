/*
 * src/record-bpf.c: the recorder's life with libbpf (see record-bpf.h):
 * the checks before loading, the choice of programs for this kernel,
 * open -> set the read-only data and the ring buffer size -> load ->
 * attach, the ring buffer's reader, and the per-CPU drop counters.
 *
 * Choosing programs at run time (record.bpf.c says what each one does):
 * every program's autoload is turned off, then on for the events asked
 * whose tracepoint exists (tracefs: events/kmem/NAME); an event named by
 * --events whose tracepoint is missing is an error, one of the default
 * set is left out (said with -v).  The cache name comes from the
 * tracepoint record when the kernel's record has it (the member
 * __data_loc_name of struct trace_event_raw_kmem_cache_alloc in the
 * kernel's BTF), else from the cache structure through the tp_btf
 * programs when the raw tracepoint passes a struct kmem_cache * (the
 * typedef btf_trace_kmem_cache_alloc), else it is not recorded.
 *
 * User-space functions: the library's symbols are looked up in its ELF
 * symbol tables (libelf) and turned into file offsets, which is what a
 * uprobe is attached to.  Functions at the same offset (glibc before
 * 2.38 makes aligned_alloc an alias of memalign) are attached once, under
 * the first name of the table below, since a probe cannot tell which
 * name the caller used.  One program serves every entry, told which
 * function it is by the probe's cookie, and one every return; so where
 * the kernel has uprobe_multi links (6.6 and later, told by its BTF) two
 * links carry all the probes, and are made and removed at once: removing
 * a uprobe waits for an RCU grace period of the kernel, about 0.1 s on
 * this project's machine, once per link.  Elsewhere each probe is a
 * perf-event link with its cookie.  The probes are attached for
 * rc_target only (all its threads, through exec), and the programs
 * filter on its thread group id too.
 *
 * libbpf's messages go to standard error with -v only; without it the
 * errors this file reports say what failed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "record-bpf.h"
#include "record.skel.h"
#include "util.h"

#define RECORD_TRACEFS		"/sys/kernel/tracing"
#define RECORD_TRACEFS_MAGIC	0x74726163	/* "trac" */
#define RECORD_BTF		"/sys/kernel/btf/vmlinux"
#define RECORD_CAP_PERFMON	38
#define RECORD_CAP_BPF		39

/* What each event is made of. */
struct record_evdef {
	const char *ed_name;	/* --events name: the tracepoint or function */
	unsigned ed_op;		/* a function's KML_REC_* operation */
};

static const struct record_evdef record_evdefs[RECORD_EV_COUNT] = {
	[RECORD_EV_KMALLOC] = { "kmalloc", 0 },
	[RECORD_EV_KMALLOC_NODE] = { "kmalloc_node", 0 },
	[RECORD_EV_KFREE] = { "kfree", 0 },
	[RECORD_EV_CACHE_ALLOC] = { "kmem_cache_alloc", 0 },
	[RECORD_EV_CACHE_ALLOC_NODE] = { "kmem_cache_alloc_node", 0 },
	[RECORD_EV_CACHE_FREE] = { "kmem_cache_free", 0 },
	[RECORD_EV_PAGE_ALLOC] = { "mm_page_alloc", 0 },
	[RECORD_EV_PAGE_FREE] = { "mm_page_free", 0 },
	[RECORD_EV_MALLOC] = { "malloc", KML_REC_MALLOC },
	[RECORD_EV_CALLOC] = { "calloc", KML_REC_CALLOC },
	[RECORD_EV_REALLOC] = { "realloc", KML_REC_REALLOC },
	[RECORD_EV_FREE] = { "free", KML_REC_FREE },
	[RECORD_EV_POSIX_MEMALIGN] = { "posix_memalign",
	    KML_REC_POSIX_MEMALIGN },
	[RECORD_EV_MEMALIGN] = { "memalign", KML_REC_MEMALIGN },
	[RECORD_EV_ALIGNED_ALLOC] = { "aligned_alloc", KML_REC_ALIGNED_ALLOC },
	[RECORD_EV_VALLOC] = { "valloc", KML_REC_VALLOC },
};

struct record_bpf {
	struct record_skel *rb_skel;
	struct ring_buffer *rb_ring;
	struct bpf_link **rb_links;	/* libbpf's links, [0, rb_nlinks) */
	size_t rb_nlinks;
	int rb_fds[2];			/* uprobe_multi links, [0, rb_nfds) */
	size_t rb_nfds;
	unsigned rb_multi;		/* the kernel's BPF_TRACE_UPROBE_MULTI, 0: none */
	bool rb_from_struct;		/* cache names: the tp_btf programs */
	record_fn rb_fn;
	void *rb_arg;
};

/* The last message of libbpf at warning level, for errors without -v. */
static char record_bpf_lastmsg[512];
static bool record_bpf_verbose;

const char *
record_ev_name(unsigned ev)
{
	return ev < RECORD_EV_COUNT ? record_evdefs[ev].ed_name : NULL;
}

int
record_ev_lookup(const char *name)
{
	for (unsigned ev = 0; ev < RECORD_EV_COUNT; ev++)
		if (strcmp(record_evdefs[ev].ed_name, name) == 0)
			return (int)ev;
	return -1;
}

/* record_bpf_err: format a message into errbuf. => returns -1. */
static int
record_bpf_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
record_bpf_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * record_bpf_print: libbpf's print callback: everything but debug
 * messages with -v; the last warning is kept for error messages.
 */
static int
record_bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list aq;
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (level == LIBBPF_WARN) {
		va_copy(aq, ap);
		vsnprintf(record_bpf_lastmsg, sizeof(record_bpf_lastmsg), fmt,
		    aq);
		va_end(aq);
		n = strlen(record_bpf_lastmsg);
		while (n > 0 && record_bpf_lastmsg[n - 1] == '\n')
			record_bpf_lastmsg[--n] = '\0';
	}
	if (!record_bpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* record_bpf_note: with -v, "kmemlab record: MSG" on standard error. */
static void
record_bpf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
record_bpf_note(const char *fmt, ...)
{
	va_list ap;

	if (!record_bpf_verbose)
		return;
	va_start(ap, fmt);
	util_verror(fmt, ap);
	va_end(ap);
}

/* ---- checks */

/* record_caps: the effective capabilities, bit n for capability n. */
static uint64_t
record_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/*
 * record_tracefs: make sure tracefs is mounted on RECORD_TRACEFS,
 * mounting it when it is not.
 * => returns 0, or -1 with a message.
 */
static int
record_tracefs(char *errbuf, size_t errlen)
{
	struct statfs sf;

	if (statfs(RECORD_TRACEFS, &sf) == 0 &&
	    (unsigned long)sf.f_type == RECORD_TRACEFS_MAGIC)
		return 0;
	if (mount("tracefs", RECORD_TRACEFS, "tracefs", 0, NULL) != 0)
		return record_bpf_err(errbuf, errlen,
		    "tracefs is not mounted on %s and mounting it failed: %s "
		    "(as root: mount -t tracefs tracefs %s)", RECORD_TRACEFS,
		    strerror(errno), RECORD_TRACEFS);
	record_bpf_note("mounted tracefs on %s", RECORD_TRACEFS);
	return 0;
}

int
record_check(const struct record_config *rc, char *errbuf, size_t errlen)
{
	uint64_t caps = record_caps();

	record_bpf_verbose = rc->rc_verbose;
	if (!(caps & (UINT64_C(1) << CAP_SYS_ADMIN)) &&
	    (!(caps & (UINT64_C(1) << RECORD_CAP_BPF)) ||
	    !(caps & (UINT64_C(1) << RECORD_CAP_PERFMON))))
		return record_bpf_err(errbuf, errlen,
		    "needs root, or CAP_BPF and CAP_PERFMON (uid %u has "
		    "neither)", (unsigned)geteuid());
	if (access(RECORD_BTF, R_OK) != 0)
		return record_bpf_err(errbuf, errlen,
		    "this kernel has no BTF (%s: %s): the recorder needs a "
		    "kernel built with CONFIG_DEBUG_INFO_BTF=y", RECORD_BTF,
		    strerror(errno));
	if ((rc->rc_events & RECORD_EV_KERNEL) != 0 &&
	    record_tracefs(errbuf, errlen) != 0)
		return -1;
	return 0;
}

/* record_tp_exists: tracepoint kmem:name exists on this kernel. */
static bool
record_tp_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), RECORD_TRACEFS "/events/kmem/%s", name);
	return access(path, F_OK) == 0;
}

/* ---- the kernel's BTF: where the cache name is */

/* record_btf_has_member: struct sname of btf has a member mname. */
static bool
record_btf_has_member(const struct btf *btf, const char *sname,
    const char *mname)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int id;

	if ((id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT)) < 0)
		return false;
	t = btf__type_by_id(btf, (__u32)id);
	m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(btf, m->name_off), mname) == 0)
			return true;
	return false;
}

/*
 * record_btf_arg_struct: parameter argi of the function pointer typedef
 * tname (a raw tracepoint's btf_trace_NAME: parameter 0 is its void *)
 * is a pointer to struct sname.
 */
static bool
record_btf_arg_struct(const struct btf *btf, const char *tname, unsigned argi,
    const char *sname)
{
	const struct btf_param *p;
	const struct btf_type *t;
	int id;

	if ((id = btf__find_by_name_kind(btf, tname, BTF_KIND_TYPEDEF)) < 0)
		return false;
	t = btf__type_by_id(btf, (__u32)id);
	t = btf__type_by_id(btf, t->type);
	if (t == NULL || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	if (t == NULL || !btf_is_func_proto(t) || btf_vlen(t) <= argi)
		return false;
	p = btf_params(t) + argi;
	t = btf__type_by_id(btf, p->type);
	while (t != NULL && (btf_is_const(t) || btf_is_volatile(t) ||
	    btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (t == NULL || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	while (t != NULL && (btf_is_const(t) || btf_is_volatile(t)))
		t = btf__type_by_id(btf, t->type);
	return t != NULL && btf_is_struct(t) &&
	    strcmp(btf__name_by_offset(btf, t->name_off), sname) == 0;
}

/*
 * record_cache_from_struct: take the cache names from the structure
 * (the tp_btf programs) rather than from the tracepoint records.
 */
static bool
record_cache_from_struct(const struct record_config *rc,
    const struct btf *btf)
{
	bool in_record, has_struct;

	in_record = record_btf_has_member(btf,
	    "trace_event_raw_kmem_cache_alloc", "__data_loc_name");
	has_struct = record_btf_arg_struct(btf, "btf_trace_kmem_cache_alloc",
	    3, "kmem_cache") && record_btf_arg_struct(btf,
	    "btf_trace_kmem_cache_free", 3, "kmem_cache");
	if (!has_struct) {
		if (!in_record)
			record_bpf_note("this kernel gives no cache names");
		return false;
	}
	return rc->rc_cache_struct || !in_record;
}

/*
 * record_perf_regs: the offset of the per-CPU variable __perf_regs in
 * the per-CPU area (the DATASEC .data..percpu) and the size of struct
 * pt_regs, for the programs' rec_context.
 * => returns false when the kernel's BTF does not say.
 */
static bool
record_perf_regs(const struct btf *btf, uint64_t *offp, uint64_t *sizep)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int var, sec, pt;
	__s64 size;

	if ((var = btf__find_by_name_kind(btf, "__perf_regs",
	    BTF_KIND_VAR)) < 0 ||
	    (sec = btf__find_by_name_kind(btf, ".data..percpu",
	    BTF_KIND_DATASEC)) < 0 ||
	    (pt = btf__find_by_name_kind(btf, "pt_regs",
	    BTF_KIND_STRUCT)) < 0 ||
	    (size = btf__resolve_size(btf, (__u32)pt)) <= 0)
		return false;
	t = btf__type_by_id(btf, (__u32)sec);
	vs = btf_var_secinfos(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, vs++)
		if (vs->type == (__u32)var) {
			*offp = vs->offset;
			*sizep = (uint64_t)size;
			return true;
		}
	return false;
}

/* ---- the library's functions (ELF) */

/*
 * record_lib_path: the file of library lib ("/..." a path; else a
 * name, "libc", matched against the base names of the files mapped by
 * process pid: "libc.so.6", "libc-2.31.so") into path[0..len).
 * => returns 0, or -1 with a message.
 */
static int
record_lib_path(const char *lib, pid_t pid, const char *who, char *path,
    size_t len, char *errbuf, size_t errlen)
{
	char maps[64], line[4096];
	size_t n = strlen(lib);
	FILE *fp;

	if (strchr(lib, '/') != NULL) {
		if (access(lib, R_OK) != 0)
			return record_bpf_err(errbuf, errlen, "--lib %s: %s",
			    lib, strerror(errno));
		snprintf(path, len, "%s", lib);
		return 0;
	}
	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	if ((fp = fopen(maps, "r")) == NULL)
		return record_bpf_err(errbuf, errlen, "%s: %s", maps,
		    strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *file = strchr(line, '/'), *base;

		if (file == NULL)
			continue;
		file[strcspn(file, "\n")] = '\0';
		base = strrchr(file, '/') + 1;
		if (strncmp(base, lib, n) == 0 &&
		    (base[n] == '\0' || base[n] == '.' || base[n] == '-')) {
			snprintf(path, len, "%s", file);
			fclose(fp);
			return 0;
		}
	}
	fclose(fp);
	return record_bpf_err(errbuf, errlen,
	    "--lib %s: no such library is loaded by %s (give its path)", lib,
	    who);
}

/*
 * record_elf_offsets: the file offsets of the functions prefix+names[i]
 * of the ELF file path into offs[i], -1 for those it does not define.
 * => returns 0, or -1 with a message.
 */
static int
record_elf_offsets(const char *path, const char *prefix,
    const char *const *names, size_t n, long *offs, char *errbuf,
    size_t errlen)
{
	size_t plen = strlen(prefix);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	for (size_t i = 0; i < n; i++)
		offs[i] = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return record_bpf_err(errbuf, errlen, "libelf: %s",
		    elf_errmsg(-1));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return record_bpf_err(errbuf, errlen, "%s: %s", path,
		    strerror(errno));
	if ((elf = elf_begin(fd, ELF_C_READ, NULL)) == NULL ||
	    elf_kind(elf) != ELF_K_ELF) {
		if (elf != NULL)
			elf_end(elf);
		close(fd);
		return record_bpf_err(errbuf, errlen, "%s: not an ELF file",
		    path);
	}
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		Elf_Data *data;
		size_t nsym;

		if (gelf_getshdr(scn, &sh) == NULL ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB) ||
		    sh.sh_entsize == 0 ||
		    (data = elf_getdata(scn, NULL)) == NULL)
			continue;
		nsym = sh.sh_size / sh.sh_entsize;
		for (size_t s = 0; s < nsym; s++) {
			GElf_Sym sym;
			GElf_Shdr tsh;
			const char *name;
			Elf_Scn *tscn;
			int type;

			if (gelf_getsym(data, (int)s, &sym) == NULL)
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
			    sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name == NULL || strncmp(name, prefix, plen) != 0)
				continue;
			for (size_t i = 0; i < n; i++) {
				if (offs[i] >= 0 ||
				    strcmp(name + plen, names[i]) != 0)
					continue;
				tscn = elf_getscn(elf, sym.st_shndx);
				if (tscn == NULL ||
				    gelf_getshdr(tscn, &tsh) == NULL)
					continue;
				offs[i] = (long)(sym.st_value - tsh.sh_addr +
				    tsh.sh_offset);
			}
		}
	}
	elf_end(elf);
	close(fd);
	return 0;
}

/* ---- programs */

/* record_bpf_autoload_none: turn every program's autoload off. */
static void
record_bpf_autoload_none(struct record_skel *s)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, false);
}

/* record_kernel_prog: the program of kernel event ev. */
static struct bpf_program *
record_kernel_prog(struct record_skel *s, unsigned ev, bool from_struct)
{
	switch (ev) {
	case RECORD_EV_KMALLOC:
		return s->progs.kmalloc;
	case RECORD_EV_KMALLOC_NODE:
		return s->progs.kmalloc_node;
	case RECORD_EV_KFREE:
		return s->progs.kfree;
	case RECORD_EV_CACHE_ALLOC:
		return from_struct ? s->progs.cache_alloc_btf :
		    s->progs.cache_alloc;
	case RECORD_EV_CACHE_ALLOC_NODE:
		return s->progs.cache_alloc_node;
	case RECORD_EV_CACHE_FREE:
		return from_struct ? s->progs.cache_free_btf :
		    s->progs.cache_free;
	case RECORD_EV_PAGE_ALLOC:
		return s->progs.page_alloc;
	case RECORD_EV_PAGE_FREE:
		return s->progs.page_free;
	}
	return NULL;
}

/*
 * record_kernel_select: the kernel events to record (*evp), where the
 * cache names come from (rb_from_struct), and the programs' autoload.
 * => returns 0, or -1 with a message (an asked tracepoint is missing,
 *    or none of the default set exists).
 */
static int
record_kernel_select(const struct record_config *rc, struct record_bpf *rb,
    const struct btf *btf, unsigned *evp, char *errbuf, size_t errlen)
{
	struct record_skel *s = rb->rb_skel;
	struct utsname u;
	unsigned evs = 0;

	if ((rc->rc_events & (RECORD_EV_BIT(RECORD_EV_CACHE_ALLOC) |
	    RECORD_EV_BIT(RECORD_EV_CACHE_FREE))) != 0)
		rb->rb_from_struct = record_cache_from_struct(rc, btf);
	for (unsigned ev = 0; ev < RECORD_EV_MALLOC; ev++) {
		if (!(rc->rc_events & RECORD_EV_BIT(ev)))
			continue;
		if (!record_tp_exists(record_evdefs[ev].ed_name)) {
			if (rc->rc_asked & RECORD_EV_BIT(ev)) {
				uname(&u);
				return record_bpf_err(errbuf, errlen,
				    "tracepoint kmem:%s does not exist on "
				    "this kernel (%s)",
				    record_evdefs[ev].ed_name, u.release);
			}
			record_bpf_note("tracepoint kmem:%s does not exist on "
			    "this kernel: left out", record_evdefs[ev].ed_name);
			continue;
		}
		bpf_program__set_autoload(record_kernel_prog(s, ev,
		    rb->rb_from_struct), true);
		evs |= RECORD_EV_BIT(ev);
	}
	if (evs == 0)
		return record_bpf_err(errbuf, errlen,
		    "none of the kmem tracepoints asked exists on this kernel");
	if (rb->rb_from_struct)
		record_bpf_note("cache names from the kmem_cache structure");
	*evp = evs;
	return 0;
}

/*
 * record_uprobe_multi: the value of BPF_TRACE_UPROBE_MULTI in the
 * kernel's enum bpf_attach_type (Linux 6.6 and later), 0 when the
 * kernel has no uprobe_multi links.
 */
static unsigned
record_uprobe_multi(const struct btf *btf)
{
	const struct btf_enum *e;
	const struct btf_type *t;
	int id;

	if ((id = btf__find_by_name_kind(btf, "bpf_attach_type",
	    BTF_KIND_ENUM)) < 0)
		return 0;
	t = btf__type_by_id(btf, (__u32)id);
	e = btf_enum(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, e++)
		if (strcmp(btf__name_by_offset(btf, e->name_off),
		    "BPF_TRACE_UPROBE_MULTI") == 0)
			return (unsigned)e->val;
	return 0;
}

/*
 * The link_create part of union bpf_attr for a uprobe_multi link (Linux
 * 6.6 uapi), which the uapi headers of older systems and libbpf 1.1 do
 * not have.
 */
struct record_uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 um_flags;			/* 1: return probes */
	__u32 pid;
	__u32 pad;
};

/*
 * record_multi_link: one uprobe_multi link of prog at offs[0..n) of
 * path, with cookies, for process pid; ret: return probes.
 * => returns the link's fd, or -1 with errno.
 */
static int
record_multi_link(unsigned type, const struct bpf_program *prog,
    const char *path, const unsigned long *offs, const __u64 *cookies,
    unsigned n, bool ret, pid_t pid)
{
	struct record_uprobe_multi_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_fd = (__u32)bpf_program__fd(prog);
	a.attach_type = type;
	a.path = (__u64)(uintptr_t)path;
	a.offsets = (__u64)(uintptr_t)offs;
	a.cookies = (__u64)(uintptr_t)cookies;
	a.cnt = n;
	a.um_flags = ret ? 1 : 0;
	a.pid = (__u32)pid;
	return (int)syscall(SYS_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

/*
 * record_user_attach: attach the entry (and return) probes of the user
 * events asked to the library's functions, for rc_target: two
 * uprobe_multi links (one for the entries, one for the returns) where
 * the kernel has them, so that they are set up and removed at once
 * (removing a uprobe waits for the kernel's RCU, about 0.1 s here, for
 * each link); one perf-event link per probe otherwise.  Each entry
 * probe's cookie says its function.
 * => returns 0, or -1 with a message.
 */
static int
record_user_attach(const struct record_config *rc, struct record_bpf *rb,
    char *errbuf, size_t errlen)
{
	const char *names[RECORD_EV_COUNT], *what;
	long offs[RECORD_EV_COUNT];
	unsigned long eoffs[RECORD_EV_COUNT], roffs[RECORD_EV_COUNT];
	__u64 ecook[RECORD_EV_COUNT], rcook[RECORD_EV_COUNT];
	unsigned evs[RECORD_EV_COUNT], n = 0, ne = 0, nr = 0;
	const char *who = rc->rc_target_arg != NULL ? rc->rc_target_arg :
	    "kmemlab";
	char lib[4096];
	pid_t pid = rc->rc_target;
	struct record_skel *s = rb->rb_skel;

	if (record_lib_path(rc->rc_lib, rc->rc_target_arg != NULL ?
	    rc->rc_target : rc->rc_self, who, lib, sizeof(lib), errbuf,
	    errlen) != 0)
		return -1;
	for (unsigned ev = RECORD_EV_MALLOC; ev < RECORD_EV_COUNT; ev++)
		if (rc->rc_events & RECORD_EV_BIT(ev)) {
			evs[n] = ev;
			names[n++] = record_evdefs[ev].ed_name;
		}
	if (record_elf_offsets(lib, rc->rc_prefix, names, n, offs, errbuf,
	    errlen) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned ev = evs[i], j;

		if (offs[i] < 0) {
			if (rc->rc_asked & RECORD_EV_BIT(ev))
				return record_bpf_err(errbuf, errlen,
				    "%s: no function %s%s", lib,
				    rc->rc_prefix, names[i]);
			record_bpf_note("%s: no function %s%s: left out", lib,
			    rc->rc_prefix, names[i]);
			continue;
		}
		for (j = 0; j < i && offs[j] != offs[i]; j++)
			continue;
		if (j < i) {
			record_bpf_note("%s: %s%s is %s%s (the same address): "
			    "recorded as %s", lib, rc->rc_prefix, names[i],
			    rc->rc_prefix, names[j], names[j]);
			continue;
		}
		eoffs[ne] = (unsigned long)offs[i];
		ecook[ne++] = record_evdefs[ev].ed_op;	/* the cookie */
		if (ev != RECORD_EV_FREE) {
			roffs[nr] = (unsigned long)offs[i];
			rcook[nr++] = 0;
		}
	}
	if (ne == 0)
		return record_bpf_err(errbuf, errlen,
		    "%s: none of the functions asked is there", lib);
	if (rb->rb_multi != 0) {
		int fd;

		what = "the entries";
		fd = record_multi_link(rb->rb_multi, s->progs.alloc_entry, lib,
		    eoffs, ecook, ne, false, pid);
		if (fd < 0)
			goto fail;
		rb->rb_fds[rb->rb_nfds++] = fd;
		what = "the returns";
		if (nr > 0) {
			fd = record_multi_link(rb->rb_multi,
			    s->progs.alloc_return, lib, roffs, rcook, nr, true,
			    pid);
			if (fd < 0)
				goto fail;
			rb->rb_fds[rb->rb_nfds++] = fd;
		}
	} else {
		for (unsigned i = 0; i < ne + nr; i++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo);
			struct bpf_link *l;
			bool ret = i >= ne;

			what = ret ? "the returns" : "the entries";
			uo.retprobe = ret;
			uo.bpf_cookie = ret ? 0 : ecook[i];
			l = bpf_program__attach_uprobe_opts(ret ?
			    s->progs.alloc_return : s->progs.alloc_entry, pid,
			    lib, ret ? roffs[i - ne] : eoffs[i], &uo);
			if (l == NULL)
				goto fail;
			rb->rb_links[rb->rb_nlinks++] = l;
		}
	}
	record_bpf_note("%u functions of %s probed%s", ne, lib,
	    rb->rb_multi != 0 ? " (uprobe_multi links)" : "");
	return 0;
fail:
	if (errno == ESRCH)
		return record_bpf_err(errbuf, errlen, "%s: no such process",
		    who);
	return record_bpf_err(errbuf, errlen,
	    "cannot attach uprobes to %s of %s: %s", what, lib,
	    strerror(errno));
}

/* record_bpf_event: the ring buffer's callback. */
static int
record_bpf_event(void *ctx, void *data, size_t size)
{
	struct record_bpf *rb = ctx;

	if (size < sizeof(struct kml_rec_event))
		return 0;
	return rb->rb_fn(rb->rb_arg, data);
}

struct record_bpf *
record_bpf_open(const struct record_config *rc, record_fn fn, void *arg,
    char *errbuf, size_t errlen)
{
	struct btf *btf = NULL;
	struct record_skel *s;
	struct record_bpf *rb;
	unsigned kevs = 0;
	int err;

	record_bpf_verbose = rc->rc_verbose;
	record_bpf_lastmsg[0] = '\0';
	libbpf_set_print(record_bpf_print);
	if ((s = record_skel__open()) == NULL) {
		record_bpf_err(errbuf, errlen, "cannot open the BPF programs: %s",
		    strerror(errno));
		return NULL;
	}
	rb = xcalloc(1, sizeof(*rb));
	rb->rb_skel = s;
	rb->rb_fn = fn;
	rb->rb_arg = arg;
	rb->rb_links = xcalloc(2 * RECORD_EV_COUNT, sizeof(*rb->rb_links));

	s->rodata->self_tgid = (__u32)rc->rc_self;
	s->rodata->wakeup_bytes = rc->rc_buffer / 4;
	s->rodata->targ_tgid = (__u32)rc->rc_target;
	if (rc->rc_comm != NULL) {
		s->rodata->filter_comm = true;
		strncpy((char *)s->rodata->targ_comm, rc->rc_comm,
		    sizeof(s->rodata->targ_comm) - 1);
	}
	if ((err = bpf_map__set_max_entries(s->maps.events,
	    rc->rc_buffer)) != 0) {
		record_bpf_err(errbuf, errlen, "bad ring buffer size %u: %s",
		    rc->rc_buffer, strerror(-err));
		goto fail;
	}
	record_bpf_autoload_none(s);
	if ((btf = btf__load_vmlinux_btf()) == NULL) {
		record_bpf_err(errbuf, errlen, "cannot read the kernel's BTF: %s",
		    strerror(errno));
		goto fail;
	}
	if ((rc->rc_events & RECORD_EV_KERNEL) != 0) {
		uint64_t off, size;

		if (record_perf_regs(btf, &off, &size)) {
			s->rodata->perf_regs_off = off;
			s->rodata->perf_regs_size = size;
			s->rodata->page_mask = (__u64)sysconf(_SC_PAGESIZE) - 1;
		} else
			record_bpf_note("this kernel's BTF does not say where "
			    "__perf_regs is: every event in thread context");
		if (record_kernel_select(rc, rb, btf, &kevs, errbuf,
		    errlen) != 0)
			goto fail;
	}
	if ((rc->rc_events & RECORD_EV_USER) != 0 &&
	    (rb->rb_multi = record_uprobe_multi(btf)) != 0) {
		bpf_program__set_expected_attach_type(s->progs.alloc_entry,
		    (enum bpf_attach_type)rb->rb_multi);
		bpf_program__set_expected_attach_type(s->progs.alloc_return,
		    (enum bpf_attach_type)rb->rb_multi);
	}
	btf__free(btf);
	btf = NULL;
	if ((rc->rc_events & RECORD_EV_USER) != 0) {
		bpf_program__set_autoload(s->progs.alloc_entry, true);
		bpf_program__set_autoload(s->progs.alloc_return, true);
	}
	if ((err = record_skel__load(s)) != 0) {
		record_bpf_err(errbuf, errlen,
		    "cannot load the BPF programs: %s%s%s", strerror(-err),
		    record_bpf_lastmsg[0] != '\0' ? ": " : "",
		    record_bpf_lastmsg);
		goto fail;
	}
	for (unsigned ev = 0; ev < RECORD_EV_MALLOC; ev++) {
		struct bpf_program *p;

		if (!(kevs & RECORD_EV_BIT(ev)))
			continue;
		p = record_kernel_prog(s, ev, rb->rb_from_struct);
		if ((rb->rb_links[rb->rb_nlinks] = bpf_program__attach(p)) ==
		    NULL) {
			record_bpf_err(errbuf, errlen,
			    "cannot attach to tracepoint kmem:%s: %s",
			    record_evdefs[ev].ed_name, strerror(errno));
			goto fail;
		}
		rb->rb_nlinks++;
	}
	if ((rc->rc_events & RECORD_EV_USER) != 0 &&
	    record_user_attach(rc, rb, errbuf, errlen) != 0)
		goto fail;
	rb->rb_ring = ring_buffer__new(bpf_map__fd(s->maps.events),
	    record_bpf_event, rb, NULL);
	if (rb->rb_ring == NULL) {
		record_bpf_err(errbuf, errlen, "cannot read the ring buffer: %s",
		    strerror(errno));
		goto fail;
	}
	return rb;
fail:
	btf__free(btf);
	record_bpf_close(rb);
	return NULL;
}

int
record_bpf_poll(struct record_bpf *rb, int timeout_ms, char *errbuf,
    size_t errlen)
{
	int n = 0, rv;

	/*
	 * The programs wake the reader only once a quarter of the buffer
	 * waits (rec_submit): below that epoll reports nothing, and
	 * ring_buffer__poll, which reads only the rings epoll names, reads
	 * nothing when it times out.  So what is there is read anyway after
	 * the wait, and at a low event rate the events are read at every
	 * timeout, not when the buffer has filled.
	 */
	if (timeout_ms > 0) {
		rv = ring_buffer__poll(rb->rb_ring, timeout_ms);
		if (rv < 0 && rv != -EINTR)
			return record_bpf_err(errbuf, errlen,
			    "reading the ring buffer: %s", strerror(-rv));
		if (rv > 0)
			n = rv;
	}
	if ((rv = ring_buffer__consume(rb->rb_ring)) < 0)
		return record_bpf_err(errbuf, errlen,
		    "reading the ring buffer: %s", strerror(-rv));
	return n + rv;
}

unsigned
record_possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? (unsigned)n : 0;
}

int
record_bpf_drops(struct record_bpf *rb, uint64_t *drops, char *errbuf,
    size_t errlen)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(rb->rb_skel->maps.drops), &zero,
	    drops) != 0)
		return record_bpf_err(errbuf, errlen,
		    "reading the drop counters: %s", strerror(errno));
	return 0;
}

void
record_bpf_close(struct record_bpf *rb)
{
	if (rb == NULL)
		return;
	ring_buffer__free(rb->rb_ring);
	for (size_t i = 0; i < rb->rb_nlinks; i++)
		bpf_link__destroy(rb->rb_links[i]);
	for (size_t i = 0; i < rb->rb_nfds; i++)
		close(rb->rb_fds[i]);
	free(rb->rb_links);
	record_skel__destroy(rb->rb_skel);
	free(rb);
}
