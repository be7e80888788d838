/* SPDX-License-Identifier: MIT */
/* Artifact metadata readers (wheel METADATA, npm package.json, deb control) over libarchive's read side. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "install/json.h"
#include "install/meta.h"

#define META_MAX_FILE	((size_t)4 << 20)	/* METADATA, package.json, control */
#define META_MAX_CONTROL ((size_t)32 << 20)	/* a deb's control.tar.* */
#define META_MAX_ENTRIES 200000

enum { F_ZIP = 1, F_TAR = 2, F_AR = 4, F_COMPRESSED = 8 };

static struct archive *reader(int what)
{
	struct archive *a = archive_read_new();

	if (!a)
		abort();
	if (what & F_ZIP)
		archive_read_support_format_zip_seekable(a);
	if (what & F_TAR)
		archive_read_support_format_tar(a);
	if (what & F_AR)
		archive_read_support_format_ar(a);
	if (what & F_COMPRESSED) {
		archive_read_support_filter_gzip(a);
		archive_read_support_filter_xz(a);
		archive_read_support_filter_zstd(a);
	}
	return a;
}

static int arc_fail(struct archive *a, const char *what, const char *doing, struct pf_err *e)
{
	const char *s = archive_error_string(a);

	return pf_error(e, PF_EFORMAT, "'%s': %s: %s", what, doing, s ? s : "unreadable archive");
}

/* Read the current entry's data (at most max bytes) into out. */
static int read_entry(struct archive *a, struct archive_entry *ent, const char *what, size_t max, int text,
		      struct pf_buf *out, struct pf_err *e)
{
	char chunk[65536];

	if (archive_entry_size_is_set(ent) && archive_entry_size(ent) > (la_int64_t)max)
		return pf_error(e, PF_EFORMAT, "'%s': '%s' is larger than %zu bytes", what,
				archive_entry_pathname(ent), max);
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);

		if (n < 0)
			return arc_fail(a, what, "reading data", e);
		if (n == 0)
			break;
		if (out->len + (size_t)n > max)
			return pf_error(e, PF_EFORMAT, "'%s': '%s' is larger than %zu bytes", what,
					archive_entry_pathname(ent), max);
		pf_buf_add(out, chunk, (size_t)n);
	}
	pf_buf_cstr(out);
	if (text && strlen(out->p) != out->len)
		return pf_error(e, PF_EFORMAT, "'%s': '%s' contains NUL bytes", what, archive_entry_pathname(ent));
	return 0;
}

typedef int (*match_fn)(const char *name);

/*
 * Walk archive a (already opened) and read the one entry match() accepts into
 * out. More than one match is an error; none is PF_EFORMAT with "missing".
 */
static int find_one(struct archive *a, const char *what, match_fn match, const char *want, size_t max, int text,
		    struct pf_buf *out, char **found, struct pf_err *e)
{
	struct archive_entry *ent;
	size_t count = 0;
	int r, rc = 0;

	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (++count > META_MAX_ENTRIES)
			return pf_error(e, PF_EFORMAT, "'%s': more than %d entries", what, META_MAX_ENTRIES);
		if (!name || !match(name))
			continue;
		if (*found)
			return pf_error(e, PF_EFORMAT, "'%s': two %s files ('%s' and '%s')", what, want, *found, name);
		*found = pf_xstrdup(name);
		if (archive_entry_filetype(ent) != AE_IFREG)
			return pf_error(e, PF_EFORMAT, "'%s': '%s' is not a regular file", what, name);
		rc = read_entry(a, ent, what, max, text, out, e);
		if (rc)
			return rc;
	}
	if (r != ARCHIVE_EOF)
		return arc_fail(a, what, "reading entries", e);
	if (!*found)
		return pf_error(e, PF_EFORMAT, "'%s': no %s found", what, want);
	return 0;
}

/*
 * Open the archive at path (reader(flags); bad says what it is not when it
 * cannot be opened) and read its one member matching match into out (see
 * find_one). *what becomes "PATH: MEMBER", the member's name in errors.
 */
