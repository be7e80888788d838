/* SPDX-License-Identifier: MIT */
/* A tiny strict JSON reader (RFC 8259) for package.json; values live in an arena. */
#ifndef PF_INSTALL_JSON_H
#define PF_INSTALL_JSON_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

enum install_jtype { INSTALL_J_NULL, INSTALL_J_BOOL, INSTALL_J_NUM, INSTALL_J_STR, INSTALL_J_ARR, INSTALL_J_OBJ };

struct install_json {
	enum install_jtype type;
	const char *str;		/* string (UTF-8, no NUL inside) or number text; "true"/"false" */
	size_t n;			/* array items / object members */
	const char **keys;		/* object member names */
	struct install_json **vals;	/* array items / object values */
};

/*
 * Parse text (len bytes) strictly: one value, no trailing garbage, no
 * duplicate object keys, no NUL in strings, valid UTF-8 escapes, depth <= 64.
 * Nodes are allocated in a (caller releases it). Errors name what, with a byte offset.
 */
int install_json_parse(struct pf_arena *a, const char *what, const char *text, size_t len,
		       struct install_json **out, struct pf_err *e);
/* Member key of object o, or NULL. */
const struct install_json *install_json_get(const struct install_json *o, const char *key);
/*
 * npm: whether a package.json (root) ships dependency name inside its tarball:
 * bundleDependencies (or bundledDependencies) true, or a list naming it.
 */
int install_json_npm_bundles(const struct install_json *root, const char *name);

#endif
