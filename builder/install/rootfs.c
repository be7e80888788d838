/* SPDX-License-Identifier: MIT */
/* Self-contained environments: merged /usr, relative links, and what maintainer scripts would have made. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "install/stage.h"
#include "lock/lock.h"

/* Debian's merged /usr: these top-level directories live under usr/, the root holds symlinks. */
static const char *const merged[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL };
/* The root symlinks made always; lib32 and libx32 only when something was installed there. */
static const char *const always_linked[] = { "bin", "sbin", "lib", "lib64", NULL };

static int is_merged(const char *path)
{
	size_t n = strcspn(path, "/");

	for (const char *const *m = merged; *m; m++)
		if (strlen(*m) == n && !strncmp(path, *m, n))
			return 1;
	return 0;
}

char *rootfs_usr_path(const char *path)
{
	return is_merged(path) ? pf_xasprintf("usr/%s", path) : pf_xstrdup(path);
}

/* Push the components of s (n bytes) onto v, resolving '.' and '..' lexically ('..' at the root stays there). */
static void walk(struct pf_strv *v, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		size_t m = slash ? (size_t)(slash - s) : (size_t)(end - s);

		if (m == 2 && s[0] == '.' && s[1] == '.') {
			if (v->n)
				free(v->v[--v->n]);
		} else if (m && !(m == 1 && s[0] == '.')) {
			pf_strv_push_owned(v, pf_xstrndup(s, m));
		}
		s += m + (slash != NULL);
	}
}

static char *joined(const struct pf_strv *v, size_t from)
{
	struct pf_buf b = PF_BUF_INIT;

	for (size_t i = from; i < v->n; i++) {
		if (b.len)
			pf_buf_addc(&b, '/');
		pf_buf_adds(&b, v->v[i]);
	}
	return pf_buf_detach(&b, NULL);
}

int rootfs_stage_entry(struct install_ctx *x, struct install_reader *r, const struct install_entry *ent,
		       struct pf_err *e)
{
	char *dest = rootfs_usr_path(ent->path), *target = NULL;
	char *hl = ent->type == INSTALL_E_HARDLINK ? rootfs_usr_path(ent->target) : NULL;
	int rc;

	if (ent->type == INSTALL_E_SYMLINK) {
		rc = rootfs_link_target(x, ent->path, dest, ent->target, &target, e);
		if (!rc)
			rc = stage_symlink(x, dest, target, e);
	} else {
		rc = stage_entry(x, r, ent, dest, hl, e);
	}
	free(dest);
	free(hl);
	free(target);
	return rc;
}

int rootfs_link_target(struct install_ctx *x, const char *path, const char *dest, const char *target, char **out,
		       struct pf_err *e)
{
	struct pf_strv abs = PF_STRV_INIT, from = PF_STRV_INIT;
	char *resolved = NULL, *mapped = NULL, *destdir = pf_dirname(dest), *rel;
	char buf[INSTALL_MAX_PATH + 128];
	struct pf_buf b = PF_BUF_INIT;
	const char *why;
	size_t common = 0;
	int rc = 0;

	*out = NULL;
	/* The target as the package meant it: from the link's own directory, in the package's namespace. */
	if (target[0] != '/') {
		const char *slash = strrchr(path, '/');

		if (slash)
			walk(&abs, path, (size_t)(slash - path));
	}
	walk(&abs, target, strlen(target));
	resolved = joined(&abs, 0);
	mapped = rootfs_usr_path(resolved);
	if (target[0] != '/' && !strcmp(path, dest) && !strcmp(resolved, mapped)) {
		rel = pf_xstrdup(target);	/* nothing moved: keep the package's own spelling */
	} else {
		pf_strv_release(&abs);
		walk(&abs, mapped, strlen(mapped));
		if (strcmp(destdir, "."))
			walk(&from, destdir, strlen(destdir));
		while (common < abs.n && common < from.n && !strcmp(abs.v[common], from.v[common]))
			common++;
		for (size_t i = common; i < from.n; i++)
			pf_buf_adds(&b, i > common ? "/.." : "..");
		for (size_t i = common; i < abs.n; i++) {
			if (b.len)
				pf_buf_addc(&b, '/');
			pf_buf_adds(&b, abs.v[i]);
		}
		rel = b.len ? pf_buf_detach(&b, NULL) : pf_xstrdup(".");
	}
	why = install_link_problem(dest, rel, buf, sizeof buf);
	if (why) {
		rc = pf_error(e, PF_EUNSAFE, "'%s': symlink '%s': %s (target '%s', installed at '%s' -> '%s')",
			      stage_owner_name(x), path, why, target, dest, rel);
		free(rel);
	} else {
		*out = rel;
	}
	pf_strv_release(&abs);
	pf_strv_release(&from);
	pf_buf_release(&b);
	free(resolved);
	free(mapped);
	free(destdir);
	return rc;
}

