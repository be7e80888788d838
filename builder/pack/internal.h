/* SPDX-License-Identifier: MIT */
/* Private to pack/: opening files of an environment without leaving it, and the sink that unpack
 * writes a verified tarball's entries into. */
#ifndef PF_PACK_INTERNAL_H
#define PF_PACK_INTERNAL_H

#include <stddef.h>

#include "core/error.h"
#include "install/extract.h"

/*
 * Open path (relative) below dirfd read-only, following no symlink in any
 * component and never leaving dirfd (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS; without openat2, one O_NOFOLLOW component at a
 * time), and O_NONBLOCK so that a FIFO cannot hang the caller. A file
 * descriptor, or -1 with errno set.
 */
int pack_open_beneath(int dirfd, const char *path);

/*
 * Entries go under dest (an existing, empty directory the caller made), in
 * the order the reader returns them; files are written 0444/0555, dirs 0755.
 * Free with pack_sink_close().
 */
struct pack_sink;
int pack_sink_open(struct pack_sink **out, const char *dest, struct pf_err *e);
/* Create a directory or symlink, or start a regular file (then _data... and _end_file). */
int pack_sink_entry(struct pack_sink *s, const struct install_entry *ent, struct pf_err *e);
int pack_sink_data(struct pack_sink *s, const void *buf, size_t n, struct pf_err *e);
int pack_sink_end_file(struct pack_sink *s, struct pf_err *e);
void pack_sink_close(struct pack_sink *s);

#endif
