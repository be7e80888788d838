/* SPDX-License-Identifier: MIT */
/* The pool: solvables from a verified catalog, the candidate index and lazy dependency translation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <solv/poolarch.h>
#include <solv/repo_solv.h>

#include "core/digest.h"
#include "core/file.h"
#include "solve/internal.h"
#include "solve/version.h"

static void spkg_load(struct solve_pool *sp, Id p, struct spkg *k);

struct spkg *sp_spkg(struct solve_pool *sp, Id p)
{
	struct spkg *k;

	if (p < sp->start || p >= sp->end)
		return NULL;
	k = &sp->pk[p - sp->start];
	if (!k->loaded)
		spkg_load(sp, p, k);
	return k;
}

static void init_keys(struct solve_pool *sp)
{
	Pool *pool = sp->pool;

	sp->k_eco = pool_str2id(pool, "pinfold:ecosystem", 1);
	sp->k_name = pool_str2id(pool, "pinfold:name", 1);
	sp->k_version = pool_str2id(pool, "pinfold:version", 1);
	sp->k_published = pool_str2id(pool, "pinfold:published", 1);
	sp->k_file = pool_str2id(pool, "pinfold:file", 1);
	sp->k_format = pool_str2id(pool, "pinfold:format", 1);
	sp->k_sha256 = pool_str2id(pool, "pinfold:sha256", 1);
	sp->k_size = pool_str2id(pool, "pinfold:size", 1);
	sp->k_extra = pool_str2id(pool, "pinfold:extra", 1);
	sp->k_host = pool_str2id(pool, "pinfold:host", 1);
	sp->k_depends = pool_str2id(pool, "pinfold:depends", 1);
	sp->k_conflicts = pool_str2id(pool, "pinfold:conflicts", 1);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return x->p < y->p ? -1 : x->p > y->p;
}

/* Candidates of every name: packages by their name, versioned provides by the provided name. */
void sp_build_index(struct solve_pool *sp)
{
	Pool *pool = sp->pool;
	size_t cap = 0;

	free(sp->cands);
	sp->cands = NULL;
	sp->ncands = 0;
	for (Id p = sp->start; p < sp->end; p++) {
		Solvable *s = pool_id2solvable(pool, p);
		if (s->provides) {
			for (Id *pp = s->repo->idarraydata + s->provides; *pp; pp++) {
				Id name = *pp, evr = 0;

				if (ISRELDEP(*pp)) {
					Reldep *rd = GETRELDEP(pool, *pp);

					if (rd->flags != REL_EQ)
						continue;
					name = rd->name;
					evr = rd->evr;
				}
				if (!evr)
					continue;	/* unversioned provides match only unversioned deps */
				PF_GROW(sp->cands, sp->ncands + 1, cap);
				sp->cands[sp->ncands].name = name;
				sp->cands[sp->ncands].evr = evr;
				sp->cands[sp->ncands].p = p;
				sp->cands[sp->ncands].own = name == s->name;
				sp->ncands++;
			}
		}
	}
	pf_qsort(sp->cands, sp->ncands, sizeof *sp->cands, cand_cmp);
}

struct cand *sp_cands(struct solve_pool *sp, Id name, size_t *n)
{
	size_t lo = 0, hi = sp->ncands;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sp->cands[mid].name < name)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	while (lo + *n < sp->ncands && sp->cands[lo + *n].name == name)
		(*n)++;
	return *n ? &sp->cands[lo] : NULL;
}

const char *sp_cand_version(struct solve_pool *sp, const struct cand *c)
{
	/* looked up now: a string of the pool moves when the pool adds strings */
	if (!c->own)
		return pool_id2str(sp->pool, c->evr);
	if (sp->src && (size_t)c->p < sp->nsrc) {
		const struct build_src *b = &sp->src[c->p];

		return b->pkg ? b->pkg->version : b->version;
	}
	return sp_spkg(sp, c->p)->version;
}

static const char *eco_of_pool_name(const char *name, char *buf, size_t n)
{
	const char *c = strchr(name, ':');
	size_t k = c ? (size_t)(c - name) : 0;

	if (k >= n)
		k = n - 1;
	memcpy(buf, name, k);
	buf[k] = '\0';
	return buf;
}

