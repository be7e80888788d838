/* SPDX-License-Identifier: MIT */
/* Private to install/: the staging tree, path ownership and the per-format installers. */
#ifndef PF_INSTALL_STAGE_H
#define PF_INSTALL_STAGE_H

#include <pthread.h>
#include <stdint.h>

#include "core/mem.h"
#include "install/extract.h"
#include "install/install.h"
#include "install/map.h"

enum stage_kind { STAGE_DIR = INSTALL_DIR, STAGE_FILE = INSTALL_FILE, STAGE_LINK = INSTALL_LINK };

#define INSTALL_MAX_SPOOLS 64

/*
 * One npm package of the build and where it goes (npm.c): the version of a
 * name the image asked for (else the highest) at node_modules/NAME, every
 * other version at node_modules/.pinfold/NAME@VERSION/node_modules/NAME.
 */
struct npm_node {
	const char *name, *version;	/* borrowed from the install_pkg */
	char *base;			/* its directory, relative to the root */
	int owner, top, requested;
	struct pf_strv deps;		/* "NAME\tRANGE\tK": K 'd' a dependency, 'o' optional or a peer */
};

struct install_ctx {
	char *root;
	char *spool_dir;
	int spoolfd[INSTALL_MAX_SPOOLS];	/* unlinked spool files, one per worker */
	uint64_t spool_end[INSTALL_MAX_SPOOLS];
	int nspools;
	pthread_mutex_t mu;		/* guards files, owners, the script lists (workers share them) */
	struct install_file *files;	/* the staged tree */
	size_t nfiles, fcap;
	char *python;			/* "3.11" or NULL */
	char *site;			/* "lib/python3.11/site-packages" or NULL */
	int rootfs;			/* self-contained: a root filesystem (rootfs.c) */
	const char *bindir;		/* wheel scripts and npm bins: "bin" or "usr/local/bin" */
	const char *npmdir;		/* "lib/node_modules" or "usr/local/lib/node_modules" */
	const char *prefix;		/* wheel .data/data and headers: "" or "usr/local/" */
	char *pyshebang;		/* "#!/usr/bin/env python3" or "#!/usr/bin/pythonX.Y" */
	uint64_t unpacked, max_unpacked, max_entries;
	struct install_map owners;	/* staged path -> index into files */
	struct pf_strv owner_names;	/* [0] = "pinfold" */
	struct pf_strv npm_scripts;	/* "PKG\tscript,script" */
	struct pf_strv deb_scripts;
	int deb_python;			/* a deb installed usr/lib/python3/dist-packages */
	struct npm_node *npm;		/* install_artifacts' npm packages (npm_plan) */
	size_t nnpm;
};

/*
 * The package the calling thread installs (index into owner_names) and the
 * spool it writes: per thread, so workers can install packages in parallel.
 */
extern _Thread_local int install_tl_owner, install_tl_spool;
/* The open verified bytes of the package the calling thread installs (install_pkg.fd), or -1. */
extern _Thread_local int install_tl_fd;
#define STAGE_OWNER install_tl_owner

/* Reader options for the current package (its open verified bytes included, see install_tl_fd). */
void stage_reader_opts(struct install_ctx *x, struct install_reader_opts *o, const char *artifact,
		       unsigned flags, int strip);
/* Register path for the current owner: its index, or negative on a conflict naming both packages. */
int stage_claim(struct install_ctx *x, const char *path, enum stage_kind kind, struct pf_err *e);
/* The kind and owner of a staged path (0 when unknown). */
int stage_lookup(struct install_ctx *x, const char *path, int *owner);
int stage_mkdir(struct install_ctx *x, const char *path, struct pf_err *e);
/*
 * A symlink at path. Its target must resolve inside the environment from
 * path (relative, '..' only in front and no deeper than path; absolute only
 * for pinfold's own links), else PF_EUNSAFE: the one check every installer's
 * links pass, wherever the format puts them.
 */
int stage_symlink(struct install_ctx *x, const char *path, const char *target, struct pf_err *e);
/* A generated file (content in memory). */
int stage_write(struct install_ctx *x, const char *path, unsigned mode, const void *data, size_t n,
		unsigned char sha[32], struct pf_err *e);
/*
 * The current entry's data into path. With STAGE_SHEBANG_WHEEL a first line
 * starting with "#!python", with STAGE_SHEBANG_DEB one starting with
 * "#!/usr/bin/python" (Debian's scripts), becomes x->pyshebang, so the
 * script runs with the environment's python. sha/size may be NULL.
 */
enum { STAGE_SHEBANG_WHEEL = 1, STAGE_SHEBANG_DEB = 2 };
int stage_extract(struct install_ctx *x, struct install_reader *r, const char *path, unsigned mode, int shebang,
		  unsigned char sha[32], uint64_t *size, struct pf_err *e);
/* A copy of an already staged regular file (hardlinks inside one package). */
int stage_copy(struct install_ctx *x, const char *from, const char *to, unsigned mode, struct pf_err *e);
int stage_chmod(struct install_ctx *x, const char *path, unsigned mode, struct pf_err *e);
/* Install entry ent of r at dest (dirs, files, symlinks, hardlinks with hl_dest). */
int stage_entry(struct install_ctx *x, struct install_reader *r, const struct install_entry *ent,
		const char *dest, const char *hl_dest, struct pf_err *e);
/* The package being installed, for messages. */
const char *stage_owner_name(const struct install_ctx *x);

int install_wheel(struct install_ctx *x, const char *file, const char *path, struct pf_err *e);
int install_npm(struct install_ctx *x, const char *name, const char *version, const char *file, const char *path,
		struct pf_err *e);
/* Where each npm package of pkgs goes (before the workers run); owners start at owner0. */
void npm_plan(struct install_ctx *x, const struct install_pkg *pkgs, size_t n, int owner0);
/* After every package is installed: each package's dependencies linked where Node finds them. */
int npm_link(struct install_ctx *x, struct pf_err *e);
void npm_free(struct install_ctx *x);
int install_deb(struct install_ctx *x, const char *file, const char *path, struct pf_err *e);
int install_generic(struct install_ctx *x, const char *file, const char *path, struct pf_err *e);
int install_env_files(struct install_ctx *x, struct pf_err *e);

/* Self-contained environments (rootfs.c). */
/* Merged /usr: where a deb or tarball entry at path goes (bin/x -> usr/bin/x); caller frees. */
char *rootfs_usr_path(const char *path);
/*
 * The target a symlink at path (as in the package; absolute targets allowed)
 * gets when installed at dest = rootfs_usr_path(path): the same target read
 * in the package's own namespace, mapped to merged /usr, made relative to
 * dest's directory (a relative target that nothing changes stays as it
 * is), then checked with install_link_problem(). *out: caller frees.
 */
int rootfs_link_target(struct install_ctx *x, const char *path, const char *dest, const char *target, char **out,
		       struct pf_err *e);
/*
 * Stage one entry of a deb or tarball into a root filesystem: at
 * rootfs_usr_path() of its path (a hard link's target likewise), a symlink
 * with the target rootfs_link_target() gives it.
 */
int rootfs_stage_entry(struct install_ctx *x, struct install_reader *r, const struct install_entry *ent,
		       struct pf_err *e);
/* The root symlinks (bin -> usr/bin ...) and their directories, claimed by pinfold before any package. */
int rootfs_start(struct install_ctx *x, struct pf_err *e);
/* Generated files, alternatives links and mount points (docs/build.md), after every package. */
int rootfs_finish(struct install_ctx *x, struct pf_err *e);

#endif
