/*
 * kmemlab/trace.h: the kmemlab trace format, and the streaming API that
 * reads and writes it.
 *
 * A trace is a sequence of allocation events (kmalloc, kmem_cache_free,
 * page allocations, user malloc calls, generated vmem and pool
 * operations) with who did them, where, when and with what result.  The
 * recorder, the importers and the generators write traces; replay, info
 * and the dashboards read them.  man/kmemlab-trace.5 documents the bytes;
 * this comment is the design.
 *
 * 1. Layout.  A file is a header, then blocks, and ends with the block
 *    holding the trailer record:
 *
 *	header   magic "\x89KMLTRC\n", version, flags, numbers, strings,
 *	         CRC-32 of all of it
 *	block    tag 0xb1, payload length (varint), CRC-32 of tag, length
 *	         and payload, payload = whole records
 *	...
 *	block    ... whose last record is the trailer; then end of file
 *
 *    Records never straddle blocks; a block holds at most the header's
 *    block size bytes of payload.  A block is the unit of checking (every
 *    byte of the file is covered by a CRC), of buffering (a reader or
 *    writer holds one block) and of streaming (a writer may end a block
 *    early, kml_trace_flush, so that a live reader sees recent events).
 *
 * 2. Records.  The first byte of a record holds the operation in its low
 *    five bits and three "as predicted" bits; operation 0 marks a control
 *    record (a string definition, a drop count or the trailer).  Strings
 *    (command names, call sites as symbol+offset, cache names) live in a
 *    table of numbered slots that a definition record fills before the
 *    first event that uses it, so that a file is written and read in one
 *    pass; when every slot is taken the writer reuses them in turn, so a
 *    reader needs at most slots x 1 KiB for strings, whatever the file.
 *
 * 3. Compactness.  A typical kernel event is encoded in a handful of
 *    bytes (the target is at most 8 on average; see the closing figures in
 *    docs/) by predicting most fields from a state that writer and reader
 *    keep identically:
 *     - who: the CPU of the previous event, and per CPU the last pid,
 *       tid, command and context: one bit when all repeat;
 *     - where: per CPU the last call site, and per call site the site that
 *       followed it last time: one bit when the guess is right;
 *     - what: per (call site, operation) the last sizes, gfp, flags,
 *       cache, order, alignment and count: one bit when all repeat;
 *     - when: the time as a signed difference from the previous event;
 *     - which: an allocated pointer as a signed difference from the last
 *       pointer allocated under the same key (cache, size or order); a
 *       freed pointer as the distance back to its allocation in a
 *       history of the last 65536 pointers, which is one or two bytes
 *       for most objects, also when the pointers were hashed by ftrace
 *       (a freed pointer that is not there, allocated before the
 *       recording began, is written in full and enters the history, so
 *       that its next free is short too).
 *    Every table has a fixed size, so memory is bounded whatever the
 *    file size; integers are LEB128 varints, signed ones zigzag-coded.
 *
 * 4. Robustness.  The reader checks the magic, version, header CRC, every
 *    block's tag, length and CRC, every record's encoding, the string
 *    references, the trailer's counts against what it read, and that
 *    nothing follows the trailer.  Errors name the byte offset.  A file
 *    that ends early (a recording killed, a copy cut short) is read up to
 *    its last whole record, and the error then says how many bytes were
 *    lost: the reader returns the events first and the error after them.
 *
 * 5. Text form.  lib/trace_text.c turns a trace into lines (a header of
 *    "%key value" lines, one line per event, "drop" and "flush" lines, an
 *    "%end" line with the trailer) and back.  The writer is deterministic
 *    (its encoding depends only on the header and the sequence of events,
 *    drops and flushes), so binary -> text -> binary gives the same bytes.
 *
 * Thread safety: a struct kml_trace is used by one thread at a time.
 */
#ifndef KMEMLAB_TRACE_H
#define KMEMLAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kmemlab/env.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- format constants */