static int read_member(const char *path, int flags, const char *bad, match_fn match, const char *want, size_t max,
		       int text, struct pf_buf *out, char **what, struct pf_err *e)
{
	struct archive *a = reader(flags);
	char *found = NULL;
	int rc;

	*what = NULL;
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		rc = arc_fail(a, path, bad, e);
		goto out;
	}
	rc = find_one(a, path, match, want, max, text, out, &found, e);
	if (!rc)
		*what = pf_xasprintf("%s: %s", path, found);
out:
	free(found);
	archive_read_free(a);
	return rc;
}

static void push(struct install_meta *m, const char ***v, size_t *n, const char *s, size_t len)
{
	const char **nv = pf_arena_alloc(&m->arena, (*n + 2) * sizeof *nv);

	if (*n)
		memcpy(nv, *v, *n * sizeof *nv);
	nv[(*n)++] = pf_arena_strndup(&m->arena, s, len);
	*v = nv;
}

/* Push s with runs of whitespace folded to one space and the ends trimmed; empty is skipped. */
static void push_folded(struct install_meta *m, const char ***v, size_t *n, const char *s, size_t len)
{
	struct pf_buf b = PF_BUF_INIT;
	int sp = 0;

	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\r\n", s[i])) {
			sp = 1;
			continue;
		}
		if (sp && b.len)
			pf_buf_addc(&b, ' ');
		sp = 0;
		pf_buf_addc(&b, s[i]);
	}
	if (b.len)
		push(m, v, n, b.p, b.len);
	pf_buf_release(&b);
}

/*
 * RFC 822-style headers (wheel METADATA, deb control): call fn for each field
 * of the first paragraph with its folded value.
 */
typedef void (*field_fn)(struct install_meta *m, const char *key, const char *val);

static int headers(struct install_meta *m, const char *what, const char *text, field_fn fn, struct pf_err *e)
{
	struct pf_buf key = PF_BUF_INIT, val = PF_BUF_INIT;
	const char *p = text;
	int have = 0, rc = 0;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int blank = len == 0 || (len == 1 && p[0] == '\r');

		if (!blank && (p[0] == ' ' || p[0] == '\t')) {
			if (!have) {
				rc = pf_error(e, PF_EFORMAT, "'%s': continuation line before any field", what);
				goto out;
			}
			pf_buf_addc(&val, '\n');
			pf_buf_add(&val, p, len);
		} else {
			if (have)
				fn(m, pf_buf_cstr(&key), pf_buf_cstr(&val));
			have = 0;
			key.len = val.len = 0;
			if (blank || !*p)
				break;
			{
				const char *colon = memchr(p, ':', len);
				size_t skip;

				if (!colon || colon == p) {
					rc = pf_error(e, PF_EFORMAT, "'%s': malformed header line '%.*s'", what,
						      (int)(len > 60 ? 60 : len), p);
					goto out;
				}
				pf_buf_add(&key, p, (size_t)(colon - p));
				skip = (size_t)(colon - p) + 1;
				pf_buf_add(&val, p + skip, len - skip);
				pf_buf_cstr(&val);
				have = 1;
			}
		}
		if (!nl)
			p += len;
		else
			p = nl + 1;
	}
out:
	pf_buf_release(&key);
	pf_buf_release(&val);
	return rc;
}

static const char *folded(struct install_meta *m, const char *val)
{
	const char **v = NULL;
	size_t n = 0;

	push_folded(m, &v, &n, val, strlen(val));
	return n ? v[0] : "";
}

static void wheel_field(struct install_meta *m, const char *key, const char *val)
{
	if (!strcasecmp(key, "Name") && !m->name)
		m->name = folded(m, val);
	else if (!strcasecmp(key, "Version") && !m->version)
		m->version = folded(m, val);
	else if (!strcasecmp(key, "Requires-Dist"))
		push_folded(m, &m->depends, &m->ndepends, val, strlen(val));
	else if (!strcasecmp(key, "Provides-Extra"))
		push_folded(m, &m->conflicts, &m->nconflicts, val, strlen(val));	/* extras; fixed up below */
	else if (!strcasecmp(key, "License-Expression")) {
		m->license = folded(m, val);
		m->license_is_expression = 1;
	} else if (!strcasecmp(key, "License") && !m->license_is_expression)
		m->license = folded(m, val);
	else if (!strcasecmp(key, "Classifier") && !strncmp(folded(m, val), "License ::", 10))
		push_folded(m, &m->license_classifiers, &m->nlicense_classifiers, val, strlen(val));
}

