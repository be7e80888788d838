/* SPDX-License-Identifier: MIT */
/* Which found package versions the verified advisories revoke: the one matching call of watch/. */
#ifndef PF_WATCH_MATCH_H
#define PF_WATCH_MATCH_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "watch/scan.h"

/* One set of verified advisories, with how fresh it is (from the saved copy in the state directory). */
struct watch_adv {
	struct advisories a;
	time_t saved_at;		/* when it was last verified and saved (0: unknown) */
	int expired;			/* past its expiry (still used: it names bad versions) */
	int stale;			/* newer advisories of this name were verified since */
};

struct watch_advset {
	struct watch_adv *v;
	size_t n, cap;
};
void watch_advset_release(struct watch_advset *s);

/* One finding an advisory covers. Pointers are borrowed from the findings and the set. */
struct watch_hit {
	const struct watch_found *found;
	const struct advisory *adv;
	const struct watch_adv *set;
};

/*
 * Every (finding, advisory) pair where an advisory of any set in as covers
 * the finding's ecosystem, name and version, by the ecosystem's own rules
 * (the one rule pinfold has for "is this version revoked": today
 * ctx_revocations()). *out is sorted by ecosystem, name, version, advisory id,
 * then source and path; caller frees it with free(). A version the rule
 * cannot compare with an advisory's range (say a git URL in a lockfile) is
 * not a match; it is reported through e->warn once.
 */
int watch_match(const struct watch_findings *f, const struct watch_advset *as, struct watch_hit **out, size_t *n,
		struct pf_err *e);

/* Sort findings by ecosystem, name, version, source, path (for stable output). */
void watch_findings_sort(struct watch_findings *f);

#endif
