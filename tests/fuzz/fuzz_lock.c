/* SPDX-License-Identifier: MIT */
/* Fuzz the lockfile and image readers: locks that parse are written back to the same model. */
#include "lock/lock.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lockfile l, l2;
	struct image im;
	struct pf_err e = { 0 };
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	int rc = lock_parse(&l, "f.lock", (const char *)data, size, &e);

	fuzz_check_err(rc, &e);
	if (!rc) {
		lock_write(&l, &a);
		if (lock_parse(&l2, "written.lock", a.p, a.len, &e))
			abort();
		lock_write(&l2, &b);
		if (a.len != b.len || memcmp(a.p, b.p, a.len))
			abort();
		lock_release(&l2);
		lock_release(&l);
	}
	memset(&e, 0, sizeof e);
	memset(&im, 0, sizeof im);
	rc = image_load(&im, fuzz_file(data, size), &e);
	fuzz_check_err(rc, &e);
	if (!rc)
		image_release(&im);
	pf_buf_release(&a);
	pf_buf_release(&b);
	return 0;
}
