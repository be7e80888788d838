/* SPDX-License-Identifier: MIT */
/* Unit tests for import/: OpenPGP armor and cleartext rules, Release fields, relations, real Debian data. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/file.h"
#include "core/time.h"
#include "import/import.h"
#include "import/pgp.h"
#include "tap.h"

static void test_crc24(void)
{
	is_int(import_crc24((const unsigned char *)"", 0), 0xb704ce, "crc24 of nothing is its initial value");
	is_int(import_crc24((const unsigned char *)"123456789", 9), 0x21cf02, "crc24 check value of '123456789'");
}

static int dearmor(const char *text, struct pf_buf *out)
{
	struct pf_err e;
	size_t used = 0;

	memset(&e, 0, sizeof e);
	out->len = 0;
	return import_dearmor("t", text, strlen(text), "PGP SIGNATURE", out, &used, &e);
}

static void test_armor(void)
{
	struct pf_buf b = PF_BUF_INIT;

	/* "hello" is aGVsbG8= ; its CRC-24 is 0x...: computed, then the line written */
	ok(!dearmor("-----BEGIN PGP SIGNATURE-----\nVersion: x\n\naGVsbG8=\n-----END PGP SIGNATURE-----\n", &b) &&
	   b.len == 5 && !memcmp(b.p, "hello", 5), "armor with a header block decodes");
	ok(!dearmor("-----BEGIN PGP SIGNATURE-----\naGVsbG8=\n-----END PGP SIGNATURE-----", &b) && b.len == 5,
	   "armor without headers or final newline decodes");
	{
		uint32_t c = import_crc24((const unsigned char *)"hello", 5);
		static const char a64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char text[200], bad[200];

		snprintf(text, sizeof text, "-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n=%c%c%c%c\n-----END PGP SIGNATURE-----\n",
			 a64[(c >> 18) & 63], a64[(c >> 12) & 63], a64[(c >> 6) & 63], a64[c & 63]);
		ok(!dearmor(text, &b) && b.len == 5, "a matching CRC-24 line is accepted");
		snprintf(bad, sizeof bad, "-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n=%c%c%c%c\n-----END PGP SIGNATURE-----\n",
			 a64[(c >> 18) & 63], a64[(c >> 12) & 63], a64[(c >> 6) & 63], a64[(c + 1) & 63]);
		ok(dearmor(bad, &b) == -PF_EFORMAT, "a CRC-24 that does not match is refused");
	}
	ok(dearmor("-----BEGIN PGP SIGNATURE-----\n\naGVsbG8*\n-----END PGP SIGNATURE-----\n", &b) == -PF_EFORMAT,
	   "a character outside base64 is refused");
	ok(dearmor("-----BEGIN PGP SIGNATURE-----\n\naGVsbG9=\n-----END PGP SIGNATURE-----\n", &b) == -PF_EFORMAT,
	   "non-zero padding bits are refused");
	ok(dearmor("-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n", &b) == -PF_EFORMAT, "a missing END line is refused");
	ok(dearmor("-----BEGIN PGP MESSAGE-----\n\naGVsbG8=\n-----END PGP MESSAGE-----\n", &b) == -PF_EFORMAT,
	   "another armor label is refused");
	pf_buf_release(&b);
}

static int split(const char *text, struct pf_buf *canon, struct pf_err *e)
{
	struct pf_buf sigs = PF_BUF_INIT;
	int rc;

	memset(e, 0, sizeof *e);
	canon->len = 0;
	rc = import_cleartext_split("t", text, strlen(text), canon, &sigs, e);
	pf_buf_release(&sigs);
	return rc;
}

#define SIG "-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n-----END PGP SIGNATURE-----\n"

