/* SPDX-License-Identifier: MIT */
/* Unit tests for core/: strict YAML, the writer, time parsing, atomic files, digests. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/text.h"
#include "core/time.h"
#include "core/yaml.h"
#include "tap.h"

static int parse(const char *text, struct pf_err *e)
{
	struct pf_ydoc d;
	int rc;

	memset(e, 0, sizeof *e);
	rc = pf_yaml_parse(&d, "t.yaml", text, strlen(text), e);
	if (!rc)
		pf_ydoc_release(&d);
	return rc;
}

static void test_strict(void)
{
	struct pf_err e;

	ok(parse("a: 1\nb: [x, y]\nc: {d: e}\n", &e) == 0, "plain document parses");
	ok(parse("a: 1\nb: 2\na: 3\n", &e) == -PF_EFORMAT && strstr(e.msg, "t.yaml:3:1: duplicate key 'a'"),
	   "duplicate key refused with file:line:col (%s)", e.msg);
	ok(parse("a: &x 1\nb: *x\n", &e) == -PF_EFORMAT && strstr(e.msg, "anchors are not allowed"),
	   "anchor refused (%s)", e.msg);
	ok(parse("b: *x\n", &e) < 0, "alias refused (%s)", e.msg);
	ok(parse("a: !!str 1\n", &e) == -PF_EFORMAT && strstr(e.msg, "tags are not allowed"),
	   "tag refused (%s)", e.msg);
	ok(parse("a: 1\n---\nb: 2\n", &e) == -PF_EFORMAT && strstr(e.msg, "more than one"),
	   "second document refused (%s)", e.msg);
	ok(parse("? [a]\n: 1\n", &e) == -PF_EFORMAT && strstr(e.msg, "keys must be scalars"),
	   "non-scalar key refused (%s)", e.msg);
	ok(parse("a: [1, 2\n", &e) == -PF_EFORMAT && strstr(e.msg, "t.yaml:"), "syntax error located (%s)", e.msg);
	{
		struct pf_buf b = PF_BUF_INIT;

		for (int i = 0; i < 70; i++)
			pf_buf_addc(&b, '[');
		ok(parse(pf_buf_cstr(&b), &e) == -PF_EFORMAT && strstr(e.msg, "nesting"), "deep nesting refused");
		pf_buf_release(&b);
	}
	{
		struct pf_buf b = PF_BUF_INIT;

		for (int i = 0; i < 100; i++)
			pf_buf_addf(&b, "k%d: %d\n", i, i);
		pf_buf_adds(&b, "k42: again\n");
		ok(parse(pf_buf_cstr(&b), &e) == -PF_EFORMAT && strstr(e.msg, "duplicate key 'k42'"),
		   "duplicate key in a large map refused (%s)", e.msg);
		pf_buf_release(&b);
	}
}

/* Escapes decode to bytes a terminal acts on: refused wherever they appear, keys too. */
static void test_controls(void)
{
	static const char *const bad[] = {
		"a: \"\\e[31mred\"\n", "a: \"\\x1b]0;title\\x07\"\n", "a: \"\\x9b31m\"\n", "a: \"\\u009b\"\n",
		"a: \"x\\ny\"\n", "a: \"tab\\there\"\n", "a: \"\\u202e\"\n", "a: \"\\u2066x\"\n",
		"a: \"\\x7f\"\n", "\"k\\e\": 1\n", "a: [\"ok\", \"\\r\"]\n", "a: |\n  two\n  lines\n",
		NULL,
	};
	struct pf_err e;

	for (const char *const *t = bad; *t; t++)
		ok(parse(*t, &e) == -PF_EFORMAT && strstr(e.msg, "control character") && !strchr(e.msg, 0x1b),
		   "control characters refused: %.*s (%s)", (int)strcspn(*t, "\n"), *t, e.msg);
	ok(parse("a: \"caf\\u00e9 \\u2603 \\U0001F600\"\nb: ünïcödé\n", &e) == 0, "printable Unicode accepted (%s)",
	   e.msg);
	ok(pf_text_check("ok", 2) == 0 && pf_text_check("\xc0\xaf", 2) < 0 && pf_text_check("\xed\xa0\x80", 3) < 0 &&
	   pf_text_check("\xc2", 1) < 0 && pf_text_check("\xc2\x85", 2) < 0 && pf_text_check("\xe2\x80\xae", 3) < 0,
	   "overlong, surrogate, truncated, NEL and RLO refused");
}

