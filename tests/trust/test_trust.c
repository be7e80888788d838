/* SPDX-License-Identifier: MIT */
/* Unit tests for trust/: PAE, keys, signing and threshold verification, trust stores, rollback state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "trust/trust.h"
#include "tap.h"

#define TYPE "application/vnd.pinfold.catalog+yaml"

static char *dir;

static char *path(const char *name)
{
	return pf_path_join(dir, name);
}

static struct trust_key *newkey(const char *name, char id[TRUST_KEYID_HEX])
{
	struct pf_err e;
	struct trust_key *k = NULL;
	char *p = path(name);

	memset(&e, 0, sizeof e);
	if (trust_key_generate(p, id, &e) || trust_key_load(p, &k, &e))
		printf("# key %s: %s\n", name, e.msg);
	free(p);
	return k;
}

static int verify(const struct trust_store *s, const char *data, const char *sig, int threshold,
		  const char *const *pin, size_t npin, struct pf_strv *signers, struct pf_err *e)
{
	struct trust_policy p = { threshold, pin, npin };

	memset(e, 0, sizeof *e);
	return trust_verify(s, "t.yaml", TYPE, data, strlen(data), sig, strlen(sig), &p, signers, e);
}

static void test_pae(void)
{
	struct pf_buf b = PF_BUF_INIT;

	trust_pae("t/x", "hello", 5, &b);
	ok(b.len == 20 && !memcmp(b.p, "DSSEv1 3 t/x 5 hello", 20), "PAE bytes are DSSEv1 SP len SP type SP len SP body");
	pf_buf_release(&b);
	trust_pae("", "", 0, &b);
	ok(b.len == 12 && !memcmp(b.p, "DSSEv1 0  0 ", 12), "PAE of empty type and body");
	pf_buf_release(&b);
}

static void test_keys(void)
{
	struct pf_err e;
	struct trust_key *k = NULL, *pub = NULL;
	char id[TRUST_KEYID_HEX], id2[TRUST_KEYID_HEX];
	char *p = path("gen.key"), *pp = path("gen.key.pub");
	struct stat st;

	memset(&e, 0, sizeof e);
	ok(trust_key_generate(p, id, &e) == 0, "generate a key");
	ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600, "private key file is mode 0600");
	ok(pf_is_sha256_hex(id), "key id is 64 lowercase hex");
	memset(&e, 0, sizeof e);
	ok(trust_key_generate(p, id2, &e) == -PF_EEXIST, "generate refuses to overwrite (%s)", e.msg);
	unlink(p);
	memset(&e, 0, sizeof e);
	ok(trust_key_generate(p, id2, &e) == -PF_EEXIST, "generate refuses when only FILE.pub exists");
	ok(!pf_exists(p), "and leaves no private key behind");
	memset(&e, 0, sizeof e);
	ok(trust_key_load(pp, &pub, &e) == 0 && !trust_key_is_private(pub), "load the public key");
	is_str(pub ? trust_key_id(pub) : NULL, id, "public key has the generated id");
	memset(&e, 0, sizeof e);
	ok(trust_key_load(pp, &k, &e) == 0, "load again");
	trust_key_free(k);
	k = NULL;
	{
		char *bad = path("bad.pem");

		pf_write_file(bad, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 56, 0644, &e);
		memset(&e, 0, sizeof e);
		ok(trust_key_load(bad, &k, &e) == -PF_EFORMAT, "garbage PEM refused (%s)", e.msg);
		free(bad);
	}
	trust_key_free(pub);
	free(p);
	free(pp);
}

static void test_sign_verify(void)
{
	struct pf_err e;
	char ida[TRUST_KEYID_HEX], idb[TRUST_KEYID_HEX], idc[TRUST_KEYID_HEX];
	struct trust_key *a = newkey("a.key", ida), *b = newkey("b.key", idb), *c = newkey("c.key", idc);
	struct trust_store *s = trust_store_new();
	struct pf_buf sa = PF_BUF_INIT, sb = PF_BUF_INIT, sc = PF_BUF_INIT, two = PF_BUF_INIT;
	struct pf_strv signers = PF_STRV_INIT;
	const char *data = "format: pinfold-catalog/1\nname: t\n";
	char *pa = path("a.key.pub"), *pb = path("b.key.pub"), *ka = path("a.key");
	char *bad;

	memset(&e, 0, sizeof e);
	ok(trust_store_add_file(s, pa, &e) == 0 && trust_store_add_file(s, pb, &e) == 0, "store with a and b");
	ok(trust_store_add_file(s, ka, &e) == 0 && trust_store_count(s) == 2,
	   "the private file of a key already present adds nothing");
	ok(trust_sign(a, TYPE, data, strlen(data), &sa, &e) == 0 && sa.len == 64 + 1 + 88 + 1,
	   "sign gives one line '<id> <base64>'");
	ok(!strncmp(sa.p, ida, 64), "line starts with the key id");
	trust_sign(b, TYPE, data, strlen(data), &sb, &e);
	trust_sign(c, TYPE, data, strlen(data), &sc, &e);

	ok(verify(s, data, sa.p, 1, NULL, 0, &signers, &e) == 0, "a valid signature verifies");
	ok(signers.n == 1 && !strcmp(signers.v[0], ida), "signers lists the key");
	{
		char *flip = pf_xstrdup(data);

		flip[3] ^= 1;
		ok(verify(s, flip, sa.p, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "flipped byte: bad signature (%s)",
		   e.msg);
		free(flip);
		flip = pf_xasprintf("%s ", data);
		ok(verify(s, flip, sa.p, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "appended space: bad signature");
		free(flip);
	}
	ok(verify(s, data, "", 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "empty signature file refused");
	bad = pf_xstrndup(sa.p, 64 + 1 + 80);
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "truncated signature refused (%s)", e.msg);
	free(bad);
	bad = pf_xstrdup(sa.p);
	bad[70] = '!';
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "non-base64 signature refused");
	free(bad);
	bad = pf_xstrdup(sa.p);
	/* The last data character carries 4 unused bits; a non-canonical encoding is refused. */
	bad[64 + 1 + 85] = bad[64 + 1 + 85] == 'A' ? 'B' : (bad[64 + 1 + 85] == 'Q' ? 'R' : bad[64 + 1 + 85] + 1);
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) < 0, "non-canonical or altered base64 refused");
	free(bad);
	bad = pf_xstrdup(sa.p);
	bad[64 + 1 + 10] = bad[64 + 1 + 10] == 'A' ? 'B' : 'A';
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "altered signature bytes refused");
	free(bad);
	bad = pf_xstrdup(sa.p);
	bad[5] = bad[5] == 'a' ? 'b' : 'a';
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) == -PF_EUNTRUSTED,
	   "a line under an id no trusted key has counts nothing (%s)", e.msg);
	free(bad);
	/* Key b's valid signature claimed under a's id does not verify under a. */
	bad = pf_xasprintf("%.64s%s", ida, sb.p + 64);
	ok(verify(s, data, bad, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "a line claiming another key's id fails");
	free(bad);

	ok(verify(s, data, sc.p, 1, NULL, 0, NULL, &e) == -PF_EUNTRUSTED, "signature by an unknown key: untrusted (%s)",
	   e.msg);
	pf_buf_addf(&two, "%s%s", sa.p, sa.p);
	ok(verify(s, data, two.p, 2, NULL, 0, NULL, &e) == -PF_EUNTRUSTED && strstr(e.msg, "1 distinct"),
	   "the same line twice counts once (%s)", e.msg);
	two.len = 0;
	{
		struct pf_buf sa2 = PF_BUF_INIT;

		/* Ed25519 is deterministic, so a second signature line by a is the same; still one key. */
		trust_sign(a, TYPE, data, strlen(data), &sa2, &e);
		pf_buf_addf(&two, "%s%s%s", sa.p, sa2.p, sc.p);
		ok(verify(s, data, two.p, 2, NULL, 0, NULL, &e) == -PF_EUNTRUSTED,
		   "a twice plus an unknown key is below threshold 2");
		pf_buf_release(&sa2);
	}
	two.len = 0;
	pf_buf_addf(&two, "garbage line\n%s%s", sb.p, sa.p);
	pf_strv_release(&signers);
	ok(verify(s, data, two.p, 2, NULL, 0, &signers, &e) == 0, "two distinct trusted keys meet threshold 2");
	ok(signers.n == 2 && strcmp(signers.v[0], signers.v[1]) < 0, "signers are sorted");
	{
		const char *pin[] = { idb };

		ok(verify(s, data, sa.p, 1, pin, 1, NULL, &e) == -PF_EUNTRUSTED, "a key outside the pin does not count (%s)",
		   e.msg);
		ok(verify(s, data, two.p, 1, pin, 1, NULL, &e) == 0, "the pinned key counts");
		ok(verify(s, data, two.p, 2, pin, 1, NULL, &e) == -PF_EUNTRUSTED, "pin limits the count to 1");
	}
	{
		struct pf_buf sig = PF_BUF_INIT;

		ok(verify(s, data, "\n\n", 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "blank lines only: bad signature");
		pf_buf_addf(&sig, "%.*s\r\n", (int)sa.len - 1, sa.p);
		ok(verify(s, data, sig.p, 1, NULL, 0, NULL, &e) == -PF_EBADSIG, "CRLF line is malformed");
		pf_buf_release(&sig);
	}
	{
		struct trust_key *pubk = NULL;

		trust_key_load(pa, &pubk, &e);
		memset(&e, 0, sizeof e);
		ok(trust_sign(pubk, TYPE, data, strlen(data), &two, &e) < 0, "a public key cannot sign");
		trust_key_free(pubk);
	}
	{
		const char *where = NULL;

		ok(trust_store_key_in_dir(s, dir, &where) == 1 && where, "key_in_dir finds a key under its directory");
		ok(trust_store_key_in_dir(s, "/usr", NULL) == 0, "and not under another");
	}
	pf_strv_release(&signers);
	pf_buf_release(&sa);
	pf_buf_release(&sb);
	pf_buf_release(&sc);
	pf_buf_release(&two);
	trust_store_free(s);
	trust_key_free(a);
	trust_key_free(b);
	trust_key_free(c);
	free(pa);
	free(pb);
	free(ka);
}

/* A trust_doc for the state checks. */
static struct trust_doc doc(const char *kind, const char *name, long long version, const char *sha,
			    const char *const *keys, size_t nkeys)
{
	struct trust_doc d = { kind, name, version, sha, keys, nkeys, NULL };

	return d;
}

static void test_state(void)
{
	struct pf_err e;
	char *st = path("state");
	const char *h1 = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *h2 = "2222222222222222222222222222222222222222222222222222222222222222";
	const char *ka[] = { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	const char *kb[] = { "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" };
	const char *kab[] = { ka[0], kb[0] };
	struct trust_doc d;
	long long v = 0;
	char *f;

	memset(&e, 0, sizeof e);
#define CHECK(kind, name, ver, sha) (d = doc(kind, name, ver, sha, NULL, 0), trust_state_check(st, &d, &e))
#define RECORD(kind, name, ver, sha) (d = doc(kind, name, ver, sha, NULL, 0), trust_state_record(st, &d, &e))
	ok(CHECK("catalog", "demo", 3, h1) == 0, "no state: any version passes");
	ok(RECORD("catalog", "demo", 3, h1) == 0, "record version 3");
	ok(CHECK("catalog", "demo", 3, h1) == 0, "same version, same bytes passes");
	ok(CHECK("catalog", "demo", 2, h1) == -PF_EROLLBACK, "lower version is a rollback (%s)", e.msg);
	memset(&e, 0, sizeof e);
	ok(CHECK("catalog", "demo", 3, h2) == -PF_EROLLBACK, "same version, other bytes is refused (%s)", e.msg);
	memset(&e, 0, sizeof e);
	ok(CHECK("advisories", "demo", 1, h2) == 0, "kinds are separate");
	ok(RECORD("catalog", "demo", 4, h2) == 0, "record version 4");
	ok(RECORD("catalog", "demo", 3, h1) == -PF_EROLLBACK, "recording never lowers the state");
	ok(trust_state_version(st, "catalog", "demo", &v, &e) == 0 && v == 4, "the recorded version reads back");
	ok(trust_state_version(st, "catalog", "nothing", &v, &e) == 1, "no state for another name");
	memset(&e, 0, sizeof e);
	ok(CHECK("catalog", "../evil", 1, h1) == -PF_EFORMAT, "name with '..' refused (%s)", e.msg);
	memset(&e, 0, sizeof e);
	ok(CHECK("catalog", "a/b", 1, h1) == -PF_EFORMAT, "name with '/' refused");

	/* Signers: recorded, and a document of the same name by none of them is another publisher's. */
	d = doc("catalog", "signed", 5, h1, ka, 1);
	ok(trust_state_record(st, &d, &e) == 0, "record version 5 signed by key a");
	f = pf_path_join(st, "catalog/signed");
	{
		struct pf_buf b = PF_BUF_INIT;

		pf_read_file(f, 4096, &b, &e);
		ok(b.p && strstr(b.p, "keys aaaa"), "the state file names the signer");
		pf_buf_release(&b);
	}
	free(f);
	d = doc("catalog", "signed", 9, h2, kb, 1);
	memset(&e, 0, sizeof e);
	ok(trust_state_check(st, &d, &e) == -PF_EROLLBACK && strstr(e.msg, "different catalog under the same name"),
	   "a higher version signed only by another key cannot reset the floor (%s)", e.msg);
	d = doc("catalog", "signed", 4, h2, kb, 1);
	memset(&e, 0, sizeof e);
	ok(trust_state_check(st, &d, &e) == -PF_EROLLBACK, "nor dodge it with an older one");
	d = doc("catalog", "signed", 6, h2, kab, 2);
	memset(&e, 0, sizeof e);
	ok(trust_state_check(st, &d, &e) == 0, "a key rotation that keeps a recorded signer passes (%s)", e.msg);
	ok(trust_state_record(st, &d, &e) == 0, "and is recorded with both keys");
	d = doc("catalog", "signed", 7, h1, kb, 1);
	ok(trust_state_check(st, &d, &e) == 0, "then key b alone continues the same catalog");
	d = doc("catalog", "other-name", 1, h1, kb, 1);
	ok(trust_state_check(st, &d, &e) == 0, "another name by the same key has a floor of its own");
	ok(CHECK("catalog", "signed", 6, h1) == -PF_EROLLBACK, "and cannot lower this one (%s)", e.msg);
	memset(&e, 0, sizeof e);

	f = pf_path_join(st, "catalog/demo");
	pf_write_file(f, "version x\n", 10, 0644, &e);
	memset(&e, 0, sizeof e);
	ok(CHECK("catalog", "demo", 9, h1) == -PF_EFORMAT, "corrupt state refused (%s)", e.msg);
	pf_write_file(f, "version 3\nsha256 1111111111111111111111111111111111111111111111111111111111111111\nkeys zz\n",
		      90, 0644, &e);
	memset(&e, 0, sizeof e);
	ok(CHECK("catalog", "demo", 9, h1) == -PF_EFORMAT, "a malformed keys line is corrupt state (%s)", e.msg);
	free(f);
	ok(trust_state_check(NULL, &d, &e) == 0, "no state dir: nothing checked");
#undef CHECK
#undef RECORD
	free(st);
}

int main(void)
{
	struct pf_err e;

	memset(&e, 0, sizeof e);
	dir = pf_mkdtemp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pf-trust-", &e);
	if (!dir)
		return 1;
	test_pae();
	test_keys();
	test_sign_verify();
	test_state();
	pf_rm_rf(dir);
	free(dir);
	return done_testing();
}
