/* SPDX-License-Identifier: MIT */
/* Private to ctx/: the saved advisories copy, read back, and small helpers shared by its files. */
#ifndef PF_CTX_INTERNAL_H
#define PF_CTX_INTERNAL_H

#include "ctx/ctx.h"

/*
 * Load the saved copy for name: its signature checked again under o (store,
 * pin), its version and SHA-256 against the rollback state: the same version
 * with other bytes, or other signers, is PF_EROLLBACK; an older version (newer
 * advisories were verified since) loads with *stale set. Expiry is not
 * enforced (*expired says so). PF_ENOTFOUND when nothing is saved.
 */
int ctx_saved_load(struct ctx *x, const char *name, const struct verify_opts *o, struct advisories *a,
		   time_t *saved_at, int *expired, int *stale, struct pf_err *e);
/* 1 when advisories called name were verified on this machine before (the rollback state has them). */
int ctx_adv_seen(struct ctx *x, const char *name);
/* The lock's catalog.source as a directory or URL (relative ones joined with dir; NULL dir: none). Caller frees. */
char *ctx_lock_source(const struct lockfile *l, const char *dir);

#endif
