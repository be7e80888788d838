/* SPDX-License-Identifier: MIT */
/* The package index built from verified Packages files: stanzas, versions per name, providers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <solv/evr.h>
#include <solv/pool.h>

#include "import/internal.h"

/* ---- string map ---- */

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void smap_grow(struct import_smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct import_sent *t = pf_xcalloc(cap, sizeof *t);

	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->t[i].k)
			continue;
		for (j = m->t[i].h & (cap - 1); t[j].k; j = (j + 1) & (cap - 1))
			;
		t[j] = m->t[i];
	}
	free(m->t);
	m->t = t;
	m->cap = cap;
}

int *import_smap_slot(struct import_smap *m, const char *k)
{
	uint32_t h = hash(k);
	size_t j;

	if ((m->n + 1) * 2 > m->cap)
		smap_grow(m);
	for (j = h & (m->cap - 1); m->t[j].k; j = (j + 1) & (m->cap - 1))
		if (m->t[j].h == h && !strcmp(m->t[j].k, k))
			return &m->t[j].v;
	m->t[j].k = k;
	m->t[j].h = h;
	m->t[j].v = -1;
	m->n++;
	return &m->t[j].v;
}

int import_smap_get(const struct import_smap *m, const char *k)
{
	uint32_t h;

	if (!m->cap)
		return -1;
	h = hash(k);
	for (size_t j = h & (m->cap - 1); m->t[j].k; j = (j + 1) & (m->cap - 1))
		if (m->t[j].h == h && !strcmp(m->t[j].k, k))
			return m->t[j].v;
	return -1;
}

void import_smap_release(struct import_smap *m)
{
	free(m->t);
	memset(m, 0, sizeof *m);
}

/* ---- names and versions ---- */

int import_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 100 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr(".+-", s[i])))
			return 0;
	return 1;
}

/* Debian policy 5.6.12: [epoch:]upstream[-revision]. */
int import_version_ok(const char *s)
{
	const char *colon = strchr(s, ':'), *up = s, *dash;
	size_t n = strlen(s);

	if (!n || n > 200)
		return 0;
	if (colon) {
		if (colon == s)
			return 0;
		for (const char *p = s; p < colon; p++)
			if (*p < '0' || *p > '9')
				return 0;
		up = colon + 1;
	}
	if (*up < '0' || *up > '9')
		return 0;
	dash = strrchr(up, '-');
	for (const char *p = up; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');

		if (!alnum && !strchr(".+~-", *p))
			return 0;
		if (*p == '-' && !dash)
			return 0;
	}
	return !dash || dash[1];
}

int import_version_cmp(const struct import_index *ix, const char *a, const char *b)
{
	return pool_evrcmp_str(ix->pool, a, b, EVRCMP_COMPARE);
}

