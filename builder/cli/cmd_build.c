/* SPDX-License-Identifier: MIT */
/* pinfold build: the options of build_run() (build/), and what it reports. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/build.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/watch.h"
#include "install/install.h"

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
	      "  --catalog DIR|URL            the signed catalog to check the lock against (default: the lock's\n"
	      "                               catalog.source, relative to the lock); not with --bundle\n"
	      "  --allow-revoked              build even when advisories revoke a locked version (warns per package)\n"
	      "  --cache DIR                  content-addressed cache (default $XDG_CACHE_HOME/pinfold)\n"
	      "  --jobs N                     parallel fetches and installs (default: the CPUs, at most 8;\n"
	      "                               the output never depends on it)\n"
	      "  --max-unpacked-size BYTES    refuse to unpack more (default 2G; K, M, G suffixes)\n", stdout);
}

static void stage(void *ud, const char *what, size_t done, size_t total)
{
	if (what)
		cli_bar_step(ud, what, done, total);
	else
		cli_bar_done(ud);
}

static void interrupted(void *ud, int sig)
{
	(void)ud;
	fprintf(stderr, "pinfold: error: build interrupted (signal %d); nothing was written\n", sig);
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
	struct build_src src = { 0 };
	struct build_opts o = { 0 };
	struct build_lock bl;
	struct build_result r;
	struct pf_strv mirrors = PF_STRV_INIT;
	struct cli_bar bar;
	int opt, rc, status, have_lock = 0;

	o.jobs = cli_default_jobs();
	o.max_unpacked = INSTALL_DEFAULT_MAX_UNPACKED;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.out = optarg; break;
		case OPT_MIRROR: pf_strv_push(&mirrors, optarg); break;
		case OPT_CACHE: o.cache_dir = optarg; break;
		case OPT_BUNDLE: src.bundle = optarg; break;
		case OPT_CATALOG: src.catalog = optarg; break;
		case OPT_ALLOW_REVOKED: src.allow_revoked = 1; break;
		case OPT_JOBS: {
			long v;

			if (cli_parse_long(optarg, 1, 64, &v)) {
				status = cli_usage(c, "build", "--jobs: expected a number from 1 to 64");
				goto done;
			}
			o.jobs = (int)v;
			break;
		}
		case OPT_MAX:
			if (parse_size(optarg, &o.max_unpacked) < 0) {
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
	if (src.bundle ? optind + 1 < argc : optind != argc - 1) {
		status = cli_usage(c, "build", "expected one LOCKFILE");
		goto done;
	}
	if (!o.out) {
		status = cli_usage(c, "build", "-o OUT.tar.zst is required");
		goto done;
	}
	if (src.bundle && src.catalog) {
		status = cli_usage(c, "build", "--catalog does not go with --bundle: the bundle's own signed catalog "
				   "is the one its lock is checked against");
		goto done;
	}
	src.lock_path = optind < argc ? argv[optind] : NULL;

	/* A lock is a request: its trust is re-derived from the signed catalog it names. */
	rc = build_lock_open(&c->ctx, &src, &bl, &c->err);
	if (rc)
		goto fail;
	have_lock = 1;
	cli_debug(c, "'%s' checked against catalog '%s' version %lld", bl.label,
		  bl.from_bundle ? bl.bundle.bc.catalog.name : bl.check.cc.cat.name,
		  bl.from_bundle ? bl.bundle.bc.catalog.version : bl.check.cc.cat.version);
	cli_bar_init(&bar, c, "fetching");
	o.mirrors = &mirrors;
	o.fetch_progress = cli_bar_fetch;
	o.stage = stage;
	o.interrupted = interrupted;
	o.ud = &bar;
	rc = build_run(&c->ctx, &bl, &o, &r, &c->err);
	cli_bar_done(&bar);
	if (rc)
		goto fail;
	cli_debug(c, "fetched and checked %zu artifacts in %lld ms", bl.lock.npkgs, r.ms_fetch);
	cli_debug(c, "installed %zu packages (%llu bytes unpacked) in %lld ms", bl.lock.npkgs,
		  (unsigned long long)r.unpacked, r.ms_install);
	cli_debug(c, "constraints, metadata and manifest in %lld ms", r.ms_meta);
	cli_debug(c, "packed %llu bytes of tar into %llu bytes in %lld ms", (unsigned long long)r.pack.tar_size,
		  (unsigned long long)r.pack.out_size, r.ms_pack);
	cli_info(c, "built '%s': %zu packages, %zu paths, %llu bytes (tar %llu bytes)", o.out, bl.lock.npkgs,
		 r.npaths, (unsigned long long)r.pack.out_size, (unsigned long long)r.pack.tar_size);
	cli_out(c, "sha256 %s  %s", r.pack.sha256_out, o.out);
	cli_out(c, "sha256 %s  (uncompressed tar)", r.pack.sha256_tar);
	cli_env_used(c, o.out, "build");	/* the registry: audit --all covers it from now on */
	status = 0;
	goto done;
fail:
	status = cli_fail(c, rc);
done:
	if (have_lock)
		build_lock_release(&bl);
	pf_strv_release(&mirrors);
	return status;
}
