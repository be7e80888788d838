/* SPDX-License-Identifier: MIT */
/* pinfold lock: resolve an image against its verified catalog into a deterministic lockfile. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/source.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "fetch/fetch.h"
#include "lock/lock.h"
#include "solve/solve.h"

static const char usage[] =
	"usage: pinfold lock IMAGE [-o LOCKFILE] [--check] [--upgrade ECO:NAME]... [--upgrade-all]\n"
	"                    [--relax-policy --reason TEXT]\n"
	"Resolve IMAGE against its verified catalog and write a lockfile.\n\n"
	"  -o, --output LOCKFILE   where to write (default: lockfiles/NAME.lock when the image sits in\n"
	"                          images/ beside lockfiles/, else NAME.lock beside the image)\n"
	"      --check             write nothing; exit 1 when the lock is out of date with the image\n"
	"                          or no longer satisfies the catalog's current policy\n"
	"      --upgrade ECO:NAME  let this package move to its newest eligible version\n"
	"      --upgrade-all       ignore every pin of the existing lock\n"
	"      --relax-policy      accept a weaker policy than the existing lock's (needs --reason)\n"
	"      --reason TEXT       why; recorded in the lock as policy.relax_reason\n";

static char *default_output(const struct image *im)
{
	char *dir = pf_dirname(im->path), *parent = NULL, *lockdir = NULL, *out;

	if (!strcmp(pf_basename(dir), "images")) {
		parent = pf_dirname(dir);
		lockdir = pf_path_join(parent, "lockfiles");
	}
	if (lockdir && pf_is_dir(lockdir))
		out = pf_xasprintf("%s/%s.lock", lockdir, im->name);
	else
		out = pf_xasprintf("%s/%s.lock", dir, im->name);
	free(dir);
	free(parent);
	free(lockdir);
	return out;
}

/* Path of target relative to directory from (both made absolute); caller frees. */
static char *relative_to(const char *from, const char *target)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct pf_buf out = PF_BUF_INIT;
	size_t i = 0, common = 0;

	if (!realpath(from, a) || !realpath(target, b))
		return pf_xstrdup(target);
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			common = i;
		i++;
	}
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	for (const char *p = a + common; *p; p++)
		if (*p == '/')
			pf_buf_adds(&out, out.len ? "/.." : "..");
	if (b[common] == '/')
		pf_buf_addf(&out, "%s%s", out.len ? "" : ".", b + common);
	if (!out.len)
		pf_buf_adds(&out, ".");
	return pf_buf_detach(&out, NULL);
}

static int same_set(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		int found = 0;

		for (size_t j = 0; j < nb && !found; j++)
			found = !strcmp(a[i], b[j]);
		if (!found)
			return 0;
	}
	for (size_t j = 0; j < nb; j++) {
		int found = 0;

		for (size_t i = 0; i < na && !found; i++)
			found = !strcmp(a[i], b[j]);
		if (!found)
			return 0;
	}
	return 1;
}

/* Lock-level constraints that the new lock would weaken; one line each into changes. */
static void relaxations(const struct lockfile *old, const struct image *im, int min_age,
			const struct cli_catalog *cc, struct pf_strv *changes)
{
	if (old->min_age_days > min_age)
		pf_strv_push_owned(changes, pf_xasprintf("policy.min_age_days would drop from %d to %d",
							 old->min_age_days, min_age));
	if (old->ntrust_keys && !im->ntrust_keys)
		pf_strv_push_owned(changes, pf_xstrdup("the image no longer pins the catalog's signing keys "
						       "(trust: was set in the lock)"));
	else if (old->ntrust_keys) {
		for (size_t i = 0; i < old->ntrust_keys; i++) {
			int kept = 0;

			for (size_t j = 0; j < im->ntrust_keys && !kept; j++)
				kept = !strcmp(old->trust_keys[i], im->trust_keys[j]);
			if (!kept)
				pf_strv_push_owned(changes, pf_xasprintf("trust pin: key %.16s... was removed", old->trust_keys[i]));
		}
		if (im->trust_threshold < old->trust_threshold)
			pf_strv_push_owned(changes, pf_xasprintf("trust.threshold would drop from %d to %d",
								 old->trust_threshold, im->trust_threshold));
	}
	if (old->ncatalog_keys &&
	    !same_set(old->catalog_keys, old->ncatalog_keys, (const char *const *)cc->signers.v, cc->signers.n)) {
		struct pf_buf was = PF_BUF_INIT, now = PF_BUF_INIT;

		for (size_t i = 0; i < old->ncatalog_keys; i++)
			pf_buf_addf(&was, "%s%.16s", i ? ", " : "", old->catalog_keys[i]);
		for (size_t i = 0; i < cc->signers.n; i++)
			pf_buf_addf(&now, "%s%.16s", i ? ", " : "", cc->signers.v[i]);
		pf_strv_push_owned(changes, pf_xasprintf("catalog '%s' is now signed by other keys (was %s, now %s)",
							 cc->cat.name, pf_buf_cstr(&was), pf_buf_cstr(&now)));
		pf_buf_release(&was);
		pf_buf_release(&now);
	}
}

