/* SPDX-License-Identifier: MIT */
/* Private to solve/: dependency strings of each ecosystem, parsed into pool names and constraints. */
#ifndef PF_SOLVE_DEPS_H
#define PF_SOLVE_DEPS_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

/* The values PEP 508 markers are evaluated against. */
struct marker_env {
	const char *python;		/* "3.11" or "3.11.2", NULL when unknown */
	const char *machine;		/* "x86_64", "aarch64" */
	const char *extra;		/* the extra being resolved, NULL for none */
};

/* One alternative: a pool name ("pypi:requests[socks]") and a constraint in the ecosystem's syntax. */
struct dep_atom {
	char *name;
	char *spec;			/* "" when unconstrained */
};

/* One requirement: any of its atoms will do (Debian '|'). */
struct dep {
	struct dep_atom *alts;
	size_t n;
};

/* A parsed dependency line: all of deps are required (PEP 508 extras add one each). */
struct dep_list {
	struct dep *v;
	size_t n, cap;
};

/*
 * Parse one dependency of ecosystem eco. A PEP 508 line whose marker is false
 * for env adds nothing. Errors (-PF_EFORMAT) quote the line.
 */
int dep_parse(const char *eco, const char *text, const struct marker_env *env, struct dep_list *out,
	      struct pf_err *e);
void dep_list_release(struct dep_list *l);

/* 1 when a PEP 508 line is conditional on some extra; the extras it names are added to extras. */
int dep_marker_extras(const char *text, struct pf_strv *extras);

/* "pypi:<PEP 503 name>" etc.; caller frees. */
char *dep_pool_name(const char *eco, const char *name);
/* PEP 685 normalisation of an extra's name into out (size n). */
void dep_norm_extra(const char *s, size_t len, char *out, size_t n);

#endif
