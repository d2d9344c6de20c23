/*
 * tests/import_test.c: TAP test of the kmem trace importers: ftrace,
 * trace-cmd report and perf script text to trace events
 * (kmemlab/import.h; lib/import.c).
 *
 * How: lines are fed one at a time to kml_import_line and everything that
 * comes back is compared with exact values: every field of the event
 * (operation, time in clock units, CPU, pid, tid, context, flags, gfp
 * mask, sizes, pointer, order, comm, call site, cache, and the unused
 * fields 0), the return value, the exact error message, the skip counts
 * per reason, the detected format, the drops, and the header that
 * kml_import_header fills.
 *
 *  - test_edge_lines: every example line of traces/raw/edge-cases.md
 *    (ftrace and both perf forms), copied byte for byte; the test checks
 *    each copy against the file and line it cites (or, for lines from
 *    beyond the kept part of a recording, against edge-cases.md itself).
 *    Each line is read with the format detected and given, with a '\r'
 *    ending, and by an importer of the other format (an error).  The
 *    expected fields are those of the "→" breakdown under each line (the
 *    table was written by a script that splits the lines with regular
 *    expressions of its own, and checked against the breakdowns).
 *  - Lines marked "constructed" do not occur in traces/raw: they are a
 *    real line with one thing changed (a flag column, a comm, a field) or
 *    written from the print format of the kernel (kmem tracepoints of
 *    older kernels), of trace-cmd (tracecmd/trace-read.c) or of perf
 *    (util/header.c, util/event.c), as the comment above each says.
 *  - The other test_* functions: headers (ftrace, perf --header,
 *    trace-cmd), the context from the flag column, lost markers and
 *    drops, every error message (bad and missing fields, numbers of 2^64,
 *    unknown gfp names, mixed decimals, lines of neither or of the other
 *    format) also with skip_malformed, pointers and the HASHEDPTR flag,
 *    and the lines that are skipped (other events, continuation lines).
 *  - test_files: each .txt file of traces/raw is read whole (and once
 *    more with "\r\n" line ends) and its counts are compared with numbers
 *    computed independently from the text with grep and awk (the commands
 *    are in the comment above the table).  The files are found under
 *    $top_srcdir/traces/raw (set by make check), else under the
 *    TOP_SRCDIR the test was compiled with; without either the test
 *    bails out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/gfp.h>
#include <kmemlab/import.h>
#include <kmemlab/trace.h>

#include "tap.h"

/* ---- the raw files */

/* A traces/raw file in memory, cut into lines (no '\n'). */
struct rawfile {
	const char *rf_name;
	char *rf_text;
	size_t rf_size;
	size_t rf_nlines;
	const char **rf_line;
	size_t *rf_len;
};

#define RAW_MAX		16

static struct rawfile rawfiles[RAW_MAX];
static size_t nrawfiles;

/* raw_dir: the traces/raw directory. */
static const char *
raw_dir(void)
{
	static char dir[4096];
	const char *top = getenv("top_srcdir");

	if (top == NULL || top[0] == '\0') {
#ifdef TOP_SRCDIR
		top = TOP_SRCDIR;
#else
		tap_bail("top_srcdir is not set (run through make check, or "
		    "compile with -DTOP_SRCDIR=...)");
#endif
	}
	snprintf(dir, sizeof(dir), "%s/traces/raw", top);
	return dir;
}

/* raw_load: traces/raw/name, read once and kept. */
static const struct rawfile *
raw_load(const char *name)
{
	struct rawfile *rf;
	char path[4200];
	FILE *fp;
	size_t i, cap = 1024;
	long size;

	for (i = 0; i < nrawfiles; i++)
		if (strcmp(rawfiles[i].rf_name, name) == 0)
			return &rawfiles[i];
	if (nrawfiles == RAW_MAX)
		tap_bail("too many raw files");
	rf = &rawfiles[nrawfiles];
	snprintf(path, sizeof(path), "%s/%s", raw_dir(), name);
	if ((fp = fopen(path, "rb")) == NULL)
		tap_bail("cannot open %s", path);
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0)
		tap_bail("cannot size %s", path);
	rf->rf_name = name;
	rf->rf_size = (size_t)size;
	if ((rf->rf_text = malloc(rf->rf_size + 1)) == NULL ||
	    fread(rf->rf_text, 1, rf->rf_size, fp) != rf->rf_size)
		tap_bail("cannot read %s", path);
	fclose(fp);
	rf->rf_text[rf->rf_size] = '\0';
	rf->rf_line = malloc(cap * sizeof(*rf->rf_line));
	rf->rf_len = malloc(cap * sizeof(*rf->rf_len));
	for (i = 0; i < rf->rf_size; ) {
		char *nl = memchr(rf->rf_text + i, '\n', rf->rf_size - i);
		size_t end = nl != NULL ? (size_t)(nl - rf->rf_text) :
		    rf->rf_size;

		if (rf->rf_nlines == cap) {
			cap *= 2;
			rf->rf_line = realloc(rf->rf_line,
			    cap * sizeof(*rf->rf_line));
			rf->rf_len = realloc(rf->rf_len,
			    cap * sizeof(*rf->rf_len));
		}
		if (rf->rf_line == NULL || rf->rf_len == NULL)
			tap_bail("out of memory");
		rf->rf_line[rf->rf_nlines] = rf->rf_text + i;
		rf->rf_len[rf->rf_nlines] = end - i;
		rf->rf_nlines++;
		i = end + 1;
	}
	nrawfiles++;
	return rf;
}

/* raw_has_line: line n (from 1) of file is exactly text. */
static bool
raw_has_line(const char *file, unsigned n, const char *text)
{
	const struct rawfile *rf = raw_load(file);

	return n >= 1 && n <= rf->rf_nlines &&
	    rf->rf_len[n - 1] == strlen(text) &&
	    memcmp(rf->rf_line[n - 1], text, rf->rf_len[n - 1]) == 0;
}

/* raw_has_text: text is a whole line of file. */
static bool
raw_has_text(const char *file, const char *text)
{
	const struct rawfile *rf = raw_load(file);

	for (size_t i = 0; i < rf->rf_nlines; i++)
		if (rf->rf_len[i] == strlen(text) &&
		    memcmp(rf->rf_line[i], text, rf->rf_len[i]) == 0)
			return true;
	return false;
}

/* ---- feeding lines and checking events */

/* An event line and every field of the event it must give. */
struct want {
	const char *w_file;	/* traces/raw file; NULL: constructed */
	unsigned w_lineno;	/* its line in w_file; 0: any line of it */
	unsigned w_fmt;		/* KML_IMPORT_FTRACE or KML_IMPORT_PERF */
	const char *w_text;	/* the line, without '\n' */
	uint8_t w_op;
	uint64_t w_ts;		/* in clock units */
	uint32_t w_cpu, w_pid, w_tid;
	uint8_t w_ctx, w_flags;
	uint32_t w_gfp;
	uint64_t w_size, w_alloc, w_ptr;
	uint8_t w_order;
	const char *w_comm, *w_site, *w_cache;
};

/* feed: kml_import_line on the C string line. */
static int
feed(struct kml_import *imp, const char *line, struct kml_trace_event *ev,
    char *err, size_t errlen)
{
	return kml_import_line(imp, line, strlen(line), ev, err, errlen);
}

/* check_event: every field of ev is as w says; name prefixes the checks. */
static void
check_event(const char *name, const struct kml_trace_event *ev,
    const struct want *w)
{
	tap_is(ev->te_op, w->w_op, "%s: op", name);
	tap_is(ev->te_ts, w->w_ts, "%s: ts", name);
	tap_is(ev->te_cpu, w->w_cpu, "%s: cpu", name);
	tap_is(ev->te_pid, w->w_pid, "%s: pid", name);
	tap_is(ev->te_tid, w->w_tid, "%s: tid", name);
	tap_is(ev->te_ctx, w->w_ctx, "%s: ctx", name);
	tap_is(ev->te_flags, w->w_flags, "%s: flags", name);
	tap_is(ev->te_gfp, w->w_gfp, "%s: gfp", name);
	tap_is(ev->te_size, w->w_size, "%s: size", name);
	tap_is(ev->te_alloc, w->w_alloc, "%s: alloc", name);
	tap_is(ev->te_ptr, w->w_ptr, "%s: ptr", name);
	tap_is(ev->te_order, w->w_order, "%s: order", name);
	tap_is_str(ev->te_comm, w->w_comm, "%s: comm", name);
	tap_is_str(ev->te_site, w->w_site, "%s: site", name);
	tap_is_str(ev->te_cache, w->w_cache, "%s: cache", name);
	tap_ok(ev->te_oldptr == 0 && ev->te_align == 0 && ev->te_count == 0,
	    "%s: oldptr, align, count 0", name);
}

/*
 * one_event: a new importer of format fmt reads w's line (with suffix
 * appended, e.g. "\r") and must return exactly w's event.
 */
static void
one_event(const char *name, unsigned fmt, const struct want *w,
    const char *suffix)
{
	struct kml_import *imp = kml_import_create(fmt, false);
	struct kml_trace_event ev;
	char line[2048], err[256] = "";
	const struct kml_import_stats *st;

	snprintf(line, sizeof(line), "%s%s", w->w_text, suffix);
	memset(&ev, 0xa5, sizeof(ev));
	if (!tap_is(feed(imp, line, &ev, err, sizeof(err)), 1,
	    "%s: an event", name)) {
		tap_diag("error: %s", err);
		kml_import_destroy(imp);
		return;
	}
	check_event(name, &ev, w);
	st = kml_import_stats(imp);
	tap_ok(st->is_lines == 1 && st->is_converted == 1 &&
	    st->is_events[w->w_op] == 1, "%s: counted", name);
	tap_is(kml_import_format(imp), w->w_fmt, "%s: format", name);
	kml_import_destroy(imp);
}

/*
 * expect_error: a new importer of format fmt reads the lines pre (NULL
 * ended; none may fail) and then line, which must fail with exactly msg;
 * then the same with skip_malformed, where line is counted malformed.
 */
static void
expect_error(const char *name, unsigned fmt, const char *const *pre,
    const char *line, const char *msg)
{
	struct kml_import *imp;
	struct kml_trace_event ev;
	const struct kml_import_stats *st;
	char err[512];
	size_t n = 0;

	for (int skip = 0; skip <= 1; skip++) {
		imp = kml_import_create(fmt, skip);
		for (n = 0; pre != NULL && pre[n] != NULL; n++)
			if (feed(imp, pre[n], &ev, err, sizeof(err)) < 0)
				tap_diag("%s: line %zu before failed: %s", name,
				    n + 1, err);
		strcpy(err, "(untouched)");
		if (!skip) {
			tap_is(feed(imp, line, &ev, err, sizeof(err)), -1,
			    "%s: error", name);
			tap_is_str(err, msg, "%s: message", name);
		} else {
			tap_is(feed(imp, line, &ev, err, sizeof(err)), 0,
			    "%s: skipped with skip_malformed", name);
			st = kml_import_stats(imp);
			tap_ok(st->is_skipped[KML_ISKIP_MALFORMED] == 1 &&
			    st->is_lines == n + 1, "%s: counted malformed",
			    name);
		}
		kml_import_destroy(imp);
	}
}

/* ---- 1. names */

static void
test_names(void)
{
	tap_is_str(kml_import_format_name(KML_IMPORT_AUTO), "auto",
	    "format name auto");
	tap_is_str(kml_import_format_name(KML_IMPORT_FTRACE), "ftrace",
	    "format name ftrace");
	tap_is_str(kml_import_format_name(KML_IMPORT_PERF), "perf",
	    "format name perf");
	tap_is_str(kml_import_format_name(3), NULL, "format name 3: NULL");
	tap_is_str(kml_import_skip_name(KML_ISKIP_COMMENT), "comment",
	    "skip name comment");
	tap_is_str(kml_import_skip_name(KML_ISKIP_OTHER_EVENT), "other event",
	    "skip name other event");
	tap_is_str(kml_import_skip_name(KML_ISKIP_MALFORMED), "malformed",
	    "skip name malformed");
	tap_is_str(kml_import_skip_name(KML_ISKIP_LOST), "lost marker",
	    "skip name lost marker");
	tap_is_str(kml_import_skip_name(KML_ISKIP_COUNT), NULL,
	    "skip name 4: NULL");
}

/* ---- 2. the lines of edge-cases.md */

