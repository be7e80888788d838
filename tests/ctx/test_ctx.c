/* SPDX-License-Identifier: MIT */
/* Unit tests for ctx/: directories, the one eligibility rule, revocations, saved copies, and a lock's chain of trust. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/file.h"
#include "core/time.h"
#include "ctx/ctx.h"
#include "lock/lock.h"
#include "core/digest.h"
#include "trust/trust.h"
#include "tap.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define NOW 1780000000	/* 2026-05-28T20:26:40Z */

static char *tmp;

static char *at(const char *rel)
{
	return pf_path_join(tmp, rel);
}

/* ---- directories ---- */

static void unset_dirs(void)
{
	unsetenv("PINFOLD_STATE_DIR");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
}

static void test_dirs(void)
{
	struct ctx x;
	struct pf_err e = { 0 };
	const char *d = NULL;
	char *home = at("home"), *shared = at("shared"), *p;
	struct stat st;

	unset_dirs();
	ctx_init(&x);
	ok(ctx_state_dir(&x, &d, &e) == -PF_ENOTFOUND && !d, "no HOME, XDG or PINFOLD variable: an error (%s)", e.msg);
	ok(strstr(e.msg, "never falls back") != NULL, "which says there is no shared fallback");
	pf_err_clear(&e);
	ok(ctx_cache_dir(&x, &d, &e) == -PF_ENOTFOUND, "the same for the cache directory (%s)", e.msg);
	pf_err_clear(&e);
	ok(!pf_exists("/tmp/.local/state/pinfold/catalog/ctx-test-never"), "nothing was made under /tmp");
	setenv("HOME", "relative/home", 1);
	ok(ctx_state_dir(&x, &d, &e) == -PF_ENOTFOUND, "a relative HOME is not used");
	pf_err_clear(&e);
	setenv("XDG_STATE_HOME", "relative", 1);
	ok(ctx_state_dir(&x, &d, &e) == -PF_ENOTFOUND, "nor a relative XDG_STATE_HOME");
	pf_err_clear(&e);
	ctx_release(&x);

	/* HOME: created private, 0700 */
	unset_dirs();
	pf_mkdir_p(home, 0700, &e);
	setenv("HOME", home, 1);
	ctx_init(&x);
	ok(ctx_state_dir(&x, &d, &e) == 0 && d && strstr(d, "/home/.local/state/pinfold"), "HOME/.local/state/pinfold (%s)",
	   e.msg);
	ok(d && stat(d, &st) == 0 && (st.st_mode & 0777) == 0700, "created with mode 0700");
	ok(ctx_cache_dir(&x, &d, &e) == 0 && d && strstr(d, "/home/.cache/pinfold"), "HOME/.cache/pinfold");
	ctx_release(&x);

	/* XDG, then PINFOLD_STATE_DIR, then --state-dir win in that order */
	p = at("xdg");
	setenv("XDG_STATE_HOME", p, 1);
	setenv("XDG_CACHE_HOME", p, 1);
	ctx_init(&x);
	ok(ctx_state_dir(&x, &d, &e) == 0 && !strcmp(d + strlen(d) - strlen("xdg/pinfold"), "xdg/pinfold"),
	   "XDG_STATE_HOME/pinfold before HOME");
	ok(ctx_cache_dir(&x, &d, &e) == 0 && !strcmp(d + strlen(d) - strlen("xdg/pinfold"), "xdg/pinfold"),
	   "XDG_CACHE_HOME/pinfold");
	ctx_release(&x);
	free(p);
	p = at("pfstate");
	setenv("PINFOLD_STATE_DIR", p, 1);
	ctx_init(&x);
	ok(ctx_state_dir(&x, &d, &e) == 0 && !strcmp(d, p), "PINFOLD_STATE_DIR before XDG");
	ctx_release(&x);
	ctx_init(&x);
	x.state_dir_opt = home;
	ok(ctx_state_dir(&x, &d, &e) == 0 && !strcmp(d, home), "--state-dir before everything");
	ctx_release(&x);
	free(p);

	/* group- or other-writable: refused, as ssh refuses ~/.ssh */
	p = at("gw");
	mkdir(p, 0700);
	chmod(p, 0770);
	ok(ctx_private_dir(p, &e) == -PF_EUNTRUSTED && strstr(e.msg, "writable by group or others"),
	   "a group-writable directory is refused (%s)", e.msg);
	pf_err_clear(&e);
	chmod(p, 0707);
	ok(ctx_private_dir(p, &e) == -PF_EUNTRUSTED, "an other-writable one too");
	pf_err_clear(&e);
	chmod(p, 0700);
	ok(ctx_private_dir(p, &e) == 0, "0700 is fine (%s)", e.msg);
	free(p);

	/* a world-writable parent without the sticky bit: someone else could swap the directory */
	mkdir(shared, 0777);
	chmod(shared, 0777);
	p = pf_path_join(shared, "state");
	ok(ctx_private_dir(p, &e) == -PF_EUNTRUSTED && strstr(e.msg, "shared"),
	   "a private directory under a world-writable, non-sticky parent is refused (%s)", e.msg);
	pf_err_clear(&e);
	chmod(shared, 01777);
	ok(ctx_private_dir(p, &e) == 0, "under a sticky one (like /tmp) it is fine (%s)", e.msg);
	free(p);

	/* owned by someone else (only testable as root) */
	if (geteuid() == 0) {
		p = at("theirs");
		mkdir(p, 0700);
		ok(chown(p, 65534, 65534) == 0 && ctx_private_dir(p, &e) == -PF_EUNTRUSTED &&
		   strstr(e.msg, "not owned by you"), "a directory owned by another user is refused (%s)", e.msg);
		pf_err_clear(&e);
		free(p);
	} else {
		ok(1, "# SKIP not root: cannot make a directory owned by another user");
	}

	/* through a symlink: the directory it leads to is what is checked */
	p = at("link-to-gw");
	{
		char *gw = at("gw");

		chmod(gw, 0770);
		symlink(gw, p);
		ok(ctx_private_dir(p, &e) == -PF_EUNTRUSTED, "a symlink to a shared directory is refused");
		pf_err_clear(&e);
		chmod(gw, 0700);
		free(gw);
	}
	free(p);
	unset_dirs();
	free(home);
	free(shared);
}

