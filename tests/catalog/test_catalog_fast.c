/* SPDX-License-Identifier: MIT */
/* Unit tests for the fast catalog path: per-package streaming parse keeps every strict rule; one-read verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/verified.h"
#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "trust/trust.h"
#include "tap.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char head[] =
	"format: pinfold-catalog/1\n"
	"name: demo\n"
	"version: 3\n"
	"expires: 2026-12-22T00:00:00Z\n"
	"packages:\n";

static const char pkg_a[] =
	"  - ecosystem: npm\n"
	"    name: a\n"
	"    version: 1.0.0\n"
	"    published: 2020-01-01\n"
	"    artifact: {file: a-1.0.0.tgz, format: npm, size: 1, sha256: " SHA_A "}\n";

/* head + one package with extra text appended after pkg_a's lines */
static int parse_pkg_text(const char *pkg, struct pf_err *e)
{
	struct catalog c;
	char *text = pf_xasprintf("%s%s", head, pkg);
	int rc;

	memset(e, 0, sizeof *e);
	rc = catalog_parse(&c, "c.yaml", text, strlen(text), e);
	if (!rc)
		catalog_release(&c);
	free(text);
	return rc;
}

static int count_items(void *ctx, struct pf_ydoc *d, const struct pf_ynode *n, struct pf_err *e)
{
	int *k = ctx;

	(void)d;
	(void)e;
	(void)n;
	return ++*k == 3 ? pf_error(e, PF_EFORMAT, "stop at 3") : 0;
}

static void test_stream(void)
{
	struct pf_ydoc d;
	struct pf_err e;
	int k = 0;
	const char *t = "a: 1\nl: [x, {y: 1}, z, w]\nb: 2\n";

	memset(&e, 0, sizeof e);
	ok(pf_yaml_parse_stream(&d, "t.yaml", t, strlen(t), "l", count_items, &k, &e) == -PF_EFORMAT && k == 3 &&
	   strstr(e.msg, "stop at 3"), "a callback's error stops the parse (%s)", e.msg);
	k = -100;
	memset(&e, 0, sizeof e);
	ok(pf_yaml_parse_stream(&d, "t.yaml", t, strlen(t), "l", count_items, &k, &e) == 0 && k == -96,
	   "every item goes to the callback");
	ok(d.root && pf_y_get(d.root, "l") && pf_y_get(d.root, "l")->n == 0 && pf_y_get(d.root, "b"),
	   "the streamed list stays in the tree, empty; the rest is kept");
	pf_ydoc_release(&d);
	memset(&e, 0, sizeof e);
	t = "a: 1\nl: [{y: 1, y: 2}]\n";
	ok(pf_yaml_parse_stream(&d, "t.yaml", t, strlen(t), "l", count_items, &k, &e) == -PF_EFORMAT &&
	   strstr(e.msg, "duplicate key 'y'"), "duplicate key inside a streamed item refused (%s)", e.msg);
	memset(&e, 0, sizeof e);
	t = "l: [1]\nl: [2]\n";
	k = -100;
	ok(pf_yaml_parse_stream(&d, "t.yaml", t, strlen(t), "l", count_items, &k, &e) == -PF_EFORMAT &&
	   strstr(e.msg, "duplicate key 'l'"), "the streamed key twice refused (%s)", e.msg);
}

static void test_hostile_packages(void)
{
	struct pf_err e;
	char *p;

	ok(parse_pkg_text(pkg_a, &e) == 0, "a plain package parses (%s)", e.msg);
	p = pf_xasprintf("%s    name: b\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "c.yaml:11:5: duplicate key 'name' (first at line 7)"),
	   "duplicate key in a package refused with its position (%s)", e.msg);
	free(p);
	p = pf_xasprintf("%s    depends: &d [x]\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "anchors are not allowed"), "anchor in a package (%s)",
	   e.msg);
	free(p);
	p = pf_xasprintf("%s    depends: !!seq [x]\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "tags are not allowed"), "tag in a package (%s)",
	   e.msg);
	free(p);
	p = pf_xasprintf("%s    depends: *d\n", pkg_a);
	ok(parse_pkg_text(p, &e) < 0, "alias in a package (%s)", e.msg);
	free(p);
	p = pf_xasprintf("%s    color: red\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "unknown key 'color' in package"),
	   "unknown key in a package (%s)", e.msg);
	free(p);
	p = pf_xasprintf("%s    depends: x\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "'depends' must be a list, not a scalar"),
	   "depends as a scalar (%s)", e.msg);
	free(p);
	p = pf_xasprintf("%s    depends: [[x]]\n", pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "'depends' must be a scalar, not a list"),
	   "a list inside depends (%s)", e.msg);
	free(p);
	ok(parse_pkg_text("  - [ecosystem, npm]\n", &e) == -PF_EFORMAT && strstr(e.msg, "package must be a mapping"),
	   "a package that is a list (%s)", e.msg);
	ok(parse_pkg_text("  - ecosystem: npm\n    name: a\n", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "missing required key 'version'"), "a package missing keys (%s)", e.msg);
	ok(parse_pkg_text("  - ecosystem: npm\n    name: {x: 1}\n    version: 1.0.0\n    published: 2020-01-01\n"
			  "    artifact: {file: a, format: npm, size: 1, sha256: " SHA_A "}\n", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "'name' must be a scalar, not a mapping"), "a name that is a mapping (%s)", e.msg);
	p = pf_xasprintf("%s%s", pkg_a, pkg_a);
	ok(parse_pkg_text(p, &e) == -PF_EFORMAT && strstr(e.msg, "package npm:a 1.0.0 is listed twice"),
	   "a package twice, back to back (%s)", e.msg);
	free(p);
}

