/* SPDX-License-Identifier: MIT */
/* The one way to open a catalog: verified under the trust store, a pin and the state, with its advisories. */
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "ctx/internal.h"
#include "fetch/fetch.h"
#include "trust/trust.h"

static char *label_of(const char *where, const char *file)
{
	return fetch_is_url(where) ? pf_xasprintf("%s/%s", where, file) : pf_path_join(where, file);
}

static int open_url(const char *url, const struct verify_opts *o, struct ctx_catalog *cc, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = label_of(url, CATALOG_FILE);
	int rc;

	rc = fetch_small(url, CATALOG_FILE, PF_MAX_CATALOG, &data, e);
	if (!rc) {
		rc = fetch_small(url, CATALOG_SIG, PF_MAX_SMALL, &sig, e);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(e);
			rc = pf_error(e, PF_EBADSIG, "'%s': not signed (%s is missing)", label, CATALOG_SIG);
		}
	}
	if (!rc)
		rc = catalog_verify_bytes(label, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len, o,
					  &cc->cat, &cc->signers, e);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(label);
	return rc;
}

/*
 * advisories.yaml beside the catalog: verified like it, under the catalog's
 * own name; absent is "none" unless advisories of that name were verified
 * before. What verifies is saved for offline audits and activation.
 */
static int open_advisories(struct ctx *x, const struct verify_opts *co, struct ctx_catalog *cc, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct verify_opts o = *co;
	char *label = label_of(cc->where, ADVISORIES_FILE);
	int rc;

	o.name = cc->cat.name;
	rc = fetch_small(cc->where, ADVISORIES_FILE, PF_MAX_CATALOG, &data, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = 0;
		if (ctx_adv_seen(x, cc->cat.name)) {
			/*
			 * Advisories were verified before: the catalog must not count as
			 * clean now. The copy kept here is used (it may have come from the
			 * catalog's advisories.urls, 'pinfold advisories update'); without
			 * a usable one, this is a rollback.
			 */
			time_t at;
			int expired, stale;

			if (ctx_saved_load(x, cc->cat.name, &o, &cc->adv, &at, &expired, &stale, e)) {
				pf_err_clear(e);
				rc = pf_error(e, PF_EROLLBACK, "'%s': has no %s, but advisories '%s' were verified "
					      "before; refusing to treat the catalog as clean", cc->where,
					      ADVISORIES_FILE, cc->cat.name);
			} else {
				cc->has_adv = 1;
				pf_warn(e, "'%s': has no %s, but advisories '%s' were verified before; using the copy "
					"kept here", cc->where, ADVISORIES_FILE, cc->cat.name);
			}
		}
		goto out;
	}
	if (rc)
		goto out;
	rc = fetch_small(cc->where, ADVISORIES_SIG, PF_MAX_SMALL, &sig, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EBADSIG, "'%s': not signed (%s is missing)", label, ADVISORIES_SIG);
	}
	if (!rc)
		rc = advisories_verify_bytes(label, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len, &o,
					     &cc->adv, NULL, e);
	if (rc)
		goto out;
	cc->has_adv = 1;
	/*
	 * Saved only beside a parsed catalog: the index lists a range as the
	 * catalog versions it covers, and a header from the solver cache has none.
	 */
	if (!cc->header_only) {
		struct pf_err se = { 0 };

		if (ctx_saved_write(x, &cc->adv, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len,
				    &cc->cat, &se))
			pf_warn(e, "cannot save the verified advisories: %s", se.msg);
	}
out:
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

int ctx_catalog_open(struct ctx *x, const char *where, const struct ctx_pin *pin, struct ctx_catalog *out,
		     struct pf_err *e)
{
	struct verify_opts o;
	int rc;

	memset(out, 0, sizeof *out);
	out->where = pf_xstrdup(where);
	rc = ctx_verify_opts(x, pin, &o, e);
	if (rc)
		goto out;
	if (fetch_is_url(where))
		rc = open_url(where, &o, out, e);
	else
		rc = catalog_open_dir(where, &o, &out->cat, &out->signers, e);
	if (!rc)
		rc = open_advisories(x, &o, out, e);
out:
	if (rc)
		ctx_catalog_release(out);
	return rc;
}

void ctx_solve_cache(struct ctx *x, const struct solve_cache **out)
{
	struct pf_err quiet = { 0 };
	const char *state, *cache;

	if (!x->solv_tried) {
		x->solv_tried = 1;
		if (ctx_state_dir(x, &state, &quiet) == 0 && ctx_cache_dir(x, &cache, &quiet) == 0) {
			char *dir = pf_path_join(cache, "solv");

			/* no secret to authenticate the cache with: solve without it */
			solve_cache_open(dir, state, &x->solv, &quiet);
			free(dir);
		}
	}
	*out = x->solv;
}

int ctx_catalog_open_cached(struct ctx *x, const char *where, const struct ctx_pin *pin,
			    const struct solve_target *t, struct ctx_catalog *out, struct pf_err *e)
{
	const struct solve_cache *cache;
	struct verify_opts o;
	struct catalog_file f;
	struct solve_cache_meta m;
	time_t exp;
	int rc;

	ctx_solve_cache(x, &cache);
	if (fetch_is_url(where) || !cache)
		return ctx_catalog_open(x, where, pin, out, e);
	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	out->where = pf_xstrdup(where);
	rc = ctx_verify_opts(x, pin, &o, e);
	if (rc)
		goto out;
	/* one read: the same bytes are hashed (the cache key), verified and, without a cache, parsed */
	rc = catalog_file_read(where, &o, &f, e);
	if (rc)
		goto out;
	/* the pool and the header it carries are used only when the cache file's MAC verifies */
	if (solve_pool_load_cache(f.sha256, t, cache, &out->pool) < 0 ||
	    solve_pool_cache_meta(out->pool, &m) < 0 || pf_time_parse(m.expires, &exp) < 0) {
		solve_pool_free(out->pool);
		out->pool = NULL;
		/* no pool for these bytes yet: the full checks, then parse them */
		rc = catalog_file_open(&f, &o, &out->cat, &out->signers, e);
		goto adv;
	}
	rc = catalog_file_verify_sig(&f, &o, &out->signers, e);
	if (rc)
		goto out;
	{
		struct verified_head h = { "catalog", m.name, m.version, m.expires, exp, f.sha256, &out->signers };

		rc = verified_check_fresh(f.label, &h, &o, e);
	}
	if (rc)
		goto out;
	out->header_only = 1;
	out->cat.name = pf_arena_strdup(&out->cat.arena, m.name);
	out->cat.version = m.version;
	out->cat.expires = pf_arena_strdup(&out->cat.arena, m.expires);
	out->cat.expires_t = exp;
	out->cat.min_age_days = m.min_age_days;
	memcpy(out->cat.sha256, f.sha256, PF_SHA256_HEX);
adv:
	if (!rc)
		rc = open_advisories(x, &o, out, e);
out:
	catalog_file_release(&f);
	if (rc)
		ctx_catalog_release(out);
	return rc;
}

void ctx_catalog_release(struct ctx_catalog *cc)
{
	if (!cc)
		return;
	catalog_release(&cc->cat);
	solve_pool_free(cc->pool);
	if (cc->has_adv)
		advisories_release(&cc->adv);
	pf_strv_release(&cc->signers);
	free(cc->where);
	memset(cc, 0, sizeof *cc);
}
