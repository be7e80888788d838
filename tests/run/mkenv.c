/* SPDX-License-Identifier: MIT */
/* Test helper: pack a root filesystem assembled by a test into an environment tarball the way build does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "pack/pack.h"

/* mkenv ROOT OUT.tar.zst: writes ROOT/.pinfold/build-info and manifest, OUT and OUT.sha256. */
int main(int argc, char **argv)
{
	struct pf_err e = { 0 };
	struct pack_result res;
	char *line, *side;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: mkenv ROOT OUT.tar.zst\n");
		return 2;
	}
	rc = pack_write_build_info(argv[1], 1700000000, &e);
	if (!rc)
		rc = pack_write_manifest(argv[1], NULL, NULL, &e);
	if (!rc)
		rc = pack_tarball(argv[1], NULL, argv[2], 1700000000, &res, &e);
	if (rc) {
		fprintf(stderr, "mkenv: %s\n", e.msg);
		return 1;
	}
	line = pf_xasprintf("%s  %s\n", res.sha256_out, pf_basename(argv[2]));
	side = pf_xasprintf("%s.sha256", argv[2]);
	rc = pf_write_file(side, line, strlen(line), 0644, &e);
	free(line);
	free(side);
	if (rc) {
		fprintf(stderr, "mkenv: %s\n", e.msg);
		return 1;
	}
	return 0;
}
