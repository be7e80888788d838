/* SPDX-License-Identifier: MIT */
/* Unit tests for solve/: version ordering per ecosystem and range matching. */
#include <string.h>

#include "solve/solve.h"
#include "tap.h"

/* Each list is strictly ascending. */
static const char *const pep[] = {
	"1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0a2", "1.0b1", "1.0rc1", "1.0rc1.post1", "1.0", "1.0+abc",
	"1.0+abc.2", "1.0+1", "1.0+2.a", "1.0+10", "1.0.post1.dev0", "1.0.post1", "1.0.post2", "1.0.1",
	"1.1.dev1", "1.1", "1.10", "2.0", "2013.10", "1!0.1", "1!1.0", NULL,
};
static const char *const npm[] = {
	"0.0.1", "0.9.9", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", NULL,
};
static const char *const deb[] = {
	"0~", "0", "0.1", "1.0~rc1", "1.0", "1.0-0.1", "1.0-1", "1.0-1+b1", "1.0-1.1", "1.0-2~bpo1",
	"1.0-2", "1.0-10", "1.0a", "1.0+dfsg1", "1.0.1", "1.1", "1.10", "2.36-9+deb12u4", "1:0.1", NULL,
};

static void ascending(const char *eco, const char *const *v)
{
	int good = 1;

	for (int i = 0; v[i] && v[i + 1]; i++) {
		if (solve_version_cmp(eco, v[i], v[i + 1]) >= 0 || solve_version_cmp(eco, v[i + 1], v[i]) <= 0) {
			printf("# %s: %s should be < %s\n", eco, v[i], v[i + 1]);
			good = 0;
		}
	}
	ok(good, "%s: tricky versions in ascending order", eco);
}

static int in(const char *eco, const char *v, const char *range)
{
	struct pf_err e = { 0 };

	return solve_version_in_range(eco, v, range, &e);
}