static const struct want edge_lines[] = {
	/* ftrace-git.txt line 18 */
	{ "ftrace-git.txt", 18, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702745: kmalloc: "
	    "call_site=tracing_mark_open+0xe4/0x230 ptr=000000001e58ffb8 "
	    "bytes_req=16 bytes_alloc=16 gfp_flags=GFP_KERNEL node=-1 "
	    "accounted=false",
	    KML_OP_KMALLOC, 5342702745u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    16, 16, 0x1e58ffb8, 0,
	    "ftrace-run.sh", "tracing_mark_open+0xe4", NULL },
	/* ftrace-git.txt line 19 */
	{ "ftrace-git.txt", 19, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702751: kmalloc: "
	    "call_site=tracing_mark_open+0x186/0x230 "
	    "ptr=000000002f3b976b bytes_req=4096 bytes_alloc=4096 "
	    "gfp_flags=GFP_KERNEL node=0 accounted=false",
	    KML_OP_KMALLOC, 5342702751u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    4096, 4096, 0x2f3b976b, 0,
	    "ftrace-run.sh", "tracing_mark_open+0x186", NULL },
	/* ftrace-git.txt line 51 */
	{ "ftrace-git.txt", 51, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702848: kmalloc: "
	    "call_site=lsm_blob_alloc+0x3b/0x60 ptr=00000000ccaf37c4 "
	    "bytes_req=11 bytes_alloc=16 "
	    "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO node=-1 "
	    "accounted=true",
	    KML_OP_KMALLOC, 5342702848u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO | KML_TEF_ACCOUNT,
	    GFP_KERNEL_ACCOUNT | __GFP_ZERO,
	    11, 16, 0xccaf37c4, 0,
	    "ftrace-run.sh", "lsm_blob_alloc+0x3b", NULL },
	/* ftrace-git.txt line 23 */
	{ "ftrace-git.txt", 23, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702758: kfree: "
	    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
	    "ptr=000000002f3b976b",
	    KML_OP_KFREE, 5342702758u, 1, 24906, 24906, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x2f3b976b, 0,
	    "ftrace-run.sh", "trace_user_fault_buffer_free+0x1d", NULL },
	/* ftrace-git.txt line 493 */
	{ "ftrace-git.txt", 493, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.704205: kfree: "
	    "call_site=vm_area_free+0x1c/0x90 ptr=0000000000000000",
	    KML_OP_KFREE, 5342704205u, 1, 24907, 24907, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x0, 0,
	    "rm", "vm_area_free+0x1c", NULL },
	/* ftrace-compile.txt line 465 */
	{ "ftrace-compile.txt", 465, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5338.167053: kfree: "
	    "call_site=virtblk_request_done+0x85/0xb0 "
	    "ptr=000000003cddef1e",
	    KML_OP_KFREE, 5338167053u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0x3cddef1e, 0,
	    "<idle>", "virtblk_request_done+0x85", NULL },
	/* ftrace-git.txt line 15 */
	{ "ftrace-git.txt", 15, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702740: "
	    "kmem_cache_alloc: call_site=getname_flags.part.0+0x24/0x1f0 "
	    "ptr=0000000077f32561 name=names_cache bytes_req=4096 "
	    "bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 "
	    "accounted=false",
	    KML_OP_CACHE_ALLOC, 5342702740u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    4096, 4096, 0x77f32561, 0,
	    "ftrace-run.sh", "getname_flags.part.0+0x24", "names_cache" },
	/* ftrace-git.txt line 16 */
	{ "ftrace-git.txt", 16, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702740: "
	    "kmem_cache_alloc: call_site=alloc_empty_file+0x3c/0x110 "
	    "ptr=00000000b2831a1e name=filp bytes_req=184 "
	    "bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true",
	    KML_OP_CACHE_ALLOC, 5342702740u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ACCOUNT,
	    GFP_KERNEL,
	    184, 192, 0xb2831a1e, 0,
	    "ftrace-run.sh", "alloc_empty_file+0x3c", "filp" },
	/* ftrace-git.txt line 886 */
	{ "ftrace-git.txt", 886, KML_IMPORT_FTRACE,
	    "             git-24908   [001] .....  5342.705330: "
	    "kmem_cache_alloc: call_site=bvec_alloc+0x88/0x100 "
	    "ptr=000000007982bbaa name=key_jar bytes_req=256 "
	    "bytes_alloc=256 "
	    "gfp_flags=GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC"
	    " node=-1 accounted=false",
	    KML_OP_CACHE_ALLOC, 5342705330u, 1, 24908, 24908, KML_CTX_THREAD,
	    0,
	    GFP_NOWAIT | __GFP_FS | __GFP_NORETRY | __GFP_NOMEMALLOC,
	    256, 256, 0x7982bbaa, 0,
	    "git", "bvec_alloc+0x88", "key_jar" },
	/* ftrace-git.txt line 13 */
	{ "ftrace-git.txt", 13, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702734: "
	    "kmem_cache_free: call_site=__fput+0x141/0x2a0 "
	    "ptr=00000000809e67c5 name=lsm_file_cache",
	    KML_OP_CACHE_FREE, 5342702734u, 1, 24906, 24906, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x809e67c5, 0,
	    "ftrace-run.sh", "__fput+0x141", "lsm_file_cache" },
	/* ftrace-git.txt line 266 */
	{ "ftrace-git.txt", 266, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.703854: "
	    "kmem_cache_free: call_site=do_sys_openat2+0x88/0xd0 "
	    "ptr=0000000077f32561 name=names_cache",
	    KML_OP_CACHE_FREE, 5342703854u, 1, 24907, 24907, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x77f32561, 0,
	    "rm", "do_sys_openat2+0x88", "names_cache" },
	/* ftrace-irq.txt line 13 */
	{ "ftrace-irq.txt", 13, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5124.022291: "
	    "kmem_cache_free: call_site=__sg_free_table+0x5b/0xd0 "
	    "ptr=000000005e05924b name=key_jar",
	    KML_OP_CACHE_FREE, 5124022291u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0x5e05924b, 0,
	    "<idle>", "__sg_free_table+0x5b", "key_jar" },
	/* ftrace-git.txt line 28 */
	{ "ftrace-git.txt", 28, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702776: "
	    "mm_page_alloc: page=00000000127f5863 pfn=0x13baca order=0 "
	    "migratetype=1 "
	    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5342702776u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO,
	    GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP,
	    0, 0, 0x13baca, 0,
	    "ftrace-run.sh", NULL, NULL },
	/* ftrace-cp.txt line 2553 */
	{ "ftrace-cp.txt", 2553, KML_IMPORT_FTRACE,
	    "              cp-24902   [001] .....  5339.740543: "
	    "mm_page_alloc: page=00000000fb9ba66d pfn=0x13e15e order=1 "
	    "migratetype=1 "
	    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GF"
	    "P_NORETRY|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5339740543u, 1, 24902, 24902, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_HIGHUSER_MOVABLE | __GFP_WRITE | __GFP_NOWARN |
	    __GFP_NORETRY | __GFP_COMP,
	    0, 0, 0x13e15e, 1,
	    "cp", NULL, NULL },
	/* ftrace-irq.txt line 6629 */
	{ "ftrace-irq.txt", 6629, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5126.336752: "
	    "mm_page_alloc: page=000000006e0f43a3 pfn=0x1239b0 order=3 "
	    "migratetype=0 "
	    "gfp_flags=GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5126336752u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    GFP_ATOMIC | __GFP_NOWARN | __GFP_NORETRY | __GFP_COMP,
	    0, 0, 0x1239b0, 3,
	    "<idle>", NULL, NULL },
	/* ftrace-git.txt line 223 */
	{ "ftrace-git.txt", 223, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.703724: "
	    "mm_page_free: page=000000004aa83703 pfn=0x11db5c order=0",
	    KML_OP_PAGE_FREE, 5342703724u, 1, 24907, 24907, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x11db5c, 0,
	    "rm", NULL, NULL },
	/* ftrace-compile.txt line 1628 */
	{ "ftrace-compile.txt", 1628, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5338.184962: "
	    "mm_page_free: page=000000005fefe5eb pfn=0x114040 order=2",
	    KML_OP_PAGE_FREE, 5338184962u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0x114040, 2,
	    "<idle>", NULL, NULL },
	/* ftrace-irq.txt line 6627 */
	{ "ftrace-irq.txt", 6627, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5126.336676: "
	    "mm_page_free: page=000000006e0f43a3 pfn=0x1239b0 order=3",
	    KML_OP_PAGE_FREE, 5126336676u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0x1239b0, 3,
	    "<idle>", NULL, NULL },
	/* ftrace-irq.txt line 228 */
	{ "ftrace-irq.txt", 228, KML_IMPORT_FTRACE,
	    "     ksoftirqd/1-22      [001] ..s..  5124.032989: "
	    "kmem_cache_free: call_site=__sg_free_table+0x5b/0xd0 "
	    "ptr=00000000eadb0cd8 name=pool_workqueue",
	    KML_OP_CACHE_FREE, 5124032989u, 1, 22, 22, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0xeadb0cd8, 0,
	    "ksoftirqd/1", "__sg_free_table+0x5b", "pool_workqueue" },
	/* ftrace-irq.txt line 1180 */
	{ "ftrace-irq.txt", 1180, KML_IMPORT_FTRACE,
	    "    kworker/1:0H-24      [001] ..s..  5124.081190: "
	    "kmem_cache_free: call_site=blk_update_request+0xe0/0x3b0 "
	    "ptr=00000000ebdf2c5e name=bio-184",
	    KML_OP_CACHE_FREE, 5124081190u, 1, 24, 24, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0xebdf2c5e, 0,
	    "kworker/1:0H", "blk_update_request+0xe0", "bio-184" },
	/* ftrace-git.txt line 928 */
	{ "ftrace-git.txt", 928, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] .Ns1.  5342.759357: "
	    "kmem_cache_free: call_site=blk_update_request+0xe0/0x3b0 "
	    "ptr=0000000028f3de59 name=bio-184",
	    KML_OP_CACHE_FREE, 5342759357u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0x28f3de59, 0,
	    "<idle>", "blk_update_request+0xe0", "bio-184" },
	/* whole ftrace-irq recording line 14225 (edge-cases.md) */
	{ "edge-cases.md", 0, KML_IMPORT_FTRACE,
	    "         python3-10238   [001] b.s1.  5129.328214: kmalloc: "
	    "call_site=alloc_slab_obj_exts+0x58/0x110 "
	    "ptr=00000000cd7e434a bytes_req=96 bytes_alloc=96 "
	    "gfp_flags=GFP_ATOMIC|__GFP_ZERO|__GFP_NOWARN|__GFP_COMP "
	    "node=0 accounted=false",
	    KML_OP_KMALLOC, 5129328214u, 1, 10238, 10238, KML_CTX_SOFTIRQ,
	    KML_TEF_ZERO,
	    GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN | __GFP_COMP,
	    96, 96, 0xcd7e434a, 0,
	    "python3", "alloc_slab_obj_exts+0x58", NULL },
	/* ftrace-compile.txt line 713 */
	{ "ftrace-compile.txt", 713, KML_IMPORT_FTRACE,
	    "              rm-24888   [001] dN.2.  5338.167980: "
	    "kmem_cache_alloc: call_site=__send_signal_locked+0x98/0x440 "
	    "ptr=0000000014d28cd8 name=sigqueue bytes_req=80 "
	    "bytes_alloc=80 gfp_flags=GFP_ATOMIC node=-1 accounted=true",
	    KML_OP_CACHE_ALLOC, 5338167980u, 1, 24888, 24888, KML_CTX_THREAD,
	    KML_TEF_ACCOUNT,
	    GFP_ATOMIC,
	    80, 80, 0x14d28cd8, 0,
	    "rm", "__send_signal_locked+0x98", "sigqueue" },
	/* whole ftrace-compile recording line 35250 (edge-cases.md) */
	{ "edge-cases.md", 0, KML_IMPORT_FTRACE,
	    "             cc1-24897   [001] .n...  5339.120979: "
	    "mm_page_alloc: page=0000000081ab2012 pfn=0x154ddf order=0 "
	    "migratetype=1 "
	    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5339120979u, 1, 24897, 24897, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO,
	    GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_COMP,
	    0, 0, 0x154ddf, 0,
	    "cc1", NULL, NULL },
	/* whole ftrace-cp recording line 284251 (edge-cases.md) */
	{ "edge-cases.md", 0, KML_IMPORT_FTRACE,
	    " memfd:sealed-91-4920    [000] ..s..  5341.488931: kfree: "
	    "call_site=security_cred_free+0x29/0x80 ptr=00000000f14773e5",
	    KML_OP_KFREE, 5341488931u, 0, 4920, 4920, KML_CTX_SOFTIRQ,
	    0,
	    0,
	    0, 0, 0xf14773e5, 0,
	    "memfd:sealed-91", "security_cred_free+0x29", NULL },
	/* perf-git.txt line 1 */
	{ "perf-git.txt", 1, KML_IMPORT_PERF,
	    "            perf 23978 [000]  5235.823022:          "
	    "kmem:kmalloc: call_site=sched_setaffinity+0x10c "
	    "ptr=0xffff888102b4c7c0 bytes_req=32 bytes_alloc=32 "
	    "gfp_flags=GFP_KERNEL node=-1 accounted=false",
	    KML_OP_KMALLOC, 5235823022u, 0, 23978, 23978, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    32, 32, 0xffff888102b4c7c0, 0,
	    "perf", "sched_setaffinity+0x10c", NULL },
	/* perf-git.txt line 2443 */
	{ "perf-git.txt", 2443, KML_IMPORT_PERF,
	    " kworker/u8:2-ev    35 [000]  5235.833591:          "
	    "kmem:kmalloc: call_site=ext4_find_extent+0x30c "
	    "ptr=0xffff8881049f0cc0 bytes_req=96 bytes_alloc=96 "
	    "gfp_flags=GFP_NOFS|__GFP_ZERO node=-1 accounted=false",
	    KML_OP_KMALLOC, 5235833591u, 0, 35, 35, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO,
	    GFP_NOFS | __GFP_ZERO,
	    96, 96, 0xffff8881049f0cc0, 0,
	    "kworker/u8:2-ev", "ext4_find_extent+0x30c", NULL },
	/* perf-git.txt line 2646 */
	{ "perf-git.txt", 2646, KML_IMPORT_PERF,
	    "             git 23982 [000]  5235.834931:          "
	    "kmem:kmalloc: call_site=alloc_slab_obj_exts+0x58 "
	    "ptr=0xffff88811147e080 bytes_req=112 bytes_alloc=128 "
	    "gfp_flags=GFP_NOFS|__GFP_ZERO|__GFP_COMP node=0 "
	    "accounted=false",
	    KML_OP_KMALLOC, 5235834931u, 0, 23982, 23982, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO,
	    GFP_NOFS | __GFP_ZERO | __GFP_COMP,
	    112, 128, 0xffff88811147e080, 0,
	    "git", "alloc_slab_obj_exts+0x58", NULL },
	/* perf-git.txt line 3 */
	{ "perf-git.txt", 3, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823172:            "
	    "kmem:kfree: call_site=sched_setaffinity+0x160 "
	    "ptr=0xffff888102b4c7c0",
	    KML_OP_KFREE, 5235823172u, 1, 23978, 23978, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff888102b4c7c0, 0,
	    "perf", "sched_setaffinity+0x160", NULL },
	/* perf-git.txt line 481 */
	{ "perf-git.txt", 481, KML_IMPORT_PERF,
	    "       perf-exec 23980 [000]  5235.824232:            "
	    "kmem:kfree: call_site=vm_area_free+0x1c ptr=(nil)",
	    KML_OP_KFREE, 5235824232u, 0, 23980, 23980, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x0, 0,
	    "perf-exec", "vm_area_free+0x1c", NULL },
	/* perf-git.txt line 4 */
	{ "perf-git.txt", 4, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823185: "
	    "kmem:kmem_cache_alloc: call_site=getname_flags.part.0+0x24 "
	    "ptr=0xffff88810087b000 name=names_cache bytes_req=4096 "
	    "bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 "
	    "accounted=false",
	    KML_OP_CACHE_ALLOC, 5235823185u, 1, 23978, 23978, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    4096, 4096, 0xffff88810087b000, 0,
	    "perf", "getname_flags.part.0+0x24", "names_cache" },
	/* perf-git.txt line 743 */
	{ "perf-git.txt", 743, KML_IMPORT_PERF,
	    "              sh 23980 [000]  5235.824512: "
	    "kmem:kmem_cache_alloc: call_site=vm_area_alloc+0x1a "
	    "ptr=0xffff88810824d180 name=vm_area_struct bytes_req=192 "
	    "bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true",
	    KML_OP_CACHE_ALLOC, 5235824512u, 0, 23980, 23980, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ACCOUNT,
	    GFP_KERNEL,
	    192, 192, 0xffff88810824d180, 0,
	    "sh", "vm_area_alloc+0x1a", "vm_area_struct" },
	/* perf-git.txt line 3449 */
	{ "perf-git.txt", 3449, KML_IMPORT_PERF,
	    "              sh 23984 [000]  5235.838626: "
	    "kmem:kmem_cache_alloc: call_site=mempool_alloc_noprof+0x52 "
	    "ptr=0xffff88813e8dc000 name=key_jar bytes_req=256 "
	    "bytes_alloc=256 "
	    "gfp_flags=GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY|__GFP_NOMEMA"
	    "LLOC node=-1 accounted=false",
	    KML_OP_CACHE_ALLOC, 5235838626u, 0, 23984, 23984, KML_CTX_THREAD,
	    0,
	    GFP_ATOMIC | __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC,
	    256, 256, 0xffff88813e8dc000, 0,
	    "sh", "mempool_alloc_noprof+0x52", "key_jar" },
	/* perf-git.txt line 12 */
	{ "perf-git.txt", 12, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823234:  "
	    "kmem:kmem_cache_free: call_site=do_sys_openat2+0x88 "
	    "ptr=0xffff88810087b000 name=names_cache",
	    KML_OP_CACHE_FREE, 5235823234u, 1, 23978, 23978, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff88810087b000, 0,
	    "perf", "do_sys_openat2+0x88", "names_cache" },
	/* perf-git.txt line 139 */
	{ "perf-git.txt", 139, KML_IMPORT_PERF,
	    "       perf-exec 23980 [000]  5235.823879:  "
	    "kmem:kmem_cache_free: call_site=__put_anon_vma+0x2d "
	    "ptr=0xffff88810648b000 name=anon_vma",
	    KML_OP_CACHE_FREE, 5235823879u, 0, 23980, 23980, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff88810648b000, 0,
	    "perf-exec", "__put_anon_vma+0x2d", "anon_vma" },
	/* perf-git.txt line 3450 */
	{ "perf-git.txt", 3450, KML_IMPORT_PERF,
	    " bsd_malloc_test 23954 [001]  5235.838779:  "
	    "kmem:kmem_cache_free: call_site=__sg_free_table+0x5b "
	    "ptr=0xffff88813e8dc000 name=key_jar",
	    KML_OP_CACHE_FREE, 5235838779u, 1, 23954, 23954, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff88813e8dc000, 0,
	    "bsd_malloc_test", "__sg_free_table+0x5b", "key_jar" },
	/* perf-git.txt line 19 */
	{ "perf-git.txt", 19, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823299:    "
	    "kmem:mm_page_alloc: page=0x13e888 pfn=0x13e888 order=0 "
	    "migratetype=0 gfp_flags=GFP_HIGHUSER|__GFP_ACCOUNT",
	    KML_OP_PAGE_ALLOC, 5235823299u, 1, 23978, 23978, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ACCOUNT,
	    GFP_HIGHUSER | __GFP_ACCOUNT,
	    0, 0, 0x13e888, 0,
	    "perf", NULL, NULL },
	/* perf-git.txt line 2645 */
	{ "perf-git.txt", 2645, KML_IMPORT_PERF,
	    "             git 23982 [000]  5235.834929:    "
	    "kmem:mm_page_alloc: page=0x117bdc pfn=0x117bdc order=2 "
	    "migratetype=2 "
	    "gfp_flags=__GFP_RECLAIMABLE|__GFP_IO|__GFP_NOWARN|__GFP_NORE"
	    "TRY|__GFP_COMP|__GFP_NOMEMALLOC",
	    KML_OP_PAGE_ALLOC, 5235834929u, 0, 23982, 23982, KML_CTX_THREAD,
	    0,
	    __GFP_RECLAIMABLE | __GFP_IO | __GFP_NOWARN | __GFP_NORETRY |
	    __GFP_COMP | __GFP_NOMEMALLOC,
	    0, 0, 0x117bdc, 2,
	    "git", NULL, NULL },
	/* perf-compile.txt line 1741 */
	{ "perf-compile.txt", 1741, KML_IMPORT_PERF,
	    "             cc1 23716 [001]  5223.009809:    "
	    "kmem:mm_page_alloc: page=0x1562fc pfn=0x1562fc order=2 "
	    "migratetype=1 "
	    "gfp_flags=GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|"
	    "__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL",
	    KML_OP_PAGE_ALLOC, 5223009809u, 1, 23716, 23716, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_NOFS | __GFP_HIGHMEM | __GFP_MOVABLE | __GFP_NOWARN |
	    __GFP_NORETRY | __GFP_COMP | __GFP_HARDWALL,
	    0, 0, 0x1562fc, 2,
	    "cc1", NULL, NULL },
	/* perf-git.txt line 321 */
	{ "perf-git.txt", 321, KML_IMPORT_PERF,
	    "       perf-exec 23980 [000]  5235.824087:     "
	    "kmem:mm_page_free: page=0x132168 pfn=0x132168 order=0",
	    KML_OP_PAGE_FREE, 5235824087u, 0, 23980, 23980, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x132168, 0,
	    "perf-exec", NULL, NULL },
	/* perf-git.txt line 5209 */
	{ "perf-git.txt", 5209, KML_IMPORT_PERF,
	    "         swapper     0 [000]  5235.849809:     "
	    "kmem:mm_page_free: page=0x15fa4e pfn=0x15fa4e order=0",
	    KML_OP_PAGE_FREE, 5235849809u, 0, 0, 0, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x15fa4e, 0,
	    "swapper", NULL, NULL },
	/* perf-compile.txt line 951 */
	{ "perf-compile.txt", 951, KML_IMPORT_PERF,
	    "             gcc 23714 [001]  5223.005784:  "
	    "kmem:kmem_cache_free: call_site=rcu_do_batch+0x1b7 "
	    "ptr=0xffff8881537a2a80 name=dentry",
	    KML_OP_CACHE_FREE, 5223005784u, 1, 23714, 23714, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff8881537a2a80, 0,
	    "gcc", "rcu_do_batch+0x1b7", "dentry" },
	/* perf-git.txt line 1286 */
	{ "perf-git.txt", 1286, KML_IMPORT_PERF,
	    " bsd_malloc_test 23954 [001]  5235.827851:  "
	    "kmem:kmem_cache_free: call_site=blk_update_request+0xe0 "
	    "ptr=0xffff88813d067600 name=bio-184",
	    KML_OP_CACHE_FREE, 5235827851u, 1, 23954, 23954, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff88813d067600, 0,
	    "bsd_malloc_test", "blk_update_request+0xe0", "bio-184" },
	/* perf-fields.txt line 88 */
	{ "perf-fields.txt", 88, KML_IMPORT_PERF,
	    "       perf-exec 23714/23714 [001]  5223.003001:          "
	    "kmem:kmalloc: call_site=alloc_bprm+0x45 "
	    "ptr=0xffff88814afa4000 bytes_req=408 bytes_alloc=512 "
	    "gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false",
	    KML_OP_KMALLOC, 5223003001u, 1, 23714, 23714, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO,
	    GFP_KERNEL | __GFP_ZERO,
	    408, 512, 0xffff88814afa4000, 0,
	    "perf-exec", "alloc_bprm+0x45", NULL },
	/* perf-fields.txt line 91 */
	{ "perf-fields.txt", 91, KML_IMPORT_PERF,
	    "       perf-exec 23714/23714 [001]  5223.003013:            "
	    "kmem:kfree: call_site=ida_alloc_range+0x39b ptr=(nil)",
	    KML_OP_KFREE, 5223003013u, 1, 23714, 23714, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x0, 0,
	    "perf-exec", "ida_alloc_range+0x39b", NULL },
	/* perf-fields.txt line 20 */
	{ "perf-fields.txt", 20, KML_IMPORT_PERF,
	    "       perf-exec 23714/23714 [001]  5223.001624: "
	    "kmem:kmem_cache_alloc: call_site=getname_flags.part.0+0x24 "
	    "ptr=0xffff888100878000 name=names_cache bytes_req=4096 "
	    "bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 "
	    "accounted=false",
	    KML_OP_CACHE_ALLOC, 5223001624u, 1, 23714, 23714, KML_CTX_THREAD,
	    KML_TEF_SLEEP,
	    GFP_KERNEL,
	    4096, 4096, 0xffff888100878000, 0,
	    "perf-exec", "getname_flags.part.0+0x24", "names_cache" },
	/* perf-fields.txt line 17 */
	{ "perf-fields.txt", 17, KML_IMPORT_PERF,
	    "            perf 23712/23712 [001]  5223.001550:  "
	    "kmem:kmem_cache_free: call_site=__fput+0x141 "
	    "ptr=0xffff8881046615e8 name=lsm_file_cache",
	    KML_OP_CACHE_FREE, 5223001550u, 1, 23712, 23712, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff8881046615e8, 0,
	    "perf", "__fput+0x141", "lsm_file_cache" },
	/* perf-fields.txt line 1353 */
	{ "perf-fields.txt", 1353, KML_IMPORT_PERF,
	    "             cc1 23716/23716 [001]  5223.007822: "
	    "kmem:kmem_cache_alloc: call_site=bvec_alloc+0x88 "
	    "ptr=0xffff8881286bd200 name=key_jar bytes_req=256 "
	    "bytes_alloc=256 "
	    "gfp_flags=GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC"
	    " node=-1 accounted=false",
	    KML_OP_CACHE_ALLOC, 5223007822u, 1, 23716, 23716, KML_CTX_THREAD,
	    0,
	    GFP_NOWAIT | __GFP_FS | __GFP_NORETRY | __GFP_NOMEMALLOC,
	    256, 256, 0xffff8881286bd200, 0,
	    "cc1", "bvec_alloc+0x88", "key_jar" },
	/* perf-fields.txt line 94 */
	{ "perf-fields.txt", 94, KML_IMPORT_PERF,
	    "       perf-exec 23714/23714 [001]  5223.003038:    "
	    "kmem:mm_page_alloc: page=0x13ea7b pfn=0x13ea7b order=0 "
	    "migratetype=0 "
	    "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5223003038u, 1, 23714, 23714, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO | KML_TEF_ACCOUNT,
	    GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_COMP,
	    0, 0, 0x13ea7b, 0,
	    "perf-exec", NULL, NULL },
	/* perf-fields.txt line 320 */
	{ "perf-fields.txt", 320, KML_IMPORT_PERF,
	    "       perf-exec 23714/23714 [001]  5223.003779:     "
	    "kmem:mm_page_free: page=0x136040 pfn=0x136040 order=0",
	    KML_OP_PAGE_FREE, 5223003779u, 1, 23714, 23714, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0x136040, 0,
	    "perf-exec", NULL, NULL },
	/* perf-fields.txt line 951 */
	{ "perf-fields.txt", 951, KML_IMPORT_PERF,
	    "             gcc 23714/23714 [001]  5223.005784:  "
	    "kmem:kmem_cache_free: call_site=rcu_do_batch+0x1b7 "
	    "ptr=0xffff8881537a2a80 name=dentry",
	    KML_OP_CACHE_FREE, 5223005784u, 1, 23714, 23714, KML_CTX_THREAD,
	    0,
	    0,
	    0, 0, 0xffff8881537a2a80, 0,
	    "gcc", "rcu_do_batch+0x1b7", "dentry" },
};

