/* SPDX-License-Identifier: MIT */
/* Unit tests for watch/: the TOML reader, every lockfile/metadata/cache reader (hostile inputs too), the registry, matching. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/file.h"
#include "core/time.h"
#include "watch/detect.h"
#include "watch/match.h"
#include "watch/registry.h"
#include "watch/toml.h"
#include "tap.h"

static char *tmpdir;

/* ---- TOML ---- */

static int toml(const char *text, struct pf_arena *a, struct watch_tnode **root, struct pf_err *e)
{
	memset(e, 0, sizeof *e);
	return watch_toml_parse(a, "t.toml", text, strlen(text), root, e);
}

static void test_toml_valid(void)
{
	static const char doc[] =
		"# a comment\n"
		"title = \"TOML \\u00e9\\t\\\"x\\\"\"\n"
		"lit = 'C:\\path'\n"
		"multi = \"\"\"\n  one \\\n    two\"\"\"\n"
		"mlit = '''\nraw \\n'''\n"
		"quotes = \"\"\"a\"\"\"\"\n"
		"int = +1_000\nhex = 0xdead_beef\noct = 0o755\nbin = 0b1010\nflt = -3.14e+2\ninf = -inf\nnan = nan\n"
		"bool = true\ndate = 1979-05-27T07:32:00Z\nd2 = 1979-05-27 07:32:00.999-07:00\nld = 1979-05-27\nlt = 07:32:00\n"
		"arr = [ 1, [2, 3], \"x\", { a = 1 }, ]\n"
		"arr2 = [\n  # comment\n  1,\n  2\n]\n"
		"\"quoted key\" = 1\nsite.\"google.com\" = true\n"
		"point = { x = 1, y.z = 2 }\n"
		"[a.b.c]\nanswer = 42\n"
		"[a]\nbetter = 43\n"
		"[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
		"[fruit.apple.texture]\nsmooth = true\n"
		"[[package]]\nname = \"litellm\"\nversion = \"1.82.8\"\n"
		"[package.dependencies]\nx = \"1\"\n"
		"[[package]]\nname = \"b\"\n";
	struct pf_arena a = PF_ARENA_INIT;
	struct watch_tnode *root;
	const struct watch_tnode *p, *v;
	struct pf_err e;

	ok(toml(doc, &a, &root, &e) == 0, "a document using most of TOML parses (%s)", e.msg);
	is_str(watch_toml_str(root, "title"), "TOML \xc3\xa9\t\"x\"", "basic string escapes");
	is_str(watch_toml_str(root, "lit"), "C:\\path", "literal string keeps backslashes");
	is_str(watch_toml_str(root, "multi"), "  one two", "multi-line: first newline dropped, line-ending backslash trims");
	is_str(watch_toml_str(root, "mlit"), "raw \\n", "multi-line literal");
	is_str(watch_toml_str(root, "quotes"), "a\"", "up to two quotes before the closing ones belong to the string");
	v = watch_toml_get(root, "d2");
	ok(v && v->type == WATCH_T_RAW && !strcmp(v->str, "1979-05-27 07:32:00.999-07:00"), "date-time with a space");
	v = watch_toml_get(root, "arr");
	ok(v && v->type == WATCH_T_ARR && v->n == 4 && v->vals[1]->type == WATCH_T_ARR, "nested arrays, trailing comma");
	ok(watch_toml_get(watch_toml_get(root, "site"), "google.com") != NULL, "dotted quoted key");
	ok(watch_toml_get(watch_toml_get(watch_toml_get(root, "point"), "y"), "z") != NULL, "dotted key in an inline table");
	p = watch_toml_get(root, "package");
	ok(p && p->type == WATCH_T_ARR && p->n == 2, "array of tables");
	ok(p && watch_toml_get(p->vals[0], "dependencies") && !strcmp(watch_toml_str(p->vals[0], "version"), "1.82.8"),
	   "a sub-table goes into the last element");
	v = watch_toml_get(watch_toml_get(watch_toml_get(root, "fruit"), "apple"), "texture");
	ok(v != NULL, "a sub-table under a dotted-key table");
	ok(watch_toml_get(watch_toml_get(root, "a"), "better") && watch_toml_get(watch_toml_get(root, "a"), "b"),
	   "an implicit table defined later");
	pf_arena_release(&a);
	ok(toml("", &a, &root, &e) == 0 && root->n == 0, "an empty document");
	pf_arena_release(&a);
	ok(toml("\xef\xbb\xbfk = 1\r\n", &a, &root, &e) == 0, "BOM and CRLF");
	pf_arena_release(&a);
}

