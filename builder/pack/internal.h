/* SPDX-License-Identifier: MIT */
/* Private to pack/: opening files of an environment without leaving it. */
#ifndef PF_PACK_INTERNAL_H
#define PF_PACK_INTERNAL_H

/*
 * Open path (relative) below dirfd read-only, following no symlink in any
 * component and never leaving dirfd (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS; without openat2, one O_NOFOLLOW component at a
 * time), and O_NONBLOCK so that a FIFO cannot hang the caller. A file
 * descriptor, or -1 with errno set.
 */
int pack_open_beneath(int dirfd, const char *path);

#endif