static int is_wheel_metadata(const char *name)
{
	const char *slash = strchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : 0;

	return slash && n > 10 && !strcmp(slash, "/METADATA") && !memcmp(slash - 10, ".dist-info", 10);
}

/* PEP 503-style normalisation: lowercase, runs of "-_." become "_". */
static void norm(const char *s, size_t n, struct pf_buf *out)
{
	int run = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '-' || ch == '_' || ch == '.') {
			run = 1;
			continue;
		}
		if (run)
			pf_buf_addc(out, '_');
		run = 0;
		pf_buf_addc(out, (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
	}
	pf_buf_cstr(out);
}

/* A wheel whose file name disagrees with its METADATA is suspicious: warn the curator. */
static void wheel_name_check(const char *path, const struct install_meta *m, struct pf_err *e)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *d1 = strchr(base, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;

	if (!m->name || !m->version || !d1 || !d2)
		return;
	norm(base, (size_t)(d1 - base), &a);
	norm(m->name, strlen(m->name), &b);
	if (strcmp(a.p, b.p) || strncmp(d1 + 1, m->version, (size_t)(d2 - d1 - 1)) ||
	    strlen(m->version) != (size_t)(d2 - d1 - 1))
		pf_warn(e, "'%s': file name does not match its METADATA (%s %s)", path, m->name, m->version);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

static int read_wheel(const char *path, struct install_meta *m, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	const char **extras;
	char *what = NULL;
	size_t nextras;
	int rc;

	rc = read_member(path, F_ZIP, "not a readable wheel (zip)", is_wheel_metadata, "*.dist-info/METADATA",
			 META_MAX_FILE, 1, &b, &what, e);
	if (rc)
		goto out;
	rc = headers(m, what, b.p, wheel_field, e);
	if (rc)
		goto out;
	wheel_name_check(path, m, e);
	extras = m->conflicts;
	nextras = m->nconflicts;
	m->conflicts = NULL;
	m->nconflicts = 0;
	for (size_t i = 0; i < nextras && m->name; i++) {
		char *s = pf_xasprintf("%s[%s]", m->name, extras[i]);

		push(m, &m->provides, &m->nprovides, s, strlen(s));
		free(s);
	}
out:
	free(what);
	pf_buf_release(&b);
	return rc;
}

static int is_package_json(const char *name)
{
	return !strcmp(name, "package/package.json");
}

/* "license": "MIT"; legacy {"type": "MIT"} or "licenses": [{"type": ...}, ...] (any of them). */
static void npm_license(struct install_meta *m, const struct install_json *root)
{
	const struct install_json *l = install_json_get(root, "license"), *ls = install_json_get(root, "licenses");
	struct pf_buf b = PF_BUF_INIT;

	if (l && l->type == INSTALL_J_STR) {
		m->license = folded(m, l->str);
		m->license_is_expression = 1;
		return;
	}
	if (l && l->type == INSTALL_J_OBJ && (l = install_json_get(l, "type")) && l->type == INSTALL_J_STR) {
		m->license = folded(m, l->str);
		return;
	}
	for (size_t i = 0; ls && ls->type == INSTALL_J_ARR && i < ls->n; i++) {
		const struct install_json *t = ls->vals[i]->type == INSTALL_J_OBJ ? install_json_get(ls->vals[i], "type") :
										NULL;

		if (t && t->type == INSTALL_J_STR && *t->str)
			pf_buf_addf(&b, "%s%s", b.len ? " OR " : "", t->str);
	}
	if (b.len)
		m->license = folded(m, pf_buf_cstr(&b));
	pf_buf_release(&b);
}

/* 1 when name is in bundleDependencies (a list of names, or true: every dependency). */
static int is_bundled(const struct install_json *b, const char *name)
{
	if (!b)
		return 0;
	if (b->type == INSTALL_J_BOOL)
		return !strcmp(b->str, "true");
	for (size_t i = 0; i < b->n; i++)
		if (b->vals[i]->type == INSTALL_J_STR && !strcmp(b->vals[i]->str, name))
			return 1;
	return 0;
}

static int read_npm(const char *path, struct install_meta *m, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct install_json *root = NULL;
	const struct install_json *n, *v, *deps, *opt, *bundled;
	char *what = NULL;
	int rc;

	rc = read_member(path, F_TAR | F_COMPRESSED, "not a readable npm tarball", is_package_json,
			 "package/package.json", META_MAX_FILE, 1, &b, &what, e);
	if (rc)
		goto out;
	rc = install_json_parse(&m->arena, what, b.p, b.len, &root, e);
	if (rc)
		goto out;
	if (root->type != INSTALL_J_OBJ) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not a JSON object", what);
		goto out;
	}
	n = install_json_get(root, "name");
	v = install_json_get(root, "version");
	if (!n || n->type != INSTALL_J_STR || !v || v->type != INSTALL_J_STR) {
		rc = pf_error(e, PF_EFORMAT, "'%s': 'name' and 'version' must be strings", what);
		goto out;
	}
	m->name = n->str;
	m->version = v->str;
	npm_license(m, root);
	deps = install_json_get(root, "dependencies");
	opt = install_json_get(root, "optionalDependencies");
	if ((deps && deps->type != INSTALL_J_OBJ) || (opt && opt->type != INSTALL_J_OBJ)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': dependencies must be objects", what);
		goto out;
	}
	/* Bundled dependencies ship inside the tarball (npm's own does this): nothing to resolve. */
	bundled = install_json_get(root, "bundleDependencies");
	if (!bundled)
		bundled = install_json_get(root, "bundledDependencies");
	if (bundled && bundled->type != INSTALL_J_ARR && bundled->type != INSTALL_J_BOOL) {
		rc = pf_error(e, PF_EFORMAT, "'%s': bundleDependencies must be a list or a boolean", what);
		goto out;
	}
	for (size_t i = 0; deps && i < deps->n; i++) {
		char *s;

		if (deps->vals[i]->type != INSTALL_J_STR) {
			rc = pf_error(e, PF_EFORMAT, "'%s': dependency '%s' has no version string", what,
				      deps->keys[i]);
			goto out;
		}
		if (install_json_get(opt, deps->keys[i]) || is_bundled(bundled, deps->keys[i]))
			continue;
		s = pf_xasprintf("%s %s", deps->keys[i], deps->vals[i]->str[0] ? deps->vals[i]->str : "*");
		push_folded(m, &m->depends, &m->ndepends, s, strlen(s));
		free(s);
	}
out:
	free(what);
	pf_buf_release(&b);
	return rc;
}

