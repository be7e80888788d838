/* SPDX-License-Identifier: MIT */
/* Helpers shared by commands: --help, option errors, numbers. */
#include <stdlib.h>
#include <getopt.h>
#include <string.h>

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
