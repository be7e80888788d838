/* SPDX-License-Identifier: MIT */
/* pinfold build: lock -> verified artifacts -> staging tree -> reproducible tar+zstd environment. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/advisories.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/watch.h"
#include "core/digest.h"
#include "core/fault.h"
#include "core/file.h"
#include "export/sbom.h"
#include "fetch/bundle.h"
#include "fetch/fetch.h"
#include "install/constraints.h"
#include "install/install.h"
#include "lock/audit.h"
#include "lock/lock.h"
#include "pack/pack.h"
#include "trust/trust.h"

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	}
	if (*end == 'i' && end[-1] != *s)
		end++;
	if (*end == 'B')
		end++;
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

static void help(void)
{
	cli_print_usage(stdout, "build");
	fputs("\nOptions:\n"
	      "  -o, --output OUT.tar.zst     the environment tarball (also writes OUT.sha256)\n"
	      "  --mirror DIR|URL             where artifacts are found by file name (repeatable, in order)\n"
	      "  --bundle FILE.pfb            take the lock, the signed catalog and the artifacts from a bundle\n"
	      "                               (verified first; LOCKFILE may then be omitted, or must match)\n"
	      "  --catalog DIR|URL            check the lock against this catalog's advisories (default: the\n"
	      "                               catalog recorded in the lock, else the saved verified copy)\n"
	      "  --allow-revoked              build even when advisories revoke a locked version (warns per package)\n"
	      "  --cache DIR                  content-addressed cache (default $XDG_CACHE_HOME/pinfold)\n"
	      "  --jobs N                     parallel fetches (the output never depends on it)\n"
	      "  --max-unpacked-size BYTES    refuse to unpack more (default 2G; K, M, G suffixes)\n", stdout);
}

/*
 * Refuse a lock that contains a version the verified advisories revoke,
 * unless allow (then warn per package). bundled: the advisories a bundle
 * carried (already verified), used unless --catalog names another catalog.
 * When no advisories can be found at all, the lock is built with a warning.
 */
static int check_revoked(struct cli *c, const struct lockfile *l, const char *lockpath,
			 const struct advisories *bundled, const char *catalog, int allow)
{
	struct cli_adv adv;
	const struct advisories *a = bundled;
	struct audit_finding *f = NULL;
	char *lockdir = lockpath ? pf_dirname(lockpath) : NULL;
	size_t n = 0;
	int rc = 0;

	memset(&adv, 0, sizeof adv);
	if (!a || catalog) {
		rc = cli_advisories_open(c, l, lockdir, catalog, 0, &adv);
		if (rc == -PF_ENOTFOUND && !catalog) {
			/* Loud only when the lock names a catalog that is gone; hand-made locks name none. */
			if (l->catalog_source)
				cli_warn(c, "the lock was not checked against advisories: %s", c->err.msg);
			else
				cli_debug(c, "the lock was not checked against advisories: %s", c->err.msg);
			pf_err_clear(&c->err);
			rc = 0;
			goto out;
		}
		if (rc || adv.none)
			goto out;
		a = &adv.a;
	}
	rc = lock_audit(l, a, &f, &n, &c->err);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++)
		cli_warn(c, "%s:%s %s is revoked by %s (%s): %s%s%s", f[i].pkg->ecosystem, f[i].pkg->name,
			 f[i].pkg->version, f[i].adv->id, f[i].adv->severity ? f[i].adv->severity : "unrated",
			 f[i].adv->reason ? f[i].adv->reason : "", f[i].adv->advice ? "; advice: " : "",
			 f[i].adv->advice ? f[i].adv->advice : "");
	if (n && allow)
		cli_warn(c, "building with %zu revoked package%s because of --allow-revoked", n, n == 1 ? "" : "s");
	else if (n)
		rc = pf_error(&c->err, PF_EREVOKED, "'%s': %zu locked package%s revoked by advisories '%s' "
			      "(first: %s:%s %s); lock again to move off %s, or pass --allow-revoked",
			      lockpath ? lockpath : "bundle", n, n == 1 ? " is" : "s are", a->name,
			      f[0].pkg->ecosystem, f[0].pkg->name, f[0].pkg->version, n == 1 ? "it" : "them");
