/* SPDX-License-Identifier: MIT */
/* Verified loading: signature over the raw bytes, then strict parse, expiry and rollback checks. */
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "core/file.h"
#include "core/time.h"

static int check_fresh(const char *label, const char *kind, const char *name, long long version,
		       const char *expires, time_t expires_t, const char *sha256, const struct verify_opts *o,
		       struct pf_err *e)
{
	char now[PF_TIME_STR];
	int rc;

	pf_time_format(pf_now(), now);
	if (!expires)
		return pf_error(e, PF_EEXPIRED, "'%s': %s '%s' has no expiry time (it was never signed)", label,
				kind, name);
	if (pf_now() >= expires_t)
		return pf_error(e, PF_EEXPIRED, "'%s': %s '%s' version %lld expired at %s (now %s); ask its "
				"curator for a freshly signed copy", label, kind, name, version, expires, now);
	rc = trust_state_check(o->state_dir, kind, name, version, sha256, e);
	if (rc)
		return rc;
	if (o->record)
		rc = trust_state_record(o->state_dir, kind, name, version, sha256, e);
	return rc;
}

int catalog_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			 const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
			 struct pf_err *e)
{
	struct pf_strv who = PF_STRV_INIT;
	int rc;

	memset(c, 0, sizeof *c);
	rc = trust_verify(o->store, label, CATALOG_PAYLOAD_TYPE, data, len, sig, siglen, &o->policy, &who, e);
	if (rc)
		goto out;
	rc = catalog_parse(c, label, data, len, e);
	if (rc)
		goto out;
	rc = check_fresh(label, "catalog", c->name, c->version, c->expires, c->expires_t, c->sha256, o, e);
	if (rc) {
		catalog_release(c);
		goto out;
	}
	for (size_t i = 0; signers && i < who.n; i++)
		pf_strv_push(signers, who.v[i]);
out:
	pf_strv_release(&who);
	return rc;
}

int advisories_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			    const struct verify_opts *o, struct advisories *a, struct pf_strv *signers,
			    struct pf_err *e)
{
	struct pf_strv who = PF_STRV_INIT;
	int rc;

	memset(a, 0, sizeof *a);
	rc = trust_verify(o->store, label, ADVISORIES_PAYLOAD_TYPE, data, len, sig, siglen, &o->policy, &who, e);
	if (rc)
		goto out;
	rc = advisories_parse(a, label, data, len, e);
	if (rc)
		goto out;
	rc = check_fresh(label, "advisories", a->name, a->version, a->expires, a->expires_t, a->sha256, o, e);
	if (rc) {
		advisories_release(a);
		goto out;
	}
	for (size_t i = 0; signers && i < who.n; i++)
		pf_strv_push(signers, who.v[i]);
out:
	pf_strv_release(&who);
	return rc;
}

/* Read DIR/FILE and DIR/FILE.sig with their caps. */
static int read_pair(const char *dir, const char *file, const char *sigfile, const struct verify_opts *o,
		     char **label, struct pf_buf *data, struct pf_buf *sig, struct pf_err *e)
{
	char *sigpath = pf_path_join(dir, sigfile);
	const char *src;
	int rc;

	*label = pf_path_join(dir, file);
	if (trust_store_key_in_dir(o->store, dir, &src)) {
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': the trusted key '%s' lies inside the catalog's own "
			      "directory; trust must come from elsewhere", *label, src);
		goto out;
	}
	rc = pf_read_file(*label, PF_MAX_CATALOG, data, e);
	if (rc)
		goto out;
	rc = pf_read_file(sigpath, PF_MAX_SMALL, sig, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EBADSIG, "'%s': not signed ('%s' is missing; run 'pinfold catalog sign')",
			      *label, sigpath);
	}
out:
	free(sigpath);
	return rc;
}

int catalog_open_dir(const char *dir, const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
		     struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	rc = read_pair(dir, CATALOG_FILE, CATALOG_SIG, o, &label, &data, &sig, e);
	if (!rc)
		rc = catalog_verify_bytes(label, data.p, data.len, sig.p, sig.len, o, c, signers, e);
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

int advisories_open_dir(const char *dir, const struct verify_opts *o, struct advisories *a,
			struct pf_strv *signers, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = NULL;
	int rc;

	memset(a, 0, sizeof *a);
	rc = read_pair(dir, ADVISORIES_FILE, ADVISORIES_SIG, o, &label, &data, &sig, e);
	if (!rc)
		rc = advisories_verify_bytes(label, data.p, data.len, sig.p, sig.len, o, a, signers, e);
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}
