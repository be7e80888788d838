/* SPDX-License-Identifier: MIT */
/* The current root of trust (built in, or the newest accepted here), the role keys it gives, and its update walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "ctx/ctx.h"
#include "fetch/bundle.h"
#include "fetch/fetch.h"
#include "trust/root.h"

/* The rollback state's entry for the root: STATE/root/pinfold ("version N", "sha256 HEX"). */
#define ROOT_KIND "root"
#define ROOT_NAME "pinfold"

int ctx_trust_overridden(const struct ctx *x)
{
	return x->trust_files.n || x->trust_dir;
}

static void root_free(struct trust_root *r)
{
	trust_root_release(r);
	free(r);
}

static char *stored_path(const char *state, long long version, const char *suffix)
{
	char name[64];
	char *dir = pf_path_join(state, CTX_ROOTS_DIR), *p;

	snprintf(name, sizeof name, "%lld.root.yaml%s", version, suffix);
	p = pf_path_join(dir, name);
	free(dir);
	return p;
}

/* The root version `version` from STATE/roots/, checked against the recorded SHA-256. */
static int load_stored(const char *state, long long version, struct trust_root *r, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *path = stored_path(state, version, ""), *sigp = stored_path(state, version, ".sig");
	int rc;

	rc = pf_read_file(path, TRUST_ROOT_MAX, &data, e);
	if (!rc)
		rc = pf_read_file(sigp, TRUST_ROOT_SIG_MAX, &sig, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EROLLBACK, "'%s': root version %lld was accepted on this machine, but its file is "
			      "gone (run 'pinfold trust update' from a source that has it)", path, version);
	}
	if (!rc)
		rc = trust_root_load(path, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len, r, e);
	if (!rc && r->version != version) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': holds root version %lld, not %lld", path, r->version, version);
		trust_root_release(r);
	}
	if (!rc) {
		struct trust_doc d = { ROOT_KIND, ROOT_NAME, r->version, r->sha256, NULL, 0, NULL };

		if ((rc = trust_state_check(state, &d, e)))
			trust_root_release(r);
	}
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(path);
	free(sigp);
	return rc;
}

/* The first trusted root: --root FILE (with FILE.sig), else the built-in one. Self-signed either way. */
static int load_anchor(struct ctx *x, struct trust_root *r, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	char *sigp;
	int rc;

	if (!x->root_file) {
		rc = trust_root_load("built-in root", trust_builtin_root, trust_builtin_root_len, trust_builtin_root_sig,
				     trust_builtin_root_sig_len, r, e);
		return rc ? pf_error(e, PF_EINTERNAL, "the built-in root does not verify (a broken build)") : 0;
	}
	sigp = pf_xasprintf("%s.sig", x->root_file);
	rc = pf_read_file(x->root_file, TRUST_ROOT_MAX, &data, e);
	if (!rc) {
		rc = pf_read_file(sigp, TRUST_ROOT_SIG_MAX, &sig, e);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(e);
			rc = pf_error(e, PF_EBADSIG, "'%s': not signed ('%s' is missing)", x->root_file, sigp);
		}
	}
	if (!rc)
		rc = trust_root_load(x->root_file, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len, r, e);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	free(sigp);
	return rc;
}

