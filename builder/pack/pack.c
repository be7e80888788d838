/* SPDX-License-Identifier: MIT */
/* Environment manifest and the reproducible tar+zstd writer. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zstd.h>

#include "pf_config.h"
#include "core/file.h"
#include "core/text.h"
#include "core/yaml.h"
#include "install/install.h"
#include "pack/internal.h"
#include "pack/pack.h"

#define CHUNK ((size_t)256 << 10)
#define TAR_PAD ((size_t)10240)	/* the tar ends padded to a multiple of this (libarchive's default block) */
#define SMALL ((size_t)64 << 10)	/* tar writes shorter than this are gathered ... */
#define GATHER ((size_t)1 << 20)	/* ... into a buffer this large before hashing and zstd */
#define KICK ((uint64_t)8 << 20)	/* output bytes between writeback starts */

static unsigned norm_mode(enum pack_type t, unsigned m)
{
	if (t == PACK_DIR)
		return 0755;
	if (t == PACK_LINK)
		return 0777;
	return (m & 0111) ? 0755 : 0644;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct pack_entry *)a)->path, ((const struct pack_entry *)b)->path);
}

void pack_list_sort(struct pack_list *l)
{
	if (l->n)
		pf_qsort(l->v, l->n, sizeof *l->v, cmp_entry);
}

void pack_list_release(struct pack_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].target);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static struct pack_entry *push(struct pack_list *l)
{
	PF_GROW(l->v, l->n + 1, l->cap);
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	l->v[l->n].spool_off = -1;
	return &l->v[l->n++];
}

static const struct pack_entry *find(const struct pack_list *l, const char *path)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].path, path);

		if (!c)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pack_collect(const char *root, const struct install_ctx *x, int hash, struct pack_list *l, struct pf_err *e)
{
	size_t nreal;
	int rc = pack_scan(root, hash, l, e);

	if (rc || !x)
		return rc;
	nreal = l->n;
	for (size_t i = 0; i < install_nfiles(x); i++) {
		const struct install_file *f = install_file_at(x, i);
		const struct pack_entry *r;
		struct pack_entry *pe;
		struct pack_list real = { l->v, nreal, nreal };
		enum pack_type t = f->kind == INSTALL_DIR ? PACK_DIR : f->kind == INSTALL_LINK ? PACK_LINK : PACK_FILE;

		r = find(&real, f->path);
		if (r && r->type == PACK_DIR && t != PACK_DIR)
			return pf_error(e, PF_EINTERNAL, "'%s': staged %s is a directory on disk", f->path,
					t == PACK_LINK ? "symlink" : "file");
		if (r)
			continue;	/* written after install (constraints): the real file wins */
		pe = push(l);
		pe->path = pf_xstrdup(f->path);
		pe->type = t;
		pe->mode = f->mode;
		pe->raw_mode = f->mode;
		if (t == PACK_FILE) {
			pe->size = f->size;
			pe->spool_off = (int64_t)f->off;
			pe->spool = f->spool;
			pf_hex(f->sha, 32, pe->sha256);
		} else if (t == PACK_LINK) {
			pe->target = pf_xstrdup(f->target);
		}
	}
	pack_list_sort(l);
	return 0;
}

