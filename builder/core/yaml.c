/* SPDX-License-Identifier: MIT */
/* Strict YAML reading over libyaml events, and a deterministic emitter. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/file.h"
#include "core/text.h"
#include "core/yaml.h"

#define MAX_DEPTH 64

int pf_y_fail(const struct pf_ydoc *d, const struct pf_ynode *n, struct pf_err *e, int code,
	      const char *fmt, ...)
{
	char msg[PF_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return pf_error(e, code, "%s:%d:%d: %s", d->file, n ? n->line : 1, n ? n->col : 1, msg);
}

/* Children collected while a collection is open. */
struct frame {
	struct pf_ynode *node;
	struct pf_ynode **items;
	size_t n, cap;
	int stream;		/* the streamed list: items go to the callback, not here */
};

static struct pf_ynode *node_new(struct pf_arena *a, enum pf_ytype t, const yaml_event_t *ev)
{
	struct pf_ynode *n = pf_arena_alloc(a, sizeof *n);

	n->type = t;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	return n;
}

/* Maps with many keys check duplicates through a sorted copy instead. */
static int check_dups_sorted(const struct pf_ydoc *d, const struct pf_ynode *n, struct pf_err *e);

static int close_frame(const struct pf_ydoc *d, struct pf_arena *a, struct frame *f, struct pf_err *e)
{
	struct pf_ynode *n = f->node;

	if (n->type == PF_Y_MAP) {
		n->n = f->n / 2;
		n->keys = pf_arena_alloc(a, (n->n + 1) * sizeof *n->keys);
		n->vals = pf_arena_alloc(a, (n->n + 1) * sizeof *n->vals);
		for (size_t i = 0; i < n->n; i++) {
			n->keys[i] = f->items[2 * i];
			n->vals[i] = f->items[2 * i + 1];
		}
		if (n->n > 64)
			return check_dups_sorted(d, n, e);
		for (size_t i = 1; i < n->n; i++)
			for (size_t j = 0; j < i; j++)
				if (!strcmp(n->keys[j]->str, n->keys[i]->str))
					return pf_y_fail(d, n->keys[i], e, PF_EFORMAT,
							 "duplicate key '%s' (first at line %d)",
							 n->keys[i]->str, n->keys[j]->line);
	} else {
		n->n = f->n;
		n->vals = pf_arena_alloc(a, (n->n + 1) * sizeof *n->vals);
		if (f->n)
			memcpy(n->vals, f->items, f->n * sizeof *n->vals);
	}
	return 0;
}

/* A scalar's position, for errors about events that make no node. */
static int fail_at(const struct pf_ydoc *d, const yaml_event_t *ev, struct pf_err *e, const char *msg)
{
	struct pf_ynode at = { .line = (int)ev->start_mark.line + 1, .col = (int)ev->start_mark.column + 1 };

	return pf_y_fail(d, &at, e, PF_EFORMAT, "%s", msg);
}

/*
 * The one parser. With key set, each item of the root mapping's list under
 * key is built in a scratch arena, handed to item() and dropped.
 */
