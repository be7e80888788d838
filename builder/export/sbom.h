/* SPDX-License-Identifier: MIT */
/* SBOMs of an environment: SPDX 2.3 and CycloneDX 1.6 JSON from its lock, its artifacts and its catalog. */
#ifndef PF_EXPORT_SBOM_H
#define PF_EXPORT_SBOM_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/mem.h"
#include "export/license.h"
#include "lock/lock.h"

/* Where build puts the two documents inside an environment. */
#define EXPORT_SBOM_SPDX_PATH	".pinfold/sbom.spdx.json"
#define EXPORT_SBOM_CDX_PATH	".pinfold/sbom.cdx.json"
/* Their media types (OCI artifactType and layer mediaType). */
#define EXPORT_SPDX_MEDIA	"application/spdx+json"
#define EXPORT_CDX_MEDIA	"application/vnd.cyclonedx+json"

enum export_sbom_format { EXPORT_SPDX_JSON, EXPORT_CYCLONEDX_JSON };

/* "spdx-json" / "cyclonedx-json" -> format; -1 when unknown. */
int export_sbom_format_parse(const char *s);

/*
 * What a document is made of. lock must have been read from bytes (its
 * sha256 set): the SPDX namespace and the CycloneDX serial number are
 * name-based UUIDs (version 5) of that digest, and every timestamp is the
 * lock's source_date_epoch, so the same inputs give the same bytes.
 * catalog: the verified catalog the lock was checked against
 * (ctx_lock_check), or NULL: then no vetting is recorded and the
 * document says so. licenses: one per locked package (lock order), or NULL
 * (NOASSERTION throughout).
 */
struct export_sbom {
	const struct lockfile *lock;
	const struct catalog *catalog;
	const struct export_license *licenses;
};

/* Append the document to out (pretty JSON, final newline). Fails on a lock whose requested_by is inconsistent. */
int export_sbom_write(const struct export_sbom *s, enum export_sbom_format f, struct pf_buf *out, struct pf_err *e);

/*
 * The declared licences of l's packages, read from their verified artifacts
 * (paths[i], parallel to l->pkgs; wheels and npm tarballs are read, other
 * formats and NULL paths declare nothing). *out gets l->npkgs entries; free
 * with export_sbom_licenses_free().
 */
int export_sbom_licenses(const struct lockfile *l, char *const *paths, struct export_license **out,
			 struct pf_err *e);
void export_sbom_licenses_free(struct export_license *v, size_t n);

/*
 * For build: both documents (licences from the artifacts at paths) written
 * to root/.pinfold/ (EXPORT_SBOM_SPDX_PATH, EXPORT_SBOM_CDX_PATH). catalog as
 * in struct export_sbom.
 */
int export_sbom_write_env(const char *root, const struct lockfile *l, const struct catalog *catalog,
			  char *const *paths, struct pf_err *e);

#endif
