/* SPDX-License-Identifier: MIT */
/* The catalog model: strict parsing of catalog.yaml, validation, editing and deterministic writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/internal.h"
#include "core/text.h"
#include "core/time.h"
#include "core/yaml.h"

static const char *const ecosystems[] = { "pypi", "npm", "deb", "generic", NULL };
static const char *const formats[] = { "wheel", "npm", "deb", "generic", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

int catalog_ecosystem_ok(const char *s)
{
	return in_list(ecosystems, s);
}

int catalog_format_ok(const char *s)
{
	return in_list(formats, s);
}

int catalog_name_ok(const char *s)
{
	size_t n;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return 0;
	n = strlen(s);
	return n <= 100 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Printable, no spaces or controls; the upstream spelling is kept as is. */
int catalog_token_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return 0;
	return n <= max && !pf_text_check(s, n);
}

/* Free text: no control characters except none at all; bounded. */
int catalog_text_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return n <= max && !pf_text_check(s, n);
}

int catalog_date_ok(const char *s)
{
	time_t t;

	return s && pf_date_parse(s, &t) == 0;
}

int catalog_startup_kind_ok(const char *kind)
{
	static const char *const kinds[] = { CATALOG_STARTUP_PTH, CATALOG_STARTUP_SITECUSTOMIZE,
					     CATALOG_STARTUP_USERCUSTOMIZE, CATALOG_STARTUP_NPM, CATALOG_STARTUP_DEB,
					     NULL };

	return in_list(kinds, kind);
}

int catalog_startup_runs(const char *kind)
{
	return catalog_startup_kind_ok(kind) && strcmp(kind, CATALOG_STARTUP_DEB);
}

int catalog_pkg_has_startup(const struct catalog_pkg *p)
{
	for (size_t i = 0; i < p->nstartup; i++)
		if (catalog_startup_runs(p->startup[i].kind))
			return 1;
	return 0;
}

int catalog_url_ok(const char *s)
{
	const char *host;

	if (!strncmp(s, "https://", 8))
		host = s + 8;
	else if (!strncmp(s, "http://", 7))
		host = s + 7;
	else
		return 0;
	return *host && *host != '/' && catalog_token_ok(s, CATALOG_URL_MAX);
}

static int file_ok(const char *s)
{
	if (!catalog_token_ok(s, 255) || *s == '.' || strchr(s, '/') || strstr(s, ".."))
		return 0;
	return 1;
}

static int list_ok(const char *const *v, size_t n, const char *what, char *why, size_t whylen)
{
	for (size_t i = 0; i < n; i++) {
		if (!catalog_text_ok(v[i], 1024) || !v[i][0]) {
			snprintf(why, whylen, "%s entry %zu is empty, too long or has control characters",
				 what, i + 1);
			return -1;
		}
	}
	return 0;
}

