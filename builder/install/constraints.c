/* SPDX-License-Identifier: MIT */
/* Writes the install constraints of an environment (config, guards, policy) and lifts them on unlock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "core/time.h"
#include "core/yaml.h"
#include "install/constraints.h"
#include "install/guards.h"
#include "lock/lock.h"
#include "solve/solve.h"

/*
 * Where the constraint files go. The files themselves live in
 * builder/install/guards/ (compiled in by meson); "%s" in a path is a
 * python3.X directory name. Host mode: a venv-like tree with bin/; a
 * self-contained environment: a root filesystem (docs/environment.md), where
 * the guards sit in /usr/local/bin ahead of /usr/bin and the configs where
 * Debian's python3 and node with npm under /usr/local read them.
 */
struct placement {
	const char *rel;
	const char *guard;		/* its file in guards/ */
	mode_t mode;
	int constraint;			/* removed by unlock */
};

static const struct placement host_files[] = {
	{ "bin/pip", "pip.sh", 0755, 1 },
	{ "bin/pip3", "pip.sh", 0755, 1 },
	{ "bin/npm", "npm.js", 0755, 1 },
	{ "bin/npx", "npm.js", 0755, 1 },
	{ "bin/pinfold-vetted", "vetted.sh", 0755, 0 },
	{ "etc/npmrc", "npmrc", 0644, 1 },
	{ "pip.conf", "pip.conf", 0644, 1 },
	{ ".pinfold/refusal.txt", "refusal.txt", 0644, 1 },
	{ ".pinfold/activate.d/constraints.sh", "constraints.sh", 0644, 1 },
	{ INSTALL_ADVISORIES_HOOK, "advisories.sh", 0644, 0 },
};

static const struct placement host_python[] = {
	{ "lib/%s/site-packages/_pinfold_guard.py", "pinfold_guard.py", 0644, 1 },
	{ "lib/%s/site-packages/_pinfold_guard.pth", "pinfold_guard.pth", 0644, 1 },
	/*
	 * Not a constraint (it stays after unlock): the environment is verified
	 * against its manifest, so Python must not add __pycache__ files to it.
	 * Its name sorts before every other .pth (site.py runs them in order), so
	 * no module a .pth imports is compiled into the environment first.
	 */
	{ "lib/%s/site-packages/00-pinfold-nopyc.pth", "nopyc.pth", 0644, 0 },
};

/*
 * pip reads /etc/pip.conf (global) and sys.prefix/pip.conf (site: /usr for
 * /usr/bin/python3, which a user's own pip.conf cannot override). npm reads
 * /etc/npmrc as its global configuration: npm's built-in npmrc (in npm's own
 * directory, which nothing can redirect) names it (install/rootfs.c).
 */
static const struct placement rootfs_files[] = {
	{ "usr/local/bin/pip", "pip.sh", 0755, 1 },
	{ "usr/local/bin/pip3", "pip.sh", 0755, 1 },
	{ "usr/local/bin/npm", "npm.js", 0755, 1 },
	{ "usr/local/bin/npx", "npm.js", 0755, 1 },
	{ "usr/local/bin/pinfold-vetted", "vetted.sh", 0755, 0 },
	{ "etc/pip.conf", "pip.conf", 0644, 1 },
	{ "usr/pip.conf", "pip.conf", 0644, 1 },
	{ "etc/npmrc", "npmrc", 0644, 1 },
	{ ".pinfold/refusal.txt", "refusal.txt", 0644, 1 },
	{ INSTALL_ADVISORIES_HOOK, "advisories.sh", 0644, 0 },
};

/*
 * No 00-pinfold-nopyc.pth: a root filesystem is read-only where it runs, and
 * PYTHONPYCACHEPREFIX (a cache in the sandbox's HOME) keeps compiled modules
 * across starts (install/rootfs.c, docs/environment.md).
 */