/* ---- the one eligibility rule ---- */

struct rule_case {
	const char *eco, *adv_name, *adv_version, *adv_range, *name, *version;
	int revoked;			/* 1 revoked, 0 not, -1 cannot be evaluated */
};

static const struct rule_case rule_cases[] = {
	/* PEP 440 equality, exactly */
	{ "pypi", "foo", "1.0", NULL, "foo", "1.0.0", 1 },
	{ "pypi", "foo", "1.0.0", NULL, "foo", "1.0", 1 },
	{ "pypi", "foo", "1.0", NULL, "foo", "v1.0", 1 },
	{ "pypi", "foo", "1.0", NULL, "foo", "0!1.0", 1 },
	{ "pypi", "foo", "1.0a1", NULL, "foo", "1.0.alpha1", 1 },
	{ "pypi", "foo", "1.0.post1", NULL, "foo", "1.0-1", 1 },
	{ "pypi", "foo", "1.0", NULL, "foo", "1.0.post0", 0 },
	{ "pypi", "foo", "1.0", NULL, "foo", "1.0+local", 0 },
	{ "pypi", "foo", "1.0", NULL, "foo", "1.0.1", 0 },
	{ "pypi", "Foo.Bar", "2.0", NULL, "foo_bar", "2.0", 1 },
	{ "pypi", "foo", NULL, ">=1.82.7,<1.83", "foo", "1.82.8", 1 },
	{ "pypi", "foo", NULL, ">=1.82.7,<1.83", "foo", "1.83.0", 0 },
	{ "pypi", "foo", NULL, "==1.0.*", "foo", "1.0.5", 1 },
	/* semver */
	{ "npm", "axios", "1.14.1", NULL, "axios", "1.14.1", 1 },
	{ "npm", "axios", "1.14.1", NULL, "axios", "v1.14.1", 1 },
	{ "npm", "axios", "1.14.1", NULL, "axios", "1.14.1+build.5", 1 },
	{ "npm", "axios", "1.14.1", NULL, "axios", "1.14.10", 0 },
	{ "npm", "axios", "1.14.1", NULL, "axios", "1.14.1-rc.1", 0 },
	{ "npm", "axios", NULL, "^1.14.0 || 0.30.4", "axios", "0.30.4", 1 },
	{ "npm", "axios", NULL, ">=1.14.1 <1.14.2", "axios", "1.14.2", 0 },
	{ "npm", "Left-Pad", "1.3.0", NULL, "left-pad", "1.3.0", 0 },
	/* Debian epochs and revisions */
	{ "deb", "libfoo", "2.0-1", NULL, "libfoo", "0:2.0-1", 1 },
	{ "deb", "libfoo", "2.0-1", NULL, "libfoo", "1:2.0-1", 0 },
	{ "deb", "libfoo", "1:2.0-1", NULL, "libfoo", "2.0-1", 0 },
	{ "deb", "libfoo", "2.0", NULL, "libfoo", "2.0-0", 1 },
	{ "deb", "libfoo", "2.0-1", NULL, "libfoo", "2.0-1+deb12u1", 0 },
	{ "deb", "libfoo", NULL, ">= 2.0-1, << 2.1", "libfoo", "2.0-3", 1 },
	/* a range that cannot be evaluated for the version: undecided, never eligible */
	{ "npm", "axios", NULL, ">=1.0.0", "axios", "not-a-version", -1 },
};