int ctx_root(struct ctx *x, const struct trust_root **out, const char **from, struct pf_err *e)
{
	struct trust_root *r;
	const char *state;
	long long version = 0;
	int rc, recorded;

	*out = NULL;
	if (x->root)
		goto done;
	if ((rc = ctx_state_dir(x, &state, e)))
		return rc;
	r = pf_xcalloc(1, sizeof *r);
	if ((rc = load_anchor(x, r, e))) {
		free(r);
		return rc;
	}
	rc = trust_state_version(state, ROOT_KIND, ROOT_NAME, &version, e);
	recorded = rc == 0;
	if (rc < 0)
		goto fail;
	rc = 0;
	if (recorded && version > r->version) {
		/* a newer root was accepted here: it, never the older anchor */
		trust_root_release(r);
		if ((rc = load_stored(state, version, r, e)))
			goto fail;
		x->root_from = stored_path(state, r->version, "");
	} else {
		/* the anchor; when its version was recorded, with the same bytes */
		struct trust_doc d = { ROOT_KIND, ROOT_NAME, r->version, r->sha256, NULL, 0, NULL };

		if (recorded && (rc = trust_state_check(state, &d, e)))
			goto fail;
		x->root_from = pf_xstrdup(x->root_file ? x->root_file : "built-in");
	}
	x->root = r;
done:
	*out = x->root;
	if (from)
		*from = x->root_from;
	return 0;
fail:
	trust_root_release(r);
	free(r);
	return rc;
}

/* Where a walk reads roots: a directory or URL (fetch_small), or a bundle's roots/ entries. */
struct source {
	const char *where;
	struct fetch_bundle *bundle;
};

/* Read name from the source; 1 (nothing set) when it is not there. */
static int fetch_opt(const struct source *src, const char *name, size_t max, struct pf_buf *out, struct pf_err *e)
{
	int rc;

	if (src->bundle) {
		char *entry = pf_xasprintf("%s%s", BUNDLE_ROOTS_PREFIX, name);

		rc = fetch_bundle_read(src->bundle, entry, max, out, e);
		free(entry);
	} else {
		rc = fetch_small(src->where, name, max, out, e);
	}
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		return 1;
	}
	return rc;
}

static char *label_of(const struct source *src, const char *name)
{
	if (src->bundle)
		return pf_xasprintf("%s:%s%s", src->where, BUNDLE_ROOTS_PREFIX, name);
	return fetch_is_url(src->where) ? pf_xasprintf("%s/%s", src->where, name) : pf_path_join(src->where, name);
}

