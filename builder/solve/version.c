/* SPDX-License-Identifier: MIT */
/* Version ordering for PEP 440, npm semver and Debian, as one bytewise-comparable key per version. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve/solve.h"
#include "solve/version.h"

/*
 * Keys use lowercase letters only, so that libsolv's rpm and deb version
 * comparisons see one alphabetic segment and order it bytewise. Every field
 * is self-delimiting, so bytewise order of keys is the order of the parsed
 * tuples. Numbers: a letter giving the digit count, then digits as 'a'..'j'.
 */
static void put_num(struct pf_buf *b, uint64_t n)
{
	char d[24];
	int len = 0;

	if (n)
		len = snprintf(d, sizeof d, "%llu", (unsigned long long)n);
	pf_buf_addc(b, (char)('a' + len));
	for (int i = 0; i < len; i++)
		pf_buf_addc(b, (char)('a' + d[i] - '0'));
}

/* Two letters for a rank 0..675. */
static void put_rank(struct pf_buf *b, int r)
{
	pf_buf_addc(b, (char)('a' + r / 26));
	pf_buf_addc(b, (char)('a' + r % 26));
}

/* Parse up to 18 digits at *s; -1 when none or too many. */
static int get_num(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	int nd = 0;

	while (*p == '0' && isdigit((unsigned char)p[1]))
		p++;
	while (isdigit((unsigned char)*p)) {
		if (++nd > 18)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == *s)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

/* ---- PEP 440 ---- */

static int sep(const char **p)
{
	if (**p == '-' || **p == '_' || **p == '.') {
		(*p)++;
		return 1;
	}
	return 0;
}

static int word(const char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(*p, w, n))
		return 0;
	*p += n;
	return 1;
}

