/* SPDX-License-Identifier: MIT */
/* The read-only tree walk of scan: openat/O_NOFOLLOW all the way down, capped, and the file dispatch. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"
#include "watch/detect.h"
#include "watch/scan.h"

/* What a directory is, as far as the readers care; derived from the names on the way down. */
enum {
	C_NODE_MODULES = 1,	/* a node_modules directory: its children are packages or @scopes */
	C_SCOPE = 2,		/* node_modules/@scope */
	C_NPM_PKG = 4,		/* a package directory: its package.json is an installed package */
	C_PIP_HTTP = 8,		/* below "http" or "http-v2" (pip's HTTP cache) */
	C_NPM_INDEX = 16,	/* below "index-v5" (npm's _cacache index) */
	C_DPKG = 32,		/* a "dpkg" directory: its "status" is dpkg's database */
	C_STATUSD = 64,		/* dpkg/status.d (distroless images) */
};

enum kind {
	K_NONE, K_PKGJSON, K_PKGLOCK, K_SHRINKWRAP, K_PNPM, K_YARN, K_POETRY, K_UV, K_PYLOCK, K_PIPFILE, K_REQS,
	K_EGGINFO, K_WHEEL, K_PIPCACHE, K_NPMINDEX, K_DPKG,
};

struct walk {
	const struct watch_scan_opts *o;
	unsigned what;
	struct watch_findings *f;
	struct watch_scan_stats *st;
	struct pf_buf path;		/* the directory being listed */
	struct pf_buf file;		/* path + "/" + name, built on demand */
	struct pf_buf data;		/* the file being read */
	unsigned long long max_entries, seen;
	int max_depth;
	long long last_progress;
};

long long watch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void watch_findings_add(struct watch_findings *f, const char *eco, const char *name, const char *version,
			const char *path, const char *source, const char *format)
{
	struct watch_found *x;

	PF_GROW(f->v, f->n + 1, f->cap);
	x = &f->v[f->n];
	x->ecosystem = eco;	/* static strings: "pypi", "npm", "deb" */
	x->name = pf_arena_strdup(&f->arena, name);
	x->version = pf_arena_strdup(&f->arena, version);
	/* many findings come from one file: share its path */
	x->path = f->n && !strcmp(f->v[f->n - 1].path, path) ? f->v[f->n - 1].path : pf_arena_strdup(&f->arena, path);
	x->source = source;
	x->format = format;
	f->n++;
}

void watch_findings_release(struct watch_findings *f)
{
	if (!f)
		return;
	pf_arena_release(&f->arena);
	free(f->v);
	memset(f, 0, sizeof *f);
}

