/* SPDX-License-Identifier: MIT */
/* Unit tests for install constraints: files written, guards refusing for real, state and unlock. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "core/time.h"
#include "install/constraints.h"
#include "lock/lock.h"
#include "solve/solve.h"
#include "tap.h"

#define PIP_WHEEL "/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl"

static char *tmp;

static void fake_lock(struct lockfile *l, struct lock_pkg *pkgs)
{
	memset(l, 0, sizeof *l);
	memset(pkgs, 0, 3 * sizeof *pkgs);
	strcpy(l->sha256, "1111111111111111111111111111111111111111111111111111111111111111");
	l->image_name = "agent-test";
	l->catalog_name = "example";
	l->catalog_version = 3;
	l->min_age_days = 7;
	l->age_cutoff = "2026-05-25T00:00:00Z";
	pkgs[0].ecosystem = "npm";
	pkgs[0].name = "left-pad";
	pkgs[0].version = "1.3.0";
	strcpy(pkgs[0].artifact.sha256, "2222222222222222222222222222222222222222222222222222222222222222");
	pkgs[1].ecosystem = "pypi";
	pkgs[1].name = "wheel";
	pkgs[1].version = "0.38.4";
	strcpy(pkgs[1].artifact.sha256, "d9f5ba91b3866f3845930531e0870436e2dd6e919787f627c0f1c16b97219a5f");
	pkgs[2].ecosystem = "pypi";
	pkgs[2].name = "litellm";
	pkgs[2].version = "1.82.7";
	strcpy(pkgs[2].artifact.sha256, "3333333333333333333333333333333333333333333333333333333333333333");
	l->pkgs = pkgs;
	l->npkgs = 3;
}

static char *slurp(const char *path)
{
	struct pf_buf b = PF_BUF_INIT;
	struct pf_err e = { 0 };

	if (pf_read_file(path, 1 << 20, &b, &e) < 0) {
		pf_buf_release(&b);
		return NULL;
	}
	pf_buf_adds(&b, "");
	return pf_buf_detach(&b, NULL);
}

static char *at(const char *root, const char *rel)
{
	return pf_xasprintf("%s/%s", root, rel);
}

static int mode_of(const char *root, const char *rel)
{
	char *p = at(root, rel);
	struct stat st;
	int m = lstat(p, &st) ? -1 : (int)(st.st_mode & 07777);

	free(p);
	return m;
}

static int has(const char *root, const char *rel, const char *needle)
{
	char *p = at(root, rel), *s = slurp(p);
	int r = s && strstr(s, needle) != NULL;

	free(s);
	free(p);
	return r;
}

/* Run a shell command; its stderr+stdout go to tmp/out. Returns the exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	va_list ap;
	struct pf_buf b = PF_BUF_INIT;
	int st;

	va_start(ap, fmt);
	pf_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	pf_buf_addf(&b, " >'%s/out' 2>&1", tmp);
	st = system(b.p);
	pf_buf_release(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int out_has(const char *needle)
{
	char *p = at(tmp, "out"), *s = slurp(p);
	int r = s && strstr(s, needle) != NULL;

	if (!r)
		printf("# output was:\n# %s\n", s ? s : "(none)");
	free(s);
	free(p);
	return r;
}

static void test_files(void)
{
	struct lockfile l;
	struct lock_pkg pkgs[3];
	struct pf_err e = { 0 };
	char *a = at(tmp, "a"), *b = at(tmp, "b");
	static const char *const files[] = {
		".pinfold/activate.d/advisories.sh", ".pinfold/activate.d/constraints.sh",
		".pinfold/constraints.txt", ".pinfold/policy.yaml", ".pinfold/refusal.txt", ".pinfold/vetted.txt",
		"bin/npm", "bin/npx", "bin/pinfold-vetted", "bin/pip", "bin/pip3", "etc/npmrc",
		"lib/python3.11/site-packages/00-pinfold-nopyc.pth", "lib/python3.11/site-packages/_pinfold_guard.pth",
		"lib/python3.11/site-packages/_pinfold_guard.py", "pip.conf", NULL
	};
	struct install_cstate s;

	fake_lock(&l, pkgs);
	for (int i = 0; i < 2; i++) {
		char *r = i ? b : a, *sp = pf_xasprintf("%s/lib/python3.11/site-packages", r);

		pf_mkdir_p(sp, 0755, &e);
		free(sp);
	}
	umask(077);
	is_int(install_constraints(a, &l, &e), 0, "install_constraints on a staging tree");
	umask(022);
	is_int(install_constraints(b, &l, &e), 0, "again in another tree");
	for (const char *const *f = files; *f; f++) {
		char *pa = at(a, *f), *pb = at(b, *f), *sa = slurp(pa), *sb = slurp(pb);

		ok(sa && sb && !strcmp(sa, sb), "%s: same bytes for the same lock", *f);
		free(sa);
		free(sb);
		free(pa);
		free(pb);
	}
	is_int(mode_of(a, "bin/pip"), 0755, "guard is 0755 whatever the umask");
	is_int(mode_of(a, "pip.conf"), 0644, "pip.conf is 0644 whatever the umask");
	ok(has(a, "pip.conf", "no-index = true") && has(a, "pip.conf", "require-hashes = true"),
	   "pip.conf: no-index and require-hashes");
	ok(has(a, ".pinfold/constraints.txt", "wheel==0.38.4 --hash=sha256:d9f5ba91"),
	   "constraints.txt pins the locked pypi versions with hashes");
	ok(!has(a, ".pinfold/constraints.txt", "left-pad"), "constraints.txt has no npm packages");
	ok(has(a, "etc/npmrc", "offline=true") && has(a, "etc/npmrc", ".invalid/"), "npmrc: offline, dead registry");
	ok(has(a, ".pinfold/policy.yaml", "state: locked\n"), "policy.yaml: state locked");
	ok(has(a, ".pinfold/policy.yaml", "constraint_files:\n  - \".pinfold/activate.d/constraints.sh\"\n"
	       "  - \".pinfold/constraints.txt\"\n  - \".pinfold/refusal.txt\"\n  - bin/npm\n  - bin/npx\n"
	       "  - bin/pip\n  - bin/pip3\n  - etc/npmrc\n  - lib/python3.11/site-packages/_pinfold_guard.pth\n"
	       "  - lib/python3.11/site-packages/_pinfold_guard.py\n  - pip.conf\n"),
	   "policy.yaml: sorted constraint files; advisories hook, listing and pinfold-vetted not among them");
	ok(has(a, ".pinfold/policy.yaml", "sha256: \"1111111111111111"), "policy.yaml: lock sha256");
	ok(has(a, ".pinfold/policy.yaml", "min_age_days: 7"), "policy.yaml: min_age_days");
	{
		struct pf_buf k = PF_BUF_INIT;
		char *line;

		solve_match_key("pypi", "litellm", "1.82.7", &k);
		line = pf_xasprintf("pypi\tlitellm\t1.82.7\t%s\nPF_PACKAGES\n", pf_buf_cstr(&k));
		ok(has(a, ".pinfold/activate.d/advisories.sh", line),
		   "advisories hook embeds the package list with its normalised form");
		free(line);
		pf_buf_release(&k);
	}
	ok(!has(a, ".pinfold/activate.d/advisories.sh", "/tmp"), "and never looks for the state in /tmp");
	ok(has(a, ".pinfold/vetted.txt", "npm\tleft-pad\t1.3.0\npypi\twheel\t0.38.4\npypi\tlitellm\t1.82.7\n"),
	   "vetted.txt lists every locked package");
	ok(has(a, "bin/pip", "\nlayout='host'\n") && has(a, "bin/npm", "#!/usr/bin/env node\n") &&
	   has(a, "bin/npm", "const LAYOUT = 'host'\n") &&
	   has(a, "lib/python3.11/site-packages/_pinfold_guard.py", "\n_LAYOUT = 'host'\n"),
	   "the guards know they are in a host-mode environment");
	ok(!has(a, "bin/pip", "@PF_") && !has(a, "bin/npm", "@PF_") && !has(a, "bin/pinfold-vetted", "@PF_") &&
	   !has(a, ".pinfold/activate.d/advisories.sh", "@PF_") &&
	   !has(a, "lib/python3.11/site-packages/_pinfold_guard.py", "@PF_"), "no placeholder left");
	ok(has(a, "bin/npx", "npxMain") && has(a, ".pinfold/refusal.txt", "pinfold unlock {env} --reason"),
	   "npx is the npm guard; the refusal text is installed once");

	is_int(install_constraints_state(a, &s, &e), 0, "state of a locked env");
	ok(s.has_policy && !s.unlocked && s.constraint_files.n == 11, "locked, eleven constraint files");
	ok(install_cstate_is_constraint(&s, "bin/pip") && !install_cstate_is_constraint(&s, "bin/activate"),
	   "is_constraint tells guard files from others");
	install_cstate_release(&s);
	free(a);
	free(b);
}

static void test_guards(void)
{
	struct lockfile l;
	struct lock_pkg pkgs[3];
	struct pf_err e = { 0 };
	char *r = at(tmp, "venv");
	int have_pip = access(PIP_WHEEL, R_OK) == 0;

	fake_lock(&l, pkgs);
	if (run("python3 -m venv --without-pip '%s'", r)) {
		ok(0, "python3 -m venv works");
		free(r);
		return;
	}
	/* The venv's lib/python3.X is whatever the host python is. */
	is_int(install_constraints(r, &l, &e), 0, "constraints in a real venv");

	is_int(run("cd / && '%s/bin/pip' install requests", r), 1, "bin/pip install refused");
	ok(out_has("pinfold: refused: 'pip install requests'"), "says what was refused");
	ok(out_has("Only vetted packages are allowed in this environment"), "says why");
	ok(out_has("pinfold catalog add") && out_has("pinfold lock IMAGE"), "says how to add a vetted package");
	ok(out_has("pinfold unlock ") && out_has("--reason"), "says how to lift the constraint");
	is_int(run("'%s/bin/pip3' -v --cache-dir /nonexistent install ./x.whl", r), 1,
	       "bin/pip3 with global options before install refused");
	ok(out_has("refused: 'pip3 -v --cache-dir"), "pip3 names itself");
	is_int(run("'%s/bin/pip' download requests", r), 1, "pip download refused");
	is_int(run("'%s/bin/pip' wheel requests", r), 1, "pip wheel refused");

	is_int(run("'%s/bin/npm' install left-pad", r), 1, "npm install refused");
	ok(out_has("refused: 'npm install left-pad'") && out_has("Only vetted packages are allowed"),
	   "npm refusal message");
	/* Every other npm and npx case runs in tests/install/guards_host.sh (suite guards). */
	is_int(run("'%s/bin/npx' cowsay hi", r), 1, "npx of a package not installed refused");
	ok(out_has("refused: 'npx cowsay hi'"), "npx refusal message");
	if (!run("command -v npm")) {
		is_int(run("cd '%s' && '%s/bin/npm' --version", tmp, r), 0, "npm --version passes through");
		is_int(run("mkdir -p '%s/proj' && cd '%s/proj' && echo '{\"name\":\"p\",\"version\":\"1.0.0\","
			   "\"scripts\":{\"test\":\"echo TESTED-$npm_config_offline\"}}' > package.json && "
			   "'%s/bin/npm' test", tmp, tmp, r), 0, "npm test (run-script) passes through");
		ok(out_has("TESTED-true"), "npm runs scripts with offline=true");
	}

	if (have_pip) {
		/* pip inside the venv: the wheel is run by the venv's python, so sys.prefix is the venv. */
		is_int(run("cd / && PYTHONPATH=" PIP_WHEEL " '%s/bin/python3' -m pip install requests", r), 1,
		       "python -m pip install refused (pth hook)");
		ok(out_has("pinfold: refused: 'python -m pip install requests'"), "hook says what was refused");
		ok(out_has("Only vetted packages are allowed in this environment"), "hook says why");
		is_int(run("'%s/bin/python3' " PIP_WHEEL "/pip download wheel", r), 1, "python -m pip download refused");
		is_int(run("'%s/bin/python3' " PIP_WHEEL "/pip list", r), 0, "python -m pip list still works");
		is_int(run("'%s/bin/python3' " PIP_WHEEL "/pip config list", r), 0, "pip config list");
		ok(out_has("global.no-index='true'") && out_has("install.require-hashes='true'"),
		   "pip reads the environment's pip.conf");
		/* Without the hook, the config alone still refuses: nothing from an index, no unhashed files. */
		is_int(run("for f in '%s'/lib/python3*/site-packages/_pinfold_guard.pth; do rm -f \"$f\"; done; "
			   "cd / && env -u PIP_FIND_LINKS '%s/bin/python3' " PIP_WHEEL "/pip install "
			   "/usr/share/python-wheels/wheel-0.38.4-py3-none-any.whl", r, r), 1,
		   "without the hook pip.conf still refuses an unhashed file");
		ok(out_has("Hashes are required"), "require-hashes is in force");
	}
	free(r);
}

