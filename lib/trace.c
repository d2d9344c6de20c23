/*
 * lib/trace.c: the kmemlab trace format, binary reader and writer.
 *
 * The design is in kmemlab/trace.h and the bytes in kmemlab-trace(5).
 * This file keeps the two halves side by side so that they cannot drift:
 *
 *  - the codec state (trace_state): the previous CPU and time, per CPU
 *    the last task and site, the successor table, the attribute table,
 *    the pointer bases and the history of allocated pointers.  Writer and
 *    reader update it with the same function (trace_state_update) after
 *    each event, so a prediction the writer relied on is the one the
 *    reader makes.
 *  - the writer: strings interned into slots (a chained hash over the
 *    slot table), a map from pointer to its allocation number (writer
 *    only, to find a freed pointer in the history), records assembled in
 *    a scratch buffer and appended to the block, blocks framed and
 *    written whole.
 *  - the reader: a block read and checked, then records decoded from it
 *    one by one; errors name the byte offset of the block or record.
 *
 * Memory is fixed once a trace is open: the block buffer (at most 1 MiB),
 * the tables below (about 1.3 MiB) and the strings (at most slots x 1 KiB).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <kmemlab/trace.h>

#include "bits.h"

/* ---- names */

static const char *const trace_opnames[KML_OP_COUNT] = {
	[KML_OP_NONE] = NULL,
	[KML_OP_KMALLOC] = "kmalloc",
	[KML_OP_KFREE] = "kfree",
	[KML_OP_CACHE_ALLOC] = "kmem_cache_alloc",
	[KML_OP_CACHE_FREE] = "kmem_cache_free",
	[KML_OP_PAGE_ALLOC] = "page_alloc",
	[KML_OP_PAGE_FREE] = "page_free",
	[KML_OP_MALLOC] = "malloc",
	[KML_OP_CALLOC] = "calloc",
	[KML_OP_REALLOC] = "realloc",
	[KML_OP_FREE] = "free",
	[KML_OP_MEMALIGN] = "memalign",
	[KML_OP_POSIX_MEMALIGN] = "posix_memalign",
	[KML_OP_ALIGNED_ALLOC] = "aligned_alloc",
	[KML_OP_VALLOC] = "valloc",
	[KML_OP_VMEM_ALLOC] = "vmem_alloc",
	[KML_OP_VMEM_FREE] = "vmem_free",
	[KML_OP_POOL_GET] = "pool_get",
	[KML_OP_POOL_PUT] = "pool_put",
};

static const char *const trace_ctxnames[KML_CTX_COUNT] = {
	"thread", "softirq", "hardirq", "nmi"
};

static const char *const trace_srcnames[KML_TSRC_COUNT] = {
	"unknown", "record", "import", "gen", "text"
};

const char *
kml_trace_op_name(unsigned op)
{
	return op < KML_OP_COUNT ? trace_opnames[op] : NULL;
}

unsigned
kml_trace_op_lookup(const char *name, size_t len)
{
	for (unsigned op = 1; op < KML_OP_COUNT; op++) {
		if (strlen(trace_opnames[op]) == len &&
		    memcmp(trace_opnames[op], name, len) == 0)
			return op;
	}
	return KML_OP_NONE;
}

bool
kml_trace_op_allocates(unsigned op)
{
	switch (op) {
	case KML_OP_KMALLOC: case KML_OP_CACHE_ALLOC: case KML_OP_PAGE_ALLOC:
	case KML_OP_MALLOC: case KML_OP_CALLOC: case KML_OP_REALLOC:
	case KML_OP_MEMALIGN: case KML_OP_POSIX_MEMALIGN:
	case KML_OP_ALIGNED_ALLOC: case KML_OP_VALLOC:
	case KML_OP_VMEM_ALLOC: case KML_OP_POOL_GET:
		return true;
	default:
		return false;
	}
}

bool
kml_trace_op_frees(unsigned op)
{
	switch (op) {
	case KML_OP_KFREE: case KML_OP_CACHE_FREE: case KML_OP_PAGE_FREE:
	case KML_OP_FREE: case KML_OP_REALLOC: case KML_OP_VMEM_FREE:
	case KML_OP_POOL_PUT:
		return true;
	default:
		return false;
	}
}

const char *
kml_trace_ctx_name(unsigned ctx)
{
	return ctx < KML_CTX_COUNT ? trace_ctxnames[ctx] : NULL;
}

const char *
kml_trace_source_name(unsigned src)
{
	return src < KML_TSRC_COUNT ? trace_srcnames[src] : NULL;
}

void
kml_trace_header_init(struct kml_trace_header *th, unsigned src)
{
	memset(th, 0, sizeof(*th));
	th->th_version = KML_TRACE_VERSION;
	th->th_source = (uint8_t)src;
	th->th_pagesize = 4096;
	th->th_clock_ns = 1;
	th->th_slots = KML_TRACE_SLOTS;
	th->th_blocksize = KML_TRACE_BLOCKSIZE;
}

/* ---- constants of the encoding (part of the format, see kmemlab-trace(5)) */

#define TRACE_REC_OPMASK	0x1fu	/* record byte: operation */
#define TRACE_REC_WHO		0x20u	/* cpu and task as predicted */
#define TRACE_REC_SITE		0x40u	/* site as predicted */
#define TRACE_REC_ATTR		0x80u	/* attributes as predicted */
#define TRACE_REC_STRING	0x20u	/* control: string definition */
#define TRACE_REC_DROP		0x40u	/* control: events dropped */
#define TRACE_REC_TRAILER	0x60u	/* control: the trailer */

#define TRACE_TASK_PID		0x01u	/* task mask bits */
#define TRACE_TASK_TID		0x02u
#define TRACE_TASK_COMM		0x04u
#define TRACE_TASK_CTX		0x08u

#define TRACE_ATTR_SIZE		0x01u	/* attribute mask bits */
#define TRACE_ATTR_ALLOC	0x02u
#define TRACE_ATTR_GFP		0x04u
#define TRACE_ATTR_FLAGS	0x08u
#define TRACE_ATTR_CACHE	0x10u
#define TRACE_ATTR_ORDER	0x20u
#define TRACE_ATTR_ALIGN	0x40u
#define TRACE_ATTR_COUNT	0x80u

#define TRACE_BLOCKTAG_FLUSH	0xb2	/* block ended by kml_trace_flush */

#define TRACE_ATTRBITS		12	/* attribute table: 4096 entries */
#define TRACE_BASEBITS		10	/* pointer bases: 1024 entries */
#define TRACE_HISTBITS		16	/* allocated-pointer history: 65536 */
#define TRACE_HIST		(1u << TRACE_HISTBITS)
#define TRACE_PMAPBITS		17	/* writer: pointer -> allocation number */

/* Pointer key families. */
#define TRACE_FAM_KMALLOC	1
#define TRACE_FAM_CACHE		2
#define TRACE_FAM_PAGE		3
#define TRACE_FAM_USER		4
#define TRACE_FAM_VMEM		5
#define TRACE_FAM_POOL		6

/*
 * Largest encoded event: record byte, cpu, task mask, pid, tid, comm, ctx,
 * time, site, attribute mask, 8 attributes, a freed pointer (reference
 * and literal) and an allocated one: 1+10+1+4*10+10+10+1+8*10+11+10.
 */
#define TRACE_EVENTMAX		174
/* A string definition: byte, slot, length, text. */
#define TRACE_DEFMAX		(1 + 10 + 10 + KML_TRACE_STRMAX)
/* The scratch buffer holds one event and its definitions. */
#define TRACE_SCRATCH		(TRACE_EVENTMAX + 3 * TRACE_DEFMAX)
/* The trailer: byte, events, nops, ops, ncpu, drops. */
#define TRACE_TRAILERMAX	(1 + 10 + 10 + KML_OP_COUNT * 10 + 10 + KML_TRACE_CPUMAX * 10)
/*
 * Every block may hold up to this many bytes even when the header's block
 * size is smaller, so that a trailer with thousands of CPUs fits a block.
 */
#define TRACE_BLOCKFLOOR	65536
/* The header's largest size. */
#define TRACE_HDRMAX		(KML_TRACE_MAGICLEN + 5 + 6 * 10 + 3 * (10 + KML_TRACE_HDRSTRMAX) + 4)

/* ---- the codec state, shared by writer and reader */

/* The attributes of an event that the attribute table predicts. */
struct trace_attrs {
	uint64_t ta_size;
	uint64_t ta_alloc;
	uint64_t ta_align;
	uint64_t ta_count;
	uint32_t ta_gfp;
	uint32_t ta_cache;	/* slot + 1, 0 none */
	uint8_t ta_flags;
	uint8_t ta_order;
};

struct trace_attrent {
	bool tae_valid;
	uint8_t tae_op;
	uint32_t tae_site;
	struct trace_attrs tae_attrs;
};

struct trace_baseent {
	bool tbe_valid;
	uint64_t tbe_key;
	uint64_t tbe_ptr;
};

