/* SPDX-License-Identifier: MIT */
/* pinfold shell: an interactive shell inside a self-contained environment, in the bubblewrap sandbox. */
#include "cli/cli.h"

int cmd_shell(struct cli *c, int argc, char **argv)
{
	return cli_sandbox(c, argc, argv, 1);
}
