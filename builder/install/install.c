/* SPDX-License-Identifier: MIT */
/* The staging tree: path ownership across packages, symlink-proof writes, and format dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "install/stage.h"

_Thread_local int install_tl_owner, install_tl_spool;
_Thread_local int install_tl_fd = -1;

const char *stage_owner_name(const struct install_ctx *x)
{
	return x->owner_names.v[STAGE_OWNER];
}

void stage_reader_opts(struct install_ctx *x, struct install_reader_opts *o, const char *artifact,
		       unsigned flags, int strip)
{
	memset(o, 0, sizeof *o);
	o->artifact = artifact;
	o->flags = flags;
	o->strip = strip;
	o->max_entries = x->max_entries;
	o->unpacked = &x->unpacked;
	o->max_unpacked = x->max_unpacked;
	o->fd = install_tl_fd;
}

static const char *kind_name(int k)
{
	return k == STAGE_LINK ? "symlink" : k == STAGE_FILE ? "file" : "directory";
}

int stage_lookup(struct install_ctx *x, const char *path, int *owner)
{
	struct install_map_slot *s;
	int kind = 0;

	pthread_mutex_lock(&x->mu);
	s = install_map_get(&x->owners, path);
	if (s) {
		if (owner)
			*owner = x->files[s->val].owner;
		kind = (int)x->files[s->val].kind;
	}
	pthread_mutex_unlock(&x->mu);
	return kind;
}

static int add_file(struct install_ctx *x, const char *path, enum stage_kind kind)
{
	struct install_file *f;

	PF_GROW(x->files, x->nfiles + 1, x->fcap);
	f = &x->files[x->nfiles];
	memset(f, 0, sizeof *f);
	f->path = pf_xstrdup(path);
	f->kind = (enum install_kind)kind;
	f->owner = STAGE_OWNER;
	f->mode = kind == STAGE_LINK ? 0777 : 0755;
	return (int)x->nfiles++;
}

/* Conflicts name the two packages in lock order, whichever worker got there first. */
static int both(struct install_ctx *x, const char *path, int a, int b, struct pf_err *e)
{
	if (a > b) {
		int t = a;

		a = b;
		b = t;
	}
	return pf_error(e, PF_EUNSAFE, "'%s' is installed by both '%s' and '%s'", path, x->owner_names.v[a],
			x->owner_names.v[b]);
}

/* Every staged path is relative and plain, whoever built it (installers join names from metadata). */
static int path_ok(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 4096)
		return 0;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
		if (*c && !*++c)
			return 0;
	}
	return 1;
}

static int claim(struct install_ctx *x, const char *path, enum stage_kind kind, struct pf_err *e)
{
	char *p = pf_xstrdup(path);
	struct install_map_slot *s;
	int rc = 0, created;

	if (!path_ok(p)) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is not a plain relative path", stage_owner_name(x), path);
		goto out;
	}

	if (STAGE_OWNER && (!strcmp(p, ".pinfold") || !strncmp(p, ".pinfold/", 9))) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is reserved for pinfold", stage_owner_name(x), path);
		goto out;
	}
	for (char *q = p; (q = strchr(q, '/')); q++) {
		*q = '\0';
		s = install_map_put(&x->owners, p, &created);
		if (created) {
			s->val = add_file(x, p, STAGE_DIR);
		} else if (x->files[s->val].kind != INSTALL_DIR) {
			const struct install_file *f = &x->files[s->val];

			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' would be written through %s '%s' of '%s'",
				      stage_owner_name(x), path, kind_name((int)f->kind), p,
				      x->owner_names.v[f->owner]);
		}
		*q = '/';
		if (rc)
			goto out;
	}
	s = install_map_put(&x->owners, p, &created);
	if (created) {
		s->val = add_file(x, p, kind);
		rc = s->val;
	} else {
		const struct install_file *f = &x->files[s->val];

		if ((kind == STAGE_DIR && f->kind == INSTALL_DIR) ||
		    (STAGE_OWNER == 0 && f->owner == 0 && (int)f->kind == (int)kind)) {
			rc = s->val;
		} else if (f->owner == STAGE_OWNER) {
			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is written twice", stage_owner_name(x), path);
		} else {
			rc = both(x, path, f->owner, STAGE_OWNER, e);
		}
	}
out:
	free(p);
	return rc;
}