/* Per CPU: the last task and site seen on it. */
struct trace_cpustate {
	uint32_t tc_pid;
	uint32_t tc_tid;
	uint32_t tc_comm;	/* slot + 1 */
	uint32_t tc_site;	/* slot + 1 */
	uint8_t tc_ctx;
};

struct trace_state {
	uint32_t ts_prevcpu;		/* cpu of the previous event */
	uint64_t ts_prevts;		/* time of the previous event */
	struct trace_cpustate *ts_cpu;	/* [KML_TRACE_CPUMAX] */
	uint32_t *ts_succ;		/* [slots + 1]: site that followed site x */
	struct trace_attrent *ts_attr;	/* [1 << TRACE_ATTRBITS] */
	struct trace_baseent *ts_base;	/* [1 << TRACE_BASEBITS] */
	uint64_t *ts_hist;		/* [TRACE_HIST]: allocated pointers */
	uint64_t ts_nallocs;		/* pointers appended to ts_hist so far */
};

/* An event with its strings as slot numbers (+1), as the codec sees it. */
struct trace_rec {
	const struct kml_trace_event *tr_ev;
	uint32_t tr_comm;
	uint32_t tr_site;
	struct trace_attrs tr_attrs;
};

/* ---- the trace */

struct kml_trace {
	bool t_writing;
	FILE *t_fp;
	bool t_ownfp;			/* close t_fp at the end */
	char *t_name;			/* for messages */
	char *t_path;			/* writer: final path, NULL for a stream */
	char *t_tmppath;		/* writer: temporary file */
	struct kml_trace_header t_hdr;
	struct kml_trace_trailer t_tr;	/* counts so far */
	char t_err[512];
	bool t_failed;
	bool t_finished;		/* writer: trailer written (kml_trace_finish) */
	bool t_truncated;
	uint64_t t_offset;		/* bytes read or written */
	struct trace_state t_st;
	/* strings */
	uint32_t t_nstr;		/* slots allocated below */
	char **t_str;			/* [slots]: text of each slot */
	uint16_t *t_strlen;		/* [slots] */
	bool *t_strdef;			/* [slots]: defined */
	uint64_t *t_strkey;		/* reader: [slots]: definition number (te_sitekey) */
	uint64_t t_ndefs;		/* reader: string definitions read */
	/* the block */
	uint8_t *t_blk;			/* payload buffer, blocksize bytes */
	size_t t_blklen;		/* writer: payload used; reader: payload held */
	/* writer */
	uint32_t *t_hhead;		/* [hsize]: slot + 1 of the first in bucket */
	uint32_t *t_hnext;		/* [slots]: slot + 1 of the next in bucket */
	uint32_t t_hmask;
	uint32_t t_nextslot;		/* next slot to fill */
	uint32_t t_nslots;		/* slots ever filled, up to slots */
	struct { uint64_t ptr; uint64_t seq; } *t_pmap;	/* [1 << TRACE_PMAPBITS] */
	uint8_t *t_scratch;		/* TRACE_SCRATCH */
	/* reader */
	size_t t_blkpos;		/* next record in t_blk */
	uint64_t t_blkoff;		/* file offset of t_blk[0] */
	uint8_t t_blktag;		/* tag of the block held */
	bool t_blkpartial;		/* the block was cut short by the end of file */
	bool t_flushpending;		/* report a flush before the next block */
	bool t_done;			/* the trailer was read */
	uint64_t t_lastwhole;		/* offset after the last whole record */
	uint64_t t_drops_read[KML_TRACE_CPUMAX];	/* reader: sums of drop records (checked against the trailer) */
};

/* trace_seterr: record an error message "NAME: MSG" and fail t; returns -1. */
static int trace_seterr(struct kml_trace *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
trace_seterr(struct kml_trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(t->t_err, sizeof(t->t_err), "%s: ", t->t_name);
	if (n < 0 || (size_t)n >= sizeof(t->t_err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(t->t_err + n, sizeof(t->t_err) - (size_t)n, fmt, ap);
	va_end(ap);
	t->t_failed = true;
	return -1;
}

/* trace_copyerr: copy t's message into errbuf (when there is one). */
static void
trace_copyerr(const struct kml_trace *t, char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", t->t_err);
}

/* ---- varints */

/* trace_put_varint: append v as LEB128 at p; returns the new end. */
static inline uint8_t *
trace_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* trace_zigzag: the zigzag code of the signed difference a - b. */
static inline uint64_t
trace_zigzag(uint64_t a, uint64_t b)
{
	uint64_t d = a - b;

	return (d << 1) ^ (0 - (d >> 63));
}

/* trace_unzigzag: b + the difference that z encodes. */
static inline uint64_t
trace_unzigzag(uint64_t z, uint64_t b)
{
	return b + ((z >> 1) ^ (0 - (z & 1)));
}

static inline uint8_t *
trace_put_svarint(uint8_t *p, uint64_t a, uint64_t b)
{
	return trace_put_varint(p, trace_zigzag(a, b));
}

/*
 * trace_get_varint: read a varint from *pp, not past end.
 * => returns 0 and advances *pp; 1 when the data ran out; 2 when the
 *    varint is longer than 10 bytes or does not fit 64 bits.
 */
static inline int
trace_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *vp)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	if (p < end && *p < 0x80) {	/* one byte: most fields */
		*vp = *p;
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if (p >= end)
			return 1;
		uint8_t b = *p++;

		if (shift == 63 && b > 1)
			return 2;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
		if (shift > 63)
			return 2;
	}
	*pp = p;
	*vp = v;
	return 0;
}

/* ---- hashing (part of the format for the two tables) */

/* trace_attr_index: the attribute table entry of (op, site). */
static inline uint32_t
trace_attr_index(unsigned op, uint32_t site)
{
	return (((uint32_t)op << 16 ^ site) * 2654435761u) >> (32 - TRACE_ATTRBITS);
}

/* trace_base_index: the pointer base entry of key. */
static inline uint32_t
trace_base_index(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - TRACE_BASEBITS));
}

/* trace_pmap_index: the writer's pointer map entry of ptr (not part of the format). */
static inline uint32_t
trace_pmap_index(uint64_t ptr)
{
	return (uint32_t)((ptr * 0x9e3779b97f4a7c15ull) >> (64 - TRACE_PMAPBITS));
}

/* trace_str_hash: FNV-1a of s[0..len) (writer only). */
static inline uint32_t
trace_str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/*
 * trace_ptr_key: the key of the pointer base for an event: (family << 56)
 * ^ discriminator.
 */
static inline uint64_t
trace_ptr_key(unsigned op, const struct trace_attrs *a)
{
	switch (op) {
	case KML_OP_KMALLOC:
	case KML_OP_KFREE:
		return (uint64_t)TRACE_FAM_KMALLOC << 56 ^
		    (a->ta_alloc != 0 ? a->ta_alloc : a->ta_size);
	case KML_OP_CACHE_ALLOC:
	case KML_OP_CACHE_FREE:
		return (uint64_t)TRACE_FAM_CACHE << 56 ^ a->ta_cache;
	case KML_OP_PAGE_ALLOC:
	case KML_OP_PAGE_FREE:
		return (uint64_t)TRACE_FAM_PAGE << 56 ^ a->ta_order;
	case KML_OP_VMEM_ALLOC:
	case KML_OP_VMEM_FREE:
		return (uint64_t)TRACE_FAM_VMEM << 56 ^ a->ta_cache;
	case KML_OP_POOL_GET:
	case KML_OP_POOL_PUT:
		return (uint64_t)TRACE_FAM_POOL << 56 ^ a->ta_cache;
	default:
		return (uint64_t)TRACE_FAM_USER << 56;
	}
}

/* trace_base_get: the base pointer for key (0 when the entry is another key's). */
static inline uint64_t
trace_base_get(const struct trace_state *st, uint64_t key)
{
	const struct trace_baseent *e = &st->ts_base[trace_base_index(key)];

	return e->tbe_valid && e->tbe_key == key ? e->tbe_ptr : 0;
}

/* ---- codec state */

/* trace_state_init: allocate st's tables for slots string slots. => returns 0 or -1 (ENOMEM). */
static int
trace_state_init(struct trace_state *st, uint32_t slots)
{
	memset(st, 0, sizeof(*st));
	st->ts_cpu = calloc(KML_TRACE_CPUMAX, sizeof(*st->ts_cpu));
	st->ts_succ = calloc((size_t)slots + 1, sizeof(*st->ts_succ));
	st->ts_attr = calloc((size_t)1 << TRACE_ATTRBITS, sizeof(*st->ts_attr));
	st->ts_base = calloc((size_t)1 << TRACE_BASEBITS, sizeof(*st->ts_base));
	st->ts_hist = calloc(TRACE_HIST, sizeof(*st->ts_hist));
	if (st->ts_cpu == NULL || st->ts_succ == NULL || st->ts_attr == NULL ||
	    st->ts_base == NULL || st->ts_hist == NULL)
		return -1;
	return 0;
}

static void
trace_state_fini(struct trace_state *st)
{
	free(st->ts_cpu);
	free(st->ts_succ);
	free(st->ts_attr);
	free(st->ts_base);
	free(st->ts_hist);
}

