/* SPDX-License-Identifier: MIT */
/* pinfold trust: show the current root of trust, walk to newer roots, sign a root. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "trust/root.h"
#include "trust/trust.h"

static const char usage[] =
	"usage: pinfold trust show\n"
	"       pinfold trust update [--from DIR|URL]\n"
	"       pinfold trust sign FILE --key KEY [--key KEY]...\n"
	"\n"
	"The root of trust (root.yaml, docs/root.md) names the keys that may sign roots, catalogs\n"
	"and advisories, and how many distinct ones must. Version 1 is built in.\n"
	"show    the current root: version, expiry, where it was read, each role's keys\n"
	"update  accept newer roots from DIR or URL (default: the installed data directory's\n"
	"        trust/): N+1.root.yaml, N+2.root.yaml, ... each signed by a threshold of the\n"
	"        previous root's root keys and of its own; at most 32 per run\n"
	"sign    add one signature line per KEY to FILE.sig (other keys' lines are kept)\n"
	"  --from DIR|URL          where update reads N.root.yaml and N.root.yaml.sig\n"
	"  --key KEY               a private key to sign with (repeatable)\n";

static const char usage_show[] = "usage: pinfold trust show\n"
				 "  Print the current root: version, expiry, where it was read, each role's keys.\n";
static const char usage_update[] =
	"usage: pinfold trust update [--from DIR|URL]\n"
	"  Accept newer roots, each signed by a threshold of the previous root's root keys and of its own.\n"
	"  --from DIR|URL          where N.root.yaml and N.root.yaml.sig are read (default: the\n"
	"                          installed data directory's trust/)\n";
static const char usage_sign[] =
	"usage: pinfold trust sign FILE --key KEY [--key KEY]...\n"
	"  Check FILE is a well-formed root, then add one signature line per KEY to FILE.sig.\n"
	"  --key KEY               a private key to sign with (repeatable)\n";

static int show(struct cli *c)
{
	const struct trust_root *r;
	const char *from;
	int rc;

	if (ctx_trust_overridden(&c->ctx))
		cli_info(c, "note: --trust/--trust-dir are given: they replace the root's keys for this run");
	if ((rc = ctx_root(&c->ctx, &r, &from, &c->err)))
		return cli_fail(c, rc);
	cli_out(c, "root version %lld (%s)", r->version, from);
	cli_out(c, "expires %s%s", r->expires_s, r->expires <= c->ctx.now ? " (EXPIRED: run 'pinfold trust update')" : "");
	for (int i = 0; i < TRUST_NROLES; i++) {
		const struct trust_root_role *role = &r->roles[i];

		cli_out(c, "role %s: threshold %d of %zu key%s", trust_role_name((enum trust_role)i), role->threshold,
			role->keys.n, role->keys.n == 1 ? "" : "s");
		for (size_t k = 0; k < role->keys.n; k++)
			cli_out(c, "  %s", role->keys.v[k]);
	}
	return 0;
}

static int update(struct cli *c, const char *from)
{
	struct ctx_root_update u;
	int rc;

	if (!from)
		from = c->ctx.builtin_trust_dir;
	if (!from)
		return cli_usage(c, "trust", "trust update: no --from and no data directory");
	if ((rc = ctx_root_update(&c->ctx, from, &u, &c->err)))
		return cli_fail(c, rc);
	if (u.to == u.from)
		cli_out(c, "root version %lld is current (no newer root in '%s')", u.from, from);
	else
		cli_out(c, "root version %lld -> %lld (%lld new root%s from '%s')", u.from, u.to, u.to - u.from,
			u.to - u.from == 1 ? "" : "s", from);
	if (u.more)
		cli_info(c, "more roots remain after version %lld: run 'pinfold trust update' again", u.to);
	return 0;
}

static int sign(struct cli *c, const char *file, const struct pf_strv *keys)
{
	struct pf_buf data = PF_BUF_INIT, old = PF_BUF_INIT, sig = PF_BUF_INIT, kept = PF_BUF_INIT;
	struct pf_strv ids = PF_STRV_INIT;
	struct trust_root r;
	char *sigpath = pf_xasprintf("%s.sig", file);
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = pf_read_file(file, TRUST_ROOT_MAX, &data, &c->err)) ||
	    (rc = trust_root_parse(file, data.p ? data.p : "", data.len, &r, &c->err)))
		goto out;
	for (size_t i = 0; i < keys->n && !rc; i++) {
		struct trust_key *k;

		if ((rc = trust_key_load(keys->v[i], &k, &c->err)))
			break;
		if (!trust_key_is_private(k))
			rc = pf_error(&c->err, PF_EUSAGE, "'%s': a public key cannot sign", keys->v[i]);
		else if (!pf_strv_contains(&ids, trust_key_id(k))) {
			pf_strv_push(&ids, trust_key_id(k));
			rc = trust_sign(k, TRUST_ROOT_PAYLOAD_TYPE, data.p, data.len, &sig, &c->err);
		}
		trust_key_free(k);
	}
	if (rc)
		goto out;
	/* other keys' lines stay (each holder of a root key signs in turn); this run's keys are replaced */
	rc = pf_read_file(sigpath, TRUST_ROOT_SIG_MAX, &old, &c->err);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(&c->err);
		rc = 0;
	} else if (rc) {
		goto out;
	}
	for (const char *q = old.p, *end = old.p + old.len; q && q < end;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t len = (size_t)((nl ? nl : end) - q);
		int mine = 0;

		for (size_t i = 0; i < ids.n; i++)
			mine |= len > TRUST_KEYID_HEX && !strncmp(q, ids.v[i], TRUST_KEYID_HEX - 1);
		if (!mine)
			trust_sig_carry(q, len, 1, &kept);
		q = nl ? nl + 1 : end;
	}
	pf_buf_add(&kept, sig.p, sig.len);
	if ((rc = pf_write_file(sigpath, kept.p, kept.len, 0644, &c->err)))
		goto out;
	cli_out(c, "signed root version %lld ('%s') with %zu key%s: '%s'", r.version, file, ids.n,
		ids.n == 1 ? "" : "s", sigpath);
