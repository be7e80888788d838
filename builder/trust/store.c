/* SPDX-License-Identifier: MIT */
/* Trust stores: sets of public keys from files and directories, deduplicated by raw key. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "trust/internal.h"

struct trust_store *trust_store_new(void)
{
	return pf_xcalloc(1, sizeof(struct trust_store));
}

int trust_store_add_file(struct trust_store *s, const char *path, struct pf_err *e)
{
	struct trust_key *k;
	int rc = trust_key_load(path, &k, e);

	if (rc)
		return rc;
	trust_store_take(s, k);
	return 0;
}

void trust_store_take(struct trust_store *s, struct trust_key *k)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!memcmp(s->keys[i]->raw, k->raw, TRUST_RAW_KEY)) {
			/* The same key again (another file, or private vs public): one key. */
			trust_key_free(k);
			return;
		}
	}
	PF_GROW(s->keys, s->n + 1, s->cap);
	s->keys[s->n++] = k;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

int trust_store_add_dir(struct trust_store *s, const char *dir, struct pf_err *e)
{
	struct pf_strv names = PF_STRV_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", dir, strerror(errno));
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && (has_suffix(de->d_name, ".pub") || has_suffix(de->d_name, ".pem")))
			pf_strv_push(&names, de->d_name);
	closedir(d);
	pf_strv_sort(&names);
	for (size_t i = 0; i < names.n && !rc; i++) {
		char *p = pf_path_join(dir, names.v[i]);

		rc = trust_store_add_file(s, p, e);
		free(p);
	}
	pf_strv_release(&names);
	return rc;
}

size_t trust_store_count(const struct trust_store *s)
{
	return s ? s->n : 0;
}

const struct trust_key *trust_store_find(const struct trust_store *s, const char *id)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->keys[i]->id, id))
			return s->keys[i];
	return NULL;
}

int trust_store_key_in_dir(const struct trust_store *s, const char *dir, const char **path)
{
	char real[PATH_MAX];
	size_t n;

	if (!s || !realpath(dir, real))
		return 0;
	n = strlen(real);
	for (size_t i = 0; i < s->n; i++) {
		const char *src = s->keys[i]->source;

		if (src && !strncmp(src, real, n) && (src[n] == '/' || (n == 1 && real[0] == '/'))) {
			if (path)
				*path = src;
			return 1;
		}
	}
	return 0;
}

int trust_store_has(const struct trust_store *s, const char *id)
{
	return s && trust_store_find(s, id) != NULL;
}

void trust_store_free(struct trust_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		trust_key_free(s->keys[i]);
	free(s->keys);
	free(s);
}
