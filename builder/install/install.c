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
#include "install/stage.h"

const char *stage_owner_name(const struct install_ctx *x)
{
	return x->owner_names.v[x->owner];
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
}

static const char *kind_name(int k)
{
	return k == STAGE_LINK ? "symlink" : k == STAGE_FILE ? "file" : "directory";
}

int stage_lookup(struct install_ctx *x, const char *path, int *owner)
{
	struct install_map_slot *s = install_map_get(&x->owners, path);

	if (!s)
		return 0;
	if (owner)
		*owner = s->val / 4;
	return s->val % 4;
}

int stage_claim(struct install_ctx *x, const char *path, enum stage_kind kind, struct pf_err *e)
{
	char *p = pf_xstrdup(path);
	struct install_map_slot *s;
	int rc = 0, created;

	if (x->owner && (!strcmp(p, ".pinfold") || !strncmp(p, ".pinfold/", 9))) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is reserved for pinfold", stage_owner_name(x), path);
		goto out;
	}
	for (char *q = p; (q = strchr(q, '/')); q++) {
		*q = '\0';
		s = install_map_put(&x->owners, p, &created);
		if (created)
			s->val = x->owner * 4 + STAGE_DIR;
		else if (s->val % 4 != STAGE_DIR)
			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' would be written through %s '%s' of '%s'",
				      stage_owner_name(x), path, kind_name(s->val % 4), p,
				      x->owner_names.v[s->val / 4]);
		*q = '/';
		if (rc)
			goto out;
	}
	s = install_map_put(&x->owners, p, &created);
	if (created) {
		s->val = x->owner * 4 + (int)kind;
	} else if (!(kind == STAGE_DIR && s->val % 4 == STAGE_DIR) &&
		   !(x->owner == 0 && s->val / 4 == 0 && s->val % 4 == (int)kind)) {
		const char *other = x->owner_names.v[s->val / 4];

		if (s->val / 4 == x->owner)
			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is written twice", other, path);
		else
			rc = pf_error(e, PF_EUNSAFE, "'%s' is installed by both '%s' and '%s'", path, other,
				      stage_owner_name(x));
	}
out:
	free(p);
	return rc;
}

/* An fd for directory dir (relative to root; "" is the root), created 0755 as needed, never via symlinks. */
static int dir_fd(struct install_ctx *x, const char *dir, struct pf_err *e)
{
	char *p;
	int fd;

	if (!*dir)
		return x->rootfd;
	if (x->dcache && !strcmp(x->dcache, dir))
		return x->dcachefd;
	if (x->dcache) {
		close(x->dcachefd);
		free(x->dcache);
		x->dcache = NULL;
	}
	p = pf_xstrdup(dir);
	fd = dup(x->rootfd);
	for (char *c = p; fd >= 0 && c;) {
		char *s = strchr(c, '/');
		int nfd;

		if (s)
			*s = '\0';
		nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
				nfd = -1;
			} else {
				nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (nfd >= 0)
					fchmod(nfd, 0755);	/* whatever the umask */
			}
		}
		if (nfd < 0) {
			pf_error(e, PF_EIO, "'%s': cannot create directory '%s' in the staging tree: %s",
				 stage_owner_name(x), dir, strerror(errno));
			close(fd);
			free(p);
			return -1;
		}
		close(fd);
		fd = nfd;
		c = s ? s + 1 : NULL;
	}
	free(p);
	x->dcache = pf_xstrdup(dir);
	x->dcachefd = fd;
	return fd;
}

/* Split path into its directory fd and base name. */
static int parent_fd(struct install_ctx *x, const char *path, const char **base, struct pf_err *e)
{
	const char *s = strrchr(path, '/');
	char *dir;
	int fd;

	*base = s ? s + 1 : path;
	dir = s ? pf_xstrndup(path, (size_t)(s - path)) : pf_xstrdup("");
	fd = dir_fd(x, dir, e);
	free(dir);
	return fd;
}

int stage_mkdir(struct install_ctx *x, const char *path, struct pf_err *e)
{
	int rc = stage_claim(x, path, STAGE_DIR, e);

	if (rc)
		return rc;
	return dir_fd(x, path, e) < 0 ? -PF_EIO : 0;
}

int stage_symlink(struct install_ctx *x, const char *path, const char *target, struct pf_err *e)
{
	const char *base;
	int rc = stage_claim(x, path, STAGE_LINK, e), dfd;

	if (rc)
		return rc;
	dfd = parent_fd(x, path, &base, e);
	if (dfd < 0)
		return -PF_EIO;
	if (symlinkat(target, dfd, base) < 0)
		return pf_error(e, PF_EIO, "'%s': cannot create symlink '%s': %s", stage_owner_name(x), path,
				strerror(errno));
	return 0;
}

