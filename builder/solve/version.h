/* SPDX-License-Identifier: MIT */
/* Private to solve/: parsed versions per scheme and version constraints (ranges). */
#ifndef PF_SOLVE_VERSION_H
#define PF_SOLVE_VERSION_H

#include <stdint.h>

#include "core/error.h"
#include "core/mem.h"

#define PEP440_MAXREL 16

struct pep440 {
	uint64_t epoch;
	uint64_t rel[PEP440_MAXREL];
	int nrel;
	int pre;		/* 0 none, 1 a, 2 b, 3 rc */
	uint64_t pre_n;
	int post, dev;		/* present flags */
	uint64_t post_n, dev_n;
	char local[64];		/* normalised ('.'-separated, lowercase), "" when none */
};
int pep440_parse(const char *s, struct pep440 *v);
/* with_local 0: the public version's key (local label dropped). */
void pep440_key(const struct pep440 *v, int with_local, struct pf_buf *b);

struct semver {
	uint64_t major, minor, patch;
	char pre[64];		/* "" when none; build metadata is dropped */
};
int semver_parse(const char *s, struct semver *v);
void semver_key(const struct semver *v, struct pf_buf *b);

int deb_key(const char *v, struct pf_buf *b);

/*
 * A parsed constraint. prerelease_rules selects the ecosystem's install-time
 * rules (PEP 440: pre-releases only when a specifier names one; npm: only
 * with a comparator on the same [major, minor, patch] carrying a tag).
 */
struct vrange;
int vrange_parse(const char *eco, const char *spec, struct vrange **out, struct pf_err *e);
/* 1 match, 0 no match, -1 version does not parse. */
int vrange_match(const struct vrange *r, const char *version, int prerelease_rules);
/* 1 when the version is a pre-release (PEP 440 pre/dev, semver tag). */
int version_is_pre(const char *eco, const char *version);
void vrange_free(struct vrange *r);

#endif
