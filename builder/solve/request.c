/* SPDX-License-Identifier: MIT */
/* Requests: "eco:name spec" parsed, and each image request checked against the pool before solving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/internal.h"

int solve_parse_request(const char *req, char **eco, char **name, char **spec, struct pf_err *e)
{
	const char *p = req, *colon, *s;

	*eco = *name = *spec = NULL;
	while (*p == ' ')
		p++;
	colon = strchr(p, ':');
	s = p;
	while (*s && *s != ' ' && *s != '[' && *s != '(' && !strchr("<>=!~^", *s))
		s++;
	if (colon && colon < s) {
		*eco = pf_xstrndup(p, (size_t)(colon - p));
		if (!catalog_ecosystem_ok(*eco)) {
			pf_error(e, PF_EFORMAT, "'%s': unknown ecosystem '%s' (expected pypi, npm, deb or generic)", req,
				 *eco);
			free(*eco);
			*eco = NULL;
			return -PF_EFORMAT;
		}
		p = colon + 1;
	}
	s = p;
	if (*eco && !strcmp(*eco, "npm") && *s == '@')
		s++;
	while (*s && *s != ' ' && *s != '[' && *s != '(' && !strchr("<>=!~^@", *s))
		s++;
	if (s == p) {
		free(*eco);
		*eco = NULL;
		return pf_error(e, PF_EFORMAT, "'%s': no package name", req);
	}
	*name = pf_xstrndup(p, (size_t)(s - p));
	if (*s == '@' && *eco && !strcmp(*eco, "npm"))
		s++;
	while (*s == ' ')
		s++;
	*spec = pf_xstrdup(s);
	return 0;
}

/* Check one request against the catalog before solving; adds problem lines. Returns its dep id. */
Id sp_check_request(struct run *rn, const char *text, struct pf_err *e, int *bad)
{
	struct solve_pool *sp = rn->sp;
	Pool *pool = sp->pool;
	char *eco = NULL, *name = NULL, *spec = NULL, *pname = NULL;
	struct dep_list l = { 0 };
	Id dep = 0;
	int rc;

	rc = solve_parse_request(text, &eco, &name, &spec, e);
	if (rc < 0) {
		pf_strv_push(rn->problems, e->msg);
		pf_err_clear(e);
		*bad = 1;
		goto out;
	}
	if (!eco) {
		/* a bare name: the one ecosystem that has it */
		static const char *const ecos[] = { "pypi", "npm", "deb", "generic" };
		int found = 0;

		for (int i = 0; i < 4; i++) {
			char *pn = dep_pool_name(ecos[i], name);
			Id id = pool_str2id(pool, pn, 0);
			size_t n = 0;

			if (id)
				sp_cands(sp, id, &n);
			free(pn);
			if (n) {
				if (found++) {
					pf_strv_push_owned(rn->problems,
							   pf_xasprintf("'%s' is in more than one ecosystem of the catalog; "
									"write ECOSYSTEM:%s", text, name));
					*bad = 1;
					goto out;
				}
				free(eco);
				eco = pf_xstrdup(ecos[i]);
			}
		}
		if (!found) {
			pf_strv_push_owned(rn->problems, pf_xasprintf("%s is not in the vetted catalog", name));
			*bad = 1;
			goto out;
		}
	}
	{
		char *line = pf_xasprintf("%s %s", name, spec);

		rc = dep_parse(eco, line, &sp->env, &l, e);
		free(line);
		if (rc < 0) {
			pf_strv_push_owned(rn->problems, pf_xasprintf("image request '%s': %s", text, e->msg));
			pf_err_clear(e);
			*bad = 1;
			goto out;
		}
	}
	pname = dep_pool_name(eco, name);
	if (!l.n) {
		dep = 0;	/* a marker excludes it for this target */
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		for (size_t j = 0; j < l.v[i].n; j++) {
			const struct dep_atom *a = &l.v[i].alts[j];
			Id nid = pool_str2id(pool, a->name, 0);
			size_t n = 0;
			int nm;
			Id one;

			if (nid)
				sp_cands(sp, nid, &n);
			if (!n) {
				if (strchr(a->name, '['))
					pf_strv_push_owned(rn->problems, pf_xasprintf("%s has no extra '%s' in the vetted catalog",
										pname, strchr(a->name, '[') + 1));
				else
					pf_strv_push_owned(rn->problems, pf_xasprintf("%s is not in the vetted catalog", a->name));
				*bad = 1;
				continue;
			}
			one = sp_atom(sp, a, &nm);
			if (nm == 0) {
				struct pf_buf vs = PF_BUF_INIT;
				struct cand *c = sp_cands(sp, nid, &n);

				for (size_t k = 0; k < n; k++)
					pf_buf_addf(&vs, "%s%s", k ? ", " : "", sp_cand_version(sp, &c[k]));
				pf_strv_push_owned(rn->problems,
						   pf_xasprintf("%s: no vetted version matches '%s' (vetted: %s)", a->name,
								a->spec, pf_buf_cstr(&vs)));
				pf_buf_release(&vs);
				*bad = 1;
				continue;
			}
			{
				/* every matching version excluded by policy? then say why, per version */
				int eligible = 0;
				Id *pp;

				for (pp = pool_whatprovides_ptr(pool, one); *pp; pp++)
					if (MAPTST(&rn->considered, *pp))
						eligible = 1;
				if (!eligible && !rn->no_policy) {
					sp_explain_exclusions(rn, one, rn->problems);
					*bad = 1;
				}
			}
			dep = dep ? pool_rel2id(pool, dep, one, REL_AND, 1) : one;
		}
	}
out:
	dep_list_release(&l);
	free(eco);
	free(name);
	free(spec);
	free(pname);
	return dep;
}
