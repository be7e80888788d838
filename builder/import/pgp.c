/* SPDX-License-Identifier: MIT */
/* OpenPGP keyrings, key validity and cleartext signatures; libsolvext verifies the public-key arithmetic. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <solv/chksum.h>
#include <solv/knownid.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/repo_pubkey.h>
#include <solv/repodata.h>

#include "core/file.h"
#include "core/time.h"
#include "import/pgp.h"
#include "trust/trust.h"

#define KEYRING_MAX ((size_t)16 << 20)
#define MIN_BITS 2048
#define ED25519_POINT 19	/* offset of the 32 key bytes in a v4 Ed25519 key: 6 + OID 10 + MPI 2 + 0x40 */
#define MAX_SIGS 16		/* signatures per message: Debian uses two or three; each costs key checks */

/* RFC 4880 packet tags and signature types used here */
enum { TAG_SIG = 2, TAG_SECKEY = 5, TAG_PUBKEY = 6, TAG_SECSUB = 7, TAG_UID = 13, TAG_PUBSUB = 14, TAG_UATTR = 17 };
enum {
	SIG_TEXT = 0x01, SIG_CERT_LO = 0x10, SIG_CERT_HI = 0x13, SIG_SUBKEY = 0x18, SIG_BACK = 0x19,
	SIG_DIRECT = 0x1f, SIG_KEYREV = 0x20, SIG_SUBREV = 0x28
};
enum { FLAG_SIGN = 0x02 };

/* A primary key or subkey packet. */
struct pgp_pub {
	const unsigned char *body;
	size_t len;
	unsigned char fpr[20], keyid[8];
	unsigned long created;
	int algo, bits;
	int supported;		/* version 4, an algorithm libsolv verifies, strong enough */
	const char *unsupported;	/* why not, when !supported */
};

struct pgp_sigref {
	const unsigned char *body;
	size_t len;
};

struct pgp_sigs {
	struct pgp_sigref *v;
	size_t n, cap;
};

struct pgp_uid {
	int attr;		/* user attribute packet rather than a user id */
	const unsigned char *body;
	size_t len;
	struct pgp_sigs sigs;
};

struct pgp_sub {
	struct pgp_pub key;
	struct pgp_sigs sigs;
};

/* A transferable public key (RFC 4880 section 11.1). */
struct pgp_tkey {
	struct pgp_pub key;
	struct pgp_sigs direct;
	struct pgp_uid *uids;
	size_t nuids, capuids;
	struct pgp_sub *subs;
	size_t nsubs, capsubs;
};

struct import_keyring {
	struct pf_arena arena;		/* the packet bytes */
	struct pgp_tkey *keys;
	size_t n, cap;
	struct pf_strv files;
	Pool *pool;
	Repo *repo;
};

/* A parsed version 4 signature packet. */
struct pgp_sig {
	const unsigned char *body;
	size_t len;
	int type, pubalgo, hashalgo;
	size_t hashed_len;		/* the bytes from the version through the hashed subpackets */
	unsigned left16;
	const unsigned char *mpis;
	size_t nmpis;
	unsigned long created, expires, key_expires;
	int has_created, has_key_expires, has_flags, unknown_critical;
	unsigned flags;
	unsigned char issuer_fpr[20], issuer_id[8];
	int has_issuer_fpr, has_issuer_id;
	const unsigned char *embedded;
	size_t nembedded;
};

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void hexfpr(const unsigned char fpr[20], int upper, char out[41])
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *d = upper ? up : lo;

	for (int i = 0; i < 20; i++) {
		out[2 * i] = d[fpr[i] >> 4];
		out[2 * i + 1] = d[fpr[i] & 15];
	}
	out[40] = 0;
}

static void when(unsigned long t, char out[PF_TIME_STR])
{
	pf_time_format((time_t)t, out);
}

/* ---- packets ---- */

/*
 * One packet header at p (n bytes): the tag, body and total length, or 0 when
 * the header is malformed, the body runs past the end, or the length is
 * indeterminate or partial (never valid in keys and signatures).
 */
static size_t pkt_next(const unsigned char *p, size_t n, int *tag, const unsigned char **body, size_t *blen)
{
	size_t hl, len;

	if (n < 2 || !(p[0] & 0x80))
		return 0;
	if (p[0] & 0x40) {
		*tag = p[0] & 0x3f;
		if (p[1] < 192) {
			len = p[1];
			hl = 2;
		} else if (p[1] < 224) {
			if (n < 3)
				return 0;
			len = ((size_t)(p[1] - 192) << 8) + p[2] + 192;
			hl = 3;
		} else if (p[1] == 255) {
			if (n < 6)
				return 0;
			len = be32(p + 2);
			hl = 6;
		} else {
			return 0;
		}
	} else {
		int lt = p[0] & 3;

		*tag = (p[0] >> 2) & 0x0f;
		if (lt == 3)
			return 0;
		hl = 1 + ((size_t)1 << lt);
		if (n < hl)
			return 0;
		len = 0;
		for (size_t i = 1; i < hl; i++)
			len = len << 8 | p[i];
	}
	if (len > n - hl)
		return 0;
	*body = p + hl;
	*blen = len;
	return hl + len;
}

/* Skip one MPI; its bit count in *bits. 0 or -1. */
static int mpi_skip(const unsigned char **p, const unsigned char *end, unsigned *bits)
{
	size_t bytes;

	if (end - *p < 2)
		return -1;
	*bits = (unsigned)(*p)[0] << 8 | (*p)[1];
	bytes = (*bits + 7) / 8;
	if ((size_t)(end - *p - 2) < bytes)
		return -1;
	*p += 2 + bytes;
	return 0;
}

static Id hash_id(int algo)
{
	switch (algo) {
	case 8: return REPOKEY_TYPE_SHA256;
	case 9: return REPOKEY_TYPE_SHA384;
	case 10: return REPOKEY_TYPE_SHA512;
	case 11: return REPOKEY_TYPE_SHA224;
	default: return 0;	/* MD5, SHA-1, RIPEMD-160 and unknown algorithms are refused */
	}
}

static const char *hash_name(int algo)
{
	static const char *const names[] = { [1] = "MD5", [2] = "SHA1", [3] = "RIPEMD160", [8] = "SHA256",
					     [9] = "SHA384", [10] = "SHA512", [11] = "SHA224" };

	return algo > 0 && algo < 12 && names[algo] ? names[algo] : "unknown";
}

