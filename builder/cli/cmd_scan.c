/* SPDX-License-Identifier: MIT */
/* pinfold scan: find revoked packages installed, locked or cached anywhere pinfold never built. */
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/watch.h"
#include "core/file.h"
#include "core/time.h"
#include "watch/match.h"
#include "watch/scan.h"

#define DEFAULT_MAX_TIME 600

static void usage(FILE *f)
{
	cli_print_usage(f, "scan");
	fputs("\nPATHs (directories or single files; default: your home and the usual install locations:\n"
	      "/usr/lib/python3*, /usr/local/lib/python3*, /usr/lib/node_modules, /usr/local/lib/node_modules,\n"
	      "/var/lib/dpkg) are searched, read-only, for installed Python distributions (*.dist-info,\n"
	      "*.egg-info), node_modules/*/package.json (scoped and nested too), dpkg's status, lockfiles\n"
	      "(package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock,\n"
	      "Pipfile.lock, pylock.toml, pinned requirements*.txt) and package caches (pip's http caches and\n"
	      "wheel files, npm's _cacache index). Every version a verified advisory kept on this machine\n"
	      "revokes is listed with where it was found. Symbolic links below a PATH are never followed;\n"
	      "unreadable directories are skipped and counted. Exit 1 when anything matched, 0 when not,\n"
	      "3 when a limit stopped the scan before it was complete and nothing matched.\n"
	      "\noptions:\n"
	      "  --only KINDS          installed, lockfiles, caches (comma-separated; default: all)\n"
	      "  --max-time SECONDS    stop after this long (default 600)\n"
	      "  --max-depth N         directory levels below each PATH (default 64)\n"
	      "  --max-entries N       directory entries looked at in all (default 20000000)\n", f);
}

struct progress {
	struct cli *c;
	int on, drawn;
};

static void on_progress(void *ud, const char *path, const struct watch_scan_stats *st)
{
	struct progress *p = ud;
	char *safe;
	size_t n;

	if (!p->on)
		return;
	safe = cli_safe(path);
	n = strlen(safe);
	fprintf(stderr, "\rscanning: %llu directories, %llu files: %s%s\033[K", st->dirs, st->files,
		n > 50 ? "..." : "", n > 50 ? safe + n - 47 : safe);
	fflush(stderr);
	p->drawn = 1;
	free(safe);
}

static void on_problem(void *ud, const char *path, const char *why)
{
	struct progress *p = ud;
	char *safe = cli_safe(path);

	if (p->drawn) {
		fputs("\r\033[K", stderr);
		p->drawn = 0;
	}
	cli_debug(p->c, "skipped '%s': %s", safe, why);
	free(safe);
}

static int by_length(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x < y ? -1 : x > y ? 1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* Existing default roots, none inside another. */
static void default_roots(struct pf_strv *roots)
{
	static const char *const pats[] = { "/usr/lib/python3*", "/usr/local/lib/python3*", "/usr/lib/node_modules",
					    "/usr/local/lib/node_modules", "/var/lib/dpkg" };
	const char *home = getenv("HOME");
	struct pf_strv all = PF_STRV_INIT;

	if (home && *home == '/')
		pf_strv_push(&all, home);
	for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
		glob_t g;

		if (glob(pats[i], GLOB_ONLYDIR, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc; k++)
				pf_strv_push(&all, g.gl_pathv[k]);
		globfree(&g);
	}
	/* real paths, shortest first: a root inside one already kept adds nothing */
	for (size_t i = 0; i < all.n; i++) {
		char *r = realpath(all.v[i], NULL);

		free(all.v[i]);
		all.v[i] = r ? r : pf_xstrdup("");
	}
	pf_qsort(all.v, all.n, sizeof *all.v, by_length);
	for (size_t i = 0; i < all.n; i++) {
		const char *r = all.v[i];
		int inside = !*r;

		for (size_t k = 0; k < roots->n && !inside; k++) {
			size_t kl = strlen(roots->v[k]);

			inside = !strcmp(roots->v[k], "/") ||
				 (!strncmp(r, roots->v[k], kl) && (r[kl] == '/' || !r[kl]));
		}
		if (!inside)
			pf_strv_push(roots, r);
	}
	pf_strv_release(&all);
}

static int parse_only(const char *s, unsigned *what)
{
	char *copy = pf_xstrdup(s), *save = NULL;
	int rc = 0;

	*what = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "installed"))
			*what |= WATCH_SCAN_INSTALLED;
		else if (!strcmp(t, "lockfiles"))
			*what |= WATCH_SCAN_LOCKFILES;
		else if (!strcmp(t, "caches"))
			*what |= WATCH_SCAN_CACHES;
		else
			rc = -1;
	}
	free(copy);
	return rc || !*what ? -1 : 0;
}