static void split_relations(struct install_meta *m, const char ***v, size_t *n, const char *val)
{
	const char *p = val;

	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		push_folded(m, v, n, p, len);
		if (!c)
			break;
		p = c + 1;
	}
}

static void deb_field(struct install_meta *m, const char *key, const char *val)
{
	if (!strcasecmp(key, "Package") && !m->name)
		m->name = folded(m, val);
	else if (!strcasecmp(key, "Version") && !m->version)
		m->version = folded(m, val);
	else if (!strcasecmp(key, "Depends") || !strcasecmp(key, "Pre-Depends"))
		split_relations(m, &m->depends, &m->ndepends, val);
	else if (!strcasecmp(key, "Provides"))
		split_relations(m, &m->provides, &m->nprovides, val);
	else if (!strcasecmp(key, "Conflicts") || !strcasecmp(key, "Breaks"))
		split_relations(m, &m->conflicts, &m->nconflicts, val);
}

static int is_control_tar(const char *name)
{
	return !strncmp(name, "control.tar", 11);
}

static int is_control(const char *name)
{
	return !strcmp(name, "./control") || !strcmp(name, "control");
}

static int read_deb(const char *path, struct install_meta *m, struct pf_err *e)
{
	struct archive *in = NULL;
	struct pf_buf tarb = PF_BUF_INIT, b = PF_BUF_INIT;
	char *found = NULL, *what = NULL;
	int rc;

	rc = read_member(path, F_AR, "not a readable deb (ar)", is_control_tar, "control.tar.*", META_MAX_CONTROL,
			 0, &tarb, &what, e);
	if (rc)
		goto out;
	in = reader(F_TAR | F_COMPRESSED);
	if (archive_read_open_memory(in, tarb.p, tarb.len) != ARCHIVE_OK) {
		rc = arc_fail(in, what, "not a readable tar", e);
		goto out;
	}
	rc = find_one(in, what, is_control, "control", META_MAX_FILE, 1, &b, &found, e);
	if (rc)
		goto out;
	rc = headers(m, what, b.p, deb_field, e);
out:
	free(found);
	free(what);
	pf_buf_release(&tarb);
	pf_buf_release(&b);
	if (in)
		archive_read_free(in);
	return rc;
}

