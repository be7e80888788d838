/* SPDX-License-Identifier: MIT */
/* npm: installed package.json, package-lock/shrinkwrap, pnpm and yarn lockfiles, and npm's cache index. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/yaml.h"
#include "install/json.h"
#include "watch/detect.h"

static const char *jstr(const struct install_json *o, const char *key)
{
	const struct install_json *v = install_json_get(o, key);

	return v && v->type == INSTALL_J_STR ? v->str : NULL;
}

static void add_npm(struct watch_findings *f, const char *name, const char *version, const char *path,
		    const char *source, const char *format)
{
	if (watch_detect_token_ok(name) && watch_detect_token_ok(version))
		watch_findings_add(f, "npm", name, version, path, source, format);
}

int watch_detect_package_json(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e)
{
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *root;
	int rc = install_json_parse(&a, path, data, len, &root, e);

	if (!rc && root->type != INSTALL_J_OBJ)
		rc = pf_error(e, PF_EFORMAT, "'%s': a package.json is a JSON object", path);
	if (!rc)
		add_npm(f, jstr(root, "name"), jstr(root, "version"), path, "installed", "node_modules");
	pf_arena_release(&a);
	return rc;
}

/* lockfileVersion 1: "dependencies": {NAME: {version, dependencies: {...}}}, nested. */
static int lock_v1(struct watch_findings *f, const char *path, const struct install_json *deps, const char *format,
		   struct pf_err *e)
{
	if (deps->type != INSTALL_J_OBJ)
		return pf_error(e, PF_EFORMAT, "'%s': \"dependencies\" is not an object", path);
	for (size_t i = 0; i < deps->n; i++) {
		const struct install_json *d = deps->vals[i], *sub;
		const char *v = jstr(d, "version"), *name = deps->keys[i];
		char *alias = NULL;
		int rc;

		if (d->type != INSTALL_J_OBJ)
			return pf_error(e, PF_EFORMAT, "'%s': dependency '%s' is not an object", path, name);
		/* an alias: "version": "npm:real-name@1.2.3" */
		if (v && !strncmp(v, "npm:", 4)) {
			const char *at = strchr(v + 5, '@');

			if (at) {
				alias = pf_xstrndup(v + 4, (size_t)(at - v - 4));
				name = alias;
				v = at + 1;
			}
		}
		add_npm(f, name, v, path, "lockfile", format);
		free(alias);
		sub = install_json_get(d, "dependencies");
		if (sub && (rc = lock_v1(f, path, sub, format, e)))
			return rc;
	}
	return 0;
}

int watch_detect_package_lock(struct watch_findings *f, const char *path, const char *data, size_t len,
			const char *format, struct pf_err *e)
{
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *root;
	const struct install_json *pkgs, *deps;
	int rc = install_json_parse(&a, path, data, len, &root, e);

	if (rc)
		goto out;
	if (root->type != INSTALL_J_OBJ) {
		rc = pf_error(e, PF_EFORMAT, "'%s': a lockfile is a JSON object", path);
		goto out;
	}
	pkgs = install_json_get(root, "packages");
	deps = install_json_get(root, "dependencies");
	if (pkgs) {
		if (pkgs->type != INSTALL_J_OBJ) {
			rc = pf_error(e, PF_EFORMAT, "'%s': \"packages\" is not an object", path);
			goto out;
		}
		for (size_t i = 0; i < pkgs->n; i++) {
			const struct install_json *p = pkgs->vals[i], *link;
			const char *key = pkgs->keys[i], *nm = NULL, *name;

			if (p->type != INSTALL_J_OBJ) {
				rc = pf_error(e, PF_EFORMAT, "'%s': package '%s' is not an object", path, key);
				goto out;
			}
			/* "" is the project; keys without node_modules/ are workspaces; links are not installs */
			for (const char *s = key; (s = strstr(s, "node_modules/")); s++)
				nm = s;
			link = install_json_get(p, "link");
			if (!nm || (link && link->type == INSTALL_J_BOOL && !strcmp(link->str, "true")))
				continue;
			name = jstr(p, "name") ? jstr(p, "name") : nm + strlen("node_modules/");
			add_npm(f, name, jstr(p, "version"), path, "lockfile", format);
		}
	} else if (deps) {
		rc = lock_v1(f, path, deps, format, e);
	}
out:
	pf_arena_release(&a);
	return rc;
}

