/* SPDX-License-Identifier: MIT */
/* pinfold audit --all: every environment this machine built, unpacked or ran, against the advisories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/progress.h"
#include "cli/watch.h"
#include "core/time.h"
#include "watch/audit.h"

/* Hits [i, end) are one (package version, advisory), found in one or more places. */
static size_t group_end(const struct watch_env_audit *r, size_t i)
{
	size_t j = i + 1;

	while (j < r->nhits && r->hits[j].adv == r->hits[i].adv &&
	       !strcmp(r->hits[j].found->ecosystem, r->hits[i].found->ecosystem) &&
	       !strcmp(r->hits[j].found->name, r->hits[i].found->name) &&
	       !strcmp(r->hits[j].found->version, r->hits[i].found->version))
		j++;
	return j;
}

static void json_time(time_t t)
{
	char s[PF_TIME_STR];

	if (!t) {
		fputs("null", stdout);
		return;
	}
	pf_time_format(t, s);
	printf("\"%s\"", s);
}

static void print_json(time_t now, const struct watch_audit *a, const struct watch_advset *as)
{
	printf("{\"environments\":[");
	for (size_t i = 0; i < a->n; i++) {
		const struct watch_env_audit *r = &a->v[i];

		printf("%s{\"path\":", i ? "," : "");
		cli_json_str(stdout, r->env.path);
		printf(",\"kind\":\"%s\",\"state\":\"%s\",\"since\":", watch_env_kind_name(r->env.kind),
		       watch_env_state_name(r->env.state));
		json_time(r->env.state == WATCH_PRESENT ? 0 : r->env.since);
		printf(",\"lock_sha256\":\"%s\",\"first_use\":", r->env.lock_sha256);
		json_time(r->env.first);
		printf(",\"last_use\":");
		json_time(r->env.last);
		printf(",\"uses\":%llu,\"last_use_by\":\"%s\",\"lock_readable\":%s,\"scanned\":%s,\"affected\":[",
		       r->env.uses, r->env.how, r->no_lock ? "false" : "true", r->scanned ? "true" : "false");
		for (size_t k = 0, end; k < r->nhits; k = end) {
			const struct watch_hit *h = &r->hits[k];

			end = group_end(r, k);
			printf("%s{\"ecosystem\":\"%s\",\"name\":", k ? "," : "", h->found->ecosystem);
			cli_json_str(stdout, h->found->name);
			printf(",\"version\":");
			cli_json_str(stdout, h->found->version);
			printf(",\"advisory\":");
			cli_json_str(stdout, h->adv->id);
			printf(",\"advisories\":");
			cli_json_str(stdout, h->set->a.name);
			printf(",\"severity\":");
			cli_json_str(stdout, h->adv->severity ? h->adv->severity : "");
			printf(",\"reason\":");
			cli_json_str(stdout, h->adv->reason ? h->adv->reason : "");
			printf(",\"advice\":");
			cli_json_str(stdout, h->adv->advice ? h->adv->advice : "");
			printf(",\"published\":");
			cli_json_str(stdout, h->adv->published ? h->adv->published : "");
			printf(",\"found\":[");
			for (size_t j = k; j < end; j++) {
				printf("%s{\"source\":\"%s\",\"format\":\"%s\",\"path\":", j > k ? "," : "",
				       r->hits[j].found->source, r->hits[j].found->format);
				cli_json_str(stdout, r->hits[j].found->path);
				printf("}");
			}
			printf("]}");
		}
		printf("]}");
	}
	printf("],\"advisories\":[");
	for (size_t i = 0; i < as->n; i++) {
		const struct watch_adv *x = &as->v[i];

		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, x->a.name);
		printf(",\"version\":%lld,\"count\":%zu,\"verified_at\":", x->a.version, x->a.n);
		json_time(x->saved_at);
		printf(",\"age_days\":");
		if (x->saved_at)
			printf("%lld", (long long)(now - x->saved_at) / 86400);
		else
			printf("null");
		printf(",\"expired\":%s,\"stale\":%s}", x->expired ? "true" : "false", x->stale ? "true" : "false");
	}
	printf("],\"affected\":%zu,\"clean\":%s}\n", a->affected, a->affected ? "false" : "true");
}

