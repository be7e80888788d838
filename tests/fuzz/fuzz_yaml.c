/* SPDX-License-Identifier: MIT */
/* Fuzz the strict YAML reader (core/yaml.c): parse, and what parses must emit and parse back alike. */
#include "core/yaml.h"
#include "fuzz.h"

static void same(const struct pf_ynode *a, const struct pf_ynode *b)
{
	if (!a || !b || a->type != b->type || a->n != b->n)
		abort();
	if (a->type == PF_Y_SCALAR && strcmp(a->str, b->str))
		abort();
	for (size_t i = 0; i < a->n; i++) {
		if (a->type == PF_Y_MAP && strcmp(a->keys[i]->str, b->keys[i]->str))
			abort();
		same(a->vals[i], b->vals[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_ydoc d, d2;
	struct pf_err e = { 0 }, e2 = { 0 };
	struct pf_buf out = PF_BUF_INIT;
	int rc = pf_yaml_parse(&d, "f.yaml", (const char *)data, size, &e);

	fuzz_check_err(rc, &e);
	if (rc || !d.root)
		goto done;
	/* every scalar kept is text (the control-character rule) */
	pf_yaml_emit(d.root, &out);
	rc = pf_yaml_parse(&d2, "emitted.yaml", out.p, out.len, &e2);
	if (rc) {
		fprintf(stderr, "emitted document does not parse: %s\n", e2.msg);
		abort();
	}
	if (d.root->type != PF_Y_SCALAR || d.root->str[0])
		same(d.root, d2.root);
	pf_ydoc_release(&d2);
done:
	if (!rc || d.root)
		pf_ydoc_release(&d);
	pf_buf_release(&out);
	return 0;
}
