/* SPDX-License-Identifier: MIT */
/* Fuzz the artifact metadata readers (wheel, npm, deb, generic) and the package.json reader. */
#include "install/json.h"
#include "install/meta.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "wheel", "npm", "deb", "generic" };
	static const char *const names[] = { "f-1.0-py3-none-any.whl", "f-1.0.0.tgz", "f_1.0_all.deb", "f.tar.gz" };
	struct install_meta m;
	struct pf_arena a = PF_ARENA_INIT;
	struct install_json *j = NULL;
	struct pf_err e = { 0 };
	int rc, k;

	if (!size)
		return 0;
	/* the first byte picks the format; the rest is the artifact */
	k = data[0] & 3;
	{
		const char *path = fuzz_file(data + 1, size - 1);
		FILE *f = fopen(path, "rb");

		if (!f)
			abort();
		rc = install_read_meta_fd(fileno(f), names[k], fmts[k], &m, &e);
		fuzz_check_err(rc, &e);
		if (!rc) {
			if (pf_text_check_str(m.name) || pf_text_check_str(m.version))
				abort();
			for (size_t i = 0; i < m.ndepends; i++)
				if (pf_text_check_str(m.depends[i]))
					abort();
		}
		install_meta_release(&m);
		fclose(f);
	}
	memset(&e, 0, sizeof e);
	rc = install_json_parse(&a, "package.json", (const char *)data, size, &j, &e);
	fuzz_check_err(rc, &e);
	pf_arena_release(&a);
	return 0;
}
