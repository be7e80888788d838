/* SPDX-License-Identifier: MIT */
/* Unit tests for trust/root.c: the strict root.yaml parse, self-signature, the N -> N+1 rule, the built-in root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/mem.h"
#include "trust/root.h"
#include "trust/trust.h"
#include "tap.h"

static char *dir;
static struct trust_key *keys[4];
static char ids[4][TRUST_KEYID_HEX];
static char pubs[4][65];

static void mkkeys(void)
{
	for (int i = 0; i < 4; i++) {
		struct pf_err e = { 0 };
		char name[16], *p, *pub;
		FILE *f;
		char cmd[512];

		snprintf(name, sizeof name, "k%d", i);
		p = pf_path_join(dir, name);
		if (trust_key_generate(p, ids[i], &e) || trust_key_load(p, &keys[i], &e))
			printf("# key %s: %s\n", name, e.msg);
		/* the raw public key, as root.yaml writes it: the last 32 bytes of the DER SubjectPublicKeyInfo */
		pub = pf_xasprintf("%s.pub", p);
		snprintf(cmd, sizeof cmd, "openssl pkey -pubin -in '%s' -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \\n'",
			 pub);
		f = popen(cmd, "r");
		if (!f || !fgets(pubs[i], sizeof pubs[i], f))
			printf("# cannot read the raw public key of %s\n", name);
		if (f)
			pclose(f);
		free(pub);
		free(p);
	}
}

/* A root: version v, the root role (key indexes rk, threshold rt), catalog and advisories role key 1. */
static void mkroot(struct pf_buf *b, long long v, const char *expires, const int *rk, size_t nrk, int rt)
{
	pf_buf_addf(b, "format: pinfold-root/1\nversion: %lld\nexpires: %s\nkeys:\n", v, expires);
	for (int i = 0; i < 4; i++)
		pf_buf_addf(b, "  %s: {type: ed25519, public: %s}\n", ids[i], pubs[i]);
	pf_buf_addf(b, "roles:\n  root:\n    keys: [");
	for (size_t i = 0; i < nrk; i++)
		pf_buf_addf(b, "%s%s", i ? ", " : "", ids[rk[i]]);
	pf_buf_addf(b, "]\n    threshold: %d\n", rt);
	pf_buf_addf(b, "  catalog: {keys: [%s], threshold: 1}\n  advisories: {keys: [%s], threshold: 1}\n", ids[1],
		    ids[1]);
}

static void sign(const struct pf_buf *data, const int *k, size_t nk, struct pf_buf *sig)
{
	struct pf_err e = { 0 };

	for (size_t i = 0; i < nk; i++)
		if (trust_sign(keys[k[i]], TRUST_ROOT_PAYLOAD_TYPE, data->p, data->len, sig, &e))
			printf("# sign: %s\n", e.msg);
}

static int load(const struct pf_buf *d, const struct pf_buf *s, struct trust_root *r, struct pf_err *e)
{
	memset(e, 0, sizeof *e);
	return trust_root_load("t.root.yaml", d->p, d->len, s->p ? s->p : "", s->len, r, e);
}

