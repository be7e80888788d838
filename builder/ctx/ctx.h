/* SPDX-License-Identifier: MIT */
/* The library context: time, directories, trust, state; verified catalogs, advisories and locks; eligibility. */
#ifndef PF_CTX_CTX_H
#define PF_CTX_CTX_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "catalog/verified.h"
#include "core/error.h"
#include "core/mem.h"
#include "fetch/bundle.h"
#include "solve/solve.h"

/*
 * The model is apk-tools v3's struct apk_ctx: one context per invocation,
 * passed explicitly to every operation that needs time, directories, trust
 * or state; nothing here is global. A front end (cli/main.c) fills the
 * options after ctx_init(); everything else is resolved on first use and
 * owned by the context until ctx_release(). Operations fill a struct pf_err
 * and return 0 or a negative PF_E* code, like the rest of the library;
 * warnings (a saved copy's age, a copy that could not be saved) go to
 * e->warn.
 *
 * Layering: ctx/ sits above fetch/ (it reads catalogs named by URL) and
 * below install/, pack/ and build/; every command that trusts a catalog,
 * advisories or a lock goes through it.
 */
struct trust_store;
struct trust_root;
struct lockfile;
struct image;
struct lock_pkg;

struct ctx {
	/* options (set by the front end after ctx_init) */
	time_t now;			/* the time every check uses: the clock at ctx_init(), or --now */
	const char *state_dir_opt;	/* --state-dir DIR (borrowed), or NULL: see ctx_state_dir() */
	struct pf_strv trust_files;	/* --trust FILE... (owned; push with pf_strv_push) */
	const char *trust_dir;		/* --trust-dir DIR (borrowed), or NULL */
	const char *root_file;		/* --root FILE: the first trusted root instead of the built-in one (borrowed) */
	const char *builtin_trust_dir;	/* DATA/trust: the installed roots, where 'trust update' looks first (borrowed) */
	/* resolved on first use (owned) */
	char *state_dir;
	char *cache_dir;
	struct trust_store *trust;	/* --trust/--trust-dir's keys */
	struct trust_root *root;	/* the current root (ctx_root) */
	char *root_from;		/* where it was read ("built-in" or STATE/roots/N.root.yaml) */
	struct solve_cache *solv;
	int solv_tried;
};

void ctx_init(struct ctx *x);
void ctx_release(struct ctx *x);

/* ---- directories (ctx/dirs.c) ---- */

/*
 * The state directory (rollback state, saved advisories, the solver cache's
 * secret): --state-dir, else $PINFOLD_STATE_DIR, else $XDG_STATE_HOME/pinfold
 * (an absolute XDG_STATE_HOME only), else $HOME/.local/state/pinfold (an
 * absolute HOME only). There is no shared fallback: with none of these set
 * it is PF_ENOTFOUND. The directory is created (0700) when missing and must
 * pass ctx_private_dir(). *out is borrowed from x.
 */
int ctx_state_dir(struct ctx *x, const char **out, struct pf_err *e);
/*
 * The cache directory (artifacts under sha256/, solver pools under solv/):
 * $XDG_CACHE_HOME/pinfold (absolute only), else $HOME/.cache/pinfold; the
 * same rules as the state directory. *out is borrowed from x.
 */
int ctx_cache_dir(struct ctx *x, const char **out, struct pf_err *e);
/*
 * The rule for a private directory, as ssh applies it to ~/.ssh: dir is
 * created (0700, with missing parents) when absent; it must then be a real
 * directory (not a symlink) owned by the effective user and not writable by
 * group or others, and every existing parent must be owned by the user or
 * root and, when group- or other-writable, sticky (like /tmp). Else
 * PF_EUNTRUSTED naming the directory and what is wrong.
 */
int ctx_private_dir(const char *dir, struct pf_err *e);

/* ---- trust (ctx/ctx.c) ---- */

