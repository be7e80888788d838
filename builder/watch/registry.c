/* SPDX-License-Identifier: MIT */
/* The registry of used environments: a small locked, atomically replaced TSV file plus lock copies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/time.h"
#include "install/envfile.h"
#include "pack/pack.h"
#include "watch/registry.h"

#define HEADER "# pinfold-registry/1\tKIND\tLOCK_SHA256\tFIRST_USE\tLAST_USE\tSTATE\tUSES\tHOW\tPATH\n"
#define NFIELDS 8
#define MAX_FILE ((size_t)64 << 20)

static const char *const kinds[] = { "environment", "tarball" };
static const char *const states[] = { "present", "gone", "replaced" };
static const char *const hows[] = { "build", "run", "shell", "activate", "touch", NULL };

const char *watch_env_kind_name(enum watch_env_kind k)
{
	return kinds[k];
}

const char *watch_env_state_name(enum watch_env_state s)
{
	return states[s];
}

static int how_ok(const char *s)
{
	for (const char *const *h = hows; *h; h++)
		if (!strcmp(*h, s))
			return 1;
	return 0;
}

/* Paths are arbitrary bytes: '%', tabs, newlines and other controls are written %XX. */
void watch_path_put(struct pf_buf *b, const char *p)
{
	for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
		if (*s == '%' || *s < 0x20 || *s == 0x7f)
			pf_buf_addf(b, "%%%02X", *s);
		else
			pf_buf_addc(b, (char)*s);
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The inverse of watch_path_put; NULL when s is not exactly what it writes for an absolute path. */
char *watch_path_get(const char *s)
{
	struct pf_buf b = PF_BUF_INIT;

	if (*s != '/')
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			goto bad;
		if (c == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			c = (unsigned char)(hi * 16 + lo);
			if (lo < 0 || !c || (c != '%' && c >= 0x20 && c != 0x7f))
				goto bad;	/* only what must be escaped is, so one path has one spelling */
			s += 2;
		}
		pf_buf_addc(&b, (char)c);
		if (b.len > WATCH_PATH_MAX)
			goto bad;
	}
	return pf_buf_detach(&b, NULL);
bad:
	pf_buf_release(&b);
	return NULL;
}

static int env_cmp(const void *a, const void *b)
{
	const struct watch_env *x = a, *y = b;
	int r = strcmp(x->path, y->path);

	if (!r)
		r = x->first < y->first ? -1 : x->first > y->first;
	if (!r)
		r = strcmp(x->lock_sha256, y->lock_sha256);
	return r;
}

static int parse_state(const char *s, enum watch_env_state *st, time_t *since)
{
	const char *colon = strchr(s, ':');

	if (!strcmp(s, "present")) {
		*st = WATCH_PRESENT;
		*since = 0;
		return 0;
	}
	if (!colon)
		return -1;
	if (!strncmp(s, "gone:", 5))
		*st = WATCH_GONE;
	else if (!strncmp(s, "replaced:", 9))
		*st = WATCH_REPLACED;
	else
		return -1;
	return pf_time_parse(colon + 1, since);
}