static void test_cleartext(void)
{
	struct pf_buf c = PF_BUF_INIT;
	struct pf_err e;

	ok(!split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian  \t\n- -dash\n\nlast\n" SIG, &c,
		  &e), "a cleartext message splits");
	ok(c.len == strlen("Origin: Debian\r\n-dash\r\n\r\nlast") && !memcmp(c.p, "Origin: Debian\r\n-dash\r\n\r\nlast", c.len),
	   "canonical text: trailing blanks cut, dash-escape removed, CR LF between lines, no final line end");
	ok(!split("-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA512\r\n\r\nA\r\nB \r\n" SIG, &c, &e) &&
	   c.len == 4 && !memcmp(c.p, "A\r\nB", 4), "CR LF input gives the same canonical text");
	ok(!split("-----BEGIN PGP SIGNED MESSAGE-----\n\nA\n" SIG, &c, &e), "a message without a Hash header splits");
	ok(split("x\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA\n" SIG, &c, &e) == -PF_EBADSIG,
	   "text before the signed message is refused");
	ok(split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA\n" SIG "extra\n", &c, &e) == -PF_EBADSIG &&
	   strstr(e.msg, "text after the signature"), "text after the signature is refused");
	ok(!split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA\n" SIG "\n\n", &c, &e),
	   "blank lines after the signature are fine");
	ok(split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n-A\n" SIG, &c, &e) == -PF_EBADSIG &&
	   strstr(e.msg, "not dash-escaped"), "an unescaped line starting with '-' is refused");
	ok(split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\nComment: x\n\nA\n" SIG, &c, &e) == -PF_EBADSIG,
	   "a header other than Hash in the signed message is refused");
	ok(split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA3\n\nA\n" SIG, &c, &e) == -PF_EBADSIG,
	   "an unknown hash name is refused");
	ok(split("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nA\n", &c, &e) == -PF_EBADSIG,
	   "a message without its signature is refused");
	{
		char nul[] = "-----BEGIN PGP SIGNED MESSAGE-----\n\nA\n" SIG;
		struct pf_buf sigs = PF_BUF_INIT;

		nul[37] = 0;
		memset(&e, 0, sizeof e);
		ok(import_cleartext_split("t", nul, sizeof nul - 1, &c, &sigs, &e) == -PF_EBADSIG, "a NUL byte is refused");
		pf_buf_release(&sigs);
	}
	pf_buf_release(&c);
}

static void test_dates(void)
{
	time_t t;

	ok(!pf_time_parse_rfc2822("Sat, 11 Jul 2026 10:16:37 UTC", &t) && t == 1783764997L, "a Release Date parses");
	ok(!pf_time_parse_rfc2822("Mon, 12 Jan 2026 09:00:00 +0100", &t) && t == 1768204800L, "an offset is applied");
	ok(!pf_time_parse_rfc2822("12 Jan 2026 08:00:00 GMT", &t) && t == 1768204800L, "the weekday is optional");
	ok(pf_time_parse_rfc2822("Sat, 31 Feb 2026 10:16:37 UTC", &t), "31 February is refused");
	ok(pf_time_parse_rfc2822("Sat, 11 Jul 2026 10:16:37 CEST", &t), "a zone name other than UTC/GMT is refused");
	ok(pf_time_parse_rfc2822("2026-07-11T10:16:37Z", &t), "RFC 3339 is not RFC 2822");
}

static void test_release(void)
{
	static const char text[] =
		"Origin: Debian\nSuite: stable\nCodename: bookworm\nDate: Sat, 11 Jul 2026 10:16:37 UTC\n"
		"Valid-Until: Sat, 18 Jul 2026 10:16:37 UTC\nMD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4 1 x\nSHA256:\n"
		" 515E692F2C4121C6FCEC444EF100CC18F79A991910615F3A88C8B7BECFC94D2F 50060337 main/binary-amd64/Packages\n"
		" 9e0b5aabb2465b3d2e7a7fe27f9913846277833f7a2826e7767acccff5b588c5  8790396 main/binary-amd64/Packages.xz\n";
	struct import_release r;
	const struct import_release_file *f;
	struct pf_err e;

	memset(&e, 0, sizeof e);
	ok(!import_release_parse("t", text, strlen(text), &r, &e), "a Release parses");
	is_str(r.codename, "bookworm", "Codename");
	is_str(r.suite, "stable", "Suite");
	is_int(r.valid_until - r.date, 7 * 86400, "Date and Valid-Until");
	f = import_release_find(&r, "main/binary-amd64/Packages");
	ok(f && f->size == 50060337 && !strcmp(f->sha256, "515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f"),
	   "an uppercase SHA256 entry is read (and lowercased)");
	ok(!import_release_find(&r, "x"), "MD5Sum entries are not taken as SHA256");
	import_release_release(&r);
	memset(&e, 0, sizeof e);
	ok(import_release_parse("t", "Origin: x\nSHA256:\n 00 1 a\n", 22, &r, &e) == -PF_EFORMAT,
	   "a malformed SHA256 entry is refused");
	memset(&e, 0, sizeof e);
	ok(import_release_parse("t", "Origin: x\nMD5Sum:\n 0ed6d4c8891eb86358b94bb35d9e4da4 1 x\n", 52, &r, &e) ==
	   -PF_EFORMAT, "a Release without Date or SHA256 is refused");
	{
		static const char twice[] = "Date: Sat, 11 Jul 2026 10:16:37 UTC\nSHA256:\n"
			" 515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f 1 a\n"
			" 515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f 2 a\n";

		memset(&e, 0, sizeof e);
		ok(import_release_parse("t", twice, strlen(twice), &r, &e) == -PF_EFORMAT, "a path listed twice is refused");
		memset(&e, 0, sizeof e);
		ok(import_release_parse("t", "Date: Sat, 11 Jul 2026 10:16:37 UTC\n\nOrigin: x\n", 47, &r, &e) == -PF_EFORMAT,
		   "a second paragraph is refused");
	}
}