int import_rel_match(const struct import_index *ix, int op, const char *want, const char *v)
{
	int c;

	if (op == IREL_ANY)
		return 1;
	c = import_version_cmp(ix, v, want);
	switch (op) {
	case IREL_LT: return c < 0;
	case IREL_LE: return c <= 0;
	case IREL_EQ: return c == 0;
	case IREL_GE: return c >= 0;
	default: return c > 0;
	}
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static int copy_tok(char *dst, size_t max, const char *s, size_t n)
{
	if (!n || n >= max)
		return -1;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int import_rel_parse(const char *s, struct import_rel *rels, size_t max, size_t *n, char *why, size_t wl)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		struct import_rel *r;
		const char *t;

		if (*n == max) {
			snprintf(why, wl, "more than %zu alternatives", max);
			return -1;
		}
		r = &rels[(*n)++];
		memset(r, 0, sizeof *r);
		p = skip_ws(p);
		for (t = p; (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || (*t && strchr(".+-", *t)); t++)
			;
		if (copy_tok(r->name, sizeof r->name, p, (size_t)(t - p))) {
			snprintf(why, wl, "expected a package name");
			return -1;
		}
		p = t;
		if (*p == ':') {
			for (t = ++p; (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '-'; t++)
				;
			if (copy_tok(r->arch, sizeof r->arch, p, (size_t)(t - p))) {
				snprintf(why, wl, "expected an architecture after ':'");
				return -1;
			}
			p = t;
		}
		p = skip_ws(p);
		if (*p == '(') {
			p = skip_ws(p + 1);
			static const struct { const char *s; int op; } ops[] = {
				{ "<<", IREL_LT }, { "<=", IREL_LE }, { ">>", IREL_GT }, { ">=", IREL_GE }, { "=", IREL_EQ },
				{ "<", IREL_LE }, { ">", IREL_GE },	/* the obsolete spellings of <= and >= */
			};
			size_t o;

			for (o = 0; o < sizeof ops / sizeof ops[0]; o++)
				if (!strncmp(p, ops[o].s, strlen(ops[o].s)))
					break;
			if (o == sizeof ops / sizeof ops[0]) {
				snprintf(why, wl, "expected <<, <=, =, >= or >> after '('");
				return -1;
			}
			r->op = ops[o].op;
			p += strlen(ops[o].s);
			p = skip_ws(p);
			for (t = p; *t && *t != ')' && *t != ' ' && *t != '\t' && *t != '\n'; t++)
				;
			if (copy_tok(r->version, sizeof r->version, p, (size_t)(t - p)) || !import_version_ok(r->version)) {
				snprintf(why, wl, "expected a Debian version in '(...)'");
				return -1;
			}
			p = skip_ws(t);
			if (*p != ')') {
				snprintf(why, wl, "expected ')'");
				return -1;
			}
			p = skip_ws(p + 1);
		}
		if (!*p)
			return 0;
		if (*p != '|') {
			snprintf(why, wl, "unexpected '%c' (architecture lists and build profiles have no place in a "
				 "binary package's relations)", *p);
			return -1;
		}
		p++;
	}
}

/* ---- the index ---- */

struct import_index *import_index_new(const char *arch)
{
	struct import_index *ix = pf_xcalloc(1, sizeof *ix);

	ix->arch = pf_xstrdup(arch);
	ix->pool = pool_create();
	pool_setdisttype(ix->pool, DISTTYPE_DEB);
	return ix;
}

void import_index_free(struct import_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->nsuites; i++) {
		struct import_suite *s = &ix->suites[i];

		free(s->name);
		free(s->inrelease);
		free(s->archive);
		free(s->origin);
		free(s->label);
		free(s->suite);
		free(s->codename);
		free(s->signers);
	}
	free(ix->suites);
	free(ix->pkgs);
	free(ix->next);
	free(ix->provs);
	import_smap_release(&ix->byname);
	import_smap_release(&ix->byprov);
	for (size_t i = 0; i < ix->nbufs; i++)
		pf_buf_release(&ix->bufs[i]);
	free(ix->bufs);
	pf_arena_release(&ix->arena);
	pool_free(ix->pool);
	free(ix->arch);
	free(ix);
}

size_t import_index_nsuites(const struct import_index *ix)
{
	return ix->nsuites;
}

const struct import_suite *import_index_suite(const struct import_index *ix, size_t i)
{
	return i < ix->nsuites ? &ix->suites[i] : NULL;
}

size_t import_index_npkgs(const struct import_index *ix)
{
	return ix->npkgs;
}

char *import_deb_file_name(const struct import_pkg *p)
{
	struct pf_buf b = PF_BUF_INIT;

	/* apt's StoreFilename: name, version and arch with ':' quoted as %3a */
	pf_buf_adds(&b, p->name);
	pf_buf_addc(&b, '_');
	for (const char *v = p->version; *v; v++)
		if (*v == ':')
			pf_buf_adds(&b, "%3a");
		else
			pf_buf_addc(&b, *v);
	pf_buf_addf(&b, "_%s.deb", p->arch);
	return pf_buf_detach(&b, NULL);
}

/* Split a relation field at commas, folding whitespace, into an arena array appended to *v. */
static void split_field(struct pf_arena *a, const char *val, const char ***v, size_t *n, size_t *cap)
{
	const char *p = val;

	if (!val)
		return;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char *out = pf_arena_alloc(a, len + 1), *o = out;
		int sp = 0;

		for (size_t i = 0; i < len; i++) {
			if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
				sp = 1;
				continue;
			}
			if (sp && o > out)
				*o++ = ' ';
			sp = 0;
			*o++ = p[i];
		}
		*o = 0;
		if (o > out) {
			if (*n == *cap) {
				size_t nc = *cap ? *cap * 2 : 8;
				const char **nv = pf_arena_alloc(a, nc * sizeof *nv);

				if (*n)
					memcpy(nv, *v, *n * sizeof *nv);
				*v = nv;
				*cap = nc;
			}
			(*v)[(*n)++] = out;
		}
		if (!c)
			break;
		p = c + 1;
	}
}

