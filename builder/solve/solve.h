/* SPDX-License-Identifier: MIT */
/* Version ordering per ecosystem, dependency matching, and the libsolv solve over a verified catalog. */
#ifndef PF_SOLVE_SOLVE_H
#define PF_SOLVE_SOLVE_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"

/*
 * Versions. eco is "pypi" (PEP 440), "npm" (semver 2.0 as npm reads it),
 * "deb" (Debian policy) or "generic" (Debian rules).
 *
 * solve_version_key() appends one comparable string for v to out: letters
 * only, ordered bytewise (and so also by libsolv's rpm and deb comparison)
 * exactly as the ecosystem orders versions; equal versions ("1.0" and
 * "1.0.0" in PEP 440) get equal keys. Returns 0, or -PF_EFORMAT naming v.
 */
int solve_version_key(const char *eco, const char *v, struct pf_buf *out, struct pf_err *e);
/* <0, 0, >0; versions that do not parse sort before those that do, then bytewise. */
int solve_version_cmp(const char *eco, const char *a, const char *b);

/*
 * 1 when version lies in range, 0 when not, negative (-PF_EFORMAT) when either
 * does not parse. range is the ecosystem's syntax: a PEP 440 specifier set
 * ("<1.83,>=1.82.7"), an npm range ("^1.7 || 0.30.4"), or Debian "op version"
 * (">= 1.2-1", several joined with ','). "" and "*" match everything.
 * Pre-releases inside the range count as matching (advisories must cover
 * them); the solver applies the ecosystems' pre-release rules itself.
 */
int solve_version_in_range(const char *eco, const char *version, const char *range, struct pf_err *e);

/* The pool name of a package: "pypi:<PEP 503 name>", "npm:<name>", "deb:<name>". Caller frees. */
char *solve_pool_name(const char *eco, const char *name);

/* What the image is resolved for (environment markers, host packages). */
struct solve_target {
	const char *python;		/* "3.11" or "3.11.2"; NULL: markers on python are false */
	const char *platform;		/* "linux-x86_64", "linux-aarch64" */
	const char *const *host;	/* "deb:python3 3.11.2" entries */
	size_t nhost;
};

/*
 * The ecosystem's own version equality: PEP 440 ("1.0" == "1.0.0" == "v1.0",
 * "1.0" != "1.0.post0", "1.0" != "1.0+local"), semver precedence (build
 * metadata ignored, "v" prefix allowed), Debian (epoch 0 implicit, "2.0" ==
 * "2.0-0"). A version that does not parse equals only its own spelling.
 */
int solve_version_eq(const char *eco, const char *a, const char *b);
/* Package name equality: PEP 503 for pypi, case-insensitive for deb, exact otherwise. */
int solve_name_eq(const char *eco, const char *a, const char *b);
/*
 * 1 when advisory a covers (eco, name, version): same ecosystem, equal name,
 * and a listed version equal to version (solve_version_eq) or version inside
 * its range (pre-releases count); 0 when not; -1 when the range cannot be
 * evaluated for this version.
 */
int solve_advisory_covers(const struct advisory *a, const char *eco, const char *name, const char *version);

/*
 * The form two sides compare without pinfold at hand (the activation hook's
 * advisory index and the environment's package list): "NORMNAME\tKEY"
 * appended to out, where NORMNAME is the name as solve_name_eq compares it
 * and KEY is solve_version_key (equal versions, equal keys), or "=" and the
 * version as written when it does not parse. Tabs and newlines become spaces.
 */
void solve_match_key(const char *eco, const char *name, const char *version, struct pf_buf *out);

/* The release-age cutoff: the start of now's UTC day minus min_age_days (day granularity). */
time_t solve_age_cutoff(time_t now, int min_age_days);

/* What may be used now: release age and revocations. */
struct solve_policy {
	int min_age_days;		/* published at or before solve_age_cutoff(now, min_age_days) */
	time_t now;			/* the context's time */
	time_t cutoff;			/* also: published at or before this (a lock's cutoff); 0: none */
	const struct advisories *advisories;	/* verified revocations; may be NULL */
};

