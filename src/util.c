/*
 * src/util.c: error messages, memory wrappers, number parsing, files,
 * written traces and the PRNG of the kmemlab program (see util.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/trace.h>

#include "util.h"

static const char *util_command;	/* running command, or NULL */

/* ---- error messages */

void
util_set_command(const char *name)
{
	util_command = name;
}

void
util_verror(const char *fmt, va_list ap)
{
	fflush(stdout);
	if (util_command != NULL)
		fprintf(stderr, "kmemlab %s: ", util_command);
	else
		fputs("kmemlab: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
util_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_verror(fmt, ap);
	va_end(ap);
}

void
util_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_verror(fmt, ap);
	va_end(ap);
	exit(KML_EXIT_RUNTIME);
}

int
util_bad(const char *what, const char *arg, const char *why)
{
	util_error("bad %s '%s': %s", what, arg, why);
	return KML_EXIT_USAGE;
}

/* ---- memory */

void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		util_fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_fatal("out of memory (%zu * %zu bytes)", n, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		util_fatal("out of memory (%zu * %zu bytes overflows)", n, size);
	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = realloc(ptr, n * size)) == NULL)
		util_fatal("out of memory (%zu * %zu bytes)", n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

/* ---- numbers */

/*
 * util_digit: the value of c as a digit in base (10 or 16), or -1.
 */
static int
util_digit(int c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * util_parse_prefix: parse the number at the start of s (decimal, or hex
 * after "0x"/"0X") into *valp and point *endp after it.
 * => returns 0, or -1 with *cause: no digits ("not a number") or a value
 *    above UINT64_MAX ("too large").
 */
static int
util_parse_prefix(const char *s, uint64_t *valp, const char **endp,
    const char **cause)
{
	unsigned base = 10;
	uint64_t val = 0;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (util_digit((unsigned char)*p, base) < 0) {
		*cause = "not a number";
		return -1;
	}
	for (; (d = util_digit((unsigned char)*p, base)) >= 0; p++) {
		if (val > (UINT64_MAX - (uint64_t)d) / base) {
			*cause = "too large";
			return -1;
		}
		val = val * base + (uint64_t)d;
	}
	*valp = val;
	*endp = p;
	return 0;
}

int
util_parse_uint(const char *s, uint64_t max, uint64_t *valp,
    const char **cause)
{
	const char *end;
	uint64_t val;

	if (util_parse_prefix(s, &val, &end, cause) != 0)
		return -1;
	if (*end != '\0') {
		*cause = "not a number";
		return -1;
	}
	if (val > max) {
		*cause = "too large";
		return -1;
	}
	*valp = val;
	return 0;
}

int
util_parse_size(const char *s, uint64_t *valp, const char **cause)
{
	const char *end;
	uint64_t val;
	unsigned shift;

	if (util_parse_prefix(s, &val, &end, cause) != 0)
		return -1;
	switch (*end) {
	case '\0':
		shift = 0;
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		*cause = "not a number";
		return -1;
	}
	if (shift != 0 && end[1] != '\0') {
		*cause = "not a number";
		return -1;
	}
	if (shift != 0 && val > (UINT64_MAX >> shift)) {
		*cause = "too large";
		return -1;
	}
	*valp = val << shift;
	return 0;
}

int
util_parse_addr(const char *s, uint64_t *valp, const char **cause)
{
	return util_parse_uint(s, UINT64_MAX, valp, cause);
}

int
util_powerof2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

unsigned
util_log2(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

/* ---- files */

FILE *
util_open_input(const char *path, const char **namep)
{
	FILE *fp;

	if (strcmp(path, "-") == 0) {
		*namep = "<stdin>";
		return stdin;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		util_error("%s: %s", path, strerror(errno));
		return NULL;
	}
	*namep = path;
	return fp;
}

void
util_close_input(FILE *fp)
{
	if (fp != NULL && fp != stdin)
		fclose(fp);
}

const char *
util_output_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdout>" : path;
}

bool
util_refuse_tty(const char *path)
{
	if (strcmp(path, "-") != 0 || !isatty(STDOUT_FILENO))
		return false;
	util_error("refusing to write a binary trace to a terminal "
	    "(use -o FILE)");
	return true;
}

/* ---- traces written by the commands */

struct kml_trace *
util_trace_create(const char *path, const struct kml_trace_header *th)
{
	struct kml_trace *w;
	char err[1024];

	if ((w = kml_trace_open_write(path, th, err, sizeof(err))) == NULL)
		util_error("%s", err);
	return w;
}

int
util_trace_close(struct kml_trace *w, uint64_t *eventsp,
    uint64_t *bytesp)
{
	char err[1024];

	if (kml_trace_finish(w) != 0) {
		util_error("%s", kml_trace_errmsg(w));
		util_trace_abort(w);
		return -1;
	}
	/* After the trailer, the offset is the size of the whole trace. */
	*eventsp = kml_trace_trailer(w)->tt_events;
	*bytesp = kml_trace_offset(w);
	if (kml_trace_close(w, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return -1;
	}
	return 0;
}

void
util_trace_abort(struct kml_trace *w)
{
	kml_trace_abort(w);
}

void
util_trace_report(const char *name, uint64_t events, uint64_t bytes)
{
	util_error("wrote %s: %" PRIu64 " events, %" PRIu64 " bytes, "
	    "%.2f bytes/event", name, events, bytes,
	    events == 0 ? 0.0 : (double)bytes / (double)events);
}

/* ---- PRNG: splitmix64 (Steele, Lea and Flood 2014; Vigna's constants) */

void
util_rng_seed(struct util_rng *rng, uint64_t seed)
{
	rng->r_state = seed;
}

uint64_t
util_rng_next(struct util_rng *rng)
{
	uint64_t z;

	z = (rng->r_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
util_rng_below(struct util_rng *rng, uint64_t n)
{
	uint64_t limit, v;

	/* Reject the top UINT64_MAX % n + 1 values that would bias the result. */
	limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
	do {
		v = util_rng_next(rng);
	} while (v > limit);
	return v % n;
}