static void test_rule(void)
{
	for (size_t i = 0; i < sizeof rule_cases / sizeof *rule_cases; i++) {
		const struct rule_case *rc = &rule_cases[i];
		const char *vs[1] = { rc->adv_version };
		struct advisory a = { "PF-T", rc->eco, rc->adv_name, rc->adv_version ? vs : NULL,
				      rc->adv_version ? 1 : 0, rc->adv_range, "bad", NULL, "high", "2026-01-01" };
		struct advisories set;
		struct solve_policy pol;
		struct ctx x;
		const struct advisory *by = NULL;
		int code = 0;
		char *why;

		memset(&set, 0, sizeof set);
		set.items = &a;
		set.n = 1;
		ctx_init(&x);
		ctx_policy(&x, 0, 0, &set, &pol);
		why = solve_policy_check(&pol, rc->eco, rc->name, rc->version, "2020-01-01", &code, &by);
		ok(solve_advisory_covers(&a, rc->eco, rc->name, rc->version) == rc->revoked &&
		   (rc->revoked == 1 ? code == PF_EREVOKED && by == &a : rc->revoked ? code == PF_EFORMAT && why : !why),
		   "%s advisory %s %s vs %s %s: %s", rc->eco, rc->adv_name, rc->adv_version ? rc->adv_version : rc->adv_range,
		   rc->name, rc->version, rc->revoked == 1 ? "revoked" : rc->revoked ? "undecided, not eligible" : "eligible");
		free(why);
		ctx_release(&x);
	}
	/* release age */
	{
		struct solve_policy pol;
		struct ctx x;
		time_t cut;
		int code;
		char *why;

		ctx_init(&x);
		x.now = NOW;	/* 2026-05-28 */
		ctx_policy(&x, 7, 0, NULL, &pol);
		why = solve_policy_check(&pol, "npm", "a", "1.0.0", "2026-05-21", &code, NULL);
		ok(!why, "published 7 days before today: eligible with a 7-day delay");
		free(why);
		why = solve_policy_check(&pol, "npm", "a", "1.0.0", "2026-05-22", &code, NULL);
		ok(why && code == PF_ETOOYOUNG && strstr(why, "published 6 days ago, policy requires 7"),
		   "6 days: too young (%s)", why ? why : "");
		free(why);
		why = solve_policy_check(&pol, "npm", "a", "1.0.0", NULL, &code, NULL);
		ok(why && code == PF_ETOOYOUNG, "no publication date under an age policy: not eligible");
		free(why);
		pf_time_parse("2026-05-01T00:00:00Z", &cut);
		ctx_policy(&x, 7, cut, NULL, &pol);
		why = solve_policy_check(&pol, "npm", "a", "1.0.0", "2026-05-10", &code, NULL);
		ok(why && code == PF_ETOOYOUNG && strstr(why, "after the lock's release-age cutoff 2026-05-01"),
		   "old enough today but after the lock's cutoff: not eligible (%s)", why ? why : "");
		free(why);
		ok(solve_age_cutoff(NOW, 7) == NOW - NOW % 86400 - 7 * 86400, "the cutoff is day-granular");
		ctx_release(&x);
	}
}

/* ---- revocations and the saved copies ---- */

static const char adv_yaml[] =
	"format: pinfold-advisories/1\n"
	"name: example\n"
	"version: 2\n"
	"expires: 2026-12-01T00:00:00Z\n"
	"advisories:\n"
	"  - id: PF-2026-0001\n"
	"    ecosystem: pypi\n"
	"    name: LiteLLM\n"
	"    versions: [\"1.82.7\", \"1.82.8\"]\n"
	"    reason: \"published by attackers; steals credentials\"\n"
	"    advice: \"rotate every credential\"\n"
	"    severity: critical\n"
	"    published: 2026-03-24\n"
	"  - id: PF-2026-0002\n"
	"    ecosystem: npm\n"
	"    name: axios\n"
	"    versions: \">=1.14.1 <1.14.2 || 0.30.4\"\n"
	"    reason: \"malicious release\"\n"
	"    advice: \"rotate\"\n"
	"    severity: high\n"
	"    published: 2026-03-31\n"
	"  - id: PF-2026-0003\n"
	"    ecosystem: npm\n"
	"    name: Left-Pad\n"
	"    versions: [\"1.3.0\"]\n"
	"    reason: \"npm names are case-sensitive: this one does not match\"\n"
	"    advice: \"none\"\n"
	"    severity: low\n"
	"    published: 2026-01-01\n";

static struct lock_pkg pkgs[5];

static void fake_lock(struct lockfile *l)
{
	static const char *const rows[][3] = {
		{ "npm", "axios", "1.14.1" },
		{ "npm", "left-pad", "1.3.0" },
		{ "pypi", "litellm", "1.82.8.0" },
		{ "pypi", "requests", "2.32.3" },
		{ "npm", "axios-extra", "0.30.4" },
	};

	memset(l, 0, sizeof *l);
	memset(pkgs, 0, sizeof pkgs);
	for (size_t i = 0; i < 5; i++) {
		pkgs[i].ecosystem = rows[i][0];
		pkgs[i].name = rows[i][1];
		pkgs[i].version = rows[i][2];
	}
	l->catalog_name = "example";
	l->pkgs = pkgs;
	l->npkgs = 5;
}

