/* SPDX-License-Identifier: MIT */
/* Allocation helpers: out of memory aborts here and nowhere else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static void oom(void)
{
	fputs("pinfold: error: out of memory\n", stderr);
	abort();
}

void *pf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *pf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *pf_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *pf_xstrdup(const char *s)
{
	return pf_xstrndup(s, strlen(s));
}

char *pf_xstrndup(const char *s, size_t n)
{
	char *p = pf_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pf_xasprintf(const char *fmt, ...)
{
	struct pf_buf b = PF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	pf_buf_cstr(&b);
	return b.p;
}

static void buf_reserve(struct pf_buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap) {
		size_t c = b->cap ? b->cap * 2 : 64;

		while (c < b->len + extra + 1)
			c *= 2;
		b->p = pf_xrealloc(b->p, c);
		b->cap = c;
	}
}

void pf_buf_add(struct pf_buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void pf_buf_adds(struct pf_buf *b, const char *s)
{
	pf_buf_add(b, s, strlen(s));
}

void pf_buf_addc(struct pf_buf *b, char c)
{
	pf_buf_add(b, &c, 1);
}

void pf_buf_vaddf(struct pf_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void pf_buf_addf(struct pf_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

const char *pf_buf_cstr(struct pf_buf *b)
{
	buf_reserve(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

char *pf_buf_detach(struct pf_buf *b, size_t *len)
{
	char *p;

	pf_buf_cstr(b);
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void pf_buf_release(struct pf_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void pf_strv_push_owned(struct pf_strv *sv, char *s)
{
	PF_GROW(sv->v, sv->n + 1, sv->cap);
	sv->v[sv->n++] = s;
}

void pf_strv_push(struct pf_strv *sv, const char *s)
{
	pf_strv_push_owned(sv, pf_xstrdup(s));
}

void pf_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pf_strv_sort(struct pf_strv *sv)
{
	pf_qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
}

int pf_strv_contains(const struct pf_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return 1;
	return 0;
}

void pf_strv_release(struct pf_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

struct pf_arena_chunk {
	struct pf_arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK (64 * 1024)

void *pf_arena_alloc(struct pf_arena *a, size_t n)
{
	struct pf_arena_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		c = pf_xmalloc(sizeof *c + size);
		c->used = 0;
		c->size = size;
		a->total += sizeof *c + size;
		if (size == n && a->head) {
			/* big block: keep the current chunk as the one to fill */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *pf_arena_strndup(struct pf_arena *a, const char *s, size_t n)
{
	char *p = pf_arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *pf_arena_strdup(struct pf_arena *a, const char *s)
{
	return s ? pf_arena_strndup(a, s, strlen(s)) : NULL;
}

char *pf_arena_printf(struct pf_arena *a, const char *fmt, ...)
{
	struct pf_buf b = PF_BUF_INIT;
	va_list ap;
	char *p;

	va_start(ap, fmt);
	pf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	p = pf_arena_strndup(a, pf_buf_cstr(&b), b.len);
	pf_buf_release(&b);
	return p;
}

void pf_arena_release(struct pf_arena *a)
{
	struct pf_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}