/* One line (without its newline) into x; a short reason on failure. */
static const char *parse_line(char *line, struct watch_env *x)
{
	char *f[NFIELDS];
	char *end;
	size_t nf = 0;

	memset(x, 0, sizeof *x);
	for (char *p = line;; p++) {
		if (nf == NFIELDS)
			return "too many fields";
		f[nf++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p = '\0';
	}
	if (nf != NFIELDS)
		return "expected 8 tab-separated fields";
	if (!strcmp(f[0], kinds[0]))
		x->kind = WATCH_ENV_DIR;
	else if (!strcmp(f[0], kinds[1]))
		x->kind = WATCH_ENV_TARBALL;
	else
		return "unknown kind";
	if (!pf_is_sha256_hex(f[1]))
		return "lock digest is not 64 lowercase hex digits";
	memcpy(x->lock_sha256, f[1], PF_SHA256_HEX);
	if (pf_time_parse(f[2], &x->first) < 0 || pf_time_parse(f[3], &x->last) < 0 || x->last < x->first)
		return "bad first or last use";
	if (parse_state(f[4], &x->state, &x->since) < 0)
		return "bad state (present, gone:TIME or replaced:TIME)";
	errno = 0;
	x->uses = strtoull(f[5], &end, 10);
	if (errno || !*f[5] || *end || *f[5] == '-' || !x->uses || x->uses > 1000000000000ULL)
		return "bad use count";
	if (strlen(f[6]) >= sizeof x->how || !how_ok(f[6]))
		return "unknown use";
	strcpy(x->how, f[6]);
	x->path = watch_path_get(f[7]);
	if (!x->path)
		return "path is not absolute or wrongly escaped";
	return NULL;
}

static int parse_file(struct watch_registry *r, const char *file, char *data, size_t len, struct pf_err *e)
{
	size_t lineno = 0;
	char *p = data, *end = data + len;

	if (len < sizeof HEADER - 1 || memcmp(data, HEADER, sizeof HEADER - 1))
		return pf_error(e, PF_EFORMAT, "'%s': not a pinfold registry (bad first line)", file);
	p += sizeof HEADER - 1;
	lineno = 1;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct watch_env x;
		const char *why;

		lineno++;
		if (!nl)
			return pf_error(e, PF_EFORMAT, "%s:%zu: the last line has no newline", file, lineno);
		*nl = '\0';
		if (memchr(p, '\0', (size_t)(nl - p)))
			return pf_error(e, PF_EFORMAT, "%s:%zu: NUL byte", file, lineno);
		why = parse_line(p, &x);
		if (why) {
			free(x.path);
			return pf_error(e, PF_EFORMAT, "%s:%zu: %s", file, lineno, why);
		}
		if (r->n >= WATCH_REGISTRY_MAX) {
			free(x.path);
			return pf_error(e, PF_EFORMAT, "'%s': more than %d entries", file, WATCH_REGISTRY_MAX);
		}
		if (watch_registry_find(r, x.path, x.lock_sha256)) {
			free(x.path);
			return pf_error(e, PF_EFORMAT, "%s:%zu: the same path and lock twice", file, lineno);
		}
		PF_GROW(r->v, r->n + 1, r->cap);
		r->v[r->n++] = x;
		p = nl + 1;
	}
	pf_qsort(r->v, r->n, sizeof *r->v, env_cmp);
	return 0;
}

int watch_registry_open(struct watch_registry *r, const char *state_dir, int update, struct pf_err *e)
{
	struct pf_buf data = PF_BUF_INIT;
	char *file = NULL, *lockf = NULL;
	int rc = 0;

	memset(r, 0, sizeof *r);
	r->lock_fd = -1;
	r->dir = pf_path_join(state_dir, WATCH_REGISTRY_DIR);
	file = pf_path_join(r->dir, WATCH_REGISTRY_FILE);
	if (update) {
		rc = pf_mkdir_p(r->dir, 0700, e);
		if (rc)
			goto out;
		lockf = pf_path_join(r->dir, "lock");
		r->lock_fd = open(lockf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (r->lock_fd < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", lockf, strerror(errno));
			goto out;
		}
		while (flock(r->lock_fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				rc = pf_error(e, PF_EIO, "'%s': cannot lock: %s", lockf, strerror(errno));
				goto out;
			}
		}
	}
	rc = pf_read_file(file, MAX_FILE, &data, e);
	if (rc == -PF_ENOTFOUND) {
		pf_err_clear(e);
		rc = 0;
		goto out;
	}
	if (!rc)
		rc = parse_file(r, file, data.p, data.len, e);
out:
	if (rc)
		watch_registry_close(r);
	pf_buf_release(&data);
	free(file);
	free(lockf);
	return rc;
}

struct watch_env *watch_registry_find(struct watch_registry *r, const char *path, const char *lock_sha256)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].path, path) && !strcmp(r->v[i].lock_sha256, lock_sha256))
			return &r->v[i];
	return NULL;
}

char *watch_registry_lock_path(const struct watch_registry *r, const char *lock_sha256)
{
	return pf_xasprintf("%s/locks/%s.lock", r->dir, lock_sha256);
}

char *watch_inventory_path(const char *state_dir, const struct watch_env *x)
{
	char *key = pf_xasprintf("%s\n%s", x->path, x->lock_sha256);
	char hex[PF_SHA256_HEX];

	pf_sha256_hex(key, strlen(key), hex);
	free(key);
	return pf_xasprintf("%s/" WATCH_REGISTRY_DIR "/inventory/%s.tsv", state_dir, hex);
}

/* An entry leaves the registry: its inventory goes with it (the dir is STATE/registry). */
static void drop_inventory(const struct watch_registry *r, const struct watch_env *x)
{
	char *state = pf_dirname(r->dir), *p = watch_inventory_path(state, x);

	unlink(p);
	free(p);
	free(state);
}

static int by_last(const void *a, const void *b)
{
	const struct watch_env *x = *(const struct watch_env *const *)a, *y = *(const struct watch_env *const *)b;

	return x->last < y->last ? -1 : x->last > y->last ? 1 : env_cmp(x, y);
}

