/* SPDX-License-Identifier: MIT */
/* UTC timestamps: RFC 3339 and YYYY-MM-DD (the time itself is the context's: struct ctx.now). */
#ifndef PF_CORE_TIME_H
#define PF_CORE_TIME_H

#include <time.h>

#include "core/error.h"

#define PF_TIME_STR 21	/* "YYYY-MM-DDTHH:MM:SSZ" + NUL */
#define PF_DATE_STR 11	/* "YYYY-MM-DD" + NUL */

/* Parse "YYYY-MM-DDTHH:MM:SSZ" (or "+HH:MM"/"-HH:MM" offsets, optional fraction). 0 or -1. */
int pf_time_parse(const char *s, time_t *out);
/* Parse "YYYY-MM-DD" as midnight UTC. 0 or -1. */
int pf_date_parse(const char *s, time_t *out);
/* Parse "[Day, ]DD Mon YYYY HH:MM[:SS] ZONE" (RFC 2822; ZONE UTC, GMT, Z or +HHMM/-HHMM). 0 or -1. */
int pf_time_parse_rfc2822(const char *s, time_t *out);
void pf_time_format(time_t t, char out[PF_TIME_STR]);
void pf_date_format(time_t t, char out[PF_DATE_STR]);

#endif
