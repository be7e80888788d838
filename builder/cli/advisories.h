/* SPDX-License-Identifier: MIT */
/* The verified advisories for a lock: from its catalog (or --catalog), else the saved copy. */
#ifndef PF_CLI_ADVISORIES_H
#define PF_CLI_ADVISORIES_H

#include <time.h>

#include "catalog/catalog.h"
#include "cli/cli.h"

struct lockfile;

/* Where the advisories came from. Strings are owned; release with cli_adv_release(). */
struct cli_adv {
	struct advisories a;
	char *where;		/* the catalog read, or the saved copy's directory */
	int saved;		/* 1: the state dir's copy (catalog unreachable, offline, or an environment) */
	time_t saved_at;	/* when the saved copy was last verified (0: unknown) */
	int expired;		/* the saved copy is past its expiry */
	int stale;		/* newer advisories were verified since the copy was saved */
	int none;		/* the catalog publishes no advisories (nothing is revoked) */
};

/*
 * Verified advisories for lock l. src is where to read them: --catalog, else
 * the lock's catalog.source (relative to the lockfile's directory lockdir;
 * NULL for a lock read from an environment, where a relative source means
 * nothing), else nothing. Signature (trust store from the global options,
 * narrowed to the lock's image trust pin), expiry and rollback are checked before
 * use; what verifies is saved in the state dir (lock_audit_save). When src is
 * NULL, offline, or cannot be reached (missing directory, network failure),
 * the saved copy for the lock's catalog name is used (warning how old it is);
 * a tampered, rolled-back or untrusted file is an error, never a fallback. A
 * reachable catalog without advisories.yaml is "none" unless advisories for
 * its name were verified before: then the kept copy is used, with a warning
 * (it may come from the catalog's advisories.urls). Fills c->err.
 */
int cli_advisories_open(struct cli *c, const struct lockfile *l, const char *lockdir, const char *catalog,
			int offline, struct cli_adv *out);
void cli_adv_release(struct cli_adv *x);

#endif