/* A library's message may end in a newline (libarchive's do): an error is still one line. */
static void test_one_line(void)
{
	struct pf_err e = { 0 };

	pf_error(&e, PF_EFORMAT, "'%s': %s", "a.whl", "ZIP data is wrong size\n");
	is_str(e.msg, "'a.whl': ZIP data is wrong size", "a trailing newline is dropped from an error");
	pf_err_clear(&e);
	pf_error(&e, PF_EFORMAT, "x\ty\033[2Jz");
	is_str(e.msg, "x?y?[2Jz", "control characters in an error become '?'");
}

static void test_typed(void)
{
	static const char *const allowed[] = { "name", "version", "list", NULL };
	static const char *const required[] = { "name", NULL };
	const char *text = "name: x\nversion: \"7\"\nlist: [a, b]\n";
	struct pf_ydoc d;
	struct pf_err e = { 0 };
	long long v = 0;
	const char **l;
	size_t n;

	ok(pf_yaml_parse(&d, "t.yaml", text, strlen(text), &e) == 0, "typed doc parses");
	ok(pf_y_check_map(&d, d.root, "doc", allowed, required, &e) == 0, "allowed keys pass");
	ok(pf_y_int(&d, d.root, "version", 0, 100, &v, &e) == -PF_EFORMAT && strstr(e.msg, "t.yaml:2:10"),
	   "quoted integer is a wrong type (%s)", e.msg);
	memset(&e, 0, sizeof e);
	ok(pf_y_strlist(&d, d.root, "list", &l, &n, &e) == 0 && n == 2 && !strcmp(l[1], "b"), "string list");
	ok(pf_y_int(&d, d.root, "name", 0, 1, &v, &e) < 0, "string is not an integer");
	pf_ydoc_release(&d);

	text = "name: x\nextra: 1\n";
	memset(&e, 0, sizeof e);
	pf_yaml_parse(&d, "t.yaml", text, strlen(text), &e);
	ok(pf_y_check_map(&d, d.root, "doc", allowed, required, &e) == -PF_EFORMAT &&
	   strstr(e.msg, "t.yaml:2:1: unknown key 'extra'"), "unknown key refused (%s)", e.msg);
	pf_ydoc_release(&d);
}

static void test_writer(void)
{
	struct pf_yw w = { 0 };
	struct pf_buf out = PF_BUF_INIT;
	struct pf_ynode *root = pf_yw_map(&w), *seq = pf_yw_seq(&w), *item = pf_yw_map(&w);
	const char *want =
		"name: example\n"
		"version: 7\n"
		"odd: \"2.32.3\"\n"
		"quote: \"say \\\"hi\\\"\\n\"\n"
		"bool: \"yes\"\n"
		"empty: []\n"
		"packages:\n"
		"  - ecosystem: pypi\n"
		"    deps:\n"
		"      - \"idna >=2.5,<4\"\n";
	struct pf_ydoc d;
	struct pf_err e = { 0 };

	pf_yw_set_str(&w, root, "name", "example");
	pf_yw_set_int(&w, root, "version", 7);
	pf_yw_set_str(&w, root, "odd", "2.32.3");
	pf_yw_set_str(&w, root, "quote", "say \"hi\"\n");
	pf_yw_set_str(&w, root, "bool", "yes");
	pf_yw_set(&w, root, "empty", pf_yw_seq(&w));
	pf_yw_set_str(&w, item, "ecosystem", "pypi");
	pf_yw_set(&w, item, "deps", pf_yw_strlist(&w, (const char *[]){ "idna >=2.5,<4" }, 1));
	pf_yw_push(&w, seq, item);
	pf_yw_set(&w, root, "packages", seq);
	pf_yaml_emit(root, &out);
	is_str(pf_buf_cstr(&out), want, "writer output is stable and quoted where needed");
	ok(pf_yaml_parse(&d, "w.yaml", out.p, out.len, &e) == -PF_EFORMAT && strstr(e.msg, "w.yaml:4:8: control"),
	   "a newline the writer escaped is refused when read back (%s)", e.msg);
	out.len = 0;
	root->n = 0;
	pf_yw_set_str(&w, root, "quote", "say \"hi\" \\ bye");
	pf_yw_set_str(&w, root, "bool", "yes");
	pf_yaml_emit(root, &out);
	memset(&e, 0, sizeof e);
	ok(pf_yaml_parse(&d, "w.yaml", out.p, out.len, &e) == 0, "writer output parses back (%s)", e.msg);
	is_str(pf_y_get(d.root, "quote")->str, "say \"hi\" \\ bye", "escapes round-trip");
	is_str(pf_y_get(d.root, "bool")->str, "yes", "reserved word stays a string");
	pf_ydoc_release(&d);
	pf_buf_release(&out);
	pf_yw_release(&w);
}