static void test_toml_invalid(void)
{
	static const char *const bad[][2] = {
		{ "a = 1\na = 2\n", "duplicate key" },
		{ "[a]\n[a]\n", "defined twice" },
		{ "[a]\nb = 1\n[a.b]\n", "defined twice" },
		{ "a = 1\n[a]\n", "defined twice" },
		{ "[[a]]\n[a]\n", "defined twice" },
		{ "[a]\n[[a]]\n", "another value" },
		{ "a = [1]\n[[a]]\n", "another value" },
		{ "a = {b = 1}\na.c = 2\n", "cannot extend" },
		{ "a = {b = 1}\n[a.c]\n", "through a value" },
		{ "[fruit]\napple.color = 1\n[fruit.apple]\n", "defined twice" },
		{ "[a.b]\n[a]\nb.c = 1\n", "cannot extend" },
		{ "a = \"unterminated\n", "newline in a single-line string" },
		{ "a = \"no end", "unterminated string" },
		{ "a = \"\"\"never closed\n", "unterminated string" },
		{ "a = \"bad \\q escape\"\n", "unknown escape" },
		{ "a = \"\\uD800\"\n", "Unicode scalar" },
		{ "a = \"\\u0000\"\n", "Unicode scalar" },
		{ "a = \"bell\a\"\n", "control character" },
		{ "a = 1 # bell\a\n", "control character in a comment" },
		{ "a = 01\n", "not a valid number" },
		{ "a = 1__0\n", "not a valid number" },
		{ "a = 1.\n", "not a valid number" },
		{ "a = 0xG\n", "not a valid number" },
		{ "a = 1979-13\n", "not a valid number" },
		{ "a = truee\n", "not a valid number" },
		{ "a = \n", "expected a value" },
		{ "a 1\n", "expected '='" },
		{ "= 1\n", "expected a key" },
		{ "a = 1 b = 2\n", "end of the line" },
		{ "[a\n", "expected ']'" },
		{ "[[a]\n", "expected ']]'" },
		{ "a = [1 2]\n", "',' or ']'" },
		{ "a = {b = 1 c = 2}\n", "',' or '}'" },
		{ "a = {b = 1, b = 2}\n", "duplicate key" },
		{ "a = 1\rb = 2\n", "end of the line" },
		{ "a = \"\xff\"\n", "not UTF-8" },
		{ "a = \"\xc0\xaf\"\n", "not UTF-8" },
		{ "a = \"\xed\xa0\x80\"\n", "not UTF-8" },
		{ "a = 1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
		  "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
		  "11111111111111111111111111111111111111111111111111111111111111111\n", "longer than 256" },
	};
	struct pf_arena a = PF_ARENA_INIT;
	struct watch_tnode *root;
	struct pf_err e;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = toml(bad[i][0], &a, &root, &e);

		ok(rc == -PF_EFORMAT && strstr(e.msg, bad[i][1]) && strstr(e.msg, "t.toml:"), "refused: %s (%s)",
		   bad[i][1], e.msg);
		pf_arena_release(&a);
	}
	{
		/* nesting past 64 levels, and a NUL in the middle */
		struct pf_buf b = PF_BUF_INIT;

		pf_buf_adds(&b, "a = ");
		for (int i = 0; i < 70; i++)
			pf_buf_addc(&b, '[');
		for (int i = 0; i < 70; i++)
			pf_buf_addc(&b, ']');
		pf_buf_addc(&b, '\n');
		ok(toml(b.p, &a, &root, &e) == -PF_EFORMAT && strstr(e.msg, "nested too deeply"), "70 nested arrays refused");
		pf_arena_release(&a);
		memset(&e, 0, sizeof e);
		ok(watch_toml_parse(&a, "t.toml", "a = 1\n\0b = 2\n", 12, &root, &e) == -PF_EFORMAT &&
		   strstr(e.msg, "t.toml:2:"), "a NUL byte refused, naming its line (%s)", e.msg);
		pf_arena_release(&a);
		pf_buf_release(&b);
	}
}

/* ---- the readers ---- */

static struct watch_findings F;

static int has(const char *eco, const char *name, const char *version, const char *source)
{
	for (size_t i = 0; i < F.n; i++)
		if (!strcmp(F.v[i].ecosystem, eco) && !strcmp(F.v[i].name, name) && !strcmp(F.v[i].version, version) &&
		    (!source || !strcmp(F.v[i].source, source)))
			return 1;
	return 0;
}

static void reset(void)
{
	watch_findings_release(&F);
}

typedef int (*reader_fn)(struct watch_findings *f, const char *path, const char *data, size_t len, struct pf_err *e);

static int rd(reader_fn fn, const char *text, struct pf_err *e)
{
	reset();
	memset(e, 0, sizeof *e);
	return fn(&F, "x", text, strlen(text), e);
}

static int lock_json(struct watch_findings *f, const char *path, const char *d, size_t n, struct pf_err *e)
{
	return watch_detect_package_lock(f, path, d, n, "package-lock.json", e);
}

static int poetry(struct watch_findings *f, const char *path, const char *d, size_t n, struct pf_err *e)
{
	return watch_detect_toml_lock(f, path, d, n, "poetry.lock", e);
}

static int pylock(struct watch_findings *f, const char *path, const char *d, size_t n, struct pf_err *e)
{
	return watch_detect_toml_lock(f, path, d, n, "pylock.toml", e);
}

static int pymeta(struct watch_findings *f, const char *path, const char *d, size_t n, struct pf_err *e)
{
	return watch_detect_py_meta(f, path, d, n, "dist-info", e);
}

