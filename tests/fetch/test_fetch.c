/* SPDX-License-Identifier: MIT */
/* Unit tests for fetch/: cache, directory and HTTP mirrors (real servers on 127.0.0.1), bundle framing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "fetch/bundle.h"
#include "fetch/fetch.h"
#include "tap.h"

static char *T;
static struct pf_buf warnings = PF_BUF_INIT;
static int nwarn;

static void on_warn(void *ud, const char *msg)
{
	(void)ud;
	pf_buf_adds(&warnings, msg);
	pf_buf_addc(&warnings, '\n');
	nwarn++;
}

static void reset(struct pf_err *e)
{
	memset(e, 0, sizeof *e);
	e->warn = on_warn;
	warnings.len = 0;
	pf_buf_cstr(&warnings);
	nwarn = 0;
}

static char *tpath(const char *fmt, const char *a)
{
	char *rel = pf_xasprintf(fmt, a);
	char *p = pf_path_join(T, rel);

	free(rel);
	return p;
}

static void put(const char *dir, const char *name, const void *data, size_t n)
{
	char *d = tpath("%s", dir), *p = pf_path_join(d, name);
	struct pf_err e = { 0 };

	pf_mkdir_p(d, 0755, &e);
	pf_write_file(p, data, n, 0644, &e);
	free(d);
	free(p);
}

/* Artifacts under test: deterministic pseudo-random bytes. */
#define NART 6
static struct catalog_artifact art[NART];
static char *art_data[NART];
static char art_names[NART][32];

static void make_artifacts(void)
{
	unsigned x = 12345;

	for (int i = 0; i < NART; i++) {
		size_t n = i == 0 ? 200000 : 40 + 1000 * (size_t)i;

		art_data[i] = pf_xmalloc(n);
		for (size_t j = 0; j < n; j++) {
			x = x * 1103515245u + 12345u;
			art_data[i][j] = (char)(x >> 16);
		}
		snprintf(art_names[i], sizeof art_names[i], "pkg%d-1.0+x.whl", i);
		art[i].file = art_names[i];
		art[i].format = "wheel";
		art[i].size = n;
		pf_sha256_hex(art_data[i], n, art[i].sha256);
		put("good", art_names[i], art_data[i], n);
	}
	/* a "bad" mirror: right size, wrong bytes, for artifact 0 */
	art_data[0][100] ^= 1;
	put("bad", art_names[0], art_data[0], art[0].size);
	art_data[0][100] ^= 1;
}

static int cache_clean(const char *cache)
{
	char *d = pf_path_join(cache, "sha256");
	DIR *dir = opendir(d);
	struct dirent *de;
	int clean = 1;

	free(d);
	if (!dir)
		return 1;
	while ((de = readdir(dir)))
		if (strstr(de->d_name, ".tmp-"))
			clean = 0;
	closedir(dir);
	return clean;
}

static int fetch1(struct fetch_ctx *f, const struct catalog_artifact *a, struct pf_err *e, char **path)
{
	const struct catalog_artifact *arts[1] = { a };
	char *p = NULL;
	int rc = fetch_all(f, arts, 1, &p, NULL, e);

	if (path)
		*path = p;
	else
		free(p);
	return rc;
}

static void ctx_init(struct fetch_ctx *f, const char *cache)
{
	memset(f, 0, sizeof *f);
	f->cache_dir = cache;
	f->jobs = 4;
	f->retries = -1;
	f->low_speed_time = 2;
	f->connect_timeout = 5;
}

