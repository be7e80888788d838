/* SPDX-License-Identifier: MIT */
/* Problems: libsolv's rules turned into lines a user can act on, with the policy reasons behind them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/internal.h"

static const char *pretty(struct solve_pool *sp, Id p, char *buf, size_t n)
{
	struct spkg *k = sp_spkg(sp, p);
	Solvable *s = pool_id2solvable(sp->pool, p);

	if (!k) {
		snprintf(buf, n, "%s", pool_solvable2str(sp->pool, s));
		return buf;
	}
	snprintf(buf, n, "%s %s%s", pool_id2str(sp->pool, s->name), k->version,
		 k->host ? " (provided by the host)" : "");
	return buf;
}

/* The dependency line of solvable p (requires or conflicts) that translates to dep; NULL if none. */
static const char *dep_text(struct solve_pool *sp, Id p, Id dep, int conflicts, char *buf, size_t n)
{
	struct spkg *k = sp_spkg(sp, p);
	Solvable *s = pool_id2solvable(sp->pool, p);
	Queue lines;
	const char *found = NULL;

	if (!k)
		return NULL;
	queue_init(&lines);
	solvable_lookup_idarray(s, conflicts ? sp->k_conflicts : sp->k_depends, &lines);
	for (int i = 0; i < lines.count && !found; i++) {
		const char *line = pool_id2str(sp->pool, lines.elements[i]);
		Queue q;

		queue_init(&q);
		if (sp_line_ids(sp, k->eco, line, k->extra, &q, NULL) == 0)
			for (int j = 0; j < q.count; j++)
				if (q.elements[j] == dep)
					found = line;
		queue_free(&q);
	}
	queue_free(&lines);
	if (!found && k->extra && !conflicts) {
		snprintf(buf, n, "%s:%s %s", k->eco, k->name, k->version);
		return buf;
	}
	if (found) {
		snprintf(buf, n, "%s:%s", k->eco, found);
		return buf;
	}
	return NULL;
}

/* Lines explaining why no eligible candidate is left for the atoms of dep. */
void sp_explain_exclusions(struct run *rn, Id dep, struct pf_strv *out)
{
	Pool *pool = rn->sp->pool;
	Id *pp;

	for (pp = pool_whatprovides_ptr(pool, dep); *pp; pp++) {
		struct spkg *k = sp_spkg(rn->sp, *pp);
		char *why = k ? rn->excluded[*pp - rn->sp->start] : NULL;

		if (why && !pf_strv_contains(out, why))
			pf_strv_push(out, why);
	}
}

static char *rule_text(struct run *rn, Solver *solv, Id rid, int *kind)
{
	struct solve_pool *sp = rn->sp;
	Pool *pool = sp->pool;
	Id from, to, dep;
	char a[512], b[512], d[1024];
	SolverRuleinfo type = solver_ruleinfo(solv, rid, &from, &to, &dep);
	const char *dt;

	*kind = 2;
	switch (type) {
	case SOLVER_RULE_JOB:
	case SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
		*kind = 0;
		for (size_t i = 0; i < rn->req->nrequests; i++)
			if (rn->req_dep[i] == dep)
				return pf_xasprintf("the image requests %s%s", rn->req->requests[i],
						    type == SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP ?
							    " but no eligible vetted version matches" : "");
		return pf_xasprintf("the image requests %s", pool_dep2str(pool, dep));
	case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
		dt = dep_text(sp, from, dep, 0, d, sizeof d);
		return pf_xasprintf("%s requires %s, but no eligible vetted version matches",
				    pretty(sp, from, a, sizeof a), dt ? dt : pool_dep2str(pool, dep));
	case SOLVER_RULE_PKG_REQUIRES:
		*kind = 1;
		dt = dep_text(sp, from, dep, 0, d, sizeof d);
		return pf_xasprintf("%s requires %s", pretty(sp, from, a, sizeof a),
				    dt ? dt : pool_dep2str(pool, dep));
	case SOLVER_RULE_PKG_CONFLICTS:
		dt = dep_text(sp, from, dep, 1, d, sizeof d);
		return pf_xasprintf("%s conflicts with %s%s%s%s", pretty(sp, from, a, sizeof a),
				    pretty(sp, to, b, sizeof b), dt ? " (" : "", dt ? dt : "", dt ? ")" : "");
	case SOLVER_RULE_PKG_SAME_NAME:
	case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES:
	case SOLVER_RULE_PKG_OBSOLETES:
	case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
		return pf_xasprintf("only one version of a package can be installed: %s and %s",
				    pretty(sp, from, a, sizeof a), pretty(sp, to, b, sizeof b));
	case SOLVER_RULE_PKG_NOT_INSTALLABLE:
		if (sp_spkg(sp, from) && rn->excluded[from - sp->start])
			return pf_xstrdup(rn->excluded[from - sp->start]);
		return pf_xasprintf("%s cannot be installed", pretty(sp, from, a, sizeof a));
	case SOLVER_RULE_PKG_SELF_CONFLICT:
		return pf_xasprintf("%s conflicts with itself", pretty(sp, from, a, sizeof a));
	default:
		return pf_xasprintf("%s", solver_ruleinfo2str(solv, type, from, to, dep));
	}
}

void sp_explain_problem(struct run *rn, Solver *solv, Id problem)
{
	Queue rq;
	struct pf_strv parts[3] = { PF_STRV_INIT, PF_STRV_INIT, PF_STRV_INIT };
	struct pf_strv extra = PF_STRV_INIT;
	struct pf_buf line = PF_BUF_INIT;

	queue_init(&rq);
	solver_findallproblemrules(solv, problem, &rq);
	for (int i = 0; i < rq.count; i++) {
		Id from, to, dep;
		SolverRuleinfo type = solver_ruleinfo(solv, rq.elements[i], &from, &to, &dep);
		int kind;
		char *t = rule_text(rn, solv, rq.elements[i], &kind);

		if (type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP || type == SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP)
			sp_explain_exclusions(rn, dep, &extra);
		if (!pf_strv_contains(&parts[kind], t))
			pf_strv_push_owned(&parts[kind], t);
		else
			free(t);
	}
	queue_free(&rq);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < parts[k].n; i++)
			pf_buf_addf(&line, "%s%s", line.len ? " -> " : "cannot resolve: ", parts[k].v[i]);
	if (line.len && !pf_strv_contains(rn->problems, line.p))
		pf_strv_push(rn->problems, line.p);
	for (size_t i = 0; i < extra.n; i++)
		if (!pf_strv_contains(rn->problems, extra.v[i]))
			pf_strv_push(rn->problems, extra.v[i]);
	pf_buf_release(&line);
	for (int k = 0; k < 3; k++)
		pf_strv_release(&parts[k]);
	pf_strv_release(&extra);
}

