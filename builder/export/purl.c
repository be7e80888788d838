/* SPDX-License-Identifier: MIT */
/* purl strings for pypi, npm, deb and generic packages (types as the purl-spec defines them). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/purl.h"

/* Percent-encode s (n bytes) into out; lower: ASCII letters lowercased first. */
static void enc(struct pf_buf *out, const char *s, size_t n, int lower)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '-' || c == '_' || c == '~' || c == ':') {
			pf_buf_addc(out, (char)c);
		} else {
			pf_buf_addc(out, '%');
			pf_buf_addc(out, hex[c >> 4]);
			pf_buf_addc(out, hex[c & 15]);
		}
	}
}

/* PEP 503 name: lowercase, every run of '-', '_' and '.' becomes one '-'. */
static void pypi_name(struct pf_buf *out, const char *s)
{
	struct pf_buf b = PF_BUF_INIT;
	int run = 0;

	for (; *s; s++) {
		if (*s == '-' || *s == '_' || *s == '.') {
			run = 1;
			continue;
		}
		if (run && b.len)
			pf_buf_addc(&b, '-');
		run = 0;
		pf_buf_addc(&b, *s);
	}
	enc(out, b.p ? b.p : "", b.len, 1);
	pf_buf_release(&b);
}

/* The architecture field of a Debian file name NAME_VERSION_ARCH.deb, or NULL. */
static char *deb_arch(const char *file)
{
	size_t n = strlen(file);
	const char *us;

	if (n < 5 || strcmp(file + n - 4, ".deb"))
		return NULL;
	us = memrchr(file, '_', n - 4);
	if (!us || us == file || (size_t)(file + n - 4 - us - 1) == 0)
		return NULL;
	for (const char *p = us + 1; p < file + n - 4; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return NULL;
	return pf_xstrndup(us + 1, (size_t)(file + n - 4 - us - 1));
}

void export_purl(const struct lock_pkg *p, const char *distro, struct pf_buf *out)
{
	const char *eco = p->ecosystem;

	if (!strcmp(eco, "pypi")) {
		pf_buf_adds(out, "pkg:pypi/");
		pypi_name(out, p->name);
	} else if (!strcmp(eco, "npm")) {
		const char *slash = p->name[0] == '@' ? strchr(p->name, '/') : NULL;

		pf_buf_adds(out, "pkg:npm/");
		if (slash) {
			enc(out, p->name, (size_t)(slash - p->name), 1);	/* "@scope" -> "%40scope" */
			pf_buf_addc(out, '/');
			enc(out, slash + 1, strlen(slash + 1), 1);
		} else {
			enc(out, p->name, strlen(p->name), 1);
		}
	} else if (!strcmp(eco, "deb")) {
		pf_buf_adds(out, "pkg:deb/debian/");
		enc(out, p->name, strlen(p->name), 1);
	} else {
		pf_buf_addf(out, "pkg:%s/", eco);
		enc(out, p->name, strlen(p->name), 0);
	}
	pf_buf_addc(out, '@');
	enc(out, p->version, strlen(p->version), 0);
	if (!strcmp(eco, "deb")) {
		/* qualifiers sorted by key */
		char *arch = p->artifact.file ? deb_arch(p->artifact.file) : NULL;
		const char *sep = "?";

		if (arch) {
			pf_buf_adds(out, "?arch=");
			enc(out, arch, strlen(arch), 1);
			sep = "&";
		}
		if (distro) {
			pf_buf_addf(out, "%sdistro=", sep);
			enc(out, distro, strlen(distro), 1);
		}
		free(arch);
	} else if (!strcmp(eco, "generic")) {
		pf_buf_addf(out, "?checksum=sha256:%s", p->artifact.sha256);
	}
	pf_buf_cstr(out);
}

/* The release number N of "+debNu..." / "~debNu..." / "+debN" in v, or -1. */
static int update_suffix(const char *v)
{
	for (const char *p = v; (p = strstr(p, "deb")); p += 3) {
		char *end;
		long r;

		if (p == v || (p[-1] != '+' && p[-1] != '~') || !isdigit((unsigned char)p[3]))
			continue;
		r = strtol(p + 3, &end, 10);
		if (r > 0 && r < 1000 && (*end == 'u' || *end == '\0' || *end == '.' || *end == '+'))
			return (int)r;
	}
	return -1;
}

const char *export_deb_distro(const struct lockfile *l, char *buf, size_t len)
{
	int rel = -1;

	for (size_t i = 0; i < l->npkgs; i++) {
		const struct lock_pkg *p = &l->pkgs[i];

		if (!strcmp(p->ecosystem, "deb") && !strcmp(p->name, "base-files") && isdigit((unsigned char)p->version[0])) {
			/* base-files' version is the Debian release: "12.4+deb12u5" */
			snprintf(buf, len, "debian-%ld", strtol(p->version, NULL, 10));
			return buf;
		}
	}
	for (size_t i = 0; i < l->npkgs; i++) {
		int r;

		if (strcmp(l->pkgs[i].ecosystem, "deb") || (r = update_suffix(l->pkgs[i].version)) < 0)
			continue;
		if (rel >= 0 && r != rel)
			return NULL;	/* debs of several releases: the lock does not say one */
		rel = r;
	}
	if (rel < 0)
		return NULL;
	snprintf(buf, len, "debian-%d", rel);
	return buf;
}
