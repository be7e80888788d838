/* SPDX-License-Identifier: MIT */
/* Eligibility at the context's time: the one rule (solve_policy_check) for every command, and revocation findings. */
#include <stdlib.h>
#include <string.h>

#include "ctx/ctx.h"
#include "lock/lock.h"

void ctx_policy(const struct ctx *x, int min_age_days, time_t cutoff, const struct advisories *a,
		struct solve_policy *out)
{
	memset(out, 0, sizeof *out);
	out->now = x->now;
	out->min_age_days = min_age_days;
	out->cutoff = cutoff;
	out->advisories = a;
}

char *ctx_eligible(const struct solve_policy *pol, const struct catalog_pkg *p, int *code,
		   const struct advisory **by)
{
	return solve_policy_check(pol, p->ecosystem, p->name, p->version, p->published, code, by);
}

int ctx_revocations(const struct lockfile *l, const struct advisories *a, struct ctx_finding **out, size_t *n,
		    struct pf_err *e)
{
	struct ctx_finding *v = NULL;
	size_t nv = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; a && i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		for (size_t j = 0; j < a->n; j++) {
			const struct advisory *x = &a->items[j];
			int hit = solve_advisory_covers(x, p->ecosystem, p->name, p->version);

			if (hit < 0) {
				free(v);
				return pf_error(e, PF_EFORMAT, "advisory '%s': range '%s' does not apply to %s:%s %s",
						x->id, x->range, p->ecosystem, p->name, p->version);
			}
			if (!hit)
				continue;
			PF_GROW(v, nv + 1, cap);
			v[nv].pkg = p;
			v[nv].adv = x;
			nv++;
		}
	}
	*out = v;
	*n = nv;
	return 0;
}
