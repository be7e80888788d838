/* SPDX-License-Identifier: MIT */
/* Resolving an image against its verified catalog into a lockfile (what `pinfold lock` does). */
#ifndef PF_BUILD_RESOLVE_H
#define PF_BUILD_RESOLVE_H

#include <stddef.h>

#include "core/time.h"
#include "ctx/ctx.h"
#include "lock/lock.h"
#include "solve/solve.h"

struct build_resolve_opts {
	const char *image;		/* images/NAME.yaml */
	const char *output;		/* the lockfile; NULL: lockfiles/NAME.lock beside images/, else beside the image */
	int check;			/* compare with the existing lock instead of making one */
	const char *const *upgrade;	/* "eco:name" that may move to their newest eligible version */
	size_t nupgrade;
	int upgrade_all;		/* ignore every pin of the existing lock */
	int relax;			/* accept what would weaken the existing lock ... */
	const char *reason;		/* ... for this reason (recorded as policy.relax_reason) */
};

/* Everything a resolve produced or found. Owned; release with build_resolved_release(). */
struct build_resolved {
	struct image im;
	struct ctx_catalog cc;		/* the verified catalog (and advisories) */
	struct lockfile old;		/* the existing lock, when have_old */
	int have_old, have_im;
	struct lockfile lock;		/* the new lock (valid when resolved; borrows from im, cc, res) */
	int resolved;
	char *out;			/* where the lock goes */
	int min_age;			/* the release-age delay in force */
	int pool_from_cache;		/* the solver pool came from the authenticated cache */
	struct solve_result res;	/* on PF_EUNSOLVABLE, res.problems has one line per problem */
	struct pf_strv changes;		/* what the new lock would weaken, one line each (PF_EPOLICY without relax) */
	struct pf_strv diff;		/* check: why the existing lock is out of date, one line each (PF_ECHECK) */
	/* private */
	struct solve_pin *pins;
	char *source;
	char cutoff[PF_TIME_STR];
};

/*
 * Resolve o->image against its catalog (ctx_catalog_open[_cached] under the
 * image's pin), with the release-age policy (never below the catalog's) and
 * the catalog's advisories applied by the one eligibility rule, favouring
 * the existing lock's versions. Changes that would weaken the existing lock
 * (a shorter delay, a dropped trust pin or key, other signers, another
 * catalog name) are PF_EPOLICY unless o->relax. With o->check, r->diff lists
 * what is out of date (the lock bound to the verified catalog as build checks
 * it, the image's policy today, resolution differences) and any is
 * PF_ECHECK. Nothing is written: save r->lock with lock_save(&r->lock, r->out).
 */
int build_resolve(struct ctx *x, const struct build_resolve_opts *o, struct build_resolved *r, struct pf_err *e);
void build_resolved_release(struct build_resolved *r);

#endif
