/* SPDX-License-Identifier: MIT */
/* pinfold unlock: lift an environment's install constraints, recording who, when and why. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/text.h"
#include "install/constraints.h"

static void usage(FILE *f)
{
	cli_print_usage(f, "unlock");
	fputs("\nRemoves the pip/npm constraints and guards listed in ENVDIR/.pinfold/policy.yaml\n"
	      "and records who, when and why in ENVDIR/.pinfold/unlocked.yaml. 'pinfold verify'\n"
	      "then reports the environment as unlocked. A reason is required.\n"
	      "\noptions:\n"
	      "  --reason TEXT   why the constraints are lifted (required, recorded)\n", f);
}

/* $USER when set, else the password database, else the uid. Caller frees. */
static char *who(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u && !pf_text_check_str(u))	/* recorded in the environment: one line of text */
		return pf_xstrdup(u);
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pf_xstrdup(pw->pw_name);
	return pf_xasprintf("uid %lu", (unsigned long)getuid());
}

int cmd_unlock(struct cli *c, int argc, char **argv)
{
	enum { OPT_REASON = 256 };
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct install_cstate s;
	const char *reason = NULL, *env;
	char *by = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout); return 0;
		case OPT_REASON: reason = optarg; break;
		default: return cli_bad_option(c, "unlock", argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "unlock", "expected one environment directory");
	env = argv[optind];
	if (!reason || !*reason)
		return cli_usage(c, "unlock", "refusing to unlock '%s' without --reason TEXT "
				 "(the reason is recorded in the environment)", env);
	if (pf_text_check_str(reason))
		return cli_usage(c, "unlock", "--reason: control characters are not allowed (one line of text)");
	memset(&s, 0, sizeof s);
	by = who();
	rc = install_unlock(env, by, reason, c->ctx.now, &s, &c->err);
	if (rc == -PF_EEXIST) {
		/* Nothing to do; the first record stands. */
		cli_info(c, "'%s': already unlocked by %s at %s: %s", env, s.by, s.at, s.reason);
		rc = 0;
		goto out;
	}
	if (rc) {
		rc = cli_fail(c, rc);
		goto out;
	}
	if (c->json) {
		printf("{\"env\":");
		cli_json_str(stdout, env);
		printf(",\"state\":\"unlocked\",\"by\":");
		cli_json_str(stdout, s.by);
		printf(",\"at\":");
		cli_json_str(stdout, s.at);
		printf(",\"reason\":");
		cli_json_str(stdout, s.reason);
		printf(",\"removed\":[");
		for (size_t i = 0; i < s.removed.n; i++) {
			if (i)
				putchar(',');
			cli_json_str(stdout, s.removed.v[i]);
		}
		printf("]}\n");
	} else {
		for (size_t i = 0; i < s.removed.n; i++)
			cli_debug(c, "removed %s", s.removed.v[i]);
		for (size_t i = 0; i < s.missing.n; i++)
			cli_warn(c, "'%s/%s' was already missing", env, s.missing.v[i]);
		cli_info(c, "unlocked '%s': removed %zu constraint files; recorded in %s/%s", env,
			 s.removed.n, env, INSTALL_UNLOCKED_PATH);
		cli_info(c, "the guards are gone: 'pip', 'npm' and 'npx' on PATH are now whatever comes next "
			 "(use '%s/bin/python3 -m pip' for this environment's pip)", env);
	}
	rc = 0;
out:
	install_cstate_release(&s);
	free(by);
	return rc;
}
