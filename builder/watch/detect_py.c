/* SPDX-License-Identifier: MIT */
/* Python: installed metadata, requirements pins, Pipfile.lock, TOML lockfiles, wheels and pip's cache. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "install/json.h"
#include "watch/detect.h"
#include "watch/toml.h"

int watch_detect_token_ok(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return n <= 256;
}

/* ---- core metadata ---- */

/* Value of header name (case-insensitive) in the header block, copied to out; 0 when absent. */
static int header(const char *data, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < len;) {
		const char *line = data + i, *end = memchr(line, '\n', len - i);
		size_t ll = end ? (size_t)(end - line) : len - i;

		if (ll && line[ll - 1] == '\r')
			ll--;
		if (!ll)
			return 0;	/* the blank line ends the headers; the description follows */
		if (ll > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
			const char *v = line + nl + 1;
			size_t vl = ll - nl - 1;

			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (!vl || vl >= outlen)
				return 0;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 1;
		}
		i += (end ? (size_t)(end - line) + 1 : len - i);
	}
	return 0;
}

int watch_detect_py_meta(struct watch_findings *f, const char *path, const char *data, size_t len, const char *format,
		   struct pf_err *e)
{
	char name[300], version[300];

	if (memchr(data, '\0', len))
		return pf_error(e, PF_EFORMAT, "'%s': a NUL byte in Python metadata", path);
	if (!header(data, len, "Name", name, sizeof name) || !header(data, len, "Version", version, sizeof version))
		return pf_error(e, PF_EFORMAT, "'%s': no Name and Version headers", path);
	if (!watch_detect_token_ok(name) || !watch_detect_token_ok(version))
		return pf_error(e, PF_EFORMAT, "'%s': Name or Version has spaces or control characters", path);
	watch_findings_add(f, "pypi", name, version, path, "installed", format);
	return 0;
}

int watch_detect_py_dirname(struct watch_findings *f, const char *path, const char *dirname, const char *format)
{
	const char *suffix = !strcmp(format, "dist-info") ? ".dist-info" : ".egg-info";
	size_t n = strlen(dirname), sl = strlen(suffix);
	char *base, *dash, *end;

	if (n <= sl || strcmp(dirname + n - sl, suffix))
		return 0;
	base = pf_xstrndup(dirname, n - sl);
	/* dist-info: NAME-VERSION (the name's dashes are escaped as '_'); egg-info: NAME-VERSION[-pyX.Y[-PLAT]] */
	dash = !strcmp(format, "dist-info") ? strrchr(base, '-') : strchr(base, '-');
	if (dash) {
		*dash = '\0';
		end = strchr(dash + 1, '-');
		if (end && strcmp(format, "dist-info"))
			*end = '\0';
		if (watch_detect_token_ok(base) && watch_detect_token_ok(dash + 1) && isdigit((unsigned char)dash[1]))
			watch_findings_add(f, "pypi", base, dash + 1, path, "installed", format);
	}
	free(base);
	return 0;
}

/* ---- requirements*.txt ---- */

static int req_name_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

/* One logical line (comments and continuations already handled). */
static void requirement(struct watch_findings *f, const char *path, char *s)
{
	char *name, *ver;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isalnum((unsigned char)*s))
		return;		/* an option (-r, -e, --hash...), a URL or a path */
	name = s;
	while (req_name_char((unsigned char)*s))
		s++;
	if (*s == '[') {	/* extras */
		char *close = strchr(s, ']');

		if (!close)
			return;
		*s = '\0';
		s = close + 1;
	}
	while (*s == ' ' || *s == '\t')
		*s++ = '\0';
	if (s[0] != '=' || s[1] != '=')
		return;		/* not an exact pin */
	*s = '\0';
	s += 2;
	if (*s == '=')
		s++;	/* === arbitrary equality */
	while (*s == ' ' || *s == '\t')
		s++;
	ver = s;
	while (*s && !strchr(" \t,;", *s))
		s++;
	*s = '\0';
	if (strspn(ver, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+!_-") != strlen(ver) ||
	    !watch_detect_token_ok(name) || !watch_detect_token_ok(ver))
		return;		/* ==1.* is a range; anything else is not a version */
	watch_findings_add(f, "pypi", name, ver, path, "lockfile", "requirements");
}

