/* SPDX-License-Identifier: MIT */
/* Fuzz the catalog and advisories parsers: what parses writes back to bytes that parse to the same. */
#include "catalog/catalog.h"
#include "fuzz.h"

static void catalog_round(const uint8_t *data, size_t size)
{
	struct catalog c, c2;
	struct pf_err e = { 0 };
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	int rc = catalog_parse(&c, "catalog.yaml", (const char *)data, size, &e);

	fuzz_check_err(rc, &e);
	if (rc)
		return;
	catalog_write(&c, &a);
	if (catalog_parse(&c2, "written.yaml", a.p, a.len, &e))
		abort();
	catalog_write(&c2, &b);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) || c.npkgs != c2.npkgs)
		abort();
	for (size_t i = 0; i < c.npkgs; i++)
		if (pf_text_check_str(c.pkgs[i].name) || pf_text_check_str(c.pkgs[i].version))
			abort();
	catalog_release(&c);
	catalog_release(&c2);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

static void advisories_round(const uint8_t *data, size_t size)
{
	struct advisories x, y;
	struct pf_err e = { 0 };
	struct pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
	int rc = advisories_parse(&x, "advisories.yaml", (const char *)data, size, &e);

	fuzz_check_err(rc, &e);
	if (rc)
		return;
	advisories_write(&x, &a);
	if (advisories_parse(&y, "written.yaml", a.p, a.len, &e))
		abort();
	advisories_write(&y, &b);
	if (a.len != b.len || memcmp(a.p, b.p, a.len))
		abort();
	advisories_release(&x);
	advisories_release(&y);
	pf_buf_release(&a);
	pf_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	catalog_round(data, size);
	advisories_round(data, size);
	return 0;
}
