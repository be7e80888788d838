/* SPDX-License-Identifier: MIT */
/* Private to ctx/: the saved advisories copy, read back, and small helpers shared by its files. */
#ifndef PF_CTX_INTERNAL_H
#define PF_CTX_INTERNAL_H

#include "ctx/ctx.h"

/* 1 when advisories called name were verified on this machine before (the rollback state has them). */
int ctx_adv_seen(struct ctx *x, const char *name);
/* The lock's catalog.source as a directory or URL (relative ones joined with dir; NULL dir: none). Caller frees. */
char *ctx_lock_source(const struct lockfile *l, const char *dir);

#endif