#define KML_TRACE_MAGIC		"\x89KMLTRC\n"	/* 8 bytes, no NUL */
#define KML_TRACE_MAGICLEN	8
#define KML_TRACE_VERSION	1		/* the version this library writes and reads */
#define KML_TRACE_BLOCKTAG	0xb1		/* first byte of every block */
#define KML_TRACE_STRMAX	1023		/* longest string, bytes */
#define KML_TRACE_SLOTS		16384		/* default string slots */
#define KML_TRACE_SLOTSMAX	65536		/* most string slots a header may ask */
#define KML_TRACE_BLOCKSIZE	65536		/* default block payload limit, bytes */
#define KML_TRACE_BLOCKMIN	4096		/* smallest block payload limit allowed */
#define KML_TRACE_BLOCKMAX	(1u << 20)	/* largest block payload limit allowed */
#define KML_TRACE_CPUMAX	4096		/* CPU numbers are below this */
#define KML_TRACE_HDRSTRMAX	1023		/* longest header string, bytes */

/* ---- operations (te_op); the numbers are part of the format */

enum kml_trace_op {
	KML_OP_NONE = 0,		/* not an event: a control record */
	/* Linux kernel, slab and page allocator */
	KML_OP_KMALLOC = 1,		/* kmalloc, kmalloc_node: te_size, te_alloc */
	KML_OP_KFREE = 2,		/* kfree */
	KML_OP_CACHE_ALLOC = 3,		/* kmem_cache_alloc[_node]: te_cache */
	KML_OP_CACHE_FREE = 4,		/* kmem_cache_free: te_cache when known */
	KML_OP_PAGE_ALLOC = 5,		/* mm_page_alloc: te_ptr = pfn, te_order */
	KML_OP_PAGE_FREE = 6,		/* mm_page_free[_batched]: te_ptr = pfn */
	/* user space, the C library */
	KML_OP_MALLOC = 7,		/* malloc(te_size) */
	KML_OP_CALLOC = 8,		/* calloc(te_count, te_size / te_count) */
	KML_OP_REALLOC = 9,		/* realloc(te_oldptr, te_size) -> te_ptr */
	KML_OP_FREE = 10,		/* free(te_ptr) */
	KML_OP_MEMALIGN = 11,		/* memalign(te_align, te_size) */
	KML_OP_POSIX_MEMALIGN = 12,	/* posix_memalign(&te_ptr, te_align, te_size) */
	KML_OP_ALIGNED_ALLOC = 13,	/* aligned_alloc(te_align, te_size) */
	KML_OP_VALLOC = 14,		/* valloc(te_size), pvalloc */
	/* kmemlab's own allocators, for generated workloads */
	KML_OP_VMEM_ALLOC = 15,		/* vmem_xalloc(te_cache arena, te_size, te_align) */
	KML_OP_VMEM_FREE = 16,		/* vmem_xfree(te_cache arena, te_ptr, te_size) */
	KML_OP_POOL_GET = 17,		/* pool_cache_get(te_cache, objsize te_size) */
	KML_OP_POOL_PUT = 18,		/* pool_cache_put(te_cache, te_ptr) */
	KML_OP_COUNT = 19		/* number of operation codes, NONE included */
};

/* kml_trace_op_name: "kmalloc", "kmem_cache_free", ...; NULL if op is not an operation. */
const char *kml_trace_op_name(unsigned op);
/* kml_trace_op_lookup: the operation named name (as kml_trace_op_name), or KML_OP_NONE. */
unsigned kml_trace_op_lookup(const char *name, size_t len);
/* kml_trace_op_allocates: op returns new memory (realloc included). */
bool kml_trace_op_allocates(unsigned op);
/* kml_trace_op_frees: op gives memory back (realloc included: te_oldptr). */
bool kml_trace_op_frees(unsigned op);

/* ---- contexts (te_ctx) */

/*
 * The contexts are the environment's (kmemlab/env.h: KML_CTX_THREAD 0,
 * KML_CTX_SOFTIRQ 1, KML_CTX_HARDIRQ 2), plus NMI, which only traces know.
 */
#define KML_CTX_NMI	3	/* non-maskable interrupt */
#define KML_CTX_COUNT	4	/* number of contexts in traces */

/* kml_trace_ctx_name: "thread", "softirq", "hardirq", "nmi"; NULL otherwise. */
const char *kml_trace_ctx_name(unsigned ctx);

/* ---- event flags (te_flags) */

#define KML_TEF_SLEEP	0x01u	/* the caller may sleep (GFP direct reclaim, VM_SLEEP, PR_WAITOK) */
#define KML_TEF_ZERO	0x02u	/* zeroed memory asked (__GFP_ZERO, calloc, PR_ZERO) */
#define KML_TEF_ACCOUNT	0x04u	/* charged to a memory cgroup (accounted=true) */
#define KML_TEF_MASK	0x07u	/* every flag defined */

/* ---- an event */

