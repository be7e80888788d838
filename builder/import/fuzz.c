/* SPDX-License-Identifier: MIT */
/* Entry points for fuzzing the parsers of Debian's index files and OpenPGP data: bytes in, no crash, 0 or an error. */
#include <string.h>

#include "import/internal.h"

int import_fuzz_inrelease(const unsigned char *data, size_t size)
{
	struct import_keyring *kr = import_keyring_new();
	struct import_release rel;
	struct import_signed sig;
	struct pf_buf canon = PF_BUF_INIT, sigs = PF_BUF_INIT;
	struct pf_err e;
	int rc;

	/* the whole verify path up to the key lookup (an empty keyring knows no key) */
	memset(&e, 0, sizeof e);
	rc = import_verify_cleartext(kr, "fuzz", (const char *)data, size, 0, &sig, &e);
	if (!rc)
		import_signed_release(&sig);
	memset(&e, 0, sizeof e);
	if (!import_cleartext_split("fuzz", (const char *)data, size, &canon, &sigs, &e)) {
		/* the text as if it had verified: the Release field parser */
		memset(&e, 0, sizeof e);
		if (!import_release_parse("fuzz", canon.p ? canon.p : "", canon.len, &rel, &e))
			import_release_release(&rel);
	}
	memset(&e, 0, sizeof e);
	if (!import_release_parse("fuzz", (const char *)data, size, &rel, &e))
		import_release_release(&rel);
	pf_buf_release(&canon);
	pf_buf_release(&sigs);
	import_keyring_free(kr);
	return 0;
}

int import_fuzz_keyring(const unsigned char *data, size_t size)
{
	struct import_keyring *kr = import_keyring_new();
	struct pf_err e;

	memset(&e, 0, sizeof e);
	import_keyring_add_data(kr, "fuzz", data, size, &e);
	import_keyring_free(kr);
	return 0;
}

int import_fuzz_packages(const unsigned char *data, size_t size)
{
	struct import_index *ix = import_index_new("amd64");
	struct pf_buf b = PF_BUF_INIT;
	struct pf_arena arena = PF_ARENA_INIT;
	struct pf_err e;

	/* a suite that never verified: only this entry point may make one */
	ix->suites = pf_xcalloc(1, sizeof *ix->suites);
	ix->nsuites = ix->capsuites = 1;
	ix->suites[0].name = pf_xstrdup("fuzz");
	pf_buf_add(&b, data, size);
	memset(&e, 0, sizeof e);
	if (!import_index_add_packages(ix, 0, "fuzz", &b, &e)) {
		for (size_t i = 0; i < ix->npkgs; i++) {
			const char **d, **p, **c;
			size_t nd, np, nc, n;
			struct import_rel rels[8];
			char why[128];

			import_pkg_relations(&ix->pkgs[i], &arena, &d, &nd, &p, &np, &c, &nc);
			for (size_t j = 0; j < nd; j++)
				if (!import_rel_parse(d[j], rels, 8, &n, why, sizeof why) && rels[0].version[0])
					(void)import_version_cmp(ix, rels[0].version, ix->pkgs[i].version);
		}
	}
	pf_buf_release(&b);
	pf_arena_release(&arena);
	import_index_free(ix);
	return 0;
}
