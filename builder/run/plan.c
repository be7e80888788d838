/* SPDX-License-Identifier: MIT */
/* The one place that turns sandbox options into bubblewrap's arguments. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/file.h"
#include "install/constraints.h"
#include "run/run.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Host variables that pass into the sandbox when set (docs/run.md); nothing else does but --env. */
static const char *const passed[] = { "TERM", "COLORTERM", "NO_COLOR", "LANG", "LC_ALL", "TZ", NULL };

/* Names at the environment's top level that the sandbox provides itself. */
static const char *const provided[] = { "proc", "dev", "tmp", "run", "home", "project", NULL };

static int in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return 1;
	return 0;
}

static void add(struct run_plan *p, const char *opt, const char *a, const char *b)
{
	struct run_arg *x;

	PF_GROW(p->args, p->nargs + 1, p->cap);
	x = &p->args[p->nargs++];
	x->opt = opt;
	x->a = a ? pf_xstrdup(a) : NULL;
	x->b = b ? pf_xstrdup(b) : NULL;
}

void run_plan_release(struct run_plan *p)
{
	for (size_t i = 0; i < p->nargs; i++) {
		free(p->args[i].a);
		free(p->args[i].b);
	}
	free(p->args);
	pf_strv_release(&p->cmd);
	free(p->project);
	free(p->home);
	free(p->netlog);
	memset(p, 0, sizeof *p);
}

/* openat2 with RESOLVE_IN_ROOT: rel looked up inside root the way the sandbox will see it. */
static int stat_inside(const char *root, const char *rel, struct stat *st)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, r = -1;

	if (rfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, rfd, rel, &how, sizeof how);
	if (fd >= 0) {
		r = fstat(fd, st);
		close(fd);
	}
	close(rfd);
	return r;
}

