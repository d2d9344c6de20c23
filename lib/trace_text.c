/*
 * lib/trace_text.c: the text form of a kmemlab trace (see kmemlab/trace.h
 * and man/kmemlab-trace.5): a trace turned into lines and back.
 *
 * ---- 1. The lines
 *
 *	%kmemlab-trace 1			header: first, then "%key value"
 *	%source import				lines, each at most once
 *	...
 *	5342.702745 1 24906/24906 thread ftrace-run.sh kmalloc site=... ptr=0x1e58ffb8 size=16
 *	drop cpu=1 count=12			a drop record
 *	flush					the writer ended a block here
 *	%end events=N cpus=N drops=D0,D1,...	the trailer, last line
 *
 * An event line is TS CPU PID/TID CTX COMM OP and then key=value fields
 * in a fixed order, each only when it applies (ptr= always, old= for
 * realloc always).  The time is printed in seconds when the clock unit is
 * a power of ten of nanoseconds up to one second (with as many decimals
 * as the unit asks), else as the integer count of units.  Strings are
 * bare when that is unambiguous, else quoted with \" \\ \n \t \xHH.
 *
 * ---- 2. Exactness
 *
 * The dumper writes every header field, every event field that is not 0,
 * the drops and the flushes where the reader found them, so that the
 * loader, giving the same header and the same sequence of events, drops
 * and flushes to the deterministic writer of lib/trace.c, produces the
 * same bytes: binary -> text -> binary is the identity, and so is
 * text -> binary -> text for the text the dumper writes.  The loader is
 * lenient only where nothing is lost: runs of blanks, comments, keys in
 * any order, header lines in any order, hexadecimal digits in either case.
 *
 * ---- 3. Speed
 *
 * A dump or load of a million events must take seconds, so numbers are
 * formatted and parsed by hand, lines are built in a buffer and written
 * with one fwrite, and input lines are read with getline.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/gfp.h>
#include <kmemlab/trace.h>

#define TT_VERSION	1	/* the text form's version, "%kmemlab-trace 1" */
#define TT_SHOWMAX	64	/* bytes of a bad token quoted in a message */
#define TT_GFPMAX	1024	/* room for gfp_format's longest text */
#define TT_STRBUF	(3 * (KML_TRACE_STRMAX + 1))	/* an event's strings */

/* The event keys, in the order the dumper writes them. */
enum {
	TT_K_SITE, TT_K_PTR, TT_K_OLD, TT_K_SIZE, TT_K_ALLOC, TT_K_COUNT,
	TT_K_ALIGN, TT_K_ORDER, TT_K_GFP, TT_K_FLAGS, TT_K_CACHE, TT_NKEYS
};

static const char *const tt_keys[TT_NKEYS] = {
	"site", "ptr", "old", "size", "alloc", "count", "align", "order",
	"gfp", "flags", "cache"
};

/* The names of the event flags, bit 0 first. */
static const char *const tt_flagnames[] = { "sleep", "zero", "account" };

static const uint64_t tt_pow10[20] = {
	UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
	UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000),
	UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
	UINT64_C(10000000000), UINT64_C(100000000000),
	UINT64_C(1000000000000), UINT64_C(10000000000000),
	UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)
};

static const char tt_hexdigits[] = "0123456789abcdef";

/*
 * tt_decimals: the number of decimals of a time in seconds for a clock of
 * clock_ns nanoseconds per unit: 9 - k when clock_ns is 10^k, 0 <= k <= 9.
 * => -1 for any other unit: times are then integer counts of units.
 */
static int
tt_decimals(uint64_t clock_ns)
{
	for (int k = 0; k <= 9; k++)
		if (clock_ns == tt_pow10[k])
			return 9 - k;
	return -1;
}

/* ---- output: a buffer that counts what does not fit (as snprintf) */

struct tt_out {
	char *o_buf;		/* the buffer */
	size_t o_len;		/* its size */
	size_t o_pos;		/* bytes written or needed so far */
};

/* tt_putc: append c. */
static inline void
tt_putc(struct tt_out *o, char c)
{
	if (o->o_pos < o->o_len)
		o->o_buf[o->o_pos] = c;
	o->o_pos++;
}

/* tt_putn: append s[0..n). */
static void
tt_putn(struct tt_out *o, const char *s, size_t n)
{
	if (o->o_pos < o->o_len) {
		size_t room = o->o_len - o->o_pos;

		memcpy(o->o_buf + o->o_pos, s, n < room ? n : room);
	}
	o->o_pos += n;
}

/* tt_puts: append the string s. */
static void
tt_puts(struct tt_out *o, const char *s)
{
	tt_putn(o, s, strlen(s));
}

/* tt_putu: append v in decimal, at least width digits (zeros in front). */
static void
tt_putu(struct tt_out *o, uint64_t v, int width)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width)
		tmp[sizeof(tmp) - 1 - n++] = '0';
	tt_putn(o, tmp + sizeof(tmp) - n, (size_t)n);
}

/* tt_putx: append "0x" and v in lower-case hexadecimal ("0x0" for 0). */
static void
tt_putx(struct tt_out *o, uint64_t v)
{
	char tmp[18];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = tt_hexdigits[v & 0xf];
		v >>= 4;
	} while (v != 0);
	tmp[sizeof(tmp) - 1 - n++] = 'x';
	tmp[sizeof(tmp) - 1 - n++] = '0';
	tt_putn(o, tmp + sizeof(tmp) - n, (size_t)n);
}

