/* SPDX-License-Identifier: MIT */
/* The seal of a cached environment tree: inode and change time of every path, checked before each run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "run/internal.h"

/*
 * Why (ino, ctime): writing, truncating, chmod, chown, linking, renaming
 * into or out of a directory and adding or removing its entries all set
 * the change time of the inode they touch (or its directory), and nobody but
 * the kernel can set a change time back; replacing a file changes its inode.
 * So one fstatat() per path finds any change since unpacking, where hashing
 * every byte again would cost a second unpack's worth of reading.
 */
#define SEAL_MAGIC "#pinfold-seal/1\n"
#define SEAL_MAX ((size_t)512 << 20)

static void line(struct pf_buf *b, const char *rel, const struct stat *st)
{
	pf_buf_addf(b, "%" PRIu64 " %lld %ld %s\n", (uint64_t)st->st_ino, (long long)st->st_ctim.tv_sec,
		    (long)st->st_ctim.tv_nsec, rel);
}

static int walk(int dfd, struct pf_buf *path, struct pf_buf *out, const char *root, struct pf_err *e)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	size_t base = path->len;
	int rc = 0;

	if (!d) {
		close(dfd);
		return pf_error(e, PF_EIO, "'%s/%s': cannot read: %s", root, pf_buf_cstr(path), strerror(errno));
	}
	while (!rc && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strchr(de->d_name, '\n')) {
			rc = pf_error(e, PF_EUNSAFE, "'%s': a name with a newline", root);
			break;
		}
		path->len = base;
		if (base)
			pf_buf_addc(path, '/');
		pf_buf_adds(path, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path->p, strerror(errno));
			break;
		}
		line(out, path->p, &st);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, path->p, strerror(errno));
			else
				rc = walk(sub, path, out, root, e);
		}
	}
	if (!rc && errno)
		rc = pf_error(e, PF_EIO, "'%s': cannot read a directory: %s", root, strerror(errno));
	path->len = base;
	if (path->p)
		path->p[base] = '\0';
	closedir(d);
	return rc;
}

int run_seal_write(const char *root, const char *seal, struct pf_err *e)
{
	struct pf_buf out = PF_BUF_INIT, path = PF_BUF_INIT;
	struct stat st;
	int fd, rc;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	pf_buf_adds(&out, SEAL_MAGIC);
	line(&out, ".", &st);
	pf_buf_adds(&path, "");
	rc = walk(fd, &path, &out, root, e);
	if (!rc)
		rc = pf_write_file(seal, out.p, out.len, 0444, e);
	pf_buf_release(&out);
	pf_buf_release(&path);
	return rc;
}

int run_seal_check(const char *root, const char *seal, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	char *p, *end;
	int fd = -1, rc;

	rc = pf_read_file(seal, SEAL_MAX, &b, e);
	if (rc)
		return rc;
	if (b.len < strlen(SEAL_MAGIC) || memcmp(b.p, SEAL_MAGIC, strlen(SEAL_MAGIC))) {
		rc = pf_error(e, PF_ECHECK, "'%s': not a seal", seal);
		goto out;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = pf_error(e, PF_ECHECK, "'%s': %s", root, strerror(errno));
		goto out;
	}
	end = b.p + b.len;
	for (p = b.p + strlen(SEAL_MAGIC); p < end && !rc;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *rel;
		unsigned long long ino;
		long long sec;
		long nsec;
		struct stat st;
		int n = 0;

		if (!nl) {
			rc = pf_error(e, PF_ECHECK, "'%s': truncated", seal);
			break;
		}
		*nl = '\0';
		if (sscanf(p, "%llu %lld %ld %n", &ino, &sec, &nsec, &n) != 3 || !n) {
			rc = pf_error(e, PF_ECHECK, "'%s': malformed", seal);
			break;
		}
		rel = p + n;
		if (fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW))
			rc = pf_error(e, PF_ECHECK, "'%s' is gone", rel);
		else if ((unsigned long long)st.st_ino != ino || st.st_ctim.tv_sec != sec ||
			 st.st_ctim.tv_nsec != nsec)
			rc = pf_error(e, PF_ECHECK, "'%s' was changed", rel);
		p = nl + 1;
	}
out:
	if (fd >= 0)
		close(fd);
	pf_buf_release(&b);
	return rc;
}
