/* SPDX-License-Identifier: MIT */
/* Unit tests of the manifest format and the reproducible writer. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "pack/pack.h"
#include "tap.h"

static char dir[256];

static void put(const char *root, const char *rel, const char *data, mode_t mode)
{
	char *p = pf_path_join(root, rel), *d = pf_dirname(p);
	struct pf_err e = { 0 };

	pf_mkdir_p(d, 0755, &e);
	pf_write_file(p, data, strlen(data), mode, &e);
	free(p);
	free(d);
}

int main(void)
{
	struct pack_list l = { NULL, 0, 0 }, back = { NULL, 0, 0 };
	struct pf_buf b = PF_BUF_INIT, b2 = PF_BUF_INIT;
	struct pack_result r1, r2;
	struct pf_err e = { 0 };
	char *a, *c, *o1, *o2;
	int rc;

	snprintf(dir, sizeof dir, "%s/pf-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	a = pf_xasprintf("%s/a", dir);
	c = pf_xasprintf("%s/c", dir);
	/* Same tree, created in a different order, with other umask-looking modes. */
	put(a, "z/last", "z\n", 0600);
	put(a, "a b/file", "1\n", 0700);
	put(a, "a-b", "2\n", 0644);
	put(c, "a-b", "2\n", 0664);
	put(c, "a b/file", "1\n", 0755);
	put(c, "z/last", "z\n", 0644);
	{
		char *l1 = pf_path_join(a, "z/link"), *l2 = pf_path_join(c, "z/link");

		ok(!symlink("last", l1) && !symlink("last", l2), "symlinks made");
		free(l1);
		free(l2);
	}
	rc = pack_scan(a, 1, &l, &e);
	is_int(rc, 0, "scan");
	pack_manifest_text(&l, &b);
	ok(strstr(b.p, "a b/file\tf\t0755\t2\t") != NULL, "exec bit normalised to 0755");
	ok(strstr(b.p, "z/last\tf\t0644\t2\t") != NULL, "0600 normalised to 0644");
	ok(strstr(b.p, "z/link\tl\t0777\t-\t-\tlast\n") != NULL, "symlink line has its target");
	ok(strstr(b.p, "a b\t") < strstr(b.p, "a-b\t") && strstr(b.p, "a-b\t") < strstr(b.p, "z\t"),
	   "sorted bytewise (' ' < '-' < 'z')");
	rc = pack_manifest_parse("m", b.p, b.len, &back, &e);
	is_int(rc, 0, "the manifest parses back");
	pack_manifest_text(&back, &b2);
	is_str(b2.p, b.p, "round trip is byte-identical");
	pack_list_release(&back);
	{
		char *bad = pf_xstrdup(b.p);
		char *line2 = strchr(bad, '\n') + 1;

		memcpy(line2, "zzz", 3);	/* breaks the order */
		rc = pack_manifest_parse("m", bad, strlen(bad), &back, &e);
		ok(rc == -PF_EFORMAT, "an unsorted manifest is refused: %s", e.msg);
		pack_list_release(&back);
		memset(&e, 0, sizeof e);
		rc = pack_manifest_parse("m", "#nope\n", 6, &back, &e);
		ok(rc == -PF_EFORMAT, "a foreign file is refused");
		pack_list_release(&back);
		free(bad);
	}

	o1 = pf_xasprintf("%s/one.tar.zst", dir);
	o2 = pf_xasprintf("%s/two.tar.zst", dir);
	memset(&e, 0, sizeof e);
	umask(077);
	rc = pack_tarball(a, NULL, o1, 1700000000, &r1, &e);
	is_int(rc, 0, "pack a");
	umask(022);
	rc = pack_tarball(c, NULL, o2, 1700000000, &r2, &e);
	is_int(rc, 0, "pack c");
	is_str(r1.sha256_out, r2.sha256_out, "same tree, other order and modes: same tarball");
	is_str(r1.sha256_tar, r2.sha256_tar, "and the same tar");
	{
		char hex[PF_SHA256_HEX];
		uint64_t size;
		struct stat st;

		pf_sha256_file(o1, hex, &size, &e);
		is_str(hex, r1.sha256_out, "reported SHA-256 is the file's");
		ok(!stat(o1, &st) && (st.st_mode & 0777) == 0644, "OUT is 0644 whatever the umask");
	}
	rc = pack_tarball(a, NULL, o1, 1700000001, &r2, &e);
	ok(!rc && strcmp(r1.sha256_out, r2.sha256_out), "another source_date_epoch changes the bytes");
	rc = pack_tarball(a, NULL, "/nonexistent/dir/x.tar.zst", 0, &r2, &e);
	ok(rc < 0, "an unwritable OUT fails");

	pack_list_release(&l);
	pf_buf_release(&b);
	pf_buf_release(&b2);
	free(a);
	free(c);
	free(o1);
	free(o2);
	pf_rm_rf(dir);
	return done_testing();
}
