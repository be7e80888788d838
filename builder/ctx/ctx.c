/* SPDX-License-Identifier: MIT */
/* The context itself: its lifetime, the trust store loaded on first use, pins and verify options. */
#include <stdlib.h>
#include <string.h>

#include "ctx/ctx.h"
#include "lock/lock.h"
#include "trust/root.h"
#include "trust/trust.h"

void ctx_init(struct ctx *x)
{
	memset(x, 0, sizeof *x);
	x->now = time(NULL);
}

void ctx_release(struct ctx *x)
{
	if (!x)
		return;
	pf_strv_release(&x->trust_files);
	free(x->state_dir);
	free(x->cache_dir);
	trust_store_free(x->trust);
	ctx_root_release(x);
	solve_cache_free(x->solv);
	memset(x, 0, sizeof *x);
}

/* --trust FILE... and --trust-dir DIR: the explicit override, loaded once. */
static int override_store(struct ctx *x, const struct trust_store **out, struct pf_err *e)
{
	struct trust_store *s;
	int rc = 0;

	if (x->trust) {
		*out = x->trust;
		return 0;
	}
	s = trust_store_new();
	for (size_t i = 0; i < x->trust_files.n && !rc; i++)
		rc = trust_store_add_file(s, x->trust_files.v[i], e);
	if (!rc && x->trust_dir)
		rc = trust_store_add_dir(s, x->trust_dir, e);
	if (!rc && !trust_store_count(s))
		rc = pf_error(e, PF_EUNTRUSTED, "no trusted keys in '%s'", x->trust_dir ? x->trust_dir : "--trust");
	if (rc) {
		trust_store_free(s);
		return rc;
	}
	x->trust = s;
	*out = s;
	return 0;
}

int ctx_trust(struct ctx *x, const struct trust_store **out, struct pf_err *e)
{
	int threshold;

	return ctx_trust_role(x, TRUST_ROLE_CATALOG, out, &threshold, e);
}

int ctx_trust_role(struct ctx *x, int role, const struct trust_store **out, int *threshold, struct pf_err *e)
{
	const struct trust_root *r;
	const char *from;
	int rc;

	*out = NULL;
	*threshold = 1;
	if (ctx_trust_overridden(x))
		return override_store(x, out, e);
	if ((rc = ctx_root(x, &r, &from, e)) || (rc = trust_root_check_expiry(r, from, x->now, e)))
		return rc;
	*out = r->roles[role].store;
	*threshold = r->roles[role].threshold;
	return 0;
}

void ctx_pin_image(struct ctx_pin *p, const struct image *im)
{
	memset(p, 0, sizeof *p);
	if (!im)
		return;
	p->keys = im->trust_keys;
	p->nkeys = im->ntrust_keys;
	p->threshold = im->trust_threshold;
	p->catalog_name = im->catalog_name;
}

void ctx_pin_lock(struct ctx_pin *p, const struct lockfile *l)
{
	memset(p, 0, sizeof *p);
	if (!l)
		return;
	p->keys = l->trust_keys;
	p->nkeys = l->ntrust_keys;
	p->threshold = l->trust_threshold;
	p->catalog_name = l->catalog_name;
}

int ctx_verify_opts(struct ctx *x, const struct ctx_pin *pin, struct verify_opts *o, struct pf_err *e)
{
	const struct trust_store *store, *adv;
	const char *state;
	int pin_t = pin && pin->threshold > 0 ? pin->threshold : 1, t, adv_t;
	int rc;

	memset(o, 0, sizeof *o);
	if ((rc = ctx_trust_role(x, TRUST_ROLE_CATALOG, &store, &t, e)) ||
	    (rc = ctx_trust_role(x, TRUST_ROLE_ADVISORIES, &adv, &adv_t, e)) || (rc = ctx_state_dir(x, &state, e)))
		return rc;
	/* the root's role says who may sign and how many; a pin only narrows that (never widens it) */
	o->store = store;
	o->adv_store = adv;
	o->state_dir = state;
	o->record = 1;
	o->now = x->now;
	o->policy.threshold = pin_t > t ? pin_t : t;
	o->adv_threshold = pin_t > adv_t ? pin_t : adv_t;
	if (pin && pin->nkeys) {
		o->policy.pin = pin->keys;
		o->policy.npin = pin->nkeys;
	}
	o->name = pin ? pin->catalog_name : NULL;
	return 0;
}