static void test_python(void)
{
	struct pf_err e;

	ok(rd(pymeta, "Metadata-Version: 2.1\r\nname: LiteLLM\r\nVersion:   1.82.8  \r\n\r\nVersion: 9\n", &e) == 0 &&
	   has("pypi", "LiteLLM", "1.82.8", "installed") && F.n == 1, "METADATA: case-insensitive headers, CRLF, body ignored");
	ok(rd(pymeta, "Name: x\n", &e) == -PF_EFORMAT, "METADATA without Version refused");
	ok(rd(pymeta, "Name: x y\nVersion: 1\n", &e) == -PF_EFORMAT, "a name with a space refused");
	ok(rd(pymeta, "Name: \x1b[31mx\nVersion: 1\n", &e) == -PF_EFORMAT, "control characters refused");
	reset();
	watch_detect_py_dirname(&F, "p", "typing_extensions-4.12.2.dist-info", "dist-info");
	watch_detect_py_dirname(&F, "p", "requests-2.28.1-py3.11.egg-info", "egg-info");
	watch_detect_py_dirname(&F, "p", "noversion.dist-info", "dist-info");
	watch_detect_py_dirname(&F, "p", "x-notaversion.dist-info", "dist-info");
	ok(has("pypi", "typing_extensions", "4.12.2", NULL) && has("pypi", "requests", "2.28.1", NULL) && F.n == 2,
	   "dist-info and egg-info directory names");
	reset();
	watch_detect_wheel_name(&F, "p", "litellm-1.82.8-py3-none-any.whl", "cache", "wheel file");
	watch_detect_wheel_name(&F, "p", "pkg-1.0-1build-cp311-cp311-linux_x86_64.whl", "cache", "wheel file");
	watch_detect_wheel_name(&F, "p", "not-a-wheel.whl", "cache", "wheel file");
	ok(has("pypi", "litellm", "1.82.8", "cache") && has("pypi", "pkg", "1.0", NULL) && F.n == 2, "wheel file names");
	ok(rd(watch_detect_requirements,
	      "# c\n-r base.txt\n--hash=sha256:00\nA==1.0\nb[x,y] == 2.0 ; python_version<'3' \\\n  --hash=sha256:aa\n"
	      "c===3.0\nd>=1\ne==1.*\nf == 4.0, != 4.0.1\ng @ https://x/g.whl\nh==5.0#frag\nI==6.0 # comment\n"
	      "-e git+https://x#egg=j\n   k==7.0\n", &e) == 0, "requirements parse");
	ok(has("pypi", "A", "1.0", "lockfile") && has("pypi", "b", "2.0", NULL) && has("pypi", "c", "3.0", NULL) &&
	   has("pypi", "f", "4.0", NULL) && has("pypi", "I", "6.0", NULL) && has("pypi", "k", "7.0", NULL),
	   "exact pins (==, ===, extras, markers, continuations, comments)");
	ok(!has("pypi", "d", "1", NULL) && !has("pypi", "e", "1.*", NULL) && !has("pypi", "h", "5.0#frag", NULL) && F.n == 6,
	   "ranges, wildcards and URLs are not pins (%zu found)", F.n);
	ok(rd(watch_detect_pipfile_lock, "{\"default\": {\"litellm\": {\"version\": \"==1.82.8\"}, \"git\": {\"git\": \"x\"}},"
	      " \"develop\": {\"pytest\": {\"version\": \"===8.0\"}}}", &e) == 0 &&
	   has("pypi", "litellm", "1.82.8", NULL) && has("pypi", "pytest", "8.0", NULL) && F.n == 2, "Pipfile.lock");
	ok(rd(watch_detect_pipfile_lock, "{\"default\": []}", &e) == -PF_EFORMAT, "Pipfile.lock with a list refused");
	ok(rd(watch_detect_pipfile_lock, "{\"default\": {\"x\": 1}}", &e) == -PF_EFORMAT, "an entry that is not an object refused");
	ok(rd(watch_detect_pipfile_lock, "[]", &e) == -PF_EFORMAT, "not an object refused");
	ok(rd(poetry, "[[package]]\nname = \"litellm\"\nversion = \"1.82.7\"\n[[package]]\nname = \"novers\"\n", &e) == 0 &&
	   has("pypi", "litellm", "1.82.7", "lockfile") && F.n == 1, "poetry.lock");
	ok(rd(poetry, "package = 1\n", &e) == -PF_EFORMAT, "'package' that is not an array refused");
	ok(rd(poetry, "package = [1]\n", &e) == -PF_EFORMAT, "an array of non-tables refused");
	ok(rd(pylock, "[[packages]]\nname = \"a\"\nversion = \"1\"\n", &e) == 0 && has("pypi", "a", "1", NULL),
	   "pylock.toml uses [[packages]]");
}

