/* SPDX-License-Identifier: MIT */
/* The sandbox: a self-contained environment run read-only under bubblewrap with a seccomp filter. */
#ifndef PF_RUN_RUN_H
#define PF_RUN_RUN_H

#include <stddef.h>

#include "core/digest.h"
#include "core/error.h"
#include "core/mem.h"
#include "run/net.h"

/* Inside the sandbox (docs/environment.md, docs/run.md). */
#define RUN_UID		1000
#define RUN_GID		1000
#define RUN_USER	"user"
#define RUN_HOME	"/home/user"
#define RUN_PROJECT	"/project"
#define RUN_HOSTNAME	"pinfold"
#define RUN_PATH	"/usr/local/bin:/usr/bin:/bin"
/* The file descriptors bwrap gets: its options (--args), the filter (--seccomp), its status (--json-status-fd). */
#define RUN_FD_ARGS	3
#define RUN_FD_SECCOMP	4
#define RUN_FD_STATUS	5
/* After the first SIGINT/SIGTERM/SIGHUP is passed on, the sandbox has this long before SIGKILL. */
#define RUN_GRACE_MS	3000

/*
 * An environment ready to become the root filesystem: an unpacked
 * directory as given, or a tarball verified and unpacked into the cache.
 */
struct run_env {
	char *root;			/* absolute, no symlinks: the directory mounted as / */
	char *name;			/* the image name from .pinfold/lock, [A-Za-z0-9._+-] only */
	char sha256[PF_SHA256_HEX];	/* of the tarball; "" for a directory */
	int unpacked;			/* 1 when this call unpacked the tarball (a first run) */
	char *tarball, *cache_dir;	/* a tarball's path and the cache (run_env_repair); NULL for a directory */
	char *seal;			/* RUN_ENV_DEFER_CHECK: the cached tree's seal, still to check; else NULL */
	struct pf_strv allow_hosts;	/* the lock's sandbox.allow_hosts (docs/network.md), as written */
};

/* run_env_open() flags */
#define RUN_ENV_DEFER_CHECK 1	/* leave a cached tree's seal to run_env_check() (run_plan_exec's gate) */

/*
 * Open path as an environment. A directory is used as it is (`pinfold verify`
 * checks one). A tarball is hashed (reusing a hash recorded for the same
 * file, unchanged since, see docs/run.md), checked against path.sha256 when
 * that file exists, then looked up under cache_dir/envs/SHA256/: a cached
 * tree whose seal still holds is used; anything else (first run, a broken
 * seal) is unpacked afresh with pack_unpack(), which refuses a tarball that
 * differs from its manifest, into a temp directory renamed into place (two
 * first runs at once are safe). Either way the environment must be
 * self-contained (.pinfold/lock target.runtime); a host-mode one is refused
 * with PF_EPOLICY. Tampering is PF_EDIGEST. Release with run_env_release().
 */
int run_env_open(struct run_env *env, const char *path, const char *cache_dir, unsigned flags, struct pf_err *e);
void run_env_release(struct run_env *env);
/*
 * With RUN_ENV_DEFER_CHECK, a tree found in the cache is not checked by
 * run_env_open(): run_env_check() does it (0: as unpacked, or nothing to
 * check; PF_ECHECK naming the first change), so that it can run while
 * bubblewrap builds the sandbox; nothing may run in the tree before it
 * passed. After it failed, run_env_repair() discards the tree and unpacks
 * the tarball again, verified (a warning says so, with why).
 */
int run_env_check(const struct run_env *env, struct pf_err *e);
int run_env_repair(struct run_env *env, const char *why, struct pf_err *e);

/* --ro PATH / --rw PATH: the host path, mounted at the same absolute path inside. */
struct run_bind {
	const char *path;
	int rw;
};

/*
 * What a caller asks for. This struct is the one place new sandbox settings
 * go (a network allow-list, secret files, presets); run_plan_build() is the
 * one place that turns them into bubblewrap's arguments.
 */
struct run_opts {
	const char *project;		/* NULL: the current directory */
	const char *state_dir;		/* pinfold's state directory: private HOMEs under homes/ */
	int net;			/* share the host's network namespace */
	int ephemeral;			/* HOME is a tmpfs, gone afterwards */
	int shell;			/* an interactive shell: see run_plan_build() */
	const char *const *env;		/* --env NAME or NAME=VALUE, as given (nenv of them) */
	size_t nenv;
	const struct run_bind *binds;	/* --ro/--rw, in order */
	size_t nbinds;
	const struct run_allow *allow;	/* --allow-host and --agent hosts: through the proxy (docs/network.md) */
	size_t nallow;
	const struct run_secret *secrets;	/* --secret-file */
	size_t nsecrets;
	char *const *argv;		/* the command; NULL for a shell */
	int argc;
};