/*
 * The keys that may sign catalogs: --trust FILE... and --trust-dir DIR when
 * given (they replace the root; PF_EUNTRUSTED when they hold no key), else
 * the current root's catalog role (ctx_trust_role). Loaded on first use
 * (apk_ctx_get_trust); *out is borrowed from x.
 */
int ctx_trust(struct ctx *x, const struct trust_store **out, struct pf_err *e);

/* ---- the root of trust (ctx/root.c) ---- */

/*
 * The keys a role's documents must be signed by, and how many distinct ones:
 * with --trust/--trust-dir those keys, threshold 1 (an explicit override,
 * docs/root.md); else the current root's role (ctx_root), which must not
 * have expired at x->now. role is an enum trust_role (trust/root.h).
 */
int ctx_trust_role(struct ctx *x, int role, const struct trust_store **out, int *threshold, struct pf_err *e);
/* 1 when --trust or --trust-dir replace the root. */
int ctx_trust_overridden(const struct ctx *x);

#define CTX_ROOTS_DIR "roots"	/* under the state dir: N.root.yaml and .sig, every root accepted */
/*
 * The current root: the newest one accepted on this machine (the rollback
 * state's "root" version, read from STATE/roots/ and re-checked: its own
 * signature and the recorded SHA-256), else the built-in version 1. A
 * recorded version whose file is gone or changed is PF_EROLLBACK, never a
 * fallback to an older root. Expiry is not checked here. *out is borrowed;
 * *from (may be NULL) names where it was read.
 */
int ctx_root(struct ctx *x, const struct trust_root **out, const char **from, struct pf_err *e);

struct ctx_root_update {
	long long from, to;	/* the version before and after */
	int more;		/* the walk stopped at TRUST_ROOT_WALK_MAX roots with more there */
};
/*
 * TUF's root update: from src (a directory or http(s) URL) read
 * N+1.root.yaml, N+2.root.yaml, ... (with their .sig) for the current
 * version N until one is missing or TRUST_ROOT_WALK_MAX were accepted. Each
 * must be the next version and signed by a threshold of the previous root's
 * root keys and of its own (trust_root_next); intermediate roots may have
 * expired, the final one must not have. src's N.root.yaml, when present,
 * must be the trusted bytes (another root of the same version is
 * PF_EROLLBACK). Any refusal stores nothing. On success the new roots are
 * written to STATE/roots/ and the state's root version raised (the commit
 * point); x's current root is the final one.
 */
int ctx_root_update(struct ctx *x, const char *src, struct ctx_root_update *u, struct pf_err *e);
/*
 * The same walk over a bundle's roots/N.root.yaml entries (a bundle carries
 * the roots it needs, so an air-gapped site rotates with it).
 */
int ctx_root_update_bundle(struct ctx *x, struct fetch_bundle *b, struct ctx_root_update *u, struct pf_err *e);
/*
 * The roots accepted here after version 1 (STATE/roots/N.root.yaml and .sig,
 * N = 2 .. the current version, those present), appended to paths: what a
 * bundle carries.
 */
int ctx_root_files(struct ctx *x, struct pf_strv *paths, struct pf_err *e);
/* Drop the loaded root (ctx_release does it). */
void ctx_root_release(struct ctx *x);

/* What a signed document must match beyond the trust store: an image's or a lock's pin. */
struct ctx_pin {
	const char *const *keys;	/* when nkeys > 0, only these key ids count */
	size_t nkeys;
	int threshold;			/* distinct keys needed (0: 1) */
	const char *catalog_name;	/* the catalog must carry this name (NULL: any) */
};
/* The pin of an image (trust: and catalog_name:) or of a lock (trust: and catalog.name); im/l may be NULL. */
void ctx_pin_image(struct ctx_pin *p, const struct image *im);
void ctx_pin_lock(struct ctx_pin *p, const struct lockfile *l);
/*
 * Verify options for documents under pin: the trust store, the pin's keys
 * and threshold, the pinned name, the state directory (rollback state,
 * raised on success) and x->now. o borrows from x and pin.
 */
int ctx_verify_opts(struct ctx *x, const struct ctx_pin *pin, struct verify_opts *o, struct pf_err *e);