static void parse_pub(const unsigned char *b, size_t n, struct pgp_pub *k)
{
	static const unsigned char ed25519[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01 };
	const unsigned char *p, *end = b + n;
	unsigned char hdr[3];
	Chksum *h;
	unsigned bits = 0, skip;

	memset(k, 0, sizeof *k);
	k->body = b;
	k->len = n;
	k->unsupported = "malformed";
	if (n < 6)
		return;
	if (b[0] != 4) {
		k->unsupported = "not a version 4 key";
		return;
	}
	if (n > 0xffff)
		return;
	k->created = be32(b + 1);
	k->algo = b[5];
	hdr[0] = 0x99;
	hdr[1] = (unsigned char)(n >> 8);
	hdr[2] = (unsigned char)n;
	h = solv_chksum_create(REPOKEY_TYPE_SHA1);	/* the v4 fingerprint is defined as SHA-1 */
	solv_chksum_add(h, hdr, 3);
	solv_chksum_add(h, b, (int)n);
	solv_chksum_free(h, k->fpr);
	memcpy(k->keyid, k->fpr + 12, 8);
	p = b + 6;
	switch (k->algo) {
	case 1:		/* RSA */
		if (mpi_skip(&p, end, &bits) || mpi_skip(&p, end, &skip))
			return;
		k->bits = (int)bits;
		break;
	case 17:	/* DSA */
		if (mpi_skip(&p, end, &bits) || mpi_skip(&p, end, &skip) || mpi_skip(&p, end, &skip) ||
		    mpi_skip(&p, end, &skip))
			return;
		k->bits = (int)bits;
		break;
	case 22:	/* EdDSA */
		if (p >= end || p[0] != sizeof ed25519 || (size_t)(end - p) < 1 + sizeof ed25519)
			goto unsupported;
		if (memcmp(p + 1, ed25519, sizeof ed25519))
			goto unsupported;
		/* the point: 263 bits, 0x40 and 32 bytes of the key */
		if (n != ED25519_POINT + 32 || b[ED25519_POINT - 3] != 0x01 || b[ED25519_POINT - 2] != 0x07 ||
		    b[ED25519_POINT - 1] != 0x40)
			return;
		k->bits = 256;
		break;
	default:
		goto unsupported;
	}
	if (k->algo != 22 && k->bits < MIN_BITS) {
		k->unsupported = "shorter than 2048 bits";
		return;
	}
	k->supported = 1;
	k->unsupported = NULL;
	return;
unsupported:
	k->unsupported = "an algorithm pinfold does not verify (RSA, DSA and Ed25519 are supported)";
}

/* Parse one subpacket area; hashed areas carry the facts, unhashed ones only hints. */
static int parse_subpackets(const unsigned char *p, size_t n, int hashed, struct pgp_sig *s)
{
	while (n) {
		size_t len, hl;
		int type, crit;

		if (p[0] < 192) {
			len = p[0];
			hl = 1;
		} else if (p[0] < 255) {
			if (n < 2)
				return -1;
			len = ((size_t)(p[0] - 192) << 8) + p[1] + 192;
			hl = 2;
		} else {
			if (n < 5)
				return -1;
			len = be32(p + 1);
			hl = 5;
		}
		if (!len || len > n - hl)
			return -1;
		p += hl;
		n -= hl;
		type = p[0] & 0x7f;
		crit = p[0] & 0x80;
		switch (type) {
		case 2:
			if (len != 5)
				return -1;
			if (hashed) {
				s->created = be32(p + 1);
				s->has_created = 1;
			}
			break;
		case 3:
			if (len != 5)
				return -1;
			if (hashed)
				s->expires = be32(p + 1);
			break;
		case 9:
			if (len != 5)
				return -1;
			if (hashed) {
				s->key_expires = be32(p + 1);
				s->has_key_expires = 1;
			}
			break;
		case 16:
			if (len != 9)
				return -1;
			memcpy(s->issuer_id, p + 1, 8);
			s->has_issuer_id = 1;
			break;
		case 27:
			if (hashed && len >= 2) {
				s->flags = p[1];
				s->has_flags = 1;
			}
			break;
		case 32:
			s->embedded = p + 1;
			s->nembedded = len - 1;
			break;
		case 33:
			if (len == 22 && p[1] == 4) {
				memcpy(s->issuer_fpr, p + 2, 20);
				s->has_issuer_fpr = 1;
			}
			break;
		/* understood well enough to ignore, even when marked critical */
		case 7: case 11: case 21: case 22: case 23: case 25: case 29: case 30: case 34: case 39:
			break;
		default:
			if (crit)
				s->unknown_critical = 1;
			break;
		}
		p += len;
		n -= len;
	}
	return 0;
}

/* Parse a signature packet body: 0, 1 for a version pinfold does not read, -1 when malformed. */
static int parse_sig(const unsigned char *b, size_t n, struct pgp_sig *s)
{
	size_t hlen, ulen;

	memset(s, 0, sizeof *s);
	s->body = b;
	s->len = n;
	if (n < 1)
		return -1;
	if (b[0] != 4)
		return 1;
	if (n < 6)
		return -1;
	s->type = b[1];
	s->pubalgo = b[2];
	s->hashalgo = b[3];
	hlen = (size_t)b[4] << 8 | b[5];
	if (hlen > n - 6)
		return -1;
	s->hashed_len = 6 + hlen;
	if (parse_subpackets(b + 6, hlen, 1, s))
		return -1;
	if (n - s->hashed_len < 2)
		return -1;
	ulen = (size_t)b[s->hashed_len] << 8 | b[s->hashed_len + 1];
	if (ulen > n - s->hashed_len - 2)
		return -1;
	if (parse_subpackets(b + s->hashed_len + 2, ulen, 0, s))
		return -1;
	if (n - s->hashed_len - 2 - ulen < 3)
		return -1;
	s->left16 = (unsigned)b[s->hashed_len + 2 + ulen] << 8 | b[s->hashed_len + 3 + ulen];
	s->mpis = b + s->hashed_len + 4 + ulen;
	s->nmpis = n - s->hashed_len - 4 - ulen;
	return 0;
}

/* ---- hashing and the arithmetic ---- */

