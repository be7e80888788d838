/* SPDX-License-Identifier: MIT */
/* pinfold verify: an environment tarball or directory against its manifest (and a lock, and its catalog). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "ctx/ctx.h"
#include "lock/lock.h"
#include "pack/pack.h"

static void help(void)
{
	cli_print_usage(stdout, "verify");
	fputs("\nChecks every path of TARGET (an environment tarball or an unpacked environment)\n"
	      "against .pinfold/manifest and prints each difference on a line of its own:\n"
	      "  added: P, removed: P, changed: P, mode: P (OLD -> NEW)\n"
	      "With --lock, also checks that .pinfold/lock is exactly LOCKFILE, and LOCKFILE itself as\n"
	      "build does: against its signed catalog (its catalog.source, or --catalog DIR|URL), every\n"
	      "locked artifact identical to the catalog's, eligible, and not revoked.\n"
	      "With --against ENV.tar.zst (a tarball you trust, e.g. checked with its .sha256),\n"
	      "the manifest is taken from it, so a rewritten .pinfold/manifest is caught too.\n"
	      "With the global --json, one JSON object on stdout instead.\n"
	      "Exit 0 when pristine, 1 when anything differs or the lock is refused.\n", stdout);
}

/* LOCKFILE against its signed catalog, as build checks it; revocations become difference lines. */
static int check_lock(struct cli *c, const char *path, const char *catalog, struct pack_verify *v)
{
	struct lockfile l;
	struct ctx_lock_check chk;
	struct ctx_lock_src src;
	char *dir = pf_dirname(path);
	int rc;

	memset(&chk, 0, sizeof chk);
	rc = lock_load(&l, path, &c->err);
	if (rc) {
		free(dir);
		return rc;
	}
	src = (struct ctx_lock_src){ path, dir, catalog };
	rc = ctx_lock_check(&c->ctx, &l, &src, &chk, &c->err);
	for (size_t i = 0; !rc && i < chk.nrevoked; i++)
		pf_strv_push_owned(&v->lines, pf_xasprintf("revoked: %s:%s %s by %s (%s): %s", chk.revoked[i].pkg->ecosystem,
							   chk.revoked[i].pkg->name, chk.revoked[i].pkg->version,
							   chk.revoked[i].adv->id,
							   chk.revoked[i].adv->severity ? chk.revoked[i].adv->severity : "unrated",
							   chk.revoked[i].adv->reason ? chk.revoked[i].adv->reason : ""));
	ctx_lock_check_release(&chk);
	lock_release(&l);
	free(dir);
	return rc;
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	enum { OPT_CATALOG = 256 };
	static const struct option opts[] = {
		{ "lock", required_argument, NULL, 'l' },
		{ "against", required_argument, NULL, 'a' },
		{ "catalog", required_argument, NULL, OPT_CATALOG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lock = NULL, *against = NULL, *catalog = NULL, *target;
	struct pack_verify v;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': lock = optarg; break;
		case 'a': against = optarg; break;
		case OPT_CATALOG: catalog = optarg; break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option(c, "verify", argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage(c, "verify", "expected one TARGET");
	if (catalog && !lock)
		return cli_usage(c, "verify", "--catalog goes with --lock LOCKFILE");
	target = argv[optind];
	rc = pack_verify(target, lock, against, &v, &c->err);
	if (rc)
		return cli_fail(c, rc);
	/* the same chain of trust build applies: verify never accepts a lock build would refuse */
	if (lock && (rc = check_lock(c, lock, catalog, &v))) {
		pack_verify_release(&v);
		return cli_fail(c, rc);
	}
	if (c->json) {
		/* {"target":..., "pristine":bool, "paths":N, "unlocked":str|null, "differences":[...]} */
		fputs("{\"target\": ", stdout);
		cli_json_str(stdout, target);
		printf(", \"pristine\": %s, \"paths\": %zu, \"unlocked\": ", v.lines.n ? "false" : "true", v.npaths);
		if (v.status)
			cli_json_str(stdout, v.status);
		else
			fputs("null", stdout);
		fputs(", \"differences\": [", stdout);
		for (size_t i = 0; i < v.lines.n; i++) {
			if (i)
				fputs(", ", stdout);
			cli_json_str(stdout, v.lines.v[i]);
		}
		fputs("]}\n", stdout);
	} else {
		if (v.status)
			cli_out(c, "%s", v.status);
		for (size_t i = 0; i < v.lines.n; i++)
			cli_out(c, "%s", v.lines.v[i]);
	}
	if (v.lines.n) {
		rc = pf_error(&c->err, PF_ECHECK, "'%s': %zu difference%s from its manifest%s", target, v.lines.n,
			      v.lines.n == 1 ? "" : "s", lock ? " and lock" : "");
		pack_verify_release(&v);
		return cli_fail(c, rc);
	}
	if (!c->json)
		cli_info(c, "'%s': %zu paths match the manifest%s", target, v.npaths,
			 lock ? " and the lock, which its signed catalog vouches for" : "");
	pack_verify_release(&v);
	return 0;
}