/*
 * One event.  Fields an operation does not use are 0 (strings NULL).
 * Sizes are bytes.  For page events te_ptr is the page frame number and
 * te_size/te_alloc are 0 (the size is pagesize << te_order).  A failed
 * allocation has te_ptr 0.  Strings returned by the reader stay valid
 * until the next call of kml_trace_next on the same trace.
 *
 * te_sitekey and te_cachekey let a reader's user cache what it derives
 * from a string without hashing it: the binary reader numbers each string
 * definition it reads from 1, and gives each event the numbers of its
 * strings' definitions, so two events of one trace with the same nonzero
 * key have the same text.  0 means no key (no string, or a source that
 * does not number them, such as the text reader and the writer's input);
 * the string itself is always authoritative.
 */
struct kml_trace_event {
	uint64_t te_ts;		/* time, in the header's clock units */
	uint64_t te_ptr;	/* pointer allocated or freed (pfn for pages) */
	uint64_t te_oldptr;	/* realloc: the pointer passed in */
	uint64_t te_size;	/* bytes requested (calloc: the product) */
	uint64_t te_alloc;	/* bytes actually allocated, 0 if unknown */
	uint64_t te_align;	/* alignment asked (memalign family, vmem), 0 none */
	uint64_t te_count;	/* calloc: the number of elements */
	uint32_t te_cpu;	/* CPU number, < KML_TRACE_CPUMAX */
	uint32_t te_pid;	/* process (thread group) id */
	uint32_t te_tid;	/* thread id */
	uint32_t te_gfp;	/* Linux gfp mask as recorded, 0 if none */
	uint8_t te_op;		/* enum kml_trace_op, not NONE */
	uint8_t te_ctx;		/* enum kml_trace_ctx */
	uint8_t te_flags;	/* KML_TEF_* */
	uint8_t te_order;	/* page order (page events), 0..63 */
	const char *te_comm;	/* command name, NULL if unknown */
	const char *te_site;	/* call site "symbol+0xoff", NULL if unknown */
	const char *te_cache;	/* cache, pool or arena name, NULL if none */
	uint64_t te_sitekey;	/* identity of te_site's text, 0: none (see above) */
	uint64_t te_cachekey;	/* identity of te_cache's text, 0: none */
};

/* ---- the header */

enum kml_trace_source {
	KML_TSRC_UNKNOWN = 0,
	KML_TSRC_RECORD = 1,	/* kmemlab record (eBPF) */
	KML_TSRC_IMPORT = 2,	/* kmemlab import (ftrace, perf script) */
	KML_TSRC_GEN = 3,	/* kmemlab gen */
	KML_TSRC_TEXT = 4,	/* written by hand or a program, loaded from text */
	KML_TSRC_COUNT = 5
};

/* kml_trace_source_name: "unknown", "record", "import", "gen", "text"; NULL otherwise. */
const char *kml_trace_source_name(unsigned src);

#define KML_THF_HASHEDPTR	0x01u	/* pointers are hashed (ftrace %p), not addresses */
#define KML_THF_MASK		0x01u

/*
 * The header.  Strings are NUL-terminated, at most KML_TRACE_HDRSTRMAX
 * bytes, empty when unknown.  kml_trace_header_init fills the defaults.
 */
struct kml_trace_header {
	uint16_t th_version;	/* format version (read: as in the file; write: ignored, KML_TRACE_VERSION) */
	uint16_t th_flags;	/* KML_THF_* */
	uint8_t th_source;	/* enum kml_trace_source */
	uint32_t th_ncpu;	/* CPUs of the traced machine, 0 if unknown */
	uint32_t th_pagesize;	/* page size, bytes (default 4096) */
	uint64_t th_clock_ns;	/* nanoseconds per clock unit of te_ts (1: ns, 1000: us) */
	uint64_t th_start_ns;	/* wall-clock time of the start, ns since 1970, 0 if unknown */
	uint32_t th_slots;	/* string slots (default KML_TRACE_SLOTS) */
	uint32_t th_blocksize;	/* largest block payload, bytes (default KML_TRACE_BLOCKSIZE) */
	char th_detail[KML_TRACE_HDRSTRMAX + 1];	/* how: "ftrace FILE", "gen random --cpus 4 ..." */
	char th_host[KML_TRACE_HDRSTRMAX + 1];		/* traced machine's host name */
	char th_kernel[KML_TRACE_HDRSTRMAX + 1];	/* traced machine's kernel release */
};

