/* SPDX-License-Identifier: MIT */
/* pinfold unlock: placeholder until its issue lands (refuses with exit 3). */
#include <string.h>

#include "cli/cli.h"

int cmd_unlock(struct cli *c, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		cli_print_usage(stdout, "unlock");
		return 0;
	}
	return cli_fail(c, pf_error(&c->err, PF_EINTERNAL, "unlock: not implemented yet"));
}