static void hash_key(Chksum *h, const struct pgp_pub *k)
{
	unsigned char hdr[3] = { 0x99, (unsigned char)(k->len >> 8), (unsigned char)k->len };

	solv_chksum_add(h, hdr, 3);
	solv_chksum_add(h, k->body, (int)k->len);
}

static void hash_uid(Chksum *h, const struct pgp_uid *u)
{
	unsigned char hdr[5] = { u->attr ? 0xd1 : 0xb4, (unsigned char)(u->len >> 24), (unsigned char)(u->len >> 16),
				 (unsigned char)(u->len >> 8), (unsigned char)u->len };

	solv_chksum_add(h, hdr, 5);
	solv_chksum_add(h, u->body, (int)u->len);
}

/* The v4 trailer, then the digest into out (at most 64 bytes); its length. */
static int hash_finish(Chksum *h, const struct pgp_sig *s, unsigned char out[64])
{
	unsigned char tr[6] = { 4, 0xff, (unsigned char)(s->hashed_len >> 24), (unsigned char)(s->hashed_len >> 16),
				(unsigned char)(s->hashed_len >> 8), (unsigned char)s->hashed_len };
	const unsigned char *d;
	int dl = 0;

	solv_chksum_add(h, s->body, (int)s->hashed_len);
	solv_chksum_add(h, tr, 6);
	d = solv_chksum_get(h, &dl);
	if (!d || dl <= 0 || dl > 64)
		dl = 0;
	else
		memcpy(out, d, (size_t)dl);
	solv_chksum_free(h, NULL);
	return dl;
}

/*
 * An EdDSA (Ed25519) signature: R and S, each at most 256 bits, over the
 * digest. libsolv's own Ed25519 check copies S with R's length (solv_pgpvrfy.c
 * in 0.7.23: memcpy(sigdata + 64 - slen, s, rlen)), which overruns its buffer
 * when S has a leading zero byte and rejects good signatures when R has one
 * (one signature in 128); so Ed25519 goes to OpenSSL through trust/.
 */
static int eddsa_ok(const struct pgp_pub *k, const struct pgp_sig *s, const unsigned char *dig, int dlen)
{
	const unsigned char *m = s->mpis, *end = s->mpis + s->nmpis;
	unsigned char rs[64];

	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 2; i++) {
		unsigned bits;
		size_t bytes;

		if (end - m < 2)
			return 0;
		bits = (unsigned)m[0] << 8 | m[1];
		bytes = (bits + 7) / 8;
		if (bits > 256 || (size_t)(end - m - 2) < bytes)
			return 0;
		memcpy(rs + 32 * i + 32 - bytes, m + 2, bytes);
		m += 2 + bytes;
	}
	return m == end && trust_ed25519_verify(k->body + ED25519_POINT, rs, dig, (size_t)dlen);
}

/*
 * Does s verify over digest with key k? The quick check of the digest's
 * first two bytes comes first; then Ed25519 through OpenSSL, RSA and DSA
 * through libsolvext's repo_verify_sigdata().
 */
static int sig_math(const struct import_keyring *kr, const struct pgp_sig *s, const unsigned char *dig, int dlen,
		    const struct pgp_pub *k)
{
	unsigned char *sigdata;
	char hex[41];
	size_t len;
	Id p;

	if (dlen < 2 || ((unsigned)dig[0] << 8 | dig[1]) != s->left16 || s->pubalgo != k->algo)
		return 0;
	if (k->algo == 22)
		return eddsa_ok(k, s, dig, dlen);
	len = 2 + (size_t)dlen + s->nmpis;
	if (len > 1 << 20)
		return 0;
	sigdata = pf_xmalloc(len);
	sigdata[0] = (unsigned char)s->pubalgo;
	sigdata[1] = (unsigned char)s->hashalgo;
	memcpy(sigdata + 2, dig, (size_t)dlen);
	memcpy(sigdata + 2 + dlen, s->mpis, s->nmpis);
	hexfpr(k->fpr, 0, hex);
	p = repo_verify_sigdata(kr->repo, sigdata, (int)len, hex);
	free(sigdata);
	return p != 0;
}

/* Is the signature's claimed issuer (when it names one) the key k? */
static int issuer_is(const struct pgp_sig *s, const struct pgp_pub *k)
{
	if (s->has_issuer_fpr)
		return !memcmp(s->issuer_fpr, k->fpr, 20);
	if (s->has_issuer_id)
		return !memcmp(s->issuer_id, k->keyid, 8);
	return 1;
}

/*
 * A key certification that holds: a v4 signature of a type in [lo, hi] by
 * signer over primary (+ uid or + sub), strong hash, made when the signer
 * existed and not after now, not expired, no unknown critical subpacket.
 */
static int cert_ok(const struct import_keyring *kr, const unsigned char *body, size_t len, int lo, int hi,
		   const struct pgp_pub *signer, const struct pgp_pub *primary, const struct pgp_uid *uid,
		   const struct pgp_pub *sub, time_t now, struct pgp_sig *s)
{
	unsigned char dig[64];
	Chksum *h;
	int dl;

	if (parse_sig(body, len, s) || s->type < lo || s->type > hi || !hash_id(s->hashalgo) || !s->has_created ||
	    s->unknown_critical || !signer->supported || s->pubalgo != signer->algo || !issuer_is(s, signer))
		return 0;
	if (s->created < signer->created || (time_t)s->created > now)
		return 0;
	if (s->expires && (time_t)(s->created + s->expires) <= now)
		return 0;
	h = solv_chksum_create(hash_id(s->hashalgo));
	hash_key(h, primary);
	if (uid)
		hash_uid(h, uid);
	if (sub)
		hash_key(h, sub);
	dl = hash_finish(h, s, dig);
	return sig_math(kr, s, dig, dl, signer);
}

/* ---- key validity ---- */

static int same_fpr(const struct pgp_pub *a, const struct pgp_pub *b)
{
	return !memcmp(a->fpr, b->fpr, 20);
}

/*
 * Is the primary key of tk, or its subkey sub, fit to have made a data
 * signature at time t (and still, at now)? Copies of the same key in several
 * files count together, so a revocation in one is not hidden by another.
 * 0, or -PF_EEXPIRED / -PF_EUNTRUSTED with the reason in why.
 */
