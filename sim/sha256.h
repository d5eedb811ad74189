/*
 * sim/sha256.h - SHA-256 (FIPS 180-4), for the provenance of a run.
 *
 * A results directory records the SHA-256 of the scenario file that made it,
 * so two runs can be told apart by content rather than by directory name.
 * Streaming interface: sha256_init, any number of sha256_update, then
 * sha256_final; sha256_hex does all three and writes 64 lowercase hex digits.
 */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32 /* bytes in a digest */
#define SHA256_HEX    65 /* bytes for the hex digest and its NUL */

struct sha256 {
	uint32_t h[8];	 /* chaining state */
	uint64_t len;	 /* bytes hashed so far */
	uint8_t buf[64]; /* the partial block */
	uint32_t nbuf;	 /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST]);
/* The digest of @len bytes at @data as 64 hex digits and a NUL in @hex. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX]);

#endif
