/* SPDX-License-Identifier: MIT */
/* Debian: the packages dpkg's status database (or a distroless status.d file) records as installed. */
#include <string.h>

#include "watch/detect.h"

struct para {
	char pkg[257], ver[257];
	int installed;		/* Status: "... installed"; a status.d file has no Status and counts */
	int has_status;
};

static void field(char *out, size_t size, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = 0;	/* too long to be a name: not reported */
	memcpy(out, v, n);
	out[n] = '\0';
}

static void flush(struct watch_findings *f, const char *path, struct para *p)
{
	if (p->pkg[0] && p->ver[0] && (!p->has_status || p->installed) && watch_detect_token_ok(p->pkg) &&
	    watch_detect_token_ok(p->ver))
		watch_findings_add(f, "deb", p->pkg, p->ver, path, "installed", "dpkg status");
	memset(p, 0, sizeof *p);
}

int watch_detect_dpkg_status(struct watch_findings *f, const char *path, const char *data, size_t len,
		       struct pf_err *e)
{
	struct para p;
	size_t lineno = 0;

	memset(&p, 0, sizeof p);
	if (memchr(data, '\0', len))
		return pf_error(e, PF_EFORMAT, "'%s': a NUL byte in a dpkg status file", path);
	for (size_t i = 0; i < len;) {
		const char *line = data + i, *end = memchr(line, '\n', len - i), *colon;
		size_t ll = end ? (size_t)(end - line) : len - i;

		i += ll + 1;
		lineno++;
		if (!ll) {
			flush(f, path, &p);
			continue;
		}
		if (line[0] == ' ' || line[0] == '\t')
			continue;	/* a continuation line */
		colon = memchr(line, ':', ll);
		if (!colon || colon == line || memchr(line, ' ', (size_t)(colon - line)))
			return pf_error(e, PF_EFORMAT, "%s:%zu: not a 'Field: value' line", path, lineno);
		if (colon - line == 7 && !strncmp(line, "Package", 7)) {
			field(p.pkg, sizeof p.pkg, colon + 1, ll - 8);
		} else if (colon - line == 7 && !strncmp(line, "Version", 7)) {
			field(p.ver, sizeof p.ver, colon + 1, ll - 8);
		} else if (colon - line == 6 && !strncmp(line, "Status", 6)) {
			char st[257];

			field(st, sizeof st, colon + 1, ll - 7);
			p.has_status = 1;
			/* "install ok installed", "hold ok installed"; not "config-files", "not-installed" */
			p.installed = strlen(st) >= 10 && !strcmp(st + strlen(st) - 10, " installed");
		}
	}
	flush(f, path, &p);
	return 0;
}