/* ---- verified catalogs (ctx/catalog.c) ---- */

/* A verified catalog and, when it publishes them, its verified advisories. Release with ctx_catalog_release(). */
struct ctx_catalog {
	struct catalog cat;
	struct advisories adv;
	int has_adv;			/* 0: the catalog publishes no advisories */
	struct pf_strv signers;		/* distinct trusted key ids that signed catalog.yaml */
	char *where;			/* the directory or URL it was read from */
	int header_only;		/* cat holds its header only (ctx_catalog_open_cached) */
	struct solve_pool *pool;	/* header_only: the authenticated cached pool (take it, or leave it) */
};

/*
 * Open the catalog at where (a directory or an http(s) URL) under pin:
 * signature and threshold (the trust store narrowed by the pin), the pinned
 * name, expiry against x->now, rollback state (raised). advisories.yaml
 * beside it is verified the same way and must carry the catalog's name; a
 * catalog without one while advisories of its name were verified before is
 * PF_EROLLBACK (dropping them would hide revocations). Verified advisories
 * are saved in the state directory for offline audits and activation
 * (failure to save only warns). On failure out is released (safe to release
 * again).
 */
int ctx_catalog_open(struct ctx *x, const char *where, const struct ctx_pin *pin, struct ctx_catalog *out,
		     struct pf_err *e);
/*
 * The same checks for `pinfold lock` without parsing the catalog when the
 * solver cache holds a pool built from exactly these bytes for target t:
 * the pool's MAC is checked first, the signature is verified over the bytes
 * as always, then the pinned name, expiry and rollback use the header the
 * cache authenticated. out->header_only is then 1 and out->pool holds the
 * pool. Otherwise (a URL, no usable cache) it is ctx_catalog_open().
 */
int ctx_catalog_open_cached(struct ctx *x, const char *where, const struct ctx_pin *pin,
			    const struct solve_target *t, struct ctx_catalog *out, struct pf_err *e);
void ctx_catalog_release(struct ctx_catalog *cc);
/* The solver cache (CACHE/solv, keyed by the state dir's secret); *out NULL when it cannot be had. Borrowed. */
void ctx_solve_cache(struct ctx *x, const struct solve_cache **out);

/* ---- the one eligibility rule (ctx/eligible.c) ---- */

/* A policy at x->now: release age min_age_days, optional absolute cutoff (0: none), revocations a (may be NULL). */
void ctx_policy(const struct ctx *x, int min_age_days, time_t cutoff, const struct advisories *a,
		struct solve_policy *out);
/*
 * Whether a catalog package may be used under pol: NULL, or why (caller
 * frees) with *code PF_EREVOKED, PF_ETOOYOUNG or PF_EFORMAT. This is
 * solve_policy_check(), the rule the solver applies; every command asks it.
 */
char *ctx_eligible(const struct solve_policy *pol, const struct catalog_pkg *p, int *code,
		   const struct advisory **by);

/* One locked package that one advisory covers. pkg and adv are borrowed from the inputs. */
struct ctx_finding {
	const struct lock_pkg *pkg;
	const struct advisory *adv;
};
/*
 * Every (locked package, advisory) pair where the advisory covers the
 * package (solve_advisory_covers), in lock order then advisory order. *out
 * is malloc'd (caller frees). An advisory range that cannot be evaluated
 * for a locked version is PF_EFORMAT naming both.
 */
int ctx_revocations(const struct lockfile *l, const struct advisories *a, struct ctx_finding **out, size_t *n,
		    struct pf_err *e);

/* ---- saved advisories (ctx/saved.c) ---- */

#define CTX_SAVED_DIR "saved-advisories"	/* under the state dir */
/* A saved copy verified within this many days is current: no warning, its age only in summaries. */
#define CTX_ADV_CURRENT_DAYS 7

