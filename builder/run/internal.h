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
 * A tree found in the cache is checked against its seal (and unpacked again
 * when that fails) unless defer is set: then *seal gets the seal's path
 * (caller frees; NULL when there is nothing left to check) for the caller
 * to check with run_seal_check() before anything runs.
 */
int run_cache_get(const char *path, const char *cache_dir, int defer, char **root, char **seal,
		  char sha256[PF_SHA256_HEX], int *unpacked, struct pf_err *e);
/* Remove the cached tree of sha256 (moved aside first), if there is one. */
void run_cache_discard(const char *cache_dir, const char *sha256);

/* Record (ino, ctime) of every path under root into the seal file; check them later. */
int run_seal_write(const char *root, const char *seal, struct pf_err *e);
/* 0 when root is as sealed; PF_ECHECK with the first changed path in e otherwise. */
int run_seal_check(const char *root, const char *seal, struct pf_err *e);

#endif