int catalog_pkg_check(const struct catalog_pkg *p, char *why, size_t whylen)
{
	const struct catalog_artifact *a = &p->artifact;

	if (!catalog_ecosystem_ok(p->ecosystem)) {
		snprintf(why, whylen, "unknown ecosystem '%s' (expected pypi, npm, deb or generic)",
			 p->ecosystem ? p->ecosystem : "");
		return -1;
	}
	if (!catalog_token_ok(p->name, 214)) {
		snprintf(why, whylen, "package name '%s' is empty, too long or has spaces or controls",
			 p->name ? p->name : "");
		return -1;
	}
	if (!catalog_token_ok(p->version, 128)) {
		snprintf(why, whylen, "version '%s' is empty, too long or has spaces or controls",
			 p->version ? p->version : "");
		return -1;
	}
	if (!catalog_date_ok(p->published)) {
		snprintf(why, whylen, "published '%s' is not a date YYYY-MM-DD", p->published ? p->published : "");
		return -1;
	}
	if (!file_ok(a->file)) {
		snprintf(why, whylen, "artifact file '%s' must be a plain base name (no '/', '..' or leading '.')",
			 a->file ? a->file : "");
		return -1;
	}
	if (!catalog_format_ok(a->format)) {
		snprintf(why, whylen, "unknown artifact format '%s' (expected wheel, npm, deb or generic)",
			 a->format ? a->format : "");
		return -1;
	}
	if (!pf_is_sha256_hex(a->sha256)) {
		snprintf(why, whylen, "artifact sha256 '%s' is not 64 lowercase hex digits", a->sha256);
		return -1;
	}
	if (list_ok(p->depends, p->ndepends, "depends", why, whylen) ||
	    list_ok(p->provides, p->nprovides, "provides", why, whylen) ||
	    list_ok(p->conflicts, p->nconflicts, "conflicts", why, whylen))
		return -1;
	if ((p->vetted_by && !catalog_text_ok(p->vetted_by, 200)) ||
	    (p->vetted_note && !catalog_text_ok(p->vetted_note, 4096)) ||
	    (p->young_note && !catalog_text_ok(p->young_note, 4096))) {
		snprintf(why, whylen, "vetted or young_note text is too long or has control characters");
		return -1;
	}
	if (p->vetted_date && !catalog_date_ok(p->vetted_date)) {
		snprintf(why, whylen, "vetted date '%s' is not a date YYYY-MM-DD", p->vetted_date);
		return -1;
	}
	if (p->nstartup > CATALOG_MAX_STARTUP) {
		snprintf(why, whylen, "more than %d startup entries", CATALOG_MAX_STARTUP);
		return -1;
	}
	for (size_t i = 0; i < p->nstartup; i++) {
		if (!catalog_text_ok(p->startup[i].file, 1024) || !p->startup[i].file[0] ||
		    !catalog_startup_kind_ok(p->startup[i].kind)) {
			snprintf(why, whylen, "startup entry %zu: file must be text and kind one of pth, sitecustomize, "
				 "usercustomize, npm-script, deb-maintainer-script", i + 1);
			return -1;
		}
	}
	if (p->startup_note && (!p->startup_note[0] || !catalog_text_ok(p->startup_note, 4096))) {
		snprintf(why, whylen, "startup_note is empty, too long or has control characters");
		return -1;
	}
	return 0;
}

/*
 * The startup policy: with policy.startup refuse (the default), code that
 * runs at start needs the curator's startup_note. Checked wherever a catalog
 * is read, so no consumer sees an entry that slipped past the review.
 */
static int startup_allowed(const struct catalog *c, const struct catalog_pkg *p, char *why, size_t whylen)
{
	if (c->allow_startup || p->startup_note || !catalog_pkg_has_startup(p))
		return 0;
	for (size_t i = 0; i < p->nstartup; i++) {
		if (catalog_startup_runs(p->startup[i].kind)) {
			snprintf(why, whylen, "%s:%s %s runs code at start (%s '%s') but has no startup_note, and the "
				 "catalog's policy refuses startup code", p->ecosystem, p->name, p->version,
				 p->startup[i].kind, p->startup[i].file);
			break;
		}
	}
	return -1;
}

static int pkg_cmp3(const struct catalog_pkg *p, const char *eco, const char *name, const char *version)
{
	int r = strcmp(p->ecosystem, eco);

	if (!r)
		r = strcmp(p->name, name);
	if (!r)
		r = strcmp(p->version, version);
	return r;
}

static int pkg_cmp(const void *a, const void *b)
{
	const struct catalog_pkg *q = b;

	return pkg_cmp3(a, q->ecosystem, q->name, q->version);
}

static const char *cp(struct catalog *c, const char *s)
{
	return s ? pf_arena_strdup(&c->arena, s) : NULL;
}

static const char **cplist(struct pf_arena *a, const char *const *v, size_t n)
{
	const char **out = pf_arena_alloc(a, (n + 1) * sizeof *out);

	for (size_t i = 0; i < n; i++)
		out[i] = pf_arena_strdup(a, v[i]);
	return out;
}

static int startup_cmp(const void *a, const void *b)
{
	const struct catalog_startup *x = a, *y = b;
	int r = strcmp(x->file, y->file);

	return r ? r : strcmp(x->kind, y->kind);
}

/* A sorted copy, without repeats. */
static const struct catalog_startup *cp_startup(struct catalog *c, const struct catalog_startup *v, size_t n)
{
	struct catalog_startup *out = pf_arena_alloc(&c->arena, (n + 1) * sizeof *out);

	for (size_t i = 0; i < n; i++) {
		out[i].file = pf_arena_strdup(&c->arena, v[i].file);
		out[i].kind = pf_arena_strdup(&c->arena, v[i].kind);
	}
	pf_qsort(out, n, sizeof *out, startup_cmp);
	return out;
}