static void test_npm(void)
{
	struct pf_err e;

	ok(rd(watch_detect_package_json, "{\"name\":\"@s/x\",\"version\":\"1.0.0\",\"readme\":\"\\u0000x\"}", &e) == -PF_EFORMAT,
	   "a NUL escape in package.json refused");
	ok(rd(watch_detect_package_json, "{\"name\":\"@s/x\",\"version\":\"1.0.0\"}", &e) == 0 && has("npm", "@s/x", "1.0.0", "installed"),
	   "package.json");
	ok(rd(watch_detect_package_json, "{\"name\":\"x\"}", &e) == 0 && F.n == 0, "package.json without a version: nothing");
	ok(rd(watch_detect_package_json, "[1]", &e) == -PF_EFORMAT, "package.json that is a list refused");
	ok(rd(lock_json, "{\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"me\",\"version\":\"9.9.9\"},"
	      "\"node_modules/a\":{\"version\":\"1.0.0\"},\"node_modules/a/node_modules/@s/b\":{\"version\":\"2.0.0\"},"
	      "\"node_modules/alias\":{\"name\":\"real\",\"version\":\"3.0.0\"},"
	      "\"node_modules/linked\":{\"link\":true,\"resolved\":\"packages/x\"},"
	      "\"packages/ws\":{\"version\":\"4.0.0\"}}}", &e) == 0, "package-lock v3 parses (%s)", e.msg);
	ok(has("npm", "a", "1.0.0", "lockfile") && has("npm", "@s/b", "2.0.0", NULL) && has("npm", "real", "3.0.0", NULL) &&
	   F.n == 3, "nested, scoped and aliased; not the project, links or workspaces (%zu)", F.n);
	ok(rd(lock_json, "{\"lockfileVersion\":1,\"dependencies\":{\"a\":{\"version\":\"1.0.0\",\"dependencies\":"
	      "{\"b\":{\"version\":\"2.0.0\"}}},\"c\":{\"version\":\"npm:real-c@3.0.0\"}}}", &e) == 0 &&
	   has("npm", "a", "1.0.0", NULL) && has("npm", "b", "2.0.0", NULL) && has("npm", "real-c", "3.0.0", NULL),
	   "package-lock v1, nested and aliased");
	ok(rd(lock_json, "{\"packages\":[]}", &e) == -PF_EFORMAT, "'packages' that is a list refused");
	ok(rd(lock_json, "{\"dependencies\":{\"a\":1}}", &e) == -PF_EFORMAT, "a v1 dependency that is not an object refused");
	ok(rd(lock_json, "{\"packages\":{\"node_modules/a\":{\"version\":\"1\"},\"node_modules/a\":{}}}", &e) ==
	   -PF_EFORMAT && strstr(e.msg, "duplicate"), "duplicate keys refused");
	ok(rd(watch_detect_pnpm_lock, "lockfileVersion: 5.4\npackages:\n  /axios/0.30.4:\n    resolution: {integrity: x}\n"
	      "  /@s/b/2.0.0_peer@1.0.0:\n    dev: false\n", &e) == 0 && has("npm", "axios", "0.30.4", "lockfile") &&
	   has("npm", "@s/b", "2.0.0", NULL), "pnpm v5 keys (%s)", e.msg);
	ok(rd(watch_detect_pnpm_lock, "lockfileVersion: '6.0'\npackages:\n  /axios@1.14.1:\n    dev: false\n"
	      "  /@s/b@2.0.0(react@18.0.0):\n    dev: false\n", &e) == 0 && has("npm", "axios", "1.14.1", NULL) &&
	   has("npm", "@s/b", "2.0.0", NULL), "pnpm v6 keys");
	ok(rd(watch_detect_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  axios@1.14.1:\n    resolution: {}\n", &e) == 0 &&
	   has("npm", "axios", "1.14.1", NULL), "pnpm v9 keys");
	ok(rd(watch_detect_pnpm_lock, "packages: [a]\n", &e) == -PF_EFORMAT, "pnpm 'packages' that is a list refused");
	ok(rd(watch_detect_pnpm_lock, "a: &x 1\nb: *x\n", &e) == -PF_EFORMAT, "YAML aliases refused");
	ok(rd(watch_detect_yarn_lock, "# yarn lockfile v1\n\n\"@s/b@^1\", \"@s/b@^1.2\":\n  version \"1.2.3\"\n  resolved \"u\"\n"
	      "axios@^1:\n  version 1.14.1\n  dependencies:\n    x \"1\"\n", &e) == 0 && has("npm", "@s/b", "1.2.3", NULL) &&
	   has("npm", "axios", "1.14.1", NULL) && F.n == 2, "yarn v1 (%s)", e.msg);
	ok(rd(watch_detect_yarn_lock, "axios@^1\n  version \"1\"\n", &e) == -PF_EFORMAT, "a yarn header without ':' refused");
	ok(rd(watch_detect_yarn_lock, "  version \"1\"\n", &e) == -PF_EFORMAT, "a version outside an entry refused");
	ok(rd(watch_detect_yarn_lock, "a@1:\n  version \"1\n", &e) == -PF_EFORMAT, "an unterminated quote refused");
	ok(rd(watch_detect_yarn_lock, "__metadata:\n  version: 6\n\n\"axios@npm:^1.7.0, axios@npm:^1.14.0\":\n"
	      "  version: 1.14.1\n  resolution: \"axios@npm:1.14.1\"\n", &e) == 0 && has("npm", "axios", "1.14.1", NULL) &&
	   F.n == 1, "yarn berry (YAML)");
	{
		static const char idx[] =
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/axios/-/axios-1.14.1.tgz\",\"integrity\":null}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/@s/b/-/b-2.0.0.tgz\"}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/@s%2fc/-/c-3.0.0.tgz?x=1\"}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/axios\"}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/x/-/y-1.0.0.tgz\"}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"pacote:tarball:file:z-1.0.0.tgz\"}"
			"\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"torn";

		ok(rd(watch_detect_npm_index, idx, &e) == 0 && has("npm", "axios", "1.14.1", "cache") && has("npm", "@s/b", "2.0.0", NULL) &&
		   has("npm", "@s/c", "3.0.0", NULL) && F.n == 3,
		   "npm index: tarballs (deleted too, scoped, %%2f); not packuments, mismatched names, local files, torn lines (%zu)", F.n);
	}
	ok(rd(watch_detect_npm_index, "\nnot an index\n", &e) == -PF_EFORMAT, "a file with no valid index line refused");
}

static void test_deb(void)
{
	struct pf_err e;

	ok(rd(watch_detect_dpkg_status, "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nDescription: x\n y\n\n"
	      "Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
	      "Package: nostatus\nVersion: 2:1.0-1\n", &e) == 0 && has("deb", "libc6", "2.36-9", "installed") &&
	   has("deb", "nostatus", "2:1.0-1", NULL) && F.n == 2, "dpkg status: installed, not config-files; status.d without Status");
	ok(rd(watch_detect_dpkg_status, "Package: x\nthis is not a field\n", &e) == -PF_EFORMAT && strstr(e.msg, "x:2:"),
	   "a line that is not a field refused, naming the line (%s)", e.msg);
}

/* ---- pip's cache: a zip found through its end record, inside a wrapper, and hostile ones ---- */

static void put32(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

/* A stored zip with the given names (central directory only matters), after prefix bytes, then suffix bytes. */
static size_t fake_zip(unsigned char *out, size_t prefix, const char *const *names, size_t n, size_t suffix)
{
	size_t at = prefix, cd, cdsize;

	memset(out, 'P', prefix);
	for (size_t i = 0; i < n; i++) {	/* local headers, empty files */
		put32(out + at, 0x04034b50);
		memset(out + at + 4, 0, 26);
		put16(out + at + 26, (unsigned)strlen(names[i]));
		memcpy(out + at + 30, names[i], strlen(names[i]));
		at += 30 + strlen(names[i]);
	}
	cd = at;
	for (size_t i = 0; i < n; i++) {
		put32(out + at, 0x02014b50);
		memset(out + at + 4, 0, 42);
		put16(out + at + 28, (unsigned)strlen(names[i]));
		memcpy(out + at + 46, names[i], strlen(names[i]));
		at += 46 + strlen(names[i]);
	}
	cdsize = at - cd;
	put32(out + at, 0x06054b50);
	memset(out + at + 4, 0, 18);
	put16(out + at + 8, (unsigned)n);
	put16(out + at + 10, (unsigned)n);
	put32(out + at + 12, (unsigned)cdsize);
	put32(out + at + 16, (unsigned)(cd - prefix));	/* relative to the zip's own start */
	at += 22;
	memset(out + at, 'S', suffix);
	return at + suffix;
}

static int pip_file(const unsigned char *data, size_t len)
{
	char *p = pf_xasprintf("%s/cache.bin", tmpdir);
	struct pf_err e = { 0 };
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600), rc;

	reset();
	if (write(fd, data, len) != (ssize_t)len)
		rc = -1;
	else
		rc = watch_detect_pip_cache(&F, "c", fd, (off_t)len, &e);
	close(fd);
	free(p);
	return rc;
}

static void test_pip_cache(void)
{
	static const char *const names[] = { "litellm/__init__.py", "litellm-1.82.8.dist-info/METADATA",
					     "litellm-1.82.8.dist-info/RECORD" };
	static const char *const sdist[] = { "x-1.0/PKG-INFO" };
	unsigned char *buf = pf_xcalloc(1, 1 << 20);
	size_t n;

	n = fake_zip(buf, 0, names, 3, 0);
	ok(pip_file(buf, n) == 0 && has("pypi", "litellm", "1.82.8", "cache") && !strcmp(F.v[0].format, "pip cache"),
	   "an http-v2 .body (the raw wheel)");
	n = fake_zip(buf, 300, names, 3, 900);
	ok(pip_file(buf, n) == 0 && has("pypi", "litellm", "1.82.8", "cache"), "a wheel inside a cc=4 + msgpack wrapper");
	n = fake_zip(buf, 0, sdist, 1, 0);
	ok(pip_file(buf, n) == 0 && F.n == 0, "a zip without a dist-info: nothing");
	ok(pip_file((const unsigned char *)"<html>index</html>", 18) == 0 && F.n == 0, "an index page: nothing");
	ok(pip_file((const unsigned char *)"PK\x05\x06", 4) == 0 && F.n == 0, "a file shorter than an end record");
	n = fake_zip(buf, 0, names, 3, 0);
	put32(buf + n - 22 + 16, 0x7fffffff);	/* the directory "starts" far away */
	ok(pip_file(buf, n) == 0 && F.n == 0, "an end record pointing outside the file: nothing");
	n = fake_zip(buf, 0, names, 3, 0);
	put32(buf + n - 22 + 12, 0xffffffff);	/* zip64 marker */
	ok(pip_file(buf, n) == 0 && F.n == 0, "zip64 markers: nothing");
	n = fake_zip(buf, 0, names, 3, 0);
	put16(buf + n - 22 - (46 + strlen(names[2])) + 28, 60000);	/* a name running past the directory */
	ok(pip_file(buf, n) == 0, "a name length past the directory: no overrun (%zu found)", F.n);
	/* many fake end records: each is checked and skipped, bounded by the tail read */
	for (size_t i = 0; i + 4 <= 200000; i += 4)
		put32(buf + i, 0x06054b50);
	ok(pip_file(buf, 200000) == 0 && F.n == 0, "a file full of end-record signatures");
	/* many end records that each point at a plausible directory: only a few are tried */
	n = fake_zip(buf, 0, sdist, 1, 0);
	{
		size_t eocd = n - 22;

		for (size_t k = 1; k <= 40; k++) {	/* copies of the end record, further and further on */
			memcpy(buf + n, buf + eocd, 22);
			put32(buf + n + 16, (unsigned)(n - 22 * k - (46 + strlen(sdist[0])) + 0));
			n += 22;
		}
		ok(pip_file(buf, n) == 0 && F.n == 0, "40 plausible end records: bounded, nothing found");
	}
	free(buf);
}

/* ---- random damage: every reader survives mutated inputs (ASan/UBSan run these too) ---- */

static unsigned long long rnd_state = 88172645463325252ULL;

static unsigned rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)rnd_state;
}

