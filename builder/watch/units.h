/* SPDX-License-Identifier: MIT */
/* The daily watch's schedule: a systemd user timer + service, or a crontab line without a user manager. */
#ifndef PF_WATCH_UNITS_H
#define PF_WATCH_UNITS_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

#define WATCH_UNIT "pinfold-watch"		/* pinfold-watch.service, pinfold-watch.timer */
#define WATCH_CRON_MARK "# pinfold-watch"	/* ends the crontab line */

/*
 * What the schedule runs: exe (absolute) with args (the global options to
 * keep, e.g. --state-dir DIR), then "watch --run". Arguments must not hold
 * control characters (PF_EUSAGE).
 */
struct watch_cmd {
	const char *exe;
	const char *const *args;
	size_t nargs;
};

/* The unit files' text (appended to service and timer). */
int watch_unit_texts(const struct watch_cmd *cmd, struct pf_buf *service, struct pf_buf *timer, struct pf_err *e);
/* The crontab line (no newline), at a minute derived from seed so that machines do not all run at once. */
int watch_cron_line(const struct watch_cmd *cmd, const char *seed, struct pf_buf *line, struct pf_err *e);

/* $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user (caller frees). */
char *watch_unit_dir(void);
/* 1 when a systemd user manager answers for this user ($XDG_RUNTIME_DIR/systemd/private exists). */
int watch_user_manager(void);

/* Write both units into dir atomically (creating dir). */
int watch_units_write(const char *dir, const struct watch_cmd *cmd, struct pf_err *e);
/* Remove both units from dir; *removed counts what was there. */
int watch_units_remove(const char *dir, int *removed, struct pf_err *e);
/* systemctl --user ARGS... (a 30-second limit); its output is appended to out when not NULL. */
int watch_systemctl(const char *const *args, size_t nargs, struct pf_buf *out, int *status, struct pf_err *e);

/*
 * The user's crontab through crontab(1): read it (-l), drop lines ending in
 * WATCH_CRON_MARK, add line (NULL: only remove), install it from a temp file.
 * *had is 1 when a line was there. PF_ENOTFOUND when there is no crontab
 * program.
 */
int watch_cron_set(const char *line, int *had, struct pf_err *e);
/* 1 when the user's crontab has the watch's line (0 also without crontab). */
int watch_cron_present(void);

#endif
