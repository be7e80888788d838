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
/* Hash a file; *size gets its length when not NULL. */
int pf_sha256_file(const char *path, char hex[PF_SHA256_HEX], uint64_t *size, struct pf_err *e);
/* 1 when s is exactly 64 lowercase hex digits. */
int pf_is_sha256_hex(const char *s);
/* Lowercase hex of n raw bytes into out (2n+1 bytes). */
void pf_hex(const unsigned char *raw, size_t n, char *out);

#endif