static int is_hex(const char *s, size_t n)
{
	return strspn(s, "0123456789abcdef") == n;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

static unsigned child_ctx(unsigned parent, const char *name)
{
	unsigned c = parent & (C_PIP_HTTP | C_NPM_INDEX);

	if (!strcmp(name, "node_modules"))
		return c | C_NODE_MODULES;
	if (parent & C_NODE_MODULES)
		c |= name[0] == '@' ? C_SCOPE : name[0] != '.' ? C_NPM_PKG : 0;
	else if (parent & C_SCOPE)
		c |= C_NPM_PKG;
	if (!strcmp(name, "http") || !strcmp(name, "http-v2"))
		c |= C_PIP_HTTP;
	else if (!strcmp(name, "index-v5"))
		c |= C_NPM_INDEX;
	else if (!strcmp(name, "dpkg"))
		c |= C_DPKG;
	else if ((parent & C_DPKG) && !strcmp(name, "status.d"))
		c |= C_STATUSD;
	return c;
}

static enum kind classify(const struct walk *w, const char *name, unsigned ctx)
{
	size_t n = strlen(name);

	if (w->what & WATCH_SCAN_INSTALLED) {
		if ((ctx & C_NPM_PKG) && !strcmp(name, "package.json"))
			return K_PKGJSON;
		if ((ctx & C_DPKG) && !strcmp(name, "status"))
			return K_DPKG;
		if ((ctx & C_STATUSD) && !ends_with(name, n, ".md5sums"))
			return K_DPKG;
		if (ends_with(name, n, ".egg-info"))
			return K_EGGINFO;
	}
	if (w->what & WATCH_SCAN_CACHES) {
		if ((ctx & C_PIP_HTTP) && (n == 56 || (n == 61 && ends_with(name, n, ".body"))) && is_hex(name, 56))
			return K_PIPCACHE;
		if ((ctx & C_NPM_INDEX) && n == 60 && is_hex(name, 60))
			return K_NPMINDEX;
		if (ends_with(name, n, ".whl"))
			return K_WHEEL;
	}
	if (w->what & WATCH_SCAN_LOCKFILES) {
		switch (name[0]) {
		case 'p':
			if (!strcmp(name, "package-lock.json"))
				return K_PKGLOCK;
			if (!strcmp(name, "pnpm-lock.yaml"))
				return K_PNPM;
			if (!strcmp(name, "poetry.lock"))
				return K_POETRY;
			if (!strncmp(name, "pylock.", 7) && ends_with(name, n, ".toml") &&
			    (n == 11 || !memchr(name + 7, '.', n - 12)))
				return K_PYLOCK;	/* pylock.toml or pylock.NAME.toml */
			break;
		case 'n':
			if (!strcmp(name, "npm-shrinkwrap.json"))
				return K_SHRINKWRAP;
			break;
		case 'y':
			if (!strcmp(name, "yarn.lock"))
				return K_YARN;
			break;
		case 'u':
			if (!strcmp(name, "uv.lock"))
				return K_UV;
			break;
		case 'P':
			if (!strcmp(name, "Pipfile.lock"))
				return K_PIPFILE;
			break;
		case 'r':
			if (!strncmp(name, "requirements", 12) && ends_with(name, n, ".txt"))
				return K_REQS;
			break;
		}
	}
	return K_NONE;
}

static const char *file_path(struct walk *w, const char *name)
{
	w->file.len = 0;
	pf_buf_add(&w->file, w->path.p, w->path.len);
	if (!w->path.len || w->path.p[w->path.len - 1] != '/')
		pf_buf_addc(&w->file, '/');
	pf_buf_adds(&w->file, name);
	return w->file.p;
}

static void problem(struct walk *w, const char *path, const char *why)
{
	if (w->o->problem)
		w->o->problem(w->o->problem_ud, path, why);
}

/*
 * Open name below dfd without following a link, as a regular file of at most
 * max bytes (never a FIFO or device: O_NONBLOCK, then fstat). -1 when not.
 */
static int open_regular(struct walk *w, int dfd, const char *name, const char *path, size_t max, off_t *size)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		if (errno != ENOENT && errno != ELOOP) {
			w->st->bad++;
			problem(w, path, strerror(errno));
		}
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (max && (size_t)st.st_size > max)) {
		if (S_ISREG(st.st_mode) && max && (size_t)st.st_size > max) {
			w->st->bad++;
			problem(w, path, "larger than the scan's cap for this kind of file");
		}
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

/* Read the whole file into w->data (NUL-terminated); 0 or -1 (counted and reported). */
static int slurp(struct walk *w, int dfd, const char *name, const char *path, size_t max)
{
	off_t size;
	int fd = open_regular(w, dfd, name, path, max, &size);
	int rc = 0;

	if (fd < 0)
		return -1;
	w->data.len = 0;
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || w->data.len + (size_t)(n > 0 ? n : 0) > max) {
			w->st->bad++;
			problem(w, path, n < 0 ? strerror(errno) : "grew past the scan's cap while read");
			rc = -1;
			break;
		}
		if (!n)
			break;
		pf_buf_add(&w->data, chunk, (size_t)n);
	}
	pf_buf_cstr(&w->data);
	close(fd);
	if (!rc)
		w->st->read++;
	return rc;
}

static void parsed(struct walk *w, const char *path, int rc, struct pf_err *e)
{
	if (rc) {
		w->st->bad++;
		problem(w, path, e->msg);
	}
}

