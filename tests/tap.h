/* SPDX-License-Identifier: MIT */
/* A tiny TAP producer for the unit tests (header only). */
#ifndef PF_TESTS_TAP_H
#define PF_TESTS_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static __attribute__((format(printf, 4, 5))) int tap_ok(int cond, const char *file, int line,
							 const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	return cond;
}

static __attribute__((unused)) int tap_is_int(long long got, long long want, const char *file, int line,
					      const char *what)
{
	int r = tap_ok(got == want, file, line, "%s", what);

	if (!r)
		printf("#   got %lld, want %lld\n", got, want);
	return r;
}

static __attribute__((unused)) int tap_is_str(const char *got, const char *want, const char *file, int line,
					      const char *what)
{
	int r = tap_ok(got && want && !strcmp(got, want), file, line, "%s", what);

	if (!r)
		printf("#   got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
	return r;
}

static __attribute__((unused)) int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