int main(void)
{
	struct pf_err e = { 0 };
	struct pf_buf b = PF_BUF_INIT;

	ascending("pypi", pep);
	ascending("npm", npm);
	ascending("deb", deb);
	is_int(solve_version_cmp("pypi", "1.0", "1.0.0"), 0, "pep440: trailing zeros are equal");
	is_int(solve_version_cmp("pypi", "1.0-1", "1.0.post1"), 0, "pep440: implicit post release");
	is_int(solve_version_cmp("pypi", "1.0RC1", "1.0c1"), 0, "pep440: rc spellings");
	is_int(solve_version_cmp("pypi", "v1.0", "1.0"), 0, "pep440: leading v");
	is_int(solve_version_cmp("npm", "1.0.0+build.1", "1.0.0+other"), 0, "semver: build metadata ignored");
	is_int(solve_version_cmp("deb", "1.0", "1.0-0"), 0, "deb: missing revision equals 0");
	is_int(solve_version_cmp("deb", "0:1.0", "1.0"), 0, "deb: epoch 0 explicit");
	ok(solve_version_key("pypi", "1.0..0", &b, &e) == -PF_EFORMAT && strstr(e.msg, "'1.0..0'"),
	   "pep440: malformed refused (%s)", e.msg);
	ok(solve_version_key("npm", "1.2", &b, NULL) < 0, "semver: two components refused");
	ok(solve_version_key("deb", "1:", &b, NULL) < 0, "deb: empty upstream refused");
	ok(solve_version_key("pypi", "99999999999999999999.0", &b, NULL) < 0, "huge number refused");
	pf_buf_release(&b);
	ok(solve_version_key("deb", "2.36-9+deb12u4", &b, NULL) == 0 && strspn(b.p, "abcdefghijklmnopqrstuvwxyz") == b.len,
	   "keys use letters only");
	pf_buf_release(&b);

	/* PEP 440 specifiers */
	is_int(in("pypi", "2.31.0", ">=2.31"), 1, "pep440 >=");
	is_int(in("pypi", "2.30.9", ">=2.31"), 0, "pep440 >= below");
	is_int(in("pypi", "1.4.5", "~=1.4.2"), 1, "pep440 ~= inside");
	is_int(in("pypi", "1.5.0", "~=1.4.2"), 0, "pep440 ~= next minor");
	is_int(in("pypi", "1.9", "~=1.4"), 1, "pep440 ~=1.4 allows 1.9");
	is_int(in("pypi", "2.0", "~=1.4"), 0, "pep440 ~=1.4 refuses 2.0");
	is_int(in("pypi", "1.1.3", "==1.1.*"), 1, "pep440 ==X.*");
	is_int(in("pypi", "1.10", "==1.1.*"), 0, "pep440 ==1.1.* is not 1.10");
	is_int(in("pypi", "1.1.3", "!=1.1.*"), 0, "pep440 !=X.*");
	is_int(in("pypi", "1.5.7", "!=1.5.7,>=1.5.6"), 0, "pep440 !=");
	is_int(in("pypi", "1.5.8", "!=1.5.7,>=1.5.6"), 1, "pep440 set");
	is_int(in("pypi", "1.0+local", "==1.0"), 1, "pep440 == ignores candidate local");
	is_int(in("pypi", "1.0+local", "==1.0+other"), 0, "pep440 == with local is exact");
	is_int(in("pypi", "1.0.post1", ">1.0"), 0, "pep440 > excludes post of V");
	is_int(in("pypi", "1.0.1", ">1.0"), 1, "pep440 >");
	is_int(in("pypi", "2.0rc1", "<2.0"), 0, "pep440 < excludes pre of V");
	is_int(in("pypi", "1.0", "===1.0"), 1, "pep440 ===");
	is_int(in("pypi", "1.0.0", "===1.0"), 0, "pep440 === is string equality");
	is_int(in("pypi", "1.82.7", ">=1.82.7,<1.82.9"), 1, "advisory range");
	ok(in("pypi", "1.0", "=>1.0") < 0, "pep440 bad operator refused");

	/* npm ranges */
	is_int(in("npm", "1.7.9", "^1.7"), 1, "npm ^");
	is_int(in("npm", "2.0.0", "^1.7"), 0, "npm ^ upper");
	is_int(in("npm", "0.2.9", "^0.2.3"), 1, "npm ^0.x");
	is_int(in("npm", "0.3.0", "^0.2.3"), 0, "npm ^0.x upper");
	is_int(in("npm", "0.0.4", "^0.0.3"), 0, "npm ^0.0.x");
	is_int(in("npm", "1.2.9", "~1.2.3"), 1, "npm ~");
	is_int(in("npm", "1.3.0", "~1.2.3"), 0, "npm ~ upper");
	is_int(in("npm", "1.9.0", "1.x"), 1, "npm x");
	is_int(in("npm", "2.0.0", "1.x"), 0, "npm x upper");
	is_int(in("npm", "5.0.0", "*"), 1, "npm *");
	is_int(in("npm", "2.3.4", "1.2.3 - 2.3.4"), 1, "npm hyphen inclusive");
	is_int(in("npm", "2.3.5", "1.2.3 - 2.3.4"), 0, "npm hyphen upper");
	is_int(in("npm", "2.9.0", "1.2.3 - 2"), 1, "npm hyphen partial upper");
	is_int(in("npm", "0.30.4", "^1.7 || 0.30.4"), 1, "npm ||");
	is_int(in("npm", "1.8.0", ">= 1.7.0 < 1.9"), 1, "npm spaced comparators");
	is_int(in("npm", "1.9.0", ">=1.7.0 <1.9"), 0, "npm < partial");
	is_int(in("npm", "1.14.1", "1.14.1"), 1, "npm exact");
	is_int(in("npm", "1.0.0+b", "=1.0.0"), 1, "npm build metadata ignored in match");
	ok(in("npm", "1.0.0", "^^1") < 0, "npm bad range refused");

	/* Debian */
	is_int(in("deb", "2.36-9", ">= 2.36"), 1, "deb >=");
	is_int(in("deb", "2.36", ">> 2.36"), 0, "deb >>");
	is_int(in("deb", "2.35", "<< 2.36"), 1, "deb <<");
	is_int(in("deb", "2.36~rc1", "<< 2.36"), 1, "deb ~ below");
	is_int(in("deb", "1.0-1", "= 1.0-1"), 1, "deb =");
	return done_testing();
}
