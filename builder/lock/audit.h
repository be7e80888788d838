/* SPDX-License-Identifier: MIT */
/* Matching a lock's packages against signed advisories, and the verified copies kept in the state dir. */
#ifndef PF_LOCK_AUDIT_H
#define PF_LOCK_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "lock/lock.h"

#define LOCK_AUDIT_SAVED "saved-advisories"	/* directory under the state dir */

struct trust_store;
struct trust_policy;

/* One locked package that one advisory covers. Both pointers are borrowed from the inputs. */
struct audit_finding {
	const struct lock_pkg *pkg;
	const struct advisory *adv;
};

/*
 * Every (package, advisory) pair where the advisory's ecosystem and name
 * match the package (PyPI names compared PEP 503-normalised) and its versions
 * list holds the version, or its range contains it (solve_version_in_range).
 * *out is sorted by lock order, then advisory order; caller frees it with
 * free(). A range that does not parse is PF_EFORMAT naming the advisory.
 */
int lock_audit(const struct lockfile *l, const struct advisories *a, struct audit_finding **out, size_t *n,
	       struct pf_err *e);

/*
 * The last verified advisories per name are kept in STATE/saved-advisories/NAME/
 * (STATE/advisories/NAME is the rollback state file of trust/):
 * advisories.yaml and advisories.yaml.sig (the exact bytes that verified),
 * saved.yaml (name, version, sha256, saved_at) and index.tsv, one line per
 * exact revoked version: "ECO\tNAME\tVERSION\tID\tSEVERITY\tREASON" (tabs and
 * newlines in fields become spaces), which the activation hook reads when no
 * pinfold is on PATH. Call only after a->... passed full verification of data.
 */
int lock_audit_save(const char *state_dir, const struct advisories *a, const char *data, size_t len,
		    const char *sig, size_t siglen, struct pf_err *e);

/*
 * Load the saved copy for name: the signature is checked again with store
 * and policy, and its version and SHA-256 are checked against the rollback
 * state: the same version with other bytes is PF_EROLLBACK; an older version
 * (newer advisories were verified since without being saved, e.g. by 'pinfold
 * lock') loads with *stale set. Expiry is NOT enforced (an old feed still
 * names bad versions); *expired says so. *saved_at gets the time it was
 * saved. PF_ENOTFOUND when nothing is saved.
 */
int lock_audit_load_saved(const char *state_dir, const char *name, const struct trust_store *store,
			  const struct trust_policy *policy, struct advisories *a, time_t *saved_at,
			  int *expired, int *stale, struct pf_err *e);

#endif
