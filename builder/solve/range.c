/* SPDX-License-Identifier: MIT */
/* Version constraints: PEP 440 specifier sets, npm ranges and Debian relations, matched exactly. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"
#include "solve/version.h"

enum vop { OP_LT, OP_LE, OP_EQ, OP_NE, OP_GE, OP_GT, OP_COMPAT, OP_ARB, OP_NONE };

struct vcmp {
	enum vop op;
	int wildcard;		/* PEP 440 "==1.2.*" / "!=1.2.*" */
	char *text;		/* as written (=== compares it) */
	char *key;		/* comparable key (with local label for PEP 440) */
	char *pubkey;		/* PEP 440: key without local */
	char *basekey;		/* PEP 440: epoch + release only */
	struct pep440 pep;
	struct semver sem;
};

/* One AND-set of comparators; the range is an OR of sets. */
struct vset {
	struct vcmp *c;
	size_t n, cap;
	int never;		/* matches nothing (npm ">*") */
};

struct vrange {
	char *eco;
	struct vset *sets;
	size_t n, cap;
};

static char *key_of(struct pf_buf *b)
{
	return pf_buf_detach(b, NULL);
}

static char *pep_key(const struct pep440 *v, int local)
{
	struct pf_buf b = PF_BUF_INIT;

	pep440_key(v, local, &b);
	return key_of(&b);
}

static char *pep_base_key(const struct pep440 *v)
{
	struct pep440 x;

	memset(&x, 0, sizeof x);
	x.epoch = v->epoch;
	x.nrel = v->nrel;
	memcpy(x.rel, v->rel, sizeof x.rel);
	return pep_key(&x, 0);
}

static char *sem_key(const struct semver *v)
{
	struct pf_buf b = PF_BUF_INIT;

	semver_key(v, &b);
	return key_of(&b);
}

static struct vset *new_set(struct vrange *r)
{
	PF_GROW(r->sets, r->n + 1, r->cap);
	memset(&r->sets[r->n], 0, sizeof r->sets[r->n]);
	return &r->sets[r->n++];
}

static struct vcmp *new_cmp(struct vset *s, enum vop op)
{
	PF_GROW(s->c, s->n + 1, s->cap);
	memset(&s->c[s->n], 0, sizeof s->c[s->n]);
	s->c[s->n].op = op;
	return &s->c[s->n++];
}

void vrange_free(struct vrange *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->sets[i].n; j++) {
			struct vcmp *c = &r->sets[i].c[j];

			free(c->text);
			free(c->key);
			free(c->pubkey);
			free(c->basekey);
		}
		free(r->sets[i].c);
	}
	free(r->sets);
	free(r->eco);
	free(r);
}

static char *trim(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return pf_xstrndup(s, n);
}

/* ---- PEP 440 ---- */

static int parse_pep(struct vrange *r, const char *spec, struct pf_err *e)
{
	struct vset *set = new_set(r);
	const char *p = spec;

	while (*p) {
		size_t n = strcspn(p, ",");
		char *item = trim(p, n), *v;
		struct vcmp *c;
		enum vop op;

		p += n;
		if (*p == ',')
			p++;
		if (!*item) {
			free(item);
			if (n || *p)
				return pf_error(e, PF_EFORMAT, "'%s': empty version specifier", spec);
			continue;
		}
		v = item;
		if (!strncmp(v, "===", 3)) op = OP_ARB, v += 3;
		else if (!strncmp(v, "==", 2)) op = OP_EQ, v += 2;
		else if (!strncmp(v, "!=", 2)) op = OP_NE, v += 2;
		else if (!strncmp(v, "~=", 2)) op = OP_COMPAT, v += 2;
		else if (!strncmp(v, "<=", 2)) op = OP_LE, v += 2;
		else if (!strncmp(v, ">=", 2)) op = OP_GE, v += 2;
		else if (*v == '<') op = OP_LT, v++;
		else if (*v == '>') op = OP_GT, v++;
		else {
			pf_error(e, PF_EFORMAT, "'%s': '%s' has no operator (==, !=, <=, >=, <, >, ~=, ===)",
				 spec, item);
			free(item);
			return -PF_EFORMAT;
		}
		while (isspace((unsigned char)*v))
			v++;
		c = new_cmp(set, op);
		c->text = pf_xstrdup(v);
		if (op == OP_ARB) {
			free(item);
			continue;
		}
		{
			size_t len = strlen(c->text);

			if (len > 2 && !strcmp(c->text + len - 2, ".*") && (op == OP_EQ || op == OP_NE)) {
				c->wildcard = 1;
				c->text[len - 2] = 0;
			}
		}
		if (pep440_parse(c->text, &c->pep) < 0 ||
		    (c->wildcard && (c->pep.pre || c->pep.post || c->pep.dev || c->pep.local[0])) ||
		    (op == OP_COMPAT && c->pep.nrel < 2) ||
		    (c->pep.local[0] && op != OP_EQ && op != OP_NE)) {
			pf_error(e, PF_EFORMAT, "'%s': '%s' is not a valid PEP 440 specifier", spec, item);
			free(item);
			return -PF_EFORMAT;
		}
		c->key = pep_key(&c->pep, 1);
		c->pubkey = pep_key(&c->pep, 0);
		c->basekey = pep_base_key(&c->pep);
		free(item);
	}
	return 0;
}