static int open_new(struct install_ctx *x, const char *path, unsigned mode, struct pf_err *e)
{
	const char *base;
	int rc = stage_claim(x, path, STAGE_FILE, e), dfd, fd;

	if (rc)
		return rc;
	dfd = parent_fd(x, path, &base, e);
	if (dfd < 0)
		return -PF_EIO;
	fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, mode) < 0) {
		rc = pf_error(e, PF_EIO, "'%s': cannot create '%s': %s", stage_owner_name(x), path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	return fd;
}

static int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int close_file(struct install_ctx *x, int fd, const char *path, int werr, struct pf_err *e)
{
	if (close(fd) < 0 && !werr)
		werr = errno;
	if (werr)
		return pf_error(e, PF_EIO, "'%s': cannot write '%s': %s", stage_owner_name(x), path, strerror(werr));
	return 0;
}

int stage_write(struct install_ctx *x, const char *path, unsigned mode, const void *data, size_t n,
		unsigned char sha[32], struct pf_err *e)
{
	int fd = open_new(x, path, mode, e);
	int werr = 0;

	if (fd < 0)
		return fd;
	if (write_all(fd, data, n) < 0)
		werr = errno;
	if (sha) {
		struct pf_sha256 s;

		pf_sha256_init(&s);
		pf_sha256_update(&s, data, n);
		pf_sha256_final_raw(&s, sha);
	}
	return close_file(x, fd, path, werr, e);
}

#define PYSHEBANG "#!/usr/bin/env python3"

int stage_extract(struct install_ctx *x, struct install_reader *r, const char *path, unsigned mode, int shebang,
		  unsigned char sha[32], uint64_t *size, struct pf_err *e)
{
	struct pf_sha256 s;
	struct pf_buf head = PF_BUF_INIT;
	const void *buf;
	size_t n;
	uint64_t total = 0;
	int fd, rc = 0, werr = 0;

	fd = open_new(x, path, mode, e);
	if (fd < 0)
		return fd;
	pf_sha256_init(&s);
	if (shebang) {
		/* Collect the first line (up to 4 KiB) to rewrite "#!python". */
		while (head.len < 4096 && !memchr(head.p ? head.p : "", '\n', head.len) &&
		       (rc = install_reader_block(r, &buf, &n, e)) > 0)
			pf_buf_add(&head, buf, n);
		if (rc < 0)
			goto fail;
		if (head.len >= 8 && !memcmp(head.p, "#!python", 8)) {
			char *nl = memchr(head.p, '\n', head.len);
			size_t skip = nl ? (size_t)(nl - head.p) : head.len;
			struct pf_buf nb = PF_BUF_INIT;

			pf_buf_adds(&nb, PYSHEBANG);
			pf_buf_add(&nb, head.p + skip, head.len - skip);
			pf_buf_release(&head);
			head = nb;
		}
		if (head.len && write_all(fd, head.p, head.len) < 0)
			werr = errno;
		pf_sha256_update(&s, head.p ? head.p : "", head.len);
		total += head.len;
	}
	while ((rc = install_reader_block(r, &buf, &n, e)) > 0) {
		if (!werr && write_all(fd, buf, n) < 0)
			werr = errno;
		pf_sha256_update(&s, buf, n);
		total += n;
	}
	if (rc < 0)
		goto fail;
	pf_buf_release(&head);
	if (sha)
		pf_sha256_final_raw(&s, sha);
	else
		pf_sha256_final_raw(&s, (unsigned char[32]){ 0 });
	if (size)
		*size = total;
	return close_file(x, fd, path, werr, e);
fail:
	pf_buf_release(&head);
	pf_sha256_final_raw(&s, (unsigned char[32]){ 0 });
	close(fd);
	return rc;
}

int stage_copy(struct install_ctx *x, const char *from, const char *to, unsigned mode, struct pf_err *e)
{
	const char *base;
	int dfd, in, out, rc = 0;
	char buf[65536];
	ssize_t n;

	dfd = parent_fd(x, from, &base, e);
	if (dfd < 0)
		return -PF_EIO;
	in = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return pf_error(e, PF_EIO, "'%s': cannot read '%s': %s", stage_owner_name(x), from, strerror(errno));
	out = open_new(x, to, mode, e);
	if (out < 0) {
		close(in);
		return out;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		x->unpacked += (uint64_t)n;
		if (x->unpacked > x->max_unpacked) {
			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s': unpacked size exceeds %llu bytes (--max-unpacked-size)",
				      stage_owner_name(x), to, (unsigned long long)x->max_unpacked);
			break;
		}
		if (write_all(out, buf, (size_t)n) < 0) {
			rc = pf_error(e, PF_EIO, "'%s': cannot write '%s': %s", stage_owner_name(x), to, strerror(errno));
			break;
		}
	}
	if (n < 0 && !rc)
		rc = pf_error(e, PF_EIO, "'%s': cannot read '%s': %s", stage_owner_name(x), from, strerror(errno));
	close(in);
	if (close(out) < 0 && !rc)
		rc = pf_error(e, PF_EIO, "'%s': cannot write '%s': %s", stage_owner_name(x), to, strerror(errno));
	return rc;
}