static void test_dirs(void)
{
	char *cache = tpath("%s", "cache1"), *bad = tpath("%s", "bad"), *good = tpath("%s", "good");
	char *missing = tpath("%s", "missing"), *path = NULL, hex[PF_SHA256_HEX];
	struct fetch_ctx f;
	struct pf_err e;
	int rc;

	ctx_init(&f, cache);
	reset(&e);
	pf_strv_push(&f.mirrors, missing);
	pf_strv_push(&f.mirrors, bad);
	pf_strv_push(&f.mirrors, good);
	rc = fetch1(&f, &art[0], &e, &path);
	is_int(rc, 0, "dir: wrong bytes in the first mirror fall through to the good one");
	ok(nwarn == 1 && strstr(warnings.p, bad) && strstr(warnings.p, art[0].file) &&
	   strstr(warnings.p, "wrong sha256"), "dir: the warning names the mirror and the artifact");
	ok(path && !pf_sha256_file(path, hex, NULL, &e) && !strcmp(hex, art[0].sha256),
	   "dir: the cache entry has the right hash");
	ok(path && strstr(path, "/sha256/") && strstr(path, art[0].sha256), "dir: content-addressed path");
	free(path);
	pf_strv_release(&f.mirrors);

	reset(&e);
	rc = fetch1(&f, &art[0], &e, NULL);
	is_int(rc, 0, "cache: a hit needs no mirror");

	/* corrupt the cache entry: same size, other bytes */
	{
		char *p = fetch_cache_path(cache, art[0].sha256);

		art_data[0][5] ^= 1;
		pf_write_file(p, art_data[0], art[0].size, 0644, &e);
		art_data[0][5] ^= 1;
		reset(&e);
		rc = fetch1(&f, &art[0], &e, NULL);
		is_int(rc, -PF_ENOTFOUND, "cache: a bad entry is not used");
		ok(strstr(warnings.p, "does not match") != NULL, "cache: a bad entry is reported");
		ok(!pf_exists(p), "cache: a bad entry is removed");
		pf_strv_push(&f.mirrors, good);
		reset(&e);
		rc = fetch1(&f, &art[0], &e, NULL);
		is_int(rc, 0, "cache: a bad entry is fetched again");
		pf_strv_release(&f.mirrors);
		free(p);
	}

	/* nobody has it */
	ctx_init(&f, cache);
	pf_strv_push(&f.mirrors, missing);
	pf_strv_push(&f.mirrors, bad);
	reset(&e);
	rc = fetch1(&f, &art[1], &e, &path);
	is_int(rc, -PF_ENOTFOUND, "dir: missing everywhere is PF_ENOTFOUND");
	ok(strstr(e.msg, art[1].file) && strstr(e.msg, missing) && strstr(e.msg, bad) && strstr(e.msg, cache),
	   "dir: the error names the file and every place tried");
	printf("# %s\n", e.msg);
	ok(path == NULL, "dir: no path on failure");
	{
		char *c2 = tpath("%s", "cache-wrong");

		f.cache_dir = c2;
		reset(&e);
		rc = fetch1(&f, &art[0], &e, NULL);
		is_int(rc, -PF_EDIGEST, "dir: only wrong bytes is PF_EDIGEST");
		ok(cache_clean(c2) && !pf_exists(e.msg) , "dir: no temp files left after wrong bytes");
		f.cache_dir = cache;
		free(c2);
	}
	ok(cache_clean(cache), "dir: no temp files left in the cache");
	pf_strv_release(&f.mirrors);

	/* unsafe names and special files */
	{
		struct catalog_artifact evil = art[1];
		char *fifo = pf_path_join(bad, art[2].file);

		evil.file = "../good/pkg1-1.0+x.whl";
		ctx_init(&f, cache);
		pf_strv_push(&f.mirrors, bad);
		reset(&e);
		is_int(fetch1(&f, &evil, &e, NULL), -PF_EUNSAFE, "dir: a file name with '/' is refused");
		evil.file = "..";
		reset(&e);
		is_int(fetch1(&f, &evil, &e, NULL), -PF_EUNSAFE, "dir: '..' is refused");
		mkfifo(fifo, 0644);
		reset(&e);
		rc = fetch1(&f, &art[2], &e, NULL);
		is_int(rc, -PF_ENOTFOUND, "dir: a FIFO in a mirror is skipped without hanging");
		pf_strv_release(&f.mirrors);
		unlink(fifo);
		free(fifo);
	}
	free(cache);
	free(bad);
	free(good);
	free(missing);
}

/* Servers: python3's http.server for the good mirror, hostile_httpd.py for the rest. */
static pid_t spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Up to a minute: with every core busy a Python server can take many seconds to start. */
static int wait_port(const char *file, const char *marker)
{
	for (int i = 0; i < 1200; i++) {
		struct pf_buf b = PF_BUF_INIT;
		struct pf_err e = { 0 };
		int port = 0;

		if (!pf_read_file(file, 4096, &b, &e) && b.len) {
			const char *s = marker ? strstr(b.p, marker) : b.p;

			if (s)
				port = atoi(s + (marker ? strlen(marker) : 0));
		}
		pf_buf_release(&b);
		if (port > 0)
			return port;
		usleep(50000);
	}
	return -1;
}