int pack_open_beneath(int dirfd, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	char *copy, *p, *slash;
	int dfd;

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	/* No openat2: one component at a time, none of them a symlink. */
	if (path[0] == '/')
		return errno = EXDEV, -1;
	copy = pf_xstrdup(path);
	dfd = dup(dirfd);
	for (p = copy; dfd >= 0 && (slash = strchr(p, '/')); p = slash + 1) {
		int nfd;

		*slash = '\0';
		nfd = !strcmp(p, "..") ? (errno = EXDEV, -1) :
					 openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		dfd = nfd;
	}
	fd = dfd < 0 ? -1 : !strcmp(p, "..") ? (errno = EXDEV, -1) : openat(dfd, p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (dfd >= 0)
		close(dfd);
	free(copy);
	return (int)fd;
}

static int hash_fd(int fd, char hex[PF_SHA256_HEX], uint64_t *size)
{
	static char buf[CHUNK];
	struct pf_sha256 s;
	ssize_t n;

	*size = 0;
	pf_sha256_init(&s);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pf_sha256_final(&s, hex);
			return -1;
		}
		pf_sha256_update(&s, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	pf_sha256_final(&s, hex);
	return 0;
}

static int scan_dir(int dfd, const char *rel, const char *root, int hash, struct pack_list *l, int depth,
		    struct pf_err *e)
{
	int fd = dup(dfd), rc = 0;
	DIR *d;
	struct dirent *de;

	if (depth > 256)
		return pf_error(e, PF_EUNSAFE, "'%s/%s': directories nested too deep", root, rel);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return pf_error(e, PF_EIO, "'%s/%s': %s", root, rel, strerror(errno));
	}
	while (!rc && (errno = 0, de = readdir(d))) {
		struct stat st;
		struct pack_entry *pe;
		char *path;
		size_t idx;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = *rel ? pf_xasprintf("%s/%s", rel, de->d_name) : pf_xstrdup(de->d_name);
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path, strerror(errno));
			free(path);
			break;
		}
		idx = l->n;
		pe = push(l);
		pe->path = path;
		pe->raw_mode = st.st_mode & 07777;
		if (S_ISREG(st.st_mode)) {
			pe->type = PACK_FILE;
			pe->size = (uint64_t)st.st_size;
			if (hash) {
				int f = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

				if (f < 0 || hash_fd(f, pe->sha256, &pe->size) < 0)
					rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path, strerror(errno));
				if (f >= 0)
					close(f);
			}
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			pe->type = PACK_DIR;
			if (sub < 0) {
				rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path, strerror(errno));
			} else {
				char *p = pf_xstrdup(path);	/* l->v may move */

				rc = scan_dir(sub, p, root, hash, l, depth + 1, e);
				free(p);
				close(sub);
			}
		} else if (S_ISLNK(st.st_mode)) {
			char buf[4097];
			ssize_t n = readlinkat(dfd, de->d_name, buf, sizeof buf - 1);

			pe->type = PACK_LINK;
			if (n < 0)
				rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path, strerror(errno));
			else
				pe->target = pf_xstrndup(buf, (size_t)n);
		} else {
			pe->type = PACK_OTHER;
		}
		if (!rc)
			l->v[idx].mode = norm_mode(l->v[idx].type, st.st_mode);
	}
	if (!rc && errno)
		rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, rel, strerror(errno));
	closedir(d);
	return rc;
}

int pack_scan(const char *root, int hash, struct pack_list *l, struct pf_err *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", root, strerror(errno));
	rc = scan_dir(fd, "", root, hash, l, 0, e);
	close(fd);
	if (!rc)
		pack_list_sort(l);
	return rc;
}

void pack_manifest_text(const struct pack_list *l, struct pf_buf *out)
{
	pf_buf_adds(out, PACK_MANIFEST_HEADER "\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct pack_entry *p = &l->v[i];

		if (!strcmp(p->path, PACK_MANIFEST))
			continue;
		pf_buf_addf(out, "%s\t%c\t%04o\t", p->path, (char)p->type, p->mode);
		if (p->type == PACK_FILE)
			pf_buf_addf(out, "%llu\t%s\t-\n", (unsigned long long)p->size, p->sha256);
		else if (p->type == PACK_LINK)
			pf_buf_addf(out, "-\t-\t%s\n", p->target);
		else
			pf_buf_adds(out, "-\t-\t-\n");
	}
}

