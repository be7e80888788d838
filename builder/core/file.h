/* SPDX-License-Identifier: MIT */
/* Capped file reads, atomic (temp + rename) writes, and path helpers. */
#ifndef PF_CORE_FILE_H
#define PF_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/mem.h"

/* Size caps for inputs; checked before a byte is parsed. */
#define PF_MAX_CATALOG	((size_t)256 << 20)	/* catalog.yaml, advisories.yaml */
#define PF_MAX_SMALL	((size_t)16 << 20)	/* images, lockfiles, signatures, keys */

/*
 * Open path for reading, refusing anything but a regular file before a read
 * could block: the open itself is O_NONBLOCK (a FIFO would otherwise wait for
 * a writer), then fstat decides ("'path': not a regular file (a FIFO)").
 * With PF_OPEN_NOFOLLOW a symlink as the last component is refused too (for
 * paths inside trees pinfold does not control: environments, caches, state).
 * Returns the descriptor (blocking again, O_CLOEXEC) or a negative PF_E*
 * (PF_ENOTFOUND when absent); st is filled when not NULL.
 */
enum { PF_OPEN_NOFOLLOW = 1 };
struct stat;
int pf_open_regular(const char *path, unsigned flags, struct stat *st, struct pf_err *e);

/*
 * Read all of path into out (appended; NUL-terminated): pf_open_regular(),
 * then a file over max bytes is refused from its size before it is read
 * ("'path': larger than N bytes").
 */
int pf_read_file(const char *path, size_t max, struct pf_buf *out, struct pf_err *e);
/* The same with pf_open_regular() flags. */
int pf_read_file_flags(const char *path, unsigned flags, size_t max, struct pf_buf *out, struct pf_err *e);

/*
 * An output written to an unnamed file (O_TMPFILE) in path's directory and
 * given its name by pf_afile_commit(): linked as path when path does not
 * exist yet, else under a temp name renamed over path. A process killed
 * before the commit leaves nothing at all. Where O_TMPFILE (or /proc) is
 * missing, a named "path.tmp-XXXXXX" is written and renamed instead. Writes
 * keep the first error; commit returns it and removes any temp name;
 * pf_afile_abort() drops the file (safe after commit and on a never-opened,
 * zeroed struct).
 */
struct pf_afile {
	int fd;
	int err;		/* first errno seen, 0 when none */
	char *path, *tmp;
};
int pf_afile_open(struct pf_afile *f, const char *path, mode_t mode, struct pf_err *e);
void pf_afile_write(struct pf_afile *f, const void *data, size_t n);
int pf_afile_commit(struct pf_afile *f, struct pf_err *e);
void pf_afile_abort(struct pf_afile *f);

/* Write data to path atomically with the given mode. */
int pf_write_file(const char *path, const void *data, size_t n, mode_t mode, struct pf_err *e);

/*
 * A private, already unlinked read-write file in dir (O_TMPFILE, or a
 * mkstemp name removed at once): nobody else can open it by a name.
 * Returns the descriptor or a negative PF_E*.
 */
int pf_tmpfile(const char *dir, struct pf_err *e);

/* mkdir -p; existing directories are fine. */
int pf_mkdir_p(const char *path, mode_t mode, struct pf_err *e);
/* rm -rf without following symlinks; missing path is fine. Returns 0 or -errno. */
int pf_rm_rf(const char *path);
/* A fresh private directory "<parent>/<prefix>XXXXXX"; caller frees. */
char *pf_mkdtemp(const char *parent, const char *prefix, struct pf_err *e);

/*
 * Read up to n bytes from fd, retrying short reads and EINTR; returns the
 * count read (less than n only at end of file) or -errno.
 */
ssize_t pf_read_full(int fd, void *buf, size_t n);

/*
 * The C.UTF-8 locale (created once, thread-safe), for code that must handle
 * names as UTF-8 whatever LC_ALL says; (locale_t)0 when unavailable.
 */
#include <locale.h>
locale_t pf_utf8_locale(void);

/* Path helpers; results are malloc'd, caller frees. */
char *pf_path_join(const char *a, const char *b);
char *pf_dirname(const char *path);
const char *pf_basename(const char *path);	/* borrowed pointer into path */
int pf_is_dir(const char *path);
int pf_exists(const char *path);

#endif