/* Remember where solvable sid came from while building. */
static void note_src(struct solve_pool *sp, Id sid, const struct catalog_pkg *p, const char *extra, const char *hostver)
{
	size_t cap = sp->nsrc;

	if ((size_t)sid >= sp->nsrc) {
		while (cap <= (size_t)sid)
			cap = cap ? cap * 2 : 1024;
		sp->src = pf_xrealloc(sp->src, cap * sizeof *sp->src);
		memset(sp->src + sp->nsrc, 0, (cap - sp->nsrc) * sizeof *sp->src);
		sp->nsrc = cap;
	}
	sp->src[sid].pkg = p;
	sp->src[sid].extra = extra ? pf_xstrdup(extra) : NULL;
	sp->src[sid].version = hostver ? pf_xstrdup(hostver) : NULL;
}

/*
 * One atom as a libsolv dependency: the plain name when unconstrained, else
 * the exact vetted versions (of packages or versioned provides) that satisfy
 * the constraint, as an OR of "name = key". Matching is done by range.c so
 * each ecosystem's rules (pre-releases, local versions, '>V' exclusions)
 * hold exactly; the keys keep libsolv's own ordering right for choosing.
 * *nmatch gets the number of candidates that match (-1 unconstrained).
 */
Id sp_atom(struct solve_pool *sp, const struct dep_atom *a, int *nmatch)
{
	Pool *pool = sp->pool;
	Id name = pool_str2id(pool, a->name, 1), out = 0;
	struct vrange *r = NULL;
	struct cand *c;
	size_t n;
	char eco[16];

	if (nmatch)
		*nmatch = -1;
	eco_of_pool_name(a->name, eco, sizeof eco);
	/* Debian has no pre-release rule: an unconstrained atom is the plain name (and its provides) */
	if (!*a->spec && strcmp(eco, "pypi") && strcmp(eco, "npm"))
		return name;
	if (vrange_parse(eco, a->spec, &r, NULL) < 0)
		return pool_rel2id(pool, name, pool_str2id(pool, "unmatched", 1), REL_EQ, 1);
	c = sp_cands(sp, name, &n);
	for (int rules = 1; rules >= 0 && !out; rules--) {
		int count = 0;

		for (size_t i = 0; i < n; i++) {
			if (vrange_match(r, sp_cand_version(sp, &c[i]), rules) == 1) {
				Id one = pool_rel2id(pool, name, c[i].evr, REL_EQ, 1);

				out = out ? pool_rel2id(pool, out, one, REL_OR, 1) : one;
				count++;
			}
		}
		if (nmatch)
			*nmatch = count;
		/* an unconstrained atom matching every version is just the name */
		if (!*a->spec && (size_t)count == n) {
			vrange_free(r);
			return name;
		}
		/* PEP 440 (and a bare npm name): pre-releases only when nothing final matches */
		if (strcmp(eco, "pypi") && *a->spec)
			break;
	}
	vrange_free(r);
	if (!out)
		out = pool_rel2id(pool, name, pool_str2id(pool, "unmatched", 1), REL_EQ, 1);
	return out;
}

static Id dep_id(struct solve_pool *sp, const struct dep *d)
{
	Id out = 0;

	for (size_t i = 0; i < d->n; i++) {
		Id one = sp_atom(sp, &d->alts[i], NULL);

		out = out ? pool_rel2id(sp->pool, out, one, REL_OR, 1) : one;
	}
	return out;
}

/*
 * Translations of dependency lines while a batch of solvables is translated:
 * the same line (in one ecosystem, without an extra) always gives the same
 * ids, and real catalogs repeat lines across versions and packages.
 */
struct line_memo {
	int *first;			/* by line string id: offset into ids, -1 when unknown */
	int *count;
	size_t cap;
	Queue ids;
};

static int eco_index(const char *eco)
{
	return !strcmp(eco, "pypi") ? 0 : !strcmp(eco, "npm") ? 1 : !strcmp(eco, "deb") ? 2 : 3;
}