static void pkg_copy(struct catalog *c, struct catalog_pkg *dst, const struct catalog_pkg *p)
{
	memset(dst, 0, sizeof *dst);
	dst->ecosystem = cp(c, p->ecosystem);
	dst->name = cp(c, p->name);
	dst->version = cp(c, p->version);
	dst->published = cp(c, p->published);
	dst->artifact.file = cp(c, p->artifact.file);
	dst->artifact.format = cp(c, p->artifact.format);
	dst->artifact.size = p->artifact.size;
	memcpy(dst->artifact.sha256, p->artifact.sha256, PF_SHA256_HEX);
	dst->artifact.sha256[PF_SHA256_HEX - 1] = '\0';
	dst->depends = cplist(&c->arena, p->depends, p->ndepends);
	dst->ndepends = p->ndepends;
	dst->provides = cplist(&c->arena, p->provides, p->nprovides);
	dst->nprovides = p->nprovides;
	dst->conflicts = cplist(&c->arena, p->conflicts, p->nconflicts);
	dst->nconflicts = p->nconflicts;
	dst->vetted_by = cp(c, p->vetted_by);
	dst->vetted_date = cp(c, p->vetted_date);
	dst->vetted_note = cp(c, p->vetted_note);
	dst->young_note = cp(c, p->young_note);
	dst->startup = cp_startup(c, p->startup, p->nstartup);
	dst->nstartup = p->nstartup;
	dst->startup_note = cp(c, p->startup_note);
}

static const char *const catalog_keys[] = { "format", "name", "version", "expires", "policy", "advisories",
					    "packages", NULL };
static const char *const catalog_req[] = { "format", "name", "version", "packages", NULL };
static const char *const policy_keys[] = { "min_age_days", "startup", NULL };
static const char *const adv_keys[] = { "urls", NULL };
static const char *const pkg_keys[] = { "ecosystem", "name", "version", "published", "artifact", "depends",
					"provides", "conflicts", "vetted", "young_note", "startup", "startup_note",
					NULL };
static const char *const startup_keys[] = { "file", "kind", NULL };
static const char *const pkg_req[] = { "ecosystem", "name", "version", "published", "artifact", NULL };
static const char *const art_keys[] = { "file", "format", "size", "sha256", NULL };
static const char *const vetted_keys[] = { "by", "date", "note", NULL };

/* Read format/name/version/expires shared by catalogs and advisories. */
int catalog_parse_head(struct pf_ydoc *d, const struct pf_ynode *root, const char *format, struct pf_arena *a,
		       const char **name, long long *version, const char **expires, time_t *expires_t,
		       struct pf_err *e)
{
	const char *s = NULL;
	int rc;

	if ((rc = pf_y_str(d, root, "format", &s, e)))
		return rc;
	if (strcmp(s, format))
		return pf_y_fail(d, pf_y_get(root, "format"), e, PF_EFORMAT, "format is '%s', expected '%s'",
				 s, format);
	s = NULL;
	if ((rc = pf_y_str(d, root, "name", &s, e)))
		return rc;
	if (!catalog_name_ok(s))
		return pf_y_fail(d, pf_y_get(root, "name"), e, PF_EFORMAT,
				 "name '%s' must match [A-Za-z0-9][A-Za-z0-9._-]* (at most 100 bytes)", s);
	*name = pf_arena_strdup(a, s);
	if ((rc = pf_y_int(d, root, "version", 0, 1000000000000LL, version, e)))
		return rc;
	s = NULL;
	if ((rc = pf_y_str(d, root, "expires", &s, e)))
		return rc;
	if (s) {
		if (pf_time_parse(s, expires_t) < 0)
			return pf_y_fail(d, pf_y_get(root, "expires"), e, PF_EFORMAT,
					 "expires '%s' is not an RFC 3339 time", s);
		*expires = pf_arena_strdup(a, s);
	}
	return 0;
}

/* Field slots of a package map, in pkg_keys order. */
enum { F_ECO, F_NAME, F_VERSION, F_PUBLISHED, F_ARTIFACT, F_DEPENDS, F_PROVIDES, F_CONFLICTS, F_VETTED, F_YOUNG,
       F_STARTUP, F_STARTUP_NOTE, F_N };

