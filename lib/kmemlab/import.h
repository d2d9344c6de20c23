/*
 * kmemlab/import.h: convert the kmem tracepoint text that people already
 * have into trace events.
 *
 * Two text formats are read, one line at a time:
 *
 *  - ftrace: the tracefs `trace` / `trace_pipe` files and `trace-cmd
 *    report` output:
 *	"   comm-pid   [cpu] flags  ts: event: key=value ..."
 *    The comm may hold '-' and spaces (split at the last '-' before the
 *    pid); the five flag characters give the context (a 's' or 'S', 'h'
 *    or 'H', 'z' or 'Z' in the third column: softirq, hardirq, nmi);
 *    trace-cmd output may lack the flags column and has a "cpus=N" line.
 *    The "#P:N" comment gives the CPU count.  Pointers are hashed (16 hex
 *    digits, no 0x) by default; raw ones (0x...) when hash-ptr is off.
 *
 *  - perf: `perf script` output, default fields or -F with tid and
 *    optionally pid ("comm tid [cpu] ts: kmem:event: fields" or
 *    "comm pid/tid [cpu] ..."); pointers raw, NULL printed "(nil)".
 *    `perf script --header` comments give the host, kernel and CPUs.
 *
 * Events converted (the kmem: prefix is optional):
 *	kmalloc, kmalloc_node				KML_OP_KMALLOC
 *	kfree						KML_OP_KFREE
 *	kmem_cache_alloc, kmem_cache_alloc_node		KML_OP_CACHE_ALLOC
 *	kmem_cache_free					KML_OP_CACHE_FREE
 *	mm_page_alloc					KML_OP_PAGE_ALLOC (ptr = pfn)
 *	mm_page_free, mm_page_free_batched		KML_OP_PAGE_FREE (batched: order 0)
 * call_site "sym+0xoff/0xsize" is stored as "sym+0xoff"; gfp_flags names
 * (or a number) become te_gfp (kmemlab/gfp.h), and KML_TEF_SLEEP is set
 * iff the mask allows blocking, KML_TEF_ZERO iff __GFP_ZERO, and
 * KML_TEF_ACCOUNT iff accounted=true or __GFP_ACCOUNT.  Other events
 * (other tracepoints, mm_page_alloc_zone_locked, mm_page_pcpu_drain) are
 * skipped and counted; comments and blank lines are skipped and counted.
 * A kmem event line that cannot be read is an error naming the field,
 * unless the importer was told to skip such lines (they are then
 * counted).
 *
 * Timestamps are "seconds.fraction"; the number of fraction digits of the
 * first event (6: microseconds, 9: nanoseconds) fixes the clock unit, and
 * every later event must use the same.
 */
#ifndef KMEMLAB_IMPORT_H
#define KMEMLAB_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmemlab/trace.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kml_import_format {
	KML_IMPORT_AUTO = 0,	/* decide from the first event line */
	KML_IMPORT_FTRACE = 1,	/* tracefs trace, trace-cmd report */
	KML_IMPORT_PERF = 2	/* perf script */
};

/* kml_import_format_name: "auto", "ftrace", "perf"; NULL otherwise. */
const char *kml_import_format_name(unsigned fmt);

/* Why lines were skipped: the reasons, counted in is_skipped[]. */
enum kml_import_skip {
	KML_ISKIP_COMMENT = 0,		/* blank line or '#' comment, header line */
	KML_ISKIP_OTHER_EVENT = 1,	/* an event that is not converted */
	KML_ISKIP_MALFORMED = 2,	/* a kmem line that could not be read (skip mode only) */
	KML_ISKIP_LOST = 3,		/* a "CPU:N [LOST M EVENTS]" marker (the drops are recorded) */
	KML_ISKIP_COUNT = 4
};

/* kml_import_skip_name: "comment", "other event", "malformed", "lost marker". */
const char *kml_import_skip_name(unsigned why);

/* Counts, for the report at the end. */
struct kml_import_stats {
	uint64_t is_lines;			/* lines read */
	uint64_t is_converted;			/* lines that became an event */
	uint64_t is_skipped[KML_ISKIP_COUNT];	/* lines skipped, by reason */
	uint64_t is_events[KML_OP_COUNT];	/* events made, per operation */
	uint64_t is_lost;			/* events the tracer said it lost */
};

struct kml_import;

/*
 * kml_import_create: an importer for fmt (KML_IMPORT_AUTO: detect).
 * skip_malformed: count malformed kmem lines instead of failing on them.
 * => never NULL (aborts on out of memory, like the library's allocators).
 */
struct kml_import *kml_import_create(unsigned fmt, bool skip_malformed);

/* kml_import_destroy: free imp. */
void kml_import_destroy(struct kml_import *imp);

/*
 * kml_import_line: read one line (line[0..len), without the newline; a
 * trailing '\r' is ignored).
 * => returns 1 with an event in *ev (its strings point into imp and stay
 *    valid until the next call); 0 when the line was skipped (counted);
 *    -1 on an error, with a message naming the field in errbuf[0..errlen)
 *    ("kmalloc: bad bytes_req= value 'x'"), without the file and line,
 *    which the caller adds.
 * => a "[LOST N EVENTS]" marker line adds N to the drops of its CPU,
 *    fetched with kml_import_take_drops.
 */
int kml_import_line(struct kml_import *imp, const char *line, size_t len,
    struct kml_trace_event *ev, char *errbuf, size_t errlen);

/*
 * kml_import_take_drops: drops reported by lines since the last call:
 * returns true and one (cpu, count) in *cpu, *count, or false when there
 * are none left.
 */
bool kml_import_take_drops(struct kml_import *imp, uint32_t *cpu,
    uint64_t *count);

/*
 * kml_import_format: the format in use (after the first event line when
 * detecting; KML_IMPORT_AUTO before).
 */
unsigned kml_import_format(const struct kml_import *imp);

/*
 * kml_import_header: fill what the lines read so far tell about the
 * traced machine into th (source KML_TSRC_IMPORT, clock unit, ncpu from
 * "#P:N", "cpus=N" or perf's header, host and kernel from perf's header,
 * KML_THF_HASHEDPTR for hashed pointers); fields the text did not give
 * are left as they are.  Meant to be called once the first event has
 * been returned, before the trace is opened for writing.
 */
void kml_import_header(const struct kml_import *imp,
    struct kml_trace_header *th);

/* kml_import_stats: the counts so far. */
const struct kml_import_stats *kml_import_stats(const struct kml_import *imp);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_IMPORT_H */