int sp_line_ids(struct solve_pool *sp, const char *eco, const char *line, const char *extra, Queue *q,
		    struct pf_err *e)
{
	struct marker_env env = sp->env;
	struct dep_list l = { 0 };
	struct line_memo *m = sp->memo && !extra ? &sp->memo[eco_index(eco)] : NULL;
	Id lid = 0;
	int rc, start = q->count;

	if (m) {
		lid = pool_str2id(sp->pool, line, 1);
		if ((size_t)lid < m->cap && m->first[lid] >= 0) {
			for (int i = 0; i < m->count[lid]; i++)
				queue_push(q, m->ids.elements[m->first[lid] + i]);
			return 0;
		}
	}
	env.extra = extra;
	rc = dep_parse(eco, line, &env, &l, e);
	if (rc == 0)
		for (size_t i = 0; i < l.n; i++)
			queue_push(q, dep_id(sp, &l.v[i]));
	dep_list_release(&l);
	if (m && rc == 0) {
		if ((size_t)lid >= m->cap) {
			size_t cap = m->cap ? m->cap : 1024;

			while (cap <= (size_t)lid)
				cap *= 2;
			m->first = pf_xrealloc(m->first, cap * sizeof *m->first);
			m->count = pf_xrealloc(m->count, cap * sizeof *m->count);
			for (size_t i = m->cap; i < cap; i++)
				m->first[i] = -1;
			m->cap = cap;
		}
		m->first[lid] = m->ids.count;
		m->count[lid] = q->count - start;
		for (int i = start; i < q->count; i++)
			queue_push(&m->ids, q->elements[i]);
	}
	return rc;
}

