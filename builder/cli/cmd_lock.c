/* SPDX-License-Identifier: MIT */
/* pinfold lock: placeholder until its issue lands (refuses with exit 3). */
#include <string.h>

#include "cli/cli.h"

int cmd_lock(struct cli *c, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		cli_print_usage(stdout, "lock");
		return 0;
	}
	return cli_fail(c, pf_error(&c->err, PF_EINTERNAL, "lock: not implemented yet"));
}
