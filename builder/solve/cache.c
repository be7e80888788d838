/* SPDX-License-Identifier: MIT */
/* The .solv cache: libsolv's pool bytes keyed by catalog and target, authenticated with a per-user secret. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <solv/repo_solv.h>
#include <solv/repo_write.h>

#include "core/digest.h"
#include "core/file.h"
#include "solve/internal.h"

#define SOLV_MAGIC "pinfold-solv/1"
/* Raise when what goes into the pool changes, so old cache files are not used. */
#define SOLV_SCHEMA "7"

static void cache_key(const char *catalog_sha256, const struct solve_target *t, char out[PF_SHA256_HEX])
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "%s %s\n%s\n%s\n%s\n", SOLV_MAGIC, SOLV_SCHEMA, catalog_sha256,
		    t && t->python ? t->python : "", t && t->platform ? t->platform : "");
	for (size_t i = 0; t && i < t->nhost; i++)
		pf_buf_addf(&b, "%s\n", t->host[i]);
	pf_sha256_hex(b.p, b.len, out);
	pf_buf_release(&b);
}

/*
 * A cache file is "pinfold-solv/1 <key> <HMAC-SHA-256 of key and the rest>\n", then
 * "catalog <name> <version> <expires> <min_age_days>\n", then libsolv's bytes.
 * It is used only when both digests match; anything else is rebuilt.
 */
static int parse_meta(const char *line, size_t n, struct solve_cache_meta *m)
{
	char buf[512];

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, line, n);
	buf[n] = 0;
	memset(m, 0, sizeof *m);
	if (sscanf(buf, "catalog %127s %lld %31s %d", m->name, &m->version, m->expires, &m->min_age_days) != 4)
		return -1;
	return 0;
}

/* A regular file whole, with one exactly sized read (the cache is megabytes); -1 on any problem. */
static int read_whole(const char *path, size_t max, struct pf_buf *b)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	struct pf_err e = { 0 };
	int fd = pf_open_regular(path, PF_OPEN_NOFOLLOW, &st, &e), rc = -1;

	if (fd < 0)
		return -1;
	if ((uint64_t)st.st_size > max)
		goto out;
	b->cap = (size_t)st.st_size + 1;
	b->p = pf_xmalloc(b->cap);
	n = pf_read_full(fd, b->p, (size_t)st.st_size);
	if (n != (ssize_t)st.st_size)
		goto out;
	got = (size_t)n;
	b->len = got;
	b->p[got] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}

struct solve_cache {
	char *dir;
	unsigned char secret[32];
};

int solve_cache_open(const char *dir, const char *state_dir, struct solve_cache **out, struct pf_err *e)
{
	struct solve_cache *c = pf_xcalloc(1, sizeof *c);
	char *path = pf_xasprintf("%s/solv-cache.key", state_dir);
	ssize_t n = -1;
	int fd, rc = 0;

	*out = NULL;
	{
		struct pf_err e2 = { 0 };

		fd = pf_open_regular(path, PF_OPEN_NOFOLLOW, NULL, &e2);	/* a FIFO planted here must not hang us */
	}
	if (fd >= 0) {
		char extra;

		n = pf_read_full(fd, c->secret, sizeof c->secret);
		if (n == (ssize_t)sizeof c->secret && pf_read_full(fd, &extra, 1) != 0)
			n = -1;
		close(fd);
	}
	if (n != (ssize_t)sizeof c->secret) {
		/*
		 * Missing, short or otherwise bad: a new secret only makes the
		 * existing caches fail their MAC and be rebuilt.
		 */
		if (getrandom(c->secret, sizeof c->secret, 0) != (ssize_t)sizeof c->secret) {
			rc = pf_error(e, PF_EIO, "'%s': no random bytes: %s", path, strerror(errno));
			goto out;
		}
		if ((rc = pf_mkdir_p(state_dir, 0700, e)) ||
		    (rc = pf_write_file(path, c->secret, sizeof c->secret, 0600, e)))
			goto out;
	}
	c->dir = pf_xstrdup(dir);
	*out = c;
	c = NULL;
out:
	solve_cache_free(c);
	free(path);
	return rc;
}

void solve_cache_free(struct solve_cache *c)
{
	if (!c)
		return;
	pf_cleanse(c->secret, sizeof c->secret);
	free(c->dir);
	free(c);
}