/* The two non-kmem lines of edge-cases.md: trace_marker writes. */
static const struct {
	const char *file;
	unsigned lineno;
	const char *text;
} edge_other[] = {
	/* ftrace-git.txt line 22 */
	{ "ftrace-git.txt", 22,
	    "   ftrace-run.sh-24906   [001] ...1.  5342.702756: "
	    "tracing_mark_write: kmemlab-capture: start git" },
	/* whole ftrace-git recording line 39992 (edge-cases.md) */
	{ "edge-cases.md", 0,
	    "   ftrace-run.sh-24906   [001] ...1.  5343.001849: "
	    "tracing_mark_write: kmemlab-capture: end git" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* check_source: w's line is, byte for byte, the one its source holds. */
static void
check_source(const char *name, const char *file, unsigned lineno,
    const char *text)
{
	if (lineno > 0)
		tap_ok(raw_has_line(file, lineno, text),
		    "%s: the same bytes as %s line %u", name, file, lineno);
	else
		tap_ok(raw_has_text(file, text), "%s: a line of %s", name,
		    file);
}

static void
test_edge_lines(void)
{
	char name[128];

	for (size_t i = 0; i < NELEM(edge_lines); i++) {
		const struct want *w = &edge_lines[i];
		unsigned other = w->w_fmt == KML_IMPORT_FTRACE ?
		    KML_IMPORT_PERF : KML_IMPORT_FTRACE;

		if (w->w_lineno > 0)
			snprintf(name, sizeof(name), "%s:%u", w->w_file,
			    w->w_lineno);
		else
			snprintf(name, sizeof(name), "edge-cases.md \"%.30s\"",
			    w->w_text);
		check_source(name, w->w_file, w->w_lineno, w->w_text);
		one_event(name, KML_IMPORT_AUTO, w, "");
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
		    " (%s)", kml_import_format_name(w->w_fmt));
		one_event(name, w->w_fmt, w, "");
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
		    " \\r");
		one_event(name, KML_IMPORT_AUTO, w, "\r");
		expect_error(name, other, NULL, w->w_text,
		    w->w_fmt == KML_IMPORT_FTRACE ?
		    "an ftrace line in a perf script trace" :
		    "a perf script line in an ftrace trace");
	}
	for (size_t i = 0; i < NELEM(edge_other); i++) {
		struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO,
		    false);
		const struct kml_import_stats *st = kml_import_stats(imp);
		struct kml_trace_event ev;
		char err[256];

		snprintf(name, sizeof(name), "tracing_mark_write %zu", i);
		check_source(name, edge_other[i].file, edge_other[i].lineno,
		    edge_other[i].text);
		tap_is(feed(imp, edge_other[i].text, &ev, err, sizeof(err)), 0,
		    "%s: skipped", name);
		tap_ok(st->is_skipped[KML_ISKIP_OTHER_EVENT] == 1 &&
		    st->is_converted == 0 && st->is_lines == 1,
		    "%s: counted as other event", name);
		tap_is(kml_import_format(imp), KML_IMPORT_FTRACE,
		    "%s: decides the format: ftrace", name);
		kml_import_destroy(imp);
	}
}

