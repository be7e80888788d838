/* SPDX-License-Identifier: MIT */
/* Advisories for watch/: seeding the shipped copy, loading every saved copy, fetching updates. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "core/file.h"
#include "core/yaml.h"
#include "fetch/fetch.h"
#include "ctx/ctx.h"
#include "trust/root.h"
#include "trust/trust.h"
#include "watch/advisories.h"

#define ZERO_SHA "0000000000000000000000000000000000000000000000000000000000000000"

/* The version of the saved copy of name (0 when none or unreadable). */
static long long saved_version(const char *state_dir, const char *name)
{
	static const char *const keys[] = { "name", "version", "sha256", "saved_at", NULL };
	struct pf_ydoc d;
	char *p = pf_xasprintf("%s/" CTX_SAVED_DIR "/%s/saved.yaml", state_dir, name);
	char *adv = pf_xasprintf("%s/" CTX_SAVED_DIR "/%s/" ADVISORIES_FILE, state_dir, name);
	long long v = 0;

	memset(&d, 0, sizeof d);
	if (pf_exists(adv) && !pf_yaml_load(&d, p, PF_MAX_SMALL, NULL) && d.root &&
	    !pf_y_check_map(&d, d.root, "saved advisories", keys, NULL, NULL))
		pf_y_int(&d, d.root, "version", 0, LLONG_MAX, &v, NULL);
	pf_ydoc_release(&d);
	free(p);
	free(adv);
	return v;
}

int watch_advisories_seed(struct ctx *x, const char *shipped_dir, int *seeded, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct pf_strv who = PF_STRV_INIT;
	const struct trust_store *store = NULL;
	const char *state_dir = NULL;
	struct trust_policy pol = { 1, NULL, 0 };
	struct advisories a;
	struct pf_err quiet = { 0 };
	char *file = shipped_dir ? pf_path_join(shipped_dir, ADVISORIES_FILE) : NULL;
	char *sigf = shipped_dir ? pf_path_join(shipped_dir, ADVISORIES_SIG) : NULL;
	long long have;
	int rc = 0, parsed = 0;

	*seeded = 0;
	memset(&a, 0, sizeof a);
	if (!file || !pf_exists(file))
		goto out;
	if ((rc = ctx_state_dir(x, &state_dir, e)) || (rc = ctx_trust_role(x, TRUST_ROLE_ADVISORIES, &store, &pol.threshold, e)))
		goto out;
	/* the shipped copy is only ever used after its signature verified with today's trust store */
	if (pf_read_file(file, PF_MAX_CATALOG, &data, &quiet) || pf_read_file(sigf, PF_MAX_SMALL, &sig, &quiet) ||
	    trust_verify(store, file, ADVISORIES_PAYLOAD_TYPE, data.p, data.len, sig.p, sig.len, &pol, &who, &quiet) ||
	    advisories_parse(&a, file, data.p, data.len, &quiet))
		goto out;	/* not ours to use (another trust store), or not there */
	parsed = 1;
	have = saved_version(state_dir, a.name);
	if (have >= a.version)
		goto out;
	{
		struct trust_doc doc = { "advisories", a.name, a.version, a.sha256, (const char *const *)who.v, who.n,
					 store };

		rc = trust_state_check(state_dir, &doc, &quiet);
		if (rc == -PF_EROLLBACK) {
			/* newer advisories were verified (not saved) since: a stale copy still names bad versions */
			struct pf_err probe = { 0 };
			struct trust_doc next = doc;

			rc = 0;
			next.version = a.version + 1;
			next.sha256 = ZERO_SHA;
			if (a.version == LLONG_MAX || trust_state_check(state_dir, &next, &probe) != -PF_EROLLBACK ||
			    strstr(probe.msg, "different"))
				goto out;	/* the same version with other bytes, or another publisher: never seed */
		} else if (rc) {
			rc = pf_error(e, quiet.code, "%s", quiet.msg);
			goto out;
		} else {
			rc = trust_state_record(state_dir, &doc, e);
			if (rc)
				goto out;
		}
	}
	rc = ctx_saved_write(x, &a, data.p, data.len, sig.p, sig.len, NULL, e);
	if (!rc)
		*seeded = 1;
out:
	if (parsed)
		advisories_release(&a);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	pf_strv_release(&who);
	free(file);
	free(sigf);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int watch_advisories_load(struct ctx *x, const char *shipped_dir, struct watch_advset *out, struct pf_err *e)
{
	struct pf_strv names = PF_STRV_INIT;
	struct verify_opts o;
	const char *state_dir;
	char *dir;
	DIR *d;
	int seeded, rc;

	memset(out, 0, sizeof *out);
	if ((rc = ctx_state_dir(x, &state_dir, e)) || (rc = ctx_verify_opts(x, NULL, &o, e)))
		return rc;
	dir = pf_path_join(state_dir, CTX_SAVED_DIR);
	{
		struct pf_err one = { 0 };

		/* what is kept already is still worth using when the shipped copy cannot be seeded */
		if (watch_advisories_seed(x, shipped_dir, &seeded, &one))
			pf_warn(e, "the advisories shipped with pinfold are not used: %s", one.msg);
	}
	d = opendir(dir);
	if (d) {
		struct dirent *de;

		while ((de = readdir(d)))
			if (catalog_name_ok(de->d_name))
				pf_strv_push(&names, de->d_name);
		closedir(d);
	}
	pf_qsort(names.v, names.n, sizeof *names.v, name_cmp);
	for (size_t i = 0; i < names.n; i++) {
		struct watch_adv w;
		struct pf_err one = { 0 };

		memset(&w, 0, sizeof w);
		if (ctx_saved_load(x, names.v[i], &o, &w.a, &w.saved_at, &w.expired, &w.stale, &one)) {
			if (one.code != PF_ENOTFOUND)
				pf_warn(e, "the saved advisories '%s' are not used: %s", names.v[i], one.msg);
			continue;
		}
		PF_GROW(out->v, out->n + 1, out->cap);
		out->v[out->n++] = w;
	}
	pf_strv_release(&names);
	free(dir);
	return rc;
}

void watch_update_release(struct watch_update *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->from);
	memset(u, 0, sizeof *u);
}

