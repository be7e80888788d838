/* SPDX-License-Identifier: MIT */
/* Artifact metadata readers (wheel METADATA, npm package.json, deb control) over libarchive's read side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/file.h"
#include "core/text.h"
#include "core/time.h"
#include "install/json.h"
#include "install/meta.h"
#include "install/startup.h"

#define META_MAX_FILE	((size_t)4 << 20)	/* METADATA, package.json, control */
#define META_MAX_CONTROL ((size_t)32 << 20)	/* a deb's control.tar.* */
#define META_MAX_ENTRIES 200000
#define META_MAX_PTH	((size_t)1 << 20)	/* a .pth read to find executable lines; longer counts as one */

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

/* Every reader starts at the file's beginning (the same descriptor is read more than once). */
static int open_fd(struct archive *a, int fd)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return ARCHIVE_FATAL;
	return archive_read_open_fd(a, fd, 65536);
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
static int read_member(int fd, const char *path, int flags, const char *bad, match_fn match, const char *want,
		       size_t max, int text, struct pf_buf *out, char **what, struct pf_err *e)
{
	struct archive *a = reader(flags);
	char *found = NULL;
	int rc;

	*what = NULL;
	if (open_fd(a, fd) != ARCHIVE_OK) {
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

static void add_startup(struct install_meta *m, const char *file, size_t len, const char *kind)
{
	struct catalog_startup *nv = pf_arena_alloc(&m->arena, (m->nstartup + 2) * sizeof *nv);

	for (size_t i = 0; i < m->nstartup; i++)
		if (!strncmp(m->startup[i].file, file, len) && !m->startup[i].file[len] && !strcmp(m->startup[i].kind, kind))
			return;
	if (m->nstartup)
		memcpy(nv, m->startup, m->nstartup * sizeof *nv);
	nv[m->nstartup].file = pf_arena_strndup(&m->arena, file, len);
	nv[m->nstartup].kind = kind;
	m->nstartup++;
	m->startup = nv;
}

/*
 * Walk every entry of the opened archive a for files that run code at start
 * (.pth with executable lines, sitecustomize, usercustomize); wheel: paths are
 * a wheel's. Names are recorded as stored, less a leading "./".
 */
static int scan_entries(struct archive *a, const char *what, int wheel, struct install_meta *m, struct pf_err *e)
{
	struct archive_entry *ent;
	struct pf_buf b = PF_BUF_INIT;
	size_t count = 0;
	int r, rc = 0;

	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent), *kind;
		size_t len;

		if (++count > META_MAX_ENTRIES) {
			rc = pf_error(e, PF_EFORMAT, "'%s': more than %d entries", what, META_MAX_ENTRIES);
			goto out;
		}
		if (!name)
			continue;
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		len = strlen(name);
		while (len && name[len - 1] == '/')
			len--;
		kind = install_startup_path_kind(name, wheel);
		if (!kind)
			continue;
		if (!strcmp(kind, CATALOG_STARTUP_PTH) && archive_entry_filetype(ent) == AE_IFREG) {
			int runs = 1;	/* a .pth too long to read counts */

			b.len = 0;
			for (;;) {
				char chunk[65536];
				la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);

				if (n < 0) {
					rc = arc_fail(a, what, "reading data", e);
					goto out;
				}
				if (n == 0) {
					runs = install_pth_runs(b.p ? b.p : "", b.len);
					break;
				}
				if (b.len + (size_t)n > META_MAX_PTH)
					break;
				pf_buf_add(&b, chunk, (size_t)n);
			}
			if (!runs)
				continue;
		}
		add_startup(m, name, len, kind);
	}
	if (r != ARCHIVE_EOF)
		rc = arc_fail(a, what, "reading entries", e);
out:
	pf_buf_release(&b);
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

