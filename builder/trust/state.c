/* SPDX-License-Identifier: MIT */
/* Rollback state: the highest version, its SHA-256 and its signers seen per signed document, kept atomically. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/file.h"
#include "trust/trust.h"

#define STATE_MAX 4096
#define STATE_MAX_KEYS 32

int trust_state_name_ok(const char *s)
{
	size_t n;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return 0;
	n = strlen(s);
	return n <= 100 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int state_path(const char *dir, const char *kind, const char *name, char **out, struct pf_err *e)
{
	if (!trust_state_name_ok(kind) || !trust_state_name_ok(name))
		return pf_error(e, PF_EFORMAT, "'%s': not a valid %s name for the state directory", name ? name : "",
				trust_state_name_ok(kind) ? kind : "document");
	*out = pf_xasprintf("%s/%s/%s", dir, kind, name);
	return 0;
}

/* What a state file holds. */
struct state {
	long long version;
	char sha[PF_SHA256_HEX];
	char keys[STATE_MAX_KEYS][TRUST_KEYID_HEX];
	size_t nkeys;			/* 0: written before signers were recorded */
};

static int is_keyid(const char *s, size_t n)
{
	if (n != TRUST_KEYID_HEX - 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * "version N\nsha256 HEX\n" and, since signers are recorded, "keys ID...\n".
 * 1 when absent, 0 when read.
 */
static int state_read(const char *path, struct state *st, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err tmp;
	char hex[PF_SHA256_HEX + 1];
	int used = 0, rc;
	const char *p;

	memset(&tmp, 0, sizeof tmp);
	memset(st, 0, sizeof *st);
	rc = pf_read_file(path, STATE_MAX, &b, &tmp);
	if (rc == -PF_ENOTFOUND) {
		pf_buf_release(&b);
		return 1;
	}
	if (rc) {
		pf_buf_release(&b);
		return pf_error(e, -rc, "%s", tmp.msg);
	}
	if (sscanf(pf_buf_cstr(&b), "version %lld\nsha256 %65s\n%n", &st->version, hex, &used) != 2 || !used ||
	    st->version < 0 || !pf_is_sha256_hex(hex) || b.p[b.len - 1] != '\n')
		goto corrupt;
	p = b.p + used;
	if (*p) {
		if (strncmp(p, "keys", 4))
			goto corrupt;
		p += 4;
		while (*p == ' ') {
			size_t n = strcspn(++p, " \n");

			if (!is_keyid(p, n) || st->nkeys == STATE_MAX_KEYS)
				goto corrupt;
			memcpy(st->keys[st->nkeys], p, n);
			st->keys[st->nkeys++][n] = '\0';
			p += n;
		}
		if (strcmp(p, "\n") || !st->nkeys)
			goto corrupt;
	}
	memcpy(st->sha, hex, PF_SHA256_HEX);
	pf_buf_release(&b);
	return 0;
corrupt:
	pf_buf_release(&b);
	return pf_error(e, PF_EFORMAT, "'%s': corrupt rollback state (remove it only if you know why)", path);
}

/*
 * 1 when some signer of d signed the recorded version too, or when there is
 * nothing to compare: either side names no keys, or every recorded key is
 * retired (no longer trusted: the publisher rotated to new keys).
 */
static int shares_signer(const struct state *st, const struct trust_doc *d)
{
	size_t live = 0;

	if (!st->nkeys || !d->nsigners)
		return 1;
	for (size_t i = 0; i < st->nkeys; i++) {
		if (d->store && !trust_store_has(d->store, st->keys[i]))
			continue;
		live++;
		for (size_t j = 0; j < d->nsigners; j++)
			if (!strcmp(st->keys[i], d->signers[j]))
				return 1;
	}
	return !live;
}

static void key_list(struct pf_buf *b, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pf_buf_addf(b, "%s%.16s", i ? ", " : "", v[i]);
}

int trust_state_version(const char *state_dir, const char *kind, const char *name, long long *version,
			struct pf_err *e)
{
	struct state st;
	char *path = NULL;
	int rc = state_path(state_dir, kind, name, &path, e);

	if (!rc)
		rc = state_read(path, &st, e);
	if (!rc)
		*version = st.version;
	free(path);
	return rc;
}

int trust_state_check(const char *state_dir, const struct trust_doc *d, struct pf_err *e)
{
	struct state st;
	char *path = NULL;
	int rc;

	if (!state_dir)
		return 0;
	rc = state_path(state_dir, d->kind, d->name, &path, e);
	if (rc)
		return rc;
	rc = state_read(path, &st, e);
	if (rc == 1) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (!shares_signer(&st, d)) {
		struct pf_buf was = PF_BUF_INIT, now = PF_BUF_INIT;
		const char *keys[STATE_MAX_KEYS];

		for (size_t i = 0; i < st.nkeys; i++)
			keys[i] = st.keys[i];
		key_list(&was, keys, st.nkeys);
		key_list(&now, d->signers, d->nsigners);
		/*
		 * Same name, none of the same signers: another publisher's document
		 * under this name. Accepting it would let its versions reset (or
		 * dodge) the floor of the one seen before.
		 */
		rc = pf_error(e, PF_EROLLBACK, "%s '%s': version %lld is signed by %s, but version %lld seen before was "
			      "signed by %s; a different %s under the same name is refused", d->kind, d->name,
			      d->version, pf_buf_cstr(&now), st.version, pf_buf_cstr(&was), d->kind);
		pf_buf_release(&was);
		pf_buf_release(&now);
	} else if (d->version < st.version) {
		rc = pf_error(e, PF_EROLLBACK, "%s '%s': version %lld is older than version %lld seen before "
			      "(rollback refused)", d->kind, d->name, d->version, st.version);
	} else if (d->version == st.version && strcmp(st.sha, d->sha256)) {
		rc = pf_error(e, PF_EROLLBACK, "%s '%s': version %lld has other bytes than the version %lld "
			      "seen before (substitution refused)", d->kind, d->name, d->version, st.version);
	}
out:
	free(path);
	return rc;
}

int trust_state_record(const char *state_dir, const struct trust_doc *d, struct pf_err *e)
{
	struct pf_buf text = PF_BUF_INIT;
	char *path = NULL, *dir = NULL;
	int rc;

	if (!state_dir)
		return 0;
	if (!pf_is_sha256_hex(d->sha256))
		return pf_error(e, PF_EINTERNAL, "%s '%s': bad digest for the state", d->kind, d->name);
	if (d->nsigners > STATE_MAX_KEYS)
		return pf_error(e, PF_EINTERNAL, "%s '%s': more than %d signers", d->kind, d->name, STATE_MAX_KEYS);
	for (size_t i = 0; i < d->nsigners; i++)
		if (!is_keyid(d->signers[i], strlen(d->signers[i])))
			return pf_error(e, PF_EINTERNAL, "%s '%s': bad signer id for the state", d->kind, d->name);
	rc = trust_state_check(state_dir, d, e);
	if (rc)
		return rc;
	rc = state_path(state_dir, d->kind, d->name, &path, e);
	if (rc)
		return rc;
	dir = pf_dirname(path);
	rc = pf_mkdir_p(dir, 0700, e);
	if (rc)
		goto out;
	pf_buf_addf(&text, "version %lld\nsha256 %s\n", d->version, d->sha256);
	if (d->nsigners) {
		pf_buf_adds(&text, "keys");
		for (size_t i = 0; i < d->nsigners; i++)
			pf_buf_addf(&text, " %s", d->signers[i]);
		pf_buf_addc(&text, '\n');
	}
	rc = pf_write_file(path, text.p, text.len, 0644, e);
out:
	pf_buf_release(&text);
	free(dir);
	free(path);
	return rc;
}