static int key_usable(const struct import_keyring *kr, const struct pgp_tkey *tk, const struct pgp_pub *sub,
		      time_t t, time_t now, char *why, size_t wl)
{
	const struct pgp_pub *P = &tk->key;
	struct pgp_sig s, self, bind, back;
	int have_self = 0, have_bind = 0, revoked = 0, srevoked = 0;
	unsigned long exp = 0, rev_at = 0;
	char fp[41], ts[PF_TIME_STR];

	memset(&self, 0, sizeof self);
	memset(&bind, 0, sizeof bind);
	hexfpr(P->fpr, 1, fp);
	for (size_t k = 0; k < kr->n; k++) {
		const struct pgp_tkey *t2 = &kr->keys[k];

		if (!same_fpr(&t2->key, P))
			continue;
		for (size_t i = 0; i < t2->direct.n; i++) {
			const struct pgp_sigref *r = &t2->direct.v[i];

			if (cert_ok(kr, r->body, r->len, SIG_KEYREV, SIG_KEYREV, P, P, NULL, NULL, now, &s)) {
				revoked = 1;
				rev_at = s.created;
			} else if (cert_ok(kr, r->body, r->len, SIG_DIRECT, SIG_DIRECT, P, P, NULL, NULL, now, &s) &&
				   (!have_self || s.created >= self.created)) {
				self = s;
				have_self = 1;
			}
		}
		for (size_t u = 0; u < t2->nuids; u++)
			for (size_t i = 0; i < t2->uids[u].sigs.n; i++) {
				const struct pgp_sigref *r = &t2->uids[u].sigs.v[i];

				if (cert_ok(kr, r->body, r->len, SIG_CERT_LO, SIG_CERT_HI, P, P, &t2->uids[u], NULL, now,
					    &s) && (!have_self || s.created >= self.created)) {
					self = s;
					have_self = 1;
				}
			}
	}
	if (revoked) {
		when(rev_at, ts);
		snprintf(why, wl, "key %s was revoked on %s", fp, ts);
		return -PF_EUNTRUSTED;
	}
	if (!have_self) {
		snprintf(why, wl, "key %s has no valid self-signature", fp);
		return -PF_EUNTRUSTED;
	}
	if ((time_t)P->created > t) {
		snprintf(why, wl, "key %s was created after the signature was made", fp);
		return -PF_EUNTRUSTED;
	}
	if (self.has_key_expires && self.key_expires)
		exp = P->created + self.key_expires;
	if (exp && ((time_t)exp <= t || (time_t)exp <= now)) {
		when(exp, ts);
		snprintf(why, wl, "key %s expired on %s", fp, ts);
		return -PF_EEXPIRED;
	}
	if (!sub) {
		if (self.has_flags && !(self.flags & FLAG_SIGN)) {
			snprintf(why, wl, "key %s is not a signing key (its key flags say so)", fp);
			return -PF_EUNTRUSTED;
		}
		return 0;
	}
	hexfpr(sub->fpr, 1, fp);
	for (size_t k = 0; k < kr->n; k++) {
		const struct pgp_tkey *t2 = &kr->keys[k];

		if (!same_fpr(&t2->key, P))
			continue;
		for (size_t j = 0; j < t2->nsubs; j++) {
			if (!same_fpr(&t2->subs[j].key, sub))
				continue;
			for (size_t i = 0; i < t2->subs[j].sigs.n; i++) {
				const struct pgp_sigref *r = &t2->subs[j].sigs.v[i];

				if (cert_ok(kr, r->body, r->len, SIG_SUBREV, SIG_SUBREV, P, P, NULL, sub, now, &s)) {
					srevoked = 1;
					rev_at = s.created;
				} else if (cert_ok(kr, r->body, r->len, SIG_SUBKEY, SIG_SUBKEY, P, P, NULL, sub, now, &s) &&
					   (!have_bind || s.created >= bind.created)) {
					bind = s;
					have_bind = 1;
				}
			}
		}
	}
	if (srevoked) {
		when(rev_at, ts);
		snprintf(why, wl, "subkey %s was revoked on %s", fp, ts);
		return -PF_EUNTRUSTED;
	}
	if (!have_bind) {
		snprintf(why, wl, "subkey %s is not bound to its primary key by a valid signature", fp);
		return -PF_EUNTRUSTED;
	}
	if (!bind.has_flags || !(bind.flags & FLAG_SIGN)) {
		snprintf(why, wl, "subkey %s is not a signing subkey", fp);
		return -PF_EUNTRUSTED;
	}
	/* a signing subkey must vouch for its primary key too (RFC 4880 section 5.2.1, 0x19) */
	if (!bind.embedded ||
	    !cert_ok(kr, bind.embedded, bind.nembedded, SIG_BACK, SIG_BACK, sub, P, NULL, sub, now, &back)) {
		snprintf(why, wl, "signing subkey %s has no valid back-signature to its primary key", fp);
		return -PF_EUNTRUSTED;
	}
	if ((time_t)sub->created > t) {
		snprintf(why, wl, "subkey %s was created after the signature was made", fp);
		return -PF_EUNTRUSTED;
	}
	exp = bind.has_key_expires && bind.key_expires ? sub->created + bind.key_expires : 0;
	if (exp && ((time_t)exp <= t || (time_t)exp <= now)) {
		when(exp, ts);
		snprintf(why, wl, "subkey %s expired on %s", fp, ts);
		return -PF_EEXPIRED;
	}
	return 0;
}

/* ---- keyrings ---- */

static void free_keys(struct import_keyring *kr, size_t from);

struct import_keyring *import_keyring_new(void)
{
	struct import_keyring *kr = pf_xcalloc(1, sizeof *kr);

	kr->pool = pool_create();
	kr->repo = repo_create(kr->pool, "keyring");
	return kr;
}

void import_keyring_free(struct import_keyring *kr)
{
	if (!kr)
		return;
	free_keys(kr, 0);
	free(kr->keys);
	pf_strv_release(&kr->files);
	pf_arena_release(&kr->arena);
	pool_free(kr->pool);
	free(kr);
}

size_t import_keyring_count(const struct import_keyring *kr)
{
	return kr->n;
}

static void sigs_push(struct pgp_sigs *s, const unsigned char *b, size_t n)
{
	PF_GROW(s->v, s->n + 1, s->cap);
	s->v[s->n].body = b;
	s->v[s->n].len = n;
	s->n++;
}