int watch_detect_requirements(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e)
{
	struct pf_buf line = PF_BUF_INIT;

	if (memchr(data, '\0', len))
		return pf_error(e, PF_EFORMAT, "'%s': a NUL byte in a requirements file", path);
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? data[i] : '\n';

		if (c == '\r')
			continue;
		if (c == '\\' && i + 1 < len && (data[i + 1] == '\n' || (data[i + 1] == '\r' && i + 2 < len &&
									data[i + 2] == '\n'))) {
			i += data[i + 1] == '\r' ? 2 : 1;	/* a continued line */
			continue;
		}
		if (c != '\n') {
			if (line.len < 65536)
				pf_buf_addc(&line, c);
			continue;
		}
		if (line.len) {
			char *s = (char *)pf_buf_cstr(&line), *hash = s;

			/* '#' starts a comment at the line's start or after whitespace */
			while ((hash = strchr(hash, '#'))) {
				if (hash == s || hash[-1] == ' ' || hash[-1] == '\t') {
					*hash = '\0';
					break;
				}
				hash++;
			}
			requirement(f, path, s);
		}
		line.len = 0;
	}
	pf_buf_release(&line);
	return 0;
}

/* ---- Pipfile.lock ---- */

int watch_detect_pipfile_lock(struct watch_findings *f, const char *path, const char *data, size_t len,
			struct pf_err *e)
{
	static const char *const groups[] = { "default", "develop" };
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *root;
	int rc = install_json_parse(&a, path, data, len, &root, e);

	if (!rc && root->type != INSTALL_J_OBJ)
		rc = pf_error(e, PF_EFORMAT, "'%s': a Pipfile.lock is a JSON object", path);
	for (size_t g = 0; !rc && g < 2; g++) {
		const struct install_json *grp = install_json_get(root, groups[g]);

		if (!grp)
			continue;
		if (grp->type != INSTALL_J_OBJ) {
			rc = pf_error(e, PF_EFORMAT, "'%s': \"%s\" is not an object", path, groups[g]);
			break;
		}
		for (size_t i = 0; i < grp->n; i++) {
			const struct install_json *v = install_json_get(grp->vals[i], "version");

			if (grp->vals[i]->type != INSTALL_J_OBJ) {
				rc = pf_error(e, PF_EFORMAT, "'%s': \"%s\".\"%s\" is not an object", path, groups[g],
					      grp->keys[i]);
				break;
			}
			if (v && v->type == INSTALL_J_STR && !strncmp(v->str, "==", 2) && watch_detect_token_ok(v->str + 2) &&
			    watch_detect_token_ok(grp->keys[i]))
				watch_findings_add(f, "pypi", grp->keys[i], v->str + 2 + (v->str[2] == '='), path,
						   "lockfile", "Pipfile.lock");
		}
	}
	pf_arena_release(&a);
	return rc;
}

/* ---- poetry.lock, uv.lock, pylock.toml ---- */

int watch_detect_toml_lock(struct watch_findings *f, const char *path, const char *data, size_t len, const char *format,
		     struct pf_err *e)
{
	struct pf_arena a = PF_ARENA_INIT;
	struct watch_tnode *root;
	const struct watch_tnode *pkgs;
	const char *key = !strcmp(format, "pylock.toml") ? "packages" : "package";
	int rc = watch_toml_parse(&a, path, data, len, &root, e);

	if (rc)
		goto out;
	pkgs = watch_toml_get(root, key);
	if (!pkgs)
		goto out;
	if (pkgs->type != WATCH_T_ARR) {
		rc = pf_error(e, PF_EFORMAT, "'%s': '%s' is not an array of tables", path, key);
		goto out;
	}
	for (size_t i = 0; i < pkgs->n; i++) {
		const struct watch_tnode *p = pkgs->vals[i];
		const char *name = watch_toml_str(p, "name"), *version = watch_toml_str(p, "version");

		if (p->type != WATCH_T_TAB) {
			rc = pf_error(e, PF_EFORMAT, "'%s': '%s' holds something that is not a table", path, key);
			goto out;
		}
		if (watch_detect_token_ok(name) && watch_detect_token_ok(version))
			watch_findings_add(f, "pypi", name, version, path, "lockfile", format);
	}
out:
	pf_arena_release(&a);
	return rc;
}

