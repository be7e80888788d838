/* SPDX-License-Identifier: MIT */
/* Building an environment from a lock: trust re-derived from the signed catalog, then fetch, install, pack. */
#ifndef PF_BUILD_BUILD_H
#define PF_BUILD_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ctx/ctx.h"
#include "fetch/fetch.h"
#include "lock/lock.h"
#include "pack/pack.h"

/*
 * The pipeline above pack/: every command that installs from a lock
 * (`build`, `build --bundle`, and `run`/`export` built on it) goes through
 * build_lock_open(), which is the only way to get a struct build_lock, and
 * build_run() accepts nothing else. So a lock is always checked against its
 * signed catalog (ctx_lock_check / ctx_bundle_open) before a byte of it is
 * fetched or installed; there is no "trust the lock" mode.
 */

/* Where a lock comes from. Strings are borrowed. */
struct build_src {
	const char *lock_path;		/* a lockfile; with bundle optional, and then it must be the bundled lock */
	const char *bundle;		/* an air-gap bundle (FILE.pfb): its lock, signed catalog and artifacts */
	const char *catalog;		/* DIR|URL instead of the lock's catalog.source (not with bundle) */
	int allow_revoked;		/* build despite revocations (each one is still warned about) */
};

/* A lock that passed the chain of trust. Owned; release with build_lock_release(). */
struct build_lock {
	struct lockfile lock;
	struct pf_buf bytes;		/* the exact bytes parsed (they become .pinfold/lock) */
	char *label;			/* how messages name it: the path, or "FILE.pfb:pinfold.lock" */
	int from_bundle;
	struct ctx_lock_check check;	/* a lockfile: the verified catalog (and advisories) it was checked against */
	struct ctx_bundle bundle;	/* a bundle: open, verified; artifacts are read from it */
};

/*
 * Load the lock src names and re-derive its trust: ctx_lock_check() for a
 * lockfile (its catalog.source relative to the lockfile, or src->catalog),
 * ctx_bundle_open() for a bundle (with src->lock_path, the file must hold
 * exactly the bundled lock). Every revoked package is warned about through
 * e->warn; any revoked package refuses (PF_EREVOKED) unless
 * src->allow_revoked. On failure out is released.
 */
int build_lock_open(struct ctx *x, const struct build_src *src, struct build_lock *out, struct pf_err *e);
void build_lock_release(struct build_lock *bl);

struct build_opts {
	const char *out;		/* OUT.tar.zst; OUT.sha256 ("HEX  NAME\n") is written beside it */
	const char *cache_dir;		/* the artifact cache; NULL: ctx_cache_dir() */
	const struct pf_strv *mirrors;	/* directories or URLs, tried in order; may be NULL */
	int jobs;			/* parallel fetches and installs (the output never depends on it); 0: 1 */
	uint64_t max_unpacked;		/* bytes unpacked per build; 0: INSTALL_DEFAULT_MAX_UNPACKED */
	/* callbacks, all optional; ud is passed back */
	fetch_progress_fn fetch_progress;	/* while fetching */
	void (*stage)(void *ud, const char *what, size_t done, size_t total);	/* what NULL: stage over */
	void (*interrupted)(void *ud, int sig);	/* from the interrupt guard's thread, before _exit(128 + sig) */
	void *ud;
};

struct build_result {
	struct pack_result pack;	/* the tarball's digests and sizes */
	size_t npaths;			/* paths in the manifest */
	uint64_t unpacked;		/* bytes installed */
	long long ms_fetch, ms_install, ms_meta, ms_pack;	/* phase times (monotonic clock) */
};

/*
 * Build bl's environment into o->out: fetch every locked artifact (bundle,
 * cache, mirrors; size and SHA-256 checked before a byte is used), install
 * into a private staging tree next to OUT, add the constraints, metadata and
 * manifest, pack reproducibly, then commit OUT and OUT.sha256 together.
 * SIGINT, SIGTERM and SIGHUP during the build remove everything it wrote
 * (OUT and OUT.sha256 both or neither), call o->interrupted and exit the
 * process with 128 + the signal: a caller that cannot allow that must block
 * those signals itself. Once committed, the outcome stands and later signals
 * stay blocked until exit. Nothing is left behind on failure.
 */
int build_run(struct ctx *x, const struct build_lock *bl, const struct build_opts *o, struct build_result *r,
	      struct pf_err *e);

#endif
