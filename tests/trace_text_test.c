/*
 * tests/trace_text_test.c: TAP test of the text form of traces
 * (kmemlab/trace.h: kml_trace_format_event, kml_trace_parse_event,
 * kml_trace_to_text, kml_trace_from_text; lib/trace_text.c).
 *
 * How:
 *  - format/parse: events of every operation and with every field are
 *    formatted and compared with the exact line that the text form
 *    (man/kmemlab-trace.5) asks for, then parsed back and compared field
 *    by field; every string quoting case, every timestamp form (clock
 *    units 10^k ns for k = 0..9, 3 ns, 10^10 ns) and every parse error
 *    with its exact message.
 *  - dump: a trace written with the library (every header field set,
 *    events, a drop, a flush) is dumped and compared with its exact text.
 *  - load: texts with every header line, the defaults, repeated, unknown
 *    and misplaced header lines, drop, flush and %end lines are loaded
 *    into a fresh directory; the trace read back must hold what the text
 *    says; every error must give its exact "in.txt:LINE: problem"
 *    message and leave the directory empty.
 *  - round trips: a trace with every operation and field, drops,
 *    explicit flushes, more strings than its 4 slots and 4096-byte blocks
 *    goes binary -> text -> binary (the two files must be byte-identical)
 *    and text -> binary -> text (identical text); and the same with
 *    20,000 random events from fixed seeds (the seed is printed on a
 *    failure), where each dumped line must also parse back to the event
 *    that was written.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/gfp.h>
#include <kmemlab/trace.h>

#include "tap.h"

#define TX_LINEMAX	16384		/* room for any event line */
#define TX_STRBUF	(3 * (KML_TRACE_STRMAX + 1))

/* The contexts by number (enum kml_trace_ctx). */
#define TX_THREAD	0
#define TX_SOFTIRQ	1
#define TX_HARDIRQ	2
#define TX_NMI		3

static char tx_dir[64];			/* a fresh directory for outputs */

/* ---- helpers */

/* tx_header: the default header (source text) with clock unit clock_ns. */
static struct kml_trace_header
tx_header(uint64_t clock_ns)
{
	struct kml_trace_header th;

	kml_trace_header_init(&th, KML_TSRC_TEXT);
	th.th_clock_ns = clock_ns;
	return th;
}

/* tx_fmt: ev formatted with th (static buffer); checks the returned length. */
static const char *
tx_fmt(const struct kml_trace_header *th, const struct kml_trace_event *ev)
{
	static char buf[TX_LINEMAX];
	size_t n = kml_trace_format_event(th, ev, buf, sizeof(buf));

	if (n != strlen(buf))
		tap_ok(0, "format returned %zu for a line of %zu bytes", n,
		    strlen(buf));
	return buf;
}

/* tx_op: the name of op, "?" if it has none (a failure shows). */
static const char *
tx_op(unsigned op)
{
	const char *name = kml_trace_op_name(op);

	return name != NULL ? name : "?";
}

/* tx_sprintf: a formatted string (one of 4 static buffers, in turn). */
static const char *
tx_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
tx_sprintf(const char *fmt, ...)
{
	static char bufs[4][TX_LINEMAX];
	static unsigned next;
	char *buf = bufs[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, TX_LINEMAX, fmt, ap);
	va_end(ap);
	return buf;
}

/* tx_streq: two strings equal, NULL equal only to NULL. */
static bool
tx_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * tx_evdiff: the first field in which a and b differ ("" if none): every
 * field, strings by value.
 */
static const char *
tx_evdiff(const struct kml_trace_event *a, const struct kml_trace_event *b)
{
	if (a->te_ts != b->te_ts)
		return "ts";
	if (a->te_ptr != b->te_ptr)
		return "ptr";
	if (a->te_oldptr != b->te_oldptr)
		return "oldptr";
	if (a->te_size != b->te_size)
		return "size";
	if (a->te_alloc != b->te_alloc)
		return "alloc";
	if (a->te_align != b->te_align)
		return "align";
	if (a->te_count != b->te_count)
		return "count";
	if (a->te_cpu != b->te_cpu)
		return "cpu";
	if (a->te_pid != b->te_pid)
		return "pid";
	if (a->te_tid != b->te_tid)
		return "tid";
	if (a->te_gfp != b->te_gfp)
		return "gfp";
	if (a->te_op != b->te_op)
		return "op";
	if (a->te_ctx != b->te_ctx)
		return "ctx";
	if (a->te_flags != b->te_flags)
		return "flags";
	if (a->te_order != b->te_order)
		return "order";
	if (!tx_streq(a->te_comm, b->te_comm))
		return "comm";
	if (!tx_streq(a->te_site, b->te_site))
		return "site";
	if (!tx_streq(a->te_cache, b->te_cache))
		return "cache";
	return "";
}

/*
 * tx_line: check that ev formats to exactly want under th and that want
 * parses back to ev.
 */
static void
tx_line(const struct kml_trace_header *th, const struct kml_trace_event *ev,
    const char *want, const char *what)
{
	struct kml_trace_event back;
	char strbuf[TX_STRBUF], err[256] = "";
	int r;

	tap_is_str(tx_fmt(th, ev), want, "format %s", what);
	r = kml_trace_parse_event(th, want, strlen(want), &back, strbuf,
	    sizeof(strbuf), err, sizeof(err));
	if (!tap_is(r, 0, "parse %s", what))
		tap_diag("error: %s", err);
	else
		tap_is_str(tx_evdiff(&back, ev), "", "parse %s: same event",
		    what);
}

/* tx_parse_err: check that line fails to parse under th with message want. */
static void
tx_parse_err(const struct kml_trace_header *th, const char *line,
    const char *want)
{
	struct kml_trace_event ev;
	char strbuf[TX_STRBUF], err[256] = "";
	int r;

	r = kml_trace_parse_event(th, line, strlen(line), &ev, strbuf,
	    sizeof(strbuf), err, sizeof(err));
	tap_is(r, (uint64_t)-1, "refused: %s", line);
	tap_is_str(err, want, "message for: %s", line);
}

/* tx_parse: parse line under th into *ev (strings in strbuf); check it works. */
static bool
tx_parse(const struct kml_trace_header *th, const char *line,
    struct kml_trace_event *ev, char *strbuf, const char *what)
{
	char err[256] = "";
	int r;

	r = kml_trace_parse_event(th, line, strlen(line), ev, strbuf,
	    TX_STRBUF, err, sizeof(err));
	if (!tap_is(r, 0, "parse %s", what))
		tap_diag("error: %s", err);
	return r == 0;
}

/* ---- format and parse: operations and fields */

/* tx_ops: one event of every operation, exact lines. */
static void
tx_ops(void)
{
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev;

	for (unsigned op = 1; op < KML_OP_COUNT; op++) {
		memset(&ev, 0, sizeof(ev));
		ev.te_op = (uint8_t)op;
		ev.te_ts = 1000001;
		ev.te_cpu = 1;
		ev.te_pid = 7;
		ev.te_tid = 8;
		ev.te_comm = "cc1";
		ev.te_ptr = 0xabc0;
		tap_ok(kml_trace_op_name(op) != NULL, "op %u has a name", op);
		if (op == KML_OP_REALLOC) {
			ev.te_oldptr = 0x10;
			tx_line(&th, &ev, tx_sprintf("1.000001 1 7/8 thread cc1 "
			    "%s ptr=0xabc0 old=0x10", tx_op(op)), tx_op(op));
			ev.te_oldptr = 0;
			tx_line(&th, &ev, tx_sprintf("1.000001 1 7/8 thread cc1 "
			    "%s ptr=0xabc0 old=0x0", tx_op(op)),
			    "realloc, old 0");
		} else
			tx_line(&th, &ev, tx_sprintf("1.000001 1 7/8 thread cc1 "
			    "%s ptr=0xabc0", tx_op(op)), tx_op(op));
	}

	/* the names the text form's examples use */
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KFREE;
	ev.te_ts = 5342702848;
	ev.te_ctx = TX_SOFTIRQ;
	ev.te_comm = "<idle>";
	ev.te_site = "rcu_do_batch+0x1c1";
	ev.te_ptr = 0x1e58ffb8;
	tx_line(&th, &ev, "5342.702848 0 0/0 softirq <idle> kfree "
	    "site=rcu_do_batch+0x1c1 ptr=0x1e58ffb8", "kfree example");
	ev.te_op = KML_OP_KMALLOC;
	ev.te_cpu = 1;
	ev.te_pid = ev.te_tid = 24906;
	ev.te_ctx = TX_THREAD;
	ev.te_ts = 5342702745;
	ev.te_comm = "ftrace-run.sh";
	ev.te_site = "tracing_mark_open+0xe4";
	ev.te_size = ev.te_alloc = 16;
	ev.te_gfp = GFP_KERNEL;
	ev.te_flags = KML_TEF_SLEEP;
	tx_line(&th, &ev, "5342.702745 1 24906/24906 thread ftrace-run.sh "
	    "kmalloc site=tracing_mark_open+0xe4 ptr=0x1e58ffb8 size=16 "
	    "alloc=16 gfp=GFP_KERNEL flags=sleep", "kmalloc example");
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_CACHE_FREE;
	ev.te_cache = "dentry";
	tx_line(&th, &ev, "0.000000 0 0/0 thread - kmem_cache_free ptr=0x0 "
	    "cache=dentry", "kmem_cache_free, no comm");
}

