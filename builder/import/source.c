/* SPDX-License-Identifier: MIT */
/* Finding a suite in apt's lists, a mirror directory or a mirror URL, and loading it verified: InRelease, then Packages. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "import/internal.h"

#define INRELEASE_MAX PF_MAX_SMALL
#define COMPRESSED_MAX ((size_t)512 << 20)
#define PACKAGES_MAX ((size_t)2 << 30)

enum kind { K_LISTS, K_MIRROR, K_URL };

/* Where a suite was found. */
struct place {
	enum kind kind;
	const struct import_source *src;
	char *inrelease;	/* path or URL of the InRelease */
	char *lists_prefix;	/* K_LISTS: "<dir>/<archive>_dists_<suite>_" */
	char *dists;		/* K_MIRROR, K_URL: "<root>/dists/<suite>" */
	char *root;		/* K_MIRROR, K_URL: the archive root */
};

static void place_release(struct place *pl)
{
	free(pl->inrelease);
	free(pl->lists_prefix);
	free(pl->dists);
	free(pl->root);
	memset(pl, 0, sizeof *pl);
}

static int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static char *trim_slash(const char *s)
{
	char *r = pf_xstrdup(s);
	size_t n = strlen(r);

	while (n > 1 && r[n - 1] == '/')
		r[--n] = 0;
	return r;
}

/* apt names list files after the URI with '/' as '_' (a suite like "stable/updates" too). */
static char *apt_mangle(const char *s)
{
	char *r = pf_xstrdup(s);

	for (char *p = r; *p; p++)
		if (*p == '/')
			*p = '_';
	return r;
}

/* Read one file of a place: base (a directory or URL) + name. PF_ENOTFOUND when it is not there. */
static int read_at(const struct place *pl, const char *base, const char *name, size_t max, struct pf_buf *out,
		   struct pf_err *e)
{
	char *path;
	int rc;

	if (pl->kind == K_URL) {
		if (!pl->src->fetch)
			return pf_error(e, PF_EUSAGE, "'%s': reading a URL needs a fetcher", pl->src->where);
		return pl->src->fetch(pl->src->ud, base, name, max, out, e);
	}
	path = pf_path_join(base, name);
	rc = pf_read_file(path, max, out, e);
	free(path);
	return rc;
}

static int read_inrelease(const struct place *pl, struct pf_buf *out, struct pf_err *e)
{
	if (pl->kind == K_URL)
		return read_at(pl, pl->dists, "InRelease", INRELEASE_MAX, out, e);
	return pf_read_file(pl->inrelease, INRELEASE_MAX, out, e);
}

/* Look for suite in one source: 1 found (pl filled), 0 not there, negative on error. */
static int locate(const struct import_source *src, const char *suite, struct place *pl, struct pf_err *e)
{
	char *dists, *tail, *root = trim_slash(src->where);
	struct pf_strv hits = PF_STRV_INIT;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	memset(pl, 0, sizeof *pl);
	pl->src = src;
	if (is_url(root)) {
		pl->kind = K_URL;
		pl->root = root;
		pl->dists = pf_xasprintf("%s/dists/%s", root, suite);
		pl->inrelease = pf_xasprintf("%s/InRelease", pl->dists);
		return 1;	/* whether it is there shows when it is read */
	}
	if (!pf_is_dir(root)) {
		free(root);
		return pf_error(e, PF_ENOTFOUND, "'%s': not a directory (expected apt's lists directory, a mirror "
				"directory or a URL)", src->where);
	}
	dists = pf_path_join(root, "dists");
	if (pf_is_dir(dists)) {
		pl->kind = K_MIRROR;
		pl->root = root;
		pl->dists = pf_xasprintf("%s/%s", dists, suite);
		pl->inrelease = pf_xasprintf("%s/InRelease", pl->dists);
		free(dists);
		return pf_exists(pl->inrelease) ? 1 : 0;
	}
	free(dists);
	pl->kind = K_LISTS;
	{
		char *m = apt_mangle(suite);

		tail = pf_xasprintf("_dists_%s_InRelease", m);
		free(m);
	}
	dir = opendir(root);
	if (!dir) {
		rc = pf_error(e, PF_EIO, "'%s': cannot read the directory", root);
		goto out;
	}
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name), tl = strlen(tail);

		if (l > tl && !strcmp(d->d_name + l - tl, tail))
			pf_strv_push(&hits, d->d_name);
	}
	closedir(dir);
	pf_strv_sort(&hits);
	if (hits.n > 1) {
		rc = pf_error(e, PF_EUSAGE, "'%s': two archives have suite '%s' (%s and %s); copy the one you mean to "
			      "a directory of its own and name that with --lists", root, suite, hits.v[0], hits.v[1]);
		goto out;
	}
	if (hits.n == 1) {
		size_t l = strlen(hits.v[0]) - strlen("InRelease");

		pl->inrelease = pf_path_join(root, hits.v[0]);
		hits.v[0][l] = 0;
		pl->lists_prefix = pf_path_join(root, hits.v[0]);
		rc = 1;
	}
