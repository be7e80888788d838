/* SPDX-License-Identifier: MIT */
/* Audit: which locked packages signed advisories revoke, and the saved copies of verified advisories. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/publish.h"
#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "lock/audit.h"
#include "solve/solve.h"
#include "trust/trust.h"

/* PEP 503: lowercase, runs of '-', '_' and '.' are one '-'. */
static int pypi_name_eq(const char *a, const char *b)
{
	for (;;) {
		int sa = 0, sb = 0;

		while (*a == '-' || *a == '_' || *a == '.') {
			sa = 1;
			a++;
		}
		while (*b == '-' || *b == '_' || *b == '.') {
			sb = 1;
			b++;
		}
		if (sa != sb)
			return 0;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

static int name_eq(const char *eco, const char *a, const char *b)
{
	return !strcmp(eco, "pypi") ? pypi_name_eq(a, b) : !strcmp(a, b);
}

int lock_audit(const struct lockfile *l, const struct advisories *a, struct audit_finding **out, size_t *n,
	       struct pf_err *e)
{
	struct audit_finding *v = NULL;
	size_t nv = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		for (size_t j = 0; j < a->n; j++) {
			const struct advisory *x = &a->items[j];
			int hit = 0;

			if (strcmp(x->ecosystem, p->ecosystem) || !name_eq(p->ecosystem, x->name, p->name))
				continue;
			if (x->range) {
				hit = solve_version_in_range(p->ecosystem, p->version, x->range, e);
				if (hit < 0) {
					pf_err_clear(e);
					rc = pf_error(e, PF_EFORMAT, "advisory '%s': range '%s' does not apply to "
						      "%s:%s %s", x->id, x->range, p->ecosystem, p->name, p->version);
					goto out;
				}
			} else {
				for (size_t k = 0; k < x->nversions && !hit; k++)
					hit = !strcmp(x->versions[k], p->version);
			}
			if (!hit)
				continue;
			PF_GROW(v, nv + 1, cap);
			v[nv].pkg = p;
			v[nv].adv = x;
			nv++;
		}
	}
out:
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* ---- saved copies ---- */

static void tsv_field(struct pf_buf *b, const char *s)
{
	for (; s && *s; s++)
		pf_buf_addc(b, (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s);
}

static char *saved_dir(const char *state_dir, const char *name)
{
	return pf_xasprintf("%s/" LOCK_AUDIT_SAVED "/%s", state_dir, name);
}

int lock_audit_save(const char *state_dir, const struct advisories *a, const char *data, size_t len,
		    const char *sig, size_t siglen, struct pf_err *e)
{
	struct pf_buf idx = PF_BUF_INIT, meta = PF_BUF_INIT;
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *m;
	char now[PF_TIME_STR];
	char *dir = NULL, *p = NULL;
	int rc;

	if (!catalog_name_ok(a->name))
		return pf_error(e, PF_EFORMAT, "advisories: '%s' is not a valid name", a->name);
	dir = saved_dir(state_dir, a->name);
	rc = pf_mkdir_p(dir, 0700, e);
	if (rc)
		goto out;
	for (size_t i = 0; i < a->n; i++) {
		const struct advisory *x = &a->items[i];

		for (size_t k = 0; k < x->nversions; k++) {
			tsv_field(&idx, x->ecosystem);
			pf_buf_addc(&idx, '\t');
			tsv_field(&idx, x->name);
			pf_buf_addc(&idx, '\t');
			tsv_field(&idx, x->versions[k]);
			pf_buf_addc(&idx, '\t');
			tsv_field(&idx, x->id);
			pf_buf_addc(&idx, '\t');
			tsv_field(&idx, x->severity);
			pf_buf_addc(&idx, '\t');
			tsv_field(&idx, x->reason);
			pf_buf_addc(&idx, '\n');
		}
	}
	pf_time_format(pf_now(), now);
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
	p = NULL;
out:
	free(dir);
	pf_buf_release(&idx);
	pf_buf_release(&meta);
	pf_yw_release(&w);
	return rc;
}

int lock_audit_load_saved(const char *state_dir, const char *name, const struct trust_store *store,
			  const struct trust_policy *policy, struct advisories *a, time_t *saved_at,
			  int *expired, int *stale, struct pf_err *e)
{
	static const char *const keys[] = { "name", "version", "sha256", "saved_at", NULL };
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct pf_ydoc d;
	char *dir = NULL, *p = NULL;
	const char *at = NULL, *sha = NULL;
	int rc;

	memset(a, 0, sizeof *a);
	memset(&d, 0, sizeof d);
	*saved_at = 0;
	*expired = 0;
	*stale = 0;
	if (!catalog_name_ok(name))
		return pf_error(e, PF_EFORMAT, "advisories: '%s' is not a valid name", name);
	dir = saved_dir(state_dir, name);
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
	rc = trust_verify(store, p, ADVISORIES_PAYLOAD_TYPE, data.p, data.len, sig.p, sig.len, policy, NULL, e);
	if (!rc)
		rc = advisories_parse(a, p, data.p, data.len, e);
	if (rc)
		goto out;
	if (strcmp(a->name, name)) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': holds advisories '%s', not '%s'", p, a->name, name);
		goto out;
	}
	rc = trust_state_check(state_dir, "advisories", a->name, a->version, a->sha256, e);
	if (rc == -PF_EROLLBACK && a->version < LLONG_MAX) {
		struct pf_err probe = { 0 };

		/*
		 * Older than what was verified since (say by 'pinfold lock', which does not save a
		 * copy), or the same version with other bytes? Probe the state with the next
		 * version: it is refused exactly when the state holds a newer one. A stale copy
		 * is still signed and still names bad versions, so it is used, flagged.
		 */
		if (trust_state_check(state_dir, "advisories", a->name, a->version + 1,
				      "0000000000000000000000000000000000000000000000000000000000000000",
				      &probe) == -PF_EROLLBACK) {
			pf_err_clear(e);
			*stale = 1;
			rc = 0;
		}
	}
	if (rc)
		goto out;
	*expired = !a->expires || pf_now() >= a->expires_t;
	free(p);
	p = pf_path_join(dir, "saved.yaml");
	/* saved.yaml is written last: it tells the age only when it describes these bytes */
	if (!pf_yaml_load(&d, p, PF_MAX_SMALL, e) && d.root &&
	    !pf_y_check_map(&d, d.root, "saved advisories", keys, NULL, e) &&
	    !pf_y_str(&d, d.root, "saved_at", &at, e) && at && !pf_y_str(&d, d.root, "sha256", &sha, e) && sha &&
	    !strcmp(sha, a->sha256))
		pf_time_parse(at, saved_at);
	pf_err_clear(e);	/* saved.yaml only tells the age; its absence is not an error */
out:
	if (rc)
		advisories_release(a);
	pf_ydoc_release(&d);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(dir);
	free(p);
	return rc;
}
