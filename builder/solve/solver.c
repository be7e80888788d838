/* SPDX-License-Identifier: MIT */
/* One solve: policy filter, request jobs, pins, libsolv, and the resolved packages collected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/internal.h"

void solve_result_release(struct solve_result *r)
{
	for (size_t i = 0; i < r->npicks; i++) {
		struct solve_pick *k = &r->picks[i];

		free(k->ecosystem);
		free(k->name);
		free(k->version);
		free(k->published);
		free(k->file);
		free(k->format);
		for (size_t j = 0; j < k->nrequested_by; j++)
			free(k->requested_by[j]);
		free(k->requested_by);
	}
	free(r->picks);
	pf_strv_release(&r->problems);
	memset(r, 0, sizeof *r);
}

static int pick_cmp(const void *a, const void *b)
{
	const struct solve_pick *x = a, *y = b;
	int c = strcmp(x->ecosystem, y->ecosystem);

	c = c ? c : strcmp(x->name, y->name);
	return c ? c : solve_version_cmp(x->ecosystem, x->version, y->version);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Duplicates are dropped after sorting (sort_requesters). */
static void add_requester(struct solve_pick *k, const char *who)
{
	if (k->nrequested_by && !strcmp(k->requested_by[k->nrequested_by - 1], who))
		return;
	k->requested_by = pf_xrealloc(k->requested_by, (k->nrequested_by + 1) * sizeof *k->requested_by);
	k->requested_by[k->nrequested_by++] = pf_xstrdup(who);
}

static void collect(struct run *rn, Solver *solv, struct solve_result *r)
{
	struct solve_pool *sp = rn->sp;
	Pool *pool = sp->pool;
	Queue dq;
	Map picked;
	int *slot;

	queue_init(&dq);
	solver_get_decisionqueue(solv, &dq);
	map_init(&picked, pool->nsolvables);
	for (int i = 0; i < dq.count; i++)
		if (dq.elements[i] > 0 && sp_spkg(sp, dq.elements[i]))
			MAPSET(&picked, dq.elements[i]);
	slot = pf_xcalloc((size_t)pool->nsolvables, sizeof *slot);
	for (Id p = sp->start; p < sp->end; p++) {
		struct spkg *k;
		struct solve_pick *pk;

		if (!MAPTST(&picked, p))
			continue;
		k = sp_spkg(sp, p);
		if (k->host || k->extra)
			continue;
		r->picks = pf_xrealloc(r->picks, (r->npicks + 1) * sizeof *r->picks);
		pk = &r->picks[r->npicks];
		memset(pk, 0, sizeof *pk);
		pk->ecosystem = pf_xstrdup(k->eco);
		pk->name = pf_xstrdup(k->name);
		pk->version = pf_xstrdup(k->version);
		pk->published = pf_xstrdup(k->published ? k->published : "");
		pk->file = pf_xstrdup(k->file ? k->file : "");
		pk->format = pf_xstrdup(k->format ? k->format : "");
		pk->size = k->size;
		snprintf(pk->sha256, sizeof pk->sha256, "%s", k->sha256);
		slot[p] = (int)++r->npicks;
	}
	/* who asked for each package: the image, or a picked package (extras name their package) */
	for (size_t i = 0; i < rn->req->nrequests; i++) {
		if (!rn->req_dep[i])
			continue;
		for (Id *pp = pool_whatprovides_ptr(pool, rn->req_dep[i]); *pp; pp++) {
			Id p = *pp;
			struct spkg *k = sp_spkg(sp, p);

			if (!MAPTST(&picked, p))
				continue;
			if (k && k->extra) {
				/* "pypi:requests[socks]" stands for requests itself */
				char *bn = dep_pool_name(k->eco, k->name);
				Id base = pool_rel2id(pool, pool_str2id(pool, bn, 1), pool_id2solvable(pool, p)->evr,
						      REL_EQ, 1);

				free(bn);
				for (Id *bp = pool_whatprovides_ptr(pool, base); *bp; bp++)
					if (slot[*bp])
						add_requester(&r->picks[slot[*bp] - 1], "image");
			} else if (slot[p]) {
				add_requester(&r->picks[slot[p] - 1], "image");
			}
		}
	}
	for (Id q = sp->start; q < sp->end; q++) {
		Solvable *s = pool_id2solvable(pool, q);
		struct spkg *kq;
		char who[512];

		if (!MAPTST(&picked, q) || !s->requires)
			continue;
		kq = sp_spkg(sp, q);
		if (kq->host)
			continue;
		snprintf(who, sizeof who, "%s:%s%s%s%s %s", kq->eco, kq->name, kq->extra ? "[" : "",
			 kq->extra ? kq->extra : "", kq->extra ? "]" : "", kq->version);
		for (Id *dp = s->repo->idarraydata + s->requires; *dp; dp++) {
			if (*dp == SOLVABLE_PREREQMARKER)
				continue;
			for (Id *pp = pool_whatprovides_ptr(pool, *dp); *pp; pp++) {
				struct spkg *kp = sp_spkg(sp, *pp);

				/* an extra requiring its own package is not a reason worth listing */
				if (kq->extra && kp && !strcmp(kp->eco, kq->eco) && !strcmp(kp->name, kq->name))
					continue;
				if (*pp != q && slot[*pp])
					add_requester(&r->picks[slot[*pp] - 1], who);
			}
		}
	}
	for (size_t i = 0; i < r->npicks; i++) {
		struct solve_pick *k = &r->picks[i];
		size_t m = 0;

		pf_qsort(k->requested_by, k->nrequested_by, sizeof(char *), str_cmp);
		for (size_t j = 0; j < k->nrequested_by; j++) {
			if (m && !strcmp(k->requested_by[m - 1], k->requested_by[j]))
				free(k->requested_by[j]);
			else
				k->requested_by[m++] = k->requested_by[j];
		}
		k->nrequested_by = m;
	}
	pf_qsort(r->picks, r->npicks, sizeof *r->picks, pick_cmp);
	free(slot);
	map_free(&picked);
	queue_free(&dq);
}