out:
	free(tail);
	free(root);
	pf_strv_release(&hits);
	if (rc <= 0)
		place_release(pl);
	return rc;
}

static int check_file(const char *what, const struct pf_buf *b, const struct import_release_file *f,
		      const char *inrelease, struct pf_err *e)
{
	char hex[PF_SHA256_HEX];

	if (b->len != f->size)
		return pf_error(e, PF_EDIGEST, "'%s': %zu bytes, but the verified '%s' says %llu for %s", what, b->len,
				inrelease, (unsigned long long)f->size, f->path);
	pf_sha256_hex(b->p ? b->p : "", b->len, hex);
	if (!pf_digest_eq(hex, f->sha256))
		return pf_error(e, PF_EDIGEST, "'%s': SHA256 %s, but the verified '%s' says %s for %s", what, hex,
				inrelease, f->sha256, f->path);
	return 0;
}

/* Read, check and parse one component's Packages as suite si. */
static int load_packages(struct import_index *ix, size_t si, const struct place *pl, const struct import_release *rel,
			 const char *comp, struct pf_err *e)
{
	static const char *const lists_ext[] = { "", ".lz4", ".xz", ".gz" };
	static const char *const mirror_ext[] = { ".xz", ".gz", "" };
	const char *const *exts = pl->kind == K_LISTS ? lists_ext : mirror_ext;
	size_t next = pl->kind == K_LISTS ? 4 : 3;
	char *relpath = pf_xasprintf("%s/binary-%s/Packages", comp, ix->arch), *where = NULL, *base = NULL;
	const struct import_release_file *plain = import_release_find(rel, relpath), *packed = NULL;
	struct pf_buf raw = PF_BUF_INIT, text = PF_BUF_INIT;
	const char *ext = NULL;
	int rc = -PF_ENOTFOUND;

	if (pl->kind == K_LISTS)
		base = pf_xasprintf("%s%s_binary-%s_Packages", pl->lists_prefix, comp, ix->arch);
	else
		base = pf_xasprintf("%s/%s/binary-%s", pl->dists, comp, ix->arch);
	for (size_t i = 0; i < next && rc == -PF_ENOTFOUND; i++) {
		char *name;

		ext = exts[i];
		free(where);
		raw.len = 0;
		if (pl->kind == K_LISTS) {
			where = pf_xasprintf("%s%s", base, ext);
			rc = pf_read_file(where, COMPRESSED_MAX, &raw, e);
		} else {
			name = pf_xasprintf("Packages%s", ext);
			where = pf_xasprintf("%s/%s", base, name);
			rc = read_at(pl, base, name, COMPRESSED_MAX, &raw, e);
			free(name);
		}
		if (rc == -PF_ENOTFOUND)
			pf_err_clear(e);
	}
	if (rc == -PF_ENOTFOUND) {
		rc = pf_error(e, PF_ENOTFOUND, "suite '%s': no %s (of any compression) at '%s'", ix->suites[si].name,
			      relpath, base);
		goto out;
	}
	if (rc)
		goto out;
	if (*ext) {
		char *p = pf_xasprintf("%s%s", relpath, ext);

		packed = import_release_find(rel, p);
		free(p);
	}
	if (!plain && !packed) {
		rc = pf_error(e, PF_EDIGEST, "'%s': cannot be checked: the verified '%s' lists no SHA256 for %s",
			      where, ix->suites[si].inrelease, relpath);
		goto out;
	}
	/* verify the bytes before anything parses them */
	if (packed) {
		rc = check_file(where, &raw, packed, ix->suites[si].inrelease, e);
		if (rc)
			goto out;
	}
	rc = import_decompress(import_comp_of(where), where, raw.p ? raw.p : "", raw.len,
			       plain ? (size_t)plain->size : PACKAGES_MAX, &text, e);
	if (rc == -PF_ETOOBIG && plain) {
		pf_err_clear(e);
		rc = pf_error(e, PF_EDIGEST, "'%s': decompresses to more than the %llu bytes the verified '%s' says "
			      "for %s", where, (unsigned long long)plain->size, ix->suites[si].inrelease, relpath);
	}
	if (rc)
		goto out;
	if (plain) {
		char *what = *ext ? pf_xasprintf("%s (decompressed)", where) : pf_xstrdup(where);

		rc = check_file(what, &text, plain, ix->suites[si].inrelease, e);
		free(what);
		if (rc)
			goto out;
	}
	rc = import_index_add_packages(ix, si, where, &text, e);
out:
	free(relpath);
	free(where);
	free(base);
	pf_buf_release(&raw);
	pf_buf_release(&text);
	return rc;
}