/* Parse binary packets (already copied into the arena) into transferable keys. */
static int keyring_packets(struct import_keyring *kr, const char *what, const unsigned char *p, size_t n,
			   struct pf_err *e)
{
	const unsigned char *start = p;
	struct pgp_tkey *cur = NULL;
	int in = 0;		/* 0 after the key, 1 after a user id, 2 after a subkey */
	size_t added = 0;

	while (n) {
		const unsigned char *body;
		size_t blen, used;
		int tag;

		used = pkt_next(p, n, &tag, &body, &blen);
		if (!used)
			return pf_error(e, PF_EFORMAT, "'%s': malformed OpenPGP packet at byte %zu", what,
					(size_t)(p - start));
		switch (tag) {
		case TAG_SECKEY:
		case TAG_SECSUB:
			return pf_error(e, PF_EFORMAT, "'%s': holds a secret key (give the public keyring)", what);
		case TAG_PUBKEY:
			PF_GROW(kr->keys, kr->n + 1, kr->cap);
			cur = &kr->keys[kr->n++];
			memset(cur, 0, sizeof *cur);
			parse_pub(body, blen, &cur->key);
			in = 0;
			added++;
			break;
		case TAG_UID:
		case TAG_UATTR:
			if (!cur)
				break;
			PF_GROW(cur->uids, cur->nuids + 1, cur->capuids);
			memset(&cur->uids[cur->nuids], 0, sizeof cur->uids[0]);
			cur->uids[cur->nuids].attr = tag == TAG_UATTR;
			cur->uids[cur->nuids].body = body;
			cur->uids[cur->nuids].len = blen;
			cur->nuids++;
			in = 1;
			break;
		case TAG_PUBSUB:
			if (!cur)
				break;
			PF_GROW(cur->subs, cur->nsubs + 1, cur->capsubs);
			memset(&cur->subs[cur->nsubs], 0, sizeof cur->subs[0]);
			parse_pub(body, blen, &cur->subs[cur->nsubs].key);
			cur->nsubs++;
			in = 2;
			break;
		case TAG_SIG:
			if (!cur)
				break;
			if (in == 0)
				sigs_push(&cur->direct, body, blen);
			else if (in == 1)
				sigs_push(&cur->uids[cur->nuids - 1].sigs, body, blen);
			else
				sigs_push(&cur->subs[cur->nsubs - 1].sigs, body, blen);
			break;
		default:	/* trust packets and the like carry nothing we use */
			break;
		}
		p += used;
		n -= used;
	}
	if (!added)
		return pf_error(e, PF_EFORMAT, "'%s': no OpenPGP public key in it", what);
	return 0;
}

/*
 * Give libsolv one key the way repo_add_keyring() records it (a "gpg-pubkey"
 * solvable with PUBKEY_DATA, PUBKEY_FINGERPRINT, PUBKEY_KEYID and the evr
 * repo_find_all_pubkeys() looks for), so that repo_verify_sigdata() can do the
 * arithmetic. pinfold does not call repo_add_keyring() itself: it leaks the
 * armored copy of every key it adds (add_one_pubkey() in libsolv 0.7.23 and
 * later never frees it), and it would parse and self-verify each key a second
 * time without looking at expiry or revocation anyway.
 */
static void solv_add_key(struct import_keyring *kr, Repodata *data, const struct pgp_pub *k, int sub)
{
	Id p = repo_add_solvable(kr->repo);
	Solvable *s = pool_id2solvable(kr->pool, p);
	char fpr[41], evr[32];

	hexfpr(k->fpr, 0, fpr);
	snprintf(evr, sizeof evr, "%.8s-%08lx", fpr + 32, k->created);
	s->name = pool_str2id(kr->pool, sub ? "gpg-subkey" : "gpg-pubkey", 1);
	s->evr = pool_str2id(kr->pool, evr, 1);
	s->arch = 1;
	repodata_set_str(data, p, PUBKEY_FINGERPRINT, fpr);
	repodata_set_str(data, p, PUBKEY_KEYID, fpr + 24);
	repodata_set_binary(data, p, PUBKEY_DATA, (void *)(k->body + 5), (int)(k->len - 5));
}

static void free_keys(struct import_keyring *kr, size_t from)
{
	for (size_t i = from; i < kr->n; i++) {
		struct pgp_tkey *t = &kr->keys[i];

		free(t->direct.v);
		for (size_t u = 0; u < t->nuids; u++)
			free(t->uids[u].sigs.v);
		free(t->uids);
		for (size_t j = 0; j < t->nsubs; j++)
			free(t->subs[j].sigs.v);
		free(t->subs);
	}
	kr->n = from;
}

int import_keyring_add_data(struct import_keyring *kr, const char *what, const void *data, size_t len,
			    struct pf_err *e)
{
	struct pf_buf bin = PF_BUF_INIT;
	const unsigned char *d = data;
	unsigned char *copy;
	size_t nkeys = kr->n;
	Repodata *rd;
	int rc = 0;

