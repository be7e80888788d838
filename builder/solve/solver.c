/* SPDX-License-Identifier: MIT */
/* The libsolv adapter: a pool of verified catalog packages, policy filters, jobs, readable problems. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <solv/bitmap.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/repo.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/selection.h>
#include <solv/solver.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "solve/deps.h"
#include "solve/solve.h"
#include "solve/version.h"

#define SOLV_MAGIC "pinfold-solv/1"
/* Raise when what goes into the pool changes, so old cache files are not used. */
#define SOLV_SCHEMA "7"

/* What each solvable stands for; read back from repodata attributes. */
struct spkg {
	const char *eco, *name, *version, *published;
	const char *file, *format;
	char sha256[PF_SHA256_HEX];
	unsigned long long size;
	const char *extra;		/* pypi extra this pseudo-package enables, or NULL */
	int host;			/* provided by the target, not installed by us */
	int loaded;			/* attributes looked up (lazily: big pools, few used) */
};

/* While the pool is built: a solvable's catalog package (NULL: a host package), extra and version. */
struct build_src {
	const struct catalog_pkg *pkg;
	char *extra;			/* owned */
	char *version;			/* host packages only (owned); else pkg->version */
};

/* One candidate a constraint can match: a package (or a versioned provide) of a name. */
struct cand {
	Id name, evr, p;
	int own;			/* the package's own name (else a versioned provide) */
	const char *version;		/* provides: the evr (the version as written); own: NULL, see cand_version() */
};

struct solve_pool {
	Pool *pool;
	Repo *repo;
	Id start, end;			/* solvable ids of repo */
	struct spkg *pk;		/* indexed by p - start */
	struct cand *cands;
	size_t ncands;
	struct marker_env env;
	struct line_memo *memo;		/* while building: one per ecosystem */
	struct build_src *src;		/* while building: what each solvable came from, by solvable id */
	size_t nsrc;
	char machine[64];		/* platform_machine, from target.platform */
	int nhost;			/* host solvables: the last nhost of the repo */
	Id k_eco, k_name, k_version, k_published, k_file, k_format, k_sha256, k_size, k_extra, k_host,
	   k_depends, k_conflicts;
	int from_cache;
	struct solve_cache_meta meta;	/* from_cache: the authenticated catalog header */
	unsigned char *translated;	/* by p - start: requires/conflicts added (lazily, when reached) */
};

static void spkg_load(struct solve_pool *sp, Id p, struct spkg *k);

static struct spkg *spkg_of(struct solve_pool *sp, Id p)
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
static void build_index(struct solve_pool *sp)
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
				sp->cands[sp->ncands].version = name == s->name ? NULL : pool_id2str(pool, evr);
				sp->ncands++;
			}
		}
	}
	pf_qsort(sp->cands, sp->ncands, sizeof *sp->cands, cand_cmp);
}

static struct cand *cands_of(struct solve_pool *sp, Id name, size_t *n)
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

