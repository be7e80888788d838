/* SPDX-License-Identifier: MIT */
/* The verified advisories kept in the state dir: for offline audits and the environment's activation hook. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/publish.h"
#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "ctx/internal.h"
#include "trust/trust.h"

static void tsv_field(struct pf_buf *b, const char *s)
{
	for (; s && *s; s++)
		pf_buf_addc(b, (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

static void index_line(struct pf_buf *b, const struct advisory *x, const char *version)
{
	tsv_field(b, x->ecosystem);
	pf_buf_addc(b, '\t');
	tsv_field(b, x->name);
	pf_buf_addc(b, '\t');
	tsv_field(b, version);
	pf_buf_addc(b, '\t');
	tsv_field(b, x->id);
	pf_buf_addc(b, '\t');
	tsv_field(b, x->severity);
	pf_buf_addc(b, '\t');
	tsv_field(b, x->reason);
	pf_buf_addc(b, '\t');
	/* the normalised form the hook compares (the environment carries the same for its packages) */
	solve_match_key(x->ecosystem, x->name, version, b);
	pf_buf_addc(b, '\n');
}

/* One line per exact version; a range as the versions of the catalog that it covers. */
static void build_index(const struct advisories *a, const struct catalog *cat, struct pf_buf *idx)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct advisory *x = &a->items[i];

		for (size_t k = 0; k < x->nversions; k++)
			index_line(idx, x, x->versions[k]);
		for (size_t k = 0; x->range && cat && k < cat->npkgs; k++) {
			const struct catalog_pkg *p = &cat->pkgs[k];

			if (solve_advisory_covers(x, p->ecosystem, p->name, p->version) == 1)
				index_line(idx, x, p->version);
		}
	}
}

static char *saved_dir(const char *state, const char *name)
{
	return pf_xasprintf("%s/" CTX_SAVED_DIR "/%s", state, name);
}

int ctx_saved_write(struct ctx *x, const struct advisories *a, const char *data, size_t len, const char *sig,
		    size_t siglen, const struct catalog *cat, struct pf_err *e)
{
	struct pf_buf idx = PF_BUF_INIT, meta = PF_BUF_INIT;
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *m;
	char now[PF_TIME_STR];
	const char *state;
	char *dir = NULL, *p = NULL;
	int rc;

	if (!catalog_name_ok(a->name))
		return pf_error(e, PF_EFORMAT, "advisories: '%s' is not a valid name", a->name);
	if ((rc = ctx_state_dir(x, &state, e)))
		return rc;
	dir = saved_dir(state, a->name);
	rc = pf_mkdir_p(dir, 0700, e);
	if (rc)
		goto out;
	build_index(a, cat, &idx);
	pf_time_format(x->now, now);
	m = pf_yw_map(&w);
	pf_yw_set_str(&w, m, "name", a->name);
	pf_yw_set_int(&w, m, "version", a->version);
	pf_yw_set_str(&w, m, "sha256", a->sha256);
	pf_yw_set_str(&w, m, "saved_at", now);
	pf_yaml_emit(m, &meta);

	/* The pair as catalog sign publishes it: a kill at any instant leaves a pair that verifies. */
	{
		struct pf_buf body = { (char *)data, len, len }, sb = { (char *)sig, siglen, siglen };

		rc = catalog_publish(dir, ADVISORIES_FILE, ADVISORIES_SIG, &body, &sb, e);
	}
	p = pf_path_join(dir, "index.tsv");
	if (!rc)
		rc = pf_write_file(p, idx.p ? idx.p : "", idx.len, 0644, e);
	free(p);
	p = pf_path_join(dir, "saved.yaml");
	if (!rc)
		rc = pf_write_file(p, meta.p, meta.len, 0644, e);
	free(p);
out:
	free(dir);
	pf_buf_release(&idx);
	pf_buf_release(&meta);
	pf_yw_release(&w);
	return rc;
}