static void test_revocations(void)
{
	struct advisories a;
	struct lockfile l;
	struct ctx_finding *f = NULL;
	struct pf_err e = { 0 };
	size_t n = 0;

	memset(&a, 0, sizeof a);
	ok(advisories_parse(&a, "advisories.yaml", adv_yaml, strlen(adv_yaml), &e) == 0, "parse advisories (%s)", e.msg);
	fake_lock(&l);
	is_int(ctx_revocations(&l, &a, &f, &n, &e), 0, "revocations found");
	is_int(n, 2, "two findings");
	ok(n == 2 && !strcmp(f[0].pkg->name, "axios") && !strcmp(f[0].adv->id, "PF-2026-0002"),
	   "axios 1.14.1 inside the npm range");
	ok(n == 2 && !strcmp(f[1].pkg->name, "litellm") && !strcmp(f[1].adv->id, "PF-2026-0001"),
	   "litellm 1.82.8.0 is 1.82.8 (PEP 440), name compared normalised (LiteLLM)");
	free(f);

	pkgs[0].version = "1.14.2";
	pkgs[2].version = "1.82.9";
	is_int(ctx_revocations(&l, &a, &f, &n, &e), 0, "fixed versions");
	is_int(n, 0, "versions outside the advisories are clean");
	free(f);

	pkgs[0].version = "0.30.4";
	pkgs[2].name = "litellm_";	/* not the same project: trailing separator differs */
	is_int(ctx_revocations(&l, &a, &f, &n, &e), 0, "again");
	ok(n == 1 && !strcmp(f[0].pkg->version, "0.30.4"), "second alternative of the range matches");
	free(f);

	pkgs[0].version = "not a version";
	ok(ctx_revocations(&l, &a, &f, &n, &e) == -PF_EFORMAT && strstr(e.msg, "PF-2026-0002"),
	   "unparseable version against a range is an error naming the advisory");
	pf_err_clear(&e);
	advisories_release(&a);
}

/* A context over dir: its own state dir, key.pub trusted, the clock at now. */
static void test_ctx(struct ctx *x, const char *dir, const char *pub, time_t now)
{
	ctx_init(x);
	x->now = now;
	x->state_dir_opt = dir;
	pf_strv_push(&x->trust_files, pub);
}