/* --secret-file SRC:DEST: one host file, read-only at DEST inside. */
struct run_secret {
	const char *src, *dest;
};

/* --agent NAME: the API hosts of a coding agent and the variables holding its key (docs/network.md). */
struct run_agent {
	const char *name;
	const char *hosts[4];
	const char *vars[4];
};
extern const struct run_agent run_agents[];	/* ends with a NULL name */
const struct run_agent *run_agent_find(const char *name);

/* One bubblewrap option with its arguments (printed on one line by --dry-run). */
struct run_arg {
	const char *opt;
	char *a, *b;			/* arguments, NULL when unused (owned) */
};

/* Everything run_plan_exec() needs; built without side effects. */
struct run_plan {
	struct run_arg *args;		/* bubblewrap options, in order */
	size_t nargs, cap;
	struct pf_strv cmd;		/* the command inside */
	char *project;			/* host path of the project (realpath) */
	char *home;			/* host directory of HOME; NULL when ephemeral */
	int new_session;		/* bwrap --new-session (see run_plan_build) */
	int terminal;			/* a shell on a terminal: hand it the foreground */
	const struct run_allow *allow;	/* the allow-list (borrowed from run_opts); nallow 0: no proxy */
	size_t nallow;
	char *netlog;			/* the per-project log of the proxy's verdicts */
};

/*
 * Build the plan for env under o: the project (refused when it is /, the
 * home directory or above it, or holds pinfold's state directory), the
 * per-project HOME (state_dir/homes/BASENAME-HASH), the variables (cleared,
 * then the documented list and each --env), the mounts and the namespaces.
 * A shell on a terminal keeps the caller's session so that job control
 * works (TIOCSTI and TIOCLINUX stay blocked by the seccomp filter);
 * everything else gets --new-session. Usage errors are PF_EUSAGE.
 * Release with run_plan_release().
 */
int run_plan_build(struct run_plan *p, const struct run_opts *o, const struct run_env *env, struct pf_err *e);
void run_plan_release(struct run_plan *p);
/*
 * For a command given by name: PF_ENOTFOUND unless it is an executable in
 * RUN_PATH inside env (links resolved inside env, as the sandbox will).
 */
int run_plan_check_command(const struct run_plan *p, const struct run_env *env, struct pf_err *e);
/* The bubblewrap command line, shell-quoted, one option per line (--dry-run); the allow-list as comments. */
void run_plan_text(const struct run_plan *p, const char *bwrap, struct pf_buf *out);

/*
 * bubblewrap's path: the first "bwrap" on PATH. Caller frees. PF_ENOTFOUND
 * naming Debian's bubblewrap package when there is none.
 */
int run_find_bwrap(char **out, struct pf_err *e);

/*
 * A check that must pass before the command may start; it runs in pinfold
 * while bubblewrap builds the sandbox (0: go on; negative: the sandbox is
 * killed before the command starts and run_plan_exec returns that code).
 */
typedef int run_gate_fn(void *ud, struct pf_err *e);

/*
 * Run the plan: bwrap is executed with an empty environment and its
 * options passed through a file descriptor (nothing of them in the host's
 * process list), the seccomp filter as a compiled program written to bwrap
 * only once gate (when not NULL) passed: bwrap reads it last, just before
 * it starts the command, and refuses to start it without one, so the
 * command cannot start before the gate passed, even if pinfold dies
 * meanwhile. SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT received meanwhile are passed on to every process in
 * the sandbox; RUN_GRACE_MS after the first (or at a second one) the sandbox
 * is killed. Returns 0 with *status set to the command's exit status (128+N
 * when it ended by signal N), or negative when no sandbox could be made
 * (nothing ran): PF_EINTERNAL with the cause and its fix when known.
 */
int run_plan_exec(const struct run_plan *p, const char *bwrap, run_gate_fn *gate, void *ud, int *status,
		  struct pf_err *e);

/*
 * run_plan_exec() for env: a tree from the cache is checked against its
 * seal while bubblewrap builds the sandbox (the gate); when the check fails
 * the sandbox is ended before the command starts, the tree is unpacked
 * again from the tarball (a warning says why) and the run starts over.
 */
int run_env_exec(struct run_env *env, const struct run_plan *p, const char *bwrap, int *status, struct pf_err *e);

/*
 * The seccomp filter (seccomp.c): a memfd holding the compiled BPF program,
 * positioned at 0, close-on-exec. *ninsns gets its length when not NULL.
 */
int run_seccomp_fd(int *fd, size_t *ninsns, struct pf_err *e);

#endif