/* Release prefix match for "==V.*" and "~=": epoch and the first n components. */
static int pep_prefix(const struct pep440 *cand, const struct pep440 *pre, int n)
{
	if (cand->epoch != pre->epoch)
		return 0;
	for (int i = 0; i < n; i++)
		if ((i < cand->nrel ? cand->rel[i] : 0) != pre->rel[i])
			return 0;
	return 1;
}

static int pep_is_pre(const struct pep440 *v)
{
	return v->pre || v->dev;
}

static int match_pep(const struct vset *s, const char *version, int rules)
{
	struct pep440 v;
	char *key, *pub, *base;
	int m = 1, names_pre = 0;

	if (pep440_parse(version, &v) < 0)
		return -1;
	key = pep_key(&v, 1);
	pub = pep_key(&v, 0);
	base = pep_base_key(&v);
	for (size_t i = 0; i < s->n && m; i++) {
		const struct vcmp *c = &s->c[i];
		int eq;

		if (c->op != OP_ARB && pep_is_pre(&c->pep))
			names_pre = 1;
		switch (c->op) {
		case OP_ARB: {
			char *t = trim(version, strlen(version));

			m = !strcasecmp(t, c->text);
			free(t);
			break;
		}
		case OP_EQ:
		case OP_NE:
			if (c->wildcard)
				eq = pep_prefix(&v, &c->pep, c->pep.nrel);
			else if (c->pep.local[0])
				eq = !strcmp(key, c->key);
			else
				eq = !strcmp(pub, c->pubkey);
			m = c->op == OP_EQ ? eq : !eq;
			break;
		case OP_LE:
			m = strcmp(pub, c->pubkey) <= 0;
			break;
		case OP_GE:
			m = strcmp(pub, c->pubkey) >= 0;
			break;
		case OP_LT:
			/* "<V" leaves out V's own pre-releases unless V is one */
			m = strcmp(pub, c->pubkey) < 0 &&
			    !(!pep_is_pre(&c->pep) && pep_is_pre(&v) && !strcmp(base, c->basekey));
			break;
		case OP_GT:
			/* ">V" leaves out V's post-releases (unless V is one) and V's local versions */
			m = strcmp(pub, c->pubkey) > 0 &&
			    !(!c->pep.post && v.post && !strcmp(base, c->basekey)) &&
			    !(v.local[0] && !strcmp(base, c->basekey));
			break;
		case OP_COMPAT:
			m = strcmp(pub, c->pubkey) >= 0 && pep_prefix(&v, &c->pep, c->pep.nrel - 1);
			break;
		default:
			m = 0;
		}
	}
	if (m && rules && pep_is_pre(&v) && !names_pre)
		m = 0;
	free(key);
	free(pub);
	free(base);
	return m;
}

/* ---- npm ---- */

struct partial {
	int n;			/* numeric components given before a wildcard or the end */
	struct semver v;
};

