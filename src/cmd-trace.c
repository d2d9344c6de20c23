/*
 * src/cmd-trace.c: "kmemlab trace info|dump|load", looking at a kmemlab
 * trace and moving it between its binary and text forms.
 *
 *  - info reads a trace once and prints its header and what its events
 *    add up to: per operation, per CPU, per process, a histogram of the
 *    requested sizes, the frees of pointers the trace never allocated and
 *    what is still live at the end.  Pointers are matched by identity
 *    (family, pointer) in an open-addressing hash map (linear probing,
 *    doubled at 3/4 full; entries are never removed, a freed object keeps
 *    its slot marked freed so that a second free is told apart from a
 *    free of a pointer never seen).  Processes are counted in a second
 *    such map keyed by (pid, comm).  A trace that ends early or is corrupt
 *    gets everything read up to the error, then the error, exit 1.
 *  - dump writes the text form (kml_trace_to_text); to a file through a
 *    temporary name in the same directory, renamed at the end and removed
 *    on any error, so that the file is whole or untouched.
 *  - load reads the text form into a binary trace (kml_trace_from_text,
 *    which writes whole or nothing itself).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kmemlab/trace.h>

#include "cmd.h"
#include "util.h"

static int cmd_trace_exec(int, char **);

const struct cmd_entry cmd_trace_entry = {
	.name = "trace",
	.usage = "info [-a] FILE|- | dump [-o OUT] FILE|- | "
	    "load [-o OUT] FILE|-",
	.summary = "describe a trace, or convert it to and from text",
	.help =
	    "Works on kmemlab traces (.kmt files, see kmemlab-trace(5)); FILE\n"
	    "'-' reads standard input.\n"
	    "\n"
	    "subcommands:\n"
	    "  info [-a] FILE     print the header, then what the events add up\n"
	    "                     to: per operation (events, bytes requested and\n"
	    "                     allocated), per CPU (events, drops), per\n"
	    "                     process, a power-of-two histogram of the sizes\n"
	    "                     requested, the frees of pointers the trace never\n"
	    "                     allocated and the objects still live at the end\n"
	    "  dump [-o OUT] FILE the text form of the trace\n"
	    "  load [-o OUT] FILE the binary trace of a text form\n"
	    "\n"
	    "options:\n"
	    "  -a, --all          info: list every process (default: the 10 with\n"
	    "                     the most events)\n"
	    "  -o, --output=OUT   dump: the text file to write (default: standard\n"
	    "                     output); load: the trace to write (default:\n"
	    "                     standard output, which must not be a terminal)\n"
	    "  -h, --help         print this help and exit\n"
	    "\n"
	    "info matches pointers by family and value: slab (kmalloc, kfree and\n"
	    "kmem_cache_*, as kfree may free a cache object), pages (by page frame\n"
	    "number), user (malloc family), vmem and pool; a realloc frees its old\n"
	    "pointer and allocates the new one.  Frees of NULL are not counted.\n"
	    "The size of an object is its allocated size when known, else the\n"
	    "requested size; for pages, the page size << order.\n"
	    "\n"
	    "Files are written whole or not at all.  A truncated or corrupt trace\n"
	    "is an error (exit 1) after what could be read: info prints its\n"
	    "figures, dump writes the events before the damage (to a file: none).\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (a file, a damaged trace, a\n"
	    "bad text line), 2 usage error.\n",
	.exec = cmd_trace_exec
};

/* info: processes listed without -a. */
#define CMD_TRACE_TOPPROCS	10

/* info: width of the longest size histogram bar, in '#'. */
#define CMD_TRACE_BARMAX	40

/* ---- tables with aligned columns */

/* Most columns of a table. */
#define CMD_TRACE_MAXCOLS	6

/*
 * A table being built: rows of cells, printed with each column as wide
 * as its widest cell, two spaces apart and two spaces in.
 */
struct cmd_trace_table {
	const char *t_align;		/* one 'l' or 'r' per column */
	unsigned t_ncols;
	char **t_cells;			/* t_rows * t_ncols cells, row-major */
	size_t t_rows;
	size_t t_cap;			/* rows allocated */
};

/* cmd_trace_table_init: an empty table with columns aligned as align says. */
static void
cmd_trace_table_init(struct cmd_trace_table *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->t_align = align;
	t->t_ncols = (unsigned)strlen(align);
}

/*
 * cmd_trace_table_row: add a row; fmt gives its cells separated by tabs.
 * => cells hold no tab of their own.
 */
static void __attribute__((format(printf, 2, 3)))
cmd_trace_table_row(struct cmd_trace_table *t, const char *fmt, ...)
{
	char line[2048], *p, *tab;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t->t_rows == t->t_cap) {
		t->t_cap = t->t_cap == 0 ? 16 : t->t_cap * 2;
		t->t_cells = xreallocarray(t->t_cells, t->t_cap * t->t_ncols,
		    sizeof(char *));
	}
	p = line;
	for (unsigned c = 0; c < t->t_ncols; c++) {
		if ((tab = strchr(p, '\t')) != NULL)
			*tab = '\0';
		t->t_cells[t->t_rows * t->t_ncols + c] = xstrdup(p);
		p = tab != NULL ? tab + 1 : p + strlen(p);
	}
	t->t_rows++;
}

