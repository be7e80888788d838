/* SPDX-License-Identifier: MIT */
/*
 * The npm installer: package/ into (usr/local/)lib/node_modules/NAME, bin
 * links, lifecycle scripts recorded, never run. npm nests: when a build holds
 * several versions of a name, one is at the top and the others live under
 * node_modules/.pinfold/, linked from the packages that need them.
 */
#include <stdlib.h>
#include <string.h>

#include "install/json.h"
#include "install/stage.h"
#include "solve/solve.h"

#define MAX_PACKAGE_JSON ((size_t)4 << 20)

/* One segment of an npm name: what the registry allows, and never '.' or '..'. */
static int segment_ok(const char *s, size_t n)
{
	if (!n || n > 214 || s[0] == '.' || s[0] == '_')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~", s[i]))
			return 0;
	return 1;
}

static int name_ok(const char *name)
{
	const char *slash = strchr(name, '/');

	if (name[0] == '@')
		return slash && segment_ok(name + 1, (size_t)(slash - name - 1)) &&
		       segment_ok(slash + 1, strlen(slash + 1));
	return !slash && segment_ok(name, strlen(name));
}

/* A bin target inside the package: relative, no '..', normalised ("./x" -> "x"). */
static char *bin_target(const char *t)
{
	struct pf_buf b = PF_BUF_INIT;

	if (!t || !*t || t[0] == '/' || strlen(t) > 1024 || install_name_ok(t, strlen(t)) || strchr(t, '\\'))
		return NULL;
	for (const char *p = t; *p;) {
		const char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);

		if (n == 2 && !memcmp(p, "..", 2)) {
			pf_buf_release(&b);
			return NULL;
		}
		if (n && !(n == 1 && *p == '.')) {
			if (b.len)
				pf_buf_addc(&b, '/');
			pf_buf_add(&b, p, n);
		}
		p += n;
		if (*p)
			p++;
	}
	if (!b.len)
		return NULL;
	return pf_buf_detach(&b, NULL);
}

static int bin_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 255 && !strchr(s, '/') && !strchr(s, '\\') && strcmp(s, ".") && strcmp(s, "..") &&
	       s[0] != '.' && !install_name_ok(s, n) && strcmp(s, "activate");
}

/* A bin of the package: made executable; linked into bindir only for the version at the top. */
static int link_bin(struct install_ctx *x, const char *file, const char *base, const char *bname,
		    const char *target, int top, struct pf_err *e)
{
	char *t, *full = NULL, *dest = NULL, *rel = NULL;
	int owner = -1, rc;

	if (!bin_name_ok(bname))
		return pf_error(e, PF_EUNSAFE, "'%s': package.json: bin name '%s' is not a safe file name", file, bname);
	t = bin_target(target);
	if (!t)
		return pf_error(e, PF_EUNSAFE, "'%s': package.json: bin '%s': target '%s' is not inside the package",
				file, bname, target ? target : "");
	full = pf_xasprintf("%s/%s", base, t);
	if (stage_lookup(x, full, &owner) != STAGE_FILE || owner != STAGE_OWNER) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': package.json: bin '%s': '%s' is not a regular file of the package",
			      file, bname, t);
		goto out;
	}
	/* npm makes bin targets executable; so do we (the only mode pinfold grants). */
	rc = stage_chmod(x, full, 0755, e);
	if (rc || !top)
		goto out;
	/* bindir and npmdir are siblings in both layouts (bin/, lib/ and usr/local/bin, usr/local/lib). */
	dest = pf_xasprintf("%s/%s", x->bindir, bname);
	rel = pf_xasprintf("../%s", full + (strlen(x->bindir) - 3));
	rc = stage_symlink(x, dest, rel, e);
out:
	free(t);
	free(full);
	free(dest);
	free(rel);
	return rc;
}

/* What npm runs when it installs a registry tarball ("prepare" is only for git and local sources). */
static const char *const lifecycle[] = { "preinstall", "install", "postinstall", NULL };