static const char *cand_version(struct solve_pool *sp, const struct cand *c)
{
	if (!c->own)
		return c->version;
	if (sp->src && (size_t)c->p < sp->nsrc) {
		const struct build_src *b = &sp->src[c->p];

		return b->pkg ? b->pkg->version : b->version;
	}
	return spkg_of(sp, c->p)->version;
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
static Id atom_id(struct solve_pool *sp, const struct dep_atom *a, int *nmatch)
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
	c = cands_of(sp, name, &n);
	for (int rules = 1; rules >= 0 && !out; rules--) {
		int count = 0;

		for (size_t i = 0; i < n; i++) {
			if (vrange_match(r, cand_version(sp, &c[i]), rules) == 1) {
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
		Id one = atom_id(sp, &d->alts[i], NULL);

		out = out ? pool_rel2id(sp->pool, out, one, REL_OR, 1) : one;
	}
	return out;
}

/* Translate a dependency line of eco for solvable kind; adds ids to q. */
/*
 * Translations of dependency lines while the pool is built: the same line
 * (in one ecosystem, without an extra) always gives the same ids, and real
 * catalogs repeat lines across versions and packages.
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

static int line_ids(struct solve_pool *sp, const char *eco, const char *line, const char *extra, Queue *q,
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

static void spkg_load(struct solve_pool *sp, Id p, struct spkg *k)
{
	Solvable *s = pool_id2solvable(sp->pool, p);

	k->eco = solvable_lookup_str(s, sp->k_eco);
	k->name = solvable_lookup_str(s, sp->k_name);
	k->version = solvable_lookup_str(s, sp->k_version);
	k->published = solvable_lookup_str(s, sp->k_published);
	k->file = solvable_lookup_str(s, sp->k_file);
	k->format = solvable_lookup_str(s, sp->k_format);
	{
		Id type = 0;
		const char *hex = solvable_lookup_checksum(s, sp->k_sha256, &type);

		snprintf(k->sha256, sizeof k->sha256, "%s", hex && type == REPOKEY_TYPE_SHA256 ? hex : "");
	}
	k->size = solvable_lookup_num(s, sp->k_size, 0);
	k->extra = solvable_lookup_str(s, sp->k_extra);
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
static void load_spkgs(struct solve_pool *sp)
{
	sp->start = sp->repo->start;
	sp->end = sp->repo->end;
	free(sp->pk);
	sp->pk = pf_xcalloc((size_t)(sp->end - sp->start) + 1, sizeof *sp->pk);
}

/* The cache key: the catalog bytes and everything the translation depends on. */
static void cache_key(const char *catalog_sha256, const struct solve_target *t, char out[PF_SHA256_HEX])
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "%s %s\n%s\n%s\n%s\n", SOLV_MAGIC, SOLV_SCHEMA, catalog_sha256,
		    t && t->python ? t->python : "", t && t->platform ? t->platform : "");
	for (size_t i = 0; t && i < t->nhost; i++)
		pf_buf_addf(&b, "%s\n", t->host[i]);
	pf_sha256_hex(b.p, b.len, out);
	pf_buf_release(&b);
}

/*
 * A cache file is "pinfold-solv/1 <key> <HMAC-SHA-256 of key and the rest>\n", then
 * "catalog <name> <version> <expires> <min_age_days>\n", then libsolv's bytes.
 * It is used only when both digests match; anything else is rebuilt.
 */
static int parse_meta(const char *line, size_t n, struct solve_cache_meta *m)
{
	char buf[512];

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, line, n);
	buf[n] = 0;
	memset(m, 0, sizeof *m);
	if (sscanf(buf, "catalog %127s %lld %31s %d", m->name, &m->version, m->expires, &m->min_age_days) != 4)
		return -1;
	return 0;
}

int solve_pool_cache_meta(const struct solve_pool *sp, struct solve_cache_meta *m)
{
	if (!sp->from_cache)
		return -1;
	*m = sp->meta;
	return 0;
}

int solve_pool_from_cache(const struct solve_pool *p)
{
	return p->from_cache;
}

/* A regular file whole, with one exactly sized read (the cache is megabytes); -1 on any problem. */
static int read_whole(const char *path, size_t max, struct pf_buf *b)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	struct pf_err e = { 0 };
	int fd = pf_open_regular(path, PF_OPEN_NOFOLLOW, &st, &e), rc = -1;

	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > max)
		goto out;
	b->cap = (size_t)st.st_size + 1;
	b->p = pf_xmalloc(b->cap);
	n = pf_read_full(fd, b->p, (size_t)st.st_size);
	if (n != (ssize_t)st.st_size)
		goto out;
	got = (size_t)n;
	b->len = got;
	b->p[got] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

static unsigned char cache_secret[32];
static int cache_secret_ok;

