/* SPDX-License-Identifier: MIT */
/* Package URLs (purl) of locked packages, as the purl specification builds them. */
#ifndef PF_EXPORT_PURL_H
#define PF_EXPORT_PURL_H

#include <stddef.h>

#include "core/mem.h"
#include "lock/lock.h"

/*
 * Append the purl of p to out:
 *   pypi     pkg:pypi/NAME@VERSION            NAME lowercased, runs of "-_." -> "-"
 *   npm      pkg:npm/NAME@VERSION, pkg:npm/%40SCOPE/NAME@VERSION   lowercased
 *   deb      pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=DISTRO
 *            (arch from the artifact's file name NAME_VERSION_ARCH.deb; the
 *            distro qualifier only when distro is not NULL; an epoch stays in
 *            the version, "1:2.4-1")
 *   generic  pkg:generic/NAME@VERSION?checksum=sha256:HEX
 * Every component is percent-encoded: everything but A-Z a-z 0-9 . - _ ~
 * and ':' becomes %XX (so '+' is %2B, '@' is %40, '!' is %21).
 */
void export_purl(const struct lock_pkg *p, const char *distro, struct pf_buf *out);

/*
 * The distro qualifier for the lock's debs ("debian-12"), in buf; NULL when
 * the lock does not say. From the version of deb:base-files when locked
 * ("12.4+deb12u5" -> 12), else from Debian's stable-update suffixes in the
 * deb versions ("+deb12u1", "~deb12u1") when they all name the same release.
 */
const char *export_deb_distro(const struct lockfile *l, char *buf, size_t len);

#endif
