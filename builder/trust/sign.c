/* SPDX-License-Identifier: MIT */
/* Detached DSSE-style signatures: PAE, one "<keyid> <base64>" line per key, threshold verification. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "core/digest.h"
#include "trust/internal.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void trust_pae(const char *payload_type, const void *data, size_t n, struct pf_buf *out)
{
	pf_buf_addf(out, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type, n);
	pf_buf_add(out, data, n);
}

static void b64_encode(const unsigned char *in, size_t n, struct pf_buf *out)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		pf_buf_addc(out, b64[v >> 18 & 63]);
		pf_buf_addc(out, b64[v >> 12 & 63]);
		pf_buf_addc(out, i + 1 < n ? b64[v >> 6 & 63] : '=');
		pf_buf_addc(out, i + 2 < n ? b64[v & 63] : '=');
	}
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Strict: exactly the canonical padded encoding of a 64-byte signature. */
static int b64_decode_sig(const char *s, size_t n, unsigned char out[TRUST_SIG_LEN])
{
	size_t o = 0;

	if (n != TRUST_SIG_B64 || s[86] != '=' || s[87] != '=')
		return -1;
	for (size_t i = 0; i < 84; i += 4) {
		int a = b64_val(s[i]), b = b64_val(s[i + 1]), c = b64_val(s[i + 2]), d = b64_val(s[i + 3]);
		unsigned v;

		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -1;
		v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	{
		int a = b64_val(s[84]), b = b64_val(s[85]);

		if (a < 0 || b < 0 || (b & 15))
			return -1;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
	}
	return o == TRUST_SIG_LEN ? 0 : -1;
}

int trust_sign(const struct trust_key *k, const char *payload_type, const void *data, size_t n,
	       struct pf_buf *sig, struct pf_err *e)
{
	struct pf_buf pae = PF_BUF_INIT;
	unsigned char raw[TRUST_SIG_LEN];
	size_t len = sizeof raw;
	EVP_MD_CTX *ctx = NULL;
	int rc = 0;

	if (!k->priv)
		return pf_error(e, PF_EUSAGE, "key %s: a private key is needed to sign", k->id);
	trust_pae(payload_type, data, n, &pae);
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, raw, &len, (const unsigned char *)pae.p, pae.len) != 1 || len != sizeof raw) {
		rc = pf_error(e, PF_EINTERNAL, "key %s: signing failed", k->id);
		goto out;
	}
	/* Check our own signature before handing it out. */
	if (!trust_key_verify_raw(k, raw, pae.p, pae.len)) {
		rc = pf_error(e, PF_EINTERNAL, "key %s: the new signature does not verify", k->id);
		goto out;
	}
	pf_buf_addf(sig, "%s ", k->id);
	b64_encode(raw, sizeof raw, sig);
	pf_buf_addc(sig, '\n');
out:
	EVP_MD_CTX_free(ctx);
	pf_buf_release(&pae);
	ERR_clear_error();
	return rc;
}