int stage_chmod(struct install_ctx *x, const char *path, unsigned mode, struct pf_err *e)
{
	const char *base;
	int dfd = parent_fd(x, path, &base, e), fd;

	if (dfd < 0)
		return -PF_EIO;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, mode) < 0) {
		int rc = pf_error(e, PF_EIO, "'%s': cannot chmod '%s': %s", stage_owner_name(x), path, strerror(errno));

		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	return 0;
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

int install_new(struct install_ctx **out, const char *root, const struct install_opts *o, struct pf_err *e)
{
	struct install_ctx *x = pf_xcalloc(1, sizeof *x);
	int rc = 0;

	*out = NULL;
	x->dcachefd = -1;
	x->root = pf_xstrdup(root);
	x->max_unpacked = o && o->max_unpacked ? o->max_unpacked : INSTALL_DEFAULT_MAX_UNPACKED;
	x->max_entries = o && o->max_entries ? o->max_entries : INSTALL_DEFAULT_MAX_ENTRIES;
	pf_strv_push(&x->owner_names, "pinfold");
	x->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (x->rootfd < 0) {
		rc = pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
		install_free(x);
		return rc;
	}
	if (o && o->python) {
		const char *v = o->python;
		size_t i = 0;

		while (v[i] >= '0' && v[i] <= '9')
			i++;
		if (!i || v[i] != '.' || !v[i + 1] || strspn(v + i + 1, "0123456789") != strlen(v + i + 1) ||
		    strlen(v) > 8) {
			rc = pf_error(e, PF_EFORMAT, "target python '%s': expected X.Y", v);
			install_free(x);
			return rc;
		}
		x->python = pf_xstrdup(v);
		x->site = pf_xasprintf("lib/python%s/site-packages", v);
	}
	/* What pinfold writes itself; a package that ships these paths conflicts with "pinfold". */
	rc = stage_mkdir(x, "bin", e);
	if (!rc)
		rc = stage_claim(x, "bin/activate", STAGE_FILE, e);
	if (!rc)
		rc = stage_mkdir(x, ".pinfold", e);
	if (!rc && x->site) {
		char *pyx = pf_xasprintf("bin/python%s", x->python);

		rc = stage_mkdir(x, x->site, e);
		if (!rc)
			rc = stage_claim(x, "pyvenv.cfg", STAGE_FILE, e);
		if (!rc)
			rc = stage_symlink(x, "bin/python3", "/usr/bin/python3", e);
		if (!rc)
			rc = stage_symlink(x, "bin/python", "python3", e);
		if (!rc && strcmp(pyx, "bin/python3"))
			rc = stage_symlink(x, pyx, "python3", e);
		free(pyx);
	}
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
	while (!rc && (rc = install_reader_next(r, &ent, e)) > 0)
		rc = stage_entry(x, r, &ent, ent.path, ent.target, e);
	install_reader_close(r);
	return rc;
}

int install_artifact(struct install_ctx *x, const char *ecosystem, const char *name, const char *version,
		     const char *format, const char *file, const char *path, struct pf_err *e)
{
	pf_strv_push_owned(&x->owner_names, pf_xasprintf("%s:%s %s", ecosystem, name, version));
	x->owner = (int)x->owner_names.n - 1;
	if (!strcmp(format, "wheel"))
		return install_wheel(x, file, path, e);
	if (!strcmp(format, "npm"))
		return install_npm(x, name, file, path, e);
	if (!strcmp(format, "deb"))
		return install_deb(x, file, path, e);
	if (!strcmp(format, "generic"))
		return install_generic(x, file, path, e);
	return pf_error(e, PF_EFORMAT, "'%s': unknown artifact format '%s'", file, format);
}

int install_finish(struct install_ctx *x, struct pf_err *e)
{
	x->owner = 0;
	return install_env_files(x, e);
}

uint64_t install_unpacked(const struct install_ctx *x)
{
	return x->unpacked;
}

void install_free(struct install_ctx *x)
{
	if (!x)
		return;
	if (x->dcache)
		close(x->dcachefd);
	if (x->rootfd >= 0)
		close(x->rootfd);
	free(x->dcache);
	free(x->root);
	free(x->python);
	free(x->site);
	install_map_release(&x->owners);
	pf_strv_release(&x->owner_names);
	pf_strv_release(&x->npm_scripts);
	pf_strv_release(&x->deb_scripts);
	free(x);
}
