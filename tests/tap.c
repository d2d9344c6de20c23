/*
 * tests/tap.c: see tap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "tap.h"

static int tap_n;
static int tap_nfail;

static int
tap_result(const char *file, int line, int cond, const char *fmt, va_list ap)
{
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		tap_nfail++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

int
tap_ok_at(const char *file, int line, int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_result(file, line, cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
tap_is_at(const char *file, int line, uint64_t got, uint64_t want,
    const char *fmt, ...)
{
	va_list ap;
	int cond = got == want;

	va_start(ap, fmt);
	tap_result(file, line, cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got:  %" PRIu64 " (%#" PRIx64 ")\n#   want: %" PRIu64
		    " (%#" PRIx64 ")\n", got, got, want, want);
	return cond;
}

int
tap_is_str_at(const char *file, int line, const char *got, const char *want,
    const char *fmt, ...)
{
	va_list ap;
	int cond;

	if (got == NULL || want == NULL)
		cond = got == want;
	else
		cond = strcmp(got, want) == 0;
	va_start(ap, fmt);
	tap_result(file, line, cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",
		    got ? got : "(null)", want ? want : "(null)");
	return cond;
}

int
tap_contains_at(const char *file, int line, const char *hay,
    const char *needle, const char *fmt, ...)
{
	va_list ap;
	int cond = hay != NULL && needle != NULL && strstr(hay, needle) != NULL;

	va_start(ap, fmt);
	tap_result(file, line, cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("#   text:    \"%s\"\n#   lacks:   \"%s\"\n",
		    hay ? hay : "(null)", needle ? needle : "(null)");
	return cond;
}

void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

int
tap_failures(void)
{
	return tap_nfail;
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_nfail)
		printf("# %d of %d checks failed\n", tap_nfail, tap_n);
	fflush(stdout);
	return tap_nfail ? 1 : 0;
}
