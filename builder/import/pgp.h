/* SPDX-License-Identifier: MIT */
/* OpenPGP for Debian's archive index: keyrings, key validity and cleartext-signed InRelease files. */
#ifndef PF_IMPORT_PGP_H
#define PF_IMPORT_PGP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"
#include "core/mem.h"

/*
 * A set of trusted OpenPGP public keys (version 4: RSA and DSA of at least
 * 2048 bits, Ed25519). Packet structure, self-signatures, subkey bindings,
 * revocations and expiry are read here; libsolvext's repo_verify_sigdata()
 * does the public-key arithmetic over keys registered in a libsolv repo the
 * way repo_add_keyring() registers them. Opaque.
 */
struct import_keyring;

struct import_keyring *import_keyring_new(void);
void import_keyring_free(struct import_keyring *kr);
/*
 * Add a keyring file (binary packets as in debian-archive-keyring.gpg, or
 * ASCII armor as in the .asc files of /etc/apt/trusted.gpg.d, several keys allowed) or a
 * directory (every regular *.gpg and *.asc file directly in it, in byte order
 * of their names). A file holding a secret key, a malformed file, or a file
 * without a single public key is PF_EFORMAT naming it. A directory holding
 * debian-archive-removed-keys.gpg is refused (PF_EUNTRUSTED): those are keys
 * Debian no longer trusts.
 */
int import_keyring_add_path(struct import_keyring *kr, const char *path, struct pf_err *e);
/* The same for bytes (what names them in messages). */
int import_keyring_add_data(struct import_keyring *kr, const char *what, const void *data, size_t len,
			    struct pf_err *e);
/* Number of primary keys loaded. */
size_t import_keyring_count(const struct import_keyring *kr);

/* A verified cleartext-signed message. */
struct import_signed {
	char *text;		/* the signed text: dash-escapes removed, trailing blanks cut, LF line ends */
	size_t len;
	time_t sig_time;	/* creation time of the first good signature */
	char signer[41];	/* uppercase hex fingerprint of the (sub)key that made it */
	char primary[41];	/* and of its primary key (the same for a primary key) */
	struct pf_strv signers;	/* every good signature's signing key fingerprint, in file order */
};
void import_signed_release(struct import_signed *s);

/*
 * Verify a cleartext-signed message (RFC 4880 section 7 / RFC 9580 section
 * 7) before anything in it is used: the text is canonicalised (dash-escapes
 * removed, trailing spaces and tabs cut, CR LF line ends) and hashed with
 * each version 4 text signature's algorithm (SHA-224/256/384/512; MD5 and
 * SHA-1 are refused). At least one signature must be good: made by a key of
 * kr whose binding is intact (self-signature; for a subkey a binding
 * signature with the signing flag and a valid back-signature), not revoked,
 * created before and not expired at the signature's time nor at now, with
 * the signature not made after now and not expired. Signatures by keys not in
 * kr are ignored. Outcomes: a signature by a key in kr that does not verify,
 * or a message that is not well-formed -> PF_EBADSIG; only signatures by
 * expired keys (or expired signatures) -> PF_EEXPIRED; nothing made by a
 * usable key of kr -> PF_EUNTRUSTED. Nothing outside the signed block is
 * allowed (only blank lines after it). On success out owns the text.
 */
int import_verify_cleartext(const struct import_keyring *kr, const char *what, const char *data, size_t len,
			    time_t now, struct import_signed *out, struct pf_err *e);

/*
 * Parsing only, no keys (for tests and fuzzers): split a cleartext-signed
 * message into the canonical text that signatures cover (CR LF line ends, no
 * final line end) appended to canon, and the dearmored signature packets
 * appended to sigs. 0, or PF_EBADSIG naming what is malformed.
 */
int import_cleartext_split(const char *what, const char *data, size_t len, struct pf_buf *canon, struct pf_buf *sigs,
			   struct pf_err *e);
/*
 * Decode one ASCII-armored block with the given label ("PGP SIGNATURE",
 * "PGP PUBLIC KEY BLOCK") starting at the first line of data; the CRC-24
 * line, when present, must match. Appends the bytes to out; *used gets the
 * bytes consumed up to and including the END line. 0 or PF_EFORMAT.
 */
int import_dearmor(const char *what, const char *data, size_t len, const char *label, struct pf_buf *out,
		   size_t *used, struct pf_err *e);

/* CRC-24 of RFC 4880 section 6.1 (exposed for tests). */
uint32_t import_crc24(const unsigned char *p, size_t n);

#endif