/* ---- 3. comments and headers */

/* The 12 header lines of every ftrace file (ftrace-git.txt lines 1-12). */
static const char *const ftrace_header[] = {
	"# tracer: nop",
	"#",
	"# entries-in-buffer/entries-written: 39989/39989   #P:2",
	"#",
	"#                                _-----=> irqs-off/BH-disabled",
	"#                               / _----=> need-resched",
	"#                              | / _---=> hardirq/softirq",
	"#                              || / _--=> preempt-depth",
	"#                              ||| / _-=> migrate-disable",
	"#                              |||| /     delay",
	"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
	"#              | |         |   |||||     |         |",
	NULL
};

/* ftrace-git.txt line 13, the first event of the file. */
#define FTRACE_GIT_13 \
	"   ftrace-run.sh-24906   [001] .....  5342.702734: kmem_cache_free: " \
	"call_site=__fput+0x141/0x2a0 ptr=00000000809e67c5 name=lsm_file_cache"

/* perf-git.txt line 1. */
#define PERF_GIT_1 \
	"            perf 23978 [000]  5235.823022:          kmem:kmalloc: " \
	"call_site=sched_setaffinity+0x10c ptr=0xffff888102b4c7c0 " \
	"bytes_req=32 bytes_alloc=32 gfp_flags=GFP_KERNEL node=-1 " \
	"accounted=false"

/*
 * header_sentinel: a header whose every field the importer may set holds
 * a value no text gives, to see which ones kml_import_header changes.
 */
static void
header_sentinel(struct kml_trace_header *th, uint16_t flags)
{
	memset(th, 0, sizeof(*th));
	th->th_source = KML_TSRC_GEN;
	th->th_flags = flags;
	th->th_ncpu = 77;
	th->th_pagesize = 8192;
	th->th_clock_ns = 5;
	th->th_start_ns = 123;
	th->th_slots = 99;
	th->th_blocksize = 4097;
	strcpy(th->th_detail, "detail");
	strcpy(th->th_host, "host?");
	strcpy(th->th_kernel, "kernel?");
}

static void
test_ftrace_header(void)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	const struct kml_import_stats *st = kml_import_stats(imp);
	struct kml_trace_header th;
	struct kml_trace_event ev;
	char err[256];
	size_t i;
	int bad = 0;

	for (i = 0; ftrace_header[i] != NULL; i++) {
		if (!raw_has_line("ftrace-git.txt", (unsigned)i + 1,
		    ftrace_header[i]))
			tap_diag("header line %zu differs from ftrace-git.txt",
			    i + 1);
		bad += !raw_has_line("ftrace-git.txt", (unsigned)i + 1,
		    ftrace_header[i]);
		if (feed(imp, ftrace_header[i], &ev, err, sizeof(err)) != 0)
			bad++;
	}
	tap_is(bad, 0, "ftrace header: ftrace-git.txt's lines, all skipped");
	tap_is(st->is_skipped[KML_ISKIP_COMMENT], 12,
	    "ftrace header: 12 comments");
	tap_is(kml_import_format(imp), KML_IMPORT_AUTO,
	    "ftrace header: format not decided by comments");
	header_sentinel(&th, 0);
	kml_import_header(imp, &th);
	tap_is(th.th_ncpu, 2, "ftrace header: #P:2 gives ncpu 2");
	tap_is(th.th_source, KML_TSRC_IMPORT, "ftrace header: source import");
	tap_is(th.th_clock_ns, 5, "ftrace header: clock left (no event yet)");
	tap_is(th.th_flags, 0, "ftrace header: flags left");
	tap_is_str(th.th_host, "host?", "ftrace header: host left");
	tap_is_str(th.th_kernel, "kernel?", "ftrace header: kernel left");
	tap_ok(th.th_pagesize == 8192 && th.th_start_ns == 123 &&
	    th.th_slots == 99 && th.th_blocksize == 4097 &&
	    strcmp(th.th_detail, "detail") == 0,
	    "ftrace header: page size, start, slots, block size, detail left");
	tap_ok(raw_has_line("ftrace-git.txt", 13, FTRACE_GIT_13),
	    "ftrace-git.txt line 13 copied");
	tap_is(feed(imp, FTRACE_GIT_13, &ev, err, sizeof(err)), 1,
	    "ftrace header: then the first event");
	tap_is(kml_import_format(imp), KML_IMPORT_FTRACE,
	    "ftrace header: format ftrace after it");
	header_sentinel(&th, 0);
	kml_import_header(imp, &th);
	tap_is(th.th_clock_ns, 1000, "ftrace header: clock 1000 ns");
	tap_is(th.th_flags, KML_THF_HASHEDPTR, "ftrace header: hashed");
	tap_is(th.th_ncpu, 2, "ftrace header: ncpu still 2");
	kml_import_destroy(imp);

	/* blank lines, spaces and tabs only, "\r" only: comments */
	imp = kml_import_create(KML_IMPORT_AUTO, false);
	st = kml_import_stats(imp);
	tap_is(kml_import_line(imp, "", 0, &ev, err, sizeof(err)), 0,
	    "empty line skipped");
	tap_is(feed(imp, "   \t ", &ev, err, sizeof(err)), 0,
	    "blank line skipped");
	tap_is(feed(imp, "\r", &ev, err, sizeof(err)), 0, "\\r line skipped");
	tap_is(feed(imp, "  # indented comment", &ev, err, sizeof(err)), 0,
	    "indented comment skipped");
	tap_is(feed(imp, "# entries-in-buffer/entries-written: 0/0   #P:64\r",
	    &ev, err, sizeof(err)), 0, "#P:64 with \\r skipped");
	tap_is(st->is_skipped[KML_ISKIP_COMMENT], 5, "all five are comments");
	header_sentinel(&th, 0);
	kml_import_header(imp, &th);
	tap_is(th.th_ncpu, 64, "#P:64 with \\r: ncpu 64");
	kml_import_destroy(imp);
}

/*
 * perf script --header lines, constructed from the formats of perf's
 * util/header.c ("# hostname : %s", "# os release : %s", "# nrcpus
 * online : %u", "# nrcpus avail : %u") with this machine's values
 * (traces/raw/README.md).
 */
static const char *const perf_header[] = {
	"# ========",
	"# captured on    : Mon Nov 23 02:52:12 2026",
	"# header version : 1",
	"# data offset    : 360",
	"# data size      : 4467000",
	"# hostname : kmemlab-vm",
	"# os release : 6.18.44-fc-v669",
	"# perf version : 6.1.192",
	"# arch : x86_64",
	"# nrcpus online : 2",
	"# nrcpus avail : 2",
	"# cpudesc : AMD EPYC 7B13",
	"# total memory : 24576000 kB",
	"# ========",
	"#",
	NULL
};

static void
test_perf_header(void)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	const struct kml_import_stats *st = kml_import_stats(imp);
	struct kml_trace_header th;
	struct kml_trace_event ev;
	char err[256];
	int bad = 0;

	for (size_t i = 0; perf_header[i] != NULL; i++)
		bad += feed(imp, perf_header[i], &ev, err, sizeof(err)) != 0;
	tap_is(bad, 0, "perf header: every line skipped");
	tap_is(st->is_skipped[KML_ISKIP_COMMENT], 15,
	    "perf header: 15 comments");
	tap_is(feed(imp, PERF_GIT_1, &ev, err, sizeof(err)), 1,
	    "perf header: then an event");
	header_sentinel(&th, KML_THF_HASHEDPTR);
	kml_import_header(imp, &th);
	tap_is_str(th.th_host, "kmemlab-vm", "perf header: host");
	tap_is_str(th.th_kernel, "6.18.44-fc-v669", "perf header: kernel");
	tap_is(th.th_ncpu, 2, "perf header: ncpu");
	tap_is(th.th_clock_ns, 1000, "perf header: clock 1000 ns");
	tap_is(th.th_flags, 0, "perf header: raw pointers clear HASHEDPTR");
	tap_is(th.th_source, KML_TSRC_IMPORT, "perf header: source import");
	tap_is(kml_import_format(imp), KML_IMPORT_PERF, "perf header: format");
	kml_import_destroy(imp);

	/* "nrcpus avail" wins over "nrcpus online", in either order */
	for (int order = 0; order < 2; order++) {
		imp = kml_import_create(KML_IMPORT_PERF, false);
		feed(imp, order ? "# nrcpus avail : 4" : "# nrcpus online : 1",
		    &ev, err, sizeof(err));
		feed(imp, order ? "# nrcpus online : 1" : "# nrcpus avail : 4",
		    &ev, err, sizeof(err));
		header_sentinel(&th, 0);
		kml_import_header(imp, &th);
		tap_is(th.th_ncpu, 4, "perf header: avail 4 over online 1 "
		    "(%s first)", order ? "avail" : "online");
		kml_import_destroy(imp);
	}
	/* online alone; a value out of range is ignored */
	imp = kml_import_create(KML_IMPORT_PERF, false);
	feed(imp, "# nrcpus online : 3", &ev, err, sizeof(err));
	feed(imp, "# nrcpus avail : 99999", &ev, err, sizeof(err));
	header_sentinel(&th, 0);
	kml_import_header(imp, &th);
	tap_is(th.th_ncpu, 3, "perf header: online alone; avail 99999 ignored");
	kml_import_destroy(imp);
}

/*
 * trace-cmd report, constructed from tracecmd/trace-read.c: "cpus=%d",
 * then each event as "%16s-%-5d [%03d]" " %6.1000d:" " %s: " and the
 * name padded to 20 columns, no flag column (without -l); pointers and
 * call sites as libtraceevent prints them (as perf); lost events
 * "CPU:%d [%lld EVENTS DROPPED]" or "CPU:%d [EVENTS DROPPED]".  Values of
 * ftrace-git.txt line 18.
 */
static const struct want tracecmd_lines[] = {
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906 [001] 5342.702745: kmalloc:              "
	    "call_site=tracing_mark_open+0xe4 ptr=0xffff888102b4c7c0 "
	    "bytes_req=16 bytes_alloc=16 gfp_flags=GFP_KERNEL node=-1 "
	    "accounted=false",
	    KML_OP_KMALLOC, 5342702745u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL, 16, 16, 0xffff888102b4c7c0, 0,
	    "ftrace-run.sh", "tracing_mark_open+0xe4", NULL },
	/* trace-cmd report -t: nanoseconds */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "              rm-24907 [001] 5342.703854123: kmem_cache_free:      "
	    "call_site=do_sys_openat2+0x88 ptr=0xffff88810087b000 "
	    "name=names_cache",
	    KML_OP_CACHE_FREE, 5342703854123u, 1, 24907, 24907,
	    KML_CTX_THREAD, 0, 0, 0, 0, 0xffff88810087b000, 0,
	    "rm", "do_sys_openat2+0x88", "names_cache" },
};

