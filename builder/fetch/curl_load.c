/* SPDX-License-Identifier: MIT */
/* libcurl loaded on first use: the curl functions http.c calls, forwarded to the library opened then. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch/fetch_int.h"

/*
 * Why: libcurl and the ~25 libraries it brings (TLS, Kerberos, LDAP, SSH,
 * IDN, ...) cost every pinfold process about 25 ms of dynamic linking at
 * start (bench/README.md), while only fetches from HTTP mirrors use them.
 * pinfold is not linked with libcurl; these definitions stand in for its
 * functions and call the real ones, looked up once fetch_curl_load() has
 * opened the library. http.c calls fetch_curl_load() before anything else.
 */
#define CURL_SONAME "libcurl.so.4"

/* curl_easy_setopt and curl_easy_getinfo are macros under GCC's type checks; the functions are defined here. */
#undef curl_easy_setopt
#undef curl_easy_getinfo

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
} fn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void)
{
	void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!h) {
		snprintf(load_error, sizeof load_error, "%s", dlerror());
		return;
	}
#define SYM(field, name) \
	do { \
		*(void **)&fn.field = dlsym(h, name); \
		if (!fn.field && !missing) \
			missing = name; \
	} while (0)
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(easy_escape, "curl_easy_escape");
	SYM(free, "curl_free");
	SYM(multi_init, "curl_multi_init");
	SYM(multi_add_handle, "curl_multi_add_handle");
	SYM(multi_remove_handle, "curl_multi_remove_handle");
	SYM(multi_perform, "curl_multi_perform");
	SYM(multi_poll, "curl_multi_poll");
	SYM(multi_info_read, "curl_multi_info_read");
	SYM(multi_cleanup, "curl_multi_cleanup");
#undef SYM
	if (missing) {
		snprintf(load_error, sizeof load_error, "%s has no '%s'", CURL_SONAME, missing);
		fn.global_init = NULL;
		return;
	}
	fn.global_init(CURL_GLOBAL_DEFAULT);
}

int fetch_curl_load(struct pf_err *e)
{
	pthread_once(&once, load);
	if (!fn.global_init)
		return pf_error(e, PF_EINTERNAL, "HTTP mirrors need libcurl, which could not be loaded (%s): install "
				"Debian's 'libcurl4' package", load_error);
	return 0;
}

CURL *curl_easy_init(void)
{
	return fn.easy_init();
}

/* The argument's type follows from the option's number range, as in libcurl itself. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fn.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = fn.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = fn.easy_setopt(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		r = fn.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		r = fn.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_perform(CURL *h)
{
	return fn.easy_perform(h);
}

void curl_easy_cleanup(CURL *h)
{
	fn.easy_cleanup(h);
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	va_start(ap, info);
	r = fn.easy_getinfo(h, info, va_arg(ap, void *));	/* always a pointer to the result */
	va_end(ap);
	return r;
}

const char *curl_easy_strerror(CURLcode c)
{
	return fn.easy_strerror(c);
}

char *curl_easy_escape(CURL *h, const char *s, int n)
{
	return fn.easy_escape(h, s, n);
}

void curl_free(void *p)
{
	fn.free(p);
}

CURLM *curl_multi_init(void)
{
	return fn.multi_init();
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	return fn.multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	return fn.multi_remove_handle(m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	return fn.multi_perform(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout, int *ret)
{
	return fn.multi_poll(m, extra, n, timeout, ret);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	return fn.multi_info_read(m, left);
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return fn.multi_cleanup(m);
}