static void test_saved(void)
{
	struct pf_err e = { 0 };
	char id[TRUST_KEYID_HEX];
	char *key = at("s.key"), *pub = at("s.key.pub"), *state = at("saved-state"), *okey = at("o.key"),
	     *opub = at("o.key.pub"), *p;
	struct trust_key *k = NULL;
	struct pf_buf sig = PF_BUF_INIT;
	struct advisories a;
	struct lockfile l;
	struct ctx x;
	struct ctx_adv out;
	struct catalog cat;
	const char *sdir;

	memset(&a, 0, sizeof a);
	memset(&cat, 0, sizeof cat);
	memset(&l, 0, sizeof l);
	l.catalog_name = "example";
	is_int(trust_key_generate(key, id, &e), 0, "generate a key");
	trust_key_generate(okey, id, &e);
	trust_key_load(key, &k, &e);
	trust_sign(k, ADVISORIES_PAYLOAD_TYPE, adv_yaml, strlen(adv_yaml), &sig, &e);
	advisories_parse(&a, "advisories.yaml", adv_yaml, strlen(adv_yaml), &e);

	test_ctx(&x, state, pub, NOW);
	is_int(ctx_advisories_open(&x, &l, NULL, 1, &out, &e), -PF_ENOTFOUND, "nothing saved yet");
	pf_err_clear(&e);
	ctx_state_dir(&x, &sdir, &e);
	{
		const char *signers[1];
		char kid[TRUST_KEYID_HEX];
		struct trust_doc d = { "advisories", "example", 2, a.sha256, signers, 1, NULL };

		snprintf(kid, sizeof kid, "%s", trust_key_id(k));
		signers[0] = kid;
		trust_state_record(sdir, &d, &e);
	}
	/* a catalog whose versions a range is listed as */
	cat.name = "example";
	{
		static struct catalog_pkg cp[3];

		memset(cp, 0, sizeof cp);
		cp[0] = (struct catalog_pkg){ .ecosystem = "npm", .name = "axios", .version = "1.14.1" };
		cp[1] = (struct catalog_pkg){ .ecosystem = "npm", .name = "axios", .version = "1.14.2" };
		cp[2] = (struct catalog_pkg){ .ecosystem = "npm", .name = "axios", .version = "0.30.4" };
		cat.pkgs = cp;
		cat.npkgs = 3;
	}
	if (!is_int(ctx_saved_write(&x, &a, adv_yaml, strlen(adv_yaml), sig.p, sig.len, &cat, &e), 0,
		    "save a verified copy"))
		printf("# %s\n", e.msg);
	p = pf_path_join(state, "saved-advisories/example/index.tsv");
	{
		struct pf_buf idx = PF_BUF_INIT;

		pf_read_file(p, 1 << 20, &idx, &e);
		ok(idx.p && strstr(idx.p, "pypi\tLiteLLM\t1.82.7\tPF-2026-0001\tcritical\tpublished by attackers"),
		   "index.tsv lists exact versions in their first six columns");
		ok(idx.p && strstr(idx.p, "\tlitellm\t"), "and the normalised name beside them");
		{
			struct pf_buf key1 = PF_BUF_INIT, key2 = PF_BUF_INIT;

			solve_match_key("pypi", "LiteLLM", "1.82.7", &key1);
			solve_match_key("pypi", "litellm", "1.82.7.0", &key2);
			ok(!strcmp(pf_buf_cstr(&key1), pf_buf_cstr(&key2)) && idx.p && strstr(idx.p, key1.p),
			   "the comparison key: 1.82.7 and 1.82.7.0 give the same one, and the index has it");
			pf_buf_release(&key1);
			pf_buf_release(&key2);
		}
		ok(idx.p && strstr(idx.p, "npm\taxios\t1.14.1\tPF-2026-0002") && strstr(idx.p, "npm\taxios\t0.30.4\tPF-2026-0002"),
		   "a range is listed as the catalog versions it covers");
		ok(idx.p && !strstr(idx.p, "axios\t1.14.2"), "and not the ones it does not cover");
		pf_buf_release(&idx);
	}
	free(p);
	ctx_release(&x);

	test_ctx(&x, state, pub, NOW + 3 * 86400);
	is_int(ctx_advisories_open(&x, &l, NULL, 1, &out, &e), 0, "load the saved copy");
	ok(out.saved && out.saved_at == NOW && !out.expired && out.a.n == 3, "saved time, not expired, three advisories");
	ctx_adv_release(&out);
	ctx_release(&x);

	test_ctx(&x, state, pub, 1800000000);	/* after expiry */
	is_int(ctx_advisories_open(&x, &l, NULL, 1, &out, &e), 0, "an expired copy still loads");
	ok(out.expired, "and says it expired");
	ctx_adv_release(&out);
	ctx_release(&x);

	test_ctx(&x, state, opub, NOW);
	{
		int r = ctx_advisories_open(&x, &l, NULL, 1, &out, &e);

		ok(r == -PF_EBADSIG || r == -PF_EUNTRUSTED, "a copy signed by a key not trusted now is refused");
	}
	pf_err_clear(&e);
	ctx_release(&x);

	/* A newer version was seen since: the saved copy is stale, still used. */
	test_ctx(&x, state, pub, NOW);
	ctx_state_dir(&x, &sdir, &e);
	{
		const char *signers[1];
		char kid[TRUST_KEYID_HEX];
		struct trust_doc d = { "advisories", "example", 3,
				       "abababababababababababababababababababababababababababababababab", signers, 1, NULL };

		snprintf(kid, sizeof kid, "%s", trust_key_id(k));
		signers[0] = kid;
		ok(trust_state_record(sdir, &d, &e) == 0, "record a newer version");
	}
	is_int(ctx_advisories_open(&x, &l, NULL, 1, &out, &e), 0, "older saved copy still loads");
	ok(out.stale, "flagged stale");
	ctx_adv_release(&out);

	/* A tampered byte in the saved copy fails the signature. */
	p = pf_path_join(state, "saved-advisories/example/advisories.yaml");
	{
		char *t = pf_xstrdup(adv_yaml);

		t[strlen(t) - 3] = 'X';
		pf_write_file(p, t, strlen(t), 0644, &e);
		free(t);
	}
	is_int(ctx_advisories_open(&x, &l, NULL, 1, &out, &e), -PF_EBADSIG, "tampered saved copy refused");
	pf_err_clear(&e);
	free(p);
	l.catalog_name = "../x";
	ok(ctx_advisories_open(&x, &l, NULL, 1, &out, &e) < 0, "a name that is a path is refused");
	pf_err_clear(&e);
	ctx_release(&x);

	advisories_release(&a);
	pf_buf_release(&sig);
	trust_key_free(k);
	free(key);
	free(pub);
	free(okey);
	free(opub);
	free(state);
}

/* ---- a lock's chain of trust ---- */