int rootfs_start(struct install_ctx *x, struct pf_err *e)
{
	int rc = stage_mkdir(x, "usr", e);

	for (const char *const *m = always_linked; !rc && *m; m++) {
		char *d = pf_xasprintf("usr/%s", *m);

		rc = stage_mkdir(x, d, e);
		if (!rc)
			rc = stage_symlink(x, *m, d, e);
		free(d);
	}
	return rc;
}

/* ---- after every package ---- */

/* Mount points of the sandbox (docs/environment.md); etc/resolv.conf is a file for the host's resolver. */
static const char *const mount_dirs[] = {
	"dev", "home", "home/user", "proc", "project", "run", "tmp", "var", "var/tmp", NULL
};

/*
 * Links that a package's maintainer script makes with update-alternatives
 * and that a shell or runtime needs; made directly (no /etc/alternatives
 * hop) when the package that provides the target is installed and nothing
 * installed the link itself. The target is relative to the link's directory.
 * numpy (and so pandas, matplotlib) loads libblas.so.3 and liblapack.so.3,
 * which libblas3 and liblapack3 ship in blas/ and lapack/ for the
 * alternatives their postinst registers.
 */
static const struct {
	const char *link, *target, *why;
} alternatives[] = {
	{ "usr/bin/awk", "mawk", "mawk's postinst: update-alternatives --install /usr/bin/awk awk" },
	{ "usr/bin/nawk", "mawk", "mawk's postinst: slave nawk of the awk alternative" },
	{ "usr/bin/which", "which.debianutils", "debianutils' postinst: update-alternatives which" },
	{ "usr/lib/x86_64-linux-gnu/libblas.so.3", "blas/libblas.so.3",
	  "libblas3's postinst: update-alternatives libblas.so.3-x86_64-linux-gnu" },
	{ "usr/lib/x86_64-linux-gnu/liblapack.so.3", "lapack/liblapack.so.3",
	  "liblapack3's postinst: update-alternatives liblapack.so.3-x86_64-linux-gnu" },
};

static const char passwd_fmt[] =
	"root:x:0:0:root:/root:%s\n"
	"user:x:1000:1000:user:/home/user:%s\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char group_text[] =
	"root:x:0:\n"
	"user:x:1000:\n"
	"nogroup:x:65534:\n";
static const char nsswitch_text[] =
	"# Generated by pinfold: the environment's own files; host names also through DNS.\n"
	"passwd:         files\n"
	"group:          files\n"
	"shadow:         files\n"
	"gshadow:        files\n"
	"hosts:          files dns\n"
	"networks:       files\n"
	"protocols:      files\n"
	"services:       files\n"
	"ethers:         files\n"
	"rpc:            files\n"
	"netgroup:       files\n";
static const char hosts_text[] =
	"127.0.0.1\tlocalhost\n"
	"127.0.1.1\tpinfold\n"
	"::1\tlocalhost ip6-localhost ip6-loopback\n";
static const char hostname_text[] = "pinfold\n";
static const char os_release_text[] =
	"PRETTY_NAME=\"pinfold environment\"\n"
	"NAME=\"pinfold\"\n"
	"ID=pinfold\n"
	"ID_LIKE=debian\n";

/*
 * npm's builtin configuration (NPMROOT/npmrc, as Debian's npm package ships
 * one): node is /usr/bin/node, so npm would take /usr as its global prefix;
 * the environment's global packages are in /usr/local, its configuration
 * (the constraint, docs/constraints.md) is /etc/npmrc.
 */
static const char npm_builtin_text[] =
	"; Generated by pinfold: where this environment keeps npm's global packages and configuration.\n"
	"globalconfig=/etc/npmrc\n"
	"prefix=/usr/local\n";

static int staged(struct install_ctx *x, const char *path)
{
	return stage_lookup(x, path, NULL);
}

