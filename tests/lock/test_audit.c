/* SPDX-License-Identifier: MIT */
/* Unit tests for lock_audit (exact versions, ranges, name rules) and the saved advisories copies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/file.h"
#include "core/time.h"
#include "lock/audit.h"
#include "trust/trust.h"
#include "tap.h"

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
		{ "pypi", "litellm", "1.82.8" },
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

static void test_match(void)
{
	struct advisories a;
	struct lockfile l;
	struct audit_finding *f = NULL;
	struct pf_err e = { 0 };
	size_t n = 0;

	memset(&a, 0, sizeof a);
	if (!ok(advisories_parse(&a, "advisories.yaml", adv_yaml, strlen(adv_yaml), &e) == 0, "parse advisories"))
		printf("# %s\n", e.msg);
	fake_lock(&l);
	is_int(lock_audit(&l, &a, &f, &n, &e), 0, "audit runs");
	is_int(n, 2, "two findings");
	ok(n == 2 && !strcmp(f[0].pkg->name, "axios") && !strcmp(f[0].adv->id, "PF-2026-0002"),
	   "axios 1.14.1 inside the npm range");
	ok(n == 2 && !strcmp(f[1].pkg->name, "litellm") && !strcmp(f[1].adv->id, "PF-2026-0001"),
	   "litellm 1.82.8 by exact version, PyPI name compared normalised (LiteLLM)");
	free(f);

	pkgs[0].version = "1.14.2";
	pkgs[2].version = "1.82.9";
	is_int(lock_audit(&l, &a, &f, &n, &e), 0, "audit of fixed versions");
	is_int(n, 0, "versions outside the advisories are clean");
	free(f);

	pkgs[0].version = "0.30.4";
	pkgs[2].name = "litellm_";	/* not the same project: trailing separator differs */
	is_int(lock_audit(&l, &a, &f, &n, &e), 0, "audit again");
	ok(n == 1 && !strcmp(f[0].pkg->version, "0.30.4"), "second alternative of the range matches");
	free(f);

	pkgs[0].version = "not a version";
	ok(lock_audit(&l, &a, &f, &n, &e) == -PF_EFORMAT && strstr(e.msg, "PF-2026-0002"),
	   "unparseable version against a range is an error naming the advisory");
	pf_err_clear(&e);
	advisories_release(&a);
}