int pack_manifest_parse(const char *file, const char *text, size_t len, struct pack_list *l, struct pf_err *e)
{
	const char *p = text, *end = text + len;
	size_t hl = strlen(PACK_MANIFEST_HEADER);
	int line = 1;

	if (len < hl + 1 || memcmp(text, PACK_MANIFEST_HEADER "\n", hl + 1))
		return pf_error(e, PF_EFORMAT, "'%s': not a pinfold manifest", file);
	p += hl + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *f[6], *copy, *s;
		int nf = 0;
		struct pack_entry *pe;

		line++;
		if (!nl)
			return pf_error(e, PF_EFORMAT, "'%s':%d: unterminated line", file, line);
		copy = pf_xstrndup(p, (size_t)(nl - p));
		for (s = copy; nf < 6; nf++) {
			f[nf] = s;
			s = strchr(s, '\t');
			if (!s)
				break;
			*s++ = '\0';
		}
		if (nf != 5 || s || !*f[0] || strlen(f[1]) != 1 || !strchr("fdl", f[1][0]) || strlen(f[2]) != 4 ||
		    (l->n && strcmp(l->v[l->n - 1].path, f[0]) >= 0)) {
			free(copy);
			return pf_error(e, PF_EFORMAT, "'%s':%d: malformed or unsorted manifest line", file, line);
		}
		if (pf_text_check_str(f[0]) || (nf == 5 && pf_text_check_str(f[5]))) {
			free(copy);
			return pf_error(e, PF_EFORMAT, "'%s':%d: control character or invalid UTF-8 in a path", file,
					line);
		}
		pe = push(l);
		pe->path = pf_xstrdup(f[0]);
		pe->type = (enum pack_type)f[1][0];
		pe->mode = (unsigned)strtoul(f[2], NULL, 8);
		if (pe->type == PACK_FILE) {
			char *ep;

			errno = 0;
			pe->size = strtoull(f[3], &ep, 10);
			if (errno || *ep || !pf_is_sha256_hex(f[4])) {
				free(copy);
				return pf_error(e, PF_EFORMAT, "'%s':%d: bad size or sha256", file, line);
			}
			memcpy(pe->sha256, f[4], PF_SHA256_HEX);
		} else if (pe->type == PACK_LINK) {
			pe->target = pf_xstrdup(f[5]);
		}
		free(copy);
		p = nl + 1;
	}
	return 0;
}

int pack_write_build_info(const char *root, long long source_date_epoch, struct pf_err *e)
{
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *m = pf_yw_map(&w);
	struct pf_buf b = PF_BUF_INIT;
	char *path = pf_path_join(root, PACK_BUILD_INFO);
	int rc;

	pf_yw_set_str(&w, m, "format", "pinfold-build-info/1");
	pf_yw_set_str(&w, m, "pinfold", PF_VERSION);
	pf_yw_set_str(&w, m, "libzstd", ZSTD_versionString());
	pf_yw_set_int(&w, m, "zstd_level", PACK_ZSTD_LEVEL);
	pf_yw_set_int(&w, m, "zstd_workers", PACK_ZSTD_WORKERS);
	pf_yw_set_str(&w, m, "libarchive", archive_version_details());
	pf_yw_set_str(&w, m, "tar", "pax restricted, sorted bytewise, uid/gid 0, no user/group names, "
				  "mtime = source_date_epoch, modes 0644/0755");
	pf_yw_set_int(&w, m, "source_date_epoch", source_date_epoch);
	pf_yaml_emit(m, &b);
	rc = pf_write_file(path, b.p, b.len, 0644, e);
	pf_buf_release(&b);
	pf_yw_release(&w);
	free(path);
	return rc;
}

int pack_write_manifest(const char *root, const struct install_ctx *x, size_t *nfiles, struct pf_err *e)
{
	struct pack_list l = { NULL, 0, 0 };
	struct pf_buf b = PF_BUF_INIT;
	char *path = pf_path_join(root, PACK_MANIFEST);
	int rc = pack_collect(root, x, 1, &l, e);

	for (size_t i = 0; !rc && i < l.n; i++)
		if (l.v[i].type == PACK_OTHER)
			rc = pf_error(e, PF_EUNSAFE, "'%s': '%s' is not a file, directory or symlink", root, l.v[i].path);
	if (!rc) {
		pack_manifest_text(&l, &b);
		rc = pf_write_file(path, b.p, b.len, 0644, e);
		if (nfiles)
			*nfiles = l.n;
	}
	pf_buf_release(&b);
	pack_list_release(&l);
	free(path);
	return rc;
}

/*
 * The tar stream goes through SHA-256 (tar), zstd, SHA-256 (out) into the
 * temp file. libarchive writes unbuffered: file data arrives in the pieces
 * pack reads (no copy through libarchive's blocks); headers, padding and small
 * files are gathered in small so hashing and zstd see few, large calls. zstd's output
 * does not depend on how its input is cut.
 */
struct tw {
	struct pf_afile f;
	ZSTD_CCtx *z;
	struct pf_sha256 tar, out;
	uint64_t tar_size, out_size, kicked;
	char *obuf;
	size_t ocap;
	char *small;
	size_t nsmall;
	const char *zerr;
};

