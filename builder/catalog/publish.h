/* SPDX-License-Identifier: MIT */
/* Publishing catalog.yaml/advisories.yaml and their .sig without a torn pair (catalog sign). */
#ifndef PF_CATALOG_PUBLISH_H
#define PF_CATALOG_PUBLISH_H

#include "core/error.h"
#include "core/mem.h"

/*
 * Write body as DIR/file and sig (the new signature lines) as DIR/sigfile,
 * each by temp + rename, the signature first and carrying the published
 * version's signatures after the new ones: a kill at any instant, or a reader
 * that reads the document and then its signature, sees a pair that verifies
 * (the old version or the new one). docs/catalog.md, "Publishing".
 */
int catalog_publish(const char *dir, const char *file, const char *sigfile, const struct pf_buf *body,
		    const struct pf_buf *sig, struct pf_err *e);

#endif
