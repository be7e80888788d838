/* SPDX-License-Identifier: MIT */
/* Validation helpers shared by the catalog and advisories models (private to catalog/). */
#ifndef PF_CATALOG_INTERNAL_H
#define PF_CATALOG_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include "core/yaml.h"

/* Non-empty, at most max bytes, no spaces, controls, quotes or backslashes. */
int catalog_token_ok(const char *s, size_t max);
/* At most max bytes, no control characters. */
int catalog_text_ok(const char *s, size_t max);
/* YYYY-MM-DD. */
int catalog_date_ok(const char *s);
/* Read the common head (format, name, version, expires) of root into the given fields. */
int catalog_parse_head(struct pf_ydoc *d, const struct pf_ynode *root, const char *format, struct pf_arena *a,
		       const char **name, long long *version, const char **expires, time_t *expires_t,
		       struct pf_err *e);

#endif