int stage_claim(struct install_ctx *x, const char *path, enum stage_kind kind, struct pf_err *e)
{
	int rc;

	pthread_mutex_lock(&x->mu);
	rc = claim(x, path, kind, e);
	pthread_mutex_unlock(&x->mu);
	return rc;
}

int stage_mkdir(struct install_ctx *x, const char *path, struct pf_err *e)
{
	int i = stage_claim(x, path, STAGE_DIR, e);

	return i < 0 ? i : 0;
}

/*
 * A link is checked where it is installed, not where its archive put it (a
 * wheel's .data/data lands at the root, .data/scripts in bin/, a deb's /bin
 * under usr/): its target must resolve inside the environment from there.
 * Relative, with '..' only in front, climbing no higher than the link's own
 * depth: the climb happens in real staged directories (a path is never staged
 * through a link) and every link below is held to the same rule, so no chain
 * of links leaves the root either. Absolute targets are pinfold's own
 * (host mode's bin/python3 -> /usr/bin/python3); installers rewrite a
 * package's absolute targets before they get here, or the package is refused.
 * This is the rule verify applies to a tarball, so what build writes, verify
 * accepts.
 */
static int link_ok(const char *path, const char *t, const char **why)
{
	int depth = 0, named = 0;

	*why = NULL;
	if (!*t || strlen(t) > INSTALL_MAX_PATH || install_name_ok(t, strlen(t)) || strchr(t, '\\'))
		*why = "has an empty, overlong or unprintable target";
	else if (t[0] == '/')
		*why = STAGE_OWNER ? "is absolute" : NULL;
	if (*why || t[0] == '/')
		return *why ? -1 : 0;
	for (const char *s = path; *s; s++)
		depth += *s == '/';
	for (const char *p = t; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (named)
				*why = "has '..' after a name";
			else if (--depth < 0)
				*why = "leaves the environment";
		} else if (n && !(n == 1 && p[0] == '.')) {
			named = 1;
		}
		if (*why)
			return -1;
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

int stage_symlink(struct install_ctx *x, const char *path, const char *target, struct pf_err *e)
{
	const char *why;
	int i;

	if (link_ok(path, target, &why))
		return install_name_ok(target, strlen(target)) ?
		       pf_error(e, PF_EUNSAFE, "'%s': symlink '%s' %s", stage_owner_name(x), path, why) :
		       pf_error(e, PF_EUNSAFE, "'%s': symlink '%s' -> '%s' %s where it is installed",
				stage_owner_name(x), path, target, why);
	pthread_mutex_lock(&x->mu);
	i = claim(x, path, STAGE_LINK, e);
	if (i >= 0) {
		free(x->files[i].target);
		x->files[i].target = pf_xstrdup(target);
		x->files[i].mode = 0777;
	}
	pthread_mutex_unlock(&x->mu);
	return i < 0 ? i : 0;
}

static int spool_add(struct install_ctx *x, const void *data, size_t n, struct pf_err *e)
{
	const char *p = data;
	int sp = install_tl_spool;

	while (n) {
		ssize_t w = write(x->spoolfd[sp], p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return pf_error(e, PF_EIO, "'%s': cannot write the staging spool: %s", stage_owner_name(x),
					strerror(errno));
		p += w;
		n -= (size_t)w;
		x->spool_end[sp] += (uint64_t)w;
	}
	return 0;
}

int stage_write(struct install_ctx *x, const char *path, unsigned mode, const void *data, size_t n,
		unsigned char sha[32], struct pf_err *e)
{
	struct pf_sha256 s;
	unsigned char h[32];
	uint64_t off = x->spool_end[install_tl_spool];
	int i, rc;

	pf_sha256_init(&s);
	pf_sha256_update(&s, data, n);
	pf_sha256_final_raw(&s, h);
	if (sha)
		memcpy(sha, h, 32);
	rc = spool_add(x, data, n, e);
	if (rc)
		return rc;
	pthread_mutex_lock(&x->mu);
	i = claim(x, path, STAGE_FILE, e);
	if (i >= 0) {
		struct install_file *f = &x->files[i];

		f->mode = mode;
		f->spool = install_tl_spool;
		f->off = off;
		f->size = n;
		memcpy(f->sha, h, 32);
	}
	pthread_mutex_unlock(&x->mu);
	return i < 0 ? i : 0;
}

int stage_extract(struct install_ctx *x, struct install_reader *r, const char *path, unsigned mode, int shebang,
		  unsigned char sha[32], uint64_t *size, struct pf_err *e)
{
	struct pf_sha256 s;
	struct pf_buf head = PF_BUF_INIT;
	const void *buf;
	size_t n;
	uint64_t off = x->spool_end[install_tl_spool];
	unsigned char h[32];
	int i, rc = 0;

	i = stage_claim(x, path, STAGE_FILE, e);
	if (i < 0)
		return i;
	pf_sha256_init(&s);
	if (shebang) {
		/* Collect the first line (up to 4 KiB) to rewrite "#!python". */
		while (head.len < 4096 && !memchr(head.p ? head.p : "", '\n', head.len) &&
		       (rc = install_reader_block(r, &buf, &n, e)) > 0)
			pf_buf_add(&head, buf, n);
		if (rc < 0)
			goto fail;
		if ((shebang == STAGE_SHEBANG_WHEEL && head.len >= 8 && !memcmp(head.p, "#!python", 8)) ||
		    (shebang == STAGE_SHEBANG_DEB && head.len >= 17 && !memcmp(head.p, "#!/usr/bin/python", 17))) {
			char *nl = memchr(head.p, '\n', head.len);
			size_t skip = nl ? (size_t)(nl - head.p) : head.len;
			struct pf_buf nb = PF_BUF_INIT;

			pf_buf_adds(&nb, x->pyshebang);
			pf_buf_add(&nb, head.p + skip, head.len - skip);
			pf_buf_release(&head);
			head = nb;
		}
		if (head.len && (rc = spool_add(x, head.p, head.len, e)) < 0)
			goto fail;
		pf_sha256_update(&s, head.p ? head.p : "", head.len);
	}
	while ((rc = install_reader_block(r, &buf, &n, e)) > 0) {
		if ((rc = spool_add(x, buf, n, e)) < 0)
			goto fail;
		pf_sha256_update(&s, buf, n);
	}
	if (rc < 0)
		goto fail;
	pf_buf_release(&head);
	pf_sha256_final_raw(&s, h);
	if (sha)
		memcpy(sha, h, 32);
	if (size)
		*size = x->spool_end[install_tl_spool] - off;
	pthread_mutex_lock(&x->mu);
	x->files[i].mode = mode;
	x->files[i].spool = install_tl_spool;
	x->files[i].off = off;
	x->files[i].size = x->spool_end[install_tl_spool] - off;
	memcpy(x->files[i].sha, h, 32);
	pthread_mutex_unlock(&x->mu);
	return 0;
fail:
	pf_buf_release(&head);
	pf_sha256_final_raw(&s, h);
	return rc;
}

int stage_copy(struct install_ctx *x, const char *from, const char *to, unsigned mode, struct pf_err *e)
{
	struct install_map_slot *s;
	uint64_t size;
	int i, rc = 0;

	pthread_mutex_lock(&x->mu);
	s = install_map_get(&x->owners, from);
	if (!s || x->files[s->val].kind != INSTALL_FILE) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is not a staged file", stage_owner_name(x), from);
		goto out;
	}
	i = claim(x, to, STAGE_FILE, e);
	if (i < 0) {
		rc = i;
		goto out;
	}
	s = install_map_get(&x->owners, from);	/* files may have moved */
	x->files[i].spool = x->files[s->val].spool;
	x->files[i].off = x->files[s->val].off;
	x->files[i].size = size = x->files[s->val].size;
	memcpy(x->files[i].sha, x->files[s->val].sha, 32);
	x->files[i].mode = mode;
	/* A copy costs unpacked bytes like any file (hardlink bombs). */
	if (__atomic_add_fetch(&x->unpacked, size, __ATOMIC_RELAXED) > x->max_unpacked)
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s': unpacked size exceeds %llu bytes (--max-unpacked-size)",
			      stage_owner_name(x), to, (unsigned long long)x->max_unpacked);
out:
	pthread_mutex_unlock(&x->mu);
	return rc;
}