int solve_cache_secret_load(const char *state_dir, struct pf_err *e)
{
	char *path = pf_xasprintf("%s/solv-cache.key", state_dir);
	ssize_t n = -1;
	int fd, rc = 0;

	{
		struct pf_err e2 = { 0 };

		fd = pf_open_regular(path, PF_OPEN_NOFOLLOW, NULL, &e2);	/* a FIFO planted here must not hang us */
	}
	if (fd >= 0) {
		char extra;

		n = pf_read_full(fd, cache_secret, sizeof cache_secret);
		if (n == (ssize_t)sizeof cache_secret && pf_read_full(fd, &extra, 1) != 0)
			n = -1;
		close(fd);
	}
	if (n != (ssize_t)sizeof cache_secret) {
		/*
		 * Missing, short or otherwise bad: a new secret only makes the
		 * existing caches fail their MAC and be rebuilt.
		 */
		if (getrandom(cache_secret, sizeof cache_secret, 0) != (ssize_t)sizeof cache_secret) {
			rc = pf_error(e, PF_EIO, "'%s': no random bytes: %s", path, strerror(errno));
			goto out;
		}
		if ((rc = pf_mkdir_p(state_dir, 0700, e)) ||
		    (rc = pf_write_file(path, cache_secret, sizeof cache_secret, 0600, e)))
			goto out;
	}
	cache_secret_ok = 1;
out:
	if (rc)
		pf_cleanse(cache_secret, sizeof cache_secret);
	free(path);
	return rc;
}

/* The MAC binds the file's key (catalog SHA-256 and target) to its contents: no renamed cache passes. */
static void cache_digest(const char *key, const char *rest, size_t restlen, char out[PF_SHA256_HEX])
{
	char head[PF_SHA256_HEX + 1];

	snprintf(head, sizeof head, "%s\n", key);
	pf_hmac_sha256_hex(cache_secret, sizeof cache_secret, head, strlen(head), rest, restlen, out);
}

static int cache_load(struct solve_pool *sp, const char *path, const char *key)
{
	struct pf_buf b = PF_BUF_INIT;
	char hdr[256], want[PF_SHA256_HEX], got[PF_SHA256_HEX], k[PF_SHA256_HEX];
	const char *nl;
	FILE *f = NULL;
	int ok = 0;

	if (!cache_secret_ok || read_whole(path, PF_MAX_CATALOG, &b) < 0)
		goto out;
	nl = b.p ? memchr(b.p, '\n', b.len < sizeof hdr ? b.len : sizeof hdr - 1) : NULL;
	if (!nl)
		goto out;
	memcpy(hdr, b.p, (size_t)(nl - b.p));
	hdr[nl - b.p] = 0;
	if (sscanf(hdr, SOLV_MAGIC " %64s %64s", k, want) != 2 || strcmp(k, key))
		goto out;
	cache_digest(key, nl + 1, b.len - (size_t)(nl + 1 - b.p), got);	/* the catalog line and libsolv's bytes */
	if (!pf_digest_eq(got, want))
		goto out;
	{
		/* skip the catalog line */
		const char *nl2 = memchr(nl + 1, '\n', b.len - (size_t)(nl + 1 - b.p));

		if (!nl2 || parse_meta(nl + 1, (size_t)(nl2 - nl - 1), &sp->meta) < 0)
			goto out;
		nl = nl2;
	}
	f = fmemopen((void *)(nl + 1), b.len - (size_t)(nl + 1 - b.p), "r");
	if (!f)
		goto out;
	/* libsolv reads byte by byte: one thread uses this stream, so skip the per-call lock */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	if (repo_add_solv(sp->repo, f, 0) == 0)
		ok = 1;
out:
	if (f)
		fclose(f);
	pf_buf_release(&b);
	return ok;
}

static void cache_save(struct solve_pool *sp, const struct catalog *cat, const char *dir, const char *path,
		       const char *key)
{
	char *mem = NULL, *meta;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	struct pf_buf b = PF_BUF_INIT;
	char digest[PF_SHA256_HEX];

	if (!f)
		return;
	if (!cache_secret_ok) {
		fclose(f);
		free(mem);
		return;
	}
	if (repo_write(sp->repo, f) != 0) {
		fclose(f);
		free(mem);
		return;
	}
	fclose(f);
	meta = pf_xasprintf("catalog %s %lld %s %d\n", cat->name, cat->version, cat->expires ? cat->expires : "-",
			    cat->min_age_days);
	pf_buf_addf(&b, "%s %s %064d\n%s", SOLV_MAGIC, key, 0, meta);
	pf_buf_add(&b, mem, len);
	{
		/* the MAC covers everything after the first line; fill it in place */
		size_t at = strlen(SOLV_MAGIC) + 1 + strlen(key) + 1;
		size_t rest = at + 64 + 1;

		cache_digest(key, b.p + rest, b.len - rest, digest);
		memcpy(b.p + at, digest, 64);
	}
	free(meta);
	/* A cache that cannot be written only costs time next run. */
	if (pf_mkdir_p(dir, 0700, NULL) == 0)
		pf_write_file(path, b.p, b.len, 0600, NULL);
	pf_buf_release(&b);
	free(mem);
}

