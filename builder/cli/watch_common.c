/* SPDX-License-Identifier: MIT */
/* Shared by the watch commands: the advisories in use and their age, the use hook, the notice. */
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#define PF_STR_(x) #x
#define PF_STR(x) PF_STR_(x)
#include "cli/watch.h"
#include "core/time.h"
#include "watch/advisories.h"
#include "watch/notify.h"
#include "watch/registry.h"

int cli_watch_state(struct cli *c, int argc, char **argv)
{
	const char *state;
	int rc;

	if (cli_help_asked(argc, argv))
		return 0;
	rc = ctx_state_dir(&c->ctx, &state, &c->err);
	return rc ? cli_fail(c, rc) : 0;
}

const char *cli_default_catalog(const struct cli *c)
{
	return c->default_catalog;
}

char *cli_safe(const char *s)
{
	struct pf_buf b = PF_BUF_INIT;

	for (; s && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			pf_buf_addf(&b, "\\x%02x", (unsigned char)*s);
		else
			pf_buf_addc(&b, *s);
	}
	return b.p ? pf_buf_detach(&b, NULL) : pf_xstrdup("");
}

int cli_watch_advisories(struct cli *c, struct watch_advset *out)
{
	memset(out, 0, sizeof *out);
	return watch_advisories_load(&c->ctx, cli_default_catalog(c), out, &c->err);
}

void cli_watch_adv_summary(struct cli *c, const struct watch_advset *as)
{
	for (size_t i = 0; i < as->n; i++) {
		const struct watch_adv *x = &as->v[i];
		long long days = x->saved_at ? (long long)(c->ctx.now - x->saved_at) / 86400 : -1;
		char when[PF_TIME_STR];

		if (x->saved_at) {
			pf_time_format(x->saved_at, when);
			cli_info(c, "advisories '%s' version %lld: %zu advisor%s, verified at %s (%lld day%s old)%s",
				 x->a.name, x->a.version, x->a.n, x->a.n == 1 ? "y" : "ies", when, days,
				 days == 1 ? "" : "s", x->expired ? ", expired" : "");
		} else {
			cli_info(c, "advisories '%s' version %lld: %zu advisor%s (age unknown)", x->a.name, x->a.version,
				 x->a.n, x->a.n == 1 ? "y" : "ies");
		}
		if (x->expired)
			cli_warn(c, "advisories '%s' expired at %s; newer advisories may exist (run 'pinfold advisories "
				 "update')", x->a.name, x->a.expires ? x->a.expires : "?");
		else if (x->stale)
			cli_warn(c, "newer advisories '%s' than version %lld were verified since but not kept; run "
				 "'pinfold advisories update'", x->a.name, x->a.version);
		else if (days < 0 || days > CLI_ADV_CURRENT_DAYS)
			cli_warn(c, "advisories '%s' were last verified %s; run 'pinfold advisories update'", x->a.name,
				 days < 0 ? "at an unknown time" : "more than " PF_STR(CLI_ADV_CURRENT_DAYS) " days ago");
	}
	if (!as->n)
		cli_warn(c, "no verified advisories on this machine: nothing could be checked (run 'pinfold "
			 "advisories update --catalog DIR|URL')");
}

void cli_env_used(struct cli *c, const char *path, const char *how)
{
	struct pf_err e = { 0 };
	const char *state;

	if (ctx_state_dir(&c->ctx, &state, &e) || watch_env_touch(state, path, how, c->ctx.now, &e))
		cli_debug(c, "not recorded in the registry of environments: %s", e.msg);
	cli_watch_notice(c);
}

void cli_watch_notice(struct cli *c)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e = { 0 };
	const char *state;

	if (!ctx_state_dir(&c->ctx, &state, &e) && !watch_notice_read(state, &b, &e)) {
		fflush(stdout);
		for (char *s = b.p, *nl; s && *s; s = nl ? nl + 1 : s + strlen(s)) {
			char *line;

			nl = strchr(s, '\n');
			if (nl)
				*nl = '\0';
			line = cli_safe(s);
			fprintf(stderr, "pinfold: notice: %s\n", line);
			free(line);
		}
	}
	pf_buf_release(&b);
}
