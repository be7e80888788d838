/* SPDX-License-Identifier: MIT */
/* gzip with every header byte fixed, for OCI image layers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"
#include "export/gzip.h"

#define OUT_CHUNK ((size_t)256 << 10)

/* deflate keeps a pointer to the header until it has written it: both live together */
struct zs {
	z_stream z;
	gz_header head;
};

int export_gzip_init(struct export_gzip *g, export_gzip_sink out, void *ud, struct pf_err *e)
{
	struct zs *zs = pf_xcalloc(1, sizeof *zs);

	memset(g, 0, sizeof *g);
	zs->head.text = 0;
	zs->head.time = 0;
	zs->head.os = 255;
	if (deflateInit2(&zs->z, EXPORT_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(zs);
		return pf_error(e, PF_EINTERNAL, "zlib %s: cannot start deflate", zlibVersion());
	}
	if (deflateSetHeader(&zs->z, &zs->head) != Z_OK) {
		deflateEnd(&zs->z);
		free(zs);
		return pf_error(e, PF_EINTERNAL, "zlib %s: cannot set the gzip header", zlibVersion());
	}
	g->z = zs;
	g->buf = pf_xmalloc(OUT_CHUNK);
	g->out = out;
	g->ud = ud;
	return 0;
}

static int pump(struct export_gzip *g, const void *buf, size_t n, int flush, struct pf_err *e)
{
	z_stream *z = &((struct zs *)g->z)->z;
	int zr;

	z->next_in = (Bytef *)(uintptr_t)buf;
	z->avail_in = (uInt)n;
	do {
		size_t have;
		int rc;

		z->next_out = g->buf;
		z->avail_out = (uInt)OUT_CHUNK;
		zr = deflate(z, flush);
		if (zr == Z_STREAM_ERROR)
			return pf_error(e, PF_EINTERNAL, "zlib %s: deflate failed", zlibVersion());
		have = OUT_CHUNK - z->avail_out;
		if (have && (rc = g->out(g->ud, g->buf, have, e)))
			return rc;
	} while (z->avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

int export_gzip_write(struct export_gzip *g, const void *buf, size_t n, struct pf_err *e)
{
	const char *p = buf;

	/* avail_in is a uInt: feed huge buffers in pieces */
	while (n) {
		size_t k = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
		int rc = pump(g, p, k, Z_NO_FLUSH, e);

		if (rc)
			return rc;
		p += k;
		n -= k;
	}
	return 0;
}

int export_gzip_finish(struct export_gzip *g, struct pf_err *e)
{
	return pump(g, NULL, 0, Z_FINISH, e);
}

void export_gzip_release(struct export_gzip *g)
{
	if (!g)
		return;
	if (g->z) {
		deflateEnd(&((struct zs *)g->z)->z);
		free(g->z);
	}
	free(g->buf);
	memset(g, 0, sizeof *g);
}

void export_gzip_describe(char *buf, size_t n)
{
	snprintf(buf, n, "zlib %s deflate level %d (gzip header: no name, mtime 0, OS 255)", zlibVersion(),
		 EXPORT_GZIP_LEVEL);
}
