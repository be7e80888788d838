/* SPDX-License-Identifier: MIT */
/* Secure archive reading: the hostile-archive rules, applied to every entry before a caller sees it. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/file.h"
#include "core/mem.h"
#include "core/text.h"
#include "install/extract.h"
#include "install/map.h"

/* Kinds of paths seen in one archive (values in the seen map). */
enum { K_IMPLICIT = 1, K_DIR, K_FILE, K_LINK };

struct install_reader {
	struct archive *a;
	struct archive_entry *ent;	/* current entry, owned by a */
	struct install_reader *outer;	/* nested: the archive whose entry we read */
	char *artifact;
	unsigned flags;
	int strip;
	uint64_t max_entries, nentries;
	uint64_t *unpacked, max_unpacked;
	struct install_map seen;	/* folded path -> K_*, aux = exact path */
	struct install_map case_dirs;	/* INSTALL_CASE_DIRS: other spellings of directories */
	char *cur;			/* normalised path of the current entry */
	char *raw;			/* stored name of the current entry */
	char *ltarget;			/* hardlink target (normalised) */
	int is_file;
	int64_t pos;			/* data offset within the current entry */
	int64_t outer_pos;
	int fd, own_fd;			/* the archive file (read with pread: its offset is never used) */
	int64_t fpos, fsize;		/* our offset in it, its size */
	char *block;			/* read buffer */
};

/*
 * Names are UTF-8 whatever LC_ALL says: libarchive converts names with the
 * thread's locale, so every call into it runs under C.UTF-8.
 */
#define WITH_UTF8(stmt) do { \
	locale_t pf__loc = pf_utf8_locale(), pf__old = pf__loc ? uselocale(pf__loc) : (locale_t)0; \
	stmt; \
	if (pf__loc) \
		uselocale(pf__old); \
} while (0)

int install_name_ok(const char *s, size_t len)
{
	return pf_text_check(s, len);
}

static char *printable(const char *s);

static int vfail(struct install_reader *r, struct pf_err *e, const char *fmt, va_list ap)
{
	char what[1024];

	vsnprintf(what, sizeof what, fmt, ap);
	if (r->raw)
		return pf_error(e, PF_EUNSAFE, "'%s': entry '%s': %s", r->artifact, r->raw, what);
	return pf_error(e, PF_EUNSAFE, "'%s': %s", r->artifact, what);
}

int install_reader_fail(struct install_reader *r, struct pf_err *e, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, e, fmt, ap);
	va_end(ap);
	return rc;
}

#define FAIL(...) install_reader_fail(r, e, __VA_ARGS__)

static int la_fail(struct install_reader *r, struct pf_err *e, const char *doing)
{
	const char *s = archive_error_string(r->a);

	return FAIL("%s: %s", doing, s ? s : "archive error");
}

static void setup(struct install_reader *r, const struct install_reader_opts *o)
{
	r->artifact = pf_xstrdup(o->artifact ? o->artifact : "?");
	r->flags = o->flags;
	r->strip = o->strip;
	r->max_entries = o->max_entries ? o->max_entries : INSTALL_DEFAULT_MAX_ENTRIES;
	r->unpacked = o->unpacked;
	r->max_unpacked = o->max_unpacked;
	r->a = archive_read_new();
	if (!r->a)
		abort();
	/* Only what the formats need: never archive_read_support_*_all(). */
	if (r->flags & INSTALL_FMT_ZIP)
		archive_read_support_format_zip_seekable(r->a);
	if (r->flags & INSTALL_FMT_TAR)
		archive_read_support_format_tar(r->a);
	if (r->flags & INSTALL_FMT_AR)
		archive_read_support_format_ar(r->a);
	if (r->flags & INSTALL_FILTER_GZIP)
		archive_read_support_filter_gzip(r->a);
	if (r->flags & INSTALL_FILTER_XZ)
		archive_read_support_filter_xz(r->a);
	if (r->flags & INSTALL_FILTER_ZSTD)
		archive_read_support_filter_zstd(r->a);
}

