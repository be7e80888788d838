/* SPDX-License-Identifier: MIT */
/* Unit tests of the sandbox plan (bubblewrap's arguments), the environment checks, the seal and the filter. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "run/internal.h"
#include "run/run.h"
#include "tap.h"

static char dir[256];

/* dir/rel in one of four rotating buffers (no allocation to free). */
static const char *at(const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, rel);
	return buf[i];
}

static void put(const char *rel, const char *data)
{
	char *p = pf_path_join(dir, rel), *d = pf_dirname(p);
	struct pf_err e = { 0 };

	pf_mkdir_p(d, 0755, &e);
	pf_write_file(p, data, strlen(data), 0644, &e);
	free(p);
	free(d);
}

static const char *lock_text(const char *runtime)
{
	static char buf[1024];

	snprintf(buf, sizeof buf,
		 "format: pinfold-lock/1\n"
		 "image: {name: \"my env$(x)\", sha256: %064d}\n"
		 "catalog: {name: t, version: 1, sha256: %064d, keys: []}\n"
		 "policy: {min_age_days: 0, age_cutoff: \"2026-01-01T00:00:00Z\"}\n"
		 "target: {%s%s%spython: \"3.11\", platform: linux-x86_64}\n"
		 "source_date_epoch: 1\npackages: []\n", 0, 0, runtime ? "runtime: " : "", runtime ? runtime : "",
		 runtime ? ", " : "");
	return buf;
}

/* Index of the option opt with arguments a and b (NULL: any) in p, or -1. */
static int find(const struct run_plan *p, const char *opt, const char *a, const char *b)
{
	for (size_t i = 0; i < p->nargs; i++)
		if (!strcmp(p->args[i].opt, opt) && (!a || (p->args[i].a && !strcmp(p->args[i].a, a))) &&
		    (!b || (p->args[i].b && !strcmp(p->args[i].b, b))))
			return (int)i;
	return -1;
}

static int nvars(const struct run_plan *p)
{
	int n = 0;

	for (size_t i = 0; i < p->nargs; i++)
		n += !strcmp(p->args[i].opt, "--setenv");
	return n;
}

