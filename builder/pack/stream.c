/* SPDX-License-Identifier: MIT */
/* Reading an environment tarball's tar stream back out of its zstd frame (for export). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "core/file.h"
#include "pack/pack.h"

int pack_tar_stream(const char *path, uint64_t max, pack_tar_sink sink, void *ud, struct pf_err *e)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	size_t icap = ZSTD_DStreamInSize(), ocap = ZSTD_DStreamOutSize(), last = 1;
	char *ibuf = pf_xmalloc(icap), *obuf = pf_xmalloc(ocap);
	uint64_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;
	ssize_t n;

	if (!z)
		abort();
	if (fd < 0) {
		rc = pf_error(e, errno == ENOENT ? PF_ENOTFOUND : PF_EIO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	/* the writer's window (level 3) is far below this; a larger one is not ours */
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
	while (!rc && (n = pf_read_full(fd, ibuf, icap)) > 0) {
		ZSTD_inBuffer in = { ibuf, (size_t)n, 0 };

		while (!rc && in.pos < in.size) {
			ZSTD_outBuffer o = { obuf, ocap, 0 };

			last = ZSTD_decompressStream(z, &o, &in);
			if (ZSTD_isError(last)) {
				rc = pf_error(e, PF_EFORMAT, "'%s': not a valid zstd stream: %s", path,
					      ZSTD_getErrorName(last));
				break;
			}
			total += o.pos;
			if (total > max)
				rc = pf_error(e, PF_ETOOBIG, "'%s': more than %llu bytes of tar", path,
					      (unsigned long long)max);
			else if (o.pos)
				rc = sink(ud, obuf, o.pos, e);
		}
	}
	if (!rc && n < 0)
		rc = pf_error(e, PF_EIO, "'%s': %s", path, strerror((int)-n));
	/* decompressStream returns 0 exactly when a frame has been fully decoded and flushed */
	while (!rc && last != 0) {
		ZSTD_inBuffer in = { NULL, 0, 0 };
		ZSTD_outBuffer o = { obuf, ocap, 0 };

		last = ZSTD_decompressStream(z, &o, &in);
		if (ZSTD_isError(last) || (!o.pos && last != 0)) {
			rc = pf_error(e, PF_EFORMAT, "'%s': truncated zstd stream", path);
			break;
		}
		total += o.pos;
		if (total > max)
			rc = pf_error(e, PF_ETOOBIG, "'%s': more than %llu bytes of tar", path, (unsigned long long)max);
		else if (o.pos)
			rc = sink(ud, obuf, o.pos, e);
	}
out:
	if (fd >= 0)
		close(fd);
	ZSTD_freeDCtx(z);
	free(ibuf);
	free(obuf);
	return rc;
}
