/* SPDX-License-Identifier: MIT */
/* Helpers shared by commands: --help, option errors, numbers. */
#include <stdlib.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_help_asked(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int cli_bad_option(struct cli *c, const char *cmd, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	const char *sep = cmd ? ": " : "";
	size_t n = strcspn(arg, "=");

	if (!cmd)
		cmd = "";
	if (!strncmp(arg, "--", 2))
		return cli_usage(c, *cmd ? cmd : NULL, optopt ? "%s%soption '%.*s' needs a value" :
				 "%s%sunknown option '%.*s'", cmd, sep, (int)n, arg);
	if (optopt && arg[0] == '-' && arg[strlen(arg) - 1] == optopt && !argv[optind])
		return cli_usage(c, *cmd ? cmd : NULL, "%s%soption '-%c' needs a value", cmd, sep, optopt);
	return cli_usage(c, *cmd ? cmd : NULL, "%s%sunknown option '-%c'", cmd, sep, optopt ? optopt : '?');
}

int cli_subcommand(struct cli *c, const char *cmd, const struct cli_sub *subs, int argc, char **argv)
{
	struct pf_buf names = PF_BUF_INIT;
	int rc;

	for (const struct cli_sub *s = subs; s->name; s++)
		pf_buf_addf(&names, "%s%s", s == subs ? "" : s[1].name ? ", " : " or ", s->name);
	if (argc >= 2 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h")) {
		for (const struct cli_sub *s = subs; s->name; s++) {
			if (strcmp(s->name, argv[1]))
				continue;
			pf_buf_release(&names);
			if (cli_help_asked(argc - 1, argv + 1)) {
				fputs(s->usage, stdout);
				return 0;
			}
			optind = 0;
			return s->fn(c, argc - 1, argv + 1);
		}
		rc = cli_usage(c, cmd, "%s: unknown subcommand '%s' (expected %s)", cmd, argv[1], pf_buf_cstr(&names));
	} else if (argc < 2) {
		rc = cli_usage(c, cmd, "%s: expected %s", cmd, pf_buf_cstr(&names));
	} else {
		cli_print_usage(stdout, cmd);
		fputs("\n", stdout);
		for (const struct cli_sub *s = subs; s->name; s++)
			fputs(s->usage, stdout);
		rc = 0;
	}
	pf_buf_release(&names);
	return rc;
}

int cli_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}