static const struct placement rootfs_python[] = {
	{ "usr/local/lib/%s/dist-packages/_pinfold_guard.py", "pinfold_guard.py", 0644, 1 },
	{ "usr/local/lib/%s/dist-packages/_pinfold_guard.pth", "pinfold_guard.pth", 0644, 1 },
};

/* A file to write: path relative to root, contents, mode, constraint or not. */
struct cfile {
	char *rel;
	struct pf_buf data;
	mode_t mode;
	int constraint;
};

struct cset {
	struct cfile *v;
	size_t n, cap;
};

static struct pf_buf *cset_add(struct cset *s, char *rel, mode_t mode, int constraint)
{
	struct cfile *f;

	PF_GROW(s->v, s->n + 1, s->cap);
	f = &s->v[s->n++];
	memset(f, 0, sizeof *f);
	f->rel = rel;
	f->mode = mode;
	f->constraint = constraint;
	return &f->data;
}

static void cset_release(struct cset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].rel);
		pf_buf_release(&s->v[i].data);
	}
	free(s->v);
}

/*
 * Append the guard file name to out with every key of subst (pairs: key,
 * value, ..., NULL) replaced by its value.
 */
static void add_guard(struct pf_buf *out, const char *name, const char *const *subst)
{
	const struct install_guard_file *g = install_guard_file(name);
	const char *p, *end;

	if (!g)
		abort();	/* the table and guards/ are built together */
	p = (const char *)g->data;
	end = p + g->len;
	while (p < end) {
		size_t i;

		for (i = 0; subst[i]; i += 2)
			if (!strncmp(p, subst[i], strlen(subst[i])))
				break;
		if (subst[i]) {
			pf_buf_adds(out, subst[i + 1]);
			p += strlen(subst[i]);
		} else {
			pf_buf_addc(out, *p++);
		}
	}
}

static void add_placed(struct cset *s, const struct placement *pl, const char *pydir, const char *const *subst)
{
	char *rel = pydir ? pf_xasprintf(pl->rel, pydir) : pf_xstrdup(pl->rel);

	add_guard(cset_add(s, rel, pl->mode, pl->constraint), pl->guard, subst);
}

/* Names of real python3.* directories under root/libdir that hold a directory leaf (site-packages), sorted. */
static void python_dirs(const char *root, const char *libdir, const char *leaf, struct pf_strv *out)
{
	char *lib = pf_path_join(root, libdir);
	DIR *d = opendir(lib);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *sp;
		struct stat st;

		if (strncmp(de->d_name, "python3", 7) || pf_strv_contains(out, de->d_name))
			continue;
		sp = pf_xasprintf("%s/%s/%s", lib, de->d_name, leaf);
		if (!lstat(sp, &st) && S_ISDIR(st.st_mode)) {
			char *pd = pf_xasprintf("%s/%s", lib, de->d_name);

			if (!lstat(pd, &st) && S_ISDIR(st.st_mode))
				pf_strv_push(out, de->d_name);
			free(pd);
		}
		free(sp);
	}
	if (d)
		closedir(d);
	free(lib);
	pf_strv_sort(out);
}

/* "3.11" -> "python3.11" when it is a plain X.Y version; else NULL. */
static char *python_name(const char *v, size_t n)
{
	size_t dot = strspn(v, "0123456789");

	if (!dot || dot >= n || v[dot] != '.' || n - dot < 2 || n > 8 ||
	    strspn(v + dot + 1, "0123456789") != n - dot - 1)
		return NULL;
	return pf_xasprintf("python%.*s", (int)n, v);
}

/*
 * The Python versions of a self-contained environment from its lock (most of
 * the staged tree is not on disk yet): target.python and the Debian
 * interpreter packages it locks (python3.X, python3.X-minimal,
 * libpython3.X-stdlib, ...).
 */