/* Drop the least recently used entries beyond the cap, and their lock copies nobody else uses. */
static void evict(struct watch_registry *r)
{
	struct watch_env **order;
	char *drop;
	size_t j = 0;

	if (r->n <= WATCH_REGISTRY_MAX)
		return;
	order = pf_xcalloc(r->n, sizeof *order);
	drop = pf_xcalloc(r->n, 1);
	for (size_t i = 0; i < r->n; i++)
		order[i] = &r->v[i];
	qsort(order, r->n, sizeof *order, by_last);
	for (size_t i = 0; i < r->n - WATCH_REGISTRY_MAX; i++)
		drop[order[i] - r->v] = 1;
	free(order);
	for (size_t i = 0; i < r->n; i++) {
		int used = 0;

		if (!drop[i])
			continue;
		for (size_t k = 0; k < r->n && !used; k++)
			used = !drop[k] && !strcmp(r->v[k].lock_sha256, r->v[i].lock_sha256);
		if (!used) {
			char *lp = watch_registry_lock_path(r, r->v[i].lock_sha256);

			unlink(lp);
			free(lp);
		}
	}
	for (size_t i = 0; i < r->n; i++) {
		if (drop[i]) {
			drop_inventory(r, &r->v[i]);
			free(r->v[i].path);
		} else {
			r->v[j++] = r->v[i];
		}
	}
	r->n = j;
	free(drop);
}

int watch_registry_commit(struct watch_registry *r, struct pf_err *e)
{
	struct pf_buf b = PF_BUF_INIT;
	char *file;
	int rc;

	if (r->lock_fd < 0)
		return pf_error(e, PF_EINTERNAL, "registry: not opened for update");
	evict(r);
	pf_qsort(r->v, r->n, sizeof *r->v, env_cmp);
	pf_buf_adds(&b, HEADER);
	for (size_t i = 0; i < r->n; i++) {
		const struct watch_env *x = &r->v[i];
		char first[PF_TIME_STR], last[PF_TIME_STR], since[PF_TIME_STR];

		pf_time_format(x->first, first);
		pf_time_format(x->last, last);
		pf_time_format(x->since, since);
		pf_buf_addf(&b, "%s\t%s\t%s\t%s\t", kinds[x->kind], x->lock_sha256, first, last);
		if (x->state == WATCH_PRESENT)
			pf_buf_adds(&b, "present");
		else
			pf_buf_addf(&b, "%s:%s", states[x->state], since);
		pf_buf_addf(&b, "\t%llu\t%s\t", x->uses, x->how);
		watch_path_put(&b, x->path);
		pf_buf_addc(&b, '\n');
	}
	file = pf_path_join(r->dir, WATCH_REGISTRY_FILE);
	rc = pf_write_file(file, b.p, b.len, 0600, e);
	free(file);
	pf_buf_release(&b);
	return rc;
}

void watch_registry_close(struct watch_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	free(r->dir);
	if (r->lock_fd >= 0)
		close(r->lock_fd);	/* releases the flock */
	memset(r, 0, sizeof *r);
	r->lock_fd = -1;
}

/* Keep the lock's bytes by digest (once; a present copy with other bytes is replaced). */
static int keep_lock(struct watch_registry *r, const char *sha, const char *lock, size_t len, struct pf_err *e)
{
	struct pf_buf have = PF_BUF_INIT;
	char *dir = pf_path_join(r->dir, "locks"), *p = watch_registry_lock_path(r, sha);
	char hex[PF_SHA256_HEX];
	int rc = 0;

	if (!pf_read_file(p, PF_MAX_SMALL, &have, NULL)) {
		pf_sha256_hex(have.p, have.len, hex);
		if (!strcmp(hex, sha))
			goto out;
	}
	rc = pf_mkdir_p(dir, 0700, e);
	if (!rc)
		rc = pf_write_file(p, lock, len, 0600, e);
out:
	pf_buf_release(&have);
	free(dir);
	free(p);
	return rc;
}