/* startup: [{file, kind}], copied into the catalog's arena. */
static int parse_startup(struct catalog *c, struct pf_ydoc *d, const struct pf_ynode *m, const struct pf_ynode *n,
			 struct catalog_startup **out, size_t *nout, struct pf_err *e)
{
	struct catalog_startup *v;
	int rc;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	if (n->type != PF_Y_SEQ)
		return pf_y_seq(d, m, "startup", &n, e);
	if (n->n > CATALOG_MAX_STARTUP)
		return pf_y_fail(d, n, e, PF_EFORMAT, "more than %d startup entries", CATALOG_MAX_STARTUP);
	v = pf_arena_alloc(&c->arena, (n->n + 1) * sizeof *v);
	for (size_t i = 0; i < n->n; i++) {
		const char *file = NULL, *kind = NULL;

		if ((rc = pf_y_check_map(d, n->vals[i], "startup entry", startup_keys, startup_keys, e)) ||
		    (rc = pf_y_str(d, n->vals[i], "file", &file, e)) || (rc = pf_y_str(d, n->vals[i], "kind", &kind, e)))
			return rc;
		v[i].file = pf_arena_strdup(&c->arena, file);
		v[i].kind = pf_arena_strdup(&c->arena, kind);
	}
	*out = v;
	*nout = n->n;
	return 0;
}

/* A list of strings under key (already looked up as n), copied once into the catalog's arena. */
static int parse_list(struct catalog *c, struct pf_ydoc *d, const struct pf_ynode *m, const struct pf_ynode *n,
		      const char *key, const char ***out, size_t *nout, struct pf_err *e)
{
	const char **v;
	int rc;

	static const char *none[1];

	*out = none;	/* like an empty list: never NULL */
	*nout = 0;
	if (!n)
		return 0;
	if (n->type != PF_Y_SEQ)
		return pf_y_seq(d, m, key, &n, e);	/* its message */
	v = pf_arena_alloc(&c->arena, (n->n + 1) * sizeof *v);
	for (size_t i = 0; i < n->n; i++) {
		const char *s;

		if ((rc = pf_y_scalar(d, n->vals[i], key, &s, e)))
			return rc;
		v[i] = pf_arena_strdup(&c->arena, s);
	}
	*out = v;
	*nout = n->n;
	return 0;
}

static int scalar_of(const struct pf_ydoc *d, const struct pf_ynode *n, const char *key, const char **out,
		     struct pf_err *e)
{
	return n ? pf_y_scalar(d, n, key, out, e) : 0;
}

/*
 * One package, checked with the same rules and messages as pf_y_check_map and
 * the typed getters, but with one pass over its keys; strings are copied
 * once, into the catalog's arena.
 */