static void rootfs_python_dirs(const struct lockfile *l, struct pf_strv *out)
{
	char *n;

	if (l->target_python && (n = python_name(l->target_python, strlen(l->target_python))))
		pf_strv_push_owned(out, n);
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];
		const char *v = p->name;

		if (strcmp(p->ecosystem, "deb"))
			continue;
		if (!strncmp(v, "lib", 3))
			v += 3;
		if (strncmp(v, "python3.", 8))
			continue;
		n = python_name(v + 6, strcspn(v + 6, "-"));
		if (n && !pf_strv_contains(out, n))
			pf_strv_push_owned(out, n);
		else
			free(n);
	}
	pf_strv_sort(out);
}

static int cfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfile *)a)->rel, ((const struct cfile *)b)->rel);
}

static void policy_write(const struct lockfile *l, const struct cset *s, struct pf_buf *out)
{
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *root = pf_yw_map(&w), *lock = pf_yw_map(&w), *files = pf_yw_seq(&w);
	static const char *const guards[] = { "npm", "npx", "pip", "pip3" };

	pf_yw_set_str(&w, root, "format", INSTALL_POLICY_FORMAT);
	pf_yw_set_str(&w, root, "state", "locked");
	if (l->sha256[0])
		pf_yw_set_str(&w, lock, "sha256", l->sha256);
	pf_yw_set_str(&w, lock, "image", l->image_name);
	pf_yw_set_str(&w, lock, "catalog", l->catalog_name);
	pf_yw_set_int(&w, lock, "catalog_version", l->catalog_version);
	pf_yw_set(&w, root, "lock", lock);
	pf_yw_set_int(&w, root, "min_age_days", l->min_age_days);
	pf_yw_set_str(&w, root, "age_cutoff", l->age_cutoff);
	pf_yw_set(&w, root, "guards", pf_yw_strlist(&w, guards, sizeof guards / sizeof *guards));
	pf_yw_set_str(&w, root, "unlock", "pinfold unlock ENV --reason TEXT");
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].constraint)
			pf_yw_push(&w, files, pf_yw_str(&w, s->v[i].rel));
	pf_yw_set(&w, root, "constraint_files", files);
	pf_yaml_emit(root, out);
	pf_yw_release(&w);
}

static int write_cfile(const char *root, const struct cfile *f, struct pf_err *e)
{
	char *path = pf_path_join(root, f->rel);
	char *dir = pf_dirname(path);
	int rc;

	rc = pf_mkdir_p(dir, 0755, e);
	if (!rc)
		rc = pf_write_file(path, f->data.p ? f->data.p : "", f->data.len, f->mode, e);
	free(dir);
	free(path);
	return rc;
}

void install_constraints_env(const char *root, struct pf_strv *out)
{
	const char *sep = root[0] && root[strlen(root) - 1] == '/' ? "" : "/";

	pf_strv_push_owned(out, pf_xasprintf("PIP_CONSTRAINT=%s%s.pinfold/constraints.txt", root, sep));
	pf_strv_push(out, "PIP_NO_INDEX=1");
	pf_strv_push(out, "PIP_REQUIRE_HASHES=1");
	pf_strv_push_owned(out, pf_xasprintf("npm_config_globalconfig=%s%setc/npmrc", root, sep));
	pf_strv_push(out, "npm_config_offline=true");
	pf_strv_push(out, "npm_config_yes=false");
	pf_strv_push(out, "npm_config_registry=https://vetted-packages-only.invalid/");
}

/* Names and versions from a verified lock never hold tabs or newlines; skip any that would. */
static int listable(const struct lock_pkg *p)
{
	return !strpbrk(p->ecosystem, "\t\n") && !strpbrk(p->name, "\t\n") && !strpbrk(p->version, "\t\n");
}

