/* SPDX-License-Identifier: MIT */
/* Rollback state: the highest version and its SHA-256 seen per signed document, kept atomically. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/file.h"
#include "trust/trust.h"

#define STATE_MAX 4096

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
		return pf_error(e, PF_EFORMAT, "'%s': not a valid %s name for the state directory", name,
				trust_state_name_ok(kind) ? kind : "document");
	*out = pf_xasprintf("%s/%s/%s", dir, kind, name);
	return 0;
}

/* Read "version N\nsha256 HEX\n"; 1 when absent, 0 when read. */
static int state_read(const char *path, long long *version, char sha[PF_SHA256_HEX], struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err tmp;
	char hex[PF_SHA256_HEX + 1];
	char tail;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	rc = pf_read_file(path, STATE_MAX, &b, &tmp);
	if (rc == -PF_ENOTFOUND) {
		pf_buf_release(&b);
		return 1;
	}
	if (rc) {
		pf_buf_release(&b);
		return pf_error(e, -rc, "%s", tmp.msg);
	}
	if (sscanf(pf_buf_cstr(&b), "version %lld\nsha256 %65s\n%c", version, hex, &tail) != 2 ||
	    *version < 0 || !pf_is_sha256_hex(hex) || b.len == 0 || b.p[b.len - 1] != '\n') {
		pf_buf_release(&b);
		return pf_error(e, PF_EFORMAT, "'%s': corrupt rollback state (remove it only if you know why)",
				path);
	}
	memcpy(sha, hex, PF_SHA256_HEX);
	pf_buf_release(&b);
	return 0;
}

int trust_state_check(const char *state_dir, const char *kind, const char *name, long long version,
		      const char *sha256, struct pf_err *e)
{
	char *path = NULL;
	char sha[PF_SHA256_HEX];
	long long have = 0;
	int rc;

	if (!state_dir)
		return 0;
	rc = state_path(state_dir, kind, name, &path, e);
	if (rc)
		return rc;
	rc = state_read(path, &have, sha, e);
	if (rc == 1) {
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (version < have)
		rc = pf_error(e, PF_EROLLBACK, "%s '%s': version %lld is older than version %lld seen before "
			      "(rollback refused)", kind, name, version, have);
	else if (version == have && strcmp(sha, sha256))
		rc = pf_error(e, PF_EROLLBACK, "%s '%s': version %lld has other bytes than the version %lld "
			      "seen before (substitution refused)", kind, name, version, have);
out:
	free(path);
	return rc;
}

int trust_state_record(const char *state_dir, const char *kind, const char *name, long long version,
		       const char *sha256, struct pf_err *e)
{
	char *path = NULL, *dir = NULL, *text = NULL;
	int rc;

	if (!state_dir)
		return 0;
	if (!pf_is_sha256_hex(sha256))
		return pf_error(e, PF_EINTERNAL, "%s '%s': bad digest for the state", kind, name);
	rc = trust_state_check(state_dir, kind, name, version, sha256, e);
	if (rc)
		return rc;
	rc = state_path(state_dir, kind, name, &path, e);
	if (rc)
		return rc;
	dir = pf_dirname(path);
	rc = pf_mkdir_p(dir, 0700, e);
	if (rc)
		goto out;
	text = pf_xasprintf("version %lld\nsha256 %s\n", version, sha256);
	rc = pf_write_file(path, text, strlen(text), 0644, e);
out:
	free(text);
	free(dir);
	free(path);
	return rc;
}