/* trace_attrs_equal: a and b hold the same attributes. */
static inline bool
trace_attrs_equal(const struct trace_attrs *a, const struct trace_attrs *b)
{
	return a->ta_size == b->ta_size && a->ta_alloc == b->ta_alloc &&
	    a->ta_align == b->ta_align && a->ta_count == b->ta_count &&
	    a->ta_gfp == b->ta_gfp && a->ta_cache == b->ta_cache &&
	    a->ta_flags == b->ta_flags && a->ta_order == b->ta_order;
}

/* trace_attrs_predict: the attributes the table predicts for (op, site). */
static inline void
trace_attrs_predict(const struct trace_state *st, unsigned op, uint32_t site,
    struct trace_attrs *a)
{
	const struct trace_attrent *e = &st->ts_attr[trace_attr_index(op, site)];

	if (e->tae_valid && e->tae_op == op && e->tae_site == site)
		*a = e->tae_attrs;
	else
		memset(a, 0, sizeof(*a));
}

/*
 * trace_hist_push: append a nonzero pointer to the history (an allocated
 * pointer, or a freed one that was not found there).
 * => returns its number in the history.
 */
static inline uint64_t
trace_hist_push(struct trace_state *st, uint64_t ptr)
{
	uint64_t seq = st->ts_nallocs++;

	st->ts_hist[seq & (TRACE_HIST - 1)] = ptr;
	return seq;
}

/*
 * trace_state_update: after an event (op, cpu, task, site, attributes,
 * pointers), update the predictions as the format says.
 * => returns the allocation number given to ev->te_ptr (writer's map),
 *    or UINT64_MAX when the event allocated no nonzero pointer.
 */
static inline uint64_t
trace_state_update(struct trace_state *st, const struct trace_rec *r)
{
	const struct kml_trace_event *ev = r->tr_ev;
	struct trace_cpustate *cs = &st->ts_cpu[ev->te_cpu];
	struct trace_attrent *ae;
	uint64_t seq = UINT64_MAX;

	st->ts_succ[cs->tc_site] = r->tr_site;
	cs->tc_site = r->tr_site;
	cs->tc_pid = ev->te_pid;
	cs->tc_tid = ev->te_tid;
	cs->tc_comm = r->tr_comm;
	cs->tc_ctx = ev->te_ctx;
	st->ts_prevcpu = ev->te_cpu;
	st->ts_prevts = ev->te_ts;

	ae = &st->ts_attr[trace_attr_index(ev->te_op, r->tr_site)];
	ae->tae_valid = true;
	ae->tae_op = ev->te_op;
	ae->tae_site = r->tr_site;
	ae->tae_attrs = r->tr_attrs;

	if (kml_trace_op_allocates(ev->te_op) && ev->te_ptr != 0) {
		uint64_t key = trace_ptr_key(ev->te_op, &r->tr_attrs);
		struct trace_baseent *be = &st->ts_base[trace_base_index(key)];

		be->tbe_valid = true;
		be->tbe_key = key;
		be->tbe_ptr = ev->te_ptr;
		seq = trace_hist_push(st, ev->te_ptr);
	}
	return seq;
}

/* trace_blockmax: the largest block payload a trace with header th may hold. */
static inline size_t
trace_blockmax(const struct kml_trace_header *th)
{
	return th->th_blocksize > TRACE_BLOCKFLOOR ? th->th_blocksize :
	    TRACE_BLOCKFLOOR;
}

/* ---- allocation of a trace */

static void trace_free(struct kml_trace *);

/*
 * trace_alloc: a trace for th (already checked) named name.
 * => returns NULL on out of memory.
 */
static struct kml_trace *
trace_alloc(const char *name, const struct kml_trace_header *th, bool writing)
{
	struct kml_trace *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->t_writing = writing;
	t->t_hdr = *th;
	t->t_name = strdup(name);
	t->t_nstr = th->th_slots;
	t->t_str = calloc(th->th_slots, sizeof(*t->t_str));
	t->t_strlen = calloc(th->th_slots, sizeof(*t->t_strlen));
	t->t_strdef = calloc(th->th_slots, sizeof(*t->t_strdef));
	t->t_strkey = calloc(th->th_slots, sizeof(*t->t_strkey));
	t->t_blk = malloc(trace_blockmax(th));
	if (t->t_name == NULL || t->t_str == NULL || t->t_strlen == NULL ||
	    t->t_strdef == NULL || t->t_strkey == NULL || t->t_blk == NULL ||
	    trace_state_init(&t->t_st, th->th_slots) != 0)
		goto fail;
	if (writing) {
		uint32_t hsize = 1;

		while (hsize < th->th_slots)
			hsize <<= 1;
		t->t_hmask = hsize - 1;
		t->t_hhead = calloc(hsize, sizeof(*t->t_hhead));
		t->t_hnext = calloc(th->th_slots, sizeof(*t->t_hnext));
		t->t_pmap = calloc((size_t)1 << TRACE_PMAPBITS,
		    sizeof(*t->t_pmap));
		t->t_scratch = malloc(TRACE_SCRATCH > TRACE_TRAILERMAX ?
		    TRACE_SCRATCH : TRACE_TRAILERMAX);
		if (t->t_hhead == NULL || t->t_hnext == NULL ||
		    t->t_pmap == NULL || t->t_scratch == NULL)
			goto fail;
		/* an empty map entry must not match pointer 0's seq window */
		for (size_t i = 0; i < (size_t)1 << TRACE_PMAPBITS; i++)
			t->t_pmap[i].seq = UINT64_MAX;
	}
	return t;
fail:
	trace_free(t);
	return NULL;
}

static void
trace_free(struct kml_trace *t)
{
	if (t->t_str != NULL) {
		for (uint32_t i = 0; i < t->t_nstr; i++)
			free(t->t_str[i]);
	}
	free(t->t_str);
	free(t->t_strlen);
	free(t->t_strdef);
	free(t->t_strkey);
	free(t->t_blk);
	trace_state_fini(&t->t_st);
	free(t->t_hhead);
	free(t->t_hnext);
	free(t->t_pmap);
	free(t->t_scratch);
	free(t->t_name);
	free(t->t_path);
	free(t->t_tmppath);
	free(t);
}

/* ---- the header */

/*
 * trace_header_check: th's fields are in range.
 * => returns 0, or -1 with "header: FIELD ..." in msg.
 */
static int
trace_header_check(const struct kml_trace_header *th, char *msg, size_t len)
{
	if ((th->th_flags & ~KML_THF_MASK) != 0)
		snprintf(msg, len, "header: unknown flags 0x%x", th->th_flags);
	else if (th->th_source >= KML_TSRC_COUNT)
		snprintf(msg, len, "header: unknown source %u", th->th_source);
	else if (th->th_ncpu > KML_TRACE_CPUMAX)
		snprintf(msg, len, "header: ncpu %u above %u", th->th_ncpu,
		    KML_TRACE_CPUMAX);
	else if (!kml_ispow2(th->th_pagesize) || th->th_pagesize < 512 ||
	    th->th_pagesize > (1u << 30))
		snprintf(msg, len, "header: page size %u not a power of two "
		    "in 512..2^30", th->th_pagesize);
	else if (th->th_clock_ns == 0)
		snprintf(msg, len, "header: clock unit 0 ns");
	else if (th->th_slots < 4 || th->th_slots > KML_TRACE_SLOTSMAX)
		snprintf(msg, len, "header: slots %u not in 4..%u",
		    th->th_slots, KML_TRACE_SLOTSMAX);
	else if (th->th_blocksize < KML_TRACE_BLOCKMIN ||
	    th->th_blocksize > KML_TRACE_BLOCKMAX)
		snprintf(msg, len, "header: block size %u not in %u..%u",
		    th->th_blocksize, KML_TRACE_BLOCKMIN, KML_TRACE_BLOCKMAX);
	else if (strnlen(th->th_detail, sizeof(th->th_detail)) > KML_TRACE_HDRSTRMAX ||
	    strnlen(th->th_host, sizeof(th->th_host)) > KML_TRACE_HDRSTRMAX ||
	    strnlen(th->th_kernel, sizeof(th->th_kernel)) > KML_TRACE_HDRSTRMAX)
		snprintf(msg, len, "header: a string is not terminated");
	else
		return 0;
	return -1;
}

