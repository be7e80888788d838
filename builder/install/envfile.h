/* SPDX-License-Identifier: MIT */
/* Reading one file out of an environment tarball (tar + zstd), under the hostile-archive rules. */
#ifndef PF_INSTALL_ENVFILE_H
#define PF_INSTALL_ENVFILE_H

#include <stddef.h>

#include "core/error.h"
#include "core/mem.h"

/*
 * Append the contents of the regular file member (a normalised relative path
 * such as ".pinfold/lock") of tarball to out, refusing more than max bytes.
 * Every entry up to it passes the reader's rules. PF_ENOTFOUND when absent.
 */
int install_env_read(const char *tarball, const char *member, size_t max, struct pf_buf *out, struct pf_err *e);

#endif
