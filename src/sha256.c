/*
 * src/sha256.c: SHA-256 as FIPS 180-4 specifies it (see sha256.h): the
 * message is cut in 64-byte blocks, each block expanded to 64 words and
 * mixed into eight 32-bit words of state in 64 rounds; the last block is
 * padded with a 1 bit, zeros and the length in bits (big-endian).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"

/* The round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* sha256_ror: rotate x right by n bits, 0 < n < 32. */
static inline uint32_t
sha256_ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* sha256_block: mix the 64-byte block p into the state of s. */
static void
sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (sha256_ror(w[i - 15], 7) ^
		    sha256_ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
		    (sha256_ror(w[i - 2], 17) ^ sha256_ror(w[i - 2], 19) ^
		    (w[i - 2] >> 10));
	a = s->s_h[0]; b = s->s_h[1]; c = s->s_h[2]; d = s->s_h[3];
	e = s->s_h[4]; f = s->s_h[5]; g = s->s_h[6]; h = s->s_h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (sha256_ror(e, 6) ^ sha256_ror(e, 11) ^
		    sha256_ror(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] +
		    w[i];
		t2 = (sha256_ror(a, 2) ^ sha256_ror(a, 13) ^
		    sha256_ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->s_h[0] += a; s->s_h[1] += b; s->s_h[2] += c; s->s_h[3] += d;
	s->s_h[4] += e; s->s_h[5] += f; s->s_h[6] += g; s->s_h[7] += h;
}

void
sha256_init(struct sha256 *s)
{
	/* The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->s_h, h0, sizeof(h0));
	s->s_bytes = 0;
	s->s_used = 0;
}

void
sha256_update(struct sha256 *s, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t n;

	s->s_bytes += len;
	if (s->s_used != 0) {
		n = 64 - s->s_used < len ? 64 - s->s_used : len;
		memcpy(s->s_buf + s->s_used, b, n);
		s->s_used += n;
		b += n;
		len -= n;
		if (s->s_used < 64)
			return;
		sha256_block(s, s->s_buf);
		s->s_used = 0;
	}
	for (; len >= 64; b += 64, len -= 64)
		sha256_block(s, b);
	memcpy(s->s_buf, b, len);
	s->s_used = len;
}

void
sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN])
{
	uint64_t bits = s->s_bytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen;

	/* 0x80, zeros up to 56 mod 64, then the length: 9 to 72 bytes. */
	padlen = (s->s_used < 56 ? 56 : 120) - s->s_used;
	for (int i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->s_h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->s_h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->s_h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->s_h[i];
	}
}

int
sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1])
{
	uint8_t buf[1 << 16], md[SHA256_DIGEST_LEN];
	struct sha256 s;
	size_t n;
	FILE *fp;
	int err;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	sha256_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sha256_update(&s, buf, n);
	if (ferror(fp)) {
		err = errno != 0 ? errno : EIO;
		fclose(fp);
		errno = err;
		return -1;
	}
	fclose(fp);
	sha256_final(&s, md);
	for (int i = 0; i < SHA256_DIGEST_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
