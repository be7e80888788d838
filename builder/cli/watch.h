/* SPDX-License-Identifier: MIT */
/* What commands share for the watch: advisories in use, the registry hook, the notice, audit --all. */
#ifndef PF_CLI_WATCH_H
#define PF_CLI_WATCH_H

#include <time.h>

#include "cli/cli.h"
#include "ctx/ctx.h"
#include "watch/match.h"

/* Saved advisories verified within this many days are current: no warning, their age in the summary. */
#define CLI_ADV_CURRENT_DAYS CTX_ADV_CURRENT_DAYS	/* ctx/ctx.h */

/* The default catalog's signed files shipped with pinfold (DATA/catalog, core/datadir.h). */
/*
 * The state directory the watch commands use (c->ctx.state_dir once this
 * returned 0): 0, or the exit status after printing why there is none.
 * Nothing is needed for --help.
 */
int cli_watch_state(struct cli *c, int argc, char **argv);
const char *cli_default_catalog(const struct cli *c);

/*
 * Every verified advisories set this machine has (the saved copies, the
 * shipped default seeded first), verified with the global trust options.
 * Copies that do not verify are warned about and skipped. Fills c->err.
 */
int cli_watch_advisories(struct cli *c, struct watch_advset *out);

/*
 * "advisories 'NAME' version N, verified 3 days ago" lines for a summary,
 * one per set, through cli_info; and one warning per set that is expired,
 * stale or older than CLI_ADV_CURRENT_DAYS (never when all are current).
 */
void cli_watch_adv_summary(struct cli *c, const struct watch_advset *as);

/*
 * THE hook for commands that use an environment: record that path (an
 * environment directory or tarball) was used now by how ("build", "run",
 * "shell", "activate", "touch") in the registry, then show a pending watch
 * notice on stderr. Never fails its caller: problems are warnings (with -v
 * only, so a read-only state dir never spoils a run). For run and shell: one
 * line, cli_env_used(c, env, "run").
 */
void cli_env_used(struct cli *c, const char *path, const char *how);
/* Print the watch's pending notice (if any) on stderr, each line as "pinfold: notice: ...". */
void cli_watch_notice(struct cli *c);

/*
 * pinfold audit --all (cli/audit_all.c): print every registered environment
 * an advisory affects, with the package, the advisory, its advice and the
 * window of use; --json as one document. after (may be NULL) sees the
 * results before they are released and may raise the status it returns.
 * Returns the exit status: 0 clean, 1 affected, else failure.
 */
struct watch_audit;
typedef int (*cli_audit_after_fn)(struct cli *c, const struct watch_audit *a, void *ud);
int cli_audit_all(struct cli *c, cli_audit_after_fn after, void *ud);

/*
 * pinfold advisories update (cli/cmd_advisories.c): catalog NULL means the
 * default catalog plus every catalog remembered from earlier updates. Prints
 * one line per catalog. Returns the exit status.
 */
int cli_advisories_update(struct cli *c, const char *catalog);

/* Text safe for a terminal: control characters as \xNN (caller frees). */
char *cli_safe(const char *s);

#endif