static void test_parse(void)
{
	static const int k0[] = { 0 }, k01[] = { 0, 1 };
	struct {
		const char *what, *from, *to, *want;
	} bad[] = {
		{ "another format", "pinfold-root/1", "pinfold-root/9", "is not pinfold-root/1" },
		{ "version 0", "version: 1", "version: 0", "version" },
		{ "a negative version", "version: 1", "version: -1", "version" },
		{ "a bad expiry", "2030-01-01T00:00:00Z", "tomorrow", "is not an RFC 3339 UTC time" },
		{ "a key type other than ed25519", "type: ed25519", "type: rsa", "is not supported" },
		{ "uppercase hex", NULL, NULL, "lowercase hex" },
		{ "threshold 0", "threshold: 1\n  catalog", "threshold: 0\n  catalog", "threshold" },
		{ "threshold above the role's keys", "threshold: 1\n  catalog", "threshold: 3\n  catalog",
		  "can never be met" },
		{ "a role naming an unknown key", "catalog: {keys: [", "catalog: {keys: [0000000000000000000000000000000000000000000000000000000000000000, ",
		  "is not in keys" },
		{ "a missing role", "  advisories:", "  advisorie:", "advisorie" },
		{ "an unknown top-level field", "roles:", "extra: 1\nroles:", "extra" },
	};
	struct pf_buf good = PF_BUF_INIT, sig = PF_BUF_INIT;
	struct trust_root r;
	struct pf_err e;

	mkroot(&good, 1, "2030-01-01T00:00:00Z", k01, 2, 1);
	sign(&good, k0, 1, &sig);
	ok(!load(&good, &sig, &r, &e) && r.version == 1 && r.roles[TRUST_ROLE_ROOT].threshold == 1 &&
	   r.roles[TRUST_ROLE_ROOT].keys.n == 2 && trust_store_count(r.keys) == 4,
	   "a well-formed root signed by one of its root keys loads (%s)", e.msg);
	ok(!strcmp(r.expires_s, "2030-01-01T00:00:00Z"), "its expiry is read");
	trust_root_release(&r);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pf_buf b = PF_BUF_INIT;
		const char *at;
		int rc;

		if (bad[i].from) {
			at = strstr(good.p, bad[i].from);
			pf_buf_add(&b, good.p, (size_t)(at - good.p));
			pf_buf_adds(&b, bad[i].to);
			pf_buf_adds(&b, at + strlen(bad[i].from));
		} else {
			/* the first key's public hex in uppercase */
			pf_buf_add(&b, good.p, good.len);
			at = strstr(b.p, pubs[0]);
			for (char *q = (char *)at; q < at + 64; q++)
				if (*q >= 'a' && *q <= 'f')
					*q = (char)(*q - 'a' + 'A');
		}
		memset(&e, 0, sizeof e);
		rc = trust_root_parse("t.root.yaml", b.p, b.len, &r, &e);
		ok(rc == -PF_EFORMAT && strstr(e.msg, bad[i].want) && strstr(e.msg, "t.root.yaml"),
		   "refused: %s (%s)", bad[i].what, e.msg);
		trust_root_release(&r);
		pf_buf_release(&b);
	}
	{
		struct pf_buf b = PF_BUF_INIT;
		const char *at = strstr(good.p, ids[2]);

		/* key 2's entry under key 3's id: the id is not the SHA-256 of that key */
		pf_buf_add(&b, good.p, (size_t)(at - good.p));
		pf_buf_adds(&b, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
		pf_buf_adds(&b, at + 64);
		memset(&e, 0, sizeof e);
		ok(trust_root_parse("t.root.yaml", b.p, b.len, &r, &e) == -PF_EFORMAT &&
		   strstr(e.msg, "is not the SHA-256 of its public key"), "refused: a key id that is not its key's");
		pf_buf_release(&b);
	}
	{
		struct pf_buf other = PF_BUF_INIT;
		static const int k2[] = { 2 };

		sign(&good, k2, 1, &other);
		ok(load(&good, &other, &r, &e) == -PF_EUNTRUSTED && strstr(e.msg, "checked against its own root keys"),
		   "refused: signed by a key outside its root role (%s)", e.msg);
		pf_buf_release(&other);
		ok(load(&good, &other, &r, &e) == -PF_EBADSIG, "refused: no signature at all");
	}
	pf_buf_release(&good);
	pf_buf_release(&sig);
}