static void read_file(struct walk *w, int dfd, const char *name, enum kind k)
{
	const char *path = file_path(w, name);
	size_t max = k == K_PKGJSON || k == K_EGGINFO || k == K_NPMINDEX ? WATCH_SCAN_MAX_META : WATCH_SCAN_MAX_LOCK;
	struct pf_err e = { 0 };
	const char *d;
	size_t n;
	int rc = 0;

	if (k == K_WHEEL) {
		watch_detect_wheel_name(w->f, path, name, "cache", "wheel file");
		return;
	}
	if (k == K_PIPCACHE) {
		off_t size;
		int fd = open_regular(w, dfd, name, path, 0, &size);

		if (fd >= 0) {
			w->st->read++;
			parsed(w, path, watch_detect_pip_cache(w->f, path, fd, size, &e), &e);
			close(fd);
		}
		return;
	}
	if (slurp(w, dfd, name, path, max))
		return;
	d = w->data.p;
	n = w->data.len;
	switch (k) {
	case K_PKGJSON: rc = watch_detect_package_json(w->f, path, d, n, &e); break;
	case K_PKGLOCK: rc = watch_detect_package_lock(w->f, path, d, n, "package-lock.json", &e); break;
	case K_SHRINKWRAP: rc = watch_detect_package_lock(w->f, path, d, n, "npm-shrinkwrap.json", &e); break;
	case K_PNPM: rc = watch_detect_pnpm_lock(w->f, path, d, n, &e); break;
	case K_YARN: rc = watch_detect_yarn_lock(w->f, path, d, n, &e); break;
	case K_POETRY: rc = watch_detect_toml_lock(w->f, path, d, n, "poetry.lock", &e); break;
	case K_UV: rc = watch_detect_toml_lock(w->f, path, d, n, "uv.lock", &e); break;
	case K_PYLOCK: rc = watch_detect_toml_lock(w->f, path, d, n, "pylock.toml", &e); break;
	case K_PIPFILE: rc = watch_detect_pipfile_lock(w->f, path, d, n, &e); break;
	case K_REQS: rc = watch_detect_requirements(w->f, path, d, n, &e); break;
	case K_EGGINFO: rc = watch_detect_py_meta(w->f, path, d, n, "egg-info", &e); break;
	case K_NPMINDEX: rc = watch_detect_npm_index(w->f, path, d, n, &e); break;
	case K_DPKG: rc = watch_detect_dpkg_status(w->f, path, d, n, &e); break;
	default: break;
	}
	parsed(w, path, rc, &e);
}

/* NAME.dist-info/METADATA, NAME.egg-info/PKG-INFO, NAME.egg/EGG-INFO/PKG-INFO; the name when unreadable. */
static void read_distdir(struct walk *w, int dfd, const char *name, const char *format)
{
	const char *meta = !strcmp(format, "dist-info") ? "METADATA" : "PKG-INFO";
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char *dirpath = pf_xstrdup(file_path(w, name));
	struct pf_err e = { 0 };
	size_t before = w->f->n;

	if (sub >= 0 && !strcmp(format, "egg")) {
		int egg = openat(sub, "EGG-INFO", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		close(sub);
		sub = egg;
	}
	if (sub < 0) {
		w->st->unreadable++;
		problem(w, dirpath, strerror(errno));
	} else {
		char *mpath = pf_xasprintf("%s/%s%s", dirpath, !strcmp(format, "egg") ? "EGG-INFO/" : "", meta);

		if (!slurp(w, sub, meta, mpath, WATCH_SCAN_MAX_META))
			parsed(w, mpath, watch_detect_py_meta(w->f, dirpath, w->data.p, w->data.len,
						       !strcmp(format, "egg") ? "egg-info" : format, &e), &e);
		free(mpath);
		close(sub);
	}
	if (w->f->n == before) {
		/* no readable metadata: the directory's name still says what was installed */
		char *base = pf_xstrdup(name);

		if (!strcmp(format, "egg")) {
			size_t n = strlen(base);

			base = pf_xrealloc(base, n + 6);
			memcpy(base + n - 4, ".egg-info", 10);
		}
		watch_detect_py_dirname(w->f, dirpath, base, !strcmp(format, "dist-info") ? "dist-info" : "egg-info");
		free(base);
	}
	free(dirpath);
}

/* 1 when the scan must stop (a cap was reached). */
static int tick(struct walk *w)
{
	long long now;

	if (++w->seen > w->max_entries) {
		w->st->stopped = "the entry limit";
		return 1;
	}
	if (w->seen & 1023)
		return 0;
	now = watch_now_ms();
	if (w->o->deadline_ms && now >= w->o->deadline_ms) {
		w->st->stopped = "the time limit";
		return 1;
	}
	if (w->o->progress && now - w->last_progress >= 100) {
		w->last_progress = now;
		w->o->progress(w->o->progress_ud, pf_buf_cstr(&w->path), w->st);
	}
	return 0;
}

/* List the directory open at fd (taken: closed here). 1 when the scan must stop. */
static int walk_dir(struct walk *w, int fd, unsigned ctx, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int stop = 0;

	if (!d) {
		close(fd);
		w->st->unreadable++;
		problem(w, pf_buf_cstr(&w->path), strerror(errno));
		return 0;
	}
	for (;;) {
		const char *name;
		unsigned char type;
		size_t len;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				w->st->unreadable++;
				problem(w, pf_buf_cstr(&w->path), strerror(errno));
			}
			break;
		}
		name = de->d_name;
		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		if ((stop = tick(w)))
			break;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG :
			       S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
		}
		len = strlen(name);
		if (type == DT_LNK) {
			w->st->symlinks++;
		} else if (type == DT_REG) {
			enum kind k;

			w->st->files++;
			k = classify(w, name, ctx);
			if (k != K_NONE)
				read_file(w, dirfd(d), name, k);
		} else if (type == DT_DIR) {
			unsigned cc;
			size_t plen = w->path.len;
			int sub;

			w->st->dirs++;
			if (w->what & WATCH_SCAN_INSTALLED) {
				const char *fmt = ends_with(name, len, ".dist-info") ? "dist-info" :
						  ends_with(name, len, ".egg-info") ? "egg-info" :
						  ends_with(name, len, ".egg") ? "egg" : NULL;

				if (fmt) {
					read_distdir(w, dirfd(d), name, fmt);
					continue;	/* nothing else of interest inside */
				}
			}
			if (depth + 1 > w->max_depth) {
				w->st->too_deep++;
				continue;
			}
			sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			cc = child_ctx(ctx, name);
			if (w->path.len && w->path.p[w->path.len - 1] != '/')
				pf_buf_addc(&w->path, '/');
			pf_buf_adds(&w->path, name);
			if (sub < 0) {
				if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR) {
					w->st->unreadable++;
					problem(w, w->path.p, strerror(errno));
				}
			} else {
				stop = walk_dir(w, sub, cc, depth + 1);
			}
			w->path.len = plen;
			pf_buf_cstr(&w->path);
			if (stop)
				break;
		}
	}
	closedir(d);
	return stop;
}

