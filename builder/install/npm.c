/* SPDX-License-Identifier: MIT */
/* The npm installer: package/ into (usr/local/)lib/node_modules/NAME, bin links, lifecycle scripts recorded, never run. */
#include <stdlib.h>
#include <string.h>

#include "install/json.h"
#include "install/stage.h"

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

static int link_bin(struct install_ctx *x, const char *file, const char *base, const char *bname,
		    const char *target, struct pf_err *e)
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
	if (rc)
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

int install_npm(struct install_ctx *x, const char *name, const char *file, const char *path, struct pf_err *e)
{
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
	base = pf_xasprintf("%s/%s", x->npmdir, name);
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
		rc = pf_error(e, PF_EFORMAT, "'%s': no package/package.json", file);
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
	bin = install_json_get(root, "bin");
	if (bin && bin->type == INSTALL_J_STR) {
		const char *bn = name[0] == '@' ? strchr(name, '/') + 1 : name;

		rc = link_bin(x, file, base, bn, bin->str, e);
	} else if (bin && bin->type == INSTALL_J_OBJ) {
		for (size_t i = 0; i < bin->n && !rc; i++) {
			if (bin->vals[i]->type != INSTALL_J_STR) {
				rc = pf_error(e, PF_EFORMAT, "'%s': package.json: bin '%s' is not a string", file,
					      bin->keys[i]);
				break;
			}
			rc = link_bin(x, file, base, bin->keys[i], bin->vals[i]->str, e);
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
