/* SPDX-License-Identifier: MIT */
/* root.yaml: which keys may sign roots, catalogs and advisories, and how a root hands over to the next. */
#ifndef PF_TRUST_ROOT_H
#define PF_TRUST_ROOT_H

#include <stddef.h>
#include <time.h>

#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"
#include "core/time.h"
#include "trust/trust.h"

/*
 * The model is TUF's root role (python-tuf, go-tuf): a signed document
 * naming keys by id and, per role, the key ids that may sign for it and how
 * many distinct ones must. Version N+1 is accepted only when a threshold of
 * version N's root keys AND a threshold of its own root keys signed it
 * (trust_root_next); that is how keys are added, rotated and withdrawn
 * without any out-of-band step. docs/root.md has the format.
 *
 *   format: pinfold-root/1
 *   version: 2
 *   expires: 2031-01-01T00:00:00Z
 *   keys:
 *     <key id>: {type: ed25519, public: <64 hex digits: the raw public key>}
 *   roles:
 *     root: {keys: [<key id>...], threshold: 1}
 *     catalog: {keys: [...], threshold: 1}
 *     advisories: {keys: [...], threshold: 1}
 *
 * root.yaml.sig has one "<key id> <base64>" line per key, over
 * PAE(TRUST_ROOT_PAYLOAD_TYPE, the exact bytes), like catalogs.
 */
#define TRUST_ROOT_FORMAT "pinfold-root/1"
#define TRUST_ROOT_PAYLOAD_TYPE "application/vnd.pinfold.root+yaml"
#define TRUST_ROOT_MAX ((size_t)512 << 10)	/* a root.yaml (refused unread when larger) */
#define TRUST_ROOT_SIG_MAX ((size_t)64 << 10)	/* its .sig */
#define TRUST_ROOT_MAX_KEYS 64
#define TRUST_ROOT_WALK_MAX 32			/* new roots one update accepts */

enum trust_role { TRUST_ROLE_ROOT, TRUST_ROLE_CATALOG, TRUST_ROLE_ADVISORIES, TRUST_NROLES };

struct trust_root_role {
	struct pf_strv keys;		/* key ids (each in the root's keys) */
	int threshold;			/* distinct keys needed, 1..keys.n */
	struct trust_store *store;	/* those keys */
};

/* A parsed root. Release with trust_root_release(). */
struct trust_root {
	long long version;
	time_t expires;
	char expires_s[PF_TIME_STR];	/* expires, as pf_time_format() writes it */
	struct trust_store *keys;	/* every key it names */
	struct trust_root_role roles[TRUST_NROLES];
	char sha256[PF_SHA256_HEX];	/* of the signed bytes */
	struct pf_buf data, sig;	/* the exact bytes and signatures (kept to store them) */
};

/* "root", "catalog", "advisories". */
const char *trust_role_name(enum trust_role r);

/*
 * Parse root bytes strictly (unknown fields, a key id that is not the
 * SHA-256 of its public key, a role naming an unknown key or a threshold
 * above its key count are PF_EFORMAT), then check that a threshold of its
 * own root keys signed them. label names the file in errors. The bytes and
 * signatures are copied into r. Expiry is not checked here (the caller knows
 * whether this is the final root of a walk).
 */
int trust_root_load(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
		    struct trust_root *r, struct pf_err *e);
/* The same strict parse without any signature check (for 'pinfold trust sign', before it signs). */
int trust_root_parse(const char *label, const char *data, size_t len, struct trust_root *r, struct pf_err *e);
/* The root compiled into pinfold (builder/trust/root/1.root.yaml and its .sig, embedded by meson). */
extern const char trust_builtin_root[], trust_builtin_root_sig[];
extern const size_t trust_builtin_root_len, trust_builtin_root_sig_len;
/*
 * The next root after cur: trust_root_load(), its version exactly
 * cur->version + 1 (PF_EROLLBACK otherwise), and signed by a threshold of
 * cur's root keys (PF_EUNTRUSTED otherwise). On failure next is released.
 */
int trust_root_next(const struct trust_root *cur, const char *label, const char *data, size_t len,
		    const char *sig, size_t siglen, struct trust_root *next, struct pf_err *e);
/* PF_EEXPIRED when r expired at or before now. */
int trust_root_check_expiry(const struct trust_root *r, const char *label, time_t now, struct pf_err *e);
void trust_root_release(struct trust_root *r);

#endif