int install_constraints(const char *root, const struct lockfile *l, struct pf_err *e)
{
	int rootfs = lock_self_contained(l->target_runtime);
	const char *layout = rootfs ? "self-contained" : "host";
	const char *const subst[] = { "@PF_LAYOUT@", layout, NULL };
	const char *const node_rootfs[] = { "@PF_LAYOUT@", layout, "#!/usr/bin/env node\n", "#!/usr/bin/node\n", NULL };
	const struct placement *files = rootfs ? rootfs_files : host_files;
	size_t nfiles = rootfs ? sizeof rootfs_files / sizeof *rootfs_files : sizeof host_files / sizeof *host_files;
	const struct placement *pyfiles = rootfs ? rootfs_python : host_python;
	size_t npyfiles = rootfs ? sizeof rootfs_python / sizeof *rootfs_python : sizeof host_python / sizeof *host_python;
	struct cset s = { NULL, 0, 0 };
	struct pf_strv py = PF_STRV_INIT;
	struct pf_buf *b, policy = PF_BUF_INIT, pkgs = PF_BUF_INIT;
	const char *adv[] = { "@PF_PACKAGES@\n", "", NULL };
	char *path = NULL;
	int rc = 0;

	if (!pf_is_dir(root))
		return pf_error(e, PF_ENOTFOUND, "'%s': not a directory", root);

	b = cset_add(&s, pf_xstrdup(".pinfold/constraints.txt"), 0644, 1);
	pf_buf_adds(b, "# pinfold: the locked Python packages; pip may install nothing else.\n");
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		if (strcmp(p->ecosystem, "pypi"))
			continue;
		pf_buf_addf(b, "%s==%s --hash=sha256:%s\n", p->name, p->version, p->artifact.sha256);
	}

	/* What the guards and pinfold-vetted name as vetted: every package of the lock. */
	b = cset_add(&s, pf_xstrdup(".pinfold/vetted.txt"), 0644, 0);
	pf_buf_adds(b, "# pinfold: the vetted packages of this environment (from its lock), all installed.\n"
		       "# ECOSYSTEM<TAB>NAME<TAB>VERSION; 'pinfold-vetted' lists them.\n");
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		if (!listable(p))
			continue;
		pf_buf_addf(b, "%s\t%s\t%s\n", p->ecosystem, p->name, p->version);
		/* The advisory hook's embedded list; its here-document ends at a PF_PACKAGES line. */
		if (strcmp(p->name, "PF_PACKAGES")) {
			/* ECO NAME VERSION NORMNAME KEY: matched as pinfold audit matches (solve_match_key) */
			pf_buf_addf(&pkgs, "%s\t%s\t%s\t", p->ecosystem, p->name, p->version);
			solve_match_key(p->ecosystem, p->name, p->version, &pkgs);
			pf_buf_addc(&pkgs, '\n');
		}
	}
	adv[1] = pf_buf_cstr(&pkgs);

	if (rootfs) {
		rootfs_python_dirs(l, &py);
		python_dirs(root, "usr/local/lib", "dist-packages", &py);
	} else {
		python_dirs(root, "lib", "site-packages", &py);
	}
	for (size_t i = 0; i < py.n; i++)
		for (size_t j = 0; j < npyfiles; j++)
			add_placed(&s, &pyfiles[j], py.v[i], subst);

	for (size_t i = 0; i < nfiles; i++) {
		const char *const *sub = subst;

		if (!strcmp(files[i].guard, "advisories.sh"))
			sub = adv;
		else if (rootfs && !strcmp(files[i].guard, "npm.js"))
			sub = node_rootfs;
		add_placed(&s, &files[i], NULL, sub);
	}

	pf_qsort(s.v, s.n, sizeof *s.v, cfile_cmp);
	for (size_t i = 0; i < s.n && !rc; i++)
		rc = write_cfile(root, &s.v[i], e);
	if (rc)
		goto out;

	policy_write(l, &s, &policy);
	path = pf_path_join(root, INSTALL_POLICY_PATH);
	rc = pf_write_file(path, policy.p, policy.len, 0644, e);
