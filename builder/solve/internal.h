/* SPDX-License-Identifier: MIT */
/* Private to solve/: the pool's records, the candidate index and one solve's working state. */
#ifndef PF_SOLVE_INTERNAL_H
#define PF_SOLVE_INTERNAL_H

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/queue.h>
#include <solv/repo.h>
#include <solv/solver.h>

#include "solve/deps.h"
#include "solve/solve.h"

/*
 * The files of solve/, along libsolv's own lines:
 *   pool.c      the pool: solvables from a verified catalog, the candidate
 *               index, lazy translation of dependency lines into relations
 *   cache.c     the authenticated .solv cache (format, key, HMAC secret)
 *   policy.c    the release-age and revocation filter applied before solving
 *   request.c   image requests: parsing and checking against the pool
 *   problems.c  readable lines for libsolv's problems
 *   solver.c    one solve: jobs, pins, libsolv, result collection
 */

/* What each solvable stands for; read back from repodata attributes. */
struct spkg {
	const char *eco, *name, *version, *published;
	const char *file, *format;
	char sha256[PF_SHA256_HEX];
	unsigned long long size;
	const char *extra;		/* pypi extra this pseudo-package enables, or NULL */
	int host;			/* provided by the target, not installed by us */
	int loaded;			/* attributes looked up (lazily: big pools, few used) */
};

/* While the pool is built: a solvable's catalog package (NULL: a host package), extra and version. */
struct build_src {
	const struct catalog_pkg *pkg;
	char *extra;			/* owned */
	char *version;			/* host packages only (owned); else pkg->version */
};

/* One candidate a constraint can match: a package (or a versioned provide) of a name. */
struct cand {
	Id name, evr, p;
	int own;			/* the package's own name (else a versioned provide) */
};

struct line_memo;

struct solve_pool {
	Pool *pool;
	Repo *repo;
	Id start, end;			/* solvable ids of repo */
	struct spkg *pk;		/* indexed by p - start */
	struct pf_arena strs;		/* the records' strings (copies: libsolv's move as the pool grows) */
	struct cand *cands;
	size_t ncands;
	struct marker_env env;
	struct line_memo *memo;		/* while translating: one per ecosystem */
	struct build_src *src;		/* while building: what each solvable came from, by solvable id */
	size_t nsrc;
	char machine[64];		/* platform_machine, from target.platform */
	int nhost;			/* host solvables: the last nhost of the repo */
	Id k_eco, k_name, k_version, k_published, k_file, k_format, k_sha256, k_size, k_extra, k_host,
	   k_depends, k_conflicts;
	int from_cache;
	struct solve_cache_meta meta;	/* from_cache: the authenticated catalog header */
	unsigned char *translated;	/* by p - start: requires/conflicts added (lazily, when reached) */
};

/* ---- pool.c ---- */
/* The record of solvable p (looked up on first use), or NULL when p is not in the repo. */
struct spkg *sp_spkg(struct solve_pool *sp, Id p);
/* Candidates of name (packages and versioned provides); *n of them, borrowed. */
struct cand *sp_cands(struct solve_pool *sp, Id name, size_t *n);
const char *sp_cand_version(struct solve_pool *sp, const struct cand *c);
/* One atom as a libsolv dependency; *nmatch gets the matching candidates (-1: unconstrained). */
Id sp_atom(struct solve_pool *sp, const struct dep_atom *a, int *nmatch);
/* A dependency line of eco (with extra, may be NULL) translated into ids appended to q. */
int sp_line_ids(struct solve_pool *sp, const char *eco, const char *line, const char *extra, Queue *q,
		struct pf_err *e);
/* Add solvable sid's requires and conflicts from its dependency lines (once). */
int sp_translate(struct solve_pool *sp, Id sid, struct pf_err *e);
/* Translation memos for a batch of translations. */
void sp_memo_init(struct solve_pool *sp);
void sp_memo_free(struct solve_pool *sp);
/* (Re)start the lazy records and the candidate index after repodata changed. */
void sp_reset_records(struct solve_pool *sp);
void sp_build_index(struct solve_pool *sp);

/* ---- cache.c ---- */
/* Load the pool for (catalog SHA-256, target) into sp's empty repo: 1 when a file with a valid MAC was used. */
int sp_cache_load(struct solve_pool *sp, const struct solve_cache *c, const char *catalog_sha256,
		  const struct solve_target *t);
/* Write sp (built from cat) for target t; a cache that cannot be written only costs time next run. */
void sp_cache_save(struct solve_pool *sp, const struct solve_cache *c, const struct catalog *cat,
		   const struct solve_target *t);

/* ---- policy.c ---- */
/* Why (eco, name, version, published) is excluded by pol: NULL when eligible, else a reason (caller frees). */
char *sp_exclusion(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
		   const char *published);

/* ---- one solve (solver.c, request.c, problems.c) ---- */
struct run {
	struct solve_pool *sp;
	const struct solve_policy *pol;
	const struct solve_request *req;
	Map considered;
	char **excluded;		/* per solvable: why policy excludes it, or NULL */
	int no_policy;			/* sp_check_request: skip the eligibility check */
	Id *req_dep;			/* per request: its dependency id */
	struct pf_strv *problems;
};

/* Check one request against the pool before solving; adds problem lines, sets *bad. Returns its dep id. */
Id sp_check_request(struct run *rn, const char *text, struct pf_err *e, int *bad);
/* Lines explaining why no eligible candidate is left for the atoms of dep. */
void sp_explain_exclusions(struct run *rn, Id dep, struct pf_strv *out);
/* One readable line for libsolv problem number problem (and its policy reasons) into rn->problems. */
void sp_explain_problem(struct run *rn, Solver *solv, Id problem);

#endif
