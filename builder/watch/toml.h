/* SPDX-License-Identifier: MIT */
/* A small strict TOML reader (poetry.lock, uv.lock, pylock.toml): a tree in an arena, bounded. */
#ifndef PF_WATCH_TOML_H
#define PF_WATCH_TOML_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

enum watch_ttype { WATCH_T_STR, WATCH_T_RAW, WATCH_T_ARR, WATCH_T_TAB };

struct watch_tnode {
	enum watch_ttype type;
	const char *str;		/* WATCH_T_STR: the string (UTF-8, no NUL); WATCH_T_RAW: the token
					   (an integer, float, boolean or date/time, checked but not converted) */
	size_t n, cap;			/* table members / array items */
	const char **keys;		/* table member names */
	struct watch_tnode **vals;	/* table values / array items */
	unsigned flags;			/* private to the parser */
	int line;			/* where it was defined (1-based) */
};

/*
 * Parse text (len bytes) as TOML 1.0 (plus 1.1's newlines in inline tables):
 * UTF-8 only; tables and arrays of tables with the spec's redefinition rules;
 * dotted and quoted keys; basic, literal and multi-line strings with their
 * escapes; arrays; inline tables. Duplicate keys, a table defined twice,
 * control characters, bad escapes and unterminated constructs are errors
 * naming "what:line: problem". Nesting is capped at 64 levels and members
 * per file at 1,000,000. Numbers, booleans and dates are checked for their
 * shape and kept as text. Nodes live in a (caller releases it).
 */
int watch_toml_parse(struct pf_arena *a, const char *what, const char *text, size_t len,
		     struct watch_tnode **root, struct pf_err *e);
/* Member key of table t (NULL when t is not a table or has no such key). */
const struct watch_tnode *watch_toml_get(const struct watch_tnode *t, const char *key);
/* The string under key of table t, or NULL when absent or not a string. */
const char *watch_toml_str(const struct watch_tnode *t, const char *key);

#endif
