/* SPDX-License-Identifier: MIT */
/* A tiny strict JSON reader: recursive descent over bytes, depth-capped, arena-allocated. */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "install/json.h"

#define JSON_MAX_DEPTH 64

struct jp {
	struct pf_arena *a;
	const char *what, *s;
	size_t len, i;
	struct pf_err *e;
};

static int fail(struct jp *p, const char *why)
{
	return pf_error(p->e, PF_EFORMAT, "'%s': invalid JSON at byte %zu: %s", p->what, p->i, why);
}

static void ws(struct jp *p)
{
	while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int hex4(struct jp *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int string(struct jp *p, const char **out)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc = 0;

	p->i++;	/* opening quote */
	for (;;) {
		unsigned char c;

		if (p->i >= p->len) {
			rc = fail(p, "unterminated string");
			goto out;
		}
		c = (unsigned char)p->s[p->i++];
		if (c == '"')
			break;
		if (c < 0x20) {
			rc = fail(p, "control character in string");
			goto out;
		}
		if (c != '\\') {
			pf_buf_addc(&b, (char)c);
			continue;
		}
		if (p->i >= p->len) {
			rc = fail(p, "unterminated escape");
			goto out;
		}
		c = (unsigned char)p->s[p->i++];
		switch (c) {
		case '"': case '\\': case '/': pf_buf_addc(&b, (char)c); break;
		case 'b': pf_buf_addc(&b, '\b'); break;
		case 'f': pf_buf_addc(&b, '\f'); break;
		case 'n': pf_buf_addc(&b, '\n'); break;
		case 'r': pf_buf_addc(&b, '\r'); break;
		case 't': pf_buf_addc(&b, '\t'); break;
		case 'u': {
			unsigned cp, lo;

			if (hex4(p, &cp)) {
				rc = fail(p, "bad \\u escape");
				goto out;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->len - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
					rc = fail(p, "unpaired surrogate");
					goto out;
				}
				p->i += 2;
				if (hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					rc = fail(p, "unpaired surrogate");
					goto out;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				rc = fail(p, "unpaired surrogate");
				goto out;
			}
			if (cp == 0) {
				rc = fail(p, "NUL in string");
				goto out;
			}
			pf_utf8_put(&b, cp);
			break;
		}
		default:
			rc = fail(p, "unknown escape");
			goto out;
		}
	}
	*out = pf_arena_strndup(p->a, b.p ? b.p : "", b.len);
	if (b.len && strlen(*out) != b.len)
		rc = fail(p, "NUL in string");
out:
	pf_buf_release(&b);
	return rc;
}

static int value(struct jp *p, int depth, struct install_json **out);

/* Member names seen so far in one object: a linear scan while small, then a hash set (bounded time). */
struct keyset {
	size_t *slot;		/* index + 1 into keys, 0 when empty */
	size_t cap;
};

static size_t key_hash(const char *k)
{
	size_t h = 5381;

	for (; *k; k++)
		h = h * 33 ^ (unsigned char)*k;
	return h;
}

static void keyset_put(struct keyset *ks, const char *const *keys, size_t i)
{
	size_t h = key_hash(keys[i]) & (ks->cap - 1);

	while (ks->slot[h])
		h = (h + 1) & (ks->cap - 1);
	ks->slot[h] = i + 1;
}

/* 1 when k is among keys[0..n); else remembers nothing (the caller appends k as keys[n]). */
static int seen_key(struct keyset *ks, const char *const *keys, size_t n, const char *k)
{
	if (n < 16) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(keys[i], k))
				return 1;
		return 0;
	}
	if ((n + 1) * 2 > ks->cap) {
		free(ks->slot);
		ks->cap = ks->cap ? ks->cap * 2 : 64;
		while ((n + 1) * 2 > ks->cap)
			ks->cap *= 2;
		ks->slot = pf_xcalloc(ks->cap, sizeof *ks->slot);
		for (size_t i = 0; i < n; i++)
			keyset_put(ks, keys, i);
	} else {
		keyset_put(ks, keys, n - 1);	/* the member appended since the last call */
	}
	for (size_t h = key_hash(k) & (ks->cap - 1); ks->slot[h]; h = (h + 1) & (ks->cap - 1))
		if (!strcmp(keys[ks->slot[h] - 1], k))
			return 1;
	return 0;
}

static struct install_json *node(struct jp *p, enum install_jtype t)
{
	struct install_json *j = pf_arena_alloc(p->a, sizeof *j);

	j->type = t;
	return j;
}