static inline void
trace_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
trace_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t
trace_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* trace_put_hdrstr: append a header string (varint length + bytes). */
static uint8_t *
trace_put_hdrstr(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	p = trace_put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

/* trace_fwrite: write buf[0..len) to t's file. => 0, or -1 with the error set. */
static int
trace_fwrite(struct kml_trace *t, const void *buf, size_t len)
{
	if (fwrite(buf, 1, len, t->t_fp) != len)
		return trace_seterr(t, "%s", strerror(errno != 0 ? errno : EIO));
	t->t_offset += len;
	return 0;
}

/* trace_write_header: write t's header. => 0 or -1 (error set). */
static int
trace_write_header(struct kml_trace *t)
{
	const struct kml_trace_header *th = &t->t_hdr;
	uint8_t buf[TRACE_HDRMAX], *p = buf;

	memcpy(p, KML_TRACE_MAGIC, KML_TRACE_MAGICLEN);
	p += KML_TRACE_MAGICLEN;
	trace_put_le16(p, KML_TRACE_VERSION);
	trace_put_le16(p + 2, th->th_flags);
	p[4] = th->th_source;
	p += 5;
	p = trace_put_varint(p, th->th_ncpu);
	p = trace_put_varint(p, th->th_pagesize);
	p = trace_put_varint(p, th->th_clock_ns);
	p = trace_put_varint(p, th->th_start_ns);
	p = trace_put_varint(p, th->th_slots);
	p = trace_put_varint(p, th->th_blocksize);
	p = trace_put_hdrstr(p, th->th_detail);
	p = trace_put_hdrstr(p, th->th_host);
	p = trace_put_hdrstr(p, th->th_kernel);
	trace_put_le32(p, (uint32_t)crc32(0, buf, (uInt)(p - buf)));
	p += 4;
	return trace_fwrite(t, buf, (size_t)(p - buf));
}

/*
 * trace_read_bytes: read exactly len bytes into buf.
 * => returns len, or fewer at the end of the file (errors of the stream
 *    set t's error and return (size_t)-1).
 */
static size_t
trace_read_bytes(struct kml_trace *t, void *buf, size_t len)
{
	size_t n = fread(buf, 1, len, t->t_fp);

	if (n < len && ferror(t->t_fp)) {
		trace_seterr(t, "%s", strerror(errno != 0 ? errno : EIO));
		return (size_t)-1;
	}
	t->t_offset += n;
	return n;
}

/*
 * trace_read_header: read and check the header into t->t_hdr.
 * => returns 0, or -1 with the error set.
 */
static int
trace_read_header(struct kml_trace *t)
{
	uint8_t buf[TRACE_HDRMAX];
	size_t have, n;
	uint64_t v[6];
	struct kml_trace_header *th = &t->t_hdr;
	char msg[128];

	/* The fixed part, then enough for the varints; strings after. */
	have = trace_read_bytes(t, buf, KML_TRACE_MAGICLEN + 5);
	if (have == (size_t)-1)
		return -1;
	if (have < KML_TRACE_MAGICLEN ||
	    memcmp(buf, KML_TRACE_MAGIC, KML_TRACE_MAGICLEN) != 0) {
		if (have == 0)
			return trace_seterr(t, "empty file, not a kmemlab trace");
		return trace_seterr(t, "not a kmemlab trace (bad magic at byte 0)");
	}
	if (have < KML_TRACE_MAGICLEN + 5)
		goto truncated;
	th->th_version = (uint16_t)(buf[8] | buf[9] << 8);
	if (th->th_version != KML_TRACE_VERSION)
		return trace_seterr(t, "unsupported trace version %u (this "
		    "kmemlab reads version %u)", th->th_version,
		    KML_TRACE_VERSION);
	th->th_flags = (uint16_t)(buf[10] | buf[11] << 8);
	th->th_source = buf[12];
	/* Read byte by byte from here: the header is small. */
	for (int i = 0; i < 6; i++) {
		uint64_t x = 0;
		unsigned shift = 0;

		for (;;) {
			n = trace_read_bytes(t, buf + have, 1);
			if (n == (size_t)-1)
				return -1;
			if (n == 0)
				goto truncated;
			uint8_t b = buf[have++];

			if (shift > 63 || (shift == 63 && (b & 0x7e) != 0))
				return trace_seterr(t, "byte %zu: bad header "
				    "number", have - 1);
			x |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			if ((b & 0x80) == 0)
				break;
		}
		v[i] = x;
	}
	if (v[0] > KML_TRACE_CPUMAX || v[1] > UINT32_MAX || v[4] > UINT32_MAX ||
	    v[5] > UINT32_MAX) {
		snprintf(msg, sizeof(msg), "header: a number is out of range");
		return trace_seterr(t, "%s", msg);
	}
	th->th_ncpu = (uint32_t)v[0];
	th->th_pagesize = (uint32_t)v[1];
	th->th_clock_ns = v[2];
	th->th_start_ns = v[3];
	th->th_slots = (uint32_t)v[4];
	th->th_blocksize = (uint32_t)v[5];
	char *strs[3] = { th->th_detail, th->th_host, th->th_kernel };

	for (int i = 0; i < 3; i++) {
		uint64_t len = 0;
		unsigned shift = 0;
		size_t at = have;

		for (;;) {
			n = trace_read_bytes(t, buf + have, 1);
			if (n == (size_t)-1)
				return -1;
			if (n == 0)
				goto truncated;
			uint8_t b = buf[have++];

			len |= (uint64_t)(b & 0x7f) << shift;
			shift += 7;
			if ((b & 0x80) == 0)
				break;
			if (shift > 14)
				break;
		}
		if (len > KML_TRACE_HDRSTRMAX || (buf[have - 1] & 0x80))
			return trace_seterr(t, "byte %zu: header string longer "
			    "than %u bytes", at, KML_TRACE_HDRSTRMAX);
		n = trace_read_bytes(t, buf + have, (size_t)len);
		if (n == (size_t)-1)
			return -1;
		if (n < len)
			goto truncated;
		if (memchr(buf + have, '\0', (size_t)len) != NULL)
			return trace_seterr(t, "byte %zu: header string holds "
			    "a NUL byte", at);
		memcpy(strs[i], buf + have, (size_t)len);
		strs[i][len] = '\0';
		have += (size_t)len;
	}
	n = trace_read_bytes(t, buf + have, 4);
	if (n == (size_t)-1)
		return -1;
	if (n < 4)
		goto truncated;
	if (trace_get_le32(buf + have) != (uint32_t)crc32(0, buf, (uInt)have))
		return trace_seterr(t, "byte %zu: header checksum mismatch",
		    have);
	if (trace_header_check(th, msg, sizeof(msg)) != 0)
		return trace_seterr(t, "%s", msg);
	t->t_lastwhole = t->t_offset;
	return 0;
truncated:
	t->t_truncated = true;
	return trace_seterr(t, "truncated at byte %llu: the header is "
	    "incomplete", (unsigned long long)t->t_offset);
}

/* ---- opening */

struct kml_trace *
kml_trace_fdopen_read(FILE *fp, const char *name, char *errbuf, size_t errlen)
{
	struct kml_trace *probe, *t;

	/*
	 * Read the header with a bare trace (no tables), then make the
	 * trace the header asks for.
	 */
	probe = calloc(1, sizeof(*probe));
	if (probe == NULL || (probe->t_name = strdup(name)) == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", name,
			    strerror(ENOMEM));
		free(probe);
		return NULL;
	}
	probe->t_fp = fp;
	if (trace_read_header(probe) != 0) {
		trace_copyerr(probe, errbuf, errlen);
		trace_free(probe);
		return NULL;
	}
	t = trace_alloc(name, &probe->t_hdr, false);
	if (t == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", name,
			    strerror(ENOMEM));
		trace_free(probe);
		return NULL;
	}
	t->t_fp = fp;
	t->t_offset = probe->t_offset;
	t->t_lastwhole = probe->t_lastwhole;
	trace_free(probe);
	return t;
}

struct kml_trace *
kml_trace_open_read(const char *path, char *errbuf, size_t errlen)
{
	struct kml_trace *t;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return kml_trace_fdopen_read(stdin, "<stdin>", errbuf, errlen);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(errno));
		return NULL;
	}
	t = kml_trace_fdopen_read(fp, path, errbuf, errlen);
	if (t == NULL) {
		fclose(fp);
		return NULL;
	}
	t->t_ownfp = true;
	return t;
}

struct kml_trace *
kml_trace_fdopen_write(FILE *fp, const char *name,
    const struct kml_trace_header *th0, char *errbuf, size_t errlen)
{
	struct kml_trace_header th = *th0;
	struct kml_trace *t;
	char msg[128];

	th.th_version = KML_TRACE_VERSION;
	if (trace_header_check(&th, msg, sizeof(msg)) != 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", name, msg);
		return NULL;
	}
	t = trace_alloc(name, &th, true);
	if (t == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", name,
			    strerror(ENOMEM));
		return NULL;
	}
	t->t_fp = fp;
	if (trace_write_header(t) != 0) {
		trace_copyerr(t, errbuf, errlen);
		trace_free(t);
		return NULL;
	}
	return t;
}

struct kml_trace *
kml_trace_open_write(const char *path, const struct kml_trace_header *th,
    char *errbuf, size_t errlen)
{
	struct kml_trace *t;
	char *tmp;
	FILE *fp;
	mode_t mask;
	int fd;

	if (strcmp(path, "-") == 0)
		return kml_trace_fdopen_write(stdout, "<stdout>", th, errbuf,
		    errlen);
	/*
	 * A device, a FIFO or a socket is written directly: renaming a
	 * temporary file over /dev/null would replace the device.
	 */
	struct stat sb;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fp = fopen(path, "wb");
		if (fp == NULL) {
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen, "%s: %s", path,
				    strerror(errno));
			return NULL;
		}
		t = kml_trace_fdopen_write(fp, path, th, errbuf, errlen);
		if (t == NULL) {
			fclose(fp);
			return NULL;
		}
		t->t_ownfp = true;
		return t;
	}
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(ENOMEM));
		return NULL;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(errno));
		free(tmp);
		return NULL;
	}
	/* mkstemp makes 0600; give the file the usual 0666 & ~umask. */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	fp = fdopen(fd, "wb");
	if (fp == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s: %s", path,
			    strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	t = kml_trace_fdopen_write(fp, path, th, errbuf, errlen);
	if (t == NULL) {
		fclose(fp);
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	t->t_ownfp = true;
	t->t_tmppath = tmp;
	t->t_path = strdup(path);
	if (t->t_path == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(ENOMEM));
		kml_trace_abort(t);
		return NULL;
	}
	return t;
}

