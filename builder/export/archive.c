/* SPDX-License-Identifier: MIT */
/* oci-archive: an image layout as one plain ustar tarball, the form podman load and skopeo take. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "export/internal.h"

#define CHUNK ((size_t)256 << 10)

struct tarw {
	struct pf_afile *f;
	struct pf_sha256 s;
	long long mtime;
};

static void tar_put(struct tarw *t, const void *p, size_t n)
{
	pf_sha256_update(&t->s, p, n);
	pf_afile_write(t->f, p, n);
}

static int tar_header(struct tarw *t, const char *name, int dir, uint64_t size, struct pf_err *e)
{
	unsigned char h[512];
	unsigned sum = 0;

	if (strlen(name) >= 100)
		return pf_error(e, PF_EINTERNAL, "'%s': name too long for ustar", name);
	if (size >= (uint64_t)1 << 33)
		return pf_error(e, PF_ETOOBIG, "'%s': %llu bytes do not fit an ustar archive (8 GiB)", name,
				(unsigned long long)size);
	memset(h, 0, sizeof h);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", dir ? 0755 : 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)t->mtime);
	memset(h + 148, ' ', 8);
	h[156] = dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	tar_put(t, h, sizeof h);
	return 0;
}

static int tar_file(struct tarw *t, const char *dir, const char *name, struct pf_err *e)
{
	char *path = pf_path_join(dir, name), *buf = pf_xmalloc(CHUNK);
	static const char zeros[512];
	struct stat st;
	uint64_t left;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	rc = tar_header(t, name, 0, (uint64_t)st.st_size, e);
	for (left = (uint64_t)st.st_size; !rc && left;) {
		ssize_t n = pf_read_full(fd, buf, left < CHUNK ? left : CHUNK);

		if (n <= 0) {
			rc = pf_error(e, PF_EIO, "'%s': %s", path, n < 0 ? strerror((int)-n) : "short read");
			break;
		}
		tar_put(t, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	if (!rc && st.st_size % 512)
		tar_put(t, zeros, 512 - (size_t)(st.st_size % 512));
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(buf);
	return rc;
}

/* Entries sorted bytewise: blobs/, blobs/sha256/, the blobs, index.json, oci-layout. */
int export_layout_archive(const char *layout, struct pf_afile *out, long long mtime, char sha256[PF_SHA256_HEX],
			  struct pf_err *e)
{
	struct tarw t;
	struct pf_strv names = PF_STRV_INIT;
	static const char zeros[1024];
	char *blobs = pf_path_join(layout, "blobs/sha256");
	DIR *d = opendir(blobs);
	struct dirent *de;
	int rc = 0;

	memset(&t, 0, sizeof t);
	t.f = out;
	t.mtime = mtime;
	if (!d) {
		rc = pf_error(e, PF_EIO, "'%s': %s", blobs, strerror(errno));
		free(blobs);
		return rc;
	}
	while ((errno = 0, de = readdir(d)))
		if (de->d_name[0] != '.')
			pf_strv_push_owned(&names, pf_xasprintf("blobs/sha256/%s", de->d_name));
	if (errno)
		rc = pf_error(e, PF_EIO, "'%s': %s", blobs, strerror(errno));
	closedir(d);
	free(blobs);
	pf_strv_sort(&names);
	pf_sha256_init(&t.s);
	if (!rc)
		rc = tar_header(&t, "blobs/", 1, 0, e);
	if (!rc)
		rc = tar_header(&t, "blobs/sha256/", 1, 0, e);
	for (size_t i = 0; !rc && i < names.n; i++)
		rc = tar_file(&t, layout, names.v[i], e);
	if (!rc)
		rc = tar_file(&t, layout, "index.json", e);
	if (!rc)
		rc = tar_file(&t, layout, "oci-layout", e);
	if (!rc)
		tar_put(&t, zeros, sizeof zeros);
	pf_sha256_final(&t.s, sha256);
	if (!rc && out->err)
		rc = pf_error(e, PF_EIO, "'%s': %s", out->path, strerror(out->err));
	pf_strv_release(&names);
	return rc;
}
