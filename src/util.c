/*
 * src/util.c: error messages, memory wrappers, number parsing and the PRNG
 * of the kmemlab program (see util.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