static size_t group_end(const struct watch_hit *h, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && h[j].adv == h[i].adv && !strcmp(h[j].found->ecosystem, h[i].found->ecosystem) &&
	       !strcmp(h[j].found->name, h[i].found->name) && !strcmp(h[j].found->version, h[i].found->version))
		j++;
	return j;
}

static void print_json(const struct pf_strv *roots, const struct watch_hit *h, size_t n,
		       const struct watch_scan_stats *st, long long ms, const struct watch_advset *as)
{
	printf("{\"roots\":[");
	for (size_t i = 0; i < roots->n; i++) {
		if (i)
			putchar(',');
		cli_json_str(stdout, roots->v[i]);
	}
	printf("],\"matches\":[");
	for (size_t i = 0, end; i < n; i = end) {
		end = group_end(h, n, i);
		printf("%s{\"ecosystem\":\"%s\",\"name\":", i ? "," : "", h[i].found->ecosystem);
		cli_json_str(stdout, h[i].found->name);
		printf(",\"version\":");
		cli_json_str(stdout, h[i].found->version);
		printf(",\"advisory\":");
		cli_json_str(stdout, h[i].adv->id);
		printf(",\"advisories\":");
		cli_json_str(stdout, h[i].set->a.name);
		printf(",\"severity\":");
		cli_json_str(stdout, h[i].adv->severity ? h[i].adv->severity : "");
		printf(",\"reason\":");
		cli_json_str(stdout, h[i].adv->reason ? h[i].adv->reason : "");
		printf(",\"advice\":");
		cli_json_str(stdout, h[i].adv->advice ? h[i].adv->advice : "");
		printf(",\"found\":[");
		for (size_t j = i; j < end; j++) {
			printf("%s{\"source\":\"%s\",\"format\":\"%s\",\"path\":", j > i ? "," : "", h[j].found->source,
			       h[j].found->format);
			cli_json_str(stdout, h[j].found->path);
			printf("}");
		}
		printf("]}");
	}
	printf("],\"stats\":{\"directories\":%llu,\"files\":%llu,\"read\":%llu,\"unreadable\":%llu,\"bad\":%llu,"
	       "\"symlinks\":%llu,\"too_deep\":%llu,\"milliseconds\":%lld},\"complete\":%s,\"stopped\":",
	       st->dirs, st->files, st->read, st->unreadable, st->bad, st->symlinks, st->too_deep, ms,
	       st->stopped ? "false" : "true");
	if (st->stopped)
		cli_json_str(stdout, st->stopped);
	else
		printf("null");
	printf(",\"advisories\":[");
	for (size_t i = 0; i < as->n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		cli_json_str(stdout, as->v[i].a.name);
		printf(",\"version\":%lld,\"expired\":%s}", as->v[i].a.version, as->v[i].expired ? "true" : "false");
	}
	printf("]}\n");
}

static void print_text(struct cli *c, const struct watch_hit *h, size_t n)
{
	for (size_t i = 0, end; i < n; i = end) {
		char *name = cli_safe(h[i].found->name), *ver = cli_safe(h[i].found->version);

		end = group_end(h, n, i);
		cli_out(c, "%s:%s %s: revoked by %s (%s): %s", h[i].found->ecosystem, name, ver, h[i].adv->id,
			h[i].adv->severity ? h[i].adv->severity : "unrated", h[i].adv->reason ? h[i].adv->reason : "");
		for (size_t j = i; j < end; j++) {
			char *p = cli_safe(h[j].found->path);

			cli_out(c, "  %s: %s (%s)", h[j].found->source, p, h[j].found->format);
			free(p);
		}
		if (h[i].adv->advice && *h[i].adv->advice)
			cli_out(c, "  advice: %s", h[i].adv->advice);
		free(name);
		free(ver);
	}
}

