/* SPDX-License-Identifier: MIT */
/* Install constraints inside an environment: pip/npm config, guards, policy state, and unlock. */
#ifndef PF_INSTALL_CONSTRAINTS_H
#define PF_INSTALL_CONSTRAINTS_H

#include <time.h>

#include "core/error.h"
#include "core/mem.h"

struct lockfile;

#define INSTALL_POLICY_FORMAT "pinfold-policy/1"
#define INSTALL_UNLOCK_FORMAT "pinfold-unlock/1"
#define INSTALL_POLICY_PATH ".pinfold/policy.yaml"		/* relative to the env root */
#define INSTALL_UNLOCKED_PATH ".pinfold/unlocked.yaml"		/* written by unlock only */
#define INSTALL_ADVISORIES_HOOK ".pinfold/activate.d/advisories.sh"

/*
 * Lock down the staging tree root of an environment built from l (called
 * after the packages are installed and before the manifest is written). The
 * files come from builder/install/guards/ (compiled in by meson, see
 * install/guards.h) and go where l's target.runtime puts them
 * (docs/constraints.md has the table):
 *   host mode       bin/{pip,pip3,npm,npx}, pip.conf, etc/npmrc,
 *                   lib/python3.X/site-packages/_pinfold_guard.{py,pth},
 *                   .pinfold/activate.d/constraints.sh
 *   self-contained  usr/local/bin/{pip,pip3,npm,npx}, etc/pip.conf, usr/pip.conf,
 *                   etc/npmrc, usr/local/lib/python3.X/dist-packages/_pinfold_guard.{py,pth}
 *                   (X from target.python, the lock's Debian interpreter packages and
 *                   the dist-packages directories on disk)
 *   both            .pinfold/constraints.txt (locked pypi versions with hashes),
 *                   .pinfold/refusal.txt (the one refusal text)
 * and records them in .pinfold/policy.yaml (state: locked, constraint_files:
 * the sorted relative paths of the files above, which unlock removes). Also
 * writes, not as constraints (they stay after unlock): .pinfold/vetted.txt
 * (every locked package) with the pinfold-vetted command beside the guards,
 * the 00-pinfold-nopyc.pth next to the hook, and
 * .pinfold/activate.d/advisories.sh, the activation-time advisory check.
 * Existing files at these paths (e.g. pip's own bin/pip) are replaced. Same
 * lock, same bytes; modes 0644 and 0755.
 */
int install_constraints(const char *root, const struct lockfile *l, struct pf_err *e);

/*
 * The variables the constraints set while the environment is active (what
 * .pinfold/activate.d/constraints.sh exports), for an environment whose root
 * is root ("/" for an image or a sandbox): "NAME=VALUE" strings pushed to
 * out in a fixed order. Keep in step with the shell side above.
 */
void install_constraints_env(const char *root, struct pf_strv *out);

/*
 * The constraint state of an unpacked environment, for unlock and verify.
 * All strings are owned by the struct; release with install_cstate_release().
 */
struct install_cstate {
	int has_policy;			/* .pinfold/policy.yaml was read */
	const char *state;		/* "locked" as recorded in policy.yaml */
	struct pf_strv constraint_files;	/* from policy.yaml, sorted */
	int unlocked;			/* .pinfold/unlocked.yaml exists and is valid */
	char *by, *at, *reason;		/* from unlocked.yaml */
	struct pf_strv removed;		/* constraint files unlock removed */
	struct pf_strv missing;		/* constraint files already absent at unlock */
	char *state_buf;
};

/*
 * Read root/.pinfold/policy.yaml and root/.pinfold/unlocked.yaml (strict).
 * A missing policy.yaml leaves has_policy 0 and returns 0; a malformed file
 * of either kind is PF_EFORMAT. Verify's rule: a manifest file that is
 * missing is fine exactly when unlocked is set and the file is in
 * constraint_files; .pinfold/unlocked.yaml is an expected extra file then.
 * Constraint files missing without unlocked.yaml are tampering.
 */
int install_constraints_state(const char *root, struct install_cstate *s, struct pf_err *e);
/* 1 when relpath is one of s's constraint files. */
int install_cstate_is_constraint(const struct install_cstate *s, const char *relpath);
void install_cstate_release(struct install_cstate *s);

/*
 * Lift the constraints of the environment at root: remove every file listed
 * in policy.yaml's constraint_files (never following symlinks, never leaving
 * root), then write .pinfold/unlocked.yaml atomically with by, at (now, as
 * RFC 3339), reason and the files removed. reason must be non-empty.
 * Manifest-covered files other than the constraint files are not touched.
 * PF_ENOTFOUND: not a pinfold environment; PF_EEXIST: already unlocked
 * (s describes the earlier unlock). s is filled when not NULL.
 */
int install_unlock(const char *root, const char *by, const char *reason, time_t now, struct install_cstate *s,
		   struct pf_err *e);

#endif
