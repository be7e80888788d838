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

/* What the freshness and rollback checks read from a parsed document. */
struct doc_head {
	const char *name;
	long long version;
	const char *expires;
	time_t expires_t;
	const char *sha256;
};

/* What differs between loading a catalog and loading advisories. */
struct doc_kind {
	const char *kind;		/* as the trust state and errors name it */
	const char *payload_type;
	const char *file, *sigfile;
	size_t size;
	int (*parse)(void *doc, const char *label, const char *data, size_t len, struct doc_head *h,
		     struct pf_err *e);
	void (*release)(void *doc);
};

static int parse_catalog(void *doc, const char *label, const char *data, size_t len, struct doc_head *h,
			 struct pf_err *e)
{
	struct catalog *c = doc;
	int rc = catalog_parse(c, label, data, len, e);

	if (!rc)
		*h = (struct doc_head){ c->name, c->version, c->expires, c->expires_t, c->sha256 };
	return rc;
}

static void release_catalog(void *doc)
{
	catalog_release(doc);
}

static int parse_advisories(void *doc, const char *label, const char *data, size_t len, struct doc_head *h,
			    struct pf_err *e)
{
	struct advisories *a = doc;
	int rc = advisories_parse(a, label, data, len, e);

	if (!rc)
		*h = (struct doc_head){ a->name, a->version, a->expires, a->expires_t, a->sha256 };
	return rc;
}

static void release_advisories(void *doc)
{
	advisories_release(doc);
}

static const struct doc_kind CATALOG_KIND = {
	"catalog", CATALOG_PAYLOAD_TYPE, CATALOG_FILE, CATALOG_SIG, sizeof(struct catalog),
	parse_catalog, release_catalog,
};

static const struct doc_kind ADVISORIES_KIND = {
	"advisories", ADVISORIES_PAYLOAD_TYPE, ADVISORIES_FILE, ADVISORIES_SIG, sizeof(struct advisories),
	parse_advisories, release_advisories,
};

/* Signature first, then strict parse, then expiry and rollback; doc is left released on failure. */
static int verify_doc(const struct doc_kind *k, const char *label, const char *data, size_t len,
		      const char *sig, size_t siglen, const struct verify_opts *o, void *doc,
		      struct pf_strv *signers, struct pf_err *e)
{
	struct pf_strv who = PF_STRV_INIT;
	struct doc_head h;
	int rc;

	memset(doc, 0, k->size);
	rc = trust_verify(o->store, label, k->payload_type, data, len, sig, siglen, &o->policy, &who, e);
	if (rc)
		goto out;
	rc = k->parse(doc, label, data, len, &h, e);
	if (rc)
		goto out;
	rc = check_fresh(label, k->kind, h.name, h.version, h.expires, h.expires_t, h.sha256, o, e);
	if (rc) {
		k->release(doc);
		goto out;
	}
	for (size_t i = 0; signers && i < who.n; i++)
		pf_strv_push(signers, who.v[i]);
out:
	pf_strv_release(&who);
	return rc;
}

int catalog_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			 const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
			 struct pf_err *e)
{
	return verify_doc(&CATALOG_KIND, label, data, len, sig, siglen, o, c, signers, e);
}

int advisories_verify_bytes(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
			    const struct verify_opts *o, struct advisories *a, struct pf_strv *signers,
			    struct pf_err *e)
{
	return verify_doc(&ADVISORIES_KIND, label, data, len, sig, siglen, o, a, signers, e);
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

/* Read DIR's document and its signature, then verify_doc(). */
static int open_doc(const struct doc_kind *k, const char *dir, const struct verify_opts *o, void *doc,
		    struct pf_strv *signers, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *label = NULL;
	int rc;

	memset(doc, 0, k->size);
	rc = read_pair(dir, k->file, k->sigfile, o, &label, &data, &sig, e);
	if (!rc)
		rc = verify_doc(k, label, data.p, data.len, sig.p, sig.len, o, doc, signers, e);
	free(label);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

int catalog_open_dir(const char *dir, const struct verify_opts *o, struct catalog *c, struct pf_strv *signers,
		     struct pf_err *e)
{
	return open_doc(&CATALOG_KIND, dir, o, c, signers, e);
}

int advisories_open_dir(const char *dir, const struct verify_opts *o, struct advisories *a,
			struct pf_strv *signers, struct pf_err *e)
{
	return open_doc(&ADVISORIES_KIND, dir, o, a, signers, e);
}