/* 1 when a is b or lies below it (both absolute, normalised). */
static int under(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (!strcmp(b, "/"))
		return 1;
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

static int empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* Empty directories of a root filesystem that get a private tmpfs (install/rootfs.c makes them). */
static const char *const scratch_dirs[] = { "usr/local/lib/node_modules/.vite-temp", NULL };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The root is bubblewrap's own tmpfs, made read-only at the end, holding the
 * environment's top-level entries: directories bound read-only, links
 * recreated, empty directories created. So /proc, /tmp, /home, /project and
 * any --ro/--rw path outside the environment's own directories get a mount
 * point without writing into the environment.
 */
static int compose_root(struct run_plan *p, const char *root, struct pf_err *e)
{
	DIR *d = opendir(root);
	struct dirent *de;
	struct pf_strv names = PF_STRV_INIT;
	int rc = 0;

	if (!d)
		return pf_error(e, PF_EIO, "'%s': %s", root, strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && !in(provided, de->d_name))
			pf_strv_push(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
	for (size_t i = 0; i < names.n && !rc; i++) {
		char *src = pf_path_join(root, names.v[i]), *dst = pf_xasprintf("/%s", names.v[i]);
		struct stat st;

		if (lstat(src, &st)) {
			rc = pf_error(e, PF_EIO, "'%s': %s", src, strerror(errno));
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(src, target, sizeof target - 1);

			if (n < 0) {
				rc = pf_error(e, PF_EIO, "'%s': %s", src, strerror(errno));
			} else {
				target[n] = '\0';
				add(p, "--symlink", target, dst);
			}
		} else if (S_ISDIR(st.st_mode) && empty_dir(src)) {
			add(p, "--dir", dst, NULL);
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
			add(p, "--ro-bind", src, dst);
		}
		free(src);
		free(dst);
	}
	pf_strv_release(&names);
	return rc;
}

/* The project directory, and the places it must not be. */
static int project(struct run_plan *p, const struct run_opts *o, struct pf_err *e)
{
	const char *given = o->project ? o->project : ".";
	const char *h = getenv("HOME");
	struct passwd *pw = getpwuid(getuid());
	const char *homes[2] = { h && *h ? h : NULL, pw && pw->pw_dir ? pw->pw_dir : NULL };
	char *state;

	p->project = realpath(given, NULL);
	if (!p->project)
		return pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "project '%s': %s", given,
				strerror(errno));
	if (!pf_is_dir(p->project))
		return pf_error(e, PF_EUSAGE, "project '%s': not a directory", given);
	if (!strcmp(p->project, "/"))
		return pf_error(e, PF_EPOLICY, "project '%s': refusing to make the host's whole filesystem the "
				"project; run from a project directory or pass --project DIR", given);
	for (int i = 0; i < 2; i++) {
		char *home = homes[i] ? realpath(homes[i], NULL) : NULL;
		int bad = home && under(home, p->project);

		free(home);
		if (bad)
			return pf_error(e, PF_EPOLICY, "project '%s': refusing to use your home directory (or a "
					"directory above it) as the project: ~/.ssh, ~/.aws and everything else in it "
					"would be readable and writable inside; run from a project directory or pass "
					"--project DIR", given);
	}
	state = o->state_dir ? realpath(o->state_dir, NULL) : NULL;
	if (state && under(state, p->project)) {
		free(state);
		return pf_error(e, PF_EPOLICY, "project '%s': it holds pinfold's state directory '%s' (the private "
				"homes of other projects); choose another project directory", given, o->state_dir);
	}
	free(state);
	return 0;
}

static int valid_name(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return 0;
	return 1;
}

/* 1 when the environment's constraints were lifted on the host (pinfold unlock): their settings go too. */
static int unlocked(const char *root)
{
	struct stat st;
	char *p = pf_path_join(root, INSTALL_UNLOCKED_PATH);
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

/* Set name=value in vars (sorted "NAME=VALUE" strings), replacing an earlier value. */
static void setvar(struct pf_strv *vars, const char *name, const char *value)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < vars->n; i++)
		if (!strncmp(vars->v[i], name, n) && vars->v[i][n] == '=') {
			free(vars->v[i]);
			vars->v[i] = pf_xasprintf("%s=%s", name, value);
			return;
		}
	pf_strv_push_owned(vars, pf_xasprintf("%s=%s", name, value));
}

static int variables(struct run_plan *p, const struct run_opts *o, const struct run_env *env, int bash,
		     struct pf_err *e)
{
	struct pf_strv vars = PF_STRV_INIT;
	int rc = 0;

