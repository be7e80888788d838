/* SPDX-License-Identifier: MIT */
/* The dependency closure of requested Debian packages against a catalog and the verified index. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import/internal.h"

#define MAX_ALTS 32

/*
 * A package version that is present: in the catalog, or chosen from the
 * index in this run. Only present packages satisfy relations; each is
 * traversed once (its depends followed) when first used.
 */
struct present {
	const char *name, *version;
	const struct catalog_pkg *cp;	/* from the catalog */
	int pkg;			/* from the index (new in this run), else -1 */
	int add;			/* its entry in the result's add[], else -1 */
	int next;			/* next present version of the same name */
	int parent;			/* who needed it first (-1: a request); set when traversed */
	int traversed, eligible;	/* eligible: -1 unknown, 0 no, 1 yes */
};

/* A name that present packages provide. */
struct pprov {
	int present;
	const char *version;		/* NULL: unversioned */
	int next;
};

struct run {
	const struct import_index *ix;
	const struct catalog *cat;
	const struct import_opts *o;
	const struct import_hooks *h;
	struct import_result *r;
	struct pf_err *e;
	struct present *pr;
	size_t npr, cappr;
	struct import_smap names;	/* name -> first present */
	struct pprov *pv;
	size_t npv, cappv;
	struct import_smap provided;	/* name -> first pprov */
	int *queue;			/* present entries to traverse, in order */
	size_t nq, capq, head;
	/* per index package: eligibility (-1 unknown) and date */
	signed char *elig;
	char (*date)[PF_DATE_STR];
	unsigned char *by_changelog;
	struct import_smap skipped;	/* "name version" reported as skipped */
	struct import_smap upgraded;	/* names already checked for --upgrade */
};

static void line(struct run *u, enum import_action a, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The reason without its "deb:NAME VERSION is " lead (the line names the package already). */
static const char *reason(const char *why, const char *name, const char *version)
{
	size_t nl = strlen(name), vl = strlen(version);

	if (!strncmp(why, "deb:", 4) && !strncmp(why + 4, name, nl) && why[4 + nl] == ' ' &&
	    !strncmp(why + 5 + nl, version, vl) && why[5 + nl + vl] == ' ') {
		why += 6 + nl + vl;
		if (!strncmp(why, "is ", 3))
			why += 3;
	}
	return why;
}

static void line(struct run *u, enum import_action a, const char *fmt, ...)
{
	struct import_result *r = u->r;
	va_list ap;
	struct pf_buf b = PF_BUF_INIT;

	va_start(ap, fmt);
	pf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	PF_GROW(r->lines, r->nlines + 1, r->caplines);
	r->lines[r->nlines].action = a;
	r->lines[r->nlines].text = pf_arena_strdup(&r->arena, pf_buf_cstr(&b));
	r->nlines++;
	pf_buf_release(&b);
}

static const char *suite_names(const struct run *u, uint32_t mask, struct pf_buf *b)
{
	b->len = 0;
	for (size_t i = 0; i < u->ix->nsuites; i++)
		if (mask & (1u << i))
			pf_buf_addf(b, "%s%s", b->len ? ", " : "", u->ix->suites[i].name);
	return pf_buf_cstr(b);
}

/* ---- present packages ---- */

static void provide(struct run *u, int present, const char *name, const char *version)
{
	int *slot = import_smap_slot(&u->provided, name);

	PF_GROW(u->pv, u->npv + 1, u->cappv);
	u->pv[u->npv].present = present;
	u->pv[u->npv].version = version;
	u->pv[u->npv].next = *slot;
	*slot = (int)u->npv++;
}

static void provides_of(struct run *u, int present, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct import_rel rel;
		size_t k;
		char why[128];

		if (import_rel_parse(v[i], &rel, 1, &k, why, sizeof why) || rel.arch[0] ||
		    (rel.op != IREL_ANY && rel.op != IREL_EQ))
			continue;
		provide(u, present, pf_arena_strdup(&u->r->arena, rel.name),
			rel.op == IREL_EQ ? pf_arena_strdup(&u->r->arena, rel.version) : NULL);
	}
}

static int add_present(struct run *u, const char *name, const char *version, const struct catalog_pkg *cp, int pkg)
{
	int *slot = import_smap_slot(&u->names, name), i;
	struct present *p;

	PF_GROW(u->pr, u->npr + 1, u->cappr);
	i = (int)u->npr++;
	p = &u->pr[i];
	memset(p, 0, sizeof *p);
	p->name = name;
	p->version = version;
	p->cp = cp;
	p->pkg = pkg;
	p->add = -1;
	p->parent = -1;
	p->eligible = cp ? -1 : 1;
	p->next = *slot;
	*slot = i;
	return i;
}