static int container(struct jp *p, int depth, int obj, struct install_json **out)
{
	struct install_json *j = node(p, obj ? INSTALL_J_OBJ : INSTALL_J_ARR);
	struct install_json **vals = NULL;
	const char **keys = NULL;
	struct keyset seen = { NULL, 0 };
	size_t cap = 0, kcap = 0;
	int rc = 0;

	p->i++;
	ws(p);
	if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
		p->i++;
		goto done;
	}
	for (;;) {
		struct install_json *v;
		const char *k = NULL;

		ws(p);
		if (obj) {
			if (p->i >= p->len || p->s[p->i] != '"') {
				rc = fail(p, "expected a member name");
				goto out;
			}
			if ((rc = string(p, &k)))
				goto out;
			if (seen_key(&seen, keys, j->n, k)) {
				rc = fail(p, "duplicate member name");
				goto out;
			}
			ws(p);
			if (p->i >= p->len || p->s[p->i] != ':') {
				rc = fail(p, "expected ':'");
				goto out;
			}
			p->i++;
		}
		if ((rc = value(p, depth + 1, &v)))
			goto out;
		PF_GROW(vals, j->n + 1, cap);
		if (obj) {
			PF_GROW(keys, j->n + 1, kcap);
			keys[j->n] = k;
		}
		vals[j->n++] = v;
		ws(p);
		if (p->i < p->len && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
			p->i++;
			break;
		}
		rc = fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto out;
	}
done:
	if (j->n) {
		j->vals = pf_arena_alloc(p->a, j->n * sizeof *j->vals);
		memcpy(j->vals, vals, j->n * sizeof *j->vals);
		if (obj) {
			j->keys = pf_arena_alloc(p->a, j->n * sizeof *j->keys);
			memcpy(j->keys, keys, j->n * sizeof *j->keys);
		}
	}
	*out = j;
out:
	free(vals);
	free(keys);
	free(seen.slot);
	return rc;
}

/* Skip a run of decimal digits; 0 when there was none. */
static int digits(struct jp *p)
{
	size_t st = p->i;

	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > st;
}

static int number(struct jp *p, struct install_json **out)
{
	size_t st = p->i;
	const char *s = p->s;

	if (p->i < p->len && s[p->i] == '-')
		p->i++;
	if (p->i < p->len && s[p->i] == '0')
		p->i++;
	else if (!digits(p))
		return fail(p, "bad number");
	if (p->i < p->len && s[p->i] == '.') {
		p->i++;
		if (!digits(p))
			return fail(p, "bad number");
	}
	if (p->i < p->len && (s[p->i] == 'e' || s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (s[p->i] == '+' || s[p->i] == '-'))
			p->i++;
		if (!digits(p))
			return fail(p, "bad number");
	}
	*out = node(p, INSTALL_J_NUM);
	(*out)->str = pf_arena_strndup(p->a, s + st, p->i - st);
	return 0;
}

static int literal(struct jp *p, const char *word, enum install_jtype t, struct install_json **out)
{
	size_t n = strlen(word);

	if (p->len - p->i < n || memcmp(p->s + p->i, word, n))
		return fail(p, "unexpected character");
	p->i += n;
	*out = node(p, t);
	(*out)->str = word;
	return 0;
}

static int value(struct jp *p, int depth, struct install_json **out)
{
	ws(p);
	if (depth > JSON_MAX_DEPTH)
		return fail(p, "nested too deeply");
	if (p->i >= p->len)
		return fail(p, "unexpected end");
	switch (p->s[p->i]) {
	case '{': return container(p, depth, 1, out);
	case '[': return container(p, depth, 0, out);
	case '"':
		*out = node(p, INSTALL_J_STR);
		return string(p, &(*out)->str);
	case 't': return literal(p, "true", INSTALL_J_BOOL, out);
	case 'f': return literal(p, "false", INSTALL_J_BOOL, out);
	case 'n': return literal(p, "null", INSTALL_J_NULL, out);
	default: return number(p, out);
	}
}

int install_json_parse(struct pf_arena *a, const char *what, const char *text, size_t len,
		       struct install_json **out, struct pf_err *e)
{
	struct jp p = { a, what, text, len, 0, e };
	int rc;

	/* A UTF-8 byte order mark is tolerated, as npm does. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.i = 3;
	rc = value(&p, 0, out);
	if (rc)
		return rc;
	ws(&p);
	if (p.i != p.len)
		return fail(&p, "trailing data after the value");
	return 0;
}

const struct install_json *install_json_get(const struct install_json *o, const char *key)
{
	if (!o || o->type != INSTALL_J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return o->vals[i];
	return NULL;
}

int install_json_npm_bundles(const struct install_json *root, const char *name)
{
	const struct install_json *b = install_json_get(root, "bundleDependencies");

	if (!b)
		b = install_json_get(root, "bundledDependencies");
	if (!b)
		return 0;
	if (b->type == INSTALL_J_BOOL)
		return !strcmp(b->str, "true");
	for (size_t i = 0; b->type == INSTALL_J_ARR && i < b->n; i++)
		if (b->vals[i]->type == INSTALL_J_STR && !strcmp(b->vals[i]->str, name))
			return 1;
	return 0;
}