out:
	trust_root_release(&r);
	pf_buf_release(&data);
	pf_buf_release(&old);
	pf_buf_release(&sig);
	pf_buf_release(&kept);
	pf_strv_release(&ids);
	free(sigpath);
	return rc ? cli_fail(c, rc) : 0;
}

int cmd_trust(struct cli *c, int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_KEY };
	static const struct option opts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pf_strv keys = PF_STRV_INIT;
	const char *sub, *from = NULL;
	int opt, rc;

	if (argc < 2 || (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))) {
		if (argc < 2)
			return cli_usage(c, "trust", "trust: missing subcommand (show, update or sign)");
		fputs(usage, stdout);
		return 0;
	}
	sub = argv[1];
	if (strcmp(sub, "show") && strcmp(sub, "update") && strcmp(sub, "sign"))
		return cli_usage(c, "trust", "trust: unknown subcommand '%s' (show, update or sign)", sub);
	if (cli_help_asked(argc, argv)) {
		fputs(!strcmp(sub, "show") ? usage_show : !strcmp(sub, "update") ? usage_update : usage_sign, stdout);
		return 0;
	}
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_FROM:
			if (strcmp(sub, "update")) {
				rc = cli_usage(c, "trust", "trust %s: --from is for 'trust update'", sub);
				goto out;
			}
			from = optarg;
			break;
		case OPT_KEY:
			if (strcmp(sub, "sign")) {
				rc = cli_usage(c, "trust", "trust %s: --key is for 'trust sign'", sub);
				goto out;
			}
			pf_strv_push(&keys, optarg);
			break;
		default:
			rc = cli_bad_option(c, "trust", argv);
			goto out;
		}
	}
	if (!strcmp(sub, "sign")) {
		if (argc - optind != 1) {
			rc = cli_usage(c, "trust", "trust sign: expected exactly one FILE");
			goto out;
		}
		if (!keys.n) {
			rc = cli_usage(c, "trust", "trust sign: missing --key KEY");
			goto out;
		}
		rc = sign(c, argv[optind], &keys);
	} else if (argc != optind) {
		rc = cli_usage(c, "trust", "trust %s: unexpected argument '%s'", sub, argv[optind]);
	} else {
		rc = !strcmp(sub, "show") ? show(c) : update(c, from);
	}
out:
	pf_strv_release(&keys);
	return rc;
}
