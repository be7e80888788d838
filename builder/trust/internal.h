/* SPDX-License-Identifier: MIT */
/* The key structure shared by trust/'s files (private to trust/). */
#ifndef PF_TRUST_INTERNAL_H
#define PF_TRUST_INTERNAL_H

#include <openssl/evp.h>

#include "trust/trust.h"

#define TRUST_RAW_KEY 32
#define TRUST_SIG_LEN 64
#define TRUST_SIG_B64 88	/* base64 of 64 bytes, padded */

struct trust_key {
	EVP_PKEY *pkey;
	int priv;
	unsigned char raw[TRUST_RAW_KEY];	/* public key */
	char id[TRUST_KEYID_HEX];
	char *source;				/* file it came from (absolute when known) */
};

/* Keys deduplicated by raw public key, in insertion order. */
struct trust_store {
	struct trust_key **keys;
	size_t n, cap;
};

/* The key with this id, or NULL. */
const struct trust_key *trust_store_find(const struct trust_store *s, const char *id);

/* A public key from its 32 raw bytes; source names it (kept, may be NULL). */
int trust_key_from_raw(const unsigned char raw[32], const char *source, struct trust_key **out, struct pf_err *e);
/* Add k to s (taking it); the same raw key again is freed, not added. */
void trust_store_take(struct trust_store *s, struct trust_key *k);
/* Verify one raw signature by k over msg; 1 when valid. */
int trust_key_verify_raw(const struct trust_key *k, const unsigned char *sig, const void *msg, size_t n);

#endif
