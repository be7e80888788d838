/* SPDX-License-Identifier: MIT */
/* Installing verified artifacts into a staging tree: one installer per format, no package code runs. */
#ifndef PF_INSTALL_INSTALL_H
#define PF_INSTALL_INSTALL_H

#include <stdint.h>

#include "core/error.h"
#include "install/extract.h"

struct install_opts {
	const char *python;		/* target.python "X.Y"; NULL when the lock has none */
	uint64_t max_unpacked;		/* bytes per build; 0: INSTALL_DEFAULT_MAX_UNPACKED */
	uint64_t max_entries;		/* entries per archive; 0: INSTALL_DEFAULT_MAX_ENTRIES */
};

struct install_ctx;

/*
 * Start installing into root, an existing empty directory that the caller
 * owns (and removes on failure). With a python version the root becomes a
 * venv over the host's /usr/bin/python3 (pyvenv.cfg, bin/python3,
 * lib/pythonX.Y/site-packages). Free with install_free().
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
 * Write what pinfold itself adds: bin/activate, the venv files, a .pth for
 * Debian's Python modules, and .pinfold/skipped-scripts.yaml (npm lifecycle
 * and deb maintainer scripts that were present and not run).
 */
int install_finish(struct install_ctx *x, struct pf_err *e);

/* Bytes unpacked so far (all artifacts). */
uint64_t install_unpacked(const struct install_ctx *x);
void install_free(struct install_ctx *x);

#endif
