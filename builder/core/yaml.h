/* SPDX-License-Identifier: MIT */
/* Strict YAML: a small tree read through libyaml, typed accessors, and a deterministic writer. */
#ifndef PF_CORE_YAML_H
#define PF_CORE_YAML_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

enum pf_ytype { PF_Y_SCALAR, PF_Y_MAP, PF_Y_SEQ };

/*
 * A node of a parsed document. Map keys are scalars. All storage belongs to
 * the document's arena.
 */
struct pf_ynode {
	enum pf_ytype type;
	int line, col;		/* 1-based position in the file */
	int plain;		/* scalar: written unquoted (writer: emit raw) */
	const char *str;	/* scalar value, NUL-terminated, no embedded NUL */
	size_t n;		/* map: pairs; seq: items */
	struct pf_ynode **keys;	/* map keys */
	struct pf_ynode **vals;	/* map values or seq items */
	size_t cap;		/* writer only */
};

/*
 * A parsed document. Strict: one document; no anchors, aliases or tags;
 * no duplicate keys; non-scalar keys refused; nesting depth capped; every
 * scalar (keys too) passes pf_text_check() after escapes are decoded.
 * Errors read "file:line:col: problem".
 */
struct pf_ydoc {
	struct pf_arena arena;
	const char *file;	/* name used in errors (arena copy) */
	struct pf_ynode *root;	/* NULL for an empty document */
};
int pf_yaml_parse(struct pf_ydoc *d, const char *file, const char *data, size_t len, struct pf_err *e);
/*
 * Memory per input byte: the tree kept (and a streamed item being built)
 * may use at most pf_yaml_budget(len) bytes; past it the parse stops with
 * PF_ETOOBIG ("file:line:col: the document needs more than N bytes of
 * memory"). Real documents use a few bytes per input byte; flow-style
 * hostile input ("[a,a,a,...]") would use about 55.
 */
#define PF_YAML_MEM_PER_BYTE 12
#define PF_YAML_MEM_BASE ((size_t)1 << 20)
size_t pf_yaml_budget(size_t len);
/*
 * The same rules, for big documents: each item of the list under the root
 * mapping's key is passed to item() as soon as it is complete (d there is a
 * document whose root is the item; it and its nodes live only during the
 * call) and is not kept: that list is left empty in the returned tree.
 * A non-zero return from item() stops parsing and is returned.
 */
typedef int (*pf_yaml_item_fn)(void *ctx, struct pf_ydoc *d, const struct pf_ynode *item, struct pf_err *e);
int pf_yaml_parse_stream(struct pf_ydoc *d, const char *file, const char *data, size_t len, const char *key,
			 pf_yaml_item_fn item, void *ctx, struct pf_err *e);
/* pf_read_file(path, max) + pf_yaml_parse. */
int pf_yaml_load(struct pf_ydoc *d, const char *path, size_t max, struct pf_err *e);
void pf_ydoc_release(struct pf_ydoc *d);

/* Record "file:line:col: <message>" at node n (NULL: the file's start); returns -code. */
int pf_y_fail(const struct pf_ydoc *d, const struct pf_ynode *n, struct pf_err *e, int code,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Check that n is a map whose keys are all in allowed (NULL-terminated) and
 * that every key in required (NULL-terminated, may be NULL) is present.
 * what names the map in messages ("catalog", "package").
 */
int pf_y_check_map(const struct pf_ydoc *d, const struct pf_ynode *n, const char *what,
		   const char *const *allowed, const char *const *required, struct pf_err *e);
/* The value under key, or NULL. */
const struct pf_ynode *pf_y_get(const struct pf_ynode *map, const char *key);

/*
 * Typed getters on map[key]. A missing key leaves *out untouched and returns
 * 0 (callers require keys with pf_y_check_map). Wrong types are errors.
 */
int pf_y_str(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const char **out, struct pf_err *e);
int pf_y_int(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, long long min, long long max,
	     long long *out, struct pf_err *e);
int pf_y_bool(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, int *out, struct pf_err *e);
/* A map or sequence value: *out is set to the node (NULL when missing). */
int pf_y_map(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const struct pf_ynode **out, struct pf_err *e);
int pf_y_seq(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const struct pf_ynode **out, struct pf_err *e);
/* A sequence of scalars as an arena-allocated array of strings (NULL-terminated). */
int pf_y_strlist(struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const char ***out, size_t *n,
		 struct pf_err *e);
/* Scalar node value, or an error naming what was expected. */
int pf_y_scalar(const struct pf_ydoc *d, const struct pf_ynode *n, const char *what, const char **out, struct pf_err *e);

/*
 * Writer: build a tree, then emit it. Output is block style, keys in insertion
 * order, two-space indent, strings plain only when unambiguous and otherwise
 * double-quoted with escapes: the same tree always gives the same bytes.
 */
struct pf_yw {
	struct pf_arena arena;
};
struct pf_ynode *pf_yw_map(struct pf_yw *w);
struct pf_ynode *pf_yw_seq(struct pf_yw *w);
struct pf_ynode *pf_yw_str(struct pf_yw *w, const char *s);	/* quoted when needed */
struct pf_ynode *pf_yw_raw(struct pf_yw *w, const char *s);	/* emitted as is (ints, dates) */
struct pf_ynode *pf_yw_int(struct pf_yw *w, long long v);
void pf_yw_set(struct pf_yw *w, struct pf_ynode *map, const char *key, struct pf_ynode *val);
void pf_yw_push(struct pf_yw *w, struct pf_ynode *seq, struct pf_ynode *item);
/* Shorthands: pf_yw_set(w, map, key, pf_yw_str(w, s)) etc.; a NULL s sets nothing. */
void pf_yw_set_str(struct pf_yw *w, struct pf_ynode *map, const char *key, const char *s);
void pf_yw_set_raw(struct pf_yw *w, struct pf_ynode *map, const char *key, const char *s);
void pf_yw_set_int(struct pf_yw *w, struct pf_ynode *map, const char *key, long long v);
/* A sequence of strings (possibly empty, emitted as []). */
struct pf_ynode *pf_yw_strlist(struct pf_yw *w, const char *const *v, size_t n);
/* Append the document for root to out. */
void pf_yaml_emit(const struct pf_ynode *root, struct pf_buf *out);
void pf_yw_release(struct pf_yw *w);

/* Append s as a YAML scalar (plain or double-quoted) to out. */
void pf_yaml_quote(const char *s, struct pf_buf *out);

#endif