static int walk(struct ctx *x, const struct source *src, struct ctx_root_update *u, struct pf_err *e)
{
	struct trust_root *chain = NULL;	/* the roots accepted by this walk, in order */
	const struct trust_root *start, *cur;
	struct pf_buf data = PF_BUF_INIT, sig = PF_BUF_INIT;
	const char *state;
	char name[64];
	size_t n = 0;
	int rc;

	memset(u, 0, sizeof *u);
	if ((rc = ctx_state_dir(x, &state, e)) || (rc = ctx_root(x, &start, NULL, e)))
		return rc;
	u->from = u->to = start->version;
	/* the source's copy of the trusted version must be the same bytes: another one is a fork */
	snprintf(name, sizeof name, "%lld.root.yaml", start->version);
	rc = fetch_opt(src, name, TRUST_ROOT_MAX, &data, e);
	if (rc < 0)
		goto out;
	if (rc == 0 && (data.len != start->data.len || memcmp(data.p, start->data.p, data.len))) {
		char *label = label_of(src, name);

		rc = pf_error(e, PF_EROLLBACK, "'%s': another root version %lld than the one trusted here (refused)",
			      label, start->version);
		free(label);
		goto out;
	}
	rc = 0;
	chain = pf_xcalloc(TRUST_ROOT_WALK_MAX, sizeof *chain);
	cur = start;
	for (; n < TRUST_ROOT_WALK_MAX; n++) {
		char *label;

		snprintf(name, sizeof name, "%lld.root.yaml", cur->version + 1);
		pf_buf_release(&data);
		pf_buf_release(&sig);
		rc = fetch_opt(src, name, TRUST_ROOT_MAX, &data, e);
		if (rc == 1) {
			rc = 0;
			break;
		}
		if (rc)
			goto out;
		label = label_of(src, name);
		snprintf(name, sizeof name, "%lld.root.yaml.sig", cur->version + 1);
		rc = fetch_opt(src, name, TRUST_ROOT_SIG_MAX, &sig, e);
		if (rc == 1)
			rc = pf_error(e, PF_EBADSIG, "'%s': not signed (%s is missing)", label, name);
		if (!rc)
			rc = trust_root_next(cur, label, data.p ? data.p : "", data.len, sig.p ? sig.p : "", sig.len,
					     &chain[n], e);
		free(label);
		if (rc)
			goto out;
		cur = &chain[n];
	}
	if (n == TRUST_ROOT_WALK_MAX) {
		snprintf(name, sizeof name, "%lld.root.yaml", cur->version + 1);
		pf_buf_release(&data);
		rc = fetch_opt(src, name, TRUST_ROOT_MAX, &data, e);
		if (rc < 0)
			goto out;
		u->more = rc == 0;
		rc = 0;
	}
	if (!n)
		goto out;
	{
		char *label;

		snprintf(name, sizeof name, "%lld.root.yaml", cur->version);
		label = label_of(src, name);
		rc = trust_root_check_expiry(cur, label, x->now, e);	/* the final one only */
		free(label);
		if (rc)
			goto out;
	}
	/* store every new root (history, and what bundles carry), then raise the version: the commit point */
	{
		char *dir = pf_path_join(state, CTX_ROOTS_DIR);

		rc = pf_mkdir_p(dir, 0700, e);
		free(dir);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *p = stored_path(state, chain[i].version, ""), *ps = stored_path(state, chain[i].version, ".sig");

		rc = pf_write_file(ps, chain[i].sig.p ? chain[i].sig.p : "", chain[i].sig.len, 0600, e);
		if (!rc)
			rc = pf_write_file(p, chain[i].data.p, chain[i].data.len, 0600, e);
		free(p);
		free(ps);
	}
	if (!rc) {
		struct trust_doc d = { ROOT_KIND, ROOT_NAME, cur->version, cur->sha256, NULL, 0, NULL };

		rc = trust_state_record(state, &d, e);
	}
	if (!rc) {
		struct trust_root *keep = pf_xcalloc(1, sizeof *keep);

		*keep = *cur;	/* moved out of the chain */
		memset(&chain[n - 1], 0, sizeof chain[n - 1]);
		root_free(x->root);
		free(x->root_from);
		x->root = keep;
		x->root_from = stored_path(state, keep->version, "");
		/* the override store is unaffected; role stores come from x->root */
		u->to = keep->version;
	}
out:
	for (size_t i = 0; chain && i < TRUST_ROOT_WALK_MAX; i++)
		trust_root_release(&chain[i]);
	free(chain);
	pf_buf_release(&data);
	pf_buf_release(&sig);
	return rc;
}

void ctx_root_release(struct ctx *x)
{
	root_free(x->root);
	free(x->root_from);
	x->root = NULL;
	x->root_from = NULL;
}

int ctx_root_update(struct ctx *x, const char *src, struct ctx_root_update *u, struct pf_err *e)
{
	struct source s = { src, NULL };

	return walk(x, &s, u, e);
}

int ctx_root_update_bundle(struct ctx *x, struct fetch_bundle *b, struct ctx_root_update *u, struct pf_err *e)
{
	struct source s = { b->path, b };

	return walk(x, &s, u, e);
}

int ctx_root_files(struct ctx *x, struct pf_strv *paths, struct pf_err *e)
{
	const struct trust_root *r;
	const char *state;
	int rc;

	if ((rc = ctx_state_dir(x, &state, e)) || (rc = ctx_root(x, &r, NULL, e)))
		return rc;
	for (long long v = 2; v <= r->version; v++) {
		char *p = stored_path(state, v, ""), *ps = stored_path(state, v, ".sig");

		if (pf_exists(p) && pf_exists(ps)) {
			pf_strv_push_owned(paths, p);
			pf_strv_push_owned(paths, ps);
		} else {
			free(p);
			free(ps);
		}
	}
	return 0;
}