/* "name@version(peers)" (v6, v9; a leading '/' in v6) or "/name/version_peers" (v5 and older). */
static void pnpm_key(struct watch_findings *f, const char *path, const char *key, int v5)
{
	char *k = pf_xstrdup(key[0] == '/' ? key + 1 : key), *at, *paren = strchr(k, '(');

	if (paren)
		*paren = '\0';
	at = !v5 && k[0] ? strchr(k + 1, '@') : NULL;
	if (at) {
		*at = '\0';
		add_npm(f, k, at + 1, path, "lockfile", "pnpm-lock.yaml");
	} else {
		char *slash = strrchr(k, '/'), *us;

		if (slash) {
			*slash = '\0';
			us = strchr(slash + 1, '_');
			if (us)
				*us = '\0';
			add_npm(f, k, slash + 1, path, "lockfile", "pnpm-lock.yaml");
		}
	}
	free(k);
}

int watch_detect_pnpm_lock(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e)
{
	struct pf_ydoc d;
	const struct pf_ynode *pkgs, *ver;
	int rc, v5;

	memset(&d, 0, sizeof d);
	rc = pf_yaml_parse(&d, path, data, len, e);
	if (rc)
		goto out;
	if (!d.root || d.root->type != PF_Y_MAP) {
		rc = pf_error(e, PF_EFORMAT, "'%s': a pnpm lockfile is a YAML mapping", path);
		goto out;
	}
	/* lockfileVersion 5.x (and older) keys are "/name/version", later ones "name@version" */
	ver = pf_y_get(d.root, "lockfileVersion");
	v5 = ver && ver->type == PF_Y_SCALAR && ver->str[0] >= '1' && ver->str[0] <= '5' && ver->str[1] != '0' &&
	     (ver->str[1] == '.' || !ver->str[1]);
	pkgs = pf_y_get(d.root, "packages");
	if (pkgs && pkgs->type != PF_Y_MAP) {
		rc = pf_y_fail(&d, pkgs, e, PF_EFORMAT, "'packages' is not a mapping");
		goto out;
	}
	for (size_t i = 0; pkgs && i < pkgs->n; i++)
		pnpm_key(f, path, pkgs->keys[i]->str, v5);
out:
	pf_ydoc_release(&d);
	return rc;
}

/* The package name of a yarn descriptor ("axios@^1.7.0", "@s/n@npm:^1", quoted or not). */
static char *yarn_name(const char *desc, size_t n)
{
	const char *at;

	while (n && (*desc == '"' || *desc == ' ')) {
		desc++;
		n--;
	}
	at = n > 1 ? memchr(desc + 1, '@', n - 1) : NULL;
	return at ? pf_xstrndup(desc, (size_t)(at - desc)) : NULL;
}

static int yarn_berry(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e)
{
	struct pf_ydoc d;
	int rc;

	memset(&d, 0, sizeof d);
	rc = pf_yaml_parse(&d, path, data, len, e);
	if (!rc && (!d.root || d.root->type != PF_Y_MAP))
		rc = pf_error(e, PF_EFORMAT, "'%s': a yarn lockfile is a YAML mapping", path);
	for (size_t i = 0; !rc && i < d.root->n; i++) {
		const char *key = d.root->keys[i]->str;
		const struct pf_ynode *v = pf_y_get(d.root->vals[i], "version");
		char *name;

		if (!strcmp(key, "__metadata"))
			continue;
		if (d.root->vals[i]->type != PF_Y_MAP) {
			rc = pf_y_fail(&d, d.root->vals[i], e, PF_EFORMAT, "entry '%s' is not a mapping", key);
			break;
		}
		name = yarn_name(key, strcspn(key, ","));
		if (name && v && v->type == PF_Y_SCALAR)
			add_npm(f, name, v->str, path, "lockfile", "yarn.lock");
		free(name);
	}
	pf_ydoc_release(&d);
	return rc;
}