/*
 * The last verified advisories per name are kept in
 * STATE/saved-advisories/NAME/: advisories.yaml and advisories.yaml.sig (the
 * exact bytes that verified), saved.yaml (name, version, sha256, saved_at)
 * and index.tsv for the environment's activation hook, one line per revoked
 * version: "ECO\tNAME\tVERSION\tID\tSEVERITY\tREASON\tNORMNAME\tKEY", where
 * NORMNAME is the ecosystem's normalised name and KEY the version's
 * comparison key (solve_version_key: equal versions, equal keys), so the
 * hook compares what `pinfold audit` compares. A range is listed as the
 * versions of cat (the catalog verified with the advisories, may be NULL)
 * that it covers. Call only with bytes that passed full verification.
 */
int ctx_saved_write(struct ctx *x, const struct advisories *a, const char *data, size_t len, const char *sig,
		    size_t siglen, const struct catalog *cat, struct pf_err *e);

/*
 * Load the saved copy for name: its signature checked again under o (store,
 * pin), its version and SHA-256 against the rollback state: the same version
 * with other bytes, or other signers, is PF_EROLLBACK; an older version (newer
 * advisories were verified since) loads with *stale set. Expiry is not
 * enforced (*expired says so). PF_ENOTFOUND when nothing is saved.
 */
int ctx_saved_load(struct ctx *x, const char *name, const struct verify_opts *o, struct advisories *a,
		   time_t *saved_at, int *expired, int *stale, struct pf_err *e);

/* Where a lock's advisories came from. Owned; release with ctx_adv_release(). */
struct ctx_adv {
	struct advisories a;
	char *where;		/* the catalog read, or the saved copy's directory */
	int saved;		/* 1: the state dir's copy */
	time_t saved_at;	/* when the saved copy was verified (0: unknown) */
	int expired;		/* the saved copy is past its expiry (still used: old feeds still name bad versions) */
	int stale;		/* newer advisories of this name were verified since the copy was saved */
	int none;		/* the catalog publishes no advisories */
};
/*
 * Verified advisories for lock l, for revocation checks only (`audit` of an
 * environment, `audit --offline`): from catalog (a directory or URL,
 * verified with ctx_catalog_open under the lock's pin) unless offline or
 * NULL; when catalog is NULL, offline, or cannot be reached, the saved copy
 * for the lock's catalog name, re-verified (signature under the lock's pin,
 * rollback state; expiry only flagged). A tampered, rolled-back or
 * untrusted file is an error, never a fallback. Falling back warns.
 */
int ctx_advisories_open(struct ctx *x, const struct lockfile *l, const char *catalog, int offline,
			struct ctx_adv *out, struct pf_err *e);
void ctx_adv_release(struct ctx_adv *a);

/* ---- the chain of trust for a lock (ctx/lockcheck.c) ---- */

/* Where a lock came from, for finding its catalog and naming it in errors. */
struct ctx_lock_src {
	const char *label;	/* how errors name the lock: "lockfiles/app.lock", "b.pfb:pinfold.lock" */
	const char *dir;	/* the lock's directory (its relative catalog.source is relative to it); NULL: none */
	const char *catalog;	/* --catalog DIR|URL, overriding the lock's source; NULL: the source */
};

/* A lock checked against its verified catalog. Release with ctx_lock_check_release(). */
struct ctx_lock_check {
	struct ctx_catalog cc;		/* the catalog (and advisories) the lock was checked against */
	struct ctx_finding *revoked;	/* locked packages the catalog's advisories revoke (malloc'd) */
	size_t nrevoked;
	int unreachable;		/* set (also on failure) when no catalog could be reached */
};

/*
 * A lock is a request, not a credential. Open the catalog l names (src->catalog,
 * else its catalog.source relative to src->dir) with ctx_catalog_open under
 * the lock's pin (trust keys and threshold, catalog name), then
 * ctx_lock_bind(). Revocations are returned in out (the caller refuses,
 * lists or, when told to, warns); every other problem is an error. No
 * reachable catalog is PF_ECHECK naming what was tried: there is no way to
 * trust a lock without its catalog.
 */