static int gen(struct install_ctx *x, const char *path, const char *text, size_t n, struct pf_err *e)
{
	return stage_write(x, path, 0644, text, n, NULL, e);
}

static int cmp_file_path(const void *a, const void *b, void *ud)
{
	const struct install_file *f = ud;

	return strcmp(f[*(const size_t *)a].path, f[*(const size_t *)b].path);
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * etc/ssl/certs/ca-certificates.crt as update-ca-certificates makes it: the
 * regular *.crt files of usr/share/ca-certificates (the ca-certificates
 * deb), then of usr/local/share/ca-certificates, each sorted bytewise by
 * path, concatenated, a missing final newline added.
 */
static int ca_bundle(struct install_ctx *x, struct pf_err *e)
{
	static const char *const dirs[] = { "usr/share/ca-certificates/", "usr/local/share/ca-certificates/" };
	struct pf_buf out = PF_BUF_INIT;
	size_t *idx = pf_xcalloc(x->nfiles ? x->nfiles : 1, sizeof *idx), n = 0, certs = 0;
	int rc = 0;

	for (size_t d = 0; d < 2 && !rc; d++) {
		n = 0;
		for (size_t i = 0; i < x->nfiles; i++)
			if (x->files[i].kind == INSTALL_FILE && has_prefix(x->files[i].path, dirs[d]) &&
			    ends_with(x->files[i].path, ".crt"))
				idx[n++] = i;
		qsort_r(idx, n, sizeof *idx, cmp_file_path, x->files);
		for (size_t k = 0; k < n && !rc; k++) {
			const struct install_file *f = &x->files[idx[k]];
			char *data;
			ssize_t got;

			if (f->size > ((uint64_t)16 << 20)) {
				rc = pf_error(e, PF_EUNSAFE, "'%s': certificate larger than 16 MiB", f->path);
				break;
			}
			data = pf_xmalloc(f->size ? (size_t)f->size : 1);
			got = f->size ? pread(x->spoolfd[f->spool], data, (size_t)f->size, (off_t)f->off) : 0;
			if (got < 0 || (uint64_t)got != f->size)
				rc = pf_error(e, PF_EIO, "'%s': cannot read the staging spool: %s", f->path,
					      got < 0 ? strerror(errno) : "short read");
			else
				pf_buf_add(&out, data, (size_t)got);
			if (!rc && got && data[got - 1] != '\n')
				pf_buf_addc(&out, '\n');
			free(data);
			certs++;
		}
	}
	if (!rc && certs)
		rc = gen(x, "etc/ssl/certs/ca-certificates.crt", out.p ? out.p : "", out.len, e);
	free(idx);
	pf_buf_release(&out);
	return rc;
}

int rootfs_finish(struct install_ctx *x, struct pf_err *e)
{
	const char *shell = staged(x, "usr/bin/bash") ? "/bin/bash" : "/bin/sh";
	char *text = NULL;
	int rc = 0;

	/* lib32 and libx32 get their root links only when something lives there. */
	for (const char *const *m = merged; !rc && *m; m++) {
		char *d = pf_xasprintf("usr/%s", *m);

		if (!staged(x, *m) && staged(x, d) == STAGE_DIR)
			rc = stage_symlink(x, *m, d, e);
		free(d);
	}
	if (!rc && staged(x, x->npmdir) == STAGE_DIR)
		rc = stage_symlink(x, "node_modules", x->npmdir, e);
	/*
	 * vite bundles its config into the nearest node_modules/.vite-temp, which
	 * from a project is /node_modules; pinfold run mounts a private tmpfs on
	 * this empty directory (run/plan.c, scratch_dirs) so `vite build` works on the read-only root.
	 */
	if (!rc && staged(x, x->npmdir) == STAGE_DIR) {
		char *d = pf_xasprintf("%s/.vite-temp", x->npmdir);

		rc = stage_mkdir(x, d, e);
		free(d);
	}
	for (const char *const *m = mount_dirs; !rc && *m; m++)
		rc = stage_mkdir(x, *m, e);
	if (!rc)
		rc = gen(x, "etc/resolv.conf", "", 0, e);

	if (!rc) {
		text = pf_xasprintf(passwd_fmt, shell, shell);
		rc = gen(x, "etc/passwd", text, strlen(text), e);
	}
	if (!rc)
		rc = gen(x, "etc/group", group_text, sizeof group_text - 1, e);
	if (!rc)
		rc = gen(x, "etc/nsswitch.conf", nsswitch_text, sizeof nsswitch_text - 1, e);
	if (!rc)
		rc = gen(x, "etc/hosts", hosts_text, sizeof hosts_text - 1, e);
	if (!rc)
		rc = gen(x, "etc/hostname", hostname_text, sizeof hostname_text - 1, e);
	/* base-files ships etc/os-release (a link to usr/lib/os-release); without it, ours. */
	if (!rc && !staged(x, "etc/os-release"))
		rc = gen(x, "etc/os-release", os_release_text, sizeof os_release_text - 1, e);
	if (!rc)
		rc = ca_bundle(x, e);
	/* tzdata's postinst (debconf default): UTC. */
	if (!rc && staged(x, "usr/share/zoneinfo/Etc/UTC") && !staged(x, "etc/localtime")) {
		rc = stage_symlink(x, "etc/localtime", "../usr/share/zoneinfo/Etc/UTC", e);
		if (!rc && !staged(x, "etc/timezone"))
			rc = gen(x, "etc/timezone", "Etc/UTC\n", 8, e);
	}
	for (size_t i = 0; !rc && i < sizeof alternatives / sizeof *alternatives; i++) {
		const char *link = alternatives[i].link;
		char *t = pf_xasprintf("%.*s/%s", (int)(strrchr(link, '/') - link), link, alternatives[i].target);

		if (staged(x, t) && !staged(x, alternatives[i].link))
			rc = stage_symlink(x, alternatives[i].link, alternatives[i].target, e);
		free(t);
	}
	if (!rc) {
		char *pj = pf_xasprintf("%s/npm/package.json", x->npmdir), *rc_path = pf_xasprintf("%s/npm/npmrc", x->npmdir);

		if (staged(x, pj))
			rc = gen(x, rc_path, npm_builtin_text, sizeof npm_builtin_text - 1, e);
		free(pj);
		free(rc_path);
	}
	/* python3 -> pythonX.Y ships in python3-minimal; made when only pythonX.Y is there. */
	if (!rc && x->python) {
		char *t = pf_xasprintf("usr/bin/python%s", x->python);

		if (staged(x, t) && !staged(x, "usr/bin/python3"))
			rc = stage_symlink(x, "usr/bin/python3", t + 8, e);
		free(t);
	}
	free(text);
	return rc;
}

/* ---- the lock must carry the runtimes ---- */

static int python_deb(const char *name)
{
	return !strcmp(name, "python3") || !strncmp(name, "python3-", 8) || !strncmp(name, "libpython3", 10);
}

int install_check_runtimes(const struct lockfile *l, const char *what, struct pf_err *e)
{
	const char *py = NULL, *npm = NULL;
	char *want = NULL;
	int rc = 0;

	if (!lock_self_contained(l->target_runtime))
		return 0;
	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		if (!py && (!strcmp(p->ecosystem, "pypi") || (!strcmp(p->ecosystem, "deb") && python_deb(p->name))))
			py = p->name;
		if (!npm && !strcmp(p->ecosystem, "npm"))
			npm = p->name;
	}
	if (!lock_find(l, "deb", "libc6")) {
		rc = pf_error(e, PF_EPOLICY, "'%s': a self-contained environment needs deb:libc6 (every runtime "
			      "links against it), and the lock has none; add it to the image and lock again", what);
	} else if (py && !l->target_python) {
		rc = pf_error(e, PF_EPOLICY, "'%s': a self-contained environment with Python packages ('%s') "
			      "needs target.python, and the lock has none", what, py);
	} else if (py && !lock_find(l, "deb", (want = pf_xasprintf("python%s", l->target_python)))) {
		rc = pf_error(e, PF_EPOLICY, "'%s': a self-contained environment with Python packages ('%s') "
			      "needs deb:%s (target.python %s), and the lock has none; add deb:python3 (or deb:%s) "
			      "to the image and lock again", what, py, want, l->target_python, want);
	} else if (npm && !lock_find(l, "deb", "nodejs")) {
		rc = pf_error(e, PF_EPOLICY, "'%s': a self-contained environment with npm packages ('%s') needs "
			      "deb:nodejs, and the lock has none; add npm:node (Debian's nodejs provides it) to the "
			      "image and lock again", what, npm);
	}
	free(want);
	return rc;
}