void import_pkg_relations(const struct import_pkg *p, struct pf_arena *arena, const char ***depends, size_t *ndepends,
			  const char ***provides, size_t *nprovides, const char ***conflicts, size_t *nconflicts)
{
	size_t c1 = 0, c2 = 0, c3 = 0;

	*depends = *provides = *conflicts = NULL;
	*ndepends = *nprovides = *nconflicts = 0;
	split_field(arena, p->depends_first ? p->depends : p->pre_depends, depends, ndepends, &c1);
	split_field(arena, p->depends_first ? p->pre_depends : p->depends, depends, ndepends, &c1);
	split_field(arena, p->provides, provides, nprovides, &c2);
	split_field(arena, p->breaks_first ? p->breaks : p->conflicts, conflicts, nconflicts, &c3);
	split_field(arena, p->breaks_first ? p->conflicts : p->breaks, conflicts, nconflicts, &c3);
}

static int priority_of(const char *s)
{
	static const char *const names[] = { "required", "important", "standard", "optional", "extra" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return i;
	return 5;
}

/* Record what p provides (entries that do not parse are left out: they only narrow the choice). */
static void add_provides(struct import_index *ix, int pkg)
{
	const char *p = ix->pkgs[pkg].provides;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char *entry = pf_arena_strndup(&ix->arena, p, len), why[128];
		struct import_rel r;
		size_t n;

		if (!import_rel_parse(entry, &r, 1, &n, why, sizeof why) && !r.arch[0] &&
		    (r.op == IREL_ANY || r.op == IREL_EQ)) {
			int *slot;

			PF_GROW(ix->provs, ix->nprovs + 1, ix->capprovs);
			slot = import_smap_slot(&ix->byprov, pf_arena_strdup(&ix->arena, r.name));
			ix->provs[ix->nprovs].pkg = pkg;
			ix->provs[ix->nprovs].version = r.op == IREL_EQ ? pf_arena_strdup(&ix->arena, r.version) : NULL;
			ix->provs[ix->nprovs].next = *slot;
			*slot = (int)ix->nprovs++;
		}
		p = c ? c + 1 : NULL;
	}
}

/* The fields of one stanza that the index keeps, pointing into the buffer. */
struct stanza {
	char *f[13];
	int order;		/* bit 0: Depends seen before Pre-Depends; bit 1: Breaks before Conflicts */
};
enum { F_PACKAGE, F_VERSION, F_ARCH, F_MULTIARCH, F_PREDEPENDS, F_DEPENDS, F_PROVIDES, F_CONFLICTS, F_BREAKS,
       F_FILENAME, F_SIZE, F_SHA256, F_PRIORITY, F_N };

static int field_of(const char *k, size_t n)
{
	static const char *const names[F_N] = { "Package", "Version", "Architecture", "Multi-Arch", "Pre-Depends",
						"Depends", "Provides", "Conflicts", "Breaks", "Filename", "Size",
						"SHA256", "Priority" };

	for (int i = 0; i < F_N; i++)
		if (strlen(names[i]) == n && !strncasecmp(names[i], k, n))
			return i;
	return -1;
}