/* ---- writing */

/* trace_end_block: write the block held with tag. => 0 or -1 (error set). */
static int
trace_end_block(struct kml_trace *t, uint8_t tag)
{
	uint8_t hdr[1 + 10 + 4], *p = hdr;
	uLong crc;

	if (t->t_blklen == 0)
		return 0;
	*p++ = tag;
	p = trace_put_varint(p, t->t_blklen);
	crc = crc32(0, hdr, (uInt)(p - hdr));
	crc = crc32(crc, t->t_blk, (uInt)t->t_blklen);
	trace_put_le32(p, (uint32_t)crc);
	p += 4;
	if (trace_fwrite(t, hdr, (size_t)(p - hdr)) != 0 ||
	    trace_fwrite(t, t->t_blk, t->t_blklen) != 0)
		return -1;
	t->t_blklen = 0;
	return 0;
}

/* trace_append: add one record group buf[0..len) to the block. => 0 or -1. */
static inline int
trace_append(struct kml_trace *t, const uint8_t *buf, size_t len)
{
	if (t->t_blklen + len > t->t_hdr.th_blocksize &&
	    trace_end_block(t, KML_TRACE_BLOCKTAG) != 0)
		return -1;
	memcpy(t->t_blk + t->t_blklen, buf, len);
	t->t_blklen += len;
	return 0;
}

/* trace_hash_remove: forget slot's string in the writer's hash. */
static void
trace_hash_remove(struct kml_trace *t, uint32_t slot)
{
	uint32_t h = trace_str_hash(t->t_str[slot], t->t_strlen[slot]) &
	    t->t_hmask;
	uint32_t *pp = &t->t_hhead[h];

	while (*pp != 0) {
		if (*pp == slot + 1) {
			*pp = t->t_hnext[slot];
			t->t_hnext[slot] = 0;
			return;
		}
		pp = &t->t_hnext[*pp - 1];
	}
}

/*
 * trace_intern: the slot + 1 of s (0 for NULL), defining it (a record
 * appended at *pp) when it is not in the table.  Slots in busy[0..nbusy)
 * (slot + 1 values) are used by the same event and are not reused.
 * => returns the id, or 0 with *errp set for a string too long.
 */
static uint32_t
trace_intern(struct kml_trace *t, const char *s, uint8_t **pp,
    const uint32_t *busy, int nbusy, const char **errp)
{
	size_t len;
	uint32_t h, id, slot;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len > KML_TRACE_STRMAX) {
		*errp = "a string is longer than 1023 bytes";
		return 0;
	}
	h = trace_str_hash(s, len) & t->t_hmask;
	for (id = t->t_hhead[h]; id != 0; id = t->t_hnext[id - 1]) {
		if (t->t_strlen[id - 1] == len &&
		    memcmp(t->t_str[id - 1], s, len) == 0)
			return id;
	}
	/* A new string: the next slot not used by this event. */
	for (;;) {
		slot = t->t_nextslot;
		t->t_nextslot = (slot + 1) % t->t_hdr.th_slots;
		bool used = false;

		for (int i = 0; i < nbusy; i++)
			used |= busy[i] == slot + 1;
		if (!used)
			break;
	}
	if (t->t_strdef[slot])
		trace_hash_remove(t, slot);
	char *copy = realloc(t->t_str[slot], len + 1);

	if (copy == NULL) {
		*errp = strerror(ENOMEM);
		return 0;
	}
	memcpy(copy, s, len + 1);
	t->t_str[slot] = copy;
	t->t_strlen[slot] = (uint16_t)len;
	t->t_strdef[slot] = true;
	t->t_hnext[slot] = t->t_hhead[h];
	t->t_hhead[h] = slot + 1;
	uint8_t *p = *pp;

	*p++ = TRACE_REC_STRING;
	p = trace_put_varint(p, slot);
	p = trace_put_varint(p, len);
	memcpy(p, s, len);
	*pp = p + len;
	return slot + 1;
}

/* trace_check_event: ev can be written. => NULL, or what is wrong with it. */
static const char *
trace_check_event(const struct kml_trace_event *ev, char *buf, size_t len)
{
	const char *op = kml_trace_op_name(ev->te_op);

	if (ev->te_op == KML_OP_NONE || op == NULL) {
		snprintf(buf, len, "bad operation %u", ev->te_op);
		return buf;
	}
	if (ev->te_cpu >= KML_TRACE_CPUMAX)
		snprintf(buf, len, "%s: cpu %u not below %u", op, ev->te_cpu,
		    KML_TRACE_CPUMAX);
	else if (ev->te_ctx >= KML_CTX_COUNT)
		snprintf(buf, len, "%s: bad context %u", op, ev->te_ctx);
	else if ((ev->te_flags & ~KML_TEF_MASK) != 0)
		snprintf(buf, len, "%s: unknown flags 0x%x", op, ev->te_flags);
	else if (ev->te_order > 63)
		snprintf(buf, len, "%s: order %u above 63", op, ev->te_order);
	else if (ev->te_oldptr != 0 && ev->te_op != KML_OP_REALLOC)
		snprintf(buf, len, "%s: an old pointer is only for realloc", op);
	else
		return NULL;
	return buf;
}

/* trace_check_writer: t may take records. => 0, or -1 (error set). */
static int
trace_check_writer(struct kml_trace *t)
{
	if (t->t_failed)
		return -1;
	if (!t->t_writing)
		return trace_seterr(t, "not open for writing");
	if (t->t_finished)
		return trace_seterr(t, "the trace is finished");
	return 0;
}

