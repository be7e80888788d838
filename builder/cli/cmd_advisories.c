/* SPDX-License-Identifier: MIT */
/* pinfold advisories: fetch, verify and keep the newest signed advisories; list the ones kept. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/verified.h"
#include "cli/cli.h"
#include "cli/watch.h"
#include "core/time.h"
#include "trust/trust.h"
#include "watch/advisories.h"

static const char usage_update[] =
	"usage: pinfold advisories update [--catalog DIR|URL]\n"
	"  Fetch the signed advisories a catalog publishes (the URLs in its signed advisories.urls,\n"
	"  else advisories.yaml beside it), verify them (signature, threshold, expiry, rollback) and\n"
	"  keep the newest verified copy in the state directory. A tampered, expired, older or\n"
	"  foreign file is refused and the kept copy stays in use.\n"
	"  --catalog DIR|URL   this catalog (verified first), remembered for later updates; default:\n"
	"                      pinfold's default catalog and every catalog remembered before\n";
static const char usage_show[] =
	"usage: pinfold [--json] advisories show [NAME]\n"
	"  List the verified advisories kept on this machine (each copy is verified again first):\n"
	"  id, severity, package, versions, reason and advice, and how old each copy is.\n";

/* Update from one catalog; prints its line. 0 or the exit status of the failure. */
static int update_one(struct cli *c, const char *where, int remember, int quiet_untrusted)
{
	struct ctx_catalog cc;
	struct verify_opts o;
	struct watch_update u;
	int rc;

	memset(&u, 0, sizeof u);
	rc = ctx_catalog_open(&c->ctx, where, NULL, &cc, &c->err);
	if (rc == -PF_EUNTRUSTED && quiet_untrusted) {
		/* the default catalog under a trust store that does not include the release key */
		cli_debug(c, "skipping the default catalog: %s", c->err.msg);
		pf_err_clear(&c->err);
		ctx_catalog_release(&cc);
		return 0;
	}
	if (!rc)
		rc = ctx_verify_opts(&c->ctx, NULL, &o, &c->err);
	if (!rc)
		rc = watch_advisories_update(&c->ctx, &cc.cat, where, &o, &u, &c->err);
	if (!rc && remember && watch_sources_add(c->ctx.state_dir, where, &c->err)) {
		cli_warn(c, "%s", c->err.msg);
		pf_err_clear(&c->err);
	}
	if (!rc) {
		char *from = cli_safe(u.from ? u.from : where);

		if (u.none)
			cli_info(c, "catalog '%s' publishes no advisories", u.name);
		else if (u.before == u.version)
			cli_info(c, "advisories '%s' version %lld from %s: unchanged, verified again (%zu advisor%s)",
				 u.name, u.version, from, u.count, u.count == 1 ? "y" : "ies");
		else if (u.before)
			cli_info(c, "advisories '%s' version %lld from %s: kept (was version %lld), %zu advisor%s", u.name,
				 u.version, from, u.before, u.count, u.count == 1 ? "y" : "ies");
		else
			cli_info(c, "advisories '%s' version %lld from %s: kept (none before), %zu advisor%s", u.name,
				 u.version, from, u.count, u.count == 1 ? "y" : "ies");
		free(from);
	}
	watch_update_release(&u);
	ctx_catalog_release(&cc);
	if (rc) {
		fflush(stdout);
		fprintf(stderr, "pinfold: error: %s\n", c->err.code ? c->err.msg : pf_strerror(rc));
		pf_err_clear(&c->err);
		return pf_exit_status(rc);
	}
	return 0;
}

int cli_advisories_update(struct cli *c, const char *catalog)
{
	struct pf_strv srcs = PF_STRV_INIT;
	int status = 0, rc;

	if (catalog)
		return update_one(c, catalog, 1, 0);
	rc = watch_sources_list(c->ctx.state_dir, &srcs, &c->err);
	if (rc)
		return cli_fail(c, rc);
	status = update_one(c, cli_default_catalog(c), 0, 1);
	for (size_t i = 0; i < srcs.n; i++) {
		int s = update_one(c, srcs.v[i], 0, 0);

		/* a refusal (1) outranks a network failure (3): it is what the user must look at */
		if (s && (!status || s == 1))
			status = s;
	}
	pf_strv_release(&srcs);
	return status;
}

static int adv_update(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *catalog = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': catalog = optarg; break;
		default: return cli_bad_option(c, "advisories update", argv);
		}
	}
	if (optind != argc)
		return cli_usage(c, "advisories update", "advisories update: unexpected argument '%s'", argv[optind]);
	return cli_advisories_update(c, catalog);
}

