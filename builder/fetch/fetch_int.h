/* SPDX-License-Identifier: MIT */
/* Private to fetch/: the cache sink every source writes through, and one fetch run's state. */
#ifndef PF_FETCH_FETCH_INT_H
#define PF_FETCH_FETCH_INT_H

#include <stdint.h>

#include "core/digest.h"
#include "core/file.h"
#include "fetch/fetch.h"

/*
 * One artifact on its way into the cache: bytes go to a temp file next to
 * the cache entry while being hashed; only a matching size and SHA-256 get
 * it renamed into place. More bytes than expected are refused as they come.
 */
struct fetch_sink {
	struct pf_afile file;
	struct pf_sha256 sha;
	const struct catalog_artifact *a;
	uint64_t got;
	int open, over;
	int priv;		/* a private copy of the same bytes (the run wants fds), else -1 */
};
/* With the run's want_fds, the bytes also go to a private file that fetch_sink_take() hands on. */
struct fetch_run;
int fetch_sink_open(struct fetch_sink *s, struct fetch_run *r, const struct catalog_artifact *a);
/* 0, or -1 once the body is longer than the artifact (nothing more is kept). */
int fetch_sink_write(struct fetch_sink *s, const void *p, size_t n);
/*
 * Check and rename into place: 0; -PF_EDIGEST with why filled on a size or
 * hash mismatch (temp removed); -PF_EIO with e filled on a write failure.
 */
int fetch_sink_commit(struct fetch_sink *s, char *why, size_t whylen, struct pf_err *e);
void fetch_sink_abort(struct fetch_sink *s);
/* After a successful commit: the private copy (positioned anywhere; read it with pread), or -1. */
int fetch_sink_take(struct fetch_sink *s);

/*
 * Whole-transfer and whole-run deadlines (docs/fetch.md, "Deadlines"): a
 * transfer must have moved min_rate * (t - grace) bytes by t seconds after it
 * started (so one of S bytes has grace + S / min_rate seconds in all), and
 * every HTTP transfer of the process ends by run_deadline seconds after the
 * first one started.
 */
struct fetch_deadlines {
	long grace;			/* $PINFOLD_TRANSFER_GRACE, 30 s */
	long min_rate;			/* $PINFOLD_MIN_RATE, 16384 bytes/s */
	long run;			/* $PINFOLD_FETCH_DEADLINE, 3600 s */
};
void fetch_env_deadlines(struct fetch_deadlines *d);

/* One artifact of a run. */
struct fetch_item {
	const struct catalog_artifact *a;
	char *path;			/* cache path once done */
	int fd;				/* the private copy that was hashed, or -1 */
	int done;
	int worst;			/* 0, PF_ENOTFOUND, PF_ENET or PF_EDIGEST seen so far */
	struct pf_buf tried;		/* "place (why); place (why)" */
};

struct fetch_run {
	struct fetch_ctx *f;
	struct fetch_item *items;
	size_t n;
	uint64_t bytes_total, bytes_done;
	size_t files_done;
	long connect_timeout, low_speed_time, low_speed_limit;
	struct fetch_deadlines dl;
	int retries, jobs;
	int want_fds;			/* the caller asked for private copies */
	char *tmp_dir;			/* where they go (<cache>/sha256) */
	struct pf_err *e;
};

/* Progress bookkeeping: delta may be negative when a transfer is thrown away. */
void fetch_run_bytes(struct fetch_run *r, int64_t delta);
/* Record a place that did not have the artifact; class is a PF_E* code (positive). */
void fetch_item_tried(struct fetch_item *it, int cls, const char *place, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Mark it as in the cache at its cache path; fd is its private copy (taken) or -1. */
void fetch_item_done(struct fetch_run *r, struct fetch_item *it, int fd);

/* Sources. Each handles the items of r not yet done. */
void fetch_from_dir(struct fetch_run *r, const char *dir);
void fetch_from_http(struct fetch_run *r, const char *base);
void fetch_from_bundle(struct fetch_run *r, struct fetch_bundle *b);

/* Copy exactly n bytes at off of fd into the sink; -1 on read errors (why filled). */
int fetch_copy_range(int fd, uint64_t off, uint64_t n, struct fetch_sink *s, char *why, size_t whylen);

/* Connect timeout, low-speed time and limit: the environment's values, else the defaults. */
void fetch_env_limits(long *connect_timeout, long *low_speed_time, long *low_speed_limit);


/* pread exactly n bytes at off: 0, or -1 on errors and early end of file. */
int fetch_read_at(int fd, uint64_t off, void *buf, size_t n);

/*
 * Open libcurl (once, thread-safe) and run curl_global_init; before this
 * the curl_* functions must not be called (curl_load.c). PF_EINTERNAL when
 * the library cannot be loaded.
 */
int fetch_curl_load(struct pf_err *e);

#endif