/* tt_bare: s[0..n) may be written without quotes. */
static bool
tt_bare(const char *s, size_t n)
{
	if (n == 0 || (n == 1 && s[0] == '-'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/*
 * tt_putstr: append s as a string token: bare when tt_bare, else quoted
 * with \" \\ \n \t and \xHH for the other bytes outside 0x20..0x7e.
 */
static void
tt_putstr(struct tt_out *o, const char *s)
{
	size_t n = strlen(s);

	if (tt_bare(s, n)) {
		tt_putn(o, s, n);
		return;
	}
	tt_putc(o, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			tt_putc(o, '\\');
			tt_putc(o, (char)c);
		} else if (c == '\n') {
			tt_putn(o, "\\n", 2);
		} else if (c == '\t') {
			tt_putn(o, "\\t", 2);
		} else if (c < 0x20 || c > 0x7e) {
			tt_putn(o, "\\x", 2);
			tt_putc(o, tt_hexdigits[c >> 4]);
			tt_putc(o, tt_hexdigits[c & 0xf]);
		} else
			tt_putc(o, (char)c);
	}
	tt_putc(o, '"');
}

/* tt_putts: append the time ts in the form the clock unit of th asks. */
static void
tt_putts(struct tt_out *o, const struct kml_trace_header *th, uint64_t ts)
{
	int d = tt_decimals(th->th_clock_ns);

	if (d <= 0) {
		tt_putu(o, ts, 1);
		return;
	}
	tt_putu(o, ts / tt_pow10[d], 1);
	tt_putc(o, '.');
	tt_putu(o, ts % tt_pow10[d], d);
}

/* tt_end: NUL-terminate o's buffer (cut if need be). => the length needed. */
static size_t
tt_end(struct tt_out *o)
{
	if (o->o_len > 0)
		o->o_buf[o->o_pos < o->o_len ? o->o_pos : o->o_len - 1] = '\0';
	return o->o_pos;
}

size_t
kml_trace_format_event(const struct kml_trace_header *th,
    const struct kml_trace_event *ev, char *buf, size_t len)
{
	struct tt_out o = { buf, len, 0 };
	const char *name;

	tt_putts(&o, th, ev->te_ts);
	tt_putc(&o, ' ');
	tt_putu(&o, ev->te_cpu, 1);
	tt_putc(&o, ' ');
	tt_putu(&o, ev->te_pid, 1);
	tt_putc(&o, '/');
	tt_putu(&o, ev->te_tid, 1);
	tt_putc(&o, ' ');
	if ((name = kml_trace_ctx_name(ev->te_ctx)) != NULL)
		tt_puts(&o, name);
	else
		tt_putu(&o, ev->te_ctx, 1);	/* not loadable, but seen */
	tt_putc(&o, ' ');
	if (ev->te_comm != NULL)
		tt_putstr(&o, ev->te_comm);
	else
		tt_putc(&o, '-');
	tt_putc(&o, ' ');
	if ((name = kml_trace_op_name(ev->te_op)) != NULL)
		tt_puts(&o, name);
	else
		tt_putu(&o, ev->te_op, 1);	/* not loadable, but seen */

	if (ev->te_site != NULL) {
		tt_puts(&o, " site=");
		tt_putstr(&o, ev->te_site);
	}
	tt_puts(&o, " ptr=");
	tt_putx(&o, ev->te_ptr);
	if (ev->te_op == KML_OP_REALLOC) {
		tt_puts(&o, " old=");
		tt_putx(&o, ev->te_oldptr);
	}
	if (ev->te_size != 0) {
		tt_puts(&o, " size=");
		tt_putu(&o, ev->te_size, 1);
	}
	if (ev->te_alloc != 0) {
		tt_puts(&o, " alloc=");
		tt_putu(&o, ev->te_alloc, 1);
	}
	if (ev->te_count != 0) {
		tt_puts(&o, " count=");
		tt_putu(&o, ev->te_count, 1);
	}
	if (ev->te_align != 0) {
		tt_puts(&o, " align=");
		tt_putu(&o, ev->te_align, 1);
	}
	if (ev->te_order != 0) {
		tt_puts(&o, " order=");
		tt_putu(&o, ev->te_order, 1);
	}
	if (ev->te_gfp != 0) {
		char g[TT_GFPMAX];
		size_t n = gfp_format(ev->te_gfp, g, sizeof(g));

		tt_puts(&o, " gfp=");
		tt_putn(&o, g, n < sizeof(g) ? n : sizeof(g) - 1);
	}
	if (ev->te_flags != 0) {
		unsigned rest = ev->te_flags;
		bool first = true;

		tt_puts(&o, " flags=");
		for (unsigned i = 0; i < sizeof(tt_flagnames) /
		    sizeof(tt_flagnames[0]); i++) {
			if ((rest & (1u << i)) == 0)
				continue;
			if (!first)
				tt_putc(&o, '|');
			tt_puts(&o, tt_flagnames[i]);
			rest &= ~(1u << i);
			first = false;
		}
		if (rest != 0) {		/* not loadable, but seen */
			if (!first)
				tt_putc(&o, '|');
			tt_putx(&o, rest);
		}
	}
	if (ev->te_cache != NULL) {
		tt_puts(&o, " cache=");
		tt_putstr(&o, ev->te_cache);
	}
	return tt_end(&o);
}

/* ---- input: tokens, numbers, strings */

/* One token of a line: s[0..n). */
struct tt_tok {
	const char *t_s;
	size_t t_n;
};

/* tt_blank: c separates tokens. */
static inline bool
tt_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * tt_next: the next token of [*pp, end) into *tok, *pp moved past it.  A
 * token ends at a blank outside double quotes (a backslash in quotes
 * escapes the next byte).
 * => false when only blanks are left.
 */
static bool
tt_next(const char **pp, const char *end, struct tt_tok *tok)
{
	const char *p = *pp;

	while (p < end && tt_blank(*p))
		p++;
	if (p == end) {
		*pp = p;
		return false;
	}
	tok->t_s = p;
	while (p < end && !tt_blank(*p)) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			if (p < end)
				p++;
		} else
			p++;
	}
	tok->t_n = (size_t)(p - tok->t_s);
	*pp = p;
	return true;
}

