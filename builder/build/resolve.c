/* SPDX-License-Identifier: MIT */
/* Resolving an image: its verified catalog, the solver, the lockfile, and what a re-lock would weaken. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/resolve.h"
#include "core/file.h"
#include "core/time.h"
#include "fetch/fetch.h"

static char *default_output(const struct image *im)
{
	char *dir = pf_dirname(im->path), *parent = NULL, *lockdir = NULL, *out;

	if (!strcmp(pf_basename(dir), "images")) {
		parent = pf_dirname(dir);
		lockdir = pf_path_join(parent, "lockfiles");
	}
	if (lockdir && pf_is_dir(lockdir))
		out = pf_xasprintf("%s/%s.lock", lockdir, im->name);
	else
		out = pf_xasprintf("%s/%s.lock", dir, im->name);
	free(dir);
	free(parent);
	free(lockdir);
	return out;
}

/* Path of target relative to directory from (both made absolute); caller frees. */
static char *relative_to(const char *from, const char *target)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct pf_buf out = PF_BUF_INIT;
	size_t i = 0, common = 0;

	if (!realpath(from, a) || !realpath(target, b))
		return pf_xstrdup(target);
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			common = i;
		i++;
	}
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	for (const char *p = a + common; *p; p++)
		if (*p == '/')
			pf_buf_adds(&out, out.len ? "/.." : "..");
	if (b[common] == '/')
		pf_buf_addf(&out, "%s%s", out.len ? "" : ".", b + common);
	if (!out.len)
		pf_buf_adds(&out, ".");
	return pf_buf_detach(&out, NULL);
}

static int same_set(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		int found = 0;

		for (size_t j = 0; j < nb && !found; j++)
			found = !strcmp(a[i], b[j]);
		if (!found)
			return 0;
	}
	for (size_t j = 0; j < nb; j++) {
		int found = 0;

		for (size_t i = 0; i < na && !found; i++)
			found = !strcmp(a[i], b[j]);
		if (!found)
			return 0;
	}
	return 1;
}

/* Lock-level constraints that the new lock would weaken; one line each into changes. */
static void relaxations(const struct lockfile *old, const struct image *im, int min_age,
			const struct ctx_catalog *cc, struct pf_strv *changes)
{
	/*
	 * Another catalog (even one signed by the same keys) has its own
	 * revocations and rollback state: switching is never silent.
	 */
	if (old->catalog_name && strcmp(old->catalog_name, cc->cat.name))
		pf_strv_push_owned(changes, pf_xasprintf("the catalog would change from '%s' to '%s' (another "
							 "catalog, with its own advisories and rollback state)",
							 old->catalog_name, cc->cat.name));
	if (old->min_age_days > min_age)
		pf_strv_push_owned(changes, pf_xasprintf("policy.min_age_days would drop from %d to %d",
							 old->min_age_days, min_age));
	if (old->ntrust_keys && !im->ntrust_keys)
		pf_strv_push_owned(changes, pf_xstrdup("the image no longer pins the catalog's signing keys "
						       "(trust: was set in the lock)"));
	else if (old->ntrust_keys) {
		for (size_t i = 0; i < old->ntrust_keys; i++) {
			int kept = 0;

			for (size_t j = 0; j < im->ntrust_keys && !kept; j++)
				kept = !strcmp(old->trust_keys[i], im->trust_keys[j]);
			if (!kept)
				pf_strv_push_owned(changes, pf_xasprintf("trust pin: key %.16s... was removed", old->trust_keys[i]));
		}
		if (im->trust_threshold < old->trust_threshold)
			pf_strv_push_owned(changes, pf_xasprintf("trust.threshold would drop from %d to %d",
								 old->trust_threshold, im->trust_threshold));
	}
	if (old->ncatalog_keys &&
	    !same_set(old->catalog_keys, old->ncatalog_keys, (const char *const *)cc->signers.v, cc->signers.n)) {
		struct pf_buf was = PF_BUF_INIT, now = PF_BUF_INIT;

		for (size_t i = 0; i < old->ncatalog_keys; i++)
			pf_buf_addf(&was, "%s%.16s", i ? ", " : "", old->catalog_keys[i]);
		for (size_t i = 0; i < cc->signers.n; i++)
			pf_buf_addf(&now, "%s%.16s", i ? ", " : "", cc->signers.v[i]);
		pf_strv_push_owned(changes, pf_xasprintf("catalog '%s' is now signed by other keys (was %s, now %s)",
							 cc->cat.name, pf_buf_cstr(&was), pf_buf_cstr(&now)));
		pf_buf_release(&was);
		pf_buf_release(&now);
	}
}

/* A version of p's name in a that b does not have (what p's version moved to), or NULL. */
static const struct lock_pkg *moved(const struct lockfile *a, const struct lockfile *b, const struct lock_pkg *p)
{
	for (size_t i = 0; i < a->npkgs; i++) {
		const struct lock_pkg *q = &a->pkgs[i];

		if (!strcmp(q->ecosystem, p->ecosystem) && !strcmp(q->name, p->name) &&
		    !lock_find_version(b, q->ecosystem, q->name, q->version))
			return q;
	}
	return NULL;
}