/* One URL (or the catalog's own location): fetched, verified, kept. */
static int update_from(struct ctx *x, const struct catalog *cat, const char *src, const struct verify_opts *o,
		       struct watch_update *u, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct pf_strv who = PF_STRV_INIT;
	struct advisories a;
	char *label = fetch_is_url(src) ? pf_xasprintf("%s/%s", src, ADVISORIES_FILE) : pf_path_join(src, ADVISORIES_FILE);
	int rc, parsed = 0;

	memset(&a, 0, sizeof a);
	rc = fetch_small(src, ADVISORIES_FILE, PF_MAX_CATALOG, &data, e);
	if (!rc) {
		rc = fetch_small(src, ADVISORIES_SIG, PF_MAX_SMALL, &sig, e);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(e);
			rc = pf_error(e, PF_EBADSIG, "'%s': not signed (%s is missing)", label, ADVISORIES_SIG);
		}
	}
	if (rc)
		goto out;
	/* the name is checked before the state is raised: a foreign feed never moves this catalog's state */
	{
		struct verify_opts norec = *o;

		norec.record = 0;
		rc = advisories_verify_bytes(label, data.p, data.len, sig.p ? sig.p : "", sig.len, &norec, &a, &who, e);
	}
	if (rc)
		goto out;
	parsed = 1;
	if (strcmp(a.name, cat->name)) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': holds advisories '%s', not those of catalog '%s'", label, a.name,
			      cat->name);
		goto out;
	}
	if (o->record && o->state_dir) {
		struct trust_doc doc = { "advisories", a.name, a.version, a.sha256, (const char *const *)who.v, who.n,
					 o->adv_store ? o->adv_store : o->store };

		rc = trust_state_record(o->state_dir, &doc, e);
	}
	if (!rc)
		rc = ctx_saved_write(x, &a, data.p, data.len, sig.p ? sig.p : "", sig.len, cat, e);
	if (rc)
		goto out;
	u->from = pf_xstrdup(src);
	u->version = a.version;
	u->count = a.n;
