/* SPDX-License-Identifier: MIT */
/* Fuzz the bundle framing and index reader: whatever opens reads back within its entries. */
#include "fetch/bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fetch_bundle *b = NULL;
	struct pf_err e = { 0 };
	int rc = fetch_bundle_open(fuzz_file(data, size), &b, &e);

	fuzz_check_err(rc, &e);
	if (rc)
		return 0;
	for (size_t i = 0; i < b->n; i++) {
		struct pf_buf out = PF_BUF_INIT;
		struct pf_err e2 = { 0 };

		if (pf_text_check_str(b->entries[i].name))
			abort();
		rc = fetch_bundle_read(b, b->entries[i].name, 1 << 20, &out, &e2);
		fuzz_check_err(rc, &e2);
		if (!rc && out.len != b->entries[i].size)
			abort();
		pf_buf_release(&out);
	}
	fetch_bundle_close(b);
	return 0;
}