static int version_segment_ok(const char *v);

/* The planned node of name@version, or NULL (install_artifact installs one package at the top). */
static struct npm_node *find_node(struct install_ctx *x, const char *name, const char *version)
{
	for (size_t i = 0; i < x->nnpm; i++)
		if (!strcmp(x->npm[i].name, name) && !strcmp(x->npm[i].version, version))
			return &x->npm[i];
	return NULL;
}

/*
 * What the package asks Node to find: dependencies ('d'), and optional and
 * peer dependencies ('o': linked when a version here meets them). Bundled
 * ones ship inside the tarball.
 */
static int record_deps(struct npm_node *nd, const char *file, const struct install_json *root, struct pf_err *e)
{
	static const char *const fields[] = { "dependencies", "optionalDependencies", "peerDependencies" };
	const struct install_json *opt = install_json_get(root, "optionalDependencies");

	for (size_t f = 0; f < 3; f++) {
		const struct install_json *d = install_json_get(root, fields[f]);

		if (!d || d->type == INSTALL_J_NULL)
			continue;
		if (d->type != INSTALL_J_OBJ)
			return pf_error(e, PF_EFORMAT, "'%s': package.json: %s must be an object", file, fields[f]);
		for (size_t i = 0; i < d->n; i++) {
			if (d->vals[i]->type != INSTALL_J_STR)
				return pf_error(e, PF_EFORMAT, "'%s': package.json: %s: '%s' has no version string",
						file, fields[f], d->keys[i]);
			if (install_json_npm_bundles(root, d->keys[i]) || !name_ok(d->keys[i]) || strchr(d->vals[i]->str, '\t'))
				continue;
			pf_strv_push_owned(&nd->deps, pf_xasprintf("%s\t%s\t%c", d->keys[i],
							       d->vals[i]->str[0] ? d->vals[i]->str : "*",
							       f || install_json_get(opt, d->keys[i]) ? 'o' : 'd'));
		}
	}
	return 0;
}

int install_npm(struct install_ctx *x, const char *name, const char *version, const char *file, const char *path,
		struct pf_err *e)
{
	struct npm_node *nd = find_node(x, name, version);
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	struct pf_buf pj = PF_BUF_INIT, scripts = PF_BUF_INIT;
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *root = NULL;
	const struct install_json *bin, *sc;
	char *base = NULL, *dest = NULL, *hl = NULL;
	int rc, gyp = 0;