/* Differences that make an existing lock out of date; one line each. */
static void check_lock(struct ctx *x, const struct lockfile *old, const struct lockfile *new,
		       const struct ctx_catalog *cc, const struct solve_policy *pol, struct pf_strv *diff)
{
	int code;

	if (strcmp(old->image_sha256, new->image_sha256))
		pf_strv_push(diff, "the image changed since the lock was written");
	if (old->min_age_days != new->min_age_days)
		pf_strv_push_owned(diff, pf_xasprintf("policy.min_age_days is %d, the lock has %d", new->min_age_days,
						      old->min_age_days));
	/* what build, verify and audit check: the lock bound to the verified catalog */
	ctx_lock_problems(x, old, &cc->cat, diff, &code);
	for (size_t i = 0; i < old->npkgs; i++) {
		const struct lock_pkg *p = &old->pkgs[i];
		const struct catalog_pkg *cp = catalog_find(&cc->cat, p->ecosystem, p->name, p->version);
		const struct lock_pkg *q = lock_find_version(new, p->ecosystem, p->name, p->version);
		char *why;

		/* and the image's policy as it stands today, revocations included */
		if (cp && (why = ctx_eligible(pol, cp, &code, NULL))) {
			if (pf_strv_contains(diff, why))
				free(why);
			else
				pf_strv_push_owned(diff, why);
		}
		if (q)
			continue;
		q = moved(new, old, p);
		if (!q)
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s is locked but no longer needed", p->ecosystem,
							      p->name, p->version));
		else
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s is locked at %s, resolving gives %s", p->ecosystem,
							      p->name, p->version, q->version));
	}
	for (size_t i = 0; i < new->npkgs; i++) {
		const struct lock_pkg *q = &new->pkgs[i];

		if (!lock_find_version(old, q->ecosystem, q->name, q->version) && !moved(old, new, q))
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s is needed but not locked", q->ecosystem,
							      q->name, q->version));
	}
}