int
kml_trace_write(struct kml_trace *t, const struct kml_trace_event *ev)
{
	struct trace_state *st = &t->t_st;
	struct trace_rec r;
	struct trace_attrs pred;
	const char *err = NULL;
	char ebuf[128];
	uint32_t busy[3] = { 0, 0, 0 };
	uint8_t *p, *start;

	if (trace_check_writer(t) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	if ((err = trace_check_event(ev, ebuf, sizeof(ebuf))) != NULL) {
		snprintf(t->t_err, sizeof(t->t_err), "%s: event %llu: %s",
		    t->t_name, (unsigned long long)t->t_tr.tt_events + 1, err);
		return -1;
	}

	/* Strings first: their definitions precede the event. */
	p = t->t_scratch;
	r.tr_ev = ev;
	r.tr_comm = trace_intern(t, ev->te_comm, &p, busy, 0, &err);
	busy[0] = r.tr_comm;
	if (err == NULL)
		r.tr_site = trace_intern(t, ev->te_site, &p, busy, 1, &err);
	busy[1] = r.tr_site;
	if (err == NULL)
		r.tr_attrs.ta_cache = trace_intern(t, ev->te_cache, &p, busy, 2,
		    &err);
	if (err != NULL) {
		/* Definitions made are kept in the table: emit them. */
		if (p != t->t_scratch)
			(void)trace_append(t, t->t_scratch,
			    (size_t)(p - t->t_scratch));
		snprintf(t->t_err, sizeof(t->t_err), "%s: event %llu: %s",
		    t->t_name, (unsigned long long)t->t_tr.tt_events + 1, err);
		return -1;
	}
	r.tr_attrs.ta_size = ev->te_size;
	r.tr_attrs.ta_alloc = ev->te_alloc;
	r.tr_attrs.ta_align = ev->te_align;
	r.tr_attrs.ta_count = ev->te_count;
	r.tr_attrs.ta_gfp = ev->te_gfp;
	r.tr_attrs.ta_flags = ev->te_flags;
	r.tr_attrs.ta_order = ev->te_order;

	/* The record byte, then the fields that were not predicted. */
	start = p++;
	uint8_t rec = ev->te_op;
	const struct trace_cpustate *cs = &st->ts_cpu[ev->te_cpu];

	if (ev->te_cpu == st->ts_prevcpu && cs->tc_pid == ev->te_pid &&
	    cs->tc_tid == ev->te_tid && cs->tc_comm == r.tr_comm &&
	    cs->tc_ctx == ev->te_ctx)
		rec |= TRACE_REC_WHO;
	else {
		uint8_t mask = 0, *mp;

		p = trace_put_varint(p, ev->te_cpu);
		mp = p++;
		if (cs->tc_pid != ev->te_pid) {
			mask |= TRACE_TASK_PID;
			p = trace_put_svarint(p, ev->te_pid, cs->tc_pid);
		}
		if (ev->te_tid != cs->tc_tid) {
			mask |= TRACE_TASK_TID;
			p = trace_put_svarint(p, ev->te_tid, ev->te_pid);
		}
		if (cs->tc_comm != r.tr_comm) {
			mask |= TRACE_TASK_COMM;
			p = trace_put_varint(p, r.tr_comm);
		}
		if (cs->tc_ctx != ev->te_ctx) {
			mask |= TRACE_TASK_CTX;
			p = trace_put_varint(p, ev->te_ctx);
		}
		*mp = mask;
	}
	p = trace_put_svarint(p, ev->te_ts, st->ts_prevts);
	if (st->ts_succ[cs->tc_site] == r.tr_site)
		rec |= TRACE_REC_SITE;
	else
		p = trace_put_varint(p, r.tr_site);
	trace_attrs_predict(st, ev->te_op, r.tr_site, &pred);
	if (trace_attrs_equal(&pred, &r.tr_attrs))
		rec |= TRACE_REC_ATTR;
	else {
		const struct trace_attrs *a = &r.tr_attrs;
		uint8_t mask = 0, *mp = p++;

		if (a->ta_size != pred.ta_size) {
			mask |= TRACE_ATTR_SIZE;
			p = trace_put_varint(p, a->ta_size);
		}
		if (a->ta_alloc != pred.ta_alloc) {
			mask |= TRACE_ATTR_ALLOC;
			p = trace_put_svarint(p, a->ta_alloc, a->ta_size);
		}
		if (a->ta_gfp != pred.ta_gfp) {
			mask |= TRACE_ATTR_GFP;
			p = trace_put_varint(p, a->ta_gfp);
		}
		if (a->ta_flags != pred.ta_flags) {
			mask |= TRACE_ATTR_FLAGS;
			p = trace_put_varint(p, a->ta_flags);
		}
		if (a->ta_cache != pred.ta_cache) {
			mask |= TRACE_ATTR_CACHE;
			p = trace_put_varint(p, a->ta_cache);
		}
		if (a->ta_order != pred.ta_order) {
			mask |= TRACE_ATTR_ORDER;
			p = trace_put_varint(p, a->ta_order);
		}
		if (a->ta_align != pred.ta_align) {
			mask |= TRACE_ATTR_ALIGN;
			p = trace_put_varint(p, a->ta_align);
		}
		if (a->ta_count != pred.ta_count) {
			mask |= TRACE_ATTR_COUNT;
			p = trace_put_varint(p, a->ta_count);
		}
		*mp = mask;
	}
	*start = rec;

	uint64_t key = trace_ptr_key(ev->te_op, &r.tr_attrs);

	if (kml_trace_op_frees(ev->te_op)) {
		uint64_t fp = ev->te_op == KML_OP_REALLOC ? ev->te_oldptr :
		    ev->te_ptr;
		uint32_t i = trace_pmap_index(fp);
		uint64_t seq = t->t_pmap[i].seq;

		if (fp != 0 && t->t_pmap[i].ptr == fp && seq != UINT64_MAX &&
		    st->ts_nallocs - seq <= TRACE_HIST)
			p = trace_put_varint(p, st->ts_nallocs - seq);
		else {
			*p++ = 0;
			p = trace_put_svarint(p, fp, trace_base_get(st, key));
			/* A pointer freed again later is then found. */
			if (fp != 0) {
				t->t_pmap[i].ptr = fp;
				t->t_pmap[i].seq = trace_hist_push(st, fp);
			}
		}
	}
	if (kml_trace_op_allocates(ev->te_op))
		p = trace_put_svarint(p, ev->te_ptr, trace_base_get(st, key));

	if (trace_append(t, t->t_scratch, (size_t)(p - t->t_scratch)) != 0)
		return -1;
	uint64_t seq = trace_state_update(st, &r);

	if (seq != UINT64_MAX) {
		uint32_t i = trace_pmap_index(ev->te_ptr);

		t->t_pmap[i].ptr = ev->te_ptr;
		t->t_pmap[i].seq = seq;
	}
	t->t_tr.tt_events++;
	t->t_tr.tt_ops[ev->te_op]++;
	if (ev->te_cpu + 1 > t->t_tr.tt_ncpu)
		t->t_tr.tt_ncpu = ev->te_cpu + 1;
	return 0;
}

int
kml_trace_write_drop(struct kml_trace *t, uint32_t cpu, uint64_t count)
{
	uint8_t buf[1 + 10 + 10], *p = buf;

	if (trace_check_writer(t) != 0)
		return -1;
	if (cpu >= KML_TRACE_CPUMAX || count == 0) {
		snprintf(t->t_err, sizeof(t->t_err), "%s: drop: %s", t->t_name,
		    count == 0 ? "count 0" : "cpu out of range");
		return -1;
	}
	*p++ = TRACE_REC_DROP;
	p = trace_put_varint(p, cpu);
	p = trace_put_varint(p, count);
	if (trace_append(t, buf, (size_t)(p - buf)) != 0)
		return -1;
	t->t_tr.tt_drops[cpu] += count;
	if (cpu + 1 > t->t_tr.tt_ncpu)
		t->t_tr.tt_ncpu = cpu + 1;
	return 0;
}

int
kml_trace_flush(struct kml_trace *t)
{
	if (trace_check_writer(t) != 0)
		return -1;
	if (trace_end_block(t, TRACE_BLOCKTAG_FLUSH) != 0)
		return -1;
	if (fflush(t->t_fp) != 0)
		return trace_seterr(t, "%s", strerror(errno));
	return 0;
}

/* trace_write_trailer: append the trailer and end the last block. => 0 or -1. */
static int
trace_write_trailer(struct kml_trace *t)
{
	const struct kml_trace_trailer *tr = &t->t_tr;
	uint8_t *p = t->t_scratch;

	*p++ = TRACE_REC_TRAILER;
	p = trace_put_varint(p, tr->tt_events);
	p = trace_put_varint(p, KML_OP_COUNT - 1);
	for (unsigned op = 1; op < KML_OP_COUNT; op++)
		p = trace_put_varint(p, tr->tt_ops[op]);
	p = trace_put_varint(p, tr->tt_ncpu);
	for (uint32_t c = 0; c < tr->tt_ncpu; c++)
		p = trace_put_varint(p, tr->tt_drops[c]);
	size_t len = (size_t)(p - t->t_scratch);

	/*
	 * A trailer too big for the block size (thousands of CPUs) goes
	 * alone in a last block, which may hold up to TRACE_BLOCKFLOOR.
	 */
	if (t->t_blklen + len > t->t_hdr.th_blocksize &&
	    trace_end_block(t, KML_TRACE_BLOCKTAG) != 0)
		return -1;
	memcpy(t->t_blk + t->t_blklen, t->t_scratch, len);
	t->t_blklen += len;
	return trace_end_block(t, KML_TRACE_BLOCKTAG);
}

int
kml_trace_finish(struct kml_trace *t)
{
	if (t->t_failed)
		return -1;
	if (!t->t_writing)
		return trace_seterr(t, "not open for writing");
	if (t->t_finished)
		return 0;
	errno = 0;
	if (trace_write_trailer(t) != 0)
		return -1;
	if (fflush(t->t_fp) != 0 || ferror(t->t_fp))
		return trace_seterr(t, "%s", strerror(errno != 0 ? errno : EIO));
	t->t_finished = true;
	return 0;
}

int
kml_trace_close(struct kml_trace *t, char *errbuf, size_t errlen)
{
	int rv = 0;

	if (!t->t_writing) {
		if (t->t_ownfp)
			fclose(t->t_fp);
		trace_free(t);
		return 0;
	}
	if (kml_trace_finish(t) != 0)
		rv = -1;
	if (t->t_ownfp) {
		if (fclose(t->t_fp) != 0 && rv == 0) {
			trace_seterr(t, "%s", strerror(errno));
			rv = -1;
		}
		t->t_fp = NULL;
	}
	if (t->t_tmppath != NULL) {
		if (rv == 0 && rename(t->t_tmppath, t->t_path) != 0) {
			trace_seterr(t, "%s", strerror(errno));
			rv = -1;
		}
		if (rv != 0)
			unlink(t->t_tmppath);
	}
	if (rv != 0)
		trace_copyerr(t, errbuf, errlen);
	trace_free(t);
	return rv;
}

void
kml_trace_abort(struct kml_trace *t)
{
	if (t->t_ownfp && t->t_fp != NULL)
		fclose(t->t_fp);
	else if (t->t_fp != NULL && t->t_writing)
		fflush(t->t_fp);
	if (t->t_tmppath != NULL)
		unlink(t->t_tmppath);
	trace_free(t);
}

/* ---- reading */

const struct kml_trace_header *
kml_trace_header(const struct kml_trace *t)
{
	return &t->t_hdr;
}

const struct kml_trace_trailer *
kml_trace_trailer(const struct kml_trace *t)
{
	return &t->t_tr;
}

const char *
kml_trace_errmsg(const struct kml_trace *t)
{
	return t->t_err;
}

bool
kml_trace_truncated(const struct kml_trace *t)
{
	return t->t_truncated;
}

uint64_t
kml_trace_offset(const struct kml_trace *t)
{
	return t->t_offset;
}

/* trace_truncated: the file ended before the trailer. => -1. */
static int
trace_truncated(struct kml_trace *t)
{
	t->t_truncated = true;
	return trace_seterr(t, "truncated at byte %llu: the trailer is "
	    "missing, %llu bytes after the last whole record lost",
	    (unsigned long long)t->t_offset,
	    (unsigned long long)(t->t_offset - t->t_lastwhole));
}

/*
 * trace_read_block: read the next block into t_blk.
 * => returns 1 with a block; 0 at a clean end of file (the caller decides
 *    whether that is allowed); -1 on an error (set).
 */
static int
trace_read_block(struct kml_trace *t)
{
	uint8_t hdr[1 + 10 + 4];
	size_t n, hl = 0;
	uint64_t len = 0, blkoff = t->t_offset;
	unsigned shift = 0;

	n = trace_read_bytes(t, hdr, 1);
	if (n == (size_t)-1)
		return -1;
	if (n == 0)
		return 0;
	hl = 1;
	if (hdr[0] != KML_TRACE_BLOCKTAG && hdr[0] != TRACE_BLOCKTAG_FLUSH)
		return trace_seterr(t, "byte %llu: bad block tag 0x%02x",
		    (unsigned long long)blkoff, hdr[0]);
	for (;;) {
		n = trace_read_bytes(t, hdr + hl, 1);
		if (n == (size_t)-1)
			return -1;
		if (n == 0)
			return trace_truncated(t);
		uint8_t b = hdr[hl++];

		len |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if ((b & 0x80) == 0)
			break;
		if (hl > 4)
			return trace_seterr(t, "byte %llu: bad block length",
			    (unsigned long long)blkoff);
	}
	if (len == 0 || len > trace_blockmax(&t->t_hdr))
		return trace_seterr(t, "byte %llu: block length %llu not in "
		    "1..%zu", (unsigned long long)blkoff,
		    (unsigned long long)len, trace_blockmax(&t->t_hdr));
	n = trace_read_bytes(t, hdr + hl, 4);
	if (n == (size_t)-1)
		return -1;
	if (n < 4)
		return trace_truncated(t);
	n = trace_read_bytes(t, t->t_blk, (size_t)len);
	if (n == (size_t)-1)
		return -1;
	t->t_blkoff = t->t_offset - n;
	t->t_blklen = n;
	t->t_blkpos = 0;
	t->t_blktag = hdr[0];
	t->t_blkpartial = n < len;
	if (!t->t_blkpartial) {
		uLong crc = crc32(0, hdr, (uInt)hl);

		crc = crc32(crc, t->t_blk, (uInt)n);
		if ((uint32_t)crc != trace_get_le32(hdr + hl))
			return trace_seterr(t, "byte %llu: block checksum "
			    "mismatch", (unsigned long long)blkoff);
	}
	return 1;
}

/*
 * trace_decode_fail: a record could not be decoded: with code 1 (data
 * ran out) in a partial block that is truncation; otherwise corruption.
 * => -1.
 */
static int
trace_decode_fail(struct kml_trace *t, int code, size_t recpos,
    const char *what)
{
	if (code == 1 && t->t_blkpartial)
		return trace_truncated(t);
	return trace_seterr(t, "byte %llu: %s", (unsigned long long)
	    (t->t_blkoff + recpos), code == 1 ?
	    "record runs past the end of its block" : what);
}

/* Decode helpers: read a varint or fail the record. */
#define TRACE_GET(var, what) do {					\
	int _rc = trace_get_varint(&p, end, &(var));			\
	if (_rc != 0)							\
		return trace_decode_fail(t, _rc, recpos, what);		\
} while (0)