static void fuzz(const char *what, reader_fn fn, const char *seed, int rounds)
{
	size_t len = strlen(seed);
	char *buf = pf_xmalloc(len * 2 + 64);
	int crashes = 0, parsed = 0;

	for (int r = 0; r < rounds; r++) {
		struct pf_err e = { 0 };
		size_t n = len;
		int rc;

		memcpy(buf, seed, len);
		for (int k = 1 + (int)(rnd() % 4); k > 0; k--) {
			switch (rnd() % 4) {
			case 0: buf[rnd() % n] = (char)rnd(); break;				/* flip a byte */
			case 1: n = rnd() % n + 1; break;					/* truncate */
			case 2: buf[rnd() % n] = "{}[]\"'=:,\n\\#@/ "[rnd() % 16]; break;	/* syntax */
			default: if (n < len * 2 + 32) { size_t at = rnd() % n;			/* duplicate a run */
					memmove(buf + at + 8, buf + at, n - at); n += 8; } break;
			}
		}
		buf[n] = '\0';
		reset();
		rc = fn(&F, "fuzz", buf, n, &e);
		parsed += rc == 0;
		crashes += rc && rc != -PF_EFORMAT;
		for (size_t i = 0; i < F.n; i++)
			crashes += !watch_detect_token_ok(F.v[i].name) || !watch_detect_token_ok(F.v[i].version);
	}
	ok(!crashes, "%s: %d mutated inputs, each parsed (%d) or refused as malformed, names always clean", what,
	   rounds, parsed);
	free(buf);
}

