/* SPDX-License-Identifier: MIT */
/* What `audit` reports for a lock: checked as build checks it, or (offline, environments) its revocations only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx/internal.h"
#include "lock/lock.h"

/* Take the checked catalog's advisories and findings into out. */
static void take_check(struct ctx_audit *out)
{
	struct ctx_lock_check *chk = &out->chk;

	out->adv.where = pf_xstrdup(chk->cc.where);
	out->adv.none = !chk->cc.has_adv;
	if (chk->cc.has_adv) {
		out->adv.a = chk->cc.adv;
		memset(&chk->cc.adv, 0, sizeof chk->cc.adv);
		chk->cc.has_adv = 0;
	}
	out->revoked = chk->revoked;
	out->nrevoked = chk->nrevoked;
	chk->revoked = NULL;
	chk->nrevoked = 0;
	out->checked = 1;
}

int ctx_audit(struct ctx *x, const struct lockfile *l, const struct ctx_lock_src *src, int env, int offline,
	      struct ctx_audit *out, struct pf_err *e)
{
	int rc = 0;

	memset(out, 0, sizeof *out);
	/* an environment was checked when it was built: without a catalog named, its revocations only */
	if (env && !src->catalog)
		offline = 1;
	if (!offline) {
		rc = ctx_lock_check(x, l, src, &out->chk, e);
		if (!rc) {
			take_check(out);
			return 0;
		}
		if (!out->chk.unreachable)
			return rc;
		pf_warn(e, "%s", e->msg);
		pf_warn(e, "'%s' cannot be checked against its catalog, which cannot be reached; falling back to the "
			"saved advisories for its revocations", src->label);
		pf_err_clear(e);
	}
	out->unchecked = !env;
	rc = ctx_advisories_open(x, l, NULL, 1, &out->adv, e);
	if (rc == -PF_ENOTFOUND && out->unchecked) {
		/* nothing to fall back on: the lock is refused as unchecked, not as a missing file */
		char msg[PF_ERR_MAX];

		snprintf(msg, sizeof msg, "%s", e->msg);
		pf_err_clear(e);
		rc = pf_error(e, PF_ECHECK, "'%s': not checked against its signed catalog (%s), and %s", src->label,
			      offline ? "--offline" : "no catalog could be reached", msg);
	}
	if (!rc)
		rc = ctx_revocations(l, &out->adv.a, &out->revoked, &out->nrevoked, e);
	return rc;
}

void ctx_audit_release(struct ctx_audit *a)
{
	if (!a)
		return;
	ctx_adv_release(&a->adv);
	ctx_lock_check_release(&a->chk);
	free(a->revoked);
	memset(a, 0, sizeof *a);
}
