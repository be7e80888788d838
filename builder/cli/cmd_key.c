/* SPDX-License-Identifier: MIT */
/* pinfold key: placeholder until its issue lands (refuses with exit 3). */
#include <string.h>

#include "cli/cli.h"

int cmd_key(struct cli *c, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		cli_print_usage(stdout, "key");
		return 0;
	}
	return cli_fail(c, pf_error(&c->err, PF_EINTERNAL, "key: not implemented yet"));
}