static int parse(struct pf_ydoc *d, const char *file, const char *data, size_t len, const char *key,
		 pf_yaml_item_fn item, void *ctx, struct pf_err *e)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct frame stack[MAX_DEPTH + 1];
	struct pf_ydoc it;		/* the streamed item being built */
	int depth = 0, rc = 0, done = 0, docs = 0;
	size_t frames = 0;		/* bytes of the open collections' child arrays */
	size_t budget = pf_yaml_budget(len);

	memset(d, 0, sizeof *d);
	memset(&it, 0, sizeof it);
	d->file = pf_arena_strdup(&d->arena, file);
	it.file = d->file;
	memset(stack, 0, sizeof stack);
	if (!yaml_parser_initialize(&parser))
		return pf_error(e, PF_EINTERNAL, "'%s': cannot initialise YAML parser", file);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

	while (!done && !rc) {
		struct pf_ynode *n = NULL;
		const char *anchor = NULL, *tag = NULL;
		/* inside the streamed list, nodes live in the item's scratch arena */
		struct pf_arena *a = depth >= 2 && stack[1].stream ? &it.arena : &d->arena;

		/* the tree kept plus the item being built: bounded by the input's size */
		if (d->arena.total + it.arena.total + frames > budget) {
			struct pf_ynode at = { .line = (int)parser.mark.line + 1, .col = (int)parser.mark.column + 1 };

			rc = pf_y_fail(d, &at, e, PF_ETOOBIG, "the document needs more than %zu bytes of memory "
				       "(%d per input byte), refused", budget, PF_YAML_MEM_PER_BYTE);
			break;
		}
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = pf_error(e, PF_EFORMAT, "%s:%zu:%zu: %s", file,
				      parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				      parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = fail_at(d, &ev, e, "more than one YAML document");
			break;
		case YAML_ALIAS_EVENT:
			rc = fail_at(d, &ev, e, "aliases are not allowed");
			break;
		case YAML_SCALAR_EVENT:
			anchor = (const char *)ev.data.scalar.anchor;
			tag = (const char *)ev.data.scalar.tag;
			n = node_new(a, PF_Y_SCALAR, &ev);
			if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
				rc = pf_y_fail(d, n, e, PF_EFORMAT, "NUL byte in a scalar");
				break;
			}
			/* escapes ("\e", "\x9b") decode to bytes a terminal acts on: never kept */
			if (pf_text_check((const char *)ev.data.scalar.value, ev.data.scalar.length)) {
				rc = pf_y_fail(d, n, e, PF_EFORMAT, "control character in a string");
				break;
			}
			n->str = pf_arena_strndup(a, (const char *)ev.data.scalar.value, ev.data.scalar.length);
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
			anchor = (const char *)ev.data.sequence_start.anchor;
			tag = (const char *)ev.data.sequence_start.tag;
			n = node_new(a, PF_Y_SEQ, &ev);
			break;
		case YAML_MAPPING_START_EVENT:
			anchor = (const char *)ev.data.mapping_start.anchor;
			tag = (const char *)ev.data.mapping_start.tag;
			n = node_new(a, PF_Y_MAP, &ev);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct frame *f = &stack[depth - 1];

			rc = close_frame(d, a, f, e);
			frames -= f->cap * sizeof *f->items;
			free(f->items);
			f->items = NULL;
			depth--;
			n = f->node;
			break;
		}
		default:
			break;
		}
		if (!rc && anchor)
			rc = pf_y_fail(d, n, e, PF_EFORMAT, "anchors are not allowed");
		if (!rc && tag)
			rc = pf_y_fail(d, n, e, PF_EFORMAT, "tags are not allowed ('%s')", tag);
		if (!rc && n && (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_END_EVENT ||
				 ev.type == YAML_MAPPING_END_EVENT)) {
			/* a finished node: attach it to its parent */
			if (depth == 0) {
				d->root = n;
			} else if (stack[depth - 1].stream) {
				it.root = n;
				rc = item(ctx, &it, n, e);
				pf_arena_release(&it.arena);
				it.root = NULL;
			} else {
				struct frame *p = &stack[depth - 1];

				if (p->node->type == PF_Y_MAP && p->n % 2 == 0 && n->type != PF_Y_SCALAR)
					rc = pf_y_fail(d, n, e, PF_EFORMAT, "mapping keys must be scalars");
				frames -= p->cap * sizeof *p->items;
				PF_GROW(p->items, p->n + 1, p->cap);
				frames += p->cap * sizeof *p->items;
				p->items[p->n++] = n;
			}
		}
		if (!rc && n && (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)) {
			if (depth >= MAX_DEPTH) {
				rc = pf_y_fail(d, n, e, PF_EFORMAT, "nesting deeper than %d levels", MAX_DEPTH);
			} else {
				int stream = 0;

				if (depth > 0) {
					struct frame *p = &stack[depth - 1];

					if (p->node->type == PF_Y_MAP && p->n % 2 == 0)
						rc = pf_y_fail(d, n, e, PF_EFORMAT, "mapping keys must be scalars");
					stream = key && depth == 1 && n->type == PF_Y_SEQ &&
						 p->node->type == PF_Y_MAP && p->n % 2 == 1 &&
						 !strcmp(p->items[p->n - 1]->str, key);
				}
				stack[depth].node = n;
				stack[depth].n = 0;
				stack[depth].cap = 0;
				stack[depth].items = NULL;
				stack[depth].stream = stream;
				depth++;
			}
		}
		yaml_event_delete(&ev);
	}
	for (int i = 0; i < depth; i++)
		free(stack[i].items);
	pf_arena_release(&it.arena);
	yaml_parser_delete(&parser);
	if (rc)
		pf_ydoc_release(d);
	return rc;
}

size_t pf_yaml_budget(size_t len)
{
	return (size_t)PF_YAML_MEM_PER_BYTE * len + PF_YAML_MEM_BASE;
}