static int parse_pkg(void *ctx, struct pf_ydoc *d, const struct pf_ynode *m, struct pf_err *e)
{
	struct catalog *c = ctx;
	struct catalog_pkg p, *dst;
	const struct pf_ynode *f[F_N] = { 0 }, *art = NULL, *vet = NULL;
	const char *sha = NULL;
	long long size = 0;
	char why[512];
	int rc, odd = m->type != PF_Y_MAP;

	for (size_t i = 0; !odd && i < m->n; i++) {
		size_t k;

		for (k = 0; k < F_N && strcmp(pkg_keys[k], m->keys[i]->str); k++)
			;
		if (k == F_N)
			odd = 1;
		else
			f[k] = m->vals[i];
	}
	if (odd || !f[F_ECO] || !f[F_NAME] || !f[F_VERSION] || !f[F_PUBLISHED] || !f[F_ARTIFACT])
		return pf_y_check_map(d, m, "package", pkg_keys, pkg_req, e);
	memset(&p, 0, sizeof p);
	if ((rc = scalar_of(d, f[F_ECO], "ecosystem", &p.ecosystem, e)) ||
	    (rc = scalar_of(d, f[F_NAME], "name", &p.name, e)) ||
	    (rc = scalar_of(d, f[F_VERSION], "version", &p.version, e)) ||
	    (rc = scalar_of(d, f[F_PUBLISHED], "published", &p.published, e)) ||
	    (rc = scalar_of(d, f[F_YOUNG], "young_note", &p.young_note, e)) ||
	    (rc = scalar_of(d, f[F_STARTUP_NOTE], "startup_note", &p.startup_note, e)) ||
	    (rc = pf_y_map(d, m, "artifact", &art, e)) ||
	    (rc = pf_y_check_map(d, art, "artifact", art_keys, art_keys, e)) ||
	    (rc = pf_y_str(d, art, "file", &p.artifact.file, e)) ||
	    (rc = pf_y_str(d, art, "format", &p.artifact.format, e)) ||
	    (rc = pf_y_int(d, art, "size", 0, 1LL << 50, &size, e)) ||
	    (rc = pf_y_str(d, art, "sha256", &sha, e)))
		return rc;
	/* the lists go straight to their final place; on failure the catalog is released anyway */
	PF_GROW(c->pkgs, c->npkgs + 1, c->cap);
	dst = &c->pkgs[c->npkgs];
	memset(dst, 0, sizeof *dst);
	if ((rc = parse_list(c, d, m, f[F_DEPENDS], "depends", &dst->depends, &dst->ndepends, e)) ||
	    (rc = parse_list(c, d, m, f[F_PROVIDES], "provides", &dst->provides, &dst->nprovides, e)) ||
	    (rc = parse_list(c, d, m, f[F_CONFLICTS], "conflicts", &dst->conflicts, &dst->nconflicts, e)))
		return rc;
	p.depends = dst->depends;
	p.ndepends = dst->ndepends;
	p.provides = dst->provides;
	p.nprovides = dst->nprovides;
	p.conflicts = dst->conflicts;
	p.nconflicts = dst->nconflicts;
	{
		struct catalog_startup *su;

		if ((rc = parse_startup(c, d, m, f[F_STARTUP], &su, &dst->nstartup, e)))
			return rc;
		dst->startup = su;
		p.startup = su;
		p.nstartup = dst->nstartup;
	}
	if (f[F_VETTED] && ((rc = pf_y_map(d, m, "vetted", &vet, e)) ||
			    (rc = pf_y_check_map(d, vet, "vetted", vetted_keys, NULL, e)) ||
			    (rc = pf_y_str(d, vet, "by", &p.vetted_by, e)) ||
			    (rc = pf_y_str(d, vet, "date", &p.vetted_date, e)) ||
			    (rc = pf_y_str(d, vet, "note", &p.vetted_note, e))))
		return rc;
	p.artifact.size = (uint64_t)size;
	if (strlen(sha) != PF_SHA256_HEX - 1)
		return pf_y_fail(d, pf_y_get(art, "sha256"), e, PF_EFORMAT,
				 "artifact sha256 '%s' is not 64 lowercase hex digits", sha);
	memcpy(p.artifact.sha256, sha, PF_SHA256_HEX);
	if (catalog_pkg_check(&p, why, sizeof why))
		return pf_y_fail(d, m, e, PF_EFORMAT, "%s", why);
	dst->ecosystem = cp(c, p.ecosystem);
	dst->name = cp(c, p.name);
	dst->version = cp(c, p.version);
	dst->published = cp(c, p.published);
	dst->artifact.file = cp(c, p.artifact.file);
	dst->artifact.format = cp(c, p.artifact.format);
	dst->artifact.size = p.artifact.size;
	memcpy(dst->artifact.sha256, p.artifact.sha256, PF_SHA256_HEX);
	dst->vetted_by = cp(c, p.vetted_by);
	dst->vetted_date = cp(c, p.vetted_date);
	dst->vetted_note = cp(c, p.vetted_note);
	dst->young_note = cp(c, p.young_note);
	dst->startup_note = cp(c, p.startup_note);
	c->npkgs++;
	return 0;
}
/* Another package (not index skip) whose artifact has this file name: mirrors key artifacts by name. */
static const struct catalog_pkg *file_user(const struct catalog *c, const char *file, size_t skip)
{
	for (size_t i = 0; i < c->npkgs; i++)
		if (i != skip && !strcmp(c->pkgs[i].artifact.file, file))
			return &c->pkgs[i];
	return NULL;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The (bytewise) first artifact file name used twice, or NULL; one hash-set pass. */
static const char *dup_file(const struct catalog *c)
{
	size_t cap = 16, mask;
	const char **set, *dup = NULL;

	while (cap < c->npkgs * 2)
		cap *= 2;
	mask = cap - 1;
	set = pf_xcalloc(cap, sizeof *set);
	for (size_t i = 0; i < c->npkgs; i++) {
		const char *f = c->pkgs[i].artifact.file;

		for (size_t h = (size_t)str_hash(f) & mask;; h = (h + 1) & mask) {
			if (!set[h]) {
				set[h] = f;
				break;
			}
			if (!strcmp(set[h], f)) {
				if (!dup || strcmp(f, dup) < 0)
					dup = f;
				break;
			}
		}
	}
	free(set);
	return dup;
}

/* advisories: {urls: [...]}: a non-empty list of distinct URLs (catalog_url_ok), in the order to try. */
static int parse_adv_urls(struct catalog *c, struct pf_ydoc *d, const struct pf_ynode *adv, struct pf_err *e)
{
	const struct pf_ynode *urls = NULL;
	int rc;

	if ((rc = pf_y_check_map(d, adv, "advisories", adv_keys, adv_keys, e)) ||
	    (rc = pf_y_seq(d, adv, "urls", &urls, e)) ||
	    (rc = parse_list(c, d, adv, urls, "urls", &c->advisory_urls, &c->nadvisory_urls, e)))
		return rc;
	if (!c->nadvisory_urls || c->nadvisory_urls > CATALOG_URLS_MAX)
		return pf_y_fail(d, urls, e, PF_EFORMAT, "advisories.urls must list 1 to %d URLs", CATALOG_URLS_MAX);
	for (size_t i = 0; i < c->nadvisory_urls; i++) {
		if (!catalog_url_ok(c->advisory_urls[i]))
			return pf_y_fail(d, urls->vals[i], e, PF_EFORMAT, "advisories.urls: '%s' is not an http:// or "
					 "https:// URL (at most %d bytes, no spaces or quotes)", c->advisory_urls[i],
					 CATALOG_URL_MAX);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->advisory_urls[i], c->advisory_urls[j]))
				return pf_y_fail(d, urls->vals[i], e, PF_EFORMAT, "advisories.urls: '%s' is listed "
						 "twice", c->advisory_urls[i]);
	}
	return 0;
}

