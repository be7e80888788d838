/* SPDX-License-Identifier: MIT */
/* build_run: a checked lock -> verified artifacts -> staging tree -> reproducible tar+zstd environment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build/build.h"
#include "build/internal.h"
#include "core/fault.h"
#include "core/file.h"
#include "export/sbom.h"
#include "install/constraints.h"
#include "install/install.h"

/* Milliseconds on the monotonic clock, for the phase timings. */
static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stage(const struct build_opts *o, const char *what, size_t done, size_t total)
{
	if (o->stage)
		o->stage(o->ud, what, done, total);
}

/*
 * Everything between the fetched artifacts and the tarball, inside staging
 * (the caller removes it): the environment root staging/env and install's spool.
 */
static int build_tree(const struct build_lock *bl, char **paths, const int *fds, const char *staging,
		      const struct build_opts *o, struct build_result *r, struct pf_err *e)
{
	const struct lockfile *l = &bl->lock;
	struct install_opts io = { staging, l->target_python, o->max_unpacked, 0,
				   lock_self_contained(l->target_runtime) };
	struct install_ctx *x = NULL;
	char *root = pf_path_join(staging, "env"), *p;
	long long t0 = ms_now(), t1;
	int rc;

	rc = pf_mkdir_p(root, 0755, e);
	if (rc)
		goto out;
	stage(o, "installing", 0, l->npkgs);
	rc = install_new(&x, root, &io, e);
	if (!rc) {
		/* Workers install in parallel; the staged tree and the output do not depend on jobs. */
		struct install_pkg *pk = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *pk);

		for (size_t i = 0; i < l->npkgs; i++) {
			const struct lock_pkg *k = &l->pkgs[i];

			pk[i] = (struct install_pkg){ k->ecosystem, k->name, k->version, k->artifact.format,
						      k->artifact.file, paths[i], fds[i], 0 };
			for (size_t j = 0; j < k->nrequested_by; j++)
				pk[i].requested |= !strcmp(k->requested_by[j], "image");
		}
		rc = install_artifacts(x, pk, l->npkgs, o->jobs > 0 ? o->jobs : 1, e);
		free(pk);
	}
	stage(o, NULL, 0, 0);
	if (!rc)
		rc = install_finish(x, e);
	t1 = ms_now();
	r->ms_install = t1 - t0;
	if (rc)
		goto out;
	r->unpacked = install_unpacked(x);
	p = pf_path_join(root, PACK_LOCK);
	rc = pf_write_file(p, bl->bytes.p ? bl->bytes.p : "", bl->bytes.len, 0644, e);
	free(p);
	if (!rc)
		rc = install_constraints(root, l, e);
	/*
	 * SPDX + CycloneDX in .pinfold/. No catalog: vetting data from a catalog
	 * newer than the lock's would make the same lock give other bytes.
	 */
	if (!rc)
		rc = export_sbom_write_env(root, l, NULL, paths, e);
	if (!rc)
		rc = pack_write_build_info(root, l->source_date_epoch, e);
	if (!rc)
		rc = pack_write_manifest(root, x, &r->npaths, e);
	r->ms_meta = ms_now() - t1;
	t1 = ms_now();
	if (!rc) {
		/* Packed inside staging; the caller renames it over OUT (same directory, same filesystem). */
		p = pf_path_join(staging, "out.tar.zst");
		rc = pack_tarball(root, x, p, l->source_date_epoch, &r->pack, e);
		free(p);
	}
	r->ms_pack = ms_now() - t1;
out:
	install_free(x);
	free(root);
	return rc;
}

int build_run(struct ctx *x, const struct build_lock *bl, const struct build_opts *o, struct build_result *r,
	      struct pf_err *e)
{
	const struct lockfile *l = &bl->lock;
	struct fetch_ctx f;
	struct guard guard;
	const struct catalog_artifact **arts = NULL;
	char **paths = NULL, *outdir = NULL, *staging = NULL, *shafile = NULL, *line = NULL;
	int *fds = NULL;
	int rc, wrote_out = 0;

