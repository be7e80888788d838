/* SPDX-License-Identifier: MIT */
/* Dependency lines of PEP 508, npm and Debian, with PEP 508 markers evaluated for the image target. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/deps.h"
#include "solve/solve.h"
#include "solve/version.h"

char *dep_pool_name(const char *eco, const char *name)
{
	size_t ne = strlen(eco), nn = strlen(name);
	char *out = pf_xmalloc(ne + 1 + nn + 1), *q = out + ne + 1;

	memcpy(out, eco, ne);
	out[ne] = ':';
	if (!strcmp(eco, "pypi")) {
		/* PEP 503: lowercase, runs of '-', '_', '.' become one '-' */
		for (const char *p = name; *p; p++) {
			if (*p == '-' || *p == '_' || *p == '.') {
				while (p[1] == '-' || p[1] == '_' || p[1] == '.')
					p++;
				*q++ = '-';
			} else {
				*q++ = (char)tolower((unsigned char)*p);
			}
		}
	} else if (!strcmp(eco, "deb")) {
		for (const char *p = name; *p; p++)
			*q++ = (char)tolower((unsigned char)*p);
	} else {
		memcpy(q, name, nn);
		q += nn;
	}
	*q = '\0';
	return out;
}

char *solve_pool_name(const char *eco, const char *name)
{
	return dep_pool_name(eco, name);
}

void dep_norm_extra(const char *s, size_t len, char *out, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < n; i++) {
		char c = s[i];

		if (c == '-' || c == '_' || c == '.') {
			while (i + 1 < len && (s[i + 1] == '-' || s[i + 1] == '_' || s[i + 1] == '.'))
				i++;
			c = '-';
		}
		out[k++] = (char)tolower((unsigned char)c);
	}
	out[k] = 0;
}

static void list_add(struct dep_list *l, const char *name, const char *spec, int new_dep)
{
	struct dep *d;

	if (new_dep || !l->n) {
		PF_GROW(l->v, l->n + 1, l->cap);
		memset(&l->v[l->n], 0, sizeof l->v[l->n]);
		l->n++;
	}
	d = &l->v[l->n - 1];
	d->alts = pf_xrealloc(d->alts, (d->n + 1) * sizeof *d->alts);
	d->alts[d->n].name = pf_xstrdup(name);
	d->alts[d->n].spec = pf_xstrdup(spec ? spec : "");
	d->n++;
}

void dep_list_release(struct dep_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < l->v[i].n; j++) {
			free(l->v[i].alts[j].name);
			free(l->v[i].alts[j].spec);
		}
		free(l->v[i].alts);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static const char *skip_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return pf_xstrndup(s, n);
}

/* ---- PEP 508 markers ---- */

struct mparse {
	const char *p;
	const struct marker_env *env;
	int bad;
};

static int m_or(struct mparse *m);

/* A marker value: a quoted string or a variable's value; *is_ver says it holds a version. */
static char *m_value(struct mparse *m, int *is_var, char *varname, size_t vn)
{
	const struct marker_env *env = m->env;
	char q;

	m->p = skip_ws(m->p);
	*is_var = 0;
	if (*m->p == '"' || *m->p == '\'') {
		const char *s;

		q = *m->p++;
		s = m->p;
		while (*m->p && *m->p != q)
			m->p++;
		if (!*m->p) {
			m->bad = 1;
			return pf_xstrdup("");
		}
		m->p++;
		return pf_xstrndup(s, (size_t)(m->p - s - 1));
	}
	{
		const char *s = m->p;
		char name[64];
		char py2[32] = "";

		while (isalnum((unsigned char)*m->p) || *m->p == '_' || *m->p == '.')
			m->p++;
		if (m->p == s || (size_t)(m->p - s) >= sizeof name) {
			m->bad = 1;
			return pf_xstrdup("");
		}
		memcpy(name, s, (size_t)(m->p - s));
		name[m->p - s] = 0;
		*is_var = 1;
		snprintf(varname, vn, "%s", name);
		if (env->python) {
			const char *dot = strchr(env->python, '.');
			const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
			size_t n = dot2 ? (size_t)(dot2 - env->python) : strlen(env->python);

			snprintf(py2, sizeof py2, "%.*s", (int)n, env->python);
		}
		if (!strcmp(name, "python_version"))
			return pf_xstrdup(py2);
		if (!strcmp(name, "python_full_version") || !strcmp(name, "implementation_version"))
			return pf_xstrdup(env->python ? env->python : "");
		if (!strcmp(name, "sys_platform"))
			return pf_xstrdup("linux");
		if (!strcmp(name, "platform_system"))
			return pf_xstrdup("Linux");
		if (!strcmp(name, "os_name"))
			return pf_xstrdup("posix");
		if (!strcmp(name, "platform_machine"))
			return pf_xstrdup(env->machine ? env->machine : "");
		if (!strcmp(name, "implementation_name"))
			return pf_xstrdup("cpython");
		if (!strcmp(name, "platform_python_implementation"))
			return pf_xstrdup("CPython");
		if (!strcmp(name, "platform_release") || !strcmp(name, "platform_version"))
			return pf_xstrdup("");
		if (!strcmp(name, "extra")) {
			char x[128];

			dep_norm_extra(env->extra ? env->extra : "", env->extra ? strlen(env->extra) : 0, x,
				       sizeof x);
			return pf_xstrdup(x);
		}
		m->bad = 1;
		return pf_xstrdup("");
	}
}