/* tt_is: the token is exactly the string s. */
static bool
tt_is(const struct tt_tok *tok, const char *s)
{
	size_t n = strlen(s);

	return tok->t_n == n && memcmp(tok->t_s, s, n) == 0;
}

/*
 * tt_err: format a message into errbuf: what, then the token quoted (at
 * most TT_SHOWMAX bytes of it, "..." if cut), then " (why)" if why is not
 * NULL.  => -1.
 */
static int
tt_err(char *errbuf, size_t errlen, const char *what,
    const struct tt_tok *tok, const char *why)
{
	int shown = tok->t_n > TT_SHOWMAX ? TT_SHOWMAX : (int)tok->t_n;

	if (errlen > 0)
		snprintf(errbuf, errlen, "%s '%.*s%s'%s%s%s", what, shown,
		    tok->t_s, tok->t_n > TT_SHOWMAX ? "..." : "",
		    why != NULL ? " (" : "", why != NULL ? why : "",
		    why != NULL ? ")" : "");
	return -1;
}

/* tt_msg: format a message into errbuf.  => -1. */
static int
tt_msg(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tt_msg(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * tt_getu: s[0..n) as a decimal number (digits only) at most max.
 * => 0 with *vp; -1 if it is not a number; -2 if it is above max.
 */
static int
tt_getu(const char *s, size_t n, uint64_t max, uint64_t *vp)
{
	uint64_t v = 0;
	bool big = false;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (big || v > max)
		return -2;
	*vp = v;
	return 0;
}

/* tt_getx: s[0..n) as "0x" and hexadecimal digits. => 0 with *vp, or -1. */
static int
tt_getx(const char *s, size_t n, uint64_t *vp)
{
	uint64_t v = 0;

	if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	for (size_t i = 2; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		if (v >> 60 != 0)
			return -1;		/* more than 64 bits */
		v = v << 4 | d;
	}
	*vp = v;
	return 0;
}

/* tt_hexval: the value of the hexadecimal digit c, or -1. */
static int
tt_hexval(unsigned char c)
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
 * tt_getstr: decode the string token s[0..n) into out[0..outlen) with a
 * NUL after it.  A bare token may hold any byte but blanks, control
 * bytes, '"' and '\\'; a quoted one any byte but NUL, with the escapes
 * \" \\ \n \t \xHH.  A bare "-" is no string (*isnull set) when dash_null,
 * else refused.  The string has at most KML_TRACE_STRMAX bytes.
 * => 0, or -1 with *whyp the reason (NULL if the token is simply bad).
 */
static int
tt_getstr(const char *s, size_t n, bool dash_null, char *out, size_t outlen,
    bool *isnull, const char **whyp)
{
	size_t k = 0;

	*isnull = false;
	*whyp = NULL;
	if (n == 0)
		return -1;
	if (s[0] != '"') {
		if (n == 1 && s[0] == '-') {
			if (!dash_null)
				return -1;
			*isnull = true;
			return 0;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c < 0x21 || c == 0x7f || c == '"' || c == '\\')
				return -1;
		}
		if (n > KML_TRACE_STRMAX) {
			*whyp = "longer than 1023 bytes";
			return -1;
		}
		if (n + 1 > outlen) {
			*whyp = "no room for the strings";
			return -1;
		}
		memcpy(out, s, n);
		out[n] = '\0';
		return 0;
	}
	if (outlen == 0) {
		*whyp = "no room for the strings";
		return -1;
	}
	for (size_t i = 1;; i++) {
		unsigned char c;
		int hi, lo;

		if (i >= n) {
			*whyp = "unterminated quote";
			return -1;
		}
		c = (unsigned char)s[i];
		if (c == '"') {
			if (i + 1 != n) {
				*whyp = "text after the closing quote";
				return -1;
			}
			break;
		}
		if (c == '\\') {
			if (i + 1 >= n) {
				*whyp = "unterminated quote";
				return -1;
			}
			switch (s[++i]) {
			case '"':
				c = '"';
				break;
			case '\\':
				c = '\\';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'x':
				if (i + 2 >= n ||
				    (hi = tt_hexval((unsigned char)s[i + 1])) < 0 ||
				    (lo = tt_hexval((unsigned char)s[i + 2])) < 0) {
					*whyp = "bad \\x escape";
					return -1;
				}
				c = (unsigned char)(hi << 4 | lo);
				i += 2;
				break;
			default:
				*whyp = "bad escape";
				return -1;
			}
		}
		if (c == '\0') {
			*whyp = "NUL byte";
			return -1;
		}
		if (k >= KML_TRACE_STRMAX) {
			*whyp = "longer than 1023 bytes";
			return -1;
		}
		if (k + 1 >= outlen) {
			*whyp = "no room for the strings";
			return -1;
		}
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/*
 * tt_tserr: the message for a bad timestamp tok under th: its form is
 * wrong, or (range) its value does not fit 64 bits.  => -1.
 */
static int
tt_tserr(const struct kml_trace_header *th, const struct tt_tok *tok,
    bool range, char *errbuf, size_t errlen)
{
	int d = tt_decimals(th->th_clock_ns);
	char why[64];

	if (range)
		snprintf(why, sizeof(why), "out of range");
	else if (d < 0)
		snprintf(why, sizeof(why), "expected a count of %" PRIu64
		    " ns units", th->th_clock_ns);
	else if (d == 0)
		snprintf(why, sizeof(why), "expected whole seconds");
	else
		snprintf(why, sizeof(why), "expected seconds with %d "
		    "decimals", d);
	return tt_err(errbuf, errlen, "bad timestamp", tok, why);
}

/*
 * tt_getts: the timestamp token in the form th's clock unit asks.
 * => 0 with *tsp, or -1 with a message in errbuf.
 */
static int
tt_getts(const struct kml_trace_header *th, const struct tt_tok *tok,
    uint64_t *tsp, char *errbuf, size_t errlen)
{
	int d = tt_decimals(th->th_clock_ns);
	const char *dot;
	uint64_t sec, frac;
	int r;

	if (d <= 0) {
		r = tt_getu(tok->t_s, tok->t_n, UINT64_MAX, tsp);
		if (r == 0)
			return 0;
		return tt_tserr(th, tok, r == -2, errbuf, errlen);
	}
	dot = memchr(tok->t_s, '.', tok->t_n);
	if (dot == NULL || (size_t)(tok->t_s + tok->t_n - dot - 1) != (size_t)d)
		return tt_tserr(th, tok, false, errbuf, errlen);
	if ((r = tt_getu(tok->t_s, (size_t)(dot - tok->t_s), UINT64_MAX,
	    &sec)) == -1 || tt_getu(dot + 1, (size_t)d, UINT64_MAX, &frac) != 0)
		return tt_tserr(th, tok, false, errbuf, errlen);
	if (r == -2 || sec > (UINT64_MAX - frac) / tt_pow10[d])
		return tt_tserr(th, tok, true, errbuf, errlen);
	*tsp = sec * tt_pow10[d] + frac;
	return 0;
}

/* tt_keyerr: the message for a bad value val of key k.  => -1. */
static int
tt_keyerr(unsigned k, const struct tt_tok *val, const char *why,
    char *errbuf, size_t errlen)
{
	char what[32];

	snprintf(what, sizeof(what), "bad %s= value", tt_keys[k]);
	return tt_err(errbuf, errlen, what, val, why);
}

/* tt_getflags: "sleep|zero|account" (any of them, any order). => 0 or -1. */
static int
tt_getflags(const char *s, size_t n, uint8_t *flagsp)
{
	unsigned flags = 0;
	size_t i = 0;

	for (;;) {
		size_t j = i, f;

		while (j < n && s[j] != '|')
			j++;
		for (f = 0; f < sizeof(tt_flagnames) / sizeof(tt_flagnames[0]);
		    f++)
			if (strlen(tt_flagnames[f]) == j - i &&
			    memcmp(tt_flagnames[f], s + i, j - i) == 0)
				break;
		if (f == sizeof(tt_flagnames) / sizeof(tt_flagnames[0]))
			return -1;
		flags |= 1u << f;
		if (j == n)
			break;
		i = j + 1;
	}
	*flagsp = (uint8_t)flags;
	return 0;
}

int
kml_trace_parse_event(const struct kml_trace_header *th, const char *line,
    size_t linelen, struct kml_trace_event *ev, char *strbuf,
    size_t strbuflen, char *errbuf, size_t errlen)
{
	const char *p = line, *end = line + linelen, *slash, *why, *name;
	struct tt_tok tok, val;
	uint64_t v;
	unsigned seen = 0, op;
	size_t used = 0;
	bool isnull;
	int r;

	memset(ev, 0, sizeof(*ev));
	if (!tt_next(&p, end, &tok))
		return tt_msg(errbuf, errlen, "empty event line");
	if (tt_getts(th, &tok, &ev->te_ts, errbuf, errlen) != 0)
		return -1;

	if (!tt_next(&p, end, &tok))
		goto missing;
	if ((r = tt_getu(tok.t_s, tok.t_n, KML_TRACE_CPUMAX - 1, &v)) != 0)
		return tt_err(errbuf, errlen, "bad cpu", &tok,
		    r == -2 ? "at most 4095" : NULL);
	ev->te_cpu = (uint32_t)v;

	if (!tt_next(&p, end, &tok))
		goto missing;
	slash = memchr(tok.t_s, '/', tok.t_n);
	if (slash == NULL ||
	    tt_getu(tok.t_s, (size_t)(slash - tok.t_s), UINT32_MAX, &v) != 0)
		return tt_err(errbuf, errlen, "bad pid/tid", &tok, NULL);
	ev->te_pid = (uint32_t)v;
	if (tt_getu(slash + 1, (size_t)(tok.t_s + tok.t_n - slash - 1),
	    UINT32_MAX, &v) != 0)
		return tt_err(errbuf, errlen, "bad pid/tid", &tok, NULL);
	ev->te_tid = (uint32_t)v;

	if (!tt_next(&p, end, &tok))
		goto missing;
	for (r = 0; (name = kml_trace_ctx_name((unsigned)r)) != NULL; r++)
		if (tt_is(&tok, name))
			break;
	if (name == NULL)
		return tt_err(errbuf, errlen, "bad context", &tok, NULL);
	ev->te_ctx = (uint8_t)r;

	if (!tt_next(&p, end, &tok))
		goto missing;
	if (tt_getstr(tok.t_s, tok.t_n, true, strbuf + used,
	    strbuflen - used, &isnull, &why) != 0)
		return tt_err(errbuf, errlen, "bad command", &tok, why);
	if (!isnull) {
		ev->te_comm = strbuf + used;
		used += strlen(ev->te_comm) + 1;
	}

	if (!tt_next(&p, end, &tok))
		goto missing;
	op = kml_trace_op_lookup(tok.t_s, tok.t_n);
	if (op == KML_OP_NONE)
		return tt_err(errbuf, errlen, "unknown operation", &tok, NULL);
	ev->te_op = (uint8_t)op;

	while (tt_next(&p, end, &tok)) {
		const char *eq = memchr(tok.t_s, '=', tok.t_n);
		struct tt_tok key;
		unsigned k;

		if (eq == NULL)
			return tt_err(errbuf, errlen, "bad field", &tok,
			    "expected key=value");
		key.t_s = tok.t_s;
		key.t_n = (size_t)(eq - tok.t_s) + 1;	/* with the '=' */
		val.t_s = eq + 1;
		val.t_n = tok.t_n - key.t_n;
		for (k = 0; k < TT_NKEYS; k++)
			if (strlen(tt_keys[k]) == key.t_n - 1 &&
			    memcmp(tt_keys[k], key.t_s, key.t_n - 1) == 0)
				break;
		if (k == TT_NKEYS)
			return tt_err(errbuf, errlen, "unknown key", &key, NULL);
		if (seen & (1u << k))
			return tt_err(errbuf, errlen, "repeated key", &key,
			    NULL);
		seen |= 1u << k;
		switch (k) {
		case TT_K_SITE:
		case TT_K_CACHE:
			if (tt_getstr(val.t_s, val.t_n, false, strbuf + used,
			    strbuflen - used, &isnull, &why) != 0)
				return tt_keyerr(k, &val, why, errbuf, errlen);
			if (k == TT_K_SITE)
				ev->te_site = strbuf + used;
			else
				ev->te_cache = strbuf + used;
			used += strlen(strbuf + used) + 1;
			break;
		case TT_K_PTR:
			if (tt_getx(val.t_s, val.t_n, &ev->te_ptr) != 0)
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			break;
		case TT_K_OLD:
			if (op != KML_OP_REALLOC)
				return tt_msg(errbuf, errlen, "old= on %s "
				    "(only realloc has it)",
				    kml_trace_op_name(op));
			if (tt_getx(val.t_s, val.t_n, &ev->te_oldptr) != 0)
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			break;
		case TT_K_SIZE:
		case TT_K_ALLOC:
		case TT_K_COUNT:
		case TT_K_ALIGN:
			if (tt_getu(val.t_s, val.t_n, UINT64_MAX, &v) != 0)
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			if (k == TT_K_SIZE)
				ev->te_size = v;
			else if (k == TT_K_ALLOC)
				ev->te_alloc = v;
			else if (k == TT_K_COUNT)
				ev->te_count = v;
			else
				ev->te_align = v;
			break;
		case TT_K_ORDER:
			if ((r = tt_getu(val.t_s, val.t_n, 63, &v)) != 0)
				return tt_keyerr(k, &val, r == -2 ?
				    "at most 63" : NULL, errbuf, errlen);
			ev->te_order = (uint8_t)v;
			break;
		case TT_K_GFP: {
			char g[TT_GFPMAX];
			gfp_t gfp;

			if (val.t_n >= sizeof(g))
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			memcpy(g, val.t_s, val.t_n);
			g[val.t_n] = '\0';
			if (strlen(g) != val.t_n || gfp_parse(g, &gfp) != 0)
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			ev->te_gfp = gfp;
			break;
		}
		case TT_K_FLAGS:
			if (tt_getflags(val.t_s, val.t_n, &ev->te_flags) != 0)
				return tt_keyerr(k, &val, NULL, errbuf, errlen);
			break;
		}
	}
	if ((seen & (1u << TT_K_PTR)) == 0)
		return tt_msg(errbuf, errlen, "missing ptr=");
	return 0;

missing:
	return tt_msg(errbuf, errlen, "missing fields (expected TS CPU "
	    "PID/TID CTX COMM OP)");
}

/* ---- trace to text */

/* tt_hdrstr: write "%key " and the string token s, and a newline. */
static void
tt_hdrstr(FILE *out, const char *key, const char *s)
{
	char buf[4 * KML_TRACE_HDRSTRMAX + 3];
	struct tt_out o = { buf, sizeof(buf), 0 };

	tt_putstr(&o, s);
	fprintf(out, "%%%s %.*s\n", key, (int)o.o_pos, buf);
}

/* tt_header: write the header lines of th on out. */
static void
tt_header(FILE *out, const struct kml_trace_header *th)
{
	const char *src = kml_trace_source_name(th->th_source);

	fprintf(out, "%%kmemlab-trace %d\n", TT_VERSION);
	if (src != NULL)
		fprintf(out, "%%source %s\n", src);
	else
		fprintf(out, "%%source %u\n", th->th_source);
	tt_hdrstr(out, "detail", th->th_detail);
	tt_hdrstr(out, "host", th->th_host);
	tt_hdrstr(out, "kernel", th->th_kernel);
	fprintf(out, "%%ncpu %" PRIu32 "\n", th->th_ncpu);
	fprintf(out, "%%pagesize %" PRIu32 "\n", th->th_pagesize);
	fprintf(out, "%%clock %" PRIu64 "\n", th->th_clock_ns);
	fprintf(out, "%%start %" PRIu64 "\n", th->th_start_ns);
	if (th->th_flags == 0)
		fprintf(out, "%%flags none\n");
	else if (th->th_flags == KML_THF_HASHEDPTR)
		fprintf(out, "%%flags hashedptr\n");
	else
		fprintf(out, "%%flags %#x\n", th->th_flags);
	fprintf(out, "%%slots %" PRIu32 "\n", th->th_slots);
	fprintf(out, "%%blocksize %" PRIu32 "\n", th->th_blocksize);
}

int
kml_trace_to_text(struct kml_trace *in, FILE *out, const char *name,
    char *errbuf, size_t errlen)
{
	const struct kml_trace_header *th = kml_trace_header(in);
	const struct kml_trace_trailer *tt;
	struct kml_trace_item it;
	size_t cap = 16384, n;
	char *buf;
	int r;

	if ((buf = malloc(cap)) == NULL)
		return tt_msg(errbuf, errlen, "%s: %s", name, strerror(errno));
	tt_header(out, th);
	while ((r = kml_trace_next_item(in, &it)) == 1) {
		switch (it.ti_kind) {
		case KML_TI_EVENT:
			n = kml_trace_format_event(th, &it.ti_event, buf, cap);
			if (n + 1 > cap) {
				char *nbuf = realloc(buf, n + 1);

				if (nbuf == NULL) {
					free(buf);
					return tt_msg(errbuf, errlen, "%s: %s",
					    name, strerror(errno));
				}
				buf = nbuf;
				cap = n + 1;
				kml_trace_format_event(th, &it.ti_event, buf,
				    cap);
			}
			buf[n] = '\n';
			if (fwrite(buf, 1, n + 1, out) != n + 1)
				goto writeerr;
			break;
		case KML_TI_DROP:
			fprintf(out, "drop cpu=%" PRIu32 " count=%" PRIu64 "\n",
			    it.ti_drop_cpu, it.ti_drop_count);
			break;
		case KML_TI_FLUSH:
			fputs("flush\n", out);
			break;
		}
	}
	free(buf);
	buf = NULL;
	if (r < 0) {
		tt_msg(errbuf, errlen, "%s", kml_trace_errmsg(in));
		fflush(out);
		return -1;
	}
	tt = kml_trace_trailer(in);
	fprintf(out, "%%end events=%" PRIu64 " cpus=%" PRIu32 " drops=",
	    tt->tt_events, tt->tt_ncpu);
	for (uint32_t i = 0; i < tt->tt_ncpu; i++)
		fprintf(out, "%s%" PRIu64, i > 0 ? "," : "", tt->tt_drops[i]);
	fputc('\n', out);
	if (fflush(out) != 0 || ferror(out))
		goto writeerr;
	return 0;

writeerr:
	free(buf);
	return tt_msg(errbuf, errlen, "%s: %s", name,
	    errno != 0 ? strerror(errno) : "write error");
}

/* ---- text to trace */

/* The header lines after "%kmemlab-trace", in the order the dumper writes them. */
enum {
	TT_H_SOURCE, TT_H_DETAIL, TT_H_HOST, TT_H_KERNEL, TT_H_NCPU,
	TT_H_PAGESIZE, TT_H_CLOCK, TT_H_START, TT_H_FLAGS, TT_H_SLOTS,
	TT_H_BLOCKSIZE, TT_H_COUNT
};

static const char *const tt_hdrkeys[TT_H_COUNT] = {
	"%source", "%detail", "%host", "%kernel", "%ncpu", "%pagesize",
	"%clock", "%start", "%flags", "%slots", "%blocksize"
};

/* The loader's state. */
struct tt_load {
	const char *l_path;		/* the output */
	unsigned long l_line;		/* the line number */
	struct kml_trace_header l_th;	/* the header read so far */
	unsigned l_seen;		/* bit n: tt_hdrkeys[n] seen */
	bool l_magic;			/* "%kmemlab-trace 1" seen */
	bool l_ended;			/* "%end" seen */
	struct kml_trace *l_w;		/* the writer, once opened */
	char l_err[512];		/* a message without "NAME:LINE: " */
};

/*
 * tt_hdrvalue: the value of a header line: the single token after the key.
 * => 0 with *val, or -1 with a message in l_err.
 */
static int
tt_hdrvalue(struct tt_load *l, const char *key, const char *p,
    const char *end, struct tt_tok *val)
{
	struct tt_tok extra;

	if (!tt_next(&p, end, val))
		return tt_msg(l->l_err, sizeof(l->l_err), "missing %s value",
		    key);
	if (tt_next(&p, end, &extra)) {
		val->t_n = (size_t)(extra.t_s + extra.t_n - val->t_s);
		while (tt_next(&p, end, &extra))
			val->t_n = (size_t)(extra.t_s + extra.t_n - val->t_s);
		char what[64];

		snprintf(what, sizeof(what), "bad %s value", key);
		return tt_err(l->l_err, sizeof(l->l_err), what, val,
		    "one token expected");
	}
	return 0;
}

/*
 * tt_hdrline: read the header line whose key (with the '%') is key and
 * whose rest is [p, end) into l_th.
 * => 0, or -1 with a message in l_err.
 */
static int
tt_hdrline(struct tt_load *l, const struct tt_tok *key, const char *p,
    const char *end)
{
	struct kml_trace_header *th = &l->l_th;
	char what[64], *str = NULL;
	struct tt_tok val;
	const char *why;
	uint64_t v, max = 0;
	bool isnull;
	unsigned h;
	int r;

	for (h = 0; h < TT_H_COUNT; h++)
		if (tt_is(key, tt_hdrkeys[h]))
			break;
	if (h == TT_H_COUNT)
		return tt_err(l->l_err, sizeof(l->l_err),
		    "unknown header line", key, NULL);
	if (l->l_w != NULL)
		return tt_err(l->l_err, sizeof(l->l_err), "header line",
		    key, "after the first item");
	if (l->l_seen & (1u << h))
		return tt_err(l->l_err, sizeof(l->l_err),
		    "repeated header line", key, NULL);
	l->l_seen |= 1u << h;
	if (tt_hdrvalue(l, tt_hdrkeys[h], p, end, &val) != 0)
		return -1;
	snprintf(what, sizeof(what), "bad %s value", tt_hdrkeys[h]);

	switch (h) {
	case TT_H_SOURCE:
		for (v = 0; v < KML_TSRC_COUNT; v++)
			if (tt_is(&val, kml_trace_source_name((unsigned)v)))
				break;
		if (v == KML_TSRC_COUNT)
			return tt_err(l->l_err, sizeof(l->l_err), what, &val,
			    NULL);
		th->th_source = (uint8_t)v;
		return 0;
	case TT_H_FLAGS:
		if (tt_is(&val, "none"))
			th->th_flags = 0;
		else if (tt_is(&val, "hashedptr"))
			th->th_flags = KML_THF_HASHEDPTR;
		else
			return tt_err(l->l_err, sizeof(l->l_err), what, &val,
			    NULL);
		return 0;
	case TT_H_DETAIL:
		str = th->th_detail;
		break;
	case TT_H_HOST:
		str = th->th_host;
		break;
	case TT_H_KERNEL:
		str = th->th_kernel;
		break;
	case TT_H_CLOCK:
	case TT_H_START:
		max = UINT64_MAX;
		break;
	default:
		max = UINT32_MAX;
		break;
	}
	if (str != NULL) {
		if (tt_getstr(val.t_s, val.t_n, false, str,
		    KML_TRACE_HDRSTRMAX + 1, &isnull, &why) != 0)
			return tt_err(l->l_err, sizeof(l->l_err), what, &val,
			    why);
		return 0;
	}
	if ((r = tt_getu(val.t_s, val.t_n, max, &v)) != 0)
		return tt_err(l->l_err, sizeof(l->l_err), what, &val,
		    r == -2 ? "out of range" : NULL);
	switch (h) {
	case TT_H_NCPU:
		th->th_ncpu = (uint32_t)v;
		break;
	case TT_H_PAGESIZE:
		th->th_pagesize = (uint32_t)v;
		break;
	case TT_H_CLOCK:
		th->th_clock_ns = v;
		break;
	case TT_H_START:
		th->th_start_ns = v;
		break;
	case TT_H_SLOTS:
		th->th_slots = (uint32_t)v;
		break;
	case TT_H_BLOCKSIZE:
		th->th_blocksize = (uint32_t)v;
		break;
	}
	return 0;
}

/* tt_open: open the writer if it is not yet. => 0, or -1 (l_err). */
static int
tt_open(struct tt_load *l)
{
	if (l->l_w != NULL)
		return 0;
	l->l_w = kml_trace_open_write(l->l_path, &l->l_th, l->l_err,
	    sizeof(l->l_err));
	return l->l_w != NULL ? 0 : -1;
}

/* tt_werr: copy the writer's last message into l_err. => -1. */
static int
tt_werr(struct tt_load *l)
{
	return tt_msg(l->l_err, sizeof(l->l_err), "%s",
	    kml_trace_errmsg(l->l_w));
}

/* tt_drop: a "drop cpu=N count=N" line, [p, end) after "drop". */
static int
tt_drop(struct tt_load *l, const char *p, const char *end)
{
	struct tt_tok tok;
	uint64_t cpu = 0, count = 0, *vp, max;
	unsigned seen = 0, bit;
	int r;

	while (tt_next(&p, end, &tok)) {
		if (tok.t_n >= 4 && memcmp(tok.t_s, "cpu=", 4) == 0) {
			bit = 1, vp = &cpu, max = KML_TRACE_CPUMAX - 1;
			tok.t_s += 4, tok.t_n -= 4;
		} else if (tok.t_n >= 6 && memcmp(tok.t_s, "count=", 6) == 0) {
			bit = 2, vp = &count, max = UINT64_MAX;
			tok.t_s += 6, tok.t_n -= 6;
		} else
			return tt_err(l->l_err, sizeof(l->l_err),
			    "bad drop field", &tok,
			    "expected cpu=N count=N");
		if (seen & bit)
			return tt_msg(l->l_err, sizeof(l->l_err),
			    "repeated key '%s' in drop line",
			    bit == 1 ? "cpu=" : "count=");
		seen |= bit;
		if ((r = tt_getu(tok.t_s, tok.t_n, max, vp)) != 0 ||
		    (bit == 2 && count == 0))
			return tt_err(l->l_err, sizeof(l->l_err),
			    bit == 1 ? "bad drop cpu" : "bad drop count", &tok,
			    bit == 1 && r == -2 ? "at most 4095" :
			    bit == 2 && r == 0 ? "at least 1" : NULL);
	}
	if (seen != 3)
		return tt_msg(l->l_err, sizeof(l->l_err), "missing %s in drop "
		    "line", (seen & 1) == 0 ? "cpu=" : "count=");
	if (kml_trace_write_drop(l->l_w, (uint32_t)cpu, count) != 0)
		return tt_werr(l);
	return 0;
}

/*
 * tt_endline: a "%end events=N cpus=N drops=D0,..." line, [p, end) after
 * "%end": read it and compare it with the writer's trailer.
 */
static int
tt_endline(struct tt_load *l, const char *p, const char *end)
{
	const struct kml_trace_trailer *tt = kml_trace_trailer(l->l_w);
	struct tt_tok tok, drops = { NULL, 0 };
	uint64_t events = 0, ncpu = 0, count, d = 0;
	unsigned seen = 0;
	const char *q, *e, *c;
	uint32_t i;
	int r;

	while (tt_next(&p, end, &tok)) {
		unsigned bit;

		if (tok.t_n >= 7 && memcmp(tok.t_s, "events=", 7) == 0) {
			bit = 1;
			if (tt_getu(tok.t_s + 7, tok.t_n - 7, UINT64_MAX,
			    &events) != 0)
				return tt_err(l->l_err, sizeof(l->l_err),
				    "bad %end events= value", &tok, NULL);
		} else if (tok.t_n >= 5 && memcmp(tok.t_s, "cpus=", 5) == 0) {
			bit = 2;
			if ((r = tt_getu(tok.t_s + 5, tok.t_n - 5,
			    KML_TRACE_CPUMAX, &ncpu)) != 0)
				return tt_err(l->l_err, sizeof(l->l_err),
				    "bad %end cpus= value", &tok,
				    r == -2 ? "at most 4096" : NULL);
		} else if (tok.t_n >= 6 && memcmp(tok.t_s, "drops=", 6) == 0) {
			bit = 4;
			drops.t_s = tok.t_s + 6;
			drops.t_n = tok.t_n - 6;
		} else
			return tt_err(l->l_err, sizeof(l->l_err),
			    "bad %end field", &tok,
			    "expected events=N cpus=N drops=D0,D1,...");
		if (seen & bit)
			return tt_err(l->l_err, sizeof(l->l_err),
			    "repeated %end field", &tok, NULL);
		seen |= bit;
	}
	if (seen != 7)
		return tt_msg(l->l_err, sizeof(l->l_err), "missing %s in %%end "
		    "line", (seen & 1) == 0 ? "events=" :
		    (seen & 2) == 0 ? "cpus=" : "drops=");

	/* the drop list: exactly ncpu numbers */
	count = 0;
	e = drops.t_s + drops.t_n;
	for (q = drops.t_s; drops.t_n > 0; q = c + 1) {
		c = memchr(q, ',', (size_t)(e - q));
		if (tt_getu(q, (size_t)((c != NULL ? c : e) - q), UINT64_MAX,
		    &d) != 0)
			return tt_err(l->l_err, sizeof(l->l_err),
			    "bad %end drops= value", &drops, NULL);
		count++;
		if (c == NULL)
			break;
	}
	if (count != ncpu)
		return tt_msg(l->l_err, sizeof(l->l_err), "%%end has %" PRIu64
		    " drop counts for %" PRIu64 " cpus", count, ncpu);

	/* the comparison */
	if (events != tt->tt_events)
		return tt_msg(l->l_err, sizeof(l->l_err), "%%end says %" PRIu64
		    " events, the trace has %" PRIu64, events, tt->tt_events);
	if (ncpu != tt->tt_ncpu)
		return tt_msg(l->l_err, sizeof(l->l_err), "%%end says %" PRIu64
		    " cpus, the trace has %" PRIu32, ncpu, tt->tt_ncpu);
	q = drops.t_s;
	for (i = 0; i < ncpu; i++, q = c + 1) {
		c = memchr(q, ',', (size_t)(e - q));
		(void)tt_getu(q, (size_t)((c != NULL ? c : e) - q), UINT64_MAX,
		    &d);
		if (d != tt->tt_drops[i])
			return tt_msg(l->l_err, sizeof(l->l_err), "%%end says "
			    "%" PRIu64 " dropped on cpu %" PRIu32 ", the trace "
			    "has %" PRIu64, d, i, tt->tt_drops[i]);
		if (c == NULL)
			break;
	}
	return 0;
}

/*
 * tt_loadline: one line [line, end) that is not blank or a comment.
 * => 0, or -1 with a message in l_err.
 */
static int
tt_loadline(struct tt_load *l, const char *line, const char *end,
    char *strbuf)
{
	struct kml_trace_event ev;
	struct tt_tok tok, val;
	const char *p = line;

	(void)tt_next(&p, end, &tok);
	if (l->l_ended)
		return tt_err(l->l_err, sizeof(l->l_err), "text after %end",
		    &tok, NULL);
	if (!l->l_magic) {
		if (!tt_is(&tok, "%kmemlab-trace"))
			return tt_msg(l->l_err, sizeof(l->l_err), "not a "
			    "kmemlab trace text (the first line must be "
			    "'%%kmemlab-trace %d')", TT_VERSION);
		if (tt_hdrvalue(l, "%kmemlab-trace", p, end, &val) != 0)
			return -1;
		if (!tt_is(&val, "1"))
			return tt_err(l->l_err, sizeof(l->l_err),
			    "unsupported text version", &val, NULL);
		l->l_magic = true;
		return 0;
	}
	if (tok.t_s[0] == '%') {
		if (tt_is(&tok, "%end")) {
			if (tt_open(l) != 0 || tt_endline(l, p, end) != 0)
				return -1;
			l->l_ended = true;
			return 0;
		}
		if (tt_is(&tok, "%kmemlab-trace"))
			return tt_err(l->l_err, sizeof(l->l_err),
			    "repeated header line", &tok, NULL);
		return tt_hdrline(l, &tok, p, end);
	}
	if (tt_open(l) != 0)
		return -1;
	if (tt_is(&tok, "flush")) {
		if (tt_next(&p, end, &val))
			return tt_err(l->l_err, sizeof(l->l_err),
			    "text after flush", &val, NULL);
		return kml_trace_flush(l->l_w) != 0 ? tt_werr(l) : 0;
	}
	if (tt_is(&tok, "drop"))
		return tt_drop(l, p, end);
	if (kml_trace_parse_event(&l->l_th, line, (size_t)(end - line), &ev,
	    strbuf, TT_STRBUF, l->l_err, sizeof(l->l_err)) != 0)
		return -1;
	if (kml_trace_write(l->l_w, &ev) != 0)
		return tt_werr(l);
	return 0;
}

int
kml_trace_from_text(FILE *in, const char *name, const char *path,
    char *errbuf, size_t errlen)
{
	struct tt_load *l;
	char *line = NULL, *strbuf;
	size_t cap = 0;
	ssize_t n;
	int rv = -1;

	l = calloc(1, sizeof(*l));
	strbuf = malloc(TT_STRBUF);
	if (l == NULL || strbuf == NULL) {
		free(l);
		free(strbuf);
		return tt_msg(errbuf, errlen, "%s: %s", name, strerror(errno));
	}
	l->l_path = path;
	kml_trace_header_init(&l->l_th, KML_TSRC_TEXT);

	while ((n = getline(&line, &cap, in)) != -1) {
		const char *p, *end = line + n;

		l->l_line++;
		if (end > line && end[-1] == '\n')
			end--;
		if (line[0] == '#')
			continue;
		for (p = line; p < end && tt_blank(*p); p++)
			continue;
		if (p == end)
			continue;
		if (tt_loadline(l, line, end, strbuf) != 0)
			goto fail;
	}
	if (ferror(in)) {
		tt_msg(l->l_err, sizeof(l->l_err), "%s", strerror(errno));
		goto fail;
	}
	if (!l->l_magic) {
		tt_msg(l->l_err, sizeof(l->l_err), "not a kmemlab trace text "
		    "(no '%%kmemlab-trace %d' line)", TT_VERSION);
		goto fail;
	}
	if (tt_open(l) != 0)
		goto fail;
	if (kml_trace_close(l->l_w, l->l_err, sizeof(l->l_err)) != 0) {
		l->l_w = NULL;
		goto fail;
	}
	l->l_w = NULL;
	rv = 0;
	goto out;

fail:
	if (l->l_w != NULL)
		kml_trace_abort(l->l_w);
	tt_msg(errbuf, errlen, "%s:%lu: %s", name,
	    l->l_line > 0 ? l->l_line : 1, l->l_err);
out:
	free(line);
	free(strbuf);
	free(l);
	return rv;
}