	if (!len)
		return pf_error(e, PF_EFORMAT, "'%s': empty keyring", what);
	if (d[0] & 0x80) {
		pf_buf_add(&bin, data, len);
	} else {
		const char *p = data, *end = p + len;
		static const char begin[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

		if (memchr(data, 0, len)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': neither an OpenPGP keyring nor ASCII armor", what);
			goto out;
		}
		while (p < end) {
			const char *b = memmem(p, (size_t)(end - p), begin, sizeof begin - 1);
			size_t used = 0;

			if (!b)
				break;
			rc = import_dearmor(what, b, (size_t)(end - b), "PGP PUBLIC KEY BLOCK", &bin, &used, e);
			if (rc) {
				rc = -PF_EFORMAT;
				goto out;
			}
			p = b + used;
		}
		if (!bin.len) {
			rc = pf_error(e, PF_EFORMAT, "'%s': neither an OpenPGP keyring nor ASCII armor", what);
			goto out;
		}
	}
	copy = pf_arena_alloc(&kr->arena, bin.len);
	memcpy(copy, bin.p, bin.len);
	rc = keyring_packets(kr, what, copy, bin.len, e);
	if (rc) {
		free_keys(kr, nkeys);	/* nothing of this file stays */
		goto out;
	}
	rd = repo_add_repodata(kr->repo, 0);
	for (size_t i = nkeys; i < kr->n; i++) {
		const struct pgp_tkey *t = &kr->keys[i];

		if (t->key.supported && t->key.algo != 22)
			solv_add_key(kr, rd, &t->key, 0);
		for (size_t j = 0; j < t->nsubs; j++)
			if (t->subs[j].key.supported && t->subs[j].key.algo != 22)
				solv_add_key(kr, rd, &t->subs[j].key, 1);
	}
	repodata_internalize(rd);
	pf_strv_push(&kr->files, what);
out:
	pf_buf_release(&bin);
	return rc;
}

static int add_file(struct import_keyring *kr, const char *path, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	int rc = pf_read_file(path, KEYRING_MAX, &b, e);

	if (!rc)
		rc = import_keyring_add_data(kr, path, b.p, b.len, e);
	pf_buf_release(&b);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int import_keyring_add_path(struct import_keyring *kr, const char *path, struct pf_err *e)
{
	struct pf_strv names = PF_STRV_INIT;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (!pf_is_dir(path))
		return add_file(kr, path, e);
	dir = opendir(path);
	if (!dir)
		return pf_error(e, PF_EIO, "'%s': cannot read the keyring directory", path);
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name);

		if (d->d_name[0] == '.')
			continue;
		if (!strcmp(d->d_name, "debian-archive-removed-keys.gpg")) {
			rc = pf_error(e, PF_EUNTRUSTED, "'%s': holds debian-archive-removed-keys.gpg, keys Debian no "
				      "longer trusts; name the keyring file (e.g. %s/debian-archive-keyring.gpg) instead",
				      path, path);
			break;
		}
		if ((l > 4 && !strcmp(d->d_name + l - 4, ".gpg")) || (l > 4 && !strcmp(d->d_name + l - 4, ".asc")))
			pf_strv_push(&names, d->d_name);
	}
	closedir(dir);
	if (!rc && !names.n)
		rc = pf_error(e, PF_ENOTFOUND, "'%s': no *.gpg or *.asc keyring in this directory", path);
	if (!rc)
		pf_qsort(names.v, names.n, sizeof *names.v, by_name);
	for (size_t i = 0; !rc && i < names.n; i++) {
		char *p = pf_path_join(path, names.v[i]);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			rc = add_file(kr, p, e);
		free(p);
	}
	pf_strv_release(&names);
	return rc;
}

/* ---- ASCII armor ---- */

uint32_t import_crc24(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xb704ceu;

	while (n--) {
		crc ^= (uint32_t)*p++ << 16;
		for (int i = 0; i < 8; i++) {
			crc <<= 1;
			if (crc & 0x1000000u)
				crc ^= 0x1864cfbu;
		}
	}
	return crc & 0xffffffu;
}

/* One line of [p, end): its length without the line end, trailing blanks cut; *next after it. */
static size_t line_at(const char *p, const char *end, size_t *raw, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

	*raw = len;
	*next = nl ? nl + 1 : end;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	return len;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 of s (len a multiple of 4, '=' only as final padding, unused bits zero). */
static int b64_decode(const char *s, size_t n, struct pf_buf *out)
{
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		unsigned char o[3];

		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64val((unsigned char)s[i + j])) < 0) {
				return -1;
			}
		}
		o[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		o[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		o[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
			return -1;
		pf_buf_add(out, o, (size_t)(3 - pad));
	}
	return 0;
}

static int is_line(const char *p, size_t len, const char *a, const char *label, const char *b)
{
	size_t la = strlen(a), ll = strlen(label), lb = strlen(b);

	return len == la + ll + lb && !memcmp(p, a, la) && !memcmp(p + la, label, ll) && !memcmp(p + la + ll, b, lb);
}

int import_dearmor(const char *what, const char *data, size_t len, const char *label, struct pf_buf *out,
		   size_t *used, struct pf_err *e)
{
	const char *p = data, *end = data + len, *next;
	struct pf_buf b64 = PF_BUF_INIT, crc = PF_BUF_INIT, bin = PF_BUF_INIT;
	size_t l, raw;
	int rc = 0, body = 0, have_crc = 0;

	l = line_at(p, end, &raw, &next);
	if (!is_line(p, l, "-----BEGIN ", label, "-----")) {
		rc = pf_error(e, PF_EFORMAT, "'%s': expected '-----BEGIN %s-----'", what, label);
		goto out;
	}
	for (p = next; p < end; p = next) {
		l = line_at(p, end, &raw, &next);
		if (is_line(p, l, "-----END ", label, "-----")) {
			if (!body && !b64.len)
				break;
			*used = (size_t)(next - data);
			goto decode;
		}
		if (have_crc)
			break;	/* nothing but the END line may follow the checksum */
		if (!body) {
			if (!l) {
				body = 1;
				continue;
			}
			if (memchr(p, ':', l))
				continue;	/* an armor header (Version:, Comment:): informational */
			body = 1;	/* no header block at all: the body starts here */
		}
		if (l && p[0] == '=') {
			if (l != 5 || b64_decode(p + 1, 4, &crc) || crc.len != 3) {
				rc = pf_error(e, PF_EFORMAT, "'%s': malformed armor checksum line", what);
				goto out;
			}
			have_crc = 1;
			continue;
		}
		for (size_t i = 0; i < l; i++)
			if (b64val((unsigned char)p[i]) < 0 && p[i] != '=') {
				rc = pf_error(e, PF_EFORMAT, "'%s': invalid character in the %s armor", what, label);
				goto out;
			}
		pf_buf_add(&b64, p, l);
	}
	rc = pf_error(e, PF_EFORMAT, "'%s': the %s armor has no '-----END %s-----' line", what, label, label);
	goto out;
decode:
	if (b64_decode(b64.p ? b64.p : "", b64.len, &bin) || !bin.len) {
		rc = pf_error(e, PF_EFORMAT, "'%s': the %s armor is not valid base64", what, label);
		goto out;
	}
	if (have_crc) {
		const unsigned char *c = (const unsigned char *)crc.p;
		uint32_t want = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];

		if (import_crc24((const unsigned char *)bin.p, bin.len) != want) {
			rc = pf_error(e, PF_EFORMAT, "'%s': the %s armor checksum does not match", what, label);
			goto out;
		}
	}
	pf_buf_add(out, bin.p, bin.len);
out:
	pf_buf_release(&b64);
	pf_buf_release(&crc);
	pf_buf_release(&bin);
	return rc;
}

