/* SPDX-License-Identifier: MIT */
/* Startup code: which files of a package run code when an interpreter or the package manager starts. */
#ifndef PF_INSTALL_STARTUP_H
#define PF_INSTALL_STARTUP_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/mem.h"

/* Kinds: CATALOG_STARTUP_* (catalog/catalog.h); docs/hardening.md, "Startup code". */

/*
 * What a path (relative to where the package's files land: a wheel's root is
 * a site directory) is: CATALOG_STARTUP_PTH for a .pth directly in a site
 * directory (the wheel root, NAME.data/purelib or platlib, any
 * .../site-packages or .../dist-packages: then its text decides, see
 * install_pth_runs), sitecustomize/usercustomize for those modules (a .py,
 * .pyc or .so file, or a package's __init__.py/.pyc) in a site directory or
 * a lib/pythonX.Y directory; NULL otherwise. wheel: 1 when the path is inside
 * a wheel (its root counts as a site directory).
 */
const char *install_startup_path_kind(const char *path, int wheel);
/*
 * 1 when a .pth file's text has a line site.py executes: one that starts
 * with "import" and a space or tab. Lines end at \n, \r or \r\n (Python
 * reads .pth files with universal newlines).
 */
int install_pth_runs(const char *text, size_t len);
/* The npm lifecycle scripts that count: preinstall, install, postinstall (NULL-terminated). */
extern const char *const install_npm_startup_scripts[];

/*
 * .pinfold/startup.yaml of an environment: every file a package installed
 * that runs code when Python starts (.pth files with executable lines,
 * sitecustomize, usercustomize), as {package, file, kind}, sorted by file.
 */
#define INSTALL_STARTUP_PATH ".pinfold/startup.yaml"
struct install_ctx;
/* Find them among the staged files and stage the record (install_finish calls it). */
int install_startup_record(struct install_ctx *x, struct pf_err *e);
/*
 * Read such a record (label names it in errors) into lines
 * "PACKAGE: FILE (KIND)" and, when not NULL, json (a JSON array).
 */
int install_startup_parse(const char *label, const char *data, size_t len, struct pf_strv *lines,
			  struct pf_buf *json, struct pf_err *e);

#endif
