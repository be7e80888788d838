/* SPDX-License-Identifier: MIT */
/* Matching findings against advisories through lock/'s revocation rule, called from exactly one place. */
#include <stdlib.h>
#include <string.h>

#include "ctx/ctx.h"
#include "lock/lock.h"
#include "watch/match.h"

void watch_advset_release(struct watch_advset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		advisories_release(&s->v[i].a);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* A pinfold lock first, then what is installed, then lockfiles and caches. */
static int source_rank(const char *s)
{
	static const char *const order[] = { "lock", "installed", "recorded", "lockfile", "cache", NULL };
	int i = 0;

	while (order[i] && strcmp(order[i], s))
		i++;
	return i;
}

static int found_cmp(const void *a, const void *b)
{
	const struct watch_found *x = a, *y = b;
	int r = strcmp(x->ecosystem, y->ecosystem);

	if (!r)
		r = strcmp(x->name, y->name);
	if (!r)
		r = strcmp(x->version, y->version);
	if (!r)
		r = source_rank(x->source) - source_rank(y->source);
	if (!r)
		r = strcmp(x->path, y->path);
	if (!r)
		r = strcmp(x->format, y->format);
	return r;
}

void watch_findings_sort(struct watch_findings *f)
{
	pf_qsort(f->v, f->n, sizeof *f->v, found_cmp);
}

/*
 * THE place watch/ asks "which of these versions do these advisories revoke":
 * ctx_revocations(), the rule audit and build apply (solve_advisory_covers:
 * the ecosystem's normalised names, versions compared by the ecosystem's
 * rules, ranges).
 */
static int revoked(const struct lockfile *l, const struct advisories *a, struct ctx_finding **out, size_t *n,
		   struct pf_err *e)
{
	return ctx_revocations(l, a, out, n, e);
}

struct triple {
	const size_t *idx;			/* indices into the findings with these values */
	size_t count;
};

static int idx_cmp(const void *a, const void *b, void *ctx)
{
	const struct watch_found *v = ctx;

	return found_cmp(&v[*(const size_t *)a], &v[*(const size_t *)b]);
}

static int hit_cmp(const void *a, const void *b)
{
	const struct watch_hit *x = a, *y = b;
	/* by package, then advisory, then where */
	int r = strcmp(x->found->ecosystem, y->found->ecosystem);
	if (!r)
		r = strcmp(x->found->name, y->found->name);
	if (!r)
		r = strcmp(x->found->version, y->found->version);
	if (!r)
		r = strcmp(x->adv->id, y->adv->id);
	if (!r)
		r = strcmp(x->set->a.name, y->set->a.name);
	if (!r)
		r = found_cmp(x->found, y->found);
	return r;
}

int watch_match(const struct watch_findings *f, const struct watch_advset *as, struct watch_hit **out, size_t *n,
		struct pf_err *e)
{
	size_t *idx = NULL;
	struct triple *tr = NULL;
	struct lock_pkg *pkgs = NULL;
	struct watch_hit *hits = NULL;
	size_t nt = 0, nh = 0, cap = 0;
	struct lockfile l;

	*out = NULL;
	*n = 0;
	if (!f->n || !as->n)
		return 0;
	/* one package per distinct (ecosystem, name, version): the rule runs once per version, not per place */
	idx = pf_xmalloc(f->n * sizeof *idx);
	for (size_t i = 0; i < f->n; i++)
		idx[i] = i;
	qsort_r(idx, f->n, sizeof *idx, idx_cmp, f->v);
	tr = pf_xcalloc(f->n, sizeof *tr);
	pkgs = pf_xcalloc(f->n, sizeof *pkgs);
	for (size_t i = 0; i < f->n; i++) {
		const struct watch_found *x = &f->v[idx[i]];

		if (nt && !strcmp(pkgs[nt - 1].ecosystem, x->ecosystem) && !strcmp(pkgs[nt - 1].name, x->name) &&
		    !strcmp(pkgs[nt - 1].version, x->version)) {
			tr[nt - 1].count++;
			continue;
		}
		tr[nt].idx = &idx[i];
		tr[nt].count = 1;
		pkgs[nt].ecosystem = x->ecosystem;
		pkgs[nt].name = x->name;
		pkgs[nt].version = x->version;
		nt++;
	}
	memset(&l, 0, sizeof l);
	for (size_t s = 0; s < as->n; s++) {
		struct ctx_finding *af = NULL;
		size_t naf = 0;
		struct pf_err probe = { 0 };

		l.pkgs = pkgs;
		l.npkgs = nt;
		if (revoked(&l, &as->v[s].a, &af, &naf, &probe)) {
			/* one version the range cannot judge must not hide the others: one package at a time */
			free(af);
			af = NULL;
			naf = 0;
			for (size_t i = 0; i < nt; i++) {
				struct ctx_finding *one = NULL;
				size_t none = 0;

				memset(&probe, 0, sizeof probe);
				l.pkgs = &pkgs[i];
				l.npkgs = 1;
				if (revoked(&l, &as->v[s].a, &one, &none, &probe)) {
					pf_warn(e, "%s", probe.msg);
					continue;
				}
				if (none) {
					af = pf_xrealloc(af, (naf + none) * sizeof *af);
					memcpy(af + naf, one, none * sizeof *one);
					naf += none;
				}
				free(one);
			}
		}
		for (size_t k = 0; k < naf; k++) {
			const struct triple *t = &tr[af[k].pkg - pkgs];

			for (size_t j = 0; j < t->count; j++) {
				PF_GROW(hits, nh + 1, cap);
				hits[nh].found = &f->v[t->idx[j]];
				hits[nh].adv = af[k].adv;
				hits[nh].set = &as->v[s];
				nh++;
			}
		}
		free(af);
	}
	pf_qsort(hits, nh, sizeof *hits, hit_cmp);
	free(idx);
	free(tr);
	free(pkgs);
	*out = hits;
	*n = nh;
	return 0;
}