/* ---- cleartext signatures ---- */

/* Hash names of a "Hash:" armor header; a bit per algorithm id. -1 on an unknown name. */
static int hash_header(const char *p, size_t len, unsigned *mask)
{
	static const struct { const char *name; int id; } names[] = {
		{ "MD5", 1 }, { "SHA1", 2 }, { "RIPEMD160", 3 }, { "SHA256", 8 }, { "SHA384", 9 }, { "SHA512", 10 },
		{ "SHA224", 11 },
	};

	while (len) {
		size_t n = 0;
		int found = 0;

		while (len && (*p == ' ' || *p == ','))
			p++, len--;
		while (n < len && p[n] != ',' && p[n] != ' ')
			n++;
		if (!n)
			break;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].name) == n && !memcmp(names[i].name, p, n)) {
				*mask |= 1u << names[i].id;
				found = 1;
			}
		if (!found)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * The split, with the "Hash:" mask and (when text is not NULL) the signed
 * text with LF line ends as well.
 */
static int split(const char *what, const char *data, size_t len, struct pf_buf *canon, struct pf_buf *text,
		 struct pf_buf *sigs, unsigned *hashes, struct pf_err *e)
{
	const char *p = data, *end = data + len, *next;
	size_t l, raw, used = 0, lineno = 1;
	int first = 1;

	*hashes = 0;
	if (memchr(data, 0, len))
		return pf_error(e, PF_EBADSIG, "'%s': holds a NUL byte (not a cleartext-signed file)", what);
	l = line_at(p, end, &raw, &next);
	if (l != 34 || memcmp(p, "-----BEGIN PGP SIGNED MESSAGE-----", 34))
		return pf_error(e, PF_EBADSIG, "'%s': not an OpenPGP cleartext-signed file (no '-----BEGIN PGP "
				"SIGNED MESSAGE-----' on its first line)", what);
	for (p = next;; p = next) {
		lineno++;
		if (p >= end)
			return pf_error(e, PF_EBADSIG, "'%s': the signed message ends inside its header", what);
		l = line_at(p, end, &raw, &next);
		if (!l)
			break;
		if (l < 6 || memcmp(p, "Hash: ", 6) || hash_header(p + 6, l - 6, hashes))
			return pf_error(e, PF_EBADSIG, "'%s': line %zu: unexpected header '%.*s' in the signed message",
					what, lineno, (int)(l > 60 ? 60 : l), p);
	}
	for (p = next;; p = next) {
		const char *s;

		lineno++;
		if (p >= end)
			return pf_error(e, PF_EBADSIG, "'%s': no '-----BEGIN PGP SIGNATURE-----' after the signed text",
					what);
		l = line_at(p, end, &raw, &next);
		if (l == 29 && !memcmp(p, "-----BEGIN PGP SIGNATURE-----", 29))
			break;
		s = p;
		if (raw >= 2 && p[0] == '-' && p[1] == ' ') {
			s = p + 2;
			l = raw - 2;
			while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
				l--;
		} else if (raw && p[0] == '-') {
			return pf_error(e, PF_EBADSIG, "'%s': line %zu starts with '-' but is not dash-escaped", what,
					lineno);
		}
		if (!first)
			pf_buf_add(canon, "\r\n", 2);
		pf_buf_add(canon, s, l);
		if (text) {
			pf_buf_add(text, s, l);
			pf_buf_addc(text, '\n');
		}
		first = 0;
	}
	if (import_dearmor(what, p, (size_t)(end - p), "PGP SIGNATURE", sigs, &used, e)) {
		char msg[PF_ERR_MAX];

		snprintf(msg, sizeof msg, "%s", e->msg);
		pf_err_clear(e);
		return pf_error(e, PF_EBADSIG, "%s", msg);
	}
	for (p += used; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return pf_error(e, PF_EBADSIG, "'%s': text after the signature (only the signed part may be "
					"in the file)", what);
	pf_buf_cstr(canon);
	return 0;
}

int import_cleartext_split(const char *what, const char *data, size_t len, struct pf_buf *canon, struct pf_buf *sigs,
			   struct pf_err *e)
{
	unsigned hashes;

	return split(what, data, len, canon, NULL, sigs, &hashes, e);
}

void import_signed_release(struct import_signed *s)
{
	if (!s)
		return;
	free(s->text);
	pf_strv_release(&s->signers);
	memset(s, 0, sizeof *s);
}

/* A key of kr that may have made s: (tkey, NULL) for a primary key, (tkey, subkey) for a subkey. */
struct cand {
	const struct pgp_tkey *tk;
	const struct pgp_pub *key, *sub;
};

static size_t candidates(const struct import_keyring *kr, const struct pgp_sig *s, struct cand *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < kr->n; i++) {
		const struct pgp_tkey *t = &kr->keys[i];

		for (size_t j = 0; j <= t->nsubs; j++) {
			const struct pgp_pub *k = j ? &t->subs[j - 1].key : &t->key;
			int dup = 0;

			if (s->has_issuer_fpr ? memcmp(s->issuer_fpr, k->fpr, 20) :
			    !s->has_issuer_id || memcmp(s->issuer_id, k->keyid, 8))
				continue;
			for (size_t c = 0; c < n; c++)
				dup |= same_fpr(out[c].key, k);
			if (dup || n == max)
				continue;
			out[n].tk = t;
			out[n].key = k;
			out[n].sub = j ? k : NULL;
			n++;
		}
	}
	return n;
}