int watch_scan(const char *root, const struct watch_scan_opts *o, struct watch_findings *f,
	       struct watch_scan_stats *st, struct pf_err *e)
{
	struct walk w;
	struct stat sb;
	unsigned ctx = 0;
	char *copy, *save = NULL;
	int fd, rc = 0;

	memset(&w, 0, sizeof w);
	w.o = o;
	w.what = o->what ? o->what : WATCH_SCAN_ALL;
	w.f = f;
	w.st = st;
	w.max_depth = o->max_depth > 0 ? o->max_depth : WATCH_SCAN_DEPTH;
	w.max_entries = o->max_entries ? o->max_entries : WATCH_SCAN_ENTRIES;
	w.seen = st->dirs + st->files + st->symlinks;	/* the cap is over all roots */
	w.last_progress = watch_now_ms();
	/* what the root is inside (node_modules, pip's http cache...) comes from its own path */
	copy = pf_xstrdup(root);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		ctx = child_ctx(ctx, c);
	free(copy);
	pf_buf_adds(&w.path, root);
	/* The root may be a link the user named; nothing below it is followed. */
	fd = open(root, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rc = pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", root, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		walk_dir(&w, fd, ctx, 0);
	} else if (S_ISREG(sb.st_mode)) {
		/* one file: read it by its name, through its directory */
		char *dir = pf_dirname(root);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		const char *base = pf_basename(root);
		enum kind k;

		close(fd);
		st->files++;
		w.path.len = 0;
		pf_buf_adds(&w.path, dir);
		k = classify(&w, base, ctx);
		if (dfd < 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", dir, strerror(errno));
		} else if (k != K_NONE) {
			read_file(&w, dfd, base, k);
		}
		if (dfd >= 0)
			close(dfd);
		free(dir);
	} else {
		close(fd);
		rc = pf_error(e, PF_EFORMAT, "'%s': neither a directory nor a regular file", root);
	}
out:
	pf_buf_release(&w.path);
	pf_buf_release(&w.file);
	pf_buf_release(&w.data);
	return rc;
}