	setvar(&vars, "PATH", RUN_PATH);
	setvar(&vars, "HOME", RUN_HOME);
	setvar(&vars, "USER", RUN_USER);
	setvar(&vars, "LOGNAME", RUN_USER);
	setvar(&vars, "SHELL", bash ? "/bin/bash" : "/bin/sh");
	setvar(&vars, "LANG", "C.UTF-8");
	setvar(&vars, "PINFOLD_ENV", "/");
	setvar(&vars, "PINFOLD_ENV_NAME", env->name);
	if (!unlocked(env->root)) {
		/* The guards' settings, as activation and an exported image set them (docs/constraints.md). */
		struct pf_strv g = PF_STRV_INIT;

		install_constraints_env("/", &g);
		for (size_t i = 0; i < g.n; i++) {
			char *eq = strchr(g.v[i], '=');

			*eq = '\0';
			setvar(&vars, g.v[i], eq + 1);
		}
		pf_strv_release(&g);
	}
	if (o->nallow) {
		/* Every tool's spelling of "use this proxy"; nothing bypasses it (docs/network.md). */
		static const char *const proxy_vars[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
							  "https_proxy", "all_proxy", NULL };

		for (const char *const *v = proxy_vars; *v; v++)
			setvar(&vars, *v, "http://127.0.0.1:" STR(RUN_PROXY_PORT));
		setvar(&vars, "NO_PROXY", "");
		setvar(&vars, "no_proxy", "");
	}
	for (const char *const *v = passed; *v; v++) {
		const char *val = getenv(*v);

		if (val && *val)
			setvar(&vars, *v, val);
	}
	if (o->shell) {
		/* Debian's /etc/bash.bashrc puts $debian_chroot in its prompt; PS1 serves other shells. */
		char *ps1 = pf_xasprintf(bash ? "(%s) \\w \\$ " : "(%s) $ ", env->name);

		setvar(&vars, "debian_chroot", env->name);
		setvar(&vars, "PS1", ps1);
		free(ps1);
	}
	for (size_t i = 0; i < o->nenv && !rc; i++) {
		const char *s = o->env[i], *eq = strchr(s, '=');
		size_t n = eq ? (size_t)(eq - s) : strlen(s);
		char *name = pf_xstrndup(s, n);

		if (!valid_name(s, n)) {
			rc = pf_error(e, PF_EUSAGE, "--env '%s': expected NAME or NAME=VALUE (NAME: letters, digits, "
				      "'_')", s);
		} else if (eq) {
			setvar(&vars, name, eq + 1);
		} else if (!getenv(name)) {
			rc = pf_error(e, PF_EUSAGE, "--env %s: '%s' is not set here (use --env %s=VALUE)", s, s, s);
		} else {
			setvar(&vars, name, getenv(name));
		}
		free(name);
	}
	if (!rc) {
		pf_strv_sort(&vars);
		for (size_t i = 0; i < vars.n; i++) {
			char *eq = strchr(vars.v[i], '=');

			*eq = '\0';
			add(p, "--setenv", vars.v[i], eq + 1);
		}
	}
	pf_strv_release(&vars);
	return rc;
}

