/* SPDX-License-Identifier: MIT */
/* Error codes, the error context every library call fills, and exit-status mapping. */
#ifndef PF_CORE_ERROR_H
#define PF_CORE_ERROR_H

#include <stdarg.h>

/*
 * Library functions return 0 on success or a negative PF_E* code. The detail
 * goes into a struct pf_err as one line "<subject>: <what is wrong>", which
 * only cli/ prints. Each security outcome has a code of its own.
 */
enum pf_errcode {
	PF_OK = 0,
	PF_EUSAGE = 1,		/* bad command line (exit 2) */
	PF_EIO,			/* I/O failure (exit 3) */
	PF_EFORMAT,		/* malformed input file (exit 3) */
	PF_ETOOBIG,		/* input over its size cap (exit 3) */
	PF_ENOTFOUND,		/* a named thing does not exist (exit 3) */
	PF_EEXIST,		/* refusing to overwrite (exit 3) */
	PF_ENET,		/* transfer failed (exit 3) */
	PF_EINTERNAL,		/* a library we call failed (exit 3) */
	/* refusals and failed checks (exit 1) */
	PF_EUNTRUSTED,		/* not signed by enough trusted keys */
	PF_EBADSIG,		/* signature malformed or does not verify */
	PF_EEXPIRED,		/* signed metadata past its expiry */
	PF_EROLLBACK,		/* older or substituted signed metadata */
	PF_EDIGEST,		/* size or SHA-256 mismatch */
	PF_EREVOKED,		/* a revoked version was requested or found */
	PF_ETOOYOUNG,		/* inside the release-age delay */
	PF_EUNSAFE,		/* unsafe archive entry */
	PF_EUNSOLVABLE,		/* the request cannot be satisfied */
	PF_EPOLICY,		/* a policy would be relaxed or is violated */
	PF_ECHECK,		/* a check found a difference (verify, lock --check) */
	PF_ENMAX
};

#define PF_ERR_MAX 2048

struct pf_err {
	int code;			/* first error kept; 0 when none */
	char msg[PF_ERR_MAX];
	/* Optional warning sink (set by cli/); warnings are dropped when NULL. */
	void (*warn)(void *ud, const char *msg);
	void *warn_ud;
};

/* Record an error (the first one wins) and return -code. */
int pf_error(struct pf_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pf_verror(struct pf_err *e, int code, const char *fmt, va_list ap);
/* Pass a warning line to e->warn. */
void pf_warn(struct pf_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget a recorded error (e.g. after falling through to the next mirror). */
void pf_err_clear(struct pf_err *e);
/* Static text for a code (positive or negative). */
const char *pf_strerror(int code);
/* 0 ok, 1 refused/check failed, 2 usage, 3 other failure. */
int pf_exit_status(int rc);

#endif