static void test_fuzz(void)
{
	fuzz("TOML lockfile", poetry,
	     "[[package]]\nname = \"litellm\"\nversion = \"1.82.8\"\nfiles = [{file = \"a\", hash = \"b\"}]\n"
	     "[package.extras]\nx = [\"y\"]\n[metadata]\nlock-version = '2.0'\nd = 1979-05-27T07:32:00Z\n", 3000);
	fuzz("package-lock.json", lock_json,
	     "{\"lockfileVersion\":3,\"packages\":{\"\":{},\"node_modules/axios\":{\"version\":\"0.30.4\"},"
	     "\"node_modules/@s/b\":{\"version\":\"1.0.0\",\"name\":\"c\"}},\"dependencies\":{\"a\":{\"version\":\"1\"}}}", 3000);
	fuzz("pnpm-lock.yaml", watch_detect_pnpm_lock,
	     "lockfileVersion: '9.0'\npackages:\n  axios@1.14.1:\n    resolution: {integrity: x}\n  '@s/b@2.0.0(p@1)':\n"
	     "    dev: false\n", 1500);
	fuzz("yarn.lock", watch_detect_yarn_lock, "# yarn lockfile v1\n\n\"@s/b@^1\", x@^2:\n  version \"1.2.3\"\n  resolved \"u\"\n",
	     3000);
	fuzz("requirements", watch_detect_requirements, "a==1.0 \\\n --hash=x\nb[c] === 2 ; x\n#c\n-r y\n", 3000);
	fuzz("npm index", watch_detect_npm_index,
	     "\nda39a3ee5e6b4b0d3255bfef95601890afd80709\t{\"key\":\"make-fetch-happen:request-cache:https://r/@s/b/-/b-2.0.0.tgz\"}",
	     3000);
	fuzz("dpkg status", watch_detect_dpkg_status, "Package: a\nVersion: 1\nStatus: install ok installed\n\nPackage: b\n", 3000);
	fuzz("METADATA", pymeta, "Metadata-Version: 2.1\nName: a\nVersion: 1\n\nbody\n", 3000);
	fuzz("Pipfile.lock", watch_detect_pipfile_lock, "{\"default\":{\"a\":{\"version\":\"==1\"}},\"develop\":{}}", 3000);
}

