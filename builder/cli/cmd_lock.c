/* SPDX-License-Identifier: MIT */
/* pinfold lock: the options of build_resolve() (build/resolve.c), and what it reports. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/resolve.h"
#include "cli/cli.h"
#include "core/text.h"

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
	struct build_resolve_opts o = { 0 };
	struct build_resolved r;
	struct pf_strv upgrade = PF_STRV_INIT;
	int opt, rc, status;

	memset(&r, 0, sizeof r);
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': o.output = optarg; break;
		case OPT_CHECK: o.check = 1; break;
		case OPT_UPGRADE:
			if (!strchr(optarg, ':')) {
				status = cli_usage(c, "lock", "--upgrade: '%s' is not ECOSYSTEM:NAME", optarg);
				goto done;
			}
			pf_strv_push(&upgrade, optarg);
			break;
		case OPT_UPGRADE_ALL: o.upgrade_all = 1; break;
		case OPT_RELAX: o.relax = 1; break;
		case OPT_REASON: o.reason = optarg; break;
		case 'h':
			fputs(usage, stdout);
			status = 0;
			goto done;
		default:
			status = cli_bad_option(c, "lock", argv);
			goto done;
		}
	}
	if (optind + 1 != argc) {
		status = cli_usage(c, "lock", "expected one IMAGE");
		goto done;
	}
	if (o.relax && (!o.reason || !*o.reason)) {
		status = cli_usage(c, "lock", "--relax-policy needs --reason TEXT (it is recorded in the lock)");
		goto done;
	}
	if (o.reason && !o.relax) {
		status = cli_usage(c, "lock", "--reason goes with --relax-policy");
		goto done;
	}
	if (o.reason && pf_text_check_str(o.reason)) {
		status = cli_usage(c, "lock", "--reason: control characters are not allowed (one line of text)");
		goto done;
	}
	o.image = argv[optind];
	o.upgrade = (const char *const *)upgrade.v;
	o.nupgrade = upgrade.n;

	rc = build_resolve(&c->ctx, &o, &r, &c->err);
	if (r.resolved)
		cli_debug(c, "solver pool %s", r.pool_from_cache ? "loaded from the authenticated cache"
			  : "built from the catalog");
	if (rc == -PF_EPOLICY)
		for (size_t i = 0; i < r.changes.n; i++)
			fprintf(stderr, "pinfold: error: %s\n", r.changes.v[i]);
	if (rc == -PF_EUNSOLVABLE)
		for (size_t i = 0; i < r.res.problems.n; i++)
			fprintf(stderr, "pinfold: error: %s\n", r.res.problems.v[i]);
	for (size_t i = 0; o.check && r.resolved && i < r.diff.n; i++)
		cli_out(c, "%s", r.diff.v[i]);
	if (rc)
		goto fail;
	if (o.check) {
		cli_info(c, "'%s' is up to date (%zu packages)", r.out, r.lock.npkgs);
		status = 0;
		goto done;
	}
	rc = lock_save(&r.lock, r.out, &c->err);
	if (rc)
		goto fail;
	for (size_t i = 0; i < r.changes.n; i++)
		cli_warn(c, "policy relaxed: %s (reason: %s)", r.changes.v[i], o.reason);
	cli_info(c, "wrote %s (%zu package%s, catalog '%s' version %lld)", r.out, r.lock.npkgs,
		 r.lock.npkgs == 1 ? "" : "s", r.cc.cat.name, r.cc.cat.version);
	status = 0;
	goto done;
fail:
	status = cli_fail(c, rc);
done:
	build_resolved_release(&r);
	pf_strv_release(&upgrade);
	return status;
}