/* kml_trace_header_init: a header with every default and source src. */
void kml_trace_header_init(struct kml_trace_header *th, unsigned src);

/* ---- the trailer */

/*
 * What the trailer says, plus what the reader counted: th_events and
 * the per-operation counts must match the events read, or the file is
 * reported corrupt.
 */
struct kml_trace_trailer {
	uint64_t tt_events;			/* events in the file */
	uint64_t tt_ops[KML_OP_COUNT];		/* events per operation */
	uint32_t tt_ncpu;			/* entries of tt_drops: 1 + highest CPU with an event or a drop */
	uint64_t tt_drops[KML_TRACE_CPUMAX];	/* events lost before reaching the trace, per CPU */
};

/* ---- opening and closing */

struct kml_trace;

/*
 * kml_trace_open_read: open path ("-": standard input) for reading and
 * read its header.
 * => returns the trace, or NULL with a one-line message in
 *    errbuf[0..errlen) ("FILE: not a kmemlab trace (bad magic at byte 0)",
 *    "FILE: unsupported trace version 7", "FILE: No such file or directory").
 */
struct kml_trace *kml_trace_open_read(const char *path, char *errbuf,
    size_t errlen);

/*
 * kml_trace_open_write: create a trace at path ("-": standard output)
 * and write its header (th_version is ignored).  A file is written to a
 * temporary name in the same directory and renamed to path by a
 * successful kml_trace_close, so path holds a whole trace or is left as
 * it was.  An existing path that is not a regular file (/dev/null, a
 * FIFO) is written directly.
 * => returns the trace, or NULL with a message in errbuf (a bad header
 *    field is named: "header: slots 3 not in 4..65536").
 */
struct kml_trace *kml_trace_open_write(const char *path,
    const struct kml_trace_header *th, char *errbuf, size_t errlen);

/*
 * kml_trace_fdopen_read, kml_trace_fdopen_write: the same on an open
 * stream; name is used in messages.  The stream is not closed by
 * kml_trace_close and no rename is done.
 */
struct kml_trace *kml_trace_fdopen_read(FILE *fp, const char *name,
    char *errbuf, size_t errlen);
struct kml_trace *kml_trace_fdopen_write(FILE *fp, const char *name,
    const struct kml_trace_header *th, char *errbuf, size_t errlen);

/*
 * kml_trace_close: for a writer, write the trailer and flush (unless
 * kml_trace_finish did), and (for a path) rename the temporary file
 * into place; for a reader, release it.
 * => returns 0, or -1 when writing failed (the message is in errbuf,
 *    the temporary file is removed and path is untouched).
 * => t is freed in every case.
 */
int kml_trace_close(struct kml_trace *t, char *errbuf, size_t errlen);

/*
 * kml_trace_finish: for a writer, write the trailer and flush, without
 * closing: kml_trace_offset then gives the size of the whole trace, and
 * only kml_trace_close (which renames the file into place) or
 * kml_trace_abort may follow.
 * => returns 0, or -1 with the message in kml_trace_errmsg.
 */
int kml_trace_finish(struct kml_trace *t);

/*
 * kml_trace_abort: for a writer, give up: remove the temporary file (a
 * stream is left as it is, without a trailer); then as kml_trace_close.
 */
void kml_trace_abort(struct kml_trace *t);

/* ---- reading */

/*
 * kml_trace_header: the header (of a reader, as read; of a writer, as
 * written).
 */
const struct kml_trace_header *kml_trace_header(const struct kml_trace *t);

/*
 * kml_trace_next: read the next event into *ev.
 * => returns 1 with an event; 0 at the end (after a valid trailer); -1
 *    on an error, with the message in kml_trace_errmsg ("FILE: byte 4242:
 *    block checksum mismatch").  After -1 every later call returns -1.
 * => a truncated file gives its whole records first, then -1 with
 *    kml_trace_truncated true and the message "FILE: truncated at byte N:
 *    the trailer is missing, M bytes after the last whole record lost".
 * => drop records are not events: they add to kml_trace_trailer's
 *    counts as they are read (and are checked against the trailer).
 * => after 0 or -1, *ev is unspecified.
 */
int kml_trace_next(struct kml_trace *t, struct kml_trace_event *ev);

/*
 * kml_trace_trailer: the trailer; for a reader complete only after
 * kml_trace_next returned 0 (before that, the counts so far); for a
 * writer, the counts so far.
 */
