/* SPDX-License-Identifier: MIT */
/* pinfold run: a command inside a self-contained environment, in the bubblewrap sandbox (also serves shell). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fetch/fetch.h"
#include "run/run.h"

static void usage(FILE *f, int shell)
{
	cli_print_usage(f, shell ? "shell" : "run");
	fputs(shell ?
	      "\nStarts an interactive shell (bash when the environment has it) inside ENV; the prompt\n"
	      "shows the environment's name. On a terminal the shell keeps job control.\n" :
	      "\nRuns CMD inside ENV and exits with its exit status (128+N when it ended by signal N,\n"
	      "127 when CMD is not in the environment).\n", f);
	fputs("\nENV is an unpacked self-contained environment or its tarball (verified against its\n"
	      ".sha256 file when present and its manifest, then unpacked once into a read-only cache).\n"
	      "Inside: ENV read-only as /, the project read-write at /project (the working directory),\n"
	      "a private HOME at /home/user kept per project, tmpfs /tmp, no network, no host files\n"
	      "and no host variables but TERM, COLORTERM, NO_COLOR, LANG, LC_ALL and TZ (docs/run.md).\n"
	      "\noptions:\n"
	      "  --project DIR        the project (default: the current directory)\n"
	      "  --net                share the host's network (default: none)\n"
	      "  --allow-host PATTERN reach only these hosts, through pinfold's proxy: NAME, *.DOMAIN\n"
	      "                       or an address, then :PORT (default 80 and 443), then =ADDRESS\n"
	      "                       to pin the name to an address (docs/network.md)\n"
	      "  --agent NAME         a coding agent's API hosts and key variables (claude, codex,\n"
	      "                       gemini, mistral): --allow-host and --env for each\n"
	      "  --secret-file SRC:DEST  host file SRC alone, read-only at DEST inside\n"
	      "  --env NAME[=VALUE]   set NAME inside (to VALUE, or to its value here)\n"
	      "  --ro PATH            make host PATH readable at the same path inside\n"
	      "  --rw PATH            make host PATH readable and writable at the same path inside\n"
	      "  --ephemeral          a fresh HOME in memory, gone afterwards\n"
	      "  --dry-run            print the bubblewrap command line instead of running it\n", f);
}

/* Options, then ENV, then options again, then [--] CMD...: the command's own options stay its own. */
int cli_sandbox(struct cli *c, int argc, char **argv, int shell)
{
	enum { OPT_PROJECT = 256, OPT_NET, OPT_ENV, OPT_RO, OPT_RW, OPT_EPHEMERAL, OPT_DRY, OPT_ALLOW, OPT_AGENT,
	       OPT_SECRET };
	static const struct option opts[] = {
		{ "project", required_argument, NULL, OPT_PROJECT },
		{ "net", no_argument, NULL, OPT_NET },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "ro", required_argument, NULL, OPT_RO },
		{ "rw", required_argument, NULL, OPT_RW },
		{ "ephemeral", no_argument, NULL, OPT_EPHEMERAL },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "allow-host", required_argument, NULL, OPT_ALLOW },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "secret-file", required_argument, NULL, OPT_SECRET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = shell ? "shell" : "run", *envpath = NULL;
	struct run_opts o;
	struct run_env env;
	struct run_plan plan;
	struct pf_strv envs = PF_STRV_INIT;
	struct run_bind *binds = NULL;
	struct run_allow *allow = NULL;
	struct run_secret *secrets = NULL;
	struct pf_strv patterns = PF_STRV_INIT;
	size_t nbinds = 0, cap = 0, nallow = 0, nsecrets = 0, scap = 0;
	char *cache = NULL, *bwrap = NULL;
	int opt, rc, dry = 0, status = 0;

	memset(&o, 0, sizeof o);
	memset(&env, 0, sizeof env);
	memset(&plan, 0, sizeof plan);
	for (;;) {
		opt = getopt_long(argc, argv, "+h", opts, NULL);
		if (opt == -1) {
			if (!envpath && optind < argc && strcmp(argv[optind], "--")) {
				envpath = argv[optind++];
				continue;
			}
			break;
		}
		switch (opt) {
		case 'h': usage(stdout, shell); rc = 0; goto out;
		case OPT_PROJECT: o.project = optarg; break;
		case OPT_NET: o.net = 1; break;
		case OPT_ENV: pf_strv_push(&envs, optarg); break;
		case OPT_RO:
		case OPT_RW:
			PF_GROW(binds, nbinds + 1, cap);
			binds[nbinds].path = optarg;
			binds[nbinds++].rw = opt == OPT_RW;
			break;
		case OPT_EPHEMERAL: o.ephemeral = 1; break;
		case OPT_DRY: dry = 1; break;
		case OPT_ALLOW: pf_strv_push(&patterns, optarg); break;
		case OPT_AGENT: {
			const struct run_agent *a = run_agent_find(optarg);

			if (!a) {
				rc = cli_usage(c, cmd, "--agent '%s': no such preset (claude, codex, gemini, mistral)",
					       optarg);
				goto out;
			}
			for (int i = 0; a->hosts[i]; i++)
				pf_strv_push(&patterns, a->hosts[i]);
			for (int i = 0; a->vars[i]; i++)
				if (getenv(a->vars[i]))
					pf_strv_push(&envs, a->vars[i]);
			break;
		}
		case OPT_SECRET: {
			/* SRC:DEST, split before the last ":/" (DEST is absolute) */
			char *sep = NULL;

			for (char *q = strstr(optarg, ":/"); q; q = strstr(q + 1, ":/"))
				sep = q;
			if (!sep || sep == optarg) {
				rc = cli_usage(c, cmd, "--secret-file '%s': expected SRC:DEST (DEST absolute)", optarg);
				goto out;
			}
			*sep = '\0';
			PF_GROW(secrets, nsecrets + 1, scap);
			secrets[nsecrets].src = optarg;
			secrets[nsecrets++].dest = sep + 1;
			break;
		}
		default: rc = cli_bad_option(c, cmd, argv); goto out;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (!envpath) {
		rc = cli_usage(c, cmd, "expected an environment (a directory or tarball)");
		goto out;
	}
	if (shell && optind < argc) {
		rc = cli_usage(c, cmd, "unexpected '%s' (to run a command: pinfold run ENV -- CMD)", argv[optind]);
		goto out;
	}
	if (!shell && optind >= argc) {
		rc = cli_usage(c, cmd, "expected a command after the environment (pinfold run ENV -- CMD [ARG]...)");
		goto out;
	}
	if (o.net && patterns.n) {
		rc = cli_usage(c, cmd, "--net shares the host's whole network; it cannot go with --allow-host or --agent");
		goto out;
	}
	for (size_t i = 0; i < patterns.n; i++) {
		struct run_allow a;

		if (run_allow_parse(&a, patterns.v[i], &c->err)) {
			rc = cli_fail(c, -PF_EUSAGE);
			goto out;
		}
		run_allow_release(&a);
	}
	o.secrets = secrets;
	o.nsecrets = nsecrets;
	{
		/* private HOMEs under the state dir, unpacked environments under the cache: both private */
		const char *state = NULL, *cdir = NULL;

		rc = ctx_state_dir(&c->ctx, &state, &c->err);
		if (!rc)
			rc = ctx_cache_dir(&c->ctx, &cdir, &c->err);
		if (rc) {
			rc = cli_fail(c, rc);
			goto out;
		}
		o.state_dir = state;
		cache = pf_xstrdup(cdir);
	}
	o.shell = shell;
	o.env = (const char *const *)envs.v;
	o.nenv = envs.n;
	o.binds = binds;
	o.nbinds = nbinds;
	o.argv = shell ? NULL : argv + optind;
	o.argc = shell ? 0 : argc - optind;
	rc = run_env_open(&env, envpath, cache, dry ? 0 : RUN_ENV_DEFER_CHECK, &c->err);
	if (rc) {
		rc = cli_fail(c, rc);
		goto out;
	}
	cli_debug(c, "%s '%s' (%s) at '%s'", env.unpacked ? "unpacked" : "using", envpath, env.name, env.root);
	/* The image's sandbox.allow_hosts first, then --allow-host and --agent (docs/network.md). */
	if (env.allow_hosts.n && !o.net) {
		allow = pf_xcalloc(env.allow_hosts.n + patterns.n, sizeof *allow);
		for (; nallow < env.allow_hosts.n; nallow++)
			if (run_allow_parse(&allow[nallow], env.allow_hosts.v[nallow], &c->err)) {
				char *why = pf_xstrdup(c->err.msg);

				pf_err_clear(&c->err);
				pf_error(&c->err, PF_EFORMAT, "'%s': its lock's sandbox.allow_hosts: %s", envpath, why);
				free(why);
				rc = cli_fail(c, -PF_EFORMAT);
				goto out;
			}
	}
	if (patterns.n) {
		if (!allow)
			allow = pf_xcalloc(patterns.n, sizeof *allow);
		for (size_t i = 0; i < patterns.n; i++)
			run_allow_parse(&allow[nallow++], patterns.v[i], &c->err);	/* checked above */
	}
	o.allow = allow;
	o.nallow = nallow;
	rc = run_plan_build(&plan, &o, &env, &c->err);
	if (rc) {
		rc = cli_fail(c, rc);
		goto out;
	}
	if (dry) {
		if (run_find_bwrap(&bwrap, &c->err))
			pf_err_clear(&c->err);	/* printed as "bwrap"; a real run would stop here */
		if (c->json) {
			fputs("{\"bwrap\": ", stdout);
			cli_json_str(stdout, bwrap ? bwrap : "bwrap");
			fputs(", \"args\": [", stdout);
			for (size_t i = 0; i < plan.nargs; i++) {
				printf("%s", i ? ", " : "");
				cli_json_str(stdout, plan.args[i].opt);
				if (plan.args[i].a) {
					fputs(", ", stdout);
					cli_json_str(stdout, plan.args[i].a);
				}
				if (plan.args[i].b) {
					fputs(", ", stdout);
					cli_json_str(stdout, plan.args[i].b);
				}
			}
			fputs("], \"allow_hosts\": [", stdout);
			for (size_t i = 0; i < nallow; i++) {
				printf("%s", i ? ", " : "");
				cli_json_str(stdout, allow[i].given);
			}
			fputs("], \"command\": [", stdout);
			for (size_t i = 0; i < plan.cmd.n; i++) {
				printf("%s", i ? ", " : "");
				cli_json_str(stdout, plan.cmd.v[i]);
			}
			fputs("]}\n", stdout);
		} else {
			struct pf_buf b = PF_BUF_INIT;

			run_plan_text(&plan, bwrap, &b);
			fputs(pf_buf_cstr(&b), stdout);
			pf_buf_release(&b);
		}
		rc = 0;
		goto out;
	}
	if (!shell && run_plan_check_command(&plan, &env, &c->err)) {
		cli_fail(c, -PF_ENOTFOUND);
		rc = 127;
		goto out;
	}
	rc = run_find_bwrap(&bwrap, &c->err);
	if (!rc)
		rc = run_env_exec(&env, &plan, bwrap, &status, &c->err);
	rc = rc ? cli_fail(c, rc) : status;
out:
	run_plan_release(&plan);
	run_env_release(&env);
	pf_strv_release(&envs);
	free(binds);
	for (size_t i = 0; i < nallow; i++)
		run_allow_release(&allow[i]);
	free(allow);
	free(secrets);
	pf_strv_release(&patterns);
	free(cache);
	free(bwrap);
	return rc;
}

int cmd_run(struct cli *c, int argc, char **argv)
{
	return cli_sandbox(c, argc, argv, 0);
}