static void emit(struct tw *t, const void *p, size_t n)
{
	pf_sha256_update(&t->out, p, n);
	pf_afile_write(&t->f, p, n);
	t->out_size += n;
	if (t->out_size - t->kicked >= KICK) {
		/* Start writeback while compressing, so the fsync at commit waits for the tail only. */
		sync_file_range(t->f.fd, (off_t)t->kicked, (off_t)(t->out_size - t->kicked), SYNC_FILE_RANGE_WRITE);
		t->kicked = t->out_size;
	}
}

static int compress(struct tw *t, const void *buf, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { buf, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer o = { t->obuf, t->ocap, 0 };

		left = ZSTD_compressStream2(t->z, &o, &in, mode);
		if (ZSTD_isError(left)) {
			t->zerr = ZSTD_getErrorName(left);
			return -1;
		}
		emit(t, t->obuf, o.pos);
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

static int tar_bytes(struct tw *t, const void *buf, size_t n)
{
	pf_sha256_update(&t->tar, buf, n);
	t->tar_size += n;
	return compress(t, buf, n, ZSTD_e_continue);
}

static int tw_flush(struct tw *t)
{
	int rc = t->nsmall ? tar_bytes(t, t->small, t->nsmall) : 0;

	t->nsmall = 0;
	return rc;
}

static la_ssize_t tw_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct tw *t = ud;
	int rc = 0;

	if (n < SMALL && t->nsmall + n > GATHER)
		rc = tw_flush(t);
	if (!rc && n < SMALL) {
		memcpy(t->small + t->nsmall, buf, n);
		t->nsmall += n;
		return (la_ssize_t)n;
	}
	if (!rc)
		rc = tw_flush(t);
	if (!rc)
		rc = tar_bytes(t, buf, n);
	if (rc < 0) {
		archive_set_error(a, EIO, "zstd: %s", t->zerr);
		return -1;
	}
	return (la_ssize_t)n;
}

/* The end of the tar: zeros up to a multiple of TAR_PAD, as libarchive's default blocking wrote. */
static int tw_finish(struct tw *t)
{
	size_t pad = (size_t)((TAR_PAD - (t->tar_size + t->nsmall) % TAR_PAD) % TAR_PAD);

	if (t->nsmall + pad > GATHER && tw_flush(t) < 0)
		return -1;
	memset(t->small + t->nsmall, 0, pad);
	t->nsmall += pad;
	if (tw_flush(t) < 0)
		return -1;
	return compress(t, NULL, 0, ZSTD_e_end);
}

static int write_entries(struct archive *a, int rootfd, const struct install_ctx *x, const char *root,
			 const struct pack_list *l, long long mtime, struct pf_err *e)
{
	struct archive_entry *ae = archive_entry_new();
	char *buf = pf_xmalloc(CHUNK);
	int rc = 0;

	for (size_t i = 0; !rc && i < l->n; i++) {
		const struct pack_entry *p = &l->v[i];
		int fd = -1;

		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, p->path);
		archive_entry_set_mtime(ae, (time_t)mtime, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_entry_set_perm(ae, p->mode);
		switch (p->type) {
		case PACK_DIR:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_size(ae, 0);
			break;
		case PACK_LINK:
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, p->target);
			archive_entry_set_size(ae, 0);
			break;
		case PACK_FILE:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)p->size);
			if (p->spool_off >= 0)
				break;
			fd = pack_open_beneath(rootfd, p->path);
			if (fd < 0)
				rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, p->path, strerror(errno));
			break;
		default:
			rc = pf_error(e, PF_EUNSAFE, "'%s/%s': not a file, directory or symlink", root, p->path);
		}
		if (!rc && archive_write_header(a, ae) != ARCHIVE_OK)
			rc = pf_error(e, PF_EIO, "'%s': cannot write tar header: %s", p->path, archive_error_string(a));
		if (!rc && p->type == PACK_FILE && p->spool_off >= 0) {
			uint64_t left = p->size, off = (uint64_t)p->spool_off;
			ssize_t n;

			while (!rc && left) {
				n = pread(x ? install_spool_fd(x, p->spool) : -1, buf, left < CHUNK ? left : CHUNK,
					  (off_t)off);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					rc = pf_error(e, PF_EIO, "'%s': cannot read the staging spool: %s", p->path,
						      n < 0 ? strerror(errno) : "short read");
					break;
				}
				if (archive_write_data(a, buf, (size_t)n) != n)
					rc = pf_error(e, PF_EIO, "'%s': cannot write tar data: %s", p->path,
						      archive_error_string(a));
				left -= (uint64_t)n;
				off += (uint64_t)n;
			}
		}
		if (!rc && fd >= 0) {
			uint64_t left = p->size;
			ssize_t n;

			while (!rc && left) {
				n = read(fd, buf, left < CHUNK ? left : CHUNK);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, p->path,
						      n < 0 ? strerror(errno) : "file shrank while packing");
					break;
				}
				if (archive_write_data(a, buf, (size_t)n) != n)
					rc = pf_error(e, PF_EIO, "'%s': cannot write tar data: %s", p->path,
						      archive_error_string(a));
				left -= (uint64_t)n;
			}
			if (!rc && read(fd, buf, 1) != 0)
				rc = pf_error(e, PF_EIO, "'%s/%s': file grew while packing", root, p->path);
		}
		if (fd >= 0)
			close(fd);
	}
	archive_entry_free(ae);
	free(buf);
	return rc;
}

