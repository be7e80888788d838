/* SPDX-License-Identifier: MIT */
/* The registry of environments this machine built, unpacked or ran, kept in the state directory. */
#ifndef PF_WATCH_REGISTRY_H
#define PF_WATCH_REGISTRY_H

#include <stddef.h>
#include <time.h>

#include "core/digest.h"
#include "core/error.h"

/*
 * STATE/registry/environments.tsv: one line per (path, lock) pair that was
 * used, with the window in which it was used. STATE/registry/locks/SHA.lock
 * keeps the exact lock of each, so an environment deleted long ago can still
 * be audited against advisories published since (the exposure happened).
 * Updates take an exclusive flock on STATE/registry/lock and replace the file
 * atomically (temp + rename); readers without the lock see the old or the new
 * file, never a mix. The registry holds at most WATCH_REGISTRY_MAX entries:
 * beyond that, the least recently used entry is dropped.
 */
#define WATCH_REGISTRY_DIR "registry"
#define WATCH_REGISTRY_FILE "environments.tsv"
#define WATCH_REGISTRY_MAX 10000
#define WATCH_PATH_MAX 4096

enum watch_env_kind { WATCH_ENV_DIR, WATCH_ENV_TARBALL };
/* What happened to the path since: still there, deleted, or now holding another lock. */
enum watch_env_state { WATCH_PRESENT, WATCH_GONE, WATCH_REPLACED };

struct watch_env {
	char *path;				/* absolute; owned */
	enum watch_env_kind kind;
	char lock_sha256[PF_SHA256_HEX];	/* of the lock's bytes */
	time_t first, last;			/* first and last use */
	enum watch_env_state state;
	time_t since;				/* when it was first seen gone or replaced (0: present) */
	unsigned long long uses;
	char how[16];				/* the last use: build, run, shell, activate, touch */
};

struct watch_registry {
	struct watch_env *v;
	size_t n, cap;
	char *dir;				/* STATE/registry */
	int lock_fd;				/* -1 unless opened for update */
};

/* "environment" / "tarball"; "present" / "gone" / "replaced". */
const char *watch_env_kind_name(enum watch_env_kind k);
const char *watch_env_state_name(enum watch_env_state s);

/*
 * Read the registry of state_dir into r (sorted by path, then first use).
 * With update, the directory is created when missing and an exclusive flock
 * is taken and held until watch_registry_close(): the caller may change
 * entries and watch_registry_commit(). A missing registry is empty. A
 * malformed line is PF_EFORMAT naming "file:line" (never silently reset).
 */
int watch_registry_open(struct watch_registry *r, const char *state_dir, int update, struct pf_err *e);
/* Write r back atomically (only after opening with update). Drops the least recently used beyond the cap. */
int watch_registry_commit(struct watch_registry *r, struct pf_err *e);
/* Release the lock and free everything (safe on a zeroed struct and twice). */
void watch_registry_close(struct watch_registry *r);
/* The entry for (path, lock_sha256), or NULL. */
struct watch_env *watch_registry_find(struct watch_registry *r, const char *path, const char *lock_sha256);

/*
 * Record one use of the environment at path (absolute; an environment
 * directory or a tarball) whose lock is lock (len bytes; its SHA-256 is the
 * entry's key with path) at time now, by how ("build", "run", "shell",
 * "activate", "touch"). A new entry starts its window at now; an existing
 * one moves its last use to now (never backwards) and is present again. The
 * lock's bytes are kept under STATE/registry/locks/. Safe to call from
 * concurrent processes.
 */
int watch_registry_touch(const char *state_dir, const char *path, enum watch_env_kind kind, const char *lock,
			 size_t len, const char *how, time_t now, struct pf_err *e);

/*
 * watch_registry_touch for an environment directory (its .pinfold/lock) or
 * an environment tarball (.tar.zst: its .pinfold/lock, read under the
 * hostile-archive rules), named by any path: it is made absolute with
 * realpath(). This is the one call for build, run, shell and activation.
 */
int watch_env_touch(const char *state_dir, const char *path, const char *how, time_t now, struct pf_err *e);

/*
 * How the registry writes a path in a tab-separated line: '%', tabs,
 * newlines and other control bytes as %XX (uppercase hex), everything else as
 * is. watch_path_get() reverses it for an absolute path and returns NULL for
 * anything watch_path_put() would not have written (caller frees).
 */
struct pf_buf;
void watch_path_put(struct pf_buf *b, const char *path);
char *watch_path_get(const char *s);

/*
 * Drop every entry recorded for path (absolute), and the kept locks no other
 * entry uses: 'pinfold registry forget'. *n gets how many were dropped.
 */
int watch_registry_forget(const char *state_dir, const char *path, size_t *n, struct pf_err *e);

/* STATE/registry/locks/SHA.lock for an entry (caller frees). */
char *watch_registry_lock_path(const struct watch_registry *r, const char *lock_sha256);
/*
 * STATE/registry/inventory/<SHA-256 of path "\n" lock digest>.tsv: what audit
 * --all last saw installed in the entry beyond its lock (caller frees).
 */
char *watch_inventory_path(const char *state_dir, const struct watch_env *x);

#endif
