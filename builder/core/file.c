/* SPDX-License-Identifier: MIT */
/* File I/O that never leaves half-written outputs behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fault.h"
#include "core/file.h"

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       S_ISCHR(m) || S_ISBLK(m) ? "a device" : S_ISLNK(m) ? "a symlink" : "not a plain file";
}

int pf_open_regular(const char *path, unsigned flags, struct stat *st, struct pf_err *e)
{
	struct stat sb;
	int fd, fl;

	if (!st)
		st = &sb;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (flags & PF_OPEN_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0) {
		int err = errno;

		if (err == ELOOP && (flags & PF_OPEN_NOFOLLOW) && !lstat(path, st) && S_ISLNK(st->st_mode))
			return pf_error(e, PF_EIO, "'%s': not a regular file (a symlink)", path);
		return pf_error(e, err == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(err));
	}
	if (fstat(fd, st) < 0) {
		int rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));

		close(fd);
		return rc;
	}
	if (!S_ISREG(st->st_mode)) {
		int rc = S_ISDIR(st->st_mode) ? pf_error(e, PF_EIO, "'%s': is a directory", path) :
			 pf_error(e, PF_EIO, "'%s': not a regular file (%s)", path, kind_of(st->st_mode));

		close(fd);
		return rc;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int pf_read_file(const char *path, size_t max, struct pf_buf *out, struct pf_err *e)
{
	return pf_read_file_flags(path, 0, max, out, e);
}

int pf_read_file_flags(const char *path, unsigned flags, size_t max, struct pf_buf *out, struct pf_err *e)
{
	struct stat st;
	size_t start = out->len;
	int fd, rc = 0;

	fd = pf_open_regular(path, flags, &st, e);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max) {
		rc = pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes, refused unread", path, max);
		goto out;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->len - start + (size_t)n > max) {
			rc = pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes", path, max);
			goto out;
		}
		pf_buf_add(out, chunk, (size_t)n);
	}
	pf_buf_cstr(out);
out:
	if (rc)
		out->len = start;
	close(fd);
	return rc;
}

/*
 * The output is first an unnamed file (O_TMPFILE) in its directory, given a
 * name only at commit: a process killed before then (SIGKILL cannot be
 * caught) leaves nothing behind, not even a temp file. Where O_TMPFILE is not
 * supported (or /proc is missing), a named "path.tmp-XXXXXX" does the job.
 */
int pf_afile_open(struct pf_afile *f, const char *path, mode_t mode, struct pf_err *e)
{
	char *dir = pf_dirname(path);

	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->path = pf_xstrdup(path);
	f->fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	free(dir);
	if (f->fd >= 0) {
		char proc[64];

		snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
		if (access(proc, F_OK) < 0) {	/* no /proc: the file could never get a name */
			close(f->fd);
			f->fd = -1;
		}
	}
	if (f->fd < 0) {
		f->tmp = pf_xasprintf("%s.tmp-XXXXXX", path);
		f->fd = mkostemp(f->tmp, O_CLOEXEC);
	}
	if (f->fd < 0) {
		int rc = pf_error(e, PF_EIO, "'%s': cannot create: %s", path, strerror(errno));

		free(f->tmp);
		f->tmp = NULL;
		pf_afile_abort(f);
		return rc;
	}
	if (fchmod(f->fd, mode) < 0)
		f->err = errno;
	return 0;
}

/* Give the unnamed file its name: directly when the path is free, else a temp name renamed over it. */
static int name_tmpfile(struct pf_afile *f)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
	pf_fault(PF_FAULT_RENAME);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, f->path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return errno;
	for (int i = 0; i < 100; i++) {
		f->tmp = pf_xasprintf("%s.tmp-%08x", f->path, (unsigned)random() ^ (unsigned)getpid() ^ (unsigned)i);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW) == 0)
			break;
		free(f->tmp);
		f->tmp = NULL;
		if (errno != EEXIST)
			return errno;
	}
	if (!f->tmp)
		return EEXIST;
	pf_fault(PF_FAULT_RENAME);
	return rename(f->tmp, f->path) < 0 ? errno : 0;
}