/* Is a catalog entry eligible? (Index packages are checked before they become present.) */
static int present_ok(struct run *u, int i)
{
	struct present *p = &u->pr[i];

	if (p->eligible < 0) {
		char *why = u->h && u->h->exclusion ? u->h->exclusion(u->h->ud, p->cp) : NULL;

		p->eligible = !why;
		if (why) {
			line(u, IMPORT_SKIP, "deb:%s %s (in the catalog): %s", p->name, p->version,
			     reason(why, p->name, p->version));
			free(why);
		}
	}
	return p->eligible;
}

static void enqueue(struct run *u, int present, int parent)
{
	if (u->pr[present].traversed)
		return;
	u->pr[present].traversed = 1;
	u->pr[present].parent = parent;
	PF_GROW(u->queue, u->nq + 1, u->capq);
	u->queue[u->nq++] = present;
}

/* "deb:a 1 <- deb:b 2 <- request": who needed present i */
static void chain(const struct run *u, int i, struct pf_buf *b)
{
	int n = 0;

	for (; i >= 0 && n < 8; i = u->pr[i].parent, n++)
		pf_buf_addf(b, "%sdeb:%s %s", n ? " <- " : "", u->pr[i].name, u->pr[i].version);
	if (i >= 0)
		pf_buf_adds(b, " <- ...");
}

/* ---- the index side ---- */

static int arch_ok(const struct run *u, const struct import_rel *rel)
{
	return !rel->arch[0] || !strcmp(rel->arch, "any") || !strcmp(rel->arch, "native") ||
	       !strcmp(rel->arch, u->ix->arch);
}

/* Date and eligibility of index package k; 1 eligible, 0 not (reported as skipped), <0 error. */
static int pkg_ok(struct run *u, int k)
{
	const struct import_pkg *p = &u->ix->pkgs[k];
	struct catalog_pkg cp;
	char *why;

	if (u->elig[k] >= 0)
		return u->elig[k];
	{
		time_t earliest = 0;
		char idx[PF_DATE_STR];

		/* the earliest suite Date that lists it: the version existed by then */
		for (size_t s = 0; s < u->ix->nsuites; s++)
			if ((p->suites & (1u << s)) && (!earliest || u->ix->suites[s].date < earliest))
				earliest = u->ix->suites[s].date;
		pf_date_format(earliest, idx);
		memcpy(u->date[k], idx, PF_DATE_STR);
		if (u->h && u->h->published) {
			char d[PF_DATE_STR];
			int rc = u->h->published(u->h->ud, u->ix, p, d, u->e);

			if (rc == -PF_ENOTFOUND) {
				pf_err_clear(u->e);
			} else if (rc) {
				return rc;
			} else {
				u->by_changelog[k] = 1;
				if (strcmp(d, idx) < 0)	/* a version is never published after an index lists it */
					memcpy(u->date[k], d, PF_DATE_STR);
			}
		}
	}
	memset(&cp, 0, sizeof cp);
	cp.ecosystem = "deb";
	cp.name = p->name;
	cp.version = p->version;
	cp.published = u->date[k];
	why = u->h && u->h->exclusion ? u->h->exclusion(u->h->ud, &cp) : NULL;
	u->elig[k] = !why;
	if (why) {
		char key[512];
		struct pf_buf b = PF_BUF_INIT;

		int *seen;

		snprintf(key, sizeof key, "%s %s", p->name, p->version);
		seen = import_smap_slot(&u->skipped, pf_arena_strdup(&u->r->arena, key));
		if (*seen < 0) {
			*seen = 1;
			line(u, IMPORT_SKIP, "deb:%s %s (%s, published %s %s): %s", p->name, p->version,
			     suite_names(u, p->suites, &b), u->date[k],
			     u->by_changelog[k] ? "by its changelog" : "by its index, no .deb at hand",
			     reason(why, p->name, p->version));
			if (!u->by_changelog[k] && !pf_strv_contains(&u->r->undated, key))
				pf_strv_push_owned(&u->r->undated, pf_xasprintf("%s=%s", p->name, p->version));
		}
		pf_buf_release(&b);
		free(why);
	}
	return u->elig[k];
}