int pf_yaml_parse(struct pf_ydoc *d, const char *file, const char *data, size_t len, struct pf_err *e)
{
	return parse(d, file, data, len, NULL, NULL, NULL, e);
}

int pf_yaml_parse_stream(struct pf_ydoc *d, const char *file, const char *data, size_t len, const char *key,
			 pf_yaml_item_fn item, void *ctx, struct pf_err *e)
{
	return parse(d, file, data, len, key, item, ctx, e);
}

/* Document order: line, then column. */
static int before(const struct pf_ynode *x, const struct pf_ynode *y)
{
	return x->line < y->line || (x->line == y->line && x->col < y->col);
}

static int cmp_key(const void *a, const void *b)
{
	const struct pf_ynode *x = *(struct pf_ynode *const *)a, *y = *(struct pf_ynode *const *)b;
	int r = strcmp(x->str, y->str);

	return r ? r : before(x, y) ? -1 : before(y, x);
}

/* The same message as the pairwise check: the earliest repeated key, and where it first was. */
static int check_dups_sorted(const struct pf_ydoc *d, const struct pf_ynode *n, struct pf_err *e)
{
	struct pf_ynode **k = pf_xmalloc(n->n * sizeof *k);
	const struct pf_ynode *dup = NULL, *first = NULL;
	size_t run = 0;
	int rc = 0;

	memcpy(k, n->keys, n->n * sizeof *k);
	pf_qsort(k, n->n, sizeof *k, cmp_key);
	for (size_t i = 1; i < n->n; i++) {
		if (strcmp(k[run]->str, k[i]->str)) {
			run = i;
			continue;
		}
		if (!dup || before(k[i], dup)) {
			dup = k[i];
			first = k[run];
		}
	}
	if (dup)
		rc = pf_y_fail(d, dup, e, PF_EFORMAT, "duplicate key '%s' (first at line %d)", dup->str, first->line);
	free(k);
	return rc;
}

int pf_yaml_load(struct pf_ydoc *d, const char *path, size_t max, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc;

	memset(d, 0, sizeof *d);
	rc = pf_read_file(path, max, &b, e);
	if (!rc)
		rc = pf_yaml_parse(d, path, b.p ? b.p : "", b.len, e);
	pf_buf_release(&b);
	return rc;
}

void pf_ydoc_release(struct pf_ydoc *d)
{
	pf_arena_release(&d->arena);
	d->root = NULL;
}

const struct pf_ynode *pf_y_get(const struct pf_ynode *map, const char *key)
{
	if (!map || map->type != PF_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->str, key))
			return map->vals[i];
	return NULL;
}

static const char *type_name(enum pf_ytype t)
{
	return t == PF_Y_MAP ? "a mapping" : t == PF_Y_SEQ ? "a list" : "a scalar";
}

int pf_y_check_map(const struct pf_ydoc *d, const struct pf_ynode *n, const char *what,
		   const char *const *allowed, const char *const *required, struct pf_err *e)
{
	if (!n)
		return pf_y_fail(d, NULL, e, PF_EFORMAT, "%s: empty document", what);
	if (n->type != PF_Y_MAP)
		return pf_y_fail(d, n, e, PF_EFORMAT, "%s must be a mapping, not %s", what, type_name(n->type));
	for (size_t i = 0; i < n->n; i++) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, n->keys[i]->str))
				break;
		if (!*a)
			return pf_y_fail(d, n->keys[i], e, PF_EFORMAT, "unknown key '%s' in %s",
					 n->keys[i]->str, what);
	}
	for (const char *const *r = required; r && *r; r++)
		if (!pf_y_get(n, *r))
			return pf_y_fail(d, n, e, PF_EFORMAT, "%s is missing required key '%s'", what, *r);
	return 0;
}

int pf_y_scalar(const struct pf_ydoc *d, const struct pf_ynode *n, const char *what, const char **out,
		struct pf_err *e)
{
	if (n->type != PF_Y_SCALAR)
		return pf_y_fail(d, n, e, PF_EFORMAT, "'%s' must be a scalar, not %s", what, type_name(n->type));
	*out = n->str;
	return 0;
}

int pf_y_str(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const char **out,
	     struct pf_err *e)
{
	const struct pf_ynode *n = pf_y_get(map, key);

	if (!n)
		return 0;
	return pf_y_scalar(d, n, key, out, e);
}