static int build_pool_memo(struct solve_pool *sp, Repodata *data, const struct catalog *cat,
			   const struct solve_target *t, struct pf_err *e);

/* Translations of repeated lines, kept while a batch of solvables is translated. */
static void memo_init(struct solve_pool *sp)
{
	sp->memo = pf_xcalloc(4, sizeof *sp->memo);
	for (int i = 0; i < 4; i++)
		queue_init(&sp->memo[i].ids);
}

static void memo_free(struct solve_pool *sp)
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
	build_index(sp);
	/*
	 * The dependency lines, as texts: they are translated into libsolv
	 * relations only for what a request can reach (translate(), from
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
	load_spkgs(sp);
	build_index(sp);
	return 0;
}

/* Add solvable sid's requires and conflicts from its dependency lines (once). */
static int translate(struct solve_pool *sp, Id sid, struct pf_err *e)
{
	Pool *pool = sp->pool;
	Solvable *s = pool_id2solvable(pool, sid);
	struct spkg *k = spkg_of(sp, sid);
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
		rc = line_ids(sp, k->eco, pool_id2str(pool, lines.elements[j]), k->extra, &q, e);
	for (int j = 0; j < q.count; j++)
		s->requires = repo_addid_dep(sp->repo, s->requires, q.elements[j], 0);
	queue_empty(&q);
	queue_empty(&lines);
	if (!k->extra)
		solvable_lookup_idarray(s, sp->k_conflicts, &lines);
	for (int j = 0; j < lines.count && !rc; j++)
		rc = line_ids(sp, k->eco, pool_id2str(pool, lines.elements[j]), NULL, &q, e);
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

static int try_cache(struct solve_pool *sp, const char *catalog_sha256, const struct solve_target *t,
		     const char *cache_dir)
{
	char key[PF_SHA256_HEX];
	char *path;
	int ok;

	cache_key(catalog_sha256, t, key);
	path = pf_xasprintf("%s/%s.solv", cache_dir, key);
	ok = cache_load(sp, path, key);
	free(path);
	if (!ok) {
		repo_empty(sp->repo, 1);
		return 0;
	}
	sp->from_cache = 1;
	load_spkgs(sp);
	build_index(sp);
	pool_addfileprovides(sp->pool);
	pool_createwhatprovides(sp->pool);
	return 1;
}

int solve_pool_load_cache(const char *catalog_sha256, const struct solve_target *t, const char *cache_dir,
			  struct solve_pool **out)
{
	struct solve_pool *sp;

	*out = NULL;
	if (!cache_dir || !catalog_sha256 || !*catalog_sha256)
		return -PF_ENOTFOUND;
	sp = pool_alloc(t);
	if (!try_cache(sp, catalog_sha256, t, cache_dir)) {
		solve_pool_free(sp);
		return -PF_ENOTFOUND;
	}
	*out = sp;
	return 0;
}

int solve_pool_new(const struct catalog *cat, const struct solve_target *t, const char *cache_dir,
		   struct solve_pool **out, struct pf_err *e)
{
	struct solve_pool *sp = pool_alloc(t);
	char key[PF_SHA256_HEX];
	char *path = NULL;
	int rc = 0;

	*out = NULL;
	if (cache_dir && cat->sha256[0] && try_cache(sp, cat->sha256, t, cache_dir)) {
		*out = sp;
		return 0;
	}
	rc = build_pool(sp, cat, t, e);
	if (rc) {
		solve_pool_free(sp);
		return rc;
	}
	if (cache_dir && cat->sha256[0]) {
		cache_key(cat->sha256, t, key);
		path = pf_xasprintf("%s/%s.solv", cache_dir, key);
		cache_save(sp, cat, cache_dir, path, key);
		free(path);
	}
	pool_addfileprovides(sp->pool);
	pool_createwhatprovides(sp->pool);
	*out = sp;
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
	free(sp);
}

/* ---- policy ---- */

static int revoked_reason(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
			  const char **reason)
{
	char *pn;

	if (!pol->advisories)
		return 0;
	pn = dep_pool_name(eco, name);
	for (size_t i = 0; i < pol->advisories->n; i++) {
		const struct advisory *a = &pol->advisories->items[i];
		char *an = dep_pool_name(a->ecosystem, a->name);
		int hit = 0;

		if (!strcmp(an, pn)) {
			for (size_t j = 0; j < a->nversions && !hit; j++)
				hit = !strcmp(a->versions[j], version) ||
				      solve_version_cmp(eco, a->versions[j], version) == 0;
			if (!hit && a->range)
				hit = solve_version_in_range(eco, version, a->range, NULL) == 1;
		}
		free(an);
		if (hit) {
			*reason = a->reason ? a->reason : a->id;
			free(pn);
			return 1;
		}
	}
	free(pn);
	return 0;
}

static char *exclusion(const struct solve_policy *pol, const char *eco, const char *name, const char *version,
		       const char *published)
{
	const char *reason;
	char *pn;
	char *out = NULL;
	time_t pub;

	pn = dep_pool_name(eco, name);
	if (revoked_reason(pol, eco, name, version, &reason)) {
		out = pf_xasprintf("%s %s is revoked: %s", pn, version, reason);
	} else if (pol->min_age_days > 0) {
		if (!published || pf_date_parse(published, &pub) < 0) {
			out = pf_xasprintf("%s %s is excluded: no valid publication date, policy requires %d days",
					   pn, version, pol->min_age_days);
		} else if (pub > pol->now - (time_t)pol->min_age_days * 86400) {
			long long days = pol->now >= pub ? (long long)((pol->now - pub) / 86400) : -1;

			if (days < 0)
				out = pf_xasprintf("%s %s is excluded: published %s, in the future, policy requires %d days",
						   pn, version, published, pol->min_age_days);
			else
				out = pf_xasprintf("%s %s is excluded: published %lld day%s ago, policy requires %d",
						   pn, version, days, days == 1 ? "" : "s", pol->min_age_days);
		}
	}
	free(pn);
	return out;
}

char *solve_policy_exclusion(const struct solve_policy *pol, const struct catalog_pkg *pkg)
{
	return exclusion(pol, pkg->ecosystem, pkg->name, pkg->version, pkg->published);
}

/* ---- solving ---- */

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

static const char *pretty(struct solve_pool *sp, Id p, char *buf, size_t n)
{
	struct spkg *k = spkg_of(sp, p);
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
	struct spkg *k = spkg_of(sp, p);
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
		if (line_ids(sp, k->eco, line, k->extra, &q, NULL) == 0)
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

struct run {
	struct solve_pool *sp;
	const struct solve_policy *pol;
	const struct solve_request *req;
	Map considered;
	char **excluded;		/* per solvable: why policy excludes it, or NULL */
	int no_policy;			/* check_request: skip the eligibility check */
	Id *req_dep;			/* per request: its dependency id */
	struct pf_strv *problems;
};

/* Lines explaining why no eligible candidate is left for the atoms of dep. */
static void explain_exclusions(struct run *rn, Id dep, struct pf_strv *out)
{
	Pool *pool = rn->sp->pool;
	Id *pp;

	for (pp = pool_whatprovides_ptr(pool, dep); *pp; pp++) {
		struct spkg *k = spkg_of(rn->sp, *pp);
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
		if (spkg_of(sp, from) && rn->excluded[from - sp->start])
			return pf_xstrdup(rn->excluded[from - sp->start]);
		return pf_xasprintf("%s cannot be installed", pretty(sp, from, a, sizeof a));
	case SOLVER_RULE_PKG_SELF_CONFLICT:
		return pf_xasprintf("%s conflicts with itself", pretty(sp, from, a, sizeof a));
	default:
		return pf_xasprintf("%s", solver_ruleinfo2str(solv, type, from, to, dep));
	}
}

static void explain_problem(struct run *rn, Solver *solv, Id problem)
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
			explain_exclusions(rn, dep, &extra);
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

/* Check one request against the catalog before solving; adds problem lines. Returns its dep id. */
static Id check_request(struct run *rn, const char *text, struct pf_err *e, int *bad)
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
				cands_of(sp, id, &n);
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
				cands_of(sp, nid, &n);
			if (!n) {
				if (strchr(a->name, '['))
					pf_strv_push_owned(rn->problems, pf_xasprintf("%s has no extra '%s' in the vetted catalog",
										pname, strchr(a->name, '[') + 1));
				else
					pf_strv_push_owned(rn->problems, pf_xasprintf("%s is not in the vetted catalog", a->name));
				*bad = 1;
				continue;
			}
			one = atom_id(sp, a, &nm);
			if (nm == 0) {
				struct pf_buf vs = PF_BUF_INIT;
				struct cand *c = cands_of(sp, nid, &n);

				for (size_t k = 0; k < n; k++)
					pf_buf_addf(&vs, "%s%s", k ? ", " : "", cand_version(sp, &c[k]));
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
					explain_exclusions(rn, one, rn->problems);
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

static int pick_cmp(const void *a, const void *b)
{
	const struct solve_pick *x = a, *y = b;
	int c = strcmp(x->ecosystem, y->ecosystem);

	return c ? c : strcmp(x->name, y->name);
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
		if (dq.elements[i] > 0 && spkg_of(sp, dq.elements[i]))
			MAPSET(&picked, dq.elements[i]);
	slot = pf_xcalloc((size_t)pool->nsolvables, sizeof *slot);
	for (Id p = sp->start; p < sp->end; p++) {
		struct spkg *k;
		struct solve_pick *pk;

		if (!MAPTST(&picked, p))
			continue;
		k = spkg_of(sp, p);
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
			struct spkg *k = spkg_of(sp, p);

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
		kq = spkg_of(sp, q);
		if (kq->host)
			continue;
		snprintf(who, sizeof who, "%s:%s%s%s%s %s", kq->eco, kq->name, kq->extra ? "[" : "",
			 kq->extra ? kq->extra : "", kq->extra ? "]" : "", kq->version);
		for (Id *dp = s->repo->idarraydata + s->requires; *dp; dp++) {
			if (*dp == SOLVABLE_PREREQMARKER)
				continue;
			for (Id *pp = pool_whatprovides_ptr(pool, *dp); *pp; pp++) {
				struct spkg *kp = spkg_of(sp, *pp);

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
		memo_init(sp);
		rn.problems = &scratch;
		rn.no_policy = 1;
		for (size_t i = 0; i < req->nrequests; i++)
			rn.req_dep[i] = check_request(&rn, req->requests[i], &quiet, &bad);
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
			k = spkg_of(sp, p);
			if (!k || k->host)
				continue;
			if (!trc)
				trc = translate(sp, p, e);
			why = exclusion(pol, k->eco, k->name, k->version, k->published);
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
		memo_free(sp);
		if (trc) {
			rc = trc;
			goto out;
		}
	}
	for (size_t i = 0; i < req->nrequests; i++) {
		rn.req_dep[i] = check_request(&rn, req->requests[i], e, &bad);
		if (rn.req_dep[i])
			queue_push2(&jobs, SOLVER_INSTALL | SOLVER_SOLVABLE_PROVIDES, rn.req_dep[i]);
	}
	if (bad) {
		rc = pf_error(e, PF_EUNSOLVABLE, "the image cannot be resolved against the vetted catalog");
		goto out;
	}
	for (Id p = sp->end - sp->nhost; p < sp->end; p++)
		queue_push2(&jobs, SOLVER_INSTALL | SOLVER_SOLVABLE, p);
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
			struct cand *c = nid ? cands_of(sp, nid, &n) : NULL;

			for (size_t k = 0; k < n; k++)
				if (c[k].own && !strcmp(cand_version(sp, &c[k]), pin->version) &&
				    MAPTST(&rn.considered, c[k].p) && !spkg_of(sp, c[k].p)->extra)
					queue_push2(&jobs, SOLVER_FAVOR | SOLVER_SOLVABLE, c[k].p);
		}
		free(pn);
	}
	solv = solver_create(pool);
	solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
	if (solver_solve(solv, &jobs)) {
		Id np = solver_problem_count(solv);

		for (Id i = 1; i <= np; i++)
			explain_problem(&rn, solv, i);
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
