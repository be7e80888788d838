/* SPDX-License-Identifier: MIT */
/* Helpers shared by commands: the trust store from the global options, verify options, --help. */
#include <stdlib.h>
#include <getopt.h>
#include <string.h>

#include "catalog/verified.h"
#include "cli/cli.h"
#include "trust/trust.h"

int cli_trust_store(struct cli *c, struct trust_store **out)
{
	struct trust_store *s = trust_store_new();
	int rc = 0;

	*out = NULL;
	if (c->trust_files.n || c->trust_dir) {
		for (size_t i = 0; i < c->trust_files.n && !rc; i++)
			rc = trust_store_add_file(s, c->trust_files.v[i], &c->err);
		if (!rc && c->trust_dir)
			rc = trust_store_add_dir(s, c->trust_dir, &c->err);
	} else {
		rc = trust_store_add_dir(s, c->builtin_trust_dir, &c->err);
	}
	if (!rc && !trust_store_count(s))
		rc = pf_error(&c->err, PF_EUNTRUSTED, "no trusted keys: pass --trust FILE or --trust-dir DIR "
			      "(the built-in trust directory is '%s')", c->builtin_trust_dir);
	if (rc) {
		trust_store_free(s);
		return rc;
	}
	cli_debug(c, "trusting %zu key%s", trust_store_count(s), trust_store_count(s) == 1 ? "" : "s");
	*out = s;
	return 0;
}

void cli_verify_opts(struct cli *c, const struct trust_store *store, int threshold, struct verify_opts *o)
{
	memset(o, 0, sizeof *o);
	o->store = store;
	o->policy.threshold = threshold > 0 ? threshold : 1;
	o->state_dir = c->state_dir;
	o->record = 1;
}

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