int pep440_parse(const char *s, struct pep440 *v)
{
	const char *p = s, *save;
	static const char *const pre_words[] = { "alpha", "beta", "preview", "pre", "rc", "a", "b", "c", NULL };
	static const int pre_kind[] = { 1, 2, 3, 3, 3, 1, 2, 3 };

	memset(v, 0, sizeof *v);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	save = p;
	if (isdigit((unsigned char)*p)) {
		uint64_t n;
		const char *q = p;

		if (get_num(&q, &n) < 0)
			return -1;
		if (*q == '!') {
			v->epoch = n;
			p = q + 1;
		}
	}
	(void)save;
	for (;;) {
		if (v->nrel == PEP440_MAXREL || get_num(&p, &v->rel[v->nrel]) < 0)
			return -1;
		v->nrel++;
		if (*p == '.' && isdigit((unsigned char)p[1]))
			p++;
		else
			break;
	}
	/* pre-release */
	save = p;
	sep(&p);
	for (int i = 0; pre_words[i]; i++) {
		if (word(&p, pre_words[i])) {
			const char *q = p;

			v->pre = pre_kind[i];
			sep(&q);
			if (isdigit((unsigned char)*q)) {
				if (get_num(&q, &v->pre_n) < 0)
					return -1;
				p = q;
			}
			break;
		}
	}
	if (!v->pre)
		p = save;
	/* post-release */
	save = p;
	if (*p == '-' && isdigit((unsigned char)p[1])) {
		p++;
		if (get_num(&p, &v->post_n) < 0)
			return -1;
		v->post = 1;
	} else {
		sep(&p);
		if (word(&p, "post") || word(&p, "rev") || word(&p, "r")) {
			const char *q = p;

			v->post = 1;
			sep(&q);
			if (isdigit((unsigned char)*q)) {
				if (get_num(&q, &v->post_n) < 0)
					return -1;
				p = q;
			}
		} else {
			p = save;
		}
	}
	/* dev release */
	save = p;
	sep(&p);
	if (word(&p, "dev")) {
		const char *q = p;

		v->dev = 1;
		sep(&q);
		if (isdigit((unsigned char)*q)) {
			if (get_num(&q, &v->dev_n) < 0)
				return -1;
			p = q;
		}
	} else {
		p = save;
	}
	/* local version */
	if (*p == '+') {
		size_t n = 0;

		p++;
		if (!isalnum((unsigned char)*p))
			return -1;
		while (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_') {
			char c = *p++;

			if (c == '-' || c == '_')
				c = '.';
			if (c == '.' && (!isalnum((unsigned char)*p)))
				return -1;
			if (n + 1 >= sizeof v->local)
				return -1;
			v->local[n++] = (char)tolower((unsigned char)c);
		}
		v->local[n] = 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

void pep440_key(const struct pep440 *v, int with_local, struct pf_buf *b)
{
	int nrel = v->nrel;

	while (nrel > 1 && v->rel[nrel - 1] == 0)
		nrel--;
	if (nrel == 1 && v->rel[0] == 0)
		nrel = 0;
	put_num(b, v->epoch);
	for (int i = 0; i < nrel; i++) {
		pf_buf_addc(b, 'm');
		put_num(b, v->rel[i]);
	}
	pf_buf_addc(b, 'c');
	/* A dev release of a final sorts before its pre-releases. */
	if (!v->pre && !v->post && v->dev) {
		pf_buf_addc(b, 'b');
	} else if (!v->pre) {
		pf_buf_addc(b, 'y');
	} else {
		pf_buf_addc(b, (char)('b' + v->pre));
		put_num(b, v->pre_n);
	}
	if (v->post) {
		pf_buf_addc(b, 'c');
		put_num(b, v->post_n);
	} else {
		pf_buf_addc(b, 'b');
	}
	if (v->dev) {
		pf_buf_addc(b, 'c');
		put_num(b, v->dev_n);
	} else {
		pf_buf_addc(b, 'y');
	}
	if (!with_local || !v->local[0]) {
		pf_buf_addc(b, 'b');
		return;
	}
	/* Local segments: numeric ones sort above alphanumeric ones. */
	pf_buf_addc(b, 'c');
	for (const char *s = v->local; *s;) {
		size_t n = strcspn(s, ".");
		int numeric = 1;

		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				numeric = 0;
		if (numeric && n <= 18) {
			const char *q = s;
			uint64_t x = 0;

			get_num(&q, &x);
			pf_buf_addc(b, 'n');
			put_num(b, x);
		} else {
			pf_buf_addc(b, 'h');
			for (size_t i = 0; i < n; i++) {
				int c = s[i];

				put_rank(b, 1 + (isdigit(c) ? c - '0' : 10 + c - 'a'));
			}
			put_rank(b, 0);
		}
		s += n;
		if (*s == '.')
			s++;
	}
	pf_buf_addc(b, 'c');
}

/* ---- npm semver ---- */

int semver_parse(const char *s, struct semver *v)
{
	const char *p = s;
	uint64_t *f[3];

	memset(v, 0, sizeof *v);
	f[0] = &v->major;
	f[1] = &v->minor;
	f[2] = &v->patch;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '=')
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	for (int i = 0; i < 3; i++) {
		if (i && *p++ != '.')
			return -1;
		if (get_num(&p, f[i]) < 0)
			return -1;
	}
	if (*p == '-') {
		size_t n = 0;

		p++;
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '.') {
			if (*p == '.' && (p[1] == '.' || !p[1] || p[1] == '+'))
				return -1;
			if (n + 1 >= sizeof v->pre)
				return -1;
			v->pre[n++] = *p++;
		}
		v->pre[n] = 0;
		if (!n)
			return -1;
	}
	if (*p == '+') {
		p++;
		if (!isalnum((unsigned char)*p) && *p != '-')
			return -1;
		while (isalnum((unsigned char)*p) || *p == '-' || *p == '.')
			p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -1 : 0;
}

/* Build metadata never takes part in ordering or equality. */
void semver_key(const struct semver *v, struct pf_buf *b)
{
	put_num(b, v->major);
	put_num(b, v->minor);
	put_num(b, v->patch);
	if (!v->pre[0]) {
		pf_buf_addc(b, 'y');
		return;
	}
	pf_buf_addc(b, 'c');
	for (const char *s = v->pre; *s;) {
		size_t n = strcspn(s, ".");
		int numeric = n > 0 && n <= 18;

		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				numeric = 0;
		if (numeric) {
			const char *q = s;
			uint64_t x = 0;

			get_num(&q, &x);
			pf_buf_addc(b, 'd');
			put_num(b, x);
		} else {
			/* ASCII order of [-0-9A-Za-z]; rank 0 ends the identifier */
			pf_buf_addc(b, 'e');
			for (size_t i = 0; i < n; i++)
				put_rank(b, 1 + (unsigned char)s[i]);
			put_rank(b, 0);
		}
		s += n;
		if (*s == '.')
			s++;
	}
	pf_buf_addc(b, 'b');
}

/* ---- Debian ---- */

/* dpkg's character order in non-digit parts: '~' first, then the end, letters, the rest. */
static int deb_rank(int c)
{
	if (c == '~')
		return 0;
	if (isalpha(c))
		return 2 + c;
	return 2 + c + 256;
}

/*
 * A part (upstream or revision) is a list of (non-digit run, number) pairs;
 * only the first run can be empty. The closing "ab" sorts after a run that
 * starts with '~' and before any other run, as a missing pair does in dpkg.
 */
static int deb_part_key(const char *s, size_t n, struct pf_buf *b)
{
	size_t i = 0;
	int first = 1;

	while (i < n || first) {
		while (i < n && !isdigit((unsigned char)s[i])) {
			if (!isalnum((unsigned char)s[i]) && !strchr(".+-~:", s[i]))
				return -1;
			put_rank(b, deb_rank((unsigned char)s[i]));
			i++;
		}
		put_rank(b, 1);
		if (i < n) {
			const char *q = s + i;
			uint64_t x;

			if (get_num(&q, &x) < 0)
				return -1;
			put_num(b, x);
			i = (size_t)(q - s);
		} else {
			put_num(b, 0);
		}
		first = 0;
	}
	put_rank(b, 1);
	return 0;
}

int deb_key(const char *v, struct pf_buf *b)
{
	const char *p = v, *colon, *dash, *end;
	uint64_t epoch = 0;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end == p)
		return -1;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		const char *q = p;

		if (get_num(&q, &epoch) < 0 || q != colon)
			return -1;
		p = colon + 1;
	}
	dash = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '-')
			dash = q;
	if (p == end || (dash && (dash == p || dash + 1 == end)))
		return -1;
	put_num(b, epoch);
	if (deb_part_key(p, (size_t)((dash ? dash : end) - p), b) < 0)
		return -1;
	if (dash ? deb_part_key(dash + 1, (size_t)(end - dash - 1), b) < 0 : deb_part_key("", 0, b) < 0)
		return -1;
	return 0;
}