static void
test_tracecmd(void)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	const struct kml_import_stats *st = kml_import_stats(imp);
	struct kml_trace_header th;
	struct kml_trace_event ev;
	uint64_t count;
	uint32_t cpu;
	char err[256];

	tap_is(feed(imp, "version = 6", &ev, err, sizeof(err)), 0,
	    "trace-cmd: version line skipped");
	tap_is(feed(imp, "CPU 3 is empty", &ev, err, sizeof(err)), 0,
	    "trace-cmd: empty CPU line skipped");
	tap_is(feed(imp, "cpus=4", &ev, err, sizeof(err)), 0,
	    "trace-cmd: cpus= line skipped");
	tap_is(st->is_skipped[KML_ISKIP_COMMENT], 3,
	    "trace-cmd: three header lines");
	tap_is(feed(imp, "CPU:1 [7 EVENTS DROPPED]", &ev, err, sizeof(err)), 0,
	    "trace-cmd: dropped marker skipped");
	tap_is(feed(imp, "CPU:0 [EVENTS DROPPED]", &ev, err, sizeof(err)), 0,
	    "trace-cmd: dropped marker without a count skipped");
	tap_is(st->is_skipped[KML_ISKIP_LOST], 2,
	    "trace-cmd: two lost markers");
	tap_is(st->is_lost, 8, "trace-cmd: 7 + 1 lost");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 1 &&
	    count == 7, "trace-cmd: drops (1, 7)");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 0 &&
	    count == 1, "trace-cmd: drops (0, 1): at least one");
	tap_ok(!kml_import_take_drops(imp, &cpu, &count),
	    "trace-cmd: no more drops");
	tap_is(feed(imp, tracecmd_lines[0].w_text, &ev, err, sizeof(err)), 1,
	    "trace-cmd: event line");
	check_event("trace-cmd kmalloc", &ev, &tracecmd_lines[0]);
	tap_is(kml_import_format(imp), KML_IMPORT_FTRACE,
	    "trace-cmd: read as ftrace");
	header_sentinel(&th, KML_THF_HASHEDPTR);
	kml_import_header(imp, &th);
	tap_is(th.th_ncpu, 4, "trace-cmd: cpus=4 gives ncpu 4");
	tap_is(th.th_flags, 0, "trace-cmd: raw pointers");
	kml_import_destroy(imp);

	one_event("trace-cmd -t kmem_cache_free", KML_IMPORT_AUTO,
	    &tracecmd_lines[1], "");
	imp = kml_import_create(KML_IMPORT_FTRACE, false);
	feed(imp, tracecmd_lines[1].w_text, &ev, err, sizeof(err));
	header_sentinel(&th, 0);
	kml_import_header(imp, &th);
	tap_is(th.th_clock_ns, 1, "trace-cmd -t: clock 1 ns (9 decimals)");
	kml_import_destroy(imp);
}

/* ---- 4. the context from the flag column */

/*
 * ftrace-compile.txt line 465 with its flag column "..s1." replaced
 * (constructed, but for "..s1." itself and the values seen in the whole
 * recordings: "b.s1.", ".n...", "d.s2.", "dN.2."); the 4-column form is
 * that of kernels before migrate-disable (5.13); no column at all is
 * trace-cmd report or the irq-info option off.
 */
#define FTRACE_COMPILE_465_A	"          <idle>-0       [001] "
#define FTRACE_COMPILE_465_B	"  5338.167053: kfree: " \
	"call_site=virtblk_request_done+0x85/0xb0 ptr=000000003cddef1e"

static void
test_context(void)
{
	static const struct {
		const char *flags;
		uint8_t ctx;
	} cases[] = {
		{ "..s1.", KML_CTX_SOFTIRQ },
		{ "..S1.", KML_CTX_SOFTIRQ },
		{ "b.s1.", KML_CTX_SOFTIRQ },
		{ "d.s2.", KML_CTX_SOFTIRQ },
		{ ".Ns..", KML_CTX_SOFTIRQ },
		{ "..h1.", KML_CTX_HARDIRQ },
		{ "d.h2.", KML_CTX_HARDIRQ },
		{ "..H1.", KML_CTX_HARDIRQ },	/* hardirq in softirq */
		{ "..z1.", KML_CTX_NMI },
		{ "..Z1.", KML_CTX_NMI },	/* nmi in hardirq */
		{ ".....", KML_CTX_THREAD },
		{ ".n...", KML_CTX_THREAD },
		{ "dN.2.", KML_CTX_THREAD },
		{ "X.Lf1", KML_CTX_THREAD },
		{ "d.h1", KML_CTX_HARDIRQ },	/* 4 columns */
		{ "..s1", KML_CTX_SOFTIRQ },
		{ "....", KML_CTX_THREAD },
		{ "", KML_CTX_THREAD },		/* no column */
	};
	struct want w = {
		NULL, 0, KML_IMPORT_FTRACE, NULL,
		KML_OP_KFREE, 5338167053u, 1, 0, 0, 0, 0, 0, 0, 0,
		0x3cddef1e, 0, "<idle>", "virtblk_request_done+0x85", NULL
	};
	char line[512], name[64];

	snprintf(line, sizeof(line), "%s%s%s", FTRACE_COMPILE_465_A, "..s1.",
	    FTRACE_COMPILE_465_B);
	tap_ok(raw_has_line("ftrace-compile.txt", 465, line),
	    "ftrace-compile.txt line 465 copied");
	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(line, sizeof(line), "%s%s%s", FTRACE_COMPILE_465_A,
		    cases[i].flags, FTRACE_COMPILE_465_B);
		w.w_text = line;
		w.w_ctx = cases[i].ctx;
		snprintf(name, sizeof(name), "flags '%s'", cases[i].flags);
		one_event(name, KML_IMPORT_AUTO, &w, "");
	}
}

/* ---- 5. lost markers */

static void
test_lost(void)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	const struct kml_import_stats *st = kml_import_stats(imp);
	struct kml_trace_event ev;
	uint64_t count;
	uint32_t cpu;
	char err[256], line[64];
	unsigned next;
	int ok;

	/* the kernel's "CPU:%d [LOST %lu EVENTS]" and "CPU:%d [LOST EVENTS]" */
	tap_is(feed(imp, "CPU:1 [LOST 42 EVENTS]", &ev, err, sizeof(err)), 0,
	    "lost: marker skipped");
	tap_is(feed(imp, "CPU:1 [LOST 8 EVENTS]\r", &ev, err, sizeof(err)), 0,
	    "lost: marker with \\r skipped");
	tap_is(feed(imp, "CPU:0 [LOST EVENTS]", &ev, err, sizeof(err)), 0,
	    "lost: marker without a count skipped");
	tap_is(feed(imp, "CPU:1 [LOST 2 EVENTS]", &ev, err, sizeof(err)), 0,
	    "lost: marker on cpu 1 again");
	tap_is(st->is_skipped[KML_ISKIP_LOST], 4, "lost: four markers");
	tap_is(st->is_lost, 53, "lost: 42 + 8 + 1 + 2 events");
	tap_is(kml_import_format(imp), KML_IMPORT_AUTO,
	    "lost: markers do not decide the format");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 1 &&
	    count == 50, "lost: (1, 50): the two first merged");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 0 &&
	    count == 1, "lost: (0, 1)");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 1 &&
	    count == 2, "lost: (1, 2)");
	tap_ok(!kml_import_take_drops(imp, &cpu, &count), "lost: no more");
	tap_ok(!kml_import_take_drops(imp, &cpu, &count), "lost: still none");

	/* many, in stream order, taken while more come */
	ok = 1;
	next = 0;
	for (unsigned i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "CPU:%u [LOST %u EVENTS]", i % 3,
		    i + 1);
		ok &= feed(imp, line, &ev, err, sizeof(err)) == 0;
		for (unsigned j = 0; i % 10 == 9 && j < 5; j++, next++)
			ok &= kml_import_take_drops(imp, &cpu, &count) &&
			    cpu == next % 3 && count == next + 1;
	}
	for (; kml_import_take_drops(imp, &cpu, &count); next++)
		ok &= cpu == next % 3 && count == next + 1;
	ok &= next == 100;
	tap_ok(ok, "lost: 100 drops on alternating CPUs come back in order");
	tap_is(st->is_lost, 53 + 5050, "lost: is_lost adds them all");
	kml_import_destroy(imp);

	/*
	 * perf script --show-lost-events: the sample's fields
	 * (perf_sample__fprintf_start) then "PERF_RECORD_LOST lost %lu"
	 * (util/event.c); constructed with the values of perf-git.txt line 1.
	 */
	imp = kml_import_create(KML_IMPORT_AUTO, false);
	st = kml_import_stats(imp);
	tap_is(feed(imp, "            perf 23978 [001]  5235.823022: "
	    "PERF_RECORD_LOST lost 9", &ev, err, sizeof(err)), 0,
	    "perf lost: skipped");
	tap_is(kml_import_format(imp), KML_IMPORT_PERF,
	    "perf lost: a perf line");
	tap_is(feed(imp, PERF_GIT_1, &ev, err, sizeof(err)), 1,
	    "perf lost: an event after it");
	tap_is(feed(imp, "PERF_RECORD_LOST lost 5", &ev, err, sizeof(err)), 0,
	    "perf lost: without the sample fields");
	tap_is(feed(imp, "            perf 23978 [001]  5235.823022: "
	    "PERF_RECORD_LOST_SAMPLES lost 3", &ev, err, sizeof(err)), 0,
	    "perf lost: LOST_SAMPLES");
	tap_is(st->is_skipped[KML_ISKIP_LOST], 3, "perf lost: three markers");
	tap_is(st->is_lost, 17, "perf lost: 9 + 5 + 3");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 1 &&
	    count == 9, "perf lost: (1, 9)");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 0 &&
	    count == 5, "perf lost: (0, 5): no CPU field, CPU 0");
	tap_ok(kml_import_take_drops(imp, &cpu, &count) && cpu == 1 &&
	    count == 3, "perf lost: (1, 3)");
	tap_ok(!kml_import_take_drops(imp, &cpu, &count), "perf lost: no more");
	kml_import_destroy(imp);
}

/* ---- 6. errors */

/* ftrace-git.txt line 18 and pieces of it. */
#define F18 \
	"   ftrace-run.sh-24906   [001] .....  5342.702745: kmalloc: " \
	"call_site=tracing_mark_open+0xe4/0x230 ptr=000000001e58ffb8 " \
	"bytes_req=16 bytes_alloc=16 gfp_flags=GFP_KERNEL node=-1 " \
	"accounted=false"
#define F18_HEAD \
	"   ftrace-run.sh-24906   [001] .....  5342.702745: kmalloc: "
#define F18_SITE	"call_site=tracing_mark_open+0xe4/0x230 "
#define F18_PTR		"ptr=000000001e58ffb8 "
#define F18_TAIL	"node=-1 accounted=false"
/* ftrace-git.txt line 23 (kfree) and line 28 (mm_page_alloc), in pieces. */
#define F23_HEAD	"   ftrace-run.sh-24906   [001] .....  5342.702758: kfree: "
#define F28_HEAD	"   ftrace-run.sh-24906   [001] .....  5342.702776: " \
	"mm_page_alloc: "
#define F15_HEAD	"   ftrace-run.sh-24906   [001] .....  5342.702740: " \
	"kmem_cache_alloc: "
/* ftrace-git.txt line 223 (mm_page_free) */
#define F223_HEAD	"              rm-24907   [001] .....  5342.703724: " \
	"mm_page_free: "
/* perf-git.txt line 4 (kmem_cache_alloc) */
#define P4_HEAD		"            perf 23978 [001]  5235.823185: " \
	"kmem:kmem_cache_alloc: "

