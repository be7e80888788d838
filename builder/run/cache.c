/* SPDX-License-Identifier: MIT */
/* The environment cache: each tarball verified and unpacked once, read-only, under its SHA-256. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "pack/pack.h"
#include "run/internal.h"

/*
 * Layout under cache_dir/envs/:
 *   SHA256/root   the unpacked tree (files 0444/0555)
 *   SHA256/seal   its seal (seal.c)
 *   stat/KEY      "dev ino size mtime ctime SHA256" of the tarball last hashed at the
 *                 path whose SHA-256 is KEY, so an unchanged tarball is not hashed again
 *   .tmp-XXXXXX   a tree being unpacked, renamed to SHA256 when complete
 */

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static char *stat_line(const struct stat *st, const char *sha)
{
	return pf_xasprintf("%" PRIu64 " %" PRIu64 " %lld %lld.%09ld %lld.%09ld %s\n", (uint64_t)st->st_dev,
			    (uint64_t)st->st_ino, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			    (long)st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, (long)st->st_ctim.tv_nsec,
			    sha ? sha : "");
}

/* The stat record's file for the tarball at path (caller frees). */
static char *stat_record(const char *envs, const char *path)
{
	char *abs = realpath(path, NULL), hex[PF_SHA256_HEX];

	pf_sha256_hex(abs ? abs : path, strlen(abs ? abs : path), hex);
	free(abs);
	return pf_xasprintf("%s/stat/%s", envs, hex);
}

/* The SHA-256 recorded for a tarball with exactly this stat, or "" (sha untouched) when there is none. */
static void recorded_sha(const char *record, const struct stat *st, char sha[PF_SHA256_HEX])
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err ignore = { 0 };
	char *want = stat_line(st, NULL);
	size_t n = strlen(want) - 1;	/* without the newline */

	if (!pf_read_file(record, 4096, &b, &ignore) && b.len == n + PF_SHA256_HEX && !memcmp(b.p, want, n) &&
	    b.p[b.len - 1] == '\n') {
		memcpy(sha, b.p + n, PF_SHA256_HEX - 1);
		sha[PF_SHA256_HEX - 1] = '\0';
		if (!pf_is_sha256_hex(sha))
			sha[0] = '\0';
	}
	free(want);
	pf_buf_release(&b);
}

static int hash_fd(int fd, const char *path, char sha[PF_SHA256_HEX], struct pf_err *e)
{
	static char buf[1 << 20];
	struct pf_sha256 s;
	ssize_t n;

	pf_sha256_init(&s);
	while ((n = pf_read_full(fd, buf, sizeof buf)) > 0)
		pf_sha256_update(&s, buf, (size_t)n);
	pf_sha256_final(&s, sha);
	if (n < 0)
		return pf_error(e, PF_EIO, "'%s': cannot read: %s", path, strerror((int)-n));
	return 0;
}

/* path.sha256, when it exists, must name the same digest (what `pinfold build` writes beside OUT). */
static int check_sidecar(const char *path, const char *sha, struct pf_err *e)
{
	char *side = pf_xasprintf("%s.sha256", path), want[PF_SHA256_HEX];
	struct pf_buf b = PF_BUF_INIT;
	int rc = 0;

	if (!pf_exists(side))
		goto out;
	rc = pf_read_file(side, 4096, &b, e);
	if (rc)
		goto out;
	if (b.len < PF_SHA256_HEX - 1 || (b.len > PF_SHA256_HEX - 1 && !strchr(" \t\n", b.p[PF_SHA256_HEX - 1]))) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not a SHA-256 line ('HEX  NAME')", side);
		goto out;
	}
	memcpy(want, b.p, PF_SHA256_HEX - 1);
	want[PF_SHA256_HEX - 1] = '\0';
	if (!pf_is_sha256_hex(want))
		rc = pf_error(e, PF_EFORMAT, "'%s': not a SHA-256 line ('HEX  NAME')", side);
	else if (!pf_digest_eq(want, sha))
		rc = pf_error(e, PF_EDIGEST, "'%s': SHA-256 is %s but '%s' says %s: the tarball was changed; "
			      "refusing to run it", path, sha, side, want);
out:
	pf_buf_release(&b);
	free(side);
	return rc;
}

/* Move a tree out of the way, then remove it (a run still using it keeps what it opened). */
static void discard(const char *envs, const char *dir)
{
	struct pf_err ignore = { 0 };
	char *aside = pf_mkdtemp(envs, ".stale-", &ignore);

	if (aside) {
		char *to = pf_path_join(aside, "tree");

		if (!rename(dir, to))
			pf_rm_rf(aside);
		else
			pf_rm_rf(dir);
		pf_rm_rf(aside);
		free(to);
		free(aside);
	} else {
		pf_rm_rf(dir);
	}
}

