/* SPDX-License-Identifier: MIT */
/* Decompressing Debian index files in memory: lz4 (apt's lists), xz and gzip (the archive), with an output cap. */
#include <lz4frame.h>
#include <lzma.h>
#include <string.h>
#include <zlib.h>

#include "import/internal.h"

enum import_comp import_comp_of(const char *name)
{
	size_t l = strlen(name);

	if (l > 4 && !strcmp(name + l - 4, ".lz4"))
		return IMPORT_LZ4;
	if (l > 3 && !strcmp(name + l - 3, ".xz"))
		return IMPORT_XZ;
	if (l > 3 && !strcmp(name + l - 3, ".gz"))
		return IMPORT_GZ;
	return IMPORT_PLAIN;
}

/* Make room for at least want more bytes in out without passing max + 1 in total. */
static size_t room(struct pf_buf *out, size_t max)
{
	size_t cap = out->len + (out->len < ((size_t)1 << 20) ? ((size_t)1 << 20) : out->len);

	if (cap > max + 1)
		cap = max + 1;
	if (cap + 1 > out->cap) {
		out->p = pf_xrealloc(out->p, cap + 1);
		out->cap = cap + 1;
	}
	return cap - out->len;
}

static int lz4(const char *what, const unsigned char *in, size_t n, size_t max, struct pf_buf *out,
	       struct pf_err *e)
{
	LZ4F_dctx *d = NULL;
	size_t ret = 1;
	int rc = 0;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
		return pf_error(e, PF_EINTERNAL, "'%s': cannot start lz4", what);
	while (n) {
		size_t src = n, dst = room(out, max);

		if (!dst) {
			rc = pf_error(e, PF_ETOOBIG, "'%s': decompresses to more than %zu bytes", what, max);
			goto out;
		}
		ret = LZ4F_decompress(d, out->p + out->len, &dst, in, &src, NULL);
		if (LZ4F_isError(ret)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': not valid lz4 data (%s)", what, LZ4F_getErrorName(ret));
			goto out;
		}
		out->len += dst;
		in += src;
		n -= src;
		if (!src && !dst) {
			rc = pf_error(e, PF_EFORMAT, "'%s': lz4 data makes no progress", what);
			goto out;
		}
	}
	/* ret 0: the last frame ended; anything else is a truncated frame */
	while (ret) {
		size_t src = 0, dst = room(out, max);

		if (!dst) {
			rc = pf_error(e, PF_ETOOBIG, "'%s': decompresses to more than %zu bytes", what, max);
			goto out;
		}
		ret = LZ4F_decompress(d, out->p + out->len, &dst, NULL, &src, NULL);
		if (LZ4F_isError(ret) || !dst) {
			rc = pf_error(e, PF_EFORMAT, "'%s': truncated lz4 data", what);
			goto out;
		}
		out->len += dst;
	}
out:
	LZ4F_freeDecompressionContext(d);
	return rc;
}

static int xz(const char *what, const unsigned char *in, size_t n, size_t max, struct pf_buf *out, struct pf_err *e)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int rc = 0;

	if (lzma_stream_decoder(&s, (uint64_t)256 << 20, LZMA_CONCATENATED) != LZMA_OK)
		return pf_error(e, PF_EINTERNAL, "'%s': cannot start xz", what);
	s.next_in = in;
	s.avail_in = n;
	for (;;) {
		size_t dst = room(out, max);

		if (!dst) {
			rc = pf_error(e, PF_ETOOBIG, "'%s': decompresses to more than %zu bytes", what, max);
			break;
		}
		s.next_out = (unsigned char *)out->p + out->len;
		s.avail_out = dst;
		r = lzma_code(&s, LZMA_FINISH);
		out->len += dst - s.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			rc = pf_error(e, PF_EFORMAT, "'%s': not valid xz data (liblzma error %d)", what, (int)r);
			break;
		}
	}
	lzma_end(&s);
	return rc;
}

static int gz(const char *what, const unsigned char *in, size_t n, size_t max, struct pf_buf *out, struct pf_err *e)
{
	z_stream z;
	int r, rc = 0;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return pf_error(e, PF_EINTERNAL, "'%s': cannot start zlib", what);
	z.next_in = (unsigned char *)in;
	z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
	if (n > UINT32_MAX) {
		rc = pf_error(e, PF_ETOOBIG, "'%s': too large", what);
		goto out;
	}
	for (;;) {
		size_t dst = room(out, max);

		if (!dst) {
			rc = pf_error(e, PF_ETOOBIG, "'%s': decompresses to more than %zu bytes", what, max);
			break;
		}
		if (dst > UINT32_MAX)
			dst = UINT32_MAX;
		z.next_out = (unsigned char *)out->p + out->len;
		z.avail_out = (uInt)dst;
		r = inflate(&z, Z_NO_FLUSH);
		out->len += dst - z.avail_out;
		if (r == Z_STREAM_END) {
			if (!z.avail_in)
				break;
			if (inflateReset(&z) != Z_OK) {	/* another gzip member follows */
				rc = pf_error(e, PF_EFORMAT, "'%s': not valid gzip data", what);
				break;
			}
			continue;
		}
		if (r != Z_OK || (!z.avail_in && z.avail_out)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': not valid (or truncated) gzip data", what);
			break;
		}
	}
out:
	inflateEnd(&z);
	return rc;
}

int import_decompress(enum import_comp c, const char *what, const void *in, size_t n, size_t max, struct pf_buf *out,
		      struct pf_err *e)
{
	int rc;

	/* the caller knows the size from InRelease: one allocation, no copying while it grows */
	if (c != IMPORT_PLAIN && !out->cap && max <= ((size_t)1 << 30)) {
		out->p = pf_xmalloc(max + 2);
		out->cap = max + 2;
	}
	switch (c) {
	case IMPORT_LZ4: rc = lz4(what, in, n, max, out, e); break;
	case IMPORT_XZ: rc = xz(what, in, n, max, out, e); break;
	case IMPORT_GZ: rc = gz(what, in, n, max, out, e); break;
	default:
		if (n > max)
			return pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes", what, max);
		pf_buf_add(out, in, n);
		rc = 0;
		break;
	}
	if (!rc)
		pf_buf_cstr(out);
	return rc;
}