out:
	free(path);
	pf_buf_release(&policy);
	pf_buf_release(&pkgs);
	pf_strv_release(&py);
	cset_release(&s);
	return rc;
}

/* ---- state and unlock ---- */

/* A relative path that cannot leave root: no '/', '..', '.', empty parts or backslashes. */
static int relpath_ok(const char *s)
{
	const char *p = s;

	if (!*s || *s == '/' || strlen(s) > 1024 || strchr(s, '\\'))
		return 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;
	}
	return 1;
}

static int read_list(struct pf_ydoc *d, const struct pf_ynode *map, const char *key, struct pf_strv *out,
		     struct pf_err *e)
{
	const char **v = NULL;
	size_t n = 0;
	int rc;

	rc = pf_y_strlist(d, map, key, &v, &n, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!relpath_ok(v[i]))
			return pf_y_fail(d, pf_y_get(map, key), e, PF_EFORMAT,
					 "%s: '%s' is not a safe relative path", key, v[i]);
		if (i && strcmp(v[i - 1], v[i]) >= 0)
			return pf_y_fail(d, pf_y_get(map, key), e, PF_EFORMAT,
					 "%s: not sorted or has duplicates at '%s'", key, v[i]);
		pf_strv_push(out, v[i]);
	}
	return 0;
}

/* One of the two records under .pinfold/: where it lives, its keys and the format and state it must name. */
struct record_kind {
	const char *rel;		/* below the environment root */
	const char *what;		/* map name in errors */
	const char *empty;		/* error for an empty file */
	const char *format, *state;
	const char *const *allowed, *const *required;
};

/*
 * Load root/k->rel strictly: a map of k's keys whose 'format' and 'state' are
 * k's. 1 when the file does not exist. The caller releases d either way.
 */
static int load_record(const char *root, const struct record_kind *k, struct pf_ydoc *d, struct pf_err *e)
{
	char *path = pf_path_join(root, k->rel);
	const char *fmt = NULL, *state = NULL;
	struct stat st;
	int rc;

	memset(d, 0, sizeof *d);
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		return 1;
	}
	rc = pf_yaml_load(d, path, PF_MAX_SMALL, e);
	free(path);
	if (rc)
		return rc;
	if (!d->root)
		return pf_y_fail(d, NULL, e, PF_EFORMAT, "%s", k->empty);
	rc = pf_y_check_map(d, d->root, k->what, k->allowed, k->required, e);
	if (!rc)
		rc = pf_y_str(d, d->root, "format", &fmt, e);
	if (!rc)
		rc = pf_y_str(d, d->root, "state", &state, e);
	if (rc)
		return rc;
	if (strcmp(fmt, k->format))
		return pf_y_fail(d, pf_y_get(d->root, "format"), e, PF_EFORMAT, "format: expected %s", k->format);
	if (strcmp(state, k->state))
		return pf_y_fail(d, pf_y_get(d->root, "state"), e, PF_EFORMAT, "state: expected %s", k->state);
	return 0;
}

static int read_policy(const char *root, struct install_cstate *s, struct pf_err *e)
{
	static const char *const allowed[] = {
		"format", "state", "lock", "min_age_days", "age_cutoff", "guards", "unlock",
		"constraint_files", NULL
	};
	static const char *const required[] = { "format", "state", "constraint_files", NULL };
	static const struct record_kind k = {
		INSTALL_POLICY_PATH, "policy", "empty policy file", INSTALL_POLICY_FORMAT, "locked",
		allowed, required,
	};
	struct pf_ydoc d;
	int rc;

	rc = load_record(root, &k, &d, e);
	if (!rc)
		rc = read_list(&d, d.root, "constraint_files", &s->constraint_files, e);
	if (!rc) {
		s->has_policy = 1;
		s->state_buf = pf_xstrdup(k.state);
		s->state = s->state_buf;
	}
	pf_ydoc_release(&d);
	return rc == 1 ? 0 : rc;
}

