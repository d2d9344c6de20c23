/*
 * src/util.h: helpers shared by the kmemlab commands.
 *
 *  - Exit statuses: KML_EXIT_OK, KML_EXIT_RUNTIME (the command could not do
 *    its work), KML_EXIT_USAGE (the command line is wrong).
 *  - Error messages: one line on stderr, prefixed "kmemlab: " or, once a
 *    command runs, "kmemlab CMD: " (util_set_command).
 *  - Memory: xmalloc and friends never return NULL; running out of memory
 *    prints a message and exits with KML_EXIT_RUNTIME.
 *  - Numbers: sizes and addresses in decimal or 0x hex, sizes with an
 *    optional K, M, G or T suffix (powers of 1024); overflow is an error.
 *  - A small deterministic PRNG (splitmix64): the same seed gives the same
 *    sequence on every host.
 */
#ifndef KMEMLAB_UTIL_H
#define KMEMLAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define KML_EXIT_OK		0	/* success */
#define KML_EXIT_RUNTIME	1	/* runtime error: a file, a failed check */
#define KML_EXIT_USAGE		2	/* usage error: bad command, option or value */

/* nitems: the number of elements of an array (not a pointer). */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ---- error messages */

/*
 * util_set_command: name the running command in later messages
 * ("kmemlab NAME: ..."); NULL goes back to "kmemlab: ...".
 * => name is not copied.
 */
void util_set_command(const char *name);

/* util_error: print "kmemlab[ CMD]: MSG" on stderr. */
void util_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void util_verror(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* util_fatal: util_error, then exit with KML_EXIT_RUNTIME. */
void util_fatal(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* ---- memory: never NULL */

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
/* xreallocarray: resize ptr to n elements of size bytes, checking n * size. */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);

/* ---- numbers */

/*
 * util_parse_uint: a number in decimal or 0x hex, no suffix.
 * => returns 0 and sets *valp, or -1 and sets *cause to "not a number" or
 *    "too large" (above max).
 */
int util_parse_uint(const char *s, uint64_t max, uint64_t *valp,
    const char **cause);

/*
 * util_parse_size: like util_parse_uint (max UINT64_MAX), with an optional
 * K, M, G or T suffix (either case) multiplying by 2^10, 2^20, 2^30, 2^40.
 */
int util_parse_size(const char *s, uint64_t *valp, const char **cause);

/* util_parse_addr: an address, util_parse_uint with max UINT64_MAX. */
int util_parse_addr(const char *s, uint64_t *valp, const char **cause);

/* util_powerof2: true if v is a power of two (0 is not). */
int util_powerof2(uint64_t v);

/* util_log2: floor(log2(v)) for v > 0. */
unsigned util_log2(uint64_t v);

/* ---- PRNG: splitmix64 */

struct util_rng {
	uint64_t r_state;	/* advanced by a fixed odd constant per draw */
};

/* util_rng_seed: start the sequence for seed. */
void util_rng_seed(struct util_rng *rng, uint64_t seed);

/* util_rng_next: the next 64-bit value. */
uint64_t util_rng_next(struct util_rng *rng);

/*
 * util_rng_below: a value in [0, n), uniform (rejection sampling, so no
 * modulo bias).  => n > 0.
 */
uint64_t util_rng_below(struct util_rng *rng, uint64_t n);

#endif /* KMEMLAB_UTIL_H */
