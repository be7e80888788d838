/* SPDX-License-Identifier: MIT */
/* Reading the metadata an artifact declares about itself (name, version, dependencies), for 'catalog add'. */
#ifndef PF_INSTALL_META_H
#define PF_INSTALL_META_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/mem.h"

/*
 * What an artifact says about itself. Strings live in the arena.
 * - wheel: *.dist-info/METADATA: Name, Version, Requires-Dist (verbatim,
 *   markers and extras kept); each Provides-Extra X becomes provides "Name[X]".
 * - npm: package/package.json: name, version; dependencies as "name range"
 *   (a name also listed in optionalDependencies is left out: optional and
 *   peer dependencies are not recorded; so is one named in
 *   bundleDependencies, or every one when that is true: it ships inside
 *   the tarball, as npm's own dependencies do).
 * - deb: control.tar.*'s control: Package, Version; Depends + Pre-Depends;
 *   Provides; Conflicts + Breaks (comma-separated entries verbatim, whitespace
 *   folded).
 * - generic (.tar.gz/.tar.xz/.tar.zst): only checked to be a readable tar;
 *   name and version are NULL (the caller supplies them).
 * The licence the artifact declares (for SBOMs; never used to decide anything):
 * - wheel: License-Expression, else License (whitespace folded), and each
 *   "License :: ..." Classifier;
 * - npm: "license" when it is a string, else the "type" of a legacy
 *   "license" object or of each "licenses" entry (joined with " OR ");
 * - deb, generic: nothing (a deb's copyright file is free text).
 */
struct install_meta {
	struct pf_arena arena;
	const char *format;		/* wheel | npm | deb | generic */
	const char *ecosystem;		/* pypi | npm | deb | generic */
	const char *name, *version;	/* NULL for generic */
	const char **depends; size_t ndepends;
	const char **provides; size_t nprovides;
	const char **conflicts; size_t nconflicts;
	const char *license;		/* declared expression or text, NULL when none */
	int license_is_expression;	/* wheel License-Expression / npm "license" string */
	const char **license_classifiers; size_t nlicense_classifiers;	/* wheel "License :: ..." */
	/*
	 * Files that run code at interpreter or package start (install/startup.h):
	 * wheel and deb .pth files with executable lines and sitecustomize /
	 * usercustomize modules, npm install scripts (and node-gyp's implicit
	 * one), deb maintainer scripts ("DEBIAN/postinst").
	 */
	struct catalog_startup *startup; size_t nstartup;
};

/*
 * Read path's metadata (a regular file: see pf_open_regular). format_hint is NULL (detect from the file name:
 * .whl, .tgz, .deb, .tar.gz/.tar.xz/.tar.zst) or a format name. Sizes and
 * entry counts are capped; any libarchive status but OK is an error.
 * Unreadable or malformed metadata is PF_EFORMAT naming the artifact and why.
 * Caller releases out with install_meta_release() (also after failure).
 */
int install_read_meta(const char *path, const char *format_hint, struct install_meta *out, struct pf_err *e);
/*
 * The same from an open regular file (read from its start; path only names
 * it and suggests the format): 'catalog add' reads the private copy it
 * hashed, so the metadata recorded belongs to the bytes recorded.
 */
int install_read_meta_fd(int fd, const char *path, const char *format_hint, struct install_meta *out,
			 struct pf_err *e);
void install_meta_release(struct install_meta *m);
/*
 * Debian's own date for the version a .deb holds, as YYYY-MM-DD (UTC): the
 * newest entry of its changelog (usr/share/doc/PKG/changelog.Debian.ARCH.gz
 * of a binNMU, else changelog.Debian.gz); *how is "changelog". A package
 * whose doc directory is a link to a sibling's ships none; then the
 * timestamp dpkg-deb gave its ar members, which is SOURCE_DATE_EPOCH, the
 * date of that same changelog entry (*how is "member time"). Read from fd
 * (from its start), the private copy whose hash was checked; path only
 * names it. PF_EFORMAT when the deb is unreadable.
 */
int install_deb_date(int fd, const char *path, const char *pkg, const char *arch, char date[11], const char **how,
		     struct pf_err *e);
/* The format a file name suggests, or NULL. */
const char *install_meta_guess_format(const char *path);

#endif
