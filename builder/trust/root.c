/* SPDX-License-Identifier: MIT */
/* root.yaml: strict parsing, self-signature, and the N -> N+1 hand-over rule. */
#include <string.h>

#include "core/time.h"
#include "core/yaml.h"
#include "trust/internal.h"
#include "trust/root.h"

static const char *const role_names[TRUST_NROLES] = { "root", "catalog", "advisories" };

const char *trust_role_name(enum trust_role r)
{
	return (unsigned)r < TRUST_NROLES ? role_names[r] : "?";
}

void trust_root_release(struct trust_root *r)
{
	if (!r)
		return;
	trust_store_free(r->keys);
	for (int i = 0; i < TRUST_NROLES; i++) {
		pf_strv_release(&r->roles[i].keys);
		trust_store_free(r->roles[i].store);
	}
	pf_buf_release(&r->data);
	pf_buf_release(&r->sig);
	memset(r, 0, sizeof *r);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_key(struct pf_ydoc *d, const struct pf_ynode *idn, const struct pf_ynode *v, const char *label,
		     struct trust_root *r, struct pf_err *e)
{
	static const char *const fields[] = { "type", "public", NULL };
	unsigned char raw[TRUST_RAW_KEY];
	const char *type = NULL, *pub = NULL;
	struct trust_key *k;
	int rc;

	if ((rc = pf_y_check_map(d, v, "key", fields, fields, e)) || (rc = pf_y_str(d, v, "type", &type, e)) ||
	    (rc = pf_y_str(d, v, "public", &pub, e)))
		return rc;
	if (strcmp(type, "ed25519"))
		return pf_y_fail(d, v, e, PF_EFORMAT, "key %.16s: type '%s' is not supported (ed25519 only)",
				 idn->str, type);
	if (strlen(pub) != 2 * TRUST_RAW_KEY)
		return pf_y_fail(d, v, e, PF_EFORMAT, "key %.16s: public must be %d lowercase hex digits",
				 idn->str, 2 * TRUST_RAW_KEY);
	for (int i = 0; i < TRUST_RAW_KEY; i++) {
		int hi = hexval(pub[2 * i]), lo = hexval(pub[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return pf_y_fail(d, v, e, PF_EFORMAT, "key %.16s: public must be %d lowercase hex digits",
					 idn->str, 2 * TRUST_RAW_KEY);
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	if ((rc = trust_key_from_raw(raw, label, &k, e)))
		return rc;
	if (strcmp(k->id, idn->str)) {
		rc = pf_y_fail(d, idn, e, PF_EFORMAT, "key id %.16s is not the SHA-256 of its public key (%.16s)",
			       idn->str, k->id);
		trust_key_free(k);
		return rc;
	}
	if (trust_store_find(r->keys, k->id)) {
		trust_key_free(k);
		return pf_y_fail(d, idn, e, PF_EFORMAT, "key %.16s is listed twice", idn->str);
	}
	trust_store_take(r->keys, k);
	return 0;
}

static int parse_role(struct pf_ydoc *d, const struct pf_ynode *roles, enum trust_role which, const char *label,
		      struct trust_root *r, struct pf_err *e)
{
	static const char *const fields[] = { "keys", "threshold", NULL };
	struct trust_root_role *role = &r->roles[which];
	const struct pf_ynode *v = pf_y_get(roles, role_names[which]), *ks = NULL;
	long long t = 0;
	int rc;

	if ((rc = pf_y_check_map(d, v, role_names[which], fields, fields, e)) ||
	    (rc = pf_y_seq(d, v, "keys", &ks, e)) || (rc = pf_y_int(d, v, "threshold", 1, TRUST_ROOT_MAX_KEYS, &t, e)))
		return rc;
	role->store = trust_store_new();
	for (size_t i = 0; i < ks->n; i++) {
		const struct trust_key *k;
		const char *id;

		if ((rc = pf_y_scalar(d, ks->vals[i], "a key id", &id, e)))
			return rc;
		if (!(k = trust_store_find(r->keys, id)))
			return pf_y_fail(d, ks->vals[i], e, PF_EFORMAT, "role %s: key %.16s is not in keys",
					 role_names[which], id);
		if (pf_strv_contains(&role->keys, id))
			return pf_y_fail(d, ks->vals[i], e, PF_EFORMAT, "role %s: key %.16s is listed twice",
					 role_names[which], id);
		pf_strv_push(&role->keys, id);
		{
			struct trust_key *copy;

			if ((rc = trust_key_from_raw(k->raw, label, &copy, e)))
				return rc;
			trust_store_take(role->store, copy);
		}
	}
	if (!role->keys.n || t > (long long)role->keys.n)
		return pf_y_fail(d, v, e, PF_EFORMAT, "role %s: threshold %lld with %zu key%s (it can never be met)",
				 role_names[which], t, role->keys.n, role->keys.n == 1 ? "" : "s");
	role->threshold = (int)t;
	return 0;
}

static int parse(const char *label, const char *data, size_t len, struct trust_root *r, struct pf_err *e)
{
	static const char *const top[] = { "format", "version", "expires", "keys", "roles", NULL };
	static const char *const rolef[] = { "root", "catalog", "advisories", NULL };
	struct pf_ydoc d;
	const struct pf_ynode *keys = NULL, *roles = NULL;
	const char *format = NULL, *expires = NULL;
	int rc;

	memset(&d, 0, sizeof d);
	if ((rc = pf_yaml_parse(&d, label, data, len, e)))
		goto out;
	if (!d.root) {
		rc = pf_y_fail(&d, NULL, e, PF_EFORMAT, "empty document (want a %s root)", TRUST_ROOT_FORMAT);
		goto out;
	}
	if ((rc = pf_y_check_map(&d, d.root, "root", top, top, e)) || (rc = pf_y_str(&d, d.root, "format", &format, e)))
		goto out;
	if (strcmp(format, TRUST_ROOT_FORMAT)) {
		rc = pf_y_fail(&d, pf_y_get(d.root, "format"), e, PF_EFORMAT, "format '%s' is not %s", format,
			       TRUST_ROOT_FORMAT);
		goto out;
	}
	if ((rc = pf_y_int(&d, d.root, "version", 1, (long long)1 << 62, &r->version, e)) ||
	    (rc = pf_y_str(&d, d.root, "expires", &expires, e)))
		goto out;
	if (pf_time_parse(expires, &r->expires) < 0) {
		rc = pf_y_fail(&d, pf_y_get(d.root, "expires"), e, PF_EFORMAT,
			       "expires: '%s' is not an RFC 3339 UTC time", expires);
		goto out;
	}
	pf_time_format(r->expires, r->expires_s);
	if ((rc = pf_y_map(&d, d.root, "keys", &keys, e)) || (rc = pf_y_map(&d, d.root, "roles", &roles, e)) ||
	    (rc = pf_y_check_map(&d, roles, "roles", rolef, rolef, e)))
		goto out;
	if (!keys->n || keys->n > TRUST_ROOT_MAX_KEYS) {
		rc = pf_y_fail(&d, keys, e, PF_EFORMAT, "keys: %zu keys (want 1 to %d)", keys->n, TRUST_ROOT_MAX_KEYS);
		goto out;
	}
	r->keys = trust_store_new();
	for (size_t i = 0; i < keys->n && !rc; i++)
		rc = parse_key(&d, keys->keys[i], keys->vals[i], label, r, e);
	for (int i = 0; i < TRUST_NROLES && !rc; i++)
		rc = parse_role(&d, roles, (enum trust_role)i, label, r, e);
out:
	pf_ydoc_release(&d);
	return rc;
}

/* A threshold of role's keys signed r's bytes. whose names the role's root in errors ("its own", "version 3's"). */
static int signed_by(const struct trust_root_role *role, const char *whose, const char *label,
		     const struct trust_root *r, struct pf_err *e)
{
	struct trust_policy pol = { role->threshold, NULL, 0 };
	struct pf_err inner = { 0 };
	int rc;

	rc = trust_verify(role->store, label, TRUST_ROOT_PAYLOAD_TYPE, r->data.p, r->data.len,
			  r->sig.p ? r->sig.p : "", r->sig.len, &pol, NULL, &inner);
	if (rc)
		rc = pf_error(e, -rc, "%s (checked against %s root keys, threshold %d)", inner.msg, whose,
			      role->threshold);
	pf_err_clear(&inner);
	return rc;
}

int trust_root_load(const char *label, const char *data, size_t len, const char *sig, size_t siglen,
		    struct trust_root *r, struct pf_err *e)
{
	int rc;

	memset(r, 0, sizeof *r);
	if (len > TRUST_ROOT_MAX || siglen > TRUST_ROOT_SIG_MAX) {
		rc = pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes", label,
			      len > TRUST_ROOT_MAX ? TRUST_ROOT_MAX : TRUST_ROOT_SIG_MAX);
		goto out;
	}
	pf_buf_add(&r->data, data, len);
	pf_buf_add(&r->sig, sig, siglen);
	pf_sha256_hex(data, len, r->sha256);
	/*
	 * The signature is over the raw bytes, but no key is known before the
	 * document is read: a root names its own keys. Parsing is strict and
	 * capped; nothing parsed is used before the signature below verified.
	 */
	if ((rc = parse(label, data, len, r, e)))
		goto out;
	rc = signed_by(&r->roles[TRUST_ROLE_ROOT], "its own", label, r, e);
out:
	if (rc)
		trust_root_release(r);
	return rc;
}

int trust_root_parse(const char *label, const char *data, size_t len, struct trust_root *r, struct pf_err *e)
{
	int rc;

	memset(r, 0, sizeof *r);
	if (len > TRUST_ROOT_MAX)
		return pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes", label, TRUST_ROOT_MAX);
	pf_buf_add(&r->data, data, len);
	pf_sha256_hex(data, len, r->sha256);
	if ((rc = parse(label, data, len, r, e)))
		trust_root_release(r);
	return rc;
}

int trust_root_next(const struct trust_root *cur, const char *label, const char *data, size_t len,
		    const char *sig, size_t siglen, struct trust_root *next, struct pf_err *e)
{
	char whose[64];
	int rc;

	if ((rc = trust_root_load(label, data, len, sig, siglen, next, e)))
		return rc;
	if (next->version != cur->version + 1) {
		rc = pf_error(e, PF_EROLLBACK, "'%s': version %lld, but the next root must be version %lld",
			      label, next->version, cur->version + 1);
		goto out;
	}
	snprintf(whose, sizeof whose, "version %lld's", cur->version);
	rc = signed_by(&cur->roles[TRUST_ROLE_ROOT], whose, label, next, e);
out:
	if (rc)
		trust_root_release(next);
	return rc;
}

int trust_root_check_expiry(const struct trust_root *r, const char *label, time_t now, struct pf_err *e)
{
	if (r->expires > now)
		return 0;
	return pf_error(e, PF_EEXPIRED, "'%s': root version %lld expired at %s (run 'pinfold trust update')", label,
			r->version, r->expires_s);
}