out:
	free(f);
	free(lockdir);
	cli_adv_release(&adv);
	return rc;
}

/* Milliseconds on the monotonic clock, for -v phase timings. */
static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Interrupts during a build: the signals are blocked in every thread and one
 * thread waits for them. It takes the commit lock (so OUT and OUT.sha256 are
 * either both in place or not yet touched), marks the build as aborting (the
 * main thread then parks instead of printing or cleaning up), removes what the
 * build wrote (the staging directory, which also holds the unfinished tarball;
 * OUT and OUT.sha256 when they were already committed) and exits. The staging
 * directory is first renamed away and a plain file put at its name, so the
 * still running build cannot create anything under it again.
 */
struct guard {
	pthread_t tid;
	pthread_mutex_t mu;	/* held around the commit and while the guard cleans up */
	sigset_t set;
	const char *staging, *out, *shafile;
	int on, aborting, stopping, committed;
};

static _Noreturn void park(void)
{
	for (;;)
		pause();
}

static void *guard_wait(void *arg)
{
	struct guard *g = arg;
	int sig = 0;

	while (sigwait(&g->set, &sig) == 0) {
		char *dead;
		int fd;

		pthread_mutex_lock(&g->mu);
		if (g->stopping) {	/* the build has finished; its outcome stands */
			pthread_mutex_unlock(&g->mu);
			continue;
		}
		__atomic_store_n(&g->aborting, 1, __ATOMIC_SEQ_CST);
		if (g->committed) {
			unlink(g->out);
			unlink(g->shafile);
		}
		dead = pf_xasprintf("%s.interrupted", g->staging);
		fd = -1;
		if (rename(g->staging, dead) == 0) {
			fd = open(g->staging, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			pf_rm_rf(dead);
		} else {
			pf_rm_rf(g->staging);
		}
		fprintf(stderr, "pinfold: error: build interrupted (signal %d); nothing was written\n", sig);
		/* the placeholder goes last, so the build cannot recreate the tree in between */
		if (fd >= 0) {
			close(fd);
			unlink(g->staging);
		}
		_exit(128 + sig);
	}
	return NULL;
}

static void guard_start(struct guard *g, const char *staging, const char *out, const char *shafile)
{
	sigemptyset(&g->set);
	sigaddset(&g->set, SIGINT);
	sigaddset(&g->set, SIGTERM);
	sigaddset(&g->set, SIGHUP);
	pthread_mutex_init(&g->mu, NULL);
	g->staging = staging;
	g->out = out;
	g->shafile = shafile;
	g->on = !pthread_sigmask(SIG_BLOCK, &g->set, NULL) && !pthread_create(&g->tid, NULL, guard_wait, g);
}

/* The main thread stops here for good when the guard has taken over. */
static void guard_check(struct guard *g)
{
	if (g->on && __atomic_load_n(&g->aborting, __ATOMIC_SEQ_CST))
		park();
}

/* Enter (1) and leave (0) the commit: renaming OUT into place and writing OUT.sha256. */
static void guard_commit(struct guard *g, int enter)
{
	if (!g->on)
		return;
	if (enter) {
		pthread_mutex_lock(&g->mu);
		if (g->aborting)
			park();
	} else {
		g->committed = 1;
		pthread_mutex_unlock(&g->mu);
	}
}

/* From here the build's own cleanup and exit status stand; later signals are swallowed. */
static void guard_quiesce(struct guard *g)
{
	if (!g->on)
		return;
	pthread_mutex_lock(&g->mu);
	if (g->aborting)
		park();
	g->stopping = 1;
	pthread_mutex_unlock(&g->mu);
}

static void guard_stop(struct guard *g)
{
	if (!g->on)
		return;
	pthread_cancel(g->tid);
	pthread_join(g->tid, NULL);
	/*
	 * The signals stay blocked: the build's outcome stands from here, and a
	 * signal arriving while pinfold tears down and exits must not turn a
	 * committed OUT into "killed". Pending ones are discarded at exit.
	 */
	pthread_mutex_destroy(&g->mu);
	g->on = 0;
}

/*
 * Everything between the lock and the tarball, inside staging (the caller
 * removes it): the environment root staging/env and install's spool.
 */
static int build(struct cli *c, struct lockfile *l, const struct pf_buf *lockbytes, char **paths,
		 const int *fds, const char *staging, uint64_t max_unpacked, int jobs, const char *out, struct pack_result *res,
		 size_t *npaths)
{
	struct install_opts io = { staging, l->target_python, max_unpacked, 0, lock_self_contained(l->target_runtime) };
	struct install_ctx *x = NULL;
	struct cli_bar bar;
	char *root = pf_path_join(staging, "env"), *p;
	long long t0 = ms_now(), t1;
	int rc;

	rc = pf_mkdir_p(root, 0755, &c->err);
	if (rc)
		goto out;
	cli_bar_init(&bar, c, "installing");
	cli_bar_step(&bar, "installing", 0, l->npkgs);
	rc = install_new(&x, root, &io, &c->err);
	if (!rc) {
		/* Workers install in parallel; the staged tree and the output do not depend on jobs. */
		struct install_pkg *pk = pf_xcalloc(l->npkgs ? l->npkgs : 1, sizeof *pk);

		for (size_t i = 0; i < l->npkgs; i++) {
			const struct lock_pkg *k = &l->pkgs[i];

			pk[i] = (struct install_pkg){ k->ecosystem, k->name, k->version, k->artifact.format,
						      k->artifact.file, paths[i], fds[i] };
			cli_debug(c, "installing %s:%s %s from %s", k->ecosystem, k->name, k->version, paths[i]);
		}
		rc = install_artifacts(x, pk, l->npkgs, jobs, &c->err);
		free(pk);
	}
	cli_bar_done(&bar);
	if (!rc)
		rc = install_finish(x, &c->err);
	t1 = ms_now();
	if (!rc)
		cli_debug(c, "installed %zu packages (%llu bytes unpacked) in %lld ms", l->npkgs,
			  (unsigned long long)install_unpacked(x), t1 - t0);
	if (rc)
		goto out;
	p = pf_path_join(root, PACK_LOCK);
	rc = pf_write_file(p, lockbytes->p, lockbytes->len, 0644, &c->err);
	free(p);
	if (!rc)
		rc = install_constraints(root, l, &c->err);
	/* SPDX + CycloneDX in .pinfold/; vetting is recorded once build holds the verified catalog */
	if (!rc)
		rc = export_sbom_write_env(root, l, NULL, paths, &c->err);
	if (!rc)
		rc = pack_write_build_info(root, l->source_date_epoch, &c->err);
	if (!rc)
		rc = pack_write_manifest(root, x, npaths, &c->err);
	if (!rc)
		cli_debug(c, "constraints, metadata and manifest in %lld ms", ms_now() - t1);
	t1 = ms_now();
	if (!rc) {
		/* Packed inside staging; the caller renames it over OUT (same directory, same filesystem). */
		p = pf_path_join(staging, "out.tar.zst");
		rc = pack_tarball(root, x, p, l->source_date_epoch, res, &c->err);
		free(p);
		if (!rc)
			cli_debug(c, "packed %llu bytes of tar into %llu bytes in %lld ms", (unsigned long long)res->tar_size,
				  (unsigned long long)res->out_size, ms_now() - t1);
	}
out:
	install_free(x);
	free(root);
	return rc;
}

int cmd_build(struct cli *c, int argc, char **argv)
{
	enum { OPT_MIRROR = 256, OPT_CACHE, OPT_JOBS, OPT_MAX, OPT_BUNDLE, OPT_CATALOG, OPT_ALLOW_REVOKED };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "mirror", required_argument, NULL, OPT_MIRROR },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "max-unpacked-size", required_argument, NULL, OPT_MAX },
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "allow-revoked", no_argument, NULL, OPT_ALLOW_REVOKED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fetch_ctx f;
	struct lockfile l;
	struct pf_buf lockbytes = PF_BUF_INIT;
	struct pack_result res;
	struct guard guard = { 0 };
	const struct catalog_artifact **arts = NULL;
	char **paths = NULL, *cache = NULL, *outdir = NULL, *staging = NULL, *shafile = NULL, *line = NULL;
	int *fds = NULL;
	const char *out = NULL, *lockpath, *bundle = NULL, *catalog = NULL;
	struct fetch_bundle *fb = NULL;
	struct fetch_bundle_contents bc;
	struct trust_store *store = NULL;
	uint64_t max_unpacked = INSTALL_DEFAULT_MAX_UNPACKED;
	size_t npaths = 0;
	int opt, rc = 0, status, have_lock = 0, jobs = 1, wrote_out = 0, allow_revoked = 0;
	char hex[PF_SHA256_HEX];

	memset(&f, 0, sizeof f);
	memset(&bc, 0, sizeof bc);
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case OPT_MIRROR: pf_strv_push(&f.mirrors, optarg); break;
		case OPT_CACHE: free(cache); cache = pf_xstrdup(optarg); break;
		case OPT_BUNDLE: bundle = optarg; break;
		case OPT_CATALOG: catalog = optarg; break;
		case OPT_ALLOW_REVOKED: allow_revoked = 1; break;
		case OPT_JOBS: {
			long v;

			if (cli_parse_long(optarg, 1, 64, &v)) {
				status = cli_usage(c, "build", "--jobs: expected a number from 1 to 64");
				goto done;
			}
			jobs = (int)v;
			break;
		}
		case OPT_MAX:
			if (parse_size(optarg, &max_unpacked) < 0) {
				status = cli_usage(c, "build", "--max-unpacked-size: '%s' is not a size in bytes", optarg);
				goto done;
			}
			break;
		case 'h':
			help();
			status = 0;
			goto done;
		default:
			status = cli_bad_option(c, "build", argv);
			goto done;
		}
	}
	if (bundle && optind == argc && out) {
		lockpath = NULL;
		goto from_bundle;
	}
	if (optind != argc - 1 || !out) {
		status = cli_usage(c, "build", optind != argc - 1 ? "expected one LOCKFILE" : "-o OUT.tar.zst is required");
		goto done;
	}
	lockpath = argv[optind];
	if (bundle)
		goto from_bundle;

	rc = lock_load(&l, lockpath, &c->err);
	if (rc)
		goto fail;
	have_lock = 1;
	/* The exact bytes go into .pinfold/lock; they must be the bytes that were parsed. */
	rc = pf_read_file(lockpath, PF_MAX_SMALL, &lockbytes, &c->err);
	pf_sha256_hex(lockbytes.p ? lockbytes.p : "", lockbytes.len, hex);
	if (!rc && l.sha256[0] && strcmp(hex, l.sha256))
		rc = pf_error(&c->err, PF_EIO, "'%s': changed while it was read", lockpath);
	if (rc)
		goto fail;
	goto have_lockbytes;
