/* SPDX-License-Identifier: MIT */
/* The startup-code rules shared by 'catalog add' (archive paths) and the installers (staged paths). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/yaml.h"
#include "install/stage.h"
#include "install/startup.h"

/*
 * What npm runs when it installs a package from a registry tarball, the only
 * kind pinfold installs. prepare (and pre/postprepare) runs only for git and
 * local-directory sources and at the package's own development install, so
 * it is not counted: many packages (axios, yargs) carry one for their builds.
 */
const char *const install_npm_startup_scripts[] = { "preinstall", "install", "postinstall", NULL };

static int comp_is(const char *s, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(s, want, n);
}

/* "pythonX" or "pythonX.Y": Python's own lib directory, where sitecustomize is found too. */
static int python_dir(const char *s, size_t n)
{
	size_t i = 6;

	if (n < 7 || memcmp(s, "python", 6))
		return 0;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
		i++;
	return i == n;
}

/* dir (n bytes, no trailing '/') is a site directory: where site.py reads .pth files. */
static int site_dir(const char *dir, size_t n, int wheel)
{
	const char *base = dir + n;

	if (wheel && n == 0)
		return 1;	/* a wheel's root is purelib/platlib */
	while (base > dir && base[-1] != '/')
		base--;
	if (comp_is(base, (size_t)(dir + n - base), "site-packages") ||
	    comp_is(base, (size_t)(dir + n - base), "dist-packages"))
		return 1;
	if (wheel && (comp_is(base, (size_t)(dir + n - base), "purelib") ||
		      comp_is(base, (size_t)(dir + n - base), "platlib"))) {
		/* NAME.data/purelib: exactly two components */
		const char *slash = memchr(dir, '/', n);

		return slash && slash + 1 == base && slash - dir > 5 && !memcmp(slash - 5, ".data", 5);
	}
	return 0;
}

/* dir is where Python looks for sitecustomize: a site directory or lib/pythonX.Y. */
static int module_dir(const char *dir, size_t n, int wheel)
{
	const char *base = dir + n;

	if (site_dir(dir, n, wheel))
		return 1;
	while (base > dir && base[-1] != '/')
		base--;
	return base - dir >= 4 && !memcmp(base - 4, "lib/", 4) && python_dir(base, (size_t)(dir + n - base));
}

/* name (a component) is the module m: m.py, m.pyc, m.<tag>.so, m.so, or the package directory m. */
static int module_is(const char *name, size_t n, const char *m, int is_pkg_dir)
{
	size_t ml = strlen(m);

	if (n < ml || memcmp(name, m, ml))
		return 0;
	if (n == ml)
		return is_pkg_dir;
	if (name[ml] != '.')
		return 0;
	return comp_is(name + ml, n - ml, ".py") || comp_is(name + ml, n - ml, ".pyc") ||
	       (n >= ml + 3 && !memcmp(name + n - 3, ".so", 3));
}

const char *install_startup_path_kind(const char *path, int wheel)
{
	static const char *const mods[] = { "sitecustomize", "usercustomize", NULL };
	const char *kinds[] = { CATALOG_STARTUP_SITECUSTOMIZE, CATALOG_STARTUP_USERCUSTOMIZE };
	size_t len = strlen(path);
	const char *name, *p;

	while (len && path[len - 1] == '/')
		len--;
	name = path + len;
	while (name > path && name[-1] != '/')
		name--;
	/* a .pth directly in a site directory */
	if ((size_t)(path + len - name) > 4 && !memcmp(path + len - 4, ".pth", 4) &&
	    site_dir(path, name > path ? (size_t)(name - 1 - path) : 0, wheel))
		return CATALOG_STARTUP_PTH;
	/* the module file (m.py, m.pyc, m.*.so), or its package's __init__ */
	p = name;
	if (comp_is(name, (size_t)(path + len - name), "__init__.py") ||
	    comp_is(name, (size_t)(path + len - name), "__init__.pyc")) {
		if (name == path)
			return NULL;
		p = name - 1;
		while (p > path && p[-1] != '/')
			p--;
	}
	for (int m = 0; mods[m]; m++)
		if (module_is(p, (size_t)(p == name ? path + len - name : name - 1 - p), mods[m], p != name) &&
		    module_dir(path, p > path ? (size_t)(p - 1 - path) : 0, wheel))
			return kinds[m];
	return NULL;
}

int install_pth_runs(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		size_t n = 0;

		while (p + n < end && p[n] != '\n' && p[n] != '\r')
			n++;
		if (n > 6 && !memcmp(p, "import", 6) && (p[6] == ' ' || p[6] == '\t'))
			return 1;
		p += n;
		if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
			p++;
		if (p < end)
			p++;
	}
	return 0;
}

#define MAX_PTH ((size_t)1 << 20)

