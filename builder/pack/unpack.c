/* SPDX-License-Identifier: MIT */
/* The unpack sink: writes the entries verify reads from a tarball under a fresh directory, never through a link. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "pack/internal.h"

struct pack_sink {
	const char *dest;	/* for messages */
	int root;		/* O_PATH-free directory fd of dest */
	char *pdir;		/* relative path of the cached parent ("" = root) */
	int pfd;		/* its fd (== root for "") */
	int fd;			/* the file being written, -1 */
	char *path;		/* its relative path */
	unsigned mode;		/* its final mode */
};

static int sys_fail(struct pack_sink *s, const char *path, const char *what, int err, struct pf_err *e)
{
	return pf_error(e, PF_EIO, "'%s/%s': cannot %s: %s", s->dest, path, what, strerror(err));
}

int pack_sink_open(struct pack_sink **out, const char *dest, struct pf_err *e)
{
	struct pack_sink *s = pf_xcalloc(1, sizeof *s);

	s->dest = dest;
	s->fd = -1;
	s->root = open(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->root < 0) {
		int err = errno;

		free(s);
		return pf_error(e, PF_EIO, "'%s': cannot open: %s", dest, strerror(err));
	}
	s->pdir = pf_xstrdup("");
	s->pfd = s->root;
	*out = s;
	return 0;
}

/*
 * The directory that holds rel, opened component by component with
 * O_NOFOLLOW so that no link (from this archive or put there by anyone else)
 * is ever walked through; missing components are created. Entries arrive
 * sorted, so the last parent is kept and usually reused.
 */
static int parent(struct pack_sink *s, const char *rel, const char **name, struct pf_err *e)
{
	const char *slash = strrchr(rel, '/');
	size_t plen = slash ? (size_t)(slash - rel) : 0;
	char *p, *comp, *save = NULL;
	int fd;

	*name = slash ? slash + 1 : rel;
	if (strlen(s->pdir) == plen && !strncmp(s->pdir, rel, plen))
		return s->pfd;
	if (s->pfd != s->root)
		close(s->pfd);
	free(s->pdir);
	s->pdir = pf_xstrndup(rel, plen);
	s->pfd = s->root;
	if (!plen)
		return s->root;
	p = pf_xstrdup(s->pdir);
	fd = s->root;
	for (comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0 && errno == ENOENT && !mkdirat(fd, comp, 0755))
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int err = errno;

			if (fd != s->root)
				close(fd);
			free(p);
			free(s->pdir);
			s->pdir = pf_xstrdup("");
			return sys_fail(s, rel, err == ELOOP || err == ENOTDIR ? "write below a non-directory" :
					"open its directory", err, e);
		}
		if (fd != s->root)
			close(fd);
		fd = next;
	}
	free(p);
	s->pfd = fd;
	return fd;
}

int pack_sink_entry(struct pack_sink *s, const struct install_entry *ent, struct pf_err *e)
{
	const char *name;
	int dfd = parent(s, ent->path, &name, e);

	if (dfd < 0)
		return dfd;
	switch (ent->type) {
	case INSTALL_E_DIR:
		if (mkdirat(dfd, name, 0755) && errno != EEXIST)
			return sys_fail(s, ent->path, "create the directory", errno, e);
		return 0;
	case INSTALL_E_SYMLINK:
		if (symlinkat(ent->target, dfd, name))
			return sys_fail(s, ent->path, "create the symlink", errno, e);
		return 0;
	case INSTALL_E_FILE:
		/* Read-only in the cache: nothing on the host writes into it by accident. */
		s->mode = (ent->mode & 0111) ? 0555 : 0444;
		s->fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->fd < 0)
			return sys_fail(s, ent->path, "create", errno, e);
		s->path = pf_xstrdup(ent->path);
		return 0;
	default:
		return pf_error(e, PF_EUNSAFE, "'%s': entry '%s': a hard link (pinfold never writes them)", s->dest,
				ent->path);
	}
}

int pack_sink_data(struct pack_sink *s, const void *buf, size_t n, struct pf_err *e)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return sys_fail(s, s->path, "write", errno, e);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pack_sink_end_file(struct pack_sink *s, struct pf_err *e)
{
	int rc = 0;

	if (s->fd < 0)
		return 0;
	if (fchmod(s->fd, s->mode))
		rc = sys_fail(s, s->path, "set the mode of", errno, e);
	if (close(s->fd) && !rc)
		rc = sys_fail(s, s->path, "write", errno, e);
	s->fd = -1;
	free(s->path);
	s->path = NULL;
	return rc;
}

void pack_sink_close(struct pack_sink *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->pfd != s->root)
		close(s->pfd);
	close(s->root);
	free(s->pdir);
	free(s->path);
	free(s);
}