int pf_y_int(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, long long min, long long max,
	     long long *out, struct pf_err *e)
{
	const struct pf_ynode *n = pf_y_get(map, key);
	const char *s;
	char *end;
	long long v;

	if (!n)
		return 0;
	if (n->type != PF_Y_SCALAR || !n->plain || !n->str[0] ||
	    strspn(n->str + (n->str[0] == '-'), "0123456789") != strlen(n->str + (n->str[0] == '-')))
		return pf_y_fail(d, n, e, PF_EFORMAT, "'%s' must be an integer", key);
	s = n->str;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return pf_y_fail(d, n, e, PF_EFORMAT, "'%s' must be an integer from %lld to %lld", key, min, max);
	*out = v;
	return 0;
}

int pf_y_bool(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, int *out, struct pf_err *e)
{
	const struct pf_ynode *n = pf_y_get(map, key);

	if (!n)
		return 0;
	if (n->type == PF_Y_SCALAR && n->plain && !strcmp(n->str, "true"))
		*out = 1;
	else if (n->type == PF_Y_SCALAR && n->plain && !strcmp(n->str, "false"))
		*out = 0;
	else
		return pf_y_fail(d, n, e, PF_EFORMAT, "'%s' must be true or false", key);
	return 0;
}

static int get_typed(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, enum pf_ytype t,
		     const struct pf_ynode **out, struct pf_err *e)
{
	const struct pf_ynode *n = pf_y_get(map, key);

	*out = NULL;
	if (!n)
		return 0;
	if (n->type != t)
		return pf_y_fail(d, n, e, PF_EFORMAT, "'%s' must be %s, not %s", key, type_name(t),
				 type_name(n->type));
	*out = n;
	return 0;
}

int pf_y_map(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const struct pf_ynode **out,
	     struct pf_err *e)
{
	return get_typed(d, map, key, PF_Y_MAP, out, e);
}

int pf_y_seq(const struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const struct pf_ynode **out,
	     struct pf_err *e)
{
	return get_typed(d, map, key, PF_Y_SEQ, out, e);
}

int pf_y_strlist(struct pf_ydoc *d, const struct pf_ynode *map, const char *key, const char ***out, size_t *n,
		 struct pf_err *e)
{
	const struct pf_ynode *s;
	const char **v;
	int rc;

	*out = NULL;
	*n = 0;
	rc = pf_y_seq(d, map, key, &s, e);
	if (rc || !s)
		return rc;
	v = pf_arena_alloc(&d->arena, (s->n + 1) * sizeof *v);
	for (size_t i = 0; i < s->n; i++) {
		rc = pf_y_scalar(d, s->vals[i], key, &v[i], e);
		if (rc)
			return rc;
	}
	*out = v;
	*n = s->n;
	return 0;
}

/* ---- writer ---- */

static struct pf_ynode *wnode(struct pf_yw *w, enum pf_ytype t)
{
	struct pf_ynode *n = pf_arena_alloc(&w->arena, sizeof *n);

	n->type = t;
	return n;
}

struct pf_ynode *pf_yw_map(struct pf_yw *w)
{
	return wnode(w, PF_Y_MAP);
}

struct pf_ynode *pf_yw_seq(struct pf_yw *w)
{
	return wnode(w, PF_Y_SEQ);
}

struct pf_ynode *pf_yw_str(struct pf_yw *w, const char *s)
{
	struct pf_ynode *n = wnode(w, PF_Y_SCALAR);

	n->str = pf_arena_strdup(&w->arena, s);
	return n;
}

struct pf_ynode *pf_yw_raw(struct pf_yw *w, const char *s)
{
	struct pf_ynode *n = pf_yw_str(w, s);

	n->plain = 1;
	return n;
}

struct pf_ynode *pf_yw_int(struct pf_yw *w, long long v)
{
	struct pf_ynode *n = wnode(w, PF_Y_SCALAR);

	n->str = pf_arena_printf(&w->arena, "%lld", v);
	n->plain = 1;
	return n;
}

static void grow(struct pf_yw *w, struct pf_ynode *n)
{
	if (n->n + 1 > n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 8;
		struct pf_ynode **v = pf_arena_alloc(&w->arena, cap * sizeof *v);
		struct pf_ynode **k = NULL;

		if (n->n)
			memcpy(v, n->vals, n->n * sizeof *v);
		if (n->type == PF_Y_MAP) {
			k = pf_arena_alloc(&w->arena, cap * sizeof *k);
			if (n->n)
				memcpy(k, n->keys, n->n * sizeof *k);
		}
		n->vals = v;
		n->keys = k;
		n->cap = cap;
	}
}

void pf_yw_set(struct pf_yw *w, struct pf_ynode *map, const char *key, struct pf_ynode *val)
{
	grow(w, map);
	map->keys[map->n] = pf_yw_str(w, key);
	map->vals[map->n++] = val;
}