static const char cat_yaml[] =
	"format: pinfold-catalog/1\n"
	"name: demo\n"
	"version: %d\n"
	"expires: 2026-12-22T00:00:00Z\n"
	"policy: {min_age_days: 7}\n"
	"packages:\n"
	"  - ecosystem: npm\n"
	"    name: axios\n"
	"    version: 1.13.6\n"
	"    published: 2026-01-10\n"
	"    artifact: {file: axios-1.13.6.tgz, format: npm, size: 100, sha256: " SHA_A "}\n"
	"  - ecosystem: pypi\n"
	"    name: foo\n"
	"    version: \"1.0.0\"\n"
	"    published: 2026-01-10\n"
	"    artifact: {file: foo-1.0.0-py3-none-any.whl, format: wheel, size: 200, sha256: " SHA_B "}\n"
	"%s";

static const char adv_demo[] =
	"format: pinfold-advisories/1\n"
	"name: %s\n"
	"version: 1\n"
	"expires: 2026-12-01T00:00:00Z\n"
	"advisories:\n"
	"  - id: PF-DEMO-1\n"
	"    ecosystem: pypi\n"
	"    name: foo\n"
	"    versions: [\"1.0\"]\n"
	"    reason: \"bad release\"\n"
	"    severity: high\n"
	"    published: 2026-02-01\n";

static void write_signed(const char *dir, const char *file, const char *sigfile, const char *type, const char *text,
			 const struct trust_key *k)
{
	struct pf_err e = { 0 };
	struct pf_buf sig = PF_BUF_INIT;
	char *p = pf_path_join(dir, file), *s = pf_path_join(dir, sigfile);

	trust_sign(k, type, text, strlen(text), &sig, &e);
	pf_write_file(p, text, strlen(text), 0644, &e);
	pf_write_file(s, sig.p, sig.len, 0644, &e);
	pf_buf_release(&sig);
	free(p);
	free(s);
}

static void demo_catalog(const char *dir, int version, const char *extra, const char *advname,
			 const struct trust_key *k)
{
	struct pf_err e = { 0 };
	char *c = pf_xasprintf(cat_yaml, version, extra), *a = advname ? pf_xasprintf(adv_demo, advname) : NULL;

	pf_mkdir_p(dir, 0755, &e);
	write_signed(dir, CATALOG_FILE, CATALOG_SIG, CATALOG_PAYLOAD_TYPE, c, k);
	if (a)
		write_signed(dir, ADVISORIES_FILE, ADVISORIES_SIG, ADVISORIES_PAYLOAD_TYPE, a, k);
	free(c);
	free(a);
}

/* A lock of the demo catalog at dir, as `pinfold lock` would write it, with one edit. */
static int demo_lock(struct lockfile *l, const char *dir, const char *edit_from, const char *edit_to)
{
	struct pf_err e = { 0 };
	struct pf_buf cb = PF_BUF_INIT;
	char *cp = pf_path_join(dir, CATALOG_FILE), *text, *edited;
	char sha[PF_SHA256_HEX];
	const char *hit;
	int rc;

	pf_read_file(cp, 1 << 20, &cb, &e);
	pf_sha256_hex(cb.p, cb.len, sha);
	text = pf_xasprintf("format: pinfold-lock/1\n"
			    "image: {name: t, sha256: %064d}\n"
			    "catalog: {name: demo, version: 1, sha256: %s, keys: [], source: cat}\n"
			    "policy: {min_age_days: 7, age_cutoff: \"2026-05-21T00:00:00Z\"}\n"
			    "source_date_epoch: 1768003200\n"
			    "packages:\n"
			    "  - ecosystem: npm\n    name: axios\n    version: 1.13.6\n"
			    "    artifact: {file: axios-1.13.6.tgz, format: npm, size: 100, sha256: " SHA_A "}\n"
			    "  - ecosystem: pypi\n    name: foo\n    version: \"1.0.0\"\n"
			    "    artifact: {file: foo-1.0.0-py3-none-any.whl, format: wheel, size: 200, sha256: " SHA_B "}\n",
			    0, sha);
	hit = edit_from ? strstr(text, edit_from) : NULL;
	edited = hit ? pf_xasprintf("%.*s%s%s", (int)(hit - text), text, edit_to, hit + strlen(edit_from))
		     : pf_xstrdup(text);
	rc = lock_parse(l, "app.lock", edited, strlen(edited), &e);
	if (rc)
		printf("# lock_parse: %s\n", e.msg);
	free(text);
	free(edited);
	free(cp);
	pf_buf_release(&cb);
	return rc;
}

static int check(struct ctx *x, const char *lockdir, const char *from, const char *to, struct ctx_lock_check *chk,
		 struct pf_err *e)
{
	struct lockfile l;
	struct ctx_lock_src src = { "app.lock", lockdir, NULL };
	char *cat = pf_path_join(lockdir, "cat");
	int rc;

	memset(chk, 0, sizeof *chk);
	pf_err_clear(e);
	if (demo_lock(&l, cat, from, to)) {
		free(cat);
		return 99;
	}
	rc = ctx_lock_check(x, &l, &src, chk, e);
	ctx_lock_check_release(chk);
	lock_release(&l);
	free(cat);
	return rc;
}