/* A staged file's bytes (f->size of them) from its spool into buf: 1 when read whole. */
static int fetch_spool(struct install_ctx *x, const struct install_file *f, char *buf)
{
	int fd = install_spool_fd(x, f->spool);
	size_t got = 0;

	while (fd >= 0 && got < f->size) {
		ssize_t r = pread(fd, buf + got, (size_t)f->size - got, (off_t)(f->off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return fd >= 0;
}

/* A staged .pth's bytes, from its spool; 1 when it runs code (or is too long to tell). */
static int staged_pth_runs(struct install_ctx *x, const struct install_file *f)
{
	char *buf;
	int runs = 1;

	if (f->size > MAX_PTH)
		return 1;
	buf = pf_xmalloc(f->size ? (size_t)f->size : 1);
	if (fetch_spool(x, f, buf))
		runs = install_pth_runs(buf, (size_t)f->size);
	free(buf);
	return runs;
}

struct found {
	const char *file, *kind;
	int owner;
};

static int found_cmp(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->file, ((const struct found *)b)->file);
}

int install_startup_record(struct install_ctx *x, struct pf_err *e)
{
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *root, *list;
	struct pf_buf b = PF_BUF_INIT;
	struct found *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	for (size_t i = 0; i < x->nfiles; i++) {
		const struct install_file *f = &x->files[i];
		const char *kind;

		if (!f->owner || f->kind == INSTALL_DIR)
			continue;
		kind = install_startup_path_kind(f->path, 0);
		if (!kind || (!strcmp(kind, CATALOG_STARTUP_PTH) && f->kind == INSTALL_FILE && !staged_pth_runs(x, f)))
			continue;
		PF_GROW(v, n + 1, cap);
		v[n++] = (struct found){ f->path, kind, f->owner };
	}
	pf_qsort(v, n, sizeof *v, found_cmp);
	root = pf_yw_map(&w);
	pf_yw_set_str(&w, root, "note", "files here that run code when Python starts; reviewed in the catalog");
	list = pf_yw_seq(&w);
	for (size_t i = 0; i < n; i++) {
		struct pf_ynode *m = pf_yw_map(&w);

		pf_yw_set_str(&w, m, "package", x->owner_names.v[v[i].owner]);
		pf_yw_set_str(&w, m, "file", v[i].file);
		pf_yw_set_str(&w, m, "kind", v[i].kind);
		pf_yw_push(&w, list, m);
	}
	pf_yw_set(&w, root, "startup", list);
	pf_yaml_emit(root, &b);
	rc = stage_write(x, INSTALL_STARTUP_PATH, 0644, b.p, b.len, NULL, e);
	free(v);
	pf_buf_release(&b);
	pf_yw_release(&w);
	return rc;
}

static void json_str(struct pf_buf *b, const char *s)
{
	pf_buf_addc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			pf_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			pf_buf_addf(b, "\\u%04x", *p);
		else
			pf_buf_addc(b, (char)*p);
	}
	pf_buf_addc(b, '"');
}

int install_startup_parse(const char *label, const char *data, size_t len, struct pf_strv *lines,
			  struct pf_buf *json, struct pf_err *e)
{
	static const char *const top[] = { "note", "startup", NULL };
	static const char *const ent[] = { "package", "file", "kind", NULL };
	struct pf_ydoc d;
	const struct pf_ynode *list = NULL;
	int rc;

	rc = pf_yaml_parse(&d, label, data, len, e);
	if (rc)
		return rc;
	rc = pf_y_check_map(&d, d.root, "startup record", top, NULL, e);
	if (!rc)
		rc = pf_y_seq(&d, d.root, "startup", &list, e);
	if (json)
		pf_buf_addc(json, '[');
	for (size_t i = 0; !rc && list && i < list->n; i++) {
		const char *pkg = NULL, *file = NULL, *kind = NULL;

		if ((rc = pf_y_check_map(&d, list->vals[i], "startup entry", ent, ent, e)) ||
		    (rc = pf_y_str(&d, list->vals[i], "package", &pkg, e)) ||
		    (rc = pf_y_str(&d, list->vals[i], "file", &file, e)) ||
		    (rc = pf_y_str(&d, list->vals[i], "kind", &kind, e)))
			break;
		if (!catalog_startup_kind_ok(kind)) {
			rc = pf_y_fail(&d, list->vals[i], e, PF_EFORMAT, "unknown startup kind '%s'", kind);
			break;
		}
		pf_strv_push_owned(lines, pf_xasprintf("%s: %s (%s)", pkg, file, kind));
		if (json) {
			pf_buf_adds(json, i ? ",{\"package\":" : "{\"package\":");
			json_str(json, pkg);
			pf_buf_adds(json, ",\"file\":");
			json_str(json, file);
			pf_buf_adds(json, ",\"kind\":");
			json_str(json, kind);
			pf_buf_addc(json, '}');
		}
	}
	if (json)
		pf_buf_addc(json, ']');
	pf_ydoc_release(&d);
	return rc;
}