static void
test_errors(void)
{
	static const char *const after_f18[] = { F18, NULL };
	static const char *const after_p1[] = { PERF_GIT_1, NULL };
	static const struct {
		const char *name;
		unsigned fmt;
		const char *const *pre;
		const char *line;
		const char *msg;
	} cases[] = {
		{ "bytes_req=x", KML_IMPORT_AUTO, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=x bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "kmalloc: bad bytes_req= value 'x'" },
		{ "no ptr=", KML_IMPORT_AUTO, NULL,
		    F18_HEAD F18_SITE "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "kmalloc: missing ptr=" },
		{ "bytes_req=2^64", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=18446744073709551616 "
		    "bytes_alloc=16 gfp_flags=GFP_KERNEL " F18_TAIL,
		    "kmalloc: bad bytes_req= value '18446744073709551616'" },
		{ "bytes_req=99999999999999999999", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=99999999999999999999 "
		    "bytes_alloc=16 gfp_flags=GFP_KERNEL " F18_TAIL,
		    "kmalloc: bad bytes_req= value '99999999999999999999'" },
		{ "bytes_alloc=-1", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=-1 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "kmalloc: bad bytes_alloc= value '-1'" },
		{ "no bytes_alloc=", KML_IMPORT_PERF, NULL,
		    P4_HEAD "call_site=getname_flags.part.0+0x24 "
		    "ptr=0xffff88810087b000 name=names_cache bytes_req=4096 "
		    "gfp_flags=GFP_KERNEL node=-1 accounted=false",
		    "kmem_cache_alloc: missing bytes_alloc=" },
		{ "unknown gfp name", KML_IMPORT_AUTO, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL|__GFP_NOTRACK " F18_TAIL,
		    "kmalloc: unknown gfp_flags= name '__GFP_NOTRACK'" },
		{ "unknown gfp name (perf)", KML_IMPORT_AUTO, NULL,
		    "            perf 23978 [000]  5235.823022:          "
		    "kmem:kmalloc: call_site=sched_setaffinity+0x10c "
		    "ptr=0xffff888102b4c7c0 bytes_req=32 bytes_alloc=32 "
		    "gfp_flags=GFP_TEMPORARY node=-1 accounted=false",
		    "kmalloc: unknown gfp_flags= name 'GFP_TEMPORARY'" },
		{ "bad gfp number", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL|0x12zz " F18_TAIL,
		    "kmalloc: bad gfp_flags= number '0x12zz'" },
		{ "empty gfp", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags= " F18_TAIL,
		    "kmalloc: bad gfp_flags= value ''" },
		{ "gfp with an empty name", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL||__GFP_ZERO " F18_TAIL,
		    "kmalloc: bad gfp_flags= value 'GFP_KERNEL||__GFP_ZERO'" },
		{ "accounted=yes", KML_IMPORT_FTRACE, NULL,
		    F18_HEAD F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL node=-1 accounted=yes",
		    "kmalloc: bad accounted= value 'yes'" },
		{ "ptr=2^64", KML_IMPORT_PERF, NULL,
		    "            perf 23978 [000]  5235.823022:          "
		    "kmem:kmalloc: call_site=sched_setaffinity+0x10c "
		    "ptr=0x10000000000000000 bytes_req=32 bytes_alloc=32 "
		    "gfp_flags=GFP_KERNEL node=-1 accounted=false",
		    "kmalloc: bad ptr= value '0x10000000000000000'" },
		{ "ptr of 8 digits", KML_IMPORT_FTRACE, NULL,
		    F23_HEAD "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
		    "ptr=2f3b976b",
		    "kfree: bad ptr= value '2f3b976b'" },
		{ "ptr=0xzz", KML_IMPORT_FTRACE, NULL,
		    F23_HEAD "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
		    "ptr=0xzz",
		    "kfree: bad ptr= value '0xzz'" },
		{ "no call_site=", KML_IMPORT_FTRACE, NULL,
		    F23_HEAD "ptr=000000002f3b976b",
		    "kfree: missing call_site=" },
		{ "empty call_site=", KML_IMPORT_FTRACE, NULL,
		    F23_HEAD "call_site= ptr=000000002f3b976b",
		    "kfree: bad call_site= value ''" },
		{ "no fields", KML_IMPORT_FTRACE, NULL,
		    F23_HEAD,
		    "kfree: missing call_site=" },
		{ "no pfn=", KML_IMPORT_FTRACE, NULL,
		    F28_HEAD "page=00000000127f5863 order=0 migratetype=1 "
		    "gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP",
		    "mm_page_alloc: missing pfn=" },
		{ "order=64", KML_IMPORT_FTRACE, NULL,
		    F28_HEAD "page=00000000127f5863 pfn=0x13baca order=64 "
		    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE",
		    "mm_page_alloc: bad order= value '64'" },
		{ "pfn=0xg1", KML_IMPORT_FTRACE, NULL,
		    F28_HEAD "page=00000000127f5863 pfn=0xg1 order=0 "
		    "migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE",
		    "mm_page_alloc: bad pfn= value '0xg1'" },
		{ "no order=", KML_IMPORT_FTRACE, NULL,
		    F223_HEAD "page=000000004aa83703 pfn=0x11db5c",
		    "mm_page_free: missing order=" },
		{ "no gfp_flags=", KML_IMPORT_FTRACE, NULL,
		    F15_HEAD "call_site=alloc_empty_file+0x3c/0x110 "
		    "ptr=00000000b2831a1e name=filp bytes_req=184 "
		    "bytes_alloc=192 node=-1 accounted=true",
		    "kmem_cache_alloc: missing gfp_flags=" },
		{ "mixed decimals", KML_IMPORT_AUTO, after_f18,
		    "   ftrace-run.sh-24906   [001] .....  5342.7027: kmalloc: "
		    F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "timestamp 5342.7027 has 4 decimals, the trace uses 6" },
		{ "mixed decimals (perf, 9 after 6)", KML_IMPORT_AUTO, after_p1,
		    "            perf 23978 [001]  5235.823172000:            "
		    "kmem:kfree: call_site=sched_setaffinity+0x160 "
		    "ptr=0xffff888102b4c7c0",
		    "timestamp 5235.823172000 has 9 decimals, the trace uses 6" },
		{ "2 decimals first", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-24906   [001] .....  5342.70: kmalloc: "
		    F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "timestamp 5342.70 has 2 decimals, not 3, 6 or 9" },
		{ "no decimals", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-24906   [001] .....  5342702745: kmalloc: "
		    F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "timestamp 5342702745 has 0 decimals, not 3, 6 or 9" },
		{ "timestamp 2^64 ns", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-24906   [001] .....  18446744073.709551616: "
		    "kmalloc: " F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "timestamp 18446744073.709551616 is too large" },
		{ "pid 2^32", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-4294967296   [001] .....  5342.702745: "
		    "kmalloc: " F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "bad pid '4294967296'" },
		{ "cpu 4096", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-24906   [4096] .....  5342.702745: "
		    "kmalloc: " F18_SITE F18_PTR "bytes_req=16 bytes_alloc=16 "
		    "gfp_flags=GFP_KERNEL " F18_TAIL,
		    "bad cpu [4096]" },
		{ "garbage (detecting)", KML_IMPORT_AUTO, NULL,
		    "hello world", "not an ftrace or perf script line" },
		{ "no timestamp colon (detecting)", KML_IMPORT_AUTO, NULL,
		    "   ftrace-run.sh-24906   [001] .....  5342.702745 kmalloc: "
		    F18_SITE,
		    "not an ftrace or perf script line" },
		{ "garbage (ftrace)", KML_IMPORT_FTRACE, NULL,
		    "hello world", "not an ftrace line" },
		{ "garbage after ftrace lines", KML_IMPORT_AUTO, after_f18,
		    "hello [001] world", "not an ftrace line" },
		{ "garbage (perf)", KML_IMPORT_PERF, NULL,
		    "hello world", "not a perf script line" },
		{ "perf line after ftrace", KML_IMPORT_AUTO, after_f18,
		    PERF_GIT_1, "a perf script line in an ftrace trace" },
		{ "ftrace line after perf", KML_IMPORT_AUTO, after_p1,
		    F18, "an ftrace line in a perf script trace" },
		{ "lost marker cpu 4096", KML_IMPORT_AUTO, NULL,
		    "CPU:4096 [LOST 3 EVENTS]", "lost marker: bad cpu '4096'" },
		{ "lost marker 2^64", KML_IMPORT_AUTO, NULL,
		    "CPU:1 [LOST 18446744073709551616 EVENTS]",
		    "lost marker: bad count '18446744073709551616'" },
		{ "perf lost count x", KML_IMPORT_PERF, NULL,
		    "            perf 23978 [001]  5235.823022: "
		    "PERF_RECORD_LOST lost x",
		    "PERF_RECORD_LOST: bad lost count 'x'" },
	};
	struct kml_import *imp;
	struct kml_trace_event ev;
	char err[512], *line;
	size_t n;

	for (size_t i = 0; i < NELEM(cases); i++)
		expect_error(cases[i].name, cases[i].fmt, cases[i].pre,
		    cases[i].line, cases[i].msg);

	/* too long for a trace string */
	line = malloc(4096);
	n = (size_t)snprintf(line, 4096, "%s", F18_HEAD "call_site=");
	memset(line + n, 'a', 1100);
	snprintf(line + n + 1100, 4096 - n - 1100, "+0x1/0x2 %s",
	    F18_PTR "bytes_req=16 bytes_alloc=16 gfp_flags=GFP_KERNEL");
	expect_error("call_site of 1106 bytes", KML_IMPORT_AUTO, NULL, line,
	    "kmalloc: call_site= value longer than 1023 bytes");
	n = (size_t)snprintf(line, 4096, "%s", F15_HEAD
	    "call_site=alloc_empty_file+0x3c/0x110 ptr=00000000b2831a1e name=");
	memset(line + n, 'c', 1024);
	snprintf(line + n + 1024, 4096 - n - 1024, " %s",
	    "bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL");
	expect_error("name of 1024 bytes", KML_IMPORT_AUTO, NULL, line,
	    "kmem_cache_alloc: name= value longer than 1023 bytes");
	memset(line, 'x', 1030);
	snprintf(line + 1030, 4096 - 1030, "%s", "-24906   [001] .....  "
	    "5342.702758: kfree: call_site=trace_user_fault_buffer_free+0x1d"
	    "/0x60 ptr=000000002f3b976b");
	expect_error("comm of 1030 bytes", KML_IMPORT_AUTO, NULL, line,
	    "comm longer than 1023 bytes");
	free(line);

	/* the message is cut to errlen; errbuf may be NULL */
	imp = kml_import_create(KML_IMPORT_AUTO, false);
	strcpy(err, "untouched");
	tap_is(feed(imp, F18_HEAD "call_site=x", &ev, err, 8), -1,
	    "errlen 8: error");
	tap_is_str(err, "kmalloc", "errlen 8: message cut to 7 bytes");
	tap_is(feed(imp, F18_HEAD "call_site=x", &ev, NULL, 0), -1,
	    "errbuf NULL: error");
	tap_is(feed(imp, F18, &ev, err, sizeof(err)), 1,
	    "after errors, a good line");
	kml_import_destroy(imp);

	/* largest values accepted */
	imp = kml_import_create(KML_IMPORT_AUTO, false);
	tap_is(feed(imp, "   ftrace-run.sh-4294967295   [4095] .....  "
	    "18446744073.709551615: kmalloc: " F18_SITE F18_PTR
	    "bytes_req=18446744073709551615 bytes_alloc=18446744073709551615 "
	    "gfp_flags=0xffffffff " F18_TAIL, &ev, err, sizeof(err)), 1,
	    "largest values: an event");
	tap_ok(ev.te_ts == UINT64_MAX && ev.te_size == UINT64_MAX &&
	    ev.te_alloc == UINT64_MAX && ev.te_pid == UINT32_MAX &&
	    ev.te_tid == UINT32_MAX && ev.te_cpu == 4095 &&
	    ev.te_gfp == 0xffffffffu, "largest values: read exactly");
	kml_import_destroy(imp);
}

/* ---- 7. older kernels and other spellings (constructed) */

static const struct want other_lines[] = {
	/*
	 * kmalloc_node of 4.x-5.x kernels: "call_site=%pS ptr=%p bytes_req=%zu
	 * bytes_alloc=%zu gfp_flags=%s node=%d", no accounted=; values of
	 * ftrace-irq.txt line 6629.
	 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "          <idle>-0       [001] ..s1.  5126.336752: kmalloc_node: "
	    "call_site=__alloc_skb+0x8c/0x1e0 ptr=000000006e0f43a3 "
	    "bytes_req=640 bytes_alloc=1024 "
	    "gfp_flags=GFP_ATOMIC|__GFP_NOWARN node=-1",
	    KML_OP_KMALLOC, 5126336752u, 1, 0, 0, KML_CTX_SOFTIRQ, 0,
	    GFP_ATOMIC | __GFP_NOWARN, 640, 1024, 0x6e0f43a3, 0,
	    "<idle>", "__alloc_skb+0x8c", NULL },
	/* kmem_cache_alloc_node of 5.16-6.0 (accounted=, no name=) */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "             git-24908   [001] .....  5342.705330: "
	    "kmem_cache_alloc_node: call_site=__alloc_skb+0x4d/0x1e0 "
	    "ptr=000000007982bbaa bytes_req=256 bytes_alloc=256 "
	    "gfp_flags=GFP_KERNEL|__GFP_NOWARN node=0 accounted=false",
	    KML_OP_CACHE_ALLOC, 5342705330u, 1, 24908, 24908, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL | __GFP_NOWARN, 256, 256, 0x7982bbaa, 0,
	    "git", "__alloc_skb+0x4d", NULL },
	/* kmem_cache_alloc before 6.1: no name=; ftrace-git.txt line 16 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702740: "
	    "kmem_cache_alloc: call_site=alloc_empty_file+0x3c/0x110 "
	    "ptr=00000000b2831a1e bytes_req=184 bytes_alloc=192 "
	    "gfp_flags=GFP_KERNEL accounted=true",
	    KML_OP_CACHE_ALLOC, 5342702740u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ACCOUNT, GFP_KERNEL, 184, 192,
	    0xb2831a1e, 0, "ftrace-run.sh", "alloc_empty_file+0x3c", NULL },
	/* kmem_cache_free before 5.12: no name=; ftrace-git.txt line 266 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.703854: "
	    "kmem_cache_free: call_site=do_sys_openat2+0x88/0xd0 "
	    "ptr=0000000077f32561",
	    KML_OP_CACHE_FREE, 5342703854u, 1, 24907, 24907, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x77f32561, 0, "rm", "do_sys_openat2+0x88", NULL },
	/*
	 * 3.x kernels: 4 flag columns, "%16s-%-5d", call_site=%lx (a bare
	 * address, kept as text), raw %p without 0x, pfn=%lu in decimal.
	 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "            bash-2342  [000] .... 1245.635011: kmalloc: "
	    "call_site=ffffffff811b2c5e ptr=ffff88003b2f4c00 bytes_req=64 "
	    "bytes_alloc=64 gfp_flags=GFP_KERNEL",
	    KML_OP_KMALLOC, 1245635011u, 0, 2342, 2342, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL, 64, 64, 0xffff88003b2f4c00, 0,
	    "bash", "ffffffff811b2c5e", NULL },
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "            bash-2342  [000] d.h1 1245.635020: mm_page_free: "
	    "page=ffffea0000ed3d40 pfn=971989 order=1",
	    KML_OP_PAGE_FREE, 1245635020u, 0, 2342, 2342, KML_CTX_HARDIRQ,
	    0, 0, 0, 0, 971989, 1, "bash", NULL, NULL },
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "            bash-2342  [000] .... 1245.635030: "
	    "mm_page_free_batched: page=ffffea0000ed3d80 pfn=971990 order=0 "
	    "cold=0",
	    KML_OP_PAGE_FREE, 1245635030u, 0, 2342, 2342, KML_CTX_THREAD,
	    0, 0, 0, 0, 971990, 0, "bash", NULL, NULL },
	/* mm_page_free_batched of today's kernels; ftrace-git.txt line 223 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.703724: "
	    "mm_page_free_batched: page=000000004aa83703 pfn=0x11db5c order=0",
	    KML_OP_PAGE_FREE, 5342703724u, 1, 24907, 24907, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x11db5c, 0, "rm", NULL, NULL },
	/* a failed mm_page_alloc: pfn=0x0 (page NULL) */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702776: mm_page_alloc: "
	    "page=0000000000000000 pfn=0x0 order=4 migratetype=1 "
	    "gfp_flags=GFP_NOWAIT|__GFP_COMP",
	    KML_OP_PAGE_ALLOC, 5342702776u, 1, 24906, 24906, KML_CTX_THREAD,
	    0, GFP_NOWAIT | __GFP_COMP, 0, 0, 0, 4, "ftrace-run.sh", NULL,
	    NULL },
	/* perf: the _node and _batched events; values of perf-git.txt 1, 321 */
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23978 [000]  5235.823022:     kmem:kmalloc_node: "
	    "call_site=sched_setaffinity+0x10c ptr=0xffff888102b4c7c0 "
	    "bytes_req=32 bytes_alloc=32 gfp_flags=GFP_KERNEL node=0",
	    KML_OP_KMALLOC, 5235823022u, 0, 23978, 23978, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL, 32, 32, 0xffff888102b4c7c0, 0,
	    "perf", "sched_setaffinity+0x10c", NULL },
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823185: "
	    "kmem:kmem_cache_alloc_node: call_site=getname_flags.part.0+0x24 "
	    "ptr=0xffff88810087b000 name=names_cache bytes_req=4096 "
	    "bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 accounted=false",
	    KML_OP_CACHE_ALLOC, 5235823185u, 1, 23978, 23978, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL, 4096, 4096, 0xffff88810087b000, 0,
	    "perf", "getname_flags.part.0+0x24", "names_cache" },
	{ NULL, 0, KML_IMPORT_PERF,
	    "       perf-exec 23980 [000]  5235.824087: "
	    "kmem:mm_page_free_batched: page=0x132168 pfn=0x132168 order=0",
	    KML_OP_PAGE_FREE, 5235824087u, 0, 23980, 23980, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x132168, 0, "perf-exec", NULL, NULL },
	/* perf without the "kmem:" prefix; perf-git.txt line 3 */
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823172:                 kfree: "
	    "call_site=sched_setaffinity+0x160 ptr=0xffff888102b4c7c0",
	    KML_OP_KFREE, 5235823172u, 1, 23978, 23978, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff888102b4c7c0, 0, "perf",
	    "sched_setaffinity+0x160", NULL },
	/* perf pid/tid of a second thread; perf-fields.txt line 17 */
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23712/23719 [001]  5223.001550:  "
	    "kmem:kmem_cache_free: call_site=__fput+0x141 "
	    "ptr=0xffff8881046615e8 name=lsm_file_cache",
	    KML_OP_CACHE_FREE, 5223001550u, 1, 23712, 23719, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff8881046615e8, 0, "perf", "__fput+0x141",
	    "lsm_file_cache" },
	/* perf --ns: 9 decimals; perf-git.txt line 3 */
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823172123:            "
	    "kmem:kfree: call_site=sched_setaffinity+0x160 "
	    "ptr=0xffff888102b4c7c0",
	    KML_OP_KFREE, 5235823172123u, 1, 23978, 23978, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff888102b4c7c0, 0, "perf",
	    "sched_setaffinity+0x160", NULL },
	/* 3 decimals (milliseconds) */
	{ NULL, 0, KML_IMPORT_PERF,
	    "            perf 23978 [001]  5235.823:            "
	    "kmem:kfree: call_site=sched_setaffinity+0x160 ptr=0x0",
	    KML_OP_KFREE, 5235823u, 1, 23978, 23978, KML_CTX_THREAD,
	    0, 0, 0, 0, 0, 0, "perf", "sched_setaffinity+0x160", NULL },
	/* gfp_flags as a number; accounted=true with __GFP_ACCOUNT too */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702745: kmalloc: "
	    "call_site=tracing_mark_open+0xe4/0x230 ptr=000000001e58ffb8 "
	    "bytes_req=16 bytes_alloc=16 gfp_flags=0x400dc0 node=-1 "
	    "accounted=true",
	    KML_OP_KMALLOC, 5342702745u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP | KML_TEF_ZERO | KML_TEF_ACCOUNT,
	    GFP_KERNEL_ACCOUNT | __GFP_ZERO, 16, 16, 0x1e58ffb8, 0,
	    "ftrace-run.sh", "tracing_mark_open+0xe4", NULL },
	/* gfp_flags=none */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702776: mm_page_alloc: "
	    "page=00000000127f5863 pfn=0x13baca order=0 migratetype=1 "
	    "gfp_flags=none",
	    KML_OP_PAGE_ALLOC, 5342702776u, 1, 24906, 24906, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x13baca, 0, "ftrace-run.sh", NULL, NULL },
	/* call_site with a module; ftrace-git.txt line 493 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.704205: kfree: "
	    "call_site=ext4_fname_free_filename+0x1c/0x40 [ext4] "
	    "ptr=0000000000000000",
	    KML_OP_KFREE, 5342704205u, 1, 24907, 24907, KML_CTX_THREAD,
	    0, 0, 0, 0, 0, 0, "rm", "ext4_fname_free_filename+0x1c [ext4]",
	    NULL },
	/* an unresolved call_site as %pS prints it */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "              rm-24907   [001] .....  5342.704205: kfree: "
	    "call_site=0xffffffffc0a1b2c3 ptr=0000000000000000",
	    KML_OP_KFREE, 5342704205u, 1, 24907, 24907, KML_CTX_THREAD,
	    0, 0, 0, 0, 0, 0, "rm", "0xffffffffc0a1b2c3", NULL },
	/* nohash-ptr: %px, 16 digits that are an address */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702758: kfree: "
	    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
	    "ptr=ffff888102b4c7c0",
	    KML_OP_KFREE, 5342702758u, 1, 24906, 24906, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff888102b4c7c0, 0, "ftrace-run.sh",
	    "trace_user_fault_buffer_free+0x1d", NULL },
	/* comms with spaces; ftrace-git.txt line 23, perf-git.txt line 3 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "     Web Content-4321    [001] .....  5342.702758: kfree: "
	    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
	    "ptr=000000002f3b976b",
	    KML_OP_KFREE, 5342702758u, 1, 4321, 4321, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x2f3b976b, 0, "Web Content",
	    "trace_user_fault_buffer_free+0x1d", NULL },
	{ NULL, 0, KML_IMPORT_PERF,
	    "     Web Content  4321 [001]  5235.823172:            kmem:kfree: "
	    "call_site=sched_setaffinity+0x160 ptr=0xffff888102b4c7c0",
	    KML_OP_KFREE, 5235823172u, 1, 4321, 4321, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff888102b4c7c0, 0, "Web Content",
	    "sched_setaffinity+0x160", NULL },
	{ NULL, 0, KML_IMPORT_PERF,
	    "  a b-12 c 23712/23719 [001]  5223.001550:  "
	    "kmem:kmem_cache_free: call_site=__fput+0x141 "
	    "ptr=0xffff8881046615e8 name=lsm_file_cache",
	    KML_OP_CACHE_FREE, 5223001550u, 1, 23712, 23719, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff8881046615e8, 0, "a b-12 c", "__fput+0x141",
	    "lsm_file_cache" },
	/* qemu's vCPU threads: "CPU 0/KVM" is no trace-cmd "CPU 3 is empty" */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "       CPU 0/KVM-4321    [001] .....  5342.702758: kfree: "
	    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
	    "ptr=000000002f3b976b",
	    KML_OP_KFREE, 5342702758u, 1, 4321, 4321, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x2f3b976b, 0, "CPU 0/KVM",
	    "trace_user_fault_buffer_free+0x1d", NULL },
	{ NULL, 0, KML_IMPORT_PERF,
	    "       CPU 0/KVM  4321 [001]  5235.823172:            kmem:kfree: "
	    "call_site=sched_setaffinity+0x160 ptr=0xffff888102b4c7c0",
	    KML_OP_KFREE, 5235823172u, 1, 4321, 4321, KML_CTX_THREAD,
	    0, 0, 0, 0, 0xffff888102b4c7c0, 0, "CPU 0/KVM",
	    "sched_setaffinity+0x160", NULL },
	/* ftrace's unknown comm "<...>": no comm */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "           <...>-3979    [001] .....  5342.702758: kfree: "
	    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
	    "ptr=000000002f3b976b",
	    KML_OP_KFREE, 5342702758u, 1, 3979, 3979, KML_CTX_THREAD,
	    0, 0, 0, 0, 0x2f3b976b, 0, NULL,
	    "trace_user_fault_buffer_free+0x1d", NULL },
	/*
	 * the record-tgid option: "%16s-%-7d (%7d) [%03d]", "(-------)" when
	 * the tgid is unknown; ftrace-git.txt line 886 and 465
	 */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "             git-24908   (  24900) [001] .....  5342.705330: "
	    "kmem_cache_alloc: call_site=bvec_alloc+0x88/0x100 "
	    "ptr=000000007982bbaa name=key_jar bytes_req=256 bytes_alloc=256 "
	    "gfp_flags=GFP_NOWAIT|__GFP_FS|__GFP_NORETRY|__GFP_NOMEMALLOC "
	    "node=-1 accounted=false",
	    KML_OP_CACHE_ALLOC, 5342705330u, 1, 24900, 24908, KML_CTX_THREAD,
	    0, GFP_NOWAIT | __GFP_FS | __GFP_NORETRY | __GFP_NOMEMALLOC,
	    256, 256, 0x7982bbaa, 0, "git", "bvec_alloc+0x88", "key_jar" },
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "          <idle>-0       (-------) [001] ..s1.  5338.167053: "
	    "kfree: call_site=virtblk_request_done+0x85/0xb0 "
	    "ptr=000000003cddef1e",
	    KML_OP_KFREE, 5338167053u, 1, 0, 0, KML_CTX_SOFTIRQ,
	    0, 0, 0, 0, 0x3cddef1e, 0, "<idle>", "virtblk_request_done+0x85",
	    NULL },
	/* fields in another order, unknown fields, several spaces */
	{ NULL, 0, KML_IMPORT_FTRACE,
	    "   ftrace-run.sh-24906   [001] .....  5342.702745: kmalloc: "
	    "new_field=1  gfp_flags=GFP_KERNEL bytes_alloc=16 bytes_req=16  "
	    "ptr=000000001e58ffb8 call_site=tracing_mark_open+0xe4/0x230 [ns]",
	    KML_OP_KMALLOC, 5342702745u, 1, 24906, 24906, KML_CTX_THREAD,
	    KML_TEF_SLEEP, GFP_KERNEL, 16, 16, 0x1e58ffb8, 0,
	    "ftrace-run.sh", "tracing_mark_open+0xe4 [ns]", NULL },
};

