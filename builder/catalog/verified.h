/* SPDX-License-Identifier: MIT */
/* Loading catalogs and advisories only after their signatures, expiry and version are checked. */
#ifndef PF_CATALOG_VERIFIED_H
#define PF_CATALOG_VERIFIED_H

#include <pthread.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/digest.h"
#include "trust/trust.h"

struct verify_opts {
	const struct trust_store *store;	/* who may sign catalogs (the root's catalog role) */
	struct trust_policy policy;
	/* advisories: the root's advisories role and its threshold (NULL: store and policy as for catalogs) */
	const struct trust_store *adv_store;
	int adv_threshold;
	const char *state_dir;		/* NULL: no rollback state (tests only) */
	int record;			/* raise the state after success */
	time_t now;			/* expiry is checked against this (the context's time) */
	const char *name;		/* when set, the document must carry this name (a pin) */
};

/* o as it applies to advisories: adv_store and adv_threshold in place of store and policy.threshold. */
void verify_opts_advisories(const struct verify_opts *o, struct verify_opts *out);
/* What the freshness and rollback checks read from a verified, parsed document. */
struct verified_head {
	const char *kind;		/* "catalog", "advisories" */
	const char *name;
	long long version;
	const char *expires;		/* NULL: never signed */
	time_t expires_t;
	const char *sha256;
	const struct pf_strv *signers;	/* distinct trusted signer ids */
};
/*
 * The one freshness check, after the signature verified: the pinned name
 * (o->name, PF_EUNTRUSTED), expiry against o->now (PF_EEXPIRED), then the
 * rollback state (trust_state_check, PF_EROLLBACK), raised when o->record.
 */
int verified_check_fresh(const char *label, const struct verified_head *h, const struct verify_opts *o,
			 struct pf_err *e);

/*
 * Verify and parse catalog bytes: signature first (over the raw bytes), then
 * strict parse, then name pin, expiry against o->now, then rollback state. label names
 * the source in errors ("catalog/catalog.yaml" or a URL). signers gets the
 * distinct trusted signer ids when not NULL. On failure c is left released.
 * A document without 'expires' (never signed) is refused as PF_EEXPIRED.
 */
int catalog_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			 const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
			 struct pf_err *e);
/*
 * Read DIR/catalog.yaml (capped at 256 MiB, refused unread when larger) and
 * DIR/catalog.yaml.sig (capped at 16 MiB), then catalog_verify_bytes(). A
 * trust store holding a key loaded from inside DIR is refused (PF_EUNTRUSTED):
 * a catalog never vouches for itself. A missing .sig is PF_EBADSIG.
 */
int catalog_open_dir(const char *dir, const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
		     struct pf_err *e);

/*
 * DIR/catalog.yaml read once (exactly sized, with room for the signature's
 * PAE in front so it is verified without a copy), its signature file, and its
 * SHA-256: what catalog_open_dir() does in steps, for callers that look at the
 * SHA-256 (a cache key) before deciding to parse. Nothing is verified yet.
 */
struct catalog_file {
	char *label;			/* DIR/catalog.yaml */
	char *buf;			/* room for the PAE header, then the bytes, then NUL */
	size_t map;			/* buf's mapping size when mapped (big files), else 0 */
	const char *data;		/* the bytes */
	size_t len;
	struct pf_buf sig;
	char sha256[PF_SHA256_HEX];
	/* the signature check, started by catalog_file_read() on another thread */
	const struct verify_opts *sig_opts;
	pthread_t sig_tid;
	int sig_thread, sig_done, sig_rc;
	struct pf_err sig_err;
	struct pf_strv sig_who;
};
int catalog_file_read(const char *dir, const struct verify_opts *o, struct catalog_file *f, struct pf_err *e);
/* The signature check alone (the rest is then the caller's: expiry, rollback state). */
int catalog_file_verify_sig(struct catalog_file *f, const struct verify_opts *o, struct pf_strv *signers,
			    struct pf_err *e);
/* Everything catalog_open_dir() checks, from f's bytes: signature, strict parse, expiry, rollback state. */
int catalog_file_open(struct catalog_file *f, const struct verify_opts *o, struct catalog *c,
		      struct pf_strv *signers, struct pf_err *e);
void catalog_file_release(struct catalog_file *f);

/* The same for advisories; PF_ENOTFOUND when DIR has no advisories.yaml. */
int advisories_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			    const struct verify_opts *o, struct advisories *a, struct pf_strv *signers,
			    struct pf_err *e);
int advisories_open_dir(const char *dir, const struct verify_opts *o, struct advisories *a,
			struct pf_strv *signers, struct pf_err *e);

#endif