int stage_chmod(struct install_ctx *x, const char *path, unsigned mode, struct pf_err *e)
{
	struct install_map_slot *s;
	int rc = 0;

	pthread_mutex_lock(&x->mu);
	s = install_map_get(&x->owners, path);
	if (!s || x->files[s->val].kind != INSTALL_FILE)
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is not a staged file", stage_owner_name(x), path);
	else
		x->files[s->val].mode = mode;
	pthread_mutex_unlock(&x->mu);
	return rc;
}

int stage_entry(struct install_ctx *x, struct install_reader *r, const struct install_entry *ent,
		const char *dest, const char *hl_dest, struct pf_err *e)
{
	switch (ent->type) {
	case INSTALL_E_DIR:
		return stage_mkdir(x, dest, e);
	case INSTALL_E_SYMLINK:
		return stage_symlink(x, dest, ent->target, e);
	case INSTALL_E_HARDLINK:
		return stage_copy(x, hl_dest, dest, ent->mode, e);
	case INSTALL_E_FILE:
		break;
	}
	return stage_extract(x, r, dest, ent->mode, 0, NULL, NULL, e);
}

static int open_spool(struct install_ctx *x, struct pf_err *e)
{
	const char *dir = x->spool_dir;
	char *t;
	int fd;

	if (x->nspools >= INSTALL_MAX_SPOOLS)
		return pf_error(e, PF_EINTERNAL, "too many staging spools");
	fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	if (fd < 0) {
		t = pf_xasprintf("%s/.pinfold-spool-XXXXXX", dir);
		fd = mkostemp(t, O_CLOEXEC);
		if (fd >= 0)
			unlink(t);
		free(t);
	}
	if (fd < 0)
		return pf_error(e, PF_EIO, "'%s': cannot create the staging spool: %s", dir, strerror(errno));
	x->spoolfd[x->nspools++] = fd;
	return 0;
}