int solve_run(struct solve_pool *sp, const struct solve_policy *pol, const struct solve_request *req,
	      struct solve_result *r, struct pf_err *e)
{
	Pool *pool = sp->pool;
	struct run rn;
	Solver *solv = NULL;
	Queue jobs;
	int bad = 0, rc = 0, trc = 0;

	memset(r, 0, sizeof *r);
	memset(&rn, 0, sizeof rn);
	rn.sp = sp;
	rn.pol = pol;
	rn.req = req;
	rn.problems = &r->problems;
	queue_init(&jobs);
	/* Policy first: excluded versions do not exist for the solver. */
	map_init(&rn.considered, pool->nsolvables);
	rn.excluded = pf_xcalloc((size_t)(sp->end - sp->start) + 1, sizeof *rn.excluded);
	for (Id p = 1; p < pool->nsolvables; p++)
		MAPSET(&rn.considered, p);
	pool->considered = &rn.considered;
	rn.req_dep = pf_xcalloc(req->nrequests + 1, sizeof *rn.req_dep);
	{
		/*
		 * Only what the requests can reach can be installed, so policy is
		 * evaluated there: a first pass finds the requests' dependencies.
		 */
		struct pf_strv scratch = PF_STRV_INIT;
		struct pf_err quiet = { 0 };
		Map seen;
		Queue todo;

		if (!sp->translated)
			sp->translated = pf_xcalloc((size_t)(sp->end - sp->start) + 1, 1);
		sp_memo_init(sp);
		rn.problems = &scratch;
		rn.no_policy = 1;
		for (size_t i = 0; i < req->nrequests; i++)
			rn.req_dep[i] = sp_check_request(&rn, req->requests[i], &quiet, &bad);
		bad = 0;
		rn.problems = &r->problems;
		rn.no_policy = 0;
		pf_strv_release(&scratch);
		map_init(&seen, pool->nsolvables);
		queue_init(&todo);
		for (size_t i = 0; i < req->nrequests; i++)
			for (Id *pp = rn.req_dep[i] ? pool_whatprovides_ptr(pool, rn.req_dep[i]) : NULL; pp && *pp; pp++)
				queue_push(&todo, *pp);
		while (todo.count) {
			Id p = queue_pop(&todo);
			Solvable *s = pool_id2solvable(pool, p);
			struct spkg *k;
			char *why;

			if (MAPTST(&seen, p))
				continue;
			MAPSET(&seen, p);
			k = sp_spkg(sp, p);
			if (!k || k->host)
				continue;
			if (!trc)
				trc = sp_translate(sp, p, e);
			why = sp_exclusion(pol, k->eco, k->name, k->version, k->published);
			if (why) {
				MAPCLR(&rn.considered, p);
				rn.excluded[p - sp->start] = why;
			}
			if (s->requires)
				for (Id *dp = s->repo->idarraydata + s->requires; *dp; dp++)
					if (*dp != SOLVABLE_PREREQMARKER)
						for (Id *pp = pool_whatprovides_ptr(pool, *dp); *pp; pp++)
							if (!MAPTST(&seen, *pp))
								queue_push(&todo, *pp);
		}
		queue_free(&todo);
		map_free(&seen);
		sp_memo_free(sp);
		if (trc) {
			rc = trc;
			goto out;
		}
	}
	for (size_t i = 0; i < req->nrequests; i++) {
		rn.req_dep[i] = sp_check_request(&rn, req->requests[i], e, &bad);
		if (rn.req_dep[i])
			queue_push2(&jobs, SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, rn.req_dep[i]);
	}
	if (bad) {
		rc = pf_error(e, PF_EUNSOLVABLE, "the image cannot be resolved against the vetted catalog");
		goto out;
	}
	for (Id p = sp->end - sp->nhost; p < sp->end; p++)
		queue_push2(&jobs, SOLVER_INSTALL | SOLVER_SOLVABLE, p);
	/*
	 * npm nests: two versions of one name live side by side (install/npm.c
	 * lays them out as npm would), so an npm name may be installed at several
	 * versions; every other ecosystem has one version of a name.
	 */
	for (Id p = sp->start; p < sp->end - sp->nhost; p++) {
		/* by the pool name ("npm:NAME", dep_pool_name): no record is loaded for this */
		Solvable *s = pool_id2solvable(pool, p);

		if (s->repo == sp->repo && !strncmp(pool_id2str(pool, s->name), "npm:", 4))
			queue_push2(&jobs, SOLVER_MULTIVERSION | SOLVER_SOLVABLE, p);
	}
	/* Pins: favour what the lock has, unless asked to upgrade it. */
	for (size_t i = 0; i < req->npins && !req->upgrade_all; i++) {
		const struct solve_pin *pin = &req->pins[i];
		char *pn = dep_pool_name(pin->ecosystem, pin->name);
		int up = 0;

		for (size_t j = 0; j < req->nupgrade; j++) {
			char *un = NULL, *ue = NULL, *us = NULL;

			if (solve_parse_request(req->upgrade[j], &ue, &un, &us, NULL) == 0 && ue) {
				char *upn = dep_pool_name(ue, un);

				up |= !strcmp(upn, pn);
				free(upn);
			}
			free(un);
			free(ue);
			free(us);
		}
		if (!up) {
			Id nid = pool_str2id(pool, pn, 0);
			size_t n = 0;
			struct cand *c = nid ? sp_cands(sp, nid, &n) : NULL;

			for (size_t k = 0; k < n; k++)
				if (c[k].own && !strcmp(sp_cand_version(sp, &c[k]), pin->version) &&
				    MAPTST(&rn.considered, c[k].p) && !sp_spkg(sp, c[k].p)->extra)
					queue_push2(&jobs, SOLVER_FAVOR | SOLVER_SOLVABLE, c[k].p);
		}
		free(pn);
	}
	solv = solver_create(pool);
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
	if (solver_solve(solv, &jobs)) {
		Id np = solver_problem_count(solv);

		for (Id i = 1; i <= np; i++)
			sp_explain_problem(&rn, solv, i);
		rc = pf_error(e, PF_EUNSOLVABLE, "the image cannot be resolved against the vetted catalog");
		goto out;
	}
	collect(&rn, solv, r);
out:
	if (solv)
		solver_free(solv);
	pool->considered = NULL;
	map_free(&rn.considered);
	for (Id p = sp->start; p < sp->end; p++)
		free(rn.excluded[p - sp->start]);
	free(rn.excluded);
	free(rn.req_dep);
	queue_free(&jobs);
	return rc;
}