static int parse(struct catalog *c, const char *file, const char *data, size_t len, const char *sha256,
		 struct pf_err *e)
{
	struct pf_ydoc d;
	const struct pf_ynode *root, *policy = NULL, *adv = NULL, *pkgs = NULL;
	const char *dupf;
	long long min_age = 7;
	const char *startup = NULL;
	char why[512];
	int rc, sorted = 1;

	memset(c, 0, sizeof *c);
	memset(&d, 0, sizeof d);
	/* packages are checked and copied one at a time, as the parser finishes each */
	rc = pf_yaml_parse_stream(&d, file, data, len, "packages", parse_pkg, c, e);
	if (rc)
		goto out;
	root = d.root;
	if ((rc = pf_y_check_map(&d, root, "catalog", catalog_keys, catalog_req, e)) ||
	    (rc = catalog_parse_head(&d, root, CATALOG_FORMAT, &c->arena, &c->name, &c->version, &c->expires,
				     &c->expires_t, e)) ||
	    (rc = pf_y_map(&d, root, "policy", &policy, e)) ||
	    (policy && (rc = pf_y_check_map(&d, policy, "policy", policy_keys, NULL, e))) ||
	    (policy && (rc = pf_y_int(&d, policy, "min_age_days", 0, 3650, &min_age, e))) ||
	    (policy && (rc = pf_y_str(&d, policy, "startup", &startup, e))) ||
	    (rc = pf_y_map(&d, root, "advisories", &adv, e)) ||
	    (adv && (rc = parse_adv_urls(c, &d, adv, e))) ||
	    (rc = pf_y_seq(&d, root, "packages", &pkgs, e)))
		goto out;
	c->min_age_days = (int)min_age;
	if (startup && strcmp(startup, "allow") && strcmp(startup, "refuse")) {
		rc = pf_y_fail(&d, pf_y_get(policy, "startup"), e, PF_EFORMAT, "policy startup must be allow or refuse");
		goto out;
	}
	c->allow_startup = startup && !strcmp(startup, "allow");
	for (size_t i = 0; i < c->npkgs; i++) {
		if (startup_allowed(c, &c->pkgs[i], why, sizeof why)) {
			rc = pf_y_fail(&d, pkgs, e, PF_EPOLICY, "%s", why);
			goto out;
		}
	}
	/* catalogs are written sorted: then one pass both confirms the order and finds no duplicate */
	for (size_t i = 1; i < c->npkgs && sorted; i++)
		sorted = pkg_cmp(&c->pkgs[i - 1], &c->pkgs[i]) < 0;
	if (!sorted)
		pf_qsort(c->pkgs, c->npkgs, sizeof *c->pkgs, pkg_cmp);
	for (size_t i = 1; !sorted && i < c->npkgs; i++) {
		if (!pkg_cmp(&c->pkgs[i - 1], &c->pkgs[i])) {
			rc = pf_y_fail(&d, pkgs, e, PF_EFORMAT, "package %s:%s %s is listed twice",
				       c->pkgs[i].ecosystem, c->pkgs[i].name, c->pkgs[i].version);
			goto out;
		}
	}
	dupf = dup_file(c);
	if (dupf) {
		rc = pf_y_fail(&d, pkgs, e, PF_EFORMAT, "artifact file '%s' is used by two packages", dupf);
		goto out;
	}
	if (sha256)
		memcpy(c->sha256, sha256, PF_SHA256_HEX);
	else
		pf_sha256_hex(data, len, c->sha256);
out:
	pf_ydoc_release(&d);
	if (rc)
		catalog_release(c);
	return rc;
}

