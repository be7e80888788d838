/* SPDX-License-Identifier: MIT */
/* Unit tests for catalog/: strict parsing, deterministic writing, editing, advisories and verified loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/verified.h"
#include "core/file.h"
#include "core/time.h"
#include "install/json.h"
#include "trust/trust.h"
#include "tap.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char good[] =
	"format: pinfold-catalog/1\n"
	"name: demo\n"
	"version: 3\n"
	"expires: 2026-12-22T00:00:00Z\n"
	"policy: {min_age_days: 7}\n"
	"packages:\n"
	"  - ecosystem: pypi\n"
	"    name: requests\n"
	"    version: \"2.32.3\"\n"
	"    published: 2024-05-29\n"
	"    artifact: {file: requests-2.32.3-py3-none-any.whl, format: wheel, size: 64928,\n"
	"               sha256: " SHA_A "}\n"
	"    depends: [\"charset-normalizer >=2,<4\", \"idna >=2.5,<4\"]\n"
	"    vetted: {by: sec, date: 2024-06-12, note: \"diff reviewed\"}\n"
	"  - ecosystem: npm\n"
	"    name: is-number\n"
	"    version: 7.0.0\n"
	"    published: 2018-07-04\n"
	"    artifact: {file: is-number-7.0.0.tgz, format: npm, size: 10, sha256: " SHA_B "}\n";

static int parse(struct catalog *c, const char *text, struct pf_err *e)
{
	memset(e, 0, sizeof *e);
	return catalog_parse(c, "c.yaml", text, strlen(text), e);
}

/* Replace the first occurrence of from in good with to, and parse. */
static int parse_with(const char *from, const char *to, struct pf_err *e)
{
	struct catalog c;
	const char *at = strstr(good, from);
	char *text;
	int rc;

	if (!at)
		return 12345;
	text = pf_xasprintf("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	rc = parse(&c, text, e);
	if (!rc)
		catalog_release(&c);
	free(text);
	return rc;
}

static void test_parse_write(void)
{
	struct catalog c, c2;
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	struct pf_err e;

	ok(parse(&c, good, &e) == 0, "a valid catalog parses (%s)", e.msg);
	is_int(c.npkgs, 2, "two packages");
	is_str(c.pkgs[0].ecosystem, "npm", "packages are sorted (npm before pypi)");
	is_int(c.version, 3, "version read");
	is_int(c.min_age_days, 7, "policy read");
	is_int(c.pkgs[1].ndepends, 2, "depends read");
	is_str(c.pkgs[1].vetted_note, "diff reviewed", "vetted note read");
	ok(pf_is_sha256_hex(c.sha256), "the catalog's digest is recorded");
	ok(catalog_find(&c, "pypi", "requests", "2.32.3") != NULL, "find an existing package");
	ok(catalog_find(&c, "pypi", "requests", "2.32.4") == NULL, "find a missing one");
	catalog_write(&c, &a);
	ok(parse(&c2, a.p, &e) == 0, "written catalog parses again (%s)", e.msg);
	catalog_write(&c2, &b);
	ok(a.len == b.len && !memcmp(a.p, b.p, a.len), "write(parse(write(x))) == write(x)");
	ok(strstr(a.p, "  - ecosystem: npm\n    name: is-number\n") != NULL, "block style output");
	catalog_release(&c);
	catalog_release(&c2);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

static void test_parse_errors(void)
{
	struct pf_err e;

	ok(parse_with("policy:", "color: red\npolicy:", &e) == -PF_EFORMAT && strstr(e.msg, "c.yaml:5:1: unknown key 'color'"),
	   "unknown top-level key refused with file:line:col (%s)", e.msg);
	ok(parse_with("    vetted:", "    extra: 1\n    vetted:", &e) == -PF_EFORMAT && strstr(e.msg, "unknown key 'extra'"),
	   "unknown package key refused (%s)", e.msg);
	ok(parse_with("size: 64928", "size: big", &e) == -PF_EFORMAT && strstr(e.msg, "'size' must be an integer"),
	   "wrong type for size refused (%s)", e.msg);
	ok(parse_with("size: 64928", "size: \"64928\"", &e) == -PF_EFORMAT, "quoted integer refused");
	ok(parse_with("version: 3", "version: [3]", &e) == -PF_EFORMAT, "list as version refused (%s)", e.msg);
	ok(parse_with("sha256: a", "sha256: A", &e) == -PF_EFORMAT && strstr(e.msg, "64 lowercase hex"),
	   "uppercase sha256 refused (%s)", e.msg);
	ok(parse_with(SHA_B, SHA_B "0", &e) == -PF_EFORMAT, "65-digit sha256 refused");
	ok(parse_with(SHA_B, "bbbb", &e) == -PF_EFORMAT, "short sha256 refused");
	ok(parse_with("file: is-number-7.0.0.tgz", "file: a/is-number-7.0.0.tgz", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "base name"), "file name with '/' refused (%s)", e.msg);
	ok(parse_with("file: is-number-7.0.0.tgz", "file: ..", &e) == -PF_EFORMAT, "file '..' refused");
	ok(parse_with("file: is-number-7.0.0.tgz", "file: x..tgz", &e) == -PF_EFORMAT, "file with '..' refused");
	ok(parse_with("file: is-number-7.0.0.tgz", "file: .hidden", &e) == -PF_EFORMAT, "hidden file refused");
	ok(parse_with("ecosystem: npm", "ecosystem: cargo", &e) == -PF_EFORMAT && strstr(e.msg, "unknown ecosystem"),
	   "unknown ecosystem refused (%s)", e.msg);
	ok(parse_with("format: npm", "format: rpm", &e) == -PF_EFORMAT && strstr(e.msg, "unknown artifact format"),
	   "unknown format refused (%s)", e.msg);
	ok(parse_with("format: pinfold-catalog/1", "format: pinfold-catalog/2", &e) == -PF_EFORMAT,
	   "other format version refused");
	ok(parse_with("name: demo", "name: ../demo", &e) == -PF_EFORMAT, "catalog name with '/' refused");
	ok(parse_with("published: 2018-07-04", "published: 2018-7-4", &e) == -PF_EFORMAT, "bad date refused");
	ok(parse_with("expires: 2026-12-22T00:00:00Z", "expires: tomorrow", &e) == -PF_EFORMAT, "bad expiry refused");
	ok(parse_with("name: demo\n", "name: demo\nname: other\n", &e) == -PF_EFORMAT && strstr(e.msg, "duplicate key"),
	   "duplicate YAML key refused (%s)", e.msg);
	ok(parse_with("    name: is-number\n", "", &e) == -PF_EFORMAT && strstr(e.msg, "missing required key 'name'"),
	   "missing package name refused (%s)", e.msg);
	ok(parse_with("    depends: [", "    depends: [[x], ", &e) == -PF_EFORMAT, "nested list in depends refused");
	{
		char *twice = pf_xasprintf("%s%s", good,
					   "  - ecosystem: npm\n    name: is-number\n    version: 7.0.0\n"
					   "    published: 2018-07-04\n"
					   "    artifact: {file: x.tgz, format: npm, size: 1, sha256: " SHA_A "}\n");
		struct catalog c;

		ok(parse(&c, twice, &e) == -PF_EFORMAT && strstr(e.msg, "listed twice"), "same package twice refused (%s)",
		   e.msg);
		free(twice);
		twice = pf_xasprintf("%s%s", good,
				     "  - ecosystem: npm\n    name: is-number\n    version: 7.0.1\n"
				     "    published: 2018-07-04\n"
				     "    artifact: {file: is-number-7.0.0.tgz, format: npm, size: 1, sha256: " SHA_A "}\n");
		ok(parse(&c, twice, &e) == -PF_EFORMAT && strstr(e.msg, "used by two packages"),
		   "one artifact file for two packages refused (%s)", e.msg);
		free(twice);
	}
	{
		struct catalog c;

		ok(parse(&c, "", &e) == -PF_EFORMAT, "empty document refused");
		ok(parse(&c, "- a\n", &e) == -PF_EFORMAT, "a list is not a catalog");
	}
}

/* advisories: {urls: [...]}: read, written back in place, and every bad form refused. */
static void test_advisory_urls(void)
{
	static const char *const bad[][2] = {
		{ "advisories: {urls: [\"ftp://h/a\"]}\n", "not an http:// or https:// URL" },
		{ "advisories: {urls: [\"http://\"]}\n", "not an http:// or https:// URL" },
		{ "advisories: {urls: [\"https:///path\"]}\n", "not an http:// or https:// URL" },
		{ "advisories: {urls: [\"http://h/a b\"]}\n", "not an http:// or https:// URL" },
		{ "advisories: {urls: [\"http://h/a\\u0007\"]}\n", "control character in a string" },	/* the text rule, before the URL check */
		{ "advisories: {urls: [\"http://h/a\", \"http://h/a\"]}\n", "listed twice" },
		{ "advisories: {urls: []}\n", "must list 1 to 16 URLs" },
		{ "advisories: {urls: \"http://h/a\"}\n", "must be a list" },
		{ "advisories: {urls: [[\"http://h/a\"]]}\n", "" },
		{ "advisories: {url: [\"http://h/a\"]}\n", "unknown key 'url'" },
		{ "advisories: {}\n", "missing required key 'urls'" },
		{ "advisories: [\"http://h/a\"]\n", "" },
	};
	struct catalog c, c2;
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	struct pf_err e;
	char *text = pf_xasprintf("%.*sadvisories:\n  urls: [\"https://sec.example/adv\", \"http://127.0.0.1:8/a\"]\n%s",
				  (int)(strstr(good, "packages:") - good), good, strstr(good, "packages:"));
	char *many;
	struct pf_buf m = PF_BUF_INIT;

	ok(parse(&c, text, &e) == 0, "a catalog with advisories.urls parses (%s)", e.msg);
	is_int(c.nadvisory_urls, 2, "two URLs read");
	is_str(c.advisory_urls[1], "http://127.0.0.1:8/a", "in their order");
	catalog_write(&c, &a);
	ok(strstr(a.p, "  min_age_days: 7\nadvisories:\n  urls:\n    - \"https://sec.example/adv\"\n") != NULL,
	   "written after policy, before packages");
	ok(parse(&c2, a.p, &e) == 0, "written catalog parses again (%s)", e.msg);
	catalog_write(&c2, &b);
	ok(a.len == b.len && !memcmp(a.p, b.p, a.len), "write(parse(write(x))) == write(x) with URLs");
	catalog_release(&c);
	catalog_release(&c2);
	pf_buf_release(&b);
	ok(parse(&c, good, &e) == 0 && c.nadvisory_urls == 0, "no advisories key: no URLs");
	b.len = 0;
	catalog_write(&c, &b);
	ok(!strstr(b.p, "advisories"), "and none written");
	catalog_release(&c);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ok(parse_with("policy: {min_age_days: 7}\n", bad[i][0], &e) == -PF_EFORMAT && strstr(e.msg, bad[i][1]),
		   "refused: %.*s (%s)", (int)strlen(bad[i][0]) - 1, bad[i][0], e.msg);
	}
	pf_buf_adds(&m, "advisories:\n  urls:\n");
	for (int i = 0; i < 17; i++)
		pf_buf_addf(&m, "    - \"http://h/%d\"\n", i);
	many = pf_xasprintf("%spackages:", m.p);
	ok(parse_with("packages:", many, &e) == -PF_EFORMAT && strstr(e.msg, "1 to 16"), "17 URLs refused (%s)", e.msg);
	ok(catalog_url_ok("https://h") && catalog_url_ok("http://h:80/x?y=1") && !catalog_url_ok("file:///x") &&
	   !catalog_url_ok("http://h/\"x") && !catalog_url_ok("HTTP://h"), "catalog_url_ok");
	free(many);
	free(text);
	pf_buf_release(&a);
	pf_buf_release(&b);
	pf_buf_release(&m);
}

static void test_edit(void)
{
	struct catalog c;
	struct catalog_pkg p;
	struct pf_err e;
	const char *deps[] = { "x >=1" };

	parse(&c, good, &e);
	memset(&p, 0, sizeof p);
	p.ecosystem = "pypi";
	p.name = "requests";
	p.version = "2.32.3";
	p.published = "2024-05-29";
	p.artifact.file = "other.whl";
	p.artifact.format = "wheel";
	p.artifact.size = 64928;
	memcpy(p.artifact.sha256, SHA_B, 65);
	memset(&e, 0, sizeof e);
	ok(catalog_add(&c, &p, &e) == -PF_EEXIST && strstr(e.msg, "another artifact"),
	   "same version with another hash refused (%s)", e.msg);
	memcpy(p.artifact.sha256, SHA_A, 65);
	memset(&e, 0, sizeof e);
	ok(catalog_add(&c, &p, &e) == 0 && c.npkgs == 2, "same version with the same hash replaces");
	p.version = "2.33.0";
	memset(&e, 0, sizeof e);
	ok(catalog_add(&c, &p, &e) == -PF_EEXIST && strstr(e.msg, "already used"),
	   "another version with the same artifact file name refused (%s)", e.msg);
	p.artifact.file = "requests-2.33.0.whl";
	p.depends = deps;
	p.ndepends = 1;
	ok(catalog_add(&c, &p, &e) == 0 && c.npkgs == 3, "a new version is added");
	is_str(c.pkgs[2].version, "2.33.0", "kept sorted");
	p.artifact.file = "a/b.whl";
	p.version = "3";
	memset(&e, 0, sizeof e);
	ok(catalog_add(&c, &p, &e) == -PF_EFORMAT, "add checks fields like parse (%s)", e.msg);
	ok(catalog_remove(&c, "pypi", "requests", "2.32.3", &e) == 0 && c.npkgs == 2, "remove");
	memset(&e, 0, sizeof e);
	ok(catalog_remove(&c, "pypi", "requests", "2.32.3", &e) == -PF_ENOTFOUND, "remove again: not found");
	ok(catalog_name_ok("agent-default_1.0") && !catalog_name_ok("-x") && !catalog_name_ok("a/b") &&
	   !catalog_name_ok(""), "catalog_name_ok");
	catalog_release(&c);
	catalog_release(&c);	/* twice is harmless */
}

static const char adv_text[] =
	"format: pinfold-advisories/1\n"
	"name: demo\n"
	"version: 2\n"
	"expires: 2026-12-22T00:00:00Z\n"
	"advisories:\n"
	"  - id: PF-1\n"
	"    ecosystem: pypi\n"
	"    name: litellm\n"
	"    versions: [\"1.82.7\", \"1.82.8\"]\n"
	"    reason: malicious release\n"
	"    advice: use 1.82.6\n"
	"    severity: critical\n"
	"    published: 2026-03-24\n"
	"  - id: PF-0\n"
	"    ecosystem: npm\n"
	"    name: axios\n"
	"    versions: \">=1.14.1 <1.14.2\"\n"
	"    reason: malicious release\n"
	"    severity: critical\n"
	"    published: 2026-03-31\n";

static void test_advisories(void)
{
	struct advisories a, b;
	struct advisory x;
	struct pf_buf w = PF_BUF_INIT, w2 = PF_BUF_INIT;
	struct pf_err e;
	char *bad;

	memset(&e, 0, sizeof e);
	ok(advisories_parse(&a, "a.yaml", adv_text, strlen(adv_text), &e) == 0, "advisories parse (%s)", e.msg);
	is_int(a.n, 2, "two advisories");
	is_str(a.items[0].name, "axios", "sorted by ecosystem");
	ok(a.items[0].range && !a.items[0].versions, "a string is a range");
	ok(a.items[1].nversions == 2 && !a.items[1].range, "a list is exact versions");
	advisories_write(&a, &w);
	ok(advisories_parse(&b, "a.yaml", w.p, w.len, &e) == 0, "written advisories parse again");
	advisories_write(&b, &w2);
	ok(w.len == w2.len && !memcmp(w.p, w2.p, w.len), "advisories round-trip byte for byte");
	memset(&x, 0, sizeof x);
	x.id = "PF-1";
	x.ecosystem = "pypi";
	x.name = "y";
	x.range = "<2";
	x.reason = "r";
	x.severity = "low";
	x.published = "2026-01-01";
	ok(advisories_add(&a, &x, &e) == -PF_EEXIST, "duplicate id refused");
	x.id = "PF-2";
	x.severity = "urgent";
	memset(&e, 0, sizeof e);
	ok(advisories_add(&a, &x, &e) == -PF_EFORMAT, "unknown severity refused (%s)", e.msg);
	x.severity = "low";
	ok(advisories_add(&a, &x, &e) == 0 && a.n == 3, "a new advisory is added");
	advisories_release(&a);
	advisories_release(&b);
	bad = pf_xasprintf("%s    extra: 1\n", adv_text);
	memset(&e, 0, sizeof e);
	ok(advisories_parse(&a, "a.yaml", bad, strlen(bad), &e) == -PF_EFORMAT, "unknown advisory key refused (%s)", e.msg);
	free(bad);
	bad = pf_xasprintf("%.*s", (int)(strstr(adv_text, "    severity: critical\n    published: 2026-03-31") - adv_text),
			   adv_text);
	ok(advisories_parse(&a, "a.yaml", bad, strlen(bad), &e) == -PF_EFORMAT, "missing severity refused");
	free(bad);
	pf_buf_release(&w);
	pf_buf_release(&w2);
}

static void test_verified(const char *dir)
{
	struct pf_err e;
	char id[TRUST_KEYID_HEX];
	char *key = pf_path_join(dir, "k.key"), *pub = pf_path_join(dir, "k.key.pub");
	char *state = pf_path_join(dir, "state");
	struct trust_key *k = NULL;
	struct trust_store *s = trust_store_new();
	struct verify_opts o;
	struct catalog c;
	struct pf_buf sig = PF_BUF_INIT, sig2 = PF_BUF_INIT;
	struct pf_strv signers = PF_STRV_INIT;
	char *dup;
	time_t t;

	memset(&e, 0, sizeof e);
	trust_key_generate(key, id, &e);
	trust_key_load(key, &k, &e);
	trust_store_add_file(s, pub, &e);
	memset(&o, 0, sizeof o);
	o.store = s;
	o.policy.threshold = 1;
	o.state_dir = state;
	o.record = 1;
	pf_time_parse("2026-06-01T00:00:00Z", &t);
	o.now = t;
	trust_sign(k, CATALOG_PAYLOAD_TYPE, good, strlen(good), &sig, &e);
	ok(catalog_verify_bytes("c.yaml", good, strlen(good), sig.p, sig.len, &o, &c, &signers, &e) == 0,
	   "a signed catalog verifies (%s)", e.msg);
	ok(signers.n == 1 && !strcmp(signers.v[0], id), "its signer is reported");
	catalog_release(&c);
	memset(&e, 0, sizeof e);
	ok(catalog_verify_bytes("c.yaml", good, strlen(good), sig.p, sig.len, &o, &c, NULL, &e) == 0,
	   "verifying the same bytes again is fine");
	catalog_release(&c);

	/* A validly signed catalog with a duplicate key: the signature passes, the strict parse refuses. */
	dup = pf_xasprintf("%sname: evil\n", good);
	trust_sign(k, CATALOG_PAYLOAD_TYPE, dup, strlen(dup), &sig2, &e);
	memset(&e, 0, sizeof e);
	ok(catalog_verify_bytes("c.yaml", dup, strlen(dup), sig2.p, sig2.len, &o, &c, NULL, &e) == -PF_EFORMAT &&
	   strstr(e.msg, "duplicate key 'name'"), "duplicate key in a validly signed catalog refused (%s)", e.msg);
	free(dup);

	memset(&e, 0, sizeof e);
	ok(catalog_verify_bytes("c.yaml", good, strlen(good) - 1, sig.p, sig.len, &o, &c, NULL, &e) == -PF_EBADSIG,
	   "one byte less: bad signature");
	pf_time_parse("2026-12-22T00:00:00Z", &t);
	o.now = t;
	memset(&e, 0, sizeof e);
	ok(catalog_verify_bytes("c.yaml", good, strlen(good), sig.p, sig.len, &o, &c, NULL, &e) == -PF_EEXPIRED &&
	   strstr(e.msg, "expired at 2026-12-22T00:00:00Z"), "expired at its expiry time (%s)", e.msg);
	pf_time_parse("2026-06-01T00:00:00Z", &t);
	o.now = t;
	{
		char *v4 = pf_xasprintf("%s", good), *v2;

		v4[strstr(v4, "version: 3") - v4 + 9] = '4';
		sig2.len = 0;
		trust_sign(k, CATALOG_PAYLOAD_TYPE, v4, strlen(v4), &sig2, &e);
		ok(catalog_verify_bytes("c.yaml", v4, strlen(v4), sig2.p, sig2.len, &o, &c, NULL, &e) == 0,
		   "version 4 verifies and is recorded");
		catalog_release(&c);
		memset(&e, 0, sizeof e);
		ok(catalog_verify_bytes("c.yaml", good, strlen(good), sig.p, sig.len, &o, &c, NULL, &e) == -PF_EROLLBACK,
		   "version 3 after 4 is a rollback (%s)", e.msg);
		v2 = pf_xasprintf("%s  - ecosystem: npm\n    name: x\n    version: \"1\"\n    published: 2020-01-01\n"
				  "    artifact: {file: x.tgz, format: npm, size: 1, sha256: " SHA_A "}\n", v4);
		sig2.len = 0;
		trust_sign(k, CATALOG_PAYLOAD_TYPE, v2, strlen(v2), &sig2, &e);
		memset(&e, 0, sizeof e);
		ok(catalog_verify_bytes("c.yaml", v2, strlen(v2), sig2.p, sig2.len, &o, &c, NULL, &e) == -PF_EROLLBACK &&
		   strstr(e.msg, "other bytes"), "same version with other bytes refused (%s)", e.msg);
		free(v4);
		free(v2);
	}
	{
		char *cdir = pf_path_join(dir, "cat"), *cfile, *sfile;
		struct trust_store *own = trust_store_new();

		pf_mkdir_p(cdir, 0755, &e);
		cfile = pf_path_join(cdir, "catalog.yaml");
		sfile = pf_path_join(cdir, "catalog.yaml.sig");
		pf_write_file(cfile, good, strlen(good), 0644, &e);
		pf_write_file(sfile, sig.p, sig.len, 0644, &e);
		o.state_dir = NULL;
		ok(catalog_open_dir(cdir, &o, &c, NULL, &e) == 0, "catalog_open_dir reads and verifies");
		catalog_release(&c);
		free(cfile);
		cfile = pf_path_join(cdir, "trusted.pub");
		{
			struct pf_buf pb = PF_BUF_INIT;

			pf_read_file(pub, 4096, &pb, &e);
			pf_write_file(cfile, pb.p, pb.len, 0644, &e);
			pf_buf_release(&pb);
		}
		trust_store_add_file(own, cfile, &e);
		o.store = own;
		memset(&e, 0, sizeof e);
		ok(catalog_open_dir(cdir, &o, &c, NULL, &e) == -PF_EUNTRUSTED && strstr(e.msg, "own"),
		   "a key from the catalog's own directory is refused (%s)", e.msg);
		o.store = s;
		unlink(sfile);
		memset(&e, 0, sizeof e);
		ok(catalog_open_dir(cdir, &o, &c, NULL, &e) == -PF_EBADSIG && strstr(e.msg, "not signed"),
		   "missing signature file refused (%s)", e.msg);
		memset(&e, 0, sizeof e);
		{
			struct advisories a;

			ok(advisories_open_dir(cdir, &o, &a, NULL, &e) == -PF_ENOTFOUND, "no advisories: not found");
		}
		trust_store_free(own);
		free(cdir);
		free(cfile);
		free(sfile);
	}
	pf_strv_release(&signers);
	pf_buf_release(&sig);
	pf_buf_release(&sig2);
	trust_store_free(s);
	trust_key_free(k);
	free(key);
	free(pub);
	free(state);
}

static int json(const char *text, struct pf_err *e)
{
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *j;
	int rc;

	memset(e, 0, sizeof *e);
	rc = install_json_parse(&a, "p.json", text, strlen(text), &j, e);
	pf_arena_release(&a);
	return rc;
}

static void test_json(void)
{
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *j = NULL;
	struct pf_err e;
	const char *t = "{\"name\": \"x\\u00e9\\ud83d\\ude00\", \"n\": [1, -2.5e3, true, null], \"d\": {}}";

	memset(&e, 0, sizeof e);
	ok(install_json_parse(&a, "p.json", t, strlen(t), &j, &e) == 0, "JSON parses (%s)", e.msg);
	is_str(install_json_get(j, "name") ? install_json_get(j, "name")->str : NULL, "x\xc3\xa9\xf0\x9f\x98\x80",
	       "escapes and surrogate pairs decode to UTF-8");
	pf_arena_release(&a);
	ok(json("{\"a\": 1, \"a\": 2}", &e) == -PF_EFORMAT, "duplicate member refused (%s)", e.msg);
	ok(json("{\"a\": 1} x", &e) == -PF_EFORMAT, "trailing data refused");
	ok(json("{\"a\": 01}", &e) == -PF_EFORMAT, "leading zero refused");
	ok(json("[0, -0, 10, 0.5, -12.25e+3, 1E-2, 7e9]", &e) == 0, "JSON numbers of every form parse (%s)", e.msg);
	ok(json("[1.]", &e) == -PF_EFORMAT, "number without fraction digits refused");
	ok(json("[1e]", &e) == -PF_EFORMAT, "number without exponent digits refused");
	ok(json("[1e+]", &e) == -PF_EFORMAT, "number with a bare exponent sign refused");
	ok(json("[-]", &e) == -PF_EFORMAT, "a lone minus refused");
	ok(json("[.5]", &e) == -PF_EFORMAT, "number without integer digits refused");
	ok(json("{\"a\": \"\\ud800\"}", &e) == -PF_EFORMAT, "lone surrogate refused");
	ok(json("{\"a\": \"\\u0000\"}", &e) == -PF_EFORMAT, "NUL escape refused");
	ok(json("{\"a\": [1,]}", &e) == -PF_EFORMAT, "trailing comma refused");
	ok(json("{\"a\": \"x", &e) == -PF_EFORMAT, "unterminated string refused");
	{
		char deep[300];

		memset(deep, '[', 200);
		deep[200] = '\0';
		ok(json(deep, &e) == -PF_EFORMAT && strstr(e.msg, "deeply"), "nesting capped (%s)", e.msg);
	}
}

int main(void)
{
	struct pf_err e;
	char *dir;

	memset(&e, 0, sizeof e);
	dir = pf_mkdtemp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pf-catalog-", &e);
	if (!dir)
		return 1;
	test_parse_write();
	test_parse_errors();
	test_edit();
	test_advisory_urls();
	test_advisories();
	test_verified(dir);
	test_json();
	pf_rm_rf(dir);
	free(dir);
	return done_testing();
}