/* Little-endian fields of zip headers. */
static uint32_t le(const unsigned char *p, int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le(p, 4) | (uint64_t)le(p + 4, 4) << 32;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/*
 * libarchive turns '\' into '/' in zip names and reads some unix file types
 * (FIFOs) as regular files, so the central directory is checked first, raw:
 * names with backslashes, special file types and the entry count are refused
 * before anything is unpacked.
 */
static int zip_prescan(struct install_reader *r, struct pf_err *e)
{
	unsigned char tail[65557], *cd = NULL, *eocd = NULL;
	uint64_t size, tl, cd_off, cd_size, count;
	int fd = r->fd, rc = 0;

	size = (uint64_t)r->fsize;
	tl = size < sizeof tail ? size : sizeof tail;
	if (tl < 22 || pread_all(fd, tail, (size_t)tl, size - tl) < 0) {
		rc = FAIL("not a zip archive");
		goto out;
	}
	for (size_t i = (size_t)tl - 22 + 1; i-- > 0;) {
		if (le(tail + i, 4) == 0x06054b50 && i + 22 + le(tail + i + 20, 2) == tl) {
			eocd = tail + i;
			break;
		}
	}
	if (!eocd) {
		rc = FAIL("not a zip archive (no end of central directory)");
		goto out;
	}
	count = le(eocd + 10, 2);
	cd_size = le(eocd + 12, 4);
	cd_off = le(eocd + 16, 4);
	if (count == 0xffff || cd_size == 0xffffffff || cd_off == 0xffffffff) {
		unsigned char z[56];
		size_t li = (size_t)(eocd - tail);

		if (li < 20 || le(eocd - 20, 4) != 0x07064b50 ||
		    pread_all(fd, z, sizeof z, le64(eocd - 20 + 8)) < 0 || le(z, 4) != 0x06064b50) {
			rc = FAIL("bad zip64 end of central directory");
			goto out;
		}
		count = le64(z + 32);
		cd_size = le64(z + 40);
		cd_off = le64(z + 48);
	}
	if (count > r->max_entries) {
		rc = FAIL("more than %llu entries", (unsigned long long)r->max_entries);
		goto out;
	}
	if (cd_size > ((uint64_t)64 << 20) || cd_off > size || cd_size > size - cd_off) {
		rc = FAIL("bad or oversized central directory");
		goto out;
	}
	cd = pf_xmalloc(cd_size ? (size_t)cd_size : 1);
	if (pread_all(fd, cd, (size_t)cd_size, cd_off) < 0) {
		rc = FAIL("cannot read the central directory");
		goto out;
	}
	for (size_t off = 0, n = 0; n < count; n++) {
		size_t nl, xl, cl;
		unsigned sys, type;
		char *name;

		if (off + 46 > cd_size || le(cd + off, 4) != 0x02014b50) {
			rc = FAIL("bad central directory entry %zu", n);
			break;
		}
		nl = le(cd + off + 28, 2);
		xl = le(cd + off + 30, 2);
		cl = le(cd + off + 32, 2);
		if (off + 46 + nl + xl + cl > cd_size) {
			rc = FAIL("bad central directory entry %zu", n);
			break;
		}
		sys = cd[off + 5];
		type = (le(cd + off + 38, 4) >> 16) & 0170000;
		name = pf_xstrndup((const char *)cd + off + 46, nl);
		free(r->raw);
		r->raw = printable(name);
		if (memchr(cd + off + 46, '\\', nl))
			rc = FAIL("backslash in path");
		else if (strlen(name) != nl)
			rc = FAIL("NUL in path");
		else if (sys == 3 && type && type != 0100000 && type != 0040000 && type != 0120000)
			rc = FAIL("%s", type == 0010000 ? "FIFO" : type == 0020000 || type == 0060000 ? "device node" :
				  type == 0140000 ? "socket" : "unsupported entry type");
		free(name);
		if (rc)
			break;
		off += 46 + nl + xl + cl;
	}
	if (!rc) {
		free(r->raw);
		r->raw = NULL;
	}
out:
	free(cd);
	return rc;
}

/*
 * libarchive reads the file through these, with pread at our own offset: a
 * descriptor handed in (fetch's private copy of the hashed bytes) is read the
 * same way whoever else holds it, and never reopened by name.
 */
#define BLOCK 65536

static la_ssize_t fd_read(struct archive *a, void *ud, const void **buf)
{
	struct install_reader *r = ud;
	ssize_t n;

	do
		n = pread(r->fd, r->block, BLOCK, (off_t)r->fpos);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	r->fpos += n;
	*buf = r->block;
	return (la_ssize_t)n;
}

static la_int64_t fd_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
	struct install_reader *r = ud;
	int64_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? r->fpos + off : r->fsize + off;

	if (to < 0) {
		archive_set_error(a, EINVAL, "seek before the start");
		return ARCHIVE_FATAL;
	}
	r->fpos = to;
	return to;
}

