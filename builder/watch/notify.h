/* SPDX-License-Identifier: MIT */
/* Telling the user: the notice file shown at the next run/shell/activation, and a desktop notification. */
#ifndef PF_WATCH_NOTIFY_H
#define PF_WATCH_NOTIFY_H

#include <stddef.h>
#include <time.h>

#include "core/error.h"
#include "core/mem.h"
#include "watch/audit.h"

#define WATCH_NOTICE_FILE "watch/notice"	/* under the state dir */
#define WATCH_SEEN_FILE "watch/seen"
#define WATCH_LAST_RUN_FILE "watch/last-run"

/*
 * After an audit of every environment: the hits nobody was told about yet
 * (STATE/watch/seen keeps a digest of each (environment, lock, package,
 * version, advisory) already notified) make *fresh non-zero; then
 * STATE/watch/notice is (re)written with every affected environment, what to
 * rotate and when it was used, and the new ones are remembered. When nothing
 * is affected any more the notice is removed. Atomic writes.
 */
int watch_notice_update(const char *state_dir, const struct watch_audit *a, time_t now, size_t *fresh,
			struct pf_err *e);
/* The notice text into out (appended); PF_ENOTFOUND when there is none. */
int watch_notice_read(const char *state_dir, struct pf_buf *out, struct pf_err *e);
/* Remove the notice ('pinfold watch --ack'); the seen hits stay seen. */
int watch_notice_clear(const char *state_dir, struct pf_err *e);

/*
 * A desktop notification through notify-send when it is on PATH and a
 * session is there to show it (DISPLAY, WAYLAND_DISPLAY or
 * DBUS_SESSION_BUS_ADDRESS set). Never blocks for more than 10 seconds.
 * *sent is 1 when notify-send ran and exited 0. Not being able to notify is
 * not an error (the notice file is the reliable channel).
 */
int watch_notify_desktop(const char *title, const char *body, int *sent, struct pf_err *e);

/*
 * Run argv (argv[0] looked up on PATH) with stdin from /dev/null, its stdout
 * and stderr appended to out when not NULL (capped at 64 KiB), killed after
 * timeout_s seconds. *status gets the exit status (or 128 + signal, -1 when it
 * could not be started).
 */
int watch_run(const char *const *argv, int timeout_s, struct pf_buf *out, int *status, struct pf_err *e);
/* The full path of prog on PATH, or NULL (caller frees). */
char *watch_which(const char *prog);

#endif
