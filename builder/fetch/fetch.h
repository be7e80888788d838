/* SPDX-License-Identifier: MIT */
/* Getting artifacts: content-addressed cache, mirrors (directories and HTTP), hash-checked. */
#ifndef PF_FETCH_FETCH_H
#define PF_FETCH_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/mem.h"

/* Progress callback: bytes done/total and artifacts done/total so far. */
typedef void (*fetch_progress_fn)(void *ud, uint64_t bytes_done, uint64_t bytes_total,
				  size_t files_done, size_t files_total);

struct fetch_ctx {
	const char *cache_dir;		/* content-addressed: <cache>/sha256/<hex> */
	struct pf_strv mirrors;		/* directories or http(s):// URLs, tried in order */
	int jobs;			/* parallel downloads (>= 1) */
	fetch_progress_fn progress;
	void *progress_ud;
};

/* Default cache: $XDG_CACHE_HOME/pinfold or ~/.cache/pinfold; caller frees. */
char *fetch_default_cache_dir(void);

/*
 * Make every artifact available in the cache, checking size and SHA-256
 * before a byte is used: cache hit (re-hashed), else each mirror in order;
 * a wrong body warns (through e->warn) and falls through to the next mirror.
 * On success paths[i] (caller frees each) is the cache path of arts[i].
 * Failure names the artifact and every place tried.
 */
int fetch_all(struct fetch_ctx *f, const struct catalog_artifact *const *arts, size_t n,
	      char **paths, struct pf_err *e);

/*
 * Fetch a small file (catalog.yaml, its signature, advisories) from a
 * directory or URL base into out, capped at max bytes. Used for catalogs
 * named by URL; the caller verifies what comes back.
 */
int fetch_small(const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e);

/* 1 when s is an http:// or https:// URL. */
int fetch_is_url(const char *s);

#endif