/* ---- public ---- */

int solve_version_key(const char *eco, const char *v, struct pf_buf *out, struct pf_err *e)
{
	size_t len0 = out->len;
	int bad = 0;

	if (!strcmp(eco, "pypi")) {
		struct pep440 pv;

		bad = pep440_parse(v, &pv) < 0;
		if (!bad)
			pep440_key(&pv, 1, out);
	} else if (!strcmp(eco, "npm")) {
		struct semver sv;

		bad = semver_parse(v, &sv) < 0;
		if (!bad)
			semver_key(&sv, out);
	} else {
		bad = deb_key(v, out) < 0;
	}
	if (bad) {
		out->len = len0;
		if (out->p)
			out->p[len0] = 0;
		return pf_error(e, PF_EFORMAT, "'%s': not a valid %s version", v,
				!strcmp(eco, "pypi") ? "PEP 440" : !strcmp(eco, "npm") ? "semver" : "Debian");
	}
	return 0;
}

int solve_version_cmp(const char *eco, const char *a, const char *b)
{
	struct pf_buf ka = PF_BUF_INIT, kb = PF_BUF_INIT;
	int ra = solve_version_key(eco, a, &ka, NULL);
	int rb = solve_version_key(eco, b, &kb, NULL);
	int r;

	if (ra < 0 || rb < 0)
		r = ra < 0 && rb < 0 ? strcmp(a, b) : ra < 0 ? -1 : 1;
	else
		r = strcmp(pf_buf_cstr(&ka), pf_buf_cstr(&kb));
	pf_buf_release(&ka);
	pf_buf_release(&kb);
	return r < 0 ? -1 : r > 0;
}
