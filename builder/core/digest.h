/* SPDX-License-Identifier: MIT */
/* SHA-256 of buffers, streams and files, as lowercase hex. */
#ifndef PF_CORE_DIGEST_H
#define PF_CORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PF_SHA256_HEX 65	/* 64 hex digits + NUL */

struct pf_sha256 {
	void *md;	/* EVP_MD_CTX, private to digest.c */
};
void pf_sha256_init(struct pf_sha256 *s);
void pf_sha256_update(struct pf_sha256 *s, const void *data, size_t n);
/* Writes the hex digest and releases the context. */
void pf_sha256_final(struct pf_sha256 *s, char hex[PF_SHA256_HEX]);
void pf_sha256_final_raw(struct pf_sha256 *s, unsigned char raw[32]);

void pf_sha256_hex(const void *data, size_t n, char hex[PF_SHA256_HEX]);
/* Hash a regular file (pf_open_regular() rules); *size gets its length when not NULL. */
int pf_sha256_file(const char *path, char hex[PF_SHA256_HEX], uint64_t *size, struct pf_err *e);
/*
 * Hash fd from its offset to its end; with copy_fd >= 0 every byte hashed is
 * also written there (so the copy holds exactly what was hashed). label names
 * the file in errors.
 */
int pf_sha256_fd(int fd, int copy_fd, const char *label, char hex[PF_SHA256_HEX], uint64_t *size,
		 struct pf_err *e);
/* HMAC-SHA-256 of the concatenation a || b under key, as lowercase hex. */
void pf_hmac_sha256_hex(const unsigned char *key, size_t keylen, const void *a, size_t alen, const void *b,
			size_t blen, char hex[PF_SHA256_HEX]);
/* Wipe a secret (not optimised away). */
void pf_cleanse(void *p, size_t n);
/* Constant-time comparison of two NUL-terminated hex digests; 1 when equal. */
int pf_digest_eq(const char *a, const char *b);

/* 1 when s is exactly 64 lowercase hex digits. */
int pf_is_sha256_hex(const char *s);
/*
 * A name-based UUID (RFC 4122 version 5: SHA-1 of the namespace UUID's 16
 * bytes and the name), as "xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx".
 */
#define PF_UUID_STR 37
void pf_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[PF_UUID_STR]);
/* Lowercase hex of n raw bytes into out (2n+1 bytes). */
void pf_hex(const unsigned char *raw, size_t n, char *out);

#endif
