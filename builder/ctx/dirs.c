/* SPDX-License-Identifier: MIT */
/* The state and cache directories: one XDG rule, no shared fallback, and ssh's ownership and mode checks. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "ctx/ctx.h"

/* One component's problem, or NULL. self: the directory itself (must be the user's own). */
static const char *bad_mode(const struct stat *st, int self)
{
	uid_t me = geteuid();

	if (!S_ISDIR(st->st_mode))
		return "is not a directory";
	if (self) {
		if (st->st_uid != me)
			return "is not owned by you";
		if (st->st_mode & (S_IWGRP | S_IWOTH))
			return "is writable by group or others";
		return NULL;
	}
	if (st->st_uid != me && st->st_uid != 0)
		return "is owned by another user";
	/* a shared parent is fine only when sticky (like /tmp): nobody else can rename what is ours */
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return "is writable by group or others";
	return NULL;
}

int ctx_private_dir(const char *dir, struct pf_err *e)
{
	char real[PATH_MAX];
	struct stat st;
	const char *why;
	char *p;
	int rc;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			return pf_error(e, PF_EIO, "'%s': %s", dir, strerror(errno));
		if ((rc = pf_mkdir_p(dir, 0700, e)))
			return rc;
	}
	if (!realpath(dir, real))
		return pf_error(e, PF_EIO, "'%s': %s", dir, strerror(errno));
	if (stat(real, &st) < 0)
		return pf_error(e, PF_EIO, "'%s': %s", real, strerror(errno));
	if ((why = bad_mode(&st, 1)))
		return pf_error(e, PF_EUNTRUSTED, "'%s': %s; pinfold keeps its state and cache only in a private "
				"directory (mode 0700, yours), as ssh does for ~/.ssh", real, why);
	/* every parent up to / */
	for (p = strrchr(real, '/'); p; p = strrchr(real, '/')) {
		*p = '\0';
		if (stat(*real ? real : "/", &st) < 0)
			return pf_error(e, PF_EIO, "'%s': %s", *real ? real : "/", strerror(errno));
		if ((why = bad_mode(&st, 0)))
			return pf_error(e, PF_EUNTRUSTED, "'%s': %s, so what pinfold keeps below it ('%s') could be "
					"replaced by someone else; refused", *real ? real : "/", why, dir);
		if (!*real)
			break;
	}
	return 0;
}

/* An environment variable holding an absolute path, or NULL. */
static const char *abs_env(const char *name)
{
	const char *s = getenv(name);

	return s && s[0] == '/' ? s : NULL;
}

static int resolve(char **slot, const char *opt, const char *env, const char *xdg, const char *home_rel,
		   const char *what, const char **out, struct pf_err *e)
{
	const char *s;
	char *dir;
	int rc;

	*out = NULL;
	if (*slot) {
		*out = *slot;
		return 0;
	}
	if (opt && *opt)
		dir = pf_xstrdup(opt);
	else if (env && (s = getenv(env)) && *s)
		dir = pf_xstrdup(s);
	else if ((s = abs_env(xdg)))
		dir = pf_xasprintf("%s/pinfold", s);
	else if ((s = abs_env("HOME")))
		dir = pf_xasprintf("%s/%s", s, home_rel);
	else
		return pf_error(e, PF_ENOTFOUND, "no %s directory: HOME is not set to an absolute path and neither "
				"%s%s%s is set; pinfold never falls back to a shared directory such as /tmp "
				"(set one of them%s)", what, env ? env : "", env ? " nor " : "", xdg,
				env ? " or pass --state-dir DIR" : "");
	rc = ctx_private_dir(dir, e);
	if (rc) {
		free(dir);
		return rc;
	}
	*slot = dir;
	*out = dir;
	return 0;
}

int ctx_state_dir(struct ctx *x, const char **out, struct pf_err *e)
{
	return resolve(&x->state_dir, x->state_dir_opt, "PINFOLD_STATE_DIR", "XDG_STATE_HOME", ".local/state/pinfold",
		       "state", out, e);
}

int ctx_cache_dir(struct ctx *x, const char **out, struct pf_err *e)
{
	return resolve(&x->cache_dir, NULL, NULL, "XDG_CACHE_HOME", ".cache/pinfold", "cache", out, e);
}