static void test_names(void)
{
	ok(import_name_ok("libc6") && import_name_ok("g++") && import_name_ok("python3.11"), "Debian names");
	ok(!import_name_ok("a") && !import_name_ok("Foo") && !import_name_ok("-x") && !import_name_ok("a b"),
	   "not Debian names");
	ok(import_version_ok("1:2.36-9+deb12u7") && import_version_ok("3.11.2") && import_version_ok("1.0~rc1-1"),
	   "Debian versions");
	ok(!import_version_ok("") && !import_version_ok("a1") && !import_version_ok(":1") && !import_version_ok("1-") &&
	   !import_version_ok("1:") && !import_version_ok("x:1") && !import_version_ok("1 2") &&
	   !import_version_ok("1.0_1"), "not Debian versions");
}

/* A real InRelease and Debian's keyring, when this machine has them. */
static void test_real(void)
{
	const char *keyring = "/usr/share/keyrings/debian-archive-keyring.gpg", *lists = "/var/lib/apt/lists";
	struct import_keyring *kr;
	struct import_signed s;
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e;
	char *path = NULL;
	DIR *d = opendir(lists);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!path && strstr(de->d_name, "debian_dists_") && strstr(de->d_name, "_InRelease") &&
		    !strstr(de->d_name, "security") && !strstr(de->d_name, "updates"))
			path = pf_path_join(lists, de->d_name);
	if (d)
		closedir(d);
	if (!path || !pf_exists(keyring)) {
		printf("ok %d # skip no apt lists or Debian keyring on this machine\n", ++tap_n);
		free(path);
		return;
	}
	memset(&e, 0, sizeof e);
	kr = import_keyring_new();
	ok(!import_keyring_add_path(kr, keyring, &e) && import_keyring_count(kr) >= 5, "Debian's keyring loads (%zu keys)",
	   import_keyring_count(kr));
	ok(!pf_read_file(path, 1 << 24, &b, &e), "the real InRelease reads");
	{
		time_t signed_at = 0;
		int rc = import_verify_cleartext(kr, path, b.p, b.len, time(NULL), &s, &e);

		ok(!rc && s.signers.n >= 1 && strlen(s.signer) == 40, "it verifies now: %s", rc ? e.msg : s.signer);
		if (!rc) {
			signed_at = s.sig_time;
			ok(strstr(s.text, "\nSHA256:\n") != NULL, "the verified text holds the SHA256 list");
			import_signed_release(&s);
		}
		memset(&e, 0, sizeof e);
		ok(signed_at && import_verify_cleartext(kr, path, b.p, b.len, signed_at - 1, &s, &e) == -PF_EBADSIG &&
		   strstr(e.msg, "in the future"), "a second before it was signed it is refused");
		memset(&e, 0, sizeof e);
		ok(import_verify_cleartext(kr, path, b.p, b.len, (time_t)2082758400 /* 2036 */, &s, &e) == -PF_EEXPIRED,
		   "once every signing key expired it is refused: %s", e.msg);
	}
	{
		char *nl = strstr(b.p, "\nDate: ");

		if (nl) {
			nl[7]++;	/* one byte of the signed text */
			memset(&e, 0, sizeof e);
			ok(import_verify_cleartext(kr, path, b.p, b.len, time(NULL), &s, &e) == -PF_EBADSIG &&
			   strstr(e.msg, "bad signature"), "one byte changed: bad signature");
			nl[7]--;
		}
	}
	{
		/* every truncation must fail cleanly (the whole file is needed) */
		int clean = 1;

		for (size_t cut = 0; cut < b.len; cut += b.len / 97 + 1) {
			memset(&e, 0, sizeof e);
			if (import_verify_cleartext(kr, path, b.p, cut, time(NULL), &s, &e) == 0) {
				import_signed_release(&s);
				clean = 0;
			}
		}
		ok(clean, "no truncation of the real InRelease verifies");
	}
	import_keyring_free(kr);
	{
		/* the same bytes through the fuzzing entry points, mutated: no crash (ASan watches) */
		for (size_t i = 0; i < b.len; i += b.len / 50 + 1) {
			b.p[i] ^= 0x5a;
			import_fuzz_inrelease((const unsigned char *)b.p, b.len);
			b.p[i] ^= 0x5a;
		}
		ok(1, "mutated InRelease bytes through import_fuzz_inrelease");
	}
	pf_buf_release(&b);
	memset(&e, 0, sizeof e);
	if (!pf_read_file(keyring, 1 << 24, &b, &e)) {
		for (size_t i = 0; i < b.len; i += b.len / 10 + 1) {
			b.p[i] ^= 0xa5;
			import_fuzz_keyring((const unsigned char *)b.p, b.len);
			b.p[i] ^= 0xa5;
			import_fuzz_keyring((const unsigned char *)b.p, i);
		}
		ok(1, "mutated and truncated keyrings through import_fuzz_keyring");
	}
	pf_buf_release(&b);
	free(path);
}

