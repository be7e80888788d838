/* SPDX-License-Identifier: MIT */
/* The verified advisories for a lock: from its catalog, else the saved copy (revocation checks only). */
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/time.h"
#include "ctx/internal.h"
#include "fetch/fetch.h"
#include "lock/lock.h"

char *ctx_lock_source(const struct lockfile *l, const char *dir)
{
	const char *s = l->catalog_source;

	if (!s || !*s)
		return NULL;
	if (fetch_is_url(s) || s[0] == '/')
		return pf_xstrdup(s);
	return dir ? pf_path_join(dir, s) : NULL;
}

/* 1 when where cannot be reached at all (as opposed to a file in it being bad). */
static int unreachable(const char *where, int rc)
{
	return rc == -PF_ENET || (!fetch_is_url(where) && !pf_is_dir(where));
}

static void warn_age(struct ctx *x, const struct ctx_adv *a, struct pf_err *e)
{
	char when[PF_TIME_STR];
	long long days = (long long)(x->now - a->saved_at) / 86400;

	/* A current saved copy (its age is in the command's summary) needs no warning; an old one does. */
	if (!a->saved_at) {
		pf_warn(e, "using the saved advisories '%s' version %lld (age unknown)", a->a.name, a->a.version);
	} else if (days > CTX_ADV_CURRENT_DAYS) {
		pf_time_format(a->saved_at, when);
		pf_warn(e, "using the advisories '%s' version %lld last verified at %s (%lld days old); run "
			"'pinfold advisories update'", a->a.name, a->a.version, when, days);
	}
	if (a->stale)
		pf_warn(e, "newer advisories '%s' than version %lld were verified since; run 'pinfold audit "
			"--catalog DIR|URL' once to save them", a->a.name, a->a.version);
	if (a->expired)
		pf_warn(e, "advisories '%s' expired at %s; newer advisories may exist", a->a.name,
			a->a.expires ? a->a.expires : "?");
}

int ctx_advisories_open(struct ctx *x, const struct lockfile *l, const char *catalog, int offline,
			struct ctx_adv *out, struct pf_err *e)
{
	struct ctx_pin pin;
	struct verify_opts o;
	int rc;

	memset(out, 0, sizeof *out);
	ctx_pin_lock(&pin, l);
	if (catalog && !offline) {
		struct ctx_catalog cc;

		rc = ctx_catalog_open(x, catalog, &pin, &cc, e);
		if (!rc) {
			out->where = pf_xstrdup(catalog);
			if (cc.has_adv) {
				out->a = cc.adv;
				memset(&cc.adv, 0, sizeof cc.adv);
				cc.has_adv = 0;
			} else {
				out->none = 1;
			}
			ctx_catalog_release(&cc);
			return 0;
		}
		if (!unreachable(catalog, rc))
			return rc;
		pf_warn(e, "%s", e->code ? e->msg : pf_strerror(rc));
		pf_warn(e, "'%s' cannot be reached; falling back to the saved advisories", catalog);
		pf_err_clear(e);
	}
	if (!l->catalog_name || !catalog_name_ok(l->catalog_name))
		return pf_error(e, PF_ENOTFOUND, "the lock names no usable catalog for its advisories");
	rc = ctx_verify_opts(x, &pin, &o, e);
	if (rc)
		return rc;
	rc = ctx_saved_load(x, l->catalog_name, &o, &out->a, &out->saved_at, &out->expired, &out->stale, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		return pf_error(e, PF_ENOTFOUND, "no reachable catalog and no saved advisories for catalog '%s' "
				"(check once with --catalog DIR|URL)", l->catalog_name);
	}
	if (rc)
		return rc;
	out->saved = 1;
	{
		const char *state = NULL;

		ctx_state_dir(x, &state, e);
		out->where = pf_xasprintf("%s/" CTX_SAVED_DIR "/%s", state ? state : "", l->catalog_name);
	}
	warn_age(x, out, e);
	return 0;
}

void ctx_adv_release(struct ctx_adv *a)
{
	if (!a)
		return;
	advisories_release(&a->a);
	free(a->where);
	memset(a, 0, sizeof *a);
}