static void
test_other_lines(void)
{
	char name[96];

	for (size_t i = 0; i < NELEM(other_lines); i++) {
		snprintf(name, sizeof(name), "constructed %zu \"%.40s\"", i,
		    other_lines[i].w_text);
		one_event(name, KML_IMPORT_AUTO, &other_lines[i], "");
	}
}

/* ---- 8. pointers and the header flag */

static void
test_pointers(void)
{
	static const struct {
		const char *what;
		const char *line;
		uint16_t before, after;
	} cases[] = {
		{ "hashed ptr sets HASHEDPTR", F18, 0, KML_THF_HASHEDPTR },
		{ "ftrace NULL leaves the flag (unset)",
		    "              rm-24907   [001] .....  5342.704205: kfree: "
		    "call_site=vm_area_free+0x1c/0x90 ptr=0000000000000000",
		    0, 0 },
		{ "ftrace NULL leaves the flag (set)",
		    "              rm-24907   [001] .....  5342.704205: kfree: "
		    "call_site=vm_area_free+0x1c/0x90 ptr=0000000000000000",
		    KML_THF_HASHEDPTR, KML_THF_HASHEDPTR },
		{ "perf (nil) leaves the flag",
		    "       perf-exec 23980 [000]  5235.824232:            "
		    "kmem:kfree: call_site=vm_area_free+0x1c ptr=(nil)",
		    KML_THF_HASHEDPTR, KML_THF_HASHEDPTR },
		{ "raw ptr clears HASHEDPTR", PERF_GIT_1, KML_THF_HASHEDPTR, 0 },
		{ "%px address clears HASHEDPTR",
		    "   ftrace-run.sh-24906   [001] .....  5342.702758: kfree: "
		    "call_site=trace_user_fault_buffer_free+0x1d/0x60 "
		    "ptr=ffff888102b4c7c0", KML_THF_HASHEDPTR, 0 },
		{ "page events leave the flag",
		    "              rm-24907   [001] .....  5342.703724: "
		    "mm_page_free: page=000000004aa83703 pfn=0x11db5c order=0",
		    0, 0 },
	};
	struct kml_trace_header th;
	struct kml_trace_event ev;
	char err[256];

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO,
		    false);

		tap_is(feed(imp, cases[i].line, &ev, err, sizeof(err)), 1,
		    "%s: an event", cases[i].what);
		header_sentinel(&th, cases[i].before);
		kml_import_header(imp, &th);
		tap_is(th.th_flags, cases[i].after, "%s", cases[i].what);
		kml_import_destroy(imp);
	}
}

/* ---- 9. lines that are skipped */