static int is_version_var(const char *v)
{
	return !strcmp(v, "python_version") || !strcmp(v, "python_full_version") ||
	       !strcmp(v, "implementation_version");
}

static const char *m_op(struct mparse *m)
{
	static const char *const ops[] = { "===", "==", "!=", "<=", ">=", "~=", "<", ">", NULL };

	m->p = skip_ws(m->p);
	for (int i = 0; ops[i]; i++) {
		size_t n = strlen(ops[i]);

		if (!strncmp(m->p, ops[i], n)) {
			m->p += n;
			return ops[i];
		}
	}
	if (!strncmp(m->p, "in", 2) && !isalnum((unsigned char)m->p[2])) {
		m->p += 2;
		return "in";
	}
	if (!strncmp(m->p, "not", 3)) {
		const char *q = skip_ws(m->p + 3);

		if (!strncmp(q, "in", 2) && !isalnum((unsigned char)q[2])) {
			m->p = q + 2;
			return "not in";
		}
	}
	m->bad = 1;
	return "==";
}

static const char *flip(const char *op)
{
	if (!strcmp(op, "<")) return ">";
	if (!strcmp(op, ">")) return "<";
	if (!strcmp(op, "<=")) return ">=";
	if (!strcmp(op, ">=")) return "<=";
	return op;
}

static int m_expr(struct mparse *m)
{
	char lname[64] = "", rname[64] = "";
	int lvar, rvar, r = 0;
	char *l, *rv;
	const char *op;

	m->p = skip_ws(m->p);
	if (*m->p == '(') {
		m->p++;
		r = m_or(m);
		m->p = skip_ws(m->p);
		if (*m->p != ')')
			m->bad = 1;
		else
			m->p++;
		return r;
	}
	l = m_value(m, &lvar, lname, sizeof lname);
	op = m_op(m);
	rv = m_value(m, &rvar, rname, sizeof rname);
	if (m->bad)
		goto out;
	if (!strcmp(op, "in") || !strcmp(op, "not in")) {
		r = strstr(rv, l) != NULL;
		if (!strcmp(op, "not in"))
			r = !r;
	} else if ((lvar && is_version_var(lname)) || (rvar && is_version_var(rname))) {
		const char *ver = lvar && is_version_var(lname) ? l : rv;
		const char *lit = ver == l ? rv : l;
		const char *o = ver == l ? op : flip(op);
		char *spec = pf_xasprintf("%s%s", o, lit);

		r = *ver ? solve_version_in_range("pypi", ver, spec, NULL) == 1 : 0;
		free(spec);
	} else {
		char a[128], b[128];

		if ((lvar && !strcmp(lname, "extra")) || (rvar && !strcmp(rname, "extra"))) {
			dep_norm_extra(l, strlen(l), a, sizeof a);
			dep_norm_extra(rv, strlen(rv), b, sizeof b);
		} else {
			snprintf(a, sizeof a, "%s", l);
			snprintf(b, sizeof b, "%s", rv);
		}
		{
			int c = strcmp(a, b);

			if (!strcmp(op, "==") || !strcmp(op, "===")) r = c == 0;
			else if (!strcmp(op, "!=")) r = c != 0;
			else if (!strcmp(op, "<")) r = c < 0;
			else if (!strcmp(op, "<=")) r = c <= 0;
			else if (!strcmp(op, ">")) r = c > 0;
			else if (!strcmp(op, ">=")) r = c >= 0;
			else r = c == 0;
		}
	}
out:
	free(l);
	free(rv);
	return r;
}

