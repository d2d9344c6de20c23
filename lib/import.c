/*
 * lib/import.c: the ftrace / trace-cmd / perf script importers of kmem
 * tracepoint text (see kmemlab/import.h).
 *
 * ---- 1. Lines
 *
 * Every line is one of:
 *  - blank, or a '#' comment (the ftrace header, with "#P:N"; perf
 *    script --header, with "# hostname : X", "# os release : X",
 *    "# nrcpus avail : N", "# nrcpus online : N"), or a trace-cmd header
 *    line ("version = 6", "CPU 3 is empty", "cpus=N"): KML_ISKIP_COMMENT;
 *  - a lost marker: "CPU:N [LOST M EVENTS]" or "CPU:N [LOST EVENTS]"
 *    (the kernel), "CPU:N [M EVENTS DROPPED]" or "CPU:N [EVENTS DROPPED]"
 *    (trace-cmd), or a perf script --show-lost-events line holding
 *    "PERF_RECORD_LOST lost M": KML_ISKIP_LOST.  A marker without a count
 *    records one drop, the least that it says;
 *  - the continuation of the previous event: a stack trace line of ftrace
 *    (" => symbol") or a callchain line of perf (beginning with a tab):
 *    KML_ISKIP_OTHER_EVENT;
 *  - an event line, whose layout is
 *	ftrace:	"comm-pid [(tgid)] [cpu] [flags] sec.frac: event: f=v"
 *	perf:	"comm [pid/]tid [cpu] sec.frac: [kmem:]event: f=v"
 *    The anchor of both is the CPU field: the first "[digits]" after a
 *    space and followed by a space.  Before it, ftrace has the pid glued
 *    to the comm with '-' (the comm may itself hold '-', digits and
 *    spaces: the last '-' before the pid digits splits them), perf a
 *    number (or two, with '/') after a space; this is also how the format
 *    is detected.  After it, ftrace may have a flags column (trace-cmd
 *    report and the irq-info option off have none; its third character
 *    is the context), then the timestamp; perf has the timestamp.  Then
 *    the event name, which ends with ':'; a line whose event is not one
 *    of the kmem events converted is KML_ISKIP_OTHER_EVENT.
 *
 * ---- 2. Fields
 *
 * The fields of a kmem event are "key=value" words in any order (unknown
 * keys, such as node= and migratetype=, are ignored); call_site may be
 * followed by a module word ("sym+0x1/0x2 [ext4]").  A value that cannot
 * be read, or a field the event needs that is missing, makes the line
 * malformed, with a message naming the event and the field.  Pointers
 * are "0x..." (raw, perf and libtraceevent), "(nil)", or 16 hex digits
 * without 0x (ftrace's %p): ftrace hashes %p to 32 bits by default, so
 * such a value whose upper half is zero is a hash (KML_THF_HASHEDPTR),
 * and one whose upper half is not (a kernel address: the hash-ptr option
 * off, which prints %px, or a kernel before 4.15) is an address.
 *
 * ---- 3. Speed
 *
 * A line is read once, left to right, without copies, locale or
 * allocation; strings are copied only into the importer's buffers for the
 * event returned.  gfp_flags texts are few and repeat, so their masks are
 * kept in a small cache in front of gfp_parse.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/gfp.h>
#include <kmemlab/import.h>
#include <kmemlab/trace.h>

#define IMPORT_ERRMAX		512	/* longest message, bytes */
#define IMPORT_GFPCACHE		64	/* gfp text cache entries (a power of two) */
#define IMPORT_GFPTEXT		160	/* longest gfp text cached, bytes */
#define IMPORT_GFPMAX		1023	/* longest gfp text read, bytes */
#define IMPORT_DROPS		16	/* initial room for pending drops */

/* The fields of the kmem events that are read (the keys). */
enum import_key {
	IK_CALL_SITE = 0,
	IK_PTR,
	IK_NAME,
	IK_BYTES_REQ,
	IK_BYTES_ALLOC,
	IK_GFP,
	IK_ACCOUNTED,
	IK_PFN,
	IK_ORDER,
	IK_COUNT
};

static const char *const import_keyname[IK_COUNT] = {
	[IK_CALL_SITE] = "call_site",
	[IK_PTR] = "ptr",
	[IK_NAME] = "name",
	[IK_BYTES_REQ] = "bytes_req",
	[IK_BYTES_ALLOC] = "bytes_alloc",
	[IK_GFP] = "gfp_flags",
	[IK_ACCOUNTED] = "accounted",
	[IK_PFN] = "pfn",
	[IK_ORDER] = "order"
};

#define IKB(k)		(1u << (k))
#define IK_SLAB_ALLOC	(IKB(IK_CALL_SITE) | IKB(IK_PTR) | \
			 IKB(IK_BYTES_REQ) | IKB(IK_BYTES_ALLOC) | IKB(IK_GFP))
#define IK_SLAB_FREE	(IKB(IK_CALL_SITE) | IKB(IK_PTR))

/* A kmem event that is converted: its name, operation and needed fields. */
struct import_evdef {
	const char *ed_name;
	uint8_t ed_len;		/* strlen(ed_name) */
	uint8_t ed_op;		/* enum kml_trace_op */
	bool ed_batched;	/* mm_page_free_batched: order 0 */
	unsigned ed_need;	/* IKB() of the fields that must be there */
};

static const struct import_evdef import_evdefs[] = {
	{ "kmalloc", 7, KML_OP_KMALLOC, false, IK_SLAB_ALLOC },
	{ "kfree", 5, KML_OP_KFREE, false, IK_SLAB_FREE },
	{ "kmem_cache_alloc", 16, KML_OP_CACHE_ALLOC, false, IK_SLAB_ALLOC },
	{ "kmem_cache_free", 15, KML_OP_CACHE_FREE, false, IK_SLAB_FREE },
	{ "mm_page_alloc", 13, KML_OP_PAGE_ALLOC, false,
	    IKB(IK_PFN) | IKB(IK_ORDER) | IKB(IK_GFP) },
	{ "mm_page_free", 12, KML_OP_PAGE_FREE, false,
	    IKB(IK_PFN) | IKB(IK_ORDER) },
	{ "kmalloc_node", 12, KML_OP_KMALLOC, false, IK_SLAB_ALLOC },
	{ "kmem_cache_alloc_node", 21, KML_OP_CACHE_ALLOC, false,
	    IK_SLAB_ALLOC },
	{ "mm_page_free_batched", 20, KML_OP_PAGE_FREE, true, IKB(IK_PFN) },
	{ NULL, 0, 0, false, 0 }
};

