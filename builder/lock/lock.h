/* SPDX-License-Identifier: MIT */
/* Image definitions and lockfiles: the models and their strict readers and deterministic writers. */
#ifndef PF_LOCK_LOCK_H
#define PF_LOCK_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "catalog/catalog.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"

#define LOCK_FORMAT "pinfold-lock/1"

/*
 * target.runtime (docs/environment.md): "self-contained" makes the
 * environment a root filesystem whose runtimes come from the lock; "host"
 * (or absent: NULL) is a tree over the host's interpreters.
 */
#define LOCK_RUNTIME_HOST "host"
#define LOCK_RUNTIME_SELF "self-contained"
/* NULL when runtime (may be NULL) with nhost target.host entries is valid, else the problem (static text). */
const char *lock_runtime_problem(const char *runtime, size_t nhost);
/* 1 when runtime is "self-contained". */
int lock_self_contained(const char *runtime);

/* images/NAME.yaml */
struct image {
	struct pf_arena arena;
	const char *path;		/* the file it was read from */
	char sha256[PF_SHA256_HEX];	/* of its bytes */
	const char *name;
	const char *catalog;		/* as written (path relative to the image, or URL) */
	const char *catalog_resolved;	/* path joined with the image's directory, or the URL */
	const char *catalog_name;	/* optional pin: the catalog must carry this name */
	const char **trust_keys; size_t ntrust_keys;	/* optional pin */
	int trust_threshold;		/* 0 when no pin */
	const char *target_runtime;	/* LOCK_RUNTIME_*, or NULL (host) */
	const char *target_python;	/* e.g. "3.11", may be NULL */
	const char *target_platform;	/* e.g. "linux-x86_64", may be NULL */
	const char **host_provides; size_t nhost_provides;	/* target.host: "deb:python3 3.11.2" ... */
	const char **packages; size_t npackages;	/* requests, as written */
	int min_age_days;		/* -1 when the image does not set it */
	const char **allow_hosts; size_t nallow_hosts;	/* sandbox.allow_hosts (docs/network.md), as written */
};
int image_load(struct image *im, const char *path, struct pf_err *e);
/* sandbox.allow_hosts of an image or lock map m: a list of one-line printable strings (run/ parses them). */
struct pf_ydoc;
struct pf_ynode;
int lock_allow_hosts_check(struct pf_ydoc *d, const struct pf_ynode *m, const char ***out, size_t *n,
			   struct pf_err *e);
void image_release(struct image *im);

struct lock_pkg {
	const char *ecosystem, *name, *version;
	struct catalog_artifact artifact;
	const char **requested_by; size_t nrequested_by;	/* "image" or "ECO:NAME VERSION" */
};

/* lockfiles/NAME.lock */
struct lockfile {
	struct pf_arena arena;
	char sha256[PF_SHA256_HEX];	/* of the bytes read ("" when built in memory) */
	const char *image_name;
	char image_sha256[PF_SHA256_HEX];
	const char *catalog_name;
	long long catalog_version;
	char catalog_sha256[PF_SHA256_HEX];
	const char *catalog_source;	/* where the catalog was read from (path as in the image), may be NULL */
	const char **catalog_keys; size_t ncatalog_keys;	/* signer key ids */
	int trust_threshold;		/* image pin threshold, 0 when none */
	const char **trust_keys; size_t ntrust_keys;		/* image pin keys */
	int min_age_days;
	const char *age_cutoff;		/* RFC 3339: nothing published after this was eligible */
	const char *target_runtime;	/* LOCK_RUNTIME_*, or NULL (host) */
	const char *target_python, *target_platform;
	const char **host_provides; size_t nhost_provides;
	const char **requests; size_t nrequests;		/* the image's requests, as written */
	long long source_date_epoch;
	const char *relax_reason;	/* set when --relax-policy was used */
	const char **allow_hosts; size_t nallow_hosts;	/* sandbox.allow_hosts, from the image */
	struct lock_pkg *pkgs;		/* sorted by (ecosystem, name) */
	size_t npkgs, cap;
};
/*
 * Read a lockfile strictly: every artifact must have a 64-hex sha256, a size
 * and a known format, or the lock is refused naming the package.
 */
int lock_load(struct lockfile *l, const char *path, struct pf_err *e);
int lock_parse(struct lockfile *l, const char *file, const char *data, size_t len, struct pf_err *e);
/* Deterministic bytes: same lock, same output. */
void lock_write(const struct lockfile *l, struct pf_buf *out);
/* lock_write + atomic write to path. */
int lock_save(const struct lockfile *l, const char *path, struct pf_err *e);
void lock_release(struct lockfile *l);
/* The first package of that name (npm may lock one name at several versions), or NULL. */
const struct lock_pkg *lock_find(const struct lockfile *l, const char *eco, const char *name);
/* That exact version of the package, or NULL. */
const struct lock_pkg *lock_find_version(const struct lockfile *l, const char *eco, const char *name,
					 const char *version);

#endif
