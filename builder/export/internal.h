/* SPDX-License-Identifier: MIT */
/* Private to export/: the pieces oci.c puts together. */
#ifndef PF_EXPORT_INTERNAL_H
#define PF_EXPORT_INTERNAL_H

#include "core/digest.h"
#include "core/error.h"
#include "core/file.h"

/*
 * Write the image layout at layout (oci-layout, index.json, the blobs)
 * into out (an open temp file the caller commits or aborts) as an ustar
 * archive: entries sorted bytewise, directories 0755 and files 0644, uid/gid
 * 0 without names, mtime as given; two zero blocks at the end. sha256 gets
 * the digest of every byte written. A blob of 8 GiB or more does not fit
 * ustar and is PF_ETOOBIG.
 */
int export_layout_archive(const char *layout, struct pf_afile *out, long long mtime, char sha256[PF_SHA256_HEX],
			  struct pf_err *e);

#endif