int cmd_scan(struct cli *c, int argc, char **argv)
{
	enum { OPT_ONLY = 256, OPT_TIME, OPT_DEPTH, OPT_ENTRIES };
	static const struct option opts[] = {
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "max-time", required_argument, NULL, OPT_TIME },
		{ "max-depth", required_argument, NULL, OPT_DEPTH },
		{ "max-entries", required_argument, NULL, OPT_ENTRIES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pf_strv roots = PF_STRV_INIT;
	struct watch_findings f;
	struct watch_scan_opts so;
	struct watch_scan_stats st;
	struct watch_advset as;
	struct watch_hit *hits = NULL;
	struct progress prog = { c, 0, 0 };
	long max_time = DEFAULT_MAX_TIME, depth = 0, entries = 0;
	long long t0;
	size_t nhits = 0, groups = 0;
	int opt, rc, status;

	memset(&f, 0, sizeof f);
	memset(&so, 0, sizeof so);
	memset(&st, 0, sizeof st);
	memset(&as, 0, sizeof as);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': usage(stdout); return 0;
		case OPT_ONLY:
			if (parse_only(optarg, &so.what))
				return cli_usage(c, "scan", "--only: '%s' is not a list of installed, lockfiles, caches",
						 optarg);
			break;
		case OPT_TIME:
			if (cli_parse_long(optarg, 1, 86400 * 7, &max_time))
				return cli_usage(c, "scan", "--max-time: '%s' is not a number of seconds from 1 to 604800",
						 optarg);
			break;
		case OPT_DEPTH:
			if (cli_parse_long(optarg, 1, 4096, &depth))
				return cli_usage(c, "scan", "--max-depth: '%s' is not a number from 1 to 4096", optarg);
			break;
		case OPT_ENTRIES:
			if (cli_parse_long(optarg, 1, 1000000000000L, &entries))
				return cli_usage(c, "scan", "--max-entries: '%s' is not a positive number", optarg);
			break;
		default: return cli_bad_option(c, "scan", argv);
		}
	}
	for (int i = optind; i < argc; i++)
		pf_strv_push(&roots, argv[i]);
	if (!roots.n)
		default_roots(&roots);
	rc = cli_watch_advisories(c, &as);
	if (rc) {
		status = cli_fail(c, rc);
		goto out;
	}
	t0 = watch_now_ms();
	so.max_depth = (int)depth;
	so.max_entries = (unsigned long long)entries;
	so.deadline_ms = t0 + (long long)max_time * 1000;
	prog.on = cli_progress_on(c);
	so.progress = on_progress;
	so.progress_ud = &prog;
	so.problem = on_problem;
	so.problem_ud = &prog;
	for (size_t i = 0; i < roots.n && !st.stopped; i++) {
		rc = watch_scan(roots.v[i], &so, &f, &st, &c->err);
		if (rc) {
			if (prog.drawn)
				fputs("\r\033[K", stderr);
			prog.drawn = 0;
			status = cli_fail(c, rc);
			goto out;
		}
	}
	if (prog.drawn)
		fputs("\r\033[K", stderr);
	rc = watch_match(&f, &as, &hits, &nhits, &c->err);
	if (rc) {
		status = cli_fail(c, rc);
		goto out;
	}
	for (size_t i = 0; i < nhits; i = group_end(hits, nhits, i))
		groups++;
	if (c->json) {
		print_json(&roots, hits, nhits, &st, watch_now_ms() - t0, &as);
	} else {
		print_text(c, hits, nhits);
		cli_info(c, "scanned %zu path%s: %llu directories, %llu files, %llu metadata files read in %.1f s; "
			 "%llu unreadable director%s skipped, %llu unreadable or malformed file%s, %llu symbolic "
			 "link%s not followed", roots.n, roots.n == 1 ? "" : "s", st.dirs, st.files, st.read,
			 (double)(watch_now_ms() - t0) / 1000, st.unreadable, st.unreadable == 1 ? "y" : "ies", st.bad,
			 st.bad == 1 ? "" : "s", st.symlinks, st.symlinks == 1 ? "" : "s");
		cli_info(c, "%zu revoked package version%s found in %zu place%s", groups, groups == 1 ? "" : "s",
			 nhits, nhits == 1 ? "" : "s");
		cli_watch_adv_summary(c, &as);
	}
	if (st.too_deep)
		cli_warn(c, "%llu director%s deeper than the depth limit were not searched", st.too_deep,
			 st.too_deep == 1 ? "y was" : "ies were");
	if (st.stopped)
		cli_warn(c, "the scan stopped at %s: the results are incomplete", st.stopped);
	if (nhits && !c->json)
		cli_warn(c, "revoked packages were installed, locked or downloaded here: follow each advisory's "
			 "advice for this machine and every environment built from those files");
	status = nhits ? 1 : st.stopped ? 3 : 0;
out:
	free(hits);
	watch_findings_release(&f);
	watch_advset_release(&as);
	pf_strv_release(&roots);
	return status;
}