/* --ro/--rw PATH: the same path inside; the mount point must be creatable. */
static int binds(struct run_plan *p, const struct run_opts *o, const struct run_env *env, struct pf_err *e)
{
	for (size_t i = 0; i < o->nbinds; i++) {
		const char *flag = o->binds[i].rw ? "--rw" : "--ro";
		char *path = realpath(o->binds[i].path, NULL), *top;
		struct stat st;
		int rc = 0;

		if (!path)
			return pf_error(e, PF_EUSAGE, "%s '%s': %s", flag, o->binds[i].path, strerror(errno));
		if (!strcmp(path, "/") || under(path, "/proc") || under(path, "/dev") || !strcmp(path, RUN_PROJECT) ||
		    !strcmp(path, "/home") || !strcmp(path, RUN_HOME))
			rc = pf_error(e, PF_EUSAGE, "%s '%s': the sandbox provides '%s' itself", flag,
				      o->binds[i].path, path);
		top = pf_xstrndup(path + 1, strcspn(path + 1, "/"));
		if (!rc && !in(provided, top) && stat_inside(env->root, top, &st) == 0 && S_ISDIR(st.st_mode) &&
		    strchr(path + 1, '/') && stat_inside(env->root, path + 1, &st) != 0) {
			char *t = pf_path_join(env->root, top);

			if (!empty_dir(t))
				rc = pf_error(e, PF_EUSAGE, "%s '%s': '/%s' comes from the read-only environment and "
					      "has no '%s' to mount on", flag, o->binds[i].path, top, path);
			free(t);
		}
		if (!rc && o->binds[i].rw && (under(path, env->root) || under(env->root, path)))
			rc = pf_error(e, PF_EUSAGE, "--rw '%s': it holds or is inside the environment, which stays "
				      "read-only", o->binds[i].path);
		if (!rc)
			add(p, o->binds[i].rw ? "--bind" : "--ro-bind", path, path);
		free(top);
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

/* 1 for an absolute path without empty, "." or ".." parts, not "/" itself. */
static int normalised(const char *path)
{
	if (path[0] != '/' || !path[1])
		return 0;
	for (const char *c = path; *c == '/';) {
		size_t n = strcspn(c + 1, "/");

		if (!n || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
		c += n + 1;
	}
	return 1;
}

/*
 * --secret-file SRC:DEST: SRC a regular file (links resolved), bound alone
 * read-only at DEST, so nothing else of its directory is visible. DEST is
 * absolute, not in /proc, /dev or the project (a mount point there would be
 * left behind in it), and under the environment's own directories only
 * where the environment has a file to mount on.
 */
static int secrets(struct run_plan *p, const struct run_opts *o, const struct run_env *env, struct pf_err *e)
{
	for (size_t i = 0; i < o->nsecrets; i++) {
		const char *src = o->secrets[i].src, *dest = o->secrets[i].dest;
		char *path = realpath(src, NULL), *top = NULL;
		struct stat st;
		int rc = 0;

		if (!path)
			return pf_error(e, PF_EUSAGE, "--secret-file '%s': %s", src, strerror(errno));
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			rc = pf_error(e, PF_EUSAGE, "--secret-file '%s': not a regular file", src);
		else if (!normalised(dest))
			rc = pf_error(e, PF_EUSAGE, "--secret-file '%s:%s': DEST must be an absolute, normalised path "
				      "of a file", src, dest);
		else if (under(dest, "/proc") || under(dest, "/dev") || under(dest, RUN_PROJECT) ||
			 !strcmp(dest, RUN_HOME) || !strcmp(dest, "/home") || !strcmp(dest, "/tmp") ||
			 !strcmp(dest, "/run"))
			rc = pf_error(e, PF_EUSAGE, "--secret-file '%s:%s': DEST may not be in /proc, /dev or the "
				      "project, nor one of the sandbox's own directories", src, dest);
		if (!rc) {
			top = pf_xstrndup(dest + 1, strcspn(dest + 1, "/"));
			if (!in(provided, top) && !(stat_inside(env->root, dest + 1, &st) == 0 && S_ISREG(st.st_mode)))
				rc = pf_error(e, PF_EUSAGE, "--secret-file '%s:%s': '/%s' comes from the read-only "
					      "environment, which has no file '%s' to mount on; use a place under "
					      RUN_HOME ", /run or /tmp", src, dest, top, dest);
		}
		if (!rc)
			add(p, "--ro-bind", path, dest);
		free(top);
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

int run_plan_build(struct run_plan *p, const struct run_opts *o, const struct run_env *env, struct pf_err *e)
{
	struct stat st;
	char hex[PF_SHA256_HEX];
	int bash, rc;

	memset(p, 0, sizeof *p);
	rc = project(p, o, e);
	if (!rc && under(p->project, env->root))
		rc = pf_error(e, PF_EPOLICY, "project '%s': it is inside the environment '%s' (it would make the "
			      "environment writable)", p->project, env->root);
	if (rc)
		goto out;
	{
		/* STATE/homes/BASENAME-HASH: the hash tells projects apart, the name tells a person which is which. */
		char *base = pf_xstrndup(pf_basename(p->project), 40);

		for (char *c = base; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			      strchr("._+-", *c)))
				*c = '_';
		pf_sha256_hex(p->project, strlen(p->project), hex);
		if (!o->ephemeral)
			p->home = pf_xasprintf("%s/homes/%s-%.16s", o->state_dir, base, hex);
		if (o->nallow)
			p->netlog = pf_xasprintf("%s/net/%s-%.16s.log", o->state_dir, base, hex);
		free(base);
	}
	p->allow = o->allow;
	p->nallow = o->nallow;
	bash = stat_inside(env->root, "bin/bash", &st) == 0 && S_ISREG(st.st_mode);
	/* Only a shell in the terminal's foreground takes the terminal (not one started with '&'). */
	p->terminal = o->shell && isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
	/* A shell on a terminal keeps the session so job control works; TIOCSTI is blocked by seccomp. */
	p->new_session = !p->terminal;

	add(p, "--unshare-user", NULL, NULL);
	add(p, "--unshare-pid", NULL, NULL);
	add(p, "--unshare-ipc", NULL, NULL);
	add(p, "--unshare-uts", NULL, NULL);
	add(p, "--unshare-cgroup", NULL, NULL);
	if (!o->net)
		add(p, "--unshare-net", NULL, NULL);
	add(p, "--disable-userns", NULL, NULL);
	add(p, "--die-with-parent", NULL, NULL);
	if (p->new_session)
		add(p, "--new-session", NULL, NULL);
	add(p, "--uid", STR(RUN_UID), NULL);
	add(p, "--gid", STR(RUN_GID), NULL);
	add(p, "--cap-drop", "ALL", NULL);
	add(p, "--hostname", RUN_HOSTNAME, NULL);
	rc = compose_root(p, env->root, e);
	if (rc)
		goto out;
	add(p, "--proc", "/proc", NULL);
	add(p, "--dev", "/dev", NULL);
	add(p, "--tmpfs", "/tmp", NULL);
	add(p, "--tmpfs", "/run", NULL);
	if (stat_inside(env->root, "var/tmp", &st) == 0 && S_ISDIR(st.st_mode))
		add(p, "--tmpfs", "/var/tmp", NULL);
	add(p, "--tmpfs", "/home", NULL);
	/* scratch directories tools expect to write inside the read-only root: a private tmpfs each */
	for (const char *const *d = scratch_dirs; *d; d++)
		if (stat_inside(env->root, *d, &st) == 0 && S_ISDIR(st.st_mode)) {
			char *abs = pf_xasprintf("/%s", *d);

			add(p, "--tmpfs", abs, NULL);
			free(abs);
		}
	if (p->home)
		add(p, "--bind", p->home, RUN_HOME);
	else
		add(p, "--dir", RUN_HOME, NULL);
	add(p, "--bind", p->project, RUN_PROJECT);
	if (under(env->root, p->project)) {
		/* An environment kept inside the project stays read-only there too. */
		char *in_project = pf_xasprintf(RUN_PROJECT "%s", env->root + strlen(p->project));

		add(p, "--ro-bind", env->root, in_project);
		free(in_project);
	}
	if (o->net && stat_inside(env->root, "etc/resolv.conf", &st) == 0 && S_ISREG(st.st_mode)) {
		char *resolv = realpath("/etc/resolv.conf", NULL);

		if (resolv)
			add(p, "--ro-bind", resolv, "/etc/resolv.conf");
		free(resolv);
	}
	rc = binds(p, o, env, e);
	if (!rc)
		rc = secrets(p, o, env, e);
	if (!rc)
		rc = variables(p, o, env, bash, e);
	if (rc)
		goto out;
	add(p, "--remount-ro", "/", NULL);
	add(p, "--chdir", RUN_PROJECT, NULL);
	if (o->argc > 0) {
		for (int i = 0; i < o->argc; i++)
			pf_strv_push(&p->cmd, o->argv[i]);
	} else if (bash) {
		pf_strv_push(&p->cmd, "/bin/bash");
		if (p->terminal)
			pf_strv_push(&p->cmd, "-i");
	} else {
		pf_strv_push(&p->cmd, "/bin/sh");
		if (p->terminal)
			pf_strv_push(&p->cmd, "-i");
	}
out:
	if (rc)
		run_plan_release(p);
	return rc;
}

int run_plan_check_command(const struct run_plan *p, const struct run_env *env, struct pf_err *e)
{
	const char *cmd = p->cmd.n ? p->cmd.v[0] : "";
	char *dirs, *save = NULL;
	int found = 0;

	if (!*cmd)
		return pf_error(e, PF_EUSAGE, "an empty command");
	if (strchr(cmd, '/'))
		return 0;	/* a path: bwrap reports one that is missing */
	for (size_t i = 0; i < p->nargs; i++)
		if (!strcmp(p->args[i].opt, "--setenv") && !strcmp(p->args[i].a, "PATH") &&
		    strcmp(p->args[i].b, RUN_PATH))
			return 0;	/* --env PATH=...: searched inside */
	dirs = pf_xstrdup(RUN_PATH);
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *rel = pf_xasprintf("%s/%s", d + 1, cmd);
		struct stat st;

		found = stat_inside(env->root, rel, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
		free(rel);
	}
	free(dirs);
	if (!found)
		return pf_error(e, PF_ENOTFOUND, "'%s': no such command in the environment (PATH %s)", cmd, RUN_PATH);
	return 0;
}

static void quote(struct pf_buf *b, const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-");

	if (*s && !s[n]) {
		pf_buf_adds(b, s);
		return;
	}
	pf_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			pf_buf_adds(b, "'\\''");
		else
			pf_buf_addc(b, *s);
	}
	pf_buf_addc(b, '\'');
}

void run_plan_text(const struct run_plan *p, const char *bwrap, struct pf_buf *out)
{
	pf_buf_addf(out, "# fd %d: pinfold's seccomp filter (compiled BPF); fd %d: bwrap's JSON status\n",
		    RUN_FD_SECCOMP, RUN_FD_STATUS);
	if (p->nallow) {
		pf_buf_addf(out, "# network: an empty namespace; pinfold's proxy on 127.0.0.1:%d inside allows only:\n",
			    RUN_PROXY_PORT);
		for (size_t i = 0; i < p->nallow; i++) {
			const struct run_allow *a = &p->allow[i];

			pf_buf_addf(out, "#   %s%s%s%s:%s", a->wildcard ? "*." : "", a->is_ip && strchr(a->name, ':') ? "[" : "",
				    a->name, a->is_ip && strchr(a->name, ':') ? "]" : "", a->port ? "" : "80,443");
			if (a->port)
				pf_buf_addf(out, "%u", a->port);
			if (a->pinned) {
				char addr[64] = "?";
				const void *ad = a->pin.ss_family == AF_INET ?
					(const void *)&((const struct sockaddr_in *)&a->pin)->sin_addr :
					(const void *)&((const struct sockaddr_in6 *)&a->pin)->sin6_addr;

				inet_ntop(a->pin.ss_family, ad, addr, sizeof addr);
				pf_buf_addf(out, " -> %s", addr);
			}
			pf_buf_addc(out, '\n');
		}
		pf_buf_addf(out, "# log: %s\n", p->netlog);
	}
	quote(out, bwrap ? bwrap : "bwrap");
	for (size_t i = 0; i < p->nargs; i++) {
		pf_buf_adds(out, " \\\n    ");
		pf_buf_adds(out, p->args[i].opt);
		if (p->args[i].a) {
			pf_buf_addc(out, ' ');
			quote(out, p->args[i].a);
		}
		if (p->args[i].b) {
			pf_buf_addc(out, ' ');
			quote(out, p->args[i].b);
		}
	}
	pf_buf_addf(out, " \\\n    --seccomp %d \\\n    --json-status-fd %d \\\n    --", RUN_FD_SECCOMP,
		    RUN_FD_STATUS);
	for (size_t i = 0; i < p->cmd.n; i++) {
		pf_buf_addc(out, ' ');
		quote(out, p->cmd.v[i]);
	}
	pf_buf_addc(out, '\n');
}

const struct run_agent run_agents[] = {
	{ "claude", { "api.anthropic.com", NULL }, { "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", NULL } },
	{ "codex", { "api.openai.com", NULL }, { "OPENAI_API_KEY", NULL } },
	{ "gemini", { "generativelanguage.googleapis.com", NULL }, { "GEMINI_API_KEY", "GOOGLE_API_KEY", NULL } },
	{ "mistral", { "api.mistral.ai", NULL }, { "MISTRAL_API_KEY", NULL } },
	{ NULL, { NULL }, { NULL } },
};

const struct run_agent *run_agent_find(const char *name)
{
	for (const struct run_agent *a = run_agents; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}
