/* SPDX-License-Identifier: MIT */
/* The lock a build installs: read once, then checked against its signed catalog (or its bundle's). */
#include <stdlib.h>
#include <string.h>

#include "build/build.h"
#include "core/digest.h"
#include "core/file.h"

/* Read the lockfile once: the bytes that are parsed are the bytes that go into .pinfold/lock. */
static int load_file(const char *path, struct build_lock *bl, struct pf_err *e)
{
	int rc = pf_read_file(path, PF_MAX_SMALL, &bl->bytes, e);

	if (!rc)
		rc = lock_parse(&bl->lock, path, bl->bytes.p ? bl->bytes.p : "", bl->bytes.len, e);
	return rc;
}

static void warn_revoked(const struct ctx_finding *f, size_t n, struct pf_err *e)
{
	for (size_t i = 0; i < n; i++)
		pf_warn(e, "%s:%s %s is revoked by %s (%s): %s%s%s", f[i].pkg->ecosystem, f[i].pkg->name,
			f[i].pkg->version, f[i].adv->id, f[i].adv->severity ? f[i].adv->severity : "unrated",
			f[i].adv->reason ? f[i].adv->reason : "", f[i].adv->advice ? "; advice: " : "",
			f[i].adv->advice ? f[i].adv->advice : "");
}

int build_lock_open(struct ctx *x, const struct build_src *src, struct build_lock *out, struct pf_err *e)
{
	const struct ctx_finding *f = NULL;
	const char *advname = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (src->bundle && src->catalog)
		return pf_error(e, PF_EUSAGE, "--catalog does not apply to a bundle: the bundle's own signed catalog is "
				"the one its lock is checked against");
	if (!src->bundle && !src->lock_path)
		return pf_error(e, PF_EUSAGE, "no lockfile");
	if (src->bundle) {
		out->from_bundle = 1;
		rc = ctx_bundle_open(x, src->bundle, 0, &out->bundle, e);
		if (!rc && src->lock_path)
			rc = fetch_bundle_same_lock(&out->bundle.bc, src->lock_path, e);
		if (rc)
			goto out;
		/* the bundle keeps what it verified; the build takes the lock and its bytes */
		out->lock = out->bundle.bc.lock;
		memset(&out->bundle.bc.lock, 0, sizeof out->bundle.bc.lock);
		out->bytes = out->bundle.bc.lock_bytes;
		memset(&out->bundle.bc.lock_bytes, 0, sizeof out->bundle.bc.lock_bytes);
		out->label = pf_xasprintf("%s:%s", src->bundle, BUNDLE_LOCK);
		/* the findings point into the lock, which moved with its arena: only the pointers' owner changed */
		f = out->bundle.revoked;
		n = out->bundle.nrevoked;
		advname = out->bundle.bc.advisories.name;
	} else {
		struct ctx_lock_src ls;
		char *dir;

		out->label = pf_xstrdup(src->lock_path);
		rc = load_file(src->lock_path, out, e);
		if (rc)
			goto out;
		dir = pf_dirname(src->lock_path);
		ls = (struct ctx_lock_src){ src->lock_path, dir, src->catalog };
		rc = ctx_lock_check(x, &out->lock, &ls, &out->check, e);
		free(dir);
		if (rc)
			goto out;
		f = out->check.revoked;
		n = out->check.nrevoked;
		advname = out->check.cc.adv.name;
	}
	warn_revoked(f, n, e);
	if (n && src->allow_revoked)
		pf_warn(e, "building with %zu revoked package%s because of --allow-revoked", n, n == 1 ? "" : "s");
	else if (n)
		rc = pf_error(e, PF_EREVOKED, "'%s': %zu locked package%s revoked by advisories '%s' (first: %s:%s %s); "
			      "lock again to move off %s, or pass --allow-revoked", out->label, n,
			      n == 1 ? " is" : "s are", advname ? advname : "?", f[0].pkg->ecosystem, f[0].pkg->name,
			      f[0].pkg->version, n == 1 ? "it" : "them");
out:
	if (rc)
		build_lock_release(out);
	return rc;
}

void build_lock_release(struct build_lock *bl)
{
	if (!bl)
		return;
	lock_release(&bl->lock);
	pf_buf_release(&bl->bytes);
	free(bl->label);
	ctx_lock_check_release(&bl->check);
	ctx_bundle_close(&bl->bundle);
	memset(bl, 0, sizeof *bl);
}
