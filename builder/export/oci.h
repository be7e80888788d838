/* SPDX-License-Identifier: MIT */
/* An environment as an OCI image layout (and oci-archive), reproducibly, with its SBOMs attached. */
#ifndef PF_EXPORT_OCI_H
#define PF_EXPORT_OCI_H

#include <stdint.h>

#include "core/digest.h"
#include "core/error.h"

enum export_compression { EXPORT_GZIP, EXPORT_ZSTD };

#define EXPORT_DIGEST_STR (7 + PF_SHA256_HEX)	/* "sha256:" + 64 hex + NUL */

/* Annotation keys pinfold adds (reverse-DNS, as the OCI annotation rules ask). */
#define EXPORT_ANN_REFERRERS	"dev.pinfold.referrers"
#define EXPORT_ANN_COMPRESSOR	"dev.pinfold.layer.compressor"

struct export_oci_opts {
	const char *env;		/* the environment tarball (ENV.tar.zst) */
	const char *out_dir;		/* the image layout to write */
	const char *archive;		/* also an oci-archive tarball, or NULL */
	enum export_compression compression;
	const char *tag;		/* org.opencontainers.image.ref.name; NULL: the lock's image name */
};

struct export_oci_result {
	char manifest[EXPORT_DIGEST_STR];	/* the image digest */
	char config[EXPORT_DIGEST_STR];
	char layer[EXPORT_DIGEST_STR];
	char diff_id[EXPORT_DIGEST_STR];	/* SHA-256 of the uncompressed tar */
	char env_sha256[PF_SHA256_HEX];		/* of ENV.tar.zst */
	char archive_sha256[PF_SHA256_HEX];	/* of the archive, when written */
	uint64_t layer_size, tar_size;
	int nreferrers;				/* SBOMs attached */
	int self_contained;
	char ref_name[256];
};

/*
 * Export an environment tarball as an OCI image layout at out_dir:
 *  1. ENV is copied into a private staging directory next to out_dir and the
 *     copy is verified like `pinfold verify` (every path against its
 *     manifest): a tampered, truncated or hostile tarball is refused before
 *     anything is written, and nothing read later can differ from what was
 *     checked. A path that an OCI runtime would treat as a whiteout
 *     (".wh." names) is refused.
 *  2. The single layer is the environment's own tar: gzip (export/gzip.h,
 *     pinned) or, for zstd, the tarball's own bytes. rootfs.diff_ids is the
 *     SHA-256 of the uncompressed tar, the one `pinfold build` prints.
 *  3. The config, the manifest and index.json are written with a fixed key
 *     order and no whitespace; every time in them is the lock's
 *     source_date_epoch. Same ENV, same bytes (docs/oci.md).
 *  4. The SBOMs the environment carries (.pinfold/sbom.*.json, written by
 *     build) become OCI 1.1 artifact manifests whose subject is the image,
 *     listed in a referrers index (an image index, as a registry's referrers
 *     API would answer) that index.json's entry names in the annotation
 *     EXPORT_ANN_REFERRERS. They are not entries of index.json, because
 *     Debian 12's skopeo, umoci and oci-image-tool refuse a layout whose
 *     index.json holds them (docs/oci.md).
 * The layout is built in the staging directory and renamed into place: an
 * existing out_dir is replaced only when it is an OCI layout (or empty), by
 * an atomic exchange; anything else there is refused. With archive, the
 * same files go into an uncompressed tar (sorted, mtime source_date_epoch,
 * uid/gid 0) written through a temp file. On failure nothing is left.
 * Warnings (a host-mode or unlocked environment, no SBOMs to attach) go to
 * e's warning sink.
 */
int export_oci(const struct export_oci_opts *o, struct export_oci_result *r, struct pf_err *e);

/* 1 when s may be an org.opencontainers.image.ref.name ("name", "name:tag", "host/path/name:tag"). */
int export_ref_name_ok(const char *s);

#endif