/* ---- the registry ---- */

static const char *const SHA = "1111111111111111111111111111111111111111111111111111111111111111";

static void test_registry(void)
{
	struct watch_registry r;
	struct pf_err e = { 0 };
	struct pf_buf b = PF_BUF_INIT;
	char *state = pf_xasprintf("%s/state", tmpdir), *file = pf_xasprintf("%s/state/registry/environments.tsv", tmpdir);
	const char *weird = "/t/a\tb\nc%d \x01\x7f";
	char *back;
	time_t t0 = 1770000000;

	watch_path_put(&b, weird);
	back = watch_path_get(b.p);
	ok(back && !strcmp(back, weird) && !strchr(b.p, '\t') && !strchr(b.p, '\n'), "paths round-trip, no tab or newline (%s)",
	   b.p);
	free(back);
	ok(!watch_path_get("relative") && !watch_path_get("/a%41") && !watch_path_get("/a%0") && !watch_path_get("/a%00") &&
	   !watch_path_get("/a\tb"), "only the one spelling of an absolute path is read back");
	pf_buf_release(&b);

	ok(watch_registry_touch(state, "/env/a", WATCH_ENV_DIR, "lock a\n", 7, "build", t0, &e) == 0, "touch (%s)", e.msg);
	ok(watch_registry_touch(state, "/env/a", WATCH_ENV_DIR, "lock a\n", 7, "run", t0 + 100, &e) == 0, "touch again");
	ok(watch_registry_touch(state, "/env/a", WATCH_ENV_DIR, "lock b\n", 7, "shell", t0 + 200, &e) == 0, "another lock");
	ok(watch_registry_touch(state, "rel", WATCH_ENV_DIR, "x", 1, "run", t0, &e) == -PF_EUSAGE, "a relative path refused");
	ok(watch_registry_touch(state, "/x", WATCH_ENV_DIR, "x", 1, "party", t0, &e) == -PF_EUSAGE, "an unknown use refused");
	ok(watch_registry_open(&r, state, 0, &e) == 0 && r.n == 2, "two entries (one per lock)");
	if (r.n == 2) {
		const struct watch_env *a = r.v[0].first == t0 ? &r.v[0] : &r.v[1], *b2 = a == &r.v[0] ? &r.v[1] : &r.v[0];

		ok(a->uses == 2 && a->last == t0 + 100 && !strcmp(a->how, "run") && a->state == WATCH_REPLACED &&
		   a->since == t0 + 200, "the first lock: two uses, replaced when the second appeared");
		ok(b2->state == WATCH_PRESENT && b2->uses == 1, "the second lock: present");
	}
	watch_registry_close(&r);

	/* hostile registry files: each refused naming the file and line */
	{
		static const char *const bad[][2] = {
			{ "environment\t" "1111111111111111111111111111111111111111111111111111111111111111"
			  "\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\n", "expected 8" },
			{ "pool\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\t/x\n", "unknown kind" },
			{ "tarball\tABC\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\t/x\n", "lock digest" },
			{ "tarball\t%s\t2026-01-02T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\t/x\n", "first or last" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tgone\t1\tbuild\t/x\n", "bad state" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t-1\tbuild\t/x\n", "use count" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t0\tbuild\t/x\n", "use count" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tparty\t/x\n", "unknown use" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\tx\n", "not absolute" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\t/x\t\n", "too many" },
			{ "tarball\t%s\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\tpresent\t1\tbuild\t/x", "no newline" },
		};

		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			char *line = pf_xasprintf(bad[i][0], SHA, SHA);
			char *text = pf_xasprintf("# pinfold-registry/1\tKIND\tLOCK_SHA256\tFIRST_USE\tLAST_USE\tSTATE\tUSES\t"
						  "HOW\tPATH\n%s", line);

			pf_write_file(file, text, strlen(text), 0600, &e);
			memset(&e, 0, sizeof e);
			ok(watch_registry_open(&r, state, 0, &e) == -PF_EFORMAT && strstr(e.msg, bad[i][1]) &&
			   strstr(e.msg, "environments.tsv"), "refused: %s (%s)", bad[i][1], e.msg);
			watch_registry_close(&r);
			free(line);
			free(text);
		}
		pf_write_file(file, "something else\n", 15, 0600, &e);
		memset(&e, 0, sizeof e);
		ok(watch_registry_open(&r, state, 0, &e) == -PF_EFORMAT && strstr(e.msg, "not a pinfold registry"),
		   "a file without the header refused");
		watch_registry_close(&r);
	}

	/* the cap: a full registry drops its least recently used entry for a new one */
	{
		struct pf_buf t = PF_BUF_INIT;

		pf_buf_adds(&t, "# pinfold-registry/1\tKIND\tLOCK_SHA256\tFIRST_USE\tLAST_USE\tSTATE\tUSES\tHOW\tPATH\n");
		for (int i = 0; i < WATCH_REGISTRY_MAX; i++) {
			char first[PF_TIME_STR];

			pf_time_format(t0 + i, first);
			pf_buf_addf(&t, "environment\t%s\t%s\t%s\tpresent\t1\tbuild\t/env/%05d\n", SHA, first, first, i);
		}
		pf_write_file(file, t.p, t.len, 0600, &e);
		ok(watch_registry_touch(state, "/env/new", WATCH_ENV_DIR, "x", 1, "run", t0 + 99999, &e) == 0,
		   "touch a full registry");
		ok(watch_registry_open(&r, state, 0, &e) == 0 && r.n == WATCH_REGISTRY_MAX, "still %d entries", WATCH_REGISTRY_MAX);
		ok(!watch_registry_find(&r, "/env/00000", SHA) && watch_registry_find(&r, "/env/00001", SHA) &&
		   watch_registry_find(&r, "/env/new", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
		   "the least recently used entry went, the new one is in");
		watch_registry_close(&r);
		t.len = 0;
		pf_buf_adds(&t, "x");
		pf_buf_release(&t);
	}
	free(state);
	free(file);
}

