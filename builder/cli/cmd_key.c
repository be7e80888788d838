/* SPDX-License-Identifier: MIT */
/* pinfold key: generate Ed25519 key files and print key ids. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "trust/trust.h"

static const char usage[] =
	"usage: pinfold key generate FILE\n"
	"       pinfold key id FILE\n"
	"\n"
	"generate  write a new Ed25519 private key to FILE (PEM PKCS#8, mode 0600) and its\n"
	"          public key to FILE.pub; prints the key id; never overwrites a file\n"
	"id        print the key id (hex SHA-256 of the raw public key) of a PEM public or\n"
	"          private Ed25519 key, e.g. one from 'openssl genpkey -algorithm ed25519'\n";

int cmd_key(struct cli *c, int argc, char **argv)
{
	const char *sub, *file;
	int rc;

	if (cli_help_asked(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2)
		return cli_usage(c, "key", "key: missing subcommand (generate or id)");
	sub = argv[1];
	if (strcmp(sub, "generate") && strcmp(sub, "id"))
		return cli_usage(c, "key", "key: unknown subcommand '%s' (generate or id)", sub);
	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage(c, "key", "key %s: unknown option '%s'", sub, argv[i]);
	if (argc != 3)
		return cli_usage(c, "key", "key %s: expected exactly one FILE", sub);
	file = argv[2];
	if (!strcmp(sub, "generate")) {
		char id[TRUST_KEYID_HEX];

		rc = trust_key_generate(file, id, &c->err);
		if (rc)
			return cli_fail(c, rc);
		cli_out(c, "%s", id);
		cli_debug(c, "wrote private key '%s' (keep it secret) and public key '%s.pub'", file, file);
		return 0;
	} else {
		struct trust_key *k;

		rc = trust_key_load(file, &k, &c->err);
		if (rc)
			return cli_fail(c, rc);
		cli_out(c, "%s", trust_key_id(k));
		trust_key_free(k);
	}
	return 0;
}
