/* SPDX-License-Identifier: MIT */
/* Unit tests of the secure reader and the staging index, on archives written in memory by libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "install/extract.h"
#include "install/install.h"
#include "tap.h"

struct ent {
	const char *name;
	int type;		/* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO; 1 = hardlink */
	const char *data;	/* file contents, link target */
	unsigned mode;
};

static char dir[256];

static char *write_tar(const char *name, const struct ent *v)
{
	char *path = pf_xasprintf("%s/%s", dir, name);
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();

	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_filename(a, path);
	for (; v->name; v++) {
		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, v->name);
		archive_entry_set_perm(ae, v->mode ? v->mode : 0644);
		if (v->type == 1) {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, v->data);
		} else {
			archive_entry_set_filetype(ae, (unsigned)v->type);
			if (v->type == AE_IFLNK)
				archive_entry_set_symlink(ae, v->data);
			if (v->type == AE_IFREG)
				archive_entry_set_size(ae, (la_int64_t)strlen(v->data));
		}
		archive_write_header(a, ae);
		if (v->type == AE_IFREG)
			archive_write_data(a, v->data, strlen(v->data));
	}
	archive_entry_free(ae);
	archive_write_free(a);
	return path;
}

/* Read every entry (reader flags beyond tar+gzip: flags); the return code and the error text. */
static int read_flags(const char *path, unsigned flags, int strip, uint64_t cap, struct pf_err *e, int *nent)
{
	struct install_reader_opts o = { "t.tar.gz", INSTALL_FMT_TAR | INSTALL_FILTER_GZIP | flags, strip, 0, NULL,
					 cap, -1 };
	struct install_reader *r = NULL;
	struct install_entry ent;
	uint64_t unpacked = 0;
	int rc;

	o.unpacked = cap ? &unpacked : NULL;
	memset(e, 0, sizeof *e);
	*nent = 0;
	rc = install_reader_open(&r, path, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		const void *b;
		size_t n;

		(*nent)++;
		while ((rc = install_reader_block(r, &b, &n, e)) > 0)
			;
	}
	install_reader_close(r);
	return rc;
}

static int read_all(const char *path, int strip, uint64_t cap, struct pf_err *e, int *nent)
{
	return read_flags(path, 0, strip, cap, e, nent);
}

/* With INSTALL_CASE_DIRS (debs): want NULL when v must be accepted, else the refusal text. */
static void case_dirs(const char *what, const struct ent *v, const char *want)
{
	struct pf_err e;
	char *p = write_tar("t.tar.gz", v);
	int n, rc = read_flags(p, INSTALL_CASE_DIRS, 0, 0, &e, &n);

	if (want)
		ok(rc == -PF_EUNSAFE && strstr(e.msg, want), "case dirs: %s: %s", what, e.msg);
	else
		ok(rc == 0, "case dirs: %s: accepted (%s)", what, rc ? e.msg : "ok");
	free(p);
}

static void refused(const char *what, const struct ent *v, const char *want)
{
	struct pf_err e;
	char *p = write_tar("t.tar.gz", v);
	int n, rc = read_all(p, 0, 0, &e, &n);

	ok(rc == -PF_EUNSAFE && strstr(e.msg, want) && strstr(e.msg, "'t.tar.gz': entry '"), "%s: %s", what,
	   e.msg);
	free(p);
}

