/* SPDX-License-Identifier: MIT */
/* Private to run/: the tarball cache behind run_env_open(). */
#ifndef PF_RUN_INTERNAL_H
#define PF_RUN_INTERNAL_H

#include "core/digest.h"
#include "core/error.h"

/*
 * The cached, verified tree of the environment tarball at path (see
 * run_env_open()): *root gets cache_dir/envs/SHA256/root (caller frees),
 * sha256 the tarball's digest, *unpacked 1 when it was unpacked by this call.
 */
int run_cache_get(const char *path, const char *cache_dir, char **root, char sha256[PF_SHA256_HEX], int *unpacked,
		  struct pf_err *e);

/* Record (ino, ctime) of every path under root into the seal file; check them later. */
int run_seal_write(const char *root, const char *seal, struct pf_err *e);
/* 0 when root is as sealed; PF_ECHECK with the first changed path in e otherwise. */
int run_seal_check(const char *root, const char *seal, struct pf_err *e);

#endif