static int read_unlocked(const char *root, struct install_cstate *s, struct pf_err *e)
{
	static const char *const allowed[] = {
		"format", "state", "by", "at", "reason", "removed", "missing", NULL
	};
	static const char *const required[] = { "format", "state", "by", "at", "reason", "removed", NULL };
	static const struct record_kind k = {
		INSTALL_UNLOCKED_PATH, "unlock record", "empty unlock record", INSTALL_UNLOCK_FORMAT, "unlocked",
		allowed, required,
	};
	struct pf_ydoc d;
	const char *by = NULL, *at = NULL, *reason = NULL;
	time_t t;
	int rc;

	rc = load_record(root, &k, &d, e);
	if (rc)
		goto out;
	rc = pf_y_str(&d, d.root, "by", &by, e);
	if (!rc)
		rc = pf_y_str(&d, d.root, "at", &at, e);
	if (!rc)
		rc = pf_y_str(&d, d.root, "reason", &reason, e);
	if (rc)
		goto out;
	if (pf_time_parse(at, &t) < 0) {
		rc = pf_y_fail(&d, pf_y_get(d.root, "at"), e, PF_EFORMAT, "at: not an RFC 3339 time");
		goto out;
	}
	if (!*reason || !*by) {
		rc = pf_y_fail(&d, pf_y_get(d.root, *reason ? "by" : "reason"), e, PF_EFORMAT, "must not be empty");
		goto out;
	}
	rc = read_list(&d, d.root, "removed", &s->removed, e);
	if (!rc)
		rc = read_list(&d, d.root, "missing", &s->missing, e);
	if (rc)
		goto out;
	s->by = pf_xstrdup(by);
	s->at = pf_xstrdup(at);
	s->reason = pf_xstrdup(reason);
	s->unlocked = 1;
out:
	pf_ydoc_release(&d);
	return rc == 1 ? 0 : rc;
}

int install_constraints_state(const char *root, struct install_cstate *s, struct pf_err *e)
{
	int rc;

	memset(s, 0, sizeof *s);
	rc = read_policy(root, s, e);
	if (!rc)
		rc = read_unlocked(root, s, e);
	return rc;
}

int install_cstate_is_constraint(const struct install_cstate *s, const char *relpath)
{
	return pf_strv_contains(&s->constraint_files, relpath);
}

void install_cstate_release(struct install_cstate *s)
{
	if (!s)
		return;
	pf_strv_release(&s->constraint_files);
	pf_strv_release(&s->removed);
	pf_strv_release(&s->missing);
	free(s->by);
	free(s->at);
	free(s->reason);
	free(s->state_buf);
	memset(s, 0, sizeof *s);
}

/*
 * Remove root/rel without following a symlink in any component: each
 * directory is opened O_NOFOLLOW below the previous one. *gone is set when
 * the file was not there.
 */
/* Remove root/rel without following links (probe: only say whether it is there). */
static int unlink_beneath(const char *root, const char *rel, int probe, int *gone, struct pf_err *e)
{
	char *copy = pf_xstrdup(rel), *p = copy, *slash;
	int dfd, rc = 0;
	struct stat st;

	*gone = 0;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = pf_error(e, PF_EIO, "'%s': cannot open: %s", root, strerror(errno));
		goto out;
	}
	while ((slash = strchr(p, '/'))) {
		int nfd;

		*slash = '\0';
		nfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT) {
			*gone = 1;
			goto out;
		}
		if (nfd < 0) {
			rc = pf_error(e, PF_EUNSAFE, "'%s/%s': refusing to remove: '%s' is not a plain directory",
				      root, rel, p);
			goto out;
		}
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
	if (fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			*gone = 1;
		else
			rc = pf_error(e, PF_EIO, "'%s/%s': %s", root, rel, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = pf_error(e, PF_EUNSAFE, "'%s/%s': refusing to remove a directory", root, rel);
		goto out;
	}
	if (!probe && unlinkat(dfd, p, 0) < 0)
		rc = pf_error(e, PF_EIO, "'%s/%s': cannot remove: %s", root, rel, strerror(errno));
out:
	if (dfd >= 0)
		close(dfd);
	free(copy);
	return rc;
}