	memset(r, 0, sizeof *r);
	memset(&f, 0, sizeof f);
	memset(&guard, 0, sizeof guard);
	/* a self-contained lock must carry its runtimes: refused before anything is fetched */
	rc = install_check_runtimes(l, bl->label ? bl->label : o->out, e);
	if (rc)
		return rc;
	outdir = pf_dirname(o->out);
	if (!pf_is_dir(outdir)) {
		rc = pf_error(e, PF_ENOTFOUND, "'%s': output directory does not exist", outdir);
		goto out;
	}
	/* Fetch: bundle, cache, then mirrors in order; size and SHA-256 checked before any byte is used. */
	if (o->cache_dir) {
		rc = ctx_private_dir(o->cache_dir, e);
		f.cache_dir = o->cache_dir;
	} else {
		rc = ctx_cache_dir(x, &f.cache_dir, e);
	}
	if (rc)
		goto out;
	if (o->mirrors)
		for (size_t i = 0; i < o->mirrors->n; i++)
			pf_strv_push(&f.mirrors, o->mirrors->v[i]);
	f.jobs = o->jobs > 0 ? o->jobs : 1;
	f.bundle = bl->from_bundle ? bl->bundle.b : NULL;
	f.progress = o->fetch_progress;
	f.progress_ud = o->ud;
	arts = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *arts);
	paths = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *paths);
	fds = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *fds);
	for (size_t i = 0; i < l->npkgs; i++) {
		arts[i] = &l->pkgs[i].artifact;
		fds[i] = -1;
	}
	{
		long long t0 = ms_now();

		rc = fetch_all(&f, arts, l->npkgs, paths, fds, e);
		stage(o, NULL, 0, 0);
		r->ms_fetch = ms_now() - t0;
	}
	if (rc)
		goto out;

	/* Install into a private staging tree next to OUT, removed whatever happens. */
	staging = pf_mkdtemp(outdir, ".pinfold-build-", e);
	if (!staging) {
		rc = -PF_EIO;
		goto out;
	}
	shafile = pf_xasprintf("%s.sha256", o->out);
	guard.interrupted = o->interrupted;
	guard.ud = o->ud;
	guard_start(&guard, staging, o->out, shafile);
	rc = build_tree(bl, paths, fds, staging, o, r, e);
	if (rc)
		goto fail;
	/* The commit: OUT and OUT.sha256 both, or (on a signal) neither. */
	line = pf_xasprintf("%s  %s\n", r->pack.sha256_out, pf_basename(o->out));
	{
		char *p = pf_path_join(staging, "out.tar.zst");

		guard_commit(&guard, 1);
		/*
		 * A SIGKILL cannot be blocked: drop the old checksum first, so that at
		 * every instant OUT.sha256 is absent or matches OUT (old or new).
		 */
		if (unlink(shafile) < 0 && errno != ENOENT)
			rc = pf_error(e, PF_EIO, "'%s': cannot replace: %s", shafile, strerror(errno));
		if (!rc)
			pf_fault(PF_FAULT_RENAME);
		if (!rc && rename(p, o->out) < 0) {
			rc = pf_error(e, PF_EIO, "'%s': cannot write: %s", o->out, strerror(errno));
		} else if (!rc) {
			wrote_out = 1;
			rc = pf_write_file(shafile, line, strlen(line), 0644, e);
		}
		guard_commit(&guard, 0);
		free(p);
	}
fail:
	if (rc) {
		guard_check(&guard);
		if (wrote_out)
			unlink(o->out);
	}
	guard_quiesce(&guard);
	if (staging)
		pf_rm_rf(staging);
	guard_stop(&guard);
out:
	for (size_t i = 0; paths && i < l->npkgs; i++) {
		free(paths[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(paths);
	free(fds);
	free(arts);
	pf_strv_release(&f.mirrors);
	free(staging);
	free(outdir);
	free(shafile);
	free(line);
	return rc;
}