static pid_t good_pid = -1, bad_pid = -1;
static char good_url[128], host_url[128];

static void stop_servers(void)
{
	if (good_pid > 0)
		kill(-good_pid, SIGTERM), waitpid(good_pid, NULL, 0);
	if (bad_pid > 0)
		kill(-bad_pid, SIGTERM), waitpid(bad_pid, NULL, 0);
	good_pid = bad_pid = -1;
}

static int start_servers(void)
{
	char *good = tpath("%s", "good"), *out = tpath("%s", "good.log"), *portf = tpath("%s", "hostile.port");
	char *script = pf_xasprintf("%s/tests/fetch/hostile_httpd.py", getenv("SRCDIR") ? getenv("SRCDIR") : ".");
	char *hout = tpath("%s", "hostile.log");
	char *gargv[] = { "timeout", "300", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
			  "--directory", good, NULL };
	char *hargv[] = { "python3", script, good, portf, "300", NULL };
	int gp, hp;

	good_pid = spawn(gargv, out);
	bad_pid = spawn(hargv, hout);
	gp = wait_port(out, " port ");
	hp = wait_port(portf, NULL);
	snprintf(good_url, sizeof good_url, "http://127.0.0.1:%d/", gp);
	snprintf(host_url, sizeof host_url, "http://127.0.0.1:%d", hp);
	free(good);
	free(out);
	free(portf);
	free(script);
	free(hout);
	return gp > 0 && hp > 0 ? 0 : -1;
}

static uint64_t last_bytes, last_total;
static size_t last_files, last_ftotal;
static int progress_calls;

static void on_progress(void *ud, uint64_t b, uint64_t bt, size_t fd, size_t ft)
{
	(void)ud;
	last_bytes = b, last_total = bt, last_files = fd, last_ftotal = ft;
	progress_calls++;
}