int ctx_adv_seen(struct ctx *x, const char *name)
{
	struct pf_err quiet = { 0 };
	const char *state;
	long long v;

	return name && ctx_state_dir(x, &state, &quiet) == 0 &&
	       trust_state_version(state, "advisories", name, &v, &quiet) == 0;
}

int ctx_saved_load(struct ctx *x, const char *name, const struct verify_opts *o, struct advisories *a,
		   time_t *saved_at, int *expired, int *stale, struct pf_err *e)
{
	static const char *const keys[] = { "name", "version", "sha256", "saved_at", NULL };
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct pf_strv who = PF_STRV_INIT;
	struct verify_opts ao;
	struct pf_ydoc d;
	const char *state, *at = NULL, *sha = NULL;
	char *dir = NULL, *p = NULL;
	long long have = 0;
	int rc;

	memset(a, 0, sizeof *a);
	memset(&d, 0, sizeof d);
	*saved_at = 0;
	*expired = 0;
	*stale = 0;
	if (!catalog_name_ok(name))
		return pf_error(e, PF_EFORMAT, "advisories: '%s' is not a valid name", name);
	if ((rc = ctx_state_dir(x, &state, e)))
		return rc;
	dir = saved_dir(state, name);
	p = pf_path_join(dir, ADVISORIES_FILE);
	if (!pf_exists(p)) {
		rc = pf_error(e, PF_ENOTFOUND, "no saved advisories for '%s' in '%s'", name, dir);
		goto out;
	}
	rc = pf_read_file(p, PF_MAX_CATALOG, &data, e);
	free(p);
	p = pf_path_join(dir, ADVISORIES_SIG);
	if (!rc)
		rc = pf_read_file(p, PF_MAX_SMALL, &sig, e);
	free(p);
	p = pf_path_join(dir, ADVISORIES_FILE);
	if (rc)
		goto out;
	verify_opts_advisories(o, &ao);
	rc = trust_verify(ao.store, p, ADVISORIES_PAYLOAD_TYPE, data.p, data.len, sig.p, sig.len, &ao.policy, &who, e);
	if (!rc)
		rc = advisories_parse(a, p, data.p, data.len, e);
	if (rc)
		goto out;
	if (strcmp(a->name, name)) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': holds advisories '%s', not '%s'", p, a->name, name);
		goto out;
	}
	rc = trust_state_version(state, "advisories", name, &have, e);
	if (rc < 0)
		goto out;
	{
		struct trust_doc doc = { "advisories", a->name, a->version, a->sha256, (const char *const *)who.v,
					 who.n, ao.store };

		/*
		 * Older than what was verified since: still signed, still names bad
		 * versions, so it is used, flagged stale; only its signers are held
		 * to the state (a version above any recorded one skips the rest).
		 */
		if (rc == 0 && have > a->version) {
			*stale = 1;
			doc.version = LLONG_MAX;
		}
		rc = trust_state_check(state, &doc, e);
	}
	if (rc)
		goto out;
	*expired = !a->expires || x->now >= a->expires_t;
	free(p);
	p = pf_path_join(dir, "saved.yaml");
	if (!pf_yaml_load(&d, p, PF_MAX_SMALL, e) && d.root &&
	    !pf_y_check_map(&d, d.root, "saved advisories", keys, NULL, e) &&
	    !pf_y_str(&d, d.root, "saved_at", &at, e) && at && !pf_y_str(&d, d.root, "sha256", &sha, e) && sha &&
	    !strcmp(sha, a->sha256))
		pf_time_parse(at, saved_at);	/* saved.yaml is written last: the age only when it describes these bytes */
	pf_err_clear(e);	/* saved.yaml only tells the age; its absence is not an error */
out:
	if (rc)
		advisories_release(a);
	pf_ydoc_release(&d);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	pf_strv_release(&who);
	free(dir);
	free(p);
	return rc;
}
