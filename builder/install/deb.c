/* SPDX-License-Identifier: MIT */
/* The deb installer: data.tar.* under the environment root; maintainer scripts recorded, never run. */
#include <stdlib.h>
#include <string.h>

#include "install/stage.h"

#define TARF (INSTALL_FMT_TAR | INSTALL_FILTER_GZIP | INSTALL_FILTER_XZ | INSTALL_FILTER_ZSTD)

static const char *const maint[] = { "preinst", "postinst", "prerm", "postrm", "config", NULL };

static int member_is(const char *name, const char *stem)
{
	size_t n = strlen(stem);

	return !strncmp(name, stem, n) && (!name[n] || !strcmp(name + n, ".gz") || !strcmp(name + n, ".xz") ||
					   !strcmp(name + n, ".zst"));
}

static int control(struct install_ctx *x, struct install_reader *outer, const char *art, struct pf_buf *scripts,
		   struct pf_err *e)
{
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	int rc;

	stage_reader_opts(x, &o, art, TARF, 0);
	rc = install_reader_open_nested(&r, outer, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		rc = 0;
		for (const char *const *m = maint; *m; m++) {
			if (ent.type == INSTALL_E_FILE && !strcmp(ent.path, *m)) {
				if (scripts->len)
					pf_buf_addc(scripts, ',');
				pf_buf_adds(scripts, *m);
			}
		}
	}
	install_reader_close(r);
	return rc;
}

static int data(struct install_ctx *x, struct install_reader *outer, const char *art, struct pf_err *e)
{
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	int rc;

	stage_reader_opts(x, &o, art, TARF | INSTALL_CASE_DIRS | (x->rootfs ? INSTALL_ALLOW_ABSOLUTE_LINKS : 0), 0);
	rc = install_reader_open_nested(&r, outer, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		if (!strncmp(ent.path, "usr/lib/python3/dist-packages/", 30))
			__atomic_store_n(&x->deb_python, 1, __ATOMIC_RELAXED);
		if (!x->rootfs) {
			/* Debian's Python scripts name /usr/bin/python3; in the environment they use its venv. */
			if (ent.type == INSTALL_E_FILE &&
			    (!strncmp(ent.path, "usr/bin/", 8) || !strncmp(ent.path, "usr/sbin/", 9)))
				rc = stage_extract(x, r, ent.path, ent.mode, STAGE_SHEBANG_DEB, NULL, NULL, e);
			else
				rc = stage_entry(x, r, &ent, ent.path, ent.target, e);
			continue;
		}
		/*
		 * A root filesystem: Debian's merged /usr, every link relative and
		 * checked, scripts as Debian ships them (their /usr/bin/python3 is
		 * the environment's own).
		 */
		rc = rootfs_stage_entry(x, r, &ent, e);
	}
	install_reader_close(r);
	return rc;
}

int install_deb(struct install_ctx *x, const char *file, const char *path, struct pf_err *e)
{
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	struct pf_buf scripts = PF_BUF_INIT, ver = PF_BUF_INIT;
	int rc, n = 0, have_data = 0;

	stage_reader_opts(x, &o, file, INSTALL_FMT_AR, 0);
	o.unpacked = NULL;	/* members are counted when unpacked */
	rc = install_reader_open(&r, path, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		char *art = pf_xasprintf("%s/%s", file, ent.path);

		rc = 0;
		if (n++ == 0) {
			if (strcmp(ent.path, "debian-binary"))
				rc = install_reader_fail(r, e, "first member is not debian-binary");
			else if (!(rc = install_reader_slurp(r, 64, &ver, e)) && strncmp(pf_buf_cstr(&ver), "2.", 2))
				rc = install_reader_fail(r, e, "unsupported deb format version");
		} else if (member_is(ent.path, "control.tar")) {
			rc = control(x, r, art, &scripts, e);
		} else if (member_is(ent.path, "data.tar")) {
			if (have_data++)
				rc = install_reader_fail(r, e, "second data member");
			else
				rc = data(x, r, art, e);
		} else if (ent.path[0] != '_') {
			rc = install_reader_fail(r, e, "unknown deb member");
		}
		free(art);
	}
	if (!rc && !have_data)
		rc = pf_error(e, PF_EFORMAT, "'%s': no data.tar member", file);
	if (!rc && scripts.len)
	{
		pthread_mutex_lock(&x->mu);
		pf_strv_push_owned(&x->deb_scripts, pf_xasprintf("%s\t%s", stage_owner_name(x), scripts.p));
		pthread_mutex_unlock(&x->mu);
	}
	install_reader_close(r);
	pf_buf_release(&scripts);
	pf_buf_release(&ver);
	return rc;
}