/* A self-contained environment (docs/environment.md): guards and configs where Debian's python3 and node read them. */
static void test_rootfs(void)
{
	struct lockfile l;
	struct lock_pkg pkgs[6];
	struct pf_err e = { 0 };
	struct install_cstate s;
	char *r = at(tmp, "rootfs");
	static const char *const absent[] = {
		"bin/pip", "bin/npm", "pip.conf", ".pinfold/activate.d/constraints.sh",
		"lib/python3.11/site-packages/_pinfold_guard.py", NULL
	};

	memset(pkgs, 0, sizeof pkgs);
	fake_lock(&l, pkgs);
	pkgs[3] = pkgs[2];
	pkgs[2] = pkgs[1];
	pkgs[1] = pkgs[0];
	pkgs[0] = (struct lock_pkg){ .ecosystem = "deb", .name = "libpython3.12-stdlib", .version = "3.12.1-1" };
	pkgs[4] = (struct lock_pkg){ .ecosystem = "npm", .name = "npm", .version = "10.9.9" };
	{
		char *d = at(r, "usr/local/lib/python3.13/dist-packages");

		pf_mkdir_p(d, 0755, &e);	/* made on disk by the installer (a wheel's target) */
		free(d);
	}
	pkgs[5] = (struct lock_pkg){ .ecosystem = "deb", .name = "python3.11-minimal", .version = "3.11.2-6" };
	l.npkgs = 6;
	l.target_runtime = LOCK_RUNTIME_SELF;
	l.target_python = "3.11";
	pf_mkdir_p(r, 0755, &e);
	is_int(install_constraints(r, &l, &e), 0, "install_constraints on a self-contained tree");
	for (const char *const *f = absent; *f; f++)
		ok(mode_of(r, *f) == -1, "no host-mode file %s", *f);
	is_int(mode_of(r, "usr/local/bin/pip"), 0755, "usr/local/bin/pip, ahead of /usr/bin on PATH");
	ok(mode_of(r, "usr/local/bin/pip3") == 0755 && mode_of(r, "usr/local/bin/npx") == 0755 &&
	   mode_of(r, "usr/local/bin/pinfold-vetted") == 0755, "pip3, npx and pinfold-vetted beside it");
	ok(has(r, "usr/local/bin/npm", "#!/usr/bin/node\n") && has(r, "usr/local/bin/npm", "const LAYOUT = 'self-contained'\n"),
	   "the npm guard runs on the environment's node and knows its layout");
	ok(has(r, "usr/local/bin/pip", "\nlayout='self-contained'\n"), "so does the pip guard");
	ok(has(r, "etc/pip.conf", "no-index = true") && has(r, "usr/pip.conf", "no-index = true"),
	   "pip.conf as the global (/etc) and the site (/usr, sys.prefix of /usr/bin/python3) configuration");
	ok(has(r, "etc/npmrc", "offline=true\n") && has(r, "etc/npmrc", "registry=https://vetted-packages-only.invalid/\n"),
	   "npm's global npmrc (/etc/npmrc, named by npm's built-in npmrc): offline, dead registry");
	ok(has(r, "usr/local/bin/npm", "const GLOBALCONFIG = at('etc/npmrc')\n"), "and the npm guard points npm at it");
	ok(has(r, "usr/local/lib/python3.11/dist-packages/_pinfold_guard.py", "\n_LAYOUT = 'self-contained'\n") &&
	   has(r, "usr/local/lib/python3.11/dist-packages/_pinfold_guard.pth", "import _pinfold_guard\n") &&
	   mode_of(r, "usr/local/lib/python3.11/dist-packages/00-pinfold-nopyc.pth") == -1,
	   "the import hook in Debian python3.11's dist-packages (no nopyc .pth: the root is read-only)");
	ok(mode_of(r, "usr/local/lib/python3.12/dist-packages/_pinfold_guard.py") == 0644,
	   "and in python3.12's, named by a locked libpython3.12 deb");
	ok(mode_of(r, "usr/local/lib/python3.13/dist-packages/_pinfold_guard.pth") == 0644,
	   "and in a dist-packages the installer made");
	ok(has(r, ".pinfold/vetted.txt", "deb\tlibpython3.12-stdlib\t3.12.1-1\n") &&
	   mode_of(r, ".pinfold/refusal.txt") == 0644 && mode_of(r, INSTALL_ADVISORIES_HOOK) == 0644,
	   "listing, refusal text and advisories hook in /.pinfold");
	ok(has(r, ".pinfold/policy.yaml", "constraint_files:\n  - \".pinfold/constraints.txt\"\n"
	       "  - \".pinfold/refusal.txt\"\n  - etc/npmrc\n  - etc/pip.conf\n"
	       "  - usr/local/bin/npm\n  - usr/local/bin/npx\n  - usr/local/bin/pip\n  - usr/local/bin/pip3\n"
	       "  - usr/local/lib/python3.11/dist-packages/_pinfold_guard.pth\n"
	       "  - usr/local/lib/python3.11/dist-packages/_pinfold_guard.py\n"
	       "  - usr/local/lib/python3.12/dist-packages/_pinfold_guard.pth\n"
	       "  - usr/local/lib/python3.12/dist-packages/_pinfold_guard.py\n"
	       "  - usr/local/lib/python3.13/dist-packages/_pinfold_guard.pth\n"
	       "  - usr/local/lib/python3.13/dist-packages/_pinfold_guard.py\n  - usr/pip.conf\n"),
	   "policy.yaml lists the self-contained constraint files");
	is_int(install_constraints_state(r, &s, &e), 0, "state of a locked self-contained env");
	is_int((int)s.constraint_files.n, 15, "fifteen constraint files");
	install_cstate_release(&s);
	is_int(install_unlock(r, "alice", "test", 1780000000, &s, &e), 0, "unlock removes them");
	ok(mode_of(r, "usr/local/bin/npm") == -1 && mode_of(r, "usr/pip.conf") == -1 &&
	   mode_of(r, "usr/local/bin/pinfold-vetted") == 0755, "guards gone, pinfold-vetted stays");
	install_cstate_release(&s);
	free(r);
}