static void
test_skipped(void)
{
	static const struct {
		const char *what;
		unsigned fmt;		/* the format they decide, or AUTO */
		const char *line;
		unsigned why;
	} cases[] = {
		/* ftrace, constructed from the kernel's print formats */
		{ "ftrace sched_switch", KML_IMPORT_FTRACE,
		    "          <idle>-0       [001] d..2.  5342.702800: "
		    "sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 "
		    "prev_state=R ==> next_comm=git next_pid=24908 "
		    "next_prio=120", KML_ISKIP_OTHER_EVENT },
		{ "ftrace mm_page_alloc_zone_locked", KML_IMPORT_FTRACE,
		    "              rm-24907   [001] d..1.  5342.703724: "
		    "mm_page_alloc_zone_locked: page=000000004aa83703 "
		    "pfn=0x11db5c order=0 migratetype=1 percpu_refill=1",
		    KML_ISKIP_OTHER_EVENT },
		{ "ftrace mm_page_pcpu_drain", KML_IMPORT_FTRACE,
		    "              rm-24907   [001] d..1.  5342.703724: "
		    "mm_page_pcpu_drain: page=000000004aa83703 pfn=0x11db5c "
		    "order=0 migratetype=1", KML_ISKIP_OTHER_EVENT },
		{ "ftrace function tracer", KML_IMPORT_FTRACE,
		    "             git-24908   [001] .....  5342.705330: "
		    "kmem_cache_alloc_noprof <-bvec_alloc",
		    KML_ISKIP_OTHER_EVENT },
		{ "ftrace <stack trace>", KML_IMPORT_FTRACE,
		    "   ftrace-run.sh-24906   [001] .....  5342.702746: "
		    "<stack trace>", KML_ISKIP_OTHER_EVENT },
		{ "ftrace stack line", KML_IMPORT_AUTO,
		    " => __kmalloc_cache_noprof+0x1a1/0x2f0",
		    KML_ISKIP_OTHER_EVENT },
		{ "ftrace irq event", KML_IMPORT_FTRACE,
		    "          <idle>-0       [000] d.h1.  5342.702800: "
		    "irq_handler_entry: irq=25 name=virtio1-req.0",
		    KML_ISKIP_OTHER_EVENT },
		/* perf, constructed likewise */
		{ "perf sched:sched_switch", KML_IMPORT_PERF,
		    "         swapper     0 [001]  5235.823100: "
		    "sched:sched_switch: prev_comm=swapper/1 prev_pid=0 "
		    "prev_prio=120 prev_state=R ==> next_comm=perf "
		    "next_pid=23978 next_prio=120", KML_ISKIP_OTHER_EVENT },
		{ "perf kmem:mm_page_alloc_zone_locked", KML_IMPORT_PERF,
		    "            perf 23978 [001]  5235.823299: "
		    "kmem:mm_page_alloc_zone_locked: page=0x13e888 pfn=0x13e888 "
		    "order=0 migratetype=0 percpu_refill=1",
		    KML_ISKIP_OTHER_EVENT },
		{ "perf kmem:mm_page_pcpu_drain", KML_IMPORT_PERF,
		    "            perf 23978 [001]  5235.823299: "
		    "kmem:mm_page_pcpu_drain: page=0x13e888 pfn=0x13e888 "
		    "order=0 migratetype=0", KML_ISKIP_OTHER_EVENT },
		{ "perf other subsystem's kmalloc", KML_IMPORT_PERF,
		    "            perf 23978 [001]  5235.823299: "
		    "foo:kmalloc: call_site=x ptr=0x1",
		    KML_ISKIP_OTHER_EVENT },
		{ "perf callchain line", KML_IMPORT_AUTO,
		    "\t    ffffffff8134b8a1 __kmalloc_cache_noprof+0x1a1 "
		    "([kernel.kallsyms])", KML_ISKIP_OTHER_EVENT },
		{ "blank line after a callchain", KML_IMPORT_AUTO, "",
		    KML_ISKIP_COMMENT },
	};
	struct kml_trace_event ev;
	char err[256];

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO,
		    false);
		const struct kml_import_stats *st = kml_import_stats(imp);

		strcpy(err, "");
		tap_is(feed(imp, cases[i].line, &ev, err, sizeof(err)), 0,
		    "%s: skipped %s", cases[i].what, err);
		tap_is(st->is_skipped[cases[i].why], 1, "%s: counted as %s",
		    cases[i].what, kml_import_skip_name(cases[i].why));
		tap_is(st->is_converted, 0, "%s: no event", cases[i].what);
		tap_is(kml_import_format(imp), cases[i].fmt, "%s: format %s",
		    cases[i].what, kml_import_format_name(cases[i].fmt));
		kml_import_destroy(imp);
	}
}

/* ---- 10. whole files */

/*
 * The counts of each file, computed from the text alone (in traces/raw):
 *   lines      wc -l FILE
 *   comment    grep -c '^#' FILE  (and grep -c '^[[:space:]]*$' FILE: 0)
 *   other      grep -vE '^#| (kmem:)?(kmalloc|kfree|kmem_cache_alloc|
 *              kmem_cache_free|mm_page_alloc|mm_page_free): ' FILE | wc -l
 *   ops        grep -cE "( |kmem:)$e: " FILE  for each of the six events
 *   softirq    awk '/ \[[0-9]+\] ..s/' FILE | wc -l  (ftrace; perf: 0)
 *   the sums and flag counts: awk -f agg.awk FILE, with agg.awk:
 *	/^#/ { next }
 *	{ kmem = 0
 *	  for (i = 1; i <= NF; i++) if ($i ~ /^(kmem:)?(kmalloc|kfree|
 *	      kmem_cache_alloc|kmem_cache_free|mm_page_alloc|mm_page_free):$/)
 *	      { kmem = 1; break }
 *	  if (!kmem) next
 *	  g = ""; acc = 0
 *	  for (i = 1; i <= NF; i++) {
 *	    if ($i ~ /^bytes_req=/) req += substr($i, 11)
 *	    if ($i ~ /^bytes_alloc=/) alloc += substr($i, 13)
 *	    if ($i ~ /^order=/) ord += substr($i, 7)
 *	    if ($i ~ /^gfp_flags=/) g = substr($i, 11)
 *	    if ($i == "accounted=true") acc = 1
 *	    if ($i ~ /^ptr=(\(nil\)|0+)$/) nul++ }
 *	  if (g ~ /(^|\|)(GFP_KERNEL|GFP_KERNEL_ACCOUNT|GFP_NOFS|GFP_NOIO|
 *	      GFP_USER|GFP_HIGHUSER|GFP_HIGHUSER_MOVABLE)(\||$)/) sleep++
 *	  if (g ~ /__GFP_ZERO/) zero++
 *	  if (acc || g ~ /(GFP_KERNEL_ACCOUNT|__GFP_ACCOUNT)/) account++ }
 *	END { print req, alloc, ord, nul, sleep, zero, account }
 *   (the regular expressions are on one line in the script)
 */
static const struct filewant {
	const char *fw_name;
	unsigned fw_fmt;
	uint64_t fw_lines, fw_comment, fw_other;
	uint64_t fw_ops[7];	/* by KML_OP_*, 1..6 */
	uint32_t fw_ncpu;
	uint16_t fw_thflags;
	uint64_t fw_req, fw_alloc, fw_order, fw_null, fw_softirq;
	uint64_t fw_sleep, fw_zero, fw_account;
} filewants[] = {
	{ "ftrace-compile.txt", KML_IMPORT_FTRACE, 5028, 12, 1,
	    { 0, 76, 235, 1493, 930, 2139, 142 }, 2, KML_THF_HASHEDPTR,
	    1157656, 1163736, 2, 163, 388, 3123, 300, 568 },
	{ "ftrace-cp.txt", KML_IMPORT_FTRACE, 5489, 12, 1,
	    { 0, 1140, 1340, 1739, 829, 421, 7 }, 2, KML_THF_HASHEDPTR,
	    1715836, 1729136, 50, 213, 119, 2954, 1731, 764 },
	{ "ftrace-git.txt", KML_IMPORT_FTRACE, 5428, 12, 1,
	    { 0, 450, 588, 2264, 1395, 623, 95 }, 2, KML_THF_HASHEDPTR,
	    2725812, 2736544, 0, 337, 206, 2818, 1039, 961 },
	{ "ftrace-irq.txt", KML_IMPORT_FTRACE, 7217, 12, 0,
	    { 0, 0, 96, 44, 6765, 11, 289 }, 2, KML_THF_HASHEDPTR,
	    20064, 20544, 36, 22, 7205, 0, 0, 0 },
	{ "perf-compile.txt", KML_IMPORT_PERF, 5637, 0, 0,
	    { 0, 100, 345, 1890, 1688, 1515, 99 }, 0, 0,
	    3987065, 3991432, 4, 251, 0, 3212, 1083, 496 },
	{ "perf-fields.txt", KML_IMPORT_PERF, 5453, 0, 0,
	    { 0, 100, 345, 1799, 1598, 1512, 99 }, 0, 0,
	    3726105, 3730360, 4, 251, 0, 3118, 1066, 482 },
	{ "perf-git.txt", KML_IMPORT_PERF, 5751, 0, 0,
	    { 0, 509, 786, 2081, 1578, 659, 138 }, 0, 0,
	    2729312, 2739456, 2, 475, 0, 2718, 978, 923 },
};

/*
 * file_run: read every line of rf (with "\r" added to each when crlf)
 * and check the counts against fw.
 */
static void
file_run(const struct rawfile *rf, const struct filewant *fw, bool crlf)
{
	struct kml_import *imp = kml_import_create(KML_IMPORT_AUTO, false);
	const struct kml_import_stats *st = kml_import_stats(imp);
	struct kml_trace_header th;
	struct kml_trace_event ev;
	uint64_t req = 0, alloc = 0, order = 0, null = 0, softirq = 0;
	uint64_t sleep = 0, zero = 0, account = 0, converted = 0;
	char err[256], name[64], *buf = NULL;
	size_t cap = 0;
	int rv, errors = 0;

	snprintf(name, sizeof(name), "%s%s", fw->fw_name,
	    crlf ? " \\r\\n" : "");
	for (size_t i = 0; i < rf->rf_nlines; i++) {
		const char *line = rf->rf_line[i];
		size_t len = rf->rf_len[i];

		if (crlf) {
			if (len + 1 > cap) {
				cap = 2 * (len + 1);
				if ((buf = realloc(buf, cap)) == NULL)
					tap_bail("out of memory");
			}
			memcpy(buf, line, len);
			buf[len++] = '\r';
			line = buf;
		}
		rv = kml_import_line(imp, line, len, &ev, err, sizeof(err));
		if (rv < 0) {
			if (errors++ < 3)
				tap_diag("%s:%zu: %s", fw->fw_name, i + 1, err);
			continue;
		}
		if (rv == 0)
			continue;
		converted++;
		req += ev.te_size;
		alloc += ev.te_alloc;
		order += ev.te_order;
		null += (ev.te_op <= KML_OP_CACHE_FREE && ev.te_ptr == 0);
		softirq += ev.te_ctx == KML_CTX_SOFTIRQ;
		sleep += (ev.te_flags & KML_TEF_SLEEP) != 0;
		zero += (ev.te_flags & KML_TEF_ZERO) != 0;
		account += (ev.te_flags & KML_TEF_ACCOUNT) != 0;
	}
	free(buf);
	tap_is(errors, 0, "%s: no error", name);
	tap_is(st->is_lines, fw->fw_lines, "%s: lines", name);
	tap_is(st->is_converted, fw->fw_lines - fw->fw_comment - fw->fw_other,
	    "%s: converted", name);
	tap_is(converted, st->is_converted, "%s: events returned", name);
	tap_is(st->is_skipped[KML_ISKIP_COMMENT], fw->fw_comment,
	    "%s: comments", name);
	tap_is(st->is_skipped[KML_ISKIP_OTHER_EVENT], fw->fw_other,
	    "%s: other events", name);
	tap_is(st->is_skipped[KML_ISKIP_MALFORMED], 0, "%s: malformed", name);
	tap_is(st->is_skipped[KML_ISKIP_LOST], 0, "%s: lost markers", name);
	tap_is(st->is_lost, 0, "%s: lost", name);
	for (unsigned op = 1; op <= KML_OP_PAGE_FREE; op++)
		tap_is(st->is_events[op], fw->fw_ops[op], "%s: op %u events",
		    name, op);
	tap_is(kml_import_format(imp), fw->fw_fmt, "%s: format", name);
	header_sentinel(&th, KML_THF_HASHEDPTR ^ fw->fw_thflags);
	kml_import_header(imp, &th);
	tap_is(th.th_ncpu, fw->fw_ncpu ? fw->fw_ncpu : 77, "%s: ncpu", name);
	tap_is(th.th_clock_ns, 1000, "%s: clock", name);
	tap_is(th.th_flags, fw->fw_thflags, "%s: pointer flag", name);
	tap_is(req, fw->fw_req, "%s: sum of bytes_req", name);
	tap_is(alloc, fw->fw_alloc, "%s: sum of bytes_alloc", name);
	tap_is(order, fw->fw_order, "%s: sum of orders", name);
	tap_is(null, fw->fw_null, "%s: NULL slab pointers", name);
	tap_is(softirq, fw->fw_softirq, "%s: softirq events", name);
	tap_is(sleep, fw->fw_sleep, "%s: SLEEP flags", name);
	tap_is(zero, fw->fw_zero, "%s: ZERO flags", name);
	tap_is(account, fw->fw_account, "%s: ACCOUNT flags", name);
	kml_import_destroy(imp);
}

static void
test_files(void)
{
	for (size_t i = 0; i < NELEM(filewants); i++) {
		const struct rawfile *rf = raw_load(filewants[i].fw_name);

		file_run(rf, &filewants[i], false);
		file_run(rf, &filewants[i], true);
	}
}

int
main(void)
{
	tap_diag("raw traces in %s", raw_dir());
	test_names();
	test_edge_lines();
	test_ftrace_header();
	test_perf_header();
	test_tracecmd();
	test_context();
	test_lost();
	test_errors();
	test_other_lines();
	test_pointers();
	test_skipped();
	test_files();
	return tap_done();
}