	if (!name_ok(name))
		return pf_error(e, PF_EUNSAFE, "'%s': '%s' is not a safe npm package name", file, name);
	if (nd && !nd->top && !version_segment_ok(version))
		return pf_error(e, PF_EUNSAFE, "'%s': version '%s' of %s cannot name a directory", file, version, name);
	base = nd ? pf_xstrdup(nd->base) : pf_xasprintf("%s/%s", x->npmdir, name);
	stage_reader_opts(x, &o, file, INSTALL_FMT_TAR | INSTALL_FILTER_GZIP, 1);
	rc = install_reader_open(&r, path, &o, e);
	if (!rc)
		rc = stage_mkdir(x, base, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		free(dest);
		free(hl);
		dest = pf_xasprintf("%s/%s", base, ent.path);
		hl = ent.type == INSTALL_E_HARDLINK ? pf_xasprintf("%s/%s", base, ent.target) : NULL;
		if (!strcmp(ent.path, "binding.gyp"))
			gyp = 1;
		if (ent.type == INSTALL_E_FILE && !strcmp(ent.path, "package.json")) {
			rc = install_reader_slurp(r, MAX_PACKAGE_JSON, &pj, e);
			if (!rc)
				rc = stage_write(x, dest, ent.mode, pj.p, pj.len, NULL, e);
			continue;
		}
		rc = stage_entry(x, r, &ent, dest, hl, e);
	}
	if (rc)
		goto out;
	if (!pj.len) {
		rc = pf_error(e, PF_EFORMAT, "'%s': no package.json in the tarball's top directory", file);
		goto out;
	}
	rc = install_json_parse(&a, file, pj.p, pj.len, &root, e);
	if (rc)
		goto out;
	if (root->type != INSTALL_J_OBJ) {
		rc = pf_error(e, PF_EFORMAT, "'%s': package.json is not a JSON object", file);
		goto out;
	}
	sc = install_json_get(root, "scripts");
	for (const char *const *l = lifecycle; *l; l++) {
		const struct install_json *s = install_json_get(sc, *l);

		if (s && s->type == INSTALL_J_STR) {
			if (scripts.len)
				pf_buf_addc(&scripts, ',');
			pf_buf_adds(&scripts, *l);
		}
	}
	/* npm runs "node-gyp rebuild" for a binding.gyp without install scripts. */
	if (gyp && !install_json_get(sc, "install") && !install_json_get(sc, "preinstall"))
		pf_buf_adds(&scripts, scripts.len ? ",install (node-gyp rebuild)" : "install (node-gyp rebuild)");
	if (scripts.len)
	{
		pthread_mutex_lock(&x->mu);
		pf_strv_push_owned(&x->npm_scripts, pf_xasprintf("%s\t%s", stage_owner_name(x), scripts.p));
		pthread_mutex_unlock(&x->mu);
	}
	if (nd) {
		rc = record_deps(nd, file, root, e);
		if (rc)
			goto out;
	}
	bin = install_json_get(root, "bin");
	if (bin && bin->type == INSTALL_J_STR) {
		const char *bn = name[0] == '@' ? strchr(name, '/') + 1 : name;

		rc = link_bin(x, file, base, bn, bin->str, !nd || nd->top, e);
	} else if (bin && bin->type == INSTALL_J_OBJ) {
		for (size_t i = 0; i < bin->n && !rc; i++) {
			if (bin->vals[i]->type != INSTALL_J_STR) {
				rc = pf_error(e, PF_EFORMAT, "'%s': package.json: bin '%s' is not a string", file,
					      bin->keys[i]);
				break;
			}
			rc = link_bin(x, file, base, bin->keys[i], bin->vals[i]->str, !nd || nd->top, e);
		}
	} else if (bin && bin->type != INSTALL_J_NULL) {
		rc = pf_error(e, PF_EFORMAT, "'%s': package.json: bin must be a string or an object", file);
	}
out:
	install_reader_close(r);
	pf_buf_release(&pj);
	pf_buf_release(&scripts);
	pf_arena_release(&a);
	free(base);
	free(dest);
	free(hl);
	return rc;
}

/* A version that can be one path segment of node_modules/.pinfold/NAME@VERSION. */
static int version_segment_ok(const char *v)
{
	size_t n = strlen(v);

	return n && n <= 128 && v[0] != '.' && strspn(v, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_") == n;
}

/* a before b at the top of node_modules: asked for by the image, then the higher version */
static int better(const struct npm_node *a, const struct npm_node *b)
{
	if (a->requested != b->requested)
		return a->requested > b->requested;
	return solve_version_cmp("npm", a->version, b->version) > 0;
}

void npm_plan(struct install_ctx *x, const struct install_pkg *pkgs, size_t n, int owner0)
{
	npm_free(x);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pkgs[i].format, "npm"))
			x->nnpm++;
	x->npm = pf_xcalloc(x->nnpm ? x->nnpm : 1, sizeof *x->npm);
	x->nnpm = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pkgs[i].format, "npm"))
			continue;
		x->npm[x->nnpm++] = (struct npm_node){ .name = pkgs[i].name, .version = pkgs[i].version,
						       .owner = owner0 + (int)i, .requested = pkgs[i].requested,
						       .deps = PF_STRV_INIT };
	}
	for (size_t i = 0; i < x->nnpm; i++) {
		struct npm_node *a = &x->npm[i];
		char *flat;

		a->top = 1;
		for (size_t j = 0; j < x->nnpm && a->top; j++)
			if (j != i && !strcmp(x->npm[j].name, a->name) &&
			    (better(&x->npm[j], a) || (!better(a, &x->npm[j]) && j < i)))
				a->top = 0;
		if (a->top) {
			a->base = pf_xasprintf("%s/%s", x->npmdir, a->name);
			continue;
		}
		/* install_npm refuses an unsafe name or version before anything is written */
		flat = pf_xstrdup(a->name);
		for (char *c = flat; (c = strchr(c, '/'));)
			*c = '+';
		a->base = pf_xasprintf("%s/.pinfold/%s@%s/node_modules/%s", x->npmdir, flat, a->version, a->name);
		free(flat);
	}
}

