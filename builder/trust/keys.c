/* SPDX-License-Identifier: MIT */
/* Ed25519 key files: generation without overwriting, PEM loading, and key ids. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/digest.h"
#include "core/file.h"
#include "trust/internal.h"

#define KEY_FILE_MAX 65536

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

static void fill_id(struct trust_key *k)
{
	char hex[PF_SHA256_HEX];

	pf_sha256_hex(k->raw, TRUST_RAW_KEY, hex);
	memcpy(k->id, hex, TRUST_KEYID_HEX);
}

static int from_pkey(EVP_PKEY *pkey, int priv, const char *what, struct trust_key **out, struct pf_err *e)
{
	struct trust_key *k;
	size_t len = TRUST_RAW_KEY;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		return pf_error(e, PF_EFORMAT, "'%s': not an Ed25519 key", what);
	}
	k = pf_xcalloc(1, sizeof *k);
	k->pkey = pkey;
	k->priv = priv;
	if (EVP_PKEY_get_raw_public_key(pkey, k->raw, &len) != 1 || len != TRUST_RAW_KEY) {
		trust_key_free(k);
		return pf_error(e, PF_EINTERNAL, "'%s': cannot read the public key", what);
	}
	fill_id(k);
	*out = k;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Create path exclusively (never following or replacing anything) and write data to it. */
static int write_new(const char *path, const char *data, size_t n, mode_t mode, struct pf_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return pf_error(e, errno == EEXIST ? PF_EEXIST : PF_EIO, "'%s': %s%s", path, strerror(errno),
				errno == EEXIST ? " (refusing to overwrite a key file)" : "");
	if (fchmod(fd, mode) < 0 || write_all(fd, data, n) < 0 || fsync(fd) < 0) {
		int rc = pf_error(e, PF_EIO, "'%s': cannot write: %s", path, strerror(errno));

		close(fd);
		unlink(path);
		return rc;
	}
	if (close(fd) < 0) {
		unlink(path);
		return pf_error(e, PF_EIO, "'%s': cannot write: %s", path, strerror(errno));
	}
	return 0;
}

int trust_key_generate(const char *path, char id[TRUST_KEYID_HEX], struct pf_err *e)
{
	EVP_PKEY *pkey = NULL;
	struct trust_key *k = NULL;
	BIO *priv = NULL, *pub = NULL;
	char *pubpath = pf_xasprintf("%s.pub", path);
	char *pd = NULL, *ud = NULL;
	long pn = 0, un = 0;
	int rc = 0;

	/* Check both names first so a failure leaves nothing behind. */
	if (pf_exists(path) || pf_exists(pubpath)) {
		rc = pf_error(e, PF_EEXIST, "'%s': already exists (refusing to overwrite a key file)",
			      pf_exists(path) ? path : pubpath);
		goto out;
	}
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey) {
		rc = pf_error(e, PF_EINTERNAL, "'%s': Ed25519 key generation failed", path);
		goto out;
	}
	priv = BIO_new(BIO_s_secmem());
	pub = BIO_new(BIO_s_mem());
	if (!priv || !pub || PEM_write_bio_PKCS8PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_PUBKEY(pub, pkey) != 1) {
		rc = pf_error(e, PF_EINTERNAL, "'%s': cannot encode the key", path);
		goto out;
	}
	pn = BIO_get_mem_data(priv, &pd);
	un = BIO_get_mem_data(pub, &ud);
	rc = write_new(path, pd, (size_t)pn, 0600, e);
	if (rc)
		goto out;
	rc = write_new(pubpath, ud, (size_t)un, 0644, e);
	if (rc) {
		unlink(path);
		goto out;
	}
	rc = from_pkey(pkey, 1, path, &k, e);
	pkey = NULL;
	if (rc)
		goto out;
	memcpy(id, k->id, TRUST_KEYID_HEX);
out:
	if (pd)
		OPENSSL_cleanse(pd, (size_t)pn);
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(pkey);
	trust_key_free(k);
	free(pubpath);
	ERR_clear_error();
	return rc;
}

int trust_key_load(const char *path, struct trust_key **out, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char real[PATH_MAX];
	int priv = 0, rc;

	*out = NULL;
	rc = pf_read_file(path, KEY_FILE_MAX, &b, e);
	if (rc)
		return rc;
	bio = BIO_new_mem_buf(b.p, (int)b.len);
	if (!bio) {
		rc = pf_error(e, PF_EINTERNAL, "'%s': out of memory", path);
		goto out;
	}
	if (memmem(b.p, b.len, "PRIVATE" " KEY-----", 16)) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		priv = 1;
	} else {
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	}
	if (!pkey) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not a PEM Ed25519 %s key (or it is encrypted)", path,
			      priv ? "private" : "public");
		goto out;
	}
	rc = from_pkey(pkey, priv, path, out, e);
	if (!rc)
		(*out)->source = pf_xstrdup(realpath(path, real) ? real : path);
out:
	BIO_free(bio);
	if (b.p)
		OPENSSL_cleanse(b.p, b.len);
	pf_buf_release(&b);
	ERR_clear_error();
	return rc;
}

const char *trust_key_id(const struct trust_key *k)
{
	return k->id;
}

int trust_key_is_private(const struct trust_key *k)
{
	return k->priv;
}

void trust_key_free(struct trust_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->source);
	OPENSSL_cleanse(k, sizeof *k);
	free(k);
}

int trust_key_from_raw(const unsigned char raw[32], const char *source, struct trust_key **out, struct pf_err *e)
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, TRUST_RAW_KEY);
	int rc;

	*out = NULL;
	if (!pkey) {
		ERR_clear_error();
		return pf_error(e, PF_EFORMAT, "'%s': not an Ed25519 public key", source);
	}
	rc = from_pkey(pkey, 0, source, out, e);
	if (!rc && source)
		(*out)->source = pf_xstrdup(source);
	return rc;
}