out:
	if (parsed)
		advisories_release(&a);
	pf_strv_release(&who);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(label);
	return rc;
}

int watch_advisories_update(struct ctx *x, const struct catalog *cat, const char *where,
			    const struct verify_opts *o, struct watch_update *u, struct pf_err *e)
{
	const char *state_dir;
	const char *const *urls = cat->advisory_urls;
	size_t nurls = cat->nadvisory_urls, missing = 0;
	struct pf_err last = { 0 };
	int rc = -PF_ENOTFOUND;

	memset(u, 0, sizeof *u);
	if ((rc = ctx_state_dir(x, &state_dir, e)))
		return rc;
	rc = -PF_ENOTFOUND;
	u->name = pf_xstrdup(cat->name);
	u->before = saved_version(state_dir, cat->name);
	if (!nurls) {
		urls = &where;
		nurls = 1;
	}
	for (size_t i = 0; i < nurls; i++) {
		if (last.code && last.code != PF_ENOTFOUND)
			pf_warn(e, "%s; trying the next URL", last.msg);
		memset(&last, 0, sizeof last);
		rc = update_from(x, cat, urls[i], o, u, &last);
		if (!rc)
			return 0;
		missing += rc == -PF_ENOTFOUND;
	}
	if (missing == nurls) {
		if (u->before)
			return pf_error(e, PF_EROLLBACK, "catalog '%s' publishes no advisories now, but version %lld was "
					"kept before; refusing to treat that as nothing revoked", cat->name, u->before);
		u->none = 1;
		return 0;
	}
	/* a refusal says more than a missing mirror */
	return pf_error(e, last.code ? last.code : -rc, "%s", last.msg[0] ? last.msg : pf_strerror(rc));
}

/* ---- remembered catalogs ---- */

static char *sources_path(const char *state_dir)
{
	return pf_xasprintf("%s/watch/sources", state_dir);
}

int watch_sources_list(const char *state_dir, struct pf_strv *out, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	char *p = sources_path(state_dir);
	int rc = pf_read_file(p, PF_MAX_SMALL, &b, e);

	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = 0;
	}
	for (char *s = b.p, *nl; !rc && s && *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl) {
			rc = pf_error(e, PF_EFORMAT, "'%s': the last line has no newline", p);
			break;
		}
		*nl = '\0';
		if (*s)
			pf_strv_push(out, s);
	}
	pf_buf_release(&b);
	free(p);
	return rc;
}

int watch_sources_add(const char *state_dir, const char *where, struct pf_err *e)
{
	struct pf_strv have = PF_STRV_INIT;
	struct pf_buf b = PF_BUF_INIT;
	char *abs = fetch_is_url(where) ? pf_xstrdup(where) : realpath(where, NULL);
	char *dir = pf_path_join(state_dir, "watch"), *p = sources_path(state_dir);
	int rc;

	if (!abs)
		abs = pf_xstrdup(where);
	if (strchr(abs, '\n'))
		rc = pf_error(e, PF_EUSAGE, "'%s': a newline in a catalog location", where);
	else
		rc = watch_sources_list(state_dir, &have, e);
	if (!rc && !pf_strv_contains(&have, abs)) {
		for (size_t i = 0; i < have.n; i++)
			pf_buf_addf(&b, "%s\n", have.v[i]);
		pf_buf_addf(&b, "%s\n", abs);
		rc = pf_mkdir_p(dir, 0700, e);
		if (!rc)
			rc = pf_write_file(p, b.p, b.len, 0600, e);
	}
	pf_strv_release(&have);
	pf_buf_release(&b);
	free(abs);
	free(dir);
	free(p);
	return rc;
}
