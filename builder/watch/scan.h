/* SPDX-License-Identifier: MIT */
/* Finding installed packages, lockfile pins and package-cache entries in a directory tree, read-only. */
#ifndef PF_WATCH_SCAN_H
#define PF_WATCH_SCAN_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

/* What the scan looks for. */
#define WATCH_SCAN_INSTALLED 1u		/* *.dist-info, *.egg-info, node_modules/<pkg>/package.json, dpkg status */
#define WATCH_SCAN_LOCKFILES 2u		/* package-lock.json, pnpm-lock.yaml, yarn.lock, poetry.lock, ... */
#define WATCH_SCAN_CACHES 4u		/* pip's http caches and wheel files, npm's _cacache index */
#define WATCH_SCAN_ALL 7u

/* Caps (docs/watch.md): a scan never runs unbounded. */
#define WATCH_SCAN_DEPTH 64			/* directory levels below a root */
#define WATCH_SCAN_ENTRIES 20000000ULL		/* directory entries looked at, over all roots */
#define WATCH_SCAN_MAX_META ((size_t)4 << 20)	/* METADATA, PKG-INFO, package.json, cache index files */
#define WATCH_SCAN_MAX_LOCK ((size_t)64 << 20)	/* lockfiles, dpkg status */

/* One package version seen somewhere. Strings live in the findings' arena. */
struct watch_found {
	const char *ecosystem;		/* pypi | npm | deb */
	const char *name, *version;
	const char *path;		/* the file or directory that says so */
	const char *source;		/* "installed", "lockfile", "cache" or "lock" (a pinfold lock) */
	const char *format;		/* "dist-info", "node_modules", "package-lock.json", "npm cache", ... */
};

struct watch_findings {
	struct pf_arena arena;
	struct watch_found *v;
	size_t n, cap;
};

/* Add one finding (strings copied). */
void watch_findings_add(struct watch_findings *f, const char *eco, const char *name, const char *version,
			const char *path, const char *source, const char *format);
void watch_findings_release(struct watch_findings *f);

struct watch_scan_stats {
	unsigned long long dirs, files;		/* entries seen */
	unsigned long long read;		/* metadata files read */
	unsigned long long unreadable;		/* directories that could not be opened or listed */
	unsigned long long bad;			/* metadata files that could not be read or parsed */
	unsigned long long symlinks;		/* symbolic links seen (never followed) */
	unsigned long long too_deep;		/* directories not entered: deeper than the depth cap */
	const char *stopped;			/* NULL, or why the scan stopped early ("time limit", ...) */
};

struct watch_scan_opts {
	unsigned what;				/* WATCH_SCAN_* (0: all) */
	int max_depth;				/* 0: WATCH_SCAN_DEPTH */
	unsigned long long max_entries;		/* 0: WATCH_SCAN_ENTRIES */
	long long deadline_ms;			/* CLOCK_MONOTONIC milliseconds; 0: none */
	/* called about ten times a second while scanning (may be NULL) */
	void (*progress)(void *ud, const char *path, const struct watch_scan_stats *st);
	void *progress_ud;
	/* one call per unreadable directory or unparseable file (may be NULL) */
	void (*problem)(void *ud, const char *path, const char *why);
	void *problem_ud;
};

/*
 * Scan root (a directory, or one file such as a lockfile) and add what it
 * finds to f; stats accumulate into st (zero it before the first root).
 * Read-only. The root itself may be a symbolic link; below it no link is
 * ever followed (every open is O_NOFOLLOW relative to its parent's fd, entry
 * types come from the directory or fstatat(AT_SYMLINK_NOFOLLOW)), so link
 * loops cannot occur and nothing outside the root is read. Directories that
 * cannot be read are counted and skipped; FIFOs, sockets and devices are
 * never opened. Stops (st->stopped) at the entry cap or the deadline. Only a
 * root that cannot be opened at all is an error.
 */
int watch_scan(const char *root, const struct watch_scan_opts *o, struct watch_findings *f,
	       struct watch_scan_stats *st, struct pf_err *e);

/* Monotonic milliseconds, for deadlines. */
long long watch_now_ms(void);

#endif
