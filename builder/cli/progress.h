/* SPDX-License-Identifier: MIT */
/* A one-line progress bar on stderr, drawn only when cli_progress_on() says so. */
#ifndef PF_CLI_PROGRESS_H
#define PF_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"

struct cli_bar {
	int on;			/* 0: every call is a no-op */
	const char *what;	/* "fetching", "bundling", ... */
	long long last_ms;	/* redraws are throttled to 10 per second */
	int drawn;		/* a line is on screen */
};

/* Start a bar labelled what (a static string); off unless cli_progress_on(c). */
void cli_bar_init(struct cli_bar *b, struct cli *c, const char *what);
/* A fetch_progress_fn: ud is the struct cli_bar. Bytes and packages done of total. */
void cli_bar_fetch(void *ud, uint64_t bytes_done, uint64_t bytes_total, size_t files_done, size_t files_total);
/* A stage counted in items only ("installing 3/12 packages"); what may change per call. */
void cli_bar_step(struct cli_bar *b, const char *what, size_t done, size_t total);
/* Erase the bar so result lines start on a clean line. Safe to call twice. */
void cli_bar_done(struct cli_bar *b);

#endif
