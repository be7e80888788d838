/* SPDX-License-Identifier: MIT */
/* The fields of a verified InRelease: suite identity, Date, Valid-Until and the SHA256 list of index files. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/time.h"
#include "import/internal.h"

void import_release_release(struct import_release *r)
{
	if (!r)
		return;
	free(r->files);
	pf_arena_release(&r->arena);
	memset(r, 0, sizeof *r);
}

const struct import_release_file *import_release_find(const struct import_release *r, const char *path)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

/* One " <sha256> <size> <path>" line of the SHA256 field. */
static int hash_line(struct import_release *r, size_t *cap, const char *what, size_t lineno, const char *p, size_t n,
		     struct pf_err *e)
{
	char line[1100], *h, *sz, *path, *end, *save = NULL;
	unsigned long long size;
	struct import_release_file *f;

	if (n >= sizeof line)
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: SHA256 entry too long", what, lineno);
	memcpy(line, p, n);
	line[n] = 0;
	h = strtok_r(line, " \t\r", &save);
	sz = strtok_r(NULL, " \t\r", &save);
	path = strtok_r(NULL, " \t\r", &save);
	if (!h || !sz || !path || strtok_r(NULL, " \t\r", &save))
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: expected 'sha256 size path' in the SHA256 field", what,
				lineno);
	for (char *c = h; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	size = strtoull(sz, &end, 10);
	if (!pf_is_sha256_hex(h) || *sz < '0' || *sz > '9' || *end)
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: malformed SHA256 entry", what, lineno);
	if (import_release_find(r, path))
		return pf_error(e, PF_EFORMAT, "'%s': line %zu: '%s' is listed twice", what, lineno, path);
	PF_GROW(r->files, r->nfiles + 1, *cap);
	f = &r->files[r->nfiles++];
	f->path = pf_arena_strdup(&r->arena, path);
	f->size = size;
	memcpy(f->sha256, h, PF_SHA256_HEX);
	return 0;
}

int import_release_parse(const char *what, const char *text, size_t len, struct import_release *r, struct pf_err *e)
{
	const char *p = text, *end = text + len;
	const char *date = NULL, *valid = NULL;
	size_t lineno = 0, cap = 0;
	int in_sha = 0, have_sha = 0, paragraphs = 0, in_par = 0, rc = 0;

	memset(r, 0, sizeof *r);
	if (memchr(text, 0, len)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': holds a NUL byte", what);
		goto out;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end, *colon;
		size_t n = (size_t)(le - p), kl;
		const char *v;
		char *val;

		lineno++;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
			n--;
		if (!n) {
			in_par = 0;
			in_sha = 0;
			goto next;
		}
		if (!in_par) {
			in_par = 1;
			if (++paragraphs > 1) {
				rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: more than one paragraph", what, lineno);
				goto out;
			}
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (in_sha) {
				rc = hash_line(r, &cap, what, lineno, p, n, e);
				if (rc)
					goto out;
			}
			goto next;
		}
		in_sha = 0;
		colon = memchr(p, ':', n);
		if (!colon || colon == p) {
			rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: not a 'Field: value' line", what, lineno);
			goto out;
		}
		kl = (size_t)(colon - p);
		for (v = colon + 1; v < p + n && (*v == ' ' || *v == '\t'); v++)
			;
		val = pf_arena_strndup(&r->arena, v, (size_t)(p + n - v));
#define KEY(s) (kl == sizeof(s) - 1 && !strncasecmp(p, s, kl))
		if (KEY("SHA256")) {
			if (have_sha || *val) {
				rc = pf_error(e, PF_EFORMAT, "'%s': line %zu: malformed SHA256 field", what, lineno);
				goto out;
			}
			in_sha = have_sha = 1;
		} else if (KEY("Origin")) {
			r->origin = val;
		} else if (KEY("Label")) {
			r->label = val;
		} else if (KEY("Suite")) {
			r->suite = val;
		} else if (KEY("Codename")) {
			r->codename = val;
		} else if (KEY("Date")) {
			date = val;
		} else if (KEY("Valid-Until")) {
			valid = val;
		}
#undef KEY
next:
		p = nl ? nl + 1 : end;
	}
	if (!date || pf_time_parse_rfc2822(date, &r->date)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': %s Date field", what, date ? "malformed" : "no");
		goto out;
	}
	if (valid && pf_time_parse_rfc2822(valid, &r->valid_until)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': malformed Valid-Until field", what);
		goto out;
	}
	if (!r->nfiles) {
		rc = pf_error(e, PF_EFORMAT, "'%s': no SHA256 list of index files (MD5 and SHA1 alone are not "
			      "accepted)", what);
		goto out;
	}
out:
	if (rc)
		import_release_release(r);
	return rc;
}
