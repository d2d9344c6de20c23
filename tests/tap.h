/*
 * tests/tap.h: a small Test Anything Protocol library for the C tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" with a diagnostic
 * that shows what was expected and what was got; tap_done prints the plan
 * and returns the exit status for main.  Checks are functions, not macros,
 * except for the ones that record the file and line.
 */
#ifndef KML_TAP_H
#define KML_TAP_H

#include <stdint.h>

/* tap_ok: check cond. Returns cond. */
int tap_ok_at(const char *file, int line, int cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* tap_is: check got == want (unsigned 64-bit). */
int tap_is_at(const char *file, int line, uint64_t got, uint64_t want,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* tap_is_str: check two strings are equal (NULL allowed). */
int tap_is_str_at(const char *file, int line, const char *got,
    const char *want, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* tap_contains: check that hay contains needle. */
int tap_contains_at(const char *file, int line, const char *hay,
    const char *needle, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define tap_ok(cond, ...) tap_ok_at(__FILE__, __LINE__, (cond), __VA_ARGS__)
#define tap_is(got, want, ...) \
	tap_is_at(__FILE__, __LINE__, (uint64_t)(got), (uint64_t)(want), __VA_ARGS__)
#define tap_is_str(got, want, ...) \
	tap_is_str_at(__FILE__, __LINE__, (got), (want), __VA_ARGS__)
#define tap_contains(hay, needle, ...) \
	tap_contains_at(__FILE__, __LINE__, (hay), (needle), __VA_ARGS__)

/* tap_diag: print a "# " comment line. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tap_bail: print "Bail out! MSG" and exit 1. */
void tap_bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* tap_failures: number of failed checks so far. */
int tap_failures(void);

/* tap_done: print the plan "1..N"; returns 0 if every check passed, else 1. */
int tap_done(void);

#endif /* KML_TAP_H */
