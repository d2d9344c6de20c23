/*
 * src/sha256.h: SHA-256 (FIPS 180-4), for the digest of a replayed trace
 * that a run records (kmemlab replay).  Small and dependency-free: the
 * C library has none and kmemlab links only zlib, SQLite and ncurses.
 */
#ifndef KMEMLAB_SHA256_H
#define KMEMLAB_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SHA256_DIGEST_LEN	32	/* bytes of a digest */
#define SHA256_HEX_LEN		64	/* hex digits of a digest, NUL not included */

struct sha256 {
	uint32_t s_h[8];		/* the chaining state */
	uint64_t s_bytes;		/* bytes hashed so far */
	uint8_t s_buf[64];		/* a partial block */
	size_t s_used;			/* bytes in s_buf, < 64 */
};

/* sha256_init: start a digest. */
void sha256_init(struct sha256 *s);

/* sha256_update: hash len more bytes at p. */
void sha256_update(struct sha256 *s, const void *p, size_t len);

/* sha256_final: finish the digest into out; s must be started again to reuse. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);

/*
 * sha256_file: the digest of the file at path in lower-case hex, in
 * hex[0..SHA256_HEX_LEN], NUL-terminated.
 * => returns 0, or -1 with errno set (open or read failed).
 */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1]);

#endif /* KMEMLAB_SHA256_H */
