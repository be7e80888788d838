/* SPDX-License-Identifier: MIT */
/* Which environment runs: an unpacked directory or a cached tarball, and only a self-contained one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "lock/lock.h"
#include "pack/pack.h"
#include "run/internal.h"
#include "run/run.h"

/* The image name, reduced to characters that are safe in a prompt and a file name. */
static char *safe_name(const char *s)
{
	char *n = pf_xstrndup(s && *s ? s : "env", 64);

	for (char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._+-", *p)))
			*p = '_';
	return n;
}

/* root must be a pinfold environment whose lock asks for a self-contained runtime. */
static int check_runtime(struct run_env *env, const char *given, struct pf_err *e)
{
	char *lockpath = pf_path_join(env->root, PACK_LOCK);
	struct pf_buf b = PF_BUF_INIT;
	struct lockfile l;
	int rc;

	memset(&l, 0, sizeof l);
	if (!pf_exists(lockpath)) {
		rc = pf_error(e, PF_EFORMAT, "'%s': not a pinfold environment (no %s)", given, PACK_LOCK);
		goto out;
	}
	rc = pf_read_file(lockpath, PF_MAX_SMALL, &b, e);
	if (rc)
		goto out;
	rc = lock_parse(&l, lockpath, b.p, b.len, e);
	if (rc)
		goto out;
	if (!lock_self_contained(l.target_runtime)) {
		rc = pf_error(e, PF_EPOLICY, "'%s': a host-mode environment (target.runtime: %s): it would run the "
			      "host's python3 and node, which the sandbox exists to keep out; build it from an image "
			      "with 'target: {runtime: %s}' (docs/environment.md)", given,
			      l.target_runtime ? l.target_runtime : LOCK_RUNTIME_HOST, LOCK_RUNTIME_SELF);
		lock_release(&l);
		goto out;
	}
	env->name = safe_name(l.image_name);
	for (size_t i = 0; i < l.nallow_hosts; i++)
		pf_strv_push(&env->allow_hosts, l.allow_hosts[i]);
	lock_release(&l);
out:
	pf_buf_release(&b);
	free(lockpath);
	return rc;
}

int run_env_open(struct run_env *env, const char *path, const char *cache_dir, unsigned flags, struct pf_err *e)
{
	struct stat st;
	int rc;

	memset(env, 0, sizeof *env);
	if (stat(path, &st))
		return pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		env->root = realpath(path, NULL);
		if (!env->root)
			return pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));
		if (!strcmp(env->root, "/")) {
			rc = pf_error(e, PF_EUSAGE, "'%s': the host's root is not an environment", path);
			goto out;
		}
	} else if (S_ISREG(st.st_mode)) {
		char *root = NULL;

		env->tarball = pf_xstrdup(path);
		env->cache_dir = pf_xstrdup(cache_dir);
		rc = run_cache_get(path, cache_dir, !!(flags & RUN_ENV_DEFER_CHECK), &root, &env->seal, env->sha256,
				   &env->unpacked, e);
		if (rc)
			goto out;
		env->root = realpath(root, NULL);
		free(root);
		if (!env->root) {
			rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));
			goto out;
		}
	} else {
		return pf_error(e, PF_EFORMAT, "'%s': not an environment directory or tarball", path);
	}
	rc = check_runtime(env, path, e);
out:
	if (rc)
		run_env_release(env);
	return rc;
}

void run_env_release(struct run_env *env)
{
	free(env->root);
	free(env->name);
	free(env->tarball);
	free(env->cache_dir);
	free(env->seal);
	pf_strv_release(&env->allow_hosts);
	memset(env, 0, sizeof *env);
}

int run_env_check(const struct run_env *env, struct pf_err *e)
{
	return env->seal ? run_seal_check(env->root, env->seal, e) : 0;
}

int run_env_repair(struct run_env *env, const char *why, struct pf_err *e)
{
	char *root = NULL;
	int rc;

	if (!env->tarball)
		return 0;
	pf_warn(e, "the cached copy of '%s' was modified since it was unpacked (%s): unpacking it again",
		env->tarball, why);
	run_cache_discard(env->cache_dir, env->sha256);
	free(env->seal);
	env->seal = NULL;
	rc = run_cache_get(env->tarball, env->cache_dir, 0, &root, &env->seal, env->sha256, &env->unpacked, e);
	free(root);
	return rc;
}

static int gate(void *ud, struct pf_err *e)
{
	return run_env_check(ud, e);
}

int run_env_exec(struct run_env *env, const struct run_plan *p, const char *bwrap, int *status, struct pf_err *e)
{
	int rc = run_plan_exec(p, bwrap, env->seal ? gate : NULL, env, status, e);

	if (rc == -PF_ECHECK && env->seal) {
		char *why = pf_xstrdup(e->msg);

		pf_err_clear(e);
		rc = run_env_repair(env, why, e);
		free(why);
		if (!rc)
			rc = run_plan_exec(p, bwrap, NULL, NULL, status, e);
	}
	return rc;
}
