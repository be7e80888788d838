/* SPDX-License-Identifier: MIT */
/* pinfold registry: the environments this machine built, unpacked or ran (list, touch, forget). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "core/time.h"
#include "watch/registry.h"

static const char usage_list[] =
	"usage: pinfold [--json] registry list\n"
	"  Every environment recorded here: path, kind, state (present, gone, replaced), the SHA-256\n"
	"  of its lock, first and last use, and what used it last.\n";
static const char usage_touch[] =
	"usage: pinfold registry touch ENV [--how activate|touch]\n"
	"  Record one use of ENV (an environment directory or tarball) now; then show the watch's\n"
	"  notice when it has one. bin/activate runs this with --how activate (then a failure to\n"
	"  record is silent and the exit status 0).\n";
static const char usage_forget[] =
	"usage: pinfold registry forget PATH\n"
	"  Drop every entry recorded for PATH (audit --all no longer covers it).\n";

static int reg_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct watch_registry r;
	char first[PF_TIME_STR], last[PF_TIME_STR], since[PF_TIME_STR];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cli_bad_option(c, "registry list", argv);
	if (optind != argc)
		return cli_usage(c, "registry list", "registry list: unexpected argument '%s'", argv[optind]);
	rc = watch_registry_open(&r, c->ctx.state_dir, 0, &c->err);
	if (rc)
		return cli_fail(c, rc);
	if (c->json)
		printf("[");
	for (size_t i = 0; i < r.n; i++) {
		const struct watch_env *x = &r.v[i];

		pf_time_format(x->first, first);
		pf_time_format(x->last, last);
		pf_time_format(x->since, since);
		if (c->json) {
			printf("%s{\"path\":", i ? "," : "");
			cli_json_str(stdout, x->path);
			printf(",\"kind\":\"%s\",\"state\":\"%s\",\"since\":", watch_env_kind_name(x->kind),
			       watch_env_state_name(x->state));
			if (x->state == WATCH_PRESENT)
				printf("null");
			else
				printf("\"%s\"", since);
			printf(",\"lock_sha256\":\"%s\",\"first_use\":\"%s\",\"last_use\":\"%s\",\"uses\":%llu,"
			       "\"last_use_by\":\"%s\"}", x->lock_sha256, first, last, x->uses, x->how);
		} else {
			char *p = cli_safe(x->path);

			cli_out(c, "%s (%s, %s%s%s): lock %.12s, used %s .. %s, %llu use%s, last by %s", p,
				watch_env_kind_name(x->kind), watch_env_state_name(x->state),
				x->state == WATCH_PRESENT ? "" : " since ", x->state == WATCH_PRESENT ? "" : since,
				x->lock_sha256, first, last, x->uses, x->uses == 1 ? "" : "s", x->how);
			free(p);
		}
	}
	if (c->json)
		printf("]\n");
	else
		cli_info(c, "%zu environment%s recorded", r.n, r.n == 1 ? "" : "s");
	watch_registry_close(&r);
	return 0;
}

static int reg_touch(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "how", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	const char *how = "touch";
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			if (strcmp(optarg, "activate") && strcmp(optarg, "touch"))
				return cli_usage(c, "registry touch", "--how: expected activate or touch");
			how = optarg;
			break;
		default: return cli_bad_option(c, "registry touch", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage(c, "registry touch", "registry touch: expected one ENV");
	if (!strcmp(how, "activate")) {
		/* from bin/activate: activation never fails and never nags; only the notice is shown */
		cli_env_used(c, argv[optind], how);
		return 0;
	}
	rc = watch_env_touch(c->ctx.state_dir, argv[optind], how, c->ctx.now, &c->err);
	cli_watch_notice(c);
	return rc ? cli_fail(c, rc) : 0;
}

static int reg_forget(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	char *abs = NULL;
	size_t n;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cli_bad_option(c, "registry forget", argv);
	if (argc - optind != 1)
		return cli_usage(c, "registry forget", "registry forget: expected one PATH");
	/* entries are absolute; a path that still exists is matched by its real path */
	abs = realpath(argv[optind], NULL);
	if (!abs)
		abs = pf_xstrdup(argv[optind]);
	rc = watch_registry_forget(c->ctx.state_dir, abs, &n, &c->err);
	if (!rc && !n)
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': not in the registry", argv[optind]);
	if (!rc)
		cli_info(c, "forgot %zu entr%s for '%s'", n, n == 1 ? "y" : "ies", abs);
	free(abs);
	return rc ? cli_fail(c, rc) : 0;
}

static const struct cli_sub subs[] = {
	{ "list", reg_list, usage_list },
	{ "touch", reg_touch, usage_touch },
	{ "forget", reg_forget, usage_forget },
	{ NULL, NULL, NULL },
};

int cmd_registry(struct cli *c, int argc, char **argv)
{
	int rc = cli_watch_state(c, argc, argv);

	return rc ? rc : cli_subcommand(c, "registry", subs, argc, argv);
}