/* The versions of a real package that fit rel, newest first; *n of them. */
static int *fitting(struct run *u, const struct import_rel *rel, size_t *n)
{
	int *v = NULL;
	size_t cap = 0;

	*n = 0;
	for (int k = import_smap_get(&u->ix->byname, rel->name); k >= 0; k = u->ix->next[k])
		if (import_rel_match(u->ix, rel->op, rel->version, u->ix->pkgs[k].version)) {
			PF_GROW(v, *n + 1, cap);
			v[(*n)++] = k;
		}
	/* insertion sort, newest first (a name has a handful of versions) */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && import_version_cmp(u->ix, u->ix->pkgs[v[j - 1]].version,
								u->ix->pkgs[v[j]].version) < 0; j--) {
			int t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

/* The newest eligible version of a real package that fits rel: index or -1; <-1 on error (minus 2 minus code). */
static int newest_ok(struct run *u, const struct import_rel *rel)
{
	size_t n;
	int *v = fitting(u, rel, &n), best = -1;

	for (size_t i = 0; i < n; i++) {
		int ok = pkg_ok(u, v[i]);

		if (ok < 0) {
			best = -2;
			break;
		}
		if (ok) {
			best = v[i];
			break;
		}
	}
	free(v);
	return best;
}

struct provider {
	int pkg;
	const char *name;
	int priority;
};

static int by_provider(const void *a, const void *b)
{
	const struct provider *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority - y->priority;
	return strcmp(x->name, y->name);
}

/* An eligible package of the index that provides rel.name (fitting rel's version): index, -1, or -2 on error. */
static int provider_ok(struct run *u, const struct import_rel *rel)
{
	struct provider *v = NULL;
	size_t n = 0, cap = 0;
	int best = -1;

	for (int i = import_smap_get(&u->ix->byprov, rel->name); i >= 0; i = u->ix->provs[i].next) {
		const struct import_prov *pv = &u->ix->provs[i];

		if (rel->op != IREL_ANY && (!pv->version || !import_rel_match(u->ix, rel->op, rel->version, pv->version)))
			continue;
		PF_GROW(v, n + 1, cap);
		v[n].pkg = pv->pkg;
		v[n].name = u->ix->pkgs[pv->pkg].name;
		v[n].priority = u->ix->pkgs[pv->pkg].priority;
		n++;
	}
	pf_qsort(v, n, sizeof *v, by_provider);
	/* per provider name in that order: its newest eligible version that provides rel */
	for (size_t i = 0; i < n && best == -1; i++) {
		int cand = -1;

		if (i && !strcmp(v[i].name, v[i - 1].name))
			continue;
		for (size_t j = i; j < n && !strcmp(v[j].name, v[i].name); j++)
			if (cand < 0 || import_version_cmp(u->ix, u->ix->pkgs[v[j].pkg].version,
							   u->ix->pkgs[cand].version) > 0)
				cand = v[j].pkg;
		while (cand >= 0) {
			int ok = pkg_ok(u, cand), nxt = -1;

			if (ok < 0) {
				best = -2;
				break;
			}
			if (ok) {
				best = cand;
				break;
			}
			/* the next older version of this provider */
			for (size_t j = i; j < n && !strcmp(v[j].name, v[i].name); j++)
				if (import_version_cmp(u->ix, u->ix->pkgs[v[j].pkg].version, u->ix->pkgs[cand].version) < 0 &&
				    (nxt < 0 || import_version_cmp(u->ix, u->ix->pkgs[v[j].pkg].version,
								   u->ix->pkgs[nxt].version) > 0))
					nxt = v[j].pkg;
			cand = nxt;
		}
	}
	free(v);
	return best;
}

/* ---- choosing ---- */

/* A present package that meets rel, or -1: the real name first, then what provides it. */
static int present_meets(struct run *u, const struct import_rel *rel)
{
	int best = -1;

	if (!arch_ok(u, rel))
		return -1;
	for (int i = import_smap_get(&u->names, rel->name); i >= 0; i = u->pr[i].next)
		if (import_rel_match(u->ix, rel->op, rel->version, u->pr[i].version) && present_ok(u, i) &&
		    (best < 0 || import_version_cmp(u->ix, u->pr[i].version, u->pr[best].version) > 0))
			best = i;
	if (best >= 0)
		return best;
	for (int j = import_smap_get(&u->provided, rel->name); j >= 0; j = u->pv[j].next) {
		const struct pprov *pv = &u->pv[j];

		if (rel->op != IREL_ANY && (!pv->version || !import_rel_match(u->ix, rel->op, rel->version, pv->version)))
			continue;
		/* several: the lowest index, i.e. the catalog's first, then the first chosen */
		if (present_ok(u, pv->present) && (best < 0 || pv->present < best))
			best = pv->present;
	}
	return best;
}

/* Make index package k present (a new catalog entry) and return its present index. */
static int take(struct run *u, int k)
{
	const struct import_pkg *p = &u->ix->pkgs[k];
	struct import_result *r = u->r;
	struct catalog_pkg *cp;
	struct pf_buf b = PF_BUF_INIT, note = PF_BUF_INIT;
	char *file;
	int i;

	for (i = import_smap_get(&u->names, p->name); i >= 0; i = u->pr[i].next)
		if (!strcmp(u->pr[i].version, p->version))
			return i;
	PF_GROW(r->add, r->nadd + 1, r->capadd);
	cp = &r->add[r->nadd++];
	memset(cp, 0, sizeof *cp);
	cp->ecosystem = "deb";
	cp->name = pf_arena_strdup(&r->arena, p->name);
	cp->version = pf_arena_strdup(&r->arena, p->version);
	cp->published = pf_arena_strdup(&r->arena, u->date[k]);
	file = import_deb_file_name(p);
	cp->artifact.file = pf_arena_strdup(&r->arena, file);
	free(file);
	cp->artifact.format = "deb";
	cp->artifact.size = p->size;
	memcpy(cp->artifact.sha256, p->sha256, PF_SHA256_HEX);
	import_pkg_relations(p, &r->arena, &cp->depends, &cp->ndepends, &cp->provides, &cp->nprovides,
			     &cp->conflicts, &cp->nconflicts);
	cp->vetted_by = u->o && u->o->vetted_by ? pf_arena_strdup(&r->arena, u->o->vetted_by) : "import-debian";
	cp->vetted_date = u->o && u->o->today ? pf_arena_strdup(&r->arena, u->o->today) : NULL;
	for (size_t s = 0; s < u->ix->nsuites; s++) {
		const struct import_suite *su = &u->ix->suites[s];

		if (!(p->suites & (1u << s)))
			continue;
		pf_buf_addf(&note, "%s%s %s (Origin %s, Label %s, InRelease Date %s, signed by %s)", note.len ? "; " : "",
			    note.len ? "and" : "Debian archive index:", su->name, su->origin, su->label, su->date_str,
			    su->signers);
	}
	pf_buf_addf(&note, "; size and SHA-256 from the verified Packages (%s); published %s %s", p->filename,
		    u->date[k], u->by_changelog[k] ? "from the .deb's Debian changelog" :
		    "= the index Date, an upper bound (no .deb at hand for its changelog)");
	cp->vetted_note = pf_arena_strdup(&r->arena, pf_buf_cstr(&note));
	if (!u->by_changelog[k]) {
		char *nv = pf_xasprintf("%s=%s", p->name, p->version);

		r->dated_by_index++;
		if (pf_strv_contains(&r->undated, nv))
			free(nv);
		else
			pf_strv_push_owned(&r->undated, nv);
	}
	line(u, IMPORT_ADD, "deb:%s %s (%s, published %s %s, %llu bytes)", p->name, p->version,
	     suite_names(u, p->suites, &b), u->date[k], u->by_changelog[k] ? "by its changelog" : "by its index",
	     (unsigned long long)p->size);
	pf_buf_release(&b);
	pf_buf_release(&note);
	i = add_present(u, cp->name, cp->version, NULL, k);
	u->pr[i].add = (int)r->nadd - 1;
	provides_of(u, i, cp->provides, cp->nprovides);
	return i;
}

/*
 * With --upgrade: when the index has an eligible version of rel's real
 * package newer than every present one, take it. The present index to use,
 * or `have` unchanged; -2 on error.
 */
static int upgrade(struct run *u, const struct import_rel *rel, int have)
{
	int k, *slot;

	if (!u->o || !u->o->upgrade || have < 0 || strcmp(u->pr[have].name, rel->name))
		return have;
	slot = import_smap_slot(&u->upgraded, pf_arena_strdup(&u->r->arena, rel->name));
	if (*slot >= 0)
		return *slot == 0 ? have : *slot - 1;
	k = newest_ok(u, rel);
	if (k < -1)
		return -2;
	*import_smap_slot(&u->upgraded, rel->name) = 0;
	if (k < 0)
		return have;
	for (int i = import_smap_get(&u->names, rel->name); i >= 0; i = u->pr[i].next)
		if (import_version_cmp(u->ix, u->pr[i].version, u->ix->pkgs[k].version) >= 0)
			return have;
	have = take(u, k);
	*import_smap_slot(&u->upgraded, rel->name) = have + 1;
	return have;
}

/* Explain why no alternative of an entry could be met, into b. */
static void explain(struct run *u, const struct import_rel *rels, size_t n, struct pf_buf *b)
{
	for (size_t a = 0; a < n; a++) {
		const struct import_rel *rel = &rels[a];
		size_t nf;
		int *v, any = import_smap_get(&u->ix->byname, rel->name) >= 0,
			prov = import_smap_get(&u->ix->byprov, rel->name) >= 0;

		pf_buf_addf(b, "%s'%s%s%s'", a ? "; " : "", rel->name, rel->arch[0] ? ":" : "", rel->arch);
		if (!arch_ok(u, rel)) {
			pf_buf_addf(b, " is for architecture %s, not %s", rel->arch, u->ix->arch);
			continue;
		}
		if (!any && !prov) {
			pf_buf_adds(b, ": no such package, and nothing provides it");
			continue;
		}
		v = fitting(u, rel, &nf);
		for (int j = import_smap_get(&u->ix->byprov, rel->name); j >= 0 && !nf; j = u->ix->provs[j].next)
			if (rel->op == IREL_ANY || (u->ix->provs[j].version &&
						    import_rel_match(u->ix, rel->op, rel->version, u->ix->provs[j].version)))
				nf++;
		if (nf) {
			pf_buf_adds(b, ": nothing eligible fits (see the skipped versions)");
		} else {
			pf_buf_addf(b, ": %s (the index has", rel->op == IREL_EQ ? "no such version" : "no version fits");
			for (int k = import_smap_get(&u->ix->byname, rel->name), m = 0; k >= 0; k = u->ix->next[k], m++)
				pf_buf_addf(b, "%s %s", m ? "," : "", u->ix->pkgs[k].version);
			pf_buf_adds(b, any ? ")" : " only unversioned or other providers)");
		}
		free(v);
	}
}

/*
 * Meet one dependency entry of present package `from` (-1 for a request):
 * a present package, else the index. 0, or an error.
 */
static int meet(struct run *u, const char *entry, int from, int strict, int *met)
{
	struct import_rel rels[MAX_ALTS];
	char why[256];
	size_t n;
	int got = -1;

	if (import_rel_parse(entry, rels, MAX_ALTS, &n, why, sizeof why)) {
		struct pf_buf b = PF_BUF_INIT;
		int rc;

		chain(u, from, &b);
		if (!strict) {
			pf_warn(u->e, "%s: dependency '%s' is not a Debian relation (%s); not followed", pf_buf_cstr(&b),
				entry, why);
			pf_buf_release(&b);
			return 0;
		}
		rc = pf_error(u->e, PF_EFORMAT, "%s: dependency '%s' is not a Debian relation: %s", pf_buf_cstr(&b),
			      entry, why);
		pf_buf_release(&b);
		return rc;
	}
	for (size_t a = 0; a < n && got < 0; a++) {
		got = present_meets(u, &rels[a]);
		if (got >= 0)
			got = upgrade(u, &rels[a], got);
		if (got < -1)
			return -u->e->code;
	}
	for (size_t a = 0; a < n && got < 0; a++) {
		int k;

		if (!arch_ok(u, &rels[a]))
			continue;
		k = newest_ok(u, &rels[a]);
		if (k < -1)
			return -u->e->code;
		if (k < 0 && !(rels[a].op == IREL_EQ && from < 0)) {
			k = provider_ok(u, &rels[a]);
			if (k < -1)
				return -u->e->code;
		}
		if (k >= 0)
			got = take(u, k);
	}
	if (got < 0) {
		struct pf_buf b = PF_BUF_INIT, x = PF_BUF_INIT;
		int rc;

		explain(u, rels, n, &x);
		if (from < 0) {
			rc = pf_error(u->e, PF_EUNSOLVABLE, "deb:%s: %s (suites %s; %s)", entry, pf_buf_cstr(&x),
				      suite_names(u, ~0u, &b), u->ix->arch);
		} else {
			chain(u, from, &b);
			if (!strict) {
				pf_warn(u->e, "%s (already in the catalog) needs '%s', which neither the catalog nor the "
					"index meets: %s", pf_buf_cstr(&b), entry, pf_buf_cstr(&x));
				rc = 0;
			} else {
				rc = pf_error(u->e, PF_EUNSOLVABLE, "%s needs '%s': %s", pf_buf_cstr(&b), entry,
					      pf_buf_cstr(&x));
			}
		}
		pf_buf_release(&b);
		pf_buf_release(&x);
		return rc;
	}
	enqueue(u, got, from);
	if (met)
		*met = got;
	return 0;
}

static int by_name_version(const void *a, const void *b)
{
	const struct catalog_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->version, y->version);
}