static int read_wheel(int fd, const char *path, struct install_meta *m, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	const char **extras;
	char *what = NULL;
	size_t nextras;
	int rc;

	rc = read_member(fd, path, F_ZIP, "not a readable wheel (zip)", is_wheel_metadata, "*.dist-info/METADATA",
			 META_MAX_FILE, 1, &b, &what, e);
	if (rc)
		goto out;
	rc = headers(m, what, b.p, wheel_field, e);
	if (rc)
		goto out;
	{
		struct archive *a = reader(F_ZIP);

		rc = open_fd(a, fd) != ARCHIVE_OK ? arc_fail(a, path, "not a readable wheel (zip)", e) :
						    scan_entries(a, path, 1, m, e);
		archive_read_free(a);
		if (rc)
			goto out;
	}
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

/*
 * DIR/FILE at the top of an npm tarball: npm strips the first component
 * whatever it is ("package/" from npm pack, "estree/" in @types/estree), so
 * any one directory will do; two package.json files at the top are refused
 * (find_one).
 */
static int top_member(const char *name, const char *file)
{
	const char *slash;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	slash = strchr(name, '/');
	return slash && slash != name && strcmp(slash + 1, file) == 0 &&
	       !(slash - name == 1 && name[0] == '.') && !(slash - name == 2 && name[0] == '.' && name[1] == '.');
}

static int is_package_json(const char *name)
{
	return top_member(name, "package.json");
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

/* What npm runs when it installs the package: its lifecycle scripts, or node-gyp for a binding.gyp. */
static int npm_startup(int fd, const char *path, const struct install_json *scripts, struct install_meta *m,
		       struct pf_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	size_t count = 0;
	int r, rc = 0;

	if (scripts && scripts->type != INSTALL_J_OBJ)
		return pf_error(e, PF_EFORMAT, "'%s': package.json: scripts must be an object", path);
	for (const char *const *k = install_npm_startup_scripts; *k; k++) {
		if (install_json_get(scripts, *k)) {
			char *f = pf_xasprintf("package/package.json: scripts.%s", *k);

			add_startup(m, f, strlen(f), CATALOG_STARTUP_NPM);
			free(f);
		}
	}
	if (install_json_get(scripts, "install") || install_json_get(scripts, "preinstall"))
		return 0;
	a = reader(F_TAR | F_COMPRESSED);
	if (open_fd(a, fd) != ARCHIVE_OK) {
		rc = arc_fail(a, path, "not a readable npm tarball", e);
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (++count > META_MAX_ENTRIES) {
			rc = pf_error(e, PF_EFORMAT, "'%s': more than %d entries", path, META_MAX_ENTRIES);
			goto out;
		}
		if (name && top_member(name, "binding.gyp"))
			add_startup(m, "package/binding.gyp", 19, CATALOG_STARTUP_NPM);
	}
	if (r != ARCHIVE_EOF)
		rc = arc_fail(a, path, "reading entries", e);
out:
	archive_read_free(a);
	return rc;
}

static int read_npm(int fd, const char *path, struct install_meta *m, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct install_json *root = NULL;
	const struct install_json *n, *v, *deps, *opt, *bundled;
	char *what = NULL;
	int rc;

	rc = read_member(fd, path, F_TAR | F_COMPRESSED, "not a readable npm tarball", is_package_json,
			 "top-level package.json", META_MAX_FILE, 1, &b, &what, e);
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
	rc = npm_startup(fd, path, install_json_get(root, "scripts"), m, e);
	if (rc)
		goto out;
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
		if (install_json_get(opt, deps->keys[i]) || install_json_npm_bundles(root, deps->keys[i]))
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

/* The maintainer scripts in control.tar (recorded as DEBIAN/NAME; pinfold never runs them). */
static int deb_scripts(const char *what, const struct pf_buf *tarb, struct install_meta *m, struct pf_err *e)
{
	static const char *const maint[] = { "preinst", "postinst", "prerm", "postrm", "config", NULL };
	struct archive *a = reader(F_TAR | F_COMPRESSED);
	struct archive_entry *ent;
	size_t count = 0;
	int r, rc = 0;

	if (archive_read_open_memory(a, tarb->p, tarb->len) != ARCHIVE_OK) {
		rc = arc_fail(a, what, "not a readable tar", e);
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (++count > META_MAX_ENTRIES) {
			rc = pf_error(e, PF_EFORMAT, "'%s': more than %d entries", what, META_MAX_ENTRIES);
			goto out;
		}
		if (!name)
			continue;
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		for (const char *const *s = maint; *s; s++) {
			if (!strcmp(name, *s)) {
				char *f = pf_xasprintf("DEBIAN/%s", *s);

				add_startup(m, f, strlen(f), CATALOG_STARTUP_DEB);
				free(f);
			}
		}
	}
	if (r != ARCHIVE_EOF)
		rc = arc_fail(a, what, "reading entries", e);
out:
	archive_read_free(a);
	return rc;
}

/* The data.tar member of a deb, read through its enclosing ar archive without a copy. */
static la_ssize_t member_read(struct archive *a, void *ud, const void **buf)
{
	struct archive *outer = ud;
	size_t n = 0;
	la_int64_t off = 0;
	int st = archive_read_data_block(outer, buf, &n, &off);

	if (st == ARCHIVE_EOF)
		return 0;
	if (st != ARCHIVE_OK) {
		archive_set_error(a, EIO, "cannot read the enclosing archive");
		return -1;
	}
	return (la_ssize_t)n;
}

/* .pth files and sitecustomize in the payload (a deb's dist-packages). */
static int deb_data(int fd, const char *path, struct install_meta *m, struct pf_err *e)
{
	struct archive *outer = reader(F_AR), *in = NULL;
	struct archive_entry *ent;
	int r = ARCHIVE_EOF, rc = 0, found = 0;

	if (open_fd(outer, fd) != ARCHIVE_OK) {
		rc = arc_fail(outer, path, "not a readable deb (ar)", e);
		goto out;
	}
	while (!found && (r = archive_read_next_header(outer, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (!name || strncmp(name, "data.tar", 8))
			continue;
		found = 1;
		in = reader(F_TAR | F_COMPRESSED);
		if (archive_read_open(in, outer, NULL, member_read, NULL) != ARCHIVE_OK) {
			rc = arc_fail(in, path, "data.tar is not a readable tar", e);
			goto out;
		}
		rc = scan_entries(in, path, 0, m, e);
	}
	if (!found)
		rc = r != ARCHIVE_EOF ? arc_fail(outer, path, "reading members", e) :
					pf_error(e, PF_EFORMAT, "'%s': no data.tar member", path);
out:
	if (in)
		archive_read_free(in);
	archive_read_free(outer);
	return rc;
}

static int read_deb(int fd, const char *path, struct install_meta *m, struct pf_err *e)
{
	struct archive *in = NULL;
	struct pf_buf tarb = PF_BUF_INIT, b = PF_BUF_INIT;
	char *found = NULL, *what = NULL;
	int rc;

	rc = read_member(fd, path, F_AR, "not a readable deb (ar)", is_control_tar, "control.tar.*", META_MAX_CONTROL,
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
	if (!rc)
		rc = deb_scripts(what, &tarb, m, e);
	if (!rc)
		rc = deb_data(fd, path, m, e);
out:
	free(found);
	free(what);
	pf_buf_release(&tarb);
	pf_buf_release(&b);
	if (in)
		archive_read_free(in);
	return rc;
}

static int read_generic(int fd, const char *path, struct install_meta *m, struct pf_err *e)
{
	struct archive *a = reader(F_TAR | F_COMPRESSED);
	struct archive_entry *ent;
	size_t count = 0;
	int r, rc = 0;

	(void)m;
	if (open_fd(a, fd) != ARCHIVE_OK) {
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

/* What the curator reviews and the catalog records is text a terminal shows as it is. */
static int text_check(const char *path, const struct install_meta *m, struct pf_err *e)
{
	const char *bad = pf_text_check_str(m->name) ? "name" : pf_text_check_str(m->version) ? "version" : NULL;

	for (size_t i = 0; !bad && i < m->ndepends; i++)
		bad = pf_text_check_str(m->depends[i]) ? "a dependency" : NULL;
	for (size_t i = 0; !bad && i < m->nprovides; i++)
		bad = pf_text_check_str(m->provides[i]) ? "a provides entry" : NULL;
	for (size_t i = 0; !bad && i < m->nconflicts; i++)
		bad = pf_text_check_str(m->conflicts[i]) ? "a conflicts entry" : NULL;
	if (!bad && pf_text_check_str(m->license))
		bad = "the license";
	for (size_t i = 0; !bad && i < m->nlicense_classifiers; i++)
		bad = pf_text_check_str(m->license_classifiers[i]) ? "a license classifier" : NULL;
	if (bad)
		return pf_error(e, PF_EFORMAT, "'%s': metadata: %s has control characters or is not UTF-8", path, bad);
	return 0;
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
	int fd, rc;

	memset(m, 0, sizeof *m);
	fd = pf_open_regular(path, 0, NULL, e);
	if (fd < 0)
		return fd;
	rc = install_read_meta_fd(fd, path, format_hint, m, e);
	close(fd);
	return rc;
}

int install_read_meta_fd(int fd, const char *path, const char *format_hint, struct install_meta *m,
			 struct pf_err *e)
{
	const char *fmt = format_hint ? format_hint : install_meta_guess_format(path);
	int rc;

	memset(m, 0, sizeof *m);
	if (!fmt)
		return pf_error(e, PF_EFORMAT, "'%s': unknown artifact type (expected .whl, .tgz, .deb, "
				".tar.gz, .tar.xz or .tar.zst)", path);
	if (!strcmp(fmt, "wheel")) {
		m->ecosystem = "pypi";
		rc = read_wheel(fd, path, m, e);
	} else if (!strcmp(fmt, "npm")) {
		m->ecosystem = "npm";
		rc = read_npm(fd, path, m, e);
	} else if (!strcmp(fmt, "deb")) {
		m->ecosystem = "deb";
		rc = read_deb(fd, path, m, e);
	} else if (!strcmp(fmt, "generic")) {
		m->ecosystem = "generic";
		rc = read_generic(fd, path, m, e);
	} else {
		return pf_error(e, PF_EFORMAT, "'%s': unknown artifact format '%s'", path, fmt);
	}
	m->format = pf_arena_strdup(&m->arena, fmt);
	if (!rc && strcmp(fmt, "generic") && (!m->name || !*m->name || !m->version || !*m->version))
		rc = pf_error(e, PF_EFORMAT, "'%s': metadata has no package name or version", path);
	if (!rc)
		rc = text_check(path, m, e);
	return rc;
}

void install_meta_release(struct install_meta *m)
{
	if (!m)
		return;
	pf_arena_release(&m->arena);
	memset(m, 0, sizeof *m);
}

/* ---- Debian's date of a .deb's version ---- */

#define DATE_MAX_CHANGELOG ((size_t)8 << 20)	/* a changelog.Debian.gz */
#define DATE_MAX_TEXT ((size_t)1 << 20)		/* enough of it for the newest entry */

struct nested {
	struct archive *outer;
	char buf[65536];
};

static la_ssize_t nested_read(struct archive *a, void *ud, const void **buf)
{
	struct nested *n = ud;

	(void)a;
	*buf = n->buf;
	return archive_read_data(n->outer, n->buf, sizeof n->buf);
}

/* The date of the first " -- Name <mail>  DATE" line of a gzip'd changelog; 0, 1 when it has none. */
static int changelog_date(const char *what, const struct pf_buf *gz, time_t *t, struct pf_err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct pf_buf text = PF_BUF_INIT;
	int rc = 1;

	if (!a)
		abort();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, gz->p, gz->len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		rc = arc_fail(a, what, "not a gzip'd changelog", e);
		goto out;
	}
	for (;;) {
		char chunk[65536];
		la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);

		if (n < 0) {
			rc = arc_fail(a, what, "not a gzip'd changelog", e);
			goto out;
		}
		if (!n || text.len >= DATE_MAX_TEXT)
			break;
		pf_buf_add(&text, chunk, (size_t)n);
	}
	for (const char *p = pf_buf_cstr(&text); *p;) {
		const char *nl = strchr(p, '\n'), *mail;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > 4 && !strncmp(p, " -- ", 4) && (mail = memmem(p, len, ">  ", 3))) {
			char *d = pf_xstrndup(mail + 3, len - (size_t)(mail + 3 - p));
			size_t l = strlen(d);

			while (l && (d[l - 1] == ' ' || d[l - 1] == '\r'))
				d[--l] = 0;
			rc = pf_time_parse_rfc2822(d, t) ? pf_error(e, PF_EFORMAT, "'%s': unreadable date '%s' in its "
								  "newest entry", what, d) : 0;
			free(d);
			goto out;
		}
		p += len + (nl ? 1 : 0);
	}
out:
	pf_buf_release(&text);
	archive_read_free(a);
	return rc;
}

int install_deb_date(int fd, const char *path, const char *pkg, const char *arch, char date[PF_DATE_STR],
		     const char **how, struct pf_err *e)
{
	struct archive *outer = reader(F_AR), *inner = NULL;
	struct archive_entry *ent;
	struct nested *nest = NULL;
	struct pf_buf own = PF_BUF_INIT, binnmu = PF_BUF_INIT;
	char *want = pf_xasprintf("usr/share/doc/%s/changelog.Debian.gz", pkg);
	char *want_nmu = pf_xasprintf("usr/share/doc/%s/changelog.Debian.%s.gz", pkg, arch);
	time_t member_time = 0, t = 0;
	size_t count = 0;
	int r, rc = 0, have_member_time = 0, data = 0;

	if (open_fd(outer, fd) != ARCHIVE_OK) {
		rc = arc_fail(outer, path, "not a readable deb (ar)", e);
		goto out;
	}
	while (!data && (r = archive_read_next_header(outer, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (name && !strcmp(name, "debian-binary") && archive_entry_mtime_is_set(ent)) {
			member_time = archive_entry_mtime(ent);
			have_member_time = 1;
		}
		if (!name || strncmp(name, "data.tar", 8))
			continue;
		data = 1;
		nest = pf_xcalloc(1, sizeof *nest);
		nest->outer = outer;
		inner = reader(F_TAR | F_COMPRESSED);
		archive_read_support_filter_bzip2(inner);
		if (archive_read_open(inner, nest, NULL, nested_read, NULL) != ARCHIVE_OK) {
			rc = arc_fail(inner, path, "its data.tar is unreadable", e);
			goto out;
		}
		while ((r = archive_read_next_header(inner, &ent)) == ARCHIVE_OK) {
			const char *n = archive_entry_pathname(ent);
			struct pf_buf *to = NULL;

			if (++count > META_MAX_ENTRIES) {
				rc = pf_error(e, PF_EFORMAT, "'%s': more than %d entries", path, META_MAX_ENTRIES);
				goto out;
			}
			if (n && n[0] == '.' && n[1] == '/')
				n += 2;
			if (!n || archive_entry_filetype(ent) != AE_IFREG)
				continue;
			if (!strcmp(n, want) && !own.len)
				to = &own;
			else if (!strcmp(n, want_nmu) && !binnmu.len)
				to = &binnmu;
			if (to) {
				rc = read_entry(inner, ent, path, DATE_MAX_CHANGELOG, 0, to, e);
				if (rc)
					goto out;
			}
		}
		if (r != ARCHIVE_EOF) {
			rc = arc_fail(inner, path, "reading its data.tar", e);
			goto out;
		}
	}
	if (!data) {
		rc = pf_error(e, PF_EFORMAT, "'%s': a deb without data.tar", path);
		goto out;
	}
	rc = 1;
	if (binnmu.len) {	/* a binNMU's own entry is newer than the source changelog's */
		char *what = pf_xasprintf("%s: %s", path, want_nmu);

		rc = changelog_date(what, &binnmu, &t, e);
		free(what);
		*how = "changelog";
	}
	if (rc == 1 && own.len) {
		char *what = pf_xasprintf("%s: %s", path, want);

		rc = changelog_date(what, &own, &t, e);
		free(what);
		*how = "changelog";
	}
	if (rc == 1 && have_member_time && member_time > 0) {
		t = member_time;
		*how = "member time";
		rc = 0;
	}
	if (rc == 1)
		rc = pf_error(e, PF_EFORMAT, "'%s': no changelog of its own and no member timestamp to date it", path);
	if (!rc)
		pf_date_format(t, date);
out:
	if (inner)
		archive_read_free(inner);
	archive_read_free(outer);
	free(nest);
	free(want);
	free(want_nmu);
	pf_buf_release(&own);
	pf_buf_release(&binnmu);
	return rc;
}