/* The MAC binds the file's key (catalog SHA-256 and target) to its contents: no renamed cache passes. */
static void cache_digest(const struct solve_cache *c, const char *key, const char *rest, size_t restlen,
			 char out[PF_SHA256_HEX])
{
	char head[PF_SHA256_HEX + 1];

	snprintf(head, sizeof head, "%s\n", key);
	pf_hmac_sha256_hex(c->secret, sizeof c->secret, head, strlen(head), rest, restlen, out);
}

static int cache_load(struct solve_pool *sp, const struct solve_cache *c, const char *path, const char *key)
{
	struct pf_buf b = PF_BUF_INIT;
	char hdr[256], want[PF_SHA256_HEX], got[PF_SHA256_HEX], k[PF_SHA256_HEX];
	const char *nl;
	FILE *f = NULL;
	int ok = 0;

	if (read_whole(path, PF_MAX_CATALOG, &b) < 0)
		goto out;
	nl = b.p ? memchr(b.p, '\n', b.len < sizeof hdr ? b.len : sizeof hdr - 1) : NULL;
	if (!nl)
		goto out;
	memcpy(hdr, b.p, (size_t)(nl - b.p));
	hdr[nl - b.p] = 0;
	if (sscanf(hdr, SOLV_MAGIC " %64s %64s", k, want) != 2 || strcmp(k, key))
		goto out;
	cache_digest(c, key, nl + 1, b.len - (size_t)(nl + 1 - b.p), got);	/* the catalog line and libsolv's bytes */
	if (!pf_digest_eq(got, want))
		goto out;
	{
		/* skip the catalog line */
		const char *nl2 = memchr(nl + 1, '\n', b.len - (size_t)(nl + 1 - b.p));

		if (!nl2 || parse_meta(nl + 1, (size_t)(nl2 - nl - 1), &sp->meta) < 0)
			goto out;
		nl = nl2;
	}
	f = fmemopen((void *)(nl + 1), b.len - (size_t)(nl + 1 - b.p), "r");
	if (!f)
		goto out;
	/* libsolv reads byte by byte: one thread uses this stream, so skip the per-call lock */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	if (repo_add_solv(sp->repo, f, 0) == 0)
		ok = 1;
out:
	if (f)
		fclose(f);
	pf_buf_release(&b);
	return ok;
}

static void cache_save(struct solve_pool *sp, const struct solve_cache *c, const struct catalog *cat,
		       const char *path, const char *key)
{
	char *mem = NULL, *meta;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	struct pf_buf b = PF_BUF_INIT;
	char digest[PF_SHA256_HEX];

	if (!f)
		return;
	if (repo_write(sp->repo, f) != 0) {
		fclose(f);
		free(mem);
		return;
	}
	fclose(f);
	meta = pf_xasprintf("catalog %s %lld %s %d\n", cat->name, cat->version, cat->expires ? cat->expires : "-",
			    cat->min_age_days);
	pf_buf_addf(&b, "%s %s %064d\n%s", SOLV_MAGIC, key, 0, meta);
	pf_buf_add(&b, mem, len);
	{
		/* the MAC covers everything after the first line; fill it in place */
		size_t at = strlen(SOLV_MAGIC) + 1 + strlen(key) + 1;
		size_t rest = at + 64 + 1;

		cache_digest(c, key, b.p + rest, b.len - rest, digest);
		memcpy(b.p + at, digest, 64);
	}
	free(meta);
	/* A cache that cannot be written only costs time next run. */
	if (pf_mkdir_p(c->dir, 0700, NULL) == 0)
		pf_write_file(path, b.p, b.len, 0600, NULL);
	pf_buf_release(&b);
	free(mem);
}

int sp_cache_load(struct solve_pool *sp, const struct solve_cache *c, const char *catalog_sha256,
		  const struct solve_target *t)
{
	char key[PF_SHA256_HEX];
	char *path;
	int ok;

	cache_key(catalog_sha256, t, key);
	path = pf_xasprintf("%s/%s.solv", c->dir, key);
	ok = cache_load(sp, c, path, key);
	free(path);
	return ok;
}

void sp_cache_save(struct solve_pool *sp, const struct solve_cache *c, const struct catalog *cat,
		   const struct solve_target *t)
{
	char key[PF_SHA256_HEX];
	char *path;

	cache_key(cat->sha256, t, key);
	path = pf_xasprintf("%s/%s.solv", c->dir, key);
	cache_save(sp, c, cat, path, key);
	free(path);
}