/* Differences that make an existing lock out of date; one line each. */
static void check_lock(const struct lockfile *old, const struct lockfile *new, const struct cli_catalog *cc,
		       const struct solve_policy *pol, struct pf_strv *diff)
{
	time_t cutoff;

	if (strcmp(old->image_sha256, new->image_sha256))
		pf_strv_push(diff, "the image changed since the lock was written");
	if (old->min_age_days != new->min_age_days)
		pf_strv_push_owned(diff, pf_xasprintf("policy.min_age_days is %d, the lock has %d", new->min_age_days,
						      old->min_age_days));
	if (pf_time_parse(old->age_cutoff, &cutoff) < 0)
		cutoff = 0;
	for (size_t i = 0; i < old->npkgs; i++) {
		const struct lock_pkg *p = &old->pkgs[i];
		const struct catalog_pkg *cp = catalog_find(&cc->cat, p->ecosystem, p->name, p->version);
		const struct lock_pkg *q = lock_find(new, p->ecosystem, p->name);
		char *why;
		time_t pub;

		if (!cp) {
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s is no longer in the vetted catalog", p->ecosystem,
							      p->name, p->version));
			continue;
		}
		if (strcmp(cp->artifact.sha256, p->artifact.sha256) || cp->artifact.size != p->artifact.size)
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s: the catalog pins another artifact", p->ecosystem,
							      p->name, p->version));
		why = solve_policy_exclusion(pol, cp);
		if (why)
			pf_strv_push_owned(diff, why);
		/* never eligible: published after the lock's own cutoff */
		if (cp->published && pf_date_parse(cp->published, &pub) == 0 && cutoff && pub > cutoff)
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s was published %s, after the lock's age cutoff %s",
							      p->ecosystem, p->name, p->version, cp->published,
							      old->age_cutoff));
		if (!q)
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s is locked but no longer needed", p->ecosystem,
							      p->name, p->version));
		else if (strcmp(q->version, p->version))
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s is locked at %s, resolving gives %s", p->ecosystem,
							      p->name, p->version, q->version));
	}
	for (size_t i = 0; i < new->npkgs; i++)
		if (!lock_find(old, new->pkgs[i].ecosystem, new->pkgs[i].name))
			pf_strv_push_owned(diff, pf_xasprintf("%s:%s %s is needed but not locked", new->pkgs[i].ecosystem,
							      new->pkgs[i].name, new->pkgs[i].version));
}

static char *cache_dir(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (x && *x == '/')
		return pf_xasprintf("%s/pinfold/solv", x);
	if (h && *h)
		return pf_xasprintf("%s/.cache/pinfold/solv", h);
	return NULL;
}