from_bundle:
	/* The bundle's catalog is verified (signature, expiry, rollback) and its lock bound to it. */
	rc = cli_trust_store(c, &store);
	if (!rc)
		rc = fetch_bundle_open(bundle, &fb, &c->err);
	if (!rc) {
		struct verify_opts vo;

		cli_verify_opts(c, store, 1, &vo);
		rc = fetch_bundle_load(fb, &vo, 0, &bc, &c->err);
	}
	if (!rc && lockpath)
		rc = fetch_bundle_same_lock(&bc, lockpath, &c->err);
	if (rc)
		goto fail;
	l = bc.lock;
	memset(&bc.lock, 0, sizeof bc.lock);
	have_lock = 1;
	lockbytes = bc.lock_bytes;
	memset(&bc.lock_bytes, 0, sizeof bc.lock_bytes);
	f.bundle = fb;
have_lockbytes:
	rc = check_revoked(c, &l, lockpath, bc.has_advisories ? &bc.advisories : NULL, catalog, allow_revoked);
	if (!rc)
		rc = install_check_runtimes(&l, lockpath ? lockpath : bundle, &c->err);
	if (rc)
		goto fail;
	outdir = pf_dirname(out);
	if (!pf_is_dir(outdir)) {
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': output directory does not exist", outdir);
		goto fail;
	}

	/* Fetch: cache, then mirrors in order; size and SHA-256 checked before any byte is used. */
	f.cache_dir = cache ? cache : (cache = fetch_default_cache_dir());
	f.jobs = jobs;
	arts = pf_xcalloc(l.npkgs ? l.npkgs : 1, sizeof *arts);
	paths = pf_xcalloc(l.npkgs ? l.npkgs : 1, sizeof *paths);
	fds = pf_xcalloc(l.npkgs ? l.npkgs : 1, sizeof *fds);
	for (size_t i = 0; i < l.npkgs; i++) {
		arts[i] = &l.pkgs[i].artifact;
		fds[i] = -1;
	}
	{
		struct cli_bar bar;
		long long t0 = ms_now();

		cli_bar_init(&bar, c, "fetching");
		f.progress = cli_bar_fetch;
		f.progress_ud = &bar;
		rc = fetch_all(&f, arts, l.npkgs, paths, fds, &c->err);
		cli_bar_done(&bar);
		if (!rc)
			cli_debug(c, "fetched and checked %zu artifacts in %lld ms", l.npkgs, ms_now() - t0);
	}
	if (rc)
		goto fail;

	/* Install into a private staging tree next to OUT, removed whatever happens. */
	staging = pf_mkdtemp(outdir, ".pinfold-build-", &c->err);
	if (!staging) {
		rc = -PF_EIO;
		goto fail;
	}
	shafile = pf_xasprintf("%s.sha256", out);
	guard_start(&guard, staging, out, shafile);
	rc = build(c, &l, &lockbytes, paths, fds, staging, max_unpacked, jobs, out, &res, &npaths);
	if (rc)
		goto fail;
	/* The commit: OUT and OUT.sha256 both, or (on a signal) neither. */
	line = pf_xasprintf("%s  %s\n", res.sha256_out, pf_basename(out));
	{
		char *p = pf_path_join(staging, "out.tar.zst");

		guard_commit(&guard, 1);
		/*
		 * A SIGKILL cannot be blocked: drop the old checksum first, so that at
		 * every instant OUT.sha256 is absent or matches OUT (old or new).
		 */
		if (unlink(shafile) < 0 && errno != ENOENT)
			rc = pf_error(&c->err, PF_EIO, "'%s': cannot replace: %s", shafile, strerror(errno));
		if (!rc)
			pf_fault(PF_FAULT_RENAME);
		if (!rc && rename(p, out) < 0) {
			rc = pf_error(&c->err, PF_EIO, "'%s': cannot write: %s", out, strerror(errno));
		} else if (!rc) {
			wrote_out = 1;
			rc = pf_write_file(shafile, line, strlen(line), 0644, &c->err);
		}
		guard_commit(&guard, 0);
		free(p);
	}
	if (rc)
		goto fail;
	cli_info(c, "built '%s': %zu packages, %zu paths, %llu bytes (tar %llu bytes)", out, l.npkgs, npaths,
		 (unsigned long long)res.out_size, (unsigned long long)res.tar_size);
	cli_out(c, "sha256 %s  %s", res.sha256_out, out);
	cli_out(c, "sha256 %s  (uncompressed tar)", res.sha256_tar);
	cli_env_used(c, out, "build");	/* the registry: audit --all covers it from now on */
	status = 0;
	goto done;
fail:
	guard_check(&guard);
	if (wrote_out)
		unlink(out);
	status = cli_fail(c, rc);
done:
	guard_quiesce(&guard);
	if (staging) {
		pf_rm_rf(staging);
		free(staging);
	}
	guard_stop(&guard);
	for (size_t i = 0; paths && have_lock && i < l.npkgs; i++) {
		free(paths[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	free(paths);
	free(fds);
	free(arts);
	if (have_lock)
		lock_release(&l);
	fetch_bundle_contents_release(&bc);
	fetch_bundle_close(fb);
	trust_store_free(store);
	pf_strv_release(&f.mirrors);
	pf_buf_release(&lockbytes);
	free(cache);
	free(outdir);
	free(shafile);
	free(line);
	return status;
}