static void test_keyring(void)
{
	struct import_keyring *kr = import_keyring_new();
	struct pf_err e;
	static const unsigned char secret[] = { 0xc5, 0x01, 0x04 };	/* a secret-key packet */

	memset(&e, 0, sizeof e);
	ok(import_keyring_add_data(kr, "t", "junk\n", 5, &e) == -PF_EFORMAT, "text that is no armor is refused");
	memset(&e, 0, sizeof e);
	ok(import_keyring_add_data(kr, "t", secret, sizeof secret, &e) == -PF_EFORMAT && strstr(e.msg, "secret key"),
	   "a secret key is refused");
	memset(&e, 0, sizeof e);
	ok(import_keyring_add_data(kr, "t", "\x99\x00", 2, &e) == -PF_EFORMAT, "a truncated packet is refused");
	is_int(import_keyring_count(kr), 0, "nothing was loaded from them");
	import_keyring_free(kr);
}

static void test_fuzz_packages(void)
{
	static const char pk[] =
		"Package: a\nVersion: 1.0-1\nArchitecture: amd64\nDepends: b (>= 1) | c:any, d\n  (<< 2)\nFilename: pool/a.deb\n"
		"Size: 10\nSHA256: 515e692f2c4121c6fcec444ef100cc18f79a991910615f3a88c8b7becfc94d2f\n\n"
		"Package: b\nVersion: 2\nArchitecture: all\nProvides: v (= 1)\nFilename: pool/b.deb\nSize: 1\n"
		"SHA256: 515E692F2C4121C6FCEC444EF100CC18F79A991910615F3A88C8B7BECFC94D2F";
	char buf[sizeof pk];

	for (size_t cut = 0; cut <= sizeof pk - 1; cut++)
		import_fuzz_packages((const unsigned char *)pk, cut);
	for (size_t i = 0; i < sizeof pk - 1; i++) {
		memcpy(buf, pk, sizeof pk);
		buf[i] = (char)(buf[i] == '\n' ? ' ' : '\n');
		import_fuzz_packages((const unsigned char *)buf, sizeof pk - 1);
	}
	ok(1, "every truncation and a newline flipped at every byte of a Packages file parse without harm");
}


