/* SPDX-License-Identifier: MIT */
/* Strict UTC time parsing and formatting (no locale, no TZ). */
#include <stdio.h>
#include <string.h>

#include "core/time.h"

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* Days since 1970-01-01 (Howard Hinnant's civil algorithm). */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int parse_date(const char *s, long long *days)
{
	int y, m, d;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

int pf_date_parse(const char *s, time_t *out)
{
	long long days;

	if (strlen(s) != 10 || parse_date(s, &days))
		return -1;
	*out = (time_t)(days * 86400);
	return 0;
}

int pf_time_parse(const char *s, time_t *out)
{
	long long days, t;
	int hh, mm, ss;
	const char *p;

	if (strlen(s) < 20 || parse_date(s, &days) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &hh) || s[13] != ':' || digits(s + 14, 2, &mm) || s[16] != ':' ||
	    digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
		return -1;
	t = days * 86400 + hh * 3600 + mm * 60 + ss;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*out = (time_t)t;
		return 0;
	}
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;

		if (digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		t += (*p == '+' ? -1 : 1) * (oh * 3600 + om * 60);
		*out = (time_t)t;
		return 0;
	}
	return -1;
}

/* "[Day, ]DD Mon YYYY HH:MM[:SS] ZONE" (RFC 2822: Debian's Release files and changelogs). */
int pf_time_parse_rfc2822(const char *s, time_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = s;
	int day = 0, mon = -1, year, hh, mm, ss = 0, off = 0;

	while (*p == ' ')
		p++;
	if (p[0] && p[1] && p[2] && p[3] == ',')
		p += 4;
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9' && day < 100)
		day = day * 10 + (*p++ - '0');
	if (*p++ != ' ')
		return -1;
	for (int i = 0; i < 12; i++)
		if (!strncmp(p, months + 3 * i, 3))
			mon = i + 1;
	if (mon < 0 || p[3] != ' ')
		return -1;
	p += 4;
	if (digits(p, 4, &year) || p[4] != ' ' || digits(p + 5, 2, &hh) || p[7] != ':' || digits(p + 8, 2, &mm))
		return -1;
	p += 10;
	if (*p == ':') {
		if (digits(p + 1, 2, &ss))
			return -1;
		p += 3;
	}
	if (*p++ != ' ')
		return -1;
	if (!strcmp(p, "UTC") || !strcmp(p, "GMT") || !strcmp(p, "UT") || !strcmp(p, "Z")) {
		off = 0;
	} else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 5) {
		int oh, om;

		if (digits(p + 1, 2, &oh) || digits(p + 3, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60 * (p[0] == '-' ? -1 : 1);
	} else {
		return -1;
	}
	if (year < 1970 || day < 1 || day > days_in_month(year, mon) || hh > 23 || mm > 59 || ss > 60)
		return -1;
	*out = (time_t)(days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss - off);
	return 0;
}

static void format_utc(time_t t, const char *fmt, char *out, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(out, size, fmt, &tm))
		out[0] = '\0';
}

void pf_time_format(time_t t, char out[PF_TIME_STR])
{
	format_utc(t, "%Y-%m-%dT%H:%M:%SZ", out, PF_TIME_STR);
}

void pf_date_format(time_t t, char out[PF_DATE_STR])
{
	format_utc(t, "%Y-%m-%d", out, PF_DATE_STR);
}