const struct kml_trace_trailer *kml_trace_trailer(const struct kml_trace *t);

/* kml_trace_errmsg: the last error's message, "" if none. */
const char *kml_trace_errmsg(const struct kml_trace *t);

/* kml_trace_truncated: the last error was the end of a truncated file. */
bool kml_trace_truncated(const struct kml_trace *t);

/* kml_trace_offset: the byte offset just after what has been read or written. */
uint64_t kml_trace_offset(const struct kml_trace *t);

/* What kml_trace_next_item returns: an event, a drop record or a flush. */
enum kml_trace_item_kind {
	KML_TI_EVENT = 1,	/* ti_event is an event */
	KML_TI_DROP = 2,	/* ti_drop_count events were lost on ti_drop_cpu */
	KML_TI_FLUSH = 3	/* the writer ended a block here with kml_trace_flush */
};

struct kml_trace_item {
	unsigned ti_kind;		/* enum kml_trace_item_kind */
	struct kml_trace_event ti_event;	/* KML_TI_EVENT */
	uint32_t ti_drop_cpu;		/* KML_TI_DROP */
	uint64_t ti_drop_count;		/* KML_TI_DROP, >= 1 */
};

/*
 * kml_trace_next_item: like kml_trace_next, but also returns the drop
 * records and the places where the writer flushed, in stream order, so
 * that the text form can reproduce the file exactly.
 * => returns 1 with an item, 0 at the end, -1 on an error (as
 *    kml_trace_next).
 */
int kml_trace_next_item(struct kml_trace *t, struct kml_trace_item *it);

/* ---- writing */

/*
 * kml_trace_write: append ev.
 * => returns 0, or -1 with the message in kml_trace_errmsg: a bad field
 *    (op not an operation, te_cpu >= KML_TRACE_CPUMAX, ctx, flags or order
 *    out of range, a string longer than KML_TRACE_STRMAX or with a NUL)
 *    or a write error ("FILE: No space left on device").  After a write
 *    error every later call fails; a bad field only refuses that event.
 */
int kml_trace_write(struct kml_trace *t, const struct kml_trace_event *ev);

/*
 * kml_trace_write_drop: record that count events were lost on cpu (a
 * recorder's ring buffer overflowed) at this point of the stream.
 * => returns 0, or -1 as kml_trace_write.
 */
int kml_trace_write_drop(struct kml_trace *t, uint32_t cpu, uint64_t count);

/*
 * kml_trace_flush: end the current block (if it holds anything) and push
 * it to the file, so that a reader on the other end of a pipe sees every
 * event written so far.
 * => returns 0, or -1 as kml_trace_write.
 */
int kml_trace_flush(struct kml_trace *t);

/* ---- the text form (lib/trace_text.c) */

/*
 * kml_trace_to_text: read every event of the reader in and write the
 * text form on out; name is used in messages about out.
 * => returns 0; or -1 with a message in errbuf when the input failed
 *    (the text holds what came before: the events up to the error, no
 *    "%end" line) or when writing out failed.
 */
int kml_trace_to_text(struct kml_trace *in, FILE *out, const char *name,
    char *errbuf, size_t errlen);

/*
 * kml_trace_from_text: read the text form from in (named name in
 * messages) and write it as a trace to path ("-": standard output), whole
 * or not at all.  When the text has an "%end" line, the trailer written
 * must equal it (else an error); when it has none, the trailer is what
 * the events add up to.
 * => returns 0, or -1 with "NAME:LINE: problem" in errbuf.
 */
int kml_trace_from_text(FILE *in, const char *name, const char *path,
    char *errbuf, size_t errlen);

/*
 * kml_trace_format_event: write ev as one line of the text form (no
 * newline) into buf[0..len).  th gives the clock unit.
 * => returns the length needed (as snprintf).
 */
size_t kml_trace_format_event(const struct kml_trace_header *th,
    const struct kml_trace_event *ev, char *buf, size_t len);

/*
 * kml_trace_parse_event: read one event line of the text form.  Strings
 * are copied into strbuf[0..strlen) and ev's string pointers point there.
 * => returns 0, or -1 with a message naming the field in
 *    errbuf ("bad ptr= value '0xzz'").
 */
int kml_trace_parse_event(const struct kml_trace_header *th,
    const char *line, size_t linelen, struct kml_trace_event *ev,
    char *strbuf, size_t strlen, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_TRACE_H */