/* ---- matching ---- */

static void test_match(void)
{
	static const char adv[] =
		"format: pinfold-advisories/1\nname: t\nversion: 1\nexpires: 2030-01-01T00:00:00Z\nadvisories:\n"
		"  - {id: A-1, ecosystem: pypi, name: LiteLLM, versions: [\"1.82.8\"], reason: r, severity: critical,"
		" published: 2026-03-24}\n"
		"  - {id: A-2, ecosystem: npm, name: axios, versions: \">=1.14.1 <1.14.2 || 0.30.4\", reason: r,"
		" severity: high, published: 2026-03-31}\n";
	struct watch_advset as;
	struct watch_hit *h = NULL;
	size_t n = 0;
	struct pf_err e = { 0 };

	memset(&as, 0, sizeof as);
	as.v = pf_xcalloc(1, sizeof *as.v);
	as.n = 1;
	ok(advisories_parse(&as.v[0].a, "a.yaml", adv, strlen(adv), &e) == 0, "advisories parse (%s)", e.msg);
	reset();
	watch_findings_add(&F, "pypi", "litellm", "1.82.8", "/p1", "installed", "dist-info");
	watch_findings_add(&F, "pypi", "lite_llm", "1.82.8", "/p2", "lockfile", "uv.lock");
	watch_findings_add(&F, "npm", "axios", "1.14.1", "/p3", "cache", "npm cache");
	watch_findings_add(&F, "npm", "axios", "0.30.4", "/p4", "lockfile", "yarn.lock");
	watch_findings_add(&F, "npm", "axios", "git+https://x/y", "/p5", "lockfile", "package-lock.json");
	watch_findings_add(&F, "npm", "axios", "1.14.2", "/p6", "installed", "node_modules");
	watch_findings_add(&F, "pypi", "axios", "1.14.1", "/p7", "lockfile", "requirements");
	ok(watch_match(&F, &as, &h, &n, &e) == 0, "match");
	ok(n == 3, "three places: litellm once (a PEP 503 look-alike is another name), axios 1.14.1 and 0.30.4 (%zu)", n);
	ok(n == 3 && !strcmp(h[0].found->version, "0.30.4") && !strcmp(h[1].found->version, "1.14.1") &&
	   !strcmp(h[2].found->path, "/p1") && !strcmp(h[2].adv->id, "A-1"), "sorted by package, pointing at the findings");
	free(h);
	reset();
	watch_findings_add(&F, "pypi", "LITELLM", "1.82.8", "/q", "installed", "dist-info");
	ok(watch_match(&F, &as, &h, &n, &e) == 0 && n == 1, "PyPI names compared PEP 503-normalised");
	free(h);
	watch_advset_release(&as);
	reset();
}

int main(void)
{
	struct pf_err e = { 0 };

	tmpdir = pf_mkdtemp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pf-watch-", &e);
	if (!tmpdir)
		return 1;
	test_toml_valid();
	test_toml_invalid();
	test_python();
	test_npm();
	test_deb();
	test_pip_cache();
	test_fuzz();
	test_registry();
	test_match();
	reset();
	pf_rm_rf(tmpdir);
	free(tmpdir);
	return done_testing();
}