int main(void)
{
	struct pf_err e = { 0 };
	struct run_env env;
	struct run_plan p;
	struct run_opts o;
	char *root, *proj, *state, *home, *usr, *s;
	char *argv[] = { (char *)"python3", (char *)"-c", (char *)"pass", NULL };
	int rc;

	snprintf(dir, sizeof dir, "%s/pf-run-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	root = pf_path_join(dir, "env");
	proj = pf_path_join(dir, "proj");
	state = pf_path_join(dir, "state");
	home = pf_path_join(dir, "home");
	usr = pf_path_join(root, "usr");
	put("env/usr/bin/python3", "#!/bin/false\n");
	chmod(at("env/usr/bin/python3"), 0755);
	put("env/usr/lib/x", "x");
	put("env/etc/hostname", "pinfold\n");
	put("env/.pinfold/lock", lock_text(NULL));
	put("proj/README", "hello\n");
	put("home/.ssh/id_ed25519", "secret\n");
	mkdir(at("env/mnt"), 0755);
	mkdir(at("env/var"), 0755);
	mkdir(at("env/var/tmp"), 0755);
	mkdir(at("env/proc"), 0755);
	symlink("usr/bin", at("env/bin"));
	setenv("HOME", home, 1);

	/* Which environments run */
	rc = run_env_open(&env, root, state, 0, &e);
	ok(rc == -PF_EPOLICY && strstr(e.msg, "host-mode environment"), "a host-mode environment is refused: %s", e.msg);
	pf_err_clear(&e);
	put("env/.pinfold/lock", lock_text("host"));
	rc = run_env_open(&env, root, state, 0, &e);
	ok(rc == -PF_EPOLICY, "target.runtime: host is refused too");
	pf_err_clear(&e);
	put("env/.pinfold/lock", "format: nope\n");
	rc = run_env_open(&env, root, state, 0, &e);
	ok(rc < 0 && strstr(e.msg, "lock"), "a broken lock is refused: %s", e.msg);
	pf_err_clear(&e);
	rc = run_env_open(&env, proj, state, 0, &e);
	ok(rc == -PF_EFORMAT && strstr(e.msg, "not a pinfold environment"), "a directory without a lock: %s", e.msg);
	pf_err_clear(&e);
	rc = run_env_open(&env, "/nonexistent/env", state, 0, &e);
	ok(rc == -PF_ENOTFOUND, "a missing ENV: %s", e.msg);
	pf_err_clear(&e);
	put("env/.pinfold/lock", lock_text("self-contained"));
	rc = run_env_open(&env, root, state, 0, &e);
	is_int(rc, 0, "a self-contained environment opens");
	is_str(env.name, "my_env__x_", "its name is reduced to safe characters");

	/* The plan */
	memset(&o, 0, sizeof o);
	o.project = proj;
	o.state_dir = state;
	o.argv = argv;
	o.argc = 3;
	rc = run_plan_build(&p, &o, &env, &e);
	is_int(rc, 0, "plan with default options");
	ok(find(&p, "--unshare-net", NULL, NULL) >= 0, "no network by default");
	ok(find(&p, "--unshare-user", NULL, NULL) >= 0 && find(&p, "--unshare-pid", NULL, NULL) >= 0 &&
	   find(&p, "--unshare-ipc", NULL, NULL) >= 0 && find(&p, "--unshare-uts", NULL, NULL) >= 0 &&
	   find(&p, "--unshare-cgroup", NULL, NULL) >= 0, "new user, pid, ipc, uts and cgroup namespaces");
	ok(find(&p, "--disable-userns", NULL, NULL) >= 0 && find(&p, "--cap-drop", "ALL", NULL) >= 0 &&
	   find(&p, "--die-with-parent", NULL, NULL) >= 0 && find(&p, "--new-session", NULL, NULL) >= 0,
	   "no nested user namespaces, no capabilities, dies with pinfold, a new session");
	ok(find(&p, "--ro-bind", usr, "/usr") >= 0, "the environment's /usr bound read-only");
	ok(find(&p, "--symlink", "usr/bin", "/bin") >= 0, "its top-level links recreated");
	ok(find(&p, "--dir", "/mnt", NULL) >= 0, "its empty top-level directories created (mount points)");
	ok(find(&p, "--ro-bind", NULL, "/proc") < 0 && find(&p, "--proc", "/proc", NULL) >= 0,
	   "the environment's /proc is replaced by a new procfs");
	ok(find(&p, "--tmpfs", "/tmp", NULL) >= 0 && find(&p, "--tmpfs", "/var/tmp", NULL) >= 0 &&
	   find(&p, "--dev", "/dev", NULL) >= 0, "tmpfs /tmp and /var/tmp, a minimal /dev");
	ok(find(&p, "--bind", NULL, "/project") >= 0 && find(&p, "--chdir", "/project", NULL) >= 0,
	   "the project read-write at /project, the working directory");
	ok(p.home && !strncmp(p.home, state, strlen(state)) && strstr(p.home, "/homes/proj-") &&
	   find(&p, "--bind", p.home, RUN_HOME) >= 0, "HOME is a per-project directory under the state dir");
	ok(find(&p, "--remount-ro", "/", NULL) > find(&p, "--bind", NULL, "/project"), "the root is made read-only last");
	ok(find(&p, "--setenv", "PATH", RUN_PATH) >= 0 && find(&p, "--setenv", "HOME", RUN_HOME) >= 0 &&
	   find(&p, "--setenv", "PINFOLD_ENV", "/") >= 0, "PATH, HOME and PINFOLD_ENV are set");
	ok(find(&p, "--setenv", "HOME", home) < 0, "the host's HOME is not passed");
	ok(find(&p, "--setenv", "PIP_NO_INDEX", "1") >= 0 && find(&p, "--setenv", "PIP_CONSTRAINT",
	   "/.pinfold/constraints.txt") >= 0 && find(&p, "--setenv", "npm_config_offline", "true") >= 0,
	   "the guards' settings are set (as activation and an exported image set them)");
	for (size_t i = 0; i < p.nargs; i++)
		if (!strcmp(p.args[i].opt, "--ro-bind") || !strcmp(p.args[i].opt, "--bind"))
			ok(strncmp(p.args[i].a, home, strlen(home)), "no bind of the host's home: %s", p.args[i].a);
	is_int(run_plan_check_command(&p, &env, &e), 0, "python3 is found in the environment");
	run_plan_release(&p);

	/* After pinfold unlock on the host, the guards' settings are not set inside. */
	put("env/.pinfold/unlocked.yaml", "by: test\n");
	rc = run_plan_build(&p, &o, &env, &e);
	ok(!rc && find(&p, "--setenv", "PIP_NO_INDEX", NULL) < 0 && find(&p, "--setenv", "npm_config_registry", NULL) < 0,
	   "an unlocked environment runs without the guards' settings");
	run_plan_release(&p);
	unlink(at("env/.pinfold/unlocked.yaml"));

	/* Variables */
	setenv("PF_TEST_SECRET", "s3cret", 1);
	setenv("TERM", "xterm-test", 1);
	setenv("LC_ALL", "C.UTF-8", 1);
	rc = run_plan_build(&p, &o, &env, &e);
	ok(!rc && find(&p, "--setenv", "TERM", "xterm-test") >= 0 && find(&p, "--setenv", "LC_ALL", "C.UTF-8") >= 0,
	   "TERM and LC_ALL pass through");
	ok(find(&p, "--setenv", "PF_TEST_SECRET", NULL) < 0, "other host variables do not");
	s = NULL;
	{
		int n0 = nvars(&p);
		const char *envs[] = { "PF_TEST_SECRET", "GREETING=hi there", "PATH=/custom" };

		run_plan_release(&p);
		o.env = envs;
		o.nenv = 3;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(!rc && find(&p, "--setenv", "PF_TEST_SECRET", "s3cret") >= 0 &&
		   find(&p, "--setenv", "GREETING", "hi there") >= 0, "--env NAME and --env NAME=VALUE");
		ok(find(&p, "--setenv", "PATH", "/custom") >= 0 && nvars(&p) == n0 + 2, "--env replaces a default");
		is_int(run_plan_check_command(&p, &env, &e), 0, "with PATH overridden the command is looked up inside");
		run_plan_release(&p);
		envs[0] = "PF_TEST_UNSET_VAR";
		o.nenv = 1;
		unsetenv("PF_TEST_UNSET_VAR");
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE && strstr(e.msg, "is not set"), "--env of an unset variable: %s", e.msg);
		pf_err_clear(&e);
		envs[0] = "1BAD=x";
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE && strstr(e.msg, "NAME"), "--env with a bad name: %s", e.msg);
		pf_err_clear(&e);
		o.env = NULL;
		o.nenv = 0;
	}
	free(s);

	/* --net, --ephemeral, a shell without a terminal */
	o.net = 1;
	o.ephemeral = 1;
	rc = run_plan_build(&p, &o, &env, &e);
	ok(!rc && find(&p, "--unshare-net", NULL, NULL) < 0, "--net keeps the host network");
	ok(!p.home && find(&p, "--dir", RUN_HOME, NULL) > find(&p, "--tmpfs", "/home", NULL),
	   "--ephemeral: HOME is a directory in a tmpfs");
	run_plan_release(&p);
	o.net = o.ephemeral = 0;

	/* The project */
	o.project = "/";
	rc = run_plan_build(&p, &o, &env, &e);
	ok(rc == -PF_EPOLICY, "the host's / as the project is refused: %s", e.msg);
	pf_err_clear(&e);
	o.project = home;
	rc = run_plan_build(&p, &o, &env, &e);
	ok(rc == -PF_EPOLICY && strstr(e.msg, "home directory"), "the home directory as the project is refused: %s",
	   e.msg);
	pf_err_clear(&e);
	o.project = dir;
	rc = run_plan_build(&p, &o, &env, &e);
	ok(rc == -PF_EPOLICY, "a directory above the home directory is refused: %s", e.msg);
	pf_err_clear(&e);
	{
		char *inner = pf_path_join(proj, "state");

		mkdir(inner, 0700);
		o.project = proj;
		o.state_dir = inner;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EPOLICY && strstr(e.msg, "state directory"), "a project holding the state dir: %s", e.msg);
		pf_err_clear(&e);
		o.state_dir = state;
		free(inner);
	}
	o.project = usr;
	rc = run_plan_build(&p, &o, &env, &e);
	ok(rc == -PF_EPOLICY && strstr(e.msg, "inside the environment"), "a project inside the environment: %s", e.msg);
	pf_err_clear(&e);
	{
		struct run_bind b[1] = { { dir, 1 } };

		o.project = proj;
		o.binds = b;
		o.nbinds = 1;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE && strstr(e.msg, "stays read-only"), "--rw of a directory holding the environment: %s",
		   e.msg);
		pf_err_clear(&e);
		b[0].path = usr;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE, "--rw of a directory inside the environment: %s", e.msg);
		pf_err_clear(&e);
		b[0].rw = 0;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(!rc, "--ro of a directory inside the environment is fine");
		run_plan_release(&p);
		o.binds = NULL;
		o.nbinds = 0;
	}
	o.project = "/nonexistent/project";
	rc = run_plan_build(&p, &o, &env, &e);
	ok(rc == -PF_ENOTFOUND, "a missing project: %s", e.msg);
	pf_err_clear(&e);
	o.project = proj;

	/* --ro / --rw */
	{
		struct run_bind b[1];
		char *etc_x = pf_path_join(dir, "x");

		mkdir(etc_x, 0755);
		b[0].path = etc_x;
		b[0].rw = 0;
		o.binds = b;
		o.nbinds = 1;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(!rc && find(&p, "--ro-bind", etc_x, etc_x) >= 0, "--ro PATH: read-only at the same path");
		run_plan_release(&p);
		b[0].rw = 1;
		rc = run_plan_build(&p, &o, &env, &e);
		ok(!rc && find(&p, "--bind", etc_x, etc_x) >= 0, "--rw PATH: read-write at the same path");
		run_plan_release(&p);
		b[0].path = "/nonexistent/thing";
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE && strstr(e.msg, "--rw '/nonexistent/thing'"), "a missing --rw path: %s", e.msg);
		pf_err_clear(&e);
		b[0].path = "/proc/self";
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE, "--rw under /proc is refused: %s", e.msg);
		pf_err_clear(&e);
		b[0].path = "/";
		rc = run_plan_build(&p, &o, &env, &e);
		ok(rc == -PF_EUSAGE, "--rw / is refused: %s", e.msg);
		pf_err_clear(&e);
		o.binds = NULL;
		o.nbinds = 0;
		free(etc_x);
	}

	/* An environment inside the project stays read-only there. */
	{
		struct run_env inner = env;
		char *want;

		inner.root = pf_path_join(proj, "env");
		want = pf_xstrdup("/project/env");
		mkdir(inner.root, 0755);
		rc = run_plan_build(&p, &o, &inner, &e);
		ok(!rc && find(&p, "--ro-bind", inner.root, want) > find(&p, "--bind", NULL, "/project"),
		   "an environment kept in the project is bound read-only over its place there");
		run_plan_release(&p);
		free(inner.root);
		free(want);
	}

	/* A command that is not there; dry-run text */
	{
		char *nope[] = { (char *)"no-such-tool", NULL };
		struct pf_buf b = PF_BUF_INIT;

		o.argv = nope;
		o.argc = 1;
		rc = run_plan_build(&p, &o, &env, &e);
		is_int(run_plan_check_command(&p, &env, &e), -PF_ENOTFOUND, "a command not in the environment");
		pf_err_clear(&e);
		run_plan_text(&p, "/usr/bin/bwrap", &b);
		ok(strstr(b.p, "/usr/bin/bwrap \\\n    --unshare-user \\\n") != NULL, "dry run: one option per line");
		ok(strstr(b.p, "--setenv PINFOLD_ENV_NAME my_env__x_ \\\n") != NULL, "dry run: the variables");
		ok(strstr(b.p, "--seccomp 4 \\\n") && strstr(b.p, "-- no-such-tool\n"), "dry run: filter and command");
		run_plan_release(&p);
		pf_buf_release(&b);
		o.argv = argv;
		o.argc = 3;
	}
	{
		char *q[] = { (char *)"sh", (char *)"-c", (char *)"echo 'it''s' $HOME", NULL };
		struct pf_buf b = PF_BUF_INIT;

		o.argv = q;
		rc = run_plan_build(&p, &o, &env, &e);
		run_plan_text(&p, NULL, &b);
		ok(strstr(b.p, "-- sh -c 'echo '\\''it'\\'''\\''s'\\'' $HOME'\n") != NULL, "dry run: shell quoting");
		run_plan_release(&p);
		pf_buf_release(&b);
		o.argv = argv;
	}
	run_env_release(&env);

	/* The seal */
	{
		char *t = pf_path_join(dir, "sealed"), *seal = pf_path_join(dir, "seal"), *f;
		struct stat st;

		put("sealed/a/b/c.txt", "c\n");
		put("sealed/a/d.txt", "d\n");
		put("sealed/e.txt", "e\n");
		symlink("a/d.txt", at("sealed/link"));
		is_int(run_seal_write(t, seal, &e), 0, "seal written");
		is_int(run_seal_check(t, seal, &e), 0, "an untouched tree passes");
		f = pf_path_join(t, "a/b/c.txt");
		chmod(f, 0600);
		rc = run_seal_check(t, seal, &e);
		ok(rc == -PF_ECHECK && strstr(e.msg, "a/b/c.txt"), "a chmod is found: %s", e.msg);
		pf_err_clear(&e);
		run_seal_write(t, seal, &e);
		put("sealed/a/b/c.txt", "c\n");	/* same bytes, rewritten (a new file renamed over it) */
		rc = run_seal_check(t, seal, &e);
		ok(rc == -PF_ECHECK, "a file replaced by the same bytes is found: %s", e.msg);
		pf_err_clear(&e);
		run_seal_write(t, seal, &e);
		{
			int fd = open(f, O_WRONLY | O_APPEND);

			ok(fd >= 0 && write(fd, "x", 1) == 1, "append in place");
			close(fd);
		}
		rc = run_seal_check(t, seal, &e);
		ok(rc == -PF_ECHECK && strstr(e.msg, "c.txt"), "a write in place is found: %s", e.msg);
		pf_err_clear(&e);
		run_seal_write(t, seal, &e);
		put("sealed/a/new.txt", "n\n");
		rc = run_seal_check(t, seal, &e);
		ok(rc == -PF_ECHECK && strstr(e.msg, "'a'"), "an added file is found through its directory: %s", e.msg);
		pf_err_clear(&e);
		run_seal_write(t, seal, &e);
		unlink(at("sealed/link"));
		symlink("e.txt", at("sealed/link"));
		rc = run_seal_check(t, seal, &e);
		ok(rc == -PF_ECHECK, "a re-pointed link is found: %s", e.msg);
		pf_err_clear(&e);
		ok(stat(seal, &st) == 0 && (st.st_mode & 0777) == 0444, "the seal is read-only");
		free(f);
		free(t);
		free(seal);
	}

	/* The filter compiles to a program */
	{
		int fd = -1;
		size_t n = 0;

		rc = run_seccomp_fd(&fd, &n, &e);
		ok(!rc && fd >= 0 && n > 40, "the seccomp filter compiles (%zu instructions)", n);
		ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "its fd is close-on-exec");
		close(fd);
	}

	pf_rm_rf(dir);
	free(root);
	free(proj);
	free(state);
	free(home);
	free(usr);
	return done_testing();
}
