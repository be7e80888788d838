/* SPDX-License-Identifier: MIT */
/* A strict TOML reader: recursive descent over bytes, spec redefinition rules, capped, arena-allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "watch/toml.h"

#define MAX_DEPTH 64
#define MAX_MEMBERS 1000000

enum { F_DEFINED = 1, F_IMPLICIT = 2, F_DOTTED = 4, F_INLINE = 8, F_AOT = 16 };

struct hent {
	const struct watch_tnode *t;
	const char *k;
	struct watch_tnode *v;
};

struct tp {
	struct pf_arena *a;
	const char *what, *s;
	size_t len, i;
	int line;
	struct pf_err *e;
	struct watch_tnode *root, *cur;
	size_t members;
	struct hent *h;			/* (table, key) -> value, for duplicates and lookups */
	size_t hcap, hn;
};

static int fail(struct tp *p, const char *why)
{
	return pf_error(p->e, PF_EFORMAT, "%s:%d: invalid TOML: %s", p->what, p->line, why);
}

static int peek(const struct tp *p, size_t off)
{
	return p->i + off < p->len ? (unsigned char)p->s[p->i + off] : -1;
}

/* ---- the (table, key) index ---- */

static size_t hash(const struct watch_tnode *t, const char *k)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)t;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return (size_t)(h ^ h >> 29);
}

static struct watch_tnode *lookup(const struct tp *p, const struct watch_tnode *t, const char *k)
{
	if (!p->hcap)
		return NULL;
	for (size_t i = hash(t, k) & (p->hcap - 1);; i = (i + 1) & (p->hcap - 1)) {
		if (!p->h[i].t)
			return NULL;
		if (p->h[i].t == t && !strcmp(p->h[i].k, k))
			return p->h[i].v;
	}
}

static void index_put(struct tp *p, const struct watch_tnode *t, const char *k, struct watch_tnode *v)
{
	if ((p->hn + 1) * 2 > p->hcap) {
		struct hent *old = p->h;
		size_t ocap = p->hcap;

		p->hcap = p->hcap ? p->hcap * 2 : 64;
		p->h = pf_xcalloc(p->hcap, sizeof *p->h);
		for (size_t i = 0; i < ocap; i++) {
			if (!old[i].t)
				continue;
			for (size_t j = hash(old[i].t, old[i].k) & (p->hcap - 1);; j = (j + 1) & (p->hcap - 1)) {
				if (!p->h[j].t) {
					p->h[j] = old[i];
					break;
				}
			}
		}
		free(old);
	}
	for (size_t i = hash(t, k) & (p->hcap - 1);; i = (i + 1) & (p->hcap - 1)) {
		if (!p->h[i].t) {
			p->h[i].t = t;
			p->h[i].k = k;
			p->h[i].v = v;
			p->hn++;
			return;
		}
	}
}

/* ---- nodes ---- */

static struct watch_tnode *node(struct tp *p, enum watch_ttype type, unsigned flags)
{
	struct watch_tnode *n = pf_arena_alloc(p->a, sizeof *n);

	n->type = type;
	n->flags = flags;
	n->line = p->line;
	return n;
}

/* Append to a table (with key) or an array; storage grows inside the arena. */
static int append(struct tp *p, struct watch_tnode *to, const char *key, struct watch_tnode *v)
{
	if (++p->members > MAX_MEMBERS)
		return fail(p, "too many keys and values");
	if (to->n == to->cap) {
		size_t cap = to->cap ? to->cap * 2 : 4;
		struct watch_tnode **vals = pf_arena_alloc(p->a, cap * sizeof *vals);

		if (to->n)
			memcpy(vals, to->vals, to->n * sizeof *vals);
		to->vals = vals;
		if (to->type == WATCH_T_TAB) {
			const char **keys = pf_arena_alloc(p->a, cap * sizeof *keys);

			if (to->n)
				memcpy(keys, to->keys, to->n * sizeof *keys);
			to->keys = keys;
		}
		to->cap = cap;
	}
	if (to->type == WATCH_T_TAB) {
		to->keys[to->n] = key;
		index_put(p, to, key, v);
	}
	to->vals[to->n++] = v;
	return 0;
}

/* ---- lexical pieces ---- */

static void ws(struct tp *p)
{
	while (peek(p, 0) == ' ' || peek(p, 0) == '\t')
		p->i++;
}

