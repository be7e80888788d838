/* SPDX-License-Identifier: MIT */
/* Opening a catalog for a command: trust store, image pin, verification, state, advisories. */
#ifndef PF_CLI_SOURCE_H
#define PF_CLI_SOURCE_H

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "core/mem.h"

struct image;
struct solve_pool;

/* A verified catalog and, when its directory has them, its verified advisories. */
struct cli_catalog {
	struct catalog cat;
	struct advisories adv;
	int has_adv;
	struct pf_strv signers;		/* distinct trusted key ids that signed catalog.yaml */
	char *where;			/* the directory or URL it was read from */
	int header_only;		/* cat has its header fields only (cli_catalog_open_cached) */
	struct solve_pool *pool;	/* header_only: the pool from the authenticated cache (take it or
					   leave it to cli_catalog_release) */
};

/*
 * Open the catalog at where (a directory or an http(s) URL) for c: the trust
 * store from the global options (cli_trust_store), narrowed to the image's
 * trust pin when im has one (keys + threshold), then signature, threshold,
 * expiry and rollback checks, and the rollback state raised. advisories.yaml
 * beside it is verified the same way when present (absent is fine; a bad one
 * is refused). Fills c->err and returns a negative code on failure. Release
 * with cli_catalog_release() (also safe after a failure).
 */
int cli_catalog_open(struct cli *c, const char *where, const struct image *im, struct cli_catalog *out);
void cli_catalog_release(struct cli_catalog *cc);

/*
 * The same checks, for `pinfold lock`, without parsing the catalog again when
 * the solver cache holds a pool built from exactly these
 * bytes for target t: the cached pool is loaded first and used only when its
 * MAC verifies (solve_cache_open), the signature is verified over the
 * bytes as always, then expiry and rollback use the header authenticated with
 * the cache. out->header_only is then 1, out->pool holds the pool and
 * out->cat has no packages. Without a usable cache it is cli_catalog_open.
 */
struct solve_target;
struct solve_cache;
int cli_catalog_open_cached(struct cli *c, const char *where, const struct image *im,
			    const struct solve_cache *cache, const struct solve_target *t, struct cli_catalog *out);

#endif
