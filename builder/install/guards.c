/* SPDX-License-Identifier: MIT */
/* Looking up the guard files that meson compiled in (guards_data.c, from builder/install/guards/). */
#include <string.h>

#include "install/guards.h"

const struct install_guard_file *install_guard_file(const char *name)
{
	for (size_t i = 0; i < install_guard_nfiles; i++)
		if (!strcmp(install_guard_files[i].name, name))
			return &install_guard_files[i];
	return NULL;
}
