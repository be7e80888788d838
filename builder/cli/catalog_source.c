/* SPDX-License-Identifier: MIT */
/* The one way commands open a catalog: verified with the right keys, pin and state, plus advisories. */
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "cli/source.h"
#include "core/file.h"
#include "fetch/fetch.h"
#include "core/digest.h"
#include "core/time.h"
#include "lock/lock.h"
#include "solve/solve.h"
#include "trust/trust.h"

static int open_url(struct cli *c, const char *url, const struct verify_opts *o, struct cli_catalog *cc)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = pf_xasprintf("%s/%s", url, CATALOG_FILE);
	int rc;

	rc = fetch_small(url, CATALOG_FILE, PF_MAX_CATALOG, &data, &c->err);
	if (!rc)
		rc = fetch_small(url, CATALOG_SIG, PF_MAX_SMALL, &sig, &c->err);
	if (!rc)
		rc = catalog_verify_bytes(label, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len, o,
					  &cc->cat, &cc->signers, &c->err);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(label);
	if (rc)
		return rc;
	/* advisories are optional next to a URL catalog too */
	label = pf_xasprintf("%s/%s", url, ADVISORIES_FILE);
	if (fetch_small(url, ADVISORIES_FILE, PF_MAX_CATALOG, &data, NULL) == 0) {
		rc = fetch_small(url, ADVISORIES_SIG, PF_MAX_SMALL, &sig, &c->err);
		if (!rc)
			rc = advisories_verify_bytes(label, data.p ? data.p : "", data.len, sig.p ? sig.p : "",
						     sig.len, o, &cc->adv, NULL, &c->err);
		if (!rc)
			cc->has_adv = 1;
	}
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(label);
	return rc;
}

/* advisories.yaml beside a catalog directory is optional */
static int open_adv_dir(struct cli *c, const char *where, const struct verify_opts *o, struct cli_catalog *out)
{
	int rc = advisories_open_dir(where, o, &out->adv, NULL, &c->err);

	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(&c->err);
		rc = 0;
	} else if (!rc) {
		out->has_adv = 1;
	}
	return rc;
}

static void debug_opened(struct cli *c, const struct cli_catalog *out)
{
	cli_debug(c, "catalog '%s' version %lld verified (%zu signer%s)%s", out->cat.name, out->cat.version,
		  out->signers.n, out->signers.n == 1 ? "" : "s", out->has_adv ? " with advisories" : "");
}

/* The trust store and verify options for im: its pin (keys and threshold) narrows the store. */
static int image_verify_opts(struct cli *c, const struct image *im, struct trust_store **store,
			     struct verify_opts *o)
{
	int rc = cli_trust_store(c, store);

	if (rc)
		return rc;
	cli_verify_opts(c, *store, im && im->trust_threshold ? im->trust_threshold : 1, o);
	if (im && im->ntrust_keys) {
		o->policy.pin = im->trust_keys;
		o->policy.npin = im->ntrust_keys;
	}
	return 0;
}

int cli_catalog_open(struct cli *c, const char *where, const struct image *im, struct cli_catalog *out)
{
	struct trust_store *store = NULL;
	struct verify_opts o;
	int rc;

	memset(out, 0, sizeof *out);
	out->where = pf_xstrdup(where);
	rc = image_verify_opts(c, im, &store, &o);
	if (rc)
		return rc;
	if (fetch_is_url(where)) {
		rc = open_url(c, where, &o, out);
	} else {
		rc = catalog_open_dir(where, &o, &out->cat, &out->signers, &c->err);
		if (!rc)
			rc = open_adv_dir(c, where, &o, out);
	}
	if (!rc)
		debug_opened(c, out);
	trust_store_free(store);
	return rc;
}

int cli_catalog_open_cached(struct cli *c, const char *where, const struct image *im,
			    const struct solve_cache *cache, const struct solve_target *t, struct cli_catalog *out)
{
	struct trust_store *store = NULL;
	struct verify_opts o;
	struct catalog_file f;
	struct solve_cache_meta m;
	char now[PF_TIME_STR];
	time_t exp;
	int rc;

	if (fetch_is_url(where) || !cache)
		return cli_catalog_open(c, where, im, out);
	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	out->where = pf_xstrdup(where);
	rc = image_verify_opts(c, im, &store, &o);
	if (rc)
		return rc;
	/* one read: the same bytes are hashed (the cache key), verified and, without a cache, parsed */
	rc = catalog_file_read(where, &o, &f, &c->err);
	if (rc)
		goto out;
	/* the pool and the header it carries are used only when the cache file's MAC verifies */
	if (solve_pool_load_cache(f.sha256, t, cache, &out->pool) < 0 ||
	    solve_pool_cache_meta(out->pool, &m) < 0 || pf_time_parse(m.expires, &exp) < 0) {
		solve_pool_free(out->pool);
		out->pool = NULL;
		/* no pool for these bytes yet: the full checks, then parse them */
		rc = catalog_file_open(&f, &o, &out->cat, &out->signers, &c->err);
		if (!rc)
			rc = open_adv_dir(c, where, &o, out);
		if (!rc)
			debug_opened(c, out);
		goto out;
	}
	rc = catalog_file_verify_sig(&f, &o, &out->signers, &c->err);
	if (rc)
		goto out;
	pf_time_format(pf_now(), now);
	if (pf_now() >= exp) {
		rc = pf_error(&c->err, PF_EEXPIRED, "'%s': catalog '%s' version %lld expired at %s (now %s); ask its "
			      "curator for a freshly signed copy", f.label, m.name, m.version, m.expires, now);
		goto out;
	}
	rc = trust_state_check(o.state_dir, "catalog", m.name, m.version, f.sha256, &c->err);
	if (!rc && o.record)
		rc = trust_state_record(o.state_dir, "catalog", m.name, m.version, f.sha256, &c->err);
	if (rc)
		goto out;
	out->header_only = 1;
	out->cat.name = pf_arena_strdup(&out->cat.arena, m.name);
	out->cat.version = m.version;
	out->cat.expires = pf_arena_strdup(&out->cat.arena, m.expires);
	out->cat.expires_t = exp;
	out->cat.min_age_days = m.min_age_days;
	memcpy(out->cat.sha256, f.sha256, PF_SHA256_HEX);
	rc = open_adv_dir(c, where, &o, out);
	if (!rc)
		cli_debug(c, "catalog '%s' version %lld verified; its pool comes from the solver cache", m.name,
			  m.version);
out:
	catalog_file_release(&f);
	trust_store_free(store);
	return rc;
}

void cli_catalog_release(struct cli_catalog *cc)
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