/* tx_fields: every field alone, all of them, their extremes. */
static void
tx_fields(void)
{
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev, base;
	static const char *const ctxs[] = { "thread", "softirq", "hardirq",
	    "nmi" };

	memset(&base, 0, sizeof(base));
	base.te_op = KML_OP_MALLOC;
	base.te_ts = 2000000;
	base.te_ptr = 0x5000;

#define TX_FIELD(assign, suffix) do {					\
	ev = base;							\
	assign;								\
	tx_line(&th, &ev, "2.000000 0 0/0 thread - malloc " suffix,	\
	    #assign);							\
} while (0)
	TX_FIELD((void)0, "ptr=0x5000");
	TX_FIELD(ev.te_ptr = 0, "ptr=0x0");
	TX_FIELD(ev.te_ptr = UINT64_MAX, "ptr=0xffffffffffffffff");
	TX_FIELD(ev.te_site = "f+0x1", "site=f+0x1 ptr=0x5000");
	TX_FIELD(ev.te_size = 24, "ptr=0x5000 size=24");
	TX_FIELD(ev.te_size = UINT64_MAX, "ptr=0x5000 size=18446744073709551615");
	TX_FIELD(ev.te_alloc = 32, "ptr=0x5000 alloc=32");
	TX_FIELD(ev.te_count = 3, "ptr=0x5000 count=3");
	TX_FIELD(ev.te_align = 64, "ptr=0x5000 align=64");
	TX_FIELD(ev.te_order = 1, "ptr=0x5000 order=1");
	TX_FIELD(ev.te_order = 63, "ptr=0x5000 order=63");
	TX_FIELD(ev.te_gfp = GFP_ATOMIC, "ptr=0x5000 gfp=GFP_ATOMIC");
	TX_FIELD(ev.te_gfp = GFP_KERNEL | __GFP_ZERO | 0x1000000,
	    "ptr=0x5000 gfp=GFP_KERNEL|__GFP_ZERO|0x1000000");
	TX_FIELD(ev.te_gfp = 0x80000000, "ptr=0x5000 gfp=0x80000000");
	TX_FIELD(ev.te_flags = KML_TEF_SLEEP, "ptr=0x5000 flags=sleep");
	TX_FIELD(ev.te_flags = KML_TEF_ZERO, "ptr=0x5000 flags=zero");
	TX_FIELD(ev.te_flags = KML_TEF_ACCOUNT, "ptr=0x5000 flags=account");
	TX_FIELD(ev.te_flags = KML_TEF_SLEEP | KML_TEF_ACCOUNT,
	    "ptr=0x5000 flags=sleep|account");
	TX_FIELD(ev.te_cache = "kmalloc-64", "ptr=0x5000 cache=kmalloc-64");
#undef TX_FIELD

	/* who: cpu, pid/tid extremes, every context, comm none or empty */
	ev = base;
	ev.te_cpu = KML_TRACE_CPUMAX - 1;
	ev.te_pid = UINT32_MAX;
	ev.te_tid = 0;
	tx_line(&th, &ev, "2.000000 4095 4294967295/0 thread - malloc "
	    "ptr=0x5000", "cpu 4095, pid 2^32-1");
	for (unsigned c = 0; c < 4; c++) {
		tap_is_str(kml_trace_ctx_name(c), ctxs[c], "context %u name",
		    c);
		ev = base;
		ev.te_ctx = (uint8_t)c;
		tx_line(&th, &ev, tx_sprintf("2.000000 0 0/0 %s - malloc "
		    "ptr=0x5000", ctxs[c]), ctxs[c]);
	}
	ev = base;
	ev.te_comm = "";
	tx_line(&th, &ev, "2.000000 0 0/0 thread \"\" malloc ptr=0x5000",
	    "empty comm");

	/* every field at once, in the dumper's order */
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_REALLOC;
	ev.te_ts = 5342702745;
	ev.te_cpu = 3;
	ev.te_pid = 100;
	ev.te_tid = 101;
	ev.te_ctx = TX_NMI;
	ev.te_comm = "my prog";
	ev.te_site = "f+0x10/0x20";
	ev.te_ptr = 0xdeadbeef;
	ev.te_oldptr = 0xfeed;
	ev.te_size = 100;
	ev.te_alloc = 128;
	ev.te_count = 4;
	ev.te_align = 64;
	ev.te_order = 3;
	ev.te_gfp = GFP_KERNEL | __GFP_ZERO;
	ev.te_flags = KML_TEF_MASK;
	ev.te_cache = "kmalloc-128";
	tx_line(&th, &ev, tx_sprintf("5342.702745 3 100/101 nmi \"my prog\" %s "
	    "site=f+0x10/0x20 ptr=0xdeadbeef old=0xfeed size=100 alloc=128 "
	    "count=4 align=64 order=3 gfp=GFP_KERNEL|__GFP_ZERO "
	    "flags=sleep|zero|account cache=kmalloc-128",
	    tx_op(KML_OP_REALLOC)), "every field");

	/* what cannot be loaded is still shown */
	ev = base;
	ev.te_flags = 0x0b;
	tap_is_str(tx_fmt(&th, &ev), "2.000000 0 0/0 thread - malloc "
	    "ptr=0x5000 flags=sleep|zero|0x8", "unknown flag bits shown in hex");
}

/* tx_loose: what the loader accepts beyond the dumper's exact form. */
static void
tx_loose(void)
{
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev;
	char strbuf[TX_STRBUF];

	if (tx_parse(&th, "  1.000000\t2   3/4 \t hardirq  x  kmalloc   "
	    "gfp=none\tsize=8 ptr=0XaBc site=a=b  ", &ev, strbuf,
	    "blanks, key order, hex case")) {
		tap_is(ev.te_ts, 1000000, "ts");
		tap_is(ev.te_cpu, 2, "cpu");
		tap_is(ev.te_pid, 3, "pid");
		tap_is(ev.te_tid, 4, "tid");
		tap_is(ev.te_ctx, TX_HARDIRQ, "ctx");
		tap_is_str(ev.te_comm, "x", "comm");
		tap_is(ev.te_op, KML_OP_KMALLOC, "op");
		tap_is(ev.te_size, 8, "size");
		tap_is(ev.te_ptr, 0xabc, "ptr");
		tap_is(ev.te_gfp, 0, "gfp=none is 0");
		tap_is_str(ev.te_site, "a=b", "site with '='");
		tap_ok(ev.te_cache == NULL, "no cache");
	}
	if (tx_parse(&th, "1.000000 0 0/0 thread - kmalloc ptr=0x0 "
	    "gfp=0x1000000|GFP_ATOMIC flags=account|sleep", &ev, strbuf,
	    "gfp number, flags in any order")) {
		tap_is(ev.te_gfp, 0x1000000 | GFP_ATOMIC, "gfp");
		tap_is(ev.te_flags, KML_TEF_SLEEP | KML_TEF_ACCOUNT, "flags");
	}
	if (tx_parse(&th, tx_sprintf("1.000000 0 0/0 thread - %s ptr=0x1",
	    tx_op(KML_OP_REALLOC)), &ev, strbuf, "realloc without old="))
		tap_is(ev.te_oldptr, 0, "old pointer 0");
	if (tx_parse(&th, "1.000000 0 0/0 thread \"\\xC3\\xA9t\\xe9\" kmalloc "
	    "ptr=0x0 site=\xc3\xa9t\xc3\xa9", &ev, strbuf,
	    "upper-case \\x, raw bytes >= 0x80 bare")) {
		tap_is_str(ev.te_comm, "\xc3\xa9t\xe9", "comm");
		tap_is_str(ev.te_site, "\xc3\xa9t\xc3\xa9", "site");
	}
	if (tx_parse(&th, "1.000000 0 0/0 thread \"a\tb\" kmalloc ptr=0x0",
	    &ev, strbuf, "raw tab in quotes"))
		tap_is_str(ev.te_comm, "a\tb", "comm");
	if (tx_parse(&th, "0001.000000 0 0/0 thread - kmalloc ptr=0x00000001",
	    &ev, strbuf, "leading zeros")) {
		tap_is(ev.te_ts, 1000000, "ts");
		tap_is(ev.te_ptr, 1, "ptr");
	}
}

/* ---- format and parse: strings */

