/* SPDX-License-Identifier: MIT */
/* Finding the data directory from where the running program is, with no help from the source tree. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_config.h"
#include "core/datadir.h"
#include "core/file.h"
#include "core/mem.h"

/* The running program's directory (realpath), or NULL when /proc cannot tell. Caller frees. */
static char *program_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0 || (size_t)n >= sizeof buf - 1)
		return NULL;
	buf[n] = '\0';
	return pf_dirname(buf);
}

/* 1 when dir is root or below it (both absolute, without trailing slashes). */
static int under(const char *dir, const char *root)
{
	size_t n = strlen(root);

	return *root == '/' && !strncmp(dir, root, n) && (dir[n] == '\0' || dir[n] == '/');
}

char *pf_data_dir(const char **how)
{
	/* The build root as the kernel names it, so a symlinked path still matches /proc/self/exe. */
	char *dir = program_dir(), *build = realpath(PF_BUILD_ROOT, NULL), *p = NULL;
	const char *rule = "configured";

	if (dir && build && under(dir, build)) {
		p = pf_xstrdup(PF_BUILD_DATA_DIR);
		rule = "build tree";
	} else if (dir && *PF_DATA_DIR_REL) {
		p = pf_path_join(dir, PF_DATA_DIR_REL);
		if (pf_is_dir(p)) {
			char *real = realpath(p, NULL);

			if (real) {
				free(p);
				p = real;
			}
			rule = "beside the program";
		} else {
			free(p);
			p = NULL;
		}
	}
	if (!p)
		p = pf_xstrdup(PF_DATA_DIR);
	free(build);
	free(dir);
	if (how)
		*how = rule;
	return p;
}

char *pf_data_path(const char *rel)
{
	char *d = pf_data_dir(NULL), *p = pf_path_join(d, rel);

	free(d);
	return p;
}