/* Unpack path into a temp dir under envs, verify it, seal it and rename it to final. */
static int unpack(const char *path, const char *envs, const char *final, struct pf_err *e)
{
	struct pack_verify v;
	char *tmp, *root = NULL, *seal = NULL;
	int rc;

	memset(&v, 0, sizeof v);
	tmp = pf_mkdtemp(envs, ".tmp-", e);
	if (!tmp)
		return -PF_EIO;
	if (chmod(tmp, 0755)) {
		rc = pf_error(e, PF_EIO, "'%s': %s", tmp, strerror(errno));
		goto out;
	}
	root = pf_path_join(tmp, "root");
	seal = pf_path_join(tmp, "seal");
	if (mkdir(root, 0755)) {
		rc = pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
		goto out;
	}
	rc = pack_unpack(path, root, &v, e);
	if (rc)
		goto out;
	if (v.lines.n) {
		rc = pf_error(e, PF_EDIGEST, "'%s': does not match its own manifest (%zu difference%s, first '%s'): "
			      "it was changed after it was built; refusing to run it", path, v.lines.n,
			      v.lines.n == 1 ? "" : "s", v.lines.v[0]);
		goto out;
	}
	rc = run_seal_write(root, seal, e);
	if (rc)
		goto out;
	if (rename(tmp, final)) {
		/* Another first run won the race (ENOTEMPTY/EEXIST): use its tree, drop ours. */
		if (errno != ENOTEMPTY && errno != EEXIST)
			rc = pf_error(e, PF_EIO, "'%s': cannot rename into place: %s", final, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (tmp) {
		pf_rm_rf(tmp);
		free(tmp);
	}
	free(root);
	free(seal);
	pack_verify_release(&v);
	return rc;
}

int run_cache_get(const char *path, const char *cache_dir, int defer, char **rootp, char **sealp,
		  char sha[PF_SHA256_HEX], int *unpacked, struct pf_err *e)
{
	struct stat st, again;
	char *envs = pf_path_join(cache_dir, "envs"), *record = NULL, *dir = NULL, *root = NULL, *seal = NULL;
	char *statdir = NULL, *line = NULL;
	struct pf_err why = { 0 };
	int fd, rc, hashed = 0;

	*rootp = NULL;
	*sealp = NULL;
	*unpacked = 0;
	sha[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		rc = pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not an environment directory or tarball", path);
		goto out;
	}
	statdir = pf_path_join(envs, "stat");
	rc = pf_mkdir_p(statdir, 0700, e);
	if (rc)
		goto out;
	record = stat_record(envs, path);
	recorded_sha(record, &st, sha);
	if (!sha[0]) {
		rc = hash_fd(fd, path, sha, e);
		if (rc)
			goto out;
		hashed = 1;
	}
	rc = check_sidecar(path, sha, e);
	if (rc)
		goto out;
	dir = pf_path_join(envs, sha);
	root = pf_path_join(dir, "root");
	seal = pf_path_join(dir, "seal");
	if (pf_is_dir(dir)) {
		if (defer) {
			*sealp = seal;	/* the caller checks it before anything runs */
			seal = NULL;
			goto found;
		}
		if (!run_seal_check(root, seal, &why))
			goto found;
		pf_warn(e, "the cached copy of '%s' was modified since it was unpacked (%s): unpacking it again",
			path, why.msg);
		discard(envs, dir);
	}
	rc = unpack(path, envs, dir, e);
	if (rc)
		goto out;
	/* The bytes unpacked must be the bytes hashed: refuse a tarball that changed meanwhile. */
	if (stat(path, &again) || !same_file(&st, &again)) {
		discard(envs, dir);
		rc = pf_error(e, PF_EDIGEST, "'%s': changed while it was read; refusing to run it", path);
		goto out;
	}
	*unpacked = 1;
found:
	if (hashed || *unpacked) {
		struct pf_err ignore = { 0 };

		line = stat_line(&st, sha);
		pf_write_file(record, line, strlen(line), 0600, &ignore);	/* only saves time next run */
	}
	*rootp = root;
	root = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(envs);
	free(record);
	free(dir);
	free(root);
	free(seal);
	free(statdir);
	free(line);
	return rc;
}

void run_cache_discard(const char *cache_dir, const char *sha)
{
	char *envs = pf_path_join(cache_dir, "envs"), *dir = pf_path_join(envs, sha);

	if (pf_is_sha256_hex(sha) && pf_is_dir(dir))
		discard(envs, dir);
	free(envs);
	free(dir);
}