static int filename_ok(const char *s)
{
	const char *p = s;

	if (!*s || *s == '/' || strlen(s) > 1024)
		return 0;
	for (;;) {
		const char *sl = strchr(p, '/');
		size_t n = sl ? (size_t)(sl - p) : strlen(p);

		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x21 || p[i] == 0x7f || p[i] == '\\')
				return 0;
		if (!sl)
			return 1;
		p = sl + 1;
	}
}

static int add_stanza(struct import_index *ix, size_t suite, const char *what, struct stanza *st, size_t line,
		      struct pf_err *e)
{
	struct import_pkg *p;
	char *end;
	unsigned long long size;
	int *slot, i;

	if (!st->f[F_PACKAGE] || !st->f[F_VERSION] || !st->f[F_ARCH])
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: a stanza without Package, Version or Architecture",
				what, line);
	if (strcmp(st->f[F_ARCH], ix->arch) && strcmp(st->f[F_ARCH], "all"))
		return 0;
	if (!import_name_ok(st->f[F_PACKAGE]) || !import_version_ok(st->f[F_VERSION]))
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: '%.100s %.100s' is not a valid package name and "
				"version", what, line, st->f[F_PACKAGE], st->f[F_VERSION]);
	if (!st->f[F_FILENAME] || !st->f[F_SIZE] || !st->f[F_SHA256])
		return pf_error(e, PF_EFORMAT, "'%s': %s %s has no Filename, Size or SHA256", what, st->f[F_PACKAGE],
				st->f[F_VERSION]);
	if (!filename_ok(st->f[F_FILENAME]))
		return pf_error(e, PF_EFORMAT, "'%s': %s %s: unsafe Filename '%.200s'", what, st->f[F_PACKAGE],
				st->f[F_VERSION], st->f[F_FILENAME]);
	size = strtoull(st->f[F_SIZE], &end, 10);
	if (*st->f[F_SIZE] < '0' || *st->f[F_SIZE] > '9' || *end || size > ((unsigned long long)1 << 40))
		return pf_error(e, PF_EFORMAT, "'%s': %s %s: bad Size '%.40s'", what, st->f[F_PACKAGE],
				st->f[F_VERSION], st->f[F_SIZE]);
	for (char *h = st->f[F_SHA256]; *h; h++)
		if (*h >= 'A' && *h <= 'F')
			*h = (char)(*h - 'A' + 'a');
	if (!pf_is_sha256_hex(st->f[F_SHA256]))
		return pf_error(e, PF_EFORMAT, "'%s': %s %s: bad SHA256", what, st->f[F_PACKAGE], st->f[F_VERSION]);
	slot = import_smap_slot(&ix->byname, st->f[F_PACKAGE]);
	for (i = *slot; i >= 0; i = ix->next[i]) {
		struct import_pkg *q = &ix->pkgs[i];

		if (strcmp(q->version, st->f[F_VERSION]) || strcmp(q->arch, st->f[F_ARCH]))
			continue;
		if (strcmp(q->sha256, st->f[F_SHA256]) || q->size != size)
			return pf_error(e, PF_EFORMAT, "'%s': %s %s (%s) differs from the same version in suite '%s' "
					"(another size or SHA-256)", what, q->name, q->version, q->arch,
					ix->suites[__builtin_ctz(q->suites)].name);
		q->suites |= 1u << suite;
		return 0;
	}
	if (ix->npkgs == ix->cappkgs) {
		PF_GROW(ix->pkgs, ix->npkgs + 1, ix->cappkgs);
		ix->next = pf_xrealloc(ix->next, ix->cappkgs * sizeof *ix->next);
	}
	p = &ix->pkgs[ix->npkgs];
	memset(p, 0, sizeof *p);
	p->name = st->f[F_PACKAGE];
	p->version = st->f[F_VERSION];
	p->arch = st->f[F_ARCH];
	p->multiarch = st->f[F_MULTIARCH];
	p->filename = st->f[F_FILENAME];
	p->size = size;
	memcpy(p->sha256, st->f[F_SHA256], PF_SHA256_HEX);
	p->priority = st->f[F_PRIORITY] ? priority_of(st->f[F_PRIORITY]) : 5;
	p->pre_depends = st->f[F_PREDEPENDS];
	p->depends = st->f[F_DEPENDS];
	p->provides = st->f[F_PROVIDES];
	p->conflicts = st->f[F_CONFLICTS];
	p->breaks = st->f[F_BREAKS];
	p->depends_first = st->order & 1;
	p->breaks_first = (st->order >> 1) & 1;
	p->suites = 1u << suite;
	ix->next[ix->npkgs] = *slot;
	*slot = (int)ix->npkgs;
	ix->npkgs++;
	ix->suites[suite].npackages++;
	if (p->provides)
		add_provides(ix, (int)ix->npkgs - 1);
	return 0;
}