int ctx_lock_check(struct ctx *x, const struct lockfile *l, const struct ctx_lock_src *src,
		   struct ctx_lock_check *out, struct pf_err *e);
void ctx_lock_check_release(struct ctx_lock_check *c);
/*
 * The lock against a verified catalog cat (and its verified advisories adv,
 * may be NULL), named label in errors: the catalog is not older than the one
 * the lock was made from (nor the same version with other bytes), every
 * locked package is in cat with the identical artifact (file, format, size,
 * sha256), and each is eligible under the lock's cutoff and the catalog's
 * current release-age floor (ctx_eligible). Errors: PF_ECHECK (not in the
 * catalog: "no longer vetted; re-lock" when the catalog is newer), PF_EDIGEST
 * (another artifact), PF_EROLLBACK, PF_ETOOYOUNG, PF_EFORMAT; the first
 * problem is the message, with how many more there are. Revocations go to
 * *revoked (caller frees).
 */
int ctx_lock_bind(struct ctx *x, const struct lockfile *l, const char *label, const struct catalog *cat,
		  const struct advisories *adv, struct ctx_finding **revoked, size_t *nrevoked, struct pf_err *e);
/*
 * The checks of ctx_lock_bind() before revocations, as one line per problem
 * appended to lines (no label; `lock --check` lists them all); *first gets
 * the first one's code. 1 when there was any.
 */
int ctx_lock_problems(struct ctx *x, const struct lockfile *l, const struct catalog *cat, struct pf_strv *lines,
		      int *first);

/* ---- what audit reports (ctx/audit.c) ---- */

/* Release with ctx_audit_release(). */
struct ctx_audit {
	struct ctx_adv adv;		/* the advisories used, and where they came from */
	struct ctx_finding *revoked;	/* the locked packages they revoke (malloc'd) */
	size_t nrevoked;
	int checked;			/* the lock was checked against its signed catalog (ctx_lock_check) */
	int unchecked;			/* a lockfile that could not be (offline, no catalog reachable): an error to report */
	struct ctx_lock_check chk;	/* when checked */
};
/*
 * The lock l of a lockfile (env 0) or of an environment (env 1), as audit
 * sees it. Unless offline, a lockfile, and an environment whose catalog is
 * named (src->catalog), get ctx_lock_check(): every problem binding it to the
 * catalog is an error, the catalog's advisories give the revocations. An
 * environment without src->catalog, or offline, or a lockfile whose catalog
 * cannot be reached (warned), gets the saved advisories' revocations; for a
 * lockfile out->unchecked is then set: the caller must not call it clean.
 */
int ctx_audit(struct ctx *x, const struct lockfile *l, const struct ctx_lock_src *src, int env, int offline,
	      struct ctx_audit *out, struct pf_err *e);
void ctx_audit_release(struct ctx_audit *a);

/* ---- bundles (ctx/bundle.c) ---- */

/* A verified bundle. Release with ctx_bundle_close(). */
struct ctx_bundle {
	struct fetch_bundle *b;		/* open for reading artifacts (fetch_ctx.bundle) */
	struct fetch_bundle_contents bc;	/* the lock, catalog, advisories it holds */
	struct ctx_finding *revoked;	/* as ctx_lock_check() */
	size_t nrevoked;
	struct ctx_root_update root;	/* the roots it carried that were accepted (root.from == root.to: none) */
};
/*
 * Open and verify a bundle: its framing (fetch_bundle_open), the roots it
 * carries (ctx_root_update_bundle, unless --trust/--trust-dir), its catalog
 * and advisories (signatures under the trust store and the bundled lock's
 * pin, name, expiry, rollback), the lock bound to that catalog
 * (fetch_bundle_load, then ctx_lock_bind) and, with check_artifacts, every
 * artifact's bytes. Only when all of that passed is the rollback state
 * raised and the advisories saved. The revocations are returned.
 */
int ctx_bundle_open(struct ctx *x, const char *path, int check_artifacts, struct ctx_bundle *out,
		    struct pf_err *e);
void ctx_bundle_close(struct ctx_bundle *b);

#endif