static int read_generic(const char *path, struct install_meta *m, struct pf_err *e)
{
	struct archive *a = reader(F_TAR | F_COMPRESSED);
	struct archive_entry *ent;
	size_t count = 0;
	int r, rc = 0;

	(void)m;
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		rc = arc_fail(a, path, "not a readable tar archive", e);
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		if (++count > META_MAX_ENTRIES) {
			rc = pf_error(e, PF_EFORMAT, "'%s': more than %d entries", path, META_MAX_ENTRIES);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF)
		rc = arc_fail(a, path, "reading entries", e);
	else if (!count)
		rc = pf_error(e, PF_EFORMAT, "'%s': empty archive", path);
out:
	archive_read_free(a);
	return rc;
}

static int ends(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n > k && !strcmp(s + n - k, suf);
}

const char *install_meta_guess_format(const char *path)
{
	if (ends(path, ".whl"))
		return "wheel";
	if (ends(path, ".tgz"))
		return "npm";
	if (ends(path, ".deb"))
		return "deb";
	if (ends(path, ".tar.gz") || ends(path, ".tar.xz") || ends(path, ".tar.zst"))
		return "generic";
	return NULL;
}

int install_read_meta(const char *path, const char *format_hint, struct install_meta *m, struct pf_err *e)
{
	const char *fmt = format_hint ? format_hint : install_meta_guess_format(path);
	int rc;

	memset(m, 0, sizeof *m);
	if (!fmt)
		return pf_error(e, PF_EFORMAT, "'%s': unknown artifact type (expected .whl, .tgz, .deb, "
				".tar.gz, .tar.xz or .tar.zst)", path);
	if (!strcmp(fmt, "wheel")) {
		m->ecosystem = "pypi";
		rc = read_wheel(path, m, e);
	} else if (!strcmp(fmt, "npm")) {
		m->ecosystem = "npm";
		rc = read_npm(path, m, e);
	} else if (!strcmp(fmt, "deb")) {
		m->ecosystem = "deb";
		rc = read_deb(path, m, e);
	} else if (!strcmp(fmt, "generic")) {
		m->ecosystem = "generic";
		rc = read_generic(path, m, e);
	} else {
		return pf_error(e, PF_EFORMAT, "'%s': unknown artifact format '%s'", path, fmt);
	}
	m->format = pf_arena_strdup(&m->arena, fmt);
	if (!rc && strcmp(fmt, "generic") && (!m->name || !*m->name || !m->version || !*m->version))
		rc = pf_error(e, PF_EFORMAT, "'%s': metadata has no package name or version", path);
	return rc;
}

void install_meta_release(struct install_meta *m)
{
	if (!m)
		return;
	pf_arena_release(&m->arena);
	memset(m, 0, sizeof *m);
}