static int parse_partial(const char *s, struct partial *p)
{
	const char *q = s;
	uint64_t *f[3];

	memset(p, 0, sizeof *p);
	f[0] = &p->v.major;
	f[1] = &p->v.minor;
	f[2] = &p->v.patch;
	if (*q == 'v' || *q == 'V' || *q == '=')
		q++;
	if (*q == 'v')
		q++;
	for (int i = 0; i < 3; i++) {
		if (i) {
			if (!*q)
				return 0;
			if (*q != '.')
				return -1;
			q++;
		}
		if (*q == 'x' || *q == 'X' || *q == '*') {
			q++;
			/* the rest must be wildcards too */
			while (*q == '.' && (q[1] == 'x' || q[1] == 'X' || q[1] == '*'))
				q += 2;
			return *q ? -1 : 0;
		}
		if (!isdigit((unsigned char)*q))
			return -1;
		{
			uint64_t x = 0;
			int nd = 0;

			while (isdigit((unsigned char)*q)) {
				if (++nd > 18)
					return -1;
				x = x * 10 + (uint64_t)(*q++ - '0');
			}
			*f[i] = x;
		}
		p->n = i + 1;
	}
	if (*q == '-' || *q == '+') {
		struct semver full;
		char *t = pf_xasprintf("0.0.0%s", q);
		int rc = semver_parse(t, &full);

		free(t);
		if (rc < 0)
			return -1;
		memcpy(p->v.pre, full.pre, sizeof p->v.pre);
		return 0;
	}
	return *q ? -1 : 0;
}

static void add_sem(struct vset *s, enum vop op, uint64_t M, uint64_t m, uint64_t pt, const char *pre)
{
	struct vcmp *c = new_cmp(s, op);

	c->sem.major = M;
	c->sem.minor = m;
	c->sem.patch = pt;
	snprintf(c->sem.pre, sizeof c->sem.pre, "%s", pre ? pre : "");
	c->key = sem_key(&c->sem);
}

/* Desugar one npm comparator (operator + partial) into primitive ones (node-semver rules). */
static int npm_comparator(struct vset *s, const char *op, const struct partial *p)
{
	uint64_t M = p->v.major, m = p->v.minor, pt = p->v.patch;
	const char *pre = p->v.pre;
	int n = p->n;

	if (!*op || !strcmp(op, "=")) {
		if (n == 3)
			add_sem(s, OP_EQ, M, m, pt, pre);
		else if (n == 1)
			add_sem(s, OP_GE, M, 0, 0, NULL), add_sem(s, OP_LT, M + 1, 0, 0, "0");
		else if (n == 2)
			add_sem(s, OP_GE, M, m, 0, NULL), add_sem(s, OP_LT, M, m + 1, 0, "0");
	} else if (!strcmp(op, "~") || !strcmp(op, "~>")) {
		if (n == 1)
			add_sem(s, OP_GE, M, 0, 0, NULL), add_sem(s, OP_LT, M + 1, 0, 0, "0");
		else if (n >= 2)
			add_sem(s, OP_GE, M, m, n == 3 ? pt : 0, pre), add_sem(s, OP_LT, M, m + 1, 0, "0");
	} else if (!strcmp(op, "^")) {
		if (n == 0)
			return 0;
		add_sem(s, OP_GE, M, n >= 2 ? m : 0, n == 3 ? pt : 0, pre);
		if (n == 1 || M > 0)
			add_sem(s, OP_LT, M + 1, 0, 0, "0");
		else if (n == 2 || m > 0)
			add_sem(s, OP_LT, 0, m + 1, 0, "0");
		else
			add_sem(s, OP_LT, 0, 0, pt + 1, "0");
	} else if (!strcmp(op, ">")) {
		if (n == 0)
			s->never = 1;
		else if (n == 1)
			add_sem(s, OP_GE, M + 1, 0, 0, NULL);
		else if (n == 2)
			add_sem(s, OP_GE, M, m + 1, 0, NULL);
		else
			add_sem(s, OP_GT, M, m, pt, pre);
	} else if (!strcmp(op, ">=")) {
		if (n > 0)
			add_sem(s, OP_GE, M, m, pt, n == 3 ? pre : NULL);
	} else if (!strcmp(op, "<")) {
		if (n == 0)
			s->never = 1;
		else if (n < 3)
			add_sem(s, OP_LT, M, m, 0, "0");
		else
			add_sem(s, OP_LT, M, m, pt, pre);
	} else if (!strcmp(op, "<=")) {
		if (n == 1)
			add_sem(s, OP_LT, M + 1, 0, 0, "0");
		else if (n == 2)
			add_sem(s, OP_LT, M, m + 1, 0, "0");
		else if (n == 3)
			add_sem(s, OP_LE, M, m, pt, pre);
	} else {
		return -1;
	}
	return 0;
}