int catalog_parse(struct catalog *c, const char *file, const char *data, size_t len, struct pf_err *e)
{
	return parse(c, file, data, len, NULL, e);
}

int catalog_parse_hashed(struct catalog *c, const char *file, const char *data, size_t len, const char *sha256,
			 struct pf_err *e)
{
	return parse(c, file, data, len, sha256, e);
}

struct pf_ynode *catalog_artifact_node(struct pf_yw *w, const struct catalog_artifact *art)
{
	struct pf_ynode *a = pf_yw_map(w);

	pf_yw_set_str(w, a, "file", art->file);
	pf_yw_set_str(w, a, "format", art->format);
	pf_yw_set_int(w, a, "size", (long long)art->size);
	pf_yw_set_str(w, a, "sha256", art->sha256);
	return a;
}

void catalog_write(const struct catalog *c, struct pf_buf *out)
{
	struct pf_yw w;
	struct pf_ynode *root, *policy, *pkgs;

	memset(&w, 0, sizeof w);
	root = pf_yw_map(&w);
	pf_yw_set_str(&w, root, "format", CATALOG_FORMAT);
	pf_yw_set_str(&w, root, "name", c->name ? c->name : "");
	pf_yw_set_int(&w, root, "version", c->version);
	pf_yw_set_raw(&w, root, "expires", c->expires);
	policy = pf_yw_map(&w);
	pf_yw_set_int(&w, policy, "min_age_days", c->min_age_days);
	if (c->allow_startup)
		pf_yw_set_raw(&w, policy, "startup", "allow");
	pf_yw_set(&w, root, "policy", policy);
	if (c->nadvisory_urls) {
		struct pf_ynode *adv = pf_yw_map(&w);

		pf_yw_set(&w, adv, "urls", pf_yw_strlist(&w, c->advisory_urls, c->nadvisory_urls));
		pf_yw_set(&w, root, "advisories", adv);
	}
	pkgs = pf_yw_seq(&w);
	for (size_t i = 0; i < c->npkgs; i++) {
		const struct catalog_pkg *p = &c->pkgs[i];
		struct pf_ynode *m = pf_yw_map(&w);

		pf_yw_set_str(&w, m, "ecosystem", p->ecosystem);
		pf_yw_set_str(&w, m, "name", p->name);
		pf_yw_set_str(&w, m, "version", p->version);
		pf_yw_set_raw(&w, m, "published", p->published);
		pf_yw_set(&w, m, "artifact", catalog_artifact_node(&w, &p->artifact));
		pf_yw_set(&w, m, "depends", pf_yw_strlist(&w, p->depends, p->ndepends));
		pf_yw_set(&w, m, "provides", pf_yw_strlist(&w, p->provides, p->nprovides));
		pf_yw_set(&w, m, "conflicts", pf_yw_strlist(&w, p->conflicts, p->nconflicts));
		if (p->vetted_by || p->vetted_date || p->vetted_note) {
			struct pf_ynode *v = pf_yw_map(&w);

			pf_yw_set_str(&w, v, "by", p->vetted_by);
			pf_yw_set_raw(&w, v, "date", p->vetted_date);
			pf_yw_set_str(&w, v, "note", p->vetted_note);
			pf_yw_set(&w, m, "vetted", v);
		}
		pf_yw_set_str(&w, m, "young_note", p->young_note);
		if (p->nstartup) {
			struct pf_ynode *su = pf_yw_seq(&w);

			for (size_t k = 0; k < p->nstartup; k++) {
				struct pf_ynode *x = pf_yw_map(&w);

				pf_yw_set_str(&w, x, "file", p->startup[k].file);
				pf_yw_set_str(&w, x, "kind", p->startup[k].kind);
				pf_yw_push(&w, su, x);
			}
			pf_yw_set(&w, m, "startup", su);
		}
		pf_yw_set_str(&w, m, "startup_note", p->startup_note);
		pf_yw_push(&w, pkgs, m);
	}
	pf_yw_set(&w, root, "packages", pkgs);
	pf_yaml_emit(root, out);
	pf_yw_release(&w);
}

