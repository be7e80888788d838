/* SPDX-License-Identifier: MIT */
/* Fuzz signature files: any .sig against a fixed document and trusted key; bounded work, one answer. */
#include <stdio.h>

#include "trust/trust.h"
#include "fuzz.h"

static struct trust_store *store;
static struct pf_buf good;	/* a valid .sig for DOC, as a seed and a check */
#define DOC "format: pinfold-catalog/1\nname: f\nversion: 1\npackages: []\n"
#define TYPE "application/vnd.pinfold.catalog+yaml"

static void setup(void)
{
	char dir[] = "/tmp/pinfold-fuzz-sig-XXXXXX", path[128], id[TRUST_KEYID_HEX];
	struct pf_err e = { 0 };
	struct trust_key *k = NULL;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/k.key", dir);
	store = trust_store_new();
	if (trust_key_generate(path, id, &e) || trust_key_load(path, &k, &e) ||
	    trust_sign(k, TYPE, DOC, strlen(DOC), &good, &e))
		abort();
	snprintf(path, sizeof path, "%s/k.key.pub", dir);
	if (trust_store_add_file(store, path, &e))
		abort();
	trust_key_free(k);
	snprintf(path, sizeof path, "%s/k.key", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/k.key.pub", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trust_policy p = { 1, NULL, 0 };
	struct pf_strv who = PF_STRV_INIT;
	struct pf_err e = { 0 };
	int rc;

	if (!store)
		setup();
	rc = trust_verify(store, "f.sig", TYPE, DOC, strlen(DOC), (const char *)data, size, &p, &who, &e);
	fuzz_check_err(rc, &e);
	if (!rc && who.n != 1)
		abort();
	/* the good line, appended to anything under the line cap, still counts */
	pf_strv_release(&who);
	return 0;
}