static void json_adv(const struct advisory *x)
{
	printf("{\"id\":");
	cli_json_str(stdout, x->id);
	printf(",\"ecosystem\":");
	cli_json_str(stdout, x->ecosystem);
	printf(",\"name\":");
	cli_json_str(stdout, x->name);
	if (x->range) {
		printf(",\"range\":");
		cli_json_str(stdout, x->range);
	} else {
		printf(",\"versions\":[");
		for (size_t k = 0; k < x->nversions; k++) {
			if (k)
				putchar(',');
			cli_json_str(stdout, x->versions[k]);
		}
		printf("]");
	}
	printf(",\"severity\":");
	cli_json_str(stdout, x->severity ? x->severity : "");
	printf(",\"reason\":");
	cli_json_str(stdout, x->reason ? x->reason : "");
	printf(",\"advice\":");
	cli_json_str(stdout, x->advice ? x->advice : "");
	printf(",\"published\":");
	cli_json_str(stdout, x->published ? x->published : "");
	printf("}");
}

static int adv_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ NULL, 0, NULL, 0 },
	};
	struct watch_advset as;
	const char *only = NULL;
	char when[PF_TIME_STR];
	size_t shown = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cli_bad_option(c, "advisories show", argv);
	if (argc - optind > 1)
		return cli_usage(c, "advisories show", "advisories show: expected at most one NAME");
	if (optind < argc)
		only = argv[optind];
	rc = cli_watch_advisories(c, &as);
	if (rc)
		return cli_fail(c, rc);
	if (c->json)
		printf("{\"advisories\":[");
	for (size_t i = 0; i < as.n; i++) {
		const struct watch_adv *s = &as.v[i];

		if (only && strcmp(only, s->a.name))
			continue;
		pf_time_format(s->saved_at, when);
		if (c->json) {
			printf("%s{\"name\":", shown ? "," : "");
			cli_json_str(stdout, s->a.name);
			printf(",\"version\":%lld,\"expires\":", s->a.version);
			cli_json_str(stdout, s->a.expires ? s->a.expires : "");
			if (s->saved_at)
				printf(",\"verified_at\":\"%s\",\"age_days\":%lld", when,
				       (long long)(c->ctx.now - s->saved_at) / 86400);
			else
				printf(",\"verified_at\":null,\"age_days\":null");
			printf(",\"expired\":%s,\"stale\":%s,\"items\":[", s->expired ? "true" : "false",
			       s->stale ? "true" : "false");
			for (size_t k = 0; k < s->a.n; k++) {
				if (k)
					putchar(',');
				json_adv(&s->a.items[k]);
			}
			printf("]}");
		} else {
			cli_out(c, "advisories '%s' version %lld (expires %s, verified at %s%s%s):", s->a.name, s->a.version,
				s->a.expires ? s->a.expires : "?", s->saved_at ? when : "an unknown time",
				s->expired ? ", EXPIRED" : "", s->stale ? ", stale" : "");
			for (size_t k = 0; k < s->a.n; k++) {
				const struct advisory *x = &s->a.items[k];
				struct pf_buf v = PF_BUF_INIT;

				if (x->range)
					pf_buf_adds(&v, x->range);
				for (size_t j = 0; j < x->nversions; j++)
					pf_buf_addf(&v, "%s%s", j ? ", " : "", x->versions[j]);
				cli_out(c, "  %s (%s) %s:%s %s: %s", x->id, x->severity ? x->severity : "unrated",
					x->ecosystem, x->name, pf_buf_cstr(&v), x->reason ? x->reason : "");
				if (x->advice && *x->advice)
					cli_out(c, "    advice: %s", x->advice);
				pf_buf_release(&v);
			}
		}
		shown++;
	}
	if (c->json)
		printf("]}\n");
	watch_advset_release(&as);
	if (only && !shown)
		return cli_fail(c, pf_error(&c->err, PF_ENOTFOUND, "no verified advisories '%s' are kept here", only));
	if (!shown && !c->json)
		cli_info(c, "no verified advisories are kept here (run 'pinfold advisories update --catalog DIR|URL')");
	return 0;
}

static const struct cli_sub subs[] = {
	{ "update", adv_update, usage_update },
	{ "show", adv_show, usage_show },
	{ NULL, NULL, NULL },
};

int cmd_advisories(struct cli *c, int argc, char **argv)
{
	int rc = cli_watch_state(c, argc, argv);

	return rc ? rc : cli_subcommand(c, "advisories", subs, argc, argv);
}