static int parse_npm_set(struct vrange *r, const char *spec, const char *part, struct pf_err *e)
{
	struct vset *set = new_set(r);
	char *t = trim(part, strlen(part));
	char *hy = strstr(t, " - ");
	int rc = 0;

	if (hy) {
		struct partial a, b;
		char *lo = trim(t, (size_t)(hy - t)), *hi = trim(hy + 3, strlen(hy + 3));

		if (parse_partial(lo, &a) < 0 || parse_partial(hi, &b) < 0) {
			rc = -1;
		} else {
			if (a.n > 0)
				add_sem(set, OP_GE, a.v.major, a.v.minor, a.v.patch, a.n == 3 ? a.v.pre : NULL);
			if (b.n == 3)
				add_sem(set, OP_LE, b.v.major, b.v.minor, b.v.patch, b.v.pre);
			else if (b.n == 2)
				add_sem(set, OP_LT, b.v.major, b.v.minor + 1, 0, "0");
			else if (b.n == 1)
				add_sem(set, OP_LT, b.v.major + 1, 0, 0, "0");
		}
		free(lo);
		free(hi);
	} else {
		char *p = t;

		while (*p && !rc) {
			char op[3] = "";
			size_t k = 0;
			struct partial pa;
			char *tok;
			size_t n;

			while (*p && strchr("<>=~^", *p) && k < 2)
				op[k++] = *p++;
			op[k] = 0;
			if (!strcmp(op, "~") && *p == '>')
				strcpy(op, "~>"), p++;
			while (isspace((unsigned char)*p))
				p++;
			n = strcspn(p, " \t");
			tok = pf_xstrndup(p, n);
			p += n;
			while (isspace((unsigned char)*p))
				p++;
			if ((!*tok && !*op) || (!*tok && *op) || parse_partial(tok, &pa) < 0 ||
			    npm_comparator(set, op, &pa) < 0)
				rc = -1;
			if (!*tok && !*op)
				rc = 0;
			free(tok);
		}
	}
	free(t);
	if (rc < 0)
		return pf_error(e, PF_EFORMAT, "'%s': not a valid npm version range", spec);
	return 0;
}

static int parse_npm(struct vrange *r, const char *spec, struct pf_err *e)
{
	const char *p = spec;

	if (!strcmp(spec, "latest"))
		p = "*";
	for (;;) {
		const char *bar = strstr(p, "||");
		char *part = pf_xstrndup(p, bar ? (size_t)(bar - p) : strlen(p));
		int rc = parse_npm_set(r, spec, part, e);

		free(part);
		if (rc < 0)
			return rc;
		if (!bar)
			return 0;
		p = bar + 2;
	}
}

static int match_npm(const struct vset *s, const char *version, int rules)
{
	struct semver v;
	char *key;
	int m = !s->never;

	if (semver_parse(version, &v) < 0)
		return -1;
	key = sem_key(&v);
	for (size_t i = 0; i < s->n && m; i++) {
		int c = strcmp(key, s->c[i].key);

		switch (s->c[i].op) {
		case OP_LT: m = c < 0; break;
		case OP_LE: m = c <= 0; break;
		case OP_EQ: m = c == 0; break;
		case OP_GE: m = c >= 0; break;
		case OP_GT: m = c > 0; break;
		default: m = 0;
		}
	}
	if (m && rules && v.pre[0]) {
		/* a tagged version only when a comparator names a tag on the same x.y.z */
		m = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct semver *c = &s->c[i].sem;

			if (c->pre[0] && c->major == v.major && c->minor == v.minor && c->patch == v.patch &&
			    !(s->c[i].op == OP_LT && !strcmp(c->pre, "0")))
				m = 1;
		}
	}
	free(key);
	return m;
}

/* ---- Debian ---- */