/* tx_strings: every quoting case, in comm, site and cache. */
static void
tx_strings(void)
{
	static const struct {
		const char *s;		/* the string */
		const char *tok;	/* its token */
	} cases[] = {
		{ "<idle>", "<idle>" },
		{ "kworker/0:1H", "kworker/0:1H" },
		{ "a=b,c", "a=b,c" },
		{ "--", "--" },
		{ "-x", "-x" },
		{ "~!#$%&'()*+,-./:;<>?@[]^_`{|}", "~!#$%&'()*+,-./:;<>?@[]^_`{|}" },
		{ "", "\"\"" },
		{ "-", "\"-\"" },
		{ "a b", "\"a b\"" },
		{ " ", "\" \"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "\"", "\"\\\"\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\\", "\"\\\\\"" },
		{ "l1\nl2", "\"l1\\nl2\"" },
		{ "t\tt", "\"t\\tt\"" },
		{ "\x01\x1f\x7f\r", "\"\\x01\\x1f\\x7f\\x0d\"" },
		{ "\x80\xc3\xa9\xff", "\"\\x80\\xc3\\xa9\\xff\"" },
		{ "caf\xc3\xa9 au lait", "\"caf\\xc3\\xa9 au lait\"" },
	};
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev;
	char big[KML_TRACE_STRMAX + 2], *want;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.te_op = KML_OP_KMALLOC;
		ev.te_comm = cases[i].s;
		ev.te_site = cases[i].s;
		ev.te_cache = cases[i].s;
		tx_line(&th, &ev, tx_sprintf("0.000000 0 0/0 thread %s kmalloc "
		    "site=%s ptr=0x0 cache=%s", cases[i].tok, cases[i].tok,
		    cases[i].tok), tx_sprintf("string token %s",
		    cases[i].tok));
	}

	/* the longest string, every byte escaped: 4 x 1023 bytes */
	memset(big, 0xff, KML_TRACE_STRMAX);
	big[KML_TRACE_STRMAX] = '\0';
	want = malloc(TX_LINEMAX);
	strcpy(want, "0.000000 0 0/0 thread \"");
	for (i = 0; i < KML_TRACE_STRMAX; i++)
		strcat(want, "\\xff");
	strcat(want, "\" kmalloc ptr=0x0");
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KMALLOC;
	ev.te_comm = big;
	tx_line(&th, &ev, want, "1023 escaped bytes");
	memset(big, 'a', KML_TRACE_STRMAX);
	ev.te_comm = NULL;
	ev.te_site = big;
	ev.te_cache = big;
	tx_line(&th, &ev, tx_sprintf("0.000000 0 0/0 thread - kmalloc site=%s "
	    "ptr=0x0 cache=%s", big, big), "1023 bare bytes, twice");

	/* one byte more */
	strcpy(want, "0.000000 0 0/0 thread - kmalloc ptr=0x0 site=");
	memset(big, 'a', KML_TRACE_STRMAX + 1);
	big[KML_TRACE_STRMAX + 1] = '\0';
	strcat(want, big);
	tx_parse_err(&th, want, tx_sprintf("bad site= value '%.64s...' "
	    "(longer than 1023 bytes)", big));
	free(want);
}

/* ---- format and parse: timestamps */

/* tx_times: every clock unit form, extremes, and the refused forms. */
static void
tx_times(void)
{
	static const struct {
		uint64_t clock;		/* ns per unit */
		uint64_t ts;		/* a time */
		const char *text;	/* its text */
	} cases[] = {
		{ 1, 12000000001, "12.000000001" },
		{ 1, 0, "0.000000000" },
		{ 1, 999999999, "0.999999999" },
		{ 1, UINT64_MAX, "18446744073.709551615" },
		{ 10, 1200000001, "12.00000001" },
		{ 100, 120000001, "12.0000001" },
		{ 1000, 5342702745, "5342.702745" },
		{ 1000, 1, "0.000001" },
		{ 10000, 534270274, "5342.70274" },
		{ 100000, 53427027, "5342.7027" },
		{ 1000000, 5342702, "5342.702" },
		{ 10000000, 534270, "5342.70" },
		{ 100000000, 53427, "5342.7" },
		{ 1000000000, 5342, "5342" },
		{ 1000000000, 0, "0" },
		{ 1000000000, UINT64_MAX, "18446744073709551615" },
		{ 3, 12345, "12345" },
		{ 3, 0, "0" },
		{ 10000000000, 77, "77" },
		{ 1024, UINT64_MAX, "18446744073709551615" },
	};
	struct kml_trace_header th;
	struct kml_trace_event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		th = tx_header(cases[i].clock);
		memset(&ev, 0, sizeof(ev));
		ev.te_op = KML_OP_FREE;
		ev.te_ts = cases[i].ts;
		tx_line(&th, &ev, tx_sprintf("%s 0 0/0 thread - %s ptr=0x0",
		    cases[i].text, tx_op(KML_OP_FREE)), tx_sprintf("clock %"
		    PRIu64 " ts %" PRIu64, cases[i].clock, cases[i].ts));
	}

#define TX_TSERR(clock, ts, why) do {					\
	th = tx_header(clock);						\
	tx_parse_err(&th, ts " 0 0/0 thread - kfree ptr=0x0",		\
	    "bad timestamp '" ts "' (" why ")");			\
} while (0)
	TX_TSERR(1000, "5342.7027", "expected seconds with 6 decimals");
	TX_TSERR(1000, "5342.7027450", "expected seconds with 6 decimals");
	TX_TSERR(1000, "5342", "expected seconds with 6 decimals");
	TX_TSERR(1000, ".702745", "expected seconds with 6 decimals");
	TX_TSERR(1000, "5342.", "expected seconds with 6 decimals");
	TX_TSERR(1000, "5342.70274x", "expected seconds with 6 decimals");
	TX_TSERR(1000, "-1.000000", "expected seconds with 6 decimals");
	TX_TSERR(1000, "1.2.000000", "expected seconds with 6 decimals");
	TX_TSERR(1, "12.00000001", "expected seconds with 9 decimals");
	TX_TSERR(1, "18446744073.709551616", "out of range");
	TX_TSERR(1000, "18446744073709552.000000", "out of range");
	TX_TSERR(1000000000, "5342.7", "expected whole seconds");
	TX_TSERR(1000000000, "18446744073709551616", "out of range");
	TX_TSERR(3, "1.5", "expected a count of 3 ns units");
	TX_TSERR(3, "x", "expected a count of 3 ns units");
#undef TX_TSERR
}

/* ---- parse errors */

