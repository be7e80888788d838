/* SPDX-License-Identifier: MIT */
/* Allocation that aborts on exhaustion, growable buffers, string vectors and an arena. */
#ifndef PF_CORE_MEM_H
#define PF_CORE_MEM_H

#include <stddef.h>
#include <stdarg.h>

/* All abort with a message on out-of-memory; never return NULL. Caller frees. */
void *pf_xmalloc(size_t n);
void *pf_xcalloc(size_t n, size_t size);
void *pf_xrealloc(void *p, size_t n);
char *pf_xstrdup(const char *s);
char *pf_xstrndup(const char *s, size_t n);
char *pf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow an array *p of *cap elements so that it holds at least n. */
#define PF_GROW(p, n, cap) do { \
	if ((size_t)(n) > (cap)) { \
		size_t pf__c = (cap) ? (cap) * 2 : 8; \
		while (pf__c < (size_t)(n)) pf__c *= 2; \
		(p) = pf_xrealloc((p), pf__c * sizeof(*(p))); \
		(cap) = pf__c; \
	} \
} while (0)

/* qsort that accepts an empty (possibly NULL) array. */
void pf_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* A byte buffer, always NUL-terminated after the first append. */
struct pf_buf {
	char *p;
	size_t len, cap;
};
#define PF_BUF_INIT { NULL, 0, 0 }
void pf_buf_add(struct pf_buf *b, const void *data, size_t n);
void pf_buf_adds(struct pf_buf *b, const char *s);
void pf_buf_addc(struct pf_buf *b, char c);
void pf_buf_addf(struct pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_buf_vaddf(struct pf_buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty); borrowed until the next append. */
const char *pf_buf_cstr(struct pf_buf *b);
/* Hand the storage to the caller (who frees it) and reset b. */
char *pf_buf_detach(struct pf_buf *b, size_t *len);
void pf_buf_release(struct pf_buf *b);

/* A vector of owned strings. */
struct pf_strv {
	char **v;
	size_t n, cap;
};
#define PF_STRV_INIT { NULL, 0, 0 }
void pf_strv_push(struct pf_strv *sv, const char *s);		/* copies s */
void pf_strv_push_owned(struct pf_strv *sv, char *s);		/* takes s */
void pf_strv_sort(struct pf_strv *sv);				/* bytewise */
int pf_strv_contains(const struct pf_strv *sv, const char *s);
void pf_strv_release(struct pf_strv *sv);

/* An arena for parse-lifetime data: freed in one pf_arena_release(). */
struct pf_arena_chunk;
struct pf_arena {
	struct pf_arena_chunk *head;
	size_t total;		/* bytes held in chunks (for memory budgets) */
};
#define PF_ARENA_INIT { NULL, 0 }
void *pf_arena_alloc(struct pf_arena *a, size_t n);	/* zeroed, 16-byte aligned */
char *pf_arena_strdup(struct pf_arena *a, const char *s);
char *pf_arena_strndup(struct pf_arena *a, const char *s, size_t n);
char *pf_arena_printf(struct pf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_arena_release(struct pf_arena *a);

#endif