static void print_found(struct cli *c, const struct watch_env_audit *r, size_t k, size_t end)
{
	struct pf_buf b = PF_BUF_INIT;
	char when[PF_TIME_STR];

	for (size_t j = k; j < end; j++) {
		const struct watch_found *f = r->hits[j].found;
		char *p = cli_safe(f->path);

		if (j > k)
			pf_buf_adds(&b, "; ");
		if (!strcmp(f->source, "lock")) {
			pf_buf_adds(&b, "in its lock");
		} else if (!strcmp(f->source, "recorded")) {
			pf_time_format(r->recorded_at, when);
			pf_buf_addf(&b, "installed at %s (%s, seen %s)", p, f->format, when);
		} else {
			pf_buf_addf(&b, "installed at %s (%s)", p, f->format);
		}
		free(p);
	}
	cli_out(c, "    found: %s", pf_buf_cstr(&b));
	pf_buf_release(&b);
}

static void print_text(struct cli *c, const struct watch_audit *a)
{
	char first[PF_TIME_STR], last[PF_TIME_STR], since[PF_TIME_STR];

	for (size_t i = 0; i < a->n; i++) {
		const struct watch_env_audit *r = &a->v[i];
		char *path = cli_safe(r->env.path), *state;

		pf_time_format(r->env.first, first);
		pf_time_format(r->env.last, last);
		pf_time_format(r->env.since, since);
		state = r->env.state == WATCH_PRESENT ? pf_xstrdup("") :
			pf_xasprintf(", %s since %s", watch_env_state_name(r->env.state), since);
		if (!r->nhits) {
			cli_debug(c, "%s (%s%s): clean", path, watch_env_kind_name(r->env.kind), state);
			free(path);
			free(state);
			continue;
		}
		cli_out(c, "%s (%s%s): used from %s to %s (%llu use%s, last by %s)", path,
			watch_env_kind_name(r->env.kind), state, first, last, r->env.uses, r->env.uses == 1 ? "" : "s",
			r->env.how);
		for (size_t k = 0, end; k < r->nhits; k = end) {
			const struct watch_hit *h = &r->hits[k];
			char *name = cli_safe(h->found->name), *ver = cli_safe(h->found->version);

			end = group_end(r, k);
			cli_out(c, "  %s:%s %s: revoked by %s (%s): %s", h->found->ecosystem, name, ver, h->adv->id,
				h->adv->severity ? h->adv->severity : "unrated", h->adv->reason ? h->adv->reason : "");
			print_found(c, r, k, end);
			if (h->adv->advice && *h->adv->advice)
				cli_out(c, "    advice: %s", h->adv->advice);
			free(name);
			free(ver);
		}
		free(path);
		free(state);
	}
}

int cli_audit_all(struct cli *c, cli_audit_after_fn after, void *ud)
{
	struct watch_advset as;
	struct watch_audit a;
	struct watch_scan_opts so;
	size_t gone = 0;
	int rc;

	if ((rc = cli_watch_state(c, 0, NULL)))
		return rc;

	memset(&a, 0, sizeof a);
	memset(&so, 0, sizeof so);
	rc = cli_watch_advisories(c, &as);
	if (rc)
		return cli_fail(c, rc);
	rc = watch_audit_all(c->ctx.state_dir, &as, &so, c->ctx.now, &a, &c->err);
	if (rc) {
		watch_advset_release(&as);
		return cli_fail(c, rc);
	}
	for (size_t i = 0; i < a.n; i++)
		gone += a.v[i].env.state != WATCH_PRESENT;
	if (c->json) {
		print_json(c->ctx.now, &a, &as);
	} else {
		print_text(c, &a);
		cli_info(c, "audited %zu environment%s used on this machine (%zu gone or replaced): %zu affected", a.n,
			 a.n == 1 ? "" : "s", gone, a.affected);
		cli_watch_adv_summary(c, &as);
		if (a.affected)
			cli_warn(c, "%zu environment%s used here contain%s revoked packages: rotate what the advice "
				 "names for the machines they ran on, counting from the first use shown", a.affected,
				 a.affected == 1 ? "" : "s", a.affected == 1 ? "s" : "");
	}
	rc = a.affected ? 1 : 0;
	if (after) {
		int r = after(c, &a, ud);

		if (r > rc)
			rc = r;
	}
	watch_audit_release(&a);
	watch_advset_release(&as);
	return rc;
}