static void test_file_read(void)
{
	char dir[] = "/tmp/pf-cat-fast-XXXXXX";
	char *key, *pub, *path, *sigpath, *text;
	struct trust_key *k = NULL;
	struct trust_store *s = trust_store_new();
	struct pf_buf sig = PF_BUF_INIT;
	struct verify_opts o;
	struct catalog_file f;
	struct catalog c;
	struct pf_err e;
	char id[TRUST_KEYID_HEX];
	time_t t;

	if (!mkdtemp(dir))
		return;
	key = pf_xasprintf("%s/../%s.key", dir, dir + 5);
	pub = pf_xasprintf("%s.pub", key);
	path = pf_path_join(dir, CATALOG_FILE);
	sigpath = pf_path_join(dir, CATALOG_SIG);
	memset(&e, 0, sizeof e);
	trust_key_generate(key, id, &e);
	trust_key_load(key, &k, &e);
	trust_store_add_file(s, pub, &e);
	memset(&o, 0, sizeof o);
	o.store = s;
	o.policy.threshold = 1;
	pf_time_parse("2026-06-01T00:00:00Z", &t);
	o.now = t;
	text = pf_xasprintf("%s%s", head, pkg_a);
	trust_sign(k, CATALOG_PAYLOAD_TYPE, text, strlen(text), &sig, &e);
	pf_write_file(path, text, strlen(text), 0644, &e);
	pf_write_file(sigpath, sig.p, sig.len, 0644, &e);
	ok(catalog_file_read(dir, &o, &f, &e) == 0 && f.len == strlen(text) && !memcmp(f.data, text, f.len),
	   "read once, whole (%s)", e.msg);
	ok(catalog_file_verify_sig(&f, &o, NULL, &e) == 0, "its signature verifies from the same buffer (%s)", e.msg);
	ok(catalog_file_open(&f, &o, &c, NULL, &e) == 0 && c.npkgs == 1 && !strcmp(c.sha256, f.sha256),
	   "and it parses, with the SHA-256 taken once (%s)", e.msg);
	catalog_release(&c);
	catalog_file_release(&f);
	text[strlen(text) - 3] ^= 1;	/* tamper one byte of the sha256 */
	pf_write_file(path, text, strlen(text), 0644, &e);
	memset(&e, 0, sizeof e);
	ok(catalog_file_read(dir, &o, &f, &e) == 0 && catalog_file_open(&f, &o, &c, NULL, &e) == -PF_EBADSIG,
	   "a tampered byte fails the signature (%s)", e.msg);
	catalog_file_release(&f);
	unlink(sigpath);
	memset(&e, 0, sizeof e);
	ok(catalog_file_read(dir, &o, &f, &e) == -PF_EBADSIG && strstr(e.msg, "not signed"), "no signature file (%s)",
	   e.msg);
	unlink(path);
	memset(&e, 0, sizeof e);
	ok(catalog_file_read(dir, &o, &f, &e) == -PF_ENOTFOUND, "no catalog (%s)", e.msg);
	rmdir(dir);
	unlink(key);
	unlink(pub);
	free(text);
	free(key);
	free(pub);
	free(path);
	free(sigpath);
	pf_buf_release(&sig);
	trust_key_free(k);
	trust_store_free(s);
}

int main(void)
{
	test_stream();
	test_hostile_packages();
	test_file_read();
	return done_testing();
}