static la_int64_t fd_skip(struct archive *a, void *ud, la_int64_t request)
{
	struct install_reader *r = ud;

	(void)a;
	if (request < 0)
		return 0;
	if (request > r->fsize - r->fpos)
		request = r->fsize > r->fpos ? r->fsize - r->fpos : 0;
	r->fpos += request;
	return request;
}

int install_reader_open(struct install_reader **out, const char *path, const struct install_reader_opts *o,
			struct pf_err *e)
{
	struct install_reader *r = pf_xcalloc(1, sizeof *r);
	struct pf_err e2 = { 0 };
	struct stat st;
	int rc = 0, as;

	*out = NULL;
	setup(r, o);
	r->fd = -1;
	if (o->fd > 2) {
		r->fd = o->fd;
	} else {
		r->fd = pf_open_regular(path, 0, NULL, &e2);
		r->own_fd = r->fd >= 0;
	}
	if (r->fd < 0) {
		rc = pf_error(e, e2.code, "%s", e2.msg);	/* not an unsafe entry: the file itself */
		goto out;
	}
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = FAIL("cannot open: not a regular file");
		goto out;
	}
	r->fsize = (int64_t)st.st_size;
	r->block = pf_xmalloc(BLOCK);
	if (r->flags & INSTALL_FMT_ZIP) {
		rc = zip_prescan(r, e);
		if (rc)
			goto out;
	}
	archive_read_set_callback_data(r->a, r);
	archive_read_set_read_callback(r->a, fd_read);
	archive_read_set_seek_callback(r->a, fd_seek);
	archive_read_set_skip_callback(r->a, fd_skip);
	WITH_UTF8(as = archive_read_open1(r->a));
	if (as != ARCHIVE_OK)
		rc = la_fail(r, e, "cannot open");
