/* SPDX-License-Identifier: MIT */
/* The error context and the one table of error messages. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"

static const char *const messages[PF_ENMAX] = {
	[PF_OK] = "ok",
	[PF_EUSAGE] = "usage error",
	[PF_EIO] = "input/output error",
	[PF_EFORMAT] = "malformed input",
	[PF_ETOOBIG] = "input too large",
	[PF_ENOTFOUND] = "not found",
	[PF_EEXIST] = "already exists",
	[PF_ENET] = "transfer failed",
	[PF_EINTERNAL] = "internal library failure",
	[PF_EUNTRUSTED] = "not signed by enough trusted keys",
	[PF_EBADSIG] = "bad signature",
	[PF_EEXPIRED] = "expired",
	[PF_EROLLBACK] = "rollback refused",
	[PF_EDIGEST] = "digest mismatch",
	[PF_EREVOKED] = "revoked",
	[PF_ETOOYOUNG] = "too young for the release-age policy",
	[PF_EUNSAFE] = "unsafe archive entry",
	[PF_EUNSOLVABLE] = "cannot be resolved",
	[PF_EPOLICY] = "policy violation",
	[PF_ECHECK] = "check failed",
};

/*
 * A message is one line of text whatever went into it (a library's message
 * ends in a newline; a name may hold an escape): trailing white space goes,
 * other C0 controls and DEL become '?'.
 */
static void one_line(char *msg)
{
	size_t n = strlen(msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' ' || msg[n - 1] == '\t'))
		msg[--n] = '\0';
	for (unsigned char *p = (unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

int pf_verror(struct pf_err *e, int code, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (e && !e->code) {
		e->code = code;
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		one_line(e->msg);
	}
	return -code;
}

int pf_error(struct pf_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pf_verror(e, code, fmt, ap);
	va_end(ap);
	return rc;
}

void pf_warn(struct pf_err *e, const char *fmt, ...)
{
	char line[PF_ERR_MAX];
	va_list ap;

	if (!e || !e->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	one_line(line);
	e->warn(e->warn_ud, line);
}

void pf_err_clear(struct pf_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

const char *pf_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code >= PF_ENMAX)
		return "unknown error";
	return messages[code];
}

int pf_exit_status(int rc)
{
	if (rc < 0)
		rc = -rc;
	switch (rc) {
	case PF_OK:
		return 0;
	case PF_EUSAGE:
		return 2;
	case PF_EUNTRUSTED: case PF_EBADSIG: case PF_EEXPIRED: case PF_EROLLBACK:
	case PF_EDIGEST: case PF_EREVOKED: case PF_ETOOYOUNG: case PF_EUNSAFE:
	case PF_EUNSOLVABLE: case PF_EPOLICY: case PF_ECHECK:
		return 1;
	default:
		return 3;
	}
}
