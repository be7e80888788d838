/* SPDX-License-Identifier: MIT */
/* The content-addressed cache and fetch_all(): cache hits re-hashed, then bundle, then mirrors. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch_int.h"

char *fetch_cache_path(const char *cache_dir, const char *sha256)
{
	return pf_xasprintf("%s/sha256/%s", cache_dir, sha256);
}

int fetch_is_url(const char *s)
{
	return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8));
}

int fetch_name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (!len || len > 255 || name[0] == '.')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * A private unlinked file for a copy of an artifact: in the cache (same disk,
 * usually roomy), else in $TMPDIR or /tmp (a read-only cache still serves hits).
 */
static int private_file(struct fetch_run *r)
{
	const char *t = getenv("TMPDIR");
	struct pf_err e2 = { 0 };
	int fd = pf_tmpfile(r->tmp_dir, &e2);

	if (fd < 0)
		fd = pf_tmpfile(t && *t == '/' ? t : "/tmp", &e2);
	if (fd < 0)
		pf_error(r->e, -fd, "%s", e2.msg);
	return fd;
}

int fetch_sink_open(struct fetch_sink *s, struct fetch_run *r, const struct catalog_artifact *a)
{
	char *path = fetch_cache_path(r->f->cache_dir, a->sha256);
	int rc;

	memset(s, 0, sizeof *s);
	s->file.fd = -1;
	s->priv = -1;
	s->a = a;
	rc = pf_afile_open(&s->file, path, 0644, r->e);
	free(path);
	if (rc)
		return rc;
	if (r->want_fds) {
		s->priv = private_file(r);
		if (s->priv < 0) {
			rc = s->priv;
			s->priv = -1;
			pf_afile_abort(&s->file);
			return rc;
		}
	}
	pf_sha256_init(&s->sha);
	s->open = 1;
	return 0;
}

int fetch_sink_write(struct fetch_sink *s, const void *p, size_t n)
{
	if (s->over)
		return -1;
	if (n > s->a->size - s->got) {
		/* keep nothing past the expected size: the body is refused anyway */
		s->over = 1;
		return -1;
	}
	pf_sha256_update(&s->sha, p, n);
	pf_afile_write(&s->file, p, n);
	if (s->priv >= 0) {
		/* the private copy: the bytes hashed here are the bytes installed, whatever the cache sees later */
		for (size_t off = 0; off < n && !s->file.err;) {
			ssize_t w = write(s->priv, (const char *)p + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				s->file.err = errno;
			else
				off += (size_t)w;
		}
	}
	s->got += n;
	return 0;
}

static void close_priv(struct fetch_sink *s)
{
	if (s->priv >= 0)
		close(s->priv);
	s->priv = -1;
}

int fetch_sink_commit(struct fetch_sink *s, char *why, size_t whylen, struct pf_err *e)
{
	char hex[PF_SHA256_HEX];
	int rc;

	if (!s->open)
		return pf_error(e, PF_EINTERNAL, "fetch: sink not open");
	pf_sha256_final(&s->sha, hex);
	s->open = 0;
	if (s->over || s->got != s->a->size) {
		snprintf(why, whylen, "wrong size: %s%llu bytes, expected %llu", s->over ? "more than " : "",
			 (unsigned long long)s->got, (unsigned long long)s->a->size);
		pf_afile_abort(&s->file);
		close_priv(s);
		return -PF_EDIGEST;
	}
	if (strcmp(hex, s->a->sha256)) {
		snprintf(why, whylen, "wrong sha256: got %s, expected %s", hex, s->a->sha256);
		pf_afile_abort(&s->file);
		close_priv(s);
		return -PF_EDIGEST;
	}
	rc = pf_afile_commit(&s->file, e);
	if (rc)
		close_priv(s);
	return rc;
}

int fetch_sink_take(struct fetch_sink *s)
{
	int fd = s->priv;

	s->priv = -1;
	return fd;
}

void fetch_sink_abort(struct fetch_sink *s)
{
	if (s->open) {
		char hex[PF_SHA256_HEX];

		pf_sha256_final(&s->sha, hex);
		s->open = 0;
	}
	pf_afile_abort(&s->file);
	close_priv(s);
}

int fetch_copy_range(int fd, uint64_t off, uint64_t n, struct fetch_sink *s, char *why, size_t whylen)
{
	enum { CHUNK = 1 << 17 };
	char *buf = pf_xmalloc(CHUNK);
	int rc = 0;

	while (n) {
		size_t want = n < CHUNK ? (size_t)n : CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, whylen, "read error: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (got == 0) {
			snprintf(why, whylen, "unexpected end of file");
			rc = -1;
			break;
		}
		if (fetch_sink_write(s, buf, (size_t)got) < 0)
			break;	/* commit reports the size */
		off += (uint64_t)got;
		n -= (uint64_t)got;
	}
	free(buf);
	return rc;
}