out:
	if (rc) {
		install_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

static la_ssize_t nested_read(struct archive *a, void *ud, const void **buf)
{
	struct install_reader *r = ud;
	size_t n = 0;
	la_int64_t off = 0;
	int st = archive_read_data_block(r->outer->a, buf, &n, &off);

	if (st == ARCHIVE_EOF)
		return 0;
	if (st != ARCHIVE_OK) {
		const char *s = archive_error_string(r->outer->a);

		archive_set_error(a, EIO, "%s", s ? s : "cannot read the enclosing archive");
		return -1;
	}
	if (off != r->outer_pos) {
		archive_set_error(a, EIO, "sparse member");
		return -1;
	}
	r->outer_pos += (int64_t)n;
	return (la_ssize_t)n;
}

int install_reader_open_nested(struct install_reader **out, struct install_reader *outer,
			       const struct install_reader_opts *o, struct pf_err *e)
{
	struct install_reader *r = pf_xcalloc(1, sizeof *r);
	int st;

	*out = NULL;
	if (!outer->is_file)
		return install_reader_fail(outer, e, "not a regular file");
	setup(r, o);
	r->outer = outer;
	WITH_UTF8(st = archive_read_open(r->a, r, NULL, nested_read, NULL));
	if (st != ARCHIVE_OK) {
		int rc = la_fail(r, e, "cannot open");

		install_reader_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* The name for messages: bytes that are not printable UTF-8 become \xHH. */
static char *printable(const char *s)
{
	struct pf_buf b = PF_BUF_INIT;

	if (!install_name_ok(s, strlen(s)))
		return pf_xstrdup(s);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			pf_buf_addf(&b, "\\x%02x", *p);
		else
			pf_buf_addc(&b, (char)*p);
	}
	return pf_buf_detach(&b, NULL);
}

/* Fold ASCII letters for the case-collision check (names are compared bytewise otherwise). */
static char *fold(const char *s)
{
	char *f = pf_xstrdup(s);

	for (char *p = f; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return f;
}

/*
 * Check a stored name and normalise it: 1 with *norm set (caller frees),
 * 0 when the entry lies above the stripped root and is a directory (skip),
 * negative on a violation.
 */
static int check_name(struct install_reader *r, const char *raw, int is_dir, char **norm, const char *what,
		      struct pf_err *e)
{
	size_t len = strlen(raw);
	const char *p = raw;
	struct pf_buf b = PF_BUF_INIT;
	int ncomp = 0, rc = 1;

	*norm = NULL;
	if (!len)
		return FAIL("empty %s", what);
	if (len > INSTALL_MAX_PATH)
		return FAIL("%s longer than %d bytes", what, INSTALL_MAX_PATH);
	if (install_name_ok(raw, len))
		return FAIL("%s is not valid UTF-8 or has control characters", what);
	if (strchr(raw, '\\'))
		return FAIL("backslash in %s", what);
	if (raw[0] == '/')
		return FAIL("absolute %s", what);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (!strcmp(p, ".") || !*p) {
		if (is_dir)
			return 0;
		return FAIL("%s names the archive root", what);
	}
	while (*p) {
		const char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);

		if (n == 0) {
			rc = FAIL("empty component in %s", what);
			goto out;
		}
		if (n == 1 && p[0] == '.') {
			rc = FAIL("'.' component in %s", what);
			goto out;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			rc = FAIL("'..' component in %s", what);
			goto out;
		}
		if (n > INSTALL_MAX_NAME) {
			rc = FAIL("%s component longer than %d bytes", what, INSTALL_MAX_NAME);
			goto out;
		}
		if (++ncomp > r->strip) {
			if (b.len)
				pf_buf_addc(&b, '/');
			pf_buf_add(&b, p, n);
		}
		p += n;
		if (*p == '/') {
			p++;
			if (!*p && !is_dir) {
				rc = FAIL("%s ends in '/' but is not a directory", what);
				goto out;
			}
		}
	}
	if (!b.len) {
		if (is_dir) {
			rc = 0;
			goto out;
		}
		rc = FAIL("%s lies outside the package directory", what);
		goto out;
	}
	*norm = pf_buf_detach(&b, NULL);
out:
	pf_buf_release(&b);
	return rc;
}

const char *install_link_problem(const char *path, const char *t, char *buf, size_t n)
{
	size_t len = t ? strlen(t) : 0;
	int depth = 0, named = 0;

	if (!len)
		return "symlink without a target";
	if (len > INSTALL_MAX_PATH) {
		snprintf(buf, n, "symlink target longer than %d bytes", INSTALL_MAX_PATH);
		return buf;
	}
	if (install_name_ok(t, len))
		return "symlink target is not valid UTF-8 or has control characters";
	if (strchr(t, '\\')) {
		snprintf(buf, n, "backslash in symlink target '%s'", t);
		return buf;
	}
	if (t[0] == '/') {
		snprintf(buf, n, "symlink target '%s' is absolute", t);
		return buf;
	}
	for (const char *s = path; *s; s++)
		depth += *s == '/';
	for (const char *p = t; *p;) {
		const char *s = strchr(p, '/');
		size_t m = s ? (size_t)(s - p) : strlen(p);

		if (m > INSTALL_MAX_NAME) {
			snprintf(buf, n, "symlink target component longer than %d bytes", INSTALL_MAX_NAME);
			return buf;
		}
		if (m == 2 && p[0] == '.' && p[1] == '.') {
			if (named) {
				snprintf(buf, n, "symlink target '%s' has '..' after a name", t);
				return buf;
			}
			if (--depth < 0) {
				snprintf(buf, n, "symlink target '%s' leaves the package", t);
				return buf;
			}
		} else if (m && !(m == 1 && p[0] == '.')) {
			named = 1;
		}
		p += m;
		if (*p == '/')
			p++;
	}
	return NULL;
}

/* Symlink targets: relative, and only leading '..' (so the climb happens in real directories). */
static int check_target(struct install_reader *r, const char *path, const char *t, struct pf_err *e)
{
	char buf[INSTALL_MAX_PATH + 128];
	const char *why;

	if (t && t[0] == '/' && (r->flags & INSTALL_ALLOW_ABSOLUTE_LINKS) && strlen(t) <= INSTALL_MAX_PATH &&
	    !install_name_ok(t, strlen(t)) && !strchr(t, '\\'))
		return 0;
	why = install_link_problem(path, t, buf, sizeof buf);
	return why ? FAIL("%s", why) : 0;
}

static const char *kind_name(int k)
{
	return k == K_LINK ? "symlink" : k == K_FILE ? "file" : "directory";
}

/* 1 when a slot holds a directory (explicit or implied by a deeper entry). */
static int is_dir_kind(int k)
{
	return k == K_DIR || k == K_IMPLICIT;
}

/*
 * Directories that differ only in case are allowed with INSTALL_CASE_DIRS
 * (Debian's libperl ships Sys/ and sys/): on a case-insensitive file system
 * they merge, and their children are still checked by their folded paths. A
 * second exact spelling of a directory is kept in case_dirs so that its
 * duplicates are still caught.
 */
static int case_dir_ok(struct install_reader *r, const struct install_map_slot *s, int kind)
{
	return (r->flags & INSTALL_CASE_DIRS) && is_dir_kind(s->val) && is_dir_kind(kind);
}

/* Record path (and its parents) in the seen map, enforcing the cross-entry rules. */
static int remember(struct install_reader *r, const char *path, int kind, struct pf_err *e)
{
	char *f = fold(path);
	struct install_map_slot *s, *c;
	int rc = 0, created;

	for (char *q = f; (q = strchr(q, '/')); q++) {
		size_t n = (size_t)(q - f);

		*q = '\0';
		s = install_map_get(&r->seen, f);
		if (s && s->val == K_LINK) {
			rc = FAIL("written through symlink '%s'", s->aux);
		} else if (s && s->val == K_FILE) {
			rc = FAIL("parent '%s' is a file", s->aux);
		} else if (s && strncmp(s->aux, path, n) && !case_dir_ok(r, s, K_IMPLICIT)) {
			rc = FAIL("collides case-insensitively with '%s'", s->aux);
		} else if (!s) {
			s = install_map_put(&r->seen, f, NULL);
			s->val = K_IMPLICIT;
			s->aux = pf_xstrndup(path, n);
		}
		*q = '/';
		if (rc)
			goto out;
	}
	s = install_map_put(&r->seen, f, &created);
	if (created) {
		s->val = kind;
		s->aux = pf_xstrdup(path);
	} else if (strcmp(s->aux, path) && case_dir_ok(r, s, kind)) {
		c = install_map_put(&r->case_dirs, path, &created);
		if (!created && c->val == K_DIR && kind == K_DIR)
			rc = FAIL("duplicate entry");
		else if (kind == K_DIR)
			c->val = K_DIR;
	} else if (strcmp(s->aux, path)) {
		rc = FAIL("collides case-insensitively with '%s'", s->aux);
	} else if (s->val == K_IMPLICIT && kind == K_DIR) {
		s->val = K_DIR;
	} else if (s->val == K_IMPLICIT) {
		rc = FAIL("%s over a directory of the same name", kind_name(kind));
	} else {
		rc = FAIL("duplicate entry");
	}
out:
	free(f);
	return rc;
}

static int next(struct install_reader *r, struct install_entry *ent, struct pf_err *e)
{
	struct archive_entry *ae = NULL;
	const char *raw, *hl;
	int st, rc, is_dir, kind;
	mode_t ft;

again:
	free(r->cur);
	free(r->raw);
	free(r->ltarget);
	r->cur = r->raw = r->ltarget = NULL;
	r->is_file = 0;
	r->pos = 0;
	st = archive_read_next_header(r->a, &ae);
	if (st == ARCHIVE_EOF)
		return 0;
	if (st != ARCHIVE_OK) {
		raw = ae ? archive_entry_pathname(ae) : NULL;
		if (raw)
			r->raw = printable(raw);
		return la_fail(r, e, "cannot read entry header");
	}
	r->ent = ae;
	raw = archive_entry_pathname(ae);
	if (!raw)
		return FAIL("entry name cannot be read as UTF-8");
	r->raw = printable(raw);
	if (++r->nentries > r->max_entries)
		return FAIL("more than %llu entries", (unsigned long long)r->max_entries);
	hl = archive_entry_hardlink(ae);
	ft = archive_entry_filetype(ae);
	is_dir = !hl && ft == AE_IFDIR;
	rc = check_name(r, raw, is_dir, &r->cur, "path", e);
	if (rc < 0)
		return rc;
	if (rc == 0)
		goto again;
	memset(ent, 0, sizeof *ent);
	ent->path = r->cur;
	ent->raw = r->raw;
	ent->size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
	ent->perm = archive_entry_perm(ae) & 07777;
	if (archive_entry_is_encrypted(ae))
		return FAIL("encrypted entry");
	if (hl) {
		struct install_map_slot *s;
		char *f;

		rc = check_name(r, hl, 0, &r->ltarget, "hardlink target", e);
		if (rc <= 0)
			return rc < 0 ? rc : FAIL("hardlink to the archive root");
		f = fold(r->ltarget);
		s = install_map_get(&r->seen, f);
		free(f);
		if (!s || s->val != K_FILE || strcmp(s->aux, r->ltarget))
			return FAIL("hardlink to '%s', which is not an earlier regular file of the package",
				    r->ltarget);
		ent->type = INSTALL_E_HARDLINK;
		ent->target = r->ltarget;
		ent->mode = 0644;
		kind = K_FILE;
	} else {
		switch (ft) {
		case AE_IFREG:
			if (archive_entry_sparse_count(ae) > 0)
				return FAIL("sparse file");
			ent->type = INSTALL_E_FILE;
			ent->mode = (archive_entry_perm(ae) & 0111) ? 0755 : 0644;
			kind = K_FILE;
			r->is_file = 1;
			if (ent->size > 0 && r->unpacked &&
			    __atomic_load_n(r->unpacked, __ATOMIC_RELAXED) + (uint64_t)ent->size > r->max_unpacked)
				return FAIL("unpacked size would exceed %llu bytes (--max-unpacked-size)",
					    (unsigned long long)r->max_unpacked);
			break;
		case AE_IFDIR:
			ent->type = INSTALL_E_DIR;
			ent->mode = 0755;
			kind = K_DIR;
			break;
		case AE_IFLNK:
			ent->type = INSTALL_E_SYMLINK;
			ent->mode = 0777;
			ent->target = archive_entry_symlink(ae);
			rc = check_target(r, r->cur, ent->target, e);
			if (rc)
				return rc;
			kind = K_LINK;
			break;
		case AE_IFCHR:
		case AE_IFBLK:
			return FAIL("device node");
		case AE_IFIFO:
			return FAIL("FIFO");
		case AE_IFSOCK:
			return FAIL("socket");
		default:
			return FAIL("unsupported entry type");
		}
	}
	rc = remember(r, r->cur, kind, e);
	if (rc)
		return rc;
	return 1;
}

int install_reader_next(struct install_reader *r, struct install_entry *ent, struct pf_err *e)
{
	int rc;

	WITH_UTF8(rc = next(r, ent, e));
	return rc;
}

static int block(struct install_reader *r, const void **buf, size_t *n, struct pf_err *e)
{
	la_int64_t off = 0;
	int st;

	if (!r->is_file)
		return 0;
	st = archive_read_data_block(r->a, buf, n, &off);
	if (st == ARCHIVE_EOF)
		return 0;
	if (st != ARCHIVE_OK)
		return la_fail(r, e, "cannot read data");
	if (off != r->pos)
		return FAIL("sparse data");
	r->pos += (int64_t)*n;
	if (r->unpacked) {
		/* Shared by the workers of a parallel install. */
		if (__atomic_add_fetch(r->unpacked, *n, __ATOMIC_RELAXED) > r->max_unpacked)
			return FAIL("unpacked size exceeds %llu bytes (--max-unpacked-size)",
				    (unsigned long long)r->max_unpacked);
	}
	return 1;
}

int install_reader_block(struct install_reader *r, const void **buf, size_t *n, struct pf_err *e)
{
	int rc;

	WITH_UTF8(rc = block(r, buf, n, e));
	return rc;
}

int install_reader_slurp(struct install_reader *r, size_t max, struct pf_buf *out, struct pf_err *e)
{
	const void *buf;
	size_t n, start = out->len;
	int rc;

	while ((rc = install_reader_block(r, &buf, &n, e)) > 0) {
		if (out->len - start + n > max)
			return FAIL("larger than %zu bytes", max);
		pf_buf_add(out, buf, n);
	}
	pf_buf_cstr(out);
	return rc;
}

void install_reader_close(struct install_reader *r)
{
	if (!r)
		return;
	if (r->a)
		WITH_UTF8(archive_read_free(r->a));
	install_map_release(&r->seen);
	if (r->own_fd)
		close(r->fd);
	free(r->block);
	install_map_release(&r->case_dirs);
	free(r->artifact);
	free(r->cur);
	free(r->raw);
	free(r->ltarget);
	free(r);
}
