/* SPDX-License-Identifier: MIT */
/* Ed25519 keys, detached DSSE-style signatures, trust stores, and rollback state. */
#ifndef PF_TRUST_TRUST_H
#define PF_TRUST_TRUST_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

#define TRUST_KEYID_HEX 65
#define TRUST_MAX_SIG_LINES 256	/* lines of a .sig file (one per key is enough) */
#define TRUST_TRIES_PER_KEY 2	/* signature checks per key id: this version's and the previous one's */	/* lowercase hex SHA-256 of the raw 32-byte public key */

/* A loaded public or private key (opaque; OpenSSL stays inside trust/). */
struct trust_key;

/*
 * Write a new private key to path (PEM PKCS#8, mode 0600, O_EXCL|O_NOFOLLOW:
 * never overwrites) and its public half to path.pub; id gets the key id.
 */
int trust_key_generate(const char *path, char id[TRUST_KEYID_HEX], struct pf_err *e);
/* Load a PEM Ed25519 public or private key. Caller frees with trust_key_free(). */
int trust_key_load(const char *path, struct trust_key **out, struct pf_err *e);
const char *trust_key_id(const struct trust_key *k);	/* borrowed while k lives */
int trust_key_is_private(const struct trust_key *k);
void trust_key_free(struct trust_key *k);

/* The DSSE pre-authentication encoding: "DSSEv1 <len(type)> <type> <len(data)> <data>" appended to out. */
void trust_pae(const char *payload_type, const void *data, size_t n, struct pf_buf *out);
/*
 * Just the PAE's header for n bytes of data, written to out (NUL-terminated);
 * returns its length, 0 if size is too small. With the data right after it,
 * a caller has the PAE without copying the data.
 */
size_t trust_pae_header(const char *payload_type, size_t n, char *out, size_t size);

/*
 * Sign PAE(payload_type, data) and append one signature line
 * "<keyid> <base64 signature>\n" to sig.
 */
int trust_sign(const struct trust_key *k, const char *payload_type, const void *data, size_t n,
	       struct pf_buf *sig, struct pf_err *e);

/*
 * The first well-formed line per key id of sig (a .sig file's text), at most
 * max of them, appended to out; returns how many. catalog sign carries the
 * published version's signatures into the new .sig with it.
 */
size_t trust_sig_carry(const char *sig, size_t siglen, size_t max, struct pf_buf *out);

/* A set of trusted public keys, deduplicated by raw public key. */
struct trust_store;
struct trust_store *trust_store_new(void);
int trust_store_add_file(struct trust_store *s, const char *path, struct pf_err *e);
/* Every *.pub / *.pem file in dir. */
int trust_store_add_dir(struct trust_store *s, const char *dir, struct pf_err *e);
size_t trust_store_count(const struct trust_store *s);
/*
 * When a trusted key was loaded from a file inside dir (or below it), return 1
 * and point *path at that file (borrowed while s lives); else 0. Used to refuse
 * trust taken from a catalog's own directory.
 */
int trust_store_key_in_dir(const struct trust_store *s, const char *dir, const char **path);
/* 1 when s holds the key with this id. */
int trust_store_has(const struct trust_store *s, const char *id);
void trust_store_free(struct trust_store *s);

struct trust_policy {
	int threshold;			/* distinct trusted keys needed (>= 1) */
	const char *const *pin;		/* when npin > 0, only these key ids count */
	size_t npin;
};

/*
 * Verify detached signatures sig over PAE(payload_type, data) before anything
 * parses data. Counts distinct trusted public keys; duplicated lines, one key
 * under two ids, unknown keys and malformed lines add nothing. Bounded work:
 * more than TRUST_MAX_SIG_LINES lines are refused before any check, and each
 * key id is verified at most TRUST_TRIES_PER_KEY times (its first two
 * well-formed lines: the current and the previous version's signature that
 * catalog sign writes; later lines for it are ignored). what names the
 * file in errors. On success signers (sorted key ids) is filled when not NULL.
 * Errors: PF_EBADSIG (nothing verifies / malformed), PF_EUNTRUSTED (below
 * threshold with trusted keys).
 */
int trust_verify(const struct trust_store *s, const char *what, const char *payload_type,
		 const void *data, size_t n, const char *sig, size_t siglen,
		 const struct trust_policy *p, struct pf_strv *signers, struct pf_err *e);
/* trust_verify() over an already built PAE (trust_pae_header() + the data). */
int trust_verify_pae(const struct trust_store *s, const char *what, const void *pae, size_t paelen,
		     const char *sig, size_t siglen, const struct trust_policy *p, struct pf_strv *signers,
		     struct pf_err *e);

/*
 * 1 when sig (R || S) is a valid Ed25519 signature of msg by the raw public
 * key pub (for OpenPGP EdDSA signatures, which import/ checks; its keys are
 * not trust_keys).
 */
int trust_ed25519_verify(const unsigned char pub[32], const unsigned char sig[64], const void *msg, size_t n);

/*
 * Rollback and substitution protection. The state dir keeps, per kind
 * ("catalog", "advisories") and name, the highest version seen, the SHA-256
 * of its bytes and the distinct trusted keys that signed it
 * (STATE/KIND/NAME: "version N\nsha256 HEX\nkeys ID...\n"). A lower
 * version, the same version with other bytes, or a document of that name
 * signed by none of the keys recorded for it that are still trusted
 * (another publisher's document under the same name, which would otherwise
 * reset or dodge the floor) is PF_EROLLBACK. Recorded keys the trust store
 * no longer holds are retired: when none is left, a rotation to new keys
 * is accepted (the version floor still holds). A file written before signers were recorded has no keys line
 * and gets one on the next record. trust_state_record() raises the stored
 * version (atomically) and is called only after full verification.
 */
struct trust_doc {
	const char *kind;			/* "catalog", "advisories" */
	const char *name;
	long long version;
	const char *sha256;			/* of the signed bytes */
	const char *const *signers;		/* distinct trusted key ids that signed it */
	size_t nsigners;			/* 0: not known (signers are then not compared) */
	const struct trust_store *store;	/* the keys trusted now (NULL: every recorded key counts) */
};
/* 1 when s may name a state file: [A-Za-z0-9][A-Za-z0-9._-]*, at most 100 bytes. */
int trust_state_name_ok(const char *s);
int trust_state_check(const char *state_dir, const struct trust_doc *d, struct pf_err *e);
int trust_state_record(const char *state_dir, const struct trust_doc *d, struct pf_err *e);
/* The highest version recorded for (kind, name): 0 with *version set, 1 when none is recorded. */
int trust_state_version(const char *state_dir, const char *kind, const char *name, long long *version,
			struct pf_err *e);

#endif