/*
 * cmd_trace_table_print: print t on stdout (no trailing blanks) and free
 * it.  When titles is true, the first row holds the column titles, and a
 * table without other rows is printed as "none".
 */
static void
cmd_trace_table_print(struct cmd_trace_table *t, bool titles)
{
	size_t width[CMD_TRACE_MAXCOLS] = { 0 }, len, end;
	size_t rows = titles && t->t_rows == 1 ? 0 : t->t_rows;
	char line[8192];

	if (rows == 0)
		printf("  none\n");
	for (size_t r = 0; r < rows; r++)
		for (unsigned c = 0; c < t->t_ncols; c++) {
			len = strlen(t->t_cells[r * t->t_ncols + c]);
			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r < rows; r++) {
		end = 0;
		for (unsigned c = 0; c < t->t_ncols && end < sizeof(line);
		    c++) {
			end += (size_t)snprintf(line + end, sizeof(line) - end,
			    t->t_align[c] == 'l' ? "  %-*s" : "  %*s",
			    (int)width[c], t->t_cells[r * t->t_ncols + c]);
		}
		if (end >= sizeof(line))
			end = sizeof(line) - 1;
		while (end > 0 && line[end - 1] == ' ')
			end--;
		printf("%.*s\n", (int)end, line);
	}
	for (size_t i = 0; i < t->t_rows * t->t_ncols; i++)
		free(t->t_cells[i]);
	free(t->t_cells);
	memset(t, 0, sizeof(*t));
}

/* ---- pointer families and the object map */

/* Families of pointers: a free matches an allocation of its family. */
enum cmd_trace_family {
	CMD_TRACE_FAM_SLAB = 0,		/* kmalloc, kfree, kmem_cache_* */
	CMD_TRACE_FAM_PAGE = 1,		/* mm_page_*: pointers are pfns */
	CMD_TRACE_FAM_USER = 2,		/* malloc ... valloc, free */
	CMD_TRACE_FAM_VMEM = 3,		/* vmem_alloc, vmem_free */
	CMD_TRACE_FAM_POOL = 4,		/* pool_get, pool_put */
	CMD_TRACE_FAM_COUNT = 5
};

/* Family names, as info prints them. */
static const char *const cmd_trace_family_names[CMD_TRACE_FAM_COUNT] = {
	"slab", "pages", "user", "vmem", "pool"
};

/* cmd_trace_family: the family of operation op (an event's te_op). */
static unsigned
cmd_trace_family(unsigned op)
{
	switch (op) {
	case KML_OP_KMALLOC:
	case KML_OP_KFREE:
	case KML_OP_CACHE_ALLOC:
	case KML_OP_CACHE_FREE:
		return CMD_TRACE_FAM_SLAB;
	case KML_OP_PAGE_ALLOC:
	case KML_OP_PAGE_FREE:
		return CMD_TRACE_FAM_PAGE;
	case KML_OP_VMEM_ALLOC:
	case KML_OP_VMEM_FREE:
		return CMD_TRACE_FAM_VMEM;
	case KML_OP_POOL_GET:
	case KML_OP_POOL_PUT:
		return CMD_TRACE_FAM_POOL;
	default:
		return CMD_TRACE_FAM_USER;
	}
}

/* States of an object map slot. */
enum {
	CMD_TRACE_OBJ_EMPTY = 0,	/* unused slot */
	CMD_TRACE_OBJ_LIVE = 1,		/* allocated, not freed since */
	CMD_TRACE_OBJ_FREED = 2		/* allocated, then freed */
};

/* One pointer seen allocated. */
struct cmd_trace_obj {
	uint64_t o_ptr;			/* the pointer (a pfn for pages) */
	uint64_t o_bytes;		/* its size when last allocated */
	uint8_t o_family;		/* enum cmd_trace_family */
	uint8_t o_state;		/* CMD_TRACE_OBJ_* */
};

/*
 * The object map: open addressing with linear probing; m_cap is a power
 * of two and m_used <= 3/4 m_cap.
 */
struct cmd_trace_objmap {
	struct cmd_trace_obj *m_slots;
	size_t m_cap;
	size_t m_used;			/* slots not empty */
};