int build_resolve(struct ctx *x, const struct build_resolve_opts *o, struct build_resolved *r, struct pf_err *e)
{
	struct solve_target t;
	struct ctx_pin pin;
	struct solve_policy pol;
	struct solve_request req;
	const struct solve_cache *scache;
	struct solve_pool *sp = NULL;
	struct lockfile *new = &r->lock;
	char *lockdir = NULL;
	size_t npins = 0;
	time_t newest = 0;
	int rc;

	memset(r, 0, sizeof *r);
	if (o->relax && (!o->reason || !*o->reason))
		return pf_error(e, PF_EUSAGE, "--relax-policy needs --reason TEXT (it is recorded in the lock)");
	rc = image_load(&r->im, o->image, e);
	if (rc)
		goto out;
	r->have_im = 1;
	t = (struct solve_target){ r->im.target_python, r->im.target_platform,
				   (const char *const *)r->im.host_provides, r->im.nhost_provides };
	ctx_pin_image(&pin, &r->im);
	/* --check compares with the parsed catalog; a plain lock may reuse the solver cache */
	rc = o->check ? ctx_catalog_open(x, r->im.catalog_resolved, &pin, &r->cc, e)
		      : ctx_catalog_open_cached(x, r->im.catalog_resolved, &pin, &t, &r->cc, e);
	if (rc)
		goto out;
	r->min_age = r->im.min_age_days >= 0 ? r->im.min_age_days : r->cc.cat.min_age_days;
	if (r->min_age < r->cc.cat.min_age_days) {
		rc = pf_error(e, PF_EPOLICY, "'%s': policy.min_age_days %d is below the catalog's %d; an image "
			      "may only make the release-age delay longer", r->im.path, r->min_age,
			      r->cc.cat.min_age_days);
		goto out;
	}
	r->out = o->output ? pf_xstrdup(o->output) : default_output(&r->im);
	if (pf_exists(r->out)) {
		rc = lock_load(&r->old, r->out, e);
		if (rc)
			goto out;
		r->have_old = 1;
	} else if (o->check) {
		rc = pf_error(e, PF_ECHECK, "'%s': no lockfile; run 'pinfold lock %s'", r->out, o->image);
		goto out;
	}

	/* Lock-level constraints never relax silently. */
	if (r->have_old)
		relaxations(&r->old, &r->im, r->min_age, &r->cc, &r->changes);
	if (r->changes.n && !o->relax && !o->check) {
		rc = pf_error(e, PF_EPOLICY, "'%s': the new lock would weaken the existing lock's policy; if "
			      "that is intended, rerun with --relax-policy --reason TEXT", r->out);
		goto out;
	}

	/* Day granularity: published dates are days, and a lock made twice on one day is the same. */
	ctx_policy(x, r->min_age, 0, r->cc.has_adv ? &r->cc.adv : NULL, &pol);
	ctx_solve_cache(x, &scache);
	if (r->cc.header_only) {
		sp = r->cc.pool;	/* authenticated when it was loaded */
		r->cc.pool = NULL;
	}
	if (!sp)
		rc = solve_pool_new(&r->cc.cat, &t, scache, &sp, e);
	if (rc)
		goto out;
	r->pool_from_cache = solve_pool_from_cache(sp);
	if (r->have_old && r->old.catalog_name && !strcmp(r->old.catalog_name, r->cc.cat.name)) {
		r->pins = pf_xcalloc(r->old.npkgs + 1, sizeof *r->pins);
		for (size_t i = 0; i < r->old.npkgs; i++) {
			r->pins[npins].ecosystem = r->old.pkgs[i].ecosystem;
			r->pins[npins].name = r->old.pkgs[i].name;
			r->pins[npins].version = r->old.pkgs[i].version;
			npins++;
		}
	}
	memset(&req, 0, sizeof req);
	req.requests = (const char *const *)r->im.packages;
	req.nrequests = r->im.npackages;
	req.pins = r->pins;
	req.npins = npins;
	req.upgrade = o->upgrade;
	req.nupgrade = o->nupgrade;
	req.upgrade_all = o->upgrade_all;
	rc = solve_run(sp, &pol, &req, &r->res, e);
	if (rc)
		goto out;

	/* The lock. */
	pf_time_format(solve_age_cutoff(x->now, r->min_age), r->cutoff);
	new->image_name = r->im.name;
	memcpy(new->image_sha256, r->im.sha256, PF_SHA256_HEX);
	new->catalog_name = r->cc.cat.name;
	new->catalog_version = r->cc.cat.version;
	memcpy(new->catalog_sha256, r->cc.cat.sha256, PF_SHA256_HEX);
	lockdir = pf_dirname(r->out);
	r->source = fetch_is_url(r->im.catalog_resolved) ? NULL : relative_to(lockdir, r->im.catalog_resolved);
	new->catalog_source = r->source ? r->source : r->im.catalog_resolved;
	new->catalog_keys = (const char **)r->cc.signers.v;
	new->ncatalog_keys = r->cc.signers.n;
	new->trust_keys = r->im.trust_keys;
	new->ntrust_keys = r->im.ntrust_keys;
	new->trust_threshold = r->im.trust_threshold;
	new->min_age_days = r->min_age;
	new->age_cutoff = r->cutoff;
	new->relax_reason = r->changes.n ? o->reason : r->have_old ? r->old.relax_reason : NULL;
	new->target_runtime = r->im.target_runtime;
	new->target_python = r->im.target_python;
	new->target_platform = r->im.target_platform;
	new->host_provides = r->im.host_provides;
	new->nhost_provides = r->im.nhost_provides;
	new->allow_hosts = r->im.allow_hosts;	/* the image's sandbox.allow_hosts, as written (docs/network.md) */
	new->nallow_hosts = r->im.nallow_hosts;
	new->requests = r->im.packages;
	new->nrequests = r->im.npackages;
	new->pkgs = pf_xcalloc(r->res.npicks + 1, sizeof *new->pkgs);
	for (size_t i = 0; i < r->res.npicks; i++) {
		const struct solve_pick *k = &r->res.picks[i];
		struct lock_pkg *p = &new->pkgs[i];
		time_t pub;

		p->ecosystem = k->ecosystem;
		p->name = k->name;
		p->version = k->version;
		p->artifact.file = k->file;
		p->artifact.format = k->format;
		p->artifact.size = k->size;
		memcpy(p->artifact.sha256, k->sha256, PF_SHA256_HEX);
		p->requested_by = (const char **)k->requested_by;
		p->nrequested_by = k->nrequested_by;
		if (k->published && pf_date_parse(k->published, &pub) == 0 && pub > newest)
			newest = pub;
	}
	new->npkgs = r->res.npicks;
	/* source_date_epoch: the newest publication date in the lock, at 00:00 UTC */
	new->source_date_epoch = (long long)newest;
	r->resolved = 1;

	if (o->check) {
		for (size_t i = 0; i < r->changes.n; i++)
			pf_strv_push(&r->diff, r->changes.v[i]);
		check_lock(x, &r->old, new, &r->cc, &pol, &r->diff);
		if (r->diff.n)
			rc = pf_error(e, PF_ECHECK, "'%s' is out of date (%zu problem%s); run 'pinfold lock %s'", r->out,
				      r->diff.n, r->diff.n == 1 ? "" : "s", o->image);
	}
out:
	solve_pool_free(sp);
	free(lockdir);
	return rc;
}

void build_resolved_release(struct build_resolved *r)
{
	if (!r)
		return;
	free(r->lock.pkgs);
	solve_result_release(&r->res);
	free(r->pins);
	if (r->have_old)
		lock_release(&r->old);
	ctx_catalog_release(&r->cc);
	if (r->have_im)
		image_release(&r->im);
	pf_strv_release(&r->changes);
	pf_strv_release(&r->diff);
	free(r->out);
	free(r->source);
	memset(r, 0, sizeof *r);
}
