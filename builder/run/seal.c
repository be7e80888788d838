/* SPDX-License-Identifier: MIT */
/* The seal of a cached environment tree: inode and change time of every path, checked before each run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
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
		/* A link cannot be changed in place: replacing it changes its directory, which is sealed. */
		if (!S_ISLNK(st.st_mode))
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

/*
 * The directories of the path being checked, open: the seal lists paths
 * depth-first, so each path's directory is on the stack (or its parent is)
 * and every lookup is one component.
 */
struct dirstack {
	struct {
		const char *path;	/* into the seal buffer; "" for the root */
		size_t len;
		int fd;
	} v[64];
	int n;
};

static int dir_fd(struct dirstack *s, const char *rel, size_t plen)
{
	const char *name;
	int fd;

	while (s->n > 1 && !(s->v[s->n - 1].len <= plen && !memcmp(s->v[s->n - 1].path, rel, s->v[s->n - 1].len) &&
			     (plen == s->v[s->n - 1].len || rel[s->v[s->n - 1].len] == '/')))
		close(s->v[--s->n].fd);
	if (s->v[s->n - 1].len == plen)
		return s->v[s->n - 1].fd;
	/* Open the missing components below the top of the stack, one by one, never through a link. */
	name = rel + s->v[s->n - 1].len + (s->n > 1);
	while (name < rel + plen) {
		const char *slash = memchr(name, '/', (size_t)(rel + plen - name));
		size_t nlen = slash ? (size_t)(slash - name) : (size_t)(rel + plen - name);
		char comp[256];

		if (nlen >= sizeof comp || s->n == (int)(sizeof s->v / sizeof *s->v))
			return -1;
		memcpy(comp, name, nlen);
		comp[nlen] = '\0';
		fd = openat(s->v[s->n - 1].fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
		s->v[s->n].path = rel;
		s->v[s->n].len = (size_t)(name + nlen - rel);
		s->v[s->n++].fd = fd;
		name += nlen + 1;
	}
	return s->v[s->n - 1].fd;
}

/* "INO SEC NSEC PATH": the numbers, and PATH in *rel; -1 when malformed. */
static int parse_line(char *p, unsigned long long *ino, long long *sec, long *nsec, char **rel)
{
	char *q;

	errno = 0;
	*ino = strtoull(p, &q, 10);
	if (q == p || *q != ' ')
		return -1;
	*sec = strtoll(p = q + 1, &q, 10);
	if (q == p || *q != ' ')
		return -1;
	*nsec = strtol(p = q + 1, &q, 10);
	if (q == p || *q != ' ' || errno)
		return -1;
	*rel = q + 1;
	return 0;
}

/* One share of the seal's lines, checked by one thread. */
struct share {
	char *p, *end;
	int root;
	const char *seal;
	struct pf_err err;
	int rc;
};

static void *check_share(void *arg)
{
	struct share *sh = arg;
	struct dirstack ds;
	char *p;

	ds.v[0].path = "";
	ds.v[0].len = 0;
	ds.v[0].fd = sh->root;
	ds.n = 1;
	for (p = sh->p; p < sh->end && !sh->rc;) {
		char *nl = memchr(p, '\n', (size_t)(sh->end - p)), *rel, *slash;
		unsigned long long ino;
		long long sec;
		long nsec;
		struct stat st;
		int dfd, r;

		if (!nl) {
			sh->rc = pf_error(&sh->err, PF_ECHECK, "'%s': truncated", sh->seal);
			break;
		}
		*nl = '\0';
		if (parse_line(p, &ino, &sec, &nsec, &rel) || !*rel) {
			sh->rc = pf_error(&sh->err, PF_ECHECK, "'%s': malformed", sh->seal);
			break;
		}
		slash = strrchr(rel, '/');
		dfd = !strcmp(rel, ".") ? sh->root : dir_fd(&ds, rel, slash ? (size_t)(slash - rel) : 0);
		if (dfd < 0)	/* deeper than the stack, or a directory gone: the whole path from the root */
			r = fstatat(sh->root, rel, &st, AT_SYMLINK_NOFOLLOW);
		else
			r = fstatat(dfd, slash ? slash + 1 : rel, &st, AT_SYMLINK_NOFOLLOW);
		if (r)
			sh->rc = pf_error(&sh->err, PF_ECHECK, "'%s' is gone", rel);
		else if ((unsigned long long)st.st_ino != ino || st.st_ctim.tv_sec != sec ||
			 st.st_ctim.tv_nsec != nsec)
			sh->rc = pf_error(&sh->err, PF_ECHECK, "'%s' was changed", rel);
		p = nl + 1;
	}
	while (ds.n > 1)
		close(ds.v[--ds.n].fd);
	return NULL;
}

int run_seal_check(const char *root, const char *seal, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct share sh[2];
	pthread_t t;
	int fd = -1, rc, threaded = 0;
	char *mid;

	memset(sh, 0, sizeof sh);
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
	/* The stat calls are the whole cost: two threads take half the lines each. */
	mid = b.p + strlen(SEAL_MAGIC) + (b.len - strlen(SEAL_MAGIC)) / 2;
	mid = memchr(mid, '\n', (size_t)(b.p + b.len - mid));
	mid = mid ? mid + 1 : b.p + b.len;
	for (int i = 0; i < 2; i++) {
		sh[i].p = i ? mid : b.p + strlen(SEAL_MAGIC);
		sh[i].end = i ? b.p + b.len : mid;
		sh[i].root = fd;
		sh[i].seal = seal;
	}
	if (b.len > ((size_t)64 << 10) && !pthread_create(&t, NULL, check_share, &sh[1]))
		threaded = 1;
	check_share(&sh[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		check_share(&sh[1]);
	for (int i = 0; i < 2 && !rc; i++)
		if (sh[i].rc)
			rc = pf_error(e, PF_ECHECK, "%s", sh[i].err.msg);
out:
	if (fd >= 0)
		close(fd);
	pf_buf_release(&b);
	return rc;
}