int import_index_add_suite(struct import_index *ix, const struct import_source *src, size_t nsrc, const char *suite,
			   const char *const *components, size_t ncomponents, const struct import_keyring *kr,
			   time_t now, struct pf_err *e)
{
	struct place pl, other;
	struct pf_buf raw = PF_BUF_INIT;
	struct import_signed sig;
	struct import_release rel;
	struct import_suite *s;
	char t1[PF_TIME_STR], t2[PF_TIME_STR];
	int rc = 0, found = 0, have_rel = 0;

	memset(&pl, 0, sizeof pl);
	memset(&sig, 0, sizeof sig);
	memset(&rel, 0, sizeof rel);
	if (ix->nsuites >= 32)
		return pf_error(e, PF_EUSAGE, "at most 32 suites");
	for (size_t i = 0; i < ix->nsuites; i++)
		if (!strcmp(ix->suites[i].name, suite))
			return pf_error(e, PF_EUSAGE, "suite '%s' named twice", suite);
	for (size_t i = 0; i < nsrc; i++) {
		struct place *cur = found ? &other : &pl;
		struct pf_buf b = PF_BUF_INIT;

		rc = locate(&src[i], suite, cur, e);
		if (rc < 0)
			goto out;
		if (!rc)
			continue;
		rc = read_inrelease(cur, &b, e);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(e);
			place_release(cur);
			pf_buf_release(&b);
			continue;
		}
		if (rc) {
			if (cur == &other)
				place_release(&other);
			pf_buf_release(&b);
			goto out;
		}
		if (found) {
			rc = pf_error(e, PF_EUSAGE, "suite '%s' is in both '%s' and '%s'; name only one of them with "
				      "--lists", suite, pl.src->where, other.src->where);
			place_release(&other);
			pf_buf_release(&b);
			goto out;
		}
		raw = b;
		found = 1;
	}
	rc = 0;
	if (!found) {
		struct pf_buf w = PF_BUF_INIT;

		for (size_t i = 0; i < nsrc; i++)
			pf_buf_addf(&w, "%s'%s'", i ? (i + 1 == nsrc ? " or " : ", ") : "", src[i].where);
		rc = pf_error(e, PF_ENOTFOUND, "suite '%s': no InRelease for it in %s (run 'apt-get update', or name its "
			      "lists or mirror with --lists)", suite, w.len ? w.p : "no source");
		pf_buf_release(&w);
		goto out;
	}
	/* the signature first: nothing of the file is parsed before it verified */
	rc = import_verify_cleartext(kr, pl.inrelease, raw.p ? raw.p : "", raw.len, now, &sig, e);
	if (rc)
		goto out;
	rc = import_release_parse(pl.inrelease, sig.text, sig.len, &rel, e);
	if (rc)
		goto out;
	have_rel = 1;
	if ((!rel.suite || strcmp(rel.suite, suite)) && (!rel.codename || strcmp(rel.codename, suite))) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': signed for suite '%s' (codename '%s'), not '%s': another suite's "
			      "file was put in its place", pl.inrelease, rel.suite ? rel.suite : "",
			      rel.codename ? rel.codename : "", suite);
		goto out;
	}
	pf_time_format(rel.date, t1);
	pf_time_format(now, t2);
	if (rel.date > now) {
		rc = pf_error(e, PF_EEXPIRED, "'%s': dated %s, which is after now (%s)", pl.inrelease, t1, t2);
		goto out;
	}
	if (rel.valid_until && rel.valid_until <= now) {
		pf_time_format(rel.valid_until, t1);
		rc = pf_error(e, PF_EEXPIRED, "'%s': expired on %s (its Valid-Until); refresh it with 'apt-get update' "
			      "or from the mirror", pl.inrelease, t1);
		goto out;
	}
	PF_GROW(ix->suites, ix->nsuites + 1, ix->capsuites);
	s = &ix->suites[ix->nsuites++];
	memset(s, 0, sizeof *s);
	s->name = pf_xstrdup(suite);
	s->inrelease = pf_xstrdup(pl.inrelease);
	s->archive = pl.root ? pf_xstrdup(pl.root) : NULL;
	s->origin = pf_xstrdup(rel.origin ? rel.origin : "");
	s->label = pf_xstrdup(rel.label ? rel.label : "");
	s->suite = pf_xstrdup(rel.suite ? rel.suite : "");
	s->codename = pf_xstrdup(rel.codename ? rel.codename : "");
	s->date = rel.date;
	s->valid_until = rel.valid_until;
	pf_time_format(rel.date, s->date_str);
	memcpy(s->signer, sig.signer, sizeof s->signer);
	memcpy(s->primary, sig.primary, sizeof s->primary);
	{
		struct pf_buf b = PF_BUF_INIT;

		for (size_t i = 0; i < sig.signers.n; i++)
			pf_buf_addf(&b, "%s%s", i ? ", " : "", sig.signers.v[i]);
		s->signers = pf_buf_detach(&b, NULL);
	}
	for (size_t c = 0; c < ncomponents && !rc; c++)
		rc = load_packages(ix, ix->nsuites - 1, &pl, &rel, components[c], e);
out:
	if (have_rel)
		import_release_release(&rel);
	import_signed_release(&sig);
	place_release(&pl);
	pf_buf_release(&raw);
	return rc;
}