int import_verify_cleartext(const struct import_keyring *kr, const char *what, const char *data, size_t len,
			    time_t now, struct import_signed *out, struct pf_err *e)
{
	struct pf_buf canon = PF_BUF_INIT, text = PF_BUF_INIT, sigs = PF_BUF_INIT, unknown = PF_BUF_INIT;
	char bad[PF_ERR_MAX] = "", invalid[PF_ERR_MAX] = "", why[512];
	const unsigned char *p, *start;
	unsigned hashes;
	size_t n, nsig = 0;
	int rc, invalid_code = 0;

	memset(out, 0, sizeof *out);
	rc = split(what, data, len, &canon, &text, &sigs, &hashes, e);
	if (rc)
		goto out;
	start = p = (const unsigned char *)sigs.p;
	for (n = sigs.len; n;) {
		const unsigned char *body;
		size_t blen, used = pkt_next(p, n, &rc, &body, &blen);
		struct cand c[8];
		struct pgp_sig s;
		unsigned char dig[64];
		size_t nc;
		int tag = rc, dl, pr;
		char fp[41], ts[PF_TIME_STR];

		rc = 0;
		if (nsig == MAX_SIGS) {
			rc = pf_error(e, PF_EBADSIG, "'%s': more than %d signatures", what, MAX_SIGS);
			goto out;
		}
		if (!used || tag != TAG_SIG) {
			rc = pf_error(e, PF_EBADSIG, "'%s': malformed signature packet at byte %zu of the signature", what,
				      (size_t)(p - start));
			goto out;
		}
		p += used;
		n -= used;
		nsig++;
		pr = parse_sig(body, blen, &s);
		if (pr < 0) {
			rc = pf_error(e, PF_EBADSIG, "'%s': malformed signature packet", what);
			goto out;
		}
		if (pr > 0)
			continue;	/* a signature version pinfold does not read; others may still verify */
		if (s.type != SIG_TEXT) {
			rc = pf_error(e, PF_EBADSIG, "'%s': a cleartext signature of type 0x%02x (expected a text "
				      "signature, 0x01)", what, s.type);
			goto out;
		}
		nc = candidates(kr, &s, c, 8);
		if (!nc) {
			if (s.has_issuer_fpr)
				hexfpr(s.issuer_fpr, 1, fp);
			else if (s.has_issuer_id)
				snprintf(fp, sizeof fp, "%02X%02X%02X%02X%02X%02X%02X%02X", s.issuer_id[0], s.issuer_id[1],
					 s.issuer_id[2], s.issuer_id[3], s.issuer_id[4], s.issuer_id[5], s.issuer_id[6],
					 s.issuer_id[7]);
			else
				snprintf(fp, sizeof fp, "(no issuer)");
			pf_buf_addf(&unknown, "%s%s", unknown.len ? ", " : "", fp);
			continue;
		}
		hexfpr(c[0].key->fpr, 1, fp);
		if (!hash_id(s.hashalgo)) {
			if (!invalid[0] || invalid_code != PF_EEXPIRED) {
				snprintf(invalid, sizeof invalid, "'%s': the signature by key %s uses %s, a hash pinfold "
					 "does not accept", what, fp, hash_name(s.hashalgo));
				invalid_code = PF_EUNTRUSTED;
			}
			continue;
		}
		if (hashes && !(hashes & (1u << s.hashalgo))) {
			rc = pf_error(e, PF_EBADSIG, "'%s': a %s signature, but the message's Hash header does not name "
				      "%s", what, hash_name(s.hashalgo), hash_name(s.hashalgo));
			goto out;
		}
		if (!s.has_created || s.unknown_critical) {
			rc = pf_error(e, PF_EBADSIG, "'%s': the signature by key %s %s", what, fp,
				      !s.has_created ? "has no creation time" : "has a critical part pinfold does not know");
			goto out;
		}
		{
			Chksum *h = solv_chksum_create(hash_id(s.hashalgo));

			solv_chksum_add(h, canon.p ? canon.p : "", (int)canon.len);
			dl = hash_finish(h, &s, dig);
		}
		for (size_t i = 0; i < nc; i++) {
			hexfpr(c[i].key->fpr, 1, fp);
			if (!c[i].key->supported) {
				if (!invalid[0])
					snprintf(invalid, sizeof invalid, "'%s': signed by key %s, which is %s", what, fp,
						 c[i].key->unsupported);
				invalid_code = invalid_code ? invalid_code : PF_EUNTRUSTED;
				continue;
			}
			if (!sig_math(kr, &s, dig, dl, c[i].key)) {
				if (!bad[0])
					snprintf(bad, sizeof bad, "'%s': bad signature by key %s (the file was changed "
						 "after it was signed, or the signature is damaged)", what, fp);
				continue;
			}
			if ((time_t)s.created > now) {
				when(s.created, ts);
				snprintf(invalid, sizeof invalid, "'%s': the signature by key %s was made in the future "
					 "(%s)", what, fp, ts);
				invalid_code = PF_EBADSIG;
				continue;
			}
			if (s.expires && (time_t)(s.created + s.expires) <= now) {
				when(s.created + s.expires, ts);
				snprintf(invalid, sizeof invalid, "'%s': the signature by key %s expired on %s", what, fp,
					 ts);
				invalid_code = PF_EEXPIRED;
				continue;
			}
			rc = key_usable(kr, c[i].tk, c[i].sub, (time_t)s.created, now, why, sizeof why);
			if (rc) {
				if (!invalid[0] || -rc == PF_EEXPIRED)
					snprintf(invalid, sizeof invalid, "'%s': signed by a key that cannot be used: %s",
						 what, why);
				invalid_code = -rc;
				rc = 0;
				continue;
			}
			if (!out->signers.n) {
				out->sig_time = (time_t)s.created;
				hexfpr(c[i].key->fpr, 1, out->signer);
				hexfpr(c[i].tk->key.fpr, 1, out->primary);
			}
			if (!pf_strv_contains(&out->signers, fp))
				pf_strv_push(&out->signers, fp);
			break;
		}
	}
	if (bad[0]) {
		rc = pf_error(e, PF_EBADSIG, "%s", bad);
	} else if (!nsig) {
		rc = pf_error(e, PF_EBADSIG, "'%s': the signature block holds no signature", what);
	} else if (!out->signers.n) {
		if (invalid[0])
			rc = pf_error(e, invalid_code ? invalid_code : PF_EUNTRUSTED, "%s", invalid);
		else
			rc = pf_error(e, PF_EUNTRUSTED, "'%s': not signed by any key of the keyring (signed by %s)", what,
				      unknown.len ? unknown.p : "no key pinfold can read");
	}
	if (!rc) {
		out->text = pf_buf_detach(&text, &out->len);
		if (!out->text)
			out->text = pf_xstrdup("");
	}
out:
	if (rc)
		import_signed_release(out);
	pf_buf_release(&canon);
	pf_buf_release(&text);
	pf_buf_release(&sigs);
	pf_buf_release(&unknown);
	return rc;
}
