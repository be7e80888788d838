/* SPDX-License-Identifier: MIT */
/* SHA-256 through OpenSSL's EVP interface. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/mem.h"

static void die_crypto(void)
{
	/* EVP digest failures only happen when memory is exhausted */
	pf_xmalloc((size_t)-1);
}

void pf_sha256_init(struct pf_sha256 *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die_crypto();
	s->md = ctx;
}

void pf_sha256_update(struct pf_sha256 *s, const void *data, size_t n)
{
	if (n && EVP_DigestUpdate(s->md, data, n) != 1)
		die_crypto();
}

void pf_sha256_final_raw(struct pf_sha256 *s, unsigned char raw[32])
{
	unsigned int len = 32;

	if (EVP_DigestFinal_ex(s->md, raw, &len) != 1)
		die_crypto();
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
}

void pf_hex(const unsigned char *raw, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[2 * n] = '\0';
}

void pf_sha256_final(struct pf_sha256 *s, char hex[PF_SHA256_HEX])
{
	unsigned char raw[32];

	pf_sha256_final_raw(s, raw);
	pf_hex(raw, 32, hex);
}

void pf_sha256_hex(const void *data, size_t n, char hex[PF_SHA256_HEX])
{
	struct pf_sha256 s;

	pf_sha256_init(&s);
	pf_sha256_update(&s, data, n);
	pf_sha256_final(&s, hex);
}

int pf_sha256_fd(int fd, int copy_fd, const char *label, char hex[PF_SHA256_HEX], uint64_t *size,
		 struct pf_err *e)
{
	enum { CHUNK = 1 << 17 };
	unsigned char *chunk = pf_xmalloc(CHUNK);
	struct pf_sha256 s;
	uint64_t total = 0;
	int rc = 0;

	pf_sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, chunk, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", label, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		pf_sha256_update(&s, chunk, (size_t)n);
		total += (uint64_t)n;
		for (ssize_t off = 0; copy_fd >= 0 && off < n;) {
			ssize_t w = write(copy_fd, chunk + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = pf_error(e, PF_EIO, "'%s': cannot copy: %s", label, strerror(errno));
				break;
			}
			off += w;
		}
		if (rc)
			break;
	}
	free(chunk);
	pf_sha256_final(&s, hex);
	if (!rc && size)
		*size = total;
	return rc;
}

int pf_sha256_file(const char *path, char hex[PF_SHA256_HEX], uint64_t *size, struct pf_err *e)
{
	int fd = pf_open_regular(path, 0, NULL, e), rc;

	if (fd < 0)
		return fd;
	rc = pf_sha256_fd(fd, -1, path, hex, size, e);
	close(fd);
	return rc;
}

int pf_is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

void pf_hmac_sha256_hex(const unsigned char *key, size_t keylen, const void *a, size_t alen, const void *b,
			size_t blen, char hex[PF_SHA256_HEX])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned char raw[32];
	size_t len = 0;

	if (!ctx || EVP_MAC_init(ctx, key, keylen, params) != 1 || (alen && EVP_MAC_update(ctx, a, alen) != 1) ||
	    (blen && EVP_MAC_update(ctx, b, blen) != 1) || EVP_MAC_final(ctx, raw, &len, sizeof raw) != 1 ||
	    len != sizeof raw)
		die_crypto();
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	pf_hex(raw, sizeof raw, hex);
}

int pf_digest_eq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

void pf_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

void pf_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[PF_UUID_STR])
{
	static const char digits[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[20];
	unsigned int len = sizeof md;
	char *o = out;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 || EVP_DigestUpdate(ctx, ns, 16) != 1 ||
	    (n && EVP_DigestUpdate(ctx, name, n) != 1) || EVP_DigestFinal_ex(ctx, md, &len) != 1)
		die_crypto();
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);	/* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = digits[md[i] >> 4];
		*o++ = digits[md[i] & 15];
	}
	*o = '\0';
}