/* cmd_trace_mix: a 64-bit hash of v (splitmix64's finalizer). */
static uint64_t
cmd_trace_mix(uint64_t v)
{
	v = (v ^ (v >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	v = (v ^ (v >> 27)) * UINT64_C(0x94d049bb133111eb);
	return v ^ (v >> 31);
}

/*
 * cmd_trace_obj_slot: the slot of (family, ptr) in slots[0..cap): the
 * one holding it, or the empty one where it would go.
 */
static struct cmd_trace_obj *
cmd_trace_obj_slot(struct cmd_trace_obj *slots, size_t cap, unsigned family,
    uint64_t ptr)
{
	size_t i = (size_t)cmd_trace_mix(ptr + family *
	    UINT64_C(0x9e3779b97f4a7c15)) & (cap - 1);

	while (slots[i].o_state != CMD_TRACE_OBJ_EMPTY &&
	    (slots[i].o_ptr != ptr || slots[i].o_family != family))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/*
 * cmd_trace_obj_find: the slot for (family, ptr), made room for: an
 * empty one (state EMPTY, to be filled by the caller) if the pointer was
 * never allocated.
 */
static struct cmd_trace_obj *
cmd_trace_obj_find(struct cmd_trace_objmap *m, unsigned family, uint64_t ptr)
{
	struct cmd_trace_obj *old = m->m_slots, *s;
	size_t oldcap = m->m_cap;

	if ((m->m_used + 1) * 4 > m->m_cap * 3) {
		m->m_cap = oldcap == 0 ? 1024 : oldcap * 2;
		m->m_slots = xcalloc(m->m_cap, sizeof(*m->m_slots));
		for (size_t i = 0; i < oldcap; i++) {
			if (old[i].o_state == CMD_TRACE_OBJ_EMPTY)
				continue;
			*cmd_trace_obj_slot(m->m_slots, m->m_cap,
			    old[i].o_family, old[i].o_ptr) = old[i];
		}
		free(old);
	}
	s = cmd_trace_obj_slot(m->m_slots, m->m_cap, family, ptr);
	if (s->o_state == CMD_TRACE_OBJ_EMPTY) {
		s->o_ptr = ptr;
		s->o_family = (uint8_t)family;
	}
	return s;
}

/* ---- the process map */

/* One (pid, comm) pair and its events. */
struct cmd_trace_proc {
	char *p_comm;			/* owned; NULL: no comm */
	uint64_t p_events;		/* 0: empty slot */
	uint32_t p_pid;
};

/* The process map, like the object map; an empty slot has p_events 0. */
struct cmd_trace_procmap {
	struct cmd_trace_proc *m_slots;
	size_t m_cap;
	size_t m_used;
};

/* cmd_trace_proc_hash: the hash of (pid, comm); comm may be NULL. */
static uint64_t
cmd_trace_proc_hash(uint32_t pid, const char *comm)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);	/* FNV-1a */

	if (comm != NULL)
		for (; *comm != '\0'; comm++)
			h = (h ^ (unsigned char)*comm) *
			    UINT64_C(0x100000001b3);
	return cmd_trace_mix(h ^ pid);
}

/* cmd_trace_proc_same: p is (pid, comm). */
static bool
cmd_trace_proc_same(const struct cmd_trace_proc *p, uint32_t pid,
    const char *comm)
{
	if (p->p_pid != pid)
		return false;
	if (p->p_comm == NULL || comm == NULL)
		return p->p_comm == comm;
	return strcmp(p->p_comm, comm) == 0;
}

/* cmd_trace_proc_slot: as cmd_trace_obj_slot, for (pid, comm). */
static struct cmd_trace_proc *
cmd_trace_proc_slot(struct cmd_trace_proc *slots, size_t cap, uint32_t pid,
    const char *comm)
{
	size_t i = (size_t)cmd_trace_proc_hash(pid, comm) & (cap - 1);

	while (slots[i].p_events != 0 &&
	    !cmd_trace_proc_same(&slots[i], pid, comm))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* cmd_trace_proc_count: count one event of (pid, comm). */
static void
cmd_trace_proc_count(struct cmd_trace_procmap *m, uint32_t pid,
    const char *comm)
{
	struct cmd_trace_proc *old = m->m_slots, *s;
	size_t oldcap = m->m_cap;

	if ((m->m_used + 1) * 4 > m->m_cap * 3) {
		m->m_cap = oldcap == 0 ? 256 : oldcap * 2;
		m->m_slots = xcalloc(m->m_cap, sizeof(*m->m_slots));
		for (size_t i = 0; i < oldcap; i++) {
			if (old[i].p_events == 0)
				continue;
			*cmd_trace_proc_slot(m->m_slots, m->m_cap,
			    old[i].p_pid, old[i].p_comm) = old[i];
		}
		free(old);
	}
	s = cmd_trace_proc_slot(m->m_slots, m->m_cap, pid, comm);
	if (s->p_events == 0) {
		s->p_pid = pid;
		s->p_comm = comm != NULL ? xstrdup(comm) : NULL;
		m->m_used++;
	}
	s->p_events++;
}

/*
 * cmd_trace_proc_cmp: qsort order of processes: most events first, then
 * by pid, then by comm (none first).
 */
static int
cmd_trace_proc_cmp(const void *a, const void *b)
{
	const struct cmd_trace_proc *p = a, *q = b;

	if (p->p_events != q->p_events)
		return p->p_events > q->p_events ? -1 : 1;
	if (p->p_pid != q->p_pid)
		return p->p_pid < q->p_pid ? -1 : 1;
	if (p->p_comm == NULL || q->p_comm == NULL)
		return (p->p_comm != NULL) - (q->p_comm != NULL);
	return strcmp(p->p_comm, q->p_comm);
}

/* ---- info */

/* Size histogram buckets: 0 for size 0, k + 1 for [2^k, 2^(k+1)). */
#define CMD_TRACE_NBUCKETS	65

/* What info adds up while it reads. */
struct cmd_trace_info {
	uint64_t i_events;		/* events read */
	uint64_t i_ts_min, i_ts_max;	/* over the events read */
	/* per operation: events, bytes requested, bytes allocated */
	uint64_t i_ops[KML_OP_COUNT];
	uint64_t i_req[KML_OP_COUNT];
	uint64_t i_alloc[KML_OP_COUNT];
	uint64_t i_cpu[KML_TRACE_CPUMAX];	/* events per CPU */
	unsigned i_maxcpu;		/* 1 + highest CPU of an event */
	/* allocations per bucket of requested size */
	uint64_t i_sizes[CMD_TRACE_NBUCKETS];
	/* per family: frees of pointers never allocated, freed already */
	uint64_t i_never[CMD_TRACE_FAM_COUNT];
	uint64_t i_twice[CMD_TRACE_FAM_COUNT];
	struct cmd_trace_objmap i_objs;
	struct cmd_trace_procmap i_procs;
};

/* cmd_trace_page_bytes: pagesize << order, saturated. */
static uint64_t
cmd_trace_page_bytes(uint64_t pagesize, unsigned order)
{
	if (order >= 64 || pagesize > (UINT64_MAX >> order))
		return UINT64_MAX;
	return pagesize << order;
}

/* cmd_trace_info_free: count a free of ptr (not 0) in family. */
static void
cmd_trace_info_free(struct cmd_trace_info *info, unsigned family, uint64_t ptr)
{
	struct cmd_trace_obj *s;

	s = cmd_trace_obj_find(&info->i_objs, family, ptr);
	switch (s->o_state) {
	case CMD_TRACE_OBJ_LIVE:
		s->o_state = CMD_TRACE_OBJ_FREED;
		break;
	case CMD_TRACE_OBJ_FREED:
		info->i_twice[family]++;
		break;
	default:
		/* Leave the slot empty: it was only made room for. */
		info->i_never[family]++;
		break;
	}
}

/* cmd_trace_info_event: add ev (of a trace with header th) to info. */
static void
cmd_trace_info_event(struct cmd_trace_info *info,
    const struct kml_trace_header *th, const struct kml_trace_event *ev)
{
	unsigned op = ev->te_op, family = cmd_trace_family(op);
	uint64_t req, bytes;
	struct cmd_trace_obj *s;

	if (info->i_events == 0 || ev->te_ts < info->i_ts_min)
		info->i_ts_min = ev->te_ts;
	if (info->i_events == 0 || ev->te_ts > info->i_ts_max)
		info->i_ts_max = ev->te_ts;
	info->i_events++;
	info->i_ops[op]++;
	if (ev->te_cpu < KML_TRACE_CPUMAX) {
		info->i_cpu[ev->te_cpu]++;
		if (ev->te_cpu + 1 > info->i_maxcpu)
			info->i_maxcpu = ev->te_cpu + 1;
	}
	cmd_trace_proc_count(&info->i_procs, ev->te_pid, ev->te_comm);
	if (kml_trace_op_frees(op)) {
		uint64_t ptr = op == KML_OP_REALLOC ? ev->te_oldptr :
		    ev->te_ptr;

		if (ptr != 0)
			cmd_trace_info_free(info, family, ptr);
	}
	if (!kml_trace_op_allocates(op))
		return;
	if (family == CMD_TRACE_FAM_PAGE) {
		req = bytes = cmd_trace_page_bytes(th->th_pagesize,
		    ev->te_order);
		info->i_alloc[op] += bytes;
	} else {
		req = ev->te_size;
		bytes = ev->te_alloc != 0 ? ev->te_alloc : ev->te_size;
		info->i_alloc[op] += ev->te_alloc;
	}
	info->i_req[op] += req;
	info->i_sizes[req == 0 ? 0 : util_log2(req) + 1]++;
	if (ev->te_ptr == 0)
		return;
	s = cmd_trace_obj_find(&info->i_objs, family, ev->te_ptr);
	if (s->o_state == CMD_TRACE_OBJ_EMPTY)
		info->i_objs.m_used++;
	s->o_state = CMD_TRACE_OBJ_LIVE;
	s->o_bytes = bytes;
}

/* cmd_trace_pct: part of whole in percent, 0 when whole is 0. */
static double
cmd_trace_pct(uint64_t part, uint64_t whole)
{
	return whole == 0 ? 0.0 : 100.0 * (double)part / (double)whole;
}

/*
 * cmd_trace_clock: the clock unit ns as text ("1 us", "10 ns") into
 * buf[0..len); *decimalsp: the decimals of a time in seconds at that
 * precision (9 - k for a unit of 10^k ns, else 9).
 */
static void
cmd_trace_clock(uint64_t ns, char *buf, size_t len, unsigned *decimalsp)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	uint64_t p = 1;
	unsigned k;

	*decimalsp = 9;
	for (k = 0; k <= 9; k++, p *= 10)
		if (ns == p)
			*decimalsp = 9 - k;
	if (ns == 1 || ns == 1000 || ns == 1000000 || ns == 1000000000) {
		snprintf(buf, len, "1 %s", units[(9 - *decimalsp) / 3]);
		return;
	}
	snprintf(buf, len, "%" PRIu64 " ns", ns);
}

/*
 * cmd_trace_info_header: print the header lines of info (see the brief:
 * trace, format, source ... events).
 */
static void
cmd_trace_info_header(const char *name, const struct kml_trace_header *th,
    const struct kml_trace_trailer *tt, const struct cmd_trace_info *info)
{
	char clock[64], when[64];
	const char *src;
	unsigned decimals, ncpus = 0;
	unsigned __int128 ns;
	uint64_t drops = 0, div = 1;
	struct tm tm;
	time_t secs;

	printf("%-12s%s\n", "trace:", name);
	printf("%-12skmemlab trace version %u\n", "format:",
	    (unsigned)th->th_version);
	if ((src = kml_trace_source_name(th->th_source)) == NULL)
		src = "unknown";
	if (th->th_detail[0] != '\0')
		printf("%-12s%s (%s)\n", "source:", src, th->th_detail);
	else
		printf("%-12s%s\n", "source:", src);
	printf("%-12s%s\n", "host:",
	    th->th_host[0] != '\0' ? th->th_host : "unknown");
	printf("%-12s%s\n", "kernel:",
	    th->th_kernel[0] != '\0' ? th->th_kernel : "unknown");
	if (th->th_ncpu != 0)
		printf("%-12s%" PRIu32 "\n", "cpus:", th->th_ncpu);
	else {
		for (unsigned c = 0; c < info->i_maxcpu; c++)
			ncpus += info->i_cpu[c] != 0;
		printf("%-12sunknown (events on %u CPU%s)\n", "cpus:", ncpus,
		    ncpus == 1 ? "" : "s");
	}
	printf("%-12s%" PRIu32 "\n", "page size:", th->th_pagesize);
	cmd_trace_clock(th->th_clock_ns, clock, sizeof(clock), &decimals);
	printf("%-12s%s\n", "clock:", clock);
	printf("%-12s%s\n", "pointers:",
	    (th->th_flags & KML_THF_HASHEDPTR) ? "hashed" : "addresses");
	if (th->th_start_ns != 0) {
		secs = (time_t)(th->th_start_ns / 1000000000u);
		gmtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("%-12s%s\n", "start:", when);
	} else
		printf("%-12s%s\n", "start:", "unknown");
	ns = (unsigned __int128)(info->i_ts_max - info->i_ts_min) *
	    th->th_clock_ns;
	for (unsigned i = decimals; i < 9; i++)
		div *= 10;
	if (decimals == 0)
		printf("%-12s%" PRIu64 " s\n", "duration:",
		    (uint64_t)(ns / 1000000000u));
	else
		printf("%-12s%" PRIu64 ".%0*" PRIu64 " s\n", "duration:",
		    (uint64_t)(ns / 1000000000u), (int)decimals,
		    (uint64_t)(ns % 1000000000u / div));
	for (uint32_t c = 0; c < tt->tt_ncpu; c++)
		drops += tt->tt_drops[c];
	printf("%-12s%" PRIu64 " (%" PRIu64 " dropped)\n", "events:",
	    info->i_events, drops);
}

/* cmd_trace_info_ops: the operations section. */
static void
cmd_trace_info_ops(const struct cmd_trace_info *info)
{
	struct cmd_trace_table t;
	char req[32], alloc[32];

	cmd_trace_table_init(&t, "lrrrr");
	cmd_trace_table_row(&t, "operation\tevents\tpercent\trequested\t"
	    "allocated");
	for (unsigned op = 1; op < KML_OP_COUNT; op++) {
		if (info->i_ops[op] == 0)
			continue;
		if (kml_trace_op_allocates(op)) {
			snprintf(req, sizeof(req), "%" PRIu64, info->i_req[op]);
			if (info->i_alloc[op] != 0)
				snprintf(alloc, sizeof(alloc), "%" PRIu64,
				    info->i_alloc[op]);
			else
				snprintf(alloc, sizeof(alloc), "unknown");
		} else {
			snprintf(req, sizeof(req), "-");
			snprintf(alloc, sizeof(alloc), "-");
		}
		cmd_trace_table_row(&t, "%s\t%" PRIu64 "\t%.1f%%\t%s\t%s",
		    kml_trace_op_name(op), info->i_ops[op],
		    cmd_trace_pct(info->i_ops[op], info->i_events), req, alloc);
	}
	printf("\noperations:\n");
	cmd_trace_table_print(&t, true);
}

/*
 * cmd_trace_info_cpus: the cpus section: every CPU below the header's
 * count and up to the highest with an event or a drop.
 */
static void
cmd_trace_info_cpus(const struct kml_trace_header *th,
    const struct kml_trace_trailer *tt, const struct cmd_trace_info *info)
{
	struct cmd_trace_table t;
	unsigned n = info->i_maxcpu;

	if (tt->tt_ncpu > n)
		n = tt->tt_ncpu;
	if (th->th_ncpu > n && th->th_ncpu <= KML_TRACE_CPUMAX)
		n = th->th_ncpu;
	cmd_trace_table_init(&t, "rrrr");
	cmd_trace_table_row(&t, "cpu\tevents\tpercent\tdropped");
	for (unsigned c = 0; c < n; c++)
		cmd_trace_table_row(&t, "%u\t%" PRIu64 "\t%.1f%%\t%" PRIu64, c,
		    info->i_cpu[c], cmd_trace_pct(info->i_cpu[c],
		    info->i_events), c < tt->tt_ncpu ? tt->tt_drops[c] : 0);
	printf("\ncpus:\n");
	cmd_trace_table_print(&t, true);
}

/*
 * cmd_trace_printable: s with every byte outside 0x20..0x7e shown as
 * '?', into buf[0..len); NULL is "-".
 */
static const char *
cmd_trace_printable(const char *s, char *buf, size_t len)
{
	size_t i;

	if (s == NULL)
		return "-";
	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* cmd_trace_info_procs: the processes section (all of them if all). */
static void
cmd_trace_info_procs(const struct cmd_trace_info *info, bool all)
{
	const struct cmd_trace_procmap *m = &info->i_procs;
	struct cmd_trace_proc *procs;
	struct cmd_trace_table t;
	char comm[KML_TRACE_STRMAX + 1];
	size_t n = 0, shown;

	procs = xcalloc(m->m_used, sizeof(*procs));
	for (size_t i = 0; i < m->m_cap; i++)
		if (m->m_slots[i].p_events != 0)
			procs[n++] = m->m_slots[i];
	qsort(procs, n, sizeof(*procs), cmd_trace_proc_cmp);
	shown = all || n < CMD_TRACE_TOPPROCS ? n : CMD_TRACE_TOPPROCS;
	cmd_trace_table_init(&t, "rlrr");
	cmd_trace_table_row(&t, "pid\tcomm\tevents\tpercent");
	for (size_t i = 0; i < shown; i++)
		cmd_trace_table_row(&t, "%" PRIu32 "\t%s\t%" PRIu64 "\t%.1f%%",
		    procs[i].p_pid, cmd_trace_printable(procs[i].p_comm, comm,
		    sizeof(comm)), procs[i].p_events,
		    cmd_trace_pct(procs[i].p_events, info->i_events));
	printf("\nprocesses:\n");
	cmd_trace_table_print(&t, true);
	if (shown < n)
		printf("  ... %zu more (-a lists all)\n", n - shown);
	free(procs);
}

/*
 * cmd_trace_info_sizes: the sizes section, from the lowest bucket used
 * to the highest.
 */
static void
cmd_trace_info_sizes(const struct cmd_trace_info *info)
{
	struct cmd_trace_table t;
	uint64_t total = 0, max = 0, lo, hi;
	unsigned first = CMD_TRACE_NBUCKETS, last = 0, b;
	char bar[CMD_TRACE_BARMAX + 1], num[32];
	int w;

	for (b = 0; b < CMD_TRACE_NBUCKETS; b++) {
		if (info->i_sizes[b] == 0)
			continue;
		if (first == CMD_TRACE_NBUCKETS)
			first = b;
		last = b;
		total += info->i_sizes[b];
		if (info->i_sizes[b] > max)
			max = info->i_sizes[b];
	}
	printf("\nsizes requested by allocations:\n");
	if (total == 0) {
		printf("  none\n");
		return;
	}
	hi = last == 0 ? 0 : last == 64 ? UINT64_MAX :
	    (UINT64_C(1) << last) - 1;
	w = snprintf(num, sizeof(num), "%" PRIu64, hi);
	cmd_trace_table_init(&t, "lrrl");
	for (b = first; b <= last; b++) {
		size_t len = (size_t)((info->i_sizes[b] * CMD_TRACE_BARMAX +
		    max - 1) / max);

		lo = b == 0 ? 0 : UINT64_C(1) << (b - 1);
		hi = b == 0 ? 0 : b == 64 ? UINT64_MAX : (UINT64_C(1) << b) - 1;
		memset(bar, '#', len);
		bar[len] = '\0';
		cmd_trace_table_row(&t, "%*" PRIu64 " - %*" PRIu64 "\t%" PRIu64
		    "\t%.1f%%\t%s", w, lo, w, hi, info->i_sizes[b],
		    cmd_trace_pct(info->i_sizes[b], total), bar);
	}
	cmd_trace_table_print(&t, false);
}

/*
 * cmd_trace_by_family: " (slab N, pages N)" for the families with a
 * count in n (plus ", B bytes" each when bytes is not NULL) into
 * buf[0..len); "" when all are 0.
 */
static void
cmd_trace_by_family(const uint64_t *n, const uint64_t *bytes, char *buf,
    size_t len)
{
	const char *sep = " (";
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned f = 0; f < CMD_TRACE_FAM_COUNT && used < len; f++) {
		if (n[f] == 0)
			continue;
		if (bytes != NULL)
			used += (size_t)snprintf(buf + used, len - used,
			    "%s%s %" PRIu64 ", %" PRIu64 " bytes", sep,
			    cmd_trace_family_names[f], n[f], bytes[f]);
		else
			used += (size_t)snprintf(buf + used, len - used,
			    "%s%s %" PRIu64, sep, cmd_trace_family_names[f],
			    n[f]);
		sep = bytes != NULL ? "; " : ", ";
	}
	if (buf[0] != '\0' && used < len)
		snprintf(buf + used, len - used, ")");
}

/* cmd_trace_info_objects: the lines about unmatched frees and live objects. */
static void
cmd_trace_info_objects(const struct cmd_trace_info *info)
{
	const struct cmd_trace_objmap *m = &info->i_objs;
	uint64_t live[CMD_TRACE_FAM_COUNT] = { 0 };
	uint64_t bytes[CMD_TRACE_FAM_COUNT] = { 0 };
	uint64_t nlive = 0, nbytes = 0, never = 0, twice = 0;
	char by[512];

	for (unsigned f = 0; f < CMD_TRACE_FAM_COUNT; f++) {
		never += info->i_never[f];
		twice += info->i_twice[f];
	}
	for (size_t i = 0; i < m->m_cap; i++) {
		if (m->m_slots[i].o_state != CMD_TRACE_OBJ_LIVE)
			continue;
		live[m->m_slots[i].o_family]++;
		bytes[m->m_slots[i].o_family] += m->m_slots[i].o_bytes;
		nlive++;
		nbytes += m->m_slots[i].o_bytes;
	}
	printf("\n");
	cmd_trace_by_family(info->i_never, NULL, by, sizeof(by));
	printf("frees of pointers never allocated in the trace: %" PRIu64
	    "%s\n", never, by);
	if (twice != 0) {
		cmd_trace_by_family(info->i_twice, NULL, by, sizeof(by));
		printf("frees of pointers freed already: %" PRIu64 "%s\n",
		    twice, by);
	}
	cmd_trace_by_family(live, bytes, by, sizeof(by));
	printf("live at the end: %" PRIu64 " objects, %" PRIu64 " bytes%s\n",
	    nlive, nbytes, by);
}

/* cmd_trace_info_release: free what info holds. */
static void
cmd_trace_info_release(struct cmd_trace_info *info)
{
	for (size_t i = 0; i < info->i_procs.m_cap; i++)
		free(info->i_procs.m_slots[i].p_comm);
	free(info->i_procs.m_slots);
	free(info->i_objs.m_slots);
	free(info);
}

/* ---- opening files */

/*
 * cmd_trace_open_read: open the trace path ("-": standard input, named
 * "<stdin>" by the library).
 * => returns it, or NULL after reporting.
 */
static struct kml_trace *
cmd_trace_open_read(const char *path)
{
	struct kml_trace *t;
	char err[1024];

	if ((t = kml_trace_open_read(path, err, sizeof(err))) == NULL)
		util_error("%s", err);
	return t;
}

/* ---- subcommands */

/* A subcommand: its name and runner (argv[0] is the name). */
struct cmd_trace_sub {
	const char *s_name;
	int (*s_exec)(int, char **);
};

/* The options of info. */
static const struct option cmd_trace_info_longopts[] = {
	{ "all",	no_argument,		NULL,	'a' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* The options of dump and load. */
static const struct option cmd_trace_io_longopts[] = {
	{ "output",	required_argument,	NULL,	'o' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_trace_options: parse a subcommand's options (optstring and
 * longopts: the subcommand's) into *allp (-a) and *outp (-o), then its
 * one argument, the input, into *inp.
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    KML_EXIT_USAGE after a reported error.
 */
static int
cmd_trace_options(int argc, char **argv, const char *optstring,
    const struct option *longopts, bool *allp, const char **outp,
    const char **inp)
{
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, optstring, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			*allp = true;
			break;
		case 'o':
			*outp = optarg;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_trace_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, longopts,
			    &cmd_trace_entry);
		}
	}
	if (optind == argc) {
		util_error("missing input file ('-' for standard input)");
		return KML_EXIT_USAGE;
	}
	*inp = argv[optind++];
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	return -1;
}

/* cmd_trace_info: "trace info [-a] FILE". */
static int
cmd_trace_info(int argc, char **argv)
{
	const struct kml_trace_header *th;
	const char *in = NULL, *out = NULL;
	struct cmd_trace_info *info;
	struct kml_trace_event ev;
	struct kml_trace *t;
	char err[1024];
	bool all = false;
	int status, rv;

	if ((status = cmd_trace_options(argc, argv, ":ah",
	    cmd_trace_info_longopts, &all, &out, &in)) >= 0)
		return status;
	if ((t = cmd_trace_open_read(in)) == NULL)
		return KML_EXIT_RUNTIME;
	th = kml_trace_header(t);
	info = xcalloc(1, sizeof(*info));
	while ((rv = kml_trace_next(t, &ev)) == 1)
		cmd_trace_info_event(info, th, &ev);
	cmd_trace_info_header(strcmp(in, "-") == 0 ? "<stdin>" : in, th,
	    kml_trace_trailer(t), info);
	cmd_trace_info_ops(info);
	cmd_trace_info_cpus(th, kml_trace_trailer(t), info);
	cmd_trace_info_procs(info, all);
	cmd_trace_info_sizes(info);
	cmd_trace_info_objects(info);
	status = KML_EXIT_OK;
	if (rv < 0) {
		util_error("%s", kml_trace_errmsg(t));
		status = KML_EXIT_RUNTIME;
	}
	cmd_trace_info_release(info);
	kml_trace_close(t, err, sizeof(err));
	return status;
}

/*
 * cmd_trace_tmpfile: create a temporary file beside path
 * ("PATH.tmp.XXXXXX", mode 0666 less the umask, as fopen would) and
 * open it for writing; its name goes into *tmpp (to free).
 * => returns the stream, or NULL after reporting.
 */
static FILE *
cmd_trace_tmpfile(const char *path, char **tmpp)
{
	size_t len = strlen(path) + sizeof(".tmp.XXXXXX");
	char *tmp = xmalloc(len);
	mode_t mask;
	FILE *fp;
	int fd;

	snprintf(tmp, len, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		util_error("%s: %s", path, strerror(errno));
		free(tmp);
		return NULL;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		util_error("%s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	*tmpp = tmp;
	return fp;
}

/*
 * cmd_trace_dump: "trace dump [-o OUT] FILE".  A regular (or new) OUT is
 * written through a temporary file and renamed; one that exists and is
 * not a regular file (a FIFO, a device such as /dev/null) is written in
 * place, since renaming over it would replace it.
 */
static int
cmd_trace_dump(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *outname = "<stdout>";
	struct kml_trace *t;
	char err[1024], cerr[256], *tmp = NULL;
	struct stat st;
	bool all = false;
	FILE *fp = stdout;
	int status, rv;

	if ((status = cmd_trace_options(argc, argv, ":o:h",
	    cmd_trace_io_longopts, &all, &out, &in)) >= 0)
		return status;
	if ((t = cmd_trace_open_read(in)) == NULL)
		return KML_EXIT_RUNTIME;
	if (out != NULL && strcmp(out, "-") != 0) {
		outname = out;
		if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
			if ((fp = fopen(out, "w")) == NULL)
				util_error("%s: %s", out, strerror(errno));
		} else
			fp = cmd_trace_tmpfile(out, &tmp);
		if (fp == NULL) {
			kml_trace_close(t, cerr, sizeof(cerr));
			return KML_EXIT_RUNTIME;
		}
	}
	rv = kml_trace_to_text(t, fp, outname, err, sizeof(err));
	kml_trace_close(t, cerr, sizeof(cerr));
	if (rv != 0)
		util_error("%s", err);
	if (fp == stdout)
		return rv != 0 ? KML_EXIT_RUNTIME : KML_EXIT_OK;
	if (rv == 0 && (fflush(fp) != 0 || ferror(fp))) {
		util_error("%s: %s", out, strerror(errno));
		rv = -1;
	}
	if (fclose(fp) != 0 && rv == 0) {
		util_error("%s: %s", out, strerror(errno));
		rv = -1;
	}
	if (tmp != NULL && rv == 0 && rename(tmp, out) != 0) {
		util_error("%s: %s", out, strerror(errno));
		rv = -1;
	}
	if (tmp != NULL && rv != 0)
		unlink(tmp);
	free(tmp);
	return rv != 0 ? KML_EXIT_RUNTIME : KML_EXIT_OK;
}

/* cmd_trace_load: "trace load [-o OUT] FILE". */
static int
cmd_trace_load(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *name;
	char err[1024];
	bool all = false;
	FILE *fp;
	int status, rv;

	if ((status = cmd_trace_options(argc, argv, ":o:h",
	    cmd_trace_io_longopts, &all, &out, &in)) >= 0)
		return status;
	if (out == NULL)
		out = "-";
	if (util_refuse_tty(out))
		return KML_EXIT_USAGE;
	if ((fp = util_open_input(in, &name)) == NULL)
		return KML_EXIT_RUNTIME;
	rv = kml_trace_from_text(fp, name, out, err, sizeof(err));
	util_close_input(fp);
	if (rv != 0) {
		util_error("%s", err);
		return KML_EXIT_RUNTIME;
	}
	return KML_EXIT_OK;
}

static const struct cmd_trace_sub cmd_trace_subs[] = {
	{ "info", cmd_trace_info },
	{ "dump", cmd_trace_dump },
	{ "load", cmd_trace_load },
};

/* The options before the subcommand. */
static const struct option cmd_trace_top_longopts[] = {
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_trace_exec: take the options before the subcommand (only --help),
 * then run the subcommand on the arguments from its name on.
 */
static int
cmd_trace_exec(int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "+:h", cmd_trace_top_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_print_help(stdout, &cmd_trace_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv,
			    cmd_trace_top_longopts, &cmd_trace_entry);
		}
	}
	if (optind == argc) {
		util_error("missing subcommand (info, dump or load)");
		return KML_EXIT_USAGE;
	}
	for (size_t i = 0; i < nitems(cmd_trace_subs); i++)
		if (strcmp(argv[optind], cmd_trace_subs[i].s_name) == 0)
			return cmd_trace_subs[i].s_exec(argc - optind,
			    argv + optind);
	util_error("unknown subcommand '%s' (info, dump or load)",
	    argv[optind]);
	return KML_EXIT_USAGE;
}
