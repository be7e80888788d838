/* SPDX-License-Identifier: MIT */
/* The chain of trust for a lock: its signed catalog re-verified, every locked artifact bound to it, eligibility. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/time.h"
#include "ctx/internal.h"
#include "fetch/fetch.h"
#include "lock/lock.h"

/* One problem line; the first one's code is kept. */
static void problem(struct pf_strv *lines, int *first, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem(struct pf_strv *lines, int *first, int code, const char *fmt, ...)
{
	char buf[PF_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!lines->n)
		*first = code;
	pf_strv_push(lines, buf);
}

static void artifact_diff(struct pf_strv *lines, int *first, const struct lock_pkg *p,
			  const struct catalog_artifact *c)
{
	const struct catalog_artifact *a = &p->artifact;

	if (strcmp(a->sha256, c->sha256))
		problem(lines, first, PF_EDIGEST, "%s:%s %s: artifact sha256 %s is not the catalog's %s", p->ecosystem,
			p->name, p->version, a->sha256, c->sha256);
	else if (a->size != c->size)
		problem(lines, first, PF_EDIGEST, "%s:%s %s: artifact size %llu is not the catalog's %llu",
			p->ecosystem, p->name, p->version, (unsigned long long)a->size, (unsigned long long)c->size);
	else if (strcmp(a->file, c->file))
		problem(lines, first, PF_EDIGEST, "%s:%s %s: artifact file '%s' is not the catalog's '%s'",
			p->ecosystem, p->name, p->version, a->file, c->file);
	else if (strcmp(a->format, c->format))
		problem(lines, first, PF_EDIGEST, "%s:%s %s: artifact format '%s' is not the catalog's '%s'",
			p->ecosystem, p->name, p->version, a->format, c->format);
}

int ctx_lock_problems(struct ctx *x, const struct lockfile *l, const struct catalog *cat, struct pf_strv *lines,
		      int *first)
{
	struct solve_policy pol;
	time_t cutoff = 0;
	size_t n0 = lines->n;

	*first = 0;
	if (!l->catalog_name || strcmp(l->catalog_name, cat->name)) {
		problem(lines, first, PF_EUNTRUSTED, "the lock was made from catalog '%s', not '%s'",
			l->catalog_name ? l->catalog_name : "?", cat->name);
		return 1;
	}
	if (cat->version < l->catalog_version) {
		problem(lines, first, PF_EROLLBACK, "catalog '%s' version %lld is older than version %lld the lock "
			"was made from (rollback refused)", cat->name, cat->version, l->catalog_version);
		return 1;
	}
	if (cat->version == l->catalog_version && strcmp(cat->sha256, l->catalog_sha256)) {
		problem(lines, first, PF_EROLLBACK, "catalog '%s' version %lld has other bytes (sha256 %s) than the "
			"version the lock was made from (sha256 %s); substitution refused", cat->name, cat->version,
			cat->sha256, l->catalog_sha256);
		return 1;
	}
	if (l->age_cutoff && pf_time_parse(l->age_cutoff, &cutoff) < 0) {
		problem(lines, first, PF_EFORMAT, "policy.age_cutoff '%s' is not a time", l->age_cutoff);
		return 1;
	}
	/* release age: the lock's own cutoff, and the catalog's floor as it stands now */
	ctx_policy(x, cat->min_age_days, cutoff, NULL, &pol);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		const struct catalog_pkg *cp = catalog_find(cat, p->ecosystem, p->name, p->version);
		char *why;
		int code;

		if (!cp) {
			problem(lines, first, PF_ECHECK, "%s:%s %s is not in catalog '%s' version %lld: %s", p->ecosystem,
				p->name, p->version, cat->name, cat->version,
				cat->version > l->catalog_version ? "no longer vetted; re-lock" : "not vetted");
			continue;
		}
		artifact_diff(lines, first, p, &cp->artifact);
		why = ctx_eligible(&pol, cp, &code, NULL);
		if (why)
			problem(lines, first, code, "%s", why);
		free(why);
	}
	return lines->n > n0;
}

int ctx_lock_bind(struct ctx *x, const struct lockfile *l, const char *label, const struct catalog *cat,
		  const struct advisories *adv, struct ctx_finding **revoked, size_t *nrevoked, struct pf_err *e)
{
	struct pf_strv lines = PF_STRV_INIT;
	int code = 0, rc = 0;

	*revoked = NULL;
	*nrevoked = 0;
	if (ctx_lock_problems(x, l, cat, &lines, &code)) {
		if (lines.n > 1)
			rc = pf_error(e, code, "%s: %s (and %zu more problem%s)", label, lines.v[0], lines.n - 1,
				      lines.n == 2 ? "" : "s");
		else
			rc = pf_error(e, code, "%s: %s", label, lines.v[0]);
	}
	pf_strv_release(&lines);
	/* revocations: the same rule, from the catalog's own verified advisories */
	if (!rc)
		rc = ctx_revocations(l, adv, revoked, nrevoked, e);
	return rc;
}

/* 1 when where cannot be reached at all (as opposed to something in it being bad). */
static int unreachable(const char *where, int rc)
{
	return rc == -PF_ENET || rc == -PF_ENOTFOUND || (!fetch_is_url(where) && !pf_is_dir(where));
}

int ctx_lock_check(struct ctx *x, const struct lockfile *l, const struct ctx_lock_src *src,
		   struct ctx_lock_check *out, struct pf_err *e)
{
	struct ctx_pin pin;
	const char *state;
	char *where;
	int rc;

	memset(out, 0, sizeof *out);
	/* a missing state directory is its own error, not "no reachable catalog" */
	rc = ctx_state_dir(x, &state, e);
	if (rc)
		return rc;
	where = src->catalog ? pf_xstrdup(src->catalog) : ctx_lock_source(l, src->dir);
	if (!where) {
		out->unreachable = 1;
		return pf_error(e, PF_ECHECK, "%s: the lock names no catalog (catalog.source), so its artifacts cannot be "
				"checked; pass --catalog DIR|URL (a lock is a request, checked against its signed "
				"catalog before anything is installed)", src->label);
	}
	ctx_pin_lock(&pin, l);
	rc = ctx_catalog_open(x, where, &pin, &out->cc, e);
	if (rc && unreachable(where, rc)) {
		char msg[PF_ERR_MAX];

		out->unreachable = 1;
		snprintf(msg, sizeof msg, "%s", e->code ? e->msg : pf_strerror(rc));
		pf_err_clear(e);
		rc = pf_error(e, PF_ECHECK, "%s: no reachable catalog to check the lock against: tried '%s' (%s): %s",
			      src->label, where, src->catalog ? "--catalog" : "the lock's catalog.source", msg);
	} else if (rc) {
		char msg[PF_ERR_MAX];

		/* the catalog's own message names its file; the lock is named too */
		snprintf(msg, sizeof msg, "%s", e->code ? e->msg : pf_strerror(rc));
		pf_err_clear(e);
		rc = pf_error(e, -rc, "%s: %s", src->label, msg);
	}
	if (!rc)
		rc = ctx_lock_bind(x, l, src->label, &out->cc.cat, out->cc.has_adv ? &out->cc.adv : NULL, &out->revoked,
				   &out->nrevoked, e);
	free(where);
	if (rc) {
		int u = out->unreachable;

		ctx_lock_check_release(out);
		out->unreachable = u;
	}
	return rc;
}

void ctx_lock_check_release(struct ctx_lock_check *c)
{
	if (!c)
		return;
	ctx_catalog_release(&c->cc);
	free(c->revoked);
	c->revoked = NULL;
	c->nrevoked = 0;
}
