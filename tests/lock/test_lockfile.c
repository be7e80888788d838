/* SPDX-License-Identifier: MIT */
/* Unit tests for lock/: the lockfile round trip and strict reading, and strict image reading. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "lock/lock.h"
#include "tap.h"

static const char *const H = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static void make_lock(struct lockfile *l, struct lock_pkg *p)
{
	static const char *by[] = { "image" };
	static const char *keys[] = { "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" };

	memset(l, 0, sizeof *l);
	memset(p, 0, 2 * sizeof *p);
	l->image_name = "web";
	memcpy(l->image_sha256, H, PF_SHA256_HEX);
	l->catalog_name = "demo";
	l->catalog_version = 3;
	memcpy(l->catalog_sha256, H, PF_SHA256_HEX);
	l->catalog_source = "../catalog";
	l->catalog_keys = keys;
	l->ncatalog_keys = 1;
	l->min_age_days = 14;
	l->age_cutoff = "2026-05-18T00:00:00Z";
	l->target_runtime = "self-contained";
	l->target_python = "3.11";
	l->source_date_epoch = 1768003200;
	/* given out of order: the writer sorts */
	p[0].ecosystem = "pypi", p[0].name = "requests", p[0].version = "2.32.3";
	p[1].ecosystem = "npm", p[1].name = "axios", p[1].version = "1.13.6";
	for (int i = 0; i < 2; i++) {
		p[i].artifact.file = i ? "axios-1.13.6.tgz" : "requests-2.32.3-py3-none-any.whl";
		p[i].artifact.format = i ? "npm" : "wheel";
		p[i].artifact.size = 1000 + (uint64_t)i;
		memcpy(p[i].artifact.sha256, H, PF_SHA256_HEX);
		p[i].requested_by = by;
		p[i].nrequested_by = 1;
	}
	l->pkgs = p;
	l->npkgs = 2;
}

static int parse_text(const char *text, struct pf_err *e)
{
	struct lockfile l;
	int rc;

	memset(e, 0, sizeof *e);
	rc = lock_parse(&l, "t.lock", text, strlen(text), e);
	if (!rc)
		lock_release(&l);
	return rc;
}