void pf_yw_push(struct pf_yw *w, struct pf_ynode *seq, struct pf_ynode *item)
{
	grow(w, seq);
	seq->vals[seq->n++] = item;
}

void pf_yw_set_str(struct pf_yw *w, struct pf_ynode *map, const char *key, const char *s)
{
	if (s)
		pf_yw_set(w, map, key, pf_yw_str(w, s));
}

void pf_yw_set_raw(struct pf_yw *w, struct pf_ynode *map, const char *key, const char *s)
{
	if (s)
		pf_yw_set(w, map, key, pf_yw_raw(w, s));
}

void pf_yw_set_int(struct pf_yw *w, struct pf_ynode *map, const char *key, long long v)
{
	pf_yw_set(w, map, key, pf_yw_int(w, v));
}

struct pf_ynode *pf_yw_strlist(struct pf_yw *w, const char *const *v, size_t n)
{
	struct pf_ynode *s = pf_yw_seq(w);

	for (size_t i = 0; i < n; i++)
		pf_yw_push(w, s, pf_yw_str(w, v[i]));
	return s;
}

void pf_yw_release(struct pf_yw *w)
{
	pf_arena_release(&w->arena);
}

static int plain_ok(const char *s)
{
	static const char *const reserved[] = {
		"true", "false", "yes", "no", "on", "off", "null", "y", "n", NULL
	};

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' || *s == '/'))
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("_./+@-", *p)))
			return 0;
	for (const char *const *r = reserved; *r; r++)
		if (!strcasecmp(s, *r))
			return 0;
	return 1;
}

void pf_yaml_quote(const char *s, struct pf_buf *out)
{
	if (plain_ok(s)) {
		pf_buf_adds(out, s);
		return;
	}
	pf_buf_addc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': pf_buf_adds(out, "\\\""); break;
		case '\\': pf_buf_adds(out, "\\\\"); break;
		case '\n': pf_buf_adds(out, "\\n"); break;
		case '\t': pf_buf_adds(out, "\\t"); break;
		case '\r': pf_buf_adds(out, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				pf_buf_addf(out, "\\x%02x", *p);
			else
				pf_buf_addc(out, (char)*p);
		}
	}
	pf_buf_addc(out, '"');
}

static void emit_scalar(const struct pf_ynode *n, struct pf_buf *out)
{
	if (n->plain)
		pf_buf_adds(out, n->str);
	else
		pf_yaml_quote(n->str, out);
}

static void indent(struct pf_buf *out, int k)
{
	for (int i = 0; i < k; i++)
		pf_buf_addc(out, ' ');
}

static void emit_block(const struct pf_ynode *n, int ind, int inline_first, struct pf_buf *out);

/* Emit "value\n" after "key:" or "- " has been written. */
static void emit_value(const struct pf_ynode *v, int ind, struct pf_buf *out, int after_dash)
{
	if (v->type == PF_Y_SCALAR) {
		pf_buf_addc(out, ' ');
		emit_scalar(v, out);
		pf_buf_addc(out, '\n');
	} else if (v->n == 0) {
		pf_buf_adds(out, v->type == PF_Y_MAP ? " {}\n" : " []\n");
	} else if (after_dash && v->type == PF_Y_MAP) {
		pf_buf_addc(out, ' ');
		emit_block(v, ind, 1, out);
	} else {
		pf_buf_addc(out, '\n');
		emit_block(v, ind, 0, out);
	}
}

static void emit_block(const struct pf_ynode *n, int ind, int inline_first, struct pf_buf *out)
{
	for (size_t i = 0; i < n->n; i++) {
		if (!(inline_first && i == 0))
			indent(out, ind);
		if (n->type == PF_Y_MAP) {
			pf_yaml_quote(n->keys[i]->str, out);
			pf_buf_addc(out, ':');
			emit_value(n->vals[i], ind + 2, out, 0);
		} else {
			pf_buf_addc(out, '-');
			emit_value(n->vals[i], ind + 2, out, 1);
		}
	}
}

void pf_yaml_emit(const struct pf_ynode *root, struct pf_buf *out)
{
	if (root->type == PF_Y_SCALAR) {
		emit_scalar(root, out);
		pf_buf_addc(out, '\n');
	} else if (root->n == 0) {
		pf_buf_adds(out, root->type == PF_Y_MAP ? "{}\n" : "[]\n");
	} else {
		emit_block(root, 0, 0, out);
	}
}