static void test_next(void)
{
	static const int k0[] = { 0 }, k1[] = { 1 }, k01[] = { 0, 1 }, k12[] = { 1, 2 };
	struct pf_buf d1 = PF_BUF_INIT, s1 = PF_BUF_INIT, d2 = PF_BUF_INIT, s2 = PF_BUF_INIT;
	struct trust_root r1, r2;
	struct pf_err e;

	mkroot(&d1, 1, "2030-01-01T00:00:00Z", k0, 1, 1);
	sign(&d1, k0, 1, &s1);
	ok(!load(&d1, &s1, &r1, &e), "root 1 loads");
	/* 2: root key 1 (rotated from 0) */
	mkroot(&d2, 2, "2030-01-01T00:00:00Z", k1, 1, 1);
	sign(&d2, k01, 2, &s2);
	memset(&e, 0, sizeof e);
	ok(!trust_root_next(&r1, "2.root.yaml", d2.p, d2.len, s2.p, s2.len, &r2, &e) && r2.version == 2,
	   "root 2 signed by root 1's key and its own is the next one (%s)", e.msg);
	trust_root_release(&r2);
	pf_buf_release(&s2);
	sign(&d2, k1, 1, &s2);
	memset(&e, 0, sizeof e);
	ok(trust_root_next(&r1, "2.root.yaml", d2.p, d2.len, s2.p, s2.len, &r2, &e) == -PF_EUNTRUSTED &&
	   strstr(e.msg, "version 1's root keys"), "refused: root 2 without root 1's key (%s)", e.msg);
	pf_buf_release(&s2);
	pf_buf_release(&d2);
	/* 2 with a 2-of-2 root role, signed by 0 and only one of its own */
	mkroot(&d2, 2, "2030-01-01T00:00:00Z", k12, 2, 2);
	sign(&d2, k01, 2, &s2);
	memset(&e, 0, sizeof e);
	ok(trust_root_next(&r1, "2.root.yaml", d2.p, d2.len, s2.p, s2.len, &r2, &e) == -PF_EUNTRUSTED &&
	   strstr(e.msg, "its own root keys, threshold 2"), "refused: 1 of its own 2 root keys (%s)", e.msg);
	pf_buf_release(&s2);
	pf_buf_release(&d2);
	/* version 3 offered as the next one */
	mkroot(&d2, 3, "2030-01-01T00:00:00Z", k0, 1, 1);
	sign(&d2, k0, 1, &s2);
	memset(&e, 0, sizeof e);
	ok(trust_root_next(&r1, "2.root.yaml", d2.p, d2.len, s2.p, s2.len, &r2, &e) == -PF_EROLLBACK,
	   "refused: version 3 after version 1 (%s)", e.msg);
	pf_buf_release(&s2);
	pf_buf_release(&d2);
	/* expiry is the caller's: an expired next root loads, trust_root_check_expiry refuses it */
	mkroot(&d2, 2, "2020-01-01T00:00:00Z", k0, 1, 1);
	sign(&d2, k0, 1, &s2);
	memset(&e, 0, sizeof e);
	ok(!trust_root_next(&r1, "2.root.yaml", d2.p, d2.len, s2.p, s2.len, &r2, &e) &&
	   trust_root_check_expiry(&r2, "2.root.yaml", 1700000000, &e) == -PF_EEXPIRED,
	   "an expired root loads as an intermediate; the expiry check refuses it as the final one");
	trust_root_release(&r2);
	trust_root_release(&r1);
	pf_buf_release(&s2);
	pf_buf_release(&d2);
	pf_buf_release(&s1);
	pf_buf_release(&d1);
}

static void test_builtin(void)
{
	struct trust_root r;
	struct pf_err e = { 0 };
	static const char release[] = "e27e350449e03facf9cc7798f6d1cf532dec755f039b57acce50a3ed010f7c9a";

	ok(!trust_root_load("built-in", trust_builtin_root, trust_builtin_root_len, trust_builtin_root_sig,
			    trust_builtin_root_sig_len, &r, &e) && r.version == 1,
	   "the built-in root is version 1 and signed by its own root keys (%s)", e.msg);
	ok(pf_strv_contains(&r.roles[TRUST_ROLE_ROOT].keys, release) &&
	   pf_strv_contains(&r.roles[TRUST_ROLE_CATALOG].keys, release) &&
	   pf_strv_contains(&r.roles[TRUST_ROLE_ADVISORIES].keys, release),
	   "the release key is its root, catalog and advisories key");
	trust_root_release(&r);
}

int main(void)
{
	struct pf_err e = { 0 };

	dir = pf_mkdtemp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pf-root-", &e);
	if (!dir)
		return 1;
	mkkeys();
	test_parse();
	test_next();
	test_builtin();
	for (int i = 0; i < 4; i++)
		trust_key_free(keys[i]);
	pf_rm_rf(dir);
	free(dir);
	return done_testing();
}