/* ---- a hand-made Ed25519 OpenPGP key (OpenSSL signs), to reach the EdDSA path byte by byte ---- */

struct pgpkey {
	EVP_PKEY *pk;
	unsigned char body[51], fpr[20];
	unsigned long created;
};

static void put32(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void packet(struct pf_buf *out, int tag, const unsigned char *body, size_t n)
{
	unsigned char h[3] = { (unsigned char)(0xc0 | tag) };

	if (n < 192) {
		h[1] = (unsigned char)n;
		pf_buf_add(out, h, 2);
	} else {
		h[1] = (unsigned char)(((n - 192) >> 8) + 192);
		h[2] = (unsigned char)((n - 192) & 0xff);
		pf_buf_add(out, h, 3);
	}
	pf_buf_add(out, body, n);
}

static void mpi(struct pf_buf *b, const unsigned char *v, size_t n)
{
	unsigned char h[2];
	unsigned bits;

	while (n && !*v)
		v++, n--;
	bits = n ? (unsigned)(n - 1) * 8 : 0;
	for (unsigned x = n ? v[0] : 0; x; x >>= 1)
		bits++;
	h[0] = (unsigned char)(bits >> 8);
	h[1] = (unsigned char)bits;
	pf_buf_add(b, h, 2);
	pf_buf_add(b, v, n);
}

static void key_make(struct pgpkey *k)
{
	static const unsigned char oid[] = { 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 };
	unsigned char raw[32], hdr[3] = { 0x99, 0, 51 };
	size_t rl = 32;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY_get_raw_public_key(k->pk, raw, &rl);
	k->created = 1700000000;
	k->body[0] = 4;
	put32(k->body + 1, k->created);
	k->body[5] = 22;
	memcpy(k->body + 6, oid, sizeof oid);
	k->body[16] = 0x01;
	k->body[17] = 0x07;
	k->body[18] = 0x40;
	memcpy(k->body + 19, raw, 32);
	EVP_DigestInit(c, EVP_sha1());
	EVP_DigestUpdate(c, hdr, 3);
	EVP_DigestUpdate(c, k->body, 51);
	EVP_DigestFinal(c, k->fpr, NULL);
	EVP_MD_CTX_free(c);
}

/*
 * A v4 EdDSA signature of type 'type' over prefix (the hashed material), with
 * the SHA-256 (8) or SHA-512 (10) digest; the raw R || S comes back in rs.
 */
static void sig_make(const struct pgpkey *k, int type, int hashalgo, const struct pf_buf *prefix, unsigned char rs[64],
		     struct pf_buf *out)
{
	struct pf_buf b = PF_BUF_INIT;
	unsigned char sub[64], dig[64], tr[6] = { 4, 0xff };
	unsigned int dl = 0;
	size_t n = 0, sl = 64;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	sub[n++] = 5, sub[n++] = 2, put32(sub + n, k->created + 10), n += 4;	/* creation time */
	if (type == 0x13)
		sub[n++] = 2, sub[n++] = 27, sub[n++] = 0x03;			/* certify + sign */
	sub[n++] = 22, sub[n++] = 33, sub[n++] = 4, memcpy(sub + n, k->fpr, 20), n += 20;	/* issuer fpr */
	pf_buf_add(&b, (unsigned char[]){ 4, (unsigned char)type, 22, (unsigned char)hashalgo, 0, (unsigned char)n }, 6);
	pf_buf_add(&b, sub, n);
	put32(tr + 2, (unsigned long)b.len);
	EVP_DigestInit(c, hashalgo == 8 ? EVP_sha256() : EVP_sha512());
	EVP_DigestUpdate(c, prefix->p, prefix->len);
	EVP_DigestUpdate(c, b.p, b.len);
	EVP_DigestUpdate(c, tr, 6);
	EVP_DigestFinal(c, dig, &dl);
	EVP_MD_CTX_free(c);
	c = EVP_MD_CTX_new();
	EVP_DigestSignInit(c, NULL, NULL, NULL, k->pk);
	EVP_DigestSign(c, rs, &sl, dig, dl);	/* EdDSA in OpenPGP signs the digest */
	EVP_MD_CTX_free(c);
	pf_buf_add(&b, (unsigned char[]){ 0, 0, dig[0], dig[1] }, 4);	/* no unhashed area, left 16 bits */
	mpi(&b, rs, 32);
	mpi(&b, rs + 32, 32);
	packet(out, 2, (const unsigned char *)b.p, b.len);
	pf_buf_release(&b);
}

static void keyring_make(const struct pgpkey *k, struct pf_buf *ring)
{
	static const char uid[] = "Test <t@pinfold.test>";
	struct pf_buf pre = PF_BUF_INIT;
	unsigned char rs[64], h[5] = { 0xb4 };

	packet(ring, 6, k->body, 51);
	packet(ring, 13, (const unsigned char *)uid, sizeof uid - 1);
	pf_buf_add(&pre, (unsigned char[]){ 0x99, 0, 51 }, 3);
	pf_buf_add(&pre, k->body, 51);
	put32(h + 1, sizeof uid - 1);
	pf_buf_add(&pre, h, 5);
	pf_buf_add(&pre, uid, sizeof uid - 1);
	sig_make(k, 0x13, 10, &pre, rs, ring);
	pf_buf_release(&pre);
}

/* A cleartext-signed "Origin: test N" whose R (which 0) or S (which 1) starts with a zero byte. */
static void message_make(const struct pgpkey *k, int which, struct pf_buf *msg)
{
	for (int i = 0; i < 100000; i++) {
		struct pf_buf text = PF_BUF_INIT, sig = PF_BUF_INIT;
		unsigned char rs[64];
		char b64[512];

		pf_buf_addf(&text, "Origin: test %d\r\nLabel: x", i);
		sig_make(k, 0x01, 8, &text, rs, &sig);
		if (!rs[32 * which]) {
			EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)sig.p, (int)sig.len);
			msg->len = 0;
			pf_buf_addf(msg, "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: test %d\nLabel: x\n"
				    "-----BEGIN PGP SIGNATURE-----\n\n%s\n-----END PGP SIGNATURE-----\n", i, b64);
			i = 100000;
		}
		pf_buf_release(&text);
		pf_buf_release(&sig);
	}
}

