/* SPDX-License-Identifier: MIT */
/* A deterministic JSON writer for OCI blobs and SBOMs: fixed key order, fixed layout. */
#ifndef PF_EXPORT_JSON_H
#define PF_EXPORT_JSON_H

#include "core/mem.h"

#define EXPORT_JSON_DEPTH 32

/*
 * Writes into out (appended). Compact (no whitespace at all, what OCI blobs
 * use) or pretty (two-space indent, "key": value, a final newline; what the
 * SBOMs use). Keys are given by the caller in the order they are written;
 * key is NULL for array items. Strings are escaped per RFC 8259; bytes that
 * are not valid UTF-8 become U+FFFD, so the output is always valid JSON.
 */
struct export_json {
	struct pf_buf *out;
	int pretty;
	int depth;
	unsigned char has[EXPORT_JSON_DEPTH];	/* the container at this depth has an item */
};

void export_json_init(struct export_json *j, struct pf_buf *out, int pretty);
/* Open an object ('{') or array ('[') under key. */
void export_json_open(struct export_json *j, const char *key, char brace);
void export_json_close(struct export_json *j, char brace);
void export_json_str(struct export_json *j, const char *key, const char *val);
void export_json_int(struct export_json *j, const char *key, long long v);
void export_json_bool(struct export_json *j, const char *key, int v);
/* Insert raw JSON text (already valid, e.g. a descriptor written earlier) as a value. */
void export_json_raw(struct export_json *j, const char *key, const char *text);
/* The end of the document: a newline when pretty. */
void export_json_finish(struct export_json *j);
/* s as a JSON string literal (with quotes) appended to out. */
void export_json_quote(struct pf_buf *out, const char *s);

#endif