/* trace_check_id: id (slot + 1) refers to a defined slot. */
static inline bool
trace_check_id(const struct kml_trace *t, uint64_t id)
{
	return id == 0 || (id <= t->t_hdr.th_slots && t->t_strdef[id - 1]);
}

/* trace_read_trailer: decode and check the trailer at p. => 0 (end) or -1. */
static int
trace_read_trailer(struct kml_trace *t, const uint8_t *p, const uint8_t *end,
    size_t recpos)
{
	struct kml_trace_trailer *tr = &t->t_tr;
	uint64_t events, nops, v, ncpu;

	TRACE_GET(events, "bad trailer");
	TRACE_GET(nops, "bad trailer");
	if (nops != KML_OP_COUNT - 1)
		return trace_decode_fail(t, 2, recpos, "trailer: wrong number "
		    "of operations");
	for (unsigned op = 1; op < KML_OP_COUNT; op++) {
		TRACE_GET(v, "bad trailer");
		if (v != tr->tt_ops[op]) {
			char msg[160];

			snprintf(msg, sizeof(msg), "trailer says %llu %s events,"
			    " the trace has %llu", (unsigned long long)v,
			    kml_trace_op_name(op),
			    (unsigned long long)tr->tt_ops[op]);
			return trace_decode_fail(t, 2, recpos, msg);
		}
	}
	if (events != tr->tt_events) {
		char msg[160];

		snprintf(msg, sizeof(msg), "trailer says %llu events, the "
		    "trace has %llu", (unsigned long long)events,
		    (unsigned long long)tr->tt_events);
		return trace_decode_fail(t, 2, recpos, msg);
	}
	TRACE_GET(ncpu, "bad trailer");
	if (ncpu != tr->tt_ncpu)
		return trace_decode_fail(t, 2, recpos, "trailer: wrong CPU "
		    "count");
	for (uint32_t c = 0; c < ncpu; c++) {
		TRACE_GET(v, "bad trailer");
		if (v != t->t_drops_read[c])
			return trace_decode_fail(t, 2, recpos, "trailer: drop "
			    "counts disagree with the drop records");
	}
	if (p != end)
		return trace_seterr(t, "byte %llu: data after the trailer",
		    (unsigned long long)(t->t_blkoff + (size_t)(p - t->t_blk)));
	if (t->t_blkpartial)
		return trace_truncated(t);
	/* Nothing may follow the last block. */
	uint8_t extra;
	size_t n = trace_read_bytes(t, &extra, 1);

	if (n == (size_t)-1)
		return -1;
	if (n != 0)
		return trace_seterr(t, "byte %llu: data after the trailer",
		    (unsigned long long)(t->t_offset - 1));
	t->t_lastwhole = t->t_offset;
	t->t_done = true;
	return 0;
}

/*
 * trace_read_event: decode the event whose record byte rec is at recpos
 * (p just after it) into it's event.
 * => returns 1, or -1 (error set).
 */