/* What a pointer value says about the pointers of the trace. */
enum import_ptrkind {
	IP_NULL = 0,		/* 0: says nothing */
	IP_HASHED = 1,		/* 16 hex digits, upper half 0: ftrace's hash */
	IP_RAW = 2		/* an address */
};

/* One entry of the gfp text cache. */
struct import_gfpent {
	uint16_t ge_len;		/* text length, 0: empty entry */
	gfp_t ge_mask;			/* its mask */
	char ge_text[IMPORT_GFPTEXT];	/* the text (no NUL) */
};

/* A drop count waiting for kml_import_take_drops. */
struct import_drop {
	uint32_t id_cpu;
	uint64_t id_count;
};

/* What the layout of an event line gave. */
struct import_line {
	const char *il_comm, *il_commend;	/* comm, [il_comm, il_commend) */
	uint32_t il_pid;			/* process (tgid), = tid if unknown */
	uint32_t il_tid;			/* thread */
	uint32_t il_cpu;
	unsigned il_fmt;			/* KML_IMPORT_FTRACE or _PERF */
	uint8_t il_ctx;				/* KML_CTX_* */
	const char *il_ts, *il_tsend;		/* timestamp, without its ':' */
	const char *il_ev, *il_evend;		/* event word, without its ':' */
	bool il_evcolon;			/* the event word ended with ':' */
};

struct kml_import {
	/* settings */
	unsigned im_fmt;		/* format asked or, for AUTO, detected */
	bool im_skip;			/* count malformed lines instead of failing */

	/* what the text said about the machine */
	unsigned im_decimals;		/* timestamp fraction digits, 0 until known */
	uint32_t im_ncpu;		/* CPUs, 0 if unknown */
	bool im_ncpu_avail;		/* im_ncpu came from "nrcpus avail" */
	bool im_hashed;			/* a hashed pointer was seen */
	bool im_raw;			/* an address was seen */
	char im_host[KML_TRACE_HDRSTRMAX + 1];
	char im_kernel[KML_TRACE_HDRSTRMAX + 1];

	struct kml_import_stats im_stats;

	/* pending drops, im_drops[im_dropfirst .. im_ndrops) */
	struct import_drop *im_drops;
	size_t im_dropfirst, im_ndrops, im_dropcap;

	/* the strings of the event returned last */
	char im_comm[KML_TRACE_STRMAX + 1];
	char im_site[KML_TRACE_STRMAX + 1];
	char im_cache[KML_TRACE_STRMAX + 1];

	char im_err[IMPORT_ERRMAX];	/* the message of the last error */

	struct import_gfpent im_gfpcache[IMPORT_GFPCACHE];
};

/* ---- small helpers */

static inline bool
import_isdigit(char c)
{
	return (unsigned char)(c - '0') <= 9;
}

/* import_hexval: the value of hex digit c, or -1. */
static inline int
import_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * import_dec: read the decimal number [s, e).
 * => returns false for an empty text, a non-digit or a value above
 *    UINT64_MAX.
 */