/* A real directory under root (for the steps that write files after install). */
static int real_dir(struct install_ctx *x, const char *rel, struct pf_err *e)
{
	char *p = pf_path_join(x->root, rel);
	int rc = pf_mkdir_p(p, 0755, e);

	free(p);
	return rc ? rc : stage_mkdir(x, rel, e);
}

int install_new(struct install_ctx **out, const char *root, const struct install_opts *o, struct pf_err *e)
{
	struct install_ctx *x = pf_xcalloc(1, sizeof *x);
	int rc = 0;

	*out = NULL;
	pthread_mutex_init(&x->mu, NULL);
	install_tl_owner = 0;
	install_tl_spool = 0;
	x->root = pf_xstrdup(root);
	x->max_unpacked = o && o->max_unpacked ? o->max_unpacked : INSTALL_DEFAULT_MAX_UNPACKED;
	x->max_entries = o && o->max_entries ? o->max_entries : INSTALL_DEFAULT_MAX_ENTRIES;
	pf_strv_push(&x->owner_names, "pinfold");
	if (!pf_is_dir(root)) {
		rc = pf_error(e, PF_EIO, "'%s': not a directory", root);
		goto out;
	}
	x->spool_dir = o && o->spool_dir ? pf_xstrdup(o->spool_dir) : pf_dirname(root);
	rc = open_spool(x, e);
	if (rc)
		goto out;
	if (o && o->python) {
		const char *v = o->python;
		size_t i = 0;

		while (v[i] >= '0' && v[i] <= '9')
			i++;
		if (!i || v[i] != '.' || !v[i + 1] || strspn(v + i + 1, "0123456789") != strlen(v + i + 1) ||
		    strlen(v) > 8) {
			rc = pf_error(e, PF_EFORMAT, "target python '%s': expected X.Y", v);
			goto out;
		}
		x->python = pf_xstrdup(v);
		x->site = pf_xasprintf("lib/python%s/site-packages", v);
	}
	x->rootfs = o && o->self_contained;
	x->bindir = x->rootfs ? "usr/local/bin" : "bin";
	x->npmdir = x->rootfs ? "usr/local/lib/node_modules" : "lib/node_modules";
	x->prefix = x->rootfs ? "usr/local/" : "";
	x->pyshebang = x->rootfs && x->python ? pf_xasprintf("#!/usr/bin/python%s", x->python) :
						pf_xstrdup("#!/usr/bin/env python3");
	if (x->rootfs) {
		/* A root filesystem: Debian's python3 reads usr/local/lib/pythonX.Y/dist-packages. */
		free(x->site);
		x->site = x->python ? pf_xasprintf("usr/local/lib/python%s/dist-packages", x->python) : NULL;
		rc = rootfs_start(x, e);
		if (!rc)
			rc = real_dir(x, x->bindir, e);
		if (!rc)
			rc = real_dir(x, ".pinfold", e);
		if (!rc && x->site)
			rc = real_dir(x, x->site, e);
		goto out;
	}
	/* What pinfold writes itself; a package that ships these paths conflicts with "pinfold". */
	rc = real_dir(x, "bin", e);
	if (!rc)
		rc = stage_claim(x, "bin/activate", STAGE_FILE, e);
	if (rc > 0)
		rc = 0;
	if (!rc)
		rc = real_dir(x, ".pinfold", e);
	if (!rc && x->site) {
		char *pyx = pf_xasprintf("bin/python%s", x->python);

		rc = real_dir(x, x->site, e);
		if (!rc)
			rc = stage_claim(x, "pyvenv.cfg", STAGE_FILE, e);
		if (rc > 0)
			rc = 0;
		if (!rc)
			rc = stage_symlink(x, "bin/python3", "/usr/bin/python3", e);
		if (!rc)
			rc = stage_symlink(x, "bin/python", "python3", e);
		if (!rc && strcmp(pyx, "bin/python3"))
			rc = stage_symlink(x, pyx, "python3", e);
		free(pyx);
	}
out:
	if (rc) {
		install_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int install_generic(struct install_ctx *x, const char *file, const char *path, struct pf_err *e)
{
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	int rc;

	stage_reader_opts(x, &o, file, INSTALL_FMT_TAR | INSTALL_FILTER_GZIP | INSTALL_FILTER_XZ |
			  INSTALL_FILTER_ZSTD, 0);
	rc = install_reader_open(&r, path, &o, e);
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0) {
		if (!x->rootfs) {
			rc = stage_entry(x, r, &ent, ent.path, ent.target, e);
			continue;
		}
		/* A root filesystem has one /usr: bin/x goes to usr/bin/x, as for debs. */
		rc = rootfs_stage_entry(x, r, &ent, e);
	}
	install_reader_close(r);
	return rc;
}

static int install_format(struct install_ctx *x, const struct install_pkg *p, struct pf_err *e)
{
	if (!strcmp(p->format, "wheel"))
		return install_wheel(x, p->file, p->path, e);
	if (!strcmp(p->format, "npm"))
		return install_npm(x, p->name, p->version, p->file, p->path, e);
	if (!strcmp(p->format, "deb"))
		return install_deb(x, p->file, p->path, e);
	if (!strcmp(p->format, "generic"))
		return install_generic(x, p->file, p->path, e);
	return pf_error(e, PF_EFORMAT, "'%s': unknown artifact format '%s'", p->file, p->format);
}

static int install_one(struct install_ctx *x, const struct install_pkg *p, struct pf_err *e)
{
	int rc;

	install_tl_fd = p->fd > 2 ? p->fd : -1;
	rc = install_format(x, p, e);
	install_tl_fd = -1;
	return rc;
}

int install_artifact(struct install_ctx *x, const char *ecosystem, const char *name, const char *version,
		     const char *format, const char *file, const char *path, struct pf_err *e)
{
	struct install_pkg p = { ecosystem, name, version, format, file, path, -1, 1 };

	pf_strv_push_owned(&x->owner_names, pf_xasprintf("%s:%s %s", ecosystem, name, version));
	install_tl_owner = (int)x->owner_names.n - 1;
	install_tl_spool = 0;
	return install_one(x, &p, e);
}

struct worker {
	struct install_ctx *x;
	const struct install_pkg *pkgs;
	const size_t *order;
	size_t n, *next;
	int base, spool, *rcs;
	struct pf_err *errs;
};

/*
 * Every package runs to its end even after another failed, so the failure
 * reported (the first in lock order) does not depend on scheduling.
 */
static void *work(void *arg)
{
	struct worker *w = arg;

	install_tl_spool = w->spool;
	for (;;) {
		size_t k = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED), i;

		if (k >= w->n)
			break;
		i = w->order[k];
		install_tl_owner = w->base + (int)i;
		w->rcs[i] = install_one(w->x, &w->pkgs[i], &w->errs[i]);
	}
	return NULL;
}