static int kw(struct mparse *m, const char *w)
{
	const char *q = skip_ws(m->p);
	size_t n = strlen(w);

	if (!strncmp(q, w, n) && !isalnum((unsigned char)q[n]) && q[n] != '_') {
		m->p = q + n;
		return 1;
	}
	return 0;
}

static int m_and(struct mparse *m)
{
	int r = m_expr(m);

	while (!m->bad && kw(m, "and"))
		r = m_expr(m) && r;
	return r;
}

static int m_or(struct mparse *m)
{
	int r = m_and(m);

	while (!m->bad && kw(m, "or"))
		r = m_and(m) || r;
	return r;
}

/* 1 true, 0 false, -1 malformed. */
static int marker_eval(const char *marker, const struct marker_env *env)
{
	struct mparse m = { marker, env, 0 };
	int r = m_or(&m);

	if (m.bad || *skip_ws(m.p))
		return -1;
	return r;
}

int dep_marker_extras(const char *text, struct pf_strv *extras)
{
	const char *semi = strchr(text, ';');
	int found = 0;

	if (!semi)
		return 0;
	for (const char *p = strstr(semi, "extra"); p; p = strstr(p + 5, "extra")) {
		const char *q = skip_ws(p + 5);
		char x[128];
		char quote;
		const char *s;

		if (p > semi && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		if (strncmp(q, "==", 2))
			continue;
		q = skip_ws(q + 2);
		if (*q != '"' && *q != '\'')
			continue;
		quote = *q++;
		s = q;
		while (*q && *q != quote)
			q++;
		dep_norm_extra(s, (size_t)(q - s), x, sizeof x);
		if (*x && !pf_strv_contains(extras, x))
			pf_strv_push(extras, x);
		found = 1;
	}
	return found;
}

/* ---- the three syntaxes ---- */

static int parse_pep508(const char *text, const struct marker_env *env, struct dep_list *out, struct pf_err *e)
{
	const char *semi = strchr(text, ';');
	char *req = trimmed(text, semi ? (size_t)(semi - text) : strlen(text));
	const char *p = req, *s;
	char *name = NULL, *pool = NULL, *spec = NULL;
	struct pf_strv extras = PF_STRV_INIT;
	int rc = 0;

	if (semi) {
		int m = marker_eval(semi + 1, env);

		if (m < 0) {
			rc = pf_error(e, PF_EFORMAT, "'%s': the environment marker does not parse", text);
			goto out;
		}
		if (!m)
			goto out;
	}
	s = p;
	while (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
		p++;
	if (p == s) {
		rc = pf_error(e, PF_EFORMAT, "'%s': no package name", text);
		goto out;
	}
	name = pf_xstrndup(s, (size_t)(p - s));
	p = skip_ws(p);
	if (*p == '[') {
		const char *end = strchr(p, ']');

		if (!end) {
			rc = pf_error(e, PF_EFORMAT, "'%s': unclosed extras list", text);
			goto out;
		}
		for (const char *q = p + 1; q < end;) {
			size_t n = strcspn(q, ",]");
			char *x = trimmed(q, n);
			char nx[128];

			dep_norm_extra(x, strlen(x), nx, sizeof nx);
			if (*nx)
				pf_strv_push(&extras, nx);
			free(x);
			q += n;
			if (*q == ',')
				q++;
		}
		p = skip_ws(end + 1);
	}
	if (*p == '@') {
		rc = pf_error(e, PF_EFORMAT, "'%s': URL requirements are not allowed (only vetted catalog versions)",
			      text);
		goto out;
	}
	if (*p == '(') {
		const char *end = strrchr(p, ')');

		if (!end || *skip_ws(end + 1)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': unbalanced parentheses", text);
			goto out;
		}
		spec = trimmed(p + 1, (size_t)(end - p - 1));
	} else {
		spec = pf_xstrdup(p);
	}
	{
		struct vrange *r = NULL;

		if (vrange_parse("pypi", spec, &r, e) < 0) {
			rc = -PF_EFORMAT;
			goto out;
		}
		vrange_free(r);
	}
	pool = dep_pool_name("pypi", name);
	list_add(out, pool, spec, 1);
	for (size_t i = 0; i < extras.n; i++) {
		char *xn = pf_xasprintf("%s[%s]", pool, extras.v[i]);

		list_add(out, xn, spec, 1);
		free(xn);
	}
out:
	free(req);
	free(name);
	free(pool);
	free(spec);
	pf_strv_release(&extras);
	return rc;
}

static int parse_npm_dep(const char *text, struct dep_list *out, struct pf_err *e)
{
	const char *p = skip_ws(text), *s = p;
	char *name, *pool, *spec;
	struct vrange *r = NULL;

	if (*p == '@')
		p++;
	while (*p && !isspace((unsigned char)*p) && *p != '@')
		p++;
	if (p == s)
		return pf_error(e, PF_EFORMAT, "'%s': no package name", text);
	name = pf_xstrndup(s, (size_t)(p - s));
	if (*p == '@')
		p++;
	spec = trimmed(p, strlen(p));
	if (strchr(spec, ':') || strchr(spec, '/')) {
		pf_error(e, PF_EFORMAT, "'%s': only version ranges are allowed (no URLs, git, file: or aliases)",
			 text);
		free(name);
		free(spec);
		return -PF_EFORMAT;
	}
	if (vrange_parse("npm", spec, &r, e) < 0) {
		free(name);
		free(spec);
		return -PF_EFORMAT;
	}
	vrange_free(r);
	pool = dep_pool_name("npm", name);
	list_add(out, pool, spec, 1);
	free(pool);
	free(name);
	free(spec);
	return 0;
}

/* "name[:arch] [(op version)] [| ...]"; arch qualifiers and [arch]/<profile> lists are dropped. */
static int parse_deb_dep(const char *eco, const char *text, struct dep_list *out, struct pf_err *e)
{
	const char *p = text;
	int first = 1;

	for (;;) {
		size_t n = strcspn(p, "|");
		char *alt = trimmed(p, n), *q = alt, *name, *pool, *spec = NULL;
		const char *s;

		s = q;
		while (*q && !isspace((unsigned char)*q) && *q != '(' && *q != ':' && *q != '[' && *q != '<')
			q++;
		if (q == s) {
			free(alt);
			return pf_error(e, PF_EFORMAT, "'%s': no package name", text);
		}
		name = pf_xstrndup(s, (size_t)(q - s));
		if (*q == ':')
			while (*q && !isspace((unsigned char)*q) && *q != '(')
				q++;
		q = (char *)skip_ws(q);
		if (*q == '(') {
			char *end = strchr(q, ')');

			if (!end) {
				free(alt);
				free(name);
				return pf_error(e, PF_EFORMAT, "'%s': unclosed '('", text);
			}
			spec = trimmed(q + 1, (size_t)(end - q - 1));
			q = (char *)skip_ws(end + 1);
		}
		if (*q && *q != '[' && *q != '<') {
			/* q points into alt: the message is made before alt is freed */
			int rc = pf_error(e, PF_EFORMAT, "'%s': unexpected text '%s' (a Debian version goes in "
					  "parentheses: 'name (>= 1.0)')", text, q);

			free(alt);
			free(name);
			free(spec);
			return rc;
		}
		if (spec) {
			struct vrange *r = NULL;

			if (vrange_parse(eco, spec, &r, e) < 0) {
				free(alt);
				free(name);
				free(spec);
				return -PF_EFORMAT;
			}
			vrange_free(r);
		}
		pool = dep_pool_name(eco, name);
		list_add(out, pool, spec, first);
		first = 0;
		free(pool);
		free(name);
		free(spec);
		free(alt);
		p += n;
		if (!*p)
			return 0;
		p++;
	}
}

int dep_parse(const char *eco, const char *text, const struct marker_env *env, struct dep_list *out,
	      struct pf_err *e)
{
	if (!strcmp(eco, "pypi"))
		return parse_pep508(text, env, out, e);
	if (!strcmp(eco, "npm"))
		return parse_npm_dep(text, out, e);
	return parse_deb_dep(eco, text, out, e);
}