/* One fetch of art[i] from route R of the hostile server, into a fresh cache. */
static int hostile(const char *route, int i, const char *then, struct pf_err *e, double *secs)
{
	static int seq;
	char name[32];
	char *cache, *url = pf_xasprintf("%s/%s/", host_url, route);
	struct fetch_ctx f;
	struct timespec a, b;
	int rc;

	snprintf(name, sizeof name, "hcache%d", seq++);
	cache = tpath("%s", name);
	ctx_init(&f, cache);
	pf_strv_push(&f.mirrors, url);
	if (then)
		pf_strv_push(&f.mirrors, then);
	reset(e);
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = fetch1(&f, &art[i], e, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (secs)
		*secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (rc) {
		char *entry = fetch_cache_path(cache, art[i].sha256);

		ok(cache_clean(cache) && !pf_exists(entry), "http %s: nothing enters the cache", route);
		free(entry);
	}
	printf("# %s: rc %d: %s\n", route, rc, e->msg);
	pf_strv_release(&f.mirrors);
	free(cache);
	free(url);
	return rc;
}

static void test_http(void)
{
	struct pf_err e;
	struct fetch_ctx f;
	char *cache = tpath("%s", "hcache-good"), *paths[NART];
	const struct catalog_artifact *arts[NART];
	char *wrong_url;
	double secs = 0;
	int rc;

	if (start_servers() < 0) {
		ok(0, "http: test servers started");
		return;
	}
	ok(1, "http: test servers started (%s, %s)", good_url, host_url);

	/* a good mirror, in parallel, with progress */
	ctx_init(&f, cache);
	f.progress = on_progress;
	pf_strv_push(&f.mirrors, good_url);
	for (int i = 0; i < NART; i++)
		arts[i] = &art[i];
	reset(&e);
	rc = fetch_all(&f, arts, NART, paths, NULL, &e);
	is_int(rc, 0, "http: a good mirror serves every artifact (jobs 4)");
	ok(progress_calls > 1 && last_files == NART && last_ftotal == NART && last_bytes == last_total,
	   "http: progress reaches all bytes and files");
	for (int i = 0; i < NART; i++) {
		char hex[PF_SHA256_HEX] = "";

		if (!rc)
			pf_sha256_file(paths[i], hex, NULL, &e);
		ok(!strcmp(hex, art[i].sha256), "http: %s hash-checked in the cache", art[i].file);
		if (!rc)
			free(paths[i]);
	}
	pf_strv_release(&f.mirrors);

	/* wrong bytes fall through to the good mirror with a warning */
	wrong_url = pf_xasprintf("%s/wrong/", host_url);
	rc = hostile("wrong", 1, good_url, &e, NULL);
	is_int(rc, 0, "http wrong: falls through to the good mirror");
	ok(nwarn == 1 && strstr(warnings.p, wrong_url) && strstr(warnings.p, art[1].file) &&
	   strstr(warnings.p, "wrong sha256"), "http wrong: the warning names the mirror and the artifact");
	free(wrong_url);
	rc = hostile("wrong", 1, NULL, &e, NULL);
	is_int(rc, -PF_EDIGEST, "http wrong alone: refused as a digest mismatch");

	rc = hostile("trunc", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENET, "http truncated (Content-Length): refused");
	rc = hostile("short", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENET, "http truncated (no length): refused");
	ok(strstr(e.msg, "truncated") != NULL, "http truncated: the message says so");
	rc = hostile("short", 1, good_url, &e, NULL);
	is_int(rc, 0, "http truncated: falls through to the good mirror");

	rc = hostile("endless", 0, NULL, &e, &secs);
	is_int(rc, -PF_EDIGEST, "http endless body: cut off and refused");
	ok(strstr(e.msg, "longer than the expected") && secs < 10, "http endless body: cut at the expected size");
	rc = hostile("endless", 0, good_url, &e, NULL);
	is_int(rc, 0, "http endless body: falls through to the good mirror");
	rc = hostile("oversize", 1, NULL, &e, NULL);
	is_int(rc, -PF_EDIGEST, "http oversized body: refused");

	rc = hostile("drip", 1, NULL, &e, &secs);
	is_int(rc, -PF_ENET, "http 1 byte/s drip: fails");
	ok(secs < 8, "http drip: fails within the low-speed limit (%.1f s, limit 2 s)", secs);
	ok(strstr(e.msg, "too slow") != NULL, "http drip: the message says too slow");

	rc = hostile("404", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENOTFOUND, "http 404: not found");
	ok(strstr(e.msg, "HTTP 404") && strstr(e.msg, art[1].file), "http 404: the message names the file and status");
	rc = hostile("500", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENET, "http 500: transfer failure");
	rc = hostile("loop", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENET, "http redirect loop: bounded");
	ok(strstr(e.msg, "redirects") != NULL, "http redirect loop: the message says so");
	rc = hostile("ftp", 1, NULL, &e, NULL);
	is_int(rc, -PF_ENET, "http redirect to file://: refused");
	rc = hostile("redir", 1, NULL, &e, NULL);
	is_int(rc, 0, "http one redirect to http: followed");

	/* retries: a 500 is tried 1 + retries times, with backoff */
	{
		char *c2 = tpath("%s", "hcache-retry"), *u = pf_xasprintf("%s/500/", host_url);
		struct timespec a, b;

		ctx_init(&f, c2);
		f.retries = 2;
		pf_strv_push(&f.mirrors, u);
		reset(&e);
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = fetch1(&f, &art[1], &e, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ok(rc == -PF_ENET && b.tv_sec - a.tv_sec >= 1, "http retries: bounded, with backoff");
		pf_strv_release(&f.mirrors);
		free(c2);
		free(u);
	}

	/* parallel: 5 artifacts that each take a second, with 5 jobs and with 1 */
	for (int jobs = 5; jobs > 0; jobs -= 4) {
		char name[32], *c4, *u = pf_xasprintf("%s/slow/", host_url);
		struct timespec a, b;

		snprintf(name, sizeof name, "hcache-jobs%d", jobs);
		c4 = tpath("%s", name);
		ctx_init(&f, c4);
		f.jobs = jobs;
		pf_strv_push(&f.mirrors, u);
		reset(&e);
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = fetch_all(&f, arts + 1, 5, paths, NULL, &e);
		clock_gettime(CLOCK_MONOTONIC, &b);
		secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		is_int(rc, 0, "http slow server: every artifact arrives");
		if (jobs > 1)
			ok(secs < 3.5, "http --jobs 5: five one-second downloads overlap (%.1f s)", secs);
		else
			ok(secs >= 4.5, "http --jobs 1: one at a time (%.1f s)", secs);
		for (int i = 0; !rc && i < 5; i++)
			free(paths[i]);
		pf_strv_release(&f.mirrors);
		free(c4);
		free(u);
	}

	/* connection refused: a port nobody listens on */
	{
		char *c3 = tpath("%s", "hcache-refused");

		ctx_init(&f, c3);
		pf_strv_push(&f.mirrors, "http://127.0.0.1:1/");
		pf_strv_push(&f.mirrors, good_url);
		reset(&e);
		is_int(fetch1(&f, &art[1], &e, NULL), 0, "http connection refused: falls through");
		pf_strv_release(&f.mirrors);
		free(c3);
	}

	/* fetch_small */
	{
		struct pf_buf b = PF_BUF_INIT;

		reset(&e);
		rc = fetch_small(good_url, art[1].file, 1 << 20, &b, &e);
		ok(!rc && b.len == art[1].size && !memcmp(b.p, art_data[1], b.len), "fetch_small: URL");
		b.len = 0;
		reset(&e);
		rc = fetch_small(good_url, "nope.yaml", 1 << 20, &b, &e);
		is_int(rc, -PF_ENOTFOUND, "fetch_small: 404 is PF_ENOTFOUND");
		reset(&e);
		rc = fetch_small(good_url, art[0].file, 1000, &b, &e);
		is_int(rc, -PF_ETOOBIG, "fetch_small: over the cap is refused");
		{
			char *u = pf_xasprintf("%s/endless/", host_url);

			reset(&e);
			rc = fetch_small(u, art[1].file, 100000, &b, &e);
			is_int(rc, -PF_ETOOBIG, "fetch_small: an endless body is cut at the cap");
			free(u);
		}
		{
			char *u = pf_xasprintf("%s/drip/", host_url);
			struct timespec a, t2;

			setenv("PINFOLD_LOW_SPEED_TIME", "2", 1);
			reset(&e);
			clock_gettime(CLOCK_MONOTONIC, &a);
			rc = fetch_small(u, art[1].file, 100000, &b, &e);
			clock_gettime(CLOCK_MONOTONIC, &t2);
			ok(rc == -PF_ENET && t2.tv_sec - a.tv_sec < 6,
			   "fetch_small: a drip fails within PINFOLD_LOW_SPEED_TIME (%ld s)", (long)(t2.tv_sec - a.tv_sec));
			unsetenv("PINFOLD_LOW_SPEED_TIME");
			free(u);
		}
		reset(&e);
		rc = fetch_small(good_url, "../x", 1000, &b, &e);
		is_int(rc, -PF_EUNSAFE, "fetch_small: unsafe names refused");
		pf_buf_release(&b);
	}
	free(cache);
	stop_servers();
}

/* Bundles built by hand: the reader must accept exactly well-formed framing. */
static void write_bundle(const char *name, const char *index_override, const char *blob, size_t bloblen,
			 long long len_override)
{
	struct pf_buf b = PF_BUF_INIT, idx = PF_BUF_INIT;
	char hex[PF_SHA256_HEX];
	struct pf_err e = { 0 };
	char *p = tpath("%s", name);

	pf_sha256_hex(blob, bloblen, hex);
	if (index_override)
		pf_buf_adds(&idx, index_override);
	else
		pf_buf_addf(&idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/%s\n    offset: 0\n"
			    "    size: %zu\n    sha256: %s\n", art[3].file, bloblen, hex);
	pf_buf_addf(&b, "pinfold-bundle/1\n%lld\n", len_override >= 0 ? len_override : (long long)idx.len);
	pf_buf_add(&b, idx.p, idx.len);
	pf_buf_add(&b, blob, bloblen);
	pf_write_file(p, b.p, b.len, 0644, &e);
	pf_buf_release(&b);
	pf_buf_release(&idx);
	free(p);
}

static int open_rc(const char *name, struct pf_err *e)
{
	struct fetch_bundle *b = NULL;
	char *p = tpath("%s", name);
	int rc;

	reset(e);
	rc = fetch_bundle_open(p, &b, e);
	if (rc)
		printf("# %s: %s\n", name, e->msg);
	fetch_bundle_close(b);
	free(p);
	return rc;
}

static void test_bundle_framing(void)
{
	struct fetch_bundle *b = NULL;
	struct pf_err e;
	struct pf_buf buf = PF_BUF_INIT;
	char *p = tpath("%s", "ok.pfb"), *cache = tpath("%s", "bcache");
	struct fetch_ctx f;
	char idx[512];
	int rc;

	write_bundle("ok.pfb", NULL, art_data[3], art[3].size, -1);
	reset(&e);
	rc = fetch_bundle_open(p, &b, &e);
	is_int(rc, 0, "bundle: well-formed framing opens");
	if (!rc) {
		char *name = pf_xasprintf("artifacts/%s", art[3].file);

		ok(b->n == 1 && fetch_bundle_find(b, name), "bundle: the index lists the entry");
		reset(&e);
		ok(!fetch_bundle_read(b, name, 1 << 20, &buf, &e) && buf.len == art[3].size, "bundle: read an entry");
		reset(&e);
		is_int(fetch_bundle_read(b, "pinfold.lock", 1 << 20, &buf, &e), -PF_ENOTFOUND,
		       "bundle: absent entry is PF_ENOTFOUND");
		/* serve into the cache through fetch_all, no mirror at all */
		ctx_init(&f, cache);
		f.bundle = b;
		reset(&e);
		is_int(fetch1(&f, &art[3], &e, NULL), 0, "bundle: fetch_all serves artifacts from the bundle");
		reset(&e);
		is_int(fetch1(&f, &art[2], &e, NULL), -PF_ENOTFOUND, "bundle: one it does not hold is not found");
		ok(strstr(e.msg, "not in the bundle") != NULL, "bundle: the error says where it looked");
		free(name);
		fetch_bundle_close(b);
	}
	/* a tampered blob: the index still parses, the bytes do not match */
	art_data[3][7] ^= 1;
	{
		char hex[PF_SHA256_HEX];

		pf_sha256_hex(art_data[3], art[3].size, hex);
		art_data[3][7] ^= 1;
		snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/%s\n    offset: 0\n"
			 "    size: %llu\n    sha256: %s\n", art[3].file, (unsigned long long)art[3].size, art[3].sha256);
		art_data[3][7] ^= 1;
		write_bundle("tampered.pfb", idx, art_data[3], art[3].size, -1);
		art_data[3][7] ^= 1;
		(void)hex;
	}
	free(p);
	p = tpath("%s", "tampered.pfb");
	reset(&e);
	rc = fetch_bundle_open(p, &b, &e);
	if (!rc) {
		char *c2 = tpath("%s", "bcache2");
		char *name = pf_xasprintf("artifacts/%s", art[3].file);

		ctx_init(&f, c2);
		f.bundle = b;
		reset(&e);
		is_int(fetch1(&f, &art[3], &e, NULL), -PF_EDIGEST, "bundle: a tampered artifact is refused");
		ok(nwarn == 1 && strstr(warnings.p, art[3].file), "bundle: ... with a warning naming it");
		ok(cache_clean(c2), "bundle: ... and nothing left in the cache");
		buf.len = 0;
		reset(&e);
		is_int(fetch_bundle_read(b, name, 1 << 20, &buf, &e), -PF_EDIGEST,
		       "bundle: reading a tampered entry is refused");
		fetch_bundle_close(b);
		free(c2);
		free(name);
	} else {
		ok(0, "bundle: tampered bundle opens (framing intact)");
	}

	/* framing attacks */
	write_bundle("trunc.pfb", NULL, art_data[3], art[3].size - 10, -1);
	{
		/* index says full size, file holds less */
		char *tp = tpath("%s", "trunc.pfb");
		struct pf_buf whole = PF_BUF_INIT;

		write_bundle("trunc.pfb", NULL, art_data[3], art[3].size, -1);
		reset(&e);
		pf_read_file(tp, 1 << 20, &whole, &e);
		pf_write_file(tp, whole.p, whole.len - 10, 0644, &e);
		is_int(open_rc("trunc.pfb", &e), -PF_EDIGEST, "bundle: truncated file refused");
		pf_buf_add(&whole, "extra", 5);
		pf_write_file(tp, whole.p, whole.len, 0644, &e);
		is_int(open_rc("trunc.pfb", &e), -PF_EDIGEST, "bundle: trailing bytes refused");
		pf_buf_release(&whole);
		free(tp);
	}
	write_bundle("bigidx.pfb", NULL, art_data[3], art[3].size, 99999999);
	is_int(open_rc("bigidx.pfb", &e), -PF_ETOOBIG, "bundle: oversized index length refused unread");
	write_bundle("hugeidx.pfb", NULL, art_data[3], art[3].size, 1234567890123LL);
	is_int(open_rc("hugeidx.pfb", &e), -PF_ETOOBIG, "bundle: absurd index length refused");
	write_bundle("shortidx.pfb", NULL, art_data[3], art[3].size, 20);
	ok(open_rc("shortidx.pfb", &e) < 0, "bundle: index length that cuts the YAML refused");
	snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/%s\n    offset: 5\n"
		 "    size: %llu\n    sha256: %s\n", art[3].file, (unsigned long long)art[3].size - 5, art[3].sha256);
	write_bundle("off.pfb", idx, art_data[3], art[3].size, -1);
	is_int(open_rc("off.pfb", &e), -PF_EDIGEST, "bundle: offset out of place refused");
	snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/%s\n    offset: 0\n"
		 "    size: %llu\n    sha256: %s\n", art[3].file, (unsigned long long)art[3].size + 1000, art[3].sha256);
	write_bundle("size.pfb", idx, art_data[3], art[3].size, -1);
	is_int(open_rc("size.pfb", &e), -PF_EDIGEST, "bundle: size beyond the file refused");
	snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/../evil\n    offset: 0\n"
		 "    size: %llu\n    sha256: %s\n", (unsigned long long)art[3].size, art[3].sha256);
	write_bundle("name.pfb", idx, art_data[3], art[3].size, -1);
	is_int(open_rc("name.pfb", &e), -PF_EFORMAT, "bundle: unsafe entry name refused");
	snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: pinfold.lock\n    offset: 0\n"
		 "    size: 1\n    sha256: %s\n  - name: artifacts/a\n    offset: 1\n    size: %llu\n    sha256: %s\n",
		 art[3].sha256, (unsigned long long)art[3].size - 1, art[3].sha256);
	write_bundle("order.pfb", idx, art_data[3], art[3].size, -1);
	is_int(open_rc("order.pfb", &e), -PF_EFORMAT, "bundle: entries out of order refused");
	snprintf(idx, sizeof idx, "format: pinfold-bundle/1\nentries:\n  - name: artifacts/a\n    offset: 0\n"
		 "    size: %llu\n    sha256: %s\n    extra: 1\n", (unsigned long long)art[3].size, art[3].sha256);
	write_bundle("key.pfb", idx, art_data[3], art[3].size, -1);
	is_int(open_rc("key.pfb", &e), -PF_EFORMAT, "bundle: unknown index key refused");
	{
		char *np = tpath("%s", "magic.pfb");

		reset(&e);
		pf_write_file(np, "PK\003\004garbage", 12, 0644, &e);
		is_int(open_rc("magic.pfb", &e), -PF_EFORMAT, "bundle: not a bundle refused");
		pf_write_file(np, "pinfold-bundle/1\n", 17, 0644, &e);
		is_int(open_rc("magic.pfb", &e), -PF_EFORMAT, "bundle: magic only refused");
		pf_write_file(np, "pinfold-bundle/1\n007\nxyz", 24, 0644, &e);
		ok(open_rc("magic.pfb", &e) < 0, "bundle: leading zeros in the length refused");
		free(np);
	}
	pf_buf_release(&buf);
	free(p);
	free(cache);
}

int main(void)
{
	struct pf_err e = { 0 };

	signal(SIGPIPE, SIG_IGN);
	/* the loopback servers must be reached directly */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "*", 1);
	T = pf_mkdtemp(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "pinfold-fetch-", &e);
	if (!T)
		return 1;
	make_artifacts();
	test_dirs();
	test_bundle_framing();
	if (access("/usr/bin/python3", X_OK) == 0)
		test_http();
	else
		printf("ok %d # SKIP python3 not available for the HTTP tests\n", ++tap_n);
	stop_servers();
	pf_rm_rf(T);
	free(T);
	for (int i = 0; i < NART; i++)
		free(art_data[i]);
	pf_buf_release(&warnings);
	return done_testing();
}
