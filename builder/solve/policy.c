/* SPDX-License-Identifier: MIT */
/* Policy: the one rule for whether a version may be used now (release age, revocation), applied before solving. */
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "solve/internal.h"

int solve_version_eq(const char *eco, const char *a, const char *b)
{
	struct pf_buf ka = PF_BUF_INIT, kb = PF_BUF_INIT;
	int r;

	if (!strcmp(a, b))
		return 1;
	/* a version that does not parse is only ever equal to itself */
	r = solve_version_key(eco, a, &ka, NULL) == 0 && solve_version_key(eco, b, &kb, NULL) == 0 &&
	    !strcmp(pf_buf_cstr(&ka), pf_buf_cstr(&kb));
	pf_buf_release(&ka);
	pf_buf_release(&kb);
	return r;
}

int solve_name_eq(const char *eco, const char *a, const char *b)
{
	char *x, *y;
	int r;

	if (!strcmp(a, b))
		return 1;
	x = dep_pool_name(eco, a);
	y = dep_pool_name(eco, b);
	r = !strcmp(x, y);
	free(x);
	free(y);
	return r;
}

int solve_advisory_covers(const struct advisory *a, const char *eco, const char *name, const char *version)
{
	if (strcmp(a->ecosystem, eco) || !solve_name_eq(eco, a->name, name))
		return 0;
	if (a->range) {
		int r = solve_version_in_range(eco, version, a->range, NULL);

		return r < 0 ? -1 : r;
	}
	for (size_t i = 0; i < a->nversions; i++)
		if (solve_version_eq(eco, a->versions[i], version))
			return 1;
	return 0;
}

time_t solve_age_cutoff(time_t now, int min_age_days)
{
	time_t day = now - now % 86400;

	return day - (time_t)(min_age_days > 0 ? min_age_days : 0) * 86400;
}

char *solve_policy_check(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
			 const char *published, int *code, const struct advisory **by)
{
	char *pn = dep_pool_name(eco, name), *out = NULL;
	time_t pub = 0, today = pol->now - pol->now % 86400;
	int have_pub = published && pf_date_parse(published, &pub) == 0;

	*code = 0;
	if (by)
		*by = NULL;
	for (size_t i = 0; pol->advisories && i < pol->advisories->n && !out; i++) {
		const struct advisory *a = &pol->advisories->items[i];
		int hit = solve_advisory_covers(a, eco, name, version);

		if (hit > 0) {
			out = pf_xasprintf("%s %s is revoked: %s", pn, version, a->reason ? a->reason : a->id);
			*code = PF_EREVOKED;
		} else if (hit < 0) {
			/* a signed advisory that cannot be evaluated: undecided is not eligible */
			out = pf_xasprintf("%s %s: advisory %s's range '%s' cannot be evaluated for this version", pn,
					   version, a->id, a->range);
			*code = PF_EFORMAT;
		}
		if (out && by)
			*by = a;
	}
	if (out)
		goto out;
	if (pol->min_age_days > 0) {
		if (!have_pub) {
			out = pf_xasprintf("%s %s is excluded: no valid publication date, policy requires %d days",
					   pn, version, pol->min_age_days);
		} else if (pub > solve_age_cutoff(pol->now, pol->min_age_days)) {
			long long days = today >= pub ? (long long)((today - pub) / 86400) : -1;

			if (days < 0)
				out = pf_xasprintf("%s %s is excluded: published %s, in the future, policy requires %d days",
						   pn, version, published, pol->min_age_days);
			else
				out = pf_xasprintf("%s %s is excluded: published %lld day%s ago, policy requires %d",
						   pn, version, days, days == 1 ? "" : "s", pol->min_age_days);
		}
	}
	if (!out && pol->cutoff && (!have_pub || pub > pol->cutoff)) {
		char when[PF_TIME_STR];

		pf_time_format(pol->cutoff, when);
		out = have_pub ? pf_xasprintf("%s %s is excluded: published %s, after the lock's release-age cutoff %s",
					      pn, version, published, when)
			       : pf_xasprintf("%s %s is excluded: no valid publication date (the lock's release-age "
					      "cutoff is %s)", pn, version, when);
	}
	if (out)
		*code = PF_ETOOYOUNG;
out:
	free(pn);
	return out;
}

char *sp_exclusion(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
		   const char *published)
{
	int code;

	return solve_policy_check(pol, eco, name, version, published, &code, NULL);
}

void solve_match_key(const char *eco, const char *name, const char *version, struct pf_buf *out)
{
	char *pn = dep_pool_name(eco, name);
	const char *norm = strchr(pn, ':') + 1;

	for (const char *p = norm; *p; p++)
		pf_buf_addc(out, (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
	pf_buf_addc(out, '\t');
	if (solve_version_key(eco, version, out, NULL) < 0) {
		/* a version that does not parse matches only its own spelling */
		pf_buf_addc(out, '=');
		for (const char *p = version; *p; p++)
			pf_buf_addc(out, (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
	}
	free(pn);
}