/* version meets range (a range npm's semver cannot read counts as met by what is at the top) */
static int meets(const char *version, const char *range, int top)
{
	int r = solve_version_in_range("npm", version, range, NULL);

	return r < 0 ? top : r;
}

/* The relative target of a link at dir/NAME (dir relative to the root) to base. */
static char *relative(const char *dir, const char *base)
{
	struct pf_buf b = PF_BUF_INIT;
	size_t common = 0, i = 0;

	/* the longest common prefix of whole components */
	for (;; i++) {
		if ((dir[i] == '\0' || dir[i] == '/') && (base[i] == '/' || base[i] == '\0'))
			common = i;
		if (!dir[i] || !base[i] || dir[i] != base[i])
			break;
	}
	if (!common && *dir)
		pf_buf_adds(&b, "../");
	for (const char *c = dir + common; *c; c++)
		if (*c == '/')
			pf_buf_adds(&b, "../");
	pf_buf_adds(&b, base + common + (base[common] == '/'));
	return pf_buf_detach(&b, NULL);
}

int npm_link(struct install_ctx *x, struct pf_err *e)
{
	int rc = 0;

	for (size_t i = 0; i < x->nnpm && !rc; i++) {
		struct npm_node *a = &x->npm[i];

		install_tl_owner = a->owner;
		for (size_t k = 0; k < a->deps.n && !rc; k++) {
			char *dn = pf_xstrdup(a->deps.v[k]), *range = strchr(dn, '\t'), *kind = strrchr(dn, '\t');
			const struct npm_node *top = NULL, *best = NULL;

			*range++ = '\0';
			*kind++ = '\0';
			for (size_t j = 0; j < x->nnpm; j++) {
				const struct npm_node *c = &x->npm[j];

				if (strcmp(c->name, dn))
					continue;
				if (c->top)
					top = c;
				else if (meets(c->version, range, 0) == 1 &&
					 (!best || solve_version_cmp("npm", c->version, best->version) > 0))
					best = c;
			}
			if (!strcmp(dn, a->name) || (top && meets(top->version, range, 1))) {
				/* found where Node looks last, the top of node_modules */
			} else if (best) {
				char *dir = pf_xasprintf("%s/node_modules", a->base);
				char *link = pf_xasprintf("%s/%s", dir, dn);
				char *target, *ldir = pf_xstrdup(link);

				*strrchr(ldir, '/') = '\0';
				target = relative(ldir, best->base);
				rc = stage_symlink(x, link, target, e);
				free(target);
				free(ldir);
				free(link);
				free(dir);
			} else if (*kind == 'd') {
				rc = pf_error(e, PF_EUNSOLVABLE, "'npm:%s %s': depends on %s %s, and no version of %s in "
					      "this build meets it", a->name, a->version, dn, range, dn);
			}
			free(dn);
		}
	}
	install_tl_owner = 0;
	return rc;
}

void npm_free(struct install_ctx *x)
{
	for (size_t i = 0; i < x->nnpm; i++) {
		free(x->npm[i].base);
		pf_strv_release(&x->npm[i].deps);
	}
	free(x->npm);
	x->npm = NULL;
	x->nnpm = 0;
}