/* 64 lowercase hex digits to 32 bytes; 0 when s is anything else. */
static int sha256_bin(const char *s, unsigned char out[32])
{
	for (int i = 0; i < 64; i++) {
		int c = (unsigned char)s[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return 0;
		if (i & 1)
			out[i / 2] |= (unsigned char)v;
		else
			out[i / 2] = (unsigned char)(v << 4);
	}
	return s[64] == '\0';
}

static void set_str(Repodata *data, Id h, Id key, const char *s)
{
	if (s)
		repodata_set_str(data, h, key, s);
}

static void set_id(Pool *pool, Repodata *data, Id h, Id key, const char *s)
{
	if (s)
		repodata_set_id(data, h, key, pool_str2id(pool, s, 1));
}

/*
 * A provide "ECO:rest" naming another ecosystem (pypi, npm, deb, generic):
 * that ecosystem (caller frees), *rest after the colon; NULL otherwise (a
 * Debian "name:any" is no ecosystem).
 */
static char *cross_provide(const char *text, const char **rest)
{
	size_t n = strcspn(text, ": (");
	char *eco;

	if (text[n] != ':')
		return NULL;
	eco = pf_xstrndup(text, n);
	if (!catalog_ecosystem_ok(eco)) {
		free(eco);
		return NULL;
	}
	*rest = text + n + 1;
	return eco;
}

static int add_solvable(struct solve_pool *sp, Repodata *data, const struct catalog_pkg *p, const char *extra,
			struct pf_err *e)
{
	Pool *pool = sp->pool;
	struct pf_buf key = PF_BUF_INIT;
	Id sid = repo_add_solvable(sp->repo);
	Solvable *s = pool_id2solvable(pool, sid);
	char *pname = dep_pool_name(p->ecosystem, p->name), *full;
	int rc;

	rc = solve_version_key(p->ecosystem, p->version, &key, NULL);
	if (rc < 0) {
		rc = pf_error(e, PF_EFORMAT, "catalog: %s %s: '%s' is not a valid version for %s", pname,
			      p->version, p->version, p->ecosystem);
		goto out;
	}
	full = extra ? pf_xasprintf("%s[%s]", pname, extra) : pf_xstrdup(pname);
	s->name = pool_str2id(pool, full, 1);
	free(full);
	s->evr = pool_str2id(pool, pf_buf_cstr(&key), 1);
	s->arch = ARCH_NOARCH;
	s->provides = repo_addid_dep(sp->repo, s->provides, pool_rel2id(pool, s->name, s->evr, REL_EQ, 1), 0);
	/* repeated values are pool ids and digests binary: a smaller cache loads faster */
	set_id(pool, data, sid, sp->k_eco, p->ecosystem);
	set_str(data, sid, sp->k_name, p->name);
	set_str(data, sid, sp->k_version, p->version);
	set_id(pool, data, sid, sp->k_published, p->published);
	if (extra) {
		set_str(data, sid, sp->k_extra, extra);
		goto out;
	}
	set_str(data, sid, sp->k_file, p->artifact.file);
	set_id(pool, data, sid, sp->k_format, p->artifact.format);
	{
		unsigned char bin[32];

		/* the catalog checked it is 64 lowercase hex digits; host packages have none */
		if (sha256_bin(p->artifact.sha256, bin))
			repodata_set_bin_checksum(data, sid, sp->k_sha256, REPOKEY_TYPE_SHA256, bin);
	}
	repodata_set_num(data, sid, sp->k_size, p->artifact.size);
	for (size_t i = 0; i < p->nprovides; i++) {
		struct dep_list l = { 0 };
		const char *text = p->provides[i], *peco = p->ecosystem;
		char *other = cross_provide(text, &text);

		/*
		 * provides use Debian syntax "name (= version)" in every ecosystem;
		 * "ECO:name (= version)" provides a name of another ecosystem (Debian's
		 * nodejs provides npm:node), its version in that ecosystem's scheme
		 */
		if (other)
			peco = other;
		rc = dep_parse(!strcmp(p->ecosystem, "pypi") || !strcmp(p->ecosystem, "npm") || other ? "generic" :
			       p->ecosystem, text, NULL, &l, e);
		if (rc < 0) {
			free(other);
			dep_list_release(&l);
			goto out;
		}
		for (size_t j = 0; j < l.n; j++) {
			for (size_t k = 0; k < l.v[j].n; k++) {
				const struct dep_atom *a = &l.v[j].alts[k];
				const char *c = strchr(a->name, ':');
				char *nm = pf_xasprintf("%s:%s", peco, c ? c + 1 : a->name);
				Id pid = pool_str2id(pool, nm, 1);

				free(nm);
				if (*a->spec) {
					const char *v = a->spec;
					struct pf_buf pk = PF_BUF_INIT;

					if (*v == '=')
						v++;
					while (*v == ' ')
						v++;
					/*
					 * The version as written (valid in the provided name's
					 * scheme): ranges are matched against it (cand_version), and
					 * a dependency names it by this same id.
					 */
					if (solve_version_key(peco, v, &pk, NULL) == 0)
						pid = pool_rel2id(pool, pid, pool_str2id(pool, v, 1), REL_EQ, 1);
					pf_buf_release(&pk);
				}
				s->provides = repo_addid_dep(sp->repo, s->provides, pid, 0);
			}
		}
		free(other);
		dep_list_release(&l);
	}
out:
	free(pname);
	pf_buf_release(&key);
	return rc;
}

static void add_strlist(Pool *pool, Repodata *data, Id sid, Id key, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		repodata_add_idarray(data, sid, key, pool_str2id(pool, v[i], 1));
}

/*
 * A copy that lives as long as the pool: libsolv's strings move when the pool
 * adds strings (translating dependencies does), so a record never points into them.
 */
static const char *keep(struct solve_pool *sp, const char *s)
{
	return s ? pf_arena_strdup(&sp->strs, s) : NULL;
}

static void spkg_load(struct solve_pool *sp, Id p, struct spkg *k)
{
	Solvable *s = pool_id2solvable(sp->pool, p);

	k->eco = keep(sp, solvable_lookup_str(s, sp->k_eco));
	k->name = keep(sp, solvable_lookup_str(s, sp->k_name));
	k->version = keep(sp, solvable_lookup_str(s, sp->k_version));
	k->published = keep(sp, solvable_lookup_str(s, sp->k_published));
	k->file = keep(sp, solvable_lookup_str(s, sp->k_file));
	k->format = keep(sp, solvable_lookup_str(s, sp->k_format));
	{
		Id type = 0;
		const char *hex = solvable_lookup_checksum(s, sp->k_sha256, &type);

		snprintf(k->sha256, sizeof k->sha256, "%s", hex && type == REPOKEY_TYPE_SHA256 ? hex : "");
	}
	k->size = solvable_lookup_num(s, sp->k_size, 0);
	k->extra = keep(sp, solvable_lookup_str(s, sp->k_extra));
	k->host = (int)solvable_lookup_num(s, sp->k_host, 0);
	if (!k->eco)
		k->eco = "generic";
	if (!k->name)
		k->name = "";
	if (!k->version)
		k->version = "";
	k->loaded = 1;
}

/* (Re)start the lazy per-solvable records; needed after repodata changes. */
void sp_reset_records(struct solve_pool *sp)
{
	sp->start = sp->repo->start;
	sp->end = sp->repo->end;
	free(sp->pk);
	sp->pk = pf_xcalloc((size_t)(sp->end - sp->start) + 1, sizeof *sp->pk);
}


static int build_pool_memo(struct solve_pool *sp, Repodata *data, const struct catalog *cat,
			   const struct solve_target *t, struct pf_err *e);

/* Translations of repeated lines, kept while a batch of solvables is translated. */
void sp_memo_init(struct solve_pool *sp)
{
	sp->memo = pf_xcalloc(4, sizeof *sp->memo);
	for (int i = 0; i < 4; i++)
		queue_init(&sp->memo[i].ids);
}

void sp_memo_free(struct solve_pool *sp)
{
	for (int i = 0; sp->memo && i < 4; i++) {
		free(sp->memo[i].first);
		free(sp->memo[i].count);
		queue_free(&sp->memo[i].ids);
	}
	free(sp->memo);
	sp->memo = NULL;
}

static int build_pool(struct solve_pool *sp, const struct catalog *cat, const struct solve_target *t,
		      struct pf_err *e)
{
	Repodata *data = repo_add_repodata(sp->repo, 0);
	int rc;

	rc = build_pool_memo(sp, data, cat, t, e);
	for (size_t i = 0; i < sp->nsrc; i++) {
		free(sp->src[i].extra);
		free(sp->src[i].version);
	}
	free(sp->src);
	sp->src = NULL;
	sp->nsrc = 0;
	return rc;
}

static int build_pool_memo(struct solve_pool *sp, Repodata *data, const struct catalog *cat,
			   const struct solve_target *t, struct pf_err *e)
{
	Pool *pool = sp->pool;
	int rc = 0;

	for (size_t i = 0; i < cat->npkgs; i++) {
		const struct catalog_pkg *p = &cat->pkgs[i];
		struct pf_strv extras = PF_STRV_INIT;

		rc = add_solvable(sp, data, p, NULL, e);
		if (rc)
			return rc;
		note_src(sp, sp->repo->end - 1, p, NULL, NULL);
		if (!strcmp(p->ecosystem, "pypi"))
			for (size_t j = 0; j < p->ndepends; j++)
				dep_marker_extras(p->depends[j], &extras);
		pf_strv_sort(&extras);
		for (size_t j = 0; j < extras.n && !rc; j++) {
			rc = add_solvable(sp, data, p, extras.v[j], e);
			if (!rc)
				note_src(sp, sp->repo->end - 1, p, extras.v[j], NULL);
		}
		pf_strv_release(&extras);
		if (rc)
			return rc;
	}
	/* Host packages: present on the target; never locked or installed by pinfold. */
	for (size_t i = 0; t && i < t->nhost; i++) {
		struct catalog_pkg hp;
		const char *sp1 = strchr(t->host[i], ' '), *colon = strchr(t->host[i], ':');
		char *eco, *name;
		Id sid;

		if (!colon || !sp1 || colon > sp1)
			return pf_error(e, PF_EFORMAT, "target.host: '%s' is not 'ECOSYSTEM:NAME VERSION'",
					t->host[i]);
		memset(&hp, 0, sizeof hp);
		eco = pf_xstrndup(t->host[i], (size_t)(colon - t->host[i]));
		name = pf_xstrndup(colon + 1, (size_t)(sp1 - colon - 1));
		hp.ecosystem = eco;
		hp.name = name;
		hp.version = sp1 + 1;
		while (*hp.version == ' ')
			hp.version++;
		rc = add_solvable(sp, data, &hp, NULL, e);
		free(eco);
		free(name);
		if (rc)
			return pf_error(e, PF_EFORMAT, "target.host: '%s': not a valid version", t->host[i]) ;
		sid = sp->repo->end - 1;
		repodata_set_num(data, sid, sp->k_host, 1);
		note_src(sp, sid, NULL, NULL, hp.version);
		/* libc6:any, python3:any and friends */
	}
	/* what the candidates index needs is in the solvables already: no repodata look-ups yet */
	sp->start = sp->repo->start;
	sp->end = sp->repo->end;
	sp_build_index(sp);
	/*
	 * The dependency lines, as texts: they are translated into libsolv
	 * relations only for what a request can reach (sp_translate(), from
	 * solve_run()), so the pool and its cache hold no relations that no
	 * solve ever looks at. An extra keeps the lines its marker enables.
	 */
	for (Id sid = sp->start; sid < sp->end; sid++) {
		const struct build_src *b = (size_t)sid < sp->nsrc ? &sp->src[sid] : NULL;
		const struct catalog_pkg *p = b ? b->pkg : NULL;

		if (!p)
			continue;	/* a host package */
		if (b->extra) {
			for (size_t j = 0; j < p->ndepends; j++) {
				struct pf_strv x = PF_STRV_INIT;

				dep_marker_extras(p->depends[j], &x);
				if (pf_strv_contains(&x, b->extra))
					repodata_add_idarray(data, sid, sp->k_depends, pool_str2id(pool, p->depends[j], 1));
				pf_strv_release(&x);
			}
		} else {
			add_strlist(pool, data, sid, sp->k_depends, p->depends, p->ndepends);
			add_strlist(pool, data, sid, sp->k_conflicts, p->conflicts, p->nconflicts);
		}
	}
	/* attribute strings move when repodata is internalized again: look everything up anew */
	repodata_internalize(data);
	sp_reset_records(sp);
	sp_build_index(sp);
	return 0;
}

/* Add solvable sid's requires and conflicts from its dependency lines (once). */
int sp_translate(struct solve_pool *sp, Id sid, struct pf_err *e)
{
	Pool *pool = sp->pool;
	Solvable *s = pool_id2solvable(pool, sid);
	struct spkg *k = sp_spkg(sp, sid);
	Queue lines, q;
	int rc = 0;

	if (!k || sp->translated[sid - sp->start])
		return 0;
	sp->translated[sid - sp->start] = 1;
	if (k->host)
		return 0;
	queue_init(&lines);
	queue_init(&q);
	if (k->extra) {
		/* an extra requires its package and the lines its marker enables */
		char *bn = dep_pool_name(k->eco, k->name);
		Id base = pool_str2id(pool, bn, 1);

		free(bn);
		queue_push(&q, pool_rel2id(pool, base, s->evr, REL_EQ, 1));
	}
	solvable_lookup_idarray(s, sp->k_depends, &lines);
	for (int j = 0; j < lines.count && !rc; j++)
		rc = sp_line_ids(sp, k->eco, pool_id2str(pool, lines.elements[j]), k->extra, &q, e);
	for (int j = 0; j < q.count; j++)
		s->requires = repo_addid_dep(sp->repo, s->requires, q.elements[j], 0);
	queue_empty(&q);
	queue_empty(&lines);
	if (!k->extra)
		solvable_lookup_idarray(s, sp->k_conflicts, &lines);
	for (int j = 0; j < lines.count && !rc; j++)
		rc = sp_line_ids(sp, k->eco, pool_id2str(pool, lines.elements[j]), NULL, &q, e);
	for (int j = 0; j < q.count; j++)
		s->conflicts = repo_addid_dep(sp->repo, s->conflicts, q.elements[j], 0);
	queue_free(&q);
	queue_free(&lines);
	if (rc) {
		char msg[PF_ERR_MAX];

		snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
		if (e)
			pf_err_clear(e);
		return pf_error(e, PF_EFORMAT, "catalog: %s %s %s: %s", k->eco, k->name, k->version, msg);
	}
	return 0;
}

static void set_env(struct solve_pool *sp, const struct solve_target *t)
{
	char *machine = sp->machine;
	const char *plat = t ? t->platform : NULL;

	sp->env.python = t ? t->python : NULL;
	machine[0] = 0;
	if (plat) {
		const char *dash = strchr(plat, '-');

		snprintf(machine, sizeof sp->machine, "%s", dash ? dash + 1 : plat);
		if (!strcmp(machine, "amd64"))
			strcpy(machine, "x86_64");
		if (!strcmp(machine, "arm64"))
			strcpy(machine, "aarch64");
	}
	sp->env.machine = machine[0] ? machine : NULL;
}

static struct solve_pool *pool_alloc(const struct solve_target *t)
{
	struct solve_pool *sp = pf_xcalloc(1, sizeof *sp);

	sp->pool = pool_create();
	/* Debian semantics: an unversioned provide never satisfies a versioned dependency. */
	pool_setdisttype(sp->pool, DISTTYPE_DEB);
	pool_setarch(sp->pool, "noarch");
	init_keys(sp);
	set_env(sp, t);
	sp->nhost = t ? (int)t->nhost : 0;
	sp->repo = repo_create(sp->pool, "catalog");
	return sp;
}

/* The pool of cache file for (catalog SHA-256, target) in sp's empty repo, made ready for solving. */
static int try_cache(struct solve_pool *sp, const struct solve_cache *c, const char *catalog_sha256,
		     const struct solve_target *t)
{
	if (!sp_cache_load(sp, c, catalog_sha256, t)) {
		repo_empty(sp->repo, 1);
		return 0;
	}
	sp->from_cache = 1;
	sp_reset_records(sp);
	sp_build_index(sp);
	pool_addfileprovides(sp->pool);
	pool_createwhatprovides(sp->pool);
	return 1;
}

int solve_pool_load_cache(const char *catalog_sha256, const struct solve_target *t, const struct solve_cache *c,
			  struct solve_pool **out)
{
	struct solve_pool *sp;

	*out = NULL;
	if (!c || !catalog_sha256 || !*catalog_sha256)
		return -PF_ENOTFOUND;
	sp = pool_alloc(t);
	if (!try_cache(sp, c, catalog_sha256, t)) {
		solve_pool_free(sp);
		return -PF_ENOTFOUND;
	}
	*out = sp;
	return 0;
}

int solve_pool_new(const struct catalog *cat, const struct solve_target *t, const struct solve_cache *c,
		   struct solve_pool **out, struct pf_err *e)
{
	struct solve_pool *sp = pool_alloc(t);
	int rc = 0;

	*out = NULL;
	if (c && cat->sha256[0] && try_cache(sp, c, cat->sha256, t)) {
		*out = sp;
		return 0;
	}
	rc = build_pool(sp, cat, t, e);
	if (rc) {
		solve_pool_free(sp);
		return rc;
	}
	if (c && cat->sha256[0])
		sp_cache_save(sp, c, cat, t);
	pool_addfileprovides(sp->pool);
	pool_createwhatprovides(sp->pool);
	*out = sp;
	return 0;
}

int solve_pool_from_cache(const struct solve_pool *p)
{
	return p->from_cache;
}

int solve_pool_cache_meta(const struct solve_pool *sp, struct solve_cache_meta *m)
{
	if (!sp->from_cache)
		return -1;
	*m = sp->meta;
	return 0;
}

void solve_pool_free(struct solve_pool *sp)
{
	if (!sp)
		return;
	if (sp->pool)
		pool_free(sp->pool);
	free(sp->pk);
	free(sp->cands);
	free(sp->translated);
	pf_arena_release(&sp->strs);
	free(sp);
}