int pack_tarball(const char *root, const struct install_ctx *x, const char *out, long long source_date_epoch,
		 struct pack_result *res, struct pf_err *e)
{
	struct pack_list l = { NULL, 0, 0 };
	struct tw t;
	struct archive *a = NULL;
	locale_t loc = pf_utf8_locale(), old = (locale_t)0;
	int rc, rootfd = -1, opened = 0;

	memset(&t, 0, sizeof t);
	memset(res, 0, sizeof *res);
	t.f.fd = -1;
	rc = pack_collect(root, x, 0, &l, e);
	if (rc)
		goto out;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		rc = pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
		goto out;
	}
	rc = pf_afile_open(&t.f, out, 0644, e);
	if (rc)
		goto out;
	opened = 1;
	t.z = ZSTD_createCCtx();
	if (!t.z)
		abort();
	if (ZSTD_isError(ZSTD_CCtx_setParameter(t.z, ZSTD_c_compressionLevel, PACK_ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(t.z, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(t.z, ZSTD_c_nbWorkers, PACK_ZSTD_WORKERS))) {
		rc = pf_error(e, PF_EINTERNAL, "libzstd %s: cannot set the pinned parameters (level %d, %d workers)",
			      ZSTD_versionString(), PACK_ZSTD_LEVEL, PACK_ZSTD_WORKERS);
		goto out;
	}
	t.ocap = ZSTD_CStreamOutSize();
	t.obuf = pf_xmalloc(t.ocap);
	t.small = pf_xmalloc(GATHER);
	pf_sha256_init(&t.tar);
	pf_sha256_init(&t.out);
	if (loc)
		old = uselocale(loc);
	a = archive_write_new();
	if (!a)
		abort();
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open2(a, &t, NULL, tw_write, NULL, NULL) != ARCHIVE_OK) {
		rc = pf_error(e, PF_EINTERNAL, "'%s': libarchive: %s", out, archive_error_string(a));
		goto out;
	}
	rc = write_entries(a, rootfd, x, root, &l, source_date_epoch, e);
	if (!rc && archive_write_close(a) != ARCHIVE_OK)
		rc = pf_error(e, PF_EIO, "'%s': %s", out, archive_error_string(a));
	if (!rc && tw_finish(&t) < 0)
		rc = pf_error(e, PF_EINTERNAL, "'%s': zstd: %s", out, t.zerr);
	if (!rc) {
		rc = pf_afile_commit(&t.f, e);
		opened = 0;
	}
	if (!rc) {
		pf_sha256_final(&t.tar, res->sha256_tar);
		pf_sha256_final(&t.out, res->sha256_out);
		t.tar.md = t.out.md = NULL;
		res->tar_size = t.tar_size;
		res->out_size = t.out_size;
		res->nentries = l.n;
	}
out:
	if (a)
		archive_write_free(a);
	if (loc && old)
		uselocale(old);
	if (opened)
		pf_afile_abort(&t.f);
	if (t.tar.md) {
		char junk[PF_SHA256_HEX];

		pf_sha256_final(&t.tar, junk);
		pf_sha256_final(&t.out, junk);
	}
	ZSTD_freeCCtx(t.z);
	free(t.obuf);
	free(t.small);
	if (rootfd >= 0)
		close(rootfd);
	pack_list_release(&l);
	return rc;
}