static int
trace_read_event(struct kml_trace *t, uint8_t rec, const uint8_t *p,
    const uint8_t *end, size_t recpos, struct kml_trace_event *ev)
{
	struct trace_state *st = &t->t_st;
	unsigned op = rec & TRACE_REC_OPMASK;
	struct trace_rec r;
	uint64_t v;

	if (op >= KML_OP_COUNT)
		return trace_decode_fail(t, 2, recpos, "unknown operation");
	memset(ev, 0, sizeof(*ev));
	ev->te_op = (uint8_t)op;
	r.tr_ev = ev;
	if (rec & TRACE_REC_WHO) {
		const struct trace_cpustate *cs = &st->ts_cpu[st->ts_prevcpu];

		ev->te_cpu = st->ts_prevcpu;
		ev->te_pid = cs->tc_pid;
		ev->te_tid = cs->tc_tid;
		r.tr_comm = cs->tc_comm;
		ev->te_ctx = cs->tc_ctx;
	} else {
		TRACE_GET(v, "bad cpu");
		if (v >= KML_TRACE_CPUMAX)
			return trace_decode_fail(t, 2, recpos, "cpu out of "
			    "range");
		if (p >= end)
			return trace_decode_fail(t, 1, recpos, NULL);
		uint8_t mask = *p++;
		const struct trace_cpustate *cs = &st->ts_cpu[v];

		if (mask & 0xf0)
			return trace_decode_fail(t, 2, recpos, "reserved task "
			    "bits set");
		ev->te_cpu = (uint32_t)v;
		ev->te_pid = cs->tc_pid;
		ev->te_tid = cs->tc_tid;
		r.tr_comm = cs->tc_comm;
		ev->te_ctx = cs->tc_ctx;
		if (mask & TRACE_TASK_PID) {
			TRACE_GET(v, "bad pid");
			ev->te_pid = (uint32_t)trace_unzigzag(v, cs->tc_pid);
		}
		if (mask & TRACE_TASK_TID) {
			TRACE_GET(v, "bad tid");
			ev->te_tid = (uint32_t)trace_unzigzag(v, ev->te_pid);
		}
		if (mask & TRACE_TASK_COMM) {
			TRACE_GET(v, "bad comm");
			if (!trace_check_id(t, v))
				return trace_decode_fail(t, 2, recpos,
				    "undefined string slot");
			r.tr_comm = (uint32_t)v;
		}
		if (mask & TRACE_TASK_CTX) {
			TRACE_GET(v, "bad context");
			if (v >= KML_CTX_COUNT)
				return trace_decode_fail(t, 2, recpos,
				    "bad context");
			ev->te_ctx = (uint8_t)v;
		}
	}
	TRACE_GET(v, "bad timestamp");
	ev->te_ts = trace_unzigzag(v, st->ts_prevts);
	if (rec & TRACE_REC_SITE)
		r.tr_site = st->ts_succ[st->ts_cpu[ev->te_cpu].tc_site];
	else {
		TRACE_GET(v, "bad site");
		if (!trace_check_id(t, v))
			return trace_decode_fail(t, 2, recpos,
			    "undefined string slot");
		r.tr_site = (uint32_t)v;
	}
	trace_attrs_predict(st, op, r.tr_site, &r.tr_attrs);
	if (!(rec & TRACE_REC_ATTR)) {
		struct trace_attrs *a = &r.tr_attrs;

		if (p >= end)
			return trace_decode_fail(t, 1, recpos, NULL);
		uint8_t mask = *p++;

		if (mask & TRACE_ATTR_SIZE)
			TRACE_GET(a->ta_size, "bad size");
		if (mask & TRACE_ATTR_ALLOC) {
			TRACE_GET(v, "bad allocated size");
			a->ta_alloc = trace_unzigzag(v, a->ta_size);
		}
		if (mask & TRACE_ATTR_GFP) {
			TRACE_GET(v, "bad gfp");
			if (v > UINT32_MAX)
				return trace_decode_fail(t, 2, recpos, "bad gfp");
			a->ta_gfp = (uint32_t)v;
		}
		if (mask & TRACE_ATTR_FLAGS) {
			TRACE_GET(v, "bad flags");
			if (v & ~(uint64_t)KML_TEF_MASK)
				return trace_decode_fail(t, 2, recpos,
				    "unknown event flags");
			a->ta_flags = (uint8_t)v;
		}
		if (mask & TRACE_ATTR_CACHE) {
			TRACE_GET(v, "bad cache");
			if (!trace_check_id(t, v))
				return trace_decode_fail(t, 2, recpos,
				    "undefined string slot");
			a->ta_cache = (uint32_t)v;
		}
		if (mask & TRACE_ATTR_ORDER) {
			TRACE_GET(v, "bad order");
			if (v > 63)
				return trace_decode_fail(t, 2, recpos,
				    "order above 63");
			a->ta_order = (uint8_t)v;
		}
		if (mask & TRACE_ATTR_ALIGN)
			TRACE_GET(a->ta_align, "bad alignment");
		if (mask & TRACE_ATTR_COUNT)
			TRACE_GET(a->ta_count, "bad count");
	}
	uint64_t key = trace_ptr_key(op, &r.tr_attrs);

	if (kml_trace_op_frees(op)) {
		uint64_t dist, fp;

		TRACE_GET(dist, "bad pointer");
		if (dist == 0) {
			TRACE_GET(v, "bad pointer");
			fp = trace_unzigzag(v, trace_base_get(st, key));
			if (fp != 0)
				trace_hist_push(st, fp);
		} else {
			if (dist > st->ts_nallocs || dist > TRACE_HIST)
				return trace_decode_fail(t, 2, recpos,
				    "pointer reference out of range");
			fp = st->ts_hist[(st->ts_nallocs - dist) &
			    (TRACE_HIST - 1)];
		}
		if (op == KML_OP_REALLOC)
			ev->te_oldptr = fp;
		else
			ev->te_ptr = fp;
	}
	if (kml_trace_op_allocates(op)) {
		TRACE_GET(v, "bad pointer");
		ev->te_ptr = trace_unzigzag(v, trace_base_get(st, key));
	}
	ev->te_size = r.tr_attrs.ta_size;
	ev->te_alloc = r.tr_attrs.ta_alloc;
	ev->te_align = r.tr_attrs.ta_align;
	ev->te_count = r.tr_attrs.ta_count;
	ev->te_gfp = r.tr_attrs.ta_gfp;
	ev->te_flags = r.tr_attrs.ta_flags;
	ev->te_order = r.tr_attrs.ta_order;
	ev->te_comm = r.tr_comm ? t->t_str[r.tr_comm - 1] : NULL;
	ev->te_site = r.tr_site ? t->t_str[r.tr_site - 1] : NULL;
	ev->te_cache = r.tr_attrs.ta_cache ?
	    t->t_str[r.tr_attrs.ta_cache - 1] : NULL;
	ev->te_sitekey = r.tr_site ? t->t_strkey[r.tr_site - 1] : 0;
	ev->te_cachekey = r.tr_attrs.ta_cache ?
	    t->t_strkey[r.tr_attrs.ta_cache - 1] : 0;

	trace_state_update(st, &r);
	t->t_blkpos = (size_t)(p - t->t_blk);
	t->t_lastwhole = t->t_blkoff + t->t_blkpos;
	t->t_tr.tt_events++;
	t->t_tr.tt_ops[op]++;
	if (ev->te_cpu + 1 > t->t_tr.tt_ncpu)
		t->t_tr.tt_ncpu = ev->te_cpu + 1;
	return 1;
}

/*
 * trace_next: kml_trace_next_item, an event being decoded into *ev (which
 * kml_trace_next points at its caller's event, saving a copy).
 */
static inline __attribute__((always_inline)) int
trace_next(struct kml_trace *t, struct kml_trace_item *it,
    struct kml_trace_event *ev)
{
	if (t->t_failed)
		return -1;
	if (t->t_writing)
		return trace_seterr(t, "not open for reading");
	if (t->t_done)
		return 0;
	for (;;) {
		if (t->t_blkpos >= t->t_blklen) {
			if (t->t_flushpending) {
				t->t_flushpending = false;
				it->ti_kind = KML_TI_FLUSH;
				return 1;
			}
			int rc = trace_read_block(t);

			if (rc < 0)
				return -1;
			if (rc == 0)
				return trace_truncated(t);
			t->t_flushpending = t->t_blktag == TRACE_BLOCKTAG_FLUSH &&
			    !t->t_blkpartial;
			continue;
		}
		const uint8_t *p = t->t_blk + t->t_blkpos;
		const uint8_t *end = t->t_blk + t->t_blklen;
		size_t recpos = t->t_blkpos;
		uint8_t rec = *p++;
		uint64_t a, b;

		if ((rec & TRACE_REC_OPMASK) != 0) {
			it->ti_kind = KML_TI_EVENT;
			return trace_read_event(t, rec, p, end, recpos, ev);
		}
		switch (rec) {
		case TRACE_REC_STRING:
			TRACE_GET(a, "bad string definition");
			TRACE_GET(b, "bad string definition");
			if (a >= t->t_hdr.th_slots)
				return trace_decode_fail(t, 2, recpos,
				    "string slot out of range");
			if (b > KML_TRACE_STRMAX)
				return trace_decode_fail(t, 2, recpos,
				    "string longer than 1023 bytes");
			if ((uint64_t)(end - p) < b)
				return trace_decode_fail(t, 1, recpos, NULL);
			if (memchr(p, '\0', (size_t)b) != NULL)
				return trace_decode_fail(t, 2, recpos,
				    "string holds a NUL byte");
			char *s = realloc(t->t_str[a], (size_t)b + 1);

			if (s == NULL)
				return trace_seterr(t, "%s", strerror(ENOMEM));
			memcpy(s, p, (size_t)b);
			s[b] = '\0';
			t->t_str[a] = s;
			t->t_strlen[a] = (uint16_t)b;
			t->t_strdef[a] = true;
			t->t_strkey[a] = ++t->t_ndefs;
			p += b;
			t->t_blkpos = (size_t)(p - t->t_blk);
			t->t_lastwhole = t->t_blkoff + t->t_blkpos;
			continue;
		case TRACE_REC_DROP:
			TRACE_GET(a, "bad drop record");
			TRACE_GET(b, "bad drop record");
			if (a >= KML_TRACE_CPUMAX || b == 0)
				return trace_decode_fail(t, 2, recpos,
				    "bad drop record");
			t->t_blkpos = (size_t)(p - t->t_blk);
			t->t_lastwhole = t->t_blkoff + t->t_blkpos;
			t->t_drops_read[a] += b;
			t->t_tr.tt_drops[a] += b;
			if (a + 1 > t->t_tr.tt_ncpu)
				t->t_tr.tt_ncpu = (uint32_t)a + 1;
			it->ti_kind = KML_TI_DROP;
			it->ti_drop_cpu = (uint32_t)a;
			it->ti_drop_count = b;
			return 1;
		case TRACE_REC_TRAILER:
			return trace_read_trailer(t, p, end, recpos);
		default:
			return trace_decode_fail(t, 2, recpos,
			    "unknown record type");
		}
	}
}

int
kml_trace_next_item(struct kml_trace *t, struct kml_trace_item *it)
{
	return trace_next(t, it, &it->ti_event);
}

int
kml_trace_next(struct kml_trace *t, struct kml_trace_event *ev)
{
	struct kml_trace_item it;
	int rc;

	for (;;) {
		rc = trace_next(t, &it, ev);
		if (rc <= 0 || it.ti_kind == KML_TI_EVENT)
			return rc;
	}
}
