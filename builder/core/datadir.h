/* SPDX-License-Identifier: MIT */
/* Where pinfold's data directory is: the installed DATADIR/pinfold, found the same way by every layer. */
#ifndef PF_CORE_DATADIR_H
#define PF_CORE_DATADIR_H

/*
 * The data directory holds what `meson install` puts under DATADIR/pinfold
 * (the trust root, the default catalog's signed files). It is, in order:
 *  1. BUILD/data, the build tree's copy of those files, when the running
 *     program lives in the build tree it was compiled in (tests, ./build/pinfold);
 *  2. BINDIR/<the configured way from bindir to datadir>/pinfold next to the
 *     running program when that directory exists (any prefix, and an installed
 *     tree moved elsewhere, e.g. a DESTDIR copy);
 *  3. the configured PREFIX/DATADIR/pinfold.
 * It is never the source tree. Caller frees the result (never NULL); *how,
 * when not NULL, gets a static word naming the rule used ("build tree",
 * "beside the program", "configured").
 */
char *pf_data_dir(const char **how);
/* pf_data_dir() joined with rel. Caller frees. */
char *pf_data_path(const char *rel);

#endif