int watch_registry_touch(const char *state_dir, const char *path, enum watch_env_kind kind, const char *lock,
			 size_t len, const char *how, time_t now, struct pf_err *e)
{
	struct watch_registry r;
	struct watch_env *x;
	char sha[PF_SHA256_HEX];
	int rc;

	if (path[0] != '/' || strlen(path) > WATCH_PATH_MAX)
		return pf_error(e, PF_EUSAGE, "registry: '%s' is not an absolute path of at most %d bytes", path,
				WATCH_PATH_MAX);
	if (!how_ok(how))
		return pf_error(e, PF_EUSAGE, "registry: '%s' is not a kind of use", how);
	if (len > PF_MAX_SMALL)
		return pf_error(e, PF_ETOOBIG, "registry: the lock of '%s' is larger than %zu bytes", path,
				PF_MAX_SMALL);
	pf_sha256_hex(lock, len, sha);
	rc = watch_registry_open(&r, state_dir, 1, e);
	if (rc)
		return rc;
	rc = keep_lock(&r, sha, lock, len, e);
	if (rc)
		goto out;
	x = watch_registry_find(&r, path, sha);
	if (!x) {
		PF_GROW(r.v, r.n + 1, r.cap);
		x = &r.v[r.n++];
		memset(x, 0, sizeof *x);
		x->path = pf_xstrdup(path);
		memcpy(x->lock_sha256, sha, PF_SHA256_HEX);
		x->first = x->last = now;
	}
	x->kind = kind;
	if (now < x->first)
		x->first = now;
	if (now > x->last)
		x->last = now;
	x->state = WATCH_PRESENT;
	x->since = 0;
	if (x->uses < 1000000000000ULL)
		x->uses++;
	snprintf(x->how, sizeof x->how, "%s", how);
	/* Whatever else was recorded at this path holds another lock now. */
	for (size_t i = 0; i < r.n; i++) {
		struct watch_env *y = &r.v[i];

		if (y != x && y->state != WATCH_REPLACED && !strcmp(y->path, path)) {
			y->state = WATCH_REPLACED;
			y->since = now;
		}
	}
	rc = watch_registry_commit(&r, e);
out:
	watch_registry_close(&r);
	return rc;
}

int watch_registry_forget(const char *state_dir, const char *path, size_t *n, struct pf_err *e)
{
	struct watch_registry r;
	char *drop;
	size_t j = 0;
	int rc;

	*n = 0;
	rc = watch_registry_open(&r, state_dir, 1, e);
	if (rc)
		return rc;
	drop = pf_xcalloc(r.n ? r.n : 1, 1);
	for (size_t i = 0; i < r.n; i++)
		if (!strcmp(r.v[i].path, path)) {
			drop[i] = 1;
			(*n)++;
		}
	/* a kept lock goes when no remaining entry uses it */
	for (size_t i = 0; i < r.n; i++) {
		int used = 0;

		if (!drop[i])
			continue;
		for (size_t k = 0; k < r.n && !used; k++)
			used = !drop[k] && !strcmp(r.v[k].lock_sha256, r.v[i].lock_sha256);
		if (!used) {
			char *lp = watch_registry_lock_path(&r, r.v[i].lock_sha256);

			unlink(lp);
			free(lp);
		}
	}
	for (size_t i = 0; i < r.n; i++) {
		if (drop[i]) {
			drop_inventory(&r, &r.v[i]);
			free(r.v[i].path);
		} else {
			r.v[j++] = r.v[i];
		}
	}
	r.n = j;
	free(drop);
	if (*n)
		rc = watch_registry_commit(&r, e);
	watch_registry_close(&r);
	return rc;
}

static int is_zstd(const char *path)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char b[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int r = fd >= 0 && pf_read_full(fd, b, 4) == 4 && !memcmp(b, magic, 4);

	if (fd >= 0)
		close(fd);
	return r;
}

int watch_env_touch(const char *state_dir, const char *path, const char *how, time_t now, struct pf_err *e)
{
	struct pf_buf lock = PF_BUF_INIT;
	enum watch_env_kind kind = WATCH_ENV_DIR;
	char *abs = realpath(path, NULL), *p = NULL;
	int rc;

	if (!abs)
		return pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(errno));
	if (pf_is_dir(abs)) {
		kind = WATCH_ENV_DIR;
		p = pf_path_join(abs, PACK_LOCK);
		rc = pf_read_file(p, PF_MAX_SMALL, &lock, e);
		if (rc == -PF_ENOTFOUND) {
			pf_err_clear(e);
			rc = pf_error(e, PF_ENOTFOUND, "'%s': not a pinfold environment (no %s)", path, PACK_LOCK);
		}
	} else if (is_zstd(abs)) {
		kind = WATCH_ENV_TARBALL;
		rc = install_env_read(abs, PACK_LOCK, PF_MAX_SMALL, &lock, e);
	} else {
		rc = pf_error(e, PF_EFORMAT, "'%s': neither an environment directory nor an environment tarball", path);
	}
	if (!rc)
		rc = watch_registry_touch(state_dir, abs, kind, lock.p ? lock.p : "", lock.len, how, now, e);
	pf_buf_release(&lock);
	free(abs);
	free(p);
	return rc;
}