static void test_saved(void)
{
	struct pf_err e = { 0 };
	char *dir = pf_mkdtemp("/tmp", "pf-audit-", &e), *key, *state, *p;
	char id[TRUST_KEYID_HEX];
	struct trust_key *k = NULL;
	struct trust_store *store = trust_store_new(), *other = trust_store_new();
	struct trust_policy pol = { 1, NULL, 0 };
	struct pf_buf sig = PF_BUF_INIT;
	struct advisories a, b;
	time_t at;
	int expired, stale;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	key = pf_path_join(dir, "k.key");
	state = pf_path_join(dir, "state");
	is_int(trust_key_generate(key, id, &e), 0, "generate a key");
	trust_key_load(key, &k, &e);
	p = pf_xasprintf("%s.pub", key);
	trust_store_add_file(store, p, &e);
	free(p);
	trust_sign(k, ADVISORIES_PAYLOAD_TYPE, adv_yaml, strlen(adv_yaml), &sig, &e);
	advisories_parse(&a, "advisories.yaml", adv_yaml, strlen(adv_yaml), &e);
	pf_now_set(1780000000);	/* 2026-05-28 */
	is_int(lock_audit_load_saved(state, "example", store, &pol, &b, &at, &expired, &stale, &e), -PF_ENOTFOUND,
	       "nothing saved yet");
	pf_err_clear(&e);
	trust_state_record(state, "advisories", "example", 2, a.sha256, &e);
	if (!is_int(lock_audit_save(state, &a, adv_yaml, strlen(adv_yaml), sig.p, sig.len, &e), 0, "save a verified copy"))
		printf("# %s\n", e.msg);
	p = pf_path_join(state, "saved-advisories/example/index.tsv");
	{
		struct pf_buf idx = PF_BUF_INIT;

		pf_read_file(p, 1 << 20, &idx, &e);
		ok(idx.p && strstr(idx.p, "pypi\tLiteLLM\t1.82.7\tPF-2026-0001\tcritical\tpublished by attackers"),
		   "index.tsv lists exact versions");
		ok(idx.p && !strstr(idx.p, "axios"), "index.tsv leaves ranges to pinfold audit");
		pf_buf_release(&idx);
	}
	free(p);
	pf_now_set(1780000000 + 3 * 86400);
	is_int(lock_audit_load_saved(state, "example", store, &pol, &b, &at, &expired, &stale, &e), 0, "load the saved copy");
	ok(at == 1780000000 && !expired && b.n == 3, "saved time, not expired, three advisories");
	advisories_release(&b);

	pf_now_set(1800000000);	/* after expiry */
	is_int(lock_audit_load_saved(state, "example", store, &pol, &b, &at, &expired, &stale, &e), 0,
	       "an expired copy still loads");
	ok(expired, "and says it expired");
	advisories_release(&b);

	{
		int r = lock_audit_load_saved(state, "example", other, &pol, &b, &at, &expired, &stale, &e);

		ok(r == -PF_EBADSIG || r == -PF_EUNTRUSTED, "a copy signed by a key not trusted now is refused");
	}
	pf_err_clear(&e);
	trust_store_free(other);

	/* A newer version was seen since: the saved copy is a rollback. */
	ok(trust_state_record(state, "advisories", "example", 3,
			      "abababababababababababababababababababababababababababababababab", &e) == 0,
	   "record a newer version");
	is_int(lock_audit_load_saved(state, "example", store, &pol, &b, &at, &expired, &stale, &e), 0,
	       "older saved copy still loads");
	ok(stale, "flagged stale");
	advisories_release(&b);
	/* The same version with other bytes is a substitution: refused. */
	ok(trust_state_record(state, "advisories", "other", 2,
			      "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd", &e) == 0,
	   "record version 2 of 'other' with other bytes");
	{
		char *o = pf_xstrdup(adv_yaml);
		struct advisories ao;
		struct pf_buf osig = PF_BUF_INIT;

		memcpy(strstr(o, "name: example"), "name: other  ", 13);
		memset(&ao, 0, sizeof ao);
		advisories_parse(&ao, "advisories.yaml", o, strlen(o), &e);
		trust_sign(k, ADVISORIES_PAYLOAD_TYPE, o, strlen(o), &osig, &e);
		is_int(lock_audit_save(state, &ao, o, strlen(o), osig.p, osig.len, &e), 0, "save 'other'");
		is_int(lock_audit_load_saved(state, "other", store, &pol, &b, &at, &expired, &stale, &e),
		       -PF_EROLLBACK, "same version, other bytes: refused");
		pf_err_clear(&e);
		advisories_release(&ao);
		pf_buf_release(&osig);
		free(o);
	}

	/* A tampered byte in the saved copy fails the signature. */
	p = pf_path_join(state, "saved-advisories/example/advisories.yaml");
	{
		char *t = pf_xstrdup(adv_yaml);

		t[strlen(t) - 3] = 'X';
		pf_write_file(p, t, strlen(t), 0644, &e);
		free(t);
	}
	is_int(lock_audit_load_saved(state, "example", store, &pol, &b, &at, &expired, &stale, &e), -PF_EBADSIG,
	       "tampered saved copy refused");
	pf_err_clear(&e);
	free(p);
	is_int(lock_audit_load_saved(state, "../x", store, &pol, &b, &at, &expired, &stale, &e), -PF_EFORMAT,
	       "a name that is a path is refused");

	advisories_release(&a);
	pf_buf_release(&sig);
	trust_key_free(k);
	trust_store_free(store);
	pf_rm_rf(dir);
	free(key);
	free(state);
	free(dir);
}

int main(void)
{
	test_match();
	test_saved();
	return done_testing();
}