int cmd_lock(struct cli *c, int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_UPGRADE, OPT_UPGRADE_ALL, OPT_RELAX, OPT_REASON };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "upgrade", required_argument, NULL, OPT_UPGRADE },
		{ "upgrade-all", no_argument, NULL, OPT_UPGRADE_ALL },
		{ "relax-policy", no_argument, NULL, OPT_RELAX },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *reason = NULL;
	int check = 0, upgrade_all = 0, relax = 0, have_old = 0, opt, rc = 0, status;
	struct pf_strv upgrade = PF_STRV_INIT, changes = PF_STRV_INIT;
	struct image im;
	struct cli_catalog cc;
	struct lockfile old, new;
	struct solve_pool *sp = NULL;
	struct solve_result res;
	struct solve_pin *pins = NULL;
	char *out = NULL, *cdir = NULL, *lockdir = NULL, *outdir = NULL;
	char cutoff_s[PF_TIME_STR];
	int min_age;
	time_t today, newest = 0;

	memset(&im, 0, sizeof im);
	memset(&cc, 0, sizeof cc);
	memset(&old, 0, sizeof old);
	memset(&new, 0, sizeof new);
	memset(&res, 0, sizeof res);
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case OPT_CHECK: check = 1; break;
		case OPT_UPGRADE:
			if (!strchr(optarg, ':')) {
				pf_strv_release(&upgrade);
				return cli_usage(c, "lock", "--upgrade: '%s' is not ECOSYSTEM:NAME", optarg);
			}
			pf_strv_push(&upgrade, optarg);
			break;
		case OPT_UPGRADE_ALL: upgrade_all = 1; break;
		case OPT_RELAX: relax = 1; break;
		case OPT_REASON: reason = optarg; break;
		case 'h':
			fputs(usage, stdout);
			pf_strv_release(&upgrade);
			return 0;
		default:
			pf_strv_release(&upgrade);
			return cli_bad_option(c, "lock", argv);
		}
	}
	if (optind + 1 != argc) {
		pf_strv_release(&upgrade);
		return cli_usage(c, "lock", "expected one IMAGE");
	}
	if (relax && (!reason || !*reason)) {
		pf_strv_release(&upgrade);
		return cli_usage(c, "lock", "--relax-policy needs --reason TEXT (it is recorded in the lock)");
	}
	if (reason && !relax) {
		pf_strv_release(&upgrade);
		return cli_usage(c, "lock", "--reason goes with --relax-policy");
	}

	rc = image_load(&im, argv[optind], &c->err);
	if (rc)
		goto out;
	{
		struct solve_target t = { im.target_python, im.target_platform,
					  (const char *const *)im.host_provides, im.nhost_provides };

		cdir = cache_dir();
		if (solve_cache_secret_load(c->state_dir, &c->err) < 0) {
			/* no key to authenticate the cache with: solve without it */
			cli_debug(c, "solver cache off: %s", c->err.msg);
			pf_err_clear(&c->err);
			free(cdir);
			cdir = NULL;
		}
		/* --check compares with the parsed catalog; a plain lock may reuse the solver cache */
		rc = check ? cli_catalog_open(c, im.catalog_resolved, &im, &cc)
			   : cli_catalog_open_cached(c, im.catalog_resolved, &im, cdir, &t, &cc);
	}
	if (rc)
		goto out;
	min_age = im.min_age_days >= 0 ? im.min_age_days : cc.cat.min_age_days;
	if (min_age < cc.cat.min_age_days) {
		rc = pf_error(&c->err, PF_EPOLICY, "'%s': policy.min_age_days %d is below the catalog's %d; an image "
			      "may only make the release-age delay longer", im.path, min_age, cc.cat.min_age_days);
		goto out;
	}
	out = output ? pf_xstrdup(output) : default_output(&im);
	if (pf_exists(out)) {
		rc = lock_load(&old, out, &c->err);
		if (rc)
			goto out;
		have_old = 1;
	} else if (check) {
		rc = pf_error(&c->err, PF_ECHECK, "'%s': no lockfile; run 'pinfold lock %s'", out, argv[optind]);
		goto out;
	}

	/* Lock-level constraints never relax silently. */
	if (have_old)
		relaxations(&old, &im, min_age, &cc, &changes);
	if (changes.n && !relax && !check) {
		for (size_t i = 0; i < changes.n; i++)
			fprintf(stderr, "pinfold: error: %s\n", changes.v[i]);
		rc = pf_error(&c->err, PF_EPOLICY, "'%s': the new lock would weaken the existing lock's policy; if "
			      "that is intended, rerun with --relax-policy --reason TEXT", out);
		goto out;
	}

	{
		struct solve_target t = { im.target_python, im.target_platform,
					  (const char *const *)im.host_provides, im.nhost_provides };
		struct solve_policy pol = { min_age, 0, cc.has_adv ? &cc.adv : NULL };
		struct solve_request req;
		size_t npins = 0;

		/* Day granularity: published dates are days, and a lock made twice on one day is the same. */
		today = pf_now() - pf_now() % 86400;
		pol.now = today;
		if (cc.header_only) {
			sp = cc.pool;	/* authenticated when it was loaded */
			cc.pool = NULL;
		}
		if (!sp)
			rc = solve_pool_new(&cc.cat, &t, cdir, &sp, &c->err);
		if (rc)
			goto out;
		cli_debug(c, "solver pool %s", solve_pool_from_cache(sp) ? "loaded from the authenticated cache"
			  : "built from the catalog");
		if (have_old && old.catalog_name && !strcmp(old.catalog_name, cc.cat.name)) {
			pins = pf_xcalloc(old.npkgs + 1, sizeof *pins);
			for (size_t i = 0; i < old.npkgs; i++) {
				pins[npins].ecosystem = old.pkgs[i].ecosystem;
				pins[npins].name = old.pkgs[i].name;
				pins[npins].version = old.pkgs[i].version;
				npins++;
			}
		}
		memset(&req, 0, sizeof req);
		req.requests = (const char *const *)im.packages;
		req.nrequests = im.npackages;
		req.pins = pins;
		req.npins = npins;
		req.upgrade = (const char *const *)upgrade.v;
		req.nupgrade = upgrade.n;
		req.upgrade_all = upgrade_all;
		rc = solve_run(sp, &pol, &req, &res, &c->err);
		if (rc) {
			for (size_t i = 0; i < res.problems.n; i++)
				fprintf(stderr, "pinfold: error: %s\n", res.problems.v[i]);
			goto out;
		}

		/* The lock. */
		pf_time_format(today - (time_t)min_age * 86400, cutoff_s);
		new.image_name = im.name;
		memcpy(new.image_sha256, im.sha256, PF_SHA256_HEX);
		new.catalog_name = cc.cat.name;
		new.catalog_version = cc.cat.version;
		memcpy(new.catalog_sha256, cc.cat.sha256, PF_SHA256_HEX);
		lockdir = pf_dirname(out);
		outdir = fetch_is_url(im.catalog_resolved) ? NULL : relative_to(lockdir, im.catalog_resolved);
		new.catalog_source = outdir ? outdir : im.catalog_resolved;
		new.catalog_keys = (const char **)cc.signers.v;
		new.ncatalog_keys = cc.signers.n;
		new.trust_keys = im.trust_keys;
		new.ntrust_keys = im.ntrust_keys;
		new.trust_threshold = im.trust_threshold;
		new.min_age_days = min_age;
		new.age_cutoff = cutoff_s;
		new.relax_reason = changes.n ? reason : have_old ? old.relax_reason : NULL;
		new.target_runtime = im.target_runtime;
		new.target_python = im.target_python;
		new.target_platform = im.target_platform;
		new.host_provides = im.host_provides;
		new.nhost_provides = im.nhost_provides;
		new.requests = im.packages;
		new.nrequests = im.npackages;
		new.allow_hosts = im.allow_hosts;
		new.nallow_hosts = im.nallow_hosts;
		new.pkgs = pf_xcalloc(res.npicks + 1, sizeof *new.pkgs);
		for (size_t i = 0; i < res.npicks; i++) {
			const struct solve_pick *k = &res.picks[i];
			struct lock_pkg *p = &new.pkgs[i];
			time_t pub;

			p->ecosystem = k->ecosystem;
			p->name = k->name;
			p->version = k->version;
			p->artifact.file = k->file;
			p->artifact.format = k->format;
			p->artifact.size = k->size;
			memcpy(p->artifact.sha256, k->sha256, PF_SHA256_HEX);
			p->requested_by = (const char **)k->requested_by;
			p->nrequested_by = k->nrequested_by;
			if (k->published && pf_date_parse(k->published, &pub) == 0 && pub > newest)
				newest = pub;
		}
		new.npkgs = res.npicks;
		/* source_date_epoch: the newest publication date in the lock, at 00:00 UTC */
		new.source_date_epoch = (long long)newest;

		if (check) {
			struct pf_strv diff = PF_STRV_INIT;

			for (size_t i = 0; i < changes.n; i++)
				pf_strv_push(&diff, changes.v[i]);
			check_lock(&old, &new, &cc, &pol, &diff);
			for (size_t i = 0; i < diff.n; i++)
				cli_out(c, "%s", diff.v[i]);
			if (diff.n)
				rc = pf_error(&c->err, PF_ECHECK, "'%s' is out of date (%zu problem%s); run 'pinfold lock %s'",
					      out, diff.n, diff.n == 1 ? "" : "s", argv[optind]);
			else
				cli_info(c, "'%s' is up to date (%zu packages)", out, new.npkgs);
			pf_strv_release(&diff);
			goto out;
		}
		rc = lock_save(&new, out, &c->err);
		if (rc)
			goto out;
		for (size_t i = 0; i < changes.n; i++)
			cli_warn(c, "policy relaxed: %s (reason: %s)", changes.v[i], reason);
		cli_info(c, "wrote %s (%zu package%s, catalog '%s' version %lld)", out, new.npkgs,
			 new.npkgs == 1 ? "" : "s", cc.cat.name, cc.cat.version);
	}
out:
	status = rc ? cli_fail(c, rc) : 0;
	free(new.pkgs);
	solve_result_release(&res);
	solve_pool_free(sp);
	free(pins);
	if (have_old)
		lock_release(&old);
	cli_catalog_release(&cc);
	image_release(&im);
	pf_strv_release(&upgrade);
	pf_strv_release(&changes);
	free(out);
	free(cdir);
	free(lockdir);
	free(outdir);
	return status;
}