void catalog_release(struct catalog *c)
{
	if (!c)
		return;
	pf_arena_release(&c->arena);
	free(c->pkgs);
	memset(c, 0, sizeof *c);
}

static size_t find_pos(const struct catalog *c, const char *eco, const char *name, const char *version,
		       int *found)
{
	size_t lo = 0, hi = c->npkgs;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = pkg_cmp3(&c->pkgs[mid], eco, name, version);

		if (!r) {
			*found = 1;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct catalog_pkg *catalog_find(const struct catalog *c, const char *eco, const char *name,
				       const char *version)
{
	int found;
	size_t i = find_pos(c, eco, name, version, &found);

	return found ? &c->pkgs[i] : NULL;
}

int catalog_add(struct catalog *c, const struct catalog_pkg *p, struct pf_err *e)
{
	char why[512];
	int found;
	size_t i;

	if (catalog_pkg_check(p, why, sizeof why))
		return pf_error(e, PF_EFORMAT, "package %s:%s %s: %s", p->ecosystem ? p->ecosystem : "?",
				p->name ? p->name : "?", p->version ? p->version : "?", why);
	if (startup_allowed(c, p, why, sizeof why))
		return pf_error(e, PF_EPOLICY, "%s", why);
	i = find_pos(c, p->ecosystem, p->name, p->version, &found);
	if (found) {
		const struct catalog_pkg *o = &c->pkgs[i];

		if (strcmp(o->artifact.sha256, p->artifact.sha256) || o->artifact.size != p->artifact.size)
			return pf_error(e, PF_EEXIST,
					"package %s:%s %s: already in the catalog with another artifact "
					"(sha256 %s, not %s); a published version never changes its bytes",
					p->ecosystem, p->name, p->version, o->artifact.sha256, p->artifact.sha256);
		if (file_user(c, p->artifact.file, i))
			return pf_error(e, PF_EEXIST, "package %s:%s %s: artifact file '%s' is already used by "
					"%s:%s %s", p->ecosystem, p->name, p->version, p->artifact.file,
					file_user(c, p->artifact.file, i)->ecosystem, file_user(c, p->artifact.file, i)->name,
					file_user(c, p->artifact.file, i)->version);
		/* The same bytes again: refresh the review data. */
		pkg_copy(c, &c->pkgs[i], p);
		return 0;
	}
	if (file_user(c, p->artifact.file, (size_t)-1)) {
		const struct catalog_pkg *o = file_user(c, p->artifact.file, (size_t)-1);

		return pf_error(e, PF_EEXIST, "package %s:%s %s: artifact file '%s' is already used by %s:%s %s",
				p->ecosystem, p->name, p->version, p->artifact.file, o->ecosystem, o->name, o->version);
	}
	PF_GROW(c->pkgs, c->npkgs + 1, c->cap);
	memmove(&c->pkgs[i + 1], &c->pkgs[i], (c->npkgs - i) * sizeof *c->pkgs);
	c->npkgs++;
	pkg_copy(c, &c->pkgs[i], p);
	return 0;
}

int catalog_remove(struct catalog *c, const char *eco, const char *name, const char *version, struct pf_err *e)
{
	int found;
	size_t i = find_pos(c, eco, name, version, &found);

	if (!found)
		return pf_error(e, PF_ENOTFOUND, "package %s:%s %s: not in catalog '%s'", eco, name, version,
				c->name ? c->name : "");
	memmove(&c->pkgs[i], &c->pkgs[i + 1], (c->npkgs - i - 1) * sizeof *c->pkgs);
	c->npkgs--;
	return 0;
}
