/* SPDX-License-Identifier: MIT */
/* Declared licences: SPDX expressions checked against a fixed identifier list, wheel classifiers, npm fields. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export/license.h"
#include "install/meta.h"

/*
 * The SPDX identifiers pinfold writes as identifiers (the common ones in the
 * Python, npm and Debian worlds, deprecated spellings included because npm
 * packages still use them). Anything else a package declares is kept as
 * text, never guessed into an identifier.
 */
const char *const export_license_ids[] = {
	"0BSD", "AFL-2.1", "AFL-3.0", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1",
	"Apache-2.0", "Artistic-1.0", "Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause",
	"BSD-3-Clause", "BSD-3-Clause-Clear", "BSD-4-Clause", "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0",
	"CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "curl", "ECL-2.0", "EPL-1.0",
	"EPL-2.0", "EUPL-1.1", "EUPL-1.2", "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later",
	"GPL-3.0", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ISC", "LGPL-2.0", "LGPL-2.0-only",
	"LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0", "LGPL-3.0-only",
	"LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception", "MS-PL",
	"MS-RL", "NCSA", "OFL-1.1", "OpenSSL", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby",
	"Unicode-DFS-2016", "Unlicense", "UPL-1.0", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1", NULL,
};

const char *const export_license_exceptions[] = {
	"Autoconf-exception-3.0", "Bison-exception-2.2", "Classpath-exception-2.0", "Font-exception-2.0",
	"GCC-exception-3.1", "LLVM-exception", NULL,
};

/* Trove classifiers that name exactly one SPDX licence (version and "or later" included). */
static const struct {
	const char *classifier, *id;
} classifiers[] = {
	{ "License :: OSI Approved :: MIT License", "MIT" },
	{ "License :: OSI Approved :: MIT No Attribution License (MIT-0)", "MIT-0" },
	{ "License :: OSI Approved :: ISC License (ISCL)", "ISC" },
	{ "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0" },
	{ "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1" },
	{ "License :: OSI Approved :: GNU General Public License v2 (GPLv2)", "GPL-2.0-only" },
	{ "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later" },
	{ "License :: OSI Approved :: GNU General Public License v3 (GPLv3)", "GPL-3.0-only" },
	{ "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later" },
	{ "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only" },
	{ "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later" },
	{ "License :: OSI Approved :: GNU Affero General Public License v3", "AGPL-3.0-only" },
	{ "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later" },
	{ "License :: OSI Approved :: Python Software Foundation License", "PSF-2.0" },
	{ "License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense" },
	{ "License :: OSI Approved :: Zero-Clause BSD (0BSD)", "0BSD" },
	{ "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)", "BSL-1.0" },
	{ "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0" },
	{ "License :: OSI Approved :: zlib/libpng License", "Zlib" },
	{ "License :: OSI Approved :: Universal Permissive License (UPL)", "UPL-1.0" },
	{ "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0" },
};

static const char *lookup(const char *const *list, const char *s, size_t n)
{
	for (const char *const *p = list; *p; p++)
		if (strlen(*p) == n && !strncasecmp(*p, s, n))
			return *p;
	return NULL;
}

/* A tiny recursive-descent parser over whitespace/parenthesis tokens. */
struct lex {
	const char *p;
	const char *tok;
	size_t len;
	struct pf_buf *out;
	int nops;
	int plus;
};

static void next(struct lex *x)
{
	while (*x->p == ' ' || *x->p == '\t')
		x->p++;
	x->tok = x->p;
	if (*x->p == '(' || *x->p == ')') {
		x->p++;
	} else {
		while (*x->p && *x->p != ' ' && *x->p != '\t' && *x->p != '(' && *x->p != ')')
			x->p++;
	}
	x->len = (size_t)(x->p - x->tok);
}

static int is_op(const struct lex *x, const char *op)
{
	size_t n = strlen(op);
	char lower[8];

	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)(op[i] ? op[i] - 'A' + 'a' : 0);
	return x->len == n && (!strncmp(x->tok, op, n) || !strncmp(x->tok, lower, n));
}

static void emit(struct lex *x, const char *s)
{
	if (x->out)
		pf_buf_adds(x->out, s);
}

static int or_expr(struct lex *x, int depth);