/* Cut the value [v, end) of a field: trim blanks at both ends and terminate it in place. */
static char *cut(char *v, char *end)
{
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	*end = 0;
	return v;
}

int import_index_add_packages(struct import_index *ix, size_t suite, const char *what, struct pf_buf *buf,
			      struct pf_err *e)
{
	struct stanza st;
	char *p, *end, *val = NULL;
	size_t line = 0, start = 0;
	int cur = -1, have = 0, rc = 0, dep_seen = 0, con_seen = 0;

	if (suite >= ix->nsuites || suite >= 32)
		return pf_error(e, PF_EINTERNAL, "'%s': no such suite in the index", what);
	PF_GROW(ix->bufs, ix->nbufs + 1, ix->capbufs);
	ix->bufs[ix->nbufs] = *buf;
	memset(buf, 0, sizeof *buf);
	p = ix->bufs[ix->nbufs].p;
	end = p + ix->bufs[ix->nbufs].len;
	ix->nbufs++;
	if (!p)
		return 0;
	if (memchr(p, 0, (size_t)(end - p)))
		return pf_error(e, PF_EFORMAT, "'%s': holds a NUL byte", what);
	memset(&st, 0, sizeof st);
	for (;;) {
		char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		char *le = nl ? nl : end;
		int blank = 1;

		for (char *q = p; q < le; q++)
			if (*q != ' ' && *q != '\t' && *q != '\r') {
				blank = 0;
				break;
			}
		line++;
		if (!blank && (*p == ' ' || *p == '\t')) {
			if (!have) {
				rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: a continuation line outside a field", what,
					      line);
				break;
			}
		} else {
			if (cur >= 0)	/* the previous field ends where this line starts */
				st.f[cur] = cut(val, p > val ? p - 1 : p);
			cur = -1;
			if (blank) {
				if (have) {
					rc = add_stanza(ix, suite, what, &st, start, e);
					if (rc)
						break;
				}
				have = 0;
				memset(&st, 0, sizeof st);
				dep_seen = con_seen = 0;
				if (p >= end)
					break;
			} else {
				char *colon = memchr(p, ':', (size_t)(le - p));
				int f;

				if (!colon || colon == p) {
					rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: not a 'Field: value' line", what, line);
					break;
				}
				if (!have)
					start = line;
				have = 1;
				f = field_of(p, (size_t)(colon - p));
				if (f >= 0) {
					if (st.f[f]) {
						rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: field '%.*s' twice in a stanza",
							      what, line, (int)(colon - p), p);
						break;
					}
					if (f == F_DEPENDS && !dep_seen)
						st.order |= 1;
					if (f == F_DEPENDS || f == F_PREDEPENDS)
						dep_seen = 1;
					if (f == F_BREAKS && !con_seen)
						st.order |= 2;
					if (f == F_BREAKS || f == F_CONFLICTS)
						con_seen = 1;
					cur = f;
					val = colon + 1;
					st.f[f] = val;	/* placeholder until cut */
				}
			}
		}
		if (!nl) {
			p = end;
			if (cur >= 0) {
				/* the last field runs to the end of the buffer, which is NUL-terminated */
				st.f[cur] = cut(val, end);
				cur = -1;
			}
			if (have && !rc) {
				rc = add_stanza(ix, suite, what, &st, start, e);
				have = 0;
			}
			break;
		}
		p = nl + 1;
	}
	return rc;
}
