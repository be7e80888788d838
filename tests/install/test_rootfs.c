/* SPDX-License-Identifier: MIT */
/* Unit tests of self-contained environments: merged /usr paths, link rewriting, the runtime check. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "install/install.h"
#include "install/stage.h"
#include "lock/lock.h"
#include "tap.h"

static void usr_path(const char *in, const char *want)
{
	char *got = rootfs_usr_path(in);

	is_str(got, want, in);
	free(got);
}

/* want NULL: refused with a message containing bad. */
static void relink(struct install_ctx *x, const char *path, const char *target, const char *want, const char *bad)
{
	struct pf_err e = { 0 };
	char *dest = rootfs_usr_path(path), *out = NULL;
	int rc = rootfs_link_target(x, path, dest, target, &out, &e);

	if (want) {
		ok(rc == 0 && out && !strcmp(out, want), "%s -> %s becomes %s -> %s (got %s%s)", path, target, dest,
		   want, out ? out : "nothing: ", out ? "" : e.msg);
	} else {
		ok(rc == -PF_EUNSAFE && !out && strstr(e.msg, bad) && strstr(e.msg, "'pinfold': symlink '"),
		   "%s -> %.40s refused: %s", path, target, e.msg);
	}
	free(dest);
	free(out);
}

static struct lock_pkg pkg(const char *eco, const char *name)
{
	struct lock_pkg p;

	memset(&p, 0, sizeof p);
	p.ecosystem = eco;
	p.name = name;
	p.version = "1";
	return p;
}

/* want NULL: the lock passes; else the refusal must contain want. */
static void runtimes(const char *what, const char *runtime, const char *python, struct lock_pkg *pk, size_t n,
		     const char *want)
{
	struct lockfile l;
	struct pf_err e = { 0 };
	int rc;

	memset(&l, 0, sizeof l);
	l.target_runtime = runtime;
	l.target_python = python;
	l.pkgs = pk;
	l.npkgs = n;
	rc = install_check_runtimes(&l, "x.lock", &e);
	if (want)
		ok(rc == -PF_EPOLICY && strstr(e.msg, want) && !strncmp(e.msg, "'x.lock': ", 10), "%s: %s", what,
		   e.msg);
	else
		ok(rc == 0, "%s: accepted%s%s", what, rc ? ": " : "", rc ? e.msg : "");
}

