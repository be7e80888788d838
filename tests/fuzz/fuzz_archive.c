/* SPDX-License-Identifier: MIT */
/* Fuzz the archive policy layer (install/extract.c): every entry it lets through obeys the rules. */
#include "install/extract.h"
#include "fuzz.h"

static void entry_ok(const struct install_entry *ent)
{
	const char *p = ent->path;

	if (!*p || *p == '/' || strlen(p) > INSTALL_MAX_PATH || strchr(p, '\\') || install_name_ok(p, strlen(p)))
		abort();
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') || n > INSTALL_MAX_NAME)
			abort();
		c += n;
		if (*c)
			c++;
	}
	if (ent->type == INSTALL_E_SYMLINK && (!ent->target || ent->target[0] == '/'))
		abort();
	if (ent->type == INSTALL_E_FILE && ent->mode != 0644 && ent->mode != 0755)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {
		INSTALL_FMT_ZIP,
		INSTALL_FMT_TAR | INSTALL_FILTER_GZIP | INSTALL_FILTER_XZ | INSTALL_FILTER_ZSTD,
		INSTALL_FMT_AR,
		INSTALL_FMT_TAR | INSTALL_FILTER_GZIP,
	};
	struct install_reader_opts o;
	struct install_reader *r = NULL;
	struct install_entry ent;
	struct pf_err e = { 0 };
	uint64_t unpacked = 0;
	int rc;

	if (!size)
		return 0;
	memset(&o, 0, sizeof o);
	o.artifact = "fuzz";
	o.flags = flags[data[0] & 3];
	o.strip = (data[0] >> 2) & 1;
	o.max_entries = 2000;
	o.unpacked = &unpacked;
	o.max_unpacked = 64 << 20;
	o.fd = -1;
	rc = install_reader_open(&r, fuzz_file(data + 1, size - 1), &o, &e);
	while (!rc && (rc = install_reader_next(r, &ent, &e)) > 0) {
		const void *buf;
		size_t n;

		entry_ok(&ent);
		rc = 0;
		if (ent.type == INSTALL_E_FILE)
			while ((rc = install_reader_block(r, &buf, &n, &e)) > 0)
				;
		if (rc < 0)
			break;
		rc = 0;
	}
	fuzz_check_err(rc, &e);
	install_reader_close(r);
	return 0;
}