/*
 * THE eligibility rule, used by every command (through ctx_eligible()) and
 * by the solver: NULL when (eco, name, version, published) may be used under
 * pol, else the reason (caller frees) with *code PF_EREVOKED (an advisory
 * covers it, solve_advisory_covers; *by gets the advisory when by is not
 * NULL), PF_EFORMAT (an advisory's range cannot be evaluated: undecided is
 * not eligible) or PF_ETOOYOUNG (no valid date, inside the release-age delay,
 * or after pol->cutoff).
 */
char *solve_policy_check(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
			 const char *published, int *code, const struct advisory **by);

/* One resolved package; all strings owned by the result. */
struct solve_pick {
	char *ecosystem, *name, *version;	/* name and version as the catalog spells them */
	char *published;			/* YYYY-MM-DD */
	char *file, *format;
	unsigned long long size;
	char sha256[PF_SHA256_HEX];
	char **requested_by;		/* "image" or "ECO:NAME VERSION"; sorted, unique */
	size_t nrequested_by;
};

struct solve_result {
	struct solve_pick *picks;	/* sorted by ecosystem, name */
	size_t npicks;
	struct pf_strv problems;	/* one readable line each on failure */
};
void solve_result_release(struct solve_result *r);

/* A loaded pool: the verified catalog's packages. Opaque; libsolv stays inside solve/. */
struct solve_pool;

/*
 * The .solv cache: pool files in a directory, named by the catalog's SHA-256
 * and the target, authenticated with HMAC-SHA-256 under a per-user secret
 * kept in the state directory (STATE/solv-cache.key, 32 random bytes, 0600,
 * written with temp + rename on first use, and replaced when it is not exactly
 * 32 bytes), so a cache directory someone else can write is never trusted.
 * solve_cache_open() loads (or makes) the secret; without a cache object the
 * pool is built from the catalog and nothing is cached. The caller owns the
 * object and frees it with solve_cache_free(), which wipes the secret.
 */
struct solve_cache;
int solve_cache_open(const char *dir, const char *state_dir, struct solve_cache **out, struct pf_err *e);
void solve_cache_free(struct solve_cache *c);

/*
 * Build a pool from the catalog. With a cache (may be NULL), a cache file is
 * used only when its embedded key and keyed content digest match, and is
 * (re)written atomically otherwise.
 */
int solve_pool_new(const struct catalog *cat, const struct solve_target *t, const struct solve_cache *cache,
		   struct solve_pool **out, struct pf_err *e);
void solve_pool_free(struct solve_pool *p);
/* 1 when p was loaded from a cache file rather than built from cat. */
int solve_pool_from_cache(const struct solve_pool *p);
/*
 * Only the cache: the pool for (catalog SHA-256, target) when a cache file
 * with matching key and digest exists, else -PF_ENOTFOUND (nothing built).
 */
int solve_pool_load_cache(const char *catalog_sha256, const struct solve_target *t, const struct solve_cache *cache,
			  struct solve_pool **out);

/*
 * The catalog header stored in a cache file, so that a warm run can verify
 * the catalog's signature over its bytes without parsing them again.
 */
struct solve_cache_meta {
	char name[128];
	long long version;
	char expires[32];
	int min_age_days;
};
/*
 * The catalog header stored in the cache file p was loaded from, after the
 * file's MAC verified (so a warm run can check expiry and rollback without
 * parsing the catalog). 0, or -1 when p was not loaded from a cache.
 */
int solve_pool_cache_meta(const struct solve_pool *p, struct solve_cache_meta *m);

/* A locked version to keep (favoured) unless its name is in upgrade. */
struct solve_pin {
	const char *ecosystem, *name, *version;
};

struct solve_request {
	const char *const *requests; size_t nrequests;	/* image requests as written */
	const struct solve_pin *pins; size_t npins;
	const char *const *upgrade; size_t nupgrade;	/* "eco:name" */
	int upgrade_all;
};

/*
 * Resolve. On PF_EUNSOLVABLE (and on policy exclusions that leave a request
 * unsatisfiable) r->problems has one line per problem and e a summary.
 */
int solve_run(struct solve_pool *p, const struct solve_policy *pol, const struct solve_request *req,
	      struct solve_result *r, struct pf_err *e);

/*
 * Split "eco:name spec" (or a bare "name spec") into parts; eco is NULL for a
 * bare name. Strings are malloc'd; caller frees.
 */
int solve_parse_request(const char *req, char **eco, char **name, char **spec, struct pf_err *e);

#endif