int trust_key_verify_raw(const struct trust_key *k, const unsigned char *sig, const void *msg, size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, TRUST_SIG_LEN, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int pinned(const struct trust_policy *p, const char *id)
{
	if (!p || !p->npin)
		return 1;
	for (size_t i = 0; i < p->npin; i++)
		if (p->pin[i] && !strcmp(p->pin[i], id))
			return 1;
	return 0;
}

static int is_hex_id(const char *s, size_t n)
{
	if (n != TRUST_KEYID_HEX - 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

size_t trust_pae_header(const char *payload_type, size_t n, char *out, size_t size)
{
	int k = snprintf(out, size, "DSSEv1 %zu %s %zu ", strlen(payload_type), payload_type, n);

	return k < 0 || (size_t)k >= size ? 0 : (size_t)k;
}

int trust_verify(const struct trust_store *s, const char *what, const char *payload_type,
		 const void *data, size_t n, const char *sig, size_t siglen,
		 const struct trust_policy *p, struct pf_strv *signers, struct pf_err *e)
{
	struct pf_buf pae = PF_BUF_INIT;
	int rc;

	trust_pae(payload_type, data, n, &pae);
	rc = trust_verify_pae(s, what, pae.p, pae.len, sig, siglen, p, signers, e);
	pf_buf_release(&pae);
	return rc;
}

static size_t tries(const struct pf_strv *tried, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < tried->n; i++)
		n += !strcmp(tried->v[i], id);
	return n;
}

int trust_verify_pae(const struct trust_store *s, const char *what, const void *pae, size_t paelen,
		     const char *sig, size_t siglen, const struct trust_policy *p, struct pf_strv *signers,
		     struct pf_err *e)
{
	struct pf_strv good = PF_STRV_INIT, unknown = PF_STRV_INIT, unpinned = PF_STRV_INIT, tried = PF_STRV_INIT;
	size_t malformed = 0, bad = 0, lines = 0;
	int threshold = p && p->threshold > 0 ? p->threshold : 1;
	const char *q = sig, *end = sig + siglen;
	int rc = 0;

	/* Counted before any verification: a padded file costs one pass, not a signature check per line. */
	for (const char *c = sig; c < end; lines++) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));

		if (lines >= TRUST_MAX_SIG_LINES)
			return pf_error(e, PF_EBADSIG, "'%s': more than %d signature lines, refused unchecked", what,
					TRUST_MAX_SIG_LINES);
		c = nl ? nl + 1 : end;
	}
	lines = 0;
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *le = nl ? nl : end;
		size_t len = (size_t)(le - q);
		unsigned char raw[TRUST_SIG_LEN];
		const struct trust_key *k;
		char id[TRUST_KEYID_HEX];

		lines++;
		if (len != TRUST_KEYID_HEX + TRUST_SIG_B64 || q[TRUST_KEYID_HEX - 1] != ' ' ||
		    !is_hex_id(q, TRUST_KEYID_HEX - 1) ||
		    b64_decode_sig(q + TRUST_KEYID_HEX, TRUST_SIG_B64, raw)) {
			malformed++;
			goto next;
		}
		memcpy(id, q, TRUST_KEYID_HEX - 1);
		id[TRUST_KEYID_HEX - 1] = '\0';
		/*
		 * Ids name keys by a hash of the raw key, so distinct ids are distinct
		 * keys. A key that verified is done; one that did not gets its second
		 * line (catalog sign keeps the previous version's signature after the
		 * new one, so a reader holding the previous catalog still verifies);
		 * later lines for it are ignored.
		 */
		if (pf_strv_contains(&good, id) || tries(&tried, id) >= TRUST_TRIES_PER_KEY)
			goto next;
		pf_strv_push(&tried, id);
		k = trust_store_find(s, id);
		if (!k) {
			if (!pf_strv_contains(&unknown, id))
				pf_strv_push(&unknown, id);
			goto next;
		}
		if (!trust_key_verify_raw(k, raw, pae, paelen)) {
			bad++;
			goto next;
		}
		if (!pinned(p, id)) {
			if (!pf_strv_contains(&unpinned, id))
				pf_strv_push(&unpinned, id);
			goto next;
		}
		if (!pf_strv_contains(&good, id))
			pf_strv_push(&good, id);
next:
		q = nl ? nl + 1 : end;
	}
	if (good.n >= (size_t)threshold) {
		pf_strv_sort(&good);
		if (signers)
			for (size_t i = 0; i < good.n; i++)
				pf_strv_push(signers, good.v[i]);
		goto out;
	}
	if (!lines || malformed == lines)
		rc = pf_error(e, PF_EBADSIG, "'%s': no well-formed signature line (want \"<key id> <base64>\")", what);
	else if (bad && !good.n)
		rc = pf_error(e, PF_EBADSIG, "'%s': signature does not verify: the file was changed after "
			      "signing, or the signature is corrupt", what);
	else if (unpinned.n && !good.n)
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': signed only by key %s%s, which the trust pin does not "
			      "allow", what, unpinned.v[0], unpinned.n > 1 ? " and others" : "");
	else if (!good.n)
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': not signed by any trusted key (signed by unknown key %.16s%s)",
			      what, unknown.n ? unknown.v[0] : "?", unknown.n > 1 ? " and others" : "");
	else
		rc = pf_error(e, PF_EUNTRUSTED, "'%s': signed by %zu distinct trusted key%s, %d required", what,
			      good.n, good.n == 1 ? "" : "s", threshold);
out:
	pf_strv_release(&good);
	pf_strv_release(&unknown);
	pf_strv_release(&unpinned);
	pf_strv_release(&tried);
	return rc;
}

size_t trust_sig_carry(const char *sig, size_t siglen, size_t max, struct pf_buf *out)
{
	struct pf_strv seen = PF_STRV_INIT;
	const char *q = sig, *end = sig + siglen;
	size_t n = 0;

	while (q < end && n < max) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t len = (size_t)((nl ? nl : end) - q);
		unsigned char raw[TRUST_SIG_LEN];
		char id[TRUST_KEYID_HEX];

		if (len == TRUST_KEYID_HEX + TRUST_SIG_B64 && q[TRUST_KEYID_HEX - 1] == ' ' &&
		    is_hex_id(q, TRUST_KEYID_HEX - 1) && !b64_decode_sig(q + TRUST_KEYID_HEX, TRUST_SIG_B64, raw)) {
			memcpy(id, q, TRUST_KEYID_HEX - 1);
			id[TRUST_KEYID_HEX - 1] = '\0';
			if (!pf_strv_contains(&seen, id)) {
				pf_strv_push(&seen, id);
				pf_buf_add(out, q, len);
				pf_buf_addc(out, '\n');
				n++;
			}
		}
		q = nl ? nl + 1 : end;
	}
	pf_strv_release(&seen);
	return n;
}

int trust_ed25519_verify(const unsigned char pub[32], const unsigned char sig[64], const void *msg, size_t n)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = k ? EVP_MD_CTX_new() : NULL;
	int ok;

	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 && EVP_DigestVerify(ctx, sig, 64, msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ok;
}
