/* SPDX-License-Identifier: MIT */
/* Deterministic gzip (RFC 1952) through zlib: the one place pinfold compresses with deflate. */
#ifndef PF_EXPORT_GZIP_H
#define PF_EXPORT_GZIP_H

#include <stddef.h>

#include "core/error.h"

/*
 * Pinned: zlib deflate level 6 (zlib's and gzip's default), window 2^15,
 * memLevel 8, the default strategy; a gzip header with no file name, no
 * comment, no extra field, MTIME 0 and OS 255 ("unknown"), so nothing about
 * the machine, the time or the input's name reaches the bytes. The output
 * depends only on the input and on zlib's deflate implementation; zlib's
 * version is recorded with the output (export_gzip_describe).
 */
#define EXPORT_GZIP_LEVEL	6

typedef int (*export_gzip_sink)(void *ud, const void *buf, size_t n, struct pf_err *e);

struct export_gzip {
	void *z;		/* zlib's stream and header, private to gzip.c */
	unsigned char *buf;
	export_gzip_sink out;
	void *ud;
};

int export_gzip_init(struct export_gzip *g, export_gzip_sink out, void *ud, struct pf_err *e);
/* Compress n bytes; compressed output goes to the sink as it is produced. */
int export_gzip_write(struct export_gzip *g, const void *buf, size_t n, struct pf_err *e);
/* Flush the end of the stream (deflate's last block and the gzip trailer). */
int export_gzip_finish(struct export_gzip *g, struct pf_err *e);
/* Safe after a failure and on a zeroed struct. */
void export_gzip_release(struct export_gzip *g);
/* "zlib 1.2.13 deflate level 6 (gzip header: no name, mtime 0, OS 255)" into buf. */
void export_gzip_describe(char *buf, size_t n);

#endif
