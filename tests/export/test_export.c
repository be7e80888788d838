/* SPDX-License-Identifier: MIT */
/* Unit tests of export/: purls, declared licences, the JSON writer, name-based UUIDs, gzip, ref names. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/digest.h"
#include "export/gzip.h"
#include "export/json.h"
#include "export/license.h"
#include "export/oci.h"
#include "export/purl.h"
#include "install/meta.h"
#include "lock/lock.h"
#include "tap.h"

static void purl_is(const char *eco, const char *name, const char *version, const char *file, const char *distro,
		    const char *want, const char *what)
{
	struct lock_pkg p;
	struct pf_buf b = PF_BUF_INIT;

	memset(&p, 0, sizeof p);
	p.ecosystem = eco;
	p.name = name;
	p.version = version;
	p.artifact.file = file;
	memcpy(p.artifact.sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", PF_SHA256_HEX);
	export_purl(&p, distro, &b);
	is_str(b.p, want, what);
	pf_buf_release(&b);
}

static void expr_is(const char *in, const char *want, int want_single, const char *what)
{
	struct pf_buf b = PF_BUF_INIT;
	int single = -1, rc = export_license_expr(in, &b, &single);

	if (!want) {
		ok(rc < 0, "%s: '%s' is refused", what, in);
	} else {
		is_str(rc == 0 ? b.p : NULL, want, what);
		is_int(single, want_single, "... single identifier or not");
	}
	pf_buf_release(&b);
}

static void meta_is(const char *license, int is_expr, const char *c1, const char *c2, const char *want_expr,
		    const char *want_text, const char *what)
{
	struct install_meta m;
	struct export_license l;
	const char *cls[2] = { c1, c2 };

	memset(&m, 0, sizeof m);
	m.license = license;
	m.license_is_expression = is_expr;
	m.license_classifiers = cls;
	m.nlicense_classifiers = c2 ? 2 : c1 ? 1 : 0;
	export_license_from_meta(&m, &l);
	ok((want_expr ? l.expr && !strcmp(l.expr, want_expr) : !l.expr) &&
		   (want_text ? l.text && !strcmp(l.text, want_text) : !l.text),
	   "%s (expr '%s', text '%s')", what, l.expr ? l.expr : "-", l.text ? l.text : "-");
	export_license_release(&l);
}

static int gz_sink(void *ud, const void *buf, size_t n, struct pf_err *e)
{
	(void)e;
	pf_buf_add(ud, buf, n);
	return 0;
}

static void gzip_once(const char *data, size_t n, size_t piece, struct pf_buf *out)
{
	struct export_gzip g;
	struct pf_err e = { 0 };

	export_gzip_init(&g, gz_sink, out, &e);
	for (size_t off = 0; off < n; off += piece)
		export_gzip_write(&g, data + off, n - off < piece ? n - off : piece, &e);
	export_gzip_finish(&g, &e);
	export_gzip_release(&g);
}

static void lock_with(struct lockfile *l, struct lock_pkg *pkgs, size_t n)
{
	memset(l, 0, sizeof *l);
	l->pkgs = pkgs;
	l->npkgs = n;
}

int main(void)
{
	/* --- purl: the purl spec's rules, per type */
	purl_is("pypi", "Django_Allauth", "12.23", "x.whl", NULL, "pkg:pypi/django-allauth@12.23",
		"pypi: lowercased, '_' becomes '-'");
	purl_is("pypi", "zope.interface", "6.0", "x.whl", NULL, "pkg:pypi/zope-interface@6.0",
		"pypi: '.' becomes '-' (PEP 503)");
	purl_is("pypi", "a-_.b", "1!2.0+local.1", "x.whl", NULL, "pkg:pypi/a-b@1%212.0%2Blocal.1",
		"pypi: a run of separators is one '-'; '!' and '+' in the version are percent-encoded");
	purl_is("npm", "@isaacs/string-locale-compare", "1.1.0", "x.tgz", NULL,
		"pkg:npm/%40isaacs/string-locale-compare@1.1.0", "npm: the scope is the namespace, '@' encoded");
	purl_is("npm", "@Angular/Animation", "12.3.1", "x.tgz", NULL, "pkg:npm/%40angular/animation@12.3.1",
		"npm: scope and name lowercased");
	purl_is("npm", "semver", "7.6.3-rc.1+build", "semver-7.6.3.tgz", NULL, "pkg:npm/semver@7.6.3-rc.1%2Bbuild",
		"npm: '+' in a version is encoded");
	purl_is("deb", "python3-idna", "3.3-1+deb12u1", "python3-idna_3.3-1+deb12u1_all.deb", "debian-12",
		"pkg:deb/debian/python3-idna@3.3-1%2Bdeb12u1?arch=all&distro=debian-12",
		"deb: '+' encoded, arch from the file name, distro qualifier, sorted");
	purl_is("deb", "attr", "1:2.4.47-2+b1", "attr_2.4.47-2+b1_amd64.deb", NULL,
		"pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64", "deb: the epoch stays in the version with a literal ':'");
	purl_is("deb", "LibFoo", "1.0", "not-a-deb-name", NULL, "pkg:deb/debian/libfoo@1.0",
		"deb: name lowercased; no arch when the file name does not carry one");
	purl_is("generic", "my tool", "2.0", "t.tar.gz", NULL,
		"pkg:generic/my%20tool@2.0?checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"generic: name encoded, the artifact's sha256 as checksum");
	{
		struct lock_pkg p[3];
		struct lockfile l;
		char buf[32];

		memset(p, 0, sizeof p);
		p[0] = (struct lock_pkg){ "deb", "python3-idna", "3.3-1+deb12u1", { 0 }, NULL, 0 };
		p[1] = (struct lock_pkg){ "deb", "python3-six", "1.16.0-4", { 0 }, NULL, 0 };
		p[2] = (struct lock_pkg){ "npm", "x", "1.0.0+deb11u1", { 0 }, NULL, 0 };
		lock_with(&l, p, 3);
		is_str(export_deb_distro(&l, buf, sizeof buf), "debian-12",
		       "distro from Debian's stable-update suffix (npm versions do not count)");
		p[1].version = "2.0-1~deb11u2";
		ok(!export_deb_distro(&l, buf, sizeof buf), "debs of two releases: no distro");
		p[1] = (struct lock_pkg){ "deb", "base-files", "12.4+deb12u5", { 0 }, NULL, 0 };
		p[0].version = "1.0-1~deb11u1";
		is_str(export_deb_distro(&l, buf, sizeof buf), "debian-12", "base-files decides when it is locked");
		p[1].name = "python3-six";
		p[1].version = "1.16.0-4";
		p[0].version = "3.3-1";
		ok(!export_deb_distro(&l, buf, sizeof buf), "nothing says which release: no distro");
	}

	/* --- licence expressions */
	expr_is("MIT", "MIT", 1, "a single id");
	expr_is("mit", "MIT", 1, "ids are case-insensitive, written as the list spells them");
	expr_is("(MIT OR Apache-2.0)", "(MIT OR Apache-2.0)", 0, "OR in parentheses");
	expr_is("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception", 0, "WITH an exception");
	expr_is("GPL-2.0+ and bsd-3-clause", "GPL-2.0+ AND BSD-3-Clause", 0, "'+' and lowercase operators");
	expr_is("BSD", NULL, 0, "a word that is no SPDX id");
	expr_is("MIT OR", NULL, 0, "a dangling operator");
	expr_is("(MIT", NULL, 0, "an unclosed parenthesis");
	expr_is("MIT Apache-2.0", NULL, 0, "two ids without an operator");
	expr_is("LicenseRef-foo", NULL, 0, "LicenseRef is not vouched for");
	expr_is("MIT WITH GPL-2.0", NULL, 0, "WITH takes an exception, not a licence");
	expr_is("", NULL, 0, "empty");
	meta_is("MIT", 0, "License :: OSI Approved :: MIT License", NULL, "MIT", NULL,
		"wheel: License that is an expression");
	meta_is(NULL, 0, "License :: OSI Approved :: MIT License", NULL, "MIT", NULL,
		"wheel: no License, one classifier that names one licence (setuptools 66)");
	meta_is("UNKNOWN", 0, "License :: OSI Approved :: MIT License", NULL, "MIT", NULL,
		"wheel: 'UNKNOWN' counts as nothing");
	meta_is("BSD", 0, "License :: OSI Approved :: BSD License", NULL, NULL, "BSD",
		"wheel: free text stays text, never guessed into an id");
	meta_is(NULL, 0, "License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License",
		NULL, "License :: OSI Approved :: MIT License; License :: OSI Approved :: Apache Software License",
		"wheel: several classifiers are ambiguous: kept as text");
	meta_is("Apache-2.0 OR MIT", 1, NULL, NULL, "Apache-2.0 OR MIT", NULL, "License-Expression / npm license");
	meta_is("SEE LICENSE IN LICENSE.md", 1, NULL, NULL, NULL, "SEE LICENSE IN LICENSE.md",
		"npm: 'SEE LICENSE IN' is text");
	meta_is(NULL, 0, NULL, NULL, NULL, NULL, "nothing declared");

	/* --- JSON writer */
	{
		struct pf_buf b = PF_BUF_INIT;
		struct export_json j;

		export_json_init(&j, &b, 0);
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "a", "q\"b\\s\n\x01\xff\xc3\xa9\xed\xa0\x80");
		export_json_open(&j, "l", '[');
		export_json_int(&j, NULL, -3);
		export_json_bool(&j, NULL, 1);
		export_json_open(&j, NULL, '{');
		export_json_close(&j, '{');
		export_json_close(&j, '[');
		export_json_close(&j, '{');
		export_json_finish(&j);
		is_str(b.p, "{\"a\":\"q\\\"b\\\\s\\n\\u0001\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\",\"l\":[-3,true,{}]}",
		       "compact JSON: escapes, invalid UTF-8 and surrogates become U+FFFD, UTF-8 kept");
		b.len = 0;
		export_json_init(&j, &b, 1);
		export_json_open(&j, NULL, '{');
		export_json_str(&j, "k", "v");
		export_json_open(&j, "e", '[');
		export_json_close(&j, '[');
		export_json_close(&j, '{');
		export_json_finish(&j);
		is_str(b.p, "{\n  \"k\": \"v\",\n  \"e\": []\n}\n", "pretty JSON: two-space indent, empty array inline");
		pf_buf_release(&b);
	}

	/* --- UUID version 5 (RFC 4122's name-based UUID; the value Python's uuid.uuid5 gives) */
	{
		static const unsigned char dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
						       0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
		char u[PF_UUID_STR];

		pf_uuid5(dns, "python.org", 10, u);
		is_str(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d", "uuid5(NAMESPACE_DNS, 'python.org')");
	}

	/* --- gzip: fixed header, same bytes however the input is cut, and it decompresses */
	{
		size_t n = (size_t)3 << 20;
		char *data = malloc(n), *back = malloc(n);
		struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
		uLongf blen = (uLongf)n;
		z_stream z;
		int zr;

		for (size_t i = 0; i < n; i++)
			data[i] = (char)((i * 2654435761u) >> 13 & (i % 7 ? 0x3f : 0xff));
		gzip_once(data, n, n, &a);
		gzip_once(data, n, 4093, &b);
		ok(a.len == b.len && !memcmp(a.p, b.p, a.len), "gzip: the same bytes whether fed at once or in pieces");
		ok(a.len > 18 && (unsigned char)a.p[0] == 0x1f && (unsigned char)a.p[1] == 0x8b && a.p[2] == 8,
		   "gzip: magic and deflate");
		ok(a.p[3] == 0 && !a.p[4] && !a.p[5] && !a.p[6] && !a.p[7], "gzip: no flags (no name, comment, extra), MTIME 0");
		is_int((unsigned char)a.p[9], 255, "gzip: OS byte 255 (unknown), not the build machine's");
		memset(&z, 0, sizeof z);
		inflateInit2(&z, 16 + 15);
		z.next_in = (Bytef *)a.p;
		z.avail_in = (uInt)a.len;
		z.next_out = (Bytef *)back;
		z.avail_out = (uInt)blen;
		zr = inflate(&z, Z_FINISH);
		ok(zr == Z_STREAM_END && z.total_out == n && !memcmp(back, data, n), "gzip: zlib inflates it back");
		inflateEnd(&z);
		pf_buf_release(&a);
		pf_buf_release(&b);
		free(data);
		free(back);
	}

	/* --- OCI reference names */
	ok(export_ref_name_ok("agent-default"), "ref name: a plain name");
	ok(export_ref_name_ok("registry.example/team/agent:1.2.3"), "ref name: host/path:tag");
	ok(export_ref_name_ok("a__b"), "ref name: a double underscore");
	ok(!export_ref_name_ok(""), "ref name: empty refused");
	ok(!export_ref_name_ok("-x"), "ref name: must start with a letter or digit");
	ok(!export_ref_name_ok("a..b"), "ref name: no '..'");
	ok(!export_ref_name_ok("a/../b"), "ref name: no climbing");
	ok(!export_ref_name_ok("a b"), "ref name: no space");
	ok(!export_ref_name_ok("a\nb"), "ref name: no control character");
	return done_testing();
}