/* Replace the first occurrence of from with to in s (caller frees). */
static char *edit(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out;

	if (!at)
		return strdup(s);
	out = pf_xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

static int image_text(const char *text, struct pf_err *e)
{
	char path[] = "/tmp/pinfold-image-XXXXXX";
	int fd = mkstemp(path);
	struct image im;
	int rc;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -999;
	close(fd);
	memset(e, 0, sizeof *e);
	rc = image_load(&im, path, e);
	if (!rc)
		image_release(&im);
	unlink(path);
	return rc;
}

int main(void)
{
	struct lockfile l, back;
	struct lock_pkg p[2];
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	struct pf_err e = { 0 };
	char *t;

	make_lock(&l, p);
	lock_write(&l, &a);
	ok(strstr(a.p, "format: pinfold-lock/1") != NULL, "writer emits the format");
	ok(strstr(a.p, "ecosystem: npm") < strstr(a.p, "ecosystem: pypi"), "packages sorted by ecosystem");
	ok(strstr(a.p, "age_cutoff: \"2026-05-18T00:00:00Z\"") != NULL, "absolute age cutoff written");
	is_int(lock_parse(&back, "t.lock", a.p, a.len, &e), 0, "written lock parses");
	lock_write(&back, &b);
	is_str(back.target_runtime ? back.target_runtime : "", "self-contained", "target.runtime round-trips");
	is_str(b.p, a.p, "parse + write gives the same bytes");
	ok(lock_find(&back, "npm", "axios") && !lock_find(&back, "npm", "nope"), "lock_find");
	lock_release(&back);

	t = edit(a.p, H, "1234");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "sha256 must be 64 lowercase hex"), "short image sha refused (%s)", e.msg);
	free(t);
	t = edit(a.p, "      sha256: aaaa", "      sha256: AAAA");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "package npm:axios 1.13.6"),
	   "uppercase artifact sha256 refused naming the package (%s)", e.msg);
	free(t);
	t = edit(a.p, "      size: 1001\n", "");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "needs file, format, size and sha256") &&
	   strstr(e.msg, "npm:axios"), "missing size refused naming the package (%s)", e.msg);
	free(t);
	t = edit(a.p, "format: npm", "format: exe");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "unknown artifact format 'exe'"), "unknown format refused (%s)", e.msg);
	free(t);
	t = edit(a.p, "file: axios-1.13.6.tgz", "file: ../evil.tgz");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "plain file name"), "file with '/' refused (%s)", e.msg);
	free(t);
	{
		char *t1 = edit(a.p, "name: requests", "name: axios"), *t2 = edit(t1, "ecosystem: pypi", "ecosystem: npm");

		/* npm nests: one name at two versions is a lock npm itself would write */
		ok(parse_text(t2, &e) == 0, "npm: one name at two versions accepted (%s)", e.msg);
		t = edit(t2, "\"2.32.3\"", "\"1.13.6\"");
		ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "npm:axios 1.13.6 is listed twice"),
		   "npm: the same version twice refused (%s)", e.msg);
		free(t);
		free(t2);
		t = edit(t1, "ecosystem: npm", "ecosystem: pypi");
		free(t1);
	}
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "pypi:axios is listed twice"),
	   "another ecosystem: one name twice refused, whatever the versions (%s)", e.msg);
	free(t);
	t = edit(a.p, "format: pinfold-lock/1", "format: pinfold-lock/2");
	ok(parse_text(t, &e) == -PF_EFORMAT, "other format refused (%s)", e.msg);
	free(t);
	t = edit(a.p, "source_date_epoch:", "surprise: 1\nsource_date_epoch:");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "surprise"), "unknown key refused (%s)", e.msg);
	free(t);
	t = edit(a.p, "age_cutoff: \"2026-05-18T00:00:00Z\"", "age_cutoff: yesterday");
	ok(parse_text(t, &e) == -PF_EFORMAT && strstr(e.msg, "age_cutoff"), "bad cutoff refused (%s)", e.msg);
	free(t);
	ok(parse_text("", &e) == -PF_EFORMAT, "empty lock refused (%s)", e.msg);

	is_int(image_text("name: a\ncatalog: ../c\npackages: [\"pypi:x\"]\n", &e), 0, "minimal image loads");
	ok(image_text("name: a\ncatalog: ../c\npackages: []\n", &e) == -PF_EFORMAT, "empty packages refused (%s)", e.msg);
	ok(image_text("name: a/b\ncatalog: ../c\npackages: [x]\n", &e) == -PF_EFORMAT, "bad name refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\ntrust: {keys: [abc], threshold: 1}\n", &e) ==
	   -PF_EFORMAT && strstr(e.msg, "not a key id"), "bad key id refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\ntrust: {keys: [\"" "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"], threshold: 2}\n", &e) ==
	   -PF_EFORMAT && strstr(e.msg, "more than the 1 pinned"), "threshold above the keys refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\npolicy: {min_age_days: -1}\n", &e) == -PF_EFORMAT,
	   "negative min_age_days refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\ntarget: {python: \"three\"}\n", &e) == -PF_EFORMAT,
	   "bad python version refused (%s)", e.msg);
	is_int(image_text("name: a\ncatalog: ../c\npackages: [\"deb:x\"]\ntarget: {runtime: self-contained}\n", &e), 0,
	       "target.runtime self-contained loads");
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\ntarget: {runtime: chroot}\n", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "'host' or 'self-contained'"), "unknown target.runtime refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [x]\ntarget: {runtime: self-contained, host: [\"npm:node 18.0.0\"]}\n",
		      &e) == -PF_EFORMAT && strstr(e.msg, "nothing comes from the host"),
	   "target.host with a self-contained runtime refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [\"pip:x\"]\n", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "unknown ecosystem 'pip'"), "unknown ecosystem refused (%s)", e.msg);
	is_int(image_text("name: a\ncatalog: ../c\npackages: [\"deb:x\"]\nsandbox: {allow_hosts: [api.example.com, \"*.x.test:8443\"]}\n",
			  &e), 0, "sandbox.allow_hosts loads");
	ok(image_text("name: a\ncatalog: ../c\npackages: [\"deb:x\"]\nsandbox: {allow_hosts: [\"a b\"]}\n", &e) ==
	   -PF_EFORMAT && strstr(e.msg, "not a host pattern"), "sandbox.allow_hosts with a space refused (%s)", e.msg);
	ok(image_text("name: a\ncatalog: ../c\npackages: [\"deb:x\"]\nsandbox: {net: true}\n", &e) == -PF_EFORMAT &&
	   strstr(e.msg, "net"), "an unknown key under sandbox refused (%s)", e.msg);
	{
		static const char *hosts[] = { "api.example.com", "*.x.test:8443" };

		pf_buf_release(&a);
		pf_buf_release(&b);
		make_lock(&l, p);
		l.allow_hosts = hosts;
		l.nallow_hosts = 2;
		lock_write(&l, &a);
		ok(strstr(a.p, "sandbox:") && strstr(a.p, "allow_hosts:"), "the lock carries sandbox.allow_hosts");
		is_int(lock_parse(&back, "t.lock", a.p, a.len, &e), 0, "and parses");
		ok(back.nallow_hosts == 2 && !strcmp(back.allow_hosts[1], "*.x.test:8443"), "with both entries, in order");
		lock_write(&back, &b);
		is_str(b.p, a.p, "parse + write gives the same bytes (with sandbox)");
		lock_release(&back);
	}
	pf_buf_release(&a);
	pf_buf_release(&b);
	return done_testing();
}