static int primary(struct lex *x, int depth)
{
	const char *id;

	if (depth > 16)
		return -1;
	if (x->len == 1 && *x->tok == '(') {
		emit(x, "(");
		next(x);
		if (or_expr(x, depth + 1) < 0 || !(x->len == 1 && *x->tok == ')'))
			return -1;
		emit(x, ")");
		next(x);
		return 0;
	}
	if (!x->len)
		return -1;
	/* "GPL-2.0+" is the id and the "or later" operator */
	if (x->tok[x->len - 1] == '+' && x->len > 1) {
		id = lookup(export_license_ids, x->tok, x->len - 1);
		x->plus = 1;
	} else {
		id = lookup(export_license_ids, x->tok, x->len);
	}
	if (!id)
		return -1;
	emit(x, id);
	if (x->tok[x->len - 1] == '+')
		emit(x, "+");
	next(x);
	if (is_op(x, "WITH")) {
		next(x);
		if (!(id = lookup(export_license_exceptions, x->tok, x->len)))
			return -1;
		emit(x, " WITH ");
		emit(x, id);
		x->nops++;
		next(x);
	}
	return 0;
}

static int and_expr(struct lex *x, int depth)
{
	if (primary(x, depth) < 0)
		return -1;
	while (is_op(x, "AND")) {
		emit(x, " AND ");
		x->nops++;
		next(x);
		if (primary(x, depth) < 0)
			return -1;
	}
	return 0;
}

static int or_expr(struct lex *x, int depth)
{
	if (and_expr(x, depth) < 0)
		return -1;
	while (is_op(x, "OR")) {
		emit(x, " OR ");
		x->nops++;
		next(x);
		if (and_expr(x, depth) < 0)
			return -1;
	}
	return 0;
}

int export_license_expr(const char *s, struct pf_buf *canon, int *single)
{
	struct pf_buf b = PF_BUF_INIT;
	struct lex x = { s, NULL, 0, &b, 0, 0 };
	int rc;

	next(&x);
	rc = or_expr(&x, 0);
	if (!rc && x.len)
		rc = -1;	/* trailing tokens */
	if (!rc && canon)
		pf_buf_adds(canon, pf_buf_cstr(&b));
	if (!rc && single)
		*single = !x.nops && !x.plus && !strchr(b.p, '(');
	pf_buf_release(&b);
	return rc;
}

static int nothing(const char *s)
{
	return !s || !*s || !strcasecmp(s, "UNKNOWN") || !strcasecmp(s, "NONE");
}

static int set_expr(struct export_license *out, const char *s)
{
	struct pf_buf b = PF_BUF_INIT;
	int single = 0;

	if (export_license_expr(s, &b, &single) < 0) {
		pf_buf_release(&b);
		return -1;
	}
	out->expr = pf_buf_detach(&b, NULL);
	out->single = single;
	return 0;
}

void export_license_from_meta(const struct install_meta *m, struct export_license *out)
{
	const char *one = NULL;
	size_t nmapped = 0;

	memset(out, 0, sizeof *out);
	if (!nothing(m->license) && set_expr(out, m->license) == 0)
		return;
	if (m->license_is_expression && !nothing(m->license)) {
		out->text = pf_xstrdup(m->license);	/* declared as an expression, but not one we can vouch for */
		return;
	}
	for (size_t i = 0; i < m->nlicense_classifiers; i++) {
		for (size_t k = 0; k < sizeof classifiers / sizeof classifiers[0]; k++) {
			if (!strcmp(m->license_classifiers[i], classifiers[k].classifier)) {
				if (!one || strcmp(one, classifiers[k].id))
					nmapped++;
				one = classifiers[k].id;
			}
		}
	}
	/* several licence classifiers may mean "any of" or "all of": only one is unambiguous */
	if (nmapped == 1 && m->nlicense_classifiers == 1 && set_expr(out, one) == 0)
		return;
	if (!nothing(m->license)) {
		out->text = pf_xstrdup(m->license);
		return;
	}
	if (m->nlicense_classifiers) {
		struct pf_buf b = PF_BUF_INIT;

		for (size_t i = 0; i < m->nlicense_classifiers; i++)
			pf_buf_addf(&b, "%s%s", i ? "; " : "", m->license_classifiers[i]);
		out->text = pf_buf_detach(&b, NULL);
	}
}

void export_license_release(struct export_license *l)
{
	if (!l)
		return;
	free(l->expr);
	free(l->text);
	memset(l, 0, sizeof *l);
}