static void test_lockcheck(void)
{
	struct pf_err e = { 0 };
	char id[TRUST_KEYID_HEX];
	char *key = at("l.key"), *pub = at("l.key.pub"), *okey = at("lo.key"), *dir = at("proj"), *cat = at("proj/cat");
	struct trust_key *k = NULL, *ok_ = NULL;
	struct ctx_lock_check chk;
	struct ctx x;
	int rc;

	trust_key_generate(key, id, &e);
	trust_key_generate(okey, id, &e);
	trust_key_load(key, &k, &e);
	trust_key_load(okey, &ok_, &e);
	demo_catalog(cat, 1, "", NULL, k);
	{
		char *st = at("lstate");

		test_ctx(&x, st, pub, NOW);
		x.state_dir_opt = NULL;
		x.state_dir = st;	/* owned by x from here */
		ctx_private_dir(st, &e);
	}

	is_int(check(&x, dir, NULL, NULL, &chk, &e), 0, "a lock as written passes");
	rc = check(&x, dir, "size: 100, sha256: " SHA_A, "size: 100, sha256: " SHA_C, &chk, &e);
	ok(rc == -PF_EDIGEST && strstr(e.msg, "app.lock: npm:axios 1.13.6: artifact sha256 " SHA_C
				       " is not the catalog's " SHA_A), "other bytes of the same size: refused (%s)", e.msg);
	rc = check(&x, dir, "size: 100,", "size: 101,", &chk, &e);
	ok(rc == -PF_EDIGEST && strstr(e.msg, "artifact size 101 is not the catalog's 100"), "another size (%s)", e.msg);
	rc = check(&x, dir, "file: axios-1.13.6.tgz", "file: axios-evil.tgz", &chk, &e);
	ok(rc == -PF_EDIGEST && strstr(e.msg, "artifact file"), "another file name (%s)", e.msg);
	rc = check(&x, dir, "format: npm", "format: generic", &chk, &e);
	ok(rc == -PF_EDIGEST && strstr(e.msg, "artifact format"), "another format (%s)", e.msg);
	rc = check(&x, dir, "name: axios\n    version: 1.13.6", "name: axios\n    version: 1.14.1", &chk, &e);
	ok(rc == -PF_ECHECK && strstr(e.msg, "npm:axios 1.14.1 is not in catalog 'demo' version 1: not vetted"),
	   "a package not in the catalog (%s)", e.msg);
	rc = check(&x, dir, ", source: cat}", "}", &chk, &e);
	ok(rc == -PF_ECHECK && strstr(e.msg, "names no catalog"), "a dropped source: refused, never trusted (%s)", e.msg);
	rc = check(&x, dir, "source: cat}", "source: gone}", &chk, &e);
	ok(rc == -PF_ECHECK && strstr(e.msg, "no reachable catalog") && strstr(e.msg, "gone"),
	   "an unreachable catalog: refused naming what was tried (%s)", e.msg);
	rc = check(&x, dir, "name: demo, version: 1", "name: other, version: 1", &chk, &e);
	ok(rc == -PF_EUNTRUSTED && strstr(e.msg, "'demo' is not the catalog 'other' that is pinned"),
	   "another catalog name (%s)", e.msg);
	rc = check(&x, dir, "name: demo, version: 1", "name: demo, version: 2", &chk, &e);
	ok(rc == -PF_EROLLBACK && strstr(e.msg, "older than version 2"), "a catalog older than the lock's (%s)", e.msg);
	rc = check(&x, dir, "age_cutoff: \"2026-05-21", "age_cutoff: \"2025-05-21", &chk, &e);
	ok(rc == -PF_ETOOYOUNG && strstr(e.msg, "after the lock's release-age cutoff"),
	   "a package published after the lock's cutoff (%s)", e.msg);
	rc = check(&x, dir, "size: 100, sha256: " SHA_A, "size: 100, sha256: " SHA_C, &chk, &e);
	rc = check(&x, dir, "    artifact: {file: foo-1.0.0-py3-none-any.whl, format: wheel, size: 200",
		   "    artifact: {file: foo-1.0.0-py3-none-any.whl, format: wheel, size: 201", &chk, &e);
	ok(rc == -PF_EDIGEST, "the second package is checked too");

	/* a newer catalog: fine while every locked artifact is in it; a dropped package is "no longer vetted" */
	demo_catalog(cat, 2, "  - ecosystem: npm\n    name: extra\n    version: 1.0.0\n    published: 2026-01-10\n"
			     "    artifact: {file: extra-1.0.0.tgz, format: npm, size: 1, sha256: " SHA_C "}\n", NULL, k);
	is_int(check(&x, dir, NULL, NULL, &chk, &e), 0, "a newer catalog that still has every locked artifact passes");
	{
		char *c3 = pf_xasprintf("format: pinfold-catalog/1\nname: demo\nversion: 3\nexpires: 2026-12-22T00:00:00Z\n"
					"policy: {min_age_days: 7}\npackages:\n"
					"  - ecosystem: pypi\n    name: foo\n    version: \"1.0.0\"\n    published: 2026-01-10\n"
					"    artifact: {file: foo-1.0.0-py3-none-any.whl, format: wheel, size: 200, sha256: "
					SHA_B "}\n");

		write_signed(cat, CATALOG_FILE, CATALOG_SIG, CATALOG_PAYLOAD_TYPE, c3, k);
		free(c3);
	}
	rc = check(&x, dir, NULL, NULL, &chk, &e);
	ok(rc == -PF_ECHECK && strstr(e.msg, "npm:axios 1.13.6 is not in catalog 'demo' version 3: no longer vetted; re-lock"),
	   "a package the newer catalog dropped (%s)", e.msg);

	/* revocations from the catalog's own advisories, in another PEP 440 spelling */
	demo_catalog(cat, 4, "", "demo", k);
	{
		struct lockfile l;
		struct ctx_lock_src src = { "app.lock", dir, NULL };

		demo_lock(&l, cat, NULL, NULL);
		rc = ctx_lock_check(&x, &l, &src, &chk, &e);
		ok(rc == 0 && chk.nrevoked == 1 && !strcmp(chk.revoked[0].pkg->version, "1.0.0") &&
		   !strcmp(chk.revoked[0].adv->id, "PF-DEMO-1"), "advisory foo 1.0 revokes locked foo 1.0.0 (%s)", e.msg);
		ctx_lock_check_release(&chk);
		lock_release(&l);
	}
	/* advisories under another name than the catalog's: refused */
	demo_catalog(cat, 5, "", "someone-else", k);
	rc = check(&x, dir, NULL, NULL, &chk, &e);
	ok(rc == -PF_EUNTRUSTED && strstr(e.msg, "advisories 'someone-else'"),
	   "advisories that do not carry the catalog's name are refused (%s)", e.msg);
	/* advisories dropped after they were seen: refused */
	demo_catalog(cat, 6, "", NULL, k);
	{
		char *a = pf_path_join(cat, ADVISORIES_FILE), *s = pf_path_join(cat, ADVISORIES_SIG);

		unlink(a);
		unlink(s);
		free(a);
		free(s);
	}
	/*
	 * advisories dropped after they were seen: the copy kept here is used (a catalog may publish
	 * them only at its advisories.urls), never "nothing revoked"; without a usable copy: refused
	 */
	rc = check(&x, dir, NULL, NULL, &chk, &e);
	ok(rc == 0, "advisories dropped later: the lock still checks (%s)", e.msg);
	{
		struct ctx_catalog cc;

		rc = ctx_catalog_open(&x, cat, NULL, &cc, &e);
		ok(rc == 0 && cc.has_adv && !strcmp(cc.adv.name, "demo"),
		   "... against the advisories kept here, never as 'nothing revoked' (%s)", e.msg);
		ctx_catalog_release(&cc);
	}
	{
		const char *state = NULL;
		char *kept;

		ctx_state_dir(&x, &state, &e);
		kept = pf_xasprintf("%s/" CTX_SAVED_DIR "/demo/" ADVISORIES_FILE, state);
		pf_write_file(kept, "format: pinfold-advisories/1\nname: demo\n", 40, 0644, &e);
		free(kept);
	}
	rc = check(&x, dir, NULL, NULL, &chk, &e);
	ok(rc == -PF_EROLLBACK && strstr(e.msg, "were verified before"),
	   "advisories dropped later and the kept copy tampered with: refused (%s)", e.msg);

	/* a second catalog of the same name, signed only by another trusted key, cannot reset the floor */
	{
		char *opub = at("lo.key.pub");

		pf_strv_push(&x.trust_files, opub);
		free(opub);
	}
	trust_store_free(x.trust);	/* reloaded with both keys on next use */
	x.trust = NULL;
	demo_catalog(cat, 100, "", NULL, ok_);
	rc = check(&x, dir, NULL, NULL, &chk, &e);
	ok(rc == -PF_EROLLBACK && strstr(e.msg, "different catalog under the same name"),
	   "same name, another publisher's key: refused (%s)", e.msg);
	ctx_release(&x);

	trust_key_free(k);
	trust_key_free(ok_);
	free(key);
	free(pub);
	free(okey);
	free(dir);
	free(cat);
}

int main(void)
{
	struct pf_err e = { 0 };

	tmp = pf_mkdtemp("/tmp", "pf-ctx-", &e);
	if (!tmp)
		return 1;
	test_dirs();
	test_rule();
	test_revocations();
	test_saved();
	test_lockcheck();
	pf_rm_rf(tmp);
	free(tmp);
	return done_testing();
}