void fetch_run_bytes(struct fetch_run *r, int64_t delta)
{
	r->bytes_done = (uint64_t)((int64_t)r->bytes_done + delta);
	if (r->f->progress)
		r->f->progress(r->f->progress_ud, r->bytes_done, r->bytes_total, r->files_done, r->n);
}

void fetch_item_tried(struct fetch_item *it, int cls, const char *place, const char *fmt, ...)
{
	va_list ap;

	if (cls == PF_EDIGEST || (cls == PF_ENET && it->worst != PF_EDIGEST) || !it->worst)
		it->worst = cls;
	if (it->tried.len)
		pf_buf_adds(&it->tried, "; ");
	pf_buf_addf(&it->tried, "%s (", place);
	va_start(ap, fmt);
	pf_buf_vaddf(&it->tried, fmt, ap);
	va_end(ap);
	pf_buf_addc(&it->tried, ')');
}

void fetch_item_done(struct fetch_run *r, struct fetch_item *it, int fd)
{
	it->done = 1;
	it->fd = fd;
	it->path = fetch_cache_path(r->f->cache_dir, it->a->sha256);
	r->files_done++;
	fetch_run_bytes(r, 0);
}

/*
 * A cache entry is used only when it is a regular file of the right size and
 * hash, read through one descriptor (never reopened by name). When the caller
 * wants descriptors, the bytes are copied into a private file while they are
 * hashed: a writer racing us in the cache (a shared CI cache) can change the
 * entry, but not what was checked and is then installed.
 */
static void try_cache(struct fetch_run *r, struct fetch_item *it)
{
	char *path = fetch_cache_path(r->f->cache_dir, it->a->sha256);
	char hex[PF_SHA256_HEX];
	struct pf_err e2 = { 0 };
	struct stat st;
	uint64_t size = 0;
	int fd, priv = -1;

	fd = pf_open_regular(path, PF_OPEN_NOFOLLOW, &st, &e2);
	if (fd == -PF_ENOTFOUND)
		goto out;
	if (fd >= 0 && (uint64_t)st.st_size == it->a->size) {
		if (r->want_fds) {
			priv = private_file(r);
			if (priv < 0)
				goto out;
		}
		if (!pf_sha256_fd(fd, priv, path, hex, &size, &e2) && size == it->a->size &&
		    !strcmp(hex, it->a->sha256)) {
			fetch_run_bytes(r, (int64_t)it->a->size);
			fetch_item_done(r, it, priv);
			priv = -1;
			goto out;
		}
	}
	pf_warn(r->e, "cache '%s': entry for '%s' does not match its size and sha256, removed", path,
		it->a->file);
	pf_rm_rf(path);
out:
	if (priv >= 0)
		close(priv);
	if (fd >= 0)
		close(fd);
	free(path);
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return def;
	return v;
}

void fetch_env_limits(long *connect_timeout, long *low_speed_time, long *low_speed_limit)
{
	*connect_timeout = env_long("PINFOLD_CONNECT_TIMEOUT", 30, 1, 3600);
	*low_speed_time = env_long("PINFOLD_LOW_SPEED_TIME", 30, 1, 3600);
	*low_speed_limit = env_long("PINFOLD_LOW_SPEED_LIMIT", 1024, 1, 1L << 30);
}

void fetch_env_deadlines(struct fetch_deadlines *d)
{
	d->grace = env_long("PINFOLD_TRANSFER_GRACE", 30, 1, 86400);
	d->min_rate = env_long("PINFOLD_MIN_RATE", 16384, 1, 1L << 30);
	d->run = env_long("PINFOLD_FETCH_DEADLINE", 3600, 1, 7L * 86400);
}