int main(void)
{
	struct pf_err e;
	int n, rc;
	char *p;

	snprintf(dir, sizeof dir, "%s/pf-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;

	refused("absolute", (struct ent[]){ { "/etc/x", AE_IFREG, "x", 0 }, { 0 } }, "absolute path");
	refused("dotdot", (struct ent[]){ { "a/../../x", AE_IFREG, "x", 0 }, { 0 } }, "'..' component");
	refused("backslash", (struct ent[]){ { "a\\x", AE_IFREG, "x", 0 }, { 0 } }, "backslash");
	refused("fifo", (struct ent[]){ { "f", AE_IFIFO, NULL, 0 }, { 0 } }, "FIFO");
	refused("symlink out", (struct ent[]){ { "a/l", AE_IFLNK, "../..", 0 }, { 0 } }, "leaves the package");
	refused("symlink absolute", (struct ent[]){ { "l", AE_IFLNK, "/etc", 0 }, { 0 } }, "is absolute");
	refused("symlink name then ..", (struct ent[]){ { "l", AE_IFLNK, "a/../b", 0 }, { 0 } }, "after a name");
	refused("through symlink", (struct ent[]){ { "d", AE_IFDIR, NULL, 0755 }, { "l", AE_IFLNK, "d", 0 },
						   { "l/x", AE_IFREG, "x", 0 }, { 0 } }, "through symlink 'l'");
	refused("duplicate", (struct ent[]){ { "x", AE_IFREG, "1", 0 }, { "x", AE_IFREG, "2", 0 }, { 0 } },
		"duplicate entry");
	refused("case", (struct ent[]){ { "A/x", AE_IFREG, "1", 0 }, { "a/y", AE_IFREG, "2", 0 }, { 0 } },
		"collides case-insensitively with 'A'");
	/* Debian's libperl5.36 ships Sys/ and sys/: directories may differ in case, nothing else may. */
	case_dirs("Sys/ and sys/ with other files", (struct ent[]){ { "p/Sys/", AE_IFDIR, NULL, 0755 },
		{ "p/Sys/Hostname.pm", AE_IFREG, "1", 0 }, { "p/sys/", AE_IFDIR, NULL, 0755 },
		{ "p/sys/ioctl.ph", AE_IFREG, "2", 0 }, { 0 } }, NULL);
	case_dirs("implicit A/ and a/", (struct ent[]){ { "A/x", AE_IFREG, "1", 0 }, { "a/y", AE_IFREG, "2", 0 },
		{ 0 } }, NULL);
	case_dirs("the same file in both", (struct ent[]){ { "A/x", AE_IFREG, "1", 0 }, { "a/X", AE_IFREG, "2", 0 },
		{ 0 } }, "collides case-insensitively with 'A/x'");
	case_dirs("files", (struct ent[]){ { "Readme", AE_IFREG, "1", 0 }, { "README", AE_IFREG, "2", 0 }, { 0 } },
		"collides case-insensitively with 'Readme'");
	case_dirs("a symlink over a dir", (struct ent[]){ { "d/", AE_IFDIR, NULL, 0755 }, { "D", AE_IFLNK, "x", 0 },
		{ 0 } }, "collides case-insensitively with 'd'");
	case_dirs("a dir over a symlink", (struct ent[]){ { "D", AE_IFLNK, "x", 0 }, { "d/", AE_IFDIR, NULL, 0755 },
		{ 0 } }, "collides case-insensitively with 'D'");
	case_dirs("written through a symlink of another case", (struct ent[]){ { "L", AE_IFLNK, "x", 0 },
		{ "l/evil", AE_IFREG, "1", 0 }, { 0 } }, "written through symlink 'L'");
	case_dirs("a file over a dir", (struct ent[]){ { "d/x", AE_IFREG, "1", 0 }, { "D", AE_IFREG, "2", 0 },
		{ 0 } }, "collides case-insensitively with 'd'");
	case_dirs("the second spelling twice", (struct ent[]){ { "s/", AE_IFDIR, NULL, 0755 },
		{ "S/", AE_IFDIR, NULL, 0755 }, { "S/", AE_IFDIR, NULL, 0755 }, { 0 } }, "duplicate entry");

	refused("file over dir", (struct ent[]){ { "d/x", AE_IFREG, "1", 0 }, { "d", AE_IFREG, "2", 0 }, { 0 } },
		"over a directory");
	refused("parent is a file", (struct ent[]){ { "f", AE_IFREG, "1", 0 }, { "f/x", AE_IFREG, "2", 0 }, { 0 } },
		"parent 'f' is a file");
	refused("hardlink to nothing", (struct ent[]){ { "h", 1, "nope", 0 }, { 0 } }, "not an earlier regular file");
	refused("hardlink to a dir", (struct ent[]){ { "d", AE_IFDIR, NULL, 0755 }, { "h", 1, "d", 0 }, { 0 } },
		"not an earlier regular file");
	refused("utf8", (struct ent[]){ { "bad\xff", AE_IFREG, "x", 0 }, { 0 } }, "not valid UTF-8");
	refused("overlong utf8", (struct ent[]){ { "bad\xc0\xaf", AE_IFREG, "x", 0 }, { 0 } }, "not valid UTF-8");

	ok(install_name_ok("caf\xc3\xa9", 5) == 0, "valid UTF-8 accepted");
	ok(install_name_ok("a\tb", 3) < 0, "tab refused");
	ok(install_name_ok("\xed\xa0\x80", 3) < 0, "surrogate refused");

	p = write_tar("ok.tar.gz", (struct ent[]){ { "./", AE_IFDIR, NULL, 0755 }, { "./a/b", AE_IFREG, "hello", 04777 },
						 { "a/l", AE_IFLNK, "b", 0 }, { "a/h", 1, "a/b", 0 }, { 0 } });
	rc = read_all(p, 0, 0, &e, &n);
	is_int(rc, 0, "a benign archive reads");
	is_int(n, 3, "root entry skipped, ./ stripped, three entries");
	rc = read_all(p, 0, 3, &e, &n);
	ok(rc == -PF_EUNSAFE && strstr(e.msg, "--max-unpacked-size"), "byte cap enforced: %s", e.msg);
	free(p);

	p = write_tar("npm.tgz", (struct ent[]){ { "package/x", AE_IFREG, "1", 0 }, { "top", AE_IFREG, "2", 0 }, { 0 } });
	rc = read_all(p, 1, 0, &e, &n);
	ok(rc == -PF_EUNSAFE && strstr(e.msg, "outside the package directory"), "strip 1: a top-level file is refused");
	free(p);

	/* The staging index: modes normalised, hardlink copied, conflicts named. */
	{
		struct install_opts io = { NULL, "3.11", 0, 0, 0 };
		struct install_ctx *x = NULL;
		char *root = pf_xasprintf("%s/root", dir);
		int found = 0;

		p = write_tar("g.tar.gz", (struct ent[]){ { "bin/tool", AE_IFREG, "#!/bin/sh\n", 04777 },
							 { "share/x", AE_IFREG, "x", 0666 },
							 { "share/y", 1, "share/x", 0 }, { 0 } });
		pf_mkdir_p(root, 0755, &e);
		memset(&e, 0, sizeof e);
		rc = install_new(&x, root, &io, &e);
		is_int(rc, 0, "install_new");
		rc = install_artifact(x, "generic", "g", "1", "generic", "g.tar.gz", p, &e);
		is_int(rc, 0, "generic artifact installs");
		for (size_t i = 0; x && i < install_nfiles(x); i++) {
			const struct install_file *f = install_file_at(x, i);

			if (!strcmp(f->path, "bin/tool"))
				found += f->mode == 0755 && f->kind == INSTALL_FILE;
			if (!strcmp(f->path, "share/x"))
				found += f->mode == 0644;
			if (!strcmp(f->path, "share/y"))
				found += f->size == 1 && f->kind == INSTALL_FILE;
		}
		is_int(found, 3, "modes normalised (04777 -> 0755, 0666 -> 0644), hardlink staged as a file");
		rc = install_artifact(x, "generic", "h", "2", "generic", "g.tar.gz", p, &e);
		ok(rc == -PF_EUNSAFE && strstr(e.msg, "installed by both 'generic:g 1' and 'generic:h 2'"),
		   "the same path from two packages: %s", e.msg);
		install_free(x);
		free(root);
		free(p);
	}
	pf_rm_rf(dir);
	return done_testing();
}