void pf_afile_write(struct pf_afile *f, const void *data, size_t n)
{
	const char *p = data;

	while (n && !f->err && f->fd >= 0) {
		ssize_t w;

		pf_fault(PF_FAULT_WRITE);
		w = write(f->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			f->err = errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
}

int pf_afile_commit(struct pf_afile *f, struct pf_err *e)
{
	int rc = 0, named = f->tmp != NULL;

	if (f->fd < 0)
		return pf_error(e, PF_EIO, "'%s': not open", f->path ? f->path : "?");
	pf_fault(PF_FAULT_FSYNC);
	if (!f->err && fsync(f->fd) < 0)
		f->err = errno;
	if (!f->err && !named)
		f->err = name_tmpfile(f);
	if (close(f->fd) < 0 && !f->err)
		f->err = errno;
	f->fd = -1;
	if (named) {
		pf_fault(PF_FAULT_RENAME);
		if (!f->err && rename(f->tmp, f->path) < 0)
			f->err = errno;
	}
	if (f->err && f->tmp)
		unlink(f->tmp);
	if (f->err)
		rc = pf_error(e, PF_EIO, "'%s': cannot write: %s", f->path, strerror(f->err));
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
	return rc;
}

void pf_afile_abort(struct pf_afile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	f->tmp = f->path = NULL;
}

int pf_write_file(const char *path, const void *data, size_t n, mode_t mode, struct pf_err *e)
{
	struct pf_afile f;
	int rc;

	rc = pf_afile_open(&f, path, mode, e);
	if (rc)
		return rc;
	pf_afile_write(&f, data, n);
	return pf_afile_commit(&f, e);
}

int pf_tmpfile(const char *dir, struct pf_err *e)
{
	int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char *t = pf_xasprintf("%s/.pinfold-tmp-XXXXXX", dir);

		fd = mkostemp(t, O_CLOEXEC);
		if (fd >= 0)
			unlink(t);
		free(t);
	}
	if (fd < 0)
		return pf_error(e, PF_EIO, "'%s': cannot create a private temporary file: %s", dir, strerror(errno));
	return fd;
}

int pf_mkdir_p(const char *path, mode_t mode, struct pf_err *e)
{
	char *p = pf_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = pf_error(e, PF_EIO, "'%s': cannot create directory: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!rc && !pf_is_dir(path))
		rc = pf_error(e, PF_EIO, "'%s': not a directory", path);
	free(p);
	return rc;
}

static int rm_at(int dfd, const char *name)
{
	struct stat st;
	int rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;

		if (fd < 0)
			return -errno;
		fchmod(fd, 0700);
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return -errno;
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (!rc)
				rc = rm_at(fd, de->d_name);
		}
		closedir(d);
		if (!rc && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
			rc = -errno;
	} else if (unlinkat(dfd, name, 0) < 0) {
		rc = -errno;
	}
	return rc;
}

int pf_rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path);
}

char *pf_mkdtemp(const char *parent, const char *prefix, struct pf_err *e)
{
	char *t = pf_xasprintf("%s/%sXXXXXX", parent, prefix);

	if (!mkdtemp(t)) {
		pf_error(e, PF_EIO, "'%s': cannot create temporary directory: %s", parent, strerror(errno));
		free(t);
		return NULL;
	}
	return t;
}

char *pf_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!la)
		return pf_xstrdup(b);
	if (b[0] == '/')
		b++;
	return pf_xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

char *pf_dirname(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return pf_xstrdup(".");
	if (s == path)
		return pf_xstrdup("/");
	return pf_xstrndup(path, (size_t)(s - path));
}

const char *pf_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int pf_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pf_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

ssize_t pf_read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static locale_t utf8_loc;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

locale_t pf_utf8_locale(void)
{
	pthread_once(&utf8_once, utf8_init);
	return utf8_loc;
}
