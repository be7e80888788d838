/* SPDX-License-Identifier: MIT */
/* Finding and verifying the advisories that apply to a lock, for audit and build. */
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "cli/advisories.h"
#include "cli/watch.h"
#include "core/file.h"
#include "core/time.h"
#include "fetch/fetch.h"
#include "lock/audit.h"
#include "lock/lock.h"
#include "trust/trust.h"
#include "watch/advisories.h"

/* 1 when src cannot be reached at all (as opposed to a file in it being bad). */
static int unreachable(const char *src, int rc)
{
	return rc == -PF_ENET || (!fetch_is_url(src) && !pf_is_dir(src));
}

static int from_catalog(struct cli *c, const char *src, const struct verify_opts *o, struct cli_adv *x)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = fetch_is_url(src) ? pf_xasprintf("%s/%s", src, ADVISORIES_FILE) : pf_path_join(src, ADVISORIES_FILE);
	int rc;

	rc = fetch_small(src, ADVISORIES_FILE, PF_MAX_CATALOG, &data, &c->err);
	if (rc == -PF_ENOTFOUND && !unreachable(src, rc)) {
		pf_err_clear(&c->err);
		x->none = 1;
		x->where = pf_xstrdup(src);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	rc = fetch_small(src, ADVISORIES_SIG, PF_MAX_SMALL, &sig, &c->err);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(&c->err);
		rc = pf_error(&c->err, PF_EBADSIG, "'%s': not signed (%s is missing)", label, ADVISORIES_SIG);
	}
	if (rc)
		goto out;
	rc = advisories_verify_bytes(label, data.p, data.len, sig.p, sig.len, o, &x->a, NULL, &c->err);
	if (rc)
		goto out;
	x->where = pf_xstrdup(src);
	/* Keep what verified for offline audits and the activation check. */
	if (lock_audit_save(c->state_dir, &x->a, data.p, data.len, sig.p, sig.len, &c->err)) {
		cli_warn(c, "cannot save the verified advisories: %s", c->err.msg);
		pf_err_clear(&c->err);
	}
out:
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

/* A current saved copy (its age is in the command's summary) needs no warning; an old one does. */
static void warn_age(struct cli *c, const struct cli_adv *x)
{
	char when[PF_TIME_STR];
	long long days = (long long)(pf_now() - x->saved_at) / 86400;

	if (!x->saved_at) {
		cli_warn(c, "using the saved advisories '%s' version %lld (age unknown)", x->a.name, x->a.version);
	} else if (days > CLI_ADV_CURRENT_DAYS) {
		pf_time_format(x->saved_at, when);
		cli_warn(c, "using the advisories '%s' version %lld last verified at %s (%lld days old); run "
			 "'pinfold advisories update'", x->a.name, x->a.version, when, days);
	}
	if (x->stale)
		cli_warn(c, "newer advisories '%s' than version %lld were verified since; run 'pinfold audit "
			 "--catalog DIR|URL' once to save them", x->a.name, x->a.version);
	if (x->expired)
		cli_warn(c, "advisories '%s' expired at %s; newer advisories may exist", x->a.name,
			 x->a.expires ? x->a.expires : "?");
}

static char *lock_source(const struct lockfile *l, const char *lockdir)
{
	const char *s = l->catalog_source;

	if (!s || !*s)
		return NULL;
	if (fetch_is_url(s) || s[0] == '/')
		return pf_xstrdup(s);
	return lockdir ? pf_path_join(lockdir, s) : NULL;
}

int cli_advisories_open(struct cli *c, const struct lockfile *l, const char *lockdir, const char *catalog,
			int offline, struct cli_adv *x)
{
	struct trust_store *store = NULL;
	struct verify_opts o;
	char *src = NULL, *saved = NULL;
	int rc;

	memset(x, 0, sizeof *x);
	rc = cli_trust_store(c, &store);
	if (rc)
		return rc;
	/* The lock's image pin narrows who may sign, as it did for the catalog at lock time. */
	cli_verify_opts(c, store, l->trust_threshold, &o);
	if (l->ntrust_keys) {
		o.policy.pin = l->trust_keys;
		o.policy.npin = l->ntrust_keys;
	}
	if (!offline)
		src = catalog ? pf_xstrdup(catalog) : lock_source(l, lockdir);
	if (src) {
		cli_debug(c, "reading advisories from '%s'", src);
		rc = from_catalog(c, src, &o, x);
		if (rc && unreachable(src, rc)) {
			cli_warn(c, "%s", c->err.code ? c->err.msg : pf_strerror(rc));
			cli_warn(c, "'%s' cannot be reached; falling back to the saved advisories", src);
			pf_err_clear(&c->err);
			free(src);
			src = NULL;
			rc = 0;
		}
		if (rc)
			goto out;
	}
	if (l->catalog_name && catalog_name_ok(l->catalog_name))
		saved = pf_xasprintf("%s/" LOCK_AUDIT_SAVED "/%s", c->state_dir, l->catalog_name);
	if (src && x->none) {
		char *f = saved ? pf_path_join(saved, ADVISORIES_FILE) : NULL;
		int before = f && pf_exists(f);

		free(f);
		if (!before)
			goto out;
		/*
		 * Advisories were verified before: a catalog without them now must not count as clean.
		 * The kept copy is used instead (as for an unreachable catalog): it may have come from
		 * the URLs the catalog names in advisories.urls ('pinfold advisories update').
		 */
		cli_warn(c, "'%s': has no %s, but advisories '%s' were verified before; using the copy kept here",
			 src, ADVISORIES_FILE, l->catalog_name);
		free(x->where);
		x->where = NULL;
		x->none = 0;
		free(src);
		src = NULL;
	}
	if (src)
		goto out;
	if (!saved) {
		rc = pf_error(&c->err, PF_ENOTFOUND, "the lock names no usable catalog for its advisories");
		goto out;
	}
	{
		int seeded;

		/* the advisories shipped with pinfold are a fresh machine's saved copy (watch/advisories.h) */
		if (watch_advisories_seed(c->state_dir, cli_default_catalog(), store, &seeded, &c->err)) {
			cli_warn(c, "%s", c->err.msg);
			pf_err_clear(&c->err);
		}
	}
	rc = lock_audit_load_saved(c->state_dir, l->catalog_name, store, &o.policy, &x->a, &x->saved_at,
				   &x->expired, &x->stale, &c->err);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(&c->err);
		rc = pf_error(&c->err, PF_ENOTFOUND, "no reachable catalog and no saved advisories for catalog "
			      "'%s' (check once with --catalog DIR|URL)", l->catalog_name);
	}
	if (rc)
		goto out;
	x->where = saved;
	saved = NULL;
	x->saved = 1;
	warn_age(c, x);
out:
	if (rc)
		cli_adv_release(x);
	free(src);
	free(saved);
	trust_store_free(store);
	return rc;
}

void cli_adv_release(struct cli_adv *x)
{
	if (!x)
		return;
	advisories_release(&x->a);
	free(x->where);
	memset(x, 0, sizeof *x);
}