static int parse_deb(struct vrange *r, const char *spec, struct pf_err *e)
{
	struct vset *set = new_set(r);
	const char *p = spec;

	while (*p) {
		size_t n = strcspn(p, ",");
		char *item = trim(p, n), *v = item;
		struct pf_buf kb = PF_BUF_INIT;
		enum vop op = OP_EQ;
		struct vcmp *c;

		p += n;
		if (*p == ',')
			p++;
		if (!*item) {
			free(item);
			continue;
		}
		if (!strncmp(v, ">>", 2)) op = OP_GT, v += 2;
		else if (!strncmp(v, "<<", 2)) op = OP_LT, v += 2;
		else if (!strncmp(v, ">=", 2)) op = OP_GE, v += 2;
		else if (!strncmp(v, "<=", 2)) op = OP_LE, v += 2;
		else if (!strncmp(v, "==", 2)) op = OP_EQ, v += 2;
		else if (!strncmp(v, "!=", 2)) op = OP_NE, v += 2;
		else if (*v == '=') op = OP_EQ, v++;
		else if (*v == '>') op = OP_GE, v++;	/* obsolete '>' means '>=' */
		else if (*v == '<') op = OP_LE, v++;	/* obsolete '<' means '<=' */
		while (isspace((unsigned char)*v))
			v++;
		if (deb_key(v, &kb) < 0) {
			pf_buf_release(&kb);
			pf_error(e, PF_EFORMAT, "'%s': '%s' is not a valid Debian relation", spec, item);
			free(item);
			return -PF_EFORMAT;
		}
		c = new_cmp(set, op);
		c->key = key_of(&kb);
		c->text = pf_xstrdup(v);
		free(item);
	}
	return 0;
}

static int match_deb(const struct vset *s, const char *version)
{
	struct pf_buf kb = PF_BUF_INIT;
	int m = 1;

	if (deb_key(version, &kb) < 0) {
		pf_buf_release(&kb);
		return -1;
	}
	for (size_t i = 0; i < s->n && m; i++) {
		int c = strcmp(pf_buf_cstr(&kb), s->c[i].key);

		switch (s->c[i].op) {
		case OP_LT: m = c < 0; break;
		case OP_LE: m = c <= 0; break;
		case OP_EQ: m = c == 0; break;
		case OP_NE: m = c != 0; break;
		case OP_GE: m = c >= 0; break;
		case OP_GT: m = c > 0; break;
		default: m = 0;
		}
	}
	pf_buf_release(&kb);
	return m;
}

/* ---- public ---- */

int vrange_parse(const char *eco, const char *spec, struct vrange **out, struct pf_err *e)
{
	struct vrange *r = pf_xcalloc(1, sizeof *r);
	char *t = trim(spec, strlen(spec));
	int rc;

	r->eco = pf_xstrdup(eco);
	if (!*t || !strcmp(t, "*"))
		rc = (new_set(r), 0);
	else if (!strcmp(eco, "pypi"))
		rc = parse_pep(r, t, e);
	else if (!strcmp(eco, "npm"))
		rc = parse_npm(r, t, e);
	else
		rc = parse_deb(r, t, e);
	free(t);
	if (rc < 0) {
		vrange_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int vrange_match(const struct vrange *r, const char *version, int rules)
{
	int any = 0;

	for (size_t i = 0; i < r->n; i++) {
		int m;

		if (!strcmp(r->eco, "pypi"))
			m = match_pep(&r->sets[i], version, rules);
		else if (!strcmp(r->eco, "npm"))
			m = match_npm(&r->sets[i], version, rules);
		else
			m = match_deb(&r->sets[i], version);
		if (m < 0)
			return -1;
		if (m)
			any = 1;
	}
	return any;
}

int version_is_pre(const char *eco, const char *version)
{
	if (!strcmp(eco, "pypi")) {
		struct pep440 v;

		return pep440_parse(version, &v) == 0 && pep_is_pre(&v);
	}
	if (!strcmp(eco, "npm")) {
		struct semver v;

		return semver_parse(version, &v) == 0 && v.pre[0];
	}
	return 0;
}

int solve_version_in_range(const char *eco, const char *version, const char *range, struct pf_err *e)
{
	struct vrange *r = NULL;
	int rc = vrange_parse(eco, range, &r, e);

	if (rc < 0)
		return rc;
	rc = vrange_match(r, version, 0);
	vrange_free(r);
	if (rc < 0)
		return pf_error(e, PF_EFORMAT, "'%s': not a valid %s version", version, eco);
	return rc;
}
