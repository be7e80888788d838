/* SPDX-License-Identifier: MIT */
/* Policy: which catalog versions may be used now (release age, revocation), applied before solving. */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "solve/internal.h"

static int revoked_reason(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
			  const char **reason)
{
	char *pn;

	if (!pol->advisories)
		return 0;
	pn = dep_pool_name(eco, name);
	for (size_t i = 0; i < pol->advisories->n; i++) {
		const struct advisory *a = &pol->advisories->items[i];
		char *an = dep_pool_name(a->ecosystem, a->name);
		int hit = 0;

		if (!strcmp(an, pn)) {
			for (size_t j = 0; j < a->nversions && !hit; j++)
				hit = !strcmp(a->versions[j], version) ||
				      solve_version_cmp(eco, a->versions[j], version) == 0;
			if (!hit && a->range)
				hit = solve_version_in_range(eco, version, a->range, NULL) == 1;
		}
		free(an);
		if (hit) {
			*reason = a->reason ? a->reason : a->id;
			free(pn);
			return 1;
		}
	}
	free(pn);
	return 0;
}

char *sp_exclusion(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
		       const char *published)
{
	const char *reason;
	char *pn;
	char *out = NULL;
	time_t pub;

	pn = dep_pool_name(eco, name);
	if (revoked_reason(pol, eco, name, version, &reason)) {
		out = pf_xasprintf("%s %s is revoked: %s", pn, version, reason);
	} else if (pol->min_age_days > 0) {
		if (!published || pf_date_parse(published, &pub) < 0) {
			out = pf_xasprintf("%s %s is excluded: no valid publication date, policy requires %d days",
					   pn, version, pol->min_age_days);
		} else if (pub > pol->now - (time_t)pol->min_age_days * 86400) {
			long long days = pol->now >= pub ? (long long)((pol->now - pub) / 86400) : -1;

			if (days < 0)
				out = pf_xasprintf("%s %s is excluded: published %s, in the future, policy requires %d days",
						   pn, version, published, pol->min_age_days);
			else
				out = pf_xasprintf("%s %s is excluded: published %lld day%s ago, policy requires %d",
						   pn, version, days, days == 1 ? "" : "s", pol->min_age_days);
		}
	}
	free(pn);
	return out;
}

char *solve_policy_exclusion(const struct solve_policy *pol, const struct catalog_pkg *pkg)
{
	return sp_exclusion(pol, pkg->ecosystem, pkg->name, pkg->version, pkg->published);
}