int main(void)
{
	char dir[256], *root;
	struct install_opts io = { NULL, "3.11", 0, 0, 1 };
	struct install_ctx *x = NULL;
	struct pf_err e = { 0 };
	char longt[1200];

	usr_path("bin/sh", "usr/bin/sh");
	usr_path("sbin", "usr/sbin");
	usr_path("lib/x86_64-linux-gnu/libc.so.6", "usr/lib/x86_64-linux-gnu/libc.so.6");
	usr_path("lib64/ld-linux-x86-64.so.2", "usr/lib64/ld-linux-x86-64.so.2");
	usr_path("lib32/x", "usr/lib32/x");
	usr_path("libx32/x", "usr/libx32/x");
	usr_path("libexec/x", "libexec/x");
	usr_path("binaries/x", "binaries/x");
	usr_path("usr/bin/x", "usr/bin/x");
	usr_path("etc/bin/x", "etc/bin/x");

	snprintf(dir, sizeof dir, "%s/pf-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	root = pf_xasprintf("%s/root", dir);
	pf_mkdir_p(root, 0755, &e);
	is_int(install_new(&x, root, &io, &e), 0, "install_new (self-contained)");

	/* Debian's own absolute links (libc6, openssl, tar, tzdata, libpython3.11-minimal) */
	relink(x, "lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
	     "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", NULL);
	relink(x, "usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt", "../../../etc/ssl/certs/ca-certificates.crt",
	     NULL);
	relink(x, "usr/lib/ssl/certs", "/etc/ssl/certs", "../../../etc/ssl/certs", NULL);
	relink(x, "etc/rmt", "/usr/sbin/rmt", "../usr/sbin/rmt", NULL);
	relink(x, "usr/share/zoneinfo/localtime", "/etc/localtime", "../../../etc/localtime", NULL);
	relink(x, "usr/lib/python3.11/sitecustomize.py", "/etc/python3.11/sitecustomize.py",
	     "../../../etc/python3.11/sitecustomize.py", NULL);
	/* absolute targets into merged directories */
	relink(x, "usr/bin/x", "/bin/y", "y", NULL);
	relink(x, "etc/alternatives/awk", "/usr/bin/mawk", "../../usr/bin/mawk", NULL);
	relink(x, "etc/x", "/sbin/y", "../usr/sbin/y", NULL);
	/* relative links that nothing changes keep their spelling */
	relink(x, "bin/sh", "dash", "dash", NULL);
	relink(x, "usr/share/locale/af/LC_TIME/coreutils.mo", "../LC_MESSAGES/coreutils.mo", "../LC_MESSAGES/coreutils.mo",
	     NULL);
	relink(x, "usr/bin/py3versions", "../share/python3/py3versions.py", "../share/python3/py3versions.py", NULL);
	relink(x, "usr/share/x", "./y", "./y", NULL);
	/* relative links whose meaning merged /usr changes: read as the package meant them */
	relink(x, "bin/foo", "../usr/bin/bar", "bar", NULL);
	relink(x, "usr/lib/x86_64-linux-gnu/libfoo.so", "../../../lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1", NULL);
	relink(x, "lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13", "libz.so.1.2.13", NULL);
	relink(x, "sbin/tool", "../bin/tool", "../bin/tool", NULL);
	/* lexical normalisation: '..' at the root stays there, so nothing leaves the environment */
	relink(x, "usr/bin/x", "/", "../..", NULL);
	relink(x, "usr/bin/x", "/usr/bin", ".", NULL);
	relink(x, "x", "/../../../etc/../etc/./passwd", "etc/passwd", NULL);
	relink(x, "usr/lib/evil", "/../../../../../../etc/shadow", "../../etc/shadow", NULL);
	relink(x, "usr/bin/x", "/usr/bin/x", "x", NULL);
	/* what the shared rule refuses */
	memset(longt, 'a', 300);
	longt[0] = '/';
	longt[300] = '\0';
	relink(x, "usr/bin/x", longt, NULL, "symlink target component longer than 255 bytes");
	for (size_t i = 0; i + 1 < sizeof longt; i += 4)
		memcpy(longt + i, "/abc", 4);
	longt[sizeof longt - 1] = '\0';
	relink(x, "usr/bin/x", longt, NULL, "symlink target longer than 1024 bytes");

	/* the lock must carry its runtimes */
	{
		struct lock_pkg ok_py[] = { pkg("deb", "libc6"), pkg("deb", "python3.11"), pkg("deb", "python3-yaml"),
					    pkg("pypi", "pip") };
		struct lock_pkg no_libc[] = { pkg("deb", "python3.11"), pkg("pypi", "pip") };
		struct lock_pkg no_py[] = { pkg("deb", "libc6"), pkg("pypi", "pip") };
		struct lock_pkg deb_py[] = { pkg("deb", "libc6"), pkg("deb", "python3-yaml") };
		struct lock_pkg other_py[] = { pkg("deb", "libc6"), pkg("deb", "python3.12"), pkg("pypi", "pip") };
		struct lock_pkg npm[] = { pkg("deb", "libc6"), pkg("npm", "axios") };
		struct lock_pkg npm_ok[] = { pkg("deb", "libc6"), pkg("deb", "nodejs"), pkg("npm", "axios") };
		struct lock_pkg shell[] = { pkg("deb", "libc6"), pkg("deb", "bash") };

		runtimes("python, pip and libc6", LOCK_RUNTIME_SELF, "3.11", ok_py, 4, NULL);
		runtimes("no libc6", LOCK_RUNTIME_SELF, "3.11", no_libc, 2, "needs deb:libc6");
		runtimes("a wheel without deb:python3.11", LOCK_RUNTIME_SELF, "3.11", no_py, 2,
			 "needs deb:python3.11 (target.python 3.11)");
		runtimes("a Debian Python module without deb:python3.11", LOCK_RUNTIME_SELF, "3.11", deb_py, 2,
			 "('python3-yaml') needs deb:python3.11");
		runtimes("python3.12 for target.python 3.11", LOCK_RUNTIME_SELF, "3.11", other_py, 3,
			 "needs deb:python3.11");
		runtimes("Python packages without target.python", LOCK_RUNTIME_SELF, NULL, ok_py, 4, "needs target.python");
		runtimes("npm packages without deb:nodejs", LOCK_RUNTIME_SELF, NULL, npm, 2, "('axios') needs deb:nodejs");
		runtimes("npm packages with deb:nodejs", LOCK_RUNTIME_SELF, NULL, npm_ok, 3, NULL);
		runtimes("a shell only", LOCK_RUNTIME_SELF, NULL, shell, 2, NULL);
		runtimes("host mode is not checked", NULL, "3.11", no_libc, 2, NULL);
		runtimes("runtime host is not checked", LOCK_RUNTIME_HOST, NULL, npm, 2, NULL);
	}

	install_free(x);
	pf_rm_rf(dir);
	free(root);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