static int todo(const struct fetch_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->items[i].done)
			return 1;
	return 0;
}

int fetch_all(struct fetch_ctx *f, const struct catalog_artifact *const *arts, size_t n,
	      char **paths, int *fds, struct pf_err *e)
{
	struct fetch_run r;
	char *sha_dir = NULL;
	int rc = 0;

	memset(&r, 0, sizeof r);
	r.f = f;
	r.e = e;
	r.n = n;
	r.items = pf_xcalloc(n ? n : 1, sizeof *r.items);
	r.want_fds = fds != NULL;
	for (size_t i = 0; i < n; i++) {
		r.items[i].fd = -1;
		if (fds)
			fds[i] = -1;
	}
	fetch_env_limits(&r.connect_timeout, &r.low_speed_time, &r.low_speed_limit);
	fetch_env_deadlines(&r.dl);
	if (f->connect_timeout > 0)
		r.connect_timeout = f->connect_timeout;
	if (f->low_speed_time > 0)
		r.low_speed_time = f->low_speed_time;
	if (f->low_speed_limit > 0)
		r.low_speed_limit = f->low_speed_limit;
	r.retries = f->retries > 0 ? f->retries : f->retries < 0 ? 0 :
		(int)env_long("PINFOLD_FETCH_RETRIES", 2, 0, 10);
	r.jobs = f->jobs > 0 ? f->jobs : 4;
	if (r.jobs > 64)
		r.jobs = 64;
	for (size_t i = 0; i < n; i++) {
		paths[i] = NULL;
		r.items[i].a = arts[i];
		if (!fetch_name_ok(arts[i]->file)) {
			rc = pf_error(e, PF_EUNSAFE, "artifact '%s': unsafe file name", arts[i]->file);
			goto out;
		}
		if (!pf_is_sha256_hex(arts[i]->sha256)) {
			rc = pf_error(e, PF_EFORMAT, "artifact '%s': bad sha256", arts[i]->file);
			goto out;
		}
		r.bytes_total += arts[i]->size;
	}
	if (!f->cache_dir) {
		rc = pf_error(e, PF_EINTERNAL, "fetch: no cache directory");
		goto out;
	}
	sha_dir = pf_path_join(f->cache_dir, "sha256");
	rc = pf_mkdir_p(sha_dir, 0755, e);
	if (rc)
		goto out;
	r.tmp_dir = sha_dir;
	fetch_run_bytes(&r, 0);
	for (size_t i = 0; i < n; i++)
		try_cache(&r, &r.items[i]);
	if (f->bundle && todo(&r))
		fetch_from_bundle(&r, f->bundle);
	for (size_t m = 0; m < f->mirrors.n && todo(&r); m++) {
		if (e->code) {
			rc = -e->code;
			goto out;
		}
		if (fetch_is_url(f->mirrors.v[m]))
			fetch_from_http(&r, f->mirrors.v[m]);
		else
			fetch_from_dir(&r, f->mirrors.v[m]);
	}
	if (e->code) {
		rc = -e->code;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct fetch_item *it = &r.items[i];
		size_t more = 0;

		if (it->done)
			continue;
		for (size_t j = i + 1; j < n; j++)
			more += !r.items[j].done;
		rc = pf_error(e, it->worst ? it->worst : PF_ENOTFOUND,
			      "artifact '%s': %s: tried cache '%s'%s%s", it->a->file,
			      it->worst == PF_EDIGEST ? "no place had the right bytes" :
			      it->worst == PF_ENET ? "could not be downloaded" : "not found",
			      f->cache_dir, it->tried.len ? "; " : "", pf_buf_cstr(&it->tried));
		if (more)
			pf_warn(e, "%zu more artifact%s missing as well", more, more == 1 ? " is" : "s are");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		paths[i] = r.items[i].path;
		r.items[i].path = NULL;
		if (fds) {
			fds[i] = r.items[i].fd;
			r.items[i].fd = -1;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(r.items[i].path);
		if (r.items[i].fd >= 0)
			close(r.items[i].fd);
		pf_buf_release(&r.items[i].tried);
	}
	free(r.items);
	free(sha_dir);
	return rc;
}