static void test_eddsa(void)
{
	struct pgpkey k;
	struct pf_buf ring = PF_BUF_INIT, msg = PF_BUF_INIT;
	struct import_keyring *kr = import_keyring_new();
	struct import_signed s;
	struct pf_err e;
	char fpr[41];

	key_make(&k);
	keyring_make(&k, &ring);
	memset(&e, 0, sizeof e);
	ok(!import_keyring_add_data(kr, "hand-made", ring.p, ring.len, &e), "a hand-made Ed25519 key loads: %s", e.msg);
	for (int i = 0; i < 20; i++)
		sprintf(fpr + 2 * i, "%02X", k.fpr[i]);
	for (int which = 0; which < 2; which++) {
		message_make(&k, which, &msg);
		memset(&e, 0, sizeof e);
		ok(!import_verify_cleartext(kr, "m", msg.p, msg.len, 1800000000, &s, &e) && !strcmp(s.signer, fpr),
		   "an Ed25519 signature whose %s starts with a zero byte verifies (libsolv's own check mishandles it): %s",
		   which ? "S" : "R", e.msg);
		if (!e.code)
			import_signed_release(&s);
		msg.p[msg.len / 2] ^= 1;	/* inside the base64 of the signature, or the text */
		memset(&e, 0, sizeof e);
		ok(import_verify_cleartext(kr, "m", msg.p, msg.len, 1800000000, &s, &e) < 0, "and one bit changed fails");
	}
	memset(&e, 0, sizeof e);
	ok(import_verify_cleartext(kr, "m", msg.p, msg.len, 1699999999, &s, &e) < 0,
	   "and it fails a second before its signature was made");
	import_keyring_free(kr);
	EVP_PKEY_free(k.pk);
	pf_buf_release(&ring);
	pf_buf_release(&msg);
}

int main(void)
{
	test_crc24();
	test_armor();
	test_cleartext();
	test_dates();
	test_release();
	test_names();
	test_keyring();
	test_fuzz_packages();
	test_eddsa();
	test_real();
	return done_testing();
}