int install_unlock(const char *root, const char *by, const char *reason, time_t now, struct install_cstate *out,
		   struct pf_err *e)
{
	struct install_cstate s;
	struct pf_strv removed = PF_STRV_INIT, missing = PF_STRV_INIT;
	struct pf_yw w = { PF_ARENA_INIT };
	struct pf_ynode *doc;
	struct pf_buf buf = PF_BUF_INIT;
	char at[PF_TIME_STR];
	char *dot = NULL, *path = NULL;
	struct stat st;
	int rc;

	if (!reason || !*reason)
		return pf_error(e, PF_EUSAGE, "unlock: a reason is required");
	rc = install_constraints_state(root, &s, e);
	if (rc)
		goto out;
	if (!s.has_policy) {
		rc = pf_error(e, PF_ENOTFOUND, "'%s': not a pinfold environment (no %s)", root,
			      INSTALL_POLICY_PATH);
		goto out;
	}
	if (s.unlocked) {
		/* an unlock interrupted after its record: finish removing what the record says is gone */
		for (size_t i = 0; i < s.constraint_files.n; i++) {
			int gone;

			rc = unlink_beneath(root, s.constraint_files.v[i], 0, &gone, e);
			if (rc)
				goto out;
		}
		rc = pf_error(e, PF_EEXIST, "'%s': already unlocked by %s at %s: %s", root, s.by, s.at, s.reason);
		goto out;
	}
	dot = pf_path_join(root, ".pinfold");
	if (lstat(dot, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': not a plain directory", dot);
		goto out;
	}
	/*
	 * The record comes first: a kill part-way leaves an environment that says
	 * it is unlocked (and why) with some constraints still on, never one with
	 * constraints gone and no record; unlocking again finishes the removal.
	 */
	for (size_t i = 0; i < s.constraint_files.n; i++) {
		int gone;

		rc = unlink_beneath(root, s.constraint_files.v[i], 1, &gone, e);
		if (rc)
			goto out;
		pf_strv_push(gone ? &missing : &removed, s.constraint_files.v[i]);
	}
	pf_time_format(now, at);
	doc = pf_yw_map(&w);
	pf_yw_set_str(&w, doc, "format", INSTALL_UNLOCK_FORMAT);
	pf_yw_set_str(&w, doc, "state", "unlocked");
	pf_yw_set_str(&w, doc, "by", by && *by ? by : "unknown");
	pf_yw_set_raw(&w, doc, "at", at);
	pf_yw_set_str(&w, doc, "reason", reason);
	pf_yw_set(&w, doc, "removed", pf_yw_strlist(&w, (const char *const *)removed.v, removed.n));
	if (missing.n)
		pf_yw_set(&w, doc, "missing", pf_yw_strlist(&w, (const char *const *)missing.v, missing.n));
	pf_yaml_emit(doc, &buf);
	path = pf_path_join(root, INSTALL_UNLOCKED_PATH);
	rc = pf_write_file(path, buf.p, buf.len, 0644, e);
	for (size_t i = 0; !rc && i < removed.n; i++) {
		int gone;

		rc = unlink_beneath(root, removed.v[i], 0, &gone, e);
	}
	if (rc)
		goto out;
	install_cstate_release(&s);
	rc = install_constraints_state(root, &s, e);
out:
	if (out && (!rc || rc == -PF_EEXIST)) {
		*out = s;
		memset(&s, 0, sizeof s);
	}
	install_cstate_release(&s);
	pf_strv_release(&removed);
	pf_strv_release(&missing);
	pf_yw_release(&w);
	pf_buf_release(&buf);
	free(dot);
	free(path);
	return rc;
}