/* tx_errors: every parse error with its exact message. */
static void
tx_errors(void)
{
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev;
	char strbuf[8], err[256], longtok[200];
	const char *line;

#define E(line, msg) tx_parse_err(&th, line, msg)
	E("", "empty event line");
	E(" \t ", "empty event line");
	E("1.000000", "missing fields (expected TS CPU PID/TID CTX COMM OP)");
	E("1.000000 0 1/1 thread x",
	    "missing fields (expected TS CPU PID/TID CTX COMM OP)");
	E("1.000000 x 1/1 thread x kfree ptr=0x0", "bad cpu 'x'");
	E("1.000000 -1 1/1 thread x kfree ptr=0x0", "bad cpu '-1'");
	E("1.000000 4096 1/1 thread x kfree ptr=0x0",
	    "bad cpu '4096' (at most 4095)");
	E("1.000000 99999999999999999999 1/1 thread x kfree ptr=0x0",
	    "bad cpu '99999999999999999999' (at most 4095)");
	E("1.000000 0 12 thread x kfree ptr=0x0", "bad pid/tid '12'");
	E("1.000000 0 1/x thread x kfree ptr=0x0", "bad pid/tid '1/x'");
	E("1.000000 0 /1 thread x kfree ptr=0x0", "bad pid/tid '/1'");
	E("1.000000 0 1/ thread x kfree ptr=0x0", "bad pid/tid '1/'");
	E("1.000000 0 1/2/3 thread x kfree ptr=0x0", "bad pid/tid '1/2/3'");
	E("1.000000 0 4294967296/1 thread x kfree ptr=0x0",
	    "bad pid/tid '4294967296/1'");
	E("1.000000 0 1/1 irq x kfree ptr=0x0", "bad context 'irq'");
	E("1.000000 0 1/1 Thread x kfree ptr=0x0", "bad context 'Thread'");
	E("1.000000 0 1/1 thread \"abc kfree ptr=0x0",
	    "bad command '\"abc kfree ptr=0x0' (unterminated quote)");
	E("1.000000 0 1/1 thread \"a\\\" kfree ptr=0x0",
	    "bad command '\"a\\\" kfree ptr=0x0' (unterminated quote)");
	E("1.000000 0 1/1 thread \"a\\q\" kfree ptr=0x0",
	    "bad command '\"a\\q\"' (bad escape)");
	E("1.000000 0 1/1 thread \"a\\r\" kfree ptr=0x0",
	    "bad command '\"a\\r\"' (bad escape)");
	E("1.000000 0 1/1 thread \"a\\x4\" kfree ptr=0x0",
	    "bad command '\"a\\x4\"' (bad \\x escape)");
	E("1.000000 0 1/1 thread \"a\\xg0\" kfree ptr=0x0",
	    "bad command '\"a\\xg0\"' (bad \\x escape)");
	E("1.000000 0 1/1 thread \"a\\x00\" kfree ptr=0x0",
	    "bad command '\"a\\x00\"' (NUL byte)");
	E("1.000000 0 1/1 thread \"ab\"c kfree ptr=0x0",
	    "bad command '\"ab\"c' (text after the closing quote)");
	E("1.000000 0 1/1 thread a\\b kfree ptr=0x0", "bad command 'a\\b'");
	E("1.000000 0 1/1 thread a\"b\" kfree ptr=0x0",
	    "bad command 'a\"b\"'");
	E("1.000000 0 1/1 thread a\x01 kfree ptr=0x0", "bad command 'a\x01'");
	E("1.000000 0 1/1 thread x frob ptr=0x0", "unknown operation 'frob'");
	E("1.000000 0 1/1 thread x KFREE ptr=0x0", "unknown operation 'KFREE'");
	E("1.000000 0 1/1 thread x kfree ptr=0x0 xyz",
	    "bad field 'xyz' (expected key=value)");
	E("1.000000 0 1/1 thread x kfree ptr=0x0 frob=1",
	    "unknown key 'frob='");
	E("1.000000 0 1/1 thread x kfree ptr=0x0 =1", "unknown key '='");
	E("1.000000 0 1/1 thread x kfree ptr=0x0 Size=1",
	    "unknown key 'Size='");
	E("1.000000 0 1/1 thread x kmalloc size=1 ptr=0x0 size=1",
	    "repeated key 'size='");
	E("1.000000 0 1/1 thread x kfree ptr=0x0 ptr=0x0",
	    "repeated key 'ptr='");
	E("1.000000 0 1/1 thread x kfree", "missing ptr=");
	E("1.000000 0 1/1 thread x kfree size=8", "missing ptr=");
	E("1.000000 0 1/1 thread x kfree ptr=0xzz", "bad ptr= value '0xzz'");
	E("1.000000 0 1/1 thread x kfree ptr=", "bad ptr= value ''");
	E("1.000000 0 1/1 thread x kfree ptr=0x", "bad ptr= value '0x'");
	E("1.000000 0 1/1 thread x kfree ptr=1234", "bad ptr= value '1234'");
	E("1.000000 0 1/1 thread x kfree ptr=0x10000000000000000",
	    "bad ptr= value '0x10000000000000000'");
	E("1.000000 0 1/1 thread x kfree ptr=0x1 old=0x2",
	    "old= on kfree (only realloc has it)");
	line = tx_sprintf("1.000000 0 1/1 thread x %s ptr=0x1 old=-1",
	    tx_op(KML_OP_REALLOC));
	E(line, "bad old= value '-1'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 size=-1",
	    "bad size= value '-1'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 size=0x10",
	    "bad size= value '0x10'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 size=18446744073709551616",
	    "bad size= value '18446744073709551616'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 alloc=",
	    "bad alloc= value ''");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 count=1k",
	    "bad count= value '1k'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 align=+8",
	    "bad align= value '+8'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 order=64",
	    "bad order= value '64' (at most 63)");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 order=x",
	    "bad order= value 'x'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 gfp=GFP_FROB",
	    "bad gfp= value 'GFP_FROB'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 gfp=",
	    "bad gfp= value ''");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 gfp=GFP_KERNEL|",
	    "bad gfp= value 'GFP_KERNEL|'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 flags=sleep|frob",
	    "bad flags= value 'sleep|frob'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 flags=sleep|",
	    "bad flags= value 'sleep|'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 flags=",
	    "bad flags= value ''");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 flags=0x1",
	    "bad flags= value '0x1'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 flags=none",
	    "bad flags= value 'none'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 site=-",
	    "bad site= value '-'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 site=",
	    "bad site= value ''");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 cache=-",
	    "bad cache= value '-'");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 cache=\"a",
	    "bad cache= value '\"a' (unterminated quote)");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 cache=\"a\"\"b\"",
	    "bad cache= value '\"a\"\"b\"' (text after the closing quote)");
	E("1.000000 0 1/1 thread x kmalloc ptr=0x0 site=a\\x41",
	    "bad site= value 'a\\x41'");
	/* a long bad token is cut in the message */
	memset(longtok, 'z', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	E(tx_sprintf("1.000000 0 1/1 thread x kfree ptr=0x%s", longtok),
	    tx_sprintf("bad ptr= value '0x%.62s...'", longtok));
#undef E

	/* a NUL byte inside the line (linelen counts it) */
	{
		static const char nul[] = "1.000000 0 1/1 thread a\0b kfree "
		    "ptr=0x0";
		char sb[TX_STRBUF];

		err[0] = '\0';
		tap_is(kml_trace_parse_event(&th, nul, sizeof(nul) - 1, &ev, sb,
		    sizeof(sb), err, sizeof(err)), (uint64_t)-1,
		    "a raw NUL in a token is refused");
		tap_contains(err, "bad command 'a", "its message");
	}
	/* the line need not be NUL-terminated */
	{
		static const char two[] = "1.000000 0 1/1 thread a kfree "
		    "ptr=0x10 size=8";
		char sb[TX_STRBUF];

		tap_is(kml_trace_parse_event(&th, two, sizeof(two) - 1 - 7,
		    &ev, sb, sizeof(sb), err, sizeof(err)), 0,
		    "only linelen bytes are read");
		tap_is(ev.te_ptr, 0x10, "ptr");
		tap_is(ev.te_size, 0, "size= not read");
	}
	/* no room for the strings */
	err[0] = '\0';
	line = "1.000000 0 1/1 thread abc kmalloc ptr=0x0 site=abcd";
	tap_is(kml_trace_parse_event(&th, line, strlen(line), &ev, strbuf,
	    sizeof(strbuf), err, sizeof(err)), (uint64_t)-1,
	    "8-byte string buffer refused");
	tap_is_str(err, "bad site= value 'abcd' (no room for the strings)",
	    "its message");
	err[0] = '\0';
	line = "1.000000 0 1/1 thread \"\" kmalloc ptr=0x0";
	tap_is(kml_trace_parse_event(&th, line, strlen(line), &ev, strbuf, 0,
	    err, sizeof(err)), (uint64_t)-1, "empty string buffer refused");
	tap_is_str(err, "bad command '\"\"' (no room for the strings)",
	    "its message");
	/* a small errbuf is cut, not overrun */
	memset(err, 'x', sizeof(err));
	line = "1.000000 0 1/1 thread x frob ptr=0x0";
	tap_is(kml_trace_parse_event(&th, line, strlen(line), &ev, strbuf,
	    sizeof(strbuf), err, 8), (uint64_t)-1,
	    "refused with an 8-byte errbuf");
	tap_is_str(err, "unknown", "message cut to 7 bytes");
	tap_is((unsigned char)err[8], 'x', "nothing written past errlen");
}

/* tx_buffer: kml_trace_format_event's snprintf contract. */
static void
tx_buffer(void)
{
	struct kml_trace_header th = tx_header(1000);
	struct kml_trace_event ev;
	const char *want = "0.000001 0 0/0 thread - kfree ptr=0x0";
	char buf[64];

	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KFREE;
	ev.te_ts = 1;
	tap_is(kml_trace_format_event(&th, &ev, NULL, 0), strlen(want),
	    "length with no buffer");
	memset(buf, 'x', sizeof(buf));
	tap_is(kml_trace_format_event(&th, &ev, buf, 10), strlen(want),
	    "length with a short buffer");
	tap_is_str(buf, "0.000001 ", "cut to 9 bytes and a NUL");
	tap_is((unsigned char)buf[10], 'x', "nothing written past len");
	tap_is(kml_trace_format_event(&th, &ev, buf, strlen(want)),
	    strlen(want), "length with one byte short");
	tap_is(strlen(buf), strlen(want) - 1, "cut by one byte");
	tap_is(kml_trace_format_event(&th, &ev, buf, strlen(want) + 1),
	    strlen(want), "length with the exact room");
	tap_is_str(buf, want, "whole line");
}

/* ---- files */

