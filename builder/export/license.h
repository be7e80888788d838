/* SPDX-License-Identifier: MIT */
/* What licence an artifact declares, as an SPDX expression when it is one, else as its own text. */
#ifndef PF_EXPORT_LICENSE_H
#define PF_EXPORT_LICENSE_H

#include "core/mem.h"

struct install_meta;

/*
 * The declared licence of one package. expr is an SPDX licence expression
 * whose every identifier is on pinfold's list (export_license_ids; the test
 * suite checks that list against the SPDX list CycloneDX ships), written with
 * the list's spelling. text is set instead when the artifact declares
 * something that is not such an expression ("BSD", a whole licence text,
 * "SEE LICENSE IN ..."). Both NULL: nothing declared (NOASSERTION). Strings
 * are owned; release with export_license_release().
 */
struct export_license {
	char *expr;
	char *text;
	int single;		/* expr is one identifier (no operator, no "+") */
};

/*
 * From what the artifact's metadata says (install_read_meta): wheel
 * License-Expression, else License when it is an expression, else the one
 * "License ::" classifier that names exactly one licence, else the License
 * text, else the classifiers as text; npm "license". "UNKNOWN" (what old
 * setuptools writes) and empty values count as nothing; npm's "UNLICENSED"
 * ("no licence is granted") and "SEE LICENSE IN ..." are kept as text.
 */
void export_license_from_meta(const struct install_meta *m, struct export_license *out);
void export_license_release(struct export_license *l);

/*
 * Parse s as an SPDX licence expression (ids, "+", WITH exception, AND, OR,
 * parentheses; case-insensitive as the SPDX spec says). 0 and the
 * canonically spelled expression appended to canon (may be NULL); -1 when s
 * is not one or names an identifier not on the list.
 */
int export_license_expr(const char *s, struct pf_buf *canon, int *single);

/* The licence and exception identifiers pinfold knows (NULL-terminated). */
extern const char *const export_license_ids[];
extern const char *const export_license_exceptions[];

#endif
