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

struct fetch_bundle;

/*
 * Where artifacts come from. Zero-initialise, then set what you need; zero
 * values of the optional fields mean "the default" (see docs/fetch.md):
 * connect_timeout $PINFOLD_CONNECT_TIMEOUT or 30 s, low_speed_time
 * $PINFOLD_LOW_SPEED_TIME or 30 s below low_speed_limit
 * $PINFOLD_LOW_SPEED_LIMIT or 1024 bytes/s, retries $PINFOLD_FETCH_RETRIES
 * or 2 (negative: no retry), jobs 4.
 */
struct fetch_ctx {
	const char *cache_dir;		/* content-addressed: <cache>/sha256/<hex> */
	struct pf_strv mirrors;		/* directories or http(s):// URLs, tried in order */
	int jobs;			/* parallel downloads (>= 1) */
	fetch_progress_fn progress;
	void *progress_ud;
	struct fetch_bundle *bundle;	/* optional, borrowed: consulted before any mirror */
	long connect_timeout;		/* seconds */
	long low_speed_time;		/* seconds below low_speed_limit that fail a transfer */
	long low_speed_limit;		/* bytes per second */
	int retries;			/* extra attempts per HTTP mirror on transfer errors */
};

/*
 * Make every artifact available in the cache, checking size and SHA-256
 * before a byte is used: cache hit (re-hashed), else each mirror in order;
 * a wrong body warns (through e->warn) and falls through to the next mirror.
 * On success paths[i] (caller frees each) is the cache path of arts[i].
 * With fds (may be NULL), fds[i] is a private, unlinked copy of exactly the
 * bytes that were checked (caller closes; read it with pread or from offset
 * 0): install from it, never from paths[i], which a writer sharing the cache
 * can change at any time.
 * Failure names the artifact and every place tried: PF_EDIGEST when some
 * place had wrong bytes, PF_ENET when transfers failed, else PF_ENOTFOUND.
 * On failure every paths[i] is NULL and every fds[i] -1.
 */
int fetch_all(struct fetch_ctx *f, const struct catalog_artifact *const *arts, size_t n,
	      char **paths, int *fds, struct pf_err *e);

/*
 * Fetch a small file (catalog.yaml, its signature, advisories) from a
 * directory or URL base into out, capped at max bytes. Used for catalogs
 * named by URL; the caller verifies what comes back. PF_ENOTFOUND when the
 * file does not exist (404 for URLs).
 */
int fetch_small(const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e);

/* 1 when s is an http:// or https:// URL. */
int fetch_is_url(const char *s);

/*
 * 1 when name is usable as an artifact file name: not empty, at most 255
 * bytes, no '/', '\\' or control characters, and not starting with '.'
 * (so never "." or "..").
 */
int fetch_name_ok(const char *name);

/* The cache path of a SHA-256 (caller frees). */
char *fetch_cache_path(const char *cache_dir, const char *sha256);

#endif
