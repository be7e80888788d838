/* SPDX-License-Identifier: MIT */
/* Keeping the newest verified advisories in the state dir: the shipped copy, updates, and the set in use. */
#ifndef PF_WATCH_ADVISORIES_H
#define PF_WATCH_ADVISORIES_H

#include <time.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/mem.h"
#include "watch/match.h"

struct ctx;
struct verify_opts;

/*
 * The advisories shipped with pinfold (shipped_dir/advisories.yaml and .sig:
 * the default catalog's, installed beside the trust anchor) become the saved
 * copy of their name (ctx/ctx.h) when nothing newer is saved: a fresh
 * machine audits offline against them. They are verified first (signature
 * by store; an expired shipped copy is still seeded and reported expired
 * when used). Nothing is seeded when the rollback state already holds a
 * newer version and a copy is saved, or when store does not trust the
 * shipped copy's key (then *seeded stays 0 and nothing is an error).
 * PF_ENOTFOUND-free: a missing shipped_dir is fine.
 */
int watch_advisories_seed(struct ctx *x, const char *shipped_dir, int *seeded, struct pf_err *e);

/*
 * Every saved copy in state_dir (after seeding from shipped_dir, which may be
 * NULL; a seeding failure, say a read-only state dir, is a warning), each
 * verified again (ctx_saved_load: signature with store, rollback state;
 * expiry reported, not enforced). A copy that does not verify is reported
 * through e->warn and skipped. Sorted by name.
 */
int watch_advisories_load(struct ctx *x, const char *shipped_dir, struct watch_advset *out, struct pf_err *e);

/* The result of one update. Strings are owned; release with watch_update_release(). */
struct watch_update {
	char *name;			/* the catalog's (and so the advisories') name */
	char *from;			/* where the verified copy came from */
	long long version;		/* the version now kept */
	long long before;		/* the version kept before (0: none) */
	size_t count;			/* advisories in it */
	int none;			/* the catalog publishes no advisories at all */
};
void watch_update_release(struct watch_update *u);

/*
 * For cat, a verified catalog read from where (a directory or URL): fetch its
 * advisories from each of its advisories.urls in order (a catalog without
 * them publishes advisories.yaml beside itself, at where), verify each with o
 * (signature, threshold, expiry, rollback; the advisories must carry the
 * catalog's name), and keep the first that verifies as the saved copy (the
 * rollback state is raised). A tampered, expired, older or foreign file is
 * refused (its error is the result when no URL gives a good one) and the kept
 * copy stays as it was. When no URL has advisories at all, u->none is set,
 * unless advisories of that name were kept before (then PF_EROLLBACK: taking
 * them down would hide revocations). Failures of URLs before a good one go to
 * e->warn.
 */
int watch_advisories_update(struct ctx *x, const struct catalog *cat, const char *where,
			    const struct verify_opts *o, struct watch_update *u, struct pf_err *e);

/*
 * The catalogs 'pinfold advisories update' refreshes without --catalog
 * (STATE/watch/sources, one directory or URL per line): remembered after a
 * successful 'advisories update --catalog'. Directories are stored absolute.
 */
int watch_sources_add(const char *state_dir, const char *where, struct pf_err *e);
int watch_sources_list(const char *state_dir, struct pf_strv *out, struct pf_err *e);

#endif
