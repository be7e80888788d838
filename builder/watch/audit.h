/* SPDX-License-Identifier: MIT */
/* audit --all: every registered environment, its lock and what is installed there, against advisories. */
#ifndef PF_WATCH_AUDIT_H
#define PF_WATCH_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "core/error.h"
#include "watch/match.h"
#include "watch/registry.h"
#include "watch/scan.h"

/* One registered environment and what the audit found in it. */
struct watch_env_audit {
	struct watch_env env;		/* a copy of the registry entry, state as of this audit; path owned */
	int no_lock;			/* the kept copy of its lock is missing or unreadable */
	int scanned;			/* its directory was there, with this lock, and was scanned */
	time_t recorded_at;		/* when the kept inventory was taken (gone or replaced environments) */
	struct watch_findings found;	/* the lock's packages ("lock") and what is installed ("installed",
					   or "recorded": seen by an earlier audit, before it went away) */
	struct watch_hit *hits;		/* the revoked ones, grouped by package and advisory */
	size_t nhits;
};

struct watch_audit {
	struct watch_env_audit *v;
	size_t n;
	size_t affected;		/* environments with at least one hit */
};

/*
 * Audit every environment of state_dir's registry against as: the packages
 * of its lock (the copy the registry keeps, so deleted environments are
 * audited too) and, for an environment directory that is still there with
 * the same lock, what is installed in it now (scan with so, installed
 * metadata only: a package added after 'pinfold unlock' counts). Extra
 * packages seen installed are kept (STATE/registry/inventory/) so that they
 * still count after the directory is deleted. Entries whose path is gone or
 * holds another lock are marked so in the registry (at now; kept, never
 * dropped). Problems reading one environment go to e->warn; only an
 * unreadable registry is an error.
 */
int watch_audit_all(const char *state_dir, const struct watch_advset *as, const struct watch_scan_opts *so,
		    time_t now, struct watch_audit *out, struct pf_err *e);
void watch_audit_release(struct watch_audit *a);

#endif