static bool
import_dec(const char *s, const char *e, uint64_t *vp)
{
	uint64_t v = 0;

	if (s == e || e - s > 20)
		return false;
	if (e - s < 20) {
		for (; s < e; s++) {
			if (!import_isdigit(*s))
				return false;
			v = v * 10 + (uint64_t)(*s - '0');
		}
	} else {
		for (; s < e; s++) {
			if (!import_isdigit(*s) ||
			    __builtin_mul_overflow(v, 10, &v) ||
			    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
				return false;
		}
	}
	*vp = v;
	return true;
}

/*
 * import_hex: read the hexadecimal digits [s, e) (no 0x).
 * => returns false for an empty text, a non-digit or a value above
 *    UINT64_MAX.
 */
static bool
import_hex(const char *s, const char *e, uint64_t *vp)
{
	uint64_t v = 0;
	int d;

	if (s == e)
		return false;
	while (e - s > 16 && *s == '0')
		s++;
	if (e - s > 16)
		return false;
	for (; s < e; s++) {
		if ((d = import_hexval(*s)) < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*vp = v;
	return true;
}

/* import_is: [s, e) is the string lit. */
static inline bool
import_is(const char *s, const char *e, const char *lit, size_t n)
{
	return (size_t)(e - s) == n && memcmp(s, lit, n) == 0;
}

#define IMPORT_IS(s, e, lit)	import_is((s), (e), (lit), sizeof(lit) - 1)

/* import_skipsp: the first character at or after p that is not a space. */
static inline const char *
import_skipsp(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* import_word: the end of the word at p (the next space or end). */
static inline const char *
import_word(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	return p;
}

/*
 * import_error: record a message for the current line.
 * => returns -1.
 */
static int
import_error(struct kml_import *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
import_error(struct kml_import *imp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(imp->im_err, sizeof(imp->im_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The longest part of a value quoted in a message, bytes. */
#define IMPORT_QUOTEMAX	200

/* import_qlen: the length of [s, e) to quote in a message. */
static inline int
import_qlen(const char *s, const char *e)
{
	return e - s > IMPORT_QUOTEMAX ? IMPORT_QUOTEMAX : (int)(e - s);
}

/*
 * import_bad: "EVENT: bad KEY= value 'VALUE'".
 * => returns -1.
 */
static int
import_bad(struct kml_import *imp, const struct import_line *il,
    enum import_key k, const char *s, const char *e)
{
	return import_error(imp, "%.*s: bad %s= value '%.*s'",
	    (int)(il->il_evend - il->il_ev), il->il_ev, import_keyname[k],
	    import_qlen(s, e), s);
}

/*
 * import_copy: copy the string [s, e) into dst (KML_TRACE_STRMAX + 1
 * bytes) with a NUL.
 * => returns false if it is too long.
 */
static bool
import_copy(char *dst, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n > KML_TRACE_STRMAX)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* import_hdrcopy: set header string dst to [s, e), cut to fit. */
static void
import_hdrcopy(char *dst, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n > KML_TRACE_HDRSTRMAX)
		n = KML_TRACE_HDRSTRMAX;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* import_set_ncpu: take n as the CPU count if it is a possible one. */
static void
import_set_ncpu(struct kml_import *imp, uint64_t n)
{
	if (n >= 1 && n <= KML_TRACE_CPUMAX)
		imp->im_ncpu = (uint32_t)n;
}

/* ---- drops */

/*
 * import_add_drop: count events lost on cpu and queue them for
 * kml_import_take_drops (merged with the last queued entry of the same
 * CPU).
 */
static void
import_add_drop(struct kml_import *imp, uint32_t cpu, uint64_t count)
{
	struct import_drop *d;

	if (__builtin_add_overflow(imp->im_stats.is_lost, count,
	    &imp->im_stats.is_lost))
		imp->im_stats.is_lost = UINT64_MAX;
	if (count == 0)
		return;
	if (imp->im_ndrops > imp->im_dropfirst) {
		d = &imp->im_drops[imp->im_ndrops - 1];
		if (d->id_cpu == cpu) {
			if (__builtin_add_overflow(d->id_count, count,
			    &d->id_count))
				d->id_count = UINT64_MAX;
			return;
		}
	}
	if (imp->im_ndrops == imp->im_dropcap) {
		if (imp->im_dropfirst > 0) {
			memmove(imp->im_drops,
			    imp->im_drops + imp->im_dropfirst,
			    (imp->im_ndrops - imp->im_dropfirst) *
			    sizeof(*imp->im_drops));
			imp->im_ndrops -= imp->im_dropfirst;
			imp->im_dropfirst = 0;
		} else {
			size_t cap = imp->im_dropcap ? 2 * imp->im_dropcap :
			    IMPORT_DROPS;

			imp->im_drops = realloc(imp->im_drops,
			    cap * sizeof(*imp->im_drops));
			KML_ASSERTMSG(imp->im_drops != NULL,
			    "kml_import: out of memory for %zu drops", cap);
			imp->im_dropcap = cap;
		}
	}
	d = &imp->im_drops[imp->im_ndrops++];
	d->id_cpu = cpu;
	d->id_count = count;
}

bool
kml_import_take_drops(struct kml_import *imp, uint32_t *cpu, uint64_t *count)
{
	struct import_drop *d;

	if (imp->im_dropfirst == imp->im_ndrops) {
		imp->im_dropfirst = imp->im_ndrops = 0;
		return false;
	}
	d = &imp->im_drops[imp->im_dropfirst++];
	*cpu = d->id_cpu;
	*count = d->id_count;
	return true;
}

/* ---- comment, header and marker lines */

/*
 * import_comment: read a '#' comment line [p, end) (p at the '#') for
 * what it says about the machine: ftrace's "#P:N", perf's "# hostname :
 * X", "# os release : X", "# nrcpus avail : N", "# nrcpus online : N".
 */
static void
import_comment(struct kml_import *imp, const char *p, const char *end)
{
	const char *k, *ke, *v, *ve, *q;
	uint64_t n;

	/* ftrace: "# entries-in-buffer/entries-written: 12/12   #P:2" */
	for (q = p; (q = memchr(q, '#', (size_t)(end - q))) != NULL; q++) {
		if (end - q > 3 && q[1] == 'P' && q[2] == ':') {
			v = q + 3;
			ve = v;
			while (ve < end && import_isdigit(*ve))
				ve++;
			if (import_dec(v, ve, &n))
				import_set_ncpu(imp, n);
			return;
		}
	}
	/* perf: "# key : value" */
	k = import_skipsp(p + 1, end);
	if ((q = memchr(k, ':', (size_t)(end - k))) == NULL)
		return;
	ke = q;
	while (ke > k && ke[-1] == ' ')
		ke--;
	v = import_skipsp(q + 1, end);
	ve = end;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	if (IMPORT_IS(k, ke, "hostname"))
		import_hdrcopy(imp->im_host, v, ve);
	else if (IMPORT_IS(k, ke, "os release"))
		import_hdrcopy(imp->im_kernel, v, ve);
	else if (IMPORT_IS(k, ke, "nrcpus avail")) {
		if (import_dec(v, ve, &n) && n >= 1 &&
		    n <= KML_TRACE_CPUMAX) {
			imp->im_ncpu = (uint32_t)n;
			imp->im_ncpu_avail = true;
		}
	} else if (IMPORT_IS(k, ke, "nrcpus online")) {
		if (!imp->im_ncpu_avail && import_dec(v, ve, &n))
			import_set_ncpu(imp, n);
	}
}

/* import_expect: if [*pp, end) begins with lit, step over it; true if so. */
static inline bool
import_expect(const char **pp, const char *end, const char *lit, size_t n)
{
	if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n) != 0)
		return false;
	*pp += n;
	return true;
}

#define IMPORT_EXPECT(pp, end, lit) \
	import_expect((pp), (end), (lit), sizeof(lit) - 1)

/* import_digits: step over the digits at *pp into [*sp, *ep); false if none. */
static inline bool
import_digits(const char **pp, const char *end, const char **sp,
    const char **ep)
{
	const char *p = *pp;

	*sp = p;
	while (p < end && import_isdigit(*p))
		p++;
	*ep = *pp = p;
	return *ep > *sp;
}

/*
 * import_cpu_marker: read the lines that begin with "CPU" (p, at the
 * 'C', to end, trailing spaces removed): the lost markers
 * "CPU:N [LOST M EVENTS]", "CPU:N [LOST EVENTS]", "CPU:N [M EVENTS
 * DROPPED]", "CPU:N [EVENTS DROPPED]" and trace-cmd's "CPU N is empty".
 * => returns KML_ISKIP_LOST or KML_ISKIP_COMMENT for those, -1 (with a
 *    message) for a marker with a bad number, -2 for anything else.
 */
static int
import_cpu_marker(struct kml_import *imp, const char *p, const char *end)
{
	const char *cs, *ce, *ns = NULL, *ne = NULL;
	uint64_t cpu, count = 1;

	if (!IMPORT_EXPECT(&p, end, "CPU"))
		return -2;
	if (IMPORT_EXPECT(&p, end, " ")) {
		if (import_digits(&p, end, &cs, &ce) &&
		    IMPORT_EXPECT(&p, end, " is empty") && p == end)
			return KML_ISKIP_COMMENT;
		return -2;
	}
	if (!IMPORT_EXPECT(&p, end, ":") || !import_digits(&p, end, &cs, &ce) ||
	    !IMPORT_EXPECT(&p, end, " ["))
		return -2;
	if (IMPORT_EXPECT(&p, end, "LOST ")) {
		if (import_digits(&p, end, &ns, &ne) &&
		    !IMPORT_EXPECT(&p, end, " "))
			return -2;
		if (!IMPORT_EXPECT(&p, end, "EVENTS]"))
			return -2;
	} else {
		if (import_digits(&p, end, &ns, &ne) &&
		    !IMPORT_EXPECT(&p, end, " "))
			return -2;
		if (!IMPORT_EXPECT(&p, end, "EVENTS DROPPED]"))
			return -2;
	}
	if (p != end)
		return -2;
	if (!import_dec(cs, ce, &cpu) || cpu >= KML_TRACE_CPUMAX)
		return import_error(imp, "lost marker: bad cpu '%.*s'",
		    import_qlen(cs, ce), cs);
	if (ns != NULL && ne > ns && !import_dec(ns, ne, &count))
		return import_error(imp, "lost marker: bad count '%.*s'",
		    import_qlen(ns, ne), ns);
	import_add_drop(imp, (uint32_t)cpu, count);
	return KML_ISKIP_LOST;
}

/*
 * import_perf_lost: the line [line, end) holds "PERF_RECORD_LOST":
 * read perf's "... [cpu] ... PERF_RECORD_LOST lost N" (also
 * PERF_RECORD_LOST_SAMPLES).  The CPU is the first "[N]" of the line, 0
 * when there is none.
 * => returns KML_ISKIP_LOST, or -1 with a message.
 */
static int
import_perf_lost(struct kml_import *imp, const char *line, const char *end,
    const char *at)
{
	const char *p = at + sizeof("PERF_RECORD_LOST") - 1, *ns, *ne, *q;
	uint64_t count, cpu = 0;

	(void)IMPORT_EXPECT(&p, end, "_SAMPLES");
	p = import_skipsp(p, end);
	if (!IMPORT_EXPECT(&p, end, "lost"))
		return import_error(imp,
		    "PERF_RECORD_LOST: missing lost count");
	if (p < end && (*p == ':' || *p == '='))
		p++;
	p = import_skipsp(p, end);
	ne = import_word(p, end);
	ns = p;
	if (!import_dec(ns, ne, &count))
		return import_error(imp,
		    "PERF_RECORD_LOST: bad lost count '%.*s'",
		    import_qlen(ns, ne), ns);
	for (q = line; (q = memchr(q, '[', (size_t)(at - q))) != NULL; q++) {
		const char *ds, *de;

		p = q + 1;
		if (import_digits(&p, at, &ds, &de) && p < at && *p == ']') {
			if (import_dec(ds, de, &cpu) && cpu < KML_TRACE_CPUMAX)
				break;
			cpu = 0;
		}
	}
	import_add_drop(imp, (uint32_t)cpu, count);
	return KML_ISKIP_LOST;
}

/*
 * import_tracecmd_header: trace-cmd report's "cpus=N" and "version = N"
 * lines (p to end, trailing spaces removed).
 * => true if the line is one of them.
 */
static bool
import_tracecmd_header(struct kml_import *imp, const char *p, const char *end)
{
	const char *s, *e;
	uint64_t n;

	if (IMPORT_EXPECT(&p, end, "cpus=")) {
		if (import_digits(&p, end, &s, &e) && p == end &&
		    import_dec(s, e, &n)) {
			import_set_ncpu(imp, n);
			return true;
		}
		return false;
	}
	if (IMPORT_EXPECT(&p, end, "version = "))
		return import_digits(&p, end, &s, &e) && p == end;
	return false;
}

/* ---- the layout of event lines */

/*
 * import_layout: read the common part of an event line [p, end) (p at
 * its first non-space) into il: who, where, when and which event.
 * => returns 0; or -2 if the line does not have the layout of an event
 *    line; or -1 with a message for a bad number in it.
 */
static int
import_layout(struct kml_import *imp, const char *p, const char *end,
    struct import_line *il)
{
	const char *b, *q, *e, *ds, *de, *ts, *te, *ws, *we;
	const char *fs = NULL, *fe = NULL;
	uint64_t v, tgid = 0;
	bool havetgid = false;

	/* The CPU field: " [digits] " (or at the end of the line). */
	for (b = p; ; b++) {
		if ((b = memchr(b, '[', (size_t)(end - b))) == NULL)
			return -2;
		if (b == p || b[-1] != ' ')
			continue;
		q = b + 1;
		while (q < end && import_isdigit(*q))
			q++;
		if (q > b + 1 && q < end && *q == ']' &&
		    (q + 1 == end || q[1] == ' '))
			break;
	}
	if (!import_dec(b + 1, q, &v) || v >= KML_TRACE_CPUMAX)
		return import_error(imp, "bad cpu [%.*s]",
		    import_qlen(b + 1, q), b + 1);
	il->il_cpu = (uint32_t)v;

	/* Left of it: comm-pid [(tgid)], or comm [pid/]tid. */
	e = b - 1;
	while (e > p && e[-1] == ' ')
		e--;
	if (e > p && e[-1] == ')') {
		const char *o = e - 1, *gs, *ge;

		while (o > p && o[-1] != '(' && e - o < 16)
			o--;
		if (o == p || o[-1] != '(')
			return -2;
		gs = import_skipsp(o, e - 1);
		ge = e - 1;
		if (import_dec(gs, ge, &tgid)) {
			if (tgid > UINT32_MAX)
				return import_error(imp, "bad tgid (%.*s)",
				    import_qlen(gs, ge), gs);
			havetgid = true;
		} else {
			while (gs < ge && *gs == '-')
				gs++;
			if (gs != ge)
				return -2;
		}
		e = o - 1;
		while (e > p && e[-1] == ' ')
			e--;
	}
	de = e;
	ds = de;
	while (ds > p && import_isdigit(ds[-1]))
		ds--;
	if (ds == de)
		return -2;
	if (!import_dec(ds, de, &v) || v > UINT32_MAX)
		return import_error(imp, "bad pid '%.*s'", import_qlen(ds, de),
		    ds);
	il->il_tid = il->il_pid = (uint32_t)v;
	if (ds > p && ds[-1] == '-') {
		il->il_fmt = KML_IMPORT_FTRACE;
		il->il_comm = p;
		il->il_commend = ds - 1;
		if (havetgid)
			il->il_pid = (uint32_t)tgid;
	} else if (havetgid) {
		return -2;
	} else if (ds > p && ds[-1] == '/') {
		const char *ps, *pe = ds - 1;

		ps = pe;
		while (ps > p && import_isdigit(ps[-1]))
			ps--;
		if (ps == pe || (ps > p && ps[-1] != ' '))
			return -2;
		if (!import_dec(ps, pe, &v) || v > UINT32_MAX)
			return import_error(imp, "bad pid '%.*s'",
			    import_qlen(ps, pe), ps);
		il->il_pid = (uint32_t)v;
		il->il_fmt = KML_IMPORT_PERF;
		il->il_comm = p;
		il->il_commend = ps;
	} else if (ds == p || ds[-1] == ' ') {
		il->il_fmt = KML_IMPORT_PERF;
		il->il_comm = p;
		il->il_commend = ds;
	} else
		return -2;
	while (il->il_commend > il->il_comm && il->il_commend[-1] == ' ')
		il->il_commend--;

	/* Right of it: [flags] sec.frac: */
	q = import_skipsp(q + 1, end);
	ts = q;
	te = import_word(q, end);
	if (te == ts)
		return -2;
	if (te[-1] != ':') {
		/* ftrace's flags: 5 columns, 4 before Linux 5.13 */
		if (il->il_fmt != KML_IMPORT_FTRACE || te - ts > 8)
			return -2;
		fs = ts;
		fe = te;
		ts = import_skipsp(te, end);
		te = import_word(ts, end);
		if (te == ts || te[-1] != ':')
			return -2;
	}
	te--;
	/* digits [. digits] */
	q = ts;
	while (q < te && import_isdigit(*q))
		q++;
	if (q == ts)
		return -2;
	if (q < te) {
		if (*q != '.')
			return -2;
		for (q++; q < te; q++)
			if (!import_isdigit(*q))
				return -2;
	}
	il->il_ts = ts;
	il->il_tsend = te;
	il->il_ctx = KML_CTX_THREAD;
	if (fs != NULL && fe - fs >= 3) {
		switch (fs[2]) {
		case 's':
		case 'S':
			il->il_ctx = KML_CTX_SOFTIRQ;
			break;
		case 'h':
		case 'H':		/* hardirq in softirq */
			il->il_ctx = KML_CTX_HARDIRQ;
			break;
		case 'z':
		case 'Z':		/* nmi, nmi in hardirq */
			il->il_ctx = KML_CTX_NMI;
			break;
		}
	}

	/* The event word. */
	ws = import_skipsp(te + 1, end);
	we = import_word(ws, end);
	il->il_evcolon = we > ws && we[-1] == ':';
	il->il_ev = ws;
	il->il_evend = il->il_evcolon ? we - 1 : we;
	return 0;
}

/*
 * import_ts: the time of il in clock units, and its number of decimals
 * in *ndp: the first event fixes it (3, 6 or 9), later ones must have as
 * many.  The caller records *ndp once the event is read.
 * => returns 0, or -1 with a message.
 */
static int
import_ts(struct kml_import *imp, const struct import_line *il, uint64_t *tsp,
    unsigned *ndp)
{
	static const uint64_t import_pow10[10] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
		100000000, 1000000000
	};
	const char *s = il->il_ts, *e = il->il_tsend, *dot;
	unsigned nd;
	uint64_t sec, frac = 0;

	for (dot = s; dot < e && *dot != '.'; dot++)
		continue;
	nd = dot < e ? (unsigned)(e - dot - 1) : 0;
	if (imp->im_decimals == 0) {
		if (nd != 3 && nd != 6 && nd != 9)
			return import_error(imp,
			    "timestamp %.*s has %u decimals, not 3, 6 or 9",
			    import_qlen(s, e), s, nd);
	} else if (nd != imp->im_decimals)
		return import_error(imp,
		    "timestamp %.*s has %u decimals, the trace uses %u",
		    import_qlen(s, e), s, nd, imp->im_decimals);
	if (!import_dec(s, dot, &sec) ||
	    (nd > 0 && !import_dec(dot + 1, e, &frac)) ||
	    __builtin_mul_overflow(sec, import_pow10[nd], &sec) ||
	    __builtin_add_overflow(sec, frac, &sec))
		return import_error(imp, "timestamp %.*s is too large",
		    import_qlen(s, e), s);
	*tsp = sec;
	*ndp = nd;
	return 0;
}

/* ---- fields */

/*
 * import_ptr: read pointer value [s, e): "0x..." or "(nil)" or 16 hex
 * digits (see 2. at the top).
 * => returns false if it is none of those.
 */
static bool
import_ptr(const char *s, const char *e, uint64_t *vp,
    enum import_ptrkind *kindp)
{
	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!import_hex(s + 2, e, vp))
			return false;
		*kindp = *vp == 0 ? IP_NULL : IP_RAW;
		return true;
	}
	if (e - s == 16) {
		if (!import_hex(s, e, vp))
			return false;
		*kindp = *vp == 0 ? IP_NULL :
		    (*vp >> 32) == 0 ? IP_HASHED : IP_RAW;
		return true;
	}
	if (IMPORT_IS(s, e, "(nil)")) {
		*vp = 0;
		*kindp = IP_NULL;
		return true;
	}
	return false;
}

/* import_hash: a hash of the text [s, e) for the gfp cache. */
static inline unsigned
import_hash(const char *s, const char *e)
{
	uint32_t h = 2166136261u;

	for (; s < e; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 16);
}

/*
 * import_gfp: the mask of gfp_flags value [s, e), through the cache and
 * gfp_parse.
 * => returns 0, or -1 with a message naming the name or number that
 *    gfp_parse did not take.
 */
static int
import_gfp(struct kml_import *imp, const struct import_line *il,
    const char *s, const char *e, gfp_t *gfpp)
{
	struct import_gfpent *ge = NULL;
	size_t n = (size_t)(e - s);
	char text[IMPORT_GFPMAX + 1];
	const char *t, *te;
	gfp_t gfp;

	if (n == 0 || n > IMPORT_GFPMAX)
		return import_bad(imp, il, IK_GFP, s, e);
	if (n <= IMPORT_GFPTEXT) {
		ge = &imp->im_gfpcache[import_hash(s, e) &
		    (IMPORT_GFPCACHE - 1)];
		if (ge->ge_len == n && memcmp(ge->ge_text, s, n) == 0) {
			*gfpp = ge->ge_mask;
			return 0;
		}
	}
	memcpy(text, s, n);
	text[n] = '\0';
	if (gfp_parse(text, &gfp) == 0) {
		if (ge != NULL) {
			ge->ge_len = (uint16_t)n;
			ge->ge_mask = gfp;
			memcpy(ge->ge_text, s, n);
		}
		*gfpp = gfp;
		return 0;
	}
	/* Find the token that gfp_parse refused, to name it. */
	for (t = s; t <= e; t = te + 1) {
		char tok[IMPORT_GFPMAX + 1];
		const char *ts = t, *tend;

		te = memchr(t, '|', (size_t)(e - t));
		if (te == NULL)
			te = e;
		tend = te;
		while (ts < tend && *ts == ' ')
			ts++;
		while (tend > ts && tend[-1] == ' ')
			tend--;
		if (ts == tend)
			break;
		memcpy(tok, ts, (size_t)(tend - ts));
		tok[tend - ts] = '\0';
		if (gfp_parse(tok, &gfp) != 0) {
			if (import_isdigit(*ts))
				return import_error(imp,
				    "%.*s: bad gfp_flags= number '%s'",
				    (int)(il->il_evend - il->il_ev), il->il_ev,
				    tok);
			return import_error(imp,
			    "%.*s: unknown gfp_flags= name '%s'",
			    (int)(il->il_evend - il->il_ev), il->il_ev, tok);
		}
	}
	return import_bad(imp, il, IK_GFP, s, e);
}

/*
 * import_site: copy call_site value [s, e) (with its module word, if
 * any, from " [") into imp->im_site, without ftrace's "/0xsize".
 * => returns 0, or -1 with a message.
 */
static int
import_site(struct kml_import *imp, const struct import_line *il,
    const char *s, const char *e)
{
	const char *ve, *slash, *q;
	size_t n, m;

	if (s == e)
		return import_bad(imp, il, IK_CALL_SITE, s, e);
	ve = memchr(s, ' ', (size_t)(e - s));
	if (ve == NULL)
		ve = e;
	/* "sym+0xoff/0xsize": cut at the '/' if "+0x" comes before it */
	slash = NULL;
	for (q = ve; q > s; q--)
		if (q[-1] == '/') {
			slash = q - 1;
			break;
		}
	if (slash != NULL && ve - slash > 3 && slash[1] == '0' &&
	    slash[2] == 'x') {
		for (q = slash; q - s >= 3; q--)
			if (q[-3] == '+' && q[-2] == '0' && q[-1] == 'x')
				break;
		if (q - s < 3)
			slash = NULL;
	} else
		slash = NULL;
	n = (size_t)((slash != NULL ? slash : ve) - s);
	m = (size_t)(e - ve);
	if (n + m > KML_TRACE_STRMAX)
		return import_error(imp,
		    "%.*s: call_site= value longer than %d bytes",
		    (int)(il->il_evend - il->il_ev), il->il_ev,
		    KML_TRACE_STRMAX);
	memcpy(imp->im_site, s, n);
	memcpy(imp->im_site + n, ve, m);
	imp->im_site[n + m] = '\0';
	return 0;
}

/*
 * import_fields: read the key=value fields [p, end) of a kmem event of
 * kind ed into ev; *kindp: what its pointer says (IP_NULL if none).
 * => returns 0, or -1 with a message.
 */
static int
import_fields(struct kml_import *imp, const struct import_line *il,
    const struct import_evdef *ed, const char *p, const char *end,
    struct kml_trace_event *ev, enum import_ptrkind *kindp)
{
	const char *vs[IK_COUNT], *ve[IK_COUNT];
	unsigned have = 0, missing;
	uint64_t v;
	gfp_t gfp = 0;
	int k;

	/* Split the words. */
	while ((p = import_skipsp(p, end)) < end) {
		const char *ws = p, *eq = NULL, *we;

		while (p < end && *p != ' ') {
			if (*p == '=' && eq == NULL)
				eq = p;
			p++;
		}
		we = p;
		if (eq == NULL)
			continue;
		switch (eq - ws) {
		case 3:
			k = ws[0] == 'p' && ws[1] == 't' && ws[2] == 'r' ?
			    IK_PTR : ws[0] == 'p' && ws[1] == 'f' &&
			    ws[2] == 'n' ? IK_PFN : -1;
			break;
		case 4:
			k = memcmp(ws, "name", 4) == 0 ? IK_NAME : -1;
			break;
		case 5:
			k = memcmp(ws, "order", 5) == 0 ? IK_ORDER : -1;
			break;
		case 9:
			k = memcmp(ws, "call_site", 9) == 0 ? IK_CALL_SITE :
			    memcmp(ws, "bytes_req", 9) == 0 ? IK_BYTES_REQ :
			    memcmp(ws, "gfp_flags", 9) == 0 ? IK_GFP :
			    memcmp(ws, "accounted", 9) == 0 ? IK_ACCOUNTED : -1;
			break;
		case 11:
			k = memcmp(ws, "bytes_alloc", 11) == 0 ?
			    IK_BYTES_ALLOC : -1;
			break;
		default:
			k = -1;
			break;
		}
		if (k < 0)
			continue;
		if (k == IK_CALL_SITE) {
			/* a module word: "sym+0x1/0x2 [ext4]" */
			const char *ms = import_skipsp(p, end), *me;

			me = import_word(ms, end);
			if (me - ms >= 3 && ms[0] == '[' && me[-1] == ']' &&
			    memchr(ms, '=', (size_t)(me - ms)) == NULL)
				we = p = me;
		}
		vs[k] = eq + 1;
		ve[k] = we;
		have |= IKB(k);
	}
	if ((missing = ed->ed_need & ~have) != 0) {
		for (k = 0; !(missing & IKB(k)); k++)
			continue;
		return import_error(imp, "%.*s: missing %s=",
		    (int)(il->il_evend - il->il_ev), il->il_ev,
		    import_keyname[k]);
	}

	ev->te_op = ed->ed_op;
	if (have & IKB(IK_CALL_SITE)) {
		if (import_site(imp, il, vs[IK_CALL_SITE],
		    ve[IK_CALL_SITE]) != 0)
			return -1;
		ev->te_site = imp->im_site;
	}
	if (have & IKB(IK_PTR)) {
		if (!import_ptr(vs[IK_PTR], ve[IK_PTR], &ev->te_ptr, kindp))
			return import_bad(imp, il, IK_PTR, vs[IK_PTR],
			    ve[IK_PTR]);
	}
	if ((have & IKB(IK_NAME)) && (ed->ed_op == KML_OP_CACHE_ALLOC ||
	    ed->ed_op == KML_OP_CACHE_FREE) && ve[IK_NAME] > vs[IK_NAME]) {
		if (!import_copy(imp->im_cache, vs[IK_NAME], ve[IK_NAME]))
			return import_error(imp,
			    "%.*s: name= value longer than %d bytes",
			    (int)(il->il_evend - il->il_ev), il->il_ev,
			    KML_TRACE_STRMAX);
		ev->te_cache = imp->im_cache;
	}
	if (ed->ed_need & IKB(IK_BYTES_REQ)) {
		if (!import_dec(vs[IK_BYTES_REQ], ve[IK_BYTES_REQ],
		    &ev->te_size))
			return import_bad(imp, il, IK_BYTES_REQ,
			    vs[IK_BYTES_REQ], ve[IK_BYTES_REQ]);
		if (!import_dec(vs[IK_BYTES_ALLOC], ve[IK_BYTES_ALLOC],
		    &ev->te_alloc))
			return import_bad(imp, il, IK_BYTES_ALLOC,
			    vs[IK_BYTES_ALLOC], ve[IK_BYTES_ALLOC]);
	}
	if (ed->ed_need & IKB(IK_PFN)) {
		const char *s = vs[IK_PFN], *e = ve[IK_PFN];

		if (e - s > 2 && s[0] == '0' && s[1] == 'x' ?
		    !import_hex(s + 2, e, &ev->te_ptr) :
		    !import_dec(s, e, &ev->te_ptr))
			return import_bad(imp, il, IK_PFN, s, e);
	}
	if ((ed->ed_need & IKB(IK_ORDER)) && !ed->ed_batched) {
		if (!import_dec(vs[IK_ORDER], ve[IK_ORDER], &v) || v > 63)
			return import_bad(imp, il, IK_ORDER, vs[IK_ORDER],
			    ve[IK_ORDER]);
		ev->te_order = (uint8_t)v;
	}
	if (ed->ed_need & IKB(IK_GFP)) {
		if (import_gfp(imp, il, vs[IK_GFP], ve[IK_GFP], &gfp) != 0)
			return -1;
		ev->te_gfp = gfp;
		ev->te_flags |= gfp_tef_flags(gfp);
	}
	if ((have & IKB(IK_ACCOUNTED)) && (ed->ed_need & IKB(IK_GFP))) {
		const char *s = vs[IK_ACCOUNTED], *e = ve[IK_ACCOUNTED];

		if (IMPORT_IS(s, e, "true"))
			ev->te_flags |= KML_TEF_ACCOUNT;
		else if (!IMPORT_IS(s, e, "false"))
			return import_bad(imp, il, IK_ACCOUNTED, s, e);
	}
	return 0;
}

/* import_evdef: the kmem event named [s, e) (maybe "kmem:..."), or NULL. */
static const struct import_evdef *
import_evdef(const char *s, const char *e)
{
	const struct import_evdef *ed;
	size_t n;

	if (e - s > 5 && memcmp(s, "kmem:", 5) == 0)
		s += 5;
	n = (size_t)(e - s);
	if (n < 5 || (s[0] != 'k' && s[0] != 'm'))
		return NULL;
	for (ed = import_evdefs; ed->ed_name != NULL; ed++)
		if (ed->ed_len == n && memcmp(ed->ed_name, s, n) == 0)
			return ed;
	return NULL;
}

/* ---- one line */

/* What import_line1 returns for a line skipped for reason why (KML_ISKIP_*). */
#define IMPORT_SKIP(why)	(-10 - (int)(why))

/*
 * import_line1: read one line [line, end) ('\r' removed).
 * => returns 1 with an event in ev; IMPORT_SKIP(why) for a skipped line;
 *    -1 with a message in im_err.
 */
static int
import_line1(struct kml_import *imp, const char *line, const char *end,
    struct kml_trace_event *ev)
{
	const struct import_evdef *ed;
	enum import_ptrkind kind = IP_NULL;
	struct import_line il;
	const char *p = line, *tend, *at;
	unsigned nd = 0;
	int rv;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return IMPORT_SKIP(KML_ISKIP_COMMENT);
	switch (*p) {
	case '#':
		import_comment(imp, p, end);
		return IMPORT_SKIP(KML_ISKIP_COMMENT);
	case '=':
		/* " => symbol": a stack trace line of the event before */
		if (end - p >= 2 && p[1] == '>')
			return IMPORT_SKIP(KML_ISKIP_OTHER_EVENT);
		break;
	case 'C':
	case 'c':
	case 'v':
		tend = end;
		while (tend > p && tend[-1] == ' ')
			tend--;
		if (*p == 'C') {
			if ((rv = import_cpu_marker(imp, p, tend)) != -2)
				return rv < 0 ? rv : IMPORT_SKIP(rv);
		} else if (import_tracecmd_header(imp, p, tend))
			return IMPORT_SKIP(KML_ISKIP_COMMENT);
		break;
	}
	if (line[0] == '\t')		/* a perf callchain line */
		return IMPORT_SKIP(KML_ISKIP_OTHER_EVENT);

	if ((rv = import_layout(imp, p, end, &il)) == -1)
		return -1;
	if (rv == -2) {
		if ((at = memmem(line, (size_t)(end - line), "PERF_RECORD_LOST",
		    16)) != NULL)
			return (rv = import_perf_lost(imp, line, end, at)) < 0 ?
			    rv : IMPORT_SKIP(rv);
		switch (imp->im_fmt) {
		case KML_IMPORT_FTRACE:
			return import_error(imp, "not an ftrace line");
		case KML_IMPORT_PERF:
			return import_error(imp, "not a perf script line");
		default:
			return import_error(imp,
			    "not an ftrace or perf script line");
		}
	}
	if (il.il_fmt != imp->im_fmt) {
		if (imp->im_fmt != KML_IMPORT_AUTO)
			return import_error(imp, il.il_fmt == KML_IMPORT_PERF ?
			    "a perf script line in an ftrace trace" :
			    "an ftrace line in a perf script trace");
		imp->im_fmt = il.il_fmt;
	}
	if (!il.il_evcolon || (ed = import_evdef(il.il_ev, il.il_evend)) ==
	    NULL) {
		if (il.il_fmt == KML_IMPORT_PERF &&
		    (at = memmem(il.il_ev, (size_t)(end - il.il_ev),
		    "PERF_RECORD_LOST", 16)) != NULL)
			return (rv = import_perf_lost(imp, line, end, at)) < 0 ?
			    rv : IMPORT_SKIP(rv);
		return IMPORT_SKIP(KML_ISKIP_OTHER_EVENT);
	}
	if (il.il_ev[0] == 'k' && il.il_ev[1] == 'm' && il.il_ev[2] == 'e' &&
	    il.il_ev[3] == 'm' && il.il_ev[4] == ':')
		il.il_ev += 5;		/* messages name the event alone */

	memset(ev, 0, sizeof(*ev));
	if (import_ts(imp, &il, &ev->te_ts, &nd) != 0)
		return -1;
	ev->te_cpu = il.il_cpu;
	ev->te_pid = il.il_pid;
	ev->te_tid = il.il_tid;
	ev->te_ctx = il.il_ctx;
	if (il.il_commend > il.il_comm &&
	    !IMPORT_IS(il.il_comm, il.il_commend, "<...>")) {
		if (!import_copy(imp->im_comm, il.il_comm, il.il_commend))
			return import_error(imp, "comm longer than %d bytes",
			    KML_TRACE_STRMAX);
		ev->te_comm = imp->im_comm;
	}
	if (import_fields(imp, &il, ed, import_word(il.il_ev, end), end,
	    ev, &kind) != 0)
		return -1;
	/* The line is an event: what it says about the trace holds. */
	imp->im_decimals = nd;
	if (kind == IP_HASHED)
		imp->im_hashed = true;
	else if (kind == IP_RAW)
		imp->im_raw = true;
	return 1;
}

/* ---- the API */

const char *
kml_import_format_name(unsigned fmt)
{
	switch (fmt) {
	case KML_IMPORT_AUTO:
		return "auto";
	case KML_IMPORT_FTRACE:
		return "ftrace";
	case KML_IMPORT_PERF:
		return "perf";
	}
	return NULL;
}

const char *
kml_import_skip_name(unsigned why)
{
	switch (why) {
	case KML_ISKIP_COMMENT:
		return "comment";
	case KML_ISKIP_OTHER_EVENT:
		return "other event";
	case KML_ISKIP_MALFORMED:
		return "malformed";
	case KML_ISKIP_LOST:
		return "lost marker";
	}
	return NULL;
}

struct kml_import *
kml_import_create(unsigned fmt, bool skip_malformed)
{
	struct kml_import *imp;

	KML_ASSERTMSG(fmt <= KML_IMPORT_PERF, "kml_import_create: format %u",
	    fmt);
	imp = calloc(1, sizeof(*imp));
	KML_ASSERTMSG(imp != NULL, "kml_import_create: out of memory");
	imp->im_fmt = fmt;
	imp->im_skip = skip_malformed;
	return imp;
}

void
kml_import_destroy(struct kml_import *imp)
{
	if (imp == NULL)
		return;
	free(imp->im_drops);
	free(imp);
}

int
kml_import_line(struct kml_import *imp, const char *line, size_t len,
    struct kml_trace_event *ev, char *errbuf, size_t errlen)
{
	const char *end = line + len;
	int rv;

	imp->im_stats.is_lines++;
	if (end > line && end[-1] == '\r')
		end--;
	rv = import_line1(imp, line, end, ev);
	if (rv == 1) {
		imp->im_stats.is_converted++;
		imp->im_stats.is_events[ev->te_op]++;
		return 1;
	}
	if (rv == -1) {
		if (imp->im_skip) {
			imp->im_stats.is_skipped[KML_ISKIP_MALFORMED]++;
			return 0;
		}
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s", imp->im_err);
		return -1;
	}
	imp->im_stats.is_skipped[-10 - rv]++;
	return 0;
}

unsigned
kml_import_format(const struct kml_import *imp)
{
	return imp->im_fmt;
}

void
kml_import_header(const struct kml_import *imp, struct kml_trace_header *th)
{
	th->th_source = KML_TSRC_IMPORT;
	switch (imp->im_decimals) {
	case 3:
		th->th_clock_ns = 1000000;
		break;
	case 6:
		th->th_clock_ns = 1000;
		break;
	case 9:
		th->th_clock_ns = 1;
		break;
	}
	if (imp->im_ncpu != 0)
		th->th_ncpu = imp->im_ncpu;
	if (imp->im_host[0] != '\0')
		memcpy(th->th_host, imp->im_host, sizeof(th->th_host));
	if (imp->im_kernel[0] != '\0')
		memcpy(th->th_kernel, imp->im_kernel, sizeof(th->th_kernel));
	if (imp->im_hashed)
		th->th_flags |= KML_THF_HASHEDPTR;
	else if (imp->im_raw)
		th->th_flags &= (uint16_t)~KML_THF_HASHEDPTR;
}

const struct kml_import_stats *
kml_import_stats(const struct kml_import *imp)
{
	return &imp->im_stats;
}