/* A comment runs to the end of the line; only tabs among the control characters. */
static int comment(struct tp *p)
{
	if (peek(p, 0) != '#')
		return 0;
	for (p->i++; p->i < p->len && p->s[p->i] != '\n'; p->i++) {
		unsigned char c = (unsigned char)p->s[p->i];

		if ((c < 0x20 && c != '\t' && !(c == '\r' && peek(p, 1) == '\n')) || c == 0x7f)
			return fail(p, "control character in a comment");
	}
	return 0;
}

/* A newline (LF or CRLF): 1 and consumed, else 0. */
static int newline(struct tp *p)
{
	if (peek(p, 0) == '\n') {
		p->i++;
		p->line++;
		return 1;
	}
	if (peek(p, 0) == '\r' && peek(p, 1) == '\n') {
		p->i += 2;
		p->line++;
		return 1;
	}
	return 0;
}

/* Whitespace, comments and newlines (inside arrays and, per TOML 1.1, inline tables). */
static int ws_nl(struct tp *p)
{
	for (;;) {
		int rc;

		ws(p);
		if ((rc = comment(p)))
			return rc;
		if (!newline(p))
			return 0;
	}
}

/* The end of a line after a key/value or header: whitespace, a comment, then a newline or the end. */
static int eol(struct tp *p)
{
	int rc;

	ws(p);
	if ((rc = comment(p)))
		return rc;
	if (p->i >= p->len || newline(p))
		return 0;
	return fail(p, "expected the end of the line");
}

