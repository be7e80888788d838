/* SPDX-License-Identifier: MIT */
/* Opening an air-gap bundle: its signed catalog and lock verified and bound, then the state raised. */
#include <stdlib.h>
#include <string.h>

#include "ctx/internal.h"
#include "trust/trust.h"

int ctx_bundle_open(struct ctx *x, const char *path, int check_artifacts, struct ctx_bundle *out,
		    struct pf_err *e)
{
	struct verify_opts o;
	char *label = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	rc = fetch_bundle_open(path, &out->b, e);
	/* the roots it carries first (each checked as 'trust update' checks them): they say who may sign the rest */
	if (!rc && !ctx_trust_overridden(x))
		rc = ctx_root_update_bundle(x, out->b, &out->root, e);
	if (!rc)
		rc = ctx_verify_opts(x, NULL, &o, e);
	if (!rc)
		rc = fetch_bundle_load(out->b, &o, check_artifacts, &out->bc, e);
	if (rc)
		goto out;
	if (!out->bc.has_advisories && ctx_adv_seen(x, out->bc.catalog.name)) {
		rc = pf_error(e, PF_EROLLBACK, "bundle '%s': holds no advisories, but advisories '%s' were verified "
			      "before; refusing to treat the catalog as clean", path, out->bc.catalog.name);
		goto out;
	}
	label = pf_xasprintf("%s:%s", path, BUNDLE_LOCK);
	rc = ctx_lock_bind(x, &out->bc.lock, label, &out->bc.catalog,
			   out->bc.has_advisories ? &out->bc.advisories : NULL, &out->revoked, &out->nrevoked, e);
	if (rc)
		goto out;
	/* everything checked out: only now the rollback state moves and the advisories are kept */
	{
		const struct fetch_bundle_contents *c = &out->bc;
		struct trust_doc cd = { "catalog", c->catalog.name, c->catalog.version, c->catalog.sha256,
					(const char *const *)c->signers.v, c->signers.n, o.store };
		struct trust_doc ad = { "advisories", c->advisories.name, c->advisories.version, c->advisories.sha256,
					(const char *const *)c->adv_signers.v, c->adv_signers.n,
					o.adv_store ? o.adv_store : o.store };

		rc = trust_state_record(o.state_dir, &cd, e);
		if (!rc && c->has_advisories)
			rc = trust_state_record(o.state_dir, &ad, e);
		if (!rc && c->has_advisories)
			rc = ctx_saved_write(x, &c->advisories, c->adv_bytes.p ? c->adv_bytes.p : "", c->adv_bytes.len,
					     c->adv_sig.p ? c->adv_sig.p : "", c->adv_sig.len, &c->catalog, e);
	}
out:
	free(label);
	if (rc)
		ctx_bundle_close(out);
	return rc;
}

void ctx_bundle_close(struct ctx_bundle *b)
{
	if (!b)
		return;
	fetch_bundle_contents_release(&b->bc);
	fetch_bundle_close(b->b);
	free(b->revoked);
	memset(b, 0, sizeof *b);
}