static int by_line(const void *a, const void *b)
{
	const struct import_line *x = a, *y = b;

	if (x->action != y->action)
		return (int)x->action - (int)y->action;
	return strcmp(x->text, y->text);
}

void import_result_release(struct import_result *r)
{
	if (!r)
		return;
	free(r->add);
	free(r->lines);
	pf_strv_release(&r->undated);
	pf_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

int import_resolve(const struct import_index *ix, const struct catalog *cat, const char *const *requests,
		   size_t nrequests, const struct import_opts *o, const struct import_hooks *h,
		   struct import_result *r, struct pf_err *e)
{
	struct run u;
	int rc = 0;

	memset(r, 0, sizeof *r);
	memset(&u, 0, sizeof u);
	u.ix = ix;
	u.cat = cat;
	u.o = o;
	u.h = h;
	u.r = r;
	u.e = e;
	u.elig = pf_xmalloc(ix->npkgs ? ix->npkgs : 1);
	memset(u.elig, -1, ix->npkgs ? ix->npkgs : 1);
	u.date = pf_xcalloc(ix->npkgs ? ix->npkgs : 1, sizeof *u.date);
	u.by_changelog = pf_xcalloc(ix->npkgs ? ix->npkgs : 1, 1);
	for (size_t i = 0; cat && i < cat->npkgs; i++) {
		const struct catalog_pkg *cp = &cat->pkgs[i];
		int p;

		if (strcmp(cp->ecosystem, "deb"))
			continue;
		p = add_present(&u, cp->name, cp->version, cp, -1);
		provides_of(&u, p, cp->provides, cp->nprovides);
	}
	for (size_t i = 0; i < nrequests && !rc; i++) {
		const char *req = requests[i], *eq = strchr(req, '=');
		char *name = eq ? pf_xstrndup(req, (size_t)(eq - req)) : pf_xstrdup(req), *entry;
		int met = -1;

		if (!import_name_ok(name) || (eq && !import_version_ok(eq + 1))) {
			rc = pf_error(e, PF_EUSAGE, "'%s': expected a Debian package name, or NAME=VERSION", req);
			free(name);
			break;
		}
		entry = eq ? pf_xasprintf("%s (= %s)", name, eq + 1) : pf_xstrdup(name);
		rc = meet(&u, entry, -1, 1, &met);
		if (!rc && u.pr[met].cp)
			line(&u, IMPORT_KEEP, "deb:%s %s (already in the catalog)", u.pr[met].name, u.pr[met].version);
		free(name);
		free(entry);
	}
	while (!rc && u.head < u.nq) {
		int i = u.queue[u.head++];
		const struct catalog_pkg *cp = u.pr[i].cp ? u.pr[i].cp : &r->add[u.pr[i].add];
		const char *const *deps = cp->depends;	/* arena or catalog storage: stays put while r->add grows */
		size_t nd = cp->ndepends;
		int strict = !u.pr[i].cp;

		for (size_t d = 0; d < nd && !rc; d++)
			rc = meet(&u, deps[d], i, strict, NULL);
	}
	if (!rc) {
		pf_qsort(r->add, r->nadd, sizeof *r->add, by_name_version);
		pf_qsort(r->lines, r->nlines, sizeof *r->lines, by_line);
		pf_strv_sort(&r->undated);
	} else {
		import_result_release(r);
	}
	free(u.pr);
	free(u.pv);
	free(u.queue);
	free(u.elig);
	free(u.date);
	free(u.by_changelog);
	import_smap_release(&u.names);
	import_smap_release(&u.provided);
	import_smap_release(&u.skipped);
	import_smap_release(&u.upgraded);
	return rc;
}