static int escape(struct tp *p, struct pf_buf *b)
{
	int c = peek(p, 0), n = 0;
	uint32_t cp = 0;

	p->i++;
	switch (c) {
	case 'b': pf_buf_addc(b, '\b'); return 0;
	case 't': pf_buf_addc(b, '\t'); return 0;
	case 'n': pf_buf_addc(b, '\n'); return 0;
	case 'f': pf_buf_addc(b, '\f'); return 0;
	case 'r': pf_buf_addc(b, '\r'); return 0;
	case 'e': pf_buf_addc(b, 0x1b); return 0;
	case '"': pf_buf_addc(b, '"'); return 0;
	case '\\': pf_buf_addc(b, '\\'); return 0;
	case 'x': n = 2; break;
	case 'u': n = 4; break;
	case 'U': n = 8; break;
	default: return fail(p, "unknown escape in a string");
	}
	for (int k = 0; k < n; k++) {
		int h = peek(p, 0);

		p->i++;
		if (h >= '0' && h <= '9')
			cp = cp << 4 | (uint32_t)(h - '0');
		else if (h >= 'a' && h <= 'f')
			cp = cp << 4 | (uint32_t)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			cp = cp << 4 | (uint32_t)(h - 'A' + 10);
		else
			return fail(p, "bad hex digits in an escape");
	}
	if (!cp || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return fail(p, "escape is not a Unicode scalar value (or is NUL)");
	pf_utf8_put(b, cp);
	return 0;
}

/* A string value or quoted key: basic ("), literal ('), and with multi the triple-quoted forms. */
static int string(struct tp *p, int multi_ok, const char **out)
{
	struct pf_buf b = PF_BUF_INIT;
	char q = p->s[p->i];
	int multi = multi_ok && peek(p, 1) == q && peek(p, 2) == q, rc = 0;

	p->i += multi ? 3 : 1;
	if (multi)
		newline(p);	/* a newline right after the opening quotes is dropped */
	for (;;) {
		int c = peek(p, 0);

		if (c < 0) {
			rc = fail(p, "unterminated string");
			goto out;
		}
		if (c == q && (!multi || (peek(p, 1) == q && peek(p, 2) == q))) {
			if (!multi) {
				p->i++;
				break;
			}
			/* up to two more quotes belong to the content: """a"""" is 'a"' */
			p->i += 3;
			for (int k = 0; k < 2 && peek(p, 0) == q; k++, p->i++)
				pf_buf_addc(&b, q);
			break;
		}
		if (c == '\n' || (c == '\r' && peek(p, 1) == '\n')) {
			if (!multi) {
				rc = fail(p, "newline in a single-line string");
				goto out;
			}
			newline(p);
			pf_buf_addc(&b, '\n');
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			rc = fail(p, "control character in a string");
			goto out;
		}
		if (c == '\\' && q == '"') {
			size_t save = p->i;

			if (multi) {
				/* a line-ending backslash trims the newline and the whitespace after it */
				p->i++;
				ws(p);
				if (newline(p)) {
					while (newline(p) || peek(p, 0) == ' ' || peek(p, 0) == '\t')
						if (peek(p, 0) == ' ' || peek(p, 0) == '\t')
							p->i++;
					continue;
				}
				p->i = save;
			}
			p->i++;
			if ((rc = escape(p, &b)))
				goto out;
			continue;
		}
		pf_buf_addc(&b, (char)c);
		p->i++;
	}
	*out = pf_arena_strndup(p->a, b.p ? b.p : "", b.len);
out:
	pf_buf_release(&b);
	return rc;
}

static int bare_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* key ( '.' key )*: up to MAX_DEPTH segments into segs. */
static int key(struct tp *p, const char **segs, size_t *nseg)
{
	*nseg = 0;
	for (;;) {
		int c;
		const char *k;

		ws(p);
		c = peek(p, 0);
		if (c == '"' || c == '\'') {
			int rc = string(p, 0, &k);

			if (rc)
				return rc;
		} else {
			size_t st = p->i;

			while (bare_key_char(peek(p, 0)))
				p->i++;
			if (p->i == st)
				return fail(p, "expected a key");
			k = pf_arena_strndup(p->a, p->s + st, p->i - st);
		}
		if (*nseg == MAX_DEPTH)
			return fail(p, "key has too many parts");
		segs[(*nseg)++] = k;
		ws(p);
		if (peek(p, 0) != '.')
			return 0;
		p->i++;
	}
}

/* ---- numbers, booleans, dates: shape checks ---- */

static int digits_(const char *s, size_t *i, int (*isd)(int), int underscores)
{
	size_t st = *i;

	if (!isd((unsigned char)s[*i]))
		return 0;
	while (isd((unsigned char)s[*i]) || (underscores && s[*i] == '_' && isd((unsigned char)s[*i + 1]) &&
					     *i > st && isd((unsigned char)s[*i - 1])))
		(*i)++;
	return 1;
}

static int isdec(int c) { return c >= '0' && c <= '9'; }
static int ishex(int c) { return isdec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int isoct(int c) { return c >= '0' && c <= '7'; }
static int isbin(int c) { return c == '0' || c == '1'; }

static int fixed_digits(const char *s, size_t *i, int n)
{
	for (int k = 0; k < n; k++, (*i)++)
		if (!isdec((unsigned char)s[*i]))
			return 0;
	return 1;
}

/* HH:MM[:SS[.frac]] */
static int time_ok(const char *s, size_t *i)
{
	if (!fixed_digits(s, i, 2) || s[(*i)++] != ':' || !fixed_digits(s, i, 2))
		return 0;
	if (s[*i] == ':') {
		(*i)++;
		if (!fixed_digits(s, i, 2))
			return 0;
		if (s[*i] == '.') {
			(*i)++;
			if (!digits_(s, i, isdec, 0))
				return 0;
		}
	}
	return 1;
}

static int raw_ok(const char *s)
{
	size_t i = 0;

	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return 1;
	if (isdec((unsigned char)s[0]) && isdec((unsigned char)s[1]) && s[2] == ':')
		return time_ok(s, &i) && !s[i];
	if (fixed_digits(s, &i, 4) && s[i] == '-') {
		i++;
		if (!fixed_digits(s, &i, 2) || s[i++] != '-' || !fixed_digits(s, &i, 2))
			return 0;
		if (!s[i])
			return 1;
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return 0;
		i++;
		if (!time_ok(s, &i))
			return 0;
		if (s[i] == 'Z' || s[i] == 'z')
			return !s[i + 1];
		if (s[i] == '+' || s[i] == '-') {
			i++;
			return fixed_digits(s, &i, 2) && s[i++] == ':' && fixed_digits(s, &i, 2) && !s[i];
		}
		return !s[i];
	}
	i = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (!strcmp(s + i, "inf") || !strcmp(s + i, "nan"))
		return 1;
	if (i == 0 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		i = 2;
		return digits_(s, &i, s[1] == 'x' ? ishex : s[1] == 'o' ? isoct : isbin, 1) && !s[i];
	}
	if (s[i] == '0' && isdec((unsigned char)s[i + 1]))
		return 0;	/* no leading zeros */
	if (!digits_(s, &i, isdec, 1))
		return 0;
	if (s[i] == '.') {
		i++;
		if (!digits_(s, &i, isdec, 1))
			return 0;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		if (!digits_(s, &i, isdec, 1))
			return 0;
	}
	return !s[i];
}

static int raw(struct tp *p, struct watch_tnode **out)
{
	size_t st = p->i;
	char *tok;

	for (;;) {
		int c = peek(p, 0);

		if (bare_key_char(c) || c == '+' || c == '.' || c == ':') {
			p->i++;
			continue;
		}
		/* a space between a date and a time: "1979-05-27 07:32:00Z" */
		if (c == ' ' && p->i - st == 10 && isdec(peek(p, 1)) && p->s[st + 4] == '-') {
			p->i++;
			continue;
		}
		break;
	}
	if (p->i == st)
		return fail(p, "expected a value");
	if (p->i - st > 256)
		return fail(p, "a number or date longer than 256 characters");
	tok = pf_arena_strndup(p->a, p->s + st, p->i - st);
	if (!raw_ok(tok))
		return fail(p, "not a valid number, boolean or date");
	*out = node(p, WATCH_T_RAW, 0);
	(*out)->str = tok;
	return 0;
}

/* ---- values and tables ---- */

static int value(struct tp *p, int depth, struct watch_tnode **out);
static int keyval(struct tp *p, struct watch_tnode *t, int depth, unsigned dotted_flag);

static void freeze(struct watch_tnode *t)
{
	t->flags |= F_INLINE;
	for (size_t i = 0; i < t->n; i++)
		if (t->vals[i]->type == WATCH_T_TAB && !(t->vals[i]->flags & F_INLINE))
			freeze(t->vals[i]);
}

static int array(struct tp *p, int depth, struct watch_tnode **out)
{
	struct watch_tnode *a = node(p, WATCH_T_ARR, F_INLINE);
	int rc;

	p->i++;
	for (;;) {
		struct watch_tnode *v;

		if ((rc = ws_nl(p)))
			return rc;
		if (peek(p, 0) == ']') {
			p->i++;
			break;
		}
		if ((rc = value(p, depth + 1, &v)) || (rc = append(p, a, NULL, v)) || (rc = ws_nl(p)))
			return rc;
		if (peek(p, 0) == ',') {
			p->i++;
			continue;
		}
		if (peek(p, 0) == ']') {
			p->i++;
			break;
		}
		return fail(p, "expected ',' or ']' in an array");
	}
	*out = a;
	return 0;
}

static int inline_table(struct tp *p, int depth, struct watch_tnode **out)
{
	struct watch_tnode *t = node(p, WATCH_T_TAB, F_DEFINED);
	int rc;

	p->i++;
	for (;;) {
		if ((rc = ws_nl(p)))
			return rc;
		if (peek(p, 0) == '}') {
			p->i++;
			break;
		}
		if ((rc = keyval(p, t, depth + 1, F_DOTTED)) || (rc = ws_nl(p)))
			return rc;
		if (peek(p, 0) == ',') {
			p->i++;
			continue;
		}
		if (peek(p, 0) == '}') {
			p->i++;
			break;
		}
		return fail(p, "expected ',' or '}' in an inline table");
	}
	freeze(t);
	*out = t;
	return 0;
}

static int value(struct tp *p, int depth, struct watch_tnode **out)
{
	int c = peek(p, 0);

	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	if (c == '"' || c == '\'') {
		*out = node(p, WATCH_T_STR, 0);
		return string(p, 1, &(*out)->str);
	}
	if (c == '[')
		return array(p, depth, out);
	if (c == '{')
		return inline_table(p, depth, out);
	return raw(p, out);
}

/* key = value into t; dotted keys create (or enter) tables flagged dotted_flag. */
static int keyval(struct tp *p, struct watch_tnode *t, int depth, unsigned dotted_flag)
{
	const char *segs[MAX_DEPTH];
	struct watch_tnode *v;
	size_t n;
	int rc;

	if ((rc = key(p, segs, &n)))
		return rc;
	if (peek(p, 0) != '=')
		return fail(p, "expected '=' after a key");
	p->i++;
	ws(p);
	if (depth + (int)n > MAX_DEPTH)
		return fail(p, "nested too deeply");
	for (size_t k = 0; k + 1 < n; k++) {
		struct watch_tnode *x = lookup(p, t, segs[k]);

		if (!x) {
			x = node(p, WATCH_T_TAB, dotted_flag);
			if ((rc = append(p, t, segs[k], x)))
				return rc;
		} else if (x->type != WATCH_T_TAB || (x->flags & F_INLINE) || !(x->flags & F_DOTTED)) {
			return fail(p, "a dotted key cannot extend a value or a table defined elsewhere");
		}
		t = x;
	}
	if (lookup(p, t, segs[n - 1]))
		return fail(p, "duplicate key");
	if ((rc = value(p, depth + (int)n, &v)))
		return rc;
	return append(p, t, segs[n - 1], v);
}

/* [a.b.c] or [[a.b.c]] */
static int header(struct tp *p)
{
	const char *segs[MAX_DEPTH];
	struct watch_tnode *t = p->root, *x;
	int aot = peek(p, 1) == '[';
	size_t n;
	int rc;

	p->i += aot ? 2 : 1;
	if ((rc = key(p, segs, &n)))
		return rc;
	if (peek(p, 0) != ']' || (aot && peek(p, 1) != ']'))
		return fail(p, aot ? "expected ']]'" : "expected ']'");
	p->i += aot ? 2 : 1;
	for (size_t k = 0; k + 1 < n; k++) {
		x = lookup(p, t, segs[k]);
		if (!x) {
			x = node(p, WATCH_T_TAB, F_IMPLICIT);
			if ((rc = append(p, t, segs[k], x)))
				return rc;
		} else if (x->type == WATCH_T_ARR && (x->flags & F_AOT)) {
			x = x->vals[x->n - 1];
		} else if (x->type != WATCH_T_TAB || (x->flags & F_INLINE)) {
			return fail(p, "a table header goes through a value");
		}
		t = x;
	}
	x = lookup(p, t, segs[n - 1]);
	if (aot) {
		struct watch_tnode *item = node(p, WATCH_T_TAB, F_DEFINED);

		if (!x) {
			x = node(p, WATCH_T_ARR, F_AOT);
			if ((rc = append(p, t, segs[n - 1], x)))
				return rc;
		} else if (x->type != WATCH_T_ARR || !(x->flags & F_AOT)) {
			return fail(p, "an array of tables has the name of another value");
		}
		if ((rc = append(p, x, NULL, item)))
			return rc;
		p->cur = item;
	} else {
		if (!x) {
			x = node(p, WATCH_T_TAB, F_DEFINED);
			if ((rc = append(p, t, segs[n - 1], x)))
				return rc;
		} else if (x->type != WATCH_T_TAB || !(x->flags & F_IMPLICIT) || (x->flags & F_DEFINED)) {
			return fail(p, "a table is defined twice");
		}
		x->flags = (x->flags & ~(unsigned)F_IMPLICIT) | F_DEFINED;
		p->cur = x;
	}
	return eol(p);
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) and no NUL. */
static size_t utf8_bad(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;

		if (!c)
			return i + 1;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i + 1;
		}
		if (len - i <= n)
			return i + 1;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i + 1;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i + 1;
		i += n + 1;
	}
	return 0;
}

