/* SPDX-License-Identifier: MIT */
/* pinfold why: the chains from the image's requests to one locked package. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lock/lock.h"
#include "solve/solve.h"

static const char usage[] =
	"usage: pinfold why LOCKFILE ECOSYSTEM:NAME\n"
	"Show why a package is in a lockfile: each chain from an image request to it.\n";

/* Index of the locked package that "ECO:NAME VERSION" or "ECO:NAME" names, or -1. */
static long find(const struct lockfile *l, const char *ref)
{
	const char *colon = strchr(ref, ':');
	size_t nlen = strcspn(ref, " [");
	char *eco, *name, *want;
	long hit = -1;

	if (!colon || (size_t)(colon - ref) > nlen)
		return -1;
	eco = pf_xstrndup(ref, (size_t)(colon - ref));
	name = pf_xstrndup(colon + 1, nlen - (size_t)(colon - ref) - 1);
	want = solve_pool_name(eco, name);
	for (size_t i = 0; i < l->npkgs && hit < 0; i++) {
		char *pn = solve_pool_name(l->pkgs[i].ecosystem, l->pkgs[i].name);

		if (!strcmp(pn, want))
			hit = (long)i;
		free(pn);
	}
	free(eco);
	free(name);
	free(want);
	return hit;
}

/* "image -> ... -> package start": the shortest chain over requested_by (BFS); NULL if none. */
static char *chain_to(const struct lockfile *l, long start)
{
	long *prev = pf_xcalloc(l->npkgs + 1, sizeof *prev), *queue = pf_xcalloc(l->npkgs + 1, sizeof *queue);
	char *seen = pf_xcalloc(l->npkgs + 1, 1);
	size_t head = 0, tail = 0;
	long root = -1;
	struct pf_buf line = PF_BUF_INIT;

	queue[tail++] = start;
	seen[start] = 1;
	prev[start] = -1;
	while (head < tail && root < 0) {
		long i = queue[head++];
		const struct lock_pkg *p = &l->pkgs[i];

		for (size_t j = 0; j < p->nrequested_by; j++) {
			long k;

			if (!strcmp(p->requested_by[j], "image")) {
				root = i;
				break;
			}
			k = find(l, p->requested_by[j]);
			if (k >= 0 && !seen[k]) {
				seen[k] = 1;
				prev[k] = i;
				queue[tail++] = k;
			}
		}
	}
	/* prev points from a requester back towards start, so walking it gives image-first order */
	if (root >= 0) {
		pf_buf_adds(&line, "image");
		for (long i = root; i >= 0; i = prev[i])
			pf_buf_addf(&line, " -> %s:%s %s", l->pkgs[i].ecosystem, l->pkgs[i].name, l->pkgs[i].version);
	}
	free(prev);
	free(queue);
	free(seen);
	return root >= 0 ? pf_buf_detach(&line, NULL) : NULL;
}

int cmd_why(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lockfile l;
	long i;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return 0;
		}
		return cli_bad_option(c, "why", argv);
	}
	if (optind + 2 != argc)
		return cli_usage(c, "why", "expected LOCKFILE ECOSYSTEM:NAME");
	if (!strchr(argv[optind + 1], ':'))
		return cli_usage(c, "why", "'%s' is not ECOSYSTEM:NAME", argv[optind + 1]);
	rc = lock_load(&l, argv[optind], &c->err);
	if (rc)
		return cli_fail(c, rc);
	i = find(&l, argv[optind + 1]);
	if (i < 0) {
		rc = pf_error(&c->err, PF_ENOTFOUND, "'%s': %s is not in the lock", argv[optind], argv[optind + 1]);
		lock_release(&l);
		return cli_fail(c, rc);
	}
	/* One chain through each direct requester, each the shortest from the image. */
	{
		struct pf_strv lines = PF_STRV_INIT;

		for (size_t j = 0; j < l.pkgs[i].nrequested_by; j++) {
			const char *who = l.pkgs[i].requested_by[j];
			long k = strcmp(who, "image") ? find(&l, who) : -1;
			char *ch = k >= 0 ? chain_to(&l, k) : NULL;
			char *line;

			if (!strcmp(who, "image"))
				line = pf_xasprintf("image -> %s:%s %s", l.pkgs[i].ecosystem, l.pkgs[i].name,
						    l.pkgs[i].version);
			else if (ch)
				line = pf_xasprintf("%s -> %s:%s %s", ch, l.pkgs[i].ecosystem, l.pkgs[i].name,
						    l.pkgs[i].version);
			else
				line = NULL;
			if (line && !pf_strv_contains(&lines, line))
				pf_strv_push(&lines, line);
			free(line);
			free(ch);
		}
		for (size_t j = 0; j < lines.n; j++)
			cli_out(c, "%s", lines.v[j]);
		pf_strv_release(&lines);
	}
	if (!l.pkgs[i].nrequested_by)
		cli_out(c, "%s:%s %s: no recorded requester", l.pkgs[i].ecosystem, l.pkgs[i].name, l.pkgs[i].version);
	lock_release(&l);
	return 0;
}
