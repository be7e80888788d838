/* SPDX-License-Identifier: MIT */
/* The one secure archive reader: every entry of every artifact passes the hostile-archive rules here. */
#ifndef PF_INSTALL_EXTRACT_H
#define PF_INSTALL_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Limits (documented in docs/build.md). */
#define INSTALL_DEFAULT_MAX_UNPACKED	((uint64_t)2 << 30)	/* bytes per build */
#define INSTALL_DEFAULT_MAX_ENTRIES	100000			/* entries per archive */
#define INSTALL_MAX_PATH		1024			/* bytes of a path or link target */
#define INSTALL_MAX_NAME		255			/* bytes of one path component */

/* Archive formats and compression filters a reader accepts (nothing else is registered). */
enum {
	INSTALL_FMT_ZIP = 1 << 0,	/* seekable zip (central directory) */
	INSTALL_FMT_TAR = 1 << 1,	/* ustar, pax, gnu */
	INSTALL_FMT_AR = 1 << 2,	/* deb outer container */
	INSTALL_FILTER_GZIP = 1 << 8,
	INSTALL_FILTER_XZ = 1 << 9,
	INSTALL_FILTER_ZSTD = 1 << 10,
	/*
	 * Absolute symlink targets pass the reader (their other checks still
	 * apply): for verify, which writes nothing (a host-mode environment's
	 * bin/python3 -> /usr/bin/python3), and for a self-contained
	 * environment's debs, whose installer rewrites each one to a relative
	 * target and checks that with install_link_problem().
	 */
	INSTALL_ALLOW_ABSOLUTE_LINKS = 1 << 16,
	/*
	 * Directories whose names differ only in ASCII case are allowed (files,
	 * symlinks and a directory against a file still collide). Debian's own
	 * packages need it (libperl5.36 ships Sys/ and sys/): used for debs and
	 * for verify of environments that hold them.
	 */
	INSTALL_CASE_DIRS = 1 << 17,
};

enum install_etype { INSTALL_E_FILE, INSTALL_E_DIR, INSTALL_E_SYMLINK, INSTALL_E_HARDLINK };

/*
 * One entry that passed the rules. Strings are borrowed until the next
 * install_reader_next() call.
 */
struct install_entry {
	enum install_etype type;
	const char *path;	/* package-relative, normalised: no "./", no trailing '/' */
	const char *raw;	/* the name as stored, for messages */
	const char *target;	/* symlink: target as stored; hardlink: package path of the earlier file */
	unsigned mode;		/* 0644 or 0755 (files), 0755 (dirs), 0777 (symlinks) */
	unsigned perm;		/* permission bits as stored (verify reports unsafe ones) */
	int64_t size;		/* declared size, -1 when the archive does not say */
};

struct install_reader_opts {
	const char *artifact;	/* names the archive in messages */
	unsigned flags;		/* INSTALL_FMT_* | INSTALL_FILTER_* */
	int strip;		/* leading components removed (npm: 1); shallower dirs skipped */
	uint64_t max_entries;	/* 0: INSTALL_DEFAULT_MAX_ENTRIES */
	uint64_t *unpacked;	/* shared byte counter (may be NULL: no cap) */
	uint64_t max_unpacked;
	int fd;			/* > 2: read this open file (pread, borrowed) instead of opening path */
};

struct install_reader;

/*
 * Open an archive file (a regular file: see pf_open_regular; or o->fd). Rules (ARCHITECTURE.md §7) are checked by
 * install_reader_next() for each entry before the caller sees it; the first
 * violation is PF_EUNSAFE "'<artifact>': entry '<name>': <what>". Any
 * libarchive status other than OK is fatal. Names are handled as UTF-8
 * whatever the caller's locale. Free with install_reader_close().
 */
int install_reader_open(struct install_reader **out, const char *path, const struct install_reader_opts *o,
			struct pf_err *e);
/* Open the current entry of outer (e.g. a deb's data.tar.xz) as an archive of its own. */
int install_reader_open_nested(struct install_reader **out, struct install_reader *outer,
			       const struct install_reader_opts *o, struct pf_err *e);
/* 1 and *ent filled, 0 at the end, or a negative code. */
int install_reader_next(struct install_reader *r, struct install_entry *ent, struct pf_err *e);
/*
 * The next block of the current regular file: 1 with *buf and *n set (borrowed
 * until the next call), 0 at its end, negative on error (including the byte cap).
 */
int install_reader_block(struct install_reader *r, const void **buf, size_t *n, struct pf_err *e);
/* Read the whole current entry into out (appended), refusing more than max bytes. */
struct pf_buf;
int install_reader_slurp(struct install_reader *r, size_t max, struct pf_buf *out, struct pf_err *e);
/* Fail with PF_EUNSAFE naming the artifact and the current entry (for installer-level rules). */
int install_reader_fail(struct install_reader *r, struct pf_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void install_reader_close(struct install_reader *r);

/*
 * The symlink rule shared by every reader and installer: NULL when target,
 * for a link at path (relative to the package or environment root), is
 * relative, at most INSTALL_MAX_PATH bytes of valid UTF-8 without control
 * characters or backslashes, has '..' only as leading components and does not
 * climb above the root; else what is wrong (static text or written into buf).
 */
const char *install_link_problem(const char *path, const char *target, char *buf, size_t n);

/* Name checks shared with the installers and verify. */
/* 0 when s passes pf_text_check(): valid UTF-8 without control characters (C0, DEL, C1, bidi). */
int install_name_ok(const char *s, size_t len);

#endif