/* tx_dircount: the number of entries of tx_dir (0: empty), -1 on error. */
static int
tx_dircount(void)
{
	DIR *d = opendir(tx_dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* tx_path: a file name in tx_dir (static buffer, one of 4 in turn). */
static const char *
tx_path(const char *name)
{
	static char bufs[4][128];
	static unsigned next;
	char *buf = bufs[next++ % 4];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", tx_dir, name);
	return buf;
}

/* tx_slurp: the whole file path (malloc'd, NUL added); *lenp its length. */
static char *
tx_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (fp == NULL)
		return NULL;
	do {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			buf = realloc(buf, cap + 1);
			if (buf == NULL)
				tap_bail("out of memory");
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/*
 * tx_load: kml_trace_from_text on text (named "in.txt") to path.
 * => its result; the message in err.
 */
static int
tx_load(const char *text, const char *path, char *err, size_t errlen)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int r;

	if (in == NULL)
		tap_bail("fmemopen: %s", strerror(errno));
	err[0] = '\0';
	r = kml_trace_from_text(in, "in.txt", path, err, errlen);
	fclose(in);
	return r;
}

/*
 * tx_dump: kml_trace_to_text of the trace at path.
 * => the text (malloc'd), or NULL with the message in err.
 */
static char *
tx_dump(const char *path, char *err, size_t errlen)
{
	struct kml_trace *t;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int r;

	if ((t = kml_trace_open_read(path, err, errlen)) == NULL)
		return NULL;
	if ((out = open_memstream(&text, &len)) == NULL)
		tap_bail("open_memstream: %s", strerror(errno));
	r = kml_trace_to_text(t, out, "out.txt", err, errlen);
	kml_trace_close(t, NULL, 0);
	fclose(out);
	if (r != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* tx_load_err: check that text fails to load with message want, leaving nothing. */
static void
tx_load_err(const char *text, const char *want, const char *what)
{
	char err[512];

	tap_is(tx_load(text, tx_path("out.kmt"), err, sizeof(err)),
	    (uint64_t)-1, "load refused: %s", what);
	tap_is_str(err, want, "message: %s", what);
	tap_is(tx_dircount(), 0, "nothing left behind: %s", what);
}

/* tx_load_ok: check that text loads; => the trace's text dumped (malloc'd). */
static char *
tx_load_ok(const char *text, const char *what)
{
	char err[512];
	char *back;

	if (!tap_is(tx_load(text, tx_path("out.kmt"), err, sizeof(err)), 0,
	    "load %s", what)) {
		tap_diag("error: %s", err);
		return NULL;
	}
	back = tx_dump(tx_path("out.kmt"), err, sizeof(err));
	if (!tap_ok(back != NULL, "dump %s", what))
		tap_diag("error: %s", err);
	unlink(tx_path("out.kmt"));
	return back;
}

/* The header lines of kml_trace_header_init(th, KML_TSRC_TEXT), dumped. */
static char tx_defhdr[1024];

/* tx_defaults: fill tx_defhdr from kml_trace_header_init. */
static void
tx_defaults(void)
{
	struct kml_trace_header th;

	kml_trace_header_init(&th, KML_TSRC_TEXT);
	snprintf(tx_defhdr, sizeof(tx_defhdr),
	    "%%kmemlab-trace 1\n%%source text\n%%detail \"\"\n%%host \"\"\n"
	    "%%kernel \"\"\n%%ncpu %" PRIu32 "\n%%pagesize %" PRIu32 "\n"
	    "%%clock %" PRIu64 "\n%%start %" PRIu64 "\n%%flags none\n"
	    "%%slots %" PRIu32 "\n%%blocksize %" PRIu32 "\n",
	    th.th_ncpu, th.th_pagesize, th.th_clock_ns, th.th_start_ns,
	    th.th_slots, th.th_blocksize);
	tap_is(th.th_source, KML_TSRC_TEXT, "default header: source text");
	tap_is(th.th_flags, 0, "default header: no flags");
	tap_is(th.th_detail[0] | th.th_host[0] | th.th_kernel[0], 0,
	    "default header: empty strings");
}

/* ---- dump */

/* tx_dump_exact: a small trace with every header field set, dumped exactly. */
static void
tx_dump_exact(void)
{
	static const char want[] =
	    "%kmemlab-trace 1\n"
	    "%source import\n"
	    "%detail \"ftrace traces/raw/ftrace-git.txt\"\n"
	    "%host \"my host\"\n"
	    "%kernel 6.8.0-45-generic\n"
	    "%ncpu 2\n"
	    "%pagesize 16384\n"
	    "%clock 1000\n"
	    "%start 1795000000123456789\n"
	    "%flags hashedptr\n"
	    "%slots 64\n"
	    "%blocksize 4096\n"
	    "5342.702745 1 24906/24906 thread ftrace-run.sh kmalloc "
	    "site=tracing_mark_open+0xe4 ptr=0x1e58ffb8 size=16 alloc=16 "
	    "gfp=GFP_KERNEL flags=sleep\n"
	    "drop cpu=3 count=12\n"
	    "flush\n"
	    "5342.702848 0 0/0 softirq <idle> kfree site=rcu_do_batch+0x1c1 "
	    "ptr=0x1e58ffb8\n"
	    "drop cpu=0 count=1\n"
	    "%end events=2 cpus=4 drops=1,0,0,12\n";
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *t;
	char err[512], *text;

	kml_trace_header_init(&th, KML_TSRC_IMPORT);
	strcpy(th.th_detail, "ftrace traces/raw/ftrace-git.txt");
	strcpy(th.th_host, "my host");
	strcpy(th.th_kernel, "6.8.0-45-generic");
	th.th_ncpu = 2;
	th.th_pagesize = 16384;
	th.th_clock_ns = 1000;
	th.th_start_ns = UINT64_C(1795000000123456789);
	th.th_flags = KML_THF_HASHEDPTR;
	th.th_slots = 64;
	th.th_blocksize = 4096;
	t = kml_trace_open_write(tx_path("a.kmt"), &th, err, sizeof(err));
	if (!tap_ok(t != NULL, "dump: open the writer")) {
		tap_diag("error: %s", err);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KMALLOC;
	ev.te_ts = 5342702745;
	ev.te_cpu = 1;
	ev.te_pid = ev.te_tid = 24906;
	ev.te_comm = "ftrace-run.sh";
	ev.te_site = "tracing_mark_open+0xe4";
	ev.te_ptr = 0x1e58ffb8;
	ev.te_size = ev.te_alloc = 16;
	ev.te_gfp = GFP_KERNEL;
	ev.te_flags = KML_TEF_SLEEP;
	tap_is(kml_trace_write(t, &ev), 0, "dump: write kmalloc");
	tap_is(kml_trace_write_drop(t, 3, 12), 0, "dump: write a drop");
	tap_is(kml_trace_flush(t), 0, "dump: flush");
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KFREE;
	ev.te_ts = 5342702848;
	ev.te_ctx = TX_SOFTIRQ;
	ev.te_comm = "<idle>";
	ev.te_site = "rcu_do_batch+0x1c1";
	ev.te_ptr = 0x1e58ffb8;
	tap_is(kml_trace_write(t, &ev), 0, "dump: write kfree");
	tap_is(kml_trace_write_drop(t, 0, 1), 0, "dump: write a drop");
	tap_is(kml_trace_close(t, err, sizeof(err)), 0, "dump: close");

	text = tx_dump(tx_path("a.kmt"), err, sizeof(err));
	if (!tap_ok(text != NULL, "dump: to text"))
		tap_diag("error: %s", err);
	tap_is_str(text, want, "dump: the exact text");
	free(text);

	/* and back: the same bytes */
	{
		size_t la, lb;
		char *a, *b;

		tap_is(tx_load(want, tx_path("b.kmt"), err, sizeof(err)), 0,
		    "dump: load the text back");
		a = tx_slurp(tx_path("a.kmt"), &la);
		b = tx_slurp(tx_path("b.kmt"), &lb);
		tap_ok(a != NULL && b != NULL && la == lb &&
		    memcmp(a, b, la) == 0, "dump: the same %zu bytes", la);
		free(a);
		free(b);
	}
	unlink(tx_path("a.kmt"));
	unlink(tx_path("b.kmt"));

	/* a truncated trace: the events read, no %end, an error */
	{
		size_t la, cut;
		char *a;
		FILE *fp;

		tap_is(tx_load(want, tx_path("a.kmt"), err, sizeof(err)), 0,
		    "dump: load again");
		a = tx_slurp(tx_path("a.kmt"), &la);
		cut = la - 3;
		fp = fopen(tx_path("c.kmt"), "wb");
		fwrite(a, 1, cut, fp);
		fclose(fp);
		free(a);
		text = tx_dump(tx_path("c.kmt"), err, sizeof(err));
		tap_ok(text == NULL, "dump: truncated trace fails");
		tap_contains(err, "truncated", "dump: truncated message");
		{
			struct kml_trace *r = kml_trace_open_read(tx_path("c.kmt"),
			    err, sizeof(err));
			char *out = NULL;
			size_t olen = 0;
			FILE *os = open_memstream(&out, &olen);
			int rr = kml_trace_to_text(r, os, "out.txt", err,
			    sizeof(err));

			kml_trace_close(r, NULL, 0);
			fclose(os);
			tap_is(rr, (uint64_t)-1, "dump: truncated: -1");
			tap_ok(strstr(out, "%end") == NULL,
			    "dump: truncated: no %%end line");
			tap_ok(strncmp(out, want, strlen(out)) == 0 &&
			    strstr(out, "tracing_mark_open") != NULL,
			    "dump: truncated: the text before the cut");
			free(out);
		}
		unlink(tx_path("a.kmt"));
		unlink(tx_path("c.kmt"));
	}
}

/* tx_io_errors: a full output device; an output directory that is missing. */
static void
tx_io_errors(void)
{
	struct kml_trace *t;
	char err[512];
	FILE *out;

	tap_is(tx_load("%kmemlab-trace 1\n0.000000000 0 0/0 thread - kfree "
	    "ptr=0x0\n", tx_path("a.kmt"), err, sizeof(err)), 0,
	    "io: a trace to dump");
	t = kml_trace_open_read(tx_path("a.kmt"), err, sizeof(err));
	out = fopen("/dev/full", "w");
	if (tap_ok(t != NULL && out != NULL, "io: open the trace and "
	    "/dev/full")) {
		err[0] = '\0';
		tap_is(kml_trace_to_text(t, out, "full.txt", err, sizeof(err)),
		    (uint64_t)-1, "io: dump to a full device fails");
		tap_is_str(err, "full.txt: No space left on device",
		    "io: its message");
	}
	if (t != NULL)
		kml_trace_close(t, NULL, 0);
	if (out != NULL)
		fclose(out);
	unlink(tx_path("a.kmt"));

	tap_is(tx_load("%kmemlab-trace 1\n\nflush\n", tx_path("no/out.kmt"),
	    err, sizeof(err)), (uint64_t)-1, "io: load into a missing "
	    "directory fails");
	tap_contains(err, "in.txt:3: ", "io: its message names the line");
	tap_contains(err, "No such file or directory", "io: and the cause");
	tap_is(tx_dircount(), 0, "io: nothing left behind");
}

/* ---- load: header, drop, flush and %end lines */

/* tx_header_lines: every header line, the defaults, the refused ones. */
static void
tx_header_lines(void)
{
	char *text, *buf;
	const char *want;

	/* only the first line: every default, no events */
	text = tx_load_ok("%kmemlab-trace 1\n", "first line only");
	buf = malloc(strlen(tx_defhdr) + 64);
	sprintf(buf, "%s%%end events=0 cpus=0 drops=\n", tx_defhdr);
	tap_is_str(text, buf, "defaults dumped");
	free(text);

	/* comments and blank lines anywhere, header lines in any order */
	text = tx_load_ok(
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "%kmemlab-trace 1\n"
	    "#%ncpu 9\n"
	    "%blocksize\t  8192  \n"
	    "%slots 4\n"
	    "%flags hashedptr\n"
	    "%start 42\n"
	    "%clock 3\n"
	    "%pagesize 8192\n"
	    "%ncpu 4096\n"
	    "%kernel \"\"\n"
	    "%host \"h\\x01\"\n"
	    "%detail gen\n"
	    "%source gen\n"
	    "7 4095 1/2 nmi - kfree ptr=0x1\n"
	    "# the end\n", "every header line");
	want = "%kmemlab-trace 1\n"
	    "%source gen\n"
	    "%detail gen\n"
	    "%host \"h\\x01\"\n"
	    "%kernel \"\"\n"
	    "%ncpu 4096\n"
	    "%pagesize 8192\n"
	    "%clock 3\n"
	    "%start 42\n"
	    "%flags hashedptr\n"
	    "%slots 4\n"
	    "%blocksize 8192\n"
	    "7 4095 1/2 nmi - kfree ptr=0x1\n"
	    "%end events=1 cpus=4096 drops=";
	tap_ok(text != NULL && strncmp(text, want, strlen(want)) == 0,
	    "every header line dumped (the drops list checked below)");
	if (text != NULL) {
		const char *d = strstr(text, "drops=");
		size_t zeros = 0;

		for (d = d != NULL ? d + 6 : ""; *d == '0'; d += 2)
			zeros++;
		tap_is(zeros, 4096, "4096 drop counts of 0");
	}
	free(text);

	/* the whole set of sources and both flags */
	for (unsigned s = 0; s < KML_TSRC_COUNT; s++) {
		const char *name = kml_trace_source_name(s);

		sprintf(buf, "%%kmemlab-trace 1\n%%source %s\n%%flags none\n",
		    name != NULL ? name : "?");
		text = tx_load_ok(buf, tx_sprintf("source %s", name));
		tap_ok(text != NULL && strstr(text, tx_sprintf("\n%%source "
		    "%s\n", name)) != NULL, "source %s kept", name);
		free(text);
	}
	free(buf);

#define H(line, body, msg) tx_load_err("%kmemlab-trace 1\n" body,	\
	"in.txt:" #line ": " msg, msg)
	H(3, "%ncpu 2\n%ncpu 3\n", "repeated header line '%ncpu'");
	H(2, "%kmemlab-trace 1\n", "repeated header line '%kmemlab-trace'");
	H(3, "%source gen\n%frob 1\n", "unknown header line '%frob'");
	H(2, "%Source gen\n", "unknown header line '%Source'");
	H(2, "% gen\n", "unknown header line '%'");
	H(3, "0.000000000 0 0/0 thread - kfree ptr=0x0\n%ncpu 2\n",
	    "header line '%ncpu' (after the first item)");
	H(3, "flush\n%frob 2\n", "unknown header line '%frob'");
	H(2, "%ncpu\n", "missing %ncpu value");
	H(2, "%ncpu \t\n", "missing %ncpu value");
	H(2, "%ncpu x\n", "bad %ncpu value 'x'");
	H(2, "%ncpu -1\n", "bad %ncpu value '-1'");
	H(2, "%ncpu 4294967296\n",
	    "bad %ncpu value '4294967296' (out of range)");
	H(2, "%pagesize 4k\n", "bad %pagesize value '4k'");
	H(2, "%clock 1.5\n", "bad %clock value '1.5'");
	H(2, "%start 18446744073709551616\n",
	    "bad %start value '18446744073709551616' (out of range)");
	H(2, "%slots 0x10\n", "bad %slots value '0x10'");
	H(2, "%blocksize 1 2\n", "bad %blocksize value '1 2' (one token expected)");
	H(2, "%source frob\n", "bad %source value 'frob'");
	H(2, "%source 4\n", "bad %source value '4'");
	H(2, "%flags hashed\n", "bad %flags value 'hashed'");
	H(2, "%flags 0x1\n", "bad %flags value '0x1'");
	H(2, "%detail a b\n", "bad %detail value 'a b' (one token expected)");
	H(2, "%detail \"a b\" c\n",
	    "bad %detail value '\"a b\" c' (one token expected)");
	H(2, "%host \"abc\n", "bad %host value '\"abc' (unterminated quote)");
	H(2, "%host -\n", "bad %host value '-'");
	H(2, "%kernel \"\\q\"\n", "bad %kernel value '\"\\q\"' (bad escape)");
	H(2, "%end events=0 cpus=0\n", "missing drops= in %end line");
#undef H

	tx_load_err("", "in.txt:1: not a kmemlab trace text (no "
	    "'%kmemlab-trace 1' line)", "empty input");
	tx_load_err("# only\n\n# comments\n", "in.txt:3: not a kmemlab trace "
	    "text (no '%kmemlab-trace 1' line)", "comments only");
	tx_load_err("%ncpu 2\n%kmemlab-trace 1\n", "in.txt:1: not a kmemlab "
	    "trace text (the first line must be '%kmemlab-trace 1')",
	    "another line first");
	tx_load_err("\n0 0 0/0 thread - kfree ptr=0x0\n", "in.txt:2: not a "
	    "kmemlab trace text (the first line must be '%kmemlab-trace 1')",
	    "an event first");
	tx_load_err("%kmemlab-trace 2\n", "in.txt:1: unsupported text version "
	    "'2'", "version 2");
	tx_load_err("%kmemlab-trace\n", "in.txt:1: missing %kmemlab-trace "
	    "value", "no version");
	tx_load_err("%kmemlab-trace 1 x\n", "in.txt:1: bad %kmemlab-trace "
	    "value '1 x' (one token expected)", "version and more");

	/* values the writer refuses: named by the library, at the first item */
	{
		char msg[512];

		tap_is(tx_load("%kmemlab-trace 1\n%slots 3\n\n"
		    "0.000000000 0 0/0 thread - kfree ptr=0x0\n",
		    tx_path("out.kmt"), msg, sizeof(msg)), (uint64_t)-1,
		    "slots 3 refused");
		tap_contains(msg, "in.txt:4: ", "slots 3: at the first item");
		tap_contains(msg, "slots", "slots 3: named");
		tap_is(tx_dircount(), 0, "slots 3: nothing left behind");
		tap_is(tx_load("%kmemlab-trace 1\n%blocksize 100\n",
		    tx_path("out.kmt"), msg, sizeof(msg)), (uint64_t)-1,
		    "block size 100 refused");
		tap_contains(msg, "in.txt:2: ", "block size 100: at the end");
		tap_contains(msg, "block", "block size 100: named");
		tap_is(tx_dircount(), 0, "block size 100: nothing left behind");
	}
}

/* tx_items: drop, flush and %end lines; errors after items were written. */
static void
tx_items(void)
{
	char *text;
	const char *hdr = "%kmemlab-trace 1\n%clock 1000\n";
	char body[4096];

	snprintf(body, sizeof(body), "%s%s", hdr,
	    "drop count=5 cpu=2\n"
	    "drop\tcpu=0   count=18446744073709551615\n"
	    "flush\n"
	    "flush\n"
	    "1.000000 1 1/1 thread - kfree ptr=0x10\n"
	    "flush  \n"
	    "drop cpu=2 count=1\n"
	    "%end events=1 cpus=3 drops=18446744073709551615,0,6\n"
	    "# after the end\n\n");
	text = tx_load_ok(body, "drops and flushes");
	tap_contains(text, "\n%clock 1000\n", "clock kept");
	tap_contains(text, "%blocksize 65536\n"
	    "drop cpu=2 count=5\n"
	    "drop cpu=0 count=18446744073709551615\n"
	    "flush\n"
	    "1.000000 1 1/1 thread - kfree ptr=0x10\n"
	    "flush\n"
	    "drop cpu=2 count=1\n"
	    "%end events=1 cpus=3 drops=18446744073709551615,0,6\n",
	    "drops and flushes dumped (an empty flush keeps nothing)");
	free(text);

	/* no %end: the trailer is what the items add up to */
	snprintf(body, sizeof(body), "%s1.000000 7 1/1 thread - kfree "
	    "ptr=0x10\n", hdr);
	text = tx_load_ok(body, "no %end");
	tap_contains(text, "\n%end events=1 cpus=8 drops=0,0,0,0,0,0,0,0\n",
	    "no %%end: trailer computed");
	free(text);

#define I(line, items, msg) do {					\
	snprintf(body, sizeof(body), "%s%s", hdr, items);		\
	tx_load_err(body, "in.txt:" #line ": " msg, msg);		\
} while (0)
	I(3, "drop cpu=1\n", "missing count= in drop line");
	I(3, "drop count=1\n", "missing cpu= in drop line");
	I(3, "drop\n", "missing cpu= in drop line");
	I(3, "drop cpu=1 count=0\n", "bad drop count '0' (at least 1)");
	I(3, "drop cpu=1 count=x\n", "bad drop count 'x'");
	I(3, "drop cpu=4096 count=1\n", "bad drop cpu '4096' (at most 4095)");
	I(3, "drop cpu=-1 count=1\n", "bad drop cpu '-1'");
	I(3, "drop cpu=1 cpu=2 count=1\n", "repeated key 'cpu=' in drop line");
	I(3, "drop cpu=1 count=1 count=1\n",
	    "repeated key 'count=' in drop line");
	I(3, "drop cpu=1 count=1 x=1\n",
	    "bad drop field 'x=1' (expected cpu=N count=N)");
	I(3, "flush now\n", "text after flush 'now'");
	I(4, "flush\n1.000000 0 0/0 thread - kfree ptr=0xzz\n",
	    "bad ptr= value '0xzz'");
	I(3, "%end events=1 cpus=0 drops=\n",
	    "%end says 1 events, the trace has 0");
	I(4, "1.000000 0 0/0 thread - kfree ptr=0x1\n"
	    "%end events=0 cpus=1 drops=0\n",
	    "%end says 0 events, the trace has 1");
	I(4, "1.000000 0 0/0 thread - kfree ptr=0x1\n"
	    "%end events=1 cpus=2 drops=0,0\n",
	    "%end says 2 cpus, the trace has 1");
	I(5, "1.000000 0 0/0 thread - kfree ptr=0x1\ndrop cpu=1 count=4\n"
	    "%end events=1 cpus=2 drops=0,5\n",
	    "%end says 5 dropped on cpu 1, the trace has 4");
	I(3, "%end events=0 cpus=2 drops=0\n",
	    "%end has 1 drop counts for 2 cpus");
	I(3, "%end events=0 cpus=1 drops=0,0\n",
	    "%end has 2 drop counts for 1 cpus");
	I(3, "%end events=0 cpus=1 drops=\n",
	    "%end has 0 drop counts for 1 cpus");
	I(3, "%end events=0 cpus=2 drops=0,\n",
	    "bad %end drops= value '0,'");
	I(3, "%end events=0 cpus=2 drops=,0\n",
	    "bad %end drops= value ',0'");
	I(3, "%end events=x cpus=0 drops=\n",
	    "bad %end events= value 'events=x'");
	I(3, "%end events=0 cpus=4097 drops=\n",
	    "bad %end cpus= value 'cpus=4097' (at most 4096)");
	I(3, "%end events=0 cpus=0 drops= x=1\n",
	    "bad %end field 'x=1' (expected events=N cpus=N drops=D0,D1,...)");
	I(3, "%end events=0 events=0 cpus=0 drops=\n",
	    "repeated %end field 'events=0'");
	I(3, "%end cpus=0 drops=\n", "missing events= in %end line");
	I(3, "%end events=0 drops=\n", "missing cpus= in %end line");
	I(4, "%end events=0 cpus=0 drops=\n%end events=0 cpus=0 drops=\n",
	    "text after %end '%end'");
	I(5, "%end events=0 cpus=0 drops=\n\n"
	    "1.000000 0 0/0 thread - kfree ptr=0x1\n",
	    "text after %end '1.000000'");
	I(4, "%end events=0 cpus=0 drops=\nflush\n", "text after %end 'flush'");
#undef I

	/* an error after many events: still nothing left behind */
	{
		size_t cap = 1 << 20, len;
		char *big = malloc(cap);

		len = (size_t)snprintf(big, cap, "%s", hdr);
		for (int i = 0; i < 5000; i++)
			len += (size_t)snprintf(big + len, cap - len,
			    "%d.%06d %d %d/%d thread \"comm %d\" kmalloc "
			    "site=f%d+0x1 ptr=0x%x size=%d\n", i, i % 1000000,
			    i % 4, i, i, i % 7, i % 13, i * 64, i % 100 + 1);
		len += (size_t)snprintf(big + len, cap - len,
		    "1.000000 0 0/0 thread - kfree ptr=0xzz\n");
		tx_load_err(big, "in.txt:5003: bad ptr= value '0xzz'",
		    "error after 5000 events");
		free(big);
	}
}

/* ---- round trips */

/*
 * tx_roundtrip: binary a -> text -> binary b must give the same bytes, and
 * text -> binary -> text the same text.  The texts are compared line by
 * line with events[0..nev) when events is not NULL (each event line must
 * parse back to the next event).  what names the case in messages.
 */
static void
tx_roundtrip(const char *a, const struct kml_trace_event *events, size_t nev,
    const char *what)
{
	char err[512], *text1, *text2, *ba, *bb;
	size_t la, lb;

	text1 = tx_dump(a, err, sizeof(err));
	if (!tap_ok(text1 != NULL, "%s: binary to text", what)) {
		tap_diag("error: %s", err);
		return;
	}
	if (!tap_is(tx_load(text1, tx_path("rt-b.kmt"), err, sizeof(err)), 0,
	    "%s: text to binary", what))
		tap_diag("error: %s", err);
	ba = tx_slurp(a, &la);
	bb = tx_slurp(tx_path("rt-b.kmt"), &lb);
	if (!tap_ok(ba != NULL && bb != NULL && la == lb &&
	    memcmp(ba, bb, la) == 0, "%s: binary -> text -> binary: the same "
	    "%zu bytes", what, la) && ba != NULL && bb != NULL) {
		size_t i;

		for (i = 0; i < la && i < lb && ba[i] == bb[i]; i++)
			continue;
		tap_diag("%zu and %zu bytes, first difference at byte %zu",
		    la, lb, i);
	}
	free(ba);
	free(bb);
	text2 = tx_dump(tx_path("rt-b.kmt"), err, sizeof(err));
	tap_ok(text2 != NULL && strcmp(text1, text2) == 0,
	    "%s: text -> binary -> text: the same text", what);

	if (events != NULL) {
		struct kml_trace_header th;
		struct kml_trace *t;
		size_t i = 0, lineno = 0;
		char *p, *nl, strbuf[TX_STRBUF];
		bool ok = true;

		if ((t = kml_trace_open_read(a, err, sizeof(err))) == NULL) {
			tap_ok(0, "%s: reopen: %s", what, err);
			free(text1);
			free(text2);
			return;
		}
		th = *kml_trace_header(t);
		kml_trace_close(t, NULL, 0);
		for (p = text1; ok && *p != '\0'; p = nl + 1) {
			struct kml_trace_event ev;
			const char *d;

			nl = strchr(p, '\n');
			lineno++;
			if (*p == '%' || strncmp(p, "drop ", 5) == 0 ||
			    strncmp(p, "flush\n", 6) == 0)
				continue;
			if (kml_trace_parse_event(&th, p, (size_t)(nl - p), &ev,
			    strbuf, sizeof(strbuf), err, sizeof(err)) != 0) {
				tap_ok(0, "%s: line %zu: %s", what, lineno, err);
				ok = false;
			} else if (i >= nev) {
				tap_ok(0, "%s: line %zu: more events than "
				    "written", what, lineno);
				ok = false;
			} else if (*(d = tx_evdiff(&ev, &events[i])) != '\0') {
				tap_ok(0, "%s: line %zu: event %zu differs in "
				    "%s", what, lineno, i, d);
				ok = false;
			}
			i++;
		}
		tap_ok(ok && i == nev, "%s: %zu event lines, each the event "
		    "written", what, i);
	}
	free(text1);
	free(text2);
	unlink(tx_path("rt-b.kmt"));
}

/* The strings of the sample trace: more than its 4 slots, every quoting case. */
static const char *const tx_strs[] = {
	"alpha", "beta", "gamma", "delta", "epsilon", "a b", "q\"uote",
	"back\\slash", "nl\n", "\x01\x7f\x80\xff", "", "-", "kmalloc-64",
	"dentry", "kworker/0:1", "<idle>", "zeta",
};
#define TX_NSTRS	(sizeof(tx_strs) / sizeof(tx_strs[0]))

/* tx_sample: every operation and field, drops, flushes, slot reuse. */
static void
tx_sample(void)
{
	struct kml_trace_header th;
	struct kml_trace_event ev[400];
	struct kml_trace *t;
	char err[512];
	size_t n = 0;
	bool ok = true;

	kml_trace_header_init(&th, KML_TSRC_GEN);
	strcpy(th.th_detail, "gen sample \"quoted\"");
	strcpy(th.th_host, "host");
	strcpy(th.th_kernel, "6.8.0");
	th.th_ncpu = 4;
	th.th_clock_ns = 1000;
	th.th_start_ns = 17;
	th.th_slots = 4;
	th.th_blocksize = KML_TRACE_BLOCKMIN;
	t = kml_trace_open_write(tx_path("sample.kmt"), &th, err, sizeof(err));
	if (!tap_ok(t != NULL, "sample: open the writer")) {
		tap_diag("error: %s", err);
		return;
	}
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned op = 1; op < KML_OP_COUNT; op++) {
			struct kml_trace_event *e = &ev[n];

			memset(e, 0, sizeof(*e));
			e->te_op = (uint8_t)op;
			e->te_ts = 1000000 + n * 37 - (n % 5 == 4 ? 100 : 0);
			e->te_cpu = (n * 7) % 5;
			e->te_pid = 100 + (uint32_t)(n % 3);
			e->te_tid = e->te_pid + (uint32_t)(n % 2);
			e->te_ctx = (uint8_t)(n % 4);
			e->te_flags = (uint8_t)(n % 8);
			e->te_comm = n % 6 == 0 ? NULL : tx_strs[n % TX_NSTRS];
			e->te_site = n % 5 == 0 ? NULL :
			    tx_strs[(n * 3 + 1) % TX_NSTRS];
			e->te_cache = n % 4 == 0 ? NULL :
			    tx_strs[(n * 5 + 2) % TX_NSTRS];
			e->te_ptr = n % 9 == 0 ? 0 :
			    UINT64_C(0xffff888000000000) + n * 64;
			if (op == KML_OP_REALLOC)
				e->te_oldptr = round % 2 ? 0 : ev[n - 1].te_ptr;
			if (kml_trace_op_frees(op) && op != KML_OP_REALLOC &&
			    n >= 3)
				e->te_ptr = ev[n - 1 - n % 3].te_ptr;
			e->te_size = round % 3 ? 8u << (n % 10) : 0;
			e->te_alloc = round % 4 ? e->te_size + n % 16 : 0;
			e->te_count = op == KML_OP_CALLOC ? 3 : 0;
			e->te_align = round % 5 == 1 ? 64 : 0;
			e->te_order = (uint8_t)(round % 7 == 2 ? n % 64 : 0);
			e->te_gfp = round % 2 ? GFP_KERNEL | (n % 3 ?
			    __GFP_ZERO : 0x1000000) : 0;
			if (kml_trace_write(t, e) != 0) {
				tap_diag("event %zu: %s", n, kml_trace_errmsg(t));
				ok = false;
			}
			n++;
		}
		if (round % 3 == 0 &&
		    kml_trace_write_drop(t, round % 6, round + 1) != 0)
			ok = false;
		if (round % 4 == 1 && kml_trace_flush(t) != 0)
			ok = false;
	}
	tap_ok(ok, "sample: %zu events written", n);
	tap_is(kml_trace_close(t, err, sizeof(err)), 0, "sample: close");
	tx_roundtrip(tx_path("sample.kmt"), ev, n, "sample");
	unlink(tx_path("sample.kmt"));
}

/* ---- random round trips */

static uint64_t tx_rng;

/* tx_rand: splitmix64. */
static uint64_t
tx_rand(void)
{
	uint64_t z = (tx_rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* tx_randbelow: a random number in [0, n). */
static uint64_t
tx_randbelow(uint64_t n)
{
	return tx_rand() % n;
}

/* tx_randnum: a random 64-bit value, small more often than not. */
static uint64_t
tx_randnum(void)
{
	switch (tx_randbelow(4)) {
	case 0:
		return 0;
	case 1:
		return tx_randbelow(4096);
	case 2:
		return tx_rand() >> tx_randbelow(64);
	default:
		return tx_rand();
	}
}

#define TX_RSTRS	64		/* distinct random strings */

/*
 * tx_random: nev random events over every operation and field (with
 * drops and flushes between them) from seed, under a header with clock
 * unit clock_ns and slots slots, then the round trips.
 */
static void
tx_random(uint64_t seed, size_t nev, uint64_t clock_ns, uint32_t slots)
{
	static char strs[TX_RSTRS][KML_TRACE_STRMAX + 1];
	struct kml_trace_header th;
	struct kml_trace_event *ev;
	struct kml_trace *t;
	char err[512], what[64];
	uint64_t ts = tx_rand();
	bool ok = true;

	snprintf(what, sizeof(what), "random seed %" PRIu64, seed);
	tx_rng = seed;
	for (int i = 0; i < TX_RSTRS; i++) {
		size_t len = tx_randbelow(4) == 0 ? tx_randbelow(
		    KML_TRACE_STRMAX + 1) : tx_randbelow(24);

		for (size_t j = 0; j < len; j++) {
			unsigned c = (unsigned)tx_randbelow(3) == 0 ?
			    1 + (unsigned)tx_randbelow(255) :
			    0x21 + (unsigned)tx_randbelow(0x5e);

			strs[i][j] = (char)c;
		}
		strs[i][len] = '\0';
	}
	strcpy(strs[0], "-");
	strcpy(strs[1], "");

	kml_trace_header_init(&th, KML_TSRC_GEN);
	snprintf(th.th_detail, sizeof(th.th_detail), "random %" PRIu64, seed);
	th.th_clock_ns = clock_ns;
	th.th_slots = slots;
	th.th_blocksize = KML_TRACE_BLOCKMIN << tx_randbelow(3);
	th.th_ncpu = (uint32_t)tx_randbelow(64);
	th.th_flags = (uint16_t)tx_randbelow(2);
	t = kml_trace_open_write(tx_path("random.kmt"), &th, err, sizeof(err));
	if (!tap_ok(t != NULL, "%s: open the writer", what)) {
		tap_diag("error: %s", err);
		return;
	}
	ev = calloc(nev, sizeof(*ev));
	for (size_t i = 0; i < nev && ok; i++) {
		struct kml_trace_event *e = &ev[i];

		ts += (uint64_t)((int64_t)tx_randbelow(2000000) - 100000);
		e->te_ts = tx_randbelow(50) == 0 ? tx_rand() : ts;
		e->te_op = (uint8_t)(1 + tx_randbelow(KML_OP_COUNT - 1));
		e->te_cpu = (uint32_t)(tx_randbelow(10) == 0 ?
		    tx_randbelow(KML_TRACE_CPUMAX) : tx_randbelow(4));
		e->te_pid = (uint32_t)(tx_randbelow(3) == 0 ? tx_rand() :
		    tx_randbelow(50));
		e->te_tid = (uint32_t)(tx_randbelow(2) ? e->te_pid :
		    tx_rand());
		e->te_ctx = (uint8_t)tx_randbelow(4);
		e->te_flags = (uint8_t)tx_randbelow(KML_TEF_MASK + 1);
		e->te_order = (uint8_t)(tx_randbelow(3) == 0 ?
		    tx_randbelow(64) : 0);
		e->te_gfp = (uint32_t)(tx_randbelow(2) ? 0 :
		    tx_randbelow(2) ? GFP_KERNEL : tx_rand());
		e->te_comm = tx_randbelow(8) == 0 ? NULL :
		    strs[tx_randbelow(TX_RSTRS)];
		e->te_site = tx_randbelow(8) == 0 ? NULL :
		    strs[tx_randbelow(TX_RSTRS)];
		e->te_cache = tx_randbelow(2) == 0 ? NULL :
		    strs[tx_randbelow(TX_RSTRS)];
		e->te_size = tx_randnum();
		e->te_alloc = tx_randbelow(2) ? e->te_size : tx_randnum();
		e->te_align = tx_randbelow(4) == 0 ? tx_randnum() : 0;
		e->te_count = tx_randbelow(4) == 0 ? tx_randnum() : 0;
		e->te_ptr = tx_randbelow(3) == 0 && i > 0 ?
		    ev[tx_randbelow(i)].te_ptr : tx_randnum();
		if (e->te_op == KML_OP_REALLOC)
			e->te_oldptr = tx_randbelow(2) && i > 0 ?
			    ev[tx_randbelow(i)].te_ptr : tx_randnum();
		if (kml_trace_write(t, e) != 0) {
			tap_ok(0, "%s: event %zu refused: %s", what, i,
			    kml_trace_errmsg(t));
			ok = false;
		}
		if (tx_randbelow(500) == 0 && kml_trace_write_drop(t,
		    (uint32_t)tx_randbelow(KML_TRACE_CPUMAX),
		    1 + tx_randnum() / 2) != 0) {
			tap_ok(0, "%s: drop refused: %s", what,
			    kml_trace_errmsg(t));
			ok = false;
		}
		if (tx_randbelow(300) == 0 && kml_trace_flush(t) != 0) {
			tap_ok(0, "%s: flush refused: %s", what,
			    kml_trace_errmsg(t));
			ok = false;
		}
	}
	if (!ok) {
		kml_trace_abort(t);
		free(ev);
		return;
	}
	tap_is(kml_trace_close(t, err, sizeof(err)), 0, "%s: close", what);
	tx_roundtrip(tx_path("random.kmt"), ev, nev, what);
	unlink(tx_path("random.kmt"));
	free(ev);
}

int
main(void)
{
	strcpy(tx_dir, "/tmp/trace_text_test.XXXXXX");
	if (mkdtemp(tx_dir) == NULL)
		tap_bail("mkdtemp: %s", strerror(errno));

	tx_ops();
	tx_fields();
	tx_loose();
	tx_strings();
	tx_times();
	tx_errors();
	tx_buffer();

	tx_defaults();
	tx_dump_exact();
	tx_io_errors();
	tx_header_lines();
	tx_items();
	tx_sample();
	tx_random(1, 20000, 1000, 4);
	tx_random(2, 20000, 1, 16);
	tx_random(3, 20000, 3, KML_TRACE_SLOTS);
	tx_random(4, 20000, 1000000000, 5);

	tap_is(tx_dircount(), 0, "every output removed");
	rmdir(tx_dir);
	return tap_done();
}