static void test_time(void)
{
	time_t t;
	char s[PF_TIME_STR];

	ok(pf_time_parse("2026-12-22T00:00:00Z", &t) == 0 && t == 1797897600, "RFC 3339 parse");
	pf_time_format(t, s);
	is_str(s, "2026-12-22T00:00:00Z", "RFC 3339 format");
	ok(pf_time_parse("2026-12-22T02:00:00+02:00", &t) == 0 && t == 1797897600, "offset handled");
	ok(pf_time_parse("2026-02-30T00:00:00Z", &t) < 0, "impossible date refused");
	ok(pf_time_parse("2026-12-22 00:00:00", &t) < 0, "no zone refused");
	ok(pf_date_parse("2024-02-29", &t) == 0, "leap day");
	ok(pf_date_parse("2023-02-29", &t) < 0, "non-leap day refused");
}

static void test_files(void)
{
	char dir[] = "/tmp/pf-core-XXXXXX", *path, *big;
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e = { 0 };
	struct pf_afile f;
	char hex[PF_SHA256_HEX];
	struct stat st;

	ok(mkdtemp(dir) != NULL, "temp dir");
	path = pf_path_join(dir, "out.txt");
	ok(pf_write_file(path, "hello", 5, 0644, &e) == 0, "atomic write");
	ok(pf_read_file(path, 5, &b, &e) == 0 && b.len == 5, "read within cap");
	b.len = 0;
	ok(pf_read_file(path, 4, &b, &e) == -PF_ETOOBIG && strstr(e.msg, "refused unread"), "cap refuses unread");
	memset(&e, 0, sizeof e);
	ok(pf_afile_open(&f, path, 0644, &e) == 0, "open temp");
	pf_afile_write(&f, "partial", 7);
	pf_afile_abort(&f);
	b.len = 0;
	pf_read_file(path, 100, &b, &e);
	is_str(pf_buf_cstr(&b), "hello", "aborted write leaves the old file");
	ok(pf_sha256_file(path, hex, NULL, &e) == 0, "hash file");
	is_str(hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "sha256 of hello");
	ok(pf_is_sha256_hex(hex) && !pf_is_sha256_hex("ABC"), "sha256 hex check");
	stat(path, &st);
	is_int(st.st_mode & 0777, 0644, "mode applied");
	big = pf_path_join(dir, "a/b/c");
	ok(pf_mkdir_p(big, 0755, &e) == 0 && pf_is_dir(big), "mkdir -p");
	ok(pf_rm_rf(dir) == 0 && !pf_exists(dir), "rm -rf");
	free(big);
	free(path);
	pf_buf_release(&b);
}

int main(void)
{
	test_strict();
	test_controls();
	test_one_line();
	test_typed();
	test_writer();
	test_time();
	test_files();
	return done_testing();
}