static void test_unlock(void)
{
	struct lockfile l;
	struct lock_pkg pkgs[3];
	struct pf_err e = { 0 };
	struct install_cstate s;
	char *r = at(tmp, "u"), *sp = at(r, "lib/python3.11/site-packages"), *p;

	fake_lock(&l, pkgs);
	pf_mkdir_p(sp, 0755, &e);
	is_int(install_constraints(r, &l, &e), 0, "constraints for unlock");
	is_int(install_unlock(r, "alice", "", 1780000000, NULL, &e), -PF_EUSAGE, "unlock without a reason refused");
	ok(mode_of(r, "bin/pip") == 0755, "nothing removed without a reason");
	pf_err_clear(&e);

	/* A hostile policy that points outside the env is refused before anything is removed. */
	p = at(r, ".pinfold/policy.yaml");
	{
		char *orig = slurp(p), *evil = at(tmp, "victim");
		struct pf_buf b = PF_BUF_INIT;

		pf_write_file(evil, "x", 1, 0644, &e);
		pf_buf_adds(&b, "format: pinfold-policy/1\nstate: locked\nconstraint_files:\n  - ../victim\n");
		pf_write_file(p, b.p, b.len, 0644, &e);
		ok(install_unlock(r, "alice", "x", 1780000000, NULL, &e) == -PF_EFORMAT && strstr(e.msg, "not a safe relative path"),
		   "policy naming ../victim refused");
		ok(pf_exists(evil), "the file outside was not touched");
		pf_err_clear(&e);
		pf_buf_release(&b);
		/* A symlinked directory inside the env is not followed. */
		pf_buf_adds(&b, "format: pinfold-policy/1\nstate: locked\nconstraint_files:\n  - link/victim\n");
		pf_write_file(p, b.p, b.len, 0644, &e);
		{
			char *lnk = at(r, "link");

			ok(symlink(tmp, lnk) == 0, "symlink link -> outside");
			ok(install_unlock(r, "alice", "x", 1780000000, NULL, &e) == -PF_EUNSAFE, "symlinked directory refused");
			ok(pf_exists(evil), "the file behind the symlink was not removed");
			unlink(lnk);
			free(lnk);
		}
		pf_err_clear(&e);
		pf_buf_release(&b);
		pf_write_file(p, orig, strlen(orig), 0644, &e);
		free(orig);
		free(evil);
	}
	free(p);

	p = at(r, "etc/npmrc");
	unlink(p);	/* hand-deleted before the unlock: recorded as missing */
	free(p);
	is_int(install_unlock(r, "alice", "need requests from a local wheel", 1780000000, &s, &e), 0, "unlock with a reason");
	ok(s.unlocked && !strcmp(s.by, "alice") && !strcmp(s.reason, "need requests from a local wheel"),
	   "state reads back who and why");
	is_str(s.at, "2026-05-28T20:26:40Z", "when, RFC 3339 from the time given");
	ok(s.removed.n == 10 && s.missing.n == 1 && !strcmp(s.missing.v[0], "etc/npmrc"),
	   "removed ten, one already missing");
	install_cstate_release(&s);
	ok(mode_of(r, "bin/pip") == -1 && mode_of(r, "pip.conf") == -1 &&
	   mode_of(r, "lib/python3.11/site-packages/_pinfold_guard.pth") == -1, "guards and config gone");
	ok(mode_of(r, ".pinfold/policy.yaml") == 0644 && mode_of(r, ".pinfold/activate.d/advisories.sh") == 0644,
	   "policy.yaml and the advisories hook stay");
	ok(has(r, ".pinfold/unlocked.yaml", "reason: \"need requests from a local wheel\"\n"),
	   "unlocked.yaml records the reason");
	is_int(install_unlock(r, "bob", "again", 1780000000, &s, &e), -PF_EEXIST, "second unlock refused");
	ok(s.unlocked && !strcmp(s.by, "alice"), "the first record is kept");
	install_cstate_release(&s);
	pf_err_clear(&e);

	/* A malformed record is an error, not "unlocked". */
	p = at(r, ".pinfold/unlocked.yaml");
	pf_write_file(p, "format: pinfold-unlock/1\nstate: unlocked\nby: x\nat: yesterday\nreason: r\nremoved: []\n",
		      84, 0644, &e);
	ok(install_constraints_state(r, &s, &e) == -PF_EFORMAT, "malformed unlocked.yaml refused");
	install_cstate_release(&s);
	free(p);
	free(sp);
	free(r);
}

int main(void)
{
	struct pf_err e = { 0 };

	tmp = pf_mkdtemp("/tmp", "pf-constraints-", &e);
	if (!tmp)
		return 1;
	test_files();
	test_guards();
	test_rootfs();
	test_unlock();
	pf_rm_rf(tmp);
	free(tmp);
	return done_testing();
}