int watch_toml_parse(struct pf_arena *a, const char *what, const char *text, size_t len,
		     struct watch_tnode **root, struct pf_err *e)
{
	struct tp p;
	size_t bad;
	int rc = 0;

	memset(&p, 0, sizeof p);
	p.a = a;
	p.what = what;
	p.s = text;
	p.len = len;
	p.line = 1;
	p.e = e;
	bad = utf8_bad((const unsigned char *)text, len);
	if (bad) {
		for (size_t i = 0; i + 1 < bad; i++)
			p.line += text[i] == '\n';
		return fail(&p, "not UTF-8 (or a NUL byte)");
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.i = 3;
	p.root = p.cur = node(&p, WATCH_T_TAB, F_DEFINED);
	while (!rc && p.i < p.len) {
		if ((rc = ws_nl(&p)) || p.i >= p.len)
			break;
		if (peek(&p, 0) == '[')
			rc = header(&p);
		else if (!(rc = keyval(&p, p.cur, 0, F_DOTTED)))
			rc = eol(&p);
	}
	free(p.h);
	if (rc)
		return rc;
	*root = p.root;
	return 0;
}

const struct watch_tnode *watch_toml_get(const struct watch_tnode *t, const char *key)
{
	if (!t || t->type != WATCH_T_TAB)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->keys[i], key))
			return t->vals[i];
	return NULL;
}

const char *watch_toml_str(const struct watch_tnode *t, const char *key)
{
	const struct watch_tnode *v = watch_toml_get(t, key);

	return v && v->type == WATCH_T_STR ? v->str : NULL;
}
