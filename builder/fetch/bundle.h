/* SPDX-License-Identifier: MIT */
/* Air-gap bundles: one reproducible file with the signed catalog, the lock and every artifact. */
#ifndef PF_FETCH_BUNDLE_H
#define PF_FETCH_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/verified.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"
#include "fetch/fetch.h"
#include "lock/lock.h"

/*
 * File format (docs/fetch.md):
 *   "pinfold-bundle/1\n"
 *   "<decimal length of the index>\n"
 *   index: strict YAML {format: pinfold-bundle/1, entries: [{name, offset, size, sha256}]}
 *          entries sorted bytewise by name, offsets relative to the end of the index,
 *          contiguous from 0 and covering the rest of the file exactly
 *   the blobs, concatenated in index order
 * Entry names: "pinfold.lock", "catalog/catalog.yaml", "catalog/catalog.yaml.sig",
 * "catalog/advisories.yaml", "catalog/advisories.yaml.sig", "artifacts/<file>",
 * "roots/<N>.root.yaml", "roots/<N>.root.yaml.sig".
 */
#define BUNDLE_MAGIC "pinfold-bundle/1"
#define BUNDLE_LOCK "pinfold.lock"
#define BUNDLE_CATALOG_PREFIX "catalog/"
#define BUNDLE_ARTIFACT_PREFIX "artifacts/"
#define BUNDLE_ROOTS_PREFIX "roots/"	/* "roots/N.root.yaml" and ".sig": the roots a site needs (docs/root.md) */
#define BUNDLE_MAX_INDEX PF_MAX_SMALL

struct fetch_bundle_entry {
	const char *name;
	uint64_t offset, size;		/* offset from the start of the blob area */
	char sha256[PF_SHA256_HEX];	/* as the index claims; checked on every read */
};

struct fetch_bundle {
	struct pf_arena arena;
	char *path;
	int fd;
	uint64_t data_start;		/* file offset of the blob area */
	struct fetch_bundle_entry *entries;	/* sorted by name */
	size_t n;
};

/*
 * Open a bundle and check its framing and index strictly: magic, index size
 * cap (BUNDLE_MAX_INDEX), known entry names in strictly increasing order,
 * offsets contiguous and the blobs covering the file exactly. Nothing in it
 * is trusted yet. Caller frees with fetch_bundle_close().
 */
int fetch_bundle_open(const char *path, struct fetch_bundle **out, struct pf_err *e);
void fetch_bundle_close(struct fetch_bundle *b);
/* The entry called name, or NULL. Borrowed while b is open. */
const struct fetch_bundle_entry *fetch_bundle_find(const struct fetch_bundle *b, const char *name);
/*
 * Append the bytes of entry name to out (capped at max) after checking them
 * against the index's size and SHA-256. PF_ENOTFOUND when absent.
 */
int fetch_bundle_read(struct fetch_bundle *b, const char *name, size_t max, struct pf_buf *out,
		      struct pf_err *e);

/* What a verified bundle holds. Release with fetch_bundle_contents_release(). */
struct fetch_bundle_contents {
	struct pf_buf lock_bytes;
	struct lockfile lock;
	struct pf_buf catalog_bytes;
	struct catalog catalog;
	struct pf_strv signers;		/* distinct trusted catalog signer ids */
	int has_advisories;
	struct pf_buf adv_bytes, adv_sig;	/* the advisories' exact bytes and signature */
	struct advisories advisories;
	struct pf_strv adv_signers;
	uint64_t artifact_bytes;	/* sum of the artifact sizes */
};

/*
 * Verify a bundle's framing and signed contents: the catalog signature
 * (catalog_verify_bytes with o, whose threshold and key pin the lock's image
 * pin can only tighten), expiry and rollback; advisories the same way when
 * present (both files or neither), carrying the catalog's name; the lock
 * parsed strictly and naming this catalog (a newer catalog than the lock's
 * is fine: ctx_lock_bind() decides); exactly one artifact entry per locked
 * package whose index size and SHA-256 are the lock's, and no other entry;
 * with check_artifacts, every artifact's bytes hashed.
 * The lock has no signature of its own, so what can be derived is bound to
 * the catalog: source_date_epoch is the newest publication date of its
 * packages and the bytes are exactly what lock_write() gives. Binding each
 * locked artifact to the catalog, eligibility, raising the rollback state
 * and saving the advisories are the caller's (ctx_bundle_open): o->record
 * is ignored. Callers that hold the lock from elsewhere (git) compare it
 * with fetch_bundle_same_lock().
 * Errors: PF_EBADSIG/PF_EUNTRUSTED/PF_EEXPIRED/PF_EROLLBACK from the checks,
 * PF_EDIGEST for bytes that do not match, PF_ECHECK for a lock that does not
 * match the catalog or entries that do not match the lock.
 */
int fetch_bundle_load(struct fetch_bundle *b, const struct verify_opts *o, int check_artifacts,
		      struct fetch_bundle_contents *out, struct pf_err *e);
void fetch_bundle_contents_release(struct fetch_bundle_contents *c);
/* PF_ECHECK unless the file at lock_path holds exactly the bundled lock's bytes. */
int fetch_bundle_same_lock(const struct fetch_bundle_contents *c, const char *lock_path, struct pf_err *e);

struct fetch_bundle_spec {
	const char *lock_path;
	const char *catalog;		/* dir or URL of the catalog the lock was checked against (ctx_lock_check) */
	const char *catalog_sha256;	/* that catalog's SHA-256: the bytes bundled must be exactly those */
	const char *out;		/* written atomically, mode 0644 */
	struct fetch_ctx *fetch;	/* where the artifacts come from */
	const struct pf_strv *roots;	/* files named N.root.yaml(.sig) carried as roots/ (may be NULL) */
};
struct fetch_bundle_made {
	char sha256[PF_SHA256_HEX];	/* of the bundle file */
	uint64_t size;
	size_t nartifacts, nentries;
	char *catalog_from;		/* where the catalog was read (caller frees) */
};
/*
 * Write a bundle: same lock, catalog files and artifacts give the same bytes.
 * The catalog's SHA-256 must be s->catalog_sha256; every artifact is
 * fetched through f (size + SHA-256 checked) and checked again as it is copied.
 */
int fetch_bundle_create(const struct fetch_bundle_spec *s, struct fetch_bundle_made *made, struct pf_err *e);

#endif
