/* SPDX-License-Identifier: MIT */
/* pinfold verify: an environment tarball or directory against its manifest (and a lock). */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "pack/pack.h"

int cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lock", required_argument, NULL, 'l' },
		{ "against", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *lock = NULL, *against = NULL, *target;
	struct pack_verify v;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': lock = optarg; break;
		case 'a': against = optarg; break;
		case 'h':
			cli_print_usage(stdout, "verify");
			fputs("\nChecks every path of TARGET (an environment tarball or an unpacked environment)\n"
			      "against .pinfold/manifest and prints each difference on a line of its own:\n"
			      "  added: P, removed: P, changed: P, mode: P (OLD -> NEW)\n"
			      "With --lock, also checks that .pinfold/lock is exactly LOCKFILE.\n"
			      "With --against ENV.tar.zst (a tarball you trust, e.g. checked with its .sha256),\n"
			      "the manifest is taken from it, so a rewritten .pinfold/manifest is caught too.\n"
			      "With the global --json, one JSON object on stdout instead.\n"
			      "Exit 0 when pristine, 1 when anything differs.\n", stdout);
			return 0;
		default:
			return cli_bad_option(c, "verify", argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage(c, "verify", "expected one TARGET");
	target = argv[optind];
	rc = pack_verify(target, lock, against, &v, &c->err);
	if (rc)
		return cli_fail(c, rc);
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
		cli_info(c, "'%s': %zu paths match the manifest%s", target, v.npaths, lock ? " and the lock" : "");
	pack_verify_release(&v);
	return 0;
}