/* yarn.lock v1: "desc, desc:" headers at column 0, "  version "x"" inside. */
static int yarn_classic(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e)
{
	char *name = NULL;
	size_t lineno = 0;
	int rc = 0;

	for (size_t i = 0; i < len && !rc;) {
		const char *line = data + i, *end = memchr(line, '\n', len - i);
		size_t ll = end ? (size_t)(end - line) : len - i;

		i += ll + 1;
		lineno++;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!ll || line[0] == '#')
			continue;
		if (memchr(line, '\0', ll)) {
			rc = pf_error(e, PF_EFORMAT, "%s:%zu: a NUL byte", path, lineno);
			break;
		}
		if (line[0] != ' ') {
			free(name);
			name = NULL;
			if (line[ll - 1] != ':') {
				rc = pf_error(e, PF_EFORMAT, "%s:%zu: an entry header must end with ':'", path, lineno);
				break;
			}
			name = yarn_name(line, strcspn(line, ",:\n"));
			continue;
		}
		if (ll > 10 && !memcmp(line, "  version ", 10)) {
			const char *v = line + 10;
			size_t vl = ll - 10;

			if (!name) {
				rc = pf_error(e, PF_EFORMAT, "%s:%zu: 'version' outside an entry", path, lineno);
				break;
			}
			if (*v == '"') {
				if (vl < 2 || v[vl - 1] != '"') {
					rc = pf_error(e, PF_EFORMAT, "%s:%zu: unterminated quote", path, lineno);
					break;
				}
				v++;
				vl -= 2;
			}
			{
				char *ver = pf_xstrndup(v, vl);

				add_npm(f, name, ver, path, "lockfile", "yarn.lock");
				free(ver);
			}
		}
	}
	free(name);
	return rc;
}

int watch_detect_yarn_lock(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e)
{
	/* berry writes "__metadata:" at the top level; classic files are not YAML */
	if ((len >= 11 && !memcmp(data, "__metadata:", 11)) || strstr(data, "\n__metadata:"))
		return yarn_berry(f, path, data, len, e);
	return yarn_classic(f, path, data, len, e);
}

/* ".../NAME/-/NAME-VERSION.tgz" or ".../@SCOPE/NAME/-/NAME-VERSION.tgz" (also @SCOPE%2fNAME). */
static void tarball_url(struct watch_findings *f, const char *path, const char *url)
{
	const char *dash = strstr(url, "/-/"), *seg, *file, *end;
	char *name = NULL, *ver = NULL;
	size_t seglen, flen;

	if (!dash)
		return;
	for (seg = dash; seg > url && seg[-1] != '/'; seg--)
		;
	seglen = (size_t)(dash - seg);
	if (!seglen || seg - url < 2)
		return;
	if (seg[-1] == '/' && seg - 2 >= url) {
		const char *scope = seg - 1;

		while (scope > url && scope[-1] != '/')
			scope--;
		if (*scope == '@')
			name = pf_xasprintf("%.*s/%.*s", (int)(seg - 1 - scope), scope, (int)seglen, seg);
	}
	if (!name) {
		name = pf_xstrndup(seg, seglen);
		if (name[0] == '@' && (strstr(name, "%2f") || strstr(name, "%2F"))) {
			char *pct = strstr(name, "%2f") ? strstr(name, "%2f") : strstr(name, "%2F");

			*pct = '/';
			memmove(pct + 1, pct + 3, strlen(pct + 3) + 1);
		}
	}
	file = dash + 3;
	flen = strcspn(file, "?#");
	end = file + flen;
	/* the file name repeats the unscoped name */
	{
		const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
		size_t bl = strlen(base);

		if (flen > bl + 5 && !memcmp(file, base, bl) && file[bl] == '-' && !memcmp(end - 4, ".tgz", 4))
			ver = pf_xstrndup(file + bl + 1, flen - bl - 5);
	}
	if (ver)
		add_npm(f, name, ver, path, "cache", "npm cache");
	free(name);
	free(ver);
}

int watch_detect_npm_index(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e)
{
	static const char prefix[] = "make-fetch-happen:request-cache:";
	struct pf_arena a = PF_ARENA_INIT;
	size_t good = 0, lines = 0;

	for (size_t i = 0; i < len;) {
		const char *line = data + i, *end = memchr(line, '\n', len - i);
		size_t ll = end ? (size_t)(end - line) : len - i;
		struct install_json *j;
		struct pf_err ignore = { 0 };
		const char *key;

		i += ll + 1;
		if (!ll)
			continue;
		lines++;
		/* "<40 hex>\t<json>"; a torn or corrupt line is skipped, as npm does */
		if (ll < 42 || line[40] != '\t' || strspn(line, "0123456789abcdef") != 40)
			continue;
		if (install_json_parse(&a, path, line + 41, ll - 41, &j, &ignore) || j->type != INSTALL_J_OBJ)
			continue;
		good++;
		key = jstr(j, "key");
		if (key && !strncmp(key, prefix, sizeof prefix - 1))
			tarball_url(f, path, key + sizeof prefix - 1);
	}
	pf_arena_release(&a);
	if (lines && !good)
		return pf_error(e, PF_EFORMAT, "'%s': not an npm cache index (no valid entry)", path);
	return 0;
}