/* Largest artifacts first, so one big archive does not run alone at the end. */
static uint64_t *sort_sizes;

static int by_size(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_sizes[i] != sort_sizes[j])
		return sort_sizes[i] > sort_sizes[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

int install_artifacts(struct install_ctx *x, const struct install_pkg *pkgs, size_t n, int jobs, struct pf_err *e)
{
	struct worker w[INSTALL_MAX_SPOOLS];
	pthread_t tid[INSTALL_MAX_SPOOLS];
	struct pf_err *errs = pf_xcalloc(n ? n : 1, sizeof *errs);
	int *rcs = pf_xcalloc(n ? n : 1, sizeof *rcs);
	size_t next = 0, *order = pf_xcalloc(n ? n : 1, sizeof *order);
	uint64_t *sizes = pf_xcalloc(n ? n : 1, sizeof *sizes);
	int base = (int)x->owner_names.n, nw, rc = 0, started = 0;

	for (size_t i = 0; i < n; i++) {
		struct stat st;

		pf_strv_push_owned(&x->owner_names, pf_xasprintf("%s:%s %s", pkgs[i].ecosystem, pkgs[i].name,
								 pkgs[i].version));
		order[i] = i;
		if (pkgs[i].fd > 2)
			sizes[i] = fstat(pkgs[i].fd, &st) ? 0 : (uint64_t)st.st_size;
		else
			sizes[i] = stat(pkgs[i].path, &st) ? 0 : (uint64_t)st.st_size;
	}
	npm_plan(x, pkgs, n, base);
	sort_sizes = sizes;
	if (n)
		pf_qsort(order, n, sizeof *order, by_size);
	nw = jobs < 1 ? 1 : jobs;
	if ((size_t)nw > n)
		nw = n ? (int)n : 1;
	if (nw > INSTALL_MAX_SPOOLS / 2)
		nw = INSTALL_MAX_SPOOLS / 2;
	while (x->nspools < nw && !rc)
		rc = open_spool(x, e);
	for (int k = 0; !rc && k < nw; k++) {
		w[k] = (struct worker){ x, pkgs, order, n, &next, base, k, rcs, errs };
		if (nw == 1) {
			work(&w[k]);
		} else if (pthread_create(&tid[k], NULL, work, &w[k])) {
			next = n;
			rc = pf_error(e, PF_EINTERNAL, "cannot start an install worker");
		} else {
			started++;
		}
	}
	for (int k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	install_tl_owner = 0;
	install_tl_spool = 0;
	/* The first failure in lock order is the one reported: the same whatever the timing. */
	for (size_t i = 0; !rc && i < n; i++) {
		if (rcs[i]) {
			rc = rcs[i];
			e->code = 0;
			pf_error(e, errs[i].code ? errs[i].code : -rc, "%s", errs[i].msg);
		}
	}
	if (!rc)
		rc = npm_link(x, e);
	free(errs);
	free(rcs);
	free(order);
	free(sizes);
	return rc;
}

int install_finish(struct install_ctx *x, struct pf_err *e)
{
	install_tl_owner = 0;
	install_tl_spool = 0;
	return install_env_files(x, e);
}

uint64_t install_unpacked(const struct install_ctx *x)
{
	return x->unpacked;
}

size_t install_nfiles(const struct install_ctx *x)
{
	return x->nfiles;
}

const struct install_file *install_file_at(const struct install_ctx *x, size_t i)
{
	return &x->files[i];
}

int install_spool_fd(const struct install_ctx *x, int spool)
{
	return spool >= 0 && spool < x->nspools ? x->spoolfd[spool] : -1;
}

static void *close_spool(void *arg)
{
	close(*(int *)arg);
	return NULL;
}

void install_free(struct install_ctx *x)
{
	pthread_t tid[INSTALL_MAX_SPOOLS];
	int started[INSTALL_MAX_SPOOLS] = { 0 };

	if (!x)
		return;
	/* Closing a spool drops its page cache (tens of ms per 100 MiB): the spools in parallel. */
	for (int i = 1; i < x->nspools; i++)
		started[i] = !pthread_create(&tid[i], NULL, close_spool, &x->spoolfd[i]);
	for (int i = 0; i < x->nspools; i++)
		if (!started[i])
			close(x->spoolfd[i]);
	for (int i = 1; i < x->nspools; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&x->mu);
	free(x->spool_dir);
	for (size_t i = 0; i < x->nfiles; i++) {
		free(x->files[i].path);
		free(x->files[i].target);
	}
	free(x->files);
	free(x->root);
	free(x->python);
	free(x->site);
	free(x->pyshebang);
	install_map_release(&x->owners);
	pf_strv_release(&x->owner_names);
	pf_strv_release(&x->npm_scripts);
	pf_strv_release(&x->deb_scripts);
	npm_free(x);
	free(x);
}