/* ---- wheels and pip's cache ---- */

int watch_detect_wheel_name(struct watch_findings *f, const char *path, const char *file, const char *source,
		      const char *format)
{
	size_t n = strlen(file), parts = 1;
	char *base, *dash;

	if (n <= 4 || strcmp(file + n - 4, ".whl"))
		return 0;
	for (size_t i = 0; i < n - 4; i++)
		parts += file[i] == '-';
	if (parts != 5 && parts != 6)
		return 0;
	base = pf_xstrndup(file, n - 4);
	dash = strchr(base, '-');
	*dash = '\0';
	*strchr(dash + 1, '-') = '\0';
	if (watch_detect_token_ok(base) && watch_detect_token_ok(dash + 1) && isdigit((unsigned char)dash[1]))
		watch_findings_add(f, "pypi", base, dash + 1, path, source, format);
	free(base);
	return 0;
}

#define ZIP_TAIL ((size_t)256 << 10)		/* the end record is searched in this much of the file's end */
#define ZIP_MAX_CD ((size_t)16 << 20)
#define ZIP_MAX_TRIES 16			/* end-record candidates checked per file */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The central directory at [off, off+size): the first NAME-VERSION.dist-info/ it names. */
static int zip_names(struct watch_findings *f, const char *path, const unsigned char *cd, size_t size)
{
	for (size_t i = 0; i + 46 <= size;) {
		size_t nlen = le16(cd + i + 28), elen = le16(cd + i + 30), clen = le16(cd + i + 32);
		const char *name = (const char *)cd + i + 46;
		const char *slash;

		if (le32(cd + i) != 0x02014b50 || i + 46 + nlen > size)
			return 0;
		slash = memchr(name, '/', nlen);
		if (slash && slash - name > 10 && !memcmp(slash - 10, ".dist-info", 10) &&
		    !memchr(name, '\0', (size_t)(slash - name))) {
			char *dir = pf_xstrndup(name, (size_t)(slash - name));

			watch_detect_py_dirname(f, path, dir, "dist-info");
			free(dir);
			return 1;
		}
		i += 46 + nlen + elen + clen;
	}
	return 0;
}

int watch_detect_pip_cache(struct watch_findings *f, const char *path, int fd, off_t size, struct pf_err *e)
{
	size_t tail = (size_t)size < ZIP_TAIL ? (size_t)size : ZIP_TAIL;
	off_t start = size - (off_t)tail;
	unsigned char *buf = NULL, *cd = NULL;
	size_t before = f->n;
	ssize_t got;
	int rc = 0;

	if (tail < 22)
		return 0;
	buf = pf_xmalloc(tail);
	got = pread(fd, buf, tail, start);
	if (got != (ssize_t)tail) {
		rc = pf_error(e, PF_EIO, "'%s': %s", path, got < 0 ? strerror(errno) : "short read");
		goto out;
	}
	/* the last end-of-central-directory record whose directory is where it says (a few tried at most) */
	for (size_t i = tail - 22 + 1, tried = 0; i-- > 0 && tried < ZIP_MAX_TRIES;) {
		uint32_t cdsize, cdoff;
		off_t base, at;

		if (le32(buf + i) != 0x06054b50)
			continue;
		tried++;
		cdsize = le32(buf + i + 12);
		cdoff = le32(buf + i + 16);
		at = start + (off_t)i;
		if (cdsize == 0xffffffffu || cdoff == 0xffffffffu || cdsize > ZIP_MAX_CD || (off_t)cdsize > at ||
		    (off_t)cdoff > at - (off_t)cdsize)
			continue;	/* zip64 or not a real record */
		base = at - (off_t)cdsize - (off_t)cdoff;	/* a body inside msgpack starts after its header */
		cd = pf_xmalloc(cdsize ? cdsize : 1);
		got = pread(fd, cd, cdsize, base + (off_t)cdoff);
		if (got == (ssize_t)cdsize && cdsize >= 4 && le32(cd) == 0x02014b50 && zip_names(f, path, cd, cdsize))
			break;
		free(cd);
		cd = NULL;
	}
	for (size_t i = before; i < f->n; i++) {
		f->v[i].source = "cache";
		f->v[i].format = "pip cache";
	}
out:
	free(buf);
	free(cd);
	return rc;
}
