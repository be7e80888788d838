/* SPDX-License-Identifier: MIT */
/* Reading one file (e.g. .pinfold/lock) out of an environment tarball through the secure reader. */
#include <string.h>

#include "install/envfile.h"
#include "install/extract.h"

int install_env_read(const char *tarball, const char *member, size_t max, struct pf_buf *out, struct pf_err *e)
{
	struct install_reader_opts o = {
		.artifact = tarball,
		.flags = INSTALL_FMT_TAR | INSTALL_FILTER_ZSTD,
	};
	struct install_reader *r = NULL;
	struct install_entry ent;
	int rc;

	rc = install_reader_open(&r, tarball, &o, e);
	if (rc)
		return rc;
	while ((rc = install_reader_next(r, &ent, e)) == 1) {
		if (ent.type != INSTALL_E_FILE || strcmp(ent.path, member))
			continue;
		rc = install_reader_slurp(r, max, out, e);
		goto out;
	}
	if (!rc)
		rc = pf_error(e, PF_ENOTFOUND, "'%s': has no '%s' (not a pinfold environment?)", tarball, member);
out:
	install_reader_close(r);
	return rc;
}
