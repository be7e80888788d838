/* SPDX-License-Identifier: MIT */
/* Installing verified artifacts into a staging tree: one installer per format, no package code runs. */
#ifndef PF_INSTALL_INSTALL_H
#define PF_INSTALL_INSTALL_H

#include <stdint.h>

#include "core/error.h"
#include "install/extract.h"

struct install_opts {
	const char *spool_dir;		/* where the spool file goes; NULL: root's parent directory */
	const char *python;		/* target.python "X.Y"; NULL when the lock has none */
	uint64_t max_unpacked;		/* bytes per build; 0: INSTALL_DEFAULT_MAX_UNPACKED */
	uint64_t max_entries;		/* entries per archive; 0: INSTALL_DEFAULT_MAX_ENTRIES */
	int self_contained;		/* a root filesystem (docs/environment.md), not a host-mode tree */
};

struct install_ctx;

/*
 * Nothing from an archive is ever written to a real directory: the staged
 * tree is an index of entries whose file bytes sit in one unlinked spool file
 * (so staging costs one sequential write, not a file creation per entry).
 * pack/ reads the index and the spool; files that pinfold's own steps later
 * write into the real root (constraints, .pinfold/) take precedence.
 */
enum install_kind { INSTALL_DIR = 1, INSTALL_FILE, INSTALL_LINK };

struct install_file {
	char *path;			/* relative to the environment root */
	enum install_kind kind;
	int owner;			/* index into the owners ("pinfold" is 0) */
	unsigned mode;			/* 0644/0755, dirs 0755, links 0777 */
	int spool;			/* which spool (install_spool_fd) */
	uint64_t off, size;		/* bytes in that spool */
	unsigned char sha[32];		/* files */
	char *target;			/* links */
};

/*
 * Start installing into root, an existing empty directory that the caller
 * owns (and removes on failure). Host mode: with a python version the root
 * becomes a venv over the host's /usr/bin/python3 (pyvenv.cfg, bin/python3,
 * lib/pythonX.Y/site-packages; these directories, bin/ and .pinfold/ are also
 * created for real so later steps can write into them). Self-contained: a
 * root filesystem with Debian's merged /usr (the root symlinks bin, sbin,
 * lib, lib64), wheels in usr/local/lib/pythonX.Y/dist-packages and npm
 * packages in usr/local/lib/node_modules (docs/environment.md); .pinfold/,
 * usr/local/bin and the dist-packages directory are created for real. Free
 * with install_free().
 */
int install_new(struct install_ctx **out, const char *root, const struct install_opts *o, struct pf_err *e);

/*
 * Install one artifact (path: its verified bytes; file: its name in
 * messages) by format: wheel, npm, deb or generic. Every entry passes the
 * hostile-archive rules; a path that another package already wrote fails
 * naming both ("ECO:NAME VERSION").
 */
int install_artifact(struct install_ctx *x, const char *ecosystem, const char *name, const char *version,
		     const char *format, const char *file, const char *path, struct pf_err *e);

/*
 * Install artifacts (in lock order) with up to jobs worker threads. The
 * staged tree is the same whatever jobs and timing; a failure reports the
 * first failing package in lock order (a path conflict between two packages
 * names both, in lock order).
 */
struct install_pkg {
	const char *ecosystem, *name, *version, *format, *file, *path;
	/*
	 * The verified bytes, open (fetch_all's private copy: read with pread,
	 * never closed here), so what is installed is what was hashed; a value
	 * below 3 means "none": path is opened instead.
	 */
	int fd;
	int requested;			/* the image asked for it (npm: the version at the top of node_modules) */
};
int install_artifacts(struct install_ctx *x, const struct install_pkg *pkgs, size_t n, int jobs, struct pf_err *e);

/*
 * Write what pinfold itself adds: .pinfold/skipped-scripts.yaml (npm
 * lifecycle and deb maintainer scripts that were present and not run); in
 * host mode bin/activate, the venv files and a .pth for Debian's Python
 * modules; self-contained, what the maintainer scripts would have made
 * (etc/passwd, the CA bundle, ...) and the mount points (docs/build.md).
 */
int install_finish(struct install_ctx *x, struct pf_err *e);

/*
 * A self-contained lock must carry its runtimes: deb:libc6 always;
 * deb:pythonX.Y for target.python X.Y when it has pypi packages or Debian
 * Python packages (python3-*); deb:nodejs when it has npm packages.
 * PF_EPOLICY naming what (the lock's name in messages) and what is missing;
 * 0 for host-mode locks.
 */
struct lockfile;
int install_check_runtimes(const struct lockfile *l, const char *what, struct pf_err *e);

/* The staged entries (unsorted; borrowed until install_free) and the spool holding their bytes. */
size_t install_nfiles(const struct install_ctx *x);
const struct install_file *install_file_at(const struct install_ctx *x, size_t i);
int install_spool_fd(const struct install_ctx *x, int spool);

/* Bytes unpacked so far (all artifacts). */
uint64_t install_unpacked(const struct install_ctx *x);
void install_free(struct install_ctx *x);

#endif
